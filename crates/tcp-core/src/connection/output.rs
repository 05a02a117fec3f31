//! Segment generation: what to send next (SYN, retransmission, new data, FIN, ACK, probe,
//! RST) and writing it straight from the send buffer into the caller's buffer.

use super::Connection;
use crate::connection::sack_report;
use crate::connection::timers::Timer;
use crate::state::State;
use crate::time::Instant;
use tcp_wire::{Flags, Header, Options, SackBlocks, Segment, SeqNumber, Timestamps};

/// Where a segment's payload comes from and which sequence numbers it covers.
#[derive(Debug, Clone, Copy)]
struct Outgoing {
    seq: SeqNumber,
    flags: Flags,
    /// Payload length, taken from the send buffer at `seq`.
    len: u32,
    /// It is the tail loss probe.
    probe: bool,
}

/// What [`Connection::poll_transmit`] wrote: one segment, or a super-segment (one header
/// before the payload of several consecutive segments, for a segmentation offload to cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Burst {
    /// Bytes written: the header and every segment's payload.
    pub(in crate::connection) len: usize,
    /// Segments in it; above 1 only for a super-segment.
    pub(in crate::connection) segments: u32,
    /// Every segment's payload but the last's, which may be shorter.
    pub(in crate::connection) segment_size: u32,
}

/// Flags a segment inside a super-segment may differ in from its first: the offload gives
/// PSH and FIN to the last segment only and CWR to the first only, as Linux's TSO does.
const PER_SEGMENT_FLAGS: Flags = Flags::PSH.union(Flags::FIN).union(Flags::CWR);

impl Connection {
    /// True when `poll_transmit` would produce a segment now (cheap: no segment is built).
    pub(crate) fn wants_to_transmit(&self) -> bool {
        if self.send_reset || self.rcv.ack.now || self.timing.probe_pending {
            return true;
        }
        match self.state {
            State::Closed | State::Listen | State::TimeWait => false,
            _ if self.snd.nxt == self.snd.iss && !self.syn_acked() => !self.syn_deferred(),
            State::SynSent | State::SynReceived => false,
            _ => self.next_data_segment().is_some(),
        }
    }

    /// Writes the next segment into `buf`, checksum included, or `None` when there is
    /// nothing to send. `buf` must hold a full segment (MSS plus 60 bytes of header).
    ///
    /// With `max_segments` above 1 and room in `buf`, consecutive data segments that share
    /// every header field but the sequence number go out as one super-segment: the first
    /// segment's header, then each one's payload; its checksum field holds the partial sum
    /// a segmentation offload completes for each segment it cuts (see [`Burst`]). Each
    /// segment is accounted for (sent record, pacing, counters) as if sent on its own.
    pub(crate) fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        max_segments: u32,
    ) -> Option<Burst> {
        let burst = self.next_burst(now, buf, max_segments)?;
        let (src, dst) = (self.tuple.local.ip(), self.tuple.remote.ip());
        let mut segment = Segment::new_unchecked(buf.get_mut(..burst.len)?);
        if burst.segments > 1 {
            segment.fill_partial_checksum(src, dst);
        } else {
            segment.fill_checksum(src, dst);
        }
        Some(burst)
    }

    /// [`Connection::poll_transmit`] without the checksum.
    fn next_burst(&mut self, now: Instant, buf: &mut [u8], max_segments: u32) -> Option<Burst> {
        self.expire_path_report(now);
        if self.send_reset {
            self.send_reset = false;
            let seg = Outgoing {
                seq: self.acceptable_seq(),
                flags: Flags::RST | Flags::ACK,
                len: 0,
                probe: false,
            };
            return self.emit(now, buf, seg).map(Burst::single);
        }
        match self.state {
            State::Closed | State::Listen => return None,
            State::SynSent | State::SynReceived | State::FinWait1
                if self.snd.nxt == self.snd.iss && !self.syn_acked() && !self.syn_deferred() =>
            {
                return self.emit_syn(now, buf).map(Burst::single);
            }
            State::SynSent => return None,
            State::SynReceived | State::TimeWait => {}
            _ => {
                if let Some(seg) = self.next_data_segment() {
                    return self.emit_data_burst(now, buf, seg, max_segments);
                }
                let data_end = self.data_end();
                let unsent = if data_end.gt(self.snd.nxt) {
                    data_end - self.snd.nxt
                } else {
                    0
                };
                self.recovery.check_app_limited(unsent);
            }
        }
        if self.timing.probe_pending {
            self.timing.probe_pending = false;
            let seg = Outgoing {
                seq: self.snd.una - 1,
                flags: Flags::ACK,
                len: 0,
                probe: false,
            };
            return self.emit(now, buf, seg).map(Burst::single);
        }
        if self.rcv.ack.now {
            let seg = Outgoing {
                seq: self.acceptable_seq(),
                flags: Flags::ACK,
                len: 0,
                probe: false,
            };
            return self.emit(now, buf, seg).map(Burst::single);
        }
        None
    }

    /// The sequence number for a segment without data (ACK, RST) that the peer will find
    /// acceptable, as Linux's `tcp_acceptable_seq`: SND.MAX (never SND.NXT, which falls back
    /// below what the peer may hold after a timeout), but no further than the right edge of
    /// the peer's window, past which a zero-window receiver would drop it unread.
    fn acceptable_seq(&self) -> SeqNumber {
        let window_end = self.snd.una + self.snd.wnd;
        if self.snd.max.le(window_end) {
            self.snd.max
        } else {
            window_end
        }
    }

    /// A Fast Open SYN waiting for the application's first write.
    fn syn_deferred(&self) -> bool {
        self.state == State::SynSent
            && self.negotiated.fast_open
            && self.snd.max == self.snd.iss
            && self.snd.buf.len() == 0
    }

    /// Bytes of data the SYN carries: with a Fast Open cookie, on the first transmission
    /// only, as much as was written up to the server's MSS less the 40 bytes options may
    /// take (Linux's `tcp_send_syn_data`); otherwise none.
    fn syn_data_len(&self) -> u32 {
        if self.state != State::SynSent || !self.negotiated.fast_open || self.timing.retries > 0 {
            return 0;
        }
        let room = u32::from(self.negotiated.peer_mss).saturating_sub(40);
        (self.snd.buf.len() as u32).min(room)
    }

    fn emit_syn(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let syn_ack = self.state != State::SynSent;
        let mut flags = if syn_ack {
            Flags::SYN | Flags::ACK
        } else {
            Flags::SYN
        };
        flags |= self.ecn.syn_flags(syn_ack);
        let data = self.syn_data_len();
        let len = self.emit(
            now,
            buf,
            Outgoing {
                seq: self.snd.iss,
                flags,
                len: data,
                probe: false,
            },
        )?;
        if self.timing.retries > 0 {
            self.stats.retransmits += 1;
        } else if self.timing.syn_sent_at.is_none() {
            self.timing.syn_sent_at = Some(now);
        }
        if !syn_ack && self.timing.unacked_since.is_none() {
            // The user timeout runs from the first SYN, as Linux's `retrans_stamp` does.
            self.timing.unacked_since = Some(now);
        }
        self.snd.nxt = self.snd.iss + 1 + data;
        self.snd.max = self.snd.max.max(self.snd.nxt);
        if !self.timing.timers.is_armed(Timer::Retransmit) {
            self.arm_retransmit(now);
        }
        Some(len)
    }

    /// Bytes the congestion and receive windows let us send beyond SND.NXT; a tail loss
    /// probe is allowed one segment whatever the congestion window says (RFC 8985 §7.3).
    fn send_allowance(&self) -> u32 {
        let receive_edge = self.snd.una + self.snd.wnd;
        let receive_room = if receive_edge.gt(self.snd.nxt) {
            receive_edge - self.snd.nxt
        } else {
            0
        };
        let congestion_room = if self.recovery.probe_due() {
            self.send_mss()
        } else {
            self.recovery.room()
        };
        receive_room.min(congestion_room)
    }

    /// Whether a data or FIN segment would go out now.
    pub(crate) fn next_data_segment_exists(&self) -> bool {
        self.next_data_segment().is_some()
    }

    /// Chooses the next data/FIN segment: a lost segment first, then new data as the
    /// windows, Nagle (D-3) and sender-side silly window avoidance allow; when a tail loss
    /// probe is due, a segment sent again (see `LossRecovery::probe_segment`), or new data
    /// for a second probe after an unanswered first or when there is nothing to resend.
    ///
    /// RFC 8985 §7.3 prefers new data for the probe. Against Linux receivers that is often
    /// slower: a lone in-order segment may wait for the receiver's delayed-ACK timer
    /// (40 ms), while a duplicate is acknowledged at once with a D-SACK. Measured on the
    /// 16 MiB transfer through 5 % loss each way: 6.5-7.4 s with new-data probes, 3.6-4.8 s
    /// with these.
    fn next_data_segment(&self) -> Option<Outgoing> {
        if !self.state.transmits_data() {
            return None;
        }
        if !self.recovery.pacer_open() && !self.recovery.probe_due() {
            return None;
        }
        let mss = self.send_mss();
        let data_end = self.data_end();
        if let Some((seq, len)) = self
            .recovery
            .next_retransmission(self.snd.una, self.snd.wnd)
        {
            return Some(self.resend(seq, len, data_end, false));
        }
        let next = self.next_sequential_segment(self.segment_size(mss, data_end), data_end);
        if !self.recovery.probe_due() {
            return next;
        }
        match (next, self.recovery.probe_segment()) {
            (Some(segment), resend) if self.recovery.probe_is_repeat() || resend.is_none() => {
                Some(Outgoing {
                    probe: true,
                    ..segment
                })
            }
            (_, resend) => resend.map(|(seq, len)| self.resend(seq, len, data_end, true)),
        }
    }

    /// The size of the next new segment: a path MTU probe's when one may go out (larger
    /// than `mss`), else `mss`.
    fn segment_size(&self, mss: u32, data_end: SeqNumber) -> u32 {
        if self.path.is_none() {
            return mss;
        }
        let available = if data_end.gt(self.snd.nxt) {
            data_end - self.snd.nxt
        } else {
            0
        };
        self.mtu_probe_len(available, self.send_allowance())
            .unwrap_or(mss)
    }

    /// The next bytes at SND.NXT (or the FIN), if the windows, Nagle and sender-side SWS
    /// avoidance allow them.
    fn next_sequential_segment(&self, mss: u32, data_end: SeqNumber) -> Option<Outgoing> {
        let seq = self.snd.nxt;
        let available = if data_end.gt(seq) { data_end - seq } else { 0 };
        let fin_unsent = self
            .fin_seq()
            .is_some_and(|fin| !self.snd.fin_acked && seq.le(fin));
        if available == 0 && !fin_unsent {
            return None;
        }
        let allowance = self.send_allowance().saturating_sub(seq - self.snd.nxt);
        let len = available.min(mss).min(allowance);
        let retransmission = seq.lt(self.snd.max);
        if len < available && !retransmission && !self.timing.override_send_avoidance {
            let half_window = self.snd.max_wnd / 2;
            if len < mss && (len == 0 || len < half_window) {
                return None;
            }
        }
        let tail = seq + len == data_end;
        let nagle_holds = !self.timing.override_send_avoidance
            && len > 0
            && len < mss
            && tail
            && !retransmission
            && !self.snd.fin_queued
            && !self.options.nodelay
            && self
                .snd
                .small_segment_end
                .is_some_and(|end| end.gt(self.snd.una));
        if nagle_holds {
            return None;
        }
        let mut flags = Flags::ACK;
        if len > 0 && tail {
            flags |= Flags::PSH;
        }
        if fin_unsent && tail {
            flags |= Flags::FIN;
        }
        if len == 0 && !flags.fin() {
            return None;
        }
        Some(Outgoing {
            seq,
            flags,
            len,
            probe: false,
        })
    }

    /// A retransmission of the sequence space `[seq, seq + span)`: its data bytes, with PSH
    /// and the FIN as the original had them when it reaches the end of the data.
    fn resend(&self, seq: SeqNumber, span: u32, data_end: SeqNumber, probe: bool) -> Outgoing {
        let len = if data_end.gt(seq) {
            (data_end - seq).min(span)
        } else {
            0
        };
        let mut flags = Flags::ACK;
        if len > 0 && seq + len == data_end {
            flags |= Flags::PSH;
        }
        if self.snd.fin_queued && seq + len == data_end {
            flags |= Flags::FIN;
        }
        Outgoing {
            seq,
            flags,
            len,
            probe,
        }
    }

    /// Sends `seg`, then as many of the data segments that follow it as may join it in one
    /// super-segment (see [`Connection::poll_transmit`]).
    fn emit_data_burst(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        seg: Outgoing,
        max_segments: u32,
    ) -> Option<Burst> {
        let (len, first) = self.emit_data(now, buf, seg)?;
        let mut burst = Burst::single(len);
        let size = seg.len;
        if size != self.send_mss() || first.flags.intersects(Flags::PSH | Flags::FIN) {
            return Some(burst);
        }
        burst.segment_size = size;
        let first_ect = self.last_segment_ect;
        let mut end = seg.seq + size;
        let mut last_flags = Flags::NONE;
        while burst.segments < max_segments {
            let Some(next) = self.next_data_segment() else {
                break;
            };
            let new_data = !next.seq.lt(self.snd.max);
            let fits = next.seq == end
                && !next.probe
                && next.len > 0
                && next.len <= size
                && burst.len + next.len as usize <= buf.len()
                && next.flags.without(Flags::PSH | Flags::FIN) == Flags::ACK
                && (self.ecn.negotiated && new_data) == first_ect
                && !(new_data && self.ecn.send_cwr);
            if !fits {
                break;
            }
            let mut flags = next.flags;
            let (header, edge) = self.header_for(now, &mut flags, next.len);
            if !continues(&first, &header) {
                break;
            }
            let Some(out) = buf.get_mut(burst.len..burst.len + next.len as usize) else {
                break;
            };
            if self.write_payload(next, out).is_none() {
                break;
            }
            self.after_emit(&header, edge);
            self.after_data_sent(now, next);
            burst.len += next.len as usize;
            burst.segments += 1;
            end += next.len;
            last_flags = next.flags;
            if next.len < size || last_flags.intersects(Flags::PSH | Flags::FIN) {
                break;
            }
        }
        if burst.segments > 1 {
            let mut segment = Segment::new_unchecked(&mut buf[..burst.len]);
            segment.set_flags(first.flags | last_flags.without(Flags::ACK));
        }
        Some(burst)
    }

    /// Sends one data or FIN segment; returns its length and header.
    fn emit_data(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        mut seg: Outgoing,
    ) -> Option<(usize, Header)> {
        let retransmission = seg.seq.lt(self.snd.max);
        let new_data = !retransmission && seg.len > 0;
        if new_data && self.ecn.send_cwr {
            seg.flags |= Flags::CWR;
            self.ecn.send_cwr = false;
        }
        let (header, edge) = self.header_for(now, &mut seg.flags, seg.len);
        let written = self.write_segment(buf, &header, seg)?;
        self.after_emit(&header, edge);
        self.after_data_sent(now, seg);
        Some((written, header))
    }

    /// The bookkeeping of a data or FIN segment that went out: sequence space, sent record,
    /// pacing, Nagle, timers.
    fn after_data_sent(&mut self, now: Instant, seg: Outgoing) {
        let retransmission = seg.seq.lt(self.snd.max);
        self.last_segment_ect = self.ecn.negotiated && !retransmission && seg.len > 0;
        let end = seg.seq + seg.len + u32::from(seg.flags.fin());
        if retransmission {
            self.stats.retransmits += 1;
        }
        if end.gt(self.snd.nxt) {
            self.snd.nxt = end;
        }
        self.snd.max = self.snd.max.max(end);
        self.recovery.on_sent(
            now,
            (seg.seq, end),
            retransmission,
            seg.probe,
            self.snd.max,
            &mut self.stats,
        );
        if let Some(at) = self
            .recovery
            .pace(now, end - seg.seq, self.timing.rtt.smoothed())
        {
            self.timing.timers.set(Timer::Pace, at);
        }
        if !retransmission && seg.len > 0 && seg.len < self.send_mss() {
            self.snd.small_segment_end = Some(end);
        }
        if !retransmission && seg.len > self.send_mss() {
            self.mtu_probe_sent(seg.seq, seg.seq + seg.len);
        }
        self.snd.cwnd_limited = self.send_allowance() < self.send_mss();
        self.stats.bytes_sent += u64::from(seg.len);
        if seg.len > 0 && now < self.rcv.ack.reply_by {
            self.rcv.ack.pingpong = true;
        }
        if self.timing.unacked_since.is_none() {
            self.timing.unacked_since = Some(now);
        }
        if retransmission && !seg.probe {
            if !self.timing.timers.is_armed(Timer::Retransmit) {
                self.arm_retransmit(now);
            }
        } else {
            self.rearm_loss_timer(now, false);
        }
        self.timing.timers.stop(Timer::Persist);
        self.timing.override_send_avoidance = false;
    }

    /// The window field to send and the edge it promises; the promised edge never moves left
    /// (RFC 9293 §3.8.6.2.2) and small openings are held back (receiver SWS avoidance).
    fn window_to_advertise(&self) -> (u16, SeqNumber) {
        let free = self.rcv.buf.window() as u32;
        let promised = self.receive_window();
        let threshold =
            (self.rcv.buf.capacity() as u32 / 2).min(u32::from(self.negotiated.local_mss));
        let window = if free <= promised || free - promised < threshold {
            promised
        } else {
            free
        };
        let unit_shift = u32::from(self.rcv.wscale);
        // Rounded down: rounding up would let each ACK promise up to one unit more than the
        // buffer frees, and the promises would creep past it. The edge may appear to move
        // left by less than a unit (RFC 7323 §2.4); data up to the old edge is still taken.
        let field = (window >> unit_shift).min(0xffff);
        (field as u16, self.rcv.nxt + (field << unit_shift))
    }

    /// Whether reading opened the window enough to tell the peer now.
    ///
    /// As Linux's `tcp_cleanup_rbuf`: only when the window the peer sees has fallen to half
    /// the buffer or less and the new one is at least twice as large, so a reader that keeps
    /// up does not add a window update to every ACK.
    pub(crate) fn window_update_due(&self) -> bool {
        let free = self.rcv.buf.window() as u32;
        let promised = self.receive_window();
        let capacity = self.rcv.buf.capacity() as u32;
        let unit = 1u32 << self.rcv.wscale;
        self.state.can_receive()
            && 2 * promised <= capacity
            && free >= 2 * promised
            && free - promised >= unit.max(u32::from(self.negotiated.local_mss))
    }

    fn options_for(&self, now: Instant, flags: Flags) -> Options {
        let mut options = Options::default();
        if let Some(value) = self.ts_value(now) {
            let echo = if flags.syn() && !flags.ack() {
                0
            } else {
                self.negotiated.timestamps.map_or(0, |t| t.recent)
            };
            options.timestamps = Some(Timestamps { value, echo });
        }
        if flags.syn() {
            options.fast_open = self.fast_open.as_deref().copied();
            options.mss = Some(self.negotiated.local_mss);
            options.sack_permitted = self.negotiated.sack;
            if self.negotiated.offer_window_scale {
                options.window_scale = Some(self.rcv.wscale);
            }
        } else if self.negotiated.sack && !flags.rst() {
            options.sack_blocks = self.sack_blocks();
        }
        options
    }

    /// Up to four SACK blocks (three with timestamps), chosen by
    /// [`sack_report::choose`].
    fn sack_blocks(&self) -> SackBlocks {
        let limit = if self.negotiated.timestamps.is_some() {
            3
        } else {
            4
        };
        sack_report::choose(
            self.rcv.buf.out_of_order(),
            self.rcv.nxt,
            self.rcv.dsack,
            limit,
        )
    }

    /// Builds one segment into `buf` (header, options, payload from the send buffer; the
    /// checksum is left to [`Connection::poll_transmit`]) and clears the pending-ACK state
    /// when it carries an ACK.
    fn emit(&mut self, now: Instant, buf: &mut [u8], mut seg: Outgoing) -> Option<usize> {
        self.last_segment_ect = false;
        let (header, edge) = self.header_for(now, &mut seg.flags, seg.len);
        let written = self.write_segment(buf, &header, seg)?;
        self.after_emit(&header, edge);
        Some(written)
    }

    /// The header for a segment with `flags` (ECE added here when echoing) and `payload_len`
    /// bytes, and the receive window's right edge it promises.
    fn header_for(&self, now: Instant, flags: &mut Flags, payload_len: u32) -> (Header, SeqNumber) {
        if self.ecn.echo && flags.ack() && !flags.syn() {
            *flags |= Flags::ECE;
        }
        let (window, edge) = if flags.syn() {
            let window = self.rcv.buf.window().min(0xffff) as u32;
            (window as u16, self.rcv.nxt + window)
        } else {
            self.window_to_advertise()
        };
        let mut header = Header {
            src_port: self.tuple.local.port(),
            dst_port: self.tuple.remote.port(),
            seq: SeqNumber(0),
            ack: if flags.ack() {
                self.rcv.nxt
            } else {
                SeqNumber(0)
            },
            flags: *flags,
            window,
            urgent_pointer: 0,
            options: self.options_for(now, *flags),
        };
        let budget = usize::from(self.negotiated.peer_mss.min(self.negotiated.local_mss))
            + tcp_wire::HEADER_LEN;
        while header.header_len() + payload_len as usize > budget
            && !header.options.sack_blocks.is_empty()
        {
            let fewer = header.options.sack_blocks.len() - 1;
            header.options.sack_blocks.truncate(fewer);
        }
        (header, edge)
    }

    /// Writes `header` (at `seg`'s sequence number) and `seg`'s payload into `buf`.
    fn write_segment(&self, buf: &mut [u8], header: &Header, seg: Outgoing) -> Option<usize> {
        let header = Header {
            seq: seg.seq,
            ..*header
        };
        let header_len = header.emit(buf).ok()?;
        let total = header_len + seg.len as usize;
        self.write_payload(seg, buf.get_mut(header_len..total)?)?;
        Some(total)
    }

    /// Copies `seg`'s payload from the send buffer into `out` (exactly its length).
    fn write_payload(&self, seg: Outgoing, out: &mut [u8]) -> Option<()> {
        if seg.len == 0 {
            return Some(());
        }
        let first = seg.seq + u32::from(seg.flags.syn());
        let offset = (first - self.snd.buf_seq) as usize;
        if offset + out.len() > self.snd.buf.len() {
            debug_assert!(false, "segment {seg:?} reaches past the send buffer");
            return None;
        }
        self.snd.buf.copy_out(offset, out);
        Some(())
    }

    /// The state a sent segment with `header` changes: the pending ACK is answered, the
    /// promised window edge `edge` recorded and its SACK blocks counted when it carries an
    /// ACK; another ACK is due at once while an out-of-order range is owed a report.
    fn after_emit(&mut self, header: &Header, edge: SeqNumber) {
        if header.flags.ack() {
            self.rcv.last_ack_sent = self.rcv.nxt;
            self.rcv.ack.now = false;
            self.rcv.ack.unacked_segments = 0;
            self.rcv.dsack = None;
            self.timing.timers.stop(Timer::DelayedAck);
            if edge.gt(self.rcv.adv) {
                self.rcv.adv = edge;
            }
            let sent = &header.options.sack_blocks;
            if !sent.is_empty() {
                let nxt = self.rcv.nxt;
                let ranges = self.rcv.buf.out_of_order_mut();
                self.rcv.ack.now = sack_report::mark_sent(ranges, nxt, sent);
            }
        }
        self.stats.segments_out += 1;
    }
}

impl Burst {
    /// One plain segment of `len` bytes.
    fn single(len: usize) -> Burst {
        Burst {
            len,
            segments: 1,
            segment_size: 0,
        }
    }
}

/// True when `next` may ride in a super-segment headed by `first`: every field the
/// offload copies to each segment is the same (ports, acknowledgment, window, urgent
/// pointer, options) and the flags differ only in those it sets per segment.
fn continues(first: &Header, next: &Header) -> bool {
    let per_segment = |header: &Header| Header {
        seq: SeqNumber(0),
        flags: header.flags.without(PER_SEGMENT_FLAGS),
        ..*header
    };
    per_segment(first) == per_segment(next)
}

impl Burst {
    /// Bytes written: the first segment's header and every segment's payload.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Segments it holds (1: a plain segment).
    pub(crate) fn segments(&self) -> u32 {
        self.segments
    }

    /// Payload bytes of each segment but the last, which may be shorter (0 for one).
    pub(crate) fn segment_size(&self) -> u32 {
        self.segment_size
    }
}

//! Segment arrival (RFC 9293 §3.10.7) for a connection that exists: SYN-SENT, the
//! synchronized states and TIME-WAIT, with RFC 5961's defences and RFC 7323's PAWS.

use super::context::Context;
use super::recovery::AckInput;
use super::{Connection, Holder, Raise, Raised};
use crate::config::Config;
use crate::connection::timers::Timer;
use crate::error::Error;
use crate::state::State;
use crate::time::Instant;
use core::time::Duration;
use tcp_wire::{Flags, Header, Options, SeqNumber};

/// A received segment, already checksummed and parsed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming<'a> {
    pub(in crate::connection) seq: SeqNumber,
    pub(in crate::connection) ack: SeqNumber,
    pub(in crate::connection) flags: Flags,
    pub(in crate::connection) window: u16,
    pub(in crate::connection) options: Options,
    pub(in crate::connection) payload: &'a [u8],
    /// The IP header carried the CE codepoint (RFC 3168).
    pub(in crate::connection) congestion_experienced: bool,
}

impl Incoming<'_> {
    /// Sequence space the segment occupies.
    pub(crate) fn seg_len(&self) -> u32 {
        self.payload.len() as u32 + u32::from(self.flags.syn()) + u32::from(self.flags.fin())
    }
}

/// What the endpoint must do after a connection handled a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// Nothing more.
    Done,
    /// A SYN arrived in TIME_WAIT that may reopen the 4-tuple (RFC 9293 MAY-2): the endpoint
    /// should retire this block and hand the SYN to a listener.
    Reopen,
}

impl Connection {
    /// Processes one segment addressed to this connection.
    pub(crate) fn on_segment(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        ctx: &mut Context<'_>,
    ) -> Disposition {
        self.stats.segments_in += 1;
        match self.state {
            State::Closed | State::Listen => {
                if !seg.flags.rst() {
                    reply_for_no_connection(self, seg, ctx);
                }
            }
            State::SynSent => self.on_segment_syn_sent(now, seg, ctx),
            State::TimeWait => return self.on_segment_time_wait(now, seg, ctx),
            _ => self.on_segment_synchronized(now, seg, ctx),
        }
        Disposition::Done
    }

    fn on_segment_syn_sent(&mut self, now: Instant, seg: &Incoming<'_>, ctx: &mut Context<'_>) {
        let flags = seg.flags;
        if flags.ack() && (seg.ack.le(self.snd.iss) || seg.ack.gt(self.snd.max)) {
            if !flags.rst() {
                ctx.reply_reset(self.tuple, seg.ack, None);
            }
            return;
        }
        if flags.rst() {
            if flags.ack() {
                ctx.counters.resets_received += 1;
                self.fail(Error::ConnectionRefused);
            }
            return;
        }
        if !flags.syn() {
            return;
        }
        self.timing.last_received = now;
        self.rcv.irs = seg.seq;
        self.rcv.nxt = seg.seq + 1;
        self.negotiate(now, &seg.options, ctx.config);
        self.snd.wnd = u32::from(seg.window);
        self.snd.max_wnd = self.snd.wnd;
        self.snd.wl1 = seg.seq;
        self.snd.wl2 = seg.ack;
        if flags.ack() {
            self.ecn.on_syn_ack(flags);
            if self.negotiated.fast_open {
                self.settle_syn_data(seg.ack, ctx);
            }
            self.acknowledge(now, seg.ack);
            self.become_established();
            self.fast_open = None;
            if self.negotiated.fast_open {
                self.raise(Raise::Writable);
            } else {
                self.raise(Raise::Connected | Raise::Writable);
            }
            self.rcv.ack.now = true;
            self.arm_keepalive(now);
            self.receive_text(now, seg, ctx);
        } else {
            self.set_state(State::SynReceived);
            self.snd.nxt = self.snd.iss;
        }
    }

    /// A SYN-ACK answered our Fast Open SYN (RFC 7413 §4.1.3): data it does not acknowledge
    /// (a server that refused the cookie, or a SYN sent again without data) counts as never
    /// sent, and goes again once the connection is established.
    fn settle_syn_data(&mut self, ack: SeqNumber, ctx: &mut Context<'_>) {
        let data_sent = self.snd.max - (self.snd.iss + 1);
        if data_sent == 0 {
            return;
        }
        if ack == self.snd.max {
            ctx.counters.fast_open.active += 1;
        } else {
            ctx.counters.fast_open.active_fail += 1;
            self.snd.nxt = ack;
            self.snd.max = ack;
        }
    }

    /// Adopts the options of the peer's SYN (RFC 9293 §3.7.1, RFC 7323, RFC 2018): each
    /// extension is used only if both sides offered it. The one negotiation of all three
    /// opens: the SYN-ACK of an active open, the SYN of a passive one, and the options a
    /// SYN cookie carried.
    pub(crate) fn negotiate(&mut self, now: Instant, options: &Options, config: &Config) {
        // The window our SYN or SYN-ACK advertises (unscaled, as on every SYN).
        self.rcv.adv = self.rcv.nxt + self.rcv.buf.window().min(0xffff) as u32;
        self.rcv.measure = (now, self.rcv.nxt);
        let default = config.default_mss_for(self.tuple.remote.ip());
        self.negotiated.peer_mss = options.mss.unwrap_or(default).max(64);
        match options.window_scale {
            Some(shift) if self.negotiated.offer_window_scale => self.snd.wscale = shift,
            _ => {
                self.negotiated.offer_window_scale = false;
                self.snd.wscale = 0;
                self.rcv.wscale = 0;
            }
        }
        self.negotiated.sack &= options.sack_permitted;
        match (options.timestamps, self.negotiated.timestamps.as_mut()) {
            (Some(ts), Some(state)) => {
                state.recent = ts.value;
                state.recent_age = now;
            }
            _ => self.negotiated.timestamps = None,
        }
        self.recovery
            .set_path(self.send_mss(), self.negotiated.sack);
    }

    fn on_segment_synchronized(&mut self, now: Instant, seg: &Incoming<'_>, ctx: &mut Context<'_>) {
        let crossed;
        let seg = if self.is_crossed_syn_ack(seg) {
            crossed = Incoming {
                seq: seg.seq + 1,
                flags: seg.flags.without(Flags::SYN),
                ..*seg
            };
            &crossed
        } else {
            seg
        };
        let flags = seg.flags;
        if self.paws_rejects(now, seg) {
            ctx.counters.paws_rejected += 1;
            if !flags.rst() {
                self.answer_invalid(now, seg, ctx);
            }
            return;
        }
        if !self.acceptable(seg) {
            if !flags.rst() {
                self.on_unacceptable(now, seg, ctx);
            }
            return;
        }
        self.timing.last_received = now;
        if flags.rst() {
            self.on_reset(now, seg, ctx);
            return;
        }
        if flags.syn() {
            self.challenge(now, ctx);
            return;
        }
        if !flags.ack() {
            return;
        }
        if !self.syn_acked() {
            if !(self.snd.una.lt(seg.ack) && seg.ack.le(self.snd.max)) {
                ctx.reply_reset(self.tuple, seg.ack, None);
                return;
            }
            if self.state == State::SynReceived {
                self.become_established();
            }
            self.snd.wnd = u32::from(seg.window) << self.snd.wscale;
            self.snd.max_wnd = self.snd.wnd;
            self.snd.wl1 = seg.seq;
            self.snd.wl2 = seg.ack;
            let bits = if self.negotiated.fast_open {
                Raised::default()
            } else if self.books.listener().is_some() {
                Raised::from(Raise::Acceptable)
            } else {
                Raised::from(Raise::Connected)
            };
            self.fast_open = None;
            self.raise(bits | Raise::Writable);
            self.arm_keepalive(now);
        }
        if !self.process_ack(now, seg, ctx) {
            return;
        }
        self.ecn_on_receive(flags, seg.congestion_experienced);
        self.ecn_on_ack(now, flags);
        if self.snd.fin_acked {
            match self.state {
                State::FinWait1 => {
                    self.set_state(State::FinWait2);
                    if self.books.holder() == Holder::Orphan {
                        let timeout = self
                            .options
                            .fin_wait2_timeout
                            .unwrap_or(ctx.config.fin_wait2_timeout);
                        self.timing.timers.set(Timer::FinWait2, now + timeout);
                    }
                }
                State::Closing => self.enter_time_wait(now, ctx.config),
                State::LastAck => {
                    self.enter_closed();
                    return;
                }
                _ => {}
            }
        }
        self.update_timestamp_recent(now, seg);
        self.arm_keepalive(now);
        self.receive_text(now, seg, ctx);
    }

    /// In a simultaneous open, the peer's SYN-ACK repeats its SYN (RFC 9293 figure 7): it is
    /// the ACK of our SYN, not a new SYN, and establishes the connection without a reply.
    fn is_crossed_syn_ack(&self, seg: &Incoming<'_>) -> bool {
        self.state == State::SynReceived
            && self.books.listener().is_none()
            && seg.flags.contains(Flags::SYN | Flags::ACK)
            && seg.payload.is_empty()
            && seg.seq + 1 == self.rcv.nxt
            && seg.ack == self.snd.nxt
    }

    /// PAWS (RFC 7323 §5.3): a segment whose TSval is older than TS.Recent is an old duplicate.
    fn paws_rejects(&self, now: Instant, seg: &Incoming<'_>) -> bool {
        self.negotiated
            .timestamps
            .is_some_and(|state| state.paws_rejects(now, seg))
    }

    /// RFC 7323 §4.3: take TSval as TS.Recent when the segment covers Last.ACK.sent.
    fn update_timestamp_recent(&mut self, now: Instant, seg: &Incoming<'_>) {
        let (Some(state), Some(ts)) = (self.negotiated.timestamps.as_mut(), seg.options.timestamps)
        else {
            return;
        };
        if seg.seq.le(self.rcv.last_ack_sent) && (ts.value.wrapping_sub(state.recent) as i32) >= 0 {
            state.recent = ts.value;
            state.recent_age = now;
        }
    }

    /// The window the peer may use right now: what we last advertised.
    pub(crate) fn receive_window(&self) -> u32 {
        if self.rcv.adv.gt(self.rcv.nxt) {
            self.rcv.adv - self.rcv.nxt
        } else {
            0
        }
    }

    /// RFC 9293 §3.10.7.4 acceptability, with a segment starting exactly at RCV.NXT always
    /// taken (its text is trimmed to the window), so ACKs and probes get through a zero window.
    fn acceptable(&self, seg: &Incoming<'_>) -> bool {
        let window = self.receive_window();
        let len = seg.seg_len();
        if seg.seq == self.rcv.nxt {
            return true;
        }
        if len == 0 {
            return seg.seq.in_window(self.rcv.nxt, window);
        }
        window > 0
            && (seg.seq.in_window(self.rcv.nxt, window)
                || (seg.seq + (len - 1)).in_window(self.rcv.nxt, window))
    }

    fn on_unacceptable(&mut self, now: Instant, seg: &Incoming<'_>, ctx: &mut Context<'_>) {
        if self.state == State::SynReceived && seg.flags.syn() && seg.seq == self.rcv.irs {
            self.snd.nxt = self.snd.iss;
            return;
        }
        let end = seg.seq + seg.payload.len() as u32;
        if !seg.payload.is_empty() && end.le(self.rcv.nxt) && self.negotiated.sack {
            self.rcv.dsack = Some((seg.seq, end));
        }
        self.answer_invalid(now, seg, ctx);
    }

    fn on_reset(&mut self, now: Instant, seg: &Incoming<'_>, ctx: &mut Context<'_>) {
        if seg.seq != self.rcv.nxt {
            self.challenge(now, ctx);
            return;
        }
        ctx.counters.resets_received += 1;
        match self.state {
            State::SynReceived if self.books.listener().is_some() => {
                self.enter_closed();
            }
            State::SynReceived => self.fail(Error::ConnectionRefused),
            State::Established | State::FinWait1 | State::FinWait2 => {
                self.fail(Error::ConnectionReset);
            }
            // After the peer's FIN, Linux's `tcp_reset` reports EPIPE: reads already end.
            State::CloseWait => self.fail(Error::BrokenPipe),
            _ => self.enter_closed(),
        }
    }

    /// The ACK field of a synchronized-state segment. False means drop the rest.
    fn process_ack(&mut self, now: Instant, seg: &Incoming<'_>, ctx: &mut Context<'_>) -> bool {
        let ack = seg.ack;
        if ack.gt(self.snd.max) {
            let silent =
                self.state == State::Established && ctx.config.departures.drop_ack_of_unsent_data;
            if !silent {
                self.challenge(now, ctx);
            }
            return false;
        }
        if ack.lt(self.snd.una - self.snd.max_wnd.max(self.send_mss())) {
            self.challenge(now, ctx);
            return false;
        }
        let window = u32::from(seg.window) << self.snd.wscale;
        let advances = ack.gt(self.snd.una);
        if !ack.lt(self.snd.una) {
            // The peer is alive: whatever its window, its zero-window probes were answered.
            self.timing.probes_unanswered = 0;
        }
        let at_snd_una = ack == self.snd.una && self.snd.una != self.snd.max;
        // RFC 5681's duplicate ACK; RFC 6675's (an ACK with new SACK information, whatever
        // its window says: Linux receivers change it on every ACK) is recovery's to judge.
        let classic = at_snd_una
            && seg.payload.is_empty()
            && !seg.flags.intersects(Flags::SYN | Flags::FIN)
            && window == self.snd.wnd;
        if advances {
            self.acknowledge(now, ack);
            if let Some(path) = self.path.as_deref_mut() {
                path.clear_soft_error();
            }
        }
        let sack_blocks = if self.negotiated.sack {
            seg.options.sack_blocks.as_slice()
        } else {
            &[]
        };
        let input = AckInput {
            ack,
            advanced: advances,
            at_snd_una,
            classic,
            sack_blocks,
            ts_echo: seg.options.timestamps.map(|ts| ts.echo),
            snd_max: self.snd.max,
            srtt: self.timing.rtt.smoothed(),
            cwnd_limited: self.snd.cwnd_limited,
        };
        let outcome = self.recovery.on_ack(now, &input, &mut self.stats);
        if let Some(rtt) = outcome.rtt {
            self.timing.rtt.on_sample(rtt);
        }
        self.judge_mtu_probe(now, ctx.config);
        if advances && !self.recovery.in_recovery() {
            self.autotune_send_buffer();
        }
        self.rearm_loss_timer(now, advances);
        // RFC 9293's SND.WL1/WL2 rule, plus Linux's: an ACK that advances SND.UNA carries
        // the current window even if its sequence number is old (a retransmission).
        if advances || self.snd.wl1.lt(seg.seq) || (self.snd.wl1 == seg.seq && self.snd.wl2.le(ack))
        {
            self.snd.wnd = window;
            self.snd.max_wnd = self.snd.max_wnd.max(window);
            self.snd.wl1 = seg.seq;
            self.snd.wl2 = ack;
            if window > 0 {
                self.timing.timers.stop(Timer::Persist);
                self.timing.probes = 0;
            }
        }
        true
    }

    /// SND.UNA moves to `ack`: free acknowledged data, take the handshake's RTT sample.
    /// Loss recovery and the retransmission timer are the caller's next steps.
    fn acknowledge(&mut self, now: Instant, ack: SeqNumber) {
        let mut acked = 0;
        if ack.gt(self.snd.buf_seq) {
            acked = (ack - self.snd.buf_seq).min(self.snd.buf.len() as u32);
            self.snd.buf.acknowledge(acked as usize);
            self.snd.buf_seq += acked;
        }
        if self.snd.fin_queued && ack == self.data_end() + 1 {
            self.snd.fin_acked = true;
        }
        self.snd.una = ack;
        if !self.snd.syn_acknowledged {
            self.snd.syn_acknowledged = true;
            if let Some(sent) = self.timing.syn_sent_at.take() {
                self.timing.rtt.on_sample(now - sent);
            }
            self.autotune_send_buffer();
        }
        if self.snd.nxt.lt(ack) {
            self.snd.nxt = ack;
        }
        self.stats.bytes_acked += u64::from(acked);
        self.timing.retries = 0;
        self.timing.probes = 0;
        if self.snd.una == self.snd.max {
            self.timing.timers.stop(Timer::Retransmit);
            self.timing.unacked_since = None;
        } else {
            self.timing.unacked_since = Some(now);
        }
        if self.snd.write_blocked && self.snd.buf.free() > 0 && self.state.can_send() {
            self.snd.write_blocked = false;
            self.raise(Raise::Writable);
        }
    }

    /// Segment text and FIN (RFC 9293 §3.10.7.4, seventh and eighth steps).
    fn receive_text(&mut self, now: Instant, seg: &Incoming<'_>, ctx: &mut Context<'_>) {
        let syn = u32::from(seg.flags.syn());
        let start = seg.seq + syn;
        let fin_seq = start + seg.payload.len() as u32;
        let mut fin = seg.flags.fin();
        if !seg.payload.is_empty() {
            if !self.state.can_receive() || self.rcv.fin_received {
                return;
            }
            if self.books.holder() == Holder::Orphan {
                self.stats.rare().aborted_on_data += 1;
                ctx.reply_reset(self.tuple, seg.ack, None);
                self.enter_closed();
                return;
            }
            fin &= self.accept_payload(now, start, seg.payload, seg.flags.psh(), ctx);
        }
        if fin
            && self.rcv.peer_fin_seq.is_none()
            && !self.rcv.fin_received
            && fin_seq.ge(self.rcv.nxt)
        {
            self.rcv.peer_fin_seq = Some(fin_seq);
            if fin_seq != self.rcv.nxt {
                self.rcv.ack.now = true;
            }
        }
        if self.rcv.peer_fin_seq == Some(self.rcv.nxt) && !self.rcv.fin_received {
            self.receive_fin(now, ctx.config);
        }
    }

    /// Stores the in-window part of `payload` (starting at `seq`), within the buffer room
    /// and the delayed-ACK time `ctx` gives. Returns false when the tail was cut off by the
    /// window (so a FIN after it is not yet acceptable).
    pub(super) fn accept_payload(
        &mut self,
        now: Instant,
        seq: SeqNumber,
        payload: &[u8],
        psh: bool,
        ctx: &Context<'_>,
    ) -> bool {
        let mut data = payload;
        let mut offset = seq.distance(self.rcv.nxt);
        if offset < 0 {
            let skip = offset.unsigned_abs() as usize;
            if skip >= data.len() {
                if self.negotiated.sack {
                    self.rcv.dsack = Some((seq, seq + data.len() as u32));
                }
                self.rcv.ack.now = true;
                return true;
            }
            if self.negotiated.sack {
                self.rcv.dsack = Some((seq, self.rcv.nxt));
            }
            data = &data[skip..];
            offset = 0;
        }
        let offset = offset as u32;
        let advertised = self.receive_window().saturating_sub(offset) as usize;
        let room = self
            .rcv
            .buf
            .room()
            .saturating_sub(offset as usize)
            .min(advertised);
        let whole = data.len() <= room;
        data = &data[..data.len().min(room)];
        let start = self.rcv.nxt + offset;
        let outcome = self.rcv.buf.write(offset, data, ctx.buffer_room);
        if outcome.duplicate && offset > 0 && self.negotiated.sack {
            // A duplicate of out-of-order data already held (RFC 2883 §4.2).
            self.rcv.dsack = Some((start, start + data.len() as u32));
        }
        self.stats.bytes_received += outcome.advanced as u64;
        if outcome.advanced > 0 {
            self.rcv.nxt += outcome.advanced;
            self.raise(Raise::Readable);
            self.autotune_receive_buffer(now);
        }
        if outcome.no_memory {
            self.stats.rare().dropped_for_memory += 1;
        } else if outcome.dropped {
            self.stats.rare().out_of_order_dropped += 1;
        }
        // At once while a hole is open (RFC 5681 §4.2: out-of-order data, or in-order data
        // below held out-of-order data), so the sender's loss detection hears every arrival.
        if outcome.out_of_order
            || outcome.filled_gap
            || outcome.duplicate
            || outcome.dropped
            || !whole
        {
            self.rcv.ack.now = true;
        } else {
            self.schedule_ack(now, data.len() as u32, psh, ctx.config.delayed_ack);
        }
        whole
    }

    /// Delayed-ACK policy (RFC 1122 4.2.3.2, RFC 5681 §4.2): ACK at once in quick-ACK mode,
    /// for every second full-sized segment, and for a PSH a reader is waiting on; otherwise
    /// within the delayed-ACK time.
    /// In pingpong mode neither quick-ACK mode nor a waiting reader sends the ACK at once:
    /// the reply will carry it.
    fn schedule_ack(&mut self, now: Instant, len: u32, psh: bool, delayed_ack: Duration) {
        self.rcv.ack.reply_by = now + delayed_ack;
        if len >= u32::from(self.negotiated.local_mss).saturating_sub(40) {
            self.rcv.ack.unacked_segments = self.rcv.ack.unacked_segments.saturating_add(1);
        }
        let pingpong = self.rcv.ack.pingpong;
        if self.rcv.ack.quick > 0 && !pingpong {
            self.rcv.ack.quick -= 1;
            self.rcv.ack.now = true;
        } else if self.rcv.ack.unacked_segments >= 2
            || (psh && self.rcv.reader_waiting && !pingpong)
        {
            self.rcv.ack.now = true;
        } else if !self.timing.timers.is_armed(Timer::DelayedAck) {
            self.timing.timers.set(Timer::DelayedAck, now + delayed_ack);
        }
    }

    /// The peer's FIN is in order: EOF for the application, and the state moves on.
    fn receive_fin(&mut self, now: Instant, config: &Config) {
        self.rcv.nxt += 1;
        self.rcv.fin_received = true;
        self.rcv.ack.now = true;
        self.raise(Raise::PeerClosed | Raise::Readable);
        match self.state {
            State::SynReceived | State::Established => self.set_state(State::CloseWait),
            State::FinWait1 if self.snd.fin_acked => self.enter_time_wait(now, config),
            State::FinWait1 => self.set_state(State::Closing),
            State::FinWait2 => self.enter_time_wait(now, config),
            _ => {}
        }
    }
}

/// RFC 9293 §3.10.7.1 / R-1: the reply to a segment for which no connection exists.
pub(crate) fn reset_for(seg: &Incoming<'_>) -> (SeqNumber, Option<SeqNumber>) {
    if seg.flags.ack() {
        (seg.ack, None)
    } else {
        (SeqNumber(0), Some(seg.seq + seg.seg_len()))
    }
}

fn reply_for_no_connection(conn: &Connection, seg: &Incoming<'_>, ctx: &mut Context<'_>) {
    let (seq, ack) = reset_for(seg);
    ctx.reply_reset(conn.tuple, seq, ack);
}

impl<'a> Incoming<'a> {
    /// The segment with `header` and `payload`, its IP header's ECN field saying
    /// `congestion_experienced` or not.
    pub(crate) fn new(header: &Header, payload: &'a [u8], congestion_experienced: bool) -> Self {
        Incoming {
            seq: header.seq,
            ack: header.ack,
            flags: header.flags,
            window: header.window,
            options: header.options,
            payload,
            congestion_experienced,
        }
    }

    /// The segment's sequence number.
    pub(crate) fn seq(&self) -> SeqNumber {
        self.seq
    }

    /// Its acknowledgment number.
    pub(crate) fn ack(&self) -> SeqNumber {
        self.ack
    }

    /// Its flags.
    pub(crate) fn flags(&self) -> Flags {
        self.flags
    }

    /// Its options.
    pub(crate) fn options(&self) -> &Options {
        &self.options
    }
}

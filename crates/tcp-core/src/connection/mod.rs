//! One connection's transmission control block and the operations the application performs
//! on it. Segment arrival is in `input`, segment generation in `output`, timers in `timeout`.

mod autotune;
mod context;
mod ecn;
mod far_store;
mod input;
mod invalid;
mod live_stats;
mod negotiated;
mod out_of_order;
mod output;
mod path;
mod raised;
mod receive_space;
mod recovery;
mod recv_buffer;
mod rtt;
mod sack_report;
mod send_buffer;
mod send_space;
mod shutdown;
mod span;
mod time_wait;
mod time_wait_record;
mod timeout;
mod timers;
mod timing;
mod view;

use crate::addr::FourTuple;
use crate::config::{Config, SocketOptions};
use crate::congestion::new_controller;
use crate::connection::recv_buffer::RecvBuffer;
use crate::connection::rtt::RttEstimator;
use crate::connection::send_buffer::SendBuffer;
use crate::error::Error;
use crate::handle::{ConnectionHandle, ListenerHandle};
use crate::state::State;
use crate::stats::ConnectionInfo;
use crate::time::Instant;
use core::fmt;
use std::sync::Arc;
use tcp_wire::{FastOpenCookie, Options, SeqNumber};

use crate::endpoint::bookkeeping::Bookkeeping;
pub(crate) use crate::endpoint::bookkeeping::Holder;
pub(crate) use context::Context;
pub(crate) use input::{Disposition, Incoming, reset_for};
pub(crate) use live_stats::LiveStats;
use negotiated::Negotiated;
pub(crate) use negotiated::TimestampState;
pub(crate) use raised::{Raise, Raised};
pub(crate) use receive_space::AckState;
use receive_space::ReceiveSpace;
use recovery::LossRecovery;
use send_space::SendSpace;
use span::ConnectionSpan;
pub(crate) use time_wait_record::{TimeWaitAck, TimeWaitRecord};
use timing::Timing;

/// The transmission control block of RFC 9293 §3.3.1, split by concern as RFC 9293 and
/// Linux's `tcp_sock` group it, plus the endpoint's bookkeeping. The endpoint names it by
/// the handle it files it under; the block does not repeat it.
///
/// What a connection rarely needs is boxed when first needed, so an idle one holds only
/// this block and its congestion controller: the loss-recovery state made by the first data
/// sent, the out-of-order record of the receive buffer, the rarely moved counters; its
/// options and tracing span are shared.
pub(crate) struct Connection {
    tuple: FourTuple,
    state: State,
    /// Shared with the connections opened alike (the endpoint's defaults, or its listener's
    /// options) until `set_options` gives it its own.
    options: Arc<SocketOptions>,
    /// The endpoint's bookkeeping (queues, counts, memory, raised events).
    books: Bookkeeping,
    /// The send sequence space and send buffer.
    snd: SendSpace,
    /// The receive sequence space, receive buffer and ACK schedule.
    rcv: ReceiveSpace,
    /// What the handshake settled.
    negotiated: Negotiated,
    /// Timers, RTT, retries and probes.
    timing: Timing,
    /// Congestion control and loss recovery.
    recovery: LossRecovery,
    ecn: ecn::EcnState,
    /// The last segment produced carries new data and may be marked ECN-capable.
    last_segment_ect: bool,
    send_reset: bool,
    error: Option<Error>,
    /// What is known of the path beyond the first hop, and the soft error an ICMP message
    /// left, once there is anything.
    path: Option<Box<path::PathState>>,
    stats: LiveStats,
    /// The tracing span every log line about this connection is recorded in.
    span: ConnectionSpan,
    /// The Fast Open option (RFC 7413) our SYN or SYN-ACK carries: a cookie, or an empty
    /// request for one; boxed, as few connections have one.
    fast_open: Option<Box<FastOpenCookie>>,
}

/// What the endpoint supplies to open a connection block.
pub(crate) struct Opening {
    handle: ConnectionHandle,
    tuple: FourTuple,
    iss: SeqNumber,
    options: Arc<SocketOptions>,
    now: Instant,
    timestamp_offset: u32,
}

impl Opening {
    /// A connection `handle` on `tuple` with initial sequence number `iss`, `options`, made
    /// at `now`, its timestamps offset by `timestamp_offset` (RFC 7323 §5.4).
    pub(crate) fn new(
        handle: ConnectionHandle,
        tuple: FourTuple,
        iss: SeqNumber,
        options: Arc<SocketOptions>,
        now: Instant,
        timestamp_offset: u32,
    ) -> Opening {
        Opening {
            handle,
            tuple,
            iss,
            options,
            now,
            timestamp_offset,
        }
    }
}

impl Connection {
    /// A block in CLOSED state with our side's parameters chosen.
    pub(crate) fn new(config: &Config, opening: Opening) -> Connection {
        let options = opening.options;
        let recv_capacity = options.recv_buffer.unwrap_or(config.recv_buffer.initial);
        let send_capacity = options.send_buffer.unwrap_or(config.send_buffer.initial);
        let rcv_wscale = if config.extensions.window_scaling {
            config.window_scale()
        } else {
            0
        };
        let link_mss = config.local_mss_for(opening.tuple.local.ip());
        let local_mss = options.max_segment.map_or(link_mss, |m| m.min(link_mss));
        let iss = opening.iss;
        Connection {
            tuple: opening.tuple,
            state: State::Closed,
            options,
            books: Bookkeeping::default(),
            snd: SendSpace::new(
                iss,
                SendBuffer::new(send_capacity),
                autotune::BufferLimits {
                    send_max: config.send_buffer.max.max(send_capacity),
                    recv_max: config.recv_buffer.max.max(recv_capacity),
                },
            ),
            rcv: ReceiveSpace::new(
                rcv_wscale,
                RecvBuffer::new(recv_capacity, 1 << rcv_wscale),
                opening.now,
            ),
            negotiated: Negotiated {
                local_mss,
                peer_mss: config.default_mss_for(opening.tuple.remote.ip()),
                timestamps: config.extensions.timestamps.then_some(TimestampState {
                    offset: opening.timestamp_offset,
                    recent: 0,
                    recent_age: opening.now,
                }),
                sack: config.extensions.sack,
                offer_window_scale: config.extensions.window_scaling,
                fast_open: false,
            },
            timing: Timing::new(
                RttEstimator::new(
                    config.retransmission.initial_rto,
                    config.retransmission.min_rto,
                    config.retransmission.max_rto,
                ),
                opening.now,
            ),
            recovery: LossRecovery::new(
                new_controller(
                    config.congestion_control,
                    u32::from(local_mss),
                    config.initial_window_segments,
                ),
                u32::from(local_mss),
                config.pacing,
            ),
            ecn: ecn::EcnState {
                offered: config.extensions.ecn,
                ..ecn::EcnState::default()
            },
            last_segment_ect: false,
            send_reset: false,
            error: None,
            path: None,
            stats: LiveStats::default(),
            span: ConnectionSpan::new(tracing::debug_span!(
                "tcp",
                local = %opening.tuple.local,
                remote = %opening.tuple.remote,
                id = opening.handle.0
            )),
            fast_open: None,
        }
    }

    /// Free space in the send buffer: what a write may take now.
    pub(crate) fn send_room(&self) -> usize {
        self.snd.buf.free()
    }

    /// Bytes written and not yet acknowledged (`ss`'s Send-Q).
    pub(crate) fn send_queued(&self) -> usize {
        self.snd.buf.len()
    }

    /// SND.MAX: the highest sequence number sent.
    pub(crate) fn highest_sent(&self) -> SeqNumber {
        self.snd.max
    }

    /// The connection's next timer deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timing.timers.next_deadline()
    }

    /// Lets TIME_WAIT (or a close without it, over the endpoint's cap) end at `at`.
    pub(crate) fn end_time_wait_at(&mut self, at: Instant) {
        self.timing.timers.set(timers::Timer::TimeWait, at);
    }

    /// Starts an active open: CLOSED -> SYN_SENT; the SYN goes out on the next poll, or,
    /// when [`Connection::defer_syn_for_fast_open`] was called, with the first write (the
    /// connection is writable at once, as after Linux's `TCP_FASTOPEN_CONNECT`).
    pub(crate) fn open_active(&mut self, now: Instant) {
        self.set_state(State::SynSent);
        if self.negotiated.fast_open {
            self.raise(Raise::Connected | Raise::Writable);
        } else {
            self.arm_retransmit(now);
        }
    }

    /// Fast Open with a cookie the server at the far end gave before (RFC 7413 §4.1.3): the
    /// SYN waits for the first write and carries `cookie` and the data written, up to what
    /// the server's `mss` allows.
    pub(crate) fn defer_syn_for_fast_open(&mut self, cookie: FastOpenCookie, mss: u16) {
        self.offer_fast_open_cookie(cookie);
        self.negotiated.fast_open = true;
        self.negotiated.peer_mss = mss.max(64);
    }

    /// SYN_SENT or SYN_RCVD, unless a Fast Open SYN carries (or waits for) the first write.
    pub(crate) fn handshake_pending(&self) -> bool {
        match self.state {
            State::SynSent => !self.negotiated.fast_open,
            State::SynReceived => true,
            _ => false,
        }
    }

    /// A passive open queued for accept when its Fast Open SYN arrived, not when its
    /// handshake completed.
    pub(crate) fn accepted_before_handshake(&self) -> bool {
        self.negotiated.fast_open && self.state == State::SynReceived
    }

    /// The connection was opened with Fast Open asked for (`SocketOptions::fast_open`).
    pub(crate) fn fast_open_requested(&self) -> bool {
        self.options.fast_open
    }

    /// Starts a passive open from a listener's SYN: LISTEN -> SYN_RCVD; the SYN-ACK goes out
    /// on the next poll. A SYN's payload is not kept (the peer sends it again) unless
    /// [`Connection::accept_fast_open`] takes it.
    pub(crate) fn open_passive(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        config: &Config,
        listener: ListenerHandle,
    ) {
        self.books.held_by(listener);
        self.ecn.on_syn(seg.flags);
        self.set_state(State::SynReceived);
        self.rcv.irs = seg.seq;
        self.rcv.nxt = seg.seq + 1;
        self.negotiate(now, &seg.options, config);
        self.snd.wnd = u32::from(seg.window);
        self.snd.max_wnd = self.snd.wnd;
        self.snd.wl1 = seg.seq;
        self.snd.wl2 = self.snd.iss;
        self.timing.last_received = now;
        self.arm_retransmit(now);
    }

    /// Our SYN or SYN-ACK carries `cookie` in a Fast Open option (an empty one asks for a
    /// cookie).
    pub(crate) fn offer_fast_open_cookie(&mut self, cookie: FastOpenCookie) {
        self.fast_open = Some(Box::new(cookie));
    }

    /// A passive open whose SYN carried a valid Fast Open cookie (RFC 7413 §4.2.2): the
    /// SYN's data is accepted now (the SYN-ACK acknowledges it) and the connection may be
    /// accepted before the handshake completes, as Linux queues a Fast Open child at once.
    pub(crate) fn accept_fast_open(&mut self, now: Instant, seg: &Incoming<'_>, ctx: &Context<'_>) {
        self.negotiated.fast_open = true;
        if !seg.payload.is_empty() {
            self.accept_payload(now, seg.seq + 1, seg.payload, seg.flags.psh(), ctx);
            self.rcv.ack.now = false;
            self.timing.timers.stop(timers::Timer::DelayedAck);
        }
        self.raise(Raise::Acceptable | Raise::Writable);
    }

    /// Opens a passive connection from the ACK that completed a SYN-cookie handshake
    /// (RFC 4987): ESTABLISHED at once, with the MSS from the cookie, and window scaling and
    /// SACK as the client asked for them in the echoed timestamp (none without timestamps).
    /// `syn_ack_window` is the unscaled window the cookie SYN-ACK advertised. The ACK itself
    /// (and any data on it) is processed by the caller afterwards.
    pub(crate) fn open_from_cookie(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        (listener, config): (ListenerHandle, &Config),
        mss: u16,
        syn_ack_window: u32,
    ) {
        self.books.held_by(listener);
        self.rcv.irs = seg.seq - 1;
        self.rcv.nxt = seg.seq;
        self.snd.una = self.snd.iss + 1;
        self.snd.syn_acknowledged = true;
        self.snd.nxt = self.snd.una;
        self.snd.max = self.snd.una;
        let client = seg
            .options
            .timestamps
            .map(|ts| crate::endpoint::syn_cookie::decode_timestamp(ts.echo));
        let offered = Options {
            mss: Some(mss),
            window_scale: client.and_then(|c| c.window_scale()),
            sack_permitted: client.is_some_and(|c| c.sack_permitted()),
            timestamps: seg.options.timestamps,
            ..Options::default()
        };
        self.negotiate(now, &offered, config);
        self.rcv.adv = self.rcv.nxt + syn_ack_window;
        self.snd.wnd = u32::from(seg.window) << self.snd.wscale;
        self.snd.max_wnd = self.snd.wnd;
        self.snd.wl1 = seg.seq;
        self.snd.wl2 = seg.ack;
        self.timing.last_received = now;
        self.become_established();
        self.raise(Raise::Acceptable | Raise::Writable);
        self.arm_keepalive(now);
    }

    /// Events an application that just accepted this connection has not seen yet.
    pub(crate) fn pending_since_accept(&self) -> Raised {
        let mut bits = Raised::from(Raise::Writable);
        if self.readable() > 0 || self.rcv.fin_received {
            bits |= Raise::Readable;
        }
        if self.rcv.fin_received {
            bits |= Raise::PeerClosed;
        }
        if self.error.is_some() {
            bits |= Raise::Failed;
        }
        bits
    }

    /// Applies new options to a live connection.
    pub(crate) fn set_options(&mut self, now: Instant, options: Arc<SocketOptions>) {
        if let Some(size) = options.send_buffer {
            self.snd.buf.set_capacity(size.max(self.snd.buf.len()));
        }
        if let Some(size) = options.recv_buffer {
            self.rcv.buf.set_capacity(size);
        }
        let keepalive_changed = options.keepalive != self.options.keepalive;
        self.options = options;
        if keepalive_changed {
            self.arm_keepalive(now);
        }
    }

    /// Bytes of payload per full-sized segment we send: the negotiated MSS, lowered to what
    /// the path allows (`path`), less the options every segment carries (timestamps), as
    /// Linux counts it.
    pub(crate) fn send_mss(&self) -> u32 {
        let mss = u32::from(
            self.negotiated
                .peer_mss
                .min(self.negotiated.local_mss)
                .min(self.path_cap()),
        );
        mss.saturating_sub(self.options_len()).max(1)
    }

    /// Bytes of options every segment carries: 12 with timestamps, else none.
    fn options_len(&self) -> u32 {
        if self.negotiated.timestamps.is_some() {
            12
        } else {
            0
        }
    }

    /// The peer acknowledged our SYN. A flag, not `SND.UNA > ISS`: that comparison turns
    /// false again once more than 2^31 bytes have been sent.
    pub(crate) fn syn_acked(&self) -> bool {
        self.snd.syn_acknowledged
    }

    /// Bytes sent and not yet acknowledged, in sequence space.
    pub(crate) fn flight_size(&self) -> u32 {
        self.snd.max - self.snd.una
    }

    /// Sequence number one past the last byte the application queued.
    pub(crate) fn data_end(&self) -> SeqNumber {
        self.snd.buf_seq + self.snd.buf.len() as u32
    }

    /// The FIN's sequence number once the application shut down writing.
    pub(crate) fn fin_seq(&self) -> Option<SeqNumber> {
        self.snd.fin_queued.then(|| self.data_end())
    }

    /// Our timestamp clock: milliseconds plus the per-connection offset.
    pub(crate) fn ts_value(&self, now: Instant) -> Option<u32> {
        self.negotiated
            .timestamps
            .map(|ts| ((now.as_micros() / 1000) as u32).wrapping_add(ts.offset))
    }

    /// Raises events for the endpoint.
    pub(crate) fn raise(&mut self, kinds: impl Into<Raised>) {
        self.books.raise(kinds.into());
    }

    /// Ends the connection with `error`: buffers dropped, timers stopped, CLOSED.
    pub(crate) fn fail(&mut self, error: Error) {
        tracing::debug!(%error, "connection failed");
        self.error = Some(error);
        self.enter_closed();
        self.raise(Raise::Failed | Raise::Readable | Raise::Writable);
    }

    /// Moves to CLOSED and releases everything but the error.
    pub(crate) fn enter_closed(&mut self) {
        self.state = State::Closed;
        self.timing.timers.stop_all();
        self.snd.buf.clear();
        self.rcv.buf.clear();
        self.recovery.clear();
        self.rcv.ack = AckState::default();
    }

    /// Moves to `state`, logging the transition.
    pub(crate) fn set_state(&mut self, state: State) {
        tracing::debug!(from = %self.state, to = %state, "state");
        self.state = state;
    }

    /// True when the engine may forget this block: closed, and the application no longer
    /// holds its handle.
    pub(crate) fn is_finished(&self) -> bool {
        self.state == State::Closed
            && self.books.holder() != Holder::Application
            && !self.send_reset
    }

    /// Queues application data, allocating at most `room` more bytes of storage; returns
    /// how much was taken. As Linux's `tcp_sendmsg`: the connection's error the first time
    /// (which clears it), then `BrokenPipe` once writing has ended (shut down, or the
    /// connection closed).
    pub(crate) fn write(&mut self, data: &[u8], room: usize) -> Result<usize, Error> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if self.snd.fin_queued || !self.state.can_send() {
            return Err(match self.state {
                State::Listen => Error::NotConnected,
                _ => Error::BrokenPipe,
            });
        }
        if data.is_empty() {
            return Ok(0);
        }
        let taken = self.snd.buf.push(data, room);
        if taken == 0 {
            self.snd.write_blocked = true;
            return Err(Error::WouldBlock);
        }
        Ok(taken)
    }

    /// Moves received in-order data to `out`. `Ok(0)` is end-of-file (the peer's FIN).
    pub(crate) fn read(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if self.rcv.buf.readable() == 0 {
            return self.nothing_to_read(out.is_empty());
        }
        let n = self.rcv.buf.read(out);
        self.rcv.reader_waiting = false;
        if self.window_update_due() {
            self.rcv.ack.now = true;
        }
        Ok(n)
    }

    /// Copies received in-order data to `out` and leaves it for the next read; otherwise the
    /// same results as [`Connection::read`].
    pub(crate) fn peek(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if self.rcv.buf.readable() == 0 {
            return self.nothing_to_read(out.is_empty());
        }
        Ok(self.rcv.buf.peek(out))
    }

    /// What a read finds with no data buffered, in the order of Linux's `tcp_recvmsg`:
    /// end-of-file once the peer's FIN arrived; else the connection's error, reported once
    /// (taking it clears it); else end-of-file once the connection is closed (a reset or
    /// timed-out connection reads as ended after its error); else `WouldBlock` (and the
    /// reader is then waiting).
    fn nothing_to_read(&mut self, out_is_empty: bool) -> Result<usize, Error> {
        if self.rcv.fin_received {
            return Ok(0);
        }
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        match self.state {
            State::Listen => Err(Error::NotConnected),
            State::Closed => Ok(0),
            _ if out_is_empty => Ok(0),
            _ => {
                self.rcv.reader_waiting = true;
                Err(Error::WouldBlock)
            }
        }
    }

    /// Bytes the application can read right now.
    pub(crate) fn readable(&self) -> usize {
        self.rcv.buf.readable()
    }

    /// Takes the endpoint's current budget: under pressure a window limited to storage
    /// already held, and no buffer grown by autotuning (the room to allocate comes with each
    /// call that may allocate).
    pub(crate) fn set_budget(&mut self, budget: crate::endpoint::memory_budget::Budget) {
        self.rcv.buf.limit_window_to_storage(budget.pressure());
    }

    /// The endpoint is under memory pressure, as it said last.
    pub(crate) fn under_pressure(&self) -> bool {
        self.rcv.buf.limited_to_storage()
    }

    /// Bytes of buffer storage held (send and receive), what the endpoint's budget counts.
    pub(crate) fn buffer_memory(&self) -> usize {
        self.snd.buf.allocated() + self.rcv.buf.allocated()
    }

    /// Bytes this connection holds: its own size plus [`Connection::heap`].
    pub(crate) fn memory(&self) -> usize {
        size_of::<Connection>() + self.heap()
    }

    /// Heap bytes this connection owns: buffer storage, the record of segments in flight,
    /// the congestion controller, the rarely moved counters once boxed, a Fast Open cookie
    /// while its handshake lasts, and its share of the options and the tracing span it
    /// shares.
    pub(crate) fn heap(&self) -> usize {
        self.buffer_memory()
            + self
                .fast_open
                .as_ref()
                .map_or(0, |_| size_of::<FastOpenCookie>())
            + self.rcv.buf.record_heap()
            + self.recovery.allocated()
            + self.stats.allocated()
            + shared_options_bytes(&self.options)
            + self.span.allocated()
    }

    /// The live transmission state.
    pub(crate) fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            state: self.state,
            rtt: self.timing.rtt.smoothed(),
            rtt_variation: self.timing.rtt.variation(),
            rto: self.timing.rtt.rto(),
            send_mss: self.send_mss(),
            congestion_window: self.recovery.window(),
            slow_start_threshold: self.recovery.controller().slow_start_threshold(),
            send_window: self.snd.wnd,
            receive_window: self.receive_window(),
            unacknowledged: self.flight_size(),
            sacked: self.recovery.sacked_bytes(),
            send_buffer: self.snd.buf.capacity(),
            receive_buffer: self.rcv.buf.capacity(),
            window_scales: (self.rcv.wscale, self.snd.wscale),
            timestamps: self.negotiated.timestamps.is_some(),
            sack: self.negotiated.sack,
            ecn: self.ecn.negotiated,
        }
    }
}

/// One holder's share of shared options: the allocation (two counts and the options)
/// divided among those holding it.
pub(crate) fn shared_options_bytes(options: &Arc<SocketOptions>) -> usize {
    (2 * size_of::<usize>() + size_of::<SocketOptions>()) / Arc::strong_count(options)
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.tuple, self.state)
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("tuple", &self.tuple)
            .field("state", &self.state)
            .field("snd_una", &self.snd.una)
            .field("snd_nxt", &self.snd.nxt)
            .field("snd_wnd", &self.snd.wnd)
            .field("rcv_nxt", &self.rcv.nxt)
            .field("rcv_wnd", &self.rcv.buf.window())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #14: an idle connection costs at most 1 KiB with its controller and its share
    /// of the endpoint's tables (`benches/scale.rs`); the control block is most of it, so
    /// its growth is noticed here. 712 since issue #16: the pointer to what is known of the
    /// path (its MTU, the black-hole search, an ICMP soft error), boxed when first needed;
    /// 720 since issue #18: the pointer to the Fast Open cookie a SYN or SYN-ACK carries.
    #[test]
    fn the_control_block_stays_compact() {
        assert!(
            size_of::<Connection>() <= 720,
            "Connection is {} bytes",
            size_of::<Connection>()
        );
        assert!(size_of::<TimeWaitRecord>() <= 144);
    }
}

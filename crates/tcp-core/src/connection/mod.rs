//! One connection's transmission control block and the operations the application performs
//! on it. Segment arrival is in `input`, segment generation in `output`, timers in `timeout`.

mod autotune;
mod ecn;
mod far_store;
mod input;
mod output;
mod recovery;
mod recv_buffer;
mod rtt;
mod send_buffer;
mod shutdown;
mod timeout;
pub(crate) mod timers;

use crate::addr::FourTuple;
use crate::config::{Config, SocketOptions};
use crate::congestion::new_controller;
use crate::connection::recv_buffer::RecvBuffer;
use crate::connection::rtt::RttEstimator;
use crate::connection::send_buffer::SendBuffer;
use crate::connection::timers::TimerTable;
use crate::error::Error;
use crate::handle::{ConnectionHandle, ListenerHandle};
use crate::state::State;
use crate::stats::{ConnectionInfo, ConnectionStats};
use crate::time::Instant;
use core::fmt;
use tcp_wire::SeqNumber;

pub(crate) use input::{Disposition, Incoming, reset_for};
use recovery::LossRecovery;

/// Event bits a connection raises for the endpoint to turn into [`crate::Event`]s.
pub(crate) mod raised {
    /// The handshake of an active open completed.
    pub(crate) const CONNECTED: u8 = 1;
    /// Data or EOF became readable.
    pub(crate) const READABLE: u8 = 2;
    /// Send space opened after a blocked write.
    pub(crate) const WRITABLE: u8 = 4;
    /// The peer's FIN arrived.
    pub(crate) const PEER_CLOSED: u8 = 8;
    /// The connection failed (see `Connection::error`).
    pub(crate) const FAILED: u8 = 16;
    /// A passive open reached ESTABLISHED: it belongs in the accept queue.
    pub(crate) const ACCEPTABLE: u8 = 32;
}

/// Timestamp option state (RFC 7323) once both sides agreed to use it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimestampState {
    /// Added to our millisecond clock so TSvals do not reveal uptime.
    pub(crate) offset: u32,
    /// TS.Recent: the TSval to echo.
    pub(crate) recent: u32,
    /// When TS.Recent was last updated (PAWS ages it out after 24 days).
    pub(crate) recent_age: Instant,
}

/// Acknowledgment scheduling.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AckState {
    /// An ACK must go out with the next segment, right away.
    pub(crate) now: bool,
    /// Full-sized segments received since the last ACK.
    pub(crate) unacked_segments: u32,
    /// Segments left to acknowledge at once at the start of a connection (Linux's
    /// quick-ACK mode), so slow start on the peer's side is not held back.
    pub(crate) quick: u32,
}

/// The transmission control block of RFC 9293 §3.3.1 plus what this stack adds.
pub(crate) struct Connection {
    pub(crate) handle: ConnectionHandle,
    pub(crate) tuple: FourTuple,
    pub(crate) state: State,
    /// The listener a passive open came through, until the application accepts it.
    pub(crate) listener: Option<ListenerHandle>,
    /// The application holds the handle (false once it called `close`, or for a passive open
    /// not yet accepted).
    pub(crate) held: bool,
    /// The application called `close`: nobody will read, the stack finishes the close.
    pub(crate) orphaned: bool,
    pub(crate) options: SocketOptions,
    /// The application was given this handle (by `connect` or `accept`).
    pub(crate) exposed: bool,
    /// Counted in its listener's SYN queue.
    pub(crate) in_syn_queue: bool,
    /// Listed in the endpoint's transmit queue.
    pub(crate) in_transmit_queue: bool,
    /// The endpoint's count (TIME_WAIT entries, orphans) it is in.
    pub(crate) tally: crate::endpoint::census::Tally,
    /// What it may allocate for its buffers, set by the endpoint before each call.
    pub(crate) budget: crate::endpoint::memory_budget::Budget,
    /// Buffer bytes the endpoint has counted for it.
    pub(crate) charged: usize,
    /// A write found no memory and waits for the endpoint's pressure to end.
    pub(crate) waiting_for_memory: bool,

    // Send sequence space.
    pub(crate) iss: SeqNumber,
    pub(crate) snd_una: SeqNumber,
    pub(crate) snd_nxt: SeqNumber,
    pub(crate) snd_max: SeqNumber,
    pub(crate) snd_wnd: u32,
    pub(crate) max_snd_wnd: u32,
    pub(crate) snd_wl1: SeqNumber,
    pub(crate) snd_wl2: SeqNumber,
    pub(crate) snd_wscale: u8,
    pub(crate) send_buf: SendBuffer,
    /// Sequence number of the first byte in `send_buf`.
    pub(crate) send_buf_seq: SeqNumber,
    pub(crate) fin_queued: bool,
    pub(crate) syn_acknowledged: bool,
    pub(crate) fin_acked: bool,
    pub(crate) write_blocked: bool,
    pub(crate) buffer_limits: autotune::BufferLimits,
    /// Start of the current receive-autotuning round: when, and RCV.NXT then.
    pub(crate) receive_measure: (Instant, SeqNumber),
    /// End of the last sub-MSS segment sent: Nagle holds new small segments only while it
    /// is unacknowledged (Minshall's variant, RFC 9293 Appendix A.3, as Linux).
    pub(crate) small_segment_end: Option<SeqNumber>,
    /// The last segment sent used all the window the congestion controller allowed.
    pub(crate) cwnd_limited: bool,

    // Receive sequence space.
    pub(crate) irs: SeqNumber,
    pub(crate) rcv_nxt: SeqNumber,
    /// Right edge of the window last advertised; it never moves left (RFC 9293 §3.8.6).
    pub(crate) rcv_adv: SeqNumber,
    pub(crate) rcv_wscale: u8,
    pub(crate) recv_buf: RecvBuffer,
    pub(crate) fin_received: bool,
    pub(crate) peer_fin_seq: Option<SeqNumber>,
    pub(crate) reader_waiting: bool,
    pub(crate) last_ack_sent: SeqNumber,

    // Negotiated at the handshake.
    pub(crate) local_mss: u16,
    pub(crate) peer_mss: u16,
    pub(crate) timestamps: Option<TimestampState>,
    pub(crate) sack: bool,
    pub(crate) offer_window_scale: bool,

    // Timers and retransmission.
    pub(crate) timers: TimerTable,
    pub(crate) rtt: RttEstimator,
    /// When the SYN (or SYN-ACK) first went out, for the handshake's RTT sample; cleared
    /// when it is retransmitted (Karn's rule).
    pub(crate) syn_sent_at: Option<Instant>,
    pub(crate) retries: u32,
    pub(crate) probes: u32,
    pub(crate) last_received: Instant,
    pub(crate) unacked_since: Option<Instant>,
    pub(crate) ack: AckState,
    pub(crate) delayed_ack: core::time::Duration,
    /// A zero-window or keepalive probe is to be sent.
    pub(crate) probe_pending: bool,
    /// The persist timer fired on a small open window: send what fits, once.
    pub(crate) override_send_avoidance: bool,
    pub(crate) keepalive_probes: u32,

    /// Congestion control and loss recovery.
    pub(crate) recovery: LossRecovery,
    /// A D-SACK block to report in the next ACK.
    pub(crate) dsack: Option<(SeqNumber, SeqNumber)>,

    pub(crate) ecn: ecn::EcnState,
    /// The last segment produced carries new data and may be marked ECN-capable.
    pub(crate) last_segment_ect: bool,
    pub(crate) send_reset: bool,
    pub(crate) error: Option<Error>,
    pub(crate) raised: u8,
    pub(crate) stats: ConnectionStats,
    /// The tracing span every log line about this connection is recorded in.
    pub(crate) span: tracing::Span,
}

/// What the caller supplies to open a connection block.
pub(crate) struct Opening {
    pub(crate) handle: ConnectionHandle,
    pub(crate) tuple: FourTuple,
    pub(crate) iss: SeqNumber,
    pub(crate) options: SocketOptions,
    pub(crate) now: Instant,
    pub(crate) timestamp_offset: u32,
}

impl Connection {
    /// A block in CLOSED state with our side's parameters chosen.
    pub(crate) fn new(config: &Config, opening: Opening) -> Connection {
        let options = opening.options;
        let recv_capacity = options.recv_buffer.unwrap_or(config.recv_buffer.initial);
        let send_capacity = options.send_buffer.unwrap_or(config.send_buffer.initial);
        let rcv_wscale = if config.window_scaling {
            config.window_scale()
        } else {
            0
        };
        let local_mss = options
            .max_segment
            .map_or(config.local_mss(), |m| m.min(config.local_mss()));
        let iss = opening.iss;
        Connection {
            handle: opening.handle,
            tuple: opening.tuple,
            state: State::Closed,
            listener: None,
            held: true,
            orphaned: false,
            options,
            exposed: false,
            in_syn_queue: false,
            in_transmit_queue: false,
            tally: crate::endpoint::census::Tally::None,
            budget: crate::endpoint::memory_budget::Budget::default(),
            charged: 0,
            waiting_for_memory: false,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_max: iss,
            snd_wnd: 0,
            max_snd_wnd: 0,
            snd_wl1: SeqNumber(0),
            snd_wl2: iss,
            snd_wscale: 0,
            send_buf: SendBuffer::new(send_capacity),
            send_buf_seq: iss + 1,
            fin_queued: false,
            syn_acknowledged: false,
            fin_acked: false,
            write_blocked: false,
            buffer_limits: autotune::BufferLimits {
                send_max: config.send_buffer.max.max(send_capacity),
                recv_max: config.recv_buffer.max.max(recv_capacity),
            },
            receive_measure: (opening.now, SeqNumber(0)),
            small_segment_end: None,
            cwnd_limited: false,
            irs: SeqNumber(0),
            rcv_nxt: SeqNumber(0),
            rcv_adv: SeqNumber(0),
            rcv_wscale,
            recv_buf: RecvBuffer::new(recv_capacity, 1 << rcv_wscale),
            fin_received: false,
            peer_fin_seq: None,
            reader_waiting: false,
            last_ack_sent: SeqNumber(0),
            local_mss,
            peer_mss: config.default_mss_for(opening.tuple.remote.ip()),
            timestamps: config.timestamps.then_some(TimestampState {
                offset: opening.timestamp_offset,
                recent: 0,
                recent_age: opening.now,
            }),
            sack: config.sack,
            offer_window_scale: config.window_scaling,
            timers: TimerTable::default(),
            rtt: RttEstimator::new(config.initial_rto, config.min_rto, config.max_rto),
            syn_sent_at: None,
            retries: 0,
            probes: 0,
            last_received: opening.now,
            unacked_since: None,
            ack: AckState {
                quick: 16,
                ..AckState::default()
            },
            delayed_ack: config.delayed_ack,
            probe_pending: false,
            override_send_avoidance: false,
            keepalive_probes: 0,
            recovery: LossRecovery::new(
                new_controller(
                    config.congestion_control,
                    u32::from(local_mss),
                    config.initial_window_segments,
                ),
                u32::from(local_mss),
                config.pacing,
            ),
            dsack: None,
            ecn: ecn::EcnState {
                offered: config.ecn,
                ..ecn::EcnState::default()
            },
            last_segment_ect: false,
            send_reset: false,
            error: None,
            raised: 0,
            stats: ConnectionStats::default(),
            span: tracing::debug_span!(
                "tcp",
                local = %opening.tuple.local,
                remote = %opening.tuple.remote,
                id = opening.handle.0
            ),
        }
    }

    /// Starts an active open: CLOSED -> SYN_SENT; the SYN goes out on the next poll.
    pub(crate) fn open_active(&mut self, now: Instant) {
        self.set_state(State::SynSent);
        self.arm_retransmit(now);
    }

    /// Starts a passive open from a listener's SYN: LISTEN -> SYN_RCVD; the SYN-ACK goes out
    /// on the next poll. A SYN's payload is not kept (no Fast Open): the peer sends it again.
    pub(crate) fn open_passive(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        config: &Config,
        listener: ListenerHandle,
    ) {
        self.listener = Some(listener);
        self.held = false;
        self.in_syn_queue = true;
        self.ecn.on_syn(seg.flags);
        self.set_state(State::SynReceived);
        self.irs = seg.seq;
        self.rcv_nxt = seg.seq + 1;
        self.negotiate(now, seg, config);
        self.snd_wnd = u32::from(seg.window);
        self.max_snd_wnd = self.snd_wnd;
        self.snd_wl1 = seg.seq;
        self.snd_wl2 = self.iss;
        self.last_received = now;
        self.arm_retransmit(now);
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
        listener: ListenerHandle,
        mss: u16,
        syn_ack_window: u32,
    ) {
        self.listener = Some(listener);
        self.held = false;
        self.irs = seg.seq - 1;
        self.rcv_nxt = seg.seq;
        self.rcv_adv = self.rcv_nxt + syn_ack_window;
        self.receive_measure = (now, self.rcv_nxt);
        self.snd_una = self.iss + 1;
        self.syn_acknowledged = true;
        self.snd_nxt = self.snd_una;
        self.snd_max = self.snd_una;
        self.peer_mss = mss;
        let client = seg
            .options
            .timestamps
            .map(|ts| crate::endpoint::syn_cookie::decode_timestamp(ts.echo));
        match (client.and_then(|c| c.window_scale), self.offer_window_scale) {
            (Some(shift), true) => self.snd_wscale = shift,
            _ => {
                self.offer_window_scale = false;
                self.snd_wscale = 0;
                self.rcv_wscale = 0;
            }
        }
        self.sack &= client.is_some_and(|c| c.sack_permitted);
        match (seg.options.timestamps, self.timestamps.as_mut()) {
            (Some(ts), Some(state)) => {
                state.recent = ts.value;
                state.recent_age = now;
            }
            _ => self.timestamps = None,
        }
        self.snd_wnd = u32::from(seg.window) << self.snd_wscale;
        self.max_snd_wnd = self.snd_wnd;
        self.snd_wl1 = seg.seq;
        self.snd_wl2 = seg.ack;
        self.last_received = now;
        self.recovery.set_path(self.send_mss(), self.sack);
        self.become_established();
        self.raise(raised::ACCEPTABLE | raised::WRITABLE);
        self.arm_keepalive(now);
    }

    /// Event bits an application that just accepted this connection has not seen yet.
    pub(crate) fn pending_since_accept(&self) -> u8 {
        let mut bits = raised::WRITABLE;
        if self.readable() > 0 || self.fin_received {
            bits |= raised::READABLE;
        }
        if self.fin_received {
            bits |= raised::PEER_CLOSED;
        }
        if self.error.is_some() {
            bits |= raised::FAILED;
        }
        bits
    }

    /// Applies new options to a live connection.
    pub(crate) fn set_options(&mut self, now: Instant, options: SocketOptions) {
        if let Some(size) = options.send_buffer {
            self.send_buf.set_capacity(size.max(self.send_buf.len()));
        }
        if let Some(size) = options.recv_buffer {
            self.recv_buf.set_capacity(size);
        }
        let keepalive_changed = options.keepalive != self.options.keepalive;
        self.options = options;
        if keepalive_changed {
            self.arm_keepalive(now);
        }
    }

    /// Bytes of payload per full-sized segment we send: the negotiated MSS less the options
    /// every segment carries (timestamps), as Linux counts it.
    pub(crate) fn send_mss(&self) -> u32 {
        let mss = u32::from(self.peer_mss.min(self.local_mss));
        let options = if self.timestamps.is_some() { 12 } else { 0 };
        mss.saturating_sub(options).max(1)
    }

    /// The peer acknowledged our SYN. A flag, not `SND.UNA > ISS`: that comparison turns
    /// false again once more than 2^31 bytes have been sent.
    pub(crate) fn syn_acked(&self) -> bool {
        self.syn_acknowledged
    }

    /// Bytes sent and not yet acknowledged, in sequence space.
    pub(crate) fn flight_size(&self) -> u32 {
        self.snd_max - self.snd_una
    }

    /// Sequence number one past the last byte the application queued.
    pub(crate) fn data_end(&self) -> SeqNumber {
        self.send_buf_seq + self.send_buf.len() as u32
    }

    /// The FIN's sequence number once the application shut down writing.
    pub(crate) fn fin_seq(&self) -> Option<SeqNumber> {
        self.fin_queued.then(|| self.data_end())
    }

    /// Our timestamp clock: milliseconds plus the per-connection offset.
    pub(crate) fn ts_value(&self, now: Instant) -> Option<u32> {
        self.timestamps
            .map(|ts| ((now.as_micros() / 1000) as u32).wrapping_add(ts.offset))
    }

    /// Raises an event bit for the endpoint.
    pub(crate) fn raise(&mut self, bits: u8) {
        self.raised |= bits;
    }

    /// Ends the connection with `error`: buffers dropped, timers stopped, CLOSED.
    pub(crate) fn fail(&mut self, error: Error) {
        tracing::debug!(%error, "connection failed");
        self.error = Some(error);
        self.enter_closed();
        self.raise(raised::FAILED | raised::READABLE | raised::WRITABLE);
    }

    /// Moves to CLOSED and releases everything but the error.
    pub(crate) fn enter_closed(&mut self) {
        self.state = State::Closed;
        self.timers.stop_all();
        self.send_buf.clear();
        self.recv_buf.clear();
        self.recovery.clear();
        self.ack = AckState::default();
    }

    /// Moves to `state`, logging the transition.
    pub(crate) fn set_state(&mut self, state: State) {
        tracing::debug!(from = %self.state, to = %state, "state");
        self.state = state;
    }

    /// True when the engine may forget this block: closed, and the application no longer
    /// holds its handle.
    pub(crate) fn is_finished(&self) -> bool {
        self.state == State::Closed && !self.held && !self.send_reset
    }

    /// Queues application data; returns how much was taken.
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.fin_queued || !self.state.can_send() {
            return Err(match self.state {
                State::Closed | State::Listen => Error::NotConnected,
                _ => Error::BrokenPipe,
            });
        }
        if data.is_empty() {
            return Ok(0);
        }
        let taken = self.send_buf.push(data, self.budget.room);
        if taken == 0 {
            self.write_blocked = true;
            return Err(Error::WouldBlock);
        }
        Ok(taken)
    }

    /// Moves received in-order data to `out`. `Ok(0)` is end-of-file (the peer's FIN).
    pub(crate) fn read(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if self.recv_buf.readable() == 0 {
            return self.nothing_to_read(out.is_empty());
        }
        let n = self.recv_buf.read(out);
        self.reader_waiting = false;
        if self.window_update_due() {
            self.ack.now = true;
        }
        Ok(n)
    }

    /// Copies received in-order data to `out` and leaves it for the next read; otherwise the
    /// same results as [`Connection::read`].
    pub(crate) fn peek(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if self.recv_buf.readable() == 0 {
            return self.nothing_to_read(out.is_empty());
        }
        Ok(self.recv_buf.peek(out))
    }

    /// What a read finds with no data buffered: the connection's error, end-of-file, or
    /// `WouldBlock` (and the reader is then waiting).
    fn nothing_to_read(&mut self, out_is_empty: bool) -> Result<usize, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.fin_received || out_is_empty {
            return Ok(0);
        }
        if matches!(self.state, State::Closed | State::Listen) {
            return Err(Error::NotConnected);
        }
        self.reader_waiting = true;
        Err(Error::WouldBlock)
    }

    /// Bytes the application can read right now.
    pub(crate) fn readable(&self) -> usize {
        self.recv_buf.readable()
    }

    /// Takes the endpoint's current budget: room to allocate, and under pressure a window
    /// limited to storage already held.
    pub(crate) fn set_budget(&mut self, budget: crate::endpoint::memory_budget::Budget) {
        self.budget = budget;
        self.recv_buf.limit_window_to_storage(budget.pressure);
    }

    /// Bytes of buffer storage held (send and receive), what the endpoint's budget counts.
    pub(crate) fn buffer_memory(&self) -> usize {
        self.send_buf.allocated() + self.recv_buf.allocated()
    }

    /// Heap bytes this connection holds (buffers, the record of segments in flight) plus its
    /// own size.
    pub(crate) fn memory(&self) -> usize {
        size_of::<Connection>()
            + self.send_buf.allocated()
            + self.recv_buf.allocated()
            + self.recovery.allocated()
    }

    /// The live transmission state.
    pub(crate) fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            state: self.state,
            rtt: self.rtt.smoothed(),
            rtt_variation: self.rtt.variation(),
            rto: self.rtt.rto(),
            send_mss: self.send_mss(),
            congestion_window: self.recovery.window(),
            slow_start_threshold: self.recovery.controller().slow_start_threshold(),
            send_window: self.snd_wnd,
            receive_window: self.receive_window(),
            unacknowledged: self.flight_size(),
            sacked: self.recovery.sacked_bytes(),
            send_buffer: self.send_buf.capacity(),
            receive_buffer: self.recv_buf.capacity(),
            window_scales: (self.rcv_wscale, self.snd_wscale),
            timestamps: self.timestamps.is_some(),
            sack: self.sack,
            ecn: self.ecn.negotiated,
        }
    }
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
            .field("snd_una", &self.snd_una)
            .field("snd_nxt", &self.snd_nxt)
            .field("snd_wnd", &self.snd_wnd)
            .field("rcv_nxt", &self.rcv_nxt)
            .field("rcv_wnd", &self.recv_buf.window())
            .finish_non_exhaustive()
    }
}

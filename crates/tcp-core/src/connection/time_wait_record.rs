//! The compact form of a connection in TIME_WAIT that nobody holds: the 4-tuple and what
//! answering its segments needs, instead of a whole control block.

use super::input::{Disposition, Incoming};
use super::negotiated::TimestampState;
use super::time_wait::{TimeWaitVerdict, TimeWaitView};
use crate::addr::FourTuple;
use crate::context::Context;
use crate::handle::ConnectionHandle;
use crate::rate_limit::ReplyLimiter;
use crate::time::Instant;
use tcp_wire::{Flags, Header, Options, SeqNumber, Timestamps};

/// A connection in TIME_WAIT reduced to what RFC 9293, RFC 1337 and PAWS need in that state.
/// It answers every segment exactly as the connection would have (the same rules, in
/// [`TimeWaitView::judge`], and the same ACK, byte for byte); its deadline is the endpoint's
/// timer entry under the same handle.
#[derive(Debug, Clone)]
pub(crate) struct TimeWaitRecord {
    /// The connection's handle: its place in the timer queue, the socket table's order, and
    /// the `Closed` event when TIME_WAIT ends.
    pub(in crate::connection) handle: ConnectionHandle,
    /// The 4-tuple it holds.
    pub(in crate::connection) tuple: FourTuple,
    /// SND.NXT: every byte sent is acknowledged, so also SND.UNA and SND.MAX.
    pub(super) snd_nxt: SeqNumber,
    /// RCV.NXT, past the peer's FIN.
    pub(super) rcv_nxt: SeqNumber,
    /// The timestamp offset, TS.Recent and its age, with timestamps in use.
    pub(super) timestamps: Option<TimestampState>,
    /// The limit on replies to segments that do not belong.
    pub(super) replies: ReplyLimiter,
    /// What the window field of its ACKs is computed from.
    pub(super) window: WindowRecord,
    /// Its ACKs echo a CE mark (ECE), as the connection's did.
    pub(super) ece: bool,
}

/// What the connection's receive window offered, frozen: TIME_WAIT takes no data and nobody
/// reads, so only the promised right edge still moves (never left, RFC 9293 §3.8.6.2.2).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WindowRecord {
    /// The right edge last advertised.
    pub(super) adv: SeqNumber,
    /// The free window of the buffer.
    pub(super) free: u32,
    /// The free window under memory pressure (limited to storage held, which is none).
    pub(super) free_under_pressure: u32,
    /// The smallest opening worth advertising (receiver SWS avoidance).
    pub(super) threshold: u32,
    /// Our window scale shift.
    pub(super) wscale: u8,
}

/// A TIME_WAIT record's ACK, ready to be written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeWaitAck {
    /// The 4-tuple it travels on.
    pub(in crate::connection) tuple: FourTuple,
    seq: SeqNumber,
    ack: SeqNumber,
    flags: Flags,
    window: u16,
    timestamps: Option<Timestamps>,
}

impl TimeWaitAck {
    /// Its header, the one the connection would have sent.
    pub(crate) fn header(&self) -> Header {
        Header {
            src_port: self.tuple.local.port(),
            dst_port: self.tuple.remote.port(),
            seq: self.seq,
            ack: self.ack,
            flags: self.flags,
            window: self.window,
            urgent_pointer: 0,
            options: Options {
                timestamps: self.timestamps,
                ..Options::default()
            },
        }
    }
}

/// What a record did with a segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordAnswer {
    /// [`Disposition::Reopen`] for a SYN that may reopen the tuple.
    pub(in crate::connection) disposition: Disposition,
    /// TIME_WAIT starts again (2 MSL from now).
    pub(in crate::connection) restart: bool,
    /// The ACK to send.
    pub(in crate::connection) ack: Option<TimeWaitAck>,
}

impl TimeWaitRecord {
    /// Handles a segment for the tuple. `pressure`: the endpoint is under memory pressure
    /// (the window offered is then limited to storage held).
    pub(crate) fn on_segment(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        ctx: &mut Context<'_>,
        pressure: bool,
    ) -> RecordAnswer {
        let mut view = TimeWaitView {
            rcv_nxt: self.rcv_nxt,
            timestamps: self.timestamps,
            replies: &mut self.replies,
        };
        let (disposition, restart, ack) = match view.judge(now, seg, ctx) {
            TimeWaitVerdict::Reopen => (Disposition::Reopen, false, false),
            TimeWaitVerdict::Stay { restart, ack } => (Disposition::Done, restart, ack),
        };
        RecordAnswer {
            disposition,
            restart,
            ack: ack.then(|| self.ack(now, pressure)),
        }
    }

    /// A challenge ACK (RFC 5961) for a SYN that could not reopen the tuple, within the
    /// reply limits.
    pub(crate) fn challenge(
        &mut self,
        now: Instant,
        ctx: &mut Context<'_>,
        pressure: bool,
    ) -> Option<TimeWaitAck> {
        super::invalid::may_challenge(&mut self.replies, now, ctx).then(|| self.ack(now, pressure))
    }

    /// SND.MAX of the connection: a reopened one starts above it.
    pub(crate) fn highest_sent(&self) -> SeqNumber {
        self.snd_nxt
    }

    /// The pure ACK `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>`, with the window and timestamps
    /// the connection would have put on it.
    fn ack(&mut self, now: Instant, pressure: bool) -> TimeWaitAck {
        let flags = if self.ece {
            Flags::ACK | Flags::ECE
        } else {
            Flags::ACK
        };
        let timestamps = self.timestamps.map(|ts| Timestamps {
            value: ((now.as_micros() / 1000) as u32).wrapping_add(ts.offset),
            echo: ts.recent,
        });
        TimeWaitAck {
            tuple: self.tuple,
            seq: self.snd_nxt,
            ack: self.rcv_nxt,
            flags,
            window: self.advertise(pressure),
            timestamps,
        }
    }

    /// The window field to send, as the connection computes it (the promised right edge
    /// never moves left; small openings are held back), and the edge it promises remembered.
    fn advertise(&mut self, pressure: bool) -> u16 {
        let w = &mut self.window;
        let free = if pressure {
            w.free_under_pressure
        } else {
            w.free
        };
        let promised = if w.adv.gt(self.rcv_nxt) {
            w.adv - self.rcv_nxt
        } else {
            0
        };
        let window = if free <= promised || free - promised < w.threshold {
            promised
        } else {
            free
        };
        let shift = u32::from(w.wscale);
        let field = (window >> shift).min(0xffff);
        let edge = self.rcv_nxt + (field << shift);
        if edge.gt(w.adv) {
            w.adv = edge;
        }
        field as u16
    }
}

impl super::Connection {
    /// The receive window as a [`TimeWaitRecord`] keeps it.
    pub(super) fn window_record(&self) -> WindowRecord {
        WindowRecord {
            adv: self.rcv.adv,
            free: self.rcv.buf.window_with(false) as u32,
            free_under_pressure: self.rcv.buf.window_with(true) as u32,
            threshold: (self.rcv.buf.capacity() as u32 / 2)
                .min(u32::from(self.negotiated.local_mss)),
            wscale: self.rcv.wscale,
        }
    }
}

impl RecordAnswer {
    /// A SYN that may reopen the tuple: the endpoint makes a new connection of it.
    pub(crate) fn reopens(&self) -> bool {
        self.disposition == Disposition::Reopen
    }

    /// TIME_WAIT starts again (2 MSL from now).
    pub(crate) fn restarts(&self) -> bool {
        self.restart
    }

    /// The ACK to send, if any.
    pub(crate) fn into_ack(self) -> Option<TimeWaitAck> {
        self.ack
    }
}

impl TimeWaitAck {
    /// The 4-tuple it travels on.
    pub(crate) fn tuple(&self) -> FourTuple {
        self.tuple
    }
}

impl TimeWaitRecord {
    /// The handle the connection had, which still names the record.
    pub(crate) fn handle(&self) -> ConnectionHandle {
        self.handle
    }

    /// The 4-tuple it rests on.
    pub(crate) fn tuple(&self) -> FourTuple {
        self.tuple
    }
}

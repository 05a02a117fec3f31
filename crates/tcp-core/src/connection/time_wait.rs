//! TIME-WAIT (RFC 9293 §3.10.7.4, RFC 1337, MAY-2, RFC 7323 PAWS): entering it, and the one
//! set of rules for a segment that arrives in it, which a connection still held whole and a
//! compact [`TimeWaitRecord`] both follow.

use super::Connection;
use super::input::{Disposition, Incoming};
use super::invalid::{may_answer_invalid, may_challenge};
use super::negotiated::TimestampState;
use super::time_wait_record::TimeWaitRecord;
use super::timers::Timer;
use crate::config::Config;
use crate::context::Context;
use crate::handle::ConnectionHandle;
use crate::rate_limit::ReplyLimiter;
use crate::state::State;
use crate::time::Instant;
use tcp_wire::SeqNumber;

/// What TIME_WAIT does with one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeWaitVerdict {
    /// A SYN that may reopen the 4-tuple (MAY-2): the endpoint retires the entry and hands
    /// the SYN to a listener, or asks for a challenge ACK when there is none.
    Reopen,
    /// The entry stays.
    Stay {
        /// A retransmitted FIN: TIME_WAIT starts again (2 MSL from now).
        restart: bool,
        /// An ACK goes out (within the reply limits).
        ack: bool,
    },
}

/// What TIME_WAIT keeps of the connection to judge a segment.
pub(crate) struct TimeWaitView<'a> {
    /// RCV.NXT, past the peer's FIN.
    pub(in crate::connection) rcv_nxt: SeqNumber,
    /// TS.Recent and its age, with timestamps in use.
    pub(in crate::connection) timestamps: Option<TimestampState>,
    /// The connection's limit on replies to segments that do not belong.
    pub(in crate::connection) replies: &'a mut ReplyLimiter,
}

impl TimeWaitView<'_> {
    /// TIME_WAIT input: a RST is ignored (RFC 1337). A SYN without ACK whose sequence number
    /// is above RCV.NXT or whose TSval is newer may reopen the tuple unless PAWS rejects it
    /// (checked first, as Linux's `tcp_timewait_state_process`); other SYNs get a challenge
    /// ACK. A retransmitted FIN restarts the 2 MSL; every other segment is answered as one
    /// that does not belong.
    pub(crate) fn judge(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        ctx: &mut Context<'_>,
    ) -> TimeWaitVerdict {
        let flags = seg.flags;
        if flags.rst() {
            return TimeWaitVerdict::Stay {
                restart: false,
                ack: false,
            };
        }
        if flags.syn() && !flags.ack() {
            let newer_ts = self.timestamps.is_some_and(|ts| ts.seg_is_newer(seg));
            let paws = self.timestamps.is_some_and(|ts| ts.paws_rejects(now, seg));
            if !paws && (seg.seq.gt(self.rcv_nxt) || newer_ts) {
                return TimeWaitVerdict::Reopen;
            }
            if paws {
                ctx.counters.paws_rejected += 1;
            }
            return TimeWaitVerdict::Stay {
                restart: false,
                ack: may_challenge(self.replies, now, ctx),
            };
        }
        TimeWaitVerdict::Stay {
            restart: flags.fin() && seg.seq + seg.payload.len() as u32 + 1 == self.rcv_nxt,
            ack: may_answer_invalid(self.replies, now, seg, ctx),
        }
    }
}

impl Connection {
    /// TIME_WAIT: hold the 4-tuple for 2 MSL with nothing but what re-ACKs need.
    pub(crate) fn enter_time_wait(&mut self, now: Instant, config: &Config) {
        self.set_state(State::TimeWait);
        self.timing.timers.stop_all();
        self.timing
            .timers
            .set(Timer::TimeWait, now + config.time_wait());
        self.snd.buf.clear();
        self.rcv.buf.release_if_empty();
        self.recovery.clear();
    }

    /// A segment in TIME_WAIT, by [`TimeWaitView::judge`].
    pub(super) fn on_segment_time_wait(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        ctx: &mut Context<'_>,
    ) -> Disposition {
        let mut view = TimeWaitView {
            rcv_nxt: self.rcv.nxt,
            timestamps: self.negotiated.timestamps,
            replies: &mut self.timing.invalid_acks,
        };
        match view.judge(now, seg, ctx) {
            TimeWaitVerdict::Reopen => Disposition::Reopen,
            TimeWaitVerdict::Stay { restart, ack } => {
                if restart {
                    self.timing
                        .timers
                        .set(Timer::TimeWait, now + ctx.config.time_wait());
                }
                if ack {
                    self.rcv.ack.now = true;
                }
                Disposition::Done
            }
        }
    }

    /// The compact record that can stand in for this connection (filed under `handle`)
    /// from now on, if it is one nobody holds any more that rests in counted TIME_WAIT:
    /// nothing left to send, no timer but TIME_WAIT's, no buffer storage, every byte it
    /// sent acknowledged.
    pub(crate) fn time_wait_record(&self, handle: ConnectionHandle) -> Option<TimeWaitRecord> {
        let at_rest = self.state == State::TimeWait
            && self.books.only_resting()
            && self.buffer_memory() == 0
            && self.snd.una == self.snd.max
            && !self.wants_to_transmit()
            && self.timing.timers.armed_alone(Timer::TimeWait);
        at_rest.then(|| TimeWaitRecord {
            handle,
            tuple: self.tuple,
            snd_nxt: self.snd.max,
            rcv_nxt: self.rcv.nxt,
            timestamps: self.negotiated.timestamps,
            replies: self.timing.invalid_acks,
            window: self.window_record(),
            ece: self.ecn.echo,
        })
    }
}

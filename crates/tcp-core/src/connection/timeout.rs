//! Timer expiry: retransmission (T-1), delayed ACK (T-2), persist (T-3), keepalive (T-4),
//! user timeout (T-5), FIN_WAIT_2 and TIME_WAIT.

use super::context::Context;
use super::recovery::LossTimer;
use super::{Connection, Holder};
use crate::config::Config;
use crate::connection::timers::Timer;
use crate::state::State;
use crate::time::Instant;
use core::time::Duration;

/// The longest gap between zero-window probes.
const MAX_PERSIST_INTERVAL: Duration = Duration::from_secs(60);

impl Connection {
    /// Runs every timer that expired at or before `now`.
    pub(crate) fn on_timeout(&mut self, now: Instant, ctx: &mut Context<'_>) {
        while let Some(timer) = self.timing.timers.take_expired(now) {
            match timer {
                Timer::Retransmit => match self.recovery.timer() {
                    LossTimer::Retransmission => self.on_retransmit_timeout(now, ctx),
                    LossTimer::Probe => self.on_probe_timeout(now),
                    LossTimer::Reorder => self.on_reorder_timeout(now),
                },
                Timer::DelayedAck => {
                    self.rcv.ack.now = true;
                    self.rcv.ack.pingpong = false;
                }
                Timer::Persist => self.on_persist_timeout(now, ctx),
                Timer::Keepalive => self.on_keepalive_timeout(now),
                Timer::FinWait2 => self.enter_closed(),
                Timer::TimeWait => self.enter_closed(),
                Timer::Pace => {
                    if let Some(at) = self
                        .recovery
                        .on_pace_timeout(now, self.timing.rtt.smoothed())
                    {
                        self.timing.timers.set(Timer::Pace, at);
                    }
                }
            }
        }
    }

    /// Arms the retransmission timer at one RTO, but no later than the user timeout.
    pub(crate) fn arm_retransmit(&mut self, now: Instant) {
        self.arm_loss_timer(now, LossTimer::Retransmission, now + self.timing.rtt.rto());
    }

    /// Arms the retransmission timer slot as `timer` for `at`, but no later than the user
    /// timeout.
    fn arm_loss_timer(&mut self, now: Instant, timer: LossTimer, mut at: Instant) {
        if let (Some(limit), Some(since)) = (self.options.user_timeout, self.timing.unacked_since) {
            at = at.min((since + limit).max(now));
        }
        self.recovery.set_timer(timer);
        self.timing.timers.set(Timer::Retransmit, at);
    }

    /// After an ACK or a transmission of data: stops the slot when nothing is outstanding;
    /// else arms RACK's reordering timer or the tail loss probe when loss recovery wants
    /// one, else the retransmission timeout (restarted when `restart`, RFC 6298 §5.3, or
    /// when the slot held something else).
    pub(crate) fn rearm_loss_timer(&mut self, now: Instant, restart: bool) {
        if !self.state.transmits_data() || !self.syn_acked() {
            return;
        }
        if self.snd.una == self.snd.max {
            self.timing.timers.stop(Timer::Retransmit);
            return;
        }
        let early = self.recovery.early_timer(
            now,
            self.timing.rtt.smoothed(),
            self.timing.rtt.rto(),
            self.timing.rtt.min_rto(),
        );
        if let Some((timer, at)) = early {
            self.arm_loss_timer(now, timer, at);
        } else if restart
            || self.recovery.timer() != LossTimer::Retransmission
            || !self.timing.timers.is_armed(Timer::Retransmit)
        {
            self.arm_retransmit(now);
        }
    }

    /// The probe timer expired: the next transmission is a tail loss probe (RFC 8985 §7.3),
    /// and the retransmission timeout stands behind it.
    fn on_probe_timeout(&mut self, now: Instant) {
        if self.snd.una == self.snd.max {
            return;
        }
        self.recovery.on_probe_timeout();
        self.arm_retransmit(now);
    }

    /// RACK's reordering timer expired: the segments it waited on are judged now.
    fn on_reorder_timeout(&mut self, now: Instant) {
        if self.snd.una == self.snd.max {
            return;
        }
        let window = (self.snd.una, self.snd.max);
        self.recovery
            .on_reorder_timeout(now, self.timing.rtt.smoothed(), window, &mut self.stats);
        self.rearm_loss_timer(now, false);
    }

    fn user_timeout_expired(&self, now: Instant) -> bool {
        match (self.options.user_timeout, self.timing.unacked_since) {
            (Some(limit), Some(since)) => now - since >= limit,
            _ => false,
        }
    }

    fn on_retransmit_timeout(&mut self, now: Instant, ctx: &mut Context<'_>) {
        let config = ctx.config;
        let limit = match self.state {
            State::SynSent => config.retransmission.syn_retries,
            State::SynReceived => config.retransmission.synack_retries,
            _ => config.retransmission.data_retries,
        };
        if self.snd.una == self.snd.max && self.state.is_synchronized() {
            return;
        }
        if self.timing.retries >= limit || self.user_timeout_expired(now) {
            if self.state == State::SynReceived && self.books.listener().is_some() {
                self.enter_closed();
            } else {
                self.fail_timed_out();
            }
            return;
        }
        self.timing.retries += 1;
        self.stats.rare().retransmission_timeouts += 1;
        ctx.counters.retransmission_timeouts += 1;
        if self.syn_acked() {
            // Everything in flight is lost; the head goes out again even into a zero
            // window, as Linux's retransmission timer does, the rest as the window regrows.
            let ts_now = self.ts_value(now);
            let outstanding = (self.flight_size(), self.snd.max);
            self.recovery.on_retransmission_timeout(
                now,
                outstanding,
                ts_now,
                self.timing.retries > 1,
            );
        } else {
            self.snd.nxt = self.snd.una;
            self.timing.syn_sent_at = None;
        }
        self.after_retransmission_timeout(now, config);
        self.timing.rtt.back_off();
        self.arm_retransmit(now);
    }

    /// The persist timer fired with data waiting and nothing in flight: probe a zero window
    /// (RFC 9293 §3.8.6.1), or, when the window is open but too small for sender-side SWS
    /// avoidance, send what fits anyway (its override timeout, §3.8.6.2.1).
    ///
    /// A zero window ends the connection with `TimedOut` as Linux's `tcp_probe_timer` does:
    /// after `data_retries` probes in a row that drew no ACK, or, for an orphan, once its
    /// probes have backed off `orphan_retries` times, answered or not (RFC 1122 4.2.2.17
    /// keeps a connection open while the peer answers; nobody waits on an orphan).
    fn on_persist_timeout(&mut self, now: Instant, ctx: &mut Context<'_>) {
        if !self.data_waiting() {
            return;
        }
        if self.user_timeout_expired(now) {
            self.fail_timed_out();
            return;
        }
        if self.snd.wnd == 0 {
            if self.persist_exhausted(ctx.config) {
                tracing::debug!(
                    probes = self.timing.probes,
                    unanswered = self.timing.probes_unanswered,
                    orphaned = self.books.holder() == Holder::Orphan,
                    "zero window: giving up"
                );
                ctx.counters.zero_window_timeouts += 1;
                self.fail_timed_out();
                return;
            }
            self.timing.probe_pending = true;
            self.timing.probes = self.timing.probes.saturating_add(1);
            self.timing.probes_unanswered = self.timing.probes_unanswered.saturating_add(1);
            self.stats.rare().window_probes += 1;
            self.arm_persist(now);
        } else {
            self.timing.override_send_avoidance = true;
        }
    }

    /// True when the zero-window probes so far are all a connection gets.
    fn persist_exhausted(&self, config: &Config) -> bool {
        if self.books.holder() == Holder::Orphan {
            self.timing.probes >= config.retransmission.orphan_retries
        } else {
            self.timing.probes_unanswered >= config.retransmission.data_retries
        }
    }

    /// Arms the persist timer when data waits, nothing is in flight to bring an ACK, and the
    /// windows or silly-window avoidance hold the data back; otherwise leaves it be. Without
    /// this a lost window update would stall the connection for ever.
    pub(crate) fn arm_stall_timer(&mut self, now: Instant) {
        if self.timing.timers.is_armed(Timer::Persist) || !self.data_waiting() {
            return;
        }
        if self.snd.una == self.snd.max && !self.next_data_segment_exists() {
            self.arm_persist(now);
        }
    }

    /// Queued data not yet sent, in a state that sends data.
    fn data_waiting(&self) -> bool {
        self.state.transmits_data() && self.data_end().gt(self.snd.nxt)
    }

    /// Arms the persist timer with exponential backoff (RFC 9293 §3.8.6.1).
    pub(crate) fn arm_persist(&mut self, now: Instant) {
        let interval = self
            .timing
            .rtt
            .rto()
            .saturating_mul(1 << self.timing.probes.min(10))
            .min(MAX_PERSIST_INTERVAL);
        self.timing.timers.set(Timer::Persist, now + interval);
        if self.timing.unacked_since.is_none() {
            self.timing.unacked_since = Some(now);
        }
    }

    /// Restarts keepalive's idle clock (any segment from the peer proves it alive).
    pub(crate) fn arm_keepalive(&mut self, now: Instant) {
        let Some(keepalive) = self.options.keepalive else {
            self.timing.timers.stop(Timer::Keepalive);
            return;
        };
        if matches!(
            self.state,
            State::Established | State::CloseWait | State::FinWait2
        ) {
            self.timing.keepalive_probes = 0;
            self.timing
                .timers
                .set(Timer::Keepalive, now + keepalive.idle);
        }
    }

    fn on_keepalive_timeout(&mut self, now: Instant) {
        let Some(keepalive) = self.options.keepalive else {
            return;
        };
        if !matches!(
            self.state,
            State::Established | State::CloseWait | State::FinWait2
        ) {
            return;
        }
        if self.snd.una != self.snd.max {
            self.timing
                .timers
                .set(Timer::Keepalive, now + keepalive.idle);
            return;
        }
        if self.timing.keepalive_probes >= keepalive.probes {
            self.send_reset = true;
            self.fail_timed_out();
            return;
        }
        self.timing.keepalive_probes += 1;
        self.timing.probe_pending = true;
        self.stats.rare().keepalive_probes += 1;
        self.timing
            .timers
            .set(Timer::Keepalive, now + keepalive.interval);
    }
}

//! The small per-connection timer table: one optional deadline per kind.

use crate::time::Instant;

/// The timers a connection may have armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Retransmission of unacknowledged data, SYN or FIN (RFC 6298).
    Retransmit,
    /// A delayed acknowledgment is due.
    DelayedAck,
    /// Zero-window probe (RFC 9293 §3.8.6.1).
    Persist,
    /// Keepalive probe or the verdict on an unanswered one.
    Keepalive,
    /// An orphaned connection gives up waiting in FIN_WAIT_2.
    FinWait2,
    /// TIME_WAIT ends.
    TimeWait,
    /// Pacing lets the next burst go.
    Pace,
}

impl Timer {
    const ALL: [Timer; 7] = [
        Timer::Retransmit,
        Timer::DelayedAck,
        Timer::Persist,
        Timer::Keepalive,
        Timer::FinWait2,
        Timer::TimeWait,
        Timer::Pace,
    ];
}

/// Deadlines indexed by [`Timer`]; the earliest is the connection's next wake-up. A bit
/// per timer says which are armed, so the table is seven instants and a byte rather than
/// seven `Option<Instant>` (each twice an instant's size).
#[derive(Debug, Clone, Default)]
pub(crate) struct TimerTable {
    deadlines: [Instant; 7],
    armed: u8,
}

impl TimerTable {
    /// Arms (or re-arms) `timer` for `at`.
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer as usize] = at;
        self.armed |= 1 << timer as u8;
    }

    /// Disarms `timer`.
    pub(crate) fn stop(&mut self, timer: Timer) {
        self.armed &= !(1 << timer as u8);
    }

    /// Disarms every timer.
    pub(crate) fn stop_all(&mut self) {
        self.armed = 0;
    }

    /// The deadline of `timer`, if armed.
    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.is_armed(timer).then(|| self.deadlines[timer as usize])
    }

    /// True when `timer` is armed.
    pub(crate) fn is_armed(&self, timer: Timer) -> bool {
        self.armed & (1 << timer as u8) != 0
    }

    /// True when `timer` is armed and no other is.
    pub(crate) fn armed_alone(&self, timer: Timer) -> bool {
        self.armed == 1 << timer as u8
    }

    /// The earliest armed deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        Timer::ALL.into_iter().filter_map(|t| self.get(t)).min()
    }

    /// Disarms and returns the first timer (in table order) whose deadline is at or before
    /// `now`.
    pub(crate) fn take_expired(&mut self, now: Instant) -> Option<Timer> {
        let timer = Timer::ALL
            .into_iter()
            .find(|t| self.get(*t).is_some_and(|at| at <= now))?;
        self.stop(timer);
        Some(timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_deadline_is_the_earliest_and_expired_timers_are_taken_once() {
        let mut table = TimerTable::default();
        assert_eq!(table.next_deadline(), None);
        table.set(Timer::Keepalive, Instant::from_millis(50));
        table.set(Timer::Retransmit, Instant::from_millis(20));
        assert_eq!(table.next_deadline(), Some(Instant::from_millis(20)));
        assert_eq!(table.take_expired(Instant::from_millis(10)), None);
        assert_eq!(
            table.take_expired(Instant::from_millis(60)),
            Some(Timer::Retransmit)
        );
        assert_eq!(
            table.take_expired(Instant::from_millis(60)),
            Some(Timer::Keepalive)
        );
        assert_eq!(table.take_expired(Instant::from_millis(60)), None);
        assert_eq!(table.next_deadline(), None);
        table.set(Timer::TimeWait, Instant::from_millis(70));
        assert!(table.armed_alone(Timer::TimeWait));
        table.set(Timer::Pace, Instant::from_millis(80));
        assert!(!table.armed_alone(Timer::TimeWait));
        table.stop_all();
        assert_eq!(table.next_deadline(), None);
    }
}

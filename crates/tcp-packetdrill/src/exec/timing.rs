//! When each event is due, and packetdrill's timing checks and wording.

use super::{Runner, Stop};
use crate::ast::{Event, EventKind, EventTime};
use crate::outcome::Failure;
use crate::sut::StackUnderTest;

/// The previous event, as relative times and tolerances need it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Last {
    /// Its scripted time, resolved to virtual time.
    pub(super) time: u64,
    /// It was an inbound packet (consecutive inbound packets anchor on each other's scripted
    /// times rather than on the clock, as in packetdrill).
    pub(super) inbound: bool,
    /// Its time was written as an absolute time.
    pub(super) absolute: bool,
}

/// When an event is due, in virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DueKind {
    /// At this time.
    At(u64),
    /// Anywhere in this range.
    Between(u64, u64),
    /// At any time.
    Any,
}

/// An event's due time and the origin its relative times were measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Due {
    pub(super) kind: DueKind,
    /// Virtual time that relative times in this event count from (0 for absolute times).
    pub(super) offset: u64,
}

impl Due {
    /// The time that stands for this event when later events count from it.
    pub(super) fn script_time(&self) -> u64 {
        match self.kind {
            DueKind::At(time) | DueKind::Between(time, _) => time,
            DueKind::Any => self.offset,
        }
    }
}

/// Microseconds as packetdrill prints seconds: `1.250000`.
pub(super) fn secs(micros: u64) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

impl<S: StackUnderTest + ?Sized> Runner<'_, S> {
    /// Resolves `event`'s time against the clock and the previous event; rejects a first
    /// event not at time 0 and absolute times that go backwards.
    pub(super) fn schedule(&self, event: &Event) -> Result<Due, Stop> {
        let raw_start = match event.time {
            EventTime::Absolute(t) | EventTime::Relative(t) => Some(t),
            EventTime::Range { lo, .. } => Some(lo),
            EventTime::Any | EventTime::Untimed => None,
        };
        if self.last.is_none() && raw_start != Some(0) {
            return Err(Stop::Fail(Failure::at(
                event.line,
                "first event should be at time 0",
            )));
        }
        let inbound = matches!(event.kind, EventKind::Inbound(_));
        let offset = match self.last {
            Some(last) if last.inbound && inbound => last.time,
            _ => self.now,
        };
        let due = match event.time {
            EventTime::Absolute(t) => {
                if let Some(last) = self.last.filter(|l| l.absolute && t < l.time) {
                    return Err(Stop::Fail(Failure::at(
                        event.line,
                        format!(
                            "time goes backward in script from {} usec to {t} usec",
                            last.time
                        ),
                    )));
                }
                Due {
                    kind: DueKind::At(t),
                    offset: 0,
                }
            }
            EventTime::Relative(t) => Due {
                kind: DueKind::At(offset.saturating_add(t)),
                offset,
            },
            EventTime::Range { lo, hi, relative } => {
                let base = if relative { offset } else { 0 };
                Due {
                    kind: DueKind::Between(base.saturating_add(lo), base.saturating_add(hi)),
                    offset: base,
                }
            }
            EventTime::Any | EventTime::Untimed => Due {
                kind: DueKind::Any,
                offset: self.now,
            },
        };
        Ok(due)
    }

    /// How far from `expected` an event may happen: `--tolerance_usecs`, or
    /// `--tolerance_percent` of the time since the previous event when that is larger.
    pub(super) fn tolerance(&self, expected: u64) -> u64 {
        let base = self.config.tolerance_usecs;
        match self.last {
            Some(last) if self.config.tolerance_percent > 0.0 => {
                let delta = expected.saturating_sub(last.time) as f64;
                // Truncated to whole microseconds, as packetdrill's integer arithmetic does.
                base.max((delta * self.config.tolerance_percent / 100.0) as u64)
            }
            _ => base,
        }
    }

    /// Moves the clock to an inbound packet's, call's or command's due time; fails if the
    /// clock is already past it by more than the tolerance.
    pub(super) fn start_at(&mut self, line: usize, what: &str, due: &Due) -> Result<(), Stop> {
        let DueKind::At(expected) = due.kind else {
            return Ok(());
        };
        if expected >= self.now {
            return self.advance_to(expected);
        }
        let tolerance = self.tolerance(expected);
        if self.now - expected > tolerance {
            return Err(Stop::Fail(timing_failure(
                line, what, expected, self.now, tolerance,
            )));
        }
        Ok(())
    }
}

/// packetdrill's timing error, in this runner's `expected ... got ...` shape.
pub(super) fn timing_failure(
    line: usize,
    what: &str,
    expected: u64,
    actual: u64,
    tolerance: u64,
) -> Failure {
    Failure::mismatch(
        line,
        &format!("{what} at {} sec", secs(expected)),
        &format!("{} sec", secs(actual)),
        Some(&format!("timing error; tolerance {} sec", secs(tolerance))),
    )
}

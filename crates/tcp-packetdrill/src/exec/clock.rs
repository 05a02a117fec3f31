//! Virtual time: the executor moves the stack's clock from timer to timer, collecting what
//! the stack sends and watching for the end of a blocked call after every step.

use super::{Runner, Stop};
use crate::outcome::Failure;
use crate::sut::StackUnderTest;

/// How many times a timer may fire at one instant before the stack is declared stuck.
const MAX_FIRINGS_AT_ONE_INSTANT: usize = 10_000;

impl<S: StackUnderTest + ?Sized> Runner<'_, S> {
    /// To be called after every call into the stack: queues what it sent and checks the
    /// blocked call, if any.
    pub(super) fn after_call(&mut self) -> Result<(), Stop> {
        self.queue.extend(self.sut.take_outbound());
        self.check_pending()
    }

    /// Runs the stack's timers in order up to `limit`, stopping as soon as `done` holds.
    /// Returns whether `done` held; the clock stays at the last timer fired.
    pub(super) fn run_timers(
        &mut self,
        limit: u64,
        done: impl Fn(&Self) -> bool,
    ) -> Result<bool, Stop> {
        loop {
            if done(self) {
                return Ok(true);
            }
            let Some(deadline) = self.sut.next_timer().filter(|&t| t <= limit) else {
                return Ok(false);
            };
            self.fire(deadline.max(self.now))?;
        }
    }

    /// Moves the clock to `deadline` and lets the stack run its expired timers; fails if the
    /// stack keeps asking for timers at one instant (a timer it never rearms).
    fn fire(&mut self, deadline: u64) -> Result<(), Stop> {
        if deadline == self.now {
            self.firings_now += 1;
            if self.firings_now > MAX_FIRINGS_AT_ONE_INSTANT {
                return Err(Stop::Fail(Failure::at(
                    self.line,
                    format!(
                        "the stack's timer keeps expiring at {} sec without being rearmed",
                        super::timing::secs(deadline)
                    ),
                )));
            }
        } else {
            self.firings_now = 0;
        }
        self.now = deadline;
        self.sut.advance(deadline);
        self.after_call()
    }

    /// Runs every timer due by `target`, then sets the clock to `target`.
    pub(super) fn advance_to(&mut self, target: u64) -> Result<(), Stop> {
        self.run_timers(target, |_| false)?;
        self.now = self.now.max(target);
        self.sut.advance(self.now);
        self.after_call()
    }
}

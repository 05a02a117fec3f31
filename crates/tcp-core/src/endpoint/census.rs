//! The endpoint's count of TIME_WAIT entries and orphans, each held to its cap in
//! [`ResourceLimits`].

use crate::connection::{Connection, Holder};
use crate::counters::Counters;
use crate::resource_limits::ResourceLimits;
use crate::state::State;
use crate::time::Instant;

/// Which count a connection is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Tally {
    /// Neither.
    #[default]
    None,
    /// An orphan: closed by the application, still finishing, not in TIME_WAIT.
    Orphan,
    /// A counted TIME_WAIT entry.
    TimeWait,
    /// In TIME_WAIT beyond the cap: it ends at once (after its last ACK), uncounted.
    Expiring,
}

/// How many connections are in each count.
#[derive(Debug, Default)]
pub(crate) struct Census {
    time_wait: usize,
    orphans: usize,
}

impl Census {
    /// Moves `conn` to the count its state calls for. Over a cap, a new TIME_WAIT entry
    /// expires at once and a new orphan is reset (as Linux's `tcp_time_wait` and
    /// `tcp_check_oom`), each counted.
    pub(crate) fn update(
        &mut self,
        conn: &mut Connection,
        limits: &ResourceLimits,
        counters: &mut Counters,
        now: Instant,
    ) {
        let wanted = match conn.state() {
            State::TimeWait if conn.books().tally == Tally::Expiring => Tally::Expiring,
            State::TimeWait => Tally::TimeWait,
            State::Closed => Tally::None,
            _ if conn.books().holder == Holder::Orphan => Tally::Orphan,
            _ => Tally::None,
        };
        if wanted == Tally::Expiring {
            conn.end_time_wait_at(now);
        }
        if wanted == conn.books().tally {
            return;
        }
        self.leave(conn.books().tally);
        conn.books_mut().tally = match wanted {
            Tally::TimeWait if self.time_wait >= limits.max_time_wait => {
                counters.resources.time_wait_overflows += 1;
                tracing::debug!("TIME_WAIT cap reached: closing without TIME_WAIT");
                conn.end_time_wait_at(now);
                Tally::Expiring
            }
            Tally::Orphan if self.orphans >= limits.max_orphans => {
                counters.resources.orphans_reset += 1;
                tracing::debug!("orphan cap reached: resetting");
                conn.abort();
                Tally::None
            }
            Tally::TimeWait => {
                self.time_wait += 1;
                Tally::TimeWait
            }
            Tally::Orphan => {
                self.orphans += 1;
                Tally::Orphan
            }
            other => other,
        };
    }

    /// `conn` leaves the endpoint: it leaves its count too.
    pub(crate) fn remove(&mut self, conn: &Connection) {
        self.leave(conn.books().tally);
    }

    /// A TIME_WAIT record (a counted entry) leaves the endpoint.
    pub(crate) fn leave_time_wait(&mut self) {
        self.leave(Tally::TimeWait);
    }

    fn leave(&mut self, tally: Tally) {
        match tally {
            Tally::TimeWait => self.time_wait -= 1,
            Tally::Orphan => self.orphans -= 1,
            Tally::None | Tally::Expiring => {}
        }
    }
}

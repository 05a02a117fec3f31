//! Readiness as tokio reports it (`ready`, `readable`, `writable`, `poll_*_ready`) and
//! `try_io`, over the per-direction flags of `stack::readiness`.

use super::connection::{Connection, Way};
use super::error::to_io;
use crate::stack::shared::StackState;
use core::task::{Context, Poll};
use std::io;
use tcp_core::State;
use tokio::io::{Interest, Ready};

/// What one look at a connection found: its readiness for an interest, and the event count
/// of each direction that was ready (for [`Connection::try_io`]'s clearing).
struct Seen {
    ready: Ready,
    read: Option<u64>,
    write: Option<u64>,
}

impl Connection {
    /// `Ready` with what the connection is ready for among `interest`; `Pending` (the task
    /// registered for the next event of every direction `interest` names) while nothing.
    /// `Interest::PRIORITY` is never ready: the stack has no urgent data.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<Ready>> {
        self.shard.call(|state| {
            let seen = self.seen(state, interest)?;
            if !seen.ready.is_empty() {
                return Poll::Ready(Ok(seen.ready));
            }
            let readiness = self.readiness(state);
            if interest.is_readable() || interest.is_error() {
                readiness.read.register(cx.waker());
            }
            if interest.is_writable() || interest.is_error() {
                readiness.write.register(cx.waker());
            }
            Poll::Pending
        })
    }

    /// Calls `f` if the connection is ready for `interest` (else `WouldBlock` without calling
    /// it); when `f` returns `WouldBlock`, clears the readiness it ran on, unless an event
    /// came meanwhile. `f` runs without the stack's lock, so it may call the stream's own
    /// methods.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let seen = self.shard.inspect(|state| self.seen(state, interest))?;
        if seen.ready.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = f();
        if matches!(&result, Err(error) if error.kind() == io::ErrorKind::WouldBlock) {
            self.shard.call(|state| {
                if let Some(tick) = seen.read {
                    self.direction(state, Way::Read).clear_at(tick);
                }
                if let Some(tick) = seen.write {
                    self.direction(state, Way::Write).clear_at(tick);
                }
                Ok(())
            })?;
        }
        result
    }

    /// The connection's readiness for `interest` now: each direction's flag, with
    /// `READ_CLOSED` once the peer's FIN or an error ended reading, `WRITE_CLOSED` once the
    /// connection is closed or failed, and `ERROR` while it has an error.
    fn seen(&self, state: &StackState, interest: Interest) -> io::Result<Seen> {
        let error = state
            .endpoint
            .pending_error(self.handle)
            .map_err(to_io)?
            .is_some();
        let tcp_state = state.endpoint.state(self.handle).map_err(to_io)?;
        let read_closed = error
            || matches!(
                tcp_state,
                State::CloseWait
                    | State::LastAck
                    | State::Closing
                    | State::TimeWait
                    | State::Closed
            );
        let write_closed = error || tcp_state == State::Closed;
        let readiness = state.readiness.get(&self.handle);
        let read = readiness
            .and_then(|r| r.read.ready_tick())
            .filter(|_| interest.is_readable());
        let write = readiness
            .and_then(|r| r.write.ready_tick())
            .filter(|_| interest.is_writable());
        let mut ready = Ready::EMPTY;
        if read.is_some() {
            ready |= Ready::READABLE;
            if read_closed {
                ready |= Ready::READ_CLOSED;
            }
        }
        if write.is_some() {
            ready |= Ready::WRITABLE;
            if write_closed {
                ready |= Ready::WRITE_CLOSED;
            }
        }
        if interest.is_error() && error {
            ready |= Ready::ERROR;
        }
        Ok(Seen { ready, read, write })
    }
}

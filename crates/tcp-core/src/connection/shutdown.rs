//! Ending a connection from the application's side: half-close, close, abort.

use super::{Connection, Raise};
use crate::config::Config;
use crate::connection::timers::Timer;
use crate::error::Error;
use crate::state::State;
use crate::time::Instant;
use core::time::Duration;

impl Connection {
    /// Shuts down the sending side: a FIN follows the queued data; receiving goes on (C-3).
    /// `NotConnected` once the connection is over (CLOSED, or TIME_WAIT, where Linux has
    /// already closed the application's socket), as Linux's `inet_shutdown` says of a
    /// closed socket whether or not it failed (its error stays for the next read or write).
    pub(crate) fn shutdown_write(&mut self) -> Result<(), Error> {
        if matches!(self.state, State::Closed | State::Listen | State::TimeWait) {
            return Err(Error::NotConnected);
        }
        if self.snd.fin_queued {
            return Ok(());
        }
        match self.state {
            State::SynSent => self.snd.fin_queued = true,
            State::SynReceived => {
                self.snd.fin_queued = true;
                if self.snd.buf.len() == 0 {
                    self.set_state(State::FinWait1);
                }
            }
            State::Established => {
                self.snd.fin_queued = true;
                self.set_state(State::FinWait1);
            }
            State::CloseWait => {
                self.snd.fin_queued = true;
                self.set_state(State::LastAck);
            }
            State::Closed
            | State::Listen
            | State::TimeWait
            | State::FinWait1
            | State::FinWait2
            | State::Closing
            | State::LastAck => {}
        }
        Ok(())
    }

    /// The handshake completed: ESTABLISHED, or FIN_WAIT_1 if the application already shut
    /// down its sending side.
    pub(crate) fn become_established(&mut self) {
        let state = if self.snd.fin_queued {
            State::FinWait1
        } else {
            State::Established
        };
        self.set_state(state);
    }

    /// The application lets go of the connection. With unread data or a zero linger time
    /// this is an abort (RST, R-2); otherwise the stack finishes a graceful close alone.
    pub(crate) fn close(&mut self, now: Instant, config: &Config) {
        self.books.orphan();
        if self.state == State::Closed {
            return;
        }
        if self.options.linger == Some(Duration::ZERO) || self.rcv.buf.readable() > 0 {
            self.abort();
            return;
        }
        match self.state {
            State::SynSent => self.enter_closed(),
            State::SynReceived | State::Established | State::CloseWait => {
                let _ = self.shutdown_write();
            }
            State::FinWait2 => {
                let timeout = self
                    .options
                    .fin_wait2_timeout
                    .unwrap_or(config.fin_wait2_timeout);
                self.timing.timers.set(Timer::FinWait2, now + timeout);
            }
            _ => {}
        }
    }

    /// Aborts: a RST to the peer when it knows of us, all queued data discarded.
    pub(crate) fn abort(&mut self) {
        if matches!(
            self.state,
            State::SynReceived
                | State::Established
                | State::FinWait1
                | State::FinWait2
                | State::CloseWait
        ) {
            self.send_reset = true;
        }
        self.enter_closed();
        self.raise(Raise::Readable | Raise::Writable);
    }
}

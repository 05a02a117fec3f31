//! The drive loop: the one function that carries frames from the link through the network
//! layer into the engine, runs timers, carries the engine's output back to the link and
//! hands out events. The driver task runs it, and so does a user call that produced output
//! (see [`Shared::finish_call`]) when nobody else is running it: the same code either way.
//!
//! Locks: the I/O half ([`Io`]) is held by whoever runs the loop; the engine lock is taken
//! only around the engine's work and released before every system call.

use super::shard_io::{Io, Receiver};
use super::shared::Shared;
use core::task::{Context, Waker};
use std::io;
use tcp_core::Instant;

/// What one pass of the drive loop did.
#[derive(Debug)]
pub(crate) struct Pass {
    /// Frames arrived.
    pub(crate) received: bool,
    /// Frames handed to the link.
    pub(crate) sent: usize,
    /// The link would not take everything: the rest waits in `Io::tx` for the next pass.
    pub(crate) blocked: bool,
    /// The earliest engine or network-layer deadline after the pass.
    pub(crate) deadline: Option<Instant>,
    /// The deadline is earlier than the one the driver's timer is set for.
    pub(crate) deadline_moved_earlier: bool,
}

impl Shared {
    /// One pass: receive a batch when `receive` says so (waiting for it only when `who` is
    /// the driver), deliver it, run due timers, then produce and send until the engine has
    /// nothing more or the link is full, handing events to `woken`. An error is a fatal
    /// link failure.
    pub(crate) fn drive(
        &self,
        io: &mut Io,
        who: Receiver,
        receive: bool,
        cx: &mut Context<'_>,
        woken: &mut Vec<Waker>,
    ) -> io::Result<Pass> {
        let received = receive && io.receive(who, cx)?;
        let now = self.now();
        let mut pass = Pass {
            received,
            sent: 0,
            blocked: false,
            deadline: None,
            deadline_moved_earlier: false,
        };
        if !io.tx.is_empty() && io.send(cx).is_pending() {
            pass.blocked = true;
        }
        let mut inputs_pending = true;
        loop {
            let first = io.tx.len();
            let more = {
                let mut state = self.lock();
                if inputs_pending {
                    state.deliver_all(now, &io.rx);
                    state.run_timers(now);
                    inputs_pending = false;
                }
                let more = state.produce(now, &mut io.tx);
                state.dispatch_events(woken);
                let deadline = state.next_deadline();
                pass.deadline = deadline;
                match who {
                    Receiver::Driver => state.armed_deadline = deadline,
                    Receiver::Caller => {
                        pass.deadline_moved_earlier |= state.deadline_moved_earlier();
                    }
                }
                more
            };
            io.capture_tx(first);
            pass.sent += io.tx.len() - first;
            if pass.blocked || io.send(cx).is_pending() {
                pass.blocked = true;
                break;
            }
            if !more {
                break;
            }
        }
        io.rx.clear();
        Ok(pass)
    }
}

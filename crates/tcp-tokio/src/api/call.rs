//! The one way the user API touches an engine: lock the shard, refuse once its driver has
//! stopped on a link failure, run the call, and finish it (send what the engine produced, take
//! in what the link already holds, hand out events).

use crate::stack::shared::{Shared, StackState};
use core::task::Poll;
use std::io;

/// What a user call returns, so that [`Stack::call`] can fail it with the driver's error.
pub(crate) trait Outcome {
    /// The call's result when it could not run.
    fn failed(error: io::Error) -> Self;
}

impl<R> Outcome for io::Result<R> {
    fn failed(error: io::Error) -> Self {
        Err(error)
    }
}

impl<R> Outcome for Poll<io::Result<R>> {
    fn failed(error: io::Error) -> Self {
        Poll::Ready(Err(error))
    }
}

impl Shared {
    /// Runs `call` on the shard's state under its engine lock, then finishes it with
    /// `Shared::finish_call` whatever it returned, so what the call made the engine produce
    /// reaches the link and its events reach their tasks before this returns. Once the driver
    /// has stopped on a link failure, `call` does not run and the failure is returned.
    pub(crate) fn call<T: Outcome>(&self, call: impl FnOnce(&mut StackState) -> T) -> T {
        let mut state = self.lock();
        if let Err(error) = state.check_alive() {
            return T::failed(error);
        }
        let outcome = call(&mut state);
        self.finish_call(state);
        outcome
    }

    /// Reads the shard's state under its engine lock. Shared access only: what cannot
    /// change the engine needs no finishing, so getters cost no I/O.
    pub(crate) fn inspect<R>(&self, read: impl FnOnce(&StackState) -> R) -> R {
        read(&self.lock())
    }
}

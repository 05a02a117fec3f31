//! What tasks wait for on one connection, kept the way tokio's I/O driver keeps a socket's:
//! per direction, a readiness flag that the engine's events set and an operation that
//! returns `WouldBlock` clears, and the wakers of the tasks waiting for the next event.

use core::task::Waker;

/// One direction (reading or writing) of a connection.
#[derive(Debug, Default)]
pub(crate) struct Direction {
    /// An event came after the last `WouldBlock`: the next operation may make progress.
    ready: bool,
    /// Events so far, so that a `WouldBlock` from an operation run without the lock clears
    /// the flag only if no event came in between ([`Direction::clear_at`]).
    tick: u64,
    /// Tasks to wake on the next event; each task once.
    wakers: Vec<Waker>,
}

impl Direction {
    /// The event count while ready, `None` while not.
    pub(crate) fn ready_tick(&self) -> Option<u64> {
        self.ready.then_some(self.tick)
    }

    /// Wakes the task of `waker` on the next event (once, however often it registers).
    pub(crate) fn register(&mut self, waker: &Waker) {
        if !self.wakers.iter().any(|w| w.will_wake(waker)) {
            self.wakers.push(waker.clone());
        }
    }

    /// An operation returned `WouldBlock` under the stack's lock.
    pub(crate) fn clear(&mut self) {
        self.ready = false;
    }

    /// An operation that saw the direction ready at event count `tick` returned `WouldBlock`:
    /// clears the flag unless an event came since.
    pub(crate) fn clear_at(&mut self, tick: u64) {
        if self.tick == tick {
            self.ready = false;
        }
    }

    /// An event: sets the flag and moves the waiting tasks' wakers to `woken`.
    pub(crate) fn wake(&mut self, woken: &mut Vec<Waker>) {
        self.ready = true;
        self.tick = self.tick.wrapping_add(1);
        woken.append(&mut self.wakers);
    }
}

/// Both directions of one connection.
#[derive(Debug, Default)]
pub(crate) struct Readiness {
    /// Data, the peer's FIN or the connection's error to read.
    pub(crate) read: Direction,
    /// Room to write, or the connection's error (also: the handshake's end).
    pub(crate) write: Direction,
}

impl Readiness {
    /// The connection failed or left the engine: every waiter runs.
    pub(crate) fn wake_all(&mut self, woken: &mut Vec<Waker>) {
        self.read.wake(woken);
        self.write.wake(woken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn events_set_readiness_and_would_block_clears_it() {
        let mut direction = Direction::default();
        assert_eq!(direction.ready_tick(), None);
        direction.wake(&mut Vec::new());
        assert_eq!(direction.ready_tick(), Some(1));
        direction.clear();
        assert_eq!(direction.ready_tick(), None);
    }

    #[test]
    fn a_clear_after_a_newer_event_keeps_the_flag() {
        let mut direction = Direction::default();
        direction.wake(&mut Vec::new());
        let seen = direction.ready_tick().unwrap();
        direction.wake(&mut Vec::new());
        direction.clear_at(seen);
        assert!(
            direction.ready_tick().is_some(),
            "the newer event is not lost"
        );
        let now = direction.ready_tick().unwrap();
        direction.clear_at(now);
        assert_eq!(direction.ready_tick(), None);
    }

    #[test]
    fn each_task_is_woken_once_and_only_by_the_next_event() {
        let mut direction = Direction::default();
        let (first, first_waker) = waker();
        let (second, second_waker) = waker();
        direction.register(&first_waker);
        direction.register(&first_waker);
        direction.register(&second_waker);
        let mut woken = Vec::new();
        direction.wake(&mut woken);
        assert_eq!(woken.len(), 2);
        woken.into_iter().for_each(Waker::wake);
        assert_eq!(first.0.load(Ordering::SeqCst), 1);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
        let mut again = Vec::new();
        direction.wake(&mut again);
        assert!(again.is_empty(), "wakers are taken by the event they woke");
    }
}

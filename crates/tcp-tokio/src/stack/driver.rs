//! The driver task: runs the drive loop (see `drive.rs`) whenever frames arrive, a timer
//! fires or a user call kicks it, and sleeps on one timer in between.

use super::shard_io::Receiver;
use super::shared::Shared;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;
use tcp_core::Instant;
use tokio::time::Sleep;

/// Rounds the driver runs in one poll before it yields to the runtime's other tasks.
const ROUNDS_PER_POLL: usize = 16;

/// Runs until the last user handle is dropped or the link fails.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut driver = Driver {
        shared,
        timer: Box::pin(tokio::time::sleep_until(far_future())),
        timer_at: None,
        woken: Vec::new(),
    };
    poll_fn(|cx| driver.poll(cx)).await;
}

/// The driver's state between polls.
struct Driver {
    shared: Arc<Shared>,
    /// One timer, reset to the earliest engine deadline or link retry.
    timer: Pin<Box<Sleep>>,
    timer_at: Option<tokio::time::Instant>,
    woken: Vec<Waker>,
}

/// What one round found that means another round should follow at once.
#[derive(Debug, PartialEq, Eq)]
enum Round {
    /// Frames arrived, a timer fired or a user call kicked: run another round.
    Again,
    /// Several tasks were woken: let them run first (their output waits for the next
    /// round, so the replies of many connections leave in one batch), then run another
    /// round. One task alone sends its own output at once: nothing to batch it with, and
    /// a hop through the driver would only add to its latency.
    Yield,
    /// Nothing to do until the link, the timer or a user call wakes the task.
    Idle,
    /// The stack is stopping or its link failed.
    Stop,
}

impl Driver {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        for _ in 0..ROUNDS_PER_POLL {
            match self.round(cx) {
                Round::Again => {}
                Round::Yield => {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Round::Idle => return Poll::Pending,
                Round::Stop => return Poll::Ready(()),
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// One pass of the drive loop, then the timer.
    fn round(&mut self, cx: &mut Context<'_>) -> Round {
        let kicked = self.shared.driver_poll_kick(cx.waker());
        self.shared.set_dispatching(false);
        let stopping = self.shared.stopping();
        let mut io = self
            .shared
            .io
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let pass = match self
            .shared
            .drive(&mut io, Receiver::Driver, true, cx, &mut self.woken)
        {
            Ok(pass) => pass,
            Err(error) => {
                drop(io);
                self.shared.fail(&error);
                return Round::Stop;
            }
        };
        if stopping && !pass.blocked {
            io.flush_capture();
            return Round::Stop;
        }
        let link_down_until = io.link_down_until;
        drop(io);
        let fired = self.set_timer(pass.deadline, link_down_until, cx);
        if self.woken.len() > 1 {
            self.shared.set_dispatching(true);
            for waker in self.woken.drain(..) {
                waker.wake();
            }
            return Round::Yield;
        }
        for waker in self.woken.drain(..) {
            waker.wake();
        }
        if pass.received || fired || kicked {
            Round::Again
        } else {
            Round::Idle
        }
    }

    /// Points the timer at the earlier of `deadline` and the link retry; true when it has
    /// already fired (so another round is due now).
    fn set_timer(
        &mut self,
        deadline: Option<Instant>,
        link_down_until: Option<tokio::time::Instant>,
        cx: &mut Context<'_>,
    ) -> bool {
        let at = [deadline.map(|at| self.shared.to_tokio(at)), link_down_until]
            .into_iter()
            .flatten()
            .min();
        if at != self.timer_at {
            self.timer.as_mut().reset(at.unwrap_or_else(far_future));
            self.timer_at = at;
        }
        at.is_some() && self.timer.as_mut().poll(cx).is_ready()
    }
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400)
}

impl Shared {
    /// Records a fatal link error so every user call reports it, and wakes every waiter.
    fn fail(&self, error: &std::io::Error) {
        tracing::error!(%error, "link failed; stack stopped");
        let mut woken = Vec::new();
        {
            let mut state = self.lock();
            state.failure = Some((error.kind(), format!("stack link failed: {error}")));
            for readiness in state.readiness.values_mut() {
                readiness.wake_all(&mut woken);
            }
            woken.extend(state.accept_wakers.drain().map(|(_, w)| w));
        }
        for waker in woken {
            waker.wake();
        }
    }
}

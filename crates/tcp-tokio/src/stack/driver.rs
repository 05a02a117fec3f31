//! The driver task: receives frames, runs timers, sends what user calls could not, and
//! wakes tasks. User calls send their own output (see `Shared::finish_call`), so the
//! driver's work is what arrives from the wire and what the clock brings.

use super::shared::{Shared, StackState};
use crate::link::{BATCH, FrameBatch};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;
use tcp_core::Instant;
use tokio::time::Sleep;

/// How long the driver waits before receiving again from an interface that is down.
const LINK_DOWN_RETRY: Duration = Duration::from_millis(20);

/// Rounds the driver runs in one poll before it yields to the runtime's other tasks.
const ROUNDS_PER_POLL: usize = 16;

/// Runs until the last user handle is dropped or the link fails.
pub(crate) async fn run(shared: Arc<Shared>) {
    let slot_len = shared.lock().link.info().max_frame();
    let mut driver = Driver {
        shared,
        rx: FrameBatch::new(BATCH, slot_len),
        timer: Box::pin(tokio::time::sleep_until(far_future())),
        timer_at: None,
        link_down_until: None,
        woken: Vec::new(),
    };
    poll_fn(|cx| driver.poll(cx)).await;
}

/// The driver's state between polls.
struct Driver {
    shared: Arc<Shared>,
    rx: FrameBatch,
    /// One timer, reset to the earliest engine deadline or link retry.
    timer: Pin<Box<Sleep>>,
    timer_at: Option<tokio::time::Instant>,
    /// Set while the interface is down: receiving resumes at this instant.
    link_down_until: Option<tokio::time::Instant>,
    woken: Vec<Waker>,
}

/// What one round found that means another round should follow at once.
#[derive(Debug, PartialEq, Eq)]
enum Round {
    /// Frames arrived, a timer fired or a user call kicked: run another round.
    Again,
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
                Round::Idle => return Poll::Pending,
                Round::Stop => return Poll::Ready(()),
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Receives one batch, runs due timers, transmits, hands out events, and sets the timer.
    fn round(&mut self, cx: &mut Context<'_>) -> Round {
        let kicked = self.shared.driver_poll_kick(cx.waker());
        let stopping = self.shared.stopping();
        let mut state = self.shared.lock();
        let received = match receive(&mut self.rx, &mut self.link_down_until, &mut state, cx) {
            Ok(received) => received,
            Err(error) => {
                drop(state);
                self.shared.fail(&error);
                return Round::Stop;
            }
        };
        let now = self.shared.now();
        state.deliver_all(now, &self.rx);
        self.rx.clear();
        state.run_timers(now);
        let sent = state.transmit(now, cx).is_ready();
        state.dispatch_events(&mut self.woken);
        let deadline = state.next_deadline();
        state.armed_deadline = deadline;
        drop(state);
        for waker in self.woken.drain(..) {
            waker.wake();
        }
        if stopping && sent {
            if let Some(pcap) = self.shared.lock().pcap.as_mut() {
                pcap.flush();
            }
            return Round::Stop;
        }
        let fired = self.set_timer(deadline, cx);
        if received || fired || kicked {
            Round::Again
        } else {
            Round::Idle
        }
    }

    /// Points the timer at the earlier of `deadline` and the link retry; true when it has
    /// already fired (so another round is due now).
    fn set_timer(&mut self, deadline: Option<Instant>, cx: &mut Context<'_>) -> bool {
        let at = [
            deadline.map(|at| self.shared.to_tokio(at)),
            self.link_down_until,
        ]
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

/// Receives a batch into `rx` unless the link is down; true when frames arrived.
/// Errors are fatal link failures; an interface that went down pauses receiving.
fn receive(
    rx: &mut FrameBatch,
    link_down_until: &mut Option<tokio::time::Instant>,
    state: &mut StackState,
    cx: &mut Context<'_>,
) -> std::io::Result<bool> {
    if let Some(until) = *link_down_until {
        if tokio::time::Instant::now() < until {
            return Ok(false);
        }
        *link_down_until = None;
    }
    match state.link.poll_recv(cx, rx) {
        Poll::Ready(Ok(())) => Ok(true),
        Poll::Pending => Ok(false),
        Poll::Ready(Err(error)) if is_transient(&error) => {
            // The interface is down: connections live on (their timers keep running)
            // and receiving resumes once it is back up.
            tracing::warn!(%error, "link down; retrying");
            rx.clear();
            *link_down_until = Some(tokio::time::Instant::now() + LINK_DOWN_RETRY);
            Ok(false)
        }
        Poll::Ready(Err(error)) => Err(error),
    }
}

/// Errors an interface gives while it is down, which end when it comes back up.
fn is_transient(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::NetworkDown
            | std::io::ErrorKind::NetworkUnreachable
            | std::io::ErrorKind::Interrupted
    ) || error.raw_os_error() == Some(libc::ENXIO)
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

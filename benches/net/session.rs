//! The few facts a server and a client of one run share across threads: the server is
//! listening, how many connections it has accepted, the client is done. Waiting polls
//! every millisecond; it only ever happens around a measurement, never inside one.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::figures::STALL;

/// How often a waiting side looks again.
const POLL: Duration = Duration::from_millis(1);

/// Shared by the server and the client of one run.
#[derive(Debug, Default)]
pub(crate) struct Session {
    ready: AtomicBool,
    accepted: AtomicUsize,
    client_done: AtomicBool,
}

impl Session {
    /// The server calls this once it is listening.
    pub(crate) fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// True once the server is listening.
    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The server counts one more accepted connection.
    pub(crate) fn count_accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Release);
    }

    /// Blocks until the server has accepted `count` connections; fails after [`STALL`]
    /// without progress.
    pub(crate) fn wait_accepted(&self, count: usize) -> io::Result<()> {
        let mut seen = self.accepted.load(Ordering::Acquire);
        let mut since = Instant::now();
        while seen < count {
            thread::sleep(POLL);
            let now = self.accepted.load(Ordering::Acquire);
            if now != seen {
                (seen, since) = (now, Instant::now());
            } else if since.elapsed() > STALL {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("server accepted {seen} of {count} connections"),
                ));
            }
        }
        Ok(())
    }

    /// Marks the client as done; a server holding connections may let them go.
    pub(crate) fn finish_client(&self) {
        self.client_done.store(true, Ordering::Release);
    }

    /// True once the client is done.
    pub(crate) fn client_finished(&self) -> bool {
        self.client_done.load(Ordering::Acquire)
    }

    /// Blocks the calling thread until the client is done.
    pub(crate) fn wait_client(&self) {
        while !self.client_finished() {
            thread::sleep(POLL);
        }
    }

    /// Waits on a tokio runtime until the client is done.
    pub(crate) async fn wait_client_async(&self) {
        while !self.client_finished() {
            tokio::time::sleep(POLL).await;
        }
    }
}

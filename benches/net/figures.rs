//! What a run asks of a client and a server, what it gives back, and the statistics made
//! of it.

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use crate::procfs;
use crate::recovery::Recovery;

/// Bytes per `write` of a bulk sender and per `read` of a bulk receiver.
pub(crate) const CHUNK: usize = 256 * 1024;
/// Size of a request and of its response in the round-trip figure.
pub(crate) const MESSAGE: usize = 64;
/// Round trips before the measured ones, to settle windows, caches and the scheduler.
pub(crate) const WARMUP_ROUND_TRIPS: usize = 1_000;
/// Round trips measured.
pub(crate) const ROUND_TRIPS: usize = 20_000;
/// Idle connections held open for the memory figure.
pub(crate) const IDLE_CONNECTIONS: usize = 10_000;
/// How long any one step may wait for the peer before the run is declared stuck.
pub(crate) const STALL: Duration = Duration::from_secs(30);

/// One measurement's job. The client connects, the server accepts; data flows from the
/// client to the server.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work {
    /// `repeats` connections in turn, each sending for `duration`, then half-closing and
    /// waiting for the receiver's close; the server reads each to end-of-file and closes.
    Bulk { duration: Duration, repeats: usize },
    /// One connection with nodelay on both ends: [`WARMUP_ROUND_TRIPS`] then
    /// [`ROUND_TRIPS`] times, the client sends [`MESSAGE`] bytes and the server echoes them.
    RoundTrips,
}

impl Work {
    /// An upper bound on how long either side may take before the run counts as stuck.
    pub(crate) fn time_limit(self) -> Duration {
        match self {
            Work::Bulk { duration, repeats } => (duration + STALL) * repeats as u32,
            Work::RoundTrips => STALL * 4,
        }
    }
}

/// What a client measured.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// One transfer per bulk repeat.
    Transfers(Vec<Transfer>),
    /// One duration per measured round trip.
    RoundTrips(Vec<Duration>),
}

/// One bulk transfer: bytes delivered, wall time, and CPU time of the whole process (both
/// ends run in it) over the same interval; and what the sender did about loss, when it
/// counts that.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transfer {
    bytes: u64,
    elapsed: Duration,
    cpu_seconds: f64,
    recovery: Option<Recovery>,
}

impl Transfer {
    /// The transfer with its sender's loss-recovery counters over it.
    pub(crate) fn with_recovery(self, recovery: Recovery) -> Transfer {
        Transfer {
            recovery: Some(recovery),
            ..self
        }
    }

    /// The sender's loss-recovery counters over the transfer (not for smoltcp's sender).
    pub(crate) fn recovery(&self) -> Option<Recovery> {
        self.recovery
    }

    /// Throughput in Gbit/s.
    pub(crate) fn gbit_per_second(&self) -> f64 {
        self.bytes as f64 * 8.0 / self.elapsed.as_secs_f64() / 1e9
    }

    /// CPU seconds per 10^9 bytes.
    pub(crate) fn cpu_seconds_per_gb(&self) -> f64 {
        self.cpu_seconds / (self.bytes as f64 / 1e9)
    }
}

/// Wall clock and process CPU time since a start.
pub(crate) struct Meter {
    start: Instant,
    cpu: f64,
}

impl Meter {
    /// Starts measuring now.
    pub(crate) fn start() -> io::Result<Meter> {
        Ok(Meter {
            cpu: procfs::cpu_seconds()?,
            start: Instant::now(),
        })
    }

    /// Wall time since the start.
    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The transfer of `bytes` that ends now.
    pub(crate) fn finish(&self, bytes: u64) -> io::Result<Transfer> {
        let elapsed = self.start.elapsed();
        Ok(Transfer {
            bytes,
            elapsed,
            cpu_seconds: procfs::cpu_seconds()? - self.cpu,
            recovery: None,
        })
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub(crate) fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The `p`-th percentile (nearest rank) of `samples`, in microseconds.
pub(crate) fn percentile_micros(samples: &mut [Duration], p: f64) -> Option<f64> {
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    let index = rank.clamp(1, samples.len().max(1)) - 1;
    samples.get(index).map(|d| d.as_secs_f64() * 1e6)
}

/// `future`'s result, or `TimedOut` once `limit` has passed.
pub(crate) async fn within<T>(
    limit: Duration,
    future: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    tokio::time::timeout(limit, future).await.map_err(|_| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("not done within {limit:?}"),
        )
    })?
}

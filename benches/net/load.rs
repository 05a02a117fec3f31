//! The kernel-side load of the many-connection figures: tokio clients on `tokio::net`,
//! one task per connection or connector, the same against either server.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;

use crate::figures::{MESSAGE, STALL, within};
use crate::kernel_tokio;

/// Connections of the `rr64` figure, each driven by a task of its own.
pub(crate) const RR_CONNECTIONS: usize = 64;
/// Tasks opening connections concurrently in the `cps` figure.
pub(crate) const CONNECTORS: usize = 64;

/// Opens [`RR_CONNECTIONS`] connections to `addr` (nodelay on), then for `duration` each
/// sends a [`MESSAGE`]-byte request and waits for its echo, over and over. Returns the
/// round trips completed by all connections together per second, timed from when every
/// connection was open to when the last task ended.
pub(crate) async fn round_trips(addr: SocketAddr, duration: Duration) -> io::Result<f64> {
    let mut streams = Vec::with_capacity(RR_CONNECTIONS);
    for _ in 0..RR_CONNECTIONS {
        streams.push(within(STALL, kernel_tokio::connect(addr)).await?);
    }
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = JoinSet::new();
    for mut stream in streams {
        tasks.spawn(async move {
            let mut message = [0x5a; MESSAGE];
            let mut done = 0_u64;
            while Instant::now() < deadline {
                stream.write_all(&message).await?;
                stream.read_exact(&mut message).await?;
                done += 1;
            }
            io::Result::Ok(done)
        });
    }
    let total = within(duration + STALL, sum(tasks)).await?;
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// For `duration`, [`CONNECTORS`] tasks each open a connection to `addr`, send a
/// [`MESSAGE`]-byte request, read its echo and close, over and over. Returns the
/// connections completed per second. Every close leaves a TIME_WAIT socket on the client:
/// its namespace must let ports be reused ([`recycle_ports`](crate::many::recycle_ports)).
pub(crate) async fn connections(addr: SocketAddr, duration: Duration) -> io::Result<f64> {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = JoinSet::new();
    for _ in 0..CONNECTORS {
        tasks.spawn(async move {
            let mut message = [0x5a; MESSAGE];
            let mut done = 0_u64;
            while Instant::now() < deadline {
                let mut stream = kernel_tokio::connect(addr).await?;
                stream.write_all(&message).await?;
                stream.read_exact(&mut message).await?;
                done += 1;
            }
            io::Result::Ok(done)
        });
    }
    let total = within(duration + STALL, sum(tasks)).await?;
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// The sum of the tasks' counts, or the first error; a task's panic is resumed here.
async fn sum(mut tasks: JoinSet<io::Result<u64>>) -> io::Result<u64> {
    let mut total = 0;
    while let Some(joined) = tasks.join_next().await {
        total += joined.unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))?;
    }
    Ok(total)
}

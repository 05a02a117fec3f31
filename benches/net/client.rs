//! The client side of the round-trip figure, written once over any tokio stream so the
//! kernel's client (`tokio::net`) and this stack's run the same code.

use std::io;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::figures::{MESSAGE, ROUND_TRIPS, WARMUP_ROUND_TRIPS};

/// Times request/response exchanges of [`MESSAGE`] bytes on `stream` (nodelay already
/// on): [`WARMUP_ROUND_TRIPS`] unmeasured, then [`ROUND_TRIPS`] measured, one duration
/// each.
pub(crate) async fn round_trips<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
) -> io::Result<Vec<Duration>> {
    let mut message = [0x5a; MESSAGE];
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..WARMUP_ROUND_TRIPS + ROUND_TRIPS {
        let start = Instant::now();
        stream.write_all(&message).await?;
        stream.read_exact(&mut message).await?;
        if i >= WARMUP_ROUND_TRIPS {
            samples.push(start.elapsed());
        }
    }
    Ok(samples)
}

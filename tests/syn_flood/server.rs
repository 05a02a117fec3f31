//! The server on the stack: accepts, reads one byte, writes it back, closes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tcp_tokio::TcpListener;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// Longest an accepted connection may wait for its byte before the server gives up on it.
const PATIENCE: Duration = Duration::from_secs(15);

/// What the server did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Report {
    pub(crate) accepted: u64,
    pub(crate) echoed: u64,
    pub(crate) failed: u64,
    pub(crate) accept_errors: u64,
}

/// Serves `listener` until `stop` fires (or its sender is dropped), then gives the
/// connections in progress a moment and aborts the rest.
pub(crate) async fn serve(listener: TcpListener, mut stop: oneshot::Receiver<()>) -> Report {
    let echoed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut report = Report::default();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((mut stream, _peer)) => {
                    report.accepted += 1;
                    let (echoed, failed) = (echoed.clone(), failed.clone());
                    connections.spawn(async move {
                        let echo = async {
                            let mut byte = [0u8; 1];
                            stream.read_exact(&mut byte).await?;
                            stream.write_all(&byte).await?;
                            stream.shutdown().await
                        };
                        match tokio::time::timeout(PATIENCE, echo).await {
                            Ok(Ok(())) => echoed.fetch_add(1, Ordering::Relaxed),
                            _ => failed.fetch_add(1, Ordering::Relaxed),
                        };
                    });
                }
                Err(_) => report.accept_errors += 1,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    connections.shutdown().await;
    report.echoed = echoed.load(Ordering::Relaxed);
    report.failed = failed.load(Ordering::Relaxed);
    report
}

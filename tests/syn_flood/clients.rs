//! The real clients: kernel TCP connections to the stack, a fixed number at a time, each
//! sending one byte and waiting for it to come back within a time limit.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::timeout;

/// How many connections to make and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) server: SocketAddr,
    pub(crate) total: usize,
    pub(crate) concurrency: usize,
    /// Longest one connection (connect, send, receive) may take to count as a success.
    pub(crate) per_connection: Duration,
    /// No connection starts after this; those left count as not started.
    pub(crate) deadline: Instant,
}

/// One finished connection attempt.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// When it finished.
    pub(crate) finished: Instant,
    /// How long it took.
    pub(crate) took: Duration,
    /// The client's port, once the kernel picked it.
    pub(crate) local_port: Option<u16>,
    /// `None` on success, else why it failed.
    pub(crate) failure: Option<String>,
}

/// What the clients saw.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) not_started: usize,
    pub(crate) elapsed: Duration,
}

impl Report {
    pub(crate) fn succeeded(&self) -> usize {
        self.attempts.iter().filter(|a| a.failure.is_none()).count()
    }

    /// Successes that finished no later than `instant`.
    pub(crate) fn succeeded_by(&self, instant: Instant) -> usize {
        self.attempts
            .iter()
            .filter(|a| a.failure.is_none() && a.finished <= instant)
            .count()
    }

    /// Successes that took longer than `limit`.
    pub(crate) fn slower_than(&self, limit: Duration) -> usize {
        self.attempts
            .iter()
            .filter(|a| a.failure.is_none() && a.took > limit)
            .count()
    }

    /// Client ports used by more than one attempt.
    pub(crate) fn reused_ports(&self) -> usize {
        let mut ports: Vec<u16> = self.attempts.iter().filter_map(|a| a.local_port).collect();
        let all = ports.len();
        ports.sort_unstable();
        ports.dedup();
        all - ports.len()
    }

    /// The client ports of failed connections.
    pub(crate) fn failed_ports(&self) -> Vec<u16> {
        self.attempts
            .iter()
            .filter(|a| a.failure.is_some())
            .filter_map(|a| a.local_port)
            .collect()
    }

    /// Failures grouped by reason.
    pub(crate) fn failures(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for failure in self.attempts.iter().filter_map(|a| a.failure.clone()) {
            *out.entry(failure).or_insert(0) += 1;
        }
        out
    }

    /// The `q` quantile (0..=1) of successful connections' durations.
    pub(crate) fn latency(&self, q: f64) -> Duration {
        let mut took: Vec<Duration> = self
            .attempts
            .iter()
            .filter(|a| a.failure.is_none())
            .map(|a| a.took)
            .collect();
        if took.is_empty() {
            return Duration::ZERO;
        }
        took.sort_unstable();
        let index = ((took.len() - 1) as f64 * q).round() as usize;
        took[index]
    }
}

/// Runs `plan` from the calling thread, whose network namespace the sockets are made in
/// (a current-thread runtime keeps every socket on this thread).
pub(crate) fn run(plan: Plan) -> io::Result<Report> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = JoinSet::new();
        for _ in 0..plan.concurrency {
            let next = next.clone();
            workers.spawn(async move {
                let mut attempts = Vec::new();
                let mut not_started = 0;
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= plan.total {
                        break;
                    }
                    if Instant::now() >= plan.deadline {
                        not_started += 1;
                        continue;
                    }
                    let begin = Instant::now();
                    let mut progress = Progress::default();
                    let outcome =
                        timeout(plan.per_connection, one(plan.server, index, &mut progress)).await;
                    let failure = match outcome {
                        Ok(Ok(())) => None,
                        Ok(Err(error)) => Some(error),
                        Err(_) => Some(format!(
                            "no round trip within {:?}: stuck in {}",
                            plan.per_connection, progress.stage
                        )),
                    };
                    let finished = Instant::now();
                    attempts.push(Attempt {
                        finished,
                        took: finished - begin,
                        local_port: progress.local_port,
                        failure,
                    });
                }
                (attempts, not_started)
            });
        }
        let mut report = Report {
            attempts: Vec::with_capacity(plan.total),
            not_started: 0,
            elapsed: Duration::ZERO,
        };
        while let Some(joined) = workers.join_next().await {
            let (attempts, not_started) = joined.map_err(io::Error::other)?;
            report.attempts.extend(attempts);
            report.not_started += not_started;
        }
        report.elapsed = started.elapsed();
        Ok(report)
    })
}

/// `TcpStream::connect`, noting the local port the kernel picked as soon as it picked it
/// (before the handshake), so a connection stuck in SYN-SENT can be found in a capture.
async fn connect(server: SocketAddr, progress: &mut Progress) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&server.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    progress.local_port = socket.local_addr()?.as_socket().map(|addr| addr.port());
    let stream = TcpStream::from_std(socket.into())?;
    stream.writable().await?;
    match stream.take_error()? {
        Some(error) => Err(error),
        None => Ok(stream),
    }
}

/// How far one connection got, for the report when it times out.
#[derive(Debug, Default)]
struct Progress {
    stage: &'static str,
    local_port: Option<u16>,
}

/// One connection: connect, send one byte, read it back.
async fn one(server: SocketAddr, index: usize, progress: &mut Progress) -> Result<(), String> {
    progress.stage = "connect (no SYN-ACK)";
    let mut stream = connect(server, progress)
        .await
        .map_err(|e| format!("connect: {}", e.kind()))?;
    progress.stage = "write";
    let byte = [index as u8];
    stream
        .write_all(&byte)
        .await
        .map_err(|e| format!("write: {}", e.kind()))?;
    progress.stage = "read (byte sent, no echo)";
    let mut back = [0u8; 1];
    stream
        .read_exact(&mut back)
        .await
        .map_err(|e| format!("read: {}", e.kind()))?;
    if back != byte {
        return Err(format!("echoed {} for {}", back[0], byte[0]));
    }
    Ok(())
}

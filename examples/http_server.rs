//! An axum app served by this stack, fetched by `curl` over the Linux kernel's TCP.
//!
//! With no arguments (as root, with `curl` installed) the example builds two network
//! namespaces joined by a veth pair. In one, this stack serves an axum `Router` from
//! `tcp_tokio::net::TcpListener`: the only change from the same program on tokio is that
//! import, plus tcp-tokio's `axum` feature. In the other, `curl` on the kernel fetches `/`
//! and then `/blob`, 100 MiB whose SHA-256 the example checks against what it served. It
//! prints which side is which, what was fetched and the throughput, and removes the
//! namespaces.
//!
//! `cargo test --example http_server` runs the same as a test.

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::future::IntoFuture;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::Stack;
use tcp_tokio::net::TcpListener; // on tokio: use tokio::net::TcpListener;
use tokio::sync::oneshot;

const PORT: u16 = 80;
const HELLO: &str = "hello from axum on tcp-tokio\n";
const BLOB_BYTES: usize = 100 << 20;
/// The longest `curl` may take for the blob; `curl --max-time` enforces it.
const CURL_LIMIT: Duration = Duration::from_secs(120);
/// The longest the server may take to start.
const PATIENCE: Duration = Duration::from_secs(10);
const USAGE: &str = "usage: http_server (no arguments; needs root, ip and curl)";

/// What one run did.
struct Summary {
    server: SocketAddr,
    client: Ipv4Addr,
    stack_ns: String,
    kernel_ns: String,
    hello: String,
    blob_bytes: usize,
    elapsed: Duration,
    sha256: String,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if !args.is_empty() {
        eprintln!("http_server: no arguments expected\n{USAGE}");
        return ExitCode::FAILURE;
    }
    if !netns::require("http_server") {
        eprintln!("http_server: needs root and network namespaces");
        return ExitCode::FAILURE;
    }
    match run() {
        Ok(summary) => {
            print_summary(&summary);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("http_server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_summary(s: &Summary) {
    let seconds = s.elapsed.as_secs_f64();
    println!("http_server: ok");
    println!(
        "  this stack    axum on tcp_tokio::net::TcpListener, {} (namespace {})",
        s.server, s.stack_ns
    );
    println!(
        "  Linux kernel  curl from {} (namespace {})",
        s.client, s.kernel_ns
    );
    println!("  GET /         {:?}", s.hello);
    println!(
        "  GET /blob     {} bytes in {seconds:.3} s = {:.1} MB/s (stack -> kernel)",
        s.blob_bytes,
        s.blob_bytes as f64 / seconds / 1e6
    );
    println!("  SHA-256       {} (served and received match)", s.sha256);
}

/// Serves from this stack in one namespace while `curl` fetches from the other.
fn run() -> Result<Summary, String> {
    let topology = Topology::new("httpsrv").map_err(|e| format!("building namespaces: {e}"))?;
    let server = SocketAddr::from((topology.stack_addr(), PORT));
    let blob = pattern(BLOB_BYTES);
    let sha256 = hex(&Sha256::digest(&blob));
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel();
    std::thread::scope(|scope| {
        let serving = scope.spawn(|| {
            topology
                .in_stack_ns(|| serve(&topology, blob, ready_tx, stop_rx))
                .map_err(|e| format!("stack namespace: {e}"))?
        });
        let fetched = match ready_rx.recv_timeout(PATIENCE) {
            Ok(()) => fetch(&topology, server),
            Err(_) => Err(format!("the server did not start within {PATIENCE:?}")),
        };
        let _ = stop_tx.send(());
        let served = serving
            .join()
            .map_err(|_| "the server thread panicked".to_string())?;
        let summary = fetched?;
        served?;
        if summary.hello != HELLO {
            return Err(format!("GET / returned {:?}, not {HELLO:?}", summary.hello));
        }
        if summary.blob_bytes != BLOB_BYTES || summary.sha256 != sha256 {
            return Err(format!(
                "GET /blob returned {} bytes with SHA-256 {}; served {BLOB_BYTES} with {sha256}",
                summary.blob_bytes, summary.sha256
            ));
        }
        Ok(summary)
    })
}

/// The axum app on this stack: starts the stack, makes it the default, serves `/` and
/// `/blob` until `stop`, then shuts down gracefully.
fn serve(
    topology: &Topology,
    blob: Bytes,
    ready: mpsc::Sender<()>,
    stop: oneshot::Receiver<()>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
        Stack::builder()
            .interface(topology.stack_if())
            .ipv4(cidr)
            .build()
            .await
            .map_err(|e| format!("starting the stack: {e}"))?
            .make_default();
        let app = Router::new()
            .route("/", get(|| async { HELLO }))
            .route("/blob", get(move || async move { blob }));
        let listener = TcpListener::bind(("0.0.0.0", PORT))
            .await
            .map_err(|e| format!("bind: {e}"))?;
        let _ = ready.send(());
        let serving = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stop.await;
        });
        // Both fetches are bounded by curl's limit; this bounds the whole run.
        let limit = 2 * CURL_LIMIT + PATIENCE;
        match tokio::time::timeout(limit, serving.into_future()).await {
            Ok(served) => served.map_err(|e| format!("serve: {e}")),
            Err(_) => Err(format!("the server was still serving after {limit:?}")),
        }
    })
}

/// `curl` in the kernel's namespace: the text of `/`, then `/blob`'s length, time and
/// SHA-256.
fn fetch(topology: &Topology, server: SocketAddr) -> Result<Summary, String> {
    let hello = curl(topology, &format!("http://{server}/"), |body| {
        let mut text = String::new();
        body.read_to_string(&mut text).map(|_| text)
    })?;
    let start = Instant::now();
    let (bytes, sha256) = curl(topology, &format!("http://{server}/blob"), |body| {
        let mut hasher = Sha256::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let mut bytes = 0;
        loop {
            match body.read(&mut chunk)? {
                0 => return Ok((bytes, hex(&hasher.finalize()))),
                n => {
                    hasher.update(&chunk[..n]);
                    bytes += n;
                }
            }
        }
    })?;
    Ok(Summary {
        server,
        client: topology.kernel_addr(),
        stack_ns: topology.stack_ns().name().to_string(),
        kernel_ns: topology.kernel_ns().name().to_string(),
        hello,
        blob_bytes: bytes,
        elapsed: start.elapsed(),
        sha256,
    })
}

/// Runs `curl url` in the kernel's namespace and hands its output to `read` as it arrives;
/// fails when curl does, HTTP errors included.
fn curl<T>(
    topology: &Topology,
    url: &str,
    read: impl FnOnce(&mut dyn Read) -> std::io::Result<T>,
) -> Result<T, String> {
    let limit = CURL_LIMIT.as_secs().to_string();
    // A child process starts in the network namespace of the thread that spawns it.
    let mut child = topology
        .in_kernel_ns(|| {
            Command::new("curl")
                .args([
                    "--silent",
                    "--show-error",
                    "--fail",
                    "--max-time",
                    &limit,
                    url,
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        })
        .map_err(|e| format!("kernel namespace: {e}"))?
        .map_err(|e| format!("running curl (apt-get install curl): {e}"))?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let read = read(&mut stdout);
    drop(stdout);
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for curl: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "curl {url}: {} {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    read.map_err(|e| format!("reading curl's output: {e}"))
}

/// `len` reproducible pseudo-random bytes (xorshift64).
fn pattern(len: usize) -> Bytes {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example as CI runs it: curl on the kernel gets `/` and the whole blob, intact.
    #[test]
    fn curl_on_the_kernel_fetches_from_axum_on_the_stack() {
        if !netns::require("http_server") {
            return;
        }
        let summary = run().unwrap_or_else(|message| panic!("http_server: {message}"));
        print_summary(&summary);
        assert_eq!(summary.hello, HELLO);
        assert_eq!(summary.blob_bytes, BLOB_BYTES);
        assert_eq!(summary.sha256, hex(&Sha256::digest(pattern(BLOB_BYTES))));
    }
}

//! hyper's client on this stack, fetching from a server on the Linux kernel's TCP.
//!
//! With no arguments (as root) the example builds two network namespaces joined by a veth
//! pair. In one, the kernel's TCP serves an axum app from `tokio::net::TcpListener`. In the
//! other, this stack runs hyper-util's legacy `Client` with `tcp_tokio::HttpConnector` in
//! place of hyper-util's `HttpConnector`: the only change from the same program on tokio,
//! plus tcp-tokio's `hyper` feature. The client fetches `/` and then `/blob`, 100 MiB whose
//! SHA-256 it checks against what the server sent, over one kept-alive connection. The
//! example prints which side is which, what was fetched and the throughput, and removes the
//! namespaces.
//!
//! `cargo test --example http_client` runs the same as a test.

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::{HttpConnector, Stack}; // on tokio: hyper_util's HttpConnector

const PORT: u16 = 80;
const HELLO: &str = "hello from axum on the Linux kernel\n";
const BLOB_BYTES: usize = 100 << 20;
/// The longest one request may take, its whole body included.
const REQUEST_LIMIT: Duration = Duration::from_secs(120);
const USAGE: &str = "usage: http_client (no arguments; needs root and ip)";

/// What one run did.
struct Summary {
    client: SocketAddr,
    server: SocketAddr,
    stack_ns: String,
    kernel_ns: String,
    hello: String,
    blob_bytes: usize,
    elapsed: Duration,
    sha256: String,
    /// Connections from this stack to the server after both requests.
    connections: usize,
}

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if !args.is_empty() {
        eprintln!("http_client: no arguments expected\n{USAGE}");
        return ExitCode::FAILURE;
    }
    if !netns::require("http_client") {
        eprintln!("http_client: needs root and network namespaces");
        return ExitCode::FAILURE;
    }
    match run() {
        Ok(summary) => {
            print_summary(&summary);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("http_client: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_summary(s: &Summary) {
    let seconds = s.elapsed.as_secs_f64();
    println!("http_client: ok");
    println!(
        "  this stack    hyper-util Client with tcp_tokio::HttpConnector, {} (namespace {})",
        s.client, s.stack_ns
    );
    println!(
        "  Linux kernel  axum on tokio::net::TcpListener, {} (namespace {})",
        s.server, s.kernel_ns
    );
    println!("  GET /         {:?}", s.hello);
    println!(
        "  GET /blob     {} bytes in {seconds:.3} s = {:.1} MB/s (kernel -> stack)",
        s.blob_bytes,
        s.blob_bytes as f64 / seconds / 1e6
    );
    println!("  SHA-256       {} (sent and received match)", s.sha256);
    println!(
        "  connections   {} open to the server (the client's pool keeps them alive)",
        s.connections
    );
}

/// The kernel serves in one namespace while this stack's client fetches from the other.
fn run() -> Result<Summary, String> {
    let topology = Topology::new("httpcli").map_err(|e| format!("building namespaces: {e}"))?;
    let server = SocketAddr::from((topology.kernel_addr(), PORT));
    let kernel_listener = topology
        .in_kernel_ns(|| std::net::TcpListener::bind(server))
        .map_err(|e| format!("kernel namespace: {e}"))?
        .map_err(|e| format!("kernel bind: {e}"))?;
    kernel_listener
        .set_nonblocking(true)
        .map_err(|e| format!("kernel listener: {e}"))?;
    let blob = pattern(BLOB_BYTES);
    let sha256 = hex(&Sha256::digest(&blob));
    // The runtime's threads start in the stack's namespace; the kernel's listener stays in
    // the kernel's, where it was made.
    let summary = topology
        .in_stack_ns(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| format!("tokio runtime: {e}"))?;
            runtime.block_on(async {
                let kernel_listener = tokio::net::TcpListener::from_std(kernel_listener)
                    .map_err(|e| format!("kernel listener: {e}"))?;
                let app = Router::new()
                    .route("/", get(|| async { HELLO }))
                    .route("/blob", get(move || async move { blob }));
                let serving = tokio::spawn(axum::serve(kernel_listener, app).into_future());
                let fetched = fetch_on_stack(&topology, server).await;
                serving.abort();
                fetched
            })
        })
        .map_err(|e| format!("stack namespace: {e}"))??;
    if summary.hello != HELLO {
        return Err(format!("GET / returned {:?}, not {HELLO:?}", summary.hello));
    }
    if summary.blob_bytes != BLOB_BYTES || summary.sha256 != sha256 {
        return Err(format!(
            "GET /blob returned {} bytes with SHA-256 {}; the server sent {BLOB_BYTES} with {sha256}",
            summary.blob_bytes, summary.sha256
        ));
    }
    Ok(summary)
}

/// Starts this stack, then fetches `/` and `/blob` from `server` with hyper's client on it.
async fn fetch_on_stack(topology: &Topology, server: SocketAddr) -> Result<Summary, String> {
    let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
    let stack = Stack::builder()
        .interface(topology.stack_if())
        .ipv4(cidr)
        .build()
        .await
        .map_err(|e| format!("starting the stack: {e}"))?;
    stack.make_default();
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let mut text = Vec::new();
    fetch(&client, &format!("http://{server}/"), |chunk| {
        text.extend_from_slice(chunk)
    })
    .await?;
    let hello = String::from_utf8(text).map_err(|_| "GET / returned non-UTF-8 text")?;
    let start = Instant::now();
    let mut hasher = Sha256::new();
    let mut bytes = 0;
    fetch(&client, &format!("http://{server}/blob"), |chunk| {
        hasher.update(chunk);
        bytes += chunk.len();
    })
    .await?;
    let elapsed = start.elapsed();
    let sha256 = hex(&hasher.finalize());
    let connections: Vec<SocketAddr> = stack
        .sockets()
        .into_iter()
        .filter(|info| info.remote == server)
        .map(|info| info.local)
        .collect();
    let client = *connections
        .first()
        .ok_or("no connection to the server is left open")?;
    Ok(Summary {
        client,
        server,
        stack_ns: topology.stack_ns().name().to_string(),
        kernel_ns: topology.kernel_ns().name().to_string(),
        hello,
        blob_bytes: bytes,
        elapsed,
        sha256,
        connections: connections.len(),
    })
}

/// GETs `uri` and hands each piece of the body to `consume` as it arrives; fails unless
/// the status is 200, or after `REQUEST_LIMIT`.
async fn fetch(client: &HttpClient, uri: &str, consume: impl FnMut(&[u8])) -> Result<(), String> {
    within(uri, async {
        let response = client
            .get(uri.parse().map_err(|e| format!("{uri}: {e}"))?)
            .await
            .map_err(|e| format!("GET {uri}: {e:?}"))?;
        if response.status() != 200 {
            return Err(format!("GET {uri}: {}", response.status()));
        }
        let mut consume = consume;
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| format!("GET {uri} body: {e}"))?;
            if let Some(chunk) = frame.data_ref() {
                consume(chunk);
            }
        }
        Ok(())
    })
    .await
}

/// `future`'s output, or an error naming `what` after `REQUEST_LIMIT`.
async fn within<T>(
    what: &str,
    future: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(REQUEST_LIMIT, future)
        .await
        .unwrap_or_else(|_| Err(format!("{what}: not done within {REQUEST_LIMIT:?}")))
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

    /// The example as CI runs it: hyper on the stack gets `/` and the whole blob, intact.
    #[test]
    fn hyper_on_the_stack_fetches_from_axum_on_the_kernel() {
        if !netns::require("http_client") {
            return;
        }
        let summary = run().unwrap_or_else(|message| panic!("http_client: {message}"));
        print_summary(&summary);
        assert_eq!(summary.hello, HELLO);
        assert_eq!(summary.blob_bytes, BLOB_BYTES);
        assert_eq!(summary.sha256, hex(&Sha256::digest(pattern(BLOB_BYTES))));
        // Not asserted: that both requests shared one connection. hyper-util's pool takes
        // a connection back only once its task has seen the response end, so a request made
        // right after it may open a second one (seen once in CI).
    }
}

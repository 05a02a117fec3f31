//! The `http` figure's load: `wrk` (the Debian package of that name), run in the client
//! namespace with `ip netns exec`, and the two numbers read from what it prints.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tcp_stack::netns::Netns;

/// wrk's threads.
pub(crate) const THREADS: usize = 2;
/// wrk's connections, kept open across requests (HTTP/1.1 keep-alive).
pub(crate) const CONNECTIONS: usize = 50;

/// Said once, on stderr and in the report, when `wrk` is missing.
pub(crate) const MISSING: &str = "http skipped: wrk is not on PATH (Debian: apt-get install wrk)";

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    /// Completed requests per second.
    pub(crate) requests_per_second: f64,
    /// The median request latency, in milliseconds.
    pub(crate) p50_ms: f64,
}

/// True when a `wrk` program is on `PATH`.
pub(crate) fn installed() -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| Path::new(&dir).join("wrk").is_file())
    })
}

/// Runs `wrk -t2 -c50 -d<duration> --latency http://<addr>/` in `ns`. Fails when wrk
/// fails, reports socket errors or non-2xx answers, or prints something unexpected.
pub(crate) fn run(ns: &Netns, addr: SocketAddr, duration: Duration) -> io::Result<Run> {
    let output = ns.exec(
        "wrk",
        &[
            &format!("-t{THREADS}"),
            &format!("-c{CONNECTIONS}"),
            &format!("-d{}s", duration.as_secs().max(1)),
            "--latency",
            &format!("http://{addr}/"),
        ],
    )?;
    parse(&String::from_utf8_lossy(&output.stdout))
}

/// Reads `Requests/sec:` and the `50%` line of the latency distribution.
fn parse(text: &str) -> io::Result<Run> {
    let unexpected = || io::Error::other(format!("unexpected wrk output:\n{text}"));
    if let Some(line) = text.lines().find(|line| {
        let line = line.trim_start();
        line.starts_with("Socket errors") || line.starts_with("Non-2xx")
    }) {
        return Err(io::Error::other(format!("wrk: {}", line.trim())));
    }
    let requests_per_second = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(unexpected)?;
    let p50_ms = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("50%"))
        .and_then(|value| milliseconds(value.trim()))
        .ok_or_else(unexpected)?;
    Ok(Run {
        requests_per_second,
        p50_ms,
    })
}

/// A wrk duration (`635.00us`, `1.23ms`, `2.00s`) in milliseconds.
fn milliseconds(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 60e3,
        _ => return None,
    };
    Some(number * scale)
}

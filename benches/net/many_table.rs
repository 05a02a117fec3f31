//! The report's section on the many-connection figures: per quantity the value on
//! `tokio::net`, on this stack, and their ratio; then how the figures were taken.

use std::fmt::Write;

use crate::load::{CONNECTORS, RR_CONNECTIONS};
use crate::many::Measured;
use crate::options::Options;
use crate::table::{Cell, cell};
use crate::wrk;

/// The whole section, from its heading to its notes.
pub(crate) fn section(options: &Options, measured: &Measured) -> String {
    let mut out = String::from(
        "\n## Many connections: the same tokio server on tokio::net and on this stack\n\n",
    );
    let _ = writeln!(
        out,
        "1-minute load average at the start of this table: {}. {} s per run × {} repeats \
         per server (median). Shards of this stack's server: {} (`--shards`).\n",
        measured.load_average,
        options.bulk_duration.as_secs(),
        options.repeats,
        options.shards,
    );
    out.push_str("| figure | tokio::net | this stack | this stack / tokio::net |\n");
    out.push_str("|---|---:|---:|---:|\n");
    for line in &measured.lines {
        let decimals = line.quantity.decimals;
        let ratio = match (line.kernel, line.stack) {
            (Cell::Value(kernel), Cell::Value(stack)) if kernel != 0.0 => {
                format!("×{:.2}", stack / kernel)
            }
            _ => "–".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {ratio} |",
            line.quantity.name,
            cell(line.kernel, None, decimals),
            cell(line.stack, None, decimals),
        );
    }
    let _ = write!(
        out,
        "
- One server program (`benches/net/server.rs`: an accept loop, a spawned task per
  connection, nodelay on) runs on a multi-threaded tokio runtime with the default worker
  count, in the server namespace: once on `tokio::net` (the kernel's TCP, the veth end
  given the stack's address), once on this stack (`tcp_tokio`, `Config::default()`, its
  default packet socket) on the other end of the same kind of veth, offloads off. The
  load is the same for both, in the other namespace: kernel-side tokio clients
  (`benches/net/load.rs`) on a runtime of their own in this same process, or wrk.
- rr64: {RR_CONNECTIONS} connections opened first, then each, in a task of its own,
  sends a 64-byte request and waits for its 64-byte echo, over and over, for the
  duration; round trips of all connections together per second.
- http: a hand-written HTTP/1.1 server (`benches/net/http.rs`: request line and headers
  up to the blank line, a fixed `200 OK` with a 13-byte body, keep-alive) under
  `wrk -t{} -c{} -d<duration> --latency` run in the client namespace (`ip netns exec`);
  wrk's requests per second and its median latency. Above 1 the latency ratio means this
  stack answers more slowly.
- cps: {CONNECTORS} tasks each connect, send 64 bytes, read the echo and close, over and
  over, for the duration; connections completed per second. The client closes first, so
  its ports go to TIME_WAIT: its namespace has ports 1024-65535 and `tcp_tw_reuse = 1`
  (a port is reused a second after its close), else `connect`'s search for a free port
  slows it down more the longer the run.
",
        wrk::THREADS,
        wrk::CONNECTIONS,
    );
    if let Some(skipped) = measured.skipped {
        let _ = writeln!(out, "- {skipped}.");
    }
    out
}

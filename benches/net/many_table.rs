//! The report's section on the many-connection figures: per quantity the value on
//! `tokio::net`, on this stack, and their ratio; then how the figures were taken.

use std::fmt::Write;

use crate::load::{CONNECTORS, RR_CONNECTIONS};
use crate::many::Measured;
use crate::options::Options;
use crate::table::{Cell, cell};
use crate::wrk;

/// `value / base` as `×r.rr`, or a dash when either is missing.
fn ratio(value: Cell, base: Cell) -> String {
    match (value, base) {
        (Cell::Value(value), Cell::Value(base)) if base != 0.0 => format!("×{:.2}", value / base),
        _ => "–".to_string(),
    }
}

/// The whole section, from its heading to its notes.
pub(crate) fn section(options: &Options, measured: &Measured) -> String {
    let mut out = String::from(
        "\n## Many connections: the same tokio server on tokio::net and on this stack\n\n",
    );
    let _ = writeln!(
        out,
        "1-minute load average at the start of this table: {}. {} s per run × {} repeats \
         per server (median).\n",
        measured.load_average,
        options.bulk_duration.as_secs(),
        options.repeats,
    );
    out.push_str("| figure | tokio::net |");
    for shards in &options.shards {
        let _ = write!(out, " this stack, {shards} shard(s) | × tokio::net |");
    }
    if options.shards.len() > 1 {
        let _ = write!(
            out,
            " {} shards / {} |",
            options.shards[0],
            options.shards[options.shards.len() - 1]
        );
    }
    out.push_str("\n|---|---:|");
    for _ in &options.shards {
        out.push_str("---:|---:|");
    }
    if options.shards.len() > 1 {
        out.push_str("---:|");
    }
    out.push('\n');
    for line in &measured.lines {
        let decimals = line.quantity.decimals;
        let _ = write!(
            out,
            "| {} | {} |",
            line.quantity.name,
            cell(line.kernel, None, decimals)
        );
        for &stack in &line.stack {
            let _ = write!(
                out,
                " {} | {} |",
                cell(stack, None, decimals),
                ratio(stack, line.kernel)
            );
        }
        if let (Some(&first), Some(&last)) = (line.stack.first(), line.stack.last())
            && line.stack.len() > 1
        {
            let _ = write!(out, " {} |", ratio(first, last));
        }
        out.push('\n');
    }
    let _ = write!(
        out,
        "
- One server program (`benches/net/server.rs`: an accept loop, a spawned task per
  connection, nodelay on) runs on a multi-threaded tokio runtime with the default worker
  count, in the server namespace: once on `tokio::net` (the kernel's TCP, the veth end
  given the stack's address), once on this stack per shard count of `--shards`
  (`tcp_tokio`, `Config::default()`, its default packet socket) on the other end of the same kind of veth, offloads off. The
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

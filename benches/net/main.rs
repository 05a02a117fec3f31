//! Side-by-side network benchmark: kernel -> kernel with
//! offloads off and on, this stack -> kernel, kernel -> this stack and smoltcp -> kernel
//! over the same kind of veth, in one run on one machine. Bulk throughput, 64-byte round
//! trips, memory per idle connection and CPU per GB; printed as a markdown table with each
//! figure's ratio to kernel -> kernel (offloads off), and written to
//! `target/bench-net.md`. A second table has bulk through 0.1 to 10 % loss each way, this
//! stack's rows against kernel -> kernel through the same loss, with each sender's
//! loss-recovery counters. A third has the many-connection figures ([`many`]): the same
//! tokio server on `tokio::net` and on this stack, under the same load: 64 connections'
//! round trips (`rr64`), HTTP/1.1 keep-alive under `wrk` (`http`) and connections per
//! second (`cps`), each with the ratio this stack / `tokio::net`.
//!
//! `cargo bench --bench net` (root and network namespaces needed; otherwise it says so and
//! skips). Options after `--` are in [`options`].

mod client;
mod congestion;
mod engine_memory;
mod family;
mod figures;
mod http;
mod idle;
mod kernel;
mod kernel_tokio;
mod load;
mod loss;
mod loss_table;
mod many;
mod many_table;
mod measure;
mod nft;
mod nstat;
mod options;
mod procfs;
mod recovery;
mod rows;
mod scenario;
mod server;
mod serving;
mod session;
mod setup;
mod smoltcp_client;
mod stack;
mod table;
mod wrk;

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

use options::{Figure, Mode, Options};

fn main() -> ExitCode {
    let result = match options::parse(std::env::args().skip(1)) {
        Err(message) => {
            eprintln!("{message}\n{}", options::USAGE);
            return ExitCode::from(2);
        }
        Ok(Mode::Idle(row)) => idle::measure(row).map(|bytes| println!("{bytes}")),
        Ok(Mode::Open { addr, count }) => idle::open_and_hold(addr, count),
        Ok(Mode::Table(options)) => {
            if !tcp_stack::netns::require("net bench") {
                return ExitCode::SUCCESS;
            }
            table_run(&options)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("net bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Measures every row asked for, prints the report and writes it next to the build.
fn table_run(options: &Options) -> std::io::Result<()> {
    let load_before = procfs::load_average()?;
    let engine = if options.figures.contains(&Figure::Memory) {
        engine_memory::measure().map_err(|e| e.to_string())
    } else {
        Err("not measured".to_string())
    };
    let mut sections = String::new();
    let mut failures = Vec::new();
    if !options.figures.is_empty() {
        for &family in &options.families {
            family::choose(family);
            let mut rows = Vec::new();
            for &row in &options.rows {
                let measured = measure::row(row, options, &engine);
                rows.push((row, measured.figures));
                failures.extend(measured.failures);
            }
            if options.families.len() > 1 {
                let _ = writeln!(sections, "\n### {}\n", family::heading(family));
            }
            sections.push_str(&table::render(&rows));
        }
        family::choose(family::Family::V4);
        sections.push_str(NOTES);
    }
    if options.loss {
        let measured = loss::measure(options);
        sections.push_str(&loss_table::section(options, &measured));
        failures.extend(measured.failures);
    }
    if !options.many.is_empty() {
        let measured = many::measure(options);
        sections.push_str(&many_table::section(options, &measured));
        failures.extend(measured.failures);
    }
    let report = report(options, &load_before, &sections, &failures)?;
    println!("{report}");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"));
    let path = target.join("bench-net.md");
    std::fs::write(&path, &report)?;
    eprintln!("net bench: written to {}", path.display());
    Ok(())
}

/// The whole markdown report: conditions, the tables with how each figure was taken,
/// failures.
fn report(
    options: &Options,
    load_before: &str,
    sections: &str,
    failures: &[String],
) -> std::io::Result<String> {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut out = String::from("# Network benchmark: `cargo bench --bench net`\n\n");
    let _ = writeln!(
        out,
        "{cpus} CPUs, Linux {}; load average {load_before} before, {} after. \
         Bulk: {} s × {} repeats (medians). Congestion control of every sender: {} \
         (`--cc`).\n",
        procfs::kernel_release()?,
        procfs::load_average()?,
        options.bulk_duration.as_secs(),
        options.repeats,
        congestion::label(),
    );
    out.push_str(sections);
    if !failures.is_empty() {
        out.push_str("\nFailures:\n");
        for failure in failures {
            let _ = writeln!(out, "- {failure}");
        }
    }
    Ok(out)
}

/// How each figure of the main table was taken.
const NOTES: &str = "
- Every figure comes from fresh network namespaces joined by a veth pair (`src/netns`),
  all in this one run. Data flows from the client (left of the arrow) to the server.
  Ratios (×) are to kernel -> kernel with offloads off, the conditions every other row
  runs in; above 1 means more throughput, but also more latency, memory or CPU.
- bulk: one connection sending 256 KiB writes for the duration, then half-closing; timed
  from connect to the receiver's close after end-of-file.
- RR: 64-byte request, 64-byte echo, nodelay on both ends; 20,000 round trips after 1,000
  unmeasured ones. The server is one tokio program (`benches/net/server.rs`) on
  `tokio::net` or on this stack; the kernel's client is the same tokio code as this
  stack's client, on `tokio::net`; each side on a multi-threaded runtime with the default
  worker count.
- mem/conn engine: `tcp_core::Endpoint::connection_memory` (control block and buffers)
  averaged over 10,000 idle established connections between two bare engines; the
  connecting side for this stack -> kernel, the accepting side for kernel -> this stack.
- mem/conn measured: growth over 10,000 idle established connections, in a fresh child
  process: its resident memory for this stack's rows (stack, runtime and handles; the
  kernel peer's sockets are kernel memory and opened from another process); for the
  kernel rows the kernel's slab caches (machine-wide, so noisy), per socket.
- CPU s/GB: user + system CPU of the whole process, which runs both ends (and is charged
  the kernel's softirq work it triggers), during the transfers, per 10^9 bytes.
- smoltcp 0.14: its `phy::RawSocket` device and defaults (no congestion control), 4 MiB
  send buffer, polled as in its examples; its client does bulk and RR only.
- This stack: tcp-tokio with `Config::default()` on a multi-threaded tokio runtime with
  the default worker count, its side of each figure in a spawned task (where a tokio
  application does its connections' work; from the thread in `block_on` instead, every
  wake-up is one more thread hop). The kernel's bulk and memory sides use blocking
  sockets, one thread per side.
- `--family v4,v6`: the table once per address family, the second on `2001:2:0:X::/64`
  (the kernel's end `::2`, the stack or the kernel server `::1`, no duplicate address
  detection); memory and smoltcp are IPv4 only (n/a over IPv6).
- Segmentation: this stack hands the kernel 64 KiB super-frames (`PACKET_VNET_HDR`, its
  default). With offloads off the kernel cuts them into segments in software, as it does
  for its own TCP in the baseline row (kernel TCP always builds super-frames: perf shows
  `skb_segment` under the kernel sender there); with offloads on they pass the veth whole.
";

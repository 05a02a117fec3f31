//! Goodput table of the engine in the simulator (`tests/support`): one bulk transfer A -> B
//! per cell over a 100 Mbit/s path with RTT 1, 20 or 100 ms and 0, 1 or 5 % random loss on
//! both directions, set beside the Mathis bound MSS/RTT × 1.22/√p (the link rate for 0 %).
//!
//! `cargo bench -p tcp-core --bench goodput [-- --cc cubic|bbr|reno]`. Every figure is in virtual time: A writes
//! without pause for [`DURATION`] from `connect`, and the goodput of the run is the bytes
//! B's reader got in order by then divided by [`DURATION`]. Each cell is the median of
//! [`SEEDS`] fixed seeds, so the table is the same on every machine and every run. A second
//! table sums the sender's recovery counters over the seeds, showing where the time goes.
//! The report is printed and written to `target/bench-goodput.md`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write;
use std::path::Path as FsPath;
use std::process::ExitCode;
use std::time::Duration;

use support::conn::SERVER_PORT;
use support::{Path, Sim};
use tcp_core::{Algorithm, Config, ConnectionStats, Error, SocketOptions};

/// Link rate of each direction in bytes per second (100 Mbit/s).
const RATE: u64 = 12_500_000;

/// The same in Mbit/s.
const LINK_MBITS: f64 = RATE as f64 * 8.0 / 1e6;

/// Round-trip times of the rows; each direction's latency is half.
const RTTS: [Duration; 3] = [
    Duration::from_millis(1),
    Duration::from_millis(20),
    Duration::from_millis(100),
];

/// Random loss probabilities of the columns, the same on both directions.
const LOSSES: [f64; 3] = [0.0, 0.01, 0.05];

/// Seeds of each cell (an odd number, so the median is one run's figure).
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
const _: () = assert!(SEEDS.len() % 2 == 1);

/// Virtual time each run sends for, from `connect`: long enough that slow start (about a
/// second at 100 ms) is a small part of the lossless cells and the 5 % cells see about a
/// hundred losses or more. A fixed size would be either too short for the former or take
/// thousands of seconds in the latter.
const DURATION: Duration = Duration::from_secs(60);

/// A run whose reader got nothing in this long before the end counts as stalled.
const STALL: Duration = Duration::from_secs(10);

/// Bytes the application writes or reads per call.
const CHUNK: usize = 64 * 1024;

/// The bottleneck buffer: one bandwidth-delay product in 1500-byte packets, at least 16.
fn queue_limit(rtt: Duration) -> usize {
    let packets = (RATE as f64 * rtt.as_secs_f64() / 1500.0).ceil() as usize;
    packets.max(16)
}

/// What one transfer did.
struct Run {
    /// Bytes B's reader got in order within [`DURATION`]; `None` when the run stalled (the
    /// connection failed, or nothing was read in the last [`STALL`]).
    received: Option<u64>,
    /// The sender's counters at the end.
    totals: ConnectionStats,
    /// The sender's MSS (`send_mss` of the connection); 0 if it never got established.
    mss: u32,
}

/// Sends from A to B for [`DURATION`] over a path of `rtt` with `loss`, seeded `seed`,
/// with `algorithm` as the congestion control of both ends.
fn run(algorithm: Algorithm, rtt: Duration, loss: f64, seed: u64) -> Result<Run, Error> {
    let config = Config {
        congestion_control: algorithm,
        ..Config::default()
    };
    let mut sim = Sim::new(config, seed);
    let path = Path {
        latency: rtt / 2,
        bandwidth: Some(RATE),
        loss,
        queue_limit: Some(queue_limit(rtt)),
        ..Path::default()
    };
    sim.a_to_b = path;
    sim.b_to_a = path;
    let listener = sim
        .b
        .listen(sim.b_addr(SERVER_PORT), 128, SocketOptions::default())?;
    let start = sim.now;
    let (local, remote) = (sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(start, local, remote, SocketOptions::default())?;
    let data = vec![0x5au8; CHUNK];
    let mut buf = vec![0u8; CHUNK];
    let mut received = 0u64;
    let mut last_read = start;
    let mut server = None;
    let mut mss = 0;
    let failed = sim.run_until(DURATION, |sim| {
        loop {
            match sim.a.write(client, &data) {
                Ok(_) => {}
                Err(Error::WouldBlock) => break,
                Err(_) => return true,
            }
        }
        if server.is_none() {
            server = sim.b.accept(listener).ok();
            mss = sim
                .a
                .connection_info(client)
                .map_or(0, |info| info.send_mss);
        }
        let Some(server) = server else {
            return false;
        };
        loop {
            match sim.b.read(server, &mut buf) {
                Ok(0) | Err(Error::WouldBlock) => return false,
                Ok(n) => {
                    received += n as u64;
                    last_read = sim.now;
                }
                Err(_) => return true,
            }
        }
    });
    let stalled = failed || (start + DURATION) - last_read > STALL;
    Ok(Run {
        received: (!stalled).then_some(received),
        totals: sim.a.connection_totals(),
        mss,
    })
}

/// One cell: the runs of every seed.
struct Cell {
    rtt: Duration,
    loss: f64,
    runs: Vec<Run>,
}

impl Cell {
    /// Median goodput in Mbit/s, or `None` when any seed stalled.
    fn goodput(&self) -> Option<f64> {
        let mut figures = self
            .runs
            .iter()
            .map(|run| {
                run.received
                    .map(|n| n as f64 * 8.0 / DURATION.as_secs_f64() / 1e6)
            })
            .collect::<Option<Vec<f64>>>()?;
        figures.sort_by(f64::total_cmp);
        figures.get(figures.len() / 2).copied()
    }

    /// Runs that stalled.
    fn stalled(&self) -> usize {
        self.runs
            .iter()
            .filter(|run| run.received.is_none())
            .count()
    }

    /// The sender's counters summed over the seeds.
    fn totals(&self) -> ConnectionStats {
        let mut sum = ConnectionStats::default();
        for run in &self.runs {
            sum += run.totals;
        }
        sum
    }

    /// The sender's MSS, from any run that got established.
    fn mss(&self) -> u32 {
        self.runs.iter().map(|run| run.mss).max().unwrap_or(0)
    }

    /// The bound in Mbit/s: Mathis' MSS/RTT × 1.22/√p, or the link rate without loss.
    fn bound(&self) -> f64 {
        if self.loss == 0.0 {
            return LINK_MBITS;
        }
        let mss = self.mss();
        mss as f64 * 8.0 / self.rtt.as_secs_f64() * 1.22 / self.loss.sqrt() / 1e6
    }
}

/// The goodput table: one row per RTT, one column per loss.
fn goodput_table(cells: &[Cell]) -> String {
    let mut out = String::from("| RTT |");
    for loss in LOSSES {
        let _ = write!(out, " loss {} % |", loss * 100.0);
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(LOSSES.len()));
    out.push('\n');
    for row in cells.chunks(LOSSES.len()) {
        let _ = write!(out, "| {} ms |", row[0].rtt.as_millis());
        for cell in row {
            let bound = cell.bound();
            let mark = if cell.loss > 0.0 && bound > LINK_MBITS {
                "†"
            } else {
                ""
            };
            match cell.goodput() {
                Some(goodput) => {
                    let ratio = goodput / bound.min(LINK_MBITS);
                    let _ = write!(out, " {goodput:.2} of {bound:.1}{mark} ({ratio:.2}) |");
                }
                None => {
                    let stalled = cell.stalled();
                    let _ = write!(
                        out,
                        " stalled ({stalled} of {}) · bound {bound:.1}{mark} |",
                        SEEDS.len()
                    );
                }
            }
        }
        out.push('\n');
    }
    out
}

/// The sender's counters per cell, summed over the seeds.
fn counters_table(cells: &[Cell]) -> String {
    let mut out = String::from(
        "| RTT | loss | RTOs | fast retransmits | recovery episodes | tail loss probes \
         | lost retransmits | all retransmits |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for cell in cells {
        let totals = cell.totals();
        let _ = writeln!(
            out,
            "| {} ms | {} % | {} | {} | {} | {} | {} | {} |",
            cell.rtt.as_millis(),
            cell.loss * 100.0,
            totals.retransmission_timeouts,
            totals.fast_retransmits,
            totals.recovery_episodes,
            totals.tail_loss_probes,
            totals.lost_retransmits,
            totals.retransmits,
        );
    }
    out
}

/// The whole markdown report.
fn report(algorithm: Algorithm, cells: &[Cell]) -> String {
    let mss = cells.iter().map(Cell::mss).max().unwrap_or(0);
    let mut out =
        String::from("# Simulator goodput: `cargo bench -p tcp-core --bench goodput`\n\n");
    let _ = writeln!(
        out,
        "Bulk transfer A -> B, default `Config` (SACK, timestamps) with {algorithm:?} \
         (`-- --cc`), send MSS {mss}; 100 Mbit/s each way, drop-tail queue of one BDP (≥ 16 \
         packets); random loss on both directions. Each run sends for {} s of virtual time; \
         median of {} seeds.\n",
        DURATION.as_secs(),
        SEEDS.len()
    );
    out.push_str("Goodput Mbit/s of bound Mbit/s (ratio):\n\n");
    out.push_str(&goodput_table(cells));
    out.push_str("\nSender counters, summed over the seeds:\n\n");
    out.push_str(&counters_table(cells));
    out.push_str(NOTES);
    out
}

/// How the figures were taken.
const NOTES: &str = "
- Goodput: bytes B's reader got in order within the run / the run's virtual time, counted
  from `connect` (handshake and slow start included); A always has data to send. A run
  whose connection failed, or whose reader got nothing in its last 10 s, is stalled; a
  cell with any stalled seed prints how many.
- Bound: Mathis et al., MSS/RTT × 1.22/√p with the base RTT (no queueing) and p the loss of
  one direction; for 0 % the link rate. The link carries headers too: the simulator
  charges segment + 40 bytes per packet, rounded down to its microsecond clock (121 µs for
  a full segment), so payload tops out near 95.7 Mbit/s. † marks a Mathis bound above the
  link rate; the ratio there is to the link rate.
- Without loss the seed changes only the initial sequence numbers, so the 0 % runs of a
  row are alike.
- Counters are the sender's `Endpoint::connection_totals()` at the end of each run;
  *all retransmits* counts every segment sent again, by the timer or by recovery.
";

/// The congestion control named after `--cc` on the command line (CUBIC without one).
fn algorithm() -> Result<Algorithm, String> {
    let mut args = std::env::args().skip_while(|arg| arg != "--cc").skip(1);
    match args.next().as_deref() {
        None | Some("cubic") => Ok(Algorithm::Cubic),
        Some("bbr") => Ok(Algorithm::Bbr),
        Some("reno") => Ok(Algorithm::NewReno),
        Some(other) => Err(format!(
            "unknown congestion control {other} (cubic, bbr, reno)"
        )),
    }
}

fn main() -> ExitCode {
    let algorithm = match algorithm() {
        Ok(algorithm) => algorithm,
        Err(error) => {
            eprintln!("goodput bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut cells = Vec::new();
    for rtt in RTTS {
        for loss in LOSSES {
            let runs = match SEEDS
                .iter()
                .map(|&seed| run(algorithm, rtt, loss, seed))
                .collect()
            {
                Ok(runs) => runs,
                Err(error) => {
                    eprintln!("goodput bench: RTT {rtt:?} loss {loss}: {error}");
                    return ExitCode::FAILURE;
                }
            };
            cells.push(Cell { rtt, loss, runs });
        }
    }
    let report = report(algorithm, &cells);
    println!("{report}");
    let target = FsPath::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(FsPath::new("target"));
    let path = target.join("bench-goodput.md");
    if let Err(error) = std::fs::write(&path, &report) {
        eprintln!("goodput bench: writing {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    eprintln!("goodput bench: written to {}", path.display());
    ExitCode::SUCCESS
}

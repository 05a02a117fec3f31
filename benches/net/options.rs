//! The command line. `cargo bench --bench net` measures everything; after `--`:
//! `--seconds N` (duration of each bulk transfer and of each many-connection run, default
//! 10), `--loss-seconds N` (duration of each transfer through loss, default 5), `--cc NAME`
//! (every sender's congestion control, kernel and this stack alike: `cubic`, `bbr` or
//! `reno`; by default the machine's `net.ipv4.tcp_congestion_control`), `--stack-pacing`
//! (this stack paces CUBIC and NewReno too), `--repeats N` (bulk, loss and many-connection
//! repeats, default 3), `--rows a,b` (row keys of the main table, default all),
//! `--figures a,b`: of the main table `bulk`, `rr` (one connection's round trips),
//! `memory`; `loss` (the table of bulk through loss, for the rows kernel-kernel,
//! stack-kernel and kernel-stack among those chosen); and the many-connection figures, the
//! same tokio server on `tokio::net` and on this stack against the same kernel clients:
//! `rr64` (64 connections' round trips per second), `http` (HTTP/1.1 keep-alive requests
//! per second and median latency under `wrk`; skipped with a note when `wrk` is not
//! installed) and `cps` (connections per second).
//! `--family v4,v6` measures the main table once per address family (default `v4`).
//! `--shards N,M,...` are the shard counts this stack's server runs the many-connection
//! figures with, one column each (default: the runtime's worker count, then 1). `--idle ROW` and
//! `--open ADDR COUNT` are the bench running parts of itself in child processes.

use std::net::SocketAddr;
use std::time::Duration;

use crate::congestion;
use crate::family::{self, Family};
use crate::loss::{Loss, StackLoss};
use crate::rows::Row;

/// Usage text, printed for a bad command line.
pub(crate) const USAGE: &str = "usage: cargo bench --bench net [-- [--seconds N] \
[--loss-seconds N] [--loss-levels N,M,...] [--stack-loss injector|nft] [--cc cubic|bbr|reno] \
[--stack-pacing] [--repeats N] \
[--rows kernel-kernel,kernel-kernel-offloads,stack-kernel,kernel-stack,\
stack-kernel-offloads,kernel-stack-offloads,smoltcp-kernel] \
[--figures bulk,rr,memory,loss,rr64,http,cps] [--family v4,v6] [--shards N,M,...]]
--family v4,v6: the main table once per address family, in this order; default v4
--seconds N: each bulk transfer and each many-connection run (rr64, http, cps); default 10
--loss-levels N,M,...: the loss table's levels, per mille; default 1,10,50,100
--repeats N: runs per figure (bulk, loss, rr64, http, cps), the median reported; default 3
rr64, http, cps: the same tokio server on tokio::net and on this stack, under kernel \
tokio clients or, for http, `wrk -t2 -c50 --latency` (skipped when wrk is missing)
--shards N,M,...: shard counts of this stack's server in rr64, http and cps, a column \
each; default: the worker count of the server's runtime (this machine's CPUs), then 1";

/// The `--figures` name of the table of bulk through loss.
const LOSS: &str = "loss";

/// What this invocation does.
#[derive(Debug)]
pub(crate) enum Mode {
    /// Measure and print the table.
    Table(Options),
    /// Child process: print one row's idle-connection memory in bytes per connection.
    Idle(Row),
    /// Grandchild: open `count` kernel connections to `addr` and hold them.
    Open { addr: SocketAddr, count: usize },
}

/// A figure of the main table, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Figure {
    /// Bulk throughput and CPU per GB.
    Bulk,
    /// Request/response round trips on one connection.
    RoundTrips,
    /// Memory per idle connection.
    Memory,
}

/// A many-connection figure, as named on the command line: the same tokio server on
/// `tokio::net` and on this stack, the same kernel clients against both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Many {
    /// `rr64`: round trips per second over 64 connections.
    RoundTrips,
    /// `http`: HTTP/1.1 keep-alive requests per second and median latency under wrk.
    Http,
    /// `cps`: connections per second, each with one request and its echo.
    Connections,
}

/// What to measure.
#[derive(Debug)]
pub(crate) struct Options {
    /// Duration of each bulk transfer.
    pub(crate) bulk_duration: Duration,
    /// Duration of each bulk transfer through loss.
    pub(crate) loss_duration: Duration,
    /// Bulk transfers (with and without loss) per row, and runs of each many-connection
    /// figure per server; the median is reported.
    pub(crate) repeats: usize,
    /// Rows to measure, in table order.
    pub(crate) rows: Vec<Row>,
    /// Figures of the main table to measure.
    pub(crate) figures: Vec<Figure>,
    /// Many-connection figures to measure, in table order.
    pub(crate) many: Vec<Many>,
    /// Measure the table of bulk through loss (`--figures loss`).
    pub(crate) loss: bool,
    /// The loss levels of that table, per mille (`--loss-levels 10,50`: 1 % and 5 %).
    pub(crate) loss_levels: Vec<u32>,
    /// How this stack's rows meet that loss (`--stack-loss`).
    pub(crate) stack_loss: StackLoss,
    /// Address families of the main table, a table each (`--family`).
    pub(crate) families: Vec<Family>,
    /// Shard counts of this stack's server in the many-connection figures (`--shards`),
    /// a column each, passed only through
    /// [`stack::stack_builder`](crate::stack::stack_builder).
    pub(crate) shards: Vec<usize>,
}

/// Parses the arguments after the program name. `--bench`, which cargo passes to every
/// bench binary, is accepted and ignored.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Mode, String> {
    let mut options = Options {
        bulk_duration: Duration::from_secs(10),
        loss_duration: Duration::from_secs(5),
        repeats: 3,
        rows: Row::ALL.to_vec(),
        figures: vec![Figure::Bulk, Figure::RoundTrips, Figure::Memory],
        many: vec![Many::RoundTrips, Many::Http, Many::Connections],
        loss: true,
        loss_levels: Loss::PER_MILLE.to_vec(),
        stack_loss: StackLoss::default(),
        shards: default_shards(),
        families: vec![Family::V4],
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--bench" => {}
            "--seconds" => options.bulk_duration = Duration::from_secs(number(&value()?)?),
            "--loss-seconds" => {
                options.loss_duration = Duration::from_secs(number(&value()?)?);
            }
            "--loss-levels" => {
                options.loss_levels = value()?
                    .split(',')
                    .map(|level| match number(level)? {
                        per_mille @ 1..=1000 => Ok(per_mille as u32),
                        _ => Err("--loss-levels: per mille, 1 to 1000".to_string()),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--stack-loss" => {
                options.stack_loss = match value()?.as_str() {
                    "injector" => StackLoss::Injector,
                    "nft" => StackLoss::Nftables,
                    other => return Err(format!("unknown --stack-loss {other}")),
                };
            }
            "--cc" => {
                let name = value()?;
                let algorithm =
                    congestion::parse(&name).ok_or(format!("unknown congestion control {name}"))?;
                congestion::choose(algorithm);
            }
            "--stack-pacing" => congestion::pace_stack(),
            "--repeats" => options.repeats = number(&value()?)?.max(1) as usize,
            "--shards" => {
                options.shards = value()?
                    .split(',')
                    .map(|count| match number(count)? {
                        0 => Err("--shards: a shard count is at least 1".to_string()),
                        count => Ok(count as usize),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--family" => {
                options.families = value()?
                    .split(',')
                    .map(|name| family::parse(name).ok_or(format!("unknown family {name}")))
                    .collect::<Result<_, _>>()?;
            }
            "--rows" => {
                let rows = value()?;
                options.rows = Row::ALL
                    .into_iter()
                    .filter(|row| rows.split(',').any(|key| key == row.key()))
                    .collect();
                if let Some(bad) = rows.split(',').find(|key| Row::parse(key).is_none()) {
                    return Err(format!("unknown row {bad}"));
                }
            }
            "--figures" => {
                let names = value()?;
                options.loss = names.split(',').any(|name| name == LOSS);
                options.many = names.split(',').filter_map(many).collect();
                options.figures = names
                    .split(',')
                    .filter(|name| *name != LOSS && many(name).is_none())
                    .map(figure)
                    .collect::<Result<_, _>>()?;
            }
            "--idle" => {
                let key = value()?;
                return Row::parse(&key)
                    .map(Mode::Idle)
                    .ok_or(format!("unknown row {key}"));
            }
            "--open" => {
                let addr = value()?;
                let addr = addr.parse().map_err(|_| format!("bad address {addr}"))?;
                let count = number(&value()?)? as usize;
                return Ok(Mode::Open { addr, count });
            }
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    Ok(Mode::Table(options))
}

/// A non-negative integer argument.
fn number(text: &str) -> Result<u64, String> {
    text.parse().map_err(|_| format!("bad number {text}"))
}

/// A figure's command-line name.
fn figure(name: &str) -> Result<Figure, String> {
    match name {
        "bulk" => Ok(Figure::Bulk),
        "rr" => Ok(Figure::RoundTrips),
        "memory" => Ok(Figure::Memory),
        _ => Err(format!("unknown figure {name}")),
    }
}

/// The many-connection figure called `name`, if it is one.
fn many(name: &str) -> Option<Many> {
    match name {
        "rr64" => Some(Many::RoundTrips),
        "http" => Some(Many::Http),
        "cps" => Some(Many::Connections),
        _ => None,
    }
}

/// The shard counts of the many-connection figures when `--shards` is not given: the
/// default of a stack on the server's runtime (one per worker, as many as CPUs), then 1.
fn default_shards() -> Vec<usize> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    if workers > 1 {
        vec![workers, 1]
    } else {
        vec![1]
    }
}

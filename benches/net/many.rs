//! The many-connection figures (`--figures rr64,http,cps`), a like-for-like baseline: the
//! one server program of [`server`](crate::server) on `tokio::net` (the kernel's TCP) and
//! on this stack, each in the server namespace of the same kind of veth, and the same
//! load in the other namespace against both: kernel-side tokio clients ([`load`]), or
//! [`wrk`] for `http`. Every run is in fresh namespaces; the two servers take turns run
//! after run, so a disturbance of the machine falls on both; each cell is the median over
//! the repeats.

use std::fs;
use std::io;

use tcp_stack::netns::Netns;

use crate::figures::median;
use crate::loss::Loss;
use crate::options::{Many, Options};
use crate::rows::Row;
use crate::server::Service;
use crate::serving::Tcp;
use crate::setup::Net;
use crate::table::Cell;
use crate::{kernel_tokio, load, procfs, serving, stack, wrk};

/// The two servers' networks, in table order: kernel -> kernel's (the server namespace's
/// veth end holds the address the stack would own) and kernel -> this stack's. Both have
/// their offloads off.
const SERVERS: [Row; 2] = [Row::KernelToKernel, Row::KernelToStack];

/// The client namespace's ephemeral ports for the `cps` figure (the kernel's default is
/// 32768-60999).
const PORT_RANGE: &str = "1024 65535";
/// `net.ipv4.tcp_tw_reuse` for the `cps` figure's client: reuse a port held in TIME_WAIT
/// once its last timestamp is a second old (the kernel's default, 2, allows it on
/// loopback only).
const TW_REUSE: &str = "1";

/// One quantity a figure reports, as the table names it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quantity {
    /// Its name with its unit.
    pub(crate) name: &'static str,
    /// Decimals shown.
    pub(crate) decimals: usize,
}

/// One line of the table: a quantity on `tokio::net` and on this stack with each shard
/// count of `--shards`.
#[derive(Debug)]
pub(crate) struct Line {
    /// What is measured.
    pub(crate) quantity: Quantity,
    /// The median on `tokio::net`.
    pub(crate) kernel: Cell,
    /// The median on this stack, per shard count in `--shards` order.
    pub(crate) stack: Vec<Cell>,
}

/// One server of the figures: `tokio::net`, or this stack with a shard count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    Kernel,
    Stack { shards: usize },
}

impl Server {
    /// The network it runs on.
    fn row(self) -> Row {
        match self {
            Server::Kernel => SERVERS[0],
            Server::Stack { .. } => SERVERS[1],
        }
    }

    /// Its name in messages.
    fn label(self) -> String {
        match self {
            Server::Kernel => "tokio::net".to_string(),
            Server::Stack { shards } => format!("this stack, {shards} shard(s)"),
        }
    }
}

/// The table's lines and what went wrong.
#[derive(Debug)]
pub(crate) struct Measured {
    /// The 1-minute load average when the first run started, as `/proc/loadavg` prints it.
    pub(crate) load_average: String,
    /// Per figure asked for, its quantities in order.
    pub(crate) lines: Vec<Line>,
    /// One line per failed run.
    pub(crate) failures: Vec<String>,
    /// Why a figure asked for was not measured.
    pub(crate) skipped: Option<&'static str>,
}

/// What `figure` reports, one value per run each.
pub(crate) fn quantities(figure: Many) -> &'static [Quantity] {
    match figure {
        Many::RoundTrips => &[Quantity {
            name: "rr64: round trips/s",
            decimals: 0,
        }],
        Many::Http => &[
            Quantity {
                name: "http: requests/s",
                decimals: 0,
            },
            Quantity {
                name: "http: p50 latency ms",
                decimals: 3,
            },
        ],
        Many::Connections => &[Quantity {
            name: "cps: connections/s",
            decimals: 0,
        }],
    }
}

/// Measures every many-connection figure asked for, on both servers.
pub(crate) fn measure(options: &Options) -> Measured {
    let mut measured = Measured {
        load_average: procfs::load_average_1min().unwrap_or_else(|e| format!("unknown ({e})")),
        lines: Vec::new(),
        failures: Vec::new(),
        skipped: None,
    };
    for &figure in &options.many {
        if figure == Many::Http && !wrk::installed() {
            eprintln!("net bench: {}", wrk::MISSING);
            measured.skipped = Some(wrk::MISSING);
            continue;
        }
        let quantities = quantities(figure);
        let servers: Vec<Server> = std::iter::once(Server::Kernel)
            .chain(
                options
                    .shards
                    .iter()
                    .map(|&shards| Server::Stack { shards }),
            )
            .collect();
        // values[server][quantity]: one value per successful run.
        let mut values = vec![vec![Vec::new(); quantities.len()]; servers.len()];
        for _ in 0..options.repeats {
            for (index, &server) in servers.iter().enumerate() {
                eprintln!("net bench: {figure:?} on {}", server.label());
                match once(figure, server, options) {
                    Ok(run) => {
                        for (quantity, value) in run.into_iter().enumerate() {
                            values[index][quantity].push(value);
                        }
                    }
                    Err(error) => measured.failures.push(format!(
                        "{} on {}: {error}",
                        quantities[0].name,
                        server.label()
                    )),
                }
            }
        }
        for (quantity_index, quantity) in quantities.iter().enumerate() {
            let mut cells = values
                .iter_mut()
                .map(|runs| median(std::mem::take(&mut runs[quantity_index])))
                .map(|value| value.map_or(Cell::Failed, Cell::Value));
            let kernel = cells.next().unwrap_or(Cell::Failed);
            measured.lines.push(Line {
                quantity: *quantity,
                kernel,
                stack: cells.collect(),
            });
        }
    }
    measured
}

/// One run of `figure` against `server`, for `--seconds`: the figure's [`quantities`] in
/// order.
fn once(figure: Many, server: Server, options: &Options) -> io::Result<Vec<f64>> {
    let duration = options.bulk_duration;
    let net = Net::new(server.row(), Loss::NONE)?;
    let tcp = match server {
        Server::Stack { shards } => Tcp::Stack(Box::new(stack::stack_builder(&net, shards))),
        Server::Kernel => Tcp::Kernel,
    };
    let addr = net.server_addr();
    let client_ns = net.client_ns();
    if figure == Many::Connections {
        recycle_ports(client_ns)?;
    }
    let service = match figure {
        Many::Http => Service::Http,
        Many::RoundTrips | Many::Connections => Service::Echo,
    };
    net.pair(
        |session| serving::run(&net, tcp, service, session),
        |_| match figure {
            Many::RoundTrips => {
                kernel_tokio::host(client_ns, move || load::round_trips(addr, duration))
                    .map(|rate| vec![rate])
            }
            Many::Http => wrk::run(client_ns, addr, duration)
                .map(|run| vec![run.requests_per_second, run.p50_ms]),
            Many::Connections => {
                kernel_tokio::host(client_ns, move || load::connections(addr, duration))
                    .map(|rate| vec![rate])
            }
        },
    )
}

/// Lets `ns`'s connections open one after another without running out of ports: the
/// ports [`PORT_RANGE`], each reused a second after its close ([`TW_REUSE`]; both servers
/// send timestamps, which this needs). Per-namespace settings, the same for both servers.
/// Without them `connect` spends longer and longer searching for a port free of TIME_WAIT,
/// and the figure measures that search, not the server.
pub(crate) fn recycle_ports(ns: &Netns) -> io::Result<()> {
    ns.run(|| {
        fs::write("/proc/sys/net/ipv4/ip_local_port_range", PORT_RANGE)?;
        fs::write("/proc/sys/net/ipv4/tcp_tw_reuse", TW_REUSE)
    })?
}

//! Bulk through loss: one connection through 0.1, 1, 5 and 10 % loss each
//! way, kernel -> kernel (the baseline; nftables drops) beside this stack -> kernel and
//! kernel -> this stack (the same nftables drops, or the stack's own fault injector), with each sender's
//! loss-recovery counters.

use std::fmt;

use crate::figures::{Transfer, median};
use crate::options::Options;
use crate::recovery::Recovery;
use crate::rows::Row;
use crate::table::Cell;
use crate::{nft, scenario};

/// The fraction of TCP frames dropped in each direction, per mille (nftables' `numgen`
/// draws integers, and 0.1 % is one of the rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loss {
    per_mille: u32,
    /// How this stack's rows meet it (kernel -> kernel always meets nftables drops).
    stack: StackLoss,
}

/// How loss is applied to this stack's rows (`--stack-loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum StackLoss {
    /// The stack's own fault injector (`Stack::builder().faults`), on what it sends and
    /// receives. Its link has no segmentation offload, so the stack sends frame by frame.
    Injector,
    /// nftables drops at both veth ends' ingress, as for kernel -> kernel, with the stack's
    /// packet sockets bound to IPv4 and ARP (so they see frames after the ingress hook) and
    /// its default segmentation offload: the same loss the kernel meets, the stack run as a
    /// user runs it. The default.
    #[default]
    Nftables,
}

impl Loss {
    /// No loss: the network as built.
    pub(crate) const NONE: Loss = Loss {
        per_mille: 0,
        stack: StackLoss::Nftables,
    };

    /// The table's loss levels, lightest first: 0.1, 1, 5 and 10 %.
    pub(crate) const PER_MILLE: [u32; 4] = [1, 10, 50, 100];

    /// How this stack's rows meet this loss.
    pub(crate) fn stack(self) -> StackLoss {
        self.stack
    }

    /// Frames dropped per 1000.
    pub(crate) fn per_mille(self) -> u32 {
        self.per_mille
    }

    /// The chance one frame is dropped.
    pub(crate) fn probability(self) -> f64 {
        f64::from(self.per_mille) / 1000.0
    }
}

/// As a percentage: `0.1 %`, `5 %`.
impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.per_mille % 10 {
            0 => write!(f, "{} %", self.per_mille / 10),
            tenths => write!(f, "{}.{tenths} %", self.per_mille / 10),
        }
    }
}

/// This stack's rows through loss, each a direction with lines of its own.
const DIRECTIONS: [Row; 2] = [Row::StackToKernel, Row::KernelToStack];

/// Said once, on stderr and in the report, when the baseline is asked for and nft is
/// missing.
const NO_NFT: &str = "kernel -> kernel through loss skipped: nft (nftables) is not on PATH, \
so this stack's rows through loss have no ratio";

/// One row's bulk through one loss level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Through {
    /// Gbit/s, the median of the repeats.
    pub(crate) gbps: Cell,
    /// The sender's counters over the median transfer.
    pub(crate) recovery: Option<Recovery>,
}

impl Through {
    /// Not asked for, or skipped.
    const NOT_RUN: Through = Through {
        gbps: Cell::NotRun,
        recovery: None,
    };
}

/// One direction through one loss level, beside the baseline through the same loss.
pub(crate) struct Line {
    /// This stack's row.
    pub(crate) direction: Row,
    /// The loss each way.
    pub(crate) loss: Loss,
    /// Kernel -> kernel through the same loss, measured once per level.
    pub(crate) baseline: Through,
    /// The direction's own figures.
    pub(crate) row: Through,
}

/// The lines of the table, and what went wrong or was left out.
pub(crate) struct Measured {
    /// Per direction and loss level, in table order.
    pub(crate) lines: Vec<Line>,
    /// One line per failed cell.
    pub(crate) failures: Vec<String>,
    /// Why the baseline was not measured, when it was asked for but could not be.
    pub(crate) skipped: Option<&'static str>,
}

/// Measures every loss level for the rows chosen among kernel -> kernel, this stack ->
/// kernel and kernel -> this stack. A direction has lines when it was chosen or the
/// baseline is measured.
pub(crate) fn measure(options: &Options) -> Measured {
    let chosen = |row: Row| options.rows.contains(&row);
    let mut measured = Measured {
        lines: Vec::new(),
        failures: Vec::new(),
        skipped: None,
    };
    let baseline_runs = chosen(Row::KernelToKernel) && nft::available();
    if chosen(Row::KernelToKernel) && !baseline_runs {
        eprintln!("net bench: {NO_NFT}");
        measured.skipped = Some(NO_NFT);
    }
    let directions: Vec<Row> = DIRECTIONS
        .into_iter()
        .filter(|&direction| chosen(direction) || baseline_runs)
        .collect();
    let levels = options.loss_levels.iter().map(|&per_mille| Loss {
        per_mille,
        stack: options.stack_loss,
    });
    for loss in levels {
        let baseline = if baseline_runs {
            through(Row::KernelToKernel, loss, options, &mut measured.failures)
        } else {
            Through::NOT_RUN
        };
        for &direction in &directions {
            let row = if chosen(direction) {
                through(direction, loss, options, &mut measured.failures)
            } else {
                Through::NOT_RUN
            };
            measured.lines.push(Line {
                direction,
                loss,
                baseline,
                row,
            });
        }
    }
    measured
}

/// `row`'s bulk through `loss`, the repeats in one network: the median Gbit/s, and the
/// counters of the median transfer (the lower middle one for an even count).
fn through(row: Row, loss: Loss, options: &Options, failures: &mut Vec<String>) -> Through {
    eprintln!("net bench: {} through {loss} loss", row.label());
    match scenario::bulk(row, loss, options.loss_duration, options.repeats) {
        Ok(mut transfers) => {
            transfers.sort_by(|a, b| a.gbit_per_second().total_cmp(&b.gbit_per_second()));
            let gbps = median(transfers.iter().map(Transfer::gbit_per_second).collect());
            let middle = transfers.len().saturating_sub(1) / 2;
            Through {
                gbps: gbps.map_or(Cell::Failed, Cell::Value),
                recovery: transfers.get(middle).and_then(Transfer::recovery),
            }
        }
        Err(error) => {
            failures.push(format!("{} through {loss} loss: {error}", row.label()));
            Through {
                gbps: Cell::Failed,
                recovery: None,
            }
        }
    }
}

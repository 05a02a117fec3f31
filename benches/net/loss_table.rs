//! The report's section on bulk through loss: one line per direction and loss level with
//! the kernel -> kernel baseline's throughput, the row's with its ratio, and each sender's
//! loss-recovery counters; then how the loss was made and what the counters are.

use std::fmt::Write;

use crate::congestion;
use crate::loss::{Measured, Through};
use crate::options::Options;
use crate::recovery::Recovery;
use crate::table::{Cell, cell};

/// Decimals of the Gbit/s figures: a row far below the baseline still shows a number.
const DECIMALS: usize = 3;

/// The whole section, from its heading to its notes.
pub(crate) fn section(options: &Options, measured: &Measured) -> String {
    let legend = Recovery::LEGEND;
    let mut out = String::from("\n## Bulk through loss\n\n");
    let _ = writeln!(
        out,
        "{} s × {} repeats per cell (median). Every sender, kernel and this stack, uses \
         {} (`--cc`).\n",
        options.loss_duration.as_secs(),
        options.repeats,
        congestion::label(),
    );
    let _ = writeln!(
        out,
        "| row | loss each way | kernel -> kernel Gbit/s | row Gbit/s | \
         kernel -> kernel sender {legend} | row's sender {legend} |"
    );
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    for line in &measured.lines {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            line.direction.label(),
            line.loss,
            cell(line.baseline.gbps, None, DECIMALS),
            cell(line.row.gbps, Some(line.baseline.gbps), DECIMALS),
            counters(line.baseline),
            counters(line.row),
        );
    }
    if let Some(skipped) = measured.skipped {
        let _ = writeln!(out, "\n{skipped}.");
    }
    out.push_str(NOTES);
    out
}

/// A sender's counters, or why there are none.
fn counters(through: Through) -> String {
    match (through.recovery, through.gbps) {
        (Some(recovery), _) => recovery.to_string(),
        (None, Cell::Failed) => "failed".to_string(),
        (None, _) => "–".to_string(),
    }
}

/// How the loss was made and what the counters are.
const NOTES: &str = "
- Loss each way: that fraction of the TCP frames is dropped in each direction, data and
  ACKs alike. Kernel -> kernel: nftables on both veth ends, a `table netdev` with a chain on
  the `ingress` hook of the device and the rule `meta l4proto tcp numgen random mod 1000 <
  N drop` (N per mille). This stack's rows meet the same nftables drops (`--stack-loss
  nft`, the default), its packet sockets bound to IPv4 and ARP (so they see frames after
  the ingress hook) and its segmentation offload on, as a user runs it. A dropped frame
  may be a super-frame of many segments, for the kernel and this stack alike. With
  `--stack-loss injector` this stack's rows meet its own fault injector instead
  (`Stack::builder().faults`, a fixed seed, the same fraction of the frames it sends and
  receives), whose link has no segmentation offload: one segment per frame.
- Each cell: one connection sending 256 KiB writes for the duration, then half-closing;
  timed from after the connect to the receiver's close after end-of-file. The repeats run
  one after another in one pair of namespaces. Kernel -> kernel is measured once per loss
  level and is the baseline of both directions' lines; the ratio (×) is the row's Gbit/s
  over it.
- Sender counters: the sender's, over the median transfer (read after the connect and
  after the receiver's close). For the kernel, its namespace's nstat counters (per network
  namespace; that namespace holds only the sending connection): FR `TcpExtTCPFastRetrans`,
  RTO `TcpExtTCPTimeouts`, TLP `TcpExtTCPLossProbes`, lost `TcpExtTCPLostRetransmit`,
  spur `TcpExtTCPSpuriousRTOs` + `TcpExtTCPDSACKRecv`, rec `TcpExtTCPSackRecovery` +
  `TcpExtTCPRenoRecovery`, rtx `TcpRetransSegs`. For this stack,
  `Stack::counters().connections`: `fast_retransmits`, `retransmission_timeouts`,
  `tail_loss_probes`, `lost_retransmits`, `spurious_fast_retransmits` +
  `spurious_timeouts` + `dsacks_received`, `recovery_episodes`, `retransmits`. The
  sender of kernel -> this stack is the kernel.
";

//! A bulk sender's loss-recovery counters, the kernel's and this stack's under the same
//! names, so the loss table can put the two side by side.

use std::fmt;
use std::io;

use tcp_tokio::Stack;

use crate::nstat::Nstat;

/// What a sender did about loss. Read it before and after a transfer and take
/// [`Recovery::since`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recovery {
    /// Segments retransmitted by loss recovery, not by the timer.
    fast_retransmits: u64,
    /// Retransmission timeouts.
    timeouts: u64,
    /// Tail loss probes.
    loss_probes: u64,
    /// Retransmissions lost in turn and sent again.
    lost_retransmits: u64,
    /// Signs of needless retransmission: spurious timeouts and recoveries, D-SACKs.
    spurious: u64,
    /// Loss-recovery episodes entered.
    recoveries: u64,
    /// Segments sent again, for any reason.
    retransmits: u64,
}

impl Recovery {
    /// How [`Recovery`]'s `Display` lists the counters, in order.
    pub(crate) const LEGEND: &str = "FR/RTO/TLP/lost/spur/rec/rtx";

    /// The kernel's counters in the calling thread's network namespace.
    pub(crate) fn kernel() -> io::Result<Recovery> {
        let nstat = Nstat::read()?;
        Ok(Recovery {
            fast_retransmits: nstat.get("TcpExtTCPFastRetrans")?,
            timeouts: nstat.get("TcpExtTCPTimeouts")?,
            loss_probes: nstat.get("TcpExtTCPLossProbes")?,
            lost_retransmits: nstat.get("TcpExtTCPLostRetransmit")?,
            spurious: nstat.get("TcpExtTCPSpuriousRTOs")? + nstat.get("TcpExtTCPDSACKRecv")?,
            recoveries: nstat.get("TcpExtTCPSackRecovery")? + nstat.get("TcpExtTCPRenoRecovery")?,
            retransmits: nstat.get("TcpRetransSegs")?,
        })
    }

    /// `stack`'s counters, summed over its connections, live and finished.
    pub(crate) fn stack(stack: &Stack) -> Recovery {
        let stats = stack.counters().connections;
        Recovery {
            fast_retransmits: stats.fast_retransmits,
            timeouts: stats.retransmission_timeouts,
            loss_probes: stats.tail_loss_probes,
            lost_retransmits: stats.lost_retransmits,
            spurious: stats.spurious_fast_retransmits
                + stats.spurious_timeouts
                + stats.dsacks_received,
            recoveries: stats.recovery_episodes,
            retransmits: stats.retransmits,
        }
    }

    /// What was counted between `before` and `self`.
    pub(crate) fn since(self, before: Recovery) -> Recovery {
        Recovery {
            fast_retransmits: self
                .fast_retransmits
                .saturating_sub(before.fast_retransmits),
            timeouts: self.timeouts.saturating_sub(before.timeouts),
            loss_probes: self.loss_probes.saturating_sub(before.loss_probes),
            lost_retransmits: self
                .lost_retransmits
                .saturating_sub(before.lost_retransmits),
            spurious: self.spurious.saturating_sub(before.spurious),
            recoveries: self.recoveries.saturating_sub(before.recoveries),
            retransmits: self.retransmits.saturating_sub(before.retransmits),
        }
    }
}

/// The counters in [`Recovery::LEGEND`]'s order, separated by `/`.
impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}/{}/{}/{}",
            self.fast_retransmits,
            self.timeouts,
            self.loss_probes,
            self.lost_retransmits,
            self.spurious,
            self.recoveries,
            self.retransmits
        )
    }
}

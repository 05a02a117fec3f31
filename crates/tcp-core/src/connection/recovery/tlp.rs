//! Tail Loss Probe (RFC 8985 §7): when the ACKs stop before the last segments are
//! acknowledged, send one segment after about two round trips instead of waiting for the
//! retransmission timer, so the ACK it brings lets RACK find a lost tail.

use core::time::Duration;
use tcp_wire::SeqNumber;

/// Timer slack added to 2·SRTT while more than one segment is in flight (Linux's
/// `TCP_TIMEOUT_MIN`): a probe a timer tick early would often be spurious.
const PROBE_SLACK: Duration = Duration::from_millis(2);

/// The probe timeout before any RTT is known (RFC 8985 §7.2: 1 s).
const INITIAL_PTO: Duration = Duration::from_secs(1);

/// One probe's outcome is pending until an ACK reaches past what it covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Episode {
    /// SND.MAX after the probe went out (TLP.end_seq).
    end: SeqNumber,
    /// The probe resent old data rather than sending new data.
    retransmission: bool,
}

/// What an ACK says about the outstanding probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProbeVerdict {
    /// No probe outstanding, or the ACK does not settle it yet.
    Pending,
    /// The probe (or its original) arrived and nothing was lost.
    NoLoss,
    /// The probe repaired a loss: the sender must reduce its window once.
    LossRepaired,
}

/// The state of tail loss probing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TailLossProbe {
    /// The probe timer fired: the next transmission is a probe.
    due: bool,
    episode: Option<Episode>,
}

impl TailLossProbe {
    /// The probe timeout (RFC 8985 §7.2, as Linux): 2·SRTT, plus the receiver's worst-case
    /// delayed-ACK time (`delayed_ack_max`) when only one segment is in flight (its ACK may be
    /// delayed), else plus timer slack.
    pub(crate) fn timeout(
        srtt: Option<Duration>,
        one_segment: bool,
        delayed_ack_max: Duration,
    ) -> Duration {
        let Some(srtt) = srtt else {
            return INITIAL_PTO;
        };
        let extra = if one_segment {
            delayed_ack_max
        } else {
            PROBE_SLACK
        };
        srtt.saturating_mul(2).saturating_add(extra)
    }

    /// No probe is outstanding, so one may be scheduled.
    pub(crate) fn idle(&self) -> bool {
        self.episode.is_none() && !self.due
    }

    /// The probe timer fired.
    pub(crate) fn fire(&mut self) {
        self.due = true;
    }

    /// The next transmission should be a probe.
    pub(crate) fn is_due(&self) -> bool {
        self.due
    }

    /// The probe went out; `snd_max` is SND.MAX after it. With `judged` the ACKs that
    /// follow decide whether it repaired a loss ([`TailLossProbe::on_ack`]), and no other
    /// probe is scheduled until they have.
    pub(crate) fn sent(&mut self, snd_max: SeqNumber, retransmission: bool, judged: bool) {
        self.due = false;
        self.episode = judged.then_some(Episode {
            end: snd_max,
            retransmission,
        });
    }

    /// Forgets any probe (a retransmission timeout, or nothing left to probe with).
    pub(crate) fn cancel(&mut self) {
        *self = TailLossProbe::default();
    }

    /// RFC 8985 §7.4.2 (as Linux's `tcp_process_tlp_ack`) for an ACK of `ack`: `dsack` says
    /// it carried a D-SACK below the probe's end, `duplicate` that it moved nothing.
    pub(crate) fn on_ack(&mut self, ack: SeqNumber, dsack: bool, duplicate: bool) -> ProbeVerdict {
        let Some(episode) = self.episode else {
            return ProbeVerdict::Pending;
        };
        if ack.lt(episode.end) {
            return ProbeVerdict::Pending;
        }
        let verdict = if !episode.retransmission || dsack {
            ProbeVerdict::NoLoss
        } else if ack.gt(episode.end) {
            ProbeVerdict::LossRepaired
        } else if duplicate {
            ProbeVerdict::NoLoss
        } else {
            return ProbeVerdict::Pending;
        };
        self.episode = None;
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_is_two_round_trips_plus_the_delayed_ack_for_a_single_segment() {
        let srtt = Some(Duration::from_millis(10));
        let delack = Duration::from_millis(200);
        assert_eq!(
            TailLossProbe::timeout(srtt, false, delack),
            Duration::from_millis(22)
        );
        assert_eq!(
            TailLossProbe::timeout(srtt, true, delack),
            Duration::from_millis(220)
        );
        assert_eq!(TailLossProbe::timeout(None, false, delack), INITIAL_PTO);
    }

    #[test]
    fn a_retransmitted_probe_acked_beyond_its_end_repaired_a_loss() {
        let mut tlp = TailLossProbe::default();
        tlp.fire();
        assert!(tlp.is_due() && !tlp.idle());
        tlp.sent(SeqNumber(1000), true, true);
        assert_eq!(
            tlp.on_ack(SeqNumber(900), false, false),
            ProbeVerdict::Pending
        );
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), false, false),
            ProbeVerdict::Pending
        );
        assert_eq!(
            tlp.on_ack(SeqNumber(1100), false, false),
            ProbeVerdict::LossRepaired
        );
        assert!(tlp.idle());
        tlp.fire();
        tlp.sent(SeqNumber(2000), true, false);
        assert!(tlp.idle(), "a probe sent in recovery waits for no verdict");
    }

    #[test]
    fn a_dsack_or_a_duplicate_ack_at_the_end_means_no_loss() {
        let mut tlp = TailLossProbe::default();
        tlp.sent(SeqNumber(1000), true, true);
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), true, false),
            ProbeVerdict::NoLoss
        );
        tlp.sent(SeqNumber(1000), true, true);
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), false, true),
            ProbeVerdict::NoLoss
        );
        tlp.sent(SeqNumber(1000), false, true);
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), false, false),
            ProbeVerdict::NoLoss,
            "a probe of new data needs no verdict"
        );
    }
}

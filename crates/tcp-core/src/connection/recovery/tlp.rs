//! Tail Loss Probe (RFC 8985 §7): when the ACKs stop before the last segments are
//! acknowledged, send one segment after about two round trips instead of waiting for the
//! retransmission timer, so the ACK it brings lets RACK find a lost tail.

use core::time::Duration;
use tcp_wire::SeqNumber;

/// Timer slack added to 2·SRTT while more than one segment is in flight. Linux adds two
/// jiffies (2 ms at HZ=1000) because its timers tick in jiffies; this engine measures in
/// microseconds and a tokio driver's timer adds up to a millisecond of its own, so a
/// smaller margin suffices. On a 50 µs veth path the 2 ms margin was most of every stall:
/// the 16 MiB transfer through 5 % loss took 1.6-3.5 s with it and 1.60-1.67 s with this.
const PROBE_SLACK: Duration = Duration::from_micros(200);

/// The probe timeout before any RTT is known (RFC 8985 §7.2: 1 s).
const INITIAL_PTO: Duration = Duration::from_secs(1);

/// Probes sent while the ACKs stay silent before the retransmission timer is left to act.
///
/// RFC 8985 sends one. Linux receivers answer a duplicate segment (our probe) at most twice
/// a second (`tcp_invalid_ratelimit`), so a single probe often goes unanswered, and the
/// 200 ms timer then costs a hundred round trips of a fast path; the second probe carries
/// new data when there is some, which no rate limit holds back.
const MAX_PROBES: u8 = 2;

/// The probes sent since the ACKs last made progress, pending until an ACK reaches past
/// what they covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Episode {
    /// SND.MAX after the last probe went out (TLP.end_seq).
    end: SeqNumber,
    /// A probe resent old data rather than sending new data.
    retransmission: bool,
    /// Sent in the open state: the ACKs decide whether it repaired a loss. Probes sent in
    /// recovery, where the window was already reduced, wait for no verdict.
    judged: bool,
    /// Probes in this episode.
    probes: u8,
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
    /// No probe due or outstanding (as `default()`, in a constant).
    pub(crate) const fn new() -> TailLossProbe {
        TailLossProbe {
            due: false,
            episode: None,
        }
    }

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

    /// A probe may be scheduled: none is due, and fewer than [`MAX_PROBES`] went out
    /// since the ACKs last made progress.
    pub(crate) fn may_schedule(&self) -> bool {
        !self.due && self.episode.is_none_or(|e| e.probes < MAX_PROBES)
    }

    /// The probe timer fired.
    pub(crate) fn fire(&mut self) {
        self.due = true;
    }

    /// The next transmission should be a probe.
    pub(crate) fn is_due(&self) -> bool {
        self.due
    }

    /// The due probe follows an unanswered one: it should carry new data if there is some.
    pub(crate) fn is_repeat(&self) -> bool {
        self.due && self.episode.is_some()
    }

    /// A probe went out; `snd_max` is SND.MAX after it; `judged` when sent in the open
    /// state (see `Episode::judged`).
    pub(crate) fn sent(&mut self, snd_max: SeqNumber, retransmission: bool, judged: bool) {
        self.due = false;
        let episode = self.episode.get_or_insert(Episode {
            end: snd_max,
            retransmission: false,
            judged,
            probes: 0,
        });
        episode.end = snd_max;
        episode.retransmission |= retransmission;
        episode.judged &= judged;
        episode.probes += 1;
    }

    /// Forgets any probe (a retransmission timeout, or nothing left to probe with).
    pub(crate) fn cancel(&mut self) {
        *self = TailLossProbe::default();
    }

    /// RFC 8985 §7.4.2 (as Linux's `tcp_process_tlp_ack`) for an ACK of `ack`: `dsack` says
    /// it carried a D-SACK below the probe's end, `duplicate` that it moved nothing,
    /// `delivered` that it reported data delivered (which ends an unjudged episode).
    pub(crate) fn on_ack(
        &mut self,
        ack: SeqNumber,
        dsack: bool,
        duplicate: bool,
        delivered: bool,
    ) -> ProbeVerdict {
        let Some(episode) = self.episode else {
            return ProbeVerdict::Pending;
        };
        if !episode.judged {
            if delivered || ack.ge(episode.end) {
                self.episode = None;
            }
            return ProbeVerdict::Pending;
        }
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
            Duration::from_micros(20_200)
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
        assert!(tlp.is_due() && !tlp.may_schedule() && !tlp.is_repeat());
        tlp.sent(SeqNumber(1000), true, true);
        assert!(tlp.may_schedule(), "a second probe may follow");
        tlp.fire();
        assert!(tlp.is_repeat());
        tlp.sent(SeqNumber(1100), false, true);
        assert!(!tlp.may_schedule(), "then the retransmission timer acts");
        let at = SeqNumber;
        assert_eq!(
            tlp.on_ack(at(900), false, false, true),
            ProbeVerdict::Pending
        );
        assert_eq!(
            tlp.on_ack(at(1100), false, false, true),
            ProbeVerdict::Pending
        );
        assert_eq!(
            tlp.on_ack(at(1200), false, false, true),
            ProbeVerdict::LossRepaired
        );
        assert!(tlp.may_schedule());
    }

    #[test]
    fn a_probe_sent_in_recovery_ends_with_the_next_delivery() {
        let mut tlp = TailLossProbe::default();
        tlp.fire();
        tlp.sent(SeqNumber(2000), true, false);
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), false, false, false),
            ProbeVerdict::Pending
        );
        assert!(tlp.may_schedule());
        tlp.fire();
        tlp.sent(SeqNumber(2000), true, false);
        assert!(!tlp.may_schedule());
        tlp.on_ack(SeqNumber(1000), false, false, true);
        assert!(tlp.may_schedule(), "delivery ended the episode");
    }

    #[test]
    fn a_dsack_or_a_duplicate_ack_at_the_end_means_no_loss() {
        let mut tlp = TailLossProbe::default();
        tlp.sent(SeqNumber(1000), true, true);
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), true, false, false),
            ProbeVerdict::NoLoss
        );
        tlp.sent(SeqNumber(1000), true, true);
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), false, true, false),
            ProbeVerdict::NoLoss
        );
        tlp.sent(SeqNumber(1000), false, true);
        assert_eq!(
            tlp.on_ack(SeqNumber(1000), false, false, false),
            ProbeVerdict::NoLoss,
            "a probe of new data needs no verdict"
        );
    }
}

//! Explicit Congestion Notification (RFC 3168), negotiated on the SYN exchange when enabled:
//! a CE mark on a received packet is echoed with ECE until the sender answers with CWR, and
//! an ECE received reduces the congestion window once per window of data.

use super::Connection;
use crate::time::Instant;
use tcp_wire::{Flags, SeqNumber};

/// A connection's ECN state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EcnState {
    /// We offer ECN (configuration).
    pub(in crate::connection) offered: bool,
    /// Both sides agreed on the SYN exchange.
    pub(in crate::connection) negotiated: bool,
    /// A CE mark arrived: our ACKs carry ECE until the peer's CWR.
    pub(in crate::connection) echo: bool,
    /// We reduced for an ECE: the next new data segment carries CWR.
    pub(in crate::connection) send_cwr: bool,
    /// ECEs are ignored until SND.UNA passes this (one reduction per window).
    pub(in crate::connection) reduced_until: Option<SeqNumber>,
}

impl EcnState {
    /// The ECN flags of our SYN or SYN-ACK.
    pub(crate) fn syn_flags(&self, syn_ack: bool) -> Flags {
        match (syn_ack, self.offered, self.negotiated) {
            (false, true, _) => Flags::ECE | Flags::CWR,
            (true, _, true) => Flags::ECE,
            _ => Flags::NONE,
        }
    }

    /// A passive open saw the client's SYN: ECN is on if it set ECE and CWR and we offer it.
    pub(crate) fn on_syn(&mut self, flags: Flags) {
        self.negotiated = self.offered && flags.contains(Flags::ECE | Flags::CWR);
    }

    /// An active open saw the SYN-ACK: ECN is on if it set ECE without CWR.
    pub(crate) fn on_syn_ack(&mut self, flags: Flags) {
        self.negotiated = self.offered && flags.contains(Flags::ECE) && !flags.contains(Flags::CWR);
    }
}

impl Connection {
    /// Receiver side for one synchronized-state segment: CWR ends the echo, CE starts it.
    pub(crate) fn ecn_on_receive(&mut self, flags: Flags, congestion_experienced: bool) {
        if !self.ecn.negotiated {
            return;
        }
        if flags.contains(Flags::CWR) {
            self.ecn.echo = false;
        }
        if congestion_experienced {
            self.ecn.echo = true;
            self.rcv.ack.now = true;
            self.stats.rare().congestion_marks_received += 1;
        }
    }

    /// Sender side: an ACK with ECE reduces the window once per window of data.
    pub(crate) fn ecn_on_ack(&mut self, now: Instant, flags: Flags) {
        if !self.ecn.negotiated || !flags.contains(Flags::ECE) || self.recovery.in_recovery() {
            return;
        }
        if self
            .ecn
            .reduced_until
            .is_some_and(|until| self.snd.una.lt(until))
        {
            return;
        }
        self.recovery.reduce_for_ecn(now, self.flight_size());
        self.ecn.send_cwr = true;
        self.ecn.reduced_until = Some(self.snd.max);
        self.stats.rare().ecn_reductions += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_needs_both_sides() {
        let mut passive = EcnState {
            offered: true,
            ..EcnState::default()
        };
        passive.on_syn(Flags::SYN | Flags::ECE | Flags::CWR);
        assert!(passive.negotiated);
        assert_eq!(passive.syn_flags(true), Flags::ECE);
        passive.on_syn(Flags::SYN | Flags::ECE);
        assert!(!passive.negotiated, "ECE alone is not an ECN-setup SYN");
        let mut active = EcnState {
            offered: true,
            ..EcnState::default()
        };
        assert_eq!(active.syn_flags(false), Flags::ECE | Flags::CWR);
        active.on_syn_ack(Flags::SYN | Flags::ACK | Flags::ECE | Flags::CWR);
        assert!(
            !active.negotiated,
            "ECE+CWR on a SYN-ACK is not an ECN-setup SYN-ACK"
        );
        active.on_syn_ack(Flags::SYN | Flags::ACK | Flags::ECE);
        assert!(active.negotiated);
        let mut off = EcnState::default();
        off.on_syn(Flags::SYN | Flags::ECE | Flags::CWR);
        assert!(!off.negotiated);
        assert_eq!(off.syn_flags(false), Flags::NONE);
    }
}

//! What sending data builds up in loss recovery: the record of segments in flight, the
//! delivery rate, pacing credit, RACK, the tail loss probe, PRR and the undo state. A
//! connection that has sent no data yet (an idle one just established, or one that only
//! receives) holds none of it: `LossRecovery` makes it when the first data goes out, or
//! when anything else would change it, and reads [`NOTHING_SENT`] until then.

use super::pacing::Pacer;
use super::prr::Prr;
use super::rack::Rack;
use super::rate::DeliveryRate;
use super::sent::SentQueue;
use super::tlp::TailLossProbe;
use core::time::Duration;

/// The state of loss recovery that sending data creates.
#[derive(Debug, Clone)]
pub(super) struct Flight {
    pub(super) sent: SentQueue,
    pub(super) rate: DeliveryRate,
    pub(super) pacer: Pacer,
    pub(super) rack: Rack,
    pub(super) tlp: TailLossProbe,
    pub(super) prr: Prr,
    /// Time left on RACK's reordering timer after the last detection pass.
    pub(super) reorder_wait: Option<Duration>,
    /// Segments duplicate ACKs reported delivered and no cumulative ACK covered yet (with
    /// SACK: duplicate ACKs since SND.UNA last moved). Without SACK each one stands for a
    /// segment that left the network (Linux's reno `sacked_out`).
    pub(super) dupacks: u32,
    /// Retransmissions of the last fast recovery not yet reported as duplicates by
    /// D-SACK; `None` when there is nothing to undo.
    pub(super) unproven_retransmits: Option<u32>,
    /// Our TSval when the last retransmission timeout struck, for Eifel detection.
    pub(super) timeout_ts: Option<u32>,
}

impl Flight {
    /// Nothing sent yet.
    pub(super) const fn new() -> Flight {
        Flight {
            sent: SentQueue::new(),
            rate: DeliveryRate::new(),
            pacer: Pacer::new(),
            rack: Rack::new(),
            tlp: TailLossProbe::new(),
            prr: Prr::new(),
            reorder_wait: None,
            dupacks: 0,
            unproven_retransmits: None,
            timeout_ts: None,
        }
    }
}

/// The state of a connection that has sent nothing yet, read until it has.
pub(super) static NOTHING_SENT: Flight = Flight::new();

#[cfg(test)]
mod tests {
    use super::super::{AckInput, LossRecovery};
    use crate::congestion::CongestionControl;
    use crate::connection::LiveStats;
    use crate::time::Instant;
    use core::time::Duration;
    use tcp_wire::SeqNumber;

    const MSS: u32 = 1448;

    fn controllers() -> Vec<Box<dyn CongestionControl>> {
        vec![
            Box::new(crate::Cubic::new(MSS, 10)),
            Box::new(crate::NewReno::new(MSS, 10)),
            Box::new(crate::Bbr::new(MSS, 10)),
        ]
    }

    /// An ACK of `ack` with nothing else in it.
    fn ack(ack: u32, advanced: bool, snd_max: u32) -> AckInput<'static> {
        AckInput {
            ack: SeqNumber(ack),
            advanced,
            at_snd_una: false,
            classic: false,
            sack_blocks: &[],
            ts_echo: None,
            snd_max: SeqNumber(snd_max),
            srtt: Some(Duration::from_millis(20)),
            cwnd_limited: false,
        }
    }

    /// Runs `steps` on a recovery state made lazily and on one whose flight state exists
    /// from the start, and asserts they answer and end the same (the lazy one's flight
    /// state as it would be made next).
    fn same_as_eager(
        cc: impl Fn() -> Box<dyn CongestionControl>,
        steps: impl Fn(&mut LossRecovery),
    ) {
        let mut lazy = LossRecovery::new(cc(), MSS, false);
        let mut eager = LossRecovery::new(cc(), MSS, false);
        eager.flight_mut();
        steps(&mut lazy);
        steps(&mut eager);
        assert_eq!(
            (lazy.window(), lazy.pipe(), lazy.room(), lazy.probe_due()),
            (
                eager.window(),
                eager.pipe(),
                eager.room(),
                eager.probe_due()
            )
        );
        assert_eq!(format!("{:?}", lazy.cc), format!("{:?}", eager.cc));
        assert_eq!(
            format!("{:?}", lazy.flight_mut()),
            format!("{:?}", eager.flight_mut())
        );
    }

    #[test]
    fn before_any_data_acks_and_app_limits_leave_it_unmade_and_change_what_they_did() {
        for index in 0..3 {
            let cc = || controllers().swap_remove(index);
            let t = Instant::from_millis(5);
            let handshake = |r: &mut LossRecovery| {
                r.set_path(MSS, true);
                let mut stats = LiveStats::default();
                r.on_ack(t, &ack(1001, true, 1001), &mut stats);
                r.check_app_limited(0);
                r.on_ack(t, &ack(1001, false, 1001), &mut stats);
                r.clear();
            };
            same_as_eager(cc, handshake);
            let mut lazy = LossRecovery::new(cc(), MSS, false);
            handshake(&mut lazy);
            assert!(lazy.flight.is_none(), "nothing sent, nothing made");
            let then_data = |r: &mut LossRecovery| {
                handshake(r);
                let mut stats = LiveStats::default();
                let (start, end) = (SeqNumber(1001), SeqNumber(1001 + MSS));
                r.on_sent(t, (start, end), false, false, end, &mut stats);
                r.on_ack(
                    t + Duration::from_millis(20),
                    &ack(1001 + MSS, true, 1001 + MSS),
                    &mut stats,
                );
            };
            same_as_eager(cc, then_data);
        }
    }
}

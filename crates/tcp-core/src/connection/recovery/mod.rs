//! Congestion control and loss recovery for one connection: the record of what is in
//! flight, how losses are found, how much may be sent, and what the retransmission timer
//! slot means while it is armed.
//!
//! Where each decision is made:
//! - [`sent`]: the per-segment record (in flight, lost, SACKed; when last sent).
//! - [`rack`]: RACK (RFC 8985 §6), the loss detection of SACK connections: time-based,
//!   with a reordering window that D-SACKs widen, and lost retransmissions found like any
//!   other loss.
//! - [`tlp`]: the Tail Loss Probe (RFC 8985 §7).
//! - [`prr`]: Proportional Rate Reduction (RFC 6937), how much to send during recovery.
//! - here: the phases (open, fast recovery, after a timeout), the duplicate-ACK threshold
//!   and NewReno partial ACKs for peers without SACK (RFC 6582 with RFC 6675's pipe), the
//!   pipe estimate, the congestion controller's hooks, and undo (Eifel for timeouts,
//!   D-SACK for fast recoveries).

mod flight;
mod pacing;
mod prr;
mod rack;
mod rate;
mod sent;
mod tlp;

use crate::congestion::{CongestionControl, Delivery, rate_of};
use crate::connection::LiveStats;
use crate::time::Instant;
use core::time::Duration;
use flight::{Flight, NOTHING_SENT};
use prr::Prr;
use rack::{DUP_THRESH, Detected};
use rate::AckDeliveries;
use sent::SegmentState;
use tcp_wire::SeqNumber;
use tlp::{ProbeVerdict, TailLossProbe};

/// Where loss recovery stands (Linux's `icsk_ca_state`; ECN's window reduction keeps its
/// own state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No loss being repaired.
    Open,
    /// Fast recovery until SND.UNA reaches `recover` (SND.MAX when it began).
    Recovery { recover: SeqNumber },
    /// After a retransmission timeout, until SND.UNA reaches `recover`: everything that
    /// was in flight was declared lost and goes out again as the window regrows.
    Loss { recover: SeqNumber },
}

/// What the connection's retransmission timer slot means while it is armed (RFC 8985
/// §8: at most one of them at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LossTimer {
    /// The retransmission timeout (RFC 6298).
    Retransmission,
    /// The tail loss probe timeout.
    Probe,
    /// RACK's reordering timer: a segment becomes lost when it expires.
    Reorder,
}

/// One ACK, as loss recovery needs it. Computed by the connection after SND.UNA moved.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AckInput<'a> {
    /// The cumulative acknowledgment.
    pub(in crate::connection) ack: SeqNumber,
    /// It moved SND.UNA.
    pub(in crate::connection) advanced: bool,
    /// It was at SND.UNA with data outstanding: a duplicate if it also carried new SACK
    /// information or is `classic`.
    pub(in crate::connection) at_snd_una: bool,
    /// RFC 5681's duplicate ACK: no data, no SYN or FIN, the window unchanged.
    pub(in crate::connection) classic: bool,
    /// Its SACK blocks (empty without SACK).
    pub(in crate::connection) sack_blocks: &'a [(SeqNumber, SeqNumber)],
    /// Its echoed timestamp, if any.
    pub(in crate::connection) ts_echo: Option<u32>,
    /// SND.MAX.
    pub(in crate::connection) snd_max: SeqNumber,
    /// The smoothed RTT.
    pub(in crate::connection) srtt: Option<Duration>,
    /// The sender was using the whole window when the acknowledged data went out.
    pub(in crate::connection) cwnd_limited: bool,
}

/// What the connection takes from one ACK.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AckOutcome {
    /// An RTT sample (RFC 6298, Karn's rule applied: none when a retransmission was
    /// acknowledged).
    pub(in crate::connection) rtt: Option<Duration>,
}

/// What the rate estimator needs of a delivered segment.
fn delivery_of(segment: &sent::SentSegment) -> (Instant, rate::SendSnapshot, bool) {
    (segment.sent_at, segment.snapshot, segment.retransmitted)
}

/// The state of congestion control and loss recovery.
#[derive(Debug)]
pub(crate) struct LossRecovery {
    cc: Box<dyn CongestionControl>,
    /// Made when the connection first sends data (or anything else changes it); until then
    /// [`NOTHING_SENT`] stands for it.
    flight: Option<Box<Flight>>,
    /// Pacing is on for a controller that does not set its own rate.
    pace_by_window: bool,
    /// The sender ran out of data before the flight state was made: it starts
    /// application-limited (`DeliveryRate::on_app_limited` with nothing in flight).
    app_limited_before_sending: bool,
    phase: Phase,
    timer: LossTimer,
    /// The peer sends SACK blocks (RACK and TLP need them).
    sack: bool,
    /// Bytes per full-sized segment.
    mss: u32,
}

impl LossRecovery {
    /// A fresh state with congestion controller `cc`, `mss`-byte segments and no SACK;
    /// `pacing` paces a controller that sets no pacing rate of its own at the window's
    /// rate (those that set one are always paced).
    pub(crate) fn new(cc: Box<dyn CongestionControl>, mss: u32, pacing: bool) -> LossRecovery {
        LossRecovery {
            cc,
            flight: None,
            pace_by_window: pacing,
            app_limited_before_sending: false,
            phase: Phase::Open,
            timer: LossTimer::Retransmission,
            sack: false,
            mss: mss.max(1),
        }
    }

    /// The flight state, or [`NOTHING_SENT`] before there is one.
    fn flight(&self) -> &Flight {
        self.flight.as_deref().unwrap_or(&NOTHING_SENT)
    }

    /// The flight state, made now if there is none yet.
    fn flight_mut(&mut self) -> &mut Flight {
        let app_limited = self.app_limited_before_sending;
        self.flight.get_or_insert_with(|| {
            let mut flight = Box::new(Flight::new());
            if app_limited {
                flight.rate.on_app_limited(0);
            }
            flight
        })
    }

    /// The segment size and whether SACK is in use, once negotiated.
    pub(crate) fn set_path(&mut self, mss: u32, sack: bool) {
        self.mss = mss.max(1);
        self.sack = sack;
        self.cc.set_mss(self.mss);
    }

    /// The congestion controller.
    pub(crate) fn controller(&self) -> &dyn CongestionControl {
        self.cc.as_ref()
    }

    /// True during fast recovery or after a timeout until the lost data is repaired.
    pub(crate) fn in_recovery(&self) -> bool {
        self.phase != Phase::Open
    }

    /// The congestion window in force: PRR's during fast recovery (unless the controller
    /// governs recovery itself), else the controller's.
    pub(crate) fn window(&self) -> u32 {
        match self.phase {
            Phase::Recovery { .. } if !self.cc.governs_recovery() => self.flight().prr.window(),
            _ => self.cc.window(),
        }
    }

    /// The pacing rate in bytes per second, if the connection is paced: the controller's,
    /// or (with pacing on) the window over the smoothed RTT times 2 in slow start and 1.2
    /// after it, as Linux's `tcp_update_pacing_rate`; none before an RTT is known.
    fn pacing_rate(&self, srtt: Option<Duration>) -> Option<u64> {
        if let Some(rate) = self.cc.pacing_rate() {
            return Some(rate);
        }
        if !self.pace_by_window {
            return None;
        }
        let srtt = srtt?;
        let window = u64::from(self.window().max(self.flight().sent.in_flight_bytes()));
        let percent = if self.cc.in_slow_start() { 200 } else { 120 };
        Some(rate_of(window * percent / 100, srtt))
    }

    /// True unless pacing holds the next segment back.
    pub(crate) fn pacer_open(&self) -> bool {
        self.flight().pacer.is_open()
    }

    /// `len` bytes went out at `now`: spends pacing credit. Returns when the pace timer
    /// should let the sender go on, if it must wait.
    pub(crate) fn pace(
        &mut self,
        now: Instant,
        len: u32,
        srtt: Option<Duration>,
    ) -> Option<Instant> {
        match self.pacing_rate(srtt) {
            Some(rate) => {
                let mss = self.mss;
                self.flight_mut().pacer.on_sent(now, len, rate, mss)
            }
            None => {
                self.flight_mut().pacer.reset();
                None
            }
        }
    }

    /// The pace timer fired at `now`: pacing credit accrues. Returns when to fire again if
    /// the sender must still wait.
    pub(crate) fn on_pace_timeout(
        &mut self,
        now: Instant,
        srtt: Option<Duration>,
    ) -> Option<Instant> {
        match self.pacing_rate(srtt) {
            Some(rate) => {
                let mss = self.mss;
                self.flight_mut().pacer.refill(now, rate, mss)
            }
            None => {
                self.flight_mut().pacer.reset();
                None
            }
        }
    }

    /// The sender ran out of data to send with `unsent` bytes (less than a segment) left:
    /// if the window had room and nothing waits to be resent, the rate samples of what is
    /// sent until the current flight is delivered show the application's pace, not the
    /// path's (Linux's `tcp_rate_check_app_limited`).
    pub(crate) fn check_app_limited(&mut self, unsent: u32) {
        if unsent < self.mss && self.pipe() < self.window() && self.flight().sent.lost_bytes() == 0
        {
            let pipe = self.pipe();
            match self.flight.as_deref_mut() {
                Some(flight) => flight.rate.on_app_limited(pipe),
                None => self.app_limited_before_sending = true,
            }
        }
    }

    /// The pipe (RFC 6675 `SetPipe`, as Linux's `tcp_packets_in_flight`): bytes sent and
    /// neither delivered nor declared lost. Without SACK each duplicate ACK counts one
    /// segment delivered, never more than what is in flight (so duplicate ACKs cannot
    /// inflate the window beyond what was really sent).
    pub(crate) fn pipe(&self) -> u32 {
        let in_flight = self.flight().sent.in_flight_bytes();
        if self.sack {
            in_flight
        } else {
            in_flight.saturating_sub(self.flight().dupacks.saturating_mul(self.mss))
        }
    }

    /// Bytes the congestion window lets go out now.
    pub(crate) fn room(&self) -> u32 {
        self.window().saturating_sub(self.pipe())
    }

    /// Bytes the receiver reported holding above SND.UNA.
    pub(crate) fn sacked_bytes(&self) -> u32 {
        self.flight().sent.sacked_bytes()
    }

    /// Heap bytes held: the congestion controller and, once made, the flight state with
    /// its record of segments in flight.
    pub(crate) fn allocated(&self) -> usize {
        let flight = self
            .flight
            .as_deref()
            .map_or(0, |f| size_of::<Flight>() + f.sent.allocated());
        size_of_val(self.cc.as_ref()) + self.cc.allocated() + flight
    }

    /// The meaning of the armed retransmission timer slot.
    pub(crate) fn timer(&self) -> LossTimer {
        self.timer
    }

    /// Records what the connection armed the slot as.
    pub(crate) fn set_timer(&mut self, timer: LossTimer) {
        self.timer = timer;
    }

    /// The next retransmission: the first lost segment, at most `mss` long, if the windows
    /// allow it: the pipe is below the congestion window (a whole segment goes out then, as
    /// Linux counts in segments; PRR's byte count makes up for it on later ACKs). The
    /// segment at SND.UNA may go out into a closed receive window (as Linux), others only
    /// below its right edge (`snd_una + snd_wnd`).
    pub(crate) fn next_retransmission(
        &self,
        snd_una: SeqNumber,
        snd_wnd: u32,
    ) -> Option<(SeqNumber, u32)> {
        if self.flight().sent.lost_bytes() == 0 {
            return None;
        }
        let (seq, len) = self.flight().sent.first_lost(snd_una, self.mss)?;
        if seq != snd_una && !seq.lt(snd_una + snd_wnd) {
            return None;
        }
        (self.room() > 0).then_some((seq, len))
    }

    /// A tail loss probe is due: the next transmission should be one.
    pub(crate) fn probe_due(&self) -> bool {
        self.flight().tlp.is_due()
    }

    /// The due probe follows an unanswered one: new data, if there is some, goes first.
    pub(crate) fn probe_is_repeat(&self) -> bool {
        self.flight().tlp.is_repeat()
    }

    /// The segment a probe resends, at most `mss` long (its first part): in the open
    /// state the last one sent (RFC 8985 §7.3); in recovery the oldest still in flight,
    /// most often a retransmission that was lost too, which the probe then repairs (a
    /// SACKed segment is never chosen: resending it would tell RACK nothing).
    pub(crate) fn probe_segment(&self) -> Option<(SeqNumber, u32)> {
        let chosen = if self.phase == Phase::Open {
            self.flight().sent.back()
        } else {
            self.flight().sent.first_in_flight()
        }?;
        (chosen.state != SegmentState::Sacked).then(|| (chosen.start, chosen.len().min(self.mss)))
    }

    /// `[seq, end)` went out at `now`: new data when `retransmission` is false; `probe`
    /// when it is the tail loss probe; `snd_max` is SND.MAX after it.
    pub(crate) fn on_sent(
        &mut self,
        now: Instant,
        (seq, end): (SeqNumber, SeqNumber),
        retransmission: bool,
        probe: bool,
        snd_max: SeqNumber,
        stats: &mut LiveStats,
    ) {
        let len = end - seq;
        let flight = self.flight_mut();
        let idle = flight.sent.in_flight_bytes() == 0;
        let snapshot = flight.rate.on_send(now, idle);
        if retransmission {
            self.flight_mut()
                .sent
                .retransmitted(seq, len, now, snapshot);
            if let Phase::Recovery { .. } = self.phase {
                stats.rare().fast_retransmits += 1;
                if let Some(unproven) = self.flight_mut().unproven_retransmits.as_mut() {
                    *unproven += 1;
                }
            }
        } else {
            self.flight_mut().sent.push(seq, end, now, snapshot);
        }
        if let Phase::Recovery { .. } = self.phase {
            self.flight_mut().prr.on_sent(len);
        }
        if probe {
            // Only a probe sent in the open state has a verdict to wait for: in recovery
            // the window was already reduced.
            let judged = self.phase == Phase::Open;
            self.flight_mut().tlp.sent(snd_max, retransmission, judged);
            stats.rare().tail_loss_probes += 1;
        }
    }

    /// Processes one ACK (after the connection moved SND.UNA): RTT sample, SACK, D-SACK,
    /// loss detection, phase changes, the window's growth or reduction, the probe's
    /// verdict.
    pub(crate) fn on_ack(
        &mut self,
        now: Instant,
        input: &AckInput<'_>,
        stats: &mut LiveStats,
    ) -> AckOutcome {
        if self.flight.is_none() && input.sack_blocks.is_empty() {
            return self.on_ack_before_sending(now, input, stats);
        }
        self.flight_mut().reorder_wait = None;
        // Sequence space outstanding after the ACK.
        let flight = input.snd_max - input.ack;
        if input.advanced {
            self.detect_spurious_timeout(input.ts_echo, stats);
        }
        let prior_in_flight = self.pipe();
        let sack = self.sack;
        let Flight {
            sent, rack, rate, ..
        } = self.flight_mut();
        let mut deliveries = AckDeliveries::default();
        let (mut acked, mut first_acked, mut karn) = (0u32, None, false);
        sent.acknowledge(input.ack, |segment| {
            acked += segment.len();
            rack.on_delivered(now, segment);
            rate.on_delivered(now, segment.len(), delivery_of(segment), &mut deliveries);
            karn |= segment.retransmitted;
            first_acked.get_or_insert(segment.sent_at);
        });
        let mut sacked = 0u32;
        let mut dsack = None;
        if sack && !input.sack_blocks.is_empty() {
            dsack = sent.sack(input.ack, input.sack_blocks, |segment| {
                sacked += segment.len();
                rack.on_delivered(now, segment);
                rate.on_delivered(now, segment.len(), delivery_of(segment), &mut deliveries);
            });
        }
        let duplicate = input.at_snd_una && (input.classic || sacked > 0);
        let mut delivered = acked + sacked;
        if input.advanced {
            if self.sack {
                self.flight_mut().dupacks = 0;
            } else {
                delivered = self.deliver_cumulatively(acked);
            }
        } else if duplicate {
            stats.rare().duplicate_acks += 1;
            // A duplicate ACK stands for a segment that left the network, so there are
            // never more of them than segments in flight (as Linux's
            // `tcp_limit_reno_sacked`): a peer repeating ACKs gains nothing from it.
            if self.flight().dupacks < self.flight().sent.in_flight_bytes() / self.mss {
                self.flight_mut().dupacks += 1;
                if !self.sack {
                    delivered = self.mss;
                }
            }
        }
        if dsack.is_some() {
            stats.rare().dsacks_received += 1;
            self.flight_mut().rack.on_dsack(input.ack, input.snd_max);
            self.on_dsack_undo(now, flight, stats);
        }
        let lost_before = self.flight().sent.lost_bytes();
        let detected = self.detect_loss(now, input, stats);
        let newly_lost = self.flight().sent.lost_bytes().saturating_sub(lost_before);
        self.update_phase(now, input.ack, flight, input.snd_max, stats);
        match self.phase {
            Phase::Recovery { .. } => {
                let may_add = input.advanced && detected.lost == 0;
                let (ssthresh, pipe, mss) = (self.cc.slow_start_threshold(), self.pipe(), self.mss);
                self.flight_mut()
                    .prr
                    .on_ack(delivered, pipe, ssthresh, mss, may_add);
            }
            _ if input.advanced => {
                self.cc
                    .on_ack(now, delivered, input.srtt, input.cwnd_limited);
            }
            Phase::Open | Phase::Loss { .. } => {}
        }
        let probe_dsack = dsack.is_some();
        let pure_duplicate = duplicate && sacked == 0;
        let verdict =
            self.flight_mut()
                .tlp
                .on_ack(input.ack, probe_dsack, pure_duplicate, delivered > 0);
        if verdict == ProbeVerdict::LossRepaired && self.phase == Phase::Open {
            self.cc.on_congestion_event(now, flight, false);
            self.cc.on_recovery_exit(now, flight);
        }
        if self.flight().sent.len() == 0 {
            self.flight_mut().tlp.cancel();
        }
        let (rate, rtt) = self.flight_mut().rate.sample(deliveries);
        if delivered > 0 || newly_lost > 0 {
            let delivery = Delivery {
                delivered,
                lost: newly_lost,
                prior_in_flight,
                in_flight: self.pipe(),
                total_delivered: self.flight().rate.delivered(),
                rtt,
                rate,
                in_recovery: self.in_recovery(),
            };
            self.cc.on_delivery(now, &delivery);
        }
        AckOutcome {
            rtt: first_acked.filter(|_| !karn).map(|sent_at| now - sent_at),
        }
    }

    /// [`LossRecovery::on_ack`] for an ACK without SACK blocks while no flight state
    /// exists: nothing was sent that it could deliver, declare lost or probe, so of all
    /// `on_ack` does only two steps can change anything, a duplicate ACK's count and the
    /// controller's hook for an ACK that moved SND.UNA (past the SYN), each with nothing
    /// delivered. Every other step would find [`NOTHING_SENT`] and leave it as it is, so
    /// the flight state is not made for them.
    fn on_ack_before_sending(
        &mut self,
        now: Instant,
        input: &AckInput<'_>,
        stats: &mut LiveStats,
    ) -> AckOutcome {
        if !input.advanced && input.at_snd_una && input.classic {
            stats.rare().duplicate_acks += 1;
        }
        if input.advanced && !matches!(self.phase, Phase::Recovery { .. }) {
            self.cc.on_ack(now, 0, input.srtt, input.cwnd_limited);
        }
        AckOutcome::default()
    }

    /// Without SACK, a cumulative ACK of `acked` bytes also covers segments that duplicate
    /// ACKs already counted as delivered: those leave the count, less one for the segment
    /// the ACK itself stands for (as Linux's `tcp_remove_reno_sacks`). Returns the bytes
    /// newly delivered, at least one segment's worth.
    fn deliver_cumulatively(&mut self, acked: u32) -> u32 {
        let segments = acked.div_ceil(self.mss);
        let newly = segments.saturating_sub(self.flight().dupacks).max(1);
        self.flight_mut().dupacks = self
            .flight()
            .dupacks
            .saturating_sub(segments.saturating_sub(1));
        newly.saturating_mul(self.mss).min(acked)
    }

    /// RACK for SACK connections; the duplicate-ACK threshold and NewReno's partial ACK
    /// rule without SACK.
    fn detect_loss(
        &mut self,
        now: Instant,
        input: &AckInput<'_>,
        stats: &mut LiveStats,
    ) -> Detected {
        if self.sack {
            if self.flight().sent.sacked_bytes() == 0 && self.phase == Phase::Open {
                return Detected::default();
            }
            return self.rack_pass(now, input.srtt, stats);
        }
        let head_lost = match self.phase {
            Phase::Open => self.flight().dupacks >= DUP_THRESH,
            Phase::Recovery { recover } => input.advanced && input.ack.lt(recover),
            Phase::Loss { .. } => false,
        };
        let mut detected = Detected::default();
        if head_lost && let Some(retransmitted) = self.flight_mut().sent.mark_lost(0) {
            detected.lost = 1;
            detected.lost_retransmits = u32::from(retransmitted);
        }
        detected
    }

    /// One pass of RACK's detection with the reordering window in force now; records the
    /// lost retransmissions it found and the reordering timer it asks for.
    fn rack_pass(
        &mut self,
        now: Instant,
        srtt: Option<Duration>,
        stats: &mut LiveStats,
    ) -> Detected {
        let sacked_segments = self.flight().sent.sacked_bytes() / self.mss;
        let reo_wnd = self
            .flight()
            .rack
            .reo_wnd(self.in_recovery(), sacked_segments, srtt);
        let flight = self.flight_mut();
        let detected = flight.rack.detect_loss(now, &mut flight.sent, reo_wnd);
        stats.rare().lost_retransmits += u64::from(detected.lost_retransmits);
        self.flight_mut().reorder_wait = detected.timeout;
        detected
    }

    /// Leaves a recovery whose data is all acknowledged; enters fast recovery when a loss
    /// is known outside one.
    fn update_phase(
        &mut self,
        now: Instant,
        ack: SeqNumber,
        flight: u32,
        snd_max: SeqNumber,
        stats: &mut LiveStats,
    ) {
        match self.phase {
            Phase::Recovery { recover } if ack.ge(recover) => {
                self.phase = Phase::Open;
                self.cc.on_recovery_exit(now, flight);
                self.flight_mut().rack.on_recovery_exit();
            }
            Phase::Loss { recover } if ack.ge(recover) => {
                self.phase = Phase::Open;
                self.flight_mut().rack.on_recovery_exit();
            }
            _ => {}
        }
        if self.phase == Phase::Open && self.flight().sent.lost_bytes() > 0 {
            self.cc.on_congestion_event(now, flight, false);
            self.flight_mut().prr = Prr::start(flight);
            self.phase = Phase::Recovery { recover: snd_max };
            // The recovery's reduction answers for any loss an outstanding probe repaired.
            self.flight_mut().tlp.cancel();
            self.flight_mut().unproven_retransmits = Some(0);
            stats.rare().recovery_episodes += 1;
        }
    }

    /// RACK's reordering timer expired: judge the segments it was waiting for.
    pub(crate) fn on_reorder_timeout(
        &mut self,
        now: Instant,
        srtt: Option<Duration>,
        (snd_una, snd_max): (SeqNumber, SeqNumber),
        stats: &mut LiveStats,
    ) {
        self.rack_pass(now, srtt, stats);
        let flight = snd_max - snd_una;
        self.update_phase(now, snd_una, flight, snd_max, stats);
        if let Phase::Recovery { .. } = self.phase {
            let ssthresh = self.cc.slow_start_threshold();
            let (pipe, mss) = (self.pipe(), self.mss);
            self.flight_mut().prr.on_ack(0, pipe, ssthresh, mss, false);
        }
    }

    /// The retransmission timer expired with data outstanding (`flight` bytes, up to
    /// `snd_max`): the window collapses and everything in flight is declared lost. On the
    /// first timeout `ts_now` is kept to tell a spurious one (Eifel); a `repeated` timeout
    /// declares SACKed data lost too, in case the receiver reneged (RFC 2018 §8).
    pub(crate) fn on_retransmission_timeout(
        &mut self,
        now: Instant,
        (flight, snd_max): (u32, SeqNumber),
        ts_now: Option<u32>,
        repeated: bool,
    ) {
        self.cc.on_retransmit_timeout(now, flight);
        self.flight_mut().timeout_ts = if repeated { None } else { ts_now };
        self.flight_mut().sent.mark_all_lost(repeated);
        self.phase = Phase::Loss { recover: snd_max };
        self.flight_mut().tlp.cancel();
        self.flight_mut().dupacks = 0;
        self.flight_mut().unproven_retransmits = None;
        self.flight_mut().reorder_wait = None;
    }

    /// The path MTU fell to `mss`-byte segments: whatever is in flight in longer ones is
    /// lost and goes out again at once, re-cut, without a congestion response (the network
    /// did not drop them for congestion), as Linux's `tcp_simple_retransmit`: outside
    /// recovery the phase becomes `Loss` up to `snd_max`, with the window as it was.
    pub(crate) fn on_path_mtu_reduced(&mut self, mss: u32, snd_max: SeqNumber) {
        self.set_path(mss, self.sack);
        if self.flight.is_none() || self.flight_mut().sent.mark_lost_longer_than(mss) == 0 {
            return;
        }
        if self.phase == Phase::Open {
            self.phase = Phase::Loss { recover: snd_max };
            let flight = self.flight_mut();
            flight.tlp.cancel();
            flight.timeout_ts = None;
            flight.unproven_retransmits = None;
            flight.reorder_wait = None;
        }
    }

    /// The data at `seq` was declared lost or sent again since it first went out.
    pub(crate) fn lost_or_resent(&self, seq: SeqNumber) -> bool {
        self.flight()
            .sent
            .holding(seq)
            .is_some_and(|s| s.state == SegmentState::Lost || s.retransmitted)
    }

    /// The probe timer expired: the next transmission is a probe.
    pub(crate) fn on_probe_timeout(&mut self) {
        self.flight_mut().tlp.fire();
    }

    /// An ECN-Echo asks for a window reduction (RFC 3168 §6.1.2) of `flight` outstanding.
    pub(crate) fn reduce_for_ecn(&mut self, now: Instant, flight: u32) {
        self.cc.on_congestion_event(now, flight, true);
    }

    /// When the retransmission timer slot should fire instead of the retransmission
    /// timeout, and as what: RACK's reordering timer while it waits on a segment, else the
    /// probe timer when a tail loss probe may be scheduled (SACK, no probe outstanding;
    /// `rto` caps it at the head's retransmission timeout, as Linux). `delayed_ack_max` is
    /// the peer's worst-case delayed-ACK time, allowed for when one segment is in flight.
    ///
    /// Unlike RFC 8985 §7.2 (and Linux), the probe is also scheduled during recovery: with
    /// the small windows of a lossy path, the retransmission is often all that is in
    /// flight, and when it is lost too no ACK comes back to let RACK see it. A probe two
    /// round trips later brings that ACK (its segment was sent after the retransmission),
    /// where the retransmission timer would wait 200 ms and collapse the window. While ACKs
    /// flow, each one pushes the probe back, so it only fires when they stop.
    pub(crate) fn early_timer(
        &self,
        now: Instant,
        srtt: Option<Duration>,
        rto: Duration,
        delayed_ack_max: Duration,
    ) -> Option<(LossTimer, Instant)> {
        if let Some(wait) = self.flight().reorder_wait {
            return Some((LossTimer::Reorder, now + wait));
        }
        if !self.sack || !self.flight().tlp.may_schedule() {
            return None;
        }
        let head = self.flight().sent.front()?;
        let one_segment = self.phase == Phase::Open && self.flight().sent.len() == 1;
        let mut at = now + TailLossProbe::timeout(srtt, one_segment, delayed_ack_max);
        let rto_at = head.sent_at + rto;
        if rto_at > now {
            at = at.min(rto_at);
        }
        Some((LossTimer::Probe, at))
    }

    /// Eifel detection (RFC 3522): the first ACK after a timeout echoes a timestamp older
    /// than the retransmission, so the original arrived and the timeout was spurious. The
    /// congestion response is undone and the segments declared lost are in flight again
    /// (RFC 4015).
    fn detect_spurious_timeout(&mut self, ts_echo: Option<u32>, stats: &mut LiveStats) {
        let (Some(retransmitted_at), Some(echo)) = (self.flight_mut().timeout_ts.take(), ts_echo)
        else {
            return;
        };
        if echo != 0 && (echo.wrapping_sub(retransmitted_at) as i32) < 0 {
            self.cc.undo();
            self.flight_mut().sent.unmark_lost();
            self.phase = Phase::Open;
            stats.rare().spurious_timeouts += 1;
        }
    }

    /// A D-SACK reports that one of our retransmissions was a duplicate (RFC 3708). Once
    /// every retransmission of the last fast recovery is reported so, the loss was
    /// reordering: the window reduction is undone (RACK has widened its reordering window).
    fn on_dsack_undo(&mut self, now: Instant, flight: u32, stats: &mut LiveStats) {
        let Some(unproven) = self
            .flight_mut()
            .unproven_retransmits
            .as_mut()
            .filter(|n| **n > 0)
        else {
            return;
        };
        *unproven -= 1;
        if *unproven > 0 {
            return;
        }
        self.flight_mut().unproven_retransmits = None;
        if let Phase::Recovery { .. } = self.phase {
            self.phase = Phase::Open;
            self.cc.on_recovery_exit(now, flight);
            self.flight_mut().sent.unmark_lost();
        }
        self.cc.undo();
        stats.rare().spurious_fast_retransmits += 1;
    }

    /// Forgets everything in flight (the connection closed or entered TIME_WAIT).
    pub(crate) fn clear(&mut self) {
        self.phase = Phase::Open;
        if let Some(flight) = self.flight.as_deref_mut() {
            flight.sent.clear();
            flight.tlp.cancel();
            flight.reorder_wait = None;
            flight.dupacks = 0;
        }
    }
}

//! The path below a connection: the MSS the path MTU allows (RFC 1191, RFC 8201: what an
//! ICMP "packet too big" reported), black-hole detection and probing for paths that drop
//! those reports (RFC 4821, as Linux's `tcp_mtu_probing=1`), and the soft errors ICMP
//! reports (RFC 1122 §4.2.3.9).

use super::{Connection, Raise};
use crate::config::Config;
use crate::error::Error;
use crate::state::State;
use crate::time::Instant;
use core::net::IpAddr;
use tcp_wire::SeqNumber;

/// Retransmissions in a row after which a connection gives negative advice to the layer
/// below (RFC 9293 R1, MUST-20; Linux's `tcp_retries1`) and black-hole detection acts.
pub(super) const R1: u32 = 3;

/// The smallest path MTU a report may set: 552 bytes over IPv4 (Linux's `ip_rt_min_pmtu`,
/// so a forged report cannot cut segments to a few bytes), 1280 over IPv6 (RFC 8200's
/// minimum link MTU).
fn min_mtu(remote: IpAddr) -> u16 {
    if remote.is_ipv6() { 1280 } else { 552 }
}

/// IP and TCP header bytes, without options, in front of a payload.
fn header_bytes(remote: IpAddr) -> u16 {
    if remote.is_ipv6() { 60 } else { 40 }
}

/// What the connection knows of its path beyond its first hop; boxed, made by the first
/// report or black hole.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PathState {
    /// The MSS a reported path MTU allows, and until when the report holds.
    reported: Option<(u16, Instant)>,
    /// The black-hole search, once detection started it.
    search: Option<MtuSearch>,
    /// The error an ICMP message reported while synchronized: the connection's error if
    /// it times out (Linux's `sk_err_soft`).
    soft_error: Option<Error>,
}

/// RFC 4821's search, in MSS bytes (Linux's `icsk_mtup`).
#[derive(Debug, Clone, Copy)]
struct MtuSearch {
    /// The largest MSS known to get through: the one in use.
    low: u16,
    /// The largest MSS that may get through.
    high: u16,
    /// The probe in flight: its first and one-past-last sequence numbers and its MSS.
    probe: Option<(SeqNumber, SeqNumber, u16)>,
    /// A probe may go out (the search is not settled, or it is time to search again).
    probe_ready: bool,
    /// When a settled search starts again from the top.
    research_at: Option<Instant>,
}

impl PathState {
    /// Something got through: an ICMP report no longer stands (Linux's `sk_err_soft`
    /// cleared by `tcp_ack`).
    pub(super) fn clear_soft_error(&mut self) {
        self.soft_error = None;
    }

    /// The largest MSS the path allows as far as known.
    fn cap(&self) -> u16 {
        let reported = self.reported.map_or(u16::MAX, |(mss, _)| mss);
        let searched = self.search.map_or(u16::MAX, |s| s.low);
        reported.min(searched)
    }
}

impl Connection {
    /// The largest MSS the path allows as far as the connection knows (`u16::MAX` when
    /// nothing is known beyond the first hop).
    pub(super) fn path_cap(&self) -> u16 {
        self.path.as_deref().map_or(u16::MAX, PathState::cap)
    }

    /// The MSS before options: what both ends and the path allow.
    fn segment_limit(&self) -> u16 {
        self.negotiated
            .peer_mss
            .min(self.negotiated.local_mss)
            .min(self.path_cap())
    }

    /// RFC 5927 §4.1: an ICMP error is believed only if the sequence number it quotes is
    /// in flight, `SND.UNA..=SND.NXT` (SND.MAX here, which SND.NXT never exceeds).
    pub(crate) fn quotes_in_flight(&self, seq: SeqNumber) -> bool {
        seq.ge(self.snd.una) && seq.le(self.snd.max)
    }

    /// An ICMP unreachable message named this connection (see
    /// `Endpoint::handle_icmp_error`): the connect fails with `error`, a half-open passive
    /// connection ends on a `hard` one, a synchronized one keeps it as its soft error.
    /// False when the state takes no ICMP.
    pub(crate) fn on_unreachable(&mut self, error: Option<Error>, hard: bool) -> bool {
        let Some(error) = error else {
            return false;
        };
        match self.state {
            State::Closed | State::Listen | State::TimeWait => false,
            State::SynReceived if self.books.listener().is_some() => {
                if hard {
                    self.enter_closed();
                }
                hard
            }
            State::SynSent | State::SynReceived => {
                self.fail(error);
                true
            }
            _ => {
                tracing::debug!(%error, "soft error");
                self.path.get_or_insert_with(Box::default).soft_error = Some(error);
                true
            }
        }
    }

    /// Fails the connection as timed out: with its soft error if an ICMP message left one,
    /// as Linux's `tcp_write_err`, else `TimedOut`.
    pub(super) fn fail_timed_out(&mut self) {
        let soft = self.path.as_deref_mut().and_then(|p| p.soft_error.take());
        let error = soft.unwrap_or(Error::TimedOut);
        self.fail(error);
    }

    /// The path MTU to the peer is `mtu` bytes until `until` (a "packet too big", or the
    /// endpoint's record of one): the MSS falls to match, never below the family's floor,
    /// and segments in flight that no longer fit go out again at once. False when that is
    /// no lower than the MSS in use, or the state sends nothing.
    pub(crate) fn lower_path_mtu(&mut self, mtu: u16, until: Instant) -> bool {
        if matches!(self.state, State::Closed | State::Listen | State::TimeWait) {
            return false;
        }
        let remote = self.tuple.remote.ip();
        let mss = mtu.max(min_mtu(remote)) - header_bytes(remote);
        if mss >= self.segment_limit() {
            return false;
        }
        tracing::debug!(mtu, mss, "path MTU lowered");
        let path = self.path.get_or_insert_with(Box::default);
        path.reported = Some((mss, until));
        if let Some(search) = path.search.as_mut() {
            search.low = search.low.min(mss);
            search.high = search.high.min(mss);
            search.probe = None;
        }
        let snd_max = self.snd.max;
        let send_mss = self.send_mss();
        self.recovery.on_path_mtu_reduced(send_mss, snd_max);
        true
    }

    /// A reported path MTU expired: the MSS may grow back to what both ends allow (RFC
    /// 1191 §6.3), until a new report lowers it again.
    pub(super) fn expire_path_report(&mut self, now: Instant) {
        let Some(path) = self.path.as_deref_mut() else {
            return;
        };
        if path.reported.is_some_and(|(_, until)| until <= now) {
            path.reported = None;
            let send_mss = self.send_mss();
            self.recovery.set_path(send_mss, self.negotiated.sack);
        }
    }

    /// A retransmission timeout found data outstanding (after `timing.retries` counted
    /// it): at R1 the layer below gets negative advice; with black-hole detection on, the
    /// MSS falls to `base_mss` from R1 on, then halves on every further timeout (never
    /// below the family's floor), as Linux's `tcp_mtu_probing`. A probe in flight is
    /// judged lost instead.
    pub(super) fn after_retransmission_timeout(&mut self, now: Instant, config: &Config) {
        let retries = self.timing.retries;
        if retries == R1 {
            self.raise(Raise::NegativeAdvice);
            self.stats.rare().negative_advice += 1;
        }
        if !self.syn_acked() || !config.path_mtu.black_hole_detection {
            return;
        }
        if self.mtu_probe_failed(now, config) || retries < R1 {
            return;
        }
        let remote = self.tuple.remote.ip();
        let floor = min_mtu(remote) - header_bytes(remote);
        let current = self.segment_limit();
        let path = self.path.get_or_insert_with(Box::default);
        let low = match path.search.as_mut() {
            None => {
                let low = config.path_mtu.base_mss.max(floor).min(current);
                path.search = Some(MtuSearch {
                    low,
                    high: current,
                    probe: None,
                    probe_ready: true,
                    research_at: None,
                });
                low
            }
            Some(search) => {
                search.low = (search.low / 2).max(floor);
                search.high = search.high.max(search.low);
                search.low
            }
        };
        if low < current {
            tracing::debug!(mss = low, "black hole: MSS lowered");
            self.stats.rare().mtu_black_holes += 1;
            let send_mss = self.send_mss();
            self.recovery.set_path(send_mss, self.negotiated.sack);
        }
    }

    /// Payload bytes of the next path MTU probe, if one may go out now: the search is not
    /// settled, no probe is in flight, nothing is being recovered, and the windows and the
    /// data waiting allow a whole probe (RFC 4821 §7.4, Linux's `tcp_mtu_probe`).
    pub(super) fn mtu_probe_len(&self, available: u32, allowance: u32) -> Option<u32> {
        let search = self.path.as_deref()?.search?;
        if search.probe.is_some() || !search.probe_ready || self.recovery.in_recovery() {
            return None;
        }
        let size = search.low + (search.high - search.low).div_ceil(2);
        let len = self.payload_for(size);
        (size > search.low && len <= available && len <= allowance).then_some(len)
    }

    /// Payload bytes of a segment of `mss` bytes less the options every segment carries.
    fn payload_for(&self, mss: u16) -> u32 {
        u32::from(mss).saturating_sub(self.options_len()).max(1)
    }

    /// New data `[seq, end)` went out larger than the MSS: it is the path MTU probe.
    pub(super) fn mtu_probe_sent(&mut self, seq: SeqNumber, end: SeqNumber) {
        let size = u16::try_from((end - seq) + self.options_len()).unwrap_or(u16::MAX);
        if let Some(search) = self.path.as_deref_mut().and_then(|p| p.search.as_mut()) {
            search.probe = Some((seq, end, size));
        }
    }

    /// After an ACK: a probe the peer acknowledged raises the MSS to its size; one
    /// declared lost or sent again lowers the top of the search below it. A settled search
    /// starts again from the top after `probe_interval`.
    pub(super) fn judge_mtu_probe(&mut self, now: Instant, config: &Config) {
        let Some(search) = self.path.as_deref().and_then(|p| p.search) else {
            return;
        };
        if let Some((start, end, size)) = search.probe {
            if self.snd.una.ge(end) {
                self.stats.rare().mtu_probes_passed += 1;
                self.settle_search(now, config, |s| s.low = size);
                let send_mss = self.send_mss();
                self.recovery.set_path(send_mss, self.negotiated.sack);
                tracing::debug!(mss = size, "path MTU probe passed");
            } else if self.recovery.lost_or_resent(start) {
                self.mtu_probe_failed(now, config);
            }
        } else if search.research_at.is_some_and(|at| at <= now) {
            let top = self.negotiated.peer_mss.min(self.negotiated.local_mss).min(
                self.path
                    .as_deref()
                    .and_then(|p| p.reported)
                    .map_or(u16::MAX, |r| r.0),
            );
            self.settle_search(now, config, |s| {
                s.high = top;
                s.research_at = None;
            });
        }
    }

    /// The probe in flight, if any, failed: the top of the search falls below it. True
    /// when there was one.
    fn mtu_probe_failed(&mut self, now: Instant, config: &Config) -> bool {
        let Some((_, _, size)) = self
            .path
            .as_deref()
            .and_then(|p| p.search)
            .and_then(|s| s.probe)
        else {
            return false;
        };
        self.stats.rare().mtu_probes_failed += 1;
        tracing::debug!(mss = size, "path MTU probe lost");
        self.settle_search(now, config, |s| s.high = size - 1);
        true
    }

    /// Applies `change` to the search, ends the probe, and decides whether another may go
    /// out: at once while the bounds are `probe_threshold` or more apart, otherwise after
    /// `probe_interval`.
    fn settle_search(
        &mut self,
        now: Instant,
        config: &Config,
        change: impl FnOnce(&mut MtuSearch),
    ) {
        let Some(search) = self.path.as_deref_mut().and_then(|p| p.search.as_mut()) else {
            return;
        };
        change(search);
        search.probe = None;
        search.high = search.high.max(search.low);
        search.probe_ready = search.high - search.low >= config.path_mtu.probe_threshold;
        if !search.probe_ready && search.research_at.is_none() {
            search.research_at = Some(now + config.path_mtu.probe_interval);
        }
    }

    /// The MSS the connection starts with for a destination whose path MTU the endpoint
    /// recorded (`mtu` until `until`).
    pub(crate) fn start_with_path_mtu(&mut self, mtu: u16, until: Instant) {
        let remote = self.tuple.remote.ip();
        let mss = mtu.max(min_mtu(remote)) - header_bytes(remote);
        self.path.get_or_insert_with(Box::default).reported = Some((mss, until));
    }
}

//! Proportional Rate Reduction (RFC 6937, with RFC 9937's refinements, as Linux's
//! `tcp_cwnd_reduction`): how much to send on each ACK during fast recovery, so the
//! window comes down to ssthresh smoothly and a burst of losses does not stall the sender.

/// PRR's bookkeeping for one recovery episode, in bytes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Prr {
    /// FlightSize when recovery began (RecoverFS).
    recover_fs: u32,
    /// Bytes delivered to the receiver during recovery (prr_delivered).
    delivered: u64,
    /// Bytes sent during recovery (prr_out).
    out: u64,
    /// The window in force until the next ACK: the pipe after that ACK plus what PRR lets
    /// it send.
    window: u32,
}

impl Prr {
    /// No episode (as `default()`, in a constant).
    pub(crate) const fn new() -> Prr {
        Prr {
            recover_fs: 0,
            delivered: 0,
            out: 0,
            window: 0,
        }
    }

    /// Starts an episode with `recover_fs` bytes outstanding.
    pub(crate) fn start(recover_fs: u32) -> Prr {
        Prr {
            recover_fs: recover_fs.max(1),
            ..Prr::default()
        }
    }

    /// The congestion window during recovery.
    pub(crate) fn window(&self) -> u32 {
        self.window
    }

    /// `bytes` were sent (retransmitted or new).
    pub(crate) fn on_sent(&mut self, bytes: u32) {
        self.out += u64::from(bytes);
    }

    /// An ACK delivered `delivered` bytes (cumulatively and by SACK) and left `pipe` bytes
    /// in flight; `ssthresh` is the target window. `may_add_segment` is RFC 9937's
    /// condition for the slow-start reduction bound's extra segment: SND.UNA advanced and
    /// the ACK declared no new loss. The first call of an episode always allows one
    /// segment (the fast retransmit); after that an ACK that delivered nothing leaves the
    /// window as it was (as Linux).
    pub(crate) fn on_ack(
        &mut self,
        delivered: u32,
        pipe: u32,
        ssthresh: u32,
        mss: u32,
        may_add_segment: bool,
    ) {
        if delivered == 0 && self.out > 0 {
            return;
        }
        self.delivered += u64::from(delivered);
        let sndcnt = if pipe > ssthresh {
            let target =
                (self.delivered * u64::from(ssthresh)).div_ceil(u64::from(self.recover_fs));
            target.saturating_sub(self.out)
        } else {
            let mut limit = self
                .delivered
                .saturating_sub(self.out)
                .max(u64::from(delivered));
            if may_add_segment {
                limit += u64::from(mss);
            }
            limit.min(u64::from(ssthresh - pipe))
        };
        let sndcnt = if self.out == 0 {
            sndcnt.max(u64::from(mss))
        } else {
            sndcnt
        };
        let sndcnt = u32::try_from(sndcnt).unwrap_or(u32::MAX);
        self.window = pipe.saturating_add(sndcnt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    #[test]
    fn the_first_ack_allows_the_fast_retransmit() {
        let mut prr = Prr::start(20 * MSS);
        prr.on_ack(0, 19 * MSS, 14 * MSS, MSS, false);
        assert_eq!(prr.window(), 20 * MSS, "pipe + one segment");
    }

    #[test]
    fn above_ssthresh_sending_follows_delivery_times_ssthresh_over_recover_fs() {
        // RFC 6937 appendix A's example: 20 segments out, ssthresh 10 (NewReno's half),
        // one lost; each ACK delivers one segment and PRR sends one segment for every two
        // delivered (counted in bytes, so a half segment waits for the next ACK).
        let mut prr = Prr::start(20 * MSS);
        let mut pipe = 19 * MSS;
        let mut sent = Vec::new();
        for _ in 0..10 {
            prr.on_ack(MSS, pipe, 10 * MSS, MSS, false);
            let allowed = prr.window().saturating_sub(pipe);
            let n = allowed / MSS;
            prr.on_sent(n * MSS);
            sent.push(n);
            pipe = pipe - MSS + n * MSS;
        }
        assert_eq!(sent, [1, 0, 0, 1, 0, 1, 0, 1, 0, 1]);
        assert_eq!(sent.iter().sum::<u32>(), 5);
    }

    #[test]
    fn below_ssthresh_the_reduction_bound_regrows_like_slow_start() {
        let mut prr = Prr::start(10 * MSS);
        prr.on_sent(MSS);
        // A burst of losses left the pipe at 2 segments with ssthresh 7.
        prr.on_ack(2 * MSS, 2 * MSS, 7 * MSS, MSS, true);
        assert_eq!(
            prr.window(),
            2 * MSS + 3 * MSS,
            "max(delivered − out, delivered) + 1 segment"
        );
        prr.on_ack(MSS, 2 * MSS, 7 * MSS, MSS, false);
        assert_eq!(
            prr.window(),
            4 * MSS,
            "prr_delivered − prr_out = 2 segments"
        );
    }

    #[test]
    fn huge_inputs_saturate() {
        let mut prr = Prr::start(1);
        prr.on_ack(u32::MAX, u32::MAX - 1, u32::MAX, u32::MAX, true);
        assert_eq!(prr.window(), u32::MAX);
    }
}

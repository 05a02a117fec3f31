//! SYN cookies (RFC 4987 §3.6): when a listener's SYN queue is full, its SYN-ACK carries all
//! it must remember in the initial sequence number (and, with timestamps, in the TSval), so a
//! legitimate client's ACK can open the connection without any state having been kept.
//!
//! ISN layout: 5 bits of a 64-second counter, 3 bits of MSS index, 24 bits of a keyed hash of
//! the 4-tuple, the counter and the client's ISN. TSval layout (when timestamps are on): the
//! low 4 bits are the client's window scale (15 = none), bit 4 its SACK-permitted.

use crate::addr::FourTuple;
use crate::time::Instant;
use core::hash::Hasher;
use siphasher::sip::SipHasher13;
use tcp_wire::SeqNumber;

/// The MSS values a cookie can carry; the largest not above the client's is chosen.
const MSS_TABLE: [u16; 8] = [216, 536, 1220, 1300, 1400, 1440, 1460, 8960];
/// Seconds per counter tick.
const TICK_SECONDS: u64 = 64;
/// Ticks a cookie stays valid for after the one it was made in.
const MAX_AGE_TICKS: u32 = 1;
/// Low TSval bits that carry options.
pub(crate) const TS_OPTION_BITS: u32 = 0x1f;
/// Window-scale value meaning "the client offered no window scaling".
const NO_WSCALE: u32 = 0xf;

/// What a valid cookie gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CookieContents {
    /// The MSS to use towards the client (never above what it announced).
    pub(in crate::endpoint) mss: u16,
}

/// The client options encoded in a cookie's TSval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CookieOptions {
    /// The client's window scale, if it offered one.
    pub(in crate::endpoint) window_scale: Option<u8>,
    /// The client offered SACK.
    pub(in crate::endpoint) sack_permitted: bool,
}

/// Makes and checks cookies with one secret.
#[derive(Debug, Clone)]
pub(crate) struct CookieJar {
    key: [u8; 16],
}

impl CookieJar {
    pub(crate) fn new(key: [u8; 16]) -> CookieJar {
        CookieJar { key }
    }

    fn tick(now: Instant) -> u32 {
        (now.as_micros() / 1_000_000 / TICK_SECONDS) as u32
    }

    fn hash(&self, tuple: &FourTuple, tick: u32, client_isn: SeqNumber) -> u32 {
        let mut hasher = SipHasher13::new_with_key(&self.key);
        tuple.hash_into(&mut hasher);
        hasher.write_u32(tick & 0x1f);
        hasher.write_u32(client_isn.0);
        (hasher.finish() as u32) & 0x00ff_ffff
    }

    /// The ISN for a SYN-ACK answering a SYN with sequence number `client_isn` and MSS
    /// `client_mss` (536 when absent).
    pub(crate) fn make(
        &self,
        now: Instant,
        tuple: &FourTuple,
        client_isn: SeqNumber,
        client_mss: u16,
    ) -> SeqNumber {
        let tick = Self::tick(now);
        let index = MSS_TABLE
            .iter()
            .rposition(|&m| m <= client_mss)
            .unwrap_or(0) as u32;
        let hash = self.hash(tuple, tick, client_isn);
        SeqNumber(((tick & 0x1f) << 27) | (index << 24) | hash)
    }

    /// Checks the ACK completing a cookie handshake: `ack` is its acknowledgment number and
    /// `client_isn` its sequence number minus one.
    pub(crate) fn check(
        &self,
        now: Instant,
        tuple: &FourTuple,
        client_isn: SeqNumber,
        ack: SeqNumber,
    ) -> Option<CookieContents> {
        let cookie = (ack - 1).0;
        let current = Self::tick(now);
        let age = current.wrapping_sub(cookie >> 27) & 0x1f;
        if age > MAX_AGE_TICKS {
            return None;
        }
        let tick = current.wrapping_sub(age);
        if self.hash(tuple, tick, client_isn) != cookie & 0x00ff_ffff {
            return None;
        }
        let index = ((cookie >> 24) & 0x7) as usize;
        Some(CookieContents {
            mss: MSS_TABLE[index],
        })
    }
}

/// The TSval for a cookie SYN-ACK: our clock `now_ts` with the client's options in its low
/// bits, never ahead of the clock.
pub(crate) fn encode_timestamp(now_ts: u32, options: CookieOptions) -> u32 {
    let bits = u32::from(options.window_scale.unwrap_or(NO_WSCALE as u8)).min(NO_WSCALE)
        | (u32::from(options.sack_permitted) << 4);
    let value = (now_ts & !TS_OPTION_BITS) | bits;
    if value > now_ts {
        value.wrapping_sub(TS_OPTION_BITS + 1)
    } else {
        value
    }
}

/// The client options from the TSecr of the ACK completing a cookie handshake.
pub(crate) fn decode_timestamp(echo: u32) -> CookieOptions {
    let wscale = echo & NO_WSCALE;
    CookieOptions {
        window_scale: (wscale != NO_WSCALE).then_some(wscale.min(14) as u8),
        sack_permitted: echo & 0x10 != 0,
    }
}

impl CookieOptions {
    /// The peer's window scale, if it offered the option.
    pub(crate) fn window_scale(&self) -> Option<u8> {
        self.window_scale
    }

    /// The peer offered SACK.
    pub(crate) fn sack_permitted(&self) -> bool {
        self.sack_permitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::SocketAddr;
    use core::time::Duration;

    fn tuple(port: u16) -> FourTuple {
        FourTuple {
            local: SocketAddr::from(([198, 18, 0, 1], 80)),
            remote: SocketAddr::from(([198, 18, 0, 2], port)),
        }
    }

    #[test]
    fn a_fresh_cookie_validates_and_carries_the_mss() {
        let jar = CookieJar::new([3; 16]);
        let now = Instant::from_millis(1_000_000);
        let isn = jar.make(now, &tuple(5000), SeqNumber(77), 1460);
        let got = jar.check(
            now + Duration::from_secs(30),
            &tuple(5000),
            SeqNumber(77),
            isn + 1,
        );
        assert_eq!(got, Some(CookieContents { mss: 1460 }));
        let isn = jar.make(now, &tuple(5000), SeqNumber(77), 1000);
        assert_eq!(
            jar.check(now, &tuple(5000), SeqNumber(77), isn + 1)
                .unwrap()
                .mss,
            536
        );
    }

    #[test]
    fn forged_and_stale_cookies_fail() {
        let jar = CookieJar::new([3; 16]);
        let now = Instant::from_millis(1_000_000);
        let isn = jar.make(now, &tuple(5000), SeqNumber(77), 1460);
        assert_eq!(
            jar.check(now, &tuple(5001), SeqNumber(77), isn + 1),
            None,
            "other tuple"
        );
        assert_eq!(
            jar.check(now, &tuple(5000), SeqNumber(78), isn + 1),
            None,
            "other client ISN"
        );
        assert_eq!(
            jar.check(now, &tuple(5000), SeqNumber(77), isn + 2),
            None,
            "other cookie"
        );
        assert_eq!(
            CookieJar::new([4; 16]).check(now, &tuple(5000), SeqNumber(77), isn + 1),
            None
        );
        let later = now + Duration::from_secs(3 * TICK_SECONDS);
        assert_eq!(
            jar.check(later, &tuple(5000), SeqNumber(77), isn + 1),
            None,
            "stale"
        );
    }

    #[test]
    fn options_survive_the_timestamp_and_it_never_runs_ahead() {
        for wscale in [None, Some(0), Some(7), Some(14)] {
            for sack_permitted in [false, true] {
                let options = CookieOptions {
                    window_scale: wscale,
                    sack_permitted,
                };
                for now_ts in [0u32, 5, 31, 32, 1_000_003, u32::MAX] {
                    let ts = encode_timestamp(now_ts, options);
                    assert!(
                        ts.wrapping_sub(now_ts) as i32 <= 0,
                        "{ts} ahead of {now_ts}"
                    );
                    assert_eq!(decode_timestamp(ts), options);
                }
            }
        }
    }
}

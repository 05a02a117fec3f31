//! Initial sequence numbers per RFC 6528: a 4-microsecond clock plus a keyed hash of the
//! connection's 4-tuple, so that each 4-tuple gets its own sequence space that keeps moving
//! forward while old segments may still live.

use crate::addr::FourTuple;
use crate::time::Instant;
use core::hash::Hasher;
use siphasher::sip::SipHasher13;
use tcp_wire::SeqNumber;

/// Generates ISNs from a per-endpoint secret.
#[derive(Debug, Clone)]
pub(crate) struct IsnGenerator {
    key: [u8; 16],
}

impl IsnGenerator {
    /// A generator keyed with `secret` (random per endpoint in production).
    pub(crate) fn new(secret: [u8; 16]) -> IsnGenerator {
        IsnGenerator { key: secret }
    }

    /// `ISN = M + F(localip, localport, remoteip, remoteport, secretkey)` with M the 4 µs
    /// timer of RFC 6528 §3.
    pub(crate) fn isn(&self, now: Instant, tuple: &FourTuple) -> SeqNumber {
        let mut hasher = SipHasher13::new_with_key(&self.key);
        tuple.hash_into(&mut hasher);
        let clock = (now.as_micros() / 4) as u32;
        SeqNumber((hasher.finish() as u32).wrapping_add(clock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::SocketAddr;

    fn tuple(port: u16) -> FourTuple {
        FourTuple {
            local: SocketAddr::from(([198, 18, 0, 1], port)),
            remote: SocketAddr::from(([198, 18, 0, 2], 80)),
        }
    }

    #[test]
    fn isn_advances_with_a_four_microsecond_tick() {
        let isn = IsnGenerator::new([7; 16]);
        let a = isn.isn(Instant::from_micros(1000), &tuple(1));
        let b = isn.isn(Instant::from_micros(1400), &tuple(1));
        assert_eq!(b - a, 100);
    }

    #[test]
    fn different_tuples_and_secrets_get_unrelated_spaces() {
        let isn = IsnGenerator::new([7; 16]);
        let now = Instant::from_millis(3);
        assert_ne!(isn.isn(now, &tuple(1)), isn.isn(now, &tuple(2)));
        assert_ne!(
            isn.isn(now, &tuple(1)),
            IsnGenerator::new([8; 16]).isn(now, &tuple(1))
        );
    }
}

//! Keyed hashing for the endpoint's tables: SipHash-1-3 with a key from the endpoint secret,
//! so a peer cannot choose 4-tuples that collide, and iteration order is deterministic for a
//! given secret.

use core::hash::BuildHasher;
use siphasher::sip::SipHasher13;

/// Builds SipHash-1-3 hashers with one fixed key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyedHasher {
    key: [u8; 16],
}

impl KeyedHasher {
    /// A hasher builder keyed with `key`.
    pub(crate) fn new(key: [u8; 16]) -> KeyedHasher {
        KeyedHasher { key }
    }
}

impl BuildHasher for KeyedHasher {
    type Hasher = SipHasher13;

    fn build_hasher(&self) -> SipHasher13 {
        SipHasher13::new_with_key(&self.key)
    }
}

/// Hashing for tables keyed by the endpoint's own handles (sequential numbers no peer
/// chooses): one multiplication instead of SipHash, on the per-segment path.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HandleHasher;

impl BuildHasher for HandleHasher {
    type Hasher = HandleHash;

    fn build_hasher(&self) -> HandleHash {
        HandleHash(0)
    }
}

/// The hasher [`HandleHasher`] builds; it mixes the written integers with a multiplication
/// by an odd constant so sequential handles spread over hashbrown's control bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HandleHash(u64);

impl core::hash::Hasher for HandleHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::BuildHasher;

    #[test]
    fn sequential_handles_hash_apart_in_the_top_bits() {
        let builder = HandleHasher;
        let top: std::collections::HashSet<u64> =
            (1..=64u64).map(|n| builder.hash_one(n) >> 57).collect();
        assert!(
            top.len() > 40,
            "only {} distinct top-7-bit values",
            top.len()
        );
    }
}

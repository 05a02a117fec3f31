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

//! TCP Fast Open cookies a server hands out (RFC 7413 §4.1.2): eight bytes of a keyed hash
//! of the client's IP address, under a current and a previous key so cookies issued just
//! before a rotation stay valid for one more key period.

use crate::endpoint::hashing::KeyedHasher;
use core::hash::{BuildHasher, Hasher};
use core::net::IpAddr;
use siphasher::sip::SipHasher13;
use tcp_wire::FastOpenCookie;

/// How a cookie a client presented compares with the ones the endpoint would issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CookieCheck {
    /// Made with the current key.
    Current,
    /// Made with the previous key: valid, and the client should get a fresh one.
    Previous,
    /// Made with neither key (or by no one).
    Invalid,
}

/// The keys Fast Open cookies are made with.
#[derive(Debug, Clone)]
pub(crate) struct FastOpenKeys {
    /// The key every generation's key is derived from.
    base: [u8; 16],
    /// How many times the key was rotated.
    generation: u64,
    current: KeyedHasher,
    previous: Option<KeyedHasher>,
}

impl FastOpenKeys {
    /// Keys derived from `base`, before any rotation.
    pub(crate) fn new(base: [u8; 16]) -> FastOpenKeys {
        FastOpenKeys {
            base,
            generation: 0,
            current: KeyedHasher::new(generation_key(&base, 0)),
            previous: None,
        }
    }

    /// Makes a new current key; the current one becomes the previous one, and cookies made
    /// with the key before that stop being valid.
    pub(crate) fn rotate(&mut self) {
        self.generation += 1;
        let next = KeyedHasher::new(generation_key(&self.base, self.generation));
        self.previous = Some(core::mem::replace(&mut self.current, next));
    }

    /// Starts over from `base`, as [`FastOpenKeys::new`] would, but with the current key kept
    /// as the previous one.
    pub(crate) fn replace(&mut self, base: [u8; 16]) {
        let previous = self.current;
        *self = FastOpenKeys::new(base);
        self.previous = Some(previous);
    }

    /// The cookie for a client at `client` under the current key.
    pub(crate) fn cookie(&self, client: IpAddr) -> FastOpenCookie {
        cookie_with(&self.current, client)
    }

    /// Checks the cookie a client at `client` presented.
    pub(crate) fn check(&self, client: IpAddr, cookie: &FastOpenCookie) -> CookieCheck {
        if cookie_with(&self.current, client) == *cookie {
            CookieCheck::Current
        } else if self
            .previous
            .is_some_and(|key| cookie_with(&key, client) == *cookie)
        {
            CookieCheck::Previous
        } else {
            CookieCheck::Invalid
        }
    }
}

/// Eight bytes of `key`'s hash of `client`.
fn cookie_with(key: &KeyedHasher, client: IpAddr) -> FastOpenCookie {
    let hash = key.hash_one(client).to_be_bytes();
    FastOpenCookie::new(&hash).unwrap_or_default()
}

/// The key of rotation `generation`, derived from `base`.
fn generation_key(base: &[u8; 16], generation: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    for (half, chunk) in key.chunks_exact_mut(8).enumerate() {
        let mut hasher = SipHasher13::new_with_key(base);
        hasher.write_u64(generation);
        hasher.write_u8(half as u8);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    key
}

/// The endpoint's Fast Open state: the keys its listeners make cookies with, and the
/// cookies servers gave its clients.
#[derive(Debug)]
pub(super) struct FastOpen {
    /// Current and previous cookie keys (server side).
    pub(super) keys: FastOpenKeys,
    /// Cookies by server address (client side).
    pub(super) cache: super::fast_open_cache::FastOpenCache,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_survives_one_rotation_and_not_two() {
        let mut keys = FastOpenKeys::new([7; 16]);
        let client = IpAddr::from([198, 18, 0, 1]);
        let cookie = keys.cookie(client);
        assert_eq!(cookie.as_bytes().len(), 8);
        assert_eq!(keys.check(client, &cookie), CookieCheck::Current);
        let other = IpAddr::from([198, 18, 0, 2]);
        assert_eq!(keys.check(other, &cookie), CookieCheck::Invalid);
        keys.rotate();
        assert_ne!(keys.cookie(client), cookie);
        assert_eq!(keys.check(client, &cookie), CookieCheck::Previous);
        keys.rotate();
        assert_eq!(keys.check(client, &cookie), CookieCheck::Invalid);
    }
}

//! The value of a TCP Fast Open option (RFC 7413): a cookie, or an empty cookie request.

use super::MAX_FAST_OPEN_COOKIE;
use crate::error::Error;

/// A Fast Open cookie of 0 bytes (a cookie request) or 4 to 16 bytes of even length.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct FastOpenCookie {
    bytes: [u8; MAX_FAST_OPEN_COOKIE],
    len: u8,
}

impl FastOpenCookie {
    /// An empty cookie: a client's request for one.
    pub const fn request() -> FastOpenCookie {
        FastOpenCookie {
            bytes: [0; MAX_FAST_OPEN_COOKIE],
            len: 0,
        }
    }

    /// A cookie from its bytes; `OptionBadLength` unless empty or 4..=16 bytes of even length.
    pub fn new(cookie: &[u8]) -> Result<FastOpenCookie, Error> {
        let len = cookie.len();
        if len != 0 && (!(4..=MAX_FAST_OPEN_COOKIE).contains(&len) || !len.is_multiple_of(2)) {
            return Err(Error::OptionBadLength);
        }
        let mut bytes = [0; MAX_FAST_OPEN_COOKIE];
        bytes[..len].copy_from_slice(cookie);
        Ok(FastOpenCookie {
            bytes,
            len: len as u8,
        })
    }

    /// The cookie bytes; empty for a request.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// True for a cookie request.
    pub fn is_request(&self) -> bool {
        self.len == 0
    }
}

impl core::fmt::Debug for FastOpenCookie {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FastOpenCookie(")?;
        for byte in self.as_bytes() {
            write!(f, "{byte:02x}")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_open_cookie_lengths() {
        assert!(FastOpenCookie::new(&[]).unwrap().is_request());
        assert!(FastOpenCookie::new(&[1, 2, 3, 4]).is_ok());
        assert!(FastOpenCookie::new(&[1; 16]).is_ok());
        assert_eq!(FastOpenCookie::new(&[1; 2]), Err(Error::OptionBadLength));
        assert_eq!(FastOpenCookie::new(&[1; 5]), Err(Error::OptionBadLength));
        assert_eq!(FastOpenCookie::new(&[1; 18]), Err(Error::OptionBadLength));
    }
}

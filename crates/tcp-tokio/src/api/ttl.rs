//! The IP_TTL option of streams and listeners: validated, stored and reported.
//!
//! The value is not put on packets: the engine hands the network layer segments without
//! saying which connection they belong to, so every packet carries the stack's TTL
//! (`NetConfig::ttl`, 64 by default). What is set is what `ttl()` returns, and what a
//! listener passes on to the connections it accepts, as the kernel does.

use std::io;
use std::sync::atomic::{AtomicU8, Ordering};

/// One socket's TTL setting.
#[derive(Debug)]
pub(crate) struct Ttl(AtomicU8);

impl Ttl {
    /// A setting of `ttl` (the stack's, or the listener's for an accepted connection).
    pub(crate) fn new(ttl: u8) -> Ttl {
        Ttl(AtomicU8::new(ttl))
    }

    /// A setting that starts with this one's value: an accepted connection's from its
    /// listener's.
    pub(crate) fn inherit(&self) -> Ttl {
        Ttl(AtomicU8::new(self.0.load(Ordering::Relaxed)))
    }

    /// The setting.
    pub(crate) fn get(&self) -> u32 {
        u32::from(self.0.load(Ordering::Relaxed))
    }

    /// Sets 1 to 255; anything else is `InvalidInput`, as the kernel's EINVAL.
    pub(crate) fn set(&self, ttl: u32) -> io::Result<()> {
        let ttl = u8::try_from(ttl)
            .ok()
            .filter(|&ttl| ttl != 0)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("TTL {ttl} is outside 1..=255"),
                )
            })?;
        self.0.store(ttl, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_1_to_255_and_refuses_the_rest() {
        let ttl = Ttl::new(64);
        assert_eq!(ttl.get(), 64);
        ttl.set(1).unwrap();
        assert_eq!(ttl.get(), 1);
        ttl.set(255).unwrap();
        assert_eq!(ttl.get(), 255);
        for bad in [0, 256, u32::MAX] {
            assert_eq!(
                ttl.set(bad).unwrap_err().kind(),
                io::ErrorKind::InvalidInput
            );
        }
        assert_eq!(ttl.get(), 255, "a refused value changes nothing");
    }
}

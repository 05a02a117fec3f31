//! The eight TCP control bits of byte 13 (RFC 9293 §3.1, RFC 3168 for CWR/ECE).

use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// A set of TCP control bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u8);

impl Flags {
    /// No bits set.
    pub const NONE: Flags = Flags(0);
    /// No more data from sender.
    pub const FIN: Flags = Flags(0x01);
    /// Synchronize sequence numbers.
    pub const SYN: Flags = Flags(0x02);
    /// Reset the connection.
    pub const RST: Flags = Flags(0x04);
    /// Push function.
    pub const PSH: Flags = Flags(0x08);
    /// Acknowledgment field is significant.
    pub const ACK: Flags = Flags(0x10);
    /// Urgent pointer field is significant.
    pub const URG: Flags = Flags(0x20);
    /// ECN echo (RFC 3168).
    pub const ECE: Flags = Flags(0x40);
    /// Congestion window reduced (RFC 3168).
    pub const CWR: Flags = Flags(0x80);

    /// All bits of `other` are set in `self`.
    #[inline]
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// At least one bit of `other` is set in `self`.
    #[inline]
    pub fn intersects(self, other: Flags) -> bool {
        self.0 & other.0 != 0
    }

    /// The bits of both `self` and `other`: `|` that also works in a `const` context.
    #[inline]
    pub const fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    /// `self` without the bits of `other`.
    #[inline]
    pub fn without(self, other: Flags) -> Flags {
        Flags(self.0 & !other.0)
    }

    /// SYN is set.
    #[inline]
    pub fn syn(self) -> bool {
        self.contains(Flags::SYN)
    }

    /// ACK is set.
    #[inline]
    pub fn ack(self) -> bool {
        self.contains(Flags::ACK)
    }

    /// FIN is set.
    #[inline]
    pub fn fin(self) -> bool {
        self.contains(Flags::FIN)
    }

    /// RST is set.
    #[inline]
    pub fn rst(self) -> bool {
        self.contains(Flags::RST)
    }

    /// PSH is set.
    #[inline]
    pub fn psh(self) -> bool {
        self.contains(Flags::PSH)
    }

    /// URG is set.
    #[inline]
    pub fn urg(self) -> bool {
        self.contains(Flags::URG)
    }
}

impl BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Flags) {
        self.0 |= rhs.0;
    }
}

/// tcpdump's letters, in tcpdump's order: `F S R P . U E W`; `none` when empty.
impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LETTERS: [(Flags, char); 8] = [
            (Flags::FIN, 'F'),
            (Flags::SYN, 'S'),
            (Flags::RST, 'R'),
            (Flags::PSH, 'P'),
            (Flags::ACK, '.'),
            (Flags::URG, 'U'),
            (Flags::ECE, 'E'),
            (Flags::CWR, 'W'),
        ];
        if self.0 == 0 {
            return f.write_str("none");
        }
        for (flag, letter) in LETTERS {
            if self.contains(flag) {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{self}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_tcpdump_letters_and_order() {
        assert_eq!(Flags::SYN.to_string(), "S");
        assert_eq!((Flags::SYN | Flags::ACK).to_string(), "S.");
        assert_eq!((Flags::ACK | Flags::PSH | Flags::FIN).to_string(), "FP.");
        assert_eq!((Flags::RST | Flags::ACK).to_string(), "R.");
        assert_eq!((Flags::ECE | Flags::CWR | Flags::SYN).to_string(), "SEW");
        assert_eq!(Flags::NONE.to_string(), "none");
    }

    #[test]
    fn union_is_a_const_bitor() {
        const SYN_ACK: Flags = Flags::SYN.union(Flags::ACK);
        assert_eq!(SYN_ACK, Flags::SYN | Flags::ACK);
        assert!(SYN_ACK.syn() && SYN_ACK.ack() && !SYN_ACK.rst());
        assert_eq!(Flags::NONE.union(Flags::NONE), Flags::NONE);
    }
}

//! Ethernet II: MAC addresses and the 14-byte header (parsing goes through etherparse).

use core::fmt;

/// Length of an Ethernet II header: destination, source, EtherType.
pub const ETHERNET_HEADER_LEN: usize = 14;

/// EtherType of IPv4.
pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of ARP.
pub(crate) const ETHERTYPE_ARP: u16 = 0x0806;
/// EtherType of IPv6.
pub(crate) const ETHERTYPE_IPV6: u16 = 0x86dd;

/// A 48-bit IEEE 802 MAC address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// The broadcast address `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    /// The all-zero address, never a valid station address.
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    /// The six bytes in wire order.
    pub const fn octets(self) -> [u8; 6] {
        self.0
    }

    /// True for `ff:ff:ff:ff:ff:ff`.
    pub fn is_broadcast(self) -> bool {
        self == MacAddr::BROADCAST
    }

    /// True when the group bit (least significant bit of the first byte) is set; broadcast
    /// is a multicast address too.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// True for an address that may name one station: neither multicast nor all zeros.
    pub fn is_unicast(self) -> bool {
        !self.is_multicast() && self != MacAddr::ZERO
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(octets: [u8; 6]) -> MacAddr {
        MacAddr(octets)
    }
}

/// Lower-case hex pairs joined by colons, as `ip link` prints them.
impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Writes an Ethernet II header into the first 14 bytes of `frame`.
///
/// # Panics
/// If `frame` is shorter than [`ETHERNET_HEADER_LEN`]; every caller in this crate sizes its
/// buffers first.
pub(crate) fn write_header(frame: &mut [u8], dst: MacAddr, src: MacAddr, ethertype: u16) {
    frame[0..6].copy_from_slice(&dst.0);
    frame[6..12].copy_from_slice(&src.0);
    frame[12..14].copy_from_slice(&ethertype.to_be_bytes());
}

/// Rewrites only the destination address of a frame whose header is already written.
///
/// # Panics
/// If `frame` is shorter than 6 bytes.
pub(crate) fn set_destination(frame: &mut [u8], dst: MacAddr) {
    frame[0..6].copy_from_slice(&dst.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        assert!(MacAddr::BROADCAST.is_broadcast());
        assert!(MacAddr::BROADCAST.is_multicast());
        assert!(!MacAddr::BROADCAST.is_unicast());
        assert!(MacAddr([0x01, 0x00, 0x5e, 0, 0, 1]).is_multicast());
        assert!(!MacAddr::ZERO.is_unicast());
        assert!(MacAddr([0x02, 0, 0, 0, 0, 1]).is_unicast());
    }

    #[test]
    fn displays_like_ip_link() {
        let mac = MacAddr([0x92, 0xf0, 0xd0, 0xac, 0x3d, 0x46]);
        assert_eq!(mac.to_string(), "92:f0:d0:ac:3d:46");
        assert_eq!(format!("{mac:?}"), "92:f0:d0:ac:3d:46");
    }

    #[test]
    fn writes_a_header_etherparse_reads_back() {
        let mut frame = [0u8; 14];
        let dst = MacAddr([0xde, 0x98, 0x42, 0x22, 0xe8, 0x18]);
        let src = MacAddr([0x92, 0xf0, 0xd0, 0xac, 0x3d, 0x46]);
        write_header(&mut frame, dst, src, ETHERTYPE_ARP);
        assert_eq!(
            frame,
            [
                0xde, 0x98, 0x42, 0x22, 0xe8, 0x18, 0x92, 0xf0, 0xd0, 0xac, 0x3d, 0x46, 0x08, 0x06
            ]
        );
        let parsed = etherparse::Ethernet2HeaderSlice::from_slice(&frame).unwrap();
        assert_eq!(parsed.destination(), dst.0);
        assert_eq!(parsed.source(), src.0);
        assert_eq!(parsed.ether_type().0, ETHERTYPE_ARP);
        set_destination(&mut frame, MacAddr::BROADCAST);
        assert_eq!(frame[..6], [0xff; 6]);
    }
}

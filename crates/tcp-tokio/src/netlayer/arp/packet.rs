//! ARP messages for IPv4 over Ethernet (RFC 826): parsed through etherparse, written by hand.

use core::net::Ipv4Addr;

use etherparse::{ArpHardwareId, ArpOperation, ArpPacketSlice, EtherType};

use crate::netlayer::ethernet::MacAddr;

/// Length of an Ethernet/IPv4 ARP message.
pub(crate) const ARP_LEN: usize = 28;

/// Request or reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArpOp {
    /// Who has `target_ip`?
    Request,
    /// `sender_ip` is at `sender_mac`.
    Reply,
}

/// An Ethernet/IPv4 ARP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArpMessage {
    /// Request or reply.
    pub(crate) op: ArpOp,
    /// Sender hardware address.
    pub(crate) sender_mac: MacAddr,
    /// Sender protocol address.
    pub(crate) sender_ip: Ipv4Addr,
    /// Target hardware address (zero in requests).
    pub(crate) target_mac: MacAddr,
    /// Target protocol address.
    pub(crate) target_ip: Ipv4Addr,
}

impl ArpMessage {
    /// Parses an ARP message, accepting only Ethernet hardware with IPv4 protocol addresses
    /// and the request and reply operations. Trailing bytes (Ethernet padding) are ignored.
    pub(crate) fn parse(bytes: &[u8]) -> Option<ArpMessage> {
        let arp = ArpPacketSlice::from_slice(bytes).ok()?;
        if arp.hw_addr_type() != ArpHardwareId::ETHERNET
            || arp.proto_addr_type() != EtherType::IPV4
            || arp.hw_addr_size() != 6
            || arp.proto_addr_size() != 4
        {
            return None;
        }
        let op = match arp.operation() {
            ArpOperation::REQUEST => ArpOp::Request,
            ArpOperation::REPLY => ArpOp::Reply,
            _ => return None,
        };
        Some(ArpMessage {
            op,
            sender_mac: MacAddr(arp.sender_hw_addr().try_into().ok()?),
            sender_ip: ipv4(arp.sender_protocol_addr())?,
            target_mac: MacAddr(arp.target_hw_addr().try_into().ok()?),
            target_ip: ipv4(arp.target_protocol_addr())?,
        })
    }

    /// Writes the message into the first [`ARP_LEN`] bytes of `buf`.
    ///
    /// # Panics
    /// If `buf` is shorter than [`ARP_LEN`].
    pub(crate) fn write(&self, buf: &mut [u8]) {
        let op: u16 = match self.op {
            ArpOp::Request => 1,
            ArpOp::Reply => 2,
        };
        let out = &mut buf[..ARP_LEN];
        out[0..2].copy_from_slice(&1u16.to_be_bytes());
        out[2..4].copy_from_slice(&0x0800u16.to_be_bytes());
        out[4] = 6;
        out[5] = 4;
        out[6..8].copy_from_slice(&op.to_be_bytes());
        out[8..14].copy_from_slice(&self.sender_mac.0);
        out[14..18].copy_from_slice(&self.sender_ip.octets());
        out[18..24].copy_from_slice(&self.target_mac.0);
        out[24..28].copy_from_slice(&self.target_ip.octets());
    }
}

/// Four bytes as an IPv4 address.
fn ipv4(bytes: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(bytes).ok().map(Ipv4Addr::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlayer::testdata;

    #[test]
    fn parses_a_real_request() {
        let message = ArpMessage::parse(&testdata::ARP_REQUEST[14..]).unwrap();
        assert_eq!(message.op, ArpOp::Request);
        assert_eq!(message.sender_mac, testdata::KERNEL_MAC);
        assert_eq!(message.sender_ip, Ipv4Addr::new(198, 18, 0, 2));
        assert_eq!(message.target_mac, MacAddr::ZERO);
        assert_eq!(message.target_ip, Ipv4Addr::new(198, 18, 0, 1));
    }

    #[test]
    fn writes_what_it_parses() {
        let message = ArpMessage::parse(&testdata::ARP_REQUEST[14..]).unwrap();
        let mut buf = [0u8; ARP_LEN];
        message.write(&mut buf);
        assert_eq!(&buf[..], &testdata::ARP_REQUEST[14..14 + ARP_LEN]);
    }

    #[test]
    fn refuses_other_hardware_protocols_and_operations() {
        let good = &testdata::ARP_REQUEST[14..];
        let mut cases = Vec::new();
        for (offset, value) in [(1, 6u8), (2, 0x86), (4, 8), (5, 16), (7, 3)] {
            let mut bytes = good.to_vec();
            bytes[offset] = value;
            cases.push(bytes);
        }
        cases.push(good[..27].to_vec());
        for bytes in cases {
            assert_eq!(ArpMessage::parse(&bytes), None, "{bytes:02x?}");
        }
    }
}

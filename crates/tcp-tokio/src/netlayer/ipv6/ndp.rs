//! Neighbour solicitations and advertisements (RFC 4861 §4.3, §4.4, validated as §7.1
//! says) and the solicited-node multicast addresses they are sent to.

use core::net::Ipv6Addr;

use super::icmpv6::{NEIGHBOR_ADVERTISEMENT, NEIGHBOR_SOLICITATION, fill_checksum};
use crate::netlayer::ethernet::MacAddr;

/// Type, code, checksum, flags or reserved, target address.
const BODY_LEN: usize = 24;
/// A link-layer address option for Ethernet: type, length 1 (8 bytes), the MAC.
const LINK_OPTION_LEN: usize = 8;
/// Length of a message this layer writes: the body and one link-layer address option.
pub(super) const MESSAGE_LEN: usize = BODY_LEN + LINK_OPTION_LEN;
/// Option type of the source link-layer address.
const SOURCE_LINK_ADDRESS: u8 = 1;
/// Option type of the target link-layer address.
const TARGET_LINK_ADDRESS: u8 = 2;
/// Hop limit every neighbour discovery message carries, proof it was not forwarded.
pub(super) const HOP_LIMIT: u8 = 255;
/// Advertisement flag: the sender is a router.
const FLAG_ROUTER: u8 = 0x80;
/// Advertisement flag: the answer to a solicitation.
const FLAG_SOLICITED: u8 = 0x40;
/// Advertisement flag: replace a cached link-layer address.
const FLAG_OVERRIDE: u8 = 0x20;

/// A neighbour discovery message that passed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NdpMessage {
    /// Solicitation or advertisement.
    pub(super) kind: NdpKind,
    /// The address asked about, or advertised.
    pub(super) target: Ipv6Addr,
    /// The link-layer address option: the sender's of a solicitation, the target's of an
    /// advertisement.
    pub(super) link_addr: Option<MacAddr>,
}

/// Which neighbour discovery message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NdpKind {
    /// "Who has `target`?"
    Solicitation,
    /// "`target` is at `link_addr`".
    Advertisement {
        /// An answer to a solicitation.
        solicited: bool,
        /// The sender asks that a cached address be replaced.
        override_flag: bool,
    },
}

/// Validates a neighbour solicitation or advertisement whose ICMPv6 checksum has been
/// checked: hop limit 255, code 0, at least 24 bytes, a unicast target, options of non-zero
/// length, and the rules tied to the addresses (a solicitation from `::` goes to a
/// solicited-node group and carries no source address option; an advertisement to a
/// multicast group is not solicited). `None` for anything else.
pub(super) fn parse(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    message: &[u8],
) -> Option<NdpMessage> {
    if hop_limit != HOP_LIMIT || message.len() < BODY_LEN || message[1] != 0 {
        return None;
    }
    let mut target = [0u8; 16];
    target.copy_from_slice(&message[8..24]);
    let target = Ipv6Addr::from(target);
    if target.is_multicast() || target.is_unspecified() {
        return None;
    }
    let (kind, option_type) = match message[0] {
        NEIGHBOR_SOLICITATION => (NdpKind::Solicitation, SOURCE_LINK_ADDRESS),
        NEIGHBOR_ADVERTISEMENT => {
            let flags = message[4];
            let kind = NdpKind::Advertisement {
                solicited: flags & FLAG_SOLICITED != 0,
                override_flag: flags & FLAG_OVERRIDE != 0,
            };
            (kind, TARGET_LINK_ADDRESS)
        }
        _ => return None,
    };
    let link_addr = link_option(&message[BODY_LEN..], option_type)?;
    let dad_probe = kind == NdpKind::Solicitation && src.is_unspecified();
    if dad_probe && (!is_solicited_node(dst) || link_addr.is_some()) {
        return None;
    }
    if matches!(
        kind,
        NdpKind::Advertisement {
            solicited: true,
            ..
        }
    ) && dst.is_multicast()
    {
        return None;
    }
    Some(NdpMessage {
        kind,
        target,
        link_addr,
    })
}

/// The last option of `option_type` among `options` (its MAC when it is 8 bytes long), or
/// `None` inside `Some` when there is none; `None` when an option has length 0 or runs past
/// the end.
fn link_option(mut options: &[u8], option_type: u8) -> Option<Option<MacAddr>> {
    let mut found = None;
    while !options.is_empty() {
        let len = usize::from(*options.get(1)?) * 8;
        if len == 0 || len > options.len() {
            return None;
        }
        if options[0] == option_type && len == LINK_OPTION_LEN {
            let mut mac = [0u8; 6];
            mac.copy_from_slice(&options[2..8]);
            found = Some(MacAddr(mac));
        }
        options = &options[len..];
    }
    Some(found)
}

/// Writes a solicitation for `target` from a station at `mac` into `out` (checksum for
/// `src` to `dst`); [`MESSAGE_LEN`] bytes.
///
/// # Panics
/// If `out` is shorter than [`MESSAGE_LEN`].
pub(super) fn write_solicitation(
    out: &mut [u8],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    target: Ipv6Addr,
    mac: MacAddr,
) {
    write(
        out,
        NEIGHBOR_SOLICITATION,
        0,
        target,
        SOURCE_LINK_ADDRESS,
        mac,
    );
    fill_checksum(src, dst, &mut out[..MESSAGE_LEN]);
}

/// Writes an advertisement that `target` is at `mac` into `out` (checksum for `src` to
/// `dst`), with the override flag set and the solicited flag as given; not a router.
///
/// # Panics
/// If `out` is shorter than [`MESSAGE_LEN`].
pub(super) fn write_advertisement(
    out: &mut [u8],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    target: Ipv6Addr,
    mac: MacAddr,
    solicited: bool,
) {
    let solicited = if solicited { FLAG_SOLICITED } else { 0 };
    let flags = solicited | FLAG_OVERRIDE;
    debug_assert_eq!(flags & FLAG_ROUTER, 0);
    write(
        out,
        NEIGHBOR_ADVERTISEMENT,
        flags,
        target,
        TARGET_LINK_ADDRESS,
        mac,
    );
    fill_checksum(src, dst, &mut out[..MESSAGE_LEN]);
}

/// The body and one link-layer address option, checksum zero.
fn write(out: &mut [u8], icmp_type: u8, flags: u8, target: Ipv6Addr, option: u8, mac: MacAddr) {
    let message = &mut out[..MESSAGE_LEN];
    message.fill(0);
    message[0] = icmp_type;
    message[4] = flags;
    message[8..24].copy_from_slice(&target.octets());
    message[24] = option;
    message[25] = 1;
    message[26..32].copy_from_slice(&mac.octets());
}

/// The solicited-node multicast address of `ip` (RFC 4291 §2.7.1): `ff02::1:ff00:0/104`
/// and the low 24 bits of `ip`.
pub(crate) fn solicited_node(ip: Ipv6Addr) -> Ipv6Addr {
    let o = ip.octets();
    Ipv6Addr::from([
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15],
    ])
}

/// True for an address in `ff02::1:ff00:0/104`.
fn is_solicited_node(ip: Ipv6Addr) -> bool {
    ip.octets()[..13] == solicited_node(Ipv6Addr::UNSPECIFIED).octets()[..13]
}

/// The Ethernet address of the IPv6 multicast group `group` (RFC 2464 §7): `33:33` and
/// its last four bytes.
pub(crate) fn multicast_mac(group: Ipv6Addr) -> MacAddr {
    let o = group.octets();
    MacAddr([0x33, 0x33, o[12], o[13], o[14], o[15]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{Icmpv6Slice, Icmpv6Type};

    const OURS: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 1);
    const PEER: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 2);
    const PEER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 2]);

    fn solicitation() -> Vec<u8> {
        let mut message = vec![0u8; MESSAGE_LEN];
        write_solicitation(&mut message, PEER, solicited_node(OURS), OURS, PEER_MAC);
        message
    }

    #[test]
    fn solicited_node_address_and_its_mac() {
        let group = solicited_node("2001:2::12:3456:789a".parse().unwrap());
        assert_eq!(group, "ff02::1:ff56:789a".parse::<Ipv6Addr>().unwrap());
        assert_eq!(
            multicast_mac(group),
            MacAddr([0x33, 0x33, 0xff, 0x56, 0x78, 0x9a])
        );
        assert!(is_solicited_node(group));
        assert!(!is_solicited_node("ff02::1".parse().unwrap()));
    }

    #[test]
    fn a_written_solicitation_parses_here_and_in_etherparse() {
        let message = solicitation();
        let parsed = parse(PEER, solicited_node(OURS), HOP_LIMIT, &message).unwrap();
        assert_eq!(parsed.kind, NdpKind::Solicitation);
        assert_eq!((parsed.target, parsed.link_addr), (OURS, Some(PEER_MAC)));
        let icmp = Icmpv6Slice::from_slice(&message).unwrap();
        assert_eq!(icmp.icmp_type(), Icmpv6Type::NeighborSolicitation);
    }

    #[test]
    fn a_written_advertisement_parses_with_its_flags() {
        let mut message = vec![0u8; MESSAGE_LEN];
        write_advertisement(&mut message, OURS, PEER, OURS, PEER_MAC, true);
        let parsed = parse(OURS, PEER, HOP_LIMIT, &message).unwrap();
        let flags = NdpKind::Advertisement {
            solicited: true,
            override_flag: true,
        };
        assert_eq!(parsed.kind, flags);
        assert_eq!(parsed.link_addr, Some(PEER_MAC));
    }

    #[test]
    fn invalid_messages_are_refused() {
        let good = solicitation();
        let group = solicited_node(OURS);
        assert!(
            parse(PEER, group, 64, &good).is_none(),
            "forwarded: hop limit 64"
        );
        assert!(
            parse(PEER, group, HOP_LIMIT, &good[..23]).is_none(),
            "short"
        );
        let mut code = good.clone();
        code[1] = 1;
        assert!(parse(PEER, group, HOP_LIMIT, &code).is_none(), "code 1");
        let mut multicast_target = good.clone();
        multicast_target[8] = 0xff;
        assert!(parse(PEER, group, HOP_LIMIT, &multicast_target).is_none());
        let mut empty_option = good.clone();
        empty_option[25] = 0;
        assert!(
            parse(PEER, group, HOP_LIMIT, &empty_option).is_none(),
            "option length 0"
        );
        let mut long_option = good.clone();
        long_option[25] = 2;
        assert!(
            parse(PEER, group, HOP_LIMIT, &long_option).is_none(),
            "option past the end"
        );
        let unspecified = Ipv6Addr::UNSPECIFIED;
        assert!(
            parse(unspecified, group, HOP_LIMIT, &good).is_none(),
            "DAD with an option"
        );
        assert!(
            parse(unspecified, group, HOP_LIMIT, &good[..BODY_LEN]).is_some(),
            "DAD"
        );
        let mut advert = vec![0u8; MESSAGE_LEN];
        write_advertisement(&mut advert, PEER, group, PEER, PEER_MAC, true);
        assert!(
            parse(PEER, group, HOP_LIMIT, &advert).is_none(),
            "solicited to a group"
        );
    }

    #[test]
    fn no_option_is_no_link_address() {
        let good = solicitation();
        let parsed = parse(PEER, OURS, HOP_LIMIT, &good[..BODY_LEN]).unwrap();
        assert_eq!(parsed.link_addr, None);
    }
}

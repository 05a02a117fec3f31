//! Settings of the network layer, each with the default a Linux host would use.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::time::Duration;

use super::ethernet::MacAddr;

/// Address, route and limits of one interface. Build it with [`NetConfig::new`] (IPv4, and
/// IPv6 too once [`NetConfig::ipv6`] is set) or [`NetConfig::new_ipv6`] (IPv6 only) and
/// change fields as needed; [`NetLayer::new`](super::NetLayer::new) checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConfig {
    /// Our MAC address; must be unicast.
    pub mac: MacAddr,
    /// Our IPv4 address; `0.0.0.0` means the interface has no IPv4 address (an IPv6-only
    /// layer, which [`NetConfig::ipv6`] must then configure): it neither answers ARP nor
    /// takes IPv4.
    pub addr: Ipv4Addr,
    /// Prefix length of our subnet (0..=32); destinations inside it are on-link.
    pub prefix_len: u8,
    /// Router for destinations outside the subnet; without one they are unreachable.
    pub gateway: Option<Ipv4Addr>,
    /// IP MTU of the link: the largest IPv4 packet, header included. Default 1500.
    pub mtu: usize,
    /// Time to live of every packet sent. Default 64, never 0 (RFC 1122 §3.2.1.7).
    pub ttl: u8,
    /// Identification of the first packet sent; each later packet takes the next value.
    /// Default 0. A driver may pick a random start so the sequence is not guessable.
    pub first_ident: u16,
    /// Frames the layer itself may queue for `poll_transmit` (ARP, ICMP, released packets).
    /// Default 64; beyond it frames are dropped and counted.
    pub tx_queue_capacity: usize,
    /// Address resolution, ARP and NDP alike: the bounds hold for both families together.
    pub arp: ArpConfig,
    /// IPv6: `None` for an IPv4-only layer.
    pub ipv6: Option<Ipv6Config>,
}

/// The IPv6 side of an interface (RFC 8200, neighbour discovery of RFC 4861).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Config {
    /// Our global (or unique local) unicast address.
    pub addr: Ipv6Addr,
    /// Prefix length of its on-link prefix (0..=128).
    pub prefix_len: u8,
    /// Our link-local address (`fe80::/64`), the source of neighbour discovery towards
    /// link-local neighbours, answered like [`Ipv6Config::addr`]. See
    /// [`Ipv6Config::link_local_from_mac`].
    pub link_local: Ipv6Addr,
    /// Router for destinations outside the prefix, on-link (often its link-local address).
    pub gateway: Option<Ipv6Addr>,
    /// Hop limit of every packet sent. Default 64, as Linux's.
    pub hop_limit: u8,
}

impl Ipv6Config {
    /// `addr/prefix_len` with the link-local address derived from `mac`, no gateway and a
    /// hop limit of 64.
    pub fn new(mac: MacAddr, addr: Ipv6Addr, prefix_len: u8) -> Ipv6Config {
        Ipv6Config {
            addr,
            prefix_len,
            link_local: Ipv6Config::link_local_from_mac(mac),
            gateway: None,
            hop_limit: 64,
        }
    }

    /// The modified EUI-64 link-local address of `mac` (RFC 4291 appendix A): `fe80::`,
    /// then the MAC with `ff:fe` in its middle and the universal/local bit flipped. It is
    /// what the kernel gives a veth by default (`addr_gen_mode` 0), stable across restarts
    /// and derivable by a test from the MAC alone; the privacy argument for random
    /// identifiers (RFC 8981) concerns addresses seen off-link, which a link-local one
    /// never is.
    pub fn link_local_from_mac(mac: MacAddr) -> Ipv6Addr {
        let m = mac.octets();
        Ipv6Addr::from([
            0xfe,
            0x80,
            0,
            0,
            0,
            0,
            0,
            0,
            m[0] ^ 0x02,
            m[1],
            m[2],
            0xff,
            0xfe,
            m[3],
            m[4],
            m[5],
        ])
    }

    /// Checks the fields that could make the layer misbehave.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.prefix_len > 128 {
            return Err(ConfigError::PrefixTooLong);
        }
        let unicast =
            |ip: Ipv6Addr| !ip.is_unspecified() && !ip.is_multicast() && !ip.is_loopback();
        if !unicast(self.addr)
            || !unicast(self.link_local)
            || !self.link_local.is_unicast_link_local()
        {
            return Err(ConfigError::AddrNotUnicast);
        }
        if self.hop_limit == 0 {
            return Err(ConfigError::ZeroTtl);
        }
        if let Some(gateway) = self.gateway {
            let route = super::ipv6::Route6::new(self);
            if !unicast(gateway)
                || gateway == self.addr
                || gateway == self.link_local
                || !route.on_link(gateway)
            {
                return Err(ConfigError::GatewayNotOnLink);
            }
        }
        Ok(())
    }
}

impl NetConfig {
    /// A configuration for `addr/prefix_len` on the interface with address `mac`, without a
    /// gateway, with every other field at its default.
    pub fn new(mac: MacAddr, addr: Ipv4Addr, prefix_len: u8) -> NetConfig {
        NetConfig {
            mac,
            addr,
            prefix_len,
            gateway: None,
            mtu: 1500,
            ttl: 64,
            first_ident: 0,
            tx_queue_capacity: 64,
            arp: ArpConfig::default(),
            ipv6: None,
        }
    }

    /// An IPv6-only configuration for `ipv6` on the interface with address `mac` (no IPv4
    /// address: see [`NetConfig::addr`]), every other field at its default.
    pub fn new_ipv6(mac: MacAddr, ipv6: Ipv6Config) -> NetConfig {
        NetConfig {
            ipv6: Some(ipv6),
            ..NetConfig::new(mac, Ipv4Addr::UNSPECIFIED, 0)
        }
    }

    /// Whether the interface has an IPv4 address.
    pub fn has_ipv4(&self) -> bool {
        !self.addr.is_unspecified()
    }

    /// Checks the fields that could make the layer misbehave.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if !self.mac.is_unicast() {
            return Err(ConfigError::MacNotUnicast);
        }
        if self.prefix_len > 32 {
            return Err(ConfigError::PrefixTooLong);
        }
        match &self.ipv6 {
            Some(ipv6) => ipv6.validate()?,
            None if !self.has_ipv4() => return Err(ConfigError::NoAddress),
            None => {}
        }
        if self.addr.is_multicast() || self.addr.is_broadcast() {
            return Err(ConfigError::AddrNotUnicast);
        }
        if !(MIN_MTU..=MAX_MTU).contains(&self.mtu) {
            return Err(ConfigError::MtuOutOfRange);
        }
        if self.ttl == 0 {
            return Err(ConfigError::ZeroTtl);
        }
        if self.tx_queue_capacity == 0
            || self.arp.cache_capacity == 0
            || self.arp.queue_per_hop == 0
            || self.arp.max_pending_hops == 0
            || self.arp.max_requests == 0
        {
            return Err(ConfigError::ZeroLimit);
        }
        if let Some(gateway) = self.gateway.filter(|_| self.has_ipv4()) {
            let mask = super::route::mask(self.prefix_len);
            let on_link = u32::from(gateway) & mask == u32::from(self.addr) & mask;
            if !on_link || gateway == self.addr {
                return Err(ConfigError::GatewayNotOnLink);
            }
        }
        Ok(())
    }
}

/// Smallest IP MTU every IPv4 link must carry (RFC 791).
const MIN_MTU: usize = 68;
/// Largest IPv4 packet.
const MAX_MTU: usize = 65535;

/// Address resolution settings, defaults as Linux's neighbour table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpConfig {
    /// Most addresses the cache holds; a new one evicts the entry closest to expiry.
    /// Default 256.
    pub cache_capacity: usize,
    /// How long a learned address stays usable. Default 60 s.
    pub entry_lifetime: Duration,
    /// Time between requests for an address that has not answered. Default 1 s.
    pub retry_interval: Duration,
    /// Requests sent for one address before its queued packets are dropped. Default 3.
    pub max_requests: u32,
    /// IPv4 packets held per unresolved next hop; further ones are dropped. Default 16.
    pub queue_per_hop: usize,
    /// Next hops being resolved at once; packets for another one are dropped. Default 64.
    pub max_pending_hops: usize,
}

impl Default for ArpConfig {
    fn default() -> ArpConfig {
        ArpConfig {
            cache_capacity: 256,
            entry_lifetime: Duration::from_secs(60),
            retry_interval: Duration::from_secs(1),
            max_requests: 3,
            queue_per_hop: 16,
            max_pending_hops: 64,
        }
    }
}

/// Why a [`NetConfig`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// The MAC address is multicast or all zeros.
    MacNotUnicast,
    /// The prefix length is above 32 (128 for IPv6).
    PrefixTooLong,
    /// An address is multicast or broadcast (IPv4), or unspecified, multicast or loopback
    /// (IPv6), or the link-local address is not in `fe80::/10`.
    AddrNotUnicast,
    /// Neither an IPv4 nor an IPv6 address.
    NoAddress,
    /// The MTU is outside 68..=65535.
    MtuOutOfRange,
    /// The TTL (or IPv6 hop limit) is zero.
    ZeroTtl,
    /// A queue or cache limit is zero.
    ZeroLimit,
    /// The gateway is outside our subnet or is our own address.
    GatewayNotOnLink,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ConfigError::MacNotUnicast => "MAC address is not unicast",
            ConfigError::PrefixTooLong => "prefix length above 32 (IPv4) or 128 (IPv6)",
            ConfigError::AddrNotUnicast => "an address is not a unicast address",
            ConfigError::NoAddress => "neither an IPv4 nor an IPv6 address",
            ConfigError::MtuOutOfRange => "MTU outside 68..=65535",
            ConfigError::ZeroTtl => "TTL of zero",
            ConfigError::ZeroLimit => "a queue or cache limit is zero",
            ConfigError::GatewayNotOnLink => "gateway is not another address on our subnet",
        };
        f.write_str(text)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> NetConfig {
        NetConfig::new(
            MacAddr([0x02, 0, 0, 0, 0, 1]),
            Ipv4Addr::new(198, 18, 0, 1),
            24,
        )
    }

    #[test]
    fn defaults_are_valid_and_linux_like() {
        let config = config();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.ttl, 64);
        assert_eq!(config.mtu, 1500);
        assert_eq!(config.arp.entry_lifetime, Duration::from_secs(60));
        assert_eq!(config.arp.retry_interval, Duration::from_secs(1));
        assert_eq!(config.arp.max_requests, 3);
    }

    /// A change to a valid configuration.
    type Change = fn(&mut NetConfig);

    #[test]
    fn refuses_each_bad_field() {
        let cases: [(Change, ConfigError); 7] = [
            (|c| c.mac = MacAddr::BROADCAST, ConfigError::MacNotUnicast),
            (|c| c.prefix_len = 33, ConfigError::PrefixTooLong),
            (
                |c| c.addr = Ipv4Addr::BROADCAST,
                ConfigError::AddrNotUnicast,
            ),
            (|c| c.mtu = 67, ConfigError::MtuOutOfRange),
            (|c| c.ttl = 0, ConfigError::ZeroTtl),
            (|c| c.arp.queue_per_hop = 0, ConfigError::ZeroLimit),
            (
                |c| c.gateway = Some(Ipv4Addr::new(198, 19, 0, 1)),
                ConfigError::GatewayNotOnLink,
            ),
        ];
        for (change, expected) in cases {
            let mut config = config();
            change(&mut config);
            assert_eq!(config.validate(), Err(expected));
        }
    }

    #[test]
    fn the_link_local_address_is_the_modified_eui_64_of_the_mac() {
        let mac = MacAddr([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
        let expected: Ipv6Addr = "fe80::5054:ff:fe12:3456".parse().unwrap();
        assert_eq!(Ipv6Config::link_local_from_mac(mac), expected);
    }

    /// A change to a valid IPv6 configuration.
    type ChangeIpv6 = fn(&mut Ipv6Config);

    #[test]
    fn ipv6_configurations_are_checked() {
        let mac = MacAddr([0x02, 0, 0, 0, 0, 1]);
        let addr: Ipv6Addr = "2001:2:0:1::1".parse().unwrap();
        let good = Ipv6Config::new(mac, addr, 64);
        assert_eq!(NetConfig::new_ipv6(mac, good.clone()).validate(), Ok(()));
        let mut dual = config();
        dual.ipv6 = Some(good.clone());
        assert_eq!(dual.validate(), Ok(()));
        let cases: [(ChangeIpv6, ConfigError); 4] = [
            (|c| c.prefix_len = 129, ConfigError::PrefixTooLong),
            (
                |c| c.addr = Ipv6Addr::UNSPECIFIED,
                ConfigError::AddrNotUnicast,
            ),
            (|c| c.hop_limit = 0, ConfigError::ZeroTtl),
            (
                |c| c.gateway = Some("2001:2:0:9::1".parse().unwrap()),
                ConfigError::GatewayNotOnLink,
            ),
        ];
        for (change, expected) in cases {
            let mut ipv6 = good.clone();
            change(&mut ipv6);
            assert_eq!(NetConfig::new_ipv6(mac, ipv6).validate(), Err(expected));
        }
        let mut routed = good;
        routed.gateway = Some("fe80::1".parse().unwrap());
        assert_eq!(NetConfig::new_ipv6(mac, routed).validate(), Ok(()));
        let mut none = config();
        none.addr = Ipv4Addr::UNSPECIFIED;
        assert_eq!(none.validate(), Err(ConfigError::NoAddress));
    }

    #[test]
    fn accepts_an_on_link_gateway() {
        let mut config = config();
        config.gateway = Some(Ipv4Addr::new(198, 18, 0, 254));
        assert_eq!(config.validate(), Ok(()));
    }
}

//! Settings of the network layer, each with the default a Linux host would use.

use core::fmt;
use core::net::Ipv4Addr;
use core::time::Duration;

use super::ethernet::MacAddr;

/// Address, route and limits of one interface. Build it with [`NetConfig::new`] and change
/// fields as needed; [`NetLayer::new`](super::NetLayer::new) checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConfig {
    /// Our MAC address; must be unicast.
    pub mac: MacAddr,
    /// Our IPv4 address.
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
    /// Address resolution.
    pub arp: ArpConfig,
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
        }
    }

    /// Checks the fields that could make the layer misbehave.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if !self.mac.is_unicast() {
            return Err(ConfigError::MacNotUnicast);
        }
        if self.prefix_len > 32 {
            return Err(ConfigError::PrefixTooLong);
        }
        if self.addr.is_unspecified() || self.addr.is_multicast() || self.addr.is_broadcast() {
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
        if let Some(gateway) = self.gateway {
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
    /// The prefix length is above 32.
    PrefixTooLong,
    /// The IPv4 address is unspecified, multicast or broadcast.
    AddrNotUnicast,
    /// The MTU is outside 68..=65535.
    MtuOutOfRange,
    /// The TTL is zero.
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
            ConfigError::PrefixTooLong => "prefix length above 32",
            ConfigError::AddrNotUnicast => "IPv4 address is not a unicast address",
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
    fn accepts_an_on_link_gateway() {
        let mut config = config();
        config.gateway = Some(Ipv4Addr::new(198, 18, 0, 254));
        assert_eq!(config.validate(), Ok(()));
    }
}

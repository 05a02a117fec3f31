//! Configuring and starting a [`Stack`].

use super::Stack;
use super::pcap::PcapWriter;
use crate::link::{FaultConfig, Ipv6Filter, Link, PacketSocket, PacketSocketConfig, Protocols};
use crate::netlayer::{Ipv6Config, MacAddr, NetConfig};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use tcp_core::Config;

/// The most shards a stack runs.
pub const MAX_SHARDS: usize = 64;

/// Builds a [`Stack`]: `Stack::builder().interface("veth0").ipv4("198.18.0.1/24").build()`.
#[derive(Debug, Default)]
pub struct StackBuilder {
    interface: Option<String>,
    ipv4: Option<String>,
    gateway: Option<Ipv4Addr>,
    ipv6: Option<String>,
    gateway_v6: Option<Ipv6Addr>,
    config: Config,
    socket: PacketSocketConfig,
    faults: Option<(u64, FaultConfig, FaultConfig)>,
    pcap: Option<PathBuf>,
    shards: Option<usize>,
}

impl StackBuilder {
    /// The network interface to open an AF_PACKET socket on.
    pub fn interface(mut self, name: impl Into<String>) -> StackBuilder {
        self.interface = Some(name.into());
        self
    }

    /// The stack's address and prefix, as `"198.18.0.1/24"`.
    pub fn ipv4(mut self, cidr: impl Into<String>) -> StackBuilder {
        self.ipv4 = Some(cidr.into());
        self
    }

    /// The router for destinations outside the prefix.
    pub fn gateway(mut self, gateway: Ipv4Addr) -> StackBuilder {
        self.gateway = Some(gateway);
        self
    }

    /// The stack's IPv6 address and prefix, as `"2001:2:0:1::1/64"`; with or without
    /// [`StackBuilder::ipv4`] (dual stack, or IPv6 only). The stack also owns the
    /// link-local address derived from the interface's MAC (modified EUI-64, see
    /// [`Ipv6Config::link_local_from_mac`]) and answers neighbour solicitations for both.
    /// Duplicate address detection is not done: the addresses are used at once.
    pub fn ipv6(mut self, cidr: impl Into<String>) -> StackBuilder {
        self.ipv6 = Some(cidr.into());
        self
    }

    /// The IPv6 router for destinations outside the IPv6 prefix: an on-link address,
    /// usually the router's link-local one.
    pub fn gateway_v6(mut self, gateway: Ipv6Addr) -> StackBuilder {
        self.gateway_v6 = Some(gateway);
        self
    }

    /// The TCP engine's configuration (its MTU is replaced by the link's).
    pub fn config(mut self, config: Config) -> StackBuilder {
        self.config = config;
        self
    }

    /// How the AF_PACKET socket is opened.
    pub fn packet_socket(mut self, config: PacketSocketConfig) -> StackBuilder {
        self.socket = config;
        self
    }

    /// Injects seeded faults into what the stack sends (`send`) and receives (`recv`).
    pub fn faults(mut self, seed: u64, send: FaultConfig, recv: FaultConfig) -> StackBuilder {
        self.faults = Some((seed, send, recv));
        self
    }

    /// Captures every frame sent and received into a pcap file at `path`.
    pub fn pcap(mut self, path: impl Into<PathBuf>) -> StackBuilder {
        self.pcap = Some(path.into());
        self
    }

    /// How many shards serve the stack, each with its own engine, AF_PACKET socket and
    /// driver task (see [`Stack`]); between 1 and [`MAX_SHARDS`]. By default, one per
    /// worker thread of the runtime that builds the stack. A stack on a link given with
    /// [`StackBuilder::link`] has one shard.
    pub fn shards(mut self, shards: usize) -> StackBuilder {
        self.shards = Some(shards);
        self
    }

    /// Opens the interface (one socket per shard, in one fanout group) and starts the
    /// drivers on the current tokio runtime. Every socket receives only ARP and IPv4 for
    /// the stack's IPv4 address and IPv6 for its IPv6 addresses and their solicited-node
    /// groups (a socket filter), not every frame on the interface.
    ///
    /// Fails with `NotFound` for an unknown interface, `PermissionDenied` without
    /// `CAP_NET_RAW`, and `InvalidInput` for a missing (neither IPv4 nor IPv6) or
    /// malformed address, an IPv6 address with [`Protocols::IpAndArp`] sockets (they do
    /// not receive IPv6), or a shard count of 0 or above [`MAX_SHARDS`].
    pub async fn build(self) -> io::Result<Stack> {
        let name = self
            .interface
            .clone()
            .ok_or_else(|| invalid("no interface given: call StackBuilder::interface"))?;
        let shards = match self.shards {
            Some(shards) if shards == 0 || shards > MAX_SHARDS => {
                return Err(invalid(&format!(
                    "the shard count must be between 1 and {MAX_SHARDS}"
                )));
            }
            Some(shards) => shards,
            None => tokio::runtime::Handle::current()
                .metrics()
                .num_workers()
                .clamp(1, MAX_SHARDS),
        };
        let (ipv4, ipv6) = self.addresses()?;
        if ipv6.is_some() && self.socket.protocols == Protocols::IpAndArp {
            return Err(invalid("IPv6 needs Protocols::All packet sockets"));
        }
        let filter_ipv6 = match ipv6 {
            Some((addr, _)) => Some(Ipv6Filter {
                addr,
                link_local: Ipv6Config::link_local_from_mac(PacketSocket::interface_mac(&name)?),
            }),
            None => None,
        };
        let socket = PacketSocketConfig {
            filter_ipv4: self.socket.filter_ipv4.or(ipv4.map(|(addr, _)| addr)),
            filter_ipv6: self.socket.filter_ipv6.or(filter_ipv6),
            ..self.socket
        };
        let links: Vec<Box<dyn Link + Send>> = if shards == 1 {
            vec![Box::new(PacketSocket::open_with(&name, &socket)?)]
        } else {
            PacketSocket::open_sharded(&name, &socket, shards as u16)?
                .into_iter()
                .map(|socket| Box::new(socket) as Box<dyn Link + Send>)
                .collect()
        };
        self.start(links)
    }

    /// Starts the stack on `link` instead of an AF_PACKET socket (a memory link in tests),
    /// with one shard.
    pub fn link<L: Link + Send + 'static>(self, link: L) -> io::Result<Stack> {
        if self.shards.is_some_and(|shards| shards != 1) {
            return Err(invalid("a stack on a given link has one shard"));
        }
        self.start(vec![Box::new(link)])
    }

    /// The addresses given with [`StackBuilder::ipv4`] and [`StackBuilder::ipv6`], parsed;
    /// at least one.
    fn addresses(&self) -> io::Result<Addresses> {
        let ipv4 = self.ipv4.as_deref().map(parse_cidr).transpose()?;
        let ipv6 = self.ipv6.as_deref().map(parse_cidr_v6).transpose()?;
        if ipv4.is_none() && ipv6.is_none() {
            return Err(invalid(
                "no address given: call StackBuilder::ipv4 or StackBuilder::ipv6",
            ));
        }
        Ok((ipv4, ipv6))
    }

    /// Starts the stack with one shard per link.
    fn start(self, links: Vec<Box<dyn Link + Send>>) -> io::Result<Stack> {
        let (ipv4, ipv6) = self.addresses()?;
        let info = links
            .first()
            .ok_or_else(|| invalid("no link to run on"))?
            .info();
        let mut net = net_config(info.mac, ipv4, ipv6);
        if let Some(ipv6) = net.ipv6.as_mut() {
            ipv6.gateway = self.gateway_v6;
        }
        net.mtu = info.mtu;
        net.gateway = self.gateway;
        let pcap = self.pcap.as_deref().map(PcapWriter::create).transpose()?;
        Stack::start(links, net, self.config, self.faults, pcap)
    }
}

/// The IPv4 and IPv6 address and prefix length a builder was given, each if it was.
type Addresses = (Option<(Ipv4Addr, u8)>, Option<(Ipv6Addr, u8)>);

/// The network layer's configuration for these addresses on the interface at `mac`.
fn net_config(
    mac: MacAddr,
    ipv4: Option<(Ipv4Addr, u8)>,
    ipv6: Option<(Ipv6Addr, u8)>,
) -> NetConfig {
    let ipv6 = ipv6.map(|(addr, prefix)| Ipv6Config::new(mac, addr, prefix));
    match ipv4 {
        Some((addr, prefix)) => NetConfig {
            ipv6,
            ..NetConfig::new(mac, addr, prefix)
        },
        None => NetConfig {
            ipv6,
            ..NetConfig::new(mac, Ipv4Addr::UNSPECIFIED, 0)
        },
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_string())
}

/// Parses `a.b.c.d/len`.
fn parse_cidr(cidr: &str) -> io::Result<(Ipv4Addr, u8)> {
    let bad = || invalid(&format!("bad IPv4 address {cidr:?}: expected a.b.c.d/len"));
    let (addr, len) = cidr.split_once('/').ok_or_else(bad)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
    let len: u8 = len.parse().map_err(|_| bad())?;
    if len > 32 || addr.is_unspecified() || addr.is_multicast() || addr.is_broadcast() {
        return Err(bad());
    }
    Ok((addr, len))
}

/// Parses `x:x::x/len` (a unicast address that is not IPv4-mapped).
fn parse_cidr_v6(cidr: &str) -> io::Result<(Ipv6Addr, u8)> {
    let bad = || invalid(&format!("bad IPv6 address {cidr:?}: expected x:x::x/len"));
    let (addr, len) = cidr.split_once('/').ok_or_else(bad)?;
    let addr: Ipv6Addr = addr.parse().map_err(|_| bad())?;
    let len: u8 = len.parse().map_err(|_| bad())?;
    let unusable = addr.is_unspecified()
        || addr.is_multicast()
        || addr.is_loopback()
        || addr.to_ipv4_mapped().is_some();
    if len > 128 || unusable {
        return Err(bad());
    }
    Ok((addr, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parsing_accepts_addresses_and_refuses_nonsense() {
        assert_eq!(
            parse_cidr("198.18.0.1/24").unwrap(),
            (Ipv4Addr::new(198, 18, 0, 1), 24)
        );
        for bad in [
            "198.18.0.1",
            "198.18.0.1/33",
            "0.0.0.0/8",
            "x/24",
            "224.0.0.1/4",
        ] {
            assert_eq!(
                parse_cidr(bad).unwrap_err().kind(),
                io::ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn ipv6_cidr_parsing_accepts_addresses_and_refuses_nonsense() {
        let expected: Ipv6Addr = "2001:2:0:1::1".parse().unwrap();
        assert_eq!(parse_cidr_v6("2001:2:0:1::1/64").unwrap(), (expected, 64));
        for bad in [
            "2001:2::1",
            "2001:2::1/129",
            "::/0",
            "ff02::1/64",
            "::1/128",
            "::ffff:198.18.0.1/96",
            "198.18.0.1/24",
        ] {
            assert_eq!(
                parse_cidr_v6(bad).unwrap_err().kind(),
                io::ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }
}

//! The sans-IO network layer: Ethernet frames in and out, TCP segments up and down.
//!
//! [`NetLayer`] does Ethernet II, ARP (cache with expiry, bounded queues, retried requests,
//! replies for our address), IPv4 (header checks, fragments dropped, DF set on output,
//! identification, TTL, checksum, on-link or gateway routing), ICMP echo replies and ICMP
//! errors about our TCP packets passed on to the engine, and the same for IPv6 with
//! neighbour discovery (RFC 4861 solicitations and advertisements, through the ARP cache and
//! queues) and ICMPv6 echo replies. Duplicate address detection is not done: the addresses
//! are used as configured (a probe for them is answered). It never
//! touches a socket or a clock: see [`NetLayer`] for the order of calls and the time
//! convention.

mod arp;
mod config;
mod counters;
mod ethernet;
mod icmp;
mod icmp_error;
mod input;
mod ipv4;
mod ipv6;
mod layer;
mod output;
mod route;
#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

pub use config::{ArpConfig, ConfigError, Ipv6Config, NetConfig};
pub use counters::Counters;
pub use ethernet::{ETHERNET_HEADER_LEN, MacAddr};
pub use icmp_error::IcmpErrorReport;
pub use ipv4::IPV4_HEADER_LEN;
pub use ipv6::IPV6_HEADER_LEN;
pub(crate) use ipv6::{multicast_mac, solicited_node};
pub use layer::{NetLayer, TCP_OFFSET, TCP_OFFSET_V6, TcpSegment};
pub use output::{Egress, SendError, TcpOut};

//! The sans-IO network layer: Ethernet frames in and out, TCP segments up and down.
//!
//! [`NetLayer`] does Ethernet II, ARP (cache with expiry, bounded queues, retried requests,
//! replies for our address), IPv4 (header checks, fragments dropped, DF set on output,
//! identification, TTL, checksum, on-link or gateway routing), ICMP echo replies, and ICMP
//! errors about our TCP packets passed on to the engine. It never
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
mod layer;
mod output;
mod route;
#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

pub use config::{ArpConfig, ConfigError, NetConfig};
pub use counters::Counters;
pub use ethernet::{ETHERNET_HEADER_LEN, MacAddr};
pub use icmp_error::IcmpErrorReport;
pub use ipv4::IPV4_HEADER_LEN;
pub use layer::{NetLayer, TCP_OFFSET, TcpSegment};
pub use output::{Egress, SendError, TcpOut};

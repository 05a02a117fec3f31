//! What the kernel says about the test's link: the veth ends' MAC addresses, packet and drop
//! counters, its neighbour table, and the CPUs' input backlog drops.

use std::net::Ipv4Addr;

use tcp_stack::netns::Netns;

/// A device's packet counters from `/proc/net/dev`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LinkStats {
    pub(crate) rx_packets: u64,
    pub(crate) rx_dropped: u64,
    pub(crate) tx_packets: u64,
    pub(crate) tx_dropped: u64,
}

impl LinkStats {
    /// The counters of `dev` in `netns`.
    pub(crate) fn read(netns: &Netns, dev: &str) -> LinkStats {
        let text = netns
            .run(|| std::fs::read_to_string("/proc/thread-self/net/dev"))
            .expect("entering the namespace")
            .expect("reading /proc/thread-self/net/dev");
        let line = text
            .lines()
            .find_map(|line| line.trim_start().strip_prefix(dev)?.strip_prefix(':'))
            .unwrap_or_else(|| panic!("{dev} not in {text}"));
        let fields: Vec<u64> = line
            .split_whitespace()
            .map(|field| field.parse().expect("a number"))
            .collect();
        LinkStats {
            rx_packets: fields[1],
            rx_dropped: fields[3],
            tx_packets: fields[9],
            tx_dropped: fields[11],
        }
    }

    /// What happened between `before` and `self`.
    pub(crate) fn since(self, before: LinkStats) -> LinkStats {
        LinkStats {
            rx_packets: self.rx_packets - before.rx_packets,
            rx_dropped: self.rx_dropped - before.rx_dropped,
            tx_packets: self.tx_packets - before.tx_packets,
            tx_dropped: self.tx_dropped - before.tx_dropped,
        }
    }
}

/// Packets dropped because a CPU's input backlog was full, summed over CPUs (machine-wide).
pub(crate) fn softnet_drops() -> u64 {
    let text = std::fs::read_to_string("/proc/net/softnet_stat").unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .filter_map(|field| u64::from_str_radix(field, 16).ok())
        .sum()
}

/// The MAC address of `dev` in `netns`, from `ip -o link show`.
pub(crate) fn mac(netns: &Netns, dev: &str) -> [u8; 6] {
    let output = netns
        .exec("ip", &["-o", "link", "show", "dev", dev])
        .expect("ip link show");
    let text = String::from_utf8(output.stdout).expect("ASCII");
    let mut fields = text.split_whitespace();
    fields
        .find(|field| *field == "link/ether")
        .and_then(|_| fields.next())
        .and_then(parse_mac)
        .unwrap_or_else(|| panic!("no MAC address for {dev} in {text:?}"))
}

/// The kernel's neighbour entry for `addr` in `netns`.
pub(crate) fn neighbour_mac(netns: &Netns, addr: Ipv4Addr) -> Option<[u8; 6]> {
    let output = netns
        .exec("ip", &["neigh", "show", &addr.to_string()])
        .expect("ip neigh show");
    let text = String::from_utf8(output.stdout).expect("ASCII");
    let mut fields = text.split_whitespace();
    fields.find(|field| *field == "lladdr")?;
    fields.next().and_then(parse_mac)
}

/// `aa:bb:cc:dd:ee:ff` as bytes.
fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

#[test]
fn mac_addresses_parse_as_ip_prints_them() {
    assert_eq!(
        parse_mac("02:1a:ff:00:9c:01"),
        Some([0x02, 0x1a, 0xff, 0x00, 0x9c, 0x01])
    );
    assert_eq!(parse_mac("02:1a:ff:00:9c"), None);
    assert_eq!(parse_mac("02:1a:ff:00:9c:01:07"), None);
    assert_eq!(parse_mac("02:1a:ff:00:9c:zz"), None);
}

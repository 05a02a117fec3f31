//! The one-interface routing table: on-link by prefix, everything else via the gateway.

use core::net::Ipv4Addr;

use super::config::NetConfig;

/// The netmask of a prefix length; lengths above 32 are treated as 32.
pub(crate) fn mask(prefix_len: u8) -> u32 {
    match prefix_len {
        0 => 0,
        len => u32::MAX << (32 - u32::from(len.min(32))),
    }
}

/// Our address, subnet and gateway.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route {
    addr: Ipv4Addr,
    mask: u32,
    prefix_len: u8,
    gateway: Option<Ipv4Addr>,
}

impl Route {
    /// The route of a validated configuration.
    pub(crate) fn new(config: &NetConfig) -> Route {
        Route {
            addr: config.addr,
            mask: mask(config.prefix_len),
            prefix_len: config.prefix_len,
            gateway: config.gateway,
        }
    }

    /// Our own address.
    pub(crate) fn addr(&self) -> Ipv4Addr {
        self.addr
    }

    /// True when `ip` is inside our subnet.
    pub(crate) fn on_link(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask == u32::from(self.addr) & self.mask
    }

    /// True when `ip` can name one remote host: not ours, not unspecified, loopback,
    /// multicast, limited broadcast, nor (for prefixes up to /30) our subnet's broadcast or
    /// network address.
    pub(crate) fn is_remote_host(&self, ip: Ipv4Addr) -> bool {
        if ip == self.addr
            || ip.is_unspecified()
            || ip.is_loopback()
            || ip.is_multicast()
            || ip.is_broadcast()
        {
            return false;
        }
        if self.prefix_len <= 30 && self.on_link(ip) {
            let host = u32::from(ip) & !self.mask;
            return host != 0 && host != !self.mask;
        }
        true
    }

    /// The address to resolve with ARP to reach `dst`: `dst` itself when on-link, else the
    /// gateway; `None` when `dst` is not a remote host or there is no gateway.
    pub(crate) fn next_hop(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        if !self.is_remote_host(dst) {
            None
        } else if self.on_link(dst) {
            Some(dst)
        } else {
            self.gateway
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlayer::MacAddr;

    fn route(gateway: Option<Ipv4Addr>) -> Route {
        let mut config = NetConfig::new(
            MacAddr([0x02, 0, 0, 0, 0, 1]),
            Ipv4Addr::new(198, 18, 7, 1),
            24,
        );
        config.gateway = gateway;
        Route::new(&config)
    }

    #[test]
    fn masks() {
        assert_eq!(mask(0), 0);
        assert_eq!(mask(24), 0xffff_ff00);
        assert_eq!(mask(32), u32::MAX);
        assert_eq!(mask(40), u32::MAX);
    }

    #[test]
    fn on_link_goes_direct_and_the_rest_via_the_gateway() {
        let gateway = Ipv4Addr::new(198, 18, 7, 254);
        let route = route(Some(gateway));
        let peer = Ipv4Addr::new(198, 18, 7, 2);
        assert_eq!(route.next_hop(peer), Some(peer));
        assert_eq!(route.next_hop(Ipv4Addr::new(198, 19, 0, 9)), Some(gateway));
    }

    #[test]
    fn without_a_gateway_off_link_is_unreachable() {
        let route = route(None);
        assert_eq!(route.next_hop(Ipv4Addr::new(198, 19, 0, 9)), None);
    }

    #[test]
    fn special_addresses_are_never_a_next_hop() {
        let route = route(Some(Ipv4Addr::new(198, 18, 7, 254)));
        for ip in [
            Ipv4Addr::new(198, 18, 7, 1),
            Ipv4Addr::new(198, 18, 7, 0),
            Ipv4Addr::new(198, 18, 7, 255),
            Ipv4Addr::BROADCAST,
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::new(224, 0, 0, 1),
            Ipv4Addr::LOCALHOST,
        ] {
            assert_eq!(route.next_hop(ip), None, "{ip}");
        }
    }
}

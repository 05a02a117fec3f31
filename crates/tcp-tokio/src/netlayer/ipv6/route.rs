//! The one-interface IPv6 routing table: our prefix and link-local addresses on-link,
//! everything else via the gateway.

use core::net::Ipv6Addr;

use crate::netlayer::config::Ipv6Config;

/// Our addresses, prefix and gateway.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route6 {
    addr: Ipv6Addr,
    link_local: Ipv6Addr,
    mask: u128,
    gateway: Option<Ipv6Addr>,
    hop_limit: u8,
}

impl Route6 {
    /// The route of a configuration (checked or not: nothing here can fail).
    pub(crate) fn new(config: &Ipv6Config) -> Route6 {
        let mask = match config.prefix_len {
            0 => 0,
            len => u128::MAX << (128 - u32::from(len.min(128))),
        };
        Route6 {
            addr: config.addr,
            link_local: config.link_local,
            mask,
            gateway: config.gateway,
            hop_limit: config.hop_limit,
        }
    }

    /// Our global address.
    pub(crate) fn addr(&self) -> Ipv6Addr {
        self.addr
    }

    /// The hop limit of the packets we send (neighbour discovery excepted).
    pub(crate) fn hop_limit(&self) -> u8 {
        self.hop_limit
    }

    /// Our link-local address.
    pub(crate) fn link_local(&self) -> Ipv6Addr {
        self.link_local
    }

    /// True when `ip` is one of our two unicast addresses.
    pub(crate) fn is_ours(&self, ip: Ipv6Addr) -> bool {
        ip == self.addr || ip == self.link_local
    }

    /// True when `ip` is inside our prefix or link-local.
    pub(crate) fn on_link(&self, ip: Ipv6Addr) -> bool {
        ip.is_unicast_link_local()
            || u128::from(ip) & self.mask == u128::from(self.addr) & self.mask
    }

    /// True when `ip` can name one remote host: not ours, not unspecified, loopback,
    /// multicast, nor an IPv4-mapped address (which never appears on the wire, RFC 4291
    /// §2.5.5.2).
    pub(crate) fn is_remote_host(&self, ip: Ipv6Addr) -> bool {
        !(self.is_ours(ip)
            || ip.is_unspecified()
            || ip.is_loopback()
            || ip.is_multicast()
            || ip.to_ipv4_mapped().is_some())
    }

    /// The address to resolve with NDP to reach `dst`: `dst` itself when on-link, else the
    /// gateway; `None` when `dst` is not a remote host or there is no gateway.
    pub(crate) fn next_hop(&self, dst: Ipv6Addr) -> Option<Ipv6Addr> {
        if !self.is_remote_host(dst) {
            None
        } else if self.on_link(dst) {
            Some(dst)
        } else {
            self.gateway
        }
    }

    /// Our address to send from towards `dst`: the link-local one to a link-local
    /// destination (RFC 6724 rule 2, scope), the global one otherwise.
    pub(crate) fn source_for(&self, dst: Ipv6Addr) -> Ipv6Addr {
        if dst.is_unicast_link_local() {
            self.link_local
        } else {
            self.addr
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlayer::MacAddr;

    fn route(gateway: Option<Ipv6Addr>) -> Route6 {
        let mac = MacAddr([0x02, 0, 0, 0, 0, 1]);
        let mut config = Ipv6Config::new(mac, "2001:2:0:7::1".parse().unwrap(), 64);
        config.gateway = gateway;
        Route6::new(&config)
    }

    fn ip(text: &str) -> Ipv6Addr {
        text.parse().unwrap()
    }

    #[test]
    fn on_link_and_link_local_go_direct_and_the_rest_via_the_gateway() {
        let gateway = ip("fe80::1");
        let route = route(Some(gateway));
        assert_eq!(
            route.next_hop(ip("2001:2:0:7::2")),
            Some(ip("2001:2:0:7::2"))
        );
        assert_eq!(route.next_hop(ip("fe80::9")), Some(ip("fe80::9")));
        assert_eq!(route.next_hop(ip("2001:2:0:8::2")), Some(gateway));
        assert_eq!(self::route(None).next_hop(ip("2001:2:0:8::2")), None);
    }

    #[test]
    fn special_addresses_are_never_a_next_hop() {
        let route = route(Some(ip("fe80::1")));
        for text in ["2001:2:0:7::1", "::", "::1", "ff02::1", "::ffff:198.18.0.2"] {
            assert_eq!(route.next_hop(ip(text)), None, "{text}");
        }
        assert_eq!(route.next_hop(route.link_local()), None);
    }

    #[test]
    fn link_local_destinations_get_the_link_local_source() {
        let route = route(None);
        assert_eq!(route.source_for(ip("fe80::9")), route.link_local());
        assert_eq!(route.source_for(ip("2001:2:0:7::2")), ip("2001:2:0:7::1"));
    }
}

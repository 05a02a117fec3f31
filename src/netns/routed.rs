//! Four namespaces around a router: the stack's host, a Linux router with a 1280-byte
//! bottleneck towards a kernel peer, and a kernel host in the stack's place for
//! side-by-side runs. Paths beyond one link: path MTU discovery, ICMP errors and
//! unreachable hosts.

use std::fs;
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::AtomicU32;

use super::command::{ip, run};
use super::namespace::Netns;
use super::topology::{fresh_base, prepare_device};

/// The router's veth end on the stack's link, and the stack's end.
const ROUTER_STACK_IF: &str = "veth-rs";
const STACK_IF: &str = "veth-stack";
/// The router's veth end on the peer's link, and the peer's end.
const ROUTER_PEER_IF: &str = "veth-rp";
const PEER_IF: &str = "veth-peer";
/// The router's veth end on the twin's link, and the twin's end.
const ROUTER_TWIN_IF: &str = "veth-rt";
const TWIN_IF: &str = "veth-twin";
/// Prefix length of every link's subnet.
const PREFIX_LEN: u8 = 24;
/// The bottleneck: the path MTU between the stack's side and the peer's.
pub const BOTTLENECK_MTU: u16 = 1280;

/// Topologies made by this process so far; numbers names and subnets.
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Stack -- router -- peer, and a twin beside the stack (docs/design.md §7).
///
/// Namespaces `<prefix>-<pid>-<n>-a` (the stack: its veth end has no kernel address, the
/// stack owns `198.18.X.1/24` and routes through the router at `198.18.X.254`), `...-r` (a
/// Linux router forwarding between three links), `...-b` (the kernel peer, `198.19.X.2/24`,
/// default route via `198.19.X.254`) and `...-c` (the twin: a kernel host at
/// `198.18.(X+128).1/24` with the router at `.254`, on the same kind of path to the peer
/// as the stack, for running the kernel's own client side by side). X comes from `n`.
///
/// Every device keeps MTU 1500, so the peer announces MSS 1460; the router's routes to
/// the peer's subnet and back to the stack's and the twin's carry MTU
/// [`BOTTLENECK_MTU`], so the router refuses to forward larger packets with DF set and
/// answers "fragmentation needed" (next-hop MTU 1280), both ways. (A veth whose device MTU
/// is 1280 would instead drop larger frames it receives without a word, which no sender
/// can discover.) [`RoutedTopology::drop_router_icmp`] makes the router send no ICMP at all
/// (a black hole); the address [`RoutedTopology::absent_peer_addr`] on the peer's link
/// belongs to nobody, so the router answers packets for it with "host unreachable" once
/// its ARP gives up. IPv6 is disabled everywhere.
///
/// Dropping the topology deletes the four namespaces and the veth pairs with them; names
/// left behind by a process that died first are deleted by the next one with the prefix.
#[derive(Debug)]
pub struct RoutedTopology {
    stack: Netns,
    router: Netns,
    peer: Netns,
    twin: Netns,
    subnet: u8,
}

impl RoutedTopology {
    /// Builds the topology. `prefix` names the namespaces (letters, digits and `-`).
    /// Fails with the failing step's error (and deletes what it made) when not root or
    /// when iproute2 or the kernel refuses.
    pub fn new(prefix: &str) -> io::Result<RoutedTopology> {
        let (base, n) = fresh_base(prefix, &COUNTER)?;
        let topology = RoutedTopology {
            stack: Netns::new(format!("{base}-a")),
            router: Netns::new(format!("{base}-r")),
            peer: Netns::new(format!("{base}-b")),
            twin: Netns::new(format!("{base}-c")),
            subnet: (n % 128) as u8,
        };
        topology.build()?;
        Ok(topology)
    }

    /// Creates the namespaces, links, addresses and routes; on error, `Drop` removes what
    /// exists.
    fn build(&self) -> io::Result<()> {
        let (stack, router, peer, twin) = (
            self.stack.name(),
            self.router.name(),
            self.peer.name(),
            self.twin.name(),
        );
        for name in [stack, router, peer, twin] {
            ip(&["netns", "add", name])?;
        }
        for (near, near_if, far_if) in [
            (stack, STACK_IF, ROUTER_STACK_IF),
            (peer, PEER_IF, ROUTER_PEER_IF),
            (twin, TWIN_IF, ROUTER_TWIN_IF),
        ] {
            ip(&[
                "link", "add", "name", near_if, "netns", near, "type", "veth", "peer", "name",
                far_if, "netns", router,
            ])?;
        }
        self.stack.run(|| prepare_device(STACK_IF, false))??;
        self.router.run(|| {
            for dev in [ROUTER_STACK_IF, ROUTER_PEER_IF, ROUTER_TWIN_IF] {
                prepare_device(dev, false)?;
            }
            let forwarding = "/proc/sys/net/ipv4/ip_forward";
            fs::write(forwarding, "1")
                .map_err(|e| io::Error::new(e.kind(), format!("writing {forwarding}: {e}")))
        })??;
        self.peer.run(|| prepare_device(PEER_IF, false))??;
        self.twin.run(|| prepare_device(TWIN_IF, false))??;
        let cidr = |addr: Ipv4Addr| format!("{addr}/{PREFIX_LEN}");
        for (netns, dev, addr) in [
            (router, ROUTER_STACK_IF, self.router_stack_addr()),
            (router, ROUTER_PEER_IF, self.router_peer_addr()),
            (router, ROUTER_TWIN_IF, self.router_twin_addr()),
            (peer, PEER_IF, self.peer_addr()),
            (twin, TWIN_IF, self.twin_addr()),
        ] {
            ip(&["-n", netns, "addr", "add", &cidr(addr), "dev", dev])?;
        }
        for netns in [stack, router, peer, twin] {
            ip(&["-n", netns, "link", "set", "lo", "up"])?;
        }
        for (netns, dev) in [
            (stack, STACK_IF),
            (router, ROUTER_STACK_IF),
            (router, ROUTER_PEER_IF),
            (router, ROUTER_TWIN_IF),
            (peer, PEER_IF),
            (twin, TWIN_IF),
        ] {
            ip(&["-n", netns, "link", "set", dev, "up"])?;
        }
        let mtu = BOTTLENECK_MTU.to_string();
        for (addr, dev) in [
            (self.peer_addr(), ROUTER_PEER_IF),
            (self.stack_addr(), ROUTER_STACK_IF),
            (self.twin_addr(), ROUTER_TWIN_IF),
        ] {
            let subnet = format!("{}/{PREFIX_LEN}", network(addr));
            ip(&[
                "-n", router, "route", "replace", &subnet, "dev", dev, "mtu", &mtu,
            ])?;
        }
        let via_peer = self.router_peer_addr().to_string();
        ip(&["-n", peer, "route", "add", "default", "via", &via_peer])?;
        let via_twin = self.router_twin_addr().to_string();
        ip(&["-n", twin, "route", "add", "default", "via", &via_twin])?;
        Ok(())
    }

    /// The stack's namespace.
    pub fn stack_ns(&self) -> &Netns {
        &self.stack
    }

    /// The router's namespace.
    pub fn router_ns(&self) -> &Netns {
        &self.router
    }

    /// The kernel peer's namespace.
    pub fn peer_ns(&self) -> &Netns {
        &self.peer
    }

    /// The twin's namespace: a kernel host where the stack is, for side-by-side runs.
    pub fn twin_ns(&self) -> &Netns {
        &self.twin
    }

    /// The veth end in the stack's namespace, where the stack opens its AF_PACKET socket.
    pub fn stack_if(&self) -> &'static str {
        STACK_IF
    }

    /// The address the stack should own: `198.18.X.1`.
    pub fn stack_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, self.subnet, 1)
    }

    /// The stack's gateway, the router on its link: `198.18.X.254`.
    pub fn router_stack_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, self.subnet, 254)
    }

    /// The router on the peer's link: `198.19.X.254`.
    pub fn router_peer_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 19, self.subnet, 254)
    }

    /// The router on the twin's link: `198.18.(X+128).254`.
    pub fn router_twin_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, self.subnet + 128, 254)
    }

    /// The kernel peer's address: `198.19.X.2`.
    pub fn peer_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 19, self.subnet, 2)
    }

    /// An address on the peer's link that nobody holds: `198.19.X.99`.
    pub fn absent_peer_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 19, self.subnet, 99)
    }

    /// The twin's address: `198.18.(X+128).1`.
    pub fn twin_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, self.subnet + 128, 1)
    }

    /// Prefix length of every link's subnet (24).
    pub fn prefix_len(&self) -> u8 {
        PREFIX_LEN
    }

    /// Makes the router send no ICMP message at all from now on (an nftables output rule
    /// in its namespace): "fragmentation needed" and "host unreachable" never arrive, and
    /// the bottleneck becomes a black hole. Needs `nft`.
    pub fn drop_router_icmp(&self) -> io::Result<()> {
        self.nft(
            &self.router,
            &[
                "add table ip icmp-hole",
                "add chain ip icmp-hole out { type filter hook output priority 0 ; }",
                "add rule ip icmp-hole out ip protocol icmp drop",
            ],
        )
    }

    /// Makes the peer's kernel answer TCP segments to `port` with ICMP "port unreachable"
    /// instead of a RST (an nftables input rule in its namespace). Needs `nft`.
    pub fn reject_with_port_unreachable(&self, port: u16) -> io::Result<()> {
        let rule = format!(
            "add rule ip port-reject in tcp dport {port} reject with icmp type port-unreachable"
        );
        self.nft(
            &self.peer,
            &[
                "add table ip port-reject",
                "add chain ip port-reject in { type filter hook input priority 0 ; }",
                &rule,
            ],
        )
    }

    /// Sets `net.ipv4.tcp_mtu_probing` in the peer's and the twin's namespaces (0, 1 or
    /// 2), so the kernel's TCP there detects black holes as the stack may.
    pub fn set_kernel_mtu_probing(&self, mode: u8) -> io::Result<()> {
        let path = "/proc/sys/net/ipv4/tcp_mtu_probing";
        for netns in [&self.peer, &self.twin] {
            netns.run(|| fs::write(path, mode.to_string()))??;
        }
        Ok(())
    }

    /// Runs each nftables command in `netns`.
    fn nft(&self, netns: &Netns, commands: &[&str]) -> io::Result<()> {
        for command in commands {
            let mut args = vec!["netns", "exec", netns.name(), "nft"];
            args.extend(command.split(' '));
            run("ip", &args)?;
        }
        Ok(())
    }
}

/// The `/24` network `addr` is in.
fn network(addr: Ipv4Addr) -> Ipv4Addr {
    let [a, b, c, _] = addr.octets();
    Ipv4Addr::new(a, b, c, 0)
}

impl Drop for RoutedTopology {
    fn drop(&mut self) {
        for netns in [&self.stack, &self.router, &self.peer, &self.twin] {
            if netns.exists()
                && let Err(error) = ip(&["netns", "del", netns.name()])
            {
                eprintln!("netns harness: {error}");
            }
        }
    }
}

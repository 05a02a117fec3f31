//! Two namespaces joined by a veth pair: the stack's host and a Linux kernel peer.

use std::fs;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use super::command::ip;
use super::namespace::{NETNS_DIR, Netns};
use super::offload;

/// Name of the veth end in the stack's namespace.
const STACK_IF: &str = "veth-stack";
/// Name of the veth end in the kernel's namespace.
const KERNEL_IF: &str = "veth-kernel";
/// Prefix length of the link's subnet.
const PREFIX_LEN: u8 = 24;
/// Prefix length of the link's IPv6 subnet.
const PREFIX_LEN_V6: u8 = 64;

/// Topologies made by this process so far; numbers names and subnets.
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The test topology of the namespace tests (docs/design.md §7).
///
/// Two fresh network namespaces, `<prefix>-<pid>-<n>-a` for the stack and `...-b` for the
/// kernel, joined by a veth pair. On the link `198.18.X.0/24` (X from `n`, so topologies
/// made in parallel use different subnets), the stack's end has no kernel address at all
/// (so that kernel neither answers ARP nor sends RSTs) and the stack is meant to own
/// `198.18.X.1`; the kernel's end holds `198.18.X.2/24`. Both ends have IPv6 disabled and
/// their offloads off, both are up, as is the kernel side's loopback.
///
/// [`Topology::new_dual_stack`] enables IPv6 on the kernel's end too, with
/// `2001:2:0:X::2/64` (no duplicate address detection, so it is usable at once); the stack
/// is meant to own `2001:2:0:X::1`, and its end keeps IPv6 disabled, so that its kernel
/// neither answers neighbour solicitations nor sends resets there.
///
/// Dropping the topology deletes both namespaces, which takes the veth pair with them;
/// namespace names left behind by a process that died before dropping are deleted by the
/// next `Topology::new` with the same prefix.
#[derive(Debug)]
pub struct Topology {
    stack: Netns,
    kernel: Netns,
    subnet: u8,
    ipv6: bool,
}

impl Topology {
    /// Builds the topology. `prefix` names the namespaces (letters, digits and `-`).
    /// Fails with the failing step's error (and deletes what it made) when not root or
    /// when iproute2 or the kernel refuses.
    pub fn new(prefix: &str) -> io::Result<Topology> {
        Topology::make(prefix, false)
    }

    /// [`Topology::new`] with IPv6 on the link as well (see [`Topology`]).
    pub fn new_dual_stack(prefix: &str) -> io::Result<Topology> {
        Topology::make(prefix, true)
    }

    fn make(prefix: &str, ipv6: bool) -> io::Result<Topology> {
        let (base, n) = fresh_base(prefix, &COUNTER)?;
        let topology = Topology {
            stack: Netns::new(format!("{base}-a")),
            kernel: Netns::new(format!("{base}-b")),
            subnet: (n % 256) as u8,
            ipv6,
        };
        topology.build()?;
        Ok(topology)
    }

    /// Creates the namespaces and the link; on error, `Drop` removes what exists.
    fn build(&self) -> io::Result<()> {
        let (stack, kernel) = (self.stack.name(), self.kernel.name());
        ip(&["netns", "add", stack])?;
        ip(&["netns", "add", kernel])?;
        ip(&[
            "link", "add", "name", STACK_IF, "netns", stack, "type", "veth", "peer", "name",
            KERNEL_IF, "netns", kernel,
        ])?;
        self.stack.run(|| prepare_device(STACK_IF, false))??;
        self.kernel.run(|| prepare_device(KERNEL_IF, self.ipv6))??;
        let kernel_cidr = format!("{}/{PREFIX_LEN}", self.kernel_addr());
        ip(&["-n", kernel, "addr", "add", &kernel_cidr, "dev", KERNEL_IF])?;
        if self.ipv6 {
            let cidr = format!("{}/{PREFIX_LEN_V6}", self.kernel_addr_v6());
            ip(&[
                "-n", kernel, "addr", "add", &cidr, "dev", KERNEL_IF, "nodad",
            ])?;
        }
        ip(&["-n", kernel, "link", "set", "lo", "up"])?;
        ip(&["-n", kernel, "link", "set", KERNEL_IF, "up"])?;
        ip(&["-n", stack, "link", "set", STACK_IF, "up"])?;
        Ok(())
    }

    /// The stack's namespace.
    pub fn stack_ns(&self) -> &Netns {
        &self.stack
    }

    /// The kernel peer's namespace.
    pub fn kernel_ns(&self) -> &Netns {
        &self.kernel
    }

    /// The veth end in the stack's namespace, where the stack opens its AF_PACKET socket.
    pub fn stack_if(&self) -> &'static str {
        STACK_IF
    }

    /// The veth end in the kernel's namespace.
    pub fn kernel_if(&self) -> &'static str {
        KERNEL_IF
    }

    /// The address the stack should own: `198.18.X.1`.
    pub fn stack_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, self.subnet, 1)
    }

    /// The kernel peer's address: `198.18.X.2`.
    pub fn kernel_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, self.subnet, 2)
    }

    /// Prefix length of the link's subnet (24).
    pub fn prefix_len(&self) -> u8 {
        PREFIX_LEN
    }

    /// The IPv6 address the stack should own on a dual-stack topology: `2001:2:0:X::1`.
    pub fn stack_addr_v6(&self) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 2, 0, u16::from(self.subnet), 0, 0, 0, 1)
    }

    /// The kernel peer's IPv6 address on a dual-stack topology: `2001:2:0:X::2`.
    pub fn kernel_addr_v6(&self) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 2, 0, u16::from(self.subnet), 0, 0, 0, 2)
    }

    /// Prefix length of the link's IPv6 subnet (64).
    pub fn prefix_len_v6(&self) -> u8 {
        PREFIX_LEN_V6
    }

    /// Runs `f` inside the stack's namespace; see [`Netns::run`].
    pub fn in_stack_ns<T: Send>(&self, f: impl FnOnce() -> T + Send) -> io::Result<T> {
        self.stack.run(f)
    }

    /// Runs `f` inside the kernel peer's namespace; see [`Netns::run`].
    pub fn in_kernel_ns<T: Send>(&self, f: impl FnOnce() -> T + Send) -> io::Result<T> {
        self.kernel.run(f)
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        for netns in [&self.stack, &self.kernel] {
            if netns.exists()
                && let Err(error) = ip(&["netns", "del", netns.name()])
            {
                eprintln!("netns harness: {error}");
            }
        }
    }
}

/// Disables the offloads of `dev` in the calling thread's namespace, and IPv6 unless
/// `ipv6`; with `ipv6`, turns duplicate address detection off, so the link-local address
/// is usable at once too.
pub(super) fn prepare_device(dev: &str, ipv6: bool) -> io::Result<()> {
    let write = |name: &str, value: &str| {
        let sysctl = format!("/proc/sys/net/ipv6/conf/{dev}/{name}");
        // A kernel booted without IPv6 has no such file, and nothing to disable.
        if !Path::new(&sysctl).exists() {
            return Ok(());
        }
        fs::write(&sysctl, value)
            .map_err(|e| io::Error::new(e.kind(), format!("writing {sysctl}: {e}")))
    };
    if ipv6 {
        write("accept_dad", "0")?;
        write("disable_ipv6", "0")?;
    } else {
        write("disable_ipv6", "1")?;
    }
    offload::disable_offloads(dev)
}

/// The base name `<prefix>-<pid>-<n>` of a new topology's namespaces and its number `n`
/// (from `counter`), once `prefix` is checked (letters, digits and `-`) and the namespaces
/// a dead process left with it are deleted.
pub(super) fn fresh_base(prefix: &str, counter: &AtomicU32) -> io::Result<(String, u32)> {
    if prefix.is_empty()
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("namespace prefix {prefix:?} must be letters, digits and '-'"),
        ));
    }
    remove_stale(prefix);
    let n = counter.fetch_add(1, Ordering::Relaxed);
    Ok((format!("{prefix}-{}-{n}", std::process::id()), n))
}

/// Deletes namespaces named `<prefix>-<pid>-<n>-a|b|r|c` (a [`Topology`] or a
/// [`super::RoutedTopology`]) whose process no longer exists.
fn remove_stale(prefix: &str) {
    let Ok(entries) = fs::read_dir(NETNS_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = stale_owner(prefix, name) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            // Another process may be removing it at the same moment; either way it goes.
            let _ = ip(&["netns", "del", name]);
        }
    }
}

/// The pid in a name made by [`Topology::new`] with `prefix`, if it is one.
fn stale_owner(prefix: &str, name: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('-')?;
    let rest = ["-a", "-b", "-r", "-c"]
        .iter()
        .find_map(|suffix| rest.strip_suffix(suffix))?;
    let (pid, n) = rest.split_once('-')?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_its_own_names() {
        assert_eq!(stale_owner("t", "t-123-4-a"), Some(123));
        assert_eq!(stale_owner("t", "t-123-4-b"), Some(123));
        assert_eq!(stale_owner("t", "t-123-4-r"), Some(123));
        assert_eq!(stale_owner("t", "t-123-4-d"), None);
        assert_eq!(stale_owner("t", "tt-123-4-a"), None);
        assert_eq!(stale_owner("t", "t-x-4-a"), None);
        assert_eq!(stale_owner("link", "link-9-x-a"), None);
    }
}

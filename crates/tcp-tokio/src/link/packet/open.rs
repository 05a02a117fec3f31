//! Opening the sockets of one interface: create, set options, attach a filter, bind,
//! register with tokio, each step's error naming the interface and the step.

use core::ffi::c_int;
use std::io;

use libc::sock_filter;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;

use super::{
    ETH_P_ALL, ETH_P_ARP, ETH_P_IP, PACKET_IGNORE_OUTGOING, PACKET_QDISC_BYPASS, PACKET_VNET_HDR,
    PacketSocketConfig, Protocols, sys,
};

/// One interface being opened: its facts, read once, and a first socket made to read them.
pub(super) struct Opener<'a> {
    interface: &'a str,
    facts: sys::InterfaceFacts,
    /// The socket that read the facts, used as the first socket opened.
    probe: Option<Socket>,
}

impl<'a> Opener<'a> {
    /// Checks for a tokio runtime and reads `interface`'s index, MTU and MAC address in the
    /// calling thread's network namespace. Errors as [`PacketSocket::open_with`] documents.
    ///
    /// [`PacketSocket::open_with`]: super::PacketSocket::open_with
    pub(super) fn start(interface: &'a str) -> io::Result<Opener<'a>> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(io::Error::other(format!(
                "AF_PACKET socket on {interface}: must be opened inside a tokio runtime"
            )));
        }
        let probe = new_socket(interface)?;
        let facts = sys::interface_facts(&probe, interface).map_err(|e| {
            let step = if e.kind() == io::ErrorKind::NotFound {
                "no such interface in this network namespace"
            } else {
                "reading interface index, MTU and MAC"
            };
            context(interface, step, e)
        })?;
        Ok(Opener {
            interface,
            facts,
            probe: Some(probe),
        })
    }

    /// The interface's name.
    pub(super) fn interface(&self) -> &'a str {
        self.interface
    }

    /// The interface's index, MTU and MAC address.
    pub(super) fn facts(&self) -> sys::InterfaceFacts {
        self.facts
    }

    /// The EtherType the main socket binds to under `config`: every frame, or IPv4 only.
    pub(super) fn main_protocol(config: &PacketSocketConfig) -> u16 {
        match config.protocols {
            Protocols::All => ETH_P_ALL,
            Protocols::IpAndArp => ETH_P_IP,
        }
    }

    /// A socket bound to the interface for `protocol` with the options of `config`, not yet
    /// registered with tokio. `filter`, when given, is attached before the bind: a socket
    /// made with protocol 0 has no receive hook until bound, so no frame is ever queued on
    /// it that the filter did not pass, and there is nothing to drain.
    pub(super) fn bound(
        &mut self,
        protocol: u16,
        config: &PacketSocketConfig,
        filter: Option<&[sock_filter]>,
    ) -> io::Result<Socket> {
        let socket = match self.probe.take() {
            Some(probe) => probe,
            None => new_socket(self.interface)?,
        };
        configure(&socket, config).map_err(|e| self.context("setting socket options", e))?;
        if let Some(program) = filter {
            self.attach(&socket, program)?;
        }
        sys::bind(&socket, protocol, self.facts.index).map_err(|e| self.context("bind", e))?;
        for mac in config
            .filter_ipv6
            .iter()
            .flat_map(|ipv6| ipv6.multicast_macs())
        {
            sys::add_membership(&socket, self.facts.index, mac)
                .map_err(|e| self.context("joining a solicited-node group", e))?;
        }
        Ok(socket)
    }

    /// The ARP socket `config` asks for (`Protocols::IpAndArp`), bound, filtered by
    /// `filter` from the start, and registered; `None` for `Protocols::All`.
    pub(super) fn arp(
        &mut self,
        config: &PacketSocketConfig,
        filter: Option<&[sock_filter]>,
    ) -> io::Result<Option<AsyncFd<Socket>>> {
        if config.protocols != Protocols::IpAndArp {
            return Ok(None);
        }
        let arp_config = PacketSocketConfig {
            segmentation_offload: false,
            ..*config
        };
        let socket = self.bound(ETH_P_ARP, &arp_config, filter)?;
        self.register(socket).map(Some)
    }

    /// Replaces `socket`'s filter with `program`.
    pub(super) fn attach(&self, socket: &Socket, program: &[sock_filter]) -> io::Result<()> {
        sys::set_program(socket, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, program)
            .map_err(|e| self.context("attaching the socket filter", e))
    }

    /// Registers `socket` with the current tokio runtime's reactor.
    pub(super) fn register(&self, socket: Socket) -> io::Result<AsyncFd<Socket>> {
        sys::register(socket).map_err(|e| self.context("registering with tokio", e))
    }

    /// `error` with the interface and `step` in its message, its kind kept.
    pub(super) fn context(&self, step: &str, error: io::Error) -> io::Error {
        context(self.interface, step, error)
    }
}

/// `error` with `interface` and `step` in its message, its kind kept.
fn context(interface: &str, step: &str, error: io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("AF_PACKET socket on {interface}: {step}: {error}"),
    )
}

/// A new AF_PACKET raw socket with protocol 0: it receives nothing until bound.
fn new_socket(interface: &str) -> io::Result<Socket> {
    Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(0))).map_err(|e| {
        let step = if e.kind() == io::ErrorKind::PermissionDenied {
            "creating the socket needs CAP_NET_RAW"
        } else {
            "creating the socket"
        };
        context(interface, step, e)
    })
}

/// Applies the options of `config` and the ones every packet socket here gets.
fn configure(socket: &Socket, config: &PacketSocketConfig) -> io::Result<()> {
    match sys::set_packet_option(socket, PACKET_IGNORE_OUTGOING, 1) {
        // Kernels before 4.20 echo our frames back; the network layer drops frames from
        // our own MAC address, so they do no harm beyond the work.
        Err(error) if error.raw_os_error() == Some(libc::ENOPROTOOPT) => {}
        result => result?,
    }
    if config.qdisc_bypass {
        sys::set_packet_option(socket, PACKET_QDISC_BYPASS, 1)?;
    }
    if config.segmentation_offload {
        sys::set_packet_option(socket, PACKET_VNET_HDR, 1)?;
    }
    if let Some(size) = config.recv_buffer {
        let forced = c_int::try_from(size)
            .map_or(Err(io::ErrorKind::InvalidInput.into()), |bytes| {
                sys::force_recv_buffer(socket, bytes)
            });
        if forced.is_err() {
            socket.set_recv_buffer_size(size)?;
        }
    }
    if let Some(size) = config.send_buffer {
        socket.set_send_buffer_size(size)?;
    }
    socket.set_nonblocking(true)
}

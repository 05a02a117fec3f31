//! smoltcp as a client: its `phy::RawSocket` AF_PACKET device on the stack namespace's
//! veth end, an `Interface` and one TCP socket, driven the way smoltcp's own examples do
//! (poll, then wait on the device for at most `poll_delay`). smoltcp's defaults are kept:
//! no congestion control (none is built in without the `socket-tcp-cubic`/`-reno`
//! features), and a device that sees its own frames and allocates one buffer per frame.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime};

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, Medium, RawSocket};
use smoltcp::socket::tcp;
use smoltcp::time::Instant as SmolInstant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr};
use tcp_stack::netns::Topology;

use crate::figures::{
    MESSAGE, Meter, Outcome, ROUND_TRIPS, STALL, Transfer, WARMUP_ROUND_TRIPS, Work,
};

/// Send buffer: as large as this stack's largest.
const SEND_BUFFER: usize = 4 << 20;
/// Receive buffer: the client only reads echoes and end-of-file.
const RECV_BUFFER: usize = 64 << 10;
/// Local port of the first connection; each further connection takes the next.
const FIRST_PORT: u16 = 49152;

/// The client's side of `work` against `addr`.
pub(crate) fn run(topology: &Topology, addr: SocketAddr, work: Work) -> io::Result<Outcome> {
    let mac = mac_address(topology)?;
    let connect = |port: u16| Host::connect(topology, mac, addr, port);
    topology.in_stack_ns(|| match work {
        Work::Bulk { duration, repeats } => (0..repeats)
            .map(|i| connect(FIRST_PORT + i as u16)?.send_for(duration))
            .collect::<io::Result<_>>()
            .map(Outcome::Transfers),
        Work::RoundTrips => connect(FIRST_PORT)?.round_trips().map(Outcome::RoundTrips),
    })?
}

/// The MAC address of the stack namespace's veth end, from `ip -o link show`.
fn mac_address(topology: &Topology) -> io::Result<[u8; 6]> {
    let output = topology
        .stack_ns()
        .exec("ip", &["-o", "link", "show", "dev", topology.stack_if()])?;
    let text = String::from_utf8_lossy(&output.stdout);
    let bad = || io::Error::new(io::ErrorKind::InvalidData, format!("no MAC in {text:?}"));
    let mut words = text.split_whitespace();
    words.find(|word| *word == "link/ether").ok_or_else(bad)?;
    let hex = words.next().ok_or_else(bad)?;
    let mut mac = [0; 6];
    let mut parts = hex.split(':');
    for byte in &mut mac {
        let part = parts.next().ok_or_else(bad)?;
        *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
    }
    Ok(mac)
}

/// One smoltcp interface with one TCP socket on it.
struct Host {
    device: RawSocket,
    iface: Interface,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
}

impl Host {
    /// Opens the device and connects from `port` to `remote`, waiting until established.
    fn connect(
        topology: &Topology,
        mac: [u8; 6],
        remote: SocketAddr,
        port: u16,
    ) -> io::Result<Host> {
        let IpAddr::V4(remote_ip) = remote.ip() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "IPv4 only"));
        };
        let mut device = RawSocket::new(topology.stack_if(), Medium::Ethernet)?;
        let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        config.random_seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(1, |since| since.as_nanos() as u64);
        let mut iface = Interface::new(config, &mut device, SmolInstant::now());
        let local = IpCidr::new(
            IpAddress::Ipv4(topology.stack_addr()),
            topology.prefix_len(),
        );
        iface.update_ip_addrs(|addrs| {
            addrs
                .push(local)
                .expect("a fresh interface has room for one address");
        });
        let mut socket = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; RECV_BUFFER]),
            tcp::SocketBuffer::new(vec![0; SEND_BUFFER]),
        );
        socket
            .connect(
                iface.context(),
                (IpAddress::Ipv4(remote_ip), remote.port()),
                port,
            )
            .map_err(io::Error::other)?;
        let mut sockets = SocketSet::new(Vec::new());
        let handle = sockets.add(socket);
        let mut host = Host {
            device,
            iface,
            sockets,
            handle,
        };
        host.run_until("connect", |socket| match socket.state() {
            tcp::State::Established => Some(Ok(())),
            tcp::State::Closed => Some(Err(io::ErrorKind::ConnectionRefused.into())),
            _ => None,
        })?;
        Ok(host)
    }

    /// The TCP socket.
    fn socket(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut(self.handle)
    }

    /// Runs the interface once: every received frame in, every due segment out.
    fn poll(&mut self) {
        self.iface
            .poll(SmolInstant::now(), &mut self.device, &mut self.sockets);
    }

    /// Sleeps until a frame arrives or the interface's next deadline.
    fn wait(&mut self) -> io::Result<()> {
        let delay = self.iface.poll_delay(SmolInstant::now(), &self.sockets);
        phy::wait(self.device.as_raw_fd(), delay)
    }

    /// Polls and waits until `done` returns a result, or fails after [`STALL`].
    fn run_until<T>(
        &mut self,
        step: &str,
        mut done: impl FnMut(&mut tcp::Socket<'static>) -> Option<io::Result<T>>,
    ) -> io::Result<T> {
        let start = Instant::now();
        loop {
            self.poll();
            if let Some(result) = done(self.socket()) {
                return result;
            }
            if start.elapsed() > STALL {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{step} stalled"),
                ));
            }
            self.wait()?;
        }
    }

    /// Sends for `duration`, then closes and waits for the receiver's close.
    fn send_for(mut self, duration: Duration) -> io::Result<Transfer> {
        let meter = Meter::start()?;
        let mut sent = 0;
        while meter.elapsed() < duration {
            let socket = self.socket();
            while socket.can_send() {
                sent += socket
                    .send(|buf| (buf.len(), buf.len()))
                    .map_err(io::Error::other)? as u64;
            }
            if !socket.may_send() {
                return Err(io::ErrorKind::ConnectionReset.into());
            }
            self.poll();
            if !self.socket().can_send() {
                self.wait()?;
            }
        }
        self.close()?;
        meter.finish(sent)
    }

    /// Times request/response exchanges of [`MESSAGE`] bytes, then closes.
    fn round_trips(mut self) -> io::Result<Vec<Duration>> {
        self.socket().set_nagle_enabled(false);
        let mut message = [0x5a; MESSAGE];
        let mut samples = Vec::with_capacity(ROUND_TRIPS);
        for i in 0..WARMUP_ROUND_TRIPS + ROUND_TRIPS {
            let start = Instant::now();
            if self
                .socket()
                .send_slice(&message)
                .map_err(io::Error::other)?
                != MESSAGE
            {
                return Err(io::Error::other("send buffer full"));
            }
            let mut received = 0;
            self.run_until("round trip", |socket| {
                match socket.recv_slice(&mut message[received..]) {
                    Ok(n) => received += n,
                    Err(error) => return Some(Err(io::Error::other(error))),
                }
                (received == MESSAGE).then_some(Ok(()))
            })?;
            if i >= WARMUP_ROUND_TRIPS {
                samples.push(start.elapsed());
            }
        }
        self.close()?;
        Ok(samples)
    }

    /// Sends FIN and runs until the peer's FIN has been acknowledged (TIME_WAIT).
    fn close(mut self) -> io::Result<()> {
        self.socket().close();
        self.run_until("close", |socket| {
            matches!(socket.state(), tcp::State::TimeWait | tcp::State::Closed).then_some(Ok(()))
        })
    }
}

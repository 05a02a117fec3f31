//! What the interop tests share: a stack started inside the stack's namespace, kernel
//! sockets made inside the kernel's, seeded data with SHA-256 digests, echo servers on both
//! sides, bounded waits, and a few looks at the kernel's own view (`ss`, counters, ping).
//!
//! Everything runs in the test's one multi-threaded tokio runtime: the stack's AF_PACKET
//! socket and the kernel's TCP sockets belong to the namespace of the thread that created
//! them, whichever thread polls them afterwards, so only their creation happens on a thread
//! that entered a namespace.
//!
//! Set `TCP_SHARDS=<n>` to run every stack with `n` shards instead of one per worker
//! thread, and `INTEROP_PCAP=<dir>` to have every stack write a capture `<dir>/<namespace>.pcap`
//! (read it with `tcpdump -nr`).

// Each test binary includes this module and uses part of it.
#![allow(dead_code)]

pub(crate) mod ipv6;

use std::future::Future;
use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use socket2::{Domain, Protocol, Socket, Type};
use tcp_stack::netns::{Netns, Topology};
use tcp_tokio::{Stack, StackBuilder, State, TcpListener};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinHandle;

/// The longest a single step that should be quick (a handshake, a small echo, a reset
/// arriving) may take before the test fails.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// The longest a bulk transfer may take before the test fails: generous, since it bounds a
/// hang rather than measures speed on a shared two-core machine.
pub(crate) const BULK_PATIENCE: Duration = Duration::from_secs(150);

/// Builds a fresh topology whose namespace names start with `prefix`.
pub(crate) fn topology(prefix: &str) -> Topology {
    Topology::new(prefix).expect("building the namespaces")
}

/// `addr:port` on the stack's side of `topology`.
pub(crate) fn stack_addr(topology: &Topology, port: u16) -> SocketAddr {
    SocketAddr::from((topology.stack_addr(), port))
}

/// `addr:port` on the kernel's side of `topology`.
pub(crate) fn kernel_addr(topology: &Topology, port: u16) -> SocketAddr {
    SocketAddr::from((topology.kernel_addr(), port))
}

/// A stack with default settings on the stack's veth end, owning the stack's address.
pub(crate) fn stack(topology: &Topology) -> Stack {
    stack_with(topology, Stack::builder())
}

/// A stack made from `builder` on the stack's veth end, owning the stack's address.
pub(crate) fn stack_with(topology: &Topology, builder: StackBuilder) -> Stack {
    let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
    let builder = builder.interface(topology.stack_if()).ipv4(cidr);
    start_in(topology.stack_ns(), builder)
}

/// [`stack_with`] with the shard count `builder` has, whatever `TCP_SHARDS` says.
pub(crate) fn stack_exactly(topology: &Topology, builder: StackBuilder) -> Stack {
    let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
    let builder = builder.interface(topology.stack_if()).ipv4(cidr);
    start_as_given(topology.stack_ns(), builder)
}

/// Starts the stack `builder` describes (interface and address set) inside `netns`, with
/// its drivers on the current runtime. Must be called from inside a multi-threaded runtime.
/// `TCP_SHARDS=<n>` in the environment sets the shard count of every stack started here
/// (by default, one per worker thread of the runtime).
pub(crate) fn start_in(netns: &Netns, builder: StackBuilder) -> Stack {
    let builder = match std::env::var("TCP_SHARDS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(shards) => builder.shards(shards),
        None => builder,
    };
    start_as_given(netns, builder)
}

/// [`start_in`] without `TCP_SHARDS`.
fn start_as_given(netns: &Netns, builder: StackBuilder) -> Stack {
    let builder = match std::env::var_os("INTEROP_PCAP") {
        Some(dir) => builder.pcap(PathBuf::from(dir).join(format!("{}.pcap", netns.name()))),
        None => builder,
    };
    let runtime = tokio::runtime::Handle::current();
    netns
        .run(move || runtime.block_on(builder.build()))
        .expect("entering the namespace")
        .expect("starting the stack")
}

/// A kernel listener on the kernel's address and `port`, with a backlog of 1024.
pub(crate) fn kernel_listener(topology: &Topology, port: u16) -> tokio::net::TcpListener {
    let addr = kernel_addr(topology, port);
    let listener = topology
        .in_kernel_ns(|| -> io::Result<std::net::TcpListener> {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(1024)?;
            socket.set_nonblocking(true)?;
            Ok(socket.into())
        })
        .expect("entering the kernel namespace")
        .expect("kernel listener");
    tokio::net::TcpListener::from_std(listener).expect("registering the kernel listener")
}

/// A kernel TCP socket made in the kernel's namespace, not yet connected.
pub(crate) fn kernel_socket(topology: &Topology) -> tokio::net::TcpSocket {
    topology
        .in_kernel_ns(tokio::net::TcpSocket::new_v4)
        .expect("entering the kernel namespace")
        .expect("kernel socket")
}

/// A kernel connection to `addr`, or the kernel's error.
pub(crate) async fn kernel_connect(
    topology: &Topology,
    addr: SocketAddr,
) -> io::Result<tokio::net::TcpStream> {
    within(
        "kernel connect",
        PATIENCE,
        kernel_socket(topology).connect(addr),
    )
    .await
}

/// `future`'s output, or a panic naming `what` once `limit` has passed.
pub(crate) async fn within<T>(what: &str, limit: Duration, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: not done within {limit:?}"),
    }
}

/// Polls `condition` every 5 ms until it holds; panics naming `what` after `limit`.
pub(crate) async fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not so within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The state `stack.sockets()` lists for the connection `local` <-> `remote`, if any.
pub(crate) fn socket_state(stack: &Stack, local: SocketAddr, remote: SocketAddr) -> Option<State> {
    stack
        .sockets()
        .into_iter()
        .find(|info| info.local == local && info.remote == remote)
        .map(|info| info.state)
}

/// A reproducible stream of pseudo-random bytes (xorshift64*), one per seed.
pub(crate) struct Pattern {
    state: u64,
}

impl Pattern {
    /// The stream for `seed`.
    pub(crate) fn new(seed: u64) -> Pattern {
        Pattern {
            state: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
        }
    }

    /// Fills `buf` with the next bytes of the stream.
    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.state ^= self.state >> 12;
            self.state ^= self.state << 25;
            self.state ^= self.state >> 27;
            let word = self.state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    /// The first `len` bytes of the stream for `seed`.
    pub(crate) fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        Pattern::new(seed).fill(&mut out);
        out
    }
}

/// What one side of a transfer moved: byte count and SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) bytes: u64,
    pub(crate) sha256: [u8; 32],
}

/// Writes `len` bytes of the pattern for `seed` in 64 KiB chunks; returns what was sent.
/// Does not shut down.
pub(crate) async fn send_pattern<W: AsyncWrite + Unpin>(
    writer: &mut W,
    seed: u64,
    len: u64,
) -> io::Result<Tally> {
    let mut pattern = Pattern::new(seed);
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        pattern.fill(&mut chunk[..n]);
        hasher.update(&chunk[..n]);
        writer.write_all(&chunk[..n]).await?;
        left -= n as u64;
    }
    Ok(Tally {
        bytes: len,
        sha256: hasher.finalize().into(),
    })
}

/// Reads to end-of-file; returns what arrived.
pub(crate) async fn receive_all<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<Tally> {
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Tally {
                bytes,
                sha256: hasher.finalize().into(),
            });
        }
        hasher.update(&chunk[..n]);
        bytes += n as u64;
    }
}

/// Serves every connection of a kernel listener by echoing until end-of-file, then
/// half-closing. Runs until aborted.
pub(crate) fn kernel_echo_server(listener: tokio::net::TcpListener) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = stream.split();
                if tokio::io::copy(&mut reader, &mut writer).await.is_ok() {
                    let _ = writer.shutdown().await;
                }
            });
        }
    })
}

/// Serves every connection of a stack listener by echoing until end-of-file, then
/// half-closing. Runs until aborted.
pub(crate) fn stack_echo_server(listener: TcpListener) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = stream.split();
                if tokio::io::copy(&mut reader, &mut writer).await.is_ok() {
                    let _ = writer.shutdown().await;
                }
            });
        }
    })
}

/// Runs `ip args...`; panics with its error output when it fails.
pub(crate) fn ip(args: &[&str]) {
    let output = std::process::Command::new("ip")
        .args(args)
        .output()
        .expect("running ip");
    assert!(
        output.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The kernel's TCP sockets in `netns` as `ss -tanH` lists them (state, queues, local and
/// peer address), one per line.
pub(crate) fn kernel_sockets(netns: &Netns) -> String {
    let output = std::process::Command::new("ip")
        .args(["netns", "exec", netns.name(), "ss", "-tanH"])
        .output()
        .expect("running ss");
    assert!(
        output.status.success(),
        "ss: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("ASCII")
}

/// The `ss` state of the kernel's connection `local` <-> `remote` in `netns` (`ESTAB`,
/// `TIME-WAIT`, ...), if it has one.
pub(crate) fn kernel_socket_state(
    netns: &Netns,
    local: SocketAddr,
    remote: SocketAddr,
) -> Option<String> {
    let (local, remote) = (local.to_string(), remote.to_string());
    kernel_sockets(netns).lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.len() >= 5 && fields[3] == local && fields[4] == remote)
            .then(|| fields[0].to_string())
    })
}

/// One counter of the kernel's `/proc/net/snmp` or `/proc/net/netstat` (`file` is "snmp"
/// or "netstat") in `netns`, such as ("Tcp", "RetransSegs") or ("TcpExt", "TCPOFOQueue").
pub(crate) fn kernel_counter(netns: &Netns, file: &str, group: &str, name: &str) -> u64 {
    // /proc/net follows the namespace of the process's main thread; thread-self follows
    // the thread that entered `netns`.
    let path = format!("/proc/thread-self/net/{file}");
    let text = netns
        .run(|| std::fs::read_to_string(&path))
        .expect("entering the namespace")
        .expect("reading the kernel's counters");
    let prefix = format!("{group}:");
    let mut lines = text.lines().filter(|line| line.starts_with(&prefix));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else {
        panic!("{group} not in {path}");
    };
    let position = names
        .split_whitespace()
        .position(|field| field == name)
        .unwrap_or_else(|| panic!("{name} not in {group} of {path}"));
    values
        .split_whitespace()
        .nth(position)
        .and_then(|value| value.parse().ok())
        .expect("a number")
}

/// Shuts down `stream`'s write side, then reads until the peer's FIN: nothing may arrive
/// before it.
pub(crate) async fn half_close_and_read_eof(stream: &mut tcp_tokio::TcpStream) {
    stream.shutdown().await.expect("half-close");
    let mut rest = Vec::new();
    within("EOF from the peer", PATIENCE, stream.read_to_end(&mut rest))
        .await
        .expect("read to EOF");
    assert!(rest.is_empty(), "{} bytes before EOF", rest.len());
}

/// Reads from `socket` (with a short read timeout) for up to a second; true once a packet
/// `answer` accepts came, false when none did.
pub(crate) fn replied(socket: &Socket, answer: impl Fn(&[u8]) -> bool) -> io::Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut buf = [0u8; 1500];
    while Instant::now() < deadline {
        match (&*socket).read(&mut buf) {
            Ok(len) if answer(&buf[..len]) => return Ok(true),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// ICMP identifiers for [`ping`], distinct per call in this process.
static PING_ID: AtomicU16 = AtomicU16::new(0x6900);

/// Sends `count` ICMP echo requests to `dst` from the calling thread's namespace through a
/// raw socket (no ping binary needed), one at a time, each waiting up to a second for its
/// reply; returns how many came back with the same identifier, sequence number and data.
pub(crate) fn ping(dst: Ipv4Addr, count: u16) -> io::Result<u16> {
    let socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))?;
    socket.set_read_timeout(Some(Duration::from_millis(100)))?;
    let id = PING_ID.fetch_add(1, Ordering::Relaxed);
    let mut answered = 0;
    for seq in 1..=count {
        let mut request = vec![8, 0, 0, 0];
        request.extend_from_slice(&id.to_be_bytes());
        request.extend_from_slice(&seq.to_be_bytes());
        request.extend((0..56).map(|i| i as u8));
        let sum = internet_checksum(&request);
        request[2..4].copy_from_slice(&sum.to_be_bytes());
        socket.send_to(&request, &SocketAddrV4::new(dst, 0).into())?;
        let answer = |packet: &[u8]| {
            let header_len = usize::from(packet[0] & 0x0f) * 4;
            packet.get(header_len..).is_some_and(|reply| {
                packet[12..16] == dst.octets()
                    && reply.len() == request.len()
                    && reply[0] == 0
                    && internet_checksum(reply) == 0
                    && reply[4..] == request[4..]
            })
        };
        if replied(&socket, answer)? {
            answered += 1;
        }
    }
    Ok(answered)
}

/// The ones' complement sum of RFC 1071 (0 over a message carrying a valid checksum).
fn internet_checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

//! The link and network layers against the Linux kernel across a veth pair: ARP and ping
//! answered, a kernel SYN delivered up intact, our IPv4 headers judged by the kernel, and
//! the namespaces gone afterwards.

use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use tcp_stack::netns::{self, Netns, Topology};
use tcp_tokio::link::{BATCH, FrameBatch, Link, PacketSocket};
use tcp_tokio::netlayer::{Counters, Egress, MacAddr, NetConfig, NetLayer};
use tcp_wire::{Checksum, Flags, Header, Segment, SeqNumber};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// Longest any single expected event may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(5);

/// A TCP segment the layer handed up: source, destination, bytes.
type Delivered = (IpAddr, IpAddr, Vec<u8>);

/// A request to the driver: send this TCP segment to `dst`, optionally breaking the IPv4
/// header checksum of the finished frame, and say what became of it.
struct SendTcp {
    dst: Ipv4Addr,
    segment: Vec<u8>,
    break_ip_checksum: bool,
    done: oneshot::Sender<Egress>,
}

/// The stack side of a topology: a PacketSocket and a NetLayer driven by one task.
struct Driver {
    mac: MacAddr,
    delivered: mpsc::UnboundedReceiver<Delivered>,
    requests: mpsc::UnboundedSender<SendTcp>,
    task: JoinHandle<io::Result<Counters>>,
}

impl Driver {
    /// Opens the stack's veth inside its namespace and starts driving it.
    fn start(topology: &Topology) -> Driver {
        let runtime = tokio::runtime::Handle::current();
        let link = topology
            .in_stack_ns(|| {
                let _entered = runtime.enter();
                PacketSocket::open(topology.stack_if())
            })
            .expect("entering the stack namespace")
            .expect("opening the AF_PACKET socket");
        let config = NetConfig::new(
            link.info().mac,
            topology.stack_addr(),
            topology.prefix_len(),
        );
        let net = NetLayer::new(config).expect("valid configuration");
        let (delivered_tx, delivered) = mpsc::unbounded_channel();
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let mac = link.info().mac;
        let task = tokio::spawn(drive(link, net, delivered_tx, requests_rx));
        Driver {
            mac,
            delivered,
            requests,
            task,
        }
    }

    /// Sends a TCP segment through the layer and returns what became of it.
    async fn send_tcp(&self, dst: Ipv4Addr, segment: Vec<u8>, break_ip_checksum: bool) -> Egress {
        let (done, egress) = oneshot::channel();
        let request = SendTcp {
            dst,
            segment,
            break_ip_checksum,
            done,
        };
        assert!(self.requests.send(request).is_ok(), "driver stopped");
        egress.await.expect("driver answers every request")
    }

    /// The next TCP segment handed up, within [`PATIENCE`].
    async fn next_segment(&mut self) -> Delivered {
        timeout(PATIENCE, self.delivered.recv())
            .await
            .expect("a TCP segment within the time limit")
            .expect("driver running")
    }

    /// Stops the driver and returns the layer's counters.
    async fn stop(self) -> Counters {
        drop(self.requests);
        self.task
            .await
            .expect("driver task")
            .expect("driver ran without link errors")
    }
}

/// The driver loop: frames in through the layer, segments up, requests and the layer's own
/// frames out, ARP timers served. Ends when the request channel closes.
async fn drive(
    mut link: PacketSocket,
    mut net: NetLayer,
    delivered: mpsc::UnboundedSender<Delivered>,
    mut requests: mpsc::UnboundedReceiver<SendTcp>,
) -> io::Result<Counters> {
    let start = tokio::time::Instant::now();
    let now_us = move || start.elapsed().as_micros() as u64;
    let slot_len = net.frame_capacity();
    let mut inbound = FrameBatch::new(BATCH, slot_len);
    let mut outbound = FrameBatch::new(BATCH, slot_len);
    loop {
        while let Some(slot) = outbound.spare_slot() {
            match net.poll_transmit(slot) {
                Some(len) => outbound.commit(len),
                None => break,
            }
        }
        if !outbound.is_empty() {
            link.send(&mut outbound).await?;
        }
        let wake = net.poll_timeout().map_or(start + PATIENCE * 100, |us| {
            start + Duration::from_micros(us)
        });
        tokio::select! {
            received = link.recv(&mut inbound) => {
                received?;
                for frame in inbound.iter() {
                    if let Some(segment) = net.handle_frame(now_us(), frame) {
                        let up = (segment.src, segment.dst, segment.bytes.to_vec());
                        let _ = delivered.send(up);
                    }
                }
            }
            request = requests.recv() => {
                let Some(request) = request else { return Ok(*net.counters()) };
                let slot = outbound.spare_slot().expect("output drained above");
                let tcp = net.tcp_buffer(slot);
                tcp[..request.segment.len()].copy_from_slice(&request.segment);
                let src = net.config().addr;
                let egress = net
                    .send_tcp(now_us(), slot, src, request.dst, request.segment.len(), false)
                    .expect("a sendable segment");
                if let Egress::Ready(len) = egress {
                    if request.break_ip_checksum {
                        slot[24] ^= 0xff;
                    }
                    outbound.commit(len);
                }
                let _ = request.done.send(egress);
            }
            () = tokio::time::sleep_until(wake) => net.handle_timeout(now_us()),
        }
    }
}

/// A SYN from `src:src_port` to `dst:dst_port` with sequence number 1000, checksummed.
fn syn(src: Ipv4Addr, src_port: u16, dst: Ipv4Addr, dst_port: u16) -> Vec<u8> {
    let header = Header {
        src_port,
        dst_port,
        seq: SeqNumber(1000),
        flags: Flags::SYN,
        window: 64240,
        ..Header::default()
    };
    let mut segment = vec![0u8; header.header_len()];
    header
        .emit(&mut segment)
        .expect("buffer sized by header_len");
    Segment::new_checked(&mut segment[..])
        .expect("a whole header")
        .fill_checksum_ipv4(src, dst);
    segment
}

/// Identifiers for [`ping`], distinct per call in this process.
static PING_ID: AtomicU16 = AtomicU16::new(0x5100);

/// Sends `count` ICMP echo requests to `dst` from the calling thread's namespace, one at a
/// time, each waiting up to a second for its reply; returns how many were answered with
/// the same identifier, sequence number and data.
fn ping(dst: Ipv4Addr, count: u16) -> io::Result<u16> {
    let socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))?;
    socket.set_read_timeout(Some(Duration::from_millis(200)))?;
    let id = PING_ID.fetch_add(1, Ordering::Relaxed);
    let mut answered = 0;
    for seq in 1..=count {
        let mut request = vec![8, 0, 0, 0];
        request.extend_from_slice(&id.to_be_bytes());
        request.extend_from_slice(&seq.to_be_bytes());
        request.extend((0..48).map(|i| i as u8));
        let mut sum = Checksum::new();
        sum.add_bytes(&request);
        request[2..4].copy_from_slice(&sum.finish().to_be_bytes());
        socket.send_to(&request, &SocketAddrV4::new(dst, 0).into())?;
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut buf = [0u8; 1500];
        while Instant::now() < deadline {
            let len = match (&socket).read(&mut buf) {
                Ok(len) => len,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            };
            let header_len = usize::from(buf[0] & 0x0f) * 4;
            let Some(reply) = buf[..len].get(header_len..) else {
                continue;
            };
            if reply.len() == request.len()
                && reply[0] == 0
                && reply[4..] == request[4..]
                && buf[12..16] == dst.octets()
            {
                answered += 1;
                break;
            }
        }
    }
    Ok(answered)
}

/// One counter from the kernel's `/proc/net/netstat` or `/proc/net/snmp` in `netns`, such
/// as ("IpExt", "InCsumErrors").
fn kernel_counter(netns: &Netns, file: &str, group: &str, name: &str) -> u64 {
    let output = netns.exec("cat", &[file]).expect("reading kernel counters");
    let text = String::from_utf8(output.stdout).expect("ASCII counters");
    let prefix = format!("{group}:");
    let mut lines = text.lines().filter(|line| line.starts_with(&prefix));
    let (names, values) = (lines.next(), lines.next());
    let (Some(names), Some(values)) = (names, values) else {
        panic!("{group} not in {file}: {text}");
    };
    let position = names
        .split_whitespace()
        .position(|field| field == name)
        .unwrap_or_else(|| panic!("{name} not in {group}"));
    values
        .split_whitespace()
        .nth(position)
        .and_then(|value| value.parse().ok())
        .expect("a number")
}

/// The kernel's neighbour entry for `addr` in `netns`: its MAC address as `ip` prints it.
fn kernel_neighbour(netns: &Netns, addr: Ipv4Addr) -> Option<String> {
    let output = netns
        .exec("ip", &["neigh", "show", &addr.to_string()])
        .expect("listing neighbours");
    let text = String::from_utf8(output.stdout).expect("ASCII");
    let mut fields = text.split_whitespace();
    fields.find(|field| *field == "lladdr")?;
    fields.next().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kernel_can_ping_the_stack() {
    if !netns::require("netns_link::the_kernel_can_ping_the_stack") {
        return;
    }
    let topology = Topology::new("netns-link").expect("building the topology");
    let driver = Driver::start(&topology);
    let kernel = topology.kernel_ns().clone();
    let target = topology.stack_addr();
    let answered = tokio::task::spawn_blocking(move || kernel.run(|| ping(target, 3)))
        .await
        .expect("ping thread")
        .expect("entering the kernel namespace")
        .expect("ping socket");
    assert_eq!(answered, 3, "all three echo requests answered");
    let learned = kernel_neighbour(topology.kernel_ns(), target);
    assert_eq!(
        learned,
        Some(driver.mac.to_string()),
        "the kernel resolved us by ARP"
    );
    let counters = driver.stop().await;
    assert_eq!(counters.icmp_echo_replied, 3);
    assert!(counters.arp_replies_out >= 1, "{counters:?}");
    assert_eq!(counters.arp_requests_in, counters.arp_replies_out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kernel_syn_arrives_as_an_intact_tcp_segment() {
    if !netns::require("netns_link::a_kernel_syn_arrives_as_an_intact_tcp_segment") {
        return;
    }
    let topology = Topology::new("netns-link").expect("building the topology");
    let mut driver = Driver::start(&topology);
    let target = SocketAddrV4::new(topology.stack_addr(), 5001);
    let client = topology
        .in_kernel_ns(|| -> io::Result<Socket> {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_nonblocking(true)?;
            match socket.connect(&target.into()) {
                Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(socket),
                other => other.map(|()| socket),
            }
        })
        .expect("entering the kernel namespace")
        .expect("starting a kernel connect");
    let client_port = client
        .local_addr()
        .expect("bound by connect")
        .as_socket_ipv4()
        .expect("IPv4")
        .port();
    let (src, dst, bytes) = driver.next_segment().await;
    assert_eq!(
        (src, dst),
        (
            IpAddr::V4(topology.kernel_addr()),
            IpAddr::V4(topology.stack_addr())
        )
    );
    let segment = Segment::new_checked(&bytes[..]).expect("parses as TCP");
    assert!(segment.verify_checksum(src, dst), "checksum valid");
    assert_eq!(segment.flags(), Flags::SYN);
    assert_eq!(segment.dst_port(), 5001);
    assert_eq!(segment.src_port(), client_port);
    drop(client);
    let counters = driver.stop().await;
    assert!(counters.tcp_in >= 1);
    assert_eq!(counters.ip_bad_checksum + counters.ip_bad_header, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kernel_accepts_our_ipv4_and_drops_a_bad_checksum() {
    if !netns::require("netns_link::the_kernel_accepts_our_ipv4_and_drops_a_bad_checksum") {
        return;
    }
    let topology = Topology::new("netns-link").expect("building the topology");
    let (ours, theirs) = (topology.stack_addr(), topology.kernel_addr());
    let listener = topology
        .in_kernel_ns(|| std::net::TcpListener::bind((theirs, 7777)))
        .expect("entering the kernel namespace")
        .expect("kernel listener");
    let mut driver = Driver::start(&topology);

    // A SYN to a closed port: the kernel answers RST (and ARP resolves on the way).
    let egress = driver
        .send_tcp(theirs, syn(ours, 40000, theirs, 9), false)
        .await;
    assert_eq!(egress, Egress::Queued, "first packet waits for ARP");
    let (_, _, rst) = driver.next_segment().await;
    let rst = Segment::new_checked(&rst[..]).expect("TCP");
    assert!(rst.flags().rst());
    assert_eq!((rst.src_port(), rst.dst_port()), (9, 40000));
    assert_eq!(rst.ack_number(), SeqNumber(1001));

    let errors_before = kernel_counter(
        topology.kernel_ns(),
        "/proc/net/netstat",
        "IpExt",
        "InCsumErrors",
    );
    let broken = driver
        .send_tcp(theirs, syn(ours, 40001, theirs, 7777), true)
        .await;
    assert!(matches!(broken, Egress::Ready(_)), "{broken:?}");
    let intact = driver
        .send_tcp(theirs, syn(ours, 40002, theirs, 7777), false)
        .await;
    assert!(matches!(intact, Egress::Ready(_)), "{intact:?}");

    // The veth delivers in order, so an answer to the broken SYN would come first.
    let (_, _, answer) = driver.next_segment().await;
    let answer = Segment::new_checked(&answer[..]).expect("TCP");
    assert_eq!(answer.flags(), Flags::SYN | Flags::ACK);
    assert_eq!((answer.src_port(), answer.dst_port()), (7777, 40002));
    assert_eq!(answer.ack_number(), SeqNumber(1001));
    let errors_after = kernel_counter(
        topology.kernel_ns(),
        "/proc/net/netstat",
        "IpExt",
        "InCsumErrors",
    );
    assert_eq!(
        errors_after - errors_before,
        1,
        "the kernel dropped exactly our broken header"
    );
    drop(listener);
    driver.stop().await;
}

#[test]
fn the_topology_is_as_designed_and_gone_after_drop() {
    if !netns::require("netns_link::the_topology_is_as_designed_and_gone_after_drop") {
        return;
    }
    let topology = Topology::new("netns-link").expect("building the topology");
    let (stack, kernel) = (topology.stack_ns().clone(), topology.kernel_ns().clone());
    assert!(stack.exists() && kernel.exists());
    let devices = |netns: &Netns| {
        netns
            .run(|| std::fs::read_to_string("/proc/thread-self/net/dev"))
            .expect("entering the namespace")
            .expect("the thread's own device list")
    };
    let (stack_devices, kernel_devices) = (devices(&stack), devices(&kernel));
    assert!(stack_devices.contains(topology.stack_if()));
    assert!(!stack_devices.contains(topology.kernel_if()));
    assert!(kernel_devices.contains(topology.kernel_if()));
    let addresses = |netns: &Netns, dev: &str| {
        let output = netns
            .exec("ip", &["-4", "-o", "addr", "show", "dev", dev])
            .expect("listing addresses");
        String::from_utf8(output.stdout).expect("ASCII")
    };
    let kernel_cidr = format!("inet {}/24", topology.kernel_addr());
    assert!(addresses(&kernel, topology.kernel_if()).contains(&kernel_cidr));
    assert_eq!(
        addresses(&stack, topology.stack_if()),
        "",
        "no kernel IP on the stack side"
    );
    for (netns, dev) in [
        (&stack, topology.stack_if()),
        (&kernel, topology.kernel_if()),
    ] {
        let path = format!("/proc/sys/net/ipv6/conf/{dev}/disable_ipv6");
        let disabled = netns
            .run(|| std::fs::read_to_string(&path).map(|v| v.trim() == "1"))
            .expect("entering the namespace");
        assert!(disabled.unwrap_or(true), "IPv6 off on {dev}");
    }
    drop(topology);
    assert!(!stack.exists() && !kernel.exists());
    let listed = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(!listed.contains(stack.name()) && !listed.contains(kernel.name()));
}

#[test]
fn a_panicking_test_leaves_no_namespace_behind() {
    if !netns::require("netns_link::a_panicking_test_leaves_no_namespace_behind") {
        return;
    }
    let mut names = None;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let topology = Topology::new("netns-link").expect("building the topology");
        names = Some((topology.stack_ns().clone(), topology.kernel_ns().clone()));
        panic!("a test failing while its topology is alive");
    }));
    assert!(outcome.is_err());
    let (stack, kernel) = names.expect("topology was built");
    assert!(!stack.exists() && !kernel.exists());
}

//! `PacketSocket::open_sharded` on a veth: frames from the kernel's side reach exactly the
//! shard `shard_of` names, over IPv4 and IPv6 alike, everything that is not whole TCP/IPv4
//! or TCP right behind an IPv6 header reaches shard 0, the shards never see frames leaving
//! the interface, and noise that was flowing while the group was set up is never
//! misdelivered.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tcp_stack::netns::{self, Topology};
use tcp_tokio::link::{
    BATCH, FrameBatch, Link, PacketSocket, PacketSocketConfig, Protocols, shard_of,
};
use tcp_tokio::netlayer::MacAddr;
use tcp_wire::Checksum;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;

/// Longest the whole exchange may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);
/// Shards in the group under test.
const SHARDS: u16 = 2;
/// Receive slots: whole frames, no super-frames (offloads are off on both ends).
const SLOT: usize = 2048;
/// The IPv4 identification of the noise frames, which no frame under test uses.
const NOISE_ID: u16 = 0xffff;

/// The two ends' link-layer and IPv4 addresses.
#[derive(Debug, Clone, Copy)]
struct Ends {
    kernel_mac: MacAddr,
    stack_mac: MacAddr,
    kernel: Ipv4Addr,
    stack: Ipv4Addr,
}

/// An Ethernet frame from the kernel's end to the stack's, carrying an IPv4 packet of
/// `protocol` with identification `id`, fragment word `fragment` and body `body`, its
/// header checksum correct.
fn ipv4_frame(ends: &Ends, protocol: u8, id: u16, fragment: u16, body: &[u8]) -> Vec<u8> {
    let mut frame = ethernet(ends.stack_mac, ends.kernel_mac, 0x0800);
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&((20 + body.len()) as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&id.to_be_bytes());
    ip[6..8].copy_from_slice(&fragment.to_be_bytes());
    ip[8] = 64;
    ip[9] = protocol;
    ip[12..16].copy_from_slice(&ends.kernel.octets());
    ip[16..20].copy_from_slice(&ends.stack.octets());
    let mut sum = Checksum::new();
    sum.add_bytes(&ip);
    ip[10..12].copy_from_slice(&sum.finish().to_be_bytes());
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(body);
    frame
}

/// The first 20 bytes of a TCP SYN from `src_port` to `dst_port` (checksum left 0: no
/// one on the stack's side verifies it).
fn syn(src_port: u16, dst_port: u16) -> [u8; 20] {
    let mut tcp = [0u8; 20];
    tcp[..2].copy_from_slice(&src_port.to_be_bytes());
    tcp[2..4].copy_from_slice(&dst_port.to_be_bytes());
    tcp[12] = 5 << 4;
    tcp[13] = 0x02;
    tcp
}

/// An Ethernet header.
fn ethernet(dst: MacAddr, src: MacAddr, ethertype: u16) -> Vec<u8> {
    let mut frame = Vec::with_capacity(64);
    frame.extend_from_slice(&dst.0);
    frame.extend_from_slice(&src.0);
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame
}

/// A broadcast ARP request from `sender` asking for `target`.
fn arp_request(sender_mac: MacAddr, sender: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    let mut frame = ethernet(MacAddr::BROADCAST, sender_mac, 0x0806);
    frame.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    frame.extend_from_slice(&sender_mac.0);
    frame.extend_from_slice(&sender.octets());
    frame.extend_from_slice(&[0; 6]);
    frame.extend_from_slice(&target.octets());
    frame
}

/// What a received frame is, for the bookkeeping: an IPv4 packet by identification, or an
/// ARP message by operation and sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Seen {
    Ipv4(u16),
    Arp { op: u16, sender: Ipv4Addr },
}

/// Classifies `frame`; `None` for anything else.
fn classify(frame: &[u8]) -> Option<Seen> {
    match u16::from_be_bytes([frame[12], frame[13]]) {
        0x0800 => Some(Seen::Ipv4(u16::from_be_bytes([frame[18], frame[19]]))),
        0x0806 => Some(Seen::Arp {
            op: u16::from_be_bytes([frame[20], frame[21]]),
            sender: Ipv4Addr::new(frame[28], frame[29], frame[30], frame[31]),
        }),
        _ => None,
    }
}

/// Receives on `link` forever, sending each frame with `shard` down `out`.
async fn forward(shard: u16, mut link: PacketSocket, out: mpsc::UnboundedSender<(u16, Vec<u8>)>) {
    let mut batch = FrameBatch::new(BATCH, SLOT);
    loop {
        link.recv(&mut batch).await.expect("receiving on a shard");
        for frame in batch.iter() {
            if out.send((shard, frame.to_vec())).is_err() {
                return;
            }
        }
    }
}

/// The shard a received frame belongs on: that of its ports for whole TCP/IPv4, else 0.
fn steering(frame: &[u8]) -> u16 {
    let is_ipv4 = frame[12..14] == [0x08, 0x00];
    let whole_tcp =
        is_ipv4 && frame[23] == 6 && u16::from_be_bytes([frame[20], frame[21]]) & 0x3fff == 0;
    if !whole_tcp {
        return 0;
    }
    let tcp = &frame[14 + 4 * usize::from(frame[14] & 0x0f)..];
    let port = |at: usize| u16::from_be_bytes([tcp[at], tcp[at + 1]]);
    shard_of(port(2), port(0), SHARDS)
}

/// Sends SYNs with varied ports from `link` to every host on the link, a few per
/// millisecond, until `stop` (or the link is gone); says when the first went out, and
/// returns how many did.
async fn noise(
    mut link: PacketSocket,
    ends: Ends,
    stop: Arc<AtomicBool>,
    started: oneshot::Sender<()>,
) -> u64 {
    let mut batch = FrameBatch::new(BATCH, SLOT);
    let mut started = Some(started);
    let mut sent = 0;
    let mut ports = 0x1234u16;
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..8 {
            ports = ports.wrapping_mul(75).wrapping_add(74);
            let frame = ipv4_frame(
                &ends,
                6,
                NOISE_ID,
                0x4000,
                &syn(ports, ports.rotate_left(5)),
            );
            batch.push(&frame).expect("room");
        }
        if link.send(&mut batch).await.is_err() {
            // The topology is gone: the test failed elsewhere and is unwinding.
            break;
        }
        sent += 8;
        if let Some(started) = started.take() {
            let _ = started.send(());
        }
        // Pacing, not waiting for anything: noise must leave the shared cores some room.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    sent
}

/// The whole scenario for one choice of [`Protocols`].
async fn frames_reach_the_shard_of_their_ports(protocols: Protocols) {
    let topology = Topology::new("pkt-fanout").expect("building the topology");
    let runtime = tokio::runtime::Handle::current();
    let plain = PacketSocketConfig {
        segmentation_offload: false,
        ..PacketSocketConfig::default()
    };
    let sharded = PacketSocketConfig { protocols, ..plain };
    let kernel_end = || {
        topology
            .in_kernel_ns(|| {
                let _entered = runtime.enter();
                PacketSocket::open_with(topology.kernel_if(), &plain)
            })
            .expect("entering the kernel namespace")
            .expect("opening a raw socket on the kernel's end")
    };
    let mut peer = kernel_end();
    let noise_peer = kernel_end();
    let noise_ends = Ends {
        kernel_mac: noise_peer.info().mac,
        stack_mac: MacAddr::BROADCAST,
        kernel: topology.kernel_addr(),
        stack: topology.stack_addr(),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let (started, noise_started) = oneshot::channel();
    let noise = tokio::spawn(noise(noise_peer, noise_ends, Arc::clone(&stop), started));
    noise_started.await.expect("noise running");
    let mut shards = topology
        .in_stack_ns(|| {
            let _entered = runtime.enter();
            PacketSocket::open_sharded(topology.stack_if(), &sharded, SHARDS)
        })
        .expect("entering the stack namespace")
        .expect("opening the shards");
    assert_eq!(shards.len(), usize::from(SHARDS));
    let ends = Ends {
        kernel_mac: peer.info().mac,
        stack_mac: shards[0].info().mac,
        kernel: topology.kernel_addr(),
        stack: topology.stack_addr(),
    };

    // Frames leaving the stack's end reach no shard: our own ARP request for the kernel's
    // address, whose reply must reach shard 0, and a frame another socket on this
    // interface sends (to a MAC no one has), which the group would see as outgoing.
    let mut out = FrameBatch::new(BATCH, SLOT);
    out.push(&arp_request(ends.stack_mac, ends.stack, ends.kernel))
        .expect("room");
    shards[0]
        .send(&mut out)
        .await
        .expect("sending our ARP request");
    let mut bystander = topology
        .in_stack_ns(|| {
            let _entered = runtime.enter();
            PacketSocket::open_with(topology.stack_if(), &plain)
        })
        .expect("entering the stack namespace")
        .expect("opening a second socket on the stack's end");
    let nobody = Ends {
        kernel_mac: ends.stack_mac,
        stack_mac: MacAddr([0x02, 0, 0, 0, 0, 0x99]),
        kernel: ends.stack,
        stack: ends.kernel,
    };
    out.push(&ipv4_frame(&nobody, 17, 2000, 0x4000, &[0; 8]))
        .expect("room");
    bystander
        .send(&mut out)
        .await
        .expect("sending from a bystander");

    let (tx, mut rx) = mpsc::unbounded_channel();
    let receivers: Vec<_> = (0..SHARDS)
        .zip(shards.drain(..))
        .map(|(shard, link)| tokio::spawn(forward(shard, link, tx.clone())))
        .collect();

    let mut expected = HashMap::new();
    let mut frames = Vec::new();
    let mut state = 0x9e37_79b9u32 ^ std::process::id();
    for id in 0..200u16 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let (remote, local) = (state as u16 | 1, (state >> 16) as u16);
        frames.push(ipv4_frame(&ends, 6, id, 0x4000, &syn(remote, local)));
        expected.insert(Seen::Ipv4(id), shard_of(local, remote, SHARDS));
    }
    let elsewhere = (1..)
        .map(|local| (local, 40000))
        .find(|&(local, remote)| shard_of(local, remote, SHARDS) != 0)
        .expect("a pair off shard 0");
    let others: [(u16, u8, u16, Vec<u8>); 4] = [
        (1000, 6, 0x2000, syn(elsewhere.1, elsewhere.0).to_vec()),
        (1001, 6, 0x0003, syn(elsewhere.1, elsewhere.0).to_vec()),
        (1002, 1, 0x4000, vec![8, 0, 0xf7, 0xff, 0, 0, 0, 0]),
        (
            1003,
            17,
            0x4000,
            syn(elsewhere.1, elsewhere.0)[..8].to_vec(),
        ),
    ];
    for (id, protocol, fragment, body) in &others {
        frames.push(ipv4_frame(&ends, *protocol, *id, *fragment, body));
        expected.insert(Seen::Ipv4(*id), 0);
    }
    frames.push(arp_request(ends.kernel_mac, ends.kernel, ends.stack));
    let kernel_request = Seen::Arp {
        op: 1,
        sender: ends.kernel,
    };
    expected.insert(kernel_request, 0);
    let kernel_reply = Seen::Arp {
        op: 2,
        sender: ends.kernel,
    };
    expected.insert(kernel_reply, 0);
    for chunk in frames.chunks(BATCH) {
        for frame in chunk {
            out.push(frame).expect("room");
        }
        peer.send(&mut out)
            .await
            .expect("sending from the kernel's end");
    }

    let mut arrived: HashMap<Seen, Vec<u16>> = HashMap::new();
    let collect = async {
        while arrived.len() < expected.len() {
            let (shard, frame) = rx.recv().await.expect("receivers running");
            assert_ne!(
                frame[6..12],
                ends.stack_mac.0,
                "shard {shard} received a frame we sent: {frame:02x?}"
            );
            assert_eq!(shard, steering(&frame), "{frame:02x?}");
            if let Some(seen) = classify(&frame).filter(|seen| expected.contains_key(seen)) {
                arrived.entry(seen).or_default().push(shard);
            }
        }
    };
    if timeout(PATIENCE, collect).await.is_err() {
        let missing: Vec<_> = expected
            .keys()
            .filter(|k| !arrived.contains_key(k))
            .collect();
        panic!("never arrived: {missing:?}");
    }
    for (seen, shard) in &expected {
        assert_eq!(arrived[seen], [*shard], "{seen:?} and where it arrived");
    }
    assert!(
        expected.values().filter(|shard| **shard == 1).count() > 50,
        "both shards were exercised"
    );
    stop.store(true, Ordering::Relaxed);
    assert!(noise.await.expect("noise task") > 0);
    for receiver in receivers {
        receiver.abort();
    }
}

/// An Ethernet frame from `src_mac` to `dst_mac` carrying an IPv6 packet from `src` to
/// `dst` whose next header is `next_header`, flow label `label` (which names it here) and
/// body `body`.
fn ipv6_frame(
    (src_mac, dst_mac): (MacAddr, MacAddr),
    (src, dst): (Ipv6Addr, Ipv6Addr),
    next_header: u8,
    label: u32,
    body: &[u8],
) -> Vec<u8> {
    let mut frame = ethernet(dst_mac, src_mac, 0x86dd);
    let mut ip = [0u8; 40];
    ip[..4].copy_from_slice(&(6 << 28 | label & 0xf_ffff).to_be_bytes());
    ip[4..6].copy_from_slice(&(body.len() as u16).to_be_bytes());
    ip[6] = next_header;
    ip[7] = 64;
    ip[8..24].copy_from_slice(&src.octets());
    ip[24..40].copy_from_slice(&dst.octets());
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(body);
    frame
}

/// The flow label of an IPv6 frame.
fn flow_label(frame: &[u8]) -> u32 {
    u32::from_be_bytes([frame[14], frame[15], frame[16], frame[17]]) & 0xf_ffff
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ipv6_frame_reaches_the_shard_of_its_ports() {
    if !netns::require("packet_fanout::every_ipv6_frame_reaches_the_shard_of_its_ports") {
        return;
    }
    let topology = Topology::new("pkt-fanout6").expect("building the topology");
    let runtime = tokio::runtime::Handle::current();
    let plain = PacketSocketConfig {
        segmentation_offload: false,
        ..PacketSocketConfig::default()
    };
    let mut peer = topology
        .in_kernel_ns(|| {
            let _entered = runtime.enter();
            PacketSocket::open_with(topology.kernel_if(), &plain)
        })
        .expect("entering the kernel namespace")
        .expect("opening a raw socket on the kernel's end");
    let shards = topology
        .in_stack_ns(|| {
            let _entered = runtime.enter();
            PacketSocket::open_sharded(topology.stack_if(), &plain, SHARDS)
        })
        .expect("entering the stack namespace")
        .expect("opening the shards");
    let macs = (peer.info().mac, shards[0].info().mac);
    let addrs: (Ipv6Addr, Ipv6Addr) = ("2001:2::2".parse().unwrap(), "2001:2::1".parse().unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receivers: Vec<_> = (0..SHARDS)
        .zip(shards)
        .map(|(shard, link)| tokio::spawn(forward(shard, link, tx.clone())))
        .collect();

    let mut expected = HashMap::new();
    let mut frames = Vec::new();
    let mut state = 0x2545_f491u32 ^ std::process::id();
    for label in 1..=200u32 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let (remote, local) = (state as u16 | 1, (state >> 16) as u16);
        frames.push(ipv6_frame(macs, addrs, 6, label, &syn(remote, local)));
        expected.insert(label, shard_of(local, remote, SHARDS));
    }
    let elsewhere = (1..)
        .map(|local| (local, 40000))
        .find(|&(local, remote)| shard_of(local, remote, SHARDS) != 0)
        .expect("a pair off shard 0");
    let tcp = syn(elsewhere.1, elsewhere.0);
    let mut behind_fragment_header = vec![6, 0, 0, 0, 0, 0, 0, 1];
    behind_fragment_header.extend_from_slice(&tcp);
    for (label, next_header, body) in [
        (1000, 58, vec![128, 0, 0, 0, 0, 0, 0, 0]),
        (1001, 44, behind_fragment_header),
        (1002, 17, tcp[..8].to_vec()),
    ] {
        frames.push(ipv6_frame(macs, addrs, next_header, label, &body));
        expected.insert(label, 0);
    }
    let mut out = FrameBatch::new(BATCH, SLOT);
    for chunk in frames.chunks(BATCH) {
        for frame in chunk {
            out.push(frame).expect("room");
        }
        peer.send(&mut out)
            .await
            .expect("sending from the kernel's end");
    }

    let mut arrived: HashMap<u32, Vec<u16>> = HashMap::new();
    let collect = async {
        while arrived.len() < expected.len() {
            let (shard, frame) = rx.recv().await.expect("receivers running");
            if frame[12..14] != [0x86, 0xdd] || frame[6..12] != macs.0.0 {
                continue;
            }
            let label = flow_label(&frame);
            if expected.contains_key(&label) {
                arrived.entry(label).or_default().push(shard);
            }
        }
    };
    if timeout(PATIENCE, collect).await.is_err() {
        let missing: Vec<_> = expected
            .keys()
            .filter(|k| !arrived.contains_key(k))
            .collect();
        panic!("never arrived: {missing:?}");
    }
    for (label, shard) in &expected {
        assert_eq!(
            arrived[label],
            [*shard],
            "frame {label} and where it arrived"
        );
    }
    assert!(
        expected.values().filter(|shard| **shard == 1).count() > 50,
        "both shards were exercised"
    );
    for receiver in receivers {
        receiver.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_frame_reaches_the_shard_of_its_ports_with_one_socket() {
    if !netns::require("packet_fanout::every_frame_reaches_the_shard_of_its_ports_with_one_socket")
    {
        return;
    }
    frames_reach_the_shard_of_their_ports(Protocols::All).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_frame_reaches_the_shard_of_its_ports_with_an_arp_socket() {
    if !netns::require(
        "packet_fanout::every_frame_reaches_the_shard_of_its_ports_with_an_arp_socket",
    ) {
        return;
    }
    frames_reach_the_shard_of_their_ports(Protocols::IpAndArp).await;
}

//! `PacketSocketConfig::filter_ipv4` on a veth: with the kernel's side sending to our
//! address, to another address on the same link and to an unresolved one, a filtered
//! socket receives the frames for our address and the ARP requests, and not one frame for
//! the other address, although that traffic was already flowing when it opened.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use tcp_stack::netns::{self, Topology};
use tcp_tokio::link::{BATCH, FrameBatch, Link, PacketSocket, PacketSocketConfig, Protocols};
use tokio::time::timeout;

/// Longest the whole exchange may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);
/// Datagrams the kernel sends to our address.
const FOR_US: u16 = 50;
/// The UDP port the datagrams for us go to.
const OUR_PORT: u16 = 7007;
/// Receive slots: whole frames, no super-frames.
const SLOT: usize = 2048;

/// A frame's EtherType and, for IPv4, its destination address.
fn destination(frame: &[u8]) -> (u16, Option<Ipv4Addr>) {
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    let dst =
        (ethertype == 0x0800).then(|| Ipv4Addr::new(frame[30], frame[31], frame[32], frame[33]));
    (ethertype, dst)
}

/// The sequence number in a UDP datagram for us: the first two payload bytes after an
/// IPv4 header without options and the UDP header.
fn sequence(frame: &[u8]) -> u16 {
    u16::from_be_bytes([frame[42], frame[43]])
}

/// What a filtered socket saw until it had every datagram for us and an ARP request.
#[derive(Debug, Default)]
struct Tally {
    for_us: Vec<bool>,
    arp: u32,
    stray: Vec<(u16, Option<Ipv4Addr>)>,
}

impl Tally {
    fn complete(&self) -> bool {
        self.arp > 0 && self.for_us.iter().all(|seen| *seen)
    }
}

/// Receives on `link` until every datagram for `ours` and one ARP frame arrived, noting
/// anything else; `None` if that takes longer than [`PATIENCE`].
async fn tally(link: &mut PacketSocket, ours: Ipv4Addr) -> Option<Tally> {
    let mut tally = Tally {
        for_us: vec![false; usize::from(FOR_US)],
        ..Tally::default()
    };
    let mut batch = FrameBatch::new(BATCH, SLOT);
    let receive = async {
        while !tally.complete() {
            link.recv(&mut batch).await.expect("receiving");
            for frame in batch.iter() {
                match destination(frame) {
                    (0x0806, _) => tally.arp += 1,
                    (0x0800, Some(dst)) if dst == ours => {
                        if let Some(seen) = tally.for_us.get_mut(usize::from(sequence(frame))) {
                            *seen = true;
                        }
                    }
                    other => tally.stray.push(other),
                }
            }
        }
    };
    timeout(PATIENCE, receive).await.ok()?;
    Some(tally)
}

/// Receives on `link` until a frame for `addr` arrives; false if none does in time.
async fn sees_any_for(link: &mut PacketSocket, addr: Ipv4Addr) -> bool {
    let mut batch = FrameBatch::new(BATCH, SLOT);
    let search = async {
        loop {
            link.recv(&mut batch).await.expect("receiving");
            if batch.iter().any(|frame| destination(frame).1 == Some(addr)) {
                return;
            }
        }
    };
    timeout(PATIENCE, search).await.is_ok()
}

/// Sends to `to` from `socket` in bursts until `stop` is set.
fn keep_sending(socket: UdpSocket, to: SocketAddrV4, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..10 {
            // A full socket buffer just skips one: this is background noise.
            let _ = socket.send_to(b"not for the stack", to);
        }
        // Noise, not a wait for anything: a gap keeps two shared cores usable.
        thread::sleep(Duration::from_millis(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_arp_and_ipv4_for_our_address_get_through() {
    if !netns::require("packet_filter::only_arp_and_ipv4_for_our_address_get_through") {
        return;
    }
    let topology = Topology::new("pkt-filter").expect("building the topology");
    let ours = topology.stack_addr();
    let subnet = ours.octets();
    let other = Ipv4Addr::new(subnet[0], subnet[1], subnet[2], 3);
    let unresolved = Ipv4Addr::new(subnet[0], subnet[1], subnet[2], 4);
    let runtime = tokio::runtime::Handle::current();
    let topology = &topology;
    let open = |config: PacketSocketConfig| {
        let runtime = runtime.clone();
        topology
            .in_stack_ns(move || {
                let _entered = runtime.enter();
                PacketSocket::open_with(topology.stack_if(), &config)
            })
            .expect("entering the stack namespace")
            .expect("opening a packet socket")
    };
    let unfiltered = PacketSocketConfig {
        segmentation_offload: false,
        ..PacketSocketConfig::default()
    };
    let mut control = open(unfiltered);
    let mac = control.info().mac.to_string();
    for addr in [ours, other] {
        topology
            .kernel_ns()
            .exec(
                "ip",
                &[
                    "neigh",
                    "replace",
                    &addr.to_string(),
                    "lladdr",
                    &mac,
                    "dev",
                    topology.kernel_if(),
                    "nud",
                    "permanent",
                ],
            )
            .expect("a static neighbour entry");
    }
    let udp = || {
        topology
            .in_kernel_ns(|| UdpSocket::bind("0.0.0.0:0"))
            .expect("entering the kernel namespace")
            .expect("a kernel UDP socket")
    };
    let stop = Arc::new(AtomicBool::new(false));
    let noise = {
        let (socket, stop) = (udp(), Arc::clone(&stop));
        thread::spawn(move || keep_sending(socket, SocketAddrV4::new(other, 9), stop))
    };
    assert!(
        sees_any_for(&mut control, other).await,
        "the noise for {other} reaches the veth"
    );

    let mut filtered: Vec<_> = [Protocols::All, Protocols::IpAndArp]
        .into_iter()
        .map(|protocols| {
            open(PacketSocketConfig {
                protocols,
                filter_ipv4: Some(ours),
                ..unfiltered
            })
        })
        .collect();
    let sender = udp();
    for seq in 0..FOR_US {
        let mut payload = seq.to_be_bytes().to_vec();
        payload.extend_from_slice(b" for the stack");
        sender
            .send_to(&payload, SocketAddrV4::new(ours, OUR_PORT))
            .expect("sending to our address");
    }
    // No neighbour entry: the kernel broadcasts ARP requests for it.
    sender
        .send_to(b"unresolved", SocketAddrV4::new(unresolved, 9))
        .expect("sending to an unresolved address");

    for (link, protocols) in filtered.iter_mut().zip(["All", "IpAndArp"]) {
        let tally = tally(link, ours)
            .await
            .unwrap_or_else(|| panic!("{protocols}: not every frame for us arrived"));
        assert!(
            tally.stray.is_empty(),
            "{protocols}: let through {} frames, the first (EtherType, IPv4 destination) {:?}",
            tally.stray.len(),
            tally.stray.first()
        );
    }
    stop.store(true, Ordering::Relaxed);
    noise.join().expect("noise thread");
}

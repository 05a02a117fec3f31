//! The flooder: SYNs with spoofed sources, written as whole Ethernet frames and sent through
//! an AF_PACKET socket on the kernel's veth end as fast as one thread can, for a bounded
//! time. Every source address is inside 198.18.0.0/15 and every frame goes only onto the
//! test's own veth pair.

use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tcp_tokio::link::{BATCH, FrameBatch, Link, PacketSocket, PacketSocketConfig};
use tcp_wire::{Checksum, Flags, Header, Options, Segment, SeqNumber, Timestamps};

/// Ethernet header length.
const ETHERNET_LEN: usize = 14;
/// IPv4 header length (no options).
const IPV4_LEN: usize = 20;
/// Room for one frame: Ethernet, IPv4, TCP with the options a Linux SYN carries.
const FRAME_CAPACITY: usize = ETHERNET_LEN + IPV4_LEN + 60;

/// Where the spoofed SYNs go and which addresses they claim to come from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    /// The stack's MAC address (the frames' destination).
    pub(crate) dst_mac: [u8; 6],
    /// The kernel veth's MAC address (the frames' source).
    pub(crate) src_mac: [u8; 6],
    /// The stack's address and listening port.
    pub(crate) dst: Ipv4Addr,
    pub(crate) port: u16,
    /// The first three octets of the spoofed sources, `198.18.X`: the stack's own /24, so a
    /// reply to them is resolved on the link (and never answered) rather than routed.
    pub(crate) spoofed_prefix: [u8; 3],
}

/// What the flooder did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report {
    /// Frames the socket accepted.
    pub(crate) sent: u64,
    /// Frames the socket refused (each one counted once and skipped).
    pub(crate) send_errors: u64,
    /// When the flood started and how long it ran.
    pub(crate) started: Instant,
    pub(crate) elapsed: Duration,
}

impl Report {
    /// SYNs handed to the link per second.
    pub(crate) fn rate(&self) -> f64 {
        self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// When the flood stopped.
    pub(crate) fn ended(&self) -> Instant {
        self.started + self.elapsed
    }
}

/// True for addresses in 198.18.0.0/15, the only block the flood may claim as a source.
pub(crate) fn in_benchmark_block(addr: Ipv4Addr) -> bool {
    let [a, b, _, _] = addr.octets();
    a == 198 && b & 0xfe == 18
}

/// Floods `target` through `interface` (in the calling thread's network namespace) until
/// `stop` is set or `limit` has passed, whichever comes first. Calls `started` once the
/// socket is open and the first batch is about to go.
pub(crate) fn flood(
    interface: &str,
    target: Target,
    stop: &AtomicBool,
    limit: Duration,
    started: impl FnOnce(),
) -> io::Result<Report> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // The flooder never reads: a small receive buffer keeps what the kernel queues for
        // it (SYN-ACKs to the real client, the stack's ARP requests) small.
        let config = PacketSocketConfig {
            recv_buffer: Some(4096),
            ..PacketSocketConfig::default()
        };
        let mut link = PacketSocket::open_with(interface, &config)?;
        let mut batch = FrameBatch::new(BATCH, FRAME_CAPACITY);
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id()));
        let mut sent = 0u64;
        let mut send_errors = 0u64;
        started();
        let start = Instant::now();
        while !stop.load(Ordering::Relaxed) && start.elapsed() < limit {
            while let Some(slot) = batch.spare_slot() {
                let len = write_syn(slot, &target, &mut rng);
                batch.commit(len);
            }
            let before = batch.len() as u64;
            let result = link.send(&mut batch).await;
            let taken = before - batch.len() as u64;
            match result {
                Ok(()) => sent += taken,
                Err(error) => {
                    sent += taken.saturating_sub(1);
                    send_errors += 1;
                    if send_errors > 1000 {
                        return Err(error);
                    }
                }
            }
        }
        Ok(Report {
            sent,
            send_errors,
            started: start,
            elapsed: start.elapsed(),
        })
    })
}

/// Writes one spoofed SYN frame into `slot` and returns its length: a random source in
/// `198.18.X.3-254`, random port, ISN, IP ID and timestamp, the options of a Linux SYN,
/// both checksums filled.
fn write_syn(slot: &mut [u8], target: &Target, rng: &mut XorShift) -> usize {
    let random = rng.next();
    let [a, b, c] = target.spoofed_prefix;
    let src = Ipv4Addr::new(a, b, c, 3 + (random % 252) as u8);
    assert!(
        in_benchmark_block(src),
        "spoofed source {src} outside 198.18.0.0/15"
    );
    let header = Header {
        src_port: 1024 + ((random >> 8) % (65536 - 1024)) as u16,
        dst_port: target.port,
        seq: SeqNumber((random >> 32) as u32),
        flags: Flags::SYN,
        window: 64240,
        options: Options {
            mss: Some(1460),
            window_scale: Some(7),
            sack_permitted: true,
            timestamps: Some(Timestamps {
                value: rng.next() as u32,
                echo: 0,
            }),
            ..Options::default()
        },
        ..Header::default()
    };
    let tcp_len = header
        .emit(&mut slot[ETHERNET_LEN + IPV4_LEN..])
        .expect("a SYN header fits the slot");
    Segment::new_checked(&mut slot[ETHERNET_LEN + IPV4_LEN..][..tcp_len])
        .expect("a whole header")
        .fill_checksum_ipv4(src, target.dst);

    slot[..6].copy_from_slice(&target.dst_mac);
    slot[6..12].copy_from_slice(&target.src_mac);
    slot[12..14].copy_from_slice(&0x0800u16.to_be_bytes());

    let total_len = (IPV4_LEN + tcp_len) as u16;
    let ip = &mut slot[ETHERNET_LEN..ETHERNET_LEN + IPV4_LEN];
    ip[0] = 0x45;
    ip[1] = 0;
    ip[2..4].copy_from_slice(&total_len.to_be_bytes());
    ip[4..6].copy_from_slice(&((random >> 16) as u16).to_be_bytes());
    ip[6..8].copy_from_slice(&0x4000u16.to_be_bytes()); // DF
    ip[8] = 64;
    ip[9] = 6;
    ip[10..12].fill(0);
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&target.dst.octets());
    let mut sum = Checksum::new();
    sum.add_bytes(ip);
    ip[10..12].copy_from_slice(&sum.finish().to_be_bytes());
    ETHERNET_LEN + IPV4_LEN + tcp_len
}

/// Marsaglia's xorshift64: fast, and unpredictable enough for ports and ISNs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

#[test]
fn a_spoofed_syn_is_a_valid_frame_from_the_block() {
    let target = Target {
        dst_mac: [0x02, 0, 0, 0, 0, 1],
        src_mac: [0x02, 0, 0, 0, 0, 2],
        dst: Ipv4Addr::new(198, 18, 7, 1),
        port: 80,
        spoofed_prefix: [198, 18, 7],
    };
    let mut rng = XorShift(1);
    let mut slot = [0u8; FRAME_CAPACITY];
    for _ in 0..1000 {
        let len = write_syn(&mut slot, &target, &mut rng);
        let frame = &slot[..len];
        assert_eq!(&frame[..6], &target.dst_mac);
        assert_eq!(&frame[12..14], &[0x08, 0x00]);
        let ip = &frame[ETHERNET_LEN..ETHERNET_LEN + IPV4_LEN];
        let mut sum = Checksum::new();
        sum.add_bytes(ip);
        assert_eq!(sum.finish(), 0, "IPv4 header checksum verifies");
        assert_eq!(
            usize::from(u16::from_be_bytes([ip[2], ip[3]])),
            len - ETHERNET_LEN
        );
        let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
        assert!(in_benchmark_block(src) && src.octets()[..3] == [198, 18, 7]);
        assert!((3..=254).contains(&src.octets()[3]), "{src}");
        let segment = Segment::new_checked(&frame[ETHERNET_LEN + IPV4_LEN..]).expect("TCP");
        assert!(segment.verify_checksum(src.into(), target.dst.into()));
        assert_eq!(segment.flags(), Flags::SYN);
        assert_eq!(segment.dst_port(), 80);
    }
    assert!(!in_benchmark_block(Ipv4Addr::new(198, 20, 0, 1)));
    assert!(!in_benchmark_block(Ipv4Addr::new(10, 18, 0, 1)));
    assert!(in_benchmark_block(Ipv4Addr::new(198, 19, 255, 254)));
}

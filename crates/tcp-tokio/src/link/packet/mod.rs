//! An AF_PACKET raw socket on one interface, as a [`Link`].

mod bpf;
#[cfg(test)]
mod bpf_vm;
mod fanout;
mod filter;
mod open;
#[allow(unsafe_code)]
mod sys;

pub use fanout::shard_of;
pub use filter::Ipv6Filter;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use core::time::Duration;
use std::io;
use std::net::Ipv4Addr;

use socket2::Socket;
use tokio::io::unix::AsyncFd;
use tokio::time::Sleep;

use super::{BATCH, FrameBatch, Link, LinkInfo};
use crate::netlayer::{ETHERNET_HEADER_LEN, IPV6_HEADER_LEN, MacAddr, TCP_OFFSET, TCP_OFFSET_V6};
use tcp_wire::{CHECKSUM_OFFSET, HEADER_LEN, Segment};

/// EtherType value meaning every protocol.
const ETH_P_ALL: u16 = libc::ETH_P_ALL as u16;
/// EtherType of IPv4.
const ETH_P_IP: u16 = libc::ETH_P_IP as u16;
/// EtherType of ARP.
const ETH_P_ARP: u16 = libc::ETH_P_ARP as u16;
/// EtherType of IPv6.
const ETH_P_IPV6: u16 = libc::ETH_P_IPV6 as u16;
/// `PACKET_QDISC_BYPASS` from `linux/if_packet.h`.
const PACKET_QDISC_BYPASS: libc::c_int = 20;
/// `PACKET_IGNORE_OUTGOING` from `linux/if_packet.h` (Linux 4.20).
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// `PACKET_VNET_HDR` from `linux/if_packet.h`: a virtio header before every frame.
const PACKET_VNET_HDR: libc::c_int = 15;
/// `VIRTIO_NET_HDR_F_NEEDS_CSUM`: the checksum at `csum_start + csum_offset` is partial.
const VIRTIO_NET_HDR_F_NEEDS_CSUM: u8 = 1;
/// `VIRTIO_NET_HDR_F_DATA_VALID`: a device verified the frame's checksums.
const VIRTIO_NET_HDR_F_DATA_VALID: u8 = 2;
/// `VIRTIO_NET_HDR_GSO_TCPV4`: a TCP over IPv4 super-frame to be cut at `gso_size`.
const VIRTIO_NET_HDR_GSO_TCPV4: u8 = 1;
/// `VIRTIO_NET_HDR_GSO_TCPV6`: the same over IPv6.
const VIRTIO_NET_HDR_GSO_TCPV6: u8 = 4;
/// The longest super-frame: an Ethernet header and the largest IPv6 packet (its 65,535
/// bytes of payload behind the fixed header; the largest IPv4 packet is 40 bytes shorter).
const GSO_MAX_FRAME: usize = ETHERNET_HEADER_LEN + IPV6_HEADER_LEN + 65_535;

/// Which frames the socket asks the kernel for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocols {
    /// Every frame (`ETH_P_ALL`), taken before the kernel's ingress hook: nftables
    /// `netdev ingress` drops on this interface do not reach the stack.
    #[default]
    All,
    /// Two sockets, one bound to `ETH_P_IP` and one to `ETH_P_ARP`. They see frames after
    /// the ingress hook, so kernel-side ingress drops reach the stack; other EtherTypes
    /// are not received at all.
    IpAndArp,
}

/// The receive buffer a [`PacketSocket`] asks for by default: 4 MiB holds about 1,700
/// full-sized frames (each costs its 2 KiB+ of kernel buffer), about 5 ms at the rate a
/// veth delivers. With the system default (about 200 KiB, 90 frames) one late wake-up of
/// the driver drops frames, which the peer then has to retransmit.
pub const DEFAULT_RECV_BUFFER: usize = 4 << 20;

/// How long a send that found the socket's buffer full waits before it tries again. The
/// socket is not registered for write readiness (see [`PacketSocket`]), so this is a timer.
const SEND_RETRY: Duration = Duration::from_micros(250);

/// How to open a [`PacketSocket`]; the default suits a stack on a veth in a test namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketSocketConfig {
    /// Which frames to receive.
    pub protocols: Protocols,
    /// Send straight to the driver, skipping the interface's queueing discipline
    /// (`PACKET_QDISC_BYPASS`): faster, but tc shaping and tcpdump's view of our own
    /// frames are bypassed too. Off by default.
    pub qdisc_bypass: bool,
    /// The receive buffer in bytes ([`DEFAULT_RECV_BUFFER`] by default), set with
    /// `SO_RCVBUFFORCE` where the process may (`CAP_NET_ADMIN`), else with `SO_RCVBUF`,
    /// which the kernel caps at `net.core.rmem_max`; the system default when `None`.
    pub recv_buffer: Option<usize>,
    /// `SO_SNDBUF` in bytes; the system default when `None`.
    pub send_buffer: Option<usize>,
    /// Generic segmentation offload through `PACKET_VNET_HDR`: the stack hands the kernel
    /// TCP super-frames of up to 64 KiB that it cuts into segments (in software when the
    /// interface has no segmentation offload, or not at all when the interface and its
    /// peer take them whole, as a veth with offloads on does), and receives super-frames
    /// and frames with partial checksums from a kernel peer whose offloads are on.
    ///
    /// On by default: it is how the kernel's own TCP sends (it always builds super-frames
    /// and segments them in software for an interface without offloads), and a batch of
    /// segments that reaches the kernel as one frame is handled there as one burst (one
    /// wake-up of a kernel reader, not one per segment). Off, every segment is a frame of
    /// its own, and every receive slot is MTU-sized instead of 64 KiB.
    pub segmentation_offload: bool,
    /// With an address: a socket filter (classic BPF, `SO_ATTACH_FILTER`) in the kernel
    /// lets through only ARP and IPv4 addressed to it (and IPv6 as
    /// [`PacketSocketConfig::filter_ipv6`] says), so frames for other hosts, broadcast and
    /// multicast IPv4 cost the stack nothing. It is attached before the socket is bound,
    /// so not one frame outside it is ever received. With neither this nor `filter_ipv6`
    /// (the default) the socket receives everything [`PacketSocketConfig::protocols`]
    /// selects.
    pub filter_ipv4: Option<Ipv4Addr>,
    /// With IPv6 addresses: the socket filter lets through IPv6 to them and to their
    /// solicited-node multicast groups (and no ARP or IPv4 unless
    /// [`PacketSocketConfig::filter_ipv4`] is set too), and the socket joins those groups'
    /// Ethernet addresses (`PACKET_ADD_MEMBERSHIP`), so a device that filters multicast
    /// still delivers the neighbour solicitations for them. IPv6 needs
    /// [`Protocols::All`]: the sockets of [`Protocols::IpAndArp`] never see it.
    pub filter_ipv6: Option<Ipv6Filter>,
}

impl Default for PacketSocketConfig {
    fn default() -> PacketSocketConfig {
        PacketSocketConfig {
            protocols: Protocols::default(),
            qdisc_bypass: false,
            recv_buffer: Some(DEFAULT_RECV_BUFFER),
            send_buffer: None,
            segmentation_offload: true,
            filter_ipv4: None,
            filter_ipv6: None,
        }
    }
}

/// Raw Ethernet frames on one interface through AF_PACKET `SOCK_RAW` sockets, bound to the
/// interface, non-blocking and driven by tokio's reactor; receive and send go through
/// `recvmmsg`/`sendmmsg` in batches of [`BATCH`](super::BATCH).
///
/// The socket is registered with the reactor for readability only: sends go straight to
/// `sendmmsg`, and one that finds the socket's send buffer full (rare: a veth frees each
/// frame as it passes it on) is retried after a short timer.
///
/// The socket does not see the frames it sends (`PACKET_IGNORE_OUTGOING`). It lives in the
/// network namespace of the thread that opened it, whichever thread uses it later. MAC and
/// MTU are read once, at open.
#[derive(Debug)]
pub struct PacketSocket {
    main: AsyncFd<Socket>,
    arp: Option<AsyncFd<Socket>>,
    interface: String,
    info: LinkInfo,
    arp_first: bool,
    truncated: u64,
    send_retry: Option<Pin<Box<Sleep>>>,
    /// Frames on the main socket carry a virtio header (`segmentation_offload`).
    vnet: bool,
}

impl PacketSocket {
    /// Opens `interface` with the default configuration; see [`PacketSocket::open_with`].
    pub fn open(interface: &str) -> io::Result<PacketSocket> {
        PacketSocket::open_with(interface, &PacketSocketConfig::default())
    }

    /// Opens `interface` in the calling thread's network namespace.
    ///
    /// Must be called inside a tokio runtime (or with one entered), since the sockets are
    /// registered with its reactor. Errors name the interface and the step that failed and
    /// keep the OS error's kind: `PermissionDenied` without `CAP_NET_RAW`, `NotFound` when
    /// the namespace has no such interface, `Unsupported` for a non-Ethernet interface,
    /// `InvalidInput` for an impossible name, `Other` outside a runtime.
    pub fn open_with(interface: &str, config: &PacketSocketConfig) -> io::Result<PacketSocket> {
        let mut opener = open::Opener::start(interface)?;
        let filter = filter::for_addresses(config.filter_ipv4, config.filter_ipv6);
        let protocol = open::Opener::main_protocol(config);
        let main = opener.bound(protocol, config, filter.as_deref())?;
        let main = opener.register(main)?;
        let arp = opener.arp(config, filter.as_deref())?;
        Ok(PacketSocket::from_parts(&opener, main, arp, config))
    }

    /// The MAC address of `interface` in the calling thread's network namespace, read
    /// through a packet socket opened and closed for it: what a stack derives its IPv6
    /// link-local address from before it opens its sockets. Errors as
    /// [`PacketSocket::open_with`].
    pub fn interface_mac(interface: &str) -> io::Result<MacAddr> {
        Ok(MacAddr(open::Opener::start(interface)?.facts().mac))
    }

    /// A socket made of registered, bound sockets `main` and `arp` on `opener`'s interface.
    fn from_parts(
        opener: &open::Opener<'_>,
        main: AsyncFd<Socket>,
        arp: Option<AsyncFd<Socket>>,
        config: &PacketSocketConfig,
    ) -> PacketSocket {
        let facts = opener.facts();
        PacketSocket {
            main,
            arp,
            interface: opener.interface().to_owned(),
            info: LinkInfo {
                mac: MacAddr(facts.mac),
                mtu: facts.mtu,
                gso_max_frame: config.segmentation_offload.then_some(GSO_MAX_FRAME),
            },
            arp_first: false,
            truncated: 0,
            send_retry: None,
            vnet: config.segmentation_offload,
        }
    }

    /// The interface name the socket is bound to.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// Frames dropped on receive because they were longer than the caller's batch slots.
    pub fn truncated(&self) -> u64 {
        self.truncated
    }

    /// Adds the error's context.
    fn error(&self, step: &str, error: io::Error) -> io::Error {
        io::Error::new(
            error.kind(),
            format!("AF_PACKET socket on {}: {step}: {error}", self.interface),
        )
    }
}

impl Link for PacketSocket {
    fn info(&self) -> LinkInfo {
        self.info
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        batch.clear();
        self.arp_first = !self.arp_first;
        let main = (&self.main, Receive::Eager { vnet: self.vnet });
        let order = match (&self.arp, self.arp_first) {
            (Some(arp), true) => [Some((arp, Receive::OnReadiness)), Some(main)],
            (Some(arp), false) => [Some(main), Some((arp, Receive::OnReadiness))],
            (None, _) => [Some(main), None],
        };
        let mut truncated = 0;
        let mut failure = None;
        for (fd, receive) in order.into_iter().flatten() {
            match poll_recv_fd(fd, receive, cx, batch, &mut truncated) {
                Poll::Ready(Ok(())) | Poll::Pending => {}
                Poll::Ready(Err(error)) => {
                    failure = Some(error);
                    break;
                }
            }
            if batch.is_full() {
                break;
            }
        }
        self.truncated += truncated;
        match failure {
            Some(error) if batch.is_empty() => Poll::Ready(Err(self.error("receive", error))),
            _ if batch.is_empty() => Poll::Pending,
            _ => Poll::Ready(Ok(())),
        }
    }

    /// Takes from the main socket only: what answers a send without the reactor is TCP
    /// (an ARP reply waits for the driver, which sees it through the reactor).
    fn try_recv(&mut self, batch: &mut FrameBatch) -> io::Result<()> {
        batch.clear();
        let mut truncated = 0;
        let received = try_recv_fd(&self.main, self.vnet, batch, &mut truncated);
        self.truncated += truncated;
        match received {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(error) => Err(self.error("receive", error)),
        }
    }

    fn poll_send(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        while !batch.is_empty() {
            if let Some(retry) = self.send_retry.as_mut() {
                ready!(retry.as_mut().poll(cx));
                self.send_retry = None;
            }
            let headers = self.vnet.then(|| vnet_headers(batch));
            match sys::send_batch(self.main.get_ref(), batch.iter(), headers.as_ref()) {
                Ok(sent) => batch.consume(sent.max(1)),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.send_retry = Some(Box::pin(tokio::time::sleep(SEND_RETRY)));
                }
                Err(error) => {
                    batch.consume(1);
                    return Poll::Ready(Err(self.error("send", error)));
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// How [`poll_recv_fd`] receives from one socket.
#[derive(Debug, Clone, Copy)]
enum Receive {
    /// Also when the reactor has not reported the socket readable yet: frames are often
    /// already waiting (a reply the peer made while our send was still in the kernel, or
    /// the next burst), and the reactor learns of them only when it next polls. Frames
    /// carry a virtio header when `vnet`.
    Eager { vnet: bool },
    /// Only once the reactor reports the socket readable: for a socket that rarely has
    /// anything, where trying every round would be a system call wasted.
    OnReadiness,
}

/// Receives what one socket has ready into the free slots of `batch`; `Pending` when it
/// has nothing (its waker then registered). One `recvmmsg` when the socket is empty,
/// none for an [`Receive::OnReadiness`] socket the reactor has not reported.
fn poll_recv_fd(
    fd: &AsyncFd<Socket>,
    receive: Receive,
    cx: &mut Context<'_>,
    batch: &mut FrameBatch,
    truncated: &mut u64,
) -> Poll<io::Result<()>> {
    let vnet = matches!(receive, Receive::Eager { vnet: true });
    let mut found_empty = false;
    loop {
        let Poll::Ready(guard) = fd.poll_read_ready(cx) else {
            // The waker is registered: a frame arriving from now on wakes the task.
            if found_empty || matches!(receive, Receive::OnReadiness) {
                return Poll::Pending;
            }
            return match try_recv_fd(fd, vnet, batch, truncated) {
                Ok(true) => Poll::Ready(Ok(())),
                Ok(false) => Poll::Pending,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
                Err(error) => Poll::Ready(Err(error)),
            };
        };
        match guard?.try_io(|fd| try_recv_fd(fd, vnet, batch, truncated)) {
            Ok(Ok(true)) => return Poll::Ready(Ok(())),
            Ok(Ok(false)) => found_empty = true,
            Ok(Err(error)) => return Poll::Ready(Err(error)),
            Err(_would_block) => found_empty = true,
        }
    }
}

/// One `recvmmsg` into the free slots of `batch`, without the reactor; true when frames
/// arrived. With `vnet`, each frame comes after a virtio header: frames whose checksum
/// the kernel left for the device to fill in get it filled in here, and those and frames
/// whose checksum a device verified are marked verified in `batch`.
fn try_recv_fd(
    fd: &AsyncFd<Socket>,
    vnet: bool,
    batch: &mut FrameBatch,
    truncated: &mut u64,
) -> io::Result<bool> {
    let mut headers = [sys::VnetHeader::default(); BATCH];
    let (spare, slot_len) = batch.spare_slots();
    let (lens, count) =
        sys::recv_batch(fd.get_ref(), spare, slot_len, vnet.then_some(&mut headers))?;
    let lens = &lens[..count];
    *truncated += lens.iter().filter(|len| len.is_none()).count() as u64;
    let mut verified = [false; BATCH];
    if vnet {
        let (spare, slot_len) = batch.spare_slots();
        let slots = spare.chunks_exact_mut(slot_len).zip(lens).zip(&headers);
        for (((slot, len), header), verified) in slots.zip(&mut verified) {
            if let Some(len) = len {
                *verified = complete_checksum(&mut slot[..*len], header);
            }
        }
    }
    let frames = lens.iter().zip(verified);
    batch.commit_received(frames.map(|(len, verified)| len.map(|len| (len, verified))));
    Ok(!batch.is_empty())
}

/// The virtio header for each frame of `batch`: super-frames are TCP over IPv4 or IPv6 (by
/// their EtherType) to be cut at their segment size, with the TCP checksum left to the
/// kernel (the frame's checksum field holds the pseudo-header sum, see
/// `StackState::produce`); other frames go as they are.
fn vnet_headers(batch: &FrameBatch) -> [sys::VnetHeader; BATCH] {
    let mut headers = [sys::VnetHeader::default(); BATCH];
    for ((header, frame), segment_size) in headers
        .iter_mut()
        .zip(batch.iter())
        .zip(batch.segment_sizes())
    {
        if segment_size == 0 {
            continue;
        }
        let ipv6 = frame.get(12..14) == Some(&ETH_P_IPV6.to_be_bytes()[..]);
        let (tcp_offset, gso_type) = if ipv6 {
            (TCP_OFFSET_V6, VIRTIO_NET_HDR_GSO_TCPV6)
        } else {
            (TCP_OFFSET, VIRTIO_NET_HDR_GSO_TCPV4)
        };
        let tcp_header_len = frame
            .get(tcp_offset..)
            .and_then(|tcp| Segment::new_checked(tcp).ok())
            .map_or(HEADER_LEN, |segment| segment.header_len());
        *header = sys::VnetHeader {
            flags: VIRTIO_NET_HDR_F_NEEDS_CSUM,
            gso_type,
            hdr_len: ((tcp_offset + tcp_header_len) as u16).to_le(),
            gso_size: segment_size.to_le(),
            csum_start: (tcp_offset as u16).to_le(),
            csum_offset: (CHECKSUM_OFFSET as u16).to_le(),
        };
    }
    headers
}

/// Fills in the checksum of a received frame whose virtio header says the kernel left it
/// to the device (a frame from this host's own stack through a veth with checksum
/// offload): the field holds the pseudo-header sum, and the sum from `csum_start` on
/// completes it. Returns whether the frame's checksum is now vouched for: filled in here
/// (the frame never left this host), or verified by a device (`DATA_VALID`). Frames
/// without either flag, or with offsets outside the frame, are left alone (a bad checksum
/// is then the engine's to count).
fn complete_checksum(frame: &mut [u8], header: &sys::VnetHeader) -> bool {
    if header.flags & VIRTIO_NET_HDR_F_DATA_VALID != 0 {
        return true;
    }
    if header.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM == 0 {
        return false;
    }
    let start = usize::from(u16::from_le(header.csum_start));
    let field = start + usize::from(u16::from_le(header.csum_offset));
    if field + 2 > frame.len() {
        return false;
    }
    let mut sum = tcp_wire::Checksum::new();
    sum.add_bytes(&frame[start..]);
    frame[field..field + 2].copy_from_slice(&sum.finish().to_be_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use tcp_wire::{Flags, Header};

    const SRC: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);

    /// An Ethernet + IPv4 + TCP frame carrying `payload` (odd lengths too), with its TCP
    /// checksum correct.
    fn tcp_frame(payload: &[u8]) -> Vec<u8> {
        let mut frame = vec![0u8; TCP_OFFSET + HEADER_LEN];
        frame[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
        frame[14] = 0x45;
        frame[26..30].copy_from_slice(&SRC.octets());
        frame[30..34].copy_from_slice(&DST.octets());
        let header = Header {
            flags: Flags::PSH | Flags::ACK,
            ..Header::default()
        };
        assert_eq!(header.emit(&mut frame[TCP_OFFSET..]), Ok(HEADER_LEN));
        frame.extend_from_slice(payload);
        Segment::new_checked(&mut frame[TCP_OFFSET..])
            .unwrap()
            .fill_checksum_ipv4(SRC, DST);
        frame
    }

    /// The header a kernel with checksum offload gives a frame whose TCP checksum it left
    /// partial.
    fn needs_checksum() -> sys::VnetHeader {
        sys::VnetHeader {
            flags: VIRTIO_NET_HDR_F_NEEDS_CSUM,
            csum_start: (TCP_OFFSET as u16).to_le(),
            csum_offset: (CHECKSUM_OFFSET as u16).to_le(),
            ..sys::VnetHeader::default()
        }
    }

    #[test]
    fn a_partial_checksum_is_completed_to_the_real_one() {
        for payload in [&b""[..], b"odd", b"an even payload!"] {
            let complete = tcp_frame(payload);
            let mut partial = complete.clone();
            let tcp_len = (partial.len() - TCP_OFFSET) as u16;
            let pseudo = tcp_wire::Checksum::pseudo_header_ipv4(SRC, DST, tcp_len).folded();
            Segment::new_checked(&mut partial[TCP_OFFSET..])
                .unwrap()
                .set_checksum(pseudo);
            assert_ne!(partial, complete);
            assert!(complete_checksum(&mut partial, &needs_checksum()));
            assert_eq!(partial, complete, "payload {payload:?}");
        }
    }

    #[test]
    fn frames_without_the_flag_or_with_offsets_outside_are_left_alone_and_unvouched() {
        let frame = tcp_frame(b"data");
        let mut copy = frame.clone();
        assert!(!complete_checksum(&mut copy, &sys::VnetHeader::default()));
        assert_eq!(copy, frame);
        let beyond = sys::VnetHeader {
            csum_offset: 4000u16.to_le(),
            ..needs_checksum()
        };
        assert!(!complete_checksum(&mut copy, &beyond));
        assert_eq!(copy, frame);
    }

    #[test]
    fn a_frame_a_device_verified_is_vouched_for_as_it_is() {
        let frame = tcp_frame(b"data");
        let mut copy = frame.clone();
        let verified = sys::VnetHeader {
            flags: VIRTIO_NET_HDR_F_DATA_VALID,
            ..sys::VnetHeader::default()
        };
        assert!(complete_checksum(&mut copy, &verified));
        assert_eq!(copy, frame);
    }

    #[test]
    fn only_super_frames_get_a_segmentation_header() {
        let mut batch = FrameBatch::new(3, 2048);
        batch.push(&tcp_frame(b"plain")).unwrap();
        let big = tcp_frame(&[7; 1000]);
        batch.spare_slot().unwrap()[..big.len()].copy_from_slice(&big);
        batch.commit_segmented(big.len(), 400);
        let headers = vnet_headers(&batch);
        assert_eq!(headers[0], sys::VnetHeader::default());
        assert_eq!(
            headers[1],
            sys::VnetHeader {
                flags: VIRTIO_NET_HDR_F_NEEDS_CSUM,
                gso_type: VIRTIO_NET_HDR_GSO_TCPV4,
                hdr_len: ((TCP_OFFSET + HEADER_LEN) as u16).to_le(),
                gso_size: 400u16.to_le(),
                csum_start: (TCP_OFFSET as u16).to_le(),
                csum_offset: (CHECKSUM_OFFSET as u16).to_le(),
            }
        );
        assert_eq!(headers[2], sys::VnetHeader::default());
    }

    #[test]
    fn an_ipv6_super_frame_gets_a_tcpv6_header_with_its_offsets() {
        let mut frame = vec![0u8; TCP_OFFSET_V6 + HEADER_LEN + 1000];
        frame[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
        frame[14] = 0x60;
        assert_eq!(
            Header::default().emit(&mut frame[TCP_OFFSET_V6..]),
            Ok(HEADER_LEN)
        );
        let mut batch = FrameBatch::new(1, 2048);
        batch.spare_slot().unwrap()[..frame.len()].copy_from_slice(&frame);
        batch.commit_segmented(frame.len(), 500);
        assert_eq!(
            vnet_headers(&batch)[0],
            sys::VnetHeader {
                flags: VIRTIO_NET_HDR_F_NEEDS_CSUM,
                gso_type: VIRTIO_NET_HDR_GSO_TCPV6,
                hdr_len: ((TCP_OFFSET_V6 + HEADER_LEN) as u16).to_le(),
                gso_size: 500u16.to_le(),
                csum_start: (TCP_OFFSET_V6 as u16).to_le(),
                csum_offset: (CHECKSUM_OFFSET as u16).to_le(),
            }
        );
    }

    #[tokio::test]
    async fn a_missing_interface_is_a_clear_not_found() {
        let error = PacketSocket::open("no-such-if0").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("no-such-if0"), "{text}");
        if error.kind() != io::ErrorKind::PermissionDenied {
            assert_eq!(error.kind(), io::ErrorKind::NotFound, "{text}");
            assert!(text.contains("no such interface"), "{text}");
        }
    }

    #[tokio::test]
    async fn an_impossible_name_is_invalid_input() {
        let error = PacketSocket::open("a-name-far-too-long-for-linux").unwrap_err();
        if error.kind() != io::ErrorKind::PermissionDenied {
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
        }
    }

    #[test]
    fn outside_a_runtime_is_an_error_not_a_panic() {
        let error = PacketSocket::open("lo").unwrap_err();
        assert!(error.to_string().contains("tokio runtime"), "{error}");
    }

    #[tokio::test]
    async fn loopback_is_not_ethernet() {
        match PacketSocket::open("lo") {
            Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {}
            Err(error) => assert_eq!(error.kind(), io::ErrorKind::Unsupported, "{error}"),
            Ok(socket) => panic!("lo opened as Ethernet: {:?}", socket.info()),
        }
    }
}

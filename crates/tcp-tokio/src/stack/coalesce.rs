//! TCP super-frames for links with segmentation offload: consecutive full-sized segments
//! of one connection, which differ only in sequence number (and PSH), are written
//! back to back behind one header, and the kernel cuts them apart again (GSO). The
//! engine still makes every segment itself, so its accounting is untouched; the saving
//! is in the system calls and per-frame kernel work.

use crate::netlayer::{ETHERNET_HEADER_LEN, TCP_OFFSET};
use core::net::IpAddr;
use tcp_core::{Endpoint, Instant, Transmit};
use tcp_wire::{Checksum, TcpdumpLine};

/// TCP flag bits.
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// How far a super-frame may grow, and the room the engine gets for each next segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Room {
    /// The longest frame the link takes.
    pub(crate) max_frame: usize,
    /// The largest TCP segment (header included) the MTU allows.
    pub(crate) segment: usize,
}

/// What [`extend`] made of the frame.
pub(crate) struct Extended {
    /// The frame's length now.
    pub(crate) frame_len: usize,
    /// The payload size the frame is cut at; `None` when it stayed one segment.
    pub(crate) segment_size: Option<u16>,
    /// A segment the engine produced that could not join (another connection, other
    /// header fields): its TCP bytes are in the scratch buffer, to be sent on its own.
    pub(crate) leftover: Option<Transmit>,
}

/// Appends to the one-segment frame `slot[..frame_len]` (its TCP segment described by
/// `first`) the engine's next segments while they continue it, up to `room.max_frame`.
/// Each one is written by the engine straight after the payload so far: its header lands
/// on the previous payload's last bytes, which are saved first and put back once the
/// header has been compared. The engine always gets `room.segment` bytes, as its contract
/// asks, so a segment of another connection never finds its buffer short.
pub(crate) fn extend(
    endpoint: &mut Endpoint,
    now: Instant,
    slot: &mut [u8],
    first: &Transmit,
    frame_len: usize,
    room: Room,
    scratch: &mut Vec<u8>,
) -> Extended {
    let unchanged = Extended {
        frame_len,
        segment_size: None,
        leftover: None,
    };
    let header_len = tcp_header_len(&slot[TCP_OFFSET..]);
    let segment_size = first.len.saturating_sub(header_len);
    let flags = slot[TCP_OFFSET + 13];
    if segment_size == 0 || flags & !PSH != ACK || header_len > first.len {
        return unchanged;
    }
    let first_seq = seq(&slot[TCP_OFFSET..]);
    let max_frame = room.max_frame.min(slot.len());
    let segment_room = room.segment;
    let mut end = frame_len;
    let mut psh = flags & PSH;
    let mut saved = [0u8; tcp_wire::MAX_HEADER_LEN];
    let mut leftover = None;
    while end - header_len + segment_room <= max_frame
        && end - frame_len + segment_size <= MAX_PAYLOAD
    {
        let at = end - header_len;
        saved[..header_len].copy_from_slice(&slot[at..end]);
        let Some(next) = endpoint.poll_transmit(now, &mut slot[at..at + segment_room]) else {
            slot[at..end].copy_from_slice(&saved[..header_len]);
            break;
        };
        let written = &slot[at..at + next.len];
        if tracing::enabled!(target: "tcp_tokio::segment", tracing::Level::DEBUG) {
            tracing::debug!(target: "tcp_tokio::segment", "out {}", TcpdumpLine::new(next.src, next.dst, written));
        }
        let payload = next.len.saturating_sub(header_len);
        let expected_seq = first_seq.wrapping_add((end - frame_len + segment_size) as u32);
        let joins = next.src == first.src
            && next.dst == first.dst
            && next.ecn_capable == first.ecn_capable
            && payload > 0
            && payload <= segment_size
            && tcp_header_len(written) == header_len
            && seq(written) == expected_seq
            && same_header(&slot[TCP_OFFSET..TCP_OFFSET + header_len], written);
        if !joins {
            scratch.clear();
            scratch.extend_from_slice(written);
            slot[at..end].copy_from_slice(&saved[..header_len]);
            leftover = Some(next);
            break;
        }
        psh |= written[13] & PSH;
        slot[at..end].copy_from_slice(&saved[..header_len]);
        end += payload;
        if payload < segment_size {
            break;
        }
    }
    if end == frame_len {
        return Extended {
            leftover,
            ..unchanged
        };
    }
    finish_super_frame(&mut slot[..end], first, psh);
    Extended {
        frame_len: end,
        segment_size: Some(segment_size as u16),
        leftover,
    }
}

/// The most payload one super-frame carries: its IPv4 packet must stay within 65,535
/// bytes with the largest headers.
const MAX_PAYLOAD: usize = 65_535 - 60 - tcp_wire::MAX_HEADER_LEN;

/// The data offset of the TCP header at the start of `tcp`, in bytes.
fn tcp_header_len(tcp: &[u8]) -> usize {
    tcp.get(12).map_or(0, |offset| usize::from(offset >> 4) * 4)
}

fn seq(tcp: &[u8]) -> u32 {
    u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]])
}

/// True when `next` has the header `first` has apart from sequence number, PSH and
/// checksum: ports, acknowledgment, flags, window, urgent pointer and every option.
fn same_header(first: &[u8], next: &[u8]) -> bool {
    first[0..4] == next[0..4]
        && first[8..13] == next[8..13]
        && first[13] & !PSH == next[13] & !PSH
        && first[14..16] == next[14..16]
        && first[18..] == next[18..first.len()]
}

/// Rewrites the headers of `frame` for its whole length: the IPv4 total length and
/// header checksum, PSH if any segment had it, and in the TCP checksum field the
/// pseudo-header sum the kernel completes for each segment it cuts.
fn finish_super_frame(frame: &mut [u8], first: &Transmit, psh: u8) {
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (first.src, first.dst) else {
        return;
    };
    let tcp_len = frame.len() - TCP_OFFSET;
    let ip = &mut frame[ETHERNET_HEADER_LEN..TCP_OFFSET];
    let total_len = (tcp_len + ip.len()) as u16;
    ip[2..4].copy_from_slice(&total_len.to_be_bytes());
    ip[10..12].fill(0);
    let mut sum = Checksum::new();
    sum.add_bytes(ip);
    ip[10..12].copy_from_slice(&sum.finish().to_be_bytes());
    let tcp = &mut frame[TCP_OFFSET..];
    tcp[13] |= psh;
    let pseudo = Checksum::pseudo_header_ipv4(src, dst, tcp_len as u16).folded();
    tcp[16..18].copy_from_slice(&pseudo.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, SocketAddr};
    use tcp_core::{Config, ConnectionHandle, SocketOptions};

    const CLIENT: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
    /// A 1500-byte MTU's frame, as the network layer's TCP buffer bounds the first segment.
    const MTU_FRAME: usize = ETHERNET_HEADER_LEN + 1500;

    fn now() -> Instant {
        Instant::from_micros(1_000_000)
    }

    /// Moves every segment `from` has to `to`; true when there was one.
    fn deliver(from: &mut Endpoint, to: &mut Endpoint) -> bool {
        let mut buf = [0u8; 2048];
        let mut moved = false;
        while let Some(t) = from.poll_transmit(now(), &mut buf) {
            to.handle_segment(now(), t.src, t.dst, &buf[..t.len]);
            moved = true;
        }
        moved
    }

    /// Moves segments both ways until both endpoints are quiet.
    fn exchange(a: &mut Endpoint, b: &mut Endpoint) {
        while deliver(a, b) | deliver(b, a) {}
    }

    /// A client and a server endpoint with one established connection.
    fn established() -> (Endpoint, Endpoint, ConnectionHandle, ConnectionHandle) {
        let mut client = Endpoint::new(Config::default(), [1; 16]);
        let mut server = Endpoint::new(Config::default(), [2; 16]);
        let listen = SocketAddr::from((SERVER, 80));
        let listener = server.listen(listen, 8, SocketOptions::default()).unwrap();
        let handle = connect(&mut client, &mut server, 40_000);
        let accepted = server.accept(listener).unwrap();
        (client, server, handle, accepted)
    }

    /// Opens another connection from the client's `port` to the server's listener.
    fn connect(client: &mut Endpoint, server: &mut Endpoint, port: u16) -> ConnectionHandle {
        let local = SocketAddr::from((CLIENT, port));
        let remote = SocketAddr::from((SERVER, 80));
        let handle = client
            .connect(now(), local, remote, SocketOptions::default())
            .unwrap();
        exchange(client, server);
        handle
    }

    /// The first segment written as the driver writes it, then extended; with the scratch
    /// buffer that holds a leftover segment.
    fn super_frame(client: &mut Endpoint) -> (Vec<u8>, Extended, Vec<u8>) {
        let mut slot = vec![0u8; ETHERNET_HEADER_LEN + 65_535];
        slot[ETHERNET_HEADER_LEN] = 0x45;
        let first = client
            .poll_transmit(now(), &mut slot[TCP_OFFSET..MTU_FRAME])
            .unwrap();
        let mut scratch = Vec::new();
        let room = Room {
            max_frame: slot.len(),
            segment: MTU_FRAME - TCP_OFFSET,
        };
        let extended = extend(
            client,
            now(),
            &mut slot,
            &first,
            TCP_OFFSET + first.len,
            room,
            &mut scratch,
        );
        slot.truncate(extended.frame_len);
        (slot, extended, scratch)
    }

    /// The TCP bytes of `frame` with their checksum completed, as the kernel would for
    /// each segment it cuts (here: for the super-segment as a whole).
    fn completed_tcp(frame: &[u8]) -> Vec<u8> {
        let mut tcp = frame[TCP_OFFSET..].to_vec();
        let mut sum = Checksum::new();
        sum.add_bytes(&tcp);
        tcp[16..18].copy_from_slice(&sum.finish().to_be_bytes());
        tcp
    }

    #[test]
    fn full_segments_become_one_super_frame_that_carries_the_same_bytes() {
        let (mut client, mut server, handle, accepted) = established();
        let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(client.write(handle, &data).unwrap(), data.len());
        let (frame, extended, _) = super_frame(&mut client);
        assert!(extended.leftover.is_none());
        let segment_size = usize::from(extended.segment_size.expect("a super-frame"));
        let header_len = tcp_header_len(&frame[TCP_OFFSET..]);
        assert_eq!(frame.len(), TCP_OFFSET + header_len + data.len());
        assert!(segment_size < data.len() && segment_size >= 536);
        let ip_total = u16::from_be_bytes([frame[16], frame[17]]);
        assert_eq!(usize::from(ip_total), frame.len() - ETHERNET_HEADER_LEN);
        assert_eq!(
            frame[TCP_OFFSET + 13] & PSH,
            PSH,
            "the write's PSH survives"
        );
        assert_eq!(&frame[TCP_OFFSET + header_len..], &data[..]);
        let tcp = completed_tcp(&frame);
        let (src, dst) = (IpAddr::V4(CLIENT), IpAddr::V4(SERVER));
        server.handle_segment(now(), src, dst, &tcp);
        let mut got = vec![0u8; 4096];
        let n = server.read(accepted, &mut got).unwrap();
        assert_eq!(&got[..n], &data[..]);
        assert!(client.poll_transmit(now(), &mut [0u8; 2048]).is_none());
    }

    #[test]
    fn another_connections_segment_is_left_over_intact() {
        let (mut client, mut server, first, _accepted) = established();
        let second = connect(&mut client, &mut server, 40_001);
        client.write(first, b"first connection").unwrap();
        client.write(second, b"second connection").unwrap();
        let (frame, extended, scratch) = super_frame(&mut client);
        assert_eq!(extended.segment_size, None);
        assert!(
            frame.ends_with(b"first connection"),
            "the first frame is untouched"
        );
        let leftover = extended.leftover.expect("the second connection's segment");
        assert_eq!(scratch.len(), leftover.len);
        assert!(scratch.ends_with(b"second connection"));
        assert_eq!(u16::from_be_bytes([scratch[0], scratch[1]]), 40_001);
        assert!(client.poll_transmit(now(), &mut [0u8; 2048]).is_none());
    }

    #[test]
    fn a_lone_segment_stays_a_plain_frame() {
        let (mut client, _server, handle, _accepted) = established();
        client.write(handle, b"short").unwrap();
        let (frame, extended, _) = super_frame(&mut client);
        assert_eq!(extended.segment_size, None);
        assert!(extended.leftover.is_none());
        assert!(frame.ends_with(b"short"));
    }
}

//! TCP super-frames for links with segmentation offload: consecutive full-sized segments
//! of one connection, which differ only in sequence number (and PSH), are written
//! back to back behind one header, and the kernel cuts them apart again (GSO). The
//! engine still makes every segment itself, so its accounting is untouched; the saving
//! is in the system calls and per-frame kernel work.

use crate::net::{ETHERNET_HEADER_LEN, TCP_OFFSET};
use core::net::IpAddr;
use tcp_core::{Endpoint, Instant, Transmit};
use tcp_wire::{Checksum, TcpdumpLine};

/// TCP flag bits.
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

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
/// `first`) the engine's next segments while they continue it, up to `max_frame` bytes.
/// Each one is written by the engine straight after the payload so far: its header lands
/// on the previous payload's last bytes, which are saved first and put back once the
/// header has been compared.
pub(crate) fn extend(
    endpoint: &mut Endpoint,
    now: Instant,
    slot: &mut [u8],
    first: &Transmit,
    frame_len: usize,
    max_frame: usize,
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
    let max_frame = max_frame.min(slot.len());
    let mut end = frame_len;
    let mut psh = flags & PSH;
    let mut saved = [0u8; tcp_wire::MAX_HEADER_LEN];
    let mut leftover = None;
    while end + segment_size <= max_frame && end - frame_len + segment_size <= MAX_PAYLOAD {
        let at = end - header_len;
        saved[..header_len].copy_from_slice(&slot[at..end]);
        let Some(next) = endpoint.poll_transmit(now, &mut slot[at..end + segment_size]) else {
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

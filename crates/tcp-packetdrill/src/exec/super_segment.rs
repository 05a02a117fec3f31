//! A super-segment (a TSO/GSO stack's one packet of several segments) split where the
//! script's packet ends, as packetdrill splits a live TSO packet that is longer than the
//! script packet it is checked against (unless `--strict_segments`).

use crate::sut::Outbound;
use tcp_wire::{Flags, Segment, SeqNumber};

/// `outbound` cut after `len` payload bytes, when it is a super-segment longer than that
/// and `len` is a whole number of its segments: the front (PSH and FIN belong to the last
/// segment, so only the rest keeps them; CWR belongs to the first, so only the front keeps
/// it) and the rest, both with complete checksums. `None` when there is nothing to split.
pub(super) fn split(outbound: &Outbound, len: usize) -> Option<(Outbound, Outbound)> {
    let size = usize::from(outbound.segment_size?);
    let view = Segment::new_checked(outbound.segment.as_slice()).ok()?;
    let payload = view.payload();
    if len == 0 || len >= payload.len() || size == 0 || !len.is_multiple_of(size) {
        return None;
    }
    let header = &outbound.segment[..view.header_len()];
    let flags = view.flags();
    let seq = view.seq_number();
    let front = piece(
        outbound,
        header,
        &payload[..len],
        flags.without(Flags::PSH | Flags::FIN),
        seq,
        None,
    );
    let rest_len = payload.len() - len;
    let rest = piece(
        outbound,
        header,
        &payload[len..],
        flags.without(Flags::CWR),
        seq + len as u32,
        (rest_len > size).then_some(size as u16),
    );
    Some((
        Outbound {
            segment_size: (len > size).then_some(size as u16),
            ..front
        },
        rest,
    ))
}

fn piece(
    outbound: &Outbound,
    header: &[u8],
    payload: &[u8],
    flags: Flags,
    seq: SeqNumber,
    segment_size: Option<u16>,
) -> Outbound {
    let mut bytes = [header, payload].concat();
    let mut view = Segment::new_unchecked(&mut bytes[..]);
    view.set_flags(flags);
    view.set_seq_number(seq);
    view.fill_checksum(outbound.src, outbound.dst);
    Outbound {
        time: outbound.time,
        src: outbound.src,
        dst: outbound.dst,
        segment: bytes,
        segment_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use tcp_wire::{HEADER_LEN, Header};

    fn super_segment(flags: Flags, payload: usize, size: u16) -> Outbound {
        let (src, dst) = (
            Ipv4Addr::new(192, 168, 0, 1).into(),
            Ipv4Addr::new(192, 0, 2, 1).into(),
        );
        let mut bytes = vec![0u8; HEADER_LEN + payload];
        Header {
            src_port: 8080,
            dst_port: 40_000,
            seq: SeqNumber(1000),
            flags,
            window: 100,
            ..Header::default()
        }
        .emit(&mut bytes)
        .unwrap();
        Segment::new_unchecked(&mut bytes[..]).fill_checksum(src, dst);
        Outbound {
            time: 5,
            src,
            dst,
            segment: bytes,
            segment_size: Some(size),
        }
    }

    fn facts(outbound: &Outbound) -> (u32, usize, Flags, bool) {
        let view = Segment::new_checked(outbound.segment.as_slice()).unwrap();
        let checksum = view.verify_checksum(outbound.src, outbound.dst);
        (
            view.seq_number().0,
            view.payload().len(),
            view.flags(),
            checksum,
        )
    }

    #[test]
    fn cut_on_a_segment_boundary_with_flags_where_gso_puts_them() {
        let whole = super_segment(Flags::ACK | Flags::PSH | Flags::CWR, 3000, 1000);
        let (front, rest) = split(&whole, 2000).unwrap();
        assert_eq!(facts(&front), (1000, 2000, Flags::ACK | Flags::CWR, true));
        assert_eq!(front.segment_size, Some(1000));
        assert_eq!(facts(&rest), (3000, 1000, Flags::ACK | Flags::PSH, true));
        assert_eq!(rest.segment_size, None);
    }

    #[test]
    fn nothing_to_split() {
        let whole = super_segment(Flags::ACK, 3000, 1000);
        assert!(split(&whole, 3000).is_none());
        assert!(split(&whole, 1500).is_none());
        assert!(split(&whole, 0).is_none());
        let single = Outbound {
            segment_size: None,
            ..whole
        };
        assert!(split(&single, 1000).is_none());
    }
}

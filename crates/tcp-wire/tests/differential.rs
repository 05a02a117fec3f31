//! Differential tests against etherparse's TCP parser (`etherparse::TcpSlice`, 0.21): on the
//! same bytes, built here by hand rather than by either parser's writer, both must read the
//! same ports, numbers, data offset, flags, window, checksum, urgent pointer, options and
//! payload, and compute the same checksum. Where they differ by design (unknown option kinds,
//! which etherparse refuses), the test pins down the difference.

use etherparse::{TcpOptionElement, TcpOptionReadError, TcpSlice};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};
use tcp_wire::{Flags, Header, SackBlocks, Segment, SeqNumber, TcpOption, kind};

/// One option to be written by hand. Window scale keeps any shift, as on the wire.
#[derive(Debug, Clone)]
enum Opt {
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    Sack(Vec<(u32, u32)>),
    Timestamps(u32, u32),
    /// Any kind etherparse does not know (Fast Open included), with its data.
    Other(u8, Vec<u8>),
}

impl Opt {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Opt::Nop => out.push(1),
            Opt::Mss(mss) => {
                out.extend_from_slice(&[2, 4]);
                out.extend_from_slice(&mss.to_be_bytes());
            }
            Opt::WindowScale(shift) => out.extend_from_slice(&[3, 3, *shift]),
            Opt::SackPermitted => out.extend_from_slice(&[4, 2]),
            Opt::Sack(blocks) => {
                out.extend_from_slice(&[5, (2 + 8 * blocks.len()) as u8]);
                for (left, right) in blocks {
                    out.extend_from_slice(&left.to_be_bytes());
                    out.extend_from_slice(&right.to_be_bytes());
                }
            }
            Opt::Timestamps(value, echo) => {
                out.extend_from_slice(&[8, 10]);
                out.extend_from_slice(&value.to_be_bytes());
                out.extend_from_slice(&echo.to_be_bytes());
            }
            Opt::Other(kind, data) => {
                out.extend_from_slice(&[*kind, (2 + data.len()) as u8]);
                out.extend_from_slice(data);
            }
        }
    }

    fn len(&self) -> usize {
        let mut out = Vec::new();
        self.encode(&mut out);
        out.len()
    }
}

fn known_option() -> impl Strategy<Value = Opt> {
    prop_oneof![
        Just(Opt::Nop),
        any::<u16>().prop_map(Opt::Mss),
        any::<u8>().prop_map(Opt::WindowScale),
        Just(Opt::SackPermitted),
        prop::collection::vec(any::<(u32, u32)>(), 1..=4).prop_map(Opt::Sack),
        any::<(u32, u32)>().prop_map(|(value, echo)| Opt::Timestamps(value, echo)),
    ]
}

/// A kind etherparse 0.21 does not parse: anything but 0, 1, 2, 3, 4, 5 and 8.
fn other_option() -> impl Strategy<Value = Opt> {
    prop_oneof![
        // A Fast Open cookie (RFC 7413): known to us, not to etherparse.
        (0..=8usize)
            .prop_filter("cookie request or 4..=16 bytes", |&half| half != 1)
            .prop_flat_map(|half| prop::collection::vec(any::<u8>(), half * 2))
            .prop_map(|cookie| Opt::Other(kind::FAST_OPEN, cookie)),
        (
            any::<u8>().prop_filter("unknown to etherparse", |k| {
                ![0, 1, 2, 3, 4, 5, 8, kind::FAST_OPEN].contains(k)
            }),
            prop::collection::vec(any::<u8>(), 0..=12),
        )
            .prop_map(|(kind, data)| Opt::Other(kind, data)),
    ]
}

/// Options in any order that fit in 40 bytes.
fn fit(mut options: Vec<Opt>) -> Vec<Opt> {
    while options.iter().map(Opt::len).sum::<usize>() > 40 {
        options.pop();
    }
    options
}

/// How the option area is filled up to a multiple of 4 bytes.
#[derive(Debug, Clone, Copy)]
enum Padding {
    /// EOL, zeros.
    Zeros,
    /// EOL followed by junk, which both parsers must ignore.
    EolThenJunk(u8),
    /// NOPs.
    Nops,
}

fn padding() -> impl Strategy<Value = Padding> {
    prop_oneof![
        Just(Padding::Zeros),
        any::<u8>().prop_map(Padding::EolThenJunk),
        Just(Padding::Nops),
    ]
}

/// The fixed fields of a header, written by hand.
#[derive(Debug, Clone)]
struct Fixed {
    src_port: u16,
    dst_port: u16,
    seq: u32,
    ack: u32,
    reserved: u8,
    flags: u8,
    window: u16,
    checksum: u16,
    urgent: u16,
}

fn fixed() -> impl Strategy<Value = Fixed> {
    (
        any::<(u16, u16, u32, u32)>(),
        (
            0..16u8,
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
        ),
    )
        .prop_map(
            |((src_port, dst_port, seq, ack), (reserved, flags, window, checksum, urgent))| Fixed {
                src_port,
                dst_port,
                seq,
                ack,
                reserved,
                flags,
                window,
                checksum,
                urgent,
            },
        )
}

/// Header bytes, options padded to a word, then the payload.
fn segment_bytes(fixed: &Fixed, options: &[Opt], padding: Padding, payload: &[u8]) -> Vec<u8> {
    let mut area = Vec::new();
    for option in options {
        option.encode(&mut area);
    }
    let padded = area.len().div_ceil(4) * 4;
    match padding {
        Padding::Zeros => area.resize(padded, 0),
        Padding::Nops => area.resize(padded, 1),
        Padding::EolThenJunk(junk) => {
            if padded > area.len() {
                area.push(0);
                area.resize(padded, junk);
            }
        }
    }
    let data_offset = ((20 + area.len()) / 4) as u8;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&fixed.src_port.to_be_bytes());
    bytes.extend_from_slice(&fixed.dst_port.to_be_bytes());
    bytes.extend_from_slice(&fixed.seq.to_be_bytes());
    bytes.extend_from_slice(&fixed.ack.to_be_bytes());
    bytes.push(data_offset << 4 | fixed.reserved);
    bytes.push(fixed.flags);
    bytes.extend_from_slice(&fixed.window.to_be_bytes());
    bytes.extend_from_slice(&fixed.checksum.to_be_bytes());
    bytes.extend_from_slice(&fixed.urgent.to_be_bytes());
    bytes.extend_from_slice(&area);
    bytes.extend_from_slice(payload);
    bytes
}

/// etherparse's option as ours.
fn from_etherparse(element: TcpOptionElement) -> TcpOption<'static> {
    match element {
        TcpOptionElement::Noop => TcpOption::NoOperation,
        TcpOptionElement::MaximumSegmentSize(mss) => TcpOption::Mss(mss),
        TcpOptionElement::WindowScale(shift) => TcpOption::WindowScale(shift),
        TcpOptionElement::SelectiveAcknowledgementPermitted => TcpOption::SackPermitted,
        TcpOptionElement::SelectiveAcknowledgement(first, rest) => {
            let mut blocks = SackBlocks::new();
            for (left, right) in std::iter::once(first).chain(rest.into_iter().flatten()) {
                assert!(blocks.push(SeqNumber(left), SeqNumber(right)));
            }
            TcpOption::Sack(blocks)
        }
        TcpOptionElement::Timestamp(value, echo) => TcpOption::Timestamps { value, echo },
    }
}

/// Ours without the final EOL, which etherparse ends on silently.
fn ours_until_eol(segment: &Segment<&[u8]>) -> Vec<TcpOption<'static>> {
    segment
        .option_iter()
        .map(|option| option.expect("valid options"))
        .take_while(|option| *option != TcpOption::EndOfList)
        .map(|option| match option {
            TcpOption::Unknown { .. } => panic!("only known kinds expected here"),
            TcpOption::EndOfList => TcpOption::EndOfList,
            TcpOption::NoOperation => TcpOption::NoOperation,
            TcpOption::Mss(mss) => TcpOption::Mss(mss),
            TcpOption::WindowScale(shift) => TcpOption::WindowScale(shift),
            TcpOption::SackPermitted => TcpOption::SackPermitted,
            TcpOption::Sack(blocks) => TcpOption::Sack(blocks),
            TcpOption::Timestamps { value, echo } => TcpOption::Timestamps { value, echo },
            TcpOption::FastOpen(cookie) => TcpOption::FastOpen(cookie),
        })
        .collect()
}

proptest! {
    #[test]
    fn every_field_agrees_on_valid_headers(
        fixed in fixed(),
        options in prop::collection::vec(known_option(), 0..10).prop_map(fit),
        padding in padding(),
        payload in prop::collection::vec(any::<u8>(), 0..100),
        v4 in any::<([u8; 4], [u8; 4])>(),
        v6 in any::<([u8; 16], [u8; 16])>(),
    ) {
        let bytes = segment_bytes(&fixed, &options, padding, &payload);
        let ours = Segment::new_checked(&bytes[..]).unwrap();
        let theirs = TcpSlice::from_slice(&bytes).unwrap();

        prop_assert_eq!(ours.src_port(), theirs.source_port());
        prop_assert_eq!(ours.dst_port(), theirs.destination_port());
        prop_assert_eq!(ours.seq_number().0, theirs.sequence_number());
        prop_assert_eq!(ours.ack_number().0, theirs.acknowledgment_number());
        prop_assert_eq!(ours.data_offset(), theirs.data_offset());
        prop_assert_eq!(ours.header_len(), theirs.header_len());
        let flags = ours.flags();
        prop_assert_eq!(flags.fin(), theirs.fin());
        prop_assert_eq!(flags.syn(), theirs.syn());
        prop_assert_eq!(flags.rst(), theirs.rst());
        prop_assert_eq!(flags.psh(), theirs.psh());
        prop_assert_eq!(flags.ack(), theirs.ack());
        prop_assert_eq!(flags.urg(), theirs.urg());
        prop_assert_eq!(flags.contains(Flags::ECE), theirs.ece());
        prop_assert_eq!(flags.contains(Flags::CWR), theirs.cwr());
        prop_assert_eq!(ours.window(), theirs.window_size());
        prop_assert_eq!(ours.checksum(), theirs.checksum());
        prop_assert_eq!(ours.urgent_pointer(), theirs.urgent_pointer());
        prop_assert_eq!(ours.options(), theirs.options());
        prop_assert_eq!(ours.payload(), theirs.payload());

        let theirs_options: Vec<TcpOption<'static>> = theirs
            .options_iterator()
            .map(|option| from_etherparse(option.expect("valid options")))
            .collect();
        prop_assert_eq!(ours_until_eol(&ours), theirs_options);
        prop_assert!(Header::parse(&ours).is_ok());

        // The checksum each computes for the same pseudo-header is the same.
        let mut copy = bytes.clone();
        let mut writable = Segment::new_checked(&mut copy[..]).unwrap();
        let (src, dst) = (Ipv4Addr::from(v4.0), Ipv4Addr::from(v4.1));
        writable.fill_checksum_ipv4(src, dst);
        prop_assert_eq!(Ok(writable.checksum()), theirs.calc_checksum_ipv4(v4.0, v4.1));
        let (src, dst) = (Ipv6Addr::from(v6.0), Ipv6Addr::from(v6.1));
        writable.fill_checksum_ipv6(src, dst);
        prop_assert_eq!(Ok(writable.checksum()), theirs.calc_checksum_ipv6(v6.0, v6.1));
        // And each agrees whether the stored value verifies.
        prop_assert_eq!(
            ours.verify_checksum(src.into(), dst.into()),
            theirs.calc_checksum_ipv6(v6.0, v6.1) == Ok(ours.checksum())
        );
    }

    #[test]
    fn we_accept_unknown_kinds_where_etherparse_stops(
        fixed in fixed(),
        before in prop::collection::vec(known_option(), 0..4),
        other in other_option(),
        after in prop::collection::vec(known_option(), 0..4),
    ) {
        // Drop known options (after it first, then before it) until everything fits in 40.
        let (mut before, mut after) = (before, after);
        let total = |b: &[Opt], a: &[Opt]| {
            b.iter().chain(a).map(Opt::len).sum::<usize>() + other.len()
        };
        while total(&before, &after) > 40 {
            if after.pop().is_none() {
                before.remove(0);
            }
        }
        let mut options = before.clone();
        options.push(other.clone());
        options.extend(after);
        let Opt::Other(other_kind, other_data) = &other else { unreachable!() };

        let bytes = segment_bytes(&fixed, &options, Padding::Zeros, b"");
        let ours = Segment::new_checked(&bytes[..]).unwrap();
        let walked: Vec<TcpOption<'_>> = ours
            .option_iter()
            .collect::<Result<_, _>>()
            .expect("we read every option, the unknown one included");
        let at = before.len();
        match walked[at] {
            TcpOption::Unknown { kind, data } => {
                prop_assert_eq!(kind, *other_kind);
                prop_assert_eq!(data, &other_data[..]);
            }
            TcpOption::FastOpen(cookie) => {
                prop_assert_eq!(*other_kind, kind::FAST_OPEN);
                prop_assert_eq!(cookie.as_bytes(), &other_data[..]);
            }
            ref unexpected => prop_assert!(false, "unexpected {:?}", unexpected),
        }
        let count = walked.iter().filter(|o| **o != TcpOption::EndOfList).count();
        prop_assert_eq!(count, options.len(), "the options after it are read too");
        let header = Header::parse(&ours).expect("the header parses");
        if *other_kind == kind::FAST_OPEN {
            prop_assert!(header.options.fast_open.is_some());
        }

        // etherparse yields the options before it, then stops with UnknownId.
        let theirs = TcpSlice::from_slice(&bytes).unwrap();
        let items: Vec<_> = theirs.options_iterator().collect();
        prop_assert_eq!(items.len(), at + 1);
        prop_assert_eq!(
            items[at].clone(),
            Err(TcpOptionReadError::UnknownId(*other_kind))
        );
        for (ours, theirs) in walked[..at].iter().zip(&items[..at]) {
            prop_assert_eq!(*ours, from_etherparse(theirs.clone().unwrap()));
        }
    }

    #[test]
    fn both_accept_refuse_and_read_the_same_arbitrary_bytes(
        mut fixed in any::<[u8; 20]>(),
        offset in prop_oneof![3 => Just(None), 1 => (0..16u8).prop_map(Some)],
        tail in option_like_bytes(),
        cut in prop_oneof![3 => Just(0), 1 => 0..30usize],
    ) {
        // Mostly a data offset that covers as much of the tail as it can; sometimes any.
        let offset = offset.unwrap_or(((20 + tail.len()) / 4).min(15) as u8);
        fixed[12] = offset << 4 | (fixed[12] & 0x0f);
        let mut bytes = fixed.to_vec();
        bytes.extend_from_slice(&tail);
        // Sometimes too short for the header, sometimes for the data offset.
        bytes.truncate(bytes.len().saturating_sub(cut));
        let ours = Segment::new_checked(&bytes[..]);
        let theirs = TcpSlice::from_slice(&bytes);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok());
        let (Ok(ours), Ok(theirs)) = (ours, theirs) else { return Ok(()) };
        prop_assert_eq!(ours.options(), theirs.options());
        prop_assert_eq!(ours.payload(), theirs.payload());

        // Option by option: the same values, errors at the same place, and where we read a
        // kind etherparse does not know, etherparse stops there with UnknownId.
        let our_items: Vec<_> = ours.option_iter().collect();
        let their_items: Vec<_> = theirs.options_iterator().collect();
        let mut stopped = false;
        for (index, our) in our_items.iter().enumerate() {
            let their = their_items.get(index).cloned();
            match *our {
                Ok(TcpOption::EndOfList) => prop_assert_eq!(their, None),
                Ok(TcpOption::Unknown { kind, .. }) => {
                    prop_assert_eq!(their, Some(Err(TcpOptionReadError::UnknownId(kind))));
                }
                Ok(TcpOption::FastOpen(_)) => {
                    prop_assert_eq!(their, Some(Err(TcpOptionReadError::UnknownId(kind::FAST_OPEN))));
                }
                Ok(option) => {
                    prop_assert_eq!(Some(option), their.and_then(Result::ok).map(from_etherparse));
                    continue;
                }
                Err(_) => prop_assert!(matches!(their, Some(Err(_))), "both fail at option {}", index),
            }
            prop_assert!(their_items.len() <= index + 1, "etherparse stops here too");
            stopped = true;
            break;
        }
        if !stopped {
            prop_assert_eq!(their_items.len(), our_items.len());
        }
    }
}

/// Option-like bytes: mostly kinds and lengths that mean something, sometimes not.
fn option_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let chunk = (
        prop_oneof![
            4 => prop::sample::select(vec![0u8, 1, 2, 3, 4, 5, 8, kind::FAST_OPEN]),
            1 => any::<u8>(),
        ],
        prop_oneof![
            4 => prop::sample::select(vec![2u8, 3, 4, 10, 18, 26, 34, 6, 0, 1]),
            1 => any::<u8>(),
        ],
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(kind, len, data)| {
            let mut bytes = vec![kind, len];
            bytes.extend_from_slice(&data[..usize::from(len).saturating_sub(2).min(data.len())]);
            bytes
        });
    prop::collection::vec(chunk, 0..8).prop_map(|chunks| chunks.concat())
}

/// The Linux SYN from `captured.rs`, read by both.
#[test]
fn both_read_a_linux_syn_alike() {
    let bytes: &[u8] = &[
        0x9c, 0x41, 0x13, 0x89, 0x92, 0xb7, 0x0c, 0xde, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa,
        0xf0, 0x81, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x7c, 0x0d,
        0xda, 0x73, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
    ];
    let ours = Segment::new_checked(bytes).unwrap();
    let theirs = TcpSlice::from_slice(bytes).unwrap();
    let theirs_options: Vec<_> = theirs
        .options_iterator()
        .map(|option| from_etherparse(option.unwrap()))
        .collect();
    assert_eq!(ours_until_eol(&ours), theirs_options);
    assert_eq!(theirs_options.len(), 5);
    assert_eq!(
        Ok(ours.checksum()),
        theirs.calc_checksum_ipv4([198, 19, 77, 1], [198, 19, 77, 2])
    );
}

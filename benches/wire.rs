//! tcp-wire side by side with etherparse and smoltcp's wire module, on the same bytes:
//!
//! - `parse_verify`: a data segment (nop,nop,TS and 1460 bytes of payload): check the view,
//!   read every header field, decode the options and verify the checksum.
//! - `build_checksum`: write the same segment (header, options, payload copy) and fill its
//!   checksum.
//! - `syn_options`: walk the options of Linux's SYN (mss, sackOK, TS, nop, wscale).
//!
//! Figures are only meaningful as ratios within one run:
//! `cargo bench --bench wire`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use etherparse::{TcpHeader, TcpHeaderSlice, TcpOptionElement, TcpSlice};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    IpAddress, Ipv4Address, TcpControl, TcpOption as SmolOption, TcpPacket, TcpRepr, TcpSeqNumber,
    TcpTimestampRepr,
};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use tcp_wire::{Flags, Header, OptionIter, Options, Segment, SeqNumber, TcpOption, Timestamps};

const SRC: [u8; 4] = [198, 18, 0, 1];
const DST: [u8; 4] = [198, 18, 0, 2];
const PAYLOAD_LEN: usize = 1460;

/// The Linux SYN captured in crates/tcp-wire/tests/captured.rs.
const LINUX_SYN: &[u8] = &[
    0x9c, 0x41, 0x13, 0x89, 0x92, 0xb7, 0x0c, 0xde, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
    0x81, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x7c, 0x0d, 0xda, 0x73,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
];

fn header() -> Header {
    Header {
        src_port: 40001,
        dst_port: 5001,
        seq: SeqNumber(2_461_469_919),
        ack: SeqNumber(1_405_949_731),
        flags: Flags::ACK | Flags::PSH,
        window: 502,
        urgent_pointer: 0,
        options: Options {
            timestamps: Some(Timestamps {
                value: 2_081_282_676,
                echo: 3_021_188_885,
            }),
            ..Options::default()
        },
    }
}

fn payload() -> Vec<u8> {
    (0..PAYLOAD_LEN).map(|i| (i * 31 + 7) as u8).collect()
}

/// The segment every benchmark of a group works on, checked by all three libraries.
fn data_segment() -> Vec<u8> {
    let mut buf = vec![0u8; 60 + PAYLOAD_LEN];
    let len = header().emit(&mut buf).unwrap();
    buf.truncate(len + PAYLOAD_LEN);
    buf[len..].copy_from_slice(&payload());
    Segment::new_checked(&mut buf[..])
        .unwrap()
        .fill_checksum_ipv4(SRC.into(), DST.into());
    buf
}

fn smol_addrs() -> (IpAddress, IpAddress) {
    (
        IpAddress::Ipv4(Ipv4Address::from(SRC)),
        IpAddress::Ipv4(Ipv4Address::from(DST)),
    )
}

/// Sanity: all three agree that the bytes are valid before anything is timed.
fn check_agreement(bytes: &[u8]) {
    let (src, dst) = smol_addrs();
    assert!(Segment::new_checked(bytes).unwrap().verify_checksum(
        IpAddr::V4(Ipv4Addr::from(SRC)),
        IpAddr::V4(Ipv4Addr::from(DST))
    ));
    let slice = TcpSlice::from_slice(bytes).unwrap();
    assert_eq!(
        slice.calc_checksum_ipv4(SRC, DST).unwrap(),
        slice.checksum()
    );
    let packet = TcpPacket::new_checked(bytes).unwrap();
    TcpRepr::parse(&packet, &src, &dst, &ChecksumCapabilities::default()).unwrap();
}

fn parse_verify(c: &mut Criterion) {
    let bytes = data_segment();
    check_agreement(&bytes);
    let (src, dst) = (
        IpAddr::V4(Ipv4Addr::from(SRC)),
        IpAddr::V4(Ipv4Addr::from(DST)),
    );
    let (smol_src, smol_dst) = smol_addrs();
    let caps = ChecksumCapabilities::default();

    let mut group = c.benchmark_group("parse_verify");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("tcp-wire", |b| {
        b.iter(|| {
            let segment = Segment::new_checked(black_box(&bytes[..])).unwrap();
            let header = Header::parse(&segment).unwrap();
            assert!(segment.verify_checksum(src, dst));
            black_box((header, segment.payload().len()))
        })
    });
    group.bench_function("etherparse", |b| {
        b.iter(|| {
            let slice = TcpSlice::from_slice(black_box(&bytes[..])).unwrap();
            let header = slice.to_header();
            let mut timestamps = None;
            for option in slice.options_iterator() {
                if let TcpOptionElement::Timestamp(value, echo) = option.unwrap() {
                    timestamps = Some((value, echo));
                }
            }
            assert_eq!(slice.calc_checksum_ipv4(SRC, DST), Ok(slice.checksum()));
            black_box((header, timestamps, slice.payload().len()))
        })
    });
    group.bench_function("smoltcp", |b| {
        b.iter(|| {
            let packet = TcpPacket::new_checked(black_box(&bytes[..])).unwrap();
            let repr = TcpRepr::parse(&packet, &smol_src, &smol_dst, &caps).unwrap();
            black_box(repr)
        })
    });
    group.finish();
}

fn build_checksum(c: &mut Criterion) {
    let expected = data_segment();
    let payload = payload();
    let header = header();
    let (src, dst) = (Ipv4Addr::from(SRC), Ipv4Addr::from(DST));
    let (smol_src, smol_dst) = smol_addrs();
    let caps = ChecksumCapabilities::default();
    let mut buf = vec![0u8; expected.len()];

    let ours = |buf: &mut [u8], header: &Header, payload: &[u8]| {
        let len = header.emit(buf).unwrap();
        buf[len..len + payload.len()].copy_from_slice(payload);
        Segment::new_unchecked(&mut buf[..len + payload.len()]).fill_checksum_ipv4(src, dst);
    };
    let theirs = |buf: &mut [u8], payload: &[u8]| {
        let mut header = TcpHeader::new(40001, 5001, 2_461_469_919, 502);
        header.acknowledgment_number = 1_405_949_731;
        header.ack = true;
        header.psh = true;
        header
            .set_options(&[
                TcpOptionElement::Noop,
                TcpOptionElement::Noop,
                TcpOptionElement::Timestamp(2_081_282_676, 3_021_188_885),
            ])
            .unwrap();
        header.checksum = header.calc_checksum_ipv4_raw(SRC, DST, payload).unwrap();
        let bytes = header.to_bytes();
        buf[..bytes.len()].copy_from_slice(&bytes);
        buf[bytes.len()..bytes.len() + payload.len()].copy_from_slice(payload);
    };
    let smol = |buf: &mut [u8], payload: &[u8]| {
        let repr = TcpRepr {
            src_port: 40001,
            dst_port: 5001,
            control: TcpControl::Psh,
            seq_number: TcpSeqNumber(2_461_469_919u32 as i32),
            ack_number: Some(TcpSeqNumber(1_405_949_731)),
            window_len: 502,
            window_scale: None,
            max_seg_size: None,
            sack_permitted: false,
            sack_ranges: [None, None, None],
            timestamp: Some(TcpTimestampRepr::new(2_081_282_676, 3_021_188_885)),
            payload,
        };
        let mut packet = TcpPacket::new_unchecked(&mut buf[..repr.buffer_len()]);
        repr.emit(&mut packet, &smol_src, &smol_dst, &caps);
    };

    // Each writes the very bytes the other groups parse (smoltcp writes TS without the two
    // NOPs Linux puts before it, so only its checksum validity is checked).
    ours(&mut buf, &header, &payload);
    assert_eq!(buf, expected);
    buf.fill(0);
    theirs(&mut buf, &payload);
    assert_eq!(buf, expected);
    buf.fill(0);
    smol(&mut buf, &payload);
    let smol_len = TcpPacket::new_checked(&buf[..]).unwrap().header_len() as usize + PAYLOAD_LEN;
    assert!(
        TcpPacket::new_checked(&buf[..smol_len])
            .unwrap()
            .verify_checksum(&smol_src, &smol_dst)
    );

    let mut group = c.benchmark_group("build_checksum");
    group.throughput(Throughput::Bytes(expected.len() as u64));
    group.bench_function("tcp-wire", |b| {
        b.iter(|| ours(black_box(&mut buf), black_box(&header), black_box(&payload)))
    });
    group.bench_function("etherparse", |b| {
        b.iter(|| theirs(black_box(&mut buf), black_box(&payload)))
    });
    group.bench_function("smoltcp", |b| {
        b.iter(|| smol(black_box(&mut buf), black_box(&payload)))
    });
    group.finish();
}

fn syn_options(c: &mut Criterion) {
    let segment = Segment::new_checked(LINUX_SYN).unwrap();
    let options = segment.options();
    assert_eq!(OptionIter::new(options).count(), 5);

    let mut group = c.benchmark_group("syn_options");
    group.bench_function("tcp-wire", |b| {
        b.iter(|| {
            let mut seen = 0u32;
            for option in OptionIter::new(black_box(options)) {
                seen += match option.unwrap() {
                    TcpOption::Mss(mss) => u32::from(mss),
                    TcpOption::WindowScale(shift) => u32::from(shift),
                    TcpOption::Timestamps { value, .. } => value,
                    _ => 1,
                };
            }
            black_box(seen)
        })
    });
    group.bench_function("etherparse", |b| {
        b.iter(|| {
            let slice = TcpHeaderSlice::from_slice(black_box(LINUX_SYN)).unwrap();
            let mut seen = 0u32;
            for option in slice.options_iterator() {
                seen += match option.unwrap() {
                    TcpOptionElement::MaximumSegmentSize(mss) => u32::from(mss),
                    TcpOptionElement::WindowScale(shift) => u32::from(shift),
                    TcpOptionElement::Timestamp(value, _) => value,
                    _ => 1,
                };
            }
            black_box(seen)
        })
    });
    group.bench_function("smoltcp", |b| {
        b.iter(|| {
            let mut rest = black_box(options);
            let mut seen = 0u32;
            while !rest.is_empty() {
                let (next, option) = SmolOption::parse(rest).unwrap();
                seen += match option {
                    SmolOption::EndOfList => break,
                    SmolOption::MaxSegmentSize(mss) => u32::from(mss),
                    SmolOption::WindowScale(shift) => u32::from(shift),
                    SmolOption::TimeStamp { tsval, .. } => tsval,
                    _ => 1,
                };
                rest = next;
            }
            black_box(seen)
        })
    });
    group.finish();
}

criterion_group!(benches, parse_verify, build_checksum, syn_options);
criterion_main!(benches);

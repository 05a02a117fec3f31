//! The codecs against segments Linux 6.18 sent, captured on a veth pair.
//!
//! How they were captured: `tests/capture/capture.sh` (run as root) joins two network
//! namespaces with a veth pair, 198.19.77.1 (client) and 198.19.77.2 (server), turns the
//! checksum and segmentation offloads off with ethtool (so the checksums below are the ones
//! on the wire), runs `tcpdump -i <server veth> -s 0 -w capture.pcap tcp`, and drives Linux
//! TCP with python3 sockets: a connection that sends "hello\n" each way and closes; a connect
//! to a closed port (the RST); and a connection whose second data segment is dropped once by
//! an nftables rule in the server's input hook, so the server acknowledges the third with a
//! SACK block. `tests/capture/extract.py capture.pcap capture.txt NAME=INDEX...` printed the
//! consts below: the IPv4 source and destination of each packet and its TCP bytes (header
//! and payload), with the line `tcpdump -S -n -t -r capture.pcap` printed for it.

use std::net::{IpAddr, Ipv4Addr};
use tcp_wire::{
    Error, Flags, Header, Options, SackBlocks, Segment, SeqNumber, TcpOption, TcpdumpLine,
    Timestamps,
};

/// One captured packet: its IPv4 addresses, what tcpdump printed for it (without the leading
/// `IP `), and its TCP bytes.
struct Capture {
    src: [u8; 4],
    dst: [u8; 4],
    tcpdump: &'static str,
    bytes: &'static [u8],
}

impl Capture {
    fn src(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self.src))
    }

    fn dst(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self.dst))
    }
}

/// `IP 198.19.77.1.40001 > 198.19.77.2.5001: Flags [S], seq 2461469918, win 64240, options [mss 1460,sackOK,TS val 2081282675 ecr 0,nop,wscale 10], length 0`
const SYN: Capture = Capture {
    src: [198, 19, 77, 1],
    dst: [198, 19, 77, 2],
    tcpdump: "198.19.77.1.40001 > 198.19.77.2.5001: Flags [S], seq 2461469918, win 64240, options [mss 1460,sackOK,TS val 2081282675 ecr 0,nop,wscale 10], length 0",
    bytes: &[
        0x9c, 0x41, 0x13, 0x89, 0x92, 0xb7, 0x0c, 0xde, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa,
        0xf0, 0x81, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x7c, 0x0d,
        0xda, 0x73, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
    ],
};

/// `IP 198.19.77.2.5001 > 198.19.77.1.40001: Flags [S.], seq 1405949730, ack 2461469919, win 65160, options [mss 1460,sackOK,TS val 3021188885 ecr 2081282675,nop,wscale 10], length 0`
const SYN_ACK: Capture = Capture {
    src: [198, 19, 77, 2],
    dst: [198, 19, 77, 1],
    tcpdump: "198.19.77.2.5001 > 198.19.77.1.40001: Flags [S.], seq 1405949730, ack 2461469919, win 65160, options [mss 1460,sackOK,TS val 3021188885 ecr 2081282675,nop,wscale 10], length 0",
    bytes: &[
        0x13, 0x89, 0x9c, 0x41, 0x53, 0xcd, 0x17, 0x22, 0x92, 0xb7, 0x0c, 0xdf, 0xa0, 0x12, 0xfe,
        0x88, 0xaf, 0x3e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xb4, 0x13,
        0xaf, 0x15, 0x7c, 0x0d, 0xda, 0x73, 0x01, 0x03, 0x03, 0x0a,
    ],
};

/// `IP 198.19.77.1.40001 > 198.19.77.2.5001: Flags [.], ack 1405949731, win 63, options [nop,nop,TS val 2081282676 ecr 3021188885], length 0`
const PURE_ACK: Capture = Capture {
    src: [198, 19, 77, 1],
    dst: [198, 19, 77, 2],
    tcpdump: "198.19.77.1.40001 > 198.19.77.2.5001: Flags [.], ack 1405949731, win 63, options [nop,nop,TS val 2081282676 ecr 3021188885], length 0",
    bytes: &[
        0x9c, 0x41, 0x13, 0x89, 0x92, 0xb7, 0x0c, 0xdf, 0x53, 0xcd, 0x17, 0x23, 0x80, 0x10, 0x00,
        0x3f, 0xdc, 0x56, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x7c, 0x0d, 0xda, 0x74, 0xb4, 0x13,
        0xaf, 0x15,
    ],
};

/// `IP 198.19.77.1.40001 > 198.19.77.2.5001: Flags [P.], seq 2461469919:2461469925, ack 1405949731, win 63, options [nop,nop,TS val 2081282676 ecr 3021188885], length 6`
const DATA_PSH: Capture = Capture {
    src: [198, 19, 77, 1],
    dst: [198, 19, 77, 2],
    tcpdump: "198.19.77.1.40001 > 198.19.77.2.5001: Flags [P.], seq 2461469919:2461469925, ack 1405949731, win 63, options [nop,nop,TS val 2081282676 ecr 3021188885], length 6",
    bytes: &[
        0x9c, 0x41, 0x13, 0x89, 0x92, 0xb7, 0x0c, 0xdf, 0x53, 0xcd, 0x17, 0x23, 0x80, 0x18, 0x00,
        0x3f, 0x98, 0x6c, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x7c, 0x0d, 0xda, 0x74, 0xb4, 0x13,
        0xaf, 0x15, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a,
    ],
};

/// `IP 198.19.77.1.40001 > 198.19.77.2.5001: Flags [F.], seq 2461469925, ack 1405949737, win 63, options [nop,nop,TS val 2081282776 ecr 3021188885], length 0`
const FIN_ACK: Capture = Capture {
    src: [198, 19, 77, 1],
    dst: [198, 19, 77, 2],
    tcpdump: "198.19.77.1.40001 > 198.19.77.2.5001: Flags [F.], seq 2461469925, ack 1405949737, win 63, options [nop,nop,TS val 2081282776 ecr 3021188885], length 0",
    bytes: &[
        0x9c, 0x41, 0x13, 0x89, 0x92, 0xb7, 0x0c, 0xe5, 0x53, 0xcd, 0x17, 0x29, 0x80, 0x11, 0x00,
        0x3f, 0xdb, 0xe5, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x7c, 0x0d, 0xda, 0xd8, 0xb4, 0x13,
        0xaf, 0x15,
    ],
};

/// `IP 198.19.77.2.5003 > 198.19.77.1.40003: Flags [R.], seq 0, ack 63804334, win 0, length 0`
const RST: Capture = Capture {
    src: [198, 19, 77, 2],
    dst: [198, 19, 77, 1],
    tcpdump: "198.19.77.2.5003 > 198.19.77.1.40003: Flags [R.], seq 0, ack 63804334, win 0, length 0",
    bytes: &[
        0x13, 0x8b, 0x9c, 0x43, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcd, 0x93, 0xae, 0x50, 0x14, 0x00,
        0x00, 0x42, 0x5c, 0x00, 0x00,
    ],
};

/// `IP 198.19.77.2.5002 > 198.19.77.1.40002: Flags [.], ack 3071464870, win 64, options [nop,nop,TS val 2467736933 ecr 216616618,nop,nop,sack 1 {3071464970:3071465070}], length 0`
const SACK: Capture = Capture {
    src: [198, 19, 77, 2],
    dst: [198, 19, 77, 1],
    tcpdump: "198.19.77.2.5002 > 198.19.77.1.40002: Flags [.], ack 3071464870, win 64, options [nop,nop,TS val 2467736933 ecr 216616618,nop,nop,sack 1 {3071464970:3071465070}], length 0",
    bytes: &[
        0x13, 0x8a, 0x9c, 0x42, 0x3f, 0xfc, 0xb0, 0xf5, 0xb7, 0x12, 0xd5, 0xa6, 0xb0, 0x10, 0x00,
        0x40, 0x36, 0x15, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x93, 0x16, 0xad, 0x65, 0x0c, 0xe9,
        0x4e, 0xaa, 0x01, 0x01, 0x05, 0x0a, 0xb7, 0x12, 0xd6, 0x0a, 0xb7, 0x12, 0xd6, 0x6e,
    ],
};

/// What tcpdump (and the trace around the packet) says each field holds.
struct Expected<'a> {
    header: Header,
    data_offset: u8,
    checksum: u16,
    options: &'a [TcpOption<'a>],
    payload: &'a [u8],
}

/// Checks everything the crate can say about `capture` against `expected`.
fn check(capture: &Capture, expected: &Expected<'_>) {
    let segment = Segment::new_checked(capture.bytes).expect("a captured segment is valid");
    let want = &expected.header;
    assert_eq!(segment.src_port(), want.src_port);
    assert_eq!(segment.dst_port(), want.dst_port);
    assert_eq!(segment.seq_number(), want.seq);
    assert_eq!(segment.ack_number(), want.ack);
    assert_eq!(segment.data_offset(), expected.data_offset);
    assert_eq!(segment.header_len(), usize::from(expected.data_offset) * 4);
    assert_eq!(segment.flags(), want.flags);
    assert_eq!(segment.window(), want.window);
    assert_eq!(segment.checksum(), expected.checksum);
    assert_eq!(segment.urgent_pointer(), want.urgent_pointer);
    assert_eq!(segment.payload(), expected.payload);
    let options: Vec<TcpOption<'_>> = segment
        .option_iter()
        .collect::<Result<_, _>>()
        .expect("Linux's options parse");
    assert_eq!(options, expected.options);
    assert_eq!(Header::parse(&segment), Ok(*want));

    // The checksum verifies against the captured addresses and against nothing else.
    assert!(segment.verify_checksum(capture.src(), capture.dst()));
    assert_eq!(segment.check_checksum(capture.src(), capture.dst()), Ok(()));
    assert!(!segment.verify_checksum(capture.dst(), capture.dst()));
    assert_eq!(
        segment.check_checksum(IpAddr::V4(Ipv4Addr::new(198, 19, 77, 3)), capture.dst()),
        Err(Error::BadChecksum)
    );
    // The Internet checksum catches every single-bit error.
    let mut corrupt = capture.bytes.to_vec();
    for bit in 0..corrupt.len() * 8 {
        corrupt[bit / 8] ^= 1 << (bit % 8);
        let segment = Segment::new_unchecked(&corrupt[..]);
        assert!(
            !segment.verify_checksum(capture.src(), capture.dst()),
            "bit {bit} flipped still verifies"
        );
        corrupt[bit / 8] ^= 1 << (bit % 8);
    }

    assert_eq!(
        TcpdumpLine::new(capture.src(), capture.dst(), capture.bytes).to_string(),
        capture.tcpdump
    );

    // Written back in Linux's option layout, the segment is the same byte for byte.
    let mut buf = [0u8; 100];
    let len = want.emit(&mut buf).expect("the header fits");
    assert_eq!(len, usize::from(expected.data_offset) * 4);
    let total = len + expected.payload.len();
    buf[len..total].copy_from_slice(expected.payload);
    let mut rebuilt = Segment::new_checked(&mut buf[..total]).unwrap();
    rebuilt.fill_checksum(capture.src(), capture.dst());
    assert_eq!(rebuilt.as_bytes(), capture.bytes);
}

/// Linux's SYN option values for this trace.
fn syn_options(value: u32, echo: u32) -> Options {
    Options {
        mss: Some(1460),
        window_scale: Some(10),
        sack_permitted: true,
        timestamps: Some(Timestamps { value, echo }),
        ..Options::default()
    }
}

fn timestamps(value: u32, echo: u32) -> Options {
    Options {
        timestamps: Some(Timestamps { value, echo }),
        ..Options::default()
    }
}

#[test]
fn syn_with_mss_sack_permitted_timestamps_nop_wscale() {
    check(
        &SYN,
        &Expected {
            header: Header {
                src_port: 40001,
                dst_port: 5001,
                seq: SeqNumber(2_461_469_918),
                ack: SeqNumber(0),
                flags: Flags::SYN,
                window: 64240,
                urgent_pointer: 0,
                options: syn_options(2_081_282_675, 0),
            },
            data_offset: 10,
            checksum: 0x8100,
            options: &[
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamps {
                    value: 2_081_282_675,
                    echo: 0,
                },
                TcpOption::NoOperation,
                TcpOption::WindowScale(10),
            ],
            payload: b"",
        },
    );
    assert_eq!(Segment::new_unchecked(SYN.bytes).segment_len(), 1);
}

#[test]
fn syn_ack_echoes_the_syn() {
    check(
        &SYN_ACK,
        &Expected {
            header: Header {
                src_port: 5001,
                dst_port: 40001,
                seq: SeqNumber(1_405_949_730),
                ack: SeqNumber(2_461_469_919),
                flags: Flags::SYN | Flags::ACK,
                window: 65160,
                urgent_pointer: 0,
                options: syn_options(3_021_188_885, 2_081_282_675),
            },
            data_offset: 10,
            checksum: 0xaf3e,
            options: &[
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamps {
                    value: 3_021_188_885,
                    echo: 2_081_282_675,
                },
                TcpOption::NoOperation,
                TcpOption::WindowScale(10),
            ],
            payload: b"",
        },
    );
    let syn = Segment::new_unchecked(SYN.bytes);
    let syn_ack = Segment::new_unchecked(SYN_ACK.bytes);
    assert_eq!(syn_ack.ack_number(), syn.seq_number() + syn.segment_len());
}

#[test]
fn pure_ack_with_timestamps() {
    check(
        &PURE_ACK,
        &Expected {
            header: Header {
                src_port: 40001,
                dst_port: 5001,
                // tcpdump prints no seq for a pure ACK: it is the SYN's plus one.
                seq: SeqNumber(2_461_469_919),
                ack: SeqNumber(1_405_949_731),
                flags: Flags::ACK,
                window: 63,
                urgent_pointer: 0,
                options: timestamps(2_081_282_676, 3_021_188_885),
            },
            data_offset: 8,
            checksum: 0xdc56,
            options: &[
                TcpOption::NoOperation,
                TcpOption::NoOperation,
                TcpOption::Timestamps {
                    value: 2_081_282_676,
                    echo: 3_021_188_885,
                },
            ],
            payload: b"",
        },
    );
    assert_eq!(Segment::new_unchecked(PURE_ACK.bytes).segment_len(), 0);
}

#[test]
fn data_segment_with_psh() {
    check(
        &DATA_PSH,
        &Expected {
            header: Header {
                src_port: 40001,
                dst_port: 5001,
                seq: SeqNumber(2_461_469_919),
                ack: SeqNumber(1_405_949_731),
                flags: Flags::PSH | Flags::ACK,
                window: 63,
                urgent_pointer: 0,
                options: timestamps(2_081_282_676, 3_021_188_885),
            },
            data_offset: 8,
            checksum: 0x986c,
            options: &[
                TcpOption::NoOperation,
                TcpOption::NoOperation,
                TcpOption::Timestamps {
                    value: 2_081_282_676,
                    echo: 3_021_188_885,
                },
            ],
            payload: b"hello\n",
        },
    );
    assert_eq!(Segment::new_unchecked(DATA_PSH.bytes).segment_len(), 6);
}

#[test]
fn fin_ack() {
    check(
        &FIN_ACK,
        &Expected {
            header: Header {
                src_port: 40001,
                dst_port: 5001,
                seq: SeqNumber(2_461_469_925),
                ack: SeqNumber(1_405_949_737),
                flags: Flags::FIN | Flags::ACK,
                window: 63,
                urgent_pointer: 0,
                options: timestamps(2_081_282_776, 3_021_188_885),
            },
            data_offset: 8,
            checksum: 0xdbe5,
            options: &[
                TcpOption::NoOperation,
                TcpOption::NoOperation,
                TcpOption::Timestamps {
                    value: 2_081_282_776,
                    echo: 3_021_188_885,
                },
            ],
            payload: b"",
        },
    );
    assert_eq!(Segment::new_unchecked(FIN_ACK.bytes).segment_len(), 1);
}

#[test]
fn rst_for_a_closed_port() {
    check(
        &RST,
        &Expected {
            header: Header {
                src_port: 5003,
                dst_port: 40003,
                seq: SeqNumber(0),
                ack: SeqNumber(63_804_334),
                flags: Flags::RST | Flags::ACK,
                window: 0,
                urgent_pointer: 0,
                options: Options::default(),
            },
            data_offset: 5,
            checksum: 0x425c,
            options: &[],
            payload: b"",
        },
    );
}

#[test]
fn ack_with_a_sack_block() {
    let mut blocks = SackBlocks::new();
    assert!(blocks.push(SeqNumber(3_071_464_970), SeqNumber(3_071_465_070)));
    check(
        &SACK,
        &Expected {
            header: Header {
                src_port: 5002,
                dst_port: 40002,
                seq: SeqNumber(1_073_524_981),
                ack: SeqNumber(3_071_464_870),
                flags: Flags::ACK,
                window: 64,
                urgent_pointer: 0,
                options: Options {
                    sack_blocks: blocks,
                    ..timestamps(2_467_736_933, 216_616_618)
                },
            },
            data_offset: 11,
            checksum: 0x3615,
            options: &[
                TcpOption::NoOperation,
                TcpOption::NoOperation,
                TcpOption::Timestamps {
                    value: 2_467_736_933,
                    echo: 216_616_618,
                },
                TcpOption::NoOperation,
                TcpOption::NoOperation,
                TcpOption::Sack(blocks),
            ],
            payload: b"",
        },
    );
}

#[test]
fn a_truncated_capture_is_an_error_not_a_panic() {
    for capture in [&SYN, &SYN_ACK, &PURE_ACK, &DATA_PSH, &FIN_ACK, &RST, &SACK] {
        let header_len = usize::from(capture.bytes[12] >> 4) * 4;
        for len in 0..capture.bytes.len() {
            let result = Segment::new_checked(&capture.bytes[..len]);
            let want = if len < 20 {
                Err(Error::Truncated)
            } else if len < header_len {
                Err(Error::DataOffsetPastEnd)
            } else {
                Ok(())
            };
            assert_eq!(result.map(|_| ()), want, "length {len}");
        }
    }
}

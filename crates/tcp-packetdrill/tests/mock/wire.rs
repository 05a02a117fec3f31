//! Segments the mock stack sends, written with tcp-wire.

use core::net::{IpAddr, SocketAddrV4};
use tcp_packetdrill::sut::Outbound;
use tcp_wire::{Flags, Header, OptionWriter, Segment, SeqNumber, TcpOption};

/// Everything a mock segment needs.
pub(crate) struct Out<'a> {
    pub(crate) local: SocketAddrV4,
    pub(crate) remote: SocketAddrV4,
    pub(crate) seq: u32,
    pub(crate) ack: u32,
    pub(crate) flags: Flags,
    pub(crate) options: &'a [TcpOption<'a>],
    pub(crate) payload_len: usize,
}

/// The segment's bytes with options in the given order and a valid checksum.
pub(crate) fn build(out: &Out<'_>, time: u64) -> Outbound {
    let mut options = [0u8; 40];
    let mut writer = OptionWriter::new(&mut options);
    for option in out.options {
        writer.write(option).unwrap();
    }
    let options_len = writer.finish().unwrap();
    let header = Header {
        src_port: out.local.port(),
        dst_port: out.remote.port(),
        seq: SeqNumber(out.seq),
        ack: SeqNumber(out.ack),
        flags: out.flags,
        window: 65_535,
        ..Header::default()
    };
    let mut bytes = vec![0u8; 20 + options_len + out.payload_len];
    header.emit(&mut bytes).unwrap();
    bytes[20..20 + options_len].copy_from_slice(&options[..options_len]);
    let mut segment = Segment::new_unchecked(&mut bytes[..]);
    segment.set_header_len(20 + options_len);
    segment.fill_checksum_ipv4(*out.local.ip(), *out.remote.ip());
    Outbound {
        time,
        src: IpAddr::V4(*out.local.ip()),
        dst: IpAddr::V4(*out.remote.ip()),
        segment: bytes,
        segment_size: None,
    }
}

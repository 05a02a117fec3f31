//! Writing a RST that belongs to no connection.

use crate::context::ResetReply;
use tcp_wire::{Flags, Header, Options, Segment, SeqNumber};

/// Writes `reset` into `buf`; `None` if `buf` is too small.
pub(super) fn write_reset(reset: &ResetReply, buf: &mut [u8]) -> Option<usize> {
    let header = Header {
        src_port: reset.tuple.local.port(),
        dst_port: reset.tuple.remote.port(),
        seq: reset.seq,
        ack: reset.ack.unwrap_or(SeqNumber(0)),
        flags: if reset.ack.is_some() {
            Flags::RST | Flags::ACK
        } else {
            Flags::RST
        },
        window: 0,
        urgent_pointer: 0,
        options: Options::default(),
    };
    let len = header.emit(buf).ok()?;
    Segment::new_unchecked(&mut buf[..len])
        .fill_checksum(reset.tuple.local.ip(), reset.tuple.remote.ip());
    Some(len)
}

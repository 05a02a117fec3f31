//! Segments the endpoint sends on behalf of no connection: RSTs for segments that match
//! nothing, SYN-ACKs carrying SYN cookies (L-3), and the ACKs of TIME_WAIT records.

use crate::addr::FourTuple;
use crate::connection::TimeWaitAck;
use crate::context::ResetReply;
use tcp_wire::{Flags, Header, Options, Segment, SeqNumber};

/// A SYN-ACK whose ISN is a SYN cookie; nothing is remembered about it.
#[derive(Debug, Clone, Copy)]
pub(super) struct CookieSynAck {
    pub(super) tuple: FourTuple,
    pub(super) iss: SeqNumber,
    pub(super) ack: SeqNumber,
    pub(super) window: u16,
    pub(super) options: Options,
}

/// A segment sent on behalf of no connection: a RST, a cookie SYN-ACK, or the ACK of a
/// TIME_WAIT record (which keeps no transmit state of its own).
#[derive(Debug, Clone, Copy)]
pub(super) enum StatelessReply {
    Reset(ResetReply),
    CookieSynAck(CookieSynAck),
    TimeWaitAck(TimeWaitAck),
}

impl StatelessReply {
    /// The 4-tuple the reply travels on.
    pub(super) fn tuple(&self) -> FourTuple {
        match self {
            StatelessReply::Reset(reset) => reset.tuple,
            StatelessReply::CookieSynAck(syn_ack) => syn_ack.tuple,
            StatelessReply::TimeWaitAck(ack) => ack.tuple(),
        }
    }

    /// Writes the segment into `buf`; `None` if `buf` is too small.
    pub(super) fn write(&self, buf: &mut [u8]) -> Option<usize> {
        let tuple = self.tuple();
        let header = match self {
            StatelessReply::Reset(reset) => Header {
                src_port: tuple.local.port(),
                dst_port: tuple.remote.port(),
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
            },
            StatelessReply::CookieSynAck(syn_ack) => Header {
                src_port: tuple.local.port(),
                dst_port: tuple.remote.port(),
                seq: syn_ack.iss,
                ack: syn_ack.ack,
                flags: Flags::SYN | Flags::ACK,
                window: syn_ack.window,
                urgent_pointer: 0,
                options: syn_ack.options,
            },
            StatelessReply::TimeWaitAck(ack) => ack.header(),
        };
        let len = header.emit(buf).ok()?;
        Segment::new_unchecked(&mut buf[..len]).fill_checksum(tuple.local.ip(), tuple.remote.ip());
        Some(len)
    }

    /// True for a RST.
    pub(super) fn is_reset(&self) -> bool {
        matches!(self, StatelessReply::Reset(_))
    }
}

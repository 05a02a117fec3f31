//! The receive sequence space (RFC 9293 §3.3.1, Figure 5) and what the receiver keeps
//! beside it: the reassembly buffer, the peer's FIN and the acknowledgment schedule.

use super::recv_buffer::RecvBuffer;
use crate::time::Instant;
use tcp_wire::SeqNumber;

/// Acknowledgment scheduling.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AckState {
    /// An ACK must go out with the next segment, right away.
    pub(super) now: bool,
    /// Full-sized segments received since the last ACK.
    pub(super) unacked_segments: u16,
    /// Segments left to acknowledge at once at the start of a connection (Linux's
    /// quick-ACK mode), so slow start on the peer's side is not held back.
    pub(super) quick: u8,
    /// Data we send before this instant answers the data that last arrived in order: the
    /// delayed-ACK time after its arrival (the clock's zero before any has).
    pub(super) reply_by: Instant,
    /// Request and reply: we sent data within the delayed-ACK time of receiving some
    /// (Linux's pingpong mode). The ACK of the next request then waits for the reply it
    /// rides on instead of going out alone, and quick-ACK mode is off. Left when the
    /// delayed-ACK timer fires (the reply did not come in time).
    pub(super) pingpong: bool,
}

/// RCV.* and the receive buffer.
#[derive(Debug)]
pub(crate) struct ReceiveSpace {
    /// IRS: the peer's initial sequence number.
    pub(super) irs: SeqNumber,
    /// RCV.NXT: next sequence number expected.
    pub(super) nxt: SeqNumber,
    /// Right edge of the window last advertised; it never moves left (RFC 9293 §3.8.6).
    pub(super) adv: SeqNumber,
    /// Our window scale shift.
    pub(super) wscale: u8,
    /// In-order bytes for the application and out-of-order data.
    pub(super) buf: RecvBuffer,
    /// The peer's FIN was received in order.
    pub(super) fin_received: bool,
    /// Where the peer's FIN is, once seen (possibly out of order).
    pub(super) peer_fin_seq: Option<SeqNumber>,
    /// A read found nothing: `Readable` is due when data arrives.
    pub(super) reader_waiting: bool,
    /// The acknowledgment number of the last segment sent.
    pub(super) last_ack_sent: SeqNumber,
    /// Start of the current receive-autotuning round: when, and RCV.NXT then.
    pub(super) measure: (Instant, SeqNumber),
    /// A D-SACK block to report in the next ACK.
    pub(super) dsack: Option<(SeqNumber, SeqNumber)>,
    /// When to acknowledge.
    pub(super) ack: AckState,
}

impl ReceiveSpace {
    /// Nothing received yet, with window scale `wscale` and buffer `buf`.
    pub(crate) fn new(wscale: u8, buf: RecvBuffer, now: Instant) -> ReceiveSpace {
        ReceiveSpace {
            irs: SeqNumber(0),
            nxt: SeqNumber(0),
            adv: SeqNumber(0),
            wscale,
            buf,
            fin_received: false,
            peer_fin_seq: None,
            reader_waiting: false,
            last_ack_sent: SeqNumber(0),
            measure: (now, SeqNumber(0)),
            dsack: None,
            ack: AckState {
                quick: 16,
                ..AckState::default()
            },
        }
    }
}

//! The send sequence space (RFC 9293 §3.3.1, Figure 4) and what the sender keeps beside it:
//! the bytes written and not yet acknowledged, and the send-side flags of the close.

use super::autotune::BufferLimits;
use super::send_buffer::SendBuffer;
use tcp_wire::SeqNumber;

/// SND.* and the send buffer.
#[derive(Debug)]
pub(crate) struct SendSpace {
    /// ISS: our initial sequence number.
    pub(super) iss: SeqNumber,
    /// SND.UNA: oldest unacknowledged sequence number.
    pub(super) una: SeqNumber,
    /// SND.NXT: next sequence number to send (falls back after a timeout in the handshake).
    pub(super) nxt: SeqNumber,
    /// SND.MAX: highest sequence number sent.
    pub(super) max: SeqNumber,
    /// SND.WND: the peer's window, scaled.
    pub(super) wnd: u32,
    /// The largest window the peer ever offered.
    pub(super) max_wnd: u32,
    /// SND.WL1 and SND.WL2: the segment that last updated the window.
    pub(super) wl1: SeqNumber,
    pub(super) wl2: SeqNumber,
    /// The peer's window scale shift.
    pub(super) wscale: u8,
    /// Bytes written and not yet acknowledged.
    pub(super) buf: SendBuffer,
    /// Sequence number of the first byte in `buf`.
    pub(super) buf_seq: SeqNumber,
    /// The application shut down writing: a FIN follows the data.
    pub(super) fin_queued: bool,
    /// Our SYN was acknowledged.
    pub(super) syn_acknowledged: bool,
    /// Our FIN was acknowledged.
    pub(super) fin_acked: bool,
    /// A write found the buffer full: `Writable` is due when room opens.
    pub(super) write_blocked: bool,
    /// The largest sizes buffer autotuning may reach.
    pub(super) buffer_limits: BufferLimits,
    /// End of the last sub-MSS segment sent: Nagle holds new small segments only while it
    /// is unacknowledged (Minshall's variant, RFC 9293 Appendix A.3, as Linux).
    pub(super) small_segment_end: Option<SeqNumber>,
    /// The last segment sent used all the window the congestion controller allowed.
    pub(super) cwnd_limited: bool,
}

impl SendSpace {
    /// Nothing sent yet from `iss`, with a buffer of `capacity` bytes.
    pub(crate) fn new(iss: SeqNumber, buf: SendBuffer, buffer_limits: BufferLimits) -> SendSpace {
        SendSpace {
            iss,
            una: iss,
            nxt: iss,
            max: iss,
            wnd: 0,
            max_wnd: 0,
            wl1: SeqNumber(0),
            wl2: iss,
            wscale: 0,
            buf,
            buf_seq: iss + 1,
            fin_queued: false,
            syn_acknowledged: false,
            fin_acked: false,
            write_blocked: false,
            buffer_limits,
            small_segment_end: None,
            cwnd_limited: false,
        }
    }
}

//! Where Linux departs from RFC 9293 in what it sends, and which of the two the engine
//! follows.

/// Linux's departures from RFC 9293 that the engine can follow or not. Each is on by
/// default (the engine behaves as Linux); off keeps the RFC's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Departures {
    /// In ESTABLISHED, a segment whose ACK acknowledges data never sent (SEG.ACK >
    /// SND.NXT) is dropped silently, as Linux's `tcp_ack` drops "ACK of unsent data"; off,
    /// it is answered with an ACK (RFC 9293 §3.10.7.4, RFC 5961 §5.2). In the other
    /// synchronized states both answer with an ACK.
    pub drop_ack_of_unsent_data: bool,
    /// Closing a listener drops its half-open (SYN_RECEIVED) connections silently and sends
    /// no more SYN-ACKs, as Linux's request sockets die with their listener; the peer's next
    /// segment then meets no connection and draws a bare RST. Off, each is reset at once
    /// (RFC 9293 §3.10.5, ABORT in SYN-RECEIVED). Completed connections waiting in the
    /// accept queue are reset at once either way.
    pub listener_close_drops_half_open: bool,
}

impl Default for Departures {
    fn default() -> Departures {
        Departures {
            drop_ack_of_unsent_data: true,
            listener_close_drops_half_open: true,
        }
    }
}

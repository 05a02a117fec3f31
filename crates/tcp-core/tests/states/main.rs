//! Per-state tests of the engine (design §5 layer 2): a fixture puts one connection in each of
//! the eleven states of RFC 9293 §3.3.2 with injected segments, and each `mod` checks the
//! transitions of RFC 9293 §3.10.7 for its state: RST with an exact and an inexact sequence
//! number, segments outside the window, SYN in a synchronized state (RFC 5961 §4), an ACK of
//! data never sent (RFC 5961 §5), data, FIN, and the timers that run in that state. States
//! are checked in their `Display` form through `sockets()`.
//!
//! One file per state; `common` holds the setup and assertions they all use, `checks` the
//! checks that go the same way in several states.

#[path = "../support/mod.rs"]
mod support;

mod checks;
mod common;

mod close_wait;
mod closed;
mod closing;
mod established;
mod fin_wait_1;
mod fin_wait_2;
mod last_ack;
mod listen;
mod syn_received;
mod syn_sent;
mod time_wait;

use common::{assert_state, setup};
use support::fixture::ALL_STATES;

#[test]
fn every_state_has_a_fixture_and_a_display_name() {
    let names: Vec<String> = ALL_STATES
        .iter()
        .map(|&state| {
            let (h, conn) = setup(state);
            assert_state(&h, &conn, &state.to_string());
            conn.state(&h)
        })
        .collect();
    assert_eq!(
        names,
        [
            "CLOSED",
            "LISTEN",
            "SYN_SENT",
            "SYN_RECV",
            "ESTABLISHED",
            "FIN_WAIT_1",
            "FIN_WAIT_2",
            "CLOSE_WAIT",
            "CLOSING",
            "LAST_ACK",
            "TIME_WAIT"
        ]
    );
}

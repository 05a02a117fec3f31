//! The stack the `tcp-packetdrill` binary tests: tcp-core's engine behind
//! [`StackUnderTest`].
//!
//! **Stub.** tcp-core's API is still moving, so this constructor does not build an engine
//! yet: it always returns the error `engine not wired yet`, and the binary reports every
//! script as `FAIL path: cannot start the stack: engine not wired yet`. Replacing the body of
//! [`new_sut`] (and adding `tcp-core` to this crate's dependencies) is all it takes to wire
//! the engine in; nothing else in the crate needs to change.
//!
//! What the replacement must provide, from the [`StackUnderTest`] contract:
//! - an endpoint whose own address is `config.local_ip`, configured from `profile` (Linux
//!   defaults or RFC choices) and, if it wishes, the script's flag lines (`script.options`:
//!   `--mss`, ...);
//! - `inject` -> `handle_segment(now, src, dst, bytes)`; `next_timer` -> `poll_timeout`;
//!   `advance` -> `handle_timeout(now)`; `take_outbound` -> drain `poll_transmit` into
//!   [`Outbound`](crate::sut::Outbound)s stamped with the `now` of the call that produced them;
//! - `syscall` -> the socket operations on an fd table of its own, answering
//!   [`CallStatus::Blocked`](crate::sut::CallStatus::Blocked) where a blocking socket would
//!   wait, and `poll_blocked` once an event has completed that call.

use crate::ast::Script;
use crate::config::{Profile, RunConfig};
use crate::sut::StackUnderTest;

/// A fresh stack under test for one script. Stub: always `Err("engine not wired yet")`.
pub fn new_sut(
    _profile: Profile,
    _script: &Script,
    _config: &RunConfig,
) -> Result<Box<dyn StackUnderTest>, String> {
    Err("engine not wired yet".to_string())
}

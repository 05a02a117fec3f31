//! A live view for operators: a [`Stack`](crate::Stack) can answer questions about its
//! socket table and counters on a Unix stream socket, the way the kernel answers `ss` and
//! `nstat` (the workspace's `tcp-ss` tool is the client).
//!
//! It is opt-in: [`Stack::serve_live_view`](crate::Stack::serve_live_view) creates the
//! socket at a path the application chooses and serves it from its own tokio task until
//! the returned [`LiveView`] is dropped. Each question is one connection: the client sends
//! one [`Request`] line, the server answers with [`Record`] lines and closes (the format is
//! in [`protocol`]). The answer is read from the stack as [`Stack::sockets_with_info`] and
//! [`Stack::counters`] read it, each shard's engine under its lock for the copy only, and
//! is written out after the locks are released, so a slow or stuck client never holds the
//! stack up.
//!
//! [`Stack::sockets_with_info`]: crate::Stack::sockets_with_info
//! [`Stack::counters`]: crate::Stack::counters

#[macro_use]
mod counters;
pub mod protocol;
mod server;

pub use protocol::{ProtocolError, Record, Request};
pub use server::LiveView;

//! A userspace TCP stack for tokio: [`Stack`] runs the sans-IO engine of `tcp-core` on a
//! network interface through an AF_PACKET socket, and [`TcpListener`], [`TcpStream`] and
//! [`TcpSocket`] offer it with the signatures of `tokio::net`'s. A program that made a stack
//! the default ([`Stack::make_default`]) ports by importing [`net`] instead of `tokio::net`;
//! one that runs several stacks names the stack with `bind_on`, `connect_on`, `new_v4_on`.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use tcp_tokio::{Stack, TcpListener};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let stack = Stack::builder().interface("veth0").ipv4("198.18.0.1/24").build().await?;
//! let listener = TcpListener::bind_on(&stack, "0.0.0.0:7").await?;
//! let (mut stream, _peer) = listener.accept().await?;
//! let mut buf = [0u8; 1024];
//! let n = stream.read(&mut buf).await?;
//! stream.write_all(&buf[..n]).await?;
//! # Ok(()) }
//! ```
//!
//! Two optional features bring in HTTP without adapter code. `axum`: `TcpListener`
//! implements `axum::serve::Listener`, so `axum::serve(listener, app)` serves on the stack.
//! `hyper`: `HttpConnector` opens the connections of hyper-util's legacy `Client` on the
//! stack, in place of hyper-util's `HttpConnector`.
//!
//! The layering: [`link`] moves whole Ethernet frames and knows nothing about their contents;
//! [`netlayer`] (Ethernet, ARP, IPv4, ICMP echo) turns frames into TCP segments and back
//! without doing any I/O or reading a clock; the driver task owns one of each and the engine,
//! and wakes the tasks using the API.

mod api;
#[cfg(feature = "axum")]
mod axum_listener;
#[cfg(feature = "hyper")]
mod hyper_connector;
pub mod link;
pub mod live_view;
pub mod net;
pub mod netlayer;
mod stack;

pub use api::{
    OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, TcpInfo, TcpListener, TcpSocket,
    TcpStream, WriteHalf,
};
#[cfg(feature = "hyper")]
pub use hyper_connector::HttpConnector;
pub use stack::{MAX_SHARDS, Stack, StackBuilder, StackCounters};
pub use tcp_core::{Config, ConnectionInfo, ConnectionStats, Keepalive, SocketInfo, State};

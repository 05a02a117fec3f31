//! `tokio::net`'s TCP types on this stack: porting a tokio program is replacing
//! `tokio::net` with `tcp_tokio::net` in its imports, after making a stack the default.
//!
//! [`TcpListener::bind`], [`TcpStream::connect`] and [`TcpSocket::new_v4`] have tokio's
//! signatures and use the stack set with [`Stack::make_default`] (they fail with
//! `NotFound` when none was). The types are the crate root's, so a program can also pick a
//! stack explicitly with [`TcpListener::bind_on`], [`TcpStream::connect_on`] and
//! [`TcpSocket::new_v4_on`]. Host names resolve through the system resolver, as with tokio;
//! the connections themselves go through the stack.
//!
//! Only TCP is here: UDP and Unix sockets stay with `tokio::net`.
//!
//! ```no_run
//! use tcp_tokio::Stack;
//! use tcp_tokio::net::{TcpListener, TcpStream};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # async fn example() -> std::io::Result<()> {
//! Stack::builder()
//!     .interface("veth0")
//!     .ipv4("198.18.0.1/24")
//!     .build()
//!     .await?
//!     .make_default();
//! let listener = TcpListener::bind("0.0.0.0:7").await?;
//! let mut client = TcpStream::connect("198.18.0.2:7").await?;
//! client.write_all(b"hello").await?;
//! let (mut accepted, _peer) = listener.accept().await?;
//! let mut buf = [0u8; 5];
//! accepted.read_exact(&mut buf).await?;
//! # Ok(()) }
//! ```

#[cfg(doc)]
use crate::Stack;
pub use crate::api::{TcpListener, TcpSocket, TcpStream};
/// tokio's trait for what `bind` and `connect` accept (addresses, `(ip, port)`, `"host:port"`).
pub use tokio::net::ToSocketAddrs;
/// tokio's: resolves names with the system resolver, not through the stack.
pub use tokio::net::lookup_host;

/// The split halves of a [`TcpStream`], where `tokio::net::tcp` has them.
pub mod tcp {
    pub use crate::api::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
}

//! The user API, shaped like `tokio::net`: [`TcpListener`], [`TcpStream`] (with its split
//! halves) and [`TcpSocket`].

mod call;
mod connection;
mod error;
mod family;
mod info;
mod listener;
mod ready;
mod resolve;
mod socket;
mod split;
mod stream;
mod stream_io;
mod transfer;
mod ttl;

pub use info::TcpInfo;
pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;

//! The Linux kernel's side of the bulk and memory figures, through blocking `std::net`
//! sockets on the calling thread, which has entered the right namespace. (The figures of
//! request/response run the same tokio code on the kernel and on this stack:
//! [`kernel_tokio`](crate::kernel_tokio).)

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use crate::congestion;
#[cfg(doc)]
use crate::figures::Work;
use crate::figures::{CHUNK, Meter, STALL, Transfer};
use crate::recovery::Recovery;
use crate::session::Session;

/// Listen backlog: the namespace's default `somaxconn`, so connection bursts queue.
const BACKLOG: i32 = 4096;

/// A listener on `addr` whose `accept` gives up after [`STALL`] (`SO_RCVTIMEO` applies to
/// accept on Linux), so a failed client cannot leave the server waiting forever.
pub(crate) fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    congestion::apply(&socket)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_read_timeout(Some(STALL))?;
    Ok(socket.into())
}

/// The server's side of [`Work::Bulk`]: reads `repeats` connections on `listener` in
/// turn, each to end-of-file.
pub(crate) fn serve_bulk(listener: &TcpListener, repeats: usize) -> io::Result<()> {
    for _ in 0..repeats {
        drain(&mut accept(listener)?)?;
    }
    Ok(())
}

/// The client's side of [`Work::Bulk`]: `repeats` transfers to `addr` in turn, each
/// sending for `duration`.
pub(crate) fn send_each(
    addr: SocketAddr,
    duration: Duration,
    repeats: usize,
) -> io::Result<Vec<Transfer>> {
    (0..repeats).map(|_| send_for(addr, duration)).collect()
}

/// Accepts `count` connections and holds them (counting each in `session`) until the
/// client is done.
pub(crate) fn hold(listener: &TcpListener, count: usize, session: &Session) -> io::Result<()> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        held.push(accept(listener)?);
        session.count_accepted();
    }
    session.wait_client();
    Ok(())
}

/// Opens `count` connections to `addr`, one after another, and returns them.
pub(crate) fn open(addr: SocketAddr, count: usize) -> io::Result<Vec<TcpStream>> {
    (0..count).map(|_| TcpStream::connect(addr)).collect()
}

/// Connects, with reads and writes that give up after [`STALL`] without progress.
fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    congestion::apply(&socket)?;
    socket.connect(&addr.into())?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(STALL))?;
    stream.set_write_timeout(Some(STALL))?;
    Ok(stream)
}

/// Accepts one connection, with reads that give up after [`STALL`].
fn accept(listener: &TcpListener) -> io::Result<TcpStream> {
    let (stream, _) = listener.accept()?;
    stream.set_read_timeout(Some(STALL))?;
    Ok(stream)
}

/// Sends for `duration`, half-closes, and waits for the receiver's close, which it sends
/// only after reading everything. The sender's loss-recovery counters are its namespace's
/// (the calling thread's), where this is the only connection sending data.
fn send_for(addr: SocketAddr, duration: Duration) -> io::Result<Transfer> {
    let mut stream = connect(addr)?;
    let data = vec![0x5a; CHUNK];
    let before = Recovery::kernel()?;
    let meter = Meter::start()?;
    let mut sent = 0;
    while meter.elapsed() < duration {
        stream.write_all(&data).map_err(stalled)?;
        sent += CHUNK as u64;
    }
    stream.shutdown(Shutdown::Write)?;
    drain(&mut stream).map_err(stalled)?;
    let transfer = meter.finish(sent)?;
    Ok(transfer.with_recovery(Recovery::kernel()?.since(before)))
}

/// A socket timeout (`EAGAIN` after [`STALL`] without progress) said as a stall.
fn stalled(error: io::Error) -> io::Error {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!("stalled: no progress for {STALL:?}"),
        ),
        _ => error,
    }
}

/// Reads until end-of-file.
fn drain(stream: &mut TcpStream) -> io::Result<()> {
    let mut buf = vec![0; CHUNK];
    while stream.read(&mut buf)? != 0 {}
    Ok(())
}

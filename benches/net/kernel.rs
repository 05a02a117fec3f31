//! The Linux kernel's side of every figure, through blocking `std::net` sockets on the
//! calling thread, which has entered the right namespace.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use crate::congestion;
use crate::figures::{
    CHUNK, CONNECTIONS, MESSAGE, Meter, Outcome, ROUND_TRIPS, STALL, Transfer, WARMUP_ROUND_TRIPS,
    Work,
};
use crate::recovery::Recovery;
use crate::session::Session;

/// Listen backlog: the namespace's default `somaxconn`, so connection bursts queue.
const BACKLOG: i32 = 4096;

/// A listener on `addr` whose `accept` gives up after [`STALL`] (`SO_RCVTIMEO` applies to
/// accept on Linux), so a failed client cannot leave the server waiting forever.
pub(crate) fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    congestion::apply(&socket)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_read_timeout(Some(STALL))?;
    Ok(socket.into())
}

/// The server's side of `work` on `listener`.
pub(crate) fn serve(listener: &TcpListener, work: Work) -> io::Result<()> {
    for _ in 0..work.connections() {
        let mut stream = accept(listener)?;
        match work {
            Work::Bulk { .. } => drain(&mut stream)?,
            Work::RoundTrips => echo(&mut stream)?,
            Work::Connections => {
                let mut byte = [0];
                stream.read_exact(&mut byte)?;
                stream.write_all(&byte)?;
                while stream.read(&mut byte)? != 0 {}
            }
        }
    }
    Ok(())
}

/// The client's side of `work` against `addr`.
pub(crate) fn run(addr: SocketAddr, work: Work) -> io::Result<Outcome> {
    match work {
        Work::Bulk { duration, repeats } => (0..repeats)
            .map(|_| send_for(addr, duration))
            .collect::<io::Result<_>>()
            .map(Outcome::Transfers),
        Work::RoundTrips => round_trips(addr).map(Outcome::RoundTrips),
        Work::Connections => {
            let start = Instant::now();
            for _ in 0..CONNECTIONS {
                let mut stream = connect(addr)?;
                let mut byte = [1];
                stream.write_all(&byte)?;
                stream.read_exact(&mut byte)?;
            }
            Ok(Outcome::Connections {
                count: CONNECTIONS,
                elapsed: start.elapsed(),
            })
        }
    }
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
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
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

/// Echoes messages until end-of-file.
fn echo(stream: &mut TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut message = [0; MESSAGE];
    loop {
        match stream.read_exact(&mut message) {
            Ok(()) => stream.write_all(&message)?,
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(error) => return Err(error),
        }
    }
}

/// Times request/response exchanges of [`MESSAGE`] bytes.
fn round_trips(addr: SocketAddr) -> io::Result<Vec<Duration>> {
    let mut stream = connect(addr)?;
    stream.set_nodelay(true)?;
    let mut message = [0x5a; MESSAGE];
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..WARMUP_ROUND_TRIPS + ROUND_TRIPS {
        let start = Instant::now();
        stream.write_all(&message)?;
        stream.read_exact(&mut message)?;
        if i >= WARMUP_ROUND_TRIPS {
            samples.push(start.elapsed());
        }
    }
    Ok(samples)
}

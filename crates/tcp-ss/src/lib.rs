//! `tcp-ss`: `ss` and `nstat` for a [`tcp_tokio`] stack. The stack serves its socket table
//! and counters on a Unix socket ([`tcp_tokio::Stack::serve_live_view`]); this crate asks
//! it ([`query`]), filters the sockets as `ss` does ([`filter`]) and prints them as `ss
//! -tan`/`-tani` and `nstat` print ([`format`](mod@format)). The binary's command line is in [`args`].

pub mod args;
pub mod filter;
pub mod format;

use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;
use tcp_tokio::live_view::{Record, Request};

/// How long the live view may take to answer before [`query`] gives up.
const PATIENCE: Duration = Duration::from_secs(10);

/// Asks the live view served at `socket` for `request` and returns its records, in order.
/// An error when the socket cannot be reached, the answer takes longer than 10 s, a line
/// is not a record (`InvalidData`), or the server answered with an error record (`Other`,
/// with its message).
pub fn query(socket: &Path, request: Request) -> io::Result<Vec<Record>> {
    let mut stream = UnixStream::connect(socket)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", socket.display())))?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    stream.write_all(format!("{request}\n").as_bytes())?;
    let mut records = Vec::new();
    for line in BufReader::new(stream).lines() {
        let record = Record::parse(&line?)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
        if let Record::Error(message) = record {
            return Err(io::Error::other(format!("the live view says: {message}")));
        }
        records.push(record);
    }
    Ok(records)
}

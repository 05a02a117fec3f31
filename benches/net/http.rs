//! A small hand-written HTTP/1.1 server connection for the `http` figure: every request
//! head (request line and headers, up to the blank line) gets the same `200 OK` with a
//! short body; the connection stays open for the next request unless the client asked
//! otherwise. Pipelined requests are answered in order, with one write per batch read.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The answer to every request on a connection that stays open.
const KEEP_ALIVE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
/// The answer to a request after which the connection closes.
const CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\
Connection: close\r\n\r\nHello, world!";
/// The end of a request head.
const HEAD_END: &[u8] = b"\r\n\r\n";
/// The longest request head accepted, and the most read at once.
const MAX_HEAD: usize = 8192;

/// Answers requests on `stream` until the client closes it or asks to close it. A
/// malformed head, one longer than [`MAX_HEAD`], or a request with a body ends the
/// connection with `InvalidData`.
pub(crate) async fn respond<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> io::Result<()> {
    let mut buf = Vec::with_capacity(MAX_HEAD);
    let mut out = Vec::new();
    loop {
        let mut consumed = 0;
        let mut close = false;
        while let Some(end) = find(&buf[consumed..], HEAD_END) {
            let head = &buf[consumed..consumed + end];
            consumed += end + HEAD_END.len();
            close = !keep_alive(head)?;
            out.extend_from_slice(if close { CLOSE } else { KEEP_ALIVE });
            if close {
                break;
            }
        }
        buf.drain(..consumed);
        if !out.is_empty() {
            stream.write_all(&out).await?;
            out.clear();
        }
        if close {
            return Ok(());
        }
        if buf.len() >= MAX_HEAD {
            return Err(invalid("request head too long"));
        }
        buf.reserve(MAX_HEAD - buf.len());
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
    }
}

/// Whether the connection stays open after the request with this head (without its final
/// blank line): HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
/// `Connection: keep-alive`.
fn keep_alive(head: &[u8]) -> io::Result<bool> {
    let head = std::str::from_utf8(head).map_err(|_| invalid("request head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(_method), Some(_target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("malformed request line"));
    };
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(invalid("not HTTP/1.0 or HTTP/1.1")),
    };
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid("malformed header"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            for option in value.split(',').map(str::trim) {
                if option.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if option.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("content-length") && value != "0")
        {
            return Err(invalid("requests with a body are not served"));
        }
    }
    Ok(keep_alive)
}

/// Where `needle` first starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// An `InvalidData` error saying `what`.
fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

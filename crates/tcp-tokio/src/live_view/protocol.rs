//! The live view's wire format: the client sends one request line, the server answers with
//! one record per line and closes the connection. ASCII text, fields separated by one
//! space:
//!
//! ```text
//! request = "sockets" | "sockets info" | "counters"
//! socket  = "socket" SP state SP recv-q SP send-q SP local SP peer *(SP field "=" value)
//! counter = "counter" SP name SP value
//! error   = "error" SP message
//! ```
//!
//! `state` is netstat's name (`LISTEN`, `ESTABLISHED`, `TIME_WAIT`, ...), addresses are
//! `ip:port`. Asked for `info`, a connection's line carries every field of
//! [`ConnectionInfo`] and [`ConnectionStats`] under its Rust name (durations in
//! microseconds, `-` for an RTT not yet measured, flags `0`/`1`, window scales
//! `ours,peers`); listeners and TIME_WAIT records carry none. Counters are named
//! `group.field` after [`StackCounters`](crate::StackCounters)' fields.

use crate::api::TcpInfo;
use core::fmt::{self, Write as _};
use core::time::Duration;
use std::net::SocketAddr;
use tcp_core::{ConnectionInfo, ConnectionStats, SocketInfo, State};

/// What a client asks the live view for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// The socket table; with `info`, each connection's transmission state and counters.
    Sockets {
        /// Add each connection's [`TcpInfo`].
        info: bool,
    },
    /// The stack's counters, summed over its shards.
    Counters,
}

impl Request {
    /// The request a line names (without its line end); an error for anything else.
    pub fn parse(line: &str) -> Result<Request, ProtocolError> {
        match line {
            "sockets" => Ok(Request::Sockets { info: false }),
            "sockets info" => Ok(Request::Sockets { info: true }),
            "counters" => Ok(Request::Counters),
            other => Err(ProtocolError::new("unknown request", other)),
        }
    }
}

impl fmt::Display for Request {
    /// The request's line, without its line end.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Request::Sockets { info: false } => "sockets",
            Request::Sockets { info: true } => "sockets info",
            Request::Counters => "counters",
        })
    }
}

/// One line of the live view's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A row of the socket table, with the connection's details when asked for and known.
    Socket {
        /// State, queues and addresses.
        socket: SocketInfo,
        /// The connection's transmission state and counters (`None` for listeners,
        /// TIME_WAIT records, and when not asked for); boxed, as it is most of the record.
        info: Option<Box<TcpInfo>>,
    },
    /// One counter.
    Counter {
        /// `group.field`, such as `tcp.segments_in`.
        name: String,
        /// Its value.
        value: u64,
    },
    /// The server could not answer the request.
    Error(String),
}

impl Record {
    /// The record a line holds (without its line end); an error naming what is wrong when
    /// the line is not one. Never panics, whatever the line.
    pub fn parse(line: &str) -> Result<Record, ProtocolError> {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        match kind {
            "socket" => parse_socket(rest),
            "counter" => {
                let (name, value) = rest
                    .split_once(' ')
                    .ok_or_else(|| ProtocolError::new("a counter without a value", line))?;
                let value = value.parse().map_err(|_| {
                    ProtocolError::new("a counter value that is not a number", line)
                })?;
                Ok(Record::Counter {
                    name: name.to_string(),
                    value,
                })
            }
            "error" => Ok(Record::Error(rest.to_string())),
            _ => Err(ProtocolError::new("unknown record", line)),
        }
    }
}

impl fmt::Display for Record {
    /// The record's line, without its line end.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Record::Socket { socket, info } => {
                write!(
                    f,
                    "socket {} {} {} {} {}",
                    socket.state, socket.recv_q, socket.send_q, socket.local, socket.remote
                )?;
                if let Some(info) = info {
                    let mut fields = String::new();
                    info.transmission.encode(&mut fields);
                    info.counters.encode(&mut fields);
                    f.write_str(&fields)?;
                }
                Ok(())
            }
            Record::Counter { name, value } => write!(f, "counter {name} {value}"),
            Record::Error(message) => write!(f, "error {message}"),
        }
    }
}

/// A line that is not what the protocol allows there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    message: String,
}

impl ProtocolError {
    fn new(what: &str, line: &str) -> ProtocolError {
        let shown: String = line.chars().take(120).collect();
        ProtocolError {
            message: format!("{what}: {shown:?}"),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProtocolError {}

/// The rest of a `socket` line, after its kind.
fn parse_socket(rest: &str) -> Result<Record, ProtocolError> {
    let bad = |what: &str| ProtocolError::new(what, rest);
    let mut words = rest.split(' ');
    let mut next = |what: &str| words.next().ok_or_else(|| bad(what));
    let state =
        parse_state(next("a socket without a state")?).ok_or_else(|| bad("an unknown state"))?;
    let recv_q = next("a socket without Recv-Q")?
        .parse()
        .map_err(|_| bad("a Recv-Q that is not a number"))?;
    let send_q = next("a socket without Send-Q")?
        .parse()
        .map_err(|_| bad("a Send-Q that is not a number"))?;
    let local: SocketAddr = next("a socket without a local address")?
        .parse()
        .map_err(|_| bad("a local address that is not ip:port"))?;
    let remote: SocketAddr = next("a socket without a peer address")?
        .parse()
        .map_err(|_| bad("a peer address that is not ip:port"))?;
    let fields: Vec<(&str, &str)> = words
        .map(|word| {
            word.split_once('=')
                .ok_or_else(|| bad("a field without '='"))
        })
        .collect::<Result<_, _>>()?;
    let info = if fields.is_empty() {
        None
    } else {
        let get = |name: &str| fields.iter().find(|(key, _)| *key == name).map(|f| f.1);
        let transmission =
            ConnectionInfo::decode(&get).ok_or_else(|| bad("missing or bad info fields"))?;
        let counters =
            ConnectionStats::decode(&get).ok_or_else(|| bad("missing or bad counter fields"))?;
        Some(Box::new(TcpInfo {
            transmission,
            counters,
        }))
    };
    Ok(Record::Socket {
        socket: SocketInfo {
            recv_q,
            send_q,
            local,
            remote,
            state,
        },
        info,
    })
}

/// The state netstat calls `name`.
fn parse_state(name: &str) -> Option<State> {
    [
        State::Closed,
        State::Listen,
        State::SynSent,
        State::SynReceived,
        State::Established,
        State::FinWait1,
        State::FinWait2,
        State::CloseWait,
        State::Closing,
        State::LastAck,
        State::TimeWait,
    ]
    .into_iter()
    .find(|state| state.name() == name)
}

/// One field's value as text and back.
trait Value: Sized {
    fn encode(&self, out: &mut String);
    fn decode(text: &str) -> Option<Self>;
}

macro_rules! number_value {
    ($($type:ty),*) => {$(
        impl Value for $type {
            fn encode(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
            fn decode(text: &str) -> Option<$type> {
                text.parse().ok()
            }
        }
    )*};
}

number_value!(u32, u64, usize);

impl Value for bool {
    fn encode(&self, out: &mut String) {
        out.push(if *self { '1' } else { '0' });
    }
    fn decode(text: &str) -> Option<bool> {
        match text {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }
    }
}

impl Value for Duration {
    fn encode(&self, out: &mut String) {
        let _ = write!(out, "{}", self.as_micros());
    }
    fn decode(text: &str) -> Option<Duration> {
        text.parse().ok().map(Duration::from_micros)
    }
}

impl Value for Option<Duration> {
    fn encode(&self, out: &mut String) {
        match self {
            Some(duration) => duration.encode(out),
            None => out.push('-'),
        }
    }
    fn decode(text: &str) -> Option<Option<Duration>> {
        match text {
            "-" => Some(None),
            _ => Duration::decode(text).map(Some),
        }
    }
}

impl Value for (u8, u8) {
    fn encode(&self, out: &mut String) {
        let _ = write!(out, "{},{}", self.0, self.1);
    }
    fn decode(text: &str) -> Option<(u8, u8)> {
        let (ours, peers) = text.split_once(',')?;
        Some((ours.parse().ok()?, peers.parse().ok()?))
    }
}

impl Value for State {
    fn encode(&self, out: &mut String) {
        out.push_str(self.name());
    }
    fn decode(text: &str) -> Option<State> {
        parse_state(text)
    }
}

/// A struct as ` field=value` pairs and back, every field by its name.
trait Fields: Sized {
    fn encode(&self, out: &mut String);
    fn decode<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Option<Self>;
}

/// Implements [`Fields`] for a struct by naming all its fields: destructuring and building
/// it without `..` makes a field added later a compile error here until it is listed.
macro_rules! fields {
    ($type:ident { $($field:ident),* $(,)? }) => {
        impl Fields for $type {
            fn encode(&self, out: &mut String) {
                let $type { $($field),* } = self;
                $(
                    out.push(' ');
                    out.push_str(stringify!($field));
                    out.push('=');
                    $field.encode(out);
                )*
            }
            fn decode<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Option<$type> {
                Some($type {
                    $($field: Value::decode(get(stringify!($field))?)?,)*
                })
            }
        }
    };
}

fields!(ConnectionInfo {
    state,
    rtt,
    rtt_variation,
    rto,
    send_mss,
    congestion_window,
    slow_start_threshold,
    send_window,
    receive_window,
    unacknowledged,
    sacked,
    send_buffer,
    receive_buffer,
    window_scales,
    timestamps,
    sack,
    ecn,
});

with_connection_stats_fields!(fields);

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> TcpInfo {
        TcpInfo {
            transmission: ConnectionInfo {
                state: State::Established,
                rtt: Some(Duration::from_micros(1250)),
                rtt_variation: Duration::from_micros(600),
                rto: Duration::from_millis(201),
                send_mss: 1448,
                congestion_window: 14480,
                slow_start_threshold: u32::MAX,
                send_window: 65535,
                receive_window: 64240,
                unacknowledged: 0,
                sacked: 0,
                send_buffer: 16384,
                receive_buffer: 131072,
                window_scales: (7, 9),
                timestamps: true,
                sack: true,
                ecn: false,
            },
            counters: ConnectionStats {
                segments_in: 5,
                segments_out: 6,
                bytes_acked: 101,
                bytes_received: 99,
                retransmits: 2,
                ..ConnectionStats::default()
            },
        }
    }

    fn socket(state: State) -> SocketInfo {
        SocketInfo {
            recv_q: 3,
            send_q: 4,
            local: "198.18.0.1:80".parse().unwrap(),
            remote: "198.18.0.2:40000".parse().unwrap(),
            state,
        }
    }

    #[test]
    fn records_survive_the_round_trip() {
        let records = [
            Record::Socket {
                socket: socket(State::Established),
                info: Some(Box::new(info())),
            },
            Record::Socket {
                socket: socket(State::TimeWait),
                info: None,
            },
            Record::Counter {
                name: "tcp.segments_in".into(),
                value: u64::MAX,
            },
            Record::Error("unknown request: \"x\"".into()),
        ];
        for record in records {
            let line = record.to_string();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(Record::parse(&line), Ok(record), "{line}");
        }
        let mut unmeasured = info();
        unmeasured.transmission.rtt = None;
        let record = Record::Socket {
            socket: socket(State::SynSent),
            info: Some(Box::new(unmeasured)),
        };
        assert_eq!(Record::parse(&record.to_string()), Ok(record));
    }

    #[test]
    fn requests_survive_the_round_trip() {
        for request in [
            Request::Sockets { info: false },
            Request::Sockets { info: true },
            Request::Counters,
        ] {
            assert_eq!(Request::parse(&request.to_string()), Ok(request));
        }
        assert!(Request::parse("sockets  info").is_err());
        assert!(Request::parse("").is_err());
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        let full = Record::Socket {
            socket: socket(State::Established),
            info: Some(Box::new(info())),
        }
        .to_string();
        for line in [
            "",
            "socket",
            "socket ESTABLISHED",
            "socket NOPE 0 0 1.2.3.4:5 6.7.8.9:10",
            "socket LISTEN x 0 1.2.3.4:5 0.0.0.0:0",
            "socket LISTEN 0 0 1.2.3.4 0.0.0.0:0",
            "socket ESTABLISHED 0 0 1.2.3.4:5 6.7.8.9:10 rtt",
            "socket ESTABLISHED 0 0 1.2.3.4:5 6.7.8.9:10 rtt=5",
            "counter tcp.segments_in",
            "counter tcp.segments_in -1",
            "stray words",
            "socket \u{fffd}\u{0} 0 0",
        ] {
            assert!(Record::parse(line).is_err(), "{line:?} parsed");
        }
        for cut in 0..full.len() {
            if full.is_char_boundary(cut) {
                let _ = Record::parse(&full[..cut]);
            }
        }
    }
}

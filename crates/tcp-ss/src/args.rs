//! The command line of `tcp-ss`: `ss`'s flags and filter words, and `nstat`'s counters.

use crate::filter::{Filter, PortCondition, Side, States};
use std::fmt;
use std::path::PathBuf;
use tcp_tokio::State;

/// The environment variable that names the socket when `--socket` is not given.
pub const SOCKET_ENV: &str = "TCP_SS_SOCKET";

/// What `--help` prints.
pub const USAGE: &str = "\
tcp-ss: ss and nstat for a tcp-tokio stack, read from the live view it serves
(Stack::serve_live_view) on a Unix socket.

Usage: tcp-ss [-S PATH] [-altnieH] [FILTER...]     sockets, like ss -tan
       tcp-ss [-S PATH] -s [-zH]                    counters, like nstat

Options:
  -S, --socket PATH   the live view's socket (default: $TCP_SS_SOCKET)
  -a, --all           every socket (default: connected ones, without
                      listeners, SYN-RECV and TIME-WAIT, as ss)
  -l, --listening     listening sockets only
  -i, --info          a second line per connection: ts sack ecn wscale rto
                      rtt/rttvar (ms) mss cwnd ssthresh (segments) bytes_sent
                      bytes_acked bytes_received segs_out segs_in unacked
                      retrans timeouts snd_wnd rcv_wnd
  -e, --extended      the same as -i
  -n, --numeric       accepted for ss's sake: addresses are always numeric
  -t, --tcp           accepted for ss's sake: every socket is TCP
  -H, --no-header     no header line
  -s, --counters      the stack's counters as `name value` lines, like nstat
                      (tcp.* engine, net.* network layer, connections.* every
                      connection's summed); only non-zero ones unless -z
  -z, --zeros         with -s, zero counters too
  -h, --help          this text

Filter (ss's syntax; every condition must hold):
  state STATE         only sockets in STATE; repeat for several. STATE is one
                      of established syn-sent syn-recv fin-wait-1 fin-wait-2
                      time-wait closed close-wait last-ack listening closing,
                      or a group: all connected synchronized bucket big
  sport = :PORT       our port is PORT (also ==, eq; != or ne for is not)
  dport = :PORT       the peer's port is PORT (same operators)

Examples:
  tcp-ss -S /run/app/tcp.sock -tan
  tcp-ss -S /run/app/tcp.sock -ti state established sport = :80
  tcp-ss -S /run/app/tcp.sock -s
";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print [`USAGE`].
    Help,
    /// Print the socket table.
    Sockets(SocketsOptions),
    /// Print the counters.
    Counters(CountersOptions),
}

/// The socket table's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketsOptions {
    /// The live view's socket.
    pub socket: PathBuf,
    /// Which sockets to show.
    pub filter: Filter,
    /// A second line of details per connection.
    pub info: bool,
    /// A header line first.
    pub header: bool,
}

/// The counters' options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountersOptions {
    /// The live view's socket.
    pub socket: PathBuf,
    /// Zero counters too.
    pub zeros: bool,
    /// A header line first.
    pub header: bool,
}

/// A command line `tcp-ss` does not take, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Reads the command line `args` (without the program name); `env_socket` is the value of
/// [`SOCKET_ENV`], if set.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    env_socket: Option<PathBuf>,
) -> Result<Command, UsageError> {
    let args: Vec<String> = args.into_iter().collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        return Ok(Command::Help);
    }
    let mut flags = Flags::default();
    let mut socket = None;
    let mut words = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-S" | "--socket" => {
                let path = args
                    .next()
                    .ok_or_else(|| UsageError(format!("{arg} needs a path")))?;
                socket = Some(PathBuf::from(path));
            }
            long if long.starts_with("--") => flags.long(long)?,
            short if short.starts_with('-') && short.len() > 1 => {
                for letter in short.chars().skip(1) {
                    flags.short(letter)?;
                }
            }
            _ => words.push(arg),
        }
    }
    let socket = socket.or(env_socket).ok_or_else(|| {
        UsageError(format!(
            "which stack? give --socket PATH or set {SOCKET_ENV} (--help for more)"
        ))
    })?;
    if flags.counters {
        if !words.is_empty() {
            return Err(UsageError("--counters takes no filter".to_string()));
        }
        return Ok(Command::Counters(CountersOptions {
            socket,
            zeros: flags.zeros,
            header: flags.header,
        }));
    }
    let mut filter = parse_filter(&words)?;
    if filter.states == States::NONE {
        filter.states = if flags.listening {
            States::NONE.with(State::Listen)
        } else if flags.all {
            States::all()
        } else {
            States::default_view()
        };
    }
    Ok(Command::Sockets(SocketsOptions {
        socket,
        filter,
        info: flags.info,
        header: flags.header,
    }))
}

/// The flags seen so far.
#[derive(Debug)]
struct Flags {
    all: bool,
    listening: bool,
    info: bool,
    header: bool,
    counters: bool,
    zeros: bool,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags {
            all: false,
            listening: false,
            info: false,
            header: true,
            counters: false,
            zeros: false,
        }
    }
}

impl Flags {
    fn short(&mut self, letter: char) -> Result<(), UsageError> {
        match letter {
            'a' => self.all = true,
            'l' => self.listening = true,
            'i' | 'e' => self.info = true,
            'n' | 't' => {}
            'H' => self.header = false,
            's' => self.counters = true,
            'z' => self.zeros = true,
            other => {
                return Err(UsageError(format!(
                    "-{other} is not a tcp-ss option (--help lists them)"
                )));
            }
        }
        Ok(())
    }

    fn long(&mut self, flag: &str) -> Result<(), UsageError> {
        let letter = match flag {
            "--all" => 'a',
            "--listening" => 'l',
            "--info" => 'i',
            "--extended" => 'e',
            "--numeric" => 'n',
            "--tcp" => 't',
            "--no-header" => 'H',
            "--counters" => 's',
            "--zeros" => 'z',
            other => {
                return Err(UsageError(format!(
                    "{other} is not a tcp-ss option (--help lists them)"
                )));
            }
        };
        self.short(letter)
    }
}

/// The filter `words` spell (`state NAME`, `sport = :PORT`, `dport = :PORT`); states
/// [`States::NONE`] when no `state` clause names any.
fn parse_filter(words: &[String]) -> Result<Filter, UsageError> {
    let mut filter = Filter {
        states: States::NONE,
        ports: Vec::new(),
    };
    let mut words = words.iter().map(String::as_str).peekable();
    while let Some(word) = words.next() {
        match word {
            "state" => {
                let name = words
                    .next()
                    .ok_or_else(|| UsageError("state needs a state name".to_string()))?;
                let states = States::named(name).ok_or_else(|| {
                    UsageError(format!("{name:?} is not a state (--help lists them)"))
                })?;
                filter.states = filter.states.union(states);
            }
            "sport" | "dport" => {
                let side = if word == "sport" {
                    Side::Local
                } else {
                    Side::Peer
                };
                let equal = match words.peek().copied() {
                    Some("=" | "==" | "eq") => {
                        words.next();
                        true
                    }
                    Some("!=" | "ne" | "neq") => {
                        words.next();
                        false
                    }
                    _ => true,
                };
                let operand = words
                    .next()
                    .ok_or_else(|| UsageError(format!("{word} needs a port, as :80")))?;
                let port = operand
                    .strip_prefix(':')
                    .unwrap_or(operand)
                    .parse()
                    .map_err(|_| UsageError(format!("{operand:?} is not a port, as :80")))?;
                filter.ports.push(PortCondition { side, port, equal });
            }
            other => {
                return Err(UsageError(format!(
                    "{other:?} is not a filter word (state, sport, dport)"
                )));
            }
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<Command, UsageError> {
        parse(
            line.split_whitespace().map(str::to_string),
            Some(PathBuf::from("/env.sock")),
        )
    }

    fn sockets(line: &str) -> SocketsOptions {
        match run(line) {
            Ok(Command::Sockets(options)) => options,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn ss_flags_and_filters() {
        let options = sockets("-S /s.sock -tani");
        assert_eq!(options.socket, PathBuf::from("/s.sock"));
        assert_eq!(options.filter.states, States::all());
        assert!(options.info && options.header);
        let options = sockets("-ltnH");
        assert_eq!(options.socket, PathBuf::from("/env.sock"));
        assert_eq!(options.filter.states, States::NONE.with(State::Listen));
        assert!(!options.header && !options.info);
        assert_eq!(sockets("").filter, Filter::default());
        let options = sockets("-e state established state time-wait sport = :80 dport != 4000");
        assert_eq!(
            options.filter.states,
            States::NONE.with(State::Established).with(State::TimeWait)
        );
        assert_eq!(
            options.filter.ports,
            [
                PortCondition {
                    side: Side::Local,
                    port: 80,
                    equal: true
                },
                PortCondition {
                    side: Side::Peer,
                    port: 4000,
                    equal: false
                },
            ]
        );
    }

    #[test]
    fn counters_help_and_mistakes() {
        assert_eq!(run("-x --help"), Ok(Command::Help), "help wins");
        assert_eq!(
            run("--counters -z"),
            Ok(Command::Counters(CountersOptions {
                socket: PathBuf::from("/env.sock"),
                zeros: true,
                header: true,
            }))
        );
        for bad in [
            "-p",
            "--process",
            "state",
            "state nope",
            "sport = :http",
            "sport =",
            "dport = :70000",
            "established",
            "-s state established",
            "-S",
        ] {
            assert!(run(bad).is_err(), "{bad} was taken");
        }
        let unnamed = parse(Vec::<String>::new(), None);
        assert!(unnamed.is_err(), "no socket, no stack");
    }
}

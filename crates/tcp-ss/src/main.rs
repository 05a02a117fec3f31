//! `tcp-ss`: prints a tcp-tokio stack's sockets like `ss -tan` (or counters like `nstat`),
//! read from the live view the stack serves. `tcp-ss --help` says how.

use std::path::PathBuf;
use std::process::ExitCode;
use tcp_ss::args::{self, Command, CountersOptions, SocketsOptions};
use tcp_ss::{format, query};
use tcp_tokio::live_view::{Record, Request};

fn main() -> ExitCode {
    let env_socket = std::env::var_os(args::SOCKET_ENV).map(PathBuf::from);
    let command = match args::parse(std::env::args().skip(1), env_socket) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("tcp-ss: {error}");
            return ExitCode::from(2);
        }
    };
    let printed = match command {
        Command::Help => Ok(args::USAGE.to_string()),
        Command::Sockets(options) => sockets(&options),
        Command::Counters(options) => counters(&options),
    };
    match printed {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tcp-ss: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The socket table `options` ask for.
fn sockets(options: &SocketsOptions) -> std::io::Result<String> {
    let records = query(&options.socket, Request::Sockets { info: options.info })?;
    let rows: Vec<_> = records
        .into_iter()
        .filter_map(|record| match record {
            Record::Socket { socket, info } => Some((socket, info.map(|info| *info))),
            _ => None,
        })
        .filter(|(socket, _)| options.filter.admits(socket))
        .collect();
    Ok(format::sockets(&rows, options.header, options.info))
}

/// The counters `options` ask for.
fn counters(options: &CountersOptions) -> std::io::Result<String> {
    let records = query(&options.socket, Request::Counters)?;
    let rows: Vec<(String, u64)> = records
        .into_iter()
        .filter_map(|record| match record {
            Record::Counter { name, value } => Some((name, value)),
            _ => None,
        })
        .collect();
    Ok(format::counters(&rows, options.header, options.zeros))
}

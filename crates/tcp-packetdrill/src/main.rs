//! `tcp-packetdrill [--profile linux|rfc] [packetdrill's options] PATH...`
//!
//! Runs every script named (directories searched recursively for `.pkt` files) against the
//! stack from [`engine_sut::new_sut`], prints `PASS path`, `FAIL path:line: ...` or
//! `SKIP path: reason` for each, then `N passed, N failed, N skipped`. Exits 0 only if none
//! failed; 2 on a bad command line.

use std::process::ExitCode;
use std::sync::Arc;
use tcp_packetdrill::cli::{Command, USAGE, parse_args};
use tcp_packetdrill::engine_sut;
use tcp_packetdrill::report::{MakeStack, ScriptReport, Tally, run_file};
use tcp_packetdrill::walk::find_scripts;

fn main() -> ExitCode {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("tcp-packetdrill: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = args.run_config();
    let profile = args.profile;
    let make_stack: MakeStack =
        Arc::new(move |script: &_, config: &_| engine_sut::new_sut(profile, script, config));
    let mut tally = Tally::default();
    for found in find_scripts(&args.paths) {
        let report = match found {
            Ok(path) => run_file(&path, &config, &make_stack),
            Err((path, error)) => ScriptReport::unreadable(&path, &error),
        };
        println!("{}", report.line);
        tally.add(report.status);
    }
    println!("{tally}");
    if tally.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

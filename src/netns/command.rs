//! Running iproute2's `ip` with errors that say what was attempted.

use std::io;
use std::process::{Command, Output};

/// Runs `program args...` and returns its output when it exits with success; otherwise an
/// error quoting the command line and what it printed on stderr.
pub(super) fn run(program: &str, args: &[&str]) -> io::Result<Output> {
    let line = || format!("{program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("running `{}`: {e}", line())))?;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "`{}` failed ({}): {}",
            line(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output)
}

/// Runs `ip args...`.
pub(super) fn ip(args: &[&str]) -> io::Result<Output> {
    run("ip", args)
}

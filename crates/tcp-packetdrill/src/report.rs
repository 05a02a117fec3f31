//! One line per script (`PASS path`, `FAIL path:line: ...`, `SKIP path: reason`) and the
//! closing `N passed, N failed, N skipped`.

use crate::ast::Script;
use crate::config::RunConfig;
use crate::error::{ParseError, ParseErrorKind};
use crate::exec::run_script;
use crate::outcome::{Outcome, Verdict};
use crate::parser::parse_script;
use crate::sut::StackUnderTest;
use core::fmt;
use std::io;
use std::path::Path;

/// Builds the stack a script runs against, from the script and its effective configuration.
pub type MakeStack<'a> =
    dyn FnMut(&Script, &RunConfig) -> Result<Box<dyn StackUnderTest>, String> + 'a;

/// The three results a script can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It ran to the end as scripted.
    Pass,
    /// It did not, could not be read or parsed, or its stack could not be built.
    Fail,
    /// It needs something this runner does not support.
    Skip,
}

/// A script's status and its report line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptReport {
    /// Pass, fail or skip.
    pub status: Status,
    /// `PASS path`, `FAIL path:line: message`, or `SKIP path: reason`.
    pub line: String,
}

impl ScriptReport {
    fn new(status: Status, line: String) -> ScriptReport {
        ScriptReport { status, line }
    }

    /// A path that could not be read or searched: a failure.
    pub fn unreadable(path: &Path, error: &io::Error) -> ScriptReport {
        ScriptReport::new(
            Status::Fail,
            format!("FAIL {}: cannot read: {error}", path.display()),
        )
    }

    /// A script the parser rejected: a failure for a syntax error, a skip for an unsupported
    /// construct.
    pub fn unparsed(path: &Path, error: &ParseError) -> ScriptReport {
        let path = path.display();
        match error.kind {
            ParseErrorKind::Syntax => ScriptReport::new(
                Status::Fail,
                format!("FAIL {path}:{}: parse error: {}", error.line, error.message),
            ),
            ParseErrorKind::Unsupported => ScriptReport::new(
                Status::Skip,
                format!(
                    "SKIP {path}: line {}: unsupported: {}",
                    error.line, error.message
                ),
            ),
        }
    }

    /// The report of a script that ran; says how many shell lines were left out, if any.
    pub fn ran(path: &Path, outcome: &Outcome) -> ScriptReport {
        let path = path.display();
        let not_run = match outcome.commands_not_run {
            0 => String::new(),
            n => format!(" ({n} shell/code lines not run)"),
        };
        match &outcome.verdict {
            Verdict::Pass => ScriptReport::new(Status::Pass, format!("PASS {path}{not_run}")),
            Verdict::Fail(failure) => {
                let at = failure.line.map(|l| format!(":{l}")).unwrap_or_default();
                ScriptReport::new(
                    Status::Fail,
                    format!("FAIL {path}{at}: {}{not_run}", failure.message),
                )
            }
            Verdict::Skip(reason) => {
                ScriptReport::new(Status::Skip, format!("SKIP {path}: {reason}"))
            }
        }
    }
}

/// Reads, parses and runs the script at `path` against a stack from `make_stack`.
pub fn run_file(path: &Path, config: &RunConfig, make_stack: &mut MakeStack<'_>) -> ScriptReport {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => return ScriptReport::unreadable(path, &error),
    };
    let script = match parse_script(&source) {
        Ok(script) => script,
        Err(error) => return ScriptReport::unparsed(path, &error),
    };
    let effective = config
        .with_script_options(&script.options)
        .unwrap_or_else(|_| config.clone());
    match make_stack(&script, &effective) {
        Ok(mut stack) => ScriptReport::ran(path, &run_script(&script, stack.as_mut(), config)),
        Err(error) => ScriptReport::new(
            Status::Fail,
            format!("FAIL {}: cannot start the stack: {error}", path.display()),
        ),
    }
}

/// Counts of each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Scripts that passed.
    pub passed: usize,
    /// Scripts that failed.
    pub failed: usize,
    /// Scripts that were skipped.
    pub skipped: usize,
}

impl Tally {
    /// Counts one more script.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Skip => self.skipped += 1,
        }
    }
}

/// `N passed, N failed, N skipped`.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Failure;
    use crate::parse_script;

    #[test]
    fn lines_for_each_verdict() {
        let path = Path::new("t/a.pkt");
        let pass = Outcome {
            verdict: Verdict::Pass,
            commands_not_run: 0,
        };
        assert_eq!(ScriptReport::ran(path, &pass).line, "PASS t/a.pkt");
        let fail = Outcome {
            verdict: Verdict::Fail(Failure {
                line: Some(12),
                message: "expected x got y".into(),
            }),
            commands_not_run: 2,
        };
        let report = ScriptReport::ran(path, &fail);
        assert_eq!(report.status, Status::Fail);
        assert_eq!(
            report.line,
            "FAIL t/a.pkt:12: expected x got y (2 shell/code lines not run)"
        );
        let skip = Outcome {
            verdict: Verdict::Skip("line 3: unsupported system call 'poll'".into()),
            commands_not_run: 0,
        };
        assert_eq!(
            ScriptReport::ran(path, &skip).line,
            "SKIP t/a.pkt: line 3: unsupported system call 'poll'"
        );
    }

    #[test]
    fn parse_errors_fail_or_skip() {
        let path = Path::new("b.pkt");
        let syntax = parse_script("0 > X 0:0(0)").unwrap_err();
        let report = ScriptReport::unparsed(path, &syntax);
        assert_eq!(report.status, Status::Fail);
        assert_eq!(
            report.line,
            "FAIL b.pkt:1: parse error: unknown TCP flag 'X' in 'X'"
        );
        let unsupported = parse_script("0 < udp (10)").unwrap_err();
        let report = ScriptReport::unparsed(path, &unsupported);
        assert_eq!(report.status, Status::Skip);
        assert!(report.line.starts_with("SKIP b.pkt: line 1: unsupported"));
    }

    #[test]
    fn stack_construction_errors_fail() {
        let dir =
            std::env::temp_dir().join(format!("tcp-packetdrill-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.pkt");
        std::fs::write(&path, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n").unwrap();
        let mut make = |_: &Script, _: &RunConfig| -> Result<Box<dyn StackUnderTest>, String> {
            Err("engine not wired yet".into())
        };
        let report = run_file(&path, &RunConfig::default(), &mut make);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(report.status, Status::Fail);
        assert!(
            report
                .line
                .ends_with(": cannot start the stack: engine not wired yet")
        );
    }

    #[test]
    fn tally_counts_and_prints() {
        let mut tally = Tally::default();
        for status in [Status::Pass, Status::Pass, Status::Fail, Status::Skip] {
            tally.add(status);
        }
        assert_eq!(tally.to_string(), "2 passed, 1 failed, 1 skipped");
    }
}

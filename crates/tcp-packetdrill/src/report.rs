//! One line per script (`PASS path`, `FAIL path:line: ...`, `SKIP path: reason`) and the
//! closing `N passed, N failed, N skipped`.

use crate::ast::Script;
use crate::config::{OptionError, RunConfig};
use crate::error::{ParseError, ParseErrorKind};
use crate::exec::run_script;
use crate::outcome::{Outcome, Verdict};
use crate::parser::parse_script;
use crate::sut::StackUnderTest;
use core::fmt;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, mpsc};

/// Builds the stack a script runs against, from the script and its effective configuration
/// (flags and sysctls applied): an [`OptionError::Unsupported`] setting skips the script, an
/// [`OptionError::Invalid`] one fails it. Shared with the thread each script runs on.
pub type MakeStack = Arc<StackFactory>;

/// The function behind a [`MakeStack`].
pub type StackFactory =
    dyn Fn(&Script, &RunConfig) -> Result<Box<dyn StackUnderTest>, OptionError> + Send + Sync;

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

    /// The report of a script that ran.
    pub fn ran(path: &Path, outcome: &Outcome) -> ScriptReport {
        let path = path.display();
        match &outcome.verdict {
            Verdict::Pass => ScriptReport::new(Status::Pass, format!("PASS {path}")),
            Verdict::Fail(failure) => {
                let at = failure.line.map(|l| format!(":{l}")).unwrap_or_default();
                ScriptReport::new(
                    Status::Fail,
                    format!("FAIL {path}{at}: {}", failure.message),
                )
            }
            Verdict::Skip(reason) => {
                ScriptReport::new(Status::Skip, format!("SKIP {path}: {reason}"))
            }
        }
    }
}

/// Reads, parses and runs the script at `path` against a stack from `make_stack`.
///
/// The script runs on a thread of its own: a panic in the runner or the stack fails this
/// script only, and a script still running after `config.time_limit` of wall-clock time is
/// failed (its thread is left behind, as a hung test would be) so that a batch always ends.
pub fn run_file(path: &Path, config: &RunConfig, make_stack: &MakeStack) -> ScriptReport {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => return ScriptReport::unreadable(path, &error),
    };
    let script = match parse_script(&source) {
        Ok(script) => script,
        Err(error) => return ScriptReport::unparsed(path, &error),
    };
    let fail = |message: String| {
        ScriptReport::new(Status::Fail, format!("FAIL {}: {message}", path.display()))
    };
    let (done, result) = mpsc::channel();
    let (thread_config, make) = (config.clone(), Arc::clone(make_stack));
    let spawned = std::thread::Builder::new()
        .name(format!("pkt {}", path.display()))
        .spawn(move || {
            let run = catch_unwind(AssertUnwindSafe(|| {
                run_parsed(&script, &thread_config, make.as_ref())
            }));
            let _ = done.send(run.map_err(|payload| panic_message(payload.as_ref())));
        });
    if let Err(error) = spawned {
        return fail(format!("cannot start a thread: {error}"));
    }
    match result.recv_timeout(config.time_limit) {
        Ok(Ok(Ok(outcome))) => ScriptReport::ran(path, &outcome),
        Ok(Ok(Err(OptionError::Unsupported(reason)))) => {
            ScriptReport::new(Status::Skip, format!("SKIP {}: {reason}", path.display()))
        }
        Ok(Ok(Err(OptionError::Invalid(message)))) => {
            fail(format!("cannot start the stack: {message}"))
        }
        Ok(Err(message)) => fail(format!("panicked: {message}")),
        Err(mpsc::RecvTimeoutError::Timeout) => fail(format!(
            "did not finish within {} s of wall-clock time",
            config.time_limit.as_secs_f64()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => fail("the script's thread vanished".into()),
    }
}

/// Builds the stack for the script's effective configuration and runs the script.
fn run_parsed(
    script: &Script,
    config: &RunConfig,
    make_stack: &StackFactory,
) -> Result<Outcome, OptionError> {
    let effective = match config.for_script(script) {
        Ok(effective) => effective,
        Err(error) => {
            return Ok(Outcome {
                verdict: error.into(),
            });
        }
    };
    let mut stack = make_stack(script, &effective)?;
    Ok(run_script(script, stack.as_mut(), config))
}

/// The text a panic carried, if it was a string.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
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
        };
        assert_eq!(ScriptReport::ran(path, &pass).line, "PASS t/a.pkt");
        let fail = Outcome {
            verdict: Verdict::Fail(Failure {
                line: Some(12),
                message: "expected x got y".into(),
            }),
        };
        let report = ScriptReport::ran(path, &fail);
        assert_eq!(report.status, Status::Fail);
        assert_eq!(report.line, "FAIL t/a.pkt:12: expected x got y");
        let skip = Outcome {
            verdict: Verdict::Skip("line 3: unsupported system call 'poll'".into()),
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

    /// A script file in a fresh directory, removed on drop.
    struct ScriptFile(std::path::PathBuf);

    impl ScriptFile {
        fn new(name: &str, source: &str) -> ScriptFile {
            let dir = std::env::temp_dir().join(format!(
                "tcp-packetdrill-report-{name}-{}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("c.pkt");
            std::fs::write(&path, source).unwrap();
            ScriptFile(path)
        }
    }

    impl Drop for ScriptFile {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    const SOCKET: &str = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";

    fn report_with(
        name: &str,
        config: &RunConfig,
        make: impl Fn() -> Result<Box<dyn StackUnderTest>, OptionError> + Send + Sync + 'static,
    ) -> ScriptReport {
        let file = ScriptFile::new(name, SOCKET);
        let make: MakeStack = Arc::new(move |_: &Script, _: &RunConfig| make());
        run_file(&file.0, config, &make)
    }

    #[test]
    fn stack_construction_errors_fail_or_skip() {
        let report = report_with("invalid", &RunConfig::default(), || {
            Err(OptionError::Invalid("engine not wired yet".into()))
        });
        assert_eq!(report.status, Status::Fail);
        assert!(
            report
                .line
                .ends_with(": cannot start the stack: engine not wired yet"),
            "{}",
            report.line
        );
        let report = report_with("unsupported", &RunConfig::default(), || {
            Err(OptionError::Unsupported(
                "sysctl x=1: no engine equivalent".into(),
            ))
        });
        assert_eq!(report.status, Status::Skip);
        assert!(report.line.ends_with(": sysctl x=1: no engine equivalent"));
    }

    #[test]
    fn a_panicking_stack_fails_its_script_only() {
        let report = report_with("panic", &RunConfig::default(), || {
            panic!("the stack fell over")
        });
        assert_eq!(report.status, Status::Fail);
        assert!(
            report.line.ends_with(": panicked: the stack fell over"),
            "{}",
            report.line
        );
    }

    #[test]
    fn a_script_over_its_time_limit_fails() {
        let config = RunConfig {
            time_limit: std::time::Duration::from_millis(50),
            ..RunConfig::default()
        };
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = std::sync::Mutex::new(wait);
        let report = report_with("slow", &config, move || {
            let _ = wait.lock().map(|w| w.recv());
            Err(OptionError::Invalid("released".into()))
        });
        drop(release);
        assert_eq!(report.status, Status::Fail);
        assert!(
            report.line.contains("did not finish within 0.05 s"),
            "{}",
            report.line
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

//! The result of running one script.

use crate::config::OptionError;
use core::fmt;

/// What happened to a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Pass, fail or skip.
    pub verdict: Verdict,
}

/// The verdict on a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every event happened as scripted.
    Pass,
    /// The first event that did not.
    Fail(Failure),
    /// The script was not run, or not to the end, for this reason (an unsupported feature).
    Skip(String),
}

/// A script whose settings cannot be applied: an unsupported one skips it, an invalid one
/// fails it as a whole.
impl From<OptionError> for Verdict {
    fn from(error: OptionError) -> Verdict {
        match error {
            OptionError::Unsupported(reason) => Verdict::Skip(reason),
            OptionError::Invalid(message) => Verdict::Fail(Failure {
                line: None,
                message,
            }),
        }
    }
}

/// The first difference between the script and the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The script line at fault; `None` for the script as a whole (a bad flag line).
    pub line: Option<usize>,
    /// What was wrong: `expected <...> got <...>` and, in parentheses, packetdrill's own
    /// wording of the check that failed.
    pub message: String,
}

impl Failure {
    /// A failure at `line` with a free-form message.
    pub(crate) fn at(line: usize, message: impl Into<String>) -> Failure {
        Failure {
            line: Some(line),
            message: message.into(),
        }
    }

    /// `expected {expected} got {got}`, followed by ` ({detail})` when there is one.
    pub(crate) fn mismatch(
        line: usize,
        expected: &str,
        got: &str,
        detail: Option<&str>,
    ) -> Failure {
        let mut message = format!("expected {expected} got {got}");
        if let Some(detail) = detail {
            message.push_str(&format!(" ({detail})"));
        }
        Failure::at(line, message)
    }
}

/// `LINE: MESSAGE`, or just `MESSAGE` without a line; a report prefixes the script's path.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

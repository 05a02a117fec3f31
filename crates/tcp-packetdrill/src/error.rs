//! Why a script could not be parsed.

use core::fmt;

/// A script the parser rejected, with the line at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the offending token (or of the event it belongs to).
    pub line: usize,
    /// Whether the script is wrong, or valid packetdrill that this runner does not support.
    pub kind: ParseErrorKind,
    /// What was wrong, for a person.
    pub message: String,
}

/// The two reasons a script is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text is not valid packetdrill.
    Syntax,
    /// Valid packetdrill using something this runner cannot express (UDP, ICMP, IPv6
    /// encapsulation, MD5 options...): the script should be skipped, not failed.
    Unsupported,
}

impl ParseError {
    /// A syntax error at `line`.
    pub(crate) fn syntax(line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            kind: ParseErrorKind::Syntax,
            message: message.into(),
        }
    }

    /// A valid but unsupported construct at `line`.
    pub(crate) fn unsupported(line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            kind: ParseErrorKind::Unsupported,
            message: message.into(),
        }
    }
}

/// `line N: parse error: message` (or `unsupported:` for the second kind).
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ParseErrorKind::Syntax => "parse error",
            ParseErrorKind::Unsupported => "unsupported",
        };
        write!(f, "line {}: {what}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

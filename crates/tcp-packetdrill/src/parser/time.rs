//! Event times: `0.1`, `+0.1`, `*`, `0.1~0.2`, `+0.1~+0.2`; seconds become microseconds
//! exactly, from the decimal text (digits past the sixth decimal are dropped, as packetdrill's
//! conversion truncates).

use super::cursor::Cursor;
use crate::ast::EventTime;
use crate::error::ParseError;
use crate::lexer::Tok;

/// The time stamp that starts an event.
pub(super) fn parse_event_time(cursor: &mut Cursor) -> Result<EventTime, ParseError> {
    if cursor.eat_punct('*') {
        return Ok(EventTime::Any);
    }
    let line = cursor.line();
    let relative = cursor.eat_punct('+');
    let start = parse_time(cursor)?;
    if !cursor.eat_punct('~') {
        return Ok(if relative {
            EventTime::Relative(start)
        } else {
            EventTime::Absolute(start)
        });
    }
    if relative && !cursor.eat_punct('+') {
        return Err(cursor.error("'+' after '~' in a relative time range"));
    }
    let end = parse_time(cursor)?;
    if end < start {
        return Err(ParseError::syntax(line, "time range is backwards"));
    }
    Ok(EventTime::Range {
        lo: start,
        hi: end,
        relative,
    })
}

/// A non-negative number of seconds (integer or decimal fraction) as microseconds.
pub(super) fn parse_time(cursor: &mut Cursor) -> Result<u64, ParseError> {
    let line = cursor.line();
    let Some(token) = cursor.peek() else {
        return Err(cursor.error("a time"));
    };
    if !matches!(token.tok, Tok::Int(_) | Tok::Float) {
        return Err(cursor.error("a time"));
    }
    let text = token.text.clone();
    cursor.next();
    seconds_to_micros(&text).ok_or_else(|| {
        let problem = if text.starts_with('-') {
            "negative time"
        } else {
            "time out of range"
        };
        ParseError::syntax(line, problem)
    })
}

/// `"1.25"` -> 1_250_000; `None` for a negative or overflowing value.
fn seconds_to_micros(text: &str) -> Option<u64> {
    if text.starts_with('-') {
        return None;
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut micros = 0u64;
    for position in 0..6 {
        let digit = fraction
            .as_bytes()
            .get(position)
            .map_or(0, |d| u64::from(d - b'0'));
        micros = micros * 10 + digit;
    }
    whole.checked_mul(1_000_000)?.checked_add(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_seconds_convert_exactly() {
        assert_eq!(seconds_to_micros("0"), Some(0));
        assert_eq!(seconds_to_micros("2"), Some(2_000_000));
        assert_eq!(seconds_to_micros(".1"), Some(100_000));
        assert_eq!(seconds_to_micros("0.000001"), Some(1));
        assert_eq!(seconds_to_micros("1.0000019"), Some(1_000_001));
        assert_eq!(seconds_to_micros("-0.5"), None);
        assert_eq!(seconds_to_micros("99999999999999999"), None);
    }
}

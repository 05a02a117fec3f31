//! The script grammar of packetdrill's `parser.y`, restricted to TCP over the default IP
//! layer: `--flag` lines, then events `time action`, where an action is a packet, a system
//! call, a backquoted shell command or a `%{ }%` code block.

mod cursor;
mod expr;
mod packet;
mod syscall;
mod time;

use crate::ast::{Event, EventKind, EventTime, Script};
use crate::error::ParseError;
use crate::lexer::{Tok, tokenize};
use cursor::Cursor;

/// Parses a whole script. Errors carry the line at fault and say whether the script is
/// invalid or only uses something this runner does not support.
pub fn parse_script(source: &str) -> Result<Script, ParseError> {
    let mut cursor = Cursor::new(tokenize(source)?);
    let mut script = Script::default();
    while let Some(token) = cursor.peek() {
        let Tok::Flag(name, value) = &token.tok else {
            break;
        };
        script.options.push((name.clone(), value.clone()));
        cursor.next();
    }
    while !cursor.at_end() {
        script.events.push(parse_event(&mut cursor)?);
    }
    Ok(script)
}

fn parse_event(cursor: &mut Cursor) -> Result<Event, ParseError> {
    let line = cursor.line();
    if let Some(token) = cursor.peek()
        && let Tok::BackQuoted(command) = &token.tok
    {
        let kind = EventKind::Shell(command.clone());
        cursor.next();
        return Ok(Event {
            line,
            time: EventTime::Untimed,
            kind,
        });
    }
    let time = time::parse_event_time(cursor)?;
    let kind = parse_action(cursor)?;
    let outbound = matches!(kind, EventKind::Outbound(_));
    match time {
        EventTime::Any if !outbound => Err(ParseError::syntax(
            line,
            "event time <star> can only be used with outbound packets",
        )),
        EventTime::Range { .. } if !outbound => Err(ParseError::syntax(
            line,
            "event time range can only be used with outbound packets",
        )),
        _ => Ok(Event { line, time, kind }),
    }
}

fn parse_action(cursor: &mut Cursor) -> Result<EventKind, ParseError> {
    let Some(token) = cursor.peek() else {
        return Err(cursor.error("an action after the time"));
    };
    match &token.tok {
        Tok::Punct('<') => {
            cursor.next();
            Ok(EventKind::Inbound(packet::parse_packet(cursor, true)?))
        }
        Tok::Punct('>') => {
            cursor.next();
            Ok(EventKind::Outbound(packet::parse_packet(cursor, false)?))
        }
        Tok::BackQuoted(command) => {
            let kind = EventKind::Shell(command.clone());
            cursor.next();
            Ok(kind)
        }
        Tok::Code(code) => {
            let kind = EventKind::Code(code.clone());
            cursor.next();
            Ok(kind)
        }
        Tok::Ellipsis | Tok::Word => Ok(EventKind::Syscall(syscall::parse_syscall(cursor)?)),
        Tok::Flag(..) => Err(ParseError::syntax(
            token.line,
            "flag lines must come before the first event",
        )),
        _ => Err(cursor.error("a packet, system call, command or code block")),
    }
}

#[cfg(test)]
mod tests;

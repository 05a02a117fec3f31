//! System call lines: `[...end] name(args) = result [ERRNO] [(note)]`.

use super::cursor::Cursor;
use super::expr::{parse_expr, parse_list};
use super::time::parse_time;
use crate::ast::{Expr, SyscallSpec};
use crate::error::ParseError;
use crate::lexer::Tok;

/// A system call, starting at the optional `...end` of a blocking call.
pub(super) fn parse_syscall(cursor: &mut Cursor) -> Result<SyscallSpec, ParseError> {
    let mut blocking_end = None;
    if cursor.peek().is_some_and(|t| t.tok == Tok::Ellipsis) {
        cursor.next();
        blocking_end = Some(parse_time(cursor)?);
    }
    let name = cursor.expect_word("a system call name")?;
    cursor.expect_punct('(')?;
    let args = parse_list(cursor, ')')?;
    cursor.expect_punct('=')?;
    let result = if cursor.peek().is_some_and(|t| t.tok == Tok::Word) {
        Expr::Word(cursor.expect_word("a result")?)
    } else {
        parse_expr(cursor)?
    };
    let errno = if cursor.peek().is_some_and(|t| t.tok == Tok::Word) {
        Some(cursor.expect_word("an errno name")?)
    } else {
        None
    };
    let note = parse_note(cursor)?;
    Ok(SyscallSpec {
        name,
        args,
        result,
        errno,
        note,
        blocking_end,
    })
}

/// `(words...)` after the result: the words joined by single spaces.
fn parse_note(cursor: &mut Cursor) -> Result<Option<String>, ParseError> {
    if !cursor.eat_punct('(') {
        return Ok(None);
    }
    let mut words = Vec::new();
    while !cursor.eat_punct(')') {
        match cursor.next() {
            Some(token) => words.push(token.text),
            None => return Err(cursor.error("')' closing the note")),
        }
    }
    Ok(Some(words.join(" ")))
}

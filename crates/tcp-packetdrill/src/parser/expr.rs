//! System call argument expressions: integers, names, strings, `...`, `[...]`, `{...}`,
//! `name=value`, `a|b` and `name(args)`.

use super::cursor::Cursor;
use crate::ast::Expr;
use crate::error::ParseError;
use crate::lexer::Tok;

/// How deep brackets may nest before the parser gives up (keeps hostile input off the stack).
const MAX_DEPTH: usize = 32;

/// One expression, `|` binding loosest.
pub(super) fn parse_expr(cursor: &mut Cursor) -> Result<Expr, ParseError> {
    parse_or(cursor, 0)
}

/// Comma-separated expressions up to (and consuming) `close`; empty when `close` is next.
pub(super) fn parse_list(cursor: &mut Cursor, close: char) -> Result<Vec<Expr>, ParseError> {
    parse_list_at(cursor, close, 0)
}

fn parse_list_at(cursor: &mut Cursor, close: char, depth: usize) -> Result<Vec<Expr>, ParseError> {
    let mut items = Vec::new();
    if cursor.eat_punct(close) {
        return Ok(items);
    }
    loop {
        items.push(parse_or(cursor, depth)?);
        if cursor.eat_punct(close) {
            return Ok(items);
        }
        if !cursor.eat_punct(',') {
            return Err(cursor.error(&format!("',' or '{close}'")));
        }
    }
}

fn parse_or(cursor: &mut Cursor, depth: usize) -> Result<Expr, ParseError> {
    let mut expr = parse_assign(cursor, depth)?;
    while cursor.eat_punct('|') {
        let rhs = parse_assign(cursor, depth)?;
        expr = Expr::BitOr(Box::new(expr), Box::new(rhs));
    }
    Ok(expr)
}

fn parse_assign(cursor: &mut Cursor, depth: usize) -> Result<Expr, ParseError> {
    let lhs = parse_primary(cursor, depth)?;
    let assignable = matches!(lhs, Expr::Word(_) | Expr::Call(..));
    if assignable && cursor.eat_punct('=') {
        let rhs = parse_or(cursor, depth)?;
        return Ok(Expr::Assign(Box::new(lhs), Box::new(rhs)));
    }
    Ok(lhs)
}

fn parse_primary(cursor: &mut Cursor, depth: usize) -> Result<Expr, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::syntax(
            cursor.line(),
            "expression nested too deeply",
        ));
    }
    let Some(token) = cursor.peek().cloned() else {
        return Err(cursor.error("an expression"));
    };
    match token.tok {
        Tok::Ellipsis => {
            cursor.next();
            Ok(Expr::Ellipsis)
        }
        Tok::Int(value) => {
            cursor.next();
            Ok(Expr::Int(value))
        }
        Tok::Str(_) => Ok(Expr::Str(parse_strings(cursor))),
        Tok::Word => {
            cursor.next();
            if cursor.eat_punct('(') {
                let args = parse_list_at(cursor, ')', depth + 1)?;
                return Ok(Expr::Call(token.text, args));
            }
            Ok(Expr::Word(token.text))
        }
        Tok::Punct('[') => {
            cursor.next();
            Ok(Expr::Array(parse_list_at(cursor, ']', depth + 1)?))
        }
        Tok::Punct('{') => {
            cursor.next();
            Ok(Expr::Struct(parse_list_at(cursor, '}', depth + 1)?))
        }
        _ => Err(cursor.error("an expression")),
    }
}

/// Adjacent string literals, concatenated; a trailing `...` is allowed and dropped.
fn parse_strings(cursor: &mut Cursor) -> String {
    let mut text = String::new();
    while let Some(token) = cursor.peek() {
        let Tok::Str(part) = &token.tok else {
            break;
        };
        text.push_str(part);
        cursor.next();
    }
    if cursor.peek().is_some_and(|t| t.tok == Tok::Ellipsis) {
        cursor.next();
    }
    text
}

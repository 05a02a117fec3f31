//! A position in the token list with the small look-ahead helpers the grammar needs.

use crate::error::ParseError;
use crate::lexer::{Tok, Token};

/// Reads tokens front to back; every `expect_*` fails with the line of the token it saw.
pub(super) struct Cursor {
    tokens: Vec<Token>,
    pos: usize,
}

impl Cursor {
    pub(super) fn new(tokens: Vec<Token>) -> Cursor {
        Cursor { tokens, pos: 0 }
    }

    /// The token `ahead` places from the current one.
    pub(super) fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead)
    }

    pub(super) fn peek(&self) -> Option<&Token> {
        self.peek_at(0)
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// Line of the current token, or of the last one at the end of input.
    pub(super) fn line(&self) -> usize {
        self.peek()
            .or_else(|| self.tokens.last())
            .map_or(1, |t| t.line)
    }

    pub(super) fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    /// The current token is the punctuation `c`.
    pub(super) fn is_punct(&self, c: char) -> bool {
        self.peek().is_some_and(|t| t.tok == Tok::Punct(c))
    }

    /// The current token is the word `word`.
    pub(super) fn is_word(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.tok == Tok::Word && t.text == word)
    }

    /// Consumes the punctuation `c` if it is next.
    pub(super) fn eat_punct(&mut self, c: char) -> bool {
        let found = self.is_punct(c);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consumes the word `word` if it is next.
    pub(super) fn eat_word(&mut self, word: &str) -> bool {
        let found = self.is_word(word);
        if found {
            self.pos += 1;
        }
        found
    }

    /// A syntax error at the current token: `expected WHAT, found 'TEXT'`.
    pub(super) fn error(&self, what: &str) -> ParseError {
        let found = self
            .peek()
            .map_or_else(|| "end of script".to_string(), |t| format!("'{}'", t.text));
        ParseError::syntax(self.line(), format!("expected {what}, found {found}"))
    }

    pub(super) fn expect_punct(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.error(&format!("'{c}'")))
        }
    }

    /// An integer token's value.
    pub(super) fn expect_int(&mut self, what: &str) -> Result<i64, ParseError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Int(value),
                ..
            }) => {
                let value = *value;
                self.pos += 1;
                Ok(value)
            }
            _ => Err(self.error(what)),
        }
    }

    /// An integer that fits `0..=max`, for fields such as ports, windows and sequence numbers.
    pub(super) fn expect_uint(&mut self, what: &str, max: u64) -> Result<u64, ParseError> {
        let line = self.line();
        let value = self.expect_int(what)?;
        u64::try_from(value)
            .ok()
            .filter(|&v| v <= max)
            .ok_or_else(|| ParseError::syntax(line, format!("{what} {value} out of range")))
    }

    /// A word token's text.
    pub(super) fn expect_word(&mut self, what: &str) -> Result<String, ParseError> {
        match self.peek() {
            Some(token) if token.tok == Tok::Word => {
                let text = token.text.clone();
                self.pos += 1;
                Ok(text)
            }
            _ => Err(self.error(what)),
        }
    }
}

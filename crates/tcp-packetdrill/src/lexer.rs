//! Splits script text into tokens, following packetdrill's `lexer.l`: `//` and `/* */`
//! comments, `%{ }%` code blocks, backquoted commands, quoted strings, `--flag[=value]`,
//! integers (decimal, negative, `0x` hex), decimal fractions, dotted IPv4 addresses, words,
//! `...`, and single punctuation characters.

use crate::error::ParseError;

/// The kind of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `[-]?[0-9]+` or `0x[0-9a-fA-F]+`.
    Int(i64),
    /// `[-]?[0-9]*.[0-9]+`; the value is in [`Token::text`].
    Float,
    /// `[a-zA-Z0-9_]+` that is not a number.
    Word,
    /// `"..."`: the text between the quotes, escapes kept as written.
    Str(String),
    /// `` `...` ``: the text between the backquotes.
    BackQuoted(String),
    /// `%{ ... }%`: the text between the delimiters with spaces and tabs trimmed.
    Code(String),
    /// `--name` with the raw text after an immediately following `=`.
    Flag(String, Option<String>),
    /// `a.b.c.d`.
    Ipv4,
    /// `...`.
    Ellipsis,
    /// Any other single non-blank character.
    Punct(char),
}

/// One token with its source text and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// What the token is.
    pub(crate) tok: Tok,
    /// The exact source text of the token.
    pub(crate) text: String,
    /// 1-based line of the token's first character.
    pub(crate) line: usize,
}

/// Tokenizes a whole script; fails on an unterminated string, command, comment or code block
/// and on an integer that does not fit 64 bits.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        chars: source.chars().collect(),
        pos: 0,
        line: 1,
        out: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.out)
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    out: Vec<Token>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.peek(i) == Some(c))
    }

    /// Consumes `len` characters, counting newlines, and returns them.
    fn take(&mut self, len: usize) -> String {
        let end = (self.pos + len).min(self.chars.len());
        let text: String = self.chars[self.pos..end].iter().collect();
        self.line += text.matches('\n').count();
        self.pos = end;
        text
    }

    /// Length of the run of characters from `pos + from` that satisfy `pred`.
    fn run_len(&self, from: usize, pred: impl Fn(char) -> bool) -> usize {
        self.chars[(self.pos + from).min(self.chars.len())..]
            .iter()
            .take_while(|&&c| pred(c))
            .count()
    }

    /// Distance from `pos` to the end of the first `close` at or after `pos + from`.
    fn find_close(&self, from: usize, close: &str) -> Option<usize> {
        let close: Vec<char> = close.chars().collect();
        (self.pos + from..self.chars.len())
            .find(|&i| self.chars[i..].starts_with(&close))
            .map(|i| i + close.len() - self.pos)
    }

    fn push(&mut self, tok: Tok, len: usize) {
        let line = self.line;
        let text = self.take(len);
        self.out.push(Token { tok, text, line });
    }

    fn run(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() {
                self.take(1);
            } else if self.starts_with("//") {
                let len = self.run_len(0, |c| c != '\n');
                self.take(len);
            } else if self.starts_with("/*") {
                let len = self.delimited(2, "*/", "comment")?;
                self.take(len);
            } else if self.starts_with("%{") {
                let len = self.delimited(2, "}%", "code block")?;
                let inner: String = self.chars[self.pos + 2..self.pos + len - 2]
                    .iter()
                    .collect();
                let code = inner.trim_matches([' ', '\t']).to_string();
                self.push(Tok::Code(code), len);
            } else if c == '`' || c == '"' {
                self.quoted(c)?;
            } else if self.starts_with("...") {
                self.push(Tok::Ellipsis, 3);
            } else if self.starts_with("--") && self.peek(2).is_some_and(is_word_char) {
                self.flag();
            } else if c.is_ascii_digit()
                || (c == '-' && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
                || (matches!(c, '-' | '.') && self.fraction_at(usize::from(c == '-')))
            {
                self.number()?;
            } else if is_word_char(c) {
                let len = self.run_len(0, is_word_char);
                self.push(Tok::Word, len);
            } else {
                self.push(Tok::Punct(c), 1);
            }
        }
        Ok(())
    }

    /// Length up to and including `close`, or an error naming the unterminated construct.
    fn delimited(&self, from: usize, close: &str, what: &str) -> Result<usize, ParseError> {
        self.find_close(from, close)
            .ok_or_else(|| ParseError::syntax(self.line, format!("unterminated {what}")))
    }

    /// A string or command: `\x` escapes are kept as written, as packetdrill does.
    fn quoted(&mut self, quote: char) -> Result<(), ParseError> {
        let mut len = 1;
        loop {
            match self.peek(len) {
                None => {
                    let what = if quote == '"' { "string" } else { "command" };
                    return Err(ParseError::syntax(
                        self.line,
                        format!("unterminated {what}"),
                    ));
                }
                Some('\\') => len += 2,
                Some(c) if c == quote => break,
                Some(_) => len += 1,
            }
        }
        let inner: String = self.chars[self.pos + 1..self.pos + len].iter().collect();
        let tok = if quote == '"' {
            Tok::Str(inner)
        } else {
            Tok::BackQuoted(inner)
        };
        self.push(tok, len + 1);
        Ok(())
    }

    /// `--name` and, when `=` follows at once, the raw text up to the next blank.
    fn flag(&mut self) {
        let name_len = self.run_len(2, is_word_char);
        let name: String = self.chars[self.pos + 2..self.pos + 2 + name_len]
            .iter()
            .collect();
        let mut len = 2 + name_len;
        let mut value = None;
        if self.peek(len) == Some('=') {
            let value_len = self.run_len(len + 1, |c| !c.is_whitespace());
            let raw: String = self.chars[self.pos + len + 1..self.pos + len + 1 + value_len]
                .iter()
                .collect();
            value = Some(unquote(&raw).to_string());
            len += 1 + value_len;
        }
        self.push(Tok::Flag(name, value), len);
    }

    /// `.` followed by a digit at `pos + from`.
    fn fraction_at(&self, from: usize) -> bool {
        self.peek(from) == Some('.') && self.peek(from + 1).is_some_and(|d| d.is_ascii_digit())
    }

    /// An integer, hex integer, fraction, IPv4 address, or a word that starts with a digit.
    fn number(&mut self) -> Result<(), ParseError> {
        let sign = usize::from(self.peek(0) == Some('-'));
        let word = self.run_len(sign, is_word_char);
        let digits = self.run_len(sign, |c| c.is_ascii_digit());
        if sign == 0 && word > digits {
            let text: String = self.chars[self.pos..self.pos + word].iter().collect();
            return match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                    let value = i64::from_str_radix(hex, 16)
                        .map_err(|_| ParseError::syntax(self.line, "hex integer too large"))?;
                    self.push(Tok::Int(value), word);
                    Ok(())
                }
                _ => {
                    self.push(Tok::Word, word);
                    Ok(())
                }
            };
        }
        if sign == 0
            && let Some(len) = self.ipv4_len()
        {
            self.push(Tok::Ipv4, len);
            return Ok(());
        }
        if self.fraction_at(sign + digits) {
            let fraction = self.run_len(sign + digits + 1, |c| c.is_ascii_digit());
            self.push(Tok::Float, sign + digits + 1 + fraction);
            return Ok(());
        }
        let text: String = self.chars[self.pos..self.pos + sign + digits]
            .iter()
            .collect();
        let value = text
            .parse::<i64>()
            .map_err(|_| ParseError::syntax(self.line, format!("integer {text} too large")))?;
        self.push(Tok::Int(value), sign + digits);
        Ok(())
    }

    /// Length of a dotted quad `d.d.d.d` at `pos`, if there is one.
    fn ipv4_len(&self) -> Option<usize> {
        let mut len = 0;
        for part in 0..4 {
            if part > 0 {
                if self.peek(len) != Some('.') {
                    return None;
                }
                len += 1;
            }
            let digits = self.run_len(len, |c| c.is_ascii_digit());
            if digits == 0 {
                return None;
            }
            len += digits;
        }
        Some(len)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `"text"` or `` `text` `` without the quotes; anything else unchanged.
fn unquote(raw: &str) -> &str {
    for quote in ['"', '`'] {
        if let Some(inner) = raw
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Tok> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    fn texts(source: &str) -> Vec<String> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn packet_line_splits_like_packetdrill() {
        assert_eq!(
            texts("+.1 < S. 1:1001(1000) ack 1 win 257 <mss 1000,nop>"),
            [
                "+", ".1", "<", "S", ".", "1", ":", "1001", "(", "1000", ")", "ack", "1", "win",
                "257", "<", "mss", "1000", ",", "nop", ">"
            ]
        );
    }

    #[test]
    fn ellipsis_times_and_numbers() {
        assert_eq!(
            kinds("0...0.1 -1 0x1f"),
            [
                Tok::Int(0),
                Tok::Ellipsis,
                Tok::Float,
                Tok::Int(-1),
                Tok::Int(0x1f)
            ]
        );
        assert_eq!(texts("+0.1...0.25"), ["+", "0.1", "...", "0.25"]);
        assert_eq!(kinds("- 0:0(0)")[0], Tok::Punct('-'));
        assert_eq!(
            kinds("<...>"),
            [Tok::Punct('<'), Tok::Ellipsis, Tok::Punct('>')]
        );
    }

    #[test]
    fn comments_are_dropped_and_lines_counted() {
        let tokens = tokenize("// one\n/* two\nthree */ a // four\n  b").unwrap();
        let found: Vec<(String, usize)> = tokens.into_iter().map(|t| (t.text, t.line)).collect();
        assert_eq!(found, [("a".to_string(), 3), ("b".to_string(), 4)]);
    }

    #[test]
    fn strings_commands_code_and_flags() {
        assert_eq!(
            kinds("\"a\\\"b\" `ip link` %{ print(1) }% --mss=1000 --verbose"),
            [
                Tok::Str("a\\\"b".into()),
                Tok::BackQuoted("ip link".into()),
                Tok::Code("print(1)".into()),
                Tok::Flag("mss".into(), Some("1000".into())),
                Tok::Flag("verbose".into(), None),
            ]
        );
        assert_eq!(
            kinds("--define=CC=\"reno\""),
            [Tok::Flag("define".into(), Some("CC=\"reno\"".into()))]
        );
    }

    #[test]
    fn addresses_and_digit_words() {
        assert_eq!(kinds("192.0.2.1")[0], Tok::Ipv4);
        assert_eq!(kinds("0011aabb")[0], Tok::Word);
        assert_eq!(kinds("1.5")[0], Tok::Float);
    }

    #[test]
    fn unterminated_constructs_are_errors_with_lines() {
        for source in ["\n\"abc", "\n`ls", "\n/* x", "\n%{ x"] {
            let error = tokenize(source).unwrap_err();
            assert_eq!(error.line, 2, "{source:?}");
        }
        assert!(tokenize("99999999999999999999").is_err());
    }
}

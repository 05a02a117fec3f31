//! TCP packet lines after the direction: `[ip info] [sport>dport] flags start:end(len)
//! [ack N] [win N] [urg N] [<options>]`.

use super::cursor::Cursor;
use crate::ast::{OptionList, PacketSpec, SeqRange, TcpOptionSpec};
use crate::error::ParseError;
use crate::lexer::Tok;
use tcp_wire::Flags;

/// Everything after `<` (`inbound`) or `>`.
pub(super) fn parse_packet(cursor: &mut Cursor, inbound: bool) -> Result<PacketSpec, ParseError> {
    let line = cursor.line();
    for prefix in ["ipv4", "ipv6", "gre", "GREv0", "mpls", "udp", "icmp"] {
        if cursor.is_word(prefix) {
            return Err(ParseError::unsupported(
                line,
                format!("'{prefix}' packets (only plain TCP segments are supported)"),
            ));
        }
    }
    let ip_info = parse_ip_info(cursor)?;
    let ports = parse_ports(cursor)?;
    let flags = parse_flags(cursor)?;
    let seq = parse_seq(cursor)?;
    let mut spec = PacketSpec {
        ip_info,
        ports,
        flags,
        seq,
        ack: None,
        win: None,
        urg: None,
        options: None,
    };
    if cursor.eat_word("ack") {
        spec.ack = Some(cursor.expect_uint("ack number", u64::from(u32::MAX))? as u32);
    }
    if cursor.eat_word("win") {
        spec.win = Some(cursor.expect_uint("window", u64::from(u16::MAX))? as u16);
    } else if inbound {
        return Err(ParseError::syntax(
            line,
            "window must be specified for inbound packets",
        ));
    }
    if cursor.eat_word("urg") {
        spec.urg = Some(cursor.expect_uint("urgent pointer", u64::from(u16::MAX))? as u16);
    }
    if cursor.is_punct('<') {
        let options_line = cursor.line();
        let options = parse_options(cursor)?;
        if inbound && options == OptionList::Any {
            return Err(ParseError::syntax(
                options_line,
                "<...> for TCP options can only be used with outbound packets",
            ));
        }
        spec.options = Some(options);
    }
    if cursor.is_punct('{') {
        return Err(ParseError::unsupported(
            cursor.line(),
            "packet fuzzing blocks",
        ));
    }
    Ok(spec)
}

/// `(ect0)` or `[tos 0x4]`: the raw text inside the brackets.
fn parse_ip_info(cursor: &mut Cursor) -> Result<Option<String>, ParseError> {
    let close = if cursor.eat_punct('(') {
        ')'
    } else if cursor.eat_punct('[') {
        ']'
    } else {
        return Ok(None);
    };
    let mut words = Vec::new();
    while !cursor.eat_punct(close) {
        match cursor.next() {
            Some(token) => words.push(token.text),
            None => return Err(cursor.error(&format!("'{close}' closing the IP details"))),
        }
    }
    Ok(Some(words.join(" ")))
}

/// `1234>8080` before the flags.
fn parse_ports(cursor: &mut Cursor) -> Result<Option<(u16, u16)>, ParseError> {
    let port_follows = matches!(cursor.peek().map(|t| &t.tok), Some(Tok::Int(_)))
        && cursor.peek_at(1).is_some_and(|t| t.tok == Tok::Punct('>'));
    if !port_follows {
        return Ok(None);
    }
    let src = cursor.expect_uint("source port", u64::from(u16::MAX))? as u16;
    cursor.expect_punct('>')?;
    let dst = cursor.expect_uint("destination port", u64::from(u16::MAX))? as u16;
    Ok(Some((src, dst)))
}

/// `S`, `S.`, `.`, `P.`, `FEW.`, `-` ...
fn parse_flags(cursor: &mut Cursor) -> Result<Flags, ParseError> {
    if cursor.eat_punct('-') {
        return Ok(Flags::NONE);
    }
    if cursor.eat_punct('.') {
        return Ok(Flags::ACK);
    }
    let line = cursor.line();
    let letters = cursor.expect_word("TCP flags")?;
    let mut flags = Flags::NONE;
    for letter in letters.chars() {
        flags |= match letter {
            'F' => Flags::FIN,
            'S' => Flags::SYN,
            'R' => Flags::RST,
            'P' => Flags::PSH,
            'U' => Flags::URG,
            'E' => Flags::ECE,
            'W' => Flags::CWR,
            'A' => {
                return Err(ParseError::unsupported(line, "the AccECN AE flag"));
            }
            other => {
                return Err(ParseError::syntax(
                    line,
                    format!("unknown TCP flag '{other}' in '{letters}'"),
                ));
            }
        };
    }
    if cursor.eat_punct('.') {
        flags |= Flags::ACK;
    }
    Ok(flags)
}

/// `start:end(len)` with `end == start + len`.
fn parse_seq(cursor: &mut Cursor) -> Result<SeqRange, ParseError> {
    let line = cursor.line();
    let start = cursor.expect_uint("start sequence number", u64::from(u32::MAX))?;
    cursor.expect_punct(':')?;
    let end = cursor.expect_uint("end sequence number", u64::from(u32::MAX))?;
    cursor.expect_punct('(')?;
    let len = cursor.expect_uint("payload length", u64::from(u16::MAX))?;
    cursor.expect_punct(')')?;
    if end != start + len {
        return Err(ParseError::syntax(
            line,
            "inconsistent TCP sequence numbers and payload size",
        ));
    }
    Ok(SeqRange {
        start: start as u32,
        end: end as u32,
        len: len as u16,
    })
}

/// `<...>` or `<opt, opt, ...>`.
fn parse_options(cursor: &mut Cursor) -> Result<OptionList, ParseError> {
    cursor.expect_punct('<')?;
    if cursor.peek().is_some_and(|t| t.tok == Tok::Ellipsis) {
        cursor.next();
        cursor.expect_punct('>')?;
        return Ok(OptionList::Any);
    }
    let mut options = vec![parse_option(cursor)?];
    while cursor.eat_punct(',') {
        options.push(parse_option(cursor)?);
    }
    cursor.expect_punct('>')?;
    Ok(OptionList::Exact(options))
}

fn parse_option(cursor: &mut Cursor) -> Result<TcpOptionSpec, ParseError> {
    let line = cursor.line();
    let name = cursor.expect_word("a TCP option")?;
    let option = match name.as_str() {
        "nop" => TcpOptionSpec::Nop,
        "eol" => TcpOptionSpec::Eol,
        "mss" => TcpOptionSpec::Mss(cursor.expect_uint("mss value", u64::from(u16::MAX))? as u16),
        "wscale" => TcpOptionSpec::WindowScale(
            cursor.expect_uint("window scale shift count", u64::from(u8::MAX))? as u8,
        ),
        "sackOK" => TcpOptionSpec::SackPermitted,
        "sack" => TcpOptionSpec::Sack(parse_sack_blocks(cursor)?),
        "TS" => {
            if !cursor.eat_word("val") {
                return Err(cursor.error("'val' after 'TS'"));
            }
            let val = cursor.expect_uint("TS val", u64::from(u32::MAX))? as u32;
            if !cursor.eat_word("ecr") {
                return Err(cursor.error("'ecr' after the TS val"));
            }
            let ecr = cursor.expect_uint("TS ecr", u64::from(u32::MAX))? as u32;
            TcpOptionSpec::Timestamp { val, ecr }
        }
        "FO" => TcpOptionSpec::FastOpen(parse_cookie(cursor, MAX_FO_COOKIE)?),
        "FOEXP" => TcpOptionSpec::FastOpenExp(parse_cookie(cursor, MAX_FOEXP_COOKIE)?),
        "md5" => {
            return Err(ParseError::unsupported(
                line,
                format!("the '{name}' TCP option"),
            ));
        }
        _ => {
            return Err(ParseError::syntax(
                line,
                format!("unknown TCP option '{name}'"),
            ));
        }
    };
    Ok(option)
}

/// One or more `left:right` blocks.
fn parse_sack_blocks(cursor: &mut Cursor) -> Result<Vec<(u32, u32)>, ParseError> {
    let mut blocks = Vec::new();
    loop {
        let left = cursor.expect_uint("SACK left edge", u64::from(u32::MAX))? as u32;
        cursor.expect_punct(':')?;
        let right = cursor.expect_uint("SACK right edge", u64::from(u32::MAX))? as u32;
        blocks.push((left, right));
        if !matches!(cursor.peek().map(|t| &t.tok), Some(Tok::Int(_))) {
            return Ok(blocks);
        }
    }
}

/// The longest cookie an `FO` option can carry: 40 bytes of options less kind and length.
const MAX_FO_COOKIE: usize = 38;
/// The same for `FOEXP`, whose option also holds the 2-byte magic number.
const MAX_FOEXP_COOKIE: usize = 36;

/// An optional hex cookie after `FO`/`FOEXP`: an even number of hex digits, at most `max`
/// bytes (what fits in the option space; the receiver judges a cookie's length).
fn parse_cookie(cursor: &mut Cursor, max: usize) -> Result<Vec<u8>, ParseError> {
    let line = cursor.line();
    let text = match cursor.peek() {
        Some(token) if matches!(token.tok, Tok::Word | Tok::Int(_)) => token.text.clone(),
        _ => return Ok(Vec::new()),
    };
    cursor.next();
    if !text.chars().all(|c| c.is_ascii_hexdigit()) && text.contains('_') {
        return Err(ParseError::unsupported(
            line,
            format!(
                "Fast Open cookie '{text}' named by a --define symbol: Fast Open not supported"
            ),
        ));
    }
    let invalid = || {
        ParseError::syntax(
            line,
            format!("TCP fast open cookie '{text}' is not a valid hex string"),
        )
    };
    if text.len() % 2 != 0 {
        return Err(ParseError::syntax(
            line,
            "TCP fast open cookie has an odd number of digits",
        ));
    }
    let mut bytes = Vec::with_capacity(text.len() / 2);
    for i in (0..text.len()).step_by(2) {
        let pair = text.get(i..i + 2).ok_or_else(invalid)?;
        bytes.push(u8::from_str_radix(pair, 16).map_err(|_| invalid())?);
    }
    if bytes.len() > max {
        return Err(ParseError::syntax(
            line,
            format!(
                "TCP fast open cookie of {} bytes exceeds maximum cookie length of {max} bytes",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

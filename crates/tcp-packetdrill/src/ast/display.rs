//! Script syntax back from the AST, in packetdrill's spelling, for failure messages.

use super::{Expr, OptionList, PacketSpec, SyscallSpec, TcpOptionSpec};
use core::fmt;
use tcp_wire::Flags;

/// `P. 1:11(10) ack 1 win 257 <nop,nop,TS val 1 ecr 2>`: flags (`-` for none), range, and
/// the fields the spec has.
impl fmt::Display for PacketSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip_info) = &self.ip_info {
            write!(f, "[{ip_info}] ")?;
        }
        if let Some((src, dst)) = self.ports {
            write!(f, "{src}>{dst} ")?;
        }
        if self.flags == Flags::NONE {
            f.write_str("-")?;
        } else {
            write!(f, "{}", self.flags)?;
        }
        let seq = &self.seq;
        write!(f, " {}:{}({})", seq.start, seq.end, seq.len)?;
        if let Some(ack) = self.ack {
            write!(f, " ack {ack}")?;
        }
        if let Some(win) = self.win {
            write!(f, " win {win}")?;
        }
        if let Some(urg) = self.urg {
            write!(f, " urg {urg}")?;
        }
        match &self.options {
            None => Ok(()),
            Some(OptionList::Any) => f.write_str(" <...>"),
            Some(OptionList::Exact(options)) => {
                f.write_str(" <")?;
                write_joined(f, options, ",")?;
                f.write_str(">")
            }
        }
    }
}

/// `mss 1460`, `TS val 1 ecr 2`, `sack 1:2 3:4`, `FO 0011aabb`...
impl fmt::Display for TcpOptionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpOptionSpec::Nop => f.write_str("nop"),
            TcpOptionSpec::Eol => f.write_str("eol"),
            TcpOptionSpec::Mss(mss) => write!(f, "mss {mss}"),
            TcpOptionSpec::WindowScale(shift) => write!(f, "wscale {shift}"),
            TcpOptionSpec::SackPermitted => f.write_str("sackOK"),
            TcpOptionSpec::Sack(blocks) => {
                f.write_str("sack")?;
                for (left, right) in blocks {
                    write!(f, " {left}:{right}")?;
                }
                Ok(())
            }
            TcpOptionSpec::Timestamp { val, ecr } => write!(f, "TS val {val} ecr {ecr}"),
            TcpOptionSpec::FastOpen(cookie) | TcpOptionSpec::FastOpenExp(cookie) => {
                let name = match self {
                    TcpOptionSpec::FastOpen(_) => "FO",
                    _ => "FOEXP",
                };
                f.write_str(name)?;
                if !cookie.is_empty() {
                    f.write_str(" ")?;
                }
                for byte in cookie {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// `name(arg, arg)` without the result.
impl fmt::Display for SyscallSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        write_joined(f, &self.args, ", ")?;
        f.write_str(")")
    }
}

/// Expressions as a script writes them.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Int(value) => write!(f, "{value}"),
            Expr::Word(word) => f.write_str(word),
            Expr::Str(text) => write!(f, "\"{text}\""),
            Expr::Ellipsis => f.write_str("..."),
            Expr::Array(items) => {
                f.write_str("[")?;
                write_joined(f, items, ", ")?;
                f.write_str("]")
            }
            Expr::Struct(items) => {
                f.write_str("{")?;
                write_joined(f, items, ", ")?;
                f.write_str("}")
            }
            Expr::Assign(lhs, rhs) => write!(f, "{lhs}={rhs}"),
            Expr::BitOr(lhs, rhs) => write!(f, "{lhs}|{rhs}"),
            Expr::Call(name, args) => {
                write!(f, "{name}(")?;
                write_joined(f, args, ", ")?;
                f.write_str(")")
            }
        }
    }
}

fn write_joined<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    separator: &str,
) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::ast::EventKind;
    use crate::parse_script;

    /// Parsing then printing gives back the line (after the time), flags in packetdrill's
    /// printing order.
    #[test]
    fn lines_round_trip() {
        for (line, printed) in [
            (
                "S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>",
                None,
            ),
            ("S. 0:0(0) ack 1 <...>", None),
            ("P. 1:11(10) ack 1", None),
            (
                "FSRPUEW. 1:1(0) ack 1 win 0 urg 3 <sack 1:2 3:4,TS val 5 ecr 6,eol,FO,FO 0011aabb>",
                Some(
                    "FSRP.UEW 1:1(0) ack 1 win 0 urg 3 <sack 1:2 3:4,TS val 5 ecr 6,eol,FO,FO 0011aabb>",
                ),
            ),
            ("- 0:0(0) win 0", None),
        ] {
            let script = parse_script(&format!("0 > {line}")).unwrap();
            let EventKind::Outbound(spec) = &script.events[0].kind else {
                panic!("not outbound");
            };
            assert_eq!(spec.to_string(), printed.unwrap_or(line));
        }
        let call = "setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, [O_RDWR|O_NONBLOCK], \"a\", ..., htons(1))";
        let script = parse_script(&format!("0 {call} = 0")).unwrap();
        let EventKind::Syscall(spec) = &script.events[0].kind else {
            panic!("not a syscall");
        };
        assert_eq!(spec.to_string(), call);
    }
}

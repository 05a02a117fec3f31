//! [`TcpdumpLine`]: one line per segment in tcpdump's format:
//! `198.18.0.1.49898 > 198.18.0.2.23: Flags [S], seq 1450082649, win 4128, options [mss 1460], length 0`.

use crate::options::TcpOption;
use crate::segment::Segment;
use core::fmt;
use core::net::IpAddr;

/// A segment with its addresses, displayed as tcpdump prints it (absolute sequence numbers,
/// as `tcpdump -S`).
#[derive(Debug, Clone, Copy)]
pub struct TcpdumpLine<'a> {
    src: IpAddr,
    dst: IpAddr,
    segment: &'a [u8],
}

impl<'a> TcpdumpLine<'a> {
    /// The line for `segment` (a checked segment's bytes) sent from `src` to `dst`.
    pub fn new(src: IpAddr, dst: IpAddr, segment: &'a [u8]) -> TcpdumpLine<'a> {
        TcpdumpLine { src, dst, segment }
    }
}

impl fmt::Display for TcpdumpLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let segment = match Segment::new_checked(self.segment) {
            Ok(segment) => segment,
            Err(error) => return write!(f, "{} > {}: tcp [{error}]", self.src, self.dst),
        };
        let flags = segment.flags();
        let length = segment.payload().len() as u32;
        write!(
            f,
            "{}.{} > {}.{}: Flags [{flags}]",
            self.src,
            segment.src_port(),
            self.dst,
            segment.dst_port()
        )?;
        let seq = segment.seq_number();
        if length > 0 {
            write!(f, ", seq {}:{}", seq, seq + length)?;
        } else if flags.syn() || flags.fin() || flags.rst() {
            write!(f, ", seq {seq}")?;
        }
        if flags.ack() {
            write!(f, ", ack {}", segment.ack_number())?;
        }
        write!(f, ", win {}", segment.window())?;
        if flags.urg() {
            write!(f, ", urg {}", segment.urgent_pointer())?;
        }
        if !segment.options().is_empty() {
            f.write_str(", options [")?;
            write_options(f, &segment)?;
            f.write_str("]")?;
        }
        write!(f, ", length {length}")
    }
}

fn write_options(f: &mut fmt::Formatter<'_>, segment: &Segment<&[u8]>) -> fmt::Result {
    for (index, option) in segment.option_iter().enumerate() {
        if index > 0 {
            f.write_str(",")?;
        }
        let option = match option {
            Ok(option) => option,
            Err(_) => return f.write_str("bad opts"),
        };
        match option {
            TcpOption::EndOfList => f.write_str("eol")?,
            TcpOption::NoOperation => f.write_str("nop")?,
            TcpOption::Mss(mss) => write!(f, "mss {mss}")?,
            TcpOption::WindowScale(shift) => write!(f, "wscale {shift}")?,
            TcpOption::SackPermitted => f.write_str("sackOK")?,
            TcpOption::Sack(blocks) => {
                write!(f, "sack {} ", blocks.len())?;
                for (left, right) in blocks.as_slice() {
                    write!(f, "{{{left}:{right}}}")?;
                }
            }
            TcpOption::Timestamps { value, echo } => write!(f, "TS val {value} ecr {echo}")?,
            TcpOption::FastOpen(cookie) if cookie.is_request() => f.write_str("tfo cookiereq")?,
            TcpOption::FastOpen(cookie) => {
                f.write_str("tfo cookie ")?;
                write_hex(f, cookie.as_bytes())?;
            }
            TcpOption::Unknown { kind, data } => {
                write!(f, "unknown-{kind} 0x")?;
                write_hex(f, data)?;
            }
        }
    }
    Ok(())
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for byte in bytes {
        write!(f, "{byte:02x}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Flags;
    use crate::header::Header;
    use crate::options::Options;
    use crate::seq_number::SeqNumber;
    use core::net::Ipv4Addr;

    fn line(header: &Header, payload: &[u8]) -> String {
        let mut buf = [0u8; 100];
        let len = header.emit(&mut buf).unwrap();
        buf[len..len + payload.len()].copy_from_slice(payload);
        let src = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
        let dst = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
        TcpdumpLine::new(src, dst, &buf[..len + payload.len()]).to_string()
    }

    #[test]
    fn syn_matches_the_design_example() {
        let header = Header {
            src_port: 49898,
            dst_port: 23,
            seq: SeqNumber(1_450_082_649),
            flags: Flags::SYN,
            window: 4128,
            options: Options {
                mss: Some(1460),
                ..Options::default()
            },
            ..Header::default()
        };
        assert_eq!(
            line(&header, b""),
            "198.18.0.1.49898 > 198.18.0.2.23: Flags [S], seq 1450082649, win 4128, options [mss 1460], length 0"
        );
    }

    #[test]
    fn data_shows_a_sequence_range_and_pure_ack_shows_none() {
        let header = Header {
            src_port: 1,
            dst_port: 2,
            seq: SeqNumber(100),
            ack: SeqNumber(5),
            flags: Flags::PSH | Flags::ACK,
            window: 10,
            ..Header::default()
        };
        assert_eq!(
            line(&header, b"hello"),
            "198.18.0.1.1 > 198.18.0.2.2: Flags [P.], seq 100:105, ack 5, win 10, length 5"
        );
        let ack = Header {
            flags: Flags::ACK,
            ..header
        };
        assert_eq!(
            line(&ack, b""),
            "198.18.0.1.1 > 198.18.0.2.2: Flags [.], ack 5, win 10, length 0"
        );
    }
}

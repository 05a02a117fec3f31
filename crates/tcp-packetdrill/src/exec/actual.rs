//! A segment the stack sent, read with tcp-wire and moved into script space (sequence,
//! ACK and SACK numbers relative to the script's ISNs, TS val relative to the first one
//! matched), so that it can be compared with and printed like a script line.

use super::conn::Conn;
use super::inbound::{FAST_OPEN_EXP_KIND, FAST_OPEN_EXP_MAGIC};
use crate::ast::{OptionList, PacketSpec, SeqRange, TcpOptionSpec};
use crate::sut::Outbound;
use tcp_wire::{Flags, Segment, TcpOption};

/// An outbound segment in script space, with the facts the comparison needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Actual {
    /// The segment as a script would write it (`win` always present, `urg` when URG is set).
    pub(super) spec: PacketSpec,
    /// The acknowledgment field exactly as sent.
    pub(super) raw_ack: u32,
    /// The urgent pointer exactly as sent.
    pub(super) urgent_pointer: u16,
    /// The checksum verifies over the IP pseudo-header.
    pub(super) checksum_ok: bool,
    /// Every payload byte is zero (the runner only ever writes zeros).
    pub(super) payload_zero: bool,
    /// Why the options could not all be read, if they could not.
    pub(super) option_error: Option<String>,
}

/// The TS val exactly as sent, if the segment carries a timestamp option.
pub(super) fn live_ts_val(segment: &[u8]) -> Option<u32> {
    let view = Segment::new_checked(segment).ok()?;
    view.option_iter().find_map(|option| match option {
        Ok(TcpOption::Timestamps { value, .. }) => Some(value),
        _ => None,
    })
}

/// Reads `outbound` in script space; fails when it is not a TCP segment at all.
pub(super) fn read_segment(outbound: &Outbound, conn: &Conn) -> Result<Actual, String> {
    let view = Segment::new_checked(outbound.segment.as_slice())
        .map_err(|e| format!("malformed outbound segment: {e}"))?;
    let flags = view.flags();
    let payload = view.payload();
    let len = u16::try_from(payload.len())
        .map_err(|_| format!("outbound payload of {} bytes", payload.len()))?;
    let start = conn.local_seq_to_script(view.seq_number().0);
    let raw_ack = view.ack_number().0;
    let (options, option_error) = read_options(&view, conn);
    let spec = PacketSpec {
        ip_info: None,
        ports: None,
        flags,
        seq: SeqRange {
            start,
            end: start.wrapping_add(u32::from(len)),
            len,
        },
        ack: flags
            .contains(Flags::ACK)
            .then(|| conn.remote_seq_to_script(raw_ack)),
        win: Some(view.window()),
        urg: flags.urg().then(|| view.urgent_pointer()),
        options: (!options.is_empty()).then_some(OptionList::Exact(options)),
    };
    Ok(Actual {
        spec,
        raw_ack,
        urgent_pointer: view.urgent_pointer(),
        checksum_ok: view.verify_checksum(outbound.src, outbound.dst),
        payload_zero: payload.iter().all(|&b| b == 0),
        option_error,
    })
}

/// The options in order, in script space, and the reason reading stopped early, if it did.
fn read_options(view: &Segment<&[u8]>, conn: &Conn) -> (Vec<TcpOptionSpec>, Option<String>) {
    let mut options = Vec::new();
    for option in view.option_iter() {
        let option = match option {
            Ok(option) => option,
            Err(error) => return (options, Some(format!("malformed TCP options: {error}"))),
        };
        options.push(match option {
            TcpOption::EndOfList => TcpOptionSpec::Eol,
            TcpOption::NoOperation => TcpOptionSpec::Nop,
            TcpOption::Mss(mss) => TcpOptionSpec::Mss(mss),
            TcpOption::WindowScale(shift) => TcpOptionSpec::WindowScale(shift),
            TcpOption::SackPermitted => TcpOptionSpec::SackPermitted,
            TcpOption::Sack(blocks) => TcpOptionSpec::Sack(
                blocks
                    .as_slice()
                    .iter()
                    .map(|(l, r)| {
                        (
                            conn.remote_seq_to_script(l.0),
                            conn.remote_seq_to_script(r.0),
                        )
                    })
                    .collect(),
            ),
            TcpOption::Timestamps { value, echo } => TcpOptionSpec::Timestamp {
                val: conn.ts.to_script(value),
                ecr: echo,
            },
            TcpOption::FastOpen(cookie) => TcpOptionSpec::FastOpen(cookie.as_bytes().to_vec()),
            TcpOption::Unknown {
                kind: FAST_OPEN_EXP_KIND,
                data,
            } if data.starts_with(&FAST_OPEN_EXP_MAGIC) => {
                TcpOptionSpec::FastOpenExp(data[FAST_OPEN_EXP_MAGIC.len()..].to_vec())
            }
            TcpOption::Unknown { kind, .. } => {
                return (options, Some(format!("unexpected TCP option kind: {kind}")));
            }
        });
    }
    (options, None)
}

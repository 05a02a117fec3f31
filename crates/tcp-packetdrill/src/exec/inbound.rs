//! Inbound script packets: mapped from script space onto the live connection and written as
//! real TCP segments with tcp-wire.

use super::conn::Conn;
use super::{Runner, Stop};
use crate::ast::{PacketSpec, TcpOptionSpec};
use crate::outcome::Failure;
use crate::sut::StackUnderTest;
use core::net::IpAddr;
use tcp_wire::{
    FastOpenCookie, Flags, HEADER_LEN, Header, MAX_OPTIONS_LEN, MAX_WINDOW_SCALE, OptionWriter,
    SackBlocks, Segment, SeqNumber, TcpOption, kind,
};

impl<S: StackUnderTest + ?Sized> Runner<'_, S> {
    /// Sends the script's inbound packet to the stack at the current time.
    pub(super) fn inject(&mut self, line: usize, spec: &PacketSpec) -> Result<(), Stop> {
        if let Some(ip_info) = &spec.ip_info {
            return Err(Stop::Skip(format!(
                "line {line}: IP-level packet fields ({ip_info}) cannot be injected"
            )));
        }
        let config = self.config;
        let conn = self
            .tracker
            .for_inbound(config, spec.ports, spec.flags, spec.seq.start);
        let (src_port, dst_port) = spec.ports.unwrap_or((
            conn.remote.port(),
            conn.local_port.unwrap_or(config.bind_port),
        ));
        let src = conn.remote.ip();
        let addresses = Addresses {
            src,
            dst: config.local_ip,
            src_port,
            dst_port,
        };
        let bytes = build_segment(spec, conn, &addresses, config.ts_ecr_scaled)
            .map_err(|message| Stop::Fail(Failure::at(line, message)))?;
        self.sut.inject(self.now, src, config.local_ip, &bytes);
        self.after_call()
    }
}

/// The experimental option kind Fast Open used before it had its own (RFC 6994's shared
/// experimental kind).
pub(super) const FAST_OPEN_EXP_KIND: u8 = 254;
/// The magic number that marks a kind-254 option as Fast Open (RFC 7413 §4.1.1).
pub(super) const FAST_OPEN_EXP_MAGIC: [u8; 2] = [0xf9, 0x89];

/// Where an inbound segment goes.
pub(super) struct Addresses {
    pub(super) src: IpAddr,
    pub(super) dst: IpAddr,
    pub(super) src_port: u16,
    pub(super) dst_port: u16,
}

/// The live bytes of `spec`: sequence, ACK and SACK numbers moved from script space onto the
/// connection's live ISNs, TS ecr mapped back to a TS val the stack sent (packetdrill's
/// rule), options in the script's order, a zero-filled payload, and the checksum over the
/// IP pseudo-header.
pub(super) fn build_segment(
    spec: &PacketSpec,
    conn: &Conn,
    addresses: &Addresses,
    ts_ecr_scaled: bool,
) -> Result<Vec<u8>, String> {
    let has_ack = spec.flags.contains(Flags::ACK);
    let ack = match spec.ack {
        Some(ack) if has_ack => conn.local_seq_to_live(ack),
        Some(ack) => ack,
        None if has_ack => conn.local_seq_to_live(0),
        None => 0,
    };
    let mut options = [0u8; MAX_OPTIONS_LEN];
    let options_len = write_options(spec, conn, has_ack, ts_ecr_scaled, &mut options)?;
    let header = Header {
        src_port: addresses.src_port,
        dst_port: addresses.dst_port,
        seq: SeqNumber(conn.remote_seq_to_live(spec.seq.start)),
        ack: SeqNumber(ack),
        flags: spec.flags,
        window: spec.win.unwrap_or(0),
        urgent_pointer: spec.urg.unwrap_or(0),
        options: tcp_wire::Options::default(),
    };
    let header_len = HEADER_LEN + options_len;
    let mut bytes = vec![0u8; header_len + usize::from(spec.seq.len)];
    header.emit(&mut bytes).map_err(|e| e.to_string())?;
    bytes[HEADER_LEN..header_len].copy_from_slice(&options[..options_len]);
    let mut segment = Segment::new_unchecked(&mut bytes[..]);
    segment.set_header_len(header_len);
    segment.fill_checksum(addresses.src, addresses.dst);
    Ok(bytes)
}

/// Writes the script's options in order, padded with zeros; returns the padded length.
fn write_options(
    spec: &PacketSpec,
    conn: &Conn,
    has_ack: bool,
    ts_ecr_scaled: bool,
    buf: &mut [u8],
) -> Result<usize, String> {
    let Some(crate::ast::OptionList::Exact(list)) = &spec.options else {
        return Ok(0);
    };
    let mut writer = OptionWriter::new(buf);
    for option in list {
        let too_long = |_| "TCP option list too long".to_string();
        match option {
            TcpOptionSpec::Nop => writer.write(&TcpOption::NoOperation),
            TcpOptionSpec::Eol => writer.write(&TcpOption::EndOfList),
            TcpOptionSpec::Mss(mss) => writer.write(&TcpOption::Mss(*mss)),
            TcpOptionSpec::WindowScale(shift) if *shift > MAX_WINDOW_SCALE => {
                writer.write(&TcpOption::Unknown {
                    kind: kind::WINDOW_SCALE,
                    data: &[*shift],
                })
            }
            TcpOptionSpec::WindowScale(shift) => writer.write(&TcpOption::WindowScale(*shift)),
            TcpOptionSpec::SackPermitted => writer.write(&TcpOption::SackPermitted),
            TcpOptionSpec::Sack(blocks) => {
                let mut live = SackBlocks::new();
                for (left, right) in blocks {
                    let left = SeqNumber(conn.local_seq_to_live(*left));
                    let right = SeqNumber(conn.local_seq_to_live(*right));
                    if !live.push(left, right) {
                        return Err("more than 4 SACK blocks".to_string());
                    }
                }
                writer.write(&TcpOption::Sack(live))
            }
            TcpOptionSpec::Timestamp { val, ecr } => {
                let echo = if has_ack {
                    conn.ts.live_for(*ecr, ts_ecr_scaled).ok_or_else(|| {
                        format!(
                            "unable to infer live TS ecr for script TS ecr {ecr}; \
                             no matching or preceding outbound TS val"
                        )
                    })?
                } else {
                    *ecr
                };
                writer.write(&TcpOption::Timestamps { value: *val, echo })
            }
            TcpOptionSpec::FastOpenExp(cookie) => {
                let mut data = FAST_OPEN_EXP_MAGIC.to_vec();
                data.extend_from_slice(cookie);
                writer.write(&TcpOption::Unknown {
                    kind: FAST_OPEN_EXP_KIND,
                    data: &data,
                })
            }
            TcpOptionSpec::FastOpen(cookie) => match FastOpenCookie::new(cookie) {
                Ok(cookie) => writer.write(&TcpOption::FastOpen(cookie)),
                Err(_) => writer.write(&TcpOption::Unknown {
                    kind: kind::FAST_OPEN,
                    data: cookie,
                }),
            },
        }
        .map_err(too_long)?;
    }
    writer.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::EventKind;
    use crate::config::RunConfig;
    use crate::exec::conn::{Isn, Tracker};
    use crate::parse_script;
    use tcp_wire::{Options, Timestamps};

    fn spec(line: &str) -> PacketSpec {
        let script = parse_script(&format!("0 < {line}")).unwrap();
        match &script.events[0].kind {
            EventKind::Inbound(spec) => spec.clone(),
            other => panic!("not inbound: {other:?}"),
        }
    }

    fn addresses() -> Addresses {
        let config = RunConfig::default();
        Addresses {
            src: config.remote_ip,
            dst: config.local_ip,
            src_port: 40_000,
            dst_port: 8080,
        }
    }

    fn established() -> (RunConfig, Tracker) {
        let config = RunConfig::default();
        let mut tracker = Tracker::new(&config);
        tracker.listening();
        tracker.for_inbound(&config, None, Flags::SYN, 0);
        let conn = tracker.conn.as_mut().unwrap();
        conn.local_isn = Some(Isn {
            script: 0,
            live: 7_000,
        });
        conn.ts.record(700, 123_456);
        (config, tracker)
    }

    #[test]
    fn syn_keeps_option_order_and_gets_the_chosen_isn() {
        let (config, tracker) = established();
        let conn = tracker.conn.as_ref().unwrap();
        let spec = spec("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
        let bytes = build_segment(&spec, conn, &addresses(), false).unwrap();
        let segment = Segment::new_checked(&bytes[..]).unwrap();
        assert!(segment.verify_checksum(config.remote_ip, config.local_ip));
        assert_eq!(segment.seq_number(), SeqNumber(config.remote_isn));
        assert_eq!(segment.flags(), Flags::SYN);
        assert_eq!(segment.window(), 32792);
        assert_eq!(
            segment.options(),
            &[2, 4, 0x03, 0xe8, 4, 2, 1, 1, 1, 3, 3, 7]
        );
        assert!(segment.payload().is_empty());
    }

    #[test]
    fn data_ack_sack_and_ecr_are_mapped() {
        let (config, tracker) = established();
        let conn = tracker.conn.as_ref().unwrap();
        let spec = spec("P. 1:11(10) ack 5 win 257 <nop,nop,TS val 9 ecr 700,sack 5:7>");
        let bytes = build_segment(&spec, conn, &addresses(), false).unwrap();
        let segment = Segment::new_checked(&bytes[..]).unwrap();
        let header = Header::parse(&segment).unwrap();
        assert_eq!(header.seq, SeqNumber(config.remote_isn.wrapping_add(1)));
        assert_eq!(header.ack, SeqNumber(7_005));
        assert_eq!(
            header.options.timestamps,
            Some(Timestamps {
                value: 9,
                echo: 123_456
            })
        );
        assert_eq!(
            header.options.sack_blocks.as_slice(),
            &[(SeqNumber(7_005), SeqNumber(7_007))]
        );
        assert_eq!(segment.payload(), &[0u8; 10]);
    }

    #[test]
    fn unknown_ecr_is_an_error_unless_scaled() {
        let (_, tracker) = established();
        let conn = tracker.conn.as_ref().unwrap();
        let spec = spec(". 1:1(0) ack 1 win 257 <nop,nop,TS val 9 ecr 710>");
        let error = build_segment(&spec, conn, &addresses(), false).unwrap_err();
        assert!(error.contains("unable to infer live TS ecr"), "{error}");
        let bytes = build_segment(&spec, conn, &addresses(), true).unwrap();
        let header = Header::parse(&Segment::new_checked(&bytes[..]).unwrap()).unwrap();
        assert_eq!(header.options.timestamps.unwrap().echo, 123_466);
    }

    #[test]
    fn oversized_wscale_is_written_as_is() {
        let (_, tracker) = established();
        let conn = tracker.conn.as_ref().unwrap();
        let bytes = build_segment(
            &spec("S 0:0(0) win 1 <wscale 15>"),
            conn,
            &addresses(),
            false,
        )
        .unwrap();
        assert_eq!(&bytes[HEADER_LEN..HEADER_LEN + 4], &[3, 3, 15, 0]);
        assert_eq!(
            Options::parse(&[3, 3, 15, 0]).unwrap().window_scale,
            Some(14)
        );
    }
}

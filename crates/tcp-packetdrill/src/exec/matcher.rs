//! Compares an expected outbound packet with what the stack sent, field by field in
//! packetdrill's order, and words the first difference as packetdrill does.

use super::actual::Actual;
use crate::ast::{OptionList, PacketSpec, TcpOptionSpec};
use tcp_wire::Flags;

/// The flag bits in the order packetdrill checks them, with its field names.
const FLAG_FIELDS: [(Flags, &str); 8] = [
    (Flags::FIN, "tcp_fin"),
    (Flags::SYN, "tcp_syn"),
    (Flags::RST, "tcp_rst"),
    (Flags::PSH, "tcp_psh"),
    (Flags::ACK, "tcp_ack"),
    (Flags::URG, "tcp_urg"),
    (Flags::ECE, "tcp_ece"),
    (Flags::CWR, "tcp_cwr"),
];

/// `Ok` when `actual` is what `expected` describes. A TS val may be anything; everything
/// else the script wrote must match. Options are compared in order, padding included, as
/// packetdrill compares them.
pub(super) fn compare(expected: &PacketSpec, actual: &Actual) -> Result<(), String> {
    if !actual.checksum_ok {
        return Err("bad outbound TCP checksum".to_string());
    }
    let got = &actual.spec;
    if expected.seq.len != got.seq.len {
        return Err(format!(
            "live packet payload: expected {} bytes vs actual {} bytes",
            expected.seq.len, got.seq.len
        ));
    }
    for (flag, name) in FLAG_FIELDS {
        let bit = |flags: Flags| u32::from(flags.contains(flag));
        field(name, bit(expected.flags), bit(got.flags))?;
    }
    field("tcp_seq", expected.seq.start, got.seq.start)?;
    if expected.flags.contains(Flags::ACK) {
        field(
            "tcp_ack_seq",
            expected.ack.unwrap_or(0),
            got.ack.unwrap_or(0),
        )?;
    } else if let Some(ack) = expected.ack {
        field("tcp_ack_seq", ack, actual.raw_ack)?;
    }
    if let (Some(win), Some(got_win)) = (expected.win, got.win) {
        field("tcp_window", u32::from(win), u32::from(got_win))?;
    }
    field(
        "tcp_urg_ptr",
        u32::from(expected.urg.unwrap_or(0)),
        u32::from(actual.urgent_pointer),
    )?;
    compare_options(expected, actual)?;
    if !actual.payload_zero {
        return Err("incorrect outbound data payload".to_string());
    }
    Ok(())
}

/// packetdrill's `check_field` wording.
fn field(name: &str, expected: u32, actual: u32) -> Result<(), String> {
    if expected == actual {
        return Ok(());
    }
    Err(format!(
        "live packet field {name}: expected: {expected} ({expected:#x}) vs actual: {actual} ({actual:#x})"
    ))
}

fn compare_options(expected: &PacketSpec, actual: &Actual) -> Result<(), String> {
    let wanted: &[TcpOptionSpec] = match &expected.options {
        Some(OptionList::Any) => return Ok(()),
        Some(OptionList::Exact(list)) => list,
        None => &[],
    };
    if let Some(error) = &actual.option_error {
        return Err(error.clone());
    }
    let got: &[TcpOptionSpec] = match &actual.spec.options {
        Some(OptionList::Exact(list)) => list,
        _ => &[],
    };
    compare_in_order(wanted, got)
}

fn compare_in_order(wanted: &[TcpOptionSpec], got: &[TcpOptionSpec]) -> Result<(), String> {
    if wanted.len() != got.len() {
        return Err("bad outbound TCP options".to_string());
    }
    for (want, have) in wanted.iter().zip(got) {
        if kind(want) != kind(have) {
            return Err("bad outbound TCP options".to_string());
        }
        option_matches(want, have)?;
    }
    Ok(())
}

/// Two options of the same kind agree: equal values, except that a TS val may differ.
fn option_matches(want: &TcpOptionSpec, have: &TcpOptionSpec) -> Result<(), String> {
    match (want, have) {
        (
            TcpOptionSpec::Timestamp { ecr: want_ecr, .. },
            TcpOptionSpec::Timestamp { ecr: have_ecr, .. },
        ) if want_ecr != have_ecr => Err(format!(
            "bad outbound TCP timestamp ecr: expected: {want_ecr} vs actual: {have_ecr}"
        )),
        (TcpOptionSpec::Timestamp { .. }, TcpOptionSpec::Timestamp { .. }) => Ok(()),
        _ if want != have => Err(format!("bad value outbound TCP option {}", kind(want))),
        _ => Ok(()),
    }
}

/// The option kind number, as packetdrill names options in its errors.
fn kind(option: &TcpOptionSpec) -> u8 {
    match option {
        TcpOptionSpec::Eol => 0,
        TcpOptionSpec::Nop => 1,
        TcpOptionSpec::Mss(_) => 2,
        TcpOptionSpec::WindowScale(_) => 3,
        TcpOptionSpec::SackPermitted => 4,
        TcpOptionSpec::Sack(_) => 5,
        TcpOptionSpec::Timestamp { .. } => 8,
        TcpOptionSpec::FastOpen(_) => 34,
        TcpOptionSpec::FastOpenExp(_) => 254,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::EventKind;
    use crate::parse_script;

    fn spec(line: &str) -> PacketSpec {
        let script = parse_script(&format!("0 > {line}")).unwrap();
        match &script.events[0].kind {
            EventKind::Outbound(spec) => spec.clone(),
            other => panic!("not outbound: {other:?}"),
        }
    }

    fn actual(line: &str) -> Actual {
        Actual {
            spec: spec(line),
            raw_ack: 0,
            urgent_pointer: 0,
            checksum_ok: true,
            payload_zero: true,
            option_error: None,
        }
    }

    #[test]
    fn equal_segments_match_and_ts_val_is_free() {
        let expected = spec("S. 0:0(0) ack 1 <mss 1460,nop,nop,TS val 1 ecr 100>");
        let got = actual("S. 0:0(0) ack 1 win 65535 <mss 1460,nop,nop,TS val 999 ecr 100>");
        assert_eq!(compare(&expected, &got), Ok(()));
    }

    #[test]
    fn first_difference_is_named_like_packetdrill() {
        let expected = spec("P. 1:11(10) ack 1");
        let cases = [
            (
                "P. 1:11(10) ack 2 win 10",
                "live packet field tcp_ack_seq: expected: 1 (0x1) vs actual: 2 (0x2)",
            ),
            (
                ". 1:11(10) ack 1 win 10",
                "live packet field tcp_psh: expected: 1 (0x1) vs actual: 0 (0x0)",
            ),
            (
                "P. 1:12(11) ack 1 win 10",
                "live packet payload: expected 10 bytes vs actual 11 bytes",
            ),
            (
                "P. 2:12(10) ack 1 win 10",
                "live packet field tcp_seq: expected: 1 (0x1) vs actual: 2 (0x2)",
            ),
            ("P. 1:11(10) ack 1 win 10 <nop>", "bad outbound TCP options"),
        ];
        for (got, error) in cases {
            assert_eq!(compare(&expected, &actual(got)), Err(error.to_string()));
        }
        let mut bad_sum = actual("P. 1:11(10) ack 1 win 10");
        bad_sum.checksum_ok = false;
        assert_eq!(
            compare(&expected, &bad_sum),
            Err("bad outbound TCP checksum".to_string())
        );
        let mut data = actual("P. 1:11(10) ack 1 win 10");
        data.payload_zero = false;
        assert_eq!(
            compare(&expected, &data),
            Err("incorrect outbound data payload".to_string())
        );
    }

    #[test]
    fn window_is_checked_only_when_written() {
        let got = actual(". 1:1(0) ack 1 win 300");
        assert_eq!(compare(&spec(". 1:1(0) ack 1"), &got), Ok(()));
        assert!(compare(&spec(". 1:1(0) ack 1 win 257"), &got).is_err());
    }

    #[test]
    fn ecr_and_option_values_must_match() {
        let expected = spec(". 1:1(0) ack 1 <nop,nop,TS val 5 ecr 100>");
        assert_eq!(
            compare(
                &expected,
                &actual(". 1:1(0) ack 1 win 1 <nop,nop,TS val 5 ecr 101>")
            ),
            Err("bad outbound TCP timestamp ecr: expected: 100 vs actual: 101".to_string())
        );
        assert_eq!(
            compare(
                &spec("S 0:0(0) <mss 1460>"),
                &actual("S 0:0(0) win 1 <mss 536>")
            ),
            Err("bad value outbound TCP option 2".to_string())
        );
    }

    #[test]
    fn options_are_compared_in_order_with_padding() {
        let expected = spec("S. 0:0(0) ack 1 <mss 1460,sackOK,nop,wscale 7>");
        let got = actual("S. 0:0(0) ack 1 win 1 <mss 1460,nop,wscale 7,nop,nop,sackOK>");
        assert_eq!(
            compare(&expected, &got),
            Err("bad outbound TCP options".to_string())
        );
    }

    #[test]
    fn any_options_accepts_everything() {
        let expected = spec("S. 0:0(0) ack 1 <...>");
        let got = actual("S. 0:0(0) ack 1 win 1 <mss 1,sackOK>");
        assert_eq!(compare(&expected, &got), Ok(()));
        assert_eq!(
            compare(&spec("S. 0:0(0) ack 1"), &got),
            Err("bad outbound TCP options".to_string())
        );
    }
}

use super::parse_script;
use crate::ast::{
    EventKind, EventTime, Expr, OptionList, PacketSpec, SeqRange, SyscallSpec, TcpOptionSpec,
};
use crate::error::ParseErrorKind;
use tcp_wire::Flags;

/// The passive-open script from packetdrill's README, as real scripts are written.
const PASSIVE_OPEN: &str = "\
// Establish a connection.
--tolerance_usecs=10000
--mss=1000

0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0

0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 10) = 10
+0 > P. 1:11(10) ack 1
+.1 < . 1:1(0) ack 11 win 257
";

fn packet(kind: &EventKind) -> &PacketSpec {
    match kind {
        EventKind::Inbound(spec) | EventKind::Outbound(spec) => spec,
        other => panic!("not a packet: {other:?}"),
    }
}

fn syscall(kind: &EventKind) -> &SyscallSpec {
    match kind {
        EventKind::Syscall(spec) => spec,
        other => panic!("not a syscall: {other:?}"),
    }
}

fn only_event(source: &str) -> crate::ast::Event {
    let mut script = parse_script(source).unwrap();
    assert_eq!(script.events.len(), 1, "{source}");
    script.events.remove(0)
}

#[test]
fn readme_script_parses_with_lines_and_times() {
    let script = parse_script(PASSIVE_OPEN).unwrap();
    assert_eq!(
        script.options,
        [
            ("tolerance_usecs".to_string(), Some("10000".to_string())),
            ("mss".to_string(), Some("1000".to_string())),
        ]
    );
    let lines: Vec<usize> = script.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, [5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16]);
    let times: Vec<EventTime> = script.events.iter().map(|e| e.time).collect();
    assert_eq!(times[0], EventTime::Absolute(0));
    assert_eq!(times[1], EventTime::Relative(0));
    assert_eq!(times[6], EventTime::Relative(100_000));
}

#[test]
fn inbound_syn_with_options() {
    let script = parse_script(PASSIVE_OPEN).unwrap();
    let EventKind::Inbound(syn) = &script.events[4].kind else {
        panic!("expected an inbound packet");
    };
    assert_eq!(syn.flags, Flags::SYN);
    assert_eq!(
        syn.seq,
        SeqRange {
            start: 0,
            end: 0,
            len: 0
        }
    );
    assert_eq!(syn.ack, None);
    assert_eq!(syn.win, Some(32792));
    assert_eq!(
        syn.options,
        Some(OptionList::Exact(vec![
            TcpOptionSpec::Mss(1000),
            TcpOptionSpec::SackPermitted,
            TcpOptionSpec::Nop,
            TcpOptionSpec::Nop,
            TcpOptionSpec::Nop,
            TcpOptionSpec::WindowScale(7),
        ]))
    );
}

#[test]
fn outbound_any_options_data_and_pure_ack() {
    let script = parse_script(PASSIVE_OPEN).unwrap();
    let synack = packet(&script.events[5].kind);
    assert!(matches!(script.events[5].kind, EventKind::Outbound(_)));
    assert_eq!(synack.flags, Flags::SYN | Flags::ACK);
    assert_eq!(synack.ack, Some(1));
    assert_eq!(synack.win, None);
    assert_eq!(synack.options, Some(OptionList::Any));
    let data = packet(&script.events[9].kind);
    assert_eq!(data.flags, Flags::PSH | Flags::ACK);
    assert_eq!(
        data.seq,
        SeqRange {
            start: 1,
            end: 11,
            len: 10
        }
    );
    assert_eq!(data.options, None);
    let ack = packet(&script.events[6].kind);
    assert_eq!(ack.flags, Flags::ACK);
    assert_eq!(ack.win, Some(257));
}

#[test]
fn every_flag_letter_and_dash() {
    let event = only_event("0 > FSRPUEW. 0:0(0) win 0 urg 5");
    let spec = packet(&event.kind);
    assert_eq!(spec.flags, Flags(0xff));
    assert_eq!(spec.urg, Some(5));
    assert_eq!(
        packet(&only_event("0 < - 0:0(0) win 0").kind).flags,
        Flags::NONE
    );
    assert_eq!(
        packet(&only_event("0 < F. 5:5(0) ack 1 win 0").kind).flags,
        Flags::FIN | Flags::ACK
    );
}

#[test]
fn every_option_kind() {
    let event = only_event(
        "0 > . 1:1(0) ack 1 <nop,eol,mss 1460,wscale 14,sackOK,sack 1:2 3:4,TS val 100 ecr 7,FO,FO 0011aabb,FOEXP,FOEXP 00112233445566778899aabbccddeeff0011>",
    );
    assert_eq!(
        packet(&event.kind).options,
        Some(OptionList::Exact(vec![
            TcpOptionSpec::Nop,
            TcpOptionSpec::Eol,
            TcpOptionSpec::Mss(1460),
            TcpOptionSpec::WindowScale(14),
            TcpOptionSpec::SackPermitted,
            TcpOptionSpec::Sack(vec![(1, 2), (3, 4)]),
            TcpOptionSpec::Timestamp { val: 100, ecr: 7 },
            TcpOptionSpec::FastOpen(vec![]),
            TcpOptionSpec::FastOpen(vec![0x00, 0x11, 0xaa, 0xbb]),
            TcpOptionSpec::FastOpenExp(vec![]),
            TcpOptionSpec::FastOpenExp(vec![
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff, 0x00, 0x11
            ]),
        ]))
    );
}

#[test]
fn ports_and_ip_info_are_kept() {
    let event = only_event("0 < [ect0] 1234>8080 S 0:0(0) win 100");
    let spec = packet(&event.kind);
    assert_eq!(spec.ip_info.as_deref(), Some("ect0"));
    assert_eq!(spec.ports, Some((1234, 8080)));
}

#[test]
fn time_forms() {
    let times: Vec<EventTime> = parse_script(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
         1.5 > . 1:1(0) ack 1\n\
         * > . 1:1(0) ack 1\n\
         0.1~0.25 > . 1:1(0) ack 1\n\
         +0.1~+0.2 > . 1:1(0) ack 1\n\
         +2 < . 1:1(0) ack 1 win 10\n",
    )
    .unwrap()
    .events
    .iter()
    .map(|e| e.time)
    .collect();
    assert_eq!(
        times,
        [
            EventTime::Absolute(0),
            EventTime::Absolute(1_500_000),
            EventTime::Any,
            EventTime::Range {
                lo: 100_000,
                hi: 250_000,
                relative: false
            },
            EventTime::Range {
                lo: 100_000,
                hi: 200_000,
                relative: true
            },
            EventTime::Relative(2_000_000),
        ]
    );
}

#[test]
fn syscall_with_errno_and_note() {
    let event = only_event("+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
    let call = syscall(&event.kind);
    assert_eq!(call.name, "connect");
    assert_eq!(call.args, [Expr::Int(3), Expr::Ellipsis, Expr::Ellipsis]);
    assert_eq!(call.result, Expr::Int(-1));
    assert_eq!(call.errno.as_deref(), Some("EINPROGRESS"));
    assert_eq!(call.note.as_deref(), Some("Operation now in progress"));
    assert_eq!(call.blocking_end, None);
}

#[test]
fn blocking_syscall_end_time() {
    let event = only_event("+0.1...0.25 read(4, ..., 1000) = 1000");
    assert_eq!(event.time, EventTime::Relative(100_000));
    assert_eq!(syscall(&event.kind).blocking_end, Some(250_000));
    let event = only_event("0...0.1 accept(3, ..., ...) = 4");
    assert_eq!(event.time, EventTime::Absolute(0));
    assert_eq!(syscall(&event.kind).blocking_end, Some(100_000));
}

#[test]
fn struct_and_flag_arguments() {
    let event =
        only_event("+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0");
    let assign = |name: &str, value: i64| {
        Expr::Assign(
            Box::new(Expr::Word(name.into())),
            Box::new(Expr::Int(value)),
        )
    };
    assert_eq!(
        syscall(&event.kind).args[3],
        Expr::Struct(vec![assign("l_onoff", 1), assign("l_linger", 0)])
    );
    let event = only_event("+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
    assert_eq!(
        syscall(&event.kind).args[2],
        Expr::BitOr(
            Box::new(Expr::Word("O_RDWR".into())),
            Box::new(Expr::Word("O_NONBLOCK".into()))
        )
    );
    let event = only_event("+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)");
    let call = syscall(&event.kind);
    assert_eq!(call.result, Expr::Int(0x802));
    assert_eq!(call.errno, None);
    assert_eq!(call.note.as_deref(), Some("flags O_RDWR | O_NONBLOCK"));
}

#[test]
fn sockaddr_and_array_arguments() {
    let event = only_event(
        "0 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0",
    );
    let Expr::Struct(fields) = &syscall(&event.kind).args[1] else {
        panic!("expected a struct");
    };
    assert_eq!(
        fields[1],
        Expr::Assign(
            Box::new(Expr::Word("sin_port".into())),
            Box::new(Expr::Call("htons".into(), vec![Expr::Int(8080)]))
        )
    );
    assert_eq!(
        fields[2],
        Expr::Assign(
            Box::new(Expr::Word("sin_addr".into())),
            Box::new(Expr::Call(
                "inet_addr".into(),
                vec![Expr::Str("192.0.2.1".into())]
            ))
        )
    );
    let event = only_event("0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0");
    assert_eq!(
        syscall(&event.kind).args[3],
        Expr::Array(vec![Expr::Word("ECONNREFUSED".into())])
    );
}

#[test]
fn shell_and_code_events() {
    let script = parse_script(
        "`sysctl -q net.ipv4.tcp_timestamps=0`\n0 `echo hi`\n+0 %{ print(tcpi_rto) }%\n`cleanup`\n",
    )
    .unwrap();
    let kinds: Vec<(EventTime, EventKind)> = script
        .events
        .into_iter()
        .map(|e| (e.time, e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                EventTime::Untimed,
                EventKind::Shell("sysctl -q net.ipv4.tcp_timestamps=0".into())
            ),
            (EventTime::Absolute(0), EventKind::Shell("echo hi".into())),
            (
                EventTime::Relative(0),
                EventKind::Code("print(tcpi_rto)".into())
            ),
            (EventTime::Untimed, EventKind::Shell("cleanup".into())),
        ]
    );
}

#[test]
fn errors_carry_the_offending_line() {
    let cases = [
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0) win 1 <mss 1, bogus 3>",
            2,
        ),
        ("\n\n0 > S 0:5(0)", 3),
        ("0 < S 0:0(0) win 70000", 1),
        ("0 < S 0:0(0) win 100 <...>", 1),
        ("\n* < S 0:0(0) win 100", 2),
        ("0.2~0.1 > S 0:0(0)", 1),
        ("0 > X 0:0(0)", 1),
        ("0 > S 0:0(0)\n--mss=100", 2),
        ("0 read(3, ..., 10) =", 1),
        ("0 > S 0:0(0) <FO 123>", 1),
        ("\n\n\n0 > S 0:0(0) <mss 1", 4),
        ("0 < . 1:1(0) ack 1", 1),
    ];
    for (source, line) in cases {
        let error = parse_script(source).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::Syntax, "{source}: {error}");
        assert_eq!(error.line, line, "{source}: {error}");
    }
}

#[test]
fn unsupported_constructs_are_marked_so() {
    for source in [
        "0 < udp (100)",
        "0 > S 0:0(0) <md5 0011>",
        "0 < ipv4 1.2.3.4 > 5.6.7.8: S 0:0(0) win 1",
        "0 > SA 0:0(0)",
    ] {
        let error = parse_script(source).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::Unsupported, "{source}: {error}");
    }
}

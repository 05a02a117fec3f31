//! The runner against a mock stack: correct behaviour passes, and each kind of misbehaviour
//! (a wrong segment, a missing one, one at the wrong time, a wrong errno, a wrong TS ecr, a
//! call that never returns) fails at the right line with packetdrill's wording.

mod mock;

use mock::{Faults, MockStack, TS_BASE};
use std::sync::Arc;
use tcp_packetdrill::report::{MakeStack, Status, run_file};
use tcp_packetdrill::sut::StackUnderTest;
use tcp_packetdrill::{Outcome, RunConfig, Script, Verdict, parse_script, run_script};

/// Passive open, data both ways, non-blocking read, active close. Line numbers matter.
const PASSIVE: &str = "\
// Passive open, data both ways, active close.
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 10) = 10
+0 > P. 1:11(10) ack 1
+.1 < P. 1:21(20) ack 11 win 257
+0 > . 11:11(0) ack 21
+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 fcntl(4, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)
+0 read(4, ..., 100) = 20
+0 read(4, ..., 100) = -1 EAGAIN (Resource temporarily unavailable)
+0 close(4) = 0
+0 > F. 11:11(0) ack 21
+.1 < F. 21:21(0) ack 12 win 257
+0 > . 12:12(0) ack 22
";

/// The first nine lines of [`PASSIVE`]: an accepted connection as fd 4.
fn accepted() -> String {
    PASSIVE.lines().take(9).collect::<Vec<_>>().join("\n") + "\n"
}

fn run(source: &str, faults: Faults, config: &RunConfig) -> (Outcome, MockStack) {
    let script = parse_script(source).unwrap();
    let mut stack = MockStack::new(faults);
    let outcome = run_script(&script, &mut stack, config);
    (outcome, stack)
}

fn verdict(source: &str, faults: Faults) -> Verdict {
    run(source, faults, &RunConfig::default()).0.verdict
}

/// The failing line and message; panics if the run did not fail.
fn failure(verdict: Verdict) -> (usize, String) {
    match verdict {
        Verdict::Fail(failure) => (failure.line.unwrap_or(0), failure.message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn correct_passive_run_passes_with_the_chosen_remote_isn() {
    let (outcome, stack) = run(PASSIVE, Faults::default(), &RunConfig::default());
    assert_eq!(outcome.verdict, Verdict::Pass);
    assert_eq!(stack.peer_isn, Some(RunConfig::default().remote_isn));
}

#[test]
fn wrong_segment_fails_at_its_line() {
    let faults = Faults {
        synack_ack_off_by_one: true,
        ..Faults::default()
    };
    let (line, message) = failure(verdict(PASSIVE, faults));
    assert_eq!(line, 7);
    assert_eq!(
        message,
        "expected > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8> at 0.000000 sec \
         got > S. 0:0(0) ack 2 win 65535 <mss 1460,nop,nop,sackOK,nop,wscale 8> at 0.000000 sec \
         (live packet field tcp_ack_seq: expected: 1 (0x1) vs actual: 2 (0x2))"
    );
}

#[test]
fn missing_segment_fails_at_its_line() {
    let faults = Faults {
        silent_close: true,
        ..Faults::default()
    };
    let (line, message) = failure(verdict(PASSIVE, faults));
    assert_eq!(line, 19);
    assert_eq!(
        message,
        "expected > F. 11:11(0) ack 21 at 0.200000 sec got no packet by 0.204000 sec"
    );
}

#[test]
fn segment_at_the_wrong_time_fails() {
    let faults = Faults {
        synack_delay: 50_000,
        ..Faults::default()
    };
    let (line, message) = failure(verdict(PASSIVE, faults));
    assert_eq!(line, 7);
    assert!(
        message.ends_with("at 0.050000 sec (timing error; tolerance 0.004000 sec)"),
        "{message}"
    );
}

#[test]
fn tolerance_comes_from_the_script() {
    let late = Faults {
        synack_delay: 3_000,
        ..Faults::default()
    };
    assert_eq!(verdict(PASSIVE, late.clone()), Verdict::Pass);
    let strict = format!("--tolerance_usecs=1000\n{PASSIVE}");
    let (line, _) = failure(verdict(&strict, late));
    assert_eq!(line, 8);
}

#[test]
fn any_time_and_ranges() {
    let loose = PASSIVE
        .replace("+0 > S. 0:0(0)", "0~0.01 > S. 0:0(0)")
        .replace("+0 > P. 1:11(10)", "* > P. 1:11(10)")
        .replace("+0 > . 11:11(0)", "+0~+0.01 > . 11:11(0)");
    assert_eq!(verdict(&loose, Faults::default()), Verdict::Pass);
    let delayed = Faults {
        synack_delay: 30_000,
        ..Faults::default()
    };
    let (line, message) = failure(verdict(&loose, delayed));
    assert_eq!(line, 7);
    assert!(
        message.contains("in 0.000000~0.010000 sec got > S. 0:0(0) ack 1 win 65535"),
        "{message}"
    );
}

const REFUSED: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0.1 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.1 < R. 0:0(0) ack 1 win 0
";

#[test]
fn blocking_connect_refused_passes() {
    assert_eq!(verdict(REFUSED, Faults::default()), Verdict::Pass);
}

#[test]
fn wrong_errno_fails_at_the_call() {
    let faults = Faults {
        refused_errno: Some(tcp_packetdrill::Errno::ECONNRESET),
        ..Faults::default()
    };
    let (line, message) = failure(verdict(REFUSED, faults));
    assert_eq!(line, 2);
    assert_eq!(
        message,
        "expected connect(3, ..., ...) = -1 ECONNREFUSED got -1 ECONNRESET"
    );
}

#[test]
fn nonblocking_connect_reports_the_error_through_so_error() {
    let script = "\
0 socket(..., SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+.1 < R. 0:0(0) ack 1 win 0
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
";
    assert_eq!(verdict(script, Faults::default()), Verdict::Pass);
    let wrong = script.replace("[ECONNREFUSED]", "[ETIMEDOUT]");
    let (line, message) = failure(verdict(&wrong, Faults::default()));
    assert_eq!(line, 5);
    assert!(
        message.ends_with("got option value [ECONNREFUSED]"),
        "{message}"
    );
}

const TIMESTAMPS: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0.1 connect(3, ..., ...) = 0
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.1 < S. 0:0(0) ack 1 win 5792 <mss 1460,sackOK,TS val 700 ecr 100,nop,wscale 2>
+0 > . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 700>
";

#[test]
fn inbound_ecr_maps_to_the_stacks_own_ts_val() {
    let (outcome, stack) = run(TIMESTAMPS, Faults::default(), &RunConfig::default());
    assert_eq!(outcome.verdict, Verdict::Pass);
    assert_eq!(stack.ecrs_seen, [TS_BASE]);
}

#[test]
fn wrong_ecr_fails() {
    let faults = Faults {
        wrong_ecr: true,
        ..Faults::default()
    };
    let (line, message) = failure(verdict(TIMESTAMPS, faults));
    assert_eq!(line, 5);
    assert!(
        message.ends_with("(bad outbound TCP timestamp ecr: expected: 700 vs actual: 701)"),
        "{message}"
    );
}

#[test]
fn blocking_read_returns_when_data_arrives() {
    let script = accepted()
        + "+0...0.1 read(4, ..., 1000) = 10\n\
           +.1 < P. 1:11(10) ack 1 win 257\n\
           +0 > . 1:1(0) ack 11\n";
    assert_eq!(verdict(&script, Faults::default()), Verdict::Pass);
}

#[test]
fn call_that_never_returns_fails() {
    let blocking = accepted() + "+0...0.1 read(4, ..., 1000) = 10\n";
    let (line, message) = failure(verdict(&blocking, Faults::default()));
    assert_eq!(line, 10);
    assert_eq!(
        message,
        "expected read(4, ..., 1000) = 10 got still blocked at 0.100000 sec \
         (expected the call to return at 0.200000 sec; tolerance 0.012500 sec)"
    );
    let immediate = accepted() + "+0 read(4, ..., 1000) = 10\n";
    let (line, _) = failure(verdict(&immediate, Faults::default()));
    assert_eq!(line, 10);
}

#[test]
fn options_are_compared_in_order_with_their_padding() {
    let faults = Faults {
        compact_synack_options: true,
        ..Faults::default()
    };
    let (line, message) = failure(verdict(PASSIVE, faults));
    assert_eq!(line, 7);
    assert!(message.ends_with("(bad outbound TCP options)"), "{message}");
}

#[test]
fn shell_lines_are_sysctls_or_skip_the_script() {
    let script = format!("`sysctl -q net.ipv4.tcp_sack=1`\n{PASSIVE}");
    let (outcome, _) = run(&script, Faults::default(), &RunConfig::default());
    assert_eq!(outcome.verdict, Verdict::Pass);
    let script = format!("`ip link set dev tun0 mtu 1300`\n{PASSIVE}");
    let (outcome, _) = run(&script, Faults::default(), &RunConfig::default());
    assert!(
        matches!(&outcome.verdict, Verdict::Skip(reason)
            if reason.starts_with("line 1: shell command 'ip link")),
        "{outcome:?}"
    );
}

#[test]
fn unsupported_calls_skip_and_script_errors_fail() {
    let open = accepted() + "+0 open(\"/dev/null\", O_RDONLY) = 5\n";
    assert!(matches!(
        verdict(&open, Faults::default()),
        Verdict::Skip(reason) if reason.contains("'open'")
    ));
    let late_start = "+1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";
    assert_eq!(
        failure(verdict(late_start, Faults::default())),
        (1, "first event should be at time 0".to_string())
    );
    let backwards =
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n1 close(3) = 0\n0.5 close(3) = 0\n";
    assert_eq!(failure(verdict(backwards, Faults::default())).0, 3);
    let unknown_errno = "0 close(7) = -1 EBOGUS\n";
    assert_eq!(failure(verdict(unknown_errno, Faults::default())).0, 1);
}

#[test]
fn a_script_file_runs_through_the_report_layer() {
    let dir = std::env::temp_dir().join(format!("tcp-packetdrill-exec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("passive.pkt");
    std::fs::write(&path, PASSIVE).unwrap();
    let make: MakeStack = Arc::new(|_: &Script, _: &RunConfig| {
        Ok(Box::new(MockStack::new(Faults::default())) as Box<dyn StackUnderTest>)
    });
    let report = run_file(&path, &RunConfig::default(), &make);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(report.status, Status::Pass);
    assert_eq!(report.line, format!("PASS {}", path.display()));
}

/// A stack whose timer is always due and never rearmed.
struct StuckTimer;

impl StackUnderTest for StuckTimer {
    fn inject(&mut self, _: u64, _: std::net::IpAddr, _: std::net::IpAddr, _: &[u8]) {}
    fn next_timer(&self) -> Option<u64> {
        Some(0)
    }
    fn advance(&mut self, _: u64) {}
    fn take_outbound(&mut self) -> Vec<tcp_packetdrill::sut::Outbound> {
        Vec::new()
    }
    fn syscall(
        &mut self,
        _: u64,
        _: &tcp_packetdrill::sut::SocketCall,
    ) -> tcp_packetdrill::sut::CallStatus {
        tcp_packetdrill::sut::CallStatus::Done(Ok(tcp_packetdrill::sut::SysValue::Int(3)))
    }
    fn poll_blocked(&mut self) -> Option<tcp_packetdrill::sut::SysResult> {
        None
    }
}

#[test]
fn a_timer_that_never_rearms_fails_instead_of_hanging() {
    let script = parse_script("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n").unwrap();
    let outcome = run_script(&script, &mut StuckTimer, &RunConfig::default());
    let (line, message) = failure(outcome.verdict);
    assert_eq!(line, 1);
    assert!(
        message.contains("keeps expiring at 0.000000 sec"),
        "{message}"
    );
}

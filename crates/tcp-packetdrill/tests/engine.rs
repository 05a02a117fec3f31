//! The runner against the real engine: a script the engine passes fails once it expects a
//! wrong segment, a segment the engine does not send, a segment at the wrong time or a
//! wrong errno; and `--profile rfc` reaches the engine.

use tcp_packetdrill::{Profile, RunConfig, Verdict, engine_sut, parse_script, run_script};

/// Passive open, a write, an unanswered retransmission, a reset.
const SCRIPT: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 100) = 100
+0 > P. 1:101(100) ack 1
+.3 > P. 1:101(100) ack 1
+.1 < R 1:1(0) win 0
+0 read(4, ..., 100) = -1 ECONNRESET (Connection reset by peer)
";

fn run(source: &str, profile: Profile) -> Verdict {
    let script = parse_script(source).unwrap();
    let config = RunConfig::default();
    let mut stack = engine_sut::new_sut(profile, &script, &config).unwrap();
    run_script(&script, stack.as_mut(), &config).verdict
}

/// The failing line and message; panics if the run did not fail.
fn failure(source: &str) -> (usize, String) {
    match run(source, Profile::Linux) {
        Verdict::Fail(failure) => (failure.line.unwrap_or(0), failure.message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn the_script_passes() {
    assert_eq!(run(SCRIPT, Profile::Linux), Verdict::Pass);
}

#[test]
fn a_wrong_segment_fails() {
    let (line, message) =
        failure(&SCRIPT.replace("> P. 1:101(100) ack 1\n+.3", "> P. 1:101(100) ack 2\n+.3"));
    assert_eq!(line, 10);
    assert!(message.contains("tcp_ack_seq: expected: 2"), "{message}");
}

#[test]
fn a_missing_segment_fails() {
    let (line, message) = failure(&SCRIPT.replace(
        "+0 accept(3, ..., ...) = 4\n",
        "+0 accept(3, ..., ...) = 4\n+0 > . 1:1(0) ack 1\n",
    ));
    assert_eq!(line, 9);
    assert!(message.contains("got no packet"), "{message}");
    let (line, message) = failure(&format!("{SCRIPT}+0 > R 101:101(0)\n"));
    assert_eq!(line, 14);
    assert!(message.contains("got no packet"), "{message}");
}

#[test]
fn a_segment_at_the_wrong_time_fails() {
    let (line, message) = failure(&SCRIPT.replace("+.3 > P.", "+.2 > P."));
    assert_eq!(line, 11);
    assert!(message.contains("timing error"), "{message}");
}

#[test]
fn a_wrong_errno_fails() {
    let (line, message) = failure(&SCRIPT.replace("-1 ECONNRESET", "-1 ETIMEDOUT"));
    assert_eq!(line, 13);
    assert!(message.ends_with("got -1 ECONNRESET"), "{message}");
}

#[test]
fn the_rfc_profile_has_a_one_second_minimum_rto() {
    assert!(matches!(run(SCRIPT, Profile::Rfc), Verdict::Fail(_)));
    // The RFC profile's receive buffer ceiling needs only window scale 7.
    let rfc = SCRIPT
        .replace("+.3 > P.", "+1 > P.")
        .replace("sackOK,nop,wscale 8", "sackOK,nop,wscale 7");
    assert_eq!(run(&rfc, Profile::Rfc), Verdict::Pass);
}

/// A write of 3 segments that the engine sends as one super-segment.
const SUPER_SEGMENT: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 3000) = 3000
";

#[test]
fn a_super_segment_is_one_packet_and_splits_only_on_segment_boundaries() {
    let whole = format!("{SUPER_SEGMENT}+0 > P. 1:3001(3000) ack 1\n");
    assert_eq!(run(&whole, Profile::Linux), Verdict::Pass);
    let pieces =
        format!("{SUPER_SEGMENT}+0 > . 1:1001(1000) ack 1\n+0 > P. 1001:3001(2000) ack 1\n");
    assert_eq!(run(&pieces, Profile::Linux), Verdict::Pass);
    let strict = format!("--strict_segments\n{pieces}");
    let (line, message) = failure(&strict);
    assert_eq!(line, 11);
    assert!(
        message.contains("expected 1000 bytes vs actual 3000 bytes"),
        "{message}"
    );
    let mid_segment = format!("{SUPER_SEGMENT}+0 > . 1:1501(1500) ack 1\n");
    assert!(
        failure(&mid_segment)
            .1
            .contains("expected 1500 bytes vs actual 3000 bytes")
    );
    let too_long = format!("{SUPER_SEGMENT}+0 > P. 1:4001(4000) ack 1\n");
    assert!(
        failure(&too_long)
            .1
            .contains("expected 4000 bytes vs actual 3000 bytes")
    );
}

/// An established connection as fd 4, for the departures below.
const ESTABLISHED: &str = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
";

#[test]
fn an_ack_of_unsent_data_is_dropped_silently_by_linux_and_answered_by_the_rfc() {
    let answered = format!(
        "{ESTABLISHED}+.1 < P. 1:11(10) ack 500 win 257\n+0 > . 1:1(0) ack 1\n\
         +.1 < P. 1:11(10) ack 1 win 257\n+0 > . 1:1(0) ack 11\n"
    );
    assert_eq!(run(&answered, Profile::Rfc), Verdict::Pass);
    let (line, message) = failure(&answered);
    assert_eq!(line, 10);
    assert!(message.contains("got no packet"), "{message}");
}

#[test]
fn a_closed_listeners_half_open_connection_is_reset_at_once_only_by_the_rfc() {
    let half_open = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.1 close(3) = 0
";
    let reset_now = format!("{half_open}+0 > R. 1:1(0) ack 1\n");
    assert_eq!(run(&reset_now, Profile::Rfc), Verdict::Pass);
    assert_eq!(failure(&reset_now).0, 8);
    let reset_later = format!("{half_open}+1.5 < . 1:1(0) ack 1 win 257\n+0 > R 1:1(0)\n");
    assert_eq!(run(&reset_later, Profile::Linux), Verdict::Pass);
}

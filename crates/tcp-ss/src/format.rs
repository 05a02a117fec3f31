//! The output: the socket table as `ss -tan` prints it (with `-i`, a line of details under
//! each connection, as `ss -tani`), and counters as `nstat` prints them.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;
use tcp_tokio::{SocketInfo, State, TcpInfo};

/// The header's column titles.
const TITLES: [&str; 5] = [
    "State",
    "Recv-Q",
    "Send-Q",
    "Local Address:Port",
    "Peer Address:Port",
];

/// `ss`'s name for `state`.
pub fn state_name(state: State) -> &'static str {
    match state {
        State::Closed => "UNCONN",
        State::Listen => "LISTEN",
        State::SynSent => "SYN-SENT",
        State::SynReceived => "SYN-RECV",
        State::Established => "ESTAB",
        State::FinWait1 => "FIN-WAIT-1",
        State::FinWait2 => "FIN-WAIT-2",
        State::CloseWait => "CLOSE-WAIT",
        State::Closing => "CLOSING",
        State::LastAck => "LAST-ACK",
        State::TimeWait => "TIME-WAIT",
    }
}

/// `addr` as `ss -n` shows it: `ip:port`, `*` for port 0.
fn address(addr: SocketAddr) -> String {
    match addr.port() {
        0 => format!("{}:*", addr.ip()),
        port => format!("{}:{port}", addr.ip()),
    }
}

/// The table of `rows`, columns as wide as their widest cell, one line per socket (with
/// `info`, each connection's details on a second, indented line), a header first when
/// `header`. Every line ends with a newline.
pub fn sockets(rows: &[(SocketInfo, Option<TcpInfo>)], header: bool, info: bool) -> String {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|(socket, _)| {
            [
                state_name(socket.state).to_string(),
                socket.recv_q.to_string(),
                socket.send_q.to_string(),
                address(socket.local),
                address(socket.remote),
            ]
        })
        .collect();
    let mut widths = TITLES.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    if header {
        push_row(&mut out, &TITLES.map(str::to_string), &widths);
    }
    for (row, (_, details)) in cells.iter().zip(rows) {
        push_row(&mut out, row, &widths);
        if let Some(details) = details.filter(|_| info) {
            out.push('\t');
            out.push_str(&info_line(&details));
            out.push('\n');
        }
    }
    out
}

/// One row: numbers right-aligned, the rest left-aligned, columns two spaces apart, no
/// trailing space.
fn push_row(out: &mut String, row: &[String; 5], widths: &[usize; 5]) {
    let mut line = String::new();
    for (column, (cell, width)) in row.iter().zip(widths).enumerate() {
        if column > 0 {
            line.push_str("  ");
        }
        if column == 1 || column == 2 {
            let _ = write!(line, "{cell:>width$}");
        } else {
            let _ = write!(line, "{cell:<width$}");
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Milliseconds as `ss` prints them: at most three decimals, no trailing zeros.
fn millis(duration: Duration) -> String {
    let text = format!("{:.3}", duration.as_secs_f64() * 1000.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Bytes as whole segments of `mss` bytes, rounded up (the kernel counts its congestion
/// window in segments).
fn segments(bytes: u32, mss: u32) -> u32 {
    bytes.div_ceil(mss.max(1))
}

/// A connection's details in `ss -i`'s words (`name:value`, flags by name).
pub fn info_line(info: &TcpInfo) -> String {
    let t = &info.transmission;
    let c = &info.counters;
    let mut words: Vec<String> = Vec::new();
    for (on, name) in [(t.timestamps, "ts"), (t.sack, "sack"), (t.ecn, "ecn")] {
        if on {
            words.push(name.to_string());
        }
    }
    words.push(format!(
        "wscale:{},{}",
        t.window_scales.1, t.window_scales.0
    ));
    words.push(format!("rto:{}", millis(t.rto)));
    if let Some(rtt) = t.rtt {
        words.push(format!("rtt:{}/{}", millis(rtt), millis(t.rtt_variation)));
    }
    words.push(format!("mss:{}", t.send_mss));
    words.push(format!(
        "cwnd:{}",
        segments(t.congestion_window, t.send_mss)
    ));
    if t.slow_start_threshold != u32::MAX {
        words.push(format!(
            "ssthresh:{}",
            segments(t.slow_start_threshold, t.send_mss)
        ));
    }
    words.extend([
        format!("bytes_sent:{}", c.bytes_sent),
        format!("bytes_acked:{}", c.bytes_acked),
        format!("bytes_received:{}", c.bytes_received),
        format!("segs_out:{}", c.segments_out),
        format!("segs_in:{}", c.segments_in),
        format!("unacked:{}", t.unacknowledged),
        format!("retrans:{}", c.retransmits),
        format!("timeouts:{}", c.retransmission_timeouts),
        format!("snd_wnd:{}", t.send_window),
        format!("rcv_wnd:{}", t.receive_window),
    ]);
    words.join(" ")
}

/// Counters as `nstat` prints them: a `#stack` header when `header`, then `name value`
/// with the values in one column; zero counters only when `zeros`.
pub fn counters(rows: &[(String, u64)], header: bool, zeros: bool) -> String {
    let shown: Vec<&(String, u64)> = rows.iter().filter(|(_, v)| zeros || *v != 0).collect();
    let width = shown.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut out = String::new();
    if header {
        out.push_str("#stack\n");
    }
    for (name, value) in shown {
        let _ = writeln!(out, "{name:<width$}  {value}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcp_tokio::{ConnectionInfo, ConnectionStats};

    fn row(state: State, local: &str, remote: &str, send_q: usize) -> SocketInfo {
        SocketInfo {
            recv_q: 0,
            send_q,
            local: local.parse().unwrap(),
            remote: remote.parse().unwrap(),
            state,
        }
    }

    fn details() -> TcpInfo {
        TcpInfo {
            transmission: ConnectionInfo {
                state: State::Established,
                rtt: Some(Duration::from_micros(1250)),
                rtt_variation: Duration::from_micros(600),
                rto: Duration::from_millis(201),
                send_mss: 1448,
                congestion_window: 14480,
                slow_start_threshold: 2896,
                send_window: 65535,
                receive_window: 64240,
                unacknowledged: 0,
                sacked: 0,
                send_buffer: 16384,
                receive_buffer: 131072,
                window_scales: (7, 9),
                timestamps: true,
                sack: true,
                ecn: false,
            },
            counters: ConnectionStats {
                segments_in: 5,
                segments_out: 6,
                bytes_sent: 100,
                bytes_acked: 101,
                bytes_received: 99,
                retransmits: 2,
                ..ConnectionStats::default()
            },
        }
    }

    #[test]
    fn the_table_lines_up_like_ss() {
        let rows = [
            (row(State::Listen, "198.18.0.1:80", "0.0.0.0:0", 1024), None),
            (
                row(State::Established, "198.18.0.1:80", "198.18.0.2:40000", 0),
                Some(details()),
            ),
            (
                row(State::TimeWait, "198.18.0.1:41000", "198.18.0.2:7", 0),
                None,
            ),
        ];
        let expected = "\
State      Recv-Q  Send-Q  Local Address:Port  Peer Address:Port
LISTEN          0    1024  198.18.0.1:80       0.0.0.0:*
ESTAB           0       0  198.18.0.1:80       198.18.0.2:40000
TIME-WAIT       0       0  198.18.0.1:41000    198.18.0.2:7
";
        assert_eq!(sockets(&rows, true, false), expected);
        let with_info = sockets(&rows, false, true);
        let lines: Vec<&str> = with_info.lines().collect();
        assert_eq!(lines.len(), 4, "{with_info}");
        assert!(lines[0].starts_with("LISTEN "));
        assert_eq!(
            lines[2],
            "\tts sack wscale:9,7 rto:201 rtt:1.25/0.6 mss:1448 cwnd:10 ssthresh:2 \
             bytes_sent:100 bytes_acked:101 bytes_received:99 segs_out:6 segs_in:5 \
             unacked:0 retrans:2 timeouts:0 snd_wnd:65535 rcv_wnd:64240"
        );
        assert!(lines[3].starts_with("TIME-WAIT"));
    }

    #[test]
    fn details_leave_out_what_is_unknown() {
        let mut fresh = details();
        fresh.transmission.rtt = None;
        fresh.transmission.slow_start_threshold = u32::MAX;
        fresh.transmission.timestamps = false;
        let line = info_line(&fresh);
        assert!(
            line.starts_with("sack wscale:9,7 rto:201 mss:1448 cwnd:10 bytes_sent"),
            "{line}"
        );
        assert!(
            !line.contains("rtt:") && !line.contains("ssthresh"),
            "{line}"
        );
    }

    #[test]
    fn counters_like_nstat() {
        let rows = vec![
            ("tcp.segments_in".to_string(), 12),
            ("tcp.resets_sent".to_string(), 0),
            ("net.frames_in".to_string(), 3),
        ];
        assert_eq!(
            counters(&rows, true, false),
            "#stack\ntcp.segments_in  12\nnet.frames_in    3\n"
        );
        assert_eq!(counters(&rows, false, true).lines().count(), 3);
        assert_eq!(counters(&[], false, false), "");
    }
}

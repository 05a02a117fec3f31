//! The `tcp-ss` binary end to end, without privileges: stack A (on a memory link to stack
//! B) serves its live view with a listener, an established connection and one in
//! TIME_WAIT, and `tcp-ss` prints them as `ss -tan`/`-tani` would, filters them, and prints
//! the counters as `nstat` would.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tcp_tokio::link::MemoryLink;
use tcp_tokio::{Stack, State, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The longest a step that should be quick may take.
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs the binary with `args` on a blocking thread (the stacks and the live view keep
/// running on the runtime meanwhile).
async fn tcp_ss(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_tcp-ss"))
            .args(&args)
            .env_remove("TCP_SS_SOCKET")
            .output()
            .expect("running tcp-ss")
    });
    tokio::time::timeout(PATIENCE, run)
        .await
        .expect("tcp-ss finishes")
        .expect("the blocking task")
}

/// The standard output of a run that must succeed.
async fn printed(socket: &Path, args: &[&str]) -> String {
    let mut all = vec!["-S", socket.to_str().expect("a UTF-8 path")];
    all.extend_from_slice(args);
    let output = tcp_ss(&all).await;
    assert!(
        output.status.success(),
        "tcp-ss {all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The first whitespace-separated words of each line of `text`.
fn words(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .map(|line| line.split_whitespace().collect())
        .collect()
}

/// Waits until `stack` lists `local` <-> `remote` in `state`.
async fn until_listed(stack: &Stack, local: SocketAddr, remote: SocketAddr, state: State) {
    let listed = || {
        stack
            .sockets()
            .iter()
            .any(|s| s.local == local && s.remote == remote && s.state == state)
    };
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !listed() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{local} <-> {remote} not in {state} within {PATIENCE:?}: {:?}",
            stack.sockets()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_ss_prints_listeners_connections_time_wait_and_counters() {
    let (left, right) = MemoryLink::pair();
    let a = Stack::builder()
        .ipv4("198.18.6.1/24")
        .link(left)
        .expect("stack a");
    let b = Stack::builder()
        .ipv4("198.18.6.2/24")
        .link(right)
        .expect("stack b");
    let socket = std::env::temp_dir().join(format!("tcp-ss-test-{}.sock", std::process::id()));
    let _view = a.serve_live_view(&socket).expect("serve the live view");

    // A listens on 80; B connects and sends 5 bytes A reads.
    let listener = TcpListener::bind_on(&a, "198.18.6.1:80").await.unwrap();
    let mut client = TcpStream::connect_on(&b, "198.18.6.1:80").await.unwrap();
    let (mut accepted, _) = listener.accept().await.unwrap();
    client.write_all(b"hello").await.unwrap();
    let mut got = [0u8; 5];
    accepted.read_exact(&mut got).await.unwrap();
    let client_addr = client.local_addr().unwrap();

    // A connects to B's port 7 and closes first: A's side rests in TIME_WAIT.
    let b_listener = TcpListener::bind_on(&b, "198.18.6.2:7").await.unwrap();
    let mut closing = TcpStream::connect_on(&a, "198.18.6.2:7").await.unwrap();
    let (mut b_side, _) = b_listener.accept().await.unwrap();
    let closing_addr = closing.local_addr().unwrap();
    closing.shutdown().await.unwrap();
    let mut rest = Vec::new();
    b_side.read_to_end(&mut rest).await.unwrap();
    drop(b_side);
    assert_eq!(closing.read(&mut [0u8; 1]).await.unwrap(), 0);
    drop(closing);
    let peer7: SocketAddr = "198.18.6.2:7".parse().unwrap();
    until_listed(&a, closing_addr, peer7, State::TimeWait).await;

    let all = printed(&socket, &["-tan"]).await;
    println!("$ tcp-ss -S {} -tan\n{all}", socket.display());
    let client = client_addr.to_string();
    let closing = closing_addr.to_string();
    assert_eq!(
        words(&all),
        [
            vec![
                "State",
                "Recv-Q",
                "Send-Q",
                "Local",
                "Address:Port",
                "Peer",
                "Address:Port"
            ],
            vec!["LISTEN", "0", "1024", "198.18.6.1:80", "0.0.0.0:*"],
            vec!["ESTAB", "0", "0", "198.18.6.1:80", &client],
            vec!["TIME-WAIT", "0", "0", &closing, "198.18.6.2:7"],
        ],
        "{all}"
    );

    let default_view = printed(&socket, &["-H"]).await;
    assert_eq!(
        words(&default_view),
        [vec!["ESTAB", "0", "0", "198.18.6.1:80", &client]],
        "by default, as ss: connected sockets only"
    );
    let listening = printed(&socket, &["-ltnH"]).await;
    assert_eq!(words(&listening).len(), 1, "{listening}");
    assert!(listening.starts_with("LISTEN"), "{listening}");
    let time_wait = printed(&socket, &["-H", "state", "time-wait", "dport", "=", ":7"]).await;
    assert_eq!(words(&time_wait)[0][0], "TIME-WAIT", "{time_wait}");
    assert_eq!(words(&time_wait).len(), 1, "{time_wait}");
    let none = printed(&socket, &["-aH", "sport", "=", ":81"]).await;
    assert_eq!(none, "", "nothing on port 81");

    let info = printed(
        &socket,
        &["-tiH", "state", "established", "sport", "=", ":80"],
    )
    .await;
    println!(
        "$ tcp-ss -S {} -tiH state established sport = :80\n{info}",
        socket.display()
    );
    let lines: Vec<&str> = info.lines().collect();
    assert_eq!(lines.len(), 2, "the row and its details: {info}");
    assert!(lines[0].starts_with("ESTAB"), "{info}");
    let details = lines[1];
    assert!(details.starts_with('\t'), "{info}");
    for word in [
        "ts",
        "sack",
        "bytes_received:5",
        "bytes_acked:",
        "mss:",
        "cwnd:",
        "rtt:",
        "wscale:",
        "retrans:0",
    ] {
        assert!(
            details.split_whitespace().any(|w| w.starts_with(word)),
            "{word} missing in {details:?}"
        );
    }

    let counters = printed(&socket, &["--counters"]).await;
    println!("$ tcp-ss -S {} --counters\n{counters}", socket.display());
    let rows = words(&counters);
    assert_eq!(rows[0], ["#stack"]);
    let value = |name: &str| {
        rows.iter()
            .find(|row| row.first() == Some(&name))
            .map(|row| row[1].to_string())
    };
    assert_eq!(value("tcp.passive_opens").as_deref(), Some("1"));
    assert_eq!(value("tcp.active_opens").as_deref(), Some("1"));
    assert_eq!(value("tcp.resets_sent"), None, "zero counters are left out");
    let zeros = printed(&socket, &["-szH"]).await;
    assert!(
        words(&zeros)
            .iter()
            .any(|row| row == &["tcp.resets_sent", "0"]),
        "{zeros}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_usage_errors_and_a_missing_stack() {
    let help = tcp_ss(&["--help"]).await;
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.starts_with("tcp-ss:") && text.contains("sport = :PORT"),
        "{text}"
    );

    let wrong = tcp_ss(&["-S", "/nonexistent", "-p"]).await;
    assert_eq!(wrong.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("-p"));

    let missing: PathBuf = std::env::temp_dir().join("tcp-ss-test-no-such.sock");
    let gone = tcp_ss(&["-S", missing.to_str().unwrap()]).await;
    assert_eq!(gone.status.code(), Some(1), "no stack there");
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("tcp-ss-test-no-such.sock"),
        "the error names the socket"
    );
}

//! The live view against the kernel: a stack in its namespace (two shards) serves its view
//! while the kernel connects to its listener and it closes a connection to a kernel server
//! first; `tcp-ss`'s client and formatter (the binary's own code; the binary itself runs in
//! `crates/tcp-ss/tests/tcp_ss.rs`) show the listener once, the connection with its
//! details, and the TIME-WAIT entry.

mod support;

use support::{
    PATIENCE, kernel_addr, kernel_connect, kernel_listener, socket_state, stack_addr,
    stack_exactly, wait_until, within,
};
use tcp_ss::format;
use tcp_stack::netns;
use tcp_tokio::live_view::{Record, Request};
use tcp_tokio::{Stack, State, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The socket table the view at `path` gives, formatted as `tcp-ss -tani` prints it.
async fn tcp_ss_tani(path: std::path::PathBuf) -> String {
    let records =
        tokio::task::spawn_blocking(move || tcp_ss::query(&path, Request::Sockets { info: true }))
            .await
            .expect("the query's task")
            .expect("the live view answers");
    let rows: Vec<_> = records
        .into_iter()
        .map(|record| match record {
            Record::Socket { socket, info } => (socket, info.map(|info| *info)),
            other => panic!("not a socket: {other:?}"),
        })
        .collect();
    format::sockets(&rows, true, true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_view_lists_a_stacks_sockets_against_the_kernel() {
    if !netns::require("live_view::the_live_view_lists_a_stacks_sockets_against_the_kernel") {
        return;
    }
    let topology = support::topology("lv");
    let stack: Stack = stack_exactly(&topology, Stack::builder().shards(2));
    let path =
        std::env::temp_dir().join(format!("tcp-live-view-netns-{}.sock", std::process::id()));
    let _view = stack.serve_live_view(&path).expect("serve the view");

    let listener = TcpListener::bind_on(&stack, stack_addr(&topology, 80))
        .await
        .unwrap();
    let mut kernel_client = kernel_connect(&topology, stack_addr(&topology, 80))
        .await
        .expect("the kernel connects");
    let (mut accepted, kernel_peer) = within("accept", PATIENCE, listener.accept()).await.unwrap();
    kernel_client.write_all(b"hello").await.unwrap();
    let mut got = [0u8; 5];
    within("read", PATIENCE, accepted.read_exact(&mut got))
        .await
        .unwrap();

    let server = kernel_listener(&topology, 7);
    let mut ours = TcpStream::connect_on(&stack, kernel_addr(&topology, 7))
        .await
        .unwrap();
    let (mut kernel_side, _) = within("kernel accept", PATIENCE, server.accept())
        .await
        .unwrap();
    let closing = ours.local_addr().unwrap();
    ours.shutdown().await.unwrap();
    let mut rest = Vec::new();
    within(
        "the kernel reads our FIN",
        PATIENCE,
        kernel_side.read_to_end(&mut rest),
    )
    .await
    .unwrap();
    drop(kernel_side);
    assert_eq!(
        within("the kernel's FIN", PATIENCE, ours.read(&mut [0u8; 1]))
            .await
            .unwrap(),
        0
    );
    drop(ours);
    let peer7 = kernel_addr(&topology, 7);
    wait_until("our side in TIME_WAIT", PATIENCE, || {
        socket_state(&stack, closing, peer7) == Some(State::TimeWait)
    })
    .await;

    let table = tcp_ss_tani(path).await;
    println!("{table}");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|line| !line.starts_with('\t'))
        .map(|line| line.split_whitespace().collect())
        .collect();
    let listen = stack_addr(&topology, 80).to_string();
    let (kernel_peer, closing) = (kernel_peer.to_string(), closing.to_string());
    let peer7 = peer7.to_string();
    assert_eq!(
        rows.get(1),
        Some(&vec!["LISTEN", "0", "1024", listen.as_str(), "0.0.0.0:*"]),
        "the listener first, one row for both shards:\n{table}"
    );
    let mut connections = rows[2..].to_vec();
    connections.sort();
    assert_eq!(
        connections,
        [
            vec!["ESTAB", "0", "0", listen.as_str(), kernel_peer.as_str()],
            vec!["TIME-WAIT", "0", "0", closing.as_str(), peer7.as_str()],
        ],
        "the connection and the TIME-WAIT entry:\n{table}"
    );
    let details: Vec<&str> = table.lines().filter(|l| l.starts_with('\t')).collect();
    assert_eq!(
        details.len(),
        1,
        "details for the connection only:\n{table}"
    );
    assert!(
        details[0].contains("bytes_received:5") && details[0].contains("ts sack"),
        "{table}"
    );
}

//! The live view (`Stack::serve_live_view`) over two stacks joined in memory: its answers
//! match the stack's own tables and counters, bad requests get an error record, and the
//! socket file's life (a stale one replaced, a live one refused, removed on drop).

mod support;

use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use support::{a_addr, pair};
use tcp_tokio::live_view::{Record, Request};
use tcp_tokio::{State, TcpListener, TcpStream};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// The longest a step that should be quick may take.
const PATIENCE: Duration = Duration::from_secs(10);

/// A socket path no other test (in this or another process) uses.
fn socket_path() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("tcp-live-view-{}-{n}.sock", std::process::id()))
}

/// Sends `request` (a line without its end) to the view at `path`; returns the answer's
/// lines.
async fn ask(path: &PathBuf, request: &str) -> Vec<String> {
    let exchange = async {
        let mut stream = UnixStream::connect(path)
            .await
            .expect("connect to the view");
        stream
            .write_all(format!("{request}\n").as_bytes())
            .await
            .expect("send the request");
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stream).lines();
        loop {
            match reader.next_line().await {
                Ok(Some(line)) => lines.push(line),
                Ok(None) => return lines,
                // The server closed with part of an over-long request unread, which a Unix
                // socket reports as a reset after the data sent before it.
                Err(error) if error.kind() == ErrorKind::ConnectionReset && !lines.is_empty() => {
                    return lines;
                }
                Err(error) => panic!("reading the answer: {error}"),
            }
        }
    };
    tokio::time::timeout(PATIENCE, exchange)
        .await
        .expect("the view answers")
}

/// The records of `lines`, each of which must parse.
fn records(lines: &[String]) -> Vec<Record> {
    lines
        .iter()
        .map(|line| Record::parse(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_view_answers_with_the_stacks_tables_and_counters() {
    let (a, b) = pair();
    let path = socket_path();
    let view = a.serve_live_view(&path).expect("serve the view");
    assert_eq!(view.path(), path);
    let listener = TcpListener::bind_on(&a, a_addr(80)).await.unwrap();
    let mut client = TcpStream::connect_on(&b, a_addr(80)).await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    client.write_all(b"hello").await.unwrap();
    let mut got = [0u8; 5];
    server.read_exact(&mut got).await.unwrap();

    let plain = records(&ask(&path, "sockets").await);
    let expected: Vec<Record> = a
        .sockets()
        .into_iter()
        .map(|socket| Record::Socket { socket, info: None })
        .collect();
    assert_eq!(plain, expected);
    let states: Vec<State> = a.sockets().iter().map(|s| s.state).collect();
    assert_eq!(states, [State::Listen, State::Established]);

    let detailed = records(&ask(&path, "sockets info").await);
    let connection = detailed
        .iter()
        .find_map(|record| match record {
            Record::Socket { socket, info } if socket.state == State::Established => {
                info.as_deref().copied()
            }
            _ => None,
        })
        .expect("the connection's details");
    assert_eq!(connection.transmission.state, State::Established);
    assert_eq!(connection.counters.bytes_received, 5);
    assert!(
        detailed
            .iter()
            .all(|r| matches!(r, Record::Socket { socket, info } if (socket.state == State::Listen) == info.is_none())),
        "listeners have no details, the connection has: {detailed:?}"
    );

    let counters = records(&ask(&path, "counters").await);
    let value = |name: &str| {
        counters.iter().find_map(|record| match record {
            Record::Counter { name: n, value } if n == name => Some(*value),
            _ => None,
        })
    };
    assert_eq!(value("tcp.passive_opens"), Some(1));
    assert_eq!(value("connections.bytes_received"), Some(5));
    assert!(value("net.frames_in").is_some_and(|n| n > 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_an_error_record() {
    let (a, _b) = pair();
    let path = socket_path();
    let _view = a.serve_live_view(&path).expect("serve the view");
    for request in ["help", "sockets  info", &"x".repeat(300)] {
        let lines = ask(&path, request).await;
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            matches!(Record::parse(&lines[0]), Ok(Record::Error(_))),
            "{request:?}: {lines:?}"
        );
    }
    let mut silent = UnixStream::connect(&path).await.unwrap();
    silent.write_all(b"sockets").await.unwrap();
    silent.shutdown().await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(PATIENCE, silent.read_to_string(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    assert!(answer.starts_with("error "), "{answer:?}");
    assert_eq!(
        records(&ask(&path, &Request::Counters.to_string()).await).len(),
        records(&ask(&path, "counters").await).len(),
        "the view still answers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_file_lives_with_the_view() {
    let (a, _b) = pair();
    let path = socket_path();
    let stale = std::os::unix::net::UnixListener::bind(&path).unwrap();
    drop(stale);
    assert!(path.exists(), "a stale socket file");
    let view = a
        .serve_live_view(&path)
        .expect("the stale file is replaced");
    let again = a.serve_live_view(&path).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::AddrInUse, "{again}");
    assert_eq!(
        ask(&path, "sockets").await,
        Vec::<String>::new(),
        "the view answers: an empty table"
    );
    drop(view);
    assert!(!path.exists(), "dropping the view removes its file");

    let plain_file = socket_path();
    std::fs::write(&plain_file, b"not a socket").unwrap();
    let refused = a.serve_live_view(&plain_file).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&plain_file).unwrap(), b"not a socket");
    std::fs::remove_file(&plain_file).unwrap();
}

#[test]
fn outside_a_runtime_it_is_an_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (a, _b) = runtime.block_on(async { pair() });
    let error = a.serve_live_view(socket_path()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Other, "{error}");
}

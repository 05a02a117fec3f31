//! Two stacks joined by an in-memory link: the tokio::net-shaped API end to end, without
//! privileges.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;
use support::{A, B, b_addr, pair};
use tcp_tokio::link::{FaultConfig, MemoryLink};
use tcp_tokio::{Stack, State, TcpListener, TcpSocket, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_a_megabyte_with_split_halves() {
    let (a, b) = pair();
    let listener = TcpListener::bind_on(&b, b_addr(7)).await.unwrap();
    tokio::spawn(echo_server(listener));
    let stream = TcpStream::connect_on(&a, b_addr(7)).await.unwrap();
    assert_eq!(stream.peer_addr().unwrap(), b_addr(7));
    assert_eq!(stream.state().unwrap(), State::Established);
    let (mut reader, mut writer) = stream.into_split();
    let data = pattern(1 << 20);
    let sent = data.clone();
    let writing = tokio::spawn(async move {
        writer.write_all(&sent).await.unwrap();
        writer.shutdown().await.unwrap();
    });
    let mut back = Vec::new();
    reader.read_to_end(&mut back).await.unwrap();
    writing.await.unwrap();
    assert!(
        back == data,
        "echoed {} of {} bytes, equal prefix: {}",
        back.len(),
        data.len(),
        back == data[..back.len()]
    );
}

#[tokio::test]
async fn half_close_keeps_the_other_direction_open() {
    let (a, b) = pair();
    let listener = TcpListener::bind_on(&b, b_addr(514)).await.unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut input = Vec::new();
        stream.read_to_end(&mut input).await.unwrap();
        input.reverse();
        stream.write_all(&input).await.unwrap();
    });
    let mut client = TcpStream::connect_on(&a, b_addr(514)).await.unwrap();
    client.write_all(b"abcdef").await.unwrap();
    client.shutdown().await.unwrap();
    assert_eq!(
        client.write_all(b"more").await.unwrap_err().kind(),
        ErrorKind::BrokenPipe
    );
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).await.unwrap();
    assert_eq!(reply, b"fedcba");
    server.await.unwrap();
}

#[tokio::test]
async fn connect_to_a_closed_port_is_refused() {
    let (a, _b) = pair();
    let error = TcpStream::connect_on(&a, b_addr(9)).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn linger_zero_drop_resets_the_peer() {
    let (a, b) = pair();
    let listener = TcpListener::bind_on(&b, b_addr(80)).await.unwrap();
    let client = TcpStream::connect_on(&a, b_addr(80)).await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    client.set_linger(Some(Duration::ZERO)).unwrap();
    drop(client);
    let mut buf = [0u8; 8];
    let error = server.read(&mut buf).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionReset);
}

#[tokio::test]
async fn active_close_leaves_time_wait_in_the_socket_table() {
    let (a, b) = pair();
    let listener = TcpListener::bind_on(&b, b_addr(80)).await.unwrap();
    let mut client = TcpStream::connect_on(&a, b_addr(80)).await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    client.shutdown().await.unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(server.read(&mut buf).await.unwrap(), 0);
    drop(server);
    assert_eq!(client.read(&mut buf).await.unwrap(), 0);
    let table = a.sockets();
    assert_eq!(table.len(), 1, "{table:?}");
    assert_eq!(table[0].state, State::TimeWait);
    assert!(table[0].to_string().contains("TIME_WAIT"));
}

#[tokio::test]
async fn tcp_socket_options_and_bind_rules() {
    let (a, b) = pair();
    let socket = TcpSocket::new_v4_on(&b).unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.set_keepalive(true).unwrap();
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    assert_eq!(
        socket.set_send_buffer_size(0).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    socket.bind(b_addr(8080)).unwrap();
    let listener = socket.listen(16).unwrap();
    assert_eq!(listener.local_addr().unwrap(), b_addr(8080));
    let again = TcpListener::bind_on(&b, b_addr(8080)).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::AddrInUse);
    let foreign = TcpListener::bind_on(&b, SocketAddr::from(([198, 18, 9, 9], 1)))
        .await
        .unwrap_err();
    assert_eq!(foreign.kind(), ErrorKind::AddrNotAvailable);
    let client = TcpSocket::new_v4_on(&a).unwrap();
    client.set_nodelay(true).unwrap();
    let stream = client.connect(b_addr(8080)).await.unwrap();
    assert!(stream.nodelay().unwrap());
    let (accepted, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, stream.local_addr().unwrap());
    assert_eq!(accepted.local_addr().unwrap(), b_addr(8080));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_survives_loss_injected_in_the_link() {
    let (left, right) = MemoryLink::pair();
    let lossy = FaultConfig::drop(0.05);
    let a = Stack::builder()
        .ipv4(A)
        .faults(11, lossy, lossy)
        .link(left)
        .unwrap();
    let b = Stack::builder().ipv4(B).link(right).unwrap();
    let listener = TcpListener::bind_on(&b, b_addr(9000)).await.unwrap();
    let data = pattern(2 << 20);
    let expected = data.clone();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).await.unwrap();
        got
    });
    let mut client = TcpStream::connect_on(&a, b_addr(9000)).await.unwrap();
    client.write_all(&data).await.unwrap();
    client.shutdown().await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(120), server)
        .await
        .expect("transfer finished")
        .unwrap();
    assert!(
        got == expected,
        "received {} of {} bytes",
        got.len(),
        expected.len()
    );
}

#[tokio::test]
async fn owned_halves_reunite_only_with_their_own_stream() {
    let (a, b) = pair();
    let listener = TcpListener::bind_on(&b, b_addr(7)).await.unwrap();
    let first = TcpStream::connect_on(&a, b_addr(7)).await.unwrap();
    let second = TcpStream::connect_on(&a, b_addr(7)).await.unwrap();
    let (read_one, write_one) = first.into_split();
    let (read_two, write_two) = second.into_split();
    let error = read_one.reunite(write_two).unwrap_err();
    let (read_one, write_two) = (error.0, error.1);
    let mut stream = read_one.reunite(write_one).unwrap();
    let _again = write_two.reunite(read_two).unwrap();
    stream.write_all(b"still open").await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    let mut buf = [0u8; 10];
    server.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"still open", "reuniting did not shut the write side");
}

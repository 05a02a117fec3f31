//! `TcpSocket` with tokio's signatures: setters through `&self`, every getter, IPv6 refused,
//! TOS as Linux keeps it for TCP, and `listen` without `bind`.

mod support;

use std::io::ErrorKind;
use std::time::Duration;
use support::{b_addr, pair};
use tcp_tokio::{TcpListener, TcpSocket};

#[tokio::test]
async fn getters_report_defaults_and_what_was_set() {
    let (a, _b) = pair();
    let socket = TcpSocket::new_v4_on(&a).unwrap();
    assert!(!socket.keepalive().unwrap());
    assert!(!socket.reuseaddr().unwrap());
    assert!(!socket.reuseport().unwrap());
    assert!(!socket.nodelay().unwrap());
    assert_eq!(socket.linger().unwrap(), None);
    assert_eq!(socket.tos().unwrap(), 0);
    assert_eq!(
        socket.send_buffer_size().unwrap(),
        16 * 1024,
        "Config default"
    );
    assert_eq!(
        socket.recv_buffer_size().unwrap(),
        128 * 1024,
        "Config default"
    );
    assert!(socket.take_error().unwrap().is_none());
    assert_eq!(
        socket.local_addr().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    socket.set_keepalive(true).unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.set_reuseport(true).unwrap();
    socket.set_nodelay(true).unwrap();
    socket.set_linger(Some(Duration::from_secs(3))).unwrap();
    socket.set_send_buffer_size(8192).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.set_tos(0xb8).unwrap();
    assert!(socket.keepalive().unwrap());
    assert!(socket.reuseaddr().unwrap());
    assert!(socket.reuseport().unwrap());
    assert!(socket.nodelay().unwrap());
    assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
    assert_eq!(socket.send_buffer_size().unwrap(), 8192);
    assert_eq!(socket.recv_buffer_size().unwrap(), 4096);
    assert_eq!(socket.tos_v4().unwrap(), 0xb8);
    socket.set_zero_linger().unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
}

#[tokio::test]
async fn bad_arguments_are_errors_that_change_nothing() {
    let (a, _b) = pair();
    let socket = TcpSocket::new_v4_on(&a).unwrap();
    socket.set_tos(0x10).unwrap();
    assert_eq!(
        socket.set_tos(256).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(socket.tos().unwrap(), 0x10);
    socket.set_tos_v4(0x2b).unwrap();
    assert_eq!(socket.tos().unwrap(), 0x28, "the ECN bits are the stack's");
    assert_eq!(
        socket.set_send_buffer_size(0).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        socket.set_recv_buffer_size(0).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        socket
            .bind("198.18.9.9:80".parse().unwrap())
            .unwrap_err()
            .kind(),
        ErrorKind::AddrNotAvailable
    );
    assert_eq!(
        socket.local_addr().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        socket.bind("[::]:80".parse().unwrap()).unwrap_err().kind(),
        ErrorKind::InvalidInput,
        "an IPv6 address on an IPv4 socket"
    );
    let v6 = TcpSocket::new_v6_on(&a).unwrap();
    assert_eq!(
        v6.bind("198.18.0.1:80".parse().unwrap())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput,
        "an IPv4 address on an IPv6 socket"
    );
    v6.bind("[::]:80".parse().unwrap()).unwrap();
}

#[tokio::test]
async fn options_set_on_the_socket_reach_the_stream() {
    let (a, b) = pair();
    let listener = TcpListener::bind_on(&b, b_addr(80)).await.unwrap();
    let socket = TcpSocket::new_v4_on(&a).unwrap();
    socket.set_nodelay(true).unwrap();
    socket.set_linger(Some(Duration::from_secs(5))).unwrap();
    socket.bind("0.0.0.0:40001".parse().unwrap()).unwrap();
    let stream = socket.connect(b_addr(80)).await.unwrap();
    assert!(stream.nodelay().unwrap());
    assert_eq!(stream.linger().unwrap(), Some(Duration::from_secs(5)));
    assert_eq!(stream.local_addr().unwrap().port(), 40001);
    let (_server, peer) = listener.accept().await.unwrap();
    assert_eq!(peer.port(), 40001);
}

#[tokio::test]
async fn listen_without_bind_picks_a_port_and_reuseport_shares_none() {
    let (_a, b) = pair();
    let socket = TcpSocket::new_v4_on(&b).unwrap();
    let listener = socket.listen(16).unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_unspecified());
    assert!((32768..=60999).contains(&addr.port()), "{addr}");

    let first = TcpSocket::new_v4_on(&b).unwrap();
    first.set_reuseport(true).unwrap();
    first.bind(b_addr(8080)).unwrap();
    assert_eq!(first.local_addr().unwrap(), b_addr(8080));
    let _first = first.listen(16).unwrap();
    let second = TcpSocket::new_v4_on(&b).unwrap();
    second.set_reuseport(true).unwrap();
    second.bind(b_addr(8080)).unwrap();
    assert_eq!(second.listen(16).unwrap_err().kind(), ErrorKind::AddrInUse);
}

//! Two stacks joined by an in-memory link over IPv6, without privileges: IPv6-only stacks
//! resolve each other by neighbour discovery and echo; on dual stacks a `[::]` listener
//! takes IPv4 and IPv6 connections and reports the IPv4 ones mapped, a V4 socket refuses
//! IPv6 addresses, and a stack without IPv6 says so.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use tcp_tokio::link::MemoryLink;
use tcp_tokio::{Stack, TcpListener, TcpSocket, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const A_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 5, 0, 0, 0, 1);
const B_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 5, 0, 0, 0, 2);

/// Two stacks on a memory link, each with `ipv4` (if given) and `ipv6` (if given).
fn pair(a: (Option<&str>, Option<&str>), b: (Option<&str>, Option<&str>)) -> (Stack, Stack) {
    let (left, right) = MemoryLink::pair();
    let build = |(ipv4, ipv6): (Option<&str>, Option<&str>), link| {
        let mut builder = Stack::builder();
        if let Some(ipv4) = ipv4 {
            builder = builder.ipv4(ipv4);
        }
        if let Some(ipv6) = ipv6 {
            builder = builder.ipv6(ipv6);
        }
        builder.link(link).expect("stack")
    };
    (build(a, left), build(b, right))
}

/// Writes `message` on `stream` and reads the echo back.
async fn round_trip(stream: &mut TcpStream, message: &[u8]) -> Vec<u8> {
    stream.write_all(message).await.unwrap();
    let mut back = vec![0u8; message.len()];
    stream.read_exact(&mut back).await.unwrap();
    back
}

/// Echoes every connection of `listener` until its peer closes.
fn echo(listener: TcpListener) {
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = stream.split();
                let _ = tokio::io::copy(&mut reader, &mut writer).await;
            });
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_only_stacks_resolve_each_other_and_echo() {
    let (a, b) = pair(
        (None, Some("2001:2:0:5::1/64")),
        (None, Some("2001:2:0:5::2/64")),
    );
    assert!(a.local_ipv4().is_unspecified());
    assert_eq!(a.local_ipv6(), Some(A_V6));
    let listener = TcpListener::bind_on(&b, "[::]:7").await.unwrap();
    echo(listener);
    let server = SocketAddr::new(IpAddr::V6(B_V6), 7);
    let mut stream = TcpStream::connect_on(&a, server).await.unwrap();
    assert_eq!(stream.peer_addr().unwrap(), server);
    assert_eq!(stream.local_addr().unwrap().ip(), IpAddr::V6(A_V6));
    let message: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    assert!(round_trip(&mut stream, &message).await == message);
    let net = a.counters().net;
    assert!(net.ndp_solicitations_out >= 1 && net.ndp_advertisements_in >= 1);
    assert!(b.counters().net.ndp_advertisements_out >= 1);
    let v4 = TcpStream::connect_on(&a, "198.18.5.2:7").await.unwrap_err();
    assert_eq!(v4.kind(), ErrorKind::NetworkUnreachable, "{v4}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dual_stack_wildcard_listener_takes_both_families() {
    let (a, b) = pair(
        (Some("198.18.5.1/24"), Some("2001:2:0:5::1/64")),
        (Some("198.18.5.2/24"), Some("2001:2:0:5::2/64")),
    );
    let listener = TcpListener::bind_on(&b, "[::]:80").await.unwrap();
    let mut v4 = TcpStream::connect_on(&a, "198.18.5.2:80").await.unwrap();
    let (mut from_v4, peer) = listener.accept().await.unwrap();
    let mapped: SocketAddr = format!("[::ffff:198.18.5.1]:{}", v4.local_addr().unwrap().port())
        .parse()
        .unwrap();
    assert_eq!(peer, mapped);
    assert_eq!(
        from_v4.local_addr().unwrap(),
        "[::ffff:198.18.5.2]:80".parse::<SocketAddr>().unwrap()
    );
    v4.write_all(b"v4").await.unwrap();
    let mut word = [0u8; 2];
    from_v4.read_exact(&mut word).await.unwrap();
    assert_eq!(&word, b"v4");

    let v6 = TcpStream::connect_on(&a, SocketAddr::new(IpAddr::V6(B_V6), 80))
        .await
        .unwrap();
    let (_, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, v6.local_addr().unwrap());
    assert_eq!(peer.ip(), IpAddr::V6(A_V6));

    let mapped_server: SocketAddr = "[::ffff:198.18.5.2]:80".parse().unwrap();
    let socket = TcpSocket::new_v6_on(&a).unwrap();
    let stream = socket.connect(mapped_server).await.unwrap();
    assert_eq!(stream.peer_addr().unwrap(), mapped_server);
    let (_, peer) = listener.accept().await.unwrap();
    assert_eq!(peer.ip(), "::ffff:198.18.5.1".parse::<IpAddr>().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv4_wildcard_clashes_with_a_dual_stack_one_and_takes_no_ipv6() {
    let (a, b) = pair(
        (Some("198.18.5.1/24"), Some("2001:2:0:5::1/64")),
        (Some("198.18.5.2/24"), Some("2001:2:0:5::2/64")),
    );
    let dual = TcpListener::bind_on(&b, "[::]:90").await.unwrap();
    let clash = TcpListener::bind_on(&b, "0.0.0.0:90").await.unwrap_err();
    assert_eq!(clash.kind(), ErrorKind::AddrInUse);
    drop(dual);
    let v4 = TcpListener::bind_on(&b, "0.0.0.0:90").await.unwrap();
    let socket = TcpSocket::new_v4_on(&a).unwrap();
    let refused = socket
        .connect(SocketAddr::new(IpAddr::V6(B_V6), 90))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput, "an IPv4 socket");
    let v6 = TcpStream::connect_on(&a, SocketAddr::new(IpAddr::V6(B_V6), 90))
        .await
        .unwrap_err();
    assert_eq!(v6.kind(), ErrorKind::ConnectionRefused, "no IPv6 listener");
    let stream = TcpStream::connect_on(&a, "198.18.5.2:90").await.unwrap();
    let (_, peer) = v4.accept().await.unwrap();
    assert_eq!(peer, stream.local_addr().unwrap());
}

//! Binding a listener to port 0: the stack picks a free ephemeral port, as the kernel does.

mod support;

use std::net::SocketAddr;
use support::{b_addr, pair};
use tcp_tokio::{TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn port_0_gets_a_free_ephemeral_port_that_accepts_connections() {
    let (a, b) = pair();
    let wildcard = TcpListener::bind_on(&b, SocketAddr::from(([0, 0, 0, 0], 0)))
        .await
        .unwrap();
    let specific = TcpListener::bind_on(&b, b_addr(0)).await.unwrap();
    let (first, second) = (
        wildcard.local_addr().unwrap(),
        specific.local_addr().unwrap(),
    );
    assert!((32768..=60999).contains(&first.port()), "{first}");
    assert!((32768..=60999).contains(&second.port()), "{second}");
    assert_ne!(first.port(), second.port());
    assert!(first.ip().is_unspecified());
    assert_eq!(second.ip(), b_addr(0).ip());
    let mut client = TcpStream::connect_on(&a, b_addr(second.port()))
        .await
        .unwrap();
    let (mut server, peer) = specific.accept().await.unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    client.write_all(b"found you").await.unwrap();
    let mut got = [0u8; 9];
    server.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"found you");
}

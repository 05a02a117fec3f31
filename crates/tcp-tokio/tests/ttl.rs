//! IP_TTL on streams and listeners: the stack's value by default, validated like the
//! kernel's, and passed from a listener to the connections it accepts.

mod support;

use std::io::ErrorKind;
use support::{b_addr, connected, pair};
use tcp_tokio::{TcpListener, TcpStream};

#[tokio::test]
async fn a_stream_starts_with_the_stacks_ttl_and_keeps_what_is_set() {
    let (a, b) = pair();
    let (client, server) = connected(&a, &b, 80).await;
    assert_eq!(client.ttl().unwrap(), 64);
    assert_eq!(server.ttl().unwrap(), 64);
    client.set_ttl(3).unwrap();
    assert_eq!(client.ttl().unwrap(), 3);
    assert_eq!(server.ttl().unwrap(), 64, "per stream");
    for bad in [0, 256] {
        assert_eq!(
            client.set_ttl(bad).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    assert_eq!(client.ttl().unwrap(), 3);
}

#[tokio::test]
async fn accepted_streams_take_the_listeners_ttl() {
    let (a, b) = pair();
    let listener = TcpListener::bind_on(&b, b_addr(80)).await.unwrap();
    assert_eq!(listener.ttl().unwrap(), 64);
    listener.set_ttl(200).unwrap();
    assert_eq!(listener.ttl().unwrap(), 200);
    assert_eq!(
        listener.set_ttl(0).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let _client = TcpStream::connect_on(&a, b_addr(80)).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    assert_eq!(server.ttl().unwrap(), 200);
    server.set_ttl(7).unwrap();
    assert_eq!(listener.ttl().unwrap(), 200, "the stream's own setting");
}

//! The split halves' own methods (addresses, peek, readiness, `try_` calls) and
//! `OwnedWriteHalf::forget`, on two stacks in memory.

mod support;

use futures::FutureExt;
use std::io::ErrorKind;
use support::{connected, pair, settle};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};

#[tokio::test]
async fn borrowed_halves_read_and_write_through_the_stream() {
    let (a, b) = pair();
    let (mut client, mut server) = connected(&a, &b, 80).await;
    let (local, peer) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
    let (mut reader, writer) = client.split();
    assert_eq!(
        (reader.local_addr().unwrap(), reader.peer_addr().unwrap()),
        (local, peer)
    );
    assert_eq!(
        (writer.local_addr().unwrap(), writer.peer_addr().unwrap()),
        (local, peer)
    );
    writer.writable().await.unwrap();
    assert_eq!(writer.try_write(b"to server").unwrap(), 9);
    let mut got = [0u8; 9];
    server.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"to server");
    server.write_all(b"to client").await.unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(reader.peek(&mut buf).await.unwrap(), 9);
    reader.readable().await.unwrap();
    assert_eq!(reader.try_read(&mut buf).unwrap(), 9);
    assert_eq!(&buf[..9], b"to client");
    assert_eq!(
        reader.try_read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert!(reader.ready(Interest::READABLE).now_or_never().is_none());
}

#[tokio::test]
async fn owned_halves_wait_in_two_tasks_at_once() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    let (mut reader, writer) = client.into_split();
    assert_eq!(reader.local_addr().unwrap(), writer.local_addr().unwrap());
    assert_eq!(writer.peer_addr().unwrap(), support::b_addr(80));
    let reading = tokio::spawn(async move {
        let mut buf = [0u8; 8];
        let n = reader.peek(&mut buf).await.unwrap();
        reader.readable().await.unwrap();
        assert_eq!(reader.try_read(&mut buf).unwrap(), n);
        buf[..n].to_vec()
    });
    let writing = tokio::spawn(async move {
        writer.writable().await.unwrap();
        writer.try_write(b"hi").unwrap();
        writer
    });
    let _writer = writing.await.unwrap();
    let mut got = [0u8; 2];
    server.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"hi");
    server.write_all(b"back").await.unwrap();
    assert_eq!(reading.await.unwrap(), b"back");
}

#[tokio::test(start_paused = true)]
async fn a_forgotten_write_half_leaves_the_write_side_open_until_the_read_half_goes() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    let (reader, writer) = client.into_split();
    writer.forget();
    settle().await;
    let mut buf = [0u8; 4];
    assert!(
        server.read(&mut buf).now_or_never().is_none(),
        "no FIN while the read half lives"
    );
    drop(reader);
    assert_eq!(server.read(&mut buf).await.unwrap(), 0);
}

#[tokio::test]
async fn a_dropped_write_half_shuts_down_the_write_side() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    let (_reader, writer) = client.into_split();
    drop(writer);
    let mut buf = [0u8; 4];
    assert_eq!(server.read(&mut buf).await.unwrap(), 0);
}

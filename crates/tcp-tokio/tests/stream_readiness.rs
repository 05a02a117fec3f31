//! `TcpStream`'s peek, readiness and `try_` methods on two stacks in memory, with tokio's
//! semantics: readiness set by the stack's events and cleared by a `WouldBlock`.

mod support;

use futures::FutureExt;
use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::{connected, pair, settle};
use tcp_tokio::TcpSocket;
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest, ReadBuf};

#[tokio::test]
async fn peek_returns_what_the_next_read_returns() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    server.write_all(b"hello").await.unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(client.peek(&mut buf).await.unwrap(), 5);
    assert_eq!(&buf[..5], b"hello");
    let mut short = [0u8; 2];
    assert_eq!(client.peek(&mut short).await.unwrap(), 2);
    assert_eq!(&short, b"he");
    let mut storage = [0u8; 8];
    let mut read_buf = ReadBuf::new(&mut storage);
    read_buf.put_slice(b"xy");
    let peeked = std::future::poll_fn(|cx| client.poll_peek(cx, &mut read_buf))
        .await
        .unwrap();
    assert_eq!(peeked, 5);
    assert_eq!(
        read_buf.filled(),
        b"xyhello",
        "poll_peek appends and advances"
    );
    assert_eq!(client.try_read(&mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"hello", "peeking consumed nothing");
    server.shutdown().await.unwrap();
    assert_eq!(client.peek(&mut buf).await.unwrap(), 0, "end-of-file");
}

#[tokio::test]
async fn peek_waits_for_data() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    let mut buf = [0u8; 4];
    let mut peek = Box::pin(client.peek(&mut buf));
    assert!((&mut peek).now_or_never().is_none(), "nothing sent yet");
    server.write_all(b"late").await.unwrap();
    assert_eq!(peek.await.unwrap(), 4);
}

#[tokio::test]
async fn readable_waits_for_data_and_would_block_clears_it() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    assert!(
        client.readable().now_or_never().is_none(),
        "nothing sent yet"
    );
    assert_eq!(
        client.try_read(&mut [0u8; 8]).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    server.write_all(b"ping").await.unwrap();
    client.readable().await.unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(client.try_read(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"ping");
    assert!(
        client.readable().now_or_never().is_some(),
        "readiness stays until an operation finds nothing"
    );
    assert_eq!(
        client.try_read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    assert!(client.readable().now_or_never().is_none());
    let ready = std::future::poll_fn(|cx| match client.poll_read_ready(cx) {
        std::task::Poll::Pending => std::task::Poll::Ready(false),
        std::task::Poll::Ready(_) => std::task::Poll::Ready(true),
    })
    .await;
    assert!(!ready, "poll_read_ready agrees");
    server.write_all(b"pong").await.unwrap();
    std::future::poll_fn(|cx| client.poll_read_ready(cx))
        .await
        .unwrap();
    assert_eq!(client.try_read(&mut buf).unwrap(), 4);
}

#[tokio::test]
async fn several_tasks_wait_for_the_same_stream() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    let client = Arc::new(client);
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.readable().await })
        })
        .collect();
    tokio::task::yield_now().await;
    server.write_all(b"all of you").await.unwrap();
    for waiter in waiters {
        tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("every waiter is woken")
            .unwrap()
            .unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn writable_waits_for_room_after_a_full_send_buffer() {
    let (a, b) = pair();
    let listener_socket = TcpSocket::new_v4_on(&b).unwrap();
    listener_socket.set_recv_buffer_size(4096).unwrap();
    listener_socket.bind(support::b_addr(80)).unwrap();
    let listener = listener_socket.listen(8).unwrap();
    let socket = TcpSocket::new_v4_on(&a).unwrap();
    socket.set_send_buffer_size(4096).unwrap();
    let client = socket.connect(support::b_addr(80)).await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    client.writable().await.unwrap();
    let chunk = [7u8; 1024];
    let mut written = 0;
    loop {
        match client.try_write(&chunk) {
            Ok(n) => written += n,
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                settle().await;
                match client.try_write(&chunk) {
                    Ok(n) => written += n,
                    Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                    Err(error) => panic!("{error}"),
                }
            }
            Err(error) => panic!("{error}"),
        }
        assert!(written < 1 << 20, "the peer's window never closed");
    }
    assert!(
        client.writable().now_or_never().is_none(),
        "send buffer and peer window full"
    );
    let mut sink = vec![0u8; written];
    server.read_exact(&mut sink).await.unwrap();
    client.writable().await.unwrap();
    assert!(client.try_write(b"more").unwrap() > 0);
}

#[tokio::test]
async fn try_io_runs_only_when_ready_and_its_would_block_clears_readiness() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    let called = AtomicBool::new(false);
    let early = client.try_io(Interest::READABLE, || {
        called.store(true, Ordering::SeqCst);
        Ok(())
    });
    assert_eq!(early.unwrap_err().kind(), ErrorKind::WouldBlock);
    assert!(!called.load(Ordering::SeqCst), "not ready: f is not called");
    server.write_all(b"data").await.unwrap();
    client.readable().await.unwrap();
    let mut buf = [0u8; 8];
    let n = client
        .try_io(Interest::READABLE, || client.try_read(&mut buf))
        .unwrap();
    assert_eq!(&buf[..n], b"data");
    assert!(client.readable().now_or_never().is_some());
    let blocked = client.try_io(Interest::READABLE, || -> std::io::Result<()> {
        Err(ErrorKind::WouldBlock.into())
    });
    assert_eq!(blocked.unwrap_err().kind(), ErrorKind::WouldBlock);
    assert!(
        client.readable().now_or_never().is_none(),
        "f's WouldBlock cleared read readiness"
    );
    let wrote = client
        .try_io(Interest::WRITABLE, || client.try_write(b"x"))
        .unwrap();
    assert_eq!(wrote, 1, "write readiness is separate");
}

#[tokio::test]
async fn ready_reports_the_peers_fin_and_reset() {
    let (a, b) = pair();
    let (client, mut server) = connected(&a, &b, 80).await;
    let ready = client
        .ready(Interest::READABLE | Interest::WRITABLE)
        .await
        .unwrap();
    assert!(ready.is_writable() && !ready.is_readable(), "{ready:?}");
    server.shutdown().await.unwrap();
    let ready = client.ready(Interest::READABLE).await.unwrap();
    assert!(ready.is_readable() && ready.is_read_closed(), "{ready:?}");
    assert!(!ready.is_writable(), "only what was asked for");
    assert!(client.take_error().unwrap().is_none());
    server.set_linger(Some(Duration::ZERO)).unwrap();
    drop(server);
    let ready = client.ready(Interest::ERROR).await.unwrap();
    assert!(ready.is_error(), "{ready:?}");
    let error = client.take_error().unwrap().expect("the reset");
    assert_eq!(
        error.kind(),
        ErrorKind::BrokenPipe,
        "a reset after the peer's FIN is EPIPE, as on Linux"
    );
    assert!(client.take_error().unwrap().is_none(), "SO_ERROR clears");
    let ready = client.ready(Interest::WRITABLE).await.unwrap();
    assert!(ready.is_write_closed(), "{ready:?}");
    assert!(!ready.is_error(), "no error left to report: {ready:?}");
}

#[tokio::test]
async fn vectored_and_buf_reads_and_writes_are_one_transfer() {
    let (a, b) = pair();
    let (client, server) = connected(&a, &b, 80).await;
    let parts = [
        IoSlice::new(b"abc"),
        IoSlice::new(b""),
        IoSlice::new(b"defgh"),
    ];
    assert_eq!(client.try_write_vectored(&parts).unwrap(), 8);
    server.readable().await.unwrap();
    let (mut first, mut second) = ([0u8; 3], [0u8; 10]);
    let mut bufs = [IoSliceMut::new(&mut first), IoSliceMut::new(&mut second)];
    let n = loop {
        match server.try_read_vectored(&mut bufs) {
            Ok(n) if n == 8 => break n,
            Ok(n) => panic!("a partial read of {n}"),
            Err(error) if error.kind() == ErrorKind::WouldBlock => server.readable().await.unwrap(),
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(n, 8);
    assert_eq!(&first, b"abc");
    assert_eq!(&second[..5], b"defgh");
    client.try_write(b"buffered").unwrap();
    let mut out = Vec::with_capacity(64);
    while out.len() < 8 {
        server.readable().await.unwrap();
        match server.try_read_buf(&mut out) {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            Err(error) => panic!("{error}"),
        }
    }
    assert_eq!(out, b"buffered");
    let mut full: Vec<u8> = Vec::new();
    assert_eq!(
        server.try_read_buf(&mut full).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

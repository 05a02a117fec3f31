//! One body of code that uses every `tokio::net` method issue #17 lists, compiled twice:
//! against `tokio::net` and against `tcp_tokio::net`, with nothing changed but the import.
//! That it compiles is the signature check; it also runs against both and asserts the same
//! results: `tokio::net` inside the kernel's namespace, and `tcp_tokio::net` on a default
//! stack in the stack's namespace, talking to a kernel echo server.

mod support;

use std::io::ErrorKind;
use std::net::IpAddr;
use tcp_stack::netns;

/// Echoes whatever each connection `listener` accepts sends, until it closes.
fn spawn_echo(listener: tokio::net::TcpListener) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n @ 1..) = stream.read(&mut buf).await {
                    if stream.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
}

/// The shared body: `every_method`, which drives a connection to an echo server.
macro_rules! every_method {
    () => {
        use bytes::BufMut;
        use std::future::poll_fn;
        use std::io::{self, ErrorKind, IoSlice, IoSliceMut};
        use std::net::{IpAddr, SocketAddr};
        use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest, ReadBuf};

        /// Sends `message` and reads its echo back with `read`, a `try_` read that is
        /// retried after `readable()` while it would block.
        async fn round_trip(
            stream: &TcpStream,
            message: &[u8],
            mut read: impl FnMut(&TcpStream, &mut Vec<u8>) -> io::Result<usize>,
        ) -> io::Result<Vec<u8>> {
            stream.writable().await?;
            assert_eq!(stream.try_write(message)?, message.len());
            let mut echoed = Vec::with_capacity(message.len());
            while echoed.len() < message.len() {
                stream.readable().await?;
                match read(stream, &mut echoed) {
                    Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                    Ok(_) => {}
                    Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                    Err(error) => return Err(error),
                }
            }
            Ok(echoed)
        }

        /// Every listed method once, on a socket bound to `local_ip`, connected to the echo
        /// server at `peer`, and on a listener bound to port 0 of `local_ip`.
        // tokio 1.54 deprecates set_tos/tos (for set_tos_v4/tos_v4); the issue lists them.
        #[allow(deprecated)]
        pub(crate) async fn every_method(local_ip: IpAddr, peer: SocketAddr) -> io::Result<()> {
            let listener = TcpListener::bind(SocketAddr::new(local_ip, 0)).await?;
            assert_ne!(listener.local_addr()?.port(), 0, "port 0 picks a port");
            listener.set_ttl(100)?;
            assert_eq!(listener.ttl()?, 100);
            let named = TcpListener::bind(format!("{local_ip}:0")).await?;
            assert_ne!(named.local_addr()?.port(), listener.local_addr()?.port());

            match TcpSocket::new_v6() {
                Ok(_) => {}
                Err(error) => assert_eq!(error.kind(), ErrorKind::Unsupported),
            }
            let socket = TcpSocket::new_v4()?;
            socket.set_keepalive(true)?;
            assert!(socket.keepalive()?);
            socket.set_reuseaddr(true)?;
            assert!(socket.reuseaddr()?);
            socket.set_reuseport(true)?;
            assert!(socket.reuseport()?);
            socket.set_send_buffer_size(65_536)?;
            assert!(socket.send_buffer_size()? >= 65_536);
            socket.set_recv_buffer_size(65_536)?;
            assert!(socket.recv_buffer_size()? >= 65_536);
            socket.set_nodelay(true)?;
            assert!(socket.nodelay()?);
            assert_eq!(socket.linger()?, None);
            socket.set_tos(0x20)?;
            assert_eq!(socket.tos()?, 0x20);
            assert!(socket.take_error()?.is_none());
            socket.bind(SocketAddr::new(local_ip, 0))?;
            let stream = socket.connect(peer).await?;
            assert_eq!(stream.peer_addr()?, peer);
            assert!(stream.nodelay()?);

            stream.set_ttl(42)?;
            assert_eq!(stream.ttl()?, 42);
            assert!(stream.take_error()?.is_none());
            poll_fn(|cx| stream.poll_write_ready(cx)).await?;
            let ready = stream.ready(Interest::WRITABLE).await?;
            assert!(ready.is_writable());
            assert_eq!(stream.try_io(Interest::WRITABLE, || Ok(7))?, 7);

            let echoed = round_trip(&stream, b"one", |s, out| {
                let mut buf = [0u8; 8];
                let n = s.try_read(&mut buf)?;
                out.extend_from_slice(&buf[..n]);
                Ok(n)
            })
            .await?;
            assert_eq!(echoed, b"one");
            let echoed = round_trip(&stream, b"two", |s, out| {
                let (mut x, mut y) = ([0u8; 1], [0u8; 8]);
                let n =
                    s.try_read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])?;
                out.extend(x.iter().chain(y.iter()).take(n));
                Ok(n)
            })
            .await?;
            assert_eq!(echoed, b"two");
            let echoed = round_trip(&stream, b"three", |s, out| {
                let before = out.remaining_mut();
                let n = s.try_read_buf(out)?;
                assert!(out.remaining_mut() <= before);
                Ok(n)
            })
            .await?;
            assert_eq!(echoed, b"three");

            let parts = [IoSlice::new(b"fo"), IoSlice::new(b"ur")];
            assert_eq!(stream.try_write_vectored(&parts)?, 4);
            poll_fn(|cx| stream.poll_read_ready(cx)).await?;
            let mut buf = [0u8; 4];
            let n = stream.peek(&mut buf).await?;
            assert!(n >= 1 && buf[..n] == b"four"[..n]);
            let mut storage = [0u8; 4];
            let mut peeked = ReadBuf::new(&mut storage);
            let m = poll_fn(|cx| stream.poll_peek(cx, &mut peeked)).await?;
            assert_eq!(peeked.filled(), &b"four"[..m]);
            let mut stream = stream;
            stream.read_exact(&mut buf).await?;
            assert_eq!(&buf, b"four");

            {
                let (mut reader, writer) = stream.split();
                assert_eq!(reader.peer_addr()?, peer);
                assert_eq!(writer.local_addr()?, reader.local_addr()?);
                assert_eq!(writer.peer_addr()?, peer);
                writer.writable().await?;
                assert_eq!(writer.try_write(b"half")?, 4);
                reader.readable().await?;
                let n = reader.peek(&mut buf).await?;
                assert!(n >= 1);
                let mut got = 0;
                while got < 4 {
                    reader.readable().await?;
                    match reader.try_read(&mut buf[got..]) {
                        Ok(n) => got += n,
                        Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                        Err(error) => return Err(error),
                    }
                }
                assert_eq!(&buf, b"half");
            }

            let (mut reader, writer) = stream.into_split();
            assert_eq!(reader.peer_addr()?, peer);
            assert_eq!(writer.local_addr()?, reader.local_addr()?);
            assert_eq!(writer.peer_addr()?, peer);
            writer.writable().await?;
            assert_eq!(writer.try_write(b"own!")?, 4);
            let n = reader.peek(&mut buf).await?;
            assert!(n >= 1);
            let mut got = 0;
            while got < 4 {
                reader.readable().await?;
                match reader.try_read(&mut buf[got..]) {
                    Ok(n) => got += n,
                    Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                    Err(error) => return Err(error),
                }
            }
            assert_eq!(&buf, b"own!");
            writer.forget();
            drop(reader);

            let mut again = TcpStream::connect((peer.ip(), peer.port())).await?;
            again.write_all(b"bye").await?;
            let mut bye = [0u8; 3];
            again.read_exact(&mut bye).await?;
            assert_eq!(&bye, b"bye");
            Ok(())
        }
    };
}

mod on_tokio {
    use tokio::net::{TcpListener, TcpSocket, TcpStream};
    every_method!();
}

mod on_stack {
    use tcp_tokio::net::{TcpListener, TcpSocket, TcpStream};
    every_method!();
}

#[test]
fn tokio_net_runs_the_body_in_the_kernel_namespace() {
    if !netns::require("tokio_net_surface::tokio_net_runs_the_body_in_the_kernel_namespace") {
        return;
    }
    let topology = support::topology("tns-kernel");
    let ip = IpAddr::V4(topology.kernel_addr());
    topology
        .in_kernel_ns(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime in the kernel's namespace");
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
                let peer = listener.local_addr().unwrap();
                spawn_echo(listener);
                on_tokio::every_method(ip, peer).await.unwrap();
            });
        })
        .expect("entering the kernel's namespace");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_tokio_net_runs_the_same_body_on_the_default_stack() {
    if !netns::require("tokio_net_surface::tcp_tokio_net_runs_the_same_body_on_the_default_stack") {
        return;
    }
    let topology = support::topology("tns-stack");
    let peer = support::kernel_addr(&topology, 7);
    let unset = tcp_tokio::net::TcpStream::connect(peer).await.unwrap_err();
    assert_eq!(unset.kind(), ErrorKind::NotFound, "{unset}");
    assert_eq!(
        tcp_tokio::net::TcpSocket::new_v4().unwrap_err().kind(),
        ErrorKind::NotFound
    );
    spawn_echo(support::kernel_listener(&topology, 7));
    let stack = support::stack(&topology);
    stack.make_default();
    on_stack::every_method(IpAddr::V4(topology.stack_addr()), peer)
        .await
        .unwrap();
}

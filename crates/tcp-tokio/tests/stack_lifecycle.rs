//! Starting and stopping a stack: clear errors for bad set-ups, the driver ending when every
//! handle is gone, and the pcap capture.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;
use tcp_tokio::link::MemoryLink;
use tcp_tokio::{Stack, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn bad_set_ups_fail_with_clear_errors() {
    let missing = Stack::builder()
        .interface("no-such-if0")
        .ipv4("198.18.6.1/24")
        .build()
        .await;
    let kind = missing.unwrap_err().kind();
    assert!(
        matches!(kind, ErrorKind::NotFound | ErrorKind::PermissionDenied),
        "unknown interface (or no privilege) gave {kind:?}"
    );
    let no_interface = Stack::builder().ipv4("198.18.6.1/24").build().await;
    assert_eq!(no_interface.unwrap_err().kind(), ErrorKind::InvalidInput);
    let (left, _right) = MemoryLink::pair();
    let bad_address = Stack::builder().ipv4("198.18.6.300/24").link(left);
    assert_eq!(bad_address.unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn dropping_every_handle_stops_the_driver() {
    let (left, right) = MemoryLink::pair();
    let a = Stack::builder().ipv4("198.18.6.1/24").link(left).unwrap();
    let b = Stack::builder().ipv4("198.18.6.2/24").link(right).unwrap();
    let listener = TcpListener::bind_on(&b, SocketAddr::from(([198, 18, 6, 2], 80)))
        .await
        .unwrap();
    let stream = TcpStream::connect_on(&a, SocketAddr::from(([198, 18, 6, 2], 80)))
        .await
        .unwrap();
    drop(stream);
    drop(a);
    // A's driver stops and drops its end of the link; B's driver then sees the link fail
    // and fails every waiting call with that error instead of leaving it hanging (a connect
    // would otherwise wait out its SYN retries, two minutes).
    let connect = TcpStream::connect_on(&b, SocketAddr::from(([198, 18, 6, 1], 9)));
    let error = tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .expect("B noticed A's driver stopping")
        .unwrap_err();
    assert!(error.to_string().contains("link failed"), "{error}");
    drop(listener);
}

#[tokio::test]
async fn pcap_capture_records_every_frame() {
    let path = std::env::temp_dir().join(format!("tcp-tokio-{}.pcap", std::process::id()));
    let (left, right) = MemoryLink::pair();
    let a = Stack::builder()
        .ipv4("198.18.6.1/24")
        .pcap(&path)
        .link(left)
        .unwrap();
    let b = Stack::builder().ipv4("198.18.6.2/24").link(right).unwrap();
    let listener = TcpListener::bind_on(&b, SocketAddr::from(([198, 18, 6, 2], 80)))
        .await
        .unwrap();
    let mut stream = TcpStream::connect_on(&a, SocketAddr::from(([198, 18, 6, 2], 80)))
        .await
        .unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    stream.write_all(b"captured").await.unwrap();
    let mut buf = [0u8; 8];
    server.read_exact(&mut buf).await.unwrap();
    drop((stream, a));
    let bytes = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(8).any(|w| w == b"captured") {
                return bytes;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the capture was flushed when the driver stopped");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(&bytes[..4], &0xa1b2_c3d4u32.to_le_bytes(), "pcap magic");
    assert_eq!(
        u32::from_le_bytes(bytes[20..24].try_into().unwrap()),
        1,
        "Ethernet link type"
    );
    let mut offset = 24;
    let mut frames = 0;
    while offset + 16 <= bytes.len() {
        let captured =
            u32::from_le_bytes(bytes[offset + 8..offset + 12].try_into().unwrap()) as usize;
        offset += 16 + captured;
        frames += 1;
    }
    assert_eq!(offset, bytes.len(), "records tile the file");
    assert!(frames >= 5, "ARP, handshake and data: {frames} frames");
}

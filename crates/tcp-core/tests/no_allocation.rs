//! The engine's steady-state data path does not allocate: after a warm-up, moving tens of
//! megabytes between two endpoints performs zero heap allocations (counted by the
//! allocation-counter crate's global allocator).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{Config, ConnectionHandle, Endpoint, Instant, SocketOptions};

/// Two endpoints joined directly: every segment is delivered at once.
struct Pair {
    a: Endpoint,
    b: Endpoint,
    now: Instant,
    buf: Vec<u8>,
    chunk: Vec<u8>,
    sink: Vec<u8>,
}

impl Pair {
    fn step(&mut self, client: ConnectionHandle, server: ConnectionHandle) -> usize {
        let _ = self.a.write(client, &self.chunk);
        let mut moved = true;
        while moved {
            moved = false;
            while let Some(t) = self.a.poll_transmit(self.now, &mut self.buf) {
                self.b
                    .handle_segment(self.now, t.src, t.dst, &self.buf[..t.len]);
                moved = true;
            }
            while let Some(t) = self.b.poll_transmit(self.now, &mut self.buf) {
                self.a
                    .handle_segment(self.now, t.src, t.dst, &self.buf[..t.len]);
                moved = true;
            }
        }
        let mut read = 0;
        while let Ok(n) = self.b.read(server, &mut self.sink) {
            if n == 0 {
                break;
            }
            read += n;
        }
        while self.a.poll_event().is_some() {}
        while self.b.poll_event().is_some() {}
        self.now += Duration::from_micros(50);
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        read
    }
}

#[test]
fn steady_state_transfer_allocates_nothing() {
    let a_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
    let b_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
    let mut pair = Pair {
        a: Endpoint::new(Config::default(), [1; 16]),
        b: Endpoint::new(Config::default(), [2; 16]),
        now: Instant::from_millis(1),
        buf: vec![0; 65_536],
        chunk: vec![0x5a; 64 * 1024],
        sink: vec![0; 256 * 1024],
    };
    let listener = pair
        .b
        .listen(SocketAddr::new(b_ip, 80), 16, SocketOptions::default())
        .unwrap();
    let client = pair
        .a
        .connect(
            pair.now,
            SocketAddr::new(a_ip, 0),
            SocketAddr::new(b_ip, 80),
            SocketOptions::default(),
        )
        .unwrap();
    let mut server = None;
    for _ in 0..100 {
        pair.step(client, client);
        if let Ok(accepted) = pair.b.accept(listener) {
            server = Some(accepted);
            break;
        }
    }
    let server = server.expect("accepted");
    let mut moved = 0;
    while moved < 32 << 20 {
        moved += pair.step(client, server);
    }
    let mut steady = 0;
    let info = allocation_counter::measure(|| {
        while steady < 64 << 20 {
            steady += pair.step(client, server);
        }
    });
    assert_eq!(
        info.count_total, 0,
        "{} allocations while moving {steady} bytes",
        info.count_total
    );
}

//! Bytes per CPU-second through two tcp-core engines joined in memory, no loss: the cost of
//! the engine alone, without sockets or a runtime (design §6, "Simulated").
//!
//! Run with `cargo bench --bench engine`; criterion reports the throughput per iteration of
//! 16 MiB (single-threaded, so wall time is CPU time).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{Config, ConnectionHandle, Endpoint, Instant, SocketOptions};

const PER_ITERATION: usize = 16 << 20;

/// A connected client/server pair and the buffers to drive it.
struct Link {
    client: Endpoint,
    server: Endpoint,
    client_conn: ConnectionHandle,
    server_conn: ConnectionHandle,
    now: Instant,
    segment: Vec<u8>,
    payload: Vec<u8>,
    sink: Vec<u8>,
}

impl Link {
    fn new() -> Link {
        let client_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
        let server_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
        let mut client = Endpoint::new(Config::default(), [1; 16]);
        let mut server = Endpoint::new(Config::default(), [2; 16]);
        let now = Instant::from_millis(1);
        let listener = server
            .listen(SocketAddr::new(server_ip, 80), 8, SocketOptions::default())
            .expect("listen");
        let client_conn = client
            .connect(
                now,
                SocketAddr::new(client_ip, 0),
                SocketAddr::new(server_ip, 80),
                SocketOptions::default(),
            )
            .expect("connect");
        let mut link = Link {
            client,
            server,
            client_conn,
            server_conn: client_conn,
            now,
            segment: vec![0; 65_536],
            payload: vec![0x42; 64 * 1024],
            sink: vec![0; 256 * 1024],
        };
        while link
            .server
            .accept(listener)
            .map(|c| link.server_conn = c)
            .is_err()
        {
            link.exchange();
        }
        link.transfer(32 << 20);
        link
    }

    /// Delivers segments both ways until both engines are quiet.
    fn exchange(&mut self) {
        loop {
            let mut moved = false;
            while let Some(t) = self.client.poll_transmit(self.now, &mut self.segment) {
                self.server
                    .handle_segment(self.now, t.src, t.dst, &self.segment[..t.len]);
                moved = true;
            }
            while let Some(t) = self.server.poll_transmit(self.now, &mut self.segment) {
                self.client
                    .handle_segment(self.now, t.src, t.dst, &self.segment[..t.len]);
                moved = true;
            }
            if !moved {
                break;
            }
        }
        while self.client.poll_event().is_some() {}
        while self.server.poll_event().is_some() {}
        self.now += Duration::from_micros(20);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }

    /// Moves `bytes` from client to server.
    fn transfer(&mut self, bytes: usize) {
        let mut received = 0;
        while received < bytes {
            let _ = self.client.write(self.client_conn, &self.payload);
            self.exchange();
            while let Ok(n) = self.server.read(self.server_conn, &mut self.sink) {
                if n == 0 {
                    break;
                }
                received += n;
            }
        }
        black_box(received);
    }
}

fn engine_to_engine(c: &mut Criterion) {
    let mut link = Link::new();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(PER_ITERATION as u64));
    group.sample_size(20);
    group.bench_function("bulk 16 MiB, two engines in memory", |b| {
        b.iter(|| link.transfer(PER_ITERATION))
    });
    group.finish();
}

criterion_group!(benches, engine_to_engine);
criterion_main!(benches);

//! Two endpoints joined directly, every segment delivered at once: the cheapest way to move
//! a lot of data through the engine (allocation counting, sequence wrap-around).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{Config, ConnectionHandle, Endpoint, Instant, SocketOptions};

/// A connected client (on `a`) and server (on `b`).
pub struct Pair {
    pub a: Endpoint,
    pub b: Endpoint,
    pub now: Instant,
    pub client: ConnectionHandle,
    pub server: ConnectionHandle,
    buf: Vec<u8>,
    chunk: Vec<u8>,
    sink: Vec<u8>,
}

impl Pair {
    /// Opens a connection from `a` to a listener on `b`.
    pub fn connected(config: Config) -> Pair {
        let a_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
        let b_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
        let mut a = Endpoint::new(config.clone(), [1; 16]);
        let mut b = Endpoint::new(config, [2; 16]);
        let now = Instant::from_millis(1);
        let listener = b
            .listen(SocketAddr::new(b_ip, 80), 16, SocketOptions::default())
            .unwrap();
        let local = SocketAddr::new(a_ip, 0);
        let client = a
            .connect(
                now,
                local,
                SocketAddr::new(b_ip, 80),
                SocketOptions::default(),
            )
            .unwrap();
        let mut pair = Pair {
            a,
            b,
            now,
            client,
            server: client,
            buf: vec![0; 65_536],
            chunk: vec![0x5a; 64 * 1024],
            sink: vec![0; 256 * 1024],
        };
        for _ in 0..100 {
            pair.exchange();
            if let Ok(accepted) = pair.b.accept(listener) {
                pair.server = accepted;
                return pair;
            }
        }
        panic!("no connection accepted");
    }

    /// Delivers segments both ways until both are quiet, drops events, then lets 50 µs
    /// pass and runs due timers.
    pub fn exchange(&mut self) {
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
        while self.a.poll_event().is_some() {}
        while self.b.poll_event().is_some() {}
        self.now += Duration::from_micros(50);
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
    }

    /// Writes one chunk from client to server, exchanges, and returns the bytes read.
    pub fn step(&mut self) -> usize {
        let _ = self.a.write(self.client, &self.chunk);
        self.exchange();
        let mut read = 0;
        while let Ok(n) = self.b.read(self.server, &mut self.sink) {
            if n == 0 {
                break;
            }
            read += n;
        }
        read
    }
}

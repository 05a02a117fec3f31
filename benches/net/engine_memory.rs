//! Memory per idle established connection by the engine's own accounting
//! (`Endpoint::connection_memory`: control block plus buffer storage), which tcp-tokio does
//! not expose: two bare `tcp_core::Endpoint`s with default configuration joined in memory,
//! [`IDLE_CONNECTIONS`] connections established between them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tcp_core::{Config, ConnectionHandle, Endpoint, Error, Instant, SocketOptions};

use crate::figures::IDLE_CONNECTIONS;

/// Connections opened before they are accepted: below the listener's queues, so no SYN is
/// dropped or answered with a cookie.
const BATCH: usize = 500;
/// Listen backlog of the accepting endpoint.
const BACKLOG: u32 = 4096;

/// Average bytes per connection on the connecting side and on the accepting side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineMemory {
    /// A connection opened with `connect` (this stack as the client).
    pub(crate) connecting: f64,
    /// A connection taken from `accept` (this stack as the server).
    pub(crate) accepting: f64,
}

/// Establishes the connections and averages what the engines report for them.
pub(crate) fn measure() -> Result<EngineMemory, Error> {
    let client_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
    let server_addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)), 80);
    let mut client = Endpoint::new(Config::default(), [1; 16]);
    let mut server = Endpoint::new(Config::default(), [2; 16]);
    let listener = server.listen(server_addr, BACKLOG, SocketOptions::default())?;
    let mut now = Instant::from_millis(1);
    let mut segment = vec![0; 65_536];
    let (mut connecting, mut accepting) = (Vec::new(), Vec::new());
    while connecting.len() < IDLE_CONNECTIONS {
        for _ in 0..BATCH.min(IDLE_CONNECTIONS - connecting.len()) {
            let local = SocketAddr::new(client_ip, 0);
            connecting.push(client.connect(now, local, server_addr, SocketOptions::default())?);
        }
        loop {
            let mut moved = false;
            while let Some(t) = client.poll_transmit(now, &mut segment) {
                server.handle_segment(now, t.src, t.dst, &segment[..t.len]);
                moved = true;
            }
            while let Some(t) = server.poll_transmit(now, &mut segment) {
                client.handle_segment(now, t.src, t.dst, &segment[..t.len]);
                moved = true;
            }
            if !moved {
                break;
            }
        }
        while let Ok(handle) = server.accept(listener) {
            accepting.push(handle);
        }
        now += Duration::from_micros(20);
    }
    while client.poll_event().is_some() || server.poll_event().is_some() {}
    if accepting.len() != IDLE_CONNECTIONS {
        return Err(Error::WouldBlock);
    }
    Ok(EngineMemory {
        connecting: average(&client, &connecting)?,
        accepting: average(&server, &accepting)?,
    })
}

/// Mean `connection_memory` of `handles` on `endpoint`.
fn average(endpoint: &Endpoint, handles: &[ConnectionHandle]) -> Result<f64, Error> {
    let mut total = 0;
    for &handle in handles {
        total += endpoint.connection_memory(handle)?;
    }
    Ok(total as f64 / handles.len() as f64)
}

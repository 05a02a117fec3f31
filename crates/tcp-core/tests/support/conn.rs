//! Helpers that drive connections through the simulated network.

use super::{Side, Sim};
use std::time::Duration;
use tcp_core::{ConnectionHandle, Event, ListenerHandle, SocketOptions, State};

pub const SERVER_PORT: u16 = 80;

/// Listens on B and connects from A; returns (client on A, server on B) once both are
/// ESTABLISHED.
pub fn establish(sim: &mut Sim) -> (ConnectionHandle, ConnectionHandle) {
    establish_with(sim, SocketOptions::default(), SocketOptions::default())
}

pub fn establish_with(
    sim: &mut Sim,
    client_options: SocketOptions,
    server_options: SocketOptions,
) -> (ConnectionHandle, ConnectionHandle) {
    let listener = listen(sim, server_options);
    let now = sim.now;
    let (local, remote) = (sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, client_options)
        .expect("connect");
    let server = accept(sim, listener);
    assert!(
        sim.run_until(Duration::from_secs(5), |sim| sim.a.state(client)
            == Ok(State::Established))
    );
    (client, server)
}

pub fn listen(sim: &mut Sim, options: SocketOptions) -> ListenerHandle {
    let addr = sim.b_addr(SERVER_PORT);
    sim.b.listen(addr, 128, options).expect("listen")
}

/// Waits for a connection on `listener` and accepts it.
pub fn accept(sim: &mut Sim, listener: ListenerHandle) -> ConnectionHandle {
    let mut accepted = None;
    let ok = sim.run_until(Duration::from_secs(10), |sim| {
        accepted = sim.b.accept(listener).ok();
        accepted.is_some()
    });
    assert!(ok, "no connection accepted");
    accepted.expect("accepted")
}

/// Writes all of `data` on `conn`, stepping the simulation whenever the buffer is full.
pub fn write_all(sim: &mut Sim, side: Side, conn: ConnectionHandle, data: &[u8]) {
    let mut written = 0;
    while written < data.len() {
        match sim.endpoint(side).write(conn, &data[written..]) {
            Ok(n) => written += n,
            Err(tcp_core::Error::WouldBlock) => assert!(sim.step(), "stalled while writing"),
            Err(error) => panic!("write failed: {error}"),
        }
    }
}

/// Steps until `conn` reaches `state`; panics after `limit`.
pub fn wait_state(
    sim: &mut Sim,
    side: Side,
    conn: ConnectionHandle,
    state: State,
    limit: Duration,
) {
    let ok = sim.run_until(limit, |sim| sim.endpoint(side).state(conn) == Ok(state));
    let now = sim.endpoint(side).state(conn);
    assert!(ok, "expected {state}, connection is {now:?}");
}

/// True when `events` holds a failure of `conn` with `error`.
pub fn failed_with(events: &[Event], conn: ConnectionHandle, error: tcp_core::Error) -> bool {
    events.contains(&Event::Failed(conn, error))
}

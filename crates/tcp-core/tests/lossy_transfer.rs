//! Property over many seeds: with up to 20 % loss (plus reordering and duplication) every byte
//! written arrives once, in order, and both ends finish in CLOSED or TIME_WAIT.

mod support;

use std::time::Duration;
use support::conn::{SERVER_PORT, accept, listen};
use support::{Side, Sim};
use tcp_core::{Config, SocketOptions, State};

/// Runs one transfer of `len` bytes each way with `loss` on both paths.
fn transfer(seed: u64, loss: f64, len: usize) {
    let mut sim = Sim::new(Config::default(), seed);
    for path in [&mut sim.a_to_b, &mut sim.b_to_a] {
        path.loss = loss;
        path.reorder = 0.05;
        path.duplicate = 0.02;
        path.bandwidth = Some(10_000_000);
    }
    sim.trace = Some(Vec::new());
    let listener = listen(&mut sim, SocketOptions::default());
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    let server = accept(&mut sim, listener);
    let upload: Vec<u8> = (0..len).map(|i| (i as u64 * 31 + seed) as u8).collect();
    let download: Vec<u8> = upload.iter().rev().copied().collect();
    let (mut up_sent, mut down_sent) = (0, 0);
    let (mut up_got, mut down_got) = (Vec::new(), Vec::new());
    let (mut a_closed, mut b_closed) = (false, false);
    let (mut a_eof, mut b_eof) = (false, false);
    let done = sim.run_until(Duration::from_secs(3600), |sim| {
        if up_sent < upload.len() {
            up_sent += sim.a.write(client, &upload[up_sent..]).unwrap_or(0);
        } else if !a_closed {
            sim.a.shutdown_write(client).unwrap();
            a_closed = true;
        }
        if down_sent < download.len() {
            down_sent += sim.b.write(server, &download[down_sent..]).unwrap_or(0);
        } else if !b_closed {
            sim.b.shutdown_write(server).unwrap();
            b_closed = true;
        }
        b_eof = b_eof || sim.read_all(Side::B, server, &mut up_got);
        a_eof = a_eof || sim.read_all(Side::A, client, &mut down_got);
        let a_done = matches!(sim.a.state(client), Ok(State::TimeWait | State::Closed));
        let b_done = matches!(sim.b.state(server), Ok(State::TimeWait | State::Closed));
        a_eof && b_eof && a_done && b_done
    });
    if !done {
        let trace = sim.trace.as_ref().unwrap();
        for line in &trace[trace.len().saturating_sub(60)..] {
            eprintln!("{line}");
        }
    }
    assert!(
        done,
        "seed {seed} loss {loss}: stuck; a={:?} {:?} {} b={:?} {:?} {}",
        sim.a.state(client),
        sim.a.take_error(client),
        down_got.len(),
        sim.b.state(server),
        sim.b.take_error(server),
        up_got.len(),
    );
    assert!(
        up_got == upload,
        "seed {seed}: upload corrupted ({} of {} bytes)",
        up_got.len(),
        upload.len()
    );
    assert!(down_got == download, "seed {seed}: download corrupted");
    assert_eq!(sim.a.take_error(client), Ok(None));
    assert_eq!(sim.b.take_error(server), Ok(None));
}

#[test]
fn every_byte_arrives_in_order_with_up_to_twenty_percent_loss() {
    for seed in 0..200 {
        let loss = [0.0, 0.01, 0.05, 0.1, 0.2][seed as usize % 5];
        transfer(seed, loss, 60_000 + seed as usize * 997);
    }
}

#[test]
fn handshake_and_close_survive_heavy_loss() {
    for seed in 100..160 {
        transfer(seed, 0.2, 10);
    }
}

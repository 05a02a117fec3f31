//! L-3 / robustness: with the SYN queue full, SYN cookies keep legitimate clients getting in,
//! forged and stale ACKs are refused, and memory stays bounded.

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use support::conn::{SERVER_PORT, write_all};
use support::{Side, Sim};
use tcp_core::{Config, SocketOptions, State};
use tcp_wire::{Flags, Header, Options, Segment, SeqNumber};

fn small_syn_queue() -> Config {
    Config {
        listen: tcp_core::Listen {
            syn_queue_len: 4,
            ..Default::default()
        },
        ..Config::default()
    }
}

/// Sends `count` SYNs to B's listener from spoofed sources that never answer.
fn flood(sim: &mut Sim, count: u32) {
    let mut buf = [0u8; 60];
    for i in 0..count {
        let src = IpAddr::V4(Ipv4Addr::new(198, 19, (i >> 8) as u8, i as u8));
        let header = Header {
            src_port: 1024 + (i % 60_000) as u16,
            dst_port: SERVER_PORT,
            seq: SeqNumber(i.wrapping_mul(2_654_435_761)),
            flags: Flags::SYN,
            window: 65_535,
            options: Options {
                mss: Some(1460),
                ..Options::default()
            },
            ..Header::default()
        };
        let len = header.emit(&mut buf).unwrap();
        let mut segment = Segment::new_unchecked(&mut buf[..len]);
        segment.fill_checksum(src, sim.b_ip);
        let now = sim.now;
        let b_ip = sim.b_ip;
        sim.b.handle_segment(now, src, b_ip, &buf[..len]);
    }
    // The flood's SYN-ACKs go to addresses nobody holds; drain them.
    let now = sim.now;
    let mut out = [0u8; 1600];
    while sim.b.poll_transmit(now, &mut out).is_some() {}
}

#[test]
fn a_legitimate_client_gets_in_through_a_full_syn_queue() {
    let mut sim = Sim::new(small_syn_queue(), 3);
    let addr = sim.b_addr(SERVER_PORT);
    let listener = sim.b.listen(addr, 128, SocketOptions::default()).unwrap();
    flood(&mut sim, 5_000);
    assert!(
        sim.b.connection_count() <= 4,
        "half-open state is bounded by the SYN queue"
    );
    assert!(sim.b.counters().listen.syn_cookies_sent >= 4_996);
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    assert!(
        sim.run_until(Duration::from_secs(2), |sim| sim.a.state(client)
            == Ok(State::Established))
    );
    let mut server = None;
    assert!(sim.run_until(Duration::from_secs(2), |sim| {
        server = sim.b.accept(listener).ok();
        server.is_some()
    }));
    let server = server.unwrap();
    assert_eq!(sim.b.counters().listen.syn_cookies_validated, 1);
    let info = sim.b.connection_info(server).unwrap();
    assert!(info.timestamps && info.sack, "{info:?}");
    assert_eq!(
        info.window_scales,
        (7, 7),
        "window scale travelled in the timestamp"
    );
    let data: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
    write_all(&mut sim, Side::A, client, &data);
    let mut got = Vec::new();
    assert!(sim.run_until(Duration::from_secs(10), |sim| {
        sim.read_all(Side::B, server, &mut got);
        got.len() == data.len()
    }));
    assert_eq!(got, data);
}

#[test]
fn without_timestamps_the_cookie_connection_uses_neither_window_scale_nor_sack() {
    let client_config = Config {
        extensions: tcp_core::Extensions {
            timestamps: false,
            ..Default::default()
        },
        ..Config::default()
    };
    let mut sim = Sim::with_configs(client_config, small_syn_queue(), 4);
    let addr = sim.b_addr(SERVER_PORT);
    let listener = sim.b.listen(addr, 128, SocketOptions::default()).unwrap();
    flood(&mut sim, 10);
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    assert!(
        sim.run_until(Duration::from_secs(2), |sim| sim.a.state(client)
            == Ok(State::Established))
    );
    let mut server = None;
    sim.run_until(Duration::from_secs(2), |sim| {
        server = sim.b.accept(listener).ok();
        server.is_some()
    });
    let info = sim.b.connection_info(server.expect("accepted")).unwrap();
    assert_eq!(info.window_scales, (0, 0));
    assert!(!info.sack && !info.timestamps);
    let client_info = sim.a.connection_info(client).unwrap();
    assert_eq!(
        client_info.window_scales,
        (0, 0),
        "the SYN-ACK offered no window scale"
    );
}

fn forged_ack(sim: &mut Sim, ack: SeqNumber) {
    let src = IpAddr::V4(Ipv4Addr::new(198, 19, 200, 1));
    let header = Header {
        src_port: 4444,
        dst_port: SERVER_PORT,
        seq: SeqNumber(1000),
        ack,
        flags: Flags::ACK,
        window: 1000,
        ..Header::default()
    };
    let mut buf = [0u8; 60];
    let len = header.emit(&mut buf).unwrap();
    Segment::new_unchecked(&mut buf[..len]).fill_checksum(src, sim.b_ip);
    let (now, b_ip) = (sim.now, sim.b_ip);
    sim.b.handle_segment(now, src, b_ip, &buf[..len]);
}

#[test]
fn forged_and_stale_acks_are_refused_with_a_reset() {
    let mut sim = Sim::new(small_syn_queue(), 5);
    let addr = sim.b_addr(SERVER_PORT);
    let listener = sim.b.listen(addr, 128, SocketOptions::default()).unwrap();
    flood(&mut sim, 10);
    for guess in 0..1000u32 {
        forged_ack(&mut sim, SeqNumber(guess.wrapping_mul(4_294_967)));
    }
    assert_eq!(sim.b.counters().listen.syn_cookies_validated, 0);
    assert_eq!(sim.b.counters().listen.syn_cookies_failed, 1000);
    let (now, mut out, mut resets) = (sim.now, [0u8; 1600], 0);
    while let Some(t) = sim.b.poll_transmit(now, &mut out) {
        let segment = Segment::new_checked(&out[..t.len]).unwrap();
        if segment.flags().rst() && segment.dst_port() == 4444 {
            resets += 1;
        }
    }
    assert_eq!(resets, 1000, "every forged ACK is answered with a RST");
    assert_eq!(sim.b.accept(listener), Err(tcp_core::Error::WouldBlock));
    // A real client whose final ACK is held back past the cookie's lifetime is refused too.
    sim.filter = Some(Box::new(|side, seg| {
        !(side == Side::A && seg.flags() == Flags::ACK)
    }));
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(client) == Ok(State::Established)
    });
    sim.advance(Duration::from_secs(200));
    sim.filter = None;
    let validated = sim.b.counters().listen.syn_cookies_validated;
    let _ = sim.a.write(client, b"late");
    sim.run_until(Duration::from_secs(5), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert_eq!(
        sim.b.counters().listen.syn_cookies_validated,
        validated,
        "stale cookie accepted"
    );
    assert_eq!(
        sim.a.state(client),
        Ok(State::Closed),
        "the client was reset"
    );
}

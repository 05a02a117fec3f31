//! `Endpoint::handle_icmp_error`: an ICMP error is believed only when it names a
//! connection and a sequence number in flight (RFC 5927); a refused or unreachable connect
//! fails at once; a synchronized connection keeps the error as a soft one, its error if it
//! times out; "packet too big" lowers the MSS and resends at once, re-cut (super-segments
//! too); black-hole detection lowers the MSS after R1 timeouts and probes back up, and R1
//! gives negative advice about the peer.

mod support;

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use support::conn::{establish, write_all};
use support::{Side, Sim};
use tcp_core::{
    Config, Endpoint, Error, Event, IcmpError, IcmpOutcome, IcmpReport, Instant, SocketOptions,
    State,
};
use tcp_wire::Segment;

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));

/// The first 8 bytes of a TCP header we sent: ports and sequence number, as ICMP quotes it.
fn quote(segment: &[u8]) -> [u8; 8] {
    segment[..8].try_into().expect("a TCP header")
}

/// A report from `local` to `remote` quoting `quoted`.
fn report(local: IpAddr, remote: IpAddr, quoted: &[u8], error: IcmpError) -> IcmpReport<'_> {
    IcmpReport {
        local,
        remote,
        quoted,
        error,
    }
}

/// An endpoint with one connect in SYN-SENT; returns it, the handle and the SYN's quote.
fn connecting() -> (Endpoint, tcp_core::ConnectionHandle, [u8; 8]) {
    let mut endpoint = Endpoint::new(Config::default(), [7; 16]);
    let now = Instant::from_millis(1);
    let handle = endpoint
        .connect(
            now,
            SocketAddr::new(LOCAL, 0),
            SocketAddr::new(PEER, 80),
            SocketOptions::default(),
        )
        .expect("connect");
    let mut buf = [0u8; 1600];
    let syn = endpoint.poll_transmit(now, &mut buf).expect("the SYN");
    let quoted = quote(&buf[..syn.len]);
    while endpoint.poll_event().is_some() {}
    (endpoint, handle, quoted)
}

#[test]
fn an_error_quoting_no_connection_is_dropped_and_counted() {
    let (mut endpoint, handle, mut quoted) = connecting();
    quoted[2..4].copy_from_slice(&81u16.to_be_bytes());
    let error = IcmpError::PortUnreachable;
    let now = Instant::from_millis(2);
    assert_eq!(
        endpoint.handle_icmp_error(now, report(LOCAL, PEER, &quoted, error)),
        IcmpOutcome::NoConnection
    );
    let other_peer = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 3));
    let original = connecting().2;
    assert_eq!(
        endpoint.handle_icmp_error(now, report(LOCAL, other_peer, &original, error)),
        IcmpOutcome::NoConnection
    );
    assert_eq!(
        endpoint.handle_icmp_error(now, report(LOCAL, PEER, &original[..7], error)),
        IcmpOutcome::Malformed
    );
    assert_eq!(endpoint.counters().icmp.no_connection, 2);
    assert_eq!(endpoint.counters().icmp.errors_in, 3);
    assert_eq!(endpoint.state(handle), Ok(State::SynSent));
}

#[test]
fn an_error_quoting_a_sequence_number_not_in_flight_is_dropped_and_counted() {
    let (mut endpoint, handle, mut quoted) = connecting();
    let iss = u32::from_be_bytes(quoted[4..8].try_into().unwrap());
    for seq in [iss.wrapping_sub(1), iss.wrapping_add(2), iss ^ 0x8000_0000] {
        quoted[4..8].copy_from_slice(&seq.to_be_bytes());
        let outcome = endpoint.handle_icmp_error(
            Instant::from_millis(2),
            report(LOCAL, PEER, &quoted, IcmpError::PortUnreachable),
        );
        assert_eq!(outcome, IcmpOutcome::OutOfWindow, "seq {seq}");
    }
    assert_eq!(endpoint.counters().icmp.out_of_window, 3);
    assert_eq!(endpoint.state(handle), Ok(State::SynSent));
    assert_eq!(endpoint.poll_event(), None);
}

#[test]
fn port_unreachable_refuses_a_connect_and_host_unreachable_fails_it() {
    for (error, expected) in [
        (IcmpError::PortUnreachable, Error::ConnectionRefused),
        (IcmpError::ProtocolUnreachable, Error::ConnectionRefused),
        (IcmpError::HostUnreachable, Error::HostUnreachable),
        (IcmpError::NetworkUnreachable, Error::NetworkUnreachable),
    ] {
        let (mut endpoint, handle, quoted) = connecting();
        let outcome = endpoint
            .handle_icmp_error(Instant::from_millis(2), report(LOCAL, PEER, &quoted, error));
        assert_eq!(outcome, IcmpOutcome::Applied);
        assert_eq!(endpoint.poll_event(), Some(Event::Failed(handle, expected)));
        assert_eq!(endpoint.take_error(handle), Ok(Some(expected)));
        assert_eq!(endpoint.state(handle), Ok(State::Closed));
    }
}

#[test]
fn port_unreachable_ends_a_half_open_passive_connection_and_host_unreachable_does_not() {
    for (error, survives) in [
        (IcmpError::HostUnreachable, true),
        (IcmpError::PortUnreachable, false),
    ] {
        let mut sim = Sim::new(Config::default(), 16);
        let syn_acks = Rc::new(RefCell::new(Vec::new()));
        let record = syn_acks.clone();
        sim.filter = Some(Box::new(move |side, segment| {
            if side == Side::B {
                record.borrow_mut().push(quote(segment.as_bytes()));
                return false;
            }
            true
        }));
        support::conn::listen(&mut sim, SocketOptions::default());
        let (local, remote) = (sim.a_addr(0), sim.b_addr(support::conn::SERVER_PORT));
        let now = sim.now;
        sim.a
            .connect(now, local, remote, SocketOptions::default())
            .expect("connect");
        assert!(sim.run_until(Duration::from_millis(100), |_| {
            !syn_acks.borrow().is_empty()
        }));
        let half_open = |sim: &Sim| {
            sim.b
                .sockets()
                .iter()
                .any(|row| row.state == State::SynReceived)
        };
        assert!(half_open(&sim));
        let quoted = syn_acks.borrow()[0];
        let outcome = sim
            .b
            .handle_icmp_error(sim.now, report(sim.b_ip, sim.a_ip, &quoted, error));
        assert_eq!(outcome == IcmpOutcome::Applied, !survives, "{error:?}");
        sim.flush();
        assert_eq!(half_open(&sim), survives, "{error:?}");
    }
}

/// Writes `data` on A's `client` while reading B's `server` into `received`, until it
/// holds `total` bytes (or two minutes of virtual time pass).
fn transfer(
    sim: &mut Sim,
    (client, server): (tcp_core::ConnectionHandle, tcp_core::ConnectionHandle),
    data: &[u8],
    received: &mut Vec<u8>,
    total: usize,
) {
    let mut written = 0;
    let done = sim.run_until(Duration::from_secs(120), |sim| {
        while written < data.len() {
            match sim.a.write(client, &data[written..]) {
                Ok(n) => written += n,
                Err(Error::WouldBlock) => break,
                Err(error) => panic!("write: {error}"),
            }
        }
        sim.read_all(Side::B, server, received);
        received.len() >= total
    });
    assert!(done, "{} of {total} bytes arrived", received.len());
}

/// A simulated pair whose A -> B segments `drop_from_a` refuses are lost; the quotes of
/// the lost ones are kept in the returned list.
fn lossy_sim(
    config: Config,
    drop_from_a: impl Fn(&Segment<&[u8]>) -> bool + 'static,
) -> (Sim, Rc<RefCell<Vec<[u8; 8]>>>) {
    let mut sim = Sim::new(config, 16);
    let lost = Rc::new(RefCell::new(Vec::new()));
    let record = lost.clone();
    sim.filter = Some(Box::new(move |side, segment| {
        if side == Side::A && drop_from_a(segment) {
            record.borrow_mut().push(quote(segment.as_bytes()));
            return false;
        }
        true
    }));
    (sim, lost)
}

#[test]
fn host_unreachable_while_established_is_the_error_of_a_later_timeout() {
    let mut config = Config::default();
    config.retransmission.data_retries = 3;
    let black_hole = Rc::new(RefCell::new(false));
    let holes = black_hole.clone();
    let (mut sim, lost) = lossy_sim(config, move |_| *holes.borrow());
    let (client, _server) = establish(&mut sim);
    *black_hole.borrow_mut() = true;
    write_all(&mut sim, Side::A, client, &[7u8; 4000]);
    assert!(sim.run_until(Duration::from_secs(1), |_| !lost.borrow().is_empty()));
    let quoted = lost.borrow()[0];
    let now = sim.now;
    let outcome = sim.a.handle_icmp_error(
        now,
        report(sim.a_ip, sim.b_ip, &quoted, IcmpError::HostUnreachable),
    );
    assert_eq!(outcome, IcmpOutcome::Applied);
    assert_eq!(sim.a.state(client), Ok(State::Established));
    assert!(
        sim.run_until(Duration::from_secs(120), |sim| sim.a.state(client)
            == Ok(State::Closed))
    );
    assert_eq!(sim.a.take_error(client), Ok(Some(Error::HostUnreachable)));
}

#[test]
fn packet_too_big_lowers_the_mss_and_resends_at_once_recut() {
    let (mut sim, lost) = lossy_sim(Config::default(), |segment| segment.payload().len() > 1228);
    let (client, server) = establish(&mut sim);
    let data: Vec<u8> = (0..256 * 1024u32).map(|i| (i * 7 % 251) as u8).collect();
    assert_eq!(sim.a.connection_info(client).unwrap().send_mss, 1448);
    let mut written = 0;
    while lost.borrow().is_empty() {
        match sim.a.write(client, &data[written..]) {
            Ok(n) => written += n,
            Err(Error::WouldBlock) => {}
            Err(error) => panic!("write: {error}"),
        }
        assert!(sim.step(), "stalled");
    }
    let quoted = lost.borrow()[0];
    let too_big = IcmpError::PacketTooBig { mtu: 1280 };
    let outcome = sim
        .a
        .handle_icmp_error(sim.now, report(sim.a_ip, sim.b_ip, &quoted, too_big));
    assert_eq!(outcome, IcmpOutcome::Applied);
    assert_eq!(sim.a.counters().icmp.path_mtu_reductions, 1);
    assert_eq!(sim.a.connection_info(client).unwrap().send_mss, 1228);
    // At once, before any timer: the lost segments go out again, cut at the new size, as a
    // super-segment of 1228-byte pieces. (This one the test keeps off the wire.)
    let mut buf = vec![0u8; 65_536];
    let batch = sim
        .a
        .poll_transmit_batch(sim.now, &mut buf, 64)
        .expect("a retransmission at once");
    let resent = Segment::new_checked(&buf[..batch.len]).unwrap();
    assert_eq!(resent.seq_number().0.to_be_bytes(), quoted[4..8]);
    assert_eq!(batch.segment_size, Some(1228));
    let again = sim
        .a
        .handle_icmp_error(sim.now, report(sim.a_ip, sim.b_ip, &quoted, too_big));
    assert_eq!(again, IcmpOutcome::Ignored, "no lower than the MSS in use");
    lost.borrow_mut().clear();
    let mut received = Vec::new();
    transfer(
        &mut sim,
        (client, server),
        &data[written..],
        &mut received,
        data.len(),
    );
    assert!(received == data, "the bytes differ");
    assert!(
        lost.borrow().is_empty(),
        "a segment larger than the path left"
    );
    // The destination's path MTU is remembered: a new connection starts with it.
    let (local, remote) = (sim.a_addr(0), sim.b_addr(support::conn::SERVER_PORT));
    let now = sim.now;
    let second = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .expect("connect");
    assert!(
        sim.run_until(Duration::from_secs(5), |sim| sim.a.state(second)
            == Ok(State::Established))
    );
    assert_eq!(sim.a.connection_info(second).unwrap().send_mss, 1228);
}

#[test]
fn a_black_hole_lowers_the_mss_after_r1_timeouts_then_probes_find_the_path() {
    let mut config = Config::default();
    config.path_mtu.black_hole_detection = true;
    let (mut sim, lost) = lossy_sim(config, |segment| segment.payload().len() > 1100);
    let (client, server) = establish(&mut sim);
    let data: Vec<u8> = (0..1024 * 1024u32).map(|i| (i * 13 % 251) as u8).collect();
    let mut received = Vec::new();
    transfer(&mut sim, (client, server), &data, &mut received, data.len());
    assert!(received == data, "the bytes differ");
    assert!(!lost.borrow().is_empty());
    let stats = sim.a.stats(client).unwrap();
    assert_eq!(stats.mtu_black_holes, 1, "{stats:?}");
    assert_eq!(stats.negative_advice, 1, "{stats:?}");
    assert!(stats.mtu_probes_passed >= 1, "{stats:?}");
    assert!(stats.mtu_probes_failed >= 1, "{stats:?}");
    let mss = sim.a.connection_info(client).unwrap().send_mss;
    assert!(
        (1100 - 8..=1100).contains(&mss),
        "the probes settled at {mss}, not within 8 bytes under the path's 1100"
    );
    assert_eq!(sim.a.poll_negative_advice(), Some(sim.b_ip));
    assert_eq!(sim.a.poll_negative_advice(), None);
}

#[test]
fn without_black_hole_detection_the_mss_stays_and_the_transfer_stalls() {
    let (mut sim, _lost) = lossy_sim(Config::default(), |segment| segment.payload().len() > 1100);
    let (client, server) = establish(&mut sim);
    let written = sim.a.write(client, &[1u8; 8 * 1024]).expect("write");
    let mut received = Vec::new();
    sim.run_for(Duration::from_secs(30));
    sim.read_all(Side::B, server, &mut received);
    assert!(
        received.len() < written,
        "{} of {written} arrived",
        received.len()
    );
    assert_eq!(sim.a.connection_info(client).unwrap().send_mss, 1448);
    assert_eq!(sim.a.stats(client).unwrap().negative_advice, 1);
}

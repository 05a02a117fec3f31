//! Connection lifecycle scenarios in the simulated network (design §3 H-, C-, R-, L-, T-
//! requirements). Each test names the requirement it shows.

mod support;

use std::time::Duration;
use support::conn::{
    SERVER_PORT, accept, establish, establish_with, failed_with, listen, wait_state, write_all,
};
use support::{Side, Sim};
use tcp_core::{Config, Error, Event, Keepalive, SocketOptions, State};
use tcp_wire::Flags;

fn sim() -> Sim {
    Sim::new(Config::default(), 1)
}

fn states(sim: &Sim, side: Side) -> Vec<State> {
    let endpoint = match side {
        Side::A => &sim.a,
        Side::B => &sim.b,
    };
    endpoint.sockets().into_iter().map(|s| s.state).collect()
}

#[test]
fn h1_active_and_passive_open_reach_established() {
    let mut sim = sim();
    sim.trace = Some(Vec::new());
    let listener = listen(&mut sim, SocketOptions::default());
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    assert_eq!(sim.a.state(client), Ok(State::SynSent));
    sim.flush();
    sim.step();
    assert_eq!(
        states(&sim, Side::B),
        vec![State::Listen, State::SynReceived]
    );
    let server = accept(&mut sim, listener);
    assert_eq!(sim.b.state(server), Ok(State::Established));
    assert_eq!(sim.a.state(client), Ok(State::Established));
    assert!(sim.events_a.contains(&Event::Connected(client)));
    assert!(sim.events_b.contains(&Event::Incoming(listener)));
    let trace = sim.trace.take().unwrap();
    assert!(trace[0].contains("Flags [S]"), "{trace:?}");
    assert!(trace[1].contains("Flags [S.]"), "{trace:?}");
    assert!(trace[2].contains("Flags [.]"), "{trace:?}");
}

#[test]
fn data_flows_both_ways_in_order() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    let request: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    write_all(&mut sim, Side::A, client, &request);
    let mut got = Vec::new();
    assert!(sim.run_until(Duration::from_secs(10), |sim| {
        sim.read_all(Side::B, server, &mut got);
        got.len() == request.len()
    }));
    assert_eq!(got, request);
    write_all(&mut sim, Side::B, server, b"reply");
    let mut reply = Vec::new();
    assert!(sim.run_until(Duration::from_secs(1), |sim| {
        sim.read_all(Side::A, client, &mut reply);
        reply == b"reply"
    }));
}

#[test]
fn peek_leaves_data_for_read_and_reports_what_read_would() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    let mut buf = [0u8; 16];
    assert_eq!(sim.b.peek(server, &mut buf), Err(Error::WouldBlock));
    write_all(&mut sim, Side::A, client, b"hello");
    assert!(sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.readable_bytes(server) == Ok(5)
    }));
    assert_eq!(sim.b.peek(server, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    let mut short = [0u8; 2];
    assert_eq!(sim.b.peek(server, &mut short), Ok(2));
    assert_eq!(&short, b"he");
    assert_eq!(
        sim.b.readable_bytes(server),
        Ok(5),
        "peeking consumed nothing"
    );
    assert_eq!(sim.b.read(server, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    sim.a.shutdown_write(client).unwrap();
    assert!(sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.state(server) == Ok(State::CloseWait)
    }));
    assert_eq!(sim.b.peek(server, &mut buf), Ok(0), "end-of-file, as read");
    assert_eq!(sim.b.read(server, &mut buf), Ok(0));
}

#[test]
fn c1_active_close_goes_through_fin_wait_and_time_wait() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    let now = sim.now;
    sim.a.shutdown_write(client).unwrap();
    assert_eq!(sim.a.state(client), Ok(State::FinWait1));
    wait_state(
        &mut sim,
        Side::A,
        client,
        State::FinWait2,
        Duration::from_secs(1),
    );
    assert_eq!(sim.b.state(server), Ok(State::CloseWait));
    let mut eof = Vec::new();
    assert!(sim.read_all(Side::B, server, &mut eof), "server sees EOF");
    sim.b.close(now, server).unwrap();
    wait_state(
        &mut sim,
        Side::A,
        client,
        State::TimeWait,
        Duration::from_secs(1),
    );
    assert_eq!(states(&sim, Side::B), vec![State::Listen, State::LastAck]);
    sim.run_until(Duration::from_secs(1), |sim| sim.b.connection_count() == 0);
    assert_eq!(
        sim.b.connection_count(),
        0,
        "LAST_ACK -> CLOSED on the ACK of its FIN"
    );
}

#[test]
fn c1_fin_ack_in_fin_wait_1_goes_straight_to_time_wait() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    // B closes the moment A's FIN arrives, so its ACK and FIN travel in one segment.
    sim.a.shutdown_write(client).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.state(server) == Ok(State::CloseWait)
    });
    let now = sim.now;
    sim.b.close(now, server).unwrap();
    sim.trace = Some(Vec::new());
    let mut seen = Vec::new();
    sim.run_until(Duration::from_secs(1), |sim| {
        if let Ok(state) = sim.a.state(client)
            && seen.last() != Some(&state)
        {
            seen.push(state);
        }
        sim.a.state(client) == Ok(State::TimeWait)
    });
    assert!(!seen.contains(&State::Closing));
    assert_eq!(seen.last(), Some(&State::TimeWait));
}

#[test]
fn c2_passive_close_delivers_eof_after_all_data() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    write_all(&mut sim, Side::A, client, b"last words");
    sim.a.shutdown_write(client).unwrap();
    wait_state(
        &mut sim,
        Side::B,
        server,
        State::CloseWait,
        Duration::from_secs(1),
    );
    let mut got = Vec::new();
    assert!(sim.read_all(Side::B, server, &mut got));
    assert_eq!(got, b"last words");
    let now = sim.now;
    sim.b.close(now, server).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| sim.b.connection_count() == 0);
    assert_eq!(sim.b.connection_count(), 0, "LAST_ACK ended in CLOSED");
}

#[test]
fn c3_half_close_keeps_receiving_while_data_flows_back() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    let input: Vec<u8> = b"banana\napple\ncherry\n".repeat(2000);
    write_all(&mut sim, Side::A, client, &input);
    sim.a.shutdown_write(client).unwrap();
    let mut received = Vec::new();
    assert!(sim.run_until(Duration::from_secs(10), |sim| sim.read_all(
        Side::B,
        server,
        &mut received
    )));
    assert_eq!(received, input);
    let mut lines: Vec<&[u8]> = received
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    let sorted: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    write_all(&mut sim, Side::B, server, &sorted);
    let now = sim.now;
    sim.b.close(now, server).unwrap();
    let mut back = Vec::new();
    assert!(sim.run_until(Duration::from_secs(10), |sim| sim.read_all(
        Side::A,
        client,
        &mut back
    )));
    assert_eq!(back, sorted);
    assert_eq!(sim.a.state(client), Ok(State::TimeWait));
}

#[test]
fn h2_simultaneous_open_takes_four_segments() {
    let mut sim = sim();
    sim.trace = Some(Vec::new());
    let now = sim.now;
    let (a_addr, b_addr) = (sim.a_addr(5000), sim.b_addr(6000));
    let a = sim
        .a
        .connect(now, a_addr, b_addr, SocketOptions::default())
        .unwrap();
    let b = sim
        .b
        .connect(now, b_addr, a_addr, SocketOptions::default())
        .unwrap();
    sim.flush();
    sim.step();
    assert_eq!(sim.a.state(a), Ok(State::SynReceived));
    assert_eq!(sim.b.state(b), Ok(State::SynReceived));
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(a) == Ok(State::Established) && sim.b.state(b) == Ok(State::Established)
    });
    let trace = sim.trace.take().unwrap();
    assert_eq!(trace.len(), 4, "{trace:#?}");
    assert_eq!(trace.iter().filter(|l| l.contains("Flags [S]")).count(), 2);
    assert_eq!(trace.iter().filter(|l| l.contains("Flags [S.]")).count(), 2);
    assert!(sim.events_a.contains(&Event::Connected(a)));
}

#[test]
fn c4_simultaneous_close_passes_through_closing() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    sim.a.shutdown_write(client).unwrap();
    sim.b.shutdown_write(server).unwrap();
    sim.flush();
    sim.step();
    assert_eq!(sim.a.state(client), Ok(State::Closing));
    assert_eq!(sim.b.state(server), Ok(State::Closing));
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(client) == Ok(State::TimeWait) && sim.b.state(server) == Ok(State::TimeWait)
    });
    assert_eq!(sim.a.state(client), Ok(State::TimeWait));
    assert_eq!(sim.b.state(server), Ok(State::TimeWait));
}

#[test]
fn c5_time_wait_lasts_exactly_two_msl() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    let now = sim.now;
    sim.a.close(now, client).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.state(server) == Ok(State::CloseWait)
    });
    let now = sim.now;
    sim.b.close(now, server).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        states(sim, Side::A) == vec![State::TimeWait]
    });
    let entered = sim.now;
    sim.run_until(Duration::from_secs(120), |sim| {
        sim.a.connection_count() == 0
    });
    assert_eq!(sim.now - entered, Duration::from_secs(60));
}

#[test]
fn c5_lost_last_ack_is_answered_from_time_wait_which_restarts() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    let now = sim.now;
    sim.a.close(now, client).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.state(server) == Ok(State::CloseWait)
    });
    // Drop A's first ACK of B's FIN: B retransmits FIN from LAST_ACK.
    let mut dropped = false;
    sim.filter = Some(Box::new(move |side, seg| {
        let pure_ack = seg.flags() == Flags::ACK && seg.payload().is_empty();
        if side == Side::A && pure_ack && !dropped {
            dropped = true;
            return false;
        }
        true
    }));
    let now = sim.now;
    sim.b.close(now, server).unwrap();
    sim.run_until(Duration::from_millis(100), |sim| {
        states(sim, Side::A) == vec![State::TimeWait]
    });
    let first = sim.now;
    sim.run_until(Duration::from_secs(5), |sim| sim.b.connection_count() == 0);
    assert_eq!(
        sim.b.connection_count(),
        0,
        "the re-ACK from TIME_WAIT closed LAST_ACK"
    );
    let restarted = sim.now;
    assert!(restarted > first);
    sim.run_until(Duration::from_secs(120), |sim| {
        sim.a.connection_count() == 0
    });
    assert!(
        sim.now - restarted >= Duration::from_secs(59),
        "timer restarted on the FIN"
    );
}

#[test]
fn c6_orphaned_fin_wait_2_times_out() {
    let mut sim = sim();
    let (client, _server) = establish(&mut sim);
    let now = sim.now;
    sim.a.close(now, client).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        states(sim, Side::A) == vec![State::FinWait2]
    });
    let entered = sim.now;
    sim.run_until(Duration::from_secs(200), |sim| {
        sim.a.connection_count() == 0
    });
    assert_eq!(sim.a.connection_count(), 0);
    assert_eq!(sim.now - entered, Duration::from_secs(60));
}

#[test]
fn c6_half_closed_fin_wait_2_waits_for_the_peer() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    sim.a.shutdown_write(client).unwrap();
    wait_state(
        &mut sim,
        Side::A,
        client,
        State::FinWait2,
        Duration::from_secs(1),
    );
    sim.run_for(Duration::from_secs(300));
    assert_eq!(sim.a.state(client), Ok(State::FinWait2));
    write_all(&mut sim, Side::B, server, b"still talking");
    let mut got = Vec::new();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.read_all(Side::A, client, &mut got);
        !got.is_empty()
    });
    assert_eq!(got, b"still talking");
}

#[test]
fn r2_abort_sends_rst_and_the_peer_sees_reset() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    write_all(&mut sim, Side::A, client, &[7u8; 50_000]);
    sim.a.abort(client).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.state(server) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_b, server, Error::ConnectionReset));
    assert_eq!(
        sim.a.counters().resets_sent,
        1,
        "the abort's RST is counted"
    );
    let mut buf = [0u8; 10];
    assert_eq!(sim.b.read(server, &mut buf), Err(Error::ConnectionReset));
    assert_eq!(
        sim.b.write(server, b"x"),
        Err(Error::BrokenPipe),
        "the read reported the reset"
    );
}

#[test]
fn r2_linger_zero_close_is_an_abort() {
    let mut sim = sim();
    let options = SocketOptions {
        linger: Some(Duration::ZERO),
        ..SocketOptions::default()
    };
    let (client, server) = establish_with(&mut sim, options, SocketOptions::default());
    let now = sim.now;
    sim.a.close(now, client).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.state(server) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_b, server, Error::ConnectionReset));
    assert_eq!(sim.a.connection_count(), 0, "no TIME_WAIT after an abort");
}

#[test]
fn r2_close_with_unread_data_resets() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    write_all(&mut sim, Side::A, client, b"unread");
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.b.readable_bytes(server) == Ok(6)
    });
    let now = sim.now;
    sim.b.close(now, server).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_a, client, Error::ConnectionReset));
}

#[test]
fn h6_connect_to_a_closed_port_is_refused() {
    let mut sim = sim();
    let now = sim.now;
    let (local, remote) = (sim.a_addr(0), sim.b_addr(81));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_a, client, Error::ConnectionRefused));
    assert_eq!(
        sim.a.read(client, &mut [0u8; 4]),
        Err(Error::ConnectionRefused)
    );
    assert_eq!(sim.b.counters().no_connection, 1);
}

#[test]
fn h6_syn_retries_follow_the_backoff_schedule_then_time_out() {
    let mut sim = sim();
    sim.trace = Some(Vec::new());
    sim.filter = Some(Box::new(|side, _| side != Side::A));
    let now = sim.now;
    let start = now;
    let (local, remote) = (sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    let mut sends = Vec::new();
    sim.run_until(Duration::from_secs(200), |sim| {
        let count = sim.trace.as_ref().unwrap().len();
        if count > sends.len() {
            sends.push(sim.now - start);
        }
        sim.a.state(client) == Ok(State::Closed)
    });
    let expected: Vec<Duration> = [0, 1, 3, 7, 15, 31, 63]
        .iter()
        .map(|s| Duration::from_secs(*s))
        .collect();
    assert_eq!(sends, expected, "SYN at 0 and after 1, 2, 4, 8, 16, 32 s");
    assert_eq!(sim.now - start, Duration::from_secs(127));
    assert!(failed_with(&sim.events_a, client, Error::TimedOut));
}

#[test]
fn h1_lost_final_ack_of_the_handshake_is_recovered() {
    let mut sim = sim();
    let mut dropped = false;
    sim.filter = Some(Box::new(move |side, seg| {
        if side == Side::A && seg.flags() == Flags::ACK && !dropped {
            dropped = true;
            return false;
        }
        true
    }));
    let listener = listen(&mut sim, SocketOptions::default());
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(client) == Ok(State::Established)
    });
    write_all(&mut sim, Side::A, client, b"hello");
    let server = accept(&mut sim, listener);
    let mut got = Vec::new();
    sim.run_until(Duration::from_secs(5), |sim| {
        sim.read_all(Side::B, server, &mut got);
        got == b"hello"
    });
    assert_eq!(got, b"hello");
}

#[test]
fn c2_lost_fin_is_retransmitted() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    let mut dropped = false;
    sim.filter = Some(Box::new(move |side, seg| {
        if side == Side::A && seg.flags().fin() && !dropped {
            dropped = true;
            return false;
        }
        true
    }));
    sim.a.shutdown_write(client).unwrap();
    wait_state(
        &mut sim,
        Side::B,
        server,
        State::CloseWait,
        Duration::from_secs(5),
    );
    assert!(sim.a.stats(client).unwrap().retransmits >= 1);
}

#[test]
fn l2_accept_queue_overflow_drops_syns_silently_until_space_opens() {
    let mut sim = sim();
    let addr = sim.b_addr(SERVER_PORT);
    let listener = sim.b.listen(addr, 1, SocketOptions::default()).unwrap();
    let now = sim.now;
    let remote = sim.b_addr(SERVER_PORT);
    let first = sim
        .a
        .connect(now, sim.a_addr(0), remote, SocketOptions::default())
        .unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(first) == Ok(State::Established)
    });
    let now = sim.now;
    let second = sim
        .a
        .connect(now, sim.a_addr(0), remote, SocketOptions::default())
        .unwrap();
    sim.run_for(Duration::from_millis(500));
    assert_eq!(
        sim.a.state(second),
        Ok(State::SynSent),
        "SYN dropped, no RST"
    );
    assert!(sim.b.counters().listen.listen_overflows >= 1);
    assert_eq!(sim.b.counters().resets_sent, 0);
    let accepted = sim.b.accept(listener).unwrap();
    assert_eq!(sim.b.peer_addr(accepted), sim.a.local_addr(first));
    sim.run_until(Duration::from_secs(5), |sim| {
        sim.a.state(second) == Ok(State::Established)
    });
    assert_eq!(
        sim.a.state(second),
        Ok(State::Established),
        "the retried SYN got in"
    );
    let next = accept(&mut sim, listener);
    assert_eq!(
        sim.b.peer_addr(next),
        sim.a.local_addr(second),
        "FIFO order"
    );
}

#[test]
fn r3_rst_in_syn_received_returns_to_listen() {
    let mut sim = sim();
    let listener = listen(&mut sim, SocketOptions::default());
    // Drop the client's ACK of the SYN-ACK, then abort the client: its RST reaches SYN_RCVD.
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
    assert_eq!(
        states(&sim, Side::B),
        vec![State::Listen, State::SynReceived]
    );
    sim.a.abort(client).unwrap();
    sim.run_until(Duration::from_secs(1), |sim| sim.b.connection_count() == 0);
    assert_eq!(states(&sim, Side::B), vec![State::Listen]);
    assert_eq!(sim.b.accept(listener), Err(Error::WouldBlock));
    sim.filter = None;
    let now = sim.now;
    let again = sim
        .a
        .connect(now, sim.a_addr(0), remote, SocketOptions::default())
        .unwrap();
    sim.run_until(Duration::from_secs(1), |sim| {
        sim.a.state(again) == Ok(State::Established)
    });
    let accepted = accept(&mut sim, listener);
    assert_eq!(
        sim.b.peer_addr(accepted),
        sim.a.local_addr(again),
        "listener undisturbed"
    );
}

#[test]
fn t4_keepalive_gives_up_on_a_silent_peer() {
    let mut sim = sim();
    let keepalive = Keepalive {
        idle: Duration::from_secs(10),
        interval: Duration::from_secs(2),
        probes: 3,
    };
    let options = SocketOptions {
        keepalive: Some(keepalive),
        ..SocketOptions::default()
    };
    let connect_time = sim.now;
    let (client, _server) = establish_with(&mut sim, options, SocketOptions::default());
    sim.filter = Some(Box::new(|side, _| side == Side::A));
    sim.run_until(Duration::from_secs(60), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_a, client, Error::TimedOut));
    assert_eq!(sim.a.stats(client).unwrap().keepalive_probes, 3);
    let established = connect_time + Duration::from_millis(10);
    assert_eq!(
        sim.now - established,
        Duration::from_secs(10 + 3 * 2),
        "idle, then 3 probes 2 s apart"
    );
}

#[test]
fn t4_keepalive_is_answered_by_a_live_peer() {
    let mut sim = sim();
    let keepalive = Keepalive {
        idle: Duration::from_secs(10),
        interval: Duration::from_secs(2),
        probes: 3,
    };
    let options = SocketOptions {
        keepalive: Some(keepalive),
        ..SocketOptions::default()
    };
    let (client, _server) = establish_with(&mut sim, options, SocketOptions::default());
    sim.run_for(Duration::from_secs(100));
    assert_eq!(sim.a.state(client), Ok(State::Established));
    assert!(sim.a.stats(client).unwrap().keepalive_probes >= 9);
}

#[test]
fn t4_keepalive_against_a_rebooted_peer_ends_in_reset() {
    let mut sim = sim();
    let keepalive = Keepalive {
        idle: Duration::from_secs(10),
        interval: Duration::from_secs(2),
        probes: 3,
    };
    let options = SocketOptions {
        keepalive: Some(keepalive),
        ..SocketOptions::default()
    };
    let (client, _server) = establish_with(&mut sim, options, SocketOptions::default());
    sim.b = tcp_core::Endpoint::new(Config::default(), [9; 16]);
    sim.run_until(Duration::from_secs(30), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_a, client, Error::ConnectionReset));
}

#[test]
fn r4_data_for_a_forgotten_connection_gets_a_reset() {
    let mut sim = sim();
    let (client, _server) = establish(&mut sim);
    sim.b = tcp_core::Endpoint::new(Config::default(), [9; 16]);
    write_all(&mut sim, Side::A, client, b"anyone there?");
    sim.run_until(Duration::from_secs(5), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_a, client, Error::ConnectionReset));
    assert!(sim.b.counters().resets_sent >= 1);
}

#[test]
fn t5_user_timeout_aborts_when_data_stays_unacknowledged() {
    let mut sim = sim();
    let options = SocketOptions {
        user_timeout: Some(Duration::from_secs(5)),
        ..SocketOptions::default()
    };
    let (client, _server) = establish_with(&mut sim, options, SocketOptions::default());
    sim.filter = Some(Box::new(|side, _| side == Side::B));
    let start = sim.now;
    write_all(&mut sim, Side::A, client, b"into the void");
    sim.run_until(Duration::from_secs(60), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_a, client, Error::TimedOut));
    let elapsed = sim.now - start;
    assert!(
        elapsed >= Duration::from_secs(5) && elapsed <= Duration::from_secs(6),
        "{elapsed:?}"
    );
}

#[test]
fn t1_data_retries_exhaust_and_time_out() {
    let config = Config {
        retransmission: tcp_core::Retransmission {
            data_retries: 4,
            ..Default::default()
        },
        ..Config::default()
    };
    let mut sim = Sim::new(config, 3);
    let (client, _server) = establish(&mut sim);
    sim.filter = Some(Box::new(|side, _| side == Side::B));
    write_all(&mut sim, Side::A, client, b"lost");
    sim.run_until(Duration::from_secs(600), |sim| {
        sim.a.state(client) == Ok(State::Closed)
    });
    assert!(failed_with(&sim.events_a, client, Error::TimedOut));
    assert_eq!(sim.a.stats(client).unwrap().retransmission_timeouts, 4);
}

#[test]
fn a_buffer_too_short_for_the_next_segment_keeps_it_for_the_next_call() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    sim.a.write(client, b"a segment that needs room").unwrap();
    let now = sim.now;
    assert_eq!(sim.a.poll_transmit(now, &mut [0u8; 24]), None);
    assert!(sim.a.wants_transmit(), "the segment is still queued");
    let mut buf = [0u8; 1600];
    let transmit = sim
        .a
        .poll_transmit(now, &mut buf)
        .expect("the segment, given room");
    sim.b
        .handle_segment(now, transmit.src, transmit.dst, &buf[..transmit.len]);
    let mut got = [0u8; 64];
    let n = sim.b.read(server, &mut got).unwrap();
    assert_eq!(&got[..n], b"a segment that needs room");
}

#[test]
fn api_errors_are_plain() {
    let mut sim = sim();
    let (client, server) = establish(&mut sim);
    sim.a.shutdown_write(client).unwrap();
    assert_eq!(sim.a.write(client, b"x"), Err(Error::BrokenPipe));
    let now = sim.now;
    sim.b.close(now, server).unwrap();
    assert_eq!(sim.b.read(server, &mut [0u8; 1]), Err(Error::InvalidHandle));
    assert_eq!(sim.b.write(server, b"x"), Err(Error::InvalidHandle));
    assert_eq!(sim.b.close(now, server), Err(Error::InvalidHandle));
    assert_eq!(sim.a.read(client, &mut [0u8; 1]), Err(Error::WouldBlock));
}

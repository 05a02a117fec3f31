//! `Endpoint::destination_unreachable`: a connect to a destination the layers below cannot
//! reach fails at once with that error; other connections are left alone.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tcp_core::{Config, Endpoint, Error, Event, Instant, SocketOptions, State};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const GONE: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 99));
const THERE: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));

fn connect(endpoint: &mut Endpoint, to: IpAddr) -> tcp_core::ConnectionHandle {
    endpoint
        .connect(
            Instant::from_millis(1),
            SocketAddr::new(LOCAL, 0),
            SocketAddr::new(to, 80),
            SocketOptions::default(),
        )
        .unwrap()
}

#[test]
fn a_connect_to_an_unreachable_host_fails_with_that_error() {
    let mut endpoint = Endpoint::new(Config::default(), [5; 16]);
    let gone = connect(&mut endpoint, GONE);
    let there = connect(&mut endpoint, THERE);
    while endpoint.poll_event().is_some() {}
    let failed = endpoint
        .destination_unreachable(
            Instant::from_millis(3000),
            |ip| ip == GONE,
            Error::HostUnreachable,
        )
        .unwrap();
    assert_eq!(failed, 1);
    assert_eq!(endpoint.state(gone), Ok(State::Closed));
    assert_eq!(endpoint.take_error(gone), Ok(Some(Error::HostUnreachable)));
    assert_eq!(endpoint.state(there), Ok(State::SynSent));
    let events: Vec<Event> = std::iter::from_fn(|| endpoint.poll_event()).collect();
    assert!(
        events.contains(&Event::Failed(gone, Error::HostUnreachable)),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|event| matches!(event, Event::Failed(h, _) if *h == there))
    );
}

#[test]
fn only_the_unreachable_errors_are_accepted() {
    let mut endpoint = Endpoint::new(Config::default(), [5; 16]);
    let gone = connect(&mut endpoint, GONE);
    assert_eq!(
        endpoint.destination_unreachable(Instant::from_millis(2), |_| true, Error::TimedOut),
        Err(Error::InvalidInput)
    );
    assert_eq!(endpoint.state(gone), Ok(State::SynSent));
    assert_eq!(
        endpoint.destination_unreachable(
            Instant::from_millis(2),
            |_| true,
            Error::NetworkUnreachable
        ),
        Ok(1)
    );
    assert_eq!(
        endpoint.take_error(gone),
        Ok(Some(Error::NetworkUnreachable))
    );
}

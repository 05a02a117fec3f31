//! `Endpoint::set_port_partition`: `connect` picks only ephemeral ports whose segments the
//! driver's hash sends back to this endpoint.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tcp_core::{Config, Endpoint, Error, Instant, PortPartition, SocketOptions};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));

fn owner(local: u16, remote: u16, count: u16) -> u16 {
    (local.wrapping_mul(7) ^ remote) % count
}

fn endpoint(index: u16, ports: std::ops::RangeInclusive<u16>) -> Endpoint {
    let config = Config {
        ephemeral_ports: ports,
        ..Config::default()
    };
    let mut endpoint = Endpoint::new(config, [3; 16]);
    endpoint.set_port_partition(Some(PortPartition {
        index,
        count: 3,
        owner,
    }));
    endpoint
}

fn connect(endpoint: &mut Endpoint, local_port: u16, remote_port: u16) -> Result<u16, Error> {
    let remote = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)), remote_port);
    let handle = endpoint.connect(
        Instant::from_millis(1),
        SocketAddr::new(LOCAL, local_port),
        remote,
        SocketOptions::default(),
    )?;
    Ok(endpoint.local_addr(handle).unwrap().port())
}

#[test]
fn every_picked_port_is_owned_by_this_endpoint() {
    for index in 0..3 {
        let mut endpoint = endpoint(index, 40_000..=40_999);
        for remote_port in [80, 443, 8080] {
            for _ in 0..50 {
                let port = connect(&mut endpoint, 0, remote_port).unwrap();
                assert_eq!(owner(port, remote_port, 3), index, "port {port}");
            }
        }
    }
}

#[test]
fn the_share_runs_out_before_the_range_does() {
    let mut endpoint = endpoint(1, 50_000..=50_029);
    let owned = (50_000..=50_029u16)
        .filter(|&port| owner(port, 80, 3) == 1)
        .count();
    assert!(owned > 0 && owned < 30);
    for _ in 0..owned {
        connect(&mut endpoint, 0, 80).unwrap();
    }
    assert_eq!(connect(&mut endpoint, 0, 80), Err(Error::AddrNotAvailable));
}

#[test]
fn a_port_the_application_names_is_not_filtered() {
    let mut endpoint = endpoint(0, 40_000..=40_999);
    let foreign = (40_000..=40_999u16)
        .find(|&port| owner(port, 80, 3) != 0)
        .unwrap();
    assert_eq!(connect(&mut endpoint, foreign, 80), Ok(foreign));
}

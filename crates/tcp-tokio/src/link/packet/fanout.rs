//! Sharding one interface's received frames between several [`PacketSocket`]s with a
//! `PACKET_FANOUT` group, steered by a classic BPF program that computes [`shard_of`], a
//! function of the TCP ports a stack can compute for itself.

use core::ffi::c_int;
use std::io;

use libc::sock_filter;
use socket2::Socket;

use super::bpf::{Insn, Target, assemble};
use super::{ETH_P_IP, ETH_P_IPV6, PacketSocket, PacketSocketConfig, filter, open, sys};

/// The multiplier of the port hash: 2^32 divided by the golden ratio, rounded to odd
/// (Fibonacci hashing).
const GOLDEN: u32 = 0x9E37_79B9;

/// The shard, in `0..shards`, whose socket receives the TCP frames (IPv4 or IPv6) of the connection
/// between our `local_port` and a peer's `remote_port` in a group of `shards` sockets
/// opened by [`PacketSocket::open_sharded`]; 0 when `shards` is 0.
///
/// The ports, `remote_port << 16 | local_port` (the first 32-bit word of a received TCP
/// header), are multiplied by `0x9E37_79B9` (2^32 over the golden ratio) modulo 2^32 and
/// the top 16 bits of the product kept; that number times `shards`, shifted right by 16,
/// is the shard. The multiply
/// carries every bit of both ports into the top bits, the only ones kept, so ports that
/// differ only in their high bits, or that all share one parity (Linux prefers even
/// ephemeral ports for `connect`), still spread evenly over the shards, and the last step
/// maps onto any shard count without a division. A stack choosing the ephemeral port of an
/// active open picks one for which this gives its own shard: about one port in `shards`.
pub fn shard_of(local_port: u16, remote_port: u16, shards: u16) -> u16 {
    let ports = u32::from(remote_port) << 16 | u32::from(local_port);
    let mixed = ports.wrapping_mul(GOLDEN) >> 16;
    // `mixed` < 2^16 and `shards` < 2^16, so the product fits and the result is < shards.
    ((mixed * u32::from(shards)) >> 16) as u16
}

impl PacketSocket {
    /// Opens `shards` sockets on `interface` that divide its received frames between them:
    /// the `i`th socket returned receives exactly the TCP frames, over IPv4 or IPv6, for
    /// which [`shard_of`]`(destination port, source port, shards)` is `i`, and socket 0
    /// also receives everything else `config` selects: ARP, ICMP, ICMPv6 (neighbour
    /// discovery), other EtherTypes, every IPv4 fragment (the first one too, so that the
    /// pieces of a datagram meet in one shard) and IPv6 whose first next header is not TCP
    /// (extension headers, fragments). Each socket sends on its own, and each is otherwise what
    /// [`PacketSocket::open_with`] opens with `config`.
    ///
    /// The sockets join one `PACKET_FANOUT` group of mode `PACKET_FANOUT_CBPF`, whose
    /// program computes [`shard_of`] for each received frame; the kernel hands the frame to
    /// the group member at that index, members being indexed in the order they joined, and
    /// they join in the order returned. The group's ID is one the kernel picks among those
    /// unused in the namespace (`PACKET_FANOUT_FLAG_UNIQUEID`), so two stacks never share a
    /// group. Frames leaving through the interface reach no socket: the kernel never
    /// shows a group what its own members send, and `PACKET_FANOUT_FLAG_IGNORE_OUTGOING`
    /// (Linux 6.2) keeps out what other sockets send there (older kernels show those to
    /// the group; the socket filter, when set, drops them).
    ///
    /// While the group fills up, an incomplete group would steer frames to the wrong
    /// member, so every socket carries a filter that drops everything from before its bind
    /// until the last socket has joined and the program is in place; only then does each
    /// get `config`'s filter (or none). Frames that arrive while this runs are dropped, as
    /// if lost on the wire before the stack started.
    ///
    /// The mapping holds while all the sockets are open: when one closes, the kernel moves
    /// the last member into its place. Drop them together.
    ///
    /// With [`Protocols::IpAndArp`](super::Protocols::IpAndArp) the sockets bound to IPv4
    /// form the group and socket 0 alone also gets the (unsharded) ARP socket, so ARP
    /// reaches shard 0 under either [`Protocols`](super::Protocols) choice.
    ///
    /// Errors are those of [`PacketSocket::open_with`], and `InvalidInput` for 0 shards.
    pub fn open_sharded(
        interface: &str,
        config: &PacketSocketConfig,
        shards: u16,
    ) -> io::Result<Vec<PacketSocket>> {
        if shards == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("AF_PACKET sockets on {interface}: a fanout group needs a shard"),
            ));
        }
        let mut opener = open::Opener::start(interface)?;
        let protocol = open::Opener::main_protocol(config);
        let setup = filter::drop_all();
        let mut members = Vec::with_capacity(usize::from(shards));
        let mut group = None;
        for _ in 0..shards {
            let socket = opener.bound(protocol, config, Some(&setup))?;
            let id =
                join(&socket, group).map_err(|e| opener.context("joining the fanout group", e))?;
            if group.is_none() {
                sys::set_program(
                    &socket,
                    libc::SOL_PACKET,
                    libc::PACKET_FANOUT_DATA,
                    &program(shards),
                )
                .map_err(|e| opener.context("setting the fanout program", e))?;
            }
            group = Some(id);
            members.push(socket);
        }
        let filter = filter::for_addresses(config.filter_ipv4, config.filter_ipv6);
        for socket in &members {
            match &filter {
                Some(program) => opener.attach(socket, program)?,
                None => socket
                    .detach_filter()
                    .map_err(|e| opener.context("removing the setup filter", e))?,
            }
        }
        let mut arp = opener.arp(config, filter.as_deref())?;
        members
            .into_iter()
            .map(|socket| {
                let main = opener.register(socket)?;
                Ok(PacketSocket::from_parts(&opener, main, arp.take(), config))
            })
            .collect()
    }
}

/// Joins `socket` (bound) to the CBPF fanout group `group`, or to a new group with an ID
/// the kernel picks when `None`; returns the group's ID.
fn join(socket: &Socket, group: Option<u16>) -> io::Result<u16> {
    let mode = libc::PACKET_FANOUT_CBPF | libc::PACKET_FANOUT_FLAG_IGNORE_OUTGOING;
    let (id, mode) = match group {
        Some(id) => (id, mode),
        None => (0, mode | libc::PACKET_FANOUT_FLAG_UNIQUEID),
    };
    // The option is the group ID in the low 16 bits, mode and flags in the high 16.
    let request = u32::from(id) | mode << 16;
    sys::set_packet_option(socket, libc::PACKET_FANOUT, request as c_int)?;
    // Read back the same way: the ID the kernel chose is the low 16 bits.
    let joined = sys::packet_option(socket, libc::PACKET_FANOUT)?;
    Ok(joined as u16)
}

/// The steering program of a group of `shards` sockets: [`shard_of`] of the ports of a TCP
/// frame over IPv4 or IPv6 (TCP right behind the fixed header), 0 for anything else. The
/// kernel runs a fanout program on the packet from its IP header on (the Ethernet header
/// already pulled off), so the EtherType comes from `skb->protocol` and IP offsets count
/// from 0.
fn program(shards: u16) -> Vec<sock_filter> {
    /// Offset of the IPv4 flags and fragment offset word.
    const FRAGMENT: u32 = 6;
    /// The More Fragments flag and the fragment offset: any of them set means a fragment.
    const ANY_FRAGMENT: u32 = 0x3fff;
    /// Offset of the IPv4 protocol byte.
    const PROTOCOL: u32 = 9;
    /// Offset of the IPv6 next header byte.
    const NEXT_HEADER: u32 = 6;
    /// Length of the fixed IPv6 header: where TCP starts when it is the next header.
    const IPV6_HEADER_LEN: u32 = 40;
    // A = source port << 16 | destination port (remote << 16 | local) -> the shard.
    let hash = [
        Insn::Mul(GOLDEN),
        Insn::Rsh(16),
        Insn::Mul(u32::from(shards)),
        Insn::Rsh(16),
        Insn::ReturnA,
    ];
    let mut program = vec![
        Insn::LoadProtocol,
        Insn::JumpIfEqual(u32::from(ETH_P_IP), Target::Next, Target::Label("ipv6")),
        Insn::LoadByte(PROTOCOL),
        Insn::JumpIfEqual(
            libc::IPPROTO_TCP as u32,
            Target::Next,
            Target::Label("first"),
        ),
        Insn::LoadHalf(FRAGMENT),
        Insn::JumpIfAnySet(ANY_FRAGMENT, Target::Label("first"), Target::Next),
        // X = the IPv4 header's length: the TCP header starts at X.
        Insn::LoadIpv4HeaderLenToX(0),
        Insn::LoadWordAtX(0),
    ];
    program.extend(hash);
    program.extend([
        Insn::Label("ipv6"),
        Insn::JumpIfEqual(u32::from(ETH_P_IPV6), Target::Next, Target::Label("first")),
        Insn::LoadByte(NEXT_HEADER),
        Insn::JumpIfEqual(
            libc::IPPROTO_TCP as u32,
            Target::Next,
            Target::Label("first"),
        ),
        Insn::LoadWord(IPV6_HEADER_LEN),
    ]);
    program.extend(hash);
    program.extend([Insn::Label("first"), Insn::Return(0)]);
    assemble(&program)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::packet::ETH_P_ARP;
    use crate::link::packet::bpf_vm::{Packet, run};

    /// An IPv4 packet (from the IP header on, as a fanout program sees it) of `protocol`
    /// with `options` words of IP options, fragment word `fragment`, and a transport
    /// header starting with `src_port`, `dst_port`.
    fn ipv4(protocol: u8, options: u8, fragment: u16, src_port: u16, dst_port: u16) -> Vec<u8> {
        let header_len = 20 + 4 * usize::from(options);
        let mut packet = vec![0u8; header_len + 20];
        packet[0] = 0x40 | (5 + options);
        packet[6..8].copy_from_slice(&fragment.to_be_bytes());
        packet[9] = protocol;
        packet[header_len..header_len + 2].copy_from_slice(&src_port.to_be_bytes());
        packet[header_len + 2..header_len + 4].copy_from_slice(&dst_port.to_be_bytes());
        packet
    }

    /// What the program for `shards` returns for an IPv4 `packet`.
    fn steer(shards: u16, packet: &[u8]) -> u32 {
        let packet = Packet {
            protocol: ETH_P_IP,
            ..Packet::received(packet)
        };
        run(&program(shards), &packet)
    }

    /// A cheap deterministic sequence of port pairs.
    fn port_pairs() -> impl Iterator<Item = (u16, u16)> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        (0..4000).map(move |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state as u16, (state >> 16) as u16)
        })
    }

    #[test]
    fn the_program_computes_shard_of_for_tcp_frames() {
        for shards in [1, 2, 3, 4, 7, 16, 255, 1000, u16::MAX] {
            for (i, (local, remote)) in port_pairs().enumerate() {
                let options = (i % 11) as u8;
                let dont_fragment = if i % 2 == 0 { 0x4000 } else { 0 };
                let packet = ipv4(6, options, dont_fragment, remote, local);
                let expected = shard_of(local, remote, shards);
                assert!(expected < shards);
                assert_eq!(
                    steer(shards, &packet),
                    u32::from(expected),
                    "{shards} shards, ports {local} <- {remote}"
                );
            }
        }
        for port in [0, 1, 80, 65535] {
            assert_eq!(
                steer(4, &ipv4(6, 0, 0, port, port)),
                u32::from(shard_of(port, port, 4))
            );
        }
    }

    #[test]
    fn everything_but_unfragmented_tcp_over_ipv4_goes_to_shard_0() {
        let (local, remote) = port_pairs()
            .find(|&(local, remote)| shard_of(local, remote, 4) != 0)
            .expect("some pair lands elsewhere");
        assert_ne!(steer(4, &ipv4(6, 0, 0, remote, local)), 0);
        assert_eq!(steer(4, &ipv4(17, 0, 0, remote, local)), 0, "UDP");
        assert_eq!(steer(4, &ipv4(1, 0, 0, remote, local)), 0, "ICMP");
        assert_eq!(
            steer(4, &ipv4(6, 0, 0x2000, remote, local)),
            0,
            "first fragment"
        );
        assert_eq!(
            steer(4, &ipv4(6, 0, 0x0010, remote, local)),
            0,
            "last fragment"
        );
        let tcp = ipv4(6, 0, 0, remote, local);
        assert_eq!(steer(4, &tcp[..22]), 0, "cut inside the ports");
        let packet = Packet {
            protocol: ETH_P_ARP,
            ..Packet::received(&tcp)
        };
        assert_eq!(run(&program(4), &packet), 0, "ARP");
    }

    /// An IPv6 packet (from the IP header on) whose next header is `next_header`, followed
    /// by a transport header starting with `src_port`, `dst_port`.
    fn ipv6(next_header: u8, src_port: u16, dst_port: u16) -> Vec<u8> {
        let mut packet = vec![0u8; 40 + 20];
        packet[0] = 0x60;
        packet[6] = next_header;
        packet[40..42].copy_from_slice(&src_port.to_be_bytes());
        packet[42..44].copy_from_slice(&dst_port.to_be_bytes());
        packet
    }

    /// What the program for `shards` returns for an IPv6 `packet`.
    fn steer_v6(shards: u16, packet: &[u8]) -> u32 {
        let packet = Packet {
            protocol: ETH_P_IPV6,
            ..Packet::received(packet)
        };
        run(&program(shards), &packet)
    }

    #[test]
    fn the_program_computes_shard_of_for_tcp_over_ipv6_as_for_ipv4() {
        for shards in [1, 2, 3, 4, 7, 16, 255, 1000, u16::MAX] {
            for (local, remote) in port_pairs() {
                let expected = u32::from(shard_of(local, remote, shards));
                assert_eq!(
                    steer_v6(shards, &ipv6(6, remote, local)),
                    expected,
                    "{shards} shards, ports {local} <- {remote}"
                );
                assert_eq!(steer(shards, &ipv4(6, 0, 0, remote, local)), expected);
            }
        }
    }

    #[test]
    fn ipv6_that_is_not_tcp_right_behind_the_header_goes_to_shard_0() {
        let (local, remote) = port_pairs()
            .find(|&(local, remote)| shard_of(local, remote, 4) != 0)
            .expect("some pair lands elsewhere");
        assert_ne!(steer_v6(4, &ipv6(6, remote, local)), 0);
        assert_eq!(steer_v6(4, &ipv6(58, remote, local)), 0, "ICMPv6");
        assert_eq!(steer_v6(4, &ipv6(44, remote, local)), 0, "fragment header");
        assert_eq!(
            steer_v6(4, &ipv6(0, remote, local)),
            0,
            "hop-by-hop options"
        );
        assert_eq!(
            steer_v6(4, &ipv6(6, remote, local)[..42]),
            0,
            "cut inside the ports"
        );
    }

    /// How many of `pairs` land on each of `shards` shards.
    fn spread(shards: u16, pairs: impl Iterator<Item = (u16, u16)>) -> Vec<u32> {
        let mut counts = vec![0u32; usize::from(shards)];
        for (local, remote) in pairs {
            counts[usize::from(shard_of(local, remote, shards))] += 1;
        }
        counts
    }

    #[test]
    fn even_ephemeral_ports_to_one_server_port_spread_evenly() {
        for shards in [2, 3, 4, 8] {
            let clients = (32768..61000u16).step_by(2).map(|remote| (80, remote));
            let counts = spread(shards, clients);
            let fair = 14116 / u32::from(shards);
            for count in &counts {
                assert!(
                    count.abs_diff(fair) < fair / 20,
                    "{shards} shards: {counts:?}"
                );
            }
        }
    }

    #[test]
    fn ports_differing_only_in_high_bits_spread_too() {
        let counts = spread(4, (0..64u16).map(|high| (high << 10, 443)));
        assert!(counts.iter().all(|count| *count >= 8), "{counts:?}");
    }

    #[test]
    fn no_shards_means_shard_0() {
        assert_eq!(shard_of(80, 40000, 0), 0);
    }

    #[tokio::test]
    async fn a_group_of_no_sockets_is_invalid_input() {
        let config = PacketSocketConfig::default();
        let error = PacketSocket::open_sharded("lo", &config, 0).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
    }
}

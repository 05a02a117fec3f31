//! The connection under test, as packetdrill tracks its "socket under test": its live
//! 4-tuple, the script-to-live offsets of both initial sequence numbers, and the timestamp
//! values the stack sent.

use crate::config::RunConfig;
use crate::sut::{Fd, Outbound};
use core::net::{IpAddr, SocketAddr};
use std::collections::HashMap;
use tcp_wire::{Flags, Segment};

/// One side's initial sequence number in script space and on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Isn {
    pub(super) script: u32,
    pub(super) live: u32,
}

impl Isn {
    fn to_live(known: Option<Isn>, script: u32) -> u32 {
        known.map_or(script, |isn| {
            script.wrapping_sub(isn.script).wrapping_add(isn.live)
        })
    }

    fn to_script(known: Option<Isn>, live: u32) -> u32 {
        known.map_or(live, |isn| {
            live.wrapping_sub(isn.live).wrapping_add(isn.script)
        })
    }
}

/// Script TS val -> live TS val, learned from matched outbound segments.
#[derive(Debug, Default)]
pub(super) struct TsMap {
    values: HashMap<u32, u32>,
    first: Option<(u32, u32)>,
}

impl TsMap {
    /// Records that the stack sent `live` where the script wrote `script`.
    pub(super) fn record(&mut self, script: u32, live: u32) {
        self.values.insert(script, live);
        self.first.get_or_insert((script, live));
    }

    /// The live TS val the script's `script` stands for: an exact earlier value, or with
    /// `scaled` an interpolation from the first one.
    pub(super) fn live_for(&self, script: u32, scaled: bool) -> Option<u32> {
        self.values.get(&script).copied().or_else(|| {
            let (first_script, first_live) = self.first.filter(|_| scaled)?;
            Some(script.wrapping_sub(first_script).wrapping_add(first_live))
        })
    }

    /// A live TS val expressed in script space (relative to the first one seen).
    pub(super) fn to_script(&self, live: u32) -> u32 {
        self.first.map_or(live, |(first_script, first_live)| {
            live.wrapping_sub(first_live).wrapping_add(first_script)
        })
    }
}

/// The connection the script is talking to.
#[derive(Debug)]
pub(super) struct Conn {
    pub(super) remote: SocketAddr,
    /// Unknown for an active open until the stack's SYN shows it.
    pub(super) local_port: Option<u16>,
    pub(super) remote_isn: Option<Isn>,
    pub(super) local_isn: Option<Isn>,
    pub(super) ts: TsMap,
    /// The stack's fd that `connect` opened it on (`None` for a passive open).
    pub(super) connect_fd: Option<Fd>,
}

impl Conn {
    /// A sequence number the remote end sends: script space to live.
    pub(super) fn remote_seq_to_live(&self, script: u32) -> u32 {
        Isn::to_live(self.remote_isn, script)
    }

    /// A sequence number of the stack's (in an ACK or SACK block the remote sends): script
    /// space to live.
    pub(super) fn local_seq_to_live(&self, script: u32) -> u32 {
        Isn::to_live(self.local_isn, script)
    }

    /// The stack's sequence number, live to script space.
    pub(super) fn local_seq_to_script(&self, live: u32) -> u32 {
        Isn::to_script(self.local_isn, live)
    }

    /// The remote's sequence number (acknowledged by the stack), live to script space.
    pub(super) fn remote_seq_to_script(&self, live: u32) -> u32 {
        Isn::to_script(self.remote_isn, live)
    }
}

/// Which connection is under test, and how the next one will be numbered.
#[derive(Debug)]
pub(super) struct Tracker {
    local_ip: IpAddr,
    bound_port: u16,
    listening: bool,
    next_remote_port: u16,
    pub(super) conn: Option<Conn>,
    /// Segments the stack sent that belonged to no connection under test.
    pub(super) ignored: usize,
}

impl Tracker {
    pub(super) fn new(config: &RunConfig) -> Tracker {
        Tracker {
            local_ip: config.local_ip,
            bound_port: config.bind_port,
            listening: false,
            next_remote_port: config.first_remote_port,
            conn: None,
            ignored: 0,
        }
    }

    /// `bind` succeeded: inbound connections arrive on `port`.
    pub(super) fn bound(&mut self, port: u16) {
        self.bound_port = port;
    }

    /// `listen` succeeded: the next inbound packet starts a new connection.
    pub(super) fn listening(&mut self) {
        self.listening = true;
    }

    /// `connect` was called on `fd`: the connection under test is now the one to `remote`.
    /// Calling it again on the same fd (a non-blocking socket asking how its handshake is
    /// going) keeps the connection and what was learned about it.
    pub(super) fn connecting(&mut self, remote: SocketAddr, fd: Fd) {
        self.listening = false;
        if self
            .conn
            .as_ref()
            .is_some_and(|conn| conn.connect_fd == Some(fd) && conn.remote == remote)
        {
            return;
        }
        self.conn = Some(Conn {
            remote,
            local_port: None,
            remote_isn: None,
            local_isn: None,
            ts: TsMap::default(),
            connect_fd: Some(fd),
        });
    }

    /// The connection an inbound packet belongs to: a new one when nothing is open yet or a
    /// listener waits (the packet's sequence number becomes the remote ISN), else the current
    /// one, whose remote ISN a first SYN from the remote sets.
    pub(super) fn for_inbound(
        &mut self,
        config: &RunConfig,
        ports: Option<(u16, u16)>,
        flags: Flags,
        seq: u32,
    ) -> &mut Conn {
        let isn = Isn {
            script: seq,
            live: config.remote_isn,
        };
        let conn = match self.conn.take() {
            Some(conn) if !self.listening => conn,
            _ => {
                let (remote_port, local_port) = ports.unwrap_or_else(|| {
                    let port = self.next_remote_port;
                    self.next_remote_port = port.wrapping_add(1);
                    (port, self.bound_port)
                });
                Conn {
                    remote: SocketAddr::new(config.remote_ip, remote_port),
                    local_port: Some(local_port),
                    remote_isn: Some(isn),
                    local_isn: None,
                    ts: TsMap::default(),
                    connect_fd: None,
                }
            }
        };
        self.listening = false;
        let conn = self.conn.insert(conn);
        if flags.syn() && conn.remote_isn.is_none() {
            conn.remote_isn = Some(isn);
        }
        conn
    }

    /// Whether `segment` belongs to the connection under test; counts it as ignored if not.
    /// The first SYN to an active open's remote fixes the connection's local port.
    pub(super) fn claims(&mut self, segment: &Outbound) -> bool {
        let claimed = self.conn.as_mut().is_some_and(|conn| {
            let Ok(view) = Segment::new_checked(segment.segment.as_slice()) else {
                return segment.dst == conn.remote.ip();
            };
            let to_remote = segment.dst == conn.remote.ip()
                && view.dst_port() == conn.remote.port()
                && segment.src == self.local_ip;
            match conn.local_port {
                Some(port) => to_remote && view.src_port() == port,
                None if to_remote && view.flags().syn() && !view.flags().ack() => {
                    conn.local_port = Some(view.src_port());
                    true
                }
                None => false,
            }
        });
        if !claimed {
            self.ignored += 1;
        }
        claimed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isn_offsets_wrap() {
        let isn = Some(Isn {
            script: 0,
            live: u32::MAX - 1,
        });
        assert_eq!(Isn::to_live(isn, 1), u32::MAX);
        assert_eq!(Isn::to_live(isn, 3), 1);
        assert_eq!(Isn::to_script(isn, 1), 3);
        assert_eq!(Isn::to_live(None, 7), 7);
    }

    #[test]
    fn ts_map_exact_then_scaled() {
        let mut map = TsMap::default();
        assert_eq!(map.live_for(100, true), None);
        map.record(100, 5_000);
        map.record(110, 5_013);
        assert_eq!(map.live_for(110, false), Some(5_013));
        assert_eq!(map.live_for(120, false), None);
        assert_eq!(map.live_for(120, true), Some(5_020));
        assert_eq!(map.to_script(5_013), 113);
    }

    #[test]
    fn connect_again_on_the_same_fd_keeps_the_connection() {
        let config = RunConfig::default();
        let mut tracker = Tracker::new(&config);
        let remote = SocketAddr::new(config.remote_ip, config.connect_port);
        tracker.connecting(remote, Fd(3));
        tracker.conn.as_mut().unwrap().local_isn = Some(Isn { script: 0, live: 9 });
        tracker.connecting(remote, Fd(3));
        assert!(tracker.conn.as_ref().unwrap().local_isn.is_some());
        tracker.connecting(remote, Fd(4));
        assert!(tracker.conn.as_ref().unwrap().local_isn.is_none());
    }

    #[test]
    fn listener_gets_a_new_connection_per_inbound_syn() {
        let config = RunConfig::default();
        let mut tracker = Tracker::new(&config);
        tracker.listening();
        let conn = tracker.for_inbound(&config, None, Flags::SYN, 0);
        assert_eq!(conn.remote.port(), config.first_remote_port);
        assert_eq!(conn.local_port, Some(8080));
        assert_eq!(
            conn.remote_seq_to_live(1),
            config.remote_isn.wrapping_add(1)
        );
        let again = tracker.for_inbound(&config, None, Flags::ACK, 1);
        assert_eq!(again.remote.port(), config.first_remote_port);
        tracker.listening();
        let second = tracker.for_inbound(&config, None, Flags::SYN, 0);
        assert_eq!(second.remote.port(), config.first_remote_port + 1);
    }
}

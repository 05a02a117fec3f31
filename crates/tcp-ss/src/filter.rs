//! Which sockets to show, as `ss` chooses them: a set of states (by default the connected
//! ones, `-a` all, `-l` listeners, or `state NAME` clauses) and port conditions
//! (`sport = :PORT`, `dport = :PORT`).

use tcp_tokio::{SocketInfo, State};

/// Every state.
const ALL: [State; 11] = [
    State::Established,
    State::SynSent,
    State::SynReceived,
    State::FinWait1,
    State::FinWait2,
    State::TimeWait,
    State::Closed,
    State::CloseWait,
    State::LastAck,
    State::Listen,
    State::Closing,
];

/// A set of states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct States(u16);

impl States {
    /// No state.
    pub const NONE: States = States(0);

    /// Every state (`-a`, `state all`).
    pub fn all() -> States {
        ALL.into_iter().fold(States::NONE, States::with)
    }

    /// What `ss` shows by default: the connected states, without SYN-RECV and TIME-WAIT.
    pub fn default_view() -> States {
        States::connected()
            .without(State::SynReceived)
            .without(State::TimeWait)
    }

    /// `ss`'s `connected`: every state but LISTEN and CLOSED.
    fn connected() -> States {
        States::all().without(State::Listen).without(State::Closed)
    }

    /// This set with `state` added.
    pub fn with(self, state: State) -> States {
        States(self.0 | bit(state))
    }

    /// This set without `state`.
    pub fn without(self, state: State) -> States {
        States(self.0 & !bit(state))
    }

    /// The union of two sets.
    pub fn union(self, other: States) -> States {
        States(self.0 | other.0)
    }

    /// True when `state` is in the set.
    pub fn contains(self, state: State) -> bool {
        self.0 & bit(state) != 0
    }

    /// The states `ss` calls `name` (`established`, `time-wait`, `listening`, ... or a
    /// group: `all`, `connected`, `synchronized`, `bucket`, `big`); `None` for another
    /// name.
    pub fn named(name: &str) -> Option<States> {
        let one = |state| Some(States::NONE.with(state));
        match name {
            "established" => one(State::Established),
            "syn-sent" => one(State::SynSent),
            "syn-recv" => one(State::SynReceived),
            "fin-wait-1" => one(State::FinWait1),
            "fin-wait-2" => one(State::FinWait2),
            "time-wait" => one(State::TimeWait),
            "closed" => one(State::Closed),
            "close-wait" => one(State::CloseWait),
            "last-ack" => one(State::LastAck),
            "listening" | "listen" => one(State::Listen),
            "closing" => one(State::Closing),
            "all" => Some(States::all()),
            "connected" => Some(States::connected()),
            "synchronized" => Some(States::connected().without(State::SynSent)),
            "bucket" => Some(States::NONE.with(State::SynReceived).with(State::TimeWait)),
            "big" => Some(
                States::all()
                    .without(State::SynReceived)
                    .without(State::TimeWait),
            ),
            _ => None,
        }
    }
}

/// The set's bit for `state`.
fn bit(state: State) -> u16 {
    1 << match state {
        State::Established => 0,
        State::SynSent => 1,
        State::SynReceived => 2,
        State::FinWait1 => 3,
        State::FinWait2 => 4,
        State::TimeWait => 5,
        State::Closed => 6,
        State::CloseWait => 7,
        State::LastAck => 8,
        State::Listen => 9,
        State::Closing => 10,
    }
}

/// Which port a condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Our port (`sport`).
    Local,
    /// The peer's port (`dport`).
    Peer,
}

/// `sport = :PORT`, `dport != :PORT` and the like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortCondition {
    /// The port looked at.
    pub side: Side,
    /// The port it must (or, with `equal` false, must not) be.
    pub port: u16,
    /// `=` rather than `!=`.
    pub equal: bool,
}

impl PortCondition {
    /// True when `socket` meets the condition.
    pub fn holds(&self, socket: &SocketInfo) -> bool {
        let port = match self.side {
            Side::Local => socket.local.port(),
            Side::Peer => socket.remote.port(),
        };
        (port == self.port) == self.equal
    }
}

/// The sockets to show: states, and port conditions that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// States shown.
    pub states: States,
    /// Conditions on ports, all of which must hold.
    pub ports: Vec<PortCondition>,
}

impl Default for Filter {
    /// `ss`'s default: connected sockets, any port.
    fn default() -> Filter {
        Filter {
            states: States::default_view(),
            ports: Vec::new(),
        }
    }
}

impl Filter {
    /// True when `socket` is to be shown.
    pub fn admits(&self, socket: &SocketInfo) -> bool {
        self.states.contains(socket.state) && self.ports.iter().all(|c| c.holds(socket))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn socket(state: State, local: u16, remote: u16) -> SocketInfo {
        SocketInfo {
            recv_q: 0,
            send_q: 0,
            local: ([198, 18, 0, 1], local).into(),
            remote: ([198, 18, 0, 2], remote).into(),
            state,
        }
    }

    #[test]
    fn the_default_is_ss_s_connected_view() {
        let filter = Filter::default();
        assert!(filter.admits(&socket(State::Established, 80, 4000)));
        assert!(filter.admits(&socket(State::FinWait2, 80, 4000)));
        for hidden in [
            State::Listen,
            State::TimeWait,
            State::SynReceived,
            State::Closed,
        ] {
            assert!(!filter.admits(&socket(hidden, 80, 0)), "{hidden}");
        }
    }

    #[test]
    fn named_states_and_groups() {
        let established = States::named("established").unwrap();
        assert!(established.contains(State::Established));
        assert!(!established.contains(State::Listen));
        let all = States::named("all").unwrap();
        assert!(ALL.iter().all(|s| all.contains(*s)));
        let bucket = States::named("bucket").unwrap();
        assert!(bucket.contains(State::TimeWait) && bucket.contains(State::SynReceived));
        let synchronized = States::named("synchronized").unwrap();
        assert!(!synchronized.contains(State::SynSent));
        assert!(synchronized.contains(State::Established));
        assert_eq!(States::named("ESTAB"), None);
        assert_eq!(
            established.union(States::named("time-wait").unwrap()),
            States::NONE.with(State::Established).with(State::TimeWait)
        );
    }

    #[test]
    fn port_conditions_all_hold() {
        let filter = Filter {
            states: States::all(),
            ports: vec![
                PortCondition {
                    side: Side::Local,
                    port: 80,
                    equal: true,
                },
                PortCondition {
                    side: Side::Peer,
                    port: 4000,
                    equal: false,
                },
            ],
        };
        assert!(filter.admits(&socket(State::Established, 80, 4001)));
        assert!(!filter.admits(&socket(State::Established, 80, 4000)));
        assert!(!filter.admits(&socket(State::Established, 81, 4001)));
    }
}

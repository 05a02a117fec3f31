//! Fixture builders: a connection of an [`Endpoint`](tcp_core::Endpoint) put in any of the
//! eleven states of RFC 9293 §3.3.2 by injected segments, with the far side's numbers kept in
//! a [`Peer`] so tests can go on from there.
//!
//! The far side offers MSS 1460 and nothing else by default, so the engine's later segments
//! carry no options and sequence arithmetic in tests stays plain.

use super::inject::{Harness, LOCAL_IP, PEER_IP, Peer, Reply, Seg};
use std::net::SocketAddr;
use tcp_core::{ConnectionHandle, ListenerHandle, SocketOptions, State};
use tcp_wire::{Flags, Options, SeqNumber};

/// The engine's port for connections it opens.
pub const LOCAL_PORT: u16 = 40_000;
/// The engine's listening port for passive opens.
pub const SERVER_PORT: u16 = 80;
/// The far side's port.
pub const PEER_PORT: u16 = 50_000;
/// The far side's initial sequence number.
pub const PEER_ISS: SeqNumber = SeqNumber(0x1000_0000);

/// Every state, in RFC 9293 order.
pub const ALL_STATES: [State; 11] = [
    State::Closed,
    State::Listen,
    State::SynSent,
    State::SynReceived,
    State::Established,
    State::FinWait1,
    State::FinWait2,
    State::CloseWait,
    State::Closing,
    State::LastAck,
    State::TimeWait,
];

/// The far side's SYN options by default: MSS only.
pub fn plain_options() -> Options {
    Options {
        mss: Some(1460),
        ..Options::default()
    }
}

/// How to build a connection: addresses and the options of both sides.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The engine's address (for LISTEN and SYN_RECEIVED, the listener's).
    pub local: SocketAddr,
    /// The far side's address.
    pub remote: SocketAddr,
    /// Options of the far side's SYN or SYN-ACK.
    pub peer_options: Options,
    /// The engine's socket options.
    pub options: SocketOptions,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            local: SocketAddr::new(LOCAL_IP, LOCAL_PORT),
            remote: SocketAddr::new(PEER_IP, PEER_PORT),
            peer_options: plain_options(),
            options: SocketOptions::default(),
        }
    }
}

impl Spec {
    /// Default addresses with the engine on `local` and the far side on `remote` ports.
    pub fn ports(local: u16, remote: u16) -> Spec {
        let mut spec = Spec::default();
        spec.local.set_port(local);
        spec.remote.set_port(remote);
        spec
    }

    /// The default spec with the passive side's port.
    pub fn passive() -> Spec {
        Spec::ports(SERVER_PORT, PEER_PORT)
    }
}

/// One connection (or listener) built into a harness.
#[derive(Debug, Clone, Copy)]
pub struct Conn {
    pub peer: Peer,
    /// The application's handle: `None` for a listener and for a passive open not accepted.
    pub handle: Option<ConnectionHandle>,
    pub listener: Option<ListenerHandle>,
    /// The engine's initial sequence number (`None` for a listener).
    pub iss: Option<SeqNumber>,
    /// Sequence number of the engine's FIN, once sent.
    pub fin_seq: Option<SeqNumber>,
}

impl Conn {
    pub fn handle(&self) -> ConnectionHandle {
        self.handle.expect("connection has a handle")
    }

    pub fn iss(&self) -> SeqNumber {
        self.iss.expect("connection has an ISS")
    }

    /// Injects `seg` and notes what the engine sent back.
    pub fn send(&mut self, h: &mut Harness, seg: &Seg) -> Vec<Reply> {
        let replies = h.inject(seg);
        self.peer.observe(&replies);
        replies
    }

    /// The connection's (or listener's) state as `sockets()` displays it; "gone" once it
    /// left the table.
    pub fn state(&self, h: &Harness) -> String {
        if self.iss.is_none() {
            let listening =
                h.ep.sockets()
                    .into_iter()
                    .any(|s| s.local == self.peer.local && s.state == State::Listen);
            return if listening { "LISTEN" } else { "gone" }.to_string();
        }
        h.state_of(self.peer.local, self.peer.addr)
    }
}

/// A connection in `state` built by injected segments. LISTEN and SYN_RECEIVED are passive
/// opens on `spec.local`; every other state starts from an active open to `spec.remote`.
pub fn build(h: &mut Harness, spec: Spec, state: State) -> Conn {
    match state {
        State::Listen => return listen(h, spec),
        State::SynSent => return syn_sent(h, spec),
        State::SynReceived => {
            let listener = listen(h, spec);
            return syn_received(h, listener);
        }
        _ => {}
    }
    let conn = established(h, spec);
    match state {
        State::Closed => {
            h.ep.abort(conn.handle()).expect("abort");
            let replies = h.drain();
            assert!(replies.iter().any(Reply::is_rst), "{}", h.transcript());
            conn
        }
        State::FinWait1 => fin_wait_1(h, conn),
        State::FinWait2 => {
            let conn = fin_wait_1(h, conn);
            fin_wait_2(h, conn)
        }
        State::CloseWait => close_wait(h, conn),
        State::Closing => {
            let conn = fin_wait_1(h, conn);
            closing(h, conn)
        }
        State::LastAck => {
            let conn = close_wait(h, conn);
            last_ack(h, conn)
        }
        State::TimeWait => {
            let conn = fin_wait_1(h, conn);
            let conn = fin_wait_2(h, conn);
            time_wait(h, conn)
        }
        _ => conn,
    }
}

/// LISTEN on `spec.local`.
pub fn listen(h: &mut Harness, spec: Spec) -> Conn {
    let listener = h.ep.listen(spec.local, 16, spec.options).expect("listen");
    Conn {
        peer: Peer::new(spec.remote, spec.local, PEER_ISS),
        handle: None,
        listener: Some(listener),
        iss: None,
        fin_seq: None,
    }
}

/// SYN_SENT: `connect` and the SYN on the wire.
pub fn syn_sent(h: &mut Harness, spec: Spec) -> Conn {
    let now = h.now;
    let handle =
        h.ep.connect(now, spec.local, spec.remote, spec.options)
            .expect("connect");
    let replies = h.drain();
    let mut peer = Peer::new(spec.remote, spec.local, PEER_ISS);
    peer.observe(&replies);
    let syn = replies.first().expect("SYN sent");
    assert_eq!(syn.flags(), Flags::SYN, "{}", h.transcript());
    Conn {
        peer,
        handle: Some(handle),
        listener: None,
        iss: Some(syn.seq()),
        fin_seq: None,
    }
}

/// ESTABLISHED by an active open: our SYN, the far side's SYN-ACK, our ACK.
pub fn established(h: &mut Harness, spec: Spec) -> Conn {
    let mut conn = syn_sent(h, spec);
    conn.peer.ack_all();
    let syn_ack = conn.peer.syn_ack(spec.peer_options);
    let replies = conn.send(h, &syn_ack);
    assert!(
        replies.len() == 1 && replies[0].is_pure_ack(),
        "handshake ACK expected:\n{}",
        h.transcript()
    );
    assert_eq!(conn.state(h), "ESTABLISHED");
    conn
}

/// SYN_RECEIVED by a passive open on `listener`: the far side's SYN, our SYN-ACK.
pub fn syn_received(h: &mut Harness, listener: Conn) -> Conn {
    let mut conn = listener;
    let options = Spec::default().peer_options;
    syn_received_with(h, &mut conn, options);
    conn
}

/// Like [`syn_received`] with the far side's SYN options given.
pub fn syn_received_with(h: &mut Harness, conn: &mut Conn, options: Options) -> Reply {
    let syn = conn.peer.syn(options);
    let replies = conn.send(h, &syn);
    assert_eq!(replies.len(), 1, "SYN-ACK expected:\n{}", h.transcript());
    let syn_ack = replies[0].clone();
    assert_eq!(syn_ack.flags(), Flags::SYN | Flags::ACK);
    conn.iss = Some(syn_ack.seq());
    conn.peer.ack_all();
    syn_ack
}

/// ESTABLISHED by a passive open: listener, SYN, SYN-ACK, ACK, `accept`.
pub fn established_passive(h: &mut Harness, spec: Spec) -> Conn {
    let mut conn = listen(h, spec);
    syn_received_with(h, &mut conn, spec.peer_options);
    let ack = conn.peer.ack_seg();
    let replies = conn.send(h, &ack);
    assert!(replies.is_empty(), "{}", h.transcript());
    let listener = conn.listener.expect("listener");
    conn.handle = Some(h.ep.accept(listener).expect("accept"));
    conn
}

/// FIN_WAIT_1 from ESTABLISHED: `shutdown_write`, our FIN on the wire, not acknowledged.
pub fn fin_wait_1(h: &mut Harness, mut conn: Conn) -> Conn {
    h.ep.shutdown_write(conn.handle()).expect("shutdown");
    let replies = h.drain();
    conn.peer.observe(&replies);
    let fin = replies.last().expect("FIN sent");
    assert!(fin.flags().fin(), "{}", h.transcript());
    conn.fin_seq = Some(fin.seq() + fin.payload.len() as u32);
    assert_eq!(conn.state(h), "FIN_WAIT_1");
    conn
}

/// FIN_WAIT_2 from FIN_WAIT_1: the far side acknowledges our FIN.
pub fn fin_wait_2(h: &mut Harness, mut conn: Conn) -> Conn {
    conn.peer.ack_all();
    let ack = conn.peer.ack_seg();
    let replies = conn.send(h, &ack);
    assert!(replies.is_empty(), "{}", h.transcript());
    assert_eq!(conn.state(h), "FIN_WAIT_2");
    conn
}

/// TIME_WAIT from FIN_WAIT_2: the far side's FIN, our ACK.
pub fn time_wait(h: &mut Harness, mut conn: Conn) -> Conn {
    let fin = conn.peer.fin();
    let replies = conn.send(h, &fin);
    assert!(
        replies.len() == 1 && replies[0].is_pure_ack() && replies[0].ack() == conn.peer.seq,
        "ACK of the FIN expected:\n{}",
        h.transcript()
    );
    assert_eq!(conn.state(h), "TIME_WAIT");
    conn
}

/// CLOSING from FIN_WAIT_1: the far side's FIN that does not acknowledge ours.
pub fn closing(h: &mut Harness, mut conn: Conn) -> Conn {
    let fin = conn.peer.fin();
    let replies = conn.send(h, &fin);
    assert!(
        replies.iter().any(|r| r.ack() == conn.peer.seq),
        "ACK of the FIN expected:\n{}",
        h.transcript()
    );
    assert_eq!(conn.state(h), "CLOSING");
    conn
}

/// CLOSE_WAIT from ESTABLISHED: the far side's FIN, our ACK.
pub fn close_wait(h: &mut Harness, mut conn: Conn) -> Conn {
    let fin = conn.peer.fin();
    let replies = conn.send(h, &fin);
    assert!(
        replies.len() == 1 && replies[0].is_pure_ack() && replies[0].ack() == conn.peer.seq,
        "ACK of the FIN expected:\n{}",
        h.transcript()
    );
    assert_eq!(conn.state(h), "CLOSE_WAIT");
    conn
}

/// LAST_ACK from CLOSE_WAIT: `shutdown_write`, our FIN on the wire, not acknowledged.
pub fn last_ack(h: &mut Harness, mut conn: Conn) -> Conn {
    h.ep.shutdown_write(conn.handle()).expect("shutdown");
    let replies = h.drain();
    conn.peer.observe(&replies);
    let fin = replies.last().expect("FIN sent");
    assert!(fin.flags().fin(), "{}", h.transcript());
    conn.fin_seq = Some(fin.seq());
    assert_eq!(conn.state(h), "LAST_ACK");
    conn
}

//! Two endpoints joined to each other by a wire that delivers at once, for what takes two
//! engines: ends desynchronised by data an attacker spoofed into one of them (issue #15
//! item 4), which must not ACK each other without end. Every exchange at one instant must
//! fall quiet within `STORM` segments.

use arbitrary::Arbitrary;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tcp_core::{
    BufferSize, Config, ConnectionHandle, Endpoint, Extensions, Instant, SocketOptions,
};
use tcp_wire::{Flags, Header, Segment};

/// End A's address (it connects).
const A_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 1, 1));
/// End B's address (it listens).
const B_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 1, 2));
/// More segments than this at one instant is an ACK storm: with 8 KiB buffers a legitimate
/// exchange moves a few dozen.
const STORM: usize = 5_000;
/// Most payload bytes of one write.
const MAX_PAYLOAD: usize = 2048;

/// An operation on the pair.
#[derive(Debug, Arbitrary)]
pub enum TwinOp {
    /// A new pair (the old one is dropped): B listens, A connects, the handshake runs.
    Open {
        timestamps: bool,
        sack: bool,
    },
    /// The application writes on one end.
    Write {
        on_b: bool,
        len: u16,
        fill: u8,
    },
    /// The application reads everything on one end.
    Read {
        on_b: bool,
    },
    ShutdownWrite {
        on_b: bool,
    },
    Close {
        on_b: bool,
    },
    /// A segment spoofed into one end as if from the other: the numbers and options of the
    /// last segment the other end sent, the sequence number moved past its payload by
    /// `offset` bytes, with `len` bytes of data.
    Inject {
        into_b: bool,
        offset: i8,
        flags: Spoofed,
        len: u8,
    },
    /// The next `n` segments one end sends are lost.
    Lose {
        from_b: bool,
        n: u8,
    },
}

/// The flags of a spoofed segment: the common cases by name, so that a short run finds
/// them, and any byte.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Spoofed {
    Data,
    DataFin,
    Ack,
    Syn,
    Rst,
    Any(u8),
}

impl Spoofed {
    fn flags(self) -> Flags {
        match self {
            Spoofed::Data => Flags::ACK | Flags::PSH,
            Spoofed::DataFin => Flags::ACK | Flags::PSH | Flags::FIN,
            Spoofed::Ack => Flags::ACK,
            Spoofed::Syn => Flags::SYN,
            Spoofed::Rst => Flags::RST,
            Spoofed::Any(bits) => Flags(bits),
        }
    }
}

/// The pair and what the wire saw.
pub struct Twin {
    ends: [Endpoint; 2],
    conns: [Option<ConnectionHandle>; 2],
    /// The last segment each end sent (index 0: A).
    last: [Vec<u8>; 2],
    /// Segments still to be lost, per sending end.
    lose: [u8; 2],
    buf: Vec<u8>,
}

impl Twin {
    /// A connected pair at `now` (a failed handshake leaves the handles empty).
    pub fn open(now: Instant, timestamps: bool, sack: bool) -> Twin {
        let small = BufferSize {
            initial: 4096,
            max: 8192,
        };
        let config = Config {
            extensions: Extensions {
                timestamps,
                sack,
                ..Extensions::default()
            },
            send_buffer: small,
            recv_buffer: small,
            ..Config::default()
        };
        let mut twin = Twin {
            ends: [
                Endpoint::new(config.clone(), [3; 16]),
                Endpoint::new(config, [4; 16]),
            ],
            conns: [None, None],
            last: [Vec::new(), Vec::new()],
            lose: [0, 0],
            buf: vec![0; 65_536],
        };
        let options = SocketOptions::default();
        let server = SocketAddr::new(B_IP, 80);
        let listener = twin.ends[1].listen(server, 4, options).ok();
        let client = SocketAddr::new(A_IP, 0);
        twin.conns[0] = twin.ends[0].connect(now, client, server, options).ok();
        twin.exchange(now);
        twin.conns[1] = listener.and_then(|l| twin.ends[1].accept(l).ok());
        twin
    }

    /// Applies `op` at `now`, then lets the ends exchange what they have.
    pub fn apply(&mut self, now: Instant, op: &TwinOp) {
        match *op {
            TwinOp::Open { .. } => {}
            TwinOp::Write { on_b, len, fill } => {
                if let Some(conn) = self.conns[usize::from(on_b)] {
                    let data = vec![fill; usize::from(len) % (MAX_PAYLOAD * 4)];
                    let _ = self.ends[usize::from(on_b)].write(conn, &data);
                }
            }
            TwinOp::Read { on_b } => {
                if let Some(conn) = self.conns[usize::from(on_b)] {
                    let mut out = [0u8; 4096];
                    while let Ok(n) = self.ends[usize::from(on_b)].read(conn, &mut out) {
                        if n == 0 {
                            break;
                        }
                    }
                }
            }
            TwinOp::ShutdownWrite { on_b } => {
                if let Some(conn) = self.conns[usize::from(on_b)] {
                    let _ = self.ends[usize::from(on_b)].shutdown_write(conn);
                }
            }
            TwinOp::Close { on_b } => {
                if let Some(conn) = self.conns[usize::from(on_b)].take() {
                    let _ = self.ends[usize::from(on_b)].close(now, conn);
                }
            }
            TwinOp::Inject {
                into_b,
                offset,
                flags,
                len,
            } => self.inject(now, into_b, offset, flags, len),
            TwinOp::Lose { from_b, n } => self.lose[usize::from(from_b)] = n % 16,
        }
        self.exchange(now);
    }

    /// Runs the timers due at `now` on both ends, then exchanges.
    pub fn run_timers(&mut self, now: Instant) {
        for end in &mut self.ends {
            if end.poll_timeout().is_some_and(|at| at <= now) {
                end.handle_timeout(now);
            }
            if let Some(at) = end.poll_timeout() {
                assert!(at > now, "twin deadline {at:?} not after {now:?}");
            }
        }
        self.exchange(now);
    }

    fn inject(&mut self, now: Instant, into_b: bool, offset: i8, flags: Spoofed, len: u8) {
        let from = usize::from(!into_b);
        let Ok(template) = Segment::new_checked(&self.last[from][..]) else {
            return;
        };
        let Ok(header) = Header::parse(&template) else {
            return;
        };
        let header = Header {
            seq: header.seq + template.payload().len() as u32 + offset as i32 as u32,
            flags: flags.flags(),
            ..header
        };
        let len = usize::from(len);
        let mut bytes = vec![0x5a; header.header_len() + len];
        if header.emit(&mut bytes).is_err() {
            return;
        }
        let (src, dst) = if into_b { (A_IP, B_IP) } else { (B_IP, A_IP) };
        Segment::new_unchecked(&mut bytes[..]).fill_checksum(src, dst);
        self.ends[usize::from(into_b)].handle_segment(now, src, dst, &bytes);
    }

    /// Delivers segments both ways at `now` until both ends are quiet; asserts that happens
    /// within `STORM` segments and that every segment is well formed.
    fn exchange(&mut self, now: Instant) {
        let mut moved = 0;
        loop {
            let before = moved;
            for from in 0..2 {
                while let Some(t) = self.ends[from].poll_transmit(now, &mut self.buf) {
                    let bytes = &self.buf[..t.len];
                    let segment =
                        Segment::new_checked(bytes).expect("twin sent a malformed segment");
                    assert!(
                        segment.verify_checksum(t.src, t.dst),
                        "twin sent a bad checksum"
                    );
                    moved += 1;
                    assert!(moved < STORM, "ACK storm: {moved} segments at {now:?}");
                    self.last[from] = bytes.to_vec();
                    if self.lose[from] > 0 {
                        self.lose[from] -= 1;
                        continue;
                    }
                    self.ends[1 - from].handle_segment(now, t.src, t.dst, bytes);
                }
                while self.ends[from].poll_event().is_some() {}
            }
            if moved == before {
                return;
            }
        }
    }
}

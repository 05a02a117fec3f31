//! A harness that feeds hand-built segments into one [`Endpoint`] and collects what it sends
//! back, parsed, in virtual time. The far side is the test itself: [`Seg`] builds any segment
//! (correctly checksummed unless told otherwise) and [`Peer`] keeps the far side's sequence
//! numbers of one connection so a test reads like a packetdrill script.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{Config, ConnectionHandle, Endpoint, Event, Instant, SocketInfo};
use tcp_wire::{Flags, Header, Options, Segment, SeqNumber, TcpdumpLine};

/// The engine's address in every injected scenario.
pub const LOCAL_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
/// The far side's address.
pub const PEER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
/// A second address of the engine, for bind tests.
pub const OTHER_LOCAL_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 3));

/// One segment the engine sent, parsed.
#[derive(Debug, Clone)]
pub struct Reply {
    /// When it was polled.
    pub at: Instant,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub header: Header,
    pub payload: Vec<u8>,
    /// The raw TCP bytes as sent.
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn flags(&self) -> Flags {
        self.header.flags
    }

    pub fn seq(&self) -> SeqNumber {
        self.header.seq
    }

    pub fn ack(&self) -> SeqNumber {
        self.header.ack
    }

    pub fn src_addr(&self) -> SocketAddr {
        SocketAddr::new(self.src, self.header.src_port)
    }

    pub fn dst_addr(&self) -> SocketAddr {
        SocketAddr::new(self.dst, self.header.dst_port)
    }

    /// Sequence space the segment occupies.
    pub fn seg_len(&self) -> u32 {
        let flags = self.flags();
        self.payload.len() as u32 + u32::from(flags.syn()) + u32::from(flags.fin())
    }

    /// Only ACK set, no payload.
    pub fn is_pure_ack(&self) -> bool {
        self.flags().without(Flags::PSH) == Flags::ACK && self.payload.is_empty()
    }

    pub fn is_rst(&self) -> bool {
        self.flags().rst()
    }

    /// The tcpdump-style line.
    pub fn line(&self) -> String {
        TcpdumpLine::new(self.src, self.dst, &self.bytes).to_string()
    }
}

/// A segment to inject: addresses, header fields, payload. Built with [`Seg::new`] and the
/// chained setters; [`Seg::bytes`] writes it with `Header::emit` and `fill_checksum`.
#[derive(Debug, Clone)]
pub struct Seg {
    /// Sender (the far side).
    pub src: SocketAddr,
    /// Receiver (the engine).
    pub dst: SocketAddr,
    pub header: Header,
    pub payload: Vec<u8>,
    /// Flip a bit of the checksum after filling it.
    pub corrupt_checksum: bool,
}

impl Seg {
    pub fn new(src: SocketAddr, dst: SocketAddr, flags: Flags) -> Seg {
        Seg {
            src,
            dst,
            header: Header {
                src_port: src.port(),
                dst_port: dst.port(),
                flags,
                window: 65_535,
                ..Header::default()
            },
            payload: Vec::new(),
            corrupt_checksum: false,
        }
    }

    pub fn seq(mut self, seq: SeqNumber) -> Seg {
        self.header.seq = seq;
        self
    }

    pub fn ack(mut self, ack: SeqNumber) -> Seg {
        self.header.ack = ack;
        self
    }

    pub fn flags(mut self, flags: Flags) -> Seg {
        self.header.flags = flags;
        self
    }

    pub fn window(mut self, window: u16) -> Seg {
        self.header.window = window;
        self
    }

    pub fn options(mut self, options: Options) -> Seg {
        self.header.options = options;
        self
    }

    pub fn mss(mut self, mss: u16) -> Seg {
        self.header.options.mss = Some(mss);
        self
    }

    pub fn payload(mut self, payload: &[u8]) -> Seg {
        self.payload = payload.to_vec();
        self
    }

    pub fn bad_checksum(mut self) -> Seg {
        self.corrupt_checksum = true;
        self
    }

    /// Sequence space the segment occupies.
    pub fn seg_len(&self) -> u32 {
        let flags = self.header.flags;
        self.payload.len() as u32 + u32::from(flags.syn()) + u32::from(flags.fin())
    }

    /// The wire bytes, checksummed for `src.ip() -> dst.ip()`.
    pub fn bytes(&self) -> Vec<u8> {
        let mut buf = vec![0u8; self.header.header_len() + self.payload.len()];
        let len = self.header.emit(&mut buf).expect("header fits");
        buf[len..].copy_from_slice(&self.payload);
        let mut segment = Segment::new_unchecked(&mut buf[..]);
        segment.fill_checksum(self.src.ip(), self.dst.ip());
        if self.corrupt_checksum {
            let sum = segment.checksum();
            segment.set_checksum(sum ^ 0x0100);
        }
        buf
    }

    /// The tcpdump-style line.
    pub fn line(&self) -> String {
        TcpdumpLine::new(self.src.ip(), self.dst.ip(), &self.bytes()).to_string()
    }
}

/// One endpoint, a virtual clock, and a transcript of everything that crossed the wire.
pub struct Harness {
    pub now: Instant,
    pub ep: Endpoint,
    /// Events polled so far, oldest first.
    pub events: Vec<Event>,
    /// tcpdump-style lines: `<` for injected segments, `>` for what the engine sent.
    pub trace: Vec<String>,
    /// Every segment the engine sent, oldest first.
    pub sent: Vec<Reply>,
    /// Keep `trace` and `sent` (turn off for long runs).
    pub recording: bool,
    buf: Vec<u8>,
}

impl Harness {
    pub fn new(config: Config) -> Harness {
        Harness::with_secret(config, [7; 16])
    }

    pub fn with_secret(config: Config, secret: [u8; 16]) -> Harness {
        Harness {
            now: Instant::from_millis(10_000),
            ep: Endpoint::new(config, secret),
            events: Vec::new(),
            trace: Vec::new(),
            sent: Vec::new(),
            recording: true,
            buf: vec![0u8; 65_536 + 60],
        }
    }

    /// Hands `seg` to the engine and returns everything it sends in reply.
    pub fn inject(&mut self, seg: &Seg) -> Vec<Reply> {
        self.deliver(seg);
        self.drain()
    }

    /// Hands `seg` to the engine without polling what it sends (as a driver handing it
    /// a batch of segments before transmitting); [`Harness::drain`] collects the replies.
    pub fn deliver(&mut self, seg: &Seg) {
        let bytes = seg.bytes();
        if self.recording {
            self.trace.push(format!(
                "{:?} < {}",
                self.now,
                TcpdumpLine::new(seg.src.ip(), seg.dst.ip(), &bytes)
            ));
        }
        let now = self.now;
        self.ep
            .handle_segment(now, seg.src.ip(), seg.dst.ip(), &bytes);
    }

    /// Hands raw bytes to the engine (nothing checked or fixed up).
    pub fn inject_raw(&mut self, src: IpAddr, dst: IpAddr, bytes: &[u8]) -> Vec<Reply> {
        if self.recording {
            self.trace.push(format!(
                "{:?} < {}",
                self.now,
                TcpdumpLine::new(src, dst, bytes)
            ));
        }
        let now = self.now;
        self.ep.handle_segment(now, src, dst, bytes);
        self.drain()
    }

    /// Polls every segment and event the engine has; asserts each segment is well formed
    /// and correctly checksummed.
    pub fn drain(&mut self) -> Vec<Reply> {
        let mut out = Vec::new();
        loop {
            let now = self.now;
            let Some(transmit) = self.ep.poll_transmit(now, &mut self.buf) else {
                break;
            };
            let bytes = self.buf[..transmit.len].to_vec();
            let segment = Segment::new_checked(&bytes[..]).expect("engine sent a short segment");
            assert!(
                segment.verify_checksum(transmit.src, transmit.dst),
                "engine sent a bad checksum"
            );
            let header = Header::parse(&segment).expect("engine sent malformed options");
            let payload = segment.payload().to_vec();
            let reply = Reply {
                at: now,
                src: transmit.src,
                dst: transmit.dst,
                header,
                payload,
                bytes,
            };
            if self.recording {
                self.trace.push(format!("{:?} > {}", now, reply.line()));
                self.sent.push(reply.clone());
            }
            out.push(reply);
        }
        while let Some(event) = self.ep.poll_event() {
            self.events.push(event);
        }
        out
    }

    /// Moves the clock forward by `by`, running every timer on its deadline (in order) and
    /// collecting what the engine sends meanwhile.
    pub fn advance(&mut self, by: Duration) -> Vec<Reply> {
        let target = self.now + by;
        let mut out = self.drain();
        while let Some(at) = self.ep.poll_timeout() {
            if at > target {
                break;
            }
            self.now = self.now.max(at);
            let now = self.now;
            self.ep.handle_timeout(now);
            out.extend(self.drain());
        }
        self.now = target;
        out
    }

    /// Jumps to the next timer deadline and runs it; `None` when no timer is armed.
    pub fn next_timer(&mut self) -> Option<(Instant, Vec<Reply>)> {
        let at = self.ep.poll_timeout()?;
        self.now = self.now.max(at);
        let now = self.now;
        self.ep.handle_timeout(now);
        Some((at, self.drain()))
    }

    /// The socket table row of a connection, by its 4-tuple.
    pub fn row(&self, local: SocketAddr, remote: SocketAddr) -> Option<SocketInfo> {
        self.ep
            .sockets()
            .into_iter()
            .find(|s| s.local == local && s.remote == remote)
    }

    /// The state of the connection on a 4-tuple as `sockets()` displays it, or "gone".
    pub fn state_of(&self, local: SocketAddr, remote: SocketAddr) -> String {
        self.row(local, remote)
            .map_or_else(|| "gone".to_string(), |s| s.state.to_string())
    }

    /// Every row's state in Display form, listeners first.
    pub fn states(&self) -> Vec<String> {
        self.ep
            .sockets()
            .iter()
            .map(|s| s.state.to_string())
            .collect()
    }

    /// The transcript so far, one line per segment, for assertion messages.
    pub fn transcript(&self) -> String {
        self.trace.join("\n")
    }

    /// Events polled so far that concern `conn`.
    pub fn events_of(&self, conn: ConnectionHandle) -> Vec<Event> {
        self.events
            .iter()
            .copied()
            .filter(|e| match e {
                Event::Connected(c)
                | Event::Readable(c)
                | Event::Writable(c)
                | Event::PeerClosed(c)
                | Event::Failed(c, _)
                | Event::Closed(c) => *c == conn,
                Event::Incoming(_) => false,
            })
            .collect()
    }
}

/// The far side of one connection: its address, the engine's address, and the sequence
/// numbers it has sent, seen and acknowledged so far.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// The far side's address.
    pub addr: SocketAddr,
    /// The engine's address.
    pub local: SocketAddr,
    /// The far side's SND.NXT: the sequence number of its next segment.
    pub seq: SeqNumber,
    /// What it acknowledges (tests move it with [`Peer::ack_all`] or by hand).
    pub ack: SeqNumber,
    /// One past the highest sequence number the engine has sent it (its SND.MAX).
    pub seen: SeqNumber,
    /// The window it advertises.
    pub window: u16,
}

impl Peer {
    pub fn new(addr: SocketAddr, local: SocketAddr, iss: SeqNumber) -> Peer {
        Peer {
            addr,
            local,
            seq: iss,
            ack: SeqNumber(0),
            seen: SeqNumber(0),
            window: 65_535,
        }
    }

    /// A segment from the far side with its current numbers (no sequence space taken).
    pub fn seg(&self, flags: Flags) -> Seg {
        let ack = if flags.ack() { self.ack } else { SeqNumber(0) };
        Seg::new(self.addr, self.local, flags)
            .seq(self.seq)
            .ack(ack)
            .window(self.window)
    }

    /// A SYN carrying `options` (takes one sequence number).
    pub fn syn(&mut self, options: Options) -> Seg {
        let seg = self.seg(Flags::SYN).options(options);
        self.seq += 1;
        seg
    }

    /// A SYN-ACK carrying `options` (takes one sequence number).
    pub fn syn_ack(&mut self, options: Options) -> Seg {
        let seg = self.seg(Flags::SYN | Flags::ACK).options(options);
        self.seq += 1;
        seg
    }

    /// A pure ACK with the current numbers.
    pub fn ack_seg(&self) -> Seg {
        self.seg(Flags::ACK)
    }

    /// Data with ACK and PSH (takes its length in sequence space).
    pub fn data(&mut self, payload: &[u8]) -> Seg {
        let seg = self.seg(Flags::ACK | Flags::PSH).payload(payload);
        self.seq += payload.len() as u32;
        seg
    }

    /// FIN with ACK (takes one sequence number).
    pub fn fin(&mut self) -> Seg {
        let seg = self.seg(Flags::FIN | Flags::ACK);
        self.seq += 1;
        seg
    }

    /// Notes the sequence space of what the engine sent to this peer (RSTs excluded).
    pub fn observe(&mut self, replies: &[Reply]) {
        for reply in replies {
            if reply.dst_addr() != self.addr || reply.src_addr() != self.local || reply.is_rst() {
                continue;
            }
            let end = reply.seq() + reply.seg_len();
            if reply.flags().syn() || end.gt(self.seen) {
                self.seen = end;
            }
        }
    }

    /// Acknowledges everything seen so far.
    pub fn ack_all(&mut self) {
        self.ack = self.seen;
    }
}

/// The one reply in `replies`, with the transcript in the panic message otherwise.
pub fn only(replies: &[Reply], h: &Harness) -> Reply {
    assert_eq!(
        replies.len(),
        1,
        "expected exactly one segment:\n{}",
        h.transcript()
    );
    replies[0].clone()
}

/// Asserts nothing was sent.
pub fn silent(replies: &[Reply], h: &Harness) {
    assert!(
        replies.is_empty(),
        "expected no segment:\n{}",
        h.transcript()
    );
}

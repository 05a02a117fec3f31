//! Namespace soak: this stack against the Linux kernel across veth with 5 % loss in each
//! direction, injected by the stack's own link wrapper (dropping what the stack sends
//! exercises the kernel's receiver and our retransmissions; dropping what it receives
//! exercises the kernel's retransmissions and our reassembly).
//!
//! One connection carries data both ways at once: the stack sends its half, half-closes and
//! keeps reading while the kernel sends its half, half-closes and keeps reading. Every byte
//! is checked against a position-keyed generator as it arrives, so nothing is held in
//! memory and a lost, duplicated or misplaced byte is caught where it happens.
//!
//! Three runs: 256 MiB through 5 % loss (always), the robustness issue's 1 GiB through 5 %
//! loss (on request: about 20 s, docs/robustness.md has the figures), and 16 MiB without
//! loss while the stack's interface goes down and up halfway through.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use tcp_stack::netns::{self, Netns, Topology};
use tcp_tokio::link::FaultConfig;
use tcp_tokio::{Stack, State, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

const PORT: u16 = 5201;
/// Longest a read or write may wait for progress before the test calls it a hang.
const STALL: Duration = Duration::from_secs(60);
/// Chunk size of reads and writes on both sides.
const CHUNK: usize = 64 * 1024;

/// Key of the stream the stack sends; the kernel's is the next one.
const STACK_KEY: u64 = 0x5eed_0001;
const KERNEL_KEY: u64 = 0x5eed_0002;

/// Fills `out` with the generator's bytes for positions `start..` of stream `key`.
fn fill(key: u64, start: u64, out: &mut [u8]) {
    let mut i = start;
    let mut k = 0;
    while k < out.len() {
        let word = mix(key ^ (i >> 3).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes();
        let offset = (i & 7) as usize;
        let n = (8 - offset).min(out.len() - k);
        out[k..k + n].copy_from_slice(&word[offset..offset + n]);
        k += n;
        i += n as u64;
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Checks `got` against the generator at `start`; the position of the first wrong byte.
fn verify(key: u64, start: u64, got: &[u8], scratch: &mut [u8]) -> Result<(), u64> {
    let expected = &mut scratch[..got.len()];
    fill(key, start, expected);
    match got.iter().zip(expected.iter()).position(|(a, b)| a != b) {
        None => Ok(()),
        Some(at) => Err(start + at as u64),
    }
}

fn stall(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("{what}: no progress for {STALL:?}"),
    )
}

/// The kernel's end: accepts one connection, sends `send` bytes of its stream and
/// half-closes while reading and verifying `expect` bytes of ours up to end-of-file.
fn kernel_peer(listener: std::net::TcpListener, send: u64, expect: u64) -> io::Result<()> {
    let (stream, _) = listener.accept()?;
    stream.set_read_timeout(Some(STALL))?;
    stream.set_write_timeout(Some(STALL))?;
    let mut writer = stream.try_clone()?;
    let sender = std::thread::spawn(move || -> io::Result<()> {
        let mut chunk = vec![0u8; CHUNK];
        let mut sent = 0u64;
        while sent < send {
            let n = (send - sent).min(CHUNK as u64) as usize;
            fill(KERNEL_KEY, sent, &mut chunk[..n]);
            writer.write_all(&chunk[..n])?;
            sent += n as u64;
        }
        writer.shutdown(Shutdown::Write)
    });
    let mut reader = stream;
    let mut chunk = vec![0u8; CHUNK];
    let mut scratch = vec![0u8; CHUNK];
    let mut got = 0u64;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(stall("kernel read")),
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        verify(STACK_KEY, got, &chunk[..n], &mut scratch).map_err(|at| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("kernel got a wrong byte at {at}"),
            )
        })?;
        got += n as u64;
    }
    sender
        .join()
        .map_err(|_| io::Error::other("kernel sender panicked"))??;
    if got != expect {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("kernel got {got} of {expect} bytes"),
        ));
    }
    Ok(())
}

/// What the stack's end saw.
#[derive(Debug)]
struct StackSide {
    received: u64,
    final_state: State,
    retransmission_timeouts: u64,
    bad_checksum: u64,
}

/// Takes the stack's interface down once half of the stack's data is written (the writer
/// waits for it before the second half), waits until the stack has retransmitted into the
/// dead link twice, and brings it up again.
struct Flap<'a> {
    netns: &'a Netns,
    interface: &'a str,
}

impl Flap<'_> {
    fn set(&self, state: &str) -> io::Result<()> {
        self.netns
            .exec("ip", &["link", "set", self.interface, state])
            .map(drop)
    }

    async fn run(
        &self,
        stack: &Stack,
        half_written: oneshot::Receiver<()>,
        down: oneshot::Sender<()>,
    ) -> io::Result<()> {
        if half_written.await.is_err() {
            return Ok(());
        }
        self.set("down")?;
        let _ = down.send(());
        let before = stack.counters().tcp.retransmission_timeouts;
        let deadline = Instant::now() + STALL;
        // Waits on the stack's own progress (its retransmission timer firing into the dead
        // link), not on a fixed delay.
        while stack.counters().tcp.retransmission_timeouts < before + 2 {
            if Instant::now() > deadline {
                return Err(stall("retransmitting into the downed interface"));
            }
            tokio::task::yield_now().await;
        }
        self.set("up")
    }
}

/// The stack's end: connects, sends `send` bytes of its stream and half-closes while
/// reading and verifying `expect` bytes of the kernel's up to end-of-file; with `flap`, the
/// interface goes down and up halfway through.
async fn stack_peer(
    stack: &Stack,
    server: SocketAddr,
    send: u64,
    expect: u64,
    flap: Option<Flap<'_>>,
) -> io::Result<StackSide> {
    let stream = tokio::time::timeout(STALL, TcpStream::connect_on(stack, server))
        .await
        .map_err(|_| stall("connect"))??;
    let (mut reader, mut writer) = stream.into_split();
    let (half_tx, half_rx) = oneshot::channel();
    let (down_tx, down_rx) = oneshot::channel();
    let sender = tokio::spawn(async move {
        let mut chunk = vec![0u8; CHUNK];
        let mut sent = 0u64;
        let mut half_tx = Some(half_tx);
        let mut down_rx = Some(down_rx);
        while sent < send {
            if sent >= send / 2
                && let (Some(half), Some(down)) = (half_tx.take(), down_rx.take())
            {
                // With a flap, the second half is written only once the interface is down,
                // so some of it meets the dead link however fast the first half went.
                // Without one, `down` is already closed.
                let _ = half.send(());
                let _ = tokio::time::timeout(STALL, down).await;
            }
            let n = (send - sent).min(CHUNK as u64) as usize;
            fill(STACK_KEY, sent, &mut chunk[..n]);
            tokio::time::timeout(STALL, writer.write_all(&chunk[..n]))
                .await
                .map_err(|_| stall("stack write"))??;
            sent += n as u64;
        }
        tokio::time::timeout(STALL, writer.shutdown())
            .await
            .map_err(|_| stall("stack shutdown"))??;
        Ok::<_, io::Error>(writer)
    });
    let receive = async {
        let mut chunk = vec![0u8; CHUNK];
        let mut scratch = vec![0u8; CHUNK];
        let mut got = 0u64;
        loop {
            let n = tokio::time::timeout(STALL, reader.read(&mut chunk))
                .await
                .map_err(|_| stall("stack read"))??;
            if n == 0 {
                return Ok::<_, io::Error>(got);
            }
            verify(KERNEL_KEY, got, &chunk[..n], &mut scratch).map_err(|at| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("stack got a wrong byte at {at}"),
                )
            })?;
            got += n as u64;
        }
    };
    let flapping = async {
        match &flap {
            Some(flap) => flap.run(stack, half_rx, down_tx).await,
            None => {
                drop(down_tx);
                Ok(())
            }
        }
    };
    let (got, flapped) = tokio::join!(receive, flapping);
    let got = got?;
    flapped?;
    let writer = sender
        .await
        .map_err(|_| io::Error::other("stack sender panicked"))??;
    if got != expect {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("stack got {got} of {expect} bytes"),
        ));
    }
    // Our FIN went first or crossed the kernel's: the connection ends in TIME_WAIT (or
    // CLOSED), never stuck in FIN_WAIT or LAST_ACK once both EOFs were seen and acked.
    let stream = reader
        .reunite(writer)
        .map_err(|_| io::Error::other("reunite"))?;
    let deadline = Instant::now() + STALL;
    let final_state = loop {
        let state = stream.state()?;
        if matches!(state, State::TimeWait | State::Closed) || Instant::now() > deadline {
            break state;
        }
        // Waits on the stack's own progress (the last ACK of our FIN), not on a timer.
        tokio::task::yield_now().await;
    };
    let counters = stack.counters();
    Ok(StackSide {
        received: got,
        final_state,
        retransmission_timeouts: counters.tcp.retransmission_timeouts,
        bad_checksum: counters.tcp.bad_checksum,
    })
}

/// Moves `each_way` bytes in both directions at once through `loss` each way (and an
/// interface flap halfway with `flap`); returns the elapsed time.
fn soak(name: &str, seed: u64, each_way: u64, loss: f64, flap: bool) -> Duration {
    let topology = Topology::new("soak").expect("building the namespaces");
    let server = SocketAddr::from((topology.kernel_addr(), PORT));
    let listener = topology
        .in_kernel_ns(|| std::net::TcpListener::bind(server))
        .expect("entering the kernel namespace")
        .expect("kernel bind");
    let kernel = std::thread::spawn(move || kernel_peer(listener, each_way, each_way));
    let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
    let interface = topology.stack_if();
    let start = Instant::now();
    let side = topology
        .in_stack_ns(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let stack = Stack::builder()
                    .interface(interface)
                    .ipv4(&cidr)
                    .faults(seed, FaultConfig::drop(loss), FaultConfig::drop(loss))
                    .build()
                    .await?;
                let flap = flap.then(|| Flap {
                    netns: topology.stack_ns(),
                    interface,
                });
                stack_peer(&stack, server, each_way, each_way, flap).await
            })
        })
        .expect("entering the stack namespace");
    let elapsed = start.elapsed();
    // The kernel's reads and writes give up after STALL without progress, so this join
    // ends; a stack that never connected fails first instead of leaving it in accept.
    let side = side.unwrap_or_else(|e| panic!("{name}: stack side failed: {e}"));
    let kernel = kernel.join().expect("kernel thread");
    kernel.unwrap_or_else(|e| panic!("{name}: kernel side failed: {e}"));
    assert_eq!(side.received, each_way);
    assert!(
        matches!(side.final_state, State::TimeWait | State::Closed),
        "{name}: the stack's end is stuck in {}",
        side.final_state
    );
    // With loss or a flap some retransmissions must have happened.
    assert!(
        side.retransmission_timeouts > 0,
        "{name}: no retransmission timeout"
    );
    eprintln!(
        "{name}: {} MiB each way ({} MiB total) through {} % loss both ways in {:.1} s \
         ({:.1} Mbit/s total); {} retransmission timeouts, {} bad checksums",
        each_way >> 20,
        (2 * each_way) >> 20,
        loss * 100.0,
        elapsed.as_secs_f64(),
        (2 * each_way) as f64 * 8.0 / elapsed.as_secs_f64() / 1e6,
        side.retransmission_timeouts,
        side.bad_checksum,
    );
    elapsed
}

/// The soak: at least 1 GB moved (512 MiB each way at once) with every byte
/// verified. About 20 s (docs/robustness.md has the figures); the 256 MiB variant below
/// covers the same in CI, so this one runs only when asked for.
#[test]
#[ignore = "the 256 MiB soak runs by default: cargo test --test soak_kernel -- --ignored"]
fn one_gigabyte_both_ways_through_five_percent_loss() {
    if !netns::require("one_gigabyte_both_ways_through_five_percent_loss") {
        return;
    }
    soak("1 GiB soak", 1, 512 << 20, 0.05, false);
}

/// The cheaper variant that always runs: 128 MiB each way.
#[test]
fn two_hundred_fifty_six_mebibytes_both_ways_through_five_percent_loss() {
    if !netns::require("two_hundred_fifty_six_mebibytes_both_ways_through_five_percent_loss") {
        return;
    }
    soak("256 MiB soak", 2, 128 << 20, 0.05, false);
}

/// The stack's interface goes down halfway through a transfer both ways and stays down
/// until the stack has retransmitted into it twice; once it is up again the transfer
/// completes with every byte intact and the connection closes normally.
#[test]
fn a_transfer_survives_the_interface_going_down_and_up() {
    if !netns::require("a_transfer_survives_the_interface_going_down_and_up") {
        return;
    }
    soak("interface flap", 3, 8 << 20, 0.0, true);
}

//! This stack's side of every figure: `tcp-tokio` in the stack namespace, on a tokio
//! runtime shaped like the one a user would start (multi-threaded, the default worker
//! count: one per CPU), with the engine's default configuration.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tcp_tokio::link::{FaultConfig, PacketSocketConfig, Protocols};
use tcp_tokio::{Stack, StackBuilder, State, TcpListener, TcpSocket, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::family::{self, Family};
use crate::figures::{CHUNK, Meter, STALL, Transfer, Work, within};
use crate::loss::{Loss, StackLoss};
use crate::recovery::Recovery;
use crate::session::Session;
use crate::setup::Net;
use crate::{client, congestion};

/// Listen backlog, as for the kernel's listeners.
const BACKLOG: u32 = 4096;

/// How long the stack may take to finish its closes once `f` is done.
const SETTLE_LIMIT: Duration = Duration::from_secs(5);
/// Seed of the fault injector: fixed, so every run draws the same drop pattern.
const FAULT_SEED: u64 = 0x6c6f_7373;

/// Runs `f` on this stack as built by [`row_builder`] for `net`; see [`host_with`].
pub(crate) fn host<T, F, Fut>(net: &Net, f: F) -> io::Result<T>
where
    T: Send + 'static,
    F: FnOnce(Stack) -> Fut + Send,
    Fut: Future<Output = io::Result<T>> + Send + 'static,
{
    host_with(net, row_builder(net), f)
}

/// Starts a runtime (as [`kernel_tokio::host`](crate::kernel_tokio::host) does for the
/// kernel's side) in `net`'s stack namespace, builds the stack there with `builder`, and
/// runs `f` with it as a spawned task, where a tokio application does its connections'
/// work (not on the thread blocked in `block_on`, which every wake-up would have to reach
/// from a worker). Before the runtime (and with it the driver) goes, waits until every
/// close `f` started has reached the peer.
pub(crate) fn host_with<T, F, Fut>(net: &Net, builder: StackBuilder, f: F) -> io::Result<T>
where
    T: Send + 'static,
    F: FnOnce(Stack) -> Fut + Send,
    Fut: Future<Output = io::Result<T>> + Send + 'static,
{
    net.topology().in_stack_ns(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let stack = builder.build().await?;
            let result = tokio::spawn(f(stack.clone()))
                .await
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()));
            settle(&stack).await;
            result
        })
    })?
}

/// The builder of a main-table row's stack: it owns the topology's stack address on its
/// veth end, with the run's congestion control and the default packet socket
/// configuration (segmentation offload included, whether the row's veth has its offloads
/// on or off). With loss in `net`, the stack's fault injector drops that fraction of the
/// frames it sends and of those it receives (its link has no segmentation offload), or
/// its packet socket is bound to IPv4 and ARP to meet nftables' drops.
pub(crate) fn row_builder(net: &Net) -> StackBuilder {
    let topology = net.topology();
    let builder = Stack::builder()
        .interface(topology.stack_if())
        .ipv4(format!(
            "{}/{}",
            topology.stack_addr(),
            topology.prefix_len()
        ))
        .config(congestion::stack_config());
    let builder = match family::current() {
        Family::V4 => builder,
        Family::V6 => builder.ipv6(format!(
            "{}/{}",
            topology.stack_addr_v6(),
            topology.prefix_len_v6()
        )),
    };
    let loss = net.loss();
    if loss == Loss::NONE {
        return builder;
    }
    match loss.stack() {
        StackLoss::Injector => {
            let faults = FaultConfig::drop(loss.probability());
            builder.faults(FAULT_SEED, faults, faults)
        }
        StackLoss::Nftables => builder.packet_socket(PacketSocketConfig {
            protocols: Protocols::IpAndArp,
            ..PacketSocketConfig::default()
        }),
    }
}

/// The builder of the many-connection figures' stack server with `shards` shards
/// (`--shards`), [`row_builder`] otherwise: the one place the shard count reaches the
/// stack's construction.
pub(crate) fn stack_builder(net: &Net, shards: usize) -> StackBuilder {
    row_builder(net).shards(shards)
}

/// Waits, up to [`SETTLE_LIMIT`], until no connection has a FIN still to deliver: each is
/// listening, closed, or past the acknowledgment of its FIN.
async fn settle(stack: &Stack) {
    let start = Instant::now();
    let unsettled = |state: State| {
        !matches!(
            state,
            State::Listen | State::Closed | State::FinWait2 | State::TimeWait
        )
    };
    while stack.sockets().iter().any(|socket| unsettled(socket.state))
        && start.elapsed() < SETTLE_LIMIT
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// A listener on `addr` with the kernel listeners' backlog.
pub(crate) fn listen(stack: &Stack, addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv6() {
        TcpSocket::new_v6_on(stack)?
    } else {
        TcpSocket::new_v4_on(stack)?
    };
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// The server's side of [`Work::Bulk`]: reads `repeats` connections on `listener` in turn,
/// each to end-of-file; stays up until the client is done, so the last close reaches it.
pub(crate) async fn serve_bulk(
    listener: &TcpListener,
    duration: Duration,
    repeats: usize,
    session: &Session,
) -> io::Result<()> {
    let served = async {
        for _ in 0..repeats {
            let (mut stream, _) = listener.accept().await?;
            drain(&mut stream).await?;
        }
        io::Result::Ok(())
    };
    within(Work::Bulk { duration, repeats }.time_limit(), served).await?;
    session.wait_client_async().await;
    Ok(())
}

/// The client's side of [`Work::Bulk`]: `repeats` transfers to `addr` in turn, each
/// sending for `duration`.
pub(crate) async fn send_each(
    stack: &Stack,
    addr: SocketAddr,
    duration: Duration,
    repeats: usize,
) -> io::Result<Vec<Transfer>> {
    let sent = async {
        let mut transfers = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            transfers.push(send_for(stack, addr, duration).await?);
        }
        Ok(transfers)
    };
    within(Work::Bulk { duration, repeats }.time_limit(), sent).await
}

/// The client's side of [`Work::RoundTrips`]: the shared round-trip client
/// ([`client::round_trips`]) on one connection to `addr` with nodelay on.
pub(crate) async fn round_trips(stack: &Stack, addr: SocketAddr) -> io::Result<Vec<Duration>> {
    let timed = async {
        let mut stream = TcpStream::connect_on(stack, addr).await?;
        stream.set_nodelay(true)?;
        client::round_trips(&mut stream).await
    };
    within(Work::RoundTrips.time_limit(), timed).await
}

/// Accepts `count` connections and holds them (counting each in `session`) until the
/// client is done.
pub(crate) async fn hold(
    listener: &TcpListener,
    count: usize,
    session: &Session,
) -> io::Result<()> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        held.push(within(STALL, listener.accept()).await?);
        session.count_accepted();
    }
    session.wait_client_async().await;
    Ok(())
}

/// Opens `count` connections to `addr`, one after another, and returns them.
pub(crate) async fn open(
    stack: &Stack,
    addr: SocketAddr,
    count: usize,
) -> io::Result<Vec<TcpStream>> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        streams.push(within(STALL, TcpStream::connect_on(stack, addr)).await?);
    }
    Ok(streams)
}

/// Sends for `duration`, half-closes, and waits for the receiver's close. The sender's
/// loss-recovery counters are the stack's, where this is the only connection sending data.
async fn send_for(stack: &Stack, addr: SocketAddr, duration: Duration) -> io::Result<Transfer> {
    let mut stream = TcpStream::connect_on(stack, addr).await?;
    let data = vec![0x5a; CHUNK];
    let before = Recovery::stack(stack);
    let meter = Meter::start()?;
    let mut sent = 0;
    while meter.elapsed() < duration {
        stream.write_all(&data).await?;
        sent += CHUNK as u64;
    }
    stream.shutdown().await?;
    drain(&mut stream).await?;
    let transfer = meter.finish(sent)?;
    Ok(transfer.with_recovery(Recovery::stack(stack).since(before)))
}

/// Reads until end-of-file.
async fn drain(stream: &mut TcpStream) -> io::Result<()> {
    let mut buf = vec![0; CHUNK];
    while stream.read(&mut buf).await? != 0 {}
    Ok(())
}

//! Error kinds equal to the kernel's (issue #17): each test does the same thing twice against
//! the same kernel server, once with `tokio::net` (a kernel client in the server's namespace,
//! over its loopback) and once with `tcp_tokio` (the stack in its own namespace, across the
//! veth), and asserts that both saw the same results step by step, and that those are what
//! Linux gives (`tcp_recvmsg`, `tcp_sendmsg`, `inet_shutdown`, `tcp_reset`, SO_ERROR).

mod support;

use std::future::Future;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::{PATIENCE, kernel_addr, socket_state, wait_until, within};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::{Stack, State};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The port the kernel server listens on.
const SERVER_PORT: u16 = 80;
/// A port nothing listens on: the kernel answers a SYN with RST.
const CLOSED_PORT: u16 = 81;
/// A port whose SYNs the kernel's namespace drops (nftables): nothing ever answers.
const SILENT_PORT: u16 = 82;
/// The user timeout of the connect to [`SILENT_PORT`]: past the first SYN retransmission
/// (1 s), so that the timeout, not the retransmission count, ends the handshake.
const USER_TIMEOUT: Duration = Duration::from_millis(1500);

/// What one step of a case gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// A read or write of this many bytes (0 from a read is end-of-file).
    Bytes(usize),
    /// A call that succeeded with nothing to count: a shutdown, a connect, or a
    /// `take_error` that found no error.
    Done,
    /// `take_error` found this error.
    Pending(ErrorKind),
    /// The call failed with this error.
    Failed(ErrorKind),
}

use Seen::{Bytes, Done, Failed, Pending};

/// The outcome of a read or write, bounded by [`PATIENCE`].
async fn bytes(call: impl Future<Output = io::Result<usize>>) -> Seen {
    match within("a read or write", PATIENCE, call).await {
        Ok(n) => Bytes(n),
        Err(error) => Failed(error.kind()),
    }
}

/// The outcome of a call without a count, bounded by [`PATIENCE`].
async fn done(call: impl Future<Output = io::Result<()>>) -> Seen {
    match within("a shutdown", PATIENCE, call).await {
        Ok(()) => Done,
        Err(error) => Failed(error.kind()),
    }
}

/// The outcome of `take_error`.
fn taken(result: io::Result<Option<io::Error>>) -> Seen {
    match result {
        Ok(None) => Done,
        Ok(Some(error)) => Pending(error.kind()),
        Err(error) => Failed(error.kind()),
    }
}

/// A TCP stream of either implementation: what the cases call beyond reading and writing.
trait Stream: AsyncRead + AsyncWrite + Unpin {
    fn local_addr(&self) -> io::Result<SocketAddr>;
    fn take_error(&self) -> io::Result<Option<io::Error>>;
    async fn readable(&self) -> io::Result<()>;
}

impl Stream for tokio::net::TcpStream {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        tokio::net::TcpStream::local_addr(self)
    }
    fn take_error(&self) -> io::Result<Option<io::Error>> {
        tokio::net::TcpStream::take_error(self)
    }
    async fn readable(&self) -> io::Result<()> {
        tokio::net::TcpStream::readable(self).await
    }
}

impl Stream for tcp_tokio::TcpStream {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        tcp_tokio::TcpStream::local_addr(self)
    }
    fn take_error(&self) -> io::Result<Option<io::Error>> {
        tcp_tokio::TcpStream::take_error(self)
    }
    async fn readable(&self) -> io::Result<()> {
        tcp_tokio::TcpStream::readable(self).await
    }
}

/// The client under test.
trait Client {
    type Stream: Stream;
    /// Its name in failure messages.
    const NAME: &'static str;
    /// Connects to `to`, with TCP_USER_TIMEOUT set before the SYN when `user_timeout` is.
    async fn connect(
        &self,
        to: SocketAddr,
        user_timeout: Option<Duration>,
    ) -> io::Result<Self::Stream>;
    /// True once the connection `local` -> `to` has closed for good (no longer in
    /// CLOSE-WAIT or LAST-ACK).
    fn is_closed(&self, local: SocketAddr, to: SocketAddr) -> bool;
}

/// The kernel's TCP, through `tokio::net`, in the kernel's namespace.
struct Kernel<'a>(&'a Topology);

impl Client for Kernel<'_> {
    type Stream = tokio::net::TcpStream;
    const NAME: &'static str = "tokio::net";

    async fn connect(
        &self,
        to: SocketAddr,
        user_timeout: Option<Duration>,
    ) -> io::Result<tokio::net::TcpStream> {
        let socket = support::kernel_socket(self.0);
        socket2::SockRef::from(&socket).set_tcp_user_timeout(user_timeout)?;
        socket.connect(to).await
    }

    fn is_closed(&self, local: SocketAddr, to: SocketAddr) -> bool {
        // A closed socket its application still holds is in no table `ss` reads.
        support::kernel_socket_state(self.0.kernel_ns(), local, to).is_none()
    }
}

/// This stack, through `tcp_tokio`, in the stack's namespace.
struct OnStack<'a>(&'a Stack);

impl Client for OnStack<'_> {
    type Stream = tcp_tokio::TcpStream;
    const NAME: &'static str = "tcp_tokio";

    async fn connect(
        &self,
        to: SocketAddr,
        user_timeout: Option<Duration>,
    ) -> io::Result<tcp_tokio::TcpStream> {
        let socket = tcp_tokio::TcpSocket::new_v4_on(self.0)?;
        socket.set_user_timeout(user_timeout)?;
        socket.connect(to).await
    }

    fn is_closed(&self, local: SocketAddr, to: SocketAddr) -> bool {
        matches!(socket_state(self.0, local, to), None | Some(State::Closed))
    }
}

/// The kernel server both clients talk to, and its addresses.
struct Server {
    listener: tokio::net::TcpListener,
    /// The listening address.
    addr: SocketAddr,
    /// [`CLOSED_PORT`] on the server's address.
    closed: SocketAddr,
    /// [`SILENT_PORT`] on the server's address.
    silent: SocketAddr,
}

impl Server {
    /// The server's side of the next connection.
    async fn accept(&self) -> tokio::net::TcpStream {
        within("the server's accept", PATIENCE, self.listener.accept())
            .await
            .expect("the server accepts")
            .0
    }
}

/// Resets `peer`: SO_LINGER of zero, then close.
fn reset(peer: tokio::net::TcpStream) {
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER");
    drop(peer);
}

/// Connects `client` to the server, or fails the test naming the client.
async fn connect<C: Client>(client: &C, server: &Server) -> C::Stream {
    within("connect", PATIENCE, client.connect(server.addr, None))
        .await
        .unwrap_or_else(|error| panic!("{}: connect: {error}", C::NAME))
}

/// Waits until `client`'s connection `stream` has closed for good.
async fn closed<C: Client>(client: &C, stream: &C::Stream, server: &Server) {
    let local = stream.local_addr().expect("local address");
    let what = format!("{}: the connection closes", C::NAME);
    wait_until(&what, PATIENCE, || client.is_closed(local, server.addr)).await;
}

/// (1) The peer resets an idle connection: the first read reports the reset, later reads
/// see end-of-file, the error is gone, a write is a broken pipe, and a shutdown succeeds
/// (Linux says ENOTCONN, which tokio's `poll_shutdown` turns into success).
async fn reads_after_reset<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let mut stream = connect(client, server).await;
    reset(server.accept().await);
    within("the reset", PATIENCE, stream.readable())
        .await
        .expect("readable");
    let mut buf = [0u8; 16];
    vec![
        bytes(stream.read(&mut buf)).await,
        bytes(stream.read(&mut buf)).await,
        taken(stream.take_error()),
        bytes(stream.write(b"x")).await,
        done(stream.shutdown()).await,
    ]
}

/// (2) The peer resets an idle connection and we write first: the first write reports the
/// reset (ECONNRESET), the second is EPIPE, and reads see end-of-file.
async fn writes_after_reset<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let mut stream = connect(client, server).await;
    reset(server.accept().await);
    within("the reset", PATIENCE, stream.readable())
        .await
        .expect("readable");
    vec![
        bytes(stream.write(b"x")).await,
        bytes(stream.write(b"x")).await,
        taken(stream.take_error()),
        bytes(stream.read(&mut [0u8; 16])).await,
    ]
}

/// SO_ERROR after the peer's reset: `take_error` reports it once and clears it, so reads
/// see end-of-file and writes EPIPE.
async fn take_error_after_reset<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let mut stream = connect(client, server).await;
    reset(server.accept().await);
    within("the reset", PATIENCE, stream.readable())
        .await
        .expect("readable");
    vec![
        taken(stream.take_error()),
        taken(stream.take_error()),
        bytes(stream.read(&mut [0u8; 16])).await,
        bytes(stream.write(b"x")).await,
    ]
}

/// The peer half-closes, then resets: after its FIN reads end whatever follows, and the
/// reset is EPIPE (Linux's `tcp_reset` in CLOSE-WAIT), reported once.
async fn reset_after_the_peers_fin<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let mut stream = connect(client, server).await;
    let mut peer = server.accept().await;
    peer.shutdown().await.expect("the server's shutdown");
    let mut buf = [0u8; 16];
    let mut seen = vec![bytes(stream.read(&mut buf)).await];
    reset(peer);
    closed(client, &stream, server).await;
    seen.extend([
        bytes(stream.read(&mut buf)).await,
        taken(stream.take_error()),
        bytes(stream.write(b"x")).await,
        taken(stream.take_error()),
    ]);
    seen
}

/// (3) We shut down writing first, then the peer closes: every write after our shutdown is
/// EPIPE, before and after the connection ended; a second shutdown succeeds.
async fn writes_after_our_shutdown<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let mut stream = connect(client, server).await;
    let mut peer = server.accept().await;
    let mut seen = vec![
        done(stream.shutdown()).await,
        bytes(stream.write(b"x")).await,
    ];
    let mut rest = Vec::new();
    within(
        "the server reads to the end",
        PATIENCE,
        peer.read_to_end(&mut rest),
    )
    .await
    .expect("the server reads our FIN");
    drop(peer);
    seen.extend([
        bytes(stream.read(&mut [0u8; 16])).await,
        bytes(stream.write(b"x")).await,
        done(stream.shutdown()).await,
    ]);
    seen
}

/// (3) The peer closes first, then we shut down and the connection closes (LAST-ACK to
/// CLOSED): writes are EPIPE, reads end, a second shutdown succeeds.
async fn writes_after_the_close<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let mut stream = connect(client, server).await;
    drop(server.accept().await);
    let mut seen = vec![
        bytes(stream.read(&mut [0u8; 16])).await,
        done(stream.shutdown()).await,
    ];
    closed(client, &stream, server).await;
    seen.extend([
        bytes(stream.write(b"x")).await,
        bytes(stream.read(&mut [0u8; 16])).await,
        done(stream.shutdown()).await,
    ]);
    seen
}

/// A connect to a port nobody listens on is refused.
async fn connect_refused<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let result = within("connect", PATIENCE, client.connect(server.closed, None)).await;
    vec![done(async { result.map(drop) }).await]
}

/// (4) A connect whose SYNs are dropped, with TCP_USER_TIMEOUT set, fails with ETIMEDOUT at
/// the user timeout (not after the SYN retries, about two minutes).
async fn connect_user_timeout<C: Client>(client: &C, server: &Server) -> Vec<Seen> {
    let start = Instant::now();
    let result = within(
        "connect with a user timeout",
        PATIENCE,
        client.connect(server.silent, Some(USER_TIMEOUT)),
    )
    .await;
    let elapsed = start.elapsed();
    assert!(
        elapsed >= USER_TIMEOUT - Duration::from_millis(50)
            && elapsed < USER_TIMEOUT + Duration::from_secs(1),
        "{}: the connect ended after {elapsed:?}, not at the user timeout {USER_TIMEOUT:?}",
        C::NAME
    );
    vec![done(async { result.map(drop) }).await]
}

/// A topology with the kernel server listening, a stack, and an nftables rule that drops
/// SYNs to [`SILENT_PORT`] in the kernel's namespace.
struct Setup {
    topology: Topology,
    stack: Stack,
    server: Server,
}

impl Setup {
    fn new(prefix: &str) -> Setup {
        let topology = support::topology(prefix);
        let rules = format!(
            "add table ip error_kinds; \
             add chain ip error_kinds input {{ type filter hook input priority 0; policy accept; }}; \
             add rule ip error_kinds input tcp dport {SILENT_PORT} drop"
        );
        topology
            .kernel_ns()
            .exec("nft", &[&rules])
            .expect("nft drops SYNs to the silent port (needs nftables)");
        let server = Server {
            listener: support::kernel_listener(&topology, SERVER_PORT),
            addr: kernel_addr(&topology, SERVER_PORT),
            closed: kernel_addr(&topology, CLOSED_PORT),
            silent: kernel_addr(&topology, SILENT_PORT),
        };
        let stack = support::stack(&topology);
        Setup {
            topology,
            stack,
            server,
        }
    }
}

/// Runs `case` with the kernel's client, then with the stack's, against `setup`'s server,
/// and asserts both saw `expected`.
macro_rules! side_by_side {
    ($setup:expr, $case:ident, $expected:expr) => {{
        let setup = &$setup;
        let kernel = $case(&Kernel(&setup.topology), &setup.server).await;
        let ours = $case(&OnStack(&setup.stack), &setup.server).await;
        let expected: &[Seen] = &$expected;
        assert_eq!(
            kernel,
            expected,
            "{}: the kernel differs from what Linux is known to give",
            stringify!($case)
        );
        assert_eq!(
            ours,
            expected,
            "{}: the stack differs from the kernel",
            stringify!($case)
        );
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_reset_the_first_read_reports_it_and_later_reads_end() {
    if !netns::require("error_kinds::after_a_reset_the_first_read_reports_it_and_later_reads_end") {
        return;
    }
    side_by_side!(
        Setup::new("ek-read"),
        reads_after_reset,
        [
            Failed(ErrorKind::ConnectionReset),
            Bytes(0),
            Done,
            Failed(ErrorKind::BrokenPipe),
            Done,
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_reset_the_first_write_reports_it_and_later_writes_are_broken_pipes() {
    if !netns::require(
        "error_kinds::after_a_reset_the_first_write_reports_it_and_later_writes_are_broken_pipes",
    ) {
        return;
    }
    side_by_side!(
        Setup::new("ek-write"),
        writes_after_reset,
        [
            Failed(ErrorKind::ConnectionReset),
            Failed(ErrorKind::BrokenPipe),
            Done,
            Bytes(0),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_error_reports_a_reset_once_and_clears_it() {
    if !netns::require("error_kinds::take_error_reports_a_reset_once_and_clears_it") {
        return;
    }
    side_by_side!(
        Setup::new("ek-take"),
        take_error_after_reset,
        [
            Pending(ErrorKind::ConnectionReset),
            Done,
            Bytes(0),
            Failed(ErrorKind::BrokenPipe),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_after_the_peers_fin_is_a_broken_pipe() {
    if !netns::require("error_kinds::a_reset_after_the_peers_fin_is_a_broken_pipe") {
        return;
    }
    side_by_side!(
        Setup::new("ek-finrst"),
        reset_after_the_peers_fin,
        [
            Bytes(0),
            Bytes(0),
            Pending(ErrorKind::BrokenPipe),
            Failed(ErrorKind::BrokenPipe),
            Done,
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_after_our_shutdown_are_broken_pipes() {
    if !netns::require("error_kinds::writes_after_our_shutdown_are_broken_pipes") {
        return;
    }
    side_by_side!(
        Setup::new("ek-shut"),
        writes_after_our_shutdown,
        [
            Done,
            Failed(ErrorKind::BrokenPipe),
            Bytes(0),
            Failed(ErrorKind::BrokenPipe),
            Done,
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_a_closed_connection_are_broken_pipes() {
    if !netns::require("error_kinds::writes_on_a_closed_connection_are_broken_pipes") {
        return;
    }
    side_by_side!(
        Setup::new("ek-closed"),
        writes_after_the_close,
        [
            Bytes(0),
            Done,
            Failed(ErrorKind::BrokenPipe),
            Bytes(0),
            Done,
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_to_a_closed_port_is_refused() {
    if !netns::require("error_kinds::a_connect_to_a_closed_port_is_refused") {
        return;
    }
    side_by_side!(
        Setup::new("ek-refused"),
        connect_refused,
        [Failed(ErrorKind::ConnectionRefused)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_with_a_user_timeout_times_out_at_it() {
    if !netns::require("error_kinds::a_connect_with_a_user_timeout_times_out_at_it") {
        return;
    }
    side_by_side!(
        Setup::new("ek-utimeout"),
        connect_user_timeout,
        [Failed(ErrorKind::TimedOut)]
    );
}

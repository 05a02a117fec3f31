//! The textbook `rsh host sort < datafile` pattern over this stack.
//!
//! The client streams a file to the server, half-closes its sending side (FIN) and keeps
//! reading; the server reads to end-of-file, sorts the lines, writes them back and closes.
//!
//! With no arguments the example builds two network namespaces joined by veth (needs root),
//! runs the server on the Linux kernel side and the client on this stack, sends a generated
//! multi-megabyte file, checks the sorted result and prints a summary. `--reverse` puts the
//! server on this stack and the client on the kernel.
//!
//! With `--interface IF --address A.B.C.D/LEN --connect IP:PORT` it runs the client on a
//! real interface against a real server (`sort`-like: it must sort lines and close);
//! `--bytes N` sets the file size. The address must be one the host's kernel does not own
//! (not configured on any of its interfaces): a kernel that owns it answers ARP for it too
//! and resets the stack's connections, which it does not know.
//!
//! The summary says which side is this stack and which the kernel (or the remote peer),
//! the bytes each way, the time and the throughput.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::{Stack, State, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PORT: u16 = 514;
const DEFAULT_BYTES: usize = 8 << 20;

/// What one run moved and saw.
struct Summary {
    /// Whose states were recorded: this stack as the rsh "client" or "server".
    role: &'static str,
    /// This stack's role and address, and where it ran.
    stack: String,
    /// Who the peer is: "Linux kernel" in namespaces, "peer" on a real interface.
    peer_kind: &'static str,
    /// The peer's role and address, and where it ran.
    peer: String,
    sent: usize,
    received: usize,
    elapsed: Duration,
    states: Vec<State>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(summary) => {
            let seconds = summary.elapsed.as_secs_f64();
            let moved = (summary.sent + summary.received) as f64;
            println!("rsh_halfclose: ok");
            println!("  this stack      {}", summary.stack);
            println!("  {:<15} {}", summary.peer_kind, summary.peer);
            println!("  bytes sent      {}", summary.sent);
            println!("  bytes received  {}", summary.received);
            println!(
                "  time            {seconds:.3} s = {:.1} MB/s (sent + received)",
                moved / seconds / 1e6
            );
            let states: Vec<String> = summary.states.iter().map(ToString::to_string).collect();
            println!("  {} states   {}", summary.role, states.join(" -> "));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rsh_halfclose: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<Summary, String> {
    let mut options = Options::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| iter.next().cloned().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--reverse" => options.reverse = true,
            "--interface" => options.interface = Some(value("--interface")?),
            "--address" => options.address = Some(value("--address")?),
            "--connect" => {
                let text = value("--connect")?;
                options.connect = Some(text.parse().map_err(|_| format!("bad address {text}"))?);
            }
            "--bytes" => {
                let text = value("--bytes")?;
                options.bytes = text.parse().map_err(|_| format!("bad byte count {text}"))?;
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let input = generate_file(options.bytes);
    match (&options.interface, &options.address, options.connect) {
        (Some(interface), Some(address), Some(server)) => {
            let runtime = runtime()?;
            runtime.block_on(client_on_interface(interface, address, server, &input))
        }
        (None, None, None) => in_namespaces(options.reverse, &input),
        _ => Err(format!(
            "--interface, --address and --connect go together\n{USAGE}"
        )),
    }
}

const USAGE: &str = "usage: rsh_halfclose [--reverse] [--bytes N]\n       rsh_halfclose --interface IF --address A.B.C.D/LEN --connect IP:PORT [--bytes N]";

#[derive(Default)]
struct Options {
    reverse: bool,
    interface: Option<String>,
    address: Option<String>,
    connect: Option<SocketAddr>,
    bytes: usize,
}

/// Lines of pseudo-random words, about `bytes` long (8 MiB when 0).
fn generate_file(bytes: usize) -> Vec<u8> {
    let bytes = if bytes == 0 { DEFAULT_BYTES } else { bytes };
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut out = Vec::with_capacity(bytes + 64);
    while out.len() < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = 8 + (state % 40) as usize;
        for i in 0..len {
            out.push(b'a' + ((state >> (i % 48)) % 26) as u8);
        }
        out.push(b'\n');
    }
    out
}

/// What `sort` prints for `input`.
fn sorted(input: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = input.split_inclusive(|b| *b == b'\n').collect();
    lines.sort_unstable();
    lines.concat()
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

fn in_namespaces(reverse: bool, input: &[u8]) -> Result<Summary, String> {
    if !netns::require("rsh_halfclose") {
        return Err("needs root and network namespaces".to_string());
    }
    let topology = Topology::new("rsh").map_err(|e| format!("building namespaces: {e}"))?;
    if reverse {
        server_on_stack(&topology, input)
    } else {
        client_on_stack(&topology, input)
    }
}

/// Kernel runs `sort`, this stack is the rsh client.
fn client_on_stack(topology: &Topology, input: &[u8]) -> Result<Summary, String> {
    let kernel_server = SocketAddr::from((topology.kernel_addr(), PORT));
    let listener = topology
        .in_kernel_ns(|| std::net::TcpListener::bind(kernel_server))
        .map_err(|e| format!("kernel namespace: {e}"))?
        .map_err(|e| format!("kernel bind: {e}"))?;
    let server = std::thread::spawn(move || kernel_sort_server(listener));
    let cidr = stack_cidr(topology);
    let interface = topology.stack_if();
    let summary = topology
        .in_stack_ns(|| {
            runtime()?.block_on(async {
                let stack = start_stack(interface, &cidr).await?;
                client(&stack, kernel_server, input, "Linux kernel").await
            })
        })
        .map_err(|e| format!("stack namespace: {e}"))??;
    server
        .join()
        .map_err(|_| "kernel server panicked".to_string())??;
    Ok(Summary {
        stack: format!(
            "{} (namespace {})",
            summary.stack,
            topology.stack_ns().name()
        ),
        peer: format!(
            "{} (namespace {})",
            summary.peer,
            topology.kernel_ns().name()
        ),
        ..summary
    })
}

/// This stack runs `sort`, the kernel is the rsh client.
fn server_on_stack(topology: &Topology, input: &[u8]) -> Result<Summary, String> {
    let server_addr = SocketAddr::from((topology.stack_addr(), PORT));
    let cidr = stack_cidr(topology);
    let interface = topology.stack_if();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let server = scope.spawn(|| {
            topology.in_stack_ns(|| {
                runtime()?.block_on(async {
                    let stack = start_stack(interface, &cidr).await?;
                    let listener = TcpListener::bind_on(&stack, server_addr)
                        .await
                        .map_err(|e| format!("bind: {e}"))?;
                    let _ = ready_tx.send(());
                    serve_once(&listener).await
                })
            })
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "stack server did not start".to_string())?;
        let start = Instant::now();
        let reply = topology
            .in_kernel_ns(|| kernel_client(server_addr, input))
            .map_err(|e| format!("kernel namespace: {e}"))??;
        let elapsed = start.elapsed();
        let states = server
            .join()
            .map_err(|_| "stack server panicked".to_string())?
            .map_err(|e| format!("stack namespace: {e}"))??;
        if reply != sorted(input) {
            return Err(format!(
                "reply of {} bytes is not the sorted input of {} bytes",
                reply.len(),
                input.len()
            ));
        }
        Ok(Summary {
            role: "server",
            stack: format!(
                "sort server, {server_addr} (namespace {})",
                topology.stack_ns().name()
            ),
            peer_kind: "Linux kernel",
            peer: format!(
                "rsh client, {} (namespace {})",
                topology.kernel_addr(),
                topology.kernel_ns().name()
            ),
            sent: input.len(),
            received: reply.len(),
            elapsed,
            states,
        })
    })
}

fn stack_cidr(topology: &Topology) -> String {
    format!("{}/{}", topology.stack_addr(), topology.prefix_len())
}

async fn start_stack(interface: &str, cidr: &str) -> Result<Stack, String> {
    Stack::builder()
        .interface(interface)
        .ipv4(cidr)
        .build()
        .await
        .map_err(|e| format!("starting the stack on {interface}: {e}"))
}

async fn client_on_interface(
    interface: &str,
    address: &str,
    server: SocketAddr,
    input: &[u8],
) -> Result<Summary, String> {
    let stack = start_stack(interface, address).await?;
    let summary = client(&stack, server, input, "peer").await?;
    Ok(Summary {
        stack: format!("{} (on {interface})", summary.stack),
        ..summary
    })
}

/// The rsh client on this stack: send everything, FIN, read the sorted reply to EOF. The
/// server reads to EOF before it answers, so sending first and reading after is enough.
/// `peer_kind` names what runs the server, for the summary.
async fn client(
    stack: &Stack,
    server: SocketAddr,
    input: &[u8],
    peer_kind: &'static str,
) -> Result<Summary, String> {
    let start = Instant::now();
    let mut stream = TcpStream::connect_on(stack, server)
        .await
        .map_err(|e| format!("connect {server}: {e}"))?;
    let mut states = Vec::new();
    note_state(&mut states, &stream);
    let local = stream
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?;
    stream
        .write_all(input)
        .await
        .map_err(|e| format!("write: {e}"))?;
    stream
        .shutdown()
        .await
        .map_err(|e| format!("shutdown: {e}"))?;
    note_state(&mut states, &stream);
    let reply = read_to_end_noting(&mut stream, &mut states).await?;
    let elapsed = start.elapsed();
    if reply != sorted(input) {
        return Err(format!(
            "reply of {} bytes is not the sorted input of {} bytes",
            reply.len(),
            input.len()
        ));
    }
    Ok(Summary {
        role: "client",
        stack: format!("rsh client, {local}"),
        peer_kind,
        peer: format!("sort server, {server}"),
        sent: input.len(),
        received: reply.len(),
        elapsed,
        states,
    })
}

/// Reads to EOF, noting the connection's state after every read.
async fn read_to_end_noting(
    stream: &mut TcpStream,
    states: &mut Vec<State>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        note_state(states, stream);
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

fn note_state(states: &mut Vec<State>, stream: &TcpStream) {
    if let Ok(state) = stream.state()
        && states.last() != Some(&state)
    {
        states.push(state);
    }
}

/// The sort server on the kernel: read to EOF, sort, write back, close.
fn kernel_sort_server(listener: std::net::TcpListener) -> Result<(), String> {
    let (mut stream, _) = listener
        .accept()
        .map_err(|e| format!("kernel accept: {e}"))?;
    let mut input = Vec::new();
    stream
        .read_to_end(&mut input)
        .map_err(|e| format!("kernel read: {e}"))?;
    stream
        .write_all(&sorted(&input))
        .map_err(|e| format!("kernel write: {e}"))?;
    Ok(())
}

/// The rsh client on the kernel: send, half-close, read the reply to EOF.
fn kernel_client(server: SocketAddr, input: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream =
        std::net::TcpStream::connect(server).map_err(|e| format!("kernel connect: {e}"))?;
    let mut writer = stream
        .try_clone()
        .map_err(|e| format!("kernel clone: {e}"))?;
    let data = input.to_vec();
    let sender = std::thread::spawn(move || -> std::io::Result<()> {
        writer.write_all(&data)?;
        writer.shutdown(std::net::Shutdown::Write)
    });
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .map_err(|e| format!("kernel read: {e}"))?;
    sender
        .join()
        .map_err(|_| "kernel sender panicked".to_string())?
        .map_err(|e| format!("kernel write: {e}"))?;
    Ok(reply)
}

/// The sort server on this stack; returns the states its connection went through.
async fn serve_once(listener: &TcpListener) -> Result<Vec<State>, String> {
    let (mut stream, _) = listener
        .accept()
        .await
        .map_err(|e| format!("accept: {e}"))?;
    let mut states = Vec::new();
    note_state(&mut states, &stream);
    let input = read_to_end_noting(&mut stream, &mut states).await?;
    stream
        .write_all(&sorted(&input))
        .await
        .map_err(|e| format!("write: {e}"))?;
    stream
        .shutdown()
        .await
        .map_err(|e| format!("shutdown: {e}"))?;
    note_state(&mut states, &stream);
    // The reply and the FIN are queued, not yet delivered; the runtime (and with it the
    // stack's driver) ends when this function returns, so wait for the peer's ACK of the FIN.
    let deadline = Instant::now() + Duration::from_secs(30);
    while stream.state().is_ok_and(|state| state == State::LastAck) {
        if Instant::now() > deadline {
            return Err("the reply was not acknowledged within 30 s".to_string());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    note_state(&mut states, &stream);
    Ok(states)
}

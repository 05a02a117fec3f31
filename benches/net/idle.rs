//! Memory per idle established connection, measured from the outside: the growth of this
//! process's resident memory (this stack), or of the kernel's slab caches (kernel ->
//! kernel), while [`IDLE_CONNECTIONS`] connections are opened and held.
//!
//! Each row runs in a fresh child process (`--idle ROW`), so memory freed by earlier runs
//! cannot be reused and hide the growth. A kernel client runs in a grandchild
//! (`--open ADDR COUNT`, in the client namespace through `ip netns exec`): its sockets are
//! then not in the measured process at all, and kernel -> kernel's two ends fit in the
//! per-process file limit.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;

use crate::figures::IDLE_CONNECTIONS;
use crate::loss::Loss;
use crate::rows::{Row, System};
use crate::session::Session;
use crate::setup::Net;
use crate::{kernel, procfs, stack};

/// What the grandchild prints once its connections are open.
const OPEN: &str = "open";

/// Runs `<this bench> --idle ROW` and returns the bytes per connection it printed.
pub(crate) fn in_child(row: Row) -> io::Result<f64> {
    let output = Command::new(std::env::current_exe()?)
        .args(["--idle", row.key()])
        .stderr(Stdio::inherit())
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(io::Error::other(format!("--idle {} failed", row.key())));
    }
    text.trim()
        .parse()
        .map_err(|_| io::Error::other(format!("--idle {} printed {text:?}", row.key())))
}

/// In the child: the growth per connection end for `row`.
pub(crate) fn measure(row: Row) -> io::Result<f64> {
    let kernel_only = row.client() == System::Kernel && row.server() == System::Kernel;
    // Kernel -> kernel holds two kernel sockets per connection; the others one stack end.
    let (sample, ends): (fn() -> io::Result<u64>, f64) = if kernel_only {
        (procfs::slab_bytes, 2.0)
    } else {
        (procfs::rss_bytes, 1.0)
    };
    let net = Net::new(row, Loss::NONE)?;
    let addr = net.server_addr();
    let grown = net.pair(
        |session| serve(&net, addr, session),
        |session| match row.client() {
            System::Kernel => {
                let before = sample()?;
                open_in_grandchild(&net, addr, session, sample).map(|after| growth(before, after))
            }
            System::Stack => {
                let session = Arc::clone(session);
                stack::host(&net, |stack| async move {
                    let before = sample()?;
                    let held = stack::open(&stack, addr, IDLE_CONNECTIONS).await?;
                    session.wait_accepted(IDLE_CONNECTIONS)?;
                    let after = sample()?;
                    drop(held);
                    Ok(growth(before, after))
                })
            }
            System::Smoltcp => Err(io::ErrorKind::Unsupported.into()),
        },
    )?;
    Ok(grown as f64 / (IDLE_CONNECTIONS as f64 * ends))
}

/// `after - before`, which may be negative: slab caches shrink when other processes free.
fn growth(before: u64, after: u64) -> i64 {
    after as i64 - before as i64
}

/// In the grandchild: opens `count` kernel connections to `addr`, says so on stdout, and
/// holds them until stdin closes.
pub(crate) fn open_and_hold(addr: SocketAddr, count: usize) -> io::Result<()> {
    let held = kernel::open(addr, count)?;
    println!("{OPEN}");
    io::copy(&mut io::stdin(), &mut io::sink())?;
    drop(held);
    Ok(())
}

/// The server's side: accept and hold.
fn serve(net: &Net, addr: SocketAddr, session: &Arc<Session>) -> io::Result<()> {
    match net.row().server() {
        System::Kernel => net.server_ns().run(|| {
            let listener = kernel::listen(addr)?;
            session.set_ready();
            kernel::hold(&listener, IDLE_CONNECTIONS, session)
        })?,
        System::Stack => {
            let session = Arc::clone(session);
            stack::host(net, |stack| async move {
                let listener = stack::listen(&stack, addr)?;
                session.set_ready();
                stack::hold(&listener, IDLE_CONNECTIONS, &session).await
            })
        }
        System::Smoltcp => Err(io::ErrorKind::Unsupported.into()),
    }
}

/// Opens the connections from a grandchild in the client namespace and samples once the
/// server has accepted them all.
fn open_in_grandchild(
    net: &Net,
    addr: SocketAddr,
    session: &Session,
    sample: fn() -> io::Result<u64>,
) -> io::Result<u64> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new("ip")
        .args(["netns", "exec", net.client_ns().name()])
        .arg(exe)
        .args(["--open", &addr.to_string(), &IDLE_CONNECTIONS.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let sampled = if line.trim() == OPEN {
        session
            .wait_accepted(IDLE_CONNECTIONS)
            .and_then(|()| sample())
    } else {
        Err(io::Error::other("the connecting grandchild failed"))
    };
    drop(child.stdin.take());
    child.wait()?;
    sampled
}

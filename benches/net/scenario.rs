//! One figure for one row: a fresh network, the row's server and client, the work.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::figures::{Outcome, Transfer, Work};
use crate::loss::Loss;
use crate::rows::{Row, System};
use crate::session::Session;
use crate::setup::Net;
use crate::{kernel, smoltcp_client, stack};

/// Runs `work` between `row`'s client and server in a network of its own, with `loss`
/// each way.
pub(crate) fn run(row: Row, loss: Loss, work: Work) -> io::Result<Outcome> {
    let net = Net::new(row, loss)?;
    let addr = net.server_addr();
    net.pair(
        |session| serve(&net, addr, work, session),
        |_| client(&net, addr, work),
    )
}

/// [`Work::Bulk`] in one network: `repeats` transfers in turn, each sending for
/// `duration`.
pub(crate) fn bulk(
    row: Row,
    loss: Loss,
    duration: Duration,
    repeats: usize,
) -> io::Result<Vec<Transfer>> {
    match run(row, loss, Work::Bulk { duration, repeats })? {
        Outcome::Transfers(transfers) => Ok(transfers),
        _ => Err(io::Error::other("the client measured something else")),
    }
}

/// The server's side, in the server's namespace.
fn serve(net: &Net, addr: SocketAddr, work: Work, session: &Arc<Session>) -> io::Result<()> {
    match net.row().server() {
        System::Kernel => net.server_ns().run(|| {
            let listener = kernel::listen(addr)?;
            session.set_ready();
            kernel::serve(&listener, work)
        })?,
        System::Stack => {
            let session = Arc::clone(session);
            stack::host(net, |stack| async move {
                let listener = stack::listen(&stack, addr)?;
                session.set_ready();
                stack::serve(&listener, work, &session).await
            })
        }
        System::Smoltcp => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "smoltcp runs as a client only",
        )),
    }
}

/// The client's side, in the client's namespace.
fn client(net: &Net, addr: SocketAddr, work: Work) -> io::Result<Outcome> {
    match net.row().client() {
        System::Kernel => net.client_ns().run(|| kernel::run(addr, work))?,
        System::Stack => stack::host(
            net,
            |stack| async move { stack::run(&stack, addr, work).await },
        ),
        System::Smoltcp => smoltcp_client::run(net.topology(), addr, work),
    }
}

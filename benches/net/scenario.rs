//! One figure for one row: a fresh network, the row's server and client, the work.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::figures::{Outcome, Transfer, Work};
use crate::loss::Loss;
use crate::rows::{Row, System};
use crate::server::Service;
use crate::serving::Tcp;
use crate::session::Session;
use crate::setup::Net;
use crate::{kernel, kernel_tokio, serving, smoltcp_client, stack};

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

/// The server's side, in the server's namespace: for round trips the shared server
/// program on either TCP ([`serving::run`]), for bulk each system's own receiver.
fn serve(net: &Net, addr: SocketAddr, work: Work, session: &Arc<Session>) -> io::Result<()> {
    match (net.row().server(), work) {
        (System::Kernel, Work::RoundTrips) => {
            serving::run(net, Tcp::Kernel, Service::Echo, session)
        }
        (System::Stack, Work::RoundTrips) => {
            let tcp = Tcp::Stack(Box::new(stack::row_builder(net)));
            serving::run(net, tcp, Service::Echo, session)
        }
        (System::Kernel, Work::Bulk { repeats, .. }) => net.server_ns().run(|| {
            let listener = kernel::listen(addr)?;
            session.set_ready();
            kernel::serve_bulk(&listener, repeats)
        })?,
        (System::Stack, Work::Bulk { duration, repeats }) => {
            let session = Arc::clone(session);
            stack::host(net, move |stack| async move {
                let listener = stack::listen(&stack, addr)?;
                session.set_ready();
                stack::serve_bulk(&listener, duration, repeats, &session).await
            })
        }
        (System::Smoltcp, _) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "smoltcp runs as a client only",
        )),
    }
}

/// The client's side, in the client's namespace. The kernel's round trips run the same
/// tokio client as this stack's ([`client::round_trips`](crate::client::round_trips)) on
/// `tokio::net`.
fn client(net: &Net, addr: SocketAddr, work: Work) -> io::Result<Outcome> {
    match (net.row().client(), work) {
        (System::Kernel, Work::Bulk { duration, repeats }) => net
            .client_ns()
            .run(|| kernel::send_each(addr, duration, repeats).map(Outcome::Transfers))?,
        (System::Kernel, Work::RoundTrips) => {
            kernel_tokio::host(net.client_ns(), move || kernel_tokio::round_trips(addr))
                .map(Outcome::RoundTrips)
        }
        (System::Stack, Work::Bulk { duration, repeats }) => {
            stack::host(net, move |stack| async move {
                stack::send_each(&stack, addr, duration, repeats).await
            })
            .map(Outcome::Transfers)
        }
        (System::Stack, Work::RoundTrips) => stack::host(net, move |stack| async move {
            stack::round_trips(&stack, addr).await
        })
        .map(Outcome::RoundTrips),
        (System::Smoltcp, work) => smoltcp_client::run(net.topology(), addr, work),
    }
}

//! The server program ([`server::serve`]) in a network's server namespace, on the kernel's
//! TCP through `tokio::net` or on this stack: the same code, only the listener differs.

use std::io;
use std::sync::Arc;

use tcp_tokio::StackBuilder;

use crate::server::{self, Service};
use crate::session::Session;
use crate::setup::Net;
use crate::{kernel_tokio, stack};

/// The TCP under the server program.
#[derive(Debug)]
pub(crate) enum Tcp {
    /// The kernel's, through `tokio::net`.
    Kernel,
    /// This stack, built with this builder.
    Stack(Box<StackBuilder>),
}

/// Runs `service` on `tcp` in `net`'s server namespace, at [`Net::server_addr`]: listens,
/// tells `session` it is ready, and serves until the client is done. Each TCP gets its own
/// multi-threaded runtime with the default worker count ([`kernel_tokio::host`],
/// [`stack::host_with`]).
pub(crate) fn run(net: &Net, tcp: Tcp, service: Service, session: &Arc<Session>) -> io::Result<()> {
    let addr = net.server_addr();
    let session = Arc::clone(session);
    match tcp {
        Tcp::Kernel => kernel_tokio::host(net.server_ns(), move || async move {
            let listener = kernel_tokio::listen(addr)?;
            session.set_ready();
            server::serve(listener, service, session.wait_client_async()).await
        }),
        Tcp::Stack(builder) => stack::host_with(net, *builder, move |stack| async move {
            let listener = stack::listen(&stack, addr)?;
            session.set_ready();
            server::serve(listener, service, session.wait_client_async()).await
        }),
    }
}

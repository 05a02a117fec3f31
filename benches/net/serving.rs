//! The server program ([`server::serve`]) in a network's server namespace, on the kernel's
//! TCP through `tokio::net` or on this stack: the same code, only the listener differs.

use std::io;
use std::sync::Arc;

use crate::rows::System;
use crate::server::{self, Service};
use crate::session::Session;
use crate::setup::Net;
use crate::{kernel_tokio, stack};

/// Runs `service` on `tcp` in `net`'s server namespace, at [`Net::server_addr`]: listens,
/// tells `session` it is ready, and serves until the client is done. Each TCP gets its own
/// multi-threaded runtime with the default worker count ([`kernel_tokio::host`],
/// [`stack::host`]). smoltcp is only a client (`Unsupported`).
pub(crate) fn run(
    net: &Net,
    tcp: System,
    service: Service,
    session: &Arc<Session>,
) -> io::Result<()> {
    let addr = net.server_addr();
    let session = Arc::clone(session);
    match tcp {
        System::Kernel => kernel_tokio::host(net.server_ns(), move || async move {
            let listener = kernel_tokio::listen(addr)?;
            session.set_ready();
            server::serve(listener, service, session.wait_client_async()).await
        }),
        System::Stack => stack::host(net, move |stack| async move {
            let listener = stack::listen(&stack, addr)?;
            session.set_ready();
            server::serve(listener, service, session.wait_client_async()).await
        }),
        System::Smoltcp => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "smoltcp runs as a client only",
        )),
    }
}

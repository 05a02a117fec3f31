//! One scenario's network: a fresh topology prepared for a row, and a server and a client
//! run against each other in it.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use tcp_stack::netns::{Netns, Topology, enable_offloads};

use crate::family::{self, Family};
use crate::loss::{Loss, StackLoss};
use crate::nft;
use crate::rows::{Row, System};
use crate::session::Session;

/// The port every server listens on (each scenario has a network of its own).
const PORT: u16 = 5001;
/// How long a server may take to start listening.
const START_LIMIT: Duration = Duration::from_secs(30);

/// A topology set up for one row.
///
/// The server lives in the topology's stack namespace when the client is the kernel (for
/// kernel -> kernel that namespace's veth end is given the kernel address the stack would
/// own); otherwise the client (this stack or smoltcp) lives there and the kernel server in
/// the kernel namespace.
///
/// Loss applies both ways: nftables drops TCP frames at the ingress of both veth ends; for
/// this stack's rows with `--stack-loss injector` its own fault injector drops frames on
/// their way out and in instead
/// ([`stack::host`](crate::stack::host) reads [`Net::loss`]).
pub(crate) struct Net {
    topology: Topology,
    row: Row,
    loss: Loss,
}

impl Net {
    /// Builds the namespaces for `row`: addresses, offloads on if the row wants them, and
    /// `loss` each way. smoltcp's rows take no loss.
    pub(crate) fn new(row: Row, loss: Loss) -> io::Result<Net> {
        if row.client() == System::Smoltcp && loss != Loss::NONE {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "smoltcp's rows run without loss",
            ));
        }
        let ipv6 = family::current() == Family::V6;
        let topology = if ipv6 {
            Topology::new_dual_stack("tcpbench")?
        } else {
            Topology::new("tcpbench")?
        };
        let net = Net {
            topology,
            row,
            loss,
        };
        if row.client() == System::Kernel && row.server() == System::Kernel {
            let cidr = format!(
                "{}/{}",
                net.topology.stack_addr(),
                net.topology.prefix_len()
            );
            let dev = net.topology.stack_if();
            net.topology
                .stack_ns()
                .exec("ip", &["addr", "add", &cidr, "dev", dev])?;
            if ipv6 {
                let cidr = format!(
                    "{}/{}",
                    net.topology.stack_addr_v6(),
                    net.topology.prefix_len_v6()
                );
                let sysctl = format!("net.ipv6.conf.{dev}.disable_ipv6=0");
                net.topology.stack_ns().exec("sysctl", &["-qw", &sysctl])?;
                net.topology
                    .stack_ns()
                    .exec("ip", &["addr", "add", &cidr, "dev", dev, "nodad"])?;
            }
        }
        let kernel_pair = row.client() == System::Kernel && row.server() == System::Kernel;
        if loss != Loss::NONE && (kernel_pair || loss.stack() == StackLoss::Nftables) {
            let topology = &net.topology;
            nft::drop_at_ingress(topology.stack_ns(), topology.stack_if(), loss)?;
            nft::drop_at_ingress(topology.kernel_ns(), topology.kernel_if(), loss)?;
        }
        if row.offloads() {
            let (stack_if, kernel_if) = (net.topology.stack_if(), net.topology.kernel_if());
            net.topology.in_stack_ns(|| enable_offloads(stack_if))??;
            net.topology.in_kernel_ns(|| enable_offloads(kernel_if))??;
        }
        Ok(net)
    }

    /// The topology underneath.
    pub(crate) fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The row this network was built for.
    pub(crate) fn row(&self) -> Row {
        self.row
    }

    /// The loss each way this network was built for.
    pub(crate) fn loss(&self) -> Loss {
        self.loss
    }

    /// True when the server runs in the stack namespace.
    fn server_in_stack_ns(&self) -> bool {
        self.row.client() == System::Kernel
    }

    /// The address the server listens on, of the family being measured.
    pub(crate) fn server_addr(&self) -> SocketAddr {
        let topology = &self.topology;
        let ip = match (family::current(), self.server_in_stack_ns()) {
            (Family::V4, true) => IpAddr::V4(topology.stack_addr()),
            (Family::V4, false) => IpAddr::V4(topology.kernel_addr()),
            (Family::V6, true) => IpAddr::V6(topology.stack_addr_v6()),
            (Family::V6, false) => IpAddr::V6(topology.kernel_addr_v6()),
        };
        SocketAddr::new(ip, PORT)
    }

    /// The namespace the server runs in.
    pub(crate) fn server_ns(&self) -> &Netns {
        if self.server_in_stack_ns() {
            self.topology.stack_ns()
        } else {
            self.topology.kernel_ns()
        }
    }

    /// The namespace the client runs in.
    pub(crate) fn client_ns(&self) -> &Netns {
        if self.server_in_stack_ns() {
            self.topology.kernel_ns()
        } else {
            self.topology.stack_ns()
        }
    }

    /// Runs `server` on a thread of its own and, once it has called
    /// [`Session::set_ready`], `client` on this one. Returns the client's result once the
    /// server has returned too, or the errors of both sides.
    pub(crate) fn pair<T: Send>(
        &self,
        server: impl FnOnce(&Arc<Session>) -> io::Result<()> + Send,
        client: impl FnOnce(&Arc<Session>) -> io::Result<T>,
    ) -> io::Result<T> {
        let session = Arc::new(Session::default());
        thread::scope(|scope| {
            let server = scope.spawn(|| server(&session));
            let start = Instant::now();
            while !session.is_ready() && !server.is_finished() && start.elapsed() < START_LIMIT {
                thread::sleep(Duration::from_millis(1));
            }
            let result = if session.is_ready() {
                client(&session).map_err(|e| context("client", e))
            } else {
                Err(io::Error::other("server did not start listening"))
            };
            session.finish_client();
            let served = server
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            match (served, result) {
                (Ok(()), result) => result,
                (Err(server), Ok(_)) => Err(context("server", server)),
                (Err(server), Err(client)) => Err(io::Error::new(
                    server.kind(),
                    format!("server: {server}; {client}"),
                )),
            }
        })
    }
}

/// `error` with the side it happened on.
fn context(side: &str, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{side}: {error}"))
}

//! The application's calls on one connection.

use super::Endpoint;
use crate::addr::FourTuple;
use crate::config::SocketOptions;
use crate::connection::{Connection, Holder, Opening};
use crate::error::Error;
use crate::handle::ConnectionHandle;
use crate::state::State;
use crate::stats::{ConnectionInfo, ConnectionStats};
use crate::time::Instant;
use core::net::SocketAddr;

impl Endpoint {
    /// Opens a connection from `local` to `remote` (CLOSED -> SYN_SENT); the SYN goes out on
    /// the next `poll_transmit`. A `local` port of 0 picks a free ephemeral port. `local` must
    /// name one of the driver's addresses (`InvalidInput` if unspecified); `remote` must be
    /// a unicast address with a non-zero port.
    pub fn connect(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        options: SocketOptions,
    ) -> Result<ConnectionHandle, Error> {
        self.observe(now);
        if local.ip().is_unspecified() || remote.port() == 0 || !super::is_unicast(remote.ip()) {
            return Err(Error::InvalidInput);
        }
        if local.is_ipv4() != remote.is_ipv4() {
            return Err(Error::InvalidInput);
        }
        if self.connection_count() >= self.config.max_connections {
            return Err(Error::NoBuffers);
        }
        if self.memory.under_pressure() {
            self.counters.resources.memory_refusals += 1;
            return Err(Error::NoBuffers);
        }
        let port = match local.port() {
            0 => self.ephemeral_port(local, remote)?,
            port => port,
        };
        let tuple = FourTuple {
            local: SocketAddr::new(local.ip(), port),
            remote,
        };
        if self.holder_of(&tuple).is_some() {
            return Err(Error::AddrInUse);
        }
        let handle = self.allocate_handle();
        let opening = Opening::new(
            handle,
            tuple,
            self.isn.isn(now, &tuple),
            self.shared_options(options),
            now,
            self.timestamp_offset(&tuple),
        );
        let mut conn = Connection::new(&self.config, opening);
        self.start_with_recorded_path(now, &mut conn);
        conn.books_mut().holder = Holder::Application;
        if conn.fast_open_requested() {
            match self.fast_open.cache.get(remote.ip()) {
                Some(cached) => conn.defer_syn_for_fast_open(cached.cookie, cached.mss),
                None => conn.offer_fast_open_cookie(tcp_wire::FastOpenCookie::request()),
            }
        }
        conn.open_active(now);
        self.counters.active_opens += 1;
        self.index_tuple(tuple, handle);
        self.connections.insert(handle, Box::new(conn));
        self.settle(handle);
        Ok(handle)
    }

    fn connection(&self, handle: ConnectionHandle) -> Result<&Connection, Error> {
        self.connections
            .get(&handle)
            .map(|c| &**c)
            .filter(|c| c.books().holder == Holder::Application)
            .ok_or(Error::InvalidHandle)
    }

    fn user_call<R>(
        &mut self,
        handle: ConnectionHandle,
        f: impl FnOnce(&mut Connection) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.connection(handle)?;
        self.with_connection(handle, |conn, _| f(conn))
            .unwrap_or(Err(Error::InvalidHandle))
    }

    /// Queues `data` for sending and returns how many bytes were taken (all that fit in the
    /// send buffer, and at the endpoint's buffer memory limit, in the storage it already
    /// holds). `WouldBlock` when nothing fits (an `Event::Writable` follows, when the peer
    /// acknowledges data or memory pressure ends); `BrokenPipe` after `shutdown_write` or
    /// once the connection is over; the connection's error once, when it failed (then
    /// `BrokenPipe`, as Linux's `write`).
    pub fn write(&mut self, handle: ConnectionHandle, data: &[u8]) -> Result<usize, Error> {
        let room = self.memory.budget(&self.config.resources).room;
        let result = self.user_call(handle, |conn| conn.write(data, room));
        if result == Err(Error::WouldBlock)
            && let Some(conn) = self.connections.get_mut(&handle)
            && conn.send_room() > 0
            && !conn.books().waiting_for_memory
        {
            conn.books_mut().waiting_for_memory = true;
            self.memory.wait(handle);
        }
        result
    }

    /// Reads received data into `buf`. `Ok(0)` means the peer closed its side (after all
    /// data before its FIN was read) or the connection is over; `WouldBlock` means nothing
    /// yet (an `Event::Readable` follows); `ConnectionReset`/`TimedOut`/`ConnectionRefused`
    /// once, when the connection failed (then `Ok(0)`, as Linux's `read`).
    pub fn read(&mut self, handle: ConnectionHandle, buf: &mut [u8]) -> Result<usize, Error> {
        self.user_call(handle, |conn| conn.read(buf))
    }

    /// Copies received data into `buf` like [`Endpoint::read`], with the same results, but
    /// leaves it to be read again (MSG_PEEK): the receive window does not open.
    pub fn peek(&mut self, handle: ConnectionHandle, buf: &mut [u8]) -> Result<usize, Error> {
        self.user_call(handle, |conn| conn.peek(buf))
    }

    /// Sends FIN after the queued data and keeps receiving (half-close); `NotConnected`
    /// once the connection is over (CLOSED or TIME_WAIT).
    pub fn shutdown_write(&mut self, handle: ConnectionHandle) -> Result<(), Error> {
        self.user_call(handle, Connection::shutdown_write)
    }

    /// Releases the handle. The stack finishes the close in the background (FIN, FIN_WAIT_2,
    /// TIME_WAIT); with unread data or `linger` of zero it aborts with RST instead. The handle
    /// is invalid afterwards.
    pub fn close(&mut self, now: Instant, handle: ConnectionHandle) -> Result<(), Error> {
        self.connection(handle)?;
        self.with_connection(handle, |conn, ctx| conn.close(now, ctx.config()));
        Ok(())
    }

    /// Resets the connection (RST to the peer) and discards queued data; the handle stays
    /// valid until `close`.
    pub fn abort(&mut self, handle: ConnectionHandle) -> Result<(), Error> {
        self.user_call(handle, |conn| {
            conn.abort();
            Ok(())
        })
    }

    /// Changes the connection's options (nodelay, keepalive, linger, user timeout, ...).
    pub fn set_options(
        &mut self,
        now: Instant,
        handle: ConnectionHandle,
        options: SocketOptions,
    ) -> Result<(), Error> {
        let options = self.shared_options(options);
        self.user_call(handle, |conn| {
            conn.set_options(now, options);
            Ok(())
        })
    }

    /// The connection's current options.
    pub fn options(&self, handle: ConnectionHandle) -> Result<SocketOptions, Error> {
        Ok(*self.connection(handle)?.options())
    }

    /// The connection's state.
    pub fn state(&self, handle: ConnectionHandle) -> Result<State, Error> {
        Ok(self.connection(handle)?.state())
    }

    /// True while the connection's handshake keeps the application from using it: SYN_SENT
    /// or SYN_RCVD, except a Fast Open connect whose SYN waits for the first write, which
    /// is usable at once (as Linux's `connect` with `TCP_FASTOPEN_CONNECT` returns at once).
    pub fn handshake_pending(&self, handle: ConnectionHandle) -> Result<bool, Error> {
        Ok(self.connection(handle)?.handshake_pending())
    }

    /// The connection's counters.
    pub fn stats(&self, handle: ConnectionHandle) -> Result<ConnectionStats, Error> {
        Ok(self.connection(handle)?.stats().snapshot())
    }

    /// Our address of the connection.
    pub fn local_addr(&self, handle: ConnectionHandle) -> Result<SocketAddr, Error> {
        Ok(self.connection(handle)?.tuple().local)
    }

    /// The peer's address.
    pub fn peer_addr(&self, handle: ConnectionHandle) -> Result<SocketAddr, Error> {
        Ok(self.connection(handle)?.tuple().remote)
    }

    /// Bytes ready to read.
    pub fn readable_bytes(&self, handle: ConnectionHandle) -> Result<usize, Error> {
        Ok(self.connection(handle)?.readable())
    }

    /// Free space in the send buffer.
    pub fn writable_bytes(&self, handle: ConnectionHandle) -> Result<usize, Error> {
        Ok(self.connection(handle)?.send_room())
    }

    /// The error the connection failed with, if no call has reported it yet, and clears
    /// it: SO_ERROR. A read, peek or write that returns the error clears it too, so it is
    /// reported once; afterwards reads return end-of-file and writes `BrokenPipe`.
    pub fn take_error(&mut self, handle: ConnectionHandle) -> Result<Option<Error>, Error> {
        self.connection(handle)?;
        let conn = self
            .connections
            .get_mut(&handle)
            .ok_or(Error::InvalidHandle)?;
        Ok(conn.take_error())
    }

    /// The error [`Endpoint::take_error`] would return, left in place (what `poll` reports
    /// as POLLERR).
    pub fn pending_error(&self, handle: ConnectionHandle) -> Result<Option<Error>, Error> {
        Ok(self.connection(handle)?.error())
    }

    /// Memory the connection holds in bytes: its control block plus buffer storage.
    pub fn connection_memory(&self, handle: ConnectionHandle) -> Result<usize, Error> {
        Ok(self.connection(handle)?.memory())
    }

    /// The connection's live transmission state (RTT, windows, MSS), like `tcp_info`.
    pub fn connection_info(&self, handle: ConnectionHandle) -> Result<ConnectionInfo, Error> {
        Ok(self.connection(handle)?.info())
    }
}

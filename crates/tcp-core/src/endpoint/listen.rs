//! Listening: binding, the SYN arriving at a listener, and the accept queue.

use super::Endpoint;
use super::stateless::ResetReply;
use super::stateless::{CookieSynAck, StatelessReply};
use crate::addr::FourTuple;
use crate::config::SocketOptions;
use crate::connection::{Connection, Holder, Incoming, Opening};
use crate::endpoint::fast_open::CookieCheck;
use crate::endpoint::hashing::HandleHasher;
use crate::endpoint::listener::{Listener, covers};
use crate::endpoint::syn_cookie::{CookieOptions, encode_timestamp};
use crate::error::Error;
use crate::event::Event;
use crate::handle::{ConnectionHandle, ListenerHandle};
use crate::state::State;
use crate::time::Instant;
use core::net::SocketAddr;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use tcp_wire::{FastOpenCookie, Options, SeqNumber, Timestamps};

impl Endpoint {
    /// Starts listening on `local` (`0.0.0.0:port` for every address, or `ip:port`) with an
    /// accept queue of `backlog` connections (capped at `Config::max_backlog`, at least 1).
    ///
    /// Port 0 picks a port of `Config::ephemeral_ports` that no listener and no connection
    /// uses ([`Endpoint::listener_addr`] tells which), as Linux's `bind` does.
    ///
    /// Fails with `AddrInUse` when a listener already covers that address and port, when
    /// connections use the port and `options.reuse_address` is off, or when port 0 finds
    /// every ephemeral port in use.
    pub fn listen(
        &mut self,
        local: SocketAddr,
        backlog: u32,
        options: SocketOptions,
    ) -> Result<ListenerHandle, Error> {
        let local = match local.port() {
            0 => SocketAddr::new(local.ip(), self.listener_port(local)?),
            _ => local,
        };
        let clash = self.listeners.values().any(|l| {
            let families_meet = covers(l.local.ip(), l.options.only_v6, local.ip())
                || covers(local.ip(), options.only_v6, l.local.ip());
            l.local.port() == local.port()
                && families_meet
                && (l.local.ip() == local.ip()
                    || l.local.ip().is_unspecified()
                    || local.ip().is_unspecified())
        });
        let port_busy = !options.reuse_address && self.by_tuple.address_in_use(local);
        if clash || port_busy {
            return Err(Error::AddrInUse);
        }
        let handle = ListenerHandle(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        let backlog = backlog.clamp(1, self.config.listen.max_backlog.max(1)) as usize;
        self.listeners.insert(
            handle,
            Listener {
                handle,
                local,
                accept_queue: VecDeque::new(),
                backlog,
                syn_queue: HashSet::with_hasher(HandleHasher),
                options: self.shared_options(options),
            },
        );
        *self.listening_ports.entry(local.port()).or_insert(0) += 1;
        Ok(handle)
    }

    /// Stops a listener. Every connection waiting in its accept queue is reset; half-open
    /// ones are dropped silently (or reset, see
    /// [`Departures::listener_close_drops_half_open`](crate::Departures)); connections
    /// already accepted go on. Costs time in the connections the listener holds, not in all
    /// the endpoint's.
    pub fn close_listener(&mut self, listener: ListenerHandle) -> Result<(), Error> {
        let listener = self
            .listeners
            .remove(&listener)
            .ok_or(Error::InvalidHandle)?;
        if let Some(count) = self.listening_ports.get_mut(&listener.local.port()) {
            *count -= 1;
            if *count == 0 {
                self.listening_ports.remove(&listener.local.port());
            }
        }
        let drop_half_open = self.config.departures.listener_close_drops_half_open;
        for handle in listener.held() {
            self.with_connection(handle, |conn, _| {
                conn.books_mut().listener = None;
                if drop_half_open && conn.state() == State::SynReceived {
                    conn.enter_closed();
                } else {
                    conn.abort();
                }
            });
        }
        Ok(())
    }

    /// Takes the oldest completed connection from the accept queue (FIFO); `WouldBlock` when
    /// it is empty.
    pub fn accept(&mut self, listener: ListenerHandle) -> Result<ConnectionHandle, Error> {
        loop {
            let queue = &mut self
                .listeners
                .get_mut(&listener)
                .ok_or(Error::InvalidHandle)?
                .accept_queue;
            let handle = queue.pop_front().ok_or(Error::WouldBlock)?;
            let Some(conn) = self.connections.get_mut(&handle) else {
                continue;
            };
            conn.books_mut().listener = None;
            conn.books_mut().holder = Holder::Application;
            let bits = conn.pending_since_accept();
            conn.raise(bits);
            self.settle(handle);
            return Ok(handle);
        }
    }

    /// The address a listener is bound to.
    pub fn listener_addr(&self, listener: ListenerHandle) -> Result<SocketAddr, Error> {
        self.listeners
            .get(&listener)
            .map(|l| l.local)
            .ok_or(Error::InvalidHandle)
    }

    /// The listener for `local`: an exact address match first, then a wildcard.
    pub(super) fn find_listener(&self, local: SocketAddr) -> Option<ListenerHandle> {
        if !self.listening_ports.contains_key(&local.port()) {
            return None;
        }
        let mut wildcard = None;
        for listener in self.listeners.values() {
            if listener.accepts(local) {
                if listener.local.ip() == local.ip() {
                    return Some(listener.handle);
                }
                wildcard = Some(listener.handle);
            }
        }
        wildcard
    }

    /// A segment for a listener (RFC 9293 §3.10.7.2): RST ignored, ACK answered with RST,
    /// SYN opens a half-open connection unless a queue is full (then silently dropped).
    pub(super) fn on_listener_segment(
        &mut self,
        now: Instant,
        handle: ListenerHandle,
        tuple: FourTuple,
        seg: &Incoming<'_>,
        iss_floor: Option<SeqNumber>,
    ) {
        if seg.flags().rst() {
            return;
        }
        if seg.flags().ack() {
            if !seg.flags().syn()
                && self.config.listen.syn_cookies
                && self.accept_cookie(now, handle, tuple, seg)
            {
                return;
            }
            self.queue_reset(ResetReply::new(tuple, seg.ack(), None));
            return;
        }
        if !seg.flags().syn() {
            return;
        }
        let Some(listener) = self.listeners.get(&handle) else {
            return;
        };
        if listener.accept_queue_full() {
            self.counters.listen.listen_overflows += 1;
            return;
        }
        if self.memory.under_pressure() {
            self.counters.resources.memory_refusals += 1;
            return;
        }
        if listener.syn_queue.len() >= self.config.listen.syn_queue_len as usize {
            if self.config.listen.syn_cookies {
                self.send_cookie(now, tuple, seg);
            } else {
                self.counters.listen.syn_queue_overflows += 1;
            }
            return;
        }
        if self.connection_count() >= self.config.max_connections {
            self.counters.listen.syn_queue_overflows += 1;
            return;
        }
        let options = Arc::clone(&listener.options);
        let fast_open = match seg.options().fast_open {
            Some(cookie) if options.fast_open => self.judge_fast_open(tuple, &cookie),
            _ => FastOpenReply::default(),
        };
        let conn_handle = self.allocate_handle();
        let opening = Opening::new(
            conn_handle,
            tuple,
            above(self.isn.isn(now, &tuple), iss_floor),
            options,
            now,
            self.timestamp_offset(&tuple),
        );
        let mut conn = Connection::new(&self.config, opening);
        self.start_with_recorded_path(now, &mut conn);
        conn.open_passive(now, seg, &self.config, handle);
        if let Some(cookie) = fast_open.cookie {
            conn.offer_fast_open_cookie(cookie);
        }
        if let Some(listener) = self.listeners.get_mut(&handle) {
            listener.syn_queue.insert(conn_handle);
        }
        self.index_tuple(tuple, conn_handle);
        self.connections.insert(conn_handle, Box::new(conn));
        if fast_open.accept {
            self.with_connection(conn_handle, |conn, ctx| {
                conn.accept_fast_open(now, seg, ctx)
            });
        } else {
            self.settle(conn_handle);
        }
    }

    /// What a Fast Open listener does with the Fast Open option of a SYN from `tuple`
    /// (RFC 7413 §4.2.2): a request gets a cookie; a valid cookie gets the connection
    /// accepted at once with the SYN's data (and a fresh cookie when it was made with the
    /// previous key); an invalid one gets its data ignored and a fresh cookie.
    fn judge_fast_open(&mut self, tuple: FourTuple, cookie: &FastOpenCookie) -> FastOpenReply {
        let client = tuple.remote.ip();
        let fresh = Some(self.fast_open.keys.cookie(client));
        let reply = if cookie.is_request() {
            FastOpenReply {
                accept: false,
                cookie: fresh,
            }
        } else {
            match self.fast_open.keys.check(client, cookie) {
                CookieCheck::Current => FastOpenReply {
                    accept: true,
                    cookie: None,
                },
                CookieCheck::Previous => FastOpenReply {
                    accept: true,
                    cookie: fresh,
                },
                CookieCheck::Invalid => {
                    self.counters.fast_open.passive_fail += 1;
                    FastOpenReply {
                        accept: false,
                        cookie: fresh,
                    }
                }
            }
        };
        self.counters.fast_open.passive += u64::from(reply.accept);
        self.counters.fast_open.cookies_sent += u64::from(reply.cookie.is_some());
        reply
    }

    /// Makes a new key for the Fast Open cookies listeners hand out. Cookies made with the
    /// key before stay valid (and are answered with a fresh cookie) until the next rotation;
    /// older ones no longer validate. Rotate as often as cookies should expire (Linux keeps
    /// one key until changed by hand).
    pub fn rotate_fast_open_key(&mut self) {
        self.fast_open.keys.rotate();
    }

    /// Sets the key Fast Open cookies are made with (Linux's `TCP_FASTOPEN_KEY`), in place of
    /// the one derived from the endpoint secret; cookies made with the key before stay valid
    /// until the next rotation. Endpoints given the same key accept each other's cookies, so
    /// a client may reach any of them.
    pub fn set_fast_open_key(&mut self, key: [u8; 16]) {
        self.fast_open.keys.replace(key);
    }

    /// Answers a SYN with a cookie SYN-ACK and keeps nothing (RFC 4987). Window scaling and
    /// SACK are offered only when timestamps carry the client's choices back; otherwise the
    /// SYN-ACK has the MSS alone, as Linux does.
    fn send_cookie(&mut self, now: Instant, tuple: FourTuple, seg: &Incoming<'_>) {
        let client_mss = seg
            .options()
            .mss
            .unwrap_or(self.config.default_mss_for(tuple.remote.ip()));
        let iss = self.cookies.make(now, &tuple, seg.seq(), client_mss);
        let mut options = Options {
            mss: Some(self.config.local_mss_for(tuple.local.ip())),
            ..Options::default()
        };
        if let (Some(ts), true) = (seg.options().timestamps, self.config.extensions.timestamps) {
            let wanted = CookieOptions {
                window_scale: seg
                    .options()
                    .window_scale
                    .filter(|_| self.config.extensions.window_scaling),
                sack_permitted: seg.options().sack_permitted && self.config.extensions.sack,
            };
            let clock =
                ((now.as_micros() / 1000) as u32).wrapping_add(self.timestamp_offset(&tuple));
            options.timestamps = Some(Timestamps {
                value: encode_timestamp(clock, wanted),
                echo: ts.value,
            });
            options.sack_permitted = wanted.sack_permitted;
            options.window_scale = wanted.window_scale.map(|_| self.config.window_scale());
        }
        let window = self.config.recv_buffer.initial.min(0xffff) as u16;
        self.counters.listen.syn_cookies_sent += 1;
        self.queue_stateless(StatelessReply::CookieSynAck(CookieSynAck {
            tuple,
            iss,
            ack: seg.seq() + 1,
            window,
            options,
        }));
    }

    /// An ACK for a listener: if it completes a cookie handshake, the connection is made
    /// from the cookie and queued for accept. False when it carries no valid cookie.
    fn accept_cookie(
        &mut self,
        now: Instant,
        handle: ListenerHandle,
        tuple: FourTuple,
        seg: &Incoming<'_>,
    ) -> bool {
        let Some(contents) = self.cookies.check(now, &tuple, seg.seq() - 1, seg.ack()) else {
            self.counters.listen.syn_cookies_failed += 1;
            return false;
        };
        let Some(listener) = self.listeners.get(&handle) else {
            return false;
        };
        if listener.accept_queue_full() || self.connection_count() >= self.config.max_connections {
            self.counters.listen.listen_overflows += 1;
            return true;
        }
        if self.memory.under_pressure() {
            self.counters.resources.memory_refusals += 1;
            return true;
        }
        let options = Arc::clone(&listener.options);
        let conn_handle = self.allocate_handle();
        let opening = Opening::new(
            conn_handle,
            tuple,
            seg.ack() - 1,
            options,
            now,
            self.timestamp_offset(&tuple),
        );
        let mut conn = Connection::new(&self.config, opening);
        self.start_with_recorded_path(now, &mut conn);
        let window = self.config.recv_buffer.initial.min(0xffff) as u32;
        conn.open_from_cookie(now, seg, (handle, &self.config), contents.mss, window);
        self.counters.listen.syn_cookies_validated += 1;
        self.index_tuple(tuple, conn_handle);
        self.connections.insert(conn_handle, Box::new(conn));
        self.with_connection(conn_handle, |conn, ctx| conn.on_segment(now, seg, ctx));
        true
    }

    /// True when `seg` is an ACK that would complete the handshake of a passive open whose
    /// listener's accept queue is full. The endpoint drops it, as Linux's `tcp_check_req`
    /// does with `tcp_abort_on_overflow` off: the half-open connection stays, its SYN-ACK is
    /// sent again, and the client's next ACK gets in once `accept` makes room. So the accept
    /// queue never holds more than the backlog, however many handshakes complete at once.
    /// A Fast Open connection is in the accept queue already: its ACK always gets in.
    pub(super) fn completes_into_a_full_queue(
        &self,
        handle: ConnectionHandle,
        seg: &Incoming<'_>,
    ) -> bool {
        let Some(conn) = self.connections.get(&handle) else {
            return false;
        };
        conn.state() == crate::state::State::SynReceived
            && !conn.accepted_before_handshake()
            && seg.flags().ack()
            && !seg
                .flags()
                .intersects(tcp_wire::Flags::RST | tcp_wire::Flags::SYN)
            && conn
                .books()
                .listener
                .and_then(|l| self.listeners.get(&l))
                .is_some_and(Listener::accept_queue_full)
    }

    /// A passive open finished its handshake: it moves from the SYN queue to the accept queue.
    pub(super) fn enqueue_accepted(&mut self, handle: ConnectionHandle) {
        let Some(conn) = self.connections.get_mut(&handle) else {
            return;
        };
        let Some(listener) = conn
            .books()
            .listener
            .and_then(|l| self.listeners.get_mut(&l))
        else {
            return;
        };
        listener.syn_queue.remove(&handle);
        listener.accept_queue.push_back(handle);
        self.counters.passive_opens += 1;
        self.events.push_back(Event::Incoming(listener.handle));
    }
}

/// What a listener answers to a SYN's Fast Open option.
#[derive(Debug, Clone, Copy, Default)]
struct FastOpenReply {
    /// Accept the connection and the SYN's data before the handshake completes.
    accept: bool,
    /// The cookie the SYN-ACK carries.
    cookie: Option<FastOpenCookie>,
}

/// `iss`, or `floor` when `iss` would start at or below it.
fn above(iss: SeqNumber, floor: Option<SeqNumber>) -> SeqNumber {
    match floor {
        Some(floor) if iss.le(floor) => floor,
        _ => iss,
    }
}

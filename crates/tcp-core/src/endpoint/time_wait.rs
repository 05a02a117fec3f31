//! TIME_WAIT entries as compact records: a connection nobody holds any more that rests in
//! TIME_WAIT gives way to a [`TimeWaitRecord`] under the same handle, in its own table. The
//! 4-tuple index and the timer queue keep the handle, the census keeps counting the entry
//! against `ResourceLimits::max_time_wait`, and the record answers segments as the
//! connection did.

use super::stateless::StatelessReply;
use super::{Endpoint, REOPEN_ISS_GAP};
use crate::addr::FourTuple;
use crate::connection::{Incoming, TimeWaitAck, TimeWaitRecord};
use crate::context::Context;
use crate::event::Event;
use crate::handle::ConnectionHandle;
use crate::time::Instant;

impl Endpoint {
    /// Replaces the connection `handle` by its TIME_WAIT record, if it is at rest in
    /// TIME_WAIT (see `Connection::time_wait_record`). Its stats join the retired ones.
    pub(super) fn compact_time_wait(&mut self, handle: ConnectionHandle) {
        let Some(record) = self
            .connections
            .get(&handle)
            .and_then(|conn| conn.time_wait_record(handle))
        else {
            return;
        };
        let Some(conn) = self.connections.remove(&handle) else {
            return;
        };
        self.retired += conn.stats().snapshot();
        tracing::trace!(conn = %conn, "TIME_WAIT record");
        self.time_wait.insert(handle, record);
    }

    /// A segment for the TIME_WAIT record `handle` of `tuple`.
    pub(super) fn on_time_wait_segment(
        &mut self,
        now: Instant,
        handle: ConnectionHandle,
        tuple: FourTuple,
        seg: &Incoming<'_>,
    ) {
        let pressure = self.memory.under_pressure();
        let Some(answer) = self.with_record(handle, |record, ctx| {
            record.on_segment(now, seg, ctx, pressure)
        }) else {
            return;
        };
        self.retired.segments_in += 1;
        if answer.restarts() {
            self.deadlines
                .set(handle, Some(now + self.config.time_wait()));
        }
        let reopens = answer.reopens();
        if let Some(ack) = answer.into_ack() {
            self.queue_time_wait_ack(ack);
        }
        if reopens {
            self.reopen_from_time_wait(now, handle, tuple, seg);
        }
    }

    /// A SYN that may reopen the tuple of `handle`, in TIME_WAIT whole or as a record
    /// (RFC 9293 MAY-2): a listener for the address takes it, with an ISS above the old
    /// connection's sequence space, once the entry is gone; with none, the entry stays and
    /// sends a challenge ACK.
    pub(super) fn reopen_from_time_wait(
        &mut self,
        now: Instant,
        handle: ConnectionHandle,
        tuple: FourTuple,
        seg: &Incoming<'_>,
    ) {
        let Some(listener) = self.find_listener(tuple.local) else {
            if self.connections.contains_key(&handle) {
                self.with_connection(handle, |conn, ctx| conn.challenge(now, ctx));
                return;
            }
            let pressure = self.memory.under_pressure();
            let challenge =
                self.with_record(handle, |record, ctx| record.challenge(now, ctx, pressure));
            if let Some(ack) = challenge.flatten() {
                self.queue_time_wait_ack(ack);
            }
            return;
        };
        let highest_sent = match self.connections.get(&handle) {
            Some(conn) => Some(conn.highest_sent()),
            None => self
                .time_wait
                .get(&handle)
                .map(TimeWaitRecord::highest_sent),
        };
        self.remove_connection(handle);
        self.remove_time_wait(handle);
        let iss_floor = highest_sent.map(|seq| seq + REOPEN_ISS_GAP);
        self.on_listener_segment(now, listener, tuple, seg, iss_floor);
    }

    /// Runs `f` on the record `handle` with the endpoint's context (a record sends no RST).
    fn with_record<R>(
        &mut self,
        handle: ConnectionHandle,
        f: impl FnOnce(&mut TimeWaitRecord, &mut Context<'_>) -> R,
    ) -> Option<R> {
        let record = self.time_wait.get_mut(&handle)?;
        let mut resets = Vec::new();
        let mut ctx = Context {
            config: &self.config,
            buffer_room: 0,
            counters: &mut self.counters,
            challenges: &mut self.challenges,
            resets: &mut resets,
        };
        Some(f(record, &mut ctx))
    }

    /// Drops the record `handle` from every table: its TIME_WAIT ended, or a SYN reopened
    /// its tuple. The application hears `Closed`, as for any connection it once held.
    pub(super) fn remove_time_wait(&mut self, handle: ConnectionHandle) {
        let Some(record) = self.time_wait.remove(&handle) else {
            return;
        };
        self.by_tuple.remove(&record.tuple(), handle);
        self.deadlines.set(handle, None);
        self.census.leave_time_wait();
        self.events.push_back(Event::Closed(handle));
        tracing::trace!(tuple = %record.tuple(), "TIME_WAIT record removed");
    }

    /// Queues a record's ACK with the replies on behalf of no connection, counted in the
    /// retired stats as the connection would have counted it.
    fn queue_time_wait_ack(&mut self, ack: TimeWaitAck) {
        if self.queue_stateless(StatelessReply::TimeWaitAck(ack)) {
            self.retired.segments_out += 1;
        }
    }
}

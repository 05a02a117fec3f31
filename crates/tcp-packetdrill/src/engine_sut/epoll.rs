//! `epoll` instances: an interest list per epoll fd, level- or edge-triggered, reporting
//! the readiness `poll` would (`readiness.rs`).
//!
//! Edge-triggered entries (`EPOLLET`) are reported after a wakeup, as Linux reports them:
//! the runner samples every watched socket after each input and counts as a wakeup a
//! readiness bit that appears or more bytes to read. `EPOLLONESHOT` disarms an entry after
//! one report until `EPOLL_CTL_MOD`.

use super::EngineSut;
use crate::errno::Errno;
use crate::sut::{EpollOp, Fd};
use std::collections::BTreeMap;

/// `EPOLLET`.
const EPOLLET: u32 = 1 << 31;
/// `EPOLLONESHOT`.
const EPOLLONESHOT: u32 = 1 << 30;
/// The bits of `events` that select readiness (the rest are behaviour flags).
const READINESS: u32 = 0x0fff_ffff;

/// One fd in an interest list.
#[derive(Debug, Clone)]
struct Entry {
    events: u32,
    data: u64,
    /// The readiness bits and readable bytes at the last sample.
    last: (u32, usize),
    /// A wakeup happened since the last report (edge-triggered entries).
    woken: bool,
    /// `EPOLLONESHOT` reported it; silent until `EPOLL_CTL_MOD`.
    disarmed: bool,
}

/// One epoll instance's interest list.
#[derive(Debug, Clone, Default)]
pub(super) struct Epoll {
    entries: BTreeMap<Fd, Entry>,
}

impl EngineSut {
    /// `epoll_ctl`: `EEXIST`, `ENOENT`, `EBADF` and `EINVAL` as Linux gives them.
    pub(super) fn epoll_ctl(
        &mut self,
        epfd: Fd,
        op: EpollOp,
        fd: Fd,
        events: u32,
        data: u64,
    ) -> Result<(), Errno> {
        if self.fds.get(fd).is_none() {
            return Err(Errno::EBADF);
        }
        if fd == epfd || self.epolls.contains_key(&fd) {
            return Err(Errno::EINVAL);
        }
        let sample = self.sample(fd, events);
        let epoll = self.epolls.get_mut(&epfd).ok_or(Errno::EINVAL)?;
        let fresh = Entry {
            events,
            data,
            last: sample,
            woken: sample.0 != 0,
            disarmed: false,
        };
        match op {
            EpollOp::Add if epoll.entries.contains_key(&fd) => return Err(Errno::EEXIST),
            EpollOp::Add => {
                epoll.entries.insert(fd, fresh);
            }
            EpollOp::Modify => {
                let entry = epoll.entries.get_mut(&fd).ok_or(Errno::ENOENT)?;
                *entry = fresh;
            }
            EpollOp::Delete => {
                epoll.entries.remove(&fd).ok_or(Errno::ENOENT)?;
            }
        }
        Ok(())
    }

    /// The ready entries of `epfd`, at most `max`, as `(events, data)`; `None` when none is
    /// ready (the call waits or returns 0).
    pub(super) fn epoll_ready(&mut self, epfd: Fd, max: usize) -> Result<Vec<(u32, u64)>, Errno> {
        let Some(epoll) = self.epolls.get(&epfd) else {
            return Err(Errno::EINVAL);
        };
        let mut ready = Vec::new();
        let mut reported = Vec::new();
        for (&fd, entry) in &epoll.entries {
            if ready.len() >= max {
                break;
            }
            if entry.disarmed {
                continue;
            }
            let mask = self.revents(fd, entry.events & READINESS);
            let edge = entry.events & EPOLLET != 0;
            if mask != 0 && (!edge || entry.woken) {
                ready.push((mask, entry.data));
                reported.push(fd);
            }
        }
        if let Some(epoll) = self.epolls.get_mut(&epfd) {
            for fd in reported {
                if let Some(entry) = epoll.entries.get_mut(&fd) {
                    entry.woken = false;
                    entry.disarmed = entry.events & EPOLLONESHOT != 0;
                }
            }
        }
        Ok(ready)
    }

    /// After any input: a watched socket whose readiness gained a bit, or that has more to
    /// read, was woken.
    pub(super) fn sample_epolls(&mut self) {
        let watched: Vec<(Fd, Fd, u32)> = self
            .epolls
            .iter()
            .flat_map(|(&epfd, epoll)| {
                epoll
                    .entries
                    .iter()
                    .map(move |(&fd, entry)| (epfd, fd, entry.events))
            })
            .collect();
        for (epfd, fd, events) in watched {
            let now = self.sample(fd, events);
            if let Some(entry) = self
                .epolls
                .get_mut(&epfd)
                .and_then(|epoll| epoll.entries.get_mut(&fd))
            {
                let gained = now.0 & !entry.last.0 != 0 || now.1 > entry.last.1;
                entry.woken |= gained;
                entry.last = now;
            }
        }
    }

    /// A closed fd leaves every interest list (Linux drops it with its last reference).
    pub(super) fn forget_in_epolls(&mut self, fd: Fd) {
        self.epolls.remove(&fd);
        for epoll in self.epolls.values_mut() {
            epoll.entries.remove(&fd);
        }
    }

    fn sample(&self, fd: Fd, events: u32) -> (u32, usize) {
        let readable = self
            .queue_bytes(fd, crate::sut::Queue::Receive)
            .unwrap_or(0);
        (self.revents(fd, events & READINESS), readable)
    }
}

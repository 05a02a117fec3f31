//! What `poll`, `ioctl` and `getsockopt(TCP_INFO)` report about a socket: Linux's
//! `tcp_poll` readiness bits, its queue sizes, and its `struct tcp_info` fields, from the
//! engine's view of the connection.

use super::EngineSut;
use super::errno_map::errno;
use super::fd_table::{Kind, Socket};
use crate::errno::Errno;
use crate::sut::{Fd, Queue, TcpInfo};
use tcp_core::{ConnectionHandle, State};

/// `POLLIN`.
pub(super) const POLLIN: u32 = 0x1;
/// `POLLOUT`.
pub(super) const POLLOUT: u32 = 0x4;
/// `POLLERR`.
pub(super) const POLLERR: u32 = 0x8;
/// `POLLHUP`.
pub(super) const POLLHUP: u32 = 0x10;
/// `POLLNVAL`.
pub(super) const POLLNVAL: u32 = 0x20;
/// `POLLRDNORM`.
pub(super) const POLLRDNORM: u32 = 0x40;
/// `POLLWRNORM`.
pub(super) const POLLWRNORM: u32 = 0x100;
/// `POLLRDHUP`.
pub(super) const POLLRDHUP: u32 = 0x2000;

/// Linux's state numbers (`include/net/tcp_states.h`).
fn linux_state(state: State) -> u8 {
    match state {
        State::Established => 1,
        State::SynSent => 2,
        State::SynReceived => 3,
        State::FinWait1 => 4,
        State::FinWait2 => 5,
        State::TimeWait => 6,
        State::Closed => 7,
        State::CloseWait => 8,
        State::LastAck => 9,
        State::Listen => 10,
        State::Closing => 11,
    }
}

/// The peer's FIN (or a reset) has ended the receive side: Linux's `RCV_SHUTDOWN`.
fn receive_shut(state: State) -> bool {
    matches!(
        state,
        State::CloseWait | State::LastAck | State::Closing | State::TimeWait | State::Closed
    )
}

/// Our FIN is queued or the connection is gone: Linux's `SEND_SHUTDOWN`.
fn send_shut(state: State) -> bool {
    matches!(
        state,
        State::FinWait1
            | State::FinWait2
            | State::Closing
            | State::LastAck
            | State::TimeWait
            | State::Closed
    )
}

impl EngineSut {
    /// The `revents` of `fd` for `events`, as Linux's `tcp_poll` computes them (`POLLERR`,
    /// `POLLHUP` and `POLLNVAL` are reported whether asked for or not).
    pub(super) fn revents(&self, fd: Fd, events: u32) -> u32 {
        let Some(socket) = self.fds.get(fd) else {
            return POLLNVAL;
        };
        let mask = match socket.kind {
            Kind::Unbound { .. } => POLLOUT | POLLWRNORM | POLLHUP,
            Kind::Listener { addr, .. } => {
                let queued =
                    self.endpoint.sockets().iter().any(|row| {
                        row.state == State::Listen && row.local == addr && row.recv_q > 0
                    });
                if queued { POLLIN | POLLRDNORM } else { 0 }
            }
            Kind::Conn { handle, .. } => self.connection_mask(socket, handle),
            Kind::Epoll => 0,
        };
        mask & (events | POLLERR | POLLHUP | POLLNVAL)
    }

    fn connection_mask(&self, socket: &Socket, handle: ConnectionHandle) -> u32 {
        let Ok(state) = self.endpoint.state(handle) else {
            return POLLNVAL;
        };
        let mut mask = 0;
        let rcv_shut = receive_shut(state) || socket.read_shut;
        let snd_shut = send_shut(state);
        if (rcv_shut && snd_shut) || state == State::Closed {
            mask |= POLLHUP;
        }
        if rcv_shut {
            mask |= POLLIN | POLLRDNORM | POLLRDHUP;
        }
        if !matches!(state, State::SynSent | State::SynReceived) {
            if self.endpoint.readable_bytes(handle).unwrap_or(0) > 0 {
                mask |= POLLIN | POLLRDNORM;
            }
            if snd_shut || self.writable(socket, handle) {
                mask |= POLLOUT | POLLWRNORM;
            }
        }
        if matches!(self.endpoint.pending_error(handle), Ok(Some(_))) {
            mask |= POLLERR;
        }
        mask
    }

    /// Linux's `sk_stream_is_writeable`: free send space of at least a third of what is
    /// queued (`sk_stream_min_wspace`), and less unsent data than `TCP_NOTSENT_LOWAT`.
    fn writable(&self, socket: &Socket, handle: ConnectionHandle) -> bool {
        let free = self.endpoint.writable_bytes(handle).unwrap_or(0);
        let queued = self.queue_size(handle, Queue::Send).unwrap_or(0);
        let below_lowat = socket.notsent_lowat.is_none_or(|lowat| {
            self.queue_size(handle, Queue::Unsent).unwrap_or(0) < lowat as usize
        });
        free > 0 && free >= queued / 2 && below_lowat
    }

    /// The bytes in `queue` of `fd`'s connection (`EINVAL` for a listener, as Linux).
    pub(super) fn queue_bytes(&self, fd: Fd, queue: Queue) -> Result<usize, Errno> {
        match self.fds.get(fd).ok_or(Errno::EBADF)?.kind {
            Kind::Conn { handle, .. } => self.queue_size(handle, queue),
            Kind::Listener { .. } => Err(Errno::EINVAL),
            Kind::Unbound { .. } => Ok(0),
            Kind::Epoll => Err(Errno::ENOTTY),
        }
    }

    fn queue_size(&self, handle: ConnectionHandle, queue: Queue) -> Result<usize, Errno> {
        let info = self.endpoint.connection_info(handle).map_err(errno)?;
        let queued = info
            .send_buffer
            .saturating_sub(self.endpoint.writable_bytes(handle).map_err(errno)?);
        Ok(match queue {
            Queue::Receive => self.endpoint.readable_bytes(handle).map_err(errno)?,
            Queue::Send => queued,
            Queue::Unsent => queued.saturating_sub(info.unacknowledged as usize),
        })
    }

    /// `TCP_INFO` of `fd`: a connection's, or a listener's or fresh socket's state alone.
    pub(super) fn tcp_info(&self, fd: Fd) -> Result<TcpInfo, Errno> {
        let handle = match self.fds.get(fd).ok_or(Errno::EBADF)?.kind {
            Kind::Conn { handle, .. } => handle,
            Kind::Listener { .. } => {
                return Ok(TcpInfo {
                    state: linux_state(State::Listen),
                    ..TcpInfo::default()
                });
            }
            Kind::Epoll => return Err(Errno::ENOTSOCK),
            Kind::Unbound { .. } => {
                return Ok(TcpInfo {
                    state: linux_state(State::Closed),
                    ..TcpInfo::default()
                });
            }
        };
        let info = self.endpoint.connection_info(handle).map_err(errno)?;
        let stats = self.endpoint.stats(handle).map_err(errno)?;
        let mss = info.send_mss.max(1);
        let micros = |d: core::time::Duration| u32::try_from(d.as_micros()).unwrap_or(u32::MAX);
        let options = u8::from(info.timestamps)
            | (u8::from(info.sack) << 1)
            | (u8::from(info.window_scales != (0, 0)) << 2)
            | (u8::from(info.ecn) << 3);
        Ok(TcpInfo {
            state: linux_state(info.state),
            options,
            snd_wscale: info.window_scales.1,
            rcv_wscale: info.window_scales.0,
            rto: micros(info.rto),
            snd_mss: info.send_mss,
            unacked: info.unacknowledged.div_ceil(mss),
            sacked: info.sacked.div_ceil(mss),
            rtt: info.rtt.map_or(0, micros),
            rttvar: micros(info.rtt_variation),
            snd_ssthresh: match info.slow_start_threshold {
                u32::MAX => 0x7fff_ffff,
                bytes => bytes / mss,
            },
            snd_cwnd: info.congestion_window / mss,
            total_retrans: u32::try_from(stats.retransmits).unwrap_or(u32::MAX),
            bytes_acked: stats.bytes_acked,
            bytes_received: stats.bytes_received,
            notsent_bytes: u32::try_from(self.queue_size(handle, Queue::Unsent)?)
                .unwrap_or(u32::MAX),
        })
    }
}

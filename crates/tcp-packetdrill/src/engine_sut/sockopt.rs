//! `setsockopt`/`getsockopt` onto the engine's [`SocketOptions`](tcp_core::SocketOptions),
//! with Linux's ranges, units and quirks.

use super::EngineSut;
use super::errno_map::errno;
use super::fd_table::{Kind, Socket};
use crate::errno::Errno;
use crate::sut::{Fd, OptValue, SockOpt};
use core::time::Duration;
use tcp_core::{Instant, State};

/// Linux's smallest `SO_RCVBUF` (`SOCK_MIN_RCVBUF` on x86-64), as `getsockopt` reports it.
const MIN_RCVBUF: usize = 2_304;
/// Linux's smallest `SO_SNDBUF` (`SOCK_MIN_SNDBUF`).
const MIN_SNDBUF: usize = 4_608;
/// `TCP_MAXSEG` bounds (`TCP_MIN_MSS`, `MAX_TCP_WINDOW`).
const MAXSEG_RANGE: core::ops::RangeInclusive<i64> = 88..=32_767;
/// `TCP_KEEPIDLE`/`TCP_KEEPINTVL` bounds in seconds (`MAX_TCP_KEEPIDLE`).
const KEEP_SECS_RANGE: core::ops::RangeInclusive<i64> = 1..=32_767;
/// `TCP_KEEPCNT` bounds (`MAX_TCP_KEEPCNT`).
const KEEPCNT_RANGE: core::ops::RangeInclusive<i64> = 1..=127;
/// `TCP_LINGER2` ceiling in seconds (`TCP_FIN_TIMEOUT_MAX`).
const LINGER2_MAX_SECS: u64 = 120;
/// The MSS `TCP_MAXSEG` reports before a connection has one (`TCP_MSS_DEFAULT`).
const DEFAULT_MSS: i64 = 536;

/// The engine's buffer size for `SO_RCVBUF`/`SO_SNDBUF` of `value`: Linux doubles the value
/// (for bookkeeping overhead), clamps it to its limits and reports the doubled size; the
/// engine holds half of that, which is about the payload Linux fits in it.
fn buffer_size(value: i64, max: usize, min_reported: usize) -> usize {
    let asked = usize::try_from(value).map_or(max, |v| v.min(max));
    asked.saturating_mul(2).max(min_reported) / 2
}

fn int(value: i64) -> Result<OptValue, Errno> {
    Ok(OptValue::Int(value))
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn in_range(value: i64, range: core::ops::RangeInclusive<i64>) -> Result<u64, Errno> {
    if range.contains(&value) {
        u64::try_from(value).map_err(|_| Errno::EINVAL)
    } else {
        Err(Errno::EINVAL)
    }
}

impl EngineSut {
    /// `setsockopt`: the option is kept with the socket and, on a connection, passed to the
    /// engine at once. A listener's options reach the connections it accepts.
    pub(super) fn set_option(
        &mut self,
        now: u64,
        fd: Fd,
        option: SockOpt,
        value: OptValue,
    ) -> Result<(), Errno> {
        let config = self.endpoint.config();
        let (recv_max, send_max) = (config.recv_buffer.max, config.send_buffer.max);
        let socket = self.fds.get_mut(fd).ok_or(Errno::EBADF)?;
        let OptValue::Int(v) = value else {
            let OptValue::Linger { on, seconds } = value else {
                return Err(Errno::EINVAL);
            };
            if option != SockOpt::Linger {
                return Err(Errno::EINVAL);
            }
            let seconds = u64::try_from(seconds).unwrap_or(0);
            socket.options.linger = on.then(|| Duration::from_secs(seconds));
            return self.apply(now, fd);
        };
        let options = &mut socket.options;
        match option {
            SockOpt::Linger => return Err(Errno::EINVAL),
            SockOpt::Error => return Err(Errno::ENOPROTOOPT),
            SockOpt::ReuseAddr => options.reuse_address = v != 0,
            SockOpt::KeepAlive => socket.keepalive_on = v != 0,
            SockOpt::RcvBuf => options.recv_buffer = Some(buffer_size(v, recv_max, MIN_RCVBUF)),
            SockOpt::SndBuf => options.send_buffer = Some(buffer_size(v, send_max, MIN_SNDBUF)),
            SockOpt::NoDelay => options.nodelay = v != 0,
            SockOpt::MaxSeg if v == 0 => options.max_segment = None,
            SockOpt::MaxSeg => {
                options.max_segment = Some(u16::try_from(in_range(v, MAXSEG_RANGE)?).unwrap_or(0));
            }
            SockOpt::UserTimeout => {
                let millis = u64::try_from(v).map_err(|_| Errno::EINVAL)?;
                options.user_timeout = (millis > 0).then(|| Duration::from_millis(millis));
            }
            // Negative: no FIN_WAIT_2 at all; 0: the system default; else capped seconds.
            SockOpt::Linger2 => {
                options.fin_wait2_timeout = match u64::try_from(v) {
                    Err(_) => Some(Duration::ZERO),
                    Ok(0) => None,
                    Ok(s) => Some(Duration::from_secs(s.min(LINGER2_MAX_SECS))),
                };
            }
            SockOpt::KeepIdle => {
                socket.keepalive.idle = Duration::from_secs(in_range(v, KEEP_SECS_RANGE)?);
            }
            SockOpt::KeepIntvl => {
                socket.keepalive.interval = Duration::from_secs(in_range(v, KEEP_SECS_RANGE)?);
            }
            SockOpt::KeepCnt => {
                socket.keepalive.probes = u32::try_from(in_range(v, KEEPCNT_RANGE)?).unwrap_or(1);
            }
            // Linux keeps the value as an unsigned int; 0 means the sysctl's (no limit).
            SockOpt::NotSentLowat => {
                socket.notsent_lowat = u32::try_from(v & 0xffff_ffff)
                    .ok()
                    .filter(|&bytes| bytes != 0);
            }
            SockOpt::Inq => socket.inq = v != 0,
            SockOpt::ZeroCopy => socket.zerocopy = v != 0,
            SockOpt::Info => return Err(Errno::ENOPROTOOPT),
        }
        self.apply(now, fd)
    }

    /// Recomputes the socket's keepalive option and hands the options to its connection.
    fn apply(&mut self, now: u64, fd: Fd) -> Result<(), Errno> {
        let socket = self.fds.get_mut(fd).ok_or(Errno::EBADF)?;
        socket.options.keepalive = socket.keepalive_on.then_some(socket.keepalive);
        if let Kind::Conn { handle, .. } = socket.kind {
            let at = Instant::from_micros(now);
            self.endpoint
                .set_options(at, handle, socket.options)
                .map_err(errno)?;
        }
        Ok(())
    }

    /// `getsockopt`, in Linux's units. `SO_ERROR` reads (and clears) the connection's error.
    pub(super) fn get_option(&mut self, fd: Fd, option: SockOpt) -> Result<OptValue, Errno> {
        let config = self.endpoint.config();
        let socket = self.fds.get(fd).ok_or(Errno::EBADF)?;
        let options = &socket.options;
        match option {
            SockOpt::ReuseAddr => int(i64::from(options.reuse_address)),
            SockOpt::KeepAlive => int(i64::from(socket.keepalive_on)),
            SockOpt::RcvBuf => int(reported_buffer(
                options.recv_buffer,
                config.recv_buffer.initial,
            )),
            SockOpt::SndBuf => int(reported_buffer(
                options.send_buffer,
                config.send_buffer.initial,
            )),
            SockOpt::Linger => Ok(OptValue::Linger {
                on: options.linger.is_some(),
                seconds: options
                    .linger
                    .map_or(0, |d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX)),
            }),
            SockOpt::NoDelay => int(i64::from(options.nodelay)),
            SockOpt::MaxSeg => int(self.mss(socket)),
            SockOpt::UserTimeout => int(options
                .user_timeout
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))),
            SockOpt::Linger2 => int(match options.fin_wait2_timeout {
                Some(Duration::ZERO) => -1,
                Some(timeout) => secs(timeout),
                None => secs(config.fin_wait2_timeout),
            }),
            SockOpt::KeepIdle => int(secs(socket.keepalive.idle)),
            SockOpt::KeepIntvl => int(secs(socket.keepalive.interval)),
            SockOpt::KeepCnt => int(i64::from(socket.keepalive.probes)),
            SockOpt::Error => self.take_so_error(fd),
            // Read back as the C int it is: UINT_MAX shows as -1.
            SockOpt::NotSentLowat => int(i64::from(socket.notsent_lowat.unwrap_or(0) as i32)),
            SockOpt::Inq => int(i64::from(socket.inq)),
            SockOpt::ZeroCopy => int(i64::from(socket.zerocopy)),
            SockOpt::Info => self.tcp_info(fd).map(OptValue::Info),
        }
    }

    /// `TCP_MAXSEG`: a connection's current send MSS; before that, the value set or 536.
    fn mss(&self, socket: &Socket) -> i64 {
        if let Kind::Conn { handle, .. } = socket.kind
            && let Ok(info) = self.endpoint.connection_info(handle)
            && info.state != State::Closed
        {
            return i64::from(info.send_mss);
        }
        socket.options.max_segment.map_or(DEFAULT_MSS, i64::from)
    }

    fn take_so_error(&mut self, fd: Fd) -> Result<OptValue, Errno> {
        let socket = self.fds.get_mut(fd).ok_or(Errno::EBADF)?;
        let Kind::Conn { handle, .. } = socket.kind else {
            return int(0);
        };
        match self.endpoint.take_error(handle) {
            Ok(Some(error)) => {
                socket.error_reported = true;
                int(i64::from(errno(error).number()))
            }
            _ => int(0),
        }
    }
}

/// `SO_RCVBUF`/`SO_SNDBUF` as `getsockopt` reports them: twice what was set, or the default.
fn reported_buffer(set: Option<usize>, default: usize) -> i64 {
    let size = set.map_or(default, |engine| engine.saturating_mul(2));
    i64::try_from(size).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_doubled_and_clamped_like_linux() {
        assert_eq!(buffer_size(1000, 1 << 20, MIN_RCVBUF), 1152);
        assert_eq!(buffer_size(10_000, 1 << 20, MIN_RCVBUF), 10_000);
        assert_eq!(buffer_size(-1, 1 << 20, MIN_RCVBUF), 1 << 20);
        assert_eq!(reported_buffer(Some(10_000), 5), 20_000);
        assert_eq!(reported_buffer(None, 131_072), 131_072);
    }
}

//! The arguments of one script call, read with the checks every call needs: their number,
//! integers and symbolic constants, fds mapped to the stack's, lengths, socket addresses,
//! zero flags and socket option names.

use super::call::CallError;
use super::symbols::{int_value, socket_address};
use crate::ast::{Expr, SyscallSpec};
use crate::sut::{Fd, SockOpt};
use core::net::SocketAddr;
use std::collections::HashMap;

/// TCP socket options of FreeBSD's that scripts for it set; Linux has none of them.
const BSD_ONLY: &[&str] = &["TCP_NOOPT", "TCP_KEEPINIT", "TCP_NOPUSH", "TCP_INFO_BSD"];

/// The largest buffer a call may name: the runner allocates what a script asks for.
pub(super) const MAX_BUFFER: usize = 64 << 20;

/// `len` if the runner will allocate that much.
pub(super) fn buffer_len(len: usize) -> Result<usize, CallError> {
    if len > MAX_BUFFER {
        return Err(CallError::Unsupported(format!(
            "a buffer of {len} bytes (at most {MAX_BUFFER})"
        )));
    }
    Ok(len)
}

/// A call's arguments with the checks every call needs.
pub(super) struct Args<'a> {
    pub(super) spec: &'a SyscallSpec,
    pub(super) fds: &'a HashMap<i64, Fd>,
}

impl Args<'_> {
    pub(super) fn count(&self, expected: usize) -> Result<(), CallError> {
        if self.spec.args.len() == expected {
            return Ok(());
        }
        Err(CallError::Invalid(format!(
            "{} takes {expected} arguments, not {}",
            self.spec.name,
            self.spec.args.len()
        )))
    }

    pub(super) fn int(&self, index: usize) -> Result<i64, CallError> {
        let arg = self.spec.args.get(index).ok_or_else(|| {
            CallError::Invalid(format!("{} needs argument {index}", self.spec.name))
        })?;
        int_value(arg).ok_or_else(|| CallError::Unsupported(format!("argument '{arg}'")))
    }

    pub(super) fn fd(&self, index: usize) -> Result<Fd, CallError> {
        Ok(self.fd_number(self.int(index)?))
    }

    /// The stack's fd for the script's fd number `script_fd` (`Fd(-1)` if never opened).
    pub(super) fn fd_number(&self, script_fd: i64) -> Fd {
        self.fds.get(&script_fd).copied().unwrap_or(Fd(-1))
    }

    /// A buffer length: not negative, and at most [`MAX_BUFFER`] (the runner allocates it).
    pub(super) fn len(&self, index: usize) -> Result<usize, CallError> {
        let len = self.int(index)?;
        let len = usize::try_from(len).map_err(|_| CallError::Invalid(format!("length {len}")))?;
        buffer_len(len)
    }

    /// `...` means `default`; otherwise a socket address (an IPv4-mapped IPv6 one as the
    /// IPv4 address it maps, as a dual-stack socket uses it).
    pub(super) fn address(
        &self,
        index: usize,
        default: SocketAddr,
    ) -> Result<SocketAddr, CallError> {
        match &self.spec.args[index] {
            Expr::Ellipsis => Ok(default),
            other => Ok(socket_address(other)?),
        }
    }

    /// The (level, name) pair of `setsockopt`/`getsockopt`.
    pub(super) fn sockopt(&self) -> Result<SockOpt, CallError> {
        let (level, name) = (&self.spec.args[1], &self.spec.args[2]);
        let option = match (int_value(level), int_value(name)) {
            (Some(1), Some(2)) => SockOpt::ReuseAddr,
            (Some(1), Some(4)) => SockOpt::Error,
            (Some(1), Some(7)) => SockOpt::SndBuf,
            (Some(1), Some(8)) => SockOpt::RcvBuf,
            (Some(1), Some(9)) => SockOpt::KeepAlive,
            (Some(1), Some(13)) => SockOpt::Linger,
            (Some(6), Some(1)) => SockOpt::NoDelay,
            (Some(6), Some(2)) => SockOpt::MaxSeg,
            (Some(6), Some(4)) => SockOpt::KeepIdle,
            (Some(6), Some(5)) => SockOpt::KeepIntvl,
            (Some(6), Some(6)) => SockOpt::KeepCnt,
            (Some(6), Some(8)) => SockOpt::Linger2,
            (Some(6), Some(18)) => SockOpt::UserTimeout,
            (Some(6), Some(11)) => SockOpt::Info,
            (Some(6), Some(25)) => SockOpt::NotSentLowat,
            (Some(6), Some(36)) => SockOpt::Inq,
            (Some(1), Some(60)) => SockOpt::ZeroCopy,
            (Some(6), Some(23 | 30 | 33 | 34)) => {
                return Err(CallError::Unsupported(format!(
                    "socket option {name}: Fast Open not supported"
                )));
            }
            _ if BSD_ONLY.contains(&name.to_string().as_str()) => {
                return Err(CallError::Unsupported(format!(
                    "socket option {name}: a FreeBSD option, which Linux does not have"
                )));
            }
            _ => {
                return Err(CallError::Unsupported(format!(
                    "socket option {level}/{name}"
                )));
            }
        };
        Ok(option)
    }
}

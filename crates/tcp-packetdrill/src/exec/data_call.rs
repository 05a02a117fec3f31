//! The data and readiness calls: `read`/`recv`/`recvfrom`/`recvmsg`,
//! `write`/`send`/`sendto`/`sendmsg` with their `MSG_*` flags, `ioctl`'s queue sizes and
//! `poll`, translated into [`SocketCall`]s.

use super::args::{Args, buffer_len};
use super::call::{CallError, Effect, Expect, Translated};
use super::symbols::{boxed_int, int_value};
use crate::ast::Expr;
use crate::sut::{Queue, SocketCall};

const MSG_OOB: i64 = 0x1;
const MSG_PEEK: i64 = 0x2;
const MSG_DONTWAIT: i64 = 0x40;
const MSG_EOR: i64 = 0x80;
const MSG_NOSIGNAL: i64 = 0x4000;
const MSG_ZEROCOPY: i64 = 0x400_0000;
const MSG_FASTOPEN: i64 = 0x2000_0000;

/// `FIONREAD`/`SIOCINQ`, `TIOCOUTQ`/`SIOCOUTQ`, `SIOCOUTQNSD`.
const SIOCINQ: i64 = 0x541b;
const SIOCOUTQ: i64 = 0x5411;
const SIOCOUTQNSD: i64 = 0x894b;

/// The calls this module translates.
pub(super) const NAMES: &[&str] = &[
    "read", "recv", "recvfrom", "recvmsg", "write", "send", "sendto", "sendmsg", "ioctl", "poll",
];

/// Translates one of [`NAMES`].
pub(super) fn translate(args: &Args<'_>) -> Result<Translated, CallError> {
    let spec = args.spec;
    let call = match spec.name.as_str() {
        "read" | "recv" | "recvfrom" => {
            args.count(match spec.name.as_str() {
                "read" => 3,
                "recv" => 4,
                _ => 6,
            })?;
            buffer(&spec.args[1], &spec.name)?;
            let (peek, dont_wait) = recv_flags(spec.args.get(3))?;
            SocketCall::Read {
                fd: args.fd(0)?,
                len: args.len(2)?,
                peek,
                dont_wait,
            }
        }
        "recvmsg" => {
            args.count(3)?;
            let (peek, dont_wait) = recv_flags(spec.args.get(2))?;
            SocketCall::Read {
                fd: args.fd(0)?,
                len: message_len(&spec.args[1])?,
                peek,
                dont_wait,
            }
        }
        "write" | "send" | "sendto" => {
            args.count(match spec.name.as_str() {
                "write" => 3,
                "send" => 4,
                _ => 6,
            })?;
            buffer(&spec.args[1], &spec.name)?;
            SocketCall::Write {
                fd: args.fd(0)?,
                data: vec![0; args.len(2)?],
                dont_wait: send_flags(spec.args.get(3))?,
            }
        }
        "sendmsg" => {
            args.count(3)?;
            SocketCall::Write {
                fd: args.fd(0)?,
                data: vec![0; message_len(&spec.args[1])?],
                dont_wait: send_flags(spec.args.get(2))?,
            }
        }
        "ioctl" => return ioctl(args),
        _ => return poll(args),
    };
    Ok(Translated {
        call,
        expect: Expect::Value,
        effect: Effect::None,
    })
}

/// Only `...` buffers: the runner sends zeros and does not check what it reads.
fn buffer(arg: &Expr, name: &str) -> Result<(), CallError> {
    if *arg == Expr::Ellipsis {
        return Ok(());
    }
    Err(CallError::Unsupported(format!(
        "{name} buffer '{arg}' (only ... is supported)"
    )))
}

fn flags(arg: Option<&Expr>) -> Result<i64, CallError> {
    match arg {
        None => Ok(0),
        Some(expr) => {
            int_value(expr).ok_or_else(|| CallError::Unsupported(format!("flags '{expr}'")))
        }
    }
}

/// `MSG_PEEK` and `MSG_DONTWAIT` are honoured; others are not supported.
fn recv_flags(arg: Option<&Expr>) -> Result<(bool, bool), CallError> {
    let flags = flags(arg)?;
    let rest = flags & !(MSG_PEEK | MSG_DONTWAIT);
    if rest != 0 {
        return Err(CallError::Unsupported(format!(
            "receive flags {rest:#x} (MSG_PEEK and MSG_DONTWAIT are)"
        )));
    }
    Ok((flags & MSG_PEEK != 0, flags & MSG_DONTWAIT != 0))
}

/// `MSG_DONTWAIT` is honoured and `MSG_NOSIGNAL` changes nothing (the runner takes no
/// signals); `MSG_FASTOPEN` is Fast Open, and `MSG_EOR` needs record boundaries the engine
/// does not keep.
fn send_flags(arg: Option<&Expr>) -> Result<bool, CallError> {
    let flags = flags(arg)?;
    if flags & MSG_FASTOPEN != 0 {
        return Err(CallError::Unsupported(
            "send flag MSG_FASTOPEN: Fast Open not supported".into(),
        ));
    }
    if flags & MSG_EOR != 0 {
        return Err(CallError::Unsupported(
            "send flag MSG_EOR: the engine joins writes into segments without record \
             boundaries"
                .into(),
        ));
    }
    if flags & MSG_ZEROCOPY != 0 {
        return Err(CallError::Unsupported(
            "send flag MSG_ZEROCOPY: its completions on the error queue are not modelled".into(),
        ));
    }
    let rest = flags & !(MSG_DONTWAIT | MSG_NOSIGNAL);
    if rest != 0 {
        let what = if rest & MSG_OOB != 0 {
            " (MSG_OOB)"
        } else {
            ""
        };
        return Err(CallError::Unsupported(format!(
            "send flags {rest:#x}{what} (MSG_DONTWAIT and MSG_NOSIGNAL are)"
        )));
    }
    Ok(flags & MSG_DONTWAIT != 0)
}

/// The total length of a `struct msghdr`'s iovecs:
/// `{msg_name(...)=..., msg_iov(1)=[{...,1000}], msg_flags=0}`; control messages are not
/// supported.
fn message_len(msg: &Expr) -> Result<usize, CallError> {
    let invalid = || CallError::Invalid(format!("'{msg}' is not a struct msghdr"));
    let Expr::Struct(fields) = msg else {
        return Err(invalid());
    };
    let mut total = None;
    for field in fields {
        let Expr::Assign(name, value) = field else {
            return Err(invalid());
        };
        let name = match name.as_ref() {
            Expr::Call(name, _) | Expr::Word(name) => name.as_str(),
            _ => return Err(invalid()),
        };
        match name {
            "msg_name" | "msg_flags" => {}
            "msg_iov" => {
                let Expr::Array(iovecs) = value.as_ref() else {
                    return Err(invalid());
                };
                let mut sum = 0usize;
                for iovec in iovecs {
                    sum = sum.saturating_add(iovec_len(iovec).ok_or_else(invalid)?);
                }
                total = Some(sum);
            }
            "msg_control" | "msg_controllen" => {
                return Err(CallError::Unsupported(
                    "control messages (msg_control)".into(),
                ));
            }
            _ => return Err(invalid()),
        }
    }
    buffer_len(total.ok_or_else(invalid)?)
}

/// `{..., 1000}` or `{iov_base=..., iov_len=1000}`.
fn iovec_len(iovec: &Expr) -> Option<usize> {
    let Expr::Struct(parts) = iovec else {
        return None;
    };
    let len = match parts.as_slice() {
        [Expr::Ellipsis, len] => len,
        [Expr::Assign(_, base), Expr::Assign(_, len)] if **base == Expr::Ellipsis => len,
        _ => return None,
    };
    usize::try_from(int_value(len)?).ok()
}

/// `ioctl(fd, SIOCINQ, [N])` and the other queue sizes.
fn ioctl(args: &Args<'_>) -> Result<Translated, CallError> {
    args.count(3)?;
    let queue = match args.int(1)? {
        SIOCINQ => Queue::Receive,
        SIOCOUTQ => Queue::Send,
        SIOCOUTQNSD => Queue::Unsent,
        _ => {
            return Err(CallError::Unsupported(format!(
                "ioctl request {}",
                args.spec.args[1]
            )));
        }
    };
    Ok(Translated {
        call: SocketCall::QueueSize {
            fd: args.fd(0)?,
            queue,
        },
        expect: Expect::OutValue(args.spec.args[2].clone()),
        effect: Effect::None,
    })
}

/// `poll([{fd=4, events=POLLIN, revents=POLLIN}, ...], nfds, timeout_ms)`.
fn poll(args: &Args<'_>) -> Result<Translated, CallError> {
    args.count(3)?;
    let spec = args.spec;
    let Expr::Array(items) = &spec.args[0] else {
        return Err(CallError::Invalid(format!(
            "'{}' is not an array of struct pollfd",
            spec.args[0]
        )));
    };
    if usize::try_from(args.int(1)?).ok() != Some(items.len()) {
        return Err(CallError::Invalid(format!(
            "poll nfds {} is not the {} entries given",
            spec.args[1],
            items.len()
        )));
    }
    let mut fds = Vec::new();
    let mut revents = Vec::new();
    for item in items {
        let (fd, events, expected) = pollfd(item)?;
        fds.push((args.fd_number(fd), events));
        revents.push(expected);
    }
    Ok(Translated {
        call: SocketCall::Poll {
            fds,
            timeout_ms: args.int(2)?,
        },
        expect: Expect::Ready(revents),
        effect: Effect::None,
    })
}

/// One `{fd=N, events=..., revents=...}`: the fd, the events and the expected revents.
fn pollfd(item: &Expr) -> Result<(i64, u32, Option<Expr>), CallError> {
    let invalid = || CallError::Invalid(format!("'{item}' is not a struct pollfd"));
    let Expr::Struct(fields) = item else {
        return Err(invalid());
    };
    let (mut fd, mut events, mut revents) = (None, None, None);
    for field in fields {
        let Expr::Assign(name, value) = field else {
            return Err(invalid());
        };
        match name.to_string().as_str() {
            "fd" => fd = Some(int_value(value).ok_or_else(invalid)?),
            "events" => events = Some(boxed_int(value).ok_or_else(invalid)?),
            "revents" => revents = Some(value.as_ref().clone()),
            _ => return Err(invalid()),
        }
    }
    let events = u32::try_from(events.unwrap_or(0)).map_err(|_| invalid())?;
    Ok((fd.ok_or_else(invalid)?, events, revents))
}

//! Script system calls translated into [`SocketCall`]s, with what their result must be
//! checked against and what they tell the runner about the connection under test.

use super::args::Args;
use super::data_call;
use super::epoll_call;
use super::symbols::{AddrError, O_NONBLOCK, boxed_int, int_value};
use crate::ast::{Expr, SyscallSpec};
use crate::config::RunConfig;
use crate::sut::{Fd, OptValue, Shutdown, SockOpt, SocketCall};
use core::net::SocketAddr;
use std::collections::HashMap;

/// How the call's success value is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Expect {
    /// It equals the script's result.
    Value,
    /// It is a new fd, which the script's result names from now on; with `nonblocking` the
    /// runner then sets `O_NONBLOCK` on it (`SOCK_NONBLOCK`).
    NewFd {
        /// Set `O_NONBLOCK` after creation.
        nonblocking: bool,
    },
    /// `getsockopt`: the call returns 0 and the option equals this argument.
    OptionValue(SockOpt, Expr),
    /// `fcntl(F_GETFL)`: the stack's 0/1 becomes `O_RDWR` or `O_RDWR|O_NONBLOCK`.
    StatusFlags,
    /// `ioctl`: the call returns 0 and its out value (`[N]`) equals this argument.
    OutValue(Expr),
    /// `poll`: the call returns the number of ready fds, and each fd's `revents` equals the
    /// script's, where it gives one.
    Ready(Vec<Option<Expr>>),
    /// `epoll_wait`: the call returns the number of events, and they are these
    /// `(events, data)` in order, where the script gives them.
    Events(Vec<(Option<Expr>, Option<Expr>)>),
}

/// What a call tells the runner about the connection under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    /// Nothing.
    None,
    /// On success, inbound connections arrive on this port.
    Bound(u16),
    /// On success, the next inbound packet opens a new connection.
    Listening,
    /// From the call on, the connection under test is the one to this address.
    Connecting(SocketAddr),
}

/// A call ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Translated {
    pub(super) call: SocketCall,
    pub(super) expect: Expect,
    pub(super) effect: Effect,
}

/// Why a call cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CallError {
    /// Valid packetdrill this runner does not support.
    Unsupported(String),
    /// Not a valid call.
    Invalid(String),
}

impl From<AddrError> for CallError {
    fn from(error: AddrError) -> CallError {
        match error {
            AddrError::Unsupported(message) => CallError::Unsupported(message),
            AddrError::Invalid(message) => CallError::Invalid(message),
        }
    }
}

/// Translates `spec`, naming fds through `fds` (an fd the script never opened becomes
/// `Fd(-1)`, which the stack answers with `EBADF`).
pub(super) fn translate(
    spec: &SyscallSpec,
    fds: &HashMap<i64, Fd>,
    config: &RunConfig,
) -> Result<Translated, CallError> {
    let args = Args { spec, fds };
    let translated = match spec.name.as_str() {
        "socket" => socket(&args)?,
        "bind" => {
            args.count(3)?;
            let addr = args.address(1, SocketAddr::new(config.local_ip, config.bind_port))?;
            Translated {
                call: SocketCall::Bind {
                    fd: args.fd(0)?,
                    addr,
                },
                expect: Expect::Value,
                effect: Effect::Bound(addr.port()),
            }
        }
        "listen" => {
            args.count(2)?;
            let backlog = args.int(1)?;
            Translated {
                call: SocketCall::Listen {
                    fd: args.fd(0)?,
                    backlog: i32::try_from(backlog).unwrap_or(i32::MAX),
                },
                expect: Expect::Value,
                effect: Effect::Listening,
            }
        }
        "accept" => {
            args.count(3)?;
            Translated {
                call: SocketCall::Accept { fd: args.fd(0)? },
                expect: Expect::NewFd { nonblocking: false },
                effect: Effect::None,
            }
        }
        "connect" => {
            args.count(3)?;
            let addr = args.address(1, SocketAddr::new(config.remote_ip, config.connect_port))?;
            Translated {
                call: SocketCall::Connect {
                    fd: args.fd(0)?,
                    addr,
                },
                expect: Expect::Value,
                effect: Effect::Connecting(addr),
            }
        }
        name if data_call::NAMES.contains(&name) => data_call::translate(&args)?,
        name if epoll_call::NAMES.contains(&name) => epoll_call::translate(&args)?,
        "close" => {
            args.count(1)?;
            value_call(SocketCall::Close { fd: args.fd(0)? })
        }
        "shutdown" => {
            args.count(2)?;
            let how = match args.int(1)? {
                0 => Shutdown::Read,
                1 => Shutdown::Write,
                2 => Shutdown::Both,
                other => return Err(CallError::Invalid(format!("shutdown how {other}"))),
            };
            value_call(SocketCall::Shutdown {
                fd: args.fd(0)?,
                how,
            })
        }
        "setsockopt" => {
            args.count(5)?;
            let option = args.sockopt()?;
            let value_arg = &spec.args[3];
            let value = if option == SockOpt::Linger {
                linger(value_arg)?
            } else {
                OptValue::Int(boxed_int(value_arg).ok_or_else(|| {
                    CallError::Invalid(format!("option value '{value_arg}' is not an integer"))
                })?)
            };
            value_call(SocketCall::SetOption {
                fd: args.fd(0)?,
                option,
                value,
            })
        }
        "getsockopt" => {
            args.count(5)?;
            let option = args.sockopt()?;
            Translated {
                call: SocketCall::GetOption {
                    fd: args.fd(0)?,
                    option,
                },
                expect: Expect::OptionValue(option, spec.args[3].clone()),
                effect: Effect::None,
            }
        }
        "fcntl" => fcntl(&args)?,
        other => {
            return Err(CallError::Unsupported(format!("system call '{other}'")));
        }
    };
    Ok(translated)
}

fn value_call(call: SocketCall) -> Translated {
    Translated {
        call,
        expect: Expect::Value,
        effect: Effect::None,
    }
}

/// `socket(..., SOCK_STREAM[|SOCK_NONBLOCK], IPPROTO_TCP)`.
fn socket(args: &Args<'_>) -> Result<Translated, CallError> {
    args.count(3)?;
    let spec = args.spec;
    let domain = &spec.args[0];
    if *domain != Expr::Ellipsis && !matches!(int_value(domain), Some(2 | 10)) {
        return Err(CallError::Unsupported(format!(
            "socket domain {domain} (only AF_INET and AF_INET6)"
        )));
    }
    let kind = args.int(1)?;
    if kind & !O_NONBLOCK != 1 {
        return Err(CallError::Unsupported(format!(
            "socket type {} (only SOCK_STREAM)",
            spec.args[1]
        )));
    }
    let protocol = &spec.args[2];
    if *protocol != Expr::Ellipsis && !matches!(int_value(protocol), Some(0 | 6)) {
        return Err(CallError::Unsupported(format!(
            "socket protocol {protocol} (only IPPROTO_TCP)"
        )));
    }
    Ok(Translated {
        call: SocketCall::Socket,
        expect: Expect::NewFd {
            nonblocking: kind & O_NONBLOCK != 0,
        },
        effect: Effect::None,
    })
}

/// `fcntl(fd, F_GETFL)` and `fcntl(fd, F_SETFL, flags)`.
fn fcntl(args: &Args<'_>) -> Result<Translated, CallError> {
    let fd = args.fd(0)?;
    match args.int(1)? {
        3 => {
            args.count(2)?;
            Ok(Translated {
                call: SocketCall::GetNonBlocking { fd },
                expect: Expect::StatusFlags,
                effect: Effect::None,
            })
        }
        4 => {
            args.count(3)?;
            Ok(value_call(SocketCall::SetNonBlocking {
                fd,
                nonblocking: args.int(2)? & O_NONBLOCK != 0,
            }))
        }
        _ => Err(CallError::Unsupported(format!(
            "fcntl command {}",
            args.spec.args[1]
        ))),
    }
}

/// `{onoff=1, linger=0}`, `{l_onoff=1, l_linger=0}` or `{1, 0}`.
pub(super) fn linger(expr: &Expr) -> Result<OptValue, CallError> {
    let invalid = || CallError::Invalid(format!("'{expr}' is not a struct linger"));
    let Expr::Struct(fields) = expr else {
        return Err(invalid());
    };
    let mut values = [None, None];
    for (index, field) in fields.iter().enumerate() {
        let (slot, value) = match field {
            Expr::Assign(name, value) => match name.to_string().as_str() {
                "onoff" | "l_onoff" => (0, value.as_ref()),
                "linger" | "l_linger" => (1, value.as_ref()),
                _ => return Err(invalid()),
            },
            value if index < 2 => (index, value),
            _ => return Err(invalid()),
        };
        values[slot] = Some(int_value(value).ok_or_else(invalid)?);
    }
    match values {
        [Some(on), Some(seconds)] => Ok(OptValue::Linger {
            on: on != 0,
            seconds: i32::try_from(seconds).map_err(|_| invalid())?,
        }),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::EventKind;
    use crate::parse_script;
    use core::net::{Ipv4Addr, SocketAddrV4};

    fn run(source: &str) -> Result<Translated, CallError> {
        let script = parse_script(&format!("0 {source}")).unwrap();
        let EventKind::Syscall(spec) = &script.events[0].kind else {
            panic!("not a syscall");
        };
        let fds = HashMap::from([(3, Fd(10)), (4, Fd(11))]);
        translate(spec, &fds, &RunConfig::default())
    }

    fn call(source: &str) -> SocketCall {
        run(source).unwrap().call
    }

    #[test]
    fn connection_calls_use_packetdrill_defaults() {
        let t = run("socket(..., SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3").unwrap();
        assert_eq!(t.call, SocketCall::Socket);
        assert_eq!(t.expect, Expect::NewFd { nonblocking: true });
        let t = run("bind(3, ..., ...) = 0").unwrap();
        let local = SocketAddrV4::new(Ipv4Addr::new(192, 168, 0, 1), 8080);
        assert_eq!(
            t.call,
            SocketCall::Bind {
                fd: Fd(10),
                addr: SocketAddr::V4(local)
            }
        );
        assert_eq!(t.effect, Effect::Bound(8080));
        let t = run("connect(4, ..., ...) = -1 EINPROGRESS (Operation now in progress)").unwrap();
        let remote = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 8080);
        assert_eq!(t.effect, Effect::Connecting(SocketAddr::V4(remote)));
        assert_eq!(
            call("listen(3, 1) = 0"),
            SocketCall::Listen {
                fd: Fd(10),
                backlog: 1
            }
        );
        assert_eq!(
            run("accept(3, ..., ...) = 4").unwrap().expect,
            Expect::NewFd { nonblocking: false }
        );
    }

    #[test]
    fn data_and_close_calls() {
        assert_eq!(
            call("write(4, ..., 3) = 3"),
            SocketCall::Write {
                fd: Fd(11),
                data: vec![0; 3],
                dont_wait: false
            }
        );
        assert_eq!(
            call("send(4, ..., 3, MSG_DONTWAIT|MSG_NOSIGNAL) = 3"),
            SocketCall::Write {
                fd: Fd(11),
                data: vec![0; 3],
                dont_wait: true
            }
        );
        assert_eq!(
            call("recv(4, ..., 100, MSG_PEEK) = 3"),
            SocketCall::Read {
                fd: Fd(11),
                len: 100,
                peek: true,
                dont_wait: false
            }
        );
        assert_eq!(
            call("shutdown(4, SHUT_WR) = 0"),
            SocketCall::Shutdown {
                fd: Fd(11),
                how: Shutdown::Write
            }
        );
        assert_eq!(
            call("close(9) = -1 EBADF"),
            SocketCall::Close { fd: Fd(-1) }
        );
    }

    #[test]
    fn socket_options() {
        assert_eq!(
            call("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"),
            SocketCall::SetOption {
                fd: Fd(10),
                option: SockOpt::ReuseAddr,
                value: OptValue::Int(1)
            }
        );
        assert_eq!(
            call("setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0"),
            SocketCall::SetOption {
                fd: Fd(11),
                option: SockOpt::Linger,
                value: OptValue::Linger {
                    on: true,
                    seconds: 0
                }
            }
        );
        for (name, option) in [
            ("TCP_NODELAY", SockOpt::NoDelay),
            ("TCP_MAXSEG", SockOpt::MaxSeg),
            ("TCP_USER_TIMEOUT", SockOpt::UserTimeout),
            ("TCP_LINGER2", SockOpt::Linger2),
            ("TCP_KEEPIDLE", SockOpt::KeepIdle),
            ("TCP_KEEPINTVL", SockOpt::KeepIntvl),
            ("TCP_KEEPCNT", SockOpt::KeepCnt),
        ] {
            assert_eq!(
                call(&format!("setsockopt(3, IPPROTO_TCP, {name}, [5], 4) = 0")),
                SocketCall::SetOption {
                    fd: Fd(10),
                    option,
                    value: OptValue::Int(5)
                }
            );
        }
        for (name, option) in [
            ("SO_RCVBUF", SockOpt::RcvBuf),
            ("SO_SNDBUF", SockOpt::SndBuf),
            ("SO_KEEPALIVE", SockOpt::KeepAlive),
        ] {
            assert_eq!(
                call(&format!("setsockopt(3, SOL_SOCKET, {name}, [5], 4) = 0")),
                SocketCall::SetOption {
                    fd: Fd(10),
                    option,
                    value: OptValue::Int(5)
                }
            );
        }
        let t = run("getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0").unwrap();
        assert_eq!(
            t.call,
            SocketCall::GetOption {
                fd: Fd(10),
                option: SockOpt::Error
            }
        );
        assert_eq!(
            t.expect,
            Expect::OptionValue(
                SockOpt::Error,
                Expr::Array(vec![Expr::Word("ECONNREFUSED".into())])
            )
        );
    }

    #[test]
    fn message_calls_ioctl_and_poll() {
        assert_eq!(
            call(
                "sendmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 10}, {iov_base=..., iov_len=5}], msg_flags=0}, 0) = 15"
            ),
            SocketCall::Write {
                fd: Fd(11),
                data: vec![0; 15],
                dont_wait: false
            }
        );
        assert_eq!(
            call(
                "recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 100}], msg_flags=0}, MSG_DONTWAIT) = 3"
            ),
            SocketCall::Read {
                fd: Fd(11),
                len: 100,
                peek: false,
                dont_wait: true
            }
        );
        assert_eq!(
            call("sendto(4, ..., 7, 0, ..., ...) = 7"),
            SocketCall::Write {
                fd: Fd(11),
                data: vec![0; 7],
                dont_wait: false
            }
        );
        let t = run("ioctl(4, SIOCOUTQ, [1000]) = 0").unwrap();
        assert_eq!(
            t.call,
            SocketCall::QueueSize {
                fd: Fd(11),
                queue: crate::sut::Queue::Send
            }
        );
        assert_eq!(
            t.expect,
            Expect::OutValue(Expr::Array(vec![Expr::Int(1000)]))
        );
        let t = run("poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1").unwrap();
        assert_eq!(
            t.call,
            SocketCall::Poll {
                fds: vec![(Fd(11), 0x5)],
                timeout_ms: 0
            }
        );
        assert_eq!(
            t.expect,
            Expect::Ready(vec![Some(Expr::Word("POLLOUT".into()))])
        );
        assert!(matches!(
            run("poll([{fd=4, events=POLLIN}], 2, 0) = 0"),
            Err(CallError::Invalid(_))
        ));
    }

    #[test]
    fn fcntl_nonblocking() {
        assert_eq!(
            call("fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0"),
            SocketCall::SetNonBlocking {
                fd: Fd(10),
                nonblocking: true
            }
        );
        let t = run("fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)").unwrap();
        assert_eq!(t.call, SocketCall::GetNonBlocking { fd: Fd(10) });
        assert_eq!(t.expect, Expect::StatusFlags);
    }

    #[test]
    fn unsupported_and_invalid_calls() {
        for source in [
            "epoll_pwait(5, ..., 1, 0, ...) = 0",
            "socket(AF_UNIX, SOCK_STREAM, 0) = 3",
            "socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3",
            "setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, \"reno\", 4) = 0",
            "send(4, ..., 10, MSG_EOR) = 10",
            "sendto(4, ..., 10, MSG_FASTOPEN, ..., ...) = 10",
            "recv(4, ..., 10, MSG_WAITALL) = 10",
            "recvmsg(4, {msg_iov(1)=[{..., 10}], msg_control(16)=..., msg_flags=0}, 0) = 10",
            "ioctl(4, FIONBIO, [1]) = 0",
            "write(4, ..., 999999999999) = 1",
            "sendmsg(4, {msg_iov(2)=[{..., 9223372036854775807}, {..., 9}], msg_flags=0}, 0) = 1",
            "setsockopt(4, IPPROTO_TCP, TCP_NOOPT, [1], 4) = 0",
            "setsockopt(4, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0",
            "write(4, \"abc\", 3) = 3",
        ] {
            assert!(
                matches!(run(source), Err(CallError::Unsupported(_))),
                "{source}"
            );
        }
        for source in [
            "close(3, 4) = 0",
            "shutdown(3, 7) = 0",
            "read(3, ..., -1) = 0",
        ] {
            assert!(
                matches!(run(source), Err(CallError::Invalid(_))),
                "{source}"
            );
        }
    }
}

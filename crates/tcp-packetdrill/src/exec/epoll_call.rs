//! `epoll_create`, `epoll_ctl` and `epoll_wait`, translated into [`SocketCall`]s.

use super::args::Args;
use super::call::{CallError, Effect, Expect, Translated};
use super::symbols::int_value;
use crate::ast::Expr;
use crate::sut::{EpollOp, SocketCall};

/// The calls this module translates.
pub(super) const NAMES: &[&str] = &["epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait"];

/// Translates one of [`NAMES`].
pub(super) fn translate(args: &Args<'_>) -> Result<Translated, CallError> {
    let spec = args.spec;
    let (call, expect) = match spec.name.as_str() {
        "epoll_create" | "epoll_create1" => {
            args.count(1)?;
            (
                SocketCall::EpollCreate,
                Expect::NewFd { nonblocking: false },
            )
        }
        "epoll_ctl" => {
            args.count(4)?;
            let op = match args.int(1)? {
                1 => EpollOp::Add,
                2 => EpollOp::Delete,
                3 => EpollOp::Modify,
                other => return Err(CallError::Invalid(format!("epoll_ctl op {other}"))),
            };
            let (events, data) = match op {
                EpollOp::Delete if spec.args[3] == Expr::Ellipsis => (None, None),
                _ => event(&spec.args[3])?,
            };
            let call = SocketCall::EpollCtl {
                epfd: args.fd(0)?,
                op,
                fd: args.fd(2)?,
                events: events_bits(events)?,
                data: data.and_then(|d| int_value(&d)).map_or(0, |d| d as u64),
            };
            (call, Expect::Value)
        }
        _ => {
            args.count(4)?;
            let expected = match &spec.args[1] {
                Expr::Array(items) => items.iter().map(event).collect::<Result<_, _>>()?,
                Expr::Ellipsis => Vec::new(),
                one => vec![event(one)?],
            };
            let call = SocketCall::EpollWait {
                epfd: args.fd(0)?,
                max: args.len(2)?,
                timeout_ms: args.int(3)?,
            };
            (call, Expect::Events(expected))
        }
    };
    Ok(Translated {
        call,
        expect,
        effect: Effect::None,
    })
}

/// `{events=EPOLLIN|EPOLLET, fd=4}` (or `ptr=`, `u32=`, `u64=` for the data): the events and
/// the data, as written.
fn event(expr: &Expr) -> Result<(Option<Expr>, Option<Expr>), CallError> {
    let invalid = || CallError::Invalid(format!("'{expr}' is not a struct epoll_event"));
    let Expr::Struct(fields) = expr else {
        return Err(invalid());
    };
    let (mut events, mut data) = (None, None);
    for field in fields {
        let Expr::Assign(name, value) = field else {
            return Err(invalid());
        };
        match name.to_string().as_str() {
            "events" => events = Some(value.as_ref().clone()),
            "fd" | "ptr" | "u32" | "u64" | "data" => data = Some(value.as_ref().clone()),
            _ => return Err(invalid()),
        }
    }
    Ok((events, data))
}

fn events_bits(events: Option<Expr>) -> Result<u32, CallError> {
    let Some(events) = events else {
        return Ok(0);
    };
    int_value(&events)
        .map(|bits| bits as u32)
        .ok_or_else(|| CallError::Unsupported(format!("epoll events '{events}'")))
}

//! System call events: run the translated call, follow it while it blocks, and check its
//! result and return time against the script.

use super::call::{CallError, Effect, Expect, Translated, linger, translate};
use super::out_value;
use super::symbols::{O_NONBLOCK, O_RDWR, boxed_int, int_value};
use super::timing::{Due, secs, timing_failure};
use super::{Runner, Stop};
use crate::ast::{Expr, SyscallSpec};
use crate::errno::Errno;
use crate::outcome::Failure;
use crate::sut::{
    CallStatus, Fd, OptValue, SockOpt, SocketCall, StackUnderTest, SysResult, SysValue,
};

/// A call that has started and not yet been checked.
#[derive(Debug)]
pub(super) struct Pending {
    line: usize,
    spec: SyscallSpec,
    translated: Translated,
    /// When the script says it returns.
    end: u64,
    tolerance: u64,
}

impl Pending {
    /// `name(args) = result [ERRNO]`, the script's expectation.
    fn expected(&self) -> String {
        let mut text = format!("{} = {}", self.spec, self.spec.result);
        if let Some(errno) = &self.spec.errno {
            text.push(' ');
            text.push_str(errno);
        }
        text
    }

    fn mismatch(&self, got: &str, detail: Option<&str>) -> Stop {
        Stop::Fail(Failure::mismatch(self.line, &self.expected(), got, detail))
    }
}

impl<S: StackUnderTest + ?Sized> Runner<'_, S> {
    /// Starts the call of a system call event at the current time. A call without `...end`
    /// must return within the tolerance; one with it may block until its end time while later
    /// events run.
    pub(super) fn syscall(
        &mut self,
        line: usize,
        spec: &SyscallSpec,
        due: &Due,
    ) -> Result<(), Stop> {
        let translated = translate(spec, &self.fds, self.config).map_err(|error| match error {
            CallError::Unsupported(what) => Stop::Skip(format!("line {line}: unsupported {what}")),
            CallError::Invalid(message) => Stop::Fail(Failure::at(line, message)),
        })?;
        if let (Effect::Connecting(remote), SocketCall::Connect { fd, .. }) =
            (translated.effect, &translated.call)
        {
            self.tracker.connecting(remote, *fd);
        }
        let end = spec
            .blocking_end
            .map_or(self.now, |end| due.offset.saturating_add(end));
        let status = self.sut.syscall(self.now, &translated.call);
        let pending = Pending {
            line,
            spec: spec.clone(),
            translated,
            end,
            tolerance: self.tolerance(end),
        };
        match status {
            CallStatus::Done(result) => {
                self.queue.extend(self.sut.take_outbound());
                self.complete(pending, result)?;
            }
            CallStatus::Blocked => {
                self.pending = Some(pending);
                self.after_call()?;
            }
        }
        if spec.blocking_end.is_none() {
            self.finish_pending()?;
        }
        Ok(())
    }

    /// Checks whether the blocked call has returned, and fails if it is blocked past its end
    /// time.
    pub(super) fn check_pending(&mut self) -> Result<(), Stop> {
        let Some(pending) = &self.pending else {
            return Ok(());
        };
        if let Some(result) = self.sut.poll_blocked() {
            return match self.pending.take() {
                Some(pending) => self.complete(pending, result),
                None => Ok(()),
            };
        }
        if self.now > pending.end.saturating_add(pending.tolerance) {
            return Err(self.still_blocked(pending));
        }
        Ok(())
    }

    /// Runs timers until the blocked call returns; fails if nothing can make it return by
    /// its end time.
    pub(super) fn finish_pending(&mut self) -> Result<(), Stop> {
        let Some(limit) = self
            .pending
            .as_ref()
            .map(|p| p.end.saturating_add(p.tolerance))
        else {
            return Ok(());
        };
        if self.run_timers(limit, |runner| runner.pending.is_none())? {
            return Ok(());
        }
        match &self.pending {
            Some(pending) => Err(self.still_blocked(pending)),
            None => Ok(()),
        }
    }

    fn still_blocked(&self, pending: &Pending) -> Stop {
        pending.mismatch(
            &format!("still blocked at {} sec", secs(self.now)),
            Some(&format!(
                "expected the call to return at {} sec; tolerance {} sec",
                secs(pending.end),
                secs(pending.tolerance)
            )),
        )
    }

    /// Checks a returned call's result, then its return time, then applies what it means
    /// for fds and the connection under test.
    fn complete(&mut self, pending: Pending, result: SysResult) -> Result<(), Stop> {
        let succeeded = result.is_ok();
        self.check_result(&pending, result)?;
        if self.now.abs_diff(pending.end) > pending.tolerance {
            return Err(Stop::Fail(timing_failure(
                pending.line,
                "system call return",
                pending.end,
                self.now,
                pending.tolerance,
            )));
        }
        if succeeded {
            match pending.translated.effect {
                Effect::Bound(port) => self.tracker.bound(port),
                Effect::Listening => self.tracker.listening(),
                Effect::None | Effect::Connecting(_) => {}
            }
        }
        Ok(())
    }

    fn check_result(&mut self, pending: &Pending, result: SysResult) -> Result<(), Stop> {
        let spec = &pending.spec;
        let invalid = |message: String| Stop::Fail(Failure::at(pending.line, message));
        let expected_errno = match &spec.errno {
            Some(name) => Some(
                Errno::from_name(name).ok_or_else(|| invalid(format!("unknown errno {name}")))?,
            ),
            None => None,
        };
        let expected_value = match &spec.result {
            Expr::Ellipsis => None,
            other => {
                Some(int_value(other).ok_or_else(|| invalid(format!("unknown result '{other}'")))?)
            }
        };
        let wants_failure = expected_errno.is_some() || expected_value == Some(-1);
        let value = match result {
            Err(errno) if !wants_failure || expected_errno.is_some_and(|e| e != errno) => {
                return Err(pending.mismatch(&format!("-1 {errno}"), None));
            }
            Err(_) => return Ok(()),
            Ok(value) if wants_failure => {
                return Err(pending.mismatch(&value_text(&value), None));
            }
            Ok(value) => value,
        };
        match (&pending.translated.expect, value) {
            (Expect::Value, SysValue::Int(got)) => {
                if expected_value.is_some_and(|want| want != got) {
                    return Err(pending.mismatch(&got.to_string(), None));
                }
                Ok(())
            }
            (Expect::NewFd { nonblocking }, SysValue::Int(live)) => {
                let script_fd = expected_value
                    .filter(|&fd| fd >= 0)
                    .ok_or_else(|| invalid("the script must give the new fd's number".into()))?;
                let fd = Fd(i32::try_from(live)
                    .map_err(|_| pending.mismatch(&live.to_string(), Some("not a valid fd")))?);
                self.fds.insert(script_fd, fd);
                if *nonblocking {
                    self.set_nonblocking(pending, fd)?;
                }
                Ok(())
            }
            (Expect::StatusFlags, SysValue::Int(nonblocking)) => {
                let flags = if nonblocking != 0 {
                    O_RDWR | O_NONBLOCK
                } else {
                    O_RDWR
                };
                if expected_value.is_some_and(|want| want != flags) {
                    return Err(pending.mismatch(&format!("{flags:#x}"), None));
                }
                Ok(())
            }
            (Expect::OptionValue(option, expected), SysValue::Opt(got)) => {
                if expected_value.is_some_and(|want| want != 0) {
                    return Err(pending.mismatch("0", None));
                }
                check_option(pending, *option, expected, got)
            }
            (Expect::OutValue(expected), SysValue::Opt(OptValue::Int(got))) => {
                if expected_value.is_some_and(|want| want != 0) {
                    return Err(pending.mismatch("0", None));
                }
                out_value::check_int(expected, got).map_err(|got| pending.mismatch(&got, None))
            }
            (Expect::Events(expected), SysValue::Events(events)) => {
                out_value::check_events(expected, &events, expected_value)
                    .map_err(|got| pending.mismatch(&got, None))
            }
            (Expect::Ready(expected), SysValue::Ready(revents)) => {
                out_value::check_ready(expected, &revents, expected_value)
                    .map_err(|got| pending.mismatch(&got, None))
            }
            (_, value) => Err(pending.mismatch(
                &value_text(&value),
                Some("the stack returned the wrong kind of value"),
            )),
        }
    }

    /// `SOCK_NONBLOCK`: the new socket is made non-blocking right away.
    fn set_nonblocking(&mut self, pending: &Pending, fd: Fd) -> Result<(), Stop> {
        let call = SocketCall::SetNonBlocking {
            fd,
            nonblocking: true,
        };
        match self.sut.syscall(self.now, &call) {
            CallStatus::Done(Ok(_)) => Ok(()),
            CallStatus::Done(Err(errno)) => Err(pending.mismatch(
                &format!("-1 {errno}"),
                Some("setting O_NONBLOCK on the new socket failed"),
            )),
            CallStatus::Blocked => Err(pending.mismatch(
                "a blocked call",
                Some("setting O_NONBLOCK on the new socket blocked"),
            )),
        }
    }
}

/// `getsockopt`'s value against the script's `[N]`, `[ERRNO]`, `{onoff=.., linger=..}` or
/// `...`.
fn check_option(
    pending: &Pending,
    option: SockOpt,
    expected: &Expr,
    got: OptValue,
) -> Result<(), Stop> {
    if *expected == Expr::Ellipsis {
        return Ok(());
    }
    if let OptValue::Info(info) = got {
        return out_value::check_info(expected, &info).map_err(|got| match got {
            out_value::InfoError::Mismatch(got) => pending.mismatch(&got, None),
            out_value::InfoError::Unknown(field) => Stop::Skip(format!(
                "line {}: tcp_info field {field} is not reported",
                pending.line
            )),
        });
    }
    let want = if option == SockOpt::Linger {
        linger(expected).map_err(|_| {
            Stop::Fail(Failure::at(
                pending.line,
                format!("'{expected}' is not a struct linger"),
            ))
        })?
    } else {
        OptValue::Int(boxed_int(expected).ok_or_else(|| {
            Stop::Fail(Failure::at(
                pending.line,
                format!("option value '{expected}' is not an integer"),
            ))
        })?)
    };
    // An int option travels as a C int: 0xffffffff and -1 are the same four bytes.
    let same = match (want, got) {
        (OptValue::Int(want), OptValue::Int(got)) => want as u32 == got as u32,
        _ => want == got,
    };
    if same {
        return Ok(());
    }
    Err(pending.mismatch(
        &format!("option value {}", option_text(Some(option), got)),
        None,
    ))
}

/// A successful result as the script would write it.
fn value_text(value: &SysValue) -> String {
    match value {
        SysValue::Int(value) => value.to_string(),
        SysValue::Opt(option) => format!("0 with option value {}", option_text(None, *option)),
        SysValue::Ready(revents) => out_value::ready_text(revents),
        SysValue::Events(events) => out_value::events_text(events),
    }
}

/// An option value as a script writes it; `SO_ERROR` values by errno name.
fn option_text(option: Option<SockOpt>, value: OptValue) -> String {
    match value {
        OptValue::Int(number) if option == Some(SockOpt::Error) => {
            match i32::try_from(number).ok().and_then(Errno::from_number) {
                Some(errno) => format!("[{errno}]"),
                None => format!("[{number}]"),
            }
        }
        OptValue::Int(number) => format!("[{number}]"),
        OptValue::Linger { on, seconds } => {
            format!("{{onoff={}, linger={seconds}}}", u8::from(on))
        }
        OptValue::Info(info) => out_value::info_text(&info),
    }
}

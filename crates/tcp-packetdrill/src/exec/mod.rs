//! Plays a parsed script against a [`StackUnderTest`] in virtual time, the way packetdrill
//! plays one against a kernel in real time.

mod actual;
mod args;
mod call;
mod clock;
mod conn;
mod data_call;
mod epoll_call;
mod inbound;
mod matcher;
mod out_value;
mod outbound;
mod super_segment;
mod symbols;
mod syscall;
mod timing;

use crate::ast::{Event, EventKind, EventTime, Script};
use crate::config::RunConfig;
use crate::outcome::{Failure, Outcome, Verdict};
use crate::sut::{Fd, Outbound, StackUnderTest};
use conn::Tracker;
use std::collections::{HashMap, VecDeque};
use syscall::Pending;
use timing::Last;

/// Runs `script` against `sut` and returns the verdict.
///
/// Guarantees: the script's flag lines and shell lines are applied on top of `config`
/// ([`RunConfig::for_script`]); a flag, shell line or code block this runner cannot honour
/// makes the script a skip naming it; events run in order at their scripted virtual times;
/// the first mismatch ends the run as a failure naming its line; features this runner cannot
/// express end it as a skip. The stack's segments that belong to no connection under test are
/// ignored, as packetdrill ignores them; segments still queued after the last event are not
/// checked.
pub fn run_script<S: StackUnderTest + ?Sized>(
    script: &Script,
    sut: &mut S,
    config: &RunConfig,
) -> Outcome {
    let verdict = match config.for_script(script) {
        Err(error) => error.into(),
        Ok(config) => match Runner::new(sut, &config).run(&script.events) {
            Ok(()) => Verdict::Pass,
            Err(Stop::Fail(failure)) => Verdict::Fail(failure),
            Err(Stop::Skip(reason)) => Verdict::Skip(reason),
        },
    };
    Outcome { verdict }
}

/// Why a run ended early.
#[derive(Debug)]
enum Stop {
    /// The stack did not do what the script says.
    Fail(Failure),
    /// The script needs something this runner cannot do.
    Skip(String),
}

/// The state of one run.
struct Runner<'a, S: ?Sized> {
    sut: &'a mut S,
    config: &'a RunConfig,
    /// Virtual time, microseconds since the script's time 0.
    now: u64,
    /// The line of the event being run, for failures not tied to another line.
    line: usize,
    /// Timer firings in a row at the current instant (a stuck timer shows as many).
    firings_now: usize,
    /// Segments the stack sent that no outbound event has consumed yet.
    queue: VecDeque<Outbound>,
    tracker: Tracker,
    /// Script fd -> the stack's fd.
    fds: HashMap<i64, Fd>,
    /// The blocking call still in progress.
    pending: Option<Pending>,
    /// The previous event's scripted time, for relative times and tolerances.
    last: Option<Last>,
}

impl<'a, S: StackUnderTest + ?Sized> Runner<'a, S> {
    fn new(sut: &'a mut S, config: &'a RunConfig) -> Runner<'a, S> {
        Runner {
            sut,
            config,
            now: 0,
            line: 0,
            firings_now: 0,
            queue: VecDeque::new(),
            tracker: Tracker::new(config),
            fds: HashMap::new(),
            pending: None,
            last: None,
        }
    }

    fn run(&mut self, events: &[Event]) -> Result<(), Stop> {
        for event in events.iter().filter(|e| e.time != EventTime::Untimed) {
            self.line = event.line;
            let due = self.schedule(event)?;
            match &event.kind {
                EventKind::Inbound(spec) => {
                    self.start_at(event.line, "inbound packet", &due)?;
                    self.inject(event.line, spec)?;
                }
                EventKind::Outbound(spec) => self.expect_outbound(event.line, spec, &due)?,
                EventKind::Syscall(spec) => {
                    self.finish_pending()?;
                    self.start_at(event.line, "system call start", &due)?;
                    self.syscall(event.line, spec, &due)?;
                }
                EventKind::Shell(_) | EventKind::Code(_) => {
                    self.start_at(event.line, "command", &due)?;
                }
            }
            self.last = Some(Last {
                time: due.script_time(),
                inbound: matches!(event.kind, EventKind::Inbound(_)),
                absolute: matches!(event.time, EventTime::Absolute(_)),
            });
        }
        self.finish_pending()
    }
}

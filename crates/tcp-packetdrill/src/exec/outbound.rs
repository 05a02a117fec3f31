//! Expected outbound packets: take the next segment of the connection under test (running
//! timers until one comes or its time window closes), then check its fields and its time.

use super::actual::{live_ts_val, read_segment};
use super::matcher::compare;
use super::super_segment;
use super::timing::{Due, DueKind, secs};
use super::{Runner, Stop};
use crate::ast::{OptionList, PacketSpec, TcpOptionSpec};
use crate::outcome::Failure;
use crate::sut::{Outbound, StackUnderTest};

/// The accepted times of an outbound packet.
struct Window {
    earliest: u64,
    latest: u64,
    /// `at 0.100000 sec`, `in 0.100000~0.200000 sec`, `at any time`.
    wording: String,
    tolerance: u64,
}

impl<S: StackUnderTest + ?Sized> Runner<'_, S> {
    /// Checks that the stack's next segment for the connection under test is `spec`, sent
    /// within the tolerance of `due`.
    pub(super) fn expect_outbound(
        &mut self,
        line: usize,
        spec: &PacketSpec,
        due: &Due,
    ) -> Result<(), Stop> {
        if let Some(ip_info) = &spec.ip_info {
            return Err(Stop::Skip(format!(
                "line {line}: IP-level packet fields ({ip_info}) cannot be checked"
            )));
        }
        if self.tracker.conn.is_none() {
            return Err(Stop::Fail(Failure::at(
                line,
                "no matching socket for script packet",
            )));
        }
        let window = self.window(due);
        // Like packetdrill, which waits for the next packet however late, look past the
        // window so that a late segment is reported as late rather than as missing.
        let look_ahead = window
            .latest
            .saturating_add(self.config.any_time_limit_usecs);
        let Some(segment) = self.next_segment(look_ahead)? else {
            let ignored = match self.tracker.ignored {
                0 => String::new(),
                n => format!("; {n} segment(s) for other connections ignored"),
            };
            return Err(Stop::Fail(Failure::mismatch(
                line,
                &format!("> {spec} {}", window.wording),
                &format!("no packet by {} sec{ignored}", secs(window.latest)),
                None,
            )));
        };
        let segment = self.split_to_fit(spec, segment);
        self.learn_from(spec, &segment);
        let Some(conn) = self.tracker.conn.as_ref() else {
            return Err(Stop::Fail(Failure::at(
                line,
                "no matching socket for script packet",
            )));
        };
        let actual = read_segment(&segment, conn)
            .map_err(|message| Stop::Fail(Failure::at(line, message)))?;
        let expected_text = format!("> {spec} {}", window.wording);
        let got_text = format!("> {} at {} sec", actual.spec, secs(segment.time));
        if let Err(detail) = compare(spec, &actual) {
            return Err(Stop::Fail(Failure::mismatch(
                line,
                &expected_text,
                &got_text,
                Some(&detail),
            )));
        }
        if segment.time < window.earliest || segment.time > window.latest {
            return Err(Stop::Fail(Failure::mismatch(
                line,
                &expected_text,
                &got_text,
                Some(&format!(
                    "timing error; tolerance {} sec",
                    secs(window.tolerance)
                )),
            )));
        }
        Ok(())
    }

    fn window(&self, due: &Due) -> Window {
        match due.kind {
            DueKind::At(time) => {
                let tolerance = self.tolerance(time);
                Window {
                    earliest: time.saturating_sub(tolerance),
                    latest: time.saturating_add(tolerance),
                    wording: format!("at {} sec", secs(time)),
                    tolerance,
                }
            }
            DueKind::Between(lo, hi) => {
                let tolerance = self.tolerance(lo);
                Window {
                    earliest: lo.saturating_sub(tolerance),
                    latest: hi.saturating_add(tolerance),
                    wording: format!("in {}~{} sec", secs(lo), secs(hi)),
                    tolerance,
                }
            }
            DueKind::Any => Window {
                earliest: 0,
                latest: self.now.saturating_add(self.config.any_time_limit_usecs),
                wording: "at any time".to_string(),
                tolerance: 0,
            },
        }
    }

    /// The oldest queued segment of the connection under test, running timers up to
    /// `latest` while there is none.
    fn next_segment(&mut self, latest: u64) -> Result<Option<Outbound>, Stop> {
        loop {
            while let Some(segment) = self.queue.pop_front() {
                if self.tracker.claims(&segment) {
                    return Ok(Some(segment));
                }
            }
            if !self.run_timers(latest, |runner| !runner.queue.is_empty())? {
                return Ok(None);
            }
        }
    }

    /// A super-segment longer than the script's packet is cut where that packet ends
    /// (unless `--strict_segments`), the rest going back to the front of the queue.
    fn split_to_fit(&mut self, spec: &PacketSpec, segment: Outbound) -> Outbound {
        if self.config.strict_segments {
            return segment;
        }
        match super_segment::split(&segment, usize::from(spec.seq.len)) {
            Some((front, rest)) => {
                self.queue.push_front(rest);
                front
            }
            None => segment,
        }
    }

    /// What a matched segment teaches about the connection: the stack's ISN from its SYN,
    /// and the TS val it used where the script wrote one.
    fn learn_from(&mut self, spec: &PacketSpec, segment: &Outbound) {
        let Some(conn) = self.tracker.conn.as_mut() else {
            return;
        };
        if let Ok(view) = tcp_wire::Segment::new_checked(segment.segment.as_slice())
            && spec.flags.syn()
            && view.flags().syn()
            && conn.local_isn.is_none()
        {
            conn.local_isn = Some(super::conn::Isn {
                script: spec.seq.start,
                live: view.seq_number().0,
            });
        }
        let script_val = match &spec.options {
            Some(OptionList::Exact(list)) => list.iter().find_map(|option| match option {
                TcpOptionSpec::Timestamp { val, .. } => Some(*val),
                _ => None,
            }),
            _ => None,
        };
        if let (Some(script), Some(live)) = (script_val, live_ts_val(&segment.segment)) {
            conn.ts.record(script, live);
        }
    }
}

//! Checks of the values calls hand back through their arguments: `ioctl`'s `[N]`, `poll`'s
//! `revents`, and `getsockopt(TCP_INFO)`'s `{tcpi_field=value, ...}`.

use super::symbols::{boxed_int, int_value};
use crate::ast::Expr;
use crate::sut::TcpInfo;

/// `[N]` (or `...`) against the value the call produced; `Err` with what was produced.
pub(super) fn check_int(expected: &Expr, got: i64) -> Result<(), String> {
    if *expected == Expr::Ellipsis || boxed_int(expected) == Some(got) {
        return Ok(());
    }
    Err(format!("0 with out value [{got}]"))
}

/// `poll`'s count (the call's result) and each `revents` the script gives.
pub(super) fn check_ready(
    expected: &[Option<Expr>],
    revents: &[u32],
    count: Option<i64>,
) -> Result<(), String> {
    let ready = revents.iter().filter(|&&r| r != 0).count() as i64;
    let revents_match = expected.iter().zip(revents).all(|(want, &got)| match want {
        None | Some(Expr::Ellipsis) => true,
        Some(want) => int_value(want) == Some(i64::from(got)),
    });
    if count.is_none_or(|count| count == ready) && revents_match {
        return Ok(());
    }
    Err(ready_text(revents))
}

/// `N with revents [0x1, 0x4]`.
pub(super) fn ready_text(revents: &[u32]) -> String {
    let ready = revents.iter().filter(|&&r| r != 0).count();
    let list: Vec<String> = revents.iter().map(|r| format!("{r:#x}")).collect();
    format!("{ready} with revents [{}]", list.join(", "))
}

/// `epoll_wait`'s count and each `(events, data)` the script gives, in order.
pub(super) fn check_events(
    expected: &[(Option<Expr>, Option<Expr>)],
    events: &[(u32, u64)],
    count: Option<i64>,
) -> Result<(), String> {
    let field = |want: &Option<Expr>, got: u64| match want {
        None | Some(Expr::Ellipsis) => true,
        Some(want) => int_value(want).is_some_and(|w| w as u64 & 0xffff_ffff == got & 0xffff_ffff),
    };
    let count_ok = count.is_none_or(|count| count == events.len() as i64);
    let listed =
        expected
            .iter()
            .zip(events)
            .all(|((want_events, want_data), &(got_events, got_data))| {
                field(want_events, u64::from(got_events)) && field(want_data, got_data)
            });
    if count_ok && listed {
        return Ok(());
    }
    Err(events_text(events))
}

/// `N with events [{events=0x4, data=4}]`.
pub(super) fn events_text(events: &[(u32, u64)]) -> String {
    let list: Vec<String> = events
        .iter()
        .map(|(bits, data)| format!("{{events={bits:#x}, data={data}}}"))
        .collect();
    format!("{} with events [{}]", events.len(), list.join(", "))
}

/// Why a `TCP_INFO` check did not pass.
pub(super) enum InfoError {
    /// A field differs: the value as the stack reported it.
    Mismatch(String),
    /// The script reads a field this runner does not report.
    Unknown(String),
}

/// The `tcpi_` fields this runner reports, by name.
fn fields(info: &TcpInfo) -> [(&'static str, u64); 16] {
    [
        ("tcpi_state", u64::from(info.state)),
        ("tcpi_options", u64::from(info.options)),
        ("tcpi_snd_wscale", u64::from(info.snd_wscale)),
        ("tcpi_rcv_wscale", u64::from(info.rcv_wscale)),
        ("tcpi_rto", u64::from(info.rto)),
        ("tcpi_snd_mss", u64::from(info.snd_mss)),
        ("tcpi_unacked", u64::from(info.unacked)),
        ("tcpi_sacked", u64::from(info.sacked)),
        ("tcpi_rtt", u64::from(info.rtt)),
        ("tcpi_rttvar", u64::from(info.rttvar)),
        ("tcpi_snd_ssthresh", u64::from(info.snd_ssthresh)),
        ("tcpi_snd_cwnd", u64::from(info.snd_cwnd)),
        ("tcpi_total_retrans", u64::from(info.total_retrans)),
        ("tcpi_bytes_acked", info.bytes_acked),
        ("tcpi_bytes_received", info.bytes_received),
        ("tcpi_notsent_bytes", u64::from(info.notsent_bytes)),
    ]
}

/// `{tcpi_state=TCP_ESTABLISHED, tcpi_snd_cwnd=10, ...}` against the stack's `tcp_info`:
/// every field written must match; `...` and unwritten fields are free.
pub(super) fn check_info(expected: &Expr, info: &TcpInfo) -> Result<(), InfoError> {
    let Expr::Struct(items) = expected else {
        return match expected {
            Expr::Ellipsis => Ok(()),
            _ => Err(InfoError::Mismatch(info_text(info))),
        };
    };
    let known = fields(info);
    for item in items {
        let Expr::Assign(name, want) = item else {
            if *item == Expr::Ellipsis {
                continue;
            }
            return Err(InfoError::Mismatch(info_text(info)));
        };
        let name = name.to_string();
        let Some((_, got)) = known.iter().find(|(field, _)| *field == name) else {
            return Err(InfoError::Unknown(name));
        };
        let want = int_value(want).and_then(|w| u64::try_from(w).ok());
        if want != Some(*got) {
            return Err(InfoError::Mismatch(info_text(info)));
        }
    }
    Ok(())
}

/// The reported fields as a script writes them.
pub(super) fn info_text(info: &TcpInfo) -> String {
    let parts: Vec<String> = fields(info)
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

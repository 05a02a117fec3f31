//! Sysctl settings from a script's shell lines as [`tcp_core::Config`] changes.
//!
//! A sysctl the engine has a knob for is applied at any valid value. One the engine has no
//! knob for is accepted only at the value whose behaviour the engine always has (say
//! `tcp_slow_start_after_idle=0`: the engine never restarts from the initial window after
//! idle), or at Linux's default, which the Linux profile claims to model (`tcp_frto=2`;
//! where the engine departs from such a default the script fails, as a behaviour
//! difference, rather than being skipped). Any other value, and any other sysctl, is
//! unsupported and skips the script.

use crate::config::OptionError;
use core::time::Duration;
use tcp_core::{Algorithm, Config};

/// Sysctls with no engine knob, and the values the engine matches.
const FIXED: &[(&str, &[&str], &str)] = &[
    (
        "net.ipv4.tcp_dsack",
        &["1"],
        "DSACK is always sent (RFC 2883)",
    ),
    (
        "net.ipv4.tcp_fack",
        &["0", "1"],
        "Linux removed FACK; the value has no effect",
    ),
    (
        "net.ipv4.tcp_reordering",
        &["3"],
        "the duplicate-ACK threshold is 3",
    ),
    ("net.ipv4.tcp_frto", &["2"], "Linux's default"),
    (
        "net.ipv4.tcp_slow_start_after_idle",
        &["0"],
        "the window is never reset after idle",
    ),
    (
        "net.ipv4.tcp_early_retrans",
        &["3", "4"],
        "tail loss probes are always on",
    ),
    ("net.ipv4.tcp_recovery", &["1"], "RACK is always on"),
    ("net.ipv4.tcp_tso_win_divisor", &["3"], "Linux's default"),
    ("net.ipv4.tcp_min_tso_segs", &["2"], "Linux's default"),
    (
        "net.ipv4.tcp_pacing_ss_ratio",
        &["200"],
        "pacing runs at twice the window per RTT in slow start",
    ),
    (
        "net.ipv4.tcp_pacing_ca_ratio",
        &["120"],
        "pacing runs at 1.2 times the window per RTT after slow start",
    ),
    (
        "net.ipv4.tcp_notsent_lowat",
        &["4294967295", "-1"],
        "no endpoint-wide limit on unsent data",
    ),
];

/// Sysctls whose every value is accepted: they only matter to features whose script lines
/// skip the script on their own (Fast Open options and socket options, MPTCP options).
const IRRELEVANT: &[&str] = &[
    "net.ipv4.tcp_fastopen",
    "net.ipv4.tcp_fastopen_key",
    "net.mptcp.enabled",
];

/// Applies one sysctl to `config`.
pub(super) fn apply(config: &mut Config, name: &str, value: &str) -> Result<(), OptionError> {
    let value = value.trim();
    let invalid = || OptionError::Invalid(format!("sysctl {name}={value}: invalid value"));
    let unsupported = |why: &str| OptionError::Unsupported(format!("sysctl {name}={value}: {why}"));
    let int = || parse_int(value).ok_or_else(invalid);
    let flag = || match value {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(unsupported("only 0 and 1 are modelled")),
    };
    let count = || u32::try_from(int()?).map_err(|_| invalid());
    match name {
        "net.ipv4.tcp_rmem" | "net.ipv4.tcp_wmem" => {
            let sizes: Vec<usize> = value
                .split_whitespace()
                .map(|v| v.parse().map_err(|_| invalid()))
                .collect::<Result<_, _>>()?;
            let [_, initial, max] = sizes[..] else {
                return Err(invalid());
            };
            let buffer = if name.ends_with("rmem") {
                &mut config.recv_buffer
            } else {
                &mut config.send_buffer
            };
            buffer.initial = initial.min(max);
            buffer.max = max;
        }
        "net.ipv4.tcp_timestamps" => config.extensions.timestamps = flag()?,
        "net.ipv4.tcp_sack" => config.extensions.sack = flag()?,
        "net.ipv4.tcp_window_scaling" => config.extensions.window_scaling = flag()?,
        "net.ipv4.tcp_ecn" => config.extensions.ecn = flag()?,
        "net.ipv4.tcp_syncookies" => config.listen.syn_cookies = flag()?,
        "net.ipv4.tcp_syn_retries" => config.retransmission.syn_retries = count()?,
        "net.ipv4.tcp_synack_retries" => config.retransmission.synack_retries = count()?,
        "net.ipv4.tcp_retries2" => config.retransmission.data_retries = count()?,
        // Linux takes 0 as 8.
        "net.ipv4.tcp_orphan_retries" => {
            config.retransmission.orphan_retries = match count()? {
                0 => 8,
                n => n,
            }
        }
        "net.ipv4.tcp_fin_timeout" => config.fin_wait2_timeout = seconds(int()?, invalid)?,
        "net.ipv4.tcp_keepalive_time" => config.keepalive.idle = seconds(int()?, invalid)?,
        "net.ipv4.tcp_keepalive_intvl" => config.keepalive.interval = seconds(int()?, invalid)?,
        "net.ipv4.tcp_keepalive_probes" => config.keepalive.probes = count()?,
        "net.ipv4.tcp_congestion_control" => {
            config.congestion_control = match value {
                "reno" => Algorithm::NewReno,
                "cubic" => Algorithm::Cubic,
                "bbr" => Algorithm::Bbr,
                _ => return Err(unsupported("no such congestion control here")),
            }
        }
        _ if IRRELEVANT.contains(&name) => {}
        _ => match FIXED.iter().find(|(fixed, ..)| *fixed == name) {
            Some((_, values, _)) if values.contains(&value) => {}
            Some((_, values, why)) => {
                return Err(unsupported(&format!(
                    "the engine has no knob for it and behaves as {} ({why})",
                    values[0]
                )));
            }
            None => return Err(unsupported("no engine equivalent")),
        },
    }
    Ok(())
}

/// A decimal or `0x` hexadecimal integer.
fn parse_int(value: &str) -> Option<i64> {
    match value.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    }
}

fn seconds(value: i64, invalid: impl Fn() -> OptionError) -> Result<Duration, OptionError> {
    u64::try_from(value)
        .map(Duration::from_secs)
        .map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::DEFAULTS_SH;

    #[test]
    fn defaults_sh_applies_in_full() {
        let mut config = Config::default();
        for (name, value) in DEFAULTS_SH {
            apply(&mut config, name, value).unwrap();
        }
        assert_eq!(config.recv_buffer.initial, 540_000);
        assert_eq!(config.recv_buffer.max, 15 * 1024 * 1024);
        assert_eq!(config.send_buffer.initial, 256 * 1024);
        assert_eq!(config.retransmission.syn_retries, 5);
        assert!(
            config.extensions.timestamps
                && config.extensions.sack
                && !config.extensions.ecn
                && config.listen.syn_cookies
        );
        // 15 MiB of receive buffer gives Linux's window scale 8 as well.
        assert_eq!(config.window_scale(), 8);
    }

    #[test]
    fn knobs_fixed_values_and_the_rest() {
        let mut config = Config::default();
        apply(&mut config, "net.ipv4.tcp_sack", "0").unwrap();
        assert!(!config.extensions.sack);
        apply(&mut config, "net.ipv4.tcp_congestion_control", "reno").unwrap();
        assert_eq!(config.congestion_control, Algorithm::NewReno);
        for (name, value) in [
            ("net.ipv4.tcp_min_tso_segs", "10"),
            ("net.ipv4.tcp_slow_start_after_idle", "1"),
            ("net.ipv4.tcp_timestamps", "2"),
            ("net.ipv4.tcp_mtu_probing", "1"),
            ("net.ipv4.tcp_congestion_control", "vegas"),
        ] {
            assert!(
                matches!(
                    apply(&mut config, name, value),
                    Err(OptionError::Unsupported(_))
                ),
                "{name}={value}"
            );
        }
        assert!(matches!(
            apply(&mut config, "net.ipv4.tcp_syn_retries", "many"),
            Err(OptionError::Invalid(_))
        ));
    }
}

//! A script's shell lines (backquoted commands) as the sysctl settings they make.
//!
//! The runner has no shell: it recognises the commands packetdrill suites use to configure
//! the kernel and turns them into `(name, value)` sysctl settings, which the stack under test
//! maps onto its own configuration. Recognised: a `defaults.sh` (Linux's
//! `tools/testing/selftests/net/packetdrill/defaults.sh` and google/packetdrill's
//! `gtests/net/common/defaults.sh`, which set the same sysctls), `sysctl [-q] [-w] NAME=VALUE
//! ...`, `set_sysctls.py /proc/sys/NAME=VALUE ...`, `echo VALUE > /proc/sys/NAME`, and the
//! `sysctl_restore_*.sh` a suite runs at its end. Anything else is unsupported, with the
//! command named.

/// One sysctl setting: the dotted name (`net.ipv4.tcp_sack`) and the value as written.
pub type Sysctl = (String, String);

/// What one shell command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Sets these sysctls, in order.
    Set(Vec<Sysctl>),
    /// Puts back the sysctls the script changed (only meaningful after the last event).
    Restore,
    /// Changes nothing this runner models: `ip tcp_metrics flush` (the engine caches no
    /// route metrics) or `tc qdisc add ... pfifo` (no queueing discipline to pace).
    Nothing,
}

/// The sysctls a `defaults.sh` sets, in its order. The two upstream copies differ only in
/// `tcp_fastopen` (`0x70403` and `0x3`) and google's `net.mptcp.enabled=1`; Fast Open and
/// MPTCP scripts are skipped on their own, so either copy maps to this list.
pub const DEFAULTS_SH: &[(&str, &str)] = &[
    ("net.ipv4.tcp_rmem", "4096 540000 15728640"),
    ("net.ipv4.tcp_wmem", "4096 262144 4194304"),
    ("net.ipv4.tcp_timestamps", "1"),
    ("net.ipv4.tcp_syn_retries", "5"),
    ("net.ipv4.tcp_synack_retries", "5"),
    ("net.ipv4.tcp_frto", "2"),
    ("net.ipv4.tcp_sack", "1"),
    ("net.ipv4.tcp_dsack", "1"),
    ("net.ipv4.tcp_fack", "0"),
    ("net.ipv4.tcp_reordering", "3"),
    ("net.ipv4.tcp_congestion_control", "cubic"),
    ("net.ipv4.tcp_slow_start_after_idle", "0"),
    ("net.ipv4.tcp_early_retrans", "4"),
    ("net.ipv4.tcp_recovery", "1"),
    ("net.ipv4.tcp_tso_win_divisor", "3"),
    ("net.ipv4.tcp_ecn", "0"),
    ("net.ipv4.tcp_pacing_ss_ratio", "200"),
    ("net.ipv4.tcp_pacing_ca_ratio", "120"),
    ("net.ipv4.tcp_notsent_lowat", "4294967295"),
    ("net.ipv4.tcp_fastopen", "0x3"),
    (
        "net.ipv4.tcp_fastopen_key",
        "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4",
    ),
    ("net.ipv4.tcp_syncookies", "1"),
];

/// The actions of a backquoted command, one per line (lines also split at `;` and `&&`);
/// `Err` names the first command that is not recognised.
pub fn actions(command: &str) -> Result<Vec<Action>, String> {
    let mut found = Vec::new();
    for line in command.split(['\n', ';']).flat_map(|l| l.split("&&")) {
        let words = words(line);
        let words: Vec<&str> = without_redirections(&words);
        if words.is_empty() || words[0].starts_with('#') {
            continue;
        }
        found.push(action(&words).ok_or_else(|| format!("shell command '{}'", line.trim()))?);
    }
    Ok(found)
}

fn action(words: &[&str]) -> Option<Action> {
    let program = words[0].rsplit('/').next().unwrap_or(words[0]);
    let args = &words[1..];
    match program {
        "defaults.sh" if args.is_empty() => Some(Action::Set(
            DEFAULTS_SH
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )),
        "sysctl" => {
            let settings: Option<Vec<Sysctl>> = args
                .iter()
                .filter(|a| !matches!(**a, "-q" | "-w" | "-e" | "-qw"))
                .map(|a| assignment(a))
                .collect();
            settings.filter(|s| !s.is_empty()).map(Action::Set)
        }
        "set_sysctls.py" => {
            let settings: Option<Vec<Sysctl>> = args.iter().map(|a| assignment(a)).collect();
            settings.filter(|s| !s.is_empty()).map(Action::Set)
        }
        "echo" => match args {
            [value, ">", path] => Some(Action::Set(vec![(sysctl_name(path)?, value.to_string())])),
            _ => None,
        },
        "ip" if args.starts_with(&["tcp_metrics", "flush"]) => Some(Action::Nothing),
        "tc" if args.first() == Some(&"qdisc") && args.last() == Some(&"pfifo") => {
            Some(Action::Nothing)
        }
        _ if program.starts_with("sysctl_restore_") && program.ends_with(".sh") => {
            Some(Action::Restore)
        }
        _ => None,
    }
}

/// `name=value` or `/proc/sys/a/b=value` as a dotted name and its value; `None` for a value
/// the shell would still have to expand (`$((...))`).
fn assignment(word: &str) -> Option<Sysctl> {
    let (name, value) = word.split_once('=')?;
    if value.contains('$') || value.contains('`') {
        return None;
    }
    Some((sysctl_name(name)?, value.to_string()))
}

/// `net.ipv4.tcp_sack` or `/proc/sys/net/ipv4/tcp_sack` -> `net.ipv4.tcp_sack`.
fn sysctl_name(name: &str) -> Option<String> {
    let dotted = match name.strip_prefix("/proc/sys/") {
        Some(path) => path.replace('/', "."),
        None if !name.contains('/') => name.to_string(),
        None => return None,
    };
    (!dotted.is_empty()).then_some(dotted)
}

/// Splits a command line into words, honouring double and single quotes.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// The words without output redirections to `/dev/null` (`> /dev/null`, `>/dev/null`,
/// `2>/dev/null`, `2>&1`); any other `>` stays (`echo VALUE > FILE`).
fn without_redirections(words: &[String]) -> Vec<&str> {
    let mut kept = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        let next_is_null = words.get(i + 1).is_some_and(|w| w == "/dev/null");
        if matches!(word, ">" | "2>") && next_is_null {
            i += 2;
            continue;
        }
        if !matches!(word, "2>&1" | ">/dev/null" | "2>/dev/null") {
            kept.push(word);
        }
        i += 1;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> Action {
        Action::Set(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_sh_by_any_path() {
        for command in ["./defaults.sh", "../common/defaults.sh", "./defaults.sh\n"] {
            let found = actions(command).unwrap();
            assert_eq!(found.len(), 1, "{command:?}");
            assert!(matches!(&found[0], Action::Set(s) if s.len() == DEFAULTS_SH.len()));
        }
    }

    #[test]
    fn sysctl_forms() {
        assert_eq!(
            actions("sysctl -q net.ipv4.tcp_sack=0 net.ipv4.tcp_ecn=1 > /dev/null 2>&1").unwrap(),
            [set(&[
                ("net.ipv4.tcp_sack", "0"),
                ("net.ipv4.tcp_ecn", "1")
            ])]
        );
        assert_eq!(
            actions("sysctl -q net.ipv4.tcp_rmem=\"4096 87380 6291456\"").unwrap(),
            [set(&[("net.ipv4.tcp_rmem", "4096 87380 6291456")])]
        );
        assert_eq!(
            actions("./defaults.sh\n./set_sysctls.py /proc/sys/net/ipv4/tcp_min_tso_segs=10\n")
                .unwrap()[1],
            set(&[("net.ipv4.tcp_min_tso_segs", "10")])
        );
        assert_eq!(
            actions("echo 0 > /proc/sys/net/ipv4/tcp_timestamps").unwrap(),
            [set(&[("net.ipv4.tcp_timestamps", "0")])]
        );
        assert_eq!(
            actions("/tmp/sysctl_restore_${PPID}.sh").unwrap(),
            [Action::Restore]
        );
        assert_eq!(
            actions("ip tcp_metrics flush all > /dev/null 2>&1; tc qdisc add dev tun0 root pfifo")
                .unwrap(),
            [Action::Nothing, Action::Nothing]
        );
    }

    #[test]
    fn anything_else_is_named() {
        for command in [
            "ip link set dev tun0 mtu 1300",
            "sysctl -q net.ipv4.tcp_rmem=\"4096 $((1024*1024)) 8388608\"",
            "tc qdisc replace dev tun0 root fq",
            "sleep 1",
            "sysctl -q",
        ] {
            let error = actions(command).unwrap_err();
            assert!(error.starts_with("shell command '"), "{command}: {error}");
        }
    }
}

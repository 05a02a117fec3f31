//! How a script is run: packetdrill's defaults, this runner's switches, and the script's own
//! `--flag` lines on top.

use crate::ast::{EventKind, EventTime, OptionList, Script, TcpOptionSpec};
use crate::shell::{self, Action, Sysctl};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::str::FromStr;
use core::time::Duration;

/// Which behaviour the stack under test is configured for (`--profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Linux's choices where RFC 9293 leaves one (the stack's default).
    #[default]
    Linux,
    /// The RFCs' own choices.
    Rfc,
}

impl FromStr for Profile {
    type Err = String;

    /// `linux` or `rfc`.
    fn from_str(text: &str) -> Result<Profile, String> {
        match text {
            "linux" => Ok(Profile::Linux),
            "rfc" => Ok(Profile::Rfc),
            other => Err(format!("unknown profile '{other}' (expected linux or rfc)")),
        }
    }
}

/// Settings for one script run. [`RunConfig::default`] gives packetdrill's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// How far (microseconds) an event may be from its scripted time (`--tolerance_usecs`).
    pub tolerance_usecs: u64,
    /// Tolerance as a percentage of the time since the previous event, used when larger
    /// (`--tolerance_percent`; packetdrill's default is 12.5, the worst-case slack of Linux's
    /// timer wheel).
    pub tolerance_percent: f64,
    /// Interpolate inbound TS ecr values that match no TS val the stack sent
    /// (`--tcp_ts_ecr_scaled`).
    pub ts_ecr_scaled: bool,
    /// Check a super-segment only against one script packet of its whole length
    /// (`--strict_segments`); by default one longer than the script's packet is split at
    /// a segment boundary to match it, as packetdrill splits a live TSO packet.
    pub strict_segments: bool,
    /// Which IP the script speaks (`--ip_version`).
    pub ip_version: IpVersion,
    /// The stack's address (`--local_ip`; by default 192.168.0.1, or fd3d:fa7b:d17d::1
    /// for IPv6).
    pub local_ip: IpAddr,
    /// The scripted peer's address (`--remote_ip`; by default 192.0.2.1, or 2001:db8::1
    /// for IPv6).
    pub remote_ip: IpAddr,
    /// Port that `bind(..., ...)` uses (`--bind_port`).
    pub bind_port: u16,
    /// Port that `connect(..., ...)` uses (`--connect_port`).
    pub connect_port: u16,
    /// The link MTU of the stack under test (`--mtu`); `None` keeps the stack's own (1500).
    pub mtu: Option<u16>,
    /// Sysctl settings from the script's shell lines and `--init_scripts`, in order, for the
    /// stack under test to apply (see [`crate::shell`]).
    pub sysctls: Vec<Sysctl>,
    /// Options from the command line, applied after the script's own `--flag` lines (as
    /// packetdrill lets its command line override a script).
    pub command_line: Vec<(String, Option<String>)>,
    /// The live initial sequence number given to the peer's SYN (the script's relative 0).
    /// Chosen far from zero, with the top bit set, so that sign and wrap mistakes show.
    pub remote_isn: u32,
    /// The peer's port for the first connection the script opens; later ones count up.
    pub first_remote_port: u16,
    /// How long (microseconds of virtual time) to wait for an outbound segment at time `*`.
    pub any_time_limit_usecs: u64,
    /// Wall-clock time one script may take before it is failed (a stack or runner stuck in
    /// a loop).
    pub time_limit: Duration,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            tolerance_usecs: 4_000,
            tolerance_percent: 12.5,
            ts_ecr_scaled: false,
            strict_segments: false,
            ip_version: IpVersion::Ipv4,
            local_ip: IpAddr::V4(DEFAULT_LOCAL_V4),
            remote_ip: IpAddr::V4(DEFAULT_REMOTE_V4),
            bind_port: 8080,
            connect_port: 8080,
            mtu: None,
            sysctls: Vec::new(),
            command_line: Vec::new(),
            remote_isn: 3_000_000_000,
            first_remote_port: 40_000,
            any_time_limit_usecs: 3_600_000_000,
            time_limit: Duration::from_secs(60),
        }
    }
}

/// `--ip_version`: the flavours packetdrill runs a script in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpVersion {
    /// `ipv4`: `AF_INET` sockets, IPv4 packets.
    Ipv4,
    /// `ipv4-mapped-ipv6`: `AF_INET6` sockets with IPv4-mapped addresses, IPv4 packets.
    Ipv4MappedIpv6,
    /// `ipv6`: `AF_INET6` sockets, IPv6 packets.
    Ipv6,
}

/// packetdrill's default addresses (its `config.c`): the local one on the tun device's
/// subnet, the remote one from the documentation ranges.
const DEFAULT_LOCAL_V4: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 1);
const DEFAULT_REMOTE_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const DEFAULT_LOCAL_V6: Ipv6Addr = Ipv6Addr::new(0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1);
const DEFAULT_REMOTE_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

/// Why a script's flag lines cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionError {
    /// An unknown flag, or a known one with a value it cannot take (packetdrill stops).
    Invalid(String),
    /// A flag asking for something this runner cannot do (IPv6, say).
    Unsupported(String),
}

/// packetdrill's options (its `config.c`) that change nothing in virtual time against the
/// engine: addresses of a tun device's routing, its speed, logging and debugging.
const NO_EFFECT: &[&str] = &[
    "gateway_ip",
    "netmask_ip",
    "speed",
    "verbose",
    "debug",
    "dry_run",
    "send_omit_free",
    "define",
];

/// packetdrill's options this runner cannot honour.
const UNSUPPORTED: &[&str] = &[
    "code_command",
    "code_format",
    "code_sockopt",
    "wire_client",
    "wire_server",
    "wire_server_ip",
    "wire_server_at",
    "wire_server_port",
    "wire_client_dev",
    "wire_server_dev",
    "so_filename",
    "so_flags",
    "non_fatal",
    "is_anyip",
];

impl RunConfig {
    /// This configuration with the script's flag lines and then the command line's options
    /// applied, as packetdrill applies them. Unknown options are invalid, as in packetdrill.
    pub fn with_script_options(
        &self,
        options: &[(String, Option<String>)],
    ) -> Result<RunConfig, OptionError> {
        let mut config = self.clone();
        let (mut local_set, mut remote_set) = (false, false);
        for (name, value) in options.iter().chain(&self.command_line) {
            config.apply_option(name, value.as_deref())?;
            local_set |= name == "local_ip";
            remote_set |= name == "remote_ip";
        }
        config.finish_addresses(local_set, remote_set)?;
        Ok(config)
    }

    /// As packetdrill finishes its configuration: addresses not given default by IP
    /// version, and given ones must be of the version the packets use.
    fn finish_addresses(&mut self, local_set: bool, remote_set: bool) -> Result<(), OptionError> {
        let v6 = self.ip_version == IpVersion::Ipv6;
        if v6 && !local_set {
            self.local_ip = IpAddr::V6(DEFAULT_LOCAL_V6);
        }
        if v6 && !remote_set {
            self.remote_ip = IpAddr::V6(DEFAULT_REMOTE_V6);
        }
        for address in [self.local_ip, self.remote_ip] {
            if address.is_ipv6() != v6 {
                return Err(OptionError::Invalid(format!(
                    "address {address} does not suit --ip_version={}",
                    match self.ip_version {
                        IpVersion::Ipv4 => "ipv4",
                        IpVersion::Ipv4MappedIpv6 => "ipv4-mapped-ipv6",
                        IpVersion::Ipv6 => "ipv6",
                    }
                )));
            }
        }
        Ok(())
    }

    /// [`RunConfig::with_script_options`] and the sysctls of the script's shell lines. Shell
    /// lines must come before the first event (they configure the stack) or after the last
    /// (a suite's clean-up); a timed one, a code block, or a command [`crate::shell`] does
    /// not recognise is unsupported.
    pub fn for_script(&self, script: &Script) -> Result<RunConfig, OptionError> {
        let mut config = self.with_script_options(&script.options)?;
        let mut before_first = true;
        for event in &script.events {
            match (&event.kind, event.time) {
                (EventKind::Shell(command), EventTime::Untimed) => {
                    let actions = shell::actions(command).map_err(|what| {
                        OptionError::Unsupported(format!("line {}: {what}", event.line))
                    })?;
                    for action in actions {
                        match action {
                            Action::Set(settings) if before_first => {
                                config.sysctls.extend(settings);
                            }
                            Action::Set(_) | Action::Restore | Action::Nothing => {}
                        }
                    }
                }
                (EventKind::Shell(command), _) => {
                    return Err(OptionError::Unsupported(format!(
                        "line {}: shell command '{}' at a scripted time",
                        event.line,
                        command.trim()
                    )));
                }
                (EventKind::Code(_), _) => {
                    return Err(OptionError::Unsupported(format!(
                        "line {}: %{{ }}% code blocks (packetdrill runs them with Python)",
                        event.line
                    )));
                }
                _ => before_first = false,
            }
        }
        if let Some(line) = fast_open_on_every_listener(&config.sysctls, script) {
            return Err(OptionError::Unsupported(format!(
                "line {line}: Fast Open not supported (tcp_fastopen lets every listener take \
                 a SYN's cookie and data)"
            )));
        }
        Ok(config)
    }

    fn apply_option(&mut self, name: &str, value: Option<&str>) -> Result<(), OptionError> {
        match name {
            "tolerance_usecs" => self.tolerance_usecs = positive(name, value)?,
            "tolerance_percent" => {
                self.tolerance_percent = number::<f64>(name, value)
                    .ok()
                    .filter(|p| (0.0..=100.0).contains(p))
                    .ok_or_else(|| invalid(name, value))?;
            }
            "tcp_ts_ecr_scaled" => self.ts_ecr_scaled = true,
            "strict_segments" => self.strict_segments = true,
            "tcp_ts_tick_usecs" => {
                let tick: u64 = number(name, value)?;
                if tick != 0 {
                    return Err(OptionError::Unsupported(format!(
                        "--tcp_ts_tick_usecs={tick} (TS val rate checks)"
                    )));
                }
            }
            "local_ip" => self.local_ip = address(name, value)?,
            "remote_ip" => self.remote_ip = address(name, value)?,
            "bind_port" => self.bind_port = positive(name, value)?,
            "connect_port" => self.connect_port = positive(name, value)?,
            "mtu" => self.mtu = Some(positive(name, value)?),
            "mss" => {
                positive::<u16>(name, value)?;
            }
            "ip_version" => {
                self.ip_version = match value {
                    Some("ipv4") => IpVersion::Ipv4,
                    Some("ipv4-mapped-ipv6") => IpVersion::Ipv4MappedIpv6,
                    Some("ipv6") => IpVersion::Ipv6,
                    _ => return Err(invalid(name, value)),
                }
            }
            "init_scripts" => {
                for path in value.unwrap_or("").split(',').filter(|p| !p.is_empty()) {
                    match shell::actions(path) {
                        Ok(actions) => {
                            for action in actions {
                                if let Action::Set(settings) = action {
                                    self.sysctls.extend(settings);
                                }
                            }
                        }
                        Err(_) => {
                            return Err(OptionError::Unsupported(format!(
                                "--init_scripts={path} (only defaults.sh is known)"
                            )));
                        }
                    }
                }
            }
            _ if NO_EFFECT.contains(&name) => {}
            _ if UNSUPPORTED.contains(&name) => {
                return Err(OptionError::Unsupported(format!("--{name}")));
            }
            _ => return Err(OptionError::Invalid(format!("option '{name}' unknown"))),
        }
        Ok(())
    }
}

/// Linux's `tcp_fastopen` bits that make listeners without `TCP_FASTOPEN` accept Fast Open
/// (`TFO_SERVER_COOKIE_NOT_REQD`, `TFO_SERVER_WO_SOCKOPT1`).
const FAST_OPEN_EVERY_LISTENER: i64 = 0x200 | 0x400;

/// The line of the first inbound SYN with a Fast Open option or data, when the sysctls
/// make every listener accept Fast Open (which the engine does not support); otherwise
/// such a SYN meets a listener without Fast Open on Linux too, which ignores the option.
fn fast_open_on_every_listener(sysctls: &[Sysctl], script: &Script) -> Option<usize> {
    let (_, value) = sysctls
        .iter()
        .rev()
        .find(|(name, _)| name == "net.ipv4.tcp_fastopen")?;
    let bits = match value.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok()?,
        None => value.parse().ok()?,
    };
    if bits & FAST_OPEN_EVERY_LISTENER == 0 {
        return None;
    }
    script.events.iter().find_map(|event| match &event.kind {
        EventKind::Inbound(spec) if spec.flags.syn() => {
            let fast_open = matches!(&spec.options, Some(OptionList::Exact(list))
                if list.iter().any(|o| matches!(o,
                    TcpOptionSpec::FastOpen(_) | TcpOptionSpec::FastOpenExp(_))));
            (fast_open || spec.seq.len > 0).then_some(event.line)
        }
        _ => None,
    })
}

fn positive<T: FromStr + Default + PartialOrd>(
    name: &str,
    value: Option<&str>,
) -> Result<T, OptionError> {
    number(name, value)
        .ok()
        .filter(|v: &T| *v > T::default())
        .ok_or_else(|| invalid(name, value))
}

fn number<T: FromStr>(name: &str, value: Option<&str>) -> Result<T, OptionError> {
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid(name, value))
}

fn address(name: &str, value: Option<&str>) -> Result<IpAddr, OptionError> {
    let without_prefix = value.map(|v| v.split_once('/').map_or(v, |(ip, _)| ip));
    match without_prefix.map(str::parse::<IpAddr>) {
        Some(Ok(address)) => Ok(address),
        _ => Err(invalid(name, value)),
    }
}

fn invalid(name: &str, value: Option<&str>) -> OptionError {
    OptionError::Invalid(format!(
        "invalid value '{}' for --{name}",
        value.unwrap_or("")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(name: &str, value: Option<&str>) -> (String, Option<String>) {
        (name.to_string(), value.map(str::to_string))
    }

    #[test]
    fn script_flags_override_defaults() {
        let config = RunConfig::default()
            .with_script_options(&[
                flag("tolerance_usecs", Some("10000")),
                flag("tcp_ts_ecr_scaled", None),
                flag("remote_ip", Some("10.0.0.2")),
                flag("mss", Some("1000")),
                flag("gateway_ip", Some("192.168.0.1")),
                flag("ip_version", Some("ipv4")),
            ])
            .unwrap();
        assert_eq!(config.tolerance_usecs, 10_000);
        assert!(config.ts_ecr_scaled);
        assert_eq!(config.remote_ip, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(config.bind_port, 8080);
    }

    #[test]
    fn bad_values_and_mixed_versions_are_reported() {
        let defaults = RunConfig::default();
        assert!(matches!(
            defaults.with_script_options(&[flag("tolerance_usecs", Some("soon"))]),
            Err(OptionError::Invalid(_))
        ));
        assert!(matches!(
            defaults.with_script_options(&[flag("ip_version", Some("ipv5"))]),
            Err(OptionError::Invalid(_))
        ));
        assert!(matches!(
            defaults.with_script_options(&[flag("local_ip", Some("fd00::1"))]),
            Err(OptionError::Invalid(_))
        ));
    }

    #[test]
    fn ipv6_addresses_default_by_version() {
        let v6 = RunConfig::default()
            .with_script_options(&[flag("ip_version", Some("ipv6"))])
            .unwrap();
        assert_eq!(v6.local_ip, IpAddr::V6(DEFAULT_LOCAL_V6));
        assert_eq!(v6.remote_ip, IpAddr::V6(DEFAULT_REMOTE_V6));
        let given = RunConfig::default()
            .with_script_options(&[
                flag("ip_version", Some("ipv6")),
                flag("local_ip", Some("fd3d:a0b:17d6::1")),
            ])
            .unwrap();
        assert_eq!(
            given.local_ip,
            "fd3d:a0b:17d6::1".parse::<IpAddr>().unwrap()
        );
        let mapped = RunConfig::default()
            .with_script_options(&[flag("ip_version", Some("ipv4-mapped-ipv6"))])
            .unwrap();
        assert_eq!(mapped.local_ip, IpAddr::V4(DEFAULT_LOCAL_V4));
    }

    #[test]
    fn unknown_and_unsupported_options() {
        let defaults = RunConfig::default();
        assert!(matches!(
            defaults.with_script_options(&[flag("fast", None)]),
            Err(OptionError::Invalid(_))
        ));
        assert!(matches!(
            defaults.with_script_options(&[flag("non_fatal", Some("packet"))]),
            Err(OptionError::Unsupported(_))
        ));
        assert!(matches!(
            defaults.with_script_options(&[flag("tolerance_usecs", Some("0"))]),
            Err(OptionError::Invalid(_))
        ));
    }

    #[test]
    fn command_line_overrides_the_script() {
        let defaults = RunConfig {
            command_line: vec![flag("tolerance_usecs", Some("100000"))],
            ..RunConfig::default()
        };
        let config = defaults
            .with_script_options(&[
                flag("tolerance_usecs", Some("10000")),
                flag("tolerance_percent", Some("0")),
                flag("remote_ip", Some("192.0.2.1/24")),
                flag("mtu", Some("1300")),
            ])
            .unwrap();
        assert_eq!(config.tolerance_usecs, 100_000);
        assert_eq!(config.tolerance_percent, 0.0);
        assert_eq!(config.mtu, Some(1300));
    }

    #[test]
    fn shell_lines_become_sysctls_or_skip() {
        let script = crate::parse_script(
            "`./defaults.sh\nsysctl -q net.ipv4.tcp_sack=0`\n0 close(3) = -1 EBADF\n\
             `/tmp/sysctl_restore_${PPID}.sh`\n",
        )
        .unwrap();
        let config = RunConfig::default().for_script(&script).unwrap();
        assert_eq!(config.sysctls.len(), shell::DEFAULTS_SH.len() + 1);
        assert_eq!(
            config.sysctls.last(),
            Some(&("net.ipv4.tcp_sack".to_string(), "0".to_string()))
        );
        for source in [
            "`ip link set tun0 up`\n0 close(3) = -1 EBADF\n",
            "0 close(3) = -1 EBADF\n+0 `sysctl -q net.ipv4.tcp_sack=0`\n",
            "0 close(3) = -1 EBADF\n+0 %{ print(1) }%\n",
        ] {
            let script = crate::parse_script(source).unwrap();
            assert!(
                matches!(
                    RunConfig::default().for_script(&script),
                    Err(OptionError::Unsupported(_))
                ),
                "{source}"
            );
        }
    }

    #[test]
    fn fast_open_for_every_listener_skips_fast_open_syns_only() {
        let syn = "`sysctl -q net.ipv4.tcp_fastopen=0x70403`\n\
                   0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
                   +0 < S 0:0(0) win 1000 <mss 1460,FOEXP 0011aabb>\n";
        let script = crate::parse_script(syn).unwrap();
        assert!(matches!(
            RunConfig::default().for_script(&script),
            Err(OptionError::Unsupported(reason)) if reason.contains("Fast Open not supported")
        ));
        let plain = syn.replace("0x70403", "0x3");
        let script = crate::parse_script(&plain).unwrap();
        assert!(RunConfig::default().for_script(&script).is_ok());
        let no_fo = syn.replace(",FOEXP 0011aabb", "");
        let script = crate::parse_script(&no_fo).unwrap();
        assert!(RunConfig::default().for_script(&script).is_ok());
    }

    #[test]
    fn profiles_parse() {
        assert_eq!("rfc".parse(), Ok(Profile::Rfc));
        assert_eq!("linux".parse(), Ok(Profile::Linux));
        assert!("bsd".parse::<Profile>().is_err());
    }
}

//! How a script is run: packetdrill's defaults, this runner's switches, and the script's own
//! `--flag` lines on top.

use core::net::Ipv4Addr;
use core::str::FromStr;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// How far (microseconds) an event may be from its scripted time (`--tolerance_usecs`).
    pub tolerance_usecs: u64,
    /// Tolerance as a percentage of the time since the previous event, used when larger
    /// (`--tolerance_percent`).
    pub tolerance_percent: u64,
    /// Compare outbound options as a set: ignore NOP/EOL padding and order.
    pub options_as_set: bool,
    /// Run scripts that contain shell commands or code blocks, skipping those lines.
    pub allow_skipping_shell: bool,
    /// Interpolate inbound TS ecr values that match no TS val the stack sent
    /// (`--tcp_ts_ecr_scaled`).
    pub ts_ecr_scaled: bool,
    /// The stack's address (`--local_ip`).
    pub local_ip: Ipv4Addr,
    /// The scripted peer's address (`--remote_ip`).
    pub remote_ip: Ipv4Addr,
    /// Port that `bind(..., ...)` uses (`--bind_port`).
    pub bind_port: u16,
    /// Port that `connect(..., ...)` uses (`--connect_port`).
    pub connect_port: u16,
    /// The live initial sequence number given to the peer's SYN (the script's relative 0).
    /// Chosen far from zero, with the top bit set, so that sign and wrap mistakes show.
    pub remote_isn: u32,
    /// The peer's port for the first connection the script opens; later ones count up.
    pub first_remote_port: u16,
    /// How long (microseconds of virtual time) to wait for an outbound segment at time `*`.
    pub any_time_limit_usecs: u64,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            tolerance_usecs: 4_000,
            tolerance_percent: 0,
            options_as_set: false,
            allow_skipping_shell: false,
            ts_ecr_scaled: false,
            local_ip: Ipv4Addr::new(192, 168, 0, 1),
            remote_ip: Ipv4Addr::new(192, 0, 2, 1),
            bind_port: 8080,
            connect_port: 8080,
            remote_isn: 3_000_000_000,
            first_remote_port: 40_000,
            any_time_limit_usecs: 3_600_000_000,
        }
    }
}

/// Why a script's flag lines cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionError {
    /// A known flag with a value it cannot take.
    Invalid(String),
    /// A flag asking for something this runner cannot do (IPv6, say).
    Unsupported(String),
}

impl RunConfig {
    /// This configuration with the script's flag lines applied. Flags this runner does not use
    /// (`--mss`, `--verbose`...) are left for the stack constructor, which sees the script.
    pub fn with_script_options(
        &self,
        options: &[(String, Option<String>)],
    ) -> Result<RunConfig, OptionError> {
        let mut config = self.clone();
        for (name, value) in options {
            let value = value.as_deref();
            match name.as_str() {
                "tolerance_usecs" => config.tolerance_usecs = number(name, value)?,
                "tolerance_percent" => config.tolerance_percent = number(name, value)?,
                "tcp_ts_ecr_scaled" => config.ts_ecr_scaled = true,
                "local_ip" => config.local_ip = address(name, value)?,
                "remote_ip" => config.remote_ip = address(name, value)?,
                "bind_port" => config.bind_port = number(name, value)?,
                "connect_port" => config.connect_port = number(name, value)?,
                "ip_version" if value != Some("ipv4") => {
                    return Err(OptionError::Unsupported(format!(
                        "--ip_version={} (only ipv4 is supported)",
                        value.unwrap_or("")
                    )));
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

fn number<T: FromStr>(name: &str, value: Option<&str>) -> Result<T, OptionError> {
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid(name, value))
}

fn address(name: &str, value: Option<&str>) -> Result<Ipv4Addr, OptionError> {
    match value.map(str::parse::<Ipv4Addr>) {
        Some(Ok(address)) => Ok(address),
        _ if value.is_some_and(|v| v.contains(':')) => Err(OptionError::Unsupported(format!(
            "--{name}={} (IPv6 is not supported)",
            value.unwrap_or("")
        ))),
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
                flag("ip_version", Some("ipv4")),
            ])
            .unwrap();
        assert_eq!(config.tolerance_usecs, 10_000);
        assert!(config.ts_ecr_scaled);
        assert_eq!(config.remote_ip, Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(config.bind_port, 8080);
    }

    #[test]
    fn bad_values_and_ipv6_are_reported() {
        let defaults = RunConfig::default();
        assert!(matches!(
            defaults.with_script_options(&[flag("tolerance_usecs", Some("soon"))]),
            Err(OptionError::Invalid(_))
        ));
        assert!(matches!(
            defaults.with_script_options(&[flag("ip_version", Some("ipv6"))]),
            Err(OptionError::Unsupported(_))
        ));
        assert!(matches!(
            defaults.with_script_options(&[flag("local_ip", Some("fd00::1"))]),
            Err(OptionError::Unsupported(_))
        ));
    }

    #[test]
    fn profiles_parse() {
        assert_eq!("rfc".parse(), Ok(Profile::Rfc));
        assert_eq!("linux".parse(), Ok(Profile::Linux));
        assert!("bsd".parse::<Profile>().is_err());
    }
}

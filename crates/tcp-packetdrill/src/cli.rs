//! The `tcp-packetdrill` command line: `--profile` and packetdrill's own options.

use crate::config::{Profile, RunConfig};
use std::ffi::OsString;
use std::path::PathBuf;

/// One line of usage, printed with `--help` and after an argument error.
pub const USAGE: &str = "usage: tcp-packetdrill [--profile linux|rfc] [--NAME[=VALUE]]... \
                         [-D SYMBOL=VALUE]... [-v] PATH...\n\
                         --NAME[=VALUE] is any packetdrill option (--tolerance_usecs=N, \
                         --ip_version=ipv4, --mtu=N, --local_ip=A, --remote_ip=A, \
                         --init_scripts=F, ...), applied over each script's own.\n\
                         PATH is a .pkt script or a directory searched recursively for them.";

/// packetdrill's options that take no value; every other one needs one.
const SWITCHES: &[&str] = &[
    "tcp_ts_ecr_scaled",
    "strict_segments",
    "wire_client",
    "wire_server",
    "dry_run",
    "is_anyip",
    "send_omit_free",
    "debug",
    "verbose",
];

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Print [`USAGE`].
    Help,
    /// Run scripts.
    Run(Args),
}

/// The settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// `--profile linux|rfc` (default linux): how the stack under test is configured.
    pub profile: Profile,
    /// packetdrill options, in the order given, without the leading `--`; checked when a
    /// script runs, like a script's own flag lines, which they override.
    pub options: Vec<(String, Option<String>)>,
    /// Scripts and directories, in the order given; never empty.
    pub paths: Vec<PathBuf>,
}

impl Args {
    /// packetdrill's defaults with this command line's options.
    pub fn run_config(&self) -> RunConfig {
        RunConfig {
            command_line: self.options.clone(),
            ..RunConfig::default()
        }
    }
}

/// Parses the arguments after the program name. An option's value follows `=` or is the
/// next argument (as with packetdrill's `getopt_long`); `-D X=Y` is `--define=X=Y` and `-v`
/// is `--verbose`; `--` ends the options; at least one path is required.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut parsed = Args {
        profile: Profile::default(),
        options: Vec::new(),
        paths: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str().filter(|t| t.starts_with('-') && *t != "-") else {
            parsed.paths.push(PathBuf::from(arg));
            continue;
        };
        let mut value_of = |name: &str, inline: Option<&str>| -> Result<String, String> {
            match inline {
                Some(value) => Ok(value.to_string()),
                None => args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("--{name} needs a value")),
            }
        };
        match text {
            "-h" | "--help" => return Ok(Command::Help),
            "--" => {
                parsed.paths.extend(args.by_ref().map(PathBuf::from));
            }
            "-v" => parsed.options.push(("verbose".to_string(), None)),
            "-D" => {
                let value = value_of("define", None)?;
                parsed.options.push(("define".to_string(), Some(value)));
            }
            _ => {
                let Some(long) = text.strip_prefix("--") else {
                    return Err(format!("unknown option '{text}'"));
                };
                let (name, inline) = match long.split_once('=') {
                    Some((name, value)) => (name, Some(value)),
                    None => (long, None),
                };
                if name == "profile" {
                    parsed.profile = value_of(name, inline)?.parse()?;
                } else if SWITCHES.contains(&name) {
                    if inline.is_some() {
                        return Err(format!("option '{name}' forbids an argument"));
                    }
                    parsed.options.push((name.to_string(), None));
                } else {
                    let value = value_of(name, inline)?;
                    parsed.options.push((name.to_string(), Some(value)));
                }
            }
        }
    }
    if parsed.paths.is_empty() {
        return Err("no script or directory given".to_string());
    }
    if let Err(crate::config::OptionError::Invalid(message)) =
        parsed.run_config().with_script_options(&[])
    {
        return Err(message);
    }
    Ok(Command::Run(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from))
    }

    fn run_args(args: &[&str]) -> Args {
        match parse(args) {
            Ok(Command::Run(args)) => args,
            other => panic!("{other:?}"),
        }
    }

    fn option(name: &str, value: Option<&str>) -> (String, Option<String>) {
        (name.to_string(), value.map(str::to_string))
    }

    #[test]
    fn defaults_and_paths() {
        let args = run_args(&["a.pkt", "dir"]);
        assert_eq!(args.profile, Profile::Linux);
        assert!(args.options.is_empty());
        assert_eq!(args.paths, [PathBuf::from("a.pkt"), PathBuf::from("dir")]);
        assert_eq!(args.run_config(), RunConfig::default());
    }

    #[test]
    fn packetdrill_options_in_both_forms() {
        let args = run_args(&[
            "--profile",
            "rfc",
            "--tolerance_usecs=100000",
            "--local_ip",
            "192.168.0.1",
            "--tcp_ts_ecr_scaled",
            "-D",
            "CMSG_LEVEL_IP=SOL_IP",
            "-v",
            "x",
            "--",
            "--weird-name.pkt",
        ]);
        assert_eq!(args.profile, Profile::Rfc);
        assert_eq!(
            args.options,
            [
                option("tolerance_usecs", Some("100000")),
                option("local_ip", Some("192.168.0.1")),
                option("tcp_ts_ecr_scaled", None),
                option("define", Some("CMSG_LEVEL_IP=SOL_IP")),
                option("verbose", None),
            ]
        );
        let config = args.run_config().with_script_options(&[]).unwrap();
        assert_eq!(config.tolerance_usecs, 100_000);
        assert_eq!(
            args.paths,
            [PathBuf::from("x"), PathBuf::from("--weird-name.pkt")]
        );
        assert_eq!(run_args(&["--profile=rfc", "x"]).profile, Profile::Rfc);
    }

    #[test]
    fn errors_and_help() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert!(parse(&[]).is_err());
        assert!(parse(&["--profile"]).is_err());
        assert!(parse(&["--profile", "bsd", "x"]).is_err());
        assert!(parse(&["--fast", "x", "y"]).is_err());
        assert!(parse(&["--verbose=1", "x"]).is_err());
        assert!(parse(&["--options-as-set", "x"]).is_err());
        assert!(parse(&["--tolerance_usecs=soon", "x"]).is_err());
    }
}

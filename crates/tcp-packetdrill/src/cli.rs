//! The `tcp-packetdrill` command line.

use crate::config::{Profile, RunConfig};
use std::ffi::OsString;
use std::path::PathBuf;

/// One line of usage, printed with `--help` and after an argument error.
pub const USAGE: &str = "usage: tcp-packetdrill [--profile linux|rfc] [--options-as-set] \
                         [--allow-skipping-shell] PATH...\n\
                         PATH is a .pkt script or a directory searched recursively for them.";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print [`USAGE`].
    Help,
    /// Run scripts.
    Run(Args),
}

/// The settings of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// `--profile linux|rfc` (default linux): how the stack under test is configured.
    pub profile: Profile,
    /// `--options-as-set`: compare outbound options ignoring NOP/EOL padding and order.
    pub options_as_set: bool,
    /// `--allow-skipping-shell`: run scripts with shell commands or code blocks without
    /// those lines.
    pub allow_skipping_shell: bool,
    /// Scripts and directories, in the order given; never empty.
    pub paths: Vec<PathBuf>,
}

impl Args {
    /// packetdrill's defaults with this command line's switches.
    pub fn run_config(&self) -> RunConfig {
        RunConfig {
            options_as_set: self.options_as_set,
            allow_skipping_shell: self.allow_skipping_shell,
            ..RunConfig::default()
        }
    }
}

/// Parses the arguments after the program name. `--profile` takes its value as the next
/// argument or after `=`; `--` ends the options; at least one path is required.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut parsed = Args {
        profile: Profile::default(),
        options_as_set: false,
        allow_skipping_shell: false,
        paths: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str().filter(|t| t.starts_with('-') && *t != "-") else {
            parsed.paths.push(PathBuf::from(arg));
            continue;
        };
        match text {
            "-h" | "--help" => return Ok(Command::Help),
            "--" => {
                parsed.paths.extend(args.by_ref().map(PathBuf::from));
            }
            "--options-as-set" => parsed.options_as_set = true,
            "--allow-skipping-shell" => parsed.allow_skipping_shell = true,
            "--profile" => {
                let value = args
                    .next()
                    .ok_or_else(|| "--profile needs a value (linux or rfc)".to_string())?;
                parsed.profile = value
                    .to_str()
                    .ok_or_else(|| "--profile value is not UTF-8".to_string())?
                    .parse()?;
            }
            _ => match text.strip_prefix("--profile=") {
                Some(value) => parsed.profile = value.parse()?,
                None => return Err(format!("unknown option '{text}'")),
            },
        }
    }
    if parsed.paths.is_empty() {
        return Err("no script or directory given".to_string());
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

    #[test]
    fn defaults_and_paths() {
        let args = run_args(&["a.pkt", "dir"]);
        assert_eq!(args.profile, Profile::Linux);
        assert!(!args.options_as_set && !args.allow_skipping_shell);
        assert_eq!(args.paths, [PathBuf::from("a.pkt"), PathBuf::from("dir")]);
        assert_eq!(args.run_config(), RunConfig::default());
    }

    #[test]
    fn every_switch() {
        let args = run_args(&[
            "--profile",
            "rfc",
            "--options-as-set",
            "--allow-skipping-shell",
            "x",
            "--",
            "--weird-name.pkt",
        ]);
        assert_eq!(args.profile, Profile::Rfc);
        let config = args.run_config();
        assert!(config.options_as_set && config.allow_skipping_shell);
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
        assert!(parse(&["--fast", "x"]).is_err());
    }
}

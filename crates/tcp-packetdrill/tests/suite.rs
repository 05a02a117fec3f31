//! The conformance suite: every script under the workspace's `tests/packetdrill/` runs
//! against tcp-core's engine with the Linux profile, as `tcp-packetdrill tests/packetdrill`
//! would, and the test fails listing each script that did not pass with its message.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tcp_packetdrill::report::{MakeStack, ScriptReport, Status, run_file};
use tcp_packetdrill::walk::find_scripts;
use tcp_packetdrill::{Profile, RunConfig, engine_sut};

/// The suite must keep at least this many scripts (the issue asks for 60).
const MIN_SCRIPTS: usize = 60;

/// `tests/<name>` at the workspace root (two levels above this crate).
fn workspace_dir(name: &str) -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir.ancestors().nth(2).unwrap_or(crate_dir);
    root.join("tests").join(name)
}

/// Every script below `dir`, run with the Linux profile.
fn run_all(dir: &Path) -> Vec<ScriptReport> {
    let config = RunConfig::default();
    let make: MakeStack =
        Arc::new(|script: &_, config: &_| engine_sut::new_sut(Profile::Linux, script, config));
    find_scripts(&[dir.to_path_buf()])
        .into_iter()
        .map(|found| match found {
            Ok(path) => run_file(&path, &config, &make),
            Err((path, error)) => ScriptReport::unreadable(&path, &error),
        })
        .collect()
}

#[test]
fn every_script_passes() {
    let reports = run_all(&workspace_dir("packetdrill"));
    let failing: Vec<&str> = reports
        .iter()
        .filter(|r| r.status != Status::Pass)
        .map(|r| r.line.as_str())
        .collect();
    assert!(
        failing.is_empty(),
        "{} of {} scripts did not pass (a skip counts: it tested nothing):\n{}",
        failing.len(),
        reports.len(),
        failing.join("\n")
    );
    assert!(
        reports.len() >= MIN_SCRIPTS,
        "only {} scripts in the suite",
        reports.len()
    );
}

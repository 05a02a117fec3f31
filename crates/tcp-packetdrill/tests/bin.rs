//! The `tcp-packetdrill` binary: its lines, summary and exit codes, with scripts whose result
//! does not depend on the stack (they fail to parse or are skipped before any stack runs).

use std::path::PathBuf;
use std::process::{Command, Output};

fn tcp_packetdrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tcp-packetdrill"))
        .args(args)
        .output()
        .unwrap()
}

/// A directory of scripts under the temp dir, removed on drop.
struct Scripts(PathBuf);

impl Drop for Scripts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The scripts under a directory of their own per test (`name`), so tests running in
/// parallel never remove each other's files.
fn scripts(name: &str) -> Scripts {
    let dir =
        std::env::temp_dir().join(format!("tcp-packetdrill-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("bad.pkt"), "0 > X 0:0(0)\n").unwrap();
    std::fs::write(dir.join("nested/udp.pkt"), "0 < udp (10)\n").unwrap();
    std::fs::write(dir.join("nested/readme.txt"), "not a script\n").unwrap();
    Scripts(dir)
}

#[test]
fn prints_a_line_per_script_and_a_summary() {
    let dir = scripts("summary");
    let root = dir.0.display().to_string();
    let output = tcp_packetdrill(&["--profile", "rfc", &root]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        format!(
            "FAIL {root}/bad.pkt:1: parse error: unknown TCP flag 'X' in 'X'\n\
             SKIP {root}/nested/udp.pkt: line 1: unsupported: 'udp' packets (only plain TCP segments are supported)\n\
             0 passed, 1 failed, 1 skipped\n"
        )
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn exits_zero_when_nothing_failed() {
    let dir = scripts("exit");
    let udp = dir.0.join("nested/udp.pkt").display().to_string();
    let output = tcp_packetdrill(&[&udp]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .ends_with("0 passed, 0 failed, 1 skipped\n")
    );
}

#[test]
fn usage_errors_exit_two_and_help_exits_zero() {
    let output = tcp_packetdrill(&["--profile", "bsd", "x.pkt"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("usage:"));
    let output = tcp_packetdrill(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .starts_with("usage:")
    );
}

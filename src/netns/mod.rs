//! The namespace test harness (docs/design.md §7): network namespaces joined by veth, code run
//! inside them, and the policy for machines where that is impossible.
//!
//! Only addresses in 198.18.0.0/15 are used, and only inside namespaces this module
//! created; nothing leaves the machine.

mod command;
mod namespace;
mod offload;
mod routed;
#[allow(unsafe_code)]
mod sys;
mod topology;

use std::io::Write;
use std::process::Command;

pub use namespace::Netns;
pub use offload::enable_offloads;
pub use routed::{BOTTLENECK_MTU, RoutedTopology};
pub use sys::set_tcp_option;
pub use topology::Topology;

/// Environment variable that turns a missing namespace capability from a skip into a
/// failure when set to `require`.
pub const ENV: &str = "TCP_NETNS";

/// Decides whether a namespace test can run here: the process is root and `ip netns` works.
///
/// When it can, returns true. When it cannot, returns false after writing exactly one line
/// to the process's stderr (outside the test harness's capture, so it shows):
/// `SKIP <test_name>: needs root and network namespaces (set TCP_NETNS=require to make this
/// a failure)`. With `TCP_NETNS=require` in the environment it panics instead, so CI cannot
/// pass by skipping.
pub fn require(test_name: &str) -> bool {
    if available() {
        return true;
    }
    if std::env::var(ENV).is_ok_and(|value| value == "require") {
        panic!("{test_name}: needs root and network namespaces, and {ENV}=require is set");
    }
    let line = format!(
        "SKIP {test_name}: needs root and network namespaces (set {ENV}=require to make this a failure)\n"
    );
    // If stderr is gone there is nobody to tell; the test still skips.
    let _ = std::io::stderr().write_all(line.as_bytes());
    false
}

/// Root, and an `ip` that can list namespaces.
fn available() -> bool {
    sys::is_root()
        && Command::new("ip")
            .args(["netns", "list"])
            .output()
            .is_ok_and(|output| output.status.success())
}

//! The congestion control every sender of a run uses (`--cc`, by default the machine's):
//! the kernel's sockets get it through `TCP_CONGESTION`, this stack's engine through its
//! `Config`, so rows compare like with like.
//! `--stack-pacing` turns on this stack's pacing of CUBIC and NewReno (BBR always paces).

use std::io;
use std::sync::OnceLock;

use socket2::Socket;
use tcp_core::{Algorithm, Config};

/// The run's choice, set once from the command line.
static CHOSEN: OnceLock<Algorithm> = OnceLock::new();

/// This stack paces loss-based controllers too (`--stack-pacing`).
static STACK_PACING: OnceLock<bool> = OnceLock::new();

/// Paces this stack's loss-based controllers (`Config::pacing`).
pub(crate) fn pace_stack() {
    let _ = STACK_PACING.set(true);
}

/// Whether this stack paces loss-based controllers in this run.
pub(crate) fn stack_paced() -> bool {
    STACK_PACING.get().copied().unwrap_or(false)
}

/// Records the run's congestion control (the first call wins).
pub(crate) fn choose(algorithm: Algorithm) {
    let _ = CHOSEN.set(algorithm);
}

/// The run's congestion control: the one chosen with `--cc`, else the machine's default
/// (`net.ipv4.tcp_congestion_control`, which new namespaces inherit) if this stack has it,
/// else CUBIC.
pub(crate) fn chosen() -> Algorithm {
    *CHOSEN.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/net/ipv4/tcp_congestion_control")
            .ok()
            .and_then(|name| parse(name.trim()))
            .unwrap_or_default()
    })
}

/// The name on the command line and in `TCP_CONGESTION`.
pub(crate) fn name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::NewReno => "reno",
        Algorithm::Cubic => "cubic",
        Algorithm::Bbr => "bbr",
    }
}

/// The run's choice as the report names it, with this stack's pacing when it is on.
pub(crate) fn label() -> String {
    let name = name(chosen());
    if stack_paced() {
        format!("{name}, this stack paced")
    } else {
        name.to_string()
    }
}

/// The algorithm named `name` on the command line.
pub(crate) fn parse(name: &str) -> Option<Algorithm> {
    [Algorithm::NewReno, Algorithm::Cubic, Algorithm::Bbr]
        .into_iter()
        .find(|algorithm| self::name(*algorithm) == name)
}

/// Sets the run's congestion control on a kernel socket.
pub(crate) fn apply(socket: &Socket) -> io::Result<()> {
    socket.set_tcp_congestion(name(chosen()).as_bytes())
}

/// The engine configuration of this stack's rows.
pub(crate) fn stack_config() -> Config {
    Config {
        congestion_control: chosen(),
        pacing: stack_paced(),
        ..Config::default()
    }
}

//! The address family of the main table's rows (`--family v4,v6`): the table is measured
//! once per family, the same rows over IPv4 and over IPv6 on the same kind of veth. The
//! family of the pass being measured is read where topologies, sockets and stacks are made.

use std::sync::atomic::{AtomicBool, Ordering};

/// An address family of the main table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// IPv4 (`198.18.X.0/24`), the default.
    V4,
    /// IPv6 (`2001:2:0:X::/64`), on a dual-stack topology.
    V6,
}

/// Whether the pass being measured is IPv6's.
static IPV6: AtomicBool = AtomicBool::new(false);

/// Makes `family` the one later rows are measured in.
pub(crate) fn choose(family: Family) {
    IPV6.store(family == Family::V6, Ordering::Relaxed);
}

/// The family rows are measured in now.
pub(crate) fn current() -> Family {
    if IPV6.load(Ordering::Relaxed) {
        Family::V6
    } else {
        Family::V4
    }
}

/// The family called `name` on the command line (`v4`, `v6`).
pub(crate) fn parse(name: &str) -> Option<Family> {
    match name {
        "v4" => Some(Family::V4),
        "v6" => Some(Family::V6),
        _ => None,
    }
}

/// The heading of `family`'s table.
pub(crate) fn heading(family: Family) -> &'static str {
    match family {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

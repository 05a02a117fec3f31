//! The process's memory as the kernel counts it: resident set now (VmRSS) and its high-water
//! mark (VmHWM), from `/proc/self/status`. The stack runs in this process, so its growth is
//! the stack's (plus the test's own, small and fixed).

/// One reading, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) rss_kib: u64,
    pub(crate) hwm_kib: u64,
}

/// Reads `/proc/self/status` now.
pub(crate) fn usage() -> Usage {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /proc/self/status"))
    };
    Usage {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    }
}

/// The largest VmRSS seen over a run of samples, and the last VmHWM.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Peak {
    pub(crate) max_rss_kib: u64,
    pub(crate) hwm_kib: u64,
    pub(crate) samples: u64,
}

impl Peak {
    /// Takes a sample.
    pub(crate) fn sample(&mut self) {
        let now = usage();
        self.max_rss_kib = self.max_rss_kib.max(now.rss_kib);
        self.hwm_kib = self.hwm_kib.max(now.hwm_kib);
        self.samples += 1;
    }
}

/// KiB as MiB for printing.
pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

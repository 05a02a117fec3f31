//! The kernel's SNMP counters of one network namespace under the names `nstat` gives them
//! (`TcpExtTCPFastRetrans`, `TcpRetransSegs`), read from `/proc/thread-self/net/netstat`
//! and `.../snmp`. The counters are per namespace, and these files show the calling
//! thread's (`/proc/self/net` would show the main thread's, outside every scenario).

use std::collections::HashMap;
use std::fs;
use std::io;

/// The files read, in the calling thread's namespace.
const FILES: [&str; 2] = [
    "/proc/thread-self/net/netstat",
    "/proc/thread-self/net/snmp",
];

/// Every counter of the calling thread's namespace at one moment, by nstat name.
pub(crate) struct Nstat(HashMap<String, u64>);

impl Nstat {
    /// Reads the counters now.
    pub(crate) fn read() -> io::Result<Nstat> {
        let mut counters = HashMap::new();
        for path in FILES {
            let text = fs::read_to_string(path)
                .map_err(|e| io::Error::new(e.kind(), format!("reading {path}: {e}")))?;
            parse(&text, &mut counters).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{path}: unexpected format"),
                )
            })?;
        }
        Ok(Nstat(counters))
    }

    /// The counter called `name`; an error names it if this kernel has no such counter.
    pub(crate) fn get(&self, name: &str) -> io::Result<u64> {
        self.0.get(name).copied().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("the kernel has no counter {name}"),
            )
        })
    }
}

/// Adds the counters of one such file to `into`: pairs of lines, `Group: names...` then
/// `Group: values...`, each counter named group then name, as nstat does. `None` when a
/// pair's groups differ.
fn parse(text: &str, into: &mut HashMap<String, u64>) -> Option<()> {
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        let (group, names) = names.split_once(':')?;
        let (value_group, values) = values.split_once(':')?;
        if group != value_group {
            return None;
        }
        for (name, value) in names.split_whitespace().zip(values.split_whitespace()) {
            // A few counters are signed (`Tcp: MaxConn` is -1); none of them is read here.
            if let Ok(value) = value.parse() {
                into.insert(format!("{group}{name}"), value);
            }
        }
    }
    Some(())
}

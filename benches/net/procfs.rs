//! What the kernel counts about this process and about itself, read from `/proc` without
//! unsafe code: CPU time, resident memory and slab memory.

use std::fs;
use std::io;

/// `AT_PAGESZ` of `linux/auxvec.h`: the page size in bytes.
const AT_PAGESZ: u64 = 6;
/// `AT_CLKTCK` of `linux/auxvec.h`: clock ticks per second of `/proc` times.
const AT_CLKTCK: u64 = 17;

/// CPU seconds (user + system) used so far by every thread of this process, including
/// threads that have ended (fields 14 and 15 of `/proc/self/stat`).
pub(crate) fn cpu_seconds() -> io::Result<f64> {
    let stat = fs::read_to_string("/proc/self/stat")?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| malformed("/proc/self/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so field N is at index N - 3.
    let ticks = |index: usize| -> io::Result<u64> {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .ok_or_else(|| malformed("/proc/self/stat"))
    };
    let total = ticks(14 - 3)? + ticks(15 - 3)?;
    Ok(total as f64 / auxv(AT_CLKTCK)? as f64)
}

/// Resident memory of this process in bytes (`/proc/self/statm`, second field).
pub(crate) fn rss_bytes() -> io::Result<u64> {
    let statm = fs::read_to_string("/proc/self/statm")?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .ok_or_else(|| malformed("/proc/self/statm"))?;
    Ok(pages * auxv(AT_PAGESZ)?)
}

/// Bytes in use in the kernel's slab caches, all caches together (`active_objs ×
/// objsize` summed over `/proc/slabinfo`). Machine-wide: other processes move it too.
pub(crate) fn slab_bytes() -> io::Result<u64> {
    let slabinfo = fs::read_to_string("/proc/slabinfo")?;
    let mut total = 0;
    // Two header lines: the version and the column names.
    for line in slabinfo.lines().skip(2) {
        let fields: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .take(3)
            .map(|field| field.parse().map_err(|_| malformed("/proc/slabinfo")))
            .collect::<io::Result<_>>()?;
        let [active_objs, _num_objs, objsize] = fields[..] else {
            return Err(malformed("/proc/slabinfo"));
        };
        total += active_objs * objsize;
    }
    Ok(total)
}

/// One entry of this process's auxiliary vector (`/proc/self/auxv`: native-endian pairs
/// of machine words, type then value).
fn auxv(kind: u64) -> io::Result<u64> {
    const WORD: usize = size_of::<usize>();
    let bytes = fs::read("/proc/self/auxv")?;
    let word = |bytes: &[u8]| -> u64 {
        let mut array = [0; WORD];
        array.copy_from_slice(bytes);
        usize::from_ne_bytes(array) as u64
    };
    bytes
        .chunks_exact(2 * WORD)
        .find(|pair| word(&pair[..WORD]) == kind)
        .map(|pair| word(&pair[WORD..]))
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no auxv entry {kind}")))
}

/// The error for a `/proc` file that does not read as documented.
fn malformed(path: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{path}: unexpected format"),
    )
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` prints them.
pub(crate) fn load_average() -> io::Result<String> {
    let text = fs::read_to_string("/proc/loadavg")?;
    Ok(text
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" "))
}

/// The running kernel's release (`uname -r`).
pub(crate) fn kernel_release() -> io::Result<String> {
    Ok(fs::read_to_string("/proc/sys/kernel/osrelease")?
        .trim()
        .to_string())
}

/// The 1-minute load average, as `/proc/loadavg` prints it.
pub(crate) fn load_average_1min() -> io::Result<String> {
    let text = fs::read_to_string("/proc/loadavg")?;
    text.split_whitespace()
        .next()
        .map(str::to_string)
        .ok_or_else(|| malformed("/proc/loadavg"))
}

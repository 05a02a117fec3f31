//! Turning off a veth's offloads, which would otherwise hand the raw socket frames with
//! checksums not yet filled in and 64 KiB super-frames, without the ethtool
//! program: the legacy ethtool ioctls do what `ethtool -K <dev> rx off tx off sg off tso
//! off gso off gro off` does. Turning them back on (for a benchmark row that wants the
//! kernel's offloads) goes through the same table.

use std::io;

use socket2::{Domain, Socket, Type};

use super::sys;

/// One offload: its name as ethtool prints it, and its get and set commands.
struct Offload {
    name: &'static str,
    get: u32,
    set: u32,
}

/// The offloads turned off, in an order that respects their dependencies (TSO needs SG,
/// SG needs TX checksumming: dependants go first).
const OFFLOADS: [Offload; 6] = [
    Offload {
        name: "tcp-segmentation-offload",
        get: 0x1e,
        set: 0x1f,
    },
    Offload {
        name: "generic-segmentation-offload",
        get: 0x23,
        set: 0x24,
    },
    Offload {
        name: "generic-receive-offload",
        get: 0x2b,
        set: 0x2c,
    },
    Offload {
        name: "scatter-gather",
        get: 0x18,
        set: 0x19,
    },
    Offload {
        name: "tx-checksumming",
        get: 0x16,
        set: 0x17,
    },
    Offload {
        name: "rx-checksumming",
        get: 0x14,
        set: 0x15,
    },
];

/// Turns every offload in [`OFFLOADS`] off on `dev`, which must be in the calling thread's
/// network namespace, then reads each back and fails unless all are off.
pub(super) fn disable_offloads(dev: &str) -> io::Result<()> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
    for offload in &OFFLOADS {
        match sys::ethtool(&socket, dev, offload.set, 0) {
            Err(error) if error.raw_os_error() == Some(libc::EOPNOTSUPP) => {}
            result => {
                result.map_err(|e| context(dev, "turning off", offload.name, e))?;
            }
        }
    }
    for offload in &OFFLOADS {
        let state = sys::ethtool(&socket, dev, offload.get, 0)
            .map_err(|e| context(dev, "reading", offload.name, e))?;
        if state != 0 {
            return Err(io::Error::other(format!(
                "{dev}: {} is still on after turning it off",
                offload.name
            )));
        }
    }
    Ok(())
}

/// Turns the offloads a fresh veth has back on for `dev`, in the calling thread's network
/// namespace: what `ethtool -K <dev> tx on sg on tso on gso on rx on` does. GRO stays as a
/// fresh veth has it: off.
pub fn enable_offloads(dev: &str) -> io::Result<()> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
    // Prerequisites first: the table lists dependants first.
    for offload in OFFLOADS.iter().rev() {
        if offload.name == "generic-receive-offload" {
            continue;
        }
        sys::ethtool(&socket, dev, offload.set, 1)
            .map_err(|e| context(dev, "turning on", offload.name, e))?;
    }
    Ok(())
}

/// An error naming the device, the step and the offload.
fn context(dev: &str, step: &str, name: &str, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{dev}: {step} {name}: {error}"))
}

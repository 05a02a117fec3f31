//! Turning a veth's offloads back on for the "offloads on" kernel row. The topology turns
//! them off (DESIGN.md §4); this restores what a fresh veth has, as
//! `ethtool -K <dev> tx on sg on tso on gso on rx on` would, through the same legacy ethtool
//! ioctl as `src/netns/offload.rs` so the bench needs no ethtool program. GRO stays as a
//! fresh veth has it: off.

use core::ffi::c_char;
use core::{mem, ptr};
use std::io;
use std::os::fd::AsRawFd;

use socket2::{Domain, Socket, Type};

/// `ETHTOOL_S*` set commands of `linux/ethtool.h`, in an order that respects their
/// dependencies (TSO needs SG, SG needs TX checksumming: prerequisites first).
const SET_COMMANDS: [(&str, u32); 5] = [
    ("tx-checksumming", 0x17),
    ("scatter-gather", 0x19),
    ("tcp-segmentation-offload", 0x1f),
    ("generic-segmentation-offload", 0x24),
    ("rx-checksumming", 0x15),
];

/// `struct ethtool_value`: the argument of on/off ethtool commands.
#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// Turns the offloads of `dev` (in the calling thread's namespace) on.
pub(crate) fn enable(dev: &str) -> io::Result<()> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
    for (name, cmd) in SET_COMMANDS {
        ethtool(&socket, dev, cmd, 1)
            .map_err(|e| io::Error::new(e.kind(), format!("{dev}: turning on {name}: {e}")))?;
    }
    Ok(())
}

/// Runs the ethtool command `cmd` with `data` on interface `dev` through `socket`.
fn ethtool(socket: &Socket, dev: &str, cmd: u32, data: u32) -> io::Result<()> {
    let name = dev.as_bytes();
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{dev:?} is not an interface name"),
        ));
    }
    let mut value = EthtoolValue { cmd, data };
    // SAFETY: ifreq is plain data (a name array and a union of integers, sockaddrs and a raw
    // pointer); all-zero bytes are a valid value.
    let mut request: libc::ifreq = unsafe { mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(name) {
        *slot = *byte as c_char;
    }
    request.ifr_ifru.ifru_data = ptr::from_mut(&mut value).cast::<c_char>();
    // SAFETY: SIOCETHTOOL reads the ifreq and the ethtool_value its data pointer names;
    // both live, unaliased, across the call.
    let rc = unsafe {
        libc::ioctl(
            socket.as_raw_fd(),
            libc::SIOCETHTOOL,
            ptr::from_mut(&mut request),
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

//! The libc boundary of the harness: entering a namespace, the effective user, the
//! ethtool ioctl and TCP socket options. Every `unsafe` block of the root package lives here.

use core::ffi::c_char;
use core::{mem, ptr};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use socket2::Socket;

/// Moves the calling thread into the network namespace `file` refers to.
pub(super) fn enter_network_namespace(file: &File) -> io::Result<()> {
    // SAFETY: the descriptor is open for the duration of the call (borrowed from `file`);
    // setns only changes the calling thread's namespace membership.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// True when the process runs with effective user id 0.
pub(super) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `SIOCETHTOOL` commands use this layout for on/off settings (`struct ethtool_value`).
#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// Runs the ethtool command `cmd` with `data` on interface `name` through `socket` (any
/// socket of the interface's namespace) and returns the data the kernel left.
pub(super) fn ethtool(socket: &Socket, name: &str, cmd: u32, data: u32) -> io::Result<u32> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a valid interface name"),
        ));
    }
    let mut value = EthtoolValue { cmd, data };
    // SAFETY: ifreq is plain data (a name array and a union of integers, sockaddrs and a raw
    // pointer); all-zero bytes are a valid value.
    let mut request: libc::ifreq = unsafe { mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(bytes) {
        *slot = *byte as c_char;
    }
    request.ifr_ifru.ifru_data = ptr::from_mut(&mut value).cast::<c_char>();
    // SAFETY: SIOCETHTOOL reads the ifreq and the ethtool_value its data pointer names, and
    // for get commands writes that ethtool_value; both live, unaliased, across the call.
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
    Ok(value.data)
}

/// Sets the integer option `name` at the TCP level (`IPPROTO_TCP`) of `socket`, for options
/// socket2 does not wrap, such as `TCP_FASTOPEN` and `TCP_FASTOPEN_CONNECT`.
pub fn set_tcp_option(socket: &Socket, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: the descriptor is open for the duration of the call (borrowed from `socket`),
    // and the value is a c_int on the stack whose size is passed alongside.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            name,
            (&raw const value).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

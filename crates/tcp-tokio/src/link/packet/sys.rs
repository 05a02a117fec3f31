//! The libc boundary of [`PacketSocket`](super::PacketSocket): binding to an interface,
//! socket options, interface queries and batched receive/send. Every `unsafe` block of the
//! link layer lives here, behind safe functions over a borrowed [`Socket`].

use core::ffi::{c_int, c_uint, c_void};
use core::{mem, ptr};
use std::io;
use std::os::fd::AsRawFd;

use socket2::Socket;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use crate::link::BATCH;

/// Binds `socket` to the interface `ifindex` for frames of EtherType `protocol` (host
/// order; `ETH_P_ALL` for every frame).
pub(super) fn bind(socket: &Socket, protocol: u16, ifindex: c_int) -> io::Result<()> {
    let addr = libc::sockaddr_ll {
        sll_family: libc::AF_PACKET as u16,
        sll_protocol: protocol.to_be(),
        sll_ifindex: ifindex,
        sll_hatype: 0,
        sll_pkttype: 0,
        sll_halen: 0,
        sll_addr: [0; 8],
    };
    // SAFETY: `addr` is a fully initialised sockaddr_ll living across the call, and the
    // length passed is exactly its size; the fd is open for as long as `socket` is borrowed.
    let rc = unsafe {
        libc::bind(
            socket.as_raw_fd(),
            ptr::from_ref(&addr).cast::<libc::sockaddr>(),
            mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets an integer `SOL_PACKET` option.
pub(super) fn set_packet_option(socket: &Socket, name: c_int, value: c_int) -> io::Result<()> {
    set_int_option(socket, libc::SOL_PACKET, name, value)
}

/// Sets `SO_RCVBUFFORCE`: a receive buffer above `net.core.rmem_max` (needs
/// `CAP_NET_ADMIN`).
pub(super) fn force_recv_buffer(socket: &Socket, bytes: c_int) -> io::Result<()> {
    set_int_option(socket, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, bytes)
}

/// Sets an integer socket option at `level`.
fn set_int_option(socket: &Socket, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    // SAFETY: the option value points at a live c_int and its exact size is passed; the fd
    // is open for as long as `socket` is borrowed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            ptr::from_ref(&value).cast::<c_void>(),
            mem::size_of::<c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Makes `socket` receive the Ethernet multicast group `mac` on the interface `ifindex`
/// (`PACKET_ADD_MEMBERSHIP`, `PACKET_MR_MULTICAST`): the device is told to accept the group
/// while the socket is open.
pub(super) fn add_membership(socket: &Socket, ifindex: c_int, mac: [u8; 6]) -> io::Result<()> {
    let mut address = [0u8; 8];
    address[..6].copy_from_slice(&mac);
    let request = libc::packet_mreq {
        mr_ifindex: ifindex,
        mr_type: libc::PACKET_MR_MULTICAST as u16,
        mr_alen: 6,
        mr_address: address,
    };
    // SAFETY: `request` is a fully initialised packet_mreq living across the call, and its
    // exact size is passed; the fd is open for as long as `socket` is borrowed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            ptr::from_ref(&request).cast::<c_void>(),
            mem::size_of::<libc::packet_mreq>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Reads an integer `SOL_PACKET` option.
pub(super) fn packet_option(socket: &Socket, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: the kernel writes at most `len` bytes (the size of the live c_int `value`)
    // and stores the length it wrote in `len`, both exclusively borrowed for the call; the
    // fd is open for as long as `socket` is borrowed.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_PACKET,
            name,
            ptr::from_mut(&mut value).cast::<c_void>(),
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value)
}

/// Hands the kernel a classic BPF `program` through the option `level`/`name` that takes a
/// `struct sock_fprog` (`SO_ATTACH_FILTER`, `PACKET_FANOUT_DATA`). The kernel checks the
/// program and copies it; `InvalidInput` for one longer than a `sock_fprog` can describe.
pub(super) fn set_program(
    socket: &Socket,
    level: c_int,
    name: c_int,
    program: &[libc::sock_filter],
) -> io::Result<()> {
    let len = u16::try_from(program.len()).map_err(|_| io::ErrorKind::InvalidInput)?;
    let fprog = libc::sock_fprog {
        len,
        // The kernel only reads the instructions; the pointer is mutable only in the type.
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: `fprog` is a live sock_fprog whose exact size is passed, pointing at `len`
    // initialised instructions borrowed for the whole call, which the kernel copies before
    // returning; the fd is open for as long as `socket` is borrowed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            ptr::from_ref(&fprog).cast::<c_void>(),
            mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// What the kernel says about one interface, read through the socket so that the answer
/// comes from the socket's network namespace.
#[derive(Debug, Clone, Copy)]
pub(super) struct InterfaceFacts {
    pub(super) index: c_int,
    pub(super) mtu: usize,
    pub(super) mac: [u8; 6],
}

/// Looks up `name`'s index, MTU and Ethernet address. `InvalidInput` for a name that cannot
/// be an interface name, `NotFound` (ENODEV) for a name with no interface,
/// `Unsupported` for an interface that is not Ethernet.
pub(super) fn interface_facts(socket: &Socket, name: &str) -> io::Result<InterfaceFacts> {
    let mut request = ifreq(name)?;
    ioctl(socket, libc::SIOCGIFINDEX, &mut request).map_err(|error| {
        match error.raw_os_error() {
            // std files ENODEV under "uncategorized"; a missing interface is NotFound.
            Some(libc::ENODEV) => io::Error::new(io::ErrorKind::NotFound, error),
            _ => error,
        }
    })?;
    // SAFETY: SIOCGIFINDEX succeeded, so the kernel filled the ifindex member of the union.
    let index = unsafe { request.ifr_ifru.ifru_ifindex };
    ioctl(socket, libc::SIOCGIFMTU, &mut request)?;
    // SAFETY: SIOCGIFMTU succeeded, so the kernel filled the mtu member of the union.
    let mtu = unsafe { request.ifr_ifru.ifru_mtu };
    ioctl(socket, libc::SIOCGIFHWADDR, &mut request)?;
    // SAFETY: SIOCGIFHWADDR succeeded, so the kernel filled the hwaddr member (a sockaddr,
    // plain data in every bit pattern).
    let hwaddr = unsafe { request.ifr_ifru.ifru_hwaddr };
    if hwaddr.sa_family != libc::ARPHRD_ETHER {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "interface {name} is not Ethernet (ARPHRD {})",
                hwaddr.sa_family
            ),
        ));
    }
    let mut mac = [0u8; 6];
    for (byte, raw) in mac.iter_mut().zip(hwaddr.sa_data) {
        *byte = raw as u8;
    }
    Ok(InterfaceFacts {
        index,
        mtu: usize::try_from(mtu).unwrap_or(0),
        mac,
    })
}

/// An `ifreq` naming `name`, the rest zero.
fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a valid interface name"),
        ));
    }
    // SAFETY: ifreq is plain data (a name array and a union of integers, sockaddrs and a raw
    // pointer), for which all-zero bytes are a valid value.
    let mut request: libc::ifreq = unsafe { mem::zeroed() };
    for (slot, byte) in request.ifr_name.iter_mut().zip(bytes) {
        *slot = *byte as libc::c_char;
    }
    Ok(request)
}

/// One interface ioctl on the socket.
fn ioctl(socket: &Socket, request: libc::Ioctl, ifreq: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: the request codes used here read or write one `struct ifreq`, which `ifreq`
    // points to exclusively for the duration of the call.
    let rc = unsafe { libc::ioctl(socket.as_raw_fd(), request, ptr::from_mut(ifreq)) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Registers the socket with the tokio reactor of the current runtime, for readability
/// only: an AF_PACKET socket becomes writable again each time the device frees one of its
/// frames, and with write interest every such free would wake the reactor.
pub(super) fn register(socket: Socket) -> io::Result<AsyncFd<Socket>> {
    // SAFETY: `Socket` owns its descriptor: it stays open and is the same descriptor until
    // the AsyncFd (which takes the Socket by value) drops it.
    unsafe { AsyncFd::register_with_interest(socket, Interest::READABLE) }.map_err(io::Error::from)
}

/// `struct virtio_net_hdr` of `linux/virtio_net.h`: with `PACKET_VNET_HDR` it comes in
/// front of every frame sent and received, saying how to segment and checksum it. Fields
/// are little-endian, as the kernel reads them on every architecture Linux runs this on
/// with virtio 1.0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct VnetHeader {
    pub(super) flags: u8,
    pub(super) gso_type: u8,
    pub(super) hdr_len: u16,
    pub(super) gso_size: u16,
    pub(super) csum_start: u16,
    pub(super) csum_offset: u16,
}

/// Receives up to [`BATCH`] frames without blocking into consecutive `slot_len` slots of
/// `spare`, each frame's virtio header into `headers` when given. Returns per slot the
/// frame length, or `None` for a frame that was longer than its slot (cut by the kernel,
/// to be dropped), and how many slots were used.
pub(super) fn recv_batch(
    socket: &Socket,
    spare: &mut [u8],
    slot_len: usize,
    mut headers: Option<&mut [VnetHeader; BATCH]>,
) -> io::Result<([Option<usize>; BATCH], usize)> {
    let mut lens = [None; BATCH];
    let mut iovecs = [[libc::iovec {
        iov_base: ptr::null_mut(),
        iov_len: 0,
    }; 2]; BATCH];
    let mut count = 0;
    for (i, slot) in spare.chunks_exact_mut(slot_len).take(BATCH).enumerate() {
        let frame = libc::iovec {
            iov_base: slot.as_mut_ptr().cast::<c_void>(),
            iov_len: slot.len(),
        };
        iovecs[i] = match headers.as_deref_mut() {
            Some(headers) => [
                libc::iovec {
                    iov_base: ptr::from_mut(&mut headers[i]).cast::<c_void>(),
                    iov_len: mem::size_of::<VnetHeader>(),
                },
                frame,
            ],
            None => [frame, frame],
        };
        count += 1;
    }
    if count == 0 {
        return Ok((lens, 0));
    }
    let per_message = if headers.is_some() { 2 } else { 1 };
    // SAFETY: mmsghdr is plain data (integers and raw pointers); all-zero is a valid value
    // meaning no name, no control data, no flags.
    let mut messages: [libc::mmsghdr; BATCH] = unsafe { mem::zeroed() };
    for (message, iovec) in messages.iter_mut().zip(iovecs.iter_mut()).take(count) {
        message.msg_hdr.msg_iov = iovec.as_mut_ptr();
        message.msg_hdr.msg_iovlen = per_message;
    }
    // SAFETY: the first `count` messages each point to `per_message` iovecs describing a
    // distinct writable header (when given) and a distinct writable slot of `spare`, all of
    // which outlive the call; no timeout pointer is passed.
    let received = unsafe {
        libc::recvmmsg(
            socket.as_raw_fd(),
            messages.as_mut_ptr(),
            count as c_uint,
            libc::MSG_DONTWAIT,
            ptr::null_mut(),
        )
    };
    let received = usize::try_from(received).map_err(|_| io::Error::last_os_error())?;
    let header_len = if per_message == 2 {
        mem::size_of::<VnetHeader>()
    } else {
        0
    };
    for (len, message) in lens.iter_mut().zip(&messages).take(received) {
        let frame_len = (message.msg_len as usize).saturating_sub(header_len);
        if message.msg_hdr.msg_flags & libc::MSG_TRUNC == 0
            && message.msg_len as usize >= header_len
        {
            *len = Some(frame_len);
        }
    }
    Ok((lens, received))
}

/// Sends up to [`BATCH`] of `frames` without blocking, each after its virtio header from
/// `headers` when given; returns how many the kernel took (at least one, or an error about
/// the first).
pub(super) fn send_batch<'a>(
    socket: &Socket,
    frames: impl Iterator<Item = &'a [u8]>,
    headers: Option<&[VnetHeader; BATCH]>,
) -> io::Result<usize> {
    let mut iovecs = [[libc::iovec {
        iov_base: ptr::null_mut(),
        iov_len: 0,
    }; 2]; BATCH];
    let mut count = 0;
    for (i, frame) in frames.take(BATCH).enumerate() {
        // The kernel only reads from send buffers; the pointers are mutable only because
        // iovec is shared with receive.
        let frame = libc::iovec {
            iov_base: frame.as_ptr().cast_mut().cast::<c_void>(),
            iov_len: frame.len(),
        };
        iovecs[i] = match headers {
            Some(headers) => [
                libc::iovec {
                    iov_base: ptr::from_ref(&headers[i]).cast_mut().cast::<c_void>(),
                    iov_len: mem::size_of::<VnetHeader>(),
                },
                frame,
            ],
            None => [frame, frame],
        };
        count += 1;
    }
    if count == 0 {
        return Ok(0);
    }
    let per_message = if headers.is_some() { 2 } else { 1 };
    // SAFETY: mmsghdr is plain data; all-zero means no destination name (the socket is
    // bound to its interface), no control data, no flags.
    let mut messages: [libc::mmsghdr; BATCH] = unsafe { mem::zeroed() };
    for (message, iovec) in messages.iter_mut().zip(iovecs.iter_mut()).take(count) {
        message.msg_hdr.msg_iov = iovec.as_mut_ptr();
        message.msg_hdr.msg_iovlen = per_message;
    }
    // SAFETY: the first `count` messages each point to `per_message` iovecs describing a
    // header and a frame borrowed for the whole call; sendmmsg only reads them.
    let sent = unsafe {
        libc::sendmmsg(
            socket.as_raw_fd(),
            messages.as_mut_ptr(),
            count as c_uint,
            libc::MSG_DONTWAIT,
        )
    };
    usize::try_from(sent).map_err(|_| io::Error::last_os_error())
}

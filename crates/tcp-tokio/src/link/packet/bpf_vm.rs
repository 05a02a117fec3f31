//! A classic BPF interpreter for tests: runs the link's assembled programs on hand-made
//! packets, for exactly the opcodes [`Insn`](super::bpf::Insn) emits, with the kernel's
//! semantics (a load past the end returns 0, arithmetic wraps at 32 bits).

use libc::sock_filter;

/// What a program sees of one packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet<'a> {
    /// The bytes from where the program's view starts.
    pub(crate) data: &'a [u8],
    /// `skb->pkt_type`.
    pub(crate) pkt_type: u8,
}

impl<'a> Packet<'a> {
    /// `data` received from the wire for this host.
    pub(crate) fn received(data: &'a [u8]) -> Packet<'a> {
        Packet {
            data,
            pkt_type: libc::PACKET_HOST,
        }
    }
}

/// The value `program` returns for `packet`.
///
/// # Panics
/// On an opcode the link's programs never use, or on running off the end.
pub(crate) fn run(program: &[sock_filter], packet: &Packet<'_>) -> u32 {
    use libc::{BPF_ABS, BPF_H, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W};
    let load = |offset: u32, size: usize| -> Option<u32> {
        let start = usize::try_from(offset).ok()?;
        let bytes = packet.data.get(start..start.checked_add(size)?)?;
        Some(
            bytes
                .iter()
                .fold(0, |value, byte| value << 8 | u32::from(*byte)),
        )
    };
    let pkt_type = (libc::SKF_AD_OFF + libc::SKF_AD_PKTTYPE) as u32;
    let mut a = 0u32;
    let mut pc = 0;
    loop {
        let insn = program[pc];
        pc += 1;
        let code = u32::from(insn.code);
        let loaded = match code {
            c if c == BPF_LD | BPF_W | BPF_ABS && insn.k == pkt_type => {
                Some(u32::from(packet.pkt_type))
            }
            c if c == BPF_LD | BPF_W | BPF_ABS => load(insn.k, 4),
            c if c == BPF_LD | BPF_H | BPF_ABS => load(insn.k, 2),
            c if c == BPF_JMP | BPF_JEQ | BPF_K => {
                let taken = a == insn.k;
                pc += usize::from(if taken { insn.jt } else { insn.jf });
                continue;
            }
            c if c == BPF_RET | BPF_K => return insn.k,
            other => panic!("opcode {other:#x} is not one the link's programs use"),
        };
        match loaded {
            Some(value) => a = value,
            None => return 0,
        }
    }
}

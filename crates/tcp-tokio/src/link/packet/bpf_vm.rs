//! A classic BPF interpreter for tests: runs the link's assembled programs on hand-made
//! packets, for exactly the opcodes [`Insn`](super::bpf::Insn) emits, with the kernel's
//! semantics (a load past the end returns 0, arithmetic wraps at 32 bits).

use libc::sock_filter;

/// What a program sees of one packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet<'a> {
    /// The bytes from where the program's view starts.
    pub(crate) data: &'a [u8],
    /// `skb->protocol`, host order.
    pub(crate) protocol: u16,
    /// `skb->pkt_type`.
    pub(crate) pkt_type: u8,
}

impl<'a> Packet<'a> {
    /// `data` received from the wire for this host, with no protocol set.
    pub(crate) fn received(data: &'a [u8]) -> Packet<'a> {
        Packet {
            data,
            protocol: 0,
            pkt_type: libc::PACKET_HOST,
        }
    }
}

/// The value `program` returns for `packet`.
///
/// # Panics
/// On an opcode the link's programs never use, or on running off the end.
pub(crate) fn run(program: &[sock_filter], packet: &Packet<'_>) -> u32 {
    use libc::{
        BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_IND, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LD,
        BPF_LDX, BPF_MSH, BPF_MUL, BPF_RET, BPF_RSH, BPF_W,
    };
    let load = |offset: u32, size: usize| -> Option<u32> {
        let start = usize::try_from(offset).ok()?;
        let bytes = packet.data.get(start..start.checked_add(size)?)?;
        Some(
            bytes
                .iter()
                .fold(0, |value, byte| value << 8 | u32::from(*byte)),
        )
    };
    let protocol = (libc::SKF_AD_OFF + libc::SKF_AD_PROTOCOL) as u32;
    let pkt_type = (libc::SKF_AD_OFF + libc::SKF_AD_PKTTYPE) as u32;
    let (mut a, mut x) = (0u32, 0u32);
    let mut pc = 0;
    loop {
        let insn = program[pc];
        pc += 1;
        let code = u32::from(insn.code);
        let loaded = match code {
            c if c == BPF_LD | BPF_W | BPF_ABS && insn.k == protocol => {
                Some(u32::from(packet.protocol))
            }
            c if c == BPF_LD | BPF_W | BPF_ABS && insn.k == pkt_type => {
                Some(u32::from(packet.pkt_type))
            }
            c if c == BPF_LD | BPF_W | BPF_ABS => load(insn.k, 4),
            c if c == BPF_LD | BPF_H | BPF_ABS => load(insn.k, 2),
            c if c == BPF_LD | BPF_B | BPF_ABS => load(insn.k, 1),
            c if c == BPF_LD | BPF_W | BPF_IND => load(x.wrapping_add(insn.k), 4),
            c if c == BPF_LDX | BPF_B | BPF_MSH => {
                let Some(byte) = load(insn.k, 1) else {
                    return 0;
                };
                x = 4 * (byte & 0xf);
                continue;
            }
            c if c == BPF_ALU | BPF_MUL | BPF_K => Some(a.wrapping_mul(insn.k)),
            c if c == BPF_ALU | BPF_RSH | BPF_K => Some(a >> insn.k),
            c if c == BPF_JMP | BPF_JEQ | BPF_K || c == BPF_JMP | BPF_JSET | BPF_K => {
                let taken = if c & 0xf0 == BPF_JEQ {
                    a == insn.k
                } else {
                    a & insn.k != 0
                };
                pc += usize::from(if taken { insn.jt } else { insn.jf });
                continue;
            }
            c if c == BPF_RET | BPF_K => return insn.k,
            c if c == BPF_RET | BPF_A => return a,
            other => panic!("opcode {other:#x} is not one the link's programs use"),
        };
        match loaded {
            Some(value) => a = value,
            None => return 0,
        }
    }
}

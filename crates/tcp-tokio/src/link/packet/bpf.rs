//! A classic BPF assembler for the few instructions the link's programs need: each
//! instruction is a named [`Insn`], jumps go to named labels, and [`assemble`] turns the
//! list into the `sock_filter` array the kernel takes (`SO_ATTACH_FILTER`,
//! `PACKET_FANOUT_DATA`).
//!
//! Classic BPF has an accumulator `A`, an index register `X` and forward-only jumps of at
//! most 255 instructions; a load beyond the end of the packet ends the program with 0.

use libc::sock_filter;

/// Where a conditional jump goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// The instruction after the jump.
    Next,
    /// The instruction after the [`Insn::Label`] of this name.
    Label(&'static str),
}

/// One classic BPF instruction, or a label naming the position of the next one. Offsets
/// count from the first byte the kernel shows the program (the Ethernet header for a
/// socket filter on a raw packet socket, the IP header for a fanout program).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Insn {
    /// `A = packet[k]`, one byte.
    LoadByte(u32),
    /// `A = packet[k..k + 2]`, big-endian.
    LoadHalf(u32),
    /// `A = packet[k..k + 4]`, big-endian.
    LoadWord(u32),
    /// `A = packet[X + k..X + k + 4]`, big-endian.
    LoadWordAtX(u32),
    /// `X = 4 * (packet[k] & 0xf)`: the length of the IPv4 header at `k`.
    LoadIpv4HeaderLenToX(u32),
    /// `A = skb->protocol`: the frame's EtherType, host order (an ancillary load, the same
    /// wherever the program's view of the packet starts).
    LoadProtocol,
    /// `A = skb->pkt_type`: `PACKET_HOST`, `PACKET_OUTGOING` and so on.
    LoadPacketType,
    /// `A = A * k`, wrapping at 32 bits.
    Mul(u32),
    /// `A >>= k`.
    Rsh(u32),
    /// Goes to the first target when `A == k`, else to the second.
    JumpIfEqual(u32, Target, Target),
    /// Goes to the first target when `A & k != 0`, else to the second.
    JumpIfAnySet(u32, Target, Target),
    /// Names the position of the next instruction; assembles to nothing.
    Label(&'static str),
    /// Ends the program with `k`.
    Return(u32),
    /// Ends the program with `A`.
    ReturnA,
}

/// An instruction from its opcode parts and constant.
const fn op(code: u32, k: u32) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

/// `SKF_AD_OFF + offset`: the constant of an ancillary load.
const fn ancillary(offset: libc::c_int) -> u32 {
    (libc::SKF_AD_OFF + offset) as u32
}

/// The kernel's encoding of `program`, labels resolved.
///
/// # Panics
/// On a jump to a label that is missing, behind the jump or more than 255 instructions
/// ahead: the programs are fixed, so this is a bug their unit tests catch.
pub(super) fn assemble(program: &[Insn]) -> Vec<sock_filter> {
    let position = |name: &str| -> usize {
        let mut index = 0;
        for insn in program {
            match insn {
                Insn::Label(label) if *label == name => return index,
                Insn::Label(_) => {}
                _ => index += 1,
            }
        }
        panic!("BPF program jumps to missing label {name:?}")
    };
    let mut out = Vec::with_capacity(program.len());
    for insn in program {
        let offset = |target: Target, from: usize| -> u8 {
            match target {
                Target::Next => 0,
                Target::Label(name) => {
                    let skip = position(name).checked_sub(from + 1);
                    skip.and_then(|skip| u8::try_from(skip).ok())
                        .unwrap_or_else(|| panic!("BPF jump to {name:?} is not forward within 255"))
                }
            }
        };
        use libc::{
            BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_H, BPF_IND, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K,
            BPF_LD, BPF_LDX, BPF_MSH, BPF_MUL, BPF_RET, BPF_RSH, BPF_W,
        };
        let here = out.len();
        let encoded = match *insn {
            Insn::LoadByte(k) => op(BPF_LD | BPF_B | BPF_ABS, k),
            Insn::LoadHalf(k) => op(BPF_LD | BPF_H | BPF_ABS, k),
            Insn::LoadWord(k) => op(BPF_LD | BPF_W | BPF_ABS, k),
            Insn::LoadWordAtX(k) => op(BPF_LD | BPF_W | BPF_IND, k),
            Insn::LoadIpv4HeaderLenToX(k) => op(BPF_LDX | BPF_B | BPF_MSH, k),
            Insn::LoadProtocol => op(BPF_LD | BPF_W | BPF_ABS, ancillary(libc::SKF_AD_PROTOCOL)),
            Insn::LoadPacketType => op(BPF_LD | BPF_W | BPF_ABS, ancillary(libc::SKF_AD_PKTTYPE)),
            Insn::Mul(k) => op(BPF_ALU | BPF_MUL | BPF_K, k),
            Insn::Rsh(k) => op(BPF_ALU | BPF_RSH | BPF_K, k),
            Insn::JumpIfEqual(k, then, otherwise) | Insn::JumpIfAnySet(k, then, otherwise) => {
                let test = if matches!(insn, Insn::JumpIfEqual(..)) {
                    BPF_JEQ
                } else {
                    BPF_JSET
                };
                sock_filter {
                    jt: offset(then, here),
                    jf: offset(otherwise, here),
                    ..op(BPF_JMP | test | BPF_K, k)
                }
            }
            Insn::Label(_) => continue,
            Insn::Return(k) => op(BPF_RET | BPF_K, k),
            Insn::ReturnA => op(BPF_RET | BPF_A, 0),
        };
        out.push(encoded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::packet::bpf_vm::{Packet, run};

    #[test]
    fn labels_become_forward_offsets_that_skip_labels() {
        let program = assemble(&[
            Insn::LoadHalf(0),
            Insn::JumpIfEqual(1, Target::Label("one"), Target::Next),
            Insn::JumpIfEqual(2, Target::Label("two"), Target::Label("other")),
            Insn::Label("one"),
            Insn::Return(10),
            Insn::Label("two"),
            Insn::Return(20),
            Insn::Label("other"),
            Insn::Return(30),
        ]);
        assert_eq!(program.len(), 6);
        assert_eq!((program[1].jt, program[1].jf), (1, 0));
        assert_eq!((program[2].jt, program[2].jf), (1, 2));
        for (packet, expected) in [(&[0, 1][..], 10), (&[0, 2], 20), (&[0, 3], 30), (&[1], 0)] {
            assert_eq!(run(&program, &Packet::received(packet)), expected);
        }
    }

    #[test]
    #[should_panic(expected = "not forward")]
    fn a_backward_jump_is_refused() {
        assemble(&[
            Insn::Label("back"),
            Insn::LoadHalf(0),
            Insn::JumpIfEqual(0, Target::Label("back"), Target::Next),
            Insn::Return(0),
        ]);
    }

    #[test]
    #[should_panic(expected = "missing label")]
    fn a_missing_label_is_refused() {
        assemble(&[Insn::JumpIfEqual(0, Target::Label("nowhere"), Target::Next)]);
    }
}

//! The rows of the table: which system connects to which, over the same kind of veth.

/// A TCP implementation taking part in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum System {
    /// The Linux kernel's TCP through `std::net` sockets.
    Kernel,
    /// This stack: `tcp-tokio` on an AF_PACKET socket.
    Stack,
    /// smoltcp on its own AF_PACKET device (`phy::RawSocket`).
    Smoltcp,
}

/// One row: a client system connecting to a server system. Bulk data flows from the
/// client to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Row {
    /// Kernel to kernel with the offloads off, as every other row runs: the baseline.
    KernelToKernel,
    /// Kernel to kernel with the veth's default offloads on.
    KernelToKernelOffloads,
    /// This stack to the kernel.
    StackToKernel,
    /// The kernel to this stack.
    KernelToStack,
    /// This stack to the kernel with the veth's offloads on: the stack's super-frames
    /// (`PacketSocketConfig::segmentation_offload`) reach the kernel whole.
    StackToKernelOffloads,
    /// The kernel to this stack with the veth's offloads on: the stack receives
    /// super-frames.
    KernelToStackOffloads,
    /// smoltcp to the kernel.
    SmoltcpToKernel,
}

impl Row {
    /// Every row, baseline first.
    pub(crate) const ALL: [Row; 7] = [
        Row::KernelToKernel,
        Row::KernelToKernelOffloads,
        Row::StackToKernel,
        Row::KernelToStack,
        Row::StackToKernelOffloads,
        Row::KernelToStackOffloads,
        Row::SmoltcpToKernel,
    ];

    /// The row's name on the command line.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Row::KernelToKernel => "kernel-kernel",
            Row::KernelToKernelOffloads => "kernel-kernel-offloads",
            Row::StackToKernel => "stack-kernel",
            Row::KernelToStack => "kernel-stack",
            Row::StackToKernelOffloads => "stack-kernel-offloads",
            Row::KernelToStackOffloads => "kernel-stack-offloads",
            Row::SmoltcpToKernel => "smoltcp-kernel",
        }
    }

    /// The row named `key`.
    pub(crate) fn parse(key: &str) -> Option<Row> {
        Row::ALL.into_iter().find(|row| row.key() == key)
    }

    /// The row's name in the table.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Row::KernelToKernel => "kernel -> kernel (offloads off)",
            Row::KernelToKernelOffloads => "kernel -> kernel (offloads on)",
            Row::StackToKernel => "this stack -> kernel",
            Row::KernelToStack => "kernel -> this stack",
            Row::StackToKernelOffloads => "this stack -> kernel (offloads on)",
            Row::KernelToStackOffloads => "kernel -> this stack (offloads on)",
            Row::SmoltcpToKernel => "smoltcp -> kernel",
        }
    }

    /// The system that connects (and sends the bulk data).
    pub(crate) fn client(self) -> System {
        match self {
            Row::StackToKernel | Row::StackToKernelOffloads => System::Stack,
            Row::SmoltcpToKernel => System::Smoltcp,
            _ => System::Kernel,
        }
    }

    /// The system that listens (and receives the bulk data).
    pub(crate) fn server(self) -> System {
        match self {
            Row::KernelToStack | Row::KernelToStackOffloads => System::Stack,
            _ => System::Kernel,
        }
    }

    /// True when the veth's offloads are on for this row.
    pub(crate) fn offloads(self) -> bool {
        matches!(
            self,
            Row::KernelToKernelOffloads | Row::StackToKernelOffloads | Row::KernelToStackOffloads
        )
    }
}

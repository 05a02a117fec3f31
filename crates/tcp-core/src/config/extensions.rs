//! The TCP extensions the engine offers on the connections it opens and accepts.

/// Which options a SYN or SYN-ACK of this endpoint offers; each is used only when the
/// peer offers it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extensions {
    /// Offer timestamps (RFC 7323).
    pub timestamps: bool,
    /// Offer SACK (RFC 2018).
    pub sack: bool,
    /// Offer window scaling (RFC 7323).
    pub window_scaling: bool,
    /// Negotiate ECN (RFC 3168) on new connections; off by default, as on Linux for
    /// connections it opens.
    pub ecn: bool,
}

impl Default for Extensions {
    fn default() -> Extensions {
        Extensions {
            timestamps: true,
            sack: true,
            window_scaling: true,
            ecn: false,
        }
    }
}

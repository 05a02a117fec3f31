//! Listener limits and the SYN-flood defence (RFC 4987).

/// How many connections a listener holds before completing them, and what happens when
/// it holds too many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    /// The largest accept backlog a listener may ask for.
    pub max_backlog: u32,
    /// Half-open connections per listener before SYN cookies (or drops) take over.
    pub syn_queue_len: u32,
    /// Answer SYNs with cookies when the SYN queue is full (RFC 4987).
    pub syn_cookies: bool,
}

impl Default for Listen {
    fn default() -> Listen {
        Listen {
            max_backlog: 4096,
            syn_queue_len: 1024,
            syn_cookies: true,
        }
    }
}

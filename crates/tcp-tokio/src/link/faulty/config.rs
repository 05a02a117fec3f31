//! What a [`FaultyLink`](super::FaultyLink) does to the frames of one direction, and what
//! it has done.

use core::time::Duration;

/// Faults for one direction. Probabilities are per frame, in `[0, 1]` (values outside are
/// clamped); the default does nothing. Decisions for each frame are taken in a fixed order
/// from a seeded generator: drop, corrupt, duplicate, reorder, then the delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultConfig {
    /// Chance a frame vanishes.
    pub drop: f64,
    /// Chance one byte of the frame, chosen at random, is inverted.
    pub corrupt: f64,
    /// Chance a second copy follows the frame.
    pub duplicate: f64,
    /// Chance the frame is held back and let through right after the next frame of the
    /// same direction (or after [`FaultConfig::reorder_timeout`], if none comes).
    pub reorder: f64,
    /// How long a reordered frame waits for a successor at most.
    pub reorder_timeout: Duration,
    /// Fixed delay of every frame.
    pub delay: Duration,
    /// Extra delay drawn uniformly from `[0, jitter)` per frame. Frames may overtake each
    /// other when jitter exceeds the gap between them.
    pub jitter: Duration,
}

impl FaultConfig {
    /// No faults: frames pass unchanged and at once.
    pub const NONE: FaultConfig = FaultConfig {
        drop: 0.0,
        corrupt: 0.0,
        duplicate: 0.0,
        reorder: 0.0,
        reorder_timeout: Duration::from_millis(10),
        delay: Duration::ZERO,
        jitter: Duration::ZERO,
    };

    /// Only loss, with probability `drop`.
    pub fn drop(drop: f64) -> FaultConfig {
        FaultConfig {
            drop,
            ..FaultConfig::NONE
        }
    }
}

impl Default for FaultConfig {
    fn default() -> FaultConfig {
        FaultConfig::NONE
    }
}

/// What one direction of a [`FaultyLink`](super::FaultyLink) did. Every frame that entered
/// counts in `frames`; each fault counts where it happened, so a frame can count in several
/// (corrupted and duplicated, say). Frames that left = `frames - dropped + duplicated`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounters {
    /// Frames that entered this direction.
    pub frames: u64,
    /// Frames dropped.
    pub dropped: u64,
    /// Frames with one byte inverted.
    pub corrupted: u64,
    /// Extra copies sent.
    pub duplicated: u64,
    /// Frames held back behind their successor.
    pub reordered: u64,
    /// Frames given a non-zero delay.
    pub delayed: u64,
}

//! One direction of a faulty link: the fault decisions and the delay line they feed.

use core::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tokio::time::Instant;

use super::config::{FaultConfig, FaultCounters};
use super::rng::SplitMix64;

/// Frames admitted to one direction wait here until their release time; equal times leave
/// in admission order. At most one frame at a time is held back for reordering.
#[derive(Debug)]
pub(crate) struct FaultLine {
    config: FaultConfig,
    rng: SplitMix64,
    queue: BinaryHeap<Reverse<Queued>>,
    held: Option<Held>,
    next_seq: u64,
    counters: FaultCounters,
}

/// A frame in the delay line.
#[derive(Debug)]
struct Queued {
    release: Instant,
    seq: u64,
    frame: Vec<u8>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Queued) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Queued) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// By release time, then by admission.
impl Ord for Queued {
    fn cmp(&self, other: &Queued) -> Ordering {
        (self.release, self.seq).cmp(&(other.release, other.seq))
    }
}

/// A frame waiting for a successor to overtake it.
#[derive(Debug)]
struct Held {
    frame: Vec<u8>,
    deadline: Instant,
}

/// The random draws for one frame, always all taken so the stream stays aligned.
struct Draws {
    drop: f64,
    corrupt: f64,
    corrupt_at: u64,
    duplicate: f64,
    reorder: f64,
    jitter: f64,
}

impl FaultLine {
    /// An empty line applying `config` with decisions drawn from `seed`.
    pub(crate) fn new(config: FaultConfig, seed: u64) -> FaultLine {
        FaultLine {
            config,
            rng: SplitMix64::new(seed),
            queue: BinaryHeap::new(),
            held: None,
            next_seq: 0,
            counters: FaultCounters::default(),
        }
    }

    /// What this direction has done so far.
    pub(crate) fn counters(&self) -> FaultCounters {
        self.counters
    }

    /// Frames waiting in the line, the held one included.
    pub(crate) fn len(&self) -> usize {
        self.queue.len() + usize::from(self.held.is_some())
    }

    /// Applies the faults to `frame`, arriving at `now`, and queues what survives.
    pub(crate) fn admit(&mut self, frame: &[u8], now: Instant) {
        self.counters.frames += 1;
        let draws = Draws {
            drop: self.rng.next_f64(),
            corrupt: self.rng.next_f64(),
            corrupt_at: self.rng.next_u64(),
            duplicate: self.rng.next_f64(),
            reorder: self.rng.next_f64(),
            jitter: self.rng.next_f64(),
        };
        if hit(draws.drop, self.config.drop) {
            self.counters.dropped += 1;
            return;
        }
        let mut frame = frame.to_vec();
        if hit(draws.corrupt, self.config.corrupt) && !frame.is_empty() {
            let at = (draws.corrupt_at % frame.len() as u64) as usize;
            frame[at] ^= 0xff;
            self.counters.corrupted += 1;
        }
        let delay = self.config.delay + self.config.jitter.mul_f64(draws.jitter);
        if !delay.is_zero() {
            self.counters.delayed += 1;
        }
        let release = now + delay;
        if hit(draws.duplicate, self.config.duplicate) {
            self.counters.duplicated += 1;
            self.push(release, frame.clone());
        }
        if hit(draws.reorder, self.config.reorder) && self.held.is_none() {
            self.counters.reordered += 1;
            let deadline = release + self.config.reorder_timeout;
            self.held = Some(Held { frame, deadline });
            return;
        }
        self.push(release, frame);
        if let Some(held) = self.held.take() {
            self.push(release, held.frame);
        }
    }

    /// The next frame due at `now`, if any.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Vec<u8>> {
        if let Some(held) = self.held.take_if(|held| held.deadline <= now) {
            self.push(held.deadline, held.frame);
        }
        match self.queue.peek() {
            Some(Reverse(first)) if first.release <= now => {
                self.queue.pop().map(|Reverse(queued)| queued.frame)
            }
            _ => None,
        }
    }

    /// When the next frame becomes due.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let queued = self.queue.peek().map(|Reverse(first)| first.release);
        let held = self.held.as_ref().map(|held| held.deadline);
        queued.into_iter().chain(held).min()
    }

    fn push(&mut self, release: Instant, frame: Vec<u8>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Reverse(Queued {
            release,
            seq,
            frame,
        }));
    }
}

/// True when a uniform draw falls under `probability` (clamped to `[0, 1]`).
fn hit(draw: f64, probability: f64) -> bool {
    draw < probability.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    fn drain(line: &mut FaultLine, now: Instant) -> Vec<Vec<u8>> {
        core::iter::from_fn(|| line.pop_due(now)).collect()
    }

    #[test]
    fn without_faults_frames_pass_in_order() {
        let mut line = FaultLine::new(FaultConfig::NONE, 1);
        let now = Instant::now();
        for n in 0..3u8 {
            line.admit(&[n], now);
        }
        assert_eq!(drain(&mut line, now), [[0], [1], [2]]);
        assert_eq!(line.counters().frames, 3);
        assert_eq!(line.next_deadline(), None);
    }

    #[test]
    fn a_reordered_frame_follows_its_successor_or_its_timeout() {
        let config = FaultConfig {
            reorder: 1.0,
            ..FaultConfig::NONE
        };
        let mut line = FaultLine::new(config, 1);
        let now = Instant::now();
        line.admit(&[0], now);
        assert_eq!(drain(&mut line, now), Vec::<Vec<u8>>::new());
        line.admit(&[1], now);
        assert_eq!(drain(&mut line, now), [[1], [0]]);
        line.admit(&[2], now);
        let deadline = now + config.reorder_timeout;
        assert_eq!(line.next_deadline(), Some(deadline));
        assert_eq!(drain(&mut line, deadline), [[2]]);
        assert_eq!(line.counters().reordered, 2);
    }

    #[test]
    fn delayed_frames_wait_for_their_time() {
        let config = FaultConfig {
            delay: Duration::from_millis(5),
            ..FaultConfig::NONE
        };
        let mut line = FaultLine::new(config, 1);
        let now = Instant::now();
        line.admit(&[7], now);
        assert!(line.pop_due(now + Duration::from_millis(4)).is_none());
        assert_eq!(line.next_deadline(), Some(now + Duration::from_millis(5)));
        assert_eq!(line.pop_due(now + Duration::from_millis(5)), Some(vec![7]));
        assert_eq!(line.counters().delayed, 1);
    }

    #[test]
    fn corruption_inverts_exactly_one_byte() {
        let config = FaultConfig {
            corrupt: 1.0,
            ..FaultConfig::NONE
        };
        let mut line = FaultLine::new(config, 99);
        let now = Instant::now();
        line.admit(&[0u8; 64], now);
        let frame = line.pop_due(now).unwrap();
        assert_eq!(frame.iter().filter(|&&b| b == 0xff).count(), 1);
        assert_eq!(frame.iter().filter(|&&b| b == 0).count(), 63);
    }

    #[test]
    fn duplicates_and_drops_are_counted() {
        let config = FaultConfig {
            drop: 0.25,
            duplicate: 0.25,
            ..FaultConfig::NONE
        };
        let mut line = FaultLine::new(config, 5);
        let now = Instant::now();
        for n in 0..400u16 {
            line.admit(&n.to_be_bytes(), now);
        }
        let out = drain(&mut line, now);
        let counters = line.counters();
        assert_eq!(
            out.len() as u64,
            counters.frames - counters.dropped + counters.duplicated
        );
        assert!((60..140).contains(&counters.dropped), "{counters:?}");
        assert!((40..120).contains(&counters.duplicated), "{counters:?}");
    }
}

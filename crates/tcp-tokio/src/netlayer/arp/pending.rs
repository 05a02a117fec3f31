//! Packets waiting for their next hop's MAC address, and the request schedule per hop.

use core::net::IpAddr;
use std::collections::{HashMap, VecDeque};

/// The bounded waiting room: at most `max_hops` next hops, at most `per_hop` frames each.
#[derive(Debug)]
pub(crate) struct Pending {
    hops: HashMap<IpAddr, Hop>,
    per_hop: usize,
    max_hops: usize,
}

/// One unresolved next hop.
#[derive(Debug)]
struct Hop {
    /// Complete frames whose destination MAC is still to be filled in.
    frames: VecDeque<Vec<u8>>,
    /// Requests sent so far.
    requests: u32,
    /// When the next request (or giving up) is due, in microseconds.
    due_us: u64,
}

/// What [`Pending::enqueue`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Enqueued {
    /// First frame for this hop: send a request now.
    NewHop,
    /// Added behind earlier frames; a request is already outstanding.
    Queued,
    /// The hop's queue or the number of hops is at its limit; the frame was dropped.
    Dropped,
}

/// What is due for one hop at a timeout.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Due {
    /// Send another request for this address.
    Retry(IpAddr),
    /// The address never answered; its `dropped` frames were dropped.
    GaveUp { hop: IpAddr, dropped: usize },
}

impl Pending {
    /// An empty waiting room with the given limits.
    pub(crate) fn new(per_hop: usize, max_hops: usize) -> Pending {
        Pending {
            hops: HashMap::new(),
            per_hop,
            max_hops,
        }
    }

    /// Queues `frame` for `hop`. A new hop counts its first request as sent now, with the
    /// next one due at `retry_at_us`.
    pub(crate) fn enqueue(&mut self, hop: IpAddr, frame: Vec<u8>, retry_at_us: u64) -> Enqueued {
        if let Some(waiting) = self.hops.get_mut(&hop) {
            if waiting.frames.len() >= self.per_hop {
                return Enqueued::Dropped;
            }
            waiting.frames.push_back(frame);
            return Enqueued::Queued;
        }
        if self.hops.len() >= self.max_hops {
            return Enqueued::Dropped;
        }
        let hop_state = Hop {
            frames: VecDeque::from([frame]),
            requests: 1,
            due_us: retry_at_us,
        };
        self.hops.insert(hop, hop_state);
        Enqueued::NewHop
    }

    /// Removes `hop` and returns its frames in the order they were queued.
    pub(crate) fn take(&mut self, hop: IpAddr) -> Option<VecDeque<Vec<u8>>> {
        self.hops.remove(&hop).map(|waiting| waiting.frames)
    }

    /// The earliest instant at which [`Pending::expire`] has work.
    pub(crate) fn next_due(&self) -> Option<u64> {
        self.hops.values().map(|waiting| waiting.due_us).min()
    }

    /// Handles every hop due at `now_us`: one that has had fewer than `max_requests`
    /// requests gets another (due again at `retry_at_us`), the others are given up.
    pub(crate) fn expire(
        &mut self,
        now_us: u64,
        retry_at_us: u64,
        max_requests: u32,
        mut on_due: impl FnMut(Due),
    ) {
        self.hops.retain(|ip, waiting| {
            if waiting.due_us > now_us {
                return true;
            }
            if waiting.requests < max_requests {
                waiting.requests += 1;
                waiting.due_us = retry_at_us;
                on_due(Due::Retry(*ip));
                true
            } else {
                on_due(Due::GaveUp {
                    hop: *ip,
                    dropped: waiting.frames.len(),
                });
                false
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use core::net::Ipv4Addr;

    const HOP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));

    #[test]
    fn retries_then_gives_up() {
        let mut pending = Pending::new(4, 4);
        assert_eq!(pending.enqueue(HOP, vec![1], 1_000), Enqueued::NewHop);
        assert_eq!(pending.enqueue(HOP, vec![2], 1_000), Enqueued::Queued);
        assert_eq!(pending.next_due(), Some(1_000));
        let mut seen = Vec::new();
        pending.expire(999, 1_999, 3, |due| seen.push(due));
        assert!(seen.is_empty());
        pending.expire(1_000, 2_000, 3, |due| seen.push(due));
        pending.expire(2_000, 3_000, 3, |due| seen.push(due));
        pending.expire(3_000, 4_000, 3, |due| seen.push(due));
        assert_eq!(
            seen,
            [
                Due::Retry(HOP),
                Due::Retry(HOP),
                Due::GaveUp {
                    hop: HOP,
                    dropped: 2
                }
            ]
        );
        assert_eq!(pending.next_due(), None);
    }

    #[test]
    fn take_returns_frames_in_order() {
        let mut pending = Pending::new(4, 4);
        pending.enqueue(HOP, vec![1], 1_000);
        pending.enqueue(HOP, vec![2], 1_000);
        assert_eq!(pending.take(HOP), Some(VecDeque::from([vec![1], vec![2]])));
        assert_eq!(pending.take(HOP), None);
    }

    #[test]
    fn limits_frames_per_hop_and_hops() {
        let mut pending = Pending::new(1, 1);
        assert_eq!(pending.enqueue(HOP, vec![1], 0), Enqueued::NewHop);
        assert_eq!(pending.enqueue(HOP, vec![2], 0), Enqueued::Dropped);
        let other = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 3));
        assert_eq!(pending.enqueue(other, vec![3], 0), Enqueued::Dropped);
    }
}

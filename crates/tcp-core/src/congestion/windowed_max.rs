//! The running maximum of a value over a sliding window of time or round trips, in constant
//! space (Kathleen Nichols' three-sample algorithm, as Linux's `win_minmax.c` keeps it):
//! the best, second-best and third-best samples of successively later sub-windows.

/// One sample: when it was taken (a time or round counter) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Sample {
    at: u64,
    value: u64,
}

/// The maximum of the samples of the last `window` units of `at`.
///
/// Guarantees: [`WindowedMax::get`] is at least the latest sample, at most the largest
/// sample of the last `window` units, and exactly that largest sample while it is the
/// newest maximum seen; after it expires the estimate falls to the best of later
/// sub-windows. Constant space; no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowedMax {
    window: u64,
    best: [Sample; 3],
}

impl WindowedMax {
    /// An empty filter over `window` units.
    pub(crate) fn new(window: u64) -> WindowedMax {
        WindowedMax {
            window,
            best: [Sample::default(); 3],
        }
    }

    /// The maximum over the window (0 before the first sample).
    pub(crate) fn get(&self) -> u64 {
        self.best[0].value
    }

    /// Forgets every sample and starts again from `value` taken at `at`.
    pub(crate) fn reset(&mut self, at: u64, value: u64) {
        self.best = [Sample { at, value }; 3];
    }

    /// Adds `value` taken at `at` (never earlier than the previous sample's `at`).
    pub(crate) fn update(&mut self, at: u64, value: u64) {
        let sample = Sample { at, value };
        if value >= self.best[0].value || at.saturating_sub(self.best[2].at) > self.window {
            self.reset(at, value);
            return;
        }
        if value >= self.best[1].value {
            self.best[1] = sample;
            self.best[2] = sample;
        } else if value >= self.best[2].value {
            self.best[2] = sample;
        }
        self.expire(sample);
    }

    /// Moves the later choices up when the best one has left the window, and keeps the
    /// sub-windows spread over it.
    fn expire(&mut self, sample: Sample) {
        let age = sample.at.saturating_sub(self.best[0].at);
        if age > self.window {
            self.best[0] = self.best[1];
            self.best[1] = self.best[2];
            self.best[2] = sample;
            if sample.at.saturating_sub(self.best[0].at) > self.window {
                self.best[0] = self.best[1];
                self.best[1] = self.best[2];
                self.best[2] = sample;
            }
        } else if self.best[1].at == self.best[0].at && age > self.window / 4 {
            self.best[1] = sample;
            self.best[2] = sample;
        } else if self.best[2].at == self.best[1].at && age > self.window / 2 {
            self.best[2] = sample;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_the_maximum_until_it_leaves_the_window() {
        let mut filter = WindowedMax::new(10);
        filter.update(0, 100);
        filter.update(3, 50);
        filter.update(6, 70);
        assert_eq!(filter.get(), 100);
        filter.update(11, 20);
        assert_eq!(filter.get(), 70, "100 (at 0) is older than 10 units");
        filter.update(17, 10);
        assert_eq!(filter.get(), 20);
    }

    proptest! {
        /// The estimate is never below a sample of the window, and always a sample of the
        /// window.
        #[test]
        fn bounds_the_true_windowed_maximum(steps in proptest::collection::vec((0u64..5, 0u64..1000), 1..300)) {
            let window = 10;
            let mut filter = WindowedMax::new(window);
            let mut samples = Vec::new();
            let mut at = 0;
            for (step, value) in steps {
                at += step;
                filter.update(at, value);
                samples.push((at, value));
                let recent: Vec<u64> = samples
                    .iter()
                    .filter(|(t, _)| at - t <= window)
                    .map(|(_, v)| *v)
                    .collect();
                let got = filter.get();
                prop_assert!(got >= value);
                prop_assert!(recent.contains(&got) || got == value);
                prop_assert!(got <= *recent.iter().max().unwrap());
            }
        }
    }
}

//! The engine's steady-state data path does not allocate: after a warm-up, moving tens of
//! megabytes between two endpoints performs zero heap allocations (counted by the
//! allocation-counter crate's global allocator).

mod support;

use support::pair::Pair;
use tcp_core::Config;

#[test]
fn steady_state_transfer_allocates_nothing() {
    let mut pair = Pair::connected(Config::default());
    let mut moved = 0;
    while moved < 32 << 20 {
        moved += pair.step();
    }
    let mut steady = 0;
    let info = allocation_counter::measure(|| {
        while steady < 64 << 20 {
            steady += pair.step();
        }
    });
    assert_eq!(
        info.count_total, 0,
        "{} allocations while moving {steady} bytes",
        info.count_total
    );
}

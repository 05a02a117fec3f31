//! Bulk transfer over a 10 ms / 1 Gbit/s virtual path (design D-1..D-6): 100 MB with 0, 1, 5
//! and 20 % random loss, and with reordering and duplication. Every byte must arrive intact;
//! the goodput of each case is printed and compared with the snapshot in
//! `tests/snapshots/bulk_goodput.txt`, so a change in throughput shows in review.

mod support;

use std::time::Duration;
use support::conn::{SERVER_PORT, accept, listen};
use support::{Path, Sim};
use tcp_core::{Config, SocketOptions};

const TOTAL: usize = 100_000_000;
const RATE: u64 = 125_000_000;

struct Case {
    name: &'static str,
    loss: f64,
    reorder: f64,
    duplicate: f64,
}

const CASES: [Case; 6] = [
    Case {
        name: "loss 0%",
        loss: 0.0,
        reorder: 0.0,
        duplicate: 0.0,
    },
    Case {
        name: "loss 1%",
        loss: 0.01,
        reorder: 0.0,
        duplicate: 0.0,
    },
    Case {
        name: "loss 5%",
        loss: 0.05,
        reorder: 0.0,
        duplicate: 0.0,
    },
    Case {
        name: "loss 20%",
        loss: 0.20,
        reorder: 0.0,
        duplicate: 0.0,
    },
    Case {
        name: "reorder 5%",
        loss: 0.0,
        reorder: 0.05,
        duplicate: 0.0,
    },
    Case {
        name: "duplicate 5%",
        loss: 0.0,
        reorder: 0.0,
        duplicate: 0.05,
    },
];

/// Moves `TOTAL` bytes from A to B over `case`'s path; returns goodput in Mbit/s of virtual
/// time.
fn run(case: &Case, seed: u64) -> f64 {
    let mut sim = Sim::new(Config::default(), seed);
    let forward = Path {
        latency: Duration::from_millis(5),
        bandwidth: Some(RATE),
        loss: case.loss,
        duplicate: case.duplicate,
        reorder: case.reorder,
        reorder_delay: Duration::from_millis(2),
        ..Path::default()
    };
    sim.a_to_b = forward;
    sim.b_to_a = Path {
        loss: case.loss,
        ..forward
    };
    let listener = listen(&mut sim, SocketOptions::default());
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    let server = accept(&mut sim, listener);
    let start = sim.now;
    let chunk: Vec<u8> = (0..65_536u32).map(|i| (i * 13 + 7) as u8).collect();
    let (mut sent, mut received) = (0usize, 0usize);
    let mut buf = vec![0u8; 256 * 1024];
    let mut corrupt = None;
    let done = sim.run_until(Duration::from_secs(7 * 86_400), |sim| {
        while sent < TOTAL {
            let offset = sent % chunk.len();
            let end = (chunk.len()).min(offset + (TOTAL - sent));
            match sim.a.write(client, &chunk[offset..end]) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        while let Ok(n) = sim.b.read(server, &mut buf) {
            if n == 0 {
                break;
            }
            for (i, byte) in buf[..n].iter().enumerate() {
                if *byte != chunk[(received + i) % chunk.len()] && corrupt.is_none() {
                    corrupt = Some(received + i);
                }
            }
            received += n;
        }
        received == TOTAL
    });
    assert!(
        done,
        "{}: stalled at {received} of {TOTAL} bytes",
        case.name
    );
    assert_eq!(corrupt, None, "{}: corrupted byte", case.name);
    let seconds = (sim.now - start).as_secs_f64();
    TOTAL as f64 * 8.0 / seconds / 1e6
}

#[test]
fn hundred_megabytes_arrive_intact_on_every_path() {
    let mut table = String::from("case             goodput Mbit/s\n");
    for case in &CASES {
        let goodput = run(case, 7);
        table.push_str(&format!("{:<15} {:>8.2}\n", case.name, goodput));
    }
    println!("{table}");
    let snapshot = include_str!("snapshots/bulk_goodput.txt");
    assert_eq!(
        table, snapshot,
        "goodput changed: update tests/snapshots/bulk_goodput.txt if intended"
    );
}

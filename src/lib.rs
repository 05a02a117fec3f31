//! Root package: examples, integration tests and benches for the stack, and the network
//! namespace harness they share ([`netns`]).

pub mod netns;

/// README.md, whose Rust snippets `cargo test` compiles (they are `no_run`) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

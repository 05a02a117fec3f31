//! Root package: examples, integration tests and benches for the stack, and the network
//! namespace harness they share ([`netns`]).

pub mod netns;

//! Root package: examples, integration tests and benches for the stack.

//! Tokio driver (being built).

//! A sans-IO TCP engine: segments in, segments out, time passed in by the caller.
//!
//! [`Endpoint`] holds every listener and connection of one stack. It never touches a socket,
//! a thread or a clock: the driver hands it received segments
//! ([`Endpoint::handle_segment`]), the passing of time ([`Endpoint::handle_timeout`]) and the
//! application's calls, and collects what it must send ([`Endpoint::poll_transmit`]), what
//! the application should hear ([`Endpoint::poll_event`]) and when to wake it next
//! ([`Endpoint::poll_timeout`]). Given the same secret and the same inputs, it produces the
//! same outputs, which is what makes simulation and scripted conformance tests possible.
//!
//! Behaviour follows RFC 9293 with Linux's defaults where the RFC leaves a choice; see
//! [`Config`] for every tunable.

mod addr;
mod config;
mod congestion;
mod connection;
mod counters;
mod endpoint;
mod error;
mod event;
mod field_sum;
mod handle;
mod rate_limit;
mod resource_limits;
mod state;
mod stats;
mod time;

pub use addr::FourTuple;
pub use config::{
    BufferSize, Config, Departures, Extensions, Hardening, Keepalive, Listen, PathMtu,
    Retransmission, SocketOptions,
};
pub use congestion::{Algorithm, Bbr, CongestionControl, Cubic, Delivery, NewReno, RateSample};
pub use counters::{Counters, FastOpenCounters, IcmpCounters, ListenCounters, ResourceCounters};
pub use endpoint::{
    Endpoint, IcmpError, IcmpOutcome, IcmpReport, MemoryUsage, PortPartition, Received, SocketInfo,
    Transmit,
};
pub use error::Error;
pub use event::Event;
pub use handle::{ConnectionHandle, ListenerHandle};
pub use resource_limits::ResourceLimits;
pub use state::State;
pub use stats::{ConnectionInfo, ConnectionStats};
pub use time::Instant;

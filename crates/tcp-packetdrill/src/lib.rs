//! A packetdrill runner for the userspace TCP stack.
//!
//! [`parse_script`] turns packetdrill's script language into a [`Script`]; [`run_script`]
//! plays a script against any [`StackUnderTest`] in virtual time and reports the first
//! difference between what the script expects and what the stack did, in packetdrill's own
//! wording. The `tcp-packetdrill` binary runs files and directories of scripts through
//! [`cli`], [`walk`] and [`report`], against the stack [`engine_sut`] builds.

pub mod ast;
pub mod cli;
mod config;
pub mod engine_sut;
mod errno;
mod error;
mod exec;
mod lexer;
mod outcome;
mod parser;
pub mod report;
pub mod shell;
pub mod sut;
pub mod walk;

pub use ast::Script;
pub use config::{OptionError, Profile, RunConfig};
pub use errno::Errno;
pub use error::{ParseError, ParseErrorKind};
pub use exec::run_script;
pub use outcome::{Failure, Outcome, Verdict};
pub use parser::parse_script;
pub use sut::StackUnderTest;

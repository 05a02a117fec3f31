//! A packetdrill runner for the userspace TCP stack.
//!
//! [`parse_script`] turns packetdrill's script language into a [`Script`].

pub mod ast;
mod error;
mod lexer;
mod parser;

pub use ast::Script;
pub use error::{ParseError, ParseErrorKind};
pub use parser::parse_script;

//! The stack that `tcp_tokio::net`'s constructors use when they are not given one.

use super::Stack;
use std::io;
use std::sync::Mutex;

/// The process's default stack, set by [`Stack::make_default`].
static DEFAULT: Mutex<Option<Stack>> = Mutex::new(None);

impl Stack {
    /// Makes this stack the one that `TcpListener::bind`, `TcpStream::connect` and
    /// `TcpSocket::new_v4` use (those of [`crate::net`], the same types as the crate
    /// root's), for the whole process, replacing any earlier default.
    ///
    /// The default is a handle like any other: it keeps the stack (and its driver, on the
    /// runtime that built it) running until another stack replaces it.
    pub fn make_default(&self) {
        *DEFAULT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(self.clone());
    }

    /// The default stack; `NotFound` when no stack was made the default.
    pub(crate) fn default_stack() -> io::Result<Stack> {
        DEFAULT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "no default tcp_tokio stack: build a Stack and call Stack::make_default",
                )
            })
    }
}

//! A named network namespace and running code inside it.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::process::Output;
use std::thread;

use super::{command, sys};

/// Where `ip netns` keeps its named namespaces.
pub(super) const NETNS_DIR: &str = "/var/run/netns";

/// A handle naming a network namespace made by `ip netns add`. Cloning it copies the name;
/// the namespace's lifetime belongs to whoever created it (a
/// [`Topology`](super::Topology)), and once that is gone every call fails with `NotFound`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// A handle for the namespace called `name`.
    pub(super) fn new(name: String) -> Netns {
        Netns { name }
    }

    /// The namespace's name, as `ip netns list` shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file `ip netns` bind-mounted for this namespace.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(NETNS_DIR).join(&self.name)
    }

    /// True while the namespace's name exists.
    pub fn exists(&self) -> bool {
        self.path().exists()
    }

    /// Runs `f` on a new thread that first entered this namespace (setns(2) with
    /// `CLONE_NEWNET`), waits for it and returns its result. Sockets created inside `f`
    /// stay in this namespace whichever thread uses them afterwards; `f` may borrow from
    /// the caller. A panic in `f` is resumed in the caller.
    ///
    /// This blocks the calling thread: from async code call it where blocking is allowed
    /// (a multi-threaded runtime's `spawn_blocking`, or before the stack starts).
    pub fn run<T, F>(&self, f: F) -> io::Result<T>
    where
        T: Send,
        F: FnOnce() -> T + Send,
    {
        let path = self.path();
        let file = File::open(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("opening {}: {e}", path.display())))?;
        thread::scope(|scope| {
            let worker = scope.spawn(|| {
                sys::enter_network_namespace(&file).map_err(|e| {
                    io::Error::new(e.kind(), format!("setns into {}: {e}", self.name))
                })?;
                Ok(f())
            });
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Runs `program args...` inside the namespace (`ip netns exec`) and returns its output
    /// if it exits with success.
    pub fn exec(&self, program: &str, args: &[&str]) -> io::Result<Output> {
        let mut full = vec!["netns", "exec", self.name.as_str(), program];
        full.extend_from_slice(args);
        command::ip(&full)
    }
}

//! Serving the live view: the Unix socket, its accept loop, and one answer per connection.

use super::counters::named_counters;
use super::protocol::{Record, Request};
use crate::Stack;
use core::time::Duration;
use std::fs;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;

/// The longest request line taken, in bytes; a longer one is answered with an error.
const MAX_REQUEST: u64 = 256;

/// How long a client may take to send its request, and to take the answer.
const CLIENT_PATIENCE: Duration = Duration::from_secs(5);

/// How long the accept loop waits after an accept error (out of descriptors) before trying
/// again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A live view being served (see [`crate::live_view`]). It keeps its stack running; dropping
/// it stops serving (answers being written are cut short) and removes the socket file.
#[derive(Debug)]
pub struct LiveView {
    path: PathBuf,
    task: JoinHandle<()>,
}

impl LiveView {
    /// The path of the Unix socket the view is served on.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LiveView {
    fn drop(&mut self) {
        self.task.abort();
        if let Err(error) = fs::remove_file(&self.path) {
            tracing::debug!(%error, path = %self.path.display(), "removing the live view's socket");
        }
    }
}

impl Stack {
    /// Serves this stack's live view on a new Unix stream socket at `path`, from a task on
    /// the current tokio runtime, until the returned [`LiveView`] is dropped (which removes
    /// the file). Anyone who may open `path` may read the socket table and counters: choose
    /// a directory whose permissions say who that is.
    ///
    /// A socket file left at `path` by a process that is gone (nothing accepts on it) is
    /// replaced; `AddrInUse` if something still serves there, `AlreadyExists` if `path` is
    /// another kind of file, and the error of `bind(2)` otherwise. Outside a tokio runtime,
    /// an error of kind `Other`.
    pub fn serve_live_view(&self, path: impl AsRef<Path>) -> io::Result<LiveView> {
        let path = path.as_ref().to_path_buf();
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|error| io::Error::other(format!("serve_live_view: {error}")))?;
        remove_stale_socket(&path)?;
        let listener = UnixListener::bind(&path)?;
        let task = runtime.spawn(accept_loop(listener, self.clone()));
        Ok(LiveView { path, task })
    }
}

/// Removes a socket file at `path` that nothing accepts on any more; leaves anything else.
fn remove_stale_socket(path: &Path) -> io::Result<()> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    if !metadata.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a socket", path.display()),
        ));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("something already serves on {}", path.display()),
        )),
        Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => fs::remove_file(path),
        Err(error) => Err(error),
    }
}

/// Answers every connection to `listener`, each on a task of its own.
async fn accept_loop(listener: UnixListener, stack: Stack) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(answer(stream, stack.clone()));
            }
            Err(error) => {
                tracing::warn!(%error, "live view: accept");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Reads one request from `stream` and writes its answer, each within [`CLIENT_PATIENCE`].
async fn answer(stream: UnixStream, stack: Stack) {
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(reader.take(MAX_REQUEST));
    let request = match tokio::time::timeout(CLIENT_PATIENCE, reader.read_line(&mut line)).await {
        Ok(Ok(_)) if line.ends_with('\n') => {
            Request::parse(line.trim_end_matches(['\r', '\n'])).map_err(|error| error.to_string())
        }
        Ok(Ok(_)) => Err("a request is one line, ended by a newline".to_string()),
        Ok(Err(error)) => Err(format!("reading the request: {error}")),
        Err(_) => Err(format!("no request within {CLIENT_PATIENCE:?}")),
    };
    let records = match request {
        Ok(request) => respond(&stack, request),
        Err(message) => vec![Record::Error(message)],
    };
    let mut text = String::new();
    for record in records {
        text.push_str(&record.to_string());
        text.push('\n');
    }
    let written = tokio::time::timeout(CLIENT_PATIENCE, writer.write_all(text.as_bytes())).await;
    if !matches!(written, Ok(Ok(()))) {
        tracing::debug!("live view: the client did not take its answer");
    }
}

/// The records that answer `request`, read from `stack` now.
fn respond(stack: &Stack, request: Request) -> Vec<Record> {
    match request {
        Request::Sockets { info: false } => stack
            .sockets()
            .into_iter()
            .map(|socket| Record::Socket { socket, info: None })
            .collect(),
        Request::Sockets { info: true } => stack
            .sockets_with_info()
            .into_iter()
            .map(|(socket, info)| Record::Socket {
                socket,
                info: info.map(Box::new),
            })
            .collect(),
        Request::Counters => named_counters(&stack.counters())
            .into_iter()
            .map(|(name, value)| Record::Counter {
                name: name.to_string(),
                value,
            })
            .collect(),
    }
}

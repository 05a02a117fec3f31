//! Capture of every frame the stack sends and receives, in the classic pcap format that
//! tcpdump and Wireshark read.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// pcap's magic number for microsecond timestamps.
const MAGIC: u32 = 0xa1b2_c3d4;
/// Link type of Ethernet frames.
const LINKTYPE_ETHERNET: u32 = 1;
/// Largest frame length recorded.
const SNAPLEN: u32 = 65_535;

/// Appends frames to a pcap file. Write errors stop the capture (logged once), never the
/// stack.
pub(crate) struct PcapWriter {
    out: Option<BufWriter<File>>,
}

impl PcapWriter {
    /// Creates (truncates) `path` and writes the file header.
    pub(crate) fn create(path: &Path) -> io::Result<PcapWriter> {
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(&MAGIC.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&SNAPLEN.to_le_bytes())?;
        out.write_all(&LINKTYPE_ETHERNET.to_le_bytes())?;
        Ok(PcapWriter { out: Some(out) })
    }

    /// Records one frame with the wall-clock time.
    pub(crate) fn record(&mut self, frame: &[u8]) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let len = frame.len().min(SNAPLEN as usize) as u32;
        let result = out
            .write_all(&(since_epoch.as_secs() as u32).to_le_bytes())
            .and_then(|()| out.write_all(&since_epoch.subsec_micros().to_le_bytes()))
            .and_then(|()| out.write_all(&len.to_le_bytes()))
            .and_then(|()| out.write_all(&(frame.len() as u32).to_le_bytes()))
            .and_then(|()| out.write_all(&frame[..len as usize]));
        if let Err(error) = result {
            tracing::warn!(%error, "pcap capture stopped");
            self.out = None;
        }
    }

    /// Writes buffered records to the file.
    pub(crate) fn flush(&mut self) {
        if let Some(out) = self.out.as_mut()
            && let Err(error) = out.flush()
        {
            tracing::warn!(%error, "pcap capture stopped");
            self.out = None;
        }
    }
}

impl Drop for PcapWriter {
    fn drop(&mut self) {
        self.flush();
    }
}

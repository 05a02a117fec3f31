//! What can be wrong with bytes that claim to be a TCP segment.

use core::fmt;

/// A specific reason a buffer is not a valid TCP segment or option list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The buffer is shorter than the fixed 20-byte header.
    Truncated,
    /// The data offset is below 5 words.
    DataOffsetTooSmall,
    /// The data offset points past the end of the buffer.
    DataOffsetPastEnd,
    /// An option's length byte is 0 or 1, which cannot cover its own kind and length.
    OptionLengthTooSmall,
    /// An option's length runs past the end of the option area.
    OptionOverrun,
    /// A known option has a length that its kind does not allow (for example MSS not 4).
    OptionBadLength,
    /// The checksum does not verify.
    BadChecksum,
    /// The caller's buffer is too small for what was asked to be written.
    BufferTooSmall,
    /// The options to be written do not fit in the 40 bytes a header allows.
    OptionsTooLong,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::Truncated => "segment shorter than 20 bytes",
            Error::DataOffsetTooSmall => "data offset below 5",
            Error::DataOffsetPastEnd => "data offset past end of segment",
            Error::OptionLengthTooSmall => "option length below 2",
            Error::OptionOverrun => "option runs past end of header",
            Error::OptionBadLength => "option length invalid for its kind",
            Error::BadChecksum => "bad checksum",
            Error::BufferTooSmall => "buffer too small",
            Error::OptionsTooLong => "options exceed 40 bytes",
        };
        f.write_str(text)
    }
}

impl std::error::Error for Error {}

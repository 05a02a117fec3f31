//! Feeds arbitrary bytes to every parsing entry point of tcp-wire and checks what they
//! promise: no panic, specific errors, and self-consistent results.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tcp_wire::{Error, Header, OptionIter, Options, Segment, TcpOption, TcpdumpLine};

const V4: (IpAddr, IpAddr) = (
    IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
    IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)),
);
const V6: (IpAddr, IpAddr) = (
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2)),
);

fuzz_target!(|data: &[u8]| {
    // The option walker over any bytes: it ends, and what it yields fits in the input.
    walk_options(data);

    let mut line = String::new();
    for (src, dst) in [V4, V6] {
        line.clear();
        write!(line, "{}", TcpdumpLine::new(src, dst, data)).unwrap();
    }

    let segment = match Segment::new_checked(data) {
        Ok(segment) => segment,
        Err(error) => {
            assert!(matches!(
                error,
                Error::Truncated | Error::DataOffsetTooSmall | Error::DataOffsetPastEnd
            ));
            assert!(line.ends_with(&format!("tcp [{error}]")));
            return;
        }
    };
    let header_len = segment.header_len();
    assert!((20..=60).contains(&header_len) && header_len <= data.len());
    assert_eq!(header_len, usize::from(segment.data_offset()) * 4);
    assert_eq!(segment.options().len() + 20, header_len);
    assert_eq!(segment.payload().len(), data.len() - header_len);
    assert!(line.ends_with(&format!("length {}", segment.payload().len())));

    let walk_error = walk_options(segment.options());
    match Header::parse(&segment) {
        Ok(header) => {
            assert_eq!(walk_error, None);
            assert_eq!(Options::parse(segment.options()), Ok(header.options));
            round_trip(&header, segment.payload());
        }
        Err(error) => assert_eq!(walk_error, Some(error)),
    }

    for (src, dst) in [V4, V6] {
        // Whatever the bytes, filling the checksum makes it verify, and the incremental
        // check agrees with the full one.
        let stored_ok = segment.verify_checksum(src, dst);
        assert_eq!(segment.check_checksum(src, dst).is_ok(), stored_ok);
        let mut copy = data.to_vec();
        let mut writable = Segment::new_checked(&mut copy[..]).unwrap();
        writable.fill_checksum(src, dst);
        assert!(writable.verify_checksum(src, dst));
        if stored_ok {
            // One's complement has two zeros: a stored 0xffff verifies where a fill writes
            // 0x0000 (TCP, unlike UDP, sends a computed zero as zero). Nothing else differs.
            let (filled, stored) = (writable.checksum(), segment.checksum());
            assert!(filled == stored || (filled == 0 && stored == 0xffff));
            assert_eq!(copy[..16], data[..16]);
            assert_eq!(copy[18..], data[18..]);
        }
    }
    // A mixed-family pair never verifies.
    assert!(!segment.verify_checksum(V4.0, V6.1));
});

/// Walks `bytes` as options; returns the error that ended the walk, if any.
fn walk_options(bytes: &[u8]) -> Option<Error> {
    let mut used = 0;
    let mut count = 0;
    for option in OptionIter::new(bytes) {
        count += 1;
        assert!(count <= bytes.len(), "more options than bytes");
        match option {
            Ok(TcpOption::EndOfList) => return None,
            Ok(option) => used += option.wire_len(),
            Err(error) => {
                assert!(matches!(
                    error,
                    Error::OptionLengthTooSmall | Error::OptionOverrun | Error::OptionBadLength
                ));
                return Some(error);
            }
        }
        assert!(used <= bytes.len());
    }
    assert_eq!(used, bytes.len());
    None
}

/// A header that parsed and can be written again parses back to itself.
fn round_trip(header: &Header, payload: &[u8]) {
    let mut buf = vec![0u8; 60 + payload.len()];
    let len = match header.emit(&mut buf) {
        Ok(len) => len,
        Err(error) => {
            assert_eq!(error, Error::OptionsTooLong);
            return;
        }
    };
    buf.truncate(len + payload.len());
    buf[len..].copy_from_slice(payload);
    let segment = Segment::new_checked(&buf[..]).unwrap();
    assert_eq!(Header::parse(&segment), Ok(*header));
    assert_eq!(segment.payload(), payload);
}

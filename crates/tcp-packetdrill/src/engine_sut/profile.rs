//! `--profile linux|rfc` as a [`tcp_core::Config`].

use crate::config::Profile;
use core::time::Duration;
use tcp_core::Config;

/// The receive-buffer ceiling of the Linux profile. The engine scales its window so that
/// this much can be advertised, which gives window scale 8 (`ilog2(8 MiB) - 15`, Linux's
/// `tcp_select_initial_window` on hosts whose `tcp_rmem` ceiling is 8 MiB, as the scripts
/// packetdrill ships with assume).
const LINUX_RECV_BUFFER_MAX: usize = 8 * 1024 * 1024;

/// The engine configuration for `profile`.
///
/// - Linux: the engine's defaults (initial window 10, RTO 1 s initial / 200 ms minimum,
///   delayed ACK 40 ms, SACK, timestamps and window scaling on) with window scale 8.
/// - RFC: the RFCs' own numbers where Linux departs from them: an initial window of 3
///   segments (RFC 5681 §3.1 for an MSS of 1460), a 1 s minimum RTO (RFC 6298 (2.4)),
///   delayed ACK 200 ms (under RFC 9293 §3.8.6.3's 0.5 s), an MSL of 2 minutes (RFC 9293
///   §3.4.2) and SYN retransmissions for over 3 minutes (RFC 9293 §3.8.3, MUST-23).
pub(super) fn config_for(profile: Profile) -> Config {
    let mut config = Config::default();
    match profile {
        Profile::Linux => config.recv_buffer.max = LINUX_RECV_BUFFER_MAX,
        Profile::Rfc => {
            config.initial_window_segments = 3;
            config.retransmission.min_rto = Duration::from_secs(1);
            config.delayed_ack = Duration::from_millis(200);
            config.msl = Duration::from_secs(120);
            config.retransmission.syn_retries = 7;
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_profile_is_what_scripts_assume() {
        let config = config_for(Profile::Linux);
        assert_eq!(config.initial_window_segments, 10);
        assert_eq!(config.retransmission.min_rto, Duration::from_millis(200));
        assert_eq!(config.delayed_ack, Duration::from_millis(40));
        assert_eq!(config.window_scale(), 8);
        assert!(
            config.extensions.sack
                && config.extensions.timestamps
                && config.extensions.window_scaling
        );
    }

    #[test]
    fn rfc_profile_uses_the_rfc_numbers() {
        let config = config_for(Profile::Rfc);
        assert_eq!(config.initial_window_segments, 3);
        assert_eq!(config.retransmission.min_rto, Duration::from_secs(1));
        assert_eq!(config.time_wait(), Duration::from_secs(240));
        // 1 + 2 + ... + 64 s of SYN retransmissions, then 128 s more before giving up.
        assert_eq!(config.retransmission.syn_retries, 7);
    }
}

//! The stack's counters as named rows for the live view: `tcp.*` (the engines'), `net.*`
//! (the network layers'), `connections.*` (every connection's counters summed).

use crate::StackCounters;
use crate::netlayer::Counters as NetCounters;
use tcp_core::{
    ConnectionStats, Counters as TcpCounters, FastOpenCounters, IcmpCounters, ListenCounters,
    ResourceCounters,
};

/// Lists a struct's fields as `(prefix.field, value)`, every field by its name (its
/// `groups`, sub-structs, are listed on their own): destructuring it without `..` makes a
/// field added later a compile error here until it is listed.
macro_rules! named {
    ($prefix:literal, $value:expr, $type:ident { $($field:ident),* $(,)? }) => {{
        let $type { $($field),* } = $value;
        [$((concat!($prefix, ".", stringify!($field)), $field)),*]
    }};
    ($prefix:literal, $value:expr, $type:ident { $($field:ident),* $(,)? } groups { $($group:ident),* }) => {{
        let $type { $($field,)* $($group: _),* } = $value;
        [$((concat!($prefix, ".", stringify!($field)), $field)),*]
    }};
}

/// Calls `$mac! { $($arg)* ConnectionStats { ...every field... } }`: the one list of the
/// fields of [`ConnectionStats`], for the `connections.*` rows here and the protocol's
/// encoding of a connection's counters.
macro_rules! with_connection_stats_fields {
    ($mac:ident $($arg:tt)*) => {
        $mac! { $($arg)* ConnectionStats {
            segments_in,
            segments_out,
            bytes_sent,
            bytes_acked,
            bytes_received,
            retransmits,
            retransmission_timeouts,
            fast_retransmits,
            recovery_episodes,
            tail_loss_probes,
            lost_retransmits,
            spurious_fast_retransmits,
            spurious_timeouts,
            duplicate_acks,
            dsacks_received,
            congestion_marks_received,
            ecn_reductions,
            window_probes,
            keepalive_probes,
            out_of_order_dropped,
            aborted_on_data,
            dropped_for_memory,
            negative_advice,
            mtu_black_holes,
            mtu_probes_passed,
            mtu_probes_failed,
        } }
    };
}

/// Every counter of `counters`, named `group.field`, in a fixed order.
pub(crate) fn named_counters(counters: &StackCounters) -> Vec<(&'static str, u64)> {
    let StackCounters {
        tcp,
        net,
        connections,
    } = *counters;
    let mut rows = Vec::new();
    rows.extend(named!(
        "tcp",
        tcp,
        TcpCounters {
            segments_in,
            segments_out,
            malformed,
            bad_checksum,
            no_connection,
            resets_sent,
            resets_received,
            challenge_acks,
            challenge_acks_rate_limited,
            invalid_acks_rate_limited,
            paws_rejected,
            retransmission_timeouts,
            zero_window_timeouts,
            active_opens,
            passive_opens,
        } groups {
            listen,
            resources,
            fast_open,
            icmp
        }
    ));
    rows.extend(named!(
        "tcp",
        tcp.listen,
        ListenCounters {
            listen_overflows,
            syn_queue_overflows,
            syn_cookies_sent,
            syn_cookies_validated,
            syn_cookies_failed,
        }
    ));
    rows.extend(named!(
        "tcp",
        tcp.resources,
        ResourceCounters {
            resets_suppressed,
            time_wait_overflows,
            orphans_reset,
            memory_pressure_events,
            memory_refusals,
        }
    ));
    rows.extend(named!(
        "tcp.fast_open",
        tcp.fast_open,
        FastOpenCounters {
            passive,
            passive_fail,
            cookies_sent,
            active,
            active_fail,
        }
    ));
    rows.extend(named!(
        "tcp.icmp",
        tcp.icmp,
        IcmpCounters {
            errors_in,
            no_connection,
            out_of_window,
            path_mtu_reductions,
        }
    ));
    rows.extend(named!(
        "net",
        net,
        NetCounters {
            frames_in,
            frames_out,
            frames_truncated,
            frames_not_for_us,
            frames_looped,
            frames_unknown_ethertype,
            arp_requests_in,
            arp_replies_in,
            arp_requests_out,
            arp_replies_out,
            arp_malformed,
            arp_conflicts,
            arp_bogus_sender,
            arp_cache_evictions,
            arp_queue_drops,
            arp_unresolved_drops,
            ndp_solicitations_in,
            ndp_advertisements_in,
            ndp_solicitations_out,
            ndp_advertisements_out,
            ndp_malformed,
            ndp_bogus_sender,
            ndp_conflicts,
            ip_in,
            ip_bad_header,
            ip_bad_checksum,
            ip_bad_source,
            ip_fragments_dropped,
            ip_not_for_us,
            ip_unknown_protocol,
            ip_out,
            ip_no_route,
            icmp_in,
            icmp_malformed,
            icmp_echo_replied,
            icmp_ignored,
            icmp_errors_in,
            icmp_errors_dropped,
            arp_reconfirmations,
            tcp_in,
            tcp_out,
            tx_queue_drops,
        }
    ));
    rows.extend(with_connection_stats_fields!(named "connections", connections,));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_is_named_once_with_its_value() {
        let counters = StackCounters {
            tcp: TcpCounters {
                segments_in: 7,
                ..TcpCounters::default()
            },
            net: NetCounters {
                tx_queue_drops: 3,
                ..NetCounters::default()
            },
            connections: ConnectionStats {
                bytes_acked: 9,
                ..ConnectionStats::default()
            },
        };
        let rows = named_counters(&counters);
        let mut names: Vec<&str> = rows.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), rows.len(), "names are unique");
        let value = |name: &str| rows.iter().find(|row| row.0 == name).map(|row| row.1);
        assert_eq!(value("tcp.segments_in"), Some(7));
        assert_eq!(value("net.tx_queue_drops"), Some(3));
        assert_eq!(value("connections.bytes_acked"), Some(9));
        assert_eq!(value("connections.segments_in"), Some(0));
    }
}

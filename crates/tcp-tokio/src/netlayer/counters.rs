//! What the network layer saw and did, counted like the kernel's `/proc/net/snmp`.

/// Monotonic event counts of one [`NetLayer`](super::NetLayer). Every frame handed to
/// [`NetLayer::handle_frame`](super::NetLayer::handle_frame) increments `frames_in` and then
/// exactly one outcome: a delivered TCP segment, a consumed ARP or ICMP message, or one drop
/// reason. Counters only ever grow (wrapping after 2^64 events).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Frames handed in.
    pub frames_in: u64,
    /// Frames handed out, through `poll_transmit` or a completed `send_tcp`.
    pub frames_out: u64,
    /// Frames shorter than an Ethernet header.
    pub frames_truncated: u64,
    /// Frames for another station: unicast to another MAC, or multicast.
    pub frames_not_for_us: u64,
    /// Frames sent by our own MAC address coming back to us.
    pub frames_looped: u64,
    /// Frames of an EtherType other than IPv4, ARP and IPv6, or of a family the layer has no
    /// address of.
    pub frames_unknown_ethertype: u64,

    /// ARP requests received (for any target).
    pub arp_requests_in: u64,
    /// ARP replies received.
    pub arp_replies_in: u64,
    /// ARP requests sent while resolving a next hop.
    pub arp_requests_out: u64,
    /// ARP replies sent for our address.
    pub arp_replies_out: u64,
    /// ARP messages that are malformed or not Ethernet/IPv4.
    pub arp_malformed: u64,
    /// ARP messages from a station claiming our own IPv4 address.
    pub arp_conflicts: u64,
    /// ARP messages whose sender is not on our subnet, or whose sender hardware or protocol
    /// address cannot name a host.
    pub arp_bogus_sender: u64,
    /// Cache entries thrown out to make room for a new one.
    pub arp_cache_evictions: u64,
    /// Packets dropped because the queue for an unresolved next hop, or the number of next
    /// hops being resolved, was at its limit.
    pub arp_queue_drops: u64,
    /// Packets dropped because their next hop never answered ARP.
    pub arp_unresolved_drops: u64,

    /// Neighbour solicitations received (valid ones, for any target).
    pub ndp_solicitations_in: u64,
    /// Neighbour advertisements received (valid ones).
    pub ndp_advertisements_in: u64,
    /// Neighbour solicitations sent while resolving a next hop.
    pub ndp_solicitations_out: u64,
    /// Neighbour advertisements sent for our addresses.
    pub ndp_advertisements_out: u64,
    /// Neighbour discovery messages failing RFC 4861 §7.1's validation (hop limit, code,
    /// length, target, options).
    pub ndp_malformed: u64,
    /// Neighbour discovery messages from off-link, or naming a link-layer address that
    /// cannot be a host's.
    pub ndp_bogus_sender: u64,
    /// Neighbour advertisements from a station claiming one of our IPv6 addresses.
    pub ndp_conflicts: u64,
    /// IPv4 and IPv6 packets received (in a frame for us with their EtherType).
    pub ip_in: u64,
    /// IPv4 and IPv6 packets with a malformed header: version, header length, total (or
    /// payload) length.
    pub ip_bad_header: u64,
    /// IPv4 packets whose header checksum does not verify.
    pub ip_bad_checksum: u64,
    /// IPv4 and IPv6 packets from a source that cannot be a host (ours, multicast,
    /// broadcast, zero, IPv4-mapped).
    pub ip_bad_source: u64,
    /// IPv4 fragments (MF set or offset non-zero) and IPv6 packets with a fragment header;
    /// reassembly is not supported.
    pub ip_fragments_dropped: u64,
    /// IPv4 and IPv6 packets for an address that is not ours (including broadcasts and
    /// multicast groups other than our solicited-node ones).
    pub ip_not_for_us: u64,
    /// IPv4 and IPv6 packets of a protocol other than TCP and ICMP (ICMPv6), IPv6 extension
    /// headers included.
    pub ip_unknown_protocol: u64,
    /// IPv4 and IPv6 packets built and sent (TCP, ICMP and ICMPv6; neighbour discovery
    /// counted apart).
    pub ip_out: u64,
    /// Outgoing packets with no route: a destination that is not a remote host, or off-link
    /// without a gateway.
    pub ip_no_route: u64,

    /// ICMP and ICMPv6 messages received.
    pub icmp_in: u64,
    /// ICMP and ICMPv6 messages that are truncated or fail their checksum.
    pub icmp_malformed: u64,
    /// ICMP and ICMPv6 echo requests answered.
    pub icmp_echo_replied: u64,
    /// ICMP and ICMPv6 messages of a type this layer ignores (solicitations for another
    /// target included), and errors that quote no TCP packet of ours.
    pub icmp_ignored: u64,
    /// ICMP errors about our TCP packets queued for the engine (`poll_icmp_error`).
    pub icmp_errors_in: u64,
    /// ICMP errors about our TCP packets dropped because 64 were already waiting.
    pub icmp_errors_dropped: u64,
    /// ARP requests sent to re-confirm a neighbour on the engine's negative advice.
    pub arp_reconfirmations: u64,

    /// TCP segments handed up to the engine.
    pub tcp_in: u64,
    /// TCP segments accepted from the engine by `send_tcp`.
    pub tcp_out: u64,

    /// Frames lost because the layer's own transmit queue was full, or did not fit the
    /// caller's buffer in `poll_transmit`.
    pub tx_queue_drops: u64,
}

impl core::ops::AddAssign for Counters {
    /// Adds `other`'s counts to these, field by field (a stack's shards summed).
    fn add_assign(&mut self, other: Counters) {
        let Counters {
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
        } = other;
        self.frames_in += frames_in;
        self.frames_out += frames_out;
        self.frames_truncated += frames_truncated;
        self.frames_not_for_us += frames_not_for_us;
        self.frames_looped += frames_looped;
        self.frames_unknown_ethertype += frames_unknown_ethertype;
        self.arp_requests_in += arp_requests_in;
        self.arp_replies_in += arp_replies_in;
        self.arp_requests_out += arp_requests_out;
        self.arp_replies_out += arp_replies_out;
        self.arp_malformed += arp_malformed;
        self.arp_conflicts += arp_conflicts;
        self.arp_bogus_sender += arp_bogus_sender;
        self.arp_cache_evictions += arp_cache_evictions;
        self.arp_queue_drops += arp_queue_drops;
        self.arp_unresolved_drops += arp_unresolved_drops;
        self.ndp_solicitations_in += ndp_solicitations_in;
        self.ndp_advertisements_in += ndp_advertisements_in;
        self.ndp_solicitations_out += ndp_solicitations_out;
        self.ndp_advertisements_out += ndp_advertisements_out;
        self.ndp_malformed += ndp_malformed;
        self.ndp_bogus_sender += ndp_bogus_sender;
        self.ndp_conflicts += ndp_conflicts;
        self.ip_in += ip_in;
        self.ip_bad_header += ip_bad_header;
        self.ip_bad_checksum += ip_bad_checksum;
        self.ip_bad_source += ip_bad_source;
        self.ip_fragments_dropped += ip_fragments_dropped;
        self.ip_not_for_us += ip_not_for_us;
        self.ip_unknown_protocol += ip_unknown_protocol;
        self.ip_out += ip_out;
        self.ip_no_route += ip_no_route;
        self.icmp_in += icmp_in;
        self.icmp_malformed += icmp_malformed;
        self.icmp_echo_replied += icmp_echo_replied;
        self.icmp_ignored += icmp_ignored;
        self.icmp_errors_in += icmp_errors_in;
        self.icmp_errors_dropped += icmp_errors_dropped;
        self.arp_reconfirmations += arp_reconfirmations;
        self.tcp_in += tcp_in;
        self.tcp_out += tcp_out;
        self.tx_queue_drops += tx_queue_drops;
    }
}

//! Loss for the kernel -> kernel baseline: an nftables `netdev` table with an
//! ingress chain on a veth end that drops a random fraction of the TCP frames arriving.

use std::io;
use std::process::Command;

use tcp_stack::netns::Netns;

use crate::loss::Loss;

/// The table's name in each namespace; it goes when the namespace does.
const TABLE: &str = "bench_loss";

/// True when the `nft` program runs here.
pub(crate) fn available() -> bool {
    Command::new("nft")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Drops `loss` of the TCP frames arriving on `dev` in `netns`, before the kernel's IP
/// layer sees them: `meta l4proto tcp numgen random mod 1000 < N drop`, N per mille.
pub(crate) fn drop_at_ingress(netns: &Netns, dev: &str, loss: Loss) -> io::Result<()> {
    let script = format!(
        "add table netdev {TABLE}; \
         add chain netdev {TABLE} ingress \
         {{ type filter hook ingress device \"{dev}\" priority 0; policy accept; }}; \
         add rule netdev {TABLE} ingress meta l4proto tcp numgen random mod 1000 < {} drop",
        loss.per_mille()
    );
    netns.exec("nft", &[&script]).map(drop)
}

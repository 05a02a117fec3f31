#!/usr/bin/env bash
# Captures the Linux TCP segments kept in ../captured.rs.
#
# Two network namespaces joined by a veth pair, 198.19.77.1 (client) and 198.19.77.2
# (server), checksum and segmentation offloads off so the captured checksums are the ones on
# the wire. Runs as root; needs ip, nft, ethtool, tcpdump and python3. Everything it creates is
# removed on exit. Writes capture.pcap and capture.txt (`tcpdump -S -n -t -r`) to $OUT.
set -euo pipefail
OUT=${OUT:-/tmp/tcp-wire-capture}
mkdir -p "$OUT"
ID=$$
NA=wcapA$ID NB=wcapB$ID VA=wca$ID VB=wcb$ID
cleanup() {
    [[ -n ${DUMP:-} ]] && kill "$DUMP" 2>/dev/null && wait "$DUMP" 2>/dev/null
    ip netns del "$NA" 2>/dev/null || true
    ip netns del "$NB" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$NA"
ip netns add "$NB"
ip link add "$VA" type veth peer name "$VB"
ip link set "$VA" netns "$NA"
ip link set "$VB" netns "$NB"
for pair in "$NA $VA 198.19.77.1" "$NB $VB 198.19.77.2"; do
    set -- $pair
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" up
    ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null
done

ip netns exec "$NB" tcpdump -i "$VB" -s 0 -U -w "$OUT/capture.pcap" tcp 2>/dev/null &
DUMP=$!
sleep 1

# Server: port 5001 answers "hello" with "world" and closes after the client's FIN; port
# 5002 reads three segments (the second is dropped once at its ingress to provoke SACK).
ip netns exec "$NB" python3 - <<'PY' &
import socket, threading
def serve(port, handler):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.19.77.2", port)); s.listen(1)
    c, _ = s.accept(); handler(c); c.close(); s.close()
def echo(c):
    c.recv(100); c.sendall(b"world\n")
    while c.recv(100): pass
def sink(c):
    while c.recv(4096): pass
threads = [threading.Thread(target=serve, args=a) for a in ((5001, echo), (5002, sink))]
for t in threads: t.start()
for t in threads: t.join()
PY
SERVER=$!
sleep 1

ip netns exec "$NA" python3 - "$NB" <<'PY'
import socket, subprocess, sys, time
ns = sys.argv[1]
# 1. handshake, data with PSH both ways, FIN exchange.
c = socket.create_connection(("198.19.77.2", 5001), source_address=("198.19.77.1", 40001))
c.sendall(b"hello\n"); c.recv(100); time.sleep(0.1); c.close(); time.sleep(0.3)
# 2. connection refused: the server's RST.
try:
    socket.create_connection(("198.19.77.2", 5003), source_address=("198.19.77.1", 40003))
except ConnectionRefusedError:
    pass
# 3. SACK: drop the segment whose payload starts with MARK (offset 52 = IP 20 + TCP 32)
#    in the server's netfilter input hook (after tcpdump saw it), send one after it, then lift the drop so it is retransmitted.
def nft(*args): subprocess.run(["ip", "netns", "exec", ns, "nft", *args], check=True)
nft("add table ip wirecap")
nft("add chain ip wirecap input { type filter hook input priority 0; }")
nft("add rule ip wirecap input @nh,416,32 0x4d41524b drop")
c = socket.create_connection(("198.19.77.2", 5002), source_address=("198.19.77.1", 40002))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for chunk in (b"A" * 100, b"MARK" + b"B" * 96, b"C" * 100):
    c.sendall(chunk); time.sleep(0.05)
time.sleep(0.05)
nft("delete table ip wirecap")
time.sleep(1.0)
c.close(); time.sleep(0.3)
PY
wait "$SERVER"
sleep 0.5
kill "$DUMP"; wait "$DUMP" 2>/dev/null || true
DUMP=
tcpdump -S -n -t -r "$OUT/capture.pcap" > "$OUT/capture.txt" 2>/dev/null
tcpdump -S -n -t -x -r "$OUT/capture.pcap" > "$OUT/capture.hex" 2>/dev/null
cat "$OUT/capture.txt"

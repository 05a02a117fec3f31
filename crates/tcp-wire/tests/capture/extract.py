#!/usr/bin/env python3
"""Prints the segments picked from capture.pcap as Rust consts for ../captured.rs.

Usage: extract.py capture.pcap capture.txt NAME=INDEX ... (INDEX: 0-based packet number),
or extract.py capture.pcap --corpus DIR to write each packet's TCP bytes to its own file (the
fuzzer's seed corpus).
Reads the classic pcap format with Ethernet framing (what `tcpdump -w` writes on a veth).
"""
import struct, sys

def packets(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    pos = 24
    while pos < len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        yield data[pos + 16:pos + 16 + incl]
        pos += 16 + incl

def split(frame):
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    return ip[12:16], ip[16:20], ip[ihl:total]

frames = list(packets(sys.argv[1]))
if sys.argv[2] == "--corpus":
    for index, frame in enumerate(frames):
        with open(f"{sys.argv[3]}/linux-{index:02d}", "wb") as out:
            out.write(split(frame)[2])
    sys.exit(0)
lines = open(sys.argv[2]).read().splitlines()
for arg in sys.argv[3:]:
    name, index = arg.split("=")
    src, dst, tcp = split(frames[int(index)])
    print(f"/// `{lines[int(index)]}`")
    print(f"const {name}: Capture = Capture {{")
    print(f"    src: [{', '.join(map(str, src))}],")
    print(f"    dst: [{', '.join(map(str, dst))}],")
    print(f"    tcpdump: \"{lines[int(index)].removeprefix('IP ')}\",")
    print("    bytes: &[")
    for i in range(0, len(tcp), 12):
        print("        " + " ".join(f"0x{b:02x}," for b in tcp[i:i + 12]))
    print("    ],")
    print("};")
    print()

#!/usr/bin/env python3
"""pcap_mix.py OUT MB WORKDIR SRC... — one big Ethernet pcap for the
network benchmarks (bench/net.sh, bench/netrules.sh).

Every SRC is a capture or a folder of captures (*.pcap*, sorted); pcapng
files are converted with editcap into WORKDIR first. The Ethernet frames of
all of them, each capture's clock starting at 0 (clamped to an hour, so a
bogus clock cannot stretch the span), are merged in time order and written
again and again until OUT holds MB MiB; each copy is shifted in time and has
bytes 2-3 of its IPv4 addresses XOR-ed with the copy number, so flows of
different copies do not collide.
"""
import os
import struct
import subprocess
import sys


def sources(args, work):
    for a in args:
        if os.path.isdir(a):
            names = sorted(os.path.join(r, n) for r, _, fs in os.walk(a) for n in fs
                           if ".pcap" in n)
        else:
            names = [a]
        for n in names:
            if n.endswith(".pcapng"):
                conv = os.path.join(work, os.path.basename(n) + ".pcap")
                if subprocess.call(["editcap", "-F", "pcap", n, conv],
                                   stderr=subprocess.DEVNULL) != 0:
                    continue
                n = conv
            yield n


def frames_of(path):
    d = open(path, "rb").read()
    if len(d) < 24:
        return
    magic = struct.unpack("<I", d[:4])[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d) or struct.unpack("<I", d[20:24])[0] != 1:
        return  # Ethernet only, so every frame fits one file
    nano = magic == 0xa1b23c4d
    o, base = 24, None
    while o + 16 <= len(d):
        sec, frac, cap, ln = struct.unpack("<IIII", d[o:o + 16])
        b = d[o + 16:o + 16 + cap]
        o += 16 + cap
        if len(b) < cap:
            break
        t = sec + frac / (1e9 if nano else 1e6)
        base = t if base is None else base
        t = min(max(t - base, 0.0), 3600.0)
        ipoff = 14 if len(b) >= 34 and b[12:14] == b"\x08\x00" else -1
        yield (t, b, ipoff, ln)


def main():
    out, mb, work, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    frames = [fr for s in sources(srcs, work) for fr in frames_of(s)]
    if not frames:
        sys.exit("pcap_mix: no Ethernet frames in %s" % " ".join(srcs))
    frames.sort(key=lambda x: x[0])
    span = max(f[0] for f in frames) + 1.0
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        total, k = 0, 0
        while total < mb * 1024 * 1024:
            x1, x2 = (k >> 8) & 0xff, k & 0xff
            for t, b, ipoff, ln in frames:
                if ipoff >= 0:
                    bb = bytearray(b)
                    for a in (ipoff + 12, ipoff + 16):
                        bb[a + 1] ^= x1
                        bb[a + 2] ^= x2
                    b = bytes(bb)
                ts = 1500000000 + t + k * span
                sec = int(ts)
                f.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(b), ln))
                f.write(b)
                total += 16 + len(b)
            k += 1
    print("%s: %d copies of %d frames" % (os.path.basename(out), k, len(frames)))


if __name__ == "__main__":
    main()

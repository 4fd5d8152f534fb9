"""netlib.py — shared helpers of the gen_net_*.py fixture generators.

Builds TCP conversations (handshake, segments, FIN) with scapy from benign
bytes, with knobs for the corners the network engine must handle: segment
size, reordering, retransmissions, overlaps, link layers. Not a generator
itself (run-all.sh only runs gen_*.py).
"""
import os
import sys

try:
    from scapy.all import (Ether, Dot1Q, Dot1AD, IP, IPv6, TCP, UDP, Raw, wrpcap,
                           PcapWriter, fragment, IPv6ExtHdrFragment,
                           IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, conf)
except ImportError:
    # Debian's python3-scapy lives in the system interpreter's path
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

T0 = 1700000000.0


class Conv:
    """A TCP conversation; packets() gives scapy IP/IPv6 packets in order."""

    def __init__(self, cli, srv, sport, dport, v6=False, t0=T0, isn_c=1000, isn_s=5000):
        self.cli, self.srv, self.sport, self.dport, self.v6 = cli, srv, sport, dport, v6
        self.t = t0
        self.seq = {0: isn_c + 1, 1: isn_s + 1}
        self.isn = {0: isn_c, 1: isn_s}
        self.pkts = []

    def ip(self, d):
        s, t = (self.cli, self.srv) if d == 0 else (self.srv, self.cli)
        return IPv6(src=s, dst=t) if self.v6 else IP(src=s, dst=t)

    def tcp(self, d, flags, seq, ack, payload=b""):
        sp, dp = (self.sport, self.dport) if d == 0 else (self.dport, self.sport)
        p = self.ip(d) / TCP(sport=sp, dport=dp, flags=flags, seq=seq & 0xffffffff,
                             ack=ack & 0xffffffff, window=65535)
        if payload:
            p = p / Raw(payload)
        self.t += 0.001
        p.time = self.t
        return p

    def handshake(self):
        self.pkts.append(self.tcp(0, "S", self.isn[0], 0))
        self.pkts.append(self.tcp(1, "SA", self.isn[1], self.isn[0] + 1))
        self.pkts.append(self.tcp(0, "A", self.seq[0], self.seq[1]))
        return self

    def send(self, d, data, mss=1460):
        """data in order, cut in mss-sized segments."""
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            self.pkts.append(self.tcp(d, "PA", self.seq[d], self.seq[1 - d], chunk))
            self.seq[d] += len(chunk)
        return self

    def segments(self, d, data, mss):
        """Returns (seq, bytes) pieces without adding them (for reordering)."""
        out = []
        for i in range(0, len(data), mss):
            out.append((self.seq[d] + i, data[i:i + mss]))
        self.seq[d] += len(data)
        return out

    def raw_seg(self, d, seq, data, flags="PA"):
        self.pkts.append(self.tcp(d, flags, seq, self.seq[1 - d], data))
        return self

    def close(self):
        self.pkts.append(self.tcp(0, "FA", self.seq[0], self.seq[1]))
        self.pkts.append(self.tcp(1, "FA", self.seq[1], self.seq[0] + 1))
        self.pkts.append(self.tcp(0, "A", self.seq[0] + 1, self.seq[1] + 1))
        return self


def ether(pkts, vlans=()):
    """Wraps IP packets in Ethernet (with 802.1Q/802.1ad tags if given)."""
    out = []
    for p in pkts:
        v6 = p.haslayer(IPv6)
        e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        inner = p
        if vlans:
            layers = None
            for i, vid in enumerate(vlans):
                tag = Dot1AD(vlan=vid) if (i == 0 and len(vlans) > 1) else Dot1Q(vlan=vid)
                layers = tag if layers is None else layers / tag
            f = e / layers / inner
        else:
            f = e / inner
        f.time = p.time
        out.append(f)
    return out


def write(path, pkts, linktype=None):
    w = PcapWriter(path, linktype=linktype, sync=True) if linktype is not None else PcapWriter(path, sync=True)
    for p in pkts:
        w.write(p)
    w.close()


def write_raw_frames(path, frames, linktype, snaplen=65535):
    """Classic pcap from (time, bytes) frames, for link types scapy does not build."""
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for t, b in frames:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            cap = b[:snaplen]
            f.write(struct.pack("<IIII", sec, usec, len(cap), len(b)))
            f.write(cap)


def http_get(path, host="example.test", extra=b""):
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() +
            b"\r\nUser-Agent: mamori-test/1.0\r\n" + extra + b"\r\n")


def http_ok(body=b"hello"):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)


def http_post(path, body, host="example.test", ctype=b"application/json", extra=b""):
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() +
            b"\r\nUser-Agent: mamori-test/1.0\r\nContent-Type: " + ctype +
            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)

#!/usr/bin/env python3
"""gen_net_core.py OUTDIR — captures for the network engine's capture,
decode and reassembly layers, built with scapy from benign bytes.

Every capture carries one HTTP GET whose path names the case ("/vlan",
"/frag4", ...): a test scans it with `--log http` and checks that the
request was parsed, i.e. that every layer below worked. Files:

  eth.pcap            plain Ethernet/IPv4, handshake, GET + 200, FIN
  vlan.pcap qinq.pcap 802.1Q, 802.1ad+802.1Q
  sll.pcap sll2.pcap  Linux cooked capture v1 (113) and v2 (276)
  raw.pcap            LINKTYPE_RAW (101); ipv4lt.pcap LINKTYPE_IPV4 (228)
  null_le.pcap        DLT_NULL, family in little-endian; loop_be.pcap DLT_LOOP
  ipv6.pcap           IPv6 with hop-by-hop and destination options headers
  frag4.pcap          the request in 3 IPv4 fragments, sent out of order
  frag6.pcap          the request in IPv6 fragments
  split.pcap          request in 5-byte segments, out of order, with a
                      retransmission and an overlapping segment whose
                      bytes differ ("/splitsplit" must win over "/splitXXXXX")
  midstream.pcap      no handshake: capture starts with the request
  gap.pcap            a request lost (never captured) and acknowledged,
                      then a second request: only "/aftergap" is parsed
  pcapng.pcapng       pcapng with the /pcapng request
  truncated.pcap      a file cut in the middle of its 5th record
  snaplen.pcap        snaplen 80: the request line fits, the rest does not
  badlink.pcap        link type 147 (USER0): unsupported
  bogus.pcap          a record header claiming 0x7fffffff bytes
  pipeline.pcap       3 pipelined requests, chunked response, HEAD
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlib import (Conv, ether, write, write_raw_frames, http_get, http_ok,  # noqa: E402
                    IP, IPv6, TCP, Raw, fragment, IPv6ExtHdrFragment,
                    IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, PcapWriter)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def p(name):
    return os.path.join(out, name)


def simple(path, v6=False, cli="10.1.0.1", srv="10.1.0.2"):
    if v6:
        cli, srv = "2001:db8::1", "2001:db8::2"
    c = Conv(cli, srv, 40000, 80, v6=v6).handshake()
    c.send(0, http_get(path))
    c.send(1, http_ok())
    c.close()
    return c.pkts


write(p("eth.pcap"), ether(simple("/eth")))
write(p("vlan.pcap"), ether(simple("/vlan"), vlans=(100,)))
write(p("qinq.pcap"), ether(simple("/qinq"), vlans=(200, 300)))


def frames_of(pkts):
    return [(float(x.time), bytes(x)) for x in pkts]


# Linux cooked v1: pkttype, arphrd, addrlen, addr[8], protocol
def sll(pk):
    proto = 0x86dd if pk.haslayer(IPv6) else 0x0800
    return struct.pack(">HHH8sH", 0, 1, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00", proto) + bytes(pk)


def sll2(pk):
    proto = 0x86dd if pk.haslayer(IPv6) else 0x0800
    return struct.pack(">HHIHBB8s", proto, 0, 2, 1, 0, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00") + bytes(pk)


pk = simple("/sll")
write_raw_frames(p("sll.pcap"), [(float(x.time), sll(x)) for x in pk], 113)
pk = simple("/sll2")
write_raw_frames(p("sll2.pcap"), [(float(x.time), sll2(x)) for x in pk], 276)
write_raw_frames(p("raw.pcap"), frames_of(simple("/raw")), 101)
write_raw_frames(p("ipv4lt.pcap"), frames_of(simple("/ipv4lt")), 228)
write_raw_frames(p("null_le.pcap"),
                 [(float(x.time), struct.pack("<I", 2) + bytes(x)) for x in simple("/null")], 0)
write_raw_frames(p("loop_be.pcap"),
                 [(float(x.time), struct.pack(">I", 2) + bytes(x)) for x in simple("/loop")], 108)

# IPv6 with extension headers on every packet
pk = []
for x in simple("/ipv6", v6=True):
    ip6 = x[IPv6]
    tcp = ip6.payload
    n = IPv6(src=ip6.src, dst=ip6.dst) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / tcp
    n.time = x.time
    pk.append(n)
write(p("ipv6.pcap"), ether(pk))

# IPv4 fragments of the request segment, out of order
pk = simple("/frag4" + "a" * 200)
req = [x for x in pk if x.haslayer(Raw) and x[TCP].dport == 80][0]
frags = fragment(req, fragsize=96)
assert len(frags) >= 3
for f in frags:
    f.time = req.time
idx = pk.index(req)
pk = pk[:idx] + [frags[2], frags[0]] + frags[3:] + [frags[1]] + pk[idx + 1:]
write(p("frag4.pcap"), ether(pk))

# IPv6 fragments
pk = simple("/frag6" + "b" * 200, v6=True)
req = [x for x in pk if x.haslayer(Raw) and x[TCP].dport == 80][0]
ip6 = req[IPv6]
tcpbytes = bytes(ip6.payload)
fr = []
chunks = [tcpbytes[i:i + 104] for i in range(0, len(tcpbytes), 104)]
off = 0
for i, ch in enumerate(chunks):
    m = 1 if i < len(chunks) - 1 else 0
    f = IPv6(src=ip6.src, dst=ip6.dst, nh=44) / IPv6ExtHdrFragment(nh=6, offset=off // 8, m=m, id=0x1234) / Raw(ch)
    f.time = req.time
    fr.append(f)
    off += len(ch)
idx = pk.index(req)
pk = pk[:idx] + list(reversed(fr)) + pk[idx + 1:]
write(p("frag6.pcap"), ether(pk))

# segment splits, reordering, retransmission, overlap (first wins)
c = Conv("10.2.0.1", "10.2.0.2", 40001, 80).handshake()
data = http_get("/splitsplit")
segs = c.segments(0, data, 5)
# "GET /", "split", "split", " HTTP", ...: the second "split" arrives
# first (queued), then a different copy of it ("XXXXX", must lose), then
# the hole fills; one segment is retransmitted and two swapped later on
order = [0, 2, 1] + list(range(3, len(segs)))
order[5], order[7] = order[7], order[5]
for n, i in enumerate(order):
    s, b = segs[i]
    c.raw_seg(0, s, b)
    if n == 1:
        c.raw_seg(0, segs[2][0], b"XXXXX")
    if n == 4:
        c.raw_seg(0, s, b)  # retransmission
c.send(1, http_ok())
c.close()
write(p("split.pcap"), ether(c.pkts))

# midstream: no handshake
c = Conv("10.3.0.1", "10.3.0.2", 40002, 80)
c.send(0, http_get("/midstream"))
c.send(1, http_ok())
write(p("midstream.pcap"), ether(c.pkts))

# gap: first request never captured but acknowledged
c = Conv("10.4.0.1", "10.4.0.2", 40003, 80).handshake()
lost = http_get("/lost")
c.seq[0] += len(lost)
c.send(0, http_get("/aftergap"))
c.pkts.append(c.tcp(1, "A", c.seq[1], c.seq[0]))
c.send(1, http_ok())
c.close()
write(p("gap.pcap"), ether(c.pkts))

# pcapng
try:
    from scapy.all import PcapNgWriter
    w = PcapNgWriter(p("pcapng.pcapng"))
    for x in ether(simple("/pcapng")):
        w.write(x)
    w.close()
except ImportError:
    # hand-written pcapng: SHB, IDB, EPBs
    def blk(t, body):
        pad = (4 - len(body) % 4) % 4
        ln = 12 + len(body) + pad
        return struct.pack("<II", t, ln) + body + b"\0" * pad + struct.pack("<I", ln)
    with open(p("pcapng.pcapng"), "wb") as f:
        f.write(blk(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1)))
        f.write(blk(1, struct.pack("<HHI", 1, 0, 65535)))
        for x in ether(simple("/pcapng")):
            b = bytes(x)
            us = int(float(x.time) * 1e6)
            f.write(blk(6, struct.pack("<IIIII", 0, us >> 32, us & 0xffffffff, len(b), len(b)) + b))

# truncated file: cut in the middle of the 5th record
write(p("full.pcap"), ether(simple("/truncated")))
raw = open(p("full.pcap"), "rb").read()
offs = 24
for _ in range(4):
    caplen = struct.unpack("<I", raw[offs + 8:offs + 12])[0]
    offs += 16 + caplen
with open(p("truncated.pcap"), "wb") as f:
    f.write(raw[:offs + 16 + 10])
os.remove(p("full.pcap"))

# snaplen 80: 54 bytes of headers + 26 of the request
write_raw_frames(p("snaplen.pcap"), [(float(x.time), bytes(x)) for x in ether(simple("/snap"))],
                 1, snaplen=80)

# unsupported link type
write_raw_frames(p("badlink.pcap"), frames_of(simple("/badlink")), 147)

# bogus record length after one good record
fr = [(float(x.time), bytes(x)) for x in ether(simple("/bogus"))]
write_raw_frames(p("bogus.pcap"), fr[:4], 1)
with open(p("bogus.pcap"), "ab") as f:
    f.write(struct.pack("<IIII", 1700000001, 0, 0x7fffffff, 0x7fffffff) + b"\0" * 64)

# pipelining: three requests in one segment, chunked response, HEAD
c = Conv("10.5.0.1", "10.5.0.2", 40005, 8080).handshake()
c.send(0, http_get("/p1") + b"HEAD /p2 HTTP/1.1\r\nHost: x\r\n\r\n" + http_get("/p3"))
chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
head = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
c.send(1, chunked + head + http_ok(b"third"), mss=17)
c.close()
write(p("pipeline.pcap"), ether(c.pkts))

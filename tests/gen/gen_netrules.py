"""gen_netrules.py OUTDIR — captures for the Suricata-syntax rule engine's
end-to-end cases (tests/e2e/netrules-*), one per keyword family, from
benign bytes made up here:

  content.pcap   stream content/pcre/byte_* (a TCP service on port 7777 with
                 a made-up binary header "MMR1", then a login line split over
                 two segments), HTTP request/response buffers (uri, method,
                 user agent, host, header names, response body), a DNS query
                 (dns.query with dotprefix/endswith) and a TLS ClientHello
                 (tls.sni, ja3.hash)
  state.pcap     flowbits (LOGIN then CMD in one flow, CMD alone in
                 another), threshold (six flows' SYNs from one client),
                 ICMP echo (itype/icode), a short-TTL UDP datagram (ttl,
                 dsize)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlib import Conv, ether, write, http_ok, T0  # noqa: E402
from scapy.all import IP, UDP, ICMP, Raw  # noqa: E402
from gen_net_b_mining import dns_query, dns_response, tls_client_hello, tls_server_hello  # noqa: E402

CLI = "192.168.50.10"
SRV = "198.51.100.20"


def content(out):
    pkts = []
    c = Conv(CLI, SRV, 41000, 7777, t0=T0).handshake()
    hdr = b"MMR1" + struct.pack(">H", 6) + b"abcdef" + b"TAIL"
    c.send(0, hdr)
    c.send(1, b"OK\n")
    c.send(0, b"LOGIN user=alice ")
    c.send(0, b"token=1234&mode=x\n")
    c.close()
    pkts += c.pkts
    h = Conv(CLI, SRV, 41001, 80, t0=T0 + 1).handshake()
    req = (b"GET /panel/gate.php?id=42 HTTP/1.1\r\nHost: updates.example.test\r\n"
           b"User-Agent: RuleTestBot/2.1\r\nX-Rule-Test: 1\r\nAccept: */*\r\n\r\n")
    h.send(0, req)
    h.send(1, http_ok(b"config: stratum+tcp://pool.example.test:3333\n"))
    h.close()
    pkts += h.pkts
    q = IP(src=CLI, dst="192.168.50.1") / UDP(sport=40500, dport=53) / Raw(dns_query(0x1234, "eu.pool.example.test"))
    r = IP(src="192.168.50.1", dst=CLI) / UDP(sport=53, dport=40500) / Raw(
        dns_response(0x1234, "eu.pool.example.test", [(1, bytes([198, 51, 100, 30]))]))
    q.time = T0 + 2
    r.time = T0 + 2.01
    pkts += [q, r]
    hello, _, ja3_md5, _ = tls_client_hello("miner.example.test")
    t = Conv(CLI, SRV, 41002, 443, t0=T0 + 3).handshake()
    t.send(0, hello)
    t.send(1, tls_server_hello())
    t.close()
    pkts += t.pkts
    write(os.path.join(out, "content.pcap"), ether(pkts))
    with open(os.path.join(out, "content.ja3"), "w") as f:
        f.write(ja3_md5 + "\n")


def state(out):
    pkts = []
    a = Conv(CLI, SRV, 42000, 6666, t0=T0).handshake()
    a.send(0, b"LOGIN bob\n")
    a.send(0, b"CMD list\n")
    a.close()
    pkts += a.pkts
    b = Conv(CLI, SRV, 42001, 6666, t0=T0 + 1).handshake()
    b.send(0, b"CMD list\n")
    b.close()
    pkts += b.pkts
    for i in range(6):
        c = Conv(CLI, SRV, 43000 + i, 2222, t0=T0 + 2 + i * 0.1).handshake()
        c.close()
        pkts += c.pkts
    for i in range(3):
        e = IP(src=CLI, dst=SRV) / ICMP(type=8, code=0, id=7, seq=i) / Raw(b"ping-data")
        e.time = T0 + 4 + i
        pkts.append(e)
    u = IP(src=CLI, dst=SRV, ttl=2) / UDP(sport=44000, dport=9999) / Raw(b"probe-0123456789")
    u.time = T0 + 8
    pkts.append(u)
    write(os.path.join(out, "state.pcap"), ether(pkts))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    content(out)
    state(out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""gen_net_b_mining.py OUTDIR — captures for the network engine's DNS, TLS
and Stratum parsers and the mining detector. Everything is synthetic: the
wallets are made here from seeded bytes by the public encoding rules
(gen_wallets.py's pure-Python Keccak/Base58), the pool domains are from
the bundled list, the addresses are documentation ranges.

  xmr_dns_login.pcap    DNS A query/answer pool.supportxmr.com ->
                        198.51.100.7 (UDP), then an XMRig login to
                        198.51.100.7:3333 (wallet.worker, agent, algo),
                        job reply, two submits (the login line is split
                        over two segments)
  stratum_v1.pcap       mining.subscribe / authorize with a Bitcoin P2PKH
                        address + ".rig1" / notify / submit, on port 8080
  eth_login.pcap        eth_submitLogin with an EIP-55 address, getWork
  getwork_http.pcap     HTTP POST with a JSON-RPC eth_getWork body
  tls_pool.pcap         TLS ClientHello with SNI xmr.hashvault.pro (GREASE
                        cipher and extension), a ServerHello
  dns_tcp_pool.pcap     DNS over TCP: query for ethermine.org in two
                        segments
  jsonrpc_benign.pcap   line JSON-RPC of a non-mining method: silent
  dns_benign.pcap       DNS for www.example.org with CNAME/AAAA/TXT/MX: silent
  tls_benign.pcap       ClientHello for www.example.org: silent
  tls12_cert.pcap       TLS 1.2 ServerHello + Certificate (a DER structure
                        with subject CN=pool.example.net,O=Mamori Test and
                        issuer CN=Mamori Test CA,C=ZZ), records split over
                        segments
  wallets.txt           the addresses used, one "name address" per line
  ja3.txt               the JA3 string and MD5 of tls_pool.pcap's hello,
                        computed here, and its JA4
"""
import hashlib
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402  (re-execs into the system python for scapy)
from netlib import Conv, ether, write, IP, UDP, Raw  # noqa: E402
import gen_wallets as gw  # noqa: E402

CLI = "10.1.0.5"


def wallets():
    rnd = random.Random(4242)
    keys = bytes(rnd.getrandbits(8) for _ in range(64))
    xmr = gw.xmr_address(18, keys)
    btc = gw.b58check(0x00, bytes(rnd.getrandbits(8) for _ in range(20)))
    eth = gw.eip55(bytes(rnd.getrandbits(8) for _ in range(20)))
    assert gw.xmr_ok(xmr) and gw.b58check_ok(btc) and gw.eth_ok(eth)
    return xmr, btc, eth


def dns_name(n):
    out = b""
    for part in n.split("."):
        out += bytes([len(part)]) + part.encode()
    return out + b"\x00"


def dns_query(qid, name, qtype=1):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack(">HH", qtype, 1)


def dns_response(qid, name, answers, qtype=1, rcode=0):
    """answers: (type, rdata bytes) with the owner name compressed to the question."""
    h = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, len(answers), 0, 0)
    q = dns_name(name) + struct.pack(">HH", qtype, 1)
    a = b""
    for t, rd in answers:
        a += b"\xc0\x0c" + struct.pack(">HHIH", t, 1, 300, len(rd)) + rd
    return h + q + a


def udp_pair(t, q, r, sport=40000):
    p1 = IP(src=CLI, dst="10.1.0.1") / UDP(sport=sport, dport=53) / Raw(q)
    p2 = IP(src="10.1.0.1", dst=CLI) / UDP(sport=53, dport=sport) / Raw(r)
    p1.time = t
    p2.time = t + 0.01
    return [p1, p2]


def line(o):
    return (json.dumps(o, separators=(",", ":")) + "\n").encode()


def tls_client_hello(sni, grease=True):
    ciphers = ([0x0a0a] if grease else []) + [0x1301, 0x1302, 0xc02b, 0xc02f, 0x009c]
    exts = []
    if grease:
        exts.append((0x1a1a, b""))
    host = sni.encode()
    exts.append((0x0000, struct.pack(">HBH", len(host) + 3, 0, len(host)) + host))
    groups = [0x001d, 0x0017, 0x0018]
    exts.append((0x000a, struct.pack(">H", 2 * len(groups)) + b"".join(struct.pack(">H", g) for g in groups)))
    exts.append((0x000b, b"\x01\x00"))
    sig = [0x0403, 0x0804, 0x0401]
    exts.append((0x000d, struct.pack(">H", 2 * len(sig)) + b"".join(struct.pack(">H", s) for s in sig)))
    alpn = b"\x02h2\x08http/1.1"
    exts.append((0x0010, struct.pack(">H", len(alpn)) + alpn))
    exts.append((0x002b, b"\x04\x03\x04\x03\x03"))
    ext_bytes = b"".join(struct.pack(">HH", t, len(d)) + d for t, d in exts)
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" +
            struct.pack(">H", 2 * len(ciphers)) + b"".join(struct.pack(">H", c) for c in ciphers) +
            b"\x01\x00" + struct.pack(">H", len(ext_bytes)) + ext_bytes)
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    rec = b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs

    def g(v):
        return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)
    c2 = [c for c in ciphers if not g(c)]
    e2 = [t for t, _ in exts if not g(t)]
    ja3 = "771,%s,%s,%s,0" % ("-".join(map(str, c2)), "-".join(map(str, e2)),
                             "-".join(map(str, groups)))
    # JA4
    hc = hashlib.sha256(",".join("%04x" % c for c in sorted(c2)).encode()).hexdigest()[:12]
    e3 = sorted(t for t in e2 if t not in (0, 0x10))
    he = hashlib.sha256((",".join("%04x" % t for t in e3) + "_" +
                         ",".join("%04x" % s for s in sig)).encode()).hexdigest()[:12]
    ja4 = "t13d%02d%02dh2_%s_%s" % (len(c2), len(e2), hc, he)
    return rec, ja3, hashlib.md5(ja3.encode()).hexdigest(), ja4


def tls_server_hello():
    exts = struct.pack(">HHH", 0x002b, 2, 0x0304)
    body = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x13\x01" + b"\x00" +
            struct.pack(">H", len(exts)) + exts)
    hs = b"\x02" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack(">H", len(hs)) + hs + b"\x14\x03\x03\x00\x01\x01"


def der(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = b"\x81" + bytes([n])
    else:
        ln = b"\x82" + struct.pack(">H", n)
    return bytes([tag]) + ln + body


def der_name(pairs):
    oids = {"CN": 3, "C": 6, "O": 10}
    return der(0x30, b"".join(der(0x31, der(0x30, der(0x06, bytes([0x55, 0x04, oids[k]])) +
                                               der(0x0c, v.encode()))) for k, v in pairs))


def tls12_cert_flight():
    tbs = der(0x30, der(0xa0, der(0x02, b"\x02")) + der(0x02, b"\x01\x23") +
              der(0x30, der(0x06, bytes([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]))) +
              der_name([("CN", "Mamori Test CA"), ("C", "ZZ")]) +
              der(0x30, der(0x17, b"230101000000Z") + der(0x17, b"330101000000Z")) +
              der_name([("CN", "pool.example.net"), ("O", "Mamori Test")]) +
              der(0x30, der(0x30, der(0x06, b"\x2a\x86\x48\xce\x3d\x02\x01")) + der(0x03, b"\x00" + bytes(65))))
    cert = der(0x30, tbs + der(0x30, der(0x06, b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b")) +
               der(0x03, b"\x00" + bytes(64)))
    cl = struct.pack(">I", len(cert))[1:] + cert
    body = struct.pack(">I", len(cl))[1:] + cl
    cert_msg = b"\x0b" + struct.pack(">I", len(body))[1:] + body
    sh = b"\x03\x03" + bytes(32) + b"\x00" + b"\xc0\x2f" + b"\x00"
    sh_msg = b"\x02" + struct.pack(">I", len(sh))[1:] + sh
    done = b"\x0e\x00\x00\x00"
    # the ServerHello and the first half of the Certificate in one record,
    # the rest of the Certificate and ServerHelloDone in a second one
    flight = sh_msg + cert_msg + done
    cut = len(sh_msg) + len(cert_msg) // 2
    r1, r2 = flight[:cut], flight[cut:]
    return (b"\x16\x03\x03" + struct.pack(">H", len(r1)) + r1 +
            b"\x16\x03\x03" + struct.pack(">H", len(r2)) + r2)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    xmr, btc, eth = wallets()
    with open(os.path.join(out, "wallets.txt"), "w") as f:
        f.write("xmr %s\nbtc %s\neth %s\n" % (xmr, btc, eth))
    t0 = netlib.T0

    # XMRig: DNS first, then the session to the resolved address
    pk = udp_pair(t0, dns_query(0x1234, "pool.supportxmr.com"),
                  dns_response(0x1234, "pool.supportxmr.com", [(1, bytes([198, 51, 100, 7]))]))
    c = Conv(CLI, "198.51.100.7", 50001, 3333, t0=t0 + 1).handshake()
    login = line({"id": 1, "jsonrpc": "2.0", "method": "login",
                  "params": {"login": xmr + ".worker1", "pass": "x", "agent": "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0",
                             "algo": ["rx/0", "cn/r"]}})
    c.send(0, login, mss=120)
    c.send(1, line({"id": 1, "jsonrpc": "2.0", "error": None, "result": {
        "id": "abc", "job": {"blob": "0" * 152, "job_id": "1", "target": "b88d0600", "algo": "rx/0"},
        "status": "OK"}}))
    for k in range(2):
        c.send(0, line({"id": 2 + k, "jsonrpc": "2.0", "method": "submit",
                        "params": {"id": "abc", "job_id": "1", "nonce": "0000000%d" % k, "result": "f" * 64}}))
        c.send(1, line({"id": 2 + k, "jsonrpc": "2.0", "error": None, "result": {"status": "OK"}}))
    c.close()
    write(os.path.join(out, "xmr_dns_login.pcap"), ether(pk + c.pkts))

    # Stratum v1 with a Bitcoin address
    c = Conv(CLI, "203.0.113.20", 50002, 8080).handshake()
    c.send(0, line({"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.12.0"]}))
    c.send(1, line({"id": 1, "result": [[["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4], "error": None}))
    c.send(0, line({"id": 2, "method": "mining.authorize", "params": [btc + ".rig1", "password"]}))
    c.send(1, line({"id": 2, "result": True, "error": None}))
    c.send(1, line({"id": None, "method": "mining.set_difficulty", "params": [2]}))
    c.send(1, line({"id": None, "method": "mining.notify", "params": ["bf", "00" * 32, "01", "02", [], "20000000", "1d00ffff", "5f5e1000", True]}))
    c.send(0, line({"id": 4, "method": "mining.submit", "params": [btc + ".rig1", "bf", "00000000", "5f5e1000", "00000001"]}))
    c.close()
    write(os.path.join(out, "stratum_v1.pcap"), ether(c.pkts))

    # Ethereum stratum-proxy dialect
    c = Conv(CLI, "203.0.113.21", 50003, 4444).handshake()
    c.send(0, line({"worker": "eth1.0", "jsonrpc": "2.0", "params": [eth + ".rig2", "x"], "id": 2, "method": "eth_submitLogin"}))
    c.send(1, line({"id": 2, "jsonrpc": "2.0", "result": True}))
    c.send(0, line({"worker": "", "jsonrpc": "2.0", "params": [], "id": 3, "method": "eth_getWork"}))
    c.send(1, line({"id": 3, "jsonrpc": "2.0", "result": ["0x" + "1" * 64, "0x" + "2" * 64, "0x" + "3" * 56]}))
    c.close()
    write(os.path.join(out, "eth_login.pcap"), ether(c.pkts))

    # getwork over HTTP
    body = json.dumps({"jsonrpc": "2.0", "method": "eth_getWork", "params": [], "id": 73}).encode()
    c = Conv(CLI, "203.0.113.22", 50004, 8545).handshake()
    c.send(0, netlib.http_post("/", body, host="203.0.113.22:8545"))
    c.send(1, netlib.http_ok(b'{"jsonrpc":"2.0","id":73,"result":["0x1","0x2","0x3"]}'))
    c.close()
    write(os.path.join(out, "getwork_http.pcap"), ether(c.pkts))

    # TLS to a pool name
    rec, ja3, ja3md5, ja4 = tls_client_hello("xmr.hashvault.pro")
    with open(os.path.join(out, "ja3.txt"), "w") as f:
        f.write("%s\n%s\n%s\n" % (ja3, ja3md5, ja4))
    c = Conv(CLI, "203.0.113.23", 50005, 443).handshake()
    c.send(0, rec, mss=100)
    c.send(1, tls_server_hello())
    c.send(0, b"\x17\x03\x03\x00\x20" + bytes(32))
    c.close()
    write(os.path.join(out, "tls_pool.pcap"), ether(c.pkts))

    # DNS over TCP, the message in two segments
    q = dns_query(0x4321, "eu1.ethermine.org")
    c = Conv(CLI, "10.1.0.1", 50006, 53).handshake()
    msg = struct.pack(">H", len(q)) + q
    c.send(0, msg, mss=9)
    r = dns_response(0x4321, "eu1.ethermine.org", [(1, bytes([203, 0, 113, 99]))])
    c.send(1, struct.pack(">H", len(r)) + r)
    c.close()
    write(os.path.join(out, "dns_tcp_pool.pcap"), ether(c.pkts))

    # negatives
    c = Conv(CLI, "203.0.113.24", 50007, 9000).handshake()
    c.send(0, line({"jsonrpc": "2.0", "method": "getinfo", "params": [], "id": 1}))
    c.send(1, line({"jsonrpc": "2.0", "result": {"version": 1}, "id": 1}))
    c.close()
    write(os.path.join(out, "jsonrpc_benign.pcap"), ether(c.pkts))

    cname = dns_name("edge.example.net")
    txt = b"\x0bv=spf1 -all"
    pk = udp_pair(t0, dns_query(7, "www.example.org", 28),
                  dns_response(7, "www.example.org", [(5, cname), (28, bytes(15) + b"\x01"), (16, txt),
                                                     (15, b"\x00\x0a" + dns_name("mx.example.org"))], qtype=28))
    pk += udp_pair(t0 + 1, dns_query(8, "nothing.example.org"),
                   dns_response(8, "nothing.example.org", [], rcode=3), sport=40001)
    write(os.path.join(out, "dns_benign.pcap"), ether(pk))

    rec, _, _, _ = tls_client_hello("www.example.org", grease=False)
    c = Conv(CLI, "203.0.113.25", 50008, 443).handshake()
    c.send(0, rec)
    c.send(1, tls_server_hello())
    c.close()
    write(os.path.join(out, "tls_benign.pcap"), ether(c.pkts))

    rec, _, _, _ = tls_client_hello("pool.example.net", grease=False)
    c = Conv(CLI, "203.0.113.26", 50009, 8443).handshake()
    c.send(0, rec)
    c.send(1, tls12_cert_flight(), mss=90)
    c.close()
    write(os.path.join(out, "tls12_cert.pcap"), ether(c.pkts))


if __name__ == "__main__":
    main()

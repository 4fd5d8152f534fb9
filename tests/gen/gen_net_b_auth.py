#!/usr/bin/env python3
"""gen_net_b_auth.py OUTDIR — captures of logins, failed and successful,
for the network engine's FTP, SSH, Telnet and RDP parsers and the
brute-force detector. All bytes are synthetic (made-up user names and
passwords, documentation addresses; SSH encrypted packets are zero-filled
blocks of the sizes an OpenSSH server uses).

  ftp_brute.pcap      12 connections 10.2.0.5 -> 10.2.0.9:21, USER from a
                      list of 6 names, PASS, "530 Login incorrect", 1.5 s
                      apart; the 12th is followed by a 230 success
  ftp_mistype.pcap    one user mistypes twice then logs in: silent
  ssh_brute.pcap      12 connections to :22, each: banners, KEXINIT,
                      NEWKEYS, service request/accept, "none" probe, two
                      password tries answered by failure-sized replies
  ssh_normal.pcap     one session: "none" probe, one failure, a success
                      and an interactive session: silent
  ssh_keys.pcap       4 connections 1 s apart, each offering 3 refused keys
                      before one that logs in (12 failure-sized replies,
                      all followed by a success in their connection):
                      silent
  telnet_brute.pcap   11 connections with IAC negotiation, login/password
                      prompts (user typed one character per segment) and
                      "Login incorrect"
  telnet_ok.pcap      one login that succeeds (shell prompt): silent
  rdp_cookies.pcap    12 short connections with X.224 CR "Cookie:
                      mstshash=administrator" and a negotiation request;
                      the server confirms HYBRID and resets
  http_401.pcap       12 requests with HTTP Basic credentials -> 401
  spray.pcap          FTP failures from one source against 3 servers
                      (8 each, 4 s apart: under the per-target threshold,
                      over the per-source one)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlib  # noqa: E402
from netlib import Conv, ether, write  # noqa: E402

ATT = "10.2.0.5"
USERS = ["admin", "root", "test", "oracle", "guest", "user"]


def ftp_session(c, user, ok=False, tries=1):
    c.send(1, b"220 (vsFTPd 3.0.3)\r\n")
    c.send(0, b"USER " + user.encode() + b"\r\n")
    c.send(1, b"331 Please specify the password.\r\n")
    for i in range(tries):
        c.send(0, b"PASS secret%d\r\n" % i)
        if ok and i == tries - 1:
            c.send(1, b"230 Login successful.\r\n")
        else:
            c.send(1, b"530 Login incorrect.\r\n")
            if i < tries - 1:
                c.send(0, b"USER " + user.encode() + b"\r\n")
                c.send(1, b"331 Please specify the password.\r\n")
    c.send(0, b"QUIT\r\n")
    c.send(1, b"221-Goodbye.\r\n221 See you.\r\n")
    c.close()


def ssh_packet(code, payload=b""):
    body = bytes([code]) + payload
    pad = 8 - ((5 + len(body)) % 8)
    if pad < 4:
        pad += 8
    return struct.pack(">IB", 1 + len(body) + pad, pad) + body + bytes(pad)


def namelist(s):
    return struct.pack(">I", len(s)) + s


def kexinit():
    lists = [b"curve25519-sha256", b"ssh-ed25519", b"aes128-ctr", b"aes128-ctr",
             b"hmac-sha2-256", b"hmac-sha2-256", b"none", b"none", b"", b""]
    return ssh_packet(20, bytes(16) + b"".join(namelist(x) for x in lists) + b"\x00" + bytes(4))


def ssh_session(c, tries, success=False, interactive=False):
    c.send(1, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    c.send(0, b"SSH-2.0-libssh_0.9.6\r\n")
    c.send(0, kexinit())
    c.send(1, kexinit())
    c.send(0, ssh_packet(30, bytes(36)))        # ECDH init (cleartext)
    c.send(1, ssh_packet(31, bytes(200)) + ssh_packet(21))
    c.send(0, ssh_packet(21))
    c.send(0, bytes(48))                        # service request
    c.send(1, bytes(48))                        # service accept
    c.send(0, bytes(64))                        # "none" probe
    c.send(1, bytes(80))                        # failure (method list)
    for i in range(tries):
        c.send(0, bytes(144))
        if success and i == tries - 1:
            c.send(1, bytes(32))
        else:
            c.send(1, bytes(80))
    if interactive:
        for i in range(30):
            c.send(0, bytes(48))
            c.send(1, bytes(96 + (i % 5) * 16))
    c.close()


def telnet_session(c, user, ok):
    c.send(1, b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27")
    c.send(0, b"\xff\xfb\x18\xff\xfc\x20\xff\xfc\x23\xff\xfc\x27")
    c.send(1, b"\xff\xfa\x18\x01\xff\xf0")
    c.send(0, b"\xff\xfa\x18\x00xterm\xff\xf0")
    c.send(1, b"\xff\xfb\x03\xff\xfb\x01\r\nUbuntu 22.04 LTS\r\nhost login: ")
    for ch in user:
        c.send(0, ch.encode())
        c.send(1, ch.encode())
    c.send(0, b"\r\n")
    c.send(1, b"\r\nPassword: ")
    c.send(0, b"hunter2\r\n")
    if ok:
        c.send(1, b"\r\nLast login: Mon Nov 13 10:00:00 2023\r\nuser@host:~$ ")
        c.send(0, b"exit\r\n")
    else:
        c.send(1, b"\r\n\r\nLogin incorrect\r\nhost login: ")
    c.close()


def rdp_session(c, user):
    cookie = b"Cookie: mstshash=" + user.encode() + b"\r\n"
    neg = struct.pack("<BBHI", 1, 0, 8, 3)
    x224 = bytes([6 + len(cookie) + len(neg), 0xe0, 0, 0, 0, 0, 0]) + cookie + neg
    c.send(0, struct.pack(">BBH", 3, 0, 4 + len(x224)) + x224)
    negr = struct.pack("<BBHI", 2, 0, 8, 2)
    cc = bytes([6 + len(negr), 0xd0, 0, 0, 0x12, 0x34, 0]) + negr
    c.send(1, struct.pack(">BBH", 3, 0, 4 + len(cc)) + cc)
    c.send(0, b"\x16\x03\x01\x00\x05" + bytes(5))
    c.close()


def conns(maker, n, srv, port, gap, base_port=41000, t0=netlib.T0):
    pkts = []
    for i in range(n):
        c = Conv(ATT, srv, base_port + i, port, t0=t0 + i * gap).handshake()
        maker(c, i)
        pkts += c.pkts
    return pkts


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    w = lambda name, pk: write(os.path.join(out, name), ether(pk))  # noqa: E731

    w("ftp_brute.pcap", conns(lambda c, i: ftp_session(c, USERS[i % 6], ok=(i == 11)),
                              12, "10.2.0.9", 21, 1.5))
    c = Conv("10.2.0.7", "10.2.0.9", 42000, 21).handshake()
    ftp_session(c, "alice", ok=True, tries=3)
    w("ftp_mistype.pcap", c.pkts)

    w("ssh_brute.pcap", conns(lambda c, i: ssh_session(c, 2), 12, "10.2.0.10", 22, 2.0))
    c = Conv("10.2.0.7", "10.2.0.10", 42001, 22).handshake()
    ssh_session(c, 2, success=True, interactive=True)
    w("ssh_normal.pcap", c.pkts)

    w("ssh_keys.pcap", conns(lambda c, i: ssh_session(c, 4, success=True), 4, "10.2.0.10", 22,
                             1.0, base_port=44000))

    w("telnet_brute.pcap", conns(lambda c, i: telnet_session(c, USERS[i % 6], False),
                                 11, "10.2.0.11", 23, 3.0))
    c = Conv("10.2.0.7", "10.2.0.11", 42002, 23).handshake()
    telnet_session(c, "alice", True)
    w("telnet_ok.pcap", c.pkts)

    w("rdp_cookies.pcap", conns(lambda c, i: rdp_session(c, "administrator"), 12,
                                "10.2.0.12", 3389, 1.0))

    def http(c, i):
        c.send(0, netlib.http_get("/admin/", host="10.2.0.13",
                                  extra=b"Authorization: Basic YWRtaW46cGFzc3dvcmQ%d\r\n" % i))
        c.send(1, b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
                  b"Content-Length: 0\r\n\r\n")
        c.close()
    w("http_401.pcap", conns(http, 12, "10.2.0.13", 80, 0.5))

    pk = []
    for k, srv in enumerate(["10.2.1.1", "10.2.1.2", "10.2.1.3"]):
        pk += conns(lambda c, i: ftp_session(c, USERS[i % 6]), 8, srv, 21, 4.0,
                    base_port=43000 + 100 * k, t0=netlib.T0 + k * 0.5)
    pk.sort(key=lambda p: p.time)
    w("spray.pcap", pk)


if __name__ == "__main__":
    main()

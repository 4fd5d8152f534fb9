#!/usr/bin/env python3
"""gen_wallets.py OUTDIR -- wallet address fixtures for mamori's tests.

Everything is derived offline from seeded pseudo-random bytes by the
public encoding rules, with an implementation independent of src/core
(pure Python, including Keccak-256, which Python's hashlib lacks: its
sha3_256 uses the FIPS 202 padding). No network, no real wallets.

Writes into OUTDIR:
  keccak.tsv   hex(message) TAB keccak256 hex, for lengths 0..400
  valid.tsv    coin_name TAB type TAB verified(0/1) TAB address
  invalid.txt  one look-alike per line: right alphabet and length, one
               character changed (or another structural fault), each
               checked here to be invalid
  scan.txt     text with addresses embedded in JSON, command lines,
               punctuation and noise
  scan.tsv     byte offset TAB address, for every address scan.txt holds
"""
import hashlib
import os
import random
import sys

# ---- Keccak-f[1600] ---------------------------------------------------

RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A,
    0x8000000080008000, 0x000000000000808B, 0x0000000080000001,
    0x8000000080008081, 0x8000000000008009, 0x000000000000008A,
    0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
    0x000000000000800A, 0x800000008000000A, 0x8000000080008081,
    0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
M64 = (1 << 64) - 1


def rol(x, n):
    n %= 64
    return ((x << n) | (x >> (64 - n))) & M64 if n else x


def rotation_offsets():
    """rho offsets r[x][y], computed from the definition (FIPS 202 3.2.2)."""
    r = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        r[x][y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return r


ROT = rotation_offsets()


def keccak_f(a):
    """a[x][y] lanes, updated in place."""
    for rnd in range(24):
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                a[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rol(a[x][y], ROT[x][y])
        for x in range(5):
            for y in range(5):
                a[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        a[0][0] ^= RC[rnd]


def sponge256(msg, pad):
    rate = 136
    m = bytearray(msg)
    m.append(pad)
    while len(m) % rate:
        m.append(0)
    m[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(m), rate):
        block = m[off:off + rate]
        for i in range(rate // 8):
            lane = int.from_bytes(block[8 * i:8 * i + 8], 'little')
            a[i % 5][i // 5] ^= lane
        keccak_f(a)
    out = b''
    for i in range(4):
        out += a[i % 5][i // 5].to_bytes(8, 'little')
    return out


def keccak256(msg):
    return sponge256(msg, 0x01)


def self_check():
    rng = random.Random(7)
    for n in (0, 1, 3, 135, 136, 137, 271, 272, 273, 500):
        msg = bytes(rng.randrange(256) for _ in range(n))
        if sponge256(msg, 0x06) != hashlib.sha3_256(msg).digest():
            sys.exit('gen_wallets: Keccak self-check against SHA3-256 failed')
    if keccak256(b'').hex() != ('c5d2460186f7233c927e7db2dcc703c0'
                                'e500b653ca82273b7bfad8045d85a470'):
        sys.exit('gen_wallets: keccak256("") is wrong')


# ---- Base58 -----------------------------------------------------------

B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'


def b58_encode(data):
    n = int.from_bytes(data, 'big')
    s = ''
    while n:
        n, r = divmod(n, 58)
        s = B58[r] + s
    zeros = len(data) - len(data.lstrip(b'\0'))
    return '1' * zeros + s


def b58_decode(s):
    n = 0
    for ch in s:
        if ch not in B58:
            return None
        n = n * 58 + B58.index(ch)
    zeros = len(s) - len(s.lstrip('1'))
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big') if n else b''
    return b'\0' * zeros + body


def dsha(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def b58check(version, payload):
    raw = bytes([version]) + payload
    return b58_encode(raw + dsha(raw)[:4])


def b58check_ok(s):
    raw = b58_decode(s)
    return (raw is not None and len(raw) == 25 and raw[0] in B58_VERSIONS
            and dsha(raw[:21])[:4] == raw[21:])


B58_VERSIONS = (0x00, 0x05, 0x6F, 0xC4, 0x30, 0x32, 0x1E, 0x16)


# Cryptonote base58: 8-byte blocks, each 11 characters; a last short block
# of n bytes takes XMR_SIZES[n] characters.
XMR_SIZES = [0, 2, 3, 5, 6, 7, 9, 10, 11]


def xmr_encode(data):
    out = ''
    for off in range(0, len(data), 8):
        block = data[off:off + 8]
        n = int.from_bytes(block, 'big')
        size = XMR_SIZES[len(block)]
        chars = ['1'] * size
        i = size - 1
        while n:
            n, r = divmod(n, 58)
            chars[i] = B58[r]
            i -= 1
        out += ''.join(chars)
    return out


def xmr_decode(s):
    out = b''
    for off in range(0, len(s), 11):
        chunk = s[off:off + 11]
        if len(chunk) not in XMR_SIZES:
            return None
        nbytes = XMR_SIZES.index(len(chunk))
        n = 0
        for ch in chunk:
            if ch not in B58:
                return None
            n = n * 58 + B58.index(ch)
        if n >> (8 * nbytes):
            return None
        out += n.to_bytes(nbytes, 'big')
    return out


XMR_PREFIX = {18: ('monero', 'standard'), 19: ('monero', 'integrated'),
              42: ('monero', 'subaddress'),
              53: ('monero-testnet', 'standard'),
              54: ('monero-testnet', 'integrated'),
              63: ('monero-testnet', 'subaddress'),
              24: ('monero-stagenet', 'standard'),
              25: ('monero-stagenet', 'integrated'),
              36: ('monero-stagenet', 'subaddress')}


def xmr_address(prefix, keys, payment_id=b''):
    body = bytes([prefix]) + keys + payment_id
    return xmr_encode(body + keccak256(body)[:4])


def xmr_ok(s):
    if len(s) not in (95, 106):
        return False
    raw = xmr_decode(s)
    if raw is None or len(raw) not in (69, 77):
        return False
    if raw[0] not in XMR_PREFIX:
        return False
    integrated = XMR_PREFIX[raw[0]][1] == 'integrated'
    if integrated != (len(raw) == 77):
        return False
    return keccak256(raw[:-4])[:4] == raw[-4:]


# ---- bech32 / bech32m -------------------------------------------------

CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
BECH32, BECH32M = 1, 0x2BC830A3


def polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= gen[i]
    return chk


def hrp_expand(hrp):
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_encode(hrp, data, const):
    mod = polymod(hrp_expand(hrp) + data + [0] * 6) ^ const
    chk = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + '1' + ''.join(CHARSET[d] for d in data + chk)


def convertbits(data, frm, to, pad):
    acc = bits = 0
    out = []
    maxv = (1 << to) - 1
    for v in data:
        acc = (acc << frm) | v
        bits += frm
        while bits >= to:
            bits -= to
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to - bits)) & maxv)
    elif bits >= frm or ((acc << (to - bits)) & maxv):
        return None
    return out


def segwit_address(hrp, version, program):
    const = BECH32 if version == 0 else BECH32M
    return bech32_encode(hrp, [version] + convertbits(program, 8, 5, True),
                         const)


def segwit_ok(s):
    if s.lower() != s and s.upper() != s:
        return False
    s = s.lower()
    pos = s.rfind('1')
    if pos < 1 or pos + 7 > len(s) or len(s) > 90:
        return False
    hrp, rest = s[:pos], s[pos + 1:]
    if hrp not in ('bc', 'tb', 'ltc'):
        return False
    if any(c not in CHARSET for c in rest):
        return False
    data = [CHARSET.index(c) for c in rest]
    const = polymod(hrp_expand(hrp) + data)
    if const not in (BECH32, BECH32M):
        return False
    ver = data[0]
    prog = convertbits(data[1:-6], 5, 8, False)
    if prog is None or ver > 16 or not 2 <= len(prog) <= 40:
        return False
    if ver == 0 and len(prog) not in (20, 32):
        return False
    return (const == BECH32) == (ver == 0)


# ---- Ethereum ---------------------------------------------------------

def eip55(addr20):
    h = addr20.hex()
    k = keccak256(h.encode()).hex()
    return '0x' + ''.join(c.upper() if c.isalpha() and int(k[i], 16) >= 8
                          else c for i, c in enumerate(h))


def eth_ok(s):
    if len(s) != 42 or not s.startswith('0x'):
        return False
    body = s[2:]
    if any(c not in '0123456789abcdefABCDEF' for c in body):
        return False
    if body.lower() == body or body.upper() == body:
        return True
    return eip55(bytes.fromhex(body)) == s


def any_ok(s):
    return b58check_ok(s) or xmr_ok(s) or segwit_ok(s) or eth_ok(s)


# ---- fixtures ---------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        sys.exit('usage: gen_wallets.py OUTDIR')
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    self_check()
    rng = random.Random(20261125)

    def rb(n):
        return bytes(rng.randrange(256) for _ in range(n))

    with open(os.path.join(out, 'keccak.tsv'), 'w') as f:
        for n in range(0, 401):
            msg = rb(n)
            f.write('%s\t%s\n' % (msg.hex(), keccak256(msg).hex()))

    valid = []      # (coin, type, verified, address)
    for prefix, (coin, typ) in sorted(XMR_PREFIX.items()):
        for _ in range(3):
            pid = rb(8) if typ == 'integrated' else b''
            valid.append((coin, typ, 1, xmr_address(prefix, rb(64), pid)))
    b58_kinds = [(0x00, 'bitcoin', 'p2pkh'), (0x05, 'bitcoin', 'p2sh'),
                 (0x6F, 'bitcoin-testnet', 'p2pkh'),
                 (0xC4, 'bitcoin-testnet', 'p2sh'),
                 (0x30, 'litecoin', 'p2pkh'), (0x32, 'litecoin', 'p2sh'),
                 (0x1E, 'dogecoin', 'p2pkh'), (0x16, 'dogecoin', 'p2sh')]
    for ver, coin, typ in b58_kinds:
        for i in range(4):
            payload = rb(20)
            if i == 0:
                payload = b'\0' + payload[1:]      # extra leading '1'
            if i == 1 and ver == 0:
                payload = b'\0\0' + payload[2:]
            valid.append((coin, typ, 1, b58check(ver, payload)))
    seg_coin = {'bc': 'bitcoin', 'tb': 'bitcoin-testnet', 'ltc': 'litecoin'}
    for hrp in ('bc', 'tb', 'ltc'):
        for ver, n, typ in ((0, 20, 'p2wpkh'), (0, 32, 'p2wsh'),
                            (1, 32, 'p2tr'), (2, 16, 'witness_unknown'),
                            (16, 2, 'witness_unknown'),
                            (1, 40, 'witness_unknown')):
            a = segwit_address(hrp, ver, rb(n))
            valid.append((seg_coin[hrp], typ, 1, a))
        a = segwit_address(hrp, 0, rb(20)).upper()
        valid.append((seg_coin[hrp], 'p2wpkh', 1, a))
    for i in range(6):
        valid.append(('ethereum', 'eip55', 1, eip55(rb(20))))
    e = rb(20).hex()
    valid.append(('ethereum', 'unchecksummed', 0, '0x' + e))
    valid.append(('ethereum', 'unchecksummed', 0, '0x' + e.upper()))
    for v in valid:
        if not any_ok(v[3]):
            sys.exit('gen_wallets: generated address fails its own check: '
                     + v[3])
    with open(os.path.join(out, 'valid.tsv'), 'w') as f:
        for v in valid:
            f.write('%s\t%s\t%d\t%s\n' % v)

    invalid = []

    def corrupt(addr, alphabet, start):
        for _ in range(100):
            i = rng.randrange(start, len(addr))
            c = rng.choice(alphabet)
            if c == addr[i]:
                continue
            bad = addr[:i] + c + addr[i + 1:]
            if not any_ok(bad):
                return bad
        sys.exit('gen_wallets: could not corrupt ' + addr)

    for coin, typ, ver, addr in valid:
        if coin.startswith('monero'):
            invalid.append(corrupt(addr, B58, 1))
        elif coin == 'ethereum':
            if typ == 'eip55':
                # flip the case of one letter, and change one digit
                letters = [i for i, c in enumerate(addr) if c.isalpha() and i > 1]
                i = letters[len(letters) // 2]
                invalid.append(addr[:i] + addr[i].swapcase() + addr[i + 1:])
                invalid.append(corrupt(addr, '0123456789', 2))
        elif addr[:3].lower() in ('bc1', 'tb1') or addr[:4].lower() == 'ltc1':
            cs = CHARSET if addr.lower() == addr else CHARSET.upper()
            invalid.append(corrupt(addr, cs, addr.rfind('1') + 1))
        else:
            invalid.append(corrupt(addr, B58, 1))
    # Structural faults: each must fail for its own reason.
    a = segwit_address('bc', 0, rb(20))
    invalid.append(a[:10] + a[10].upper() + a[11:])          # mixed case
    invalid.append(bech32_encode('bc', [0] + convertbits(rb(20), 8, 5, True),
                                 BECH32M))                   # v0 with bech32m
    invalid.append(bech32_encode('bc', [1] + convertbits(rb(32), 8, 5, True),
                                 BECH32))                    # v1 with bech32
    invalid.append(segwit_address('bc', 1, rb(32))[:-1])     # truncated
    invalid.append(bech32_encode('xx', [0] + convertbits(rb(20), 8, 5, True),
                                 BECH32))                    # unknown hrp
    invalid.append(bech32_encode('bc', [0] + convertbits(rb(21), 8, 5, True),
                                 BECH32))                    # v0, 21 bytes
    invalid.append(bech32_encode('bc', [17] + convertbits(rb(20), 8, 5, True),
                                 BECH32M))                   # version 17
    invalid.append(b58check(0x07, rb(20)))                   # unknown version
    invalid.append(b58check(0x00, rb(21)))                   # 26 bytes
    invalid.append(b58check(0x00, rb(19)))                   # 24 bytes
    invalid.append(xmr_address(18, rb(64), rb(8)))           # standard, 77 bytes
    invalid.append(xmr_address(19, rb(64)))                  # integrated, 69 bytes
    invalid.append(xmr_address(99, rb(64)))                  # unknown prefix
    invalid.append(eip55(rb(20))[:-1])                        # 39 hex digits
    invalid.append('0X' + rb(20).hex())                      # 0X prefix
    # Base58Check over 25 bytes: the same 25 bytes plus 2^200 (26 bytes),
    # which a decoder that drops the top byte would accept.
    for ver in (0x05, 0x1E, 0x6F):
        raw = b58_decode(b58check(ver, rb(20)))
        big = int.from_bytes(raw, 'big') + (1 << 200)
        invalid.append(b58_encode(big.to_bytes(26, 'big')))
    # Non-canonical Cryptonote blocks: the same bytes plus 2^(8*nbytes),
    # which a decoder that truncates instead of rejecting would accept.
    x = xmr_address(18, rb(64))
    tail = x[88:]
    n = 0
    for ch in tail:
        n = n * 58 + B58.index(ch)
    n += 1 << 40
    enc = ''
    while n:
        n, r = divmod(n, 58)
        enc = B58[r] + enc
    invalid.append(x[:88] + enc.rjust(7, '1'))
    for blk in range(8):
        chunk = x[11 * blk:11 * blk + 11]
        n = 0
        for ch in chunk:
            n = n * 58 + B58.index(ch)
        n += 1 << 64
        if n < 58 ** 11:
            enc = ''
            while n:
                n, r = divmod(n, 58)
                enc = B58[r] + enc
            invalid.append(x[:11 * blk] + enc.rjust(11, '1') + x[11 * blk + 11:])
            break
    else:
        sys.exit('gen_wallets: no block small enough for the 2^64 case')
    for bad in invalid:
        if any_ok(bad):
            sys.exit('gen_wallets: invalid fixture validates: ' + bad)
    with open(os.path.join(out, 'invalid.txt'), 'w') as f:
        for bad in invalid:
            f.write(bad + '\n')

    # Text with embedded addresses and look-alikes around them.
    pick = [v[3] for v in valid]
    templates = [
        '{"wallet":"%s","pass":"x"}',
        './xmrig -o pool.example.invalid:3333 -u %s.worker1 -p x --donate-level 1',
        'send to <%s>, thanks!',
        'addr=%s;',
        '(%s)',
        "'%s'",
        '%s',
        'stratum+tcp://%s:x@pool.example.invalid',
        'wallet: %s\r\n',
    ]
    text = ''
    expect = []
    for i, addr in enumerate(pick):
        tpl = templates[i % len(templates)]
        pre = tpl.split('%s')[0]
        noise = ' lorem %d ipsum, ' % i
        if i % 5 == 0:
            noise += invalid[i % len(invalid)] + ' '
        text += noise + ' '
        expect.append((len(text.encode()) + len(pre.encode()), addr))
        text += tpl % addr + '\n'
    with open(os.path.join(out, 'scan.txt'), 'w', newline='') as f:
        f.write(text)
    with open(os.path.join(out, 'scan.tsv'), 'w') as f:
        for off, addr in expect:
            f.write('%d\t%s\n' % (off, addr))


if __name__ == '__main__':
    main()

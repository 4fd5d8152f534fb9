#!/bin/sh
# eval_files.sh MAMORI — the file engine against ../shared/corpus/files.
#
# 1. Found/missed per fixture family (miner configs and command lines, the
#    in-browser miner library, wallet stores, LNK, PE, phishing mail,
#    PowerShell, EICAR): a file is "found" when mamori raises an alert of
#    the family's rule prefix on it (or on one of its members).
# 2. YARA compatibility: every rule set in corpus/files/yara/ through
#    `mamori rules check`: rules loaded / rejected per set.
# 3. False positives: `mamori scan /usr /lib` with the bundled rules must
#    raise no alert above low; prints counts per level and the rules that
#    fired (EVAL_FP=0 skips this part, which takes a few minutes).
#
# Prints tables; exits 0 with "SKIP" when the corpus is absent, 1 when the
# false-positive check fails, else 0. Nothing from the corpus is copied.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=$(dirname "$repo")/shared/corpus
files=$corpus/files
if [ ! -d "$files" ]; then
	echo "eval_files: SKIP (no corpus at $corpus)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-eval-files.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

scan() {	# scan OUT PATH...: alerts as JSON lines
	out=$1
	shift
	"$bin" scan --no-db --format jsonl -q -j 2 "$@" >"$out" 2>"$out.err" || true
}

echo "== file engine: found/missed per fixture family (corpus/files)"
printf '%-26s %6s %6s %6s  %s\n' family files found missed "rule prefix"
family() {	# family NAME PREFIX PATH...
	name=$1
	prefix=$2
	shift 2
	scan "$tmp/$name.jsonl" "$@"
	python3 - "$tmp/$name.jsonl" "$prefix" "$name" "$@" <<'PY'
import json, os, sys
out, prefix, name, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
wanted = []
for p in paths:
    if os.path.isdir(p):
        for root, _, fs in os.walk(p):
            for f in fs:
                stem = os.path.splitext(f)[0]
                # LevelDB bookkeeping files, licences, manifests and the
                # ground-truth .json next to a fixture are not fixtures
                if f in ("MANIFEST.tsv", "CURRENT", "LOG", "LOCK") or \
                   f.startswith(("LICENSE", "MANIFEST-")) or \
                   (f.endswith(".json") and any(os.path.exists(os.path.join(root, stem + e))
                                                for e in (".lnk", ".exe", ".eml"))):
                    continue
                wanted.append(os.path.join(root, f))
    else:
        wanted.append(p)
hit = {}
for line in open(out, encoding="utf-8", errors="replace"):
    try:
        a = json.loads(line)
    except ValueError:
        continue
    if a.get("event", {}).get("kind") != "alert":
        continue
    rid = a.get("rule", {}).get("id", "")
    path = a.get("file", {}).get("path", "").split("!")[0]
    if any(rid.startswith(p) for p in prefix.split(",")):
        hit.setdefault(os.path.normpath(path), set()).add(rid)
found = [w for w in wanted if os.path.normpath(w) in hit]
missed = [w for w in wanted if os.path.normpath(w) not in hit]
print("%-26s %6d %6d %6d  %s" % (name, len(wanted), len(found), len(missed), prefix))
for m in missed[:8]:
    print("    missed: %s" % os.path.relpath(m, os.path.dirname(os.path.dirname(m))))
PY
}
family miner-configs mamori.files.miner. "$files/miner/xmrig/src_config.json" \
	"$files/miner/xmrig/doc_api_1_config.json"
family miner-cmdlines mamori.files.miner. "$files/miner/xmrig/scripts_pool_mine_example.cmd" \
	"$files/miner/xmrig/scripts_solo_mine_example.cmd" \
	"$files/miner/xmrig/scripts_rtm_ghostrider_example.cmd"
family web-miner mamori.files.webminer.,yara:webminers: "$files/miner/coinhive"
family wallets mamori.files.wallet. "$files/wallets"
# corpus/files/lnk/ holds lnkparse3's fixtures: each .lnk there is the
# Base64 text of a shortcut (with its parsed ground truth in a .json), not
# the shortcut itself. The binary shortcuts are decoded into $tmp (never
# into the repository) and scanned there (a .lnk that already is a binary
# shortcut is taken as it is). Two must be found: the USB-worm style
# one (target in a hidden, blank-named folder) and padded_cli_arguments
# (cmd.exe behind whitespace-padded arguments that build and run a
# JScript dropper); the others are ordinary shortcuts (found should stay 0).
mkdir -p "$tmp/lnk-bad" "$tmp/lnk-benign"
python3 - "$files/lnk" "$tmp" <<'PY'
import base64, binascii, os, sys
src, tmp = sys.argv[1], sys.argv[2]
magic = b"L\x00\x00\x00\x01\x14\x02\x00"
for root, _, fs in os.walk(src):
    for f in sorted(fs):
        if not f.lower().endswith(".lnk"):
            continue
        p = os.path.join(root, f)
        raw = open(p, "rb").read(1 << 20)
        if not raw.startswith(magic):
            try:
                raw = base64.b64decode(b"".join(raw.split()), validate=True)
            except (binascii.Error, ValueError):
                continue
            if not raw.startswith(magic):
                continue
        bad = "usbworm" in f.lower() or "padded_cli" in f.lower()
        dst = os.path.join(tmp, "lnk-bad" if bad else "lnk-benign", f)
        with open(dst, "wb") as out:
            out.write(raw)
PY
family lnk-malicious mamori.files.lnk.,mamori.files.usb "$tmp/lnk-bad"
family lnk-benign mamori.files.lnk.,mamori.files.usb "$tmp/lnk-benign"
# benign parser fixtures: found should stay 0
family pe-benign mamori.files.pe. "$files/pe"
family phishing mamori.files.phish "$files/phishing"
family powershell mamori.files.powershell,yara:powershell "$files/powershell"
family eicar yara:eicar: "$files/eicar"

echo
echo "== YARA compatibility (mamori rules check, libyara $(pkg-config --modversion yara 2>/dev/null || echo '?'))"
printf '%-28s %8s %9s %9s\n' "rule set" files loaded rejected
for set in "$files"/yara/*/; do
	[ -d "$set" ] || continue
	n=$(find "$set" -type f \( -name '*.yar' -o -name '*.yara' -o -name '*.rule' \) | wc -l)
	"$bin" rules check --engine files "$set" >"$tmp/check.out" 2>&1
	loaded=$(sed -n 's/^files *\([0-9]*\) loaded, \([0-9]*\) rejected.*/\1/p' "$tmp/check.out" | tail -1)
	rejected=$(sed -n 's/^files *\([0-9]*\) loaded, \([0-9]*\) rejected.*/\2/p' "$tmp/check.out" | tail -1)
	printf '%-28s %8s %9s %9s\n' "$(basename "$set")" "$n" "${loaded:-?}" "${rejected:-?}"
	grep -E ': files: ' "$tmp/check.out" | grep -v warning | head -n 5 | sed 's/^/    /'
done

if [ "${EVAL_FP:-1}" = 0 ]; then
	echo
	echo "== false positives: skipped (EVAL_FP=0)"
	exit $status
fi
echo
echo "== false positives: mamori scan /usr /lib (bundled rules), alerts per level"
start=$(date +%s)
"$bin" scan --no-db --format jsonl -q -j 2 /usr /lib >"$tmp/fp.jsonl" 2>"$tmp/fp.err" || true
end=$(date +%s)
python3 - "$tmp/fp.jsonl" $((end - start)) <<'PY' || status=1
import collections, json, sys
levels = ["informational", "low", "medium", "high", "critical"]
per = collections.Counter()
rules = collections.Counter()
example = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        a = json.loads(line)
    except ValueError:
        continue
    if a.get("event", {}).get("kind") != "alert":
        continue
    lv = a.get("mamori", {}).get("level", "?")
    rid = a.get("rule", {}).get("id", "?")
    per[lv] += 1
    rules[(lv, rid)] += 1
    example.setdefault((lv, rid), a.get("file", {}).get("path", ""))
print("  " + "  ".join("%s=%d" % (l, per[l]) for l in levels) + "   (%ss)" % sys.argv[2])
for (lv, rid), n in sorted(rules.items(), key=lambda x: (-levels.index(x[0][0]) if x[0][0] in levels else 0, -x[1])):
    print("  %-13s %6d  %s  e.g. %s" % (lv, n, rid, example[(lv, rid)]))
bad = sum(per[l] for l in ("medium", "high", "critical"))
print("false-positive check: %s (%d alerts above low)" % ("PASS" if bad == 0 else "FAIL", bad))
sys.exit(1 if bad else 0)
PY
exit $status

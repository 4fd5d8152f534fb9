#!/bin/sh
# eval_netrules.sh MAMORI — the Suricata-syntax rule engine against the
# reference data of ../shared/corpus/net:
#
#  1. loads the whole ET Open set (rules/et-open-*): loaded/rejected counts
#     per reason; target >= 95 % of the active rules (fails below);
#  2. loads every rules/selected-*.rules: target 100 % (printed, with the
#     rules that do not load);
#  3. runs all selected-*.rules over every capture in net/pcaps and prints
#     which sids fired per capture;
#  4. suricata-verify style: for each sample folder of
#     net/suricata-verify-samples whose rules all load and which has a
#     pcap, runs the rules with `--log eve` and checks the alert filters of
#     its test.yaml (count of EVE alert records matching every key).
# Prints "SKIP" and exits 0 when the corpus is absent.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=$(dirname "$repo")/shared/corpus
net=$corpus/net
if [ ! -d "$net/rules" ]; then
	echo "eval_netrules: SKIP (no corpus at $corpus)"
	exit 0
fi
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-eval-netrules.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

echo "== 1. ET Open load"
for et in "$net"/rules/et-open-*; do
	[ -d "$et" ] || continue
	active=$(cat "$et"/*.rules | grep -cE '^[[:space:]]*(alert|drop|pass|reject)')
	start=$(date +%s.%N)
	"$bin" rules check "$et"/*.rules >"$tmp/et.txt" 2>"$tmp/et.err"
	end=$(date +%s.%N)
	loaded=$(awk '$1 == "net" { print $2 }' "$tmp/et.txt")
	loaded=${loaded:-0}
	echo "set: $(basename "$et")  active rules: $active  loaded: $loaded  ($(echo "$start $end" | awk '{ printf "%.2f", $2 - $1 }') s with every engine opening)"
	sed -n '/^rejected by reason:/,/^total:/p' "$tmp/et.txt"
	pct=$(echo "$loaded $active" | awk '{ printf "%.1f", $2 ? 100 * $1 / $2 : 0 }')
	echo "loaded: $pct % (target >= 95 %)"
	if ! echo "$pct" | awk '{ exit !($1 >= 95) }'; then
		echo "FAIL: ET Open load below 95 %"
		status=1
	fi
done

echo
echo "== 2. selected-*.rules load (target 100 %)"
for f in "$net"/rules/selected-*.rules; do
	active=$(grep -cE '^[[:space:]]*(alert|drop|pass|reject)' "$f")
	"$bin" rules check "$f" >"$tmp/sel.txt" 2>&1
	loaded=$(awk '$1 == "net" { print $2 }' "$tmp/sel.txt")
	printf '%-32s %4s / %4s\n' "$(basename "$f")" "${loaded:-0}" "$active"
	grep -E '^[^ ]+:[0-9]+: ' "$tmp/sel.txt" | sed 's/^/    /'
done

echo
echo "== 3. selected-*.rules over the corpus captures (sids fired)"
rargs=""
for f in "$net"/rules/selected-*.rules; do
	rargs="$rargs -r $f"
done
if [ -d "$net/pcaps" ]; then
	for p in $(cd "$net/pcaps" && find . -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort); do
		rel=${p#./}
		# shellcheck disable=SC2086
		"$bin" scan --deterministic --format jsonl --no-db $rargs "$net/pcaps/$rel" >"$tmp/cap.jsonl" 2>/dev/null
		sids=$("$py" - "$tmp/cap.jsonl" <<'EOF'
import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    rid = (o.get("rule") or {}).get("id", "")
    if rid.startswith("sid:"):
        c[rid[4:]] += 1
print(" ".join(f"{k}x{v}" if v > 1 else k for k, v in sorted(c.items(), key=lambda kv: int(kv[0]))) or "-")
EOF
)
		printf '%-60s %s\n' "$rel" "$sids"
	done
fi

echo
echo "== 4. suricata-verify samples (EVE alert checks)"
sv=$net/suricata-verify-samples/tests
if [ -d "$sv" ]; then
	for y in $(cd "$sv" && find . -name test.yaml | sort); do
		d=$sv/$(dirname "$y")
		name=$(dirname "$y" | sed 's|^\./||')
		rules=$(ls "$d"/*.rules 2>/dev/null | head -1)
		pcap=$(ls "$d"/*.pcap 2>/dev/null | head -1)
		if [ -z "$rules" ] || [ -z "$pcap" ]; then
			printf '%-50s skipped (no rules or no pcap)\n' "$name"
			continue
		fi
		if ! "$bin" rules check "$rules" >"$tmp/sv.txt" 2>&1; then
			printf '%-50s skipped (rules use unsupported features: %s)\n' "$name" \
				"$(sed -n '/^rejected by reason:/,/^total:/p' "$tmp/sv.txt" | sed -n '2p' | sed 's/^ *[0-9]* *//')"
			continue
		fi
		"$bin" scan --deterministic --format jsonl --no-db --no-bundled-rules --log eve -r "$rules" "$pcap" >"$tmp/sv.jsonl" 2>/dev/null
		res=$("$py" - "$d/test.yaml" "$tmp/sv.jsonl" <<'EOF'
import json, sys, yaml
t = yaml.safe_load(open(sys.argv[1]))
ev = []
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("event_type"):
        ev.append(o)
def get(o, path):
    for k in path.split("."):
        if not isinstance(o, dict) or k not in o:
            return None
        o = o[k]
    return o
ok = bad = 0
msgs = []
for c in t.get("checks") or []:
    f = c.get("filter") if isinstance(c, dict) else None
    if not f or (f.get("match") or {}).get("event_type") != "alert" or "count" not in f:
        continue
    m = f["match"]
    n = sum(1 for e in ev if all(str(get(e, k)) == str(v) for k, v in m.items()))
    if n == f["count"]:
        ok += 1
    else:
        bad += 1
        msgs.append(f"{m.get('alert.signature_id', '?')}: {n} != {f['count']}")
print(("PASS" if not bad else "FAIL") + f" {ok}/{ok + bad} alert checks" + ("" if not msgs else " (" + "; ".join(msgs) + ")"))
EOF
)
		printf '%-50s %s\n' "$name" "$res"
	done
fi
exit $status

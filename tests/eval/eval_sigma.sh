#!/bin/sh
# eval_sigma.sh — the Sigma engine against SigmaHQ (needs ../shared/corpus).
#
# 1. Peer suite: for every case of corpus/logs/sigma/regression_data/ (an
#    info.yml with the rule id and the expected match_count, and an EVTX
#    sample), load only that rule and scan the sample:
#      mamori scan --no-bundled-rules -r RULE SAMPLE.evtx --format jsonl --no-db
#    and count the alerts of that rule. "exact" = the count of info.yml,
#    "more" = more matches than info.yml says (SigmaHQ's own runner only
#    warns then: several info.yml counts are stale), "fewer" = a failure,
#    "not-loaded" = the rule was rejected.
# 2. Load the whole SigmaHQ rules*/ tree with `mamori rules check` and
#    print loaded / rejected per reason.
# 3. The bundled rules over the attack/brute-force EVTX, the OTRF JSON and
#    the sshd log: which threats are found.
#
# Usage: eval_sigma.sh MAMORI_BIN. Prints tables; exits 0 with SKIP when the
# corpus is absent; exits 1 when a target is missed (100 % of the cases
# whose rule loads, >= 97 % of the rules load).
set -u
MAMORI=${1:?usage: eval_sigma.sh MAMORI_BIN}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=$(dirname "$repo")/shared/corpus
S=$corpus/logs/sigma
if [ ! -d "$S/regression_data" ]; then
	echo "eval_sigma: SKIP (no $S)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# rule id -> file, once
grep -rl --include='*.yml' '^id: ' "$S"/rules* 2>/dev/null | while read -r f; do
	id=$(sed -n 's/^id: *//p' "$f" | head -1 | tr -d "'\" \r")
	[ -n "$id" ] && printf '%s\t%s\n' "$id" "$f"
done > "$tmp/ids.tsv"

exact=0 more=0 fewer=0 notloaded=0 norule=0 total=0
: > "$tmp/cases.txt"
for info in $(find "$S/regression_data" -name info.yml | sort); do
	d=$(dirname "$info")
	rid=$(awk '/^rule_metadata:/{m=1} m && /id:/{sub(/.*id: */,""); gsub(/["\047 \r]/,""); print; exit}' "$info")
	want=$(sed -n 's/.*match_count: *//p' "$info" | head -1 | tr -d ' \r')
	[ -z "$want" ] && want=1
	sample=$(ls "$d"/*.evtx 2>/dev/null | head -1)
	rule=$(awk -F'\t' -v id="$rid" '$1 == id {print $2; exit}' "$tmp/ids.tsv")
	total=$((total + 1))
	if [ -z "$rule" ] || [ -z "$sample" ]; then
		norule=$((norule + 1))
		echo "no-rule   $rid ${d#$S/}" >> "$tmp/cases.txt"
		continue
	fi
	if ! "$MAMORI" rules check --engine logs "$rule" > "$tmp/check.txt" 2>&1; then
		notloaded=$((notloaded + 1))
		echo "not-loaded $rid $(grep -m1 rejected "$tmp/check.txt")" >> "$tmp/cases.txt"
		continue
	fi
	got=$("$MAMORI" scan --deterministic --no-bundled-rules -r "$rule" --format jsonl --no-db -q \
		"$sample" 2>/dev/null | grep -c "\"id\":\"sigma:$rid\"")
	if [ "$got" -eq "$want" ]; then
		exact=$((exact + 1))
	elif [ "$got" -gt "$want" ]; then
		more=$((more + 1))
		echo "more      $rid got $got want $want ${rule#$S/}" >> "$tmp/cases.txt"
	else
		fewer=$((fewer + 1))
		echo "FEWER     $rid got $got want $want ${rule#$S/}" >> "$tmp/cases.txt"
	fi
done
loaded=$((exact + more + fewer))
echo "== SigmaHQ regression_data (peer suite): $total cases"
printf '  %-28s %5d\n' "exact match count" "$exact" "more matches (warning)" "$more" \
	"fewer matches (FAIL)" "$fewer" "rule not loaded" "$notloaded" "no rule/sample" "$norule"
if [ "$loaded" -gt 0 ]; then
	pct=$(( (exact + more) * 1000 / loaded ))
	printf '  cases passing among loaded rules: %d.%d %%\n' $((pct / 10)) $((pct % 10))
	[ "$fewer" -eq 0 ] || status=1
fi
grep -v '^$' "$tmp/cases.txt" | sed 's/^/  /'

echo "== SigmaHQ rules*/ tree (mamori rules check)"
"$MAMORI" rules check --engine logs "$S"/rules* > "$tmp/tree.txt" 2>&1
summary=$(grep -E '^logs +[0-9]+ loaded' "$tmp/tree.txt" | head -1)
echo "  $summary"
sed -n '/rejected by reason:/,/^total/p' "$tmp/tree.txt" | sed 's/^/  /'
l=$(echo "$summary" | awk '{print $2}')
r=$(echo "$summary" | awk '{print $4}')
if [ -n "$l" ] && [ -n "$r" ] && [ $((l + r)) -gt 0 ]; then
	pct=$(( l * 1000 / (l + r) ))
	printf '  load rate: %d.%d %% (target >= 97 %%)\n' $((pct / 10)) $((pct % 10))
	[ "$pct" -ge 970 ] || status=1
fi

echo "== bundled rules over the attack corpus"
L=$corpus/logs
"$MAMORI" scan --deterministic --format jsonl --no-db -q "$L/evtx/attack" "$L/evtx/bruteforce" \
	"$L/json" "$L/linux" 2>/dev/null > "$tmp/bundled.jsonl"
python3 - "$tmp/bundled.jsonl" <<'PY'
import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if "rule" not in d:
        continue
    src = d.get("file", {}).get("path", "").rsplit("/", 1)[-1][:60]
    c[(d["rule"]["name"][:62], src)] += 1
for (rule, src), n in sorted(c.items()):
    print("  %4d  %-62s %s" % (n, rule, src))
PY
exit $status

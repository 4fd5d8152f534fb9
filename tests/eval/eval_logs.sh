#!/bin/sh
# eval_logs.sh MAMORI — the log engine's readers against the reference
# corpus (../shared/corpus/logs), for `make eval`:
#
#  1. parser robustness: every EVTX in evtx/parser-robustness/ is read
#     without a crash (exit status below 64, no signal) and yields at least
#     the record count the corpus manifest gives for it (where it gives
#     one), and at least what Debian's evtxexport recovers (when installed);
#  2. every EVTX of the corpus parsed: records, chunks, damaged parts;
#  3. a detection table over evtx/attack, evtx/bruteforce, json/ and
#     linux/ with the bundled Sigma rules (the Sigma engineer's eval_sigma.sh
#     measures the rules themselves).
#
# Prints tables; exits 1 if a robustness check fails. SKIP when the corpus
# is absent.
set -u
bin=${1:?usage: eval_logs.sh path/to/mamori}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=${MAMORI_CORPUS:-$(dirname "$repo")/shared/corpus}
logs=$corpus/logs
if [ ! -d "$logs/evtx" ]; then
	echo "SKIP: no reference corpus at $corpus"
	exit 0
fi
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Record counts the corpus MANIFEST.tsv states (file suffix, minimum).
# "336 iterations incl. 1 error" for the zero-size sample: 335 records.
expected() {
	case $1 in
	*Security_with_size_t.evtx) echo 636 ;;
	*__security.evtx) echo 2261 ;;
	*__sysmon.evtx) echo 358 ;;
	*sample-with-zero-data-size-event.evtx) echo 335 ;;
	*) echo "" ;;
	esac
}

records_of() {
	"$bin" logs stats "$1" 2>/dev/null | awk '/records:/ {print $2; exit}'
}

have_evtxexport=0
command -v evtxexport >/dev/null 2>&1 && have_evtxexport=1

echo "1. EVTX parser robustness (evtx/parser-robustness)"
printf '%-72s %8s %8s %10s %s\n' file mamori manifest evtxexport verdict
for f in "$logs"/evtx/parser-robustness/*.evtx; do
	name=$(basename "$f")
	"$bin" logs stats "$f" > "$tmp/stats" 2> "$tmp/err"
	rc=$?
	n=$(awk '/records:/ {print $2; exit}' "$tmp/stats")
	n=${n:-0}
	want=$(expected "$f")
	peer=-
	if [ "$have_evtxexport" = 1 ]; then
		peer=$(timeout 120 evtxexport "$f" 2>/dev/null | grep -c '^Event number')
	fi
	verdict=ok
	if [ "$rc" -ge 64 ]; then
		verdict="FAIL (exit $rc)"
	elif [ -n "$want" ] && [ "$n" -lt "$want" ]; then
		verdict="FAIL (< manifest)"
	elif [ "$peer" != - ] && [ "$n" -lt "$peer" ]; then
		verdict="FAIL (< evtxexport)"
	fi
	case $verdict in FAIL*) fail=1 ;; esac
	printf '%-72.72s %8s %8s %10s %s\n' "$name" "$n" "${want:--}" "$peer" "$verdict"
done
echo

echo "2. every EVTX of the corpus"
printf '%-72s %8s %7s %s\n' file records chunks damage
total=0
for f in "$logs"/evtx/*/*.evtx; do
	"$bin" logs stats "$f" > "$tmp/stats" 2>/dev/null
	n=$(awk '/records:/ {print $2; exit}' "$tmp/stats")
	ch=$(awk '/chunks:/ {print $2; exit}' "$tmp/stats")
	dmg=$(awk '/chunks:/ {printf "badmagic=%s empty=%s badcrc=%s trunc=%s ", $4, $8, $10, $14}
		/records damaged:/ {printf "resync=%s zero=%s badxml=%s", $3, $7, $10}' "$tmp/stats")
	total=$((total + ${n:-0}))
	printf '%-72.72s %8s %7s %s\n' "$(basename "$(dirname "$f")")/$(basename "$f")" "${n:-0}" \
		"${ch:--}" "$(echo "$dmg" | cut -c1-90)"
done
echo "total records: $total"
echo

echo "3. detections with the bundled Sigma rules"
rules=$("$bin" rules list 2>/dev/null | grep -c 'sigma:' || true)
echo "bundled Sigma rules loaded: ${rules:-0}"
printf '%-72s %6s %s\n' input alerts rules
for f in "$logs"/evtx/attack/*.evtx "$logs"/evtx/bruteforce/*.evtx "$logs"/json/* \
	"$logs"/linux/*.log "$logs"/linux/*/*.log; do
	[ -f "$f" ] || continue
	"$bin" scan --no-db -q --deterministic --format jsonl "$f" > "$tmp/alerts" 2>/dev/null
	n=$(grep -c '"kind":"alert"' "$tmp/alerts" || true)
	ids=$(grep '"kind":"alert"' "$tmp/alerts" | sed 's/.*"rule":{"id":"\([^"]*\)".*/\1/' |
		sort | uniq -c | sort -rn | awk '{printf "%s×%s ", $2, $1}' | cut -c1-160)
	printf '%-72.72s %6s %s\n' "${f#"$logs"/}" "$n" "$ids"
done
echo

# The same inputs with public SigmaHQ rules (the corpus copy): shows the
# readers' field vocabulary meeting real rules end to end.
sig=$logs/sigma/rules
if [ -d "$sig" ]; then
	echo "4. detections with SigmaHQ rules (process_creation, builtin, powershell, linux)"
	printf '%-72s %6s %s\n' input alerts "top rules"
	for f in "$logs"/evtx/attack/*.evtx "$logs"/evtx/bruteforce/*.evtx "$logs"/json/* \
		"$logs"/linux/*.log "$logs"/linux/*/*.log; do
		[ -f "$f" ] || continue
		"$bin" scan --no-db -q --deterministic --no-bundled-rules --format jsonl \
			-r "$sig/windows/process_creation" -r "$sig/windows/builtin" \
			-r "$sig/windows/powershell" -r "$sig/windows/wmi_event" -r "$sig/linux" \
			"$f" > "$tmp/alerts" 2>/dev/null
		n=$(grep -c '"kind":"alert"' "$tmp/alerts" || true)
		ids=$(grep '"kind":"alert"' "$tmp/alerts" |
			sed 's/.*"rule":{"id":"[^"]*","name":"\([^"]*\)".*/\1/' |
			sort | uniq -c | sort -rn | head -3 | awk '{c=$1; $1=""; printf "%s×%s;", substr($0,2), c}' |
			cut -c1-150)
		printf '%-72.72s %6s %s\n' "${f#"$logs"/}" "$n" "$ids"
	done
fi
exit $fail

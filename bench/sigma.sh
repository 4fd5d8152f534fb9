#!/bin/sh
# sigma.sh MAMORI — Sigma evaluation speed with the whole SigmaHQ Windows
# rule set loaded (target: >= 100,000 events/s per core).
#
# 1. bench/sigma_bench.c (built here against the static libraries of the
#    build directory that holds MAMORI) evaluates events held in memory, so
#    the number is the engine alone: no EVTX parsing, no output; CPU time,
#    so "per core". Two event sets:
#    a. every record of corpus/logs/evtx (attack, brute force, parser
#       robustness: ~18,000 real Security/Sysmon/RDP/GroupPolicy records)
#       as `mamori logs dump` prints them: a realistic mix;
#    b. SigmaHQ's regression samples (evtx_dump JSON): every one a positive
#       for some rule, mostly process creation: the worst case.
#    Reported: events/s per core, rules evaluated per event after the
#    logsource/EventID index and the Hyperscan prefilter, load+compile time,
#    peak RSS.
# 2. End to end: `mamori scan` of the same samples as EVTX with the same
#    rules (-j 1), median of several runs (hyperfine when installed).
# Peers (Hayabusa, Chainsaw, Zircolite) are not Debian packages; their
# published figures are quoted in docs, not measured here.
# Needs ../shared/corpus; prints SKIP without it.
set -u
bin=${1:?usage: bench/sigma.sh path/to/mamori}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
S=$(dirname "$repo")/shared/corpus/logs/sigma
if [ ! -d "$S/rules/windows" ]; then
	echo "sigma bench: SKIP (no $S)"
	exit 0
fi
build=$(cd "$(dirname "$bin")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
# shellcheck disable=SC2046
if ! $cc -O2 -std=c11 -D_DEFAULT_SOURCE -I"$repo/src" "$here/sigma_bench.c" \
	"$build/src/logs/libmm_logs.a" "$build/src/core/libmm_core.a" \
	$(pkg-config --libs yaml-0.1 libpcre2-8 libhs jansson zlib libcrypto sqlite3) \
	-lpthread -lm -o "$tmp/sigma_bench"; then
	echo "sigma bench: cannot build sigma_bench against $build" >&2
	exit 1
fi
find "$S/regression_data" -name '*.json' | sort > "$tmp/json.txt"
find "$S/regression_data" -name '*.evtx' | sort > "$tmp/evtx.txt"
for f in "$(dirname "$S")"/evtx/*/*.evtx; do
	"$bin" logs dump "$f" 2> /dev/null
done > "$tmp/corpus.jsonl"
rules="-r $S/rules/windows"

echo "rule set: $S/rules/windows ($(find "$S/rules/windows" -name '*.yml' | wc -l) files)"
# load + compile alone (no events)
/usr/bin/time -f '%e %M' -o "$tmp/load.txt" "$tmp/sigma_bench" -q $rules > /dev/null
echo "load+compile: $(cut -d' ' -f1 "$tmp/load.txt") s, peak RSS $(cut -d' ' -f2 "$tmp/load.txt") KiB"
measure() {	# name repeat files...
	name=$1 rep=$2
	shift 2
	: > "$tmp/eps.txt"
	for run in 1 2 3; do
		/usr/bin/time -f '%M' -o "$tmp/rss.txt" "$tmp/sigma_bench" -q -n "$rep" $rules "$@" \
			> "$tmp/out.txt"
		line=$(tail -1 "$tmp/out.txt")
		echo "$line" | awk '{for (i=1;i<NF;i++) if ($i=="events_per_sec") print $(i+1)}' >> "$tmp/eps.txt"
		echo "  run $run: $line (peak RSS $(cat "$tmp/rss.txt") KiB)"
	done
	echo "  $name: median $(sort -n "$tmp/eps.txt" | sed -n 2p) events/s per core (target 100000)"
}
echo "a. corpus EVTX records ($(wc -l < "$tmp/corpus.jsonl") events):"
measure "realistic mix" "${SIGMA_BENCH_REPEAT:-20}" "$tmp/corpus.jsonl"
echo "b. SigmaHQ regression samples (positives only):"
# shellcheck disable=SC2046
measure "worst case" "${SIGMA_BENCH_REPEAT_REG:-200}" $(cat "$tmp/json.txt")

echo "end to end (mamori scan -j 1, EVTX samples, same rules):"
# shellcheck disable=SC2046
set -- $(cat "$tmp/evtx.txt")
if command -v hyperfine > /dev/null; then
	hyperfine -i -w 1 -r 5 -N --export-json "$tmp/h.json" \
		"$bin scan -q -j 1 --no-db --format jsonl -o /dev/null --no-bundled-rules $rules $*" \
		> /dev/null 2>&1 || true
	python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('  median %.3f s (min %.3f, max %.3f)' % (r['median'], r['min'], r['max']))" "$tmp/h.json" 2>/dev/null
else
	/usr/bin/time -f '  %e s, peak RSS %M KiB' "$bin" scan -q -j 1 --no-db --format jsonl \
		-o /dev/null --no-bundled-rules $rules "$@"
fi
/usr/bin/time -f '  peak RSS %M KiB' "$bin" scan -q -j 1 --no-db --format jsonl -o /dev/null \
	--no-bundled-rules $rules "$@" 2>&1 | tail -1

#!/bin/sh
# files.sh MAMORI — the file engine against yara and clamscan on the same tree.
#
# Rules: the bundled YARA rules (rules/yara/*.yar) concatenated into one
# file, given to `mamori scan -j 2 --no-db --no-bundled-rules -r` and to
# `yara -r -p 2`; clamscan gets a one-signature database (it is
# single-threaded). mamori also runs its built-in analysers: that is the
# product being measured. Trees: BENCH_FILES_TREES (space-separated,
# default "/usr/lib/python3 ../shared/corpus/files"); each is measured on its
# own. Reports medians of BENCH_RUNS (default 5) runs with hyperfine (one
# warm-up), MB/s and files/s, the ratio to yara, and peak RSS from
# /usr/bin/time -v. Then `--changed` with a store: the first run examines
# everything, the second (unchanged tree) should skip nearly all of it
# (target: ten times faster).
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${BENCH_RUNS:-5}
trees=${BENCH_FILES_TREES:-"/usr/lib/python3 $(dirname "$repo")/shared/corpus/files"}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-files.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

for t in hyperfine yara; do
	command -v $t >/dev/null 2>&1 || { echo "bench/files: SKIP ($t not installed)"; exit 0; }
done
cat "$repo"/rules/yara/*.yar >"$tmp/all.yar"
# one ClamAV body signature: the stratum URL scheme as hex
printf 'Mamori.Bench.Stratum:0:*:7374726174756d2b7463703a2f2f\n' >"$tmp/one.ndb"
have_clam=0
command -v clamscan >/dev/null 2>&1 && have_clam=1

median() {	# median JSON_FILE: median seconds of the first command
	python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}
rss() {	# rss CMD...: peak resident set in MiB
	/usr/bin/time -v "$@" >/dev/null 2>"$tmp/time.err"
	awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$tmp/time.err"
}

printf '%-34s %-10s %9s %9s %10s %8s %9s\n' tree tool "median s" "MB/s" "files/s" "vs yara" "RSS MiB"
for tree in $trees; do
	[ -d "$tree" ] || { echo "bench/files: $tree absent, skipped"; continue; }
	bytes=$(find "$tree" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
	nfiles=$(find "$tree" -type f 2>/dev/null | wc -l)
	mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
	m_cmd="$bin scan -j 2 --no-db -q --format jsonl --no-bundled-rules -r $tmp/all.yar --set scan.timeout=600 $tree"
	y_cmd="yara -r -p 2 -w $tmp/all.yar $tree"
	c_cmd="clamscan -r --no-summary --infected -d $tmp/one.ndb $tree"
	# warm the rule cache and the page cache once
	$m_cmd >/dev/null 2>&1
	hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$tmp/m.json" "$m_cmd" >/dev/null 2>&1
	hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$tmp/y.json" "$y_cmd" >/dev/null 2>&1
	ms=$(median "$tmp/m.json")
	ys=$(median "$tmp/y.json")
	for tool in mamori yara clamscan; do
		case $tool in
		mamori) s=$ms; r=$(rss $m_cmd) ;;
		yara) s=$ys; r=$(rss $y_cmd) ;;
		clamscan)
			[ $have_clam = 1 ] || continue
			hyperfine -N -i --runs 2 --export-json "$tmp/c.json" "$c_cmd" >/dev/null 2>&1
			s=$(median "$tmp/c.json")
			r=$(rss $c_cmd) ;;
		esac
		awk -v t="$(echo "$tree" | tail -c 34)" -v tool=$tool -v s="$s" -v mb="$mb" -v n="$nfiles" \
			-v y="$ys" -v r="$r" 'BEGIN {
			printf "%-34s %-10s %9.3f %9.1f %10.0f %7.2fx %9s\n", t, tool, s, mb / s, n / s, y / s, r }'
	done
	echo "  ($nfiles files, $mb MB; \"vs yara\" > 1 means faster than yara -p 2)"

	# --changed: first run fills the store, the second finds nothing new
	db=$tmp/store.db
	rm -f "$db"
	ch_cmd="$bin scan -j 2 --db $db --changed -q --format jsonl --no-bundled-rules -r $tmp/all.yar $tree"
	start=$(date +%s.%N)
	$ch_cmd >/dev/null 2>&1
	end=$(date +%s.%N)
	first=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	hyperfine -N -i --runs "$runs" --export-json "$tmp/ch.json" "$ch_cmd" >/dev/null 2>&1
	second=$(median "$tmp/ch.json")
	awk -v f="$first" -v s="$second" 'BEGIN {
		printf "  --changed: first run %.3f s, unchanged rerun %.3f s (median): %.1fx faster (target 10x)\n",
			f, s, f / s }'
done

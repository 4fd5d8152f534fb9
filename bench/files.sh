#!/bin/sh
# files.sh MAMORI — the file engine against yara and clamscan on the same tree.
#
# Rules: the bundled YARA rules (rules/yara/*.yar) concatenated into one
# file, given to `mamori scan -j 2 --no-db --no-bundled-rules -r` and to
# `yara -r -p 2`; clamscan gets a one-signature database (it is
# single-threaded). mamori also runs its built-in analysers: that is the
# product being measured. Trees: BENCH_FILES_TREES (space-separated,
# default "/usr/lib/python3 ../shared/corpus/files"); each is measured on its
# own.
#
# The machine this runs on is usually shared: mamori and yara are run in
# alternation (one warm-up each, then BENCH_RUNS rounds, default 7), so a
# change of background load hits both alike. Reported: median wall time,
# median CPU time (user + system, which load disturbs far less), MB/s and
# files/s from the wall time, the ratio to yara on both (> 1 means faster
# than yara -p 2) and the median peak RSS, all from /usr/bin/time. Then
# `--changed` with a store: the first run examines everything, the second
# (unchanged tree) should skip nearly all of it (target: ten times faster).
# Wall times come from the clock in nanoseconds, CPU times and RSS from
# GNU time (CPU in 10 ms steps).
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${BENCH_RUNS:-7}
trees=${BENCH_FILES_TREES:-"/usr/lib/python3 $(dirname "$repo")/shared/corpus/files"}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-files.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v yara >/dev/null 2>&1 || { echo "bench/files: SKIP (yara not installed)"; exit 0; }
[ -x /usr/bin/time ] || { echo "bench/files: SKIP (/usr/bin/time not installed)"; exit 0; }
cat "$repo"/rules/yara/*.yar >"$tmp/all.yar"
# one ClamAV body signature: the stratum URL scheme as hex
printf 'Mamori.Bench.Stratum:0:*:7374726174756d2b7463703a2f2f\n' >"$tmp/one.ndb"
have_clam=0
command -v clamscan >/dev/null 2>&1 && have_clam=1

once() {	# once TAG CMD...: appends "wall cpu rss_kib" of one run to $tmp/TAG
	tag=$1
	shift
	# wall time from the clock in nanoseconds: GNU time's %e has 10 ms
	# steps, too coarse for a rerun that takes 20 ms
	t0=$(date +%s%N)
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time.out" "$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	# the last line: GNU time puts "Command exited with non-zero status"
	# (mamori exits 2 when it alerts) before the numbers
	tail -n 1 "$tmp/time.out" | awk -v ns=$((t1 - t0)) \
		'{ printf "%.4f %.3f %s\n", ns / 1e9, $2 + $3, $4 }' >>"$tmp/$tag"
}
med() {	# med TAG COLUMN: median of a column of $tmp/TAG
	sort -n -k"$2","$2" "$tmp/$1" | awk -v c="$2" '{ v[NR] = $c }
		END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '%-28s %-9s %8s %8s %8s %9s %8s %8s %8s\n' tree tool "wall s" "cpu s" "MB/s" "files/s" \
	"vs yara" "cpu vs" "RSS MiB"
for tree in $trees; do
	[ -d "$tree" ] || { echo "bench/files: $tree absent, skipped"; continue; }
	bytes=$(find "$tree" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
	nfiles=$(find "$tree" -type f 2>/dev/null | wc -l)
	mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
	rm -f "$tmp/mamori" "$tmp/yara" "$tmp/clamscan"
	# warm the rule cache and the page cache (not counted)
	"$bin" scan -j 2 --no-db -q --format jsonl --no-bundled-rules -r "$tmp/all.yar" \
		--set scan.timeout=600 "$tree" >/dev/null 2>&1
	yara -r -p 2 -w "$tmp/all.yar" "$tree" >/dev/null 2>&1
	r=0
	while [ $r -lt "$runs" ]; do
		once mamori "$bin" scan -j 2 --no-db -q --format jsonl --no-bundled-rules \
			-r "$tmp/all.yar" --set scan.timeout=600 "$tree"
		once yara yara -r -p 2 -w "$tmp/all.yar" "$tree"
		r=$((r + 1))
	done
	if [ $have_clam = 1 ]; then
		once clamscan clamscan -r --no-summary --infected -d "$tmp/one.ndb" "$tree"
		once clamscan clamscan -r --no-summary --infected -d "$tmp/one.ndb" "$tree"
	fi
	yw=$(med yara 1)
	yc=$(med yara 2)
	for tool in mamori yara clamscan; do
		[ -s "$tmp/$tool" ] || continue
		awk -v t="$(echo "$tree" | tail -c 28)" -v tool=$tool -v w="$(med $tool 1)" \
			-v c="$(med $tool 2)" -v rss="$(med $tool 3)" -v mb="$mb" -v n="$nfiles" \
			-v yw="$yw" -v yc="$yc" 'BEGIN {
			if (w <= 0) w = 0.001
			if (c <= 0) c = 0.001
			printf "%-28s %-9s %8.3f %8.3f %8.1f %9.0f %7.2fx %7.2fx %8.1f\n", t, tool, w, c,
				mb / w, n / w, yw / w, yc / c, rss / 1024 }'
	done
	echo "  ($nfiles files, $mb MB; medians of $runs alternating runs; clamscan: 2 runs)"

	# --changed: a first run fills an empty store (three times, median),
	# the reruns find nothing new
	db=$tmp/store.db
	rm -f "$tmp/first" "$tmp/again"
	for r in 1 2 3; do
		rm -f "$db" "$db-wal" "$db-shm"
		once first "$bin" scan -j 2 --db "$db" --changed -q --format jsonl \
			--no-bundled-rules -r "$tmp/all.yar" "$tree"
	done
	r=0
	while [ $r -lt "$runs" ]; do
		once again "$bin" scan -j 2 --db "$db" --changed -q --format jsonl \
			--no-bundled-rules -r "$tmp/all.yar" "$tree"
		r=$((r + 1))
	done
	awk -v f="$(med first 1)" -v fc="$(med first 2)" -v s="$(med again 1)" \
		-v sc="$(med again 2)" 'BEGIN {
		if (s <= 0) s = 0.001
		if (sc <= 0) sc = 0.001
		printf "  --changed: first run %.3f s (cpu %.3f s), unchanged rerun %.4f s (cpu %.3f s; medians; cpu in 10 ms steps): %.1fx faster wall, %.1fx cpu (target 10x)\n",
			f, fc, s, sc, f / s, fc / sc }'
done

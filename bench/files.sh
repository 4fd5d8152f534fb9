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
# than yara -p 2) and the median peak RSS. Then
# `--changed` with a store: the first run examines everything, the second
# (unchanged tree) should skip nearly all of it (target: ten times faster).
# Wall times come from the clock in nanoseconds around each run, CPU
# times and peak RSS from the same run's rusage (see the timer below).
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${BENCH_RUNS:-7}
trees=${BENCH_FILES_TREES:-"/usr/lib/python3 $(dirname "$repo")/shared/corpus/files"}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-files.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v yara >/dev/null 2>&1 || { echo "bench/files: SKIP (yara not installed)"; exit 0; }
cat "$repo"/rules/yara/*.yar >"$tmp/all.yar"
# one ClamAV body signature: the stratum URL scheme as hex
printf 'Mamori.Bench.Stratum:0:*:7374726174756d2b7463703a2f2f\n' >"$tmp/one.ndb"
have_clam=0
command -v clamscan >/dev/null 2>&1 && have_clam=1

# The timer: python3 starts each run with posix_spawn and takes the wall
# clock in nanoseconds around it and CPU (user + sys, in microseconds) from
# wait4(); only the spawn is inside the measured interval (/bin/true: 1.1
# ms). Peak RSS comes from separate runs under GNU time (rss_of): a child
# of python3 inherits python's own peak RSS. Without python3: the clock
# from date(1) around GNU time, which also counts starting date and time
# (/bin/true: ~3 ms, a third of an unchanged --changed rerun).
cat >"$tmp/timer.py" <<'PYEOF'
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
null = os.open(os.devnull, os.O_WRONLY)
t0 = time.perf_counter_ns()
pid = os.posix_spawnp(argv[0], argv, os.environ,
                      file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
_, status, ru = os.wait4(pid, 0)
t1 = time.perf_counter_ns()
with open(out, "a") as f:
    f.write("%.4f %.4f 0\n" % ((t1 - t0) / 1e9, ru.ru_utime + ru.ru_stime))
PYEOF
have_py=0
python3 -c 'import os; os.posix_spawnp; os.wait4' 2>/dev/null && have_py=1
[ $have_py = 1 ] || [ -x /usr/bin/time ] ||
	{ echo "bench/files: SKIP (neither python3 nor /usr/bin/time)"; exit 0; }

once() {	# once TAG CMD...: appends "wall cpu rss_kib" of one run to $tmp/TAG
	tag=$1
	shift
	if [ $have_py = 1 ]; then
		python3 "$tmp/timer.py" "$tmp/$tag" "$@"
		return
	fi
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
rss_of() {	# rss_of TAG CMD...: appends the peak RSS (KiB) of one run to $tmp/TAG.rss
	tag=$1
	shift
	[ -x /usr/bin/time ] || return 0
	/usr/bin/time -f '%M' -o "$tmp/time.out" "$@" >/dev/null 2>&1
	tail -n 1 "$tmp/time.out" >>"$tmp/$tag.rss"
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
	rm -f "$tmp/mamori" "$tmp/yara" "$tmp/clamscan" "$tmp/mamori.rss" "$tmp/yara.rss" \
		"$tmp/clamscan.rss"
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
	if [ $have_py = 1 ]; then
		for r in 1 2 3; do
			rss_of mamori "$bin" scan -j 2 --no-db -q --format jsonl --no-bundled-rules \
				-r "$tmp/all.yar" --set scan.timeout=600 "$tree"
			rss_of yara yara -r -p 2 -w "$tmp/all.yar" "$tree"
		done
	fi
	if [ $have_clam = 1 ]; then
		once clamscan clamscan -r --no-summary --infected -d "$tmp/one.ndb" "$tree"
		once clamscan clamscan -r --no-summary --infected -d "$tmp/one.ndb" "$tree"
		[ $have_py = 1 ] && rss_of clamscan clamscan -r --no-summary --infected \
			-d "$tmp/one.ndb" "$tree"
	fi
	yw=$(med yara 1)
	yc=$(med yara 2)
	for tool in mamori yara clamscan; do
		[ -s "$tmp/$tool" ] || continue
		if [ -s "$tmp/$tool.rss" ]; then
			rss=$(med $tool.rss 1)
		else
			rss=$(med $tool 3)
		fi
		awk -v t="$(echo "$tree" | tail -c 28)" -v tool=$tool -v w="$(med $tool 1)" \
			-v c="$(med $tool 2)" -v rss="$rss" -v mb="$mb" -v n="$nfiles" \
			-v yw="$yw" -v yc="$yc" 'BEGIN {
			if (w <= 0) w = 0.001
			if (c <= 0) c = 0.001
			printf "%-28s %-9s %8.3f %8.3f %8.1f %9.0f %7.2fx %7.2fx %8.1f\n", t, tool, w, c,
				mb / w, n / w, yw / w, yc / c, rss / 1024 }'
	done
	if [ $have_py = 1 ]; then
		echo "  ($nfiles files, $mb MB; medians of $runs alternating runs; clamscan: 2 runs;" \
			"RSS: median of 3 runs under GNU time)"
	else
		echo "  ($nfiles files, $mb MB; medians of $runs alternating runs; clamscan: 2 runs;" \
			"wall times include starting date and GNU time, CPU in 10 ms steps)"
	fi

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
		printf "  --changed: first run %.3f s (cpu %.3f s), unchanged rerun %.4f s (cpu %.4f s; medians): %.1fx faster wall, %.1fx cpu (target 10x)\n",
			f, fc, s, sc, f / s, fc / sc }'
done

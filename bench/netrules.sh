#!/bin/sh
# netrules.sh MAMORI — cost of the Suricata-syntax rule engine.
#
# Input: $TMPDIR/mamori-bench-net/corpus-mix.pcap when bench/net.sh has
# built it, else $TMPDIR/mamori-bench-netrules/mix.pcap built here
# (NETRULES_BENCH_MB megabytes, default 256): the Ethernet captures of
# ../shared/corpus/net/pcaps plus the rule fixtures of
# tests/gen/gen_netrules.py (HTTP, DNS, TLS, binary TCP), copied over and
# over with IPv4 addresses rewritten (2nd/3rd octets) and time shifted, so
# flows never collide.
#
# Runs `mamori scan -j 1 --no-db --format jsonl` (one worker = one core)
# with no rules, with ../shared/corpus/net/rules/selected-*.rules, and with
# the whole ET Open set (what loads of it), NETRULES_BENCH_RUNS times each
# (default 3): median CPU time (user + sys), MB/s per core, peak RSS
# (/usr/bin/time -v), alerts; and the rule-load time (a scan of an empty
# capture with the rules). Target: the whole ET Open set costs less than
# half the no-rules throughput.
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
corpus=$(dirname "$repo")/shared/corpus/net
if [ ! -d "$corpus/rules" ]; then
	echo "netrules: SKIP (no corpus)"
	exit 0
fi
mb=${NETRULES_BENCH_MB:-256}
runs=${NETRULES_BENCH_RUNS:-3}
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
dir=${TMPDIR:-/tmp}/mamori-bench-netrules
mkdir -p "$dir"
cap=${TMPDIR:-/tmp}/mamori-bench-net/corpus-mix.pcap
if [ ! -s "$cap" ]; then
	cap=$dir/mix.pcap
	if [ ! -s "$cap" ]; then
		"$py" "$repo/tests/gen/gen_netrules.py" "$dir/gen" >/dev/null
		"$py" "$here/pcap_mix.py" "$cap" "$mb" "$dir" "$dir/gen/content.pcap" \
			"$dir/gen/state.pcap" "$corpus/pcaps" >/dev/null
	fi
fi
size=$(stat -c %s "$cap")
empty=$dir/empty.pcap
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\000\000\004\000\001\000\000\000' >"$empty"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# CPU seconds (user + sys) of one run: per core, and steady when other
# work shares the machine (wall time is not)
cpu() {
	/usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.3f\n", $1 + $2 }'
}
peak_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ { gsub(/ /, "", $2); print $2 }'; }

sel=""
for f in "$corpus"/rules/selected-*.rules; do
	sel="$sel -r $f"
done
et=$(ls -d "$corpus"/rules/et-open-* | head -1)

echo "capture: $cap ($(echo "$size" | awk '{ printf "%.1f", $1 / 1048576 }') MiB), runs: $runs, one worker"
printf '%-14s %10s %10s %10s %10s %12s\n' "rules" "load s" "scan s" "MB/s" "RSS MiB" "alerts"
base=""
for set in none selected et-open; do
	case $set in
	none) args="" ;;
	selected) args=$sel ;;
	et-open) args="-r $et" ;;
	esac
	# shellcheck disable=SC2086
	load=$(for i in $(seq "$runs"); do cpu "$bin" scan -j 1 -q --no-db --format jsonl $args "$empty"; done | median)
	# shellcheck disable=SC2086
	t=$(for i in $(seq "$runs"); do cpu "$bin" scan -j 1 -q --no-db --format jsonl --max-size 1T --timeout 86400 $args "$cap"; done | median)
	# shellcheck disable=SC2086
	rss=$(peak_kb "$bin" scan -j 1 -q --no-db --format jsonl --max-size 1T --timeout 86400 $args "$cap")
	# shellcheck disable=SC2086
	alerts=$("$bin" scan -j 1 -q --no-db --format jsonl --max-size 1T --timeout 86400 $args "$cap" 2>/dev/null | grep -c '"kind":"alert"' || true)
	mbs=$(echo "$size $t $load" | awk '{ s = $2 - $3; if (s <= 0) s = $2; printf "%.1f", $1 / 1048576 / s }')
	[ -z "$base" ] && base=$mbs
	printf '%-14s %10s %10s %10s %10s %12s\n' "$set" "$load" "$t" "$mbs" "$(echo "$rss" | awk '{ printf "%.0f", $1 / 1024 }')" "$alerts"
	last=$mbs
done
echo "CPU seconds (user + sys), medians; MB/s excludes the load time (scan s - load s)."
echo "$base $last" | awk '{ r = $2 / $1; ok = "NOT met"; if (r >= 0.5) ok = "met"; printf "ET Open throughput / no rules: %.2f (target >= 0.50): %s\n", r, ok }'

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
		srcs="$dir/gen/content.pcap $dir/gen/state.pcap"
		for f in $(find "$corpus/pcaps" -type f -name '*.pcap*' | sort); do
			case "$f" in
			*.pcapng)
				editcap -F pcap "$f" "$dir/$(basename "$f").pcap" 2>/dev/null || continue
				srcs="$srcs $dir/$(basename "$f").pcap" ;;
			*) srcs="$srcs $f" ;;
			esac
		done
		# shellcheck disable=SC2086
		"$py" - "$cap" "$mb" $srcs <<'PY'
import struct, sys
out, mb, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
frames = []
for s in srcs:
    d = open(s, "rb").read()
    if len(d) < 24:
        continue
    magic = struct.unpack("<I", d[:4])[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d) or struct.unpack("<I", d[20:24])[0] != 1:
        continue
    nano = magic == 0xa1b23c4d
    o, base = 24, None
    while o + 16 <= len(d):
        sec, frac, cap, ln = struct.unpack("<IIII", d[o:o + 16])
        b = d[o + 16:o + 16 + cap]
        o += 16 + cap
        if len(b) < cap:
            break
        t = sec + frac / (1e9 if nano else 1e6)
        base = t if base is None else base
        t = min(max(t - base, 0.0), 3600.0)
        ipoff = 14 if len(b) >= 34 and b[12:14] == b"\x08\x00" else -1
        frames.append((t, b, ipoff, ln))
frames.sort(key=lambda x: x[0])
span = max(f[0] for f in frames) + 1.0
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    total, k = 0, 0
    while total < mb * 1024 * 1024:
        x1, x2 = (k >> 8) & 0xff, k & 0xff
        for t, b, ipoff, ln in frames:
            if ipoff >= 0:
                bb = bytearray(b)
                for a in (ipoff + 12, ipoff + 16):
                    bb[a + 1] ^= x1
                    bb[a + 2] ^= x2
                b = bytes(bb)
            tt = 1700000000 + k * span + t
            f.write(struct.pack("<IIII", int(tt), int((tt % 1) * 1e6), len(b), ln))
            f.write(b)
            total += len(b) + 16
        k += 1
PY
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

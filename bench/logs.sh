#!/bin/sh
# bench/logs.sh MAMORI — EVTX parsing speed of mamori's own parser beside
# Debian's evtxexport (libevtx-utils) on the same files: the largest EVTX
# of the reference corpus, and a larger file made by concatenating the
# corpus's good chunks (a valid file: new header with its CRC, records and
# chunks renumbered, chunk CRCs recomputed). Also the generated large.evtx
# when the corpus is absent. Reports the median wall time (hyperfine when
# installed, else 5 runs), MB/s, records/s, the ratio to evtxexport and the
# peak RSS (/usr/bin/time -v). Targets (issue 6): >= 300 MB/s per core,
# >= 30x evtxexport. On a loaded machine the CPU columns (user+system time)
# are the meaningful ones; the ratio is records per CPU second of mamori
# over evtxexport's (which stops at the first record it cannot read).
#
# `mamori logs stats` reads every record and renders every field, the same
# work a scan does before Sigma; evtxexport writes XML-ish text to
# /dev/null. Both run on one core (mamori's parser is sequential per file).
set -u
bin=${1:?usage: bench/logs.sh path/to/mamori}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
corpus=${MAMORI_CORPUS:-$(dirname "$repo")/shared/corpus}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
big_mb=${MAMORI_BENCH_EVTX_MB:-128}

files=""
if [ -d "$corpus/logs/evtx" ]; then
	largest=$(ls -S "$corpus"/logs/evtx/*/*.evtx | head -2)
	# evtxexport stops at the first record it cannot read, so the
	# comparison file is made of chunks it reads whole
	python3 - "$tmp/concat.evtx" "$big_mb" "$corpus"/logs/evtx/bruteforce/hy__DeepBlueCLI__smb-password-guessing-security.evtx \
		"$corpus"/logs/evtx/parser-robustness/ev__samples__security.evtx <<'PY'
import struct, sys, zlib
out, mb, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pool = []
for s in srcs:
    d = open(s, 'rb').read()
    for off in range(4096, len(d) - 65535, 65536):
        c = d[off:off + 65536]
        if c[:8] != b'ElfChnk\0':
            continue
        if zlib.crc32(c[:120] + c[128:512]) & 0xffffffff != struct.unpack_from('<I', c, 124)[0]:
            continue
        pool.append(c)
want = mb * 1024 * 1024 // 65536
chunks, rid = [], 1
while len(chunks) < want:
    for c in pool:
        if len(chunks) >= want:
            break
        b = bytearray(c)
        free = struct.unpack_from('<I', b, 48)[0]
        free = free if 512 <= free <= 65536 else 65536
        p, first = 512, rid
        while p + 28 <= free and b[p:p + 4] == b'**\0\0':
            size = struct.unpack_from('<I', b, p + 4)[0]
            if size < 28 or p + size > free:
                break
            struct.pack_into('<Q', b, p + 8, rid)
            rid += 1
            p += size
        if rid == first:
            continue
        struct.pack_into('<QQQQ', b, 8, first, rid - 1, first, rid - 1)
        struct.pack_into('<I', b, 52, zlib.crc32(bytes(b[512:free])) & 0xffffffff)
        struct.pack_into('<I', b, 124, zlib.crc32(bytes(b[:120] + b[128:512])) & 0xffffffff)
        chunks.append(bytes(b))
h = bytearray(4096)
h[:8] = b'ElfFile\0'
struct.pack_into('<QQQIHHHH', h, 8, 0, len(chunks) - 1, rid, 128, 1, 3, 4096, len(chunks) & 0xffff)
struct.pack_into('<I', h, 124, zlib.crc32(bytes(h[:120])) & 0xffffffff)
with open(out, 'wb') as f:
    f.write(h)
    for c in chunks:
        f.write(c)
PY
	files="$largest $tmp/concat.evtx"
else
	echo "note: no corpus at $corpus; using the generated large.evtx"
	python3 "$repo/tests/gen/gen_evtx.py" "$tmp/gen" >/dev/null
	files="$tmp/gen/large.evtx"
fi

median() {
	# median wall seconds of a command, 5 runs (or hyperfine's median)
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --warmup 1 --runs "${2:-5}" --export-json "$tmp/h.json" "$1" >/dev/null 2>&1 &&
			python3 -c "import json;print(json.load(open('$tmp/h.json'))['results'][0]['median'])" &&
			return
	fi
	python3 - "$1" "${2:-5}" <<'PY'
import subprocess, sys, time
cmd, n = sys.argv[1], int(sys.argv[2])
ts = []
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.perf_counter() - t)
ts.sort()
print(ts[len(ts) // 2])
PY
}

rss() {
	/usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}'
}

# user+system CPU seconds of one run (wall time suffers on a loaded machine)
cpu() {
	/usr/bin/time -f '%U %S' sh -c "$1" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'
}

printf '%-40s %7s %8s %9s %8s %10s %8s %9s %9s %7s %8s\n' file MB records mamori_s MB/s \
	records/s cpu_s cpuMB/s evtx_cpu_s ratio RSS_KB
for f in $files; do
	mb=$(python3 -c "import os;print(round(os.path.getsize('$f')/1048576,1))")
	recs=$("$bin" logs stats "$f" | awk '/records:/ {print $2; exit}')
	t=$(median "$bin logs stats $f")
	kb=$(rss "$bin logs stats $f")
	c=$(cpu "$bin logs stats $f")
	pt=-
	ratio=-
	if command -v evtxexport >/dev/null 2>&1; then
		# CPU seconds and records evtxexport recovers; the ratio compares
		# records per CPU second (evtxexport may stop early on a file)
		pt=$(cpu "evtxexport $f")
		prec=$(evtxexport "$f" 2>/dev/null | grep -c '^Event number')
		ratio=$(python3 -c "print(round(($recs/max($c,0.001))/max($prec/max($pt,0.001),1e-9),1))")
	fi
	printf '%-40.40s %7s %8s %9.4f %8.1f %10.0f %8s %9.1f %9.3f %7s %8s\n' "$(basename "$f")" \
		"$mb" "$recs" "$t" "$(python3 -c "print($mb/$t)")" "$(python3 -c "print($recs/$t)")" \
		"$c" "$(python3 -c "print($mb/max($c,0.001))")" "$pt" "$ratio" "$kb"
done
# chunk-parallel parsing of the largest file
last=$(echo $files | awk '{print $NF}')
for j in 2 4; do
	t=$(median "$bin logs stats -j $j $last")
	echo "$(basename "$last") with -j $j: $(python3 -c "print(round($t,4))") s," \
		"$(python3 -c "import os;print(round(os.path.getsize('$last')/1048576/$t,1))") MB/s"
done

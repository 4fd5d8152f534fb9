#!/bin/sh
# scan.sh MAMORI — the pipeline's overhead: `mamori scan` on 100,000 small
# files with no rules loaded, in files per second, beside the floor
# `find DIR -type f -print0 | xargs -0 cat >/dev/null` on the same tree
# (every file opened and read once, nothing else). Target: within 2x.
#
# Medians of 5 runs (hyperfine, after one warm-up run: both read from the
# page cache), the ratio, and peak RSS (/usr/bin/time -v). The tree is
# generated once under $MAMORI_BENCH_DIR (default /tmp/mamori-bench-scan):
# 100 folders of 1,000 files of 200-600 bytes of benign text.
set -eu
bin=${1:?usage: bench/scan.sh path/to/mamori}
dir=${MAMORI_BENCH_DIR:-/tmp/mamori-bench-scan}
n=100000
threads=${MAMORI_BENCH_THREADS:-2}
if [ ! -f "$dir/.complete" ]; then
	echo "generating $n files in $dir ..."
	rm -rf "$dir"
	python3 - "$dir" "$n" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
words = ("the quick brown fox jumps over a lazy dog while seven lemon "
         "trees grow near river stones and quiet houses").split()
per = 1000
for i in range(n // per):
    d = os.path.join(root, "d%03d" % i)
    os.makedirs(d)
    for k in range(per):
        size = rnd.randint(200, 600)
        text = []
        while sum(len(w) + 1 for w in text) < size:
            text.append(rnd.choice(words))
        with open(os.path.join(d, "f%04d.txt" % k), "w") as f:
            f.write(" ".join(text) + "\n")
open(os.path.join(root, ".complete"), "w").close()
PY
fi
command -v hyperfine >/dev/null || { echo "bench/scan.sh needs hyperfine (scripts/install-deps.sh bench)" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
floor="find '$dir' -type f -print0 | xargs -0 cat >/dev/null"
mm="'$bin' scan --no-db --no-bundled-rules -j $threads --format jsonl -q '$dir' >/dev/null; test \$? -le 2"
hyperfine --warmup 1 --runs 5 --export-json "$out/h.json" \
	-n floor "$floor" -n mamori "$mm" >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
rss() {
	/usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p' | tail -1
}
rss_floor=$(rss "$floor")
rss_mm=$(rss "$mm")
python3 - "$out/h.json" "$n" "$rss_floor" "$rss_mm" "$threads" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
res = {r["command"]: r for r in h["results"]}
f, m = res["floor"]["median"], res["mamori"]["median"]
print(f"scan of {n} small files, no rules, -j {sys.argv[5]} (medians of 5 runs)")
print(f"  {'':8} {'seconds':>9} {'files/s':>10} {'peak RSS':>10}")
print(f"  {'floor':8} {f:9.3f} {n/f:10.0f} {sys.argv[3]:>7} kB   find | xargs cat")
print(f"  {'mamori':8} {m:9.3f} {n/m:10.0f} {sys.argv[4]:>7} kB")
ratio = m / f
print(f"  ratio mamori/floor: {ratio:.2f}x  (target <= 2x: {'met' if ratio <= 2 else 'NOT met'})")
PY

#!/bin/sh
# run-all.sh MAMORI — runs every benchmark script bench/<area>.sh with the
# mamori binary as $1 (`make bench`). Each script compares mamori with the
# tool users would otherwise run on the same input and prints medians,
# ratios and peak RSS. A failing script is reported and the others still run.
set -u
bin=${1:?usage: bench/run-all.sh path/to/mamori}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
fail=0
for s in "$here"/*.sh; do
	[ "$(basename "$s")" = run-all.sh ] && continue
	echo "==> $(basename "$s")"
	if [ -x "$s" ]; then "$s" "$bin"; else sh "$s" "$bin"; fi || { echo "bench $(basename "$s") failed" >&2; fail=1; }
	echo
done
exit $fail

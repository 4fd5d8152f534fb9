#!/bin/sh
# run-all.sh MAMORI — runs every tests/eval/eval_<area>.sh with the mamori
# binary as $1 (`make eval`). The evaluations measure mamori against the
# reference corpus in ../shared/corpus (next to the repository); where it is
# absent (a user's fresh clone) this prints one SKIP line and exits 0.
set -u
bin=${1:?usage: tests/eval/run-all.sh path/to/mamori}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=$(dirname "$repo")/shared/corpus
if [ ! -d "$corpus" ]; then
	echo "SKIP: no reference corpus at $corpus (evaluations need ../shared/corpus)"
	exit 0
fi
export MAMORI_CORPUS="$corpus"
fail=0
for s in "$here"/eval_*.sh; do
	[ -f "$s" ] || continue
	echo "==> $(basename "$s")"
	if [ -x "$s" ]; then "$s" "$bin"; else sh "$s" "$bin"; fi || { echo "eval $(basename "$s") failed" >&2; fail=1; }
	echo
done
exit $fail

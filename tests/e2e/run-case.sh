#!/bin/sh
# run-case.sh CASE_DIR MAMORI — runs one end-to-end case and diffs its output.
#
# A case is a folder tests/e2e/<case>/ with:
#   cmd             the arguments of `mamori scan` (one line; shell quoting and
#                   $MAMORI_GEN_DIR / $MAMORI_SOURCE_DIR are expanded). If the
#                   first word is another mamori command (e.g. `logs`), the
#                   line is run as `mamori <cmd>` unchanged instead.
#   expected.jsonl  the expected standard output
#   exit            (optional) the expected exit status; without it any of
#                   0, 1 and 2 is accepted
#   README.md       what the case proves and where its input comes from
#
# A scan runs as
#   mamori scan --deterministic --format jsonl --no-db <cmd>
# so the output has no wall-clock values and a stable order. The one
# normalisation: the values of $MAMORI_GEN_DIR and $MAMORI_SOURCE_DIR in the
# output are replaced by those names, literally, so expected.jsonl does not
# depend on where the tree was built. Nothing else is touched.
#
# To (re)write a case's expected output after checking it by hand:
#   MAMORI_E2E_UPDATE=1 ctest -R e2e/<case>
set -u
case_dir=$1
bin=$2
: "${MAMORI_GEN_DIR:?MAMORI_GEN_DIR is not set (run through ctest)}"
: "${MAMORI_SOURCE_DIR:?MAMORI_SOURCE_DIR is not set (run through ctest)}"
export MAMORI_GEN_DIR MAMORI_SOURCE_DIR
name=$(basename "$case_dir")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-e2e-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -f "$case_dir/cmd" ]; then
	echo "e2e/$name: no cmd file" >&2
	exit 1
fi
cmdline=$(sed -e '/^#/d' "$case_dir/cmd" | tr '\n' ' ')
eval "set -- $cmdline"
first=${1:-}
commands=$("$bin" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')
raw=0
for c in $commands; do
	if [ "$first" = "$c" ] && [ "$c" != scan ]; then
		raw=1
	fi
done
[ "$first" = scan ] && shift

if [ $raw = 1 ]; then
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
else
	"$bin" scan --deterministic --format jsonl --no-db "$@" >"$tmp/out" 2>"$tmp/err"
fi
status=$?

# Replace the two folder names, literally (no regex), in every line.
python3 - "$tmp/out" "$tmp/norm" <<'PY'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
for var in ("MAMORI_GEN_DIR", "MAMORI_SOURCE_DIR"):
    val = os.environ.get(var, "").rstrip("/")
    if val:
        data = data.replace(val.encode(), ("$" + var).encode())
open(dst, "wb").write(data)
PY

if [ "${MAMORI_E2E_UPDATE:-0}" = 1 ]; then
	cp "$tmp/norm" "$case_dir/expected.jsonl"
	echo "e2e/$name: wrote expected.jsonl (exit status $status)"
	exit 0
fi

fail=0
if [ -f "$case_dir/exit" ]; then
	want=$(tr -d ' \n' <"$case_dir/exit")
	if [ "$status" != "$want" ]; then
		echo "e2e/$name: exit status $status, expected $want" >&2
		fail=1
	fi
elif [ "$status" -gt 2 ]; then
	echo "e2e/$name: exit status $status" >&2
	fail=1
fi
if ! diff -u "$case_dir/expected.jsonl" "$tmp/norm" >"$tmp/diff"; then
	echo "e2e/$name: output differs from expected.jsonl:" >&2
	head -n 80 "$tmp/diff" >&2
	fail=1
fi
if [ $fail != 0 ]; then
	echo "--- stderr of mamori:" >&2
	head -n 40 "$tmp/err" >&2
	exit 1
fi
echo "e2e/$name: ok"
exit 0

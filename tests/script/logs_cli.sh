#!/bin/sh
# logs_cli.sh — `mamori logs` behaviour: usage errors exit 64, an unreadable
# or foreign file exits 2 with a message, a clean dump exits 0 with one JSON
# object per record, a damaged EVTX exits 2 and still prints the records it
# recovered, --limit and --format text, -j gives the same records.
set -eu
: "${MAMORI_BIN:?}" "${MAMORI_GEN_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
st() { set +e; "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?; set -e; }

st "$MAMORI_BIN" logs
[ $rc -eq 64 ] || fail "no action: exit $rc"
st "$MAMORI_BIN" logs frobnicate x
[ $rc -eq 64 ] || fail "bad action: exit $rc"
st "$MAMORI_BIN" logs dump --kind nope x
[ $rc -eq 64 ] || fail "bad kind: exit $rc"
st "$MAMORI_BIN" logs dump "$tmp/missing"
[ $rc -eq 2 ] || fail "missing file: exit $rc"
printf '\177ELF\002\001\001' > "$tmp/elf"
st "$MAMORI_BIN" logs dump "$tmp/elf"
[ $rc -eq 2 ] && grep -q 'not a log' "$tmp/err" || fail "foreign file: exit $rc"

st "$MAMORI_BIN" logs dump "$MAMORI_GEN_DIR/evtx/basic.evtx"
[ $rc -eq 0 ] || fail "basic dump: exit $rc"
[ "$(wc -l < "$tmp/out")" -eq 6 ] || fail "basic dump: $(wc -l < "$tmp/out") lines"
python3 -c "
import json,sys
for l in open('$tmp/out'):
    d = json.loads(l)
    assert d['format'] == 'evtx' and 'fields' in d
" || fail "basic dump is not JSON lines"

st "$MAMORI_BIN" logs dump "$MAMORI_GEN_DIR/evtx/bad_chunk_magic.evtx"
[ $rc -eq 2 ] || fail "damaged: exit $rc"
[ "$(wc -l < "$tmp/out")" -eq 100 ] || fail "damaged: $(wc -l < "$tmp/out") records"
grep -q 'bad chunk magic' "$tmp/err" || fail "damaged: no reason on stderr"

st "$MAMORI_BIN" logs dump --limit 2 --format text "$MAMORI_GEN_DIR/evtx/multi.evtx"
[ $rc -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ] || fail "--limit/--format text"
grep -q 'CommandLine=cmd /c echo 1' "$tmp/out" || fail "text format"

"$MAMORI_BIN" logs dump "$MAMORI_GEN_DIR/evtx/large.evtx" > "$tmp/j1"
"$MAMORI_BIN" logs dump -j 3 "$MAMORI_GEN_DIR/evtx/large.evtx" > "$tmp/j3"
cmp -s "$tmp/j1" "$tmp/j3" || fail "-j 3 differs from -j 1"

st "$MAMORI_BIN" logs stats "$MAMORI_GEN_DIR/evtx/dirty.evtx"
grep -q 'records: *150' "$tmp/out" && grep -q 'stale chunk count' "$tmp/out" || fail "stats"
echo "ok: logs dump/stats behaviour"

#!/bin/sh
# scan_bad_input.sh — bad input gets a clear record and the scan goes on.
#
# A folder with an unreadable file, a FIFO, a dangling symlink, a 0-byte
# file, a file with invalid UTF-8 in its name and an ordinary file. Each
# problem must be reported with its reason, none may stop the scan (it ends,
# within a time limit, even with the FIFO), none may be called clean, and
# the exit status must be 2. As root, chmod 000 does not stop reading, so
# the scan then runs as the user nobody (setpriv) when that is possible;
# otherwise the unreadable case is left out and said so.
set -eu
: "${MAMORI_BIN:?run through ctest}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bad-input.XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"
d=$tmp/evidence
mkdir "$d"
printf 'ordinary text\n' >"$d/ordinary.txt"
printf 'you cannot read me\n' >"$d/secret.txt"
chmod 000 "$d/secret.txt"
mkfifo "$d/pipe"
ln -s /nonexistent/mamori-target "$d/dangling"
: >"$d/empty"
printf 'odd name\n' >"$d/$(printf 'odd\377name.txt')"
chmod -R a+rX "$d" 2>/dev/null || true
chmod 000 "$d/secret.txt"

mkdir "$tmp/w"
chmod 777 "$tmp/w"
run() {
	timeout 60 "$@" "$MAMORI_BIN" scan --no-db --deterministic --format jsonl \
		--summary-json "$tmp/w/summary.json" "$d" >"$tmp/out" 2>"$tmp/err"
}
unreadable=1
status=0
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1 &&
		setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		run setpriv --reuid=65534 --regid=65534 --clear-groups || status=$?
	else
		echo "note: root without setpriv: the unreadable case cannot be tested" >&2
		unreadable=0
		run || status=$?
	fi
else
	run || status=$?
fi
cat "$tmp/out"
if [ "$status" = 124 ]; then
	echo "FAIL: the scan did not finish (blocked on the FIFO?)" >&2
	exit 1
fi
fail=0
expect() {
	# expect NAME-SUBSTRING REASON
	if ! grep -F "$1" "$tmp/out" | grep -q "\"reason\":\"$2\""; then
		echo "FAIL: no '$2' record for $1" >&2
		fail=1
	fi
}
expect '/pipe"' 'not a regular file'
expect '/dangling"' 'not a regular file'
[ $unreadable = 1 ] && expect '/secret.txt"' 'unreadable'
[ $unreadable = 1 ] && grep -q 'Permission denied' "$tmp/out" ||
	{ [ $unreadable = 0 ] || { echo "FAIL: no 'Permission denied' detail" >&2; fail=1; }; }
if grep -q '/empty"' "$tmp/out"; then
	echo "FAIL: the 0-byte file got a record" >&2
	fail=1
fi
# every line is valid JSON (the invalid byte in a name cannot break it)
python3 - "$tmp/out" <<'PY' || fail=1
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    json.loads(line)
PY
# the JSON summary says the same: 1 empty, the skips by reason
python3 - "$tmp/w/summary.json" "$unreadable" <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
want = {"not a regular file": 2}
if sys.argv[2] == "1":
    want["unreadable"] = 1
got = {k: v for k, v in s["skipped"].items() if k != "total"}
assert s["empty"] == 1, s
assert got == want, (got, want)
assert s["skipped"]["total"] == sum(want.values()), s
assert "duration_s" not in s, "deterministic summary has a duration"
PY
# the scan went on: the summary counts every regular file, empty included
grep -q 'inputs' "$tmp/err" || { echo "FAIL: no summary on stderr" >&2; fail=1; }
grep -q '(1 empty)' "$tmp/err" || { echo "FAIL: the empty file is not counted" >&2; fail=1; }
if [ "$status" != 2 ]; then
	echo "FAIL: exit status $status, expected 2" >&2
	fail=1
fi
cat "$tmp/err" >&2
exit $fail

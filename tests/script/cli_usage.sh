#!/bin/sh
# cli_usage.sh — the command line's contract: exit statuses for bad usage,
# --help and --version, and that every option `COMMAND --help` lists is
# documented in docs/mamori.1 (the man page's synopsis matches --help).
set -u
: "${MAMORI_BIN:?run through ctest}"
: "${MAMORI_SOURCE_DIR:?run through ctest}"
M=$MAMORI_BIN
man=$MAMORI_SOURCE_DIR/docs/mamori.1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

status() {
	# status WANT ARGS... — runs mamori ARGS, checks the exit status
	want=$1
	shift
	"$M" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: mamori $* -> exit $got, expected $want" >&2
		sed 's/^/    /' "$tmp/err" | head -5 >&2
		fail=1
	fi
}

status 64
status 64 no-such-command
status 0 --help
grep -q '^  scan ' "$tmp/out" || { echo "FAIL: --help does not list scan" >&2; fail=1; }
status 0 help scan
grep -q -- '--max-size' "$tmp/out" || { echo "FAIL: help scan" >&2; fail=1; }
status 64 help no-such-command
status 0 --version
grep -q '^mamori [0-9]' "$tmp/out" || { echo "FAIL: --version" >&2; fail=1; }
status 0 scan --help
status 64 scan
status 64 scan -j 0 /tmp
status 64 scan -j lots /tmp
status 64 scan --format xml /tmp
status 64 scan --max-size 12Q /tmp
status 64 scan --level severe /tmp
status 64 scan --no-such-option /tmp
status 64 scan --changed --no-db /tmp
status 64 scan --set novalue /tmp
status 64 scan --no-db --set no.such.key=1 /tmp
status 64 alerts --level nope
status 64 alerts --since yesterday-ish
status 2 alerts --db "$tmp/none.db"
status 64 rules
status 64 rules frobnicate
status 64 rules check
status 2 rules check "$tmp/missing.yar"
status 1 rules show no.such.rule.id
status 64 config
status 0 config show
grep -q '^scan.max_size ' "$tmp/out" || { echo "FAIL: config show lacks scan.max_size" >&2; fail=1; }
status 0 config show --set scan.max_size=1M
grep -q '^scan.max_size *= 1M .*\[command line\]' "$tmp/out" ||
	{ echo "FAIL: --set not shown with its origin" >&2; cat "$tmp/out" | grep max_size >&2; fail=1; }
printf 'scan:\n  timeout: 7\n' >"$tmp/c.yaml"
status 0 config show -c "$tmp/c.yaml"
grep -q '^scan.timeout *= 7 ' "$tmp/out" || { echo "FAIL: -c FILE not applied" >&2; fail=1; }
printf 'scan:\n  no_such_key: 7\n' >"$tmp/bad.yaml"
status 2 config show -c "$tmp/bad.yaml"
grep -q 'bad.yaml' "$tmp/err" || { echo "FAIL: config error does not name the file" >&2; fail=1; }

# Every long option of every command's --help appears in the man page.
for cmd in $("$M" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'); do
	"$M" "$cmd" --help >"$tmp/help" 2>&1
	for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
		[ "$opt" = --help ] && continue
		o=${opt#--}
		if ! grep -q -- "Fl -$o\b" "$man"; then
			echo "FAIL: mamori $cmd $opt is not in docs/mamori.1" >&2
			fail=1
		fi
	done
	if ! grep -q "^\.Cm $cmd\b" "$man"; then
		echo "FAIL: command $cmd has no synopsis in docs/mamori.1" >&2
		fail=1
	fi
done
grep -q '^\.Sh EXIT STATUS' "$man" || { echo "FAIL: no EXIT STATUS section" >&2; fail=1; }
[ $fail = 0 ] && echo "cli usage: ok"
exit $fail

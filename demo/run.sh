#!/bin/sh
# demo/run.sh [MAMORI] — what `make demo` runs: makes a small folder of demo
# evidence and lets mamori triage it.
#
# The evidence is generated, from benign bytes, by the test generators
# (tests/gen/run-all.sh) into demo/out/evidence: packet captures of SMB
# exploitation, Confluence and Docker API abuse and mining, EVTX logs,
# PowerShell, Windows shortcuts of USB worms, PE files, wallets, a miner
# config, phishing mail, archives, and a tree with a FIFO, a dangling link
# and a file name that is not UTF-8. Whatever engines this build has examine
# their inputs; the rest is reported as "no engine yet". Nothing leaves the
# machine; the store is demo/out/demo.db.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin=${1:-$repo/build/src/cli/mamori}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
gen_bin=$(dirname "$(dirname "$(dirname "$bin")")")/tests
out=$here/out
if [ ! -x "$bin" ]; then
	echo "demo: no mamori at $bin (run \`make\` first)" >&2
	exit 1
fi
rm -rf "$out"
mkdir -p "$out/evidence"
echo "== generating demo evidence in demo/out/evidence (benign bytes, made here)"
sh "$repo/tests/gen/run-all.sh" "$out/evidence" "$gen_bin" >"$out/gen.log" 2>&1 || {
	echo "demo: some generators failed (see demo/out/gen.log); scanning what was made" >&2
}
echo "   $(find "$out/evidence" -type f | wc -l) files, $(du -sh "$out/evidence" | cut -f1)"
echo
echo "== mamori scan demo/out/evidence"
echo
status=0
MAMORI_RULES_DIR=${MAMORI_RULES_DIR:-$repo/rules} \
	"$bin" scan --db "$out/demo.db" --format text "$out/evidence" || status=$?
echo
case $status in
0) echo "exit status 0: nothing found, everything examined" ;;
1) echo "exit status 1: alerts found, everything examined" ;;
2) echo "exit status 2: some inputs were not fully examined (see 'not examined' above); alerts may be there too" ;;
*) echo "demo: mamori failed with exit status $status" >&2; exit 1 ;;
esac
echo
echo "== the store keeps every run: mamori alerts --db demo/out/demo.db --level high"
echo
"$bin" alerts --db "$out/demo.db" --level high --format text | head -n 20
echo
echo "Next: \`mamori alerts --db demo/out/demo.db --format jsonl | jq .\`, \`mamori rules list\`,"
echo "\`man -l docs/mamori.1\`. JSON lines for tools: add --format jsonl to scan."

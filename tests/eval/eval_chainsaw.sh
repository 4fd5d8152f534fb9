#!/bin/sh
# eval_chainsaw.sh MAMORI — reproduces Chainsaw's golden hunt output on
# security_sample.evtx (corpus/logs/peer-tests/chainsaw/clo_hunt_r_any_logon.txt:
# its "Any Logon" rule, every 4624, gives two detections with their
# timestamp, Event ID, EventRecordID, computer, user and logon type) with
# our own Sigma rule of the same meaning, written here, run through
# `mamori scan`. The rows mamori finds (fields read back with `mamori logs
# dump`) must equal the rows of Chainsaw's table. SKIP without the corpus.
set -u
M=${1:?usage: eval_chainsaw.sh MAMORI}
repo=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${MAMORI_CORPUS:-$(dirname "$repo")/shared/corpus}
evtx=$corpus/logs/evtx/parser-robustness/cs__tests__evtx__security_sample.evtx
golden=$corpus/logs/peer-tests/chainsaw/clo_hunt_r_any_logon.txt
if [ ! -f "$evtx" ] || [ ! -f "$golden" ]; then
	echo "SKIP: no reference corpus at $corpus"
	exit 0
fi
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-chainsaw.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/any-logon.yml" <<'YML'
title: Any logon (peer check against Chainsaw)
id: 3d0f6c52-9b7e-4d3a-8a61-6a2f4e0b4624
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4624
  condition: selection
level: informational
YML
"$M" scan --no-db --deterministic --no-bundled-rules -r "$tmp/any-logon.yml" \
	--format jsonl "$evtx" >"$tmp/alerts.jsonl" 2>"$tmp/err"
"$M" logs dump "$evtx" >"$tmp/dump.jsonl" 2>>"$tmp/err"
echo "== Chainsaw hunt 'Any Logon' on security_sample.evtx"
"$py" - "$tmp/alerts.jsonl" "$tmp/dump.jsonl" "$golden" <<'PY'
import json, re, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
dump = {}
for l in open(sys.argv[2]):
    if l.strip():
        r = json.loads(l)
        dump[r.get("record_id")] = r.get("fields", {})
ours = []
for a in alerts:
    if not a.get("rule", {}).get("id", "").startswith("sigma:"):
        continue
    f = dump.get(a["mamori"]["evidence"]["record_id"], {})
    t = f.get("TimeCreated", "")[:19].replace("T", " ")
    ip = f.get("IpAddress", "-") or "-"
    ours.append((t, f.get("EventID"), f.get("EventRecordID"), f.get("Computer"),
                 f.get("TargetUserName"), f.get("LogonType"), ip))
theirs = []
for line in open(sys.argv[3], encoding="utf-8"):
    cells = [c.strip() for c in line.strip().strip("│").split("│")]
    if len(cells) == 8 and re.match(r"\d{4}-\d\d-\d\d", cells[0]):
        theirs.append((cells[0], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]))
for row in ours:
    print("  mamori   ", " | ".join(str(c) for c in row))
for row in theirs:
    print("  chainsaw ", " | ".join(row))
if sorted(ours) == sorted(theirs) and theirs:
    print("  PASS: %d of %d rows identical" % (len(ours), len(theirs)))
    sys.exit(0)
print("  FAIL: the rows differ")
sys.exit(1)
PY

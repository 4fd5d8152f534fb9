#!/bin/sh
# incidents_golden.sh — golden end-to-end test of correlation: an evidence
# folder of one host (ws05 = 192.0.2.20) built from the generated fixtures
# by incidents_evidence.py (SMB exploit pcap, JSON log with a PowerShell
# scheduled task, a miner config, a Stratum pcap) plus an unrelated SMB
# implant against another host, scanned into a temporary store; then
# `mamori incidents --format jsonl` must give one incident holding the four
# steps in order (initial access -> persistence -> impact, times never
# going back) and the unrelated alert in an incident of its own. A second
# run must add nothing (incremental), and a later scan of the same host
# outside the window must open a new incident.
set -eu
: "${MAMORI_BIN:?}" "${MAMORI_GEN_DIR:?}" "${MAMORI_SOURCE_DIR:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PY" "$MAMORI_SOURCE_DIR/tests/script/incidents_evidence.py" "$MAMORI_GEN_DIR" "$T/ev"
"$MAMORI_BIN" scan -q --db "$T/db" --set host.name=ws05 --format jsonl "$T/ev" > "$T/alerts.jsonl" || [ $? -eq 1 ]
n=$(wc -l < "$T/alerts.jsonl")
[ "$n" -ge 5 ] || fail "expected at least 5 alerts from the evidence, got $n"

"$MAMORI_BIN" incidents --db "$T/db" --alias ws05=192.0.2.20 --format jsonl > "$T/inc.jsonl"
"$PY" - "$T/inc.jsonl" <<'PYEOF'
import json, sys
incs = [json.loads(l) for l in open(sys.argv[1])]
def fail(m):
    print("FAIL:", m, file=sys.stderr)
    for i in incs:
        print(json.dumps(i)[:600], file=sys.stderr)
    sys.exit(1)
main = [i for i in incs if i["label"] in ("ws05", "192.0.2.20")]
if len(main) != 1:
    fail("expected one incident for ws05, got %d" % len(main))
m = main[0]
rules = [a["rule"] for a in m["alerts"]]
need = ["mamori.net.smb.ms17-010.eternalblue", "mamori.files.miner.config", "mamori.net.mining.stratum"]
for r in need:
    if r not in rules:
        fail("rule %s missing from the incident" % r)
if not any(a["stage"] == "persistence" for a in m["alerts"]):
    fail("no scheduled-task (persistence) step")
# the four steps in order: exploit, scheduled task, miner config, stratum
pos = [rules.index("mamori.net.smb.ms17-010.eternalblue"),
       min(i for i, a in enumerate(m["alerts"]) if a["stage"] == "persistence"),
       rules.index("mamori.files.miner.config"), rules.index("mamori.net.mining.stratum")]
if pos != sorted(pos):
    fail("steps out of order: %r" % pos)
ts = [a["@timestamp"] for a in m["alerts"]]
if ts != sorted(ts):
    fail("time order inverted")
if m["chain"][:1] != ["initial-access"] or "persistence" not in m["chain"] or m["chain"][-1] != "impact":
    fail("chain %r" % m["chain"])
for w in ("192.0.2.10", "pool.example.net:3333", "203.0.113.20:8080"):
    if not any(x["value"] == w for x in m["indicators"]):
        fail("indicator %s missing" % w)
if not any(x["type"] == "wallet" for x in m["indicators"]):
    fail("no validated wallet among the indicators")
if "192.0.2.10" not in m["summary"] or "wallet" not in m["summary"]:
    fail("summary says too little: " + m["summary"])
other = [i for i in incs if "mamori.net.smb.doublepulsar" in [a["rule"] for a in i["alerts"]]]
if len(other) != 1 or other[0] is m or len(other[0]["alerts"]) != 1:
    fail("the unrelated DoublePulsar alert is not alone in its own incident")
ids = [a["id"] for i in incs for a in i["alerts"]]
if len(ids) != len(set(ids)):
    fail("an alert is in two incidents")
print("ok: incident", m["id"], "score", m["score"], "chain", m["chain"])
PYEOF

# incremental: nothing new, nothing changes
"$MAMORI_BIN" incidents --db "$T/db" --format jsonl > "$T/inc2.jsonl"
cmp -s "$T/inc.jsonl" "$T/inc2.jsonl" || fail "a second update changed the incidents"

# the same host again, three days later: a new incident (window 24 h)
mkdir -p "$T/later"
cp "$MAMORI_GEN_DIR/files/miner/config.json" "$T/later/config.json"
touch -d @1700259200 "$T/later/config.json"
"$MAMORI_BIN" scan -q --db "$T/db" --set host.name=ws05 --format jsonl "$T/later" > /dev/null || [ $? -eq 1 ]
"$MAMORI_BIN" incidents --db "$T/db" --format jsonl > "$T/inc3.jsonl"
n3=$(wc -l < "$T/inc3.jsonl")
n1=$(wc -l < "$T/inc.jsonl")
[ "$n3" -eq $((n1 + 1)) ] || fail "a scan outside the window should open one new incident ($n1 -> $n3)"
echo "incidents_golden: ok"

#!/bin/sh
# bench/incidents.sh MAMORI — correlation and report speed.
#
# Generates N alerts (default 1,000,000; BENCH_INCIDENTS_N) of a synthetic
# fleet (2,000 hosts, attackers, pools, wallets-free evidence, 30 days) into
# a fresh store with the store's own schema (made by `mamori scan --db` of an
# empty folder), then measures:
#   - `mamori incidents --db --format text` (all alerts correlated and
#     written: entities, incidents, links; the text listing is one line per
#     incident), alerts/s on wall and CPU time, median of 3 runs on fresh
#     copies; target >= 100,000/s
#   - the jsonl listing of every incident with its alerts, once
#   - `mamori report --html` on the first 100,000 alerts; target < 5 s
# Peak RSS from /usr/bin/time -v. No peer tool does this correlation, so
# there is no ratio; the numbers are absolute.
set -eu
M=${1:?usage: bench/incidents.sh MAMORI}
N=${BENCH_INCIDENTS_N:-1000000}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/empty"

gen() { # gen DB COUNT
	"$M" scan -q --no-bundled-rules --db "$1" "$T/empty" > /dev/null 2>&1 || true
	"$PY" - "$1" "$2" <<'PYEOF'
import json, random, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
r = random.Random(7)
cats = [("exploit", "initial-access", "mamori.net.smb.ms17-010.eternalblue", "net"),
        ("bruteforce", "credential-access", "mamori.net.auth.ssh-bruteforce", "net"),
        (None, "persistence", "sigma:a59bf7e5-8e9f-4a06-be71-292cd0f4be0a", "logs"),
        ("miner", "impact", "mamori.files.miner.config", "files"),
        ("miner", "impact", "mamori.net.mining.stratum", "net")]
t0 = 1700000000
rows = []
db.execute("BEGIN")
for i in range(n):
    c = cats[r.randrange(5)]
    h = r.randrange(2000)
    victim = "10.%d.%d.%d" % (h // 65536, (h // 256) % 256, h % 256)
    ts = t0 + r.randrange(30 * 86400)
    a = {"@timestamp": "x", "event": {"kind": "alert", "module": c[3], "severity": 73},
         "rule": {"id": c[2], "name": c[2], "ruleset": "builtin", "category": c[0]},
         "threat": {"technique": {"id": ["T1210"]}, "tactic": {"name": [c[1]]}},
         "mamori": {"level": "high", "evidence": {"pool": "pool%d.example.net:3333" % r.randrange(20)} if c[0] == "miner" else {"n": i}}}
    if c[3] == "net":
        atk = "198.51.100.%d" % r.randrange(250)
        if c[0] == "miner":
            a["source"] = {"ip": victim}; a["destination"] = {"ip": "203.0.113.%d" % r.randrange(20), "port": 3333}
        else:
            a["source"] = {"ip": atk}; a["destination"] = {"ip": victim, "port": 445}
        host = "sensor1"
    else:
        host = "host%d" % h
    a["host"] = {"name": host}
    rows.append((1, ts * 1000000, 0, 3, 73, c[2], c[3], host, json.dumps(a)))
    if len(rows) == 50000:
        db.executemany("INSERT INTO alerts(run_id, ts, ingested, level, severity, rule_id, engine, host, json) VALUES(?,?,?,?,?,?,?,?,?)", rows)
        rows = []
db.executemany("INSERT INTO alerts(run_id, ts, ingested, level, severity, rule_id, engine, host, json) VALUES(?,?,?,?,?,?,?,?,?)", rows)
db.commit()
PYEOF
}

gen "$T/big.db" "$N"
gen "$T/small.db" 100000
echo "incidents bench: $N alerts"
# correlation alone (the text listing is one line per incident); each run
# on a fresh copy of the store; the machine may be shared, so CPU time
# (user+sys) is reported next to the wall time; medians of 3
: > "$T/runs"
i=0
while [ $i -lt 3 ]; do
	cp "$T/big.db" "$T/run.db"
	rm -f "$T/run.db-wal" "$T/run.db-shm"
	/usr/bin/time -f "%e %U %S %M" -o "$T/t" "$M" incidents --db "$T/run.db" --format text > "$T/inc.txt"
	cat "$T/t" >> "$T/runs"
	i=$((i + 1))
done
wall=$(awk '{print $1}' "$T/runs" | sort -n | sed -n 2p)
cpu=$(awk '{printf "%.2f\n", $2 + $3}' "$T/runs" | sort -n | sed -n 2p)
rss=$(awk '{print $4}' "$T/runs" | sort -n | sed -n 2p)
echo "  correlate+store (median of 3): ${wall} s wall, ${cpu} s CPU:" \
     "$(awk -v n="$N" -v s="$wall" 'BEGIN{printf "%.0f", n/s}') alerts/s wall," \
     "$(awk -v n="$N" -v s="$cpu" 'BEGIN{printf "%.0f", n/s}') alerts/s CPU (target >= 100000)," \
     "peak RSS ${rss} KiB, $(grep -c '^#' "$T/inc.txt") incidents"
echo "  runs (wall user sys KiB): $(tr '\n' ';' < "$T/runs")"
rows=$(sqlite3 "$T/run.db" "SELECT (SELECT count(*) FROM inc_alerts) + (SELECT count(*) FROM inc_links)
	+ (SELECT count(*) FROM inc_entities) + (SELECT count(*) FROM inc_keys)
	+ (SELECT count(*) FROM inc_incidents)" 2> /dev/null || echo 0)
echo "  rows written by correlation: $rows (alerts' rows, links, entities, keys, incidents):" \
     "$(awk -v n="$rows" -v s="$wall" 'BEGIN{printf "%.0f", n/s}') rows/s wall"
/usr/bin/time -f "%e %M" -o "$T/t" "$M" incidents --db "$T/run.db" --no-update --format jsonl > "$T/inc.jsonl"
echo "  listing every incident with its alerts (jsonl, $(wc -c < "$T/inc.jsonl") bytes): $(awk '{print $1 " s, peak RSS " $2 " KiB"}' "$T/t")"
rm -f "$T/run.db" "$T/run.db-wal" "$T/run.db-shm"
"$M" incidents --db "$T/small.db" --format jsonl > /dev/null
i=0
: > "$T/times"
while [ $i -lt 5 ]; do
	/usr/bin/time -f "%e %M" -o "$T/t" "$M" report --db "$T/small.db" --html "$T/r.html"
	cat "$T/t" >> "$T/times"
	i=$((i + 1))
done
sort -n "$T/times" | awk 'NR==3 {print "  report of 100000 alerts (median of 5): " $1 " s (target < 5 s), peak RSS " $2 " KiB"}'
echo "  report size: $(wc -c < "$T/r.html") bytes"

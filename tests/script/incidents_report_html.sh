#!/bin/sh
# incidents_report_html.sh — the HTML report in headless Chromium: built
# from the golden evidence (incidents_evidence.py) plus one stored alert
# whose strings are hostile markup (a <script>, an <img src=http://...>,
# quotes); Chromium renders it with no network, no console error and no
# request, the incident, timeline and chart elements are in the DOM, the
# hostile markup is not, and the file references no external resource.
# The screenshot is kept in $MAMORI_BUILD_DIR/test-artefacts/.
set -eu
: "${MAMORI_BIN:?}" "${MAMORI_GEN_DIR:?}" "${MAMORI_SOURCE_DIR:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ART="${MAMORI_BUILD_DIR:-$T}/test-artefacts"
mkdir -p "$ART"

"$PY" "$MAMORI_SOURCE_DIR/tests/script/incidents_evidence.py" "$MAMORI_GEN_DIR" "$T/ev"
"$MAMORI_BIN" scan -q --db "$T/db" --set host.name=ws05 --format jsonl "$T/ev" > /dev/null || [ $? -eq 1 ]
"$PY" - "$T/db" <<'PYEOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
evil = '<script>alert(1)</script><img src="http://198.51.100.1/x.png">\'"&'
a = {"@timestamp": "2023-11-14T22:20:00.000000Z",
     "event": {"kind": "alert", "module": "honeypot", "severity": 73},
     "rule": {"id": "mamori.honeypot.test." + evil, "name": "Hostile " + evil,
              "ruleset": "builtin" + evil, "category": "exploit"},
     "threat": {"technique": {"id": ["T1190" + evil]}, "tactic": {"name": ["initial-access"]}},
     "mamori": {"level": "high", "evidence": {"url": "http://evil.example/" + evil}},
     "source": {"ip": "198.51.100.66"}, "destination": {"ip": "10.0.0.9"},
     "host": {"name": "hp1" + evil}}
db.execute("INSERT INTO alerts(run_id, ts, ingested, level, severity, rule_id, engine, host, json)"
           " VALUES(1, 1700000400000000, 0, 3, 73, ?, 'honeypot', ?, ?)",
           (a["rule"]["id"], a["host"]["name"], json.dumps(a)))
db.execute("INSERT INTO skips(run_id, path, reason, detail, partial) VALUES(1, ?, 'corrupt', ?, 1)",
           ("/evidence/<b>bad</b>.evtx", "chunk 3: bad CRC <i>"))
db.commit()
PYEOF
"$MAMORI_BIN" report --db "$T/db" --html "$T/report.html"
R="$T/report.html"
[ -s "$R" ] || fail "no report written"
# no external resource: no src/href/url() pointing anywhere but the page
if grep -Eio "(src|href|action|xlink:href)[[:space:]]*=[[:space:]]*[\"']?[^\"'#>& ]" "$R" | grep -v "^href=\"#" ; then
	fail "the report references an external resource"
fi
grep -Eiq "url\(|@import|<script|<link|<iframe|<object|<embed|<img" "$R" && fail "the report holds active or external markup"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$R" || fail "hostile markup was not escaped as text"
for id in 'id="chart-time"' 'id="chart-level"' 'id="chart-sensor"' 'id="chart-technique"' 'class="incident"' 'class="timeline"' 'class="indicators"' 'class="skips"' 'class="rulesets"'; do
	grep -q "$id" "$R" || fail "missing $id"
done

if [ -z "$CHROMIUM" ]; then
	echo "SKIP: no chromium"; exit 0
fi
D=$(mktemp -d)
run_chromium() {
	# no network at all: an unshared network namespace when we may, and
	# Chromium's own switches
	if unshare -n true 2>/dev/null; then NS="unshare -n"; else NS=""; fi
	timeout 120 $NS "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$D" --enable-logging=stderr --v=0 --window-size=1280,2000 "$@" "file://$R"
}
run_chromium --dump-dom > "$T/dom.html" 2> "$T/chromium.log" || fail "chromium --dump-dom failed"
run_chromium --screenshot="$ART/incidents_report.png" > /dev/null 2>> "$T/chromium.log" || fail "chromium --screenshot failed"
rm -rf "$D"
[ -s "$ART/incidents_report.png" ] || fail "no screenshot"
if grep -E "CONSOLE|Uncaught|Failed to load resource|net::ERR_|Refused to" "$T/chromium.log"; then
	fail "console errors or requests while rendering"
fi
n=$(grep -o 'class="incident"' "$T/dom.html" | wc -l)
[ "$n" -ge 2 ] || fail "expected at least 2 incidents in the DOM, got $n"
for id in chart-time chart-level chart-sensor chart-technique; do
	grep -q "id=\"$id\"" "$T/dom.html" || fail "chart $id not in the DOM"
done
grep -q '<rect class="bar"' "$T/dom.html" || fail "no chart bars in the DOM"
grep -q '<script>alert' "$T/dom.html" && fail "hostile script became markup"
echo "incidents_report_html: ok (screenshot $ART/incidents_report.png)"

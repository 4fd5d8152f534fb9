#!/bin/sh
# incidents_collect.sh — `mamori collect` against a real redis-server on
# 127.0.0.1 (random port, temporary directory, no persistence). Two
# "sensors" append alerts to the stream the way the sink does (redis-cli
# XADD with fields type, id, json); one alert is appended twice (same
# stable id), one entry is malformed, one is of a type collect does not
# know. collect must store each alert once, acknowledge every entry
# (nothing pending), count the bad one, build the incidents of both hosts,
# and a second collect must add nothing. Then incident updates: the
# highest version of each (sensor store, incident) is kept, a duplicate and
# an older version are counted and ignored.
set -eu
: "${MAMORI_BIN:?}"
command -v redis-server > /dev/null || { echo "SKIP: no redis-server"; exit 0; }
T=$(mktemp -d)
# below Linux's ephemeral range (32768+), which parallel tests may fill
PORT=$(( 20000 + $$ % 12000 ))
cleanup() {
	[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# a port already taken makes redis-server exit at once: try the next ones
tries=0
while :; do
	redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T" > "$T/redis.log" 2>&1 &
	RPID=$!
	i=0
	while ! redis-cli -p "$PORT" ping > /dev/null 2>&1 && kill -0 "$RPID" 2>/dev/null && [ $i -lt 100 ]; do
		i=$((i + 1)); sleep 0.1
	done
	redis-cli -p "$PORT" ping > /dev/null 2>&1 && break
	kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; RPID=
	tries=$((tries + 1)); [ $tries -lt 10 ] || fail "redis-server did not start"
	PORT=$(( 20000 + (PORT - 20000 + 997) % 12000 ))
done
R="redis-cli -p $PORT"
add() { # add HOST N
	j="{\"@timestamp\":\"2023-11-14T22:1$2:00.000000Z\",\"event\":{\"kind\":\"alert\",\"module\":\"logs\",\"severity\":73},\"rule\":{\"id\":\"mamori.test.r$2\",\"name\":\"r$2\",\"category\":\"miner\"},\"mamori\":{\"level\":\"high\"},\"host\":{\"name\":\"$1\"}}"
	id=$(printf '%s' "$1-$2" | sha256sum | cut -c1-64)
	$R XADD mm:fleet '*' type alert id "$id" json "$j" > /dev/null
}
for n in 0 1 2 3 4; do add sensor-a "$n"; add sensor-b "$n"; done
add sensor-a 2                                  # a duplicate (same stable id)
$R XADD mm:fleet '*' type alert id short json '{}' > /dev/null   # malformed
$R XADD mm:fleet '*' type heartbeat id "$(printf x | sha256sum | cut -c1-64)" json '{}' > /dev/null

"$MAMORI_BIN" collect --redis "redis://127.0.0.1:$PORT/mm:fleet" --db "$T/central.db" --idle 1 2> "$T/collect.log" \
	|| { cat "$T/collect.log" >&2; fail "collect failed"; }
cat "$T/collect.log"
grep -q "10 alerts stored, 1 duplicates, 13 acknowledged, 1 unreadable, 1 other" "$T/collect.log" || fail "unexpected counts"
n=$(sqlite3 "$T/central.db" "SELECT count(*) FROM alerts")
[ "$n" -eq 10 ] || fail "expected 10 alerts in the central store, got $n"
p=$($R XPENDING mm:fleet mamori | head -1)
[ "$p" -eq 0 ] || fail "$p entries left pending"
"$MAMORI_BIN" incidents --db "$T/central.db" --no-update --format jsonl > "$T/inc.jsonl"
[ "$(wc -l < "$T/inc.jsonl")" -eq 2 ] || fail "expected one incident per sensor host"
"$MAMORI_BIN" collect --redis "redis://127.0.0.1:$PORT/mm:fleet" --db "$T/central.db" --idle 1 2> "$T/collect2.log"
grep -q "0 alerts stored" "$T/collect2.log" || fail "a second collect stored again"
# incident updates: kept per sensor store and incident, the highest
# version wins; the same record twice is a duplicate, an older version is
# ignored, a record without its fields is unreadable
inc() { # inc STORE INCIDENT VERSION LABEL
	j="{\"type\":\"incident\",\"sensor\":\"sensor-a\",\"store\":\"$1\",\"incident\":$2,\"version\":$3,\"deleted\":false,\"label\":\"$4\"}"
	id=$(printf '%s' "$j" | sha256sum | cut -c1-64)
	$R XADD mm:fleet '*' type incident id "$id" json "$j" > /dev/null
}
inc 00000000000000aa 1 100 first
inc 00000000000000aa 1 200 second
inc 00000000000000aa 1 200 second                # duplicate
inc 00000000000000aa 1 150 older                 # stale
inc 00000000000000bb 1 100 other-store
$R XADD mm:fleet '*' type incident id "$(printf y | sha256sum | cut -c1-64)" json '{}' > /dev/null
"$MAMORI_BIN" collect --redis "redis://127.0.0.1:$PORT/mm:fleet" --db "$T/central.db" --idle 1 2> "$T/collect3.log" \
	|| { cat "$T/collect3.log" >&2; fail "collect of incident updates failed"; }
cat "$T/collect3.log"
grep -q "0 alerts stored, 0 duplicates, 6 acknowledged, 1 unreadable, 0 other" "$T/collect3.log" || fail "unexpected counts (incident updates)"
grep -q "3 incident updates stored, 1 duplicates, 1 older than the version stored" "$T/collect3.log" || fail "unexpected incident update counts"
r=$(sqlite3 "$T/central.db" "SELECT group_concat(store || ':' || incident_id || ':' || version || ':' || json_extract(json, '\$.label'), ' ') FROM (SELECT * FROM inc_remote ORDER BY store)")
[ "$r" = "00000000000000aa:1:200:second 00000000000000bb:1:100:other-store" ] || fail "inc_remote holds '$r'"
echo "incidents_collect: ok"

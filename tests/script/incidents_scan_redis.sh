#!/bin/sh
# incidents_scan_redis.sh — `mamori scan --redis` end to end against a real
# redis-server on 127.0.0.1 (random port below the ephemeral range,
# temporary directory, append-only file so that a restart keeps the
# stream). Inputs: the generated miner fixtures (tests/gen). Proves the
# CLI's wiring of the fleet stream:
#   - a scan appends its alerts, then the update of the incident they make
#     (type incident), in that order;
#   - the same scan again adds nothing (alerts: the stream's markers;
#     incident: same content, not pushed);
#   - a scan with a new finding adds its alert and one incident update;
#   - Redis stopped during a scan: the scan succeeds, its records wait in
#     the spool and arrive exactly once, in order, with the next scan after
#     Redis is back;
#   - `collect` stores every alert once and the incident's latest version.
set -eu
: "${MAMORI_BIN:?}"
: "${MAMORI_GEN_DIR:?}"
command -v redis-server > /dev/null || { echo "SKIP: no redis-server"; exit 0; }
F=$MAMORI_GEN_DIR/files/miner
[ -f "$F/config.json" ] || { echo "SKIP: no generated miner fixtures"; exit 0; }
T=$(mktemp -d)
PORT=$(( 20000 + ($$ * 7) % 12000 ))
cleanup() {
	[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start_redis() {
	tries=0
	while :; do
		redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly yes \
			--appendfsync always --dir "$T" > "$T/redis.log" 2>&1 &
		RPID=$!
		i=0
		while ! redis-cli -p "$PORT" ping > /dev/null 2>&1 && kill -0 "$RPID" 2>/dev/null && [ $i -lt 100 ]; do
			i=$((i + 1)); sleep 0.1
		done
		redis-cli -p "$PORT" ping > /dev/null 2>&1 && return 0
		kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; RPID=
		tries=$((tries + 1)); [ $tries -lt 10 ] || fail "redis-server did not start"
		# a port already taken: the next ones (the AOF moves with -dir)
		PORT=$(( 20000 + (PORT - 20000 + 997) % 12000 ))
	done
}
stop_redis() {
	kill "$RPID"; wait "$RPID" 2>/dev/null || true; RPID=
}
# the record types on the stream, one per line, in stream order
types() {
	redis-cli -p "$PORT" XRANGE mm:scan - + | awk 'prev == "type" {print} {prev = $0}'
}
scan() {
	rc=0
	"$MAMORI_BIN" scan -q --db "$T/sensor.db" --redis "redis://127.0.0.1:$PORT/mm:scan" "$@" \
		> /dev/null 2> "$T/scan.err" || rc=$?
	[ $rc -le 1 ] || { cat "$T/scan.err" >&2; fail "scan $* exited $rc"; }
}
count() { types | grep -c "^$1\$" || true; }
# each scan's alerts, then its incident update: the stream's types, runs
# folded, alternate "alert incident" once per scan that found something
order_is() { # order_is SCANS
	want=$(i=0; while [ $i -lt "$1" ]; do printf 'alert incident '; i=$((i + 1)); done)
	got=$(types | uniq | tr '\n' ' ')
	[ "$got" = "$want" ] || fail "stream order: '$got', expected '$want'"
}

mkdir "$T/empty"
start_redis
scan "$F/config.json" "$F/crontab"
a1=$(count alert); i1=$(count incident)
[ "$a1" -ge 2 ] || fail "expected alerts on the stream, got $a1"
[ "$i1" -eq 1 ] || fail "expected one incident update, got $i1"
order_is 1

scan "$F/config.json" "$F/crontab"
[ "$(count alert)" -eq "$a1" ] && [ "$(count incident)" -eq 1 ] || fail "an identical scan added records"

scan "$F/killer.sh"
a2=$(count alert)
[ "$a2" -gt "$a1" ] || fail "the new finding did not arrive"
[ "$(count incident)" -eq 2 ] || fail "expected a second incident update, got $(count incident)"
order_is 2

stop_redis
scan "$F/fake-xmrig.elf" "$F/miner.service"
# waiting: the acknowledged offset is short of the spool's end
[ "$(cat "$T/sensor.db.redis-spool.ack")" -lt "$(wc -c < "$T/sensor.db.redis-spool")" ] || fail "nothing waits in the spool"
start_redis
scan "$T/empty"
a3=$(count alert)
[ "$a3" -gt "$a2" ] || fail "the spooled alerts did not arrive"
[ "$(count incident)" -eq 3 ] || fail "expected the spooled incident update once, got $(count incident)"
order_is 3
# once: the next scan resends nothing
scan "$T/empty"
[ "$(count alert)" -eq "$a3" ] && [ "$(count incident)" -eq 3 ] || fail "records were sent twice"

"$MAMORI_BIN" collect --redis "redis://127.0.0.1:$PORT/mm:scan" --db "$T/central.db" --idle 1 2> "$T/collect.log" \
	|| { cat "$T/collect.log" >&2; fail "collect failed"; }
grep -q "^mamori collect: $a3 alerts stored, 0 duplicates" "$T/collect.log" || { cat "$T/collect.log" >&2; fail "collect counts"; }
grep -q "^mamori collect: 3 incident updates stored, 0 duplicates, 0 older" "$T/collect.log" || { cat "$T/collect.log" >&2; fail "collect incident counts"; }
n=$(sqlite3 "$T/central.db" "SELECT count(*) FROM inc_remote WHERE deleted=0")
[ "$n" -ge 1 ] || fail "no incident kept from the sensor"
echo "incidents_scan_redis: ok ($a3 alerts, 3 incident updates)"

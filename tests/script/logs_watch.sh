#!/bin/sh
# logs_watch.sh — `mamori watch` follows a log like tail -F: records
# appended, a rotation (rename + new file, with a last line written to the
# old file after the rename), and a truncation each raise their alert
# exactly once; SIGINT ends it with exit 1 (alerts). Loopback-free, files
# only, in a temporary folder.
set -eu
: "${MAMORI_BIN:?}"
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cat > "$tmp/ssh.yml" <<'YML'
title: sshd failed password (watch test)
id: 0e4b9f3c-5d1a-4c2b-8e7f-6a5b4c3d2e10
logsource:
  product: linux
  service: sshd
detection:
  selection:
    event_type: failed
  condition: selection
level: low
YML
line() { echo "Feb 20 08:35:2$2 h sshd[1]: Failed password for $1 from 192.0.2.1 port 1 ssh2"; }
: > "$tmp/w.log"
"$MAMORI_BIN" watch --no-bundled-rules -r "$tmp/ssh.yml" --deterministic --format jsonl \
	--interval 50 --db "$tmp/w.db" "$tmp/w.log" > "$tmp/out" 2> "$tmp/err" &
pid=$!
sleep 0.6
line root 1 >> "$tmp/w.log"
sleep 0.4
mv "$tmp/w.log" "$tmp/w.log.1"
line bob 2 >> "$tmp/w.log.1"
line carol 3 > "$tmp/w.log"
sleep 0.6
: > "$tmp/w.log"
sleep 0.3
line dave 4 >> "$tmp/w.log"
sleep 0.6
# the store has the alerts while the watch still runs (live incidents)
# (polled for up to 10 s: a loaded machine may delay the watch's next turn)
tries=0
while :; do
	live=$("$MAMORI_BIN" alerts --db "$tmp/w.db" --format jsonl 2>/dev/null | grep -c '"user":{"name":"' || true)
	[ "$live" -ge 4 ] || [ "$tries" -ge 50 ] && break
	tries=$((tries + 1))
	sleep 0.2
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
users=$(grep -o '"user":{"name":"[a-z]*"' "$tmp/out" | sed 's/.*"name":"//; s/"//' | tr '\n' ' ')
if [ "$users" != "root bob carol dave " ]; then
	echo "FAIL: alerts for users '$users', want 'root bob carol dave'" >&2
	cat "$tmp/err" >&2
	exit 1
fi
if [ "$rc" -ne 1 ]; then
	echo "FAIL: exit status $rc, want 1" >&2
	exit 1
fi
grep -q '4 records, 4 alerts' "$tmp/err" || { echo "FAIL: summary" >&2; cat "$tmp/err" >&2; exit 1; }
if [ "$live" -ne 4 ]; then
	echo "FAIL: $live alerts in the store while the watch ran, want 4" >&2
	exit 1
fi

# An EVTX that appears after the watch started is read whole; a grown copy
# (more records) only adds the new records.
if [ -n "${MAMORI_GEN_DIR:-}" ] && [ -f "$MAMORI_GEN_DIR/evtx/basic.evtx" ]; then
	cat > "$tmp/schtasks.yml" <<'YML'
title: schtasks create (watch test)
id: 0e4b9f3c-5d1a-4c2b-8e7f-6a5b4c3d2e11
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\schtasks.exe'
  condition: selection
level: high
YML
	"$MAMORI_BIN" watch --no-bundled-rules -r "$tmp/schtasks.yml" --deterministic --format jsonl \
		--interval 50 --no-db "$tmp/sec.evtx" > "$tmp/out2" 2> "$tmp/err2" &
	pid=$!
	sleep 0.5
	cp "$MAMORI_GEN_DIR/evtx/basic.evtx" "$tmp/sec.evtx"
	sleep 0.6
	kill -INT "$pid"
	wait "$pid" || true
	n=$(grep -c '"record_id":6' "$tmp/out2" || true)
	if [ "$n" -ne 1 ]; then
		echo "FAIL: EVTX watch raised $n alerts for record 6, want 1" >&2
		cat "$tmp/err2" >&2
		exit 1
	fi
fi
echo "ok: watch followed append, rotation and truncation, and a new EVTX"

#!/bin/sh
# honeypot_limits.sh — connection caps and privileges of `mamori honeypot`:
# with --max-per-ip 5 --max-conns 8, a sixth connection from 127.0.0.1 is
# closed at once and recorded as mamori.session.refused while the first
# five stay served; an IPv6 listener on [::1] answers; run as root, the
# process has dropped to nobody (real, effective and saved ids) and
# refuses --user root. Alerts also reach the SQLite store (--db), where
# `mamori alerts` finds them.
set -u
: "${MAMORI_BIN:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-hplim.XXXXXX")
chmod 1777 "$tmp"
hp_pid=""
cleanup() {
	[ -n "$hp_pid" ] && kill "$hp_pid" 2>/dev/null
	sleep 0.3
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
v6=""
python3 -c 'import socket;s=socket.socket(socket.AF_INET6);s.bind(("::1",0))' 2>/dev/null && v6="--docker [::1]:$port"
"$MAMORI_BIN" honeypot --docker 127.0.0.1:$port $v6 --log "$tmp/records.jsonl" --no-db \
	--format jsonl --max-per-ip 5 --max-conns 8 --duration 60 >/dev/null 2>"$tmp/err.txt" &
hp_pid=$!
for i in $(seq 50); do
	grep -q "docker on" "$tmp/err.txt" 2>/dev/null && break
	sleep 0.1
done
grep -q "docker on" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "honeypot did not start"; }
sleep 0.3

if [ "$(id -u)" = 0 ]; then
	uids=$(awk '/^Uid:/ {print $2, $3, $4}' /proc/$hp_pid/status)
	nobody=$(id -u nobody)
	[ "$uids" = "$nobody $nobody $nobody" ] || fail "not dropped to nobody: Uid $uids"
	"$MAMORI_BIN" honeypot --docker 127.0.0.1:0 --user root --no-db --duration 1 \
		>/dev/null 2>"$tmp/root.txt" && fail "--user root was accepted"
	grep -q "refusing" "$tmp/root.txt" || { cat "$tmp/root.txt"; fail "no refusal message"; }
	echo "privileges: dropped to nobody; --user root refused"
fi

python3 - "$port" "$v6" <<'PY' || fail "limits"
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
time.sleep(0.3)
extra = socket.create_connection(("127.0.0.1", port), timeout=5)
extra.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
try:
    got = extra.recv(100)
except ConnectionResetError:
    got = b""
assert got == b"", got
for s in held:
    s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(4096).startswith(b"HTTP/1.1 200 OK")
print("per-address cap: 5 served, the sixth closed")
if sys.argv[2]:
    s6 = socket.create_connection(("::1", port), timeout=5)
    s6.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s6.recv(4096).startswith(b"HTTP/1.1 200 OK")
    print("IPv6 listener: ok")
PY
kill -TERM "$hp_pid"
wait "$hp_pid"
hp_pid=""
grep -q '"eventid":"mamori.session.refused"' "$tmp/records.jsonl" || fail "no refused record"
grep -q '"reason":"too many connections from this address"' "$tmp/records.jsonl" || fail "refusal reason"
if [ -n "${MAMORI_GEN_DIR:-}" ] && [ -f "$MAMORI_GEN_DIR/honeypot/attacks.jsonl" ]; then
	"$MAMORI_BIN" honeypot --replay "$MAMORI_GEN_DIR/honeypot/attacks.jsonl" --db "$tmp/store.db" \
		--format jsonl >"$tmp/replay.jsonl" 2>/dev/null
	"$MAMORI_BIN" alerts --db "$tmp/store.db" --engine honeypot --format jsonl >"$tmp/stored.jsonl" ||
		fail "mamori alerts"
	n_out=$(grep -c '"module":"honeypot"' "$tmp/replay.jsonl")
	n_db=$(grep -c . "$tmp/stored.jsonl")
	[ "$n_out" -gt 0 ] && [ "$n_out" = "$n_db" ] || fail "store: $n_db alerts stored, $n_out emitted"
	grep -q '"mamori.honeypot.docker.create-hostmount"' "$tmp/stored.jsonl" || fail "store: no hostmount alert"
	"$MAMORI_BIN" alerts --db "$tmp/store.db" --engine files --format jsonl |
		grep -q '"mamori.files.miner.cmdline"' || fail "store: no file engine alert on a decoded payload"
	echo "store: $n_db alerts stored and listed"
fi
echo "honeypot_limits: ok"

#!/bin/sh
# net_sniff.sh — `mamori sniff` on the loopback interface: a Docker API
# "container create" with the host root mounted and Privileged, sent to a
# throwaway HTTP server on 127.0.0.1, must be seen live and raise
# mamori.net.docker.container-create. Needs capture rights on lo (root or
# CAP_NET_RAW); skips (exit 0, "SKIP") without them.
set -u
: "${MAMORI_BIN:?}"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-sniff.XXXXXX")
srv_pid=""
sniff_pid=""
cleanup() {
	[ -n "$sniff_pid" ] && kill "$sniff_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$((23000 + $$ % 1000))
# a server that answers every POST with 201 and closes
cat >"$tmp/srv.py" <<PY
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", $port), H).serve_forever()
PY
$py "$tmp/srv.py" &
srv_pid=$!

"$MAMORI_BIN" sniff -i lo -f "tcp port $port" --duration 8 --format jsonl \
	-o "$tmp/alerts.jsonl" --db "$tmp/s.db" 2>"$tmp/err" &
sniff_pid=$!
sleep 2
if ! kill -0 "$sniff_pid" 2>/dev/null; then
	if grep -qi "permission\|operation not permitted\|socket" "$tmp/err"; then
		echo "SKIP: no capture rights on lo: $(cat "$tmp/err")"
		exit 0
	fi
	echo "mamori sniff failed to start:"; cat "$tmp/err"
	exit 1
fi
$py - "$port" <<'PY'
import http.client, json, sys
body = json.dumps({"Image": "alpine", "Cmd": ["sh"],
                   "HostConfig": {"Binds": ["/:/mnt"], "Privileged": True}})
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("POST", "/v1.41/containers/create", body, {"Content-Type": "application/json"})
c.getresponse().read()
c.close()
PY
# the alert is in the store within a second or two while the capture runs
sleep 2.5
live=$("$MAMORI_BIN" alerts --db "$tmp/s.db" --format jsonl 2>/dev/null | grep -c 'docker.container-create' || true)
kill -0 "$sniff_pid" 2>/dev/null || { echo "sniff ended before the store was checked"; exit 1; }
wait "$sniff_pid"
sniff_pid=""
if ! grep -q '"id":"mamori.net.docker.container-create"' "$tmp/alerts.jsonl"; then
	echo "no container-create alert from the live capture:"
	cat "$tmp/alerts.jsonl" "$tmp/err"
	exit 1
fi
if [ "$live" -lt 1 ]; then
	echo "no container-create alert in the store while the capture ran"
	exit 1
fi
echo "ok: $(grep -c container-create "$tmp/alerts.jsonl") live alert(s)"

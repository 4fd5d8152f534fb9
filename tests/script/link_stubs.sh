#!/bin/sh
# link_stubs.sh — the stand-ins of src/link/ in the mamori program.
#
# When the program takes libpcap and GIO from their archives, it carries
# failing stand-ins for libdbus (libpcap's D-Bus capture sources) and
# libmount (GIO's mount list) instead of loading them (CMakeLists.txt,
# mamori_static_deps()): it must then load neither those libraries nor
# what they bring (libsystemd, libselinux, ...), and opening a D-Bus
# capture source must fail with a clear message, not crash or hang. A
# program linked with the shared libraries (libdbus or libgio among its
# shared objects) has nothing to check: SKIP.
set -eu
: "${MAMORI_BIN:?run through ctest}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-stubs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v ldd >/dev/null || { echo "SKIP: no ldd"; exit 0; }
ldd "$MAMORI_BIN" >"$tmp/ldd"
checked=0
if ! grep -q 'libdbus-1\.so' "$tmp/ldd"; then
	if grep -Eq 'libsystemd\.so|libgcrypt\.so' "$tmp/ldd"; then
		echo "FAIL: D-Bus stand-ins linked, but still loads:" >&2
		grep -E 'libsystemd|libgcrypt' "$tmp/ldd" >&2
		exit 1
	fi
	rc=0
	timeout 20 "$MAMORI_BIN" sniff -i dbus-system >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; then
		echo "FAIL: sniff -i dbus-system exited $rc" >&2
		cat "$tmp/err" >&2
		exit 1
	fi
	grep -q 'D-Bus capture is not built into mamori' "$tmp/err" || {
		echo "FAIL: no clear message for a D-Bus source:" >&2
		cat "$tmp/err" >&2
		exit 1
	}
	checked=$((checked + 1))
fi
if ! grep -q 'libgio-2\.0\.so' "$tmp/ldd"; then
	if grep -Eq 'libmount\.so|libblkid\.so|libselinux\.so' "$tmp/ldd"; then
		echo "FAIL: mount stand-ins linked, but still loads:" >&2
		grep -E 'libmount|libblkid|libselinux' "$tmp/ldd" >&2
		exit 1
	fi
	checked=$((checked + 1))
fi
[ "$checked" -gt 0 ] || { echo "SKIP: the program links libdbus and libgio as shared objects"; exit 0; }
echo "link_stubs: ok ($checked checked)"

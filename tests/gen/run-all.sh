#!/bin/sh
# run-all.sh OUTDIR BINDIR — makes every generated test fixture.
#
# Each generator owns one folder OUTDIR/<name>/ and is called with that
# folder as its only argument:
#   tests/gen/gen_<name>.py   python3 scripts (scapy for pcaps, etc.)
#   tests/gen/gen_<name>.sh   shell scripts
#   BINDIR/gen_<name>         C generators built from tests/gen/gen_<name>.c
# A generator that fails fails the whole run (and so every test).
set -eu
out=$1
bin=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
# Debian's python3 sees Debian's python3-scapy/-yaml; a pyenv shim does not.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
fail=0
for g in "$here"/gen_*.py "$here"/gen_*.sh "$bin"/gen_*; do
	[ -f "$g" ] || continue
	case "$g" in *.c | *.o | *.d) continue ;; esac
	[ -x "$g" ] || case "$g" in *.py | *.sh) ;; *) continue ;; esac
	name=$(basename "$g"); name=${name#gen_}; name=${name%.py}; name=${name%.sh}
	mkdir -p "$out/$name"
	case "$g" in
	*.py) "$py" "$g" "$out/$name" ;;
	*.sh) sh "$g" "$out/$name" ;;
	*) "$g" "$out/$name" ;;
	esac || { echo "generator $g failed" >&2; fail=1; }
done
exit $fail

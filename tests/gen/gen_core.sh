#!/bin/sh
# gen_core.sh OUTDIR — evidence trees for the pipeline's own tests (e2e
# core-* cases, tests/script/*.sh, the demo). Everything is made here from
# benign bytes; nothing is copied. Git cannot hold FIFOs, dangling links or
# invalid UTF-8 names reliably, which is why these trees are generated.
#
#   tree/        text files, empty files, a nested folder, a FIFO, a
#                dangling symlink, a symlink to a file, a symlink to its
#                own folder, a name with invalid UTF-8, an excluded folder
#   empty-tree/  only 0-byte files (a scan of it examines all, finds none)
set -eu
out=$1
rm -rf "$out/tree" "$out/empty-tree"
mkdir -p "$out/tree/b" "$out/tree/skipdir" "$out/empty-tree/sub"

printf 'hello, this is an ordinary text file\n' >"$out/tree/a.txt"
printf 'line one\nline two\n' >"$out/tree/b/c.log"
: >"$out/tree/b/empty"
: >"$out/tree/empty0"
printf 'kept out by --exclude skipdir\n' >"$out/tree/skipdir/inside.txt"
printf 'a name that is not UTF-8\n' >"$out/tree/$(printf 'bad\377\376name.txt')"
mkfifo "$out/tree/fifo"
ln -s /nonexistent/mamori-dangling-target "$out/tree/dangling"
ln -s a.txt "$out/tree/link-to-a"
ln -s .. "$out/tree/b/up"

: >"$out/empty-tree/e1"
: >"$out/empty-tree/sub/e2"

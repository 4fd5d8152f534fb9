#!/bin/sh
# alert_schema.sh — real output validates against docs/alert.schema.json.
#
# Scans every generated fixture ($MAMORI_GEN_DIR: the evidence of all
# engines' tests, plus the core trees with a FIFO, a dangling link and an
# invalid UTF-8 name) twice — deterministic, and normal (with
# event.ingested and host.name) — and validates every JSON line with
# python3-jsonschema (draft 2020-12). Also checks that the key order of
# alerts is the documented one. Fails if nothing at all was written.
set -eu
: "${MAMORI_BIN:?run through ctest}"
: "${MAMORI_GEN_DIR:?run through ctest}"
: "${MAMORI_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-schema.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

timeout 300 "$MAMORI_BIN" scan --no-db --deterministic --format jsonl -q "$MAMORI_GEN_DIR" \
	>"$tmp/det.jsonl" || [ $? -le 2 ]
timeout 300 "$MAMORI_BIN" scan --no-db --format jsonl -q "$MAMORI_GEN_DIR" \
	>"$tmp/live.jsonl" || [ $? -le 2 ]

python3 - "$MAMORI_SOURCE_DIR/docs/alert.schema.json" "$tmp/det.jsonl" "$tmp/live.jsonl" <<'PY'
import json, sys
import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
order = ["@timestamp", "event", "rule", "threat", "mamori", "source", "destination",
         "network", "file", "host", "user", "process", "url", "observer"]
counts = {}
bad = 0
for path in sys.argv[2:]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        rec = json.loads(line)
        kind = rec.get("event", {}).get("kind", "?")
        counts[kind] = counts.get(kind, 0) + 1
        errs = sorted(v.iter_errors(rec), key=lambda e: e.path)
        if errs:
            bad += 1
            print(f"{path}:{n}: {errs[0].message}\n  {line[:300]}", file=sys.stderr)
        if kind == "alert":
            keys = list(rec.keys())
            if keys != sorted(keys, key=order.index):
                bad += 1
                print(f"{path}:{n}: keys out of order: {keys}", file=sys.stderr)
        if "det" in path and kind in ("alert", "skip") and "ingested" in rec["event"]:
            bad += 1
            print(f"{path}:{n}: event.ingested in deterministic output", file=sys.stderr)
print("validated:", counts)
if not counts:
    print("FAIL: no output at all", file=sys.stderr)
    sys.exit(1)
if counts.get("skip", 0) == 0:
    print("FAIL: expected skip records (the FIFO in core/tree)", file=sys.stderr)
    sys.exit(1)
sys.exit(1 if bad else 0)
PY

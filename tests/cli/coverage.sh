#!/usr/bin/env bash
# mdlgate coverage: JSON against state-coverage/schema.json, the summary against
# its definition recomputed from the entries, CSV and table against the JSON,
# --jurisdiction lookups, exit 2 on unknown jurisdictions and broken data, and
# the embedded table working from another directory.
set -u
cd "$(dirname "$0")/../.."
bin=$(pwd)/${BUILD:-build}/mdlgate
root=$(pwd)
[ -x "$bin" ] || { echo "no $bin"; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd / && "$bin" coverage) >"$tmp/all.json" || fail "coverage (json, run from /) exited $?"
"$bin" coverage --format csv >"$tmp/all.csv" || fail "csv exited $?"
"$bin" coverage --format table >"$tmp/all.txt" || fail "table exited $?"
for q in CA US-CA California us-ca; do
    "$bin" coverage --jurisdiction "$q" >"$tmp/one-$q.json" || fail "--jurisdiction $q exited $?"
done

python3 - "$tmp" "$root/state-coverage/schema.json" <<'PY' || exit 1
import csv, json, re, sys
tmp, schema_path = sys.argv[1], sys.argv[2]
schema = json.load(open(schema_path))
KNOWN = {"$schema", "$id", "title", "description", "type", "required", "additionalProperties",
         "properties", "items", "$ref", "$defs", "enum", "pattern", "minLength", "minimum",
         "maximum", "minItems"}
TYPES = {"string": str, "array": list, "object": dict, "null": type(None), "boolean": bool}

def is_type(v, t):
    if t == "integer": return isinstance(v, int) and not isinstance(v, bool)
    if t == "number": return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, TYPES[t])

def check(v, s, path):
    unknown = set(s) - KNOWN
    assert not unknown, f"schema keyword(s) this checker does not implement: {unknown}"
    if "$ref" in s:
        s = schema["$defs"][s["$ref"].split("/")[-1]]
        return check(v, s, path)
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        assert any(is_type(v, t) for t in ts), f"{path}: {v!r} is not {ts}"
    if "enum" in s: assert v in s["enum"], f"{path}: {v!r} not in {s['enum']}"
    if isinstance(v, str):
        if "pattern" in s: assert re.search(s["pattern"], v), f"{path}: {v!r} !~ {s['pattern']}"
        if "minLength" in s: assert len(v) >= s["minLength"], f"{path}: too short"
    if is_type(v, "number"):
        if "minimum" in s: assert v >= s["minimum"], f"{path}: {v} < minimum"
        if "maximum" in s: assert v <= s["maximum"], f"{path}: {v} > maximum"
    if isinstance(v, list):
        assert len(v) >= s.get("minItems", 0), f"{path}: fewer than minItems"
        for i, x in enumerate(v): check(x, s.get("items", {}), f"{path}[{i}]")
    if isinstance(v, dict):
        for k in s.get("required", []): assert k in v, f"{path}: lacks {k}"
        props = s.get("properties", {})
        if s.get("additionalProperties") is False:
            extra = set(v) - set(props)
            assert not extra, f"{path}: unexpected {extra}"
        for k, x in v.items():
            if k in props: check(x, props[k], f"{path}.{k}")

doc = json.load(open(f"{tmp}/all.json"))
check(doc, schema, "$")
# a checker that accepts everything proves nothing: it must reject a broken copy
bad = json.loads(json.dumps(doc)); bad["jurisdictions"][0]["mdl_status"] = "alive"
try: check(bad, schema, "$"); sys.exit("FAIL: the schema check accepted mdl_status 'alive'")
except AssertionError: pass

J, S = doc["jurisdictions"], doc["summary"]
codes = [j["code"] for j in J]
assert len(codes) == 56 == len(set(codes)) == S["jurisdictions"], "56 unique jurisdictions"
total = sum(j["population"] for j in J)
sdc = [j for j in J if j["kind"] in ("state", "district")]
assert total == S["population"] and sum(j["population"] for j in sdc) == S["population_states_and_dc"]
defs = {"live": lambda j: j["mdl_status"] == "live",
        "apple_wallet": lambda j: j["apple_wallet"] == "yes",
        "google_wallet": lambda j: j["google_wallet"] == "yes",
        "tsa_accepted": lambda j: j["tsa_accepted"] == "yes"}
for m in S["measures"]:
    f = defs[m["name"]]
    share = sum(j["population"] for j in J if f(j)) / total
    share_sdc = sum(j["population"] for j in sdc if f(j)) / S["population_states_and_dc"]
    assert abs(m["share"] - share) < 1e-12 and abs(S[m["name"] + "_share"] - share) < 1e-12, m["name"]
    assert abs(m["share_states_and_dc"] - share_sdc) < 1e-12, m["name"]
    assert m["jurisdictions"] == sum(1 for j in J if f(j))
for st, n in S["status_counts"].items():
    assert n == sum(1 for j in J if j["mdl_status"] == st), st

rows = list(csv.DictReader(open(f"{tmp}/all.csv", newline="")))
assert [r["code"] for r in rows] == codes, "CSV rows = JSON entries, same order"
for r, j in zip(rows, J):
    assert int(r["population"]) == j["population"] and r["mdl_status"] == j["mdl_status"], r["code"]
    assert r["sources"].count(" ; ") == len(j["sources"]) - 1, r["code"]

table = open(f"{tmp}/all.txt").read()
assert table.index("US-MP") < table.index("Summary:"), "summary at the bottom"
live = next(m for m in S["measures"] if m["name"] == "live")
assert f"{100 * live['share']:.2f}%" in table.split("Summary:")[1], "table shows the live share"
for c in codes:
    assert re.search(rf"^{c}  ", table, re.M), f"table row {c}"

for q in ["CA", "US-CA", "California", "us-ca"]:
    one = json.load(open(f"{tmp}/one-{q}.json"))
    assert [j["code"] for j in one["jurisdictions"]] == ["US-CA"], q
    assert one["jurisdictions"][0] == J[codes.index("US-CA")] and one["summary"] == S, q
print("json, schema, summary, csv, table, lookups: ok")
PY

# unknown jurisdiction, bad format, stray argument: exit 2, message on stderr, nothing on stdout
for args in "--jurisdiction XX" "--jurisdiction Atlantis --format table" "--format yaml" "extra"; do
    "$bin" coverage $args >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ $rc -eq 2 ] || fail "coverage $args: exit $rc, expected 2"
    [ -s "$tmp/out" ] && fail "coverage $args wrote to stdout"
    [ -s "$tmp/err" ] || fail "coverage $args: no message"
done
"$bin" coverage --jurisdiction Atlantis 2>&1 >/dev/null | grep -q "unknown jurisdiction 'Atlantis'" ||
    fail "unclear message for an unknown jurisdiction"

# --data: the same file gives the same output; a broken copy exits 2 naming its line
"$bin" coverage --data state-coverage/coverage.rec >"$tmp/data.json" || fail "--data exited $?"
cmp -s "$tmp/data.json" "$tmp/all.json" || fail "--data coverage.rec differs from the built-in table"
line=$(grep -n '^mdl_status: live$' state-coverage/coverage.rec | head -1 | cut -d: -f1)
sed "${line}s/live/alive/" state-coverage/coverage.rec >"$tmp/bad.rec"
"$bin" coverage --data "$tmp/bad.rec" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "broken --data: exit $rc, expected 2"
grep -q "bad.rec:$line: mdl_status" "$tmp/err" || fail "broken --data: $(cat "$tmp/err")"
echo "coverage.sh: ok"

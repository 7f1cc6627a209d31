#!/usr/bin/env python3
"""openapi_check.py [--only PREFIX]... [--skip PREFIX]... [--observed-only] SPEC OBSERVATIONS.jsonl

Checks what the server actually answered against web/openapi.yaml:
  - each observed (path, method, status) is documented;
  - its Content-Type matches the documented media type;
  - JSON bodies validate against the documented schema (type, nullable, required,
    properties, items, enum, additionalProperties: false, allOf; $ref resolved);
  - every documented response was observed at least once (so the document cannot
    promise what the tests never saw), except a response marked `x-observed-in: SCRIPT`:
    a state that takes a clock or a fault to reach, observed and checked by that script
    (which passes --observer SCRIPT: then those responses must be observed, even with
    --observed-only).
--only / --skip restrict both checks to the documented paths that start (or do not start)
with PREFIX, so each server test answers for its own part of the document
(server_api.sh --skip /v1/requests, server_requests.sh --only /v1/requests).
--observed-only leaves out the second check, for a test that covers one variant of a part
another test covers whole (server_signed.sh: signed requests).
Prints one line per problem; exit 0 if none, 1 otherwise.
"""
import argparse
import json
import sys

import yaml


def resolve(spec, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def validate(spec, schema, value, where, problems):
    schema = resolve(spec, schema)
    t = schema.get("type")
    if value is None and schema.get("nullable"):
        return
    for sub in schema.get("allOf", []):
        validate(spec, sub, value, where, problems)
    if t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t in TYPES:
        ok = isinstance(value, TYPES[t])
    else:
        ok = True
    if not ok:
        problems.append(f"{where}: expected {t}, got {type(value).__name__}")
        return
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{where}: required member '{name}' missing")
        props = schema.get("properties", {})
        for name, v in value.items():
            if name in props:
                validate(spec, props[name], v, f"{where}.{name}", problems)
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where}: member '{name}' not documented")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            validate(spec, schema["items"], v, f"{where}[{i}]", problems)


def check_one(spec, obs, problems):
    ops = spec["paths"].get(obs["op"], {})
    op = ops.get(obs["method"].lower())
    where = f'{obs["method"]} {obs["op"]} {obs["status"]}'
    if op is None and obs["status"] == 405:
        # a method the path does not have: documented under the operation that lists 405
        for m, o in ops.items():
            if "405" in o.get("responses", {}):
                op, obs = o, dict(obs, method=m.upper())
    if op is None:
        problems.append(f"{where}: operation not documented")
        return None
    resp = op["responses"].get(str(obs["status"]))
    if resp is None:
        problems.append(f"{where}: status not documented")
        return None
    content = resp.get("content", {})
    ctype = obs["content_type"].split(";")[0].strip().lower()
    if not content:
        return (obs["op"], obs["method"].lower(), str(obs["status"]))
    if ctype not in content:
        problems.append(f"{where}: Content-Type {ctype!r}, documented {list(content)}")
        return None
    if ctype == "application/json":
        try:
            body = json.load(open(obs["body"]))
        except (OSError, ValueError) as e:
            problems.append(f"{where}: body is not JSON ({e})")
            return None
        validate(spec, content[ctype].get("schema", {}), body, where, problems)
    return (obs["op"], obs["method"].lower(), str(obs["status"]))


def selected(path, only, skip):
    return (not only or any(path.startswith(p) for p in only)) and \
        not any(path.startswith(p) for p in skip)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--observed-only", action="store_true")
    ap.add_argument("--observer", help="this script: responses marked x-observed-in: it must be seen")
    ap.add_argument("spec")
    ap.add_argument("observations")
    args = ap.parse_args()
    spec = yaml.safe_load(open(args.spec))
    problems, seen = [], set()
    for line in open(args.observations):
        obs = json.loads(line)
        if not selected(obs["op"], args.only, args.skip):
            continue
        key = check_one(spec, obs, problems)
        if key:
            seen.add(key)
    for path, ops in spec["paths"].items():
        if not selected(path, args.only, args.skip):
            continue
        for method, op in ops.items():
            for status, resp in op.get("responses", {}).items():
                if args.observer and resp.get("x-observed-in") == args.observer and \
                        (path, method, str(status)) not in seen:
                    problems.append(f"{method.upper()} {path} {status}: x-observed-in "
                                    f"{args.observer}, never observed there")
        if args.observed_only:
            continue
        for method, op in ops.items():
            for status, resp in op.get("responses", {}).items():
                # x-observed-in: another test script observes this one (say a state that
                # takes a clock or a fault to reach); that script checks it.
                if (path, method, str(status)) not in seen and "x-observed-in" not in resp:
                    problems.append(f"{method.upper()} {path} {status}: documented, never observed")
    for p in problems:
        print(p)
    print(f"openapi_check: {len(seen)} documented responses observed, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# `mdlgate email key`: arguments and stdin (one object per input line, bytes as given,
# bounded lines), the JSON fields, exit status, and the disposable-list warning.
# Exit 0 = pass, 77 = skip (reason on the last line), anything else = fail.
set -u
BUILD=${BUILD:-build}
M=$BUILD/mdlgate
[ -x "$M" ] || { echo "skip: $M not built"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. arguments: the issue's three addresses are one mailbox; exit 0 when all are valid
"$M" email key 'John.Smith+ui@gmail.com' 'johnsmith@googlemail.com' 'j.o.h.n.smith@gmail.com' \
    >"$tmp/args.jsonl" 2>"$tmp/args.err" || fail "exit $? for valid addresses"
python3 - "$tmp/args.jsonl" <<'PY' || fail "argument output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 3, rows
for r in rows:
    for k in ("input", "exact_key", "mailbox_key", "similarity_key", "flags", "provider_class"):
        assert k in r, (k, r)
assert {r["mailbox_key"] for r in rows} == {"johnsmith@gmail.com"}, rows
assert rows[0]["input"] == "John.Smith+ui@gmail.com" and rows[0]["exact_key"] == "John.Smith+ui@gmail.com"
assert set(rows[0]["flags"]) == {"gmail_dots", "plus_tag"}, rows[0]["flags"]
assert rows[1]["flags"] == ["alias_domain"], rows[1]
PY

# 2. stdin: one object per line, in order, bytes kept (CR, spaces, bad UTF-8, NUL, 2 KB line)
{
    printf 'john.smith@outlook.com\r\n'
    printf 'johnsmith@outlook.com\n'
    printf '\n'
    printf '  x@me.com  \n'
    printf 'jo\xffhn@example.com\n'
    printf 'a\0b@example.com\n'
    head -c 2000 /dev/zero | tr '\0' 'a'; printf '@example.com\n'
    printf 'base-kw@yahoo.com\n'
    printf 'x@duck.com'                                  # no final newline
} >"$tmp/in.txt"
"$M" email key <"$tmp/in.txt" >"$tmp/stdin.jsonl" 2>"$tmp/stdin.err"
rc=$?
[ $rc -eq 1 ] || fail "exit $rc with invalid lines (want 1)"
python3 - "$tmp/stdin.jsonl" <<'PY' || fail "stdin output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 9, len(rows)
ob, ob2, empty, me, bad, nul, longl, yahoo, duck = rows
assert ob["input"] == "john.smith@outlook.com\r" and ob["mailbox_key"] == "john.smith@outlook.com", ob
assert ob2["mailbox_key"] == "johnsmith@outlook.com", ob2          # Outlook dots significant
assert "invalid" in empty["flags"] and empty["mailbox_key"] is None, empty
assert me["input"] == "  x@me.com  " and me["mailbox_key"] == "x@icloud.com", me
assert "invalid" in bad["flags"] and bad["input_hex"] == "6a6fff686e406578616d706c652e636f6d", bad
assert bad["input"] == "jo\ufffdhn@example.com", bad
assert "invalid" in nul["flags"] and nul["invalid_reason"] == "control_character", nul
assert longl["invalid_reason"] == "too_long" and longl["input_truncated"] is True, longl["flags"]
assert len(longl["input"]) == 320, len(longl["input"])
assert yahoo["mailbox_key"] == "dea:base@yahoo.com" and yahoo["flags"] == ["yahoo_keyword"], yahoo
assert duck["flags"] == ["relay"] and duck["provider_class"] == "relay", duck
PY

# 3. usage errors exit 2
"$M" email >/dev/null 2>&1; [ $? -eq 2 ] || fail "bare 'email' should exit 2"
"$M" email nosuch x@y.com >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown subcommand should exit 2"
"$M" email --help | grep -q 'mailbox_key' || fail "--help"

# 4. the disposable list: built in (then used), or a clear warning
if grep -q 'warning: built without the disposable-domain list' "$tmp/args.err"; then
    echo "note: built without the disposable-domain list; disposable case not checked"
else
    "$M" email key x@mailinator.com | grep -q '"disposable"' || fail "mailinator.com not disposable"
fi
echo "email_key: ok"

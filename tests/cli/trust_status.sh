#!/usr/bin/env bash
# The status-list part of `mdlgate trust sync`, through the CLI, on a test PKI pinned by a
# temporary manifest (--lists, with a `status_list:` line) and a temporary mirror (--from-dir):
#  - `mdlgate issue status-list` makes a token marking entry 7 revoked; sync reports it
#    "added", the generation holds .status/<16 hex of SHA-256(uri)>.cwt (the mirror's bytes)
#    and index.tsv; `verify --trust-dir` rejects the credential with status index 7
#    (STATUS_REVOKED, exit 1) and accepts the one with index 8 (status_list good);
#  - the same token again: "unchanged";
#  - refused, each with its code, exit 1, and the token in force kept: a flipped byte
#    (COSE_SIGNATURE_INVALID), a token signed by another PKI (CHAIN_UNTRUSTED), an expired
#    token (STATUS_LIST_INVALID), a 1.1 MB file (STATUS_LIST_TOO_LARGE);
#  - missing from the mirror: "unreachable", the token in force kept;
#  - --status-list URI names a list outside the manifests;
#  - `trust list` (text and --json) shows the anchors and the lists in force, and the text
#    report of sync gives the CRL counts and each list's outcome;
#  - a list no longer named is dropped, and then
#    verify under fail-closed gives REVOCATION_UNAVAILABLE;
#  - a status_list line after a root record makes the manifest invalid (exit 2).
# Run by tests/run-tests.sh with BUILD=<build dir>; exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/check_lib.bash"
clean_env
command -v openssl >/dev/null || { echo "skip: openssl missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

TH=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)
URI=https://status.example/lists/1
URI2=https://status.example/lists/2
name_of() { printf '%s' "$1" | sha256sum | cut -c1-16; }
N1=$(name_of "$URI").cwt N2=$(name_of "$URI2").cwt
"$M" issue -q --pki "$tmp/pki" --state CA --transcript-hex "$TH" --status-uri "$URI" \
    --status-idx 7 --out "$tmp/revoked.cbor" || exit 1
"$M" issue -q --pki "$tmp/pki" --transcript-hex "$TH" --status-uri "$URI" --status-idx 8 \
    --out "$tmp/good.cbor" || exit 1
"$M" issue -q --pki "$tmp/other" --transcript-hex "$TH" --out "$tmp/other.cbor" || exit 1
mkdir -p "$tmp/mirror" "$tmp/lists/US-CA"
cp "$tmp/pki/iaca.pem" "$tmp/mirror/T-1.pem"
manifest() { # manifest "status_list lines" "lines after the root"
    { printf 'jurisdiction: US-CA\n%s\n' "$1"; manifest_root T-1 "$tmp/pki/iaca.pem"
      printf '%s\n' "$2"; } >"$tmp/lists/US-CA/manifest"
}
manifest "status_list: $URI" ""
OUT=$tmp/var/trust
sync() { # sync NAME [args]: JSON report in $tmp/NAME.json, exit status in RC
    local n=$1
    shift
    "$M" trust sync --from-dir "$tmp/mirror" --trust-dir "$OUT" --lists "$tmp/lists" --json "$@" \
        >"$tmp/$n.json" 2>"$tmp/$n.err"
    RC=$?
}
list_of() { q "$tmp/$1.json" "' '.join(str(l[k]) for l in j['status_lists'] if l['uri'] == '$2' for k in ('status', 'error', 'kept_previous'))" 2>/dev/null; }
verify() { # verify NAME FILE [args]: "exit status_list first-error"
    "$M" verify "$2" --trust-dir "$OUT" --transcript-hex "$TH" "${@:3}" >"$tmp/$1.verdict"
    echo "$? $(q "$tmp/$1.verdict" "j['documents'][0]['revocation']['status_list'] + ' ' + (j['documents'][0].get('errors') or [{'code': '-'}])[0]['code']" 2>/dev/null)"
}

# --- a fresh list marking entry 7 revoked ---
"$M" issue status-list --pki "$tmp/pki" --uri "$URI" --revoke 7 --out "$tmp/mirror/$N1"; rc=$?
check "issue status-list: exit 0, a token written" \
    '[ $rc = 0 ] && [ -s $tmp/mirror/$N1 ]'
cp "$tmp/mirror/$N1" "$tmp/good.cwt"
sync s1
check "sync: exit 0, the list added ($(list_of s1 "$URI"))" '[ $RC = 0 ] && [ "$(list_of s1 "$URI")" = "added None False" ]'
check "the generation holds .status/$N1 (the mirror's bytes) and its index line" \
    'cmp -s $OUT/.status/$N1 $tmp/mirror/$N1 && grep -q "^$N1	US-CA	$URI	" $OUT/.status/index.tsv'
v=$(verify revoked "$tmp/revoked.cbor")
check "verify: status index 7 is revoked: exit 1, STATUS_REVOKED ($v)" '[ "$v" = "1 revoked STATUS_REVOKED" ]'
v=$(verify good "$tmp/good.cbor")
check "verify: status index 8 is good ($v)" '[ "$v" = "0 good -" ]'
sync s2
check "the same token again: unchanged ($(list_of s2 "$URI"))" '[ $RC = 0 ] && [ "$(list_of s2 "$URI")" = "unchanged None False" ]'

# --- refused tokens: the one in force stays ---
refused() { # refused NAME CODE: the sync refused the list with CODE, kept the old one, exit 1
    local n=$1 code=$2
    sync "$n"
    check "$n: refused with $code, exit 1, the token in force kept ($(list_of "$n" "$URI"))" \
        '[ $RC = 1 ] && [ "$(list_of $n "$URI")" = "refused $code True" ] && cmp -s $OUT/.status/$N1 $tmp/good.cwt'
}
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-5] ^= 1; open(sys.argv[2], "wb").write(b)' \
    "$tmp/good.cwt" "$tmp/mirror/$N1"
refused tampered COSE_SIGNATURE_INVALID
v=$(verify after-tamper "$tmp/revoked.cbor")
check "after the tampered list: still revoked ($v)" '[ "$v" = "1 revoked STATUS_REVOKED" ]'
"$M" issue status-list --pki "$tmp/other" --uri "$URI" --out "$tmp/mirror/$N1" || bad "issue status-list (other)"
refused other-signer CHAIN_UNTRUSTED
"$M" issue status-list --pki "$tmp/pki" --uri "$URI" --at 2020-01-01T00:00:00Z --out "$tmp/mirror/$N1" \
    2>/dev/null || bad "issue status-list (2020)"
refused expired STATUS_LIST_INVALID
head -c 1100000 /dev/zero >"$tmp/mirror/$N1"
refused too-large STATUS_LIST_TOO_LARGE
rm -f "$tmp/mirror/$N1"
sync gone
check "not in the mirror: unreachable, exit 0, the token in force kept ($(list_of gone "$URI"))" \
    '[ $RC = 0 ] && [ "$(list_of gone "$URI")" = "unreachable None True" ] && cmp -s $OUT/.status/$N1 $tmp/good.cwt'
cp "$tmp/good.cwt" "$tmp/mirror/$N1"

# --- --status-list names a list outside the manifests ---
"$M" issue status-list --pki "$tmp/pki" --uri "$URI2" --out "$tmp/mirror/$N2" || bad "issue status-list 2"
sync flag --status-list "$URI2"
check "--status-list: added, no jurisdiction ($(list_of flag "$URI2"))" \
    '[ $RC = 0 ] && [ "$(list_of flag "$URI2")" = "added None False" ] && [ -f $OUT/.status/$N2 ] &&
     [ "$(q $tmp/flag.json "[l[\"jurisdiction\"] for l in j[\"status_lists\"] if l[\"uri\"] == \"$URI2\"][0]")" = None ]'
"$M" trust list --trust-dir "$OUT" --lists "$tmp/lists" --json >"$tmp/list.json"
check "trust list --json: both lists in force, with uri and expiry" \
    '[ "$(q $tmp/list.json "\" \".join(sorted(l[\"uri\"] for l in j[\"status_lists\"] if l[\"expires\"]))")" = "$URI $URI2" ]'
"$M" trust list --trust-dir "$OUT" --lists "$tmp/lists" --at 2099-01-01T00:00:00Z --json >"$tmp/list-late.json"
check "trust list --at 2099: the lists are flagged expired" \
    '[ "$(q $tmp/list-late.json "sum(1 for l in j[\"status_lists\"] if l[\"warning\"])")" = 2 ]'

"$M" trust list --trust-dir "$OUT" --lists "$tmp/lists" >"$tmp/list.txt"
check "trust list (text): a header, the root with its manifest status, both lists with expiry" \
    'grep -q "sha256 (start) *not after *status *vical *subject" $tmp/list.txt &&
     grep -q "  [0-9a-f]\{16\}  .* production no " $tmp/list.txt &&
     grep -q "^  US-CA  *$URI  issued .* expires 20" $tmp/list.txt && grep -q "; 2 status lists$" $tmp/list.txt'
check "trust list --json: each anchor names its manifest root" \
    '[ "$(q $tmp/list.json "j[\"list\"][0][\"root\"]")" = T-1 ]'
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-5] ^= 1; open(sys.argv[2], "wb").write(b)' \
    "$tmp/good.cwt" "$tmp/mirror/$N1"
"$M" trust sync --from-dir "$tmp/mirror" --trust-dir "$OUT" --lists "$tmp/lists" --status-list "$URI2" \
    >"$tmp/sync.txt" 2>&1; rc=$?
check "trust sync (text): exit 1, a CRL line, the refused list with its code and what was kept" \
    '[ $rc = 1 ] && grep -q "^CRLs: 0 fetched" $tmp/sync.txt &&
     grep -q "^  US-CA  *refused  *$URI: COSE_SIGNATURE_INVALID (signature); the token in force was kept" $tmp/sync.txt &&
     grep -q "^  (--status-list) *unchanged  *$URI2, expires 20" $tmp/sync.txt'
cp "$tmp/good.cwt" "$tmp/mirror/$N1"

# --- a list named nowhere is dropped ---
manifest "" ""
sync dropped
check "no status_list line, no flag: nothing synced, .status/$N1 gone" \
    '[ $RC = 0 ] && [ "$(q $tmp/dropped.json "len(j[\"status_lists\"])")" = 0 ] && [ ! -e $OUT/.status/$N1 ]'
v=$(verify closed "$tmp/revoked.cbor" --revocation fail-closed)
check "verify fail-closed without the list: REVOCATION_UNAVAILABLE ($v)" \
    '[ "$v" = "1 unavailable REVOCATION_UNAVAILABLE" ]'

# --- manifest format ---
manifest "" "status_list: $URI"
sync late-line
check "status_list after a root: exit 2, TRUST_MANIFEST_MALFORMED, nothing swapped" \
    '[ $RC = 2 ] && grep -q TRUST_MANIFEST_MALFORMED $tmp/late-line.err && [ ! -e $OUT/.status/$N1 ]'
"$M" trust sync --status-list ftp://x --trust-dir "$OUT" --lists "$tmp/lists" >/dev/null 2>&1; rc=$?
check "--status-list ftp://x: exit 2" '[ $rc = 2 ]'
finish

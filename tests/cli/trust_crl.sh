#!/usr/bin/env bash
# The CRL part of `mdlgate trust sync`, through the CLI, on a test PKI pinned by a temporary
# manifest (--lists) and served from a temporary mirror (--from-dir):
#  - a CRL next to the root in the mirror (made by `mdlgate issue crl`) listing the DS:
#    the report says crl "fetched", the generation holds US-CA/T-1.crl (the CRL's bytes), and
#    `mdlgate verify --trust-dir` rejects the DS with CERT_REVOKED (exit 1);
#  - a fresh CRL listing nothing: fetched, the same presentation is valid with crl "good";
#  - a CRL signed by another IACA: rejected ("kept" with a crl_detail): the CRL in force is
#    carried over (still good);
#  - no CRL in the mirror: "kept" (the previous generation's CRL carried over).
# Run by tests/run-tests.sh with BUILD=<build dir>; exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../support/check_lib.bash"
command -v openssl >/dev/null || { echo "skip: openssl missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

TH=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)
"$M" issue -q --pki "$tmp/pki" --state CA --transcript-hex "$TH" --out "$tmp/good.cbor" || exit 1
"$M" issue -q --pki "$tmp/other" --transcript-hex "$TH" --out "$tmp/other.cbor" || exit 1
mkdir -p "$tmp/mirror" "$tmp/lists/US-CA"
cp "$tmp/pki/iaca.pem" "$tmp/mirror/T-1.pem"
{ echo "jurisdiction: US-CA"; manifest_root T-1 "$tmp/pki/iaca.pem"; } >"$tmp/lists/US-CA/manifest"
OUT=$tmp/var/trust
sync() { "$M" trust sync --from-dir "$tmp/mirror" --trust-dir "$OUT" --lists "$tmp/lists" --json >"$tmp/$1.json"; }
crl_of() { q "$tmp/$1.json" "[r['crl'] for r in j['roots'] if r['root'] == 'T-1'][0]"; }
verify() {
    "$M" verify "$tmp/good.cbor" --trust-dir "$OUT" --transcript-hex "$TH" >"$tmp/$1.verdict"
    echo "$? $(q "$tmp/$1.verdict" "j['documents'][0]['revocation']['crl']") $(q "$tmp/$1.verdict" "(j['documents'][0].get('errors') or [{'code': '-'}])[0]['code']")"
}

# --- a CRL that lists the DS ---
"$M" issue crl --pki "$tmp/pki" --revoke "$tmp/pki/ds.pem" --out "$tmp/mirror/T-1.crl"; rc=$?
check "issue crl: exit 0, a DER CRL naming the DS serial" \
    '[ $rc = 0 ] && openssl crl -inform DER -in $tmp/mirror/T-1.crl -noout -text | grep -qi "$(openssl x509 -in $tmp/pki/ds.pem -noout -serial | cut -d= -f2)"'
sync s1; rc=$?
check "sync: exit 0, crl fetched" '[ $rc = 0 ] && [ "$(crl_of s1)" = fetched ]'
gen=$(q "$tmp/s1.json" "j['generation']")
check "the generation ($gen) holds US-CA/T-1.crl, the mirror's bytes" \
    '[ -n "$gen" ] && [ "$(readlink $OUT)" = "$gen" ] && cmp -s $tmp/var/$gen/US-CA/T-1.crl $tmp/mirror/T-1.crl'
v=$(verify revoked)
check "verify --trust-dir: the listed DS is rejected, CERT_REVOKED ($v)" '[ "$v" = "1 revoked CERT_REVOKED" ]'

# --- a CRL that lists nothing ---
"$M" issue crl --pki "$tmp/pki" --out "$tmp/mirror/T-1.crl" || bad "issue crl (empty)"
sync s2
check "empty CRL: fetched" '[ "$(crl_of s2)" = fetched ]'
v=$(verify clean)
check "empty CRL: the DS is valid, crl good ($v)" '[ "$v" = "0 good -" ]'

# --- a CRL signed by another IACA ---
"$M" issue crl --pki "$tmp/other" --revoke "$tmp/pki/ds.pem" --out "$tmp/mirror/T-1.crl" || bad "issue crl (other)"
sync s3
detail=$(q "$tmp/s3.json" "j['roots'][0]['crl_detail'] or ''")
check "CRL signed by another IACA: rejected, the CRL in force kept ($detail)" \
    '[ "$(crl_of s3)" = kept ] && [ -n "$detail" ]'
v=$(verify forged)
check "the CRL in force is carried over: still valid, crl good ($v)" '[ "$v" = "0 good -" ]'

# --- no CRL in the mirror ---
rm -f "$tmp/mirror/T-1.crl"
sync s4
check "no CRL in the mirror: $(crl_of s4), the previous CRL kept" \
    '[ "$(crl_of s4)" = kept ] && [ -f $OUT/US-CA/T-1.crl ]'

finish

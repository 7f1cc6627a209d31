#!/usr/bin/env bash
# mdlgate issue -> mdlgate verify round trips through the CLI. Run by tests/run-tests.sh with
# BUILD=<build dir>; exit 0 pass, 77 skip (reason on the last line), anything else fail.
#
#  - a PKI generated into a temp dir (and reused on the next call), a valid response verifies
#    (exit 0, "valid": true) at a pinned instant, and fails after the MSO's validUntil;
#  - every --tamper NAME gives exit 1 and its error code in the verdict JSON;
#  - deviceMac with the reader key issue generated, the other curves, --claims JSON,
#    --transcript JSON, --device-auth none;
#  - usage errors (exit 2): no transcript, a partial PKI directory, unknown tamper, a
#    terminal as output (when `script` is available).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../support/check_lib.bash"
clean_env

"$M" issue --help >/dev/null 2>&1 || { echo "skip: mdlgate issue not available"; exit 77; }
"$M" verify --help >/dev/null 2>&1 || { echo "skip: mdlgate verify not available"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

AT=2026-01-01T00:00:00Z
LATER=2026-01-02T00:00:00Z        # inside the 90-day default validity
EXPIRED=2026-06-01T00:00:00Z      # after validUntil (AT + 90 days), DS still valid
# OpenID4VP 1.0 style transcript shape: [null, null, ["OpenID4VPHandover", h'00..00' (32)]]
TH=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)

# issue NAME ARGS... : runs mdlgate issue, expects exit 0 and a non-empty output file NAME.cbor
issue() {
    local name=$1
    shift
    if "$M" issue -q --out "$name.cbor" "$@" 2>"$name.err" && [ -s "$name.cbor" ]; then
        return 0
    fi
    bad "issue $name: $(cat "$name.err")"
    return 1
}

# verify NAME WANT_RC PATTERN ARGS... : mdlgate verify NAME.cbor, expects the exit status and a
# line of the verdict JSON matching PATTERN.
verify() {
    local name=$1 want=$2 pat=$3 rc
    shift 3
    "$M" verify "$@" "$name.cbor" >"$name.json" 2>"$name.verr"
    rc=$?
    if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$name.json"; then
        ok "verify $name (exit $rc, $pat)"
    else
        bad "verify $name: exit $rc (want $want), pattern '$pat': $(head -c 2000 "$name.json") $(cat "$name.verr")"
    fi
}

# ---- a PKI, generated once and reused ------------------------------------------------------
if issue valid --pki pki --transcript-hex "$TH" --at "$AT"; then
    for f in iaca.pem iaca.key.pem ds.pem ds.key.pem device.key.pem; do
        [ -s "pki/$f" ] || bad "pki/$f missing"
    done
    perms=$(stat -c %a pki/ds.key.pem)
    [ "$perms" = 600 ] && ok "private keys are 0600" || bad "pki/ds.key.pem has mode $perms"
    verify valid 0 '"valid": true' --anchor pki/iaca.pem --transcript-hex "$TH" --at "$LATER"
    grep -q '"jurisdiction": "US-CA"' valid.json && ok "jurisdiction US-CA" || bad "jurisdiction"
    grep -q '"family_name": "Doe"' valid.json && ok "standard claims disclosed" || bad "claims"
    cp valid.cbor expired.cbor
    verify expired 1 '"code": "MSO_EXPIRED"' --anchor pki/iaca.pem --transcript-hex "$TH" \
        --at "$EXPIRED"
    cp valid.cbor other-transcript.cbor
    verify other-transcript 1 '"code": "DEVICE_SIGNATURE_INVALID"' --anchor pki/iaca.pem \
        --transcript-hex 83f6f6f6 --at "$LATER"
fi
# The second run reuses the PKI: same IACA, the response still verifies against it.
sum=$(sha256sum pki/iaca.pem)
if issue reuse --pki pki --transcript-hex "$TH" --at "$AT"; then
    [ "$sum" = "$(sha256sum pki/iaca.pem)" ] && ok "PKI reused" || bad "PKI was regenerated"
    verify reuse 0 '"valid": true' --anchor pki/iaca.pem --transcript-hex "$TH" --at "$LATER"
fi

# ---- every tamper flag -> its error code ------------------------------------------------------
while read -r t code policy; do
    [ -n "$t" ] || continue
    issue "t-$t" --pki pki --transcript-hex "$TH" --at "$AT" --tamper "$t" || continue
    verify "t-$t" 1 "\"code\": \"$code\"" --anchor pki/iaca.pem --transcript-hex "$TH" \
        --at "$LATER" --policy "$policy"
done <<'EOF'
digest MSO_DIGEST_MISMATCH strict
issuer-signature COSE_SIGNATURE_INVALID strict
device-signature DEVICE_SIGNATURE_INVALID strict
doctype MSO_DOCTYPE_MISMATCH strict
mso-untagged MSO_NOT_TAGGED strict
duplicate-digest-id MSO_DIGEST_ID_DUPLICATE strict
attached-device-payload DEVICE_AUTH_MALFORMED strict
wrong-transcript DEVICE_SIGNATURE_INVALID strict
drop-device-signed DEVICE_AUTH_MISSING strict
EOF
grep -q '"element": "family_name"' t-digest.json 2>/dev/null && ok "digest tamper names family_name" ||
    bad "digest tamper: element not reported"
cp t-attached-device-payload.cbor lenient.cbor 2>/dev/null &&
    verify lenient 0 '"device_payload_attached"' --anchor pki/iaca.pem --transcript-hex "$TH" \
        --at "$LATER" --policy lenient

# ---- deviceMac (reader key generated into the PKI dir) ----------------------------------------
if issue mac --pki pki --device-auth mac --transcript-hex "$TH" --at "$AT"; then
    [ -s pki/reader.key.pem ] && ok "reader key written" || bad "pki/reader.key.pem missing"
    verify mac 0 '"device_auth": "mac"' --anchor pki/iaca.pem --transcript-hex "$TH" \
        --reader-key pki/reader.key.pem --at "$LATER"
    cp mac.cbor mac-nokey.cbor
    verify mac-nokey 1 '"code": "DEVICE_MAC_NO_READER_KEY"' --anchor pki/iaca.pem \
        --transcript-hex "$TH" --at "$LATER"
fi
if issue mac-tamper --pki pki --device-auth mac --transcript-hex "$TH" --at "$AT" \
        --tamper device-signature; then
    verify mac-tamper 1 '"code": "DEVICE_MAC_INVALID"' --anchor pki/iaca.pem \
        --transcript-hex "$TH" --reader-key pki/reader.key.pem --at "$LATER"
fi

# ---- other curves, another state ------------------------------------------------------------------
for c in P-384 P-521 Ed25519; do
    issue "curve-$c" --pki "pki-$c" --curve "$c" --transcript-hex "$TH" --at "$AT" || continue
    verify "curve-$c" 0 '"valid": true' --anchor "pki-$c/iaca.pem" --transcript-hex "$TH" \
        --at "$LATER"
done
if issue ny --pki pki-ny --state NY --transcript-hex "$TH" --at "$AT"; then
    verify ny 0 '"jurisdiction": "US-NY"' --anchor pki-ny/iaca.pem --transcript-hex "$TH" \
        --at "$LATER"
    # A New York document checked against only the California IACA: untrusted.
    cp ny.cbor ny-wrong-anchor.cbor
    verify ny-wrong-anchor 1 '"valid": false' --anchor pki/iaca.pem --transcript-hex "$TH" \
        --at "$LATER"
fi

# ---- --claims JSON and --transcript JSON ----------------------------------------------------------
cat >input-claims.json <<'EOF'
{"doctype": "org.iso.18013.5.1.mDL",
 "namespaces": {"org.iso.18013.5.1": {
     "family_name": "Müller", "birth_date": {"full-date": "1985-02-28"},
     "issuing_country": "US", "issuing_jurisdiction": "US-CA", "age_over_21": true,
     "portrait": {"bstr": "_9j_4AAQ"},
     "driving_privileges": [{"vehicle_category_code": "B",
                             "issue_date": {"full-date": "2020-01-01"}}]},
   "org.example.extra": {"member_since": {"tdate": "2020-01-01T00:00:00Z"}, "level": 3}},
 "withheld": {"org.iso.18013.5.1": {"sex": 1}}}
EOF
cat >transcript.json <<'EOF'
{"profile": "openid4vp-1.0", "client_id": "x509_san_dns:rp.example", "nonce": "n-0S6_WzA2Mj",
 "response_uri": "https://rp.example/response"}
EOF
if issue claims --pki pki --claims input-claims.json --transcript transcript.json --at "$AT"; then
    verify claims 0 '"family_name": "Müller"' --anchor pki/iaca.pem --transcript transcript.json \
        --at "$LATER"
    grep -q '"member_since": "2020-01-01T00:00:00Z"' claims.json && ok "typed claims" ||
        bad "typed claims: $(cat claims.json)"
    grep -q '"sex"' claims.json && bad "withheld element disclosed" || ok "withheld not disclosed"
fi

# ---- --device-auth none ------------------------------------------------------------------------
if issue none --pki pki --device-auth none --at "$AT"; then
    verify none 0 '"valid": true' --anchor pki/iaca.pem --allow-no-device-auth --at "$LATER"
fi

# ---- usage errors (exit 2, nothing written) -----------------------------------------------------
usage() {
    local name=$1 rc
    shift
    "$M" issue --out "u-$name.cbor" "$@" >/dev/null 2>"u-$name.err"
    rc=$?
    if [ "$rc" -eq 2 ] && [ ! -s "u-$name.cbor" ]; then
        ok "usage $name: $(head -1 "u-$name.err")"
    else
        bad "usage $name: exit $rc (want 2)"
    fi
}
usage no-transcript --pki pki
usage unknown-tamper --pki pki --transcript-hex "$TH" --tamper nonsense
usage bad-transcript --pki pki --transcript-hex a0
usage bad-curve --curve P-192 --transcript-hex "$TH"
mkdir partial && cp pki/iaca.pem partial/
usage partial-pki --pki partial --transcript-hex "$TH"
[ ! -e partial/ds.pem ] && ok "partial PKI left alone" || bad "partial PKI was written to"
usage tamper-nothing --pki pki --device-auth none --tamper device-signature
if command -v script >/dev/null 2>&1; then
    script -eqc "\"$M\" issue --pki pki --transcript-hex $TH" /dev/null >tty.out 2>&1
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'terminal' tty.out && ok "refuses a terminal" ||
        bad "terminal output: exit $rc: $(head -c 300 tty.out)"
fi

# Ephemeral keys: works, warns on stderr.
"$M" issue --transcript-hex "$TH" --out eph.cbor 2>eph.err
rc=$?
[ "$rc" -eq 0 ] && [ -s eph.cbor ] && grep -q 'ephemeral' eph.err && ok "ephemeral PKI warns" ||
    bad "ephemeral: exit $rc: $(cat eph.err)"

finish

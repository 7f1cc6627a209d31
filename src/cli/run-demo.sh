#!/usr/bin/env bash
# src/cli/run-demo.sh BUILD_DIR - what `make run` does.
#
# First start (no DATA_DIR/config.json): creates a demo configuration in DATA_DIR
# (MDLGATE_DATA_DIR, default ./var):
#   demo/pki/    a test PKI for the test jurisdiction "ZZ" (ISO 3166 user-assigned code):
#                IACA, Document Signer and device key, made by `mdlgate issue --pki`
#   demo/reader/ a demo reader CA and reader-auth certificate (EKU 1.0.18013.5.1.6,
#                DNS:localhost), made by `mdlgate issue reader`: requests are signed
#                (org-iso-mdoc readerAuth, openid4vp-v1-signed, signed redirect requests)
#   config.json  that IACA as the only trust anchor, the reader key and certificate, and the
#                SHA-256 of a new random API key (the key itself is printed once and stored
#                nowhere)
# Every start: makes the demo PKI or reader certificate again when it expires within a day
# (the Document Signer and the reader certificate last 365 days; the IACA 10 years),
# issues a fresh demo presentation (demo/presentation.cbor) with the demo PKI,
# prints the URL and a curl command that verifies it, and runs `mdlgate serve` in the
# foreground (Ctrl-C drains and stops it).
set -eu
B=${1:-build}
M=$B/mdlgate
D=${MDLGATE_DATA_DIR:-./var}
LISTEN=${MDLGATE_LISTEN:-127.0.0.1:8080}
# An OpenID4VP-shaped SessionTranscript: [null, null, ["OpenID4VPHandover", h'00...00']]
T=83f6f682714f70656e494434565048616e646f7665725820$(printf '%064d' 0)

mkdir -p "$D/demo"
chmod 700 "$D"
key=""
if [ ! -f "$D/config.json" ]; then
    "$M" issue -q --pki "$D/demo/pki" --country ZZ --state "" --transcript-hex "$T" \
        --out "$D/demo/presentation.cbor"
    "$M" issue reader --out "$D/demo/reader" --dns localhost
    key=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    hash=$(printf %s "$key" | sha256sum | cut -c1-64)
    umask 077
    cat >"$D/config.json" <<EOF
{
  "anchors": ["demo/pki/iaca.pem"],
  "api_key_sha256": ["$hash"],
  "reader_key_file": "demo/reader/reader-auth.key.pem",
  "reader_cert_file": "demo/reader/reader-auth.pem",
  "cors_origins": ["http://$LISTEN"]
}
EOF
fi
# expiring PEM: the certificate is unreadable or expires within a day
expiring() { ! openssl x509 -checkend 86400 -noout -in "$1" >/dev/null 2>&1; }
if expiring "$D/demo/pki/ds.pem"; then
    echo "mdlgate demo: the demo Document Signer expires within a day: making a new demo PKI"
    rm -rf "$D/demo/pki"
    "$M" issue -q --pki "$D/demo/pki" --country ZZ --state "" --transcript-hex "$T" \
        --out "$D/demo/presentation.cbor"
fi
if [ -f "$D/demo/reader/reader-auth.pem" ] && expiring "$D/demo/reader/reader-auth.pem"; then
    echo "mdlgate demo: the demo reader certificate expires within a day: making a new one"
    "$M" issue reader --out "$D/demo/reader" --dns localhost
fi
"$M" issue -q --pki "$D/demo/pki" --transcript-hex "$T" --out "$D/demo/presentation.cbor"

echo
echo "mdlgate demo - data in $D (delete it to start over)"
if [ -n "$key" ]; then
    echo "  demo API key (printed once, only its SHA-256 is stored): $key"
else
    echo "  API key: the one printed on the first start (delete $D for a new one)"
    key='<your API key>'
fi
echo "  service:  http://$LISTEN/   (API description: http://$LISTEN/openapi.yaml)"
if [ -f "$D/demo/reader/reader-ca.pem" ]; then
    echo "  requests are signed by the demo reader certificate (client_id x509_san_dns:localhost);"
    echo "  wallets check it against $D/demo/reader/reader-ca.pem (mdlgate wallet respond --reader-ca)"
fi
if [ "$key" != '<your API key>' ]; then
    echo "  web page with the key (kept in that tab only): http://$LISTEN/#key=$key"
fi
echo
echo "Verify the demo presentation (a test mDL from jurisdiction ZZ):"
echo
echo "  curl -s -H 'Authorization: Bearer $key' -H 'Content-Type: application/cbor' \\"
echo "       --data-binary @$D/demo/presentation.cbor \\"
echo "       'http://$LISTEN/v1/verify?transcript_hex=$T'"
echo
exec "$M" serve --data-dir "$D" --listen "$LISTEN"

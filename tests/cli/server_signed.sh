#!/usr/bin/env bash
# Signed requests end to end (README "Signed requests"): `mdlgate serve` with a reader key and
# certificate made by `mdlgate issue reader`, `mdlgate wallet respond --reader-ca` as the wallet.
# org-iso-mdoc carries readerAuth, openid4vp-v1-signed and the redirect flow a signed request
# object (x509_san_dns: / x509_hash: client_id, expected_origins); the wallet checks them,
# answers, and the answers verify. A changed signature, request object or origin, another
# reader CA, and a certificate without the reader EKU are refused; the signed redirect request
# is also fetched by reference (request_uri) and answered; unsigned stays the default
# without a reader key; every answer is checked against web/openapi.yaml.
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
python3 -c 'import yaml' 2>/dev/null || { echo "skip: python3-yaml not installed"; exit 77; }

ORIGIN=https://app.example
issue good || exit 1       # the test PKI (issuer) in $TMP/pki
"$M" issue reader --out "$TMP/rd" --dns rp.example 2>"$TMP/rd.err" || bad "issue reader: $(cat "$TMP/rd.err")"
"$M" issue reader --out "$TMP/rd2" --dns rp.example 2>/dev/null || bad "issue reader (another CA)"
check "issue reader: a reader CA and a reader-auth certificate (EKU 1.0.18013.5.1.6, DNS:rp.example)" \
    'openssl x509 -in $TMP/rd/reader-auth.pem -noout -text 2>/dev/null | grep -q "1.0.18013.5.1.6" && openssl x509 -in $TMP/rd/reader-auth.pem -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:rp.example"'
mkdir -p "$TMP/conf"
cp "$TMP/pki/iaca.pem" "$TMP/conf/iaca.pem"
cat >"$TMP/conf/config.json" <<JSON
{"anchors": ["iaca.pem"], "public_url": "https://rp.example",
 "reader_key_file": "$TMP/rd/reader-auth.key.pem", "reader_cert_file": "$TMP/rd/reader-auth.pem"}
JSON
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
start_server signed --config "$TMP/conf/config.json" || finish
SIGNED=$PID
AUTH=(-H "Authorization: Bearer $KEY")
JSONH=(-H "Content-Type: application/json")
RESP_OP=/v1/requests/{id}/response

# create NAME [PROTOCOLS-JSON]: POST /v1/requests -> $TMP/NAME.body
create() {
    local body="{\"origin\": \"$ORIGIN\""
    [ -n "${2:-}" ] && body="$body, \"protocols\": $2"
    req "$1" /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "$body}"
    [ "$STATUS" = 201 ] || bad "create $1: $STATUS $(cat "$TMP/$1.body")"
}
# wallet NAME REQUEST PROTOCOL [args]: the wallet's answer -> $TMP/NAME.ans; WRC its exit status
wallet() {
    local name=$1 request=$2 proto=$3
    shift 3
    "$M" wallet respond --request "$TMP/$request.body" --pki "$TMP/pki" --protocol "$proto" \
        --origin "$ORIGIN" --reader-ca "$TMP/rd/reader-ca.pem" "$@" >"$TMP/$name.ans" 2>"$TMP/$name.err"
    WRC=$?
}
# post NAME REQUEST PROTOCOL: POSTs $TMP/NAME.ans to REQUEST's response URL
post() {
    local h=("${JSONH[@]}")
    [ "$3" = openid4vp-v1-redirect ] && h=(-H "Content-Type: application/x-www-form-urlencoded")
    req "$1-post" "$RESP_OP" POST "$(json_get "$TMP/$2.body" 'j["response_url"]')" "${h[@]}" --data-binary "@$TMP/$1.ans"
}
valid() { [ "$STATUS" = 200 ] && [ "$(json_get "$TMP/$1-post.body" 'j["valid"]')" = True ]; }

# --- defaults with a reader key: openid4vp-v1-signed and org-iso-mdoc with readerAuth ---
create def
check "default protocols with a reader key: openid4vp-v1-signed, org-iso-mdoc" '[ "$(json_get $TMP/def.body "[r[\"protocol\"] for r in j[\"digital\"][\"requests\"]]")" = "['"'"'openid4vp-v1-signed'"'"', '"'"'org-iso-mdoc'"'"']" ]'
python3 - "$TMP/def.body" >"$TMP/def.jws.txt" <<'PY'
import base64, json, sys
j = json.load(open(sys.argv[1]))
jws = j["digital"]["requests"][0]["data"]["request"]
dec = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
h, p = (dec(x) for x in jws.split(".")[:2])
print(h["alg"], h["typ"], len(h["x5c"]), p["client_id"], p["expected_origins"], p["response_mode"],
      "nonce" in p, "dcql_query" in p, sorted(j["digital"]["requests"][0]["data"]))
PY
check "the signed request object: ES256, oauth-authz-req+jwt, x5c, x509_san_dns client_id, expected_origins, data only {request}" \
    '[ "$(cat $TMP/def.jws.txt)" = "ES256 oauth-authz-req+jwt 1 x509_san_dns:rp.example ['"'"'$ORIGIN'"'"'] dc_api.jwt True True ['"'"'request'"'"']" ]'

for P in openid4vp-v1-signed org-iso-mdoc openid4vp-v1-redirect; do
    p=${P//-/_}
    create "$p" "[\"$P\"]"
    wallet "$p-ok" "$p" "$P"
    check "$P: the wallet checks the signature and answers" '[ $WRC = 0 ]'
    [ $WRC = 0 ] || cat "$TMP/$p-ok.err"
    post "$p-ok" "$p" "$P"
    check "$P: the answer verifies (200 valid)" 'valid $p-ok'
done
check "org-iso-mdoc: the wallet reports the verified readerAuth and the reader's name" 'grep -q "readerAuth verified (reader rp.example)" $TMP/org_iso_mdoc-ok.err'
check "redirect: the URL carries client_id x509_san_dns:rp.example and the request object" \
    '[ "$(json_get $TMP/openid4vp_v1_redirect.body "(j[\"redirect\"][\"client_id\"], j[\"redirect\"][\"url\"].count(\"&request=ey\"), \"request_object\" in j[\"redirect\"])")" = "('"'"'x509_san_dns:rp.example'"'"', 1, True)" ]'

# --- what the wallet refuses ---
wallet annexc-origin org_iso_mdoc org-iso-mdoc --origin https://evil.example
check "org-iso-mdoc: readerAuth made for another origin -> refused (READER_AUTH_INVALID)" '[ $WRC = 2 ] && grep -q READER_AUTH_INVALID $TMP/annexc-origin.err'
python3 - "$TMP/org_iso_mdoc.body" "$TMP/annexc-sig.body" <<'PY'
import base64, json, sys
j = json.load(open(sys.argv[1]))
d = j["digital"]["requests"][0]["data"]
raw = bytearray(base64.urlsafe_b64decode(d["deviceRequest"] + "=" * (-len(d["deviceRequest"]) % 4)))
raw[-1] ^= 1                                  # the last signature byte
d["deviceRequest"] = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
json.dump(j, open(sys.argv[2], "w"))
PY
wallet annexc-sig annexc-sig org-iso-mdoc
check "org-iso-mdoc: a changed readerAuth signature byte -> refused" '[ $WRC = 2 ] && grep -q READER_AUTH_INVALID $TMP/annexc-sig.err'
wallet annexc-ca org_iso_mdoc org-iso-mdoc --reader-ca "$TMP/rd2/reader-ca.pem"
check "org-iso-mdoc: a reader CA the wallet does not trust -> refused (READER_CERT_INVALID)" '[ $WRC = 2 ] && grep -q READER_CERT_INVALID $TMP/annexc-ca.err'
wallet signed-origin openid4vp_v1_signed openid4vp-v1-signed --origin https://evil.example
check "openid4vp-v1-signed: an origin not in expected_origins -> refused" '[ $WRC = 2 ] && grep -q "expected_origins" $TMP/signed-origin.err'
python3 - "$TMP/openid4vp_v1_signed.body" "$TMP/signed-nonce.body" <<'PY'
import base64, json, sys
j = json.load(open(sys.argv[1]))
d = j["digital"]["requests"][0]["data"]
h, p, s = d["request"].split(".")
pl = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
pl["nonce"] = "chosen-by-an-attacker"
p = base64.urlsafe_b64encode(json.dumps(pl).encode()).decode().rstrip("=")
d["request"] = ".".join([h, p, s])
json.dump(j, open(sys.argv[2], "w"))
PY
wallet signed-nonce signed-nonce openid4vp-v1-signed
check "openid4vp-v1-signed: a changed request object payload -> refused (REQUEST_OBJECT_INVALID)" '[ $WRC = 2 ] && grep -q REQUEST_OBJECT_INVALID $TMP/signed-nonce.err'
python3 - "$TMP/openid4vp_v1_redirect.body" "$TMP/redirect-sig.body" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
r = j["redirect"]["request_object"]
j["redirect"]["request_object"] = r[:-2] + ("AA" if r[-2:] != "AA" else "BB")
json.dump(j, open(sys.argv[2], "w"))
PY
wallet redirect-sig redirect-sig openid4vp-v1-redirect
check "openid4vp-v1-redirect: a changed request object signature -> refused" '[ $WRC = 2 ] && grep -q REQUEST_OBJECT_INVALID $TMP/redirect-sig.err'
python3 - "$TMP/openid4vp_v1_redirect.body" "$TMP/redirect-uri.body" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["redirect"]["response_uri"] = "https://evil.example/collect"
json.dump(j, open(sys.argv[2], "w"))
PY
wallet redirect-uri redirect-uri openid4vp-v1-redirect
check "openid4vp-v1-redirect: a response_uri other than the signed one -> refused" '[ $WRC = 2 ] && grep -q REQUEST_OBJECT_INVALID $TMP/redirect-uri.err'

# --- the signed redirect request by reference: request_uri (OpenID4VP 1.0 §5.10) ---
RO_OP=/v1/requests/{id}/request-object
create byref '["openid4vp-v1-redirect"]'
BID=$(json_get "$TMP/byref.body" 'j["id"]')
check "a signed redirect request carries request_uri (under public_url) and url_by_reference" \
    '[ "$(json_get $TMP/byref.body "j[\"redirect\"][\"request_uri\"]")" = "https://rp.example/v1/requests/$BID/request-object" ] && [ "$(json_get $TMP/byref.body "j[\"redirect\"][\"url_by_reference\"]")" = "openid4vp://?client_id=x509_san_dns%3Arp.example&request_uri=https%3A%2F%2Frp.example%2Fv1%2Frequests%2F$BID%2Frequest-object" ]'
req ro "$RO_OP" GET "/v1/requests/$BID/request-object"
check "GET request_uri without an API key: 200 application/oauth-authz-req+jwt" \
    '[ "$STATUS" = 200 ] && [ "$CTYPE" = application/oauth-authz-req+jwt ]'
python3 - "$TMP/byref.body" "$TMP/ro.body" "$TMP/byref-fetched.body" >"$TMP/ro.cmp" <<'PY'
import base64, json, sys
j = json.load(open(sys.argv[1]))
fetched = open(sys.argv[2]).read()
dec = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
a, b = j["redirect"]["request_object"].split("."), fetched.split(".")
print(dec(a[0]) == dec(b[0]), dec(a[1]) == dec(b[1]), a[2] != b[2])
j["redirect"]["request_object"] = fetched   # the wallet answers what it fetched
json.dump(j, open(sys.argv[3], "w"))
PY
check "... its header and payload are those of redirect.request_object (signed again)" '[ "$(cat $TMP/ro.cmp)" = "True True True" ]'
wallet byref-ok byref-fetched openid4vp-v1-redirect
post byref-ok byref openid4vp-v1-redirect
check "... the wallet checks the fetched object and its answer verifies (200 valid)" '[ $WRC = 0 ] && valid byref-ok'
req ro-used "$RO_OP" GET "/v1/requests/$BID/request-object"
check "... once answered: 409 STORE_CONFLICT" '[ "$STATUS" = 409 ] && grep -q STORE_CONFLICT $TMP/ro-used.body'
req ro-none "$RO_OP" GET "/v1/requests/$(json_get $TMP/def.body 'j["id"]')/request-object"
check "a request without the redirect flow has no request object: 404" '[ "$STATUS" = 404 ]'
req ro-unknown "$RO_OP" GET "/v1/requests/nosuchrequest/request-object"
check "an unknown id: 404" '[ "$STATUS" = 404 ]'
req short /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d '{"protocols": ["openid4vp-v1-redirect"], "expires_in": 1}'
SID=$(json_get "$TMP/short.body" 'j["id"]')
gone() { req ro-probe "" GET "/v1/requests/$SID/request-object"; [ "$STATUS" = 410 ]; }
wait_for 10 gone
req ro-late "$RO_OP" GET "/v1/requests/$SID/request-object"
check "... after expires_in: 410 STORE_EXPIRED" '[ "$STATUS" = 410 ] && grep -q STORE_EXPIRED $TMP/ro-late.body'

req cid /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d '{"protocols": ["openid4vp-v1-redirect"], "client_id": "redirect_uri:https://other.example/cb"}'
check "with a reader key, another client_id for the redirect flow -> 400 REQUEST_INVALID" '[ "$STATUS" = 400 ] && grep -q REQUEST_INVALID $TMP/cid.body'
stop_server "$SIGNED"

# --- x509_hash: client_id, and the redirect response_uri on another host ---
cat >"$TMP/conf/hash.json" <<JSON
{"anchors": ["iaca.pem"], "reader_client_id_prefix": "x509_hash",
 "reader_key_file": "$TMP/rd/reader-auth.key.pem", "reader_cert_file": "$TMP/rd/reader-auth.pem"}
JSON
start_server hash --config "$TMP/conf/hash.json" || finish
HASH=$PID
H=$(openssl x509 -in "$TMP/rd/reader-auth.pem" -outform DER 2>/dev/null | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')
for P in openid4vp-v1-signed openid4vp-v1-redirect; do
    p=h_${P//-/_}
    create "$p" "[\"$P\"]"
    wallet "$p-ok" "$p" "$P"
    post "$p-ok" "$p" "$P"
    check "x509_hash: $P answered and valid" '[ $WRC = 0 ] && valid $p-ok'
done
check "x509_hash: the redirect client_id is x509_hash:<SHA-256 of the certificate>" '[ "$(json_get $TMP/h_openid4vp_v1_redirect.body "j[\"redirect\"][\"client_id\"]")" = "x509_hash:$H" ]'
stop_server "$HASH"

# --- a certificate without the reader EKU: serve refuses to start; no key: unsigned ---
cat >"$TMP/conf/ds.json" <<JSON
{"anchors": ["iaca.pem"], "reader_key_file": "$TMP/pki/ds.key.pem", "reader_cert_file": "$TMP/pki/ds.pem"}
JSON
mkdir -p "$TMP/var-dscert"
MDLGATE_DATA_DIR="$TMP/var-dscert" timeout 20 "$M" serve --listen 127.0.0.1:0 --config "$TMP/conf/ds.json" >/dev/null 2>"$TMP/dscert.err"
rc=$?
check "serve refuses a reader certificate without EKU 1.0.18013.5.1.6 (exit 2, READER_CERT_INVALID)" '[ $rc = 2 ] && grep -q READER_CERT_INVALID $TMP/dscert.err'
start_server plain --anchor "$TMP/pki/iaca.pem" || finish
create plain
check "without a reader key: openid4vp-v1-unsigned and org-iso-mdoc, no readerAuth" '[ "$(json_get $TMP/plain.body "[r[\"protocol\"] for r in j[\"digital\"][\"requests\"]]")" = "['"'"'openid4vp-v1-unsigned'"'"', '"'"'org-iso-mdoc'"'"']" ]'
wallet plain-ok plain org-iso-mdoc
check "... the wallet answers the unsigned deviceRequest" '[ $WRC = 0 ] && ! grep -q readerAuth $TMP/plain-ok.err'
req nosig /v1/requests POST /v1/requests "${AUTH[@]}" "${JSONH[@]}" -d "{\"origin\": \"$ORIGIN\", \"protocols\": [\"openid4vp-v1-signed\"]}"
check "without a reader key, openid4vp-v1-signed -> 400 REQUEST_INVALID" '[ "$STATUS" = 400 ] && grep -q reader_key_file $TMP/nosig.body'
stop_server "$PID"

python3 "$ROOT/tests/support/openapi_check.py" --only /v1/requests --observed-only \
    --observer tests/cli/server_signed.sh "$ROOT/web/openapi.yaml" "$TMP/observations.jsonl" >"$TMP/oa.txt" 2>&1
rc=$?
cat "$TMP/oa.txt"
check "responses match web/openapi.yaml" '[ $rc = 0 ]'
finish

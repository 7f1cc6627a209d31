#!/usr/bin/env bash
# mdlgate serve applies its revocation policy (README "Revocation") to POST /v1/verify:
#  - config "revocation": "fail-closed" and no CRL for the IACA: the verdict is invalid with
#    REVOCATION_UNAVAILABLE and revocation.policy "fail-closed";
#  - the config switched to "fail-open" + SIGHUP: valid, revocation.policy "fail-open";
#  - MDLGATE_REVOCATION=fail-closed overrides the file, --revocation overrides both;
#  - bad values in the file, the environment or on the command line stop `serve --check` (2).
# Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }

issue good || exit 1
mkdir -p "$TMP/conf"
cp "$TMP/pki/iaca.pem" "$TMP/conf/iaca.pem"
conf() { printf '{"anchors": ["iaca.pem"], "revocation": "%s"}\n' "$1" >"$TMP/conf/config.json"; }
AUTH=(-H "Authorization: Bearer $KEY")
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")

# verdict NAME: POST /v1/verify of good.cbor; prints "valid policy first-error-code"
verdict() {
    req "$1" "" POST "/v1/verify?transcript_hex=$TH" "${AUTH[@]}" -H "Content-Type: application/cbor" \
        --data-binary @"$TMP/good.cbor"
    [ "$STATUS" = 200 ] || { echo "status $STATUS"; return; }
    json_get "$TMP/$1.body" '"%s %s %s" % (j["valid"], j["documents"][0]["revocation"]["policy"], (j["documents"][0].get("errors") or [{"code": "-"}])[0]["code"])'
}

conf fail-closed
start_server main --config "$TMP/conf/config.json" || finish
v=$(verdict closed)
check "fail-closed, no CRL: invalid, REVOCATION_UNAVAILABLE ($v)" '[ "$v" = "False fail-closed REVOCATION_UNAVAILABLE" ]'
check "fail-closed: the verdict says why (no CRL for this IACA)" 'grep -q "no CRL for this IACA" $TMP/closed.body'

conf fail-open
kill -HUP "$PID"
for i in $(seq 100); do grep -q '"event":"reloaded"' "$TMP/main.log" && break; sleep 0.05; done
v=$(verdict open)
check "SIGHUP to fail-open: valid, policy fail-open ($v)" '[ "$v" = "True fail-open -" ]'
check "fail-open: crl unavailable is reported" \
    '[ "$(json_get $TMP/open.body "j[\"documents\"][0][\"revocation\"][\"crl\"]")" = unavailable ]'
stop_server "$PID"

SERVER_ENV=(MDLGATE_API_KEYS="$KEY" MDLGATE_REVOCATION=fail-closed)
start_server env --config "$TMP/conf/config.json" || finish
v=$(verdict env)
check "MDLGATE_REVOCATION=fail-closed over the file's fail-open ($v)" '[ "$v" = "False fail-closed REVOCATION_UNAVAILABLE" ]'
stop_server "$PID"
start_server cli --config "$TMP/conf/config.json" --revocation fail-open || finish
v=$(verdict cli)
check "--revocation fail-open over MDLGATE_REVOCATION ($v)" '[ "$v" = "True fail-open -" ]'
stop_server "$PID"

SERVER_ENV=()
conf maybe
"$M" serve --check --config "$TMP/conf/config.json" >/dev/null 2>"$TMP/bad1.err"; rc=$?
check "config revocation \"maybe\": exit 2, named" '[ $rc = 2 ] && grep -q "revocation: must be fail-open or fail-closed" $TMP/bad1.err'
conf fail-open
MDLGATE_REVOCATION=no "$M" serve --check --config "$TMP/conf/config.json" >/dev/null 2>"$TMP/bad2.err"; rc=$?
check "MDLGATE_REVOCATION=no: exit 2" '[ $rc = 2 ] && grep -q MDLGATE_REVOCATION $TMP/bad2.err'
"$M" serve --check --revocation x >/dev/null 2>"$TMP/bad3.err"; rc=$?
check "--revocation x: exit 2" '[ $rc = 2 ]'
finish

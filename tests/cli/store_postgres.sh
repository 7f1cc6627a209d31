#!/usr/bin/env bash
# store_postgres.sh - two `mdlgate serve` instances share one PostgreSQL request store
# (store_url): a request created on one is read and answered through the other, and it is
# consumed once across both. Needs MDLG_TEST_PG_URL (make test starts a throwaway server).
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${MDLG_TEST_PG_URL:-}" ]; then
    echo "skip: ${MDLG_TEST_PG_SKIP:-MDLG_TEST_PG_URL is not set (make test starts a server)}"
    exit 77
fi
command -v psql >/dev/null || { echo "skip: psql not installed"; exit 77; }
. "$here/../support/server_lib.bash"

schema=mdlg_cli_$$
psql -q "$MDLG_TEST_PG_URL" -c "CREATE SCHEMA $schema" || { echo "cannot create schema"; exit 1; }
drop_schema() { psql -q "$MDLG_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1; }
trap 'cleanup; drop_schema' EXIT
sep='?'; case $MDLG_TEST_PG_URL in *\?*) sep='&' ;; esac
store_url="$MDLG_TEST_PG_URL${sep}options=-csearch_path%3D$schema"

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/store.key"   # one key for both
chmod 600 "$TMP/store.key"
SERVER_ENV=(MDLGATE_STORE_URL="$store_url" MDLGATE_STORE_KEY_FILE="$TMP/store.key"
            MDLGATE_API_KEYS="$KEY")
start_server a || finish
A=$URL
start_server b || finish
B=$URL

auth=(-H "Authorization: Bearer $KEY")
body=$(curl -s "${auth[@]}" -H 'Content-Type: application/json' \
       -d '{"origin":"https://app.example"}' "$A/v1/requests")
jget() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
id=$(printf '%s' "$body" | jget id 2>/dev/null)
check "A creates a request" '[ ${#id} -eq 32 ]'
check "the request is in PostgreSQL" \
    '[ "$(psql -tA "$MDLG_TEST_PG_URL" -c "SELECT state FROM $schema.requests WHERE id = '"'"'$id'"'"'")" = 0 ]'
check "the SQLite file was not used" '[ ! -e "$TMP/var-a/mdlgate.db" ]'
st=$(curl -s "${auth[@]}" "$B/v1/requests/$id")
check "B reads it as pending" '[ "$(printf "%s" "$st" | jget state)" = pending ]'
code_b=$(curl -s -o "$TMP/b.json" -w '%{http_code}' -H 'Content-Type: application/json' \
         -d '{"protocol":"openid4vp-v1-unsigned","data":{"response":"x.y.z.w.v"}}' \
         "$B/v1/requests/$id/response")
code_a=$(curl -s -o "$TMP/a.json" -w '%{http_code}' -H 'Content-Type: application/json' \
         -d '{"protocol":"openid4vp-v1-unsigned","data":{"response":"x.y.z.w.v"}}' \
         "$A/v1/requests/$id/response")
check "B's answer uses the request up (got $code_b)" '[ "$code_b" != 409 ] && [ "$code_b" != 404 ]'
check "A then refuses a second answer with 409 (got $code_a)" '[ "$code_a" = 409 ]'
st=$(curl -s "${auth[@]}" "$A/v1/requests/$id")
check "A reads it as completed" '[ "$(printf "%s" "$st" | jget state)" = completed ]'
n=$(psql -tA "$MDLG_TEST_PG_URL" -c "SELECT count(*) - count(DISTINCT version) FROM $schema.mdlg_migrations")
check "each migration recorded once for both instances" '[ "$n" = 0 ]'
finish

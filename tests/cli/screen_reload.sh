#!/usr/bin/env bash
# SIGHUP reloads the screening configuration of `mdlgate serve` atomically (weights, thresholds,
# ledger keys): a new weight scores the next claim; a screening whose request started before the
# reload (its body still uploading) finishes on the old configuration; a broken configuration
# (bad JSON, a weight out of range, a changed ledger) is refused with reload_failed in the log and
# the old one stays in force (metrics count the failure); a rotated key list (new key first) keeps
# counting the earlier claims and writes under the new key. Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"

AUTH=(-H "Authorization: Bearer $KEY")
JSONH=(-H "Content-Type: application/json")
C=$TMP/conf
mkdir -p "$C"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$C/k1.key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$C/k2.key"
# conf WEIGHT [KEYS]: the screening configuration, device_fanout weighing WEIGHT
K1='[{"id": 1, "file": "k1.key"}]'
conf() {
    printf '{"ledger": "ledger.db", "keys": %s, "review_threshold": 50,
 "signals": {"device_fanout": {"weight": %s, "threshold": 2, "hard": false}}}\n' \
        "${2:-$K1}" "$1" >"$C/screening.json.new"
    mv "$C/screening.json.new" "$C/screening.json"
}
conf 20
SERVER_ENV=(MDLGATE_API_KEYS="$KEY" MDLGATE_SCREENING_CONFIG="$C/screening.json")
start_server main || finish

N=0
# claim: a new claimant on the shared device -> $TMP/cN.body; sets R to "weight count key_id"
# of its device_fanout signal (not in a subshell: N must advance)
claim() {
    N=$((N + 1))
    req "c$N" "" POST /v1/screenings "${AUTH[@]}" "${JSONH[@]}" -d "{\"claim_id\": \"c$N\", \
\"given_name\": \"P$N\", \"family_name\": \"Shared\", \"birth_date\": \"1970-01-0$((N % 9 + 1))\", \
\"device_id\": \"dev-reload\"}"
    R=$(json_get "$TMP/c$N.body" '" ".join(str(x) for s in j["signals"] if s["signal"] == "device_fanout" for x in (s["weight"], s["count"])) + " %s" % j["keys"][0]["key_id"]')
}
# hup EVENT: SIGHUP, then wait (bounded) for one more EVENT line in the log
hup() {
    local before i
    before=$(grep -c "\"event\":\"$1\"" "$TMP/main.log")
    kill -HUP "$PID"
    for i in $(seq 100); do
        [ "$(grep -c "\"event\":\"$1\"" "$TMP/main.log")" -gt "$before" ] && return 0
        sleep 0.05
    done
    return 1
}

claim
claim
check "weight 20: the second claim on the device: device_fanout weighs 20" '[ "$STATUS" = 201 ] && [ "$R" = "20 2 1" ]'

# --- a screening in flight keeps the configuration it started with ---
python3 -c 'import sys; sys.stdout.write("{\"claim_id\": \"slow\", \"given_name\": \"Slow\", \"family_name\": \"Shared\", \"birth_date\": \"1970-02-02\", \"device_id\": \"dev-reload\"" + " " * 30000 + "}")' >"$TMP/slow.json"
curl -s --max-time 30 --limit-rate 10k -o "$TMP/slow.body" "${AUTH[@]}" "${JSONH[@]}" \
    --data-binary "@$TMP/slow.json" "$URL/v1/screenings" &
SLOW=$!
sleep 1
conf 70
hup reloaded
check "SIGHUP with weight 70: reloaded (logged)" '[ $? = 0 ] && grep -q "screening reloaded" "$TMP/main.log"'
claim
check "a claim after the reload: device_fanout weighs 70, recommendation review" '[ "${R%% *}" = 70 ] && [ "$(json_get "$TMP/c$N.body" "j[\"recommendation\"]")" = review ]'
wait "$SLOW"
check "the screening in flight during the reload finished on the old weight (20)" '[ "$(json_get "$TMP/slow.body" "[s[\"weight\"] for s in j[\"signals\"] if s[\"signal\"] == \"device_fanout\"]")" = "[20]" ]'

# --- a bad configuration is refused; the old one stays ---
fails() { curl -s "${AUTH[@]}" "$URL/metrics" | sed -n 's/^mdlgate_config_reloads_total{result="failed"} \([0-9]*\)$/\1/p'; }
f0=$(fails)
echo '{"ledger": "ledger.db", "keys": [' >"$C/screening.json"
hup reload_failed
check "broken JSON: reload_failed in the log, with the reason" '[ $? = 0 ] && tail -1 "$TMP/main.log" | grep -q SCREEN_CONFIG_INVALID'
conf 500
hup reload_failed
check "weight 500: reload_failed" '[ $? = 0 ] && tail -1 "$TMP/main.log" | grep -q "reload_failed"'
printf '{"ledger": "other.db", "keys": [{"id": 1, "file": "k1.key"}]}\n' >"$C/screening.json"
hup reload_failed
check "another ledger: reload_failed, restart needed" '[ $? = 0 ] && tail -1 "$TMP/main.log" | grep -q "cannot change on reload"'
check "the failures are counted in /metrics" '[ "$(fails)" = $((f0 + 3)) ]'
claim
check "the old configuration is still in force (70)" '[ "$STATUS" = 201 ] && [ "${R%% *}" = 70 ]'
check "no key material in the log" '! grep -qF "$(cat "$C/k1.key")" "$TMP/main.log" && ! grep -qF "$(cat "$C/k2.key")" "$TMP/main.log"'

# --- key rotation: the new key first, the old one after it ---
conf 70 '[{"id": 2, "file": "k2.key"}, {"id": 1, "file": "k1.key"}]'
hup reloaded
claim
check "rotated keys: the next claim counts every earlier one ($N with the slow one: $((N + 1))) and is written under key 2" '[ "$R" = "70 $((N + 1)) 2" ]'
stop_server "$PID"
check "SIGTERM: exit 0" '[ "$RC" = 0 ]'
finish

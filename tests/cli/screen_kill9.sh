#!/usr/bin/env bash
# Durability of acknowledged screenings (issue 5): `mdlgate serve` with screening on (SQLite
# ledger) takes a burst of POST /v1/screenings from parallel clients, is killed with SIGKILL in
# the middle of it, and is started again on the same ledger. Every screening that was answered
# 201 must still be readable by its id (GET /v1/screenings/{id}: 200, same claim_id) and counted
# (all claims share one device id, so its cluster must hold at least every acknowledged claim).
#
# What makes it fail: an answer sent before the ledger transaction commits (a write queue or a
# group commit that acknowledges early), a commit that does not reach the file, a restart that
# cannot recover the WAL, or a lost id/claim mapping. The test also checks that it measured
# something: the server really died of SIGKILL while requests were in flight (some acknowledged,
# some cut), and the WAL still held data when it died. Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
command -v xargs >/dev/null || { echo "skip: xargs missing"; exit 77; }

N=${KILL9_CLAIMS:-200}     # claims in the burst
P=8                        # parallel clients
KILL_AFTER=$((N / 4))      # SIGKILL once this many were acknowledged
AUTH="Authorization: Bearer $KEY"
LKEY=3:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$TMP/conf" "$TMP/r"
echo '{"ledger": "ledger.db"}' >"$TMP/conf/screening.json"
SERVER_ENV=(MDLGATE_API_KEYS="$KEY" MDLGATE_LEDGER_KEY="$LKEY"
            MDLGATE_SCREENING_CONFIG="$TMP/conf/screening.json")

# One client request: claim k<i> -> $TMP/r/<i>.body, and "<i> <status>" appended to a line file.
cat >"$TMP/post.sh" <<'SH'
#!/usr/bin/env bash
i=$1
body=$(printf '{"claim_id": "k%s", "given_name": "Burst%s", "family_name": "Kill", "birth_date": "1970-01-01", "device_id": "burst-device-1", "claim_state": "NY"}' "$i" "$(printf '%05d' "$i" | tr 0-9 A-J)")
code=$(curl -s --max-time 20 -o "$DIR/r/$i.body" -w '%{http_code}' -H "$AUTH" \
       -H 'Content-Type: application/json' -d "$body" "$URL/v1/screenings")
echo "$i ${code:-000}" >>"$DIR/status.txt"
SH
chmod +x "$TMP/post.sh"

start_server one || finish
SPID=$PID
: >"$TMP/status.txt"
seq "$N" | env DIR="$TMP" URL="$URL" AUTH="$AUTH" xargs -P "$P" -n 1 "$TMP/post.sh" &
XPID=$!

acked() { grep -c ' 201$' "$TMP/status.txt"; }
for i in $(seq 600); do   # at most 30 s
    [ "$(acked)" -ge "$KILL_AFTER" ] && break
    kill -0 "$XPID" 2>/dev/null || break
    sleep 0.05
done
kill -KILL "$SPID"
{ wait "$SPID"; } 2>/dev/null
krc=$?
ls -l "$TMP/conf/ledger.db-wal" >"$TMP/wal.txt" 2>&1
walsize=$(stat -c %s "$TMP/conf/ledger.db-wal" 2>/dev/null || echo 0)
wait "$XPID"

total=$(wc -l <"$TMP/status.txt")
n201=$(acked)
ncut=$(grep -vc ' 201$' "$TMP/status.txt")
echo "burst: $total answers recorded, $n201 acknowledged (201), $ncut cut or refused"
check "the server died of SIGKILL (status 137)" '[ "$krc" = 137 ]'
check "killed in the middle: at least $KILL_AFTER acknowledged, and some requests cut" '[ "$n201" -ge "$KILL_AFTER" ] && [ "$ncut" -ge 1 ] && [ "$total" = "$N" ]'
check "the WAL held data when the server died (recovery is exercised)" '[ "$walsize" -gt 0 ]'
bad_201=$(grep -vc ' \(201\|000\)$' "$TMP/status.txt")
check "every answer was 201 or no answer (no 5xx before the kill)" '[ "$bad_201" = 0 ]'

# The ids the server acknowledged, with their claim ids ("<id> k<i>" per line).
python3 - "$TMP" >"$TMP/acked.txt" <<'PY'
import json, sys
d = sys.argv[1]
for line in open(d + "/status.txt"):
    i, code = line.split()
    if code == "201":
        try:
            print(json.load(open("%s/r/%s.body" % (d, i))).get("id", "-"), "k" + i)
        except ValueError:
            print("- k" + i)
PY
check "every 201 carried a screening id" '[ "$(grep -c "^[A-Za-z0-9_-]\{22\} k" "$TMP/acked.txt")" = "$n201" ]'

start_server two || finish
# Read every acknowledged screening back (one keep-alive client, bounded by the list).
python3 - "$URL" "$KEY" "$TMP/acked.txt" >"$TMP/lost.txt" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
for line in open(sys.argv[3]):
    sid, cid = line.split()
    c.request("GET", "/v1/screenings/" + sid, headers={"Authorization": "Bearer " + sys.argv[2]})
    r = c.getresponse()
    body = r.read()
    if r.status != 200 or json.loads(body).get("claim_id") != cid:
        print("lost:", cid, sid, r.status)
PY
lost=$(grep -c '^lost:' "$TMP/lost.txt")
head -5 "$TMP/lost.txt"
check "after restart every acknowledged screening is readable, with its claim id ($n201)" '[ "$lost" = 0 ] && [ -s "$TMP/acked.txt" ]'
req g0 "" GET /v1/screenings/AAAAAAAAAAAAAAAAAAAAAA -H "$AUTH"
check "the read-back can fail: an id never acknowledged is 404" '[ "$STATUS" = 404 ]'

req cl "" GET "/v1/clusters?type=device&limit=1" -H "$AUTH"
claims=$(json_get "$TMP/cl.body" 'j["clusters"][0]["claims"]')
echo "device cluster after restart: ${claims:-none} claims (acknowledged $n201, sent $N)"
check "the shared device's cluster counts every acknowledged claim, and no more than were sent" '[ -n "$claims" ] && [ "$claims" -ge "$n201" ] && [ "$claims" -le "$N" ]'

# One more claim on the device: its signal counts the survivors plus itself.
i=$((N + 1))
env DIR="$TMP" URL="$URL" AUTH="$AUTH" "$TMP/post.sh" "$i"
cnt=$(json_get "$TMP/r/$i.body" '[s["count"] for s in j["signals"] if s["signal"] == "device_fanout"][0]')
check "a new claim on the device counts every surviving screening ($claims + 1)" '[ "$cnt" = $((claims + 1)) ]'
stop_server "$PID"
check "SIGTERM after the restart: exit 0" '[ "$RC" = 0 ]'
finish

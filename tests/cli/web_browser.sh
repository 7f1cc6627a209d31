#!/usr/bin/env bash
# Browser tests of the web page (web/) in headless Debian chromium with npm playwright-core
# (tests/web/browser_test.mjs): starts the real `mdlgate serve` on an ephemeral loopback port
# with a temp config (test PKI as the only anchor, web_dir = web/, a random API key), then
#   1. the page loads without console errors; the API key from #key=; no DC API -> a message;
#   2. "verify a file": a valid response (raw CBOR + JSON profile transcript), a tampered one
#      (`mdlgate issue --tamper digest`, base64url text + hex transcript), a wrong transcript
#      (pasted hex), garbage input, a wrong API key;
#   3. the DC API flow end to end, with navigator.credentials.get replaced (in the test only)
#      by the test wallet answering the page's real request - skipped, with the reason printed,
#      while POST /v1/requests or the test wallet is not there;
#   4. the coverage page (coverage.html): the geographic map (GET /us-map.json, when the build
#      has it) with the 56 jurisdictions and the statuses of GET /v1/coverage, each clickable at
#      its label, the legend and population shares, a click on California's shape (live, its
#      fallback, sources), Guam and Colorado by keyboard, a key prompt, and the tile grid drawn
#      when the map is missing.
# Screenshots of each state: $BUILD/web-screens/*.png. Exit 0 pass, 77 skip, else fail.
set -u
. "$(dirname "$0")/../support/server_lib.bash"
WEB=$ROOT/tests/web

skip() { echo "skip: $*"; exit 77; }
[ -x /usr/bin/chromium ] || skip "/usr/bin/chromium not installed (make deps installs Debian chromium)"
command -v node >/dev/null 2>&1 || skip "node not installed (make deps installs nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm not installed (make deps installs npm)"

# playwright-core from the committed package-lock.json; never downloads a browser.
want=$(node -p 'require(process.argv[1]).dependencies["playwright-core"]' "$WEB/package.json") || exit 1
have=$(node -p 'require(process.argv[1]).version' "$WEB/node_modules/playwright-core/package.json" 2>/dev/null)
if [ "$have" != "$want" ]; then
    echo "npm ci in tests/web (playwright-core installed: ${have:-none}, wanted: $want)"
    if ! (cd "$WEB" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >"$TMP/npm.log" 2>&1; then
        cat "$TMP/npm.log"
        grep -Eqi 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|socket hang up|fetch failed' "$TMP/npm.log" &&
            skip "npm registry unreachable: cannot install playwright-core@$want"
        echo "FAIL: npm ci failed in tests/web"
        exit 1
    fi
fi

# --- server: the test PKI as the only anchor, the repo's web/ ---
issue seed || exit 1
mkdir -p "$TMP/conf"
cp "$TMP/pki/iaca.pem" "$TMP/conf/iaca.pem"
cat >"$TMP/conf/config.json" <<JSON
{"anchors": ["iaca.pem"], "web_dir": "$ROOT/web"}
JSON
SERVER_ENV=(MDLGATE_API_KEYS="$KEY")
start_server web --config "$TMP/conf/config.json" || finish

# --- part 3 needs POST /v1/requests and the test wallet (issue 3, service side) ---
skip_req="" skip_dc=""
req probe "" POST /v1/requests -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"origin\": \"$URL\"}"
if [ "$STATUS" != 201 ]; then
    skip_req="POST /v1/requests is not implemented on this build (HTTP $STATUS)"
elif ! "$M" wallet respond --help >/dev/null 2>&1; then
    skip_dc="the test wallet command (mdlgate wallet respond) is not in this build"
fi

SHOTS=$ROOT/${BUILD#"$ROOT"/}/web-screens
case $BUILD in /*) SHOTS=$BUILD/web-screens ;; esac
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
MDLG_URL=$URL MDLG_KEY=$KEY MDLG_BIN=$M MDLG_PKI=$TMP/pki MDLG_TMP=$TMP MDLG_SHOTS=$SHOTS \
MDLG_WALLET="$M wallet respond" MDLG_SKIP_REQUESTS=$skip_req MDLG_SKIP_DC=$skip_dc \
    timeout 180 node "$WEB/browser_test.mjs"
rc=$?
echo "server log: $(wc -l <"$TMP/web.log") lines"
[ $rc -eq 0 ] || { tail -5 "$TMP/web.log"; exit 1; }
exit 0

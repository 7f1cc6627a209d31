#!/usr/bin/env bash
# Runs the verify fuzzer for N seconds (default 60) from a seed corpus built
# here: the committed seeds in tests/fuzz/seeds/*.hex, the shared conformance
# vectors when ../shared is present, and fresh `mdlgate issue` responses
# (valid and tampered). New inputs found go to build/fuzz/corpus (not committed).
set -euo pipefail
secs=${1:-60}
cd "$(dirname "$0")/../.."
shared=${MDLG_SHARED:-../shared}
corpus=build/fuzz/corpus
mkdir -p "$corpus"
for f in tests/fuzz/seeds/*.hex; do
    [ -f "$f" ] && xxd -r -p "$f" > "$corpus/seed-$(basename "$f" .hex)"
done
if [ -d "$shared/vectors/mdoc" ]; then
    for f in "$shared"/vectors/mdoc/{iso18013-5-annex-d/device_response,auth0-mdl/*device_response*,mdoc-ts/*/device_response}.hex; do
        [ -f "$f" ] && xxd -r -p "$f" > "$corpus/shared-$(echo "$f" | tr '/' '_' | tail -c 60)"
    done
else
    echo "fuzz: $shared absent, seeding without the shared vectors"
fi
if [ -x build/mdlgate ] && build/mdlgate issue --help >/dev/null 2>&1; then
    pki=$(mktemp -d)
    build/mdlgate issue --pki "$pki" --transcript-hex 83f6f68261784100 --out "$corpus/issued-valid" 2>/dev/null || true
    for t in digest issuer-signature device-signature doctype duplicate-digest-id; do
        build/mdlgate issue --pki "$pki" --transcript-hex 83f6f68261784100 --tamper "$t" \
            --out "$corpus/issued-$t" 2>/dev/null || true
    done
    rm -rf "$pki"
fi
echo "fuzz: $(ls "$corpus" | wc -l) corpus files, running for ${secs}s"
build/fuzz/fuzz_verify -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -dict=tests/fuzz/cbor.dict -print_final_stats=1 "$corpus"

#!/usr/bin/env bash
# gen-usmap.sh OUT - builds OUT (build/gen/us_map.inc), the coverage page's map of the 56 US
# jurisdictions (served by mdlgate at /us-map.json), from the npm packages pinned in
# src/api/usmap/ (us-atlas: U.S. Census Bureau cartographic boundaries; topojson-client),
# installed with `npm ci` into build/npm/usmap and projected by src/api/usmap/project.mjs.
# Run by src/api/api.mk from the repository root.
#
# If npm or the registry is unavailable it prints a WARNING, removes OUT and exits 0: mdlgate
# then builds without the map (/us-map.json answers 404 and the coverage page draws its tile
# grid) and the next `make` tries again.
set -u
out=$1
work=build/npm/usmap

degrade() {
    echo "WARNING: mdlgate is built WITHOUT the coverage map shapes: $*." >&2
    echo "WARNING: the coverage page shows its tile grid; run make again once npm works." >&2
    rm -f "$out" "$out.tmp"
    exit 0
}

. src/gen/npm-pinned.bash
npm_pinned src/api/usmap "$work"
mkdir -p "$(dirname "$out")" || degrade "cannot create $(dirname "$out")"
node src/api/usmap/project.mjs "$PWD/$work/node_modules" "$out.tmp" || degrade "cannot project the shapes"
mv "$out.tmp" "$out"

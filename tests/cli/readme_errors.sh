#!/usr/bin/env bash
# Every error code in include/mdlg/err_list.h is listed in README.md with its number.
set -u
cd "$(dirname "$0")/../.."
missing=0
while read -r name num; do
    [ "$name" = OK ] && continue
    grep -q "^| \`$name\` | $num |" README.md || { echo "README.md lacks $name ($num)"; missing=1; }
done < <(sed -n 's/^X(\([A-Z0-9_]*\), *\([0-9]*\)).*/\1 \2/p' include/mdlg/err_list.h)
exit $missing

#!/usr/bin/env bash
# Enforces the narrow seams of architecture.md: which directories may include
# which third-party headers. Prints offenders and fails.
set -u
rc=0
check() { # pattern allowed-dirs-regex
    local pat=$1 allowed=$2
    while IFS= read -r f; do
        [[ $f =~ $allowed ]] && continue
        echo "check-includes: $f includes $pat (only $allowed may)"; rc=1
    done < <(grep -rl --include='*.c' --include='*.h' -E "#include *<$pat" src include)
}
check 'openssl/' '^src/(crypto|trust)/'
check 'cbor\.h|cbor/' '^src/cbor/'
check 'microhttpd\.h' '^src/api/'
check 'jansson\.h' '^src/(api|cli|json)/'
check 'curl/' '^src/(trust|net)/'
check 'sqlite3\.h' '^src/store/'
check 'libpq-fe\.h|postgresql/' '^src/store/'
check 'unicode/|idn2\.h|libpsl\.h' '^src/fraud/'
check 'zlib\.h' '^src/status/'
# OpenSSL's deprecated API (EC_KEY, for ECDSA verification) only in the one
# file that explains why it needs it.
while IFS= read -r f; do
    [[ $f == src/crypto/crypto_ecdsa.c ]] && continue
    echo "check-includes: $f enables OpenSSL's deprecated API (only src/crypto/crypto_ecdsa.c may)"; rc=1
done < <(grep -rlE 'OPENSSL_SUPPRESS_DEPRECATED|OPENSSL_API_COMPAT' src include)
exit $rc

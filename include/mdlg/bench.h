/*
 * bench.h - the raw OpenSSL baseline that `mdlgate bench` prints next to
 * mdlgate's own numbers, so the reader sees the bound the cryptography sets.
 */
#ifndef MDLG_BENCH_H
#define MDLG_BENCH_H

/*
 * OpenSSL's own ECDSA P-256 verify rate on the calling thread, measured like
 * `openssl speed ecdsap256`: one EVP_PKEY_verify over a fixed SHA-256 digest
 * and DER signature, repeated for `seconds`. Returns verifications per
 * second, or a negative value if OpenSSL failed.
 */
double mdlg_bench_openssl_p256_verify(double seconds);

/* Monotonic clock in seconds. */
double mdlg_bench_now(void);

#endif

/*
 * bench.h - the raw OpenSSL baseline that `mdlgate bench` prints next to
 * mdlgate's own numbers, so the reader sees the bound the cryptography sets.
 */
#ifndef MDLG_BENCH_H
#define MDLG_BENCH_H

/*
 * OpenSSL's own ECDSA P-256 verify rate on the calling thread, measured like
 * `openssl speed ecdsap256`: one EVP_PKEY_verify over a fixed SHA-256 digest
 * and DER signature on one verify-initialised context, repeated for
 * `seconds`. (mdlgate's verifier calls ECDSA_do_verify, which that call ends
 * in, on the key's EC_KEY; see src/crypto/crypto_ecdsa.c.)
 * Returns verifications per second, or a negative value if OpenSSL failed;
 * *cpu_us (if not NULL) gets the calling thread's CPU time per verification
 * in microseconds, which other load on the machine disturbs far less.
 */
double mdlg_bench_openssl_p256_verify(double seconds, double *cpu_us);

/* Monotonic clock in seconds. */
double mdlg_bench_now(void);

/* CPU time of the calling thread in seconds (CLOCK_THREAD_CPUTIME_ID). */
double mdlg_bench_cpu_now(void);

#endif

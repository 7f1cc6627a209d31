/*
 * crypto_bench.c - OpenSSL's own P-256 verify rate, the baseline for
 * `mdlgate bench`. see mdlg/bench.h
 */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <time.h>

#include "mdlg/bench.h"

double mdlg_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double mdlg_bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs a fixed digest; returns the DER signature length or 0. */
static size_t sign_digest(EVP_PKEY *k, const unsigned char *dgst, unsigned char *sig, size_t cap)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
    size_t len = cap;
    if (c == NULL || EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_sign(c, sig, &len, dgst, 32) != 1)
        len = 0;
    EVP_PKEY_CTX_free(c);
    return len;
}

double mdlg_bench_openssl_p256_verify(double seconds, double *cpu_us)
{
    unsigned char dgst[32] = { 1, 2, 3 }, sig[80];
    EVP_PKEY *k = EVP_EC_gen("P-256");
    EVP_PKEY_CTX *c = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
    size_t siglen = k ? sign_digest(k, dgst, sig, sizeof sig) : 0;
    double rate = -1, start = mdlg_bench_now(), now = start, cpu0 = mdlg_bench_cpu_now();
    long n = 0;
    if (c != NULL && siglen > 0 && EVP_PKEY_verify_init(c) == 1) {
        while (now - start < seconds) {
            for (int i = 0; i < 64; i++)
                n += EVP_PKEY_verify(c, sig, siglen, dgst, sizeof dgst) == 1;
            now = mdlg_bench_now();
        }
        rate = (double)n / (now - start);
        if (cpu_us != NULL)
            *cpu_us = (mdlg_bench_cpu_now() - cpu0) / (double)n * 1e6;
    }
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(k);
    return rate;
}

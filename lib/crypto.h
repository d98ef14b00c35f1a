/* SPDX-License-Identifier: MIT */
#ifndef AC_CRYPTO_H
#define AC_CRYPTO_H

#include <stddef.h>

#define AC_SHA256_HEX 65	/* 64 hex digits and a NUL */
/* The SHA-256 of the empty string: what a hashed blank field holds. */
#define AC_SHA256_EMPTY \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/*
 * SHA-256 of s[0..n) as 64 lower-case hex digits in hex. Returns -1 when
 * OpenSSL fails (ac_ossl_error tells why).
 */
int ac_sha256_hex(const char *s, size_t n, char hex[AC_SHA256_HEX]);

/*
 * A SHA-256 kept for a run: the digest fetched and the context made once,
 * not on every call as EVP_Digest(..., EVP_sha256(), NULL) does (ac-hash
 * spent 12% of its time there). Owned by the caller; one per thread.
 */
struct ac_sha256 {
	struct evp_md_st *md;
	struct evp_md_ctx_st *ctx;
};

/* Fetch SHA-256 and make its context. Returns -1 when OpenSSL fails. */
int ac_sha256_open(struct ac_sha256 *);

/* Free what ac_sha256_open made; a zeroed struct is left alone. */
void ac_sha256_close(struct ac_sha256 *);

/* As ac_sha256_hex, with the kept context h. */
int ac_sha256_ctx_hex(struct ac_sha256 *h, const char *s, size_t n,
    char hex[AC_SHA256_HEX]);

/* Nonzero when s[0..n) is 64 hex digits, of either case. */
int ac_is_sha256_hex(const char *s, size_t n);

/*
 * Nonzero when s[0..n), less the white space and control characters
 * around it, is 64 hex digits: a hash made upstream. Then hex gets them
 * in lower case.
 */
int ac_hash_text(const char *s, size_t n, char hex[AC_SHA256_HEX]);

/*
 * RFC 4648 base64url of s[0..n), without padding, NUL-terminated in out,
 * which must hold 4 * ((n + 2) / 3) + 1 bytes. Returns the length.
 */
size_t ac_base64url(const unsigned char *s, size_t n, char *out);

/* n random bytes from OpenSSL's CSPRNG. Returns -1 on failure. */
int ac_random(unsigned char *buf, size_t n);

/* SHA-256 of s[0..n), 32 bytes. Returns -1 when OpenSSL fails. */
int ac_sha256(const void *s, size_t n, unsigned char md[32]);

/*
 * RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature of data[0..n) with the
 * PEM private key pem[0..pemlen). Returns the signature (OPENSSL_free it)
 * and its length in *siglen, or NULL with the reason in err.
 */
unsigned char *ac_rs256_sign(const char *pem, size_t pemlen,
    const void *data, size_t n, size_t *siglen, char *err, size_t errlen);

/* The last OpenSSL error as text in buf (ERR_error_string_n). */
const char *ac_ossl_error(char *buf, size_t len);

#endif

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

/* Nonzero when s[0..n) is 64 hex digits, of either case. */
int ac_is_sha256_hex(const char *s, size_t n);

/*
 * Nonzero when s[0..n), less the white space and control characters
 * around it, is 64 hex digits: a hash made upstream. Then hex gets them
 * in lower case.
 */
int ac_hash_text(const char *s, size_t n, char hex[AC_SHA256_HEX]);

/* The last OpenSSL error as text in buf (ERR_error_string_n). */
const char *ac_ossl_error(char *buf, size_t len);

#endif

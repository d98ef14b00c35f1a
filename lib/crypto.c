/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "crypto.h"

static void
to_hex(const unsigned char md[32], char hex[AC_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

int
ac_sha256_hex(const char *s, size_t n, char hex[AC_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	to_hex(md, hex);
	return 0;
}

int
ac_sha256_open(struct ac_sha256 *h)
{
	h->md = NULL;
	h->ctx = NULL;
	if ((h->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL) {
		ac_sha256_close(h);
		return -1;
	}
	return 0;
}

void
ac_sha256_close(struct ac_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	h->ctx = NULL;
	h->md = NULL;
}

int
ac_sha256_ctx_hex(struct ac_sha256 *h, const char *s, size_t n,
    char hex[AC_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	/* Init_ex2 with the same digest resets the context without a new
	 * fetch or allocation. */
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, s, n) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, md, &len) != 1 || len != 32)
		return -1;
	to_hex(md, hex);
	return 0;
}

int
ac_is_sha256_hex(const char *s, size_t n)
{
	size_t i;

	if (n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

int
ac_hash_text(const char *s, size_t n, char hex[AC_SHA256_HEX])
{
	size_t i;

	/* White space and control characters around it, as from a CSV
	 * export ("...\r"), as the normalization rules drop them. */
	while (n > 0 && (unsigned char)*s <= ' ')
		s++, n--;
	while (n > 0 && (unsigned char)s[n - 1] <= ' ')
		n--;
	if (!ac_is_sha256_hex(s, n))
		return 0;
	for (i = 0; i < n; i++)
		hex[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' :
		    s[i]);
	hex[n] = '\0';
	return 1;
}

const char *
ac_ossl_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, len);
	return buf;
}

size_t
ac_base64url(const unsigned char *s, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;
	unsigned long v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 |
		    s[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned long)s[i] << 16;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

int
ac_random(unsigned char *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

int
ac_sha256(const void *s, size_t n, unsigned char md[32])
{
	unsigned int len = 0;

	return EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) == 1 &&
	    len == 32 ? 0 : -1;
}

unsigned char *
ac_rs256_sign(const char *pem, size_t pemlen, const void *data, size_t n,
    size_t *siglen, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t len = 0;
	BIO *bio;

	if (pemlen > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)pemlen)) ==
	    NULL) {
		ac_ossl_error(err, errlen);
		return NULL;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key == NULL || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
		if (key == NULL)
			ac_ossl_error(err, errlen);
		else
			snprintf(err, errlen, "not an RSA private key");
		goto out;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &len, data, n) != 1 ||
	    (sig = OPENSSL_malloc(len)) == NULL ||
	    EVP_DigestSign(ctx, sig, &len, data, n) != 1) {
		ac_ossl_error(err, errlen);
		OPENSSL_free(sig);
		sig = NULL;
		goto out;
	}
	*siglen = len;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return sig;
}

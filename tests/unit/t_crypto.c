/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tap.h"

#include "crypto.h"

/* Known answers: FIPS 180-2 "abc", the empty string, and the public
 * vectors of normalization.md (Google's Data Manager formatter tests). */
static const struct {
	const char *in, *hex;
} vec[] = {
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "alexz@example.com", "509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a" },
	{ "+18005550100", "fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30" },
	{ "givenname", "128a07bfe2df877c52076e60d7774cf5baaa046c5a6c48daf30ff43ecca2f814" },
	{ "familyname", "77762c287e61ce065bee5c15464012c6fbe088398b8057627d5577249430d574" },
	{ "1800 amphibious blvd", "ff75e73a0e768cc1fa28a64faebbceccb562d7c05f2ffcdd8d100abad73e4579" },
	{ "cloudysanfrancisco@gmail.com", "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4" },
	{ "user.name+nyc@example.com", "f109a2a632fbcea5fc82049f50beed3d8621bf9034399f437fb622222acccdac" },
};

#define LOWER "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define UPPER "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"

/* ac_hash_text: the text, its length, and the hash it holds or NULL. */
static const struct {
	const char *in;
	size_t n;
	const char *want;
	const char *name;
} text[] = {
	{ LOWER, 64, LOWER, "64 lower-case digits" },
	{ " \t " LOWER "\t  ", 64 + 6, LOWER,
	    "spaces and tabs around are dropped" },
	{ "\t" LOWER, 65, LOWER, "a leading tab" },
	{ LOWER " ", 65, LOWER, "a trailing space" },
	{ UPPER, 64, LOWER, "upper case comes out in lower case" },
	{ "  " UPPER "\t", 67, LOWER, "upper case with blanks around" },
	{ "Ba7816Bf8F01cFEa414140De5dAE2223b00361A396177A9cb410FF61f20015aD",
	    64, LOWER, "mixed case" },
	{ LOWER "zz", 64, LOWER, "only n bytes are read" },
	{ LOWER, 63, NULL, "63 digits are not a hash" },
	{ LOWER "0", 65, NULL, "65 digits are not a hash" },
	{ "  " LOWER "0 ", 68, NULL, "65 digits with blanks around" },
	{ "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    64, NULL, "a g is not a hex digit" },
	{ "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015aG",
	    64, NULL, "nor a G at the end" },
	{ "ba7816bf8f01cfea414140de5dae2223 00361a396177a9cb410ff61f20015ad",
	    64, NULL, "an inner space" },
	{ "ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad",
	    65, NULL, "an inner space with 64 digits" },
	{ "ba7816bf8f01cfea414140de5dae2223\tb00361a396177a9cb410ff61f20015ad",
	    65, NULL, "an inner tab with 64 digits" },
	{ "\n" LOWER, 65, LOWER, "a newline around it is trimmed" },
	{ LOWER "\r", 65, LOWER, "and a carriage return (CSV)" },
	{ "0x" "a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    65, NULL, "0x is not a hex digit" },
	{ "", 0, NULL, "empty" },
	{ " \t \t", 4, NULL, "blanks only" },
	{ "alexz@example.com", 17, NULL, "an e-mail address" },
};

/* RFC 4648 §10 in the URL alphabet, without padding. */
static const struct {
	const char *in, *out;
} b64[] = {
	{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
	{ "\xfb\xff", "-_8" },
};

/* RS256 with a key made now: the signature verifies with its public
 * half, and a flipped bit does not. */
static void
rs256(void)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	EVP_MD_CTX *ctx;
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned char *sig;
	char *pem, err[256];
	long pemlen;
	size_t siglen = 0;
	const char msg[] = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0";

	PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	pemlen = BIO_get_mem_data(bio, &pem);
	sig = ac_rs256_sign(pem, (size_t)pemlen, msg, strlen(msg), &siglen,
	    err, sizeof(err));
	ok(sig != NULL && siglen == 256, "rs256: a 256-byte signature");
	ctx = EVP_MD_CTX_new();
	ok(sig != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
	    key) == 1 && EVP_DigestVerify(ctx, sig, siglen,
	    (const unsigned char *)msg, strlen(msg)) == 1,
	    "rs256: it verifies (RSASSA-PKCS1-v1_5, SHA-256)");
	EVP_MD_CTX_free(ctx);
	if (sig != NULL)
		sig[10] ^= 1;
	ctx = EVP_MD_CTX_new();
	ok(sig != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
	    key) == 1 && EVP_DigestVerify(ctx, sig, siglen,
	    (const unsigned char *)msg, strlen(msg)) != 1,
	    "rs256: a flipped bit does not verify");
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(sig);
	ok(ac_rs256_sign("-----BEGIN PRIVATE KEY-----\nnope\n", 30, msg,
	    strlen(msg), &siglen, err, sizeof(err)) == NULL && err[0] != '\0',
	    "rs256: a bad key is refused with a reason");
	BIO_free(bio);
	EVP_PKEY_free(key);
}

/*
 * The kept context gives the one-shot answers, call after call (a reset
 * that left state behind would show on the second use), for inputs of
 * every length around the 64-byte block.
 */
static void
kept(void)
{
	struct ac_sha256 h;
	char buf[200], a[AC_SHA256_HEX], b[AC_SHA256_HEX];
	size_t i, n, bad = 0;

	ok(ac_sha256_open(&h) == 0, "ac_sha256_open");
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		memset(a, 'X', sizeof(a));
		ac_sha256_ctx_hex(&h, vec[i].in, strlen(vec[i].in), a);
		is_str(a, vec[i].hex, "kept context: sha256 \"%s\"",
		    vec[i].in);
	}
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	for (n = 0; n <= sizeof(buf); n++) {
		if (ac_sha256_ctx_hex(&h, buf, n, a) == -1 ||
		    ac_sha256_hex(buf, n, b) == -1 || strcmp(a, b) != 0)
			bad++;
		if (ac_sha256_ctx_hex(&h, "abc", 3, a) == -1 ||
		    strcmp(a, vec[0].hex) != 0)
			bad++;
	}
	is_int((int)bad, 0, "kept context: as one-shot over 0..%zu bytes, "
	    "interleaved", sizeof(buf));
	ac_sha256_close(&h);
	ac_sha256_close(&h);
	ok(h.md == NULL && h.ctx == NULL, "ac_sha256_close twice");
}

int
main(void)
{
	char hex[AC_SHA256_HEX], err[256];
	size_t i, ntext = sizeof(text) / sizeof(text[0]), nhash = 0;

	for (i = 0; i < ntext; i++)
		nhash += text[i].want != NULL;
	plan(sizeof(vec) / sizeof(vec[0]) + 7 + ntext + nhash +
	    sizeof(b64) / sizeof(b64[0]) + 3 + 4 +
	    sizeof(vec) / sizeof(vec[0]) + 3);
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		if (ac_sha256_hex(vec[i].in, strlen(vec[i].in), hex) == -1)
			diag("%s", ac_ossl_error(err, sizeof(err)));
		is_str(hex, vec[i].hex, "sha256 \"%s\"", vec[i].in);
	}
	ok(ac_is_sha256_hex(vec[0].hex, 64), "64 lower-case hex digits");
	ok(ac_is_sha256_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
	    64), "64 upper-case hex digits");
	ok(!ac_is_sha256_hex(vec[0].hex, 63), "63 digits are not a hash");
	ok(!ac_is_sha256_hex("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    64), "a g is not a hex digit");
	ok(!ac_is_sha256_hex("", 0), "empty is not a hash");
	/* Embedded NUL bytes are hashed, not cut off. */
	ac_sha256_hex("a\0b", 3, hex);
	is_str(hex, "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138", "a NUL inside is hashed as data");
	ok(strcmp(ac_ossl_error(err, sizeof(err)), "") != 0,
	    "ac_ossl_error always says something");
	for (i = 0; i < ntext; i++) {
		memset(hex, 'X', sizeof(hex));
		if (text[i].want != NULL) {
			ok(ac_hash_text(text[i].in, text[i].n, hex),
			    "ac_hash_text: %s: a hash", text[i].name);
			is_str(memchr(hex, '\0', sizeof(hex)) != NULL ? hex :
			    "(not NUL-terminated)", text[i].want,
			    "ac_hash_text: %s: the digits", text[i].name);
		} else
			ok(!ac_hash_text(text[i].in, text[i].n, hex),
			    "ac_hash_text: %s: 0", text[i].name);
	}
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		char out[32];

		ac_base64url((const unsigned char *)b64[i].in,
		    strlen(b64[i].in), out);
		is_str(out, b64[i].out, "base64url \"%s\"", b64[i].out);
	}
	{
		/* RFC 7636 Appendix B: the S256 challenge of a verifier */
		const char *v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
		unsigned char md[32];
		char out[64];

		ok(ac_sha256(v, strlen(v), md) == 0, "sha256 raw");
		ac_base64url(md, 32, out);
		is_str(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		    "PKCE S256 challenge (RFC 7636 B)");
		memset(md, 0, sizeof(md));
		ok(ac_random(md, sizeof(md)) == 0 && memcmp(md,
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) != 0,
		    "random bytes");
	}
	rs256();
	kept();
	return done_testing();
}

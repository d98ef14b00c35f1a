/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

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

int
main(void)
{
	char hex[AC_SHA256_HEX], err[256];
	size_t i;

	plan(sizeof(vec) / sizeof(vec[0]) + 7);
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
	return done_testing();
}

/* SPDX-License-Identifier: MIT */
#ifndef AC_PHONE_H
#define AC_PHONE_H

#include <stddef.h>

/*
 * Phone numbers read as libphonenumber reads them (its parse() with a
 * default region, then isValidNumber()), from its metadata compiled into
 * share/ac/phone.tsv by mk/phone-data.py: the whole-number patterns as
 * automata over the digits, the prefix patterns (international prefix,
 * national prefix for parsing) as regular expressions for a small
 * backtracking matcher with Python's leftmost-first semantics.
 */

struct ac_re;			/* a compiled prefix pattern */

struct ac_region {
	char code[4];		/* "DE"; a non-geographic entity: "800" */
	int calling;		/* country calling code */
	struct ac_re *idd;	/* internationalPrefix, or NULL */
	struct ac_re *npp;	/* nationalPrefixForParsing, or NULL */
	char transform[16];	/* nationalPrefixTransformRule, "" if none */
	char trunk[8];		/* nationalPrefix, "" if none */
	unsigned long lengths;	/* generalDesc: bit n, n digits possible */
	unsigned long local;	/* generalDesc: local-only lengths */
	int gen, valid, lead;	/* automata; lead is -1 when none */
};

struct ac_dfa {
	unsigned short *t;	/* 10 next states per state; 0 dead */
	unsigned char *acc;	/* per state: accepting */
	int nstates;
};

struct ac_phone {
	char version[16];	/* of the metadata */
	struct ac_region *regions;
	int nregions;
	short region_of[26 * 26];	/* two-letter code -> index, or -1 */
	/* calling code -> its regions, main region first */
	short *cc_regions[1000];
	short cc_nregions[1000];
	struct ac_dfa *dfas;
	int ndfas;
};

/*
 * Load path (phone.tsv). On failure returns -1 with a message naming the
 * file and line in err; ac_phone_free is still to be called.
 */
int ac_phone_load(struct ac_phone *, const char *path, char *err,
    size_t errlen);
void ac_phone_free(struct ac_phone *);

/* The region of a two-letter code ("DE"), or NULL. */
const struct ac_region *ac_phone_region(const struct ac_phone *,
    const char *cc);

/*
 * The E.164 form ("+491701234567", at most 24 bytes with the NUL) of the
 * digits num[0..n) (ASCII digits only), written after a "+" when plus,
 * else read in region (a two-letter code, or NULL); *nsn gets the offset
 * of the national significant number in out. Returns NULL, or a
 * reason code when libphonenumber would fail to parse the number or call
 * it invalid: "phone_no_region", "phone_bad_calling_code",
 * "phone_bad_length", "phone_not_in_plan". With the last two, out and
 * *nsn hold the number as read when it got as far as a calling code.
 */
const char *ac_phone_e164(const struct ac_phone *, const char *num,
    size_t n, int plus, const char *region, char out[24], size_t *nsn);

/*
 * For tests: match the prefix pattern pat against s as Python's re.match
 * does. Returns the length matched, or -1; -2 when pat does not compile.
 */
int ac_phone_re_match(const char *pat, const char *s);

#endif

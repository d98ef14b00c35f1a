/* SPDX-License-Identifier: MIT */
#ifndef AC_NORM_H
#define AC_NORM_H

#include <stddef.h>

#include "data.h"

/*
 * Identifier normalization, the rules of man/ac.7 (from the project's
 * normalization.md). Pure functions, independent of the process locale:
 * NFC and case mapping go through utf8proc.
 *
 * Each ac_norm_* function takes the text s[0..n) (valid UTF-8), writes the
 * normalized value to out (NUL-terminated, out->len bytes) and returns
 * NULL, or returns a reason code (a string literal such as
 * "email_invalid") when the value cannot be used; out is then undefined.
 */

struct ac_buf {
	char *p;
	size_t len, cap;
};

void ac_buf_free(struct ac_buf *);

/* Reason codes returned by the functions below. */
#define AC_NORM_EMPTY "empty"
#define AC_NORM_PLACEHOLDER "placeholder"
#define AC_NORM_TOO_LONG "value_too_long"

/*
 * The longest value each rule reads, in bytes of UTF-8 not counting
 * leading and trailing white space. A longer one is no real person's
 * identifier; it gets AC_NORM_TOO_LONG and costs nothing more than the
 * look at its length. E-mail: RFC 5321 4.5.3.1.3 (a path is at most 256
 * octets with its angle brackets). Phone: E.164 allows 15 digits; 64
 * bytes leave room for any spacing, a "+", a "(0)" and an extension.
 * Postal codes have at most 10 characters anywhere. Names, street,
 * city, region and country: a few hundred bytes, room for the longest
 * real ones (country names in iso-codes reach 287 bytes in scripts of
 * 3-byte characters) even decomposed, where an accented letter takes 3
 * bytes or more.
 */
#define AC_NORM_MAX_EMAIL 254
#define AC_NORM_MAX_PHONE 64
#define AC_NORM_MAX_POSTAL 64
#define AC_NORM_MAX_TEXT 512	/* names, street, city, region, country */

/* all_domains: remove dots and +tags on every domain, not just Gmail's. */
const char *ac_norm_email(struct ac_buf *, const char *s, size_t n,
    int all_domains, const struct ac_data *);
/*
 * To E.164. region: the upper-case ISO code used to read a national number
 * (the record's country_code or a default), or NULL.
 */
const char *ac_norm_phone(struct ac_buf *, const char *s, size_t n,
    const char *region, const struct ac_data *);
/*
 * A country_code s[0..n) that is no ISO 3166-1 code but is a region of
 * the phone numbering plan (XK Kosovo, AC Ascension, TA Tristan da Cunha:
 * libphonenumber's codes): the code, upper case, into cc, returned, to
 * read phone numbers in; NULL for any other text. The country_code itself
 * is still dropped.
 */
const char *ac_norm_phone_region(const char *s, size_t n,
    const struct ac_data *, char cc[3]);
/* field: "first_name" or "last_name" (for the placeholder list). */
const char *ac_norm_name(struct ac_buf *, const char *s, size_t n,
    const char *field, const struct ac_data *);
const char *ac_norm_street(struct ac_buf *, const char *s, size_t n,
    const struct ac_data *);
/* city and region (state): field names the placeholder list. */
const char *ac_norm_place(struct ac_buf *, const char *s, size_t n,
    const char *field, const struct ac_data *);
const char *ac_norm_postal(struct ac_buf *, const char *s, size_t n,
    const struct ac_data *);
/* ISO 3166-1 alpha-2, upper case. */
const char *ac_norm_country(struct ac_buf *, const char *s, size_t n,
    const struct ac_data *);

/*
 * The rule for an identifier field by its canonical name: email, phone,
 * first_name, last_name, street_address, city, region, postal_code or
 * country_code. region and all_domains as for ac_norm_phone and
 * ac_norm_email. Returns "field_unknown" for any other name.
 */
const char *ac_norm_identifier(struct ac_buf *, const char *field,
    const char *s, size_t n, const char *region, int all_domains,
    const struct ac_data *);

/*
 * Nonzero when s[0..n) is a well-formed click ID (gclid, gbraid, wbraid):
 * AC_CLICK_MIN to AC_CLICK_MAX characters of the URL-safe base64
 * alphabet. Google publishes no grammar: a sanity check against junk and
 * URL-encoding accidents.
 */
#define AC_CLICK_MIN 10
#define AC_CLICK_MAX 512
int ac_click_id_ok(const char *s, size_t n);

/*
 * What a reason code of the functions above means, for a warning line
 * ("dropped: not a phone number"), or NULL for a code not theirs.
 */
const char *ac_norm_describe(const char *code);

/*
 * Option parsing shared by the tools that normalize: --default-region CC
 * into region (3 bytes, upper case) and --email-rule gmail|all into
 * *all_domains. Return -1 with a message on stderr when arg is wrong.
 */
int ac_norm_opt_region(const char *arg, char region[3]);
int ac_norm_opt_email_rule(const char *arg, int *all_domains);

/*
 * Generic text mapping used by the above, exposed for tests: NFC, then
 * the AC_TXT_* flags applied per code point.
 */
#define AC_TXT_LOWER 0x01	/* Unicode lowercase */
#define AC_TXT_TRIM 0x02	/* drop leading and trailing white space */
#define AC_TXT_COLLAPSE 0x04	/* inner white-space runs become one space */
#define AC_TXT_NOSPACE 0x08	/* drop all white space */
#define AC_TXT_NOPUNCT 0x10	/* drop punctuation and symbols (P*, S*) */
#define AC_TXT_NODASH 0x20	/* drop non-ASCII dashes (Pd) */
int ac_norm_text(struct ac_buf *, const char *s, size_t n, int flags);
/*
 * The same without the fast path for printable ASCII that ac_norm_text
 * takes first: every character through utf8proc. For the tests that
 * prove the two give the same text.
 */
int ac_norm_text_full(struct ac_buf *, const char *s, size_t n, int flags);

#endif

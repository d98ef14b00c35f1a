/* SPDX-License-Identifier: MIT */
#ifndef AC_DATA_H
#define AC_DATA_H

#include <stddef.h>

#include "phone.h"

/*
 * The data files of share/ac: the phone numbering plan (phone.tsv, made
 * from libphonenumber's metadata by mk/phone-data.py; see phone.h),
 * ISO 3166-1 alpha-2 (iso3166.txt), ISO 4217 (iso4217.txt), identifier
 * placeholders (placeholders.txt), the regions that need explicit
 * consent (eea.txt) and country names (country-names.tsv, generated from
 * Debian's iso-codes by mk/country-names.py). Found in $AC_SHAREDIR, else in
 * ../share/ac from the program's directory when it holds them, else in the
 * directory compiled in as AC_DATADIR (see ac_data_dir).
 */

struct ac_data {
	struct ac_phone phone;
	unsigned char iso3166[26 * 26];
	short alpha3[26 * 26 * 26];	/* alpha-3 -> alpha-2 index + 1, or 0 */
	unsigned char eea[26 * 26];	/* eea.txt: EEA, UK and CH */
	unsigned char iso4217[26 * 26 * 26];
	char **placeholders;	/* "field\tvalue" */
	size_t nplaceholders;
	int *phash;		/* open addressing: index or -1 */
	size_t nphash;		/* a power of two */
	/* A filter of the placeholder values alone (any field): a value
	 * whose bit is clear is no placeholder, without the look-ups. */
	unsigned char pvalues[1 << 13];
	/* country-names.tsv, mapped: lines "name<TAB>CC" sorted by name
	 * from names + names_start on. */
	char *names;
	size_t names_len, names_start;
};

/*
 * Load every file. On failure returns -1 with a message naming the file
 * and line in err.
 */
int ac_data_load(struct ac_data *, char *err, size_t errlen);
void ac_data_free(struct ac_data *);
/* The directory the files are read from. */
const char *ac_data_dir(void);

/* Phone numbering data for a two-letter region code, or NULL. */
const struct ac_region *ac_data_region(const struct ac_data *,
    const char *cc);
/* Nonzero when s (2 upper-case letters) is an ISO 3166-1 alpha-2 code. */
int ac_data_is_country(const struct ac_data *, const char *s);
/*
 * The alpha-2 code (3 bytes, NUL-terminated, into cc) of the ISO 3166-1
 * alpha-3 code s (3 upper-case letters). Returns -1 when s is none.
 */
int ac_data_alpha3(const struct ac_data *, const char *s, char cc[3]);
/*
 * The alpha-2 code (into cc) of the country named key[0..len), a name
 * folded as ac_norm_country folds it ("osterreich"). Returns -1 when no
 * country, or more than one, has that name.
 */
int ac_data_country_name(const struct ac_data *, const char *key,
    size_t len, char cc[3]);
/* Nonzero when s (2 upper-case letters) is listed in eea.txt. */
int ac_data_is_eea(const struct ac_data *, const char *s);
/* Nonzero when s (3 upper-case letters) is an ISO 4217 code. */
int ac_data_is_currency(const struct ac_data *, const char *s);
/* The ISO 4217 minor unit of currency s, in decimal digits (0 to 4), or
 * -1 for an unknown currency or one without a minor unit (XDR). */
int ac_data_minor_unit(const struct ac_data *, const char *s);
/*
 * Nonzero when the normalized value of field is a placeholder, comparing
 * ASCII case-insensitively. For email, a "local@" line matches any
 * domain.
 */
int ac_data_is_placeholder(const struct ac_data *, const char *field,
    const char *v, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef AC_GADS_H
#define AC_GADS_H

#include <jv.h>

#include "conv.h"

/*
 * The Google Ads API (googleads.googleapis.com), as ac uses it: the three
 * upload methods, the JSON of each kind of conversion, the journal key of
 * a row, and what its error codes mean (google-ads-api.md). The error
 * envelope itself is read by lib/http.
 */

#define AC_GADS_ENDPOINT "https://googleads.googleapis.com"
#define AC_GADS_VERSION "v25"
#define AC_GADS_ROWS_MAX 2000	/* conversions per request (§2.1) */

struct ac_gads_method {
	const char *name;	/* after "customers/{id}:" */
	const char *list;	/* JSON key of the array of conversions */
	const char *path;	/* its proto name, in fieldPathElements */
	enum ac_kind kind;
	int job_id;		/* the request takes jobId (calls: no) */
};

/* The method of each kind, indexed by enum ac_kind. */
extern const struct ac_gads_method ac_gads_methods[AC_NKINDS];

/* The method named name, or NULL. */
const struct ac_gads_method *ac_gads_method(const char *name);

/* Append c as the API object of its kind's method (ClickConversion,
 * CallConversion or ConversionAdjustment). */
void ac_gads_put(struct ac_writer *, const struct ac_conv *c);

/*
 * The journal key of a conversion of method m sent for customer cid: what
 * the API de-duplicates on. A call is named by a hash of the caller's
 * number, so that the journal holds no phone number. Borrows conv.
 * Returns a string to free.
 */
char *ac_gads_row_key(const char *cid, const struct ac_gads_method *m,
    jv conv);

/* What a row's error code ("family.CODE") means for ac-upload. */
enum ac_gads_class {
	AC_GADS_REFUSED,	/* the row is wrong: rejected */
	AC_GADS_ALREADY,	/* the API has it already */
	AC_GADS_LATER,		/* not now: failed, kept for a re-run */
	AC_GADS_SETUP		/* the account or credentials: stop */
};
enum ac_gads_class ac_gads_class(const char *code);

/*
 * For a code of the setup class (or any code an API answers a whole
 * request with because of the setup): one line that says what it means
 * and what to do, or NULL when there is nothing to say.
 */
const char *ac_gads_advice(const char *code);

#endif

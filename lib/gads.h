/* SPDX-License-Identifier: MIT */
#ifndef AC_GADS_H
#define AC_GADS_H

#include <jv.h>

#include "conv.h"
#include "http.h"

/*
 * The Google Ads API (googleads.googleapis.com), as ac uses it: the three
 * upload methods, the JSON of each kind of conversion, the journal key of
 * a row, and what its error codes mean (google-ads-api.md). The error
 * envelope itself is read by lib/http.
 */

#define AC_GADS_ENDPOINT "https://googleads.googleapis.com"
#define AC_GADS_VERSION "v25"
/* Nonzero when s is an API version as the paths take it: "v" and a
 * number ("v25"). */
int ac_gads_version_ok(const char *s);
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

/*
 * The first GoogleAdsError of a google.rpc.Status object (an "error" body
 * or a partialFailureError): its "family.CODE" in code and its message.
 * Borrows status. Returns 0, or -1 when it holds none.
 */
int ac_gads_first_error(jv status, char *code, size_t codelen, char *msg,
    size_t msglen);

/*
 * Call f(arg, row, error) for every GoogleAdsError of a partialFailureError
 * (google.rpc.Status): row is the index of the first fieldPathElements
 * entry named listname ("conversions"), -1 when the error names no row.
 * Borrows status; error is borrowed for the call.
 */
void ac_gads_each_error(jv status, const char *listname,
    void (*f)(void *arg, long row, jv error), void *arg);

/* Nonzero for the "family.CODE"s that ask for the request (or the row)
 * to be sent again (google-ads-api §3.9). */
int ac_gads_code_retryable(const char *code);

/* "family.CODE" of one GoogleAdsError's errorCode. Borrows error. Returns
 * -1 when there is none. */
int ac_gads_error_code(jv error, char *code, size_t len);

/* The longest quotaErrorDetails.retryDelay of a google.rpc.Status's
 * errors, in milliseconds; -1 when none says. Borrows status. */
long long ac_gads_retry_delay_ms(jv status);

/*
 * The error of each row i of a request of n rows from its answer's
 * partialFailureError (google.rpc.Status): row[i] (the first error naming
 * it), wide for an error naming no row. Fields named list (the method's
 * path) in fieldPathElements. Borrows pfe.
 */
void ac_gads_row_errors(jv pfe, const char *list, int n,
    struct ac_rowerr *row, struct ac_rowerr *wide);

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

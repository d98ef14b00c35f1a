/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "crypto.h"
#include "diag.h"
#include "opt.h"
#include "field.h"
#include "gads.h"

const struct ac_gads_method ac_gads_methods[AC_NKINDS] = {
	{ "uploadClickConversions", "conversions", "conversions", AC_CLICK,
	    1 },
	/* The call request has no jobId (google-ads-api §1.3). */
	{ "uploadCallConversions", "conversions", "conversions", AC_CALL, 0 },
	{ "uploadConversionAdjustments", "conversionAdjustments",
	    "conversion_adjustments", AC_ADJUSTMENT, 1 },
};

const struct ac_gads_method *
ac_gads_method(const char *name)
{
	int k;

	for (k = 0; k < AC_NKINDS; k++)
		if (strcmp(name, ac_gads_methods[k].name) == 0)
			return &ac_gads_methods[k];
	return NULL;
}

/* Writers */

static void
put_str(struct ac_writer *w, const char *key, const struct ac_str *v)
{
	ac_write_bytes(w, key, strlen(key));
	ac_write_string(w, v->s, v->n);
}

/* ,"consent":{"adUserData":...} when GRANTED or DENIED: UNSPECIFIED is
 * what the API assumes without the field. */
static void
put_consent(struct ac_writer *w, const struct ac_conv *c)
{
	if (c->udata != AC_UNSPECIFIED) {
		AC_PUT(w, ",\"consent\":{\"adUserData\":\"");
		ac_write_bytes(w, ac_consent_names[c->udata],
		    strlen(ac_consent_names[c->udata]));
		AC_PUT(w, "\"}");
	}
}

static void
put_value(struct ac_writer *w, const struct ac_conv *c)
{
	if (c->has_value) {
		AC_PUT(w, ",\"conversionValue\":");
		ac_write_value(w, jv_number(c->value));
	}
	if (c->has_currency) {
		AC_PUT(w, ",\"currencyCode\":");
		ac_put_plain(w, c->currency, 3);
	}
}

/* The hashed emails and phones, each a UserIdentifier; sep counts the
 * entries written before. */
static int
put_hashes(struct ac_writer *w, const struct ac_conv *c, int sep)
{
	static const char *const keys[] = { "{\"hashedEmail\":",
		"{\"hashedPhoneNumber\":" };
	int i;

	for (i = 0; i < 2; i++) {
		if (!(c->ids & (1 << i)))
			continue;
		if (sep++)
			AC_PUT(w, ",");
		ac_write_bytes(w, keys[i], strlen(keys[i]));
		ac_put_hex(w, c->hash[i]);
		AC_PUT(w, ",\"userIdentifierSource\":\"FIRST_PARTY\"}");
	}
	for (i = 0; i < c->nmore; i++) {
		if (sep++)
			AC_PUT(w, ",");
		ac_write_bytes(w, keys[c->more_type[i]],
		    strlen(keys[c->more_type[i]]));
		ac_put_hex(w, c->more[i]);
		AC_PUT(w, ",\"userIdentifierSource\":\"FIRST_PARTY\"}");
	}
	return sep;
}

static void
put_address(struct ac_writer *w, const struct ac_address *a)
{
	put_str(w, "{\"addressInfo\":{\"hashedFirstName\":", &a->first);
	put_str(w, ",\"hashedLastName\":", &a->last);
	if (a->street.s != NULL)
		put_str(w, ",\"hashedStreetAddress\":", &a->street);
	if (a->city.s != NULL)
		put_str(w, ",\"city\":", &a->city);
	if (a->region.s != NULL)
		put_str(w, ",\"state\":", &a->region);
	put_str(w, ",\"countryCode\":", &a->country);
	put_str(w, ",\"postalCode\":", &a->postal);
	AC_PUT(w, "},\"userIdentifierSource\":\"FIRST_PARTY\"}");
}

static void
put_click(struct ac_writer *w, const struct ac_conv *c)
{
	static const char *const envs[] = { "", "APP", "WEB" };

	AC_PUT(w, "{\"conversionAction\":");
	ac_put_plain(w, c->action.s, c->action.n);
	AC_PUT(w, ",\"conversionDateTime\":");
	ac_put_plain(w, c->time, AC_TIME_LEN);
	put_value(w, c);
	if (c->order.s != NULL)
		put_str(w, ",\"orderId\":", &c->order);
	if (c->has_ext) {
		AC_PUT(w, ",\"externalAttributionData\":{"
		    "\"externalAttributionCredit\":");
		ac_write_value(w, jv_number(c->ext_credit));
		put_str(w, ",\"externalAttributionModel\":", &c->ext_model);
		AC_PUT(w, "}");
	}
	if (c->click != AC_NOCLICK) {
		AC_PUT(w, ",\"");
		ac_write_bytes(w, ac_click_names[c->click],
		    strlen(ac_click_names[c->click]));
		AC_PUT(w, "\":");
		ac_write_string(w, c->click_id.s, c->click_id.n);
	}
	if (c->env != AC_ENV_NONE) {
		AC_PUT(w, ",\"conversionEnvironment\":");
		ac_put_plain(w, envs[c->env], 3);
	}
	put_consent(w, c);
	if (c->ids) {
		AC_PUT(w, ",\"userIdentifiers\":[");
		put_hashes(w, c, 0);
		AC_PUT(w, "]");
	}
	if (c->cart.has)
		ac_put_cart(w, &c->cart, 0);
	ac_put_custom(w, c, 0);
	/* ConversionCustomerType knows NEW and RETURNING only. */
	if (c->ctype == AC_CT_NEW || c->ctype == AC_CT_RETURNING) {
		AC_PUT(w, ",\"customerType\":");
		ac_put_plain(w, ac_ctype_names[c->ctype],
		    strlen(ac_ctype_names[c->ctype]));
	}
	AC_PUT(w, "}");
}

static void
put_call(struct ac_writer *w, const struct ac_conv *c)
{
	AC_PUT(w, "{\"callerId\":");
	ac_put_plain(w, c->caller.s, c->caller.n);
	AC_PUT(w, ",\"callStartDateTime\":");
	ac_put_plain(w, c->call_start, AC_TIME_LEN);
	AC_PUT(w, ",\"conversionAction\":");
	ac_put_plain(w, c->action.s, c->action.n);
	AC_PUT(w, ",\"conversionDateTime\":");
	ac_put_plain(w, c->time, AC_TIME_LEN);
	put_value(w, c);
	ac_put_custom(w, c, 0);
	put_consent(w, c);
	AC_PUT(w, "}");
}

static void
put_adjustment(struct ac_writer *w, const struct ac_conv *c)
{
	const char *type = ac_adj_names[c->adj];
	int sep;

	AC_PUT(w, "{\"conversionAction\":");
	ac_put_plain(w, c->action.s, c->action.n);
	AC_PUT(w, ",\"adjustmentType\":");
	ac_put_plain(w, type, strlen(type));
	if (c->adj_time != NULL) {
		AC_PUT(w, ",\"adjustmentDateTime\":");
		ac_put_plain(w, c->adj_time, AC_TIME_LEN);
	}
	if (c->order.s != NULL)
		put_str(w, ",\"orderId\":", &c->order);
	if (c->click == AC_GCLID && c->time != NULL) {
		put_str(w, ",\"gclidDateTimePair\":{\"gclid\":", &c->click_id);
		AC_PUT(w, ",\"conversionDateTime\":");
		ac_put_plain(w, c->time, AC_TIME_LEN);
		AC_PUT(w, "}");
	} else if (c->adj == AC_ENHANCEMENT && c->time != NULL) {
		/* The conversion's time alone: "optional but recommended",
		 * as Google's web-enhancement examples send it. */
		AC_PUT(w, ",\"gclidDateTimePair\":{\"conversionDateTime\":");
		ac_put_plain(w, c->time, AC_TIME_LEN);
		AC_PUT(w, "}");
	}
	if (c->adj == AC_RESTATEMENT) {
		AC_PUT(w, ",\"restatementValue\":{\"adjustedValue\":");
		ac_write_value(w, jv_number(c->adjusted));
		if (c->has_currency) {
			AC_PUT(w, ",\"currencyCode\":");
			ac_put_plain(w, c->currency, 3);
		}
		AC_PUT(w, "}");
	}
	if (c->adj == AC_ENHANCEMENT) {
		AC_PUT(w, ",\"userIdentifiers\":[");
		sep = put_hashes(w, c, 0);
		if (c->has_address) {
			if (sep)
				AC_PUT(w, ",");
			put_address(w, &c->addr);
		}
		AC_PUT(w, "]");
		if (c->user_agent.s != NULL)
			put_str(w, ",\"userAgent\":", &c->user_agent);
	}
	AC_PUT(w, "}");
}

void
ac_gads_put(struct ac_writer *w, const struct ac_conv *c)
{
	switch (c->kind) {
	case AC_CLICK:
		put_click(w, c);
		break;
	case AC_CALL:
		put_call(w, c);
		break;
	default:
		put_adjustment(w, c);
		break;
	}
}

/* Journal keys */

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

char *
ac_gads_row_key(const char *cid, const struct ac_gads_method *m, jv conv)
{
	static const char *const clicks[] = { "gclid", "gbraid", "wbraid" };
	const char *action = or_empty(ac_obj_str(conv, "conversionAction"));
	const char *t = or_empty(ac_obj_str(conv, "conversionDateTime"));
	const char *s, *type, *adj;
	char hex[AC_SHA256_HEX];
	jv pair;
	char *key;
	size_t i;

	if (m->kind == AC_CALL) {
		s = ac_obj_str(conv, "callerId");
		if (s == NULL || ac_sha256_hex(s, strlen(s), hex) == -1)
			memset(hex, '0', sizeof(hex) - 1);
		hex[32] = '\0';	/* half the digest names the call */
		return ac_strfmt("%s|%s|call|%s|%s", cid, action, hex,
		    or_empty(ac_obj_str(conv, "callStartDateTime")));
	}
	if (m->kind == AC_ADJUSTMENT) {
		type = or_empty(ac_obj_str(conv, "adjustmentType"));
		adj = or_empty(ac_obj_str(conv, "adjustmentDateTime"));
		if ((s = ac_obj_str(conv, "orderId")) != NULL)
			return ac_strfmt("%s|%s|%s|order|%s|%s", cid, action, type,
			    s, adj);
		pair = ac_obj_get(conv, "gclidDateTimePair");
		key = ac_strfmt("%s|%s|%s|gclid:%s|%s|%s", cid, action, type,
		    or_empty(ac_obj_str(pair, "gclid")),
		    or_empty(ac_obj_str(pair, "conversionDateTime")), adj);
		jv_free(pair);
		return key;
	}
	if ((s = ac_obj_str(conv, "orderId")) != NULL)
		return ac_strfmt("%s|%s|order|%s", cid, action, s);
	for (i = 0; i < sizeof(clicks) / sizeof(clicks[0]); i++)
		if ((s = ac_obj_str(conv, clicks[i])) != NULL)
			return ac_strfmt("%s|%s|%s:%s|%s", cid, action, clicks[i],
			    s, t);
	return ac_strfmt("%s|%s|time|%s", cid, action, t);
}

/* The error model (google-ads-api §3): GoogleAdsFailure in a
 * google.rpc.Status, the family.CODE of an error, the row it names. */

static jv
get(jv obj, const char *key)
{
	return ac_obj_get(obj, key);
}

/* The string s as C text into buf, or "" when it is not a string.
 * Consumes s. */
static void
str_into(jv s, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	if (jv_get_kind(s) == JV_KIND_STRING)
		ac_text_copy(buf, len, jv_string_value(s));
	jv_free(s);
}

int
ac_gads_error_code(jv error, char *code, size_t len)
{
	jv ec = get(error, "errorCode");
	int it, r = -1;

	code[0] = '\0';
	if (jv_get_kind(ec) == JV_KIND_OBJECT) {
		it = jv_object_iter(ec);
		if (jv_object_iter_valid(ec, it)) {
			jv k = jv_object_iter_key(ec, it);
			jv v = jv_object_iter_value(ec, it);

			if (jv_get_kind(v) == JV_KIND_STRING) {
				snprintf(code, len, "%s.%s", jv_string_value(k),
				    jv_string_value(v));
				ac_text_clean(code);
				r = 0;
			}
			jv_free(k);
			jv_free(v);
		}
	}
	jv_free(ec);
	return r;
}

/* Nonzero when d (borrowed) is an Any holding a GoogleAdsFailure. */
static int
is_failure(jv d)
{
	jv t = get(d, "@type");
	const char *s, *want = ".errors.GoogleAdsFailure";
	size_t n, w = strlen(want);
	int r = 0;

	if (jv_get_kind(t) == JV_KIND_STRING) {
		s = jv_string_value(t);
		n = strlen(s);
		r = n >= w && strcmp(s + n - w, want) == 0;
	}
	jv_free(t);
	return r;
}

/* The row number in an index: a number, a string of digits or, in old
 * versions, a wrapper {"value": n} (google-ads-api §3.3). Consumes ix. */
static long
index_of(jv ix)
{
	long r = -1;
	double d;
	char *end;

	if (jv_get_kind(ix) == JV_KIND_OBJECT) {
		jv v = get(ix, "value");

		jv_free(ix);
		ix = v;
	}
	if (jv_get_kind(ix) == JV_KIND_NUMBER) {
		d = jv_number_value(ix);
		if (d >= 0 && d < 2147483648.0 && d == (long)d)
			r = (long)d;
	} else if (jv_get_kind(ix) == JV_KIND_STRING) {
		const char *s = jv_string_value(ix);

		errno = 0;
		if (isdigit((unsigned char)s[0])) {
			r = strtol(s, &end, 10);
			if (*end != '\0' || errno != 0)
				r = -1;
		}
	}
	jv_free(ix);
	return r;
}

/* The row of one GoogleAdsError: the index of the first path element
 * named listname. Borrows error. */
static long
row_of(jv error, const char *listname)
{
	jv loc = get(error, "location");
	jv els = get(loc, "fieldPathElements");
	long row = -1;
	int i, n;

	if (jv_get_kind(els) == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(els));
		for (i = 0; i < n; i++) {
			jv el = jv_array_get(jv_copy(els), i);
			jv name = get(el, "fieldName");
			int hit = jv_get_kind(name) == JV_KIND_STRING &&
			    strcmp(jv_string_value(name), listname) == 0;

			if (hit)
				row = index_of(get(el, "index"));
			jv_free(name);
			jv_free(el);
			if (hit)
				break;
		}
	}
	jv_free(els);
	jv_free(loc);
	return row;
}

/* Call f for every GoogleAdsError in status's details. */
static void
each_error(jv status, void (*f)(void *, jv), void *arg)
{
	jv details = get(status, "details");
	int i, j, n, m;

	if (jv_get_kind(details) != JV_KIND_ARRAY) {
		jv_free(details);
		return;
	}
	n = jv_array_length(jv_copy(details));
	for (i = 0; i < n; i++) {
		jv d = jv_array_get(jv_copy(details), i);
		jv errs = is_failure(d) ? get(d, "errors") : jv_invalid();

		if (jv_get_kind(errs) == JV_KIND_ARRAY) {
			m = jv_array_length(jv_copy(errs));
			for (j = 0; j < m; j++) {
				jv e = jv_array_get(jv_copy(errs), j);

				if (jv_get_kind(e) == JV_KIND_OBJECT)
					f(arg, e);
				jv_free(e);
			}
		}
		jv_free(errs);
		jv_free(d);
	}
	jv_free(details);
}

struct first {
	char *code, *msg;
	size_t codelen, msglen;
	int found;
};

static void
first_cb(void *arg, jv e)
{
	struct first *c = arg;

	if (c->found || ac_gads_error_code(e, c->code, c->codelen) == -1)
		return;
	c->found = 1;
	str_into(get(e, "message"), c->msg, c->msglen);
}

int
ac_gads_first_error(jv status, char *code, size_t codelen, char *msg,
    size_t msglen)
{
	struct first c = { code, msg, codelen, msglen, 0 };

	code[0] = msg[0] = '\0';
	each_error(status, first_cb, &c);
	return c.found ? 0 : -1;
}

struct each {
	const char *listname;
	void (*f)(void *, long, jv);
	void *arg;
};

static void
each_cb(void *arg, jv e)
{
	struct each *c = arg;

	c->f(c->arg, row_of(e, c->listname), e);
}

void
ac_gads_each_error(jv status, const char *listname,
    void (*f)(void *arg, long row, jv error), void *arg)
{
	struct each c = { listname, f, arg };

	each_error(status, each_cb, &c);
}

/* The longest quotaErrorDetails.retryDelay among the errors. */
static void
delay_cb(void *arg, jv e)
{
	long long *ms = arg, d;
	jv det = get(e, "details");
	jv q = get(det, "quotaErrorDetails");
	jv rd = get(q, "retryDelay");

	if (jv_get_kind(rd) == JV_KIND_STRING &&
	    (d = ac_delay_ms(jv_string_value(rd))) > *ms)
		*ms = d;
	jv_free(rd);
	jv_free(q);
	jv_free(det);
}

long long
ac_gads_retry_delay_ms(jv status)
{
	long long ms = -1;

	each_error(status, delay_cb, &ms);
	return ms;
}

/* Codes that mean "send it again" whatever the HTTP status says
 * (google-ads-api §3.9). */
static const char *const retry_codes[] = {
	"quotaError.RESOURCE_TEMPORARILY_EXHAUSTED",
	"internalError.INTERNAL_ERROR",
	"internalError.TRANSIENT_ERROR",
	"internalError.DEADLINE_EXCEEDED",
	"databaseError.CONCURRENT_MODIFICATION",
};

int
ac_gads_code_retryable(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(retry_codes) / sizeof(retry_codes[0]); i++)
		if (strcmp(code, retry_codes[i]) == 0)
			return 1;
	return 0;
}

/* Answers */

struct pf {
	struct ac_rowerr *row, *wide;
	int n;
};

static void
pf_cb(void *arg, long i, jv e)
{
	struct pf *pf = arg;
	struct ac_rowerr *re = i >= 0 && i < pf->n ? &pf->row[i] : pf->wide;

	if (re->set)
		return;		/* the first error of a row decides */
	if (ac_gads_error_code(e, re->code, sizeof(re->code)) == -1)
		snprintf(re->code, sizeof(re->code), "unknown");
	ac_text_copy(re->msg, sizeof(re->msg),
	    ac_obj_str(e, "message") != NULL ? ac_obj_str(e, "message") : "");
	re->set = 1;
}

/*
 * Besides an error naming no row or a row outside 0..n-1, wide is set for
 * a failure without any GoogleAdsError ("rpc.STATUS", else "rpc.UNKNOWN"):
 * it names no row and is no success either.
 */
void
ac_gads_row_errors(jv pfe, const char *list, int n, struct ac_rowerr *row,
    struct ac_rowerr *wide)
{
	struct pf pf = { row, wide, n };

	jv st, code;
	int i;

	memset(row, 0, (size_t)n * sizeof(*row));
	memset(wide, 0, sizeof(*wide));
	ac_gads_each_error(pfe, list, pf_cb, &pf);
	for (i = 0; i < n; i++)
		if (row[i].set)
			return;
	if (wide->set || jv_get_kind(pfe) != JV_KIND_OBJECT ||
	    jv_object_length(jv_copy(pfe)) == 0)
		return;
	/* A failure without one GoogleAdsError: it names no row, and is
	 * no success either (ac-upload(1)). */
	code = get(pfe, "code");
	st = get(pfe, "status");
	if (jv_get_kind(code) == JV_KIND_NUMBER &&
	    jv_number_value(code) == 0 && jv_get_kind(st) != JV_KIND_STRING) {
		jv_free(code);
		jv_free(st);
		return;		/* google.rpc.Code OK */
	}
	snprintf(wide->code, sizeof(wide->code), "rpc.%s",
	    jv_get_kind(st) == JV_KIND_STRING ? jv_string_value(st) :
	    "UNKNOWN");
	ac_text_clean(wide->code);
	ac_text_copy(wide->msg, sizeof(wide->msg),
	    ac_obj_str(pfe, "message") != NULL ? ac_obj_str(pfe, "message") :
	    "a partial failure without errors");
	wide->set = 1;
	jv_free(code);
	jv_free(st);
}

/* Error codes */

/*
 * What the codes mean (google-ads-api §3.6-§3.9). A pattern ending in '.'
 * is a whole error family.
 */
static const struct {
	const char *code;
	enum ac_gads_class klass;
	const char *advice;
} codes[] = {
	{ "conversionUploadError.ORDER_ID_ALREADY_IN_USE", AC_GADS_ALREADY,
	    NULL },
	{ "conversionUploadError.CLICK_CONVERSION_ALREADY_EXISTS",
	    AC_GADS_ALREADY, NULL },
	{ "conversionUploadError.CALL_CONVERSION_ALREADY_EXISTS",
	    AC_GADS_ALREADY, NULL },
	{ "conversionAdjustmentUploadError.CONVERSION_ALREADY_ENHANCED",
	    AC_GADS_ALREADY, NULL },
	{ "conversionAdjustmentUploadError.CONVERSION_ALREADY_RETRACTED",
	    AC_GADS_ALREADY, NULL },
	{ "conversionAdjustmentUploadError.RESTATEMENT_ALREADY_EXISTS",
	    AC_GADS_ALREADY, NULL },
	/* "Later", not "never" (§3.9). Adjustments no longer wait 24 hours
	 * for their conversion (since 2024-09-09): TOO_RECENT_CONVERSION
	 * of an adjustment is a refusal like any other. */
	{ "conversionUploadError.TOO_RECENT_EVENT", AC_GADS_LATER, NULL },
	{ "conversionUploadError.TOO_RECENT_CONVERSION_ACTION", AC_GADS_LATER,
	    NULL },
	{ "conversionUploadError.TOO_RECENT_CALL", AC_GADS_LATER, NULL },
	{ "conversionAdjustmentUploadError.TOO_RECENT_CONVERSION_ACTION",
	    AC_GADS_LATER, NULL },
	/* The setup, not the rows. */
	{ "notAllowlistedError.CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE",
	    AC_GADS_SETUP, "since 2026-06-15 the Google Ads API takes offline "
	    "conversions only from developer tokens that uploaded them between "
	    "2025-12-17 and 2026-06-15; send them through the Data Manager API: "
	    "ac-batch --api datamanager" },
	{ "requestError.UNSUPPORTED_VERSION", AC_GADS_SETUP, "this API version "
	    "is no longer served: choose a newer one with --api-version" },
	{ "requestError.DEVELOPER_TOKEN_PARAMETER_MISSING", AC_GADS_SETUP,
	    "the Google Ads API needs a developer token: developer_token in "
	    "google-ads.yaml, AC_DEVELOPER_TOKEN or --developer-token-file" },
	{ "requestError.LOGIN_CUSTOMER_ID_PARAMETER_MISSING", AC_GADS_SETUP,
	    "this customer is reached through a manager account: set "
	    "login_customer_id (in the records or in google-ads.yaml)" },
	{ "authorizationError.DEVELOPER_TOKEN_NOT_APPROVED", AC_GADS_SETUP,
	    "the developer token may only be used with test accounts: apply for "
	    "Basic or Standard access in the API Center of the manager account" },
	{ "authorizationError.CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION",
	    AC_GADS_SETUP, "the Google Cloud project is approved for test "
	    "accounts only: apply for Explorer, Basic or Standard access" },
	{ "authorizationError.", AC_GADS_SETUP, "the credentials may not act "
	    "for this customer: check login_customer_id (a manager of the "
	    "customer), the user's access to the account and the developer "
	    "token" },
	{ "authenticationError.", AC_GADS_SETUP, "the credentials were "
	    "refused: ac-token check shows what is used" },
	{ "headerError.", AC_GADS_SETUP, "a customer ID header is wrong: check "
	    "login_customer_id and linked_customer_id" },
	{ "rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT", AC_GADS_SETUP, "the access "
	    "token lacks the scope this API needs (adwords for the Google Ads "
	    "API, datamanager for the Data Manager API): run ac-token login "
	    "again, which asks for both, or ac-token check to see the scopes" },
	{ "rpc.SERVICE_DISABLED", AC_GADS_SETUP, "the API is not enabled in "
	    "the Google Cloud project of the OAuth client: enable it in the "
	    "Cloud console (APIs & Services)" },
	{ "rpc.PERMISSION_DENIED", AC_GADS_SETUP, "the credentials may not "
	    "act for this account: check the user's or service account's "
	    "access and login_customer_id" },
};

static int
matches(const char *pat, const char *code)
{
	size_t n = strlen(pat);

	if (pat[n - 1] == '.')
		return strncmp(code, pat, n) == 0;
	return strcmp(code, pat) == 0;
}

enum ac_gads_class
ac_gads_class(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (matches(codes[i].code, code))
			return codes[i].klass;
	return AC_GADS_REFUSED;
}

const char *
ac_gads_advice(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].advice != NULL && matches(codes[i].code, code))
			return codes[i].advice;
	return NULL;
}

int
ac_gads_version_ok(const char *v)
{
	const char *s;

	for (s = v + 1; v[0] == 'v' && *s >= '0' && *s <= '9'; s++)
		;
	return v[0] == 'v' && s > v + 1 && *s == '\0';
}

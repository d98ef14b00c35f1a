/* SPDX-License-Identifier: MIT */
/*
 * ac-normalize: read conversion records (NDJSON), write them with every
 * field of the canonical set (man/ac.7) in its one canonical form.
 *
 * Reads and rewrites: customer_id, login_customer_id, conversion_action
 * (built from conversion_action_id when absent), conversion_date_time,
 * conversion_value, currency_code, order_id, conversion_environment,
 * gclid, gbraid, wbraid, and the identifiers email, phone, first_name,
 * last_name, street_address, city, region, postal_code, country_code.
 * Adjustments (a record with adjustment_type) and call conversions (with
 * caller_id) also have adjustment_type, adjustment_date_time,
 * adjusted_value, user_agent, caller_id and call_start_date_time checked;
 * on click conversions, the hot path, those fields pass through.
 * Other fields pass through untouched, in their order.
 *
 * A record that cannot become a conversion is rejected with a reason; an
 * identifier that cannot be normalized is removed with a warning under
 * "ac_warnings" and the record goes on.
 */
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jv.h>

#include "amount.h"
#include "crypto.h"
#include "data.h"
#include "diag.h"
#include "dtime.h"
#include "field.h"
#include "ndjson.h"
#include "norm.h"
#include "opt.h"
#include "stage.h"

#define MAX_SKEW 600		/* seconds a time may lie in the future */
#define MAX_USER_AGENT 512	/* bytes */
/* Google's timing rules (reference §2.2, §2.3), for warnings. */
#define CALL_MIN_AGE (6 * 3600LL)	/* TOO_RECENT_CALL */
#define ADJ_MAX_AGE (54 * 86400LL)	/* CONVERSION_EXPIRED */

struct opts {
	char region[3];		/* --default-region, "" when unset */
	int email_all;		/* --email-rule all */
	const char *tz;		/* --timezone, NULL when unset */
	const char *in_tz;	/* --input-timezone, NULL when unset */
	int minor;		/* --value-unit minor */
	long long click_window;	/* --click-window, in seconds */
	const char *def_customer;	/* --customer-id, or NULL */
	const char *def_action;		/* --conversion-action: a name */
	const char *def_action_id;	/* --conversion-action: an ID */
	int source;		/* --source */
	const char *rejects;
	const char *stats;		/* --stats */
	int quiet, verbose;
	long long now;
	struct ac_data data;
	struct ac_buf buf;	/* scratch for the normalizers */
	struct ac_fieldset fields;	/* names[0..NFIELDS) */
	struct ac_fieldset more;	/* names[NFIELDS..NALL) */
};

static const struct option longopts[] = {
	{ "click-window", required_argument, NULL, 'c' },
	{ "conversion-action", required_argument, NULL, 'a' },
	{ "customer-id", required_argument, NULL, 'C' },
	{ "default-region", required_argument, NULL, 'd' },
	{ "email-rule", required_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ "input-timezone", required_argument, NULL, 'Z' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "source", no_argument, NULL, 's' },
	{ "stats", required_argument, NULL, 'S' },
	{ "timezone", required_argument, NULL, 'z' },
	{ "value-unit", required_argument, NULL, 'u' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-normalize [-hqVv] [-a ACTION] [-C ID] [-c DAYS] "
	    "[-d CC] [-e gmail|all] [-R FILE] [-S FILE] [-s] [-u major|minor] "
	    "[-Z ZONE] "
	    "[-z ZONE] [FILE ...]\n"
	    "  -a, --conversion-action ACTION  conversion action (resource "
	    "name or ID) of records that have none\n"
	    "  -C, --customer-id ID     customer_id of records that have "
	    "none\n"
	    "  -c, --click-window DAYS  warn about clicks converted more than "
	    "DAYS ago (default 90)\n"
	    "  -d, --default-region CC  read national phone numbers as CC "
	    "when the record has no country_code\n"
	    "  -e, --email-rule RULE    gmail (default): drop dots and "
	    "+tags on gmail.com only; all: on every domain\n"
	    "  -h, --help               show this help\n"
	    "  -q, --quiet              no per-record messages, no "
	    "summary unless records were rejected\n"
	    "  -R, --rejects FILE       write rejected records to FILE\n"
	    "  -S, --stats FILE         write the counts of the run to FILE as JSON\n"
	    "  -s, --source             add ac_source {file, line}: where each "
	    "record was read\n"
	    "  -u, --value-unit UNIT    major (default): values in units of "
	    "the currency; minor: in its minor unit (cents)\n"
	    "  -V, --version            show the version\n"
	    "  -v, --verbose            show every per-record message\n"
	    "  -Z, --input-timezone ZONE  read times without offset in ZONE "
	    "(default: the -z zone)\n"
	    "  -z, --timezone ZONE      render times in ZONE (IANA name) "
	    "and read times without offset in it\n");
	exit(status);
}

/* What each warning code means, for the stderr line. */
static const char *
describe(const char *code)
{
	static const struct {
		const char *code, *text;
	} t[] = {
		{ "conversion_environment_invalid", "dropped: not APP or WEB" },
		{ "not_string", "dropped: not a string" },
		{ "postal_code_from_number", "was a number: leading zeros may "
		    "be lost, send it as a string" },
		{ "order_id_empty", "dropped: empty" },
		{ "click_expired", "older than the click-through window "
		    "(--click-window): Google refuses it (EXPIRED_EVENT)" },
		{ "customer_type_invalid", "dropped: not new, returning or "
		    "reengaged" },
	}, t2[] = {
		{ "adjusted_value_ignored", "dropped: only a RESTATEMENT "
		    "takes a new value" },
		{ "adjustment_date_time_ignored", "dropped: only an "
		    "adjustment takes an adjustment time" },
		{ "call_start_date_time_ignored", "dropped: only a call "
		    "conversion takes a call start time" },
		{ "caller_id_ignored", "dropped: only a call conversion takes "
		    "a caller" },
		{ "click_id_ignored", "dropped: not used to find a call or an "
		    "adjustment's conversion" },
		{ "user_agent_ignored", "dropped: only an ENHANCEMENT takes a "
		    "user agent" },
		{ "user_agent_invalid", "dropped: longer than 512 bytes" },
		{ "too_recent_call", "the call started less than 6 hours "
		    "ago; Google takes calls 6 hours after they start" },
		{ "conversion_expired", "more than 54 days ago; Google takes "
		    "no adjustments to older conversions" },
	};
	const char *text;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].code, code) == 0)
			return t[i].text;
	if ((text = ac_norm_describe(code)) != NULL)
		return text;
	/* Codes of calls and adjustments last, off the click path. */
	for (i = 0; i < sizeof(t2) / sizeof(t2[0]); i++)
		if (strcmp(t2[i].code, code) == 0)
			return t2[i].text;
	return "dropped";
}

enum field {
	F_CUSTOMER_ID, F_LOGIN_CUSTOMER_ID, F_ACTION, F_ACTION_ID, F_TIME,
	F_VALUE, F_CURRENCY, F_ORDER_ID, F_GCLID, F_GBRAID, F_WBRAID,
	F_ENVIRONMENT, F_COUNTRY, F_EMAIL, F_PHONE, F_FIRST_NAME, F_LAST_NAME,
	F_STREET, F_CITY, F_REGION, F_POSTAL, F_ADJ_TYPE, F_CALLER,
	F_CUSTOMER_TYPE, NFIELDS,
	/* Fields of calls and adjustments only, in a view of their own
	 * that a click record never pays for. */
	F_ADJ_TIME = NFIELDS, F_ADJ_VALUE, F_USER_AGENT, F_CALL_TIME, NALL
};

static const char *const names[NALL] = {
	"customer_id", "login_customer_id", "conversion_action",
	"conversion_action_id", "conversion_date_time", "conversion_value",
	"currency_code", "order_id", "gclid", "gbraid", "wbraid",
	"conversion_environment", "country_code", "email", "phone",
	"first_name", "last_name", "street_address", "city", "region",
	"postal_code", "adjustment_type", "caller_id", "customer_type",
	"adjustment_date_time",
	"adjusted_value", "user_agent", "call_start_date_time"
};

/* What a record is (man/ac.7), decided by its fields. */
enum kind { K_CLICK, K_CALL, K_ENHANCEMENT, K_RETRACTION, K_RESTATEMENT };

/* One record being normalized: its fields, and the rejection if any. */
struct rec {
	struct ac_view v;		/* fields 0..NFIELDS */
	struct ac_view x;		/* NFIELDS..NALL, once x_open */
	int x_open;
	jv err;				/* null, or the rejection */
	int country_dropped;		/* country_code was there, unreadable */
	char phone_cc[3];		/* then a phone region it names, or "" */
	enum kind kind;
	/* Epoch seconds of the times, for calls and adjustments only. */
	long long t_conv, t_adj, t_call;
	struct opts *o;
	struct ac_stage *st;
};

/* The view holding field *f, with *f made its index there. */
static struct ac_view *
view(struct rec *r, int *f)
{
	if (*f < NFIELDS)
		return &r->v;
	*f -= NFIELDS;
	return &r->x;
}

/* The value of field f, borrowed: jv_invalid() when absent. */
static jv
val(struct rec *r, int f)
{
	struct ac_view *w = view(r, &f);

	return ac_view_get(w, f);
}

static int
has(struct rec *r, int f)
{
	struct ac_view *w = view(r, &f);

	return ac_view_has(w, f);
}

static jv_kind
kind(struct rec *r, int f)
{
	struct ac_view *w = view(r, &f);

	return ac_view_kind(w, f);
}

/* The bytes of string field f, or NULL (see ac_view_str). */
static const char *
str(struct rec *r, int f, size_t *n)
{
	struct ac_view *w = view(r, &f);

	return ac_view_str(w, f, n);
}

static void
set(struct rec *r, int f, jv v)
{
	struct ac_view *w = view(r, &f);

	ac_view_set(w, f, v);
}

/* Set field f to the string s[0..n). */
static void
set_str(struct rec *r, int f, const char *s, size_t n)
{
	struct ac_view *w = view(r, &f);

	ac_view_set_str(w, f, s, n);
}

/* Set field f to the NUL-terminated string s. */
static void
set_cstr(struct rec *r, int f, const char *s)
{
	set_str(r, f, s, strlen(s));
}

static void
del(struct rec *r, int f)
{
	struct ac_view *w = view(r, &f);

	ac_view_del(w, f);
}

/* Remove field f and attach a warning saying why. */
static void
drop(struct rec *r, int f, const char *code)
{
	struct ac_view *w = view(r, &f);

	ac_stage_drop(r->st, w, f, code, describe(code));
}

/* Reject the record: err comes from ac_err(). Returns -1. */
static int
reject(struct rec *r, jv err)
{
	r->err = err;
	return -1;
}

/*
 * The text of a string field of the main view, with *n its length, or
 * NULL after removing a field that is null, blank (the same as absent) or
 * not a string (with a warning).
 */
static const char *
text(struct rec *r, int f, size_t *n)
{
	const char *s;
	size_t i;

	switch (kind(r, f)) {
	case JV_KIND_INVALID:
		return NULL;
	case JV_KIND_STRING:
		s = str(r, f, n);
		for (i = 0; i < *n; i++)
			if (s[i] != ' ' && s[i] != '\t')
				return s;
		/* FALLTHROUGH */
	case JV_KIND_NULL:
		del(r, f);
		return NULL;
	default:
		drop(r, f, "not_string");
		return NULL;
	}
}

/* Exactly ten digits once dashes and spaces are removed. */
static int
account_id(jv v, char out[11])
{
	const char *s;
	size_t n, i, k = 0;
	double d;

	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		d = jv_number_value(v);
		if (d != trunc(d) || d < 1e9 || d >= 1e10)
			return -1;
		ac_fmt_int(out, (long long)d);
		return 0;
	}
	if ((s = ac_field_str(v, &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '-' || s[i] == ' ')
			continue;
		if (s[i] < '0' || s[i] > '9' || k == 10)
			return -1;
		out[k++] = s[i];
	}
	out[k] = '\0';
	return k == 10 ? 0 : -1;
}

static int
norm_account(struct rec *r, int f)
{
	char id[11];

	if (!has(r, f))
		return 0;
	if (kind(r, f) == JV_KIND_NULL) {
		del(r, f);
		return 0;
	}
	if (account_id(ac_view_get(&r->v, f), id) == -1)
		return reject(r, ac_err(f == F_CUSTOMER_ID ?
		    "customer_id_invalid" : "login_customer_id_invalid",
		    names[f], "expected 10 digits, as 123-456-7890 or "
		    "1234567890"));
	set_cstr(r, f, id);
	return 0;
}

/* Digits of a conversion action id (string or integer), or -1. */
static int
action_id(jv v, char *out, size_t len)
{
	const char *s;
	size_t n, i;
	double d;

	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		d = jv_number_value(v);
		if (d != trunc(d) || d < 1 || d >= AC_MAX_EXACT)
			return -1;
		ac_fmt_int(out, (long long)d);
		return 0;
	}
	if ((s = ac_field_str(v, &n)) == NULL)
		return -1;
	s = ac_trim(s, &n);
	if (n == 0 || n > 19 || n >= len)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (strspn(s, "0") >= n)
		return -1;	/* ids start at 1 */
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/*
 * The id part of "customers/{10 digits}/conversionActions/{1-19 digits}"
 * in s[0..n), or NULL when s is not such a name.
 */
static const char *
action_name_id(const char *s, size_t n)
{
	static const char pre[] = "customers/", mid[] = "/conversionActions/";
	const size_t idat = sizeof(pre) - 1 + 10 + sizeof(mid) - 1;
	size_t i;

	if (n <= idat || n > idat + 19 || memcmp(s, pre, sizeof(pre) - 1) != 0 ||
	    memcmp(s + sizeof(pre) - 1 + 10, mid, sizeof(mid) - 1) != 0)
		return NULL;
	for (i = sizeof(pre) - 1; i < n; i++)
		if ((s[i] < '0' || s[i] > '9') &&
		    (i < sizeof(pre) - 1 + 10 || i >= idat))
			return NULL;
	return s + idat;
}

/*
 * conversion_action: "customers/{10 digits}/conversionActions/{digits}",
 * given or built from customer_id and conversion_action_id.
 */
static int
norm_action(struct rec *r)
{
	static const char mid[] = "/conversionActions/";
	const size_t pre = sizeof("customers/1234567890") - 1;
	char idbuf[24], name[80];
	const char *s, *p;
	size_t n;
	int have_id = 0;

	if (has(r, F_ACTION_ID) &&
	    kind(r, F_ACTION_ID) != JV_KIND_NULL) {
		if (action_id(ac_view_get(&r->v, F_ACTION_ID), idbuf, sizeof(idbuf)) == -1)
			return reject(r, ac_err("conversion_action_invalid",
			    names[F_ACTION_ID], "expected digits"));
		have_id = 1;
	}
	if (has(r, F_ACTION) &&
	    kind(r, F_ACTION) != JV_KIND_NULL) {
		if ((s = str(r, F_ACTION, &n)) != NULL)
			s = ac_trim(s, &n);
		if (s == NULL || (p = action_name_id(s, n)) == NULL)
			return reject(r, ac_err("conversion_action_invalid",
			    names[F_ACTION], "expected "
			    "customers/{customer_id}/conversionActions/{id}"));
		if (have_id && (strlen(idbuf) != n - (size_t)(p - s) ||
		    memcmp(p, idbuf, strlen(idbuf)) != 0))
			return reject(r, ac_err("conversion_action_mismatch",
			    names[F_ACTION_ID],
			    "differs from the id in conversion_action"));
		memcpy(name, s, n);
		name[n] = '\0';
		set_cstr(r, F_ACTION, name);
		if (!has(r, F_CUSTOMER_ID)) {
			name[pre] = '\0';
			set_cstr(r, F_CUSTOMER_ID, name + 10);
		}
		return 0;
	}
	if (!have_id)
		return reject(r, ac_err("conversion_action_missing",
		    names[F_ACTION], "no conversion_action or "
		    "conversion_action_id"));
	if (!has(r, F_CUSTOMER_ID))
		return reject(r, ac_err("customer_id_missing",
		    names[F_CUSTOMER_ID], "needed to build conversion_action "
		    "from conversion_action_id"));
	snprintf(name, sizeof(name), "customers/%s%s%s",
	    jv_string_value(ac_view_get(&r->v, F_CUSTOMER_ID)), mid, idbuf);
	set_cstr(r, F_ACTION, name);
	return 0;
}

/*
 * A time field: conversion_date_time, adjustment_date_time or
 * call_start_date_time, all read alike. With t (calls and adjustments,
 * never the click path), *t becomes its epoch seconds.
 */
static int
norm_time(struct rec *r, int f, long long *t)
{
	struct ac_civil c;
	char out[40], msg[96];
	const char *why;

	why = ac_time_value(val(r, f), r->o->tz != NULL, r->o->in_tz,
	    r->o->now, MAX_SKEW, out, sizeof(out), msg, sizeof(msg));
	if (why != NULL) {
		/* The newer fields have a code of their own for a missing
		 * time and one for any other fault, the message telling
		 * which (man/ac-normalize.1). */
		if (f == F_ADJ_TIME)
			why = strcmp(why, "time_missing") == 0 ?
			    "adjustment_date_time_missing" :
			    "adjustment_date_time_invalid";
		else if (f == F_CALL_TIME)
			why = strcmp(why, "time_missing") == 0 ?
			    "call_start_date_time_missing" :
			    "call_start_date_time_invalid";
		return reject(r, ac_err(why, names[f], "%s", msg));
	}
	set_cstr(r, f, out);
	if (t != NULL && ac_time_parse(out, strlen(out), &c) == NULL)
		*t = ac_time_epoch(&c, c.off);
	return 0;
}

/*
 * The minor unit of the record's currency_code, in digits; -1 when the
 * currency has none; -2 when currency_code is absent or unreadable (its
 * own check rejects the record then).
 */
static int
minor_exp(struct rec *r)
{
	const char *s;
	char code[4];
	size_t n, i, k = 0;

	if ((s = str(r, F_CURRENCY, &n)) == NULL)
		return -2;
	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		if (k == 3)
			return -2;
		code[k++] = (char)(s[i] >= 'a' && s[i] <= 'z' ?
		    s[i] - 'a' + 'A' : s[i]);
	}
	code[k] = '\0';
	if (!ac_data_is_currency(&r->o->data, code))
		return -2;
	return ac_data_minor_unit(&r->o->data, code);
}

/* conversion_value or adjusted_value (f), present: a number >= 0. */
static int
norm_amount(struct rec *r, int f)
{
	const char *s, *why = NULL;
	size_t n;
	double d = 0;
	int e;

	if (kind(r, f) == JV_KIND_NUMBER)
		d = jv_number_value(val(r, f));
	else if ((s = str(r, f, &n)) == NULL)
		why = "value_invalid";
	else
		why = ac_amount_parse(s, n, &d);
	if (why != NULL && strcmp(why, "value_ambiguous") == 0)
		return reject(r, ac_err(why, names[f], "a comma before three "
		    "digits: a thousands separator or a decimal comma? Write "
		    "the amount without thousands separators, or with a "
		    "decimal point as well"));
	if (why != NULL)
		return reject(r, ac_err("value_invalid", names[f],
		    "expected a number or a numeric string"));
	if (!isfinite(d) || fabs(d) >= DBL_MAX)
		return reject(r, ac_err("value_invalid", names[f],
		    "beyond the range of a number"));
	if (d < 0)
		return reject(r, ac_err("value_negative", names[f],
		    "negative; a refund is a retraction, not a negative "
		    "value"));
	if (r->o->minor) {
		if (d != trunc(d) || d >= AC_MAX_EXACT)
			return reject(r, ac_err("value_invalid", names[f],
			    "not a whole number of minor units "
			    "(--value-unit minor)"));
		if ((e = minor_exp(r)) == -1)
			return reject(r, ac_err("value_unit_unknown",
			    names[F_CURRENCY], "a currency without a minor "
			    "unit: --value-unit minor cannot read %s",
			    names[f]));
		if (e >= 0)
			d = ac_amount_from_minor(d, e);
	}
	if (kind(r, f) != JV_KIND_NUMBER || r->o->minor)
		set(r, f, jv_number(d));
	if (!has(r, F_CURRENCY))
		return reject(r, ac_err("currency_missing", names[F_CURRENCY],
		    "required with %s", names[f]));
	return 0;
}

/* conversion_value, the adjusted_value of a RESTATEMENT, currency_code. */
static int
norm_value(struct rec *r, int restatement)
{
	const char *s;
	char code[4];
	size_t n, i, k;

	if (has(r, F_VALUE) && kind(r, F_VALUE) == JV_KIND_NULL)
		del(r, F_VALUE);
	if (has(r, F_CURRENCY) &&
	    kind(r, F_CURRENCY) == JV_KIND_NULL)
		del(r, F_CURRENCY);
	if (has(r, F_VALUE) && norm_amount(r, F_VALUE) == -1)
		return -1;
	if (restatement && norm_amount(r, F_ADJ_VALUE) == -1)
		return -1;
	if (!has(r, F_CURRENCY))
		return 0;
	if ((s = str(r, F_CURRENCY, &n)) == NULL)
		goto bad;
	for (i = 0, k = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		if (k == 3)
			goto bad;
		code[k++] = (char)(s[i] >= 'a' && s[i] <= 'z' ?
		    s[i] - 'a' + 'A' : s[i]);
	}
	code[k] = '\0';
	if (!ac_data_is_currency(&r->o->data, code))
		goto bad;
	if (n != 3 || memcmp(s, code, 3) != 0)
		set_cstr(r, F_CURRENCY, code);
	return 0;
bad:
	return reject(r, ac_err("currency_invalid", names[F_CURRENCY],
	    "expected an ISO 4217 code"));
}

static int
norm_order(struct rec *r)
{
	const char *s;
	char num[32];
	size_t n, len;
	double d;

	switch (kind(r, F_ORDER_ID)) {
	case JV_KIND_INVALID:
		return 0;
	case JV_KIND_NULL:
		del(r, F_ORDER_ID);
		return 0;
	case JV_KIND_STRING:
		s = str(r, F_ORDER_ID, &n);
		len = n;
		s = ac_trim(s, &n);
		if (n == 0)
			drop(r, F_ORDER_ID, "order_id_empty");
		else if (n != len)
			set_str(r, F_ORDER_ID, s, n);
		return 0;
	case JV_KIND_NUMBER:
		d = jv_number_value(ac_view_get(&r->v, F_ORDER_ID));
		if (d != trunc(d) || fabs(d) >= AC_MAX_EXACT)
			return reject(r, ac_err("order_id_imprecise",
			    names[F_ORDER_ID], "a number that JSON parsers "
			    "cannot hold exactly; send order_id as a string"));
		ac_fmt_int(num, (long long)d);
		set_cstr(r, F_ORDER_ID, num);
		return 0;
	default:
		return reject(r, ac_err("order_id_invalid", names[F_ORDER_ID],
		    "expected string, got %s",
		    ac_field_kind(ac_view_get(&r->v, F_ORDER_ID))));
	}
}

/* gclid, gbraid, wbraid and conversion_environment: trimmed text. */
static void
norm_token(struct rec *r, int f)
{
	const char *s;
	char env[4];
	size_t n, len, i;

	if ((s = text(r, f, &n)) == NULL)
		return;
	len = n;
	s = ac_trim(s, &n);
	if (f == F_ENVIRONMENT) {
		if (n != 3) {
			drop(r, f, "conversion_environment_invalid");
			return;
		}
		for (i = 0; i < 3; i++)
			env[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ?
			    s[i] - 'a' + 'A' : s[i]);
		env[3] = '\0';
		if (strcmp(env, "APP") != 0 && strcmp(env, "WEB") != 0)
			drop(r, f, "conversion_environment_invalid");
		else if (memcmp(s, env, 3) != 0 || len != 3)
			set_cstr(r, f, env);
		return;
	}
	if (n != len)
		set_str(r, f, s, n);
}

/*
 * customer_type: new, returning or reengaged (re-engaged), any case, as
 * NEW, RETURNING or REENGAGED; anything else is dropped with a warning.
 */
static void
norm_customer_type(struct rec *r)
{
	static const char *const types[] = { "NEW", "RETURNING",
		"REENGAGED" };
	const char *s;
	char up[16];
	size_t n, i, k = 0;

	if ((s = text(r, F_CUSTOMER_TYPE, &n)) == NULL)
		return;
	s = ac_trim(s, &n);
	for (i = 0; i < n && k < sizeof(up) - 1; i++) {
		if (s[i] == '-' || s[i] == '_')
			continue;	/* re-engaged */
		up[k++] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' +
		    'A' : s[i]);
	}
	up[k] = '\0';
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(up, types[i]) == 0) {
			if (n != strlen(types[i]) ||
			    memcmp(s, types[i], n) != 0)
				set_cstr(r, F_CUSTOMER_TYPE, types[i]);
			return;
		}
	drop(r, F_CUSTOMER_TYPE, "customer_type_invalid");
}

/*
 * A hashable identifier that holds 64 hex digits is a hash made upstream:
 * kept, trimmed and lower-cased, for ac-hash to pass on; never mistaken
 * for a malformed e-mail address or phone number.
 */
static int
keep_hash(struct rec *r, int f, const char *s, size_t n)
{
	char hex[AC_SHA256_HEX];

	if (!ac_hash_text(s, n, hex))
		return 0;
	if (n != AC_SHA256_HEX - 1 || memcmp(hex, s, n) != 0)
		set_cstr(r, f, hex);
	return 1;
}

/* The region to read phone numbers in (see norm_identifier). */
static const char *
region_of(struct rec *r, char cc[4])
{
	const char *c;
	size_t cn;

	if ((c = str(r, F_COUNTRY, &cn)) != NULL) {
		if (cn >= 4)
			return NULL;
		memcpy(cc, c, cn);
		cc[cn] = '\0';
		return cc;
	}
	return r->country_dropped ? (r->phone_cc[0] ? r->phone_cc : NULL) :
	    r->o->region[0] ? r->o->region : NULL;
}

/* Append s[0..n) to the array *a unless it holds it already. */
static void
add_unique(jv *a, const char *s, size_t n)
{
	const char *e;
	size_t en;
	int dup = 0;

	jv_array_foreach(*a, i, x) {
		if (!dup && (e = ac_field_str(x, &en)) != NULL && en == n &&
		    memcmp(e, s, n) == 0)
			dup = 1;
		jv_free(x);
	}
	if (!dup)
		*a = jv_array_append(*a, jv_string_sized(s, (int)n));
}

/*
 * email or phone as an array (issue 13): each element normalized as a
 * string is, one that cannot be used removed with its warning, each value
 * once; an array left empty removed with the warning "empty".
 */
static void
norm_list(struct rec *r, int f)
{
	struct opts *o = r->o;
	const char *s, *why;
	char hex[AC_SHA256_HEX], cc[4];
	size_t n;
	jv a = ac_view_get(&r->v, f), out = jv_array();

	jv_array_foreach(a, i, e) {
		if ((s = ac_field_str(e, &n)) == NULL) {
			ac_stage_warn(r->st, r->v.rec, names[f], "not_string",
			    describe("not_string"));
		} else if (s = ac_trim(s, &n), n == 0) {
			;	/* blank: as absent */
		} else if (ac_hash_text(s, n, hex)) {
			add_unique(&out, hex, AC_SHA256_HEX - 1);
		} else if ((why = ac_norm_identifier(&o->buf, names[f], s, n,
		    f == F_PHONE ? region_of(r, cc) : NULL, o->email_all,
		    &o->data)) != NULL) {
			ac_stage_warn(r->st, r->v.rec, names[f], why,
			    describe(why));
		} else {
			add_unique(&out, o->buf.p, o->buf.len);
		}
		jv_free(e);
	}
	if (jv_array_length(jv_copy(out)) == 0) {
		jv_free(out);
		drop(r, f, "empty");
	} else
		set(r, f, out);
}

/* An identifier: normalized, or removed with a warning. */
static void
norm_identifier(struct rec *r, int f)
{
	struct opts *o = r->o;
	const char *s, *why, *region, *c;
	char num[32], cc[4];
	size_t n, cn;
	double d;

	if ((f == F_POSTAL || f == F_PHONE) &&
	    kind(r, f) == JV_KIND_NUMBER) {
		/* Numbers come from spreadsheets; take an integer as text. */
		d = jv_number_value(ac_view_get(&r->v, f));
		if (d == trunc(d) && fabs(d) < AC_MAX_EXACT) {
			ac_fmt_int(num, (long long)d);
			set_cstr(r, f, num);
			if (f == F_POSTAL)
				ac_stage_warn(r->st, r->v.rec, names[f],
				    "postal_code_from_number",
				    describe("postal_code_from_number"));
		}
	}
	if ((f == F_EMAIL || f == F_PHONE) && kind(r, f) == JV_KIND_ARRAY) {
		norm_list(r, f);
		return;
	}
	if ((s = text(r, f, &n)) == NULL)
		return;
	if (f >= F_EMAIL && f <= F_STREET && keep_hash(r, f, s, n))
		return;
	/* country_code, normalized first; -d only when the record had none
	 * (one that was there but unreadable may be from elsewhere). */
	if ((c = str(r, F_COUNTRY, &cn)) != NULL) {
		/* Read for phones only, after country_code was normalized
		 * (two letters, or removed). */
		region = cn < sizeof(cc) ? memcpy(cc, c, cn) : NULL;
		cc[cn < sizeof(cc) ? cn : 0] = '\0';
	} else
		region = r->country_dropped ? (r->phone_cc[0] ? r->phone_cc :
		    NULL) : o->region[0] ? o->region : NULL;
	why = ac_norm_identifier(&o->buf, names[f], s, n, region, o->email_all,
	    &o->data);
	/* Blank values were removed by text() as absent; a value that
	 * normalizes to nothing ("---" as a street) is worth a warning. */
	if (why != NULL) {
		if (f == F_COUNTRY) {
			r->country_dropped = 1;
			/* XK and the like: no country, but a phone region. */
			ac_norm_phone_region(s, n, &o->data, r->phone_cc);
		}
		drop(r, f, why);
	}
	else if (o->buf.len != n || memcmp(o->buf.p, s, n) != 0)
		set_str(r, f, o->buf.p, o->buf.len);
}

/* Nonzero when field f is null or a string of only spaces and tabs. */
static int
blank(struct rec *r, int f)
{
	const char *s;
	size_t n;

	if (kind(r, f) == JV_KIND_NULL)
		return 1;
	if ((s = str(r, f, &n)) == NULL)
		return 0;
	ac_trim(s, &n);
	return n == 0;
}

/* Nonzero when field f is there and neither null nor blank. */
static int
given(struct rec *r, int f)
{
	return has(r, f) && !blank(r, f);
}

/* adjustment_type: the kind of adjustment, trimmed and upper-cased. */
static int
norm_adjustment_type(struct rec *r)
{
	static const char *const types[] = { "ENHANCEMENT", "RETRACTION",
		"RESTATEMENT" };
	static const enum kind kinds[] = { K_ENHANCEMENT, K_RETRACTION,
		K_RESTATEMENT };
	const char *s;
	char up[16];
	size_t n, len, i;

	if ((s = str(r, F_ADJ_TYPE, &n)) != NULL) {
		len = n;
		s = ac_trim(s, &n);
		for (i = 0; i < n && n < sizeof(up); i++)
			up[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ?
			    s[i] - 'a' + 'A' : s[i]);
		up[i] = '\0';
		for (i = 0; n < sizeof(up) && i < 3; i++) {
			if (strcmp(up, types[i]) != 0)
				continue;
			r->kind = kinds[i];
			if (len != n || memcmp(s, up, n) != 0)
				set_cstr(r, F_ADJ_TYPE, up);
			return 0;
		}
	}
	return reject(r, ac_err("adjustment_type_invalid", names[F_ADJ_TYPE],
	    "expected ENHANCEMENT, RETRACTION or RESTATEMENT"));
}

/*
 * The region a national caller_id is read in, by the rule for phone: the
 * record's country_code as it will be normalized, else --default-region
 * when the record has none. NULL when there is no region. country_code
 * itself is left for later, when the identifiers are normalized.
 */
static const char *
caller_region(struct rec *r, char cc[3])
{
	struct opts *o = r->o;
	const char *s;
	size_t n;

	switch (kind(r, F_COUNTRY)) {
	case JV_KIND_STRING:
		if (!blank(r, F_COUNTRY)) {
			s = str(r, F_COUNTRY, &n);
			if (ac_norm_identifier(&o->buf, names[F_COUNTRY], s, n,
			    NULL, 0, &o->data) != NULL || o->buf.len != 2)
				return ac_norm_phone_region(s, n, &o->data, cc);
			memcpy(cc, o->buf.p, 3);
			return cc;
		}
		/* FALLTHROUGH */
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		return o->region[0] != '\0' ? o->region : NULL;
	default:
		return NULL;
	}
}

/*
 * caller_id: E.164 by the rules for phone, and never hashed: the API
 * finds the call by it. A call without a caller cannot be matched.
 */
static int
norm_caller(struct rec *r)
{
	struct opts *o = r->o;
	const char *s, *why, *region;
	char cc[3], num[32];
	size_t n;
	double d;

	if (kind(r, F_CALLER) == JV_KIND_NUMBER) {
		d = jv_number_value(ac_view_get(&r->v, F_CALLER));
		if (d == trunc(d) && fabs(d) < AC_MAX_EXACT) {
			ac_fmt_int(num, (long long)d);
			set_cstr(r, F_CALLER, num);
		}
	}
	if ((s = str(r, F_CALLER, &n)) == NULL)
		return reject(r, ac_err("caller_id_invalid", names[F_CALLER],
		    "expected string, got %s",
		    ac_field_kind(ac_view_get(&r->v, F_CALLER))));
	region = caller_region(r, cc);
	why = ac_norm_identifier(&o->buf, names[F_PHONE], s, n, region, 0,
	    &o->data);
	if (why != NULL) {
		s = describe(why);
		if (strncmp(s, "dropped: ", 9) == 0)
			s += 9;
		return reject(r, ac_err("caller_id_invalid", names[F_CALLER],
		    "%s", s));
	}
	if (o->buf.len != n || memcmp(o->buf.p, s, n) != 0)
		set_str(r, F_CALLER, o->buf.p, o->buf.len);
	return 0;
}

/*
 * What finds an adjustment's conversion: order_id (an ENHANCEMENT needs
 * it), or for a RETRACTION or RESTATEMENT gclid with conversion_date_time
 * instead; and the adjustment must not precede its conversion.
 */
static int
check_key(struct rec *r)
{
	int order, gclid;

	order = given(r, F_ORDER_ID);
	gclid = kind(r, F_GCLID) == JV_KIND_STRING &&
	    !blank(r, F_GCLID);
	if (r->kind == K_ENHANCEMENT) {
		if (!order)
			return reject(r, ac_err("order_id_missing",
			    names[F_ORDER_ID], "an ENHANCEMENT needs the "
			    "order_id of its conversion"));
	} else if (order && gclid)
		return reject(r, ac_err("adjustment_key_both",
		    names[F_ORDER_ID], "both order_id and gclid; a "
		    "RETRACTION or RESTATEMENT takes one of them as its "
		    "key"));
	else if (!order && !(gclid && has(r, F_TIME)))
		return reject(r, ac_err("adjustment_key_missing",
		    names[F_ORDER_ID], "a RETRACTION or RESTATEMENT needs "
		    "order_id, or gclid with conversion_date_time"));
	if (has(r, F_TIME) && has(r, F_ADJ_TIME) && r->t_adj < r->t_conv)
		return reject(r, ac_err("adjustment_precedes_conversion",
		    names[F_ADJ_TIME], "before conversion_date_time"));
	return 0;
}

/*
 * A call or an adjustment: open the view of the fields only they have,
 * and find the kind. Returns -1 after a rejection.
 */
static int
open_other(struct rec *r)
{
	static const int blank_is_absent[] = { F_ADJ_TIME, F_ADJ_VALUE,
		F_CALL_TIME };
	size_t i;

	ac_view_open(&r->x, &r->o->more, r->v.rec);
	r->x_open = 1;
	for (i = 0; i < sizeof(blank_is_absent) / sizeof(blank_is_absent[0]);
	    i++)
		if (blank(r, blank_is_absent[i]))
			del(r, blank_is_absent[i]);
	r->kind = K_CALL;
	r->t_conv = r->t_adj = r->t_call = 0;
	return has(r, F_ADJ_TYPE) ? norm_adjustment_type(r) : 0;
}

/*
 * The checks that can reject a call or an adjustment, after those it
 * shares with a click. Returns -1 after a rejection.
 */
static int
check_other(struct rec *r)
{
	if (r->kind == K_CALL) {
		if (norm_time(r, F_TIME, &r->t_conv) == -1 ||
		    norm_caller(r) == -1)
			return -1;
		if (!has(r, F_CALL_TIME))
			return reject(r, ac_err("call_start_date_time_missing",
			    names[F_CALL_TIME], "required for a call "
			    "conversion"));
		if (norm_time(r, F_CALL_TIME, &r->t_call) == -1)
			return -1;
		if (r->t_conv < r->t_call)
			return reject(r, ac_err("conversion_precedes_call",
			    names[F_TIME], "before call_start_date_time"));
		return norm_value(r, 0);
	}
	/* An adjustment keyed by order_id needs no conversion time. */
	if (has(r, F_TIME) && norm_time(r, F_TIME, &r->t_conv) == -1)
		return -1;
	if (has(r, F_ADJ_TIME)) {
		if (norm_time(r, F_ADJ_TIME, &r->t_adj) == -1)
			return -1;
	} else if (r->kind != K_ENHANCEMENT)
		return reject(r, ac_err("adjustment_date_time_missing",
		    names[F_ADJ_TIME], "required for a RETRACTION or "
		    "RESTATEMENT"));
	if (r->kind == K_RESTATEMENT && !has(r, F_ADJ_VALUE))
		return reject(r, ac_err("adjusted_value_missing",
		    names[F_ADJ_VALUE], "required for a RESTATEMENT"));
	if (norm_value(r, r->kind == K_RESTATEMENT) == -1)
		return -1;
	return check_key(r);
}

/* A field the record's kind does not use: removed, with a warning unless
 * it was null or blank. */
static void
ignore(struct rec *r, int f, const char *code)
{
	if (!has(r, f))
		return;
	if (blank(r, f))
		del(r, f);
	else
		drop(r, f, code);
}

/* A warning that keeps the field. */
static void
warn(struct rec *r, int f, const char *code)
{
	ac_stage_warn(r->st, r->v.rec, names[f], code, describe(code));
}

/* user_agent of an ENHANCEMENT: trimmed, at most MAX_USER_AGENT bytes. */
static void
norm_user_agent(struct rec *r)
{
	const char *s;
	size_t n, len;

	if (!has(r, F_USER_AGENT))
		return;
	if (blank(r, F_USER_AGENT)) {
		del(r, F_USER_AGENT);
		return;
	}
	if ((s = str(r, F_USER_AGENT, &n)) == NULL) {
		drop(r, F_USER_AGENT, "not_string");
		return;
	}
	len = n;
	s = ac_trim(s, &n);
	if (n > MAX_USER_AGENT)
		drop(r, F_USER_AGENT, "user_agent_invalid");
	else if (n != len)
		set_str(r, F_USER_AGENT, s, n);
}

/* The warnings of a call or an adjustment that was not rejected. */
static void
warn_other(struct rec *r)
{
	long long now = r->o->now;

	if (r->kind == K_CALL) {
		if (now - r->t_call < CALL_MIN_AGE)
			warn(r, F_CALL_TIME, "too_recent_call");
		ignore(r, F_GCLID, "click_id_ignored");
		ignore(r, F_GBRAID, "click_id_ignored");
		ignore(r, F_WBRAID, "click_id_ignored");
		ignore(r, F_ADJ_TIME, "adjustment_date_time_ignored");
		ignore(r, F_ADJ_VALUE, "adjusted_value_ignored");
		ignore(r, F_USER_AGENT, "user_agent_ignored");
		return;
	}
	/* No minimum age: since 2024-09-09 Google takes adjustments right
	 * after their conversion (google-ads-api.md, "Read first"). */
	if (has(r, F_TIME) && now - r->t_conv > ADJ_MAX_AGE)
		warn(r, F_TIME, "conversion_expired");
	ignore(r, F_GBRAID, "click_id_ignored");
	ignore(r, F_WBRAID, "click_id_ignored");
	ignore(r, F_CALLER, "caller_id_ignored");
	ignore(r, F_CALL_TIME, "call_start_date_time_ignored");
	if (r->kind != K_RESTATEMENT)
		ignore(r, F_ADJ_VALUE, "adjusted_value_ignored");
	if (r->kind == K_ENHANCEMENT)
		norm_user_agent(r);
	else
		ignore(r, F_USER_AGENT, "user_agent_ignored");
}

/* Returns null, or the rejection from ac_err(). */
static jv
normalize(struct ac_rec *rec, struct opts *o, struct ac_stage *st)
{
	/* country_code first: phone numbers are read in its region. */
	static const int ids[] = { F_COUNTRY, F_EMAIL, F_PHONE, F_FIRST_NAME,
		F_LAST_NAME, F_STREET, F_CITY, F_REGION, F_POSTAL };
	static const int blank_is_absent[] = { F_CUSTOMER_ID,
		F_LOGIN_CUSTOMER_ID, F_ACTION, F_ACTION_ID, F_TIME, F_VALUE,
		F_CURRENCY };
	struct rec r;
	size_t i;
	int other;

	ac_view_open(&r.v, &o->fields, rec);
	r.x_open = 0;
	r.country_dropped = 0;
	r.phone_cc[0] = '\0';
	r.o = o;
	r.st = st;
	r.err = jv_null();
	/* An empty cell of a CSV export is "" : absent, as null is. */
	for (i = 0; i < sizeof(blank_is_absent) / sizeof(blank_is_absent[0]);
	    i++)
		if (blank(&r, blank_is_absent[i]))
			del(&r, blank_is_absent[i]);
	/* --customer-id and --conversion-action fill what a record lacks;
	 * the values are normalized and checked as if the record had them. */
	if (o->def_customer != NULL && !has(&r, F_CUSTOMER_ID))
		set_cstr(&r, F_CUSTOMER_ID, o->def_customer);
	if (!has(&r, F_ACTION) && !has(&r, F_ACTION_ID)) {
		if (o->def_action != NULL)
			set_cstr(&r, F_ACTION, o->def_action);
		else if (o->def_action_id != NULL)
			set_cstr(&r, F_ACTION_ID, o->def_action_id);
	}
	/* The kind: a click, the hot path, costs two looks at what the scan
	 * found. A blank adjustment_type or caller_id is absent. */
	other = has(&r, F_ADJ_TYPE) || has(&r, F_CALLER);
	if (other) {
		if (blank(&r, F_ADJ_TYPE))
			del(&r, F_ADJ_TYPE);
		if (blank(&r, F_CALLER))
			del(&r, F_CALLER);
		other = has(&r, F_ADJ_TYPE) || has(&r, F_CALLER);
	}
	r.kind = K_CLICK;
	/* Everything that can reject the record comes first, so a rejected
	 * record carries no warnings. */
	if ((!other || open_other(&r) == 0) &&
	    norm_account(&r, F_CUSTOMER_ID) == 0 &&
	    norm_account(&r, F_LOGIN_CUSTOMER_ID) == 0 &&
	    norm_action(&r) == 0 && (other ? check_other(&r) == 0 :
	    norm_time(&r, F_TIME, &r.t_conv) == 0 &&
	    norm_value(&r, 0) == 0) &&
	    norm_order(&r) == 0) {
		if (other)
			warn_other(&r);
		norm_token(&r, F_GCLID);
		norm_token(&r, F_GBRAID);
		norm_token(&r, F_WBRAID);
		norm_token(&r, F_ENVIRONMENT);
		norm_customer_type(&r);
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			norm_identifier(&r, ids[i]);
		/* Its click came before it: older than the window, the
		 * click is too, and Google refuses a click ID it finds
		 * outside the window (EXPIRED_EVENT, google-ads-api.md).
		 * Without a click ID nothing is refused: a lead's
		 * identifiers just match no click that old. */
		if (!other && o->now - r.t_conv > o->click_window &&
		    (has(&r, F_GCLID) || has(&r, F_GBRAID) ||
		    has(&r, F_WBRAID)))
			warn(&r, F_TIME, "click_expired");
	}
	ac_view_close(&r.v);
	if (r.x_open)
		ac_view_close(&r.x);
	return r.err;
}

/*
 * --source: ac_source {file, line}, where the record was read, unless it
 * has one (from an earlier run): carried by every stage, and ac-batch
 * puts it in the rows, so that a result names the backend's own record.
 */
static void
add_source(struct ac_rec *rec, const struct ac_stage *st)
{
	jv v = ac_field_get(rec, "ac_source");

	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		jv_free(v);
		return;
	}
	jv_free(v);
	v = jv_object_set(jv_object(), jv_string("file"),
	    jv_string(st->rd.name));
	v = jv_object_set(v, jv_string("line"), jv_number((double)st->rd.line));
	ac_field_set(rec, "ac_source", v);
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	struct opts o;
	char err[512], idbuf[11];
	const char *env, *errstr;
	int ch, status;
	jv v, res;

	ac_setprogname("ac-normalize");
	memset(&o, 0, sizeof(o));
	o.click_window = 90 * 86400LL;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":a:C:c:d:e:hqR:S:su:VvZ:z:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (ac_norm_opt_region(optarg, o.region) == -1)
				usage(stderr, AC_EXIT_USAGE);
			break;
		case 'e':
			if (ac_norm_opt_email_rule(optarg, &o.email_all) == -1)
				usage(stderr, AC_EXIT_USAGE);
			break;
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'R':
			o.rejects = optarg;
			break;
		case 'S':
			o.stats = optarg;
			break;
		case 'V':
			ac_print_version();
			return AC_EXIT_OK;
		case 'v':
			o.verbose = 1;
			break;
		case 'a':
			if (action_name_id(optarg, strlen(optarg)) != NULL)
				o.def_action = optarg;
			else if (optarg[0] != '\0' && strlen(optarg) <= 19 &&
			    strspn(optarg, "0123456789") ==
			    strlen(optarg))
				o.def_action_id = optarg;
			else
				ac_diex(AC_EXIT_USAGE, "--conversion-action %s: "
				    "expected customers/{customer_id}/"
				    "conversionActions/{id} or the ID's digits",
				    optarg);
			break;
		case 'C':
			v = jv_string(optarg);
			ch = account_id(v, idbuf);
			jv_free(v);
			if (ch == -1)
				ac_diex(AC_EXIT_USAGE, "--customer-id %s: expected "
				    "10 digits, as 123-456-7890", optarg);
			o.def_customer = optarg;
			break;
		case 'c':
			o.click_window = 86400LL * ac_strtonum(optarg, 1, 365,
			    &errstr);
			if (errstr != NULL)
				ac_diex(AC_EXIT_USAGE, "--click-window %s: %s "
				    "(1 to 365 days)", optarg, errstr);
			break;
		case 's':
			o.source = 1;
			break;
		case 'u':
			if (strcmp(optarg, "minor") != 0 &&
			    strcmp(optarg, "major") != 0)
				ac_diex(AC_EXIT_USAGE, "--value-unit %s: expected "
				    "major or minor", optarg);
			o.minor = strcmp(optarg, "minor") == 0;
			break;
		case 'Z':
			o.in_tz = optarg;
			break;
		case 'z':
			o.tz = optarg;
			break;
		default:
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	/* Acquire everything before the first record. */
	ac_fieldset_init(&o.fields, names, NFIELDS);
	ac_fieldset_init(&o.more, names + NFIELDS, NALL - NFIELDS);
	if (ac_data_load(&o.data, err, sizeof(err)) == -1)
		ac_diex(AC_EXIT_FATAL, "%s", err);
	if (o.region[0] != '\0' && ac_data_region(&o.data, o.region) == NULL)
		ac_diex(AC_EXIT_USAGE, "--default-region: no phone numbering "
		    "data for that code");
	if (o.in_tz != NULL && !ac_time_zone_exists(o.in_tz))
		ac_diex(AC_EXIT_USAGE, "--input-timezone %s: not a time zone "
		    "of the zoneinfo database", o.in_tz);
	if (o.tz != NULL && !ac_time_zone_exists(o.tz))
		ac_diex(AC_EXIT_USAGE, "--timezone %s: not a time zone of the "
		    "zoneinfo database", o.tz);
	/* The zone the C library reads: the output zone, else the input
	 * zone (then reading a time costs no change of zone). */
	if (o.tz != NULL || o.in_tz != NULL) {
		setenv("TZ", o.tz != NULL ? o.tz : o.in_tz, 1);
		tzset();
	}
	o.now = (long long)time(NULL);
	if ((env = getenv("AC_NOW")) != NULL) {
		/* Test-only clock override (man/ac.7). */
		o.now = ac_strtonum(env, 0, 253402300799LL, &errstr);
		if (errstr != NULL)
			ac_diex(AC_EXIT_USAGE, "AC_NOW: %s", errstr);
	}
	if (ac_stage_open(&st, "ac-normalize", argc, argv, o.rejects, o.stats) == -1) {
		ac_data_free(&o.data);
		ac_fieldset_free(&o.fields);
		ac_fieldset_free(&o.more);
		return AC_EXIT_FATAL;
	}
	st.quiet = o.quiet;
	st.verbose = o.verbose;

	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec)) {
		res = normalize(&rec, &o, &st);
		if (o.source && jv_get_kind(res) == JV_KIND_NULL)
			add_source(&rec, &st);
		if (ac_stage_put(&st, &rec, res) == -1)
			break;
	}
	status = ac_stage_finish(&st);
	ac_rec_free(&rec);
	ac_data_free(&o.data);
	ac_buf_free(&o.buf);
	ac_fieldset_free(&o.fields);
	ac_fieldset_free(&o.more);
	return status;
}

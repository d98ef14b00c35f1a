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
 * Other fields pass through untouched, in their order.
 *
 * A record that cannot become a conversion is rejected with a reason; an
 * identifier that cannot be normalized is removed with a warning under
 * "ac_warnings" and the record goes on.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jv.h>

#include "data.h"
#include "diag.h"
#include "dtime.h"
#include "field.h"
#include "norm.h"
#include "opt.h"
#include "stage.h"

#define MAX_SKEW 600		/* seconds a time may lie in the future */
#define MAX_EXACT 9007199254740992.0	/* 2^53 */

struct opts {
	char region[3];		/* --default-region, "" when unset */
	int email_all;		/* --email-rule all */
	const char *tz;		/* --timezone, NULL when unset */
	const char *rejects;
	int quiet, verbose;
	long long now;
	struct ac_data data;
	struct ac_buf buf;	/* scratch for the normalizers */
};

static const struct option longopts[] = {
	{ "default-region", required_argument, NULL, 'd' },
	{ "email-rule", required_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "timezone", required_argument, NULL, 'z' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-normalize [-hqVv] [-d CC] [-e gmail|all] "
	    "[-R FILE] [-z ZONE] [FILE ...]\n"
	    "  -d, --default-region CC  read national phone numbers as CC "
	    "when the record has no country_code\n"
	    "  -e, --email-rule RULE    gmail (default): drop dots and "
	    "+tags on gmail.com only; all: on every domain\n"
	    "  -h, --help               show this help\n"
	    "  -q, --quiet              no per-record messages, no "
	    "summary unless records were rejected\n"
	    "  -R, --rejects FILE       write rejected records to FILE\n"
	    "  -V, --version            show the version\n"
	    "  -v, --verbose            show every per-record message\n"
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
		{ "email_invalid", "dropped: not an address of the form "
		    "local@domain.tld" },
		{ "phone_invalid", "dropped: not a phone number" },
		{ "phone_no_region", "dropped: national number and no "
		    "country_code or --default-region" },
		{ "phone_bad_length", "dropped: wrong number of digits" },
		{ "phone_bad_calling_code", "dropped: no such country "
		    "calling code" },
		{ "country_code_invalid", "dropped: not an ISO 3166-1 "
		    "alpha-2 code" },
		{ "conversion_environment_invalid", "dropped: not APP or WEB" },
		{ "placeholder", "dropped: a placeholder, not data" },
		{ "not_string", "dropped: not a string" },
		{ "postal_code_from_number", "was a number: leading zeros may "
		    "be lost, send it as a string" },
		{ "name_invalid", "dropped: cannot be normalized" },
		{ "street_address_invalid", "dropped: cannot be normalized" },
		{ "postal_code_invalid", "dropped: cannot be normalized" },
		{ "invalid", "dropped: cannot be normalized" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].code, code) == 0)
			return t[i].text;
	return "dropped";
}

static jv
get(jv rec, const char *key)
{
	return ac_field_get(jv_copy(rec), key);
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
		snprintf(out, 11, "%.0f", d);
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

static jv
norm_account(jv rec, const char *key)
{
	jv v = get(rec, key);
	char id[11];
	int r;

	if (!jv_is_valid(v))
		return rec;
	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return ac_field_del(rec, key);
	}
	r = account_id(v, id);
	jv_free(v);
	if (r == -1) {
		jv_free(rec);
		return ac_err(strcmp(key, "customer_id") == 0 ?
		    "customer_id_invalid" : "login_customer_id_invalid", key,
		    "expected 10 digits, as 123-456-7890 or 1234567890");
	}
	return ac_field_set(rec, key, jv_string(id));
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
		if (d != trunc(d) || d < 1 || d >= MAX_EXACT)
			return -1;
		snprintf(out, len, "%.0f", d);
		return 0;
	}
	if ((s = ac_field_str(v, &n)) == NULL || n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/*
 * conversion_action: "customers/{10 digits}/conversionActions/{digits}",
 * given or built from customer_id and conversion_action_id.
 */
static jv
norm_action(jv rec)
{
	static const char mid[] = "/conversionActions/";
	jv ca = get(rec, "conversion_action"), id = get(rec,
	    "conversion_action_id"), cid;
	char idbuf[24], cidbuf[11], name[80];
	const char *s, *p;
	size_t n;
	int have_id = 0;

	if (jv_is_valid(id) && jv_get_kind(id) != JV_KIND_NULL) {
		if (action_id(id, idbuf, sizeof(idbuf)) == -1) {
			jv_free(ca);
			jv_free(id);
			jv_free(rec);
			return ac_err("conversion_action_invalid",
			    "conversion_action_id", "expected digits");
		}
		have_id = 1;
	}
	jv_free(id);
	if (jv_is_valid(ca) && jv_get_kind(ca) != JV_KIND_NULL) {
		s = ac_field_str(ca, &n);
		if (s == NULL || n < 10 + 9 + sizeof(mid) ||
		    strncmp(s, "customers/", 10) != 0 ||
		    strspn(s + 10, "0123456789") != 10 ||
		    strncmp(s + 20, mid, sizeof(mid) - 1) != 0 ||
		    (p = s + 20 + sizeof(mid) - 1, strspn(p, "0123456789") !=
		    n - (size_t)(p - s)) || n - (size_t)(p - s) > 19) {
			jv_free(ca);
			jv_free(rec);
			return ac_err("conversion_action_invalid",
			    "conversion_action", "expected "
			    "customers/{customer_id}/conversionActions/{id}");
		}
		if (have_id && strcmp(p, idbuf) != 0) {
			jv_free(ca);
			jv_free(rec);
			return ac_err("conversion_action_mismatch",
			    "conversion_action_id",
			    "differs from the id in conversion_action");
		}
		memcpy(cidbuf, s + 10, 10);
		cidbuf[10] = '\0';
		jv_free(ca);
		if (!ac_field_has(rec, "customer_id"))
			rec = ac_field_set(rec, "customer_id",
			    jv_string(cidbuf));
		return rec;
	}
	jv_free(ca);
	if (!have_id) {
		jv_free(rec);
		return ac_err("conversion_action_missing", "conversion_action",
		    "no conversion_action or conversion_action_id");
	}
	cid = get(rec, "customer_id");
	if (jv_get_kind(cid) != JV_KIND_STRING) {
		jv_free(cid);
		jv_free(rec);
		return ac_err("customer_id_missing", "customer_id",
		    "needed to build conversion_action from "
		    "conversion_action_id");
	}
	snprintf(name, sizeof(name), "customers/%s%s%s",
	    jv_string_value(cid), mid, idbuf);
	jv_free(cid);
	return ac_field_set(rec, "conversion_action", jv_string(name));
}

static jv
norm_time(jv rec, const struct opts *o)
{
	static const char key[] = "conversion_date_time";
	jv v = get(rec, key);
	struct ac_civil c;
	const char *s, *why;
	char out[40];
	long long t;
	double d;
	size_t n;
	int off = 0;

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		jv_free(v);
		jv_free(rec);
		return ac_err("time_missing", key, "missing");
	case JV_KIND_NUMBER:
		d = jv_number_value(v);
		jv_free(v);
		if (!isfinite(d) || d < 0) {
			jv_free(rec);
			return ac_err("time_invalid", key, "not an epoch time");
		}
		/* Epoch seconds until the year 5138, milliseconds above. */
		t = (long long)(d >= 1e11 ? floor(d / 1000) : floor(d));
		off = o->tz ? ac_time_zone_offset(t) : 0;
		break;
	case JV_KIND_STRING:
		s = jv_string_value(v);
		n = (size_t)jv_string_length_bytes(jv_copy(v));
		if ((why = ac_time_parse(s, n, &c)) != NULL) {
			jv_free(v);
			jv_free(rec);
			return ac_err(why, key, "expected RFC 3339, "
			    "yyyy-mm-dd hh:mm:ss+hh:mm or epoch seconds");
		}
		jv_free(v);
		if (c.has_off) {
			t = ac_time_epoch(&c, c.off);
			off = o->tz ? ac_time_zone_offset(t) : c.off;
		} else if (o->tz == NULL) {
			jv_free(rec);
			return ac_err("time_no_offset", key,
			    "no UTC offset; give --timezone to read it");
		} else if ((why = ac_time_local(&c, &t)) != NULL) {
			jv_free(rec);
			return ac_err(why, key, "local time skipped by a "
			    "daylight-saving change in --timezone");
		} else {
			off = ac_time_zone_offset(t);
		}
		break;
	default:
		jv_free(rec);
		why = ac_field_kind(v);
		jv_free(v);
		return ac_err("time_invalid", key, "expected string or "
		    "number, got %s", why);
	}
	if (t > o->now + MAX_SKEW) {
		jv_free(rec);
		return ac_err("time_future", key, "in the future");
	}
	ac_time_format(out, sizeof(out), t, off);
	return ac_field_set(rec, key, jv_string(out));
}

/* A non-negative decimal number, such as "49.90" or " 120 ". */
static int
parse_value(const char *s, size_t n, double *out)
{
	char tmp[64], *end;
	size_t i;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	for (i = 0; i < n; i++)
		if (strchr("0123456789.eE+-", s[i]) == NULL)
			return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

static jv
norm_value(jv rec, const struct opts *o)
{
	jv v = get(rec, "conversion_value"), cur = get(rec, "currency_code");
	const char *s;
	char code[4];
	size_t n, i, k;
	double d = 0;
	int has_value = 0;

	if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL) {
		has_value = 1;
		if (jv_get_kind(v) == JV_KIND_NUMBER)
			d = jv_number_value(v);
		else if ((s = ac_field_str(v, &n)) == NULL ||
		    parse_value(s, n, &d) == -1)
			goto bad_value;
		if (d < 0) {
			jv_free(v);
			jv_free(cur);
			jv_free(rec);
			return ac_err("value_negative", "conversion_value",
			    "negative; a refund is a retraction, not a "
			    "negative value");
		}
		rec = ac_field_set(rec, "conversion_value", jv_number(d));
	} else if (jv_get_kind(v) == JV_KIND_NULL) {
		rec = ac_field_del(rec, "conversion_value");
	}
	jv_free(v);
	if (jv_is_valid(cur) && jv_get_kind(cur) != JV_KIND_NULL) {
		if ((s = ac_field_str(cur, &n)) == NULL)
			goto bad_currency;
		for (i = 0, k = 0; i < n; i++) {
			if (s[i] == ' ' || s[i] == '\t')
				continue;
			if (k == 3)
				goto bad_currency;
			code[k++] = (char)(s[i] >= 'a' && s[i] <= 'z' ?
			    s[i] - 'a' + 'A' : s[i]);
		}
		code[k] = '\0';
		if (!ac_data_is_currency(&o->data, code))
			goto bad_currency;
		jv_free(cur);
		return ac_field_set(rec, "currency_code", jv_string(code));
	}
	if (jv_get_kind(cur) == JV_KIND_NULL)
		rec = ac_field_del(rec, "currency_code");
	jv_free(cur);
	if (has_value) {
		jv_free(rec);
		return ac_err("currency_missing", "currency_code",
		    "required with conversion_value");
	}
	return rec;
bad_value:
	jv_free(v);
	jv_free(cur);
	jv_free(rec);
	return ac_err("value_invalid", "conversion_value",
	    "expected a number or a numeric string");
bad_currency:
	jv_free(cur);
	jv_free(rec);
	return ac_err("currency_invalid", "currency_code",
	    "expected an ISO 4217 code");
}

static jv
norm_order(jv rec, struct ac_stage *st)
{
	jv v = get(rec, "order_id");
	const char *s;
	char num[32];
	size_t n;
	double d;

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
		jv_free(v);
		return rec;
	case JV_KIND_NULL:
		jv_free(v);
		return ac_field_del(rec, "order_id");
	case JV_KIND_STRING:
		s = ac_field_str(v, &n);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 0) {
			jv_free(v);
			rec = ac_field_del(rec, "order_id");
			return ac_stage_warn(st, rec, "order_id", "empty",
			    "dropped: empty");
		}
		rec = ac_field_set(rec, "order_id", jv_string_sized(s,
		    (int)n));
		jv_free(v);
		return rec;
	case JV_KIND_NUMBER:
		d = jv_number_value(v);
		jv_free(v);
		if (d != trunc(d) || fabs(d) >= MAX_EXACT) {
			jv_free(rec);
			return ac_err("order_id_imprecise", "order_id",
			    "a number that JSON parsers cannot hold exactly; "
			    "send order_id as a string");
		}
		snprintf(num, sizeof(num), "%.0f", d);
		return ac_field_set(rec, "order_id", jv_string(num));
	default:
		jv_free(rec);
		s = ac_field_kind(v);
		jv_free(v);
		return ac_err("order_id_invalid", "order_id",
		    "expected string, got %s", s);
	}
}

/* Remove a dropped field and say why. */
static jv
drop(jv rec, struct ac_stage *st, const char *key, const char *code)
{
	rec = ac_field_del(rec, key);
	return ac_stage_warn(st, rec, key, code, describe(code));
}

/*
 * The string in rec[key], trimmed of nothing, or NULL after removing a
 * field that is null, empty or not a string (with a warning for the
 * latter). *v keeps the value alive; free it after use.
 */
static const char *
string_field(jv *recp, struct ac_stage *st, const char *key, jv *v,
    size_t *n)
{
	const char *s;
	size_t i;

	*v = get(*recp, key);
	switch (jv_get_kind(*v)) {
	case JV_KIND_INVALID:
		return NULL;
	case JV_KIND_NULL:
		*recp = ac_field_del(*recp, key);
		return NULL;
	case JV_KIND_STRING:
		s = ac_field_str(*v, n);
		for (i = 0; i < *n; i++)
			if (s[i] != ' ' && s[i] != '\t')
				return s;
		/* Empty is the same as absent. */
		*recp = ac_field_del(*recp, key);
		return NULL;
	default:
		*recp = drop(*recp, st, key, "not_string");
		return NULL;
	}
}

static jv
norm_text_field(jv rec, struct opts *o, struct ac_stage *st,
    const char *key)
{
	const char *s, *why;
	size_t n;
	jv v;

	if (strcmp(key, "postal_code") == 0 || strcmp(key, "phone") == 0) {
		/* Numbers come from spreadsheets; take an integer as text. */
		v = get(rec, key);
		if (jv_get_kind(v) == JV_KIND_NUMBER &&
		    jv_number_value(v) == trunc(jv_number_value(v)) &&
		    fabs(jv_number_value(v)) < MAX_EXACT) {
			char num[32];

			snprintf(num, sizeof(num), "%.0f", jv_number_value(v));
			rec = ac_field_set(rec, key, jv_string(num));
			if (key[1] == 'o')
				rec = ac_stage_warn(st, rec, key,
				    "postal_code_from_number",
				    describe("postal_code_from_number"));
		}
		jv_free(v);
	}
	if ((s = string_field(&rec, st, key, &v, &n)) == NULL) {
		jv_free(v);
		return rec;
	}
	if (strcmp(key, "email") == 0) {
		why = ac_norm_email(&o->buf, s, n, o->email_all, &o->data);
	} else if (strcmp(key, "phone") == 0) {
		jv cc = get(rec, "country_code");
		const char *region = jv_get_kind(cc) == JV_KIND_STRING ?
		    jv_string_value(cc) : o->region[0] ? o->region : NULL;

		why = ac_norm_phone(&o->buf, s, n, region, &o->data);
		jv_free(cc);
	} else if (strcmp(key, "first_name") == 0 ||
	    strcmp(key, "last_name") == 0) {
		why = ac_norm_name(&o->buf, s, n, key, &o->data);
	} else if (strcmp(key, "street_address") == 0) {
		why = ac_norm_street(&o->buf, s, n, &o->data);
	} else if (strcmp(key, "postal_code") == 0) {
		why = ac_norm_postal(&o->buf, s, n, &o->data);
	} else if (strcmp(key, "country_code") == 0) {
		why = ac_norm_country(&o->buf, s, n, &o->data);
	} else {
		why = ac_norm_place(&o->buf, s, n, key, &o->data);
	}
	jv_free(v);
	if (why != NULL && strcmp(why, AC_NORM_EMPTY) == 0)
		return ac_field_del(rec, key);
	if (why != NULL)
		return drop(rec, st, key, why);
	return ac_field_set(rec, key, jv_string_sized(o->buf.p,
	    (int)o->buf.len));
}

/* gclid, gbraid, wbraid and conversion_environment: trimmed text. */
static jv
norm_token(jv rec, struct ac_stage *st, const char *key, int upper)
{
	const char *s;
	char *t;
	size_t n, i;
	jv v;

	if ((s = string_field(&rec, st, key, &v, &n)) == NULL) {
		jv_free(v);
		return rec;
	}
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if ((t = strndup(s, n)) == NULL)
		ac_die(AC_EXIT_FATAL, "out of memory");
	jv_free(v);
	if (upper) {
		for (i = 0; i < n; i++)
			if (t[i] >= 'a' && t[i] <= 'z')
				t[i] = (char)(t[i] - 'a' + 'A');
		if (strcmp(t, "APP") != 0 && strcmp(t, "WEB") != 0) {
			free(t);
			return drop(rec, st, key,
			    "conversion_environment_invalid");
		}
	}
	rec = ac_field_set(rec, key, jv_string_sized(t, (int)n));
	free(t);
	return rec;
}

static jv
normalize(jv rec, struct opts *o, struct ac_stage *st)
{
	static const char *const ids[] = { "country_code", "email", "phone",
		"first_name", "last_name", "street_address", "city", "region",
		"postal_code", NULL };
	const char *const *k;

	/* Everything that can reject the record comes first, so a rejected
	 * record carries no warnings. */
	rec = norm_account(rec, "customer_id");
	if (jv_is_valid(rec))
		rec = norm_account(rec, "login_customer_id");
	if (jv_is_valid(rec))
		rec = norm_action(rec);
	if (jv_is_valid(rec))
		rec = norm_time(rec, o);
	if (jv_is_valid(rec))
		rec = norm_value(rec, o);
	if (jv_is_valid(rec))
		rec = norm_order(rec, st);
	if (!jv_is_valid(rec))
		return rec;
	rec = norm_token(rec, st, "gclid", 0);
	rec = norm_token(rec, st, "gbraid", 0);
	rec = norm_token(rec, st, "wbraid", 0);
	rec = norm_token(rec, st, "conversion_environment", 1);
	for (k = ids; *k != NULL; k++)
		rec = norm_text_field(rec, o, st, *k);
	return rec;
}

static void
set_region(struct opts *o, const char *arg)
{
	size_t i;

	if (strlen(arg) != 2)
		usage(stderr, AC_EXIT_USAGE);
	for (i = 0; i < 2; i++)
		o->region[i] = (char)(arg[i] >= 'a' && arg[i] <= 'z' ?
		    arg[i] - 'a' + 'A' : arg[i]);
	o->region[2] = '\0';
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct opts o;
	char err[512];
	const char *env, *errstr;
	jv rec;
	int ch, status;

	ac_setprogname("ac-normalize");
	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "d:e:hqR:Vvz:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			set_region(&o, optarg);
			break;
		case 'e':
			if (strcmp(optarg, "all") == 0)
				o.email_all = 1;
			else if (strcmp(optarg, "gmail") == 0)
				o.email_all = 0;
			else
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
		case 'V':
			ac_print_version();
			return AC_EXIT_OK;
		case 'v':
			o.verbose = 1;
			break;
		case 'z':
			o.tz = optarg;
			break;
		default:
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	/* Acquire everything before the first record. */
	if (ac_data_load(&o.data, err, sizeof(err)) == -1)
		ac_diex(AC_EXIT_FATAL, "%s", err);
	if (o.region[0] != '\0' && ac_data_region(&o.data, o.region) == NULL)
		ac_diex(AC_EXIT_USAGE, "--default-region: no phone numbering "
		    "data for that code");
	if (o.tz != NULL) {
		if (!ac_time_zone_exists(o.tz))
			ac_diex(AC_EXIT_USAGE, "--timezone %s: not a time zone "
			    "of the zoneinfo database", o.tz);
		setenv("TZ", o.tz, 1);
		tzset();
	}
	o.now = (long long)time(NULL);
	if ((env = getenv("AC_NOW")) != NULL) {
		/* Test-only clock override (man/ac.7). */
		o.now = ac_strtonum(env, 0, 253402300799LL, &errstr);
		if (errstr != NULL)
			ac_diex(AC_EXIT_USAGE, "AC_NOW: %s", errstr);
	}
	if (ac_stage_open(&st, "ac-normalize", argc, argv, o.rejects) == -1)
		return AC_EXIT_FATAL;
	st.quiet = o.quiet;
	st.verbose = o.verbose;

	while (ac_stage_next(&st, &rec))
		if (ac_stage_put(&st, normalize(rec, &o, &st)) == -1)
			break;
	status = ac_stage_finish(&st);
	ac_data_free(&o.data);
	ac_buf_free(&o.buf);
	return status;
}

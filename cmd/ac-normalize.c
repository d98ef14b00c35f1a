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
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jv.h>

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

struct opts {
	char region[3];		/* --default-region, "" when unset */
	int email_all;		/* --email-rule all */
	const char *tz;		/* --timezone, NULL when unset */
	const char *rejects;
	int quiet, verbose;
	long long now;
	struct ac_data data;
	struct ac_buf buf;	/* scratch for the normalizers */
	struct ac_fieldset fields;
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
		{ "conversion_environment_invalid", "dropped: not APP or WEB" },
		{ "not_string", "dropped: not a string" },
		{ "postal_code_from_number", "was a number: leading zeros may "
		    "be lost, send it as a string" },
		{ "order_id_empty", "dropped: empty" },
	};
	const char *text;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].code, code) == 0)
			return t[i].text;
	text = ac_norm_describe(code);
	return text != NULL ? text : "dropped";
}

enum field {
	F_CUSTOMER_ID, F_LOGIN_CUSTOMER_ID, F_ACTION, F_ACTION_ID, F_TIME,
	F_VALUE, F_CURRENCY, F_ORDER_ID, F_GCLID, F_GBRAID, F_WBRAID,
	F_ENVIRONMENT, F_COUNTRY, F_EMAIL, F_PHONE, F_FIRST_NAME, F_LAST_NAME,
	F_STREET, F_CITY, F_REGION, F_POSTAL, NFIELDS
};

static const char *const names[NFIELDS] = {
	"customer_id", "login_customer_id", "conversion_action",
	"conversion_action_id", "conversion_date_time", "conversion_value",
	"currency_code", "order_id", "gclid", "gbraid", "wbraid",
	"conversion_environment", "country_code", "email", "phone",
	"first_name", "last_name", "street_address", "city", "region",
	"postal_code"
};

/* One record being normalized: its fields, and the rejection if any. */
struct rec {
	struct ac_view v;
	jv err;				/* null, or the rejection */
	int country_dropped;		/* country_code was there, unreadable */
	struct opts *o;
	struct ac_stage *st;
};

static int
has(const struct rec *r, int f)
{
	return ac_view_has(&r->v, f);
}

static void
set(struct rec *r, int f, jv v)
{
	ac_view_set(&r->v, f, v);
}

static void
del(struct rec *r, int f)
{
	ac_view_del(&r->v, f);
}

/* Remove field f and attach a warning saying why. */
static void
drop(struct rec *r, int f, const char *code)
{
	ac_stage_drop(r->st, &r->v, f, code, describe(code));
}

/* Reject the record: err comes from ac_err(). Returns -1. */
static int
reject(struct rec *r, jv err)
{
	r->err = err;
	return -1;
}

/*
 * The text of a string field, with *n its length, or NULL after removing
 * a field that is null, blank (the same as absent) or not a string (with
 * a warning).
 */
static const char *
text(struct rec *r, int f, size_t *n)
{
	const char *s;
	size_t i;

	switch (jv_get_kind(r->v.val[f])) {
	case JV_KIND_INVALID:
		return NULL;
	case JV_KIND_STRING:
		s = ac_field_str(r->v.val[f], n);
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
	if (jv_get_kind(r->v.val[f]) == JV_KIND_NULL) {
		del(r, f);
		return 0;
	}
	if (account_id(r->v.val[f], id) == -1)
		return reject(r, ac_err(f == F_CUSTOMER_ID ?
		    "customer_id_invalid" : "login_customer_id_invalid",
		    names[f], "expected 10 digits, as 123-456-7890 or "
		    "1234567890"));
	set(r, f, jv_string(id));
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
	    jv_get_kind(r->v.val[F_ACTION_ID]) != JV_KIND_NULL) {
		if (action_id(r->v.val[F_ACTION_ID], idbuf, sizeof(idbuf)) == -1)
			return reject(r, ac_err("conversion_action_invalid",
			    names[F_ACTION_ID], "expected digits"));
		have_id = 1;
	}
	if (has(r, F_ACTION) &&
	    jv_get_kind(r->v.val[F_ACTION]) != JV_KIND_NULL) {
		if ((s = ac_field_str(r->v.val[F_ACTION], &n)) != NULL)
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
		set(r, F_ACTION, jv_string(name));
		if (!has(r, F_CUSTOMER_ID)) {
			name[pre] = '\0';
			set(r, F_CUSTOMER_ID, jv_string(name + 10));
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
	    jv_string_value(r->v.val[F_CUSTOMER_ID]), mid, idbuf);
	set(r, F_ACTION, jv_string(name));
	return 0;
}

static int
norm_time(struct rec *r)
{
	char out[40], msg[96];
	const char *why;

	why = ac_time_value(r->v.val[F_TIME], r->o->tz != NULL, r->o->now,
	    MAX_SKEW, out, sizeof(out), msg, sizeof(msg));
	if (why != NULL)
		return reject(r, ac_err(why, names[F_TIME], "%s", msg));
	set(r, F_TIME, jv_string(out));
	return 0;
}

/* A non-negative decimal number, such as "49.90" or " 120 ". */
static int
parse_value(const char *s, size_t n, double *out)
{
	char tmp[64], *end;
	size_t i;

	s = ac_trim(s, &n);
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

static int
norm_value(struct rec *r)
{
	const char *s;
	char code[4];
	size_t n, i, k;
	double d = 0;

	if (has(r, F_VALUE) && jv_get_kind(r->v.val[F_VALUE]) == JV_KIND_NULL)
		del(r, F_VALUE);
	if (has(r, F_CURRENCY) &&
	    jv_get_kind(r->v.val[F_CURRENCY]) == JV_KIND_NULL)
		del(r, F_CURRENCY);
	if (has(r, F_VALUE)) {
		if (jv_get_kind(r->v.val[F_VALUE]) == JV_KIND_NUMBER)
			d = jv_number_value(r->v.val[F_VALUE]);
		else if ((s = ac_field_str(r->v.val[F_VALUE], &n)) == NULL ||
		    parse_value(s, n, &d) == -1)
			return reject(r, ac_err("value_invalid",
			    names[F_VALUE], "expected a number or a numeric "
			    "string"));
		if (!isfinite(d) || fabs(d) >= DBL_MAX)
			return reject(r, ac_err("value_invalid",
			    names[F_VALUE], "beyond the range of a number"));
		if (d < 0)
			return reject(r, ac_err("value_negative",
			    names[F_VALUE], "negative; a refund is a "
			    "retraction, not a negative value"));
		if (jv_get_kind(r->v.val[F_VALUE]) != JV_KIND_NUMBER)
			set(r, F_VALUE, jv_number(d));
		if (!has(r, F_CURRENCY))
			return reject(r, ac_err("currency_missing",
			    names[F_CURRENCY],
			    "required with conversion_value"));
	}
	if (!has(r, F_CURRENCY))
		return 0;
	if ((s = ac_field_str(r->v.val[F_CURRENCY], &n)) == NULL)
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
		set(r, F_CURRENCY, jv_string(code));
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

	switch (jv_get_kind(r->v.val[F_ORDER_ID])) {
	case JV_KIND_INVALID:
		return 0;
	case JV_KIND_NULL:
		del(r, F_ORDER_ID);
		return 0;
	case JV_KIND_STRING:
		s = ac_field_str(r->v.val[F_ORDER_ID], &n);
		len = n;
		s = ac_trim(s, &n);
		if (n == 0)
			drop(r, F_ORDER_ID, "order_id_empty");
		else if (n != len)
			set(r, F_ORDER_ID, jv_string_sized(s, (int)n));
		return 0;
	case JV_KIND_NUMBER:
		d = jv_number_value(r->v.val[F_ORDER_ID]);
		if (d != trunc(d) || fabs(d) >= AC_MAX_EXACT)
			return reject(r, ac_err("order_id_imprecise",
			    names[F_ORDER_ID], "a number that JSON parsers "
			    "cannot hold exactly; send order_id as a string"));
		ac_fmt_int(num, (long long)d);
		set(r, F_ORDER_ID, jv_string(num));
		return 0;
	default:
		return reject(r, ac_err("order_id_invalid", names[F_ORDER_ID],
		    "expected string, got %s",
		    ac_field_kind(r->v.val[F_ORDER_ID])));
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
			set(r, f, jv_string(env));
		return;
	}
	if (n != len)
		set(r, f, jv_string_sized(s, (int)n));
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
		set(r, f, jv_string(hex));
	return 1;
}

/* An identifier: normalized, or removed with a warning. */
static void
norm_identifier(struct rec *r, int f)
{
	struct opts *o = r->o;
	const char *s, *why, *region;
	char num[32];
	size_t n;
	double d;

	if ((f == F_POSTAL || f == F_PHONE) &&
	    jv_get_kind(r->v.val[f]) == JV_KIND_NUMBER) {
		/* Numbers come from spreadsheets; take an integer as text. */
		d = jv_number_value(r->v.val[f]);
		if (d == trunc(d) && fabs(d) < AC_MAX_EXACT) {
			ac_fmt_int(num, (long long)d);
			set(r, f, jv_string(num));
			if (f == F_POSTAL)
				ac_stage_warn(r->st, r->v.rec, names[f],
				    "postal_code_from_number",
				    describe("postal_code_from_number"));
		}
	}
	if ((s = text(r, f, &n)) == NULL)
		return;
	if (f >= F_EMAIL && f <= F_STREET && keep_hash(r, f, s, n))
		return;
	/* country_code, normalized first; -d only when the record had none
	 * (one that was there but unreadable may be from elsewhere). */
	region = jv_get_kind(r->v.val[F_COUNTRY]) == JV_KIND_STRING ?
	    jv_string_value(r->v.val[F_COUNTRY]) :
	    o->region[0] && !r->country_dropped ? o->region : NULL;
	why = ac_norm_identifier(&o->buf, names[f], s, n, region, o->email_all,
	    &o->data);
	/* Blank values were removed by text() as absent; a value that
	 * normalizes to nothing ("---" as a street) is worth a warning. */
	if (why != NULL) {
		drop(r, f, why);
		if (f == F_COUNTRY)
			r->country_dropped = 1;
	}
	else if (o->buf.len != n || memcmp(o->buf.p, s, n) != 0)
		set(r, f, jv_string_sized(o->buf.p, (int)o->buf.len));
}

/* Nonzero for null and for a string of only spaces and tabs. */
static int
blank(jv v)
{
	const char *s;
	size_t n;

	if (jv_get_kind(v) == JV_KIND_NULL)
		return 1;
	if ((s = ac_field_str(v, &n)) == NULL)
		return 0;
	ac_trim(s, &n);
	return n == 0;
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

	ac_view_open(&r.v, &o->fields, rec);
	r.country_dropped = 0;
	r.o = o;
	r.st = st;
	r.err = jv_null();
	/* An empty cell of a CSV export is "" : absent, as null is. */
	for (i = 0; i < sizeof(blank_is_absent) / sizeof(blank_is_absent[0]);
	    i++)
		if (blank(r.v.val[blank_is_absent[i]]))
			del(&r, blank_is_absent[i]);
	/* Everything that can reject the record comes first, so a rejected
	 * record carries no warnings. */
	if (norm_account(&r, F_CUSTOMER_ID) == 0 &&
	    norm_account(&r, F_LOGIN_CUSTOMER_ID) == 0 &&
	    norm_action(&r) == 0 && norm_time(&r) == 0 &&
	    norm_value(&r) == 0 && norm_order(&r) == 0) {
		norm_token(&r, F_GCLID);
		norm_token(&r, F_GBRAID);
		norm_token(&r, F_WBRAID);
		norm_token(&r, F_ENVIRONMENT);
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			norm_identifier(&r, ids[i]);
	}
	ac_view_close(&r.v);
	return r.err;
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	struct opts o;
	char err[512];
	const char *env, *errstr;
	int ch, status;

	ac_setprogname("ac-normalize");
	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:e:hqR:Vvz:", longopts,
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
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	/* Acquire everything before the first record. */
	ac_fieldset_init(&o.fields, names, NFIELDS);
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
	if (ac_stage_open(&st, "ac-normalize", argc, argv, o.rejects) == -1) {
		ac_data_free(&o.data);
		ac_fieldset_free(&o.fields);
		return AC_EXIT_FATAL;
	}
	st.quiet = o.quiet;
	st.verbose = o.verbose;

	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec))
		if (ac_stage_put(&st, &rec, normalize(&rec, &o, &st)) == -1)
			break;
	status = ac_stage_finish(&st);
	ac_rec_free(&rec);
	ac_data_free(&o.data);
	ac_buf_free(&o.buf);
	ac_fieldset_free(&o.fields);
	return status;
}

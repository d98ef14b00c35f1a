/* SPDX-License-Identifier: MIT */
/*
 * ac-batch: read conversion records (NDJSON), after ac-pick-clickid, and
 * write Google Ads upload requests, one JSON object per request per line.
 *
 * Three kinds of record, told apart by their fields (man/ac.7): an
 * adjustment has adjustment_type, a call conversion caller_id, anything
 * else is a click conversion. Each kind goes to its own method:
 * uploadClickConversions, uploadCallConversions and
 * uploadConversionAdjustments.
 *
 * Reads customer_id, login_customer_id, conversion_action,
 * conversion_date_time, conversion_value, currency_code, order_id, gclid,
 * gbraid, wbraid, conversion_environment, google-ads-consent,
 * hashed_email and hashed_phone_number; email and phone only to reject a
 * record that still holds them in clear text. Calls also read caller_id
 * and call_start_date_time; adjustments adjustment_type,
 * adjustment_date_time, adjusted_value, user_agent and the address set.
 * No other field is sent.
 *
 * Groups the records per (customer_id, login_customer_id, kind) and writes
 * a group as {"customer_id", "login_customer_id" (when set), "method",
 * "request", "rows"} when it holds --size rows, when its first row has
 * waited --max-wait seconds, when all groups together hold too much, and
 * at the end. "request" is exactly the body to POST; "rows" says, per
 * conversion, what ac-upload needs to report its result.
 *
 * A record that cannot be mapped, or repeats an order ID, a click, a call
 * or an adjustment of this run, is rejected with a reason, before it joins
 * a group: every record is a row of exactly one request or a reject.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jv.h>

#include "diag.h"
#include "dtime.h"
#include "field.h"
#include "ndjson.h"
#include "norm.h"
#include "opt.h"
#include "stage.h"

#define SIZE_MAX_API 2000	/* conversions per request (google-ads-api §2.1) */
#define WAIT_MAX 86400		/* --max-wait limit, seconds */
#define JOB_ID_MAX 2147483647LL	/* job_id < 2^31 */
#define PENDING_MAX (4 << 20)	/* bytes of rows waiting in all groups */
/* Duplicate keys per generation: two generations take at most about
 * 6 MiB, so that the whole tool stays under 16 MiB on any input. */
#define GEN_KEYS (1 << 17)
#define FLUSH_AT (64 * 1024)	/* write stdout out once this much waits */

enum field {
	F_CUSTOMER_ID, F_LOGIN, F_ACTION, F_TIME, F_VALUE, F_CURRENCY,
	F_ORDER_ID, F_GCLID, F_GBRAID, F_WBRAID, F_ENV, F_CONSENT, F_HEMAIL,
	F_HPHONE, F_EMAIL, F_PHONE, F_ADJ_TYPE, F_CALLER, NFIELDS
};

static const char *const names[NFIELDS] = {
	"customer_id", "login_customer_id", "conversion_action",
	"conversion_date_time", "conversion_value", "currency_code",
	"order_id", "gclid", "gbraid", "wbraid", "conversion_environment",
	"google-ads-consent", "hashed_email", "hashed_phone_number", "email",
	"phone", "adjustment_type", "caller_id"
};

/*
 * The fields only calls and adjustments read: a second set, scanned only
 * for those, so that a click record costs no more than the two look-ups
 * of adjustment_type and caller_id that tell the kinds apart.
 */
enum xfield {
	X_ADJ_TIME, X_ADJ_VALUE, X_UA, X_CALL_START, X_HFIRST, X_HLAST,
	X_HSTREET, X_CITY, X_REGION, X_COUNTRY, X_POSTAL, X_FIRST, X_LAST,
	X_STREET, NXFIELDS
};

static const char *const xnames[NXFIELDS] = {
	"adjustment_date_time", "adjusted_value", "user_agent",
	"call_start_date_time", "hashed_first_name", "hashed_last_name",
	"hashed_street_address", "city", "region", "country_code",
	"postal_code", "first_name", "last_name", "street_address"
};

enum { A_ENHANCEMENT, A_RETRACTION, A_RESTATEMENT, NADJ };
static const char *const adj_types[NADJ] = { "ENHANCEMENT", "RETRACTION",
	"RESTATEMENT" };
#define UA_MAX 512		/* user_agent bytes, as ac-normalize keeps */

/* Click ID types in the order of the fields; 0 is none. */
static const char *const click_types[] = { "none", "gclid", "gbraid",
	"wbraid" };
enum { ENV_NONE, ENV_APP, ENV_WEB };
static const char *const envs[] = { "", "APP", "WEB" };
enum { C_UNSPECIFIED, C_GRANTED, C_DENIED };
static const char *const consents[] = { "UNSPECIFIED", "GRANTED", "DENIED" };
enum { ID_EMAIL = 1, ID_PHONE = 2 };

/*
 * A click row waiting in a group: this header, then the conversion action's
 * bytes, order_id and the click ID as JSON text (quotes included) and the
 * hashes that are present, 32 bytes each. About a quarter of the request
 * text it becomes.
 */
struct row {
	unsigned long line;
	double value;
	int file;		/* index of the input operand */
	unsigned order_len, click_len;	/* 0: absent */
	unsigned char action_len, has_value, has_currency, click, env,
	    udata, perso, ids;
	char currency[3];
	char time[25];
};

/* One record being batched. */
struct rec {
	struct ac_view v;
	struct ac_view *x;	/* the fields of xnames; NULL for a click */
	struct row h;
	const char *action, *order, *click, *time;	/* borrowed bytes */
	size_t order_n, click_n;
	unsigned char hash[2][32];
	uint64_t key[2];	/* duplicate keys, 0: none */
	const char *keycode[2], *keyfield[2], *keymsg[2];
};

struct batch;

/*
 * A kind of request: click conversions, call conversions, adjustments.
 * Each has its own check and mapping, and the group key holds the kind,
 * so that a request never mixes kinds.
 */
struct kind {
	const char *method;	/* after "customers/{id}:" */
	const char *list;	/* key of the array of conversions */
	int job_id;		/* the request takes jobId */
	/* Validate r, pack its row into out. Returns null or an ac_err. */
	jv (*check)(struct rec *r, const struct batch *, struct ac_writer *);
	/* The API object, and the rows entry, of the packed row at p. */
	const unsigned char *(*conv)(struct ac_writer *, const unsigned char *);
	const unsigned char *(*row)(struct ac_writer *, const struct batch *,
	    const unsigned char *);
};

struct group {
	char customer[11], login[11];	/* login "" when none */
	int kind;
	unsigned char *buf;	/* packed rows */
	size_t len, cap;
	int nrows;
	long long due;		/* monotonic ms, with --max-wait */
};

/* Duplicate keys: two generations of open-addressing sets of hashes. */
struct keyset {
	uint64_t *t[2];
	size_t cap[2], n[2];
};

struct batch {
	struct group *g;
	int ng, gcap;
	int *slot;		/* group index + 1, 0: empty */
	size_t nslot;
	size_t pending;
	long long next_due;	/* earliest due of a pending group, or -1 */
	unsigned long nreq;
	struct keyset keys;
	struct ac_writer pack;	/* the record's packed row */
	jv *files;		/* the operands' names as JSON strings */
	int nfiles;
	jv k_udata, k_perso;	/* "ad_user_data", "ad_personalization" */
};

struct opts {
	int size;		/* --size */
	long long wait_ms;	/* --max-wait, 0: none */
	long long job_id;	/* --job-id, -1: none */
	int validate_only;
	const char *rejects;
	int quiet, verbose;
	struct ac_fieldset fields;
	struct ac_fieldset xfields;	/* xnames */
};

enum { OPT_JOB_ID = 256, OPT_VALIDATE_ONLY };

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "job-id", required_argument, NULL, OPT_JOB_ID },
	{ "max-wait", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "size", required_argument, NULL, 'n' },
	{ "validate-only", no_argument, NULL, OPT_VALIDATE_ONLY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-batch [-hqVv] [-n N] [-R FILE] [-w SECONDS] "
	    "[--job-id N] [--validate-only] [FILE ...]\n"
	    "  -h, --help               show this help\n"
	    "      --job-id N           send jobId N (0 to 2147483647) "
	    "with every request\n"
	    "                           of clicks and adjustments "
	    "(call requests have none)\n"
	    "  -n, --size N             at most N conversions per request "
	    "(1 to 2000, default 2000)\n"
	    "  -q, --quiet              no per-record messages, no "
	    "summary unless records were rejected\n"
	    "  -R, --rejects FILE       write rejected records to FILE\n"
	    "  -V, --version            show the version\n"
	    "      --validate-only      requests only validate "
	    "(validateOnly true)\n"
	    "  -v, --verbose            show every per-record message\n"
	    "  -w, --max-wait SECONDS   send a request once its first row "
	    "has waited SECONDS\n"
	    "                           (default 0: only when full or at "
	    "the end)\n");
	exit(status);
}

/* Duplicate keys */

/* FNV-1a over length-prefixed parts, then MurmurHash3's fmix64. */
static uint64_t
hash_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < sizeof(n); i++)
		h = (h ^ ((n >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t
hash_end(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h != 0 ? h : 1;	/* 0 marks an empty slot */
}

static int
keys_has(const struct keyset *ks, uint64_t k)
{
	size_t i, g;

	for (g = 0; g < 2; g++) {
		if (ks->t[g] == NULL)
			continue;
		for (i = k & (ks->cap[g] - 1); ks->t[g][i] != 0;
		    i = (i + 1) & (ks->cap[g] - 1))
			if (ks->t[g][i] == k)
				return 1;
	}
	return 0;
}

static void
keys_put(uint64_t *t, size_t cap, uint64_t k)
{
	size_t i;

	for (i = k & (cap - 1); t[i] != 0 && t[i] != k; i = (i + 1) & (cap - 1))
		;
	t[i] = k;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n, size)) == NULL)
		ac_die(AC_EXIT_FATAL, "out of memory");
	return p;
}

/*
 * Add k to the current generation. A full generation becomes the previous
 * one and the one before is forgotten: the set always remembers the last
 * GEN_KEYS keys and never more than twice as many.
 */
static void
keys_add(struct keyset *ks, uint64_t k)
{
	uint64_t *t;
	size_t cap, i;

	if (ks->n[0] >= GEN_KEYS) {
		free(ks->t[1]);
		ks->t[1] = ks->t[0];
		ks->cap[1] = ks->cap[0];
		ks->n[1] = ks->n[0];
		ks->t[0] = NULL;
	}
	if (ks->t[0] == NULL) {
		ks->cap[0] = 1024;
		ks->n[0] = 0;
		ks->t[0] = xcalloc(ks->cap[0], sizeof(uint64_t));
	}
	if (4 * (ks->n[0] + 1) > 3 * ks->cap[0]) {
		cap = 2 * ks->cap[0];
		t = xcalloc(cap, sizeof(uint64_t));
		for (i = 0; i < ks->cap[0]; i++)
			if (ks->t[0][i] != 0)
				keys_put(t, cap, ks->t[0][i]);
		free(ks->t[0]);
		ks->t[0] = t;
		ks->cap[0] = cap;
	}
	keys_put(ks->t[0], ks->cap[0], k);
	ks->n[0]++;
}

/* Field checks */

/* The bytes of v when it is a string, else NULL. */
static const char *
vstr(jv v, size_t *n)
{
	return ac_field_str(v, n);
}

/* Absent or null: null means absent (man/ac.7). */
static int
vabsent(jv v)
{
	jv_kind k = jv_get_kind(v);

	return k == JV_KIND_INVALID || k == JV_KIND_NULL;
}

/* A value that is there: not null and, for a string, not blank. */
static int
vpresent(jv v)
{
	const char *s;
	size_t n;

	if (vabsent(v))
		return 0;
	if ((s = vstr(v, &n)) == NULL)
		return 1;
	ac_trim(s, &n);
	return n > 0;
}

/* The bytes of field f when it is a string, else NULL. */
static const char *
str(const struct rec *r, int f, size_t *n)
{
	return ac_field_str(r->v.val[f], n);
}

static int
absent(const struct rec *r, int f)
{
	return vabsent(r->v.val[f]);
}

static int
present(const struct rec *r, int f)
{
	return vpresent(r->v.val[f]);
}

/* Field f of xnames (only for calls and adjustments). */
#define XV(r, f) ((r)->x->val[(f)])

static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* Ten digits: the form of a customer ID, sent in a URL and a header. */
static int
account(const struct rec *r, int f, char out[11])
{
	const char *s;
	size_t n;

	if ((s = str(r, f, &n)) == NULL || n != 10 || !digits(s, n))
		return -1;
	memcpy(out, s, 10);
	out[10] = '\0';
	return 0;
}

/* "customers/{10 digits}/conversionActions/{1 to 19 digits}" */
static int
action_ok(const char *s, size_t n)
{
	static const char pre[] = "customers/", mid[] = "/conversionActions/";
	const size_t at = sizeof(pre) - 1 + 10 + sizeof(mid) - 1;

	return n > at && n <= at + 19 && memcmp(s, pre, sizeof(pre) - 1) == 0 &&
	    digits(s + sizeof(pre) - 1, 10) &&
	    memcmp(s + sizeof(pre) - 1 + 10, mid, sizeof(mid) - 1) == 0 &&
	    digits(s + at, n - at);
}

/* "yyyy-mm-dd hh:mm:ss+hh:mm", Google's form, by shape. */
static int
time_ok(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd+dd:dd";
	size_t i;

	if (n != sizeof(shape) - 1)
		return 0;
	for (i = 0; i < n; i++) {
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' :
		    shape[i] == '+' ? s[i] != '+' && s[i] != '-' :
		    s[i] != shape[i])
			return 0;
	}
	return 1;
}

/* E.164, as ac-normalize writes it: "+", then 8 to 15 digits. */
static int
e164_ok(const char *s, size_t n)
{
	return n >= 9 && n <= 16 && s[0] == '+' && s[1] != '0' &&
	    digits(s + 1, n - 1);
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

/* 64 lower-case hex digits, the form of ac-hash, into 32 bytes. */
static int
hash_ok(const char *s, size_t n, unsigned char out[32])
{
	size_t i;
	int hi, lo;

	if (n != 64)
		return 0;
	for (i = 0; i < 32; i++) {
		if ((hi = hexval(s[2 * i])) < 0 || (lo = hexval(s[2 * i + 1])) < 0)
			return 0;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 1;
}

/* One consent member: GRANTED, DENIED, UNSPECIFIED, or absent. */
static int
consent_state(jv obj, jv key, unsigned char *out)
{
	jv v = jv_object_get(jv_copy(obj), jv_copy(key));
	const char *s;
	size_t n;
	int i, r = -1;

	if (jv_get_kind(v) == JV_KIND_INVALID || jv_get_kind(v) == JV_KIND_NULL) {
		*out = C_UNSPECIFIED;
		r = 0;
	} else if ((s = ac_field_str(v, &n)) != NULL) {
		for (i = 0; i < 3; i++) {
			if (strlen(consents[i]) == n &&
			    memcmp(consents[i], s, n) == 0) {
				*out = (unsigned char)i;
				r = 0;
			}
		}
	}
	jv_free(v);
	return r;
}

/* Checks shared by the kinds; each returns null or an ac_err. */

/* Return the rejection e, if it is one. */
#define TRY(e) do {							\
	jv err_ = (e);							\
	if (!jv_is_valid(err_))						\
		return err_;						\
} while (0)

static jv
check_action(struct rec *r, size_t *an)
{
	if (absent(r, F_ACTION))
		return ac_err("conversion_action_missing", names[F_ACTION],
		    "no conversion_action: run ac-normalize");
	if ((r->action = str(r, F_ACTION, an)) == NULL ||
	    !action_ok(r->action, *an))
		return ac_err("conversion_action_invalid", names[F_ACTION],
		    "expected customers/{customer_id}/conversionActions/{id}: "
		    "run ac-normalize");
	r->h.action_len = (unsigned char)*an;
	return jv_null();
}

/*
 * A time in Google's form, v of the field named field: its bytes in *s,
 * or a rejection with code missing (when v is absent and missing is not
 * NULL) or invalid. *s stays NULL for an optional time that is absent.
 */
static jv
check_time(jv v, const char *field, const char *missing,
    const char *invalid, const char **s)
{
	size_t n;

	if (vabsent(v)) {
		if (missing != NULL)
			return ac_err(missing, field, "no %s", field);
		return jv_null();
	}
	if ((*s = vstr(v, &n)) == NULL || !time_ok(*s, n))
		return ac_err(invalid, field, "expected yyyy-mm-dd "
		    "hh:mm:ss+hh:mm: run ac-normalize");
	return jv_null();
}

/* A number, zero or more, into *d. */
static jv
check_number(jv v, const char *field, const char *code, double *d)
{
	if (jv_get_kind(v) != JV_KIND_NUMBER ||
	    !isfinite(*d = jv_number_value(v)) || *d < 0)
		return ac_err(code, field, "expected a number, zero or more: "
		    "run ac-normalize");
	return jv_null();
}

/* currency_code, when there is one: three upper-case letters. */
static jv
check_currency(struct rec *r)
{
	const char *s;
	size_t n;

	if (absent(r, F_CURRENCY))
		return jv_null();
	if ((s = str(r, F_CURRENCY, &n)) == NULL || n != 3 ||
	    s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' ||
	    s[2] < 'A' || s[2] > 'Z')
		return ac_err("currency_invalid", names[F_CURRENCY],
		    "expected an ISO 4217 code: run ac-normalize");
	r->h.has_currency = 1;
	memcpy(r->h.currency, s, 3);
	return jv_null();
}

/* conversion_value and currency_code, of clicks and calls. */
static jv
check_value(struct rec *r)
{
	struct row *h = &r->h;

	if (!absent(r, F_VALUE)) {
		TRY(check_number(r->v.val[F_VALUE], names[F_VALUE],
		    "value_invalid", &h->value));
		h->has_value = 1;
		if (absent(r, F_CURRENCY))
			return ac_err("currency_missing", names[F_CURRENCY],
			    "required with conversion_value");
	}
	return check_currency(r);
}

static jv
check_order(struct rec *r)
{
	if (!absent(r, F_ORDER_ID) &&
	    ((r->order = str(r, F_ORDER_ID, &r->order_n)) == NULL ||
	    r->order_n == 0))
		return ac_err("order_id_invalid", names[F_ORDER_ID],
		    "expected a non-empty string: run ac-normalize");
	return jv_null();
}

static jv
check_consent(struct rec *r, const struct batch *b)
{
	struct row *h = &r->h;

	if (absent(r, F_CONSENT))
		return jv_null();
	if (jv_get_kind(r->v.val[F_CONSENT]) != JV_KIND_OBJECT)
		return ac_err("consent_invalid", names[F_CONSENT],
		    "expected an object: run ac-consent");
	if (consent_state(r->v.val[F_CONSENT], b->k_udata, &h->udata) == -1)
		return ac_err("consent_invalid",
		    "google-ads-consent.ad_user_data", "expected "
		    "GRANTED, DENIED or UNSPECIFIED: run ac-consent");
	if (consent_state(r->v.val[F_CONSENT], b->k_perso, &h->perso) == -1)
		return ac_err("consent_invalid",
		    "google-ads-consent.ad_personalization", "expected "
		    "GRANTED, DENIED or UNSPECIFIED: run ac-consent");
	return jv_null();
}

/* email and phone in clear text: ac-hash did not run. */
static jv
check_clear(const struct rec *r)
{
	int f;

	for (f = F_EMAIL; f <= F_PHONE; f++)
		if (present(r, f))
			return ac_err("clear_text_identifier", names[f],
			    "%s in clear text: run ac-hash", names[f]);
	return jv_null();
}

/* A gclid, gbraid or wbraid of the form ac-pick-clickid checks. */
static jv
check_click_id(struct rec *r, int f, const char **s, size_t *n)
{
	if ((*s = str(r, f, n)) == NULL || !ac_click_id_ok(*s, *n))
		return ac_err("click_id_invalid", names[f],
		    "not 10 to 512 characters of [A-Za-z0-9_-]: run "
		    "ac-pick-clickid");
	return jv_null();
}

/* hashed_email and hashed_phone_number into r->hash and h->ids. */
static jv
check_hashes(struct rec *r)
{
	const char *s;
	size_t n;
	int f;

	for (f = F_HEMAIL; f <= F_HPHONE; f++) {
		if (absent(r, f))
			continue;
		if ((s = str(r, f, &n)) == NULL ||
		    !hash_ok(s, n, r->hash[f - F_HEMAIL]))
			return ac_err("hashed_invalid", names[f], "expected 64 "
			    "lower-case hex digits: run ac-hash");
		r->h.ids |= f == F_HEMAIL ? ID_EMAIL : ID_PHONE;
	}
	return jv_null();
}

/* Click conversions */

static jv
click_check(struct rec *r, const struct batch *b, struct ac_writer *out)
{
	struct row *h = &r->h;
	const char *s;
	size_t n, an, tn;
	int f, i;
	uint64_t k;

	TRY(check_action(r, &an));
	TRY(check_time(r->v.val[F_TIME], names[F_TIME], "time_missing",
	    "time_invalid", &r->time));
	tn = sizeof(h->time);
	memcpy(h->time, r->time, sizeof(h->time));
	TRY(check_value(r));
	TRY(check_order(r));
	if (!absent(r, F_ENV)) {
		s = str(r, F_ENV, &n);
		for (i = ENV_APP; i <= ENV_WEB && h->env == ENV_NONE; i++)
			if (s != NULL && n == 3 && memcmp(s, envs[i], 3) == 0)
				h->env = (unsigned char)i;
		if (h->env == ENV_NONE)
			return ac_err("conversion_environment_invalid",
			    names[F_ENV], "expected APP or WEB");
	}
	TRY(check_consent(r, b));
	TRY(check_clear(r));
	for (f = F_GCLID; f <= F_WBRAID; f++) {
		if (absent(r, f))
			continue;
		TRY(check_click_id(r, f, &s, &n));
		if (h->click != 0)
			return ac_err("click_id_multiple", NULL, "more than "
			    "one of gclid, gbraid and wbraid: run "
			    "ac-pick-clickid");
		h->click = (unsigned char)(f - F_GCLID + 1);
		r->click = s;
		r->click_n = n;
	}
	TRY(check_hashes(r));
	if (h->click == 0 && h->ids == 0)
		return ac_err("unattributable", NULL, "has neither a click ID "
		    "nor a hashed email or phone");
	if (h->udata == C_DENIED && h->ids != 0)
		return ac_err("identifiers_denied", names[F_CONSENT],
		    "hashed identifiers with ad_user_data DENIED: run "
		    "ac-consent");

	/* Google's duplicate rules (google-ads-api §2.4). */
	if (r->order != NULL) {
		k = hash_add(0xcbf29ce484222325ULL, "o", 1);
		k = hash_add(k, r->action, an);
		r->key[0] = hash_end(hash_add(k, r->order, r->order_n));
		r->keycode[0] = "duplicate_order_id";
		r->keyfield[0] = names[F_ORDER_ID];
		r->keymsg[0] = "order_id already used for this "
		    "conversion_action in this run";
	}
	if (h->click != 0) {
		k = hash_add(0xcbf29ce484222325ULL, "c", 1);
		k = hash_add(k, &h->click, 1);
		k = hash_add(k, r->click, r->click_n);
		k = hash_add(k, r->time, tn);
		r->key[1] = hash_end(hash_add(k, r->action, an));
		r->keycode[1] = "duplicate_click";
		r->keyfield[1] = names[F_GCLID + h->click - 1];
		r->keymsg[1] = "the same click, conversion_date_time and "
		    "conversion_action already came in this run";
	}

	/* The packed row: header (written last, when the lengths of the
	 * JSON texts are known), action, order_id, click ID, hashes. */
	ac_write_bytes(out, (const char *)h, sizeof(*h));
	ac_write_bytes(out, r->action, an);
	if (r->order != NULL) {
		n = out->len;
		ac_write_value(out, jv_copy(r->v.val[F_ORDER_ID]));
		h->order_len = (unsigned)(out->len - n);
	}
	if (r->click != NULL) {
		n = out->len;
		ac_write_value(out, jv_copy(r->v.val[F_GCLID + h->click - 1]));
		h->click_len = (unsigned)(out->len - n);
	}
	for (i = 0; i < 2; i++)
		if (h->ids & (1 << i))
			ac_write_bytes(out, (const char *)r->hash[i], 32);
	memcpy(out->buf, h, sizeof(*h));
	return jv_null();
}

#define PUT(w, lit) ac_write_bytes((w), (lit), sizeof(lit) - 1)

static void
put_hex(struct ac_writer *w, const unsigned char *p)
{
	static const char hex[] = "0123456789abcdef";
	char s[66];
	int i;

	s[0] = s[65] = '"';
	for (i = 0; i < 32; i++) {
		s[1 + 2 * i] = hex[p[i] >> 4];
		s[2 + 2 * i] = hex[p[i] & 15];
	}
	ac_write_bytes(w, s, sizeof(s));
}

/* ,"consent":{"adUserData":...} when GRANTED or DENIED: UNSPECIFIED is
 * what the API assumes without the field. */
static void
put_consent(struct ac_writer *w, unsigned char udata)
{
	if (udata != C_UNSPECIFIED) {
		PUT(w, ",\"consent\":{\"adUserData\":\"");
		ac_write_bytes(w, consents[udata], strlen(consents[udata]));
		PUT(w, "\"}");
	}
}

/* The end of every rows entry: google-ads-consent, file and line. */
static void
put_row_tail(struct ac_writer *w, const struct batch *b, const struct row *h)
{
	char num[24];
	size_t n;

	PUT(w, ",\"google-ads-consent\":{\"ad_user_data\":\"");
	ac_write_bytes(w, consents[h->udata], strlen(consents[h->udata]));
	PUT(w, "\",\"ad_personalization\":\"");
	ac_write_bytes(w, consents[h->perso], strlen(consents[h->perso]));
	PUT(w, "\"},\"file\":");
	ac_write_value(w, jv_copy(b->files[h->file]));
	PUT(w, ",\"line\":");
	n = ac_fmt_int(num, (long long)h->line);
	ac_write_bytes(w, num, n);
	PUT(w, "}");
}

static const unsigned char *
click_conv(struct ac_writer *w, const unsigned char *p)
{
	static const char *const keys[] = { "{\"hashedEmail\":",
		"{\"hashedPhoneNumber\":" };
	struct row h;
	const unsigned char *action, *order, *click;
	int i, sep = 0;

	memcpy(&h, p, sizeof(h));
	action = p + sizeof(h);
	order = action + h.action_len;
	click = order + h.order_len;
	p = click + h.click_len;
	PUT(w, "{\"conversionAction\":\"");
	ac_write_bytes(w, (const char *)action, h.action_len);
	PUT(w, "\",\"conversionDateTime\":\"");
	ac_write_bytes(w, h.time, sizeof(h.time));
	PUT(w, "\"");
	if (h.has_value) {
		PUT(w, ",\"conversionValue\":");
		ac_write_value(w, jv_number(h.value));
	}
	if (h.has_currency) {
		PUT(w, ",\"currencyCode\":\"");
		ac_write_bytes(w, h.currency, 3);
		PUT(w, "\"");
	}
	if (h.order_len) {
		PUT(w, ",\"orderId\":");
		ac_write_bytes(w, (const char *)order, h.order_len);
	}
	if (h.click) {
		PUT(w, ",\"");
		ac_write_bytes(w, click_types[h.click],
		    strlen(click_types[h.click]));
		PUT(w, "\":");
		ac_write_bytes(w, (const char *)click, h.click_len);
	}
	if (h.env) {
		PUT(w, ",\"conversionEnvironment\":\"");
		ac_write_bytes(w, envs[h.env], 3);
		PUT(w, "\"");
	}
	put_consent(w, h.udata);
	if (h.ids) {
		PUT(w, ",\"userIdentifiers\":[");
		for (i = 0; i < 2; i++) {
			if (!(h.ids & (1 << i)))
				continue;
			if (sep++)
				PUT(w, ",");
			ac_write_bytes(w, keys[i], strlen(keys[i]));
			put_hex(w, p);
			p += 32;
			PUT(w, ",\"userIdentifierSource\":\"FIRST_PARTY\"}");
		}
		PUT(w, "]");
	}
	PUT(w, "}");
	return p;
}

static const unsigned char *
click_row(struct ac_writer *w, const struct batch *b, const unsigned char *p)
{
	struct row h;
	const unsigned char *action;

	memcpy(&h, p, sizeof(h));
	action = p + sizeof(h);
	PUT(w, "{");
	if (h.order_len) {
		PUT(w, "\"order_id\":");
		ac_write_bytes(w, (const char *)action + h.action_len,
		    h.order_len);
		PUT(w, ",");
	}
	PUT(w, "\"conversion_action\":\"");
	ac_write_bytes(w, (const char *)action, h.action_len);
	PUT(w, "\",\"conversion_date_time\":\"");
	ac_write_bytes(w, h.time, sizeof(h.time));
	PUT(w, "\",\"click_id_type\":\"");
	ac_write_bytes(w, click_types[h.click], strlen(click_types[h.click]));
	PUT(w, "\",\"kind\":\"click\"");
	put_row_tail(w, b, &h);
	return action + h.action_len + h.order_len + h.click_len +
	    32 * (size_t)(((h.ids & ID_EMAIL) != 0) + ((h.ids & ID_PHONE) != 0));
}

/*
 * Calls and adjustments are few next to clicks: their packed row is the
 * API object and the rows entry as JSON text, ready to copy, after a
 * header that holds the two lengths.
 */
struct text_row {
	size_t conv_len, row_len;
};

/* Start the packed row in out: the header, filled by text_end. */
static void
text_begin(struct ac_writer *out)
{
	struct text_row t = { 0, 0 };

	ac_write_bytes(out, (const char *)&t, sizeof(t));
}

/* The conversion is written: the rows entry starts. */
static void
text_mid(struct ac_writer *out)
{
	struct text_row t;

	memcpy(&t, out->buf, sizeof(t));
	t.conv_len = out->len - sizeof(t);
	memcpy(out->buf, &t, sizeof(t));
}

static void
text_end(struct ac_writer *out)
{
	struct text_row t;

	memcpy(&t, out->buf, sizeof(t));
	t.row_len = out->len - sizeof(t) - t.conv_len;
	memcpy(out->buf, &t, sizeof(t));
}

static const unsigned char *
text_conv(struct ac_writer *w, const unsigned char *p)
{
	struct text_row t;

	memcpy(&t, p, sizeof(t));
	ac_write_bytes(w, (const char *)p + sizeof(t), t.conv_len);
	return p + sizeof(t) + t.conv_len + t.row_len;
}

static const unsigned char *
text_row(struct ac_writer *w, const struct batch *b, const unsigned char *p)
{
	struct text_row t;

	(void)b;
	memcpy(&t, p, sizeof(t));
	ac_write_bytes(w, (const char *)p + sizeof(t) + t.conv_len, t.row_len);
	return p + sizeof(t) + t.conv_len + t.row_len;
}

/* A string known to need no escaping (checked by form), quoted. */
static void
put_plain(struct ac_writer *w, const char *s, size_t n)
{
	PUT(w, "\"");
	ac_write_bytes(w, s, n);
	PUT(w, "\"");
}

/* Call conversions */

static jv
call_check(struct rec *r, const struct batch *b, struct ac_writer *out)
{
	struct row *h = &r->h;
	const char *caller, *start = NULL;
	size_t an, cn;
	uint64_t k;

	TRY(check_action(r, &an));
	if ((caller = str(r, F_CALLER, &cn)) == NULL || !e164_ok(caller, cn))
		return ac_err("caller_id_invalid", names[F_CALLER], "expected "
		    "E.164, + and 8 to 15 digits: run ac-normalize");
	TRY(check_time(XV(r, X_CALL_START), xnames[X_CALL_START],
	    "call_start_date_time_missing", "call_start_date_time_invalid",
	    &start));
	TRY(check_time(r->v.val[F_TIME], names[F_TIME], "time_missing",
	    "time_invalid", &r->time));
	TRY(check_value(r));
	TRY(check_consent(r, b));
	TRY(check_clear(r));

	/* The call Google knows (CALL_CONVERSION_ALREADY_EXISTS). */
	k = hash_add(0xcbf29ce484222325ULL, "C", 1);
	k = hash_add(k, r->action, an);
	k = hash_add(k, caller, cn);
	r->key[0] = hash_end(hash_add(k, start, 25));
	r->keycode[0] = "duplicate_call";
	r->keyfield[0] = names[F_CALLER];
	r->keymsg[0] = "the same caller_id, call_start_date_time and "
	    "conversion_action already came in this run";

	text_begin(out);
	PUT(out, "{\"callerId\":");
	put_plain(out, caller, cn);
	PUT(out, ",\"callStartDateTime\":");
	put_plain(out, start, 25);
	PUT(out, ",\"conversionAction\":");
	put_plain(out, r->action, an);
	PUT(out, ",\"conversionDateTime\":");
	put_plain(out, r->time, 25);
	if (h->has_value) {
		PUT(out, ",\"conversionValue\":");
		ac_write_value(out, jv_number(h->value));
	}
	if (h->has_currency) {
		PUT(out, ",\"currencyCode\":");
		put_plain(out, h->currency, 3);
	}
	put_consent(out, h->udata);
	PUT(out, "}");
	text_mid(out);
	/* Never the caller_id: rows go to result records. */
	PUT(out, "{\"conversion_action\":");
	put_plain(out, r->action, an);
	PUT(out, ",\"conversion_date_time\":");
	put_plain(out, r->time, 25);
	PUT(out, ",\"click_id_type\":\"none\",\"kind\":\"call\","
	    "\"call_start_date_time\":");
	put_plain(out, start, 25);
	put_row_tail(out, b, h);
	text_end(out);
	return jv_null();
}

/* Adjustments */

/* The address set of an enhancement: hashed names, country, postal code. */
static int
has_address(const struct rec *r)
{
	return vpresent(XV(r, X_HFIRST)) && vpresent(XV(r, X_HLAST)) &&
	    vpresent(XV(r, X_COUNTRY)) && vpresent(XV(r, X_POSTAL));
}

/* A clear-text part of the address: a non-blank string. */
static jv
check_place(const struct rec *r, int f)
{
	const char *s;
	size_t n;

	if (!vpresent(XV(r, f)))
		return jv_null();
	if ((s = vstr(XV(r, f), &n)) == NULL)
		return ac_err("address_invalid", xnames[f], "expected a "
		    "string: run ac-normalize");
	if (f == X_COUNTRY && (n != 2 || s[0] < 'A' || s[0] > 'Z' ||
	    s[1] < 'A' || s[1] > 'Z'))
		return ac_err("address_invalid", xnames[f], "expected two "
		    "upper-case letters: run ac-normalize");
	return jv_null();
}

/* The address of an enhancement, checked: 1 when there is one to send. */
static jv
check_address(const struct rec *r, int *has)
{
	static const int hashed[] = { X_HFIRST, X_HLAST, X_HSTREET };
	static const int places[] = { X_CITY, X_REGION, X_COUNTRY, X_POSTAL };
	unsigned char buf[32];
	const char *s;
	size_t i, n;

	if (!(*has = has_address(r)))
		return jv_null();
	for (i = 0; i < sizeof(hashed) / sizeof(hashed[0]); i++) {
		if (vabsent(XV(r, hashed[i])))
			continue;
		if ((s = vstr(XV(r, hashed[i]), &n)) == NULL ||
		    !hash_ok(s, n, buf))
			return ac_err("hashed_invalid", xnames[hashed[i]],
			    "expected 64 lower-case hex digits: run ac-hash");
	}
	for (i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		TRY(check_place(r, places[i]));
	return jv_null();
}

/* ,"key":value for field f of xnames when it is present. */
static void
put_xfield(struct ac_writer *w, const struct rec *r, const char *key, int f)
{
	if (!vpresent(XV(r, f)))
		return;
	PUT(w, ",\"");
	ac_write_bytes(w, key, strlen(key));
	PUT(w, "\":");
	ac_write_value(w, jv_copy(XV(r, f)));
}

static void
put_address(struct ac_writer *w, const struct rec *r)
{
	PUT(w, "{\"addressInfo\":{\"hashedFirstName\":");
	ac_write_value(w, jv_copy(XV(r, X_HFIRST)));
	PUT(w, ",\"hashedLastName\":");
	ac_write_value(w, jv_copy(XV(r, X_HLAST)));
	put_xfield(w, r, "hashedStreetAddress", X_HSTREET);
	put_xfield(w, r, "city", X_CITY);
	put_xfield(w, r, "state", X_REGION);
	PUT(w, ",\"countryCode\":");
	ac_write_value(w, jv_copy(XV(r, X_COUNTRY)));
	PUT(w, ",\"postalCode\":");
	ac_write_value(w, jv_copy(XV(r, X_POSTAL)));
	PUT(w, "},\"userIdentifierSource\":\"FIRST_PARTY\"}");
}

static jv
adj_check(struct rec *r, const struct batch *b, struct ac_writer *out)
{
	struct row *h = &r->h;
	const char *s, *atime = NULL, *gclid = NULL, *ua = NULL;
	size_t n, an, gn = 0, uan = 0;
	double adjusted = 0;
	int type, f, address = 0, pair, sep = 0;
	uint64_t k;

	s = str(r, F_ADJ_TYPE, &n);
	for (type = 0; type < NADJ; type++)
		if (s != NULL && strlen(adj_types[type]) == n &&
		    memcmp(adj_types[type], s, n) == 0)
			break;
	if (type == NADJ)
		return ac_err("adjustment_type_invalid", names[F_ADJ_TYPE],
		    "expected ENHANCEMENT, RETRACTION or RESTATEMENT: run "
		    "ac-normalize");
	TRY(check_action(r, &an));
	TRY(check_time(XV(r, X_ADJ_TIME), xnames[X_ADJ_TIME],
	    type == A_ENHANCEMENT ? NULL : "adjustment_date_time_missing",
	    "adjustment_date_time_invalid", &atime));
	TRY(check_time(r->v.val[F_TIME], names[F_TIME], NULL, "time_invalid",
	    &r->time));
	TRY(check_order(r));
	if (!absent(r, F_GCLID))
		TRY(check_click_id(r, F_GCLID, &gclid, &gn));

	/* The key of the conversion adjusted (google-ads-api §1.8). */
	if (type == A_ENHANCEMENT) {
		if (r->order == NULL)
			return ac_err("order_id_missing", names[F_ORDER_ID],
			    "an ENHANCEMENT needs order_id");
	} else if (r->order != NULL && gclid != NULL) {
		return ac_err("adjustment_key_both", NULL, "both order_id and "
		    "gclid: a RETRACTION or RESTATEMENT takes one key");
	} else if (r->order == NULL && gclid == NULL) {
		return ac_err("adjustment_key_missing", NULL, "neither "
		    "order_id nor gclid with conversion_date_time");
	} else if (r->order == NULL && r->time == NULL) {
		return ac_err("adjustment_key_missing", names[F_TIME],
		    "a gclid needs conversion_date_time");
	}
	pair = gclid != NULL && r->time != NULL;

	if (type == A_RESTATEMENT) {
		if (vabsent(XV(r, X_ADJ_VALUE)))
			return ac_err("adjusted_value_missing",
			    xnames[X_ADJ_VALUE], "a RESTATEMENT needs "
			    "adjusted_value");
		TRY(check_number(XV(r, X_ADJ_VALUE), xnames[X_ADJ_VALUE],
		    "adjusted_value_invalid", &adjusted));
		/* Its currency is optional: the conversion's is kept. */
		TRY(check_currency(r));
	}
	TRY(check_consent(r, b));
	TRY(check_clear(r));
	if (type == A_ENHANCEMENT) {
		for (f = X_FIRST; f <= X_STREET; f++)
			if (vpresent(XV(r, f)))
				return ac_err("clear_text_identifier",
				    xnames[f], "%s in clear text: run ac-hash",
				    xnames[f]);
		TRY(check_hashes(r));
		TRY(check_address(r, &address));
		if (h->ids == 0 && !address)
			return ac_err("enhancement_without_identifiers", NULL,
			    "an ENHANCEMENT needs a hashed email, phone or "
			    "address: run ac-pick-clickid");
		if (h->udata == C_DENIED)
			return ac_err("identifiers_denied", names[F_CONSENT],
			    "hashed identifiers with ad_user_data DENIED: run "
			    "ac-consent");
		if (vpresent(XV(r, X_UA)) &&
		    ((ua = vstr(XV(r, X_UA), &uan)) == NULL || uan > UA_MAX))
			return ac_err("user_agent_invalid", xnames[X_UA],
			    "expected a string of at most 512 bytes: run "
			    "ac-normalize");
	}

	/* Google's duplicate rules (google-ads-api §2.4). */
	if (type == A_ENHANCEMENT) {
		k = hash_add(0xcbf29ce484222325ULL, "E", 1);
		k = hash_add(k, r->action, an);
		r->key[0] = hash_end(hash_add(k, r->order, r->order_n));
		r->keycode[0] = "duplicate_enhancement";
		r->keyfield[0] = names[F_ORDER_ID];
		r->keymsg[0] = "order_id already enhanced for this "
		    "conversion_action in this run";
	} else {
		k = hash_add(0xcbf29ce484222325ULL, "A", 1);
		k = hash_add(k, adj_types[type], strlen(adj_types[type]));
		k = hash_add(k, r->action, an);
		if (r->order != NULL) {
			k = hash_add(k, "o", 1);
			k = hash_add(k, r->order, r->order_n);
		} else {
			k = hash_add(k, "g", 1);
			k = hash_add(k, gclid, gn);
			k = hash_add(k, r->time, 25);
		}
		r->key[0] = hash_end(hash_add(k, atime, 25));
		r->keycode[0] = "duplicate_adjustment";
		r->keyfield[0] = r->order != NULL ? names[F_ORDER_ID] :
		    names[F_GCLID];
		r->keymsg[0] = "the same adjustment_type, "
		    "adjustment_date_time, conversion_action and conversion "
		    "already came in this run";
	}

	text_begin(out);
	PUT(out, "{\"conversionAction\":");
	put_plain(out, r->action, an);
	PUT(out, ",\"adjustmentType\":");
	put_plain(out, adj_types[type], strlen(adj_types[type]));
	if (atime != NULL) {
		PUT(out, ",\"adjustmentDateTime\":");
		put_plain(out, atime, 25);
	}
	if (r->order != NULL) {
		PUT(out, ",\"orderId\":");
		ac_write_value(out, jv_copy(r->v.val[F_ORDER_ID]));
	}
	if (pair) {
		PUT(out, ",\"gclidDateTimePair\":{\"gclid\":");
		ac_write_value(out, jv_copy(r->v.val[F_GCLID]));
		PUT(out, ",\"conversionDateTime\":");
		put_plain(out, r->time, 25);
		PUT(out, "}");
	}
	if (type == A_RESTATEMENT) {
		PUT(out, ",\"restatementValue\":{\"adjustedValue\":");
		ac_write_value(out, jv_number(adjusted));
		if (h->has_currency) {
			PUT(out, ",\"currencyCode\":");
			put_plain(out, h->currency, 3);
		}
		PUT(out, "}");
	}
	if (type == A_ENHANCEMENT) {
		PUT(out, ",\"userIdentifiers\":[");
		for (f = F_HEMAIL; f <= F_HPHONE; f++) {
			if (!(h->ids & (f == F_HEMAIL ? ID_EMAIL : ID_PHONE)))
				continue;
			if (sep++)
				PUT(out, ",");
			PUT(out, "{\"");
			s = f == F_HEMAIL ? "hashedEmail" : "hashedPhoneNumber";
			ac_write_bytes(out, s, strlen(s));
			PUT(out, "\":");
			put_hex(out, r->hash[f - F_HEMAIL]);
			PUT(out, ",\"userIdentifierSource\":\"FIRST_PARTY\"}");
		}
		if (address) {
			if (sep++)
				PUT(out, ",");
			put_address(out, r);
		}
		PUT(out, "]");
		if (ua != NULL) {
			PUT(out, ",\"userAgent\":");
			ac_write_value(out, jv_copy(XV(r, X_UA)));
		}
	}
	PUT(out, "}");
	text_mid(out);
	PUT(out, "{");
	if (r->order != NULL) {
		PUT(out, "\"order_id\":");
		ac_write_value(out, jv_copy(r->v.val[F_ORDER_ID]));
		PUT(out, ",");
	}
	PUT(out, "\"conversion_action\":");
	put_plain(out, r->action, an);
	if (pair) {
		PUT(out, ",\"conversion_date_time\":");
		put_plain(out, r->time, 25);
	}
	PUT(out, ",\"click_id_type\":");
	if (r->order == NULL)
		PUT(out, "\"gclid\"");
	else
		PUT(out, "\"none\"");
	PUT(out, ",\"kind\":\"adjustment\",\"adjustment_type\":");
	put_plain(out, adj_types[type], strlen(adj_types[type]));
	if (atime != NULL) {
		PUT(out, ",\"adjustment_date_time\":");
		put_plain(out, atime, 25);
	}
	put_row_tail(out, b, h);
	text_end(out);
	return jv_null();
}

enum { K_CLICK, K_CALL, K_ADJUSTMENT, NKINDS };

static const struct kind kinds[NKINDS] = {
	{ "uploadClickConversions", "conversions", 1, click_check, click_conv,
	    click_row },
	/* The call request has no jobId (google-ads-api §1.3). */
	{ "uploadCallConversions", "conversions", 0, call_check, text_conv,
	    text_row },
	{ "uploadConversionAdjustments", "conversionAdjustments", 1,
	    adj_check, text_conv, text_row },
};

/*
 * The kind of request a record belongs to (man/ac.7): adjustment_type
 * makes an adjustment, else caller_id a call, else it is a click.
 */
static int
pick_kind(const struct rec *r)
{
	if (present(r, F_ADJ_TYPE))
		return K_ADJUSTMENT;
	if (present(r, F_CALLER))
		return K_CALL;
	return K_CLICK;
}

/* Groups */

static int
fatal_stdout(struct ac_stage *st)
{
	if (!st->fatal) {
		errno = st->out.err;
		ac_warn("stdout");
		st->fatal = 1;
	}
	return -1;
}

/*
 * Write group gp as one request line and empty it. The output is flushed
 * as it goes, so that a request of 2000 rows does not grow the buffer.
 */
static int
emit(struct ac_stage *st, struct batch *b, const struct opts *o,
    struct group *gp)
{
	const struct kind *k = &kinds[gp->kind];
	struct ac_writer *w = &st->out;
	const unsigned char *p, *end = gp->buf + gp->len;
	char num[24];
	int first;

	PUT(w, "{\"customer_id\":\"");
	ac_write_bytes(w, gp->customer, 10);
	if (gp->login[0] != '\0') {
		PUT(w, "\",\"login_customer_id\":\"");
		ac_write_bytes(w, gp->login, 10);
	}
	PUT(w, "\",\"method\":\"");
	ac_write_bytes(w, k->method, strlen(k->method));
	PUT(w, "\",\"request\":{\"");
	ac_write_bytes(w, k->list, strlen(k->list));
	PUT(w, "\":[");
	for (p = gp->buf, first = 1; p < end; first = 0) {
		if (!first)
			PUT(w, ",");
		p = k->conv(w, p);
		if (w->len >= FLUSH_AT)
			ac_writer_flush(w);
	}
	PUT(w, "],\"partialFailure\":true,\"validateOnly\":");
	if (o->validate_only)
		PUT(w, "true");
	else
		PUT(w, "false");
	if (k->job_id && o->job_id >= 0) {
		PUT(w, ",\"jobId\":");
		ac_write_bytes(w, num, ac_fmt_int(num, o->job_id));
	}
	PUT(w, "},\"rows\":[");
	for (p = gp->buf, first = 1; p < end; first = 0) {
		if (!first)
			PUT(w, ",");
		p = k->row(w, b, p);
		if (w->len >= FLUSH_AT)
			ac_writer_flush(w);
	}
	PUT(w, "]}\n");
	st->nout += (unsigned long)gp->nrows;
	b->nreq++;
	b->pending -= gp->len;
	free(gp->buf);
	gp->buf = NULL;
	gp->len = gp->cap = 0;
	gp->nrows = 0;
	if ((w->len >= FLUSH_AT && ac_writer_flush(w) == -1) || w->err)
		return fatal_stdout(st);
	return 0;
}

/* The earliest due time of a pending group, or -1. */
static void
recompute_due(struct batch *b)
{
	int i;

	b->next_due = -1;
	for (i = 0; i < b->ng; i++)
		if (b->g[i].nrows > 0 &&
		    (b->next_due < 0 || b->g[i].due < b->next_due))
			b->next_due = b->g[i].due;
}

/* Send every pending group that is due at now (all, with now < 0). */
static int
emit_due(struct ac_stage *st, struct batch *b, const struct opts *o,
    long long now)
{
	int i, r = 0;

	for (i = 0; i < b->ng && r == 0; i++)
		if (b->g[i].nrows > 0 && (now < 0 || b->g[i].due <= now))
			r = emit(st, b, o, &b->g[i]);
	recompute_due(b);
	return r;
}

static unsigned long
group_hash(const char *customer, const char *login, int kind)
{
	unsigned long h = ac_field_hash(customer, 10);

	h = h * 31 + ac_field_hash(login, strlen(login));
	return h * 31 + (unsigned long)kind;
}

/* The group of (customer, login, kind), created at the end if new. */
static struct group *
group_get(struct batch *b, const char *customer, const char *login, int kind)
{
	struct group *gp;
	size_t i, j;
	int *slot;

	for (i = group_hash(customer, login, kind) & (b->nslot - 1);
	    b->slot[i] != 0; i = (i + 1) & (b->nslot - 1)) {
		gp = &b->g[b->slot[i] - 1];
		if (gp->kind == kind && strcmp(gp->customer, customer) == 0 &&
		    strcmp(gp->login, login) == 0)
			return gp;
	}
	if (b->ng == b->gcap) {
		b->gcap = b->gcap ? 2 * b->gcap : 16;
		if ((gp = realloc(b->g, (size_t)b->gcap * sizeof(*gp))) == NULL)
			ac_die(AC_EXIT_FATAL, "out of memory");
		b->g = gp;
	}
	gp = &b->g[b->ng++];
	memset(gp, 0, sizeof(*gp));
	memcpy(gp->customer, customer, sizeof(gp->customer));
	memcpy(gp->login, login, sizeof(gp->login));
	gp->kind = kind;
	b->slot[i] = b->ng;
	if (2 * (size_t)b->ng > b->nslot) {
		slot = xcalloc(2 * b->nslot, sizeof(int));
		for (j = 0; j < (size_t)b->ng; j++) {
			for (i = group_hash(b->g[j].customer, b->g[j].login,
			    b->g[j].kind) & (2 * b->nslot - 1); slot[i] != 0;
			    i = (i + 1) & (2 * b->nslot - 1))
				;
			slot[i] = (int)j + 1;
		}
		free(b->slot);
		b->slot = slot;
		b->nslot *= 2;
	}
	return gp;
}

static void
group_append(struct batch *b, struct group *gp, const char *p, size_t n)
{
	unsigned char *q;
	size_t cap = gp->cap ? gp->cap : 4096;

	while (cap - gp->len < n)
		cap *= 2;
	if (cap != gp->cap) {
		if ((q = realloc(gp->buf, cap)) == NULL)
			ac_die(AC_EXIT_FATAL, "out of memory");
		gp->buf = q;
		gp->cap = cap;
	}
	memcpy(gp->buf + gp->len, p, n);
	gp->len += n;
	gp->nrows++;
	b->pending += n;
}

/* Records */

/*
 * Check rec and put it in its group, sending the group when it is full.
 * Returns null, or the rejection from ac_err().
 */
static jv
batch_record(struct ac_stage *st, struct batch *b, const struct opts *o,
    struct ac_rec *rec)
{
	struct rec r;
	struct ac_view x;
	struct group *gp;
	char customer[11], login[11] = "";
	jv err = jv_null();
	int kind, i, big;

	memset(&r, 0, sizeof(r));
	ac_view_open(&r.v, &o->fields, rec);
	kind = pick_kind(&r);
	if (kind != K_CLICK) {
		ac_view_open(&x, &o->xfields, rec);
		r.x = &x;
	}
	b->pack.len = 0;
	if (absent(&r, F_CUSTOMER_ID)) {
		err = ac_err("customer_id_missing", names[F_CUSTOMER_ID],
		    "no customer_id: run ac-normalize");
		goto out;
	}
	if (account(&r, F_CUSTOMER_ID, customer) == -1) {
		err = ac_err("customer_id_invalid", names[F_CUSTOMER_ID],
		    "expected 10 digits: run ac-normalize");
		goto out;
	}
	if (!absent(&r, F_LOGIN) && account(&r, F_LOGIN, login) == -1) {
		err = ac_err("login_customer_id_invalid", names[F_LOGIN],
		    "expected 10 digits: run ac-normalize");
		goto out;
	}
	r.h.line = st->rd.line;
	r.h.file = st->rd.cur;
	err = kinds[kind].check(&r, b, &b->pack);
	if (jv_get_kind(err) == JV_KIND_INVALID)
		goto out;
	for (i = 0; i < 2; i++) {
		if (r.key[i] != 0 && keys_has(&b->keys, r.key[i])) {
			jv_free(err);
			err = ac_err(r.keycode[i], r.keyfield[i], "%s",
			    r.keymsg[i]);
			goto out;
		}
	}
	for (i = 0; i < 2; i++)
		if (r.key[i] != 0)
			keys_add(&b->keys, r.key[i]);

	gp = group_get(b, customer, login, kind);
	if (gp->nrows == 0 && o->wait_ms > 0) {
		gp->due = ac_clock_ms() + o->wait_ms;
		if (b->next_due < 0 || gp->due < b->next_due)
			b->next_due = gp->due;
	}
	group_append(b, gp, b->pack.buf, b->pack.len);
	if (gp->nrows >= o->size) {
		emit(st, b, o, gp);
		if (o->wait_ms > 0)
			recompute_due(b);
	}
	/* Bound the memory of many groups: the biggest goes early. */
	while (b->pending > PENDING_MAX && !st->fatal) {
		for (i = 1, big = 0; i < b->ng; i++)
			if (b->g[i].len > b->g[big].len)
				big = i;
		emit(st, b, o, &b->g[big]);
		if (o->wait_ms > 0)
			recompute_due(b);
	}
out:
	ac_view_close(&r.v);
	if (r.x != NULL)
		ac_view_close(r.x);
	return err;
}

/* What the reader's idle hook needs. */
struct idle {
	struct ac_stage *st;
	struct batch *b;
	const struct opts *o;
};

/*
 * The reader is about to wait for input: send the groups that are due
 * (--max-wait) and say how long it may wait before the next one is.
 */
static long long
idle(void *arg)
{
	struct idle *c = arg;
	long long now;

	if (c->o->wait_ms == 0 || c->b->next_due < 0 || c->st->fatal)
		return -1;
	now = ac_clock_ms();
	if (c->b->next_due <= now) {
		emit_due(c->st, c->b, c->o, now);
		if (ac_writer_flush(&c->st->out) == -1) {
			fatal_stdout(c->st);
			return -1;
		}
		if (c->b->next_due < 0)
			return -1;
	}
	return c->b->next_due > now ? c->b->next_due - now : 0;
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	struct batch b;
	struct idle ic;
	struct opts o;
	const char *errstr;
	long long now;
	jv res;
	int ch, i, status;

	ac_setprogname("ac-batch");
	memset(&o, 0, sizeof(o));
	o.size = SIZE_MAX_API;
	o.job_id = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hn:qR:Vvw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case OPT_JOB_ID:
			o.job_id = ac_strtonum(optarg, 0, JOB_ID_MAX, &errstr);
			if (errstr != NULL) {
				ac_warnx("--job-id: %s, expected 0 to "
				    "2147483647", errstr);
				usage(stderr, AC_EXIT_USAGE);
			}
			break;
		case 'n':
			o.size = (int)ac_strtonum(optarg, 1, SIZE_MAX_API,
			    &errstr);
			if (errstr != NULL) {
				ac_warnx("--size: %s, expected 1 to 2000",
				    errstr);
				usage(stderr, AC_EXIT_USAGE);
			}
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'R':
			o.rejects = optarg;
			break;
		case OPT_VALIDATE_ONLY:
			o.validate_only = 1;
			break;
		case 'V':
			ac_print_version();
			return AC_EXIT_OK;
		case 'v':
			o.verbose = 1;
			break;
		case 'w':
			o.wait_ms = 1000 * ac_strtonum(optarg, 0, WAIT_MAX,
			    &errstr);
			if (errstr != NULL) {
				ac_warnx("--max-wait: %s, expected 0 to 86400 "
				    "seconds", errstr);
				usage(stderr, AC_EXIT_USAGE);
			}
			break;
		default:
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	/* Acquire everything before the first record. No data files: the
	 * checks here are of form only. */
	ac_fieldset_init(&o.fields, names, NFIELDS);
	ac_fieldset_init(&o.xfields, xnames, NXFIELDS);
	if (ac_stage_open(&st, "ac-batch", argc, argv, o.rejects) == -1) {
		ac_fieldset_free(&o.fields);
		ac_fieldset_free(&o.xfields);
		return AC_EXIT_FATAL;
	}
	st.quiet = o.quiet;
	st.verbose = o.verbose;
	memset(&b, 0, sizeof(b));
	b.next_due = -1;
	b.nslot = 64;
	b.slot = xcalloc(b.nslot, sizeof(int));
	if (ac_writer_init(&b.pack, -1) == -1)
		ac_die(AC_EXIT_FATAL, "out of memory");
	b.nfiles = st.rd.nfiles;
	b.files = xcalloc((size_t)b.nfiles, sizeof(jv));
	for (i = 0; i < b.nfiles; i++)
		b.files[i] = jv_string(strcmp(st.rd.names[i], "-") == 0 ?
		    "<stdin>" : st.rd.names[i]);
	b.k_udata = jv_string("ad_user_data");
	b.k_perso = jv_string("ad_personalization");

	ic.st = &st;
	ic.b = &b;
	ic.o = &o;
	st.rd.idle = idle;
	st.rd.idle_arg = &ic;
	ac_rec_init(&rec);
	for (;;) {
		if (!ac_stage_next(&st, &rec))
			break;
		res = batch_record(&st, &b, &o, &rec);
		if (jv_is_valid(res))
			jv_free(res);
		else
			ac_stage_put(&st, &rec, res);
		if (o.wait_ms > 0 && b.next_due >= 0 &&
		    b.next_due <= (now = ac_clock_ms()))
			emit_due(&st, &b, &o, now);
	}
	/* Records already read still go out after a read error. */
	if (!st.out.err)
		emit_due(&st, &b, &o, -1);
	status = ac_stage_finish(&st);
	if (!o.quiet)
		fprintf(stderr, "ac-batch: %lu request%s, %lu row%s\n", b.nreq,
		    b.nreq == 1 ? "" : "s", st.nout, st.nout == 1 ? "" : "s");
	ac_rec_free(&rec);
	for (i = 0; i < b.ng; i++)
		free(b.g[i].buf);
	free(b.g);
	free(b.slot);
	free(b.keys.t[0]);
	free(b.keys.t[1]);
	for (i = 0; i < b.nfiles; i++)
		jv_free(b.files[i]);
	free(b.files);
	jv_free(b.k_udata);
	jv_free(b.k_perso);
	ac_writer_close(&b.pack);
	ac_fieldset_free(&o.fields);
	ac_fieldset_free(&o.xfields);
	return status;
}

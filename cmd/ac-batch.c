/* SPDX-License-Identifier: MIT */
/*
 * ac-batch: read conversion records (NDJSON), after ac-pick-clickid, and
 * write upload requests for the Data Manager API (the default) or the
 * Google Ads API, one JSON object per request per line.
 *
 * Three kinds of record, told apart by their fields (man/ac.7): an
 * adjustment has adjustment_type, a call conversion caller_id, anything
 * else is a click conversion. A request never mixes kinds. On the Google
 * Ads API each kind has its own method (uploadClickConversions,
 * uploadCallConversions, uploadConversionAdjustments); on Data Manager all
 * are events of events:ingest, one destination per conversion action. What
 * each API is (methods, JSON, limits) lives in lib/gads and lib/dm; this
 * tool checks records, groups them and writes the lines.
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
 * a group as {"api", "customer_id", "login_customer_id" (when set),
 * "method", "request", "rows"} when it holds --size rows (or, on Data
 * Manager, when an eleventh conversion action comes), when its first row
 * has waited --max-wait seconds, when all groups together hold too much,
 * and at the end. "request" is exactly the body to POST; "rows" says, per
 * conversion, what ac-upload needs to report its result.
 *
 * A record that cannot be mapped, or repeats an order ID, a click, a call
 * or an adjustment of this run, is rejected with a reason, before it joins
 * a group: every record is a row of exactly one request or a reject.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jv.h>

#include "conv.h"
#include "diag.h"
#include "dm.h"
#include "dtime.h"
#include "field.h"
#include "gads.h"
#include "jspan.h"
#include "ndjson.h"
#include "norm.h"
#include "opt.h"
#include "stage.h"

#define SIZE_MAX_API 2000	/* rows per request, both APIs */
#define WAIT_MAX 86400		/* --max-wait limit, seconds */
#define JOB_ID_MAX 2147483647LL	/* job_id < 2^31 */
#define PENDING_MAX (4 << 20)	/* bytes held for rows of all groups */
/* Duplicate keys per generation: two generations take at most about
 * 6 MiB, so that the whole tool stays under 16 MiB on any input. */
#define GEN_KEYS (1 << 17)
#define FLUSH_AT (64 * 1024)	/* write stdout out once this much waits */
#define ACTION_ID_MAX 19	/* digits of a conversion action ID */
/* Rows of the last requests written, to take off the count those whose
 * line did not reach stdout whole: at most a buffer's worth of lines
 * (FLUSH_AT, and a line holds more than 64 bytes) are lost at a write
 * error, and nothing is written after one. */
#define RING 2048
#define KEEP_MAX 16		/* --keep fields */

enum api { API_DATAMANAGER, API_GOOGLEADS };
static const char *const apis[] = { "datamanager", "googleads" };

enum field {
	F_CUSTOMER_ID, F_LOGIN, F_ACTION, F_TIME, F_VALUE, F_CURRENCY,
	F_ORDER_ID, F_GCLID, F_GBRAID, F_WBRAID, F_ENV, F_CONSENT, F_HEMAIL,
	F_HPHONE, F_EMAIL, F_PHONE, F_ADJ_TYPE, F_CALLER, F_CTYPE, F_ITEMS,
	F_MERCHANT, F_FEED_COUNTRY, F_FEED_LANG, F_DISCOUNT, F_EXT_CREDIT,
	F_EXT_MODEL, F_CUSTOM, F_UA, F_IP, F_SESSION, NFIELDS
};

static const char *const names[NFIELDS] = {
	"customer_id", "login_customer_id", "conversion_action",
	"conversion_date_time", "conversion_value", "currency_code",
	"order_id", "gclid", "gbraid", "wbraid", "conversion_environment",
	"google-ads-consent", "hashed_email", "hashed_phone_number", "email",
	"phone", "adjustment_type", "caller_id", "customer_type", "items",
	"merchant_id", "feed_country_code", "feed_language_code",
	"cart_discount", "external_attribution_credit",
	"external_attribution_model", "custom_variables", "user_agent",
	"user_ip_address", "session_attributes"
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

#define UA_MAX 512		/* user_agent bytes, as ac-normalize keeps */

/* One record being batched. */
struct rec {
	struct ac_view v;
	struct ac_view *x;	/* the fields of xnames; NULL for a click */
	struct ac_conv c;
	unsigned long over[2];	/* hashes over the API's limit, per type */
	jv addr_err;		/* a click's address left out: why, or null */
	jv cart_err;		/* its cart left out: why, or null */
	jv custom_err;		/* its custom variables left out, or null */
	jv device_err;		/* its landing device left out, or null */
	char merchant[24];	/* merchant_id's digits */
	uint64_t key[2];	/* duplicate keys, 0: none */
	const char *keycode[2], *keyfield[2], *keymsg[2];
};

/*
 * A request being filled: its rows, each packed as the API object and the
 * rows entry in JSON text, after a header that holds the two lengths.
 */
struct group {
	char customer[11], login[11];	/* login "" when none */
	int kind;
	unsigned char *buf;	/* packed rows */
	size_t len, cap;
	int nrows;
	long long due;		/* monotonic ms, with --max-wait */
	/* Data Manager: the conversion action IDs, one destination each. */
	char dest[AC_DM_DESTINATIONS_MAX][ACTION_ID_MAX + 1];
	int ndest;
	int user_data;		/* some event has userData */
};

struct text_row {
	size_t conv_len, row_len;
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
	unsigned long ring[RING];	/* rows of request nreq % RING */
	struct keyset keys;
	struct ac_writer pack;	/* the record's packed row */
	jv *files;		/* the operands' names as JSON strings */
	int nfiles;
	enum api api;
};

struct opts {
	enum api api;		/* --api */
	int size;		/* --size */
	long long wait_ms;	/* --max-wait, 0: none */
	long long job_id;	/* --job-id, -1: none */
	int validate_only;
	const char *rejects;
	const char *stats;		/* --stats */
	int quiet, verbose;
	const char *keep[KEEP_MAX];	/* --keep: fields copied to the rows */
	int nkeep;
	struct ac_fieldset fields;
	struct ac_fieldset xfields;	/* xnames */
};

enum { OPT_API = 256, OPT_JOB_ID, OPT_KEEP, OPT_VALIDATE_ONLY };

static const struct option longopts[] = {
	{ "api", required_argument, NULL, OPT_API },
	{ "help", no_argument, NULL, 'h' },
	{ "job-id", required_argument, NULL, OPT_JOB_ID },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "max-wait", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "stats", required_argument, NULL, 'S' },
	{ "size", required_argument, NULL, 'n' },
	{ "validate-only", no_argument, NULL, OPT_VALIDATE_ONLY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-batch [-hqVv] [-n N] [-R FILE] [-S FILE] "
	    "[-w SECONDS] [--api API] [--job-id N] [--keep FIELDS] "
	    "[--validate-only] [FILE ...]\n"
	    "      --api API            datamanager (default) or googleads "
	    "(allowlisted accounts)\n"
	    "  -h, --help               show this help\n"
	    "      --job-id N           googleads: send jobId N (0 to "
	    "2147483647) with every\n"
	    "                           request of clicks and adjustments "
	    "(call requests have none)\n"
	    "      --keep FIELDS        copy these fields of each record "
	    "(comma-separated) to its row\n"
	    "  -n, --size N             at most N conversions per request "
	    "(1 to 2000, default 2000)\n"
	    "  -q, --quiet              no per-record messages, no "
	    "summary unless records were rejected\n"
	    "  -R, --rejects FILE       write rejected records to FILE\n"
	    "  -S, --stats FILE         write the counts of the run to FILE as JSON\n"
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

/* Field f of view v is absent or null: null means absent (man/ac.7). */
static int
vabsent(const struct ac_view *v, int f)
{
	jv_kind k = ac_view_kind(v, f);

	return k == JV_KIND_INVALID || k == JV_KIND_NULL;
}

/* A value that is there: not null and, for a string, not blank. */
static int
vpresent(const struct ac_view *v, int f)
{
	const char *s;
	size_t n;

	if (vabsent(v, f))
		return 0;
	if ((s = ac_view_str(v, f, &n)) == NULL)
		return 1;
	ac_trim(s, &n);
	return n > 0;
}

/* The bytes of field f when it is a string, else NULL. */
static const char *
str(const struct rec *r, int f, size_t *n)
{
	return ac_view_str(&r->v, f, n);
}

static int
absent(const struct rec *r, int f)
{
	return vabsent(&r->v, f);
}

static int
present(const struct rec *r, int f)
{
	return vpresent(&r->v, f);
}

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

/* "customers/{10 digits}/conversionActions/{1 to 19 digits}": the
 * offset of the action ID, or 0 when s is not of that form. */
static size_t
action_ok(const char *s, size_t n)
{
	static const char pre[] = "customers/", mid[] = "/conversionActions/";
	const size_t at = sizeof(pre) - 1 + 10 + sizeof(mid) - 1;

	return n > at && n <= at + ACTION_ID_MAX &&
	    memcmp(s, pre, sizeof(pre) - 1) == 0 &&
	    digits(s + sizeof(pre) - 1, 10) &&
	    memcmp(s + sizeof(pre) - 1 + 10, mid, sizeof(mid) - 1) == 0 &&
	    digits(s + at, n - at) ? at : 0;
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

/*
 * One member of the consent object, field f of v: GRANTED, DENIED,
 * UNSPECIFIED, or absent (null: absent). Read in the object's text when
 * that tells (no escapes, the key once), else from the decoded object.
 * Returns -1 for any other value.
 */
static int
consent_state(const struct ac_view *v, int f, const char *key,
    enum ac_consent *out)
{
	const char *p, *vs, *ve, *s = NULL;
	size_t len, n = 0;
	int i, found = -1, r = -1;
	jv val = jv_invalid();

	if (ac_view_raw(v, f, &p, &len))
		found = ac_jspan_member(p, p + len, key, &vs, &ve);
	if (found == 1 && *vs == '"' &&
	    memchr(vs + 1, '\\', (size_t)(ve - vs) - 2) == NULL) {
		s = vs + 1;
		n = (size_t)(ve - vs) - 2;
	} else if (found == 1 && *vs != '"') {
		s = NULL;
		if (ve - vs == 4 && memcmp(vs, "null", 4) == 0)
			found = 0;
	} else if (found == -1 || found == 1) {
		val = jv_object_get(jv_copy(ac_view_get(v, f)), jv_string(key));
		if (jv_get_kind(val) == JV_KIND_INVALID ||
		    jv_get_kind(val) == JV_KIND_NULL)
			found = 0;
		s = ac_field_str(val, &n);
	}
	if (found == 0) {
		*out = AC_UNSPECIFIED;
		r = 0;
	} else if (s != NULL) {
		for (i = 0; i < 3; i++) {
			if (strlen(ac_consent_names[i]) == n &&
			    memcmp(ac_consent_names[i], s, n) == 0) {
				*out = (enum ac_consent)i;
				r = 0;
			}
		}
	}
	jv_free(val);
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
check_action(struct rec *r)
{
	struct ac_conv *c = &r->c;
	size_t at;

	if (absent(r, F_ACTION))
		return ac_err("conversion_action_missing", names[F_ACTION],
		    "no conversion_action: run ac-normalize");
	if ((c->action.s = str(r, F_ACTION, &c->action.n)) == NULL ||
	    (at = action_ok(c->action.s, c->action.n)) == 0)
		return ac_err("conversion_action_invalid", names[F_ACTION],
		    "expected customers/{customer_id}/conversionActions/{id}: "
		    "run ac-normalize");
	c->action_id.s = c->action.s + at;
	c->action_id.n = c->action.n - at;
	return jv_null();
}

/*
 * A time in Google's form, field f of v, named field: its bytes in *s,
 * or a rejection with code missing (when it is absent and missing is not
 * NULL) or invalid. *s stays NULL for an optional time that is absent.
 */
static jv
check_time(const struct ac_view *v, int f, const char *field,
    const char *missing, const char *invalid, const char **s)
{
	size_t n;

	if (vabsent(v, f)) {
		if (missing != NULL)
			return ac_err(missing, field, "no %s", field);
		return jv_null();
	}
	if ((*s = ac_view_str(v, f, &n)) == NULL || !time_ok(*s, n))
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
	r->c.has_currency = 1;
	memcpy(r->c.currency, s, 3);
	return jv_null();
}

/* conversion_value and currency_code, of clicks and calls. */
static jv
check_value(struct rec *r)
{
	if (!absent(r, F_VALUE)) {
		TRY(check_number(ac_view_get(&r->v, F_VALUE), names[F_VALUE],
		    "value_invalid", &r->c.value));
		r->c.has_value = 1;
		if (absent(r, F_CURRENCY))
			return ac_err("currency_missing", names[F_CURRENCY],
			    "required with conversion_value");
	}
	return check_currency(r);
}

static jv
check_order(struct rec *r)
{
	struct ac_str *o = &r->c.order;

	if (!absent(r, F_ORDER_ID) &&
	    ((o->s = str(r, F_ORDER_ID, &o->n)) == NULL || o->n == 0))
		return ac_err("order_id_invalid", names[F_ORDER_ID],
		    "expected a non-empty string: run ac-normalize");
	return jv_null();
}

static jv
check_consent(struct rec *r)
{
	if (absent(r, F_CONSENT))
		return jv_null();
	if (ac_view_kind(&r->v, F_CONSENT) != JV_KIND_OBJECT)
		return ac_err("consent_invalid", names[F_CONSENT],
		    "expected an object: run ac-consent");
	if (consent_state(&r->v, F_CONSENT, "ad_user_data",
	    &r->c.udata) == -1)
		return ac_err("consent_invalid",
		    "google-ads-consent.ad_user_data", "expected "
		    "GRANTED, DENIED or UNSPECIFIED: run ac-consent");
	if (consent_state(&r->v, F_CONSENT, "ad_personalization",
	    &r->c.perso) == -1)
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
check_click_id(struct rec *r, int f)
{
	struct ac_str *id = &r->c.click_id;

	if ((id->s = str(r, f, &id->n)) == NULL || !ac_click_id_ok(id->s,
	    id->n))
		return ac_err("click_id_invalid", names[f],
		    "not 10 to 512 characters of [A-Za-z0-9_-]: run "
		    "ac-pick-clickid");
	return jv_null();
}

/* Nonzero when c holds the hash h already. */
static int
hash_seen(const struct ac_conv *c, const unsigned char h[32])
{
	int i;

	for (i = 0; i < 2; i++)
		if ((c->ids & (1 << i)) && memcmp(c->hash[i], h, 32) == 0)
			return 1;
	for (i = 0; i < c->nmore; i++)
		if (memcmp(c->more[i], h, 32) == 0)
			return 1;
	return 0;
}

/*
 * One hash s[0..n) of identifier t (0 email, 1 phone): the first into
 * c->hash[t], further ones into c->more, the same hash once; those past
 * AC_IDS_MAX only counted in r->over[t]. Returns -1 when s is no hash.
 */
static int
add_hash(struct rec *r, int t, const char *s, size_t n)
{
	struct ac_conv *c = &r->c;
	unsigned char h[32];

	if (s == NULL || !hash_ok(s, n, h))
		return -1;
	if (hash_seen(c, h))
		return 0;
	if (!(c->ids & (1 << t))) {
		memcpy(c->hash[t], h, 32);
		c->ids |= 1 << t;
	} else if (c->nmore < AC_IDS_MAX) {
		memcpy(c->more[c->nmore], h, 32);
		c->more_type[c->nmore++] = (unsigned char)t;
	} else {
		r->over[t]++;
	}
	return 0;
}

/*
 * hashed_email and hashed_phone_number, each a string or an array of
 * strings, into c->hash, c->more and c->ids.
 */
static jv
check_hashes(struct rec *r)
{
	const char *s;
	size_t n;
	jv a, e;
	int f, i, len, bad;

	for (f = F_HEMAIL; f <= F_HPHONE; f++) {
		if (absent(r, f))
			continue;
		bad = 0;
		if (ac_view_kind(&r->v, f) == JV_KIND_ARRAY) {
			a = ac_view_get(&r->v, f);
			len = jv_array_length(jv_copy(a));
			for (i = 0; i < len && !bad; i++) {
				e = jv_array_get(jv_copy(a), i);
				s = ac_field_str(e, &n);
				bad = add_hash(r, f - F_HEMAIL, s, n) == -1;
				jv_free(e);
			}
		} else {
			s = str(r, f, &n);
			bad = add_hash(r, f - F_HEMAIL, s, n) == -1;
		}
		if (bad)
			return ac_err("hashed_invalid", names[f], "expected 64 "
			    "lower-case hex digits: run ac-hash");
	}
	return jv_null();
}

/*
 * Keep no more user identifiers than the API takes per conversion
 * (google-ads-api §1.9: 5; data-manager §2.4: 10), the address and a
 * call's caller counted where they are sent: the last of c->more go,
 * counted in r->over.
 */
static void
limit_ids(struct rec *r, enum api api)
{
	struct ac_conv *c = &r->c;
	int room, have;

	room = api == API_DATAMANAGER ? 10 : 5;
	if (c->has_address)
		room--;
	if (api == API_DATAMANAGER && c->kind == AC_CALL)
		room--;
	have = !!(c->ids & AC_ID_EMAIL) + !!(c->ids & AC_ID_PHONE);
	while (c->nmore > 0 && have + c->nmore > room)
		r->over[c->more_type[--c->nmore]]++;
}

/*
 * Say on stderr and in the record's warnings which field lost hashes to
 * the limit: names the field and the count, never a value.
 */
static void
warn_over(struct ac_stage *st, const struct rec *r, enum api api,
    struct ac_rec *rec)
{
	char what[128];
	int t;

	for (t = 0; t < 2; t++) {
		if (r->over[t] == 0)
			continue;
		snprintf(what, sizeof(what), "%lu hash%s not sent: the API "
		    "takes at most %d user identifiers per conversion",
		    r->over[t], r->over[t] == 1 ? "" : "es",
		    api == API_DATAMANAGER ? 10 : 5);
		ac_stage_warn(st, rec, names[F_HEMAIL + t],
		    "identifiers_over_limit", what);
	}
}

/* The warning for an extra a click goes without (what: "address left
 * out"): err is the check's rejection (consumed), its code, field and
 * message. */
static void
warn_left_out(struct ac_stage *st, struct ac_rec *rec, jv err,
    const char *what)
{
	jv m = jv_invalid_get_msg(err);
	const char *code = ac_obj_str(m, "code"), *field = ac_obj_str(m,
	    "field"), *msg = ac_obj_str(m, "message");
	char text[240];

	snprintf(text, sizeof(text), "%s: %s", what,
	    msg != NULL ? msg : "unusable");
	ac_stage_warn(st, rec, field != NULL ? field : "-",
	    code != NULL ? code : "invalid", text);
	jv_free(m);
}


/* Custom variables without what the API names them by (an id on the
 * Google Ads API, a variable name on Data Manager) are not sent. */
static void
warn_custom(struct ac_stage *st, const struct rec *r, enum api api,
    struct ac_rec *rec)
{
	char what[160];
	int i, n, out = 0;
	jv e, k;

	if (jv_get_kind(r->c.custom) != JV_KIND_ARRAY)
		return;
	n = jv_array_length(jv_copy(r->c.custom));
	for (i = 0; i < n; i++) {
		e = jv_array_get(jv_copy(r->c.custom), i);
		k = ac_obj_get(e, api == API_GOOGLEADS ? "id" : "variable");
		out += !jv_is_valid(k);
		jv_free(k);
		jv_free(e);
	}
	if (out == 0)
		return;
	snprintf(what, sizeof(what), "%d not sent: without %s, which the "
	    "%s names them by", out, api == API_GOOGLEADS ? "an id" :
	    "a variable name", api == API_GOOGLEADS ? "Google Ads API" :
	    "Data Manager API");
	ac_stage_warn(st, rec, names[F_CUSTOM], "custom_variable_unsent",
	    what);
}

/* FNV-1a start for a duplicate key of kind tag. */
static uint64_t
key_start(const char *tag)
{
	return hash_add(0xcbf29ce484222325ULL, tag, 1);
}

/* Click conversions */

static jv check_address(struct rec *);

#define ITEMS_MAX 200		/* cart items sent with one conversion */
#define CUSTOM_MAX 50		/* custom variables of one conversion */

/*
 * The device a click landed with (user_agent, user_ip_address) and its
 * session_attributes: Data Manager's adIdentifiers. Returns null, or why
 * one cannot be sent (left out, with a warning; the others go).
 */
static jv
check_device(struct rec *r)
{
	struct ac_conv *c = &r->c;
	unsigned char addr[16];
	char ip[64];
	const char *s;
	size_t n;

	if (!absent(r, F_UA)) {
		if ((s = str(r, F_UA, &n)) == NULL || n > UA_MAX)
			return ac_err("user_agent_invalid", names[F_UA],
			    "expected a string of at most %d bytes", UA_MAX);
		c->lp_ua.s = s;
		c->lp_ua.n = n;
	}
	if (!absent(r, F_SESSION)) {
		if ((s = str(r, F_SESSION, &n)) == NULL || n > 65536)
			return ac_err("session_attributes_invalid",
			    names[F_SESSION], "expected the encoded session "
			    "attributes, a string");
		c->session.s = s;
		c->session.n = n;
	}
	if (!absent(r, F_IP)) {
		s = str(r, F_IP, &n);
		if (s == NULL || n >= sizeof(ip))
			return ac_err("ip_address_invalid", names[F_IP],
			    "expected an IPv4 or IPv6 address");
		memcpy(ip, s, n);
		ip[n] = '\0';
		if (inet_pton(AF_INET, ip, addr) != 1 &&
		    inet_pton(AF_INET6, ip, addr) != 1)
			return ac_err("ip_address_invalid", names[F_IP],
			    "expected an IPv4 or IPv6 address");
		c->lp_ip.s = s;
		c->lp_ip.n = n;
	}
	return jv_null();
}

/* A JSON string of 1 to 19 digits. Borrows v. */
static int
digit_string(jv v)
{
	int n;

	if (jv_get_kind(v) != JV_KIND_STRING)
		return 0;
	n = jv_string_length_bytes(jv_copy(v));
	return n <= 19 && digits(jv_string_value(v), (size_t)n);
}

/*
 * custom_variables: an array of at most CUSTOM_MAX objects, each with a
 * string value and an id (digits: the Google Ads API's conversion custom
 * variable) or a variable name (Data Manager's), or both. Returns null,
 * or why they cannot be sent (the conversion goes without them).
 */
static jv
check_custom(struct rec *r)
{
	jv a, e, id, var, val;
	int i, n, bad = 0;

	if (absent(r, F_CUSTOM))
		return jv_null();
	a = ac_view_get(&r->v, F_CUSTOM);
	if (jv_get_kind(a) != JV_KIND_ARRAY || (n = jv_array_length(
	    jv_copy(a))) < 1 || n > CUSTOM_MAX)
		return ac_err("custom_variables_invalid", names[F_CUSTOM],
		    "expected an array of 1 to %d objects", CUSTOM_MAX);
	for (i = 0; i < n && !bad; i++) {
		e = jv_array_get(jv_copy(a), i);
		id = ac_obj_get(e, "id");
		var = ac_obj_get(e, "variable");
		val = ac_obj_get(e, "value");
		bad = jv_get_kind(val) != JV_KIND_STRING ||
		    (!jv_is_valid(id) && !jv_is_valid(var)) ||
		    (jv_is_valid(id) && !digit_string(id)) ||
		    (jv_is_valid(var) && (jv_get_kind(var) != JV_KIND_STRING ||
		    jv_string_length_bytes(jv_copy(var)) < 1));
		jv_free(e);
		jv_free(id);
		jv_free(var);
		jv_free(val);
	}
	if (bad)
		return ac_err("custom_variables_invalid", names[F_CUSTOM],
		    "item %d: expected a string value and an id (digits) or "
		    "a variable name", i);
	r->c.custom = a;
	return jv_null();
}

/* A string of two ASCII letters, as upper (or lower) case into out[3]. */
static int
two_letters(const char *s, size_t n, char out[3], int upper)
{
	size_t i;

	if (s == NULL || n != 2)
		return -1;
	for (i = 0; i < 2; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			return -1;
		out[i] = (char)(upper ? s[i] & ~0x20 : s[i] | 0x20);
	}
	out[2] = '\0';
	return 0;
}

/*
 * The cart of a click: items [{product_id, quantity, unit_price}] with
 * merchant_id, feed_country_code, feed_language_code and cart_discount
 * when given; sent only with items. Returns null, or why it cannot be
 * sent (then the click goes without it, with a warning).
 */
static jv
check_cart(struct rec *r)
{
	struct ac_cart *cart = &r->c.cart;
	const char *s;
	size_t n;
	double d;
	int i, len;
	jv items, it, pid, q, p;

	if (absent(r, F_ITEMS))
		return jv_null();
	items = ac_view_get(&r->v, F_ITEMS);
	if (jv_get_kind(items) != JV_KIND_ARRAY || (len =
	    jv_array_length(jv_copy(items))) < 1 || len > ITEMS_MAX)
		return ac_err("cart_invalid", names[F_ITEMS], "expected an "
		    "array of 1 to %d objects", ITEMS_MAX);
	for (i = 0; i < len; i++) {
		it = jv_array_get(jv_copy(items), i);
		pid = ac_obj_get(it, "product_id");
		q = ac_obj_get(it, "quantity");
		p = ac_obj_get(it, "unit_price");
		n = jv_get_kind(pid) == JV_KIND_STRING ?
		    (size_t)jv_string_length_bytes(jv_copy(pid)) : 0;
		d = jv_get_kind(q) == JV_KIND_NUMBER ? jv_number_value(q) : 0;
		if (n == 0 || n > 150 || d < 1 || d > 2147483647.0 ||
		    d != trunc(d) || jv_get_kind(p) != JV_KIND_NUMBER ||
		    !isfinite(jv_number_value(p)) || jv_number_value(p) < 0)
			len = -1;
		jv_free(it);
		jv_free(pid);
		jv_free(q);
		jv_free(p);
		if (len < 0)
			return ac_err("cart_invalid", names[F_ITEMS], "item %d: "
			    "expected product_id (a string), quantity (a "
			    "whole number from 1) and unit_price (a number, "
			    "zero or more)", i + 1);
	}
	if (!absent(r, F_MERCHANT)) {
		it = ac_view_get(&r->v, F_MERCHANT);
		if (jv_get_kind(it) == JV_KIND_NUMBER &&
		    jv_number_value(it) >= 1 &&
		    jv_number_value(it) < AC_MAX_EXACT &&
		    jv_number_value(it) == trunc(jv_number_value(it)))
			n = ac_fmt_int(r->merchant,
			    (long long)jv_number_value(it));
		else if ((s = str(r, F_MERCHANT, &n)) != NULL && n <= 19 &&
		    digits(s, n))
			memcpy(r->merchant, s, n);
		else
			return ac_err("cart_invalid", names[F_MERCHANT],
			    "expected the Merchant Center ID's digits");
		cart->merchant.s = r->merchant;
		cart->merchant.n = n;
	}
	if (!absent(r, F_FEED_COUNTRY)) {
		s = str(r, F_FEED_COUNTRY, &n);
		if (two_letters(s, n, cart->country, 1) == -1)
			return ac_err("cart_invalid", names[F_FEED_COUNTRY],
			    "expected an ISO 3166-1 alpha-2 code");
	}
	if (!absent(r, F_FEED_LANG)) {
		s = str(r, F_FEED_LANG, &n);
		if (two_letters(s, n, cart->lang, 0) == -1)
			return ac_err("cart_invalid", names[F_FEED_LANG],
			    "expected an ISO 639-1 code");
	}
	if (!absent(r, F_DISCOUNT)) {
		it = ac_view_get(&r->v, F_DISCOUNT);
		if (jv_get_kind(it) != JV_KIND_NUMBER ||
		    !isfinite(jv_number_value(it)) || jv_number_value(it) < 0)
			return ac_err("cart_invalid", names[F_DISCOUNT],
			    "expected a number, zero or more");
		cart->has_discount = 1;
		cart->discount = jv_number_value(it);
	}
	cart->items = items;
	cart->has = 1;
	return jv_null();
}

static jv
click_check(struct rec *r, const struct batch *b)
{
	static const char *const envs[] = { "", "APP", "WEB" };
	struct ac_conv *c = &r->c;
	const char *s;
	size_t n;
	int f, i;
	uint64_t k;

	(void)b;	/* the signature of checks[]; adj_check reads it */
	TRY(check_action(r));
	TRY(check_time(&r->v, F_TIME, names[F_TIME], "time_missing",
	    "time_invalid", &c->time));
	TRY(check_value(r));
	TRY(check_order(r));
	if (!absent(r, F_ENV)) {
		s = str(r, F_ENV, &n);
		for (i = AC_ENV_APP; i <= AC_ENV_WEB && c->env == AC_ENV_NONE;
		    i++)
			if (s != NULL && n == 3 && memcmp(s, envs[i], 3) == 0)
				c->env = (enum ac_env)i;
		if (c->env == AC_ENV_NONE)
			return ac_err("conversion_environment_invalid",
			    names[F_ENV], "expected APP or WEB");
	}
	TRY(check_consent(r));
	TRY(check_clear(r));
	if (!absent(r, F_CTYPE)) {
		s = str(r, F_CTYPE, &n);
		for (i = AC_CT_NEW; i <= AC_CT_REENGAGED; i++)
			if (s != NULL && n == strlen(ac_ctype_names[i]) &&
			    memcmp(s, ac_ctype_names[i], n) == 0)
				c->ctype = (enum ac_ctype)i;
		if (c->ctype == AC_CT_NONE)
			return ac_err("customer_type_invalid", names[F_CTYPE],
			    "expected NEW, RETURNING or REENGAGED: run "
			    "ac-normalize");
	}
	/* External attribution: both members or none; the credit a
	 * fraction of the conversion, 0 to 1. */
	if (!absent(r, F_EXT_CREDIT) || !absent(r, F_EXT_MODEL)) {
		jv cr = ac_view_get(&r->v, F_EXT_CREDIT);

		if (jv_get_kind(cr) != JV_KIND_NUMBER ||
		    !(jv_number_value(cr) >= 0 && jv_number_value(cr) <= 1))
			return ac_err("external_attribution_invalid",
			    names[F_EXT_CREDIT], "expected a number from 0 to "
			    "1, with external_attribution_model");
		if ((s = str(r, F_EXT_MODEL, &n)) == NULL || n == 0)
			return ac_err("external_attribution_invalid",
			    names[F_EXT_MODEL], "expected the attribution "
			    "model's name, with external_attribution_credit");
		c->has_ext = 1;
		c->ext_credit = jv_number_value(cr);
		c->ext_model.s = s;
		c->ext_model.n = n;
	}
	r->custom_err = check_custom(r);
	r->device_err = check_device(r);
	/* Cart data is an extra: a bad one is left out, with a warning. */
	r->cart_err = check_cart(r);
	if (!jv_is_valid(r->cart_err))
		memset(&c->cart, 0, sizeof(c->cart));
	for (f = F_GCLID; f <= F_WBRAID; f++) {
		if (absent(r, f))
			continue;
		if (c->click != AC_NOCLICK)
			return ac_err("click_id_multiple", NULL, "more than "
			    "one of gclid, gbraid and wbraid: run "
			    "ac-pick-clickid");
		TRY(check_click_id(r, f));
		c->click = (enum ac_clicktype)(f - F_GCLID + 1);
	}
	TRY(check_hashes(r));
	if (r->x != NULL) {
		/* Data Manager (see batch_record). A click's address is an
		 * extra: an unusable one is left out, with a warning, and the
		 * click goes without it. */
		r->addr_err = check_address(r);
		if (!jv_is_valid(r->addr_err))
			c->has_address = 0;
	}
	if (c->click == AC_NOCLICK && c->ids == 0 && !c->has_address)
		return ac_err("unattributable", NULL, "has neither a click ID "
		    "nor a hashed email or phone");
	if (c->udata == AC_DENIED && (c->ids != 0 || c->has_address))
		return ac_err("identifiers_denied", names[F_CONSENT],
		    "hashed identifiers with ad_user_data DENIED: run "
		    "ac-consent");

	/* Google's duplicate rules (google-ads-api §2.4). */
	if (c->order.s != NULL) {
		k = hash_add(key_start("o"), c->action.s, c->action.n);
		r->key[0] = hash_end(hash_add(k, c->order.s, c->order.n));
		r->keycode[0] = "duplicate_order_id";
		r->keyfield[0] = names[F_ORDER_ID];
		r->keymsg[0] = "order_id already used for this "
		    "conversion_action in this run";
	}
	if (c->click != AC_NOCLICK) {
		unsigned char t = (unsigned char)c->click;

		k = hash_add(key_start("c"), &t, 1);
		k = hash_add(k, c->click_id.s, c->click_id.n);
		k = hash_add(k, c->time, AC_TIME_LEN);
		r->key[1] = hash_end(hash_add(k, c->action.s, c->action.n));
		r->keycode[1] = "duplicate_click";
		r->keyfield[1] = names[F_GCLID + c->click - 1];
		r->keymsg[1] = "the same click, conversion_date_time and "
		    "conversion_action already came in this run";
	}
	return jv_null();
}

/* Call conversions */

static jv
call_check(struct rec *r, const struct batch *b)
{
	struct ac_conv *c = &r->c;
	uint64_t k;

	(void)b;	/* the signature of checks[]; adj_check reads it */
	TRY(check_action(r));
	r->custom_err = check_custom(r);
	if ((c->caller.s = str(r, F_CALLER, &c->caller.n)) == NULL ||
	    !e164_ok(c->caller.s, c->caller.n))
		return ac_err("caller_id_invalid", names[F_CALLER], "expected "
		    "E.164, + and 8 to 15 digits: run ac-normalize");
	TRY(check_time(r->x, X_CALL_START, xnames[X_CALL_START],
	    "call_start_date_time_missing", "call_start_date_time_invalid",
	    &c->call_start));
	TRY(check_time(&r->v, F_TIME, names[F_TIME], "time_missing",
	    "time_invalid", &c->time));
	TRY(check_value(r));
	TRY(check_order(r));
	TRY(check_consent(r));
	TRY(check_clear(r));

	/* The call Google knows (CALL_CONVERSION_ALREADY_EXISTS). */
	k = hash_add(key_start("C"), c->action.s, c->action.n);
	k = hash_add(k, c->caller.s, c->caller.n);
	r->key[0] = hash_end(hash_add(k, c->call_start, AC_TIME_LEN));
	r->keycode[0] = "duplicate_call";
	r->keyfield[0] = names[F_CALLER];
	r->keymsg[0] = "the same caller_id, call_start_date_time and "
	    "conversion_action already came in this run";
	return jv_null();
}

/* Adjustments */

/* Field f of xnames, when present, into *s. */
static void
xstr(const struct rec *r, int f, struct ac_str *s)
{
	s->s = vpresent(r->x, f) ? ac_view_str(r->x, f, &s->n) : NULL;
}

/* A clear-text part of the address: a non-blank string. */
static jv
check_place(const struct rec *r, int f)
{
	const char *s;
	size_t n;

	if (!vpresent(r->x, f))
		return jv_null();
	if ((s = ac_view_str(r->x, f, &n)) == NULL)
		return ac_err("address_invalid", xnames[f], "expected a "
		    "string: run ac-normalize");
	if (f == X_COUNTRY && (n != 2 || s[0] < 'A' || s[0] > 'Z' ||
	    s[1] < 'A' || s[1] > 'Z'))
		return ac_err("address_invalid", xnames[f], "expected two "
		    "upper-case letters: run ac-normalize");
	return jv_null();
}

/*
 * The address set of an enhancement, checked: sent when the hashed names,
 * the country and the postal code are all there.
 */
static jv
check_address(struct rec *r)
{
	static const int hashed[] = { X_HFIRST, X_HLAST, X_HSTREET };
	static const int places[] = { X_CITY, X_REGION, X_COUNTRY, X_POSTAL };
	struct ac_address *a = &r->c.addr;
	unsigned char buf[32];
	const char *s;
	size_t i, n;

	if (!(vpresent(r->x, X_HFIRST) && vpresent(r->x, X_HLAST) &&
	    vpresent(r->x, X_COUNTRY) && vpresent(r->x, X_POSTAL)))
		return jv_null();
	for (i = 0; i < sizeof(hashed) / sizeof(hashed[0]); i++) {
		if (vabsent(r->x, hashed[i]))
			continue;
		if ((s = ac_view_str(r->x, hashed[i], &n)) == NULL ||
		    !hash_ok(s, n, buf))
			return ac_err("hashed_invalid", xnames[hashed[i]],
			    "expected 64 lower-case hex digits: run ac-hash");
	}
	for (i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		TRY(check_place(r, places[i]));
	r->c.has_address = 1;
	xstr(r, X_HFIRST, &a->first);
	xstr(r, X_HLAST, &a->last);
	xstr(r, X_HSTREET, &a->street);
	xstr(r, X_CITY, &a->city);
	xstr(r, X_REGION, &a->region);
	xstr(r, X_COUNTRY, &a->country);
	xstr(r, X_POSTAL, &a->postal);
	return jv_null();
}

static jv
adj_check(struct rec *r, const struct batch *b)
{
	struct ac_conv *c = &r->c;
	const char *s;
	size_t n;
	int type, f;
	uint64_t k;

	s = str(r, F_ADJ_TYPE, &n);
	for (type = 0; type < AC_NADJ; type++)
		if (s != NULL && strlen(ac_adj_names[type]) == n &&
		    memcmp(ac_adj_names[type], s, n) == 0)
			break;
	if (type == AC_NADJ)
		return ac_err("adjustment_type_invalid", names[F_ADJ_TYPE],
		    "expected ENHANCEMENT, RETRACTION or RESTATEMENT: run "
		    "ac-normalize");
	c->adj = (enum ac_adj)type;
	TRY(check_action(r));
	TRY(check_time(r->x, X_ADJ_TIME, xnames[X_ADJ_TIME],
	    type == AC_ENHANCEMENT ? NULL : "adjustment_date_time_missing",
	    "adjustment_date_time_invalid", &c->adj_time));
	TRY(check_time(&r->v, F_TIME, names[F_TIME], NULL, "time_invalid",
	    &c->time));
	TRY(check_order(r));
	if (!absent(r, F_GCLID)) {
		TRY(check_click_id(r, F_GCLID));
		c->click = AC_GCLID;
	}

	/* The key of the conversion adjusted (google-ads-api §1.8). */
	if (type == AC_ENHANCEMENT) {
		if (c->order.s == NULL)
			return ac_err("order_id_missing", names[F_ORDER_ID],
			    "an ENHANCEMENT needs order_id");
	} else if (c->order.s != NULL && c->click != AC_NOCLICK &&
	    b->api == API_GOOGLEADS) {
		/* Data Manager keys by order_id and takes the gclid as the
		 * identifier every event needs. */
		return ac_err("adjustment_key_both", NULL, "both order_id and "
		    "gclid: a RETRACTION or RESTATEMENT takes one key");
	} else if (c->order.s == NULL && c->click == AC_NOCLICK) {
		return ac_err("adjustment_key_missing", NULL, "neither "
		    "order_id nor gclid with conversion_date_time");
	} else if (c->order.s == NULL && c->time == NULL) {
		return ac_err("adjustment_key_missing", names[F_TIME],
		    "a gclid needs conversion_date_time");
	}

	if (type == AC_RESTATEMENT) {
		if (vabsent(r->x, X_ADJ_VALUE))
			return ac_err("adjusted_value_missing",
			    xnames[X_ADJ_VALUE], "a RESTATEMENT needs "
			    "adjusted_value");
		TRY(check_number(ac_view_get(r->x, X_ADJ_VALUE), xnames[X_ADJ_VALUE],
		    "adjusted_value_invalid", &c->adjusted));
		/* Its currency is optional: the conversion's is kept. */
		TRY(check_currency(r));
	}
	TRY(check_consent(r));
	TRY(check_clear(r));
	/* Identifiers: an ENHANCEMENT's data; on a RESTATEMENT only what
	 * Data Manager needs to find or create the conversion. */
	if (type == AC_ENHANCEMENT || (type == AC_RESTATEMENT &&
	    b->api == API_DATAMANAGER))
		TRY(check_hashes(r));
	if (type == AC_ENHANCEMENT) {
		for (f = X_FIRST; f <= X_STREET; f++)
			if (vpresent(r->x, f))
				return ac_err("clear_text_identifier",
				    xnames[f], "%s in clear text: run ac-hash",
				    xnames[f]);
		TRY(check_address(r));
		if (c->ids == 0 && !c->has_address)
			return ac_err("enhancement_without_identifiers", NULL,
			    "an ENHANCEMENT needs a hashed email, phone or "
			    "address: run ac-pick-clickid");
		if (c->udata == AC_DENIED)
			return ac_err("identifiers_denied", names[F_CONSENT],
			    "hashed identifiers with ad_user_data DENIED: run "
			    "ac-consent");
		if (vpresent(r->x, X_UA)) {
			xstr(r, X_UA, &c->user_agent);
			if (c->user_agent.s == NULL ||
			    c->user_agent.n > UA_MAX)
				return ac_err("user_agent_invalid",
				    xnames[X_UA], "expected a string of at "
				    "most 512 bytes: run ac-normalize");
		}
	} else if (c->udata == AC_DENIED) {
		c->ids = 0;	/* ac-consent keeps none; never send one */
		c->nmore = 0;
	}

	/* Google's duplicate rules (google-ads-api §2.4). */
	if (type == AC_ENHANCEMENT) {
		k = hash_add(key_start("E"), c->action.s, c->action.n);
		r->key[0] = hash_end(hash_add(k, c->order.s, c->order.n));
		r->keycode[0] = "duplicate_enhancement";
		r->keyfield[0] = names[F_ORDER_ID];
		r->keymsg[0] = "order_id already enhanced for this "
		    "conversion_action in this run";
	} else {
		k = hash_add(key_start("A"), ac_adj_names[type],
		    strlen(ac_adj_names[type]));
		k = hash_add(k, c->action.s, c->action.n);
		if (c->order.s != NULL) {
			k = hash_add(k, "o", 1);
			k = hash_add(k, c->order.s, c->order.n);
		} else {
			k = hash_add(k, "g", 1);
			k = hash_add(k, c->click_id.s, c->click_id.n);
			k = hash_add(k, c->time, AC_TIME_LEN);
		}
		r->key[0] = hash_end(hash_add(k, c->adj_time, AC_TIME_LEN));
		r->keycode[0] = "duplicate_adjustment";
		r->keyfield[0] = c->order.s != NULL ? names[F_ORDER_ID] :
		    names[F_GCLID];
		r->keymsg[0] = "the same adjustment_type, "
		    "adjustment_date_time, conversion_action and conversion "
		    "already came in this run";
	}
	return jv_null();
}

static jv (*const checks[AC_NKINDS])(struct rec *, const struct batch *) = {
	click_check, call_check, adj_check
};

/*
 * The kind of request a record belongs to (man/ac.7): adjustment_type
 * makes an adjustment, else caller_id a call, else it is a click.
 */
static enum ac_kind
pick_kind(const struct rec *r)
{
	if (present(r, F_ADJ_TYPE))
		return AC_ADJUSTMENT;
	if (present(r, F_CALLER))
		return AC_CALL;
	return AC_CLICK;
}

/* Rows */

/*
 * The rows entry of a conversion: what ac-upload reports of it, never an
 * identifier or the caller's number.
 */
static void
put_row(struct ac_writer *w, const struct batch *b, const struct opts *o,
    const struct ac_conv *c, const struct ac_rec *rec, int file,
    unsigned long line)
{
	const char *type;
	char num[24];
	jv src, f, l, v;
	int i, k, any = 0;

	AC_PUT(w, "{");
	if (c->order.s != NULL && c->kind != AC_CALL) {
		AC_PUT(w, "\"order_id\":");
		ac_write_string(w, c->order.s, c->order.n);
		AC_PUT(w, ",");
	}
	AC_PUT(w, "\"conversion_action\":");
	ac_put_plain(w, c->action.s, c->action.n);
	if (c->time != NULL && (c->kind != AC_ADJUSTMENT ||
	    (c->click == AC_GCLID && c->time != NULL))) {
		AC_PUT(w, ",\"conversion_date_time\":");
		ac_put_plain(w, c->time, AC_TIME_LEN);
	}
	AC_PUT(w, ",\"click_id_type\":");
	type = c->kind == AC_ADJUSTMENT ? (c->order.s == NULL ? "gclid" :
	    "none") : ac_click_names[c->click];
	ac_put_plain(w, type, strlen(type));
	AC_PUT(w, ",\"kind\":");
	ac_put_plain(w, ac_kind_names[c->kind], strlen(ac_kind_names[c->kind]));
	if (c->kind == AC_CALL) {
		AC_PUT(w, ",\"call_start_date_time\":");
		ac_put_plain(w, c->call_start, AC_TIME_LEN);
	} else if (c->kind == AC_ADJUSTMENT) {
		AC_PUT(w, ",\"adjustment_type\":");
		ac_put_plain(w, ac_adj_names[c->adj],
		    strlen(ac_adj_names[c->adj]));
		if (c->adj_time != NULL) {
			AC_PUT(w, ",\"adjustment_date_time\":");
			ac_put_plain(w, c->adj_time, AC_TIME_LEN);
		}
	}
	AC_PUT(w, ",\"google-ads-consent\":{\"ad_user_data\":");
	ac_put_plain(w, ac_consent_names[c->udata],
	    strlen(ac_consent_names[c->udata]));
	AC_PUT(w, ",\"ad_personalization\":");
	ac_put_plain(w, ac_consent_names[c->perso],
	    strlen(ac_consent_names[c->perso]));
	/* Where the record came from: its ac_source (ac-normalize
	 * --source), the backend's own file and line, else what this
	 * stage read. */
	src = ac_field_get(rec, "ac_source");
	f = ac_obj_get(src, "file");
	l = ac_obj_get(src, "line");
	AC_PUT(w, "},\"file\":");
	if (jv_get_kind(f) == JV_KIND_STRING &&
	    jv_get_kind(l) == JV_KIND_NUMBER) {
		ac_write_value(w, f);
		AC_PUT(w, ",\"line\":");
		ac_write_value(w, l);
	} else {
		jv_free(f);
		jv_free(l);
		ac_write_value(w, jv_copy(b->files[file]));
		AC_PUT(w, ",\"line\":");
		ac_write_bytes(w, num, ac_fmt_int(num, (long long)line));
	}
	jv_free(src);
	/* --keep: the named fields the record has, as they are. */
	for (k = 0; k < o->nkeep; k++) {
		i = ac_field_find(rec, o->keep[k], strlen(o->keep[k]),
		    ac_field_hash(o->keep[k], strlen(o->keep[k])));
		if (i < 0)
			continue;
		if (any++)
			AC_PUT(w, ",");
		else
			AC_PUT(w, ",\"keep\":{");
		ac_write_string(w, o->keep[k], strlen(o->keep[k]));
		AC_PUT(w, ":");
		v = ac_rec_val(rec, i);
		ac_write_value(w, v);
	}
	if (any)
		AC_PUT(w, "}");
	AC_PUT(w, "}");
}

/*
 * Pack r into out: a header with the two lengths, the API object, the
 * rows entry.
 */
static void
pack(struct ac_writer *out, const struct batch *b, const struct opts *o,
    const struct rec *r, const struct ac_rec *rec, int file,
    unsigned long line)
{
	struct text_row t = { 0, 0 };

	out->len = 0;
	ac_write_bytes(out, (const char *)&t, sizeof(t));
	if (o->api == API_DATAMANAGER)
		ac_dm_put_event(out, &r->c);
	else
		ac_gads_put(out, &r->c);
	t.conv_len = out->len - sizeof(t);
	put_row(out, b, o, &r->c, rec, file, line);
	t.row_len = out->len - sizeof(t) - t.conv_len;
	memcpy(out->buf, &t, sizeof(t));
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

/* Copy the API objects (which 0) or the rows entries (1) of gp's rows,
 * comma-separated, flushing as it goes. */
static void
emit_part(struct ac_writer *w, const struct group *gp, int which)
{
	const unsigned char *p, *end = gp->buf + gp->len;
	struct text_row t;

	for (p = gp->buf; p < end; p += sizeof(t) + t.conv_len + t.row_len) {
		memcpy(&t, p, sizeof(t));
		if (p != gp->buf)
			AC_PUT(w, ",");
		if (which == 0)
			ac_write_bytes(w, (const char *)p + sizeof(t),
			    t.conv_len);
		else
			ac_write_bytes(w, (const char *)p + sizeof(t) +
			    t.conv_len, t.row_len);
		if (w->len >= FLUSH_AT)
			ac_writer_flush(w);
	}
}

/*
 * Write group gp as one request line and empty it. The output is flushed
 * as it goes, so that a request of 2000 rows does not grow the buffer.
 */
static int
emit(struct ac_stage *st, struct batch *b, const struct opts *o,
    struct group *gp)
{
	const struct ac_gads_method *m = &ac_gads_methods[gp->kind];
	struct ac_writer *w = &st->out;
	char num[24];
	int i;

	if (w->err)
		return fatal_stdout(st);

	AC_PUT(w, "{\"api\":");
	ac_put_plain(w, apis[o->api], strlen(apis[o->api]));
	AC_PUT(w, ",\"customer_id\":");
	ac_put_plain(w, gp->customer, 10);
	if (gp->login[0] != '\0') {
		AC_PUT(w, ",\"login_customer_id\":");
		ac_put_plain(w, gp->login, 10);
	}
	AC_PUT(w, ",\"method\":");
	if (o->api == API_DATAMANAGER) {
		AC_PUT(w, "\"" AC_DM_METHOD "\",\"request\":{\"destinations\":[");
		for (i = 0; i < gp->ndest; i++) {
			if (i > 0)
				AC_PUT(w, ",");
			ac_dm_put_destination(w, gp->customer, gp->login,
			    gp->dest[i], strlen(gp->dest[i]));
		}
		AC_PUT(w, "]");
		if (gp->user_data)
			AC_PUT(w, ",\"encoding\":\"HEX\"");
		AC_PUT(w, ",\"validateOnly\":");
		if (o->validate_only)
			AC_PUT(w, "true");
		else
			AC_PUT(w, "false");
		AC_PUT(w, ",\"" AC_DM_LIST "\":[");
		emit_part(w, gp, 0);
		AC_PUT(w, "]");
	} else {
		ac_put_plain(w, m->name, strlen(m->name));
		AC_PUT(w, ",\"request\":{");
		ac_put_plain(w, m->list, strlen(m->list));
		AC_PUT(w, ":[");
		emit_part(w, gp, 0);
		AC_PUT(w, "],\"partialFailure\":true,\"validateOnly\":");
		if (o->validate_only)
			AC_PUT(w, "true");
		else
			AC_PUT(w, "false");
		if (m->job_id && o->job_id >= 0) {
			AC_PUT(w, ",\"jobId\":");
			ac_write_bytes(w, num, ac_fmt_int(num, o->job_id));
		}
	}
	AC_PUT(w, "},\"rows\":[");
	emit_part(w, gp, 1);
	AC_PUT(w, "]}\n");
	st->nout += (unsigned long)gp->nrows;
	b->ring[b->nreq % RING] = (unsigned long)gp->nrows;
	b->nreq++;
	b->pending -= gp->cap;
	free(gp->buf);
	gp->buf = NULL;
	gp->len = gp->cap = 0;
	gp->nrows = 0;
	gp->ndest = 0;
	gp->user_data = 0;
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

/* Build the hash table of the groups anew, nslot slots. */
static void
group_index(struct batch *b, size_t nslot)
{
	size_t i, j;

	free(b->slot);
	b->slot = xcalloc(nslot, sizeof(int));
	b->nslot = nslot;
	for (j = 0; j < (size_t)b->ng; j++) {
		for (i = group_hash(b->g[j].customer, b->g[j].login,
		    b->g[j].kind) & (nslot - 1); b->slot[i] != 0;
		    i = (i + 1) & (nslot - 1))
			;
		b->slot[i] = (int)j + 1;
	}
}

/*
 * Forget the groups that were sent and hold nothing, when they are most
 * of them: with a new account in every record, the groups would
 * otherwise grow with the input, and every scan of them with it.
 */
static void
group_compact(struct batch *b)
{
	int i, n;

	for (i = n = 0; i < b->ng; i++)
		if (b->g[i].nrows > 0)
			b->g[n++] = b->g[i];
	b->ng = n;
	group_index(b, b->nslot);
}

/* The group of (customer, login, kind), created at the end if new. */
static struct group *
group_get(struct batch *b, const char *customer, const char *login, int kind)
{
	struct group *gp;
	size_t i;
	int j, used;

	for (i = group_hash(customer, login, kind) & (b->nslot - 1);
	    b->slot[i] != 0; i = (i + 1) & (b->nslot - 1)) {
		gp = &b->g[b->slot[i] - 1];
		if (gp->kind == kind && strcmp(gp->customer, customer) == 0 &&
		    strcmp(gp->login, login) == 0)
			return gp;
	}
	if (b->ng == b->gcap) {
		for (j = used = 0; j < b->ng; j++)
			used += b->g[j].nrows > 0;
		if (used < b->ng / 2) {
			group_compact(b);
			return group_get(b, customer, login, kind);
		}
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
	if (2 * (size_t)b->ng > b->nslot)
		group_index(b, 2 * b->nslot);
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
		b->pending += cap - gp->cap;
		gp->cap = cap;
	}
	memcpy(gp->buf + gp->len, p, n);
	gp->len += n;
	gp->nrows++;
}

/* Groups, biggest first (qsort). */
static const struct batch *by_len_b;

static int
by_len(const void *x, const void *y)
{
	size_t a = by_len_b->g[*(const int *)x].len;
	size_t c = by_len_b->g[*(const int *)y].len;

	return a < c ? 1 : a > c ? -1 : *(const int *)x - *(const int *)y;
}

/*
 * Bound the memory of many groups: the biggest go early, until half the
 * bound is free, so that one sort serves many records however many
 * groups there are.
 */
static void
shed(struct ac_stage *st, struct batch *b, const struct opts *o)
{
	int *idx = xcalloc((size_t)b->ng + 1, sizeof(int));
	int i, n;

	for (i = n = 0; i < b->ng; i++)
		if (b->g[i].nrows > 0)
			idx[n++] = i;
	by_len_b = b;
	qsort(idx, (size_t)n, sizeof(int), by_len);
	for (i = 0; i < n && b->pending > PENDING_MAX / 2 && !st->fatal; i++)
		emit(st, b, o, &b->g[idx[i]]);
	free(idx);
	if (o->wait_ms > 0)
		recompute_due(b);
}

/* Records */

/* Data Manager: the destination of r's conversion action in gp, added
 * when there is room. Returns -1 when gp has ten others already. */
static int
group_dest(struct group *gp, const struct ac_conv *c)
{
	int i;

	for (i = 0; i < gp->ndest; i++)
		if (strlen(gp->dest[i]) == c->action_id.n &&
		    memcmp(gp->dest[i], c->action_id.s, c->action_id.n) == 0)
			return 0;
	if (gp->ndest == AC_DM_DESTINATIONS_MAX)
		return -1;
	memcpy(gp->dest[gp->ndest], c->action_id.s, c->action_id.n);
	gp->dest[gp->ndest++][c->action_id.n] = '\0';
	return 0;
}

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
	const char *code, *field, *msg;
	jv err = jv_null();
	int i;

	memset(&r, 0, sizeof(r));
	r.addr_err = jv_null();
	r.cart_err = jv_null();
	r.custom_err = jv_null();
	r.device_err = jv_null();
	r.c.custom = jv_invalid();
	ac_view_open(&r.v, &o->fields, rec);
	r.c.kind = pick_kind(&r);
	/* A click's address goes to Data Manager only (the Google Ads API
	 * takes none on a click): one look for hashed_first_name decides. */
	if (r.c.kind != AC_CLICK || (o->api == API_DATAMANAGER &&
	    ac_field_find(rec, "hashed_first_name", 17,
	    o->xfields.hash[X_HFIRST]) >= 0)) {
		ac_view_open(&x, &o->xfields, rec);
		r.x = &x;
	}
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
	err = checks[r.c.kind](&r, b);
	if (jv_get_kind(err) == JV_KIND_INVALID)
		goto out;
	if (o->api == API_DATAMANAGER &&
	    (code = ac_dm_refuse(&r.c, &field, &msg)) != NULL) {
		jv_free(err);
		err = ac_err(code, field, "%s", msg);
		goto out;
	}
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
	limit_ids(&r, o->api);
	pack(&b->pack, b, o, &r, rec, st->rd.cur, st->rd.line);
	warn_over(st, &r, o->api, rec);
	if (o->api == API_GOOGLEADS && r.c.ctype == AC_CT_REENGAGED)
		ac_stage_warn(st, rec, names[F_CTYPE],
		    "customer_type_unsupported", "REENGAGED not sent: the "
		    "Google Ads API knows NEW and RETURNING only");
	if (!jv_is_valid(r.addr_err))
		warn_left_out(st, rec, r.addr_err, "address left out");
	else
		jv_free(r.addr_err);
	r.addr_err = jv_null();
	if (!jv_is_valid(r.cart_err))
		warn_left_out(st, rec, r.cart_err, "cart data left out");
	else
		jv_free(r.cart_err);
	r.cart_err = jv_null();
	if (!jv_is_valid(r.custom_err))
		warn_left_out(st, rec, r.custom_err,
		    "custom variables left out");
	else
		jv_free(r.custom_err);
	r.custom_err = jv_null();
	warn_custom(st, &r, o->api, rec);
	if (!jv_is_valid(r.device_err))
		warn_left_out(st, rec, r.device_err, "left out");
	else
		jv_free(r.device_err);
	r.device_err = jv_null();
	if (o->api == API_GOOGLEADS && (r.c.lp_ip.s != NULL ||
	    r.c.session.s != NULL))
		ac_stage_warn(st, rec, r.c.lp_ip.s != NULL ?
		    names[F_IP] : names[F_SESSION], "allowlist_only_unsent",
		    "not sent: the Google Ads API takes the IP address and "
		    "session attributes of a click only from allowlisted "
		    "developers; the Data Manager API takes them");

	gp = group_get(b, customer, login, r.c.kind);
	if (o->api == API_DATAMANAGER && group_dest(gp, &r.c) == -1) {
		/* An eleventh conversion action: this request is full. */
		emit(st, b, o, gp);
		group_dest(gp, &r.c);
	}
	if (gp->nrows == 0 && o->wait_ms > 0) {
		gp->due = ac_clock_ms() + o->wait_ms;
		if (b->next_due < 0 || gp->due < b->next_due)
			b->next_due = gp->due;
	}
	gp->user_data |= ac_dm_has_user_data(&r.c);
	group_append(b, gp, b->pack.buf, b->pack.len);
	if (gp->nrows >= o->size) {
		emit(st, b, o, gp);
		if (o->wait_ms > 0)
			recompute_due(b);
	}
	if (b->pending > PENDING_MAX)
		shed(st, b, o);
out:
	jv_free(r.addr_err);	/* a rejected record: no warning */
	jv_free(r.cart_err);
	jv_free(r.custom_err);
	jv_free(r.device_err);
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

/* --api NAME or AC_API: datamanager or googleads. */
static int
set_api(struct opts *o, const char *name, const char *from)
{
	size_t i;

	for (i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
		if (strcmp(name, apis[i]) == 0) {
			o->api = (enum api)i;
			return 0;
		}
	ac_warnx("%s: expected datamanager or googleads", from);
	return -1;
}

/*
 * --keep a,b,c: the names, pointing into arg (cut at the commas). An
 * identifier, clear or hashed, is refused: the rows, and ac-upload's
 * results after them, never hold one.
 */
static int
keep_fields(struct opts *o, char *arg)
{
	static const char *const ids[] = { "email", "phone", "first_name",
		"last_name", "street_address", "city", "region", "postal_code",
		"caller_id", "user_agent" };
	char *name;
	size_t i;

	while ((name = strsep(&arg, ",")) != NULL) {
		if (*name == '\0')
			continue;
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			if (strcmp(name, ids[i]) == 0)
				break;
		if (i < sizeof(ids) / sizeof(ids[0]) ||
		    strncmp(name, "hashed_", 7) == 0) {
			ac_warnx("--keep %s: an identifier is never copied to "
			    "the rows", name);
			return -1;
		}
		if (o->nkeep == KEEP_MAX) {
			ac_warnx("--keep: at most %d fields", KEEP_MAX);
			return -1;
		}
		o->keep[o->nkeep++] = name;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	struct batch b;
	struct idle ic;
	struct opts o;
	const char *errstr, *s;
	long long now;
	jv res;
	int ch, i, status;

	ac_setprogname("ac-batch");
	memset(&o, 0, sizeof(o));
	o.size = SIZE_MAX_API;
	o.job_id = -1;
	o.api = API_DATAMANAGER;
	if ((s = getenv("AC_API")) != NULL && *s != '\0' &&
	    set_api(&o, s, "AC_API") == -1)
		usage(stderr, AC_EXIT_USAGE);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hn:qR:S:Vvw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_API:
			if (set_api(&o, optarg, "--api") == -1)
				usage(stderr, AC_EXIT_USAGE);
			break;
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
		case OPT_KEEP:
			if (keep_fields(&o, optarg) == -1)
				usage(stderr, AC_EXIT_USAGE);
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
		case 'S':
			o.stats = optarg;
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
	if (o.api == API_DATAMANAGER && o.job_id >= 0) {
		ac_warnx("--job-id: the Data Manager API has no job ID "
		    "(--api googleads has)");
		usage(stderr, AC_EXIT_USAGE);
	}

	/* Acquire everything before the first record. No data files: the
	 * checks here are of form only. */
	ac_fieldset_init(&o.fields, names, NFIELDS);
	ac_fieldset_init(&o.xfields, xnames, NXFIELDS);
	if (ac_stage_open(&st, "ac-batch", argc, argv, o.rejects, o.stats) == -1) {
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
	b.api = o.api;

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
	/* After a write error, what is out is the requests written whole. */
	ac_writer_flush(&st.out);
	for (i = 0; (unsigned long)i < st.out.nlost && i < RING && b.nreq > 0;
	    i++) {
		b.nreq--;
		st.nout -= b.ring[b.nreq % RING];
	}
	ac_stage_stat(&st, "requests", jv_number((double)b.nreq));
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
	ac_writer_close(&b.pack);
	ac_fieldset_free(&o.fields);
	ac_fieldset_free(&o.xfields);
	return status;
}

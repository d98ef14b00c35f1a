/* SPDX-License-Identifier: MIT */
/*
 * ac-hash: read conversion records (NDJSON), write them with the personal
 * identifiers replaced by their SHA-256 hashes, as the Google Ads API
 * takes them.
 *
 * Reads and removes: email, phone, first_name, last_name, street_address.
 * Writes: hashed_email, hashed_phone_number, hashed_first_name,
 * hashed_last_name, hashed_street_address (64 lower-case hex digits each,
 * in the place of the clear-text field, or of a hashed field the record
 * had). Reads country_code,
 * without changing it, for the region of national phone numbers.
 * city, region, postal_code, country_code and every other field pass
 * through untouched, in their order; so does a call's caller_id, which the
 * API takes in clear.
 *
 * Each identifier is first put through exactly the rules of ac-normalize,
 * which do nothing to normalized text, so raw and normalized input give the
 * same hashes. A value that cannot be normalized is removed with a warning
 * under "ac_warnings", never hashed; a value that is already a hash is
 * kept, lower-cased, never hashed twice. With --strict a record holding
 * such a value is rejected instead.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "crypto.h"
#include "data.h"
#include "diag.h"
#include "field.h"
#include "ndjson.h"
#include "norm.h"
#include "opt.h"
#include "stage.h"

#define NIDS 5				/* identifiers hashed */

/* Counts for the end-of-run line, per identifier. */
struct tally {
	unsigned long hashed[NIDS], already[NIDS], dropped[NIDS];
};

struct opts {
	char region[3];		/* --default-region, "" when unset */
	int email_all;		/* --email-rule all */
	int strict;
	const char *rejects;
	const char *stats;		/* --stats */
	int quiet, verbose;
	struct ac_data data;
	struct ac_buf buf;	/* scratch for the normalizers */
	struct ac_buf cbuf;	/* country_code, while buf holds the phone */
	struct ac_sha256 sha;	/* fetched once for the run */
	struct ac_fieldset fields;
	struct tally total;
};

static const struct option longopts[] = {
	{ "default-region", required_argument, NULL, 'd' },
	{ "email-rule", required_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "stats", required_argument, NULL, 'S' },
	{ "strict", no_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-hash [-hqsVv] [-d CC] [-e gmail|all] "
	    "[-R FILE] [-S FILE] [FILE ...]\n"
	    "  -d, --default-region CC  read national phone numbers as CC "
	    "when the record has no country_code\n"
	    "  -e, --email-rule RULE    gmail (default): drop dots and "
	    "+tags on gmail.com only; all: on every domain\n"
	    "  -h, --help               show this help\n"
	    "  -q, --quiet              no per-record messages, no "
	    "summary unless records were rejected\n"
	    "  -R, --rejects FILE       write rejected records to FILE\n"
	    "  -S, --stats FILE         write the counts of the run to FILE as JSON\n"
	    "  -s, --strict             reject records holding a value "
	    "that is already hashed\n"
	    "  -V, --version            show the version\n"
	    "  -v, --verbose            show every per-record message\n");
	exit(status);
}

/* What each warning code means, for the stderr line. */
static const char *
describe(const char *code)
{
	static const struct {
		const char *code, *text;
	} t[] = {
		{ "not_string", "dropped: not a string" },
		{ "hashed_invalid", "dropped: not a SHA-256 hash of 64 hex "
		    "digits" },
		{ "hashed_empty", "dropped: the SHA-256 hash of an empty "
		    "value" },
		{ "hashed_replaced", "replaced: differs from the hash of the "
		    "clear-text field" },
	};
	const char *text;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].code, code) == 0)
			return t[i].text;
	text = ac_norm_describe(code);
	return text != NULL ? text : "dropped";
}

/*
 * The clear-text identifiers and their hashed fields are in step:
 * identifier k is field F_EMAIL + k, hashed as F_H_EMAIL + k.
 */
enum field {
	F_COUNTRY, F_EMAIL, F_PHONE, F_FIRST_NAME, F_LAST_NAME, F_STREET,
	F_H_EMAIL, F_H_PHONE, F_H_FIRST_NAME, F_H_LAST_NAME, F_H_STREET,
	NFIELDS
};

static const char *const names[NFIELDS] = {
	"country_code", "email", "phone", "first_name", "last_name",
	"street_address", "hashed_email", "hashed_phone_number",
	"hashed_first_name", "hashed_last_name", "hashed_street_address"
};

/* What a hashed_* field holds. */
enum hashed {
	H_NONE,			/* absent */
	H_BLANK,		/* null or blank: as absent */
	H_VALID,		/* 64 hex digits */
	H_EMPTY,		/* the hash of "" */
	H_INVALID		/* anything else */
};

/* One record being hashed: its fields, the rejection if any. */
struct rec {
	struct ac_view v;
	jv err;			/* null, or the rejection */
	struct opts *o;
	struct ac_stage *st;
	struct tally n;		/* added to the total if not rejected */
	/* Warnings wait until every hashed field is set, so that an
	 * ac_warnings this stage creates comes after them. */
	struct {
		int f;
		const char *code;
	} warn[4 * NIDS];
	int nwarn;
};

/* Warn about field f when the record is done. */
static void
later(struct rec *r, int f, const char *code)
{
	int i;

	/* An array may give the same warning many times: it is said once
	 * (a record carries a warning once). */
	for (i = 0; i < r->nwarn; i++)
		if (r->warn[i].f == f && strcmp(r->warn[i].code, code) == 0)
			return;
	if (r->nwarn == (int)(sizeof(r->warn) / sizeof(r->warn[0])))
		return;
	r->warn[r->nwarn].f = f;
	r->warn[r->nwarn++].code = code;
}

/* Remove field f now, and warn about it when the record is done. */
static void
drop(struct rec *r, int f, const char *code)
{
	ac_view_del(&r->v, f);
	later(r, f, code);
}

/* Field f holds a hash made upstream: hex gets it in lower case. */
static int
hash_text(const struct ac_view *v, int f, char hex[AC_SHA256_HEX])
{
	const char *s;
	size_t n;

	return (s = ac_view_str(v, f, &n)) != NULL && ac_hash_text(s, n, hex);
}

/* Set field f to the hash hex, unless it already holds exactly that. */
static void
put_hash(struct rec *r, int f, const char *hex)
{
	const char *s;
	size_t n;

	if ((s = ac_view_str(&r->v, f, &n)) != NULL &&
	    n == AC_SHA256_HEX - 1 && memcmp(s, hex, n) == 0)
		return;
	ac_view_set_str(&r->v, f, hex, AC_SHA256_HEX - 1);
}

/*
 * The region for national phone numbers: the record's country_code read
 * as ac-normalize reads it (the field itself is left as it is), else
 * --default-region, else NULL.
 */
static const char *
phone_region(struct rec *r, char cc[3])
{
	struct opts *o = r->o;
	const char *s;
	size_t n;

	if ((s = ac_view_str(&r->v, F_COUNTRY, &n)) != NULL &&
	    ac_norm_country(&o->cbuf, s, n, &o->data) == NULL &&
	    o->cbuf.len == 2) {
		memcpy(cc, o->cbuf.p, 3);
		return cc;
	}
	if (s != NULL && ac_norm_phone_region(s, n, &o->data, cc) != NULL)
		return cc;
	/* A country_code that is there but unreadable is not replaced by
	 * -d: the number may well be from elsewhere. */
	if (s != NULL)
		ac_trim(s, &n);
	if (ac_view_has(&r->v, F_COUNTRY) &&
	    ac_view_kind(&r->v, F_COUNTRY) != JV_KIND_NULL &&
	    (s == NULL || n > 0))
		return NULL;
	return o->region[0] != '\0' ? o->region : NULL;
}

/*
 * Take the clear-text identifier k out of the record. Returns 1 with its
 * hash in hex, 0 when there is none (absent, or dropped with a warning),
 * -1 when OpenSSL fails.
 */
static int
from_clear(struct rec *r, int k, char hex[AC_SHA256_HEX])
{
	struct opts *o = r->o;
	const int f = F_EMAIL + k;
	const char *s, *why;
	char num[32], cc[3];
	size_t n, i;
	double d;

	switch (ac_view_kind(&r->v, f)) {
	case JV_KIND_INVALID:
		return 0;
	case JV_KIND_NULL:
		ac_view_del(&r->v, f);
		return 0;
	case JV_KIND_NUMBER:
		/* As ac-normalize: an integer phone comes from a
		 * spreadsheet and is read as its digits. */
		d = jv_number_value(ac_view_get(&r->v, f));
		if (f != F_PHONE || d != trunc(d) || fabs(d) >= AC_MAX_EXACT)
			goto not_string;
		n = ac_fmt_int(num, (long long)d);
		s = num;
		break;
	case JV_KIND_STRING:
		s = ac_view_str(&r->v, f, &n);
		for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
			;
		if (i == n) {
			ac_view_del(&r->v, f);	/* blank: as absent */
			return 0;
		}
		if (hash_text(&r->v, f, hex)) {
			if (strcmp(hex, AC_SHA256_EMPTY) == 0) {
				drop(r, f, "hashed_empty");
				r->n.dropped[k]++;
				return 0;
			}
			ac_view_rename(&r->v, f, F_H_EMAIL + k);
			r->n.already[k]++;
			return 1;
		}
		break;
	default:
		goto not_string;
	}
	why = ac_norm_identifier(&o->buf, names[f], s, n,
	    f == F_PHONE ? phone_region(r, cc) : NULL, o->email_all, &o->data);
	if (why != NULL) {
		drop(r, f, why);
		r->n.dropped[k]++;
		return 0;
	}
	if (ac_sha256_ctx_hex(&o->sha, o->buf.p, o->buf.len, hex) == -1)
		return -1;
	/* hashed_email takes the place of email, unless it is there. */
	ac_view_rename(&r->v, f, F_H_EMAIL + k);
	r->n.hashed[k]++;
	return 1;
not_string:
	drop(r, f, "not_string");
	r->n.dropped[k]++;
	return 0;
}

static enum hashed
classify(const struct ac_view *v, int f, char hex[AC_SHA256_HEX])
{
	size_t n;

	switch (ac_view_kind(v, f)) {
	case JV_KIND_INVALID:
		return H_NONE;
	case JV_KIND_NULL:
		return H_BLANK;
	case JV_KIND_STRING:
		ac_trim(ac_view_str(v, f, &n), &n);
		if (n == 0)
			return H_BLANK;
		if (!hash_text(v, f, hex))
			return H_INVALID;
		return strcmp(hex, AC_SHA256_EMPTY) == 0 ? H_EMPTY : H_VALID;
	default:
		return H_INVALID;
	}
}

/* Append hex to the array *a unless it holds it already. */
static void
add_unique(jv *a, const char *hex)
{
	jv_array_foreach(*a, i, e) {
		if (strcmp(jv_string_value(e), hex) == 0) {
			jv_free(e);
			return;
		}
		jv_free(e);
	}
	*a = jv_array_append(*a, jv_string(hex));
}

/*
 * One element of an email or phone array, s[0..n): its hash appended to
 * *out, or a warning for field f. -1: OpenSSL.
 */
static int
clear_elem(struct rec *r, int k, const char *s, size_t n, jv *out)
{
	struct opts *o = r->o;
	const int f = F_EMAIL + k;
	char hex[AC_SHA256_HEX], cc[3];
	const char *why;

	if ((s = ac_trim(s, &n), n) == 0)
		return 0;			/* blank: as absent */
	if (ac_hash_text(s, n, hex)) {
		if (strcmp(hex, AC_SHA256_EMPTY) == 0) {
			later(r, f, "hashed_empty");
			r->n.dropped[k]++;
			return 0;
		}
		r->n.already[k]++;
		add_unique(out, hex);
		return 0;
	}
	why = ac_norm_identifier(&o->buf, names[f], s, n,
	    f == F_PHONE ? phone_region(r, cc) : NULL, o->email_all, &o->data);
	if (why != NULL) {
		later(r, f, why);
		r->n.dropped[k]++;
		return 0;
	}
	if (ac_sha256_ctx_hex(&o->sha, o->buf.p, o->buf.len, hex) == -1)
		return -1;
	r->n.hashed[k]++;
	add_unique(out, hex);
	return 0;
}

/*
 * Identifier k when its clear or its hashed field is an array: every
 * usable value hashed, the clear ones first, then those hashed already,
 * each once, as an array in the hashed field; the clear field goes.
 * -1: OpenSSL.
 */
static int
hash_list(struct rec *r, int k)
{
	const int f = F_EMAIL + k, h = F_H_EMAIL + k;
	char hex[AC_SHA256_HEX];
	const char *s;
	size_t n;
	jv out = jv_array(), a, e;
	enum hashed c;
	int rc = 0;

	switch (ac_view_kind(&r->v, f)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		break;
	case JV_KIND_ARRAY:
		a = ac_view_get(&r->v, f);
		if (jv_array_length(jv_copy(a)) == 0)
			later(r, f, "empty");
		jv_array_foreach(a, i, el) {
			if (rc == 0 && (s = ac_field_str(el, &n)) != NULL)
				rc = clear_elem(r, k, s, n, &out);
			else if (rc == 0) {
				later(r, f, "not_string");
				r->n.dropped[k]++;
			}
			jv_free(el);
		}
		break;
	case JV_KIND_STRING:
		s = ac_view_str(&r->v, f, &n);
		rc = clear_elem(r, k, s, n, &out);
		break;
	case JV_KIND_NUMBER:
		/* One value: as from_clear reads it. */
		if ((rc = from_clear(r, k, hex)) == 1) {
			add_unique(&out, hex);
			rc = 0;
		}
		break;
	default:
		later(r, f, "not_string");
		r->n.dropped[k]++;
		break;
	}
	if (rc == -1) {
		jv_free(out);
		return -1;
	}
	switch (ac_view_kind(&r->v, h)) {
	case JV_KIND_ARRAY:
		a = ac_view_get(&r->v, h);
		if (jv_array_length(jv_copy(a)) == 0)
			later(r, h, "empty");
		jv_array_foreach(a, i, el) {
			e = el;
			if ((s = ac_field_str(e, &n)) != NULL) {
				s = ac_trim(s, &n);
				if (n == 0) {
					jv_free(e);
					continue;
				}
			}
			if (s == NULL || !ac_hash_text(s, n, hex)) {
				later(r, h, "hashed_invalid");
				r->n.dropped[k]++;
			} else if (strcmp(hex, AC_SHA256_EMPTY) == 0) {
				later(r, h, "hashed_empty");
				r->n.dropped[k]++;
			} else {
				r->n.already[k]++;
				add_unique(&out, hex);
			}
			jv_free(e);
		}
		break;
	default:
		switch (c = classify(&r->v, h, hex)) {
		case H_VALID:
			r->n.already[k]++;
			add_unique(&out, hex);
			break;
		case H_INVALID:
		case H_EMPTY:
			later(r, h, c == H_EMPTY ? "hashed_empty" :
			    "hashed_invalid");
			r->n.dropped[k]++;
			break;
		default:
			break;
		}
		break;
	}
	/* hashed_email takes the place of email, unless it is there. */
	if (ac_view_has(&r->v, f))
		ac_view_rename(&r->v, f, h);
	if (jv_array_length(jv_copy(out)) > 0)
		ac_view_set(&r->v, h, out);
	else {
		jv_free(out);
		if (ac_view_has(&r->v, h))
			ac_view_del(&r->v, h);
	}
	return 0;
}

/* Identifier k: hash it, or keep the hash it came with. -1: OpenSSL. */
static int
hash_one(struct rec *r, int k)
{
	const int h = F_H_EMAIL + k;
	char fresh[AC_SHA256_HEX], old[AC_SHA256_HEX];
	enum hashed c;
	int have;

	/* Arrays: email and phone only (man/ac.7). */
	if (k < 2 && (ac_view_kind(&r->v, F_EMAIL + k) == JV_KIND_ARRAY ||
	    ac_view_kind(&r->v, h) == JV_KIND_ARRAY))
		return hash_list(r, k);
	/* Classify the hashed field before from_clear may put the clear
	 * one in its place. */
	c = classify(&r->v, h, old);
	if ((have = from_clear(r, k, fresh)) == -1)
		return -1;
	switch (c) {
	case H_NONE:
		if (have)
			put_hash(r, h, fresh);
		break;
	case H_BLANK:
		if (have)
			put_hash(r, h, fresh);
		else
			ac_view_del(&r->v, h);
		break;
	case H_INVALID:
	case H_EMPTY:
		later(r, h, c == H_EMPTY ? "hashed_empty" : "hashed_invalid");
		r->n.dropped[k]++;
		if (have)
			put_hash(r, h, fresh);
		else
			ac_view_del(&r->v, h);
		break;
	case H_VALID:
		if (have) {
			/* The clear text wins: it is what this run saw. */
			if (strcmp(old, fresh) != 0)
				later(r, h, "hashed_replaced");
			put_hash(r, h, fresh);
		} else {
			r->n.already[k]++;
			put_hash(r, h, old);
		}
		break;
	}
	return 0;
}

/* Field f is an array with an element of 64 hex digits. */
static int
list_has_hash(const struct ac_view *v, int f)
{
	char hex[AC_SHA256_HEX];
	const char *s;
	size_t n;
	jv a;
	int got = 0;

	if (ac_view_kind(v, f) != JV_KIND_ARRAY)
		return 0;
	a = ac_view_get(v, f);
	jv_array_foreach(a, i, e) {
		if (!got && (s = ac_field_str(e, &n)) != NULL)
			got = ac_hash_text(s, n, hex);
		jv_free(e);
	}
	return got;
}

/* --strict: the first identifier that is already a hash rejects. */
static int
check_strict(struct rec *r)
{
	char hex[AC_SHA256_HEX];
	int k, f;

	for (k = 0; k < NIDS; k++) {
		f = F_EMAIL + k;
		if (!hash_text(&r->v, f, hex) && !list_has_hash(&r->v, f))
			f = F_H_EMAIL + k;
		if (hash_text(&r->v, f, hex) || list_has_hash(&r->v, f)) {
			r->err = ac_err("already_hashed", names[f],
			    "already hashed; --strict takes clear text only");
			return -1;
		}
	}
	return 0;
}

static void
add(struct tally *t, const struct tally *n)
{
	int k;

	for (k = 0; k < NIDS; k++) {
		t->hashed[k] += n->hashed[k];
		t->already[k] += n->already[k];
		t->dropped[k] += n->dropped[k];
	}
}

/* Returns null, or the rejection from ac_err(). */
static jv
hash_record(struct ac_rec *rec, struct opts *o, struct ac_stage *st)
{
	char msg[256];
	struct rec r;
	int k;

	ac_view_open(&r.v, &o->fields, rec);
	r.o = o;
	r.st = st;
	r.err = jv_null();
	r.nwarn = 0;
	memset(&r.n, 0, sizeof(r.n));
	/* Rejection first, so a rejected record carries no warnings. */
	if (!o->strict || check_strict(&r) == 0) {
		for (k = 0; k < NIDS; k++) {
			if (hash_one(&r, k) == 0)
				continue;
			/* Nothing of this record may go out half hashed:
			 * it goes to the rejects file and the run stops. */
			ac_warnx("OpenSSL: %s", ac_ossl_error(msg,
			    sizeof(msg)));
			st->fatal = 1;
			r.err = ac_err("openssl_error", names[F_EMAIL + k],
			    "SHA-256 failed; run stopped");
			r.nwarn = 0;
			break;
		}
		for (k = 0; k < r.nwarn; k++)
			ac_stage_warn(st, rec, names[r.warn[k].f],
			    r.warn[k].code, describe(r.warn[k].code));
		if (jv_get_kind(r.err) == JV_KIND_NULL)
			add(&o->total, &r.n);
	}
	ac_view_close(&r.v);
	return r.err;
}

/* "950 email, 700 phone" for the counts c that are not zero. */
static void
print_fields(const unsigned long c[NIDS])
{
	int k, first = 1;

	for (k = 0; k < NIDS; k++) {
		if (c[k] == 0)
			continue;
		fprintf(stderr, "%s%lu %s", first ? "" : ", ", c[k],
		    names[F_EMAIL + k]);
		first = 0;
	}
}

static unsigned long
sum(const unsigned long c[NIDS])
{
	unsigned long s = 0;
	int k;

	for (k = 0; k < NIDS; k++)
		s += c[k];
	return s;
}

/*
 * The line after the stage summary: "ac-hash: hashed 950 email, 700
 * phone; already hashed 12 (12 email); dropped 40 (30 email, 10 phone)".
 */
static void
print_tally(const struct tally *t)
{
	fputs("ac-hash: hashed ", stderr);
	if (sum(t->hashed) == 0)
		fputs("0", stderr);
	else
		print_fields(t->hashed);
	fprintf(stderr, "; already hashed %lu", sum(t->already));
	if (sum(t->already) > 0) {
		fputs(" (", stderr);
		print_fields(t->already);
		fputs(")", stderr);
	}
	fprintf(stderr, "; dropped %lu", sum(t->dropped));
	if (sum(t->dropped) > 0) {
		fputs(" (", stderr);
		print_fields(t->dropped);
		fputs(")", stderr);
	}
	fputs("\n", stderr);
}

/* SHA-256 must work before the first record: a known answer. */
static void
check_openssl(struct ac_sha256 *sha)
{
	char hex[AC_SHA256_HEX], msg[256];

	if (ac_sha256_open(sha) == -1 || ac_sha256_ctx_hex(sha, "abc", 3,
	    hex) == -1)
		ac_diex(AC_EXIT_FATAL, "OpenSSL: %s",
		    ac_ossl_error(msg, sizeof(msg)));
	if (strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") != 0)
		ac_diex(AC_EXIT_FATAL, "OpenSSL: SHA-256 gives a wrong "
		    "answer");
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	struct opts o;
	char err[512];
	int ch, status;

	ac_setprogname("ac-hash");
	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:e:hqR:S:sVv", longopts,
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
		case 's':
			o.strict = 1;
			break;
		case 'V':
			ac_print_version();
			return AC_EXIT_OK;
		case 'v':
			o.verbose = 1;
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
	check_openssl(&o.sha);
	if (ac_stage_open(&st, "ac-hash", argc, argv, o.rejects, o.stats) == -1) {
		ac_sha256_close(&o.sha);
		ac_data_free(&o.data);
		ac_fieldset_free(&o.fields);
		return AC_EXIT_FATAL;
	}
	st.quiet = o.quiet;
	st.verbose = o.verbose;

	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec))
		if (ac_stage_put(&st, &rec, hash_record(&rec, &o, &st)) == -1)
			break;
	status = ac_stage_finish(&st);
	if (!o.quiet)
		print_tally(&o.total);
	ac_rec_free(&rec);
	ac_sha256_close(&o.sha);
	ac_data_free(&o.data);
	ac_buf_free(&o.buf);
	ac_buf_free(&o.cbuf);
	ac_fieldset_free(&o.fields);
	return status;
}

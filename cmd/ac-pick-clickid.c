/* SPDX-License-Identifier: MIT */
/*
 * ac-pick-clickid: read conversion records (NDJSON), after ac-hash, and
 * write each with the one click identifier Google accepts.
 *
 * Reads gclid, gbraid and wbraid and keeps the first well-formed one in
 * that order, removing the others; reads hashed_email and
 * hashed_phone_number, removes those that are not 64 hex digits and, with
 * --identifiers fallback, removes them when a click ID was kept; reads
 * email and phone only to say, when a record is rejected, that ac-hash
 * has not run. Writes click_id_type ("gclid", "gbraid", "wbraid" or
 * "none") at the end, or in place of an existing one. Other fields pass
 * through untouched, in their order.
 *
 * A record left with neither a click ID nor a hashed email or phone cannot
 * be attributed and is rejected; a malformed value is removed with a
 * warning under "ac_warnings" and the record goes on. At the end, a line
 * counts the records per click_id_type and what was removed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jv.h>

#include "crypto.h"
#include "diag.h"
#include "field.h"
#include "ndjson.h"
#include "norm.h"
#include "opt.h"
#include "stage.h"

/* Bounds of the click-ID sanity check (see man/ac-pick-clickid.1). */

enum field {
	F_GCLID, F_GBRAID, F_WBRAID,	/* in order of priority */
	F_HEMAIL, F_HPHONE, F_EMAIL, F_PHONE, F_TYPE, NFIELDS
};

#define NCLICK 3

static const char *const names[NFIELDS] = {
	"gclid", "gbraid", "wbraid", "hashed_email", "hashed_phone_number",
	"email", "phone", "click_id_type"
};

static const char *const malformed[NCLICK] = {
	"gclid_malformed", "gbraid_malformed", "wbraid_malformed"
};

struct opts {
	int fallback;		/* --identifiers fallback */
	const char *rejects;
	int quiet, verbose;
	struct ac_fieldset fields;
	/* For the closing line: records out per click_id_type (the last
	 * slot is "none"), valid click IDs and identifiers removed. */
	unsigned long ntype[NCLICK + 1];
	unsigned long nextra, nids;
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "identifiers", required_argument, NULL, 'i' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-pick-clickid [-hqVv] [-i always|fallback] "
	    "[-R FILE] [FILE ...]\n"
	    "  -h, --help               show this help\n"
	    "  -i, --identifiers WHEN   always (default): keep hashed_email "
	    "and hashed_phone_number\n"
	    "                           with the click ID; fallback: only "
	    "when there is no click ID\n"
	    "  -q, --quiet              no per-record messages, no "
	    "summary unless records were rejected\n"
	    "  -R, --rejects FILE       write rejected records to FILE\n"
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
		{ "gclid_malformed", "dropped: malformed, not 10 to 512 "
		    "characters of [A-Za-z0-9_-]" },
		{ "gbraid_malformed", "dropped: malformed, not 10 to 512 "
		    "characters of [A-Za-z0-9_-]" },
		{ "wbraid_malformed", "dropped: malformed, not 10 to 512 "
		    "characters of [A-Za-z0-9_-]" },
		{ "hashed_empty", "dropped: the SHA-256 hash of an empty "
		    "value" },
		{ "hashed_invalid", "dropped: not a SHA-256 hash of 64 hex "
		    "digits" },
		{ "not_string", "dropped: not a string" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].code, code) == 0)
			return t[i].text;
	return "dropped";
}

/* What one field holds, decided before the record is changed. */
enum state {
	ABSENT,			/* missing, null or blank */
	GOOD,			/* usable: s[0..n) is its canonical form */
	BAD			/* to be dropped with the warning code */
};

struct cell {
	enum state state;
	const char *code;	/* BAD: the warning code */
	const char *s;		/* GOOD: trimmed text, borrowed from v.val */
	size_t n;
	int changed;		/* GOOD: differs from the value as read */
};

/* One record being processed. */
struct rec {
	struct ac_view v;
	struct cell c[NFIELDS];
};

/* Classify field f: a click ID when f < NCLICK, else a hashed one. */
static void
classify(struct rec *r, int f)
{
	struct cell *c = &r->c[f];
	const char *s;
	size_t n, len, i;

	memset(c, 0, sizeof(*c));
	switch (jv_get_kind(r->v.val[f])) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		c->state = ABSENT;
		return;
	case JV_KIND_STRING:
		break;
	default:
		c->state = BAD;
		c->code = "not_string";
		return;
	}
	s = ac_field_str(r->v.val[f], &n);
	len = n;
	s = ac_trim(s, &n);
	if (n == 0) {
		c->state = ABSENT;
		return;
	}
	if (f < NCLICK ? !ac_click_id_ok(s, n) : !ac_is_sha256_hex(s, n)) {
		c->state = BAD;
		c->code = f < NCLICK ? malformed[f] : "hashed_invalid";
		return;
	}
	/* The hash of nothing identifies nobody: an upstream bug. */
	if (f >= NCLICK && strncasecmp(s, AC_SHA256_EMPTY, n) == 0) {
		c->state = BAD;
		c->code = "hashed_empty";
		return;
	}
	c->state = GOOD;
	c->s = s;
	c->n = n;
	c->changed = n != len;
	if (f >= NCLICK)
		for (i = 0; i < n && !c->changed; i++)
			c->changed = s[i] >= 'A' && s[i] <= 'F';
}

/* A present, non-blank value that is not null: for the clear-text hint. */
static int
present(const struct rec *r, int f)
{
	const char *s;
	size_t n;

	switch (jv_get_kind(r->v.val[f])) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		return 0;
	case JV_KIND_STRING:
		s = ac_field_str(r->v.val[f], &n);
		s = ac_trim(s, &n);
		return n > 0;
	default:
		return 1;
	}
}

/*
 * The rejection of a record with nothing to attribute it by: which
 * values were unusable, and whether it still holds a clear-text email or
 * phone (then ac-hash did not run). Names fields, never values.
 */
static jv
unattributable(const struct rec *r)
{
	static const int order[] = { F_GCLID, F_GBRAID, F_WBRAID, F_HEMAIL,
		F_HPHONE };
	char bad[128];
	const char *sep = "", *clear;
	size_t i, len = 0;
	int e = present(r, F_EMAIL), p = present(r, F_PHONE);

	bad[0] = '\0';
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (r->c[order[i]].state != BAD || len >= sizeof(bad))
			continue;
		len += (size_t)snprintf(bad + len, sizeof(bad) - len, "%s%s",
		    sep, names[order[i]]);
		sep = ", ";
	}
	clear = e && p ? "; email and phone are in clear text: run ac-hash "
	    "first" : e ? "; email is in clear text: run ac-hash first" :
	    p ? "; phone is in clear text: run ac-hash first" : "";
	return ac_err("unattributable", NULL, "has neither a click ID nor a "
	    "hashed email or phone%s%s%s", len ? "; unusable: " : "", bad,
	    clear);
}

/* Write the canonical form of a GOOD field back when it differs. */
static void
canonical(struct rec *r, int f)
{
	const struct cell *c = &r->c[f];
	char hex[AC_SHA256_HEX];
	size_t i;

	if (!c->changed)
		return;
	if (f < NCLICK) {
		ac_view_set(&r->v, f, jv_string_sized(c->s, (int)c->n));
		return;
	}
	/* Lower-case hex, the form of ac-hash and of Google's examples. */
	for (i = 0; i < c->n; i++)
		hex[i] = (char)(c->s[i] >= 'A' && c->s[i] <= 'F' ?
		    c->s[i] - 'A' + 'a' : c->s[i]);
	hex[c->n] = '\0';
	ac_view_set(&r->v, f, jv_string(hex));
}

/* Returns null, or the rejection from ac_err(). */
static jv
pick_clickid(struct ac_rec *rec, struct opts *o, struct ac_stage *st)
{
	static const char *const types[NCLICK + 1] = { "gclid", "gbraid",
		"wbraid", "none" };
	struct rec r;
	jv err = jv_null();
	int f, chosen = NCLICK, ids = 0;

	ac_view_open(&r.v, &o->fields, rec);
	for (f = F_GCLID; f <= F_HPHONE; f++)
		classify(&r, f);
	for (f = F_GCLID; f < NCLICK && chosen == NCLICK; f++)
		if (r.c[f].state == GOOD)
			chosen = f;
	ids = (r.c[F_HEMAIL].state == GOOD) + (r.c[F_HPHONE].state == GOOD);
	/* Decide before changing anything, so that a rejected record
	 * carries no warnings: its reason names what was unusable. */
	if (chosen == NCLICK && ids == 0) {
		err = unattributable(&r);
		goto out;
	}
	for (f = F_GCLID; f <= F_HPHONE; f++) {
		switch (r.c[f].state) {
		case ABSENT:
			if (ac_view_has(&r.v, f))
				ac_view_del(&r.v, f);
			break;
		case BAD:
			ac_stage_drop(st, &r.v, f, r.c[f].code,
			    describe(r.c[f].code));
			break;
		case GOOD:
			if (f < NCLICK && f != chosen) {
				ac_view_del(&r.v, f);
				o->nextra++;
			} else if (f >= NCLICK && o->fallback &&
			    chosen != NCLICK) {
				ac_view_del(&r.v, f);
				o->nids++;
			} else {
				canonical(&r, f);
			}
			break;
		}
	}
	ac_view_set(&r.v, F_TYPE, jv_string(types[chosen]));
	o->ntype[chosen]++;
out:
	ac_view_close(&r.v);
	return err;
}

/* The closing line: records out per click_id_type, and what went. */
static void
tally(const struct opts *o)
{
	fprintf(stderr, "ac-pick-clickid: gclid %lu, gbraid %lu, wbraid %lu, "
	    "none %lu; %lu extra click ID%s removed", o->ntype[F_GCLID],
	    o->ntype[F_GBRAID], o->ntype[F_WBRAID], o->ntype[NCLICK],
	    o->nextra, o->nextra == 1 ? "" : "s");
	if (o->fallback)
		fprintf(stderr, "; %lu identifier%s removed", o->nids,
		    o->nids == 1 ? "" : "s");
	fputs("\n", stderr);
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	struct opts o;
	int ch, status;

	ac_setprogname("ac-pick-clickid");
	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hi:qR:Vv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case 'i':
			if (strcmp(optarg, "always") == 0)
				o.fallback = 0;
			else if (strcmp(optarg, "fallback") == 0)
				o.fallback = 1;
			else {
				ac_warnx("--identifiers: expected always or "
				    "fallback");
				usage(stderr, AC_EXIT_USAGE);
			}
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
		default:
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	/* Acquire everything before the first record. No data files: the
	 * checks here need no tables. */
	ac_fieldset_init(&o.fields, names, NFIELDS);
	if (ac_stage_open(&st, "ac-pick-clickid", argc, argv,
	    o.rejects) == -1) {
		ac_fieldset_free(&o.fields);
		return AC_EXIT_FATAL;
	}
	st.quiet = o.quiet;
	st.verbose = o.verbose;

	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec))
		if (ac_stage_put(&st, &rec, pick_clickid(&rec, &o, &st)) == -1)
			break;
	status = ac_stage_finish(&st);
	if (!o.quiet)
		tally(&o);
	ac_rec_free(&rec);
	ac_fieldset_free(&o.fields);
	return status;
}

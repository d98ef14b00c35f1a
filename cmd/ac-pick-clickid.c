/* SPDX-License-Identifier: MIT */
/*
 * ac-pick-clickid: read conversion records (NDJSON), after ac-hash, and
 * write each with the one click identifier Google accepts.
 *
 * Reads adjustment_type and caller_id for the kind of record (man/ac.7):
 * an adjustment, a call conversion, or else a click conversion.
 *
 * Click conversions: reads gclid, gbraid and wbraid and keeps the first
 * well-formed one in that order, removing the others; reads hashed_email
 * and hashed_phone_number, removes those that are not 64 hex digits and,
 * with --identifiers fallback, removes them when a click ID was kept;
 * reads email and phone only to say, when a record is rejected, that
 * ac-hash has not run. A record left with neither a click ID nor a hashed
 * email or phone cannot be attributed and is rejected.
 *
 * Call conversions carry no click ID: gclid, gbraid and wbraid are
 * removed. Adjustments keep only gclid, their key with
 * conversion_date_time when there is no order_id; a RETRACTION or
 * RESTATEMENT left without a key is rejected. An ENHANCEMENT's hashed
 * identifiers (also hashed_first_name, hashed_last_name and
 * hashed_street_address) are checked as a click's, and one without any
 * identifier is rejected.
 *
 * Writes click_id_type ("gclid", "gbraid", "wbraid" or "none") at the
 * end, or in place of an existing one. Other fields pass through
 * untouched, in their order. A malformed value is removed with a warning
 * under "ac_warnings" and the record goes on. At the end, a line counts
 * the records per click_id_type and what was removed.
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
	F_HEMAIL, F_HPHONE, F_EMAIL, F_PHONE, F_TYPE,
	F_ADJTYPE, F_CALLER,		/* what decides the kind */
	NFIELDS
};

#define NCLICK 3

static const char *const names[NFIELDS] = {
	"gclid", "gbraid", "wbraid", "hashed_email", "hashed_phone_number",
	"email", "phone", "click_id_type", "adjustment_type", "caller_id"
};

/*
 * The fields only adjustments read, in a set of their own so that a click
 * conversion does not pay for them.
 */
enum xfield {
	X_HFIRST, X_HLAST, X_HSTREET,	/* checked as hashed_email is */
	X_ORDER, X_CDT, X_COUNTRY, X_POSTAL,
	X_FIRST, X_LAST, X_STREET,	/* clear text: for the hint */
	NXFIELDS
};

static const char *const xnames[NXFIELDS] = {
	"hashed_first_name", "hashed_last_name", "hashed_street_address",
	"order_id", "conversion_date_time", "country_code", "postal_code",
	"first_name", "last_name", "street_address"
};

static const char *const malformed[NCLICK] = {
	"gclid_malformed", "gbraid_malformed", "wbraid_malformed"
};

/* The kinds of record (man/ac.7), and the adjustment types. */
enum kind {
	K_CLICK, K_CALL, K_ENHANCEMENT, K_RETRACTION, K_RESTATEMENT,
	K_INVALID		/* an adjustment_type that is none of these */
};

struct opts {
	int fallback;		/* --identifiers fallback */
	const char *rejects;
	const char *stats;		/* --stats */
	int quiet, verbose;
	struct ac_fieldset fields, xfields;
	/* For the closing line: records out per click_id_type (the last
	 * slot is "none"), valid click IDs and identifiers removed, and
	 * records out that are not click conversions. */
	unsigned long ntype[NCLICK + 1];
	unsigned long nextra, nids;
	unsigned long ncall, nadj;
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "identifiers", required_argument, NULL, 'i' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "stats", required_argument, NULL, 'S' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-pick-clickid [-hqVv] [-i always|fallback] "
	    "[-R FILE] [-S FILE] [FILE ...]\n"
	    "  -h, --help               show this help\n"
	    "  -i, --identifiers WHEN   always (default): keep hashed_email "
	    "and hashed_phone_number\n"
	    "                           with the click ID; fallback: only "
	    "when there is no click ID\n"
	    "  -q, --quiet              no per-record messages, no "
	    "summary unless records were rejected\n"
	    "  -R, --rejects FILE       write rejected records to FILE\n"
	    "  -S, --stats FILE         write the counts of the run to FILE as JSON\n"
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
		{ "empty", "dropped: an empty array" },
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
	const char *s;		/* GOOD: trimmed text, borrowed */
	size_t n;
	int changed;		/* GOOD: differs from the value as read */
	int list;		/* an array of hashes (email and phone) */
	unsigned bad;		/* list: elements dropped, bits of lcodes */
};

/* Why elements of an array of hashes are dropped: bits of cell.bad. */
static const char *const lcodes[] = { "not_string", "hashed_invalid",
	"hashed_empty", "empty" };

/* One record being processed. */
struct rec {
	struct ac_view v;
	struct cell c[NFIELDS];
	/* Adjustments only: the fields of xfields. */
	struct ac_view xv;
	struct cell xc[NXFIELDS];
};

/*
 * Classify the value v: with bad set, a click ID that is dropped with
 * that code when malformed; with bad NULL, a hashed identifier. Borrows v.
 * Inline: it runs five times per click record.
 */
static inline void
classify(struct cell *c, const struct ac_view *v, int f, const char *bad)
{
	const char *s;
	size_t n, len, i;

	memset(c, 0, sizeof(*c));
	switch (ac_view_kind(v, f)) {
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
	s = ac_view_str(v, f, &n);
	len = n;
	s = ac_trim(s, &n);
	if (n == 0) {
		c->state = ABSENT;
		return;
	}
	if (bad != NULL ? !ac_click_id_ok(s, n) : !ac_is_sha256_hex(s, n)) {
		c->state = BAD;
		c->code = bad != NULL ? bad : "hashed_invalid";
		return;
	}
	/* The hash of nothing identifies nobody: an upstream bug. */
	if (bad == NULL && strncasecmp(s, AC_SHA256_EMPTY, n) == 0) {
		c->state = BAD;
		c->code = "hashed_empty";
		return;
	}
	c->state = GOOD;
	c->s = s;
	c->n = n;
	c->changed = n != len;
	if (bad == NULL)
		for (i = 0; i < n && !c->changed; i++)
			c->changed = s[i] >= 'A' && s[i] <= 'F';
}

/*
 * The hashes of the array field f of v, each in lower case and once, as
 * a new array; *bad gets the bits of lcodes of the elements dropped and
 * *changed whether the array differs from the one read.
 */
static jv
scan_list(const struct ac_view *v, int f, unsigned *bad, int *changed)
{
	char hex[AC_SHA256_HEX];
	const char *s;
	size_t n, len, j;
	jv a = ac_view_get(v, f), out = jv_array();
	int dup, k = 0;

	*bad = 0;
	*changed = 0;
	jv_array_foreach(a, i, e) {
		k++;
		if ((s = ac_field_str(e, &n)) == NULL) {
			*bad |= 1;
			goto next;
		}
		len = n;
		s = ac_trim(s, &n);
		if (n == 0)
			goto next;
		if (!ac_is_sha256_hex(s, n)) {
			*bad |= 2;
			goto next;
		}
		if (strncasecmp(s, AC_SHA256_EMPTY, n) == 0) {
			*bad |= 4;
			goto next;
		}
		for (j = 0; j < n; j++)
			hex[j] = (char)(s[j] >= 'A' && s[j] <= 'F' ?
			    s[j] - 'A' + 'a' : s[j]);
		hex[n] = '\0';
		*changed |= n != len || memcmp(hex, s, n) != 0;
		dup = 0;
		jv_array_foreach(out, m, x) {
			dup |= strcmp(jv_string_value(x), hex) == 0;
			jv_free(x);
		}
		if (!dup) {
			out = jv_array_append(out, jv_string(hex));
			k--;
		}
next:
		jv_free(e);
	}
	/* k: the elements not kept */
	*changed |= k > 0;
	return out;
}

/* classify() for hashed_email or hashed_phone_number as an array. */
static void
classify_list(struct cell *c, const struct ac_view *v, int f)
{
	jv out;
	int i;

	memset(c, 0, sizeof(*c));
	c->list = 1;
	out = scan_list(v, f, &c->bad, &c->changed);
	if (jv_array_length(jv_copy(ac_view_get(v, f))) == 0)
		c->bad |= 8;		/* [] : said, as ac-normalize says */
	c->state = jv_array_length(out) > 0 ? GOOD : c->bad ? BAD : ABSENT;
	for (i = 0; i < 4 && c->code == NULL; i++)
		if (c->bad & (1u << i))
			c->code = lcodes[i];
}

/* Field f is there, not null and not blank. */
static int
present(const struct ac_view *v, int f)
{
	const char *s;
	size_t n;

	switch (ac_view_kind(v, f)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		return 0;
	case JV_KIND_STRING:
		s = ac_view_str(v, f, &n);
		s = ac_trim(s, &n);
		return n > 0;
	default:
		return 1;
	}
}

/*
 * The kind of a record from its adjustment_type and caller_id (man/ac.7).
 * Fields of v.
 */
static enum kind
kind_of(const struct ac_view *v, int adj, int caller)
{
	static const char *const types[] = { "ENHANCEMENT", "RETRACTION",
		"RESTATEMENT" };
	const char *s;
	size_t n, i;

	if (present(v, adj)) {
		if ((s = ac_view_str(v, adj, &n)) == NULL)
			return K_INVALID;
		s = ac_trim(s, &n);
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (n == strlen(types[i]) &&
			    strncasecmp(s, types[i], n) == 0)
				return (enum kind)(K_ENHANCEMENT + i);
		return K_INVALID;
	}
	return present(v, caller) ? K_CALL : K_CLICK;
}

/*
 * Append the names of n fields to buf of size sz at *len: "a, b, c", or
 * with last_and set "a, b and c".
 */
static void
list(char *buf, size_t sz, size_t *len, const char *const *f, int n,
    int last_and)
{
	int i;

	for (i = 0; i < n && *len < sz; i++)
		*len += (size_t)snprintf(buf + *len, sz - *len, "%s%s",
		    i == 0 ? "" : last_and && i == n - 1 ? " and " : ", ",
		    f[i]);
}

/*
 * The end of a rejection's message: the fields whose values were
 * unusable, and the clear-text identifiers in the record (then ac-hash
 * did not run). Names fields, never values.
 */
static void
hints(char *buf, size_t sz, const char *const *bad, int nbad,
    const char *const *clear, int nclear)
{
	size_t len = 0;

	buf[0] = '\0';
	if (nbad > 0) {
		len += (size_t)snprintf(buf, sz, "; unusable: ");
		list(buf, sz, &len, bad, nbad, 0);
	}
	if (nclear > 0 && len < sz) {
		len += (size_t)snprintf(buf + len, sz - len, "; ");
		list(buf, sz, &len, clear, nclear, 1);
		if (len < sz)
			snprintf(buf + len, sz - len, " %s in clear text: run "
			    "ac-hash first", nclear == 1 ? "is" : "are");
	}
}

/*
 * The rejection of a click conversion with nothing to attribute it by:
 * which values were unusable, and whether it still holds a clear-text
 * email or phone.
 */
static jv
unattributable(const struct rec *r)
{
	static const int order[] = { F_GCLID, F_GBRAID, F_WBRAID, F_HEMAIL,
		F_HPHONE };
	const char *bad[5], *clear[2];
	char tail[256];
	size_t i;
	int nbad = 0, nclear = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (r->c[order[i]].state == BAD)
			bad[nbad++] = names[order[i]];
	if (present(&r->v, F_EMAIL))
		clear[nclear++] = names[F_EMAIL];
	if (present(&r->v, F_PHONE))
		clear[nclear++] = names[F_PHONE];
	hints(tail, sizeof(tail), bad, nbad, clear, nclear);
	return ac_err("unattributable", NULL, "has neither a click ID nor a "
	    "hashed email or phone%s", tail);
}

/*
 * The rejection of an ENHANCEMENT without a user identifier: no hashed
 * email or phone, and no complete address. Says what the address lacks
 * when it has some of its parts, what was unusable and what is still in
 * clear text, within the 255 bytes of a message.
 */
static jv
no_identifiers(const struct rec *r)
{
	static const char *const part[] = { "hashed_first_name",
		"hashed_last_name", "country_code", "postal_code" };
	const char *bad[5], *clear[5], *lack[4];
	char tail[512], have[128], msg[768];
	size_t len = 0;
	int nbad = 0, nclear = 0, nlack = 0, n, i;
	int got[4];

	got[0] = r->xc[X_HFIRST].state != ABSENT;
	got[1] = r->xc[X_HLAST].state != ABSENT;
	got[2] = present(&r->xv, X_COUNTRY);
	got[3] = present(&r->xv, X_POSTAL);
	for (i = 0; i < 4; i++)
		if (!got[i])
			lack[nlack++] = part[i];
	have[0] = '\0';
	if (nlack < 4 && nlack > 0) {
		len = (size_t)snprintf(have, sizeof(have), "; the address "
		    "lacks ");
		list(have, sizeof(have), &len, lack, nlack, 1);
	}
	if (r->c[F_HEMAIL].state == BAD)
		bad[nbad++] = names[F_HEMAIL];
	if (r->c[F_HPHONE].state == BAD)
		bad[nbad++] = names[F_HPHONE];
	for (i = X_HFIRST; i <= X_HSTREET; i++)
		if (r->xc[i].state == BAD)
			bad[nbad++] = xnames[i];
	if (present(&r->v, F_EMAIL))
		clear[nclear++] = names[F_EMAIL];
	if (present(&r->v, F_PHONE))
		clear[nclear++] = names[F_PHONE];
	for (i = X_FIRST; i <= X_STREET; i++)
		if (present(&r->xv, i))
			clear[nclear++] = xnames[i];
	hints(tail, sizeof(tail), bad, nbad, clear, nclear);
	n = snprintf(msg, sizeof(msg), "has no hashed email or phone and no "
	    "complete address%s%s", have, tail);
	/* Too long for a message only with most fields both unusable and
	 * in clear text: then the clear-text ones are not named. */
	if (n > 255 && nclear > 0) {
		hints(tail, sizeof(tail), bad, nbad, NULL, 0);
		snprintf(msg, sizeof(msg), "has no hashed email or phone and "
		    "no complete address%s%s; clear text: run ac-hash first",
		    have, tail);
	}
	return ac_err("enhancement_without_identifiers", NULL, "%s", msg);
}

/*
 * Write the canonical form of the GOOD cell c of field i of view v back
 * when it differs: trimmed, and hashes in lower case.
 */
static void
canonical(struct ac_view *v, int i, const struct cell *c, int click)
{
	char hex[AC_SHA256_HEX];
	unsigned bad;
	size_t j;
	int changed;

	if (!c->changed)
		return;
	if (c->list) {
		ac_view_set(v, i, scan_list(v, i, &bad, &changed));
		return;
	}
	if (click) {
		ac_view_set_str(v, i, c->s, c->n);
		return;
	}
	/* Lower-case hex, the form of ac-hash and of Google's examples. */
	for (j = 0; j < c->n; j++)
		hex[j] = (char)(c->s[j] >= 'A' && c->s[j] <= 'F' ?
		    c->s[j] - 'A' + 'a' : c->s[j]);
	hex[c->n] = '\0';
	ac_view_set_str(v, i, hex, strlen(hex));
}

/*
 * The warnings for elements dropped from the array of cell c, field i of
 * v, but the one a BAD cell was dropped with.
 */
static void
list_warn(struct ac_stage *st, struct ac_view *v, int i,
    const struct cell *c)
{
	int k;

	if (!c->list)
		return;
	for (k = 0; k < 4; k++)
		if ((c->bad & (1u << k)) &&
		    (c->state != BAD || lcodes[k] != c->code))
			ac_stage_warn(st, v->rec, v->fs->names[i], lcodes[k],
			    describe(lcodes[k]));
}

/* classify() of a hashed email or phone: a string or an array. */
static void
classify_id(struct cell *c, const struct ac_view *v, int f)
{
	if (ac_view_kind(v, f) == JV_KIND_ARRAY)
		classify_list(c, v, f);
	else
		classify(c, v, f, NULL);
}

/*
 * Carry out the decision on field i of view v: remove what is absent,
 * drop what is bad, write what is good in its canonical form.
 */
static void
settle(struct ac_stage *st, struct ac_view *v, int i, const struct cell *c,
    int click)
{
	switch (c->state) {
	case ABSENT:
		if (ac_view_has(v, i))
			ac_view_del(v, i);
		break;
	case BAD:
		ac_stage_drop(st, v, i, c->code, describe(c->code));
		break;
	case GOOD:
		canonical(v, i, c, click);
		break;
	}
	list_warn(st, v, i, c);
}

/*
 * A click ID this kind of record does not use: removed, with a warning
 * unless it was null or blank.
 */
static void
ignore(struct ac_stage *st, struct rec *r, int f, enum kind k)
{
	if (present(&r->v, f))
		ac_stage_drop(st, &r->v, f, "click_id_ignored", k == K_CALL ?
		    "dropped: a call conversion takes no click ID" :
		    "dropped: an adjustment takes no gbraid or wbraid");
	else if (ac_view_has(&r->v, f))
		ac_view_del(&r->v, f);
}

/*
 * A call conversion or an adjustment. Returns null, or the rejection.
 * Hashed identifiers are checked only where they are sent: in an
 * ENHANCEMENT.
 */
static jv
pick_other(struct rec *r, enum kind k, struct opts *o, struct ac_stage *st)
{
	char msg[128];
	jv err = jv_null();
	int f, bygclid, ids, chosen = NCLICK;

	if (k == K_INVALID)
		return ac_err("adjustment_type_invalid", "adjustment_type",
		    "not ENHANCEMENT, RETRACTION or RESTATEMENT");
	if (k == K_CALL) {
		/* The key is caller_id and call_start_date_time. */
		for (f = F_GCLID; f < NCLICK; f++)
			ignore(st, r, f, k);
		ac_view_set_str(&r->v, F_TYPE, "none", 4);
		o->ntype[NCLICK]++;
		o->ncall++;
		return err;
	}
	ac_view_open(&r->xv, &o->xfields, r->v.rec);
	classify(&r->c[F_GCLID], &r->v, F_GCLID, malformed[F_GCLID]);
	bygclid = r->c[F_GCLID].state == GOOD && present(&r->xv, X_CDT);
	/* Decide before changing anything, as for click conversions. */
	if (k == K_ENHANCEMENT) {
		classify_id(&r->c[F_HEMAIL], &r->v, F_HEMAIL);
		classify_id(&r->c[F_HPHONE], &r->v, F_HPHONE);
		for (f = X_HFIRST; f <= X_HSTREET; f++)
			classify(&r->xc[f], &r->xv, f, NULL);
		ids = r->c[F_HEMAIL].state == GOOD ||
		    r->c[F_HPHONE].state == GOOD ||
		    (r->xc[X_HFIRST].state == GOOD &&
		    r->xc[X_HLAST].state == GOOD &&
		    present(&r->xv, X_COUNTRY) &&
		    present(&r->xv, X_POSTAL));
		if (!ids) {
			err = no_identifiers(r);
			goto out;
		}
	} else if (!bygclid && !present(&r->xv, X_ORDER)) {
		snprintf(msg, sizeof(msg), "%s",
		    r->c[F_GCLID].state == BAD ? "; unusable: gclid" :
		    r->c[F_GCLID].state == GOOD ? "; gclid without "
		    "conversion_date_time" : "");
		err = ac_err("adjustment_key_missing", NULL, "has neither "
		    "order_id nor gclid with conversion_date_time%s", msg);
		goto out;
	} else if (bygclid && present(&r->xv, X_ORDER)) {
		/* GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET */
		err = ac_err("adjustment_key_both", NULL, "has both order_id "
		    "and gclid with conversion_date_time: one key only");
		goto out;
	}
	settle(st, &r->v, F_GCLID, &r->c[F_GCLID], 1);
	for (f = F_GBRAID; f < NCLICK; f++)
		ignore(st, r, f, k);
	if (k == K_ENHANCEMENT) {
		settle(st, &r->v, F_HEMAIL, &r->c[F_HEMAIL], 0);
		settle(st, &r->v, F_HPHONE, &r->c[F_HPHONE], 0);
		for (f = X_HFIRST; f <= X_HSTREET; f++)
			settle(st, &r->xv, f, &r->xc[f], 0);
	}
	if (bygclid)
		chosen = F_GCLID;
	ac_view_set(&r->v, F_TYPE, jv_string(chosen == F_GCLID ? "gclid" :
	    "none"));
	o->ntype[chosen]++;
	o->nadj++;
out:
	ac_view_close(&r->xv);
	return err;
}

/* Returns null, or the rejection from ac_err(). */
static jv
pick_clickid(struct ac_rec *rec, struct opts *o, struct ac_stage *st)
{
	static const char *const types[NCLICK + 1] = { "gclid", "gbraid",
		"wbraid", "none" };
	struct rec r;
	jv err = jv_null();
	enum kind k;
	int f, chosen = NCLICK, ids = 0;

	/* ac_view_open fills r.v; cppcheck cannot see that across files */
	memset(&r, 0, sizeof(r));
	ac_view_open(&r.v, &o->fields, rec);
	/* The hot path: a click conversion has neither key. */
	if ((ac_view_has(&r.v, F_ADJTYPE) || ac_view_has(&r.v, F_CALLER)) &&
	    (k = kind_of(&r.v, F_ADJTYPE, F_CALLER)) != K_CLICK) {
		err = pick_other(&r, k, o, st);
		goto out;
	}
	for (f = F_GCLID; f <= F_HPHONE; f++)
		if (f < NCLICK)
			classify(&r.c[f], &r.v, f, malformed[f]);
		else
			classify_id(&r.c[f], &r.v, f);
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
				canonical(&r.v, f, &r.c[f], f < NCLICK);
			}
			break;
		}
		list_warn(st, &r.v, f, &r.c[f]);
	}
	ac_view_set_str(&r.v, F_TYPE, types[chosen],
	    strlen(types[chosen]));
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
	/* Only runs that saw other kinds say so: the click-only line
	 * stays as scripts read it. */
	if (o->ncall > 0 || o->nadj > 0)
		fprintf(stderr, "; %lu call%s, %lu adjustment%s",
		    o->ncall, o->ncall == 1 ? "" : "s", o->nadj,
		    o->nadj == 1 ? "" : "s");
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
	while ((ch = getopt_long(argc, argv, ":hi:qR:S:Vv", longopts,
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
		case 'S':
			o.stats = optarg;
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
	ac_fieldset_init(&o.xfields, xnames, NXFIELDS);
	if (ac_stage_open(&st, "ac-pick-clickid", argc, argv,
	    o.rejects, o.stats) == -1) {
		ac_fieldset_free(&o.fields);
		ac_fieldset_free(&o.xfields);
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
	ac_fieldset_free(&o.xfields);
	return status;
}

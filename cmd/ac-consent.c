/* SPDX-License-Identifier: MIT */
/*
 * ac-consent: read conversion records (NDJSON), write them with an
 * explicit consent state, and without personal identifiers when the
 * customer did not consent to sending user data.
 *
 * Reads: google-ads-consent and its alias consent, each an object with the
 * members ad_user_data and ad_personalization (or the API's adUserData and
 * adPersonalization) or a single value for both, and country_code for
 * --require-explicit.
 * Writes: google-ads-consent, with both members as "GRANTED", "DENIED" or
 * "UNSPECIFIED" and without the camel-case ones, in its place or added at
 * the end; the alias loses the consent members, and goes when nothing else
 * was in it or when it was a single value.
 * Removes, when ad_user_data is DENIED: email, phone, first_name,
 * last_name, street_address, city, region, postal_code, address_info,
 * user_ip_address and every key that starts with "hashed_", in every kind
 * of record. A call's caller_id is not among them: Google finds the call
 * by it, in clear.
 * Other fields pass through untouched, in their order.
 *
 * Under --require-explicit a record whose country cannot be told (no
 * country_code, or one that is no code or country name: ac-normalize
 * drops such a one with country_code_invalid) counts as inside the
 * regions, with the warning region_unknown, unless --unknown-region
 * outside.
 *
 * Outputs every record, except that with --missing reject a record without
 * a consent state is rejected. Unusable consent values, spellings that
 * disagree, unknown members of a consent object and the removal of
 * identifiers are warnings under "ac_warnings".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "data.h"
#include "diag.h"
#include "field.h"
#include "ndjson.h"
#include "norm.h"
#include "opt.h"
#include "stage.h"

enum { K_USER_DATA, K_PERSONALIZATION, NKEYS };
enum { SNAKE, CAMEL, NSPELL };	/* ad_user_data, adUserData */
enum status { S_GRANTED, S_DENIED, S_UNSPECIFIED, NSTATUS };
enum missing { M_UNSPECIFIED, M_DENIED, M_REJECT };

/* What a consent value reads as. */
enum value { V_GRANTED, V_DENIED, V_MISSING, V_INVALID };

struct opts {
	enum missing missing;	/* --missing */
	unsigned char region_set[26 * 26];	/* --require-explicit */
	int nregions;
	int unknown_inside;	/* --unknown-region inside (the default) */
	const char *rejects;
	const char *stats;		/* --stats */
	int quiet, verbose;
	struct ac_data data;
	struct ac_buf buf;	/* country_code, normalized */
	struct ac_fieldset fields;
	/* Built once and shared by reference: no allocation per record. */
	jv keys[NSPELL][NKEYS];	/* "ad_user_data", ..., "adPersonalization" */
	jv names[NSTATUS];	/* "GRANTED", "DENIED", "UNSPECIFIED" */
	jv canon[NSTATUS][NSTATUS];	/* whole google-ads-consent objects */
	jv stage, code;		/* "stage", "code": keys of a warning */
	/* Over the records written. */
	unsigned long count[NKEYS][NSTATUS];
	unsigned long removed;
	unsigned long unknown;	/* records taken as inside: region_unknown */
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "missing", required_argument, NULL, 'm' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "stats", required_argument, NULL, 'S' },
	{ "require-explicit", required_argument, NULL, 'E' },
	{ "unknown-region", required_argument, NULL, 'U' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-consent [-hqVv] [-E REGIONS] "
	    "[-m unspecified|denied|reject] [-R FILE] [-S FILE] "
	    "[-U inside|outside] [FILE ...]\n"
	    "  -E, --require-explicit REGIONS  missing consent is DENIED "
	    "where country_code is in\n"
	    "                                  REGIONS: EEA and ISO 3166-1 "
	    "codes, comma-separated\n"
	    "  -h, --help                      show this help\n"
	    "  -m, --missing RULE              missing consent: unspecified "
	    "(default), denied, or\n"
	    "                                  reject the record\n"
	    "  -q, --quiet                     no per-record messages, no "
	    "summary unless records\n"
	    "                                  were rejected\n"
	    "  -R, --rejects FILE              write rejected records to "
	    "FILE\n"
	    "  -S, --stats FILE                write the counts of the run to FILE as JSON\n"
	    "  -U, --unknown-region WHERE      a record without a known "
	    "country is inside\n"
	    "                                  REGIONS (default) or "
	    "outside\n"
	    "  -V, --version                   show the version\n"
	    "  -v, --verbose                   show every per-record "
	    "message\n");
	exit(status);
}

/* What each warning code means, for the stderr line. */
static const char *
describe(const char *code)
{
	static const struct {
		const char *code, *text;
	} t[] = {
		{ "consent_conflict", "ad_user_data and adUserData (or "
		    "ad_personalization and adPersonalization) disagree: "
		    "counted as DENIED" },
		{ "consent_key_unknown", "a member that is not a consent "
		    "status: passed through" },
		{ "consent_not_object", "neither an object nor a consent "
		    "value: counted as missing" },
		{ "consent_value_invalid", "not GRANTED or DENIED: counted "
		    "as missing" },
		{ "identifiers_removed_no_consent", "personal identifiers "
		    "removed: ad_user_data is DENIED" },
		{ "ip_address_eea", "removed: Google does not match IP "
		    "addresses of users in the EEA, the UK or Switzerland "
		    "(or of unknown country), and asks not to send them" },
		{ "region_unknown", "no known country: taken as inside "
		    "--require-explicit, missing consent is DENIED" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].code, code) == 0)
			return t[i].text;
	return "warning";
}

enum field {
	F_GAC, F_ALIAS, F_COUNTRY,
	/* The personal identifiers, removed without consent. */
	F_EMAIL, F_PHONE, F_FIRST_NAME, F_LAST_NAME, F_STREET, F_CITY,
	F_REGION, F_POSTAL, F_ADDRESS_INFO, F_IP, NFIELDS
};

static const char *const names[NFIELDS] = {
	"google-ads-consent", "consent", "country_code", "email", "phone",
	"first_name", "last_name", "street_address", "city", "region",
	"postal_code", "address_info", "user_ip_address"
};

static const char *const keynames[NSPELL][NKEYS] = {
	{ "ad_user_data", "ad_personalization" },
	{ "adUserData", "adPersonalization" }
};

static const char *const statusnames[NSTATUS] = {
	"GRANTED", "DENIED", "UNSPECIFIED"
};

/* "google-ads-consent.ad_user_data" and the like, for warnings:
 * [F_GAC or F_ALIAS][spelling][key]. */
static const char *const paths[2][NSPELL][NKEYS] = {
	{ { "google-ads-consent.ad_user_data",
	    "google-ads-consent.ad_personalization" },
	  { "google-ads-consent.adUserData",
	    "google-ads-consent.adPersonalization" } },
	{ { "consent.ad_user_data", "consent.ad_personalization" },
	  { "consent.adUserData", "consent.adPersonalization" } }
};

/* What google-ads-consent or consent holds, read in one pass. */
struct src {
	/* [spelling][key]; V_INVALID until a look-up warns about it. A
	 * single value stands in both ad_user_data and ad_personalization. */
	enum value val[NSPELL][NKEYS];
	/* The status that the ad_user_data or ad_personalization string
	 * spells exactly, or -1: such a member needs no rewriting. */
	int exact[NKEYS];
	int known;		/* bit s * NKEYS + k: member keynames[s][k] */
	int unknown;		/* an object with some other member */
	int scalar;		/* a single value that reads, not null */
};

/* One record being processed: its fields and the warnings to add. */
struct rec {
	struct ac_view v;
	struct opts *o;
	struct ac_stage *st;
	struct src src[2];	/* F_GAC, F_ALIAS */
	/* Warnings wait until google-ads-consent is written, so that a new
	 * google-ads-consent comes before a new ac_warnings, and a rejected
	 * record is not counted as warned. At most 2 consent_not_object,
	 * 2 * NSPELL * NKEYS consent_value_invalid, NKEYS consent_conflict
	 * (a conflict gives a value, so the alias is not read), one
	 * consent_key_unknown, one region_unknown and one
	 * identifiers_removed_no_consent. */
	struct {
		const char *field, *code;
	} warn[2 + 2 * NSPELL * NKEYS + NKEYS + 4];
	int nwarn;
};

static void
pending(struct rec *r, const char *field, const char *code)
{
	r->warn[r->nwarn].field = field;
	r->warn[r->nwarn].code = code;
	r->nwarn++;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* What the string s[0..n) says, ignoring case and surrounding space. */
static enum value
read_text(const char *s, size_t n)
{
	static const struct {
		const char *word;
		enum value v;
	} t[] = {
		{ "granted", V_GRANTED }, { "denied", V_DENIED },
		{ "yes", V_GRANTED }, { "no", V_DENIED },
		{ "true", V_GRANTED }, { "false", V_DENIED },
		{ "1", V_GRANTED }, { "0", V_DENIED },
		/* The API's own "not stated" values. */
		{ "unspecified", V_MISSING }, { "unknown", V_MISSING },
		/* The Data Manager API's ConsentStatus names. */
		{ "consent_granted", V_GRANTED }, { "consent_denied", V_DENIED },
		{ "consent_status_unspecified", V_MISSING },
	};
	char low[28];
	size_t i;

	while (n > 0 && is_space(*s))
		s++, n--;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0)
		return V_MISSING;	/* blank means absent, as in ac(7) */
	if (n >= sizeof(low) || memchr(s, '\0', n) != NULL)
		return V_INVALID;
	for (i = 0; i < n; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ?
		    s[i] - 'A' + 'a' : s[i]);
	low[n] = '\0';
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(low, t[i].word) == 0)
			return t[i].v;
	return V_INVALID;
}

/* What the value v says. Consumes v. */
static enum value
read_value(jv v)
{
	enum value r = V_INVALID;
	const char *s;
	size_t n;
	double d;

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		r = V_MISSING;
		break;
	case JV_KIND_TRUE:
		r = V_GRANTED;
		break;
	case JV_KIND_FALSE:
		r = V_DENIED;
		break;
	case JV_KIND_NUMBER:
		d = jv_number_value(v);
		r = d == 1 ? V_GRANTED : d == 0 ? V_DENIED : V_INVALID;
		break;
	case JV_KIND_STRING:
		s = ac_field_str(v, &n);
		r = read_text(s, n);
		break;
	default:
		break;
	}
	jv_free(v);
	return r;
}

/* The index s * NKEYS + k of the consent member named p[0..n), or -1. */
static int
known_key(const char *p, size_t n)
{
	int s, k;

	for (s = 0; s < NSPELL; s++)
		for (k = 0; k < NKEYS; k++)
			if (n == strlen(keynames[s][k]) &&
			    memcmp(p, keynames[s][k], n) == 0)
				return s * NKEYS + k;
	return -1;
}

/* The status that the value v spells exactly, or -1. Borrows v. */
static int
exact_status(jv v)
{
	const char *p;
	size_t n;
	int s;

	if ((p = ac_field_str(v, &n)) == NULL)
		return -1;
	for (s = 0; s < NSTATUS; s++)
		if (n == strlen(statusnames[s]) &&
		    memcmp(p, statusnames[s], n) == 0)
			return s;
	return -1;
}

/*
 * Read field f (F_GAC or F_ALIAS) into r->src[f]: the members of an
 * object, or a single value for both keys. A field that is neither gets
 * consent_not_object and holds nothing. One pass over the object, no
 * allocation.
 */
static void
scan(struct rec *r, int f)
{
	struct src *s = &r->src[f];
	jv obj = ac_view_get(&r->v, f), key, val;
	const char *p;
	size_t n;
	enum value v;
	int sp, k, id, it;

	for (sp = 0; sp < NSPELL; sp++)
		for (k = 0; k < NKEYS; k++)
			s->val[sp][k] = V_MISSING;
	for (k = 0; k < NKEYS; k++)
		s->exact[k] = -1;
	s->known = s->unknown = s->scalar = 0;
	switch (jv_get_kind(obj)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		return;
	case JV_KIND_OBJECT:
		break;
	default:
		/* "consent": false, "DENIED", 1, ...: one flag for both. */
		if ((v = read_value(jv_copy(obj))) == V_INVALID) {
			pending(r, names[f], "consent_not_object");
			return;
		}
		s->scalar = 1;
		for (k = 0; k < NKEYS; k++)
			s->val[SNAKE][k] = v;
		return;
	}
	for (it = jv_object_iter(obj); jv_object_iter_valid(obj, it);
	    it = jv_object_iter_next(obj, it)) {
		key = jv_object_iter_key(obj, it);
		p = ac_field_str(key, &n);
		id = p != NULL ? known_key(p, n) : -1;
		jv_free(key);
		if (id < 0) {
			s->unknown = 1;
			continue;
		}
		s->known |= 1 << id;
		val = jv_object_iter_value(obj, it);
		if (id < NKEYS)
			s->exact[id] = exact_status(val);
		s->val[id / NKEYS][id % NKEYS] = read_value(val);
	}
}

/* Spelling sp of key k in field f, after a warning when it is unusable. */
static enum value
member(struct rec *r, int f, int sp, int k)
{
	enum value v = r->src[f].val[sp][k];

	if (v != V_INVALID)
		return v;
	pending(r, paths[f == F_ALIAS][sp][k], "consent_value_invalid");
	return V_MISSING;
}

/*
 * The state of key k from field f (F_GAC or F_ALIAS), or V_MISSING, with
 * pending warnings for unusable values. ad_user_data is read first;
 * adUserData in the same object counts when ad_user_data is missing, and
 * when both are there and disagree, DENIED is taken, with a warning.
 */
static enum value
lookup(struct rec *r, int f, int k)
{
	enum value a = member(r, f, SNAKE, k), b = member(r, f, CAMEL, k);

	if (a == V_MISSING)
		return b;
	if (b == V_MISSING || b == a)
		return a;
	pending(r, paths[f == F_ALIAS][SNAKE][k], "consent_conflict");
	return V_DENIED;
}

/*
 * Nonzero when the record already carries consent_key_unknown from this
 * stage: then a second run adds no second one.
 */
static int
warned_unknown(const struct rec *r)
{
	jv w = ac_field_get(r->v.rec, AC_WARNINGS_KEY), e, x;
	const char *p;
	size_t n;
	int i, len, yes = 0, ok;

	if (jv_get_kind(w) != JV_KIND_ARRAY) {
		jv_free(w);
		return 0;
	}
	len = jv_array_length(jv_copy(w));
	for (i = 0; i < len && !yes; i++) {
		e = jv_array_get(jv_copy(w), i);
		if (jv_get_kind(e) != JV_KIND_OBJECT) {
			jv_free(e);
			continue;
		}
		x = jv_object_get(jv_copy(e), jv_copy(r->o->stage));
		ok = (p = ac_field_str(x, &n)) != NULL &&
		    n == strlen(r->st->name) && memcmp(p, r->st->name, n) == 0;
		jv_free(x);
		x = jv_object_get(e, jv_copy(r->o->code));
		yes = ok && (p = ac_field_str(x, &n)) != NULL &&
		    n == strlen("consent_key_unknown") &&
		    memcmp(p, "consent_key_unknown", n) == 0;
		jv_free(x);
	}
	jv_free(w);
	return yes;
}

/*
 * Where the record is for --require-explicit: 1 when its country_code is
 * in the regions, 0 when it is a country outside them, -1 when the
 * country cannot be told (absent, null, blank, not a string, or neither
 * a code nor a country name). It is read by ac-normalize's rule, so that
 * this stage may come before ac-normalize as well as after it; after it,
 * a country_code that could not be read is gone (country_code_invalid).
 */
static int
explicit_region(const struct rec *r)
{
	struct opts *o = r->o;
	const char *s;
	size_t n;

	if ((s = ac_view_str(&r->v, F_COUNTRY, &n)) == NULL ||
	    ac_norm_country(&o->buf, s, n, &o->data) != NULL)
		return -1;
	return o->region_set[(o->buf.p[0] - 'A') * 26 + (o->buf.p[1] - 'A')];
}

/* Nonzero when the record's country is known and outside the EEA, the
 * UK and Switzerland (eea.txt). */
static int
outside_eea(const struct rec *r)
{
	struct opts *o = r->o;
	const char *s;
	size_t n;

	if ((s = ac_view_str(&r->v, F_COUNTRY, &n)) == NULL ||
	    ac_norm_country(&o->buf, s, n, &o->data) != NULL)
		return 0;
	return !ac_data_is_eea(&o->data, o->buf.p);
}

/*
 * The object of field f, taken out of the record so that this is its only
 * reference and it can be changed in place; the member stays where it is
 * (as null) until ac_view_set puts it back.
 */
static jv
take(struct rec *r, int f)
{
	jv obj = jv_copy(ac_view_get(&r->v, f));

	ac_view_set(&r->v, f, jv_null());
	return obj;
}

/* Write the states st[] into google-ads-consent. */
static void
write_gac(struct rec *r, const int *st)
{
	struct opts *o = r->o;
	const struct src *s = &r->src[F_GAC];
	jv obj;
	int k;

	if (jv_get_kind(ac_view_get(&r->v, F_GAC)) != JV_KIND_OBJECT) {
		/* Absent, null, a single value or not an object: a shared
		 * object. */
		ac_view_set(&r->v, F_GAC,
		    jv_copy(o->canon[st[K_USER_DATA]][st[K_PERSONALIZATION]]));
		return;
	}
	for (k = 0; k < NKEYS; k++)
		if (s->exact[k] != st[k])
			break;
	if (k == NKEYS && (s->known >> NKEYS) == 0)
		return;		/* as it should be: nothing to change */
	obj = take(r, F_GAC);
	for (k = 0; k < NKEYS; k++)
		if (s->known & 1 << (CAMEL * NKEYS + k))
			obj = jv_object_delete(obj,
			    jv_copy(o->keys[CAMEL][k]));
	for (k = 0; k < NKEYS; k++)
		obj = jv_object_set(obj, jv_copy(o->keys[SNAKE][k]),
		    jv_copy(o->names[st[k]]));
	ac_view_set(&r->v, F_GAC, obj);
}

/*
 * The alias gives up its consent members, in either spelling, and goes
 * when nothing else was in it; a single value that was read goes too.
 * An object that never had consent members, {} included, stays as it is.
 */
static void
strip_alias(struct rec *r)
{
	const struct src *s = &r->src[F_ALIAS];
	jv obj;
	int id;

	if (s->scalar) {
		ac_view_del(&r->v, F_ALIAS);
		return;
	}
	if (s->known == 0)
		return;
	obj = take(r, F_ALIAS);
	for (id = 0; id < NSPELL * NKEYS; id++)
		if (s->known & 1 << id)
			obj = jv_object_delete(obj,
			    jv_copy(r->o->keys[id / NKEYS][id % NKEYS]));
	if (jv_object_length(jv_copy(obj)) == 0) {
		jv_free(obj);
		ac_view_del(&r->v, F_ALIAS);
	} else {
		ac_view_set(&r->v, F_ALIAS, obj);
	}
}

/* Remove every personal identifier. Returns nonzero when one was there. */
static int
remove_identifiers(struct rec *r)
{
	struct ac_rec *rec = r->v.rec;
	struct ac_member *m;
	int f, i, any = 0;
	jv v;

	for (f = F_EMAIL; f < NFIELDS; f++) {
		if (!ac_view_has(&r->v, f))
			continue;
		if (ac_view_kind(&r->v, f) != JV_KIND_NULL)
			any = 1;
		ac_view_del(&r->v, f);
	}
	/* hashed_email, hashed_phone_number, ... after ac-hash; and any
	 * hashed_ form a later version of the suite may add. */
	for (i = 0; i < rec->n; i++) {
		m = &rec->m[i];
		if (m->klen < 7 || memcmp(m->kp, "hashed_", 7) != 0 ||
		    !jv_is_valid(m->val))
			continue;
		v = ac_rec_val(rec, i);
		if (jv_get_kind(v) != JV_KIND_NULL)
			any = 1;
		jv_free(v);
		ac_rec_del_at(rec, i);
	}
	return any;
}

/* Returns null, or the rejection from ac_err(). */
static jv
apply(struct ac_rec *rec, struct opts *o, struct ac_stage *st)
{
	struct rec r;
	enum value v;
	int state[NKEYS], k, f, i, where = -2, inside, unknown = 0;
	jv err = jv_null();

	ac_view_open(&r.v, &o->fields, rec);
	r.o = o;
	r.st = st;
	r.nwarn = 0;
	for (f = F_GAC; f <= F_ALIAS; f++)
		scan(&r, f);
	for (k = 0; k < NKEYS; k++) {
		/* google-ads-consent wins over the alias. */
		if ((v = lookup(&r, F_GAC, k)) == V_MISSING)
			v = lookup(&r, F_ALIAS, k);
		if (v != V_MISSING) {
			state[k] = v == V_GRANTED ? S_GRANTED : S_DENIED;
			continue;
		}
		if (o->missing == M_REJECT) {
			err = ac_err("consent_missing", paths[0][SNAKE][k], "no usable "
			    "consent status in google-ads-consent or consent");
			goto out;
		}
		inside = 0;
		if (o->nregions > 0) {
			if (where == -2)
				where = explicit_region(&r);
			/* Fail closed: no known country is inside. */
			inside = where == 1 || (where == -1 &&
			    o->unknown_inside);
			if (where == -1 && o->unknown_inside &&
			    o->missing != M_DENIED)
				unknown = 1;
		}
		state[k] = inside || o->missing == M_DENIED ? S_DENIED :
		    S_UNSPECIFIED;
	}
	if (unknown) {
		pending(&r, names[F_COUNTRY], "region_unknown");
		o->unknown++;
	}
	/* One warning per record, naming the first object with a member
	 * that is not a consent status ("adUserDat", "marketing"). */
	for (f = F_GAC; f <= F_ALIAS; f++)
		if (r.src[f].unknown) {
			if (!warned_unknown(&r))
				pending(&r, names[f], "consent_key_unknown");
			break;
		}
	write_gac(&r, state);
	strip_alias(&r);
	if (state[K_USER_DATA] == S_DENIED && remove_identifiers(&r)) {
		pending(&r, paths[0][SNAKE][K_USER_DATA],
		    "identifiers_removed_no_consent");
		o->removed++;
	}
	/* An IP address only outside the EEA, the UK and Switzerland
	 * (device_info.proto, conversion_upload_service.proto), when
	 * consent kept it: fail closed on a country that cannot be told. */
	if (ac_view_kind(&r.v, F_IP) != JV_KIND_INVALID &&
	    ac_view_kind(&r.v, F_IP) != JV_KIND_NULL && !outside_eea(&r)) {
		ac_view_del(&r.v, F_IP);
		pending(&r, names[F_IP], "ip_address_eea");
	}
	for (i = 0; i < r.nwarn; i++)
		ac_stage_warn(st, rec, r.warn[i].field, r.warn[i].code,
		    describe(r.warn[i].code));
	for (k = 0; k < NKEYS; k++)
		o->count[k][state[k]]++;
out:
	ac_view_close(&r.v);
	return err;
}

/* Add the regions of one --require-explicit list. Returns -1 when it
 * names something that is neither EEA nor an ISO 3166-1 alpha-2 code. */
static int
add_regions(struct opts *o, const char *arg)
{
	const char *p = arg, *end;
	char cc[4];
	size_t n, i;
	int j;

	for (;;) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		p = ac_trim(p, &n);
		if (n != 2 && n != 3)
			return -1;
		for (i = 0; i < n; i++)
			cc[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ?
			    p[i] - 'a' + 'A' : p[i]);
		cc[n] = '\0';
		if (strcmp(cc, "EEA") == 0) {
			for (j = 0; j < 26 * 26; j++) {
				cc[0] = (char)('A' + j / 26);
				cc[1] = (char)('A' + j % 26);
				cc[2] = '\0';
				if (ac_data_is_eea(&o->data, cc))
					o->region_set[j] = 1;
			}
		} else if (n == 2 && ac_data_is_country(&o->data, cc)) {
			o->region_set[(cc[0] - 'A') * 26 + (cc[1] - 'A')] = 1;
		} else {
			return -1;
		}
		o->nregions++;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

static void
summary(const struct opts *o)
{
	int k, s;

	fputs("ac-consent:", stderr);
	for (k = 0; k < NKEYS; k++) {
		fprintf(stderr, "%s %s", k ? ";" : "", keynames[SNAKE][k]);
		for (s = 0; s < NSTATUS; s++)
			fprintf(stderr, "%s %lu %s", s ? "," : "",
			    o->count[k][s], statusnames[s]);
	}
	fprintf(stderr, "; identifiers removed from %lu record%s",
	    o->removed, o->removed == 1 ? "" : "s");
	if (o->unknown > 0)
		fprintf(stderr, "; no known country in %lu record%s, taken "
		    "as inside --require-explicit", o->unknown,
		    o->unknown == 1 ? "" : "s");
	fputc('\n', stderr);
}

int
main(int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	struct opts o;
	char err[512];
	char **regions;
	int ch, status, nregions = 0, i, j;

	ac_setprogname("ac-consent");
	memset(&o, 0, sizeof(o));
	o.missing = M_UNSPECIFIED;
	o.unknown_inside = 1;
	/* The -E lists wait for the data files, loaded after the options. */
	if ((regions = calloc((size_t)argc + 1, sizeof(*regions))) == NULL)
		ac_die(AC_EXIT_FATAL, "calloc");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":E:hm:qR:S:U:Vv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'E':
			regions[nregions++] = optarg;
			break;
		case 'h':
			free(regions);
			usage(stdout, AC_EXIT_OK);
			break;
		case 'm':
			if (strcmp(optarg, "unspecified") == 0)
				o.missing = M_UNSPECIFIED;
			else if (strcmp(optarg, "denied") == 0)
				o.missing = M_DENIED;
			else if (strcmp(optarg, "reject") == 0)
				o.missing = M_REJECT;
			else {
				ac_warnx("--missing: expected unspecified, "
				    "denied or reject");
				free(regions);
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
		case 'U':
			if (strcmp(optarg, "inside") == 0)
				o.unknown_inside = 1;
			else if (strcmp(optarg, "outside") == 0)
				o.unknown_inside = 0;
			else {
				ac_warnx("--unknown-region: expected inside "
				    "or outside");
				free(regions);
				usage(stderr, AC_EXIT_USAGE);
			}
			break;
		case 'V':
			free(regions);
			ac_print_version();
			return AC_EXIT_OK;
		case 'v':
			o.verbose = 1;
			break;
		default:
			ac_opt_error(ch, argv);
			free(regions);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	/* Acquire everything before the first record. */
	if (ac_data_load(&o.data, err, sizeof(err)) == -1) {
		free(regions);
		ac_diex(AC_EXIT_FATAL, "%s", err);
	}
	for (i = 0; i < nregions; i++) {
		if (add_regions(&o, regions[i]) == -1) {
			ac_warnx("--require-explicit %s: expected EEA or ISO "
			    "3166-1 alpha-2 codes, separated by commas",
			    regions[i]);
			free(regions);
			ac_data_free(&o.data);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	free(regions);
	ac_fieldset_init(&o.fields, names, NFIELDS);
	for (i = 0; i < NSPELL; i++)
		for (j = 0; j < NKEYS; j++)
			o.keys[i][j] = jv_string(keynames[i][j]);
	for (i = 0; i < NSTATUS; i++)
		o.names[i] = jv_string(statusnames[i]);
	o.stage = jv_string("stage");
	o.code = jv_string("code");
	for (i = 0; i < NSTATUS; i++)
		for (j = 0; j < NSTATUS; j++)
			o.canon[i][j] = jv_object_set(jv_object_set(jv_object(),
			    jv_copy(o.keys[SNAKE][K_USER_DATA]),
			    jv_copy(o.names[i])),
			    jv_copy(o.keys[SNAKE][K_PERSONALIZATION]),
			    jv_copy(o.names[j]));
	if (ac_stage_open(&st, "ac-consent", argc, argv, o.rejects, o.stats) == -1) {
		status = AC_EXIT_FATAL;
		goto done;
	}
	st.quiet = o.quiet;
	st.verbose = o.verbose;

	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec))
		if (ac_stage_put(&st, &rec, apply(&rec, &o, &st)) == -1)
			break;
	status = ac_stage_finish(&st);
	ac_rec_free(&rec);
	if (!o.quiet)
		summary(&o);
done:
	for (i = 0; i < NSTATUS; i++)
		for (j = 0; j < NSTATUS; j++)
			jv_free(o.canon[i][j]);
	for (i = 0; i < NSPELL; i++)
		for (j = 0; j < NKEYS; j++)
			jv_free(o.keys[i][j]);
	for (i = 0; i < NSTATUS; i++)
		jv_free(o.names[i]);
	jv_free(o.stage);
	jv_free(o.code);
	ac_data_free(&o.data);
	ac_buf_free(&o.buf);
	ac_fieldset_free(&o.fields);
	return status;
}

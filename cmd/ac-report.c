/* SPDX-License-Identifier: MIT */
/*
 * ac-report: the numbers a person watches. Reads ac-upload's result
 * records and ac-status's status records (NDJSON, in any order and mix)
 * and writes one day record per day, customer and conversion action:
 * conversions in, accepted, rejected by reason, the processed outcome,
 * identifier coverage, consent mix, stale, duplicate and unattributable
 * counts and the success rate Google reports. With --baseline (an earlier
 * output of ac-report) it writes alert records when the success rate
 * falls, or identifier coverage or the consent mix moves sharply; with
 * --against (the backend's own export) the orders that never reached an
 * accepted or a rejected state; with --chart an SVG (or PNG) of the
 * daily series, drawn by gnuplot(1).
 *
 * Reads of results: status, sent_at, customer_id, conversion_action,
 * order_id, click_id_type, identifiers (counts), google-ads-consent,
 * error.code, request_id, job_id; of status records: request_id or
 * job_id, customer_id, conversion_action, status, final, sent, records,
 * failed, successful, pending, errors. No identifier value is read.
 * Exit 1 on an alert or a missing order.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jv.h>

#include "diag.h"
#include "dtime.h"
#include "field.h"
#include "ndjson.h"
#include "opt.h"
#include "stage.h"

struct opts {
	const char *baseline, *against, *chart, *rejects;
	double threshold;	/* points of success rate */
	double shift;		/* points of a share that are "sharp" */
	long min_volume;	/* conversions a day needs for shift alerts */
	int quiet;
};

/* Identifier kinds counted; the first three come from "identifiers". */
enum { ID_EMAIL, ID_PHONE, ID_ADDRESS, ID_CLICK, ID_GCLID, ID_GBRAID,
	ID_WBRAID, ID_NONE, ID_N };
static const char *const idnames[ID_N] = {
	"email", "phone", "address", "click_id", "gclid", "gbraid", "wbraid",
	"none"
};
enum { C_GRANTED, C_DENIED, C_UNSPECIFIED, C_UNKNOWN, C_N };
static const char *const cnames[C_N] = {
	"GRANTED", "DENIED", "UNSPECIFIED", "UNKNOWN"
};

/* The numbers of one day, customer and conversion action. */
struct group {
	char day[11], cid[11], aid[20];
	long long in, accepted, rejected, failed, skipped, validated;
	long long stale, duplicate, unattributable;
	long long ids[ID_N], consent[C_N];
	/* processed: from the status records */
	long long ok, bad, pending, requests, final;
	jv rejected_by, processing_errors;	/* {code: n} */
};

/* A request or job of the results: the day and group its rows are in. */
struct idmap {
	char id[80], cid[11], aid[20], day[11];
};

struct run {
	const struct opts *o;
	struct group *g;
	int ng, capg;
	struct idmap *m;
	int nm, capm;
	jv status;		/* status records by key, the last read */
	jv orders;		/* order_id -> last result status */
	struct ac_writer out;
	unsigned long nalert, nmissing;
	char today[11];
};

enum {
	OPT_AGAINST = 256, OPT_BASELINE, OPT_CHART, OPT_MIN_VOLUME, OPT_SHIFT,
	OPT_THRESHOLD
};

static const struct option longopts[] = {
	{ "against", required_argument, NULL, OPT_AGAINST },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "chart", required_argument, NULL, OPT_CHART },
	{ "help", no_argument, NULL, 'h' },
	{ "min-volume", required_argument, NULL, OPT_MIN_VOLUME },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "shift", required_argument, NULL, OPT_SHIFT },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-report [-hqV] [-R FILE] [--against FILE] "
	    "[--baseline FILE] [--chart FILE] [--min-volume N] "
	    "[--shift POINTS] [--threshold POINTS] [FILE ...]\n"
	    "      --against FILE      list the orders of FILE (the backend's "
	    "export) that never\n"
	    "                          reached an accepted or a rejected "
	    "state\n"
	    "      --baseline FILE     alert against this earlier output of "
	    "ac-report\n"
	    "      --chart FILE        draw the daily series to FILE (.svg or "
	    ".png) with gnuplot\n"
	    "  -h, --help              show this help\n"
	    "      --min-volume N      conversions a day needs for coverage "
	    "and consent alerts\n"
	    "                          (default 20)\n"
	    "  -q, --quiet             no alert lines, no summary on stderr\n"
	    "  -R, --rejects FILE      write input lines that are neither "
	    "results nor statuses to FILE\n"
	    "      --shift POINTS      a coverage or consent share moving "
	    "this much is sharp (default 15)\n"
	    "      --threshold POINTS  a success rate this far below the "
	    "baseline alerts (default 10)\n"
	    "  -V, --version           show the version\n");
	exit(status);
}

static int
action_id(const char *s, char *id)
{
	const char *p;
	size_t n;

	if (s == NULL || strncmp(s, "customers/", 10) != 0 ||
	    (p = strrchr(s, '/')) == NULL)
		return -1;
	p++;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 18 || p[n] != '\0')
		return -1;
	memcpy(id, p, n + 1);
	return 0;
}

/* YYYY-MM-DD at the start of s into day[11]; -1 if not. */
static int
day_of(const char *s, char *day)
{
	int i;

	if (s == NULL || strlen(s) < 10)
		return -1;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(day, s, 10);
	day[10] = '\0';
	return 0;
}

static struct group *
group(struct run *r, const char *day, const char *cid, const char *aid)
{
	struct group *g;
	int i;

	for (i = r->ng - 1; i >= 0; i--) {
		g = &r->g[i];
		if (strcmp(g->day, day) == 0 && strcmp(g->cid, cid) == 0 &&
		    strcmp(g->aid, aid) == 0)
			return g;
	}
	if (r->ng == r->capg) {
		r->capg = r->capg ? 2 * r->capg : 16;
		r->g = ac_xreallocarray(r->g, (size_t)r->capg, sizeof(*r->g));
	}
	g = &r->g[r->ng++];
	memset(g, 0, sizeof(*g));
	snprintf(g->day, sizeof(g->day), "%s", day);
	snprintf(g->cid, sizeof(g->cid), "%s", cid);
	snprintf(g->aid, sizeof(g->aid), "%s", aid);
	g->rejected_by = jv_object();
	g->processing_errors = jv_object();
	return g;
}

static void
bump(jv *obj, const char *key, long long n)
{
	jv v = ac_obj_get(*obj, key);
	double have = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) :
	    0;

	jv_free(v);
	*obj = jv_object_set(*obj, jv_string(key), jv_number(have + (double)n));
}

/*
 * What an error code or processing error reason says of a conversion:
 * stale (too old or too recent for Google), a duplicate, or
 * unattributable (no click or identifier Google could match).
 */
enum { E_OTHER, E_STALE, E_DUPLICATE, E_UNATTRIBUTABLE };
static int
classify(const char *code)
{
	static const char *const stale[] = {
		"EXPIRED", "TOO_OLD", "TOO_RECENT", "EVENT_TIME_INVALID",
		"PRECEDES_CLICK", NULL
	};
	static const char *const dup[] = {
		"DUPLICATE", "ALREADY_EXISTS", "ALREADY_IN_USE", NULL
	};
	static const char *const unattr[] = {
		"CLICK_NOT_FOUND", "UNPARSEABLE_GCLID", "INVALID_GCLID",
		"INVALID_GBRAID", "INVALID_WBRAID", "INVALID_CLICK",
		"NO_IDENTIFIERS", "CLICK_MISSING", "INVALID_AD_IDENTIFIERS",
		"OPERATING_ACCOUNT_FOR_CLICK", "MISMATCH_FOR_AD_IDENTIFIER",
		NULL
	};
	int i;

	for (i = 0; stale[i] != NULL; i++)
		if (strstr(code, stale[i]) != NULL)
			return E_STALE;
	for (i = 0; dup[i] != NULL; i++)
		if (strstr(code, dup[i]) != NULL)
			return E_DUPLICATE;
	for (i = 0; unattr[i] != NULL; i++)
		if (strstr(code, unattr[i]) != NULL)
			return E_UNATTRIBUTABLE;
	return E_OTHER;
}

static void
count_kind(struct group *g, const char *code, long long n)
{
	switch (classify(code)) {
	case E_STALE:
		g->stale += n;
		break;
	case E_DUPLICATE:
		g->duplicate += n;
		break;
	case E_UNATTRIBUTABLE:
		g->unattributable += n;
		break;
	default:
		break;
	}
}

static void
map_id(struct run *r, const char *id, const char *cid, const char *aid,
    const char *day)
{
	struct idmap *m;
	int i;

	for (i = r->nm - 1; i >= 0 && i >= r->nm - 8; i--) {
		m = &r->m[i];
		if (strcmp(m->id, id) == 0 && strcmp(m->cid, cid) == 0 &&
		    strcmp(m->aid, aid) == 0)
			return;
	}
	if (r->nm == r->capm) {
		r->capm = r->capm ? 2 * r->capm : 16;
		r->m = ac_xreallocarray(r->m, (size_t)r->capm, sizeof(*r->m));
	}
	m = &r->m[r->nm++];
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->cid, sizeof(m->cid), "%s", cid);
	snprintf(m->aid, sizeof(m->aid), "%s", aid);
	snprintf(m->day, sizeof(m->day), "%s", day);
}

static const char *
day_of_id(const struct run *r, const char *id, const char *cid,
    const char *aid)
{
	int i;

	for (i = 0; i < r->nm; i++)
		if (strcmp(r->m[i].id, id) == 0 && strcmp(r->m[i].cid, cid) ==
		    0 && strcmp(r->m[i].aid, aid) == 0)
			return r->m[i].day;
	return NULL;
}

/* A result record of ac-upload. Borrows line. */
static jv
take_result(struct run *r, jv line, const char *st)
{
	char cid[11], aid[20], day[11];
	const char *s, *id;
	struct group *g;
	jv ids, err, c;
	int i, kinds;

	if (ac_customer_id(ac_obj_str(line, "customer_id"), cid) == -1)
		return ac_err("customer_id_invalid", "customer_id",
		    "expected ten digits");
	if (action_id(ac_obj_str(line, "conversion_action"), aid) == -1)
		snprintf(aid, sizeof(aid), "unknown");
	if (day_of(ac_obj_str(line, "sent_at"), day) == -1 &&
	    day_of(ac_obj_str(line, "conversion_date_time"), day) == -1)
		snprintf(day, sizeof(day), "unknown");
	g = group(r, day, cid, aid);
	g->in++;
	if (strcmp(st, "accepted") == 0 || strcmp(st, "uploaded") == 0)
		g->accepted++;
	else if (strcmp(st, "rejected") == 0)
		g->rejected++;
	else if (strcmp(st, "skipped") == 0)
		g->skipped++;
	else if (strcmp(st, "validated") == 0)
		g->validated++;
	else
		g->failed++;
	err = ac_obj_get(line, "error");
	if ((s = ac_obj_str(err, "code")) != NULL && (strcmp(st, "rejected") ==
	    0 || strcmp(st, "failed") == 0)) {
		if (strcmp(st, "rejected") == 0)
			bump(&g->rejected_by, s, 1);
		count_kind(g, s, 1);
	}
	jv_free(err);
	/* identifier coverage: kinds sent, never values */
	ids = ac_obj_get(line, "identifiers");
	kinds = 0;
	for (i = ID_EMAIL; i <= ID_ADDRESS; i++) {
		jv n = ac_obj_get(ids, idnames[i]);

		if (jv_get_kind(n) == JV_KIND_NUMBER &&
		    jv_number_value(n) > 0) {
			g->ids[i]++;
			kinds++;
		}
		jv_free(n);
	}
	s = ac_obj_str(line, "click_id_type");
	if (s != NULL && (strcmp(s, "gclid") == 0 || strcmp(s, "gbraid") == 0 ||
	    strcmp(s, "wbraid") == 0)) {
		g->ids[ID_CLICK]++;
		g->ids[s[1] == 'c' ? ID_GCLID : s[0] == 'g' ? ID_GBRAID :
		    ID_WBRAID]++;
	} else if (kinds == 0 && jv_get_kind(ids) == JV_KIND_OBJECT) {
		/* neither a click ID nor user identifiers: nothing Google
		 * can match (known only when the result says what went) */
		g->ids[ID_NONE]++;
		if (strcmp(st, "accepted") == 0 || strcmp(st, "uploaded") == 0)
			g->unattributable++;
	}
	jv_free(ids);
	c = ac_obj_get(line, "google-ads-consent");
	s = ac_obj_str(c, "ad_user_data");
	for (i = 0; i < C_UNKNOWN && (s == NULL || strcmp(s, cnames[i]) != 0);
	    i++)
		;
	g->consent[i]++;
	jv_free(c);
	/* the request or job the row went in, for the status records */
	if ((id = ac_obj_str(line, "job_id")) != NULL ||
	    (id = ac_obj_str(line, "request_id")) != NULL)
		map_id(r, id, cid, aid, day);
	if ((s = ac_obj_str(line, "order_id")) != NULL &&
	    jv_get_kind(r->orders) == JV_KIND_OBJECT) {
		jv have = ac_obj_get(r->orders, s);
		const char *h = jv_get_kind(have) == JV_KIND_STRING ?
		    jv_string_value(have) : "";

		/* a final state wins over a later failed or skipped row */
		if (strcmp(h, "accepted") != 0 && strcmp(h, "rejected") != 0)
			r->orders = jv_object_set(r->orders, jv_string(s),
			    jv_string(strcmp(st, "uploaded") == 0 ||
			    strcmp(st, "skipped") == 0 ? "accepted" : st));
		jv_free(have);
	}
	return jv_null();
}

/* A status record of ac-status: kept, the last of its key. Borrows. */
static jv
take_status(struct run *r, jv line)
{
	const char *id = ac_obj_str(line, "request_id"), *cid, *a;
	char key[200];

	if (id == NULL)
		id = ac_obj_str(line, "job_id");
	cid = ac_obj_str(line, "customer_id");
	a = ac_obj_str(line, "conversion_action");
	if (id == NULL || cid == NULL || a == NULL)
		return ac_err("status_incomplete", NULL, "a status record "
		    "without request_id or job_id, customer_id or "
		    "conversion_action");
	snprintf(key, sizeof(key), "%s %s %s", id, cid, a);
	r->status = jv_object_set(r->status, jv_string(key), jv_copy(line));
	return jv_null();
}

static void
apply_status(struct run *r, jv s)
{
	char cid[11], aid[20], day[11];
	const char *d, *st, *id;
	struct group *g;
	jv errs, v;
	long long sent, n;

	if ((id = ac_obj_str(s, "request_id")) == NULL)
		id = ac_obj_str(s, "job_id");
	if (ac_customer_id(ac_obj_str(s, "customer_id"), cid) == -1 ||
	    action_id(ac_obj_str(s, "conversion_action"), aid) == -1)
		return;
	if ((d = day_of_id(r, id, cid, aid)) == NULL) {
		if (day_of(ac_obj_str(s, "checked_at"), day) == -1)
			snprintf(day, sizeof(day), "unknown");
		d = day;
	}
	g = group(r, d, cid, aid);
	st = ac_obj_str(s, "status");
	if (st == NULL)
		st = "UNKNOWN";
	v = ac_obj_get(s, "sent");
	sent = jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) :
	    0;
	jv_free(v);
	g->requests++;
	if (strcmp(st, "PROCESSING") == 0 || strcmp(st, "UNKNOWN") == 0) {
		g->pending += sent;
		return;
	}
	g->final++;
	if (strcmp(st, "NOT_FOUND") == 0) {
		g->bad += sent;
		return;
	}
	v = ac_obj_get(s, "successful");
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		/* a Google Ads API job */
		g->ok += (long long)jv_number_value(v);
		jv_free(v);
		v = ac_obj_get(s, "failed");
		g->bad += jv_get_kind(v) == JV_KIND_NUMBER ?
		    (long long)jv_number_value(v) : 0;
		jv_free(v);
		return;
	}
	jv_free(v);
	/* a Data Manager request: records less the errors */
	v = ac_obj_get(s, "records");
	n = jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) :
	    sent;
	jv_free(v);
	v = ac_obj_get(s, "failed");
	sent = jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) :
	    0;
	jv_free(v);
	g->bad += sent;
	g->ok += n > sent ? n - sent : 0;
	errs = ac_obj_get(s, "errors");
	if (jv_get_kind(errs) == JV_KIND_OBJECT) {
		jv_object_foreach(errs, k, x) {
			if (jv_get_kind(x) == JV_KIND_NUMBER) {
				bump(&g->processing_errors, jv_string_value(k),
				    (long long)jv_number_value(x));
				count_kind(g, jv_string_value(k),
				    (long long)jv_number_value(x));
			}
			jv_free(k);
			jv_free(x);
		}
	}
	jv_free(errs);
}

static int
read_input(struct run *r, int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	jv line, res;
	const char *s;
	int status;

	if (ac_stage_open(&st, "ac-report", argc, argv, r->o->rejects, NULL) == -1)
		return AC_EXIT_FATAL;
	st.quiet = r->o->quiet;
	st.own_summary = 1;
	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec)) {
		line = ac_rec_to_jv(&rec);
		if (jv_object_has(jv_copy(line), jv_string("checked_at")))
			res = take_status(r, line);
		else if ((s = ac_obj_str(line, "status")) != NULL)
			res = take_result(r, line, s);
		else
			res = ac_err("unknown_record", NULL, "neither a result "
			    "of ac-upload nor a status of ac-status");
		jv_free(line);
		if (jv_get_kind(res) == JV_KIND_NULL)
			jv_free(res);
		else
			ac_stage_put(&st, &rec, res);
	}
	ac_rec_free(&rec);
	status = ac_stage_finish(&st);
	if (status == AC_EXIT_DATA && !r->o->quiet)
		ac_warnx("%lu of %lu input lines are neither results nor "
		    "statuses", st.nrej, st.nin);
	return status;
}

static double
share(long long n, long long of)
{
	return of > 0 ? (double)n / (double)of : 0;
}

/* A share rounded to 4 places, as written. */
static jv
num4(double x)
{
	return jv_number(round(x * 10000) / 10000);
}

static double
success_rate(const struct group *g)
{
	return g->ok + g->bad > 0 ? (double)g->ok / (double)(g->ok + g->bad) :
	    NAN;
}

static jv
day_record(const struct group *g)
{
	char name[64];
	jv o = jv_object_set(jv_object(), jv_string("kind"), jv_string("day"));
	jv ids = jv_object(), cov = jv_object(), con = jv_object(),
	    mix = jv_object(), proc;
	double sr = success_rate(g);
	int i;

	o = jv_object_set(o, jv_string("day"), jv_string(g->day));
	o = jv_object_set(o, jv_string("customer_id"), jv_string(g->cid));
	snprintf(name, sizeof(name), "customers/%s/conversionActions/%s",
	    g->cid, g->aid);
	o = jv_object_set(o, jv_string("conversion_action"), jv_string(name));
	o = jv_object_set(o, jv_string("conversions"), jv_number((double)g->in));
	o = jv_object_set(o, jv_string("accepted"),
	    jv_number((double)g->accepted));
	o = jv_object_set(o, jv_string("rejected"),
	    jv_number((double)g->rejected));
	o = jv_object_set(o, jv_string("failed"), jv_number((double)g->failed));
	o = jv_object_set(o, jv_string("skipped"),
	    jv_number((double)g->skipped));
	o = jv_object_set(o, jv_string("validated"),
	    jv_number((double)g->validated));
	o = jv_object_set(o, jv_string("rejected_by"),
	    jv_copy(g->rejected_by));
	proc = jv_object_set(jv_object(), jv_string("successful"),
	    jv_number((double)g->ok));
	proc = jv_object_set(proc, jv_string("failed"),
	    jv_number((double)g->bad));
	proc = jv_object_set(proc, jv_string("pending"),
	    jv_number((double)g->pending));
	proc = jv_object_set(proc, jv_string("requests"),
	    jv_number((double)g->requests));
	proc = jv_object_set(proc, jv_string("final"),
	    jv_number((double)g->final));
	proc = jv_object_set(proc, jv_string("errors"),
	    jv_copy(g->processing_errors));
	o = jv_object_set(o, jv_string("processed"), proc);
	for (i = 0; i < ID_N; i++) {
		ids = jv_object_set(ids, jv_string(idnames[i]),
		    jv_number((double)g->ids[i]));
		cov = jv_object_set(cov, jv_string(idnames[i]),
		    num4(share(g->ids[i], g->in)));
	}
	o = jv_object_set(o, jv_string("identifiers"), ids);
	o = jv_object_set(o, jv_string("coverage"), cov);
	for (i = 0; i < C_N; i++) {
		con = jv_object_set(con, jv_string(cnames[i]),
		    jv_number((double)g->consent[i]));
		mix = jv_object_set(mix, jv_string(cnames[i]),
		    num4(share(g->consent[i], g->in)));
	}
	o = jv_object_set(o, jv_string("consent"), con);
	o = jv_object_set(o, jv_string("consent_mix"), mix);
	o = jv_object_set(o, jv_string("stale"), jv_number((double)g->stale));
	o = jv_object_set(o, jv_string("duplicate"),
	    jv_number((double)g->duplicate));
	o = jv_object_set(o, jv_string("unattributable"),
	    jv_number((double)g->unattributable));
	o = jv_object_set(o, jv_string("accepted_rate"),
	    num4(share(g->accepted, g->in)));
	o = jv_object_set(o, jv_string("success_rate"), isnan(sr) ?
	    jv_null() : num4(sr));
	/* neither API reports a match rate for conversions (dm 4.6) */
	o = jv_object_set(o, jv_string("match_rate"), jv_null());
	return o;
}

/* Baseline */

struct base {
	char cid[11], aid[20];	/* "" "" : all of the baseline */
	long long in, ok, bad, ids[ID_N], consent[C_N];
};

static long long
num_at(jv o, const char *a, const char *b)
{
	jv x = ac_obj_get(o, a), v = b != NULL ? ac_obj_get(x, b) : jv_copy(x);
	long long n = jv_get_kind(v) == JV_KIND_NUMBER ?
	    (long long)jv_number_value(v) : 0;

	jv_free(v);
	jv_free(x);
	return n;
}

static void
base_add(struct base *b, jv d)
{
	int i;

	b->in += num_at(d, "conversions", NULL);
	b->ok += num_at(d, "processed", "successful");
	b->bad += num_at(d, "processed", "failed");
	for (i = 0; i < ID_N; i++)
		b->ids[i] += num_at(d, "identifiers", idnames[i]);
	for (i = 0; i < C_N; i++)
		b->consent[i] += num_at(d, "consent", cnames[i]);
}

/* Read --baseline: per customer and action, and all (bases[0]). */
static struct base *
read_baseline(const char *path, int *nb)
{
	struct ac_reader rd;
	struct ac_rec rec;
	enum ac_rd k;
	struct base *b = ac_xreallocarray(NULL, 1, sizeof(*b));
	char cid[11], aid[20], *argv[2];
	const char *kind;
	jv d;
	int n = 1, i, bad = 0;

	memset(b, 0, sizeof(*b));
	if ((argv[0] = strdup(path)) == NULL)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	argv[1] = NULL;
	if (ac_reader_open(&rd, 1, argv) == -1) {
		free(argv[0]);
		free(b);
		return NULL;
	}
	ac_rec_init(&rec);
	while ((k = ac_read(&rd, &rec)) != AC_RD_EOF) {
		if (k == AC_RD_ERR) {
			bad = 1;
			break;
		}
		if (k != AC_RD_REC)
			continue;
		d = ac_rec_to_jv(&rec);
		kind = ac_obj_str(d, "kind");
		if (kind != NULL && strcmp(kind, "day") == 0 &&
		    ac_customer_id(ac_obj_str(d, "customer_id"), cid) == 0 &&
		    action_id(ac_obj_str(d, "conversion_action"), aid) == 0) {
			for (i = 1; i < n && (strcmp(b[i].cid, cid) != 0 ||
			    strcmp(b[i].aid, aid) != 0); i++)
				;
			if (i == n) {
				b = ac_xreallocarray(b, (size_t)n + 1, sizeof(*b));
				memset(&b[n], 0, sizeof(*b));
				snprintf(b[n].cid, sizeof(b[n].cid), "%s", cid);
				snprintf(b[n].aid, sizeof(b[n].aid), "%s", aid);
				n++;
			}
			base_add(&b[i], d);
			base_add(&b[0], d);
		}
		jv_free(d);
	}
	ac_rec_free(&rec);
	ac_reader_close(&rd);
	free(argv[0]);
	if (bad) {
		free(b);
		return NULL;
	}
	*nb = n;
	return b;
}

static void
alert(struct run *r, const struct group *g, const char *code,
    const char *metric, double value, double base, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
alert(struct run *r, const struct group *g, const char *code,
    const char *metric, double value, double base, const char *fmt, ...)
{
	char msg[300], name[64];
	va_list ap;
	jv o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(name, sizeof(name), "customers/%s/conversionActions/%s",
	    g->cid, g->aid);
	o = jv_object_set(jv_object(), jv_string("kind"), jv_string("alert"));
	o = jv_object_set(o, jv_string("day"), jv_string(g->day));
	o = jv_object_set(o, jv_string("customer_id"), jv_string(g->cid));
	o = jv_object_set(o, jv_string("conversion_action"), jv_string(name));
	o = jv_object_set(o, jv_string("alert"), jv_string(code));
	o = jv_object_set(o, jv_string("metric"), jv_string(metric));
	o = jv_object_set(o, jv_string("value"), num4(value));
	o = jv_object_set(o, jv_string("baseline"), num4(base));
	o = jv_object_set(o, jv_string("message"), jv_string(msg));
	ac_write(&r->out, o);
	r->nalert++;
	if (!r->o->quiet)
		ac_warnx("alert: %s %s %s: %s", g->day, g->cid, g->aid, msg);
}

/* The alerts of group g against baseline b. */
static void
check_alerts(struct run *r, const struct group *g, const struct base *b)
{
	double sr = success_rate(g), bsr, x, y;
	int i;

	bsr = b->ok + b->bad > 0 ? (double)b->ok / (double)(b->ok + b->bad) :
	    NAN;
	if (!isnan(sr) && !isnan(bsr)) {
		if ((bsr - sr) * 100 >= r->o->threshold - 1e-9)
			alert(r, g, "success_rate_drop", "success_rate", sr, bsr,
			    "success rate %.1f%% is %.1f points below the "
			    "baseline's %.1f%% (threshold %g)", sr * 100,
			    (bsr - sr) * 100, bsr * 100, r->o->threshold);
		else if (strcmp(g->day, r->today) < 0 && sr <= bsr &&
		    bsr < 1)
			alert(r, g, "success_rate_below_baseline",
			    "success_rate", sr, bsr, "success rate %.1f%% at "
			    "or below the baseline's %.1f%% for the whole day",
			    sr * 100, bsr * 100);
	}
	if (g->in < r->o->min_volume || b->in == 0)
		return;
	for (i = ID_EMAIL; i <= ID_CLICK; i++) {
		x = share(g->ids[i], g->in);
		y = share(b->ids[i], b->in);
		if (fabs(x - y) * 100 >= r->o->shift - 1e-9)
			alert(r, g, "coverage_shift", idnames[i], x, y,
			    "%s coverage %.1f%%, baseline %.1f%% (%+.1f "
			    "points)", idnames[i], x * 100, y * 100,
			    (x - y) * 100);
	}
	for (i = 0; i < C_N; i++) {
		x = share(g->consent[i], g->in);
		y = share(b->consent[i], b->in);
		if (fabs(x - y) * 100 >= r->o->shift - 1e-9)
			alert(r, g, "consent_shift", cnames[i], x, y,
			    "ad_user_data %s %.1f%% of conversions, baseline "
			    "%.1f%% (%+.1f points)", cnames[i], x * 100,
			    y * 100, (x - y) * 100);
	}
}

/* Reconciliation */

static int
reconcile(struct run *r)
{
	struct ac_reader rd;
	struct ac_rec rec;
	enum ac_rd k;
	char *argv[2];
	const char *id, *st;
	char nbuf[32];
	jv d, have, o, num, seen = jv_object();

	if ((argv[0] = strdup(r->o->against)) == NULL)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	argv[1] = NULL;
	if (ac_reader_open(&rd, 1, argv) == -1) {
		free(argv[0]);
		jv_free(seen);
		return -1;
	}
	ac_rec_init(&rec);
	while ((k = ac_read(&rd, &rec)) != AC_RD_EOF) {
		if (k == AC_RD_ERR)
			break;
		if (k != AC_RD_REC)
			continue;
		d = ac_rec_to_jv(&rec);
		/* an export may hold the order ID as a number (ac-normalize
		 * writes it as a string) */
		num = ac_obj_get(d, "order_id");
		if (jv_get_kind(num) == JV_KIND_NUMBER &&
		    jv_is_integer(num)) {
			snprintf(nbuf, sizeof(nbuf), "%.0f", jv_number_value(num));
			id = nbuf;
		} else {
			id = ac_obj_str(d, "order_id");
		}
		jv_free(num);
		if (id == NULL || jv_object_has(jv_copy(seen), jv_string(id))) {
			jv_free(d);
			continue;
		}
		seen = jv_object_set(seen, jv_string(id), jv_true());
		have = ac_obj_get(r->orders, id);
		st = jv_get_kind(have) == JV_KIND_STRING ?
		    jv_string_value(have) : NULL;
		if (st == NULL || (strcmp(st, "accepted") != 0 &&
		    strcmp(st, "rejected") != 0)) {
			o = jv_object_set(jv_object(), jv_string("kind"),
			    jv_string("missing"));
			o = jv_object_set(o, jv_string("order_id"),
			    jv_string(id));
			o = jv_object_set(o, jv_string("last_status"), st ?
			    jv_string(st) : jv_null());
			o = jv_object_set(o, jv_string("reason"), jv_string(
			    st == NULL ? "no_result" : strcmp(st, "failed") ==
			    0 ? "failed" : "not_sent"));
			ac_write(&r->out, o);
			r->nmissing++;
		}
		jv_free(have);
		jv_free(d);
	}
	ac_rec_free(&rec);
	ac_reader_close(&rd);
	free(argv[0]);
	jv_free(seen);
	return k == AC_RD_ERR ? -1 : 0;
}

/* Chart */

struct daily {
	char day[11];
	long long in, ok, bad, ids[ID_N], consent[C_N];
	int alerts;
};

static int
by_day(const void *a, const void *b)
{
	return strcmp(((const struct daily *)a)->day,
	    ((const struct daily *)b)->day);
}

/* The day n days from day (YYYY-MM-DD) into out[11]. */
static void
shift_day(const char *day, int n, char *out)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(day) - 1900;
	tm.tm_mon = atoi(day + 5) - 1;
	tm.tm_mday = atoi(day + 8) + n;
	tm.tm_hour = 12;
	t = timegm(&tm);
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm)
	    == 0)
		snprintf(out, 11, "%s", day);
}

/* Run gnuplot on script; 0, or -1 having said why. */
static int
gnuplot(const char *script)
{
	const char *prog = getenv("AC_GNUPLOT");
	pid_t pid;
	int st;

	if (prog == NULL || *prog == '\0')
		prog = "gnuplot";
	if ((pid = fork()) == -1) {
		ac_warn("fork");
		return -1;
	}
	if (pid == 0) {
		execlp(prog, prog, script, (char *)NULL);
		ac_warn("%s", prog);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			ac_warn("waitpid");
			return -1;
		}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		ac_warnx("gnuplot failed (%s %d)%s", WIFEXITED(st) ?
		    "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) :
		    WTERMSIG(st), WIFEXITED(st) && WEXITSTATUS(st) == 127 ?
		    ": is gnuplot (Debian gnuplot-nox) installed?" : "");
		return -1;
	}
	return 0;
}

/* A file name safe inside a gnuplot string in double quotes. */
static int
plot_name_ok(const char *s)
{
	return strpbrk(s, "\"\\`\n\r$") == NULL;
}

static int
chart(struct run *r, const char *alerted, const struct base *b)
{
	char dir[] = "/tmp/ac-report.XXXXXX", data[64], alerts[64], script[64];
	const char *ext = strrchr(r->o->chart, '.');
	struct daily *d = NULL;
	int nd = 0, i, j, k, rc = -1, png;
	double bsr;
	FILE *fp;

	png = ext != NULL && strcmp(ext, ".png") == 0;
	for (i = 0; i < r->ng; i++) {
		const struct group *g = &r->g[i];

		for (j = 0; j < nd && strcmp(d[j].day, g->day) != 0; j++)
			;
		if (j == nd) {
			d = ac_xreallocarray(d, (size_t)nd + 1, sizeof(*d));
			memset(&d[nd], 0, sizeof(*d));
			snprintf(d[nd].day, sizeof(d[nd].day), "%s", g->day);
			nd++;
		}
		d[j].in += g->in;
		d[j].ok += g->ok;
		d[j].bad += g->bad;
		for (k = 0; k < ID_N; k++)
			d[j].ids[k] += g->ids[k];
		for (k = 0; k < C_N; k++)
			d[j].consent[k] += g->consent[k];
		if (alerted[i])
			d[j].alerts = 1;
	}
	if (nd > 0)
		qsort(d, (size_t)nd, sizeof(*d), by_day);
	if (mkdtemp(dir) == NULL) {
		ac_warn("mkdtemp");
		free(d);
		return -1;
	}
	snprintf(data, sizeof(data), "%s/daily.dat", dir);
	snprintf(alerts, sizeof(alerts), "%s/alerts.dat", dir);
	snprintf(script, sizeof(script), "%s/chart.gp", dir);
	if ((fp = fopen(data, "w")) == NULL)
		goto broken;
	/* day volume success% email% phone% click% granted% denied% */
	for (i = 0; i < nd; i++) {
		if (strcmp(d[i].day, "unknown") == 0)
			continue;
		fprintf(fp, "%s %lld ", d[i].day, d[i].in);
		if (d[i].ok + d[i].bad > 0)
			fprintf(fp, "%.2f", 100 * share(d[i].ok, d[i].ok +
			    d[i].bad));
		else
			fputs("NaN", fp);
		fprintf(fp, " %.2f %.2f %.2f %.2f %.2f\n",
		    100 * share(d[i].ids[ID_EMAIL], d[i].in),
		    100 * share(d[i].ids[ID_PHONE], d[i].in),
		    100 * share(d[i].ids[ID_CLICK], d[i].in),
		    100 * share(d[i].consent[C_GRANTED], d[i].in),
		    100 * share(d[i].consent[C_DENIED], d[i].in));
	}
	if (fclose(fp) != 0)
		goto broken;
	if ((fp = fopen(alerts, "w")) == NULL)
		goto broken;
	for (i = 0; i < nd; i++)
		if (d[i].alerts && strcmp(d[i].day, "unknown") != 0)
			fprintf(fp, "%s 100\n", d[i].day);
	if (fclose(fp) != 0)
		goto broken;
	bsr = b != NULL && b->ok + b->bad > 0 ? 100 * share(b->ok, b->ok +
	    b->bad) : -1;
	if ((fp = fopen(script, "w")) == NULL)
		goto broken;
	fprintf(fp, "set terminal %s size 900,640%s\n",
	    png ? "png" : "svg", png ? "" : " dynamic font 'sans,10'");
	fprintf(fp, "set output \"%s\"\n", r->o->chart);
	fputs("set xdata time\nset timefmt '%Y-%m-%d'\n"
	    "set format x '%m-%d'\nset xtics 86400\nset grid\n"
	    "set key outside right top\n"
	    "set multiplot layout 2,1 title 'ac-report: daily series'\n"
	    "set ylabel 'conversions'\nset yrange [0:*]\n"
	    "set style fill solid 0.5\nset boxwidth 0.6*86400 absolute\n",
	    fp);
	/* a day's margin on each side: one day alone is no empty range */
	for (i = 0; i < nd && strcmp(d[i].day, "unknown") == 0; i++)
		;
	for (j = nd - 1; j >= 0 && strcmp(d[j].day, "unknown") == 0; j--)
		;
	if (i <= j) {
		char lo[11], hi[11];

		shift_day(d[i].day, -1, lo);
		shift_day(d[j].day, 1, hi);
		fprintf(fp, "set xrange ['%s':'%s']\n", lo, hi);
	}
	fprintf(fp, "plot \"%s\" using 1:2 with boxes title 'conversions in'\n",
	    data);
	fputs("set ylabel 'percent'\nset yrange [0:105]\n", fp);
	fprintf(fp, "plot \"%s\" using 1:3 with linespoints lw 2 title "
	    "'success rate', \"%s\" using 1:4 with linespoints title "
	    "'e-mail coverage', \"%s\" using 1:5 with linespoints title "
	    "'phone coverage', \"%s\" using 1:6 with linespoints title "
	    "'click ID coverage', \"%s\" using 1:7 with linespoints title "
	    "'consent granted', \"%s\" using 1:8 with linespoints title "
	    "'consent denied'", data, data, data, data, data, data);
	if (bsr >= 0)
		fprintf(fp, ", %.2f with lines dt 2 lw 2 lc rgb 'gray40' title "
		    "'baseline success rate'", bsr);
	if (r->nalert > 0)
		fprintf(fp, ", \"%s\" using 1:2 with points pt 7 ps 2 lc "
		    "rgb 'red' title 'alert'", alerts);
	fputs("\nunset multiplot\n", fp);
	if (fclose(fp) != 0)
		goto broken;
	rc = gnuplot(script);
	goto out;
broken:
	ac_warn("chart: work files in %s", dir);
out:
	unlink(data);
	unlink(alerts);
	unlink(script);
	rmdir(dir);
	free(d);
	return rc;
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = strcmp(x->day, y->day);

	if (c == 0)
		c = strcmp(x->cid, y->cid);
	if (c == 0)
		c = strlen(x->aid) < strlen(y->aid) ? -1 : strlen(x->aid) >
		    strlen(y->aid) ? 1 : strcmp(x->aid, y->aid);
	return c;
}

static double
points_opt(const char *arg, const char *name)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno != 0 || !(v > 0 && v <= 100)) {
		ac_warnx("%s: expected points, more than 0 and at most 100",
		    name);
		usage(stderr, AC_EXIT_USAGE);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	static struct run run;
	struct run *r = &run;
	struct opts o;
	struct base *bases = NULL;
	char *alerted = NULL;
	const char *errstr;
	long long now;
	time_t t;
	struct tm tm;
	int ch, i, j, nb = 0, status;

	ac_setprogname("ac-report");
	memset(&o, 0, sizeof(o));
	o.threshold = 10;
	o.shift = 15;
	o.min_volume = 20;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hqR:V", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_AGAINST:
			o.against = optarg;
			break;
		case OPT_BASELINE:
			o.baseline = optarg;
			break;
		case OPT_CHART:
			o.chart = optarg;
			break;
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case OPT_MIN_VOLUME:
			o.min_volume = (long)ac_strtonum(optarg, 1, 1000000000,
			    &errstr);
			if (errstr != NULL) {
				ac_warnx("--min-volume: %s", errstr);
				usage(stderr, AC_EXIT_USAGE);
			}
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'R':
			o.rejects = optarg;
			break;
		case OPT_SHIFT:
			o.shift = points_opt(optarg, "--shift");
			break;
		case OPT_THRESHOLD:
			o.threshold = points_opt(optarg, "--threshold");
			break;
		case 'V':
			ac_print_version();
			return AC_EXIT_OK;
		default:
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.chart != NULL) {
		const char *ext = strrchr(o.chart, '.');

		if (ext == NULL || (strcmp(ext, ".svg") != 0 &&
		    strcmp(ext, ".png") != 0)) {
			ac_warnx("--chart: expected a file name ending in .svg "
			    "or .png");
			usage(stderr, AC_EXIT_USAGE);
		}
		if (!plot_name_ok(o.chart)) {
			ac_warnx("--chart: a name without quotes, backslashes, "
			    "backquotes, dollars or line ends");
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	if (ac_time_env_now(&now, &errstr) == -1)
		ac_diex(AC_EXIT_USAGE, "AC_NOW: %s", errstr);
	t = (time_t)now;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(r->today, sizeof(r->today), "%Y-%m-%d", &tm) == 0)
		ac_diex(AC_EXIT_FATAL, "the date cannot be told");
	r->o = &o;
	r->status = jv_object();
	r->orders = o.against != NULL ? jv_object() : jv_null();

	/* Acquire everything before the first record. */
	if (o.baseline != NULL &&
	    (bases = read_baseline(o.baseline, &nb)) == NULL)
		return AC_EXIT_FATAL;
	if (o.against != NULL && access(o.against, R_OK) == -1) {
		ac_warn("%s", o.against);
		free(bases);
		return AC_EXIT_FATAL;
	}
	status = read_input(r, argc, argv);
	if (status == AC_EXIT_FATAL)
		goto done;
	jv_object_foreach(r->status, k, v) {
		apply_status(r, v);
		jv_free(k);
		jv_free(v);
	}
	if (r->ng > 0)
		qsort(r->g, (size_t)r->ng, sizeof(*r->g), cmp_group);
	if (ac_writer_init(&r->out, STDOUT_FILENO) == -1)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	for (i = 0; i < r->ng; i++)
		ac_write(&r->out, day_record(&r->g[i]));
	alerted = ac_xreallocarray(NULL, (size_t)r->ng + 1, 1);
	memset(alerted, 0, (size_t)r->ng + 1);
	if (bases != NULL) {
		for (i = 0; i < r->ng; i++) {
			unsigned long before = r->nalert;

			for (j = 1; j < nb && (strcmp(bases[j].cid,
			    r->g[i].cid) != 0 || strcmp(bases[j].aid,
			    r->g[i].aid) != 0); j++)
				;
			check_alerts(r, &r->g[i], &bases[j < nb ? j : 0]);
			alerted[i] = r->nalert > before;
		}
	}
	if (o.against != NULL && reconcile(r) == -1)
		status = AC_EXIT_FATAL;
	if (ac_writer_close(&r->out) == -1) {
		errno = r->out.err;
		ac_warn("stdout");
		status = AC_EXIT_FATAL;
	}
	if (o.chart != NULL && status != AC_EXIT_FATAL &&
	    chart(r, alerted, bases) == -1)
		status = AC_EXIT_FATAL;
	if (!o.quiet) {
		fprintf(stderr, "ac-report: %d day record%s, %lu alert%s",
		    r->ng, r->ng == 1 ? "" : "s", r->nalert, r->nalert == 1 ?
		    "" : "s");
		if (o.against != NULL)
			fprintf(stderr, ", %lu order%s never accepted or "
			    "rejected", r->nmissing, r->nmissing == 1 ? "" :
			    "s");
		fputc('\n', stderr);
	}
	if (status != AC_EXIT_FATAL && (r->nalert > 0 || r->nmissing > 0))
		status = AC_EXIT_DATA;
done:
	for (i = 0; i < r->ng; i++) {
		jv_free(r->g[i].rejected_by);
		jv_free(r->g[i].processing_errors);
	}
	free(r->g);
	free(r->m);
	free(bases);
	free(alerted);
	jv_free(r->status);
	jv_free(r->orders);
	return status;
}

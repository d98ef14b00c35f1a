/* SPDX-License-Identifier: MIT */
/*
 * ac-status: what Google did with what ac-upload sent. Reads ac-upload's
 * result records (NDJSON) and follows each upload: a Data Manager request
 * (status accepted, request_id) through GET requestStatus:retrieve, a
 * Google Ads API job (status uploaded, job_id) through the job_summaries
 * of offline_conversion_upload_conversion_action_summary
 * (googleAds:search, lib/search). One pass, or with --wait passes with
 * backoff until every request is final or the deadline has passed.
 *
 * Reads status, api, request_id, job_id, customer_id and
 * conversion_action of each result; rows rejected, failed, validated or
 * skipped have nothing to follow. Writes one status record per request
 * (or job) and destination (conversion action): api, request_id or
 * job_id, customer_id, conversion_action, status (PROCESSING, SUCCESS,
 * PARTIAL_SUCCESS, FAILED, UNKNOWN), final, sent and Google's counts,
 * checked_at. Exit 0 when all are final and SUCCESS, 1 when one failed
 * (or an input line was not a result), 75 when one is not final.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jv.h>

#include "access.h"
#include "diag.h"
#include "dm.h"
#include "dtime.h"
#include "field.h"
#include "gads.h"
#include "http.h"
#include "ndjson.h"
#include "oauth.h"
#include "opt.h"
#include "search.h"
#include "stage.h"

#define CONNECT_TIMEOUT_MS 10000L
#define IDS_PER_QUERY 500	/* conversion action IDs in one IN list */
#define POLL_CAP_MS (30LL * 60 * 1000)	/* longest wait between passes */

struct opts {
	const char *endpoint, *dm_endpoint, *version, *cacert, *config;
	const char *token_file, *devtoken_file, *token_uri, *rejects;
	int retries, quiet, wait;
	long long timeout_ms, max_wait_ms, base_ms, deadline_ms, interval_ms;
};

enum api { API_GOOGLEADS, API_DATAMANAGER };
static const char *const apis[] = { "googleads", "datamanager" };

/* One request (or job) and destination to follow. */
struct item {
	enum api api;
	char id[80];		/* request_id or job_id */
	char cid[11];		/* customer (operating account) */
	char aid[20];		/* conversion action ID */
	unsigned long sent;	/* rows the results say went there */
	int final, bad;		/* bad: failed or partial */
	jv rec;			/* the last status record, or jv_invalid() */
};

struct run {
	const struct opts *o;
	struct item *it;
	int n, cap;
	struct ac_access acc;
	struct ac_search s;
	int stop;		/* exit status that ended the run */
	unsigned long nocheck;	/* uploaded rows without a job ID (calls) */
	char now[24];		/* checked_at of this pass */
};

enum {
	OPT_TOKEN_FILE = 256, OPT_API_VERSION, OPT_CACERT, OPT_CONFIG,
	OPT_DEADLINE, OPT_DEVTOKEN_FILE, OPT_ENDPOINT, OPT_INTERVAL,
	OPT_LOGIN, OPT_MAX_RETRY_WAIT, OPT_RETRIES, OPT_TIMEOUT, OPT_TOKEN_URI
};

static const struct option longopts[] = {
	{ "access-token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "api-version", required_argument, NULL, OPT_API_VERSION },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "deadline", required_argument, NULL, OPT_DEADLINE },
	{ "developer-token-file", required_argument, NULL, OPT_DEVTOKEN_FILE },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "help", no_argument, NULL, 'h' },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "max-retry-wait", required_argument, NULL, OPT_MAX_RETRY_WAIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "token-uri", required_argument, NULL, OPT_TOKEN_URI },
	{ "version", no_argument, NULL, 'V' },
	{ "wait", no_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-status [-hqVw] [-R FILE] "
	    "[--access-token-file FILE] [--api-version VERSION] "
	    "[--cacert FILE] [--config FILE] [--deadline DURATION] "
	    "[--developer-token-file FILE] [--endpoint URL] "
	    "[--interval DURATION] [--max-retry-wait SECONDS] [--retries N] "
	    "[--timeout SECONDS] [--token-uri URL] [FILE ...]\n"
	    "      --access-token-file FILE    OAuth access token from FILE "
	    "(default: $AC_ACCESS_TOKEN)\n"
	    "      --api-version VERSION       Google Ads API version (default "
	    AC_GADS_VERSION ")\n"
	    "      --cacert FILE               trust the CA certificates in "
	    "FILE\n"
	    "      --config FILE               credentials from this "
	    "google-ads.yaml\n"
	    "      --deadline DURATION         with --wait: stop waiting after "
	    "DURATION (default 6h)\n"
	    "      --developer-token-file FILE send a developer-token header "
	    "from FILE\n"
	    "      --endpoint URL              base URL of both APIs (default "
	    "their Google hosts)\n"
	    "  -h, --help                      show this help\n"
	    "      --interval DURATION         with --wait: first wait between "
	    "passes (default 1m)\n"
	    "      --max-retry-wait SECONDS    longest wait before a retry "
	    "(default 300)\n"
	    "  -q, --quiet                     no progress, no summary\n"
	    "  -R, --rejects FILE              write input lines that are no "
	    "result to FILE\n"
	    "      --retries N                 retries per request (default "
	    "5)\n"
	    "      --timeout SECONDS           limit for one attempt "
	    "(default 120)\n"
	    "      --token-uri URL             the OAuth token endpoint "
	    "(default " AC_TOKEN_URI ")\n"
	    "  -V, --version                   show the version\n"
	    "  -w, --wait                      check again, with backoff, "
	    "until all are final\n");
	exit(status);
}

/*
 * A duration: a decimal number with an optional unit s, m, h or d
 * (seconds when none), as "90", "1.5m", "6h". Milliseconds, or -1.
 */
static long long
duration_ms(const char *s)
{
	char *end;
	double v, unit = 1000;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's': unit = 1000; break;
		case 'm': unit = 60000; break;
		case 'h': unit = 3600000; break;
		case 'd': unit = 86400000; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (v * unit > 3650.0 * 86400000)
		return -1;
	return (long long)(v * unit + 0.5);
}

/* The ID of customers/{cid}/conversionActions/{id} into id[20]. */
static int
action_id(const char *s, char *id)
{
	const char *p = strrchr(s, '/');
	size_t n;

	if (p == NULL || strncmp(s, "customers/", 10) != 0 ||
	    strstr(s, "/conversionActions/") == NULL)
		return -1;
	p++;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 18 || p[n] != '\0')
		return -1;
	memcpy(id, p, n + 1);
	return 0;
}

static struct item *
item(struct run *r, enum api api, const char *id, const char *cid,
    const char *aid)
{
	struct item *x;
	int i;

	for (i = 0; i < r->n; i++) {
		x = &r->it[i];
		if (x->api == api && strcmp(x->id, id) == 0 &&
		    strcmp(x->aid, aid) == 0 && strcmp(x->cid, cid) == 0)
			return x;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->it = ac_xreallocarray(r->it, (size_t)r->cap, sizeof(*r->it));
	}
	x = &r->it[r->n++];
	memset(x, 0, sizeof(*x));
	x->api = api;
	snprintf(x->id, sizeof(x->id), "%s", id);
	snprintf(x->cid, sizeof(x->cid), "%s", cid);
	snprintf(x->aid, sizeof(x->aid), "%s", aid);
	x->rec = jv_invalid();
	return x;
}

/* A result record. Borrows line. */
static jv
take_result(struct run *r, jv line)
{
	const char *st, *s, *api, *id;
	char cid[11], aid[20];
	enum api a;
	jv job;
	char jbuf[32];

	if ((st = ac_obj_str(line, "status")) == NULL)
		return ac_err("not_a_result", "status", "no status: not a "
		    "result record of ac-upload");
	if (strcmp(st, "accepted") != 0 && strcmp(st, "uploaded") != 0)
		return jv_null();	/* nothing went to Google to follow */
	if ((s = ac_obj_str(line, "customer_id")) == NULL ||
	    ac_customer_id(s, cid) == -1)
		return ac_err("customer_id_invalid", "customer_id",
		    "expected ten digits");
	if ((s = ac_obj_str(line, "conversion_action")) == NULL ||
	    action_id(s, aid) == -1)
		return ac_err("conversion_action_invalid", "conversion_action",
		    "expected customers/{customer_id}/conversionActions/{id}");
	api = ac_obj_str(line, "api");
	a = api != NULL ? (strcmp(api, "datamanager") == 0 ?
	    API_DATAMANAGER : API_GOOGLEADS) : strcmp(st, "accepted") == 0 ?
	    API_DATAMANAGER : API_GOOGLEADS;
	if (a == API_DATAMANAGER) {
		if ((id = ac_obj_str(line, "request_id")) == NULL || *id ==
		    '\0' || strlen(id) >= sizeof(r->it[0].id))
			return ac_err("request_id_missing", "request_id",
			    "an accepted Data Manager row without its request "
			    "ID");
	} else {
		job = ac_obj_get(line, "job_id");
		if (jv_get_kind(job) == JV_KIND_STRING &&
		    strlen(jv_string_value(job)) < sizeof(jbuf) &&
		    strspn(jv_string_value(job), "0123456789") ==
		    strlen(jv_string_value(job)) && jv_string_value(job)[0])
			snprintf(jbuf, sizeof(jbuf), "%s",
			    jv_string_value(job));
		else if (jv_get_kind(job) == JV_KIND_NUMBER &&
		    jv_is_integer(job) && jv_number_value(job) > 0)
			snprintf(jbuf, sizeof(jbuf), "%.0f",
			    jv_number_value(job));
		else
			jbuf[0] = '\0';
		jv_free(job);
		if (jbuf[0] == '\0') {
			/* calls have no job: nothing says what became of them */
			r->nocheck++;
			return jv_null();
		}
		id = jbuf;
	}
	item(r, a, id, cid, aid)->sent++;
	return jv_null();
}

static int
read_input(struct run *r, int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	jv line, res;
	int status;

	if (ac_stage_open(&st, "ac-status", argc, argv, r->o->rejects, NULL) == -1)
		return AC_EXIT_FATAL;
	st.quiet = r->o->quiet;
	st.own_summary = 1;
	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec)) {
		line = ac_rec_to_jv(&rec);
		res = take_result(r, line);
		jv_free(line);
		if (jv_get_kind(res) == JV_KIND_NULL)
			jv_free(res);
		else
			ac_stage_put(&st, &rec, res);
	}
	ac_rec_free(&rec);
	status = ac_stage_finish(&st);
	if (status == AC_EXIT_DATA && !r->o->quiet)
		ac_warnx("%lu of %lu input lines are no result records",
		    st.nrej, st.nin);
	return status;
}

/* The value at a dotted path, owned. Borrows o. */
static jv
at(jv o, const char *path)
{
	char part[64];
	const char *p = path, *dot;
	jv v = jv_copy(o), next;
	size_t n;

	while (jv_is_valid(v) && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(part))
			n = sizeof(part) - 1;
		memcpy(part, p, n);
		part[n] = '\0';
		next = ac_obj_get(v, part);
		jv_free(v);
		v = next;
		p += n + (dot != NULL);
	}
	return v;
}

/* An int64 member (a string in proto3 JSON, or a number), 0 if absent. */
static long long
count_at(jv o, const char *path)
{
	jv v = at(o, path);
	long long n = 0;

	if (jv_get_kind(v) == JV_KIND_STRING)
		n = strtoll(jv_string_value(v), NULL, 10);
	else if (jv_get_kind(v) == JV_KIND_NUMBER)
		n = (long long)jv_number_value(v);
	jv_free(v);
	return n < 0 ? 0 : n;
}

static const char *
str_at(jv o, const char *path, char *buf, size_t len)
{
	jv v = at(o, path);

	buf[0] = '\0';
	if (jv_get_kind(v) == JV_KIND_STRING)
		ac_text_copy(buf, len, jv_string_value(v));
	else if (jv_get_kind(v) == JV_KIND_NUMBER)
		snprintf(buf, len, "%.0f", jv_number_value(v));
	jv_free(v);
	return buf;
}

/* The start of a status record of x. */
static jv
record_of(const struct run *r, const struct item *x)
{
	char name[64];
	jv o = jv_object_set(jv_object(), jv_string("api"),
	    jv_string(apis[x->api]));

	o = jv_object_set(o, jv_string(x->api == API_DATAMANAGER ?
	    "request_id" : "job_id"), jv_string(x->id));
	o = jv_object_set(o, jv_string("customer_id"), jv_string(x->cid));
	snprintf(name, sizeof(name), "customers/%s/conversionActions/%s",
	    x->cid, x->aid);
	o = jv_object_set(o, jv_string("conversion_action"), jv_string(name));
	(void)r;
	return o;
}

/* Set x's status record: consumes o (record_of's, with counts). */
static void
settle(struct run *r, struct item *x, jv o, const char *status)
{
	x->final = strcmp(status, "PROCESSING") != 0 &&
	    strcmp(status, "UNKNOWN") != 0;
	x->bad = strcmp(status, "FAILED") == 0 ||
	    strcmp(status, "PARTIAL_SUCCESS") == 0 ||
	    strcmp(status, "NOT_FOUND") == 0;
	o = jv_object_set(o, jv_string("status"), jv_string(status));
	o = jv_object_set(o, jv_string("final"), jv_bool(x->final));
	o = jv_object_set(o, jv_string("sent"), jv_number((double)x->sent));
	o = jv_object_set(o, jv_string("checked_at"), jv_string(r->now));
	jv_free(x->rec);
	x->rec = o;
}

/* {reason: count} of errorInfo.errorCounts (or warningInfo...). */
static jv
reasons(jv dest, const char *info, const char *list, long long *sum)
{
	jv arr = at(dest, info), l = ac_obj_get(arr, list), out = jv_object();
	int i, n = jv_get_kind(l) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(l)) : 0;
	char reason[128];

	*sum = 0;
	jv_free(arr);
	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(l), i);
		long long c = count_at(e, "recordCount");

		if (str_at(e, "reason", reason, sizeof(reason))[0] == '\0')
			snprintf(reason, sizeof(reason), "UNSPECIFIED");
		out = jv_object_set(out, jv_string(reason),
		    jv_number((double)c));
		*sum += c;
		jv_free(e);
	}
	jv_free(l);
	return out;
}

/* Stop the run for a failure every later check would meet too. Returns
 * 1 when it did. */
static int
fatal_verdict(struct run *r, const struct ac_http_verdict *v, const char *what)
{
	switch (v->klass) {
	case AC_HTTP_AUTH:
		ac_warnx("%s: the API refused the access token (%s); check it "
		    "with ac-token check", what, v->code);
		r->stop = AC_EXIT_FATAL;
		return 1;
	case AC_HTTP_RETRY:
		ac_warnx("%s: %s: %s; giving up", what, v->code, v->message);
		r->stop = AC_EXIT_TEMPFAIL;
		return 1;
	case AC_HTTP_FATAL:
		ac_warnx("%s: %s", what, v->message);
		r->stop = AC_EXIT_FATAL;
		return 1;
	default:
		if (v->http == 401 || v->http == 403) {
			ac_warnx("%s: HTTP %ld %s: the credentials cannot read "
			    "this (see ac-doctor)", what, v->http, v->code);
			r->stop = AC_EXIT_FATAL;
			return 1;
		}
		return 0;
	}
}

/* requestStatus:retrieve of Data Manager request id: every item of it. */
static void
check_request(struct run *r, const char *id)
{
	struct ac_http_verdict v;
	char path[200], *url, *esc, dest[24], st[40];
	jv ans, per, d, o, err;
	struct item *x;
	long long nerr, nwarn;
	int i, n;

	esc = curl_easy_escape(r->s.p.h, id, 0);
	if (esc == NULL)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	snprintf(path, sizeof(path), "/v1/requestStatus:retrieve?requestId=%s",
	    esc);
	curl_free(esc);
	url = ac_strfmt("%s%s", r->o->dm_endpoint, path);
	if (ac_search_get(&r->s, url, "/v1/requestStatus:retrieve", &ans,
	    &v) == -1) {
		free(url);
		if (fatal_verdict(r, &v, "requestStatus:retrieve"))
			return;
		/* INVALID_REQUEST_ID and the like: this request only */
		for (i = 0; i < r->n; i++) {
			x = &r->it[i];
			if (x->api != API_DATAMANAGER || strcmp(x->id, id) != 0)
				continue;
			err = jv_object_set(jv_object(), jv_string("code"),
			    jv_string(v.code));
			err = jv_object_set(err, jv_string("message"),
			    jv_string(v.message));
			o = jv_object_set(record_of(r, x), jv_string("error"),
			    err);
			settle(r, x, o, "NOT_FOUND");
		}
		return;
	}
	free(url);
	per = ac_obj_get(ans, "requestStatusPerDestination");
	n = jv_get_kind(per) == JV_KIND_ARRAY ? jv_array_length(jv_copy(per)) :
	    0;
	for (i = 0; i < n; i++) {
		char acct[24], cid[11];

		d = jv_array_get(jv_copy(per), i);
		str_at(d, "destination.productDestinationId", dest,
		    sizeof(dest));
		str_at(d, "destination.operatingAccount.accountId", acct,
		    sizeof(acct));
		str_at(d, "requestStatus", st, sizeof(st));
		if (dest[0] == '\0' || strspn(dest, "0123456789") !=
		    strlen(dest) || ac_customer_id(acct, cid) == -1) {
			jv_free(d);
			continue;
		}
		x = item(r, API_DATAMANAGER, id, cid, dest);
		o = record_of(r, x);
		if (strcmp(st, "SUCCESS") != 0 && strcmp(st, "FAILED") != 0 &&
		    strcmp(st, "PARTIAL_SUCCESS") != 0 &&
		    strcmp(st, "PROCESSING") != 0)
			snprintf(st, sizeof(st), "UNKNOWN");
		if (strcmp(st, "PROCESSING") != 0) {
			o = jv_object_set(o, jv_string("records"),
			    jv_number((double)count_at(d,
			    "eventsIngestionStatus.recordCount")));
			o = jv_object_set(o, jv_string("errors"), reasons(d,
			    "errorInfo", "errorCounts", &nerr));
			o = jv_object_set(o, jv_string("warnings"), reasons(d,
			    "warningInfo", "warningCounts", &nwarn));
			o = jv_object_set(o, jv_string("failed"),
			    jv_number((double)nerr));
		}
		settle(r, x, o, st);
		jv_free(d);
	}
	jv_free(per);
	jv_free(ans);
	/* a destination the answer does not name: not known yet */
	for (i = 0; i < r->n; i++) {
		x = &r->it[i];
		if (x->api == API_DATAMANAGER && strcmp(x->id, id) == 0 &&
		    !jv_is_valid(x->rec))
			settle(r, x, record_of(r, x), "UNKNOWN");
	}
}

/* Alerts of a summary as [{code, share}]. Borrows sum. */
static jv
alerts_of(jv sum)
{
	jv al = ac_obj_get(sum, "alerts"), out = jv_array();
	int i, n = jv_get_kind(al) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(al)) : 0;

	for (i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(al), i);
		jv err = ac_obj_get(x, "error"), pct = ac_obj_get(x,
		    "errorPercentage");
		char code[96];

		code[0] = '\0';
		if (jv_get_kind(err) == JV_KIND_OBJECT) {
			jv_object_foreach(err, k, v) {
				if (code[0] == '\0' &&
				    jv_get_kind(v) == JV_KIND_STRING)
					snprintf(code, sizeof(code), "%s.%s",
					    jv_string_value(k),
					    jv_string_value(v));
				jv_free(k);
				jv_free(v);
			}
		}
		ac_text_clean(code);
		if (code[0] != '\0')
			out = jv_array_append(out, jv_object_set(jv_object_set(
			    jv_object(), jv_string("code"), jv_string(code)),
			    jv_string("share"), jv_number(jv_get_kind(pct) ==
			    JV_KIND_NUMBER ? jv_number_value(pct) : 0)));
		jv_free(pct);
		jv_free(err);
		jv_free(x);
	}
	jv_free(al);
	return out;
}

/* Set item x of a Google Ads API job from the summary rows. Borrows rows. */
static void
settle_job(struct run *r, struct item *x, jv rows)
{
	char got[24], job[32];
	int j, m, found = 0, njobs, nrows = jv_array_length(jv_copy(rows));
	long long ok = 0, failed = 0, pending = 0;
	jv row, sum, js, e, o = record_of(r, x);

	for (m = 0; m < nrows; m++) {
		row = jv_array_get(jv_copy(rows), m);
		sum = ac_obj_get(row,
		    "offlineConversionUploadConversionActionSummary");
		jv_free(row);
		if (strcmp(str_at(sum, "conversionActionId", got, sizeof(got)),
		    x->aid) != 0) {
			jv_free(sum);
			continue;
		}
		js = ac_obj_get(sum, "jobSummaries");
		njobs = jv_get_kind(js) == JV_KIND_ARRAY ?
		    jv_array_length(jv_copy(js)) : 0;
		for (j = 0; j < njobs; j++) {
			e = jv_array_get(jv_copy(js), j);
			if (strcmp(str_at(e, "jobId", job, sizeof(job)),
			    x->id) == 0) {
				found = 1;
				ok += count_at(e, "successfulCount");
				failed += count_at(e, "failedCount");
				pending += count_at(e, "pendingCount");
			}
			jv_free(e);
		}
		jv_free(js);
		/* the action's alerts: not per job, but what explains it */
		if (found && !jv_object_has(jv_copy(o), jv_string("alerts")))
			o = jv_object_set(o, jv_string("alerts"),
			    alerts_of(sum));
		jv_free(sum);
	}
	if (!found) {
		/* not in the summaries yet: they lag behind the uploads */
		o = jv_object_set(o, jv_string("in_summary"), jv_false());
		settle(r, x, o, "PROCESSING");
		return;
	}
	o = jv_object_set(o, jv_string("successful"), jv_number((double)ok));
	o = jv_object_set(o, jv_string("failed"), jv_number((double)failed));
	o = jv_object_set(o, jv_string("pending"), jv_number((double)pending));
	settle(r, x, o, pending > 0 ? "PROCESSING" : failed == 0 ? "SUCCESS" :
	    ok == 0 ? "FAILED" : "PARTIAL_SUCCESS");
}

/*
 * The job summaries of customer cid's conversion actions, for every job
 * item of that customer not yet final: one query per IDS_PER_QUERY
 * actions.
 */
static void
check_jobs(struct run *r, const char *cid)
{
	struct ac_http_verdict v;
	const char **aids = NULL;
	char *ids, *q;
	size_t len;
	int i, j, c, k, naids = 0, end;
	jv rows;
	struct item *x;

	for (i = 0; i < r->n; i++) {
		x = &r->it[i];
		if (x->api != API_GOOGLEADS || x->final || strcmp(x->cid, cid))
			continue;
		for (j = 0; j < naids && strcmp(aids[j], x->aid) != 0; j++)
			;
		if (j == naids) {
			aids = ac_xreallocarray(aids, (size_t)naids + 1, sizeof(*aids));
			aids[naids++] = x->aid;
		}
	}
	for (c = 0; c < naids && r->stop == 0; c += IDS_PER_QUERY) {
		end = c + IDS_PER_QUERY < naids ? c + IDS_PER_QUERY : naids;
		ids = ac_xreallocarray(NULL, (size_t)(end - c) * 22 + 1, 1);
		len = 0;
		ids[0] = '\0';
		for (j = c; j < end; j++)
			len += (size_t)sprintf(ids + len, "%s%s", j > c ?
			    ", " : "", aids[j]);
		q = ac_strfmt("SELECT "
		    "offline_conversion_upload_conversion_action_summary."
		    "conversion_action_id, "
		    "offline_conversion_upload_conversion_action_summary.client, "
		    "offline_conversion_upload_conversion_action_summary."
		    "job_summaries, "
		    "offline_conversion_upload_conversion_action_summary.alerts "
		    "FROM offline_conversion_upload_conversion_action_summary "
		    "WHERE offline_conversion_upload_conversion_action_summary."
		    "conversion_action_id IN (%s)", ids);
		free(ids);
		if (ac_search_run(&r->s, cid, r->acc.login, q, &rows, &v) ==
		    -1) {
			free(q);
			if (!fatal_verdict(r, &v, "googleAds:search")) {
				ac_warnx("googleAds:search for customer %s: "
				    "HTTP %ld %s", cid, v.http, v.code);
				r->stop = AC_EXIT_DATA;
			}
			break;
		}
		free(q);
		for (k = 0; k < r->n; k++) {
			x = &r->it[k];
			if (x->api != API_GOOGLEADS || x->final ||
			    strcmp(x->cid, cid) != 0)
				continue;
			for (j = c; j < end && strcmp(aids[j], x->aid) != 0;
			    j++)
				;
			if (j < end)
				settle_job(r, x, rows);
		}
		jv_free(rows);
	}
	free(aids);
}

static void
set_now(struct run *r)
{
	const char *errstr;
	long long now;
	time_t t;
	struct tm tm;

	ac_time_env_now(&now, &errstr);
	t = (time_t)now;
	if (gmtime_r(&t, &tm) == NULL || strftime(r->now, sizeof(r->now),
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		r->now[0] = '\0';
}

/* One pass over what is not final. Returns how many are still not. */
static int
pass(struct run *r)
{
	int i, j, open = 0;

	set_now(r);
	for (i = 0; i < r->n && r->stop == 0; i++) {
		struct item *x = &r->it[i];

		if (x->final)
			continue;
		for (j = 0; j < i; j++)
			if (!r->it[j].final && r->it[j].api == x->api &&
			    strcmp(r->it[j].api == API_DATAMANAGER ?
			    r->it[j].id : r->it[j].cid, x->api ==
			    API_DATAMANAGER ? x->id : x->cid) == 0)
				break;
		if (j < i)
			continue;	/* done with an earlier item */
		if (x->api == API_DATAMANAGER)
			check_request(r, x->id);
		else
			check_jobs(r, x->cid);
	}
	for (i = 0; i < r->n; i++)
		open += !r->it[i].final;
	return open;
}

static long long
number_opt(const char *arg, const char *name, long long min, long long max)
{
	const char *errstr;
	long long v = ac_strtonum(arg, min, max, &errstr);

	if (errstr != NULL) {
		ac_warnx("%s: %s", name, errstr);
		usage(stderr, AC_EXIT_USAGE);
	}
	return v;
}

static long long
duration_opt(const char *arg, const char *name)
{
	long long v = duration_ms(arg);

	if (v < 0) {
		ac_warnx("%s: expected a duration, as 90s, 30m, 6h or 1d", name);
		usage(stderr, AC_EXIT_USAGE);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	static struct run run;
	struct run *r = &run;
	struct ac_access_conf conf;
	struct ac_http_conf hc;
	struct ac_writer out;
	struct opts o;
	const char *s;
	char why[160], err[256], *ep = NULL, *dep = NULL;
	int ch, i, status, open, npass = 0, nbad = 0, nfinal = 0;
	long long start, wait, left;

	ac_setprogname("ac-status");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ac_diex(AC_EXIT_FATAL, "curl_global_init failed");
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	memset(&conf, 0, sizeof(conf));
	o.retries = 5;
	o.max_wait_ms = 300000;
	o.timeout_ms = 120000;
	o.base_ms = 1000;
	o.deadline_ms = 6LL * 3600 * 1000;
	o.interval_ms = 60000;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hqR:Vw", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case OPT_TOKEN_FILE:
			o.token_file = optarg;
			break;
		case OPT_API_VERSION:
			o.version = optarg;
			break;
		case OPT_CACERT:
			o.cacert = optarg;
			break;
		case OPT_CONFIG:
			o.config = optarg;
			break;
		case OPT_DEADLINE:
			o.deadline_ms = duration_opt(optarg, "--deadline");
			break;
		case OPT_DEVTOKEN_FILE:
			o.devtoken_file = optarg;
			break;
		case OPT_ENDPOINT:
			o.endpoint = o.dm_endpoint = optarg;
			break;
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case OPT_INTERVAL:
			o.interval_ms = duration_opt(optarg, "--interval");
			break;
		case OPT_MAX_RETRY_WAIT:
			o.max_wait_ms = 1000 * number_opt(optarg,
			    "--max-retry-wait", 0, 86400);
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'R':
			o.rejects = optarg;
			break;
		case OPT_RETRIES:
			o.retries = (int)number_opt(optarg, "--retries", 0, 100);
			break;
		case OPT_TIMEOUT:
			o.timeout_ms = 1000 * number_opt(optarg, "--timeout", 1,
			    86400);
			break;
		case OPT_TOKEN_URI:
			o.token_uri = optarg;
			break;
		case 'V':
			ac_print_version();
			return AC_EXIT_OK;
		case 'w':
			o.wait = 1;
			break;
		default:
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	/* --endpoint (AC_ENDPOINT) is the base of both APIs, as ac-upload's */
	ac_env_default(&o.endpoint, "AC_ENDPOINT", AC_GADS_ENDPOINT);
	ac_env_default(&o.dm_endpoint, "AC_ENDPOINT", AC_DM_ENDPOINT);
	ac_env_default(&o.version, "AC_API_VERSION", AC_GADS_VERSION);
	if ((ep = ac_http_endpoint(o.endpoint, why, sizeof(why))) == NULL ||
	    (dep = ac_http_endpoint(o.dm_endpoint, why, sizeof(why))) ==
	    NULL) {
		ac_warnx("endpoint: %s", why);
		free(ep);
		usage(stderr, AC_EXIT_USAGE);
	}
	o.dm_endpoint = dep;
	if (!ac_gads_version_ok(o.version)) {
		ac_warnx("api version: expected v and a number, as v25");
		usage(stderr, AC_EXIT_USAGE);
	}
	if ((s = getenv("AC_RETRY_BASE_MS")) != NULL && *s != '\0') {
		const char *errstr;

		o.base_ms = ac_strtonum(s, 1, 60000, &errstr);
		if (errstr != NULL)
			ac_diex(AC_EXIT_USAGE, "AC_RETRY_BASE_MS: %s", errstr);
	}
	if (o.token_uri == NULL && (s = getenv("AC_TOKEN_URI")) != NULL &&
	    *s != '\0')
		o.token_uri = s;
	if (o.token_uri != NULL && !ac_http_url_ok(o.token_uri, why,
	    sizeof(why))) {
		ac_warnx("token URI: %s", why);
		usage(stderr, AC_EXIT_USAGE);
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	r->o = &o;

	/* Acquire everything before the first record. */
	status = read_input(r, argc, argv);
	if (status == AC_EXIT_FATAL)
		goto done;
	if (r->n == 0) {
		if (!o.quiet)
			ac_warnx("nothing to follow: no accepted or uploaded "
			    "row with a request or job ID");
		goto done;
	}
	conf.token_file = o.token_file;
	conf.devtoken_file = o.devtoken_file;
	conf.config = o.config;
	conf.token_uri = o.token_uri;
	conf.cacert = o.cacert;
	conf.user_agent = "ac-status/" AC_VERSION;
	conf.base_ms = o.base_ms;
	if ((i = ac_access_open(&r->acc, &conf)) != 0) {
		status = i;
		goto done;
	}
	memset(&hc, 0, sizeof(hc));
	hc.cacert = o.cacert;
	hc.timeout_ms = (long)o.timeout_ms;
	hc.connect_timeout_ms = CONNECT_TIMEOUT_MS < hc.timeout_ms ?
	    CONNECT_TIMEOUT_MS : hc.timeout_ms;
	hc.user_agent = "ac-status/" AC_VERSION;
	r->s.p.h = ac_http_easy(&hc, r->s.p.errbuf, err, sizeof(err));
	if (r->s.p.h == NULL) {
		ac_warnx("libcurl: %s", err);
		status = AC_EXIT_FATAL;
		goto done;
	}
	r->s.acc = &r->acc;
	r->s.endpoint = ep;
	r->s.version = o.version;
	r->s.retries = o.retries;
	r->s.base_ms = o.base_ms;
	r->s.max_wait_ms = o.max_wait_ms;
	r->s.quiet = o.quiet;

	start = ac_clock_ms();
	wait = o.interval_ms;
	for (;;) {
		open = pass(r);
		npass++;
		if (!o.wait || open == 0 || r->stop != 0)
			break;
		left = start + o.deadline_ms - ac_clock_ms();
		if (left <= 0)
			break;
		if (!o.quiet)
			ac_warnx("%d of %d not final; checking again in %.1fs",
			    open, r->n, (double)(wait < left ? wait : left) /
			    1000);
		ac_sleep_ms(wait < left ? wait : left);
		wait = wait * 2 > POLL_CAP_MS ? POLL_CAP_MS : wait * 2;
	}

	if (ac_writer_init(&out, STDOUT_FILENO) == -1)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	open = 0;
	for (i = 0; i < r->n; i++) {
		struct item *x = &r->it[i];

		if (!jv_is_valid(x->rec))
			continue;	/* never checked: the run stopped */
		open += !x->final;
		nfinal += x->final;
		nbad += x->bad;
		ac_write(&out, jv_copy(x->rec));
	}
	if (ac_writer_close(&out) == -1) {
		errno = out.err;
		ac_warn("stdout");
		r->stop = AC_EXIT_FATAL;
	}
	if (!o.quiet) {
		fprintf(stderr, "ac-status: %d request%s and destination%s: %d "
		    "final (%d failed, partial or not found), %d not final; %d pass%s\n",
		    r->n, r->n == 1 ? "" : "s", r->n == 1 ? "" : "s", nfinal,
		    nbad, r->n - nfinal, npass, npass == 1 ? "" : "es");
		if (r->nocheck > 0)
			ac_warnx("%lu uploaded row%s without a job ID (calls) "
			    "not followed", r->nocheck, r->nocheck == 1 ? "" :
			    "s");
	}
	if (r->stop == AC_EXIT_FATAL || r->stop == AC_EXIT_TEMPFAIL)
		status = r->stop;
	else if (nbad > 0 || r->stop == AC_EXIT_DATA || status == AC_EXIT_DATA)
		status = AC_EXIT_DATA;
	else if (r->n - nfinal > 0)
		status = AC_EXIT_TEMPFAIL;
done:
	ac_http_post_free(&r->s.p);
	ac_access_close(&r->acc);
	for (i = 0; i < r->n; i++)
		jv_free(r->it[i].rec);
	free(r->it);
	free(ep);
	free(dep);
	curl_global_cleanup();
	return status;
}

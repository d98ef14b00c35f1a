/* SPDX-License-Identifier: MIT */
/*
 * ac-upload: read upload requests (NDJSON, one request per line, as
 * ac-batch writes them), POST each to the API it names (the Data Manager
 * API or the Google Ads REST API) and write one result record per
 * conversion.
 *
 * Reads api, customer_id, login_customer_id, method, request and rows
 * (what ac-batch wrote about each conversion; optional). Writes, per
 * conversion: order_id, customer_id, conversion_action,
 * conversion_date_time, click_id_type, kind, google-ads-consent, status
 * (accepted, uploaded, validated, rejected, failed or skipped), error,
 * request_id, job_id, attempts, file, line, api, identifiers (counts of
 * the user identifiers sent, by kind) and sent_at.
 *
 * Every conversion read ends in exactly one result record; a request
 * whose rows failed goes whole to the dead-letter file, from which it can
 * be sent again. Transient errors are retried with backoff; the journal
 * makes re-runs idempotent (see ac-upload(1)).
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <curl/curl.h>
#include <jv.h>

#include "access.h"
#include "diag.h"
#include "dm.h"
#include "dtime.h"
#include "field.h"
#include "gads.h"
#include "http.h"
#include "journal.h"
#include "jspan.h"
#include "ndjson.h"
#include "opt.h"
#include "oauth.h"
#include "secret.h"
#include "stage.h"

#define ROWS_MAX 2000		/* conversions per request, both APIs */
#define JOBS_MAX 16
#define BACKOFF_CAP_MS 64000LL	/* Google Ads API: 1 s doubling to 64 s */
#define DM_BACKOFF_MS 5000LL	/* Data Manager: 5 s, times 1.3, to 60 s */
#define DM_BACKOFF_CAP_MS 60000LL
#define CONNECT_TIMEOUT_MS 10000L
#define ANSWER_MAX (64 << 20)	/* bytes of one answer */
#define NCODES 64		/* distinct error codes in the summary */

struct opts {
	const char *endpoint[2];	/* of each API (enum api) */
	const char *version, *cacert, *dead_letter, *journal;
	const char *rejects, *token_file, *devtoken_file, *config, *token_uri;
	int jobs, retries, dry_run, validate_only, quiet, verbose;
	long long max_wait_ms, timeout_ms, base_ms, dm_base_ms;
};

enum api { API_GOOGLEADS, API_DATAMANAGER };
static const char *const apis[] = { "googleads", "datamanager" };

/*
 * The methods we send (lib/gads, lib/dm): the JSON name of their list of
 * rows, its proto name (in fieldPathElements), the kind of conversion
 * (Data Manager: the rows say) and the API.
 */
struct method {
	const char *name, *list, *path;
	enum ac_kind k;
	enum api api;
};
static struct method methods[AC_NKINDS + 1];

static void
methods_init(void)
{
	int k;

	for (k = 0; k < AC_NKINDS; k++) {
		methods[k].name = ac_gads_methods[k].name;
		methods[k].list = ac_gads_methods[k].list;
		methods[k].path = ac_gads_methods[k].path;
		methods[k].k = ac_gads_methods[k].kind;
		methods[k].api = API_GOOGLEADS;
	}
	methods[k].name = AC_DM_METHOD;
	methods[k].list = methods[k].path = AC_DM_LIST;
	methods[k].k = AC_CLICK;
	methods[k].api = API_DATAMANAGER;
}

struct span {
	size_t off, len;	/* in the request's text */
};

/* One request line, while it is held: queued, waiting or in flight. */
struct req {
	struct req *next;
	const struct method *m;
	char cid[11], login[11];
	jv base;		/* the request object without its rows */
	jv conv;		/* the rows to send: array of conversions */
	jv info;		/* what ac-batch said of each row */
	/*
	 * The text of each row as read, when it is what the writer would
	 * write for it (lib/jspan): sent as it is, not written again from
	 * conv. A row whose span is empty is written from conv.
	 */
	char *text;
	struct span *span;
	char **keys;		/* journal key of each row */
	unsigned char *unknown;	/* an earlier attempt may have delivered it */
	int *pos;		/* index of each row in the input line */
	int n;
	int attempts, journaled, validate;
	int retried;		/* retries used (a refusal's re-sends are not) */
	int reauth;		/* sent again after a new access token */
	int maybe_done;		/* an attempt may have been executed */
	long long due;		/* monotonic ms when it may go */
	char src[96];		/* "file:line" of the request line */
};

struct slot {
	struct ac_http_post p;
	struct req *rq;
	unsigned gen;		/* of the access token it was sent with */
};

struct count {
	char *code;
	unsigned long n;
};

struct run {
	const struct opts *o;
	struct ac_stage st;
	CURLM *multi;
	struct slot slot[JOBS_MAX];
	int nslot, inflight;
	struct req *ready, *waiting;	/* lists */
	int held;			/* requests held in all states */
	struct ac_journal j;
	int has_journal;
	struct ac_writer dl;		/* dead-letter file */
	int has_dl, dl_broken;
	int stop;			/* exit status that stopped the run */
	int eof;
	int out_broken;			/* stdout failed: results go nowhere */
	int sig;			/* the stop signal that was handled */
	unsigned long nreq, nattempt, nretry, nrows, nup, nacc, nval, nrej,
	    nfail, nskip, nmsg, ndead, nsplit;
	struct count codes[NCODES];
	long long last_progress;
	int progress_shown, tty;
	struct ac_access acc;	/* tokens and customer IDs (lib/access) */
};

enum {
	OPT_TOKEN_FILE = 256, OPT_API_VERSION, OPT_CACERT, OPT_CONFIG,
	OPT_DEAD_LETTER, OPT_DEVTOKEN_FILE, OPT_DRY_RUN, OPT_ENDPOINT,
	OPT_JOURNAL, OPT_MAX_RETRY_WAIT, OPT_RETRIES, OPT_TIMEOUT,
	OPT_TOKEN_URI, OPT_VALIDATE_ONLY
};

static const struct option longopts[] = {
	{ "access-token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "api-version", required_argument, NULL, OPT_API_VERSION },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "dead-letter", required_argument, NULL, OPT_DEAD_LETTER },
	{ "developer-token-file", required_argument, NULL, OPT_DEVTOKEN_FILE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "help", no_argument, NULL, 'h' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "journal", required_argument, NULL, OPT_JOURNAL },
	{ "max-retry-wait", required_argument, NULL, OPT_MAX_RETRY_WAIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "token-uri", required_argument, NULL, OPT_TOKEN_URI },
	{ "validate-only", no_argument, NULL, OPT_VALIDATE_ONLY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-upload [-hqVv] [-j N] [-R FILE] "
	    "[--access-token-file FILE] [--api-version VERSION] "
	    "[--cacert FILE] [--config FILE] [--dead-letter FILE] "
	    "[--developer-token-file FILE] [--dry-run] [--endpoint URL] "
	    "[--journal FILE] [--max-retry-wait SECONDS] [--retries N] "
	    "[--timeout SECONDS] [--token-uri URL] [--validate-only] "
	    "[FILE ...]\n"
	    "      --access-token-file FILE    OAuth access token from FILE "
	    "(default: $AC_ACCESS_TOKEN)\n"
	    "      --api-version VERSION       Google Ads API version (default "
	    AC_GADS_VERSION ")\n"
	    "      --cacert FILE               trust the CA certificates in "
	    "FILE\n"
	    "      --config FILE               credentials from this "
	    "google-ads.yaml\n"
	    "      --dead-letter FILE          append requests that were not "
	    "delivered to FILE\n"
	    "      --developer-token-file FILE send a developer-token header "
	    "from FILE\n"
	    "      --dry-run                   print the requests instead of "
	    "sending them\n"
	    "      --endpoint URL              base URL of both APIs (default "
	    "their Google hosts)\n"
	    "  -h, --help                      show this help\n"
	    "  -j, --jobs N                    N requests in flight (1 to 16, "
	    "default 1)\n"
	    "      --journal FILE              skip rows FILE says were "
	    "delivered; record new ones\n"
	    "      --max-retry-wait SECONDS    longest wait before a retry "
	    "(default 300)\n"
	    "  -q, --quiet                     no per-row messages, no "
	    "summary unless status is not 0\n"
	    "  -R, --rejects FILE              write rejected input lines to "
	    "FILE\n"
	    "      --retries N                 retries per request (default "
	    "5)\n"
	    "      --timeout SECONDS           limit for one attempt "
	    "(default 120)\n"
	    "      --token-uri URL             the OAuth token endpoint "
	    "(default " AC_TOKEN_URI ")\n"
	    "      --validate-only             the API only validates "
	    "(validateOnly true)\n"
	    "  -V, --version                   show the version\n"
	    "  -v, --verbose                   show every per-row message\n");
	exit(status);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL)
		ac_die(AC_EXIT_FATAL, "out of memory");
	return p;
}

static int
ten_digits(const char *s)
{
	int i;

	for (i = 0; i < 10; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[10] == '\0';
}

/* Stop signals */

static const int stop_sigs[] = { SIGHUP, SIGINT, SIGTERM };
static int caught[3];		/* of stop_sigs: not ignored at start */
static volatile sig_atomic_t got_sig;

/*
 * The first SIGHUP, SIGINT or SIGTERM asks the run to stop (see
 * check_signal); from then on each of them has its default action, so
 * that a second one stops at once.
 */
static void
on_signal(int sig)
{
	struct sigaction sa;
	size_t i;

	got_sig = sig;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		if (caught[i])
			sigaction(stop_sigs[i], &sa, NULL);
}

/* Catch the stop signals, but those ignored at start (nohup, a
 * background job of a script), which stay ignored. */
static void
catch_signals(void)
{
	struct sigaction sa, old;
	size_t i;

	/* No SA_RESTART: a wait in poll(2) ends at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(&sa.sa_mask, stop_sigs[i]);
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		if (sigaction(stop_sigs[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN) {
			caught[i] = 1;
			sigaction(stop_sigs[i], &sa, NULL);
		}
}

/* Results */

static void
count_code(struct run *r, const char *code)
{
	int i;

	for (i = 0; i < NCODES - 1 && r->codes[i].code != NULL; i++)
		if (strcmp(r->codes[i].code, code) == 0)
			break;
	if (r->codes[i].code == NULL)
		r->codes[i].code = ac_strfmt("%s", i == NCODES - 1 ? "other" :
		    code);
	r->codes[i].n++;
}

/* A per-row message on stderr within the cap; never a value. */
/* Take the progress line off the terminal before a message, so that the
 * two do not share a line; the next progress() draws it again. */
static void
clear_progress(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		r->progress_shown = 0;
	}
}

static void
rowmsg(struct run *r, const struct req *rq, int i, const char *status,
    const char *code)
{
	char who[300] = "", name[256];
	const char *file;
	jv info, line;

	if (r->o->quiet)
		return;
	if (!r->o->verbose && r->nmsg >= AC_MSG_CAP) {
		if (r->nmsg++ == AC_MSG_CAP)
			fprintf(stderr, "ac-upload: further per-row messages "
			    "not shown (-v shows all)\n");
		return;
	}
	r->nmsg++;
	clear_progress(r);
	/* Name the record the conversion came from, as ac-batch read it
	 * (never a value of it: an order ID may be personal too). */
	info = jv_array_get(jv_copy(rq->info), i);
	file = ac_obj_str(info, "file");
	line = ac_obj_get(info, "line");
	if (file != NULL && jv_get_kind(line) == JV_KIND_NUMBER) {
		ac_text_copy(name, sizeof(name), file);
		snprintf(who, sizeof(who), " (record %s:%.0f)", name,
		    jv_number_value(line));
	}
	jv_free(line);
	jv_free(info);
	fprintf(stderr, "ac-upload: %s: %s[%d]%s: %s (%s)\n", rq->src,
	    rq->m->list, rq->pos[i], who, status, code);
}

static void stop(struct run *, int, const char *);

/*
 * The stdout writer failed (a full disk, a closed pipe): stop as for any
 * other reason, saying why, also for EPIPE: unlike a filter, ac-upload has
 * sent rows whose results are now lost, and what was not sent must reach
 * the dead-letter file (ac-upload(1), Stopping). The rest of the input is
 * still read; the results go nowhere.
 */
static void
stdout_failed(struct run *r)
{
	char why[160];

	if (r->out_broken)
		return;
	r->out_broken = 1;
	/* err(3) style, as for the other files */
	snprintf(why, sizeof(why), "stdout: %s: stopping, nothing more is "
	    "sent", strerror(r->st.out.err));
	ac_warnx("%s", why);
	if (r->o->dry_run) {
		/* nothing to dead-letter: stop reading */
		r->eof = 1;
		r->stop = AC_EXIT_FATAL;
		return;
	}
	stop(r, AC_EXIT_FATAL, NULL);
}

struct outcome {
	const char *status;
	const char *code, *message;	/* NULL: no error */
	const char *request_id;
	jv job_id;			/* borrowed; invalid: unknown */
	int earlier;			/* delivered by an earlier attempt */
	int resent;			/* sent again after an unknown outcome */
	int attempts;
};

/* obj[a][b], owned, or jv_invalid(). Borrows obj. */
static jv
get2(jv obj, const char *a, const char *b)
{
	jv x = ac_obj_get(obj, a), v = ac_obj_get(x, b);

	jv_free(x);
	return v;
}

/*
 * A result record is written as text, member by member, in the order
 * the records have always had (tests compare them byte for byte): no jv
 * object is built for it.
 */
static void
put_key(struct ac_writer *w, int *n, const char *key)
{
	ac_write_bytes(w, *n == 0 ? "{\"" : ",\"", 2);
	ac_write_bytes(w, key, strlen(key));
	ac_write_bytes(w, "\":", 2);
	(*n)++;
}

static void
put_str(struct ac_writer *w, int *n, const char *key, const char *s)
{
	put_key(w, n, key);
	ac_write_string(w, s, strlen(s));
}

/* Put v (consumed) under key when it is valid. */
static void
put_val(struct ac_writer *w, int *n, const char *key, jv v)
{
	if (!jv_is_valid(v)) {
		jv_free(v);
		return;
	}
	put_key(w, n, key);
	ac_write_value(w, v);
}

/* Put v (consumed), else the conversion's value (gconv[a], or
 * gconv[a][b] when b is not NULL), under key. */
static void
put_from(struct ac_writer *w, int *n, const char *key, jv v, jv gconv,
    const char *a, const char *b)
{
	if (!jv_is_valid(v)) {
		jv_free(v);
		v = b != NULL ? get2(gconv, a, b) : ac_obj_get(gconv, a);
	}
	put_val(w, n, key, v);
}

/* The members of a row (what ac-batch said of it) that results use. */
enum {
	I_ORDER, I_ACTION, I_TIME, I_CLICK, I_KIND, I_ADJTYPE, I_ADJTIME,
	I_CALLTIME, I_CONSENT, I_FILE, I_LINE, I_KEEP, I_N
};
static const char *const info_keys[I_N] = {
	"order_id", "conversion_action", "conversion_date_time",
	"click_id_type", "kind", "adjustment_type", "adjustment_date_time",
	"call_start_date_time", "google-ads-consent", "file", "line", "keep"
};

/* val[i]: info[info_keys[i]], owned, or jv_invalid(); one pass over the
 * members instead of a look-up each. Borrows info. */
static void
info_scan(jv info, jv *val)
{
	int i;

	for (i = 0; i < I_N; i++)
		val[i] = jv_invalid();
	if (jv_get_kind(info) != JV_KIND_OBJECT)
		return;
	jv_object_foreach(info, k, v) {
		const char *ks = jv_string_value(k);
		/* the length too: a key may hold a NUL */
		size_t kl = (size_t)jv_string_length_bytes(jv_copy(k));

		for (i = 0; i < I_N && (strlen(info_keys[i]) != kl ||
		    memcmp(ks, info_keys[i], kl) != 0); i++)
			;
		if (i < I_N) {
			jv_free(val[i]);
			val[i] = v;
		} else {
			jv_free(v);
		}
		jv_free(k);
	}
}

/* The kind of a row: what ac-batch said (kind, borrowed), else the
 * method's. */
static enum ac_kind
row_kind(const struct req *rq, jv kind)
{
	const char *s = jv_get_kind(kind) == JV_KIND_STRING ?
	    jv_string_value(kind) : NULL;
	int k;

	for (k = 0; s != NULL && k < AC_NKINDS; k++)
		if (strcmp(s, ac_kind_names[k]) == 0)
			return (enum ac_kind)k;
	return rq->m->k;
}

/* The click ID type of a conversion without rows: the API's field. */
static const char *
click_type(const struct req *rq, enum ac_kind k, jv conv)
{
	jv ad = rq->m->api == API_DATAMANAGER ?
	    ac_obj_get(conv, "adIdentifiers") : k == AC_ADJUSTMENT ?
	    ac_obj_get(conv, "gclidDateTimePair") : jv_copy(conv);
	const char *s = "none";
	int t;

	for (t = AC_GCLID; t <= AC_WBRAID && k != AC_CALL; t++)
		if (ac_obj_str(ad, ac_click_names[t]) != NULL) {
			s = ac_click_names[t];
			break;
		}
	jv_free(ad);
	return s;
}

/* End a record's line, as ac_write() does. Returns -1 once a write
 * failed. */
static int
end_line(struct ac_writer *w)
{
	ac_write_bytes(w, "}\n", 2);
	if (w->len >= AC_WBUF_FLUSH)
		return ac_writer_flush(w);
	return w->err ? -1 : 0;
}

/*
 * The user identifiers a conversion body carries, by kind: the Data
 * Manager event's userData.userIdentifiers or the Google Ads API's
 * userIdentifiers. Counts only; the values are never read. Borrows conv.
 */
static void
put_identifiers(struct ac_writer *w, int *n, const struct req *rq, jv conv)
{
	static const char *const names[3] = { "email", "phone", "address" };
	static const char *const dmk[3] = { "emailAddress", "phoneNumber",
		"address" };
	static const char *const gak[3] = { "hashedEmail",
		"hashedPhoneNumber", "addressInfo" };
	const char *const *keys = rq->m->api == API_DATAMANAGER ? dmk : gak;
	jv ids = rq->m->api == API_DATAMANAGER ? get2(conv, "userData",
	    "userIdentifiers") : ac_obj_get(conv, "userIdentifiers");
	long long cnt[3] = { 0, 0, 0 };
	char num[24];
	int i, j, len, m = 0;

	len = jv_get_kind(ids) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(ids)) : 0;
	for (i = 0; i < len; i++) {
		jv x = jv_array_get(jv_copy(ids), i);

		for (j = 0; j < 3; j++)
			if (jv_get_kind(x) == JV_KIND_OBJECT &&
			    jv_object_has(jv_copy(x), jv_string(keys[j])))
				cnt[j]++;
		jv_free(x);
	}
	jv_free(ids);
	put_key(w, n, "identifiers");
	ac_write_bytes(w, "{", 1);
	for (j = 0; j < 3; j++) {
		if (cnt[j] == 0)
			continue;
		if (m++ > 0)
			ac_write_bytes(w, ",", 1);
		ac_write_bytes(w, "\"", 1);
		ac_write_bytes(w, names[j], strlen(names[j]));
		ac_write_bytes(w, "\":", 2);
		ac_write_bytes(w, num, ac_fmt_int(num, cnt[j]));
	}
	ac_write_bytes(w, "}", 1);
}

/* The time of a result, RFC 3339 UTC to the second (AC_NOW in tests),
 * into buf[21]; computed again only when the second changes. */
static const char *
sent_at(void)
{
	static char buf[24];
	static long long last = -1;
	const char *errstr;
	long long now;
	time_t t;
	struct tm tm;

	ac_time_env_now(&now, &errstr);
	if (now != last) {
		t = (time_t)now;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			buf[0] = '\0';
		last = now;
	}
	return buf;
}

/* Write the result record of row i of rq to w. */
static void
write_result(struct ac_writer *w, const struct req *rq, int i,
    const struct outcome *oc)
{
	jv info = jv_array_get(jv_copy(rq->info), i);
	jv conv = jv_array_get(jv_copy(rq->conv), i);
	jv val[I_N], gconv;
	enum ac_kind k;
	const char *s;
	char num[24];
	int n = 0, j;

	info_scan(info, val);
	jv_free(info);
	k = row_kind(rq, val[I_KIND]);
	/* A Data Manager event says less than ac-batch's rows: its
	 * fallbacks are none. */
	gconv = rq->m->api == API_GOOGLEADS ? jv_copy(conv) : jv_invalid();
	if ((jv_get_kind(val[I_ORDER]) == JV_KIND_STRING &&
	    *(s = jv_string_value(val[I_ORDER])) != '\0') ||
	    (s = ac_obj_str(conv, "orderId")) != NULL ||
	    (s = ac_obj_str(conv, "transactionId")) != NULL)
		put_str(w, &n, "order_id", s);
	put_str(w, &n, "customer_id", rq->cid);
	put_from(w, &n, "conversion_action", jv_copy(val[I_ACTION]), gconv,
	    "conversionAction", NULL);
	if (k == AC_ADJUSTMENT)
		put_from(w, &n, "conversion_date_time", jv_copy(val[I_TIME]),
		    gconv, "gclidDateTimePair", "conversionDateTime");
	else
		put_from(w, &n, "conversion_date_time", jv_copy(val[I_TIME]),
		    gconv, "conversionDateTime", NULL);
	put_val(w, &n, "click_id_type", jv_is_valid(val[I_CLICK]) ?
	    jv_copy(val[I_CLICK]) : jv_string(click_type(rq, k, conv)));
	put_str(w, &n, "kind", ac_kind_names[k]);
	if (k == AC_ADJUSTMENT) {
		put_from(w, &n, "adjustment_type", jv_copy(val[I_ADJTYPE]),
		    gconv, "adjustmentType", NULL);
		put_from(w, &n, "adjustment_date_time",
		    jv_copy(val[I_ADJTIME]), gconv, "adjustmentDateTime", NULL);
	} else if (k == AC_CALL) {
		put_from(w, &n, "call_start_date_time",
		    jv_copy(val[I_CALLTIME]), gconv, "callStartDateTime", NULL);
	}
	jv_free(gconv);
	put_val(w, &n, "google-ads-consent", jv_copy(val[I_CONSENT]));
	put_str(w, &n, "status", oc->status);
	if (oc->code != NULL) {
		put_key(w, &n, "error");
		ac_write_bytes(w, "{\"code\":", 8);
		ac_write_string(w, oc->code, strlen(oc->code));
		ac_write_bytes(w, ",\"message\":", 11);
		s = oc->message != NULL ? oc->message : "";
		ac_write_string(w, s, strlen(s));
		ac_write_bytes(w, "}", 1);
	}
	if (oc->request_id != NULL && oc->request_id[0] != '\0')
		put_str(w, &n, "request_id", oc->request_id);
	put_val(w, &n, "job_id", jv_copy(oc->job_id));
	put_key(w, &n, "attempts");
	ac_write_bytes(w, num, ac_fmt_int(num, oc->attempts));
	if (jv_is_valid(val[I_FILE])) {
		put_val(w, &n, "file", jv_copy(val[I_FILE]));
		put_val(w, &n, "line", jv_copy(val[I_LINE]));
	}
	/* ac-batch --keep: the fields the user named, as the rows hold
	 * them. */
	if (jv_get_kind(val[I_KEEP]) == JV_KIND_OBJECT)
		put_val(w, &n, "keep", jv_copy(val[I_KEEP]));
	if (oc->earlier) {
		put_key(w, &n, "delivered_earlier");
		ac_write_bytes(w, "true", 4);
	}
	if (oc->resent) {
		put_key(w, &n, "resent");
		ac_write_bytes(w, "true", 4);
	}
	put_str(w, &n, "api", apis[rq->m->api]);
	put_identifiers(w, &n, rq, conv);
	put_str(w, &n, "sent_at", sent_at());
	for (j = 0; j < I_N; j++)
		jv_free(val[j]);
	jv_free(conv);
}

/*
 * Count row i of rq and write its result record: what ac-batch said of it
 * (rows), else what the Google Ads API object says.
 */
static void
result(struct run *r, const struct req *rq, int i, const struct outcome *oc)
{
	r->nrows++;
	if (strcmp(oc->status, "uploaded") == 0)
		r->nup++;
	else if (strcmp(oc->status, "accepted") == 0)
		r->nacc++;
	else if (strcmp(oc->status, "validated") == 0)
		r->nval++;
	else if (strcmp(oc->status, "skipped") == 0)
		r->nskip++;
	else {
		if (strcmp(oc->status, "rejected") == 0)
			r->nrej++;
		else
			r->nfail++;
		count_code(r, oc->code != NULL ? oc->code : "unknown");
		rowmsg(r, rq, i, oc->status, oc->code != NULL ? oc->code :
		    "unknown");
	}
	/* A dry run prints requests, not results. */
	if (r->o->dry_run || r->out_broken)
		return;
	write_result(&r->st.out, rq, i, oc);
	if (end_line(&r->st.out) == -1)
		stdout_failed(r);
}

/* Requests */

/* The request object as sent: rows first, then the other members. */
static jv
request_of(const struct req *rq)
{
	jv req = jv_object_set(jv_object(), jv_string(rq->m->list),
	    jv_copy(rq->conv));

	/* jv_object_foreach borrows the object (and names it repeatedly). */
	jv_object_foreach(rq->base, k, v)
		req = jv_object_set(req, k, v);
	return req;
}

/*
 * Write the request object as sent, request_of(rq)'s text: the rows as
 * read when their text is the writer's, else written from conv.
 */
static void
write_request(struct ac_writer *w, const struct req *rq)
{
	int i;

	ac_write_bytes(w, "{", 1);
	ac_write_string(w, rq->m->list, strlen(rq->m->list));
	ac_write_bytes(w, ":[", 2);
	for (i = 0; i < rq->n; i++) {
		if (i > 0)
			ac_write_bytes(w, ",", 1);
		if (rq->span != NULL && rq->span[i].len > 0)
			ac_write_bytes(w, rq->text + rq->span[i].off,
			    rq->span[i].len);
		else
			ac_write_value(w, jv_array_get(jv_copy(rq->conv), i));
	}
	ac_write_bytes(w, "]", 1);
	jv_object_foreach(rq->base, k, v) {
		ac_write_bytes(w, ",", 1);
		ac_write_string(w, jv_string_value(k),
		    (size_t)jv_string_length_bytes(jv_copy(k)));
		ac_write_bytes(w, ":", 1);
		ac_write_value(w, v);
		jv_free(k);
	}
	ac_write_bytes(w, "}", 1);
}

/* The path of rq's method, for URLs and messages. */
static void
path_of(const struct opts *o, const struct req *rq, char *buf, size_t len)
{
	if (rq->m->api == API_DATAMANAGER)
		snprintf(buf, len, "/%s/%s", AC_DM_VERSION, rq->m->name);
	else
		snprintf(buf, len, "/%s/customers/%s:%s", o->version, rq->cid,
		    rq->m->name);
}

/* The request line of rq, as ac-batch writes it. */
static jv
line_of(const struct req *rq)
{
	jv line = jv_object_set(jv_object(), jv_string("api"),
	    jv_string(apis[rq->m->api]));

	line = jv_object_set(line, jv_string("customer_id"),
	    jv_string(rq->cid));

	if (rq->login[0] != '\0')
		line = jv_object_set(line, jv_string("login_customer_id"),
		    jv_string(rq->login));
	line = jv_object_set(line, jv_string("method"),
	    jv_string(rq->m->name));
	line = jv_object_set(line, jv_string("request"), request_of(rq));
	return jv_object_set(line, jv_string("rows"), jv_copy(rq->info));
}

static void
req_free(struct req *rq)
{
	int i;

	if (rq == NULL)
		return;
	jv_free(rq->base);
	jv_free(rq->conv);
	jv_free(rq->info);
	free(rq->text);
	free(rq->span);
	for (i = 0; i < rq->n; i++)
		free(rq->keys[i]);
	free(rq->keys);
	free(rq->unknown);
	free(rq->pos);
	free(rq);
}

/* A new request of rq's kind holding rows idx[0..n) of rq. */
static struct req *
req_subset(const struct req *rq, const int *idx, int n)
{
	struct req *s = xcalloc(1, sizeof(*s));
	int i;

	*s = *rq;
	s->next = NULL;
	s->base = jv_copy(rq->base);
	s->conv = jv_array();
	s->info = jv_array();
	s->keys = xcalloc((size_t)n, sizeof(char *));
	s->unknown = xcalloc((size_t)n, 1);
	s->pos = xcalloc((size_t)n, sizeof(int));
	s->n = n;
	s->text = NULL;
	s->span = NULL;
	if (rq->span != NULL) {
		size_t len = 0;

		for (i = 0; i < n; i++)
			len += rq->span[idx[i]].len;
		s->text = xcalloc(len, 1);
		s->span = xcalloc((size_t)n, sizeof(*s->span));
		for (len = 0, i = 0; i < n; i++) {
			s->span[i].off = len;
			s->span[i].len = rq->span[idx[i]].len;
			memcpy(s->text + len, rq->text + rq->span[idx[i]].off,
			    s->span[i].len);
			len += s->span[i].len;
		}
	}
	for (i = 0; i < n; i++) {
		s->conv = jv_array_append(s->conv,
		    jv_array_get(jv_copy(rq->conv), idx[i]));
		s->info = jv_array_append(s->info,
		    jv_array_get(jv_copy(rq->info), idx[i]));
		s->keys[i] = ac_strfmt("%s", rq->keys[idx[i]]);
		s->unknown[i] = rq->unknown[idx[i]] | rq->maybe_done;
		s->pos[i] = rq->pos[idx[i]];
	}
	if (rq->m->api == API_DATAMANAGER)
		s->base = ac_dm_prune(s->base, s->conv);
	return s;
}

/* Append rq whole to the dead-letter file, so that it can be replayed. */
static void
dead_letter(struct run *r, const struct req *rq)
{
	r->ndead++;
	if (!r->has_dl || r->dl_broken)
		return;
	if (ac_write(&r->dl, line_of(rq)) == -1 ||
	    ac_writer_flush(&r->dl) == -1) {
		errno = r->dl.err;
		ac_warn("dead-letter file %s", r->o->dead_letter);
		r->dl_broken = 1;
		stop(r, AC_EXIT_FATAL, NULL);
	}
}

/* Every row of rq failed with code: report them, keep the request in the
 * dead-letter file and release it. */
static void
fail_req(struct run *r, struct req *rq, const char *code, const char *msg,
    const char *rid)
{
	struct outcome oc = { "failed", code, msg, rid, jv_invalid(), 0, 0,
		rq->attempts };
	int i;

	oc.job_id = ac_obj_get(rq->base, "jobId");
	for (i = 0; i < rq->n; i++)
		result(r, rq, i, &oc);
	jv_free(oc.job_id);
	dead_letter(r, rq);
	req_free(rq);
	r->held--;
}

/*
 * A stop signal came: stop as for any other reason (ac-upload(1),
 * Stopping), with the exit status 128 + the signal's number unless the
 * run had already stopped for another reason.
 */
static void
check_signal(struct run *r)
{
	char why[160];
	int sig = got_sig;

	if (sig == 0 || r->sig != 0)
		return;
	r->sig = sig;
	snprintf(why, sizeof(why), "%s: the requests in flight are finished, "
	    "nothing more is sent (a second signal stops at once)",
	    sig == SIGHUP ? "SIGHUP" : sig == SIGINT ? "SIGINT" : "SIGTERM");
	stop(r, r->stop != 0 ? r->stop : 128 + sig, why);
}

static void
stop(struct run *r, int status, const char *why)
{
	struct req *rq;

	if (r->stop == 0 || (r->stop != AC_EXIT_FATAL &&
	    status == AC_EXIT_FATAL))
		r->stop = status;
	if (why != NULL)
		ac_warnx("stopping: %s", why);
	/* What is not in flight will not be sent. */
	while ((rq = r->ready) != NULL) {
		r->ready = rq->next;
		fail_req(r, rq, "ac.not_sent", "not sent: the run stopped",
		    NULL);
	}
	while ((rq = r->waiting) != NULL) {
		r->waiting = rq->next;
		fail_req(r, rq, "ac.not_sent", "not sent: the run stopped",
		    NULL);
	}
}

static void
push(struct req **list, struct req *rq)
{
	rq->next = NULL;
	while (*list != NULL)
		list = &(*list)->next;
	*list = rq;
}

/* A new request made of rows of one answered: ready, unless the run
 * stopped meanwhile. */
static void
requeue(struct run *r, struct req *rq)
{
	r->held++;
	if (r->stop != 0)
		fail_req(r, rq, "ac.not_sent", "not sent: the run stopped",
		    NULL);
	else
		push(&r->ready, rq);
}

/* The rows array, when given, must line up with the conversions. */
static int
rows_ok(jv rows, int n)
{
	int i, ok = 1;

	if (jv_get_kind(rows) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(rows)) != n)
		return 0;
	for (i = 0; i < n && ok; i++) {
		jv x = jv_array_get(jv_copy(rows), i);

		ok = jv_get_kind(x) == JV_KIND_OBJECT;
		jv_free(x);
	}
	return ok;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/*
 * Keep the text of rq's rows as the line has them (the reader's raw line,
 * which it sets for every line it reads), for those rows whose text is
 * what the writer would write: then the body sent is the same bytes
 * without writing 2000 conversions from jv again. Leaves rq->span NULL
 * when the line cannot tell (a request member twice, escaped keys).
 */
static void
row_texts(struct run *r, struct req *rq)
{
	const struct ac_reader *rd = &r->st.rd;
	const char *p = rd->raw, *end, *vs, *ve, *e;
	struct span *sp;
	size_t len = 0;
	int i;

	if (p == NULL || p < rd->buf || p + rd->rawlen > rd->buf + rd->end)
		return;
	end = p + rd->rawlen;
	if (ac_jspan_member(p, end, "request", &vs, &ve) != 1 ||
	    ac_jspan_member(vs, ve, rq->m->list, &vs, &ve) != 1 || *vs != '[')
		return;
	/* The elements: kept when canonical, else skipped. */
	sp = xcalloc((size_t)rq->n, sizeof(*sp));
	for (p = vs + 1, i = 0; i < rq->n; i++) {
		p = skip_ws(p, ve);
		if ((e = ac_jspan_canonical_end(p, ve)) != NULL) {
			sp[i].off = (size_t)(p - vs);
			sp[i].len = (size_t)(e - p);
		} else if ((e = ac_jspan_skip(p, ve)) == NULL) {
			break;
		}
		p = skip_ws(e, ve);
		if (p >= ve || *p++ != (i == rq->n - 1 ? ']' : ','))
			break;
	}
	if (i < rq->n) {
		free(sp);	/* not n elements: cannot tell */
		return;
	}
	rq->text = xcalloc((size_t)(ve - vs), 1);
	rq->span = sp;
	for (i = 0; i < rq->n; i++) {
		memcpy(rq->text + len, vs + sp[i].off, sp[i].len);
		sp[i].off = len;
		len += sp[i].len;
	}
}

/*
 * Check a request line and make it a request. Returns NULL with *err set
 * to an ac_err() value when the line is not a request.
 */
static struct req *
parse_line(struct run *r, const struct ac_rec *rec, jv *err)
{
	jv line = ac_rec_to_jv(rec), req, conv, rows, v;
	const struct method *m = NULL;
	struct req *rq = NULL;
	const char *s;
	size_t k;
	int i, n = 0, api = API_GOOGLEADS;

	*err = jv_null();
	/* Lines without "api" are the Google Ads API's (ac-batch wrote no
	 * "api" before the Data Manager API). */
	v = ac_obj_get(line, "api");
	if (jv_get_kind(v) != JV_KIND_INVALID && jv_get_kind(v) !=
	    JV_KIND_NULL) {
		s = ac_obj_str(line, "api");
		for (api = 0; s != NULL && api < 2; api++)
			if (strcmp(s, apis[api]) == 0)
				break;
		if (s == NULL || api == 2) {
			jv_free(v);
			*err = ac_err("api_unsupported", "api",
			    "expected datamanager or googleads");
			goto out;
		}
	}
	jv_free(v);
	s = ac_obj_str(line, "customer_id");
	if (s == NULL || !ten_digits(s)) {
		*err = ac_err("customer_id_invalid", "customer_id",
		    "expected a string of 10 digits");
		goto out;
	}
	v = ac_obj_get(line, "login_customer_id");
	if (jv_get_kind(v) != JV_KIND_INVALID &&
	    jv_get_kind(v) != JV_KIND_NULL && (jv_get_kind(v) !=
	    JV_KIND_STRING || !ten_digits(jv_string_value(v)))) {
		jv_free(v);
		*err = ac_err("login_customer_id_invalid",
		    "login_customer_id", "expected a string of 10 digits");
		goto out;
	}
	jv_free(v);
	if ((s = ac_obj_str(line, "method")) != NULL)
		for (k = 0; k < sizeof(methods) / sizeof(methods[0]); k++)
			if (strcmp(s, methods[k].name) == 0 &&
			    (int)methods[k].api == api)
				m = &methods[k];
	if (m == NULL) {
		*err = ac_err("method_unsupported", "method",
		    api == API_DATAMANAGER ? "expected events:ingest" :
		    "expected uploadClickConversions, uploadCallConversions "
		    "or uploadConversionAdjustments");
		goto out;
	}
	req = ac_obj_get(line, "request");
	conv = ac_obj_get(req, m->list);
	if (jv_get_kind(conv) == JV_KIND_ARRAY)
		n = jv_array_length(jv_copy(conv));
	for (i = 0; i < n; i++) {
		v = jv_array_get(jv_copy(conv), i);
		if (jv_get_kind(v) != JV_KIND_OBJECT)
			n = -1;
		jv_free(v);
	}
	if (n < 1 || n > ROWS_MAX) {
		jv_free(req);
		jv_free(conv);
		*err = ac_err("request_invalid", "request",
		    "expected an object with 1 to 2000 %s", m->list);
		goto out;
	}
	rows = ac_obj_get(line, "rows");
	if (jv_is_valid(rows) && jv_get_kind(rows) != JV_KIND_NULL &&
	    !rows_ok(rows, n)) {
		jv_free(req);
		jv_free(conv);
		jv_free(rows);
		*err = ac_err("rows_invalid", "rows", "expected an array of "
		    "objects, one per conversion");
		goto out;
	}

	rq = xcalloc(1, sizeof(*rq));
	rq->m = m;
	snprintf(rq->cid, sizeof(rq->cid), "%s", ac_obj_str(line,
	    "customer_id"));
	if ((s = ac_obj_str(line, "login_customer_id")) != NULL)
		snprintf(rq->login, sizeof(rq->login), "%s", s);
	snprintf(rq->src, sizeof(rq->src), "%s:%lu", r->st.rd.name,
	    r->st.rd.line);
	rq->base = jv_object_delete(req, jv_string(m->list));
	/* The Google Ads API refuses requests without partial failure
	 * (§1.2); Data Manager has none (it fails fast). */
	if (m->api == API_GOOGLEADS)
		rq->base = jv_object_set(rq->base,
		    jv_string("partialFailure"), jv_true());
	if (r->o->validate_only)
		rq->base = jv_object_set(rq->base, jv_string("validateOnly"),
		    jv_true());
	v = ac_obj_get(rq->base, "validateOnly");
	rq->validate = jv_get_kind(v) == JV_KIND_TRUE;
	jv_free(v);
	rq->conv = conv;
	if (jv_get_kind(rows) == JV_KIND_ARRAY) {
		rq->info = rows;
	} else {
		jv_free(rows);
		rq->info = jv_array();
		for (i = 0; i < n; i++)
			rq->info = jv_array_append(rq->info, jv_object());
	}
	rq->n = n;
	rq->keys = xcalloc((size_t)n, sizeof(char *));
	rq->unknown = xcalloc((size_t)n, 1);
	rq->pos = xcalloc((size_t)n, sizeof(int));
	for (i = 0; i < n; i++) {
		jv info = jv_array_get(jv_copy(rq->info), i);

		rq->pos[i] = i;
		v = jv_array_get(jv_copy(conv), i);
		rq->keys[i] = m->api == API_DATAMANAGER ?
		    ac_dm_row_key(rq->cid, v, info) :
		    ac_gads_row_key(rq->cid, &ac_gads_methods[m->k], v);
		jv_free(v);
		jv_free(info);
	}
	row_texts(r, rq);
out:
	jv_free(line);
	return rq;
}

/*
 * Take the rows the journal has as delivered out of rq (reporting them
 * skipped) and mark the ones sent before without an answer. Returns rq,
 * or NULL when no row is left.
 */
static struct req *
apply_journal(struct run *r, struct req *rq)
{
	struct outcome oc = { "skipped", NULL, NULL, NULL, jv_invalid(), 0, 0,
		0 };
	struct req *s;
	int *keep, nkeep = 0, i;

	if (!r->has_journal)
		return rq;
	keep = xcalloc((size_t)rq->n, sizeof(int));
	for (i = 0; i < rq->n; i++) {
		switch (ac_journal_get(&r->j, rq->keys[i],
		    strlen(rq->keys[i]))) {
		case AC_J_DONE:
			result(r, rq, i, &oc);
			break;
		case AC_J_SENT:
			rq->unknown[i] = 1;
			keep[nkeep++] = i;
			break;
		default:
			keep[nkeep++] = i;
			break;
		}
	}
	if (nkeep == rq->n) {
		free(keep);
		return rq;
	}
	s = nkeep > 0 ? req_subset(rq, keep, nkeep) : NULL;
	free(keep);
	req_free(rq);
	return s;
}

/* --dry-run: what would be sent. */
static void
dry_run(struct run *r, const struct req *rq)
{
	const struct opts *o = r->o;
	jv h = jv_object(), line;
	char path[160];

	h = jv_object_set(h, jv_string("authorization"),
	    jv_string("Bearer <redacted>"));
	h = jv_object_set(h, jv_string("content-type"),
	    jv_string("application/json"));
	/* Data Manager takes the accounts from the body, no developer
	 * token (data-manager.md §1.3). */
	if (rq->m->api == API_GOOGLEADS) {
		if (rq->login[0] != '\0' || r->acc.login[0] != '\0')
			h = jv_object_set(h, jv_string("login-customer-id"),
			    jv_string(rq->login[0] != '\0' ? rq->login :
			    r->acc.login));
		if (r->acc.linked != NULL)
			h = jv_object_set(h, jv_string("linked-customer-id"),
			    jv_string(r->acc.linked));
		if (r->acc.devtoken != NULL)
			h = jv_object_set(h, jv_string("developer-token"),
			    jv_string("<redacted>"));
	}
	path_of(o, rq, path, sizeof(path));
	line = jv_object_set(jv_object(), jv_string("method"),
	    jv_string("POST"));
	line = jv_object_set(line, jv_string("url"), jv_string_fmt("%s%s",
	    o->endpoint[rq->m->api], path));
	line = jv_object_set(line, jv_string("headers"), h);
	line = jv_object_set(line, jv_string("body"), request_of(rq));
	r->nreq++;
	r->nrows += (unsigned long)rq->n;
	if (r->out_broken)
		jv_free(line);
	else if (ac_write(&r->st.out, line) == -1)
		stdout_failed(r);
}

/* Network */

/*
 * A new access token from the credentials (force: not the cached one,
 * which was refused). On failure the run stops: 75 when retrying later
 * may help, else 3.
 */
static int
renew(struct run *r, int force)
{
	int temp;

	if (ac_access_renew(&r->acc, force, &temp) == -1) {
		stop(r, temp ? AC_EXIT_TEMPFAIL : AC_EXIT_FATAL,
		    "no new access token");
		return -1;
	}
	return 0;
}

/* Send rq on slot s. */
static void
start(struct run *r, struct slot *s, struct req *rq)
{
	const struct opts *o = r->o;
	struct ac_writer w;
	const char *login;
	char *url, path[160];
	int i;

	if (ac_access_due(&r->acc) && renew(r, 0) == -1) {
		push(&r->ready, rq);	/* stop() fails it */
		stop(r, r->stop, NULL);
		return;
	}
	/* "sent" only now that it will go: a row marked so is one whose
	 * delivery is unknown until an answer says. */
	if (r->has_journal && !rq->validate && !rq->journaled) {
		for (i = 0; i < rq->n; i++)
			ac_journal_put(&r->j, AC_J_SENT, rq->keys[i],
			    strlen(rq->keys[i]));
		if (ac_journal_sync(&r->j) == -1) {
			push(&r->ready, rq);	/* stop() fails it */
			stop(r, AC_EXIT_FATAL, "the journal cannot be written");
			return;
		}
		rq->journaled = 1;
	}
	if (ac_writer_init(&w, -1) == -1)
		ac_die(AC_EXIT_FATAL, "out of memory");
	write_request(&w, rq);
	login = rq->login[0] != '\0' ? rq->login : r->acc.login;
	if (ac_http_post_header(&s->p, "authorization", "Bearer ",
	    r->acc.token) == -1 || ac_http_post_header(&s->p, "content-type", "",
	    "application/json") == -1)
		ac_die(AC_EXIT_FATAL, "out of memory");
	/* Data Manager: no developer token, the accounts are in the body. */
	if (rq->m->api == API_GOOGLEADS &&
	    ((login[0] != '\0' && ac_http_post_header(&s->p,
	    "login-customer-id", "", login) == -1) || (r->acc.linked != NULL &&
	    ac_http_post_header(&s->p, "linked-customer-id", "",
	    r->acc.linked) == -1) || (r->acc.devtoken != NULL &&
	    ac_http_post_header(&s->p, "developer-token", "",
	    r->acc.devtoken) == -1)))
		ac_die(AC_EXIT_FATAL, "out of memory");
	s->gen = r->acc.gen;
	path_of(o, rq, path, sizeof(path));
	url = ac_strfmt("%s%s", o->endpoint[rq->m->api], path);
	ac_http_post_start(&s->p, url, w.buf, w.len, ANSWER_MAX);
	free(url);		/* libcurl keeps its own copy */
	curl_easy_setopt(s->p.h, CURLOPT_PRIVATE, s);
	s->rq = rq;
	rq->attempts++;
	r->nattempt++;
	if (rq->attempts == 1)
		r->nreq++;
	if (curl_multi_add_handle(r->multi, s->p.h) != CURLM_OK)
		ac_die(AC_EXIT_FATAL, "curl_multi_add_handle failed");
	r->inflight++;
}

/* Start what is due on the free slots. */
static void
start_due(struct run *r)
{
	struct req **pp, *rq;
	long long now = ac_clock_ms();
	int i;

	for (pp = &r->waiting; (rq = *pp) != NULL;) {
		if (rq->due <= now) {
			*pp = rq->next;
			push(&r->ready, rq);
		} else {
			pp = &rq->next;
		}
	}
	for (i = 0; i < r->nslot && r->ready != NULL && r->stop == 0; i++) {
		if (r->slot[i].rq != NULL)
			continue;
		rq = r->ready;
		r->ready = rq->next;
		start(r, &r->slot[i], rq);
	}
}

/* Decide what to do with a transient failure of rq. */
static void
retry(struct run *r, struct req *rq, const struct ac_http_verdict *v,
    const char *rid)
{
	const struct opts *o = r->o;
	long long wait;
	char why[320];

	rq->maybe_done |= v->unknown;
	if (r->stop != 0) {
		fail_req(r, rq, v->code, v->message, rid);
		return;
	}
	if (v->daily && (v->retry_ms < 0 || v->retry_ms > o->max_wait_ms)) {
		snprintf(why, sizeof(why), "%s: daily quota used up; run "
		    "again later", v->code);
		fail_req(r, rq, v->code, v->message, rid);
		stop(r, AC_EXIT_TEMPFAIL, why);
		return;
	}
	if (v->retry_ms > o->max_wait_ms) {
		snprintf(why, sizeof(why), "%s: the API asks to wait %llds, "
		    "more than --max-retry-wait", v->code,
		    (v->retry_ms + 999) / 1000);
		fail_req(r, rq, v->code, v->message, rid);
		stop(r, AC_EXIT_TEMPFAIL, why);
		return;
	}
	if (rq->retried >= o->retries) {
		snprintf(why, sizeof(why), "%s: no retries left", v->code);
		fail_req(r, rq, v->code, v->message, rid);
		stop(r, AC_EXIT_TEMPFAIL, why);
		return;
	}
	if (v->retry_ms >= 0)
		wait = v->retry_ms;
	else if (rq->m->api == API_DATAMANAGER)
		wait = ac_http_backoff_mult_ms(rq->retried + 1, o->dm_base_ms, 1.3,
		    DM_BACKOFF_CAP_MS, (double)random() / RAND_MAX);
	else
		wait = ac_http_backoff_ms(rq->retried + 1, o->base_ms,
		    BACKOFF_CAP_MS, (double)random() / RAND_MAX);
	if (wait > o->max_wait_ms)
		wait = o->max_wait_ms;
	if (!o->quiet) {
		char what[64], path[160];

		if (v->http == 0)
			snprintf(what, sizeof(what), "no answer");
		else if (v->http == 200 &&
		    strcmp(v->code, "ac.answer_too_large") != 0)
			snprintf(what, sizeof(what), "%d row%s", rq->n,
			    rq->n == 1 ? "" : "s");
		else
			snprintf(what, sizeof(what), "HTTP %ld", v->http);
		path_of(o, rq, path, sizeof(path));
		fprintf(stderr, "ac-upload: POST %s: %s %s, "
		    "retrying in %.3gs (%d retr%s left)\n", path, what,
		    v->code, (double)wait / 1000,
		    o->retries - rq->retried,
		    o->retries - rq->retried == 1 ? "y" : "ies");
	}
	rq->retried++;
	r->nretry++;
	rq->due = ac_clock_ms() + wait;
	push(&r->waiting, rq);
}

/*
 * Data Manager took the request (its 200 means accepted for processing,
 * not processed): every row is accepted, under the request ID that
 * RetrieveRequestStatus follows. Consumes ans.
 */
static void
dm_answered(struct run *r, struct slot *s, struct req *rq, jv ans)
{
	struct outcome oc;
	const char *id = ac_obj_str(ans, "requestId");
	int i;

	memset(&oc, 0, sizeof(oc));
	oc.status = rq->validate ? "validated" : "accepted";
	oc.request_id = id != NULL ? id : s->p.rid;
	oc.job_id = jv_invalid();
	oc.attempts = rq->attempts;
	for (i = 0; i < rq->n; i++) {
		/* Sent again after an attempt that may have gone through:
		 * Google de-duplicates by transactionId (data-manager.md
		 * §4.5), which the result says it relies on. */
		oc.resent = !rq->validate && (rq->unknown[i] || rq->maybe_done);
		if (r->has_journal && !rq->validate)
			ac_journal_put(&r->j, AC_J_DONE, rq->keys[i],
			    strlen(rq->keys[i]));
		result(r, rq, i, &oc);
	}
	if (r->has_journal && ac_journal_sync(&r->j) == -1)
		stop(r, AC_EXIT_FATAL, "the journal cannot be written");
	jv_free(ans);
	req_free(rq);
	r->held--;
}

/* A 2xx answer: one result per row. Consumes ans. */
static void
answered(struct run *r, struct slot *s, struct req *rq, jv ans)
{
	jv pfe = ac_obj_get(ans, "partialFailureError");
	jv results = ac_obj_get(ans, "results");
	struct ac_rowerr *row = xcalloc((size_t)rq->n, sizeof(*row)), wide;
	struct outcome oc;
	struct req *sub;
	int *again = xcalloc((size_t)rq->n, sizeof(int));
	int *dead = xcalloc((size_t)rq->n, sizeof(int));
	int nagain = 0, ndead = 0, i;
	const char *rid = s->p.rid, *setup = NULL;
	char ridbuf[128], why[600], unattr[400];

	if (rq->m->api == API_DATAMANAGER) {
		free(again);
		free(dead);
		free(row);
		jv_free(pfe);
		jv_free(results);
		dm_answered(r, s, rq, ans);
		return;
	}
	memset(&wide, 0, sizeof(wide));
	ac_gads_row_errors(pfe, rq->m->path, rq->n, row, &wide);
	/* An error that names no row of the request could be any row's. */
	snprintf(unattr, sizeof(unattr), "the answer's error %s names no row "
	    "of the request: what became of this row is unknown", wide.code);
	if (rid[0] == '\0') {
		jv d = ac_obj_get(pfe, "details"), f = jv_invalid(), v;

		if (jv_get_kind(d) == JV_KIND_ARRAY &&
		    jv_array_length(jv_copy(d)) > 0)
			f = jv_array_get(jv_copy(d), 0);
		v = ac_obj_get(f, "requestId");
		snprintf(ridbuf, sizeof(ridbuf), "%s",
		    jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "");
		rid = ridbuf;
		jv_free(v);
		jv_free(f);
		jv_free(d);
	}
	memset(&oc, 0, sizeof(oc));
	oc.request_id = rid;
	oc.attempts = rq->attempts;
	oc.job_id = ac_obj_get(ans, "jobId");
	if (!jv_is_valid(oc.job_id)) {
		jv_free(oc.job_id);
		oc.job_id = ac_obj_get(rq->base, "jobId");
	}
	if (jv_get_kind(oc.job_id) == JV_KIND_NUMBER) {
		/* int64 is a string in JSON, as the API writes it */
		jv t = jv_string_fmt("%.17g", jv_number_value(oc.job_id));

		jv_free(oc.job_id);
		oc.job_id = t;
	}
	for (i = 0; i < rq->n; i++) {
		const struct ac_rowerr *re = row[i].set ? &row[i] : NULL;
		jv res = jv_get_kind(results) == JV_KIND_ARRAY ?
		    jv_array_get(jv_copy(results), i) : jv_invalid();
		int has_result = jv_get_kind(res) == JV_KIND_OBJECT &&
		    jv_object_length(jv_copy(res)) > 0;

		jv_free(res);
		oc.code = oc.message = NULL;
		oc.earlier = 0;
		if (re == NULL && !has_result && !rq->validate &&
		    wide.set)
			re = &wide;
		if (re == NULL && wide.set &&
		    ac_gads_class(wide.code) != AC_GADS_SETUP) {
			/* Not a success: failed, dead-lettered, and "sent"
			 * in the journal (an unknown outcome), so that a
			 * re-run reads "already exists" as delivered. */
			oc.status = "failed";
			oc.code = "ac.error_unattributed";
			oc.message = unattr;
			dead[ndead++] = i;
			result(r, rq, i, &oc);
			continue;
		}
		if (re != NULL && ac_gads_code_retryable(re->code)) {
			again[nagain++] = i;
			continue;
		}
		if (re != NULL && ac_gads_class(re->code) == AC_GADS_SETUP) {
			/* the account, not the row: kept for a re-run */
			oc.status = "failed";
			oc.code = setup = re->code;
			oc.message = re->msg;
		} else if (re != NULL &&
		    ac_gads_class(re->code) == AC_GADS_ALREADY &&
		    !rq->validate && (rq->unknown[i] || rq->maybe_done)) {
			oc.status = "uploaded";
			oc.earlier = 1;
		} else if (re != NULL) {
			oc.status = ac_gads_class(re->code) == AC_GADS_LATER ? "failed" :
			    "rejected";
			oc.code = re->code;
			oc.message = re->msg;
		} else if (rq->validate) {
			oc.status = "validated";
		} else if (has_result) {
			oc.status = "uploaded";
		} else {
			oc.status = "failed";
			oc.code = "ac.no_result";
			oc.message = "the answer has no result for this row";
		}
		if (strcmp(oc.status, "failed") == 0)
			dead[ndead++] = i;
		/* Once answered, a row is no longer of unknown outcome. */
		if (r->has_journal && !rq->validate)
			ac_journal_put(&r->j, strcmp(oc.status, "uploaded") == 0 ?
			    AC_J_DONE : AC_J_ANSWERED, rq->keys[i],
			    strlen(rq->keys[i]));
		result(r, rq, i, &oc);
	}
	if (r->has_journal && ac_journal_sync(&r->j) == -1)
		stop(r, AC_EXIT_FATAL, "the journal cannot be written");
	if (ndead > 0) {
		sub = req_subset(rq, dead, ndead);
		dead_letter(r, sub);
		req_free(sub);
	}
	if (setup != NULL) {
		snprintf(why, sizeof(why), "%s: %s", setup,
		    ac_gads_advice(setup) != NULL ? ac_gads_advice(setup) :
		    "the account or the credentials are not set up for this");
		stop(r, AC_EXIT_FATAL, why);
	}
	if (nagain > 0) {
		struct ac_http_verdict v;

		sub = req_subset(rq, again, nagain);
		sub->journaled = rq->journaled;
		memset(&v, 0, sizeof(v));
		v.klass = AC_HTTP_RETRY;
		v.retry_ms = -1;
		v.http = 200;
		snprintf(v.code, sizeof(v.code), "%s", row[again[0]].code);
		ac_text_copy(v.message, sizeof(v.message),
		    row[again[0]].msg);
		r->held++;
		retry(r, sub, &v, rid);
	}
	jv_free(oc.job_id);
	jv_free(pfe);
	jv_free(results);
	jv_free(ans);
	free(row);
	free(again);
	free(dead);
	req_free(rq);
	r->held--;
}

/*
 * An attempt that certainly did not execute (no connection, or an error
 * answer such as 429 or 401): its rows are not of unknown outcome, unless
 * an earlier attempt was; the journal says so, and the next attempt marks
 * them "sent" again.
 */
static void
not_delivered(struct run *r, struct req *rq)
{
	int i;

	if (!r->has_journal || !rq->journaled || rq->maybe_done)
		return;
	for (i = 0; i < rq->n; i++)
		if (!rq->unknown[i])
			ac_journal_put(&r->j, AC_J_ANSWERED, rq->keys[i],
			    strlen(rq->keys[i]));
	rq->journaled = 0;
	if (ac_journal_sync(&r->j) == -1)
		stop(r, AC_EXIT_FATAL, "the journal cannot be written");
}

/*
 * A request refused because of the setup, not its rows (lib/gads and
 * lib/dm say which codes): its rows fail, not blamed, into the dead-letter
 * file, and the run stops with 3 and one line on what to do. Returns 1
 * when it was such a refusal.
 */
static int
setup_error(struct run *r, struct req *rq, const struct ac_http_verdict *v,
    const char *rid, const char *path)
{
	static const char dm[] = "datamanager.";
	const char *advice;
	char why[700], more[200];
	size_t n;

	if (v->http != 403 && ac_gads_class(v->code) != AC_GADS_SETUP &&
	    !(strncmp(v->code, dm, sizeof(dm) - 1) == 0 &&
	    ac_dm_setup_reason(v->code + sizeof(dm) - 1)))
		return 0;
	if ((advice = ac_gads_advice(v->code)) == NULL &&
	    (advice = ac_dm_advice(v->code)) == NULL)
		advice = "the credentials may not act for this account";
	more[0] = '\0';
	if (strcmp(v->code, "rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT") == 0)
		snprintf(more, sizeof(more), " (this request needs %s)",
		    rq->m->api == API_DATAMANAGER ? AC_DATAMANAGER_SCOPE :
		    AC_ADWORDS_SCOPE);
	n = strlen(v->message);
	snprintf(why, sizeof(why), "POST %s: HTTP %ld %s: %.*s%s; %s", path,
	    v->http, v->code, (int)(n > 0 && v->message[n - 1] == '.' ? n - 1 :
	    n), v->message, more, advice);
	fail_req(r, rq, v->code, v->message, rid);
	stop(r, AC_EXIT_FATAL, why);
	return 1;
}

/*
 * Data Manager refused the request (fast-fail: nothing of it was taken).
 * The events its field violations name are rejected and the others go
 * again; an answer that names no event is narrowed down by sending each
 * half on its own, so that one bad row costs a few requests, never the
 * other rows.
 */
static void
refused(struct run *r, struct req *rq, struct slot *s)
{
	struct outcome oc;
	struct ac_rowerr *row = xcalloc((size_t)rq->n, sizeof(*row)), wide;
	jv obj = jv_invalid(), err;
	char reason[80], perr[80], code[96], msg[256];
	int *keep, nkeep = 0, i, half;

	if (s->p.anslen > 0 && ac_utf8_valid(s->p.ans, s->p.anslen))
		obj = ac_json_parse(s->p.ans, s->p.anslen, NULL, perr,
		    sizeof(perr));
	err = ac_obj_get(obj, "error");
	memset(&wide, 0, sizeof(wide));
	ac_dm_refusal(err, rq->base, rq->conv, rq->n, row, &wide, reason,
	    sizeof(reason));
	memset(&oc, 0, sizeof(oc));
	oc.status = "rejected";
	oc.request_id = s->p.rid;
	oc.job_id = jv_invalid();
	oc.attempts = rq->attempts;
	keep = xcalloc((size_t)rq->n, sizeof(int));
	for (i = 0; i < rq->n; i++) {
		if (row[i].set) {
			oc.code = row[i].code;
			oc.message = row[i].msg;
			result(r, rq, i, &oc);
		} else {
			keep[nkeep++] = i;
		}
	}
	if (nkeep == rq->n) {
		nkeep = 0;
		snprintf(code, sizeof(code), "datamanager.%s", reason);
		if (wide.set || rq->n == 1) {
			/* the request as a whole, or one row: refused */
			ac_text_copy(msg, sizeof(msg),
			    ac_obj_str(err, "message") != NULL ?
			    ac_obj_str(err, "message") : "refused");
			oc.code = wide.set ? wide.code : code;
			oc.message = wide.set ? wide.msg : msg;
			for (i = 0; i < rq->n; i++)
				result(r, rq, i, &oc);
		} else {
			/* no event named: each half on its own */
			half = rq->n / 2;
			for (i = 0; i < rq->n; i++)
				keep[i] = i;
			requeue(r, req_subset(rq, keep, half));
			requeue(r, req_subset(rq, keep + half, rq->n - half));
			r->nsplit++;
		}
	} else if (nkeep > 0) {
		requeue(r, req_subset(rq, keep, nkeep));
	}
	free(keep);
	free(row);
	jv_free(err);
	jv_free(obj);
	req_free(rq);
	r->held--;
}

/* The transfer on s is over. */
static void
finished(struct run *r, struct slot *s, CURLcode cc)
{
	struct ac_http_verdict v;
	struct req *rq = s->rq;
	long status = 0;
	jv ans;
	char why[600], path[160];

	curl_easy_getinfo(s->p.h, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(r->multi, s->p.h);
	ac_http_post_done(&s->p);
	s->rq = NULL;
	r->inflight--;
	ac_http_classify(cc, status, s->p.ans, s->p.anslen,
	    s->p.retry_after[0] ? s->p.retry_after : NULL, time(NULL), &ans, &v);
	if (cc != CURLE_OK && s->p.errbuf[0] != '\0')
		ac_text_copy(v.message, sizeof(v.message), s->p.errbuf);
	if (cc == CURLE_WRITE_ERROR) {
		/* An answer came and could not be kept: the server may well
		 * have executed the request. Its rows stay "sent". */
		v.unknown = 1;
		if (s->p.toobig) {
			v.klass = AC_HTTP_RETRY;
			v.http = status;
			snprintf(v.code, sizeof(v.code), "ac.answer_too_large");
			snprintf(v.message, sizeof(v.message), "the answer "
			    "(HTTP %ld) is larger than %d MiB: what became of "
			    "the rows is unknown", status, ANSWER_MAX >> 20);
		}
	}
	if (v.klass != AC_HTTP_OK && !v.unknown && !s->p.rewound)
		not_delivered(r, rq);
	rq->maybe_done |= s->p.rewound;
	path_of(r->o, rq, path, sizeof(path));
	switch (v.klass) {
	case AC_HTTP_OK:
		answered(r, s, rq, ans);
		break;
	case AC_HTTP_RETRY:
		retry(r, rq, &v, s->p.rid);
		break;
	case AC_HTTP_FAIL:
		if (setup_error(r, rq, &v, s->p.rid, path))
			break;
		/* A 400 of Data Manager (or of Google's front end, which
		 * names the event it could not parse) is a fast-fail
		 * refusal; anything else (a 404 from a wrong --endpoint, say)
		 * is no verdict on the rows. */
		if (rq->m->api == API_DATAMANAGER && status == 400 &&
		    (strncmp(v.code, "datamanager.", 12) == 0 ||
		    strcmp(v.code, "rpc.INVALID_ARGUMENT") == 0)) {
			refused(r, rq, s);
			break;
		}
		if (!r->o->quiet)
			ac_warnx("POST %s: HTTP %ld %s: %s", path, status,
			    v.code, v.message);
		fail_req(r, rq, v.code, v.message, s->p.rid);
		break;
	case AC_HTTP_AUTH:
		/* An expired token: a new one, then this request again,
		 * once (issue: refresh once and retry). */
		if (r->acc.renewable && !rq->reauth && r->stop == 0 &&
		    (s->gen != r->acc.gen || renew(r, 1) == 0)) {
			if (!r->o->quiet)
				ac_warnx("POST %s: HTTP 401 %s, sending again "
				    "with a new access token", path, v.code);
			rq->reauth = 1;
			push(&r->ready, rq);
			break;
		}
		/* FALLTHROUGH */
	case AC_HTTP_FATAL:
		snprintf(why, sizeof(why), "POST %s: %s%s: %s", path,
		    v.klass == AC_HTTP_AUTH ? "HTTP 401 " : "", v.code,
		    v.message);
		fail_req(r, rq, v.code, v.message, s->p.rid);
		stop(r, AC_EXIT_FATAL, why);
		break;
	}
	if (!r->out_broken && ac_writer_flush(&r->st.out) == -1)
		stdout_failed(r);
}

static void
progress(struct run *r, int last)
{
	long long now;

	if (!r->tty || r->o->quiet)
		return;
	now = ac_clock_ms();
	if (!last && now - r->last_progress < 1000)
		return;
	r->last_progress = now;
	if (last) {
		clear_progress(r);
		return;
	}
	fprintf(stderr, "\rac-upload: %lu request%s read, %lu row%s done: "
	    "%lu taken, %lu rejected, %lu failed; %lu retr%s\033[K", r->nreq,
	    r->nreq == 1 ? "" : "s", r->nrows, r->nrows == 1 ? "" : "s",
	    r->nup + r->nacc + r->nval, r->nrej, r->nfail, r->nretry,
	    r->nretry == 1 ? "y" : "ies");
	r->progress_shown = 1;
}

/* Move the transfers on, waiting for them (or for fd to be readable, when
 * fd >= 0) at most until the next retry is due. */
static void
drive(struct run *r, int fd)
{
	struct curl_waitfd wfd = { fd, CURL_WAIT_POLLIN, 0 };
	struct req *rq;
	CURLMsg *msg;
	long long wait = 1000, now = ac_clock_ms();
	int running, left;
	struct slot *s;

	start_due(r);
	for (rq = r->waiting; rq != NULL; rq = rq->next)
		if (rq->due - now < wait)
			wait = rq->due - now;
	if (wait < 0)
		wait = 0;
	check_signal(r);
	curl_multi_poll(r->multi, fd >= 0 ? &wfd : NULL, fd >= 0 ? 1 : 0,
	    (int)wait, NULL);
	check_signal(r);
	curl_multi_perform(r->multi, &running);
	while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		s = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
		finished(r, s, msg->data.result);
	}
	start_due(r);
	progress(r, 0);
}

/* The reader waits for input: keep the transfers going meanwhile. */
static long long
idle(void *arg)
{
	struct run *r = arg;

	if (r->inflight == 0 && r->ready == NULL && r->waiting == NULL)
		return -1;
	drive(r, r->st.rd.fds[r->st.rd.cur]);
	return 0;
}

/*
 * When the token's scopes are known and lack the one rq's API needs,
 * Google would refuse every request of it: stop before sending any.
 */
static int
has_scope(struct run *r, struct req *rq)
{
	const char *need = rq->m->api == API_DATAMANAGER ?
	    AC_DATAMANAGER_SCOPE : AC_ADWORDS_SCOPE;
	char why[400];

	if (ac_oauth_has_scope(r->acc.scope, need) != 0)
		return 1;
	snprintf(why, sizeof(why), "the access token lacks the scope %s "
	    "that the %s API needs: run ac-token login again (it asks for "
	    "both scopes); ac-token check shows the token's scopes", need,
	    rq->m->api == API_DATAMANAGER ? "Data Manager" : "Google Ads");
	fail_req(r, rq, "ac.scope_missing", "the access token lacks the "
	    "scope this API needs", NULL);
	stop(r, AC_EXIT_FATAL, why);
	return 0;
}

/* One request line. */
static void
take_line(struct run *r, const struct ac_rec *rec)
{
	struct req *rq;
	jv err;

	rq = parse_line(r, rec, &err);
	if (rq == NULL) {
		ac_stage_put(&r->st, rec, err);
		return;
	}
	jv_free(err);
	check_signal(r);
	if ((rq = apply_journal(r, rq)) == NULL)
		return;
	if (r->o->dry_run) {
		dry_run(r, rq);
		req_free(rq);
		return;
	}
	r->held++;
	if (r->stop != 0) {
		fail_req(r, rq, "ac.not_sent", "not sent: the run stopped",
		    NULL);
		return;
	}
	if (!has_scope(r, rq))
		return;
	push(&r->ready, rq);
	start_due(r);
}

static void
summary(struct run *r, int status)
{
	int i;

	if (r->o->quiet && status == AC_EXIT_OK)
		return;
	if (r->o->dry_run) {
		fprintf(stderr, "ac-upload: dry run: %lu request%s, %lu row%s "
		    "not sent; %lu skipped", r->nreq, r->nreq == 1 ? "" : "s",
		    r->nrows - r->nskip, r->nrows - r->nskip == 1 ? "" : "s",
		    r->nskip);
		if (r->st.nrej > 0)
			fprintf(stderr, "; %lu input line%s rejected",
			    r->st.nrej, r->st.nrej == 1 ? "" : "s");
		fputs("\n", stderr);
		return;
	}
	fprintf(stderr, "ac-upload: %lu request%s, %lu row%s: ", r->nreq,
	    r->nreq == 1 ? "" : "s", r->nrows, r->nrows == 1 ? "" : "s");
	if (r->nacc > 0)
		fprintf(stderr, "%lu accepted, ", r->nacc);
	if (r->nup > 0 || r->nacc == 0)
		fprintf(stderr, "%lu uploaded, ", r->nup);
	fprintf(stderr, "%lu validated, %lu rejected, %lu failed, %lu skipped; "
	    "%lu retr%s", r->nval, r->nrej, r->nfail, r->nskip, r->nretry,
	    r->nretry == 1 ? "y" : "ies");
	if (r->nsplit > 0)
		fprintf(stderr, "; %lu refused request%s split to find the "
		    "bad rows", r->nsplit, r->nsplit == 1 ? "" : "s");
	if (r->st.nrej > 0)
		fprintf(stderr, "; %lu input line%s rejected", r->st.nrej,
		    r->st.nrej == 1 ? "" : "s");
	fputs("\n", stderr);
	if (r->codes[0].code != NULL) {
		fputs("ac-upload: errors:", stderr);
		for (i = 0; i < NCODES && r->codes[i].code != NULL; i++)
			fprintf(stderr, "%s %s %lu", i ? "," : "",
			    r->codes[i].code, r->codes[i].n);
		fputs("\n", stderr);
	}
	if (r->nfail > 0 && !r->has_dl)
		ac_warnx("%lu failed row%s not kept: --dead-letter FILE keeps "
		    "them for a re-run", r->nfail, r->nfail == 1 ? "" : "s");
}

static long long
seconds_opt(const char *arg, const char *name, long long min, long long max)
{
	const char *errstr;
	long long v = ac_strtonum(arg, min, max, &errstr);

	if (errstr != NULL) {
		ac_warnx("%s: %s, expected %lld to %lld", name, errstr, min,
		    max);
		usage(stderr, AC_EXIT_USAGE);
	}
	return v;
}

static int
open_dead_letter(struct run *r)
{
	int fd;

	fd = open(r->o->dead_letter, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		ac_warn("dead-letter file %s", r->o->dead_letter);
		return -1;
	}
	if (ac_writer_init(&r->dl, fd) == -1)
		ac_die(AC_EXIT_FATAL, "out of memory");
	r->has_dl = 1;
	return 0;
}

static int
setup_network(struct run *r)
{
	struct ac_http_conf c;
	char err[256];
	int i;

	memset(&c, 0, sizeof(c));
	c.cacert = r->o->cacert;
	c.timeout_ms = (long)r->o->timeout_ms;
	c.connect_timeout_ms = CONNECT_TIMEOUT_MS < c.timeout_ms ?
	    CONNECT_TIMEOUT_MS : c.timeout_ms;
	c.user_agent = "ac-upload/" AC_VERSION;
	if ((r->multi = curl_multi_init()) == NULL) {
		ac_warnx("curl_multi_init failed");
		return -1;
	}
	r->nslot = r->o->jobs;
	for (i = 0; i < r->nslot; i++) {
		r->slot[i].p.h = ac_http_easy(&c, r->slot[i].p.errbuf, err,
		    sizeof(err));
		if (r->slot[i].p.h == NULL) {
			ac_warnx("libcurl: %s", err);
			return -1;
		}
	}
	return 0;
}

static void
teardown(struct run *r)
{
	int i;

	for (i = 0; i < r->nslot; i++) {
		ac_http_post_free(&r->slot[i].p);
	}
	if (r->multi != NULL)
		curl_multi_cleanup(r->multi);
	for (i = 0; i < NCODES; i++)
		free(r->codes[i].code);
}

/*
 * Which file a name (or fd, when it is not -1) is, as a regular file: its
 * device and inode, or for a
 * name that does not exist yet (which would be created), those of its
 * directory and its last component. Symbolic links are followed, also
 * dangling ones. Returns 0, or -1 when it is no regular file to be (a
 * device, a pipe) or cannot be told (the open will say why).
 */
/*
 * No file may play two roles: an input that is also the dead-letter file
 * grows while it is read, a journal that is also the rejects file is
 * emptied, and so on (lib/stage, ac_roles_distinct). Returns 0, or -1
 * having said which.
 */
static int
distinct_files(const struct opts *o, int argc, char *argv[])
{
	struct ac_role *ro = xcalloc((size_t)argc + 5, sizeof(*ro));
	int n = 0, i, r;

	for (i = 0; i < argc || (argc == 0 && i == 0); i++) {
		const char *name = argc == 0 ? "-" : argv[i];
		int is_stdin = strcmp(name, "-") == 0;

		n += ac_role_id(&ro[n], "input", is_stdin ? "<stdin>" : name,
		    is_stdin ? STDIN_FILENO : -1, 1) == 0;
	}
	n += ac_role_id(&ro[n], "standard output", "", STDOUT_FILENO, 0) == 0;
	if (o->rejects != NULL)
		n += ac_role_id(&ro[n], "rejects file", o->rejects, -1, 0) == 0;
	if (o->journal != NULL)
		n += ac_role_id(&ro[n], "journal", o->journal, -1, 0) == 0;
	if (o->dead_letter != NULL && !o->dry_run)
		n += ac_role_id(&ro[n], "dead-letter file", o->dead_letter, -1,
		    0) == 0;
	r = ac_roles_distinct(ro, n);
	free(ro);
	return r;
}

int
main(int argc, char *argv[])
{
	static struct run run;
	struct run *r = &run;
	struct ac_access_conf ac_conf;
	struct opts o;
	struct ac_rec rec;
	const char *s;
	char why[160], *ep[2] = { NULL, NULL };
	int ch, status, api;

	ac_setprogname("ac-upload");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ac_diex(AC_EXIT_FATAL, "curl_global_init failed");
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	memset(&ac_conf, 0, sizeof(ac_conf));
	o.jobs = 1;
	o.retries = 5;
	o.max_wait_ms = 300000;
	o.timeout_ms = 120000;
	o.base_ms = 1000;
	o.dm_base_ms = DM_BACKOFF_MS;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hj:qR:Vv", longopts,
	    NULL)) != -1) {
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
		case OPT_DEAD_LETTER:
			o.dead_letter = optarg;
			break;
		case OPT_DEVTOKEN_FILE:
			o.devtoken_file = optarg;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_ENDPOINT:
			o.endpoint[0] = o.endpoint[1] = optarg;
			break;
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case 'j':
			o.jobs = (int)seconds_opt(optarg, "--jobs", 1,
			    JOBS_MAX);
			break;
		case OPT_JOURNAL:
			o.journal = optarg;
			break;
		case OPT_MAX_RETRY_WAIT:
			o.max_wait_ms = 1000 * seconds_opt(optarg,
			    "--max-retry-wait", 0, 86400);
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'R':
			o.rejects = optarg;
			break;
		case OPT_RETRIES:
			o.retries = (int)seconds_opt(optarg, "--retries", 0,
			    100);
			break;
		case OPT_TIMEOUT:
			o.timeout_ms = 1000 * seconds_opt(optarg, "--timeout",
			    1, 86400);
			break;
		case OPT_TOKEN_URI:
			o.token_uri = optarg;
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
		default:
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	/* --endpoint (AC_ENDPOINT) is the base of both APIs: one emulator
	 * serves both; else each has its own host. */
	ac_env_default(&o.endpoint[API_GOOGLEADS], "AC_ENDPOINT",
	    AC_GADS_ENDPOINT);
	ac_env_default(&o.endpoint[API_DATAMANAGER], "AC_ENDPOINT",
	    AC_DM_ENDPOINT);
	ac_env_default(&o.version, "AC_API_VERSION", AC_GADS_VERSION);
	for (api = 0; api < 2; api++) {
		if ((ep[api] = ac_http_endpoint(o.endpoint[api], why,
		    sizeof(why))) == NULL) {
			ac_warnx("endpoint: %s", why);
			usage(stderr, AC_EXIT_USAGE);
		}
		o.endpoint[api] = ep[api];
	}
	methods_init();
	if (!ac_gads_version_ok(o.version)) {
		ac_warnx("api version: expected v and a number, as v25");
		usage(stderr, AC_EXIT_USAGE);
	}
	if ((s = getenv("AC_RETRY_BASE_MS")) != NULL && *s != '\0') {
		const char *errstr;

		o.base_ms = ac_strtonum(s, 1, 60000, &errstr);
		if (errstr != NULL)
			ac_diex(AC_EXIT_USAGE, "AC_RETRY_BASE_MS: %s", errstr);
		o.dm_base_ms = o.base_ms;
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	/* Acquire everything before the first record. */
	r->o = &o;
	r->tty = isatty(STDERR_FILENO);
	status = AC_EXIT_FATAL;
	if (distinct_files(&o, argc, argv) == -1)
		goto done;
	if (o.token_uri == NULL && (s = getenv("AC_TOKEN_URI")) != NULL &&
	    *s != '\0')
		o.token_uri = s;
	if (o.token_uri != NULL && !ac_http_url_ok(o.token_uri, why,
	    sizeof(why))) {
		ac_warnx("token URI: %s", why);
		status = AC_EXIT_USAGE;
		goto done;
	}
	ac_conf.token_file = o.token_file;
	ac_conf.devtoken_file = o.devtoken_file;
	ac_conf.config = o.config;
	ac_conf.token_uri = o.token_uri;
	ac_conf.cacert = o.cacert;
	ac_conf.user_agent = "ac-upload/" AC_VERSION;
	ac_conf.base_ms = o.base_ms;	/* AC_RETRY_BASE_MS, checked above */
	ac_conf.no_token = o.dry_run;
	if ((status = ac_access_open(&r->acc, &ac_conf)) != 0)
		goto done;
	status = AC_EXIT_FATAL;
	if (o.journal != NULL) {
		if (ac_journal_open(&r->j, o.journal, o.dry_run) == -1)
			goto done;
		r->has_journal = 1;
	}
	if (o.dead_letter != NULL && !o.dry_run && open_dead_letter(r) == -1)
		goto done;
	if (!o.dry_run && setup_network(r) == -1)
		goto done;
	if (ac_stage_open(&r->st, "ac-upload", argc, argv, o.rejects, NULL) == -1)
		goto done;
	r->st.quiet = o.quiet;
	r->st.verbose = o.verbose;
	r->st.own_summary = 1;
	r->st.rd.idle = idle;
	r->st.rd.idle_arg = r;
	if (!o.dry_run)
		catch_signals();

	ac_rec_init(&rec);
	for (;;) {
		if (!r->eof && r->held < o.jobs) {
			if (!ac_stage_next(&r->st, &rec)) {
				r->eof = 1;
				continue;
			}
			take_line(r, &rec);
			continue;
		}
		if (r->held == 0)
			break;
		drive(r, -1);
	}
	ac_rec_free(&rec);
	progress(r, 1);
	if (r->out_broken) {
		/* said already: not again at the close */
		r->st.out.err = 0;
		r->st.out.len = 0;
	}
	status = ac_stage_finish(&r->st);
	if (r->stop != 0)
		status = r->stop;
	else if (status == AC_EXIT_OK && (r->nrej > 0 || r->nfail > 0))
		status = AC_EXIT_DATA;
	summary(r, status);
done:
	if (r->has_dl) {
		/* fsync(2) says EINVAL for pipes and devices: nothing to
		 * make durable there. */
		if ((ac_writer_close(&r->dl) == -1 || (fsync(r->dl.fd) == -1 &&
		    errno != EINVAL)) && !r->dl_broken) {
			ac_warn("dead-letter file %s", o.dead_letter);
			status = AC_EXIT_FATAL;
		}
		close(r->dl.fd);
	}
	if (r->has_journal && ac_journal_close(&r->j) == -1)
		status = AC_EXIT_FATAL;
	teardown(r);
	ac_access_close(&r->acc);
	free(ep[0]);
	free(ep[1]);
	curl_global_cleanup();
	if (r->sig != 0 && status == 128 + r->sig) {
		/* Stopped by the signal: end as its default action would, so
		 * that a shell sees it (128 + its number). */
		signal(r->sig, SIG_DFL);
		raise(r->sig);
	}
	return status;
}

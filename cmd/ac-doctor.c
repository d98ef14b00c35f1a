/* SPDX-License-Identifier: MIT */
/*
 * ac-doctor: preflight of an upload. Reads conversion records or request
 * lines (NDJSON, as ac-pick-clickid or ac-batch write them), or takes the
 * customers and conversion actions from --customer and --action, learns
 * which customers and conversion actions are in use and what is sent to
 * each (clicks, calls, adjustments, click ID types, user data, values),
 * and checks them through googleAds:search (lib/search): the credentials
 * and their scopes, the customer (reachable, customer data terms,
 * enhanced conversions for leads, which account tracks its conversions),
 * each conversion action (exists, enabled, type, goal, counting, value
 * settings, click-through window) and its recent upload health.
 *
 * Reads customer_id, login_customer_id, conversion_action, gclid, gbraid,
 * wbraid, click_id_type, caller_id, adjustment_type, conversion_value,
 * adjusted_value and the hashed identifiers' names (never their values);
 * of request lines api, customer_id, login_customer_id, rows and request.
 * Writes one finding per check: {check, customer_id, conversion_action,
 * severity, code, message, fix} and, for some checks, days or status and
 * alerts. Exit 3 when a finding is an error (uploads would fail).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jv.h>

#include "access.h"
#include "diag.h"
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

struct opts {
	const char *endpoint, *version, *cacert, *config, *token_file;
	const char *devtoken_file, *token_uri, *rejects, *login;
	int api;		/* bits of enum api: for records and options */
	unsigned kind;		/* --kind: what --action sends */
	int retries, quiet, table;
	long long timeout_ms, max_wait_ms, base_ms;
};

enum { API_GOOGLEADS = 1, API_DATAMANAGER = 2 };

/* What is sent to a conversion action: kinds and click ID types. */
enum {
	K_CLICK = 1, K_CALL = 2, K_ENHANCEMENT = 4, K_RETRACTION = 8,
	K_RESTATEMENT = 16
};
enum { C_GCLID = 1, C_GBRAID = 2, C_WBRAID = 4 };

struct action {
	char id[20];
	unsigned kinds, clicks;
	int userdata, value;
};

struct customer {
	char id[11], login[11];
	int apis, userdata, leads;
	struct action *a;
	int na, cap;
};

enum sev { S_OK, S_INFO, S_WARNING, S_ERROR };
static const char *const sevs[] = { "ok", "info", "warning", "error" };

struct run {
	const struct opts *o;
	struct customer *c;
	int nc, cap;
	struct ac_access acc;
	struct ac_search s;
	struct ac_writer out;
	int stop;		/* exit status that ended the checks */
	unsigned long nsev[4];
	/* the table on stderr: one line per finding */
	char **table;
	size_t ntable;
};

enum {
	OPT_TOKEN_FILE = 256, OPT_API, OPT_API_VERSION, OPT_CACERT,
	OPT_CONFIG, OPT_DEVTOKEN_FILE, OPT_ENDPOINT, OPT_KIND, OPT_LOGIN,
	OPT_MAX_RETRY_WAIT, OPT_RETRIES, OPT_TABLE, OPT_TIMEOUT, OPT_TOKEN_URI
};

static const struct option longopts[] = {
	{ "access-token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "action", required_argument, NULL, 'a' },
	{ "api", required_argument, NULL, OPT_API },
	{ "api-version", required_argument, NULL, OPT_API_VERSION },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "customer", required_argument, NULL, 'c' },
	{ "developer-token-file", required_argument, NULL, OPT_DEVTOKEN_FILE },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "help", no_argument, NULL, 'h' },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "login-customer-id", required_argument, NULL, OPT_LOGIN },
	{ "max-retry-wait", required_argument, NULL, OPT_MAX_RETRY_WAIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rejects", required_argument, NULL, 'R' },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "token-uri", required_argument, NULL, OPT_TOKEN_URI },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-doctor [-hqV] [-a ACTION] [-c CUSTOMER] "
	    "[-R FILE] [--access-token-file FILE] [--api API] "
	    "[--api-version VERSION] [--cacert FILE] [--config FILE] "
	    "[--developer-token-file FILE] [--endpoint URL] [--kind KIND] "
	    "[--login-customer-id ID] [--max-retry-wait SECONDS] "
	    "[--retries N] [--table] [--timeout SECONDS] [--token-uri URL] "
	    "[FILE ...]\n"
	    "  -a, --action ACTION             check this conversion action "
	    "(repeatable)\n"
	    "      --access-token-file FILE    OAuth access token from FILE "
	    "(default: $AC_ACCESS_TOKEN)\n"
	    "      --api API                   datamanager (default) or "
	    "googleads: the API uploads use\n"
	    "      --api-version VERSION       Google Ads API version (default "
	    AC_GADS_VERSION ")\n"
	    "  -c, --customer CUSTOMER         check this customer "
	    "(repeatable)\n"
	    "      --cacert FILE               trust the CA certificates in "
	    "FILE\n"
	    "      --config FILE               credentials from this "
	    "google-ads.yaml\n"
	    "      --developer-token-file FILE send a developer-token header "
	    "from FILE\n"
	    "      --endpoint URL              base URL of the Google Ads API "
	    "(default its Google host)\n"
	    "  -h, --help                      show this help\n"
	    "      --kind KIND                 what --action actions receive: "
	    "click (default), lead,\n"
	    "                                  call, enhancement, retraction "
	    "or restatement\n"
	    "      --login-customer-id ID      the manager to reach "
	    "--customer through\n"
	    "      --max-retry-wait SECONDS    longest wait before a retry "
	    "(default 300)\n"
	    "  -q, --quiet                     no table, no summary, no "
	    "retry messages\n"
	    "  -R, --rejects FILE              write unusable input lines to "
	    "FILE\n"
	    "      --retries N                 retries per request (default "
	    "5)\n"
	    "      --table                     a table of the findings on "
	    "stderr, even when not a terminal\n"
	    "      --timeout SECONDS           limit for one attempt "
	    "(default 120)\n"
	    "      --token-uri URL             the OAuth token endpoint "
	    "(default " AC_TOKEN_URI ")\n"
	    "  -V, --version                   show the version\n");
	exit(status);
}

/*
 * A conversion action: customers/{cid}/conversionActions/{id}, its parts
 * into cid (may stay "") and id[20]; or the digits of an ID alone.
 * Returns -1 when it is neither.
 */
static int
action_name(const char *s, char *cid, char *id)
{
	static const char pre[] = "customers/", mid[] = "/conversionActions/";
	const char *p;
	size_t n;

	cid[0] = '\0';
	if (strncmp(s, pre, sizeof(pre) - 1) == 0) {
		p = s + sizeof(pre) - 1;
		n = strspn(p, "0123456789");
		if (n != 10 || strncmp(p + n, mid, sizeof(mid) - 1) != 0)
			return -1;
		memcpy(cid, p, 10);
		cid[10] = '\0';
		s = p + n + sizeof(mid) - 1;
	}
	n = strspn(s, "0123456789");
	if (n == 0 || n > 18 || s[n] != '\0' || s[0] == '0')
		return -1;
	memcpy(id, s, n + 1);
	return 0;
}

static struct customer *
customer(struct run *r, const char *cid, const char *login)
{
	struct customer *c;
	int i;

	for (i = 0; i < r->nc; i++)
		if (strcmp(r->c[i].id, cid) == 0) {
			c = &r->c[i];
			if (c->login[0] == '\0' && login != NULL)
				snprintf(c->login, sizeof(c->login), "%s",
				    login);
			return c;
		}
	if (r->nc == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->c = ac_xreallocarray(r->c, (size_t)r->cap, sizeof(*r->c));
	}
	c = &r->c[r->nc++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", cid);
	if (login != NULL)
		snprintf(c->login, sizeof(c->login), "%s", login);
	return c;
}

static struct action *
action(struct customer *c, const char *id)
{
	int i;

	for (i = 0; i < c->na; i++)
		if (strcmp(c->a[i].id, id) == 0)
			return &c->a[i];
	if (c->na == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->a = ac_xreallocarray(c->a, (size_t)c->cap, sizeof(*c->a));
	}
	memset(&c->a[c->na], 0, sizeof(c->a[0]));
	snprintf(c->a[c->na].id, sizeof(c->a[0].id), "%s", id);
	return &c->a[c->na++];
}

/* What one conversion sends to action aid of customer c. */
static void
note(struct customer *c, int api, const char *aid, unsigned kind,
    unsigned clicks, int userdata, int value)
{
	struct action *a = action(c, aid);

	c->apis |= api;
	a->kinds |= kind;
	a->clicks |= clicks;
	a->userdata |= userdata;
	a->value |= value;
	c->userdata |= userdata;
	if (kind == K_CLICK && userdata)
		c->leads = 1;
}

static unsigned
kind_of(const char *kind, const char *adj)
{
	if (adj != NULL && strcmp(adj, "ENHANCEMENT") == 0)
		return K_ENHANCEMENT;
	if (adj != NULL && strcmp(adj, "RETRACTION") == 0)
		return K_RETRACTION;
	if (adj != NULL && strcmp(adj, "RESTATEMENT") == 0)
		return K_RESTATEMENT;
	if (kind != NULL && strcmp(kind, "call") == 0)
		return K_CALL;
	return K_CLICK;
}

static unsigned
click_bits(const char *type)
{
	if (type == NULL)
		return 0;
	return strcmp(type, "gclid") == 0 ? C_GCLID : strcmp(type, "gbraid") ==
	    0 ? C_GBRAID : strcmp(type, "wbraid") == 0 ? C_WBRAID : 0;
}

/* Nonzero when obj has key with a value that is not null. Borrows. */
static int
has(jv obj, const char *key)
{
	jv v = ac_obj_get(obj, key);
	int k = jv_get_kind(v);

	jv_free(v);
	return k != JV_KIND_INVALID && k != JV_KIND_NULL;
}

/* A conversion record. Borrows line. */
static jv
take_record(struct run *r, jv line)
{
	static const char *const ids[] = {
		"hashed_email", "hashed_phone_number", "hashed_first_name",
		"hashed_last_name", "hashed_street_address", "email", "phone"
	};
	const char *s, *login;
	char acid[11], aid[20], cid[11], lid[11];
	unsigned clicks;
	size_t i;
	int userdata = 0;

	if ((s = ac_obj_str(line, "conversion_action")) == NULL)
		return ac_err("conversion_action_missing", "conversion_action",
		    "no conversion_action");
	if (action_name(s, acid, aid) == -1)
		return ac_err("conversion_action_invalid", "conversion_action",
		    "expected customers/{customer_id}/conversionActions/{id}");
	if ((s = ac_obj_str(line, "customer_id")) != NULL) {
		if (ac_customer_id(s, cid) == -1)
			return ac_err("customer_id_invalid", "customer_id",
			    "expected ten digits");
	} else if (acid[0] != '\0') {
		memcpy(cid, acid, sizeof(cid));
	} else {
		return ac_err("customer_id_missing", "customer_id",
		    "no customer_id");
	}
	login = NULL;
	if ((s = ac_obj_str(line, "login_customer_id")) != NULL) {
		if (ac_customer_id(s, lid) == -1)
			return ac_err("login_customer_id_invalid",
			    "login_customer_id", "expected ten digits");
		login = lid;
	}
	clicks = click_bits(ac_obj_str(line, "click_id_type"));
	clicks |= (ac_obj_str(line, "gclid") ? C_GCLID : 0) |
	    (ac_obj_str(line, "gbraid") ? C_GBRAID : 0) |
	    (ac_obj_str(line, "wbraid") ? C_WBRAID : 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		userdata |= has(line, ids[i]);
	note(customer(r, cid, login), r->o->api, aid,
	    kind_of(has(line, "caller_id") ? "call" : NULL,
	    ac_obj_str(line, "adjustment_type")), clicks, userdata,
	    has(line, "conversion_value") || has(line, "adjusted_value"));
	return jv_null();
}

/* A request line of ac-batch. Borrows line. */
static jv
take_request(struct run *r, jv line)
{
	const char *s, *list;
	char cid[11], lid[11], acid[11], aid[20];
	struct customer *c;
	jv rows, req, conv, row, el;
	int api = API_GOOGLEADS, i, n, bad = 0;

	if ((s = ac_obj_str(line, "api")) != NULL) {
		if (strcmp(s, "datamanager") == 0)
			api = API_DATAMANAGER;
		else if (strcmp(s, "googleads") != 0)
			return ac_err("api_unsupported", "api",
			    "expected datamanager or googleads");
	}
	if ((s = ac_obj_str(line, "customer_id")) == NULL ||
	    ac_customer_id(s, cid) == -1)
		return ac_err("customer_id_invalid", "customer_id",
		    "expected ten digits");
	s = ac_obj_str(line, "login_customer_id");
	if (s != NULL && ac_customer_id(s, lid) == -1)
		return ac_err("login_customer_id_invalid", "login_customer_id",
		    "expected ten digits");
	rows = ac_obj_get(line, "rows");
	if (jv_get_kind(rows) != JV_KIND_ARRAY) {
		jv_free(rows);
		return ac_err("rows_missing", "rows", "expected the rows "
		    "ac-batch writes");
	}
	c = customer(r, cid, s != NULL ? lid : NULL);
	req = ac_obj_get(line, "request");
	list = api == API_DATAMANAGER ? "events" : has(req,
	    "conversionAdjustments") ? "conversionAdjustments" :
	    "conversions";
	conv = ac_obj_get(req, list);
	n = jv_array_length(jv_copy(rows));
	for (i = 0; i < n; i++) {
		int userdata, value;

		row = jv_array_get(jv_copy(rows), i);
		el = jv_get_kind(conv) == JV_KIND_ARRAY &&
		    i < jv_array_length(jv_copy(conv)) ?
		    jv_array_get(jv_copy(conv), i) : jv_object();
		s = ac_obj_str(row, "conversion_action");
		if (s == NULL || action_name(s, acid, aid) == -1) {
			bad = 1;
		} else {
			userdata = has(el, "userIdentifiers") ||
			    has(el, "userData");
			value = has(el, "conversionValue") ||
			    has(el, "restatementValue");
			note(c, api, aid, kind_of(ac_obj_str(row, "kind"),
			    ac_obj_str(row, "adjustment_type")),
			    click_bits(ac_obj_str(row, "click_id_type")),
			    userdata, value);
		}
		jv_free(el);
		jv_free(row);
	}
	jv_free(conv);
	jv_free(req);
	jv_free(rows);
	if (bad)
		return ac_err("conversion_action_invalid", "rows",
		    "a row without a conversion_action");
	return jv_null();
}

static int
read_input(struct run *r, int argc, char *argv[])
{
	struct ac_stage st;
	struct ac_rec rec;
	jv line, res;
	int status;

	if (ac_stage_open(&st, "ac-doctor", argc, argv, r->o->rejects, NULL) == -1)
		return AC_EXIT_FATAL;
	st.quiet = r->o->quiet;
	st.own_summary = 1;
	ac_rec_init(&rec);
	while (ac_stage_next(&st, &rec)) {
		line = ac_rec_to_jv(&rec);
		res = has(line, "request") ? take_request(r, line) :
		    take_record(r, line);
		jv_free(line);
		if (jv_get_kind(res) == JV_KIND_NULL)
			jv_free(res);
		else
			ac_stage_put(&st, &rec, res);
	}
	ac_rec_free(&rec);
	status = ac_stage_finish(&st);
	if (status == AC_EXIT_DATA && !r->o->quiet)
		ac_warnx("%lu of %lu input lines not usable", st.nrej, st.nin);
	return status;
}

/* Findings */

/*
 * Write one finding: consumes extra (an object of more members, or
 * jv_null()). a is the action's ID or NULL for a customer's check, cid
 * NULL for the run's.
 */
static void
finding(struct run *r, const char *check, const char *cid, const char *a,
    enum sev sev, const char *code, const char *fix, jv extra,
    const char *fmt, ...) __attribute__((format(printf, 9, 10)));

static void
finding(struct run *r, const char *check, const char *cid, const char *a,
    enum sev sev, const char *code, const char *fix, jv extra,
    const char *fmt, ...)
{
	char msg[600], name[64], line[200];
	va_list ap;
	jv o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ac_text_clean(msg);
	if (a != NULL)
		snprintf(name, sizeof(name), "customers/%s/conversionActions/%s",
		    cid, a);
	o = jv_object_set(jv_object(), jv_string("check"), jv_string(check));
	o = jv_object_set(o, jv_string("customer_id"), cid != NULL ?
	    jv_string(cid) : jv_null());
	o = jv_object_set(o, jv_string("conversion_action"), a != NULL ?
	    jv_string(name) : jv_null());
	o = jv_object_set(o, jv_string("severity"), jv_string(sevs[sev]));
	o = jv_object_set(o, jv_string("code"), jv_string(code));
	o = jv_object_set(o, jv_string("message"), jv_string(msg));
	o = jv_object_set(o, jv_string("fix"), fix != NULL ? jv_string(fix) :
	    jv_null());
	if (jv_get_kind(extra) == JV_KIND_OBJECT)
		o = jv_object_merge(o, extra);
	else
		jv_free(extra);
	ac_write(&r->out, o);
	r->nsev[sev]++;
	snprintf(line, sizeof(line), "%-8s %-30s %-10s %-19s %s", sevs[sev],
	    check, cid != NULL ? cid : "-", a != NULL ? a : "-", code);
	r->table = ac_xreallocarray(r->table, r->ntable + 1, sizeof(*r->table));
	r->table[r->ntable++] = ac_strfmt("%s", line);
}

/* The value at a dotted camelCase path of a result row, owned. Borrows. */
static jv
at(jv row, const char *path)
{
	char part[96];
	const char *p = path, *dot;
	jv v = jv_copy(row), next;
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

/* A string member (enum, int64) of a row into buf, "" when absent. */
static const char *
str_at(jv row, const char *path, char *buf, size_t len)
{
	jv v = at(row, path);

	buf[0] = '\0';
	if (jv_get_kind(v) == JV_KIND_STRING)
		ac_text_copy(buf, len, jv_string_value(v));
	else if (jv_get_kind(v) == JV_KIND_NUMBER)
		snprintf(buf, len, "%.0f", jv_number_value(v));
	jv_free(v);
	return buf;
}

/* A bool member: 1, 0, or def when absent (proto3 JSON leaves out false
 * for fields without presence: pass 0 for those). */
static int
bool_at(jv row, const char *path, int def)
{
	jv v = at(row, path);
	int k = jv_get_kind(v);

	jv_free(v);
	return k == JV_KIND_TRUE ? 1 : k == JV_KIND_FALSE ? 0 : def;
}

/*
 * Run a query for customer c. Returns the rows, or jv_invalid() after the
 * failure was dealt with: the run stops (r->stop) for credentials, a
 * temporary or local failure; a refusal is left to the caller (*v).
 */
static jv
query(struct run *r, const struct customer *c, const char *q,
    struct ac_http_verdict *v)
{
	jv rows;

	if (ac_search_run(&r->s, c->id, c->login[0] != '\0' ? c->login :
	    r->acc.login, q, &rows, v) == 0)
		return rows;
	switch (v->klass) {
	case AC_HTTP_AUTH:
		finding(r, "credentials", NULL, NULL, S_ERROR, "token_refused",
		    "check the credentials with ac-token check; get a new "
		    "token (ac-token login)", jv_null(), "the API refused "
		    "the access token (%s)", v->code);
		r->stop = AC_EXIT_FATAL;
		break;
	case AC_HTTP_RETRY:
		ac_warnx("googleAds:search: %s: %s; giving up", v->code,
		    v->message);
		r->stop = AC_EXIT_TEMPFAIL;
		break;
	case AC_HTTP_FATAL:
		ac_warnx("googleAds:search: %s", v->message);
		r->stop = AC_EXIT_FATAL;
		break;
	default:
		if (strcmp(v->code, "rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT") ==
		    0) {
			finding(r, "credentials", NULL, NULL, S_ERROR,
			    "scope_missing", "run ac-token login again (it "
			    "asks for both scopes)", jv_null(), "the access "
			    "token lacks the scope %s that googleAds:search "
			    "needs", AC_ADWORDS_SCOPE);
			r->stop = AC_EXIT_FATAL;
		}
		break;
	}
	return jv_invalid();
}

/* The scopes of the APIs in use against what the token carries. */
static int
check_credentials(struct run *r, int apis)
{
	const char *sc = r->acc.scope;
	char need[200];

	need[0] = '\0';
	if ((apis & API_DATAMANAGER) &&
	    ac_oauth_has_scope(sc, AC_DATAMANAGER_SCOPE) == 0)
		snprintf(need, sizeof(need), "%s", AC_DATAMANAGER_SCOPE);
	if ((apis & API_GOOGLEADS) &&
	    ac_oauth_has_scope(sc, AC_ADWORDS_SCOPE) == 0)
		snprintf(need + strlen(need), sizeof(need) - strlen(need),
		    "%s%s", need[0] ? " " : "", AC_ADWORDS_SCOPE);
	if (need[0] != '\0') {
		finding(r, "credentials", NULL, NULL, S_ERROR, "scope_missing",
		    "run ac-token login again (it asks for both scopes), or "
		    "give a service account both in AC_SCOPES", jv_null(),
		    "the access token lacks %s, which the upload needs", need);
		return 0;
	}
	if (ac_oauth_has_scope(sc, AC_ADWORDS_SCOPE) == 0) {
		finding(r, "credentials", NULL, NULL, S_WARNING,
		    "search_scope_missing", "give the credentials the adwords "
		    "scope too (ac-token login asks for both)", jv_null(),
		    "the access token carries the Data Manager scope but not "
		    "%s: the accounts cannot be checked", AC_ADWORDS_SCOPE);
		return 0;
	}
	if (sc == NULL)
		finding(r, "credentials", NULL, NULL, (apis & API_DATAMANAGER) ?
		    S_WARNING : S_INFO, "scopes_unknown", (apis &
		    API_DATAMANAGER) ? "use credentials ac-token can renew, "
		    "or check the token with ac-token check" : NULL, jv_null(),
		    "the scopes of a given access token are not known%s",
		    (apis & API_DATAMANAGER) ? ": whether it carries the Data "
		    "Manager scope cannot be told" : "");
	else
		finding(r, "credentials", NULL, NULL, S_OK, "credentials_ok",
		    NULL, jv_null(), "the access token carries the scopes "
		    "the upload needs");
	return 1;
}

static const char customer_q[] =
    "SELECT customer.id, customer.status, "
    "customer.conversion_tracking_setting.conversion_tracking_id, "
    "customer.conversion_tracking_setting."
    "cross_account_conversion_tracking_id, "
    "customer.conversion_tracking_setting.accepted_customer_data_terms, "
    "customer.conversion_tracking_setting.conversion_tracking_status, "
    "customer.conversion_tracking_setting."
    "enhanced_conversions_for_leads_enabled, "
    "customer.conversion_tracking_setting.google_ads_conversion_customer "
    "FROM customer";

/* The customer's checks. Returns 0 when its actions can be checked. */
static int
check_customer(struct run *r, const struct customer *c)
{
	struct ac_http_verdict v;
	const char *login = c->login[0] != '\0' ? c->login : r->acc.login;
	char conv[64], status[64], via[40];
	const char *cc;
	jv rows, row;

	rows = query(r, c, customer_q, &v);
	if (!jv_is_valid(rows)) {
		if (r->stop != 0)
			return -1;
		if (strcmp(v.code, "authorizationError.USER_PERMISSION_DENIED")
		    == 0)
			finding(r, "customer_access", c->id, NULL, S_ERROR,
			    "customer_not_reachable", "set login_customer_id "
			    "(or --login-customer-id) to a manager account "
			    "the credentials' user belongs to", jv_null(),
			    "the credentials cannot reach the customer%s%s "
			    "(%s)", login[0] ? " through login customer " : "",
			    login, v.code);
		else if (strcmp(v.code,
		    "authorizationError.CUSTOMER_NOT_ENABLED") == 0)
			finding(r, "customer_access", c->id, NULL, S_ERROR,
			    "customer_not_enabled", "upload to an enabled "
			    "account", jv_null(), "the account is not enabled "
			    "or was deactivated (%s)", v.code);
		else
			finding(r, "customer_access", c->id, NULL, S_ERROR,
			    "customer_refused", NULL, jv_null(), "googleAds:"
			    "search refused: HTTP %ld %s", v.http, v.code);
		return -1;
	}
	snprintf(via, sizeof(via), "%s%s", login[0] ? " through login "
	    "customer " : "", login);
	row = jv_array_get(jv_copy(rows), 0);
	jv_free(rows);
	if (!jv_is_valid(row)) {
		finding(r, "customer_access", c->id, NULL, S_ERROR,
		    "customer_refused", NULL, jv_null(), "no customer row in "
		    "the answer");
		return -1;
	}
	finding(r, "customer_access", c->id, NULL, S_OK, "customer_reachable",
	    NULL, jv_null(), "the credentials reach the customer%s", via);

	if (bool_at(row, "customer.conversionTrackingSetting."
	    "acceptedCustomerDataTerms", 0))
		finding(r, "customer_data_terms", c->id, NULL, S_OK,
		    "data_terms_accepted", NULL, jv_null(), "the customer "
		    "data terms are accepted");
	else
		finding(r, "customer_data_terms", c->id, NULL, c->userdata ?
		    S_ERROR : S_WARNING, "data_terms_not_accepted", "accept "
		    "the customer data terms in Google Ads (Goals, "
		    "Conversions, Settings)", jv_null(), "the customer data "
		    "terms are not accepted: conversions with user data are "
		    "refused (CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS)%s",
		    c->userdata ? "" : "; none is sent here");

	if (bool_at(row, "customer.conversionTrackingSetting."
	    "enhancedConversionsForLeadsEnabled", 0))
		finding(r, "enhanced_conversions_for_leads", c->id, NULL, S_OK,
		    "ecl_enabled", NULL, jv_null(), "enhanced conversions for "
		    "leads are on");
	else
		finding(r, "enhanced_conversions_for_leads", c->id, NULL,
		    c->leads ? S_ERROR : S_INFO, "ecl_disabled", c->leads ?
		    "turn on enhanced conversions for leads in Google Ads "
		    "(Goals, Conversions, Settings)" : NULL, jv_null(),
		    "enhanced conversions for leads are off%s", c->leads ?
		    ": leads (click conversions with user data) are refused "
		    "(CUSTOMER_NOT_ENABLED_ENHANCED_CONVERSIONS_FOR_LEADS)" :
		    "; no lead is sent here");

	str_at(row, "customer.conversionTrackingSetting."
	    "googleAdsConversionCustomer", conv, sizeof(conv));
	str_at(row, "customer.conversionTrackingSetting."
	    "conversionTrackingStatus", status, sizeof(status));
	cc = strncmp(conv, "customers/", 10) == 0 ? conv + 10 : conv;
	if (cc[0] != '\0' && strcmp(cc, c->id) != 0) {
		int dm = (c->apis & API_DATAMANAGER) != 0;
		char fix[160];

		snprintf(fix, sizeof(fix), "send customer_id %s%s", cc, dm ?
		    " (the operating account Data Manager needs)" : "");
		finding(r, "conversion_tracking", c->id, NULL, dm ? S_ERROR :
		    S_WARNING, "tracked_by_other_account", fix,
		    jv_object_set(jv_object(), jv_string("conversion_customer"),
		    jv_string(cc)), "conversions of this customer are tracked "
		    "by customer %s (%s)%s", cc, status, dm ? ": Data Manager "
		    "takes only the account that owns the conversion actions" :
		    ": uploads should name that customer "
		    "(INVALID_CUSTOMER_FOR_CLICK)");
	} else if (strcmp(status, "NOT_CONVERSION_TRACKED") == 0) {
		finding(r, "conversion_tracking", c->id, NULL, S_WARNING,
		    "not_conversion_tracked", "set up conversion tracking in "
		    "Google Ads", jv_null(), "the customer does not use "
		    "conversion tracking");
	} else {
		finding(r, "conversion_tracking", c->id, NULL, S_OK,
		    "tracked_by_self", NULL, jv_null(), "the customer tracks "
		    "its own conversions (%s)", status[0] ? status :
		    "status not given");
	}
	jv_free(row);
	return 0;
}

/* The action types that take what a is sent; NULL when all is well. */
static const char *
type_misfit(const struct action *a, const char *type, char *want,
    size_t len)
{
	static const struct {
		unsigned kind;
		const char *what, *types;
	} rules[] = {
		{ K_CLICK, "click conversions", " UPLOAD_CLICKS " },
		{ K_CALL, "call conversions", " UPLOAD_CALLS " },
		{ K_ENHANCEMENT, "enhancements", " WEBPAGE " },
		{ K_RETRACTION, "retractions",
		    " UPLOAD_CLICKS WEBPAGE SALESFORCE " },
		{ K_RESTATEMENT, "restatements",
		    " UPLOAD_CLICKS WEBPAGE SALESFORCE " },
	};
	char t[80];
	size_t i;

	snprintf(t, sizeof(t), " %s ", type);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if ((a->kinds & rules[i].kind) &&
		    strstr(rules[i].types, t) == NULL) {
			snprintf(want, len, "%s", rules[i].types + 1);
			want[strlen(want) - 1] = '\0';
			return rules[i].what;
		}
	return NULL;
}

static void
check_action(struct run *r, const struct customer *c, const struct action *a,
    jv row)
{
	char status[32], type[64], counting[32], days[24], want[64];
	const char *id = a->id, *what;
	int primary, counted;

	if (!jv_is_valid(row)) {
		finding(r, "conversion_action", c->id, id, S_ERROR,
		    "action_not_found", "check the conversion action ID; "
		    "create an upload action in Google Ads", jv_null(), "the "
		    "customer has no such conversion action "
		    "(NO_CONVERSION_ACTION_FOUND)");
		return;
	}
	str_at(row, "conversionAction.status", status, sizeof(status));
	if (strcmp(status, "ENABLED") == 0)
		finding(r, "conversion_action", c->id, id, S_OK,
		    "action_enabled", NULL, jv_null(), "the conversion action "
		    "exists and is enabled");
	else
		finding(r, "conversion_action", c->id, id, S_ERROR,
		    strcmp(status, "REMOVED") == 0 ? "action_removed" :
		    strcmp(status, "HIDDEN") == 0 ? "action_hidden" :
		    "action_not_enabled", "upload to an enabled conversion "
		    "action", jv_null(), "the conversion action is %s, not "
		    "ENABLED", status[0] ? status : "of unknown status");

	str_at(row, "conversionAction.type", type, sizeof(type));
	if ((what = type_misfit(a, type, want, sizeof(want))) != NULL)
		finding(r, "action_type", c->id, id, S_ERROR,
		    "action_type_mismatch", "send them to an action of a "
		    "fitting type", jv_null(), "the conversion action is of "
		    "type %s; %s need %s (INVALID_CONVERSION_ACTION_TYPE)",
		    type[0] ? type : "UNSPECIFIED", what, want);
	else
		finding(r, "action_type", c->id, id, S_OK, "action_type_ok",
		    NULL, jv_null(), "type %s fits what is sent", type);

	/* primary_for_goal "will be true if not set" (conversion_action
	 * proto); include_in_conversions_metric likewise read as true. */
	primary = bool_at(row, "conversionAction.primaryForGoal", 1);
	counted = bool_at(row, "conversionAction.includeInConversionsMetric",
	    1);
	if (!primary || !counted)
		finding(r, "goal", c->id, id, S_WARNING, !primary ?
		    "not_primary" : "not_in_conversions", "make the action "
		    "primary for its goal in Google Ads if it should drive "
		    "bidding", jv_null(), "the conversion action is %s: its "
		    "conversions are recorded but will not drive bidding",
		    !primary && !counted ? "secondary and not in the "
		    "Conversions column" : !primary ? "secondary (not "
		    "primary for its goal)" : "not included in the "
		    "Conversions column");
	else
		finding(r, "goal", c->id, id, S_OK, "drives_bidding", NULL,
		    jv_null(), "primary for its goal and counted in "
		    "Conversions");

	str_at(row, "conversionAction.countingType", counting,
	    sizeof(counting));
	if (strcmp(counting, "ONE_PER_CLICK") == 0 &&
	    (a->clicks & (C_GBRAID | C_WBRAID)))
		finding(r, "counting", c->id, id, S_ERROR,
		    "one_per_click_with_braid", "count every conversion "
		    "(MANY_PER_CLICK), or send these conversions to another "
		    "action", jv_null(), "the action counts one conversion "
		    "per click, and gbraid or wbraid conversions are refused "
		    "for it (ONE_PER_CLICK_CONVERSION_ACTION_NOT_PERMITTED_"
		    "WITH_BRAID)");
	else
		finding(r, "counting", c->id, id, S_OK, "counting_ok", NULL,
		    jv_null(), "counting %s", counting[0] ? counting :
		    "not given");

	if (bool_at(row, "conversionAction.valueSettings."
	    "alwaysUseDefaultValue", 0) && (a->kinds & K_RESTATEMENT))
		finding(r, "value_settings", c->id, id, S_ERROR,
		    "restatement_default_value", "turn off \"always use the "
		    "default value\", or send no restatements", jv_null(),
		    "the action always uses its default value, so "
		    "restatements are refused (CANNOT_RESTATE_CONVERSION_"
		    "ACTION_THAT_ALWAYS_USES_DEFAULT_CONVERSION_VALUE)");
	else if (bool_at(row, "conversionAction.valueSettings."
	    "alwaysUseDefaultValue", 0) && a->value)
		finding(r, "value_settings", c->id, id, S_WARNING,
		    "value_ignored", "turn off \"always use the default "
		    "value\" to record the values sent", jv_null(), "the "
		    "action always uses its default value: the values sent "
		    "are ignored");
	else
		finding(r, "value_settings", c->id, id, S_OK,
		    "value_settings_ok", NULL, jv_null(), "the value settings "
		    "take what is sent");

	str_at(row, "conversionAction.clickThroughLookbackWindowDays", days,
	    sizeof(days));
	if (days[0] != '\0')
		finding(r, "click_through_window", c->id, id, S_INFO,
		    "click_through_window", NULL, jv_object_set(jv_object(),
		    jv_string("days"), jv_number(strtod(days, NULL))),
		    "conversions must follow their click within %s days "
		    "(older ones are refused: EXPIRED_EVENT)", days);
	else
		finding(r, "click_through_window", c->id, id, S_INFO,
		    "click_through_window_unknown", NULL, jv_null(), "the "
		    "click-through window is not given");
}

/* Worst first: how much an upload summary status asks for attention. */
static int
health_rank(const char *status)
{
	static const char *const order[] = {
		"NEEDS_ATTENTION", "NO_RECENT_UPLOAD", "GOOD", "EXCELLENT"
	};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(status, order[i]) == 0)
			return i;
	return 4;
}

/* The alerts of a summary row, as [{code, share}], and as text. */
static jv
alerts_of(jv sum, char *text, size_t len)
{
	jv al = ac_obj_get(sum, "alerts"), out = jv_array();
	int i, n;
	size_t used = 0;

	text[0] = '\0';
	n = jv_get_kind(al) == JV_KIND_ARRAY ? jv_array_length(jv_copy(al)) :
	    0;
	for (i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(al), i);
		jv err = ac_obj_get(x, "error"), pct = ac_obj_get(x,
		    "errorPercentage");
		char code[96];
		double share = jv_get_kind(pct) == JV_KIND_NUMBER ?
		    jv_number_value(pct) : 0;

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
		if (code[0] != '\0') {
			out = jv_array_append(out, jv_object_set(jv_object_set(
			    jv_object(), jv_string("code"), jv_string(code)),
			    jv_string("share"), jv_number(share)));
			if (used < len)
				used += (size_t)snprintf(text + used, len - used,
				    "%s%s %.0f%%", used ? ", " : "", code,
				    share * 100);
		}
		jv_free(pct);
		jv_free(err);
		jv_free(x);
	}
	jv_free(al);
	return out;
}

static void
check_health(struct run *r, const struct customer *c, const struct action *a,
    jv sums)
{
	char status[40], best[40], text[400], tot[24], ok[24];
	jv pick = jv_invalid(), extra;
	int i, n = jv_array_length(jv_copy(sums));

	/* every client's summary (Data Manager's is not documented: dm
	 * open question 9); the one that asks for most attention */
	best[0] = '\0';
	for (i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(sums), i);
		jv s = ac_obj_get(x, "offlineConversionUploadConversionActionSummary");

		str_at(s, "conversionActionId", tot, sizeof(tot));
		str_at(s, "status", status, sizeof(status));
		if (strcmp(tot, a->id) == 0 && (best[0] == '\0' ||
		    health_rank(status) < health_rank(best))) {
			jv_free(pick);
			pick = jv_copy(s);
			snprintf(best, sizeof(best), "%s", status);
		}
		jv_free(s);
		jv_free(x);
	}
	if (!jv_is_valid(pick)) {
		finding(r, "upload_health", c->id, a->id, S_INFO,
		    "no_upload_history", NULL, jv_null(), "no upload summary "
		    "for this action yet");
		return;
	}
	str_at(pick, "totalEventCount", tot, sizeof(tot));
	str_at(pick, "successfulEventCount", ok, sizeof(ok));
	extra = jv_object_set(jv_object(), jv_string("status"),
	    jv_string(best));
	extra = jv_object_set(extra, jv_string("alerts"), alerts_of(pick, text,
	    sizeof(text)));
	if (strcmp(best, "NEEDS_ATTENTION") == 0)
		finding(r, "upload_health", c->id, a->id, S_WARNING,
		    "upload_needs_attention", "fix what the alerts' error codes "
		    "say; ac-upload's results name the rows", extra,
		    "recent uploads need attention: %s of %s events "
		    "succeeded%s%s", ok[0] ? ok : "0", tot[0] ? tot : "0",
		    text[0] ? "; alerts: " : "", text);
	else if (strcmp(best, "NO_RECENT_UPLOAD") == 0)
		finding(r, "upload_health", c->id, a->id, S_INFO,
		    "no_recent_upload", NULL, extra, "no recent upload");
	else
		finding(r, "upload_health", c->id, a->id, S_OK,
		    "upload_healthy", NULL, extra, "recent uploads: %s (%s of "
		    "%s events succeeded)%s%s", best[0] ? best : "UNSPECIFIED",
		    ok[0] ? ok : "0", tot[0] ? tot : "0", text[0] ?
		    "; alerts: " : "", text);
	jv_free(pick);
}

/* "a, b, c" of the action IDs of c from i, at most IDS_PER_QUERY. */
static char *
id_list(const struct customer *c, int i)
{
	size_t len = 1, used = 0;
	int j, end = i + IDS_PER_QUERY < c->na ? i + IDS_PER_QUERY : c->na;
	char *s;

	for (j = i; j < end; j++)
		len += strlen(c->a[j].id) + 2;
	s = ac_xreallocarray(NULL, len, 1);
	s[0] = '\0';
	for (j = i; j < end; j++)
		used += (size_t)snprintf(s + used, len - used, "%s%s",
		    j > i ? ", " : "", c->a[j].id);
	return s;
}

/* The row of action id in rows (conversionAction.id), owned, or
 * jv_invalid(). Borrows rows. */
static jv
row_of(jv rows, const char *id)
{
	char got[24];
	int i, n = jv_array_length(jv_copy(rows));

	for (i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(rows), i);

		if (strcmp(str_at(x, "conversionAction.id", got, sizeof(got)),
		    id) == 0)
			return x;
		jv_free(x);
	}
	return jv_invalid();
}

static void
check_actions(struct run *r, const struct customer *c)
{
	struct ac_http_verdict v;
	jv acts, sums, row;
	char *ids, *q;
	int i, j;

	for (i = 0; i < c->na && r->stop == 0; i += IDS_PER_QUERY) {
		ids = id_list(c, i);
		q = ac_strfmt("SELECT conversion_action.id, "
		    "conversion_action.status, conversion_action.type, "
		    "conversion_action.primary_for_goal, "
		    "conversion_action.include_in_conversions_metric, "
		    "conversion_action.counting_type, "
		    "conversion_action.click_through_lookback_window_days, "
		    "conversion_action.value_settings.always_use_default_value "
		    "FROM conversion_action WHERE conversion_action.id IN (%s)",
		    ids);
		acts = query(r, c, q, &v);
		free(q);
		if (!jv_is_valid(acts)) {
			if (r->stop == 0)
				finding(r, "conversion_action", c->id, NULL,
				    S_ERROR, "actions_refused", NULL,
				    jv_null(), "googleAds:search refused the "
				    "conversion action query: HTTP %ld %s",
				    v.http, v.code);
			free(ids);
			continue;
		}
		q = ac_strfmt("SELECT "
		    "offline_conversion_upload_conversion_action_summary."
		    "conversion_action_id, "
		    "offline_conversion_upload_conversion_action_summary.client, "
		    "offline_conversion_upload_conversion_action_summary.status, "
		    "offline_conversion_upload_conversion_action_summary."
		    "total_event_count, "
		    "offline_conversion_upload_conversion_action_summary."
		    "successful_event_count, "
		    "offline_conversion_upload_conversion_action_summary.alerts "
		    "FROM offline_conversion_upload_conversion_action_summary "
		    "WHERE offline_conversion_upload_conversion_action_summary."
		    "conversion_action_id IN (%s)", ids);
		free(ids);
		sums = r->stop == 0 ? query(r, c, q, &v) : jv_invalid();
		free(q);
		for (j = i; j < c->na && j < i + IDS_PER_QUERY &&
		    r->stop == 0; j++) {
			row = row_of(acts, c->a[j].id);
			check_action(r, c, &c->a[j], row);
			if (jv_is_valid(sums) && jv_is_valid(row))
				check_health(r, c, &c->a[j], sums);
			else if (jv_is_valid(row))
				finding(r, "upload_health", c->id, c->a[j].id,
				    S_WARNING, "upload_health_unavailable", NULL,
				    jv_null(), "the upload summary could not "
				    "be read: HTTP %ld %s", v.http, v.code);
			jv_free(row);
		}
		jv_free(sums);
		jv_free(acts);
	}
}

static void
print_table(struct run *r)
{
	size_t i;

	fprintf(stderr, "%-8s %-30s %-10s %-19s %s\n", "SEVERITY", "CHECK",
	    "CUSTOMER", "ACTION", "CODE");
	for (i = 0; i < r->ntable; i++)
		fprintf(stderr, "%s\n", r->table[i]);
}

static long long
number_opt(const char *arg, const char *name, long long min, long long max)
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
api_of(const char *s, const char *from)
{
	if (strcmp(s, "datamanager") == 0)
		return API_DATAMANAGER;
	if (strcmp(s, "googleads") == 0)
		return API_GOOGLEADS;
	ac_warnx("%s: expected datamanager or googleads", from);
	usage(stderr, AC_EXIT_USAGE);
	return 0;	/* NOTREACHED */
}

static unsigned
kind_opt(const char *s, int *lead)
{
	static const char *const names[] = {
		"click", "call", "enhancement", "retraction", "restatement"
	};
	unsigned i;

	*lead = strcmp(s, "lead") == 0;
	if (*lead)
		return K_CLICK;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return 1U << i;
	ac_warnx("--kind: expected click, lead, call, enhancement, retraction "
	    "or restatement");
	usage(stderr, AC_EXIT_USAGE);
	return 0;	/* NOTREACHED */
}

int
main(int argc, char *argv[])
{
	static struct run run;
	struct run *r = &run;
	struct ac_access_conf conf;
	struct ac_http_conf hc;
	struct opts o;
	const char **acts = NULL, *s;
	char **custs = NULL, why[160], err[256], *ep = NULL, cid[11], id[20];
	char login[11];
	int ch, i, j, nacts = 0, ncusts = 0, lead = 0, status, apis = 0;

	ac_setprogname("ac-doctor");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ac_diex(AC_EXIT_FATAL, "curl_global_init failed");
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	memset(&conf, 0, sizeof(conf));
	o.retries = 5;
	o.max_wait_ms = 300000;
	o.timeout_ms = 120000;
	o.base_ms = 1000;
	o.kind = K_CLICK;
	login[0] = '\0';
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":a:c:hqR:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			acts = ac_xreallocarray(acts, (size_t)nacts + 1, sizeof(*acts));
			acts[nacts++] = optarg;
			break;
		case OPT_TOKEN_FILE:
			o.token_file = optarg;
			break;
		case OPT_API:
			o.api = api_of(optarg, "--api");
			break;
		case OPT_API_VERSION:
			o.version = optarg;
			break;
		case 'c':
			if (ac_customer_id(optarg, cid) == -1) {
				ac_warnx("--customer: expected ten digits");
				usage(stderr, AC_EXIT_USAGE);
			}
			custs = ac_xreallocarray(custs, (size_t)ncusts + 1,
			    sizeof(*custs));
			custs[ncusts++] = ac_strfmt("%s", cid);
			break;
		case OPT_CACERT:
			o.cacert = optarg;
			break;
		case OPT_CONFIG:
			o.config = optarg;
			break;
		case OPT_DEVTOKEN_FILE:
			o.devtoken_file = optarg;
			break;
		case OPT_ENDPOINT:
			o.endpoint = optarg;
			break;
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case OPT_KIND:
			o.kind = kind_opt(optarg, &lead);
			break;
		case OPT_LOGIN:
			if (ac_customer_id(optarg, login) == -1) {
				ac_warnx("--login-customer-id: expected ten "
				    "digits");
				usage(stderr, AC_EXIT_USAGE);
			}
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
		case OPT_TABLE:
			o.table = 1;
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
		default:
			ac_opt_error(ch, argv);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.api == 0 && (s = getenv("AC_API")) != NULL && *s != '\0')
		o.api = api_of(s, "AC_API");
	if (o.api == 0)
		o.api = API_DATAMANAGER;
	ac_env_default(&o.endpoint, "AC_ENDPOINT", AC_GADS_ENDPOINT);
	ac_env_default(&o.version, "AC_API_VERSION", AC_GADS_VERSION);
	if ((ep = ac_http_endpoint(o.endpoint, why, sizeof(why))) == NULL) {
		ac_warnx("endpoint: %s", why);
		usage(stderr, AC_EXIT_USAGE);
	}
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
	/* --action names its customer, or takes each --customer's */
	for (i = 0; i < nacts; i++) {
		if (action_name(acts[i], cid, id) == -1) {
			ac_warnx("--action: expected customers/{customer_id}/"
			    "conversionActions/{id} or an ID");
			usage(stderr, AC_EXIT_USAGE);
		}
		if (cid[0] == '\0' && ncusts == 0) {
			ac_warnx("--action %s: which customer? give --customer "
			    "or the action's resource name", id);
			usage(stderr, AC_EXIT_USAGE);
		}
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	r->o = &o;

	/* Acquire everything before the first finding. */
	status = AC_EXIT_OK;
	for (i = 0; i < ncusts; i++)
		customer(r, custs[i], login[0] ? login : NULL)->apis |= o.api;
	for (i = 0; i < nacts; i++) {
		action_name(acts[i], cid, id);
		for (j = 0; j < (cid[0] ? 1 : ncusts); j++)
			note(customer(r, cid[0] ? cid : custs[j], login[0] ?
			    login : NULL), o.api, id, o.kind, 0, lead, 0);
	}
	if (argc > 0 || (ncusts == 0 && nacts == 0))
		status = read_input(r, argc, argv);
	if (status == AC_EXIT_FATAL)
		goto done;
	if (r->nc == 0) {
		if (!o.quiet)
			ac_warnx("no customer to check: give records, "
			    "--customer or --action");
		goto done;
	}
	conf.token_file = o.token_file;
	conf.devtoken_file = o.devtoken_file;
	conf.config = o.config;
	conf.token_uri = o.token_uri;
	conf.cacert = o.cacert;
	conf.user_agent = "ac-doctor/" AC_VERSION;
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
	hc.user_agent = "ac-doctor/" AC_VERSION;
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
	if (ac_writer_init(&r->out, STDOUT_FILENO) == -1)
		ac_diex(AC_EXIT_FATAL, "out of memory");

	for (i = 0; i < r->nc; i++)
		apis |= r->c[i].apis;
	if (check_credentials(r, apis))
		for (i = 0; i < r->nc && r->stop == 0; i++)
			if (check_customer(r, &r->c[i]) == 0)
				check_actions(r, &r->c[i]);
	if (ac_writer_close(&r->out) == -1) {
		errno = r->out.err;
		ac_warn("stdout");
		r->stop = AC_EXIT_FATAL;
	}
	if (!o.quiet && (o.table || isatty(STDERR_FILENO)))
		print_table(r);
	if (!o.quiet)
		fprintf(stderr, "ac-doctor: %lu customer%s: %lu ok, %lu info, "
		    "%lu warning%s, %lu error%s%s\n", (unsigned long)r->nc,
		    r->nc == 1 ? "" : "s", r->nsev[S_OK], r->nsev[S_INFO],
		    r->nsev[S_WARNING], r->nsev[S_WARNING] == 1 ? "" : "s",
		    r->nsev[S_ERROR], r->nsev[S_ERROR] == 1 ? "" : "s",
		    r->stop == AC_EXIT_TEMPFAIL ? "; stopped: try again later" :
		    "");
	if (r->nsev[S_ERROR] > 0 || r->stop == AC_EXIT_FATAL)
		status = AC_EXIT_FATAL;
	else if (r->stop != 0)
		status = r->stop;
done:
	ac_http_post_free(&r->s.p);
	ac_access_close(&r->acc);
	for (i = 0; i < r->nc; i++)
		free(r->c[i].a);
	free(r->c);
	for (i = 0; i < (int)r->ntable; i++)
		free(r->table[i]);
	free(r->table);
	for (i = 0; i < ncusts; i++)
		free(custs[i]);
	free(custs);
	free(acts);
	free(ep);
	curl_global_cleanup();
	return status;
}

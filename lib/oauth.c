/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jv.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "crypto.h"
#include "diag.h"
#include "dtime.h"
#include "ndjson.h"
#include "oauth.h"
#include "secret.h"

#define MIN_LEFT 300		/* seconds a token must still be valid */
#define JWT_LIFETIME 3600	/* google-ads-api §5.3 */
#define FILE_MAX (1 << 20)	/* config and key files */
#define SCOPE_PREFIX "https://www.googleapis.com/auth/"

const char *const ac_cred_names[AC_CRED_N] = {
	"client_id", "client_secret", "refresh_token", "json_key_file_path",
	"impersonated_email", "login_customer_id", "linked_customer_id",
	"developer_token"
};

static const char *const env_names[AC_CRED_N] = {
	"GOOGLE_ADS_CLIENT_ID", "GOOGLE_ADS_CLIENT_SECRET",
	"GOOGLE_ADS_REFRESH_TOKEN", "GOOGLE_ADS_JSON_KEY_FILE_PATH",
	"GOOGLE_ADS_IMPERSONATED_EMAIL", "GOOGLE_ADS_LOGIN_CUSTOMER_ID",
	"GOOGLE_ADS_LINKED_CUSTOMER_ID", "GOOGLE_ADS_DEVELOPER_TOKEN"
};

/* Deprecated names google-ads-python still reads (§5.5). */
static const struct {
	const char *yaml, *env;
	enum ac_cred to;
} aliases[] = {
	{ "path_to_private_key_file", "GOOGLE_ADS_PATH_TO_PRIVATE_KEY_FILE",
	    AC_CRED_JSON_KEY },
	{ "delegated_account", "GOOGLE_ADS_DELEGATED_ACCOUNT",
	    AC_CRED_IMPERSONATED },
};

int
ac_cred_secret(enum ac_cred c)
{
	return c == AC_CRED_CLIENT_SECRET || c == AC_CRED_REFRESH_TOKEN ||
	    c == AC_CRED_DEVELOPER_TOKEN;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		perror(ac_getprogname());
		abort();
	}
	return p;
}

static void
set_cred(struct ac_creds *c, enum ac_cred k, const char *v, const char *src)
{
	if (c->v[k] != NULL)
		explicit_bzero(c->v[k], strlen(c->v[k]));
	free(c->v[k]);
	free(c->src[k]);
	c->v[k] = xstrdup(v);
	c->src[k] = xstrdup(src);
}

static int
cred_of(const char *key)
{
	size_t i;

	for (i = 0; i < AC_CRED_N; i++)
		if (strcmp(key, ac_cred_names[i]) == 0)
			return (int)i;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(key, aliases[i].yaml) == 0)
			return (int)aliases[i].to;
	return -1;
}

/*
 * Say so when google-ads.yaml sets something ac does not read, rather
 * than let it pass silently: the key and what to use instead, never its
 * value. use_proto_plus is google-ads-python's own and means nothing
 * here either way.
 */
static void
unused_key(const char *path, const char *key, unsigned long line)
{
	static const struct {
		const char *key, *instead;
	} known[] = {
		{ "http_proxy", "set https_proxy in the environment (libcurl "
		    "reads it)" },
		{ "logging", "ac logs to stderr; -v shows every message" },
		{ "endpoint", "use --endpoint or AC_ENDPOINT" },
		{ "use_cloud_org_for_api_access", "ac does not use it" },
	};
	size_t i;

	if (cred_of(key) >= 0 || strcmp(key, "use_proto_plus") == 0)
		return;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(key, known[i].key) == 0) {
			ac_warnx("%s:%lu: %s is not used by ac: %s", path, line,
			    key, known[i].instead);
			return;
		}
	/* A key that is not a plain name may be a value pasted in the
	 * wrong place: not echoed. */
	if (strlen(key) > 40 || strspn(key, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(key)) {
		ac_warnx("%s:%lu: a key ac does not read; ignored", path, line);
		return;
	}
	ac_warnx("%s:%lu: %s is not a key ac reads; ignored", path, line, key);
}

/*
 * The top-level "key: value" scalars of a YAML file; nested values are
 * skipped (google-ads.yaml is flat). Returns -1 after printing why.
 */
static int
load_yaml(struct ac_creds *c, const char *path)
{
	yaml_parser_t p;
	yaml_event_t ev;
	FILE *fp;
	char key[64] = "";
	int depth = 0, want_key = 1, r = -1, done = 0, k, secrets = 0;
	struct stat sb;

	if ((fp = fopen(path, "r")) == NULL) {
		ac_warn("%s", path);
		return -1;
	}
	if (fstat(fileno(fp), &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > FILE_MAX) {
		ac_warnx("%s: not a regular file of at most 1 MiB", path);
		fclose(fp);
		return -1;
	}
	if (!yaml_parser_initialize(&p)) {
		ac_warnx("%s: out of memory", path);
		fclose(fp);
		return -1;
	}
	yaml_parser_set_input_file(&p, fp);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			/* libyaml's problem text names no value */
			ac_warnx("%s:%lu: YAML: %s", path,
			    (unsigned long)p.problem_mark.line + 1,
			    p.problem ? p.problem : "syntax error");
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 0 && ev.type == YAML_SEQUENCE_START_EVENT) {
				ac_warnx("%s: expected a mapping of keys to "
				    "values", path);
				yaml_event_delete(&ev);
				goto out;
			}
			/* google-ads.yaml is flat; libyaml slows down
			 * quadratically on deep nesting */
			if (++depth > 16) {
				ac_warnx("%s:%lu: nested too deep", path,
				    (unsigned long)ev.start_mark.line + 1);
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (--depth == 1)
				want_key = 1;	/* a nested value ended */
			break;
		case YAML_SCALAR_EVENT:
			if (depth != 1)
				break;
			if (want_key) {
				snprintf(key, sizeof(key), "%s",
				    (const char *)ev.data.scalar.value);
				want_key = 0;
				unused_key(path, key, ev.start_mark.line + 1);
				break;
			}
			want_key = 1;
			k = cred_of(key);
			if (k >= 0 && ev.data.scalar.length > 0 &&
			    strcmp((const char *)ev.data.scalar.value, "~") !=
			    0 && strcmp((const char *)ev.data.scalar.value,
			    "null") != 0) {
				set_cred(c, (enum ac_cred)k,
				    (const char *)ev.data.scalar.value, path);
				secrets |= ac_cred_secret((enum ac_cred)k);
			}
			break;
		case YAML_ALIAS_EVENT:
			if (depth == 1)
				want_key = !want_key;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (secrets && (sb.st_mode & 077) != 0)
		ac_warnx("%s: holds secrets and can be read by group or "
		    "others; chmod 600 it", path);
	c->config = xstrdup(path);
	r = 0;
out:
	yaml_parser_delete(&p);
	fclose(fp);
	return r;
}

static char *
home_path(const char *xdg, const char *dflt, const char *rest)
{
	const char *base = getenv(xdg), *home = getenv("HOME");
	size_t n;
	char *p;

	if (base != NULL && *base == '/') {
		n = strlen(base) + strlen(rest) + 2;
		p = malloc(n);
		if (p != NULL)
			snprintf(p, n, "%s/%s", base, rest);
		return p;
	}
	if (home == NULL || *home == '\0')
		return NULL;
	n = strlen(home) + strlen(dflt) + strlen(rest) + 3;
	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s%s%s/%s", home, *dflt ? "/" : "", dflt, rest);
	return p;
}

char *
ac_refresh_token_path(void)
{
	const char *e = getenv("AC_REFRESH_TOKEN_FILE");

	if (e != NULL && *e != '\0')
		return strdup(e);
	return home_path("XDG_CONFIG_HOME", ".config", "ac/refresh-token");
}

int
ac_creds_load(struct ac_creds *c, const char *path)
{
	const char *e;
	char *dflt = NULL, *rt;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (path == NULL && (e = getenv("GOOGLE_ADS_CONFIGURATION_FILE_PATH"))
	    != NULL && *e != '\0')
		path = e;
	if (path == NULL && (dflt = home_path("", "", "google-ads.yaml")) !=
	    NULL && access(dflt, F_OK) == 0)
		path = dflt;
	if (path != NULL && load_yaml(c, path) == -1) {
		free(dflt);
		ac_creds_free(c);
		return -1;
	}
	free(dflt);
	/* The environment wins over the file, as in google-ads-python. */
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if ((e = getenv(aliases[i].env)) != NULL && *e != '\0')
			set_cred(c, aliases[i].to, e, aliases[i].env);
	for (i = 0; i < AC_CRED_N; i++)
		if ((e = getenv(env_names[i])) != NULL && *e != '\0')
			set_cred(c, (enum ac_cred)i, e, env_names[i]);
	if (c->v[AC_CRED_REFRESH_TOKEN] == NULL &&
	    (dflt = ac_refresh_token_path()) != NULL) {
		/* Only a fallback: one that cannot be read (said why)
		 * must not stop a run that needs no refresh token. */
		if (access(dflt, F_OK) == 0 &&
		    (rt = ac_secret_read(dflt)) != NULL) {
			set_cred(c, AC_CRED_REFRESH_TOKEN, rt, dflt);
			ac_secret_free(rt);
		}
		free(dflt);
	}
	return 0;
}

void
ac_creds_free(struct ac_creds *c)
{
	size_t i;

	for (i = 0; i < AC_CRED_N; i++) {
		if (c->v[i] != NULL)
			explicit_bzero(c->v[i], strlen(c->v[i]));
		free(c->v[i]);
		free(c->src[i]);
	}
	free(c->config);
	memset(c, 0, sizeof(*c));
}

enum ac_flow
ac_creds_flow(const struct ac_creds *c)
{
	if (c->v[AC_CRED_JSON_KEY] != NULL)
		return AC_FLOW_SERVICE;
	if (c->v[AC_CRED_CLIENT_ID] != NULL &&
	    c->v[AC_CRED_CLIENT_SECRET] != NULL &&
	    c->v[AC_CRED_REFRESH_TOKEN] != NULL)
		return AC_FLOW_REFRESH;
	return AC_FLOW_NONE;
}

void
ac_oauth_init(struct ac_oauth *o)
{
	const char *e, *errstr;
	char *end;
	long long v;

	memset(o, 0, sizeof(*o));
	/* The tools check AC_NOW before; an invalid one is time(2) here. */
	(void)ac_time_env_now(&o->now, &errstr);
	o->retries = 3;
	o->base_ms = 1000;
	if ((e = getenv("AC_RETRY_BASE_MS")) != NULL && *e != '\0' &&
	    (v = strtoll(e, &end, 10)) > 0 && *end == '\0')
		o->base_ms = v;
	o->http.timeout_ms = 30000;
	o->http.connect_timeout_ms = 10000;
}

void
ac_token_free(struct ac_token *t)
{
	ac_secret_free(t->access_token);
	free(t->token_type);
	free(t->scope);
	memset(t, 0, sizeof(*t));
}

/* A whole small file (a key file), NUL-terminated; NULL after a message. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat sb;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ac_warn("%s", path);
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > FILE_MAX) {
		ac_warnx("%s: not a regular file of at most 1 MiB", path);
		close(fd);
		return NULL;
	}
	if ((sb.st_mode & 077) != 0)
		ac_warnx("%s: readable by group or others; chmod 600 it",
		    path);
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len < (size_t)sb.st_size) {
		n = read(fd, buf + len, (size_t)sb.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static void
wipe_free(char *s, size_t n)
{
	if (s != NULL) {
		explicit_bzero(s, n);
		free(s);
	}
}

/* obj[key] as a new C string, or NULL. Borrows obj. */
static char *
json_str(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	char *s = NULL;

	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_value(v)[0])
		s = xstrdup(jv_string_value(v));
	jv_free(v);
	return s;
}

static void
b64_json(struct ac_writer *w, jv v)
{
	struct ac_writer t;
	char *out;

	if (ac_writer_init(&t, -1) == -1)
		abort();
	ac_write_value(&t, v);
	if ((out = malloc(t.len / 3 * 4 + 8)) == NULL)
		abort();
	ac_base64url((const unsigned char *)t.buf, t.len, out);
	ac_write_bytes(w, out, strlen(out));
	free(out);
	ac_writer_close(&t);
}

struct sa {
	char *email, *key, *kid, *token_uri;
	size_t keylen;
};

static void
sa_free(struct sa *s)
{
	free(s->email);
	free(s->kid);
	free(s->token_uri);
	wipe_free(s->key, s->keylen);
	memset(s, 0, sizeof(*s));
}

/* The service account key file (google-auth's JSON form). */
static int
sa_load(const char *path, struct sa *s)
{
	char err[80];
	size_t len = 0;
	char *buf;
	jv v;

	memset(s, 0, sizeof(*s));
	if ((buf = slurp(path, &len)) == NULL)
		return -1;
	v = ac_utf8_valid(buf, len) ? ac_json_parse(buf, len, NULL, err,
	    sizeof(err)) : jv_invalid();
	wipe_free(buf, len);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		ac_warnx("%s: not a service account key (a JSON object)",
		    path);
		return -1;
	}
	s->email = json_str(v, "client_email");
	s->key = json_str(v, "private_key");
	s->kid = json_str(v, "private_key_id");
	s->token_uri = json_str(v, "token_uri");
	s->keylen = s->key != NULL ? strlen(s->key) : 0;
	{
		/* the parsed copy of the key goes too */
		jv k = jv_object_get(jv_copy(v), jv_string("private_key"));

		if (jv_get_kind(k) == JV_KIND_STRING)
			explicit_bzero((char *)(uintptr_t)jv_string_value(k),
			    strlen(jv_string_value(k)));
		jv_free(k);
	}
	jv_free(v);
	if (s->email == NULL || s->key == NULL) {
		ac_warnx("%s: a service account key needs client_email and "
		    "private_key", path);
		sa_free(s);
		return -1;
	}
	return 0;
}

/* Scopes */

/* Whether the space-separated list holds the n bytes of scope. */
static int
has_scope_n(const char *scopes, const char *scope, size_t n)
{
	const char *p;
	size_t k;

	for (p = scopes; *p != '\0'; p += k) {
		p += strspn(p, " \t");
		k = strcspn(p, " \t");
		if (k == n && n > 0 && memcmp(p, scope, n) == 0)
			return 1;
	}
	return 0;
}

int
ac_oauth_has_scope(const char *scopes, const char *scope)
{
	if (scopes == NULL)
		return -1;
	return has_scope_n(scopes, scope, strlen(scope));
}

/*
 * The URL of the scope named by the n bytes at s: a short name's, or s
 * itself when it is a URL under SCOPE_PREFIX (*len set). NULL when it is
 * neither.
 */
static const char *
scope_url(const char *s, size_t n, size_t *len)
{
	static const struct {
		const char *name, *url;
	} names[] = {
		{ "adwords", AC_ADWORDS_SCOPE },
		{ "datamanager", AC_DATAMANAGER_SCOPE },
	};
	size_t i, plen = strlen(SCOPE_PREFIX);
	char ch;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n == strlen(names[i].name) &&
		    memcmp(s, names[i].name, n) == 0) {
			*len = strlen(names[i].url);
			return names[i].url;
		}
	if (n <= plen || memcmp(s, SCOPE_PREFIX, plen) != 0)
		return NULL;
	/* no locale: the characters Google's scope names use */
	for (i = plen; i < n; i++) {
		ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-' || ch == '/'))
			return NULL;
	}
	*len = n;
	return s;
}

int
ac_oauth_scopes_add(char **list, const char *arg, char *err, size_t errlen)
{
	const char *sep = " \t,", *p, *u;
	size_t k, n, len, cap, ntok = 0;
	char *out;

	cap = (*list != NULL ? strlen(*list) : 0) + 1;
	for (p = arg; *p != '\0'; p += k) {
		p += strspn(p, sep);
		if ((k = strcspn(p, sep)) == 0)
			continue;
		if (scope_url(p, k, &n) == NULL) {
			snprintf(err, errlen, "expected adwords, datamanager "
			    "or a URL under %s", SCOPE_PREFIX);
			return -1;
		}
		cap += n + 1;
		ntok++;
	}
	if (ntok == 0) {
		snprintf(err, errlen, "no scope named");
		return -1;
	}
	if ((out = malloc(cap)) == NULL)
		abort();
	len = 0;
	if (*list != NULL) {
		len = strlen(*list);
		memcpy(out, *list, len);
	}
	out[len] = '\0';
	for (p = arg; *p != '\0'; p += k) {
		p += strspn(p, sep);
		if ((k = strcspn(p, sep)) == 0)
			continue;
		u = scope_url(p, k, &n);
		if (has_scope_n(out, u, n))
			continue;
		if (len > 0)
			out[len++] = ' ';
		memcpy(out + len, u, n);
		out[len += n] = '\0';
	}
	free(*list);
	*list = out;
	return 0;
}

/* header.claims.signature for the jwt-bearer grant (google-ads-api §5.3). */
static char *
make_jwt(const struct sa *s, const char *aud, const char *sub,
    const char *scopes, long long now)
{
	struct ac_writer w;
	unsigned char *sig;
	size_t siglen = 0;
	char err[256], *b64, *out;
	jv h = jv_object(), c = jv_object();

	h = jv_object_set(h, jv_string("alg"), jv_string("RS256"));
	h = jv_object_set(h, jv_string("typ"), jv_string("JWT"));
	if (s->kid != NULL)
		h = jv_object_set(h, jv_string("kid"), jv_string(s->kid));
	c = jv_object_set(c, jv_string("iss"), jv_string(s->email));
	c = jv_object_set(c, jv_string("scope"), jv_string(scopes));
	c = jv_object_set(c, jv_string("aud"), jv_string(aud));
	c = jv_object_set(c, jv_string("iat"), jv_number((double)now));
	c = jv_object_set(c, jv_string("exp"),
	    jv_number((double)(now + JWT_LIFETIME)));
	if (sub != NULL)
		c = jv_object_set(c, jv_string("sub"), jv_string(sub));
	if (ac_writer_init(&w, -1) == -1)
		abort();
	b64_json(&w, h);
	ac_write_bytes(&w, ".", 1);
	b64_json(&w, c);
	sig = ac_rs256_sign(s->key, s->keylen, w.buf, w.len, &siglen, err,
	    sizeof(err));
	if (sig == NULL) {
		ac_warnx("service account key: cannot sign: %s", err);
		ac_writer_close(&w);
		return NULL;
	}
	if ((b64 = malloc(siglen / 3 * 4 + 8)) == NULL)
		abort();
	ac_base64url(sig, siglen, b64);
	OPENSSL_free(sig);
	ac_write_bytes(&w, ".", 1);
	ac_write_bytes(&w, b64, strlen(b64));
	free(b64);
	out = malloc(w.len + 1);
	if (out == NULL)
		abort();
	memcpy(out, w.buf, w.len);
	out[w.len] = '\0';
	ac_writer_close(&w);
	return out;
}

/* Token endpoint */

struct buf {
	char *p;
	size_t len;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *q;

	n *= size;
	if (b->len + n > FILE_MAX || (q = realloc(b->p, b->len + n + 1)) ==
	    NULL)
		return 0;
	b->p = q;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

static void
nap(long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * POST the form fields (name, value, ..., NULL) to url; retries network
 * errors and 5xx. Returns the answer's JSON object with *status, or
 * jv_invalid() after printing why (*temp set when retrying later may
 * help).
 */
static jv
post_form(const struct ac_oauth *o, const char *url, const char **f,
    long *status, int *temp)
{
	char errbuf[CURL_ERROR_SIZE], err[256], perr[80];
	struct ac_writer form;
	struct curl_slist *h = NULL;
	struct buf b = { NULL, 0 };
	CURL *c;
	CURLcode cc = CURLE_OK;
	jv v = jv_invalid();
	char *e;
	int attempt, i;

	*temp = 0;
	if (!ac_http_url_ok(url, err, sizeof(err))) {
		ac_warnx("token endpoint: %s", err);
		return jv_invalid();
	}
	if ((c = ac_http_easy(&o->http, errbuf, err, sizeof(err))) == NULL) {
		ac_warnx("libcurl: %s", err);
		return jv_invalid();
	}
	if (ac_writer_init(&form, -1) == -1)
		abort();
	for (i = 0; f[i] != NULL; i += 2) {
		if (f[i + 1] == NULL)
			continue;
		e = curl_easy_escape(c, f[i + 1], 0);
		if (e == NULL)
			abort();
		if (form.len > 0)
			ac_write_bytes(&form, "&", 1);
		ac_write_bytes(&form, f[i], strlen(f[i]));
		ac_write_bytes(&form, "=", 1);
		ac_write_bytes(&form, e, strlen(e));
		explicit_bzero(e, strlen(e));
		curl_free(e);
	}
	h = curl_slist_append(h, "content-type: application/x-www-form-urlencoded");
	h = curl_slist_append(h, "accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* plain http goes to this machine only: never through a proxy */
	if (strncasecmp(url, "http://", 7) == 0)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	for (attempt = 0; attempt <= o->retries; attempt++) {
		if (attempt > 0)
			nap(ac_http_backoff_ms(attempt, o->base_ms, 30000,
			    (double)rand() / RAND_MAX));
		b.len = 0;
		errbuf[0] = '\0';
		*status = 0;
		cc = curl_easy_perform(c);
		if (cc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (cc == CURLE_OK && *status < 500 && *status != 429)
			break;
		if (cc != CURLE_OK && (cc == CURLE_PEER_FAILED_VERIFICATION ||
		    cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_URL_MALFORMAT ||
		    cc == CURLE_UNSUPPORTED_PROTOCOL))
			break;
		if (attempt < o->retries) {
			char what[32];

			snprintf(what, sizeof(what), "HTTP %ld", *status);
			ac_warnx("token endpoint: %s, retrying (%d retr%s left)",
			    cc != CURLE_OK ? (errbuf[0] ? errbuf :
			    curl_easy_strerror(cc)) : what,
			    o->retries - attempt, o->retries - attempt == 1 ?
			    "y" : "ies");
		}
	}
	if (cc != CURLE_OK) {
		ac_warnx("token endpoint: %s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		*temp = cc != CURLE_PEER_FAILED_VERIFICATION &&
		    cc != CURLE_SSL_CACERT_BADFILE;
	} else if (b.len > 0 && ac_utf8_valid(b.p, b.len)) {
		v = ac_json_parse(b.p, b.len, NULL, perr, sizeof(perr));
		if (jv_get_kind(v) != JV_KIND_OBJECT) {
			jv_free(v);
			v = jv_invalid();
		}
	}
	if (cc == CURLE_OK && !jv_is_valid(v)) {
		ac_warnx("token endpoint: HTTP %ld with an answer that is not "
		    "a JSON object", *status);
		*temp = *status >= 500;
	}
	wipe_free(b.p, b.len);
	explicit_bzero(form.buf, form.len);
	ac_writer_close(&form);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return v;
}

/*
 * Why the endpoint refused: its error code with the likely causes.
 * scopes: those the request asked for, NULL when it named none (the
 * refresh-token and authorization-code grants).
 */
static void
explain(jv ans, long status, enum ac_flow flow, const char *scopes)
{
	char *e = json_str(ans, "error"), *d = json_str(ans,
	    "error_description");
	const char *why = "";

	/* the server's words go to a terminal: no control characters */
	if (e != NULL)
		ac_text_clean(e);
	if (d != NULL)
		ac_text_clean(d);

	if (e != NULL && strcmp(e, "invalid_grant") == 0 &&
	    flow == AC_FLOW_NONE)
		why = "; the authorization code was refused: it was used "
		    "already, it expired, or the code verifier does not match. "
		    "Run ac-token login again";
	else if (e != NULL && strcmp(e, "invalid_grant") == 0)
		why = flow == AC_FLOW_SERVICE ?
		    "; the service account's signed JWT was refused: check "
		    "the key file (a deleted or rotated key), the system "
		    "clock, and impersonated_email" :
		    "; the refresh token no longer works. Likely causes: it "
		    "was revoked (account security settings, or the user "
		    "removed the app's access); the OAuth app is in "
		    "\"Testing\" publishing status, whose refresh tokens "
		    "expire after 7 days; the password of the account "
		    "changed; it was not used for six months; it was issued "
		    "to another client_id; or too many refresh tokens were "
		    "issued for this client. Get a new one with: ac-token "
		    "login";
	else if (e != NULL && strcmp(e, "invalid_client") == 0)
		why = "; client_id or client_secret is wrong, or the OAuth "
		    "client was deleted";
	else if (e != NULL && strcmp(e, "unauthorized_client") == 0)
		why = flow != AC_FLOW_SERVICE ? "; this client may not use "
		    "this grant" : scopes != NULL ? "; the service account "
		    "may not act for impersonated_email (domain-wide "
		    "delegation), or not with all the scopes asked for: " :
		    "; the service account may not act for impersonated_email "
		    "(domain-wide delegation)";
	else if (e != NULL && strcmp(e, "invalid_scope") == 0)
		why = scopes != NULL ? "; the scopes asked for were refused: " :
		    "; the refresh token's own scopes were refused (this grant "
		    "asks for none); get a new one with: ac-token login";
	ac_warnx("token endpoint: HTTP %ld %s%s%s%s", status,
	    e != NULL ? e : "error", d != NULL ? " (" : "", d != NULL ? d : "",
	    d != NULL ? ")" : "");
	/* a why ending in ": " is followed by the scopes asked for */
	if (*why != '\0' && why[strlen(why) - 1] == ' ')
		fprintf(stderr, "%s: %s%s; choose them with --scope or "
		    "AC_SCOPES (adwords, datamanager)\n", ac_getprogname(),
		    why + 2, scopes);
	else if (*why != '\0')
		fprintf(stderr, "%s: %s\n", ac_getprogname(), why + 2);
	free(e);
	free(d);
}

/* The token in a 200 answer. Consumes ans. */
static int
take_token(const struct ac_oauth *o, jv ans, struct ac_token *t,
    char **refresh)
{
	jv exp = jv_object_get(jv_copy(ans), jv_string("expires_in"));

	memset(t, 0, sizeof(*t));
	t->access_token = json_str(ans, "access_token");
	t->token_type = json_str(ans, "token_type");
	t->scope = json_str(ans, "scope");
	if (refresh != NULL)
		*refresh = json_str(ans, "refresh_token");
	{
		/* Google says 3599; anything outside a day is not trusted */
		double d = jv_get_kind(exp) == JV_KIND_NUMBER ?
		    jv_number_value(exp) : 3600;

		if (!(d >= 0 && d <= 86400))
			d = d < 0 ? 0 : 3600;
		t->expires_at = o->now + (long long)d;
	}
	jv_free(exp);
	{
		jv a = jv_object_get(jv_copy(ans), jv_string("access_token"));

		if (jv_get_kind(a) == JV_KIND_STRING)
			explicit_bzero((char *)(uintptr_t)jv_string_value(a),
			    strlen(jv_string_value(a)));
		jv_free(a);
	}
	jv_free(ans);
	if (t->token_type == NULL)
		t->token_type = xstrdup("Bearer");
	if (t->access_token == NULL) {
		ac_warnx("token endpoint: the answer has no access_token");
		ac_token_free(t);
		return -1;
	}
	return 0;
}

/* Cache */

static char *
cache_path(const struct ac_oauth *o, const char *identity)
{
	unsigned char md[32];
	char hex[33], name[64], *dir, *p;
	size_t n, i;

	if (ac_sha256(identity, strlen(identity), md) == -1)
		return NULL;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(name, sizeof(name), "token-%s.json", hex);
	if (o->cache_dir != NULL) {
		n = strlen(o->cache_dir) + strlen(name) + 2;
		if ((p = malloc(n)) != NULL)
			snprintf(p, n, "%s/%s", o->cache_dir, name);
		return p;
	}
	if ((dir = home_path("XDG_CACHE_HOME", ".cache", "ac")) == NULL)
		return NULL;
	n = strlen(dir) + strlen(name) + 2;
	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	free(dir);
	return p;
}

/*
 * Nonzero when the directory of path is ours alone: a directory (not a
 * symbolic link) owned by us that nobody else may write to. Warns when it
 * is not. A missing one is fine: it is made 0700.
 */
static int
private_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct stat sb;
	int ok = 1;

	if (slash != NULL && slash != dir)
		*slash = '\0';
	if (lstat(dir, &sb) == 0 && (!S_ISDIR(sb.st_mode) ||
	    sb.st_uid != geteuid() || (sb.st_mode & 022) != 0)) {
		ac_warnx("token cache %s: not a directory of this user that "
		    "only it can write to; the cache is not used", dir);
		ok = 0;
	}
	free(dir);
	return ok;
}

static int
cache_read(const struct ac_oauth *o, const char *path, struct ac_token *t)
{
	char err[80];
	size_t len = 0;
	struct stat sb;
	char *buf;
	jv v, e;
	int fd;
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > 65536 || (sb.st_mode & 077) != 0 ||
	    sb.st_uid != geteuid()) {
		/* not ours, or others could read it: do not trust it */
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (len < (size_t)sb.st_size && (n = read(fd, buf + len,
	    (size_t)sb.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	v = ac_utf8_valid(buf, len) ? ac_json_parse(buf, len, NULL, err,
	    sizeof(err)) : jv_invalid();
	wipe_free(buf, len);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->access_token = json_str(v, "access_token");
	t->token_type = json_str(v, "token_type");
	t->scope = json_str(v, "scope");
	e = jv_object_get(jv_copy(v), jv_string("expires_at"));
	t->expires_at = jv_get_kind(e) == JV_KIND_NUMBER ?
	    (long long)jv_number_value(e) : 0;
	jv_free(e);
	jv_free(v);
	if (t->access_token == NULL || t->expires_at - o->now < MIN_LEFT) {
		ac_token_free(t);
		return -1;
	}
	if (t->token_type == NULL)
		t->token_type = xstrdup("Bearer");
	t->from_cache = 1;
	return 0;
}

/* mkdir -p for the directories of path, mode 0700. */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			ac_warn("%s", p);
			r = -1;
			break;
		}
		*s = '/';
	}
	free(p);
	return r;
}

int
ac_write_private(const char *path, const char *s, size_t n)
{
	size_t len = strlen(path) + 16, off = 0;
	char *tmp;
	ssize_t w;
	int fd;

	if (make_dirs(path) == -1)
		return -1;
	if ((tmp = malloc(len)) == NULL)
		return -1;
	snprintf(tmp, len, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		ac_warn("%s", tmp);
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0600) == -1)
		goto fail;
	while (off < n) {
		w = write(fd, s + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return 0;
fail:
	ac_warn("%s", path);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

static void
cache_write(const char *path, const struct ac_token *t)
{
	struct ac_writer w;
	jv v = jv_object();

	v = jv_object_set(v, jv_string("access_token"),
	    jv_string(t->access_token));
	v = jv_object_set(v, jv_string("token_type"),
	    jv_string(t->token_type));
	v = jv_object_set(v, jv_string("expires_at"),
	    jv_number((double)t->expires_at));
	if (t->scope != NULL)
		v = jv_object_set(v, jv_string("scope"), jv_string(t->scope));
	if (ac_writer_init(&w, -1) == -1)
		abort();
	ac_write_value(&w, v);
	ac_write_bytes(&w, "\n", 1);
	/* A cache that cannot be written costs a refresh next time only. */
	(void)ac_write_private(path, w.buf, w.len);
	explicit_bzero(w.buf, w.len);
	ac_writer_close(&w);
}

int
ac_oauth_token(const struct ac_oauth *o, const struct ac_creds *c,
    struct ac_token *t, int *temp)
{
	enum ac_flow flow = ac_creds_flow(c);
	struct sa sa;
	const char *uri, *f[12], *scopes;
	char *jwt = NULL, *cache = NULL, *ident = NULL;
	unsigned char md[32];
	char rth[17];
	long status = 0;
	size_t i;
	int r = -1;
	jv ans;

	*temp = 0;
	memset(t, 0, sizeof(*t));
	memset(&sa, 0, sizeof(sa));
	scopes = o->scopes != NULL && *o->scopes != '\0' ? o->scopes :
	    AC_DEFAULT_SCOPES;
	if (flow == AC_FLOW_NONE) {
		ac_warnx("no credentials: configure client_id, client_secret "
		    "and refresh_token, or json_key_file_path, in "
		    "google-ads.yaml or GOOGLE_ADS_* variables (ac-token "
		    "check shows what is found)");
		return -1;
	}
	if (flow == AC_FLOW_SERVICE) {
		if (sa_load(c->v[AC_CRED_JSON_KEY], &sa) == -1)
			return -1;
		uri = o->token_uri ? o->token_uri : sa.token_uri ?
		    sa.token_uri : AC_TOKEN_URI;
		/* A token per set of scopes claimed: one asked for with
		 * fewer must not stand in for one with more. */
		ident = malloc(strlen(uri) + strlen(sa.email) +
		    strlen(scopes) + 64 + (c->v[AC_CRED_IMPERSONATED] ?
		    strlen(c->v[AC_CRED_IMPERSONATED]) : 0));
		if (ident == NULL)
			abort();
		sprintf(ident, "sa|%s|%s|%s|%s", uri, sa.email,
		    c->v[AC_CRED_IMPERSONATED] ? c->v[AC_CRED_IMPERSONATED] :
		    "", scopes);
	} else {
		uri = o->token_uri ? o->token_uri : AC_TOKEN_URI;
		/* The cache is per refresh token, named by a hash of it. */
		ac_sha256(c->v[AC_CRED_REFRESH_TOKEN],
		    strlen(c->v[AC_CRED_REFRESH_TOKEN]), md);
		for (i = 0; i < 8; i++)
			snprintf(rth + 2 * i, 3, "%02x", md[i]);
		ident = malloc(strlen(uri) + strlen(c->v[AC_CRED_CLIENT_ID]) +
		    64);
		if (ident == NULL)
			abort();
		sprintf(ident, "rt|%s|%s|%s", uri, c->v[AC_CRED_CLIENT_ID], rth);
	}
	if (!o->no_cache && (cache = cache_path(o, ident)) != NULL &&
	    !private_dir(cache)) {
		free(cache);	/* not a place for tokens: no cache */
		cache = NULL;
	}
	if (cache != NULL && !o->refresh && cache_read(o, cache, t) == 0) {
		r = 0;
		goto out;
	}
	if (flow == AC_FLOW_SERVICE) {
		if ((jwt = make_jwt(&sa, uri, c->v[AC_CRED_IMPERSONATED],
		    scopes, o->now)) == NULL)
			goto out;
		f[0] = "grant_type";
		f[1] = "urn:ietf:params:oauth:grant-type:jwt-bearer";
		f[2] = "assertion";
		f[3] = jwt;
		f[4] = NULL;
	} else {
		f[0] = "grant_type";
		f[1] = "refresh_token";
		f[2] = "client_id";
		f[3] = c->v[AC_CRED_CLIENT_ID];
		f[4] = "client_secret";
		f[5] = c->v[AC_CRED_CLIENT_SECRET];
		f[6] = "refresh_token";
		f[7] = c->v[AC_CRED_REFRESH_TOKEN];
		f[8] = NULL;
	}
	ans = post_form(o, uri, f, &status, temp);
	if (!jv_is_valid(ans))
		goto out;
	if (status != 200) {
		explain(ans, status, flow, flow == AC_FLOW_SERVICE ? scopes :
		    NULL);
		/* the server's trouble, not the credentials' */
		*temp = status >= 500 || status == 429;
		jv_free(ans);
		goto out;
	}
	if (take_token(o, ans, t, NULL) == -1)
		goto out;
	/* Google's answer to the JWT grant names no scope: the token has
	 * those the JWT claimed, or it would have been refused. */
	if (t->scope == NULL && flow == AC_FLOW_SERVICE)
		t->scope = xstrdup(scopes);
	if (!o->no_cache && cache != NULL)
		cache_write(cache, t);
	r = 0;
out:
	if (jwt != NULL)
		wipe_free(jwt, strlen(jwt));
	sa_free(&sa);
	free(cache);
	free(ident);
	return r;
}

char *
ac_oauth_endpoint(const struct ac_oauth *o, const struct ac_creds *c)
{
	struct sa sa;
	char *uri;

	if (o->token_uri != NULL)
		return xstrdup(o->token_uri);
	if (ac_creds_flow(c) != AC_FLOW_SERVICE ||
	    sa_load(c->v[AC_CRED_JSON_KEY], &sa) == -1)
		return xstrdup(AC_TOKEN_URI);
	uri = xstrdup(sa.token_uri != NULL ? sa.token_uri : AC_TOKEN_URI);
	sa_free(&sa);
	return uri;
}

int
ac_oauth_exchange(const struct ac_oauth *o, const struct ac_creds *c,
    const char *code, const char *redirect_uri, const char *verifier,
    struct ac_token *t, char **refresh, int *temp)
{
	const char *uri = o->token_uri ? o->token_uri : AC_TOKEN_URI;
	const char *f[] = { "grant_type", "authorization_code", "code", code,
		"client_id", c->v[AC_CRED_CLIENT_ID], "client_secret",
		c->v[AC_CRED_CLIENT_SECRET], "redirect_uri", redirect_uri,
		"code_verifier", verifier, NULL };
	long status = 0;
	jv ans;

	*refresh = NULL;
	ans = post_form(o, uri, f, &status, temp);
	if (!jv_is_valid(ans))
		return -1;
	if (status != 200) {
		explain(ans, status, AC_FLOW_NONE, NULL);
		*temp = status >= 500 || status == 429;
		jv_free(ans);
		return -1;
	}
	return take_token(o, ans, t, refresh);
}

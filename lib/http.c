/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jv.h>

#include "diag.h"
#include "dm.h"
#include "field.h"
#include "gads.h"
#include "http.h"
#include "opt.h"
#include "ndjson.h"

/* obj[key] as an owned value, jv_invalid() when obj is not an object or
 * has no such key. Borrows obj. */
static jv
get(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(obj), jv_string(key));
}


long long
ac_http_retry_after_ms(const char *s, time_t now)
{
	struct tm tm;
	const char *end;
	long long v = 0;
	time_t t;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (isdigit((unsigned char)*s)) {
		for (; isdigit((unsigned char)*s); s++) {
			if (v > 1000000000)
				return -1;
			v = v * 10 + (*s - '0');
		}
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		return *s == '\0' ? v * 1000 : -1;
	}
	/* An IMF-fixdate (RFC 9110 §5.6.7); the process locale is "C". */
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return -1;
	while (*end == ' ' || *end == '\r' || *end == '\n')
		end++;
	if (*end != '\0' || (t = timegm(&tm)) == (time_t)-1)
		return -1;
	return t > now ? (long long)(t - now) * 1000 : 0;
}

/*
 * A Retry-After of more seconds than ac_http_retry_after_ms reads
 * (99999999999999999999999) is a very long wait, not none.
 */
static long long
retry_after_long(const char *s)
{
	size_t n;

	if (s == NULL)
		return -1;
	s += strspn(s, " \t");
	n = strspn(s, "0123456789");
	if (n < 10 || strspn(s + n, " \t\r\n") != strlen(s + n))
		return -1;
	return AC_WAIT_MAX;
}

long long
ac_http_backoff_ms(int attempt, long long base, long long cap, double rnd)
{
	return ac_http_backoff_mult_ms(attempt, base, 2.0, cap, rnd);
}

long long
ac_http_backoff_mult_ms(int attempt, long long base, double mult,
    long long cap, double rnd)
{
	long long d = base;
	int i;

	for (i = 1; i < attempt && d < cap; i++)
		d = (double)d * mult >= (double)cap ? cap :
		    (long long)((double)d * mult);
	if (d > cap)
		d = cap;
	if (rnd < 0)
		rnd = 0;
	if (rnd > 1)
		rnd = 1;
	return d / 2 + (long long)(rnd * (double)(d - d / 2));
}

static void
classify_curl(int cc, struct ac_http_verdict *v)
{
	snprintf(v->code, sizeof(v->code), "curl.%d", cc);
	snprintf(v->message, sizeof(v->message), "%s",
	    curl_easy_strerror((CURLcode)cc));
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		/* Nothing was sent: no request before the handshake ends. */
		v->klass = AC_HTTP_RETRY;
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_WRITE_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		v->klass = AC_HTTP_FATAL;
		break;
	default:
		/* Timeouts, resets, empty answers: the request may have
		 * reached the server and been executed. */
		v->klass = AC_HTTP_RETRY;
		v->unknown = 1;
		break;
	}
}

/* The retryDelay of a google.rpc.RetryInfo detail (Data Manager's 429),
 * or -1. Borrows err. */
static long long
rpc_retry_delay(jv err)
{
	static const char type[] = "type.googleapis.com/google.rpc.RetryInfo";
	jv ds = get(err, "details");
	long long ms = -1;
	int i, n;

	n = jv_get_kind(ds) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ds)) : 0;
	for (i = 0; i < n && ms < 0; i++) {
		jv d = jv_array_get(jv_copy(ds), i);
		jv t = get(d, "@type"), delay = get(d, "retryDelay");

		if (jv_get_kind(t) == JV_KIND_STRING &&
		    strcmp(jv_string_value(t), type) == 0 &&
		    jv_get_kind(delay) == JV_KIND_STRING)
			ms = ac_delay_ms(jv_string_value(delay));
		jv_free(delay);
		jv_free(t);
		jv_free(d);
	}
	jv_free(ds);
	return ms;
}

void
ac_http_classify(int cc, long status, const char *body, size_t len,
    const char *retry_after, time_t now, jv *parsed,
    struct ac_http_verdict *v)
{
	char perr[80];
	jv obj = jv_invalid(), err;
	long long ms;

	memset(v, 0, sizeof(*v));
	v->klass = AC_HTTP_FAIL;
	v->retry_ms = -1;
	*parsed = jv_invalid();
	v->http = cc == CURLE_OK ? status : 0;
	if (cc != CURLE_OK) {
		classify_curl(cc, v);
		return;
	}
	if (len > 0 && ac_utf8_valid(body, len))
		obj = ac_json_parse(body, len, NULL, perr, sizeof(perr));
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		obj = jv_invalid();
	}
	if (status >= 200 && status < 300) {
		if (jv_is_valid(obj)) {
			v->klass = AC_HTTP_OK;
			*parsed = obj;
			return;
		}
		/* The server did something but we cannot tell what. */
		v->klass = AC_HTTP_RETRY;
		v->unknown = 1;
		snprintf(v->code, sizeof(v->code), "http.%ld", status);
		snprintf(v->message, sizeof(v->message),
		    "HTTP %ld answer is not a JSON object", status);
		return;
	}

	err = get(obj, "error");
	if (ac_gads_first_error(err, v->code, sizeof(v->code), v->message,
	    sizeof(v->message)) == -1) {
		jv st = get(err, "status");
		char reason[64];
		int dm;

		/* A google.rpc.ErrorInfo names the reason (Data Manager,
		 * and Google's front end: scopes, a disabled API). */
		if (ac_dm_error_reason(err, reason, sizeof(reason), &dm) == 0)
			snprintf(v->code, sizeof(v->code), "%s.%s", dm ?
			    "datamanager" : "rpc", reason);
		else if (jv_get_kind(st) == JV_KIND_STRING) {
			snprintf(v->code, sizeof(v->code), "rpc.%s",
			    jv_string_value(st));
			ac_text_clean(v->code);
		}
		else
			snprintf(v->code, sizeof(v->code), "http.%ld", status);
		jv_free(st);
		ac_text_copy(v->message, sizeof(v->message),
		    ac_obj_str(err, "message") != NULL ?
		    ac_obj_str(err, "message") : "");
		if (v->message[0] == '\0')
			snprintf(v->message, sizeof(v->message), "HTTP %ld%s",
			    status, jv_is_valid(obj) ? "" :
			    " with an answer that is not JSON");
	}
	ms = ac_gads_retry_delay_ms(err);
	if (ms < 0)
		ms = rpc_retry_delay(err);
	if (ms < 0)
		ms = ac_http_retry_after_ms(retry_after, now);
	if (ms < 0)
		ms = retry_after_long(retry_after);
	v->retry_ms = ms;
	jv_free(err);
	jv_free(obj);

	if (strcmp(v->code, "quotaError.RESOURCE_EXHAUSTED") == 0) {
		v->klass = AC_HTTP_RETRY;
		v->daily = 1;
	} else if (ac_gads_code_retryable(v->code)) {
		v->klass = AC_HTTP_RETRY;
		v->unknown = status >= 500;
	} else if (status == 401) {
		v->klass = AC_HTTP_AUTH;
	} else if (status == 408 || status == 429) {
		v->klass = AC_HTTP_RETRY;
		v->unknown = status == 408;
	} else if (status == 500 || status == 502 || status == 503 ||
	    status == 504) {
		v->klass = AC_HTTP_RETRY;
		v->unknown = 1;
	}
}

/*
 * Nonzero when host names this machine. host comes from libcurl's URL
 * parser, which writes IPv4 addresses in plain decimal ("0127.0.0.1"
 * becomes 87.0.0.1), so the check reads what libcurl will connect to.
 */
static int
loopback(const char *host)
{
	unsigned a, b, c, d;
	int used = 0;

	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	if (strspn(host, "0123456789.") != strlen(host))
		return 0;
	return sscanf(host, "%3u.%3u.%3u.%3u%n", &a, &b, &c, &d, &used) == 4 &&
	    (size_t)used == strlen(host) && a == 127 && b < 256 && c < 256 &&
	    d < 256;
}

int
ac_http_url_ok(const char *url, char *why, size_t len)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *user = NULL;
	int ok = 0;

	/* libcurl would mend "http:/host" and "https:///host": refuse
	 * what is not plainly scheme://host. */
	if (!((strncasecmp(url, "https://", 8) == 0 && url[8] != '/') ||
	    (strncasecmp(url, "http://", 7) == 0 && url[7] != '/'))) {
		snprintf(why, len, strncasecmp(url, "http", 4) == 0 ?
		    "not a URL with a host" : "not an https:// URL");
		return 0;
	}
	if ((u = curl_url()) == NULL) {
		snprintf(why, len, "out of memory");
		return 0;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		snprintf(why, len, "not a URL with a host");
	} else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		snprintf(why, len, "user names or passwords do not belong in "
		    "the URL");
	} else if (strcasecmp(scheme, "https") == 0) {
		ok = 1;
	} else if (strcasecmp(scheme, "http") != 0) {
		snprintf(why, len, "not an https:// URL");
	} else if (!loopback(host)) {
		snprintf(why, len, "http:// is allowed only to a loopback "
		    "host; use https://");
	} else {
		ok = 1;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return ok;
}

char *
ac_http_endpoint(const char *url, char *why, size_t len)
{
	char *ep;
	size_t n;

	if (!ac_http_url_ok(url, why, len))
		return NULL;
	ep = ac_strfmt("%s", url);
	for (n = strlen(ep); n > 0 && ep[n - 1] == '/'; n--)
		ep[n - 1] = '\0';
	return ep;
}

CURL *
ac_http_easy(const struct ac_http_conf *c, char *errbuf, char *err,
    size_t errlen)
{
	CURL *h;
	CURLcode r = CURLE_OK;
	const char *what = "";

	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return NULL;
	}
	errbuf[0] = '\0';
#define SET(opt, val) \
	do { \
		if (r == CURLE_OK && \
		    (r = curl_easy_setopt(h, opt, val)) != CURLE_OK) \
			what = #opt; \
	} while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_NOPROGRESS, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
	SET(CURLOPT_PROTOCOLS_STR, "https,http");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	if (c->user_agent != NULL)
		SET(CURLOPT_USERAGENT, c->user_agent);
	if (c->cacert != NULL)
		SET(CURLOPT_CAINFO, c->cacert);
#undef SET
	if (r != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", what, curl_easy_strerror(r));
		curl_easy_cleanup(h);
		return NULL;
	}
	return h;
}

/* A POST whose body can be sent again and whose answer is kept */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct ac_http_post *s = arg;
	size_t n = size * nmemb, cap;
	char *q;

	if (s->anslen + n + 1 > s->ansmax) {
		s->toobig = 1;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	if (s->anslen + n + 1 > s->anscap) {
		cap = s->anscap ? s->anscap : 16384;
		while (cap < s->anslen + n + 1)
			cap *= 2;
		if ((q = realloc(s->ans, cap)) == NULL)
			return 0;
		s->ans = q;
		s->anscap = cap;
	}
	memcpy(s->ans + s->anslen, p, n);
	s->anslen += n;
	s->ans[s->anslen] = '\0';
	return n;
}

/* Keep the value of header name (of length n) from line p. */
static void
header_value(const char *p, size_t len, const char *name, char *out,
    size_t outlen)
{
	size_t n = strlen(name), e;

	if (len <= n || strncasecmp(p, name, n) != 0 || p[n] != ':')
		return;
	p += n + 1;
	len -= n + 1;
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	for (e = len; e > 0 && (p[e - 1] == '\r' || p[e - 1] == '\n' ||
	    p[e - 1] == ' '); e--)
		;
	if (e >= outlen)
		e = outlen - 1;
	memcpy(out, p, e);
	out[e] = '\0';
}

static size_t
on_read(char *p, size_t size, size_t nmemb, void *arg)
{
	struct ac_http_post *s = arg;
	size_t n = size * nmemb;

	if (n > s->bodylen - s->off)
		n = s->bodylen - s->off;
	memcpy(p, s->body + s->off, n);
	s->off += n;
	return n;
}

/*
 * libcurl rewinds the body to send it again on a fresh connection when a
 * reused one died without an answer. The first sending may have been
 * executed: remember that, so that an "already exists" for its rows is
 * read as delivery.
 */
static int
on_seek(void *arg, curl_off_t offset, int origin)
{
	struct ac_http_post *s = arg;

	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	if (s->off > 0)
		s->rewound = 1;
	s->off = 0;
	return CURL_SEEKFUNC_OK;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct ac_http_post *s = arg;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new answer (after 100 Continue, say) */
		s->rid[0] = s->retry_after[0] = '\0';
		s->anslen = 0;
	}
	header_value(p, n, "request-id", s->rid, sizeof(s->rid));
	header_value(p, n, "retry-after", s->retry_after,
	    sizeof(s->retry_after));
	return n;
}

void
ac_http_post_done(struct ac_http_post *s)
{
	struct curl_slist *l;

	/* The list holds the token: wipe it before it goes. */
	for (l = s->hdrs; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
}

int
ac_http_post_header(struct ac_http_post *s, const char *name,
    const char *pre, const char *v)
{
	struct curl_slist *l;
	size_t n = strlen(name) + strlen(pre) + strlen(v) + 3;
	char *h = malloc(n);

	if (h == NULL)
		return -1;
	/* "name:" alone removes a header libcurl would add */
	snprintf(h, n, "%s:%s%s%s", name, *pre != '\0' || *v != '\0' ? " " :
	    "", pre, v);
	l = curl_slist_append(s->hdrs, h);
	explicit_bzero(h, n);
	free(h);
	if (l == NULL)
		return -1;
	s->hdrs = l;
	return 0;
}

void
ac_http_post_start(struct ac_http_post *s, const char *url, char *body,
    size_t len, size_t max)
{
	free(s->body);
	s->body = body;
	s->bodylen = len;
	s->off = 0;
	s->rewound = 0;
	s->toobig = 0;
	s->anslen = 0;
	s->ansmax = max;
	s->rid[0] = s->retry_after[0] = s->errbuf[0] = '\0';
	/* No "Expect: 100-continue": a round trip for nothing. */
	ac_http_post_header(s, "expect", "", "");
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	/* plain http goes to this machine only: never through a proxy */
	curl_easy_setopt(s->h, CURLOPT_NOPROXY,
	    strncasecmp(url, "http://", 7) == 0 ? "*" : NULL);
	curl_easy_setopt(s->h, CURLOPT_POST, 1L);
	curl_easy_setopt(s->h, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(s->h, CURLOPT_READDATA, s);
	curl_easy_setopt(s->h, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(s->h, CURLOPT_SEEKDATA, s);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->h, CURLOPT_HEADERDATA, s);
}

void
ac_http_post_free(struct ac_http_post *s)
{
	if (s->h != NULL)
		curl_easy_cleanup(s->h);
	ac_http_post_done(s);
	free(s->body);
	free(s->ans);
	memset(s, 0, sizeof(*s));
}

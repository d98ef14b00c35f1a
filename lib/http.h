/* SPDX-License-Identifier: MIT */
#ifndef AC_HTTP_H
#define AC_HTTP_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>
#include <jv.h>

/*
 * What the network tools share: a libcurl easy handle set up the house
 * way (STYLE §8), endpoint checks, and the Google Ads error model as pure
 * functions: the class of an answer (retry, fail, stop), its error code
 * and message, the row a partial-failure error belongs to.
 */

/* The class of an attempt's outcome. */
enum ac_http_class {
	AC_HTTP_OK,		/* 2xx with a JSON object body */
	AC_HTTP_RETRY,		/* transient: send again after a wait */
	AC_HTTP_FAIL,		/* this request is refused; others may pass */
	AC_HTTP_AUTH,		/* 401: credentials are wrong or expired */
	AC_HTTP_FATAL		/* local problem (TLS, URL): stop the run */
};

struct ac_http_verdict {
	enum ac_http_class klass;
	int daily;		/* quotaError.RESOURCE_EXHAUSTED: daily quota */
	int unknown;		/* the request may have been executed */
	long long retry_ms;	/* delay the server asked for, -1: none */
	long http;		/* HTTP status, 0 when no answer came */
	char code[96];		/* "quotaError.RESOURCE_EXHAUSTED", "http.502" */
	char message[256];	/* the API's message or a description */
};

/*
 * Classify an attempt: curlcode is the transfer's CURLcode (CURLE_OK when
 * an answer came), status the HTTP status, body[0..len) the answer and
 * retry_after the Retry-After header value (NULL: none); now is for
 * HTTP-date values. For AC_HTTP_OK, *parsed receives the body's JSON
 * object (owned by the caller), else jv_invalid().
 */
void ac_http_classify(int curlcode, long status, const char *body,
    size_t len, const char *retry_after, time_t now, jv *parsed,
    struct ac_http_verdict *v);

/* What an answer says of one row: its code ("family.CODE" of the Google
 * Ads API, "datamanager.REASON") and the API's message. */
struct ac_rowerr {
	char code[96];
	char msg[256];
	int set;
};

/*
 * The longest wait a server can ask for: a longer one (99999999999999999999
 * seconds, "1e300s") is read as this, never as no wait at all, so that it
 * stops the run like any wait beyond --max-retry-wait.
 */

/*
 * Milliseconds in a Retry-After value (delta-seconds up to 10^9, or an
 * HTTP-date); -1 when it is not one. (ac_http_classify reads more seconds
 * as AC_WAIT_MAX.)
 */
long long ac_http_retry_after_ms(const char *value, time_t now);

/*
 * The wait before retry number attempt (1 for the first): base doubling,
 * at most cap, with jitter: a value in [d/2, d] chosen by rnd (0..1).
 */
long long ac_http_backoff_ms(int attempt, long long base, long long cap,
    double rnd);
/* The same with a growth factor other than 2 (Data Manager's is 1.3). */
long long ac_http_backoff_mult_ms(int attempt, long long base, double mult,
    long long cap, double rnd);

/*
 * Nonzero when url may be used: https://, or http:// to a loopback host
 * (127.0.0.0/8, localhost, [::1]), as libcurl's URL parser reads it; no
 * user name or password. Otherwise why says why not.
 */
int ac_http_url_ok(const char *url, char *why, size_t len);

/*
 * The base URL of an API from url: checked as ac_http_url_ok does, without
 * trailing slashes (the paths are appended). Returns a string to free, or
 * NULL with why said.
 */
char *ac_http_endpoint(const char *url, char *why, size_t len);
/* Connection settings shared by every handle of a run. */
struct ac_http_conf {
	const char *cacert;	/* CA bundle, or NULL for the system's */
	long timeout_ms;	/* one attempt */
	long connect_timeout_ms;
	const char *user_agent;
};

/*
 * A new easy handle with the options every request needs (STYLE §8:
 * error buffer, no signals, timeouts, https and http only, CA bundle, no
 * redirects). errbuf must hold CURL_ERROR_SIZE bytes and outlive the
 * handle. Returns NULL when libcurl refuses an option (err says which).
 */
CURL *ac_http_easy(const struct ac_http_conf *, char *errbuf, char *err,
    size_t errlen);

/*
 * One POST at a time on an easy handle (made by ac_http_easy): a body that
 * libcurl may send again itself, on a fresh connection, when a reused one
 * died before the answer (then rewound is set: the first sending may have
 * been executed), the answer (at most ansmax bytes; more is a write error,
 * with toobig set) and its request-id and Retry-After headers.
 */
struct ac_http_post {
	CURL *h;
	struct curl_slist *hdrs;	/* wiped when freed: they hold tokens */
	char *body;
	size_t bodylen, off;
	int rewound;
	int toobig;			/* the answer exceeded ansmax */
	char *ans;			/* NUL-terminated */
	size_t anslen, anscap, ansmax;
	char rid[128], retry_after[128];
	char errbuf[CURL_ERROR_SIZE];
};

/* Add the header "name: pre v" to the next POST ("name:" when both are
 * empty). Returns -1 when out of memory. */
int ac_http_post_header(struct ac_http_post *, const char *name,
    const char *pre, const char *v);
/* Set up the POST of body[0..len) (malloc'ed, taken over) to url with the
 * headers added; the answer is kept up to max bytes. */
void ac_http_post_start(struct ac_http_post *, const char *url, char *body,
    size_t len, size_t max);
/* The transfer is over: wipe and free the headers. */
void ac_http_post_done(struct ac_http_post *);
/* Free everything, the handle too. */
void ac_http_post_free(struct ac_http_post *);

#endif

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jv.h>

#include "access.h"
#include "diag.h"
#include "dtime.h"
#include "field.h"
#include "http.h"
#include "ndjson.h"
#include "search.h"

#define BACKOFF_CAP_MS 64000LL	/* as ac-upload: 1 s doubling to 64 s */
#define ANSWER_MAX (256 << 20)	/* The request body {"query": Q, "pageToken": T}, malloc'ed. */
static char *
body_of(const char *query, const char *token, size_t *len)
{
	jv o = jv_object_set(jv_object(), jv_string("query"),
	    jv_string(query));
	jv s;
	char *b;

	if (token != NULL)
		o = jv_object_set(o, jv_string("pageToken"), jv_string(token));
	s = jv_dump_string(o, 0);
	*len = (size_t)jv_string_length_bytes(jv_copy(s));
	if ((b = malloc(*len + 1)) == NULL)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	memcpy(b, jv_string_value(s), *len + 1);
	jv_free(s);
	return b;
}

/* One attempt; the answer's verdict in v, its object in *ans. */
static void
attempt(struct ac_search *s, const char *url, const char *login, const char *query, const char *token, jv *ans,
    struct ac_http_verdict *v)
{
	struct ac_access *a = s->acc;
	long status = 0;
	size_t len = 0;
	char *body = query != NULL ? body_of(query, token, &len) : NULL;
	CURLcode cc;

	/* A GET (query NULL) goes to the Data Manager API: the access token
	 * alone, no developer token or customer headers (dm §1.3). */
	if (query == NULL) {
		if (ac_http_post_header(&s->p, "authorization", "Bearer ",
		    a->token) == -1)
			ac_diex(AC_EXIT_FATAL, "out of memory");
		ac_http_post_start(&s->p, url, NULL, 0, ANSWER_MAX);
		curl_easy_setopt(s->p.h, CURLOPT_HTTPGET, 1L);
	} else if (ac_http_post_header(&s->p, "authorization", "Bearer ",
	    a->token) == -1 || ac_http_post_header(&s->p, "content-type", "",
	    "application/json") == -1 || (login[0] != '\0' &&
	    ac_http_post_header(&s->p, "login-customer-id", "", login) ==
	    -1) || (a->linked != NULL && ac_http_post_header(&s->p,
	    "linked-customer-id", "", a->linked) == -1) ||
	    (a->devtoken != NULL && ac_http_post_header(&s->p,
	    "developer-token", "", a->devtoken) == -1)) {
		ac_diex(AC_EXIT_FATAL, "out of memory");
	} else {
		ac_http_post_start(&s->p, url, body, len, ANSWER_MAX);
	}
	cc = curl_easy_perform(s->p.h);
	curl_easy_getinfo(s->p.h, CURLINFO_RESPONSE_CODE, &status);
	ac_http_post_done(&s->p);
	s->nrequests++;
	ac_http_classify(cc, status, s->p.ans, s->p.anslen,
	    s->p.retry_after[0] ? s->p.retry_after : NULL, time(NULL), ans, v);
	if (cc != CURLE_OK && s->p.errbuf[0] != '\0')
		ac_text_copy(v->message, sizeof(v->message), s->p.errbuf);
}

/* One page, retried; 0 or -1 (v says why). */
static int
page(struct ac_search *s, const char *url, const char *path,
    const char *login, const char *query, const char *token, jv *ans,
    struct ac_http_verdict *v)
{
	int tries = 0, renewed = 0, temp;
	long long wait;

	for (;;) {
		if (ac_access_due(s->acc) &&
		    ac_access_renew(s->acc, 0, &temp) == -1) {
			memset(v, 0, sizeof(*v));
			v->klass = temp ? AC_HTTP_RETRY : AC_HTTP_AUTH;
			snprintf(v->code, sizeof(v->code), "ac.token");
			snprintf(v->message, sizeof(v->message),
			    "no new access token");
			*ans = jv_invalid();
			return -1;
		}
		attempt(s, url, login, query, token, ans, v);
		if (v->klass == AC_HTTP_OK)
			return 0;
		if (v->klass == AC_HTTP_AUTH && s->acc->renewable &&
		    !renewed) {
			renewed = 1;
			if (ac_access_renew(s->acc, 1, &temp) == 0)
				continue;
		}
		if (v->klass != AC_HTTP_RETRY || tries >= s->retries)
			return -1;
		tries++;
		wait = v->retry_ms >= 0 ? v->retry_ms :
		    ac_http_backoff_ms(tries, s->base_ms, BACKOFF_CAP_MS,
		    (double)random() / RAND_MAX);
		if (wait > s->max_wait_ms)
			return -1;
		s->nretries++;
		if (!s->quiet)
			ac_warnx("%s %s: %s, retrying in %lldms (%d "
			    "retr%s left)", query != NULL ? "POST" : "GET",
			    path, v->code, wait,
			    s->retries - tries,
			    s->retries - tries == 1 ? "y" : "ies");
		ac_sleep_ms(wait);
	}
}

int
ac_search_run(struct ac_search *s, const char *cid, const char *login,
    const char *query, jv *rows, struct ac_http_verdict *v)
{
	char path[96], *url, *token = NULL;
	jv ans, res;
	const char *t;

	*rows = jv_array();
	snprintf(path, sizeof(path), "/%s/customers/%s/googleAds:search",
	    s->version, cid);
	url = ac_strfmt("%s%s", s->endpoint, path);
	for (;;) {
		if (page(s, url, path, login, query, token, &ans, v) ==
		    -1) {
			jv_free(*rows);
			*rows = jv_invalid();
			break;
		}
		res = ac_obj_get(ans, "results");
		if (jv_get_kind(res) == JV_KIND_ARRAY)
			*rows = jv_array_concat(*rows, res);
		else
			jv_free(res);
		free(token);
		token = NULL;
		t = ac_obj_str(ans, "nextPageToken");
		if (t != NULL && *t != '\0')
			token = ac_strfmt("%s", t);
		jv_free(ans);
		if (token == NULL)
			break;
	}
	free(token);
	free(url);
	return jv_is_valid(*rows) ? 0 : -1;
}

int
ac_search_get(struct ac_search *s, const char *url, const char *path,
    jv *ans, struct ac_http_verdict *v)
{
	if (page(s, url, path, "", NULL, NULL, ans, v) == -1) {
		*ans = jv_invalid();
		return -1;
	}
	return 0;
}

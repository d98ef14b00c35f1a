/* SPDX-License-Identifier: MIT */
#ifndef AC_SEARCH_H
#define AC_SEARCH_H

#include <jv.h>

#include "access.h"
#include "http.h"

/*
 * GoogleAdsService.Search (POST /vNN/customers/{id}/googleAds:search) on
 * one easy handle of lib/http: a GAQL query, every page of its answer
 * (nextPageToken), transient failures retried with backoff, the access
 * token renewed once when the API refuses it. For tools that read the
 * Google Ads API (ac-doctor); lib/gads and lib/dm stay free of it.
 */

struct ac_search {
	struct ac_http_post p;	/* its handle: from ac_http_easy */
	struct ac_access *acc;	/* token, developer token */
	const char *endpoint;	/* base URL, no trailing slash */
	const char *version;	/* "v25" */
	int retries;		/* per page */
	long long base_ms;	/* first backoff */
	long long max_wait_ms;	/* longest wait before a retry */
	int quiet;		/* no retry messages on stderr */
	unsigned long nrequests, nretries;
};

/*
 * Run query for customer cid (ten digits), with the login-customer-id
 * header when login is not "". On success returns 0 and *rows holds the
 * results of every page, in order (an array, owned by the caller). Else
 * returns -1 with v saying why (v->klass AC_HTTP_RETRY when retries ran
 * out, AC_HTTP_FAIL for a refusal, AC_HTTP_AUTH, AC_HTTP_FATAL) and *rows
 * jv_invalid(). Messages about retries go to stderr, never a value.
 */
int ac_search_run(struct ac_search *, const char *cid, const char *login,
    const char *query, jv *rows, struct ac_http_verdict *v);

/*
 * GET url (path is what messages name) with the access token alone, as
 * the Data Manager API wants it (requestStatus:retrieve), retried and
 * renewed as the pages of ac_search_run are. Returns 0 with the answer's
 * object in *ans (owned), or -1 with v saying why and *ans jv_invalid().
 */
int ac_search_get(struct ac_search *, const char *url, const char *path,
    jv *ans, struct ac_http_verdict *v);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef AC_ACCESS_H
#define AC_ACCESS_H

#include "oauth.h"

/*
 * What a network tool sends to Google besides the request: an access
 * token, given (a file, AC_ACCESS_TOKEN, AC_ACCESS_TOKEN_FILE) or got from
 * the credentials ac-token reads and renewed before it expires; the
 * developer token; the default login and linked customer IDs of
 * google-ads.yaml. Used by ac-upload, and meant for every tool that talks
 * to the APIs.
 */
struct ac_access {
	char *token;		/* secret; NULL in a dry run */
	char *scope;		/* the token's scopes; NULL: unknown */
	long long expires;	/* seconds since the epoch, when renewable */
	unsigned gen;		/* one more with each new token */
	int renewable;		/* got from the credentials */
	char *devtoken;		/* secret, or NULL */
	char login[11];		/* login_customer_id, "" when none */
	const char *linked;	/* linked_customer_id, or NULL */
	int fixed_clock;	/* AC_NOW holds the clock still (tests) */
	char *scopes;		/* AC_SCOPES: a service account's claim */
	struct ac_oauth oa;
	struct ac_creds creds;
};

struct ac_access_conf {
	const char *token_file;		/* --access-token-file, or NULL */
	const char *devtoken_file;	/* --developer-token-file, or NULL */
	const char *config;		/* google-ads.yaml, or NULL */
	const char *token_uri, *cacert, *user_agent;
	long long base_ms;		/* first backoff of the token requests */
	int no_token;			/* a dry run: get none */
};

/*
 * Acquire everything before the first request. Returns 0, or the exit
 * status (2, 3 or 75) after saying why on stderr.
 */
int ac_access_open(struct ac_access *, const struct ac_access_conf *);

/* Nonzero when a renewable token expires within five minutes. */
int ac_access_due(const struct ac_access *);

/*
 * A new access token from the credentials (force: not the cached one,
 * which was refused). Returns 0, or -1 after saying why, with *temp set
 * when trying later may help.
 */
int ac_access_renew(struct ac_access *, int force, int *temp);

void ac_access_close(struct ac_access *);

#endif

/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "diag.h"
#include "dtime.h"
#include "oauth.h"
#include "secret.h"

#define RENEW_BEFORE 300	/* seconds: renew a token this close to expiry */

static long long
clock_now(const struct ac_access *a)
{
	/* AC_NOW (tests) holds the clock still */
	return a->fixed_clock ? a->oa.now : (long long)time(NULL);
}

/* Take the token t got into a. */
static void
take(struct ac_access *a, struct ac_token *t)
{
	ac_secret_free(a->token);
	a->token = t->access_token;
	t->access_token = NULL;
	a->expires = t->expires_at;
	free(a->scope);
	a->scope = t->scope;
	t->scope = NULL;
	ac_token_free(t);
	a->gen++;
}

/* The token given by file, AC_ACCESS_TOKEN or AC_ACCESS_TOKEN_FILE into
 * a->token (NULL when none). Returns -1 after saying why. */
static int
given(struct ac_access *a, const char *file)
{
	const char *path;
	int bad;

	if (file != NULL)
		return (a->token = ac_secret_read(file)) == NULL ? -1 : 0;
	if ((a->token = ac_secret_env("AC_ACCESS_TOKEN", &bad)) != NULL ||
	    bad)
		return bad ? -1 : 0;
	if ((path = getenv("AC_ACCESS_TOKEN_FILE")) != NULL && *path != '\0' &&
	    (a->token = ac_secret_read(path)) == NULL)
		return -1;
	return 0;
}

/* The developer token: the file, else AC_DEVELOPER_TOKEN, else the
 * config's. */
static int
developer_token(struct ac_access *a, const char *file)
{
	const char *v;
	int bad;

	if (file != NULL)
		return (a->devtoken = ac_secret_read(file)) == NULL ? -1 : 0;
	if ((a->devtoken = ac_secret_env("AC_DEVELOPER_TOKEN", &bad)) != NULL ||
	    bad)
		return bad ? -1 : 0;
	if ((v = a->creds.v[AC_CRED_DEVELOPER_TOKEN]) != NULL &&
	    (a->devtoken = strdup(v)) == NULL)
		return -1;
	return 0;
}

/* login_customer_id of the config, which may be written 123-456-7890. */
static int
login_id(struct ac_access *a)
{
	const char *v = a->creds.v[AC_CRED_LOGIN_CUSTOMER_ID];
	int i, n;

	if (v == NULL)
		return 0;
	for (i = n = 0; v[i] != '\0' && n < 10; i++)
		if (v[i] != '-')
			a->login[n++] = v[i];
	a->login[n] = '\0';
	if (v[i] != '\0' || n != 10 || strspn(a->login, "0123456789") != 10) {
		ac_warnx("login_customer_id (%s): expected 10 digits",
		    a->creds.src[AC_CRED_LOGIN_CUSTOMER_ID]);
		return -1;
	}
	return 0;
}

int
ac_access_open(struct ac_access *a, const struct ac_access_conf *c)
{
	struct ac_token t;
	const char *v, *errstr;
	char err[160];
	long long now;
	int temp = 0;

	memset(a, 0, sizeof(*a));
	if ((a->fixed_clock = ac_time_env_now(&now, &errstr)) == -1) {
		ac_warnx("AC_NOW: %s", errstr);
		return AC_EXIT_USAGE;
	}
	if (given(a, c->token_file) == -1 ||
	    ac_creds_load(&a->creds, c->config) == -1 ||
	    developer_token(a, c->devtoken_file) == -1 || login_id(a) == -1)
		return AC_EXIT_FATAL;
	a->linked = a->creds.v[AC_CRED_LINKED_CUSTOMER_ID];
	if (a->token != NULL || c->no_token)
		return 0;
	if (ac_creds_flow(&a->creds) == AC_FLOW_NONE) {
		ac_warnx("no access token: set AC_ACCESS_TOKEN, use "
		    "--access-token-file, or configure credentials as for "
		    "ac-token (ac-token check shows what is found)");
		return AC_EXIT_FATAL;
	}
	ac_oauth_init(&a->oa);
	a->oa.base_ms = c->base_ms;
	a->oa.token_uri = c->token_uri;
	a->oa.http.cacert = c->cacert;
	a->oa.http.user_agent = c->user_agent;
	/* A service account claims both scopes unless AC_SCOPES (as for
	 * ac-token) says otherwise. */
	if ((v = getenv("AC_SCOPES")) != NULL && *v != '\0') {
		if (ac_oauth_scopes_add(&a->scopes, v, err, sizeof(err)) ==
		    -1) {
			ac_warnx("AC_SCOPES: %s", err);
			return AC_EXIT_USAGE;
		}
		a->oa.scopes = a->scopes;
	}
	if (ac_oauth_token(&a->oa, &a->creds, &t, &temp) == -1)
		return temp ? AC_EXIT_TEMPFAIL : AC_EXIT_FATAL;
	take(a, &t);
	a->renewable = 1;
	return 0;
}

int
ac_access_due(const struct ac_access *a)
{
	return a->renewable && a->expires - clock_now(a) < RENEW_BEFORE;
}

int
ac_access_renew(struct ac_access *a, int force, int *temp)
{
	struct ac_token t;

	*temp = 0;
	a->oa.now = clock_now(a);
	a->oa.refresh = force;
	if (ac_oauth_token(&a->oa, &a->creds, &t, temp) == -1)
		return -1;
	take(a, &t);
	return 0;
}

void
ac_access_close(struct ac_access *a)
{
	ac_secret_free(a->token);
	ac_secret_free(a->devtoken);
	free(a->scope);
	free(a->scopes);
	ac_creds_free(&a->creds);
	memset(a, 0, sizeof(*a));
}

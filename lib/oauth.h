/* SPDX-License-Identifier: MIT */
#ifndef AC_OAUTH_H
#define AC_OAUTH_H

#include <stddef.h>

#include "http.h"

/*
 * Google Ads credentials as Google's client libraries read them
 * (google-ads-api §5.5): google-ads.yaml, then the GOOGLE_ADS_*
 * environment variables, which win. And OAuth 2.0 access tokens from
 * them: the refresh-token grant or a service account's RS256-signed JWT
 * (jwt-bearer grant), cached in a 0600 file until five minutes before
 * they expire.
 */

/* The Google Ads API needs the first, the Data Manager API the second. */
#define AC_ADWORDS_SCOPE "https://www.googleapis.com/auth/adwords"
#define AC_DATAMANAGER_SCOPE "https://www.googleapis.com/auth/datamanager"
/* What login and service accounts ask for unless told otherwise. */
#define AC_DEFAULT_SCOPES AC_ADWORDS_SCOPE " " AC_DATAMANAGER_SCOPE
#define AC_TOKEN_URI "https://oauth2.googleapis.com/token"

enum ac_cred {
	AC_CRED_CLIENT_ID, AC_CRED_CLIENT_SECRET, AC_CRED_REFRESH_TOKEN,
	AC_CRED_JSON_KEY, AC_CRED_IMPERSONATED, AC_CRED_LOGIN_CUSTOMER_ID,
	AC_CRED_LINKED_CUSTOMER_ID, AC_CRED_DEVELOPER_TOKEN, AC_CRED_N
};

struct ac_creds {
	char *v[AC_CRED_N];	/* values, NULL when not configured */
	char *src[AC_CRED_N];	/* where each came from, for messages */
	char *config;		/* the google-ads.yaml read, or NULL */
};

/* The google-ads.yaml key of each field ("client_id"). */
extern const char *const ac_cred_names[AC_CRED_N];
/* Nonzero for the fields that are secrets (never printed). */
int ac_cred_secret(enum ac_cred);

/*
 * Load credentials: the YAML file path (NULL: $GOOGLE_ADS_CONFIGURATION_
 * FILE_PATH, else ~/google-ads.yaml when it exists), then the environment
 * (GOOGLE_ADS_CLIENT_ID, ...), then, for a refresh token still missing,
 * the file named by AC_REFRESH_TOKEN_FILE or the one ac-token login
 * writes. Warns about secret files others can read. Prints why and
 * returns -1 on a bad file.
 */
int ac_creds_load(struct ac_creds *, const char *path);
void ac_creds_free(struct ac_creds *);

/* Where ac-token login keeps the refresh token (malloc'ed path):
 * $AC_REFRESH_TOKEN_FILE, else $XDG_CONFIG_HOME/ac/refresh-token, else
 * ~/.config/ac/refresh-token. */
char *ac_refresh_token_path(void);

enum ac_flow { AC_FLOW_NONE, AC_FLOW_REFRESH, AC_FLOW_SERVICE };
/* Which flow the credentials allow: a service account key wins, as in
 * google-ads-python. */
enum ac_flow ac_creds_flow(const struct ac_creds *);

struct ac_token {
	char *access_token;	/* secret */
	char *token_type;
	char *scope;		/* granted, space-separated; NULL: unknown */
	long long expires_at;	/* seconds since the epoch */
	int from_cache;
};

struct ac_oauth {
	const char *token_uri;	/* NULL: the key file's, else AC_TOKEN_URI */
	const char *cache_dir;	/* NULL: $XDG_CACHE_HOME/ac or ~/.cache/ac */
	const char *scopes;	/* a service account's claim, space-separated
				 * (ac_oauth_scopes_add); NULL: the default */
	int no_cache;		/* neither read nor write the cache */
	int refresh;		/* ignore a cached token (it was refused) */
	long long now;		/* seconds since the epoch (AC_NOW in tests) */
	int retries;		/* for network errors and 5xx */
	long long base_ms;	/* first backoff */
	struct ac_http_conf http;
};

/* Defaults for o: the clock, 3 retries, 1 s backoff, 30 s timeout. */
void ac_oauth_init(struct ac_oauth *o);

/*
 * An access token for the credentials, valid for at least five more
 * minutes: from the cache, else from the token endpoint (then cached).
 * Returns 0, or -1 after printing why (credentials refused: the likely
 * causes of invalid_grant; network errors after the retries: *temp set).
 */
int ac_oauth_token(const struct ac_oauth *, const struct ac_creds *,
    struct ac_token *, int *temp);
void ac_token_free(struct ac_token *);

/* The token endpoint the credentials use (malloc'ed): o's, else a
 * service account key's token_uri, else AC_TOKEN_URI. */
char *ac_oauth_endpoint(const struct ac_oauth *, const struct ac_creds *);

/*
 * Exchange an authorization code (installed-app flow, PKCE): code,
 * redirect_uri and code_verifier at the token endpoint. On success the
 * access token is in t and the refresh token in *refresh (malloc'ed,
 * secret). Returns -1 after printing why.
 */
int ac_oauth_exchange(const struct ac_oauth *, const struct ac_creds *,
    const char *code, const char *redirect_uri, const char *verifier,
    struct ac_token *t, char **refresh, int *temp);

/*
 * Whether the space-separated list scopes holds scope (a full URL, as
 * AC_DATAMANAGER_SCOPE). Pure. Returns 1 or 0, or -1 when scopes is NULL
 * (not known).
 */
int ac_oauth_has_scope(const char *scopes, const char *scope);

/*
 * Add the scopes of arg, separated by spaces or commas, to *list, a
 * malloc'ed space-separated list (NULL: empty), each once. A scope is a
 * short name (adwords, datamanager) or a URL under
 * https://www.googleapis.com/auth/. Returns 0, or -1 with why in err
 * (*list unchanged).
 */
int ac_oauth_scopes_add(char **list, const char *arg, char *err,
    size_t errlen);

/* Write s to path atomically (a temporary file, then rename), mode 0600.
 * Returns -1 after printing why. */
int ac_write_private(const char *path, const char *s, size_t n);

#endif

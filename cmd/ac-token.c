/* SPDX-License-Identifier: MIT */
/*
 * ac-token: OAuth 2.0 access tokens for the Google Ads and Data Manager
 * APIs, from the credentials Google's client libraries read
 * (google-ads.yaml and the GOOGLE_ADS_* environment variables).
 *
 *   ac-token          print {access_token, token_type, expires_at, scope}
 *   ac-token --raw    print the access token alone
 *   ac-token check    show the credential source, scopes (and so the APIs
 *                     the token is good for) and expiry, secrets masked
 *   ac-token login    the installed-app flow (PKCE): get a refresh token
 *                     and keep it in a 0600 file
 *
 * login and service accounts ask for the adwords and datamanager scopes
 * unless --scope or AC_SCOPES says otherwise; a refresh token keeps the
 * scopes it was made with.
 *
 * Tokens are cached in $XDG_CACHE_HOME/ac (0600) until five minutes
 * before they expire. No secret is ever read from argv or printed on
 * stderr.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jv.h>

#include "crypto.h"
#include "diag.h"
#include "dtime.h"
#include "http.h"
#include "ndjson.h"
#include "oauth.h"
#include "opt.h"
#include "secret.h"

#define AUTH_URI "https://accounts.google.com/o/oauth2/v2/auth"
#define LOGIN_WAIT_MS (5 * 60 * 1000)	/* for the browser's redirect */

extern char **environ;

struct opts {
	const char *config, *token_uri, *cacert, *output;
	char *scopes;		/* --scope or AC_SCOPES; NULL: the default */
	int raw, no_cache, no_browser, quiet, verbose, port, scope_opt;
};

enum {
	OPT_CACERT = 256, OPT_CONFIG, OPT_NO_BROWSER, OPT_NO_CACHE,
	OPT_OUTPUT, OPT_PORT, OPT_RAW, OPT_SCOPE, OPT_TOKEN_URI
};

static const struct option longopts[] = {
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ "no-browser", no_argument, NULL, OPT_NO_BROWSER },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "token-uri", required_argument, NULL, OPT_TOKEN_URI },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ac-token [-hqVv] [--cacert FILE] [--config FILE] "
	    "[--no-browser] [--no-cache] [--output FILE] [--port N] [--raw] "
	    "[--scope SCOPE] [--token-uri URL] [check | login]\n"
	    "      --cacert FILE      trust the CA certificates in FILE\n"
	    "      --config FILE      read google-ads.yaml from FILE\n"
	    "  -h, --help             show this help\n"
	    "      --no-browser       login: do not open a browser; paste "
	    "the redirect URL\n"
	    "      --no-cache         get a new token, not the cached one\n"
	    "      --output FILE      login: keep the refresh token in FILE "
	    "(- prints it)\n"
	    "      --port N           login: the loopback port for the "
	    "redirect (default: any)\n"
	    "  -q, --quiet            no messages but errors\n"
	    "      --raw              print the access token alone\n"
	    "      --scope SCOPE      login and service accounts: ask for "
	    "SCOPE (adwords,\n"
	    "                         datamanager or a URL; repeatable; "
	    "default both)\n"
	    "      --token-uri URL    the token endpoint (default "
	    AC_TOKEN_URI ")\n"
	    "  -V, --version          show the version\n"
	    "  -v, --verbose          say where the token came from\n");
	exit(status);
}

static void
rfc3339(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Print a token record (or the bare token) on stdout. */
static int
print_token(const struct ac_token *t, int raw)
{
	struct ac_writer w;
	char when[32];
	jv v;
	int r;

	if (ac_writer_init(&w, STDOUT_FILENO) == -1)
		return -1;
	if (raw) {
		ac_write_bytes(&w, t->access_token, strlen(t->access_token));
		ac_write_bytes(&w, "\n", 1);
	} else {
		rfc3339(t->expires_at, when, sizeof(when));
		v = jv_object_set(jv_object(), jv_string("access_token"),
		    jv_string(t->access_token));
		v = jv_object_set(v, jv_string("token_type"),
		    jv_string(t->token_type));
		v = jv_object_set(v, jv_string("expires_at"), jv_string(when));
		/* null when the token endpoint did not say */
		v = jv_object_set(v, jv_string("scope"), t->scope != NULL ?
		    jv_string(t->scope) : jv_null());
		ac_write(&w, v);
	}
	r = ac_writer_flush(&w);
	explicit_bzero(w.buf, w.len);
	if (ac_writer_close(&w) == -1 || r == -1) {
		if (w.err != EPIPE) {
			errno = w.err;
			ac_warn("stdout");
		}
		return -1;
	}
	return 0;
}

/*
 * check's lines on the APIs: which the token's scopes allow, and what to
 * do about one they do not.
 */
static void
print_apis(const char *scopes, enum ac_flow flow)
{
	static const struct {
		const char *api, *scope, *name;
	} apis[] = {
		{ "Google Ads API", AC_ADWORDS_SCOPE, "adwords" },
		{ "Data Manager API", AC_DATAMANAGER_SCOPE, "datamanager" },
	};
	size_t i;

	if (scopes == NULL)
		printf("scope: unknown (the token endpoint did not say)\n");
	else
		printf("scope: %s\n", scopes);
	for (i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
		switch (ac_oauth_has_scope(scopes, apis[i].scope)) {
		case 1:
			printf("%s: yes\n", apis[i].api);
			break;
		case 0:
			if (flow == AC_FLOW_SERVICE)
				printf("%s: no: the %s scope was not asked "
				    "for; add it to --scope or AC_SCOPES, or "
				    "set neither (both by default)\n",
				    apis[i].api, apis[i].name);
			else
				printf("%s: no: the refresh token was made "
				    "without the %s scope; run ac-token login "
				    "again (it asks for both scopes)\n",
				    apis[i].api, apis[i].name);
			break;
		default:
			printf("%s: unknown\n", apis[i].api);
			break;
		}
	}
}

/* What incomplete credentials lack, and the way to get it. */
static void
missing(const struct ac_creds *c)
{
	const char *id = c->v[AC_CRED_CLIENT_ID], *sec =
	    c->v[AC_CRED_CLIENT_SECRET], *rt = c->v[AC_CRED_REFRESH_TOKEN];

	if (id != NULL && sec != NULL && rt == NULL)
		printf("missing: refresh_token: run ac-token login to get "
		    "one\n");
	else if (id != NULL || sec != NULL || rt != NULL)
		printf("missing: %s%s%s (an OAuth client's client_id and "
		    "client_secret, then ac-token login for the "
		    "refresh_token)\n", id == NULL ? "client_id" : "",
		    id == NULL && sec == NULL ? (rt == NULL ? ", " : " and ") :
		    id == NULL && rt == NULL ? " and " : "",
		    sec == NULL && rt == NULL ? "client_secret and "
		    "refresh_token" : sec == NULL ? "client_secret" :
		    rt == NULL ? "refresh_token" : "");
	else
		printf("missing: client_id, client_secret and refresh_token "
		    "(an OAuth client, then ac-token login), or "
		    "json_key_file_path (a service account's key)\n");
}

/* check: the credentials in use, secrets masked, and a token. */
static int
check(const struct ac_oauth *oa, const struct ac_creds *c)
{
	struct ac_token t;
	enum ac_flow flow = ac_creds_flow(c);
	char when[32], *uri;
	int i, temp = 0;

	printf("config: %s\n", c->config ? c->config : "(none: environment "
	    "only)");
	printf("flow: %s\n", flow == AC_FLOW_SERVICE ? "service account "
	    "(jwt-bearer)" : flow == AC_FLOW_REFRESH ? "refresh token "
	    "(installed app)" : "none: credentials incomplete");
	for (i = 0; i < AC_CRED_N; i++) {
		if (c->v[i] == NULL)
			continue;
		if (ac_cred_secret((enum ac_cred)i))
			printf("%s: set, %zu characters, masked (%s)\n",
			    ac_cred_names[i], strlen(c->v[i]), c->src[i]);
		else
			printf("%s: %s (%s)\n", ac_cred_names[i], c->v[i],
			    c->src[i]);
	}
	if (flow == AC_FLOW_NONE)
		missing(c);
	uri = ac_oauth_endpoint(oa, c);
	printf("token endpoint: %s\n", uri);
	free(uri);
	fflush(stdout);
	if (ac_oauth_token(oa, c, &t, &temp) == -1)
		return temp ? AC_EXIT_TEMPFAIL : AC_EXIT_FATAL;
	rfc3339(t.expires_at, when, sizeof(when));
	printf("access token: valid until %s (%lld min), %s\n", when,
	    (t.expires_at - oa->now) / 60, t.from_cache ? "from the cache" :
	    "new");
	print_apis(t.scope, flow);
	ac_token_free(&t);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			ac_warn("stdout");
		return AC_EXIT_FATAL;
	}
	return AC_EXIT_OK;
}

/* login */

static char *
b64_random(size_t n)
{
	unsigned char buf[64];
	char *out = malloc(n / 3 * 4 + 8);

	if (out == NULL || n > sizeof(buf) || ac_random(buf, n) == -1) {
		free(out);
		return NULL;
	}
	ac_base64url(buf, n, out);
	explicit_bzero(buf, sizeof(buf));
	return out;
}

/* The value of name in a query string q (URL-decoded, malloc'ed). */
static char *
query_param(const char *q, const char *name)
{
	size_t n = strlen(name), len;
	const char *p = q, *e;
	char *v;
	int outlen = 0;

	while (p != NULL && *p != '\0') {
		e = p + strcspn(p, "&# \r\n");
		if ((size_t)(e - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=') {
			len = (size_t)(e - p) - n - 1;
			v = curl_easy_unescape(NULL, p + n + 1, (int)len,
			    &outlen);
			if (v == NULL)
				return NULL;
			{
				char *r = strdup(v);

				explicit_bzero(v, (size_t)outlen);
				curl_free(v);
				return r;
			}
		}
		if (*e != '&')
			break;
		p = e + 1;
	}
	return NULL;
}

/* Open url with xdg-open when there is a display; 0 when launched. */
static int
open_browser(const char *url)
{
	char *argv[] = { (char *)(uintptr_t)"xdg-open",
		(char *)(uintptr_t)url, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	if (getenv("DISPLAY") == NULL && getenv("WAYLAND_DISPLAY") == NULL)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
	r = posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return r == 0 ? 0 : -1;
}

static int
listen_loopback(int port, int *bound)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) == -1) {
		close(fd);
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

static void
answer_browser(int fd, int ok)
{
	char buf[512];
	const char *body = ok ? "<html><body><p>ac-token received the "
	    "answer; the terminal says how it went. You can close this "
	    "window.</p></body></html>\n" : "<html><body><p>ac-token: not "
	    "an answer to a login.</p></body></html>\n";
	int n;

	n = snprintf(buf, sizeof(buf), "HTTP/1.1 %s\r\nContent-Type: "
	    "text/html; charset=utf-8\r\nContent-Length: %zu\r\nConnection: "
	    "close\r\n\r\n%s", ok ? "200 OK" : "400 Bad Request",
	    strlen(body), body);
	if (n > 0)
		(void)!write(fd, buf, (size_t)n);
}

/*
 * Wait for the browser's redirect to the loopback listener: the query of
 * its request line, malloc'ed. NULL after a timeout or error.
 */
static char *
wait_redirect(int lfd)
{
	char buf[8192], *q, *e;
	struct pollfd p = { lfd, POLLIN, 0 };
	size_t len;
	ssize_t n;
	int fd;
	long long deadline = (long long)time(NULL) + LOGIN_WAIT_MS / 1000;
	long long conn_end;

	while ((long long)time(NULL) < deadline) {
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		len = 0;
		/* 5 s for the whole request line, however slowly it
		 * comes: a stray client must not hold the browser's
		 * redirect up */
		conn_end = ac_clock_ms() + 5000;
		while (len < sizeof(buf) - 1) {
			struct pollfd c = { fd, POLLIN, 0 };
			long long left = conn_end - ac_clock_ms();

			if (left <= 0 || poll(&c, 1, (int)left) <= 0)
				break;
			n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = '\0';
			if (strstr(buf, "\r\n") != NULL)
				break;
		}
		buf[len] = '\0';
		/* "GET /path?query HTTP/1.1" */
		if (strncmp(buf, "GET ", 4) != 0 ||
		    (q = strchr(buf + 4, '?')) == NULL ||
		    (e = strchr(q, ' ')) == NULL) {
			answer_browser(fd, 0);
			close(fd);
			continue;	/* a favicon, say */
		}
		*e = '\0';
		q = strdup(q + 1);
		answer_browser(fd, 1);
		close(fd);
		explicit_bzero(buf, sizeof(buf));
		return q;
	}
	return NULL;
}

/* Warn about each scope of asked that granted lacks. */
static void
warn_ungranted(const char *asked, const char *granted)
{
	char *l = NULL, *p, *q, err[128];
	const char *api;

	/* asked was checked already: this copy cannot fail */
	if (ac_oauth_scopes_add(&l, asked, err, sizeof(err)) == -1)
		return;
	for (p = strtok_r(l, " ", &q); p != NULL; p = strtok_r(NULL, " ",
	    &q)) {
		if (ac_oauth_has_scope(granted, p) != 0)
			continue;
		api = strcmp(p, AC_DATAMANAGER_SCOPE) == 0 ? "the Data "
		    "Manager API" : strcmp(p, AC_ADWORDS_SCOPE) == 0 ? "the "
		    "Google Ads API" : "the API that needs it";
		ac_warnx("login: the consent did not grant %s (was it "
		    "unticked?): %s will refuse this refresh token's access "
		    "tokens; run ac-token login again and allow all", p, api);
	}
	free(l);
}

static int
login(struct ac_oauth *oa, const struct ac_creds *c, const struct opts *o)
{
	const char *auth = getenv("AC_AUTH_URI"), *scopes;
	char *verifier = NULL, *state = NULL, *challenge = NULL, *query = NULL;
	char *code = NULL, *got_state = NULL, *err = NULL, *refresh = NULL;
	char *path = NULL, redirect[64], line[8192], *url = NULL;
	unsigned char md[32];
	char cbuf[64];
	struct ac_token t;
	int lfd = -1, port = 0, status = AC_EXIT_FATAL, temp = 0;
	size_t n;

	if (auth == NULL || *auth == '\0')
		auth = AUTH_URI;
	scopes = o->scopes != NULL ? o->scopes : AC_DEFAULT_SCOPES;
	if (c->v[AC_CRED_CLIENT_ID] == NULL ||
	    c->v[AC_CRED_CLIENT_SECRET] == NULL) {
		ac_warnx("login needs client_id and client_secret (an OAuth "
		    "client of type Desktop app) in google-ads.yaml or "
		    "GOOGLE_ADS_CLIENT_ID and GOOGLE_ADS_CLIENT_SECRET");
		return AC_EXIT_FATAL;
	}
	/* PKCE (RFC 7636): a 43-character verifier, its S256 challenge. */
	if ((verifier = b64_random(32)) == NULL ||
	    (state = b64_random(16)) == NULL ||
	    ac_sha256(verifier, strlen(verifier), md) == -1) {
		ac_warnx("no random numbers from OpenSSL");
		goto out;
	}
	ac_base64url(md, 32, cbuf);
	challenge = cbuf;
	if (!o->no_browser) {
		if ((lfd = listen_loopback(o->port, &port)) == -1) {
			ac_warn("loopback port %d", o->port);
			goto out;
		}
	} else {
		port = o->port > 0 ? o->port : 8085;
	}
	snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%d", port);
	{
		char *eid = curl_easy_escape(NULL, c->v[AC_CRED_CLIENT_ID], 0);
		char *eru = curl_easy_escape(NULL, redirect, 0);
		char *esc = curl_easy_escape(NULL, scopes, 0);

		n = strlen(auth) + strlen(eid) + strlen(eru) + strlen(esc) +
		    strlen(challenge) + strlen(state) + 256;
		url = malloc(n);
		if (url != NULL)
			snprintf(url, n, "%s?client_id=%s&redirect_uri=%s&"
			    "response_type=code&scope=%s&access_type=offline&"
			    "prompt=consent&code_challenge=%s&"
			    "code_challenge_method=S256&state=%s", auth, eid,
			    eru, esc, challenge, state);
		curl_free(eid);
		curl_free(eru);
		curl_free(esc);
		if (url == NULL)
			goto out;
	}
	if (o->no_browser) {
		fprintf(stderr, "Open this URL in a browser, allow access, "
		    "then copy the address the browser is sent to (it starts "
		    "with %s/?) and paste it here:\n\n%s\n\n> ", redirect,
		    url);
		fflush(stderr);
		if (fgets(line, sizeof(line), stdin) == NULL) {
			ac_warnx("login: no redirect address on standard "
			    "input");
			goto out;
		}
		query = strchr(line, '?') != NULL ?
		    strdup(strchr(line, '?') + 1) : NULL;
		if (query == NULL) {
			ac_warnx("login: expected the whole address, with "
			    "?code=...&state=...");
			goto out;
		}
		explicit_bzero(line, sizeof(line));
	} else {
		if (open_browser(url) == -1 || !o->quiet)
			fprintf(stderr, "Open this URL in a browser and allow "
			    "access (waiting for the redirect to %s):\n\n%s\n\n",
			    redirect, url);
		if ((query = wait_redirect(lfd)) == NULL) {
			ac_warnx("login: no redirect within %d minutes",
			    LOGIN_WAIT_MS / 60000);
			goto out;
		}
	}
	got_state = query_param(query, "state");
	err = query_param(query, "error");
	code = query_param(query, "code");
	if (got_state == NULL || strcmp(got_state, state) != 0) {
		/* Not the answer to our request (RFC 6749 §10.12). */
		ac_warnx("login: the redirect's state does not match; start "
		    "again");
		goto out;
	}
	if (err != NULL || code == NULL) {
		if (err != NULL)
			ac_text_clean(err);
		ac_warnx("login: authorization refused: %s", err != NULL ?
		    err : "no code in the redirect");
		if (err != NULL && strcmp(err, "invalid_scope") == 0)
			ac_warnx("the scopes asked for were refused: %s; "
			    "choose them with --scope or AC_SCOPES (adwords, "
			    "datamanager)", scopes);
		goto out;
	}
	if (ac_oauth_exchange(oa, c, code, redirect, verifier, &t, &refresh,
	    &temp) == -1) {
		status = temp ? AC_EXIT_TEMPFAIL : AC_EXIT_FATAL;
		goto out;
	}
	/* The consent screen lets the user untick scopes: say which are
	 * missing, as the API needing one will refuse the token. */
	if (t.scope != NULL)
		warn_ungranted(scopes, t.scope);
	ac_token_free(&t);
	if (refresh == NULL) {
		ac_warnx("login: the answer has no refresh token (was "
		    "access_type=offline refused?)");
		goto out;
	}
	if (o->output != NULL && strcmp(o->output, "-") == 0) {
		printf("%s\n", refresh);
		status = fflush(stdout) == EOF ? AC_EXIT_FATAL : AC_EXIT_OK;
		goto out;
	}
	path = o->output != NULL ? strdup(o->output) : ac_refresh_token_path();
	if (path == NULL) {
		ac_warnx("login: no place for the refresh token: set HOME or "
		    "use --output");
		goto out;
	}
	{
		size_t len = strlen(refresh);

		refresh[len] = '\n';	/* one line, as secret files are */
		if (ac_write_private(path, refresh, len + 1) == -1) {
			refresh[len] = '\0';
			goto out;
		}
		refresh[len] = '\0';
	}
	if (!o->quiet)
		fprintf(stderr, "ac-token: refresh token kept in %s (mode "
		    "0600)%s\n", path, o->output != NULL ? "; point "
		    "AC_REFRESH_TOKEN_FILE at it" : "");
	/* The file is the last place looked in: say when it is shadowed. */
	if (c->v[AC_CRED_REFRESH_TOKEN] != NULL &&
	    strcmp(c->src[AC_CRED_REFRESH_TOKEN], path) != 0)
		ac_warnx("the refresh_token of %s is used before this file; "
		    "remove it there to use the new one",
		    c->src[AC_CRED_REFRESH_TOKEN]);
	status = AC_EXIT_OK;
out:
	if (lfd >= 0)
		close(lfd);
	ac_secret_free(verifier);
	ac_secret_free(state);
	ac_secret_free(query);
	ac_secret_free(code);
	ac_secret_free(refresh);
	free(got_state);
	free(err);
	free(path);
	free(url);
	return status;
}

int
main(int argc, char *argv[])
{
	struct ac_oauth oa;
	struct ac_creds c;
	struct ac_token t;
	struct opts o;
	const char *errstr, *e;
	char why[160];
	enum ac_flow flow;
	long long now;
	int ch, status, temp = 0;

	ac_setprogname("ac-token");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ac_diex(AC_EXIT_FATAL, "curl_global_init failed");
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hqVv", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_CACERT:
			o.cacert = optarg;
			break;
		case OPT_CONFIG:
			o.config = optarg;
			break;
		case 'h':
			usage(stdout, AC_EXIT_OK);
			break;
		case OPT_NO_BROWSER:
			o.no_browser = 1;
			break;
		case OPT_NO_CACHE:
			o.no_cache = 1;
			break;
		case OPT_OUTPUT:
			o.output = optarg;
			break;
		case OPT_PORT:
			o.port = (int)ac_strtonum(optarg, 0, 65535, &errstr);
			if (errstr != NULL) {
				ac_warnx("--port: %s, expected 0 to 65535",
				    errstr);
				usage(stderr, AC_EXIT_USAGE);
			}
			break;
		case 'q':
			o.quiet = 1;
			break;
		case OPT_RAW:
			o.raw = 1;
			break;
		case OPT_SCOPE:
			if (ac_oauth_scopes_add(&o.scopes, optarg, why,
			    sizeof(why)) == -1) {
				ac_warnx("--scope: %s", why);
				usage(stderr, AC_EXIT_USAGE);
			}
			o.scope_opt = 1;
			break;
		case OPT_TOKEN_URI:
			o.token_uri = optarg;
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
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "check") != 0 &&
	    strcmp(argv[0], "login") != 0)) {
		ac_warnx("expected no command, check or login");
		usage(stderr, AC_EXIT_USAGE);
	}
	if (o.scopes == NULL && (e = getenv("AC_SCOPES")) != NULL &&
	    *e != '\0' && ac_oauth_scopes_add(&o.scopes, e, why,
	    sizeof(why)) == -1) {
		ac_warnx("AC_SCOPES: %s", why);
		usage(stderr, AC_EXIT_USAGE);
	}
	if (o.token_uri == NULL && (e = getenv("AC_TOKEN_URI")) != NULL &&
	    *e != '\0')
		o.token_uri = e;
	if (o.token_uri != NULL && !ac_http_url_ok(o.token_uri, why,
	    sizeof(why))) {
		ac_warnx("token URI: %s", why);
		usage(stderr, AC_EXIT_USAGE);
	}
	if (argc == 1 && strcmp(argv[0], "login") == 0 &&
	    (e = getenv("AC_AUTH_URI")) != NULL && *e != '\0' &&
	    !ac_http_url_ok(e, why, sizeof(why))) {
		ac_warnx("AC_AUTH_URI: %s", why);
		usage(stderr, AC_EXIT_USAGE);
	}

	if (ac_time_env_now(&now, &errstr) == -1)
		ac_diex(AC_EXIT_USAGE, "AC_NOW: %s", errstr);
	ac_oauth_init(&oa);
	oa.token_uri = o.token_uri;
	oa.scopes = o.scopes;
	/* --no-cache: a new token whatever is cached, which replaces it */
	oa.refresh = o.no_cache;
	oa.http.cacert = o.cacert;
	oa.http.user_agent = "ac-token/" AC_VERSION;
	if (ac_creds_load(&c, o.config) == -1) {
		free(o.scopes);
		curl_global_cleanup();
		return AC_EXIT_FATAL;
	}
	flow = ac_creds_flow(&c);
	if (o.scope_opt && flow == AC_FLOW_REFRESH && (argc == 0 ||
	    strcmp(argv[0], "check") == 0))
		ac_warnx("--scope: a refresh token carries the scopes it was "
		    "made with; to change them, run ac-token login --scope");
	if (argc == 1 && strcmp(argv[0], "check") == 0) {
		status = check(&oa, &c);
	} else if (argc == 1) {
		status = login(&oa, &c, &o);
	} else if (ac_oauth_token(&oa, &c, &t, &temp) == -1) {
		status = temp ? AC_EXIT_TEMPFAIL : AC_EXIT_FATAL;
	} else {
		if (o.verbose)
			ac_warnx("access token %s", t.from_cache ?
			    "from the cache" : "from the token endpoint");
		status = print_token(&t, o.raw) == -1 ? AC_EXIT_FATAL :
		    AC_EXIT_OK;
		ac_token_free(&t);
	}
	ac_creds_free(&c);
	free(o.scopes);
	curl_global_cleanup();
	return status;
}

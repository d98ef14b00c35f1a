/* SPDX-License-Identifier: MIT */
/* Credentials as Google's client libraries read them (lib/oauth). */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#include "oauth.h"

static char dir[256];

static const char *
file(const char *name, const char *text, int mode)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(path, (mode_t)mode);
	return path;
}

static void
clear_env(void)
{
	static const char *const v[] = { "GOOGLE_ADS_CLIENT_ID",
		"GOOGLE_ADS_CLIENT_SECRET", "GOOGLE_ADS_REFRESH_TOKEN",
		"GOOGLE_ADS_JSON_KEY_FILE_PATH", "GOOGLE_ADS_IMPERSONATED_EMAIL",
		"GOOGLE_ADS_LOGIN_CUSTOMER_ID", "GOOGLE_ADS_LINKED_CUSTOMER_ID",
		"GOOGLE_ADS_DEVELOPER_TOKEN", "GOOGLE_ADS_CONFIGURATION_FILE_PATH",
		"GOOGLE_ADS_PATH_TO_PRIVATE_KEY_FILE",
		"GOOGLE_ADS_DELEGATED_ACCOUNT", "AC_REFRESH_TOKEN_FILE",
		"XDG_CONFIG_HOME" };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		unsetenv(v[i]);
}

#define V(c, k) ((c).v[k] != NULL ? (c).v[k] : "(null)")

int
main(void)
{
	struct ac_creds c;
	const char *p;
	char home[300], *rt;

	snprintf(dir, sizeof(dir), "%s/t_oauth.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	clear_env();
	snprintf(home, sizeof(home), "%s/home", dir);
	mkdir(home, 0700);
	setenv("HOME", home, 1);

	/* google-ads-python's sample file, with a nested logging block */
	p = file("google-ads.yaml",
	    "# comment\n"
	    "developer_token: DEVTOKEN\n"
	    "use_proto_plus: True\n"
	    "client_id: cid.apps.googleusercontent.com\n"
	    "client_secret: \"sec ret\"\n"
	    "refresh_token: 1//0rt\n"
	    "logging:\n"
	    "  version: 1\n"
	    "  handlers:\n"
	    "    default_handler:\n"
	    "      class: logging.StreamHandler\n"
	    "  client_id: nested-not-read\n"
	    "login_customer_id: 1234567890\n"
	    "linked_customer_id: ~\n"
	    "impersonated_email: null\n", 0600);
	ok(ac_creds_load(&c, p) == 0, "load the sample file");
	is_str(V(c, AC_CRED_CLIENT_ID), "cid.apps.googleusercontent.com",
	    "client_id, not the nested one");
	is_str(V(c, AC_CRED_CLIENT_SECRET), "sec ret", "quoted scalar");
	is_str(V(c, AC_CRED_LOGIN_CUSTOMER_ID), "1234567890",
	    "an unquoted number is text");
	ok(c.v[AC_CRED_LINKED_CUSTOMER_ID] == NULL, "~ is unset");
	ok(c.v[AC_CRED_IMPERSONATED] == NULL, "null is unset");
	is_str(c.src[AC_CRED_CLIENT_ID], p, "source: the file");
	ok(ac_creds_flow(&c) == AC_FLOW_REFRESH, "flow: refresh token");
	ac_creds_free(&c);

	/* The environment wins, as in google-ads-python. */
	setenv("GOOGLE_ADS_CLIENT_ID", "env-client", 1);
	setenv("GOOGLE_ADS_CONFIGURATION_FILE_PATH", p, 1);
	ok(ac_creds_load(&c, NULL) == 0, "load via the variable");
	is_str(V(c, AC_CRED_CLIENT_ID), "env-client", "env beats file");
	is_str(c.src[AC_CRED_CLIENT_ID], "GOOGLE_ADS_CLIENT_ID",
	    "source: the variable");
	is_str(V(c, AC_CRED_REFRESH_TOKEN), "1//0rt", "file value kept");
	ac_creds_free(&c);
	clear_env();

	/* ~/google-ads.yaml by default; deprecated aliases */
	snprintf(home, sizeof(home), "%s/home/google-ads.yaml", dir);
	rename(p, home);
	p = file("home/google-ads.yaml",
	    "path_to_private_key_file: /k.json\ndelegated_account: a@b.c\n",
	    0644);
	ok(ac_creds_load(&c, NULL) == 0, "load ~/google-ads.yaml");
	is_str(V(c, AC_CRED_JSON_KEY), "/k.json", "path_to_private_key_file");
	is_str(V(c, AC_CRED_IMPERSONATED), "a@b.c", "delegated_account");
	ok(ac_creds_flow(&c) == AC_FLOW_SERVICE, "flow: service account");
	ac_creds_free(&c);
	setenv("GOOGLE_ADS_JSON_KEY_FILE_PATH", "/env.json", 1);
	ac_creds_load(&c, NULL);
	is_str(V(c, AC_CRED_JSON_KEY), "/env.json", "env beats an alias");
	ac_creds_free(&c);
	clear_env();
	unlink(p);

	/* A refresh token still missing comes from the login file. */
	p = file("rt", "  1//from-login \n", 0600);
	setenv("AC_REFRESH_TOKEN_FILE", p, 1);
	setenv("GOOGLE_ADS_CLIENT_ID", "x", 1);
	setenv("GOOGLE_ADS_CLIENT_SECRET", "y", 1);
	ok(ac_creds_load(&c, NULL) == 0, "no yaml at all is fine");
	is_str(V(c, AC_CRED_REFRESH_TOKEN), "1//from-login",
	    "refresh token from AC_REFRESH_TOKEN_FILE");
	ok(ac_creds_flow(&c) == AC_FLOW_REFRESH, "complete with it");
	ac_creds_free(&c);
	setenv("GOOGLE_ADS_REFRESH_TOKEN", "1//env", 1);
	ac_creds_load(&c, NULL);
	is_str(V(c, AC_CRED_REFRESH_TOKEN), "1//env", "the variable first");
	ac_creds_free(&c);
	clear_env();
	rt = ac_refresh_token_path();
	snprintf(home, sizeof(home), "%s/home/.config/ac/refresh-token", dir);
	is_str(rt, home, "default refresh-token path under ~/.config");
	free(rt);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	rt = ac_refresh_token_path();
	is_str(rt, "/xdg/ac/refresh-token", "under XDG_CONFIG_HOME");
	free(rt);
	clear_env();

	/* Bad files */
	ok(ac_creds_load(&c, "/nonexistent/google-ads.yaml") == -1,
	    "an explicit missing file fails");
	p = file("seq.yaml", "- a\n- b\n", 0600);
	ok(ac_creds_load(&c, p) == -1, "a sequence is not a config");
	p = file("bad.yaml", "client_id: [unclosed\n", 0600);
	ok(ac_creds_load(&c, p) == -1, "a syntax error fails");
	ok(ac_creds_flow(&c) == AC_FLOW_NONE, "nothing left after a failure");
	{
		/* libyaml slows down quadratically with nesting: refused */
		char deep[2100];

		memset(deep, '[', 2000);
		strcpy(deep + 2000, "\n");
		p = file("deep.yaml", deep, 0600);
		ok(ac_creds_load(&c, p) == -1, "nesting too deep is refused");
	}
	/* Scopes: the list a token carries, and --scope's parser */
	ok(ac_oauth_has_scope(NULL, AC_DATAMANAGER_SCOPE) == -1,
	    "has_scope: unknown scopes are -1");
	ok(ac_oauth_has_scope("", AC_ADWORDS_SCOPE) == 0, "has_scope: empty");
	ok(ac_oauth_has_scope(AC_DEFAULT_SCOPES, AC_ADWORDS_SCOPE) == 1 &&
	    ac_oauth_has_scope(AC_DEFAULT_SCOPES, AC_DATAMANAGER_SCOPE) == 1,
	    "has_scope: both in the default list");
	ok(ac_oauth_has_scope(AC_ADWORDS_SCOPE, AC_DATAMANAGER_SCOPE) == 0,
	    "has_scope: adwords alone is not datamanager");
	ok(ac_oauth_has_scope("  " AC_ADWORDS_SCOPE "\t x  ",
	    AC_ADWORDS_SCOPE) == 1, "has_scope: spaces and tabs around");
	ok(ac_oauth_has_scope(AC_ADWORDS_SCOPE "x " AC_ADWORDS_SCOPE
	    ".readonly", AC_ADWORDS_SCOPE) == 0,
	    "has_scope: whole words only, no prefix match");
	ok(ac_oauth_has_scope("https://www.googleapis.com/auth/",
	    AC_ADWORDS_SCOPE) == 0, "has_scope: a prefix of it is not it");
	ok(ac_oauth_has_scope(AC_ADWORDS_SCOPE, "") == 0,
	    "has_scope: the empty scope is never held");
	{
		char *l = NULL, err[128];

		ok(ac_oauth_scopes_add(&l, "adwords", err, sizeof(err)) ==
		    0, "scopes_add: a short name");
		is_str(l, AC_ADWORDS_SCOPE, "scopes_add: adwords's URL");
		ok(ac_oauth_scopes_add(&l, " datamanager,adwords , "
		    AC_DATAMANAGER_SCOPE, err, sizeof(err)) == 0,
		    "scopes_add: a list with commas and spaces");
		is_str(l, AC_DEFAULT_SCOPES, "scopes_add: each once, in order");
		ok(ac_oauth_scopes_add(&l,
		    "https://www.googleapis.com/auth/cloud-platform", err,
		    sizeof(err)) == 0, "scopes_add: another Google scope");
		is_str(l, AC_DEFAULT_SCOPES
		    " https://www.googleapis.com/auth/cloud-platform",
		    "scopes_add: passed through, appended");
		free(l);
		l = NULL;
		ok(ac_oauth_scopes_add(&l, "adwords bogus", err,
		    sizeof(err)) == -1 && l == NULL,
		    "scopes_add: one bad name fails all, list unchanged");
		is_str(err, "expected adwords, datamanager or a URL under "
		    "https://www.googleapis.com/auth/", "scopes_add: why");
		ok(ac_oauth_scopes_add(&l, " , ", err, sizeof(err)) == -1 &&
		    l == NULL, "scopes_add: nothing named");
		is_str(err, "no scope named", "scopes_add: why (empty)");
		ok(ac_oauth_scopes_add(&l, "ADWORDS", err, sizeof(err)) ==
		    -1, "scopes_add: short names are lower case");
		ok(ac_oauth_scopes_add(&l, "https://www.googleapis.com/auth/",
		    err, sizeof(err)) == -1, "scopes_add: the prefix alone");
		ok(ac_oauth_scopes_add(&l,
		    "http://www.googleapis.com/auth/adwords", err,
		    sizeof(err)) == -1, "scopes_add: not https");
		ok(ac_oauth_scopes_add(&l,
		    "https://www.googleapis.com/auth/ad?words", err,
		    sizeof(err)) == -1, "scopes_add: a query character");
		ok(ac_oauth_scopes_add(&l, "https://example.com/auth/adwords",
		    err, sizeof(err)) == -1, "scopes_add: another host");
		ok(ac_oauth_scopes_add(&l, "openid", err, sizeof(err)) == -1,
		    "scopes_add: other short names");
		ok(l == NULL, "scopes_add: nothing added by failures");
	}

	ok(ac_cred_secret(AC_CRED_REFRESH_TOKEN) &&
	    ac_cred_secret(AC_CRED_CLIENT_SECRET) &&
	    ac_cred_secret(AC_CRED_DEVELOPER_TOKEN) &&
	    !ac_cred_secret(AC_CRED_CLIENT_ID), "which fields are secret");

	snprintf(home, sizeof(home), "rm -rf '%s'", dir);
	if (system(home) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}

/* SPDX-License-Identifier: MIT */
/* Secrets from files and the environment. */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "secret.h"
#include "tap.h"

static char dir[1024];

/* Write s[0..n) to dir/name with mode; its path in path. */
static void
spit(char *path, size_t len, const char *name, const char *s, size_t n,
    mode_t mode)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    fchmod(fd, mode) == -1 || write(fd, s, n) != (ssize_t)n ||
	    close(fd) == -1) {
		perror(path);
		exit(1);
	}
}

/* Captures stderr into dir/stderr between begin and end. */
static int saved_fd = -1;

static void
capture_begin(void)
{
	char path[1100];
	int fd;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fflush(stderr);
	if ((saved_fd = dup(2)) == -1 || (fd = open(path, O_WRONLY |
	    O_CREAT | O_TRUNC, 0600)) == -1 || dup2(fd, 2) == -1) {
		perror(path);
		exit(1);
	}
	close(fd);
}

/* What was written to stderr since capture_begin, malloc'd. */
static char *
capture_end(void)
{
	char path[1100], *s;
	ssize_t n;
	int fd;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	snprintf(path, sizeof(path), "%s/stderr", dir);
	if ((s = malloc(4096)) == NULL || (fd = open(path, O_RDONLY)) == -1) {
		perror(path);
		exit(1);
	}
	n = read(fd, s, 4095);
	s[n < 0 ? 0 : n] = '\0';
	close(fd);
	return s;
}

#define CTL "holds control characters"

static const struct {
	const char *name;
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *want;	/* NULL: refused */
	const char *why;	/* the message when refused */
} files[] = {
	{ "a line and a newline", "tok-abc.123\n", 0, "tok-abc.123", NULL },
	{ "no newline", "tok-abc.123", 0, "tok-abc.123", NULL },
	{ "CRLF", "tok-abc.123\r\n", 0, "tok-abc.123", NULL },
	{ "blanks around", "  \ttok-abc.123 \t \r\n", 0, "tok-abc.123", NULL },
	{ "only the first line", "tok-abc.123\nsecond line\n", 0,
	    "tok-abc.123", NULL },
	{ "trailing blank lines", "tok-abc.123\n\n\n", 0, "tok-abc.123", NULL },
	{ "an inner space is kept", "tok abc\n", 0, "tok abc", NULL },
	{ "a JWT-like token", "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n", 0,
	    "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl", NULL },
	{ "an empty file", "", 0, NULL, "is empty" },
	{ "a newline only", "\n", 0, NULL, "is empty" },
	{ "CRLF only", "\r\n", 0, NULL, "is empty" },
	{ "blanks only", "  \t \n", 0, NULL, "is empty" },
	{ "an empty first line", "\ntok-abc\n", 0, NULL, "is empty" },
	{ "a control character", "tok\001abc\n", 0, NULL, CTL },
	{ "an escape", "tok\033[0mabc\n", 0, NULL, CTL },
	{ "DEL", "tok\177\n", 0, NULL, CTL },
	{ "a second line is no header", "tok\r\nX-Evil: 1\n", 0, "tok", NULL },
	{ "a CR inside the line", "tok\rX-Evil: 1\n", 0, NULL, CTL },
	{ "an inner tab", "tok\tabc\n", 0, NULL, CTL },
	{ "a NUL", "tok\0abc\n", 8, NULL, CTL },
};

static void
read_files(void)
{
	char path[1100], msg[1300], *s, *err;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		spit(path, sizeof(path), "secret", files[i].text,
		    files[i].len ? files[i].len : strlen(files[i].text), 0600);
		capture_begin();
		s = ac_secret_read(path);
		err = capture_end();
		is_str(s, files[i].want, "read: %s", files[i].name);
		if (files[i].want == NULL) {
			snprintf(msg, sizeof(msg), "t_secret: %s: %s\n", path,
			    files[i].why);
			is_str(err, msg, "read: %s: the message names the "
			    "file, not the secret", files[i].name);
		} else
			is_str(err, "", "read: %s: no message", files[i].name);
		free(err);
		ac_secret_free(s);
	}

	/* Group- and world-readable files work, with a warning. */
	spit(path, sizeof(path), "open", "tok-open\n", 9, 0644);
	capture_begin();
	s = ac_secret_read(path);
	err = capture_end();
	is_str(s, "tok-open", "read: a 0644 file still works");
	snprintf(msg, sizeof(msg), "t_secret: %s: readable by group or "
	    "others; chmod 600 it\n", path);
	is_str(err, msg, "read: a 0644 file is warned about, without the "
	    "secret");
	free(err);
	ac_secret_free(s);
	spit(path, sizeof(path), "open", "tok-open\n", 9, 0640);
	capture_begin();
	s = ac_secret_read(path);
	err = capture_end();
	is_str(s, "tok-open", "read: a 0640 file still works");
	ok(strstr(err, "chmod 600") != NULL, "read: and is warned about");
	free(err);
	ac_secret_free(s);
	spit(path, sizeof(path), "open", "tok-open\n", 9, 0400);
	capture_begin();
	s = ac_secret_read(path);
	err = capture_end();
	is_str(s, "tok-open", "read: a 0400 file");
	is_str(err, "", "read: 0400 is not warned about");
	free(err);
	ac_secret_free(s);

	/* A long first line in a larger file. */
	{
		char *big = malloc(200000);

		memset(big, 'x', 200000);
		memcpy(big, "tok-first\n", 10);
		spit(path, sizeof(path), "big", big, 200000, 0600);
		s = ac_secret_read(path);
		is_str(s, "tok-first", "read: first line of a 200 kB file");
		ac_secret_free(s);

		big[9] = 'x';
		spit(path, sizeof(path), "big", big, 70000, 0600);
		capture_begin();
		s = ac_secret_read(path);
		err = capture_end();
		ok(s == NULL, "read: a 70000-byte line is "
		    "refused");
		ac_secret_free(s);
		free(err);
		free(big);
	}

	snprintf(path, sizeof(path), "%s/missing", dir);
	capture_begin();
	s = ac_secret_read(path);
	err = capture_end();
	is_str(s, NULL, "read: a missing file fails");
	ok(strstr(err, path) != NULL, "read: the message names it");
	free(err);
	capture_begin();
	s = ac_secret_read(dir);
	err = capture_end();
	is_str(s, NULL, "read: a directory fails");
	free(err);
	capture_begin();
	s = ac_secret_read("");
	err = capture_end();
	is_str(s, NULL, "read: an empty path fails");
	free(err);
}

static void
env(void)
{
	static const struct {
		const char *name, *value, *want;
		int bad;
	} ev[] = {
		{ "set", "tok-env.123", "tok-env.123", 0 },
		{ "trimmed", "  tok-env.123 \r\n", "tok-env.123", 0 },
		{ "the first line", "tok-env\nline two", "tok-env", 0 },
		{ "empty", "", NULL, 0 },
		{ "blanks only", " \t ", NULL, 0 },
		{ "a newline only", "\n", NULL, 0 },
		{ "a control character", "tok\001env", NULL, 1 },
		{ "an escape", "tok\033env", NULL, 1 },
		{ "a CR inside", "tok\rX-Evil: 1", NULL, 1 },
	};
	char *s, *err;
	size_t i;
	int bad;

	unsetenv("T_SECRET_TOKEN");
	bad = 7;
	s = ac_secret_env("T_SECRET_TOKEN", &bad);
	is_str(s, NULL, "env: unset");
	is_int(bad, 0, "env: unset is not bad");

	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		setenv("T_SECRET_TOKEN", ev[i].value, 1);
		bad = 7;
		capture_begin();
		s = ac_secret_env("T_SECRET_TOKEN", &bad);
		err = capture_end();
		is_str(s, ev[i].want, "env: %s", ev[i].name);
		is_int(bad, ev[i].bad, "env: %s: bad", ev[i].name);
		if (ev[i].bad)
			is_str(err, "t_secret: environment variable "
			    "T_SECRET_TOKEN holds control characters\n",
			    "env: %s: the message names the variable, not the "
			    "secret", ev[i].name);
		else
			is_str(err, "", "env: %s: no message", ev[i].name);
		free(err);
		ac_secret_free(s);
	}

	setenv("T_SECRET_TOKEN", "tok-copy", 1);
	s = ac_secret_env("T_SECRET_TOKEN", &bad);
	ok(s != NULL && s != getenv("T_SECRET_TOKEN"), "env: a copy");
	setenv("T_SECRET_TOKEN", "tok-changed", 1);
	is_str(s, "tok-copy", "env: the copy outlives the variable");
	ac_secret_free(s);
	unsetenv("T_SECRET_TOKEN");

	ac_secret_free(NULL);
	ok(1, "free(NULL) returns");
}

static void
cleanup(void)
{
	char path[1400];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir(dir) == -1)
		perror(dir);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	ac_setprogname("t_secret");
	umask(022);
	snprintf(dir, sizeof(dir), "%s/t_secret.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	read_files();
	env();
	cleanup();
	return done_testing();
}

/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "secret.h"

#define SECRET_MAX (64 * 1024)

/*
 * The first line of s[0..n), trimmed, as a new string; NULL with *why set
 * when it is empty or holds control characters, which would let a header
 * be forged.
 */
static char *
first_line(const char *s, size_t n, const char **why)
{
	const char *e;
	size_t i;
	char *out;

	e = memchr(s, '\n', n);
	if (e != NULL)
		n = (size_t)(e - s);
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0) {
		*why = "is empty";
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			*why = "holds control characters";
			return NULL;
		}
	if ((out = malloc(n + 1)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

char *
ac_secret_read(const char *path)
{
	char buf[SECRET_MAX];
	const char *why = NULL;
	struct stat sb;
	size_t len = 0;
	ssize_t n;
	char *out = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ac_warn("%s", path);
		return NULL;
	}
	if (fstat(fd, &sb) == -1) {
		ac_warn("%s", path);
		close(fd);
		return NULL;
	}
	if (S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0)
		ac_warnx("%s: readable by group or others; chmod 600 it",
		    path);
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ac_warn("%s", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) || memchr(buf, '\n', len) != NULL)
			break;
	}
	if (len == sizeof(buf) && memchr(buf, '\n', len) == NULL)
		ac_warnx("%s: first line longer than %d bytes", path,
		    SECRET_MAX);
	else if ((out = first_line(buf, len, &why)) == NULL)
		ac_warnx("%s: %s", path, why);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return out;
}

char *
ac_secret_env(const char *name, int *bad)
{
	const char *v = getenv(name), *why = NULL;
	char *out;

	*bad = 0;
	if (v == NULL || *v == '\0')
		return NULL;
	if ((out = first_line(v, strlen(v), &why)) == NULL &&
	    strcmp(why, "is empty") != 0) {
		ac_warnx("environment variable %s %s", name, why);
		*bad = 1;
	}
	return out;
}

void
ac_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* The one piece of global state lib/ allows (STYLE.md §2). */
static const char *progname = "ac";

void
ac_setprogname(const char *name)
{
	progname = name;
}

const char *
ac_getprogname(void)
{
	return progname;
}

static void
vwarnc(int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		fprintf(stderr, "%s: %s: %s\n", progname, msg,
		    strerror(errnum));
	else
		fprintf(stderr, "%s: %s\n", progname, msg);
}

void
ac_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vwarnc(e, fmt, ap);
	va_end(ap);
}

void
ac_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnc(0, fmt, ap);
	va_end(ap);
}

void
ac_die(int status, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vwarnc(e, fmt, ap);
	va_end(ap);
	exit(status);
}

void
ac_diex(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnc(0, fmt, ap);
	va_end(ap);
	exit(status);
}

void
ac_text_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void
ac_text_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len) {
		/* Cut before a UTF-8 continuation byte, never inside a
		 * character. */
		n = len - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	ac_text_clean(dst);
}

char *
ac_strfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		abort();	/* out of memory: as libjq does */
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void *
ac_xreallocarray(void *p, size_t n, size_t size)
{
	if (n != 0 && size > (size_t)-1 / n)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	if ((p = realloc(p, n * size == 0 ? 1 : n * size)) == NULL)
		ac_diex(AC_EXIT_FATAL, "out of memory");
	return p;
}

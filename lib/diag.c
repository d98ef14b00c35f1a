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

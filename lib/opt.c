/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opt.h"

long long
ac_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	long long v;
	char *end;
	int e = errno;

	*errstr = NULL;
	if (min > max || s == NULL || *s == '\0' || *s == ' ' ||
	    *s == '\t' || *s == '+') {
		*errstr = "invalid";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*errstr = "invalid";
		v = 0;
	} else if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		v = 0;
	} else if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		v = 0;
	}
	errno = e;
	return v;
}

void
ac_print_version(void)
{
	printf("%s %s\n", ac_getprogname(), AC_VERSION);
}

void
ac_opt_error(int ch, char *const argv[])
{
	const char *arg = optind > 0 ? argv[optind - 1] : "", *eq;

	/* For long options glibc puts the short letter in optopt, so name
	 * them as typed, up to any "=value". */
	if (strncmp(arg, "--", 2) == 0) {
		eq = strchr(arg, '=');
		ac_warnx("%s: %.*s", ch == ':' ? "option requires an argument" :
		    eq != NULL ? "option takes no argument, or is unknown" :
		    "unknown option", eq != NULL ? (int)(eq - arg) :
		    (int)strlen(arg), arg);
	} else if (ch == ':') {
		ac_warnx("option requires an argument: -%c", optopt);
	} else {
		ac_warnx("unknown option: -%c", optopt);
	}
}

/* SPDX-License-Identifier: MIT */
#include <ctype.h>
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

long long
ac_duration_ms(const char *s)
{
	long long ms = 0;
	int frac = 0;

	/* proto3 JSON Duration: seconds, up to nine decimals, "s" */
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (ms > 1000000000LL)
			return -1;
		ms = ms * 10 + (*s - '0');
	}
	if (ms > 1000000000LL)
		return -1;
	ms *= 1000;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, frac++)
			if (frac < 3)
				ms += (*s - '0') * (frac == 0 ? 100 : frac == 1 ?
				    10 : 1);
		if (frac == 0 || frac > 9)
			return -1;
	}
	return strcmp(s, "s") == 0 ? ms : -1;
}

long long
ac_delay_ms(const char *s)
{
	long long ms;
	double d;
	char *end;

	if (s == NULL)
		return -1;
	if ((ms = ac_duration_ms(s)) >= 0)
		return ms;
	/* What ac_duration_ms refuses: too many digits, an exponent. */
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || strcmp(end, "s") != 0 || d != d || d < 0)
		return -1;
	if (d * 1000 >= (double)AC_WAIT_MAX)
		return AC_WAIT_MAX;
	return (long long)(d * 1000);
}

void
ac_env_default(const char **v, const char *name, const char *def)
{
	const char *e = getenv(name);

	if (*v == NULL)
		*v = e != NULL && *e != '\0' ? e : def;
}

int
ac_customer_id(const char *s, char out[11])
{
	int n = 0;

	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '-')
			continue;
		if (*s < '0' || *s > '9' || n == 10)
			return -1;
		out[n++] = *s;
	}
	out[n] = '\0';
	return n == 10 ? 0 : -1;
}

/* SPDX-License-Identifier: MIT */
/* ac_strtonum: OpenBSD strtonum(3) semantics. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "opt.h"
#include "tap.h"

static const struct {
	const char *s;
	long long min, max;
	long long want;
	const char *err;	/* NULL, "invalid", "too small", "too large" */
} cases[] = {
	{ "0", 0, 10, 0, NULL },
	{ "7", 0, 10, 7, NULL },
	{ "10", 0, 10, 10, NULL },
	{ "11", 0, 10, 0, "too large" },
	{ "-1", 0, 10, 0, "too small" },
	{ "-5", -5, 5, -5, NULL },
	{ "-6", -5, 5, 0, "too small" },
	{ "5", -5, 5, 5, NULL },
	{ "6", -5, 5, 0, "too large" },
	{ "7", 7, 7, 7, NULL },
	{ "8", 7, 7, 0, "too large" },
	{ "6", 7, 7, 0, "too small" },
	{ "-0", 0, 10, 0, NULL },
	{ "010", 0, 100, 10, NULL },	/* decimal, not octal */
	{ "1000000", 1, 1000000, 1000000, NULL },
	{ "9223372036854775807", LLONG_MIN, LLONG_MAX, LLONG_MAX, NULL },
	{ "-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN, NULL },
	{ "9223372036854775808", LLONG_MIN, LLONG_MAX, 0, "too large" },
	{ "-9223372036854775809", LLONG_MIN, LLONG_MAX, 0, "too small" },
	{ "99999999999999999999", 0, 10, 0, "too large" },
	{ "-99999999999999999999", 0, 10, 0, "too small" },
	{ "", 0, 10, 0, "invalid" },
	{ "abc", 0, 10, 0, "invalid" },
	{ "12abc", 0, 100, 0, "invalid" },
	{ "12 ", 0, 100, 0, "invalid" },
	{ "1.5", 0, 10, 0, "invalid" },
	{ "1e3", 0, 10000, 0, "invalid" },
	{ "0x10", 0, 100, 0, "invalid" },
	{ "-", 0, 10, 0, "invalid" },
	{ "--1", -10, 10, 0, "invalid" },
	{ "1-", 0, 10, 0, "invalid" },
	{ "5", 10, 0, 0, "invalid" },	/* min > max */
	{ "99999999999999999999x", 0, 10, 0, "invalid" },
};

int
main(void)
{
	const char *err;
	long long v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = "unset";
		v = ac_strtonum(cases[i].s, cases[i].min, cases[i].max, &err);
		is_int(v, cases[i].want, "\"%s\" in [%lld, %lld]: value",
		    cases[i].s, cases[i].min, cases[i].max);
		is_str(err, cases[i].err, "\"%s\" in [%lld, %lld]: errstr",
		    cases[i].s, cases[i].min, cases[i].max);
	}

	/* On success errno is left as it was (strtonum restores it). */
	errno = EBADF;
	v = ac_strtonum("42", 0, 100, &err);
	ok(v == 42 && err == NULL && errno == EBADF,
	    "errno preserved on success");
	return done_testing();
}

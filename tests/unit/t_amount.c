/* SPDX-License-Identifier: MIT */
/* lib/amount: amounts as shops write them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount.h"
#include "tap.h"

static void
parse(void)
{
	static const struct {
		const char *s;
		const char *why;	/* NULL: reads as want */
		double want;
	} cases[] = {
		{ "12.50", NULL, 12.5 },
		{ " 120.99 ", NULL, 120.99 },
		{ "1e3", NULL, 1000 },
		{ "-5", NULL, -5 },
		{ "1.234", NULL, 1.234 },	/* one dot: a decimal point */
		{ "12,000.00", NULL, 12000 },
		{ "1,234,567", NULL, 1234567 },
		{ "1,234,567.89", NULL, 1234567.89 },
		{ "1.234.567", NULL, 1234567 },
		{ "1.234.567,89", NULL, 1234567.89 },
		{ "12.000,5", NULL, 12000.5 },
		{ "12 000,50", NULL, 12000.5 },
		{ "1 234 567", NULL, 1234567 },
		{ "1'234.50", NULL, 1234.5 },
		{ "12,5", NULL, 12.5 },		/* a decimal comma */
		{ "0,99", NULL, 0.99 },
		{ "-1,234.5", NULL, -1234.5 },
		{ "1,234", "value_ambiguous", 0 },
		{ "+12,000", "value_ambiguous", 0 },
		{ "12,34,567", "value_invalid", 0 },	/* groups of two */
		{ "1234,567.00", "value_invalid", 0 },	/* first group of 4 */
		{ "1,234.567,8", "value_invalid", 0 },	/* decimal twice */
		{ "1,234 567.8", "value_invalid", 0 },	/* three separators */
		{ "1 234'567", "value_invalid", 0 },	/* two group marks */
		{ "12,", "value_invalid", 0 },
		{ ",5", "value_invalid", 0 },
		{ "1.2.3", "value_invalid", 0 },
		{ "$12.00", "value_invalid", 0 },
		{ "12.00 EUR", "value_invalid", 0 },
		{ "", "value_invalid", 0 },
		{ "   ", "value_invalid", 0 },
		{ "1.5e", "value_invalid", 0 },
	};
	const char *why;
	double d;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = -1;
		why = ac_amount_parse(cases[i].s, strlen(cases[i].s), &d);
		if (cases[i].why == NULL)
			ok(why == NULL && d == cases[i].want, "\"%s\" reads "
			    "as %g (got %s, %g)", cases[i].s, cases[i].want,
			    why ? why : "ok", d);
		else
			is_str(why, cases[i].why, "\"%s\": %s", cases[i].s,
			    cases[i].why);
	}
}

static void
minor(void)
{
	ok(ac_amount_from_minor(1999, 2) == strtod("19.99", NULL),
	    "1999 cents are 19.99, the same double as the text");
	ok(ac_amount_from_minor(500, 0) == 500, "JPY: no minor unit");
	ok(ac_amount_from_minor(1234, 3) == strtod("1.234", NULL),
	    "BHD: three digits");
	ok(ac_amount_from_minor(0, 2) == 0, "zero");
}

int
main(void)
{
	parse();
	minor();
	return done_testing();
}

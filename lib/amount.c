/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "amount.h"

#define DIGIT(c) ((c) >= '0' && (c) <= '9')

/* Digits of s[0..n) grouped by thousands with sep (0: no grouping), into
 * buf at *k. Returns -1 when they are not. */
static int
int_part(const char *s, size_t n, char sep, char *buf, size_t *k)
{
	size_t i, run = 0, groups = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (DIGIT(s[i])) {
			buf[(*k)++] = s[i];
			run++;
			continue;
		}
		if (s[i] != sep || run == 0 || (groups == 0 && run > 3) ||
		    (groups > 0 && run != 3))
			return -1;
		groups++;
		run = 0;
	}
	if (groups > 0 && run != 3)
		return -1;
	return 0;
}

const char *
ac_amount_parse(const char *s, size_t n, double *out)
{
	char buf[80], *end, sep = 0, other = 0, dec = 0;
	size_t i, k = 0, start = 0, lastc = 0, lastd = 0, ndec, pos;
	int commas = 0, dots = 0, plain = 1, ndots = 0;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return "value_invalid";
	for (i = 0; i < n && plain; i++) {
		plain = strchr("0123456789.eE+-", s[i]) != NULL && s[i] != '\0';
		ndots += s[i] == '.';
	}
	if (plain && ndots <= 1) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		*out = strtod(buf, &end);
		return *end == '\0' ? NULL : "value_invalid";
	}
	if (s[0] == '+' || s[0] == '-')
		buf[k++] = s[start++];
	for (i = start; i < n; i++) {
		if (DIGIT(s[i]))
			continue;
		if (s[i] == ',') {
			commas++;
			lastc = i;
		} else if (s[i] == '.') {
			dots++;
			lastd = i;
		} else if ((s[i] == ' ' || s[i] == '\'') &&
		    (other == 0 || other == s[i])) {
			other = s[i];
		} else {
			return "value_invalid";
		}
	}
	/* Which separator is the decimal one, which groups thousands. */
	if (commas > 0 && dots > 0) {
		if (other != 0)
			return "value_invalid";
		dec = lastc > lastd ? ',' : '.';
		sep = lastc > lastd ? '.' : ',';
	} else if (commas > 0 || dots > 0) {
		dec = commas > 0 ? ',' : '.';
		if (other != 0)
			sep = other;
		else if (commas + dots > 1)
			sep = dec, dec = 0;
		else if (commas == 1 && n - lastc - 1 == 3)
			return "value_ambiguous";
	} else {
		sep = other;
	}
	ndec = dec == ',' ? (size_t)commas : dec == '.' ? (size_t)dots : 0;
	if (dec != 0 && ndec != 1)
		return "value_invalid";
	pos = dec == ',' ? lastc : dec == '.' ? lastd : n;
	if (int_part(s + start, pos - start, sep, buf, &k) == -1)
		return "value_invalid";
	if (dec != 0) {
		if (pos + 1 == n)
			return "value_invalid";
		buf[k++] = '.';
		for (i = pos + 1; i < n; i++) {
			if (!DIGIT(s[i]))
				return "value_invalid";
			buf[k++] = s[i];
		}
	}
	buf[k] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' ? NULL : "value_invalid";
}

double
ac_amount_from_minor(double units, int exp)
{
	static const double pow10[] = { 1, 10, 100, 1000, 10000 };

	return units / pow10[exp < 0 ? 0 : exp > 4 ? 4 : exp];
}

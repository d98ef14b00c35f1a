/* SPDX-License-Identifier: MIT */
/*
 * lib/jspan: spans of JSON values in checked text, and whether a span is
 * already in the writer's form (see jspan.h).
 */
#include <string.h>

#include "jspan.h"

#define NKEYS 32		/* keys of one object checked for duplicates */

static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* The end of the string whose opening quote is at p, or NULL. */
static const char *
skip_string(const char *p, const char *end)
{
	const char *q, *b;

	for (p++; (q = memchr(p, '"', (size_t)(end - p))) != NULL; p = q + 1) {
		/* escaped when an odd number of backslashes precede it */
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
	}
	return NULL;
}

/* Bytes that end a number or a literal. */
static const unsigned char stop[256] = {
	[','] = 1, [':'] = 1, [']'] = 1, ['}'] = 1, [' '] = 1, ['\t'] = 1,
	['\n'] = 1, ['\r'] = 1, ['"'] = 1, ['['] = 1, ['{'] = 1,
};

const char *
ac_jspan_skip(const char *p, const char *end)
{
	int depth = 0;

	p = ws(p, end);
	do {
		if (p >= end)
			return NULL;
		switch (*p) {
		case '"':
			if ((p = skip_string(p, end)) == NULL)
				return NULL;
			break;
		case '{':
		case '[':
			depth++;
			p++;
			break;
		case '}':
		case ']':
			if (--depth < 0)
				return NULL;
			p++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return NULL;
			p++;
			break;
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			p = ws(p, end);
			continue;
		default:	/* a number or a literal */
			while (p < end && !stop[(unsigned char)*p])
				p++;
			break;
		}
		if (depth > 0)
			p = ws(p, end);
	} while (depth > 0);
	return p;
}

int
ac_jspan_member(const char *p, const char *end, const char *key,
    const char **vs, const char **ve)
{
	size_t klen = strlen(key);
	const char *k, *ke, *v;
	int found = 0;

	p = ws(p, end);
	if (p >= end || *p != '{')
		return -1;
	p = ws(p + 1, end);
	if (p < end && *p == '}')
		return 0;
	for (;;) {
		if (p >= end || *p != '"' ||
		    (ke = skip_string(p, end)) == NULL)
			return -1;
		k = p + 1;
		if (memchr(k, '\\', (size_t)(ke - 1 - k)) != NULL)
			return -1;
		p = ws(ke, end);
		if (p >= end || *p != ':')
			return -1;
		v = ws(p + 1, end);
		if ((p = ac_jspan_skip(v, end)) == NULL)
			return -1;
		if ((size_t)(ke - 1 - k) == klen && memcmp(k, key, klen) == 0) {
			if (found)
				return -1;
			found = 1;
			*vs = v;
			*ve = p;
		}
		p = ws(p, end);
		if (p < end && *p == ',') {
			p = ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			return found;
		return -1;
	}
}

static int
hexlow(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int
hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* A string in the writer's escapes; *pp at its opening quote, moved past
 * its end. */
static int
canon_string(const char **pp, const char *e)
{
	const char *p = *pp + 1, *q;
	int c;

	/* The reader let no control byte through: a string without a
	 * backslash is the writer's as it is. */
	if ((q = memchr(p, '"', (size_t)(e - p))) != NULL &&
	    memchr(p, '\\', (size_t)(q - p)) == NULL) {
		*pp = q + 1;
		return 1;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			*pp = p + 1;
			return 1;
		}
		if ((unsigned char)*p < 0x20)
			return 0;	/* the writer escapes it */
		if (*p != '\\')
			continue;
		if (++p >= e)
			return 0;
		switch (*p) {
		case '"': case '\\': case 'n': case 't': case 'r': case 'b':
		case 'f':
			break;
		case 'u':
			/* \u00XX only for the controls without a short
			 * escape */
			if (e - p < 5 || p[1] != '0' || p[2] != '0' ||
			    !hexlow(p[3]) || !hexlow(p[4]))
				return 0;
			c = hexval(p[3]) * 16 + hexval(p[4]);
			if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r' ||
			    c == '\b' || c == '\f')
				return 0;
			p += 4;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/*
 * A number as the writer prints it, of the forms known to print back the
 * same: -?(0|[1-9][0-9]{0,14}), or a decimal of at most 9 integer digits
 * and 1 to 6 places, the last not 0 (at most 15 significant digits, so
 * no shorter decimal reads as the same double; 0.000001 is the least).
 */
static int
canon_number(const char **pp, const char *e)
{
	const char *p = *pp, *d;
	int nint, nfrac;

	if (p < e && *p == '-')
		p++;
	d = p;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	nint = (int)(p - d);
	if (nint == 0 || (nint > 1 && *d == '0'))
		return 0;
	if (p < e && *p == '.') {
		d = ++p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		nfrac = (int)(p - d);
		if (nfrac < 1 || nfrac > 6 || nint > 9 || p[-1] == '0')
			return 0;
	} else if (nint > 15) {
		return 0;
	}
	if (p < e && (*p == 'e' || *p == 'E'))
		return 0;
	*pp = p;
	return 1;
}

static int canon_value(const char **, const char *, int);

static int
canon_object(const char **pp, const char *e, int depth)
{
	const char *p = *pp + 1, *ks[NKEYS];
	size_t kl[NKEYS];
	int n = 0, i;

	if (p < e && *p == '}') {
		*pp = p + 1;
		return 1;
	}
	for (;;) {
		if (p >= e || *p != '"' || n == NKEYS)
			return 0;
		ks[n] = p;
		if (!canon_string(&p, e))
			return 0;
		kl[n] = (size_t)(p - ks[n]);
		/* the escapes are the writer's, so equal keys are equal
		 * bytes */
		for (i = 0; i < n; i++)
			if (kl[i] == kl[n] && memcmp(ks[i], ks[n], kl[n]) == 0)
				return 0;
		n++;
		if (p >= e || *p++ != ':' || !canon_value(&p, e, depth))
			return 0;
		if (p < e && *p == ',') {
			p++;
			continue;
		}
		if (p < e && *p == '}') {
			*pp = p + 1;
			return 1;
		}
		return 0;
	}
}

static int
canon_array(const char **pp, const char *e, int depth)
{
	const char *p = *pp + 1;

	if (p < e && *p == ']') {
		*pp = p + 1;
		return 1;
	}
	for (;;) {
		if (!canon_value(&p, e, depth))
			return 0;
		if (p < e && *p == ',') {
			p++;
			continue;
		}
		if (p < e && *p == ']') {
			*pp = p + 1;
			return 1;
		}
		return 0;
	}
}

static int
canon_value(const char **pp, const char *e, int depth)
{
	const char *p = *pp;
	size_t n = (size_t)(e - p);

	if (p >= e || depth > 64)
		return 0;
	switch (*p) {
	case '"':
		return canon_string(pp, e);
	case '{':
		return canon_object(pp, e, depth + 1);
	case '[':
		return canon_array(pp, e, depth + 1);
	case 't':
		if (n < 4 || memcmp(p, "true", 4) != 0)
			return 0;
		*pp = p + 4;
		return 1;
	case 'f':
		if (n < 5 || memcmp(p, "false", 5) != 0)
			return 0;
		*pp = p + 5;
		return 1;
	case 'n':
		if (n < 4 || memcmp(p, "null", 4) != 0)
			return 0;
		*pp = p + 4;
		return 1;
	default:
		return canon_number(pp, e);
	}
}

int
ac_jspan_canonical(const char *s, const char *e)
{
	return canon_value(&s, e, 0) && s == e;
}

const char *
ac_jspan_canonical_end(const char *s, const char *e)
{
	return canon_value(&s, e, 0) ? s : NULL;
}

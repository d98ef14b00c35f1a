/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "data.h"
#include "diag.h"
#include "norm.h"

void
ac_buf_free(struct ac_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void
reserve(struct ac_buf *b, size_t n)
{
	size_t cap;

	if (b->cap >= n + 1)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < n + 1)
		cap *= 2;
	if ((b->p = realloc(b->p, cap)) == NULL)
		abort();	/* out of memory, as libjq does */
	b->cap = cap;
}

/*
 * Nonzero when every code point is below U+0300, where nothing composes
 * and every character is already in NFC: UTF-8 lead bytes up to 0xCB.
 */
static int
nfc_already(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0xcc)
			return 0;
	return 1;
}

static int
is_space(int32_t c)
{
	if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85)
		return 1;
	if (c < 0x80)
		return 0;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return 1;
	default:
		return 0;
	}
}

static int
is_punct(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
	case UTF8PROC_CATEGORY_SM:
	case UTF8PROC_CATEGORY_SC:
	case UTF8PROC_CATEGORY_SK:
	case UTF8PROC_CATEGORY_SO:
		return 1;
	default:
		return 0;
	}
}

/*
 * Put each run of non-starters of u[0..n) in canonical order (UAX #15):
 * stably sorted by combining class. utf8proc_map() does this with a gnome
 * sort, quadratic in the length of a run (a city of 40 KB of alternating
 * combining marks took a second, 200 KB a minute); a counting sort over
 * the 255 classes is linear. tmp has room for n code points.
 */
static void
reorder(int32_t *u, size_t n, int32_t *tmp, unsigned char *cls)
{
	size_t count[256], i, j, k, run, pos;
	int32_t c;
	unsigned char cc;

	for (i = 0; i < n; i++)
		cls[i] = (unsigned char)utf8proc_get_property(u[i])->
		    combining_class;
	for (i = 0; i < n; i = j) {
		if (cls[i] == 0) {
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < n && cls[j] != 0; j++)
			;
		run = j - i;
		if (run <= 16) {
			/* Insertion sort: stable, and short runs are all
			 * that real text has. */
			for (k = i + 1; k < j; k++) {
				c = u[k];
				cc = cls[k];
				for (pos = k; pos > i && cls[pos - 1] > cc; pos--) {
					u[pos] = u[pos - 1];
					cls[pos] = cls[pos - 1];
				}
				u[pos] = c;
				cls[pos] = cc;
			}
			continue;
		}
		memset(count, 0, sizeof(count));
		for (k = i; k < j; k++)
			count[cls[k]]++;
		for (k = 0, pos = 0; k < 256; k++) {
			size_t t = count[k];

			count[k] = pos;
			pos += t;
		}
		for (k = i; k < j; k++)
			tmp[count[cls[k]]++] = u[k];
		memcpy(u + i, tmp, run * sizeof(*u));
	}
}

/*
 * Decompose s[0..n) (valid UTF-8) into code points, canonically (with
 * UTF8PROC_COMPOSE) or with the other utf8proc_decompose_char() options
 * in opt, and put them in canonical order. Returns the number of code
 * points in *out (malloc'd, with room for one more and for re-encoding in
 * place), or -1 on invalid UTF-8.
 */
static utf8proc_ssize_t
decompose(const char *s, size_t n, utf8proc_option_t opt, int32_t **out)
{
	int32_t *u, *nu, *tmp;
	unsigned char *cls;
	utf8proc_int32_t c;
	utf8proc_ssize_t r, d;
	size_t i, len = 0, cap = n + 8;
	int bound = 0;

	if ((u = malloc(cap * sizeof(*u))) == NULL)
		abort();	/* out of memory, as libjq does */
	for (i = 0; i < n; i += (size_t)r) {
		r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(n - i), &c);
		if (r <= 0)
			goto bad;
		for (;;) {
			d = utf8proc_decompose_char(c, u + len,
			    (utf8proc_ssize_t)(cap - len - 1), opt, &bound);
			if (d < 0)
				goto bad;
			if ((size_t)d < cap - len)
				break;
			cap *= 2;
			if ((nu = realloc(u, cap * sizeof(*u))) == NULL)
				abort();
			u = nu;
		}
		len += (size_t)d;
	}
	if ((tmp = malloc((len + 1) * sizeof(*tmp))) == NULL ||
	    (cls = malloc(len + 1)) == NULL)
		abort();
	reorder(u, len, tmp, cls);
	free(tmp);
	free(cls);
	*out = u;
	return (utf8proc_ssize_t)len;
bad:
	free(u);
	return -1;
}

/*
 * NFC of s[0..n) as utf8proc_map(UTF8PROC_STABLE | UTF8PROC_COMPOSE)
 * gives it, in linear time: into *out (malloc'd, NUL-terminated). Returns
 * its length in bytes, or -1 on invalid UTF-8.
 */
static utf8proc_ssize_t
nfc(const char *s, size_t n, utf8proc_uint8_t **out)
{
	int32_t *u;
	utf8proc_ssize_t len;

	if ((len = decompose(s, n, UTF8PROC_COMPOSE, &u)) < 0)
		return -1;
	/* Composition is one pass; re-encoding happens in place. */
	len = utf8proc_reencode(u, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (len < 0) {
		free(u);
		return -1;
	}
	*out = (utf8proc_uint8_t *)u;
	return len;
}

/*
 * ac_norm_text_full for printable ASCII (0x20 to 0x7e) alone, without
 * utf8proc: there every character is its own NFC, the only white space is
 * the space, the punctuation and symbols (P*, S*) are the characters that
 * are neither letters, digits nor space, no dash is a non-ASCII one, and
 * lowercasing maps A-Z and nothing else. Most identifiers are such text,
 * and most that reach ac-hash are already normalized. Returns 0 with b
 * written as ac_norm_text_full writes it, -1 when s holds anything else.
 */
static int
ascii_text(struct ac_buf *b, const char *s, size_t n, int flags)
{
	size_t i, keep = 0;
	int pending = 0;
	char c;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -1;
	reserve(b, n);
	b->len = 0;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == ' ') {
			if (flags & AC_TXT_NOSPACE)
				continue;
			if ((flags & AC_TXT_TRIM) && keep == 0 && b->len == 0)
				continue;
			if (flags & AC_TXT_COLLAPSE) {
				pending = 1;
				continue;
			}
			b->p[b->len++] = c;
			continue;
		}
		if ((flags & AC_TXT_NOPUNCT) && !((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			continue;
		if (pending && b->len > 0)
			b->p[b->len++] = ' ';
		pending = 0;
		if ((flags & AC_TXT_LOWER) && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		b->p[b->len++] = c;
		keep = b->len;
	}
	if (flags & AC_TXT_TRIM)
		b->len = keep;
	b->p[b->len] = '\0';
	return 0;
}

int
ac_norm_text(struct ac_buf *b, const char *s, size_t n, int flags)
{
	if (ascii_text(b, s, n, flags) == 0)
		return 0;
	return ac_norm_text_full(b, s, n, flags);
}

int
ac_norm_text_full(struct ac_buf *b, const char *s, size_t n, int flags)
{
	utf8proc_uint8_t *nfcbuf = NULL;
	utf8proc_ssize_t r;
	utf8proc_int32_t c;
	size_t i, keep = 0;	/* output length up to the last non-space */
	int pending = 0;	/* white space seen since the last character */

	if (!nfc_already(s, n)) {
		if ((r = nfc(s, n, &nfcbuf)) < 0)
			return -1;
		s = (const char *)nfcbuf;
		n = (size_t)r;
	}
	reserve(b, 2 * n + 4);	/* lowercasing can grow a character */
	b->len = 0;
	for (i = 0; i < n; i += (size_t)r) {
		r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(n - i), &c);
		if (r <= 0) {
			free(nfcbuf);
			return -1;
		}
		if (is_space(c)) {
			if (flags & AC_TXT_NOSPACE)
				continue;
			if ((flags & AC_TXT_TRIM) && keep == 0 && b->len == 0)
				continue;
			if (flags & AC_TXT_COLLAPSE) {
				pending = 1;
				continue;
			}
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    (c >= 0x80 && utf8proc_category(c) ==
		    UTF8PROC_CATEGORY_CF)) {
			/* Control and format characters (zero-width space,
			 * soft hyphen, BOM) are never data. */
			continue;
		} else if ((flags & AC_TXT_NOPUNCT) && is_punct(c)) {
			continue;
		} else if ((flags & AC_TXT_NODASH) && c >= 0x80 &&
		    utf8proc_category(c) == UTF8PROC_CATEGORY_PD) {
			continue;
		} else {
			if (pending && b->len > 0)
				b->p[b->len++] = ' ';
			pending = 0;
			if (flags & AC_TXT_LOWER)
				c = utf8proc_tolower(c);
		}
		reserve(b, b->len + 8);
		if (c < 0x80)
			b->p[b->len++] = (char)c;
		else
			b->len += (size_t)utf8proc_encode_char(c,
			    (utf8proc_uint8_t *)b->p + b->len);
		if (!is_space(c))
			keep = b->len;
	}
	if (flags & AC_TXT_TRIM)
		b->len = keep;
	b->p[b->len] = '\0';
	free(nfcbuf);
	return 0;
}

/*
 * Nonzero when s[0..n), without leading and trailing ASCII white space, is
 * longer than max bytes.
 */
static int
too_long(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return 0;
	while (n > 0 && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' ||
	    (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
		n--;
	return n > max;
}

/* email */

static int
valid_domain(const char *d)
{
	const char *dot;

	if (strchr(d, '.') == NULL)
		return 0;
	for (;;) {
		dot = strchr(d, '.');
		if (dot == d || *d == '\0')
			return 0;	/* an empty label */
		if (dot == NULL)
			return 1;
		d = dot + 1;
	}
}

const char *
ac_norm_email(struct ac_buf *b, const char *s, size_t n, int all_domains,
    const struct ac_data *d)
{
	char *at, *dom, *p, *q, *plus;

	if (too_long(s, n, AC_NORM_MAX_EMAIL))
		return AC_NORM_TOO_LONG;
	if (ac_norm_text(b, s, n, AC_TXT_LOWER | AC_TXT_NOSPACE) == -1)
		return "email_invalid";
	if (b->len == 0)
		return AC_NORM_EMPTY;
	/* "n/a" is a placeholder before it is a malformed address. */
	if (ac_data_is_placeholder(d, "email", b->p, b->len))
		return AC_NORM_PLACEHOLDER;
	/* Exactly one @, and none of the characters that mark a display
	 * name, a list or a URL ("Alex <a@b.c>", "a@b.c,", "mailto:a@b.c"):
	 * those are not addresses to hash. */
	if (memchr(b->p, '\0', b->len) != NULL ||
	    strpbrk(b->p, "<>()[],;:\"\\") != NULL ||
	    (at = strchr(b->p, '@')) == NULL || strchr(at + 1, '@') != NULL ||
	    at == b->p || !valid_domain(at + 1))
		return "email_invalid";
	dom = at + 1;
	if (all_domains || strcmp(dom, "gmail.com") == 0 ||
	    strcmp(dom, "googlemail.com") == 0) {
		*at = '\0';
		if ((plus = strchr(b->p, '+')) != NULL)
			*plus = '\0';
		for (p = q = b->p; *p != '\0'; p++)
			if (*p != '.')
				*q++ = *p;
		if (q == b->p)
			return "email_invalid";	/* nothing left of the local part */
		*q++ = '@';
		memmove(q, dom, strlen(dom) + 1);
		b->len = (size_t)(q - b->p) + strlen(q);
	}
	if (ac_data_is_placeholder(d, "email", b->p, b->len))
		return AC_NORM_PLACEHOLDER;
	return NULL;
}

/* phone */

/* Remove an extension: "ext", "x" or "#" and everything after it. */
static size_t
cut_extension(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == 'x' || s[i] == '#')
			return i;
		if (i + 3 <= n && memcmp(s + i, "ext", 3) == 0)
			return i;
	}
	return n;
}

static int
repeated_digit(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (*p != s[0])
			return 0;
	return 1;
}

/*
 * An RFC 3966 URI, "tel:+49-170-1234567;ext=12": the number in front of
 * its parameters. An "ext" or "isub" parameter is left out, as
 * libphonenumber leaves them out; a phone-context that starts with "+" is
 * put in front of a local number, as libphonenumber does; any other
 * parameter makes it no number we read. Returns -1 for that.
 */
static int
tel_uri(struct ac_buf *b)
{
	char ctx[AC_NORM_MAX_PHONE + 1], *semi, *p, *q;
	size_t n = 0, l;

	if (b->len < 4 || memcmp(b->p, "tel:", 4) != 0)
		return 0;
	memmove(b->p, b->p + 4, b->len - 3);
	b->len -= 4;
	if ((semi = strchr(b->p, ';')) == NULL)
		return 0;
	ctx[0] = '\0';
	for (p = semi + 1; p != NULL; p = q) {
		if ((q = strchr(p, ';')) != NULL)
			*q++ = '\0';
		if (strncmp(p, "ext=", 4) == 0 || strncmp(p, "isub=", 5) == 0)
			continue;
		if (strncmp(p, "phone-context=", 14) != 0 || ctx[0] != '\0')
			return -1;
		p += 14;
		if (*p != '+')
			continue;	/* a domain: no digits to add */
		if ((l = strlen(p)) >= sizeof(ctx))
			return -1;
		memcpy(ctx, p, l + 1);
		n = l;
	}
	*semi = '\0';
	l = (size_t)(semi - b->p);
	if (n > 0) {
		memmove(b->p + n, b->p, l + 1);
		memcpy(b->p, ctx, n);
	}
	b->len = l + n;
	return 0;
}

const char *
ac_norm_phone_region(const char *s, size_t n, const struct ac_data *d,
    char cc[3])
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n != 2)
		return NULL;
	cc[0] = (char)(s[0] >= 'a' && s[0] <= 'z' ? s[0] - 'a' + 'A' : s[0]);
	cc[1] = (char)(s[1] >= 'a' && s[1] <= 'z' ? s[1] - 'a' + 'A' : s[1]);
	cc[2] = '\0';
	return ac_data_region(d, cc) != NULL && !ac_data_is_country(d, cc) ?
	    cc : NULL;
}

/*
 * libphonenumber (the oracle: its parse() with the record's region as the
 * default, then isValidNumber()) is followed for the digits; the text
 * around them is read more strictly than it reads it: letters (vanity
 * numbers, "call me") and a "+" anywhere but in front drop the number.
 */
const char *
ac_norm_phone(struct ac_buf *b, const char *s, size_t n, const char *region,
    const struct ac_data *d)
{
	char digits[AC_NORM_MAX_PHONE + 1], e164[24];
	const char *rc;
	size_t i, nd = 0, nsn = 0;
	int plus = 0;

	if (too_long(s, n, AC_NORM_MAX_PHONE))
		return AC_NORM_TOO_LONG;
	/* All white space (a no-break space between groups of digits is a
	 * separator too) and dashes such as the en dash. */
	if (ac_norm_text(b, s, n, AC_TXT_LOWER | AC_TXT_NOSPACE |
	    AC_TXT_NODASH) == -1)
		return "phone_invalid";
	if (b->len == 0)
		return AC_NORM_EMPTY;
	/* "n/a" is a placeholder before it is a malformed number. */
	if (ac_data_is_placeholder(d, "phone", b->p, b->len))
		return AC_NORM_PLACEHOLDER;
	if (tel_uri(b) == -1)
		return "phone_invalid";
	n = cut_extension(b->p, b->len);
	for (i = 0; i < n; i++) {
		char ch = b->p[i];

		if (ch >= '0' && ch <= '9') {
			if (nd + 1 >= sizeof(digits))
				return "phone_bad_length";
			digits[nd++] = ch;
		} else if (ch == '+' && nd == 0 && !plus) {
			plus = 1;
		} else if (strchr(" \t-.()/", ch) == NULL) {
			return "phone_invalid";
		}
	}
	digits[nd] = '\0';
	if (nd == 0)
		return "phone_invalid";
	e164[0] = '\0';
	rc = ac_phone_e164(&d->phone, digits, nd, plus, region, e164, &nsn);
	if (rc != NULL && e164[0] == '\0')
		return rc;
	/* "+1 999 999 9999" says more as a placeholder than as a number
	 * outside the numbering plan. */
	i = strlen(e164);
	if (repeated_digit(e164 + nsn) ||
	    ac_data_is_placeholder(d, "phone", e164, i))
		return AC_NORM_PLACEHOLDER;
	if (rc != NULL)
		return rc;
	reserve(b, i + 1);
	memcpy(b->p, e164, i + 1);
	b->len = i;
	return NULL;
}

/* The last step of every rule: nothing left, or a placeholder. */
static const char *
checked(const struct ac_buf *b, const char *field, const struct ac_data *d)
{
	if (b->len == 0)
		return AC_NORM_EMPTY;
	if (ac_data_is_placeholder(d, field, b->p, b->len))
		return AC_NORM_PLACEHOLDER;
	return NULL;
}

/* names */

static const char *const honorifics[] = {
	"mr", "mrs", "ms", "miss", "dr", "prof", NULL
};

static const char *const suffixes[] = {
	"jr", "sr", "ii", "iii", "iv", "v", "vi", "2nd", "3rd", "4th",
	"phd", "md", "dds", "dmd", "dvm", "cpa", "jd", "esq", "mba", "rn",
	"llm", NULL
};

/* Nonzero when the word w[0..n), without its periods, is in list. */
static int
in_list(const char *const *list, const char *w, size_t n)
{
	char t[8];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (w[i] == '.')
			continue;
		if (k + 1 >= sizeof(t))
			return 0;
		t[k++] = w[i];
	}
	t[k] = '\0';
	for (; *list != NULL; list++)
		if (strcmp(*list, t) == 0)
			return 1;
	return 0;
}

const char *
ac_norm_name(struct ac_buf *b, const char *s, size_t n, const char *field,
    const struct ac_data *d)
{
	char *sp, *w;
	size_t end;

	if (too_long(s, n, AC_NORM_MAX_TEXT))
		return AC_NORM_TOO_LONG;
	if (ac_norm_text(b, s, n,
	    AC_TXT_LOWER | AC_TXT_TRIM | AC_TXT_COLLAPSE) == -1)
		return "name_invalid";
	/* Leading honorifics ("prof. dr."), while a name follows them. */
	while ((sp = strchr(b->p, ' ')) != NULL &&
	    in_list(honorifics, b->p, (size_t)(sp - b->p))) {
		b->len -= (size_t)(sp + 1 - b->p);
		memmove(b->p, sp + 1, b->len + 1);
	}
	/* A lone honorific is a placeholder, not a name. */
	if (strchr(b->p, ' ') == NULL && in_list(honorifics, b->p, b->len))
		return AC_NORM_PLACEHOLDER;
	/* Trailing suffixes, each with the comma or space before it. */
	for (;;) {
		end = b->len;
		while (end > 0 && (b->p[end - 1] == ' ' || b->p[end - 1] == ','))
			end--;
		w = b->p + end;
		while (w > b->p && w[-1] != ' ' && w[-1] != ',')
			w--;
		if (w == b->p || !in_list(suffixes, w, (size_t)(b->p + end - w)))
			break;
		b->len = (size_t)(w - b->p);
	}
	while (b->len > 0 && (b->p[b->len - 1] == ' ' ||
	    b->p[b->len - 1] == ','))
		b->len--;
	b->p[b->len] = '\0';
	return checked(b, field, d);
}

const char *
ac_norm_street(struct ac_buf *b, const char *s, size_t n,
    const struct ac_data *d)
{
	if (too_long(s, n, AC_NORM_MAX_TEXT))
		return AC_NORM_TOO_LONG;
	if (ac_norm_text(b, s, n, AC_TXT_LOWER | AC_TXT_NOPUNCT |
	    AC_TXT_TRIM | AC_TXT_COLLAPSE) == -1)
		return "street_address_invalid";
	return checked(b, "street_address", d);
}

const char *
ac_norm_place(struct ac_buf *b, const char *s, size_t n, const char *field,
    const struct ac_data *d)
{
	if (too_long(s, n, AC_NORM_MAX_TEXT))
		return AC_NORM_TOO_LONG;
	if (ac_norm_text(b, s, n, AC_TXT_LOWER | AC_TXT_TRIM) == -1)
		return "text_invalid";
	return checked(b, field, d);
}

const char *
ac_norm_postal(struct ac_buf *b, const char *s, size_t n,
    const struct ac_data *d)
{
	if (too_long(s, n, AC_NORM_MAX_POSTAL))
		return AC_NORM_TOO_LONG;
	if (ac_norm_text(b, s, n, AC_TXT_TRIM | AC_TXT_COLLAPSE) == -1)
		return "postal_code_invalid";
	return checked(b, "postal_code", d);
}

/*
 * Fold a country name for country-names.tsv: canonical decomposition
 * with full case folding, the combining diacritical marks U+0300..U+036F
 * removed (so "\xc3\x96sterreich" and "OSTERREICH" are one name, while
 * the vowel signs of Indic scripts stay), and every run of characters
 * other than letters, marks and digits one space, none at either end.
 * mk/country-names.py folds the names of iso-codes the same way.
 */
static int
fold_name(struct ac_buf *b, const char *s, size_t n)
{
	int32_t *u;
	utf8proc_ssize_t len, i;
	int sep = 0;

	if ((len = decompose(s, n, UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD,
	    &u)) < 0)
		return -1;
	reserve(b, 4 * (size_t)len + 1);
	b->len = 0;
	for (i = 0; i < len; i++) {
		if (u[i] >= 0x300 && u[i] <= 0x36f)
			continue;
		switch (utf8proc_category(u[i])) {
		case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
		case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
		case UTF8PROC_CATEGORY_NO:
			if (sep && b->len > 0)
				b->p[b->len++] = ' ';
			sep = 0;
			b->len += (size_t)utf8proc_encode_char(u[i],
			    (utf8proc_uint8_t *)b->p + b->len);
			break;
		default:
			sep = 1;
		}
	}
	b->p[b->len] = '\0';
	free(u);
	return 0;
}

const char *
ac_norm_country(struct ac_buf *b, const char *s, size_t n,
    const struct ac_data *d)
{
	char cc[3];
	size_t i;

	if (too_long(s, n, AC_NORM_MAX_TEXT))
		return AC_NORM_TOO_LONG;
	if (ac_norm_text(b, s, n, AC_TXT_TRIM) == -1)
		return "country_code_invalid";
	if (b->len == 0)
		return AC_NORM_EMPTY;
	if (b->len <= 3) {
		for (i = 0; i < b->len; i++)
			if (b->p[i] >= 'a' && b->p[i] <= 'z')
				b->p[i] = (char)(b->p[i] - 'a' + 'A');
		/* UK is the code ISO 3166 reserves for GB; CRMs are full
		 * of it. */
		if (strcmp(b->p, "UK") == 0)
			b->p[0] = 'G', b->p[1] = 'B';
		/* An alpha-3 code ("USA", "DEU") names a country just as
		 * exactly. */
		if (b->len == 3 && ac_data_alpha3(d, b->p, cc) == 0) {
			memcpy(b->p, cc, 3);
			b->len = 2;
		}
		if (ac_data_is_country(d, b->p))
			return NULL;
	}
	/* A name, in English or in one of the languages of iso-codes
	 * ("Germany", "Deutschland", "\xc3\x96sterreich"), folded. */
	if (fold_name(b, s, n) == -1 ||
	    ac_data_country_name(d, b->p, b->len, cc) == -1)
		return "country_code_invalid";
	memcpy(b->p, cc, 3);
	b->len = 2;
	return NULL;
}

const char *
ac_norm_identifier(struct ac_buf *b, const char *field, const char *s,
    size_t n, const char *region, int all_domains, const struct ac_data *d)
{
	if (strcmp(field, "email") == 0)
		return ac_norm_email(b, s, n, all_domains, d);
	if (strcmp(field, "phone") == 0)
		return ac_norm_phone(b, s, n, region, d);
	if (strcmp(field, "first_name") == 0 ||
	    strcmp(field, "last_name") == 0)
		return ac_norm_name(b, s, n, field, d);
	if (strcmp(field, "street_address") == 0)
		return ac_norm_street(b, s, n, d);
	if (strcmp(field, "postal_code") == 0)
		return ac_norm_postal(b, s, n, d);
	if (strcmp(field, "country_code") == 0)
		return ac_norm_country(b, s, n, d);
	if (strcmp(field, "city") == 0 || strcmp(field, "region") == 0)
		return ac_norm_place(b, s, n, field, d);
	return "field_unknown";
}

const char *
ac_norm_describe(const char *code)
{
	static const struct {
		const char *code, *text;
	} t[] = {
		{ "email_invalid", "dropped: not an address of the form "
		    "local@domain.tld" },
		{ "phone_invalid", "dropped: not a phone number" },
		{ "phone_no_region", "dropped: a national number, and no "
		    "numbering region from country_code or --default-region" },
		{ "phone_bad_length", "dropped: wrong number of digits" },
		{ "phone_bad_calling_code", "dropped: no such country "
		    "calling code" },
		{ "phone_not_in_plan", "dropped: not a number of the "
		    "numbering plan of its region (libphonenumber)" },
		{ "country_code_invalid", "dropped: not an ISO 3166-1 "
		    "code or country name" },
		{ "placeholder", "dropped: a placeholder, not data" },
		{ "empty", "dropped: nothing left after normalization" },
		{ "value_too_long", "dropped: longer than any real value "
		    "of the field" },
		{ "name_invalid", "dropped: cannot be normalized" },
		{ "street_address_invalid", "dropped: cannot be normalized" },
		{ "postal_code_invalid", "dropped: cannot be normalized" },
		{ "text_invalid", "dropped: cannot be normalized" },
		{ "field_unknown", "dropped: not an identifier field" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].code, code) == 0)
			return t[i].text;
	return NULL;
}

int
ac_norm_opt_region(const char *arg, char region[3])
{
	size_t i;

	if (strlen(arg) != 2) {
		ac_warnx("--default-region: expected a two-letter code");
		return -1;
	}
	for (i = 0; i < 2; i++)
		region[i] = (char)(arg[i] >= 'a' && arg[i] <= 'z' ?
		    arg[i] - 'a' + 'A' : arg[i]);
	region[2] = '\0';
	return 0;
}

int
ac_norm_opt_email_rule(const char *arg, int *all_domains)
{
	if (strcmp(arg, "all") == 0)
		*all_domains = 1;
	else if (strcmp(arg, "gmail") == 0)
		*all_domains = 0;
	else {
		ac_warnx("--email-rule: expected gmail or all");
		return -1;
	}
	return 0;
}

int
ac_click_id_ok(const char *s, size_t n)
{
	size_t i;
	unsigned char ch;

	if (n < AC_CLICK_MIN || n > AC_CLICK_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include "data.h"
#include "datadir.h"	/* written by make: AC_DATADIR */

/*
 * The data directory next to the program: ../share/ac from the directory
 * of /proc/self/exe, when it holds phone.tsv. That is the build tree's
 * share/ac for bin/ where it was built, and PREFIX/share/ac where it was
 * installed, whatever PREFIX the build was given.
 */
static const char *
beside_exe(void)
{
	static char dir[4096];
	char exe[4096], probe[4200], *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	if ((size_t)snprintf(dir, sizeof(dir), "%s/../share/ac", exe) >=
	    sizeof(dir))
		return NULL;
	snprintf(probe, sizeof(probe), "%s/phone.tsv", dir);
	return access(probe, R_OK) == 0 ? dir : NULL;
}

const char *
ac_data_dir(void)
{
	static const char *found;
	const char *d = getenv("AC_SHAREDIR");

	if (d != NULL && *d != '\0')
		return d;
	if (found == NULL && (found = beside_exe()) == NULL)
		found = AC_DATADIR;
	return found;
}

static int
idx2(const char *s)
{
	if (s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' ||
	    s[2] != '\0')
		return -1;
	return (s[0] - 'A') * 26 + (s[1] - 'A');
}

/*
 * Call fn for each data line of file, split at tabs into at most 8
 * fields. Returns -1 with err set on failure.
 */
static int
each_line(const char *file, struct ac_data *d, char *err, size_t errlen,
    int (*fn)(struct ac_data *, char **, int, const char **))
{
	char path[4096], *line = NULL, *f[8], *p;
	const char *why = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	FILE *fp;
	int nf, r = 0;

	snprintf(path, sizeof(path), "%s/%s", ac_data_dir(), file);
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "data file %s: %s (set AC_SHAREDIR?)",
		    path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		for (nf = 0, p = line; nf < 8; nf++) {
			f[nf] = p;
			if ((p = strchr(p, '\t')) == NULL) {
				nf++;
				break;
			}
			*p++ = '\0';
		}
		if (fn(d, f, nf, &why) == -1) {
			snprintf(err, errlen, "data file %s:%lu: %s", path,
			    lineno, why);
			r = -1;
			break;
		}
	}
	if (r == 0 && ferror(fp)) {
		snprintf(err, errlen, "data file %s: %s", path,
		    strerror(errno));
		r = -1;
	}
	free(line);
	fclose(fp);
	return r;
}

/* Index of three upper-case letters, or -1. */
static int
idx3(const char *s)
{
	if (strlen(s) != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
	    s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z')
		return -1;
	return ((s[0] - 'A') * 26 + (s[1] - 'A')) * 26 + (s[2] - 'A');
}

static int
country_line(struct ac_data *d, char **f, int nf, const char **why)
{
	int i, j;

	if (nf != 3 || (i = idx2(f[0])) < 0 || (j = idx3(f[1])) < 0) {
		*why = "expected alpha-2<TAB>alpha-3<TAB>name";
		return -1;
	}
	d->iso3166[i] = 1;
	d->alpha3[j] = (short)(i + 1);
	return 0;
}

static int
eea_line(struct ac_data *d, char **f, int nf, const char **why)
{
	int i;

	(void)nf;
	if ((i = idx2(f[0])) < 0) {
		*why = "expected two upper-case letters";
		return -1;
	}
	d->eea[i] = 1;
	return 0;
}

#define CUR_NO_MINOR 0x80	/* a currency without a minor unit */

static int
currency_line(struct ac_data *d, char **f, int nf, const char **why)
{
	const char *s = f[0];

	const char *mu = nf > 1 ? f[1] : "-";
	unsigned char v;

	if (strlen(s) != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
	    s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z') {
		*why = "expected three upper-case letters";
		return -1;
	}
	/* 1 + the minor unit's digits, or CUR_NO_MINOR. */
	if (strcmp(mu, "-") == 0)
		v = CUR_NO_MINOR;
	else if (mu[0] >= '0' && mu[0] <= '4' && mu[1] == '\0')
		v = (unsigned char)(1 + mu[0] - '0');
	else {
		*why = "expected a minor unit of 0 to 4 digits, or -";
		return -1;
	}
	d->iso4217[((s[0] - 'A') * 26 + (s[1] - 'A')) * 26 + (s[2] - 'A')] = v;
	return 0;
}

static int
placeholder_line(struct ac_data *d, char **f, int nf, const char **why)
{
	char **np, *s;
	size_t n;

	if (nf != 2) {
		*why = "expected field<TAB>value";
		return -1;
	}
	n = strlen(f[0]) + strlen(f[1]) + 2;
	np = realloc(d->placeholders, (d->nplaceholders + 1) * sizeof(*np));
	if (np == NULL || (s = malloc(n)) == NULL) {
		if (np != NULL)
			d->placeholders = np;
		*why = strerror(errno);
		return -1;
	}
	d->placeholders = np;
	snprintf(s, n, "%s\t%s", f[0], f[1]);
	d->placeholders[d->nplaceholders++] = s;
	return 0;
}

/*
 * country-names.tsv: some 30,000 lines "name<TAB>CC", sorted by name in
 * byte order. It is mapped, not read, and searched in place: indexing it
 * at start-up (a hash table) cost 7 million instructions per run, more
 * than the rest of the start-up; a look-up is 15 steps of a binary
 * search, and only a country_code that is no code needs one.
 */
static int
load_names(struct ac_data *d, char *err, size_t errlen)
{
	char path[4096];
	const char *p, *end, *nl;
	struct stat sb;
	void *m;
	int fd;

	snprintf(path, sizeof(path), "%s/country-names.tsv", ac_data_dir());
	if ((fd = open(path, O_RDONLY)) == -1) {
		snprintf(err, errlen, "data file %s: %s (set AC_SHAREDIR?)",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || sb.st_size == 0 ||
	    (m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		snprintf(err, errlen, "data file %s: %s", path,
		    sb.st_size == 0 ? "empty" : strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	d->names = m;
	d->names_len = (size_t)sb.st_size;
	/* The names start after the comment lines; the file ends with a
	 * newline, so every line does. */
	end = d->names + d->names_len;
	for (p = d->names; p < end && *p == '#'; p = nl + 1)
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
	if (end[-1] != '\n' || p >= end || (nl = memchr(p, '\t',
	    (size_t)(end - p))) == NULL || nl == p || end - nl < 4 ||
	    nl[3] != '\n') {
		snprintf(err, errlen, "data file %s: expected lines of folded "
		    "name<TAB>alpha-2 code, ending in a newline", path);
		return -1;
	}
	d->names_start = (size_t)(p - d->names);
	return 0;
}

/* The start of the line that holds byte p of the names. */
static const char *
line_of(const struct ac_data *d, const char *p)
{
	const char *first = d->names + d->names_start;

	while (p > first && p[-1] != '\n')
		p--;
	return p;
}

/*
 * Compare key[0..len) with the name of the line at p, in byte order;
 * *cc gets the line's code and *next the line after it.
 */
static int
name_cmp(const struct ac_data *d, const char *p, const char *key,
    size_t len, const char **cc, const char **next)
{
	const char *end = d->names + d->names_len, *tab, *nl;
	size_t n;
	int r;

	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		nl = end;
	if ((tab = memchr(p, '\t', (size_t)(nl - p))) == NULL)
		tab = nl;
	*cc = tab + 1 < nl ? tab + 1 : NULL;
	*next = nl < end ? nl + 1 : end;
	n = (size_t)(tab - p);
	if ((r = memcmp(key, p, len < n ? len : n)) != 0)
		return r;
	return len < n ? -1 : len > n;
}

/* FNV-1a over the ASCII-lowercased bytes: the look-up ignores case. */
static unsigned long
phash(const char *field, const char *v, size_t len)
{
	unsigned long h = 2166136261UL;
	const char *p;
	size_t i;

	for (p = field; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619UL;
	h = (h ^ '\t') * 16777619UL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		h = (h ^ c) * 16777619UL;
	}
	return h;
}

/* FNV-1a of the ASCII-lowercased value alone, for the filter. */
static unsigned long
vhash(const char *v, size_t len)
{
	unsigned long h = 2166136261UL;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		h = (h ^ c) * 16777619UL;
	}
	return h & ((1UL << 16) - 1);
}

static int
maybe_placeholder(const struct ac_data *d, const char *v, size_t len)
{
	unsigned long h = vhash(v, len);

	return d->pvalues[h >> 3] & (1 << (h & 7));
}

static int
build_phash(struct ac_data *d)
{
	size_t i, s;
	char *tab;

	for (d->nphash = 16; d->nphash < 4 * d->nplaceholders;)
		d->nphash *= 2;
	if ((d->phash = malloc(d->nphash * sizeof(int))) == NULL)
		return -1;
	memset(d->phash, 0xff, d->nphash * sizeof(int));
	for (i = 0; i < d->nplaceholders; i++) {
		tab = strchr(d->placeholders[i], '\t');
		*tab = '\0';
		s = phash(d->placeholders[i], tab + 1, strlen(tab + 1));
		*tab = '\t';
		/* The filter: the value as listed (the e-mail form "name@"
		 * is listed with its "@"). */
		{
			unsigned long h = vhash(tab + 1, strlen(tab + 1));

			d->pvalues[h >> 3] |= (unsigned char)(1 << (h & 7));
		}
		for (s &= d->nphash - 1; d->phash[s] != -1;
		    s = (s + 1) & (d->nphash - 1))
			;
		d->phash[s] = (int)i;
	}
	return 0;
}

int
ac_data_load(struct ac_data *d, char *err, size_t errlen)
{
	char path[4096];

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "%s/phone.tsv", ac_data_dir());
	if (ac_phone_load(&d->phone, path, err, errlen) == -1 ||
	    each_line("iso3166.txt", d, err, errlen, country_line) == -1 ||
	    each_line("iso4217.txt", d, err, errlen, currency_line) == -1 ||
	    each_line("eea.txt", d, err, errlen, eea_line) == -1 ||
	    each_line("placeholders.txt", d, err, errlen,
	    placeholder_line) == -1 || load_names(d, err, errlen) == -1) {
		ac_data_free(d);
		return -1;
	}
	if (build_phash(d) == -1) {
		snprintf(err, errlen, "data: %s", strerror(errno));
		ac_data_free(d);
		return -1;
	}
	return 0;
}

void
ac_data_free(struct ac_data *d)
{
	size_t i;

	for (i = 0; i < d->nplaceholders; i++)
		free(d->placeholders[i]);
	free(d->placeholders);
	free(d->phash);
	d->phash = NULL;
	ac_phone_free(&d->phone);
	if (d->names != NULL)
		munmap(d->names, d->names_len);
	d->names = NULL;
	d->names_len = d->names_start = 0;
	d->placeholders = NULL;
	d->nplaceholders = 0;
}

const struct ac_region *
ac_data_region(const struct ac_data *d, const char *cc)
{
	return ac_phone_region(&d->phone, cc);
}

int
ac_data_is_country(const struct ac_data *d, const char *s)
{
	int i = idx2(s);

	return i >= 0 && d->iso3166[i];
}

int
ac_data_alpha3(const struct ac_data *d, const char *s, char cc[3])
{
	int j = idx3(s), i;

	if (j < 0 || d->alpha3[j] == 0)
		return -1;
	i = d->alpha3[j] - 1;
	cc[0] = (char)('A' + i / 26);
	cc[1] = (char)('A' + i % 26);
	cc[2] = '\0';
	return 0;
}

int
ac_data_country_name(const struct ac_data *d, const char *key, size_t len,
    char cc[3])
{
	const char *lo, *hi, *mid, *p, *c, *c2, *next, *q;
	int r;

	if (d->names == NULL || len == 0 || memchr(key, '\n', len) != NULL ||
	    memchr(key, '\t', len) != NULL)
		return -1;
	lo = d->names + d->names_start;	/* a line start */
	hi = d->names + d->names_len;	/* a line start, or the end */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		p = line_of(d, mid);
		if (p < lo)
			p = lo;
		r = name_cmp(d, p, key, len, &c, &next);
		if (r == 0)
			goto found;
		if (r < 0)
			hi = p;
		else
			lo = next;
	}
	return -1;
found:
	if (c == NULL || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' ||
	    c[1] > 'Z' || c[2] != '\n')
		return -1;
	/* The same name for another country, on the line before or after:
	 * ambiguous (mk/country-names.py leaves such names out). */
	if (next < d->names + d->names_len &&
	    name_cmp(d, next, key, len, &c2, &q) == 0 &&
	    (c2 == NULL || memcmp(c, c2, 2) != 0))
		return -1;
	if (p > d->names + d->names_start) {
		q = line_of(d, p - 1);
		if (name_cmp(d, q, key, len, &c2, &next) == 0 &&
		    (c2 == NULL || memcmp(c, c2, 2) != 0))
			return -1;
	}
	cc[0] = c[0];
	cc[1] = c[1];
	cc[2] = '\0';
	return 0;
}

int
ac_data_is_eea(const struct ac_data *d, const char *s)
{
	int i = idx2(s);

	return i >= 0 && d->eea[i];
}

int
ac_data_is_currency(const struct ac_data *d, const char *s)
{
	if (strlen(s) != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
	    s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z')
		return 0;
	return d->iso4217[((s[0] - 'A') * 26 + (s[1] - 'A')) * 26 +
	    (s[2] - 'A')] != 0;
}

int
ac_data_minor_unit(const struct ac_data *d, const char *s)
{
	unsigned char v;

	if (!ac_data_is_currency(d, s))
		return -1;
	v = d->iso4217[((s[0] - 'A') * 26 + (s[1] - 'A')) * 26 +
	    (s[2] - 'A')];
	return v == CUR_NO_MINOR ? -1 : v - 1;
}

static int
lookup(const struct ac_data *d, const char *field, const char *v, size_t len)
{
	size_t s, fl = strlen(field);
	const char *e;
	int i;

	if (d->phash == NULL)
		return 0;
	s = phash(field, v, len) & (d->nphash - 1);
	for (; (i = d->phash[s]) != -1; s = (s + 1) & (d->nphash - 1)) {
		e = d->placeholders[i];
		if (strncmp(e, field, fl) == 0 && e[fl] == '\t' &&
		    strlen(e + fl + 1) == len &&
		    strncasecmp(e + fl + 1, v, len) == 0)
			return 1;
	}
	return 0;
}

int
ac_data_is_placeholder(const struct ac_data *d, const char *field,
    const char *v, size_t len)
{
	const char *at;

	if (len > 100)
		return 0;	/* every listed value is short */
	if (maybe_placeholder(d, v, len) &&
	    (lookup(d, "*", v, len) || lookup(d, field, v, len)))
		return 1;
	if (strcmp(field, "email") == 0 && (at = memchr(v, '@', len)) != NULL &&
	    maybe_placeholder(d, v, (size_t)(at - v) + 1))
		return lookup(d, field, v, (size_t)(at - v) + 1);
	return 0;
}

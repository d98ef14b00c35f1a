/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#define MAXNSN 17		/* libphonenumber's _MAX_LENGTH_FOR_NSN */
#define MINNSN 2		/* _MIN_LENGTH_FOR_NSN */
#define MAXDIG 80		/* digits of any input we read, and a margin */
#define MAXGROUPS 8
#define MAXSTEPS 100000		/* of the matcher, for one match */

/*
 * The prefix patterns: a backtracking matcher in the style of Russ Cox's
 * re1 "backtrack", over the digits. Alternatives are tried in order and
 * quantifiers are greedy, so the match, its length and its groups are
 * those of Python's re.match, which python3-phonenumbers (the oracle of
 * the tests) uses; POSIX regexec would take the longest match instead.
 */
enum { OP_SET, OP_SPLIT, OP_JMP, OP_SAVE, OP_EOL, OP_MATCH };

struct ins {
	unsigned char op;
	unsigned short arg;	/* OP_SET: digit mask; OP_SAVE: slot */
	int x, y;		/* OP_SPLIT: x first; OP_JMP: x */
};

struct ac_re {
	struct ins *code;
	int n, cap;
	int ngroups;
};

enum { N_SET, N_CAT, N_ALT, N_REP, N_GROUP, N_EOL };

struct node {
	int kind;
	unsigned short mask;	/* N_SET */
	int min, max;		/* N_REP; max -1: no bound */
	int group;		/* N_GROUP: 1.. */
	struct node **kids;
	int nkids;
};

struct parser {
	const char *s;
	int ngroups;
	int err;
};

static void
node_free(struct node *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n);
}

static struct node *
node_new(struct parser *p, int kind)
{
	struct node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		p->err = 1;
	else
		n->kind = kind;
	return n;
}

static void
node_add(struct parser *p, struct node *n, struct node *kid)
{
	struct node **k;

	if (n == NULL || kid == NULL) {
		p->err = 1;
		node_free(kid);
		return;
	}
	if ((k = realloc(n->kids, (size_t)(n->nkids + 1) * sizeof(*k))) ==
	    NULL) {
		p->err = 1;
		node_free(kid);
		return;
	}
	n->kids = k;
	n->kids[n->nkids++] = kid;
}

static struct node *p_alt(struct parser *);

static int
p_int(struct parser *p)
{
	int v = 0;

	if (*p->s < '0' || *p->s > '9')
		p->err = 1;
	while (*p->s >= '0' && *p->s <= '9' && v < 1000)
		v = v * 10 + (*p->s++ - '0');
	return v;
}

static struct node *
p_atom(struct parser *p)
{
	struct node *n = NULL;
	int a, b;

	switch (*p->s) {
	case '(':
		p->s++;
		if (p->s[0] == '?' && p->s[1] == ':') {
			p->s += 2;
			n = p_alt(p);
		} else {
			if ((n = node_new(p, N_GROUP)) != NULL)
				n->group = ++p->ngroups;
			node_add(p, n, p_alt(p));
		}
		if (*p->s == ')')
			p->s++;
		else
			p->err = 1;
		return n;
	case '[':
		p->s++;
		if ((n = node_new(p, N_SET)) == NULL)
			return NULL;
		while (*p->s >= '0' && *p->s <= '9') {
			a = b = *p->s++ - '0';
			if (p->s[0] == '-' && p->s[1] >= '0' && p->s[1] <= '9') {
				b = p->s[1] - '0';
				p->s += 2;
			}
			for (; a <= b; a++)
				n->mask |= (unsigned short)(1U << a);
		}
		if (*p->s == ']')
			p->s++;
		else
			p->err = 1;
		return n;
	case '$':
		p->s++;
		return node_new(p, N_EOL);
	default:
		if (*p->s < '0' || *p->s > '9') {
			p->err = 1;
			return NULL;
		}
		if ((n = node_new(p, N_SET)) != NULL)
			n->mask = (unsigned short)(1U << (*p->s - '0'));
		p->s++;
		return n;
	}
}

static struct node *
p_rep(struct parser *p)
{
	struct node *n = p_atom(p), *r;
	int min, max;

	while (!p->err && (*p->s == '?' || *p->s == '*' || *p->s == '+' ||
	    *p->s == '{')) {
		min = *p->s == '+';
		max = *p->s == '?' ? 1 : -1;
		if (*p->s == '{') {
			p->s++;
			min = max = p_int(p);
			if (*p->s == ',') {
				p->s++;
				max = *p->s == '}' ? -1 : p_int(p);
			}
			if (*p->s != '}' || (max != -1 && max < min)) {
				p->err = 1;
				break;
			}
		}
		p->s++;
		if ((r = node_new(p, N_REP)) == NULL)
			break;
		r->min = min;
		r->max = max;
		node_add(p, r, n);
		n = r;
	}
	return n;
}

static struct node *
p_cat(struct parser *p)
{
	struct node *n = node_new(p, N_CAT);

	while (!p->err && *p->s != '\0' && *p->s != '|' && *p->s != ')')
		node_add(p, n, p_rep(p));
	return n;
}

static struct node *
p_alt(struct parser *p)
{
	struct node *n = p_cat(p), *a;

	if (*p->s != '|')
		return n;
	if ((a = node_new(p, N_ALT)) == NULL)
		return n;
	node_add(p, a, n);
	while (!p->err && *p->s == '|') {
		p->s++;
		node_add(p, a, p_cat(p));
	}
	return a;
}

static int
emit(struct ac_re *re, int op, int arg, int x, int y)
{
	struct ins *c;

	if (re->n == re->cap) {
		if (re->cap > 60000 || (c = realloc(re->code,
		    (size_t)(re->cap * 2 + 16) * sizeof(*c))) == NULL)
			return -1;
		re->code = c;
		re->cap = re->cap * 2 + 16;
	}
	re->code[re->n].op = (unsigned char)op;
	re->code[re->n].arg = (unsigned short)arg;
	re->code[re->n].x = x;
	re->code[re->n].y = y;
	return re->n++;
}

static int
gen(struct ac_re *re, const struct node *n)
{
	int i, j, pc, jumps[64], nj = 0;

	switch (n->kind) {
	case N_SET:
		return emit(re, OP_SET, n->mask, 0, 0) < 0 ? -1 : 0;
	case N_EOL:
		return emit(re, OP_EOL, 0, 0, 0) < 0 ? -1 : 0;
	case N_CAT:
		for (i = 0; i < n->nkids; i++)
			if (gen(re, n->kids[i]) == -1)
				return -1;
		return 0;
	case N_GROUP:
		if (n->group >= MAXGROUPS ||
		    emit(re, OP_SAVE, 2 * n->group, 0, 0) < 0 ||
		    gen(re, n->kids[0]) == -1 ||
		    emit(re, OP_SAVE, 2 * n->group + 1, 0, 0) < 0)
			return -1;
		return 0;
	case N_ALT:
		/* SPLIT L1, next; L1: kid; JMP end; next: ... last kid; end */
		for (i = 0; i < n->nkids; i++) {
			pc = -1;
			if (i + 1 < n->nkids &&
			    (pc = emit(re, OP_SPLIT, 0, re->n + 1, 0)) < 0)
				return -1;
			if (gen(re, n->kids[i]) == -1)
				return -1;
			if (i + 1 < n->nkids) {
				if (nj == (int)(sizeof(jumps) / sizeof(jumps[0])) ||
				    (jumps[nj++] = emit(re, OP_JMP, 0, 0, 0)) < 0)
					return -1;
				re->code[pc].y = re->n;
			}
		}
		for (j = 0; j < nj; j++)
			re->code[jumps[j]].x = re->n;
		return 0;
	case N_REP:
		for (i = 0; i < n->min; i++)
			if (gen(re, n->kids[0]) == -1)
				return -1;
		if (n->max == -1) {
			/* L: SPLIT L+1, out; kid; JMP L; out: */
			if ((pc = emit(re, OP_SPLIT, 0, re->n + 1, 0)) < 0 ||
			    gen(re, n->kids[0]) == -1 ||
			    emit(re, OP_JMP, 0, pc, 0) < 0)
				return -1;
			re->code[pc].y = re->n;
			return 0;
		}
		/* Each optional copy: SPLIT body, end (patched below). */
		for (i = n->min; i < n->max; i++) {
			if (nj == (int)(sizeof(jumps) / sizeof(jumps[0])) ||
			    (jumps[nj++] = emit(re, OP_SPLIT, 0, re->n + 1,
			    0)) < 0 || gen(re, n->kids[0]) == -1)
				return -1;
		}
		for (j = 0; j < nj; j++)
			re->code[jumps[j]].y = re->n;
		return 0;
	}
	return -1;
}

static void
re_free(struct ac_re *re)
{
	if (re != NULL)
		free(re->code);
	free(re);
}

static struct ac_re *
re_compile(const char *pat)
{
	struct parser p;
	struct node *n;
	struct ac_re *re;

	p.s = pat;
	p.ngroups = 0;
	p.err = 0;
	n = p_alt(&p);
	if (p.err || *p.s != '\0' || n == NULL || p.ngroups >= MAXGROUPS ||
	    (re = calloc(1, sizeof(*re))) == NULL) {
		node_free(n);
		return NULL;
	}
	re->ngroups = p.ngroups;
	if (gen(re, n) == -1 || emit(re, OP_MATCH, 0, 0, 0) < 0) {
		node_free(n);
		re_free(re);
		return NULL;
	}
	node_free(n);
	return re;
}

/* Returns the end of the match from pc at sp, or -1. */
static int
bt(const struct ac_re *re, int pc, const char *s, int sp, int n, int *caps,
    long *steps)
{
	const struct ins *in;
	int r, old;

	for (;;) {
		if (++*steps > MAXSTEPS)
			return -1;
		in = &re->code[pc];
		switch (in->op) {
		case OP_SET:
			if (sp < n && (in->arg >> (s[sp] - '0') & 1)) {
				pc++;
				sp++;
				continue;
			}
			return -1;
		case OP_JMP:
			pc = in->x;
			continue;
		case OP_SPLIT:
			if ((r = bt(re, in->x, s, sp, n, caps, steps)) >= 0)
				return r;
			pc = in->y;
			continue;
		case OP_SAVE:
			old = caps[in->arg];
			caps[in->arg] = sp;
			if ((r = bt(re, pc + 1, s, sp, n, caps, steps)) < 0)
				caps[in->arg] = old;
			return r;
		case OP_EOL:
			if (sp != n)
				return -1;
			pc++;
			continue;
		default:
			return sp;
		}
	}
}

/*
 * re.match(re, s[0..n)): the length matched or -1; caps[2k], caps[2k+1]
 * the span of group k, -1 when it took no part.
 */
static int
re_match(const struct ac_re *re, const char *s, int n, int caps[2 * MAXGROUPS])
{
	long steps = 0;
	int i;

	for (i = 0; i < 2 * MAXGROUPS; i++)
		caps[i] = -1;
	return bt(re, 0, s, 0, n, caps, &steps);
}

int
ac_phone_re_match(const char *pat, const char *s)
{
	struct ac_re *re;
	int caps[2 * MAXGROUPS], r;

	if ((re = re_compile(pat)) == NULL)
		return -2;
	r = re_match(re, s, (int)strlen(s), caps);
	re_free(re);
	return r;
}

/* The automata. */

static int
dfa_full(const struct ac_phone *p, int id, const char *s, size_t n)
{
	const struct ac_dfa *a = &p->dfas[id];
	unsigned st = 1;
	size_t i;

	for (i = 0; i < n && st != 0; i++)
		st = a->t[st * 10 + (unsigned)(s[i] - '0')];
	return a->acc[st];
}

/* re.match: some prefix of s is in the language. */
static int
dfa_prefix(const struct ac_phone *p, int id, const char *s, size_t n)
{
	const struct ac_dfa *a = &p->dfas[id];
	unsigned st = 1;
	size_t i;

	for (i = 0; i < n && st != 0 && !a->acc[st]; i++)
		st = a->t[st * 10 + (unsigned)(s[i] - '0')];
	return a->acc[st];
}

/* The algorithm: phonenumberutil.py of python3-phonenumbers 8.12.57. */

enum vr { IS_POSSIBLE, LOCAL_ONLY, TOO_SHORT, TOO_LONG, INVALID_LENGTH };

/* _test_number_length with the type UNKNOWN (the generalDesc). */
static enum vr
test_length(const struct ac_region *r, size_t n)
{
	unsigned long m = r->lengths;
	size_t min, max;

	if (n < 8 * sizeof(m) && (r->local >> n & 1))
		return LOCAL_ONLY;
	for (min = 0; min < 8 * sizeof(m) && !(m >> min & 1); min++)
		;
	for (max = 8 * sizeof(m) - 1; max > 0 && !(m >> max & 1); max--)
		;
	if (n == min)
		return IS_POSSIBLE;
	if (n < min)
		return TOO_SHORT;
	if (n > max)
		return TOO_LONG;
	return m >> n & 1 ? IS_POSSIBLE : INVALID_LENGTH;
}

struct num {
	char d[MAXDIG + 24];
	size_t n;
};

/*
 * _maybe_strip_national_prefix_carrier_code: the national prefix (and a
 * carrier code) removed from, or transformed in, s when what is left is
 * still a number of the region's generalDesc pattern where s was one.
 */
static void
strip_npp(const struct ac_phone *p, const struct ac_region *r, struct num *s)
{
	struct num t;
	const char *tr;
	int caps[2 * MAXGROUPS], end, g, viable;
	size_t k;

	if (s->n == 0 || r->npp == NULL ||
	    (end = re_match(r->npp, s->d, (int)s->n, caps)) < 0)
		return;
	viable = dfa_full(p, r->gen, s->d, s->n);
	g = r->npp->ngroups;
	t.n = 0;
	if (r->transform[0] == '\0' || g == 0 || caps[2 * g] < 0) {
		memcpy(t.d, s->d + end, s->n - (size_t)end);
		t.n = s->n - (size_t)end;
	} else {
		/* re.sub(pattern, rule, s, count=1): \k is group k, empty
		 * when it took no part. */
		for (tr = r->transform; *tr != '\0'; tr++) {
			if (*tr == '\\' && tr[1] >= '1' && tr[1] <= '9') {
				g = *++tr - '0';
				if (g <= r->npp->ngroups && caps[2 * g] >= 0)
					for (k = (size_t)caps[2 * g];
					    k < (size_t)caps[2 * g + 1] &&
					    t.n < MAXDIG; k++)
						t.d[t.n++] = s->d[k];
			} else if (t.n < MAXDIG) {
				t.d[t.n++] = *tr;
			}
		}
		if (t.n + s->n - (size_t)end > MAXDIG)
			return;
		memcpy(t.d + t.n, s->d + end, s->n - (size_t)end);
		t.n += s->n - (size_t)end;
	}
	if (viable && !dfa_full(p, r->gen, t.d, t.n))
		return;
	*s = t;
}

static const struct ac_region *
main_region(const struct ac_phone *p, int cc)
{
	return p->cc_nregions[cc] > 0 ? &p->regions[p->cc_regions[cc][0]] :
	    NULL;
}

/* _extract_country_code: a calling code of 1 to 3 digits, or 0. */
static int
extract_cc(const struct ac_phone *p, const char *s, size_t n, size_t *len)
{
	int cc = 0;
	size_t i;

	if (n == 0 || s[0] == '0')
		return 0;
	for (i = 1; i <= 3 && i <= n; i++) {
		cc = cc * 10 + (s[i - 1] - '0');
		if (p->cc_nregions[cc] > 0) {
			*len = i;
			return cc;
		}
	}
	return 0;
}

/*
 * _maybe_extract_country_code: the calling code written in s (after a
 * "+" when plus, after m's international prefix, or as m's own calling
 * code in front of a number too long or invalid without it) into *cc
 * and the rest into nsn; *cc = 0 when there is none. Returns a reason
 * code for libphonenumber's parse errors.
 */
static const char *
maybe_cc(const struct ac_phone *p, const struct ac_region *m,
    const char *s, size_t n, int plus, int *cc, struct num *nsn)
{
	int caps[2 * MAXGROUPS], end, c;
	size_t len, ccl;
	char ccs[8];

	*cc = 0;
	if (n == 0)
		return NULL;
	if (!plus && m != NULL && m->idd != NULL &&
	    (end = re_match(m->idd, s, (int)n, caps)) >= 0 &&
	    ((size_t)end == n || s[end] != '0')) {
		s += end;
		n -= (size_t)end;
		plus = 1;
	}
	if (plus) {
		if (n <= MINNSN)
			return "phone_bad_length";	/* TOO_SHORT_AFTER_IDD */
		if ((c = extract_cc(p, s, n, &len)) == 0)
			return "phone_bad_calling_code";
		*cc = c;
		memcpy(nsn->d, s + len, n - len);
		nsn->n = n - len;
		return NULL;
	}
	if (m == NULL)
		return NULL;
	ccl = (size_t)snprintf(ccs, sizeof(ccs), "%d", m->calling);
	if (n >= ccl && memcmp(s, ccs, ccl) == 0) {
		memcpy(nsn->d, s + ccl, n - ccl);
		nsn->n = n - ccl;
		strip_npp(p, m, nsn);
		if ((!dfa_full(p, m->gen, s, n) &&
		    dfa_full(p, m->gen, nsn->d, nsn->n)) ||
		    test_length(m, n) == TOO_LONG) {
			*cc = m->calling;
			return NULL;
		}
	}
	return NULL;
}

/* _region_code_for_number_from_list, with is_valid_number_for_region. */
static int
valid(const struct ac_phone *p, int cc, const struct num *nsn)
{
	const struct ac_region *r;
	int i;

	for (i = 0; i < p->cc_nregions[cc]; i++) {
		r = &p->regions[p->cc_regions[cc][i]];
		if (p->cc_nregions[cc] == 1 || (r->lead >= 0 ?
		    dfa_prefix(p, r->lead, nsn->d, nsn->n) :
		    dfa_full(p, r->valid, nsn->d, nsn->n)))
			return dfa_full(p, r->valid, nsn->d, nsn->n);
	}
	return 0;
}

const char *
ac_phone_e164(const struct ac_phone *p, const char *num, size_t n, int plus,
    const char *region, char out[24], size_t *off)
{
	const struct ac_region *m, *mm;
	const char *why;
	struct num nsn, pot;
	enum vr v;
	int cc;

	m = region != NULL ? ac_phone_region(p, region) : NULL;
	if (!plus && m == NULL)
		return "phone_no_region";
	if (n > MAXDIG)
		return "phone_bad_length";
	why = maybe_cc(p, m, num, n, plus, &cc, &nsn);
	/* A "+" before no calling code: read again without it. */
	if (why != NULL && plus && strcmp(why, "phone_bad_calling_code") == 0) {
		why = maybe_cc(p, m, num, n, 0, &cc, &nsn);
		if (why == NULL && cc == 0)
			why = "phone_bad_calling_code";
	}
	if (why != NULL)
		return why;
	if (cc != 0) {
		mm = main_region(p, cc);
	} else {
		memcpy(nsn.d, num, n);
		nsn.n = n;
		cc = m->calling;
		mm = m;
	}
	if (nsn.n < MINNSN)
		return "phone_bad_length";
	pot = nsn;
	strip_npp(p, mm, &pot);
	v = test_length(mm, pot.n);
	if (v != TOO_SHORT && v != LOCAL_ONLY && v != INVALID_LENGTH)
		nsn = pot;
	if (nsn.n > MAXNSN)
		return "phone_bad_length";
	*off = (size_t)snprintf(out, 24, "+%d", cc);
	snprintf(out + *off, 24 - *off, "%.*s", (int)nsn.n, nsn.d);
	if (!valid(p, cc, &nsn))
		return test_length(mm, nsn.n) == IS_POSSIBLE ?
		    "phone_not_in_plan" : "phone_bad_length";
	return NULL;
}

/* Loading phone.tsv. */

const struct ac_region *
ac_phone_region(const struct ac_phone *p, const char *cc)
{
	int i;

	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' ||
	    cc[2] != '\0')
		return NULL;
	i = p->region_of[(cc[0] - 'A') * 26 + (cc[1] - 'A')];
	return i < 0 ? NULL : &p->regions[i];
}

static int
num(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
lengths(const char *s, unsigned long *mask)
{
	char buf[128], *p, *tok;
	long v;

	*mask = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (p = buf; (tok = strsep(&p, ",")) != NULL;) {
		if (num(tok, MAXNSN, &v) == -1)
			return -1;
		*mask |= 1UL << v;
	}
	return 0;
}

static int
region_line(struct ac_phone *p, char **f, int nf, const char **why)
{
	struct ac_region *r, *nr;
	long v;
	size_t l;

	if (nf != 12) {
		*why = "R: expected 12 tab-separated fields";
		return -1;
	}
	if ((nr = realloc(p->regions, (size_t)(p->nregions + 1) *
	    sizeof(*nr))) == NULL) {
		*why = strerror(errno);
		return -1;
	}
	p->regions = nr;
	r = &p->regions[p->nregions++];
	memset(r, 0, sizeof(*r));
	r->lead = -1;
	l = strlen(f[1]);
	if (l < 2 || l > 3) {
		*why = "R: bad region";
		return -1;
	}
	memcpy(r->code, f[1], l + 1);
	if (num(f[2], 999, &v) == -1 || v == 0) {
		*why = "R: calling code out of range";
		return -1;
	}
	r->calling = (int)v;
	if ((strcmp(f[3], "-") != 0 && (r->idd = re_compile(f[3])) == NULL) ||
	    (strcmp(f[4], "-") != 0 && (r->npp = re_compile(f[4])) == NULL)) {
		*why = "R: pattern does not compile";
		return -1;
	}
	if (strlen(f[5]) >= sizeof(r->transform) ||
	    strlen(f[6]) >= sizeof(r->trunk)) {
		*why = "R: transform rule or national prefix too long";
		return -1;
	}
	if (strcmp(f[5], "-") != 0)
		strcpy(r->transform, f[5]);
	if (strcmp(f[6], "-") != 0)
		strcpy(r->trunk, f[6]);
	if (lengths(f[7], &r->lengths) == -1 || r->lengths == 0 ||
	    lengths(f[8], &r->local) == -1) {
		*why = "R: bad length list";
		return -1;
	}
	if (num(f[9], INT_MAX, &v) == -1) {
		*why = "R: bad automaton";
		return -1;
	}
	r->gen = (int)v;
	if (num(f[10], INT_MAX, &v) == -1) {
		*why = "R: bad automaton";
		return -1;
	}
	r->valid = (int)v;
	if (strcmp(f[11], "-") != 0) {
		if (num(f[11], INT_MAX, &v) == -1) {
			*why = "R: bad automaton";
			return -1;
		}
		r->lead = (int)v;
	}
	return 0;
}

static int
region_index(const struct ac_phone *p, const char *code)
{
	int i;

	for (i = 0; i < p->nregions; i++)
		if (strcmp(p->regions[i].code, code) == 0)
			return i;
	return -1;
}

static int
cc_line(struct ac_phone *p, char **f, int nf, const char **why)
{
	char *s, *tok;
	long cc;
	int i;

	if (nf != 3 || num(f[1], 999, &cc) == -1 || cc == 0 ||
	    p->cc_nregions[cc] != 0) {
		*why = "C: expected a new calling code and its regions";
		return -1;
	}
	for (s = f[2]; (tok = strsep(&s, ",")) != NULL;) {
		short *nl;

		if ((i = region_index(p, tok)) < 0 ||
		    p->regions[i].calling != cc) {
			*why = "C: not a region of that calling code";
			return -1;
		}
		if ((nl = realloc(p->cc_regions[cc],
		    (size_t)(p->cc_nregions[cc] + 1) * sizeof(*nl))) == NULL) {
			*why = strerror(errno);
			return -1;
		}
		p->cc_regions[cc] = nl;
		nl[p->cc_nregions[cc]++] = (short)i;
	}
	return 0;
}

/* Parse up to n comma-separated numbers below max from s into out. */
static int
ints(const char *s, unsigned long max, unsigned short *out, size_t n,
    size_t *got)
{
	unsigned long v;
	char *end;

	*got = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	for (;;) {
		if (*s < '0' || *s > '9' || *got == n)
			return -1;
		v = strtoul(s, &end, 10);
		if (v >= max)
			return -1;
		out[(*got)++] = (unsigned short)v;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

static int
dfa_line(struct ac_phone *p, char **f, int nf, const char **why)
{
	struct ac_dfa *nd;
	unsigned short *t, acc[4096];
	unsigned char *a;
	size_t got, i;
	long id, ns;

	if (nf != 5 || num(f[1], INT_MAX, &id) == -1 || id != p->ndfas ||
	    num(f[2], 60000, &ns) == -1 || ns < 2) {
		*why = "D: expected the next id and a number of states";
		return -1;
	}
	nd = realloc(p->dfas, (size_t)(p->ndfas + 1) * sizeof(*nd));
	t = malloc((size_t)ns * 10 * sizeof(*t));
	a = calloc((size_t)ns, 1);
	if (nd != NULL)
		p->dfas = nd;
	if (nd == NULL || t == NULL || a == NULL) {
		free(t);
		free(a);
		*why = strerror(errno);
		return -1;
	}
	/* Owned by the dfa from here on, freed by ac_phone_free. */
	p->dfas[p->ndfas].t = t;
	p->dfas[p->ndfas].acc = a;
	p->dfas[p->ndfas].nstates = (int)ns;
	p->ndfas++;
	if (ints(f[3], (unsigned long)ns, acc, sizeof(acc) / sizeof(acc[0]),
	    &got) == -1) {
		*why = "D: bad list of accepting states";
		return -1;
	}
	for (i = 0; i < got; i++)
		a[acc[i]] = 1;
	if (ints(f[4], (unsigned long)ns, t, (size_t)ns * 10, &got) == -1 ||
	    got != (size_t)ns * 10) {
		*why = "D: expected 10 states per state";
		return -1;
	}
	/* State 0 is dead: every move stays there. */
	for (i = 0; i < 10; i++)
		if (t[i] != 0 || a[0]) {
			*why = "D: state 0 is not dead";
			return -1;
		}
	return 0;
}

/* After the last line: every reference in range. */
static int
check(struct ac_phone *p, const char **why)
{
	const struct ac_region *r;
	int i;

	if (p->version[0] == '\0') {
		*why = "no V line";
		return -1;
	}
	for (i = 0; i < p->nregions; i++) {
		r = &p->regions[i];
		if (r->gen >= p->ndfas || r->valid >= p->ndfas ||
		    r->lead >= p->ndfas) {
			*why = "R: automaton out of range";
			return -1;
		}
		if (p->cc_nregions[r->calling] == 0) {
			*why = "R: calling code without a C line";
			return -1;
		}
	}
	return 0;
}

int
ac_phone_load(struct ac_phone *p, const char *path, char *err, size_t errlen)
{
	char *line = NULL, *f[13], *s;
	const char *why = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	FILE *fp;
	int nf, r = 0, i;

	memset(p, 0, sizeof(*p));
	memset(p->region_of, 0xff, sizeof(p->region_of));
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
		for (nf = 0, s = line; nf < 13; nf++) {
			f[nf] = s;
			if ((s = strchr(s, '\t')) == NULL) {
				nf++;
				break;
			}
			*s++ = '\0';
		}
		if (strcmp(f[0], "V") == 0 && nf == 2 &&
		    strlen(f[1]) < sizeof(p->version))
			strcpy(p->version, f[1]);
		else if (strcmp(f[0], "R") == 0)
			r = region_line(p, f, nf, &why);
		else if (strcmp(f[0], "C") == 0)
			r = cc_line(p, f, nf, &why);
		else if (strcmp(f[0], "D") == 0)
			r = dfa_line(p, f, nf, &why);
		else {
			why = "expected a V, R, C or D line";
			r = -1;
		}
		if (r == -1)
			break;
	}
	if (r == 0 && ferror(fp)) {
		snprintf(err, errlen, "data file %s: %s", path,
		    strerror(errno));
		r = -2;
	}
	if (r == 0 && check(p, &why) == -1)
		r = -1;
	if (r == -1)
		snprintf(err, errlen, "data file %s:%lu: %s", path, lineno,
		    why);
	free(line);
	fclose(fp);
	if (r != 0)
		return -1;
	for (i = 0; i < p->nregions; i++) {
		s = p->regions[i].code;
		if (strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' &&
		    s[1] >= 'A' && s[1] <= 'Z')
			p->region_of[(s[0] - 'A') * 26 + (s[1] - 'A')] =
			    (short)i;
	}
	return 0;
}

void
ac_phone_free(struct ac_phone *p)
{
	int i;

	for (i = 0; i < p->nregions; i++) {
		re_free(p->regions[i].idd);
		re_free(p->regions[i].npp);
	}
	free(p->regions);
	for (i = 0; i < p->ndfas; i++) {
		free(p->dfas[i].t);
		free(p->dfas[i].acc);
	}
	free(p->dfas);
	for (i = 0; i < 1000; i++)
		free(p->cc_regions[i]);
	memset(p, 0, sizeof(*p));
	memset(p->region_of, 0xff, sizeof(p->region_of));
}

/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jv.h>

#include "diag.h"
#include "field.h"
#include "ndjson.h"

#define RBUF_MIN (256 * 1024)	/* read chunk */

/* Writer */

int
ac_writer_init(struct ac_writer *w, int fd)
{
	w->fd = fd;
	w->len = 0;
	w->err = 0;
	w->nlost = 0;
	w->cap = 2 * AC_WBUF_FLUSH;
	if ((w->buf = malloc(w->cap)) == NULL)
		return -1;
	return 0;
}

static void
wgrow(struct ac_writer *w, size_t need)
{
	size_t cap = w->cap;
	char *p;

	while (cap - w->len < need)
		cap *= 2;
	if ((p = realloc(w->buf, cap)) == NULL) {
		perror(ac_getprogname());
		abort();	/* as libjq does when out of memory */
	}
	w->buf = p;
	w->cap = cap;
}

static inline void
wput(struct ac_writer *w, const char *s, size_t n)
{
	if (w->cap - w->len < n)
		wgrow(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void
ac_write_bytes(struct ac_writer *w, const char *s, size_t n)
{
	wput(w, s, n);
}

/* Bytes that need escaping in a JSON string: ", \ and C0 controls. */
static const unsigned char needs_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* The first byte of s[0..n) that needs escaping, or n: eight at a time. */
static inline size_t
plain_run(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t x;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		/* A byte below 0x20, a '"' or a '\\' (none of them are
		 * found in bytes of 0x80 and up, nor missed). */
		if (((x - 0x20 * ones) | ((x ^ 0x22 * ones) - ones) |
		    ((x ^ 0x5c * ones) - ones)) & ~x & 0x80 * ones)
			break;
	}
	while (i < n && !needs_esc[(unsigned char)s[i]])
		i++;
	return i;
}

static void
wstring(struct ac_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run;
	char esc[6];

	wput(w, "\"", 1);
	for (i = 0; i < n;) {
		run = i + plain_run(s + i, n - i);
		wput(w, s + i, run - i);
		if (run == n)
			break;
		esc[0] = '\\';
		switch (s[run]) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[(unsigned char)s[run] >> 4];
			esc[5] = hex[(unsigned char)s[run] & 0xf];
			wput(w, esc, 6);
			i = run + 1;
			continue;
		}
		wput(w, esc, 2);
		i = run + 1;
	}
	wput(w, "\"", 1);
}

size_t
ac_json_plain_run(const char *s, size_t n)
{
	return plain_run(s, n);
}

void
ac_write_string(struct ac_writer *w, const char *s, size_t n)
{
	wstring(w, s, n);
}

size_t
ac_fmt_int(char *buf, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	size_t n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}

/* Write m / 10^k in fixed point, k > 0. */
static void
wdecimal(struct ac_writer *w, long long m, int k)
{
	char dg[24], out[48];
	int nd, len = 0;

	if (m < 0) {
		out[len++] = '-';
		m = -m;
	}
	nd = (int)ac_fmt_int(dg, m);
	if (nd <= k) {
		out[len++] = '0';
		out[len++] = '.';
		memset(out + len, '0', (size_t)(k - nd));
		len += k - nd;
		memcpy(out + len, dg, (size_t)nd);
		len += nd;
	} else {
		memcpy(out + len, dg, (size_t)(nd - k));
		len += nd - k;
		out[len++] = '.';
		memcpy(out + len, dg + nd - k, (size_t)k);
		len += k;
	}
	wput(w, out, (size_t)len);
}

/*
 * Numbers print in a form that reads back as the same double: integers
 * below 2^53 as integers; decimals with up to 6 places (prices) as exact
 * fixed point when that reads back unchanged; anything else as the
 * shortest of %.15g, %.16g and %.17g that does.
 */
static void
wnumber(struct ac_writer *w, double d)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	char tmp[40];
	double m;
	int prec, n, k;

	if (isnan(d)) {
		wput(w, "null", 4);	/* JSON has no NaN; jq prints null */
		return;
	}
	if (isinf(d))
		d = d > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
	if (d == 0 && signbit(d)) {
		wput(w, "-0", 2);
		return;
	}
	if (d == trunc(d) && fabs(d) < 9007199254740992.0) {
		n = (int)ac_fmt_int(tmp, (long long)d);
		wput(w, tmp, (size_t)n);
		return;
	}
	if (fabs(d) < 1e9 && fabs(d) >= 1e-6) {
		for (k = 1; k <= 6; k++) {
			m = nearbyint(d * p10[k]);
			/* The division is correctly rounded, as is reading
			 * the decimal text back: equal means it reads as d. */
			if (m / p10[k] == d) {
				wdecimal(w, (long long)m, k);
				return;
			}
		}
	}
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (prec == 17 || strtod(tmp, NULL) == d)
			break;
	}
	wput(w, tmp, (size_t)n);
}

void
ac_write_value(struct ac_writer *w, jv v)
{
	int i, first;

	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
	case JV_KIND_INVALID:	/* not JSON; callers never pass one */
		wput(w, "null", 4);
		break;
	case JV_KIND_FALSE:
		wput(w, "false", 5);
		break;
	case JV_KIND_TRUE:
		wput(w, "true", 4);
		break;
	case JV_KIND_NUMBER:
		wnumber(w, jv_number_value(v));
		break;
	case JV_KIND_STRING:
		wstring(w, jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_ARRAY:
		wput(w, "[", 1);
		for (i = 0; i < jv_array_length(jv_copy(v)); i++) {
			if (i > 0)
				wput(w, ",", 1);
			ac_write_value(w, jv_array_get(jv_copy(v), i));
		}
		wput(w, "]", 1);
		break;
	case JV_KIND_OBJECT:
		wput(w, "{", 1);
		first = 1;
		for (i = jv_object_iter(v); jv_object_iter_valid(v, i);
		    i = jv_object_iter_next(v, i)) {
			jv k = jv_object_iter_key(v, i);

			if (!first)
				wput(w, ",", 1);
			first = 0;
			wstring(w, jv_string_value(k),
			    (size_t)jv_string_length_bytes(jv_copy(k)));
			jv_free(k);
			wput(w, ":", 1);
			ac_write_value(w, jv_object_iter_value(v, i));
		}
		wput(w, "}", 1);
		break;
	}
	jv_free(v);
}

void
ac_write_rec_value(struct ac_writer *w, const struct ac_rec *rec)
{
	const struct ac_member *m;
	int i, first = 1;

	wput(w, "{", 1);
	for (i = 0; i < rec->n; i++) {
		m = &rec->m[i];
		if (!jv_is_valid(m->val))
			continue;
		if (!first)
			wput(w, ",", 1);
		first = 0;
		/* Unchanged and written as we would write them: copied,
		 * "key":value at once when so in the line. */
		if (m->kraw && m->raw != NULL && m->canon &&
		    m->raw == m->kp + m->klen + 2 && m->kp[m->klen + 1] == ':') {
			wput(w, m->kp - 1, (size_t)(m->raw + m->rawlen -
			    (m->kp - 1)));
			continue;
		}
		if (m->kraw)
			wput(w, m->kp - 1, m->klen + 2);
		else
			wstring(w, m->kp, m->klen);
		wput(w, ":", 1);
		if (m->raw != NULL && m->canon)
			wput(w, m->raw, m->rawlen);
		else
			ac_write_value(w, ac_rec_val(rec, i));
	}
	wput(w, "}", 1);
}

int
ac_write_rec(struct ac_writer *w, const struct ac_rec *rec)
{
	ac_write_rec_value(w, rec);
	wput(w, "\n", 1);
	if (w->len >= AC_WBUF_FLUSH)
		return ac_writer_flush(w);
	return w->err ? -1 : 0;
}

/* Drop the buffer from off on, counting the lines it ends as lost. */
static void
wdrop(struct ac_writer *w, size_t off)
{
	const char *p = w->buf + off, *end = w->buf + w->len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		w->nlost++;
		p++;
	}
	w->len = 0;
}

int
ac_writer_flush(struct ac_writer *w)
{
	size_t off = 0;
	ssize_t n;

	if (w->err) {
		wdrop(w, 0);
		return -1;
	}
	while (off < w->len) {
		n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* What was written stays written: a line whose
			 * newline did not go out is lost (maybe torn). */
			w->err = errno;
			wdrop(w, off);
			return -1;
		}
		off += (size_t)n;
	}
	w->len = 0;
	return 0;
}

int
ac_write(struct ac_writer *w, jv rec)
{
	ac_write_value(w, rec);
	wput(w, "\n", 1);
	if (w->len >= AC_WBUF_FLUSH)
		return ac_writer_flush(w);
	return w->err ? -1 : 0;
}

int
ac_writer_close(struct ac_writer *w)
{
	int r = ac_writer_flush(w);

	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
	return r;
}

/* Reader */

struct ac_keycache *
ac_keycache_new(void)
{
	struct ac_keycache *c;
	int i;

	if ((c = malloc(sizeof(*c))) == NULL)
		return NULL;
	for (i = 0; i < AC_KEYCACHE; i++) {
		c->slot[i].len = 0;
		c->slot[i].key = jv_invalid();
	}
	return c;
}

void
ac_keycache_free(struct ac_keycache *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < AC_KEYCACHE; i++)
		jv_free(c->slot[i].key);
	free(c);
}

int
ac_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	uint64_t chunk;

	while (i < len) {
		/* ASCII runs are the common case: eight bytes at a time. */
		while (i + 8 <= len) {
			memcpy(&chunk, s + i, 8);
			if (chunk & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (s[i] < 0x80) {
			i++;
		} else if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			if (i + 1 >= len || (s[i + 1] & 0xc0) != 0x80)
				return 0;
			i += 2;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			if (i + 2 >= len || (s[i + 1] & 0xc0) != 0x80 ||
			    (s[i + 2] & 0xc0) != 0x80)
				return 0;
			if (s[i] == 0xe0 && s[i + 1] < 0xa0)
				return 0;	/* overlong */
			if (s[i] == 0xed && s[i + 1] >= 0xa0)
				return 0;	/* surrogate */
			i += 3;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			if (i + 3 >= len || (s[i + 1] & 0xc0) != 0x80 ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return 0;
			if (s[i] == 0xf0 && s[i + 1] < 0x90)
				return 0;	/* overlong */
			if (s[i] == 0xf4 && s[i + 1] >= 0x90)
				return 0;	/* above U+10FFFF */
			i += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

static char stdin_name[] = "-";

int
ac_reader_open(struct ac_reader *rd, int argc, char *argv[])
{
	struct stat st;
	int i;

	memset(rd, 0, sizeof(*rd));
	if (argc == 0) {
		static char *dash[] = { stdin_name };

		argc = 1;
		argv = dash;
	}
	rd->names = argv;
	rd->nfiles = argc;
	if ((rd->fds = calloc((size_t)argc, sizeof(int))) == NULL ||
	    (rd->buf = malloc(RBUF_MIN)) == NULL ||
	    (rd->keys = ac_keycache_new()) == NULL) {
		ac_warn("reader");
		return -1;
	}
	rd->cap = RBUF_MIN;
	for (i = 0; i < argc; i++)
		rd->fds[i] = -1;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			rd->fds[i] = STDIN_FILENO;
			continue;
		}
		if ((rd->fds[i] = open(argv[i], O_RDONLY | O_CLOEXEC)) == -1) {
			ac_warn("%s", argv[i]);
			ac_reader_close(rd);
			return -1;
		}
		if (fstat(rd->fds[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			ac_warn("%s", argv[i]);
			ac_reader_close(rd);
			return -1;
		}
	}
	rd->cur = 0;
	rd->name = strcmp(argv[0], "-") == 0 ? "<stdin>" : argv[0];
	return 0;
}

void
ac_reader_close(struct ac_reader *rd)
{
	int i;

	for (i = 0; rd->fds != NULL && i < rd->nfiles; i++)
		if (rd->fds[i] > STDIN_FILENO)
			close(rd->fds[i]);
	free(rd->fds);
	free(rd->buf);
	ac_keycache_free(rd->keys);
	rd->fds = NULL;
	rd->buf = NULL;
	rd->keys = NULL;
}

/* Flush our writers if the next read would wait for input. */
static void
flush_if_idle(struct ac_reader *rd, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int i;

	if (poll(&pfd, 1, 0) == 1)
		return;
	for (i = 0; i < 2; i++)
		if (rd->flush[i] != NULL)
			ac_writer_flush(rd->flush[i]);
}

/* Until input is ready, give the idle hook the time it asks for. */
static void
wait_idle(struct ac_reader *rd, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long ms;
	int n;

	if (rd->idle == NULL)
		return;
	for (;;) {
		if ((ms = rd->idle(rd->idle_arg)) < 0)
			return;
		n = poll(&pfd, 1, ms > 1000000 ? 1000000 : (int)ms);
		if (n != 0 && !(n < 0 && errno == EINTR))
			return;		/* ready, or let read(2) say why not */
	}
}

/* Read more of the current file. Returns -1 on a read error. */
static int
fill(struct ac_reader *rd)
{
	int fd = rd->fds[rd->cur];
	ssize_t n;
	char *p;

	if (rd->start > 0) {
		memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
		rd->end -= rd->start;
		rd->start = 0;
	}
	if (rd->cap - rd->end < RBUF_MIN / 2) {
		if ((p = realloc(rd->buf, rd->cap * 2)) == NULL) {
			ac_warn("%s", rd->name);
			return -1;
		}
		rd->buf = p;
		rd->cap *= 2;
	}
	flush_if_idle(rd, fd);
	wait_idle(rd, fd);
	do
		n = read(fd, rd->buf + rd->end, rd->cap - rd->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ac_warn("%s: read error", rd->name);
		return -1;
	}
	if (n == 0)
		rd->eof = 1;
	rd->end += (size_t)n;
	return 0;
}

/*
 * JSON parser: builds jv values directly from one line. libjq's jv_parser
 * is a general streaming tokenizer and costs more than everything else a
 * stage does; this one knows it has a whole line (valid UTF-8 already) and
 * its messages name the column, never the text.
 */
#define MAX_DEPTH 256

struct jparse {
	const char *s, *p, *end;
	struct ac_keycache *keys;
	int depth;
	char *err;
	size_t errlen;
	char *tmp;		/* unescaping buffer, grown on demand */
	size_t tmpcap;
	int lone_ok;		/* a lone surrogate escape reads as U+FFFD */
	const char *code;	/* reason code of the error, when not bad JSON */
};

static jv jvalue(struct jparse *);
static jv jstring(struct jparse *);

/*
 * Object keys repeat on every line. Keeping one jv string per distinct
 * key saves validating, allocating and hashing it again: the string keeps
 * its hash, and every record shares it.
 */
#define KEYCACHE_MAX 64		/* longest key cached */

static jv
jkey(struct jparse *jp, unsigned long *hp)
{
	const char *start = jp->p, *p = jp->p;
	unsigned long h = 2166136261UL;
	struct ac_keyslot *slot;
	size_t n;
	jv k;

	while (p < jp->end && *p != '"' && *p != '\\' &&
	    (unsigned char)*p >= 0x20 && p - start <= KEYCACHE_MAX) {
		h = (h ^ (unsigned char)*p) * 16777619UL;
		p++;
	}
	if (p >= jp->end || *p != '"') {
		/* Escapes or a long key: the general path. */
		k = jstring(jp);
		if (jv_is_valid(k))
			*hp = ac_field_hash(jv_string_value(k), (size_t)
			    jv_string_length_bytes(jv_copy(k)));
		return k;
	}
	n = (size_t)(p - start);
	*hp = h & 0xffffffffUL;
	jp->p = p + 1;
	if (jp->keys == NULL)
		return jv_string_sized(start, (int)n);
	slot = &jp->keys->slot[*hp % AC_KEYCACHE];
	if (slot->len != n || !jv_is_valid(slot->key) ||
	    memcmp(jv_string_value(slot->key), start, n) != 0) {
		jv_free(slot->key);
		slot->key = jv_string_sized(start, (int)n);
		slot->len = n;
	}
	return jv_copy(slot->key);
}

static jv
jfail(struct jparse *jp, const char *what)
{
	if (jp->err[0] == '\0')
		snprintf(jp->err, jp->errlen, "%s at column %lu", what,
		    (unsigned long)(jp->p - jp->s) + 1);
	return jv_invalid();
}

static inline void
jws(struct jparse *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
	    *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t
utf8_put(char *o, unsigned c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A string; jp->p is just past the opening quote. */
static jv
jstring(struct jparse *jp)
{
	const char *start = jp->p, *p = jp->p, *esc;
	size_t n = 0;
	unsigned c, lo;
	char *o;

	while (p < jp->end && *p != '"' && *p != '\\' &&
	    (unsigned char)*p >= 0x20)
		p++;
	if (p < jp->end && *p == '"') {
		jp->p = p + 1;
		return jv_string_sized(start, (int)(p - start));
	}
	/* Escapes: decode into tmp. The output is never longer. */
	if (jp->tmpcap < (size_t)(jp->end - start)) {
		free(jp->tmp);
		jp->tmpcap = (size_t)(jp->end - start);
		if ((jp->tmp = malloc(jp->tmpcap)) == NULL) {
			jp->tmpcap = 0;
			return jfail(jp, "out of memory");
		}
	}
	o = jp->tmp;
	for (p = start; p < jp->end && *p != '"'; ) {
		if ((unsigned char)*p < 0x20) {
			jp->p = p;
			return jfail(jp, "control character in string");
		}
		if (*p != '\\') {
			o[n++] = *p++;
			continue;
		}
		if (++p >= jp->end)
			break;
		switch (*p++) {
		case '"': o[n++] = '"'; break;
		case '\\': o[n++] = '\\'; break;
		case '/': o[n++] = '/'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u':
			esc = p - 2;
			if (jp->end - p < 4 || hex4(p, &c) == -1) {
				jp->p = p;
				return jfail(jp, "bad \\u escape");
			}
			p += 4;
			if (c >= 0xd800 && c < 0xdc00 && jp->end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    hex4(p + 2, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			} else if (c >= 0xd800 && c < 0xe000) {
				/*
				 * A lone surrogate names no character. jq
				 * reads U+FFFD, which would make "A\ud800"
				 * and "A\udc00" one order ID: a record is
				 * refused instead.
				 */
				if (!jp->lone_ok) {
					jp->p = esc;
					jp->code = "bad_unicode_escape";
					return jfail(jp, "lone surrogate in a "
					    "\\u escape");
				}
				c = 0xfffd;
			}
			n += utf8_put(o + n, c);
			break;
		default:
			jp->p = p - 1;
			return jfail(jp, "bad escape");
		}
	}
	if (p >= jp->end) {
		jp->p = p;
		return jfail(jp, "unterminated string");
	}
	jp->p = p + 1;
	return jv_string_sized(o, (int)n);
}

static jv
jnumber(struct jparse *jp)
{
	const char *p = jp->p, *start = p;
	char buf[64], *tmp;
	long long iv = 0;
	int digits = 0, isint = 1, neg = 0;
	double d;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p < jp->end && *p == '0') {
		p++;
		digits = 1;
	} else {
		while (p < jp->end && *p >= '0' && *p <= '9') {
			if (digits < 18)
				iv = iv * 10 + (*p - '0');
			digits++;
			p++;
		}
	}
	if (digits == 0) {
		jp->p = p;
		return jfail(jp, "bad number");
	}
	if (p < jp->end && *p == '.') {
		isint = 0;
		if (++p >= jp->end || *p < '0' || *p > '9') {
			jp->p = p;
			return jfail(jp, "bad number");
		}
		while (p < jp->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < jp->end && (*p == 'e' || *p == 'E')) {
		isint = 0;
		p++;
		if (p < jp->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= jp->end || *p < '0' || *p > '9') {
			jp->p = p;
			return jfail(jp, "bad number");
		}
		while (p < jp->end && *p >= '0' && *p <= '9')
			p++;
	}
	jp->p = p;
	if (isint && digits <= 15)
		return jv_number(neg ? -(double)iv : (double)iv);
	if ((size_t)(p - start) < sizeof(buf)) {
		memcpy(buf, start, (size_t)(p - start));
		buf[p - start] = '\0';
		d = strtod(buf, NULL);
	} else {
		if ((tmp = strndup(start, (size_t)(p - start))) == NULL)
			return jfail(jp, "out of memory");
		d = strtod(tmp, NULL);
		free(tmp);
	}
	/* Beyond the range of a double: the largest one, as jq does, so
	 * that what is written reads back the same. */
	if (isinf(d))
		d = d > 0 ? DBL_MAX : -DBL_MAX;
	return jv_number(d);
}

static jv
jliteral(struct jparse *jp, const char *word, jv v)
{
	size_t n = strlen(word);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0) {
		jv_free(v);
		return jfail(jp, "invalid literal");
	}
	jp->p += n;
	return v;
}

static jv
jcontainer(struct jparse *jp, int obj)
{
	jv c = obj ? jv_object() : jv_array(), k, v;
	unsigned long h;

	if (++jp->depth > MAX_DEPTH) {
		jv_free(c);
		return jfail(jp, "nesting too deep");
	}
	jp->p++;
	jws(jp);
	if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
		jp->p++;
		jp->depth--;
		return c;
	}
	for (;;) {
		jws(jp);
		if (obj) {
			if (jp->p >= jp->end || *jp->p != '"') {
				jv_free(c);
				return jfail(jp, "expected a key");
			}
			jp->p++;
			k = jkey(jp, &h);
			if (!jv_is_valid(k)) {
				jv_free(c);
				return k;
			}
			jws(jp);
			if (jp->p >= jp->end || *jp->p != ':') {
				jv_free(k);
				jv_free(c);
				return jfail(jp, "expected ':'");
			}
			jp->p++;
			v = jvalue(jp);
			if (!jv_is_valid(v)) {
				jv_free(k);
				jv_free(c);
				return v;
			}
			c = jv_object_set(c, k, v);
		} else {
			v = jvalue(jp);
			if (!jv_is_valid(v)) {
				jv_free(c);
				return v;
			}
			c = jv_array_append(c, v);
		}
		jws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
			jp->p++;
			jp->depth--;
			return c;
		}
		jv_free(c);
		return jfail(jp, obj ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	}
}

static jv
jvalue(struct jparse *jp)
{
	jws(jp);
	if (jp->p >= jp->end)
		return jfail(jp, "unexpected end of line");
	switch (*jp->p) {
	case '{':
		return jcontainer(jp, 1);
	case '[':
		return jcontainer(jp, 0);
	case '"':
		jp->p++;
		return jstring(jp);
	case 't':
		return jliteral(jp, "true", jv_true());
	case 'f':
		return jliteral(jp, "false", jv_false());
	case 'n':
		return jliteral(jp, "null", jv_null());
	default:
		if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9'))
			return jnumber(jp);
		return jfail(jp, "unexpected character");
	}
}

jv
ac_json_parse(const char *s, size_t n, struct ac_keycache *keys, char *err,
    size_t errlen)
{
	struct jparse jp = { s, s, s + n, keys, 0, err, errlen, NULL, 0, 1,
	    NULL };
	jv v;

	err[0] = '\0';
	v = jvalue(&jp);
	if (jv_is_valid(v)) {
		jws(&jp);
		if (jp.p != jp.end) {
			jv_free(v);
			v = jfail(&jp, "more than one value");
		}
	}
	free(jp.tmp);
	return v;
}

/*
 * The record scanner: one pass over a line that holds one object finds
 * its members and checks the syntax of their values without building them
 * (ac_rec_val() decodes a value when a stage asks for it), and tells for
 * each value whether its text is canonical: exactly what the writer writes
 * for the value it stands for, so that the writer may copy it. Canonical
 * are true, false and null; strings whose escapes are the writer's (\",
 * \\, \n, \t, \r, \b, \f, and \u00xx in lower case for the other C0
 * controls); integers of at most 15 digits; decimals with no exponent, at
 * most 9 digits before the point and 1 to 6 after it, the last not 0; and
 * arrays and objects with no white space, canonical members and no key
 * twice. Anything the scanner cannot vouch for (an error, a lone
 * surrogate, deep nesting) makes it give up: the line is then parsed in
 * full, which gives the same record or the error message.
 */
#define SCAN_KEYS 16		/* keys of a nested object checked for twins */

static int svalue(struct jparse *);

/* A string, jp->p past the quote: 1 canonical, 0 not, -1 give up. */
static int
sstring(struct jparse *jp)
{
	const char *p = jp->p, *end = jp->end;
	unsigned c, lo;
	int canon = 1;

	for (;;) {
		p += plain_run(p, (size_t)(end - p));
		if (p >= end)
			return -1;
		if (*p == '"')
			break;
		if (*p != '\\' || ++p >= end)
			return -1;	/* a control character */
		switch (*p++) {
		case '"': case '\\': case 'n': case 't': case 'r': case 'b':
		case 'f':
			break;
		case 'u':
			if (end - p < 4 || hex4(p, &c) == -1)
				return -1;
			p += 4;
			if (c >= 0xd800 && c < 0xdc00 && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    hex4(p + 2, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				p += 6;
				canon = 0;
			} else if (c >= 0xd800 && c < 0xe000) {
				return -1;	/* refused: the full parse says so */
			} else if (c >= 0x20 || c == '\n' || c == '\t' ||
			    c == '\r' || c == '\b' || c == '\f' ||
			    (p[-1] >= 'A' && p[-1] <= 'F')) {
				canon = 0;
			}
			break;
		default:
			canon = 0;	/* \/, or an error the parse reports */
			if (p[-1] != '/')
				return -1;
			break;
		}
	}
	jp->p = p + 1;
	return canon;
}

static int
snumber(struct jparse *jp)
{
	const char *p = jp->p, *end = jp->end, *f;
	int idig = 0, fdig = 0;

	if (*p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
		idig = 1;
	} else {
		while (p < end && *p >= '0' && *p <= '9')
			p++, idig++;
	}
	if (idig == 0)
		return -1;
	if (p < end && *p == '.') {
		if (++p >= end || *p < '0' || *p > '9')
			return -1;
		for (f = p; p < end && *p >= '0' && *p <= '9';)
			p++;
		fdig = (int)(p - f);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		jp->p = p;
		return 0;
	}
	jp->p = p;
	if (fdig == 0)
		return idig <= 15;
	return idig <= 9 && fdig <= 6 && p[-1] != '0';
}

static int
sliteral(struct jparse *jp, const char *word, size_t n)
{
	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return -1;
	jp->p += n;
	return 1;
}

/* Skip white space; 0 when there was some. */
static inline int
sws(struct jparse *jp)
{
	const char *p = jp->p;

	jws(jp);
	return jp->p == p;
}

static int
scontainer(struct jparse *jp, int obj)
{
	const char *kp[SCAN_KEYS], *k;
	size_t kl[SCAN_KEYS];
	char close = obj ? '}' : ']';
	int canon = 1, c, nk = 0, i;

	if (++jp->depth > MAX_DEPTH)
		return -1;
	jp->p++;
	canon &= sws(jp);
	if (jp->p < jp->end && *jp->p == close)
		goto done;
	for (;;) {
		canon &= sws(jp);
		if (obj) {
			if (jp->p >= jp->end || *jp->p != '"')
				return -1;
			k = ++jp->p;
			if ((c = sstring(jp)) == -1)
				return -1;
			canon &= c;
			for (i = 0; canon && i < nk; i++)
				if (kl[i] == (size_t)(jp->p - 1 - k) &&
				    memcmp(kp[i], k, kl[i]) == 0)
					canon = 0;	/* the last one wins */
			if (nk == SCAN_KEYS)
				canon = 0;
			else {
				kp[nk] = k;
				kl[nk++] = (size_t)(jp->p - 1 - k);
			}
			canon &= sws(jp);
			if (jp->p >= jp->end || *jp->p != ':')
				return -1;
			jp->p++;
			canon &= sws(jp);
		}
		if ((c = svalue(jp)) == -1)
			return -1;
		canon &= c;
		canon &= sws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == close)
			break;
		return -1;
	}
done:
	jp->p++;
	jp->depth--;
	return canon;
}

/* A value at jp->p (no white space before it): as sstring. */
static int
svalue(struct jparse *jp)
{
	if (jp->p >= jp->end)
		return -1;
	switch (*jp->p) {
	case '{':
		return scontainer(jp, 1);
	case '[':
		return scontainer(jp, 0);
	case '"':
		jp->p++;
		return sstring(jp);
	case 't':
		return sliteral(jp, "true", 4);
	case 'f':
		return sliteral(jp, "false", 5);
	case 'n':
		return sliteral(jp, "null", 4);
	default:
		if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9'))
			return snumber(jp);
		return -1;
	}
}

/*
 * Scan a line that holds one object into rec, its values left as text.
 * Returns -1 when the line must be parsed in full (rec is then cleared).
 */
static int
scan_rec(const char *s, size_t n, struct ac_keycache *keys,
    struct ac_rec *rec)
{
	char err[96];
	struct jparse jp = { s, s, s + n, keys, 1, err, sizeof(err), NULL, 0,
	    0, NULL };
	const char *v, *kp, *q;
	unsigned long h;
	uint64_t seen = 0, bit;
	size_t kl;
	jv k;
	int i, c, r = -1;

	err[0] = '\0';
	jp.p++;			/* the '{' */
	jws(&jp);
	if (jp.p < jp.end && *jp.p == '}') {
		jp.p++;
		goto end;
	}
	for (;;) {
		jws(&jp);
		if (jp.p >= jp.end || *jp.p != '"')
			goto out;
		kp = ++jp.p;
		h = 2166136261UL;
		for (q = kp; q < jp.end && !needs_esc[(unsigned char)*q]; q++)
			h = (h ^ (unsigned char)*q) * 16777619UL;
		h &= 0xffffffffUL;
		if (q < jp.end && *q == '"') {
			k = jv_null();		/* in the line: kraw */
			kl = (size_t)(q - kp);
			jp.p = q + 1;
		} else {
			k = jstring(&jp);	/* escapes */
			if (!jv_is_valid(k))
				goto out;
			kp = jv_string_value(k);
			kl = (size_t)jv_string_length_bytes(jv_copy(k));
			h = ac_field_hash(kp, kl);
		}
		jws(&jp);
		if (jp.p >= jp.end || *jp.p != ':') {
			jv_free(k);
			goto out;
		}
		jp.p++;
		jws(&jp);
		v = jp.p;
		if ((c = svalue(&jp)) == -1) {
			jv_free(k);
			goto out;
		}
		/* A repeated key keeps its first place and its last value,
		 * as in jq. Keys seen are marked by a bit of their hash. */
		bit = (uint64_t)1 << (h & 63);
		i = seen & bit ? ac_field_find(rec, kp, kl, h) : -1;
		seen |= bit;
		if (i >= 0) {
			jv_free(k);
			ac_rec_set_raw(rec, i, v, (size_t)(jp.p - v), c);
		} else if (jv_get_kind(k) == JV_KIND_NULL) {
			ac_rec_append_line(rec, kp, kl, h, v,
			    (size_t)(jp.p - v), c);
		} else {
			ac_rec_append_raw(rec, k, h, v, (size_t)(jp.p - v),
			    c);
		}
		jws(&jp);
		if (jp.p < jp.end && *jp.p == ',') {
			jp.p++;
			continue;
		}
		if (jp.p < jp.end && *jp.p == '}') {
			jp.p++;
			break;
		}
		goto out;
	}
end:
	jws(&jp);
	if (jp.p == jp.end)
		r = 0;
out:
	free(jp.tmp);
	if (r == -1)
		ac_rec_clear(rec);
	return r;
}

/*
 * Parse a line that holds one object into rec. Returns -1 with err set,
 * and *code when the reason is not bad JSON.
 */
static int
json_parse_rec(const char *s, size_t n, struct ac_keycache *keys,
    struct ac_rec *rec, char *err, size_t errlen, const char **code)
{
	struct jparse jp = { s, s, s + n, keys, 1, err, errlen, NULL, 0, 0,
	    NULL };
	unsigned long h;
	jv k, v;
	int i, r = -1;

	err[0] = '\0';
	jp.p++;			/* the '{' */
	jws(&jp);
	if (jp.p < jp.end && *jp.p == '}') {
		jp.p++;
		goto end;
	}
	for (;;) {
		jws(&jp);
		if (jp.p >= jp.end || *jp.p != '"') {
			jfail(&jp, "expected a key");
			goto out;
		}
		jp.p++;
		k = jkey(&jp, &h);
		if (!jv_is_valid(k))
			goto out;
		jws(&jp);
		if (jp.p >= jp.end || *jp.p != ':') {
			jv_free(k);
			jfail(&jp, "expected ':'");
			goto out;
		}
		jp.p++;
		v = jvalue(&jp);
		if (!jv_is_valid(v)) {
			jv_free(k);
			goto out;
		}
		/* A repeated key keeps its first place and its last value,
		 * as in jq. */
		i = ac_field_find(rec, jv_string_value(k),
		    (size_t)jv_string_length_bytes(jv_copy(k)), h);
		if (i >= 0) {
			jv_free(k);
			jv_free(rec->m[i].val);
			rec->m[i].val = v;
		} else {
			ac_rec_append(rec, k, h, v);
		}
		jws(&jp);
		if (jp.p < jp.end && *jp.p == ',') {
			jp.p++;
			continue;
		}
		if (jp.p < jp.end && *jp.p == '}') {
			jp.p++;
			break;
		}
		jfail(&jp, "expected ',' or '}'");
		goto out;
	}
end:
	jws(&jp);
	if (jp.p != jp.end)
		jfail(&jp, "more than one value");
	else
		r = 0;
out:
	free(jp.tmp);
	if (r == -1)
		ac_rec_clear(rec);
	*code = jp.code;
	return r;
}

static enum ac_rd
bad(struct ac_reader *rd, const char *code, const char *msg)
{
	rd->bad_code = code;
	snprintf(rd->bad_msg, sizeof(rd->bad_msg), "%s", msg);
	return AC_RD_BAD;
}

static enum ac_rd
parse_line(struct ac_reader *rd, const char *s, size_t len,
    struct ac_rec *rec)
{
	char err[96], msg[64];
	const char *code;
	size_t i;
	jv v;

	rd->raw = s;
	rd->rawlen = len;
	ac_rec_clear(rec);
	if (len > INT_MAX)
		return bad(rd, "line_too_long", "line longer than 2 GiB");
	if (!ac_utf8_valid(s, len))
		return bad(rd, "bad_utf8", "invalid UTF-8");
	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i < len && s[i] == '{') {
		if (!rd->eager && scan_rec(s + i, len - i, rd->keys, rec) == 0)
			return AC_RD_REC;
		if (json_parse_rec(s + i, len - i, rd->keys, rec, err,
		    sizeof(err), &code) == 0)
			return AC_RD_REC;
		if (code != NULL)
			return bad(rd, code, err);
		snprintf(rd->bad_msg, sizeof(rd->bad_msg),
		    "invalid JSON: %s", err);
		rd->bad_code = "bad_json";
		return AC_RD_BAD;
	}
	v = ac_json_parse(s, len, NULL, err, sizeof(err));
	if (!jv_is_valid(v)) {
		snprintf(rd->bad_msg, sizeof(rd->bad_msg), "invalid JSON: %s",
		    err);
		rd->bad_code = "bad_json";
		return AC_RD_BAD;
	}
	snprintf(msg, sizeof(msg), "expected an object, got %s",
	    jv_kind_name(jv_get_kind(v)));
	jv_free(v);
	return bad(rd, "not_object", msg);
}

static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

enum ac_rd
ac_read(struct ac_reader *rd, struct ac_rec *rec)
{
	char *s, *nl;
	size_t len;

	for (;;) {
		if (rd->cur >= rd->nfiles)
			return AC_RD_EOF;
		s = rd->buf + rd->start;
		nl = memchr(s, '\n', rd->end - rd->start);
		if (nl != NULL) {
			len = (size_t)(nl - s);
			rd->start += len + 1;
		} else if (rd->eof && rd->end > rd->start) {
			/* a last line without its newline */
			len = rd->end - rd->start;
			rd->start = rd->end;
		} else if (rd->eof) {
			if (rd->fds[rd->cur] > STDIN_FILENO)
				close(rd->fds[rd->cur]);
			rd->fds[rd->cur] = -1;
			rd->start = rd->end = 0;
			rd->eof = 0;
			rd->line = 0;
			if (++rd->cur < rd->nfiles)
				rd->name = strcmp(rd->names[rd->cur], "-") == 0 ?
				    "<stdin>" : rd->names[rd->cur];
			continue;
		} else {
			if (fill(rd) == -1)
				return AC_RD_ERR;
			continue;
		}
		rd->line++;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		/* A byte order mark that some Windows tools write first. */
		if (rd->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3, len -= 3;
		if (blank(s, len))
			continue;
		return parse_line(rd, s, len, rec);
	}
}

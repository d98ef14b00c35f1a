/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
#include "ndjson.h"

#define WBUF_FLUSH (64 * 1024)	/* write out once this much is buffered */
#define RBUF_MIN (256 * 1024)	/* read chunk */

/* Writer */

int
ac_writer_init(struct ac_writer *w, int fd)
{
	w->fd = fd;
	w->len = 0;
	w->err = 0;
	w->cap = 2 * WBUF_FLUSH;
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

static void
wstring(struct ac_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run;
	char esc[6];

	/* Worst case every byte becomes \u00XX. */
	if (w->cap - w->len < 6 * n + 2)
		wgrow(w, 6 * n + 2);
	w->buf[w->len++] = '"';
	for (i = 0; i < n;) {
		for (run = i; run < n && !needs_esc[(unsigned char)s[run]];)
			run++;
		memcpy(w->buf + w->len, s + i, run - i);
		w->len += run - i;
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
			memcpy(w->buf + w->len, esc, 6);
			w->len += 6;
			i = run + 1;
			continue;
		}
		memcpy(w->buf + w->len, esc, 2);
		w->len += 2;
		i = run + 1;
	}
	w->buf[w->len++] = '"';
}

/*
 * The shortest of %.15g, %.16g and %.17g that reads back as the same
 * double; integers below 2^53 take a fast path.
 */
static void
wnumber(struct ac_writer *w, double d)
{
	char tmp[32], *p;
	int prec, n;

	if (isnan(d)) {
		wput(w, "null", 4);	/* JSON has no NaN; jq prints null */
		return;
	}
	if (isinf(d))
		d = d > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
	if (d == trunc(d) && fabs(d) < 9007199254740992.0) {
		uint64_t u = (uint64_t)fabs(d);

		p = tmp + sizeof(tmp);
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (d < 0)
			*--p = '-';
		wput(w, p, (size_t)(tmp + sizeof(tmp) - p));
		return;
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

int
ac_writer_flush(struct ac_writer *w)
{
	size_t off = 0;
	ssize_t n;

	if (w->err) {
		w->len = 0;
		return -1;
	}
	while (off < w->len) {
		n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			w->len = 0;
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
	if (w->len >= WBUF_FLUSH)
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
	    (rd->buf = malloc(RBUF_MIN)) == NULL) {
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
	rd->fds = NULL;
	rd->buf = NULL;
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

static enum ac_rd
bad(struct ac_reader *rd, const char *code, const char *msg)
{
	rd->bad_code = code;
	snprintf(rd->bad_msg, sizeof(rd->bad_msg), "%s", msg);
	return AC_RD_BAD;
}

static enum ac_rd
parse_line(struct ac_reader *rd, const char *s, size_t len, jv *rec)
{
	jv_parser *p;
	jv v, extra;

	rd->raw = s;
	rd->rawlen = len;
	if (len > INT_MAX)
		return bad(rd, "line_too_long", "line longer than 2 GiB");
	if (!ac_utf8_valid(s, len))
		return bad(rd, "bad_utf8", "invalid UTF-8");
	p = jv_parser_new(0);
	jv_parser_set_buf(p, s, (int)len, 0);
	v = jv_parser_next(p);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);

		jv_parser_free(p);
		if (jv_get_kind(msg) == JV_KIND_STRING) {
			/* libjq's parser messages name the position, not the
			 * text: "Unfinished string at EOF at line 2, column 0". */
			snprintf(rd->bad_msg, sizeof(rd->bad_msg),
			    "invalid JSON: %s", jv_string_value(msg));
			rd->bad_code = "bad_json";
			jv_free(msg);
			return AC_RD_BAD;
		}
		jv_free(msg);
		return bad(rd, "bad_json", "invalid JSON: no value");
	}
	extra = jv_parser_next(p);
	jv_parser_free(p);
	if (jv_is_valid(extra) || (jv_get_kind(extra) == JV_KIND_INVALID &&
	    jv_invalid_has_msg(jv_copy(extra)))) {
		jv_free(extra);
		jv_free(v);
		return bad(rd, "bad_json",
		    "invalid JSON: more than one value on the line");
	}
	jv_free(extra);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		char msg[64];

		snprintf(msg, sizeof(msg), "expected an object, got %s",
		    jv_kind_name(jv_get_kind(v)));
		jv_free(v);
		return bad(rd, "not_object", msg);
	}
	*rec = v;
	return AC_RD_REC;
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
ac_read(struct ac_reader *rd, jv *rec)
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
		if (blank(s, len))
			continue;
		return parse_line(rd, s, len, rec);
	}
}

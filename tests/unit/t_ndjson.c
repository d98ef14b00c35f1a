/* SPDX-License-Identifier: MIT */
/* The NDJSON writer and reader, and ac_utf8_valid. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jv.h>

#include "diag.h"
#include "ndjson.h"
#include "tap.h"

static char tmpdir[1024];

/* A new empty temporary file; its path in path. Returns the fd. */
static int
tmpfile_at(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/t_ndjson.XXXXXX", tmpdir);
	if ((fd = mkstemp(path)) == -1) {
		perror(path);
		exit(1);
	}
	return fd;
}

/* The whole content of fd from offset 0, NUL-terminated; its length in *n. */
static char *
slurp(int fd, size_t *n)
{
	struct stat st;
	char *s;
	ssize_t r;
	size_t off = 0;

	if (fstat(fd, &st) == -1 || (s = malloc((size_t)st.st_size + 1)) ==
	    NULL) {
		perror("slurp");
		exit(1);
	}
	while (off < (size_t)st.st_size &&
	    (r = pread(fd, s + off, (size_t)st.st_size - off, (off_t)off)) > 0)
		off += (size_t)r;
	s[off] = '\0';
	*n = off;
	return s;
}

/* What ac_write makes of v, as a malloc'd string. Consumes v. */
static char *
written(jv v, size_t *n)
{
	struct ac_writer w;
	char path[4096], *s;
	int fd = tmpfile_at(path, sizeof(path));

	unlink(path);
	if (ac_writer_init(&w, fd) == -1) {
		perror("ac_writer_init");
		exit(1);
	}
	if (ac_write(&w, v) == -1 || ac_writer_close(&w) == -1) {
		fprintf(stderr, "write failed: %s\n", strerror(w.err));
		exit(1);
	}
	s = slurp(fd, n);
	close(fd);
	return s;
}

/*
 * Same value, same key order, and bit-identical numbers (jv_equal ignores
 * key order and compares numbers with ==). Borrows a and b.
 */
static int
same(jv a, jv b)
{
	double x, y;
	int i, j, r = 1;
	jv ka, kb, va, vb;

	if (jv_get_kind(a) != jv_get_kind(b))
		return 0;
	switch (jv_get_kind(a)) {
	case JV_KIND_NUMBER:
		x = jv_number_value(a);
		y = jv_number_value(b);
		return memcmp(&x, &y, sizeof(x)) == 0;
	case JV_KIND_STRING:
		return jv_string_length_bytes(jv_copy(a)) ==
		    jv_string_length_bytes(jv_copy(b)) &&
		    memcmp(jv_string_value(a), jv_string_value(b),
		    (size_t)jv_string_length_bytes(jv_copy(a))) == 0;
	case JV_KIND_ARRAY:
		if (jv_array_length(jv_copy(a)) != jv_array_length(jv_copy(b)))
			return 0;
		for (i = 0; r && i < jv_array_length(jv_copy(a)); i++) {
			va = jv_array_get(jv_copy(a), i);
			vb = jv_array_get(jv_copy(b), i);
			r = same(va, vb);
			jv_free(va);
			jv_free(vb);
		}
		return r;
	case JV_KIND_OBJECT:
		if (jv_object_length(jv_copy(a)) != jv_object_length(jv_copy(b)))
			return 0;
		for (i = jv_object_iter(a), j = jv_object_iter(b);
		    r && jv_object_iter_valid(a, i);
		    i = jv_object_iter_next(a, i), j = jv_object_iter_next(b, j)) {
			if (!jv_object_iter_valid(b, j))
				return 0;
			ka = jv_object_iter_key(a, i);
			kb = jv_object_iter_key(b, j);
			va = jv_object_iter_value(a, i);
			vb = jv_object_iter_value(b, j);
			r = same(ka, kb) && same(va, vb);
			jv_free(ka);
			jv_free(kb);
			jv_free(va);
			jv_free(vb);
		}
		return r;
	default:
		return 1;
	}
}

/*
 * Write v, read the line back with jv_parser: one line, compact (no
 * newline inside), and the same value. Consumes v.
 */
static void
roundtrip(jv v, const char *name)
{
	char *s;
	size_t n;
	jv back;

	s = written(jv_copy(v), &n);
	ok(n > 0 && s[n - 1] == '\n' && memchr(s, '\n', n - 1) == NULL &&
	    memchr(s, '\r', n) == NULL, "%s: one line", name);
	back = tap_parse(s, n);
	if (!ok(jv_is_valid(back) && jv_equal(jv_copy(v), jv_copy(back)) &&
	    same(v, back), "%s: reads back identical", name))
		diag("written: %.*s", n > 200 ? 200 : (int)n - 1, s);
	jv_free(back);
	jv_free(v);
	free(s);
}

/* v written as exactly want plus a newline. Consumes v. */
static void
writes(jv v, const char *want, size_t wantlen, const char *name)
{
	char *s;
	size_t n;

	s = written(v, &n);
	if (!ok(n == wantlen + 1 && memcmp(s, want, wantlen) == 0 &&
	    s[wantlen] == '\n', "%s: exact text", name))
		diag("written: %.*s", n > 200 ? 200 : (int)n - 1, s);
	free(s);
}

#define WRITES(v, lit, name) writes((v), (lit), sizeof(lit) - 1, (name))

static jv
str(const char *lit, size_t n)
{
	return jv_string_sized(lit, (int)n);
}

#define STR(lit) str((lit), sizeof(lit) - 1)

static void
writer_text(void)
{
	jv o;

	o = jv_object_set(jv_object(), jv_string("a"), jv_number(1));
	o = jv_object_set(o, jv_string("b"), jv_array_append(jv_array_append(
	    jv_array_append(jv_array(), jv_true()), jv_false()), jv_null()));
	o = jv_object_set(o, jv_string("c"), jv_string("x"));
	WRITES(o, "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\"}", "simple");
	WRITES(jv_object(), "{}", "empty object");
	WRITES(jv_array(), "[]", "empty array");
	WRITES(jv_string(""), "\"\"", "empty string");
	WRITES(jv_null(), "null", "null");
	o = jv_object_set(jv_object(), jv_string("z"), jv_number(1));
	o = jv_object_set(o, jv_string("a"), jv_number(2));
	o = jv_object_set(o, jv_string("m"), jv_number(3));
	WRITES(o, "{\"z\":1,\"a\":2,\"m\":3}", "key order kept");
	o = jv_object_set(jv_object(), jv_string("b"), jv_number(1));
	o = jv_object_set(o, jv_string("a"), jv_number(2));
	o = jv_object_set(o, jv_string("b"), jv_number(3));
	WRITES(o, "{\"b\":3,\"a\":2}", "a replaced key keeps its place");
	WRITES(STR("q\"b\\s/n\nt\tr\rb\bf\f"),
	    "\"q\\\"b\\\\s/n\\nt\\tr\\rb\\bf\\f\"", "short escapes");
	WRITES(STR("\x01\x1f\x0b\x1b"), "\"\\u0001\\u001f\\u000b\\u001b\"",
	    "other controls as \\u00XX");
	WRITES(STR("a\0b"), "\"a\\u0000b\"", "embedded NUL");
	WRITES(STR("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "non-ASCII is raw UTF-8");
	o = jv_object_set(jv_object(), STR("k\"\n\xc3\xa9"), jv_number(0));
	WRITES(o, "{\"k\\\"\\n\xc3\xa9\":0}", "keys are escaped too");
	WRITES(jv_number(0), "0", "0");
	WRITES(jv_number(1), "1", "1");
	WRITES(jv_number(-1), "-1", "-1");
	WRITES(jv_number(100), "100", "100");
	WRITES(jv_number(1.5), "1.5", "1.5");
	WRITES(jv_number(-2.25), "-2.25", "-2.25");
	WRITES(jv_number(0.1), "0.1", "0.1");
	WRITES(jv_number(49.9), "49.9", "49.9");
	WRITES(jv_number(123456789.123), "123456789.123", "123456789.123");
	WRITES(jv_number(9007199254740991.0), "9007199254740991", "2^53-1");
	WRITES(jv_number(9007199254740992.0), "9007199254740992", "2^53");
	o = jv_array_append(jv_array(), jv_object());
	o = jv_array_append(o, jv_array_append(jv_array(), jv_array()));
	WRITES(o, "[{},[[]]]", "nested empties");
}

static void
writer_roundtrip(void)
{
	static const double nums[] = {
		0, 1, -1, 2, 10, 100, 1e15, 1e16, 1e17, 1e21, 1e22,
		9007199254740992.0, 9007199254740994.0, -9007199254740992.0,
		9007199254740993.0, 18446744073709551616.0, 1e300, -1e300,
		1e-300, 1e-7, 0.1, 0.2, 0.30000000000000004, 49.9, 1.0 / 3,
		2.0 / 3, -1.0 / 3, 123456789.123, 3.141592653589793,
		2.718281828459045, 1e15 + 0.3, 0.5, 1.7976931348623157e308,
		DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, DBL_EPSILON,
		4.9406564584124654e-324, 2.2250738585072009e-308,
		1.5e-310, 123e-320, 5e-324 * 3, 1e23, 8.41e21, 5e-5,
		0.000001, 1234567.890123, 4.35, 2.675, 1.005,
	};
	char name[64], big[3000];
	size_t i;
	jv o, a;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		snprintf(name, sizeof(name), "number %.17g", nums[i]);
		roundtrip(jv_number(nums[i]), name);
	}
	roundtrip(jv_number(-0.0), "number -0");

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		a = i == 0 ? jv_array_append(jv_array(), jv_number(nums[i])) :
		    jv_array_append(a, jv_number(nums[i]));
	roundtrip(a, "array of all the numbers");

	/* Every byte that needs an escape, and its neighbours. */
	for (i = 1; i < 0x80; i++)
		big[i - 1] = (char)i;
	roundtrip(str(big, 0x7f), "string of bytes 0x01..0x7f");
	roundtrip(STR("\x7f"), "U+007F");
	roundtrip(STR("\0"), "a lone NUL");
	roundtrip(STR("a\0b\0\0c"), "embedded NULs");
	roundtrip(STR("\"\\/\b\f\n\r\t"), "escapes");
	roundtrip(STR("\xc2\x80\xc2\x9f\xc2\xa0\xe2\x80\xa8\xe2\x80\xa9"),
	    "C1 controls, NBSP, U+2028, U+2029");
	roundtrip(STR("\xef\xbb\xbf\xef\xbf\xbd\xf4\x8f\xbf\xbf"),
	    "BOM, U+FFFD, U+10FFFF");
	roundtrip(STR("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x98\x80 "
	    "\xe4\xb8\xad\xe6\x96\x87"), "non-ASCII");
	memset(big, '\\', sizeof(big));
	roundtrip(str(big, sizeof(big)), "3000 backslashes");

	o = jv_object_set(jv_object(), jv_string("a"), jv_object_set(
	    jv_object(), jv_string("b"), jv_object_set(jv_object(),
	    jv_string("c"), jv_array_append(jv_array_append(jv_array(),
	    jv_number(1)), jv_array_append(jv_array_append(jv_array(),
	    jv_number(2)), jv_array_append(jv_array_append(jv_array(),
	    jv_number(3)), jv_object()))))));
	o = jv_object_set(o, STR("\n\"\\\x01\xc3\xa9\0"), jv_string("key"));
	o = jv_object_set(o, jv_string(""), jv_null());
	o = jv_object_set(o, jv_string("z"), jv_true());
	o = jv_object_set(o, jv_string("y"), jv_false());
	o = jv_object_set(o, jv_string("n"), jv_number(-0.5));
	roundtrip(o, "nested object with odd keys");

	/* Deep nesting (within libjq 1.6's parser depth limit of 256). */
	o = jv_number(1);
	for (i = 0; i < 100; i++)
		o = i % 2 ? jv_array_append(jv_array(), o) :
		    jv_object_set(jv_object(), jv_string("d"), o);
	roundtrip(o, "100 levels deep");

	/* Many keys keep their order. */
	o = jv_object();
	for (i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "k%zu", (i * 7919) % 1000);
		o = jv_object_set(o, jv_string(name), jv_number((double)i));
	}
	roundtrip(o, "500 keys in insertion order");

	/* A value bigger than the output buffer. */
	{
		size_t n = 3 * 1024 * 1024;
		char *s = malloc(n);

		for (i = 0; i < n; i++)
			s[i] = (char)("ab\"\\\n\x01x"[i % 7]);
		roundtrip(jv_object_set(jv_object(), jv_string("s"),
		    str(s, n)), "a 3 MiB string with escapes");
		free(s);
	}
}

/* Many records through one writer, each line reading back. */
static void
writer_many(void)
{
	struct ac_writer w;
	char path[4096], *s, *p, *nl;
	size_t n, nrec = 0, good = 0;
	int fd = tmpfile_at(path, sizeof(path)), i, r = 0;
	jv v;

	unlink(path);
	ac_writer_init(&w, fd);
	for (i = 0; i < 20000; i++) {
		v = jv_object_set(jv_object(), jv_string("i"), jv_number(i));
		v = jv_object_set(v, jv_string("s"),
		    jv_string_fmt("line %d \xc3\xa9\t", i));
		r |= ac_write(&w, v);
	}
	ac_write_bytes(&w, "[", 1);
	ac_write_value(&w, jv_number(7));
	ac_write_bytes(&w, "]\n", 2);
	is_int(r | ac_writer_close(&w), 0, "20000 records written");
	ok(w.buf == NULL, "ac_writer_close frees the buffer");
	s = slurp(fd, &n);
	close(fd);
	for (p = s; (nl = memchr(p, '\n', n - (size_t)(p - s))) != NULL;
	    p = nl + 1) {
		v = tap_parse(p, (size_t)(nl - p));
		if (nrec < 20000) {
			jv want = jv_object_set(jv_object(), jv_string("i"),
			    jv_number((double)nrec));

			want = jv_object_set(want, jv_string("s"),
			    jv_string_fmt("line %zu \xc3\xa9\t", nrec));
			good += jv_is_valid(v) && same(v, want);
			jv_free(want);
		} else if (nrec == 20000) {
			jv want = jv_array_append(jv_array(), jv_number(7));

			good += jv_is_valid(v) && same(v, want);
			jv_free(want);
		}
		jv_free(v);
		nrec++;
	}
	is_int((long long)nrec, 20001, "20001 lines");
	is_int((long long)good, 20001, "every line reads back in order");
	ok(p == s + n, "nothing after the last newline");
	free(s);
}

static void
writer_errors(void)
{
	struct ac_writer w;
	int fd, r, i;

	if ((fd = open("/dev/full", O_WRONLY)) == -1) {
		ok(1, "# SKIP no /dev/full");
		return;
	}
	ac_writer_init(&w, fd);
	r = 0;
	for (i = 0; i < 10000 && r == 0; i++)
		r = ac_write(&w, jv_object_set(jv_object(), jv_string("k"),
		    jv_string("some text to fill the buffer")));
	is_int(r, -1, "/dev/full: ac_write fails once the buffer is written");
	is_int(w.err, ENOSPC, "/dev/full: err is ENOSPC");
	is_int(ac_write(&w, jv_object()), -1, "/dev/full: later writes fail");
	is_int(ac_writer_flush(&w), -1, "/dev/full: flush fails");
	is_int(ac_writer_close(&w), -1, "/dev/full: close fails");
	close(fd);

	/* A small record: the error shows at close. */
	fd = open("/dev/full", O_WRONLY);
	ac_writer_init(&w, fd);
	ac_write(&w, jv_object());
	is_int(ac_writer_close(&w), -1, "/dev/full: close of one record fails");
	is_int(w.err, ENOSPC, "/dev/full: err set at close");
	close(fd);

	/* A closed fd. */
	fd = open("/dev/null", O_WRONLY);
	close(fd);
	ac_writer_init(&w, fd);
	ac_write(&w, jv_object());
	is_int(ac_writer_close(&w), -1, "closed fd: close fails");
	is_int(w.err, EBADF, "closed fd: err is EBADF");
}

/* Newlines in s[0..n). */
static unsigned long
newlines(const char *s, size_t n)
{
	unsigned long c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

/*
 * A disk that fills up after limit bytes: a file under RLIMIT_FSIZE
 * (SIGXFSZ ignored) takes a short write up to the limit and then fails
 * with EFBIG, as a full disk takes one and fails with ENOSPC. Writes
 * nrec records of about 30 bytes (stopping at the first error, as a
 * stage does) and checks that the lines counted lost are exactly those
 * not whole in the file.
 */
static void
torn_at(rlim_t limit, int nrec, unsigned long want_whole)
{
	struct rlimit old, rl;
	struct ac_writer w;
	void (*oldxfsz)(int);
	char path[4096], *s;
	size_t n;
	int fd, i, r = 0;

	fd = tmpfile_at(path, sizeof(path));
	unlink(path);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = limit;
	oldxfsz = signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) == -1) {
		ok(1, "# SKIP setrlimit: %s", strerror(errno));
		signal(SIGXFSZ, oldxfsz);
		close(fd);
		return;
	}
	ac_writer_init(&w, fd);
	for (i = 0; i < nrec && r == 0; i++)
		r = ac_write(&w, jv_object_set(jv_object(), jv_string("k"),
		    jv_string_fmt("record %020d", i)));
	r |= ac_writer_close(&w);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldxfsz);
	s = slurp(fd, &n);
	close(fd);
	is_int(r, -1, "%d records, %llu bytes of room: the write fails",
	    nrec, (unsigned long long)limit);
	is_int(w.err, EFBIG, "... with EFBIG");
	is_int((long long)n, (long long)limit, "... once the file is full");
	ok(n > 0 && s[n - 1] != '\n', "... the last line in it torn");
	is_int((long long)((unsigned long)i - w.nlost),
	    (long long)newlines(s, n),
	    "lines given less lines lost: the whole lines in the file");
	is_int((long long)newlines(s, n), (long long)want_whole,
	    "... %lu of them", want_whole);
	free(s);
}

static void
writer_torn(void)
{
	struct ac_writer w;
	int fd, i;

	/* Each line is {"k":"record 000...0i"}\n, 36 bytes. */
	torn_at(1000, 100, 1000 / 36);		/* at close */
	torn_at(100000, 10000, 100000 / 36);	/* in the second flush */
	torn_at(36 * 2000 + 1, 10000, 2000);	/* one byte of a line */

	/* /dev/full: nothing is written, every line is lost. */
	if ((fd = open("/dev/full", O_WRONLY)) == -1)
		return;
	ac_writer_init(&w, fd);
	for (i = 0; i < 3; i++)
		ac_write(&w, jv_object());
	ac_writer_close(&w);
	is_int((long long)w.nlost, 3, "/dev/full: all 3 lines lost");
	close(fd);
	ac_writer_init(&w, -1);
	ac_write(&w, jv_object());
	ac_write_bytes(&w, "{\"a\":", 5);
	ac_writer_flush(&w);
	ac_write_bytes(&w, "1}\n", 3);
	ac_write(&w, jv_object());
	ac_writer_close(&w);
	is_int((long long)w.nlost, 3,
	    "a bad fd: lines given in pieces and after the error are lost");
}

/* Silence stderr (on) or restore it (off): the failures below warn. */
static void
quiet(int on)
{
	static int saved = -1;
	int fd;

	fflush(stderr);
	if (on && saved == -1 && (fd = open("/dev/null", O_WRONLY)) != -1) {
		saved = dup(STDERR_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	} else if (!on && saved != -1) {
		dup2(saved, STDERR_FILENO);
		close(saved);
		saved = -1;
	}
}

/* Reader */

struct item {
	enum ac_rd r;
	unsigned long line;
	const char *code;	/* bad_code, or the JSON text of the record */
};

/* Write text to a new temporary file; its path in path. */
static void
file_with(char *path, size_t len, const char *text, size_t n)
{
	int fd = tmpfile_at(path, len);

	if (write(fd, text, n) != (ssize_t)n) {
		perror(path);
		exit(1);
	}
	close(fd);
}

/*
 * Read the file made of text and compare what comes back with want[],
 * then EOF.
 */
/*
 * ac_read into a struct ac_rec, returned as a jv object for comparison
 * (jv_invalid() unless a record was read).
 */
static enum ac_rd
read_jv(struct ac_reader *rd, jv *out)
{
	static struct ac_rec rec;
	enum ac_rd r = ac_read(rd, &rec);

	*out = r == AC_RD_REC ? ac_rec_to_jv(&rec) : jv_invalid();
	ac_rec_clear(&rec);
	return r;
}

static void
reads(const char *text, size_t n, const struct item *want, size_t nwant,
    const char *name)
{
	struct ac_reader rd;
	char path[4096], *argv[1];
	enum ac_rd r;
	size_t i;
	jv rec, exp;
	int good;

	file_with(path, sizeof(path), text, n);
	argv[0] = path;
	if (!is_int(ac_reader_open(&rd, 1, argv), 0, "%s: open", name)) {
		unlink(path);
		return;
	}
	for (i = 0; i <= nwant; i++) {
		rec = jv_invalid();
		r = read_jv(&rd, &rec);
		if (i == nwant) {
			is_int(r, AC_RD_EOF, "%s: then EOF", name);
			break;
		}
		good = r == want[i].r && rd.line == want[i].line &&
		    strcmp(rd.name, path) == 0;
		if (r == AC_RD_REC) {
			exp = tap_parse(want[i].code, strlen(want[i].code));
			good = good && same(rec, exp);
			jv_free(exp);
		} else if (r == AC_RD_BAD) {
			good = good && rd.bad_code != NULL &&
			    strcmp(rd.bad_code, want[i].code) == 0 &&
			    strlen(rd.bad_msg) > 0;
		}
		if (!ok(good, "%s: item %zu is %s at line %lu", name, i,
		    want[i].code, want[i].line))
			diag("got r=%d line=%lu code=%s", r, rd.line,
			    r == AC_RD_BAD ? rd.bad_code : "-");
		jv_free(rec);
		if (r == AC_RD_EOF)
			break;
	}
	ac_reader_close(&rd);
	unlink(path);
}

#define READS(lit, want, name) \
	reads((lit), sizeof(lit) - 1, (want), sizeof(want) / sizeof((want)[0]), \
	    (name))

static void
reader_lines(void)
{
	static const struct item crlf[] = {
		{ AC_RD_REC, 1, "{\"a\":1}" },
		{ AC_RD_REC, 2, "{\"b\":\"x\\r\"}" },
		{ AC_RD_REC, 3, "{\"c\":3}" },
	};
	static const struct item blank[] = {
		{ AC_RD_REC, 4, "{\"a\":1}" },
		{ AC_RD_REC, 8, "{\"b\":2}" },
	};
	static const struct item nonl[] = {
		{ AC_RD_REC, 1, "{\"a\":1}" },
		{ AC_RD_REC, 2, "{\"b\":2}" },
	};
	static const struct item one[] = {
		{ AC_RD_REC, 1, "{\"a\":[1,{\"b\":null}],\"c\":\"\xc3\xa9\"}" },
	};
	static const struct item none[1];
	static const struct item bad[] = {
		{ AC_RD_REC, 1, "{\"a\":1}" },
		{ AC_RD_BAD, 2, "bad_json" },
		{ AC_RD_BAD, 3, "bad_json" },
		{ AC_RD_BAD, 4, "bad_json" },
		{ AC_RD_BAD, 5, "bad_json" },
		{ AC_RD_BAD, 6, "bad_json" },
		{ AC_RD_BAD, 7, "bad_json" },
		{ AC_RD_BAD, 8, "bad_json" },
		{ AC_RD_BAD, 9, "bad_json" },
		{ AC_RD_REC, 10, "{\"b\":2}" },
	};
	static const struct item notobj[] = {
		{ AC_RD_BAD, 1, "not_object" },
		{ AC_RD_BAD, 2, "not_object" },
		{ AC_RD_BAD, 3, "not_object" },
		{ AC_RD_BAD, 4, "not_object" },
		{ AC_RD_BAD, 5, "not_object" },
		{ AC_RD_BAD, 6, "not_object" },
		{ AC_RD_REC, 7, "{}" },
	};
	static const struct item two[] = {
		{ AC_RD_BAD, 1, "bad_json" },
		{ AC_RD_BAD, 2, "bad_json" },
		{ AC_RD_BAD, 3, "bad_json" },
		{ AC_RD_BAD, 4, "bad_json" },
		{ AC_RD_BAD, 5, "bad_json" },
		{ AC_RD_REC, 6, "{\"a\":1}" },
	};
	static const struct item utf8[] = {
		{ AC_RD_BAD, 1, "bad_utf8" },
		{ AC_RD_BAD, 2, "bad_utf8" },
		{ AC_RD_BAD, 3, "bad_utf8" },
		{ AC_RD_BAD, 4, "bad_utf8" },
		{ AC_RD_BAD, 5, "bad_utf8" },
		{ AC_RD_BAD, 6, "bad_utf8" },
		{ AC_RD_BAD, 7, "bad_utf8" },
		{ AC_RD_BAD, 8, "bad_utf8" },
		{ AC_RD_BAD, 9, "bad_utf8" },
		{ AC_RD_BAD, 10, "bad_utf8" },
		{ AC_RD_REC, 11, "{\"ok\":\"\xf0\x9f\x98\x80\"}" },
	};

	READS("{\"a\":1}\r\n{\"b\":\"x\\r\"}\r\n{\"c\":3}\r\n", crlf, "CRLF");
	READS("\n  \n\t\n{\"a\":1}\n\r\n \r\n \t \r\n{\"b\":2}\n\n", blank,
	    "blank and whitespace-only lines");
	READS("{\"a\":1}\n{\"b\":2}", nonl, "last line without newline");
	READS("{\"a\":1}\r\n{\"b\":2}\r", nonl, "last line ends in CR only");
	READS("  {\"a\" : [1, {\"b\": null}] , \"c\":\"\\u00e9\"}  \n", one,
	    "spaces around and inside a record");
	reads("", 0, none, 0, "empty file");
	READS("\n\n\n", none, "only blank lines");
	READS("{\"a\":1}\n"
	    "{\"email\":\"SECRETPII@example.com\"\n"
	    "{\"email\":SECRETPII}\n"
	    "{\"email\":\"SECRETPII\n"
	    "{\"a\":1,}\n"
	    "{'a':1}\n"
	    "{\"a\" 1}\n"
	    "}\n"
	    "{\"a\":1}\x01\n"
	    "{\"b\":2}\n", bad, "invalid JSON");
	READS("[1,2]\n\"str\"\n42\nnull\ntrue\n[]\n{}\n", notobj,
	    "not an object");
	READS("{\"a\":1}{\"b\":2}\n{\"a\":1} {\"b\":2}\n{\"a\":1} 2\n"
	    "{\"a\":1} x\n{\"a\":1}\0\n{\"a\":1}   \n", two,
	    "two values on a line");
	READS("{\"a\":\"\xc0\xaf\"}\n"		/* overlong '/' */
	    "{\"a\":\"\xe0\x80\xaf\"}\n"	/* overlong, 3 bytes */
	    "{\"a\":\"\xf0\x80\x80\xaf\"}\n"	/* overlong, 4 bytes */
	    "{\"a\":\"\xed\xa0\x80\"}\n"	/* surrogate U+D800 */
	    "{\"a\":\"\xed\xbf\xbf\"}\n"	/* surrogate U+DFFF */
	    "{\"a\":\"\xc3\"}\n"		/* truncated */
	    "{\"a\":\"\xe2\x82\"}\n"		/* truncated */
	    "{\"a\":\"\xff\"}\n"
	    "{\"a\":\"\xf4\x90\x80\x80\"}\n"	/* above U+10FFFF */
	    "{\"a\":1}\xe2\x82\n"		/* truncated at the end */
	    "{\"ok\":\"\xf0\x9f\x98\x80\"}\n", utf8, "invalid UTF-8");
}

/* Messages never contain the text of the line. */
static void
reader_messages(void)
{
	static const char *const lines[] = {
		"{\"email\":\"SECRETPII@example.com\"",
		"{\"email\":SECRETPII}",
		"{\"email\":\"SECRETPII",
		"{\"SECRETPII\" 1}",
		"SECRETPII",
		"[\"SECRETPII\"]",
		"\"SECRETPII\"",
		"{\"a\":\"SECRETPII\xff\"}",
		"{\"a\":1} \"SECRETPII\"",
		"{\"a\":1} SECRETPII",
		"{\"a\":1e999999SECRETPII}",
	};
	struct ac_reader rd;
	char path[4096], *argv[1];
	size_t i;
	jv rec;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		file_with(path, sizeof(path), lines[i], strlen(lines[i]));
		argv[0] = path;
		if (ac_reader_open(&rd, 1, argv) == -1) {
			ok(0, "open");
			continue;
		}
		rec = jv_invalid();
		if (ok(read_jv(&rd, &rec) == AC_RD_BAD, "\"%s\" is bad",
		    lines[i])) {
			ok(strstr(rd.bad_msg, "SECRETPII") == NULL &&
			    strstr(rd.bad_msg, "secretpii") == NULL,
			    "\"%s\": message \"%s\" has no line text",
			    lines[i], rd.bad_msg);
			ok(rd.raw != NULL && rd.rawlen == strlen(lines[i]) &&
			    memcmp(rd.raw, lines[i], rd.rawlen) == 0,
			    "\"%s\": raw is the line", lines[i]);
		}
		jv_free(rec);
		ac_reader_close(&rd);
		unlink(path);
	}
}

static void
reader_long(void)
{
	struct ac_reader rd;
	size_t n = 3 * 1024 * 1024 + 17, i, len;
	char path[4096], *argv[1], *text = malloc(n + 64), *p;
	jv rec, s;
	int r;

	p = text;
	p += sprintf(p, "{\"s\":\"");
	for (i = 0; i < n; i++)
		*p++ = (char)('a' + i % 26);
	p += sprintf(p, "\"}\r\n{\"b\":2}\n");
	len = (size_t)(p - text);
	file_with(path, sizeof(path), text, len);
	argv[0] = path;
	ac_reader_open(&rd, 1, argv);
	rec = jv_invalid();
	r = read_jv(&rd, &rec);
	if (is_int(r, AC_RD_REC, "a 3 MiB line is a record")) {
		s = jv_object_get(rec, jv_string("s"));
		ok(jv_get_kind(s) == JV_KIND_STRING &&
		    (size_t)jv_string_length_bytes(jv_copy(s)) == n &&
		    memcmp(jv_string_value(s), text + 6, n) == 0,
		    "the long string is intact");
		jv_free(s);
	} else {
		jv_free(rec);
	}
	is_int(rd.line, 1, "long line is line 1");
	rec = jv_invalid();
	r = read_jv(&rd, &rec);
	ok(r == AC_RD_REC && rd.line == 2, "the line after it is line 2");
	is_json(rec, "{\"b\":2}", "the record after it");
	rec = jv_invalid();
	is_int(read_jv(&rd, &rec), AC_RD_EOF, "then EOF");
	ac_reader_close(&rd);
	unlink(path);
	free(text);
}

static void
reader_files(void)
{
	struct ac_reader rd;
	char p1[4096], p2[4096], p3[4096], p4[4096], missing[4200];
	char *argv[4];
	static const struct {
		int file;
		unsigned long line;
		enum ac_rd r;
		const char *json;
	} want[] = {
		{ 0, 1, AC_RD_REC, "{\"f\":1}" },
		{ 0, 3, AC_RD_REC, "{\"f\":2}" },
		{ 2, 1, AC_RD_BAD, NULL },
		{ 2, 2, AC_RD_REC, "{\"f\":3}" },
		{ 3, 2, AC_RD_REC, "{\"f\":4}" },
	};
	size_t i;
	enum ac_rd r;
	int rc;
	jv rec;

	file_with(p1, sizeof(p1), "{\"f\":1}\n\n{\"f\":2}", 16);
	file_with(p2, sizeof(p2), "", 0);
	file_with(p3, sizeof(p3), "oops\n{\"f\":3}\n", 13);
	file_with(p4, sizeof(p4), "\n{\"f\":4}\n", 9);
	argv[0] = p1;
	argv[1] = p2;
	argv[2] = p3;
	argv[3] = p4;
	if (!is_int(ac_reader_open(&rd, 4, argv), 0, "open four files"))
		goto out;
	is_str(rd.name, p1, "name is the first file before reading");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		rec = jv_invalid();
		r = read_jv(&rd, &rec);
		ok(r == want[i].r && rd.line == want[i].line &&
		    strcmp(rd.name, argv[want[i].file]) == 0,
		    "record %zu: file %d line %lu", i, want[i].file + 1,
		    want[i].line);
		if (r == AC_RD_REC)
			is_json(rec, want[i].json, "record %zu: value", i);
		else
			jv_free(rec);
	}
	rec = jv_invalid();
	is_int(read_jv(&rd, &rec), AC_RD_EOF, "EOF after the last file");
	rec = jv_invalid();
	is_int(read_jv(&rd, &rec), AC_RD_EOF, "EOF again");
	ac_reader_close(&rd);

	/* A missing file, anywhere in the list, fails at open. */
	snprintf(missing, sizeof(missing), "%s.missing", p1);
	argv[1] = missing;
	quiet(1);
	rc = ac_reader_open(&rd, 2, argv);
	quiet(0);
	is_int(rc, -1, "missing file: open fails");
	argv[0] = missing;
	quiet(1);
	rc = ac_reader_open(&rd, 1, argv);
	quiet(0);
	is_int(rc, -1, "missing only file: fails");
	argv[0] = tmpdir;
	quiet(1);
	rc = ac_reader_open(&rd, 1, argv);
	quiet(0);
	is_int(rc, -1, "a directory: open fails");
out:
	unlink(p1);
	unlink(p2);
	unlink(p3);
	unlink(p4);
}

/* No operands, or "-": standard input, named "<stdin>". */
static void
reader_stdin(void)
{
	struct ac_reader rd;
	char path[4096], p2[4096], dash[] = "-", *argv[2];
	int saved, fd;
	enum ac_rd r;
	jv rec;

	file_with(path, sizeof(path), "\n{\"in\":0}\n", 10);
	file_with(p2, sizeof(p2), "{\"f\":1}\n", 8);
	if ((saved = dup(STDIN_FILENO)) == -1 ||
	    (fd = open(path, O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1) {
		perror("stdin");
		exit(1);
	}
	close(fd);
	if (is_int(ac_reader_open(&rd, 0, NULL), 0, "open stdin")) {
		rec = jv_invalid();
		r = read_jv(&rd, &rec);
		ok(r == AC_RD_REC && rd.line == 2 &&
		    strcmp(rd.name, "<stdin>") == 0, "stdin: <stdin>:2");
		is_json(rec, "{\"in\":0}", "stdin: the record");
		rec = jv_invalid();
		is_int(read_jv(&rd, &rec), AC_RD_EOF, "stdin: EOF");
		ac_reader_close(&rd);
	}
	ok(fcntl(STDIN_FILENO, F_GETFD) != -1,
	    "ac_reader_close leaves stdin open");

	lseek(STDIN_FILENO, 0, SEEK_SET);
	argv[0] = p2;
	argv[1] = dash;
	if (is_int(ac_reader_open(&rd, 2, argv), 0, "open a file and -")) {
		rec = jv_invalid();
		r = read_jv(&rd, &rec);
		ok(r == AC_RD_REC && rd.line == 1 && strcmp(rd.name, p2) == 0,
		    "file first");
		jv_free(rec);
		rec = jv_invalid();
		r = read_jv(&rd, &rec);
		ok(r == AC_RD_REC && rd.line == 2 &&
		    strcmp(rd.name, "<stdin>") == 0, "then - as <stdin>:2");
		jv_free(rec);
		ac_reader_close(&rd);
	}
	dup2(saved, STDIN_FILENO);
	close(saved);
	unlink(path);
	unlink(p2);
}

/* Read the one-line file text with ac_read; the message of a bad line in msg. */
static enum ac_rd
read_line(const char *text, jv *rec, char *msg, size_t msglen)
{
	struct ac_reader rd;
	char path[4096], *argv[1];
	enum ac_rd r;

	file_with(path, sizeof(path), text, strlen(text));
	argv[0] = path;
	*rec = jv_invalid();
	msg[0] = '\0';
	if (ac_reader_open(&rd, 1, argv) == -1) {
		unlink(path);
		return AC_RD_ERR;
	}
	r = read_jv(&rd, rec);
	if (r == AC_RD_BAD)
		snprintf(msg, msglen, "%s: %s", rd.bad_code, rd.bad_msg);
	ac_reader_close(&rd);
	unlink(path);
	return r;
}

/*
 * The reader's JSON parser reads what jv_parser reads, to the bit and the
 * key order, and refuses what is not JSON. Each value is read as the
 * record {"v":value}.
 */
static void
reader_values(void)
{
	static const char *const good[] = {
		"{}", "[]", "\"\"", "null", "true", "false", "0", "-0.0",
		"1", "-1", "1.5", "-2.25", "1e5", "1E5", "1e+5", "1e-5",
		"1.5e300", "0.1", "49.9", "123456789.123", "0.30000000000000004",
		"9007199254740992", "9007199254740993", "-9007199254740993",
		"123456789012345678", "1234567890123456789012345678901234567890",
		"0.0000000000000000000000000000001", "1.7976931348623157e308",
		"2.2250738585072011e-308", "2.2250738585072012e-308",
		"4.9406564584124654e-324", "5e-324", "1e-320",
		"3.141592653589793238462643383279", "100000000000000000000000",
		"  {\"a\" : 1 }\t", "\r[ 1 ,\r2 ]\t",
		"{\"z\":1,\"a\":2,\"m\":[3,{\"b\":null}]}",
		"{\"a\":1,\"b\":2,\"a\":3}",
		"{\"\":\"\"}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]"
		    "]]]]]]]]]]]]]]]]",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
		"\"\\u0000\\u001f\\u007f\\u00e9\\u20AC\\uFFFF\"",
		"\"\\ud83d\\ude00 \\uD83D\\uDE00\"",
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
		"{\"k\\n\\u00e9\":\"a\\u0000b\"}",
		"[true,false,null,0,\"\",[],{}]",
	};
	static const char *const bad[] = {
		"", " ", "}", "]", "{", "[", "[1,]", "{\"a\":1,}", "[1 2]",
		"{\"a\" 1}", "{\"a\"}", "{1:2}", "{'a':1}", "{a:1}",
		"[1]]", "{\"a\":1}}", "1 2", "{} {}", "01", "-01", "1.",
		".5", "+1", "-", "1e", "1e+", "1.e5", "0x10", "NaN", "nan",
		"Infinity", "-Infinity", "nul", "nulll", "tru", "truex",
		"True", "\"abc", "\"a\\\"", "\"\\x\"", "\"\\u12\"",
		"\"\\u12G4\"", "\"a\tb\"", "\"a\rb\"", "\"\x01\"",
		"[\"a\",]", "/* c */ {}", "{}\x01", "\"SECRETPII\" \"x\"",
		"SECRETPII", "\"SECRETPII", "{\"SECRETPII\":SECRETPII}",
	};
	char line[512], msg[256];
	size_t i;
	enum ac_rd r;
	jv rec, want, v;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "{\"v\":%s}\n", good[i]);
		r = read_line(line, &rec, msg, sizeof(msg));
		want = tap_parse(line, strlen(line));
		if (!ok(r == AC_RD_REC && jv_is_valid(want) && same(rec, want),
		    "reads {\"v\":%s} as jv_parser does", good[i]))
			diag("%s", r == AC_RD_BAD ? msg : "different value");
		jv_free(rec);
		jv_free(want);
	}
	r = read_line("{\"v\":-0}\n", &rec, msg, sizeof(msg));
	v = r == AC_RD_REC ? jv_object_get(rec, jv_string("v")) : jv_invalid();
	ok(jv_get_kind(v) == JV_KIND_NUMBER && signbit(jv_number_value(v)),
	    "reads -0 with its sign");
	jv_free(v);
	r = read_line("{\"v\":1e400,\"w\":-2E234567890}\n", &rec, msg,
	    sizeof(msg));
	want = tap_parse("{\"v\":1.7976931348623157e308,"
	    "\"w\":-1.7976931348623157e308}", 56);
	ok(r == AC_RD_REC && same(rec, want),
	    "numbers beyond a double read as the largest double");
	jv_free(rec);
	jv_free(want);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"v\":%s}\n", bad[i]);
		r = read_line(line, &rec, msg, sizeof(msg));
		ok(r == AC_RD_BAD && strncmp(msg, "bad_json: ", 10) == 0 &&
		    strstr(msg, "SECRETPII") == NULL,
		    "refuses {\"v\":%s} (%s)", bad[i], msg);
		jv_free(rec);
	}
	/* Deep nesting is refused or read, never a crash. */
	{
		char deep[2 * 5000 + 1];

		memset(deep, '[', 5000);
		memset(deep + 5000, ']', 5000);
		deep[10000] = '\0';
		r = read_line(deep, &rec, msg, sizeof(msg));
		ok(r == AC_RD_BAD, "5000 levels of nesting: a bad line (%s)",
		    msg);
		jv_free(rec);
	}
}

/*
 * A \u escape of a lone surrogate names no character: the line is refused
 * (bad_unicode_escape, the column, never the text), wherever the string
 * is; a high surrogate followed by its low one still reads as one
 * character.
 */
static void
reader_surrogates(void)
{
	static const struct {
		const char *line;
		int col;
	} lone[] = {
		{ "{\"v\":\"A\\ud800\"}", 8 },
		{ "{\"v\":\"A\\udc00\"}", 8 },
		{ "{\"v\":\"\\uD800\"}", 7 },
		{ "{\"v\":\"\\udfff\"}", 7 },
		{ "{\"v\":\"\\ud800x\"}", 7 },
		{ "{\"v\":\"\\ud800\\u0041\"}", 7 },
		{ "{\"v\":\"\\ud800\\ud800\"}", 7 },
		{ "{\"v\":\"\\udc00\\ud800\"}", 7 },
		{ "{\"v\":\"\\ud83d\\ude00\\ud83d\"}", 19 },
		{ "{\"v\":\"\\ud800\\", 7 },
		{ "{\"\\ud800\":1}", 3 },
		{ "{\"a\\udc00bcdefgh\":1}", 4 },
		{ "{\"v\":[\"ok\",{\"w\":\"SECRETPII\\udbff\"}]}", 27 },
	};
	static const char pair[] =
	    "{\"v\":\"\xf0\x9f\x98\x80\",\"\xf0\x9f\x98\x80\":1}";
	char msg[256], want[64];
	size_t i, n;
	enum ac_rd r;
	jv rec, v;

	for (i = 0; i < sizeof(lone) / sizeof(lone[0]); i++) {
		r = read_line(lone[i].line, &rec, msg, sizeof(msg));
		n = (size_t)snprintf(want, sizeof(want), " column %d",
		    lone[i].col);
		if (!ok(r == AC_RD_BAD &&
		    strncmp(msg, "bad_unicode_escape: ", 20) == 0 &&
		    strlen(msg) > n && strcmp(msg + strlen(msg) - n, want) == 0 &&
		    strstr(msg, "SECRETPII") == NULL, "refuses %s with bad_unicode_escape at%s",
		    lone[i].line, want))
			diag("got %d: %s", (int)r, msg);
		jv_free(rec);
	}
	r = read_line("{\"v\":\"\\ud83d\\ude00\",\"\\uD83D\\uDE00\":1}", &rec,
	    msg, sizeof(msg));
	v = r == AC_RD_REC ? jv_copy(rec) : jv_invalid();
	ok(r == AC_RD_REC && jv_equal(v, tap_parse(pair, strlen(pair))),
	    "a surrogate pair, in a value and a key, reads as U+1F600");
	jv_free(rec);
}

static void
utf8(void)
{
	static const struct {
		const char *s;
		size_t n;
		int valid;
	} u[] = {
#define U(lit, v) { lit, sizeof(lit) - 1, v }
		U("", 1),
		U("abc", 1),
		U("a\0b", 1),
		U("\x7f", 1),
		U("\xc2\x80", 1),		/* U+0080 */
		U("\xc3\xa9", 1),
		U("\xdf\xbf", 1),		/* U+07FF */
		U("\xe0\xa0\x80", 1),		/* U+0800 */
		U("\xe2\x82\xac", 1),
		U("\xed\x9f\xbf", 1),		/* U+D7FF */
		U("\xee\x80\x80", 1),		/* U+E000 */
		U("\xef\xbf\xbf", 1),		/* U+FFFF */
		U("\xf0\x90\x80\x80", 1),	/* U+10000 */
		U("\xf0\x9f\x98\x80", 1),
		U("\xf4\x8f\xbf\xbf", 1),	/* U+10FFFF */
		U("abcdefgh\xc3\xa9" "abcdefghijklmnop\xe2\x82\xac", 1),
		U("\x80", 0),			/* lone continuation */
		U("\xbf", 0),
		U("\xc0\x80", 0),		/* overlong NUL */
		U("\xc0\xaf", 0),
		U("\xc1\xbf", 0),
		U("\xe0\x80\x80", 0),
		U("\xe0\x9f\xbf", 0),		/* overlong U+07FF */
		U("\xf0\x80\x80\x80", 0),
		U("\xf0\x8f\xbf\xbf", 0),	/* overlong U+FFFF */
		U("\xed\xa0\x80", 0),		/* U+D800 */
		U("\xed\xaf\xbf", 0),		/* U+DBFF */
		U("\xed\xb0\x80", 0),		/* U+DC00 */
		U("\xed\xbf\xbf", 0),		/* U+DFFF */
		U("\xed\xa0\xbd\xed\xb8\x80", 0),	/* CESU-8 pair */
		U("\xf4\x90\x80\x80", 0),	/* U+110000 */
		U("\xf5\x80\x80\x80", 0),
		U("\xf8\x88\x80\x80\x80", 0),
		U("\xfe", 0),
		U("\xff", 0),
		U("\xc3", 0),			/* truncated */
		U("\xe2\x82", 0),
		U("\xf0\x9f\x98", 0),
		U("\xc3\x28", 0),		/* bad continuation */
		U("\xe2\x28\xa1", 0),
		U("\xe2\x82\x28", 0),
		U("\xf0\x28\x8c\xbc", 0),
		U("\xf0\x9f\x28\x80", 0),
		U("\xf0\x9f\x98\x28", 0),
		U("abcdefgh\xff", 0),		/* after an 8-byte ASCII run */
		U("abcdefghijklmnop\x80", 0),
		U("abcdefg\xc3", 0),
		U("abcdefghijklmno\xc3\xa9\xed\xa0\x80", 0),
#undef U
	};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		is_int(!!ac_utf8_valid(u[i].s, u[i].n), u[i].valid,
		    "utf8 #%zu \"%s\" is %s", i, u[i].s,
		    u[i].valid ? "valid" : "invalid");
	ok(!ac_utf8_valid("\xc3\xa9", 1), "utf8: only n bytes are read");
	ok(ac_utf8_valid("ab\xff", 2), "utf8: bytes after n are not read");
}

/*
 * A view of a record read from a line: kinds and strings come from the
 * line's text without decoding; strings set from bytes are written as the
 * writer would, in the members' places; escapes still decode.
 */
static const char *const lnames[] = { "email", "name", "n", "o", "phone",
    "long", "absent" };
enum { L_EMAIL, L_NAME, L_N, L_O, L_PHONE, L_LONG, L_ABSENT, NL };

static void
lazy_view(void)
{
	static const char text[] =
	    "{\"email\":\"a@b.c\",\"name\":\"Zo\\u00eb \\\"Z\\\"\",\"n\":3,"
	    "\"o\":{\"k\":1},\"phone\":\"+1 555\"}\n"
	    "{\"phone\":\"+2\",\"email\":\"\\/x\"}\n";
	struct ac_fieldset fs;
	struct ac_reader rd;
	struct ac_writer w;
	struct ac_view v;
	struct ac_rec rec;
	static const char pre[] = "{\"email\":\"x@y.z\",\"name\":"
	    "\"q\\\"\\n\",\"n\":3,\"o\":{\"k\":1},\"phone\":\"1 555\","
	    "\"long\":\"";
	static const char post[] = "\"}\n{\"phone\":\"+3\",\"email\":\"/x\"}\n";
	char path[4096], *argv[1], *out, big[5000];
	const char *p;
	size_t n;
	int fd;

	file_with(path, sizeof(path), text, sizeof(text) - 1);
	argv[0] = path;
	ac_fieldset_init(&fs, lnames, NL);
	ac_rec_init(&rec);
	if (!is_int(ac_reader_open(&rd, 1, argv), 0, "lazy view: open"))
		return;
	is_int(ac_read(&rd, &rec), AC_RD_REC, "lazy view: a record");
	ac_view_open(&v, &fs, &rec);
	ok(ac_view_kind(&v, L_EMAIL) == JV_KIND_STRING &&
	    ac_view_kind(&v, L_N) == JV_KIND_NUMBER &&
	    ac_view_kind(&v, L_O) == JV_KIND_OBJECT &&
	    ac_view_kind(&v, L_ABSENT) == JV_KIND_INVALID,
	    "ac_view_kind from the text");
	p = ac_view_str(&v, L_EMAIL, &n);
	ok(p != NULL && n == 5 && memcmp(p, "a@b.c", 5) == 0 &&
	    p >= rd.buf && p < rd.buf + rd.cap,
	    "a string without escapes is read in the line");
	p = ac_view_str(&v, L_NAME, &n);
	ok(p != NULL && n == strlen("Zo\xc3\xab \"Z\"") &&
	    memcmp(p, "Zo\xc3\xab \"Z\"", n) == 0 &&
	    !(p >= rd.buf && p < rd.buf + rd.cap),
	    "a string with escapes is decoded");
	ok(ac_view_str(&v, L_N, &n) == NULL &&
	    ac_view_str(&v, L_ABSENT, &n) == NULL,
	    "ac_view_str of a number or an absent field: NULL");
	is_json(jv_copy(ac_view_get(&v, L_O)), "{\"k\":1}",
	    "ac_view_get decodes an object");

	ac_view_set_str(&v, L_EMAIL, "x@y.z", 5);
	ac_view_set_str(&v, L_NAME, "q\"\n", 3);
	p = ac_view_str(&v, L_PHONE, &n);
	ac_view_set_str(&v, L_PHONE, p + 1, n - 1);	/* its own bytes */
	memset(big, 'a', sizeof(big));
	ac_view_set_str(&v, L_LONG, big, sizeof(big));	/* a second block */
	is_json(jv_copy(ac_view_get(&v, L_EMAIL)), "\"x@y.z\"",
	    "ac_view_get of a string set from bytes");
	p = ac_view_str(&v, L_PHONE, &n);
	ok(p != NULL && n == 5 && memcmp(p, "1 555", 5) == 0,
	    "ac_view_str of a string set from bytes");
	fd = tmpfile_at(path, sizeof(path));
	ac_writer_init(&w, fd);
	ac_write_rec(&w, &rec);
	ac_view_close(&v);
	is_int(ac_read(&rd, &rec), AC_RD_REC, "lazy view: a second record");
	ac_view_open(&v, &fs, &rec);
	p = ac_view_str(&v, L_EMAIL, &n);
	ok(p != NULL && n == 2 && memcmp(p, "/x", 2) == 0,
	    "\\/ decodes");
	ac_view_set_str(&v, L_EMAIL, p, n);
	ac_view_set_str(&v, L_PHONE, "+3", 2);
	ac_write_rec(&w, &rec);
	ac_view_close(&v);
	ac_writer_close(&w);
	out = slurp(fd, &n);
	ok(n == strlen(pre) + sizeof(big) + strlen(post) &&
	    memcmp(out, pre, strlen(pre)) == 0 &&
	    strspn(out + strlen(pre), "a") == sizeof(big) &&
	    strcmp(out + strlen(pre) + sizeof(big), post) == 0,
	    "the writer writes the strings set, in their places");
	free(out);
	close(fd);
	unlink(path);
	ac_rec_free(&rec);
	ac_reader_close(&rd);
	ac_fieldset_free(&fs);
	unlink(argv[0]);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	ac_setprogname("t_ndjson");
	snprintf(tmpdir, sizeof(tmpdir), "%s",
	    t != NULL && *t != '\0' ? t : "/tmp");
	writer_text();
	writer_roundtrip();
	writer_many();
	writer_errors();
	writer_torn();
	reader_lines();
	reader_messages();
	reader_long();
	reader_files();
	reader_stdin();
	reader_values();
	reader_surrogates();
	lazy_view();
	utf8();
	return done_testing();
}

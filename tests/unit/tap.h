/* SPDX-License-Identifier: MIT */
#ifndef AC_TAP_H
#define AC_TAP_H

/*
 * A small TAP producer for the unit tests (STYLE.md §10). The arguments
 * after the compared values are a printf format naming the test. main()
 * ends with "return done_testing();"; plan() is optional.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jv.h>

static int tap_run, tap_failed, tap_plan = -1;

static inline void
plan(int n)
{
	printf("1..%d\n", tap_plan = n);
}

static inline __attribute__((format(printf, 1, 2))) void
diag(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fputs("# ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Print a test line; control bytes in the name are shown as \xNN. */
static inline void
tap_line(int pass, const char *name)
{
	printf("%sok %d - ", pass ? "" : "not ", ++tap_run);
	for (; *name != '\0'; name++)
		if ((unsigned char)*name < 0x20 || *name == 0x7f)
			printf("\\x%02x", (unsigned char)*name);
		else
			putchar(*name);
	putchar('\n');
}

#define TAP_VOK(pass, file, line, fmt) do {				\
	char name_[512];						\
	va_list ap_;							\
	va_start(ap_, fmt);						\
	vsnprintf(name_, sizeof(name_), fmt, ap_);			\
	va_end(ap_);							\
	tap_line((pass), name_);					\
	if (!(pass) && ++tap_failed)					\
		diag("  Failed test at %s line %d.", file, line);	\
} while (0)

static inline __attribute__((format(printf, 4, 5))) int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	TAP_VOK(pass, file, line, fmt);
	return pass;
}

static inline __attribute__((format(printf, 5, 6))) int
tap_is_int(long long got, long long want, const char *file, int line,
    const char *fmt, ...)
{
	TAP_VOK(got == want, file, line, fmt);
	if (got != want)
		diag("       got: %lld\n#  expected: %lld", got, want);
	return got == want;
}

/* Either string may be NULL; two NULLs are equal. */
static inline __attribute__((format(printf, 5, 6))) int
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	int pass = got == want || (got != NULL && want != NULL &&
	    strcmp(got, want) == 0);

	TAP_VOK(pass, file, line, fmt);
	if (!pass)
		diag("       got: %s%s%s\n#  expected: %s%s%s", got ? "'" : "",
		    got ? got : "NULL", got ? "'" : "", want ? "'" : "",
		    want ? want : "NULL", want ? "'" : "");
	return pass;
}

/* Exactly one JSON text s[0..n), read with a jv_parser, else jv_invalid(). */
static inline jv
tap_parse(const char *s, size_t n)
{
	jv_parser *p = jv_parser_new(0);
	jv v, extra;

	jv_parser_set_buf(p, s, (int)n, 0);
	v = jv_parser_next(p);
	extra = jv_parser_next(p);
	jv_parser_free(p);
	if (jv_is_valid(v) && (jv_is_valid(extra) ||
	    jv_invalid_has_msg(jv_copy(extra)))) {
		jv_free(v);
		v = jv_invalid();
	}
	jv_free(extra);
	return v;
}

/* got equals the JSON text want, by jv_equal. Consumes got. */
static inline __attribute__((format(printf, 5, 6))) int
tap_is_json(jv got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	jv exp = tap_parse(want, strlen(want));
	int pass = jv_is_valid(exp) && jv_is_valid(got) &&
	    jv_equal(jv_copy(got), jv_copy(exp));
	jv s;

	TAP_VOK(pass, file, line, fmt);
	if (!pass) {
		s = jv_dump_string(jv_copy(got), JV_PRINT_INVALID);
		diag("       got: %s\n#  expected: %s", jv_string_value(s), want);
		jv_free(s);
	}
	jv_free(exp);
	jv_free(got);
	return pass;
}

#define ok(c, ...) tap_ok(!!(c), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(g, w, ...) tap_is_int((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...) tap_is_str((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_json(g, w, ...) \
	tap_is_json((g), (w), __FILE__, __LINE__, __VA_ARGS__)

static inline int
done_testing(void)
{
	if (tap_plan < 0)
		printf("1..%d\n", tap_plan = tap_run);
	if (tap_run != tap_plan)
		diag("Looks like you planned %d tests but ran %d.", tap_plan,
		    tap_run);
	if (tap_failed > 0)
		diag("Looks like you failed %d test(s) of %d.", tap_failed,
		    tap_run);
	fflush(stdout);
	return tap_failed > 0 || tap_run != tap_plan;
}

#endif

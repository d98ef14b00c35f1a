/* SPDX-License-Identifier: MIT */
#ifndef AC_DIAG_H
#define AC_DIAG_H

#include <stddef.h>

/* The suite-wide exit-code contract (man/ac.7, EXIT STATUS). */
enum ac_exit {
	AC_EXIT_OK = 0,		/* every record processed */
	AC_EXIT_DATA = 1,	/* finished, at least one record rejected */
	AC_EXIT_USAGE = 2,	/* bad options or operands */
	AC_EXIT_FATAL = 3,	/* stopped: I/O, configuration, credentials */
	AC_EXIT_TEMPFAIL = 75	/* stopped: retry later */
};

/* Set the program name used as the prefix of every message. */
void ac_setprogname(const char *);
const char *ac_getprogname(void);

/* "prog: msg: strerror(errno)" on stderr, as warn(3). */
void ac_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "prog: msg" on stderr, as warnx(3). */
void ac_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* As ac_warn/ac_warnx, then exit(status). For cmd/ only. */
void ac_die(int, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void ac_diex(int, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* realloc(p, n * size), dying with exit 3 when out of memory or when the
 * product overflows; never NULL (n * size == 0 allocates a byte). */
void *ac_xreallocarray(void *p, size_t n, size_t size);

/* Replace control characters in s by '?': text from a server that goes
 * to a terminal. */
void ac_text_clean(char *s);

/* Copy src into dst[0..len), cut at a character boundary when it does
 * not fit, control characters replaced by '?'. */
void ac_text_copy(char *dst, size_t len, const char *src);

/* A new string, printf-formatted; aborts when out of memory, as libjq
 * does. */
char *ac_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

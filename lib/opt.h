/* SPDX-License-Identifier: MIT */
#ifndef AC_OPT_H
#define AC_OPT_H

#define AC_VERSION "0.1.0"

/*
 * OpenBSD strtonum(3): the decimal number in s if it lies in [min, max],
 * else 0 with *errstr set to "invalid", "too small" or "too large".
 */
long long ac_strtonum(const char *s, long long min, long long max,
    const char **errstr);

/*
 * After getopt_long (with opterr = 0 and a leading ':' in the option
 * string) returned '?' or ':': say which option was wrong, prefixed with
 * the program name rather than argv[0].
 */
void ac_opt_error(int ch, char *const argv[]);

/* Print "prog VERSION" to stdout (the -V option of every tool). */
void ac_print_version(void);

/* A Google Ads customer ID: ten digits, hyphens allowed ("123-456-7890"),
 * into out[11]; -1 when s is NULL or not one. */
int ac_customer_id(const char *s, char out[11]);

/* Milliseconds in a protobuf Duration string ("30s", "1.5s"), -1 when s
 * is not one. */
long long ac_duration_ms(const char *s);

/* A wait longer than any run: what an unreadably long delay means. */
#define AC_WAIT_MAX (1LL << 60)

/*
 * Milliseconds in a protobuf Duration string ("30s", "0.5s", as
 * ac_duration_ms reads them), or in any decimal number of seconds
 * strtod(3) reads followed by "s" ("1e300s"), at most AC_WAIT_MAX; -1
 * when it is none, negative or NaN.
 */
long long ac_delay_ms(const char *duration);

/*
 * When *v is NULL: the value of environment variable name if set and not
 * empty, else def.
 */
void ac_env_default(const char **v, const char *name, const char *def);
#endif

/* SPDX-License-Identifier: MIT */
#ifndef AC_JSPAN_H
#define AC_JSPAN_H

#include <stddef.h>

/*
 * Spans of JSON text: where a value lies in a line the reader has already
 * checked (valid UTF-8, valid JSON), so that a tool can pass a value on as
 * the bytes it was read as instead of writing it again from a jv.
 */

/* The end of the JSON value (after leading white space) at p, or NULL
 * when the text is not JSON. */
const char *ac_jspan_skip(const char *p, const char *end);

/*
 * In the object whose text is [p, end), the value of the member named
 * key (no escapes in key): *vs and *ve delimit it. Returns 1 when found,
 * 0 when absent, -1 when the text cannot tell (not an object, a key with
 * escapes, which may spell key, or key more than once).
 */
int ac_jspan_member(const char *p, const char *end, const char *key,
    const char **vs, const char **ve);

/*
 * Nonzero when [s, e) is exactly what ac_write_value() writes for the
 * value it holds: no white space, no duplicate keys, strings escaped as
 * the writer escapes them, numbers as the writer prints them. Errs on the
 * side of 0 (a number it does not know to be so, a wide object).
 */
int ac_jspan_canonical(const char *s, const char *e);
/* The end of the value at s when it is so (no white space before it),
 * else NULL. */
const char *ac_jspan_canonical_end(const char *s, const char *e);

#endif

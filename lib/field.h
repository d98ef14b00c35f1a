/* SPDX-License-Identifier: MIT */
#ifndef AC_FIELD_H
#define AC_FIELD_H

#include <stddef.h>

#include <jv.h>

/*
 * The narrow record API the tools use, so that the record representation
 * can change without touching them. Keys are top-level field names.
 */

/* The value of key, or jv_invalid() when absent. Consumes rec. */
jv ac_field_get(jv rec, const char *key);
/* Set key to v, in place when key exists. Consumes rec and v. */
jv ac_field_set(jv rec, const char *key, jv v);
/* Remove key if present. Consumes rec. */
jv ac_field_del(jv rec, const char *key);
/* Nonzero when key is present (even when null). Borrows rec. */
int ac_field_has(jv rec, const char *key);

/*
 * The bytes of a string value and their length, or NULL when v is not a
 * string. Borrows v: the pointer lives as long as v.
 */
const char *ac_field_str(jv v, size_t *len);

/*
 * A fixed set of field names, kept as jv strings that carry their hash,
 * so that reading and writing the fields a tool knows costs no string
 * allocation per record.
 */
#define AC_FIELDSET_MAX 64
struct ac_fieldset {
	int n;
	jv keys[AC_FIELDSET_MAX];
};

/* Build the set from n names (n <= AC_FIELDSET_MAX). Returns -1 if too many. */
int ac_fieldset_init(struct ac_fieldset *, const char *const *names, int n);
void ac_fieldset_free(struct ac_fieldset *);

/*
 * vals[i] becomes the value of field i of the set, or jv_invalid() when
 * absent. Borrows rec.
 */
void ac_field_scan(const struct ac_fieldset *, jv rec, jv *vals);

/* Set or remove field i of the set. Consume rec and v. */
jv ac_field_set_at(const struct ac_fieldset *, jv rec, int i, jv v);
jv ac_field_del_at(const struct ac_fieldset *, jv rec, int i);

/* The JSON kind of v for messages ("string", "number", ...). Borrows v. */
const char *ac_field_kind(jv v);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef AC_FIELD_H
#define AC_FIELD_H

#include <stddef.h>

#include <jv.h>

/*
 * A record: the members of one top-level JSON object, in input order,
 * each a key and a jv value. Tools reach fields only through the calls
 * below. Why not a jv object: building one costs a hash insert per member,
 * reading a field a hash look-up, and writing it the iterator calls; for
 * a stage that touches twenty fields of a thirty-field record that was
 * more than parsing (see the foundation issue's benchmark note).
 *
 * A removed member is left as a hole (val invalid) so that positions stay
 * valid during a record's processing; a field set again after removal goes
 * to the end, as with jv objects.
 */
struct ac_member {
	jv key;			/* string, or jv_null() when kraw */
	jv val;			/* jv_invalid() once removed; see raw */
	const char *kp;		/* bytes of key, borrowed from key or line */
	size_t klen;
	unsigned long hash;	/* ac_field_hash of the key bytes */
	/*
	 * A member read by ac_read() keeps the text of its value in the line,
	 * raw[0..rawlen), while the value is unchanged; the text is borrowed
	 * from the reader and lives until the next ac_read(). The value is
	 * decoded when first asked for (ac_rec_val() and the calls below):
	 * until then decoded is 0 and val a jv_null() stand-in, so read val
	 * only through them. canon: the text is exactly what the writer
	 * writes for the value, so the writer copies it.
	 */
	const char *raw;	/* NULL once set, or when not read */
	size_t rawlen;
	unsigned char decoded, canon;
	/*
	 * kraw: the key read had no escapes, and kp points into the line,
	 * between its quotes; key is then made only when asked for.
	 */
	unsigned char kraw;
};

struct ac_block;

struct ac_rec {
	struct ac_member *m;
	int n, cap;
	/* A hash index of the members, built only for wide records so that
	 * finding a key does not cost a scan (a line of 100k keys would
	 * otherwise take quadratic time to parse). */
	int *idx;		/* member index + 1, or 0 */
	size_t idxcap;		/* a power of two, or 0 */
	int indexed;		/* members 0..indexed-1 are in idx */
	/* Text of values set from bytes (ac_view_set_str), freed when the
	 * record is cleared: blocks that never move, so a member's raw
	 * stays put while others are added. */
	struct ac_block *blk;
};

/* FNV-1a of the key bytes. */
unsigned long ac_field_hash(const char *s, size_t n);

void ac_rec_init(struct ac_rec *);
/* Free the members, keep the storage for the next record. */
void ac_rec_clear(struct ac_rec *);
void ac_rec_free(struct ac_rec *);
/* Append a member without looking for an existing one. Consumes key, v.
 * key must be a string whose hash is h. */
void ac_rec_append(struct ac_rec *, jv key, unsigned long h, jv v);

/*
 * Append a member whose value is the JSON text raw[0..len), valid (the
 * reader has checked it), borrowed until the record is cleared; canon as in
 * struct ac_member. Consumes key. ac_rec_set_raw: member i's value becomes
 * that text (a repeated key: the last value wins).
 */
void ac_rec_append_raw(struct ac_rec *, jv key, unsigned long h,
    const char *raw, size_t len, int canon);
/* The same for a key kp[0..klen) without escapes, between its quotes in
 * the line (kraw). */
void ac_rec_append_line(struct ac_rec *, const char *kp, size_t klen,
    unsigned long h, const char *raw, size_t len, int canon);
void ac_rec_set_raw(struct ac_rec *, int i, const char *raw, size_t len,
    int canon);
/* The value of member i: an owned copy, jv_invalid() for a hole. Decodes
 * the value when first asked for. */
jv ac_rec_val(const struct ac_rec *, int i);

/* The value of key: an owned copy, or jv_invalid() when absent. */
jv ac_field_get(const struct ac_rec *, const char *key);
/* Set key to v (consumed): in place when present, else at the end. */
void ac_field_set(struct ac_rec *, const char *key, jv v);
/* Remove key if present. */
void ac_field_del(struct ac_rec *, const char *key);
/* Index of the member named key[0..len) with hash h, or -1. */
int ac_field_find(const struct ac_rec *, const char *key, size_t len,
    unsigned long h);

/* The record as a jv object (members in order). */
jv ac_rec_to_jv(const struct ac_rec *);
/* Replace the record's members with those of obj. Consumes obj. */
void ac_rec_from_jv(struct ac_rec *, jv obj);

/*
 * A fixed set of field names, for reading all the fields a tool knows in
 * one pass over a record.
 */
#define AC_FIELDSET_MAX 64
struct ac_fieldset {
	int n;
	const char *const *names;
	jv keys[AC_FIELDSET_MAX];
	unsigned long hash[AC_FIELDSET_MAX];
	signed char slot[4 * AC_FIELDSET_MAX];	/* name index, or -1 */
};

/* Build the set from n names. Returns -1 when n > AC_FIELDSET_MAX. */
int ac_fieldset_init(struct ac_fieldset *, const char *const *names, int n);
void ac_fieldset_free(struct ac_fieldset *);
/*
 * pos[i] becomes the member index of name i, or -1 when absent, and
 * vals[i] an owned copy of its value, or jv_invalid().
 */
void ac_field_scan(const struct ac_fieldset *, const struct ac_rec *,
    int *pos, jv *vals);
/* Set name i to v (consumed), at pos[i] when there is one; updates pos. */
void ac_field_set_at(const struct ac_fieldset *, struct ac_rec *, int *pos,
    int i, jv v);
/* Remove name i; updates pos. */
void ac_field_del_at(struct ac_rec *, int *pos, int i);

/*
 * A view of the fields of a set in one record, for a tool's per-record
 * function: where each field is, found in one pass over the record. A
 * value is decoded only when a tool asks for it as a jv (ac_view_get); a
 * string can be read as bytes in the line (ac_view_str) and set from
 * bytes (ac_view_set_str) without becoming a jv at all. Reading the
 * line's bytes is what makes a stage that looks at a few fields cost
 * little more than copying the line: libjq checks the UTF-8 of every
 * string it makes, which the reader has done for the whole line already.
 */
struct ac_view {
	struct ac_rec *rec;
	const struct ac_fieldset *fs;
	int pos[AC_FIELDSET_MAX];	/* member index, or -1 when absent */
};

/* Scan rec for the fields of fs. Borrows both; close the view after. */
void ac_view_open(struct ac_view *, const struct ac_fieldset *,
    struct ac_rec *);
void ac_view_close(struct ac_view *);
/* Nonzero when field i is present (null counts as present). */
int ac_view_has(const struct ac_view *, int i);
/* The JSON kind of field i, JV_KIND_INVALID when absent. Decodes
 * nothing. */
jv_kind ac_view_kind(const struct ac_view *, int i);
/*
 * Field i's value, decoded when first asked for: borrowed (the record
 * keeps it) until the field is set or removed; jv_invalid() when absent.
 */
jv ac_view_get(const struct ac_view *, int i);
/*
 * The bytes of string field i and their length, or NULL when it is absent
 * or no string. Valid until the field is set or removed, or the record is
 * read over; a string without escapes is read in place, in the line.
 */
const char *ac_view_str(const struct ac_view *, int i, size_t *len);
/*
 * The JSON text of field i as it was read, when it is still that (not
 * set, not decoded): returns 1 with the text in *s, *len; else 0.
 */
int ac_view_raw(const struct ac_view *, int i, const char **s,
    size_t *len);
/* Set field i to v (consumed), in place when present, else at the end. */
void ac_view_set(struct ac_view *, int i, jv val);
/* Set field i to the string s[0..n), valid UTF-8 (s may be the field's
 * own bytes). */
void ac_view_set_str(struct ac_view *, int i, const char *s, size_t n);
/* Remove field i. */
void ac_view_del(struct ac_view *, int i);
/*
 * Field from becomes field to, in from's place, keeping its value for
 * now: email becomes hashed_email where email stood. When to is present
 * already, from is only removed and to stays where it is.
 */
void ac_view_rename(struct ac_view *, int from, int to);

/* Remove the member at index i (a hole, as ac_field_del leaves). */
void ac_rec_del_at(struct ac_rec *, int i);

/*
 * The bytes of a string value and their length, or NULL when v is not a
 * string. Borrows v: the pointer lives as long as v.
 */
const char *ac_field_str(jv v, size_t *len);

/* obj[key], owned; jv_invalid() when obj is no object or lacks key.
 * Borrows obj. */
jv ac_obj_get(jv obj, const char *key);
/* obj[key] when it is a non-empty string, else NULL; the pointer lives as
 * long as obj. Borrows obj. */
const char *ac_obj_str(jv obj, const char *key);

/* s[0..*n) without the spaces and tabs around it: the new start, with *n
 * updated. */
const char *ac_trim(const char *s, size_t *n);

/* The JSON kind of v for messages ("string", "number", ...). Borrows v. */
const char *ac_field_kind(jv v);

#endif

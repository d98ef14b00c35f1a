/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "field.h"
#include "ndjson.h"

unsigned long
ac_field_hash(const char *s, size_t n)
{
	unsigned long h = 2166136261UL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619UL;
	return h & 0xffffffffUL;
}

#define INDEX_FROM 16	/* members before a record gets an index */

void
ac_rec_init(struct ac_rec *r)
{
	r->m = NULL;
	r->n = r->cap = 0;
	r->idx = NULL;
	r->idxcap = 0;
	r->indexed = 0;
	r->blk = NULL;
}

/*
 * The text of values set from bytes: a list of blocks, the newest first.
 * Clearing the record keeps the first block made (the last in the list)
 * for the next record and frees the rest, so a run of ordinary records
 * allocates nothing here after the first.
 */
struct ac_block {
	struct ac_block *next;
	size_t len, cap;
	char text[];
};

#define BLOCK_MIN 4096

/* Room for n bytes of text in r's blocks. */
static char *
blk_alloc(struct ac_rec *r, size_t n)
{
	struct ac_block *b = r->blk;
	size_t cap;

	if (b == NULL || b->cap - b->len < n) {
		cap = n > BLOCK_MIN ? n : BLOCK_MIN;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			abort();	/* out of memory, as libjq does */
		b->len = 0;
		b->cap = cap;
		b->next = r->blk;
		r->blk = b;
	}
	b->len += n;
	return b->text + b->len - n;
}

static void
blk_clear(struct ac_rec *r, int keep)
{
	struct ac_block *b;

	while (r->blk != NULL && (!keep || r->blk->next != NULL)) {
		b = r->blk;
		r->blk = b->next;
		free(b);
	}
	if (r->blk != NULL)
		r->blk->len = 0;
}

void
ac_rec_clear(struct ac_rec *r)
{
	struct ac_member *m;
	int i;

	for (i = 0; i < r->n; i++) {
		m = &r->m[i];
		/* Stand-ins, jv_null(), need no freeing. */
		if (!m->kraw)
			jv_free(m->key);
		if (m->raw == NULL || m->decoded)
			jv_free(m->val);
	}
	r->n = 0;
	if (r->indexed > 0)
		memset(r->idx, 0, r->idxcap * sizeof(*r->idx));
	r->indexed = 0;
	blk_clear(r, 1);
}

void
ac_rec_free(struct ac_rec *r)
{
	ac_rec_clear(r);
	blk_clear(r, 0);
	free(r->m);
	free(r->idx);
	ac_rec_init(r);
}

/* Bring the index up to date with the members; rebuilt when too full. */
static void
reindex(struct ac_rec *r)
{
	size_t s;
	int i;

	if (r->idxcap < 2 * (size_t)r->n) {
		free(r->idx);
		for (r->idxcap = 64; r->idxcap < 2 * (size_t)r->n;)
			r->idxcap *= 2;
		if ((r->idx = calloc(r->idxcap, sizeof(*r->idx))) == NULL)
			abort();	/* out of memory, as libjq does */
		r->indexed = 0;
	}
	for (i = r->indexed; i < r->n; i++) {
		for (s = r->m[i].hash & (r->idxcap - 1); r->idx[s] != 0;
		    s = (s + 1) & (r->idxcap - 1))
			;
		r->idx[s] = i + 1;
	}
	r->indexed = r->n;
}

void
ac_rec_append(struct ac_rec *r, jv key, unsigned long h, jv v)
{
	struct ac_member *m;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		if ((m = realloc(r->m, (size_t)r->cap * sizeof(*m))) == NULL)
			abort();	/* out of memory, as libjq does */
		r->m = m;
	}
	m = &r->m[r->n++];
	m->key = key;
	m->val = v;
	m->kp = jv_string_value(key);
	m->klen = (size_t)jv_string_length_bytes(jv_copy(key));
	m->hash = h;
	m->raw = NULL;
	m->rawlen = 0;
	m->decoded = m->canon = m->kraw = 0;
}

void
ac_rec_set_raw(struct ac_rec *r, int i, const char *raw, size_t len,
    int canon)
{
	struct ac_member *m = &r->m[i];

	jv_free(m->val);
	m->val = jv_null();
	m->raw = raw;
	m->rawlen = len;
	m->decoded = 0;
	m->canon = (unsigned char)canon;
}

void
ac_rec_append_raw(struct ac_rec *r, jv key, unsigned long h,
    const char *raw, size_t len, int canon)
{
	ac_rec_append(r, key, h, jv_null());
	ac_rec_set_raw(r, r->n - 1, raw, len, canon);
}

void
ac_rec_append_line(struct ac_rec *r, const char *kp, size_t klen,
    unsigned long h, const char *raw, size_t len, int canon)
{
	struct ac_member *m;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		if ((m = realloc(r->m, (size_t)r->cap * sizeof(*m))) == NULL)
			abort();	/* out of memory, as libjq does */
		r->m = m;
	}
	m = &r->m[r->n++];
	m->key = jv_null();
	m->val = jv_null();
	m->kp = kp;
	m->klen = klen;
	m->hash = h;
	m->raw = raw;
	m->rawlen = len;
	m->decoded = 0;
	m->canon = (unsigned char)canon;
	m->kraw = 1;
}

/* Member i's key as a jv string, owned. */
static jv
mkey(const struct ac_rec *r, int i)
{
	const struct ac_member *m = &r->m[i];

	if (m->kraw)
		return jv_string_sized(m->kp, (int)m->klen);
	return jv_copy(m->key);
}

/* Member i's value, decoded on first use. Borrowed: the record keeps it. */
static jv
mval(const struct ac_rec *cr, int i)
{
	/* Decoding is a cache: the record's value does not change. */
	struct ac_member *m = &((struct ac_rec *)(uintptr_t)cr)->m[i];
	char err[96];

	if (m->raw != NULL && !m->decoded) {
		jv_free(m->val);
		m->val = ac_json_parse(m->raw, m->rawlen, NULL, err,
		    sizeof(err));
		if (!jv_is_valid(m->val))
			abort();	/* the reader checked the text */
		m->decoded = 1;
	}
	return m->val;
}

jv
ac_rec_val(const struct ac_rec *r, int i)
{
	return jv_copy(mval(r, i));
}

/* Member i's value becomes v (consumed), no longer the text read. */
static void
mset(struct ac_member *m, jv v)
{
	jv_free(m->val);
	m->val = v;
	m->raw = NULL;
	m->rawlen = 0;
	m->decoded = m->canon = 0;
}

static int
same_key(const struct ac_member *m, const char *key, size_t len,
    unsigned long h)
{
	return m->hash == h && m->klen == len && jv_is_valid(m->val) &&
	    memcmp(m->kp, key, len) == 0;
}

int
ac_field_find(const struct ac_rec *cr, const char *key, size_t len,
    unsigned long h)
{
	/* The index is a cache: finding does not change the record. */
	struct ac_rec *r = (struct ac_rec *)(uintptr_t)cr;
	size_t s;
	int i;

	if (r->n < INDEX_FROM) {
		for (i = 0; i < r->n; i++)
			if (same_key(&r->m[i], key, len, h))
				return i;
		return -1;
	}
	if (r->indexed < r->n)
		reindex(r);
	for (s = h & (r->idxcap - 1); (i = r->idx[s]) != 0;
	    s = (s + 1) & (r->idxcap - 1))
		if (same_key(&r->m[i - 1], key, len, h))
			return i - 1;
	return -1;
}

jv
ac_field_get(const struct ac_rec *r, const char *key)
{
	size_t n = strlen(key);
	int i = ac_field_find(r, key, n, ac_field_hash(key, n));

	return i < 0 ? jv_invalid() : ac_rec_val(r, i);
}

void
ac_field_set(struct ac_rec *r, const char *key, jv v)
{
	size_t n = strlen(key);
	unsigned long h = ac_field_hash(key, n);
	int i = ac_field_find(r, key, n, h);

	if (i < 0) {
		ac_rec_append(r, jv_string_sized(key, (int)n), h, v);
		return;
	}
	mset(&r->m[i], v);
}

void
ac_field_del(struct ac_rec *r, const char *key)
{
	size_t n = strlen(key);
	int i = ac_field_find(r, key, n, ac_field_hash(key, n));

	if (i >= 0)
		mset(&r->m[i], jv_invalid());
}

jv
ac_rec_to_jv(const struct ac_rec *r)
{
	jv o = jv_object();
	int i;

	for (i = 0; i < r->n; i++)
		if (jv_is_valid(r->m[i].val))
			o = jv_object_set(o, mkey(r, i), ac_rec_val(r, i));
	return o;
}

void
ac_rec_from_jv(struct ac_rec *r, jv obj)
{
	int it;
	jv k;

	ac_rec_clear(r);
	for (it = jv_object_iter(obj); jv_object_iter_valid(obj, it);
	    it = jv_object_iter_next(obj, it)) {
		k = jv_object_iter_key(obj, it);
		ac_rec_append(r, k, ac_field_hash(jv_string_value(k),
		    (size_t)jv_string_length_bytes(jv_copy(k))),
		    jv_object_iter_value(obj, it));
	}
	jv_free(obj);
}

#define NSLOT (4 * AC_FIELDSET_MAX)

int
ac_fieldset_init(struct ac_fieldset *fs, const char *const *names, int n)
{
	unsigned long s;
	int i;

	fs->n = 0;
	if (n > AC_FIELDSET_MAX)
		return -1;
	fs->n = n;
	fs->names = names;
	memset(fs->slot, -1, sizeof(fs->slot));
	for (i = 0; i < n; i++) {
		fs->keys[i] = jv_string(names[i]);
		fs->hash[i] = ac_field_hash(names[i], strlen(names[i]));
		for (s = fs->hash[i] % NSLOT; fs->slot[s] != -1;
		    s = (s + 1) % NSLOT)
			;
		fs->slot[s] = (signed char)i;
	}
	return 0;
}

void
ac_fieldset_free(struct ac_fieldset *fs)
{
	int i;

	for (i = 0; i < fs->n; i++)
		jv_free(fs->keys[i]);
	fs->n = 0;
}

/* The kind of the JSON text at p (valid, no white space first). */
static jv_kind
rawkind(const char *p)
{
	switch (*p) {
	case '"':
		return JV_KIND_STRING;
	case '{':
		return JV_KIND_OBJECT;
	case '[':
		return JV_KIND_ARRAY;
	case 't':
		return JV_KIND_TRUE;
	case 'f':
		return JV_KIND_FALSE;
	case 'n':
		return JV_KIND_NULL;
	default:
		return JV_KIND_NUMBER;
	}
}

/* The index in fs of member m's key, or -1. */
static int
slot_of(const struct ac_fieldset *fs, const struct ac_member *m)
{
	unsigned long s;
	int idx;

	for (s = m->hash % NSLOT; (idx = fs->slot[s]) != -1;
	    s = (s + 1) % NSLOT)
		if (fs->hash[idx] == m->hash &&
		    strlen(fs->names[idx]) == m->klen &&
		    memcmp(fs->names[idx], m->kp, m->klen) == 0)
			return idx;
	return -1;
}

/* pos[i]: the member index of name i, or -1 (the last of a repeated key,
 * as the reader keeps only that one). */
static void
find_all(const struct ac_fieldset *fs, const struct ac_rec *r, int *pos)
{
	int i, idx;

	for (i = 0; i < fs->n; i++)
		pos[i] = -1;
	for (i = 0; i < r->n; i++)
		if (jv_is_valid(r->m[i].val) &&
		    (idx = slot_of(fs, &r->m[i])) != -1)
			pos[idx] = i;
}

void
ac_field_scan(const struct ac_fieldset *fs, const struct ac_rec *r,
    int *pos, jv *vals)
{
	int i;

	find_all(fs, r, pos);
	for (i = 0; i < fs->n; i++)
		vals[i] = pos[i] < 0 ? jv_invalid() : ac_rec_val(r, pos[i]);
}

void
ac_field_set_at(const struct ac_fieldset *fs, struct ac_rec *r, int *pos,
    int i, jv v)
{
	if (pos[i] >= 0) {
		mset(&r->m[pos[i]], v);
		return;
	}
	ac_rec_append(r, jv_copy(fs->keys[i]), fs->hash[i], v);
	pos[i] = r->n - 1;
}

void
ac_field_del_at(struct ac_rec *r, int *pos, int i)
{
	if (pos[i] < 0)
		return;
	mset(&r->m[pos[i]], jv_invalid());
	pos[i] = -1;
}

void
ac_view_open(struct ac_view *v, const struct ac_fieldset *fs,
    struct ac_rec *rec)
{
	v->rec = rec;
	v->fs = fs;
	find_all(fs, rec, v->pos);
}

void
ac_view_close(struct ac_view *v)
{
	v->rec = NULL;
}

int
ac_view_has(const struct ac_view *v, int i)
{
	return v->pos[i] >= 0;
}

jv_kind
ac_view_kind(const struct ac_view *v, int i)
{
	const struct ac_member *m;

	if (v->pos[i] < 0)
		return JV_KIND_INVALID;
	m = &v->rec->m[v->pos[i]];
	if (m->raw != NULL && !m->decoded)
		return rawkind(m->raw);
	return jv_get_kind(m->val);
}

jv
ac_view_get(const struct ac_view *v, int i)
{
	return v->pos[i] < 0 ? jv_invalid() : mval(v->rec, v->pos[i]);
}

const char *
ac_view_str(const struct ac_view *v, int i, size_t *len)
{
	const struct ac_member *m;

	if (v->pos[i] < 0)
		return NULL;
	m = &v->rec->m[v->pos[i]];
	if (m->raw != NULL && !m->decoded && m->raw[0] == '"' &&
	    memchr(m->raw + 1, '\\', m->rawlen - 2) == NULL) {
		*len = m->rawlen - 2;
		return m->raw + 1;
	}
	return ac_field_str(mval(v->rec, v->pos[i]), len);
}

int
ac_view_raw(const struct ac_view *v, int i, const char **s, size_t *len)
{
	const struct ac_member *m;

	if (v->pos[i] < 0)
		return 0;
	m = &v->rec->m[v->pos[i]];
	if (m->raw == NULL || m->decoded)
		return 0;
	*s = m->raw;
	*len = m->rawlen;
	return 1;
}

void
ac_view_set(struct ac_view *v, int i, jv val)
{
	ac_field_set_at(v->fs, v->rec, v->pos, i, val);
}

void
ac_view_set_str(struct ac_view *v, int i, const char *s, size_t n)
{
	struct ac_rec *r = v->rec;
	char *t;

	if (ac_json_plain_run(s, n) != n || n > INT_MAX - 2) {
		/* Escapes: rare in what tools make; libjq's string. */
		ac_view_set(v, i, jv_string_sized(s, (int)n));
		return;
	}
	/* Copied before the member changes: s may be its own text. The
	 * quoted bytes are what the writer writes for them (canon). */
	t = blk_alloc(r, n + 2);
	t[0] = '"';
	memcpy(t + 1, s, n);
	t[n + 1] = '"';
	if (v->pos[i] < 0) {
		ac_rec_append(r, jv_copy(v->fs->keys[i]), v->fs->hash[i],
		    jv_null());
		v->pos[i] = r->n - 1;
	}
	ac_rec_set_raw(r, v->pos[i], t, n + 2, 1);
}

void
ac_view_del(struct ac_view *v, int i)
{
	ac_field_del_at(v->rec, v->pos, i);
}

void
ac_view_rename(struct ac_view *v, int from, int to)
{
	struct ac_member *m;

	if (v->pos[from] < 0 || from == to)
		return;
	if (v->pos[to] >= 0) {
		ac_view_del(v, from);
		return;
	}
	m = &v->rec->m[v->pos[from]];
	/* The member's hash changes: the index is rebuilt when next used. */
	if (v->rec->indexed > 0) {
		memset(v->rec->idx, 0, v->rec->idxcap * sizeof(*v->rec->idx));
		v->rec->indexed = 0;
	}
	if (!m->kraw)
		jv_free(m->key);
	m->key = jv_copy(v->fs->keys[to]);
	m->kp = jv_string_value(m->key);
	m->kraw = 0;
	m->klen = strlen(v->fs->names[to]);
	m->hash = v->fs->hash[to];
	v->pos[to] = v->pos[from];
	v->pos[from] = -1;
}

void
ac_rec_del_at(struct ac_rec *r, int i)
{
	mset(&r->m[i], jv_invalid());
}

const char *
ac_field_str(jv v, size_t *len)
{
	if (jv_get_kind(v) != JV_KIND_STRING)
		return NULL;
	*len = (size_t)jv_string_length_bytes(jv_copy(v));
	return jv_string_value(v);
}

const char *
ac_trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t'))
		s++, (*n)--;
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

const char *
ac_field_kind(jv v)
{
	return jv_kind_name(jv_get_kind(v));
}

jv
ac_obj_get(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(obj), jv_string(key));
}

const char *
ac_obj_str(jv obj, const char *key)
{
	jv v = ac_obj_get(obj, key);
	const char *s = NULL;

	/* obj still holds a reference, so the text outlives v. */
	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_value(v)[0] != '\0')
		s = jv_string_value(v);
	jv_free(v);
	return s;
}

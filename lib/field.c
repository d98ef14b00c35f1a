/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include <jv.h>

#include "field.h"

jv
ac_field_get(jv rec, const char *key)
{
	return jv_object_get(rec, jv_string(key));
}

jv
ac_field_set(jv rec, const char *key, jv v)
{
	return jv_object_set(rec, jv_string(key), v);
}

jv
ac_field_del(jv rec, const char *key)
{
	return jv_object_delete(rec, jv_string(key));
}

int
ac_field_has(jv rec, const char *key)
{
	return jv_object_has(jv_copy(rec), jv_string(key));
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
ac_field_kind(jv v)
{
	return jv_kind_name(jv_get_kind(v));
}

int
ac_fieldset_init(struct ac_fieldset *fs, const char *const *names, int n)
{
	int i;

	if (n > AC_FIELDSET_MAX)
		return -1;
	fs->n = n;
	for (i = 0; i < n; i++) {
		fs->keys[i] = jv_string(names[i]);
		/* Computes and caches the hash in the string. */
		jv_string_hash(jv_copy(fs->keys[i]));
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

void
ac_field_scan(const struct ac_fieldset *fs, jv rec, jv *vals)
{
	int i;

	for (i = 0; i < fs->n; i++)
		vals[i] = jv_object_get(jv_copy(rec), jv_copy(fs->keys[i]));
}

jv
ac_field_set_at(const struct ac_fieldset *fs, jv rec, int i, jv v)
{
	return jv_object_set(rec, jv_copy(fs->keys[i]), v);
}

jv
ac_field_del_at(const struct ac_fieldset *fs, jv rec, int i)
{
	return jv_object_delete(rec, jv_copy(fs->keys[i]));
}

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

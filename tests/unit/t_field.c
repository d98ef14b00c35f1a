/* SPDX-License-Identifier: MIT */
/*
 * lib/field: the record (members in order, holes for removed ones), the
 * field set and its scan, the view, and the small string helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "field.h"
#include "tap.h"

/* The keys of object o in iteration order, joined by ",". Consumes o. */
static const char *
obj_order(jv o, char *buf, size_t len)
{
	size_t off = 0;
	int it;
	jv k;

	buf[0] = '\0';
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		snprintf(buf, len, "(%s)", jv_kind_name(jv_get_kind(o)));
		jv_free(o);
		return buf;
	}
	for (it = jv_object_iter(o); jv_object_iter_valid(o, it);
	    it = jv_object_iter_next(o, it)) {
		k = jv_object_iter_key(o, it);
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    off > 0 ? "," : "", jv_string_value(k));
		jv_free(k);
	}
	jv_free(o);
	return buf;
}

/*
 * The members of r in index order, joined by ",", a hole shown as its key
 * after a "-". Also checks each member's kp, klen and hash against its key.
 */
static const char *
layout(const struct ac_rec *r, char *buf, size_t len)
{
	const struct ac_member *m;
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < r->n && off < len; i++) {
		m = &r->m[i];
		if (jv_get_kind(m->key) != JV_KIND_STRING ||
		    m->kp != jv_string_value(m->key) ||
		    m->klen != (size_t)jv_string_length_bytes(
		    jv_copy(m->key)) ||
		    m->hash != ac_field_hash(m->kp, m->klen)) {
			snprintf(buf, len, "(member %d: key, kp, klen or hash "
			    "out of step)", i);
			return buf;
		}
		off += (size_t)snprintf(buf + off, len - off, "%s%s%s",
		    off > 0 ? "," : "", jv_is_valid(m->val) ? "" : "-", m->kp);
	}
	return buf;
}

/* Compact JSON text of v. Consumes v. */
static const char *
dump(jv v, char *buf, size_t len)
{
	jv s = jv_dump_string(v, 0);

	snprintf(buf, len, "%s", jv_string_value(s));
	jv_free(s);
	return buf;
}

/* The record of the JSON object text s. */
static void
rec_of(struct ac_rec *r, const char *s)
{
	jv o = tap_parse(s, strlen(s));

	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		printf("Bail out! test object %s does not parse\n", s);
		exit(1);
	}
	ac_rec_from_jv(r, o);
}

static int
find(const struct ac_rec *r, const char *key)
{
	return ac_field_find(r, key, strlen(key),
	    ac_field_hash(key, strlen(key)));
}

static void
hash(void)
{
	/* FNV-1a 32-bit, computed independently (Python). */
	static const struct {
		const char *s;
		size_t n;
		unsigned long h;
		const char *show;	/* for the test name */
	} t[] = {
		{ "", 0, 0x811c9dc5UL, "\"\"" },
		{ "a", 1, 0xe40c292cUL, "\"a\"" },
		{ "foo", 3, 0xa9f37ed7UL, "\"foo\"" },
		{ "foobar", 6, 0xbf9cf968UL, "\"foobar\"" },
		{ "email", 5, 0x8a8753c7UL, "\"email\"" },
		{ "hashed_email", 12, 0x434d8777UL, "\"hashed_email\"" },
		{ "phone", 5, 0x773611afUL, "\"phone\"" },
		{ "\xc3\xa9", 2, 0x1e9de8c1UL, "C3 A9 (bytes above 0x7f)" },
		{ "a\0b", 3, 0x10f3abd2UL, "61 00 62 (a NUL is data)" },
		{ "costarring", 10, 0x5e4daa9dUL, "\"costarring\"" },
		{ "liquid", 6, 0x5e4daa9dUL, "\"liquid\" (same hash)" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int((long long)ac_field_hash(t[i].s, t[i].n),
		    (long long)t[i].h, "ac_field_hash %s is %#lx", t[i].show,
		    t[i].h);
	is_int((long long)ac_field_hash("foobar", 3), 0xa9f37ed7LL,
	    "ac_field_hash reads only n bytes");
}

static void
rec_basics(void)
{
	struct ac_rec r;
	char buf[1024], key[16];
	int i, bad = 0, cap;
	jv v;

	ac_rec_init(&r);
	ok(r.n == 0 && r.cap == 0 && r.m == NULL, "ac_rec_init: empty");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)), "{}",
	    "empty record is {}");
	ok(find(&r, "a") == -1, "find in an empty record: -1");

	ac_rec_append(&r, jv_string("b"), ac_field_hash("b", 1), jv_number(1));
	ac_rec_append(&r, jv_string("a"), ac_field_hash("a", 1),
	    jv_string("x"));
	ac_rec_append(&r, jv_string("c"), ac_field_hash("c", 1), jv_null());
	is_int(r.n, 3, "ac_rec_append: three members");
	is_str(layout(&r, buf, sizeof(buf)), "b,a,c",
	    "ac_rec_append: in order, kp, klen and hash set");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"b\":1,\"a\":\"x\",\"c\":null}", "ac_rec_to_jv in order");
	ac_rec_append(&r, jv_string("a"), ac_field_hash("a", 1), jv_true());
	is_int(r.n, 4, "ac_rec_append does not look for an existing key");

	/* Growth past the first allocation. */
	ac_rec_clear(&r);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ac_rec_append(&r, jv_string(key), ac_field_hash(key,
		    strlen(key)), jv_number(i));
	}
	is_int(r.n, 100, "100 members appended");
	ok(r.cap >= 100, "capacity grew (%d)", r.cap);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		v = ac_field_get(&r, key);
		if (jv_get_kind(v) != JV_KIND_NUMBER ||
		    jv_number_value(v) != i || find(&r, key) != i)
			bad++;
		jv_free(v);
	}
	is_int(bad, 0, "each of 100 members found at its index");

	cap = r.cap;
	ac_rec_clear(&r);
	ok(r.n == 0 && r.cap == cap && r.m != NULL,
	    "ac_rec_clear keeps the storage");
	ok(find(&r, "k1") == -1, "cleared record: nothing found");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)), "{}",
	    "cleared record is {}");
	ac_field_set(&r, "z", jv_number(26));
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)), "{\"z\":26}",
	    "cleared record is reused");

	ac_rec_free(&r);
	ok(r.n == 0 && r.cap == 0 && r.m == NULL,
	    "ac_rec_free: back to the initial state");
	ac_rec_free(&r);
	ok(r.n == 0 && r.m == NULL, "ac_rec_free twice is harmless");
}

static void
get_set_del(void)
{
	struct ac_rec r;
	char buf[1024];
	jv v;

	ac_rec_init(&r);
	rec_of(&r, "{\"a\":1,\"b\":[1,2],\"c\":\"three\",\"n\":null}");

	/* get */
	v = ac_field_get(&r, "c");
	ok(jv_get_kind(v) == JV_KIND_STRING &&
	    strcmp(jv_string_value(v), "three") == 0, "get \"c\": \"three\"");
	jv_free(v);
	v = ac_field_get(&r, "n");
	ok(jv_get_kind(v) == JV_KIND_NULL, "get of a null member: null, "
	    "not invalid");
	jv_free(v);
	v = ac_field_get(&r, "nope");
	ok(jv_get_kind(v) == JV_KIND_INVALID &&
	    !jv_invalid_has_msg(jv_copy(v)), "get of an absent key: "
	    "jv_invalid() without a message");
	jv_free(v);
	v = ac_field_get(&r, "");
	ok(jv_get_kind(v) == JV_KIND_INVALID, "get of \"\" when absent: "
	    "invalid");
	jv_free(v);
	/* An owned copy: changing and freeing it leaves the record alone. */
	v = ac_field_get(&r, "b");
	ok(jv_get_refcnt(v) >= 2, "get returns a counted reference");
	v = jv_array_append(v, jv_number(3));
	is_int(jv_array_length(v), 3, "the copy changed");
	is_json(ac_field_get(&r, "b"), "[1,2]", "the record's value did not");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"b\":[1,2],\"c\":\"three\",\"n\":null}",
	    "record intact after get");

	/* set in place */
	ac_field_set(&r, "b", jv_string("two"));
	is_int(r.n, 4, "set of a present key adds no member");
	is_str(layout(&r, buf, sizeof(buf)), "a,b,c,n",
	    "set of a present key keeps its position");
	is_json(ac_field_get(&r, "b"), "\"two\"", "set replaced the value");
	ac_field_set(&r, "n", jv_number(0));
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"b\":\"two\",\"c\":\"three\",\"n\":0}",
	    "set null to 0 in place");

	/* set of an absent key */
	ac_field_set(&r, "d", jv_false());
	is_str(layout(&r, buf, sizeof(buf)), "a,b,c,n,d",
	    "set of an absent key appends");
	ac_field_set(&r, "", jv_number(-1));
	is_str(layout(&r, buf, sizeof(buf)), "a,b,c,n,d,",
	    "the empty key is a key");
	is_json(ac_field_get(&r, ""), "-1", "get \"\"");

	/* del */
	ac_field_del(&r, "nope");
	is_int(r.n, 6, "del of an absent key: no change in n");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"b\":\"two\",\"c\":\"three\",\"n\":0,\"d\":false,"
	    "\"\":-1}", "del of an absent key: record unchanged");
	ac_field_del(&r, "a");
	is_int(r.n, 6, "del leaves a hole (n unchanged)");
	is_str(layout(&r, buf, sizeof(buf)), "-a,b,c,n,d,",
	    "the hole is where a was");
	ok(find(&r, "a") == -1, "find skips the hole");
	v = ac_field_get(&r, "a");
	ok(jv_get_kind(v) == JV_KIND_INVALID, "get of a removed key: invalid");
	jv_free(v);
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"b\":\"two\",\"c\":\"three\",\"n\":0,\"d\":false,\"\":-1}",
	    "ac_rec_to_jv skips the hole");
	ac_field_del(&r, "a");
	is_str(layout(&r, buf, sizeof(buf)), "-a,b,c,n,d,",
	    "del of a removed key is harmless");

	/* set after del: at the end */
	ac_field_set(&r, "a", jv_number(10));
	is_str(layout(&r, buf, sizeof(buf)), "-a,b,c,n,d,,a",
	    "set of a removed key appends at the end");
	is_int(find(&r, "a"), 6, "find gives the new member");
	is_str(obj_order(ac_rec_to_jv(&r), buf, sizeof(buf)), "b,c,n,d,,a",
	    "ac_rec_to_jv: a comes last");
	is_json(ac_rec_to_jv(&r),
	    "{\"b\":\"two\",\"c\":\"three\",\"n\":0,\"d\":false,\"\":-1,"
	    "\"a\":10}", "ac_rec_to_jv values");
	ac_field_set(&r, "a", jv_number(11));
	is_str(layout(&r, buf, sizeof(buf)), "-a,b,c,n,d,,a",
	    "set again: in place at the end, the hole untouched");

	/* ac_rec_del_at */
	ac_rec_del_at(&r, 2);
	is_str(layout(&r, buf, sizeof(buf)), "-a,b,-c,n,d,,a",
	    "ac_rec_del_at 2 leaves a hole");
	ok(find(&r, "c") == -1, "find skips it");
	is_str(obj_order(ac_rec_to_jv(&r), buf, sizeof(buf)), "b,n,d,,a",
	    "ac_rec_to_jv skips it");
	ac_rec_del_at(&r, 2);
	is_int(r.n, 7, "ac_rec_del_at of a hole is harmless");
	ac_field_set(&r, "c", jv_string("back"));
	is_str(layout(&r, buf, sizeof(buf)), "-a,b,-c,n,d,,a,c",
	    "set after ac_rec_del_at appends");
	ac_rec_free(&r);
}

static void
find_bytes(void)
{
	struct ac_rec r;
	static const char nul[] = "a\0b";

	ac_rec_init(&r);
	rec_of(&r, "{\"email\":1,\"a\\u0000b\":2,\"costarring\":3,"
	    "\"liquid\":4}");
	is_int(ac_field_find(&r, "emailx", 5, ac_field_hash("email", 5)), 0,
	    "find reads only len bytes of key");
	is_int(ac_field_find(&r, "ema", 3, ac_field_hash("ema", 3)), -1,
	    "a prefix is not the key");
	is_int(ac_field_find(&r, "email", 5, 12345), -1,
	    "find trusts the hash it is given");
	is_int(ac_field_find(&r, nul, 3, ac_field_hash(nul, 3)), 1,
	    "a key with a NUL inside is found by its bytes");
	is_int(r.m[1].klen, 3, "its klen counts the NUL");
	is_int(find(&r, "a"), -1, "and not by its C-string prefix");
	is_int(find(&r, "liquid"), 3, "\"liquid\" found, not \"costarring\" "
	    "of the same hash");
	is_int(find(&r, "costarring"), 2, "and \"costarring\" found");
	ac_field_del(&r, "costarring");
	is_int(find(&r, "liquid"), 3, "\"liquid\" found after its twin is "
	    "removed");
	ac_rec_free(&r);
}

static void
round_trip(void)
{
	static const char text[] = "{\"z\":1,\"a\":{\"y\":[1,{\"q\":null}],"
	    "\"x\":2},\"m\":null,\"b\":\"s\",\"\xc3\xa9\":true,\"k\":-0.5,"
	    "\"e\":[],\"f\":false}";
	struct ac_rec r;
	char buf[1024];
	jv o, back;

	ac_rec_init(&r);
	ac_field_set(&r, "old", jv_number(1));
	o = tap_parse(text, strlen(text));
	ac_rec_from_jv(&r, jv_copy(o));
	is_int(r.n, 8, "ac_rec_from_jv: 8 members");
	is_str(layout(&r, buf, sizeof(buf)), "z,a,m,b,\xc3\xa9,k,e,f",
	    "ac_rec_from_jv: input order, kp, klen and hash set");
	ok(find(&r, "old") == -1, "ac_rec_from_jv replaces what was there");
	back = ac_rec_to_jv(&r);
	ok(jv_equal(jv_copy(back), jv_copy(o)), "round trip: jv_equal");
	is_str(obj_order(jv_copy(back), buf, sizeof(buf)),
	    "z,a,m,b,\xc3\xa9,k,e,f", "round trip: key order kept");
	is_str(dump(back, buf, sizeof(buf)), text,
	    "round trip: same JSON text");
	/* The object passed in may be shared: o still holds its members. */
	is_int(jv_object_length(jv_copy(o)), 8, "the caller's copy intact");
	jv_free(o);
	is_json(ac_rec_to_jv(&r), text, "ac_rec_to_jv does not use up the "
	    "record");
	is_json(ac_rec_to_jv(&r), text, "nor does it twice");

	ac_rec_from_jv(&r, jv_object());
	ok(r.n == 0, "ac_rec_from_jv of {}: no members");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)), "{}",
	    "and the record is {}");

	/* A record built in an order different from sorted. */
	ac_rec_clear(&r);
	ac_field_set(&r, "c", jv_number(3));
	ac_field_set(&r, "b", jv_number(2));
	ac_field_set(&r, "a", jv_number(1));
	is_str(obj_order(ac_rec_to_jv(&r), buf, sizeof(buf)), "c,b,a",
	    "ac_rec_to_jv keeps set order, not sorted");
	ac_rec_free(&r);
}

static const char *const fnames[] = {
	"email", "phone", "missing", "n", "gone", "liquid", "costarring"
};
enum { F_EMAIL, F_PHONE, F_MISSING, F_N, F_GONE, F_LIQUID, F_COSTARRING,
	NF };

static void
fieldset(void)
{
	static char namebuf[AC_FIELDSET_MAX + 1][8];
	static const char *names[AC_FIELDSET_MAX + 1];
	struct ac_fieldset fs;
	struct ac_rec r;
	int pos[AC_FIELDSET_MAX], i, bad;
	jv vals[AC_FIELDSET_MAX];
	char key[16];

	for (i = 0; i <= AC_FIELDSET_MAX; i++) {
		snprintf(namebuf[i], sizeof(namebuf[i]), "f%d", i);
		names[i] = namebuf[i];
	}
	is_int(ac_fieldset_init(&fs, names, AC_FIELDSET_MAX + 1), -1,
	    "ac_fieldset_init of %d names: -1", AC_FIELDSET_MAX + 1);
	is_int(ac_fieldset_init(&fs, names, AC_FIELDSET_MAX), 0,
	    "ac_fieldset_init of %d names: 0", AC_FIELDSET_MAX);
	bad = 0;
	for (i = 0; i < AC_FIELDSET_MAX; i++)
		if (jv_get_kind(fs.keys[i]) != JV_KIND_STRING ||
		    strcmp(jv_string_value(fs.keys[i]), names[i]) != 0 ||
		    fs.hash[i] != ac_field_hash(names[i], strlen(names[i])))
			bad++;
	ok(fs.n == AC_FIELDSET_MAX && bad == 0, "keys and hashes of the set");

	/* All 64, in reverse order, among 200 other keys. */
	ac_rec_init(&r);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "x%d", i);
		ac_field_set(&r, key, jv_number(-1));
		if (i < AC_FIELDSET_MAX)
			ac_field_set(&r, names[AC_FIELDSET_MAX - 1 - i],
			    jv_number(AC_FIELDSET_MAX - 1 - i));
	}
	ac_field_scan(&fs, &r, pos, vals);
	bad = 0;
	for (i = 0; i < AC_FIELDSET_MAX; i++) {
		if (pos[i] != 2 * (AC_FIELDSET_MAX - 1 - i) + 1 ||
		    jv_get_kind(vals[i]) != JV_KIND_NUMBER ||
		    jv_number_value(vals[i]) != i)
			bad++;
		jv_free(vals[i]);
	}
	is_int(bad, 0, "scan finds all %d names among 200 others",
	    AC_FIELDSET_MAX);
	ac_fieldset_free(&fs);
	is_int(fs.n, 0, "ac_fieldset_free: n is 0");

	/* An empty set. */
	is_int(ac_fieldset_init(&fs, names, 0), 0, "an empty set");
	ac_field_scan(&fs, &r, pos, vals);
	ok(1, "scan with an empty set");
	ac_fieldset_free(&fs);

	/* Present, absent, null, removed, and hash twins. */
	ac_fieldset_init(&fs, fnames, NF);
	rec_of(&r, "{\"a\":1,\"email\":\"x@example.com\",\"n\":null,"
	    "\"gone\":true,\"phone\":\"+1\",\"liquid\":[1]}");
	ac_field_del(&r, "gone");
	ac_field_scan(&fs, &r, pos, vals);
	ok(pos[F_EMAIL] == 1 && jv_get_kind(vals[F_EMAIL]) == JV_KIND_STRING &&
	    strcmp(jv_string_value(vals[F_EMAIL]), "x@example.com") == 0,
	    "scan: email at 1 with its value");
	is_int(pos[F_PHONE], 4, "scan: phone at 4");
	ok(pos[F_MISSING] == -1 &&
	    jv_get_kind(vals[F_MISSING]) == JV_KIND_INVALID,
	    "scan: absent gives -1 and invalid");
	ok(pos[F_N] == 2 && jv_get_kind(vals[F_N]) == JV_KIND_NULL,
	    "scan: null is present");
	ok(pos[F_GONE] == -1 && jv_get_kind(vals[F_GONE]) == JV_KIND_INVALID,
	    "scan: a removed member is absent");
	ok(pos[F_LIQUID] == 5 && jv_get_kind(vals[F_LIQUID]) == JV_KIND_ARRAY,
	    "scan: liquid at 5");
	ok(pos[F_COSTARRING] == -1 &&
	    jv_get_kind(vals[F_COSTARRING]) == JV_KIND_INVALID,
	    "scan: costarring (same hash as liquid) absent");
	/* vals are owned copies: change one, the record keeps its own. */
	vals[F_LIQUID] = jv_array_append(vals[F_LIQUID], jv_number(2));
	is_json(ac_field_get(&r, "liquid"), "[1]", "scan values are copies");
	for (i = 0; i < NF; i++)
		jv_free(vals[i]);

	/* set_at and del_at */
	ac_field_scan(&fs, &r, pos, vals);
	for (i = 0; i < NF; i++)
		jv_free(vals[i]);
	ac_field_set_at(&fs, &r, pos, F_PHONE, jv_string("+2"));
	is_int(pos[F_PHONE], 4, "set_at of a present name: pos unchanged");
	is_json(ac_field_get(&r, "phone"), "\"+2\"", "set_at: value in place");
	is_int(r.n, 6, "set_at of a present name adds no member");
	ac_field_set_at(&fs, &r, pos, F_MISSING, jv_number(7));
	is_int(pos[F_MISSING], 6, "set_at of an absent name: pos is the end");
	is_int(find(&r, "missing"), 6, "set_at: found by key and hash");
	is_json(ac_field_get(&r, "missing"), "7", "set_at: the value");
	ac_field_set_at(&fs, &r, pos, F_GONE, jv_number(8));
	is_int(pos[F_GONE], 7, "set_at of a removed name: at the end");
	ac_field_del_at(&r, pos, F_EMAIL);
	is_int(pos[F_EMAIL], -1, "del_at: pos -1");
	is_int(find(&r, "email"), -1, "del_at: removed from the record");
	is_int(r.n, 8, "del_at leaves a hole");
	ac_field_del_at(&r, pos, F_EMAIL);
	ac_field_del_at(&r, pos, F_COSTARRING);
	ok(pos[F_EMAIL] == -1 && pos[F_COSTARRING] == -1 && r.n == 8,
	    "del_at of an absent name is harmless");
	ac_field_set_at(&fs, &r, pos, F_EMAIL, jv_string("y"));
	is_int(pos[F_EMAIL], 8, "set_at after del_at: at the end");
	is_json(ac_rec_to_jv(&r), "{\"a\":1,\"n\":null,\"phone\":\"+2\","
	    "\"liquid\":[1],\"missing\":7,\"gone\":8,\"email\":\"y\"}",
	    "record after set_at and del_at");
	{
		char buf[256];

		is_str(obj_order(ac_rec_to_jv(&r), buf, sizeof(buf)),
		    "a,n,phone,liquid,missing,gone,email",
		    "and its key order");
	}
	ac_fieldset_free(&fs);
	ac_rec_free(&r);
}

static const char *const vnames[] = { "email", "hashed_email", "phone",
    "n", "x" };
enum { V_EMAIL, V_HASHED, V_PHONE, V_N, V_X, NV };

static void
view(void)
{
	struct ac_fieldset fs;
	struct ac_rec r;
	struct ac_view v;
	char buf[1024];

	ac_fieldset_init(&fs, vnames, NV);
	ac_rec_init(&r);
	rec_of(&r, "{\"a\":1,\"email\":\"E\",\"n\":null,\"b\":2}");
	ac_view_open(&v, &fs, &r);
	ok(ac_view_has(&v, V_EMAIL), "view: email present");
	ok(ac_view_has(&v, V_N), "view: null counts as present");
	ok(!ac_view_has(&v, V_PHONE), "view: phone absent");
	ok(jv_get_kind(ac_view_get(&v, V_PHONE)) == JV_KIND_INVALID,
	    "view: an absent field's val is invalid");
	is_json(jv_copy(ac_view_get(&v, V_EMAIL)), "\"E\"", "view: email's val");

	ac_view_set(&v, V_EMAIL, jv_string("E2"));
	is_json(jv_copy(ac_view_get(&v, V_EMAIL)), "\"E2\"", "view_set: val updated");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"email\":\"E2\",\"n\":null,\"b\":2}",
	    "view_set of a present field: in place");
	ac_view_set(&v, V_PHONE, jv_string("+1"));
	ok(ac_view_has(&v, V_PHONE), "view_set of an absent field: present");
	is_int(v.pos[V_PHONE], 4, "its pos is the end");
	is_str(obj_order(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "a,email,n,b,phone", "view_set of an absent field: at the end");
	ac_view_del(&v, V_N);
	ok(!ac_view_has(&v, V_N), "view_del: absent");
	ok(jv_get_kind(ac_view_get(&v, V_N)) == JV_KIND_INVALID, "view_del: val invalid");
	is_int(find(&r, "n"), -1, "view_del: removed from the record");
	ac_view_del(&v, V_X);
	ok(!ac_view_has(&v, V_X), "view_del of an absent field is harmless");
	ac_view_set(&v, V_N, jv_number(5));
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"email\":\"E2\",\"b\":2,\"phone\":\"+1\",\"n\":5}",
	    "view_set after view_del: at the end");
	ac_view_close(&v);
	is_json(ac_rec_to_jv(&r),
	    "{\"a\":1,\"email\":\"E2\",\"b\":2,\"phone\":\"+1\",\"n\":5}",
	    "view_close leaves the record");

	/* rename to an absent field */
	rec_of(&r, "{\"a\":1,\"email\":\"x@example.com\",\"b\":2}");
	ac_view_open(&v, &fs, &r);
	ac_view_rename(&v, V_EMAIL, V_HASHED);
	ok(!ac_view_has(&v, V_EMAIL) && ac_view_has(&v, V_HASHED),
	    "rename to absent: from gone, to present");
	ok(v.pos[V_EMAIL] == -1 && v.pos[V_HASHED] == 1,
	    "rename to absent: to takes from's pos");
	is_json(jv_copy(ac_view_get(&v, V_HASHED)), "\"x@example.com\"",
	    "rename to absent: to's val is from's");
	ok(jv_get_kind(ac_view_get(&v, V_EMAIL)) == JV_KIND_INVALID,
	    "rename to absent: from's val is invalid");
	is_int(r.n, 3, "rename to absent: no member added");
	is_str(layout(&r, buf, sizeof(buf)), "a,hashed_email,b",
	    "rename to absent: in from's place; kp, klen and hash right");
	is_int(find(&r, "hashed_email"), 1, "ac_field_find finds the new name");
	is_int(find(&r, "email"), -1, "and not the old");
	is_json(ac_field_get(&r, "hashed_email"), "\"x@example.com\"",
	    "get of the new name: the value");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"hashed_email\":\"x@example.com\",\"b\":2}",
	    "rename to absent: the record");
	ac_view_set(&v, V_HASHED, jv_string("h"));
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"hashed_email\":\"h\",\"b\":2}",
	    "view_set after rename: in place");
	ac_view_close(&v);
	/* A fresh scan sees the renamed member under its new name. */
	ac_view_open(&v, &fs, &r);
	ok(v.pos[V_HASHED] == 1 && v.pos[V_EMAIL] == -1,
	    "a new view finds hashed_email at 1, no email");
	ac_view_close(&v);
	ac_field_set(&r, "email", jv_string("again"));
	is_str(layout(&r, buf, sizeof(buf)), "a,hashed_email,b,email",
	    "set of the old name afterwards appends");

	/* rename to a present field */
	rec_of(&r, "{\"hashed_email\":\"h\",\"a\":1,\"email\":\"x\"}");
	ac_view_open(&v, &fs, &r);
	ac_view_rename(&v, V_EMAIL, V_HASHED);
	ok(!ac_view_has(&v, V_EMAIL) && ac_view_has(&v, V_HASHED),
	    "rename to present: from gone, to present");
	ok(v.pos[V_EMAIL] == -1 && v.pos[V_HASHED] == 0,
	    "rename to present: to keeps its pos");
	is_json(jv_copy(ac_view_get(&v, V_HASHED)), "\"h\"",
	    "rename to present: to keeps its val");
	is_int(find(&r, "email"), -1, "rename to present: email removed");
	is_int(find(&r, "hashed_email"), 0, "hashed_email found at 0");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"hashed_email\":\"h\",\"a\":1}",
	    "rename to present: to stays where it is");
	ac_view_close(&v);

	/* rename of an absent field */
	rec_of(&r, "{\"a\":1,\"hashed_email\":\"h\"}");
	ac_view_open(&v, &fs, &r);
	ac_view_rename(&v, V_EMAIL, V_HASHED);
	ok(!ac_view_has(&v, V_EMAIL) && v.pos[V_HASHED] == 1,
	    "rename of an absent field: the view unchanged");
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"a\":1,\"hashed_email\":\"h\"}",
	    "rename of an absent field: the record unchanged");
	ac_view_close(&v);

	/* The renamed key outlives the field set. */
	rec_of(&r, "{\"email\":\"x\"}");
	ac_view_open(&v, &fs, &r);
	ac_view_rename(&v, V_EMAIL, V_HASHED);
	ac_view_close(&v);
	ac_fieldset_free(&fs);
	is_str(dump(ac_rec_to_jv(&r), buf, sizeof(buf)),
	    "{\"hashed_email\":\"x\"}", "renamed key valid after "
	    "ac_fieldset_free");
	ac_rec_free(&r);
}

static void
trim(void)
{
	static const struct {
		const char *s;
		size_t n;
		size_t off;	/* expected start */
		const char *want;
	} t[] = {
		{ "abc", 3, 0, "abc" },
		{ "  abc", 5, 2, "abc" },
		{ "abc  ", 5, 0, "abc" },
		{ " \t a b \t ", 9, 3, "a b" },
		{ "\tx\t", 3, 1, "x" },
		{ "\nabc\n", 5, 0, "\nabc\n" },
		{ "\r abc \r", 7, 0, "\r abc \r" },
		{ " \nabc", 5, 1, "\nabc" },
		{ "\xc2\xa0" "abc", 5, 0, "\xc2\xa0" "abc" },	/* NBSP stays */
		{ "   ", 3, 3, "" },
		{ " \t\t ", 4, 4, "" },
		{ "", 0, 0, "" },
		{ " ab   cd", 4, 1, "ab" },	/* only n bytes */
	};
	const char *p;
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = t[i].n;
		p = ac_trim(t[i].s, &n);
		ok(p == t[i].s + t[i].off && n == strlen(t[i].want) &&
		    memcmp(p, t[i].want, n) == 0,
		    "ac_trim \"%s\" (%zu bytes) -> \"%s\"", t[i].s, t[i].n,
		    t[i].want);
	}
}

static void
str_kind(void)
{
	const char *p;
	size_t len;
	jv v;

	v = jv_string("hello");
	len = 99;
	p = ac_field_str(v, &len);
	ok(p != NULL && len == 5 && strcmp(p, "hello") == 0,
	    "ac_field_str of a string: bytes and length");
	ok(p == jv_string_value(v), "ac_field_str borrows: the string's bytes");
	jv_free(v);
	v = jv_string_sized("a\0b", 3);
	p = ac_field_str(v, &len);
	ok(p != NULL && len == 3 && memcmp(p, "a\0b", 3) == 0,
	    "ac_field_str: a NUL inside is counted");
	jv_free(v);
	v = jv_string("");
	p = ac_field_str(v, &len);
	ok(p != NULL && len == 0, "ac_field_str of \"\": not NULL, length 0");
	jv_free(v);
	v = jv_number(1);
	ok(ac_field_str(v, &len) == NULL, "ac_field_str of a number: NULL");
	jv_free(v);
	v = jv_null();
	ok(ac_field_str(v, &len) == NULL, "ac_field_str of null: NULL");
	jv_free(v);
	v = jv_invalid();
	ok(ac_field_str(v, &len) == NULL, "ac_field_str of invalid: NULL");
	jv_free(v);

	v = jv_string("s");
	is_str(ac_field_kind(v), "string", "ac_field_kind string");
	jv_free(v);
	v = jv_number(1.5);
	is_str(ac_field_kind(v), "number", "ac_field_kind number");
	jv_free(v);
	v = jv_null();
	is_str(ac_field_kind(v), "null", "ac_field_kind null");
	jv_free(v);
	v = jv_true();
	is_str(ac_field_kind(v), "boolean", "ac_field_kind true");
	jv_free(v);
	v = jv_false();
	is_str(ac_field_kind(v), "boolean", "ac_field_kind false");
	jv_free(v);
	v = jv_array();
	is_str(ac_field_kind(v), "array", "ac_field_kind array");
	jv_free(v);
	v = jv_object();
	is_str(ac_field_kind(v), "object", "ac_field_kind object");
	jv_free(v);
}

int
main(void)
{
	hash();
	rec_basics();
	get_set_del();
	find_bytes();
	round_trip();
	fieldset();
	view();
	trim();
	str_kind();
	return done_testing();
}

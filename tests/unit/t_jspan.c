/* SPDX-License-Identifier: MIT */
/*
 * lib/jspan: member and element spans, and the canonical check against
 * the writer itself: a span said canonical must be what ac_write_value()
 * writes for its value, byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "jspan.h"
#include "ndjson.h"
#include "tap.h"

/* Nonzero when the writer writes s back unchanged. */
static int
writes_back(const char *s)
{
	struct ac_writer w;
	char err[96];
	jv v = ac_json_parse(s, strlen(s), NULL, err, sizeof(err));
	int same;

	if (!jv_is_valid(v)) {
		jv_free(v);
		return -1;
	}
	ac_writer_init(&w, -1);
	ac_write_value(&w, v);
	same = w.len == strlen(s) && memcmp(w.buf, s, w.len) == 0;
	free(w.buf);
	return same;
}

static void
canonical(void)
{
	static const char *const texts[] = {
		"0", "-0", "1", "-17", "123456789012345", "1234567890123456",
		"0.5", "0.99", "-0.25", "10.5", "0.50", "1.0", "1e2", "1E2",
		"0.000001", "0.0000001", "123456789.123456", "1234567890.5",
		"12.3456789", "007", "-", "true", "false", "null",
		"\"a\"", "\"\\u00e9\"", "\"\\u001f\"", "\"\\u001F\"",
		"\"\\u000a\"", "\"\\n\\t\\r\\b\\f\\\"\\\\\"", "\"\\/\"",
		"\"\xc3\xa9\"", "\"\\ud83d\\ude00\"", "{}", "[]",
		"{\"a\":1,\"b\":[1,2,{\"c\":null}]}", "{\"a\":1,\"a\":2}",
		"{\"a\": 1}", "[1, 2]", " 1", "{\"a\":1,\"\\u0061\":2}",
		"[0.1,0.2,0.3,1.1,2.675,99.99]",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *s = texts[i];
		int c = ac_jspan_canonical(s, s + strlen(s));

		ok(!c || writes_back(s) == 1, "%s: canonical only when the "
		    "writer writes it back (%d)", s, c);
	}
	ok(ac_jspan_canonical("0.99", "0.99" + 4), "0.99 is canonical");
	ok(!ac_jspan_canonical("1.0", "1.0" + 3), "1.0 is not");
	ok(!ac_jspan_canonical("{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}" + 13),
	    "a repeated key is not");
}

static void
spans(void)
{
	static const char line[] = " {\"api\":\"x\",\"request\":{\"rows\":"
	    "[ {\"a\":1} , [2,\"]\"] ,\"\\\"\"],\"k\":true} }";
	const char *end = line + strlen(line), *vs, *ve;

	is_int(ac_jspan_member(line, end, "request", &vs, &ve), 1,
	    "request found");
	is_int(ac_jspan_member(vs, ve, "rows", &vs, &ve), 1, "rows found");
	ok(ac_jspan_skip(vs, ve) == ve, "skips the whole array");
	is_int((int)(ac_jspan_skip(vs + 1, ve) - vs), 9, "its first element");
	ok(ac_jspan_canonical_end(vs + 2, ve) == vs + 9, "canonical_end");
	ok(ac_jspan_canonical_end(vs, ve) == NULL, "not with spaces");
	is_int(ac_jspan_member(line, end, "rows", &vs, &ve), 0, "absent");
	is_int(ac_jspan_member("{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}" + 13,
	    "a", &vs, &ve), -1, "twice: cannot tell");
	is_int(ac_jspan_member("{\"\\u0061\":1}", "{\"\\u0061\":1}" + 13, "a",
	    &vs, &ve), -1, "an escaped key: cannot tell");
	is_int(ac_jspan_member("[1]", "[1]" + 3, "a", &vs, &ve), -1,
	    "not an object");
}

int
main(void)
{
	canonical();
	spans();
	return done_testing();
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the record reader and writer: the input is taken
 * as one JSON text and as an NDJSON file. Whatever parses must be written
 * by the writer as JSON that parses back to an equal value; nothing may
 * crash, leak or read out of bounds. The file is read twice, as the tools
 * read it (values kept as text, decoded when asked for, copied when
 * canonical) and with every value decoded at once (rd.eager): the two must
 * agree line by line on the outcome, the reason and message of a
 * rejection, the members and their values and the writer's bytes; and each
 * line that is a record must parse in full to the same object. Run with
 * "make fuzz".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jv.h>

#include "field.h"
#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The writer's text for v must parse back to v. Consumes v. */
static void
roundtrip(jv v, int is_rec, const struct ac_rec *rec)
{
	struct ac_writer w;
	char err[96];
	jv back;

	if (ac_writer_init(&w, -1) == -1)
		abort();
	if (is_rec)
		ac_write_rec_value(&w, rec);
	else
		ac_write_value(&w, jv_copy(v));
	back = ac_json_parse(w.buf, w.len, NULL, err, sizeof(err));
	if (!jv_is_valid(back) || !jv_equal(jv_copy(v), jv_copy(back)))
		abort();
	jv_free(back);
	jv_free(v);
	free(w.buf);
}

/* The writer's bytes for rec. */
static char *
written(const struct ac_rec *rec, size_t *len)
{
	struct ac_writer w;

	if (ac_writer_init(&w, -1) == -1)
		abort();
	ac_write_rec_value(&w, rec);
	*len = w.len;
	return w.buf;
}

/* The lazy record a and the eager one b of the same line agree. */
static void
same_rec(const struct ac_rec *a, const struct ac_rec *b, const char *line,
    size_t linelen)
{
	char err[96], *wa, *wb, *wf;
	struct ac_writer w;
	size_t la, lb;
	jv full;
	int i;

	if (a->n != b->n)
		abort();
	for (i = 0; i < a->n; i++) {
		if (a->m[i].klen != b->m[i].klen || memcmp(a->m[i].kp,
		    b->m[i].kp, a->m[i].klen) != 0 ||
		    a->m[i].hash != b->m[i].hash)
			abort();
		if (!jv_equal(ac_rec_val(a, i), ac_rec_val(b, i)))
			abort();
	}
	wa = written(a, &la);
	wb = written(b, &lb);
	if (la != lb || memcmp(wa, wb, la) != 0)
		abort();
	/* And a full parse of the line writes the same. */
	full = ac_json_parse(line, linelen, NULL, err, sizeof(err));
	if (jv_get_kind(full) != JV_KIND_OBJECT)
		abort();
	if (ac_writer_init(&w, -1) == -1)
		abort();
	ac_write_value(&w, full);
	wf = w.buf;
	if (w.len != la || memcmp(wf, wa, la) != 0)
		abort();
	free(wa);
	free(wb);
	free(wf);
}

/* Field names the views below look at: common keys of the corpus. */
static const char *const vnames[] = { "a", "b", "email", "phone",
    "order_id", "gclid", "country_code", "first_name", "x", "" };
#define NVNAMES ((int)(sizeof(vnames) / sizeof(vnames[0])))

/*
 * A view of the lazy record a reads what the eager record b holds: the
 * same kinds and string bytes, without decoding; and a string set from
 * those bytes is written as a jv string set in b is.
 */
static void
same_view(struct ac_rec *a, struct ac_rec *b)
{
	struct ac_fieldset fs;
	struct ac_view va, vb;
	const char *s;
	char *wa, *wb;
	size_t n, la, lb;
	jv want;
	int i;

	if (ac_fieldset_init(&fs, vnames, NVNAMES) == -1)
		abort();
	ac_view_open(&va, &fs, a);
	ac_view_open(&vb, &fs, b);
	for (i = 0; i < NVNAMES; i++) {
		want = ac_view_get(&vb, i);
		if (ac_view_kind(&va, i) != jv_get_kind(want))
			abort();
		s = ac_view_str(&va, i, &n);
		if ((s == NULL) != (jv_get_kind(want) != JV_KIND_STRING))
			abort();
		if (s == NULL)
			continue;
		if (n != (size_t)jv_string_length_bytes(jv_copy(want)) ||
		    memcmp(s, jv_string_value(want), n) != 0)
			abort();
		ac_view_set(&vb, i, jv_string_sized(s, (int)n));
		ac_view_set_str(&va, i, s, n);
	}
	wa = written(a, &la);
	wb = written(b, &lb);
	if (la != lb || memcmp(wa, wb, la) != 0)
		abort();
	free(wa);
	free(wb);
	ac_view_close(&va);
	ac_view_close(&vb);
	ac_fieldset_free(&fs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char path[] = "/tmp/fuzz_record.XXXXXX", err[96], *argv[1];
	struct ac_reader rd, ed;
	struct ac_rec rec, erec;
	enum ac_rd r, er;
	jv v;
	int fd;

	if (ac_utf8_valid((const char *)data, n)) {
		v = ac_json_parse((const char *)data, n, NULL, err, sizeof(err));
		if (jv_is_valid(v))
			roundtrip(v, 0, NULL);
	}
	if ((fd = mkstemp(path)) == -1)
		abort();
	if (write(fd, data, n) != (ssize_t)n)
		abort();
	close(fd);
	argv[0] = path;
	if (ac_reader_open(&rd, 1, argv) == -1 ||
	    ac_reader_open(&ed, 1, argv) == -1)
		abort();
	ed.eager = 1;
	ac_rec_init(&rec);
	ac_rec_init(&erec);
	for (;;) {
		r = ac_read(&rd, &rec);
		er = ac_read(&ed, &erec);
		if (r != er || rd.line != ed.line)
			abort();
		if (r == AC_RD_EOF || r == AC_RD_ERR)
			break;
		if (r == AC_RD_BAD) {
			if (strcmp(rd.bad_code, ed.bad_code) != 0 ||
			    strcmp(rd.bad_msg, ed.bad_msg) != 0)
				abort();
			continue;
		}
		/* Views first: same_rec decodes every value. */
		same_view(&rec, &erec);
		same_rec(&rec, &erec, rd.raw, rd.rawlen);
		roundtrip(ac_rec_to_jv(&rec), 1, &rec);
	}
	ac_rec_free(&rec);
	ac_rec_free(&erec);
	ac_reader_close(&rd);
	ac_reader_close(&ed);
	unlink(path);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the record reader and writer: the input is taken
 * as one JSON text and as an NDJSON file. Whatever parses must be written
 * by the writer as JSON that parses back to an equal value; nothing may
 * crash, leak or read out of bounds. Run with "make fuzz".
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char path[] = "/tmp/fuzz_record.XXXXXX", err[96], *argv[1];
	struct ac_reader rd;
	struct ac_rec rec;
	enum ac_rd r;
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
	if (ac_reader_open(&rd, 1, argv) == -1)
		abort();
	ac_rec_init(&rec);
	while ((r = ac_read(&rd, &rec)) != AC_RD_EOF && r != AC_RD_ERR)
		if (r == AC_RD_REC)
			roundtrip(ac_rec_to_jv(&rec), 1, &rec);
	ac_rec_free(&rec);
	ac_reader_close(&rd);
	unlink(path);
	return 0;
}

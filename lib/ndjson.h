/* SPDX-License-Identifier: MIT */
#ifndef AC_NDJSON_H
#define AC_NDJSON_H

#include <stddef.h>

#include <jv.h>

#include "field.h"

/*
 * A buffered record writer: one compact JSON text per line, keys in
 * insertion order. Output is flushed when the buffer fills, when the reader
 * is about to wait for input (so a stage in the middle of a slow pipe
 * passes records on at once), and by ac_writer_flush().
 */
#define AC_WBUF_FLUSH (64 * 1024)	/* write out once this much is buffered */

struct ac_writer {
	int fd;
	char *buf;
	size_t len, cap;
	int err;		/* errno of the first failed write, or 0 */
	/*
	 * Lines given to the writer that did not reach fd whole: after a
	 * write error, the lines whose newline was not written (the last
	 * one maybe torn) and every line given since. Lines written whole
	 * are the lines given less these.
	 */
	unsigned long nlost;
};

/* Attach a writer to fd. Returns -1 (errno set) when out of memory. */
int ac_writer_init(struct ac_writer *, int fd);
/* Write rec and a newline. Consumes rec. Returns -1 once a write failed. */
int ac_write(struct ac_writer *, jv rec);
/* Write a record and a newline. Borrows rec. Returns -1 once a write
 * failed. */
int ac_write_rec(struct ac_writer *, const struct ac_rec *rec);
/* Append v's compact JSON, no newline, to the buffer. Consumes v. */
void ac_write_value(struct ac_writer *, jv v);
/* Append a record's compact JSON, no newline. Borrows rec. */
void ac_write_rec_value(struct ac_writer *, const struct ac_rec *rec);
/* Append s[0..n) as a JSON string (valid UTF-8, any length). */
void ac_write_string(struct ac_writer *, const char *s, size_t n);
/* The length of the longest prefix of s[0..n) the writer writes as it
 * is inside a JSON string (no '"', '\\' or control character). */
size_t ac_json_plain_run(const char *s, size_t n);
/* Append raw bytes. */
void ac_write_bytes(struct ac_writer *, const char *, size_t);
/* Write out the buffer. Returns -1 (w->err set) on a write error. */
int ac_writer_flush(struct ac_writer *);
/* Flush and release the buffer (not the fd). Returns -1 on error. */
int ac_writer_close(struct ac_writer *);

/* Parsed object keys, shared across records (see ac_json_parse). */
#define AC_KEYCACHE 512
struct ac_keyslot {
	size_t len;
	jv key;
};
struct ac_keycache {
	struct ac_keyslot slot[AC_KEYCACHE];
};
struct ac_keycache *ac_keycache_new(void);
void ac_keycache_free(struct ac_keycache *);

enum ac_rd {
	AC_RD_EOF = 0,		/* no more input */
	AC_RD_REC,		/* rec holds the object's members */
	AC_RD_BAD,		/* a line that is not a record: see bad_* */
	AC_RD_ERR		/* read error, reported; stop with exit 3 */
};

/*
 * Reads NDJSON records from the operands in order ("-" or none: stdin),
 * keeping the current file name and line number for messages. Blank and
 * whitespace-only lines are skipped; a trailing \r is removed.
 */
struct ac_reader {
	char **names;		/* operands, or NULL for stdin only */
	int *fds;
	int nfiles, cur;
	const char *name;	/* current file, "<stdin>" for stdin */
	unsigned long line;	/* line number of the last line read */
	char *buf;
	size_t cap, start, end;
	int eof;		/* the current file reached end of file */
	struct ac_writer *flush[2];	/* flushed before waiting for input */
	/*
	 * Called, when set, each time the reader is about to wait for
	 * input: returns how many milliseconds it may wait at most (-1: no
	 * limit) and is called again when they have passed. ac-batch sends
	 * its due requests from here (--max-wait).
	 */
	long long (*idle)(void *arg);
	void *idle_arg;
	struct ac_keycache *keys;
	/* Nonzero: decode every value as the line is read, instead of
	 * keeping the values as text until asked for (for tests). */
	int eager;
	/* After AC_RD_BAD: a reason code, a message (no input text) and
	 * the raw line, valid until the next ac_read(). */
	const char *bad_code;
	char bad_msg[160];
	const char *raw;
	size_t rawlen;
};

/*
 * Open every operand now so that a missing file stops the run before any
 * output. Prints the error itself. Returns -1 on failure.
 */
int ac_reader_open(struct ac_reader *, int argc, char *argv[]);
/* Read the next record into rec (cleared first). See enum ac_rd. */
enum ac_rd ac_read(struct ac_reader *, struct ac_rec *rec);
void ac_reader_close(struct ac_reader *);

/*
 * Parse exactly one JSON value from s[0..n), which must be valid UTF-8.
 * keys (may be NULL) caches object keys across calls. On error returns
 * jv_invalid() and puts a message naming the column (never the text) in
 * err. A \u escape of a lone surrogate reads as U+FFFD, as in jq (the
 * record reader, ac_read(), refuses it instead: bad_unicode_escape).
 */
jv ac_json_parse(const char *s, size_t n, struct ac_keycache *keys,
    char *err, size_t errlen);

/* 2^53: integers at or beyond it are not exact as JSON numbers (doubles). */
#define AC_MAX_EXACT 9007199254740992.0

/* Write v in decimal to buf (at least 21 bytes), NUL-terminated; returns
 * the length. */
size_t ac_fmt_int(char *buf, long long v);

/* Nonzero when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int ac_utf8_valid(const char *s, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jv.h>

#include "diag.h"
#include "field.h"
#include "ndjson.h"
#include "stage.h"

/* Nonzero when the file of sb is one of the reader's inputs. */
static int
is_input(const struct ac_reader *rd, const struct stat *sb)
{
	struct stat in;
	int i;

	if (!S_ISREG(sb->st_mode))
		return 0;	/* /dev/null may well be both */
	for (i = 0; i < rd->nfiles; i++)
		if (rd->fds[i] >= 0 && fstat(rd->fds[i], &in) == 0 &&
		    in.st_dev == sb->st_dev && in.st_ino == sb->st_ino)
			return 1;
	return 0;
}

/* Open the --stats file now, so that a bad path stops the run before any
 * input. */
static int
open_stats(struct ac_stage *st, const char *path)
{
	struct stat sb;
	const char *why = NULL;
	jv files = jv_array();
	int fd, i;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1 || fstat(fd, &sb) == -1)
		why = strerror(errno);
	else if (is_input(&st->rd, &sb))
		why = "it is also an input";
	else if (S_ISREG(sb.st_mode) && ftruncate(fd, 0) == -1)
		why = strerror(errno);
	if (why != NULL) {
		ac_warnx("stats file %s: %s", path, why);
		if (fd != -1)
			close(fd);
		jv_free(files);
		return -1;
	}
	st->stats_fd = fd;
	st->stats_extra = jv_object();
	for (i = 0; i < st->rd.nfiles; i++)
		files = jv_array_append(files, jv_string(strcmp(st->rd.names[i],
		    "-") == 0 ? "<stdin>" : st->rd.names[i]));
	ac_stage_stat(st, "files", files);
	return 0;
}

int
ac_stage_open(struct ac_stage *st, const char *name, int argc, char *argv[],
    const char *rejects, const char *stats)
{
	struct stat sb;
	const char *why;
	int fd;

	memset(st, 0, sizeof(*st));
	st->name = name;
	st->stats_fd = -1;
	st->stats_extra = jv_invalid();
	if (ac_reader_open(&st->rd, argc, argv) == -1)
		return -1;
	if (ac_writer_init(&st->out, STDOUT_FILENO) == -1) {
		ac_warn("stdout");
		ac_reader_close(&st->rd);
		return -1;
	}
	st->rd.flush[0] = &st->out;
	if (rejects != NULL) {
		/* Truncated only once it is known not to be an input. */
		fd = open(rejects, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		why = NULL;
		if (fd == -1 || fstat(fd, &sb) == -1)
			why = strerror(errno);
		else if (is_input(&st->rd, &sb))
			why = "it is also an input";
		else if ((S_ISREG(sb.st_mode) && ftruncate(fd, 0) == -1) ||
		    ac_writer_init(&st->rej, fd) == -1)
			why = strerror(errno);
		if (why != NULL) {
			ac_warnx("rejects file %s: %s", rejects, why);
			if (fd != -1)
				close(fd);
			ac_writer_close(&st->out);
			ac_reader_close(&st->rd);
			return -1;
		}
		/* It holds personal data: private even when it existed. */
		if (S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0)
			fchmod(fd, 0600);
		st->has_rej = 1;
		st->rd.flush[1] = &st->rej;
	}
	if (stats != NULL && open_stats(st, stats) == -1) {
		if (st->has_rej) {
			ac_writer_close(&st->rej);
			close(st->rej.fd);
		}
		ac_writer_close(&st->out);
		ac_reader_close(&st->rd);
		return -1;
	}
	return 0;
}

static void
count(struct ac_count *tab, const char *code)
{
	int i;

	for (i = 0; i < AC_NCODES && tab[i].code != NULL; i++) {
		if (strcmp(tab[i].code, code) == 0) {
			tab[i].n++;
			return;
		}
	}
	/* A copy: code may live in a record that is about to be freed. */
	if (i < AC_NCODES && (tab[i].code = strdup(code)) != NULL) {
		tab[i].n = 1;
	} else {
		tab[AC_NCODES - 1].n++;	/* lumped in with the last code */
	}
}

/* One located per-record message on stderr, within the cap. */
static void
recmsg(struct ac_stage *st, const char *field, const char *msg,
    const char *code)
{
	if (st->quiet)
		return;
	if (!st->verbose && st->nmsg >= AC_MSG_CAP) {
		if (st->nmsg++ == AC_MSG_CAP)
			fprintf(stderr, "%s: further per-record messages "
			    "not shown (-v shows all)\n", st->name);
		return;
	}
	st->nmsg++;
	fprintf(stderr, "%s: %s:%lu: %s%s%s (%s)\n", st->name, st->rd.name,
	    st->rd.line, field ? field : "", field ? ": " : "", msg, code);
}

static void
base64(struct ac_writer *w, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	size_t i;

	ac_write_bytes(w, "\"", 1);
	for (i = 0; i + 2 < n; i += 3) {
		q[0] = tab[s[i] >> 2];
		q[1] = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		q[2] = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		q[3] = tab[s[i + 2] & 63];
		ac_write_bytes(w, q, 4);
	}
	if (i < n) {
		q[0] = tab[s[i] >> 2];
		if (i + 1 < n) {
			q[1] = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			q[2] = tab[(s[i + 1] & 15) << 2];
		} else {
			q[1] = tab[(s[i] & 3) << 4];
			q[2] = '=';
		}
		q[3] = '=';
		ac_write_bytes(w, q, 4);
	}
	ac_write_bytes(w, "\"", 1);
}

/*
 * Write one rejects-file line: the reason, and the line as it was read,
 * verbatim (so numbers keep every digit): as "record" when it is JSON,
 * as a "raw" string when it is only text, as "raw_base64" when it is not
 * even UTF-8.
 */
static void
write_reject(struct ac_stage *st, const char *code, const char *field,
    const char *msg, int is_json)
{
	struct ac_writer *w = &st->rej;
	jv meta;

	if (!st->has_rej)
		return;
	meta = jv_object_set(jv_object(), jv_string("stage"), jv_string(st->name));
	meta = jv_object_set(meta, jv_string("file"), jv_string(st->rd.name));
	meta = jv_object_set(meta, jv_string("line"),
	    jv_number((double)st->rd.line));
	meta = jv_object_set(meta, jv_string("code"), jv_string(code));
	if (field != NULL)
		meta = jv_object_set(meta, jv_string("field"),
		    jv_string(field));
	meta = jv_object_set(meta, jv_string("message"), jv_string(msg));
	ac_write_value(w, meta);
	w->len--;		/* reopen the object to add the record */
	if (is_json) {
		ac_write_bytes(w, ",\"record\":", 10);
		ac_write_bytes(w, st->rd.raw, st->rd.rawlen);
	} else if (ac_utf8_valid(st->rd.raw, st->rd.rawlen)) {
		ac_write_bytes(w, ",\"raw\":", 7);
		ac_write_string(w, st->rd.raw, st->rd.rawlen);
	} else {
		ac_write_bytes(w, ",\"raw_base64\":", 14);
		base64(w, (const unsigned char *)st->rd.raw, st->rd.rawlen);
	}
	ac_write_bytes(w, "}\n", 2);
	if (w->len >= AC_WBUF_FLUSH && ac_writer_flush(w) == -1 &&
	    !st->fatal) {
		errno = w->err;
		ac_warn("rejects file");
		st->fatal = 1;
	}
}

static void
reject(struct ac_stage *st, const char *code, const char *field,
    const char *msg, int is_json)
{
	st->nrej++;
	count(st->rejects, code);
	recmsg(st, field, msg, code);
	write_reject(st, code, field, msg, is_json);
}

/*
 * The first line of a file is rejected: when it shows that the file is a
 * JSON document rather than NDJSON (a pretty-printed one, or an array),
 * say so once, with what to run. Every line is still rejected on its
 * own; this line only explains them, and names no value.
 */
static void
shape_hint(struct ac_stage *st)
{
	const char *s = st->rd.raw, *e = s + st->rd.rawlen, *p, *what, *run;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (s == e || (*s != '[' && *s != '{'))
		return;
	if (strcmp(st->rd.bad_code, "not_object") == 0 && *s == '[') {
		/* [] holds no record to recover: its rejection says enough. */
		for (p = s + 1; p < e && (*p == ' ' || *p == '\t'); p++)
			;
		if (p < e && *p == ']')
			return;
		what = "a JSON array, not one object per line: it is "
		    "rejected whole";
		run = "jq -c '.[]'";
	} else if (strcmp(st->rd.bad_code, "bad_json") == 0 &&
	    e[-1] != '\0' && strchr("{[,:", e[-1]) != NULL) {
		/* A line that opens what it does not close: "[" or "{"
		 * alone, or {"orders": [ */
		what = *s == '[' ? "a JSON array over several lines "
		    "(pretty-printed), not one object per line: each of its "
		    "lines is rejected" : "JSON over several lines "
		    "(pretty-printed), not one object per line: each of its "
		    "lines is rejected";
		run = *s == '[' ? "jq -c '.[]'" : "jq -c .";
	} else {
		return;
	}
	fprintf(stderr, "%s: %s:%lu: the input is %s; run %s on it first, "
	    "or the map for its system (ac-maps(7))\n", st->name,
	    st->rd.name, st->rd.line, what, run);
}

int
ac_stage_next(struct ac_stage *st, struct ac_rec *rec)
{
	enum ac_rd r;
	int first;

	for (;;) {
		if (st->fatal)
			return 0;
		r = ac_read(&st->rd, rec);
		first = st->lastfile != st->rd.cur + 1;
		if (r == AC_RD_REC || r == AC_RD_BAD)
			st->lastfile = st->rd.cur + 1;
		switch (r) {
		case AC_RD_EOF:
			return 0;
		case AC_RD_ERR:
			st->fatal = 1;
			return 0;
		case AC_RD_REC:
			st->nin++;
			return 1;
		case AC_RD_BAD:
			st->nin++;
			reject(st, st->rd.bad_code, NULL, st->rd.bad_msg,
			    strcmp(st->rd.bad_code, "not_object") == 0);
			if (first)
				shape_hint(st);
			break;
		}
	}
}

jv
ac_err(const char *code, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	jv e = jv_object();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = jv_object_set(e, jv_string("code"), jv_string(code));
	if (field != NULL)
		e = jv_object_set(e, jv_string("field"), jv_string(field));
	e = jv_object_set(e, jv_string("message"), jv_string(msg));
	return jv_invalid_with_msg(e);
}

int
ac_stage_put(struct ac_stage *st, const struct ac_rec *rec, jv res)
{
	jv e, code, field, msg;

	if (jv_is_valid(res)) {
		jv_free(res);
		st->nout++;
		st->nput++;
		if (ac_write_rec(&st->out, rec) == -1) {
			errno = st->out.err;
			ac_warn("stdout");
			st->fatal = 1;
			return -1;
		}
		return 0;
	}
	e = jv_invalid_get_msg(res);
	if (jv_get_kind(e) != JV_KIND_OBJECT) {
		/* Not made by ac_err(): keep it, under a generic code. */
		e = jv_object_set(jv_object(), jv_string("message"),
		    jv_get_kind(e) == JV_KIND_STRING ? e :
		    (jv_free(e), jv_string("error")));
	}
	code = jv_object_get(jv_copy(e), jv_string("code"));
	field = jv_object_get(jv_copy(e), jv_string("field"));
	msg = jv_object_get(e, jv_string("message"));
	reject(st, jv_get_kind(code) == JV_KIND_STRING ?
	    jv_string_value(code) : "error",
	    jv_get_kind(field) == JV_KIND_STRING ? jv_string_value(field) :
	    NULL, jv_string_value(msg), 1);
	jv_free(code);
	jv_free(field);
	jv_free(msg);
	return 0;
}

void
ac_stage_warn(struct ac_stage *st, struct ac_rec *rec, const char *field,
    const char *code, const char *what)
{
	jv w = ac_field_get(rec, AC_WARNINGS_KEY);
	jv one = jv_object();

	if (jv_get_kind(w) != JV_KIND_ARRAY) {
		jv_free(w);
		w = jv_array();
	}
	one = jv_object_set(one, jv_string("stage"), jv_string(st->name));
	one = jv_object_set(one, jv_string("field"), jv_string(field));
	one = jv_object_set(one, jv_string("code"), jv_string(code));
	/* The same warning once: a stage run again over its own output
	 * (a warning that keeps its field) adds nothing. */
	jv_array_foreach(w, i, have) {
		if (jv_equal(have, jv_copy(one))) {
			jv_free(one);
			one = jv_invalid();
			break;
		}
	}
	if (jv_is_valid(one)) {
		/* Drop the record's reference first so that the array is
		 * appended to in place rather than copied. */
		ac_field_set(rec, AC_WARNINGS_KEY, jv_null());
		ac_field_set(rec, AC_WARNINGS_KEY, jv_array_append(w, one));
	} else {
		jv_free(w);
	}
	st->nwarn++;
	count(st->warnings, code);
	recmsg(st, field, what, code);
}

void
ac_stage_drop(struct ac_stage *st, struct ac_view *v, int i,
    const char *code, const char *what)
{
	ac_view_del(v, i);
	ac_stage_warn(st, v->rec, v->fs->names[i], code, what);
}

static void
print_counts(const struct ac_count *tab)
{
	int i;

	for (i = 0; i < AC_NCODES && tab[i].code != NULL; i++)
		fprintf(stderr, "%s%lu %s", i ? ", " : " (", tab[i].n,
		    tab[i].code);
	fputs(")", stderr);
}

void
ac_stage_stat(struct ac_stage *st, const char *key, jv v)
{
	if (st->stats_fd == -1) {
		jv_free(v);
		return;
	}
	st->stats_extra = jv_object_set(st->stats_extra, jv_string(key), v);
}

/* A table of counts as a JSON object, code: n. */
static jv
counts_jv(const struct ac_count *tab)
{
	jv o = jv_object();
	int i;

	for (i = 0; i < AC_NCODES && tab[i].code != NULL; i++)
		o = jv_object_set(o, jv_string(tab[i].code),
		    jv_number((double)tab[i].n));
	return o;
}

/* Write the statistics of --stats; -1 on a write error. */
static int
write_stats(struct ac_stage *st, int status)
{
	struct ac_writer w;
	jv o = jv_object();
	int r;

	o = jv_object_set(o, jv_string("stage"), jv_string(st->name));
	o = jv_object_set(o, jv_string("in"), jv_number((double)st->nin));
	o = jv_object_set(o, jv_string("out"), jv_number((double)st->nout));
	o = jv_object_set(o, jv_string("rejected"),
	    jv_number((double)st->nrej));
	o = jv_object_set(o, jv_string("rejected_by_code"),
	    counts_jv(st->rejects));
	o = jv_object_set(o, jv_string("warnings"),
	    jv_number((double)st->nwarn));
	o = jv_object_set(o, jv_string("warnings_by_code"),
	    counts_jv(st->warnings));
	o = jv_object_set(o, jv_string("stopped_early"),
	    st->fatal ? jv_true() : jv_false());
	o = jv_object_set(o, jv_string("exit"), jv_number(status));
	if (jv_get_kind(st->stats_extra) == JV_KIND_OBJECT)
		o = jv_object_merge(o, st->stats_extra);
	else
		jv_free(st->stats_extra);
	st->stats_extra = jv_invalid();
	if (ac_writer_init(&w, st->stats_fd) == -1) {
		jv_free(o);
		return -1;
	}
	r = ac_write(&w, o);
	if (ac_writer_close(&w) == -1)
		r = -1;
	if (close(st->stats_fd) == -1)
		r = -1;
	st->stats_fd = -1;
	return r;
}

int
ac_stage_finish(struct ac_stage *st)
{
	int status = AC_EXIT_OK, i;

	if (ac_writer_close(&st->out) == -1 && !st->fatal) {
		errno = st->out.err;
		ac_warn("stdout");
		st->fatal = 1;
	}
	/* After a write error (a full disk): count only the records whose
	 * line was written whole, not a torn last one. */
	st->nout -= st->out.nlost < st->nput ? st->out.nlost : st->nput;
	if (st->has_rej) {
		if (ac_writer_close(&st->rej) == -1 && !st->fatal) {
			errno = st->rej.err;
			ac_warn("rejects file");
			st->fatal = 1;
		}
		close(st->rej.fd);
	}
	ac_reader_close(&st->rd);
	if (st->nrej > 0)
		status = AC_EXIT_DATA;
	if (st->fatal)
		status = AC_EXIT_FATAL;
	if (st->stats_fd != -1 && write_stats(st, status) == -1) {
		ac_warn("stats file");
		status = AC_EXIT_FATAL;
	}
	jv_free(st->stats_extra);
	st->stats_extra = jv_invalid();
	if (st->own_summary) {
		/* the caller reports */
	} else if (st->quiet && (st->nrej > 0 || st->fatal)) {
		fprintf(stderr, "%s: %lu of %lu records rejected%s\n",
		    st->name, st->nrej, st->nin,
		    st->fatal ? "; stopped early" : "");
	} else if (!st->quiet) {
		fprintf(stderr, "%s: %lu in, %lu out, %lu rejected",
		    st->name, st->nin, st->nout, st->nrej);
		if (st->nrej > 0)
			print_counts(st->rejects);
		fprintf(stderr, "; %lu warning%s", st->nwarn,
		    st->nwarn == 1 ? "" : "s");
		if (st->nwarn > 0)
			print_counts(st->warnings);
		if (st->fatal)
			fputs("; stopped early", stderr);
		fputs("\n", stderr);
	}
	for (i = 0; i < AC_NCODES; i++) {
		free(st->rejects[i].code);
		free(st->warnings[i].code);
	}
	return status;
}

/* Files in roles */

int
ac_role_id(struct ac_role *id, const char *what, const char *name, int fd,
    int input)
{
	struct stat sb;
	char path[PATH_MAX], link[PATH_MAX], dir[PATH_MAX], *d;
	ssize_t n;
	int hops;

	memset(id, 0, sizeof(*id));
	id->what = what;
	id->name = name;
	id->input = input;
	if (fd >= 0) {
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
			return -1;
		id->dev = sb.st_dev;
		id->ino = sb.st_ino;
		return 0;
	}
	if (snprintf(path, sizeof(path), "%s", name) >= (int)sizeof(path))
		return -1;
	for (hops = 0; hops < 40; hops++) {
		if (stat(path, &sb) == 0) {
			if (!S_ISREG(sb.st_mode))
				return -1;
			id->dev = sb.st_dev;
			id->ino = sb.st_ino;
			return 0;
		}
		if (errno != ENOENT || lstat(path, &sb) == -1 ||
		    !S_ISLNK(sb.st_mode))
			break;
		/* A dangling link: where it points is what gets created. */
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			return -1;
		link[n] = '\0';
		snprintf(dir, sizeof(dir), "%s", path);
		d = dirname(dir);
		if (link[0] == '/' || strcmp(d, ".") == 0)
			snprintf(path, sizeof(path), "%s", link);
		else if (snprintf(path, sizeof(path), "%s/%s", d, link) >=
		    (int)sizeof(path))
			return -1;
	}
	if (errno != ENOENT)
		return -1;
	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &sb) == -1)
		return -1;
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(id->base, sizeof(id->base), "%s", basename(dir));
	return 0;
}

int
ac_roles_distinct(const struct ac_role *ro, int n)
{
	int i, k;

	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++) {
			if ((ro[i].input && ro[k].input) ||
			    ro[i].dev != ro[k].dev || ro[i].ino != ro[k].ino ||
			    strcmp(ro[i].base, ro[k].base) != 0)
				continue;
			ac_warnx("%s%s%s and %s%s%s are the same file: give "
			    "each its own", ro[i].what, *ro[i].name ? " " : "",
			    ro[i].name, ro[k].what, *ro[k].name ? " " : "",
			    ro[k].name);
			return -1;
		}
	return 0;
}

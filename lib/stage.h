/* SPDX-License-Identifier: MIT */
#ifndef AC_STAGE_H
#define AC_STAGE_H

#include <sys/types.h>

#include <limits.h>

#include <jv.h>

#include "field.h"
#include "ndjson.h"

/*
 * The conventions every filter shares (man/ac.7): the record loop over
 * ac_reader, stdout, the --rejects file, per-record warnings under the
 * reserved key AC_WARNINGS_KEY, capped per-record messages on stderr, the
 * end-of-run summary and the exit status. Conservation holds by
 * construction: every record read is either emitted or rejected.
 */

#define AC_WARNINGS_KEY "ac_warnings"
#define AC_MSG_CAP 10		/* per-record stderr lines before -v */
#define AC_NCODES 64		/* distinct reason codes counted */

struct ac_count {
	char *code;		/* owned copy */
	unsigned long n;
};

struct ac_stage {
	const char *name;	/* "ac-normalize" */
	struct ac_reader rd;
	struct ac_writer out;
	struct ac_writer rej;
	int has_rej;
	int quiet, verbose;
	int own_summary;	/* the tool prints its own summary */
	/* nout: records written to stdout; ac_stage_finish() takes off
	 * those of ac_stage_put() not written whole (out.nlost). */
	unsigned long nin, nout, nrej, nwarn, nmsg;
	unsigned long nput;	/* lines ac_stage_put() gave to out */
	struct ac_count rejects[AC_NCODES], warnings[AC_NCODES];
	int fatal;		/* an I/O error stopped the run */
	int stats_fd;		/* the stats file, or -1 (ac_stage_open) */
	jv stats_extra;		/* an object merged into the statistics */
	int lastfile;		/* 1 + the input of the last line read, or 0 */
};

/*
 * Open the inputs, stdout, the rejects file and the statistics file
 * (NULL: none). Prints the reason and returns -1, having released what it
 * opened, when something cannot be opened.
 *
 * stats (--stats FILE): at the end, ac_stage_finish() writes the run's
 * counts to it as one JSON object and a newline: "stage", "in", "out",
 * "rejected", "rejected_by_code", "warnings", "warnings_by_code",
 * "stopped_early", "exit", "files" (the inputs), then the members a tool
 * adds with ac_stage_stat(). It is created (mode 0644) or truncated here,
 * so that a bad path stops the run before any input.
 */
int ac_stage_open(struct ac_stage *, const char *name, int argc,
    char *argv[], const char *rejects, const char *stats);

/*
 * The next record, in rec. Lines that are not records are rejected here.
 * Returns 1 for a record, 0 at the end of input or after a fatal error.
 */
int ac_stage_next(struct ac_stage *, struct ac_rec *rec);

/*
 * Finish a record: res is what the per-record function returned, null
 * when the record goes on (then rec is written to stdout) or an error
 * from ac_err() (then the line as read goes to the rejects file with the
 * error's code). Consumes res. Returns -1 after a write error on stdout.
 */
int ac_stage_put(struct ac_stage *, const struct ac_rec *rec, jv res);

/*
 * A rejection as a value: jv_invalid_with_msg({code, field, message}).
 * field may be NULL. The message must never contain record values.
 */
jv ac_err(const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Append a warning {stage, field, code} to rec's AC_WARNINGS_KEY array,
 * count it and report it on stderr ("field: what (code)") within the
 * message cap.
 */
void ac_stage_warn(struct ac_stage *, struct ac_rec *rec, const char *field,
    const char *code, const char *what);

/* Remove field i from the view and warn as ac_stage_warn does. */
void ac_stage_drop(struct ac_stage *, struct ac_view *, int i,
    const char *code, const char *what);

/*
 * Flush everything, print the summary (unless quiet or own_summary) and
 * return the exit status: 3 after an I/O error, 1 when a record was
 * rejected, else 0.
 */
int ac_stage_finish(struct ac_stage *);

/* A member of a tool's own for the statistics file (v consumed; dropped
 * when there is none). */
void ac_stage_stat(struct ac_stage *, const char *key, jv v);

/*
 * A file in a role (an input, the rejects file, a journal, ...), known by
 * device and inode: fd's when fd >= 0, else name's, through symbolic
 * links, or for a name not yet created its directory and base name.
 * Returns 0 for a regular file (existing or to be), -1 for anything else,
 * which may play several roles (/dev/null, a pipe).
 */
struct ac_role {
	const char *what, *name;	/* "journal", the name as given */
	int input;			/* inputs may be the same file */
	dev_t dev;
	ino_t ino;
	char base[NAME_MAX + 1];	/* "" for an existing file */
};
int ac_role_id(struct ac_role *, const char *what, const char *name, int fd,
    int input);
/* Refuse two roles that are the same file. Returns 0, or -1 having said
 * which two on stderr. */
int ac_roles_distinct(const struct ac_role *, int n);

#endif

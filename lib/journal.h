/* SPDX-License-Identifier: MIT */
#ifndef AC_JOURNAL_H
#define AC_JOURNAL_H

#include <stddef.h>

#include "ndjson.h"

/*
 * ac-upload's journal: an append-only NDJSON file of row keys, each
 * {"state": "sent" | "done" | "answered", "key": K}. "sent" is made
 * durable before a request goes out, "done" once the API accepted the
 * row, "answered" once it refused it (so the row is known not to have
 * been delivered). For a key the last line counts, except that "done" is
 * final. Loaded into a
 * set of 16-byte key digests (SHA-256 prefixes), so memory grows with the
 * journal, not with the input. The file is locked while open.
 */
enum ac_jstate {
	AC_J_NONE,		/* never sent (also: an empty slot) */
	AC_J_ANSWERED,		/* refused by the API: send again if asked */
	AC_J_SENT,		/* sent, outcome unknown */
	AC_J_DONE		/* delivered */
};

struct ac_jslot {
	unsigned char digest[16];
	unsigned char state;	/* enum ac_jstate; AC_J_NONE: empty */
};

struct ac_journal {
	int fd;
	const char *path;
	struct ac_jslot *slot;
	size_t n, cap;		/* cap is a power of two */
	struct ac_writer w;	/* lines not yet synced */
	int readonly;
	int failed;		/* a sync failed: the file may lack lines */
};

/*
 * Open (create, mode 0600), lock and load path. readonly: load only,
 * never write (--dry-run). A torn last line, left by a process killed
 * while writing it, is cut off. Prints why and returns -1 on failure
 * (unreadable, locked by another process, a line that is not an entry).
 */
int ac_journal_open(struct ac_journal *, const char *path, int readonly);

/* The state recorded for key[0..n). */
enum ac_jstate ac_journal_get(const struct ac_journal *, const char *key,
    size_t n);

/* Record state for key[0..n): remembered now, written by the next
 * ac_journal_sync(). A done key stays done. */
void ac_journal_put(struct ac_journal *, enum ac_jstate, const char *key,
    size_t n);

/* Write out what was put and fsync. Prints why and returns -1 on error. */
int ac_journal_sync(struct ac_journal *);

/* Sync, unlock and release. Returns -1 when any sync failed. */
int ac_journal_close(struct ac_journal *);

#endif

/* SPDX-License-Identifier: MIT */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "diag.h"
#include "journal.h"

static const char *const names[] = { "", "answered", "sent", "done" };
/* How every line this module writes begins. */
#define TORN_START "{\"state\":\""


static int
digest(const char *key, size_t n, unsigned char out[16])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(key, n, md, &len, EVP_sha256(), NULL) != 1)
		return -1;
	memcpy(out, md, 16);
	return 0;
}

static size_t
slot_of(const struct ac_journal *j, const unsigned char d[16])
{
	size_t h;

	memcpy(&h, d, sizeof(h));
	return h & (j->cap - 1);
}

static struct ac_jslot *
find(const struct ac_journal *j, const unsigned char d[16])
{
	size_t i;

	for (i = slot_of(j, d);; i = (i + 1) & (j->cap - 1))
		if (j->slot[i].state == AC_J_NONE ||
		    memcmp(j->slot[i].digest, d, 16) == 0)
			return &j->slot[i];
}

static void
set(struct ac_journal *j, const unsigned char d[16], enum ac_jstate st)
{
	struct ac_jslot *s, *old;
	size_t i, oldcap;

	if (2 * (j->n + 1) > j->cap) {
		old = j->slot;
		oldcap = j->cap;
		j->cap *= 2;
		if ((j->slot = calloc(j->cap, sizeof(*j->slot))) == NULL) {
			ac_warn("journal");
			abort();
		}
		for (i = 0; i < oldcap; i++)
			if (old[i].state != AC_J_NONE)
				*find(j, old[i].digest) = old[i];
		free(old);
	}
	s = find(j, d);
	if (s->state == AC_J_NONE) {
		memcpy(s->digest, d, 16);
		j->n++;
	}
	if (s->state != AC_J_DONE)
		s->state = (unsigned char)st;
}

/* One journal line; returns -1 when it is not an entry. */
static int
load_line(struct ac_journal *j, const char *s, size_t n)
{
	char err[80];
	unsigned char d[16];
	jv v, st, key;
	int r = -1;
	enum ac_jstate state = AC_J_NONE;

	if (!ac_utf8_valid(s, n))
		return -1;
	v = ac_json_parse(s, n, NULL, err, sizeof(err));
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return -1;
	}
	st = jv_object_get(jv_copy(v), jv_string("state"));
	key = jv_object_get(v, jv_string("key"));
	if (jv_get_kind(st) == JV_KIND_STRING) {
		if (strcmp(jv_string_value(st), "sent") == 0)
			state = AC_J_SENT;
		else if (strcmp(jv_string_value(st), "done") == 0)
			state = AC_J_DONE;
		else if (strcmp(jv_string_value(st), "answered") == 0)
			state = AC_J_ANSWERED;
	}
	if (state != AC_J_NONE && jv_get_kind(key) == JV_KIND_STRING &&
	    digest(jv_string_value(key),
	    (size_t)jv_string_length_bytes(jv_copy(key)), d) == 0) {
		set(j, d, state);
		r = 0;
	}
	jv_free(st);
	jv_free(key);
	return r;
}

/*
 * Read the journal a chunk at a time, so that loading takes memory for
 * the keys, not for the file. A line longer than the buffer makes it
 * grow; keys are short, so that happens only for a damaged file.
 */
static int
load(struct ac_journal *j)
{
	size_t len = 0, cap = 1 << 16, start, i, scanned = 0;
	unsigned long line = 0;
	off_t off = 0;		/* file offset of buf[0] */
	char *buf, *p;
	ssize_t n;
	int r = -1;

	if ((buf = malloc(cap)) == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			if ((p = realloc(buf, cap * 2)) == NULL)
				goto out;
			buf = p;
			cap *= 2;
		}
		n = read(j->fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ac_warn("journal %s", j->path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		for (start = 0, i = scanned; i < len; i++) {
			if (buf[i] != '\n')
				continue;
			line++;
			if (i > start && load_line(j, buf + start,
			    i - start) == -1) {
				ac_warnx("journal %s:%lu: not a journal entry",
				    j->path, line);
				goto out;
			}
			start = i + 1;
		}
		/* Keep the unfinished line at the front. */
		memmove(buf, buf + start, len - start);
		off += (off_t)start;
		len -= start;
		scanned = len;
	}
	if (len > 0 && load_line(j, buf, len) == 0) {
		/* A whole entry without its newline (an edit): keep it. */
		if (!j->readonly && write(j->fd, "\n", 1) != 1) {
			ac_warn("journal %s", j->path);
			goto out;
		}
	} else if (len > 0 && (len > 65536 || memcmp(buf, TORN_START,
	    len < sizeof(TORN_START) - 1 ? len : sizeof(TORN_START) - 1)
	    != 0)) {
		/* Not what a write of ours leaves: not ours to cut. */
		ac_warnx("journal %s:%lu: not a journal entry", j->path,
		    line + 1);
		goto out;
	} else if (len > 0 && !j->readonly) {
		/* A line torn by a kill: its fsync never completed, so
		 * nothing was sent on its strength. */
		if (ftruncate(j->fd, off) == -1) {
			ac_warn("journal %s", j->path);
			goto out;
		}
	}
	r = 0;
out:
	free(buf);
	return r;
}

int
ac_journal_open(struct ac_journal *j, const char *path, int readonly)
{
	struct stat sb;

	memset(j, 0, sizeof(*j));
	j->path = path;
	j->readonly = readonly;
	j->cap = 1024;
	j->fd = open(path, readonly ? O_RDONLY | O_CLOEXEC :
	    O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd == -1) {
		if (readonly && errno == ENOENT) {
			j->slot = calloc(j->cap, sizeof(*j->slot));
			return j->slot == NULL ? -1 : 0;
		}
		ac_warn("journal %s", path);
		return -1;
	}
	if (fstat(j->fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		ac_warnx("journal %s: not a regular file", path);
		close(j->fd);
		return -1;
	}
	if (!readonly && flock(j->fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			ac_warnx("journal %s: in use by another process",
			    path);
		else
			ac_warn("journal %s", path);
		close(j->fd);
		return -1;
	}
	if ((j->slot = calloc(j->cap, sizeof(*j->slot))) == NULL ||
	    ac_writer_init(&j->w, j->fd) == -1 || load(j) == -1) {
		if (errno == ENOMEM)
			ac_warnx("journal %s: out of memory", path);
		free(j->slot);
		j->slot = NULL;
		if (j->w.buf != NULL)
			ac_writer_close(&j->w);
		close(j->fd);
		return -1;
	}
	return 0;
}

enum ac_jstate
ac_journal_get(const struct ac_journal *j, const char *key, size_t n)
{
	unsigned char d[16];

	if (digest(key, n, d) == -1)
		return AC_J_NONE;
	return (enum ac_jstate)find(j, d)->state;
}

void
ac_journal_put(struct ac_journal *j, enum ac_jstate st, const char *key,
    size_t n)
{
	unsigned char d[16];

	if (st == AC_J_NONE || digest(key, n, d) == -1)
		return;
	set(j, d, st);
	if (j->readonly)
		return;
	ac_write_bytes(&j->w, "{\"state\":\"", 10);
	ac_write_bytes(&j->w, names[st], strlen(names[st]));
	ac_write_bytes(&j->w, "\",\"key\":", 8);
	ac_write_string(&j->w, key, n);
	ac_write_bytes(&j->w, "}\n", 2);
}

int
ac_journal_sync(struct ac_journal *j)
{
	if (j->readonly || j->w.len == 0)
		return 0;
	if (ac_writer_flush(&j->w) == -1) {
		errno = j->w.err;
		ac_warn("journal %s", j->path);
		j->failed = 1;
		return -1;
	}
	if (fsync(j->fd) == -1) {
		ac_warn("journal %s: fsync", j->path);
		j->failed = 1;
		return -1;
	}
	return 0;
}

int
ac_journal_close(struct ac_journal *j)
{
	int r = 0;

	if (j->fd == -1 && j->slot == NULL)
		return 0;
	if (j->fd >= 0) {
		r = ac_journal_sync(j) == -1 || j->failed ? -1 : 0;
		if (!j->readonly || j->w.buf != NULL)
			ac_writer_close(&j->w);
		close(j->fd);	/* releases the lock */
	}
	free(j->slot);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	return r;
}

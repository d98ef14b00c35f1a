/* SPDX-License-Identifier: MIT */
/* ac-upload's journal: states, persistence, torn lines, the lock. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "journal.h"
#include "tap.h"

static char dir[1024];

/* dir/name into buf. */
static const char *
at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

static void
spit(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, s, n) != (ssize_t)n || close(fd) == -1) {
		perror(path);
		exit(1);
	}
}

/* The content of path as a malloc'd string, NULL when it cannot be read. */
static char *
slurp(const char *path)
{
	struct stat st;
	char *s;
	int fd;
	ssize_t r;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || (s = malloc((size_t)st.st_size + 1)) ==
	    NULL) {
		perror(path);
		exit(1);
	}
	r = read(fd, s, (size_t)st.st_size);
	close(fd);
	s[r < 0 ? 0 : r] = '\0';
	return s;
}

static long long
size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == -1 ? -1 : (long long)st.st_size;
}

static enum ac_jstate
get(const struct ac_journal *j, const char *key)
{
	return ac_journal_get(j, key, strlen(key));
}

static void
put(struct ac_journal *j, enum ac_jstate st, const char *key)
{
	ac_journal_put(j, st, key, strlen(key));
}

#define K_ORDER "1234567890|customers/1234567890/conversionActions/123|" \
	"order|A-1001"
#define K_CLICK "1234567890|customers/1234567890/conversionActions/123|gclid:" \
	"Cj0KCQiA-test|2026-01-02 03:04:05+00:00"
#define K_ODD "quote\" backslash\\ newline\n tab\t \xc3\xa9 \xe2\x82\xac"

#define BASIC_TEXT \
	"{\"state\":\"sent\",\"key\":\"" K_ORDER "\"}\n" \
	"{\"state\":\"done\",\"key\":\"" K_CLICK "\"}\n" \
	"{\"state\":\"answered\",\"key\":\"k-answered\"}\n" \
	"{\"state\":\"sent\",\"key\":\"quote\\\" backslash\\\\ newline\\n " \
	"tab\\t \xc3\xa9 \xe2\x82\xac\"}\n" \
	"{\"state\":\"done\",\"key\":\"nul\\u0000a\"}\n"

#define HAND "{\"state\":\"done\",\"key\":\"x\"}\n" \
	"{\"state\":\"sent\",\"key\":\"x\"}\n" \
	"{\"state\":\"answered\",\"key\":\"x\"}\n"

static void
basic(void)
{
	struct ac_journal j;
	struct stat st;
	char path[1100];
	char *s;

	at(path, sizeof(path), "basic.ndjson");
	if (!is_int(ac_journal_open(&j, path, 0), 0, "open a new file"))
		return;
	ok(stat(path, &st) == 0 && S_ISREG(st.st_mode), "the file is created");
	is_int(st.st_mode & 07777, 0600, "mode 0600");
	is_int(size_of(path), 0, "a new journal is empty");
	is_int(get(&j, K_ORDER), AC_J_NONE, "an unknown key is AC_J_NONE");

	put(&j, AC_J_SENT, K_ORDER);
	put(&j, AC_J_DONE, K_CLICK);
	put(&j, AC_J_ANSWERED, "k-answered");
	put(&j, AC_J_SENT, K_ODD);
	ac_journal_put(&j, AC_J_DONE, "nul\0a", 5);
	ac_journal_put(&j, AC_J_NONE, "k-none", 6);
	is_int(size_of(path), 0, "nothing is written before sync");
	is_int(get(&j, K_ORDER), AC_J_SENT, "sent, before sync");
	is_int(get(&j, K_CLICK), AC_J_DONE, "done, before sync");
	is_int(get(&j, "k-answered"), AC_J_ANSWERED, "answered, before sync");
	is_int(get(&j, "k-none"), AC_J_NONE, "putting AC_J_NONE does nothing");
	is_int(ac_journal_sync(&j), 0, "sync");
	s = slurp(path);
	is_str(s, BASIC_TEXT, "the lines written");
	free(s);
	is_int(ac_journal_sync(&j), 0, "sync with nothing new");
	is_int(ac_journal_close(&j), 0, "close");
	is_int(ac_journal_close(&j), 0, "close again does nothing");

	if (!is_int(ac_journal_open(&j, path, 0), 0, "reopen"))
		return;
	is_int(get(&j, K_ORDER), AC_J_SENT, "sent survives");
	is_int(get(&j, K_CLICK), AC_J_DONE, "done survives");
	is_int(get(&j, "k-answered"), AC_J_ANSWERED, "answered survives");
	is_int(get(&j, K_ODD), AC_J_SENT, "a key with quotes, controls, "
	    "UTF-8 survives");
	is_int(ac_journal_get(&j, "nul\0a", 5), AC_J_DONE,
	    "a key with a NUL survives");
	is_int(get(&j, "nul"), AC_J_NONE, "... and differs from its prefix");
	is_int(get(&j, "k-none"), AC_J_NONE, "a key never put");
	is_int(get(&j, ""), AC_J_NONE, "the empty key");
	is_int((long long)j.n, 5, "five keys loaded");
	is_int(ac_journal_close(&j), 0, "close after reopen");
	is_int(size_of(path), (long long)strlen(BASIC_TEXT),
	    "a reopen without puts writes nothing");
}

static void
final_done(void)
{
	struct ac_journal j;
	char path[1100];

	at(path, sizeof(path), "final.ndjson");
	if (!is_int(ac_journal_open(&j, path, 0), 0, "final: open"))
		return;
	put(&j, AC_J_DONE, "k1");
	put(&j, AC_J_SENT, "k1");
	put(&j, AC_J_ANSWERED, "k1");
	is_int(get(&j, "k1"), AC_J_DONE, "done then sent, answered: done");
	put(&j, AC_J_SENT, "k2");
	put(&j, AC_J_ANSWERED, "k2");
	is_int(get(&j, "k2"), AC_J_ANSWERED, "sent then answered: answered");
	put(&j, AC_J_ANSWERED, "k3");
	put(&j, AC_J_SENT, "k3");
	is_int(get(&j, "k3"), AC_J_SENT, "answered then sent: sent");
	put(&j, AC_J_SENT, "k4");
	put(&j, AC_J_DONE, "k4");
	is_int(get(&j, "k4"), AC_J_DONE, "sent then done: done");
	is_int((long long)j.n, 4, "four keys");
	is_int(ac_journal_close(&j), 0, "final: close syncs");

	if (!is_int(ac_journal_open(&j, path, 0), 0, "final: reopen"))
		return;
	is_int(get(&j, "k1"), AC_J_DONE, "reloaded: done stays done");
	is_int(get(&j, "k2"), AC_J_ANSWERED, "reloaded: answered");
	is_int(get(&j, "k3"), AC_J_SENT, "reloaded: the last line counts");
	is_int(get(&j, "k4"), AC_J_DONE, "reloaded: done");
	put(&j, AC_J_SENT, "k1");
	is_int(get(&j, "k1"), AC_J_DONE, "reloaded done stays done");
	ac_journal_close(&j);

	/* A done line before a sent line of the same key, written by hand. */
	spit(path, HAND, strlen(HAND));
	if (!is_int(ac_journal_open(&j, path, 0), 0, "final: hand-written"))
		return;
	is_int(get(&j, "x"), AC_J_DONE, "hand-written: done is final");
	ac_journal_close(&j);
}

#define GOOD1 "{\"state\":\"done\",\"key\":\"k-good1\"}\n"
#define GOOD2 "{\"state\":\"sent\",\"key\":\"k-good2\"}\n"

static void
torn(void)
{
	/* What a write of ours torn by a kill can leave. */
	static const char *const tails[] = {
		"{\"state\":\"done\",\"key\":\"k-to",
		"{\"state\":\"do",
		"{",
	};
	struct ac_journal j;
	char path[1100], *s;
	size_t i;
	size_t good = strlen(GOOD1 GOOD2);

	at(path, sizeof(path), "torn.ndjson");
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char text[256];

		snprintf(text, sizeof(text), "%s%s", GOOD1 GOOD2, tails[i]);
		spit(path, text, strlen(text));

		/* Read-only: loads the rest, leaves the file alone. */
		if (!is_int(ac_journal_open(&j, path, 1), 0,
		    "torn '%s': readonly open", tails[i]))
			continue;
		is_int(get(&j, "k-good2"), AC_J_SENT,
		    "torn '%s': readonly loads the rest", tails[i]);
		is_int(get(&j, "k-torn"), AC_J_NONE,
		    "torn '%s': readonly ignores the torn line", tails[i]);
		ac_journal_close(&j);
		is_int(size_of(path), (long long)strlen(text),
		    "torn '%s': readonly does not cut", tails[i]);

		if (!is_int(ac_journal_open(&j, path, 0), 0,
		    "torn '%s': open", tails[i]))
			continue;
		is_int(size_of(path), (long long)good,
		    "torn '%s': the last line is cut", tails[i]);
		is_int(get(&j, "k-good1"), AC_J_DONE,
		    "torn '%s': first line loaded", tails[i]);
		is_int(get(&j, "k-good2"), AC_J_SENT,
		    "torn '%s': second line loaded", tails[i]);
		is_int(get(&j, "k-torn"), AC_J_NONE,
		    "torn '%s': the torn key is not known", tails[i]);
		put(&j, AC_J_DONE, "k-new");
		is_int(ac_journal_close(&j), 0, "torn '%s': close", tails[i]);
		s = slurp(path);
		is_str(s,
		    GOOD1 GOOD2 "{\"state\":\"done\",\"key\":\"k-new\"}\n",
		    "torn '%s': new lines follow the good ones", tails[i]);
		free(s);
		if (!is_int(ac_journal_open(&j, path, 0), 0,
		    "torn '%s': reopen", tails[i]))
			continue;
		is_int(get(&j, "k-new"), AC_J_DONE, "torn '%s': new key loaded",
		    tails[i]);
		ac_journal_close(&j);
	}

	/* A whole entry without its newline (an edit) is kept, and the
	 * newline added; a tail that no write of ours leaves is not cut:
	 * the file may not be a journal at all. */
	spit(path, GOOD1 "{\"state\":\"done\",\"key\":\"k-whole\"}",
	    strlen(GOOD1) + 32);
	if (is_int(ac_journal_open(&j, path, 0), 0, "whole last line: open")) {
		is_int(get(&j, "k-whole"), AC_J_DONE,
		    "whole last line: loaded");
		ac_journal_close(&j);
		s = slurp(path);
		is_str(s, GOOD1 "{\"state\":\"done\",\"key\":\"k-whole\"}\n",
		    "whole last line: kept, newline added");
		free(s);
	}
	spit(path, GOOD1 "notes without a newline", strlen(GOOD1) + 23);
	is_int(ac_journal_open(&j, path, 0), -1,
	    "a foreign last line: open fails");
	is_int(size_of(path), (long long)strlen(GOOD1) + 23,
	    "a foreign last line: the file is left alone");
	spit(path, "my only line", 12);
	is_int(ac_journal_open(&j, path, 0), -1,
	    "a file that is no journal: open fails");
	is_int(size_of(path), 12, "a file that is no journal: not emptied");

	/* Blank lines are no entries but no errors either. */
	spit(path, GOOD1 "\n\n" GOOD2 "\n", strlen(GOOD1 GOOD2) + 3);
	if (is_int(ac_journal_open(&j, path, 0), 0,
	    "blank lines are skipped")) {
		is_int(get(&j, "k-good2"), AC_J_SENT, "the line after blanks");
		ac_journal_close(&j);
	}
}

static void
malformed(void)
{
	static const char *const mid[] = {
		"garbage\n",
		"{\"state\":\"lost\",\"key\":\"k\"}\n",
		"{\"state\":\"sent\"}\n",
		"{\"key\":\"k\"}\n",
		"{\"state\":\"sent\",\"key\":5}\n",
		"{\"state\":\"SENT\",\"key\":\"k\"}\n",
		"[\"sent\",\"k\"]\n",
		"{\"state\":\"sent\",\"key\":\"\xff\"}\n",
		"{\"state\":\"sent\",\"key\":\"k\"} {}\n",
		"{\"state\":\"sent\",\"key\":\"k\"\n",
	};
	struct ac_journal j;
	char path[1100], text[256], line[64];
	size_t i;

	at(path, sizeof(path), "malformed.ndjson");
	for (i = 0; i < sizeof(mid) / sizeof(mid[0]); i++) {
		snprintf(line, sizeof(line), "%s", mid[i]);
		line[strcspn(line, "\n")] = '\0';
		snprintf(text, sizeof(text), "%s%s%s", GOOD1, mid[i], GOOD2);
		spit(path, text, strlen(text));
		is_int(ac_journal_open(&j, path, 0), -1,
		    "a malformed middle line '%s': open fails", line);
		is_int(ac_journal_open(&j, path, 1), -1,
		    "a malformed middle line '%s': readonly open fails", line);
		is_int(size_of(path), (long long)strlen(text),
		    "a malformed middle line '%s': the file is left alone",
		    line);
	}
	/* The failed open let go of the lock. */
	spit(path, GOOD1, strlen(GOOD1));
	if (is_int(ac_journal_open(&j, path, 0), 0, "open after a failed "
	    "open"))
		ac_journal_close(&j);
}

static void
locked(void)
{
	struct ac_journal j, k;
	char path[1100];
	pid_t pid;
	int status;

	at(path, sizeof(path), "locked.ndjson");
	if (!is_int(ac_journal_open(&j, path, 0), 0, "lock: first open"))
		return;
	put(&j, AC_J_DONE, "k-locked");
	ac_journal_sync(&j);
	is_int(ac_journal_open(&k, path, 0), -1, "lock: a second open fails");

	/* Another process. */
	fflush(stdout);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		struct ac_journal c;

		_exit(ac_journal_open(&c, path, 0) == -1 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "lock: another process cannot open it");

	/* A read-only open (--dry-run) takes no lock. */
	if (is_int(ac_journal_open(&k, path, 1), 0,
	    "lock: a readonly open works while locked")) {
		is_int(get(&k, "k-locked"), AC_J_DONE,
		    "lock: readonly sees it");
		ac_journal_close(&k);
	}
	is_int(ac_journal_close(&j), 0, "lock: close");
	if (is_int(ac_journal_open(&k, path, 0), 0,
	    "lock: open after close works")) {
		is_int(get(&k, "k-locked"), AC_J_DONE, "lock: key reloaded");
		ac_journal_close(&k);
	}
}

static void
readonly(void)
{
	struct ac_journal j;
	char path[1100];

	at(path, sizeof(path), "missing.ndjson");
	if (!is_int(ac_journal_open(&j, path, 1), 0,
	    "readonly: a missing file opens"))
		return;
	is_int((long long)j.n, 0, "readonly: it is empty");
	is_int(get(&j, K_ORDER), AC_J_NONE, "readonly: no key");
	put(&j, AC_J_DONE, K_ORDER);
	is_int(get(&j, K_ORDER), AC_J_DONE, "readonly: put is remembered");
	is_int(ac_journal_sync(&j), 0, "readonly: sync");
	is_int(ac_journal_close(&j), 0, "readonly: close");
	ok(size_of(path) == -1 && errno == ENOENT,
	    "readonly: the file is not created");

	/* An existing file is never written. */
	at(path, sizeof(path), "ro.ndjson");
	spit(path, GOOD1, strlen(GOOD1));
	if (!is_int(ac_journal_open(&j, path, 1), 0, "readonly: existing"))
		return;
	is_int(get(&j, "k-good1"), AC_J_DONE, "readonly: loaded");
	put(&j, AC_J_SENT, "k-ro");
	is_int(ac_journal_sync(&j), 0, "readonly: sync existing");
	is_int(ac_journal_close(&j), 0, "readonly: close existing");
	is_int(size_of(path), (long long)strlen(GOOD1),
	    "readonly: nothing written");

	at(path, sizeof(path), "no/such/dir.ndjson");
	is_int(ac_journal_open(&j, path, 0), -1,
	    "open in a missing directory fails");
	is_int(ac_journal_open(&j, dir, 0), -1, "open of a directory fails");
}

/* A write error (here: the file size limit, as a full disk) tears the
 * last line; the error stays; the next open cuts the torn line. */
static void
write_error(void)
{
	struct ac_journal j;
	struct rlimit old, lim;
	char path[1100], big[600];
	long long before;
	int r;

	at(path, sizeof(path), "full.ndjson");
	if (!is_int(ac_journal_open(&j, path, 0), 0, "full: open"))
		return;
	put(&j, AC_J_DONE, "k-before");
	is_int(ac_journal_sync(&j), 0, "full: first sync");
	before = size_of(path);

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)before + 100;
	if (setrlimit(RLIMIT_FSIZE, &lim) == -1) {
		perror("setrlimit");
		exit(1);
	}
	put(&j, AC_J_SENT, big);
	r = ac_journal_sync(&j);
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(r, -1, "full: sync fails");
	is_int(size_of(path), before + 100, "full: a torn line was left");
	is_int(get(&j, big), AC_J_SENT, "full: the put is still remembered");
	ok(ac_journal_close(&j) == -1, "full: close reports the failed sync");

	if (!is_int(ac_journal_open(&j, path, 0), 0, "full: reopen"))
		return;
	is_int(size_of(path), before, "full: the torn line is cut");
	is_int(get(&j, "k-before"), AC_J_DONE, "full: the line before loads");
	is_int(get(&j, big), AC_J_NONE, "full: the torn key is unknown");

	/* The error is sticky: later syncs fail too. */
	lim.rlim_cur = (rlim_t)before + 10;
	setrlimit(RLIMIT_FSIZE, &lim);
	put(&j, AC_J_SENT, "k-after1");
	r = ac_journal_sync(&j);
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(r, -1, "full: sync fails again");
	put(&j, AC_J_SENT, "k-after2");
	is_int(ac_journal_sync(&j), -1, "full: a failed journal stays failed");
	ok(ac_journal_close(&j) == -1, "full: close reports it");
	signal(SIGXFSZ, SIG_DFL);
}

static void
many(void)
{
	static const enum ac_jstate cycle[] = {
		AC_J_SENT, AC_J_DONE, AC_J_ANSWERED
	};
	enum { N = 100000 };
	struct ac_journal j;
	char path[1100], key[128];
	clock_t t0;
	int i, wrong = 0;

	at(path, sizeof(path), "many.ndjson");
	if (!is_int(ac_journal_open(&j, path, 0), 0, "many: open"))
		return;
	t0 = clock();
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "1234567890|customers/1234567890/"
		    "conversionActions/123|order|ORD-%06d", i);
		put(&j, cycle[i % 3], key);
	}
	is_int((long long)j.n, N, "many: %d keys put", N);
	is_int(ac_journal_close(&j), 0, "many: close");

	if (!is_int(ac_journal_open(&j, path, 0), 0, "many: reopen"))
		return;
	is_int((long long)j.n, N, "many: %d keys loaded", N);
	ok((j.cap & (j.cap - 1)) == 0 && j.cap >= 2 * j.n,
	    "many: the table is a power of two at most half full");
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "1234567890|customers/1234567890/"
		    "conversionActions/123|order|ORD-%06d", i);
		wrong += get(&j, key) != cycle[i % 3];
	}
	is_int(wrong, 0, "many: every key has its state");
	is_int(get(&j, "1234567890|customers/1234567890/conversionActions/"
	    "123|order|ORD-100000"), AC_J_NONE, "many: a key not put");
	is_int(get(&j, "ORD-000001"), AC_J_NONE, "many: another key not put");
	ac_journal_close(&j);
	diag("many: %.2f s of CPU", (double)(clock() - t0) / CLOCKS_PER_SEC);
}

/* Remove dir and the files in it (no subdirectories are made). */
static void
cleanup(void)
{
	char path[1400];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir(dir) == -1)
		perror(dir);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	ac_setprogname("t_journal");
	umask(022);
	snprintf(dir, sizeof(dir), "%s/t_journal.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	basic();
	final_done();
	torn();
	malformed();
	locked();
	readonly();
	write_error();
	many();
	cleanup();
	return done_testing();
}

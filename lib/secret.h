/* SPDX-License-Identifier: MIT */
#ifndef AC_SECRET_H
#define AC_SECRET_H

/*
 * Secrets (tokens, keys) come from files or the environment, never from
 * argv. They are never printed: messages name the file, not the content.
 */

/*
 * The secret in file path: its first line, without the newline and the
 * blanks around it. Warns when the file can be read by group or others.
 * Returns a malloc'ed string to release with ac_secret_free(), or NULL
 * after printing why (empty, unreadable, control characters).
 */
char *ac_secret_read(const char *path);

/*
 * The secret in environment variable name (first line, trimmed), copied;
 * NULL when it is unset or empty. *bad is set when it is set but holds
 * control characters (then NULL is returned and a message printed).
 */
char *ac_secret_env(const char *name, int *bad);

/* Wipe and free a secret. NULL is allowed. */
void ac_secret_free(char *);

#endif

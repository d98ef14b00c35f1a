/* SPDX-License-Identifier: MIT */
#ifndef AC_DTIME_H
#define AC_DTIME_H

#include <stddef.h>

#include <jv.h>

/*
 * Conversion timestamps. Google's form is "yyyy-mm-dd hh:mm:ss+hh:mm";
 * accepted input is RFC 3339 / ISO 8601 with "T" or a space, optional
 * seconds and fraction (truncated), and "Z", "+hh:mm", "+hhmm" or "+hh"
 * or no offset at all.
 */

struct ac_civil {
	int year, mon, day, hour, min, sec;
	int has_off;		/* the text carried an offset */
	int off;		/* seconds east of UTC, when has_off */
};

/* Parse s[0..n). Returns NULL or the reason code "time_invalid". */
const char *ac_time_parse(const char *s, size_t n, struct ac_civil *);

/* Seconds since the epoch for a civil time at a fixed offset. */
long long ac_time_epoch(const struct ac_civil *, int off);

/*
 * Seconds since the epoch for a civil time without offset, read in the
 * process time zone (TZ). A local time that does not exist (skipped by a
 * daylight-saving change) gives "time_nonexistent"; a repeated one is
 * taken at its first occurrence.
 */
const char *ac_time_local(const struct ac_civil *, long long *t);

/* Offset of the process time zone at t, in seconds east of UTC. */
int ac_time_zone_offset(long long t);

/* Write t at offset off in Google's form to buf (at least 32 bytes). */
void ac_time_format(char *buf, size_t len, long long t, int off);

/*
 * A time from a record, v (borrowed: a string or a number), in Google's
 * form in out (at least 32 bytes). Numbers and digit strings count epoch
 * seconds, or milliseconds from 10^11 up; other strings are read with
 * ac_time_parse. With use_tz the result carries the offset of the process
 * time zone (TZ, the advertiser's zone) and a time without offset is read
 * in it; without, a string keeps its offset, a number is UTC and a time
 * without offset is refused. in_tz, when not NULL, is the zone a time
 * without offset is read in instead (IANA name; without use_tz such a
 * time keeps the offset of in_tz). A time more than skew seconds after
 * now is refused, and so is one before AC_TIME_MIN. Returns NULL, or a
 * reason code (time_missing, time_invalid, time_no_offset,
 * time_nonexistent, time_future) with a message naming no value in msg.
 */
#define AC_TIME_MIN 946684800LL	/* 2000-01-01T00:00:00Z */

const char *ac_time_value(jv v, int use_tz, const char *in_tz, long long now,
    long long skew, char *out, size_t outlen, char *msg, size_t msglen);

/* Nonzero when name is an IANA zone found in the zoneinfo database. */
int ac_time_zone_exists(const char *name);

/*
 * The clock of the network tools: AC_NOW (tests only; seconds since the
 * epoch, 1 to 4102444800) when set and not empty, else time(2). Returns
 * 1 when AC_NOW set it, 0 when it is unset, -1 when it is not a valid
 * number (then *now is time(2) and *errstr says why).
 */
int ac_time_env_now(long long *now, const char **errstr);

/* Milliseconds on the monotonic clock, for timeouts and waits. */
long long ac_clock_ms(void);

/* Sleep ms milliseconds (nothing when ms <= 0), through EINTR. */
void ac_sleep_ms(long long ms);

#endif

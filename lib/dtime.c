/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtime.h"
#include "opt.h"
#include "field.h"

static int
digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
	size_t i;
	int v = 0;

	if (at + count > n)
		return -1;
	for (i = at; i < at + count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

const char *
ac_time_parse(const char *s, size_t n, struct ac_civil *c)
{
	size_t i;
	int oh, om = 0, sign;

	memset(c, 0, sizeof(*c));
	s = ac_trim(s, &n);
	if (digits(s, n, 0, 4, &c->year) || n < 16 || s[4] != '-' ||
	    digits(s, n, 5, 2, &c->mon) || s[7] != '-' ||
	    digits(s, n, 8, 2, &c->day) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s, n, 11, 2, &c->hour) || s[13] != ':' ||
	    digits(s, n, 14, 2, &c->min))
		return "time_invalid";
	i = 16;
	if (i < n && s[i] == ':') {
		if (digits(s, n, 17, 2, &c->sec))
			return "time_invalid";
		i = 19;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			/* A fraction is truncated, never rounded. */
			if (++i >= n || s[i] < '0' || s[i] > '9')
				return "time_invalid";
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
		}
	}
	if (i < n && s[i] == ' ')
		i++;		/* "2026-04-23 14:31:09 +02:00" */
	if (i == n) {
		c->has_off = 0;
	} else if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
		c->has_off = 1;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		if (digits(s, n, i + 1, 2, &oh))
			return "time_invalid";
		i += 3;
		if (i < n && s[i] == ':' && ++i == n)
			return "time_invalid";
		if (i < n && digits(s, n, i, 2, &om))
			return "time_invalid";
		if (i < n)
			i += 2;
		if (i != n || oh > 23 || om > 59)
			return "time_invalid";
		c->has_off = 1;
		c->off = sign * (oh * 3600 + om * 60);
	} else {
		return "time_invalid";
	}
	if (c->year < 1970 || c->mon < 1 || c->mon > 12 || c->day < 1 ||
	    c->day > days_in_month(c->year, c->mon) || c->hour > 23 ||
	    c->min > 59 || c->sec > 59)
		return "time_invalid";
	return NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

long long
ac_time_epoch(const struct ac_civil *c, int off)
{
	return days_from_civil(c->year, c->mon, c->day) * 86400LL +
	    c->hour * 3600 + c->min * 60 + c->sec - off;
}

const char *
ac_time_local(const struct ac_civil *c, long long *t)
{
	struct tm tm, back;
	time_t cand;
	long long best = 0;
	int isdst, found = 0;

	/* Try the time as standard and as daylight time; keep those that
	 * read back unchanged, and the earlier of two. */
	for (isdst = 0; isdst <= 1; isdst++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = c->year - 1900;
		tm.tm_mon = c->mon - 1;
		tm.tm_mday = c->day;
		tm.tm_hour = c->hour;
		tm.tm_min = c->min;
		tm.tm_sec = c->sec;
		tm.tm_isdst = isdst;
		cand = mktime(&tm);
		if (cand == (time_t)-1 || localtime_r(&cand, &back) == NULL)
			continue;
		if (back.tm_year != c->year - 1900 || back.tm_mon != c->mon - 1 ||
		    back.tm_mday != c->day || back.tm_hour != c->hour ||
		    back.tm_min != c->min || back.tm_sec != c->sec)
			continue;
		if (!found || (long long)cand < best)
			best = (long long)cand;
		found = 1;
	}
	if (!found)
		return "time_nonexistent";
	*t = best;
	return NULL;
}

int
ac_time_zone_offset(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int)tm.tm_gmtoff;
}

static char *
put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

void
ac_time_format(char *buf, size_t len, long long t, int off)
{
	time_t tt = (time_t)(t + off);
	struct tm tm;
	int a = off < 0 ? -off : off;
	char *p = buf;

	/* By hand: this runs once per record and snprintf is slow. */
	if (len < 26 || gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	p = put2(p, (tm.tm_year + 1900) / 100);
	p = put2(p, (tm.tm_year + 1900) % 100);
	*p++ = '-';
	p = put2(p, tm.tm_mon + 1);
	*p++ = '-';
	p = put2(p, tm.tm_mday);
	*p++ = ' ';
	p = put2(p, tm.tm_hour);
	*p++ = ':';
	p = put2(p, tm.tm_min);
	*p++ = ':';
	p = put2(p, tm.tm_sec);
	*p++ = off < 0 ? '-' : '+';
	p = put2(p, a / 3600);
	*p++ = ':';
	p = put2(p, a % 3600 / 60);
	*p = '\0';
}

/* Nonzero for the names of UTC itself. */
static int
utc_name(const char *zone)
{
	return strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0 ||
	    strcmp(zone, "Etc/GMT") == 0 || strcmp(zone, "GMT") == 0;
}

/* Set TZ to zone (NULL: unset) and make the C library read it. */
static void
set_zone(const char *zone)
{
	if (zone != NULL)
		setenv("TZ", zone, 1);
	else
		unsetenv("TZ");
	tzset();
}

/*
 * In zone: the civil time c read as local time into *t, or, when c is
 * NULL, the offset at `at` into *off; the process zone is put back after.
 * A zone other than TZ costs reading its file twice, so a caller with one
 * zone sets TZ.
 */
static const char *
in_zone(const char *zone, const struct ac_civil *c, long long *t, int *off,
    long long at)
{
	const char *cur = getenv("TZ"), *why = NULL;
	char *saved = NULL;

	if (cur != NULL && strcmp(cur, zone) == 0) {
		if (c != NULL)
			return ac_time_local(c, t);
		*off = ac_time_zone_offset(at);
		return NULL;
	}
	if (cur != NULL && (saved = strdup(cur)) == NULL)
		return "time_invalid";	/* out of memory */
	set_zone(zone);
	if (c != NULL)
		why = ac_time_local(c, t);
	else
		*off = ac_time_zone_offset(at);
	set_zone(saved);
	free(saved);
	return why;
}

/* A time without offset read in zone (NULL: the process zone). */
static const char *
local_in(const struct ac_civil *c, const char *zone, long long *t)
{
	if (zone == NULL)
		return ac_time_local(c, t);
	if (utc_name(zone)) {
		*t = ac_time_epoch(c, 0);
		return NULL;
	}
	return in_zone(zone, c, t, NULL, 0);
}

/* The offset of zone at t. */
static int
zone_offset_in(const char *zone, long long t)
{
	int off = 0;

	(void)in_zone(zone, NULL, NULL, &off, t);
	return off;
}

const char *
ac_time_value(jv v, int use_tz, const char *in_tz, long long now,
    long long skew, char *out, size_t outlen, char *msg, size_t msglen)
{
	struct ac_civil c;
	const char *s, *why;
	long long t;
	double d;
	size_t n;
	int off = 0;

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		snprintf(msg, msglen, "missing");
		return "time_missing";
	case JV_KIND_NUMBER:
		d = jv_number_value(v);
		if (!isfinite(d) || d < 0 || d >= 1e16) {
			snprintf(msg, msglen, "not an epoch time");
			return "time_invalid";
		}
		/* Epoch seconds until the year 5138, milliseconds above. */
		t = (long long)(d >= 1e11 ? floor(d / 1000) : floor(d));
		off = use_tz ? ac_time_zone_offset(t) : 0;
		break;
	case JV_KIND_STRING:
		s = jv_string_value(v);
		n = (size_t)jv_string_length_bytes(jv_copy(v));
		if (n > 0 && n <= 15 && strspn(s, "0123456789") == n) {
			/* Epoch seconds or milliseconds, as text (CSV). */
			d = strtod(s, NULL);
			t = (long long)(d >= 1e11 ? floor(d / 1000) : d);
			off = use_tz ? ac_time_zone_offset(t) : 0;
			break;
		}
		if ((why = ac_time_parse(s, n, &c)) != NULL) {
			snprintf(msg, msglen, "expected RFC 3339, "
			    "yyyy-mm-dd hh:mm:ss+hh:mm or epoch seconds");
			return why;
		}
		if (c.has_off) {
			t = ac_time_epoch(&c, c.off);
			off = use_tz ? ac_time_zone_offset(t) : c.off;
		} else if (!use_tz && in_tz == NULL) {
			snprintf(msg, msglen, "no UTC offset; give --timezone "
			    "or --input-timezone to read it");
			return "time_no_offset";
		} else if ((why = local_in(&c, in_tz, &t)) != NULL) {
			snprintf(msg, msglen, "local time skipped by a "
			    "daylight-saving change in %s", in_tz != NULL ?
			    "--input-timezone" : "--timezone");
			return why;
		} else if (use_tz) {
			off = ac_time_zone_offset(t);
		} else {
			/* As written: at the offset of its own zone. */
			off = utc_name(in_tz) ? 0 : zone_offset_in(in_tz, t);
		}
		break;
	default:
		snprintf(msg, msglen, "expected string or number, got %s",
		    jv_kind_name(jv_get_kind(v)));
		return "time_invalid";
	}
	if (t > now + skew) {
		snprintf(msg, msglen, "in the future");
		return "time_future";
	}
	/* Google Ads began in 2000: an earlier time is a wrong unit or a
	 * date mistaken for epoch seconds ("20260423"), never a click. */
	if (t < AC_TIME_MIN) {
		snprintf(msg, msglen, "before 2000, so not a conversion time");
		return "time_invalid";
	}
	ac_time_format(out, outlen, t, off);
	return NULL;
}

int
ac_time_zone_exists(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[4096], magic[4];
	FILE *fp;
	int ok;

	if (name[0] == '\0' || name[0] == '/' || name[0] == ':' ||
	    strstr(name, "..") != NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s",
	    dir != NULL && *dir != '\0' ? dir : "/usr/share/zoneinfo", name);
	/* A directory such as "Europe" exists too: require a TZif file. */
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	ok = fread(magic, 1, 4, fp) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(fp);
	return ok;
}

long long
ac_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ac_time_env_now(long long *now, const char **errstr)
{
	const char *e = getenv("AC_NOW");
	long long v;

	*now = (long long)time(NULL);
	*errstr = NULL;
	if (e == NULL || *e == '\0')
		return 0;
	v = ac_strtonum(e, 1, 4102444800LL, errstr);
	if (*errstr != NULL)
		return -1;
	*now = v;
	return 1;
}

void
ac_sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

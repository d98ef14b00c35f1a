/* SPDX-License-Identifier: MIT */
/* Conversion timestamps: parsing, epochs, Google's format, local time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtime.h"
#include "tap.h"

#define T0 1776947469LL		/* 2026-04-23T12:31:09Z */

static const struct {
	const char *s;
	int year, mon, day, hour, min, sec;
	int has_off, off;
} good[] = {
	{ "2026-04-23T12:31:09Z", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23t12:31:09z", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23 12:31:09Z", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23T12:31:09", 2026, 4, 23, 12, 31, 9, 0, 0 },
	{ "2026-04-23 12:31:09", 2026, 4, 23, 12, 31, 9, 0, 0 },
	{ "2026-04-23T12:31", 2026, 4, 23, 12, 31, 0, 0, 0 },
	{ "2026-04-23T12:31Z", 2026, 4, 23, 12, 31, 0, 1, 0 },
	{ "2026-04-23T12:31+02:00", 2026, 4, 23, 12, 31, 0, 1, 7200 },
	{ "2026-04-23T14:31:09+02:00", 2026, 4, 23, 14, 31, 9, 1, 7200 },
	{ "2026-04-23 14:31:09+02:00", 2026, 4, 23, 14, 31, 9, 1, 7200 },
	{ "2026-04-23 14:31:09 +02:00", 2026, 4, 23, 14, 31, 9, 1, 7200 },
	{ "2026-04-23T14:31:09+0200", 2026, 4, 23, 14, 31, 9, 1, 7200 },
	{ "2026-04-23T14:31:09+02", 2026, 4, 23, 14, 31, 9, 1, 7200 },
	{ "2026-04-23T07:31:09-05:00", 2026, 4, 23, 7, 31, 9, 1, -18000 },
	{ "2026-04-23T18:01:09+05:30", 2026, 4, 23, 18, 1, 9, 1, 19800 },
	{ "2026-04-23T09:01:09-03:30", 2026, 4, 23, 9, 1, 9, 1, -12600 },
	{ "2026-04-23T09:01:09-0330", 2026, 4, 23, 9, 1, 9, 1, -12600 },
	{ "2026-04-23T12:31:09+00:00", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23T12:31:09-00:00", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23T12:31:09+23:59", 2026, 4, 23, 12, 31, 9, 1, 86340 },
	{ "2026-04-23T12:31:09-23:59", 2026, 4, 23, 12, 31, 9, 1, -86340 },
	/* Fractions are truncated, never rounded. */
	{ "2026-04-23T12:31:09.1Z", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23T12:31:09.999Z", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23T12:31:09,5Z", 2026, 4, 23, 12, 31, 9, 1, 0 },
	{ "2026-04-23T12:31:59.999999999+01:00", 2026, 4, 23, 12, 31, 59, 1,
	    3600 },
	{ "2026-04-23 12:31:09.123456", 2026, 4, 23, 12, 31, 9, 0, 0 },
	{ "2026-12-31T23:59:59.9Z", 2026, 12, 31, 23, 59, 59, 1, 0 },
	/* Calendar edges. */
	{ "2024-02-29T00:00:00Z", 2024, 2, 29, 0, 0, 0, 1, 0 },
	{ "2000-02-29T00:00:00Z", 2000, 2, 29, 0, 0, 0, 1, 0 },
	{ "2026-01-31T00:00:00Z", 2026, 1, 31, 0, 0, 0, 1, 0 },
	{ "2026-02-28T23:59:59Z", 2026, 2, 28, 23, 59, 59, 1, 0 },
	{ "2026-04-30T00:00:00Z", 2026, 4, 30, 0, 0, 0, 1, 0 },
	{ "1970-01-01T00:00:00Z", 1970, 1, 1, 0, 0, 0, 1, 0 },
};

static const char *const bad[] = {
	"",
	"now",
	"2026-04-23",			/* missing time */
	"2026-04-23T",
	"2026-04-23T12",
	"2026-04-23T12:3",
	"2026-04-23T12:31:",
	"2026-04-23T12:31:9",
	"2026-13-01T00:00:00Z",
	"2026-00-10T00:00:00Z",
	"2026-04-00T00:00:00Z",
	"2026-04-31T00:00:00Z",
	"2026-06-31T00:00:00Z",
	"2026-01-32T00:00:00Z",
	"2026-02-29T00:00:00Z",		/* 2026 is not a leap year */
	"2100-02-29T00:00:00Z",		/* nor is 2100 */
	"2026-02-30T00:00:00Z",
	"2026-04-23T24:00:00Z",
	"2026-04-23T12:60:00Z",
	"2026-04-23T12:31:60Z",		/* no leap seconds */
	"2026-04-23T12:31:09Zjunk",
	"2026-04-23T12:31:09 junk",
	"2026-04-23T12:31:09x",
	"2026-04-23T12:31:09ZZ",
	"2026-04-23T12:31:09+02:00Z",
	"2026-04-23T12:31:09+24:00",
	"2026-04-23T12:31:09-24:00",
	"2026-04-23T12:31:09+02:60",
	"2026-04-23T12:31:09+",
	"2026-04-23T12:31:09+2",
	"2026-04-23T12:31:09+02:",
	"2026-04-23T12:31:09+02:0",
	"2026-04-23T12:31:09+020",
	"2026-04-23T12:31:09+02:00:00",
	"2026-04-23T12:31:09+ab:cd",
	"2026-04-23T12:31:09.",
	"2026-04-23T12:31:09.Z",
	"2026-04-23T12:31:09.5x",
	"2026-04-23X12:31:09Z",
	"2026-04-23_12:31:09Z",
	"2026/04/23 12:31:09",
	"2026-4-23T12:31:09Z",
	"2026-04-3T12:31:09Z",
	"26-04-23T12:31:09Z",
	"+2026-04-23T12:31:09Z",
	"2026-04-23T1:31:09Z",
	"2026-04-23T12-31-09Z",
	"2026-O4-23T12:31:09Z",
	"20260423T123109Z",
	"2026-04-23T12:31:09\n",
};

static void
parsing(void)
{
	struct ac_civil c;
	const char *rc;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rc = ac_time_parse(good[i].s, strlen(good[i].s), &c);
		if (!is_str(rc, NULL, "parse \"%s\"", good[i].s))
			continue;
		ok(c.year == good[i].year && c.mon == good[i].mon &&
		    c.day == good[i].day && c.hour == good[i].hour &&
		    c.min == good[i].min && c.sec == good[i].sec,
		    "parse \"%s\": fields", good[i].s);
		ok(c.has_off == good[i].has_off &&
		    (!c.has_off || c.off == good[i].off),
		    "parse \"%s\": offset", good[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_str(ac_time_parse(bad[i], strlen(bad[i]), &c),
		    "time_invalid", "reject \"%s\"", bad[i]);

	/* Only s[0..n) is read. */
	rc = ac_time_parse("2026-04-23T12:31:09Zxyz", 20, &c);
	ok(rc == NULL && c.has_off == 1 && c.sec == 9,
	    "parse reads n bytes, not up to the NUL (offset)");
	rc = ac_time_parse("2026-04-23T12:31:09Z", 19, &c);
	ok(rc == NULL && c.has_off == 0 && c.sec == 9,
	    "parse reads n bytes, not up to the NUL (no offset)");
	is_str(ac_time_parse("2026-04-23T12:31:09Z", 15, &c), "time_invalid",
	    "parse of a cut-off time fails");
	is_str(ac_time_parse("2026-04-23T12:31:09Z", 0, &c), "time_invalid",
	    "parse of zero bytes fails");
}

static void
epochs(void)
{
	static const struct {
		const char *s;
		long long t;
	} e[] = {
		{ "2026-04-23T12:31:09Z", T0 },
		{ "2026-04-23T14:31:09+02:00", T0 },
		{ "2026-04-23T07:31:09-05:00", T0 },
		{ "2026-04-23T18:01:09+05:30", T0 },
		{ "2026-04-23T09:01:09-03:30", T0 },
		{ "2026-04-23T12:31:09.999Z", T0 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1970-01-01T01:00:00+01:00", 0 },
		{ "2000-01-01T00:00:00Z", 946684800 },
		{ "2000-02-29T12:00:00Z", 951825600 },
		{ "2024-12-31T23:59:59Z", 1735689599 },
		{ "2038-01-19T03:14:08Z", 2147483648LL },
		{ "2100-03-01T00:00:00Z", 4107542400LL },
		{ "2026-03-29T00:30:00Z", 1774744200 },
		{ "2026-10-25T00:30:00Z", 1792888200 },
	};
	struct ac_civil c;
	size_t i;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		if (ac_time_parse(e[i].s, strlen(e[i].s), &c) != NULL) {
			ok(0, "epoch of \"%s\": parse failed", e[i].s);
			continue;
		}
		is_int(ac_time_epoch(&c, c.off), e[i].t, "epoch of \"%s\"",
		    e[i].s);
	}
	/* The offset argument, not the parsed one, is used. */
	ac_time_parse("2026-04-23T14:31:09", 19, &c);
	is_int(ac_time_epoch(&c, 7200), T0, "epoch with an explicit offset");
	is_int(ac_time_epoch(&c, -3600), T0 + 3 * 3600,
	    "epoch with a negative offset");
}

static void
formats(void)
{
	static const struct {
		long long t;
		int off;
		const char *want;
	} f[] = {
		{ T0, 0, "2026-04-23 12:31:09+00:00" },
		{ T0, 7200, "2026-04-23 14:31:09+02:00" },
		{ T0, 3600, "2026-04-23 13:31:09+01:00" },
		{ T0, -18000, "2026-04-23 07:31:09-05:00" },
		{ T0, -14400, "2026-04-23 08:31:09-04:00" },
		{ T0, 19800, "2026-04-23 18:01:09+05:30" },
		{ T0, -12600, "2026-04-23 09:01:09-03:30" },
		{ T0, 20700, "2026-04-23 18:16:09+05:45" },
		{ T0, -1800, "2026-04-23 12:01:09-00:30" },
		{ T0, 1800, "2026-04-23 13:01:09+00:30" },
		{ T0, 50400, "2026-04-24 02:31:09+14:00" },
		{ T0, -43200, "2026-04-23 00:31:09-12:00" },
		{ 0, 0, "1970-01-01 00:00:00+00:00" },
		{ 0, 3600, "1970-01-01 01:00:00+01:00" },
		{ 946684799, 0, "1999-12-31 23:59:59+00:00" },
		{ 946684800, -3600, "1999-12-31 23:00:00-01:00" },
		{ 951825600, 0, "2000-02-29 12:00:00+00:00" },
		{ 2147483648LL, 0, "2038-01-19 03:14:08+00:00" },
		{ 4107542400LL, 0, "2100-03-01 00:00:00+00:00" },
	};
	struct ac_civil c;
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		memset(buf, 'X', sizeof(buf));
		ac_time_format(buf, sizeof(buf), f[i].t, f[i].off);
		is_str(buf, f[i].want, "format %lld at %+d", f[i].t, f[i].off);
	}
	/* Google's form reads back to the same instant. */
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		ac_time_format(buf, sizeof(buf), f[i].t, f[i].off);
		if (ac_time_parse(buf, strlen(buf), &c) != NULL) {
			ok(0, "\"%s\" parses back", buf);
			continue;
		}
		ok(c.has_off && c.off == f[i].off &&
		    ac_time_epoch(&c, c.off) == f[i].t, "\"%s\" reads back",
		    buf);
	}
}

static void
local(void)
{
	static const struct {
		const char *tz, *s;
		long long t;	/* -1: does not exist */
		int off;	/* the zone's offset at t */
	} l[] = {
		{ "Europe/Berlin", "2026-04-23T14:31:09", T0, 7200 },
		{ "Europe/Berlin", "2026-01-15T12:00:00", 1768474800, 3600 },
		/* Spring forward: 02:00 CET becomes 03:00 CEST. */
		{ "Europe/Berlin", "2026-03-29T01:59:59", 1774745999, 3600 },
		{ "Europe/Berlin", "2026-03-29T02:00:00", -1, 0 },
		{ "Europe/Berlin", "2026-03-29T02:30:00", -1, 0 },
		{ "Europe/Berlin", "2026-03-29T02:59:59", -1, 0 },
		{ "Europe/Berlin", "2026-03-29T03:00:00", 1774746000, 7200 },
		/* Fall back: 03:00 CEST becomes 02:00 CET; 02:xx twice. */
		{ "Europe/Berlin", "2026-10-25T01:59:59", 1792886399, 7200 },
		{ "Europe/Berlin", "2026-10-25T02:00:00", 1792886400, 7200 },
		{ "Europe/Berlin", "2026-10-25T02:30:00", 1792888200, 7200 },
		{ "Europe/Berlin", "2026-10-25T02:59:59", 1792889999, 7200 },
		{ "Europe/Berlin", "2026-10-25T03:00:00", 1792893600, 3600 },
		{ "America/New_York", "2026-04-23T08:31:09", T0, -14400 },
		{ "America/New_York", "2026-01-15T06:00:00", 1768474800, -18000 },
		{ "America/New_York", "2026-03-08T02:30:00", -1, 0 },
		{ "America/New_York", "2026-11-01T01:30:00", 1793511000, -14400 },
		{ "Asia/Kolkata", "2026-04-23T18:01:09", T0, 19800 },
		{ "America/St_Johns", "2026-01-15T07:30:00", 1768474800, -12600 },
		{ "UTC", "2026-04-23T12:31:09", T0, 0 },
	};
	struct ac_civil c;
	const char *rc;
	long long t;
	size_t i;

	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		setenv("TZ", l[i].tz, 1);
		tzset();
		if (ac_time_parse(l[i].s, strlen(l[i].s), &c) != NULL) {
			ok(0, "%s %s: parse failed", l[i].tz, l[i].s);
			continue;
		}
		t = -12345;
		rc = ac_time_local(&c, &t);
		if (l[i].t == -1) {
			is_str(rc, "time_nonexistent", "%s %s does not exist",
			    l[i].tz, l[i].s);
			continue;
		}
		if (is_str(rc, NULL, "%s %s exists", l[i].tz, l[i].s))
			is_int(t, l[i].t, "%s %s: epoch", l[i].tz, l[i].s);
		is_int(ac_time_zone_offset(l[i].t), l[i].off,
		    "%s: offset at %lld", l[i].tz, l[i].t);
	}
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	is_int(ac_time_zone_offset(1792886400 + 3599), 7200,
	    "Berlin: last second of CEST");
	is_int(ac_time_zone_offset(1792886400 + 3600), 3600,
	    "Berlin: first second of CET");
	is_int(ac_time_zone_offset(0), 3600, "Berlin: offset at the epoch");
	unsetenv("TZ");
	tzset();
}

static void
zones(void)
{
	static const struct {
		const char *name;
		int yes;
	} z[] = {
		{ "Europe/Berlin", 1 },
		{ "America/New_York", 1 },
		{ "Asia/Kolkata", 1 },
		{ "UTC", 1 },
		{ "Europe", 0 },		/* a directory */
		{ "Europe/", 0 },
		{ "../etc/passwd", 0 },
		{ "Europe/../Europe/Berlin", 0 },
		{ "/etc/passwd", 0 },
		{ "/usr/share/zoneinfo/Europe/Berlin", 0 },
		{ ":Europe/Berlin", 0 },
		{ "Nowhere/City", 0 },
		{ "Europe/Berlin ", 0 },
		{ "", 0 },
	};
	size_t i;

	unsetenv("TZDIR");
	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++)
		is_int(!!ac_time_zone_exists(z[i].name), z[i].yes,
		    "zone \"%s\" %s", z[i].name, z[i].yes ? "exists" :
		    "does not exist");
}

/* ac_time_value: the rule for a time field of a record. */
static void
values(void)
{
	static const struct {
		const char *json;	/* the value, as JSON */
		int tz;			/* read in Europe/Berlin */
		const char *want;	/* output, or "!code" */
	} v[] = {
		{ "1776947469", 0, "2026-04-23 12:31:09+00:00" },
		{ "1776947469", 1, "2026-04-23 14:31:09+02:00" },
		{ "1776947469123", 0, "2026-04-23 12:31:09+00:00" },
		{ "\"1776947469\"", 0, "2026-04-23 12:31:09+00:00" },
		{ "\"2026-04-23T12:31:09Z\"", 1, "2026-04-23 14:31:09+02:00" },
		{ "\"2026-04-23T12:31:09-04:00\"", 0, "2026-04-23 12:31:09-04:00" },
		{ "\"2026-01-10 08:00\"", 1, "2026-01-10 08:00:00+01:00" },
		{ "\"2026-01-10 08:00\"", 0, "!time_no_offset" },
		{ "\"2026-03-29 02:30:00\"", 1, "!time_nonexistent" },
		{ "\"2026-02-30T00:00:00Z\"", 0, "!time_invalid" },
		{ "\"2026-09-22T00:00:00Z\"", 0, "!time_future" },
		{ "-5", 0, "!time_invalid" },
		{ "1e20", 0, "!time_invalid" },
		{ "true", 0, "!time_invalid" },
		{ "null", 0, "!time_missing" },
	};
	char out[40], msg[96], got[64];
	const char *why;
	size_t i;
	jv x;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		x = tap_parse(v[i].json, strlen(v[i].json));
		/* now: 2026-09-21 14:13:20 UTC; ten minutes of skew */
		why = ac_time_value(x, v[i].tz, NULL, 1790000000LL, 600, out,
		    sizeof(out), msg, sizeof(msg));
		snprintf(got, sizeof(got), "%s%s", why ? "!" : "",
		    why ? why : out);
		is_str(got, v[i].want, "time value %s%s", v[i].json,
		    v[i].tz ? " in Europe/Berlin" : "");
		ok(why == NULL || (msg[0] != '\0' &&
		    strstr(msg, "1776947469") == NULL &&
		    strstr(msg, "2026") == NULL),
		    "its message names no value");
		jv_free(x);
	}
	ok(ac_time_value(jv_invalid(), 0, NULL, 0, 0, out, sizeof(out), msg,
	    sizeof(msg)) != NULL, "absent is time_missing");

	/* --input-timezone: a time without offset read in a zone of its
	 * own (WooCommerce's date_created_gmt is UTC without a Z). */
	{
		static const struct {
			const char *json, *in;
			int tz;
			const char *want;
		} w[] = {
			{ "\"2026-05-01T16:28:02\"", "UTC", 1,
			    "2026-05-01 18:28:02+02:00" },
			{ "\"2026-05-01T16:28:02\"", "UTC", 0,
			    "2026-05-01 16:28:02+00:00" },
			{ "\"2026-05-01T16:28:02\"", "America/New_York", 1,
			    "2026-05-01 22:28:02+02:00" },
			{ "\"2026-05-01T16:28:02\"", "America/New_York", 0,
			    "2026-05-01 16:28:02-04:00" },
			{ "\"2026-01-15 08:00:00\"", "Asia/Tokyo", 1,
			    "2026-01-15 00:00:00+01:00" },
			{ "\"2026-03-08T02:30:00\"", "America/New_York", 1,
			    "!time_nonexistent" },
			/* A time with an offset keeps it. */
			{ "\"2026-05-01T16:28:02Z\"", "America/New_York", 1,
			    "2026-05-01 18:28:02+02:00" },
		};

		for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
			x = tap_parse(w[i].json, strlen(w[i].json));
			why = ac_time_value(x, w[i].tz, w[i].in, 1790000000LL,
			    600, out, sizeof(out), msg, sizeof(msg));
			snprintf(got, sizeof(got), "%s%s", why ? "!" : "",
			    why ? why : out);
			is_str(got, w[i].want, "%s read in %s%s", w[i].json,
			    w[i].in, w[i].tz ? ", written in Europe/Berlin" :
			    "");
			jv_free(x);
		}
		is_str(getenv("TZ"), "Europe/Berlin",
		    "the process zone is put back");
	}
	unsetenv("TZ");
	tzset();
}

int
main(void)
{
	values();
	parsing();
	epochs();
	formats();
	local();
	zones();
	return done_testing();
}

/* SPDX-License-Identifier: MIT */
/*
 * lib/dm: the Data Manager Event and Destination JSON of each kind of
 * conversion (field names and enums from the v1 protos in
 * reference/protos/google/ads/datamanager/v1, layout from the issue 10
 * design), what Data Manager cannot take, the journal key (the same as
 * lib/gads' for the same conversion), and the fast-fail error answers in
 * the shape of data-manager.md §4.3 and of the emulator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "conv.h"
#include "diag.h"
#include "dm.h"
#include "gads.h"
#include "ndjson.h"
#include "tap.h"

#define S(lit) ((struct ac_str){ (lit), sizeof(lit) - 1 })

#define CID "1234567890"
#define ACTION "customers/1234567890/conversionActions/987654321"
#define T_CONV "2026-04-20 14:03:00+02:00"
#define T_CONV_RFC "2026-04-20T14:03:00+02:00"
#define T_ADJ "2026-04-21 09:00:00+02:00"
#define T_ADJ_RFC "2026-04-21T09:00:00+02:00"
#define T_CALL "2026-04-20 13:55:00+02:00"

/* hash[0] is the bytes 0..31, hash[1] the bytes 224..255. */
#define EMAIL_HEX \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define PHONE_HEX \
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define FIRST_HEX \
	"96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a"
#define LAST_HEX \
	"6627835f988e2c5e50533d5bd1d2d7a4fd0b7e3c0d4a8b6b3b0a0e2e4a5f0c1d"

/* SHA-256 of "+18005550100" (sha256sum). */
#define CALLER_HEX \
	"fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30"

static struct ac_conv
conv(enum ac_kind kind)
{
	struct ac_conv c;
	int i;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.action = S(ACTION);
	c.action_id = S("987654321");
	for (i = 0; i < 32; i++) {
		c.hash[0][i] = (unsigned char)i;
		c.hash[1][i] = (unsigned char)(224 + i);
	}
	return c;
}

static void
address(struct ac_conv *c)
{
	c->has_address = 1;
	c->addr.first = S(FIRST_HEX);
	c->addr.last = S(LAST_HEX);
	c->addr.street = S(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	c->addr.city = S("Berlin");
	c->addr.region = S("BE");
	c->addr.country = S("DE");
	c->addr.postal = S("10117");
}

static jv
parse(const char *s)
{
	return tap_parse(s, strlen(s));
}

/* The writer's output as a string to free. */
static char *
take(struct ac_writer *w)
{
	char *s = malloc(w->len + 1);

	if (s == NULL)
		abort();
	memcpy(s, w->buf, w->len);
	s[w->len] = '\0';
	free(w->buf);
	return s;
}

static char *
event_text(const struct ac_conv *c)
{
	struct ac_writer w;

	if (ac_writer_init(&w, -1) == -1)
		abort();
	ac_dm_put_event(&w, c);
	return take(&w);
}

static char *
gads_text(const struct ac_conv *c)
{
	struct ac_writer w;

	if (ac_writer_init(&w, -1) == -1)
		abort();
	ac_gads_put(&w, c);
	return take(&w);
}

/* c's Event is exactly want, and valid JSON. */
static void
is_event(const struct ac_conv *c, const char *want, const char *name)
{
	char *s = event_text(c);
	jv v = parse(s);

	is_str(s, want, "event: %s", name);
	ok(jv_get_kind(v) == JV_KIND_OBJECT, "event: %s: one JSON object",
	    name);
	jv_free(v);
	free(s);
}

static void
events(void)
{
	struct ac_conv c;

	/* A click with everything: the design's example. */
	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.order = S("ORD-1");
	c.click = AC_GCLID;
	c.click_id = S("Cj0KCQ-test_1");
	c.has_value = c.has_currency = 1;
	c.value = 12.5;
	memcpy(c.currency, "EUR", 3);
	c.env = AC_ENV_WEB;
	c.udata = AC_GRANTED;
	c.perso = AC_DENIED;
	c.ids = AC_ID_EMAIL | AC_ID_PHONE;
	address(&c);
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"transactionId\":\"ORD-1\","
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"eventSource\":\"WEB\","
	    "\"adIdentifiers\":{\"gclid\":\"Cj0KCQ-test_1\"},"
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"emailAddress\":\"" EMAIL_HEX "\"},"
	    "{\"phoneNumber\":\"" PHONE_HEX "\"},"
	    "{\"address\":{\"givenName\":\"" FIRST_HEX "\",\"familyName\":\""
	    LAST_HEX "\",\"regionCode\":\"DE\",\"postalCode\":\"10117\"}}]},"
	    "\"conversionValue\":12.5,\"currency\":\"EUR\","
	    "\"consent\":{\"adUserData\":\"CONSENT_GRANTED\","
	    "\"adPersonalization\":\"CONSENT_DENIED\"}}",
	    "click with gclid, order, value, WEB, both consents, all ids");

	/* gbraid, APP, nothing else: no consent object, no userData. */
	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.click = AC_GBRAID;
	c.click_id = S("0AAAAA-gbraid");
	c.env = AC_ENV_APP;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"eventSource\":\"APP\","
	    "\"adIdentifiers\":{\"gbraid\":\"0AAAAA-gbraid\"}}",
	    "click with gbraid, APP, no consent");

	/* wbraid, one consent only, no environment. */
	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.click = AC_WBRAID;
	c.click_id = S("wb-1");
	c.perso = AC_DENIED;
	c.has_value = 1;
	c.value = 0;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"adIdentifiers\":{\"wbraid\":\"wb-1\"},"
	    "\"conversionValue\":0,"
	    "\"consent\":{\"adPersonalization\":\"CONSENT_DENIED\"}}",
	    "click with wbraid, value 0, adPersonalization only");

	c.udata = AC_DENIED;
	c.perso = AC_UNSPECIFIED;
	c.has_value = 0;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"adIdentifiers\":{\"wbraid\":\"wb-1\"},"
	    "\"consent\":{\"adUserData\":\"CONSENT_DENIED\"}}",
	    "click with wbraid, adUserData only");

	/* User data only: email and phone, in that order. */
	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.ids = AC_ID_PHONE | AC_ID_EMAIL;
	c.udata = AC_GRANTED;
	c.perso = AC_GRANTED;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"emailAddress\":\"" EMAIL_HEX "\"},"
	    "{\"phoneNumber\":\"" PHONE_HEX "\"}]},"
	    "\"consent\":{\"adUserData\":\"CONSENT_GRANTED\","
	    "\"adPersonalization\":\"CONSENT_GRANTED\"}}",
	    "user-data-only click");
	c.ids = AC_ID_PHONE;
	c.udata = c.perso = AC_UNSPECIFIED;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"phoneNumber\":\"" PHONE_HEX "\"}]}}",
	    "user-data-only click, phone only");

	/* A call: PHONE whatever the environment, the caller hashed first,
	 * no call start time, never the number in clear. */
	c = conv(AC_CALL);
	c.time = T_CONV;
	c.call_start = T_CALL;
	c.caller = S("+18005550100");
	c.order = S("CALL-7");
	c.env = AC_ENV_WEB;
	c.has_value = c.has_currency = 1;
	c.value = 40;
	memcpy(c.currency, "USD", 3);
	c.udata = AC_GRANTED;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"transactionId\":\"CALL-7\","
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"eventSource\":\"PHONE\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"phoneNumber\":\"" CALLER_HEX "\"}]},"
	    "\"conversionValue\":40,\"currency\":\"USD\","
	    "\"consent\":{\"adUserData\":\"CONSENT_GRANTED\"}}",
	    "call: caller hashed, PHONE");
	c.ids = AC_ID_EMAIL | AC_ID_PHONE;
	c.order.s = NULL;
	c.has_value = c.has_currency = 0;
	c.udata = AC_UNSPECIFIED;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"eventSource\":\"PHONE\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"phoneNumber\":\"" CALLER_HEX "\"},"
	    "{\"emailAddress\":\"" EMAIL_HEX "\"},"
	    "{\"phoneNumber\":\"" PHONE_HEX "\"}]}}",
	    "call with hashed email and phone: the caller first");
	{
		char *s = event_text(&c);

		ok(strstr(s, "8005550100") == NULL && strstr(s, "callStart")
		    == NULL && strstr(s, "13:55") == NULL,
		    "call: no caller number, no call start in the event");
		free(s);
	}

	/* RESTATEMENT: adjusted_value, the adjustment time when there is no
	 * conversion time. */
	c = conv(AC_ADJUSTMENT);
	c.adj = AC_RESTATEMENT;
	c.order = S("ORD-1");
	c.adj_time = T_ADJ;
	c.has_value = c.has_currency = 1;
	c.value = 99;
	c.adjusted = 80.25;
	memcpy(c.currency, "EUR", 3);
	c.ids = AC_ID_EMAIL;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"transactionId\":\"ORD-1\","
	    "\"eventTimestamp\":\"" T_ADJ_RFC "\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"emailAddress\":\"" EMAIL_HEX "\"}]},"
	    "\"conversionValue\":80.25,\"currency\":\"EUR\"}",
	    "RESTATEMENT: adjusted value, adjustment time");
	c.time = T_CONV;
	c.has_value = 0;
	c.adjusted = 0;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"transactionId\":\"ORD-1\","
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"emailAddress\":\"" EMAIL_HEX "\"}]},"
	    "\"conversionValue\":0,\"currency\":\"EUR\"}",
	    "RESTATEMENT to 0 with a conversion time");

	/* ENHANCEMENT: user data with the address (no street, city, state)
	 * and the user agent; no value. */
	c = conv(AC_ADJUSTMENT);
	c.adj = AC_ENHANCEMENT;
	c.order = S("ORD-2");
	c.time = T_CONV;
	c.adj_time = T_ADJ;
	c.ids = AC_ID_EMAIL;
	address(&c);
	c.user_agent = S("Mozilla/5.0 (X11; Linux x86_64)");
	c.udata = AC_GRANTED;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"transactionId\":\"ORD-2\","
	    "\"eventTimestamp\":\"" T_CONV_RFC "\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"emailAddress\":\"" EMAIL_HEX "\"},"
	    "{\"address\":{\"givenName\":\"" FIRST_HEX "\",\"familyName\":\""
	    LAST_HEX "\",\"regionCode\":\"DE\",\"postalCode\":\"10117\"}}]},"
	    "\"eventDeviceInfo\":{\"userAgent\":"
	    "\"Mozilla/5.0 (X11; Linux x86_64)\"},"
	    "\"consent\":{\"adUserData\":\"CONSENT_GRANTED\"}}",
	    "ENHANCEMENT with email, address and user agent");
	c.ids = 0;
	c.user_agent.s = NULL;
	c.time = NULL;
	c.udata = AC_UNSPECIFIED;
	c.addr.street.s = c.addr.city.s = c.addr.region.s = NULL;
	is_event(&c, "{\"destinationReferences\":[\"987654321\"],"
	    "\"transactionId\":\"ORD-2\","
	    "\"eventTimestamp\":\"" T_ADJ_RFC "\","
	    "\"userData\":{\"userIdentifiers\":["
	    "{\"address\":{\"givenName\":\"" FIRST_HEX "\",\"familyName\":\""
	    LAST_HEX "\",\"regionCode\":\"DE\",\"postalCode\":\"10117\"}}]}}",
	    "ENHANCEMENT with the address only, adjustment time");
}

/* Strings that need escaping come out as valid JSON holding them. */
static void
escaping(void)
{
	static const char order[] = "A\"B\\C\xc3\xa9\x01/\xe2\x82\xac\t";
	static const char ua[] = "Mozilla \"5.0\" \\ \xf0\x9f\x98\x80\x1f";
	struct ac_conv c = conv(AC_ADJUSTMENT);
	char *s;
	jv v, t;

	c.adj = AC_ENHANCEMENT;
	c.order = (struct ac_str){ order, sizeof(order) - 1 };
	c.time = T_CONV;
	c.ids = AC_ID_EMAIL;
	c.user_agent = (struct ac_str){ ua, sizeof(ua) - 1 };
	s = event_text(&c);
	ok(strstr(s, "\"transactionId\":\"A\\\"B\\\\C\xc3\xa9\\u0001/"
	    "\xe2\x82\xac\\t\"") != NULL, "escaping: transactionId escaped");
	ok(strstr(s, "\"userAgent\":\"Mozilla \\\"5.0\\\" \\\\ "
	    "\xf0\x9f\x98\x80\\u001f\"") != NULL,
	    "escaping: userAgent escaped");
	v = parse(s);
	ok(jv_get_kind(v) == JV_KIND_OBJECT, "escaping: valid JSON");
	t = jv_getpath(jv_copy(v), jv_parse("[\"transactionId\"]"));
	is_str(jv_get_kind(t) == JV_KIND_STRING ? jv_string_value(t) : NULL,
	    order, "escaping: transactionId reads back");
	jv_free(t);
	t = jv_getpath(jv_copy(v),
	    jv_parse("[\"eventDeviceInfo\",\"userAgent\"]"));
	is_str(jv_get_kind(t) == JV_KIND_STRING ? jv_string_value(t) : NULL,
	    ua, "escaping: userAgent reads back");
	jv_free(t);
	jv_free(v);
	free(s);

	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.click = AC_GCLID;
	c.click_id = S("a\"b\\c");
	s = event_text(&c);
	ok(strstr(s, "{\"gclid\":\"a\\\"b\\\\c\"}") != NULL,
	    "escaping: click ID escaped");
	v = parse(s);
	ok(jv_get_kind(v) == JV_KIND_OBJECT, "escaping: click ID: valid JSON");
	jv_free(v);
	free(s);
}

static void
destinations(void)
{
	struct ac_writer w;
	char *s;

	ac_writer_init(&w, -1);
	ac_dm_put_destination(&w, "1234567890", "1112223333", "987654321xyz",
	    9);
	s = take(&w);
	is_str(s, "{\"reference\":\"987654321\",\"loginAccount\":"
	    "{\"accountType\":\"GOOGLE_ADS\",\"accountId\":\"1112223333\"},"
	    "\"operatingAccount\":{\"accountType\":\"GOOGLE_ADS\",\"accountId\":"
	    "\"1234567890\"},\"productDestinationId\":\"987654321\"}",
	    "destination with a login account");
	free(s);

	ac_writer_init(&w, -1);
	ac_dm_put_destination(&w, "1234567890", NULL, "42", 2);
	AC_PUT(&w, ",");
	ac_dm_put_destination(&w, "1234567890", "", "42", 2);
	s = take(&w);
	is_str(s, "{\"reference\":\"42\",\"operatingAccount\":{\"accountType\":"
	    "\"GOOGLE_ADS\",\"accountId\":\"1234567890\"},"
	    "\"productDestinationId\":\"42\"},"
	    "{\"reference\":\"42\",\"operatingAccount\":{\"accountType\":"
	    "\"GOOGLE_ADS\",\"accountId\":\"1234567890\"},"
	    "\"productDestinationId\":\"42\"}",
	    "destination without a login account (NULL and \"\")");
	free(s);
}

static void
refuse(void)
{
	static const struct {
		const char *name;
		enum ac_kind kind;
		enum ac_adj adj;
		int order, time, adj_time, click, ids, addr;
		const char *want, *field;
	} r[] = {
		{ "RETRACTION", AC_ADJUSTMENT, AC_RETRACTION, 1, 1, 1, 0,
		    AC_ID_EMAIL, 0, "retraction_unsupported",
		    "adjustment_type" },
		{ "RETRACTION without order", AC_ADJUSTMENT, AC_RETRACTION, 0, 1,
		    1, AC_GCLID, 0, 0, "retraction_unsupported",
		    "adjustment_type" },
		{ "RESTATEMENT by gclid", AC_ADJUSTMENT, AC_RESTATEMENT, 0, 1, 1,
		    AC_GCLID, 0, 0, "adjustment_needs_order_id", "order_id" },
		{ "ENHANCEMENT without order", AC_ADJUSTMENT, AC_ENHANCEMENT, 0,
		    1, 0, 0, AC_ID_EMAIL, 0, "adjustment_needs_order_id",
		    "order_id" },
		{ "ENHANCEMENT without any time", AC_ADJUSTMENT, AC_ENHANCEMENT,
		    1, 0, 0, 0, AC_ID_EMAIL, 0, "time_missing",
		    "conversion_date_time" },
		{ "RESTATEMENT without any time", AC_ADJUSTMENT, AC_RESTATEMENT,
		    1, 0, 0, 0, AC_ID_PHONE, 0, "time_missing",
		    "conversion_date_time" },
		{ "RESTATEMENT without identifier", AC_ADJUSTMENT,
		    AC_RESTATEMENT, 1, 0, 1, 0, 0, 0, "identifier_missing",
		    NULL },
		{ "ENHANCEMENT without identifier", AC_ADJUSTMENT,
		    AC_ENHANCEMENT, 1, 1, 0, 0, 0, 0, "identifier_missing",
		    NULL },
		{ "RESTATEMENT with email", AC_ADJUSTMENT, AC_RESTATEMENT, 1, 0,
		    1, 0, AC_ID_EMAIL, 0, NULL, NULL },
		{ "RESTATEMENT with gclid and order", AC_ADJUSTMENT,
		    AC_RESTATEMENT, 1, 1, 1, AC_GCLID, 0, 0, NULL, NULL },
		{ "ENHANCEMENT with address only", AC_ADJUSTMENT,
		    AC_ENHANCEMENT, 1, 1, 0, 0, 0, 1, NULL, NULL },
		{ "ENHANCEMENT with phone, adjustment time only",
		    AC_ADJUSTMENT, AC_ENHANCEMENT, 1, 0, 1, 0, AC_ID_PHONE, 0,
		    NULL, NULL },
		{ "click with nothing", AC_CLICK, AC_ENHANCEMENT, 0, 0, 0, 0, 0,
		    0, NULL, NULL },
		{ "click with gclid", AC_CLICK, AC_RETRACTION, 0, 1, 0, AC_GCLID,
		    0, 0, NULL, NULL },
		{ "call", AC_CALL, AC_RETRACTION, 0, 1, 0, 0, 0, 0, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct ac_conv c = conv(r[i].kind);
		const char *field = "unset", *msg = NULL, *got;

		c.adj = r[i].adj;
		if (r[i].order)
			c.order = S("ORD-1");
		c.time = r[i].time ? T_CONV : NULL;
		c.adj_time = r[i].adj_time ? T_ADJ : NULL;
		c.click = r[i].click;
		if (r[i].click)
			c.click_id = S("Cj0-x");
		c.ids = r[i].ids;
		if (r[i].addr)
			address(&c);
		if (r[i].kind == AC_CALL) {
			c.caller = S("+18005550100");
			c.call_start = T_CALL;
		}
		got = ac_dm_refuse(&c, &field, &msg);
		is_str(got, r[i].want, "refuse: %s", r[i].name);
		is_str(field, r[i].field, "refuse: %s: field", r[i].name);
		if (r[i].want != NULL)
			ok(msg != NULL && strstr(msg, "Data Manager") != NULL,
			    "refuse: %s: a message", r[i].name);
		if (r[i].want != NULL && strcmp(r[i].want, "time_missing") != 0)
			ok(strstr(msg, "--api googleads") != NULL,
			    "refuse: %s: the message names --api googleads",
			    r[i].name);
	}
}

static void
has_user_data(void)
{
	struct ac_conv c = conv(AC_CLICK);

	ok(!ac_dm_has_user_data(&c), "has_user_data: nothing");
	c.click = AC_GCLID;
	c.click_id = S("x");
	ok(!ac_dm_has_user_data(&c), "has_user_data: a click ID is not");
	c.ids = AC_ID_PHONE;
	ok(ac_dm_has_user_data(&c), "has_user_data: phone");
	c.ids = 0;
	address(&c);
	ok(ac_dm_has_user_data(&c), "has_user_data: address");
	c = conv(AC_CALL);
	ok(ac_dm_has_user_data(&c), "has_user_data: a call (the caller)");
}

/*
 * The journal key: ac_gads_row_key of the Google Ads object and
 * ac_dm_row_key of the Event of one conversion, with the rows entry
 * ac-batch writes for it, are the same.
 */
static void
same_key(const struct ac_conv *c, const char *info_text, const char *want,
    const char *name)
{
	char *g = gads_text(c), *e = event_text(c), *gk, *dk;
	jv gv = parse(g), ev = parse(e);
	jv info = parse(info_text);

	ok(jv_is_valid(gv) && jv_is_valid(ev) && jv_is_valid(info),
	    "row_key: %s: inputs parse", name);
	gk = ac_gads_row_key(CID, &ac_gads_methods[c->kind], gv);
	dk = ac_dm_row_key(CID, ev, info);
	is_str(gk, want, "row_key: %s: Google Ads key", name);
	is_str(dk, gk, "row_key: %s: Data Manager key is the same", name);
	free(gk);
	free(dk);
	jv_free(gv);
	jv_free(ev);
	jv_free(info);
	free(g);
	free(e);
}

#define CONSENT_ROW \
	",\"google-ads-consent\":{\"ad_user_data\":\"UNSPECIFIED\"," \
	"\"ad_personalization\":\"UNSPECIFIED\"},\"file\":\"in.ndjson\"," \
	"\"line\":1}"

static void
row_keys(void)
{
	struct ac_conv c;
	char *e, *k;
	jv ev, info;

	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.order = S("ORD-1");
	c.click = AC_GCLID;
	c.click_id = S("Cj0-test");
	c.ids = AC_ID_EMAIL;
	same_key(&c, "{\"order_id\":\"ORD-1\",\"conversion_action\":\"" ACTION
	    "\",\"conversion_date_time\":\"" T_CONV "\",\"click_id_type\":"
	    "\"gclid\",\"kind\":\"click\"" CONSENT_ROW,
	    CID "|" ACTION "|order|ORD-1", "click by order");

	c.order.s = NULL;
	same_key(&c, "{\"conversion_action\":\"" ACTION
	    "\",\"conversion_date_time\":\"" T_CONV "\",\"click_id_type\":"
	    "\"gclid\",\"kind\":\"click\"" CONSENT_ROW,
	    CID "|" ACTION "|gclid:Cj0-test|" T_CONV, "click by gclid and time");

	c.click = AC_WBRAID;
	c.click_id = S("wb-9");
	same_key(&c, "{\"conversion_action\":\"" ACTION
	    "\",\"conversion_date_time\":\"" T_CONV "\",\"click_id_type\":"
	    "\"wbraid\",\"kind\":\"click\"" CONSENT_ROW,
	    CID "|" ACTION "|wbraid:wb-9|" T_CONV, "click by wbraid and time");

	c.click = AC_NOCLICK;
	c.click_id.s = NULL;
	same_key(&c, "{\"conversion_action\":\"" ACTION
	    "\",\"conversion_date_time\":\"" T_CONV "\",\"click_id_type\":"
	    "\"none\",\"kind\":\"click\"" CONSENT_ROW,
	    CID "|" ACTION "|time|" T_CONV, "user-data-only click by time");

	c = conv(AC_CALL);
	c.time = T_CONV;
	c.call_start = T_CALL;
	c.caller = S("+18005550100");
	c.order = S("CALL-7");
	c.ids = AC_ID_EMAIL;
	same_key(&c, "{\"conversion_action\":\"" ACTION
	    "\",\"conversion_date_time\":\"" T_CONV "\",\"click_id_type\":"
	    "\"none\",\"kind\":\"call\",\"call_start_date_time\":\"" T_CALL
	    "\"" CONSENT_ROW,
	    CID "|" ACTION "|call|fb4f73a6ec5fdb7077d564cdd22c3554|" T_CALL,
	    "call by caller");
	e = event_text(&c);
	ev = parse(e);
	info = parse("{\"conversion_action\":\"" ACTION "\",\"kind\":"
	    "\"call\",\"call_start_date_time\":\"" T_CALL "\"}");
	k = ac_dm_row_key(CID, ev, info);
	ok(strstr(k, "8005550100") == NULL && strstr(k, "18005") == NULL,
	    "row_key: a call's key holds no phone digits");
	free(k);
	jv_free(ev);
	jv_free(info);
	free(e);

	c = conv(AC_ADJUSTMENT);
	c.adj = AC_RESTATEMENT;
	c.order = S("ORD-1");
	c.adj_time = T_ADJ;
	c.adjusted = 80;
	c.ids = AC_ID_EMAIL;
	same_key(&c, "{\"order_id\":\"ORD-1\",\"conversion_action\":\"" ACTION
	    "\",\"click_id_type\":\"none\",\"kind\":\"adjustment\","
	    "\"adjustment_type\":\"RESTATEMENT\",\"adjustment_date_time\":\""
	    T_ADJ "\"" CONSENT_ROW,
	    CID "|" ACTION "|RESTATEMENT|order|ORD-1|" T_ADJ,
	    "RESTATEMENT by order");

	c.adj = AC_ENHANCEMENT;
	c.adj_time = NULL;
	c.time = T_CONV;
	same_key(&c, "{\"order_id\":\"ORD-1\",\"conversion_action\":\"" ACTION
	    "\",\"click_id_type\":\"none\",\"kind\":\"adjustment\","
	    "\"adjustment_type\":\"ENHANCEMENT\"" CONSENT_ROW,
	    CID "|" ACTION "|ENHANCEMENT|order|ORD-1|",
	    "ENHANCEMENT by order, no adjustment time");

	/* Without a rows entry: the destination reference and the
	 * event's own time. */
	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.order = S("ORD-1");
	e = event_text(&c);
	ev = parse(e);
	info = jv_object();
	k = ac_dm_row_key(CID, ev, info);
	is_str(k, CID "|987654321|order|ORD-1",
	    "row_key: empty rows entry: the destination reference");
	free(k);
	jv_free(ev);
	jv_free(info);
	free(e);
}

/* What ac_dm_each_violation reported. */
struct seen {
	int n;
	enum ac_dm_target target[16];
	long index[16];
	char reason[16][96];
	char description[16][96];
};

static void
record(void *arg, enum ac_dm_target t, long index, const char *reason,
    const char *description)
{
	struct seen *s = arg;

	if (s->n >= 16)
		return;
	s->target[s->n] = t;
	s->index[s->n] = index;
	snprintf(s->reason[s->n], sizeof(s->reason[0]), "%s", reason);
	snprintf(s->description[s->n], sizeof(s->description[0]), "%s",
	    description);
	s->n++;
}

#define ERROR_INFO(reason, domain) \
	"{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\"," \
	"\"reason\":\"" reason "\",\"domain\":\"" domain "\"," \
	"\"metadata\":{}}"
#define BAD_REQUEST(fv) \
	"{\"@type\":\"type.googleapis.com/google.rpc.BadRequest\"," \
	"\"fieldViolations\":[" fv "]}"
#define REQUEST_INFO \
	"{\"@type\":\"type.googleapis.com/google.rpc.RequestInfo\"," \
	"\"requestId\":\"r-1\"}"
#define STATUS_HEAD \
	"{\"code\":400,\"message\":\"There was a problem with the request.\"," \
	"\"status\":\"INVALID_ARGUMENT\",\"details\":["
#define STATUS(details) STATUS_HEAD details "]}"

static const char *const target_names[] = { "event", "destination",
	"request" };

static void
violations(void)
{
	static const struct {
		const char *field;	/* NULL: no "field" member */
		const char *reason;	/* NULL: none */
		enum ac_dm_target target;
		long index;
		const char *want_reason;
	} v[] = {
		{ "events[3].user_data.user_identifiers[0].email_address",
		    "INVALID_SHA256_FORMAT", AC_DM_EVENT, 3,
		    "INVALID_SHA256_FORMAT" },
		{ "events[12]", NULL, AC_DM_EVENT, 12, "INVALID_FORMAT" },
		{ "events[0].userData.userIdentifiers[1].emailAddress",
		    "INVALID_HEX_ENCODING", AC_DM_EVENT, 0,
		    "INVALID_HEX_ENCODING" },
		{ "events[999999].transaction_id", "FIELD_VALUE_TOO_LONG",
		    AC_DM_EVENT, 999999, "FIELD_VALUE_TOO_LONG" },
		{ "destinations[1].product_destination_id",
		    "INVALID_CONVERSION_ACTION_ID", AC_DM_DESTINATION, 1,
		    "INVALID_CONVERSION_ACTION_ID" },
		{ "destinations[0].operatingAccount.accountId", NULL,
		    AC_DM_DESTINATION, 0, "INVALID_FORMAT" },
		{ "encoding", "INVALID_ENUM_VALUE", AC_DM_REQUEST, -1,
		    "INVALID_ENUM_VALUE" },
		{ "", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ NULL, "REQUIRED_FIELD_MISSING", AC_DM_REQUEST, -1,
		    "REQUIRED_FIELD_MISSING" },
		{ "events", "TOO_MANY_EVENTS", AC_DM_REQUEST, -1,
		    "TOO_MANY_EVENTS" },
		{ "events[x]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "events[-1]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "events[99999999999]", NULL, AC_DM_REQUEST, -1,
		    "INVALID_FORMAT" },
		{ "events[99999999999999999999999]", NULL, AC_DM_REQUEST, -1,
		    "INVALID_FORMAT" },
		{ "events[]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "events[3", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "events[3x]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "events[ 3]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "events[+3]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "eventsX[1]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "user_events[1]", NULL, AC_DM_REQUEST, -1, "INVALID_FORMAT" },
		{ "destinations[-2]", NULL, AC_DM_REQUEST, -1,
		    "INVALID_FORMAT" },
		{ "destinations[1000000]", NULL, AC_DM_REQUEST, -1,
		    "INVALID_FORMAT" },
		{ "consent.ad_user_data", "BAD-REASON\\u001b[1m", AC_DM_REQUEST,
		    -1, "BAD?REASON??1?" },
	};
	char fv[8192], body[9000];
	struct seen s;
	size_t i, off = 0;
	jv err;
	int n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		off += (size_t)snprintf(fv + off, sizeof(fv) - off,
		    "%s{%s%s%s\"description\":\"d%zu\"%s%s%s}",
		    i > 0 ? "," : "", v[i].field ? "\"field\":\"" : "",
		    v[i].field ? v[i].field : "", v[i].field ? "\"," : "", i,
		    v[i].reason ? ",\"reason\":\"" : "",
		    v[i].reason ? v[i].reason : "", v[i].reason ? "\"" : "");
	}
	snprintf(body, sizeof(body), "%s%s%s",
	    STATUS_HEAD ERROR_INFO("INVALID_FORMAT",
	    "datamanager.googleapis.com") ",{\"@type\":\"type.googleapis.com/"
	    "google.rpc.BadRequest\",\"fieldViolations\":[", fv,
	    "]}," REQUEST_INFO "]}");
	err = parse(body);
	ok(jv_get_kind(err) == JV_KIND_OBJECT, "violations: the test body "
	    "parses");
	memset(&s, 0, sizeof(s));
	n = ac_dm_each_violation(err, "INVALID_FORMAT", record, &s);
	is_int(n, (long long)(sizeof(v) / sizeof(v[0])),
	    "violations: the count");
	is_int(s.n, 16, "violations: the first 16 recorded");
	for (i = 0; i < 16 && i < sizeof(v) / sizeof(v[0]); i++) {
		char d[16];
		const char *f = v[i].field ? v[i].field : "(none)";

		is_str(target_names[s.target[i]], target_names[v[i].target],
		    "violation '%s': target", f);
		is_int(s.index[i], v[i].index, "violation '%s': index", f);
		is_str(s.reason[i], v[i].want_reason, "violation '%s': reason",
		    f);
		snprintf(d, sizeof(d), "d%zu", i);
		is_str(s.description[i], d, "violation '%s': description", f);
	}
	jv_free(err);

	/* The rest, one at a time. */
	for (i = 16; i < sizeof(v) / sizeof(v[0]); i++) {
		char one[1024];

		snprintf(one, sizeof(one), STATUS(BAD_REQUEST(
		    "{\"field\":\"%s\",\"reason\":\"%s\"}")),
		    v[i].field ? v[i].field : "",
		    v[i].reason ? v[i].reason : "INVALID_FORMAT");
		err = parse(one);
		memset(&s, 0, sizeof(s));
		n = ac_dm_each_violation(err, NULL, record, &s);
		is_int(n, 1, "violation '%s': alone: one", v[i].field);
		is_str(target_names[s.target[0]], target_names[v[i].target],
		    "violation '%s': alone: target", v[i].field);
		is_int(s.index[0], v[i].index, "violation '%s': alone: index",
		    v[i].field);
		is_str(s.reason[0], v[i].want_reason,
		    "violation '%s': alone: reason", v[i].field);
		is_str(s.description[0], "",
		    "violation '%s': alone: no description", v[i].field);
		jv_free(err);
	}

}

/* Answers with no violation to report. */
static void
no_violations(void)
{
	static const struct {
		const char *name, *body;
	} b[] = {
		{ "ErrorInfo only", STATUS(ERROR_INFO("INVALID_FORMAT",
		    "datamanager.googleapis.com")) },
		{ "no details", "{\"code\":400,\"status\":\"INVALID_ARGUMENT\"}" },
		{ "details not an array", "{\"code\":400,\"details\":"
		    BAD_REQUEST("{\"field\":\"events[0]\"}") "}" },
		{ "BadRequest lookalike", STATUS("{\"@type\":\"type.googleapis."
		    "com/google.rpc.BadRequestX\",\"fieldViolations\":"
		    "[{\"field\":\"events[0]\"}]}") },
		{ "fieldViolations not an array", STATUS("{\"@type\":\"type."
		    "googleapis.com/google.rpc.BadRequest\",\"fieldViolations\":"
		    "{\"field\":\"events[0]\"}}") },
		{ "empty fieldViolations", STATUS(BAD_REQUEST("")) },
		{ "not an object", "[1,2]" },
		{ "null", "null" },
	};
	struct seen s;
	size_t i;
	jv err;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		err = parse(b[i].body);
		memset(&s, 0, sizeof(s));
		is_int(ac_dm_each_violation(err, "X", record, &s), 0,
		    "no violations: %s: returns 0", b[i].name);
		is_int(s.n, 0, "no violations: %s: no call", b[i].name);
		jv_free(err);
	}
	memset(&s, 0, sizeof(s));
	is_int(ac_dm_each_violation(jv_invalid(), "X", record, &s), 0,
	    "no violations: jv_invalid()");
	is_int(s.n, 0, "no violations: jv_invalid(): no call");

	/* BadRequest after other details, the emulator's order. */
	err = parse(STATUS(ERROR_INFO("INVALID_FORMAT",
	    "datamanager.googleapis.com") "," REQUEST_INFO ","
	    BAD_REQUEST("{\"field\":\"events[1].transaction_id\"}")));
	memset(&s, 0, sizeof(s));
	is_int(ac_dm_each_violation(err, NULL, record, &s), 1,
	    "violations: BadRequest last in details");
	is_int(s.index[0], 1, "violations: BadRequest last: index");
	is_str(s.reason[0], "INVALID_ARGUMENT",
	    "violations: no reason, no fallback: INVALID_ARGUMENT");
	jv_free(err);
}

static void
error_reasons(void)
{
	static const struct {
		const char *name, *body;
		int want, dm;
		const char *reason;
	} e[] = {
		{ "Data Manager ErrorInfo", STATUS(ERROR_INFO("INVALID_FORMAT",
		    "datamanager.googleapis.com") "," BAD_REQUEST("")),
		    0, 1, "INVALID_FORMAT" },
		{ "googleapis.com ErrorInfo",
		    STATUS(ERROR_INFO("ACCESS_TOKEN_SCOPE_INSUFFICIENT",
		    "googleapis.com")), 0, 0,
		    "ACCESS_TOKEN_SCOPE_INSUFFICIENT" },
		{ "ErrorInfo after others", STATUS(REQUEST_INFO ","
		    BAD_REQUEST("") "," ERROR_INFO("NOT_ALLOWLISTED",
		    "datamanager.googleapis.com")), 0, 1, "NOT_ALLOWLISTED" },
		{ "first ErrorInfo", STATUS(ERROR_INFO("PERMISSION_DENIED",
		    "datamanager.googleapis.com") "," ERROR_INFO("OTHER",
		    "googleapis.com")), 0, 1, "PERMISSION_DENIED" },
		{ "ErrorInfo without domain", STATUS("{\"@type\":\"type."
		    "googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"X_Y\"}"),
		    0, 0, "X_Y" },
		{ "lookalike domain", STATUS(ERROR_INFO("INVALID_FORMAT",
		    "datamanager.googleapis.com.example")), 0, 0,
		    "INVALID_FORMAT" },
		{ "bare @type", STATUS("{\"@type\":\"google.rpc.ErrorInfo\","
		    "\"reason\":\"R1\",\"domain\":\"datamanager.googleapis.com\""
		    "}"), 0, 1, "R1" },
		{ "odd characters cleaned", STATUS("{\"@type\":\"type."
		    "googleapis.com/google.rpc.ErrorInfo\",\"reason\":"
		    "\"BAD REASON\\n\\u001b[31m\\u00e9;\",\"domain\":"
		    "\"googleapis.com\"}"), 0, 0, "BAD?REASON???31????" },
		{ "no ErrorInfo", STATUS(BAD_REQUEST("{\"field\":\"events[0]\"}")),
		    -1, 0, NULL },
		{ "ErrorInfo lookalike", STATUS("{\"@type\":\"type.googleapis."
		    "com/google.rpc.ErrorInfoX\",\"reason\":\"R\",\"domain\":"
		    "\"datamanager.googleapis.com\"}"), -1, 0, NULL },
		{ "ErrorInfo prefix lookalike", STATUS("{\"@type\":\"type."
		    "googleapis.com/xgoogle.rpc.ErrorInfo\",\"reason\":\"R\"}"),
		    -1, 0, NULL },
		{ "no @type", STATUS("{\"reason\":\"R\",\"domain\":"
		    "\"datamanager.googleapis.com\"}"), -1, 0, NULL },
		{ "reason not a string", STATUS("{\"@type\":\"type.googleapis."
		    "com/google.rpc.ErrorInfo\",\"reason\":7}"), -1, 0, NULL },
		{ "empty reason", STATUS(ERROR_INFO("", "googleapis.com")), -1,
		    0, NULL },
		{ "details not an array", "{\"code\":400,\"details\":"
		    ERROR_INFO("R", "datamanager.googleapis.com") "}", -1, 0,
		    NULL },
		{ "no details", "{\"code\":503,\"status\":\"UNAVAILABLE\"}", -1, 0,
		    NULL },
		{ "details with non-objects", STATUS("1,\"x\",null,[],"
		    ERROR_INFO("INTERNAL_ERROR", "datamanager.googleapis.com")),
		    0, 1, "INTERNAL_ERROR" },
		{ "not an object", "\"error\"", -1, 0, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		jv err = parse(e[i].body);
		char reason[64] = "unset";
		int dm = 7, r;

		if (!jv_is_valid(err))
			diag("%s: the test body does not parse", e[i].name);
		r = ac_dm_error_reason(err, reason, sizeof(reason), &dm);
		is_int(r, e[i].want, "error_reason: %s: result", e[i].name);
		if (e[i].want == 0) {
			is_str(reason, e[i].reason, "error_reason: %s: reason",
			    e[i].name);
			is_int(dm, e[i].dm, "error_reason: %s: domain",
			    e[i].name);
		}
		jv_free(err);
	}
	{
		jv err = parse(STATUS(ERROR_INFO("INVALID_FORMAT",
		    "datamanager.googleapis.com")));
		char small[8];
		int dm = 0;

		is_int(ac_dm_error_reason(err, small, sizeof(small), &dm), 0,
		    "error_reason: short buffer");
		is_str(small, "INVALID", "error_reason: short buffer: cut");
		jv_free(err);
		is_int(ac_dm_error_reason(jv_invalid(), small, sizeof(small),
		    &dm), -1, "error_reason: jv_invalid()");
	}
}

static void
setup(void)
{
	/* The design's setup reasons, each an ErrorReason of error.proto. */
	static const char *const yes[] = {
		"PERMISSION_DENIED", "TERMS_AND_CONDITIONS_NOT_SIGNED",
		"NOT_ALLOWLISTED",
		"DESTINATION_ACCOUNT_NOT_ENABLED_ENHANCED_CONVERSIONS_FOR_LEADS",
		"DESTINATION_ACCOUNT_DATA_POLICY_PROHIBITS_ENHANCED_CONVERSIONS",
		"DESTINATION_ACCOUNT_ENHANCED_CONVERSIONS_TERMS_NOT_SIGNED",
		"OPERATING_ACCOUNT_LOGIN_ACCOUNT_MISMATCH",
		"LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT",
		"EU_POLITICAL_ADVERTISING_DECLARATION_REQUIRED",
		"DESTINATION_ACCOUNT_TYPE_MISMATCH",
		"INVALID_CONVERSION_ACTION_TYPE",
	};
	/* Rows, retries, or not Data Manager reasons at all. */
	static const char *const no[] = {
		"INVALID_FORMAT", "INVALID_DESTINATION", "INVALID_ARGUMENT",
		"REQUIRED_FIELD_MISSING", "INVALID_SHA256_FORMAT",
		"NO_IDENTIFIERS_PROVIDED", "EVENT_TIME_INVALID",
		"RESOURCE_EXHAUSTED", "INTERNAL_ERROR", "DEADLINE_EXCEEDED",
		"INVALID_CONVERSION_ACTION_ID", "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
		"SERVICE_DISABLED", "", "permission_denied",
		"PERMISSION_DENIED_X", "PERMISSION", "NOT_ALLOWLISTEDX",
		"datamanager.PERMISSION_DENIED",
	};
	char code[128];
	const char *a;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		ok(ac_dm_setup_reason(yes[i]), "setup_reason: %s", yes[i]);
		snprintf(code, sizeof(code), "datamanager.%s", yes[i]);
		a = ac_dm_advice(code);
		ok(a != NULL && a[0] != '\0' && strchr(a, '\n') == NULL,
		    "advice: %s: one line", code);
		ok(ac_dm_advice(yes[i]) == NULL, "advice: %s without "
		    "'datamanager.': none", yes[i]);
		snprintf(code, sizeof(code), "rpc.%s", yes[i]);
		ok(ac_dm_advice(code) == NULL, "advice: %s: none", code);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		ok(!ac_dm_setup_reason(no[i]), "setup_reason: not '%s'", no[i]);
		snprintf(code, sizeof(code), "datamanager.%s", no[i]);
		is_str(ac_dm_advice(code), NULL, "advice: '%s': none", code);
	}
	a = ac_dm_advice("datamanager.OPERATING_ACCOUNT_LOGIN_ACCOUNT_MISMATCH");
	ok(a != NULL && strstr(a, "login_customer_id") != NULL,
	    "advice: the login mismatch names login_customer_id");
	a = ac_dm_advice("datamanager.PERMISSION_DENIED");
	ok(a != NULL && strstr(a, "login_customer_id") != NULL,
	    "advice: PERMISSION_DENIED names login_customer_id");
	is_str(ac_dm_advice("datamanager."), NULL, "advice: 'datamanager.'");
	is_str(ac_dm_advice(""), NULL, "advice: ''");
}

int
main(void)
{
	ac_setprogname("t_dm");
	events();
	escaping();
	destinations();
	refuse();
	has_user_data();
	row_keys();
	violations();
	no_violations();
	error_reasons();
	setup();
	return done_testing();
}

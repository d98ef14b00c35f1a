/* SPDX-License-Identifier: MIT */
/*
 * lib/gads: the upload methods, the API object of each kind of conversion
 * (field names from the v25 protos: ClickConversion, CallConversion,
 * ConversionAdjustment, UserIdentifier, OfflineUserAddressInfo), the
 * journal key and what the error codes of the v25 error enums mean
 * (google-ads-api.md §3.6-§3.9 and the issue 10 design).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "conv.h"
#include "diag.h"
#include "gads.h"
#include "ndjson.h"
#include "tap.h"

#define S(lit) ((struct ac_str){ (lit), sizeof(lit) - 1 })

#define CID "1234567890"
#define ACTION "customers/1234567890/conversionActions/987654321"
#define T_CONV "2026-04-20 14:03:00+02:00"
#define T_ADJ "2026-04-21 09:00:00+02:00"
#define T_CALL "2026-04-20 13:55:00+02:00"

#define EMAIL_HEX \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define PHONE_HEX \
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define FIRST_HEX \
	"96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a"
#define LAST_HEX \
	"6627835f988e2c5e50533d5bd1d2d7a4fd0b7e3c0d4a8b6b3b0a0e2e4a5f0c1d"
#define STREET_HEX \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP ",\"userIdentifierSource\":\"FIRST_PARTY\""

static jv
parse(const char *s)
{
	return tap_parse(s, strlen(s));
}

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

static char *
gads_text(const struct ac_conv *c)
{
	struct ac_writer w;
	char *s;

	if (ac_writer_init(&w, -1) == -1)
		abort();
	ac_gads_put(&w, c);
	if ((s = malloc(w.len + 1)) == NULL)
		abort();
	memcpy(s, w.buf, w.len);
	s[w.len] = '\0';
	free(w.buf);
	return s;
}

static void
is_obj(const struct ac_conv *c, const char *want, const char *name)
{
	char *s = gads_text(c);
	jv v = parse(s);

	is_str(s, want, "put: %s", name);
	ok(jv_get_kind(v) == JV_KIND_OBJECT, "put: %s: one JSON object", name);
	jv_free(v);
	free(s);
}

static void
methods(void)
{
	static const struct {
		const char *name, *list, *path;
		enum ac_kind kind;
		int job_id;
	} m[] = {
		{ "uploadClickConversions", "conversions", "conversions",
		    AC_CLICK, 1 },
		{ "uploadCallConversions", "conversions", "conversions",
		    AC_CALL, 0 },
		{ "uploadConversionAdjustments", "conversionAdjustments",
		    "conversion_adjustments", AC_ADJUSTMENT, 1 },
	};
	static const char *const unknown[] = {
		"", "uploadClickConversion", "uploadClickConversionsX",
		"UPLOADCLICKCONVERSIONS", "events:ingest", "uploadUserData",
		"customers/1:uploadClickConversions",
	};
	const struct ac_gads_method *p;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		p = ac_gads_method(m[i].name);
		ok(p != NULL && p == &ac_gads_methods[m[i].kind],
		    "method: %s", m[i].name);
		if (p == NULL)
			continue;
		is_str(p->name, m[i].name, "method: %s: name", m[i].name);
		is_str(p->list, m[i].list, "method: %s: list", m[i].name);
		is_str(p->path, m[i].path, "method: %s: path", m[i].name);
		is_int(p->kind, m[i].kind, "method: %s: kind", m[i].name);
		is_int(p->job_id, m[i].job_id, "method: %s: jobId", m[i].name);
	}
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ok(ac_gads_method(unknown[i]) == NULL, "method: '%s': none",
		    unknown[i]);
}

static void
clicks(void)
{
	struct ac_conv c;

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
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\","
	    "\"conversionValue\":12.5,\"currencyCode\":\"EUR\","
	    "\"orderId\":\"ORD-1\",\"gclid\":\"Cj0KCQ-test_1\","
	    "\"conversionEnvironment\":\"WEB\","
	    "\"consent\":{\"adUserData\":\"GRANTED\"},"
	    "\"userIdentifiers\":[{\"hashedEmail\":\"" EMAIL_HEX "\"" FP "},"
	    "{\"hashedPhoneNumber\":\"" PHONE_HEX "\"" FP "}]}",
	    "click with everything");

	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.click = AC_GBRAID;
	c.click_id = S("0AAAAA-gbraid");
	c.env = AC_ENV_APP;
	c.udata = AC_DENIED;
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\","
	    "\"gbraid\":\"0AAAAA-gbraid\",\"conversionEnvironment\":\"APP\","
	    "\"consent\":{\"adUserData\":\"DENIED\"}}", "click with gbraid");

	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.click = AC_WBRAID;
	c.click_id = S("wb-1");
	c.has_value = 1;
	c.perso = AC_GRANTED;	/* no ClickConversion field of its own */
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\",\"conversionValue\":0,"
	    "\"wbraid\":\"wb-1\"}", "click with wbraid, value 0");

	c = conv(AC_CLICK);
	c.time = T_CONV;
	c.ids = AC_ID_PHONE;
	c.order = S("A\"B\\C\xc3\xa9\x01");
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\","
	    "\"orderId\":\"A\\\"B\\\\C\xc3\xa9\\u0001\","
	    "\"userIdentifiers\":[{\"hashedPhoneNumber\":\"" PHONE_HEX "\"" FP
	    "}]}", "user-data-only click, order ID escaped");
}

static void
calls(void)
{
	struct ac_conv c = conv(AC_CALL);

	c.time = T_CONV;
	c.call_start = T_CALL;
	c.caller = S("+18005550100");
	c.order = S("CALL-7");	/* no CallConversion field */
	c.ids = AC_ID_EMAIL;	/* nor this */
	c.env = AC_ENV_WEB;
	c.has_value = c.has_currency = 1;
	c.value = 40;
	memcpy(c.currency, "USD", 3);
	c.udata = AC_GRANTED;
	is_obj(&c, "{\"callerId\":\"+18005550100\","
	    "\"callStartDateTime\":\"" T_CALL "\","
	    "\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\","
	    "\"conversionValue\":40,\"currencyCode\":\"USD\","
	    "\"consent\":{\"adUserData\":\"GRANTED\"}}", "call");
	c.has_value = c.has_currency = 0;
	c.udata = AC_UNSPECIFIED;
	is_obj(&c, "{\"callerId\":\"+18005550100\","
	    "\"callStartDateTime\":\"" T_CALL "\","
	    "\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\"}", "call, bare");
}

static void
adjustments(void)
{
	struct ac_conv c;

	/* ENHANCEMENT by order: every identifier, the whole address. */
	c = conv(AC_ADJUSTMENT);
	c.adj = AC_ENHANCEMENT;
	c.order = S("ORD-2");
	c.adj_time = T_ADJ;
	c.ids = AC_ID_EMAIL | AC_ID_PHONE;
	c.has_address = 1;
	c.addr.first = S(FIRST_HEX);
	c.addr.last = S(LAST_HEX);
	c.addr.street = S(STREET_HEX);
	c.addr.city = S("Berlin");
	c.addr.region = S("BE");
	c.addr.country = S("DE");
	c.addr.postal = S("10117");
	c.user_agent = S("Mozilla/5.0 \"x\" \\");
	c.has_value = 1;	/* not an enhancement's */
	c.value = 3;
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"ENHANCEMENT\","
	    "\"adjustmentDateTime\":\"" T_ADJ "\",\"orderId\":\"ORD-2\","
	    "\"userIdentifiers\":["
	    "{\"hashedEmail\":\"" EMAIL_HEX "\"" FP "},"
	    "{\"hashedPhoneNumber\":\"" PHONE_HEX "\"" FP "},"
	    "{\"addressInfo\":{\"hashedFirstName\":\"" FIRST_HEX "\","
	    "\"hashedLastName\":\"" LAST_HEX "\","
	    "\"hashedStreetAddress\":\"" STREET_HEX "\","
	    "\"city\":\"Berlin\",\"state\":\"BE\",\"countryCode\":\"DE\","
	    "\"postalCode\":\"10117\"}" FP "}],"
	    "\"userAgent\":\"Mozilla/5.0 \\\"x\\\" \\\\\"}",
	    "ENHANCEMENT with every identifier and the user agent");

	/* The address alone, without the optional parts; no time. */
	c.ids = 0;
	c.adj_time = NULL;
	c.user_agent.s = NULL;
	c.addr.street.s = c.addr.city.s = c.addr.region.s = NULL;
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"ENHANCEMENT\",\"orderId\":\"ORD-2\","
	    "\"userIdentifiers\":["
	    "{\"addressInfo\":{\"hashedFirstName\":\"" FIRST_HEX "\","
	    "\"hashedLastName\":\"" LAST_HEX "\",\"countryCode\":\"DE\","
	    "\"postalCode\":\"10117\"}" FP "}]}",
	    "ENHANCEMENT with the address only");

	/* ENHANCEMENT by gclid and conversion time. */
	c = conv(AC_ADJUSTMENT);
	c.adj = AC_ENHANCEMENT;
	c.click = AC_GCLID;
	c.click_id = S("Cj0-g");
	c.time = T_CONV;
	c.adj_time = T_ADJ;
	c.ids = AC_ID_EMAIL;
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"ENHANCEMENT\","
	    "\"adjustmentDateTime\":\"" T_ADJ "\","
	    "\"gclidDateTimePair\":{\"gclid\":\"Cj0-g\","
	    "\"conversionDateTime\":\"" T_CONV "\"},"
	    "\"userIdentifiers\":[{\"hashedEmail\":\"" EMAIL_HEX "\"" FP "}]}",
	    "ENHANCEMENT by gclid and time");

	/* RETRACTION by order and by gclid: no value, no identifiers. */
	c = conv(AC_ADJUSTMENT);
	c.adj = AC_RETRACTION;
	c.order = S("ORD-3");
	c.adj_time = T_ADJ;
	c.ids = AC_ID_EMAIL;
	c.has_currency = 1;
	memcpy(c.currency, "EUR", 3);
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"RETRACTION\","
	    "\"adjustmentDateTime\":\"" T_ADJ "\",\"orderId\":\"ORD-3\"}",
	    "RETRACTION by order");
	c.order.s = NULL;
	c.click = AC_GCLID;
	c.click_id = S("Cj0-r");
	c.time = T_CONV;
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"RETRACTION\","
	    "\"adjustmentDateTime\":\"" T_ADJ "\","
	    "\"gclidDateTimePair\":{\"gclid\":\"Cj0-r\","
	    "\"conversionDateTime\":\"" T_CONV "\"}}", "RETRACTION by gclid");

	/* RESTATEMENT: restatementValue with and without a currency. */
	c = conv(AC_ADJUSTMENT);
	c.adj = AC_RESTATEMENT;
	c.order = S("ORD-1");
	c.adj_time = T_ADJ;
	c.adjusted = 80.25;
	c.has_value = 1;
	c.value = 99;
	c.has_currency = 1;
	memcpy(c.currency, "EUR", 3);
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"RESTATEMENT\","
	    "\"adjustmentDateTime\":\"" T_ADJ "\",\"orderId\":\"ORD-1\","
	    "\"restatementValue\":{\"adjustedValue\":80.25,"
	    "\"currencyCode\":\"EUR\"}}", "RESTATEMENT with a currency");
	c.has_currency = 0;
	c.adjusted = 0;
	is_obj(&c, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"RESTATEMENT\","
	    "\"adjustmentDateTime\":\"" T_ADJ "\",\"orderId\":\"ORD-1\","
	    "\"restatementValue\":{\"adjustedValue\":0}}",
	    "RESTATEMENT to 0 without a currency");
}

/* ac_gads_row_key of an API object given as JSON text. */
static void
is_key(enum ac_kind k, const char *obj, const char *want, const char *name)
{
	jv v = parse(obj);
	char *key;

	ok(jv_is_valid(v), "row_key: %s: parses", name);
	key = ac_gads_row_key(CID, &ac_gads_methods[k], v);
	is_str(key, want, "row_key: %s", name);
	free(key);
	jv_free(v);
}

static void
row_keys(void)
{
	is_key(AC_CLICK, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\",\"orderId\":\"O-1\","
	    "\"gclid\":\"G\"}", CID "|" ACTION "|order|O-1", "click by order");
	is_key(AC_CLICK, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\",\"gclid\":\"G\"}",
	    CID "|" ACTION "|gclid:G|" T_CONV, "click by gclid");
	is_key(AC_CLICK, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\",\"gbraid\":\"B\"}",
	    CID "|" ACTION "|gbraid:B|" T_CONV, "click by gbraid");
	is_key(AC_CLICK, "{\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\",\"orderId\":\"\"}",
	    CID "|" ACTION "|time|" T_CONV, "click, empty order: by time");
	is_key(AC_CALL, "{\"callerId\":\"+18005550100\",\"callStartDateTime\":"
	    "\"" T_CALL "\",\"conversionAction\":\"" ACTION "\","
	    "\"conversionDateTime\":\"" T_CONV "\"}",
	    CID "|" ACTION "|call|fb4f73a6ec5fdb7077d564cdd22c3554|" T_CALL,
	    "call: the first 16 bytes of SHA-256(caller)");
	is_key(AC_CALL, "{\"callStartDateTime\":\"" T_CALL "\","
	    "\"conversionAction\":\"" ACTION "\"}",
	    CID "|" ACTION "|call|00000000000000000000000000000000|" T_CALL,
	    "call without a caller");
	is_key(AC_ADJUSTMENT, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"RESTATEMENT\",\"adjustmentDateTime\":\""
	    T_ADJ "\",\"orderId\":\"O-1\"}",
	    CID "|" ACTION "|RESTATEMENT|order|O-1|" T_ADJ,
	    "RESTATEMENT by order");
	is_key(AC_ADJUSTMENT, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"RETRACTION\",\"adjustmentDateTime\":\""
	    T_ADJ "\",\"gclidDateTimePair\":{\"gclid\":\"G\","
	    "\"conversionDateTime\":\"" T_CONV "\"}}",
	    CID "|" ACTION "|RETRACTION|gclid:G|" T_CONV "|" T_ADJ,
	    "RETRACTION by gclid and time");
	is_key(AC_ADJUSTMENT, "{\"conversionAction\":\"" ACTION "\","
	    "\"adjustmentType\":\"ENHANCEMENT\",\"orderId\":\"O-2\"}",
	    CID "|" ACTION "|ENHANCEMENT|order|O-2|",
	    "ENHANCEMENT without adjustment time");
	{
		jv v = parse("{\"callerId\":\"+18005550100\"}");
		char *key = ac_gads_row_key(CID, &ac_gads_methods[AC_CALL], v);

		ok(strstr(key, "8005550100") == NULL,
		    "row_key: a call's key holds no phone digits");
		free(key);
		jv_free(v);
	}
}

static const char *const class_names[] = { "REFUSED", "ALREADY", "LATER",
	"SETUP" };

static void
classes(void)
{
	static const struct {
		const char *code;
		enum ac_gads_class want;
	} k[] = {
		{ "conversionUploadError.ORDER_ID_ALREADY_IN_USE",
		    AC_GADS_ALREADY },
		{ "conversionUploadError.CLICK_CONVERSION_ALREADY_EXISTS",
		    AC_GADS_ALREADY },
		{ "conversionUploadError.CALL_CONVERSION_ALREADY_EXISTS",
		    AC_GADS_ALREADY },
		{ "conversionAdjustmentUploadError.CONVERSION_ALREADY_ENHANCED",
		    AC_GADS_ALREADY },
		{ "conversionAdjustmentUploadError.CONVERSION_ALREADY_RETRACTED",
		    AC_GADS_ALREADY },
		{ "conversionAdjustmentUploadError.RESTATEMENT_ALREADY_EXISTS",
		    AC_GADS_ALREADY },
		{ "conversionUploadError.TOO_RECENT_EVENT", AC_GADS_LATER },
		{ "conversionUploadError.TOO_RECENT_CONVERSION_ACTION",
		    AC_GADS_LATER },
		{ "conversionUploadError.TOO_RECENT_CALL", AC_GADS_LATER },
		{ "conversionAdjustmentUploadError.TOO_RECENT_CONVERSION_ACTION",
		    AC_GADS_LATER },
		/* No 24-hour wait for adjustments since 2024-09-09. */
		{ "conversionAdjustmentUploadError.TOO_RECENT_CONVERSION",
		    AC_GADS_REFUSED },
		{ "authorizationError.USER_PERMISSION_DENIED", AC_GADS_SETUP },
		{ "authorizationError.DEVELOPER_TOKEN_NOT_APPROVED",
		    AC_GADS_SETUP },
		{ "authorizationError.CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION",
		    AC_GADS_SETUP },
		{ "authorizationError.", AC_GADS_SETUP },
		{ "authenticationError.OAUTH_TOKEN_EXPIRED", AC_GADS_SETUP },
		{ "authenticationError.NOT_ADS_USER", AC_GADS_SETUP },
		{ "headerError.INVALID_LOGIN_CUSTOMER_ID", AC_GADS_SETUP },
		{ "headerError.INVALID_LINKED_CUSTOMER_ID", AC_GADS_SETUP },
		{ "notAllowlistedError.CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE",
		    AC_GADS_SETUP },
		{ "requestError.UNSUPPORTED_VERSION", AC_GADS_SETUP },
		{ "requestError.DEVELOPER_TOKEN_PARAMETER_MISSING",
		    AC_GADS_SETUP },
		{ "requestError.LOGIN_CUSTOMER_ID_PARAMETER_MISSING",
		    AC_GADS_SETUP },
		{ "rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT", AC_GADS_SETUP },
		{ "rpc.SERVICE_DISABLED", AC_GADS_SETUP },
		{ "rpc.PERMISSION_DENIED", AC_GADS_SETUP },
		/* Refusals, and what only looks like the codes above. */
		{ "conversionUploadError.UNPARSEABLE_GCLID", AC_GADS_REFUSED },
		{ "conversionUploadError.TOO_RECENT_EVENTS", AC_GADS_REFUSED },
		{ "requestError.INVALID_CUSTOMER_ID", AC_GADS_REFUSED },
		{ "requestError.UNSUPPORTED_VERSIONX", AC_GADS_REFUSED },
		{ "requestError.", AC_GADS_REFUSED },
		{ "notAllowlistedError.UNKNOWN", AC_GADS_REFUSED },
		{ "authorizationErrorX.Y", AC_GADS_REFUSED },
		{ "authorizationError", AC_GADS_REFUSED },
		{ "xauthorizationError.USER_PERMISSION_DENIED", AC_GADS_REFUSED },
		{ "authenticationErrorX.OAUTH_TOKEN_EXPIRED", AC_GADS_REFUSED },
		{ "headerErrorX.INVALID_LOGIN_CUSTOMER_ID", AC_GADS_REFUSED },
		{ "rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENTX", AC_GADS_REFUSED },
		{ "rpc.ACCESS_TOKEN_SCOPE", AC_GADS_REFUSED },
		{ "rpc.INVALID_ARGUMENT", AC_GADS_REFUSED },
		{ "datamanager.PERMISSION_DENIED", AC_GADS_REFUSED },
		{ "quotaError.RESOURCE_EXHAUSTED", AC_GADS_REFUSED },
		{ "", AC_GADS_REFUSED },
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		is_str(class_names[ac_gads_class(k[i].code)],
		    class_names[k[i].want], "class: '%s'", k[i].code);
}

static void
advice(void)
{
	static const char *const setup[] = {
		"authorizationError.USER_PERMISSION_DENIED",
		"authorizationError.DEVELOPER_TOKEN_NOT_APPROVED",
		"authorizationError.CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION",
		"authenticationError.NOT_ADS_USER",
		"headerError.INVALID_LOGIN_CUSTOMER_ID",
		"notAllowlistedError.CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE",
		"requestError.UNSUPPORTED_VERSION",
		"requestError.DEVELOPER_TOKEN_PARAMETER_MISSING",
		"requestError.LOGIN_CUSTOMER_ID_PARAMETER_MISSING",
		"rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT",
		"rpc.SERVICE_DISABLED",
		"rpc.PERMISSION_DENIED",
	};
	static const char *const none[] = {
		"conversionUploadError.ORDER_ID_ALREADY_IN_USE",
		"conversionUploadError.TOO_RECENT_EVENT",
		"conversionAdjustmentUploadError.TOO_RECENT_CONVERSION",
		"conversionUploadError.UNPARSEABLE_GCLID",
		"requestError.INVALID_CUSTOMER_ID",
		"authorizationErrorX.Y", "headerErrorX.Y",
		"rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENTX",
		"datamanager.PERMISSION_DENIED", "",
	};
	const char *a, *b;
	size_t i;

	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++) {
		a = ac_gads_advice(setup[i]);
		ok(a != NULL && a[0] != '\0' && strchr(a, '\n') == NULL,
		    "advice: %s: one line", setup[i]);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		is_str(ac_gads_advice(none[i]), NULL, "advice: '%s': none",
		    none[i]);
	a = ac_gads_advice(
	    "notAllowlistedError.CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE");
	ok(a != NULL && strstr(a, "--api datamanager") != NULL,
	    "advice: not allowlisted names --api datamanager");
	a = ac_gads_advice("authorizationError.DEVELOPER_TOKEN_NOT_APPROVED");
	b = ac_gads_advice("authorizationError.USER_PERMISSION_DENIED");
	ok(a != NULL && b != NULL && a != b,
	    "advice: a specific authorizationError before the family's");
	ok(b != NULL && strstr(b, "login_customer_id") != NULL,
	    "advice: the authorizationError family names login_customer_id");
	a = ac_gads_advice("rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT");
	ok(a != NULL && strstr(a, "ac-token login") != NULL &&
	    strstr(a, "datamanager") != NULL && strstr(a, "adwords") != NULL,
	    "advice: the scope names both scopes and ac-token login");
	a = ac_gads_advice("requestError.UNSUPPORTED_VERSION");
	ok(a != NULL && strstr(a, "--api-version") != NULL,
	    "advice: UNSUPPORTED_VERSION names --api-version");
}

int
main(void)
{
	ac_setprogname("t_gads");
	methods();
	clicks();
	calls();
	adjustments();
	row_keys();
	classes();
	advice();
	return done_testing();
}

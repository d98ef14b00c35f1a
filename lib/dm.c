/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "crypto.h"
#include "diag.h"
#include "dm.h"
#include "field.h"

const char *
ac_dm_refuse(const struct ac_conv *c, const char **field, const char **msg)
{
	*field = NULL;
	if (c->has_ext) {
		/* data-manager.md: external_attribution_data is not
		 * supported (processing error 44). */
		*field = "external_attribution_model";
		*msg = "the Data Manager API takes no external attribution "
		    "data: externally attributed conversions go through the "
		    "Google Ads API, ac-batch --api googleads, where "
		    "allowlisted";
		return "external_attribution_unsupported";
	}
	if (c->kind != AC_ADJUSTMENT)
		return NULL;
	/* data-manager.md §5: no retraction; matching by transactionId
	 * only; every event needs an identifier and a time. */
	if (c->adj == AC_RETRACTION) {
		*field = "adjustment_type";
		*msg = "the Data Manager API cannot retract a conversion: "
		    "accounts allowlisted for the Google Ads API can, with "
		    "ac-batch --api googleads";
		return "retraction_unsupported";
	}
	if (c->order.s == NULL) {
		*field = "order_id";
		*msg = "the Data Manager API finds the conversion to adjust "
		    "by order_id only (not by gclid and time): give order_id, "
		    "or use ac-batch --api googleads where allowlisted";
		return "adjustment_needs_order_id";
	}
	if (c->time == NULL && c->adj_time == NULL) {
		*field = "conversion_date_time";
		*msg = "the Data Manager API needs a time on every event: "
		    "give conversion_date_time or adjustment_date_time";
		return "time_missing";
	}
	if (c->click == AC_NOCLICK && !ac_dm_has_user_data(c)) {
		*msg = "the Data Manager API needs a click ID or a hashed "
		    "email, phone or address on every event, adjustments too: "
		    "keep the original conversion's email or phone on the "
		    "record, or use ac-batch --api googleads where allowlisted";
		return "identifier_missing";
	}
	return NULL;
}

int
ac_dm_has_user_data(const struct ac_conv *c)
{
	return c->ids != 0 || c->has_address || c->kind == AC_CALL;
}

static void
put_str(struct ac_writer *w, const char *key, const struct ac_str *v)
{
	ac_write_bytes(w, key, strlen(key));
	ac_write_string(w, v->s, v->n);
}

/* "yyyy-mm-dd hh:mm:ss+hh:mm" as RFC 3339: the space becomes T. */
static void
put_time(struct ac_writer *w, const char *t)
{
	AC_PUT(w, "\"");
	ac_write_bytes(w, t, 10);
	AC_PUT(w, "T");
	ac_write_bytes(w, t + 11, AC_TIME_LEN - 11);
	AC_PUT(w, "\"");
}

static const char *const consent_names[] = { "", "\"CONSENT_GRANTED\"",
	"\"CONSENT_DENIED\"" };

static void
put_consent(struct ac_writer *w, const struct ac_conv *c)
{
	if (c->udata == AC_UNSPECIFIED && c->perso == AC_UNSPECIFIED)
		return;
	AC_PUT(w, ",\"consent\":{");
	if (c->udata != AC_UNSPECIFIED) {
		AC_PUT(w, "\"adUserData\":");
		ac_write_bytes(w, consent_names[c->udata],
		    strlen(consent_names[c->udata]));
	}
	if (c->perso != AC_UNSPECIFIED) {
		if (c->udata != AC_UNSPECIFIED)
			AC_PUT(w, ",");
		AC_PUT(w, "\"adPersonalization\":");
		ac_write_bytes(w, consent_names[c->perso],
		    strlen(consent_names[c->perso]));
	}
	AC_PUT(w, "}");
}

/* The caller's E.164 number, hashed: Data Manager takes no number in
 * clear (data-manager.md §6). */
static void
put_caller(struct ac_writer *w, const struct ac_conv *c)
{
	unsigned char md[32];

	ac_sha256(c->caller.s, c->caller.n, md);
	AC_PUT(w, "{\"phoneNumber\":");
	ac_put_hex(w, md);
	AC_PUT(w, "}");
}

static void
put_user_data(struct ac_writer *w, const struct ac_conv *c)
{
	static const char *const keys[] = { "{\"emailAddress\":",
		"{\"phoneNumber\":" };
	int i, sep = 0;

	AC_PUT(w, ",\"userData\":{\"userIdentifiers\":[");
	if (c->kind == AC_CALL) {
		put_caller(w, c);
		sep++;
	}
	for (i = 0; i < 2; i++) {
		if (!(c->ids & (1 << i)))
			continue;
		if (sep++)
			AC_PUT(w, ",");
		ac_write_bytes(w, keys[i], strlen(keys[i]));
		ac_put_hex(w, c->hash[i]);
		AC_PUT(w, "}");
	}
	for (i = 0; i < c->nmore; i++) {
		if (sep++)
			AC_PUT(w, ",");
		ac_write_bytes(w, keys[c->more_type[i]],
		    strlen(keys[c->more_type[i]]));
		ac_put_hex(w, c->more[i]);
		AC_PUT(w, "}");
	}
	if (c->has_address) {
		if (sep++)
			AC_PUT(w, ",");
		/* addressLine, city and administrativeArea are "used only
		 * for Google Analytics" (§2.4): not sent. */
		put_str(w, "{\"address\":{\"givenName\":", &c->addr.first);
		put_str(w, ",\"familyName\":", &c->addr.last);
		put_str(w, ",\"regionCode\":", &c->addr.country);
		put_str(w, ",\"postalCode\":", &c->addr.postal);
		AC_PUT(w, "}}");
	}
	AC_PUT(w, "]}");
}

/* adIdentifiers: the session attributes, the click ID, and the device
 * it landed with (landingPageDeviceInfo). */
static void
put_ad_identifiers(struct ac_writer *w, const struct ac_conv *c)
{
	int sep = 0;

	AC_PUT(w, ",\"adIdentifiers\":{");
	if (c->session.s != NULL) {
		put_str(w, "\"sessionAttributes\":", &c->session);
		sep = 1;
	}
	if (c->click != AC_NOCLICK) {
		if (sep)
			AC_PUT(w, ",");
		AC_PUT(w, "\"");
		ac_write_bytes(w, ac_click_names[c->click],
		    strlen(ac_click_names[c->click]));
		AC_PUT(w, "\":");
		ac_write_string(w, c->click_id.s, c->click_id.n);
		sep = 1;
	}
	if (c->lp_ua.s != NULL || c->lp_ip.s != NULL) {
		if (sep)
			AC_PUT(w, ",");
		AC_PUT(w, "\"landingPageDeviceInfo\":{");
		if (c->lp_ua.s != NULL)
			put_str(w, "\"userAgent\":", &c->lp_ua);
		if (c->lp_ip.s != NULL)
			put_str(w, c->lp_ua.s != NULL ? ",\"ipAddress\":" :
			    "\"ipAddress\":", &c->lp_ip);
		AC_PUT(w, "}");
	}
	AC_PUT(w, "}");
}

void
ac_dm_put_event(struct ac_writer *w, const struct ac_conv *c)
{
	static const char *const sources[] = { NULL, "\"APP\"", "\"WEB\"" };
	double value = c->kind == AC_ADJUSTMENT ? c->adjusted : c->value;
	int has_value = c->kind == AC_ADJUSTMENT ? c->adj == AC_RESTATEMENT :
	    c->has_value;

	AC_PUT(w, "{\"destinationReferences\":[");
	ac_put_plain(w, c->action_id.s, c->action_id.n);
	AC_PUT(w, "]");
	if (c->order.s != NULL)
		put_str(w, ",\"transactionId\":", &c->order);
	AC_PUT(w, ",\"eventTimestamp\":");
	put_time(w, c->time != NULL ? c->time : c->adj_time);
	if (c->kind == AC_CALL)
		AC_PUT(w, ",\"eventSource\":\"PHONE\"");
	else if (c->env != AC_ENV_NONE) {
		AC_PUT(w, ",\"eventSource\":");
		ac_write_bytes(w, sources[c->env], 5);
	}
	if (c->click != AC_NOCLICK || c->session.s != NULL ||
	    c->lp_ua.s != NULL || c->lp_ip.s != NULL)
		put_ad_identifiers(w, c);
	if (ac_dm_has_user_data(c))
		put_user_data(w, c);
	if (c->user_agent.s != NULL) {
		put_str(w, ",\"eventDeviceInfo\":{\"userAgent\":",
		    &c->user_agent);
		AC_PUT(w, "}");
	}
	if (c->cart.has)
		ac_put_cart(w, &c->cart, 1);
	ac_put_custom(w, c, 1);
	if (has_value) {
		AC_PUT(w, ",\"conversionValue\":");
		ac_write_value(w, jv_number(value));
	}
	if (c->has_currency && has_value) {
		AC_PUT(w, ",\"currency\":");
		ac_put_plain(w, c->currency, 3);
	}
	put_consent(w, c);
	if (c->ctype != AC_CT_NONE) {
		AC_PUT(w, ",\"userProperties\":{\"customerType\":");
		ac_put_plain(w, ac_ctype_names[c->ctype],
		    strlen(ac_ctype_names[c->ctype]));
		AC_PUT(w, "}");
	}
	AC_PUT(w, "}");
}

void
ac_dm_put_destination(struct ac_writer *w, const char *customer,
    const char *login, const char *id, size_t n)
{
	AC_PUT(w, "{\"reference\":");
	ac_put_plain(w, id, n);
	if (login != NULL && login[0] != '\0') {
		AC_PUT(w, ",\"loginAccount\":{\"accountType\":\"GOOGLE_ADS\","
		    "\"accountId\":");
		ac_put_plain(w, login, strlen(login));
		AC_PUT(w, "}");
	}
	AC_PUT(w, ",\"operatingAccount\":{\"accountType\":\"GOOGLE_ADS\","
	    "\"accountId\":");
	ac_put_plain(w, customer, strlen(customer));
	AC_PUT(w, "},\"productDestinationId\":");
	ac_put_plain(w, id, n);
	AC_PUT(w, "}");
}

/* Journal keys */

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* The first user identifier's phoneNumber: a call's hashed caller. */
static const char *
caller_hash(jv event)
{
	jv ud = ac_obj_get(event, "userData");
	jv ids = ac_obj_get(ud, "userIdentifiers");
	jv first = jv_get_kind(ids) == JV_KIND_ARRAY &&
	    jv_array_length(jv_copy(ids)) > 0 ?
	    jv_array_get(jv_copy(ids), 0) : jv_invalid();
	const char *s = ac_obj_str(first, "phoneNumber");

	/* event holds the string: it outlives these copies */
	jv_free(first);
	jv_free(ids);
	jv_free(ud);
	return s;
}

char *
ac_dm_row_key(const char *cid, jv event, jv info)
{
	static const char *const clicks[] = { "gclid", "gbraid", "wbraid" };
	const char *action = ac_obj_str(info, "conversion_action");
	const char *t = ac_obj_str(info, "conversion_date_time");
	const char *kind = or_empty(ac_obj_str(info, "kind"));
	const char *order = ac_obj_str(event, "transactionId");
	const char *s;
	jv refs = jv_invalid(), ad;
	char *key = NULL;
	size_t i;

	if (action == NULL) {
		refs = ac_obj_get(event, "destinationReferences");
		if (jv_get_kind(refs) == JV_KIND_ARRAY &&
		    jv_array_length(jv_copy(refs)) > 0) {
			jv r = jv_array_get(jv_copy(refs), 0);

			if (jv_get_kind(r) == JV_KIND_STRING)
				action = jv_string_value(r); /* refs holds it */
			jv_free(r);
		}
	}
	action = or_empty(action);
	if (t == NULL)
		t = or_empty(ac_obj_str(event, "eventTimestamp"));
	if (strcmp(kind, "call") == 0) {
		s = or_empty(caller_hash(event));
		key = ac_strfmt("%s|%s|call|%.32s|%s", cid, action, s,
		    or_empty(ac_obj_str(info, "call_start_date_time")));
	} else if (strcmp(kind, "adjustment") == 0) {
		key = ac_strfmt("%s|%s|%s|order|%s|%s", cid, action,
		    or_empty(ac_obj_str(info, "adjustment_type")),
		    or_empty(order),
		    or_empty(ac_obj_str(info, "adjustment_date_time")));
	} else if (order != NULL) {
		key = ac_strfmt("%s|%s|order|%s", cid, action, order);
	} else {
		ad = ac_obj_get(event, "adIdentifiers");
		for (i = 0; i < sizeof(clicks) / sizeof(clicks[0]); i++)
			if ((s = ac_obj_str(ad, clicks[i])) != NULL) {
				key = ac_strfmt("%s|%s|%s:%s|%s", cid, action,
				    clicks[i], s, t);
				break;
			}
		jv_free(ad);
		if (key == NULL)
			key = ac_strfmt("%s|%s|time|%s", cid, action, t);
	}
	jv_free(refs);
	return key;
}

/* Answers */

/* Nonzero when the Any's @type ends in name. Borrows d. */
static int
is_type(jv d, const char *name)
{
	const char *t = ac_obj_str(d, "@type");
	size_t n, m = strlen(name);

	if (t == NULL || (n = strlen(t)) < m)
		return 0;
	return strcmp(t + n - m, name) == 0 && (n == m || t[n - m - 1] == '/' ||
	    t[n - m - 1] == '.');
}

/* The details entry of type name, owned, or jv_invalid(). */
static jv
detail(jv error, const char *name)
{
	jv ds = ac_obj_get(error, "details"), d = jv_invalid();
	int i, n;

	n = jv_get_kind(ds) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ds)) :
	    0;
	for (i = 0; i < n; i++) {
		d = jv_array_get(jv_copy(ds), i);
		if (is_type(d, name))
			break;
		jv_free(d);
		d = jv_invalid();
	}
	jv_free(ds);
	return d;
}

static void
copy_clean(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < len; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ||
		    (src[i] >= '0' && src[i] <= '9') || src[i] == '_' ?
		    src[i] : '?';
	dst[i] = '\0';
}

int
ac_dm_error_reason(jv error, char *reason, size_t len, int *dm)
{
	jv d = detail(error, "google.rpc.ErrorInfo");
	const char *s = ac_obj_str(d, "reason"), *dom;
	int r = -1;

	if (s != NULL) {
		copy_clean(reason, len, s);
		dom = ac_obj_str(d, "domain");
		*dm = dom != NULL && strcmp(dom, "datamanager.googleapis.com") ==
		    0;
		r = 0;
	}
	jv_free(d);
	return r;
}

/* "events[12]..." -> 12 for prefix "events". */
static long
index_of(const char *field, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;
	long i;

	if (strncmp(field, prefix, n) != 0 || field[n] != '[' ||
	    field[n + 1] < '0' || field[n + 1] > '9')
		return -1;
	i = strtol(field + n + 1, &end, 10);
	return *end == ']' && i >= 0 && i < 1000000 ? i : -1;
}

int
ac_dm_each_violation(jv error, const char *fallback,
    void (*f)(void *, enum ac_dm_target, long, const char *, const char *),
    void *arg)
{
	jv br = detail(error, "google.rpc.BadRequest");
	jv vs = ac_obj_get(br, "fieldViolations");
	int i, n;

	n = jv_get_kind(vs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(vs)) :
	    0;
	for (i = 0; i < n; i++) {
		jv v = jv_array_get(jv_copy(vs), i);
		const char *field = or_empty(ac_obj_str(v, "field"));
		const char *reason = ac_obj_str(v, "reason");
		char code[96];
		long k;

		copy_clean(code, sizeof(code), reason != NULL ? reason :
		    fallback != NULL ? fallback : "INVALID_ARGUMENT");
		if ((k = index_of(field, "events")) >= 0)
			f(arg, AC_DM_EVENT, k, code,
			    or_empty(ac_obj_str(v, "description")));
		else if ((k = index_of(field, "destinations")) >= 0)
			f(arg, AC_DM_DESTINATION, k, code,
			    or_empty(ac_obj_str(v, "description")));
		else
			f(arg, AC_DM_REQUEST, -1, code,
			    or_empty(ac_obj_str(v, "description")));
		jv_free(v);
	}
	jv_free(vs);
	jv_free(br);
	return n;
}

/* What a refusal says of each row */

struct dmv {
	jv base, events;
	int n;
	struct ac_rowerr *row, *wide;
};

static void
mark(struct ac_rowerr *re, const char *reason, const char *desc)
{
	if (re->set)
		return;		/* the first violation of a row decides */
	snprintf(re->code, sizeof(re->code), "datamanager.%s", reason);
	ac_text_copy(re->msg, sizeof(re->msg), desc);
	re->set = 1;
}

/* Nonzero when event e goes to destination reference ref. */
static int
goes_to(jv e, const char *ref)
{
	jv refs = ac_obj_get(e, "destinationReferences");
	int i, n, yes;

	n = jv_get_kind(refs) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(refs)) : 0;
	yes = n == 0;		/* none: every destination */
	for (i = 0; i < n && !yes; i++) {
		jv x = jv_array_get(jv_copy(refs), i);

		yes = jv_get_kind(x) == JV_KIND_STRING &&
		    strcmp(jv_string_value(x), ref) == 0;
		jv_free(x);
	}
	jv_free(refs);
	return yes;
}

static void
violation(void *arg, enum ac_dm_target t, long idx, const char *reason,
    const char *desc)
{
	struct dmv *d = arg;
	jv dests, dest, e;
	const char *ref;
	int i;

	if (t == AC_DM_EVENT) {
		if (idx < d->n)
			mark(&d->row[idx], reason, desc);
		return;
	}
	if (t == AC_DM_REQUEST) {
		mark(d->wide, reason, desc);
		return;
	}
	/* A destination: every event that goes to it. */
	dests = ac_obj_get(d->base, "destinations");
	dest = jv_get_kind(dests) == JV_KIND_ARRAY &&
	    idx < jv_array_length(jv_copy(dests)) ?
	    jv_array_get(jv_copy(dests), (int)idx) : jv_invalid();
	ref = ac_obj_str(dest, "reference");
	for (i = 0; i < d->n; i++) {
		e = jv_array_get(jv_copy(d->events), i);
		if (ref == NULL || goes_to(e, ref))
			mark(&d->row[i], reason, desc);
		jv_free(e);
	}
	jv_free(dest);
	jv_free(dests);
}

void
ac_dm_refusal(jv error, jv base, jv events, int n, struct ac_rowerr *row,
    struct ac_rowerr *wide, char *reason, size_t len)
{
	struct dmv d = { base, events, n, row, wide };
	int isdm;

	memset(row, 0, (size_t)n * sizeof(*row));
	memset(wide, 0, sizeof(*wide));
	if (ac_dm_error_reason(error, reason, len, &isdm) == -1)
		snprintf(reason, len, "INVALID_ARGUMENT");
	ac_dm_each_violation(error, reason, violation, &d);
}

jv
ac_dm_prune(jv base, jv events)
{
	jv dests = ac_obj_get(base, "destinations"), keep = jv_array();
	int i, j, n, m, used;

	n = jv_get_kind(dests) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(dests)) : 0;
	m = jv_get_kind(events) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(events)) : 0;
	for (i = 0; i < n; i++) {
		jv d = jv_array_get(jv_copy(dests), i), e;
		const char *ref = ac_obj_str(d, "reference");

		for (j = 0, used = ref == NULL; j < m && !used; j++) {
			e = jv_array_get(jv_copy(events), j);
			used = goes_to(e, ref);
			jv_free(e);
		}
		if (used)
			keep = jv_array_append(keep, d);
		else
			jv_free(d);
	}
	jv_free(dests);
	if (n == 0) {
		jv_free(keep);
		return base;
	}
	return jv_object_set(base, jv_string("destinations"), keep);
}

/* ErrorReason values about the account or credentials (§4.4). */
static const struct {
	const char *reason, *advice;
} setup[] = {
	{ "PERMISSION_DENIED", "the credentials may not send to this account: "
	    "give the Google Account (or the service account's email) access "
	    "to the Google Ads account, and set login_customer_id when the "
	    "access is through a manager account" },
	{ "TERMS_AND_CONDITIONS_NOT_SIGNED", "the account has not accepted "
	    "the customer data terms: accept them in Google Ads (Tools, "
	    "Conversions, Settings)" },
	{ "NOT_ALLOWLISTED", "this feature needs an allowlisted account" },
	{ "DESTINATION_ACCOUNT_NOT_ENABLED_ENHANCED_CONVERSIONS_FOR_LEADS",
	    "turn on enhanced conversions for leads in the Google Ads "
	    "account's conversion settings" },
	{ "DESTINATION_ACCOUNT_DATA_POLICY_PROHIBITS_ENHANCED_CONVERSIONS",
	    "the account's data policy does not allow enhanced conversions" },
	{ "DESTINATION_ACCOUNT_ENHANCED_CONVERSIONS_TERMS_NOT_SIGNED",
	    "accept the enhanced conversions terms in the Google Ads account" },
	{ "OPERATING_ACCOUNT_LOGIN_ACCOUNT_MISMATCH", "login_customer_id is "
	    "not a manager of customer_id: fix login_customer_id" },
	{ "LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT",
	    "a linked account is for data partners only" },
	{ "EU_POLITICAL_ADVERTISING_DECLARATION_REQUIRED", "the account must "
	    "declare whether it runs EU political ads (Google Ads settings)" },
	{ "DESTINATION_ACCOUNT_TYPE_MISMATCH", "customer_id must be a Google "
	    "Ads account" },
	{ "INVALID_CONVERSION_ACTION_TYPE", "the conversion action has a "
	    "type Data Manager does not take (clicks need an import of "
	    "clicks, UPLOAD_CLICKS)" },
};

int
ac_dm_setup_reason(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if (strcmp(reason, setup[i].reason) == 0)
			return 1;
	return 0;
}

const char *
ac_dm_advice(const char *code)
{
	static const char pre[] = "datamanager.";
	size_t i;

	if (strncmp(code, pre, sizeof(pre) - 1) != 0)
		return NULL;
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if (strcmp(code + sizeof(pre) - 1, setup[i].reason) == 0)
			return setup[i].advice;
	return NULL;
}

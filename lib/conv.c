/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "conv.h"

const char *const ac_kind_names[AC_NKINDS] = { "click", "call",
	"adjustment" };
const char *const ac_adj_names[AC_NADJ] = { "ENHANCEMENT", "RETRACTION",
	"RESTATEMENT" };
const char *const ac_click_names[4] = { "none", "gclid", "gbraid",
	"wbraid" };
const char *const ac_ctype_names[4] = { "", "NEW", "RETURNING",
	"REENGAGED" };
const char *const ac_consent_names[3] = { "UNSPECIFIED", "GRANTED",
	"DENIED" };

void
ac_put_hex(struct ac_writer *w, const unsigned char *p)
{
	static const char hex[] = "0123456789abcdef";
	char s[66];
	int i;

	s[0] = s[65] = '"';
	for (i = 0; i < 32; i++) {
		s[1 + 2 * i] = hex[p[i] >> 4];
		s[2 + 2 * i] = hex[p[i] & 15];
	}
	ac_write_bytes(w, s, sizeof(s));
}

void
ac_put_plain(struct ac_writer *w, const char *s, size_t n)
{
	AC_PUT(w, "\"");
	ac_write_bytes(w, s, n);
	AC_PUT(w, "\"");
}

void
ac_put_cart(struct ac_writer *w, const struct ac_cart *cart, int dm)
{
	int i, n = jv_array_length(jv_copy(cart->items));
	jv item;

	AC_PUT(w, ",\"cartData\":{");
	if (cart->merchant.s != NULL) {
		/* int64 on the Google Ads API, string on Data Manager: proto3
		 * JSON takes a quoted int64 as well. */
		AC_PUT(w, "\"merchantId\":");
		ac_put_plain(w, cart->merchant.s, cart->merchant.n);
		AC_PUT(w, ",");
	}
	if (cart->country[0] != '\0') {
		if (dm)
			AC_PUT(w, "\"merchantFeedLabel\":");
		else
			AC_PUT(w, "\"feedCountryCode\":");
		ac_put_plain(w, cart->country, 2);
		AC_PUT(w, ",");
	}
	if (cart->lang[0] != '\0') {
		if (dm)
			AC_PUT(w, "\"merchantFeedLanguageCode\":");
		else
			AC_PUT(w, "\"feedLanguageCode\":");
		ac_put_plain(w, cart->lang, 2);
		AC_PUT(w, ",");
	}
	if (cart->has_discount) {
		if (dm)
			AC_PUT(w, "\"transactionDiscount\":");
		else
			AC_PUT(w, "\"localTransactionCost\":");
		ac_write_value(w, jv_number(cart->discount));
		AC_PUT(w, ",");
	}
	AC_PUT(w, "\"items\":[");
	for (i = 0; i < n; i++) {
		item = jv_array_get(jv_copy(cart->items), i);
		if (i > 0)
			AC_PUT(w, ",");
		if (dm)
			AC_PUT(w, "{\"merchantProductId\":");
		else
			AC_PUT(w, "{\"productId\":");
		ac_write_value(w, jv_object_get(jv_copy(item),
		    jv_string("product_id")));
		/* int32 on the Google Ads API (a number), int64 on Data
		 * Manager (a string in canonical proto3 JSON). */
		AC_PUT(w, ",\"quantity\":");
		if (dm)
			AC_PUT(w, "\"");
		ac_write_value(w, jv_object_get(jv_copy(item),
		    jv_string("quantity")));
		if (dm)
			AC_PUT(w, "\"");
		AC_PUT(w, ",\"unitPrice\":");
		ac_write_value(w, jv_object_get(item, jv_string("unit_price")));
		AC_PUT(w, "}");
	}
	AC_PUT(w, "]}");
}

void
ac_put_custom(struct ac_writer *w, const struct ac_conv *c, int dm)
{
	int i, n, sent = 0;
	jv e, k, v;

	if (jv_get_kind(c->custom) != JV_KIND_ARRAY)
		return;
	n = jv_array_length(jv_copy(c->custom));
	for (i = 0; i < n; i++) {
		e = jv_array_get(jv_copy(c->custom), i);
		k = jv_object_get(jv_copy(e), jv_string(dm ? "variable" :
		    "id"));
		v = jv_object_get(e, jv_string("value"));
		if (jv_get_kind(k) == JV_KIND_STRING) {
			if (sent++)
				AC_PUT(w, ",");
			else
				AC_PUT(w, ",\"customVariables\":[");
			if (dm) {
				AC_PUT(w, "{\"variable\":");
				ac_write_value(w, jv_copy(k));
			} else {
				/* customers/{cid}/conversionCustomVariables/{id},
				 * cid from the conversion action's name */
				AC_PUT(w, "{\"conversionCustomVariable\":"
				    "\"customers/");
				ac_write_bytes(w, c->action.s + 10, 10);
				AC_PUT(w, "/conversionCustomVariables/");
				ac_write_bytes(w, jv_string_value(k),
				    (size_t)jv_string_length_bytes(jv_copy(k)));
				AC_PUT(w, "\"");
			}
			AC_PUT(w, ",\"value\":");
			ac_write_value(w, jv_copy(v));
			AC_PUT(w, "}");
		}
		jv_free(k);
		jv_free(v);
	}
	if (sent)
		AC_PUT(w, "]");
}

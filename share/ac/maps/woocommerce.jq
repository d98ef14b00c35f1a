# SPDX-License-Identifier: MIT
# WooCommerce REST API v3 orders (GET /wp-json/wc/v3/orders) as canonical
# records of ac(7), one per order. See ac-maps(7).
#
#	jq -c -f woocommerce.jq --arg conversion_action_id 987654321 \
#	    --arg customer_id 123-456-7890 orders.json | ac-normalize ...
#
# Reads: the array of orders the API returns (one page; concatenate pages
# or run the map on each), or one order (GET /orders/<id>, a webhook).
# Writes per order:
#   order_id              id (the post ID; "number" only differs with a
#                         sequential-numbers plugin)
#   conversion_date_time  date_created_gmt, which is UTC without an offset,
#                         with "Z" added; else date_created, the site's
#                         local time without an offset (then run
#                         ac-normalize -z with the site's time zone)
#   conversion_value      total plus the refunds (negative totals), in the
#                         order's currency
#   currency_code         currency
#   gclid gbraid wbraid   meta_data of those names (with or without a
#                         leading "_", as plugins store them), else from
#                         the landing page WooCommerce's order attribution
#                         keeps in _wc_order_attribution_session_entry
#   email phone           billing.email, billing.phone (else shipping.phone)
#   first_name last_name  billing, else shipping
#   street_address city region postal_code country_code
#                         billing (address_1, city, state, postcode,
#                         country), else shipping when billing has none
#   google-ads-consent    from meta_data ad_user_data and ad_personalization,
#                         only when the site's consent tool stores them
# Skips (--arg skipped show lists them): status cancelled, refunded,
# failed, trash, pending (awaiting payment: no sale yet), checkout-draft.
# Kept: processing, completed, on-hold (awaiting a bank transfer).
#
# Consent: WooCommerce keeps no ads consent with the order; cookie banners
# and the WP Consent API keep it in the browser. Without meta data the
# record has no consent, and ac-consent decides.
# Not covered: orders whose total is in a currency with a
# price-decimals setting other than the currency's (the total is read as
# written), refunds made after the conversion was sent (a RESTATEMENT),
# line items, customer_user_agent.

include "common" {search: "./"};

def woo_order:
	. as $o
	| ($o.meta_data | ac_pairs) as $meta
	| ([$o.billing, $o.shipping]
	    | map(select(type == "object"
	        and ((.address_1 // .postcode // .country | ac_str) != null)))
	    | first // {}) as $a
	| ([$o.billing, $o.shipping]
	    | map(select(type == "object")
	        | select((.first_name // .last_name | ac_str) != null))
	    | first // {}) as $who
	| ac_click_ids([$meta._wc_order_attribution_session_entry]; $meta)
	    as $click
	| {
		order_id: ($o.id | ac_str),
		conversion_date_time: (($o.date_created_gmt | ac_str
		    | if . == null then null
		      elif test("(Z|[+-][0-9]{2}:?[0-9]{2})$") then .
		      else . + "Z" end) // ($o.date_created | ac_str)),
		conversion_value: ac_decimal_sum($o.total,
		    ($o.refunds // [])[].total),
		currency_code: ($o.currency | ac_str),
		gclid: $click.gclid,
		gbraid: $click.gbraid,
		wbraid: $click.wbraid,
		email: ac_first($o.billing.email),
		phone: ac_first($o.billing.phone, $o.shipping.phone),
		first_name: ($who.first_name | ac_str),
		last_name: ($who.last_name | ac_str),
		street_address: ($a.address_1 | ac_str),
		city: ($a.city | ac_str),
		region: ($a.state | ac_str),
		postal_code: ($a.postcode | ac_str),
		country_code: ($a.country | ac_str),
		"google-ads-consent": ac_consent($meta),
		ac_map_skip: ($o.status
		    | if IN("cancelled", "refunded", "failed", "trash",
		        "pending", "checkout-draft") then . else null end)
	};

(if type == "array" then .[] else . end)
| woo_order
| ac_out($ARGS.named)

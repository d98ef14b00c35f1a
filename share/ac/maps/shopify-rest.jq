# SPDX-License-Identifier: MIT
# Shopify Admin REST API orders (GET /admin/api/<version>/orders.json) as
# canonical records of ac(7), one per order. See ac-maps(7).
#
#	jq -c -f shopify-rest.jq --arg conversion_action_id 987654321 \
#	    --arg customer_id 123-456-7890 orders.json | ac-normalize ...
#
# Reads: {"orders": [...]}, {"order": {...}} (one order, as a webhook or
# GET /orders/<id>.json sends it), an array of orders, or one order.
# Writes per order:
#   order_id              id (the number; the GraphQL map gives the same)
#   conversion_date_time  processed_at, else created_at (RFC 3339 as given)
#   conversion_value      current_total_price (what is left after refunds
#                         and edits), else total_price; shop currency
#   currency_code         currency (the shop's, as the amounts above)
#   gclid gbraid wbraid   from landing_site (query or fragment, decoded),
#                         else from note_attributes of those names (with or
#                         without a leading "_")
#   email                 email, else contact_email, else customer.email
#   phone                 phone, else the billing, customer or shipping one
#   first_name last_name  billing address, else customer, else shipping;
#                         split from the address's "name" when it has no
#                         first and last name
#   street_address city region postal_code country_code
#                         billing address (address1, city, province_code,
#                         zip, country_code), else shipping address
#   google-ads-consent    from note_attributes ad_user_data and
#                         ad_personalization, only when the storefront
#                         wrote them there
# Skips (--arg skipped show lists them): cancelled (cancelled_at set),
# refunded or voided (financial_status), and test orders.
#
# Consent: an Admin API order does not say whether the buyer consented to
# ads tracking. The Customer Privacy API's choice lives in the storefront;
# email_marketing_consent and buyer_accepts_marketing are consent to
# marketing e-mail, not to sending data to Google, and are not read.
# Without note attributes the record has no consent, and ac-consent
# decides (run it with --require-explicit EEA).
#
# Not covered: presentment currency (the amount is the shop's), partial
# refunds made after the conversion was sent (a RESTATEMENT), line items,
# and the browser's user agent (client_details) for enhancements.

include "common" {search: "./"};

def shopify_order:
	. as $o
	| ($o.note_attributes | ac_pairs) as $attrs
	| ([$o.billing_address, $o.shipping_address]
	    | map(select(type == "object"
	        and ((.address1 // .zip // .country_code) != null)))
	    | first // {}) as $a
	| ([$o.billing_address, $o.customer, $o.shipping_address]
	    | map(select(type == "object")
	        | select((.first_name // .last_name | ac_str) != null))
	    | first) as $who
	| (if $who != null then
		{first_name: ($who.first_name | ac_str),
		 last_name: ($who.last_name | ac_str)}
	   else ac_first($o.billing_address.name, $o.shipping_address.name)
		| ac_split_name end) as $name
	| ac_click_ids([$o.landing_site]; $attrs) as $click
	| {
		order_id: ($o.id | ac_str),
		conversion_date_time: ac_first($o.processed_at, $o.created_at),
		conversion_value: ac_first($o.current_total_price,
		    $o.total_price),
		currency_code: ($o.currency | ac_str),
		gclid: $click.gclid,
		gbraid: $click.gbraid,
		wbraid: $click.wbraid,
		email: ac_first($o.email, $o.contact_email, $o.customer.email),
		phone: ac_first($o.phone, $o.billing_address.phone,
		    $o.customer.phone, $o.shipping_address.phone),
		first_name: $name.first_name,
		last_name: $name.last_name,
		street_address: ($a.address1 | ac_str),
		city: ($a.city | ac_str),
		region: ac_first($a.province_code, $a.province),
		postal_code: ($a.zip | ac_str),
		country_code: ac_first($a.country_code, $a.country),
		"google-ads-consent": ac_consent($attrs),
		ac_map_skip: (if $o.cancelled_at != null then "cancelled"
		    elif $o.financial_status == "refunded" then "refunded"
		    elif $o.financial_status == "voided" then "voided"
		    elif $o.test == true then "test"
		    else null end)
	};

(if type == "array" then .[]
 elif type == "object" and has("orders") then .orders[]
 elif type == "object" and has("order") then .order
 else . end)
| shopify_order
| ac_out($ARGS.named)

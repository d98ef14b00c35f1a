# SPDX-License-Identifier: MIT
# Stripe Checkout Sessions and PaymentIntents as canonical records of
# ac(7), one per payment. See ac-maps(7).
#
#	jq -c -f stripe.jq --arg conversion_action_id 987654321 \
#	    --arg customer_id 123-456-7890 sessions.json | ac-normalize ...
#
# Reads: a list ({"object": "list", "data": [...]}, as GET
# /v1/checkout/sessions and GET /v1/payment_intents return it), a search
# result ({"object": "search_result", "data": [...]}), an event
# ({"object": "event", "data": {"object": {...}}}, a webhook), an array,
# or one object. Objects other than checkout.session and payment_intent
# are skipped ("object_<type>").
# Writes per object:
#   order_id              metadata.order_id, else client_reference_id (a
#                         session's), else the PaymentIntent's ID (a
#                         session's payment_intent), else the session's ID:
#                         a session and its PaymentIntent give the same
#   conversion_date_time  created (seconds since the epoch) in RFC 3339, UTC
#   conversion_value      a session's amount_total; a PaymentIntent's
#                         amount_received less latest_charge.amount_refunded
#                         when latest_charge is expanded; in major units
#   currency_code         currency, upper-cased
#   gclid gbraid wbraid   metadata of those names, else from a landing page
#                         URL in metadata.landing_page or
#                         metadata.landing_url
#   email phone           customer_details (a session), else receipt_email,
#                         latest_charge.billing_details and the customer,
#                         when expanded (a PaymentIntent: request with
#                         expand[]=data.latest_charge&expand[]=data.customer)
#   first_name last_name  split from the one name Stripe keeps
#                         (customer_details.name, billing_details.name,
#                         shipping.name, customer.name)
#   street_address city region postal_code country_code
#                         the address beside that name (line1, city, state,
#                         postal_code, country)
#   google-ads-consent    from metadata ad_user_data and ad_personalization,
#                         when the integration put them there
# Amounts: Stripe gives integers in the currency's smallest unit, by
# Stripe's own table, which is not ISO 4217's: the zero-decimal currencies
# BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF are
# taken as they are; the three-decimal BHD JOD KWD OMR TND are divided by
# 1000; every other currency by 100, ISK and HUF included, which Stripe
# counts in hundredths although ISO 4217 gives ISK no minor unit.
# Skips (--arg skipped show lists them): sessions not complete ("open",
# "expired") or unpaid (an asynchronous payment not yet confirmed: export
# again once it is), PaymentIntents not succeeded, payments refunded in
# full (latest_charge.refunded), and test mode (livemode false).
#
# Consent: session.consent.promotions is consent to promotional e-mail,
# not to sending data to Google, and is not read; Stripe keeps no ads
# consent. Without metadata the record has no consent, and ac-consent
# decides.
# Not covered: refunds of a session's payment (the session does not show
# them: map its PaymentIntent with latest_charge expanded), subscriptions
# and invoices, Charges without a PaymentIntent.

include "common" {search: "./"};

# The number of minor-unit digits of a currency in Stripe's API.
def stripe_exponent:
	ascii_upcase
	| if IN("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG",
	    "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF") then 0
	elif IN("BHD", "JOD", "KWD", "OMR", "TND") then 3
	else 2 end;

# An expandable field: the object when expanded, else null.
def expanded: if type == "object" then . else null end;

def stripe_object:
	. as $o
	| ($o.metadata | if type == "object" then . else {} end) as $meta
	| ($o.latest_charge | expanded) as $charge
	| ($o.customer | expanded) as $cust
	| ([$o.customer_details, $charge.billing_details, $o.shipping, $cust]
	    | map(select(type == "object" and (.name | ac_str) != null))
	    | first // {}) as $who
	| ([$o.customer_details, $charge.billing_details, $o.shipping, $cust]
	    | map(select(type == "object")
	        | .address | select(type == "object"
	            and ((.line1 // .postal_code // .country) != null)))
	    | first // {}) as $a
	| ($who.name | ac_split_name) as $name
	| ($o.currency | ac_str) as $cur
	| (if $o.object == "checkout.session" then $o.amount_total
	   else ($o.amount_received // 0) - ($charge.amount_refunded // 0)
	   end) as $minor
	| ac_click_ids([$meta.landing_page, $meta.landing_url]; $meta) as $click
	| {
		order_id: ac_first($meta.order_id, $o.client_reference_id,
		    ($o.payment_intent | if type == "object" then .id else . end),
		    $o.id),
		conversion_date_time: ($o.created
		    | if type == "number" then todate else null end),
		conversion_value: (if $cur == null then null
		    else $minor | ac_minor_units($cur | stripe_exponent) end),
		currency_code: ($cur | if . == null then null
		    else ascii_upcase end),
		gclid: $click.gclid,
		gbraid: $click.gbraid,
		wbraid: $click.wbraid,
		email: ac_first($o.customer_details.email, $o.customer_email,
		    $o.receipt_email, $charge.billing_details.email,
		    $cust.email),
		phone: ac_first($o.customer_details.phone,
		    $charge.billing_details.phone, $o.shipping.phone,
		    $cust.phone),
		first_name: $name.first_name,
		last_name: $name.last_name,
		street_address: ($a.line1 | ac_str),
		city: ($a.city | ac_str),
		region: ($a.state | ac_str),
		postal_code: ($a.postal_code | ac_str),
		country_code: ($a.country | ac_str),
		"google-ads-consent": ac_consent($meta),
		ac_map_skip: (
		    if $o.object == "checkout.session" then
			if $o.status != "complete" then $o.status // "open"
			elif $o.payment_status == "unpaid" then "unpaid"
			else null end
		    elif $o.object == "payment_intent" then
			if $o.status != "succeeded" then $o.status
			elif $charge.refunded == true then "refunded"
			else null end
		    else "object_\($o.object)" end
		    // (if $o.livemode == false then "test" else null end))
	};

(if type == "array" then .[]
 elif type == "object" and IN(.object; "list", "search_result") then .data[]
 elif type == "object" and .object == "event" then .data.object
 else . end)
| stripe_object
| ac_out($ARGS.named)

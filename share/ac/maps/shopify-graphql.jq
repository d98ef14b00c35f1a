# SPDX-License-Identifier: MIT
# Shopify GraphQL Admin API orders (the "orders" query, or a bulk
# operation's JSON Lines) as canonical records of ac(7), one per order.
# See ac-maps(7).
#
#	jq -c -f shopify-graphql.jq --arg conversion_action_id 987654321 \
#	    --arg customer_id 123-456-7890 response.json | ac-normalize ...
#
# Reads: {"data": {"orders": {"edges": [{"node": {...}}]}}} or
# {"data": {"orders": {"nodes": [...]}}}, {"data": {"order": {...}}}, or
# one Order per line as a bulk operation writes them (lines with
# "__parentId", the nested connections of a bulk operation, are not
# orders and are passed over). A response with "errors" and no orders
# stops jq with an error.
# The query must ask for the fields read below:
#   id name email phone createdAt processedAt cancelledAt test
#   displayFinancialStatus currencyCode
#   currentTotalPriceSet { shopMoney { amount currencyCode } }
#   totalPriceSet { shopMoney { amount currencyCode } }
#   customer { firstName lastName defaultEmailAddress { emailAddress }
#              defaultPhoneNumber { phoneNumber } }
#   billingAddress { firstName lastName name address1 city provinceCode
#                    province zip countryCodeV2 phone }
#   shippingAddress { ...the same }
#   customerJourneySummary { lastVisit { landingPage }
#                            firstVisit { landingPage } }
#   customAttributes { key value }
# Writes per order what shopify-rest.jq writes, from:
#   order_id              the number at the end of id (gid://shopify/
#                         Order/<n>), as the REST map gives it
#   conversion_date_time  processedAt, else createdAt
#   conversion_value      currentTotalPriceSet.shopMoney.amount, else
#                         totalPriceSet's
#   currency_code         that shopMoney's currencyCode, else currencyCode
#   gclid gbraid wbraid   from the landing page of the last visit, else of
#                         the first (customerJourneySummary), else from
#                         customAttributes of those names
#   email phone names address
#                         as the REST map (customer.email and .phone of
#                         older API versions are read too)
#   google-ads-consent    from customAttributes ad_user_data and
#                         ad_personalization, when the storefront wrote them
# Skips (--arg skipped show lists them): cancelled (cancelledAt set),
# REFUNDED or VOIDED (displayFinancialStatus), and test orders.
#
# Consent: as for shopify-rest.jq, the order holds no ads consent of the
# buyer; customer.emailMarketingConsent is about e-mail and is not read.
# Not covered: presentment money, refunds after the conversion was sent,
# customerJourneySummary when the shop has no access to it (then only
# customAttributes give click IDs).

include "common" {search: "./"};

def money(s): s.shopMoney // s.presentmentMoney;

def graphql_order:
	. as $o
	| ($o.customAttributes | ac_pairs) as $attrs
	| ([$o.billingAddress, $o.shippingAddress]
	    | map(select(type == "object"
	        and ((.address1 // .zip // .countryCodeV2) != null)))
	    | first // {}) as $a
	| ([$o.billingAddress, $o.customer, $o.shippingAddress]
	    | map(select(type == "object")
	        | select((.firstName // .lastName | ac_str) != null))
	    | first) as $who
	| (if $who != null then
		{first_name: ($who.firstName | ac_str),
		 last_name: ($who.lastName | ac_str)}
	   else ac_first($o.billingAddress.name, $o.shippingAddress.name)
		| ac_split_name end) as $name
	| (money($o.currentTotalPriceSet) // money($o.totalPriceSet)) as $m
	| ac_click_ids([$o.customerJourneySummary.lastVisit.landingPage,
	    $o.customerJourneySummary.firstVisit.landingPage]; $attrs) as $click
	| {
		order_id: ($o.id | ac_str | if . == null then null
		    else sub("^gid://shopify/Order/"; "") end),
		conversion_date_time: ac_first($o.processedAt, $o.createdAt),
		conversion_value: ($m.amount | ac_str),
		currency_code: ac_first($m.currencyCode, $o.currencyCode),
		gclid: $click.gclid,
		gbraid: $click.gbraid,
		wbraid: $click.wbraid,
		email: ac_first($o.email,
		    $o.customer.defaultEmailAddress.emailAddress,
		    $o.customer.email),
		phone: ac_first($o.phone, $o.billingAddress.phone,
		    $o.customer.defaultPhoneNumber.phoneNumber,
		    $o.customer.phone, $o.shippingAddress.phone),
		first_name: $name.first_name,
		last_name: $name.last_name,
		street_address: ($a.address1 | ac_str),
		city: ($a.city | ac_str),
		region: ac_first($a.provinceCode, $a.province),
		postal_code: ($a.zip | ac_str),
		country_code: ac_first($a.countryCodeV2, $a.countryCode,
		    $a.country),
		"google-ads-consent": ac_consent($attrs),
		ac_map_skip: (if $o.cancelledAt != null then "cancelled"
		    elif $o.displayFinancialStatus == "REFUNDED" then "refunded"
		    elif $o.displayFinancialStatus == "VOIDED" then "voided"
		    elif $o.test == true then "test"
		    else null end)
	};

(if type == "object" and has("data") then
	if (.data // {} | has("orders") or has("order")) | not then
		error("shopify-graphql.jq: a response without orders"
		    + (if .errors then " (it has errors)" else "" end))
	elif .data.order then .data.order
	else .data.orders | (.edges // [] | .[].node), (.nodes // [] | .[])
	end
 elif type == "object" and has("__parentId") then empty
 else . end)
| graphql_order
| ac_out($ARGS.named)

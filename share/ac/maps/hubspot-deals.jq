# SPDX-License-Identifier: MIT
# HubSpot deals, from a CSV export (through Miller) or from the CRM API,
# as canonical records of ac(7), one per won deal. See ac-maps(7).
#
#	mlr -S --icsv --ojsonl cat deals.csv |
#	    jq -c -f hubspot-deals.jq --arg conversion_action_id 987654321 \
#	    --arg customer_id 123-456-7890 --arg currency_code EUR |
#	    ac-normalize -z Europe/Berlin ...
#
# Reads: one deal per line as Miller writes a CSV row (keys are the
# export's column headers; -S keeps every cell a string, so that "0123"
# and "0x1f" stay as written), or the API's
# {"results": [{"id": ..., "properties": {...}}]} (GET
# /crm/v3/objects/deals?properties=...), or one such result.
# Export the deals with the associated contact's properties, so that each
# row carries the buyer's e-mail address, phone, name and the "Google ad
# click id" HubSpot records for a contact from an ad click. Columns are
# found by their default English header or by the internal property name:
#   order_id              "Record ID", hs_object_id (the API's id)
#   conversion_date_time  "Close Date", closedate. An export writes the
#                         account's local time without an offset: run
#                         ac-normalize -z with the account's time zone. A
#                         date alone is taken as 23:59:59 of that day, the
#                         latest the deal can have closed; ac-normalize
#                         rejects it as time_future until the day is over
#   conversion_value      "Amount", amount ("1,500.00" read as 1500.00)
#   currency_code         "Currency", deal_currency_code, else
#                         --arg currency_code (the account's currency: a
#                         single-currency account's export has no column)
#   gclid                 "Google ad click id", hs_google_click_id, a
#                         "gclid" column, else from the URLs in "First Page
#                         Seen" or "Last Page Seen" (hs_analytics_first_url,
#                         hs_analytics_last_url)
#   gbraid wbraid         columns of those names (custom properties), else
#                         from those URLs
#   email phone           "Email", "Phone Number" (email, phone), else
#                         "Mobile Phone Number" (mobilephone)
#   first_name last_name  "First Name", "Last Name" (firstname, lastname),
#                         else split from "Name" or "Contact Name"
#   street_address city region postal_code country_code
#                         "Street Address", "City", "State/Region",
#                         "Postal Code", "Country/Region" (address, city,
#                         state, zip, country: a country's name is read by
#                         ac-normalize)
#   google-ads-consent    columns ad_user_data and ad_personalization, when
#                         the portal keeps them as contact properties
# Only won deals are conversions: "Is Closed Won" (hs_is_closed_won) when
# present, else a "Deal Stage" (dealstage) of "closedwon" or "Closed Won",
# or one of the comma-separated stages of --arg won_stages. Others are
# skipped ("not_won"; --arg skipped show lists them).
#
# Consent: HubSpot's "Legal basis for processing contact's data" and its
# subscription types are about the portal's own processing and e-mail, not
# about sending data to Google, and are not read. Without the two columns
# the record has no consent, and ac-consent decides.
# Not covered: deals with several contacts (the export's one contact is
# used), line items, the deal's own currency conversion.

include "common" {search: "./"};

def col(names): ac_first(names as $n | .[$n]);

def won($named):
	(col("Is Closed Won", "hs_is_closed_won") | if . == null then null
	    else ascii_downcase | IN("true", "yes", "1") end) as $flag
	| (col("Deal Stage", "dealstage") // "") as $stage
	| ((($named.won_stages // "") | split(",") | map(ac_str)
	    | map(select(. != null))) + ["closedwon", "Closed Won"]) as $won
	| if $flag != null then $flag
	  else any($won[]; ascii_downcase == ($stage | ascii_downcase)) end;

def hubspot_deal($named):
	. as $d
	| [col("First Page Seen", "hs_analytics_first_url"),
	   col("Last Page Seen", "hs_analytics_last_url")] as $urls
	| (ac_click_ids($urls; {}) + ({
		gclid: col("Google ad click id", "hs_google_click_id", "gclid",
		    "GCLID"),
		gbraid: col("gbraid", "GBRAID"),
		wbraid: col("wbraid", "WBRAID")}
	    | with_entries(select(.value != null)))) as $click
	| (if col("First Name", "firstname", "Last Name", "lastname") != null
	   then {first_name: col("First Name", "firstname"),
		 last_name: col("Last Name", "lastname")}
	   else col("Name", "Contact Name") | ac_split_name end) as $name
	| col("Close Date", "closedate") as $t
	| {
		order_id: col("Record ID", "hs_object_id"),
		conversion_date_time: (if $t != null
		    and ($t | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
		    then $t + " 23:59:59" else $t end),
		conversion_value: (col("Amount", "amount") | ac_decimal),
		currency_code: (col("Currency", "deal_currency_code")
		    // ($named.currency_code | ac_str)),
		gclid: $click.gclid,
		gbraid: $click.gbraid,
		wbraid: $click.wbraid,
		email: col("Email", "email"),
		phone: col("Phone Number", "phone", "Mobile Phone Number",
		    "mobilephone"),
		first_name: $name.first_name,
		last_name: $name.last_name,
		street_address: col("Street Address", "address"),
		city: col("City", "city"),
		region: col("State/Region", "state"),
		postal_code: col("Postal Code", "zip"),
		country_code: col("Country/Region", "country"),
		"google-ads-consent": ac_consent({
		    ad_user_data: col("ad_user_data"),
		    ad_personalization: col("ad_personalization")}),
		ac_map_skip: (if won($named) then null else "not_won" end)
	};

(if type == "object" and has("results") then .results[]
 else . end)
| (if type == "object" and (.properties | type) == "object" then
	.properties + {hs_object_id: (.id // .properties.hs_object_id)}
   else . end)
| hubspot_deal($ARGS.named)
| ac_out($ARGS.named)

#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 10, item 5: every request body ac-batch writes, for both APIs and
# every kind, parses strictly into its message of Google's own protos
# (tests/proto: UploadClickConversionsRequest, UploadCallConversionsRequest,
# UploadConversionAdjustmentsRequest of the Google Ads API v25,
# IngestEventsRequest of the Data Manager API v1) with
# tests/proto/strict.py: no unknown field, no wrong type, no enum name the
# proto does not have, every REQUIRED field there.  The bodies ac-upload
# sends, as the emulator logged them, too.  Negative controls show that
# the check refuses what it must.  Skipped only when protoc or
# python3-protobuf is missing.  Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C prove -e bats tests/cli/proto.bats

load helper

STRICT=$AC_ROOT/tests/proto/strict.py
TOKEN=ac-test-access-token-proto-Zq52

# The protos are compiled once for the file (strict.py --compile); exit
# 77 means protoc or python3-protobuf is missing: every test skips.
setup_file() {
	local st=0
	export PROTO_DS=$BATS_FILE_TMPDIR/requests.pb PROTO_SKIP=
	"$STRICT" --compile "$PROTO_DS" 2>"$BATS_FILE_TMPDIR/compile.err" ||
	    st=$?
	case $st in
	0) ;;
	77) PROTO_SKIP=$(cat "$BATS_FILE_TMPDIR/compile.err") ;;
	*)
		cat "$BATS_FILE_TMPDIR/compile.err" >&2
		return 1
		;;
	esac
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	if [[ -n $PROTO_SKIP ]]; then
		skip "$PROTO_SKIP"
	fi
}

# strict FILE...: strict.py on the request lines; sets $status, $output
# (one line per refused body) and $stderr (the summary).
strict() {
	run --separate-stderr "$STRICT" -d "$PROTO_DS" "$@"
}

# all_parse N FILE...: every body of FILE parses, and there are N of them
# (so that an empty input cannot pass for a good one).
all_parse() {
	local n=$1
	shift
	strict "$@"
	if [[ $status -ne 0 || -n $output ||
	    $stderr != "strict.py: $n bodies, 0 refused" ]]; then
		printf 'strict.py refused a body (exit %s):\n%s\n%s\n' \
		    "$status" "$output" "$stderr" >&2
		return 1
	fi
}

# has_api: ac-batch has --api (issue 10), so it can write Data Manager
# request lines.
has_api() {
	ac-batch -h | grep -q -- '--api'
}

need_dm() {
	if ! has_api; then
		skip "ac-batch has no --api yet: no Data Manager request lines to check"
	fi
}

# ga_batch ARG...: ac-batch writing Google Ads API request lines, whether
# or not it knows --api (the default becomes datamanager with it).
ga_batch() {
	if has_api; then
		ac-batch --api googleads "$@"
	else
		ac-batch "$@"
	fi
}

A='"customer_id":"123-456-7890","conversion_action_id":"4242"'
A2='"customer_id":"123-456-7890","conversion_action_id":"4244"'
CA='"customer_id":"123-456-7890","conversion_action_id":"4343"'
LOGIN='"login_customer_id":"111-222-3333"'

# Clear-text records of every kind that both APIs can take, as a shop
# or call system writes them: clicks by gclid, gbraid, wbraid or user data
# only, with and without hashed e-mail and phone, value and currency,
# consent GRANTED, DENIED or none, conversion_environment WEB and APP, a
# login customer; two calls; a restatement and two enhancements keyed by
# order ID, one with the address set and the user agent.  The restatement
# keeps the original conversion's e-mail: Data Manager needs an
# identifier on every event (the Google Ads API body leaves it out).
common() {
	cat <<-EOF
	{"order_id":"P-1",$A,"conversion_date_time":"2026-09-10T10:00:00Z","conversion_value":30,"currency_code":"EUR","gclid":"Cj0KCQjwProtoGclid0001","email":"Jane.Roe@Example.com","phone":"+1 415 867 5309","consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"conversion_environment":"WEB"}
	{"order_id":"P-2",$A,"conversion_date_time":"2026-09-11T10:00:00+02:00","conversion_value":"12.5","currency_code":"usd","gbraid":"0AAAAAoFxProtoGbraid01","email":"denied@example.com","consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"conversion_environment":"APP"}
	{"order_id":"P-3",$A2,"conversion_date_time":"2026-09-12T10:00:00Z","wbraid":"ClQKCQjwProtoWbraid-_9","email":"alex@example.com","consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"GRANTED"}}
	{"order_id":"P-4",$A2,"conversion_date_time":"2026-09-12T11:00:00Z","email":"alex.z@example.com","phone":"+49 30 1234567","consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}
	{"order_id":"P-5",$A,$LOGIN,"conversion_date_time":"2026-09-13T10:00:00Z","gclid":"Cj0KCQjwProtoGclid0005","conversion_value":0,"currency_code":"JPY"}
	{$CA,"caller_id":"(650) 253-1234","country_code":"us","call_start_date_time":"2026-09-20T08:00:00Z","conversion_date_time":"2026-09-20T08:30:00Z","conversion_value":120,"currency_code":"USD","consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}}
	{"order_id":"C-2",$CA,"caller_id":"+44 20 7946 0018","call_start_date_time":"2026-09-20T09:00:00Z","conversion_date_time":"2026-09-20T09:30:00Z"}
	{"order_id":"P-2",$A,"adjustment_type":"RESTATEMENT","adjustment_date_time":"2026-09-19T12:00:00Z","conversion_date_time":"2026-09-11T10:00:00+02:00","adjusted_value":"25.50","currency_code":"eur","email":"denied@example.com"}
	{"order_id":"P-3",$A2,"adjustment_type":"ENHANCEMENT","adjustment_date_time":"2026-09-19T12:00:00Z","email":"Jane.Roe@Example.com","phone":"+1 415 867 5309","first_name":"Jane","last_name":"Roe","street_address":"1 Main St.","city":"Springfield","region":"IL","postal_code":"62701","country_code":"US","user_agent":"Mozilla/5.0 (X11; Linux x86_64)","consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}}
	{"order_id":"P-4",$A2,"adjustment_type":"enhancement","conversion_date_time":"2026-09-12T11:00:00Z","email":"alex.z@example.com"}
	EOF
}

# What only the Google Ads API can take: retractions (by order ID and by
# gclid and time), a restatement by gclid and time, and an enhancement
# without any time.
ga_only() {
	cat <<-EOF
	{"order_id":"P-1",$A,"adjustment_type":"retraction","adjustment_date_time":"2026-09-19T12:00:00Z"}
	{$A,"adjustment_type":"RESTATEMENT","gclid":"Cj0KCQjwProtoGclid0005","conversion_date_time":"2026-09-13T10:00:00Z","adjustment_date_time":"2026-09-19T12:00:00Z","adjusted_value":5,"currency_code":"JPY"}
	{$A,"adjustment_type":"RETRACTION","gclid":"Cj0KCQjwProtoGclid0001","conversion_date_time":"2026-09-10T10:00:00Z","adjustment_date_time":"2026-09-19T12:00:00Z"}
	{"order_id":"P-1",$A,"adjustment_type":"ENHANCEMENT","phone":"+1 415 867 5309","user_agent":"Mozilla/5.0"}
	EOF
}

# ready IN OUT: the four stages before ac-batch, one at a time, each
# with its rejects file; none may fail or reject a record (every kind must
# reach ac-batch).
ready() {
	local in=$1 n=1 tool
	for tool in ac-normalize ac-consent ac-hash ac-pick-clickid; do
		if ! "$tool" -R "r$n.ndjson" "$in" >"s$n.ndjson" 2>"err$n" ||
		    [[ -s r$n.ndjson ]]; then
			echo "$tool rejected a record or failed" >&2
			cat "err$n" "r$n.ndjson" >&2
			return 1
		fi
		in=s$n.ndjson
		n=$((n + 1))
	done
	mv "$in" "$2"
}

# batch OUT ARG...: ac-batch ARG... > OUT; every row out, none rejected.
batch() {
	local out=$1 st=0
	shift
	"$@" >"$out" 2>err5 || st=$?
	if [[ $st -ne 0 || -s r5.ndjson ]]; then
		echo "ac-batch rejected records (exit $st)" >&2
		cat err5 r5.ndjson >&2
		return 1
	fi
}

# nrows FILE: how many rows the request lines of FILE carry.
nrows() {
	jq -s 'map(.rows | length) | add' "$1"
}

# covers FILE JQ...: each jq expression is true of some request line of
# FILE (what the test is about is really in the bodies it checks).
covers() {
	local f=$1 e
	shift
	for e in "$@"; do
		# [...] | any, not any(g; c): jq 1.6's any/2 misses matches
		if ! jq -s -e "[.[] | $e] | any" "$f" >/dev/null; then
			echo "no request line of $f has: $e" >&2
			FAILS=$((FAILS + 1))
		fi
	done
}

@test "googleads: the bodies of every kind parse as UploadClick/Call/ConversionAdjustmentsRequest" {
	{ common; ga_only; } >in.ndjson
	ready in.ndjson p.ndjson
	batch req.ndjson ga_batch -R r5.ndjson p.ndjson
	is "$(nrows req.ndjson)" 14 "rows: every record made one"
	if has_api; then
		is "$(jq -r .api req.ndjson | sort -u)" googleads "api"
	fi
	is "$(jq -r .method req.ndjson | sort | uniq -c | awk '{print $2 "=" $1}' |
	    paste -sd' ')" \
	    'uploadCallConversions=1 uploadClickConversions=2 uploadConversionAdjustments=1'
	covers req.ndjson \
	    '.request.conversions[]? | .gclid and .conversionEnvironment == "WEB" and .consent.adUserData == "GRANTED" and (.userIdentifiers | length) == 2' \
	    '.request.conversions[]? | .gbraid and .conversionEnvironment == "APP" and .consent.adUserData == "DENIED" and .userIdentifiers == null' \
	    '.request.conversions[]? | .wbraid and .userIdentifiers[0].hashedEmail' \
	    '.request.conversions[]? | .gclid == null and .gbraid == null and .wbraid == null and .userIdentifiers[1].hashedPhoneNumber' \
	    '.login_customer_id == "1112223333"' \
	    '.request.conversions[]? | .callerId and .callStartDateTime and .consent.adUserData == "GRANTED"' \
	    '.request.conversions[]? | .callerId and .conversionValue == null' \
	    '.request.conversionAdjustments[]? | .adjustmentType == "RETRACTION" and .orderId' \
	    '.request.conversionAdjustments[]? | .adjustmentType == "RETRACTION" and .gclidDateTimePair' \
	    '.request.conversionAdjustments[]? | .adjustmentType == "RESTATEMENT" and .restatementValue.adjustedValue == 25.5' \
	    '.request.conversionAdjustments[]? | .adjustmentType == "RESTATEMENT" and .gclidDateTimePair' \
	    '.request.conversionAdjustments[]? | .adjustmentType == "ENHANCEMENT" and .userAgent and any(.userIdentifiers[]; .addressInfo.hashedStreetAddress)' \
	    '.request.conversionAdjustments[]? | .adjustmentType == "ENHANCEMENT" and .adjustmentDateTime == null'
	checks_pass
	all_parse 4 req.ndjson
}

@test "googleads: with --validate-only and --job-id every body parses too, one conversion a request as well" {
	{ common; ga_only; } >in.ndjson
	ready in.ndjson p.ndjson
	batch req.ndjson ga_batch -R r5.ndjson --validate-only --job-id 2147483647 p.ndjson
	is "$(jq -c '[.method, .request.validateOnly, .request.jobId]' req.ndjson | paste -sd' ')" \
	    '["uploadClickConversions",true,2147483647] ["uploadClickConversions",true,2147483647] ["uploadCallConversions",true,null] ["uploadConversionAdjustments",true,2147483647]'
	all_parse 4 req.ndjson
	# -n 1: each body holds one record, so a refusal would name it
	batch one.ndjson ga_batch -R r5.ndjson -n 1 --job-id 0 p.ndjson
	all_parse 14 one.ndjson
}

@test "datamanager: the bodies of every kind it takes parse as IngestEventsRequest" {
	need_dm
	common >in.ndjson
	ready in.ndjson p.ndjson
	batch req.ndjson ac-batch --api datamanager -R r5.ndjson p.ndjson
	is "$(nrows req.ndjson)" 10 "rows: every record made one"
	is "$(jq -r '[.api, .method] | join(" ")' req.ndjson | sort -u)" \
	    'datamanager events:ingest'
	covers req.ndjson \
	    '.request.events[]? | .adIdentifiers.gclid and .eventSource == "WEB" and .consent.adUserData == "CONSENT_GRANTED" and .consent.adPersonalization == "CONSENT_DENIED" and (.userData.userIdentifiers | length) == 2' \
	    '.request.events[]? | .adIdentifiers.gbraid and .eventSource == "APP" and .consent.adUserData == "CONSENT_DENIED" and .userData == null' \
	    '.request.events[]? | .adIdentifiers.wbraid and .userData.userIdentifiers[0].emailAddress' \
	    '.request.events[]? | .adIdentifiers == null and .userData.userIdentifiers[1].phoneNumber' \
	    '.request.events[]? | .adIdentifiers.gclid and .userData == null and .consent == null and .conversionValue == 0' \
	    '.request.destinations[]? | .loginAccount.accountId == "1112223333"' \
	    '.request.events[]? | .eventSource == "PHONE" and .userData.userIdentifiers[0].phoneNumber and .conversionValue == 120' \
	    '.request.events[]? | .transactionId == "P-2" and .conversionValue == 25.5 and .currency == "EUR"' \
	    '.request.events[]? | .transactionId == "P-3" and .eventDeviceInfo.userAgent and any(.userData.userIdentifiers[]; .address.postalCode)' \
	    '.request.encoding == "HEX"' \
	    '(.request.destinations | length) >= 2'
	checks_pass
	all_parse "$(wc -l <req.ndjson)" req.ndjson
}

@test "datamanager: with --validate-only, and one event a request, every body parses" {
	need_dm
	common >in.ndjson
	ready in.ndjson p.ndjson
	batch req.ndjson ac-batch --api datamanager -R r5.ndjson --validate-only p.ndjson
	is "$(jq -r .request.validateOnly req.ndjson | sort -u)" true
	all_parse "$(wc -l <req.ndjson)" req.ndjson
	batch one.ndjson ac-batch --api datamanager -R r5.ndjson -n 1 p.ndjson
	is "$(wc -l <one.ndjson)" 10 "one request per record"
	# an event without userData makes a request without encoding
	covers one.ndjson '.request.encoding == null and .request.events[0].userData == null'
	checks_pass
	all_parse 10 one.ndjson
}

@test "datamanager: what it cannot express (retractions, gclid-keyed adjustments) is rejected, not written" {
	need_dm
	{ common; ga_only; } >in.ndjson
	ready in.ndjson p.ndjson
	run --separate-stderr ac-batch --api datamanager -R r5.ndjson p.ndjson
	is "$status" 1 "exit status"
	# lines 11 to 13 have no Data Manager form; line 14 (an enhancement
	# without any time) may go or be rejected, as long as it is counted
	is "$(jq -r 'select(.line == 11 or .line == 12) | "\(.line) \(.code)"' \
	    r5.ndjson | paste -sd' ')" \
	    '11 retraction_unsupported 12 adjustment_needs_order_id'
	case $(jq -r 'select(.line == 13) | .code' r5.ndjson) in
	retraction_unsupported | adjustment_needs_order_id) ;;
	*)
		echo "line 13, a retraction by gclid, not rejected" >&2
		return 1
		;;
	esac
	printf '%s\n' "$output" >req.ndjson
	is "$(($(nrows req.ndjson) + $(wc -l <r5.ndjson)))" 14 "rows + rejects"
	all_parse "$(wc -l <req.ndjson)" req.ndjson
}

@test "several identifiers: email and phone arrays give bodies that parse on both APIs, within each API's limit" {
	local em='"a@example.com","b@example.com","c@example.com","A@Example.com"'
	local ph='"+1 415 867 5309","+1 415 867 5310","+1 415 867 5311"'
	cat >in.ndjson <<-EOF
	{"order_id":"M-1",$A,"conversion_date_time":"2026-09-10T10:00:00Z","gclid":"Cj0KCQjwProtoGclid0011","email":[$em],"phone":[$ph],"consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}
	{"order_id":"M-2",$A,"conversion_date_time":"2026-09-10T11:00:00Z","email":["x@example.com"],"phone":"+1 415 867 5312","consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}
	EOF
	ready in.ndjson p.ndjson
	# three e-mails (the fourth is the first again) and three phones
	is "$(jq -c '[(.hashed_email | length), (.hashed_phone_number | length)]' p.ndjson | head -n 1)" '[3,3]' "hashed arrays"
	ga_batch -R r5.ndjson p.ndjson >req.ndjson 2>err5 || true
	is "$(jq -c '[.request.conversions[] | .userIdentifiers | length]' req.ndjson)" '[5,2]' "Google Ads: at most 5"
	is "$(jq -c '[.request.conversions[0].userIdentifiers[] | (.hashedEmail // .hashedPhoneNumber)] | length == (unique | length)' req.ndjson)" true "no hash twice"
	all_parse 1 req.ndjson
	if has_api; then
		batch dm.ndjson ac-batch --api datamanager -R r5.ndjson p.ndjson
		is "$(jq -c '[.request.events[] | .userData.userIdentifiers | length]' dm.ndjson)" '[6,2]' "Data Manager: all six"
		all_parse 1 dm.ndjson
	fi
}

@test "customer_type: customerType (Google Ads) and userProperties.customerType (Data Manager) parse" {
	cat >in.ndjson <<-EOF
	{"order_id":"CT-1",$A,"conversion_date_time":"2026-09-10T10:00:00Z","gclid":"Cj0KCQjwProtoGclid0021","customer_type":"new"}
	{"order_id":"CT-2",$A,"conversion_date_time":"2026-09-10T11:00:00Z","gclid":"Cj0KCQjwProtoGclid0022","customer_type":"Returning"}
	EOF
	ready in.ndjson p.ndjson
	ga_batch -R r5.ndjson p.ndjson >req.ndjson 2>err5 || true
	is "$(jq -c '[.request.conversions[].customerType]' req.ndjson)" '["NEW","RETURNING"]'
	all_parse 1 req.ndjson
	if has_api; then
		printf '%s\n' '{"order_id":"CT-3",'"$A"',"conversion_date_time":"2026-09-10T12:00:00Z","gclid":"Cj0KCQjwProtoGclid0023","customer_type":"re-engaged"}' >>in.ndjson
		ready in.ndjson p.ndjson
		batch dm.ndjson ac-batch --api datamanager -R r5.ndjson p.ndjson
		is "$(jq -c '[.request.events[].userProperties.customerType]' dm.ndjson)" '["NEW","RETURNING","REENGAGED"]'
		all_parse 1 dm.ndjson
	fi
	checks_pass
}

@test "cart data: CartData of a ClickConversion and of a Data Manager event parse" {
	cat >in.ndjson <<-EOF
	{"order_id":"CD-1",$A,"conversion_date_time":"2026-09-10T10:00:00Z","gclid":"Cj0KCQjwProtoGclid0031","conversion_value":20,"currency_code":"EUR","items":[{"product_id":"SKU-1","quantity":2,"unit_price":9.5},{"product_id":"SKU-2","quantity":1,"unit_price":2}],"merchant_id":"123456789","feed_country_code":"DE","feed_language_code":"de","cart_discount":1.5}
	EOF
	ready in.ndjson p.ndjson
	ga_batch -R r5.ndjson p.ndjson >req.ndjson 2>err5 || true
	is "$(jq -c '.request.conversions[0].cartData.items | length' req.ndjson)" 2
	all_parse 1 req.ndjson
	if has_api; then
		batch dm.ndjson ac-batch --api datamanager -R r5.ndjson p.ndjson
		is "$(jq -c '.request.events[0].cartData.items[0].merchantProductId' dm.ndjson)" '"SKU-1"'
		all_parse 1 dm.ndjson
	fi
	checks_pass
}

@test "external attribution: externalAttributionData of a ClickConversion parses" {
	cat >in.ndjson <<-EOF
	{"order_id":"EA-1",$A,"conversion_date_time":"2026-09-10T10:00:00Z","gclid":"Cj0KCQjwProtoGclid0041","external_attribution_credit":0.25,"external_attribution_model":"last touch"}
	EOF
	ready in.ndjson p.ndjson
	ga_batch -R r5.ndjson p.ndjson >req.ndjson 2>err5 || true
	is "$(jq -c '.request.conversions[0].externalAttributionData' req.ndjson)" \
	    '{"externalAttributionCredit":0.25,"externalAttributionModel":"last touch"}'
	all_parse 1 req.ndjson
	checks_pass
}

@test "custom variables: CustomVariable of a ClickConversion, a CallConversion and a Data Manager event parse" {
	cat >in.ndjson <<-EOF
	{"order_id":"CV-1",$A,"conversion_date_time":"2026-09-10T10:00:00Z","gclid":"Cj0KCQjwProtoGclid0051","custom_variables":[{"id":"111","variable":"tier","value":"gold"}]}
	{$CA,"caller_id":"+16502531234","call_start_date_time":"2026-09-20T08:00:00Z","conversion_date_time":"2026-09-20T08:30:00Z","custom_variables":[{"id":"112","variable":"line","value":"sales"}]}
	EOF
	ready in.ndjson p.ndjson
	ga_batch -R r5.ndjson p.ndjson >req.ndjson 2>err5 || true
	is "$(jq -c '[.request.conversions[].customVariables[0].value]' req.ndjson | paste -sd' ')" '["gold"] ["sales"]'
	all_parse 2 req.ndjson
	if has_api; then
		batch dm.ndjson ac-batch --api datamanager -R r5.ndjson p.ndjson
		is "$(jq -c '[.request.events[].customVariables[0].variable]' dm.ndjson | paste -sd' ')" '["tier"] ["line"]'
		all_parse "$(wc -l <dm.ndjson)" dm.ndjson
	fi
	checks_pass
}

@test "landing device: adIdentifiers with sessionAttributes and landingPageDeviceInfo parse" {
	need_dm
	cat >in.ndjson <<-EOF
	{"order_id":"LD-1",$A,"conversion_date_time":"2026-09-10T10:00:00Z","gclid":"Cj0KCQjwProtoGclid0061","country_code":"US","user_agent":"Mozilla/5.0","user_ip_address":"203.0.113.7","session_attributes":"gad_source=1"}
	EOF
	ready in.ndjson p.ndjson
	batch dm.ndjson ac-batch --api datamanager -R r5.ndjson p.ndjson
	is "$(jq -c '.request.events[0].adIdentifiers.landingPageDeviceInfo' dm.ndjson)" '{"userAgent":"Mozilla/5.0","ipAddress":"203.0.113.7"}'
	all_parse 1 dm.ndjson
	checks_pass
}

@test "golden: every request line in the ac-batch fixtures (*.out) parses" {
	local f n=0
	for f in "$FIXTURES"/ac-batch/*.out; do
		n=$((n + $(grep -c . "$f")))
	done
	[[ $n -gt 0 ]]
	all_parse "$n" "$FIXTURES"/ac-batch/*.out
}

@test "examples: the shipped orders and adjustments, through the stages, give bodies that parse on both APIs" {
	local api st
	cat "$AC_SHAREDIR"/examples/orders.ndjson \
	    "$AC_SHAREDIR"/examples/adjustments.ndjson >in.ndjson
	# the samples hold records the stages reject on purpose
	ac-normalize -q -z Europe/Berlin -R r1.ndjson in.ndjson |
	    ac-consent -q -E EEA -R r2.ndjson | ac-hash -q -R r3.ndjson |
	    ac-pick-clickid -q -R r4.ndjson >p.ndjson || true
	[[ $(wc -l <p.ndjson) -gt 10 ]]
	for api in googleads datamanager; do
		if [[ $api == datamanager ]] && ! has_api; then
			continue
		fi
		st=0
		if [[ $api == googleads ]]; then
			ga_batch -q -R r5.ndjson p.ndjson >"$api.ndjson" || st=$?
		else
			ac-batch -q --api datamanager -R r5.ndjson p.ndjson \
			    >"$api.ndjson" || st=$?
		fi
		[[ $st -le 1 && -s $api.ndjson ]]
		all_parse "$(wc -l <"$api.ndjson")" "$api.ndjson"
	done
	if ! has_api; then
		skip "the Google Ads bodies parse; ac-batch has no --api yet for Data Manager"
	fi
}

# A good body of each API, for the negative controls.
GOOD_GA='{"method":"uploadClickConversions","request":{"conversions":[{"conversionAction":"customers/1234567890/conversionActions/4242","conversionDateTime":"2026-09-10 10:00:00+00:00","gclid":"Cj0KCQjwProtoGclid0001","consent":{"adUserData":"GRANTED"}}],"partialFailure":true,"validateOnly":false}}'
GOOD_DM='{"api":"datamanager","method":"events:ingest","request":{"destinations":[{"reference":"4242","operatingAccount":{"accountType":"GOOGLE_ADS","accountId":"1234567890"},"productDestinationId":"4242"}],"encoding":"HEX","validateOnly":false,"events":[{"destinationReferences":["4242"],"transactionId":"P-1","eventTimestamp":"2026-09-10T10:00:00+00:00","adIdentifiers":{"gclid":"Cj0KCQjwProtoGclid0001"},"userData":{"userIdentifiers":[{"emailAddress":"509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a"}]},"consent":{"adUserData":"CONSENT_GRANTED"}}]}}'

# refused LINE REASON: LINE is to be refused with REASON (a substring of
# its message); refused_all checks them all at once.
BAD=()
WANT=()
refused() {
	BAD+=("$1")
	WANT+=("$2")
}

# refused_all: strict.py on the file bad.ndjson, a good body of each API
# and then the lines given to refused (from line 3 on), exits 1, refuses
# each of those lines exactly once, at its line, with its reason, and
# nothing else.
refused_all() {
	local i n got
	printf '%s\n' "$GOOD_GA" "$GOOD_DM" "${BAD[@]}" >bad.ndjson
	strict bad.ndjson
	n=${#BAD[@]}
	is "$status" 1 "exit status" || FAILS=$((FAILS + 1))
	is "$stderr" "strict.py: $((n + 2)) bodies, $n refused" ||
	    FAILS=$((FAILS + 1))
	is "$(wc -l <<<"$output")" "$n" "lines refused" || FAILS=$((FAILS + 1))
	for ((i = 0; i < n; i++)); do
		got=$(grep -F "bad.ndjson:$((i + 3)): " <<<"$output" || true)
		if [[ $got != *"${WANT[i]}"* || $(wc -l <<<"$got") -ne 1 ]]; then
			printf 'FAIL line %d not refused as expected: %s\n' \
			    $((i + 3)) "${BAD[i]}" >&2
			printf '  want: %s\n  got:  %s\n' "${WANT[i]}" "$got" >&2
			FAILS=$((FAILS + 1))
		fi
	done
}

@test "negative controls: the good bodies parse; an unknown field, a wrong enum name, a string for a message, an unknown method are refused with file:line" {
	printf '%s\n%s\n' "$GOOD_GA" "$GOOD_DM" >good.ndjson
	all_parse 2 good.ndjson
	# unknown fields, in each API, at the top and deep down
	refused "${GOOD_GA/\"gclid\"/\"bogus\":1,\"gclid\"}" \
	    'uploadClickConversions: Failed to parse conversions field: Message type "google.ads.googleads.v25.services.ClickConversion" has no field named "bogus"'
	refused "${GOOD_DM/\"encoding\"/\"partialFailure\":true,\"encoding\"}" \
	    'events:ingest: Message type "google.ads.datamanager.v1.IngestEventsRequest" has no field named "partialFailure"'
	refused "${GOOD_DM/\"emailAddress\"/\"hashedEmail\"}" \
	    'has no field named "hashedEmail"'
	# jobId is not a field of call uploads
	refused '{"method":"uploadCallConversions","request":{"conversions":[],"partialFailure":true,"jobId":1}}' \
	    'has no field named "jobId"'
	# the Google Ads consent names in a Data Manager body, and the reverse
	refused "${GOOD_DM/CONSENT_GRANTED/GRANTED}" \
	    'Invalid enum value GRANTED for enum type google.ads.datamanager.v1.ConsentStatus'
	refused "${GOOD_GA/\"GRANTED\"/\"CONSENT_GRANTED\"}" \
	    'Invalid enum value CONSENT_GRANTED for enum type google.ads.googleads.v25.enums.ConsentStatusEnum.ConsentStatus'
	# a string (or an array) where a message is expected
	refused "${GOOD_DM/\{\"userIdentifiers\":\[\{\"emailAddress\":\"509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a\"\}\]\}/\"509e\"}" \
	    'userData'
	refused "${GOOD_DM/\{\"gclid\":\"Cj0KCQjwProtoGclid0001\"\}/\"\"}" \
	    'expected a JSON object (message google.ads.datamanager.v1.AdIdentifiers), got string at IngestEventsRequest.events[0].adIdentifiers'
	refused "${GOOD_GA/\{\"adUserData\":\"GRANTED\"\}/[]}" \
	    'expected a JSON object (message google.ads.googleads.v25.common.Consent), got array'
	# wrong types and forms
	refused "${GOOD_GA/true/\"true\"}" 'Failed to parse partialFailure field'
	refused "${GOOD_DM/2026-09-10T10:00:00+00:00/2026-09-10 10:00:00+00:00}" \
	    'Failed to parse eventTimestamp field'
	refused "${GOOD_GA/\"partialFailure\":true,/}" \
	    'required field partialFailure missing at UploadClickConversionsRequest'
	refused "${GOOD_DM/\"productDestinationId\":\"4242\"/\"productDestinationId\":null}" \
	    'required field productDestinationId missing at IngestEventsRequest.destinations[0]'
	# unknown methods and APIs, and lines that are no request line
	refused '{"method":"uploadClickConversion","request":{}}' \
	    'uploadClickConversion: unknown method for api googleads'
	refused "${GOOD_DM/events:ingest/audienceMembers:ingest}" \
	    'audienceMembers:ingest: unknown method for api datamanager'
	refused "${GOOD_DM/datamanager/googleads}" \
	    'events:ingest: unknown method for api googleads'
	refused "${GOOD_GA/\{\"method\"/\{\"api\":\"bing\",\"method\"}" \
	    'uploadClickConversions: unknown api "bing"'
	refused '{"method":"uploadClickConversions","request":[]}' \
	    'the request is not a JSON object'
	refused '{"method":"uploadClickConversions"}' 'no request'
	refused '{"method":"uploadClickConversions","request":{"partialFailure":true,"partialFailure":true}}' \
	    'duplicate key "partialFailure"'
	refused 'not json' '-: not JSON'
	refused_all
	checks_pass
}

@test "negative controls: a real ac-batch body with one wrong field is refused, at its line" {
	{ common; ga_only; } >in.ndjson
	ready in.ndjson p.ndjson
	batch req.ndjson ga_batch -R r5.ndjson p.ndjson
	# the third request line gets a field of another message
	jq -c 'if input_line_number == 3 then .request.conversions[0].orderId = "X" else . end' \
	    req.ndjson >bad.ndjson
	strict bad.ndjson
	is "$status" 1 "exit status"
	[[ $output == 'bad.ndjson:3: uploadCallConversions: Failed to parse conversions field: Message type "google.ads.googleads.v25.services.CallConversion" has no field named "orderId" at "UploadCallConversionsRequest.conversions[0]".'* ]]
	is "$(wc -l <<<"$output")" 1 "one line refused"
	is "$stderr" "strict.py: 4 bodies, 1 refused"
}

@test "log: the bodies ac-upload sent to the emulator parse; other entries are passed over" {
	{ common; ga_only; } >in.ndjson
	ready in.ndjson p.ndjson
	batch req.ndjson ga_batch -R r5.ndjson p.ndjson
	emu_start emu --access-token "$TOKEN" || return 1
	local st=0
	AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$(emu_url emu) AC_RETRY_BASE_MS=50 \
	    ac-upload -j 1 req.ndjson >out.ndjson 2>upload.err || st=$?
	emu_stop emu
	if [[ $st -gt 1 ]]; then
		cat upload.err >&2
		return 1
	fi
	# a token request and an unknown path in the log are no bodies
	printf '%s\n' '{"method":"POST","path":"/token","body":{"grant_type":"refresh_token"}}' \
	    '{"method":"GET","path":"/favicon.ico","body":null}' >>emu/log.ndjson
	is "$(jq -r .path emu/log.ndjson | sed 's/.*://' | paste -sd' ')" \
	    'uploadClickConversions uploadClickConversions uploadCallConversions uploadConversionAdjustments /token /favicon.ico'
	strict --log emu/log.ndjson
	is "$status" 0 "exit status"
	is "$output" ''
	is "$stderr" "strict.py: 4 bodies, 0 refused"
}

@test "log: the Data Manager bodies ac-upload sent to the emulator parse" {
	need_dm
	common >in.ndjson
	ready in.ndjson p.ndjson
	batch req.ndjson ac-batch --api datamanager -R r5.ndjson p.ndjson
	emu_start emu --access-token "$TOKEN" || return 1
	local st=0
	AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$(emu_url emu) AC_RETRY_BASE_MS=50 \
	    ac-upload -j 1 req.ndjson >out.ndjson 2>upload.err || st=$?
	emu_stop emu
	if grep -q '(method_unsupported)' upload.err; then
		skip "ac-upload does not send Data Manager request lines yet"
	fi
	if [[ $st -gt 1 ]]; then
		cat upload.err >&2
		return 1
	fi
	is "$(jq -r .path emu/log.ndjson | sort -u)" /v1/events:ingest
	strict --log emu/log.ndjson
	is "$status" 0 "exit status"
	is "$output" ''
	is "$stderr" "strict.py: $(wc -l <req.ndjson) bodies, 0 refused"
}

@test "log: a bad body, an upload path of another version or without a body is refused at its line" {
	local ok
	ok=$(jq -c '{method: "POST", path: "/v25/customers/1234567890:uploadClickConversions", body: .request}' <<<"$GOOD_GA")
	{
		printf '%s\n' "$ok"
		jq -c '{method: "POST", path: "/v1/events:ingest", body: .request}' <<<"$GOOD_DM"
		jq -c '.body.conversions[0].bogus = 1' <<<"$ok"
		jq -c '.path = "/v24/customers/1234567890:uploadClickConversions"' <<<"$ok"
		jq -c '.body = null' <<<"$ok"
		jq -c '{method: "POST", path: "/v1/events:ingest", body: (.request | .events[0].consent.adUserData = "GRANTED")}' <<<"$GOOD_DM"
		jq -c '.path = "/v25/customers/1234567890:uploadClickConversion"' <<<"$ok"
		printf '%s\n' '{"method":"POST","path":"/token","body":null}'
	} >log.ndjson
	strict --log log.ndjson
	is "$status" 1 "exit status"
	is "$(awk -F': ' '{ print $1 ": " $2 ": " $3 }' <<<"$output" |
	    paste -sd' ')" \
	    'log.ndjson:3: uploadClickConversions: Failed to parse conversions field log.ndjson:4: uploadClickConversions: no protos for googleads v24 (only v25) log.ndjson:5: uploadClickConversions: no body, or not JSON log.ndjson:6: events:ingest: Failed to parse events field log.ndjson:7: uploadClickConversion: unknown method for api googleads'
	is "$stderr" "strict.py: 7 bodies, 5 refused"
}

@test "strict.py: usage errors exit 2, an unreadable input 3 before any output, stdin is <stdin>, empty input 0 bodies" {
	run --separate-stderr "$STRICT" --bogus
	is "$status" 2 "unknown option"
	[[ $stderr == *usage:* ]]
	run --separate-stderr "$STRICT" -d
	is "$status" 2 "-d without argument"
	run --separate-stderr "$STRICT" --compile x.pb in.ndjson
	is "$status" 2 "--compile with a file"
	printf '%s\n' 'not json' >bad.ndjson
	run --separate-stderr "$STRICT" -d "$PROTO_DS" bad.ndjson missing.ndjson
	is "$status" 3 "missing input"
	is "$output" '' "no output before the check of the inputs"
	is "$stderr" 'strict.py: missing.ndjson: No such file or directory'
	run --separate-stderr "$STRICT" -d "$PROTO_DS" <bad.ndjson
	is "$status" 1
	[[ $output == '<stdin>:1: -: not JSON: '* ]]
	: >empty.ndjson
	run --separate-stderr "$STRICT" -d "$PROTO_DS" empty.ndjson
	is "$status" 0
	is "$stderr" "strict.py: 0 bodies, 0 refused"
	# without -d it compiles the protos itself
	printf '%s\n' "$GOOD_GA" "$GOOD_DM" >good.ndjson
	run --separate-stderr "$STRICT" good.ndjson
	is "$status" 0
	is "$stderr" "strict.py: 2 bodies, 0 refused"
}

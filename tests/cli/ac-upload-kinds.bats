#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-upload with call conversions and conversion adjustments (issue 6)
# against tests/mock/gads.py: results per kind, partial failures mapped
# through "conversion_adjustments" paths, delivery proven after a dropped
# connection by the per-kind "already" codes, journal keys per kind, and no
# caller's number in results, journal or stderr.

load helper

TOKEN=ac-test-access-token-Kd83Lq
CID=1234567890
ACT=customers/1234567890/conversionActions/4242
CALLER=+16502531234

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu
	emu_start "$EMU_DIR" --access-token "$TOKEN" --actions 4242 || return 1
	EMU=$(emu_url "$EMU_DIR")
	export EMU
}

teardown_file() {
	emu_stop "$EMU_DIR"
}

admin() {
	emu_admin "$@"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	export AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$EMU AC_RETRY_BASE_MS=50
	admin POST reset >/dev/null
	# The emulator's "now" is the tests' AC_NOW (2026-09-21 14:13:20Z).
	admin POST clock "{\"offset\": $((AC_NOW - $(date +%s)))}" >/dev/null
}

teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR"/* "$EMU_DIR/log.ndjson"; do
		[[ -f $f ]] || continue
		if grep -qF -- "$TOKEN" "$f"; then
			echo "the access token is in $f" >&2
			return 1
		fi
	done
}

click() { # ORDER_ID TIME
	printf '{"customer_id":"%s","method":"uploadClickConversions","request":{"conversions":[{"conversionAction":"%s","conversionDateTime":"%s","orderId":"%s","gclid":"Cj0KCQjwKindsTest%s"}],"partialFailure":true}}\n' \
	    "$CID" "$ACT" "$2" "$1" "$1"
}

# adj TYPE ORDER_ID ADJUSTMENT_TIME [EXTRA_JSON]
adj() {
	printf '{"conversionAction":"%s","adjustmentType":"%s","adjustmentDateTime":"%s","orderId":"%s"%s}' \
	    "$ACT" "$1" "$3" "$2" "${4:+,$4}"
}

adj_line() { # ADJUSTMENT...
	local IFS=,
	printf '{"customer_id":"%s","method":"uploadConversionAdjustments","request":{"conversionAdjustments":[%s],"partialFailure":true}}\n' \
	    "$CID" "$*"
}

call_line() { # CALL_START CONVERSION_TIME
	printf '{"customer_id":"%s","method":"uploadCallConversions","request":{"conversions":[{"callerId":"%s","callStartDateTime":"%s","conversionAction":"%s","conversionDateTime":"%s"}],"partialFailure":true},"rows":[{"conversion_action":"%s","kind":"call","call_start_date_time":"%s","file":"calls.ndjson","line":7}]}\n' \
	    "$CID" "$CALLER" "$1" "$ACT" "$2" "$ACT" "$1"
}

up() {
	run --separate-stderr ac-upload "$@"
}

@test "call: uploaded; the result says kind call, never the caller's number" {
	call_line "2026-09-20 08:00:00+00:00" "2026-09-20 09:30:00+00:00" >req
	up --journal j req
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	is "$(jq -c '[.kind, .status, .click_id_type, .call_start_date_time, .conversion_date_time, .file, .line]' <<<"$output")" \
	    '["call","uploaded","none","2026-09-20 08:00:00+00:00","2026-09-20 09:30:00+00:00","calls.ndjson",7]'
	is "$(admin GET ledger | jq -c '[.conversions[] | .kind]')" '["call"]'
	# (a "! cmd" line would not fail a bats test: only its last line does)
	if grep -qF -- "6502531234" j <(printf '%s\n' "$output" "$stderr"); then
		echo "the caller's number in the journal or a stream" >&2
		return 1
	fi
	# the journal knows it: a re-run sends nothing
	up --journal j req
	is "$(jq -r .status <<<"$output")" skipped
	is "$(admin GET requests | jq '[.requests[] | select(.path | test("uploadCallConversions"))] | length')" 1
}

@test "call: a duplicate call is refused with CALL_CONVERSION_ALREADY_EXISTS, mapped to its row" {
	call_line "2026-09-20 08:00:00+00:00" "2026-09-20 09:30:00+00:00" >req
	up req
	[[ $status -eq 0 ]]
	up req
	[[ $status -eq 1 ]]
	is "$(jq -c '[.status, .error.code]' <<<"$output")" \
	    '["rejected","conversionUploadError.CALL_CONVERSION_ALREADY_EXISTS"]'
}

@test "adjustments: restatement and retraction of an uploaded order; a later one refused; an unknown order mapped to its row" {
	click K-1 "2026-09-18 10:00:00+00:00" >req1
	up req1
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	adj_line "$(adj RESTATEMENT K-1 "2026-09-19 10:00:00+00:00" '"restatementValue":{"adjustedValue":12.5,"currencyCode":"EUR"}')" \
	    "$(adj RETRACTION K-9 "2026-09-19 10:00:00+00:00")" \
	    "$(adj RETRACTION K-1 "2026-09-20 10:00:00+00:00")" >req2
	up req2
	[[ $status -eq 1 ]]
	is "$(jq -c '[.order_id, .kind, .adjustment_type, .status, .error.code]' <<<"$output" | paste -sd' ')" \
	    '["K-1","adjustment","RESTATEMENT","uploaded",null] ["K-9","adjustment","RETRACTION","rejected","conversionAdjustmentUploadError.CONVERSION_NOT_FOUND"] ["K-1","adjustment","RETRACTION","uploaded",null]'
	is "$(jq -r .adjustment_date_time <<<"$output" | paste -sd,)" \
	    "2026-09-19 10:00:00+00:00,2026-09-19 10:00:00+00:00,2026-09-20 10:00:00+00:00"
	grep -q "req2:1: conversionAdjustments\[1\]: rejected (conversionAdjustmentUploadError.CONVERSION_NOT_FOUND)" <<<"$stderr"
	# After the retraction nothing more goes.
	adj_line "$(adj RESTATEMENT K-1 "2026-09-21 10:00:00+00:00" '"restatementValue":{"adjustedValue":9}')" >req3
	up req3
	is "$(jq -c '[.status, .error.code]' <<<"$output")" \
	    '["rejected","conversionAdjustmentUploadError.CONVERSION_ALREADY_RETRACTED"]'
}

@test "adjustments: an attempt lost after it was executed is proven delivered by CONVERSION_ALREADY_RETRACTED" {
	click K-2 "2026-09-18 10:00:00+00:00" >req1
	up req1
	[[ $status -eq 0 ]]
	admin POST faults '[{"kind":"executed_then_dropped"}]' >/dev/null
	adj_line "$(adj RETRACTION K-2 "2026-09-20 10:00:00+00:00")" >req2
	up --journal j req2
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	is "$(jq -c '[.status, .delivered_earlier, .attempts]' <<<"$output")" \
	    '["uploaded",true,2]'
	is "$(admin GET ledger | jq '[.conversions[] | select(.kind == "adjustment")] | length')" 1
	up --journal j req2
	is "$(jq -r .status <<<"$output")" skipped
}

@test "adjustments: an enhancement with identifiers is uploaded; a second one is refused as already enhanced" {
	local h
	h=$(printf '%s' 'jane@example.com' | sha256sum | cut -c1-64)
	click K-3 "2026-09-18 10:00:00+00:00" >req1
	up req1
	[[ $status -eq 0 ]]
	adj_line "$(printf '{"conversionAction":"%s","adjustmentType":"ENHANCEMENT","orderId":"K-3","userIdentifiers":[{"hashedEmail":"%s","userIdentifierSource":"FIRST_PARTY"}],"userAgent":"Mozilla/5.0"}' "$ACT" "$h")" >req2
	up req2
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	is "$(jq -c '[.adjustment_type, .status, .click_id_type]' <<<"$output")" \
	    '["ENHANCEMENT","uploaded","none"]'
	up req2
	is "$(jq -c '[.status, .error.code]' <<<"$output")" \
	    '["rejected","conversionAdjustmentUploadError.CONVERSION_ALREADY_ENHANCED"]'
}

@test "adjustments: right after the conversion they are taken (no 24-hour wait since 2024-09-09); TOO_RECENT_CONVERSION is a refusal, not 'later'" {
	click K-4 "2026-09-21 10:00:00+00:00" >req1
	up req1
	[[ $status -eq 0 ]]
	adj_line "$(adj RETRACTION K-4 "2026-09-21 12:00:00+00:00")" >req2
	up --dead-letter dl req2
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	is "$(jq -c '[.status, .error.code]' <<<"$output")" '["uploaded",null]'
	# Should Google still say it, the row is refused, not kept for later.
	admin POST faults '[{"kind":"row_error","rows":[0],"errorCode":{"conversionAdjustmentUploadError":"TOO_RECENT_CONVERSION"}}]' >/dev/null
	adj_line "$(adj RESTATEMENT K-4 "2026-09-21 12:30:00+00:00" | jq -c '. + {restatementValue: {adjustedValue: 5}}')" >req3
	up --dead-letter dl req3
	[[ $status -eq 1 ]]
	is "$(jq -c '[.status, .error.code]' <<<"$output")" \
	    '["rejected","conversionAdjustmentUploadError.TOO_RECENT_CONVERSION"]'
	[[ ! -s dl ]] || { echo "dead-lettered" >&2; return 1; }
}

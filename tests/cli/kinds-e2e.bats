#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 6 end to end: click conversions, a call conversion and conversion
# adjustments (RETRACTION, RESTATEMENT, ENHANCEMENT) in one input, through
# all six stages to tests/mock/gads.py: one request per kind, each kind in
# the emulator's ledger, the API's answers per row, conservation across the
# stages, the journal on a re-run, and the caller's number in no result,
# journal, message or emulator log.

load helper

# The Google Ads API path (the Data Manager path has its own tests).
export AC_API=googleads

TOKEN=ac-test-access-token-e2e-Vq71
# The call: (650) 253-1234, a US national number; in E.164 +16502531234.
CALLER_E164=+16502531234

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu
	# No --actions: every conversion action ID below 1000000 exists.
	emu_start "$EMU_DIR" --access-token "$TOKEN" || return 1
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

ACT='"customer_id":"123-456-7890","conversion_action_id":"4242"'
CALL_ACT='"customer_id":"123-456-7890","conversion_action_id":"4343"'

# The mixed input, 13 records: what each one becomes is on its right.
mixed() {
	cat <<-EOF
	{"order_id":"E2E-1",$ACT,"conversion_date_time":"2026-09-10T10:00:00Z","conversion_value":30,"currency_code":"EUR","gclid":"Cj0KCQjwE2eGclid0001"}
	{"order_id":"E2E-2",$ACT,"conversion_date_time":"2026-09-11T10:00:00Z","conversion_value":40,"currency_code":"EUR","gclid":"Cj0KCQjwE2eGclid0002"}
	{"order_id":"E2E-3",$ACT,"conversion_date_time":"2026-09-20T09:00:00Z","conversion_value":15,"currency_code":"EUR","email":"Jane.Roe@Example.com"}
	{$CALL_ACT,"caller_id":"(650) 253-1234","country_code":"us","call_start_date_time":"2026-09-20T08:00:00Z","conversion_date_time":"2026-09-20T08:30:00Z","conversion_value":120,"currency_code":"USD"}
	{"order_id":"E2E-1",$ACT,"adjustment_type":"retraction","adjustment_date_time":"2026-09-19T12:00:00Z","reason":"refund"}
	{"order_id":"E2E-2",$ACT,"adjustment_type":"RESTATEMENT","adjustment_date_time":"2026-09-19T12:00:00Z","conversion_date_time":"2026-09-11T10:00:00Z","adjusted_value":"25.50","currency_code":"eur"}
	{"order_id":"E2E-3",$ACT,"adjustment_type":"ENHANCEMENT","email":"Jane.Roe@Example.com","phone":"+1 415 867 5309","first_name":"Jane","last_name":"Roe","street_address":"1 Main St.","city":"Springfield","region":"IL","postal_code":"62701","country_code":"US","user_agent":"Mozilla/5.0 (X11; Linux x86_64)"}
	{"order_id":"E2E-404",$ACT,"adjustment_type":"RETRACTION","adjustment_date_time":"2026-09-19T12:00:00Z"}
	{"order_id":"E2E-2",$ACT,"adjustment_type":"RESTATEMENT","adjustment_date_time":"2026-09-20T12:00:00Z"}
	{"order_id":"E2E-1",$ACT,"adjustment_type":"ENHANCEMENT","user_agent":"Mozilla/5.0"}
	{$CALL_ACT,"caller_id":"+1 650 253 1234","call_start_date_time":"2026-09-20T08:00:00Z","conversion_date_time":"2026-09-20T08:45:00Z"}
	{"order_id":"E2E-5",$ACT,"conversion_date_time":"2026-09-12T10:00:00Z","gclid":"Cj0KCQjwE2eGclid0005"}
	{"order_id":"E2E-6","conversion_date_time":"2026-09-12T10:00:00Z","gclid":"Cj0KCQjwE2eGclid0006"}
	EOF
}
# E2E-1..3 clicks uploaded, the call uploaded, the retraction, restatement
# and enhancement uploaded, E2E-404 CONVERSION_NOT_FOUND; line 9
# adjusted_value_missing (ac-normalize), line 10 enhancement_without_identifiers
# (ac-pick-clickid), line 11 the same call again, duplicate_call (ac-batch),
# line 12 a click uploaded, line 13 conversion_action_missing (ac-normalize).

# pipeline IN TAG [ac-upload options]: the six stages, one at a time, each
# with its own rejects file TAG.rN.ndjson and stderr TAG.errN; requests in
# TAG.req.ndjson, results in TAG.out.ndjson.  Every stage exits 0 or 1.
pipeline() {
	local in=$1 t=$2
	shift 2
	stage "$t" 1 n ac-normalize "$in" || return 1
	stage "$t" 2 c ac-consent "$t.n.ndjson" || return 1
	stage "$t" 3 h ac-hash "$t.c.ndjson" || return 1
	stage "$t" 4 p ac-pick-clickid "$t.h.ndjson" || return 1
	stage "$t" 5 req ac-batch "$t.p.ndjson" || return 1
	stage "$t" 6 out ac-upload -j 1 "$@" "$t.req.ndjson"
}

# stage TAG N OUT TOOL ARG...: TOOL -R TAG.rN.ndjson ARG... > TAG.OUT.ndjson
# 2> TAG.errN; exit status 0 or 1 (1: something was rejected).
stage() {
	local t=$1 n=$2 out=$3 tool=$4 st=0
	shift 4
	"$tool" -R "$t.r$n.ndjson" "$@" >"$t.$out.ndjson" 2>"$t.err$n" || st=$?
	if [[ $st -gt 1 ]]; then
		echo "$tool: exit status $st" >&2
		cat "$t.err$n" >&2
		return 1
	fi
}

# rows TAG: one line per result record, "kind type order status code".
rows() {
	jq -r '[.kind, .adjustment_type // "-", .order_id // "-", .status,
	    .error.code // "-"] | join(" ")' "$1.out.ndjson"
}

@test "kinds e2e: clicks, a call and adjustments through the six stages; one request per kind; the answers per row" {
	mixed >in.ndjson
	pipeline in.ndjson a --journal j.ndjson
	# ac-batch: one request per kind, in the order the kinds first came
	is "$(jq -c '[.method, (.rows | map(.kind) | unique | join(",")),
	    (.rows | length)]' a.req.ndjson | paste -sd' ')" \
	    '["uploadClickConversions","click",4] ["uploadCallConversions","call",1] ["uploadConversionAdjustments","adjustment",4]'
	# and the emulator saw them as three methods, the call without jobId
	is "$(admin GET requests | jq -r '.requests[] | .path | sub(".*:"; "")' | paste -sd' ')" \
	    'uploadClickConversions uploadCallConversions uploadConversionAdjustments'
	is "$(admin GET requests | jq -c '[.requests[] | .body | has("jobId")]')" \
	    '[false,false,false]'
	is "$(rows a)" "$(cat <<-'EOF'
	click - E2E-1 uploaded -
	click - E2E-2 uploaded -
	click - E2E-3 uploaded -
	click - E2E-5 uploaded -
	call - - uploaded -
	adjustment RETRACTION E2E-1 uploaded -
	adjustment RESTATEMENT E2E-2 uploaded -
	adjustment ENHANCEMENT E2E-3 uploaded -
	adjustment RETRACTION E2E-404 rejected conversionAdjustmentUploadError.CONVERSION_NOT_FOUND
	EOF
	)"
	# result records point back to the input of ac-batch
	is "$(jq -r 'select(.kind != "click") | "\(.file):\(.line)"' a.out.ndjson | paste -sd' ')" \
	    'a.p.ndjson:4 a.p.ndjson:5 a.p.ndjson:6 a.p.ndjson:7 a.p.ndjson:8'
	# the stages' rejects, each where the spec puts it
	is "$(cat a.r1.ndjson a.r2.ndjson a.r3.ndjson a.r4.ndjson a.r5.ndjson |
	    jq -r '"\(.stage) \(.line) \(.code)"' | paste -sd,)" \
	    'ac-normalize 9 adjusted_value_missing,ac-normalize 13 conversion_action_missing,ac-pick-clickid 9 enhancement_without_identifiers,ac-batch 9 duplicate_call'
	[[ ! -s a.r6.ndjson ]]
}

@test "kinds e2e: the ledger holds each kind; the retraction and enhancement are applied; the restatement carries the new value; the call by its SHA-256" {
	mixed >in.ndjson
	pipeline in.ndjson a
	admin GET ledger >ledger.json
	is "$(jq -c '[.conversions[] | .kind] | group_by(.) | map([.[0], length])' ledger.json)" \
	    '[["adjustment",3],["call",1],["click",4]]'
	is "$(jq -c '[.conversions[] | select(.kind == "adjustment") |
	    [.adjustment_type, .order_id, .value, .currency_code, .user_identifiers]]' ledger.json)" \
	    '[["RETRACTION","E2E-1",null,null,0],["RESTATEMENT","E2E-2",25.5,"EUR",0],["ENHANCEMENT","E2E-3",null,null,3]]'
	is "$(jq -r '.conversions[] | select(.order_id == "E2E-3" and .kind == "adjustment") | .user_agent' ledger.json)" \
	    'Mozilla/5.0 (X11; Linux x86_64)'
	is "$(jq -c '.conversions[] | select(.kind == "call") |
	    [.caller_id_sha256, .call_start_date_time, .conversion_date_time, .value, .currency_code]' ledger.json)" \
	    "[\"$(printf '%s' "$CALLER_E164" | sha256sum | cut -c1-64)\",\"2026-09-20 08:00:00+00:00\",\"2026-09-20 08:30:00+00:00\",120,\"USD\"]"
	# the restated conversion is the click of E2E-2, its value 40 before
	is "$(jq -c '[.conversions[] | select(.order_id == "E2E-2") | [.kind, .value]]' ledger.json)" \
	    '[["click",40],["adjustment",25.5]]'
}

@test "kinds e2e: a second retraction is refused CONVERSION_ALREADY_RETRACTED, a second enhancement CONVERSION_ALREADY_ENHANCED" {
	mixed >in.ndjson
	pipeline in.ndjson a --journal j.ndjson
	# The next day's export: the refund again, at a later time (so neither
	# ac-batch nor the journal holds it back), and the web tag's data again.
	cat >next.ndjson <<-EOF
	{"order_id":"E2E-1",$ACT,"adjustment_type":"RETRACTION","adjustment_date_time":"2026-09-20T12:00:00Z"}
	{"order_id":"E2E-3",$ACT,"adjustment_type":"ENHANCEMENT","adjustment_date_time":"2026-09-20T13:00:00Z","email":"jane.roe@example.com"}
	{"order_id":"E2E-2",$ACT,"adjustment_type":"RESTATEMENT","adjustment_date_time":"2026-09-20T12:00:00Z","adjusted_value":20,"currency_code":"EUR"}
	EOF
	pipeline next.ndjson b --journal j.ndjson
	is "$(rows b)" "$(cat <<-'EOF'
	adjustment RETRACTION E2E-1 rejected conversionAdjustmentUploadError.CONVERSION_ALREADY_RETRACTED
	adjustment ENHANCEMENT E2E-3 rejected conversionAdjustmentUploadError.CONVERSION_ALREADY_ENHANCED
	adjustment RESTATEMENT E2E-2 uploaded -
	EOF
	)"
	is "$(admin GET ledger | jq -c '[.conversions[] | select(.order_id == "E2E-2") | .value]')" \
	    '[40,25.5,20]'
	is "$(admin GET ledger | jq '[.conversions[] | select(.kind == "adjustment" and .order_id == "E2E-1")] | length')" 1
}

@test "kinds e2e: conservation: records in = result records + the rejects of every stage" {
	mixed >in.ndjson
	pipeline in.ndjson a
	local in out rej n
	in=$(grep -c . in.ndjson)
	out=$(grep -c . a.out.ndjson)
	rej=$(cat a.r1.ndjson a.r2.ndjson a.r3.ndjson a.r4.ndjson a.r5.ndjson a.r6.ndjson | grep -c .)
	is "$in $out $rej" "13 9 4"
	# and stage by stage: what each read = what it wrote + what it rejected
	lines() { cat "$@" | grep -c . || true; }
	is "$(lines a.n.ndjson a.r1.ndjson)" "$in" ac-normalize
	is "$(lines a.c.ndjson a.r2.ndjson)" "$(lines a.n.ndjson)" ac-consent
	is "$(lines a.h.ndjson a.r3.ndjson)" "$(lines a.c.ndjson)" ac-hash
	is "$(lines a.p.ndjson a.r4.ndjson)" "$(lines a.h.ndjson)" ac-pick-clickid
	n=$(jq -s 'map(.rows | length) | add' a.req.ndjson)
	is "$((n + $(lines a.r5.ndjson)))" "$(lines a.p.ndjson)" ac-batch
	is "$out" "$n" ac-upload
	# the summaries say the same
	grep -q '^ac-normalize: 13 in, 11 out, 2 rejected' a.err1
	grep -q '^ac-upload: 3 requests, 9 rows: 8 uploaded, 0 validated, 1 rejected, 0 failed, 0 skipped' a.err6
}

@test "kinds e2e: a re-run with the same journal skips every delivered row of every kind" {
	mixed >in.ndjson
	pipeline in.ndjson a --journal j.ndjson
	admin GET requests | jq '.requests | length' >n1
	is "$(cat n1)" 3
	pipeline in.ndjson b --journal j.ndjson
	is "$(rows b)" "$(cat <<-'EOF'
	click - E2E-1 skipped -
	click - E2E-2 skipped -
	click - E2E-3 skipped -
	click - E2E-5 skipped -
	call - - skipped -
	adjustment RETRACTION E2E-1 skipped -
	adjustment RESTATEMENT E2E-2 skipped -
	adjustment ENHANCEMENT E2E-3 skipped -
	adjustment RETRACTION E2E-404 rejected conversionAdjustmentUploadError.CONVERSION_NOT_FOUND
	EOF
	)"
	# only the refused row went out again, alone in its request
	admin GET requests >reqs.json
	is "$(jq -c '.requests[3:] | map([(.path | sub(".*:"; "")),
	    (.body.conversionAdjustments // .body.conversions | map(.orderId))])' reqs.json)" \
	    '[["uploadConversionAdjustments",["E2E-404"]]]'
	is "$(admin GET ledger | jq '.conversions | length')" 8
	# the journal names the call by a hash and the adjustments by type
	grep -qF '|call|' j.ndjson
	grep -qF '|RETRACTION|order|E2E-1|' j.ndjson
	grep -qF '|RESTATEMENT|order|E2E-2|' j.ndjson
	grep -qF '|ENHANCEMENT|order|E2E-3|' j.ndjson
}

@test "kinds e2e: the caller's number is in no result record, journal, message or emulator log" {
	mixed >in.ndjson
	pipeline in.ndjson a --journal j.ndjson -v
	pipeline in.ndjson b --journal j.ndjson -v
	# it did reach the API, in clear, in E.164
	is "$(jq -r '.request.conversions[0].callerId' a.req.ndjson | sed -n 2p)" "$CALLER_E164"
	local f
	for f in a.out.ndjson b.out.ndjson j.ndjson a.err* b.err* "$EMU_DIR/log.ndjson"; do
		# any way of writing it: 6502531234, 650-253-1234, (650) 253 1234
		if grep -qE '2531234|253[^0-9A-Za-z]{1,3}1234' "$f"; then
			echo "the caller's number is in $f" >&2
			return 1
		fi
	done
	# nor the enhancement's phone number (hashed, so never in clear after ac-hash)
	if grep -qE '8675309|867[^0-9A-Za-z]{1,3}5309' a.req.ndjson "$EMU_DIR/log.ndjson"; then
		echo "the enhancement's phone number went out in clear" >&2
		return 1
	fi
	# the emulator log holds the SHA-256 of the caller instead
	grep -qF "sha256:$(printf '%s' "$CALLER_E164" | sha256sum | cut -c1-64)" "$EMU_DIR/log.ndjson"
}

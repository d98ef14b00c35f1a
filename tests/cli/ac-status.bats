#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-status against tests/mock/gads.py: Data Manager request statuses as
# the emulator's clock moves (PROCESSING, SUCCESS, PARTIAL_SUCCESS,
# FAILED, unknown request IDs), Google Ads API jobs through the upload
# summaries (derived from the uploads, or set by admin upload_summaries),
# --wait and --deadline, exit codes, input and secrets. Run from the
# project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-status.bats

load helper

TOKEN=ac-test-access-token-St4tus9
CID=1234567890
ACTIONS=987654321,987655321,987656321
# The example orders are from April 2026: the tools and the emulator see
# "now" as 2026-05-03 12:00:00Z, as make demo does.
NOW=1777809600

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu DATA=$BATS_FILE_TMPDIR
	emu_start "$EMU_DIR" --access-token "$TOKEN" --actions "$ACTIONS" \
	    --ads-processing-seconds 600 || return 1
	EMU=$(emu_url "$EMU_DIR")
	export EMU
	# request lines of both APIs from the example orders
	(cd "$DATA" && AC_NOW=$NOW ac-normalize -q --timezone Europe/Berlin \
	    "$AC_ROOT/share/ac/examples/orders.ndjson" 2>/dev/null |
	    AC_NOW=$NOW ac-consent -q --require-explicit EEA 2>/dev/null |
	    ac-hash -q 2>/dev/null | ac-pick-clickid -q >ready.ndjson 2>/dev/null
	    AC_NOW=$NOW ac-batch -q ready.ndjson >dm.req 2>/dev/null
	    AC_NOW=$NOW ac-batch -q --api googleads ready.ndjson >ga.req \
	    2>/dev/null) || true
	[[ -s $DATA/dm.req && -s $DATA/ga.req ]]
}

teardown_file() {
	emu_stop "$EMU_DIR"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	unset AC_ACCESS_TOKEN_FILE AC_API_VERSION AC_DEVELOPER_TOKEN AC_API
	export AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$EMU AC_RETRY_BASE_MS=20 \
	    AC_NOW=$NOW
	emu_admin POST reset >/dev/null
	clock_at "$NOW"
}

teardown() {
	if grep -qaF "$TOKEN" ./* "$EMU_DIR/log.ndjson" 2>/dev/null ||
	    [[ ${output:-} == *"$TOKEN"* || ${stderr:-} == *"$TOKEN"* ]]; then
		echo "the access token was written somewhere" >&2
		return 1
	fi
}

# clock_at EPOCH: the emulator's clock reads EPOCH now.
clock_at() {
	emu_admin POST clock "{\"offset\": $(($1 - $(date +%s)))}" >/dev/null
}
advance() { emu_admin POST clock "{\"advance\": $1}" >/dev/null; }

# upload API: results of the example requests in API.res
upload() {
	ac-upload -q "$DATA/$1.req" >"$1.res" 2>/dev/null || true
	[[ -s $1.res ]]
}

st() { run --separate-stderr ac-status "$@"; }

# field KEY: the values of KEY in the status records, space-separated
field() { jq -r --arg k "$1" '.[$k] | tostring' <<<"$output" | paste -sd' '; }

@test "-h prints usage on stdout and exits 0; bad options and durations exit 2" {
	st -h
	is "$status" 0
	[[ $output == "usage: ac-status "* ]]
	st --bogus
	is "$status" 2
	[[ $stderr == *"usage: ac-status"* ]]
	st --deadline soon
	is "$status" 2
	[[ $stderr == *"--deadline: expected a duration"* ]]
	st --interval -1s
	is "$status" 2
	st --endpoint http://example.com
	is "$status" 2
}

@test "datamanager: PROCESSING right after the upload (exit 75), SUCCESS once the clock passed 30 minutes (exit 0)" {
	upload dm
	st dm.res
	is "$status" 75
	is "$(field status)" "PROCESSING PROCESSING"
	is "$(field final)" "false false"
	is "$(field api)" "datamanager datamanager"
	# one record per request and destination, with what was sent there
	is "$(jq -r '"\(.customer_id) \(.conversion_action) \(.sent)"' <<<"$output" | paste -sd,)" \
	    "1234567890 customers/1234567890/conversionActions/987654321 5,9876543210 customers/9876543210/conversionActions/987655321 1"
	is "$(jq -s -c 'map(.request_id) | sort' <<<"$output")" \
	    "$(jq -s -c '[.[] | select(.status == "accepted") | .request_id] | unique' dm.res)" \
	    "request IDs, one record each"
	[[ $stderr == *"2 not final"* ]]
	advance 1799
	st dm.res
	is "$status" 75 "still processing a second before"
	advance 1
	st dm.res
	is "$status" 0
	is "$(field status)" "SUCCESS SUCCESS"
	is "$(field records)" "5 1"
	is "$(field failed)" "0 0"
	is "$(field checked_at)" "2026-05-03T12:00:00Z 2026-05-03T12:00:00Z"
	# the emulator was asked with GET requestStatus:retrieve
	jq -e -s 'map(select(.path | startswith("/v1/requestStatus:retrieve")))
	    | length >= 6 and all(.method == "GET")' "$EMU_DIR/log.ndjson" >/dev/null
}

@test "datamanager: PARTIAL_SUCCESS with errors by reason when some events are too old (exit 1)" {
	# 2026-07-24: 90 days after 04-25, so the orders of 04-23 and 04-24
	# are EVENT_TOO_OLD and the later ones are not
	clock_at 1784851200
	upload dm
	advance 1800
	st dm.res
	is "$status" 1
	local rec
	rec=$(jq -c 'select(.customer_id == "1234567890")' <<<"$output")
	is "$(jq -r .status <<<"$rec")" PARTIAL_SUCCESS
	is "$(jq -c .errors <<<"$rec")" '{"PROCESSING_ERROR_REASON_EVENT_TOO_OLD":3}'
	is "$(jq -r '.records - .failed' <<<"$rec")" 2
	[[ $stderr == *"(1 failed, partial or not found)"* ]] || [[ $stderr == *"failed, partial or not found"* ]]
}

@test "datamanager: every event a duplicate is FAILED (exit 1)" {
	upload dm
	mv dm.res first.res
	upload dm
	advance 1800
	st dm.res
	is "$status" 1
	is "$(field status)" "FAILED FAILED"
	is "$(jq -c '.errors' <<<"$output" | head -n 1)" '{"PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID":5}'
	# the first upload's requests were fine
	st first.res
	is "$status" 0
}

@test "datamanager: a request ID Google does not know is NOT_FOUND with its error (exit 1)" {
	upload dm
	jq -c 'if .request_id then .request_id = "no-such-request" else . end' dm.res >bad.res
	st bad.res
	is "$status" 1
	is "$(field status)" "NOT_FOUND NOT_FOUND"
	is "$(jq -r '.error.code' <<<"$output" | sort -u)" datamanager.INVALID_REQUEST_ID
}

@test "googleads: jobs pending in the derived summaries, then SUCCESS with the job's counts" {
	upload ga
	st ga.res
	is "$status" 75
	is "$(field status)" "PROCESSING PROCESSING"
	is "$(field pending)" "5 1"
	is "$(jq -s -c 'map(.job_id) | sort' <<<"$output")" \
	    "$(jq -s -c '[.[] | select(.status == "uploaded") | .job_id] | unique' ga.res)"
	advance 600
	st ga.res
	is "$status" 0
	is "$(field status)" "SUCCESS SUCCESS"
	is "$(field successful)" "5 1"
	is "$(field final)" "true true"
	# googleAds:search on the conversion action summary, per customer
	jq -e -s 'map(select(.path | endswith("googleAds:search")) | .body.query)
	    | all(test("FROM offline_conversion_upload_conversion_action_summary"))' \
	    "$EMU_DIR/log.ndjson" >/dev/null
}

@test "googleads: a job the summaries have with failed rows is PARTIAL_SUCCESS, with none successful FAILED; alerts come along" {
	upload ga
	local job1 job2
	job1=$(jq -r 'select(.customer_id == "1234567890" and .status == "uploaded") | .job_id' ga.res | head -n 1)
	job2=$(jq -r 'select(.customer_id == "9876543210" and .status == "uploaded") | .job_id' ga.res | head -n 1)
	emu_admin POST upload_summaries "{\"customer\":\"1234567890\",\"conversion_actions\":[{\"conversion_action_id\":987654321,\"job_summaries\":[{\"job_id\":$job1,\"successful_count\":4,\"failed_count\":2}],\"alerts\":[{\"error\":{\"conversion_upload_error\":\"EXPIRED_EVENT\"},\"error_percentage\":0.33}]}]}" >/dev/null
	emu_admin POST upload_summaries "{\"customer\":\"9876543210\",\"conversion_actions\":[{\"conversion_action_id\":987655321,\"job_summaries\":[{\"job_id\":$job2,\"failed_count\":1}]}]}" >/dev/null
	st ga.res
	is "$status" 1
	is "$(field status)" "PARTIAL_SUCCESS FAILED"
	is "$(jq -c 'select(.job_id == "'"$job1"'") | [.successful, .failed, .alerts]' <<<"$output")" \
	    '[4,2,[{"code":"conversionUploadError.EXPIRED_EVENT","share":0.33}]]'
}

@test "googleads: a job not in the summaries yet stays PROCESSING, in_summary false" {
	upload ga
	emu_admin POST upload_summaries '{"customer":"1234567890"}' >/dev/null
	emu_admin POST upload_summaries '{"customer":"9876543210"}' >/dev/null
	st ga.res
	is "$status" 75
	is "$(field in_summary)" "false false"
}

@test "--wait: asks again with backoff until the clock moved, then exit 0" {
	upload dm
	upload ga
	( sleep 1; emu_admin POST clock '{"advance": 1800}' >/dev/null ) &
	st -w --interval 0.2s --deadline 30s dm.res ga.res
	wait
	is "$status" 0
	is "$(field status)" "SUCCESS SUCCESS SUCCESS SUCCESS"
	[[ $stderr == *"4 of 4 not final; checking again in 0.2s"* ]]
	[[ $stderr == *"checking again in 0.4s"* ]]
	[[ $stderr =~ 4\ final.*\ passes ]]
}

@test "--wait --deadline: stops at the deadline, the last statuses written, exit 75" {
	upload dm
	SECONDS=0
	st -w --interval 0.2s --deadline 1s dm.res
	is "$status" 75
	[[ $SECONDS -lt 8 ]]
	is "$(field status)" "PROCESSING PROCESSING"
}

@test "retries: a 503 of requestStatus:retrieve is retried; the token refused is exit 3 with nothing written" {
	upload dm
	emu_admin POST faults '[{"kind":"unavailable","endpoint":"status","count":2}]' >/dev/null
	st dm.res
	is "$status" 75
	is "$(field status)" "PROCESSING PROCESSING"
	[[ $stderr == *"GET /v1/requestStatus:retrieve"*"retrying"* ]]
	AC_ACCESS_TOKEN=not-a-token-known st dm.res
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"refused the access token"* ]]
}

@test "input: rows with nothing to follow are skipped; a line that is no result is rejected (exit 1, -R); empty input exit 0" {
	upload dm
	advance 1800
	{ cat dm.res; echo '{"order_id":"X-1"}'; echo 'not json'; } >in.ndjson
	st -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(field status)" "SUCCESS SUCCESS"
	is "$(jq -r .code rej.ndjson | paste -sd' ')" "not_a_result bad_json"
	# the rejected result of ORD-2026-0013 was not followed
	is "$(jq -s length <<<"$output")" 2
	st /dev/null
	is "$status" 0
	is "$output" ""
	[[ $stderr == *"nothing to follow"* ]]
}

@test "no PII: order IDs, click IDs and hashes of the input never reach stdout or stderr" {
	upload dm
	advance 1800
	st dm.res
	is "$status" 0
	! grep -qE 'ORD-2026|Cj0|gclid' <<<"$output$stderr"
}

@test "> /dev/full exits 3 with a write error" {
	upload dm
	run --separate-stderr sh -c 'ac-status dm.res > /dev/full'
	is "$status" 3
	[[ $stderr == *"stdout"* ]]
}

#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-doctor against tests/mock/gads.py: each check in a passing and a
# failing state (the emulator's admin customers, conversion_actions and
# upload_summaries set the account up), what it reads from records and
# request lines, exit codes, and the STYLE.md §10 checks that apply to a
# tool whose output is findings. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-doctor.bats

load helper

TOKEN=ac-test-access-token-Dr7kW3
CID=1234567890
ACT=customers/1234567890/conversionActions/4242
DM_SCOPE=https://www.googleapis.com/auth/datamanager
ADWORDS_SCOPE=https://www.googleapis.com/auth/adwords

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu
	emu_start "$EMU_DIR" --access-token "$TOKEN" --actions 4242,4243 ||
	    return 1
	EMU=$(emu_url "$EMU_DIR")
	export EMU
}

teardown_file() {
	emu_stop "$EMU_DIR"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	unset AC_ACCESS_TOKEN_FILE AC_API_VERSION AC_DEVELOPER_TOKEN AC_API
	export AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$EMU AC_RETRY_BASE_MS=20
	emu_admin POST reset >/dev/null
}

teardown() {
	if grep -qaF "$TOKEN" ./* "$EMU_DIR/log.ndjson" 2>/dev/null ||
	    [[ ${output:-} == *"$TOKEN"* || ${stderr:-} == *"$TOKEN"* ]]; then
		echo "the access token was written somewhere" >&2
		return 1
	fi
}

# doctor ARG...: run ac-doctor; $output holds the findings.
doctor() {
	run --separate-stderr ac-doctor "$@"
}

# got CHECK [ACTION_ID]: "severity code" of those findings, one a line.
got() {
	jq -r --arg c "$1" --arg a "${2:-}" 'select(.check == $c and
	    (if $a == "" then .conversion_action == null else
	     .conversion_action == "customers/\(.customer_id)/conversionActions/\($a)"
	     end)) | "\(.severity) \(.code)"' <<<"$output"
}

# expect_finding CHECK ACTION WANT: a finding of CHECK is WANT ("severity
# code").
expect_finding() {
	local g
	g=$(got "$1" "$2")
	if ! grep -qxF "$3" <<<"$g"; then
		printf 'FAIL %s %s: expected "%s", got "%s"\n' "$1" "${2:--}" \
		    "$3" "$g" >&2
		FAILS=$((FAILS + 1))
	fi
}

customers() { emu_admin POST customers "$1" >/dev/null; }
actions() { emu_admin POST conversion_actions "{\"customer\":\"$CID\",\"add\":$1}" >/dev/null; }

@test "-h prints usage on stdout and exits 0; bad options exit 2" {
	run --separate-stderr ac-doctor -h
	[ "$status" -eq 0 ]
	[[ $output == "usage: ac-doctor "* ]]
	run --separate-stderr ac-doctor --bogus
	[ "$status" -eq 2 ]
	[[ $stderr == *"usage: ac-doctor"* ]]
	run --separate-stderr ac-doctor -c 12345
	[ "$status" -eq 2 ]
	run --separate-stderr ac-doctor -a 4242
	[ "$status" -eq 2 ]
	[[ $stderr == *"which customer"* ]]
	run --separate-stderr ac-doctor --kind sale -c $CID
	[ "$status" -eq 2 ]
	run --separate-stderr ac-doctor --endpoint http://example.com -c $CID
	[ "$status" -eq 2 ]
	[[ $stderr == *"loopback"* ]]
	run --separate-stderr ac-doctor --api-version 25 -c $CID
	[ "$status" -eq 2 ]
}

@test "a healthy account: every check passes, exit 0, one finding per check" {
	doctor --api googleads -a $ACT
	[ "$status" -eq 0 ]
	expect_finding credentials "" "info scopes_unknown"
	expect_finding customer_access "" "ok customer_reachable"
	expect_finding customer_data_terms "" "ok data_terms_accepted"
	expect_finding enhanced_conversions_for_leads "" "ok ecl_enabled"
	expect_finding conversion_tracking "" "ok tracked_by_self"
	expect_finding conversion_action 4242 "ok action_enabled"
	expect_finding action_type 4242 "ok action_type_ok"
	expect_finding goal 4242 "ok drives_bidding"
	expect_finding counting 4242 "ok counting_ok"
	expect_finding value_settings 4242 "ok value_settings_ok"
	expect_finding click_through_window 4242 "info click_through_window"
	expect_finding upload_health 4242 "info no_upload_history"
	checks_pass
	# the shape of a finding, and its key order
	run jq -c 'select(.check == "click_through_window") | keys_unsorted' \
	    <<<"$output"
	[ "$output" = '["check","customer_id","conversion_action","severity","code","message","fix","days"]' ]
	[[ $stderr == *"ac-doctor: 1 customer: "*"0 errors"* ]]
}

@test "credentials: a refused token and a token without the scope the API needs" {
	AC_ACCESS_TOKEN=not-a-token doctor --api googleads -c $CID
	[ "$status" -eq 3 ]
	expect_finding credentials "" "error token_refused"
	emu_admin POST tokens "{\"add\":[{\"token\":\"adw-$TOKEN\",\"scopes\":[\"$ADWORDS_SCOPE\"]}]}" >/dev/null
	# a token file: the scopes stay unknown, googleads passes
	AC_ACCESS_TOKEN=adw-$TOKEN doctor --api googleads -c $CID
	[ "$status" -eq 0 ]
	emu_admin POST tokens "{\"add\":[{\"token\":\"dm-$TOKEN\",\"scopes\":[\"$DM_SCOPE\"]}]}" >/dev/null
	AC_ACCESS_TOKEN=dm-$TOKEN doctor --api datamanager -c $CID
	[ "$status" -eq 3 ]
	expect_finding credentials "" "error scope_missing"
	[[ $(jq -r 'select(.check == "credentials") | .message' <<<"$output") == *"$ADWORDS_SCOPE"* ]]
	checks_pass
}

@test "credentials: scopes known from a refresh token" {
	cat >google-ads.yaml <<-EOF
	client_id: ac-test-client-id
	client_secret: ac-test-client-secret
	refresh_token: ac-test-refresh-token
	EOF
	chmod 600 google-ads.yaml
	unset AC_ACCESS_TOKEN
	doctor --config google-ads.yaml --token-uri "$EMU/token" -c $CID
	[ "$status" -eq 0 ]
	expect_finding credentials "" "ok credentials_ok"
	emu_admin POST tokens '{"refresh_token":{"refresh_token":"adw-only","scope":"'"$ADWORDS_SCOPE"'"}}' >/dev/null
	sed -i 's/ac-test-refresh-token/adw-only/' google-ads.yaml
	doctor --config google-ads.yaml --token-uri "$EMU/token" --api datamanager -c $CID
	[ "$status" -eq 3 ]
	expect_finding credentials "" "error scope_missing"
	checks_pass
}

@test "customer_access: reachable only through its manager" {
	customers '{"add":[{"id":"'$CID'","login_customers":["1112223334"]}]}'
	doctor -c $CID
	[ "$status" -eq 3 ]
	expect_finding customer_access "" "error customer_not_reachable"
	doctor -c $CID --login-customer-id 111-222-3334
	[ "$status" -eq 0 ]
	expect_finding customer_access "" "ok customer_reachable"
	# a record's login_customer_id, sent as the header
	printf '{"customer_id":"%s","login_customer_id":"1112223334","conversion_action":"%s","gclid":"x"}\n' $CID $ACT >in.ndjson
	doctor in.ndjson
	[ "$status" -eq 0 ]
	emu_admin GET requests | jq -e '[.requests[] | select(.path |
	    test("googleAds:search")) | .headers["login-customer-id"]] |
	    index("1112223334") != null' >/dev/null
	customers '{"add":[{"id":"5555555555","status":"CANCELED"}]}'
	doctor -c 5555555555
	[ "$status" -eq 3 ]
	expect_finding customer_access "" "error customer_not_enabled"
	checks_pass
}

@test "customer_data_terms: an error only when user data is sent" {
	customers '{"add":[{"id":"'$CID'","accepted_customer_data_terms":false}]}'
	doctor -a $ACT
	[ "$status" -eq 0 ]
	expect_finding customer_data_terms "" "warning data_terms_not_accepted"
	printf '{"conversion_action":"%s","hashed_email":"%064d"}\n' $ACT 0 >in.ndjson
	doctor in.ndjson
	[ "$status" -eq 3 ]
	expect_finding customer_data_terms "" "error data_terms_not_accepted"
	[[ $output != *"0000000000000000"* && $stderr != *"0000000000000000"* ]]
	checks_pass
}

@test "enhanced_conversions_for_leads: off blocks leads only" {
	customers '{"add":[{"id":"'$CID'","enhanced_conversions_for_leads_enabled":false}]}'
	doctor -a $ACT
	[ "$status" -eq 0 ]
	expect_finding enhanced_conversions_for_leads "" "info ecl_disabled"
	doctor -a $ACT --kind lead
	[ "$status" -eq 3 ]
	expect_finding enhanced_conversions_for_leads "" "error ecl_disabled"
	checks_pass
}

@test "conversion_tracking: tracked by another account (Data Manager's operating account)" {
	customers '{"add":[{"id":"'$CID'","conversion_customer":"1112223334"}]}'
	doctor --api datamanager -c $CID
	[ "$status" -eq 3 ]
	expect_finding conversion_tracking "" "error tracked_by_other_account"
	[ "$(jq -r 'select(.check == "conversion_tracking") | .conversion_customer' <<<"$output")" = 1112223334 ]
	doctor --api googleads -c $CID
	[ "$status" -eq 0 ]
	expect_finding conversion_tracking "" "warning tracked_by_other_account"
	customers '{"set":[{"id":"'$CID'","conversion_tracking_status":"NOT_CONVERSION_TRACKED"}]}'
	doctor -c $CID
	expect_finding conversion_tracking "" "warning not_conversion_tracked"
	checks_pass
}

@test "conversion_action: missing, removed, hidden" {
	actions '[{"id":11,"status":"REMOVED"},{"id":12,"status":"HIDDEN"}]'
	doctor -c $CID -a 4242 -a 11 -a 12 -a 5000000
	[ "$status" -eq 3 ]
	expect_finding conversion_action 4242 "ok action_enabled"
	expect_finding conversion_action 11 "error action_removed"
	expect_finding conversion_action 12 "error action_hidden"
	expect_finding conversion_action 5000000 "error action_not_found"
	checks_pass
}

@test "action_type: what is sent against the action's type" {
	actions '[{"id":21,"type":"UPLOAD_CALLS"},{"id":22,"type":"WEBPAGE"}]'
	doctor -c $CID -a 21
	[ "$status" -eq 3 ]
	expect_finding action_type 21 "error action_type_mismatch"
	doctor -c $CID -a 21 --kind call
	[ "$status" -eq 0 ]
	expect_finding action_type 21 "ok action_type_ok"
	doctor -c $CID -a 22 -a 4242 --kind enhancement
	[ "$status" -eq 3 ]
	expect_finding action_type 22 "ok action_type_ok"
	expect_finding action_type 4242 "error action_type_mismatch"
	doctor -c $CID -a 22 --kind restatement
	expect_finding action_type 22 "ok action_type_ok"
	checks_pass
}

@test "goal: secondary or left out of Conversions does not drive bidding" {
	actions '[{"id":31,"primary_for_goal":false},{"id":32,"include_in_conversions_metric":false}]'
	doctor -c $CID -a 31 -a 32 -a 4242
	[ "$status" -eq 0 ]
	expect_finding goal 31 "warning not_primary"
	expect_finding goal 32 "warning not_in_conversions"
	expect_finding goal 4242 "ok drives_bidding"
	checks_pass
}

@test "counting: one per click refuses gbraid and wbraid" {
	actions '[{"id":41,"counting_type":"ONE_PER_CLICK"}]'
	printf '{"conversion_action":"customers/%s/conversionActions/41","gclid":"a"}\n' $CID >in.ndjson
	doctor in.ndjson
	[ "$status" -eq 0 ]
	expect_finding counting 41 "ok counting_ok"
	printf '{"conversion_action":"customers/%s/conversionActions/41","wbraid":"b"}\n' $CID >>in.ndjson
	doctor in.ndjson
	[ "$status" -eq 3 ]
	expect_finding counting 41 "error one_per_click_with_braid"
	checks_pass
}

@test "value_settings: always the default value refuses restatements" {
	actions '[{"id":51,"value_settings":{"always_use_default_value":true}}]'
	doctor -c $CID -a 51
	[ "$status" -eq 0 ]
	expect_finding value_settings 51 "ok value_settings_ok"
	doctor -c $CID -a 51 --kind restatement
	[ "$status" -eq 3 ]
	expect_finding value_settings 51 "error restatement_default_value"
	printf '{"conversion_action":"customers/%s/conversionActions/51","gclid":"a","conversion_value":5}\n' $CID >in.ndjson
	doctor in.ndjson
	[ "$status" -eq 0 ]
	expect_finding value_settings 51 "warning value_ignored"
	checks_pass
}

@test "click_through_window: reported with its days" {
	actions '[{"id":61,"click_through_lookback_window_days":90}]'
	doctor -c $CID -a 61
	[ "$status" -eq 0 ]
	expect_finding click_through_window 61 "info click_through_window"
	[ "$(jq 'select(.check == "click_through_window") | .days' <<<"$output")" = 90 ]
	checks_pass
}

@test "upload_health: status, alerts with their codes and shares" {
	emu_admin POST upload_summaries '{"customer":"'$CID'","conversion_actions":[
	    {"conversion_action_id":4242,"status":"NEEDS_ATTENTION","total_event_count":100,"successful_event_count":60,
	     "alerts":[{"error":{"conversion_upload_error":"EXPIRED_EVENT"},"error_percentage":0.4}]},
	    {"conversion_action_id":4243,"status":"EXCELLENT","total_event_count":50,"successful_event_count":50}]}' >/dev/null
	doctor -c $CID -a 4242 -a 4243
	[ "$status" -eq 0 ]
	expect_finding upload_health 4242 "warning upload_needs_attention"
	expect_finding upload_health 4243 "ok upload_healthy"
	[ "$(jq -c 'select(.code == "upload_needs_attention") | .alerts' <<<"$output")" = '[{"code":"conversionUploadError.EXPIRED_EVENT","share":0.4}]' ]
	[[ $(jq -r 'select(.code == "upload_needs_attention") | .message' <<<"$output") == *"60 of 100"*"EXPIRED_EVENT 40%"* ]]
	checks_pass
}

@test "request lines of ac-batch: customers, actions and what they carry" {
	printf '{"conversion_action":"customers/%s/conversionActions/41","customer_id":"%s","conversion_date_time":"2026-09-01 10:00:00+02:00","gbraid":"0AAAAgbraid1","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}\n' $CID $CID |
	    ac-batch --api googleads >req.ndjson 2>/dev/null
	actions '[{"id":41,"counting_type":"ONE_PER_CLICK"}]'
	doctor req.ndjson
	[ "$status" -eq 3 ]
	expect_finding counting 41 "error one_per_click_with_braid"
	checks_pass
}

@test "bad input lines are rejected with file:line, the rest is checked, exit 1" {
	{ echo '{"conversion_action":"'$ACT'"}'; echo 'not json'
	  echo '{"conversion_action":"nope"}'; } >in.ndjson
	doctor -R rej.ndjson in.ndjson
	[ "$status" -eq 1 ]
	[[ $stderr == *"in.ndjson:2:"* ]]
	[ "$(wc -l <rej.ndjson)" -eq 2 ]
	expect_finding conversion_action 4242 "ok action_enabled"
	checks_pass
}

@test "empty input: nothing to check, exit 0" {
	doctor </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "> /dev/full exits 3 with a write error" {
	run bash -c "ac-doctor -c $CID >/dev/full"
	[ "$status" -eq 3 ]
	[[ $output == *"stdout"* ]]
}

@test "temporary failures are retried; exhausted retries exit 75" {
	emu_admin POST faults '[{"kind":"unavailable","endpoint":"search","count":2}]' >/dev/null
	doctor -c $CID
	[ "$status" -eq 0 ]
	[[ $stderr == *"retrying"* ]]
	emu_admin POST faults '[{"kind":"unavailable","endpoint":"search","count":10}]' >/dev/null
	doctor --retries 1 -c $CID
	[ "$status" -eq 75 ]
	emu_admin DELETE faults >/dev/null
}

@test "the table on stderr with --table; -q keeps stderr quiet" {
	doctor --table -c $CID
	[[ $stderr == *"SEVERITY"*"customer_reachable"* ]]
	doctor -q -c $CID
	[ -z "$stderr" ]
}

@test "the search requests: query, headers, no token in the log" {
	printf '%s' dev-token-Zq1 >devtoken
	chmod 600 devtoken
	doctor --developer-token-file devtoken -c $CID -a 4242
	[ "$status" -eq 0 ]
	run jq -c '.requests[] | select(.path | test("googleAds:search")) |
	    [.path, .headers["developer-token"], .headers.authorization,
	     (.body.query | test("FROM customer$"))]' <<<"$(emu_admin GET requests)"
	[ "${lines[0]}" = '["/v25/customers/1234567890/googleAds:search","<redacted>","Bearer <redacted>",true]' ]
	[ "${#lines[@]}" -eq 3 ]
}

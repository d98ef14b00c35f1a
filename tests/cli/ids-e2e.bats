#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Several identifiers per conversion (issue 13), end to end: email and
# phone arrays through all six stages to the emulator, on both APIs. The
# emulator counts what it was sent; each API gets at most its limit (5 on
# the Google Ads API, 10 on Data Manager), never the same hash twice.

load helper

TOKEN=ac-test-access-token-ids-e2e-Qm41
export AC_NOW=1793000000	# 2026-10-26

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	emu_start emu --access-token "$TOKEN" --actions 4242 || return 1
	EMU=$(emu_url emu)
	export EMU AC_ACCESS_TOKEN=$TOKEN NO_PROXY=127.0.0.1
	local em ph
	em='"a@example.com","b@example.com","c@example.com","d@example.com","A@Example.com"'
	ph='"+1 415 867 5309","+1 415 867 5310","+1 415 867 5311"'
	cat >in.ndjson <<-EOF
	{"order_id":"I-1","customer_id":"123-456-7890","conversion_action_id":"4242","conversion_date_time":"2026-10-20T10:00:00Z","gclid":"Cj0KCQjwIdsE2EGclid001","email":[$em],"phone":[$ph],"country_code":"US","consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}
	{"order_id":"I-2","customer_id":"123-456-7890","conversion_action_id":"4242","conversion_date_time":"2026-10-20T11:00:00Z","email":["e@example.com"],"phone":"+1 415 867 5312","consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}
	EOF
}

teardown() {
	emu_stop emu
}

# run_pipeline API: the six stages; every record must come out.
run_pipeline() {
	ac-normalize -q -R r1.ndjson in.ndjson | ac-consent -q -R r2.ndjson |
	    ac-hash -q -R r3.ndjson | ac-pick-clickid -q -R r4.ndjson |
	    ac-batch -R r5.ndjson --api "$1" 2>batch.err |
	    ac-upload -q --endpoint "$EMU" >results.ndjson
	cat r1.ndjson r2.ndjson r3.ndjson r4.ndjson r5.ndjson >rejects.ndjson
	is "$(wc -l <rejects.ndjson | tr -d ' ')" 0 "no record rejected"
}

@test "ids e2e: Data Manager takes all seven identifiers of a conversion, each once" {
	run_pipeline datamanager
	is "$(jq -r .status results.ndjson | sort | uniq -c | awk '{print $2 "=" $1}')" "accepted=2"
	curl -sf "$EMU/__admin/conversions" >conversions.json
	is "$(jq -c '[.conversions[] | {(.transaction_id): .user_identifiers}] | add' conversions.json)" \
	    '{"I-1":7,"I-2":2}' "identifiers the emulator holds"
}

@test "ids e2e: the Google Ads API gets five, the rest dropped with a warning naming no value" {
	run_pipeline googleads
	is "$(jq -r .status results.ndjson | sort | uniq -c | awk '{print $2 "=" $1}')" "uploaded=2"
	curl -sf "$EMU/__admin/ledger" >ledger.json
	is "$(jq -c '[.conversions[] | select(.kind == "click") | {(.order_id): .user_identifiers}] | add' ledger.json)" \
	    '{"I-1":5,"I-2":2}' "identifiers the emulator holds"
	grep -q "identifiers_over_limit" batch.err ||
		{ echo "no warning: $(cat batch.err)" >&2; return 1; }
	! grep -q "example.com\|415" batch.err ||
		{ echo "a value on stderr: $(cat batch.err)" >&2; return 1; }
}

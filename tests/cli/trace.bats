#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Traceability (issue 15): a result record names the backend's own record,
# file and line (ac-normalize --source), and carries the fields the user
# names (ac-batch --keep), so that it joins to the backend without
# guessing; never an identifier.

load helper

TOKEN=ac-test-access-token-trace-Zp02
export AC_NOW=1793000000	# 2026-10-26

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	emu_start emu --access-token "$TOKEN" --actions 4242 || return 1
	EMU=$(emu_url emu)
	export EMU AC_ACCESS_TOKEN=$TOKEN NO_PROXY=127.0.0.1
	# Line 2 is rejected by ac-pick-clickid: the others keep their own
	# line numbers all the way.
	cat >orders.ndjson <<-'EOF'
	{"order_id":"T-1","shop_id":"eu-1","customer_id":"123-456-7890","conversion_action_id":"4242","conversion_date_time":"2026-10-20T10:00:00Z","gclid":"Cj0KCQjwTraceGclid001","email":"a@example.com","consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}
	{"order_id":"T-2","shop_id":"eu-1","customer_id":"123-456-7890","conversion_action_id":"4242","conversion_date_time":"2026-10-20T10:00:00Z"}

	{"order_id":"T-3","shop_id":"us-2","source":"pos","customer_id":"123-456-7890","conversion_action_id":"4242","conversion_date_time":"2026-10-20T11:00:00Z","gclid":"Cj0KCQjwTraceGclid003"}
	EOF
}

teardown() {
	emu_stop emu
}

@test "trace: results name the original record's file and line, and carry the --keep fields" {
	ac-normalize -q -s orders.ndjson | ac-consent -q | ac-hash -q |
	    { ac-pick-clickid -q 2>/dev/null || true; } |
	    ac-batch -q --keep shop_id,source,missing |
	    ac-upload -q --endpoint "$EMU" >results.ndjson
	is "$(jq -c '[.order_id, .file, .line, .keep]' results.ndjson | paste -sd' ')" \
	    '["T-1","orders.ndjson",1,{"shop_id":"eu-1"}] ["T-3","orders.ndjson",4,{"shop_id":"us-2","source":"pos"}]'
	is "$(jq -r .status results.ndjson | sort -u)" accepted
}

@test "trace: without --source the rows name what ac-batch read; without --keep no keep" {
	ac-normalize -q orders.ndjson | ac-hash -q |
	    ac-pick-clickid -q 2>/dev/null >ready.ndjson || true
	ac-batch -q ready.ndjson >req.ndjson
	is "$(jq -c '.rows[] | [.file, .line, has("keep")]' req.ndjson | paste -sd' ')" \
	    '["ready.ndjson",1,false] ["ready.ndjson",2,false]'
	# a second ac-normalize -s keeps the first one's source
	ac-normalize -q -s orders.ndjson >n1.ndjson
	ac-normalize -q -s n1.ndjson | jq -c .ac_source | head -n 1 >src
	is "$(cat src)" '{"file":"orders.ndjson","line":1}'
}

@test "trace: --keep refuses identifiers, clear or hashed; more than 16 fields" {
	local f
	for f in email phone first_name hashed_email hashed_phone_number caller_id; do
		run --separate-stderr ac-batch --keep "shop_id,$f" </dev/null
		is "$status" 2 "--keep $f"
		[[ $stderr == *"--keep $f: an identifier is never copied to the rows"* ]] ||
			{ echo "stderr: $stderr" >&2; return 1; }
	done
	run --separate-stderr ac-batch --keep a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q </dev/null
	is "$status" 2
	[[ $stderr == *"--keep: at most 16 fields"* ]] || { echo "stderr: $stderr" >&2; return 1; }
	checks_pass
}

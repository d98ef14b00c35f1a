#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Scaling out ac-upload (issue 15, ac-upload(1) "Scaling out"): -j N in
# one process, or shards by customer, each with its own journal and
# dead-letter file, run at once. Every row gets exactly one result, the
# emulator holds each conversion once, a re-run sends nothing; a journal
# held by another process stops a run before anything is sent.

load helper

TOKEN=ac-test-access-token-scale-Hw73
export AC_NOW=1793000000	# 2026-10-26

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	emu_start emu --access-token "$TOKEN" --actions 4242 || return 1
	EMU=$(emu_url emu)
	export EMU AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$EMU NO_PROXY=127.0.0.1
	# 3 customers x 300 conversions, 100 per request: 9 request lines
	local c i
	for c in 1111111111 2222222222 3333333333; do
		for ((i = 1; i <= 300; i++)); do
			printf '{"order_id":"S%s-%d","customer_id":"%s","conversion_action":"customers/%s/conversionActions/4242","conversion_date_time":"2026-10-20 10:%02d:%02d+02:00","gclid":"Cj0KCQjwScale%s%05d","click_id_type":"gclid","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}\n' \
			    "${c:0:1}" "$i" "$c" "$c" $((i / 60)) $((i % 60)) "${c:0:1}" "$i"
		done
	done >recs.ndjson
	ac-batch -q -n 100 recs.ndjson >requests.ndjson
}

teardown() {
	emu_stop emu
}

# shard: one file of request lines per customer, shard-CUSTOMER.ndjson.
shard() {
	local c
	for c in $(jq -r .customer_id requests.ndjson | sort -u); do
		jq -c --arg c "$c" 'select(.customer_id == $c)' requests.ndjson \
		    >"shard-$c.ndjson"
	done
}

# upload_shards: an ac-upload per shard, all at once, as ac-upload(1)
# shows it with xargs -P.
upload_shards() {
	ls shard-*.ndjson | xargs -P 3 -I{} sh -c \
	    'b=$(basename {} .ndjson); ac-upload -q -j 2 --journal "$b.journal" --dead-letter "$b.dead" {} >"$b.results"'
}

@test "shards by customer, each with its own journal, at once: every row one result, each conversion once" {
	shard
	is "$(ls shard-*.ndjson | wc -l | tr -d ' ')" 3 "three shards"
	upload_shards
	cat shard-*.results >results.ndjson
	is "$(wc -l <results.ndjson | tr -d ' ')" 900 "a result per row"
	is "$(jq -r .status results.ndjson | sort | uniq -c | awk '{print $2 "=" $1}')" "accepted=900"
	is "$(jq -r .order_id results.ndjson | sort -u | wc -l | tr -d ' ')" 900 "each order once"
	curl -sf "$EMU/__admin/conversions" >conv.json
	is "$(jq '.conversions | length' conv.json)" 900 "the emulator holds each once"
	# again: every journal knows its rows, nothing is sent twice
	upload_shards
	cat shard-*.results >again.ndjson
	is "$(jq -r .status again.ndjson | sort -u)" skipped "a re-run skips every row"
	curl -sf "$EMU/__admin/conversions" | jq '.conversions | length' >n
	is "$(cat n)" 900 "still once"
	checks_pass
}

@test "one process with -j 4 does the same without shards" {
	run --separate-stderr ac-upload -q -j 4 --journal j.ndjson requests.ndjson
	is "$status" 0
	is "$(jq -r .status <<<"$output" | sort | uniq -c | awk '{print $2 "=" $1}')" "accepted=900"
	checks_pass
}

@test "a journal another process holds stops a run before anything is sent, exit 3" {
	command -v flock >/dev/null || skip "flock (util-linux) is not installed"
	: >shared.journal
	flock shared.journal sleep 5 &
	holder=$!
	sleep 0.5
	run --separate-stderr ac-upload --journal shared.journal requests.ndjson
	is "$status" 3
	is "$output" "" "no result: nothing was read"
	[[ $stderr == *"journal shared.journal: in use by another process"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
	curl -sf "$EMU/__admin/conversions" | jq '.conversions | length' >n
	is "$(cat n)" 0 "nothing sent"
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	checks_pass
}

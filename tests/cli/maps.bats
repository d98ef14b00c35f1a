#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The maps of share/ac/maps (ac-maps(7)): each map's output on its fixture,
# written from the system's public API documentation, equals the expected
# records; what it skips is listed by --arg skipped show; and the records
# go through the whole pipeline to the emulator (tests/mock/gads.py) with
# every one accounted for.

load helper

MAPS=$AC_ROOT/share/ac/maps
FX=$FIXTURES/maps
ARGS=(--arg conversion_action_id 987654321 --arg customer_id 1234567890)
TOKEN=maps-token-5e2a

setup_file() {
	export DATA=$BATS_FILE_TMPDIR
	emu_start "$DATA/emu" --access-token "$TOKEN" --actions 987654321
	EMU=$(emu_url "$DATA/emu")
	export EMU
	# The fixtures' orders are of September 2026, the clock of AC_NOW.
	emu_admin POST clock "{\"offset\": $((AC_NOW - $(date +%s)))}" >/dev/null
}

teardown_file() {
	emu_stop "$DATA/emu"
}

# map CASE [JQ OPTION...]: the map of CASE on its fixture, on stdout. A CSV
# fixture goes through Miller first, as ac-maps(7) says.
map() {
	local case=$1 m
	shift
	m=$case
	[[ $case == stripe-* ]] && m=stripe
	if [[ -f $FX/$case.csv ]]; then
		mlr -S --icsv --ojsonl cat "$FX/$case.csv" |
		    jq -c -f "$MAPS/$m.jq" "$@"
	else
		jq -c -f "$MAPS/$m.jq" "$@" "$FX/$case.json"
	fi
}

# orders CASE: how many orders (deals, payments) the fixture holds.
orders() {
	if [[ -f $FX/$1.csv ]]; then
		mlr -S --icsv --ojsonl cat "$FX/$1.csv" | grep -c .
	else
		jq 'if type == "array" then length
		    elif has("orders") then .orders | length
		    elif (.data | type) == "array" then .data | length
		    else .data.orders.edges | length end' \
		    "$FX/$1.json"
	fi
}

# golden CASE: the records and the skipped list equal the expected files,
# and every order is in one of them.
golden() {
	local case=$1 extra=()
	[[ $case == hubspot-deals ]] && extra=(--arg currency_code EUR)
	map "$case" "${ARGS[@]}" "${extra[@]}" >out.ndjson
	diff -u "$FX/$case.out" out.ndjson
	map "$case" --arg skipped show >skipped.ndjson
	diff -u "$FX/$case.skipped" skipped.ndjson
	is "$(orders "$case")" \
	    "$(($(wc -l <out.ndjson) + $(wc -l <skipped.ndjson)))" \
	    "orders = records + skipped"
}

# pipeline CASE: the expected records through every stage and the upload;
# each record comes out as a result or in one rejects file.
pipeline() {
	local case=$1 in res rej=0 r st
	cp "$FX/$case.out" in.ndjson
	set +e
	ac-normalize -q -z Europe/Berlin -R r1.ndjson in.ndjson |
	    ac-consent -q -E EEA -R r2.ndjson |
	    ac-hash -q -R r3.ndjson |
	    ac-pick-clickid -q -R r4.ndjson |
	    ac-batch -q -R r5.ndjson >requests.ndjson
	st="${PIPESTATUS[*]}"
	AC_ACCESS_TOKEN=$TOKEN ac-upload -q --endpoint "$EMU" \
	    -R r6.ndjson --dead-letter dead.ndjson requests.ndjson \
	    >results.ndjson 2>upload.err
	echo "$?" >upload.status
	set -e
	for r in $st; do
		[[ $r -le 1 ]] || { echo "stage statuses: $st" >&2; return 1; }
	done
	is "$(cat upload.status)" 0 "ac-upload exit status ($(cat upload.err))"
	in=$(grep -c . in.ndjson)
	res=$(grep -c . results.ndjson || true)
	for r in r1 r2 r3 r4 r5; do
		rej=$((rej + $(grep -c . $r.ndjson || true)))
	done
	is "$in" "$((res + rej))" "records = results + rejected ($res + $rej)"
	is "$(jq -r .status results.ndjson | sort -u)" accepted "result statuses"
	[[ ! -s r6.ndjson && ! -s dead.ndjson ]]
	[[ $res -gt 0 ]]
}

@test "shopify-rest.jq: orders.json to records; cancelled, refunded, test orders skipped" {
	golden shopify-rest
}

@test "shopify-rest.jq: the records reach the emulator, each accounted for" {
	pipeline shopify-rest
}

@test "shopify-graphql.jq: orders query to records; the same order IDs as REST" {
	golden shopify-graphql
}

@test "shopify-graphql.jq: the records reach the emulator, each accounted for" {
	pipeline shopify-graphql
}

@test "shopify-graphql.jq: bulk operation lines; nested lines are not orders" {
	printf '%s\n' '{"id":"gid://shopify/Order/7","processedAt":"2026-09-01T10:00:00Z","email":"a@example.com"}' \
	    '{"id":"gid://shopify/LineItem/8","__parentId":"gid://shopify/Order/7"}' >bulk.jsonl
	run jq -c -f "$MAPS/shopify-graphql.jq" bulk.jsonl
	is "$status" 0
	is "$output" '{"order_id":"7","conversion_date_time":"2026-09-01T10:00:00Z","email":"a@example.com"}'
}

@test "shopify-graphql.jq: a response with errors and no orders stops jq" {
	echo '{"errors":[{"message":"Throttled"}],"data":null}' >err.json
	run jq -c -f "$MAPS/shopify-graphql.jq" err.json
	[[ $status -ne 0 ]]
	[[ $output == *"a response without orders (it has errors)"* ]]
}

@test "woocommerce.jq: orders to records; refunds netted; cancelled, refunded, pending skipped" {
	golden woocommerce
}

@test "woocommerce.jq: the records reach the emulator, each accounted for" {
	pipeline woocommerce
}

@test "stripe.jq: Checkout Sessions; zero- and three-decimal currencies, ISK" {
	golden stripe-sessions
	# JPY 1500 is 1500, KWD 12345 is 12.345, ISK 50000 is 500
	is "$(jq -c '[.currency_code, .conversion_value]' out.ndjson | paste -sd' ')" \
	    '["USD",21.98] ["JPY",1500] ["KWD",12.345] ["ISK",500]'
}

@test "stripe.jq: PaymentIntents; partial refund deducted, full refund skipped" {
	golden stripe-payment-intents
}

@test "stripe.jq: the records reach the emulator, each accounted for" {
	pipeline stripe-sessions
	rm -f ./*.ndjson
	pipeline stripe-payment-intents
}

@test "stripe.jq: an event (a webhook's body) is read as its object" {
	jq -c '{object: "event", type: "checkout.session.completed",
	    data: {object: .data[0]}}' "$FX/stripe-sessions.json" >event.json
	run jq -c -f "$MAPS/stripe.jq" event.json
	is "$output" "$(head -n 1 "$FX/stripe-sessions.out" |
	    jq -c 'del(.conversion_action_id, .customer_id)')"
}

@test "hubspot-deals.jq: a CSV export through Miller: quoted commas, a newline in a cell" {
	golden hubspot-deals
	# The cell with the newline did not split its row: 6 deals.
	is "$(orders hubspot-deals)" 6
}

@test "hubspot-deals.jq: the records reach the emulator, each accounted for" {
	pipeline hubspot-deals
	# the deal with neither click ID nor e-mail or phone
	is "$(jq -r '"\(.stage) \(.record.order_id) \(.code)"' r4.ndjson)" \
	    "ac-pick-clickid 15723145006 unattributable"
}

@test "hubspot-deals.jq: the CRM API's results read as the export's rows" {
	echo '{"results":[{"id":"512","properties":{"amount":"1500.00","closedate":"2026-09-07T16:50:06.678Z","dealname":"Custom data integrations","dealstage":"closedwon","deal_currency_code":"USD","hs_object_id":"512","email":"pat.kim@example.com"}},{"id":"513","properties":{"dealstage":"contractsent"}}],"paging":{}}' >api.json
	run jq -c -f "$MAPS/hubspot-deals.jq" api.json
	is "$output" '{"order_id":"512","conversion_date_time":"2026-09-07T16:50:06.678Z","conversion_value":"1500.00","currency_code":"USD","email":"pat.kim@example.com"}'
	run jq -c -f "$MAPS/hubspot-deals.jq" --arg won_stages ' contractsent' api.json
	is "$(jq -r .order_id <<<"$output" | paste -sd' ')" "512 513"
}

@test "maps: the landing-URL parser: fragment, later params, encoding, none" {
	local got
	got=$(jq -nc -L "$MAPS" 'include "common";
	    [(["/?a=1&gclid=X%2DY%5F1"], ["/p#/c?utm=1&gclid=F"], ["/p?GCLID=a+b"],
	      ["/p?gclid=&gclid=2"], [null], ["/no/query"], ["/?gclid=%E2%82%AC%FF"])
	     | ac_url_param(.; "gclid")]')
	is "$got" '["X-Y_1","F","a b","2",null,null,"€�"]'
}

@test "maps: a full name split: one word, a title, last name first" {
	local got
	got=$(jq -nc -L "$MAPS" 'include "common";
	    ["Jenny Rosen", "Madonna", "Dr. Jane van der Berg", "Quinn, Alex",
	     "Alex Quinn, Jr."] | map(ac_split_name | [.first_name, .last_name])')
	is "$got" '[["Jenny","Rosen"],["Madonna",null],["Dr. Jane","van der Berg"],["Alex","Quinn"],["Alex","Quinn, Jr."]]'
}

@test "maps: stderr of the pipeline holds no value from the fixtures" {
	local v
	cp "$FX/shopify-rest.out" in.ndjson
	ac-normalize -z Europe/Berlin in.ndjson 2>err.txt |
	    ac-consent -E EEA 2>>err.txt | ac-hash 2>>err.txt |
	    ac-pick-clickid 2>>err.txt >/dev/null || true
	while read -r v; do
		if grep -qF -- "$v" err.txt; then
			echo "found a fixture value on stderr" >&2
			return 1
		fi
	done < <(jq -r '.email // empty, .phone // empty, .gclid // empty' in.ndjson)
}

@test "maps: Miller without -S would write invalid JSON for 0x1f: the maps' command uses -S" {
	printf 'Record ID,Amount\n1,0x1f\n' >d.csv
	run bash -c 'mlr -S --icsv --ojsonl cat d.csv | jq -c .'
	is "$output" '{"Record ID":"1","Amount":"0x1f"}'
}

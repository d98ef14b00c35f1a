#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-report on the results and statuses of real uploads of the example
# orders to tests/mock/gads.py (made once in setup_file): the day
# records' numbers, each alert rule against a baseline in an alerting and
# a quiet state, reconciliation against the export, the chart (a valid
# SVG, a PNG), exit codes and input. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-report.bats

load helper

TOKEN=ac-test-access-token-R3port7
NOW=1777809600	# 2026-05-03 12:00:00Z, as make demo
ORDERS=$AC_ROOT/share/ac/examples/orders.ndjson

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu DATA=$BATS_FILE_TMPDIR
	emu_start "$EMU_DIR" --access-token "$TOKEN" \
	    --actions 987654321,987655321,987656321 || return 1
	EMU=$(emu_url "$EMU_DIR")
	export EMU
	cd "$DATA" || return 1
	export AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$EMU AC_NOW=$NOW
	emu_admin POST clock "{\"offset\": $((NOW - $(date +%s)))}" >/dev/null
	ac-normalize -q --timezone Europe/Berlin "$ORDERS" 2>/dev/null |
	    ac-consent -q --require-explicit EEA 2>/dev/null |
	    ac-hash -q 2>/dev/null | ac-pick-clickid -q >ready.ndjson 2>/dev/null || true
	ac-batch -q ready.ndjson >dm.req 2>/dev/null || true
	ac-upload -q dm.req >dm.res 2>/dev/null || true
	emu_admin POST clock '{"advance": 1800}' >/dev/null
	ac-status -q dm.res >dm.st 2>/dev/null || true
	[[ -s dm.res && -s dm.st ]]
}

teardown_file() {
	emu_stop "$EMU_DIR"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	export AC_NOW=$NOW
	unset AC_GNUPLOT
}

rep() { run --separate-stderr ac-report "$@"; }

# day CID ACTION_ID: the day record of that group
day() {
	jq -c --arg c "$1" --arg a "$2" 'select(.kind == "day" and
	    .customer_id == $c and (.conversion_action | endswith("/" + $a)))' <<<"$output"
}

alerts() {
	jq -r 'select(.kind == "alert") | "\(.alert) \(.metric)"' <<<"$output" | sort | paste -sd,
}

# baseline JQ: a baseline made from this run's report, changed by JQ
baseline() {
	ac-report "$DATA/dm.res" "$DATA/dm.st" 2>/dev/null | jq -c "$1" >base.ndjson
}

@test "-h prints usage on stdout and exits 0; bad options exit 2" {
	rep -h
	is "$status" 0
	[[ $output == "usage: ac-report "* ]]
	rep --bogus
	is "$status" 2
	rep --threshold 0
	is "$status" 2
	rep --chart out.pdf
	is "$status" 2
	[[ $stderr == *".svg or .png"* ]]
}

@test "day records: conversions, accepted, rejected by reason, processed, coverage, consent, success rate" {
	rep "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 0
	is "$(jq -s 'map(select(.kind == "day")) | length' <<<"$output")" 3
	local d
	d=$(day 1234567890 987654321)
	is "$(jq -r '[.day, .conversions, .accepted, .rejected, .processed.successful, .processed.failed, .processed.final, .success_rate, .accepted_rate] | map(tostring) | join(" ")' <<<"$d")" \
	    "2026-05-03 5 5 0 5 0 1 1 1"
	is "$(jq -c .identifiers <<<"$d")" \
	    "$(jq -c -s '[.[] | select(.customer_id == "1234567890" and (.conversion_action | endswith("/987654321")))] |
	      {email: map(select(.identifiers.email)) | length, phone: map(select(.identifiers.phone)) | length,
	       address: map(select(.identifiers.address)) | length,
	       click_id: map(select(.click_id_type != "none")) | length,
	       gclid: map(select(.click_id_type == "gclid")) | length,
	       gbraid: map(select(.click_id_type == "gbraid")) | length,
	       wbraid: map(select(.click_id_type == "wbraid")) | length,
	       none: map(select(.click_id_type == "none" and (.identifiers | length) == 0)) | length}' "$DATA/dm.res")" \
	    "identifier counts follow the results"
	is "$(jq -c '.consent | add' <<<"$d")" 5 "every conversion in the consent mix"
	is "$(jq -r '.coverage.email == (.identifiers.email / .conversions * 10000 | round / 10000)' <<<"$d")" true
	is "$(jq -r .match_rate <<<"$d")" null
	# the refused order: rejected by its reason, nothing processed
	d=$(day 1234567890 987659999)
	is "$(jq -c '[.conversions, .rejected, .rejected_by, .success_rate]' <<<"$d")" \
	    '[1,1,{"datamanager.INVALID_CONVERSION_ACTION_ID":1},null]'
}

@test "processed outcome: status records not final count as pending, no success rate yet" {
	jq -c '.status = "PROCESSING" | .final = false | del(.records, .failed, .errors)' "$DATA/dm.st" >proc.st
	rep "$DATA/dm.res" proc.st
	is "$status" 0
	is "$(day 1234567890 987654321 | jq -c '[.processed.pending, .processed.final, .success_rate]')" '[5,0,null]'
}

@test "stale, duplicate and unattributable from the reasons of rejections and processing errors" {
	jq -c 'if .request_id then .errors = {"PROCESSING_ERROR_REASON_EVENT_TOO_OLD": 2,
	    "PROCESSING_ERROR_REASON_DUPLICATE_GCLID": 1, "PROCESSING_ERROR_REASON_CLICK_NOT_FOUND": 1} | .failed = 4 else . end' \
	    "$DATA/dm.st" >err.st
	rep "$DATA/dm.res" err.st
	is "$(day 1234567890 987654321 | jq -c '[.stale, .duplicate, .unattributable, .processed.successful, .processed.failed, .success_rate]')" \
	    '[2,1,1,1,4,0.2]'
}

@test "alert: success rate 10 points or more below the baseline (exit 1, record and stderr line); 9.9 points is not" {
	jq -c 'if .customer_id == "1234567890" then .failed = 1 | .errors = {"PROCESSING_ERROR_REASON_EVENT_TOO_OLD": 1} else . end' \
	    "$DATA/dm.st" >drop.st	# 4 of 5: 80%
	baseline '.'
	rep --baseline base.ndjson "$DATA/dm.res" drop.st
	is "$status" 1
	is "$(alerts)" "success_rate_drop success_rate"
	is "$(jq -c 'select(.kind == "alert") | [.day, .customer_id, .value, .baseline]' <<<"$output")" \
	    '["2026-05-03","1234567890",0.8,1]'
	[[ $stderr == *"alert: 2026-05-03 1234567890 987654321: success rate 80.0% is 20.0 points below the baseline's 100.0%"* ]]
	rep --baseline base.ndjson --threshold 20.1 "$DATA/dm.res" drop.st
	is "$status" 0
	is "$(alerts)" ""
}

@test "alert: a whole day at or below the baseline's success rate, not the day still running" {
	jq -c 'if .customer_id == "1234567890" then .failed = 1 else . end' "$DATA/dm.st" >low.st	# 80%
	# a baseline of 85%: 5 points above, under the threshold
	baseline 'if .kind == "day" and .customer_id == "1234567890" then .processed.successful = 85 | .processed.failed = 15 else . end'
	rep --baseline base.ndjson "$DATA/dm.res" low.st
	is "$status" 0 "the day is today: not whole yet"
	AC_NOW=$((NOW + 86400)) rep --baseline base.ndjson "$DATA/dm.res" low.st
	is "$status" 1
	is "$(alerts)" "success_rate_below_baseline success_rate"
}

@test "alert: identifier coverage moving --shift points (default 15) on a day of --min-volume conversions" {
	# the baseline had e-mail on every conversion; this run on fewer
	baseline 'if .kind == "day" then .identifiers.email = .conversions else . end'
	rep --baseline base.ndjson "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 0 "5 conversions are below --min-volume 20"
	rep --baseline base.ndjson --min-volume 1 "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 1
	[[ $(alerts) == *"coverage_shift email"* ]]
	[[ $stderr == *"email coverage"*"baseline 100.0%"* ]]
	# a move below --shift is not sharp
	baseline '.'
	rep --baseline base.ndjson --min-volume 1 "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 0
}

@test "alert: consent mix moving sharply" {
	baseline 'if .kind == "day" then .consent = {"GRANTED": .conversions, "DENIED": 0, "UNSPECIFIED": 0, "UNKNOWN": 0} else . end'
	rep --baseline base.ndjson --min-volume 1 "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 1
	[[ $(alerts) == *"consent_shift GRANTED"* ]]
	[[ $stderr == *"ad_user_data GRANTED"* ]]
	# GRANTED on one conversion more in the baseline than now, of 5: 20
	# points, sharp at --shift 15 and 20, not at 21
	baseline 'if .kind == "day" and (.conversion_action | endswith("/987654321")) then .consent.GRANTED += 1 | .consent.DENIED -= 1 else . end'
	rep --baseline base.ndjson --min-volume 1 "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 1
	rep --baseline base.ndjson --min-volume 1 --shift 21 "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 0
}

@test "--against: the orders of the export never accepted or rejected, exit 1" {
	rep --against "$ORDERS" "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 1
	local want
	# every order of the export that has no accepted or rejected result
	want=$(jq -R 'fromjson? // empty' "$ORDERS" | jq -r -s --slurpfile r "$DATA/dm.res" '[$r[] | select(.status == "accepted" or .status == "rejected") | .order_id] as $done |
	    map(.order_id | select(. != null) | tostring) | unique | map(select(. as $o | $done | index($o) | not)) | .[]' | sort | paste -sd' ')
	[[ -n $want ]]
	is "$(jq -r 'select(.kind == "missing") | .order_id' <<<"$output" | sort | paste -sd' ')" "$want"
	is "$(jq -r 'select(.kind == "missing") | .reason' <<<"$output" | sort -u)" no_result
	# a failed row is missing too, with its last status
	jq -c 'if .order_id == "ORD-2026-0001" then .status = "failed" else . end' "$DATA/dm.res" >f.res
	rep --against "$ORDERS" f.res
	is "$(jq -c 'select(.kind == "missing" and .order_id == "ORD-2026-0001") | [.last_status, .reason]' <<<"$output")" '["failed","failed"]'
	rep --against "$ORDERS" --against missing.ndjson "$DATA/dm.res"
	is "$status" 3
}

@test "--chart: a valid SVG with the series, the baseline and the alerts; a PNG; no gnuplot is exit 3" {
	baseline 'if .kind == "day" then .identifiers.email = .conversions else . end'
	rep --baseline base.ndjson --min-volume 1 --chart daily.svg "$DATA/dm.res" "$DATA/dm.st"
	is "$status" 1
	[[ -s daily.svg ]]
	if command -v xmllint >/dev/null; then
		xmllint --noout daily.svg
	fi
	python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
assert r.tag == "{http://www.w3.org/2000/svg}svg", r.tag
t = " ".join(r.itertext())
for w in ("conversions in", "success rate", "e-mail coverage", "consent granted", "baseline success rate", "alert"):
    assert w in t, w' daily.svg
	! grep -qE 'ORD-2026|@' daily.svg
	rep --chart daily.png "$DATA/dm.res"
	is "$status" 0
	is "$(head -c 4 daily.png | od -An -c | tr -d ' ')" '211PNG'
	AC_GNUPLOT=/nonexistent/gnuplot rep --chart x.svg "$DATA/dm.res"
	is "$status" 3
	[[ $stderr == *"gnuplot"* ]]
}

@test "input: a line neither result nor status is rejected (-R), exit 1; empty input exit 0; /dev/full exit 3" {
	{ head -n 2 "$DATA/dm.res"; echo '{"order_id":"X"}'; echo '[1]'; } >in.ndjson
	rep -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(jq -r .code rej.ndjson | paste -sd' ')" "unknown_record not_object"
	rep /dev/null
	is "$status" 0
	is "$output" ""
	run --separate-stderr sh -c 'ac-report "$1" > /dev/full' sh "$DATA/dm.res"
	is "$status" 3
}

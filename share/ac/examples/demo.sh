#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the whole pipeline on the example orders, from the shop's export
# to Google, here the loopback emulator tests/mock/gads.py: first through the
# Data Manager API (the default, and the only API open to new adopters of
# offline conversion import since 2026-06-15), then through the Google Ads API
# as an allowlisted account would.
# Uses the tools in bin/ and the data in share/ac of the build tree; builds
# nothing (make demo builds first).  Needs jq, python3 and gnuplot.  Everything
# it writes goes to a temporary directory, removed at the end, but the chart of
# ac-report, bin/demo-daily.svg (or $AC_DEMO_CHART).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
export PATH="$top/bin:$PATH" AC_SHAREDIR="$top/share/ac"
ex="$top/share/ac/examples/orders.ndjson"
adj="$top/share/ac/examples/adjustments.ndjson"
gads="$top/tests/mock/gads.py"

# The conversion actions that exist in the emulator's accounts: those of the
# example files except 987659999 (order ORD-2026-0013), which the API refuses
# with NO_CONVERSION_ACTION_FOUND; 987656321 is the call center's, used by
# adjustments.ndjson.
actions=987654321,987655321,987656321
# An access token the emulator accepts; not a secret.
token=demo-token-not-secret

for p in jq python3 gnuplot; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "demo: $p not found on PATH; the demo needs it" >&2; exit 1; }
done
for t in ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch ac-doctor ac-upload \
    ac-status ac-report; do
	[ -x "$top/bin/$t" ] ||
	    { echo "demo: $top/bin/$t missing; run make demo, which builds it" >&2; exit 1; }
done

out=$(mktemp -d) || exit 3
gads_pid=
cleanup() {
	if [ -n "$gads_pid" ]; then
		kill "$gads_pid" 2>/dev/null
		i=0  # it stops within 0.1 s of SIGTERM; SIGKILL after 5 s
		while kill -0 "$gads_pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$gads_pid" 2>/dev/null
		wait "$gads_pid" 2>/dev/null
		gads_pid=
	fi
	cd / && rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$out" || exit 3

# The example data is from April 2026. Google takes events and adjustments
# only within a window of their time, so the tools (AC_NOW, meant for tests
# and demos) and the emulator (POST /__admin/clock) see "now" as 2026-05-03
# 12:00:00Z.
now=1777809600
export AC_NOW=$now

# What a tool's exit status allows: 0, or 1 when it rejected records.
ok() { [ "$1" -le 1 ] || { echo "demo: $2 failed (exit status $1)" >&2; exit 1; }; }

echo "== in a temporary directory, with bin/ on PATH and AC_SHAREDIR=share/ac:"
echo "\$ cd $out"
echo "\$ cp $ex ."
cp "$ex" orders.ndjson || exit 1
echo

echo "== 1. normalize: one canonical form per field"
echo "\$ ac-normalize --timezone Europe/Berlin -R r1.ndjson orders.ndjson > normalized.ndjson"
ac-normalize --timezone Europe/Berlin -R r1.ndjson orders.ndjson > normalized.ndjson
st=$?
echo "(exit status $st: 1 means some records were rejected)"
ok $st ac-normalize
echo
echo "\$ jq -c '{order_id, conversion_date_time, email, phone, first_name}' normalized.ndjson"
jq -c '{order_id, conversion_date_time, email, phone, first_name}' normalized.ndjson
echo
echo "== identifiers dropped with a warning"
echo "\$ jq -c 'select(.ac_warnings) | {order_id, ac_warnings}' normalized.ndjson"
jq -c 'select(.ac_warnings) | {order_id, ac_warnings}' normalized.ndjson
echo
echo "== rejected records, with the reason"
echo "\$ jq -c '{file, line, code, field, message}' r1.ndjson"
jq -c '{file, line, code, field, message}' r1.ndjson
echo
in=$(grep -c . orders.ndjson)
n=$(wc -l < normalized.ndjson)
r1=$(wc -l < r1.ndjson)
echo "== conservation: $in records in = $n out + $r1 rejected"
[ "$in" -eq $((n + r1)) ] || exit 1
echo

echo "== 2. the rest of the record filters: consent, hashing, one click ID"
echo "\$ ac-consent -q --require-explicit EEA -R r2.ndjson normalized.ndjson |"
echo "      ac-hash -q -R r3.ndjson | ac-pick-clickid -q -R r4.ndjson > ready.ndjson"
ac-consent -q --require-explicit EEA -R r2.ndjson normalized.ndjson |
    ac-hash -q -R r3.ndjson |
    ac-pick-clickid -q -R r4.ndjson > ready.ndjson
echo "\$ jq -c '{order_id, click_id_type, ad_user_data: .\"google-ads-consent\".ad_user_data,"
echo "      hashed_email: (.hashed_email // \"\" | .[0:12])}' ready.ndjson"
jq -c '{order_id, click_id_type, ad_user_data: ."google-ads-consent".ad_user_data,
    hashed_email: (.hashed_email // "" | .[0:12])}' ready.ndjson
echo
echo "== rejected by those stages"
echo "\$ cat r2.ndjson r3.ndjson r4.ndjson | jq -c '{stage, line, order_id: .record.order_id, code, message}'"
cat r2.ndjson r3.ndjson r4.ndjson |
    jq -c '{stage, line, order_id: .record.order_id, code, message}'
ready=$(wc -l < ready.ndjson)
r234=$(cat r2.ndjson r3.ndjson r4.ndjson | wc -l)
echo "== conservation: $n in = $ready ready + $r234 rejected"
[ "$n" -eq $((ready + r234)) ] || exit 1
echo

echo "== 3. ac-batch: Data Manager API requests (one line per request; --api googleads"
echo "   for the Google Ads API, step 9)"
echo "\$ ac-batch -q -R r5.ndjson ready.ndjson > requests.ndjson"
ac-batch -q -R r5.ndjson ready.ndjson > requests.ndjson
ok $? ac-batch
echo "\$ jq -c '{api, customer_id, method, destinations: [.request.destinations[].productDestinationId],"
echo "      events: (.request.events | length)}' requests.ndjson"
jq -c '{api, customer_id, method, destinations: [.request.destinations[].productDestinationId],
    events: (.request.events | length)}' requests.ndjson
echo "\$ jq -c '.request.events[0] | {transactionId, eventTimestamp, adIdentifiers, consent,"
echo "      identifiers: (.userData.userIdentifiers // [] | length)}' requests.ndjson"
jq -c '.request.events[0] | {transactionId, eventTimestamp, adIdentifiers, consent,
    identifiers: (.userData.userIdentifiers // [] | length)}' requests.ndjson
echo "\$ jq -c '{stage, line, order_id: .record.order_id, code}' r5.ndjson"
jq -c '{stage, line, order_id: .record.order_id, code}' r5.ndjson
batched=$(jq '.rows | length' requests.ndjson | awk '{ s += $1 } END { print s + 0 }')
r5=$(wc -l < r5.ndjson)
echo "== conservation: $ready in = $batched in requests + $r5 rejected"
[ "$ready" -eq $((batched + r5)) ] || exit 1
echo

echo "== 4. the emulator of both APIs, on loopback (conversion actions $actions)"
echo "\$ python3 $gads --port 0 --port-file port \\"
echo "      --state-dir state --log gads.log --access-token $token --actions $actions &"
python3 "$gads" --port 0 --port-file port --state-dir state --log gads.log \
    --access-token "$token" --actions "$actions" 2> gads.err &
gads_pid=$!
i=0
while [ ! -s port ]; do
	if ! kill -0 "$gads_pid" 2>/dev/null; then
		wait "$gads_pid" 2>/dev/null
		gads_pid=
		echo "demo: the emulator ($gads) exited before it listened; its messages:" >&2
		cat gads.err >&2
		exit 1
	fi
	if [ $i -ge 100 ]; then
		echo "demo: the emulator ($gads) wrote no port file within 10 s; its messages:" >&2
		cat gads.err >&2
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
port=$(cat port)
endpoint=http://127.0.0.1:$port
echo "(listening on $endpoint)"

# admin PATH JSON: a test-control call to the emulator (no token needed).
admin() {
	python3 - "$endpoint/__admin/$1" "$2" <<'PY'
import sys, urllib.request as u
req = u.Request(sys.argv[1], data=sys.argv[2].encode(),
                headers={"Content-Type": "application/json"})
sys.stdout.write(u.build_opener(u.ProxyHandler({})).open(req, timeout=10).read().decode())
PY
}
echo "(and its clock set to 2026-05-03 12:00:00Z with POST /__admin/clock)"
admin clock "{\"offset\": $((now - $(date +%s)))}" > /dev/null ||
    { echo "demo: could not set the emulator's clock" >&2; exit 1; }
echo

echo "== 5. ac-upload: the token from the environment, never on the command line"
echo "\$ export AC_ACCESS_TOKEN=$token"
export AC_ACCESS_TOKEN="$token"
echo
echo "== first the preflight: ac-doctor checks the accounts and conversion actions"
echo "\$ ac-doctor --endpoint $endpoint requests.ndjson > doctor.ndjson"
ac-doctor --endpoint "$endpoint" requests.ndjson > doctor.ndjson 2> doctor.err
st=$?
echo "(exit status $st: 3 means a finding is an error, uploads to it would fail)"
[ "$st" -eq 0 ] || [ "$st" -eq 3 ] || { cat doctor.err >&2; exit 1; }
echo "\$ jq -r 'select(.severity != \"ok\") | [.severity, .check, .conversion_action // \"-\", .code] | @tsv' doctor.ndjson"
jq -r 'select(.severity != "ok") | [.severity, .check, .conversion_action // "-", .code] | @tsv' \
    doctor.ndjson
jq -s -e 'any(.[]; .severity == "error" and .code == "action_not_found")' doctor.ndjson > /dev/null ||
    { echo "demo: ac-doctor did not find that 987659999 does not exist" >&2; exit 1; }
echo "(987659999 does not exist: its order will be rejected; the others can go)"
echo
echo "\$ ac-upload --endpoint $endpoint --journal journal.ndjson \\"
echo "      --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results.ndjson"
ac-upload --endpoint "$endpoint" --journal journal.ndjson \
    --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results.ndjson
st=$?
echo "(exit status $st: 1 means the API rejected some rows)"
ok $st ac-upload
echo

echo "== what became of each conversion (accepted: Google took it for processing)"
echo "\$ jq -r .status results.ndjson | sort | uniq -c"
jq -r .status results.ndjson | sort | uniq -c
echo "\$ jq -r 'select(.status != \"accepted\") | [.order_id, .status, .error.code] | @tsv' \\"
echo "      results.ndjson | expand -t 16,26"
{
	printf 'order_id\tstatus\terror.code\n'
	jq -r 'select(.status != "accepted") | [.order_id, .status, .error.code] | @tsv' \
	    results.ndjson
} | expand -t 16,26
echo "(Data Manager refuses a whole request for one bad event; ac-upload rejects"
echo " the events the error names and sends the others again)"
echo
echo "== and every record that did not get that far, by stage"
echo "\$ cat r1.ndjson r2.ndjson r3.ndjson r4.ndjson r5.ndjson |"
echo "      jq -r '[.stage, \"\\(.file):\\(.line)\", .record.order_id // \"-\", .code] | @tsv' |"
echo "      expand -t 17,35,51"
{
	printf 'stage\tinput\torder_id\tcode\n'
	cat r1.ndjson r2.ndjson r3.ndjson r4.ndjson r5.ndjson |
	    jq -r '[.stage, "\(.file):\(.line)", .record.order_id // "-", .code] | @tsv'
} | expand -t 17,35,51
echo

count() { jq -r .status "$1" | grep -c "^$2\$"; }
acc=$(count results.ndjson accepted)
rej=$(count results.ndjson rejected)
fail=$(count results.ndjson failed)
dead=$(grep -c . dead.ndjson)
r6=$(grep -c . r6.ndjson)
echo "== $acc accepted, $rej rejected by the API, $fail failed;" \
    "$dead requests in dead.ndjson, $r6 input lines in r6.ndjson"
[ "$fail" -eq 0 ] && [ "$dead" -eq 0 ] && [ "$r6" -eq 0 ] || exit 1
stages=$((r1 + r234 + r5))
echo "== conservation: $in records in = $acc accepted + $rej rejected by the API" \
    "+ $stages rejected by the stages"
[ "$in" -eq $((acc + rej + stages)) ] || exit 1
echo

echo "== 6. the same run again, with the same journal: nothing sent twice"
echo "\$ ac-upload --endpoint $endpoint --journal journal.ndjson \\"
echo "      --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results2.ndjson"
ac-upload --endpoint "$endpoint" --journal journal.ndjson \
    --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results2.ndjson
ok $? ac-upload
echo "\$ jq -r .status results2.ndjson | sort | uniq -c"
jq -r .status results2.ndjson | sort | uniq -c
skip2=$(count results2.ndjson skipped)
acc2=$(count results2.ndjson accepted)
[ "$skip2" -eq "$acc" ] && [ "$acc2" -eq 0 ] || exit 1
echo "\$ jq -s 'map(select(.api == \"datamanager\" and .effect == \"created\")) | length' \\"
echo "      state/ledger.ndjson      # conversions the emulator created"
created=$(jq -s 'map(select(.api == "datamanager" and .effect == "created")) | length' \
    state/ledger.ndjson)
echo "$created"
[ "$created" -eq "$acc" ] || exit 1
echo

echo "== 7. accepted is not processed: Google processes a request later, and"
echo "   RetrieveRequestStatus tells how it went (GET /v1/requestStatus:retrieve)"
rid=$(jq -r 'select(.status == "accepted") | .request_id' results.ndjson | head -n 1)
status() {
	python3 - "$endpoint/v1/requestStatus:retrieve?requestId=$1" <<'PY'
import json, os, sys, urllib.request as u
req = u.Request(sys.argv[1], headers={
    "Authorization": "Bearer " + os.environ["AC_ACCESS_TOKEN"]})
ans = json.load(u.build_opener(u.ProxyHandler({})).open(req, timeout=10))
for d in ans["requestStatusPerDestination"]:
    print(json.dumps({"destination": d["destination"]["productDestinationId"],
                      "requestStatus": d["requestStatus"],
                      "events": d.get("eventsIngestionStatus", {}).get("recordCount")}))
PY
}
echo "(request $rid, right away)"
status "$rid" || exit 1
echo "(30 minutes later: POST /__admin/clock {\"advance\": 1800})"
admin clock '{"advance": 1800}' > /dev/null || exit 1
status "$rid" | tee status.ndjson || exit 1
grep -q PROCESSING status.ndjson && exit 1
echo

echo "== 7b. ac-status asks the same for every request of the run, and for Google Ads API"
echo "   jobs reads the upload summaries; ac-report makes the numbers of the day"
echo "\$ ac-status --endpoint $endpoint results.ndjson > status.ndjson"
ac-status --endpoint "$endpoint" results.ndjson > status.ndjson
st=$?
echo "(exit status $st: 0 when every request is processed and none failed)"
[ "$st" -eq 0 ] || exit 1
echo "\$ jq -c '{request_id, conversion_action, status, records, failed}' status.ndjson"
jq -c '{request_id, conversion_action, status, records, failed}' status.ndjson
echo "\$ ac-report results.ndjson status.ndjson > report.ndjson"
ac-report results.ndjson status.ndjson > report.ndjson || exit 1
echo "\$ jq -c 'select(.kind == \"day\") | {day, conversion_action, conversions, accepted, rejected,"
echo "      success_rate, email: .coverage.email, click_id: .coverage.click_id, granted: .consent_mix.GRANTED}' report.ndjson"
jq -c 'select(.kind == "day") | {day, conversion_action, conversions, accepted, rejected,
    success_rate, email: .coverage.email, click_id: .coverage.click_id, granted: .consent_mix.GRANTED}' \
    report.ndjson
echo "== the guardrail: against a baseline better than this run (an e-mail address on"
echo "   every conversion), the e-mail coverage alerts; exit status 1 for cron and monitoring"
jq -c 'if .kind == "day" then .identifiers.email = .conversions else . end' report.ndjson > baseline.ndjson
chart=${AC_DEMO_CHART:-$top/bin/demo-daily.svg}
echo "\$ ac-report --baseline baseline.ndjson --min-volume 5 --against orders.ndjson \\"
echo "      --chart $chart results.ndjson status.ndjson > report2.ndjson"
ac-report --baseline baseline.ndjson --min-volume 5 --against orders.ndjson \
    --chart "$chart" results.ndjson status.ndjson > report2.ndjson
st=$?
echo "(exit status $st: 1, an alert)"
[ "$st" -eq 1 ] || exit 1
echo "\$ jq -c 'select(.kind == \"alert\") | {day, conversion_action, alert, metric, value, baseline}' report2.ndjson"
jq -c 'select(.kind == "alert") | {day, conversion_action, alert, metric, value, baseline}' report2.ndjson
jq -s -e 'any(.[]; .kind == "alert" and .alert == "coverage_shift")' report2.ndjson > /dev/null || exit 1
echo "== reconciliation: the orders of the export that never reached Google's accepted or"
echo "   rejected state (here those the stages rejected)"
echo "\$ jq -c 'select(.kind == \"missing\")' report2.ndjson"
jq -c 'select(.kind == "missing")' report2.ndjson
[ -s "$chart" ] || exit 1
echo "== the daily series, with the baseline and the alert: $chart"
echo

echo "== 8. adjustments and calls: refunds, corrected values, enhancements, phone sales"
echo "\$ cp $adj ."
cp "$adj" adjustments.ndjson || exit 1
echo "\$ ac-normalize -q --timezone Europe/Berlin adjustments.ndjson | ac-consent -q --require-explicit EEA |"
echo "      ac-hash -q | ac-pick-clickid -q > adj-ready.ndjson"
ac-normalize -q --timezone Europe/Berlin -R a1.ndjson adjustments.ndjson |
    ac-consent -q --require-explicit EEA -R a2.ndjson |
    ac-hash -q -R a3.ndjson | ac-pick-clickid -q -R a4.ndjson > adj-ready.ndjson
echo "\$ ac-batch -q -R a5.ndjson adj-ready.ndjson > adj-requests.ndjson"
ac-batch -q -R a5.ndjson adj-ready.ndjson > adj-requests.ndjson
ok $? ac-batch
echo "\$ jq -c '{order_id: .record.order_id, adjustment_type: .record.adjustment_type, code}' a5.ndjson"
jq -c '{order_id: .record.order_id, adjustment_type: .record.adjustment_type, code}' a5.ndjson
echo "(the Data Manager API cannot retract a conversion: a refund needs the Google Ads"
echo " API, step 9, or stays as it is)"
echo "\$ ac-upload --endpoint $endpoint --journal journal.ndjson \\"
echo "      --dead-letter dead.ndjson adj-requests.ndjson > adj-results.ndjson"
ac-upload --endpoint "$endpoint" --journal journal.ndjson \
    --dead-letter dead.ndjson adj-requests.ndjson > adj-results.ndjson
ok $? ac-upload
echo "\$ jq -r '[.kind, .adjustment_type // \"-\", .order_id // \"-\", .status] | @tsv' \\"
echo "      adj-results.ndjson | expand -t 12,27,43"
{
	printf 'kind\tadjustment\torder_id\tstatus\n'
	jq -r '[.kind, .adjustment_type // "-", .order_id // "-", .status] | @tsv' \
	    adj-results.ndjson
} | expand -t 12,27,43
echo "\$ jq -c 'select(.api == \"datamanager\" and .effect != \"created\") |"
echo "      {transaction_id, effect, processing_error, value, currency}' state/ledger.ndjson"
jq -c 'select(.api == "datamanager" and .effect != "created") |
    {transaction_id, effect, processing_error, value, currency}' state/ledger.ndjson
echo "(what Google did: the restatement replaced the value; the enhancement changed"
echo " nothing, the order had user data already; the call, from Germany without"
echo " explicit consent, went with ad_user_data DENIED and Google drops it)"
# The caller's number is hashed into the event; it is in nothing ac writes.
caller=$(jq -r '.caller_id // empty' adj-ready.ndjson | tr -d +)
if [ -n "$caller" ] &&
    cat adj-requests.ndjson adj-results.ndjson journal.ndjson gads.log | grep -q "$caller"; then
	echo "demo: a caller's number is in a request, the results, the journal or the log" >&2
	exit 1
fi
echo "(the caller's number went as a SHA-256 hash; it is in no file ac wrote)"
ain=$(grep -c . adjustments.ndjson)
aacc=$(count adj-results.ndjson accepted)
arej=$(count adj-results.ndjson rejected)
astages=$(cat a1.ndjson a2.ndjson a3.ndjson a4.ndjson a5.ndjson | wc -l)
echo "== conservation: $ain records in = $aacc accepted + $arej rejected by the API" \
    "+ $astages rejected by the stages"
[ "$ain" -eq $((aacc + arej + astages)) ] || exit 1
echo

echo "== 9. the Google Ads API, for accounts still allowlisted for it"
echo "\$ ac-batch --api googleads -q ready.ndjson > gads-requests.ndjson"
ac-batch --api googleads -q ready.ndjson > gads-requests.ndjson
ok $? ac-batch
echo "\$ jq -c '{api, customer_id, method, conversions: (.request.conversions | length)}' gads-requests.ndjson"
jq -c '{api, customer_id, method, conversions: (.request.conversions | length)}' \
    gads-requests.ndjson
echo "== a developer token that is not allowlisted (what a new user gets since 2026-06-15):"
admin allowlist '{"deny": ["1234567890"]}' > /dev/null || exit 1
echo "\$ ac-upload -q --endpoint $endpoint --dead-letter gads-dead.ndjson gads-requests.ndjson > gads-results.ndjson"
ac-upload -q --endpoint "$endpoint" --dead-letter gads-dead.ndjson \
    gads-requests.ndjson > gads-results.ndjson
st=$?
echo "(exit status $st: the setup, not the rows, is at fault; every row is kept in gads-dead.ndjson)"
[ "$st" -eq 3 ] || exit 1
echo "== allowlisted: the same requests, sent again from the dead letters"
admin allowlist '{"allow": ["1234567890"]}' > /dev/null || exit 1
echo "\$ ac-upload --endpoint $endpoint gads-dead.ndjson > gads-results.ndjson"
ac-upload --endpoint "$endpoint" gads-dead.ndjson > gads-results.ndjson
ok $? ac-upload
echo "\$ jq -r .status gads-results.ndjson | sort | uniq -c"
jq -r .status gads-results.ndjson | sort | uniq -c
echo "== and the refunds, as retractions, which only the Google Ads API can send"
echo "\$ ac-batch --api googleads -q adj-ready.ndjson | jq -c 'select(.method == \"uploadConversionAdjustments\")' |"
echo "      ac-upload --endpoint $endpoint | jq -c '{order_id, adjustment_type, status, error: .error.code}'"
ac-batch --api googleads -q adj-ready.ndjson |
    jq -c 'select(.method == "uploadConversionAdjustments")' |
    ac-upload -q --endpoint "$endpoint" |
    jq -c 'select(.adjustment_type == "RETRACTION") | {order_id, adjustment_type, status, error: .error.code}'

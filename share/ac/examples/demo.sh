#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the whole pipeline on the example orders, from the shop's export
# to the Google Ads API, here the loopback emulator tests/mock/gads.py.
# Uses the tools in bin/ and the data in share/ac of the build tree; builds
# nothing (make demo builds first).  Needs jq and python3.  Everything it
# writes goes to a temporary directory, removed at the end.
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

for p in jq python3; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "demo: $p not found on PATH; the demo needs it" >&2; exit 1; }
done
for t in ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch ac-upload; do
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

echo "== 3. ac-batch: request bodies for the Google Ads API (one line per request)"
echo "\$ ac-batch -q -R r5.ndjson ready.ndjson > requests.ndjson"
ac-batch --api googleads -q -R r5.ndjson ready.ndjson > requests.ndjson
ok $? ac-batch
echo "\$ jq -c '{customer_id, login_customer_id, conversions: (.request.conversions | length)}' requests.ndjson"
jq -c '{customer_id, login_customer_id, conversions: (.request.conversions | length)}' \
    requests.ndjson
echo "\$ jq -c '.request.conversions[0] | {conversionAction, conversionDateTime, orderId,"
echo "      consent, identifiers: (.userIdentifiers // [] | length)}' requests.ndjson"
jq -c '.request.conversions[0] | {conversionAction, conversionDateTime, orderId,
    consent, identifiers: (.userIdentifiers // [] | length)}' requests.ndjson
echo "\$ jq -c '{stage, line, order_id: .record.order_id, code}' r5.ndjson"
jq -c '{stage, line, order_id: .record.order_id, code}' r5.ndjson
batched=$(jq '.rows | length' requests.ndjson | awk '{ s += $1 } END { print s + 0 }')
r5=$(wc -l < r5.ndjson)
echo "== conservation: $ready in = $batched in requests + $r5 rejected"
[ "$ready" -eq $((batched + r5)) ] || exit 1
echo

echo "== 4. the Google Ads API emulator, on loopback (conversion actions $actions)"
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
echo

echo "== 5. ac-upload: the token from the environment, never on the command line"
echo "\$ export AC_ACCESS_TOKEN=$token"
export AC_ACCESS_TOKEN="$token"
echo "\$ ac-upload --endpoint $endpoint --journal journal.ndjson \\"
echo "      --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results.ndjson"
ac-upload --endpoint "$endpoint" --journal journal.ndjson \
    --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results.ndjson
st=$?
echo "(exit status $st: 1 means the API rejected some rows)"
ok $st ac-upload
echo

echo "== what became of each conversion"
echo "\$ jq -r .status results.ndjson | sort | uniq -c"
jq -r .status results.ndjson | sort | uniq -c
echo "\$ jq -r 'select(.status != \"uploaded\") | [.order_id, .status, .error.code] | @tsv' \\"
echo "      results.ndjson | expand -t 16,26"
{
	printf 'order_id\tstatus\terror.code\n'
	jq -r 'select(.status != "uploaded") | [.order_id, .status, .error.code] | @tsv' \
	    results.ndjson
} | expand -t 16,26
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
up=$(count results.ndjson uploaded)
rej=$(count results.ndjson rejected)
fail=$(count results.ndjson failed)
dead=$(grep -c . dead.ndjson)
r6=$(grep -c . r6.ndjson)
echo "== $up uploaded, $rej rejected by the API, $fail failed;" \
    "$dead requests in dead.ndjson, $r6 input lines in r6.ndjson"
[ "$fail" -eq 0 ] && [ "$dead" -eq 0 ] && [ "$r6" -eq 0 ] || exit 1
echo

echo "== 6. the same run again, with the same journal: nothing delivered twice"
echo "\$ ac-upload --endpoint $endpoint --journal journal.ndjson \\"
echo "      --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results2.ndjson"
ac-upload --endpoint "$endpoint" --journal journal.ndjson \
    --dead-letter dead.ndjson -R r6.ndjson requests.ndjson > results2.ndjson
ok $? ac-upload
echo "\$ jq -r .status results2.ndjson | sort | uniq -c"
jq -r .status results2.ndjson | sort | uniq -c
skip2=$(count results2.ndjson skipped)
up2=$(count results2.ndjson uploaded)
rej2=$(count results2.ndjson rejected)
echo "(every row delivered before is skipped; the journal records only deliveries,"
echo " so the $rej2 row(s) the API refused went out again and were refused again)"
[ "$skip2" -eq "$up" ] && [ "$up2" -eq 0 ] && [ "$rej2" -eq "$rej" ] || exit 1
echo "\$ jq -s length state/ledger.ndjson     # conversions the emulator recorded"
ledger=$(jq -s length state/ledger.ndjson)
echo "$ledger"
[ "$ledger" -eq "$up" ] || exit 1
echo

stages=$((r1 + r234 + r5))
echo "== conservation: $in records in = $up uploaded + $rej rejected by the API" \
    "+ $stages rejected by the stages"
[ "$in" -eq $((up + rej + stages)) ] || exit 1
echo

# Step 7: what the shop's backend learns after the orders went out (refunds,
# corrected values, the data of the web tag) and the call center's sales,
# through the same stages, journal and emulator.  The example data is from
# April 2026 and Google takes adjustments only within 54 days of the
# conversion, so the tools (AC_NOW) and the emulator (/__admin/clock) see
# "now" as 2026-05-03 12:00:00Z.
now=1777809600  # 2026-05-03 12:00:00Z
echo "== 7. adjustments and calls: refunds, corrected values, enhancements, phone sales"
echo "(the demo pins the clock to 2026-05-03 12:00:00Z, for the tools with AC_NOW"
echo " and for the emulator with POST /__admin/clock, so that the April example data"
echo " stays within the 54-day adjustment window; AC_NOW is meant for tests and demos)"
echo "\$ export AC_NOW=$now"
export AC_NOW=$now
python3 - "$endpoint" "$now" <<'PY' || { echo "demo: could not set the emulator's clock" >&2; exit 1; }
import json, sys, time, urllib.request as u
req = u.Request(sys.argv[1] + "/__admin/clock",
                data=json.dumps({"offset": int(sys.argv[2]) - time.time()}).encode(),
                headers={"Content-Type": "application/json"})
now = json.load(u.build_opener(u.ProxyHandler({})).open(req, timeout=10))["now"]
sys.exit(abs(now - int(sys.argv[2])) > 60)
PY
echo "\$ cp $adj ."
cp "$adj" adjustments.ndjson || exit 1
echo "\$ ac-normalize -q --timezone Europe/Berlin -R a1.ndjson adjustments.ndjson > adj-normalized.ndjson"
ac-normalize -q --timezone Europe/Berlin -R a1.ndjson adjustments.ndjson > adj-normalized.ndjson
ok $? ac-normalize
echo "\$ ac-consent -q --require-explicit EEA -R a2.ndjson adj-normalized.ndjson > adj-consent.ndjson"
ac-consent -q --require-explicit EEA -R a2.ndjson adj-normalized.ndjson > adj-consent.ndjson
ok $? ac-consent
echo "\$ ac-hash -q -R a3.ndjson adj-consent.ndjson > adj-hashed.ndjson"
ac-hash -q -R a3.ndjson adj-consent.ndjson > adj-hashed.ndjson
ok $? ac-hash
echo "\$ ac-pick-clickid -q -R a4.ndjson adj-hashed.ndjson > adj-ready.ndjson"
ac-pick-clickid -q -R a4.ndjson adj-hashed.ndjson > adj-ready.ndjson
ok $? ac-pick-clickid
echo "\$ jq -c '{order_id, adjustment_type, adjusted_value, caller_id, call_start_date_time}"
echo "      | with_entries(select(.value != null))' adj-ready.ndjson"
jq -c '{order_id, adjustment_type, adjusted_value, caller_id, call_start_date_time}
    | with_entries(select(.value != null))' adj-ready.ndjson
echo "(caller_id stays in clear, in E.164: the API finds the call by it)"
echo "\$ ac-batch -q -R a5.ndjson adj-ready.ndjson > adj-requests.ndjson"
ac-batch --api googleads -q -R a5.ndjson adj-ready.ndjson > adj-requests.ndjson
ok $? ac-batch
echo "\$ jq -c '{method, rows: (.rows | length)}' adj-requests.ndjson   # one kind per request"
jq -c '{method, rows: (.rows | length)}' adj-requests.ndjson
echo "\$ ac-upload --endpoint $endpoint --journal journal.ndjson \\"
echo "      --dead-letter dead.ndjson -R a6.ndjson adj-requests.ndjson > adj-results.ndjson"
ac-upload --endpoint "$endpoint" --journal journal.ndjson \
    --dead-letter dead.ndjson -R a6.ndjson adj-requests.ndjson > adj-results.ndjson
st=$?
echo "(exit status $st: 1 means the API rejected some rows)"
ok $st ac-upload
echo
echo "== what became of each adjustment and call"
echo "\$ jq -r '[.kind, .adjustment_type // \"-\", .order_id // \"-\", .status, .error.code // \"-\"]"
echo "      | @tsv' adj-results.ndjson | expand -t 12,27,43,53"
{
	printf 'kind\tadjustment\torder_id\tstatus\terror.code\n'
	jq -r '[.kind, .adjustment_type // "-", .order_id // "-", .status,
	    .error.code // "-"] | @tsv' adj-results.ndjson
} | expand -t 12,27,43,53
echo "== and the records the stages rejected"
echo "\$ cat a1.ndjson a2.ndjson a3.ndjson a4.ndjson a5.ndjson |"
echo "      jq -r '[.stage, \"\\(.file):\\(.line)\", .record.order_id // \"-\", .code] | @tsv' |"
echo "      expand -t 17,40,56"
{
	printf 'stage\tinput\torder_id\tcode\n'
	cat a1.ndjson a2.ndjson a3.ndjson a4.ndjson a5.ndjson |
	    jq -r '[.stage, "\(.file):\(.line)", .record.order_id // "-", .code] | @tsv'
} | expand -t 17,40,56
# The caller's number is sent in clear, yet kept out of what ac writes.
caller=$(jq -r '.caller_id // empty' adj-ready.ndjson | tr -d +)
if [ -n "$caller" ] && cat adj-results.ndjson journal.ndjson a6.ndjson | grep -q "$caller"; then
	echo "demo: a caller's number is in the results or the journal" >&2
	exit 1
fi
echo "(the caller's number is in no result record and not in the journal)"
echo "\$ jq -c 'select(.kind != \"click\") | {kind, adjustment_type, order_id, value, currency_code}' \\"
echo "      state/ledger.ndjson      # what the emulator recorded"
jq -c 'select(.kind != "click") | {kind, adjustment_type, order_id, value, currency_code}' \
    state/ledger.ndjson
echo

ain=$(grep -c . adjustments.ndjson)
aup=$(count adj-results.ndjson uploaded)
arej=$(count adj-results.ndjson rejected)
afail=$(count adj-results.ndjson failed)
astages=$(cat a1.ndjson a2.ndjson a3.ndjson a4.ndjson a5.ndjson | wc -l)
a6=$(grep -c . a6.ndjson)
[ "$afail" -eq 0 ] && [ "$a6" -eq 0 ] && [ "$(grep -c . dead.ndjson)" -eq 0 ] || exit 1
echo "== conservation: $ain records in = $aup uploaded + $arej rejected by the API" \
    "+ $astages rejected by the stages"
[ "$ain" -eq $((aup + arej + astages)) ] || exit 1

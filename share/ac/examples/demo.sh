#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: run what the suite has today on the example orders.
# Uses the tools in bin/ and the data in share/ac of the build tree.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
export PATH="$top/bin:$PATH" AC_SHAREDIR="$top/share/ac"
ex="$top/share/ac/examples/orders.ndjson"
out=$(mktemp -d) || exit 3
trap 'rm -rf "$out"' EXIT

echo "== ac-normalize --timezone Europe/Berlin $ex"
ac-normalize --timezone Europe/Berlin --rejects "$out/rejects.ndjson" \
    "$ex" > "$out/normalized.ndjson"
echo "(exit status $?: 1 means some records were rejected)"
echo
echo "== normalized records (jq -c '{order_id, conversion_date_time, email, phone, first_name}')"
jq -c '{order_id, conversion_date_time, email, phone, first_name}' \
    "$out/normalized.ndjson"
echo
echo "== identifiers dropped with a warning (jq -c 'select(.ac_warnings)')"
jq -c 'select(.ac_warnings) | {order_id, ac_warnings}' "$out/normalized.ndjson"
echo
echo "== rejected records, with the reason (jq -c '{file, line, code, field, message}')"
jq -c '{file, line, code, field, message}' "$out/rejects.ndjson"
echo
in=$(grep -c . "$ex")
n=$(wc -l < "$out/normalized.ndjson")
r=$(wc -l < "$out/rejects.ndjson")
echo "== conservation: $in records in = $n out + $r rejected"
[ "$in" -eq $((n + r)) ] || exit 1
echo
echo "== the rest of the record filters: ac-consent -E EEA | ac-hash | ac-pick-clickid"
ac-consent -q --require-explicit EEA -R "$out/r2.ndjson" "$out/normalized.ndjson" |
    ac-hash -q -R "$out/r3.ndjson" |
    ac-pick-clickid -q -R "$out/r4.ndjson" > "$out/ready.ndjson"
jq -c '{order_id, click_id_type, ad_user_data: ."google-ads-consent".ad_user_data,
    hashed_email: (.hashed_email // "" | .[0:12])}' "$out/ready.ndjson"
echo
echo "== rejected by those stages"
cat "$out/r2.ndjson" "$out/r3.ndjson" "$out/r4.ndjson" |
    jq -c '{stage, line, code, message}'
ready=$(wc -l < "$out/ready.ndjson")
r2=$(cat "$out/r2.ndjson" "$out/r3.ndjson" "$out/r4.ndjson" | wc -l)
echo "== conservation: $n in = $ready ready + $r2 rejected"
[ "$n" -eq $((ready + r2)) ]
echo
echo "== ac-batch: request bodies for the Google Ads API (one line per request)"
ac-batch -q -R "$out/r5.ndjson" "$out/ready.ndjson" > "$out/requests.ndjson" ||
    [ $? -eq 1 ] || exit 1
jq -c '{customer_id, method, conversions: (.request.conversions | length),
    first: .request.conversions[0] | {conversionAction, conversionDateTime, orderId,
    consent, identifiers: (.userIdentifiers // [] | length)}}' "$out/requests.ndjson"
echo "(ac-upload, which sends them, comes next)"

#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-batch: the mapping of records to ClickConversion requests, the request
# and rows shape against the API's field lists, grouping, --size, the
# memory bound on pending groups, --max-wait with a slow writer, duplicates,
# every reject path with conservation, --job-id and --validate-only, and
# the STYLE.md §10 checks every tool must pass. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-batch.bats

load helper

# These tests are of the Google Ads API mapping unless they say --api.
export AC_API=googleads

F=$BATS_TEST_DIRNAME/fixtures/ac-batch

# Well-formed click IDs and real SHA-256 hashes (alexz@example.com and
# +18005550100, normalization.md's public vectors).
G1=Cj0KCQjw8tKfBhDkARIsAEk0ExAmPlE_-xyz123
G2=EAIaIQobChMIx5bJ4fTqgQMVExAmPlE
GB=0AAAAAoFxExAmPlEgbraidAbC
WB=ClQKCQjwExAmPlEwbraid-_9
HE=509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a
HP=fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30
HEU=509E933019BB285A134A9334B8BB679DFF79D0CE023D529AF4BD744D47B4FD8A
ACT=customers/1234567890/conversionActions/987654321
ACT2=customers/1234567890/conversionActions/111
TIME='2026-04-23 14:31:09+02:00'
# Calls and adjustments: a caller, a call start, an adjustment time, and
# hashes for the address set (any 64 lower-case hex digits: ac-batch
# checks the form only).
CALLER=+18005550100
CSTART='2026-04-23 14:00:00+02:00'
ATIME='2026-04-25 10:00:00+02:00'
HF=4f1f0ec5a1e9e4d1d6c0f5bd9c2b1b3e0c1f3b2a1d0e9f8a7b6c5d4e3f2a1b0c
HL=8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b
HS=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9

# The tool's own helpers (helper.bash's rec/run_rec/expect* are
# ac-normalize's).

# The fields every conversion needs; a test may change BB.
BB='"customer_id":"1234567890","conversion_action":"'$ACT'","conversion_date_time":"'$TIME'"'

# brec FRAGMENT: one record after ac-pick-clickid, {BB,FRAGMENT}.
brec() {
	local sep=
	[[ -n $BB && -n $1 ]] && sep=,
	printf '{%s%s%s}\n' "$BB" "$sep" "$1"
}

# bt FRAGMENT [OPTION...]: run ac-batch on the one record {BB,FRAGMENT}
# read from in.ndjson; sets $status, $output, $stderr.
bt() {
	local frag=$1
	shift
	brec "$frag" >in.ndjson
	run --separate-stderr ac-batch "$@" in.ndjson
}

# conv: the first conversion (or adjustment) of the (single) request in
# $output.
conv() {
	jq -c '.request | (.conversions // .conversionAdjustments)[0]' <<<"$output"
}

# row: the first entry of rows of the (single) request in $output.
row() {
	jq -c '.rows[0]' <<<"$output"
}

# expect_conv FRAGMENT WANT [OPTION...]: {BB,FRAGMENT} becomes one request
# (exit 0) whose one conversion is exactly WANT (compact JSON, key order
# included). Counts a failure instead of stopping.
expect_conv() {
	local frag=$1 want=$2 got
	shift 2
	bt "$frag" "$@"
	got=$(conv 2>/dev/null)
	if [[ $status -ne 0 || "$got" != "$want" ]]; then
		printf 'FAIL conversion\n  input:    {%s}\n  options:  %s\n' \
		    "$frag" "${*:-(none)}" >&2
		printf '  expected: %s\n  actual:   %s (exit %s)\n' "$want" \
		    "$got" "$status" >&2
		printf '  stderr:   %s\n' "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# expect_reject FRAGMENT CODE FIELD [OPTION...]: {BB,FRAGMENT} is rejected:
# nothing on stdout, exit 1, a rejects-file line with stage, file, line,
# CODE, FIELD ("-" for none), a message and the record as read, and the
# located message on stderr. Counts a failure instead of stopping.
expect_reject() {
	local frag=$1 code=$2 field=$3 problem='' line where
	shift 3
	brec "$frag" >in.ndjson
	line=$(brec "$frag")
	run --separate-stderr ac-batch -R rej.ndjson "$@" in.ndjson
	where="ac-batch: in.ndjson:1: "
	[[ $field != - ]] && where+="$field: "
	if [[ $status -ne 1 ]]; then
		problem="exit $status"
	elif [[ -n $output ]]; then
		problem="request written to stdout"
	elif ! jq -e --arg c "$code" --arg f "$field" --argjson r "$line" '
	    .stage == "ac-batch" and .file == "in.ndjson" and .line == 1 and
	    .code == $c and (.field // "-") == $f and
	    (.message | type == "string" and length > 0) and .record == $r' \
	    rej.ndjson >/dev/null; then
		problem="rejects file: $(cat rej.ndjson)"
	elif [[ ${stderr_lines[0]} != "$where"*" ($code)" ]]; then
		problem="stderr line: ${stderr_lines[0]}"
	elif [[ ${stderr_lines[-1]} != "ac-batch: 0 requests, 0 rows" ]]; then
		problem="closing line: ${stderr_lines[-1]}"
	fi
	if [[ -n $problem ]]; then
		printf 'FAIL should reject with %s (%s)\n  input:   {%s}\n' \
		    "$code" "$field" "$frag" >&2
		printf '  options: %s\n  problem: %s\n  stderr:  %s\n' \
		    "${*:-(none)}" "$problem" "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# golden CASE [OPTION...]: run on fixtures CASE.in and compare stdout with
# OUT (default CASE.out) byte for byte. Leaves $status, and the streams in
# out and err.
golden() {
	local case=$1 want=${OUT:-$1.out}
	shift
	cp "$F/$case.in" "$case.in"
	status=0
	ac-batch "$@" "$case.in" >out 2>err || status=$?
	if ! diff -u "$F/$want" out >&2; then
		echo "stdout differs from $want (stderr follows)" >&2
		cat err >&2
		return 1
	fi
}

# check_requests FILE...: every line is a request object that the API
# accepts by shape: no key outside the field lists of the reference
# (google-ads-api.md §1.2 UploadClickConversionsRequest, §1.3
# UploadCallConversionsRequest, §1.4 UploadConversionAdjustmentsRequest,
# §1.6 ClickConversion, §1.7 CallConversion, §1.8 ConversionAdjustment,
# §1.9 UserIdentifier and OfflineUserAddressInfo, §1.10 Consent), narrower
# still to what ac-batch sends, in its order, with the types, enums and
# limits of §2.1; one kind per request; and rows that match the
# conversions one to one and never hold a caller_id. Prints each
# violation; returns 1 when there is one.
check_requests() {
	local out
	out=$(jq -r -s '
	# The reference field lists (REST JSON names).
	def api_request($m): {
	    uploadClickConversions: ["conversions", "partialFailure",
	        "validateOnly", "jobId"],
	    uploadCallConversions: ["conversions", "partialFailure",
	        "validateOnly"],
	    uploadConversionAdjustments: ["conversionAdjustments",
	        "partialFailure", "validateOnly", "jobId"]}[$m];
	def list($m): if $m == "uploadConversionAdjustments" then
	    "conversionAdjustments" else "conversions" end;
	def kind($m): {uploadClickConversions: "click",
	    uploadCallConversions: "call",
	    uploadConversionAdjustments: "adjustment"}[$m];
	def api_click: ["gclid", "gbraid", "wbraid", "conversionAction",
	    "conversionDateTime", "conversionValue", "currencyCode", "orderId",
	    "externalAttributionData", "customVariables", "cartData",
	    "userIdentifiers", "conversionEnvironment", "consent",
	    "customerType", "userIpAddress", "sessionAttributesEncoded",
	    "sessionAttributesKeyValuePairs"];
	def api_call: ["callerId", "callStartDateTime", "conversionAction",
	    "conversionDateTime", "conversionValue", "currencyCode",
	    "customVariables", "consent"];
	def api_adjustment: ["gclidDateTimePair", "orderId",
	    "conversionAction", "adjustmentDateTime", "adjustmentType",
	    "restatementValue", "userIdentifiers", "userAgent"];
	def api_user_identifier: ["userIdentifierSource", "hashedEmail",
	    "hashedPhoneNumber", "mobileId", "thirdPartyUserId",
	    "addressInfo"];
	def api_address: ["hashedFirstName", "hashedLastName", "city", "state",
	    "countryCode", "postalCode", "hashedStreetAddress"];
	def api_consent: ["adUserData", "adPersonalization"];
	# What ac-batch sends, in its order, and the keys of its lines and rows.
	def top: ["api", "customer_id", "login_customer_id", "method",
	    "request", "rows"];
	def sent_click: ["conversionAction", "conversionDateTime",
	    "conversionValue", "currencyCode", "orderId",
	    "externalAttributionData", "gclid", "gbraid",
	    "wbraid", "conversionEnvironment", "consent", "userIdentifiers",
	    "cartData", "customVariables", "customerType"];
	def sent_call: ["callerId", "callStartDateTime", "conversionAction",
	    "conversionDateTime", "conversionValue", "currencyCode",
	    "customVariables", "consent"];
	def sent_adjustment: ["conversionAction", "adjustmentType",
	    "adjustmentDateTime", "orderId", "gclidDateTimePair",
	    "restatementValue", "userIdentifiers", "userAgent"];
	def sent_address: ["hashedFirstName", "hashedLastName",
	    "hashedStreetAddress", "city", "state", "countryCode", "postalCode"];
	def sent(m): {uploadClickConversions: sent_click,
	    uploadCallConversions: sent_call,
	    uploadConversionAdjustments: sent_adjustment}[m];
	def api(m): {uploadClickConversions: api_click,
	    uploadCallConversions: api_call,
	    uploadConversionAdjustments: api_adjustment}[m];
	def sent_identifier: ["hashedEmail", "hashedPhoneNumber",
	    "addressInfo", "userIdentifierSource"];
	def row_keys($k): {
	    click: ["order_id", "conversion_action", "conversion_date_time",
	        "click_id_type", "kind", "google-ads-consent", "file", "line"],
	    call: ["conversion_action", "conversion_date_time",
	        "click_id_type", "kind", "call_start_date_time",
	        "google-ads-consent", "file", "line"],
	    adjustment: ["order_id", "conversion_action",
	        "conversion_date_time", "click_id_type", "kind",
	        "adjustment_type", "adjustment_date_time",
	        "google-ads-consent", "file", "line"]}[$k];
	def extra($allowed): keys_unsorted - $allowed;
	# The keys are those of $order that are there, in that order.
	def ordered($order): keys_unsorted as $k |
	    $k == [$order[] | select(. as $x | $k | index($x))];
	def hex64: type == "string" and test("^[0-9a-f]{64}$");
	def gtime: type == "string" and
	    test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}$");
	def states: ["GRANTED", "DENIED", "UNSPECIFIED"];

	to_entries[] | (.key + 1) as $n | .value as $r |
	def v($cond; $what): if $cond then empty else "request \($n): \($what)" end;
	v($r | type == "object"; "not an object"),
	(if ($r | type) == "object" then
	  ($r.method) as $m | list($m // "") as $l |
	  v(($r | extra(top)) == []; "unknown keys \($r | extra(top))"),
	  v($r.api == "googleads"; "api"),
	  v($r.customer_id | type == "string" and test("^[0-9]{10}$");
	      "customer_id"),
	  v(($r | has("login_customer_id") | not) or
	      ($r.login_customer_id | type == "string" and test("^[0-9]{10}$"));
	      "login_customer_id"),
	  v($m | IN("uploadClickConversions", "uploadCallConversions",
	      "uploadConversionAdjustments"); "method"),
	  (if ($m | IN("uploadClickConversions", "uploadCallConversions",
	      "uploadConversionAdjustments")) then
	  v($r.request | ordered(api_request($m));
	      "request keys or their order \($r.request | keys_unsorted)"),
	  v(($r.request | extra(api_request($m))) == []; "unknown request keys"),
	  v($r.request.partialFailure == true; "partialFailure"),
	  v($r.request.validateOnly | type == "boolean"; "validateOnly"),
	  v(($r.request | has("jobId") | not) or ($r.request.jobId | type ==
	      "number" and . == floor and . >= 0 and . < 2147483648); "jobId"),
	  v($r.request[$l] | type == "array" and length >= 1 and
	      length <= 2000; "\($l): 1 to 2000"),
	  v(($r.rows | length) == ($r.request[$l] | length);
	      "rows and conversions differ in number"),
	  ($r.request[$l] // [] | to_entries[] | .key as $i | .value |
	    def w($cond; $what): if $cond then empty else
	        "request \($n) conversion \($i): \($what)" end;
	    w(extra(api($m)) == []; "keys outside the API object \(extra(api($m)))"),
	    w(extra(sent($m)) == []; "keys ac-batch never sends \(extra(sent($m)))"),
	    w(ordered(sent($m)); "keys out of order \(keys_unsorted)"),
	    w(.conversionAction | type == "string" and
	        test("^customers/[0-9]{10}/conversionActions/[0-9]{1,19}$");
	        "conversionAction"),
	    w((has("conversionDateTime") | not) or (.conversionDateTime | gtime);
	        "conversionDateTime"),
	    w((has("conversionValue") | not) or (.conversionValue | type ==
	        "number" and . >= 0); "conversionValue"),
	    w((has("conversionValue") | not) or has("currencyCode");
	        "conversionValue without currencyCode"),
	    w((has("currencyCode") | not) or (.currencyCode | test("^[A-Z]{3}$"));
	        "currencyCode"),
	    w((has("orderId") | not) or (.orderId | type == "string" and
	        length > 0); "orderId"),
	    w((has("consent") | not) or ((.consent | extra(api_consent)) == [] and
	        (.consent | keys_unsorted) == ["adUserData"] and
	        (.consent.adUserData | IN("GRANTED", "DENIED"))); "consent"),
	    w((has("userIdentifiers") | not) or (.userIdentifiers | type ==
	        "array" and length >= 1 and length <= 5); "userIdentifiers: 1 to 5"),
	    (.userIdentifiers // [] | .[] |
	      w(extra(api_user_identifier) == []; "keys outside UserIdentifier"),
	      w(extra(sent_identifier) == []; "identifier keys never sent"),
	      w(([has("hashedEmail", "hashedPhoneNumber", "mobileId",
	          "thirdPartyUserId", "addressInfo") | select(.)] | length) == 1;
	          "not exactly one identifier per UserIdentifier"),
	      w(has("addressInfo") or ((.hashedEmail // .hashedPhoneNumber) | hex64);
	          "identifier not a hash"),
	      w(.userIdentifierSource == "FIRST_PARTY"; "userIdentifierSource")),
	    if $m == "uploadClickConversions" then
	      w(has("addressInfo") | not; "addressInfo"),
	      w(.conversionDateTime | gtime; "conversionDateTime missing"),
	      w([has("gclid", "gbraid", "wbraid") | select(.)] | length <= 1;
	          "more than one click ID"),
	      w(([has("gclid", "gbraid", "wbraid") | select(.)] | length) == 1
	          or has("userIdentifiers"); "neither click ID nor identifier"),
	      w((has("conversionEnvironment") | not) or
	          (.conversionEnvironment | IN("APP", "WEB")); "conversionEnvironment"),
	      w([.userIdentifiers // [] | .[] | has("addressInfo")] | any | not;
	          "addressInfo in a click conversion")
	    elif $m == "uploadCallConversions" then
	      w(.callerId | type == "string" and test("^[+][1-9][0-9]{7,14}$");
	          "callerId"),
	      w(.callStartDateTime | gtime; "callStartDateTime"),
	      w(.conversionDateTime | gtime; "conversionDateTime missing")
	    else
	      w(.adjustmentType | IN("ENHANCEMENT", "RETRACTION", "RESTATEMENT");
	          "adjustmentType"),
	      w((has("adjustmentDateTime") | not) or (.adjustmentDateTime | gtime);
	          "adjustmentDateTime"),
	      w(.adjustmentType == "ENHANCEMENT" or has("adjustmentDateTime");
	          "adjustmentDateTime missing"),
	      w((has("gclidDateTimePair") | not) or
	          ((.gclidDateTimePair | keys_unsorted) == ["gclid",
	          "conversionDateTime"] and (.gclidDateTimePair.conversionDateTime |
	          gtime) and (.gclidDateTimePair.gclid | type == "string")) or
	          (.adjustmentType == "ENHANCEMENT" and
	          (.gclidDateTimePair | keys_unsorted) == ["conversionDateTime"] and
	          (.gclidDateTimePair.conversionDateTime | gtime));
	          "gclidDateTimePair: gclid and time, or an ENHANCEMENT'"'"'s time"),
	      w(if .adjustmentType == "ENHANCEMENT" then has("orderId") else
	          ([has("orderId", "gclidDateTimePair") | select(.)] | length) == 1
	          end; "the key: orderId or gclidDateTimePair"),
	      w(has("restatementValue") == (.adjustmentType == "RESTATEMENT");
	          "restatementValue only and always on RESTATEMENT"),
	      w((has("restatementValue") | not) or
	          ((.restatementValue | ordered(["adjustedValue", "currencyCode"]))
	          and (.restatementValue | extra(["adjustedValue",
	          "currencyCode"])) == [] and (.restatementValue.adjustedValue |
	          type == "number" and . >= 0) and
	          ((.restatementValue | has("currencyCode") | not) or
	          (.restatementValue.currencyCode | test("^[A-Z]{3}$"))));
	          "restatementValue"),
	      w(has("userIdentifiers") == (.adjustmentType == "ENHANCEMENT");
	          "userIdentifiers only and always on ENHANCEMENT"),
	      w((has("userAgent") | not) or (.adjustmentType == "ENHANCEMENT" and
	          (.userAgent | type == "string" and length > 0));
	          "userAgent only on ENHANCEMENT"),
	      (.userIdentifiers // [] | .[] | select(has("addressInfo")) |
	        .addressInfo |
	        w(extra(api_address) == []; "keys outside OfflineUserAddressInfo"),
	        w(ordered(sent_address); "addressInfo keys out of order"),
	        w((.hashedFirstName | hex64) and (.hashedLastName | hex64) and
	            ((has("hashedStreetAddress") | not) or
	            (.hashedStreetAddress | hex64)); "addressInfo hashes"),
	        w((.countryCode | type == "string" and test("^[A-Z]{2}$")) and
	            (.postalCode | type == "string" and length > 0);
	            "addressInfo countryCode and postalCode"))
	    end
	  ),
	  ($r.rows // [] | to_entries[] | .key as $i | .value |
	    def w($cond; $what): if $cond then empty else
	        "request \($n) row \($i): \($what)" end;
	    ($r.request[$l][$i]) as $c |
	    w(.kind == kind($m); "kind"),
	    w(extra(row_keys(kind($m))) == []; "unknown row keys \(extra(row_keys(kind($m))))"),
	    w(ordered(row_keys(kind($m))); "row keys out of order"),
	    w(.order_id == $c.orderId; "order_id differs from orderId"),
	    w(.conversion_action == $c.conversionAction; "conversion_action"),
	    w(.conversion_date_time == ($c.conversionDateTime //
	        $c.gclidDateTimePair.conversionDateTime); "conversion_date_time"),
	    w(.click_id_type == ([("gclid", "gbraid", "wbraid") as $k |
	        select($c | has($k) or (has("orderId") | not) and
	        .gclidDateTimePair[$k]) | $k] + ["none"])[0]; "click_id_type"),
	    w(.call_start_date_time == $c.callStartDateTime; "call_start_date_time"),
	    w(.adjustment_type == $c.adjustmentType; "adjustment_type"),
	    w(.adjustment_date_time == $c.adjustmentDateTime; "adjustment_date_time"),
	    w([.[] | strings | select(test("^[+][0-9]{8,}$"))] == [];
	        "a phone number in rows"),
	    w((.["google-ads-consent"] | keys_unsorted) == ["ad_user_data",
	        "ad_personalization"] and (.["google-ads-consent"] |
	        [.[]] - states == []); "google-ads-consent"),
	    w($m == "uploadConversionAdjustments" or
	        (.["google-ads-consent"].ad_user_data | IN("GRANTED", "DENIED")) ==
	        ($c | has("consent")); "ad_user_data and consent disagree"),
	    w(.file | type == "string" and length > 0; "file"),
	    w(.line | type == "number" and . >= 1 and . == floor; "line"))
	  else empty end)
	else empty end)
	' "$@") || { echo "check_requests: jq failed" >&2; return 1; }
	[[ -z $out ]] || { echo "$out" >&2; return 1; }
}

# big N: N records for a memory or scale test, a tenth of them when the
# build carries a sanitizer (which takes the memory figure away anyway,
# and would make the test slow).
big() {
	if grep -aq __asan_init "$(command -v ac-batch)"; then
		echo $(($1 / 10))
	else
		echo "$1"
	fi
}

# nonblank FILE: the number of input records (lines with more than blanks).
nonblank() {
	tr -d '\r' <"$1" | grep -c '[^[:blank:]]' || true
}

# nlines FILE: the number of lines of FILE.
nlines() {
	wc -l <"$1" | tr -d ' '
}

# nrows FILE: the rows in all the requests of FILE.
nrows() {
	jq -s '[.[].rows | length] | add // 0' "$1"
}

# summary IN OUT REJECTED REJECT_COUNTS: the stage summary line of
# man/ac.7 (ac-batch writes no warnings).
summary() {
	printf 'ac-batch: %s in, %s out, %s rejected' "$1" "$2" "$3"
	[[ $3 -gt 0 ]] && printf ' (%s)' "$4"
	echo '; 0 warnings'
}

# mode FILE: the permission bits of FILE in octal, as 600.
mode() {
	stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"
}

# chars N [C]: N copies of the character C (default a).
chars() {
	head -c "$1" /dev/zero | tr '\0' "${2:-a}"
}

# stamp: each line of standard input, prefixed with the milliseconds since
# T0 (date +%s%N) at which it came.
stamp() {
	local line
	while IFS= read -r line; do
		printf '%s %s\n' "$((($(date +%s%N) - T0) / 1000000))" "$line"
	done
}

# orders FILE: the order_id of every row of every request in FILE, one
# request per line, space-separated.
orders() {
	jq -r '[.rows[].order_id] | join(" ")' "$1"
}

## Golden output

@test "golden: records of three groups give exactly golden.out" {
	golden golden
	is "$status" 0 "exit status"
	is "$(cat err)" "$(summary 8 8 0 '')
ac-batch: 3 requests, 8 rows" "the two closing lines"
}

@test "golden: -n 2 gives exactly golden-n2.out" {
	OUT=golden-n2.out golden golden -n 2
	is "$status" 0
	is "$(tail -n 1 err)" "ac-batch: 5 requests, 8 rows"
	OUT=golden-n2.out golden golden --size 2
	OUT=golden-n2.out golden golden --size=2
}

@test "golden: --job-id and --validate-only give exactly golden-options.out" {
	OUT=golden-options.out golden golden --job-id 42 --validate-only
	OUT=golden-options.out golden golden --validate-only --job-id=42
}

@test "golden: every fixture .in has its .out" {
	local f
	for f in "$F"/*.in; do
		[[ -f ${f%.in}.out ]] || { echo "no .out for $f" >&2; return 1; }
	done
}

@test "golden: mixed.in and pii.in give exactly mixed.out and pii.out" {
	golden mixed
	is "$status" 1
	golden pii
	is "$status" 1
}

@test "golden: every golden output is plain compact JSON, as jq -c writes it" {
	local f
	for f in "$F"/*.out; do
		jq -c . "$f" | cmp -s - "$f" ||
		    { echo "$f is not what jq -c writes" >&2; return 1; }
	done
}

## The request objects against the reference

@test "requests: every golden output of the Google Ads API fits its field lists and the rows" {
	local f outs=()
	for f in "$F"/*.out; do
		[[ $f == *-dm.out ]] || outs+=("$f")
	done
	check_requests "${outs[@]}"
	# (the Data Manager outputs are parsed against Google's protos in
	# proto.bats)
}

@test "requests: the checker itself catches what it must" {
	local good
	good=$(head -n 1 "$F/golden.out")
	run check_requests "$F/golden.out"
	is "$status" 0
	for bad in '.request.conversions[0].userId = "x"' \
	    '.request.conversions[0].consent.adPersonalization = "GRANTED"' \
	    '.request.conversions[0].userIdentifiers[0].hashedPhoneNumber = "'$HP'"' \
	    '.request.conversions[0].gbraid = "'$GB'"' \
	    '.request.partialFailure = false' '.request.debugEnabled = true' \
	    '.request.jobId = 2147483648' '.rows[0].email = "a"' \
	    '.rows |= .[1:]' '.rows[0].order_id = "other"' \
	    '.request.conversions[0].userIdentifiers[0].userIdentifierSource = "UNKNOWN"' \
	    '.request.conversions[0].consent.adUserData = "UNSPECIFIED"' \
	    '.request.conversions[0].hashed_email = "'$HE'"' \
	    '.request.conversions[0].userIdentifiers += [{"addressInfo":{}}]' \
	    '.request |= {partialFailure, conversions, validateOnly}'; do
		jq -c "$bad" <<<"$good" >bad.ndjson
		run check_requests bad.ndjson
		is "$status" 1 "checker misses: $bad" || return 1
	done
}

@test "requests: the request is the body to POST: jq edits it, nothing else is in it" {
	golden golden
	# The body alone, as ac-upload will POST it, and edited with jq.
	jq -c '.request' out >bodies
	is "$(nlines bodies)" 3
	is "$(jq -r 'keys_unsorted | join(",")' bodies | sort -u)" \
	    "conversions,partialFailure,validateOnly"
	jq -c '.request.validateOnly = true | .request.jobId = 7' out >edited
	run check_requests edited
	is "$status" 0
}

## Mapping

@test "mapping: the required fields, in the order of the API object" {
	expect_conv '"gclid":"'$G1'"' \
	    '{"conversionAction":"'$ACT'","conversionDateTime":"'"$TIME"'","gclid":"'$G1'"}'
	BB='"conversion_date_time":"2026-01-02 03:04:05-08:00","customer_id":"1234567890","conversion_action":"'$ACT'"' \
	    expect_conv '"gclid":"'$G1'"' \
	    '{"conversionAction":"'$ACT'","conversionDateTime":"2026-01-02 03:04:05-08:00","gclid":"'$G1'"}'
	checks_pass
}

@test "mapping: value, currency, order_id, environment in the API's names" {
	local head='"conversionAction":"'$ACT'","conversionDateTime":"'"$TIME"'"'
	expect_conv '"gclid":"'$G1'","conversion_value":49.9,"currency_code":"EUR","order_id":"A-1","conversion_environment":"WEB"' \
	    "{$head"',"conversionValue":49.9,"currencyCode":"EUR","orderId":"A-1","gclid":"'$G1'","conversionEnvironment":"WEB"}'
	# Input order does not matter; output order is fixed.
	expect_conv '"conversion_environment":"APP","order_id":"A-2","gclid":"'$G1'","currency_code":"USD","conversion_value":0' \
	    "{$head"',"conversionValue":0,"currencyCode":"USD","orderId":"A-2","gclid":"'$G1'","conversionEnvironment":"APP"}'
	expect_conv '"gclid":"'$G1'","currency_code":"JPY"' \
	    "{$head"',"currencyCode":"JPY","gclid":"'$G1'"}'
	expect_conv '"gclid":"'$G1'","conversion_value":1e2,"currency_code":"EUR"' \
	    "{$head"',"conversionValue":100,"currencyCode":"EUR","gclid":"'$G1'"}'
	expect_conv '"gclid":"'$G1'","conversion_value":0.1,"currency_code":"EUR"' \
	    "{$head"',"conversionValue":0.1,"currencyCode":"EUR","gclid":"'$G1'"}'
	checks_pass
}

@test "mapping: exactly the click ID present, under its own name" {
	local head='"conversionAction":"'$ACT'","conversionDateTime":"'"$TIME"'"'
	expect_conv '"gclid":"'$G1'"' "{$head"',"gclid":"'$G1'"}'
	expect_conv '"gbraid":"'$GB'"' "{$head"',"gbraid":"'$GB'"}'
	expect_conv '"wbraid":"'$WB'"' "{$head"',"wbraid":"'$WB'"}'
	expect_conv '"gclid":null,"gbraid":null,"wbraid":"'$WB'"' "{$head"',"wbraid":"'$WB'"}'
	expect_conv '"hashed_email":"'$HE'"' \
	    "{$head"',"userIdentifiers":[{"hashedEmail":"'$HE'","userIdentifierSource":"FIRST_PARTY"}]}'
	checks_pass
}

@test "mapping: click_id_type in rows is the click ID sent, not the input's" {
	bt '"gbraid":"'$GB'","click_id_type":"gclid"'
	is "$(row | jq -r .click_id_type)" gbraid
	bt '"hashed_email":"'$HE'","click_id_type":"gclid"'
	is "$(row | jq -r .click_id_type)" none
	bt '"wbraid":"'$WB'"'
	is "$(row | jq -r .click_id_type)" wbraid
}

@test "mapping: consent.adUserData only when GRANTED or DENIED" {
	local head='"conversionAction":"'$ACT'","conversionDateTime":"'"$TIME"'","gclid":"'$G1'"'
	local c
	for c in GRANTED DENIED; do
		expect_conv '"gclid":"'$G1'","google-ads-consent":{"ad_user_data":"'$c'","ad_personalization":"GRANTED"}' \
		    "{$head"',"consent":{"adUserData":"'$c'"}}'
	done
	expect_conv '"gclid":"'$G1'","google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"GRANTED"}' "{$head}"
	expect_conv '"gclid":"'$G1'","google-ads-consent":{"ad_personalization":"DENIED"}' "{$head}"
	expect_conv '"gclid":"'$G1'","google-ads-consent":{"ad_user_data":null}' "{$head}"
	expect_conv '"gclid":"'$G1'","google-ads-consent":{}' "{$head}"
	expect_conv '"gclid":"'$G1'","google-ads-consent":null' "{$head}"
	expect_conv '"gclid":"'$G1'"' "{$head}"
	# The alias of ac-consent's input is not read: ac-consent turns it
	# into google-ads-consent.
	expect_conv '"gclid":"'$G1'","consent":{"ad_user_data":"GRANTED"}' "{$head}"
	checks_pass
}

@test "mapping: ad_personalization is never sent, and is kept in rows" {
	local u p
	for u in GRANTED DENIED UNSPECIFIED; do
		for p in GRANTED DENIED UNSPECIFIED; do
			bt '"gclid":"'$G1'","google-ads-consent":{"ad_user_data":"'$u'","ad_personalization":"'$p'"}'
			is "$status" 0
			[[ $(jq -c .request <<<"$output") != *ersonali* ]] ||
			    { echo "sent: $output" >&2; return 1; }
			is "$(row | jq -c '.["google-ads-consent"]')" \
			    '{"ad_user_data":"'$u'","ad_personalization":"'$p'"}' "rows for $u/$p"
		done
	done
	bt '"gclid":"'$G1'"'
	is "$(row | jq -c '.["google-ads-consent"]')" \
	    '{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"}' "no consent in the record"
}

@test "mapping: userIdentifiers, one per identifier, hashed email first" {
	local head='"conversionAction":"'$ACT'","conversionDateTime":"'"$TIME"'","gclid":"'$G1'"'
	local e='{"hashedEmail":"'$HE'","userIdentifierSource":"FIRST_PARTY"}'
	local p='{"hashedPhoneNumber":"'$HP'","userIdentifierSource":"FIRST_PARTY"}'
	expect_conv '"gclid":"'$G1'","hashed_email":"'$HE'"' "{$head,\"userIdentifiers\":[$e]}"
	expect_conv '"gclid":"'$G1'","hashed_phone_number":"'$HP'"' "{$head,\"userIdentifiers\":[$p]}"
	expect_conv '"gclid":"'$G1'","hashed_phone_number":"'$HP'","hashed_email":"'$HE'"' \
	    "{$head,\"userIdentifiers\":[$e,$p]}"
	expect_conv '"gclid":"'$G1'","hashed_email":null,"hashed_phone_number":"'$HP'"' \
	    "{$head,\"userIdentifiers\":[$p]}"
	# Hashed names and addresses are not accepted for click conversions.
	expect_conv '"gclid":"'$G1'","hashed_first_name":"'$HE'","hashed_last_name":"'$HE'","hashed_street_address":"'$HE'","country_code":"US","postal_code":"94045"' \
	    "{$head}"
	checks_pass
}

@test "mapping: no other field is ever sent" {
	local in='"z":1,"gclid":"'$G1'","a":{"y":[1,{"b":null}]},"user_agent":"Mozilla/5.0","user_ip_address":"203.0.113.7","conversion_action_id":"987654321","custom_variables":[{"k":"v"}],"cart_data":{"items":[]},"conversionAction":"customers/1/conversionActions/2","orderId":"X","ac_warnings":[{"stage":"ac-hash","field":"email","code":"placeholder"}],"click_id_type":"gclid","hashed_email":"'$HE'","city":"x","first_name_note":"n"'
	bt "$in"
	is "$status" 0
	is "$(conv | jq -c keys_unsorted)" '["conversionAction","conversionDateTime","gclid","userIdentifiers"]'
	is "$(conv | jq -r .conversionAction)" "$ACT"
	printf '%s\n' "$output" >out
	check_requests out
}

@test "mapping: customer_type is customerType on the Google Ads API (NEW, RETURNING) and userProperties.customerType on Data Manager" {
	bt '"gclid":"'$G1'","customer_type":"RETURNING"' --api googleads
	is "$status" 0
	is "$(conv | jq -c .customerType)" '"RETURNING"'
	printf '%s\n' "$output" >out
	check_requests out
	# REENGAGED: Data Manager only; left out on the Google Ads API, with a
	# warning
	bt '"gclid":"'$G1'","customer_type":"REENGAGED"' --api googleads
	is "$status" 0
	is "$(conv | jq -c 'has("customerType")')" false
	[[ $stderr == *"customer_type: REENGAGED not sent"*"(customer_type_unsupported)"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
	is "$(dm_event '"gclid":"'$G1'","customer_type":"REENGAGED"' | jq -c .userProperties)" \
	    '{"customerType":"REENGAGED"}'
	is "$(dm_event '"gclid":"'$G1'","customer_type":"NEW"' | jq -c .userProperties)" \
	    '{"customerType":"NEW"}'
	# anything else: ac-normalize did not run
	bt '"gclid":"'$G1'","customer_type":"new"' --api googleads
	is "$status" 1
	[[ $stderr == *"(customer_type_invalid)"* ]] || { echo "stderr: $stderr" >&2; return 1; }
}

@test "mapping: cart data (items, merchant, feed, discount) on both APIs; a bad cart is left out with a warning" {
	local cart='"items":[{"product_id":"SKU-1","quantity":2,"unit_price":9.5}],"merchant_id":123456789,"feed_country_code":"de","feed_language_code":"DE","cart_discount":1.5'
	bt '"gclid":"'$G1'",'"$cart" --api googleads
	is "$status" 0
	is "$(conv | jq -c .cartData)" '{"merchantId":"123456789","feedCountryCode":"DE","feedLanguageCode":"de","localTransactionCost":1.5,"items":[{"productId":"SKU-1","quantity":2,"unitPrice":9.5}]}'
	printf '%s\n' "$output" >out
	check_requests out
	is "$(dm_event '"gclid":"'$G1'",'"$cart" | jq -c .cartData)" \
	    '{"merchantId":"123456789","merchantFeedLabel":"DE","merchantFeedLanguageCode":"de","transactionDiscount":1.5,"items":[{"merchantProductId":"SKU-1","quantity":"2","unitPrice":9.5}]}'
	# without items no cart; a bad part leaves the whole cart out, the
	# click goes
	bt '"gclid":"'$G1'","merchant_id":"123"' --api googleads
	is "$(conv | jq -c 'has("cartData")')" false
	local bad
	for bad in '"items":[]' '"items":[{"product_id":"","quantity":1,"unit_price":1}]' \
	    '"items":[{"product_id":"A","quantity":1.5,"unit_price":1}]' \
	    '"items":[{"product_id":"A","quantity":1,"unit_price":-1}]' \
	    '"items":[{"product_id":"A","quantity":1,"unit_price":1}],"merchant_id":"12a"' \
	    '"items":[{"product_id":"A","quantity":1,"unit_price":1}],"feed_country_code":"DEU"'; do
		bt '"gclid":"'$G1'",'"$bad" --api googleads
		is "$status" 0 "$bad: the click goes"
		is "$(conv | jq -c 'has("cartData")')" false "$bad: no cart"
		[[ $stderr == *"cart data left out: "*"(cart_invalid)"* ]] ||
			{ echo "$bad: $stderr" >&2; return 1; }
	done
	checks_pass
}

@test "mapping: external attribution data on the Google Ads API; Data Manager refuses it; both members or none" {
	local ext='"external_attribution_credit":0.4,"external_attribution_model":"Data-driven (ours)"'
	bt '"gclid":"'$G1'",'"$ext" --api googleads
	is "$status" 0
	is "$(conv | jq -c .externalAttributionData)" '{"externalAttributionCredit":0.4,"externalAttributionModel":"Data-driven (ours)"}'
	printf '%s\n' "$output" >out
	check_requests out
	expect_reject '"gclid":"'$G1'",'"$ext" external_attribution_unsupported external_attribution_model --api datamanager
	[[ $stderr == *"ac-batch --api googleads"* ]] || { echo "stderr: $stderr" >&2; return 1; }
	expect_reject '"gclid":"'$G1'","external_attribution_credit":0.4' external_attribution_invalid external_attribution_model --api googleads
	expect_reject '"gclid":"'$G1'","external_attribution_credit":1.5,"external_attribution_model":"m"' external_attribution_invalid external_attribution_credit --api googleads
	expect_reject '"gclid":"'$G1'","external_attribution_model":"m"' external_attribution_invalid external_attribution_credit --api googleads
	checks_pass
}

@test "mapping: custom variables by id on the Google Ads API, by name on Data Manager; the rest left out with a warning" {
	local cv='"custom_variables":[{"id":"111","variable":"tier","value":"gold"},{"variable":"store","value":"berlin"}]'
	bt '"gclid":"'$G1'",'"$cv" --api googleads
	is "$status" 0
	is "$(conv | jq -c .customVariables)" '[{"conversionCustomVariable":"customers/1234567890/conversionCustomVariables/111","value":"gold"}]'
	[[ $stderr == *"custom_variables: 1 not sent: without an id"*"(custom_variable_unsent)"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
	printf '%s\n' "$output" >out
	check_requests out
	is "$(dm_event '"gclid":"'$G1'",'"$cv" | jq -c .customVariables)" \
	    '[{"variable":"tier","value":"gold"},{"variable":"store","value":"berlin"}]'
	# a bad list is left out whole, the click goes
	bt '"gclid":"'$G1'","custom_variables":[{"id":"12x","value":"a"}]' --api googleads
	is "$status" 0
	is "$(conv | jq -c 'has("customVariables")')" false
	[[ $stderr == *"custom variables left out: "*"(custom_variables_invalid)"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
	checks_pass
}

@test "mapping: a click's landing device and session attributes go to Data Manager; the Google Ads API leaves IP and session out, with a warning" {
	local dev='"user_agent":"Mozilla/5.0 (X11)","user_ip_address":"203.0.113.7","session_attributes":"gad_source=1&gclsrc=aw.ds"'
	is "$(dm_event '"gclid":"'$G1'",'"$dev" | jq -c .adIdentifiers)" \
	    '{"sessionAttributes":"gad_source=1&gclsrc=aw.ds","gclid":"'$G1'","landingPageDeviceInfo":{"userAgent":"Mozilla/5.0 (X11)","ipAddress":"203.0.113.7"}}'
	is "$(dm_event '"hashed_email":"'$HE'","user_ip_address":"2001:db8::1"' | jq -c .adIdentifiers)" \
	    '{"landingPageDeviceInfo":{"ipAddress":"2001:db8::1"}}'
	bt '"gclid":"'$G1'",'"$dev" --api googleads
	is "$status" 0
	is "$(conv | jq -c '[has("userIpAddress"), has("sessionAttributesEncoded")]')" '[false,false]'
	[[ $stderr == *"user_ip_address: not sent: the Google Ads API takes"*"(allowlist_only_unsent)"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
	# an address that is none is left out; the click goes
	bt '"gclid":"'$G1'","user_ip_address":"999.1.1.1"' --api datamanager
	is "$status" 0
	is "$(jq -c '.request.events[0].adIdentifiers' <<<"$output")" '{"gclid":"'$G1'"}'
	[[ $stderr == *"user_ip_address: left out: "*"(ip_address_invalid)"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
}

@test "mapping: order_id and strings keep every character, escaped as JSON" {
	local o='"\"q\" \\ x\t\u00e9 \u0001 / \ud83d\ude00"'
	bt '"gclid":"'$G1'","order_id":'"$o"
	is "$status" 0
	is "$(conv | jq -c .orderId)" "$(jq -c . <<<"$o")" "orderId"
	is "$(row | jq -c .order_id)" "$(jq -c . <<<"$o")" "rows order_id"
}

## Rows

@test "rows: order_id, action, time, click_id_type, kind, consent, file and line" {
	printf '\n%s\n%s\n' "$(brec '"gclid":"'$G1'","order_id":"R-1","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}')" \
	    "$(brec '"hashed_email":"'$HE'"')" >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 0
	is "$(jq -c '.rows[0]' <<<"$output")" '{"order_id":"R-1","conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'","click_id_type":"gclid","kind":"click","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"file":"in.ndjson","line":2}'
	is "$(jq -c '.rows[1]' <<<"$output")" '{"conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'","click_id_type":"none","kind":"click","google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"file":"in.ndjson","line":3}' \
	    "no order_id: no key"
	# No identifier, no click ID value in rows.
	[[ $(jq -c .rows <<<"$output") != *$HE* && $(jq -c .rows <<<"$output") != *$G1* ]]
}

@test "rows: several input files keep their own names and line numbers" {
	brec '"gclid":"'$G1'","order_id":"a1"' >a.ndjson
	printf '\n%s\n' "$(brec '"gclid":"'$G2'","order_id":"b2"')" >b.ndjson
	brec '"gclid":"'$G1'1","order_id":"s1"' >s.ndjson
	run --separate-stderr ac-batch a.ndjson b.ndjson - <s.ndjson
	is "$status" 0
	is "$(jq -r '.rows[] | "\(.order_id)@\(.file):\(.line)"' <<<"$output" | tr '\n' ' ')" \
	    "a1@a.ndjson:1 b2@b.ndjson:2 s1@<stdin>:1 "
}

## Grouping

@test "grouping: one request per customer_id and login_customer_id, in order of first appearance" {
	{
		BB='"customer_id":"1111111111","conversion_action":"customers/1111111111/conversionActions/1","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'1","order_id":"1"'
		BB='"customer_id":"2222222222","conversion_action":"customers/2222222222/conversionActions/1","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'2","order_id":"2"'
		BB='"customer_id":"1111111111","login_customer_id":"9999999999","conversion_action":"customers/1111111111/conversionActions/1","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'3","order_id":"3","conversion_value":1,"currency_code":"EUR"'
		BB='"customer_id":"1111111111","conversion_action":"customers/1111111111/conversionActions/1","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'4","order_id":"4","login_customer_id":null'
		BB='"login_customer_id":"9999999999","customer_id":"2222222222","conversion_action":"customers/2222222222/conversionActions/1","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'5","order_id":"5"'
		BB='"customer_id":"1111111111","login_customer_id":"9999999999","conversion_action":"customers/1111111111/conversionActions/1","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'6","order_id":"6"'
	} >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 0
	is "$(jq -c '[.customer_id, .login_customer_id, [.rows[].order_id]]' <<<"$output" | tr '\n' ' ')" \
	    '["1111111111",null,["1","4"]] ["2222222222",null,["2"]] ["1111111111","9999999999",["3","6"]] ["2222222222","9999999999",["5"]] '
	is "$(jq -c 'has("login_customer_id")' <<<"${lines[0]}")" false "no key without a login customer"
	is "${stderr_lines[-1]}" "ac-batch: 4 requests, 6 rows"
	printf '%s\n' "$output" >out
	check_requests out
}

## --size

@test "--size: -n 2 with 5 rows gives 3 requests, every row exactly once, in order" {
	local i
	for i in 1 2 3 4 5; do brec '"gclid":"'$G1$i'","order_id":"S-'$i'"'; done >in.ndjson
	run --separate-stderr ac-batch -n 2 in.ndjson
	is "$status" 0
	is "${#lines[@]}" 3 "requests"
	printf '%s\n' "$output" >out
	is "$(orders out | tr '\n' '|')" "S-1 S-2|S-3 S-4|S-5|"
	is "${stderr_lines[-1]}" "ac-batch: 3 requests, 5 rows"
	run --separate-stderr ac-batch -n 1 in.ndjson
	is "${#lines[@]}" 5 "-n 1"
	run --separate-stderr ac-batch -n 5 in.ndjson
	is "${#lines[@]}" 1 "-n 5"
	run --separate-stderr ac-batch -n 2000 in.ndjson
	is "${#lines[@]}" 1 "-n 2000"
}

@test "--size: the default is 2000, the API's maximum" {
	jq -nc --arg a "$ACT" --arg t "$TIME" --arg g "$G1" 'range(4500) |
	    {customer_id: "1234567890", conversion_action: $a,
	     conversion_date_time: $t, order_id: "O-\(.)", gclid: "\($g)\(.)"}' >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 0
	is "$(jq -c '.rows | length' <<<"$output" | tr '\n' ' ')" "2000 2000 500 "
	printf '%s\n' "$output" >out
	is "$(jq -r '.rows[].order_id' out | sort | uniq | wc -l | tr -d ' ')" 4500 "distinct rows"
	is "$(jq -r '.rows[].order_id' out | head -n 1)" O-0
	is "$(jq -r '.rows[].order_id' out | tail -n 1)" O-4499
	check_requests out
}

@test "--size: 0, more than 2000 or not a number is a usage error" {
	local n
	brec '"gclid":"'$G1'"' >in.ndjson
	for n in 0 2001 -1 x 1e3 ''; do
		run --separate-stderr ac-batch -n "$n" in.ndjson
		is "$status" 2 "-n '$n'"
		is "$output" "" "no output with -n '$n'"
		[[ $stderr == *"usage: ac-batch "* ]] || { echo "no usage" >&2; return 1; }
	done
	run --separate-stderr ac-batch --size=2001 in.ndjson
	is "$status" 2
	is "${stderr_lines[0]}" "ac-batch: --size: too large, expected 1 to 2000"
	run --separate-stderr ac-batch --size=0 in.ndjson
	is "${stderr_lines[0]}" "ac-batch: --size: too small, expected 1 to 2000"
}

## Memory bound on pending groups

@test "pending groups: past 4 MiB the biggest group goes early; every row once" {
	# 60 accounts, 400 conversions each, interleaved: 24000 rows of about
	# 230 bytes, more than 4 MiB, so groups go before they are full.
	jq -nc --arg t "$TIME" --arg g "$G1" --arg he "$HE" --arg hp "$HP" '
	    range(24000) | (1000000000 + . % 60 | tostring) as $c |
	    {customer_id: $c, conversion_action: "customers/\($c)/conversionActions/5",
	     conversion_date_time: $t, order_id: "O-\(.)", gclid: "\($g)\(.)",
	     hashed_email: $he, hashed_phone_number: $hp}' >in.ndjson
	run --separate-stderr ac-batch -q -R rej.ndjson in.ndjson
	is "$status" 0
	printf '%s\n' "$output" >out
	is "$(nrows out)" 24000 "rows"
	is "$(jq -r '.rows[].order_id' out | sort -u | wc -l | tr -d ' ')" 24000 "each row once"
	[[ ${#lines[@]} -gt 60 ]] || { echo "${#lines[@]} requests: none went early" >&2; return 1; }
	# Every request is one account, rows in input order.
	jq -e -s 'all(.[]; .customer_id as $c | (.request.conversions |
	    all(.conversionAction | startswith("customers/\($c)/"))) and
	    ([.rows[].line] | . == sort))' out >/dev/null
	is "$(nlines rej.ndjson)" 0
}

## --max-wait

@test "--max-wait: a request goes out after SECONDS, before the next record comes" {
	local r1 r2
	r1=$(brec '"gclid":"'$G1'","order_id":"W-1"')
	r2=$(brec '"gclid":"'$G2'","order_id":"W-2"')
	T0=$(date +%s%N)
	{ echo "$r1"; sleep 3; echo "$r2"; } | ac-batch -w 1 2>err | stamp >out
	is "$(nlines out)" 2 "requests"
	local t1 t2
	t1=$(sed -n '1s/ .*//p' out)
	t2=$(sed -n '2s/ .*//p' out)
	is "$(sed -n '1s/^[0-9]* //p' out | jq -r '[.rows[].order_id] | join(" ")')" W-1
	is "$(sed -n '2s/^[0-9]* //p' out | jq -r '[.rows[].order_id] | join(" ")')" W-2
	# About 1 s, well before the second record at 3 s.
	[[ $t1 -ge 800 && $t1 -lt 2500 ]] || { echo "first request at $t1 ms" >&2; return 1; }
	[[ $t2 -ge 2800 ]] || { echo "second request at $t2 ms" >&2; return 1; }
	is "$(tail -n 1 err)" "ac-batch: 2 requests, 2 rows"
}

@test "--max-wait: each group waits from its own first row" {
	local a b
	a=$(brec '"gclid":"'$G1'","order_id":"A"')
	b=$(BB='"customer_id":"2222222222","conversion_action":"customers/2222222222/conversionActions/1","conversion_date_time":"'"$TIME"'"' brec '"gclid":"'$G1'","order_id":"B"')
	T0=$(date +%s%N)
	{ echo "$a"; sleep 1; echo "$b"; sleep 4; } | ac-batch --max-wait 2 2>/dev/null | stamp >out
	is "$(nlines out)" 2
	local ta tb
	ta=$(sed -n '1s/ .*//p' out)
	tb=$(sed -n '2s/ .*//p' out)
	is "$(sed -n '1s/^[0-9]* //p' out | jq -r .rows[0].order_id)" A
	is "$(sed -n '2s/^[0-9]* //p' out | jq -r .rows[0].order_id)" B
	# A at about 2 s, B at about 3 s, both before the end at 5 s.
	[[ $ta -ge 1500 && $ta -lt 2800 ]] || { echo "A at $ta ms" >&2; return 1; }
	[[ $tb -ge 2500 && $tb -lt 4500 ]] || { echo "B at $tb ms" >&2; return 1; }
}

@test "--max-wait: rows that came while waiting go together" {
	local i
	T0=$(date +%s%N)
	{
		for i in 1 2 3; do brec '"gclid":"'$G1$i'","order_id":"C-'$i'"'; sleep 0.2; done
		sleep 2
	} | ac-batch -w 1 2>/dev/null | stamp >out
	is "$(nlines out)" 1
	is "$(sed 's/^[0-9]* //' out | jq -r '[.rows[].order_id] | join(" ")')" "C-1 C-2 C-3"
	local t
	t=$(sed 's/ .*//' out)
	[[ $t -ge 800 && $t -lt 2300 ]] || { echo "request at $t ms" >&2; return 1; }
}

@test "--max-wait: a due request goes out while the input pauses mid-line" {
	local r1 r2
	r1=$(brec '"gclid":"'$G1'","order_id":"M-1"')
	r2=$(brec '"gclid":"'$G2'","order_id":"M-2"')
	T0=$(date +%s%N)
	# The second record arrives in two halves, 3 s apart.
	{ echo "$r1"; printf '%s' "${r2:0:20}"; sleep 3; echo "${r2:20}"; } |
	    ac-batch -w 1 2>/dev/null | stamp >out
	is "$(nlines out)" 2
	is "$(sed -n '1s/^[0-9]* //p' out | jq -r .rows[0].order_id)" M-1
	local t1
	t1=$(sed -n '1s/ .*//p' out)
	[[ $t1 -ge 800 && $t1 -lt 2500 ]] || { echo "first request at $t1 ms" >&2; return 1; }
}

@test "--max-wait: without it (or 0) a request waits for the end of the input" {
	local r1 r2 w
	r1=$(brec '"gclid":"'$G1'","order_id":"E-1"')
	r2=$(brec '"gclid":"'$G2'","order_id":"E-2"')
	for w in '' '-w 0'; do
		T0=$(date +%s%N)
		# shellcheck disable=SC2086
		{ echo "$r1"; sleep 2; echo "$r2"; } | ac-batch $w 2>/dev/null | stamp >out
		is "$(nlines out)" 1 "one request ($w)"
		is "$(sed 's/^[0-9]* //' out | jq -r '[.rows[].order_id] | join(" ")')" "E-1 E-2"
		[[ $(sed 's/ .*//' out) -ge 1800 ]] || { echo "too early ($w)" >&2; return 1; }
	done
}

@test "--max-wait: a full request still goes at once; bad values are usage errors" {
	local w
	for i in 1 2 3; do brec '"gclid":"'$G1$i'","order_id":"F-'$i'"'; done >in.ndjson
	run --separate-stderr ac-batch -w 60 -n 2 in.ndjson
	is "$status" 0
	is "$(printf '%s\n' "$output" | jq -r '[.rows[].order_id] | join(" ")' | tr '\n' '|')" "F-1 F-2|F-3|"
	for w in -1 86401 x 1.5 ''; do
		run --separate-stderr ac-batch -w "$w" in.ndjson
		is "$status" 2 "-w '$w'"
		is "$output" ""
	done
	run --separate-stderr ac-batch --max-wait 86400 in.ndjson
	is "$status" 0
}

## Duplicates

@test "duplicates: the same order_id and conversion_action is rejected, never sent twice" {
	{
		brec '"gclid":"'$G1'1","order_id":"D-1"'
		brec '"gclid":"'$G1'2","order_id":"D-1"'
		BB='"customer_id":"1234567890","conversion_action":"'$ACT2'","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'3","order_id":"D-1"'
		BB='"customer_id":"9876543210","login_customer_id":"1112223334","conversion_action":"'$ACT'","conversion_date_time":"2026-05-01 00:00:00+00:00"'
		brec '"hashed_email":"'$HE'","order_id":"D-1"'
	} >in.ndjson
	run --separate-stderr ac-batch -R rej.ndjson -n 1 in.ndjson
	is "$status" 1
	printf '%s\n' "$output" >out
	is "$(orders out | tr '\n' '|')" "D-1|D-1|" "first one, and the other action"
	is "$(jq -c '[.line, .code, .field]' rej.ndjson | tr '\n' ' ')" \
	    '[2,"duplicate_order_id","order_id"] [4,"duplicate_order_id","order_id"] '
	is "${stderr_lines[0]}" "ac-batch: in.ndjson:2: order_id: order_id already used for this conversion_action in this run (duplicate_order_id)"
	is "$(jq -r '.rows[].conversion_action' out | tr '\n' ' ')" "$ACT $ACT2 "
}

@test "duplicates: the same click, time and action is rejected, across requests too" {
	{
		brec '"gclid":"'$G1'","order_id":"K-1"'
		brec '"gclid":"'$G1'","order_id":"K-2"'
		brec '"gclid":"'$G1'"'
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","conversion_date_time":"2026-04-23 14:31:10+02:00"'
		brec '"gclid":"'$G1'","order_id":"K-4"'
		BB='"customer_id":"1234567890","conversion_action":"'$ACT2'","conversion_date_time":"'"$TIME"'"'
		brec '"gclid":"'$G1'","order_id":"K-5"'
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'"'
		brec '"gbraid":"'$GB'","order_id":"K-6"'
		brec '"gbraid":"'$GB'","order_id":"K-7"'
		brec '"wbraid":"'$GB'","order_id":"K-8"'
		brec '"hashed_email":"'$HE'","order_id":"K-9"'
		brec '"hashed_email":"'$HE'","order_id":"K-10"'
	} >in.ndjson
	run --separate-stderr ac-batch -R rej.ndjson -n 1 in.ndjson
	is "$status" 1
	printf '%s\n' "$output" >out
	is "$(jq -r '.rows[0].order_id // "-"' out | tr '\n' ' ')" "K-1 K-4 K-5 K-6 K-8 K-9 K-10 " \
	    "other time, other action, other click type, no click: all go"
	is "$(jq -c '[.line, .code, .field]' rej.ndjson | tr '\n' ' ')" \
	    '[2,"duplicate_click","gclid"] [3,"duplicate_click","gclid"] [7,"duplicate_click","gbraid"] '
	is "$((${#lines[@]} + $(nlines rej.ndjson)))" 10 "conservation"
}

@test "duplicates: a rejected record does not count, a null order_id has no key" {
	{
		brec '"gclid":"junk","order_id":"N-1"'
		brec '"gclid":"'$G1'1","order_id":"N-1"'
		brec '"gclid":"'$G1'2","order_id":null'
		brec '"gclid":"'$G1'3"'
	} >in.ndjson
	run --separate-stderr ac-batch -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(jq -r '[.rows[] | .order_id // "-"] | join(" ")' <<<"$output")" "N-1 - -"
	is "$(jq -r .code rej.ndjson)" click_id_invalid
}

@test "duplicates: records in = rows + rejects with many duplicates" {
	jq -nc --arg a "$ACT" --arg t "$TIME" --arg g "$G1" 'range(3000) |
	    {customer_id: "1234567890", conversion_action: $a,
	     conversion_date_time: $t, order_id: "O-\(. % 2000)",
	     gclid: "\($g)\(. % 1000)"}' >in.ndjson
	run --separate-stderr ac-batch -q -R rej.ndjson -n 700 in.ndjson
	is "$status" 1
	printf '%s\n' "$output" >out
	# 0-999 go; 1000-1999 repeat a click; 2000-2999 repeat an order_id
	# (checked first).
	is "$(nrows out)" 1000 "one row per click"
	is "$(jq -r '.rows[].order_id' out | sort -u | wc -l | tr -d ' ')" 1000
	is "$(nlines rej.ndjson)" 2000
	is "$(jq -r .code rej.ndjson | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" \
	    "duplicate_click:1000 duplicate_order_id:1000 "
	is "$(jq -r 'select(.code == "duplicate_click") | .line' rej.ndjson | sed -n '1p;$p' | tr '\n' ' ')" \
	    "1001 2000 "
	is "$stderr" "ac-batch: 2000 of 3000 records rejected"
}

## Reject paths

@test "rejects: the fields every conversion needs" {
	BB='"conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'"' \
	    expect_reject '"gclid":"'$G1'"' customer_id_missing customer_id
	BB='"customer_id":null,"conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'"' \
	    expect_reject '"gclid":"'$G1'"' customer_id_missing customer_id
	local c
	for c in '"123-456-7890"' 1234567890 '"123456789"' '"12345678901"' '"abcdefghij"' '""'; do
		BB='"customer_id":'"$c"',"conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'"' \
		    expect_reject '"gclid":"'$G1'"' customer_id_invalid customer_id
	done
	for c in 1112223334 '"111-222-3334"' '""' '{}'; do
		expect_reject '"gclid":"'$G1'","login_customer_id":'"$c" login_customer_id_invalid login_customer_id
	done
	BB='"customer_id":"1234567890","conversion_date_time":"'"$TIME"'"' \
	    expect_reject '"gclid":"'$G1'","conversion_action_id":"987654321"' conversion_action_missing conversion_action
	for c in '"987654321"' 987654321 '"customers/123/conversionActions/1"' \
	    '"customers/1234567890/conversionActions/"' '"customers/1234567890/conversionActions/x1"' \
	    '"customers/1234567890/conversionActions/12345678901234567890"' '" '$ACT'"'; do
		BB='"customer_id":"1234567890","conversion_action":'"$c"',"conversion_date_time":"'"$TIME"'"' \
		    expect_reject '"gclid":"'$G1'"' conversion_action_invalid conversion_action
	done
	BB='"customer_id":"1234567890","conversion_action":"'$ACT'"' \
	    expect_reject '"gclid":"'$G1'"' time_missing conversion_date_time
	for c in '"2026-04-23T12:31:09Z"' '"2026-04-23 12:31:09"' '"2026-04-23 12:31:09Z"' \
	    '"2026-04-23 12:31:09+0200"' '"2026-04-23 12:31:09.5+02:00"' 1776947469 '" 2026-04-23 12:31:09+02:00"'; do
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","conversion_date_time":'"$c" \
		    expect_reject '"gclid":"'$G1'"' time_invalid conversion_date_time
	done
	checks_pass
}

@test "rejects: value, currency, order_id, environment, consent" {
	local v
	for v in '"49.90"' -1 true '[1]'; do
		expect_reject '"gclid":"'$G1'","conversion_value":'"$v"',"currency_code":"EUR"' value_invalid conversion_value
	done
	expect_reject '"gclid":"'$G1'","conversion_value":49.9' currency_missing currency_code
	expect_reject '"gclid":"'$G1'","conversion_value":49.9,"currency_code":null' currency_missing currency_code
	for v in '"eur"' '"EURO"' '" EUR"' 978; do
		expect_reject '"gclid":"'$G1'","conversion_value":1,"currency_code":'"$v" currency_invalid currency_code
	done
	expect_reject '"gclid":"'$G1'","currency_code":"E1R"' currency_invalid currency_code
	for v in 13 '""' '["A"]'; do
		expect_reject '"gclid":"'$G1'","order_id":'"$v" order_id_invalid order_id
	done
	for v in '"web"' '"BOTH"' 2; do
		expect_reject '"gclid":"'$G1'","conversion_environment":'"$v" conversion_environment_invalid conversion_environment
	done
	for v in '"GRANTED"' '[]' 1; do
		expect_reject '"gclid":"'$G1'","google-ads-consent":'"$v" consent_invalid google-ads-consent
	done
	for v in '"yes"' '"granted"' '"UNKNOWN"' true; do
		expect_reject '"gclid":"'$G1'","google-ads-consent":{"ad_user_data":'"$v"'}' consent_invalid google-ads-consent.ad_user_data
		expect_reject '"gclid":"'$G1'","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":'"$v"'}' \
		    consent_invalid google-ads-consent.ad_personalization
	done
	checks_pass
}

@test "rejects: clear text, click IDs, hashes, attribution, consent" {
	expect_reject '"gclid":"'$G1'","email":"alexz@example.com","hashed_email":"'$HE'"' clear_text_identifier email
	expect_reject '"gclid":"'$G1'","phone":"+18005550100"' clear_text_identifier phone
	expect_reject '"gclid":"'$G1'","phone":18005550100' clear_text_identifier phone
	# A null or blank one is no clear text.
	bt '"gclid":"'$G1'","email":null,"phone":"  "'
	is "$status" 0 "null email, blank phone"
	local v
	for v in '"junk"' '"Cj0KCQjw%3D%3D-abc"' '" '$G1'"' 12345678901 '""' "\"$(chars 513)\""; do
		expect_reject '"gclid":'"$v" click_id_invalid gclid
	done
	expect_reject '"gbraid":"short"' click_id_invalid gbraid
	expect_reject '"wbraid":{}' click_id_invalid wbraid
	expect_reject '"gclid":"'$G1'","wbraid":"'$WB'"' click_id_multiple -
	expect_reject '"gclid":"'$G1'","gbraid":"'$GB'","wbraid":"'$WB'"' click_id_multiple -
	expect_reject '"gbraid":"'$GB'","wbraid":"'$WB'"' click_id_multiple -
	for v in "\"$HEU\"" '"abc"' "\"${HE}0\"" "\" $HE\"" 1; do
		expect_reject '"gclid":"'$G1'","hashed_email":'"$v" hashed_invalid hashed_email
		expect_reject '"gclid":"'$G1'","hashed_phone_number":'"$v" hashed_invalid hashed_phone_number
	done
	expect_reject '' unattributable -
	expect_reject '"gclid":null,"hashed_email":null,"hashed_first_name":"'$HE'","click_id_type":"gclid"' unattributable -
	expect_reject '"gclid":"'$G1'","hashed_email":"'$HE'","google-ads-consent":{"ad_user_data":"DENIED"}' \
	    identifiers_denied google-ads-consent
	expect_reject '"hashed_phone_number":"'$HP'","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"}' \
	    identifiers_denied google-ads-consent
	checks_pass
}

@test "rejects: a DENIED record without identifiers goes, with adUserData DENIED" {
	bt '"gclid":"'$G1'","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}'
	is "$status" 0
	is "$(conv | jq -c .consent)" '{"adUserData":"DENIED"}'
	is "$(conv | jq -c 'has("userIdentifiers")')" false
}

@test "rejects: the messages of mixed.in, and the rejects file" {
	cp "$F/mixed.in" .
	run --separate-stderr ac-batch -v -R rej.ndjson mixed.in
	is "$status" 1
	is "$output" "$(cat "$F/mixed.out")" "stdout"
	run jq -r '"\(.line) \(.code) \(.field // "-")"' rej.ndjson
	is "$output" "2 bad_json -
3 not_object -
4 customer_id_missing customer_id
5 customer_id_invalid customer_id
6 login_customer_id_invalid login_customer_id
7 conversion_action_missing conversion_action
8 conversion_action_invalid conversion_action
9 time_missing conversion_date_time
10 time_invalid conversion_date_time
11 value_invalid conversion_value
12 currency_missing currency_code
13 currency_invalid currency_code
14 order_id_invalid order_id
15 conversion_environment_invalid conversion_environment
16 consent_invalid google-ads-consent
17 consent_invalid google-ads-consent.ad_user_data
18 clear_text_identifier email
19 clear_text_identifier phone
20 click_id_invalid gclid
21 click_id_multiple -
22 hashed_invalid hashed_email
23 unattributable -
24 identifiers_denied google-ads-consent
26 duplicate_order_id order_id
27 duplicate_click gclid
29 bad_utf8 -
31 consent_invalid google-ads-consent.ad_personalization
32 hashed_invalid hashed_phone_number"
	local n
	for n in 4 5 14 18 21 26 27 32; do
		is "$(jq -c --argjson n $n 'select(.line == $n) | .record' rej.ndjson)" \
		    "$(sed -n "${n}p" mixed.in | jq -c .)" "record of line $n"
	done
	is "$(jq -c 'select(.line == 2) | [has("raw"), has("record")]' rej.ndjson)" '[true,false]'
	is "$(jq -c 'select(.line == 29) | has("raw_base64")' rej.ndjson)" true
	# The record at line 33 repeats the order_id of the rejected line 4.
	is "$(jq -r '[.rows[] | "\(.line):\(.order_id)"] | join(" ")' "$F/mixed.out")" \
	    "1:M-0 25:M-25 28:M-25 33:M-4"
	is "$(grep '^ac-batch: mixed.in:21: ' <<<"$stderr")" "ac-batch: mixed.in:21: more than one of gclid, gbraid and wbraid: run ac-pick-clickid (click_id_multiple)"
	is "$(grep '^ac-batch: mixed.in:18: ' <<<"$stderr")" "ac-batch: mixed.in:18: email: email in clear text: run ac-hash (clear_text_identifier)"
	is "$(grep '^ac-batch: mixed.in:26: ' <<<"$stderr")" "ac-batch: mixed.in:26: order_id: order_id already used for this conversion_action in this run (duplicate_order_id)"
	is "$(grep '^ac-batch: mixed.in:27: ' <<<"$stderr")" "ac-batch: mixed.in:27: gclid: the same click, conversion_date_time and conversion_action already came in this run (duplicate_click)"
	is "$(grep -c '^ac-batch: mixed.in:' <<<"$stderr")" 28 "-v: every reject on stderr"
}

@test "rejects: conservation, records in = rows out + rejects lines" {
	cat "$F/mixed.in" "$F/pii.in" "$F/golden.in" >in.ndjson
	printf '{"x":"\xff"}\r\n%s\r\n\r\n{"a":\r\n%s\r\n' \
	    "$(brec '"gclid":"'$G1'","order_id":"CR-1"')" "$(brec '"email":"crlf@example.com"')" >>in.ndjson
	run --separate-stderr ac-batch -n 3 -R rej.ndjson in.ndjson
	is "$status" 1
	printf '%s\n' "$output" >out
	local n_in n_rows n_rej
	n_in=$(nonblank in.ndjson)
	n_rows=$(nrows out)
	n_rej=$(nlines rej.ndjson)
	is "$n_in" 54 "input records"
	is "$((n_rows + n_rej))" "$n_in" "rows ($n_rows) + rejected ($n_rej)"
	is "${stderr_lines[-2]%%(*}" "$(summary "$n_in" "$n_rows" "$n_rej" x | sed 's/(.*//')" "summary"
	is "${stderr_lines[-1]}" "ac-batch: $(nlines out) requests, $n_rows rows"
	# Every row exactly once: the (file, line) pairs are distinct and
	# none of them was rejected.
	is "$(jq -r '.rows[] | .line' out | sort -n | uniq -d)" "" "no row twice"
	is "$( (jq -r '.rows[].line' out; jq -r .line rej.ndjson) | sort -n | uniq -d)" "" \
	    "no record both sent and rejected"
	check_requests out
}

@test "rejects: the file is created, or truncated, with mode 0600" {
	brec '"gclid":"'$G1'"' >in.ndjson
	run --separate-stderr ac-batch -R rej.ndjson in.ndjson
	is "$status" 0
	is "$(mode rej.ndjson)" 600 "mode"
	is "$(nlines rej.ndjson)" 0 "empty when nothing is rejected"
	echo 'old line' >rej.ndjson
	chmod 644 rej.ndjson
	run --separate-stderr ac-batch --rejects rej.ndjson in.ndjson
	is "$(nlines rej.ndjson)" 0 "truncated"
	is "$(mode rej.ndjson)" 600 "an existing file is made 0600"
}

## Personal data

@test "stderr never contains the PII planted in pii.in, stdout only hashes" {
	local planted=(
	    wilhelmina quarrington bartholomew okonkwo thistlewick 'TW9 4QX'
	    203.0.113.77 persephone evangeline 555-0187 rosalind fairweather
	    zephyrine cordelia 5550199000 augustina blackwood leopoldine
	    hawthorne 5550123 ezekiel thaddeus ignatius vandermeer '@example'
	    example.org '%40' "${HE:0:12}" "${HP:0:12}" )
	local args p runs=( '' '-v' '-q' '-v -R rej.ndjson' '-n 1 -v' )
	cp "$F/pii.in" .
	for args in "${runs[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-batch $args pii.in
		is "$status" 1 "exit with '$args'"
		for p in "${planted[@]}"; do
			if grep -qiF -- "$p" <<<"$stderr"; then
				echo "stderr with '$args' contains '$p':" >&2
				echo "$stderr" >&2
				return 1
			fi
			# Clear-text values never reach a request.
			if [[ $p != "${HE:0:12}" && $p != "${HP:0:12}" ]] &&
			    grep -qiF -- "$p" <<<"$output"; then
				echo "stdout with '$args' contains '$p'" >&2
				return 1
			fi
		done
	done
}

## The STYLE.md §10 checks

@test "a bad JSON line gives file:line on stderr, the other records still come out, exit 1" {
	printf '%s\n%s\n%s\n' "$(brec '"gclid":"'$G1'1","order_id":"1"')" '{"gclid":' \
	    "$(brec '"gclid":"'$G1'3","order_id":"3"')" >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 1
	is "$(jq -r '[.rows[].order_id] | join(" ")' <<<"$output")" "1 3"
	[[ ${stderr_lines[0]} == "ac-batch: in.ndjson:2: invalid JSON: "*"(bad_json)" ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	is "${stderr_lines[-2]}" "$(summary 3 2 1 '1 bad_json')"
}

@test "usage errors exit 2; -h exits 0 with usage on stdout; -V prints the version" {
	run --separate-stderr ac-batch -x
	is "$status" 2
	is "${stderr_lines[0]}" "ac-batch: unknown option: -x"
	[[ ${stderr_lines[1]} == "usage: ac-batch [-hqVv] "* ]]
	is "$output" "" "nothing on stdout"
	run --separate-stderr ac-batch --no-such-option
	is "$status" 2
	run --separate-stderr ac-batch -n
	is "$status" 2
	run --separate-stderr ac-batch --validate-only=yes
	is "$status" 2
	local j
	for j in -1 2147483648 x ''; do
		run --separate-stderr ac-batch --job-id "$j" /dev/null
		is "$status" 2 "--job-id '$j'"
	done
	run --separate-stderr ac-batch --job-id 2147483648 /dev/null
	is "${stderr_lines[0]}" "ac-batch: --job-id: too large, expected 0 to 2147483647"
	for j in 0 2147483647; do
		brec '"gclid":"'$G1'"' >in.ndjson
		run --separate-stderr ac-batch --job-id "$j" in.ndjson
		is "$status" 0 "--job-id $j"
		is "$(jq -c .request.jobId <<<"$output")" "$j"
	done
	run --separate-stderr ac-batch -h
	is "$status" 0
	[[ ${lines[0]} == "usage: ac-batch [-hqVv] [-n N] [-R FILE] [-S FILE] [-w SECONDS] [--api API] [--job-id N] [--keep FIELDS] [--validate-only] [FILE ...]" ]]
	is "$stderr" ""
	run --separate-stderr ac-batch --help
	is "$status" 0
	run --separate-stderr ac-batch -V
	is "$status" 0
	[[ $output == "ac-batch "[0-9]* ]]
}

@test "--validate-only and --job-id are in every request, and only there" {
	local i
	for i in 1 2 3; do brec '"gclid":"'$G1$i'","order_id":"V-'$i'"'; done >in.ndjson
	run --separate-stderr ac-batch --validate-only --job-id 7 -n 2 in.ndjson
	is "$status" 0
	is "$(printf '%s\n' "$output" | jq -c '.request | del(.conversions)' | sort -u)" \
	    '{"partialFailure":true,"validateOnly":true,"jobId":7}'
	run --separate-stderr ac-batch in.ndjson
	is "$(jq -c '.request | del(.conversions)' <<<"$output")" \
	    '{"partialFailure":true,"validateOnly":false}'
}

@test "> /dev/full exits 3 with a write error" {
	cp "$F/golden.in" .
	run --separate-stderr bash -c 'ac-batch golden.in >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-batch: stdout: No space left on device"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	[[ $stderr == *"stopped early"* ]]
}

@test "empty input gives no output and exit 0" {
	: >empty.ndjson
	run --separate-stderr ac-batch empty.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "$(summary 0 0 0 '')
ac-batch: 0 requests, 0 rows"
	run --separate-stderr ac-batch </dev/null
	is "$status" 0
	is "$output" ""
	printf '\n \t\n\r\n' >blank.ndjson
	run --separate-stderr ac-batch -q blank.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" ""
}

@test "CRLF line ends and blank lines are handled; line numbers count them" {
	printf '%s\r\n\r\n\n  \r\n%s\r\n%s' "$(brec '"gclid":"'$G1'1","order_id":"c1"')" \
	    "$(brec '"gclid":"'$G1'2","order_id":"c2"')" \
	    "$(brec '"gclid":"'$G1'3","order_id":"c3"')" >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 0
	is "$(jq -r '[.rows[] | "\(.order_id):\(.line)"] | join(" ")' <<<"$output")" "c1:1 c2:5 c3:6"
	[[ $output != *$'\r'* ]]
	is "${stderr_lines[0]}" "$(summary 3 3 0 '')"
}

@test "a line over 1 MiB works: a long unknown field is not sent, a long order_id is" {
	local big bigo
	big=$(chars 1500000 x)
	bigo=$(chars 1200000 o)
	{
		brec '"gclid":"'$G1'1","order_id":"L-1","note":"'"$big"'"'
		brec '"gclid":"'$G1'2","order_id":"'"$bigo"'"'
		printf '{"gclid":"%s\n' "$big"
	} >big.ndjson
	run --separate-stderr ac-batch big.ndjson
	is "$status" 1
	is "${#lines[@]}" 1
	# The order_id twice (conversion and row), the note not at all.
	[[ ${#output} -gt 2400000 && ${#output} -lt 2500000 ]] ||
	    { echo "request of ${#output} bytes" >&2; return 1; }
	is "$(jq -r '.request.conversions[1].orderId | length' <<<"$output")" 1200000
	is "$(jq -r '.rows[1].order_id == .request.conversions[1].orderId' <<<"$output")" true
	[[ $stderr == *"big.ndjson:3: invalid JSON"* ]]
}

@test "a missing or unreadable input exits 3 before any output" {
	brec '"gclid":"'$G1'"' >in.ndjson
	run --separate-stderr ac-batch -R rej.ndjson in.ndjson missing.ndjson
	is "$status" 3
	is "$output" "" "stdout"
	is "$stderr" "ac-batch: missing.ndjson: No such file or directory"
	[[ ! -e rej.ndjson ]] || { echo "rejects file created" >&2; return 1; }
	mkdir dir
	run --separate-stderr ac-batch in.ndjson dir
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-batch: dir: Is a directory"* ]]
}

@test "an unwritable rejects file exits 3 before any output" {
	brec '"gclid":"'$G1'"' >in.ndjson
	run --separate-stderr ac-batch -R nodir/rej.ndjson in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-batch: rejects file nodir/rej.ndjson: No such file or directory"* ]]
}

@test "no data files are needed: AC_SHAREDIR does not matter" {
	cp "$F/golden.in" .
	AC_SHAREDIR=$BATS_TEST_TMPDIR/nothing run --separate-stderr ac-batch golden.in
	is "$status" 0
	is "$output" "$(cat "$F/golden.out")"
}

@test "message cap: 10 per-record lines, then one 'not shown' line" {
	local i
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	run --separate-stderr ac-batch bad.ndjson
	is "$status" 1
	is "${#stderr_lines[@]}" 13 "stderr lines"
	is "$(grep -c '^ac-batch: bad.ndjson:[0-9]*: ' <<<"$stderr")" 10 "located lines"
	is "${stderr_lines[9]}" "ac-batch: bad.ndjson:10: customer_id: no customer_id: run ac-normalize (customer_id_missing)"
	is "${stderr_lines[10]}" "ac-batch: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(summary 12 0 12 '12 customer_id_missing')"
	is "${stderr_lines[12]}" "ac-batch: 0 requests, 0 rows"
}

@test "-v shows every per-record message, -q only the rejected count" {
	local i v q
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	brec '"gclid":"'$G1'"' >>bad.ndjson
	for v in -v --verbose; do
		run --separate-stderr ac-batch "$v" bad.ndjson
		is "$status" 1
		is "${#stderr_lines[@]}" 14 "stderr lines with $v"
		[[ $stderr != *"not shown"* ]]
	done
	for q in -q --quiet; do
		run --separate-stderr ac-batch "$q" bad.ndjson
		is "$status" 1
		is "$stderr" "ac-batch: 12 of 13 records rejected" "stderr with $q"
		is "$(jq -c '.rows | length' <<<"$output")" 1
	done
	run --separate-stderr ac-batch -q "$F/golden.in"
	is "$status" 0
	is "$stderr" "" "-q, nothing rejected"
}

## The pipeline

@test "pipeline: the four filters, then ac-batch; every record accounted for" {
	local ex=$AC_ROOT/share/ac/examples/orders.ndjson
	[[ -f $ex ]] || skip "no examples/orders.ndjson"
	ac-normalize -q -z Europe/Berlin -R r1.ndjson "$ex" | ac-consent -q -R r2.ndjson |
	    ac-hash -q -R r3.ndjson | ac-pick-clickid -q -R r4.ndjson >ready.ndjson || true
	run --separate-stderr ac-batch -R r5.ndjson ready.ndjson
	[[ $status -le 1 ]]
	printf '%s\n' "$output" >out
	is "$(($(nrows out) + $(nlines r5.ndjson)))" "$(nlines ready.ndjson)" "ready = rows + rejects"
	is "$(($(nrows out) + $(cat r[1-5].ndjson | wc -l)))" "$(nonblank "$ex")" \
	    "orders = rows + all rejects"
	[[ $(nrows out) -gt 0 ]]
	check_requests out
}

## Calls and adjustments (issue 6)

# The bases of the other kinds, for BB: a call, and adjustments of each
# type keyed by order_id.
CALL_BB='"customer_id":"1234567890","conversion_action":"'$ACT'","caller_id":"'$CALLER'","call_start_date_time":"'"$CSTART"'","conversion_date_time":"'"$TIME"'"'
ENH_BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"ENHANCEMENT","order_id":"E-1"'
RET_BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"RETRACTION","adjustment_date_time":"'"$ATIME"'"'
RST_BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"RESTATEMENT","adjustment_date_time":"'"$ATIME"'"'
# The full address set of an enhancement, and its addressInfo.
ADDR='"hashed_first_name":"'$HF'","hashed_last_name":"'$HL'","hashed_street_address":"'$HS'","city":"mountain view","region":"ca","country_code":"US","postal_code":"94043"'
ADDR_INFO='{"addressInfo":{"hashedFirstName":"'$HF'","hashedLastName":"'$HL'","hashedStreetAddress":"'$HS'","city":"mountain view","state":"ca","countryCode":"US","postalCode":"94043"},"userIdentifierSource":"FIRST_PARTY"}'
UI_E='{"hashedEmail":"'$HE'","userIdentifierSource":"FIRST_PARTY"}'
UI_P='{"hashedPhoneNumber":"'$HP'","userIdentifierSource":"FIRST_PARTY"}'

@test "golden: kinds.in gives exactly kinds.out, one request per kind and account" {
	golden kinds
	is "$status" 0
	is "$(tail -n 1 err)" "ac-batch: 5 requests, 9 rows"
	check_requests out
	is "$(jq -r '[.customer_id, .method, ([.rows[].line] | join(","))] | join(" ")' out)" \
	    "1234567890 uploadClickConversions 1,8
1234567890 uploadConversionAdjustments 2,3,5,6
1234567890 uploadCallConversions 4
9876543210 uploadCallConversions 7
9876543210 uploadConversionAdjustments 9" "kinds apart, groups in order of first appearance"
	# Line 2: the full address; line 3: no postal_code, so no addressInfo.
	is "$(jq -c 'select(.method == "uploadConversionAdjustments") |
	    .request.conversionAdjustments[] | [.orderId, [.userIdentifiers[]? | keys_unsorted[0]]]' out | head -n 2 | tr '\n' ' ')" \
	    '["K-1001",["hashedEmail","hashedPhoneNumber","addressInfo"]] ["K-1002",["hashedPhoneNumber"]] '
	# No caller_id in any row.
	if jq -c .rows out | grep -q '+493012345678\|+14155550123'; then
		echo "a caller_id in the rows" >&2
		return 1
	fi
}

@test "golden: --job-id and --validate-only on kinds.in: jobId on clicks and adjustments, never on calls" {
	OUT=kinds-options.out golden kinds --job-id 42 --validate-only
	is "$(jq -r '"\(.method) \(.request.jobId // "-") \(.request.validateOnly)"' out)" \
	    "uploadClickConversions 42 true
uploadConversionAdjustments 42 true
uploadCallConversions - true
uploadCallConversions - true
uploadConversionAdjustments 42 true"
	# Without the options, the golden output differs only there.
	diff <(jq -c 'del(.request.jobId) | .request.validateOnly = false' out) "$F/kinds.out"
}

@test "golden: kinds-mixed.in gives kinds-mixed.out; the reject codes of calls and adjustments" {
	cp "$F/kinds-mixed.in" .
	run --separate-stderr ac-batch -v -R rej.ndjson kinds-mixed.in
	is "$status" 1
	is "$output" "$(cat "$F/kinds-mixed.out")" "stdout"
	check_requests "$F/kinds-mixed.out"
	run jq -r '"\(.line) \(.code) \(.field // "-")"' rej.ndjson
	is "$output" "2 adjustment_type_invalid adjustment_type
3 conversion_action_missing conversion_action
4 adjustment_date_time_missing adjustment_date_time
5 adjustment_date_time_invalid adjustment_date_time
6 time_invalid conversion_date_time
7 order_id_missing order_id
8 adjustment_key_both -
9 adjustment_key_missing -
10 adjustment_key_missing conversion_date_time
11 adjusted_value_missing adjusted_value
12 adjusted_value_invalid adjusted_value
13 currency_invalid currency_code
14 clear_text_identifier email
15 clear_text_identifier first_name
16 hashed_invalid hashed_email
17 hashed_invalid hashed_first_name
18 address_invalid country_code
19 enhancement_without_identifiers -
20 identifiers_denied google-ads-consent
21 user_agent_invalid user_agent
22 duplicate_enhancement order_id
24 duplicate_adjustment order_id
25 caller_id_invalid caller_id
26 call_start_date_time_missing call_start_date_time
27 call_start_date_time_invalid call_start_date_time
28 time_missing conversion_date_time
29 currency_missing currency_code
30 consent_invalid google-ads-consent.ad_user_data
31 clear_text_identifier phone
33 duplicate_call caller_id
35 duplicate_adjustment order_id"
	local n
	for n in 2 8 25 33; do
		is "$(jq -c --argjson n $n 'select(.line == $n) | .record' rej.ndjson)" \
		    "$(sed -n "${n}p" kinds-mixed.in | jq -c .)" "record of line $n"
	done
	is "$(jq -r '[.rows[].line] | join(" ")' "$F/kinds-mixed.out")" "1 23 34
32"
	is "$(grep -c '^ac-batch: kinds-mixed.in:' <<<"$stderr")" 31 "-v: every reject on stderr"
	is "$(grep '^ac-batch: kinds-mixed.in:33: ' <<<"$stderr")" "ac-batch: kinds-mixed.in:33: caller_id: the same caller_id, call_start_date_time and conversion_action already came in this run (duplicate_call)"
	is "$(grep '^ac-batch: kinds-mixed.in:8: ' <<<"$stderr")" "ac-batch: kinds-mixed.in:8: both order_id and gclid: a RETRACTION or RESTATEMENT takes one key (adjustment_key_both)"
	# Messages name fields, never values: no caller, no gclid.
	if grep -q -e '+1800' -e '0800' -e "$G1" <<<"$stderr"; then
		echo "a value on stderr" >&2
		return 1
	fi
	is "${stderr_lines[-2]%% (*}" "ac-batch: 35 in, 4 out, 31 rejected"
}

@test "routing: adjustment_type makes an adjustment, else caller_id a call, else a click" {
	{
		BB=$ENH_BB brec '"hashed_email":"'$HE'","caller_id":"'$CALLER'","gclid":"'$G1'"'
		BB=$CALL_BB brec '"adjustment_type":null'
		BB=$CALL_BB brec '"adjustment_type":"  ","order_id":"C-1","call_start_date_time":"2026-04-23 14:05:00+02:00"'
		brec '"gclid":"'$G1'","caller_id":null'
		brec '"gclid":"'$G1'2","caller_id":""'
		brec '"gclid":"'$G1'3","adjustment_type":"","caller_id":" "'
	} >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 0
	is "$(jq -r '"\(.method) \([.rows[] | "\(.kind):\(.line)"] | join(" "))"' <<<"$output")" \
	    "uploadConversionAdjustments adjustment:1
uploadCallConversions call:2 call:3
uploadClickConversions click:4 click:5 click:6"
	# The caller of an adjustment is not read, nor the order_id of a call.
	is "$(jq -c 'select(.method == "uploadConversionAdjustments")' <<<"$output" | grep -c -- "$CALLER")" 0
	is "$(jq -c 'select(.method == "uploadCallConversions") | [.request.conversions[] | has("orderId")], [.rows[] | has("order_id")]' <<<"$output" | tr '\n' ' ')" \
	    '[false,false] [false,false] '
	# An invalid type is rejected, not taken for another kind.
	BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","adjustment_type":"REFUND"' adjustment_type_invalid adjustment_type
	BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","adjustment_type":3' adjustment_type_invalid adjustment_type
	BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","adjustment_type":" ENHANCEMENT"' adjustment_type_invalid adjustment_type
	BB=$CALL_BB expect_reject '"caller_id":18005550100' caller_id_invalid caller_id
	checks_pass
}

@test "routing: kinds never share a request, with one account, in any input order, with -n" {
	local i
	for i in 1 2 3 4; do
		brec '"gclid":"'$G1$i'","order_id":"C-'$i'"'
		BB=$RET_BB brec '"order_id":"C-'$i'"'
		BB=$CALL_BB brec '"call_start_date_time":"2026-04-23 14:0'$i':00+02:00"'
		BB=$ENH_BB brec '"order_id":"C-'$i'","hashed_email":"'$HE'"'
	done >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 0
	printf '%s\n' "$output" >out
	check_requests out
	is "$(jq -r '"\(.method) \([.rows[].line] | join(","))"' out)" \
	    "uploadClickConversions 1,5,9,13
uploadConversionAdjustments 2,4,6,8,10,12,14,16
uploadCallConversions 3,7,11,15"
	run --separate-stderr ac-batch -n 3 in.ndjson
	printf '%s\n' "$output" >out
	check_requests out
	is "$(jq -r '"\(.method) \(.rows | length)"' out | tr '\n' ' ')" \
	    "uploadConversionAdjustments 3 uploadClickConversions 3 uploadCallConversions 3 uploadConversionAdjustments 3 uploadClickConversions 1 uploadConversionAdjustments 2 uploadCallConversions 1 " \
	    "full groups go at once, the rest at the end in order of first appearance"
	is "$(jq -s '[.[] | [.rows[].kind] | unique | length] | max' out)" 1
}

@test "mapping: a call is a CallConversion, in the order of the API object" {
	local head='"callerId":"'$CALLER'","callStartDateTime":"'"$CSTART"'","conversionAction":"'$ACT'","conversionDateTime":"'"$TIME"'"'
	BB=$CALL_BB expect_conv '' "{$head}"
	BB=$CALL_BB expect_conv '"currency_code":"EUR","conversion_value":12.5' "{$head"',"conversionValue":12.5,"currencyCode":"EUR"}'
	BB=$CALL_BB expect_conv '"currency_code":"EUR"' "{$head"',"currencyCode":"EUR"}'
	local c
	for c in GRANTED DENIED; do
		BB=$CALL_BB expect_conv '"google-ads-consent":{"ad_user_data":"'$c'","ad_personalization":"GRANTED"}' \
		    "{$head"',"consent":{"adUserData":"'$c'"}}'
	done
	BB=$CALL_BB expect_conv '"google-ads-consent":{"ad_user_data":"UNSPECIFIED"}' "{$head}"
	# Input order does not matter.
	BB='"call_start_date_time":"'"$CSTART"'","conversion_date_time":"'"$TIME"'","caller_id":"'$CALLER'","conversion_action":"'$ACT'","customer_id":"1234567890"' \
	    expect_conv '' "{$head}"
	# Nothing else: no click ID, no identifier (a call has none), no order
	# ID, environment or user agent.
	BB=$CALL_BB expect_conv '"gclid":"'$G1'","wbraid":"'$WB'","hashed_email":"'$HE'","hashed_phone_number":"'$HP'","order_id":"O-1","conversion_environment":"WEB","user_agent":"Mozilla/5.0","adjusted_value":3,'"$ADDR" "{$head}"
	# A DENIED call with hashes is sent: they are not sent anyway.
	BB=$CALL_BB expect_conv '"hashed_email":"'$HE'","google-ads-consent":{"ad_user_data":"DENIED"}' \
	    "{$head"',"consent":{"adUserData":"DENIED"}}'
	checks_pass
}

@test "mapping: the call request has no jobId; --validate-only applies" {
	BB=$CALL_BB bt '' --job-id 9 --validate-only
	is "$status" 0
	is "$(jq -c '.request | del(.conversions)' <<<"$output")" '{"partialFailure":true,"validateOnly":true}'
	is "$(jq -r .method <<<"$output")" uploadCallConversions
	BB=$RET_BB bt '"order_id":"J-1"' --job-id 9
	is "$(jq -c '.request | del(.conversionAdjustments)' <<<"$output")" '{"partialFailure":true,"validateOnly":false,"jobId":9}'
	is "$(jq -r .method <<<"$output")" uploadConversionAdjustments
}

@test "mapping: ENHANCEMENT: order_id, identifiers (email, phone, address) and userAgent" {
	local head='"conversionAction":"'$ACT'","adjustmentType":"ENHANCEMENT"'
	BB=$ENH_BB expect_conv '"hashed_email":"'$HE'"' \
	    "{$head"',"orderId":"E-1","userIdentifiers":['"$UI_E"']}'
	BB=$ENH_BB expect_conv '"user_agent":"Mozilla/5.0 (X11)","adjustment_date_time":"'"$ATIME"'",'"$ADDR"',"hashed_phone_number":"'$HP'","hashed_email":"'$HE'"' \
	    "{$head"',"adjustmentDateTime":"'"$ATIME"'","orderId":"E-1","userIdentifiers":['"$UI_E,$UI_P,$ADDR_INFO"'],"userAgent":"Mozilla/5.0 (X11)"}'
	# The address alone identifies; street, city and region are optional.
	BB=$ENH_BB expect_conv '"hashed_first_name":"'$HF'","hashed_last_name":"'$HL'","country_code":"DE","postal_code":"10115"' \
	    "{$head"',"orderId":"E-1","userIdentifiers":[{"addressInfo":{"hashedFirstName":"'$HF'","hashedLastName":"'$HL'","countryCode":"DE","postalCode":"10115"},"userIdentifierSource":"FIRST_PARTY"}]}'
	BB=$ENH_BB expect_conv '"hashed_first_name":"'$HF'","hashed_last_name":"'$HL'","region":"be","country_code":"DE","postal_code":"10115","city":null,"hashed_street_address":null' \
	    "{$head"',"orderId":"E-1","userIdentifiers":[{"addressInfo":{"hashedFirstName":"'$HF'","hashedLastName":"'$HL'","state":"be","countryCode":"DE","postalCode":"10115"},"userIdentifierSource":"FIRST_PARTY"}]}' 
	# A gclid with its conversion time is sent as gclidDateTimePair too;
	# a gclid alone is not.
	BB=$ENH_BB expect_conv '"hashed_email":"'$HE'","gclid":"'$G1'","conversion_date_time":"'"$TIME"'"' \
	    "{$head"',"orderId":"E-1","gclidDateTimePair":{"gclid":"'$G1'","conversionDateTime":"'"$TIME"'"},"userIdentifiers":['"$UI_E"']}'
	BB=$ENH_BB expect_conv '"hashed_email":"'$HE'","gclid":"'$G1'"' \
	    "{$head"',"orderId":"E-1","userIdentifiers":['"$UI_E"']}'
	# The conversion's time without a gclid goes too ("optional but
	# recommended": Google's web-enhancement examples set it).
	BB=$ENH_BB expect_conv '"hashed_email":"'$HE'","conversion_date_time":"'"$TIME"'"' \
	    "{$head"',"orderId":"E-1","gclidDateTimePair":{"conversionDateTime":"'"$TIME"'"},"userIdentifiers":['"$UI_E"']}'
	# Values, currencies, consent, other click IDs: never on an enhancement.
	BB=$ENH_BB expect_conv '"hashed_email":"'$HE'","adjusted_value":5,"conversion_value":7,"currency_code":"EUR","gbraid":"'$GB'","caller_id":"'$CALLER'","google-ads-consent":{"ad_user_data":"GRANTED"},"conversion_environment":"WEB"' \
	    "{$head"',"orderId":"E-1","userIdentifiers":['"$UI_E"']}'
	checks_pass
}

@test "mapping: addressInfo only with hashed first and last name, country code and postal code" {
	local head='"conversionAction":"'$ACT'","adjustmentType":"ENHANCEMENT","orderId":"E-1"'
	local f full frag
	full='"hashed_first_name":"'$HF'","hashed_last_name":"'$HL'","country_code":"US","postal_code":"94043","city":"mountain view"'
	for f in hashed_first_name hashed_last_name country_code postal_code; do
		# Without f, or with f null or blank: a partial address is not sent.
		frag=$(jq -c --arg f "$f" 'del(.[$f]) | tostring' <<<"{$full}")
		frag=${frag:2:-2}
		frag=${frag//\\\"/\"}
		BB=$ENH_BB expect_conv "$frag"',"hashed_email":"'$HE'"' \
		    "{$head"',"userIdentifiers":['"$UI_E"']}'
		frag=$(jq -c --arg f "$f" '.[$f] = null | tostring' <<<"{$full}")
		frag=${frag:2:-2}
		frag=${frag//\\\"/\"}
		BB=$ENH_BB expect_conv "$frag"',"hashed_phone_number":"'$HP'"' \
		    "{$head"',"userIdentifiers":['"$UI_P"']}'
		frag=$(jq -c --arg f "$f" '.[$f] = " " | tostring' <<<"{$full}")
		frag=${frag:2:-2}
		frag=${frag//\\\"/\"}
		BB=$ENH_BB expect_reject "$frag" enhancement_without_identifiers -
	done
	# A partial address with a bad part is not checked: it is not sent.
	BB=$ENH_BB expect_conv '"hashed_email":"'$HE'","hashed_first_name":"x","country_code":"usa"' \
	    "{$head"',"userIdentifiers":['"$UI_E"']}'
	checks_pass
}

@test "mapping: RESTATEMENT: the key, the time and restatementValue; RETRACTION: the key and the time" {
	local rh='"conversionAction":"'$ACT'","adjustmentType":"RESTATEMENT","adjustmentDateTime":"'"$ATIME"'"'
	local th='"conversionAction":"'$ACT'","adjustmentType":"RETRACTION","adjustmentDateTime":"'"$ATIME"'"'
	local pair='"gclidDateTimePair":{"gclid":"'$G1'","conversionDateTime":"'"$TIME"'"}'
	BB=$RST_BB expect_conv '"order_id":"S-1","adjusted_value":39.9,"currency_code":"EUR"' \
	    "{$rh"',"orderId":"S-1","restatementValue":{"adjustedValue":39.9,"currencyCode":"EUR"}}'
	BB=$RST_BB expect_conv '"order_id":"S-1","adjusted_value":0' \
	    "{$rh"',"orderId":"S-1","restatementValue":{"adjustedValue":0}}'
	BB=$RST_BB expect_conv '"gclid":"'$G1'","conversion_date_time":"'"$TIME"'","adjusted_value":1e2,"conversion_value":5,"currency_code":"USD"' \
	    "{$rh,$pair"',"restatementValue":{"adjustedValue":100,"currencyCode":"USD"}}'
	BB=$RET_BB expect_conv '"order_id":"R-1"' "{$th"',"orderId":"R-1"}'
	BB=$RET_BB expect_conv '"gclid":"'$G1'","conversion_date_time":"'"$TIME"'"' "{$th,$pair}"
	# Identifiers, user agent, values: never on a retraction or
	# restatement (UNSUPPORTED_USER_IDENTIFIER), nor gbraid or wbraid.
	BB=$RET_BB expect_conv '"order_id":"R-1","hashed_email":"'$HE'","hashed_phone_number":"'$HP'",'"$ADDR"',"user_agent":"Mozilla/5.0","adjusted_value":3,"conversion_value":4,"currency_code":"EUR","wbraid":"'$WB'","google-ads-consent":{"ad_user_data":"GRANTED"}' \
	    "{$th"',"orderId":"R-1"}'
	BB=$RST_BB expect_conv '"order_id":"S-1","adjusted_value":2,"hashed_email":"'$HE'","user_agent":"Mozilla/5.0","gbraid":"'$GB'"' \
	    "{$rh"',"orderId":"S-1","restatementValue":{"adjustedValue":2}}'
	# DENIED with hashes: they are not sent, so the record goes.
	BB=$RET_BB expect_conv '"order_id":"R-1","hashed_email":"'$HE'","google-ads-consent":{"ad_user_data":"DENIED"}' "{$th"',"orderId":"R-1"}'
	checks_pass
}

@test "rows: kind, adjustment_type and the times of calls and adjustments; never caller_id or identifiers" {
	{
		BB=$CALL_BB brec '"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"hashed_email":"'$HE'"'
		BB=$ENH_BB brec '"hashed_phone_number":"'$HP'","adjustment_date_time":"'"$ATIME"'",'"$ADDR"',"gclid":"'$G1'","conversion_date_time":"'"$TIME"'"'
		BB=$RET_BB brec '"gclid":"'$G1'","conversion_date_time":"'"$TIME"'"'
		BB=$RST_BB brec '"order_id":"S-1","adjusted_value":1,"conversion_date_time":"'"$TIME"'"'
	} >in.ndjson
	run --separate-stderr ac-batch in.ndjson
	is "$status" 0
	printf '%s\n' "$output" >out
	check_requests out
	is "$(jq -c '.rows[]' out)" '{"conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'","click_id_type":"none","kind":"call","call_start_date_time":"'"$CSTART"'","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"file":"in.ndjson","line":1}
{"order_id":"E-1","conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'","click_id_type":"none","kind":"adjustment","adjustment_type":"ENHANCEMENT","adjustment_date_time":"'"$ATIME"'","google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"file":"in.ndjson","line":2}
{"conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'","click_id_type":"gclid","kind":"adjustment","adjustment_type":"RETRACTION","adjustment_date_time":"'"$ATIME"'","google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"file":"in.ndjson","line":3}
{"order_id":"S-1","conversion_action":"'$ACT'","click_id_type":"none","kind":"adjustment","adjustment_type":"RESTATEMENT","adjustment_date_time":"'"$ATIME"'","google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"file":"in.ndjson","line":4}'
	local rows
	rows=$(jq -c .rows out)
	[[ $rows != *$CALLER* && $rows != *$HE* && $rows != *$HP* && $rows != *$HF* && $rows != *$G1* && $rows != *94043* ]]
}

@test "rejects: the fields of an adjustment" {
	BB='"customer_id":"1234567890","adjustment_type":"RETRACTION","adjustment_date_time":"'"$ATIME"'"' \
	    expect_reject '"order_id":"R-1"' conversion_action_missing conversion_action
	BB='"adjustment_type":"RETRACTION","adjustment_date_time":"'"$ATIME"'","conversion_action":"'$ACT'"' \
	    expect_reject '"order_id":"R-1"' customer_id_missing customer_id
	BB=$RET_BB expect_reject '"order_id":"R-1","conversion_action":"987654321"' conversion_action_invalid conversion_action
	local t
	for t in RETRACTION RESTATEMENT; do
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"'$t'"' \
		    expect_reject '"order_id":"R-1","adjusted_value":1' adjustment_date_time_missing adjustment_date_time
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"'$t'","adjustment_date_time":null' \
		    expect_reject '"order_id":"R-1","adjusted_value":1' adjustment_date_time_missing adjustment_date_time
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"'$t'","adjustment_date_time":"'"$ATIME"'"' \
		    expect_reject '"order_id":"R-1","adjusted_value":1,"gclid":"'$G1'"' adjustment_key_both -
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"'$t'","adjustment_date_time":"'"$ATIME"'"' \
		    expect_reject '"adjusted_value":1,"hashed_email":"'$HE'"' adjustment_key_missing -
		BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"'$t'","adjustment_date_time":"'"$ATIME"'"' \
		    expect_reject '"adjusted_value":1,"gclid":"'$G1'","conversion_date_time":null' adjustment_key_missing conversion_date_time
	done
	for t in '"2026-04-25T10:00:00Z"' '"2026-04-25 10:00:00"' 1777104000 '""'; do
		BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","adjustment_date_time":'"$t" adjustment_date_time_invalid adjustment_date_time
	done
	BB=$RET_BB expect_reject '"gclid":"'$G1'","conversion_date_time":"2026-04-23"' time_invalid conversion_date_time
	BB=$RET_BB expect_reject '"gclid":"short","conversion_date_time":"'"$TIME"'"' click_id_invalid gclid
	BB=$RET_BB expect_reject '"order_id":7' order_id_invalid order_id
	BB=$RET_BB expect_reject '"order_id":"R-1","email":"alexz@example.com"' clear_text_identifier email
	BB=$RET_BB expect_reject '"order_id":"R-1","google-ads-consent":"GRANTED"' consent_invalid google-ads-consent
	BB=$RST_BB expect_reject '"order_id":"S-1"' adjusted_value_missing adjusted_value
	BB=$RST_BB expect_reject '"order_id":"S-1","adjusted_value":null,"conversion_value":3' adjusted_value_missing adjusted_value
	for t in -1 '"12.5"' true; do
		BB=$RST_BB expect_reject '"order_id":"S-1","adjusted_value":'"$t" adjusted_value_invalid adjusted_value
	done
	BB=$RST_BB expect_reject '"order_id":"S-1","adjusted_value":1,"currency_code":"euro"' currency_invalid currency_code
	checks_pass
}

@test "rejects: the fields of an enhancement" {
	BB='"customer_id":"1234567890","conversion_action":"'$ACT'","adjustment_type":"ENHANCEMENT"' \
	    expect_reject '"hashed_email":"'$HE'","gclid":"'$G1'","conversion_date_time":"'"$TIME"'"' order_id_missing order_id
	BB=$ENH_BB expect_reject '' enhancement_without_identifiers -
	BB=$ENH_BB expect_reject '"hashed_first_name":"'$HF'","hashed_last_name":"'$HL'","country_code":"US"' enhancement_without_identifiers -
	local f
	for f in first_name last_name street_address email phone; do
		BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","'$f'":"x"' clear_text_identifier $f
	done
	BB=$ENH_BB expect_reject '"hashed_email":"'$HEU'"' hashed_invalid hashed_email
	BB=$ENH_BB expect_reject '"hashed_phone_number":"+18005550100"' hashed_invalid hashed_phone_number
	for f in hashed_first_name hashed_last_name hashed_street_address; do
		BB=$ENH_BB expect_reject "$ADDR"',"'$f'":"'$HEU'"' hashed_invalid $f
	done
	BB=$ENH_BB expect_reject "$ADDR"',"country_code":"us"' address_invalid country_code
	BB=$ENH_BB expect_reject "$ADDR"',"country_code":"USA"' address_invalid country_code
	BB=$ENH_BB expect_reject "$ADDR"',"postal_code":94043' address_invalid postal_code
	BB=$ENH_BB expect_reject "$ADDR"',"city":["x"]' address_invalid city
	BB=$ENH_BB expect_reject "$ADDR"',"region":1' address_invalid region
	BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","google-ads-consent":{"ad_user_data":"DENIED"}' identifiers_denied google-ads-consent
	BB=$ENH_BB expect_reject "$ADDR"',"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"}' identifiers_denied google-ads-consent
	BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","user_agent":"'"$(chars 513)"'"' user_agent_invalid user_agent
	BB=$ENH_BB expect_reject '"hashed_email":"'$HE'","user_agent":{}' user_agent_invalid user_agent
	BB=$ENH_BB bt '"hashed_email":"'$HE'","user_agent":"'"$(chars 512)"'"'
	is "$status" 0 "512 bytes of user_agent go"
	checks_pass
}

@test "rejects: the fields of a call" {
	local v
	for v in '"18005550100"' '"+1 800 555 0100"' '"+0800555010"' '"+1234567"' '"+1234567890123456"' '{}'; do
		BB=$CALL_BB expect_reject '"caller_id":'"$v" caller_id_invalid caller_id
	done
	BB='"customer_id":"1234567890","conversion_action":"'$ACT'","caller_id":"'$CALLER'","conversion_date_time":"'"$TIME"'"' \
	    expect_reject '' call_start_date_time_missing call_start_date_time
	for v in '"2026-04-23 14:00:00"' '"2026-04-23T12:00:00Z"' 1776945600 null; do
		[[ $v == null ]] && continue
		BB=$CALL_BB expect_reject '"call_start_date_time":'"$v" call_start_date_time_invalid call_start_date_time
	done
	BB=$CALL_BB expect_reject '"call_start_date_time":null' call_start_date_time_missing call_start_date_time
	BB='"customer_id":"1234567890","conversion_action":"'$ACT'","caller_id":"'$CALLER'","call_start_date_time":"'"$CSTART"'"' \
	    expect_reject '' time_missing conversion_date_time
	BB=$CALL_BB expect_reject '"conversion_date_time":"2026-04-23"' time_invalid conversion_date_time
	BB='"customer_id":"1234567890","caller_id":"'$CALLER'","call_start_date_time":"'"$CSTART"'","conversion_date_time":"'"$TIME"'"' \
	    expect_reject '' conversion_action_missing conversion_action
	BB=$CALL_BB expect_reject '"conversion_value":"12"' value_invalid conversion_value
	BB=$CALL_BB expect_reject '"conversion_value":12' currency_missing currency_code
	BB=$CALL_BB expect_reject '"conversion_value":12,"currency_code":"eur"' currency_invalid currency_code
	BB=$CALL_BB expect_reject '"google-ads-consent":{"ad_personalization":"no"}' consent_invalid google-ads-consent.ad_personalization
	BB=$CALL_BB expect_reject '"email":"alexz@example.com"' clear_text_identifier email
	BB=$CALL_BB expect_reject '"login_customer_id":"1"' login_customer_id_invalid login_customer_id
	checks_pass
}

@test "duplicates: calls, enhancements, retractions and restatements, each by its own key" {
	{
		BB=$CALL_BB brec ''					# 1 goes
		BB=$CALL_BB brec '"conversion_date_time":"2026-04-23 15:00:00+02:00"'	# 2 same call
		BB=$CALL_BB brec '"call_start_date_time":"2026-04-23 14:00:01+02:00"'	# 3 other start
		BB=$CALL_BB brec '"caller_id":"+18005550101"'		# 4 other caller
		BB=$CALL_BB brec '"conversion_action":"'$ACT2'"'		# 5 other action
		BB=$ENH_BB brec '"hashed_email":"'$HE'"'		# 6 goes
		BB=$ENH_BB brec '"hashed_phone_number":"'$HP'","adjustment_date_time":"'"$ATIME"'"'	# 7 same order
		BB=$ENH_BB brec '"hashed_email":"'$HE'","conversion_action":"'$ACT2'"'	# 8 other action
		BB=$RET_BB brec '"order_id":"E-1"'			# 9 goes: not an enhancement
		BB=$RET_BB brec '"order_id":"E-1"'			# 10 same retraction
		BB=$RET_BB brec '"order_id":"E-1","adjustment_date_time":"2026-04-25 10:00:01+02:00"'	# 11 other time
		BB=$RST_BB brec '"order_id":"E-1","adjusted_value":1'	# 12 other type
		BB=$RST_BB brec '"order_id":"E-1","adjusted_value":2'	# 13 same restatement
		BB=$RET_BB brec '"gclid":"'$G1'","conversion_date_time":"'"$TIME"'"'	# 14 goes
		BB=$RET_BB brec '"gclid":"'$G1'","conversion_date_time":"'"$TIME"'"'	# 15 same
		BB=$RET_BB brec '"gclid":"'$G1'","conversion_date_time":"2026-04-23 14:31:10+02:00"'	# 16 other conversion
		brec '"gclid":"'$G1'","order_id":"E-1"'			# 17 a click: other keys
	} >in.ndjson
	run --separate-stderr ac-batch -R rej.ndjson -n 1 in.ndjson
	is "$status" 1
	printf '%s\n' "$output" >out
	is "$(jq -r '.rows[].line' out | sort -n | tr '\n' ' ')" "1 3 4 5 6 8 9 11 12 14 16 17 "
	is "$(jq -c '[.line, .code, .field]' rej.ndjson | tr '\n' ' ')" \
	    '[2,"duplicate_call","caller_id"] [7,"duplicate_enhancement","order_id"] [10,"duplicate_adjustment","order_id"] [13,"duplicate_adjustment","order_id"] [15,"duplicate_adjustment","gclid"] '
	is "$(grep -c 'duplicate_' <<<"$stderr")" 6 "five lines and the summary"
	if grep -q -e "$CALLER" -e E-1 <<<"$stderr"; then
		echo "a value on stderr" >&2
		return 1
	fi
}

@test "duplicates and memory: 150000 records of three kinds; in = rows + rejects, under 16 MiB" {
	command -v /usr/bin/time >/dev/null || skip "no /usr/bin/time"
	# Customers 0-99; blocks of ten records of one kind, the kinds in
	# turn; the last of each block repeats the fifth (same kind, same key),
	# the rest are unique.
	local n
	n=$(big 150000)
	jq -nc --argjson n "$n" --arg t "$TIME" --arg a "$ATIME" --arg s "$CSTART" --arg g "$G1" --arg he "$HE" '
	    range($n) | (if . % 10 == 9 then . - 5 else . end) as $k |
	    (1000000000 + $k % 100 | tostring) as $c |
	    (($k / 10 | floor) % 4) as $kind |
	    {customer_id: $c, conversion_action: "customers/\($c)/conversionActions/5",
	     conversion_date_time: $t} +
	    if $kind == 0 then {gclid: "\($g)\($k)", order_id: "O-\($k)"}
	    elif $kind == 1 then {caller_id: "+1800\(1000000 + $k)",
	        call_start_date_time: $s}
	    elif $kind == 2 then {adjustment_type: "ENHANCEMENT", order_id: "O-\($k)",
	        hashed_email: $he}
	    else {adjustment_type: "RETRACTION", order_id: "O-\($k)",
	        adjustment_date_time: $a} end' >in.ndjson
	/usr/bin/time -f '%M' -o rss ac-batch -q -R rej.ndjson in.ndjson >out 2>err || true
	is "$(nrows out)" $((n * 9 / 10)) "rows"
	is "$(nlines rej.ndjson)" $((n / 10)) "rejects"
	is "$(jq -r .code rej.ndjson | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" \
	    "duplicate_adjustment:$((n / 40)) duplicate_call:$((n / 40)) duplicate_enhancement:$((n / 40)) duplicate_order_id:$((n / 40)) "
	is "$(jq -s '[.[] | [.rows[].kind] | unique | length] | max' out)" 1 "one kind per request"
	# The memory bound, unless the build carries a sanitizer's shadow
	# memory (make SANITIZE=...).
	local kb
	kb=$(tail -n 1 rss)
	grep -aq __asan_init "$(command -v ac-batch)" && return 0
	[[ $kb -lt 16384 ]] || { echo "peak RSS $kb KiB" >&2; return 1; }
}

@test "personal data: a caller_id is never on stderr, in rows or in a message" {
	{
		BB=$CALL_BB brec ''
		BB=$CALL_BB brec ''
		BB=$CALL_BB brec '"caller_id":"+1 800 555 0100"'
		BB=$CALL_BB brec '"call_start_date_time":"bad"'
		BB=$ENH_BB brec '"hashed_email":"'$HE'","caller_id":"'$CALLER'"'
	} >in.ndjson
	local args
	for args in '' '-v' '-q' '-n 1 -v -R rej.ndjson'; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-batch $args in.ndjson
		is "$status" 1
		! grep -q -e '800' -e '555' <<<"$stderr" || { echo "caller on stderr with '$args'" >&2; return 1; }
		! jq -c '.rows' <<<"$output" | grep -q '555' || { echo "caller in rows" >&2; return 1; }
	done
	# Only the request of the call holds it, once.
	is "$(grep -o "$CALLER" <<<"$output" | wc -l | tr -d ' ')" 1
}

# The Data Manager API (--api datamanager, the default outside this file)

# dm_event FRAGMENT: the first event of the single request for {BB,FRAGMENT}.
dm_event() {
	bt "$1" --api datamanager
	jq -c '.request.events[0]' <<<"$output"
}

@test "datamanager: a click's address goes in userData; the Google Ads API takes none on a click" {
	local a='"hashed_first_name":"'$HF'","hashed_last_name":"'$HL'","country_code":"US","postal_code":"94043"'
	is "$(dm_event '"gclid":"'$G1'","hashed_email":"'$HE'",'"$a")" \
	    '{"destinationReferences":["987654321"],"eventTimestamp":"2026-04-23T14:31:09+02:00","adIdentifiers":{"gclid":"'$G1'"},"userData":{"userIdentifiers":[{"emailAddress":"'$HE'"},{"address":{"givenName":"'$HF'","familyName":"'$HL'","regionCode":"US","postalCode":"94043"}}]}}'
	# The address alone identifies a lead.
	is "$(dm_event "$a" | jq -c '.userData.userIdentifiers[0].address.postalCode')" '"94043"'
	# On the Google Ads API the same lead has nothing to send.
	bt "$a" --api googleads
	is "$status" 1 "googleads: rejected"
	[[ $stderr == *"(unattributable)"* ]] || { echo "stderr: $stderr" >&2; return 1; }
	# A partial address is not sent, and does not identify.
	is "$(dm_event '"gclid":"'$G1'","hashed_first_name":"'$HF'","country_code":"US"' | jq -c .userData)" null
	# An unusable one is left out with a warning; the click still goes.
	bt '"gclid":"'$G1'","hashed_first_name":"'$HF'","hashed_last_name":"x","country_code":"US","postal_code":"94043"' --api datamanager
	is "$status" 0 "the click is not rejected"
	is "$(jq -c '.request.events[0].userData' <<<"$output")" null
	[[ $stderr == *"hashed_last_name: address left out: "*"(hashed_invalid)"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
}

@test "datamanager: a click is an Event: reference, transactionId, RFC 3339 time, source, click ID, hashed identifiers, value, both consents" {
	is "$(dm_event '"order_id":"A-1","gclid":"'$G1'","conversion_value":49.9,"currency_code":"EUR","conversion_environment":"WEB","hashed_email":"'$HE'","hashed_phone_number":"'$HP'","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}')" \
	    '{"destinationReferences":["987654321"],"transactionId":"A-1","eventTimestamp":"2026-04-23T14:31:09+02:00","eventSource":"WEB","adIdentifiers":{"gclid":"'$G1'"},"userData":{"userIdentifiers":[{"emailAddress":"'$HE'"},{"phoneNumber":"'$HP'"}]},"conversionValue":49.9,"currency":"EUR","consent":{"adUserData":"CONSENT_GRANTED","adPersonalization":"CONSENT_DENIED"}}'
	# gbraid and wbraid under their own names; UNSPECIFIED consent and no
	# environment leave the members out
	is "$(dm_event '"gbraid":"'$GB'","conversion_environment":"APP"')" \
	    '{"destinationReferences":["987654321"],"eventTimestamp":"2026-04-23T14:31:09+02:00","eventSource":"APP","adIdentifiers":{"gbraid":"'$GB'"}}'
	is "$(dm_event '"wbraid":"'$WB'","google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"GRANTED"}')" \
	    '{"destinationReferences":["987654321"],"eventTimestamp":"2026-04-23T14:31:09+02:00","adIdentifiers":{"wbraid":"'$WB'"},"consent":{"adPersonalization":"CONSENT_GRANTED"}}'
}

@test "datamanager: the request: api, events:ingest, one destination per action (reference = its ID), loginAccount, encoding only with user data; no partialFailure, no jobId" {
	{
		BB='"customer_id":"1234567890","login_customer_id":"1112223333","conversion_date_time":"'"$TIME"'"'
		brec '"conversion_action":"'$ACT'","order_id":"D-1","gclid":"'$G1'"'
		brec '"conversion_action":"'$ACT2'","order_id":"D-2","gclid":"'$G2'"'
		brec '"conversion_action":"'$ACT'","order_id":"D-3","hashed_email":"'$HE'"'
	} >in.ndjson
	run --separate-stderr ac-batch --api datamanager --validate-only in.ndjson
	is "$status" 0
	is "${#lines[@]}" 1
	is "$(jq -c 'keys_unsorted' <<<"$output")" '["api","customer_id","login_customer_id","method","request","rows"]'
	is "$(jq -c '[.api, .method]' <<<"$output")" '["datamanager","events:ingest"]'
	is "$(jq -c '.request | keys_unsorted' <<<"$output")" '["destinations","encoding","validateOnly","events"]'
	is "$(jq -c '.request.destinations' <<<"$output")" \
	    '[{"reference":"987654321","loginAccount":{"accountType":"GOOGLE_ADS","accountId":"1112223333"},"operatingAccount":{"accountType":"GOOGLE_ADS","accountId":"1234567890"},"productDestinationId":"987654321"},{"reference":"111","loginAccount":{"accountType":"GOOGLE_ADS","accountId":"1112223333"},"operatingAccount":{"accountType":"GOOGLE_ADS","accountId":"1234567890"},"productDestinationId":"111"}]'
	is "$(jq -c '[.request.encoding, .request.validateOnly, [.request.events[].destinationReferences[0]]]' <<<"$output")" \
	    '["HEX",true,["987654321","111","987654321"]]'
	is "$(jq -c '[.rows[] | [.order_id, .kind, .conversion_action]]' <<<"$output")" \
	    '[["D-1","click","'$ACT'"],["D-2","click","'$ACT2'"],["D-3","click","'$ACT'"]]'
	# without user data, no encoding
	BB='"customer_id":"1234567890","conversion_action":"'$ACT'","conversion_date_time":"'"$TIME"'"'
	bt '"gclid":"'$G1'"' --api datamanager
	is "$(jq -c '.request | has("encoding")' <<<"$output")" false
	checks_pass
}

@test "datamanager: eleven conversion actions of one account: a request holds at most ten destinations; every event names one of its own" {
	local i
	for ((i = 1; i <= 11; i++)); do
		BB='"customer_id":"1234567890","conversion_action":"customers/1234567890/conversionActions/'$((500 + i))'","conversion_date_time":"'"$TIME"'"'
		brec '"order_id":"M-'$i'","gclid":"'$G1'"'
		brec '"order_id":"N-'$i'","gclid":"'$G2'"'
	done >in.ndjson
	run --separate-stderr ac-batch --api datamanager in.ndjson
	is "$status" 0
	is "$(jq -c '[.request.destinations | length]' <<<"$output" | paste -sd' ')" "[10] [1]"
	is "$(jq -s '[.[].rows | length] | add' <<<"$output")" 22
	is "$(jq -s 'all(.[]; (.request.destinations | map(.reference)) as $d |
	    all(.request.events[]; .destinationReferences[0] as $r | $d | index($r)))' <<<"$output")" true
	checks_pass
}

@test "datamanager: a call is a PHONE event keyed by the caller's SHA-256, never the number; its rows keep the call start" {
	local h
	h=$(printf '%s' "$CALLER" | sha256sum | cut -c1-64)
	bt '"caller_id":"'$CALLER'","call_start_date_time":"'"$CSTART"'","conversion_value":10,"currency_code":"USD"' --api datamanager
	is "$status" 0 || { echo "$stderr" >&2; return 1; }
	is "$(jq -c '.request.events[0]' <<<"$output")" \
	    '{"destinationReferences":["987654321"],"eventTimestamp":"2026-04-23T14:31:09+02:00","eventSource":"PHONE","userData":{"userIdentifiers":[{"phoneNumber":"'$h'"}]},"conversionValue":10,"currency":"USD"}'
	is "$(jq -c '.rows[0] | [.kind, .call_start_date_time]' <<<"$output")" "[\"call\",\"$CSTART\"]"
	is "$(jq -r .request.encoding <<<"$output")" HEX
	if grep -q "${CALLER#+}" <<<"$output$stderr"; then
		echo "the caller's number in the output" >&2
		return 1
	fi
}

@test "datamanager: RESTATEMENT and ENHANCEMENT by transactionId; what Data Manager cannot express is rejected, naming --api googleads" {
	BB='"customer_id":"1234567890","conversion_action":"'$ACT'"'
	is "$(dm_event '"adjustment_type":"RESTATEMENT","order_id":"R-1","conversion_date_time":"'"$TIME"'","adjustment_date_time":"'"$ATIME"'","adjusted_value":60,"currency_code":"USD","hashed_email":"'$HE'"')" \
	    '{"destinationReferences":["987654321"],"transactionId":"R-1","eventTimestamp":"2026-04-23T14:31:09+02:00","userData":{"userIdentifiers":[{"emailAddress":"'$HE'"}]},"conversionValue":60,"currency":"USD"}'
	# a gclid is the identifier an order-keyed restatement needs here;
	# with no conversion time the adjustment time stands in
	is "$(dm_event '"adjustment_type":"RESTATEMENT","order_id":"R-2","gclid":"'$G1'","adjustment_date_time":"'"$ATIME"'","adjusted_value":5')" \
	    '{"destinationReferences":["987654321"],"transactionId":"R-2","eventTimestamp":"2026-04-25T10:00:00+02:00","adIdentifiers":{"gclid":"'$G1'"},"conversionValue":5}'
	is "$(dm_event '"adjustment_type":"ENHANCEMENT","order_id":"E-1","conversion_date_time":"'"$TIME"'","hashed_phone_number":"'$HP'","user_agent":"Mozilla/5.0","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}')" \
	    '{"destinationReferences":["987654321"],"transactionId":"E-1","eventTimestamp":"2026-04-23T14:31:09+02:00","userData":{"userIdentifiers":[{"phoneNumber":"'$HP'"}]},"eventDeviceInfo":{"userAgent":"Mozilla/5.0"},"consent":{"adUserData":"CONSENT_GRANTED","adPersonalization":"CONSENT_GRANTED"}}'
	expect_reject '"adjustment_type":"RETRACTION","order_id":"R-3","adjustment_date_time":"'"$ATIME"'"' \
	    retraction_unsupported adjustment_type --api datamanager
	expect_reject '"adjustment_type":"RESTATEMENT","gclid":"'$G1'","conversion_date_time":"'"$TIME"'","adjustment_date_time":"'"$ATIME"'","adjusted_value":1' \
	    adjustment_needs_order_id order_id --api datamanager
	expect_reject '"adjustment_type":"RESTATEMENT","order_id":"R-4","conversion_date_time":"'"$TIME"'","adjustment_date_time":"'"$ATIME"'","adjusted_value":1' \
	    identifier_missing - --api datamanager
	expect_reject '"adjustment_type":"ENHANCEMENT","order_id":"E-2","hashed_email":"'$HE'"' \
	    time_missing conversion_date_time --api datamanager
	expect_reject '"adjustment_type":"RETRACTION","order_id":"R-3","adjustment_date_time":"'"$ATIME"'"' \
	    retraction_unsupported adjustment_type --api datamanager
	[[ $(jq -r .message rej.ndjson) == *"--api googleads"* ]] ||
	    { echo "message: $(jq -r .message rej.ndjson)" >&2; return 1; }
	# the same records on the Google Ads API
	bt '"adjustment_type":"RETRACTION","order_id":"R-3","adjustment_date_time":"'"$ATIME"'"' --api googleads
	is "$status" 0
	expect_reject '"adjustment_type":"RESTATEMENT","order_id":"R-2","gclid":"'$G1'","adjustment_date_time":"'"$ATIME"'","adjusted_value":5' \
	    adjustment_key_both - --api googleads
	checks_pass
}

@test "datamanager: --api and AC_API choose (the option wins); datamanager is the default; bad values and --job-id are usage errors" {
	bt '"gclid":"'$G1'"' --api googleads
	is "$(jq -r .api <<<"$output")" googleads
	AC_API=datamanager bt '"gclid":"'$G1'"'
	is "$(jq -r .api <<<"$output")" datamanager
	AC_API=datamanager bt '"gclid":"'$G1'"' --api googleads
	is "$(jq -r .api <<<"$output")" googleads
	(unset AC_API; brec '"gclid":"'$G1'"' | ac-batch -q) >out
	is "$(jq -r .api out)" datamanager "the default"
	bt '"gclid":"'$G1'"' --api bogus
	is "$status" 2
	[[ $stderr == *"--api: expected datamanager or googleads"* ]] || { echo "$stderr" >&2; return 1; }
	AC_API=bogus bt '"gclid":"'$G1'"'
	is "$status" 2
	bt '"gclid":"'$G1'"' --api datamanager --job-id 7
	is "$status" 2
	[[ $stderr == *"the Data Manager API has no job ID"* ]] || { echo "$stderr" >&2; return 1; }
	checks_pass
}

@test "datamanager: kinds.in gives exactly kinds-dm.out; 150000 records of three kinds stay under 16 MiB, in = rows + rejects" {
	OUT=kinds-dm.out golden kinds --api datamanager
	command -v /usr/bin/time >/dev/null || skip "no /usr/bin/time"
	local n
	n=$(big 150000)
	jq -nc --argjson n "$n" --arg t "$TIME" --arg s "$CSTART" --arg g "$G1" --arg he "$HE" '
	    range($n) | (1000000000 + . % 100 | tostring) as $c |
	    {customer_id: $c, conversion_action: "customers/\($c)/conversionActions/\(5 + . % 12)",
	     conversion_date_time: $t} +
	    if . % 3 == 0 then {gclid: "\($g)\(.)", order_id: "O-\(.)", hashed_email: $he}
	    elif . % 3 == 1 then {caller_id: "+1800\(1000000 + .)", call_start_date_time: $s}
	    else {adjustment_type: "ENHANCEMENT", order_id: "O-\(. - 2)", hashed_email: $he} end' >in.ndjson
	/usr/bin/time -f '%M' -o rss ac-batch --api datamanager -q -R rej.ndjson in.ndjson >out 2>err || true
	is "$(($(jq -s '[.[].rows | length] | add' out) + $(nlines rej.ndjson)))" "$n" "in = rows + rejects"
	is "$(jq -s '[.[] | .request.destinations | length] | max <= 10' out)" true
	is "$(jq -s '[.[] | .request.events | length] | max <= 2000' out)" true
	local kb
	kb=$(tail -n 1 rss)
	grep -aq __asan_init "$(command -v ac-batch)" && { checks_pass; return 0; }
	[[ $kb -lt 16384 ]] || { echo "peak RSS $kb KiB" >&2; return 1; }
	checks_pass
}

@test "many accounts: 200000 records, each in an account of its own: every row once, in bounded memory (issue 11)" {
	command -v /usr/bin/time >/dev/null || skip "no /usr/bin/time"
	local api kb n
	n=$(big 200000)
	jq -nc --argjson n "$n" --arg t "$TIME" --arg g "$G1" '
	    range($n) | (1000000000 + . | tostring) as $c |
	    {customer_id: $c, conversion_action: "customers/\($c)/conversionActions/5",
	     conversion_date_time: $t, gclid: "\($g)\(.)", order_id: "O-\(.)"}' >in.ndjson
	for api in googleads datamanager; do
		/usr/bin/time -f '%M' -o rss ac-batch --api "$api" -q in.ndjson >out 2>err ||
		    { cat err >&2; return 1; }
		is "$(jq -s '[.[].rows | length] | add' out)" "$n" "$api: rows"
		is "$(jq -r '.rows[].order_id' out | sort -u | wc -l)" "$n" "$api: each once"
		# the memory bound, unless the build carries a sanitizer's
		# shadow memory (make SANITIZE=...)
		grep -aq __asan_init "$(command -v ac-batch)" && continue
		kb=$(tail -n 1 rss)
		[[ $kb -lt 16384 ]] || { echo "$api: peak RSS $kb KiB" >&2; FAILS=$((FAILS + 1)); }
	done
	checks_pass
}

@test "after a write error the summary counts the rows of the requests written whole, not a torn last one" {
	local i whole rows
	for ((i = 0; i < 3000; i++)); do
		brec '"order_id":"W-'$i'","gclid":"'$G1$i'","hashed_email":"'$HE'"'
	done >in.ndjson
	run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 20 &&
	    exec ac-batch -n 3 in.ndjson >out'
	is "$status" 3
	is "$(stat -c %s out)" 20480 "the file is full"
	[[ $(tail -c 1 out | od -An -c) != *'\n'* ]] ||
	    { echo "the last line is not torn" >&2; return 1; }
	whole=$(wc -l <out)
	rows=$(head -n "$whole" out | jq -s '[.[].rows | length] | add')
	[[ $stderr == *"ac-batch: stdout: File too large"* ]] || { echo "$stderr" >&2; return 1; }
	[[ $stderr == *" in, $rows out, 0 rejected"*"; stopped early"* ]] ||
	    { echo "want $rows out: $stderr" >&2; return 1; }
	[[ $stderr == *"ac-batch: $whole requests, $rows rows"* ]] ||
	    { echo "want $whole requests: $stderr" >&2; return 1; }
	checks_pass
}

# hl N: N distinct hashes as a JSON array.
hl() {
	local i
	for ((i = 1; i <= $1; i++)); do printf 'e%d' "$i" | sha256sum | cut -c1-64; done |
	    jq -R . | jq -sc .
}

@test "arrays: hashed_email and hashed_phone_number arrays, each hash once (issue 13)" {
	bt '"gclid":"'$G1'","hashed_email":["'$HE'","'$HE'"],"hashed_phone_number":["'$HP'"]'
	is "$status" 0
	is "$(conv | jq -c '.userIdentifiers | map(keys[0])')" '["hashedEmail","hashedPhoneNumber"]'
	bt '"gclid":"'$G1'","hashed_email":'"$(hl 2)"',"hashed_phone_number":"'$HP'"'
	is "$(conv | jq -c '.userIdentifiers | map(keys[0])')" '["hashedEmail","hashedPhoneNumber","hashedEmail"]'
	printf '%s\n' "$output" >out
	check_requests out
	expect_reject '"gclid":"'$G1'","hashed_email":["'$HE'","zz"]' hashed_invalid hashed_email
	checks_pass
}

@test "arrays: 6 e-mails on the Google Ads API send 5, with a warning naming the field" {
	bt '"gclid":"'$G1'","hashed_email":'"$(hl 6)"
	is "$status" 0
	is "$(conv | jq '.userIdentifiers | length')" 5
	is "$(conv | jq '[.userIdentifiers[].hashedEmail] | unique | length')" 5
	[[ $stderr == *"in.ndjson:1: hashed_email: "*"(identifiers_over_limit)"* ]]
	[[ $stderr == *"1 warning (1 identifiers_over_limit)"* ]]
	[[ $stderr != *"$(hl 6 | jq -r '.[5]')"* ]]
	printf '%s\n' "$output" >out
	check_requests out
}

@test "arrays: 11 e-mails on Data Manager send 10" {
	bt '"gclid":"'$G1'","hashed_email":'"$(hl 11)" --api datamanager
	is "$status" 0
	is "$(jq '.request.events[0].userData.userIdentifiers | length' <<<"$output")" 10
	[[ $stderr == *"hashed_email: "*"(identifiers_over_limit)"* ]]
	bt '"gclid":"'$G1'","hashed_email":'"$(hl 10)" --api datamanager
	is "$(jq '.request.events[0].userData.userIdentifiers | length' <<<"$output")" 10
	[[ $stderr != *identifiers_over_limit* ]]
}

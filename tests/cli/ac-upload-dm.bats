#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-upload on Data Manager request lines (issue 10) against
# tests/mock/gads.py: every row accepted under the emulator's requestId,
# POST /v1/events:ingest with authorization and content-type only, the
# fast-fail refusals turned into per-row results (events named, a bad
# destination, nothing named: halves until isolated, the request itself),
# retries, an unknown outcome sent again and counted once, the journal
# (re-runs, kill -9), a token without the datamanager scope, a 403 about
# the setup, --validate-only, --dry-run, a file of both APIs, no secret or
# personal data on stderr, and the bodies sent parsed strictly against
# Google's protos. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C prove -e bats tests/cli/ac-upload-dm.bats

load helper

# Test credentials: distinctive, so that finding one in a file is a leak.
TOKEN=ac-test-access-token-dm-Hx41Wq
DEVTOKEN=ac-test-developer-token-dm-Rk27
ADWORDS_ONLY=ac-test-access-token-adwords-only-Jm63
ADWORDS_SCOPE=https://www.googleapis.com/auth/adwords
DM_SCOPE=https://www.googleapis.com/auth/datamanager
CID=1234567890
DMPATH=/v1/events:ingest
CALLER=+16502531234
# The conversion actions that exist in the emulator; 999 does not.
ACTIONS=4242,4243,4343
# Headers every HTTP client sends, whatever the API: not ours to check.
TRANSPORT='["host","user-agent","accept","accept-encoding","content-length"]'

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu
	emu_start "$EMU_DIR" --state-dir "$EMU_DIR/state" \
	    --access-token "$TOKEN" --actions "$ACTIONS" || return 1
	EMU=$(emu_url "$EMU_DIR")
	export EMU
	# The protos, compiled once; 77: protoc or python3-protobuf missing.
	local st=0
	export PROTO_DS=$BATS_FILE_TMPDIR/requests.pb PROTO_SKIP=
	"$AC_ROOT/tests/proto/strict.py" --compile "$PROTO_DS" \
	    2>"$BATS_FILE_TMPDIR/compile.err" || st=$?
	case $st in
	0) ;;
	77) PROTO_SKIP=$(cat "$BATS_FILE_TMPDIR/compile.err") ;;
	*) PROTO_SKIP="strict.py --compile failed: $(cat "$BATS_FILE_TMPDIR/compile.err")" ;;
	esac
}

teardown_file() {
	emu_stop "$EMU_DIR"
}

admin() {
	emu_admin "$@"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	unset AC_ACCESS_TOKEN_FILE AC_API_VERSION AC_DEVELOPER_TOKEN AC_API
	export AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$EMU AC_RETRY_BASE_MS=50
	admin POST reset >/dev/null
	# The emulator's "now" is the tests' AC_NOW (2026-09-21 14:13:20Z), so
	# that the events of 2026-09-20 are recent (no EVENT_TOO_OLD).
	admin POST clock "{\"offset\": $((AC_NOW - $(date +%s)))}" >/dev/null
}

# Every test: no access or developer token in any file it made (but the
# token files), in its streams, or in the emulator's log.
teardown() {
	local f leak=
	for f in "$BATS_TEST_TMPDIR"/* "$EMU_DIR/log.ndjson"; do
		[[ -f $f && ${f##*/} != token* ]] || continue
		if grep -qaF -e "$TOKEN" -e "$DEVTOKEN" -e "$ADWORDS_ONLY" "$f"; then
			leak+=" $f"
		fi
	done
	local s
	for s in "${output:-}" "${stderr:-}"; do
		[[ $s == *"$TOKEN"* || $s == *"$DEVTOKEN"* ||
		    $s == *"$ADWORDS_ONLY"* ]] && leak+=' a stream'
	done
	if [[ -n $leak ]]; then
		echo "a token was written to:$leak" >&2
		return 1
	fi
	if [[ ${FAILS:-0} -ne 0 && -z ${CHECKS_REPORTED:-} ]]; then
		echo "$FAILS check(s) failed (see above)" >&2
		return 1
	fi
}

faults() {
	admin POST faults "$1" >/dev/null
}

# requests: the emulator's request log since the reset, one line each.
requests() {
	admin GET requests | jq -c '.requests[]'
}

nrequests() {
	admin GET requests | jq '.requests | length'
}

# ledger_ids: transaction IDs of the emulator's ledger lines, sorted.
ledger_ids() {
	admin GET ledger | jq -r '.conversions[] | .transaction_id // .order_id' |
	    sort
}

# conv_ids: transaction IDs of the Data Manager conversions, sorted.
conv_ids() {
	admin GET conversions | jq -r '.conversions[] | .transaction_id' | sort
}

# input_ids FILE...: transaction IDs of the events of request lines.
input_ids() {
	jq -r '.request.events[] | .transactionId' "$@" | sort
}

# gen N PREFIX [ACTION_ID]: N click records as ac-pick-clickid writes them,
# order_ids PREFIX-1 ... PREFIX-N, in recs.in (appended to with +).
gen() {
	local n=$1 p=$2 a=${3:-4242} i
	for ((i = 1; i <= n; i++)); do
		printf '{"order_id":"%s-%d","customer_id":"%s","conversion_action":"customers/%s/conversionActions/%s","conversion_date_time":"2026-09-20 10:%02d:%02d+02:00","gclid":"Cj0KCQjwDmGen%s%05d","click_id_type":"gclid","conversion_value":%d.5,"currency_code":"EUR","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}}\n' \
		    "$p" "$i" "$CID" "$CID" "$a" $((i / 60 % 60)) $((i % 60)) "$p" "$i" "$i"
	done
}

# reqs N SIZE PREFIX [ACTION_ID]: N generated records in Data Manager
# request lines of SIZE events (ac-batch's default API), in req.ndjson.
reqs() {
	gen "$1" "$3" "${4:-4242}" >recs.in
	ac-batch -q -n "$2" recs.in >req.ndjson
}

up() {
	run --separate-stderr ac-upload "$@"
}

field() {
	jq -c --arg k "$1" '.[$k]' <<<"$output"
}

nstatus() {
	jq -s --arg s "$1" 'map(select(.status == $s)) | length' <<<"$output"
}

wait_until() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

at_least_requests() {
	[[ $(nrequests) -ge $1 ]]
}

at_least_lines() {
	[[ -f $1 && $(wc -l <"$1") -ge $2 ]]
}

at_least_sent() {
	[[ -f j && $(grep -c '"state":"sent"' j) -ge $1 ]]
}

# expect_retried FAULT CODE [OPTION...]: the fault (a JSON object) on the
# first attempt is retried and the rows then accepted: exit 0, two
# requests to /v1/events:ingest, attempts 2, the retry on stderr naming
# POST /v1/events:ingest and CODE (a regular expression), each conversion
# once in the emulator.
expect_retried() {
	local fault=$1 code=$2
	shift 2
	reqs 2 2 R
	faults "[$fault]"
	up "$@" req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(field status | sort -u)" '"accepted"' "statuses" || return 1
	is "$(field attempts | sort -u)" 2 "attempts" || return 1
	is "$(requests | jq -r .path | sort -u)" "$DMPATH" "paths" || return 1
	if ! grep -Eq "^ac-upload: POST $DMPATH: (HTTP [0-9]+|no answer) $code, retrying in [0-9.]+s \(5 retries left\)\$" \
	    <<<"$stderr"; then
		echo "no retry message with $code: $stderr" >&2
		return 1
	fi
	is "${stderr_lines[-1]}" "ac-upload: 1 request, 2 rows: 2 accepted, 0 validated, 0 rejected, 0 failed, 0 skipped; 1 retry" \
	    "summary" || return 1
	# the requestId of the answer that came is every row's (not that of
	# a slow attempt given up, which the emulator may log later)
	is "$(field request_id | sort -u)" \
	    "$(requests | jq -c 'select(.status == 200 and .fault == null) | .request_id' | tail -1)" \
	    "request_id" || return 1
	# an attempt that ran late must not count the rows twice
	wait_until 5 at_least_requests 2 || return 1
	is "$(conv_ids | paste -sd' ')" "R-1 R-2" "conversions" || return 1
}

# Accepted

@test "click request: every row accepted under the emulator's requestId; kind, order_id, action, file and line from rows; exit 0" {
	{ gen 2 A 4242; gen 1 B 4243; } >recs.in
	ac-batch -q recs.in >req.ndjson
	is "$(jq -c '[.api, .method, [.request.destinations[].reference]]' req.ndjson)" \
	    '["datamanager","events:ingest",["4242","4243"]]' "the request line"
	up req.ndjson
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	is "$(jq -c '[.order_id, .customer_id, .conversion_action, .conversion_date_time, .click_id_type, .kind, .status, .file, .line, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["A-1","1234567890","customers/1234567890/conversionActions/4242","2026-09-20 10:00:01+02:00","gclid","click","accepted","recs.in",1,1] ["A-2","1234567890","customers/1234567890/conversionActions/4242","2026-09-20 10:00:02+02:00","gclid","click","accepted","recs.in",2,1] ["B-1","1234567890","customers/1234567890/conversionActions/4243","2026-09-20 10:00:01+02:00","gclid","click","accepted","recs.in",3,1]'
	is "$(head -1 <<<"$output" | jq -c '.["google-ads-consent"]')" \
	    '{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}' "consent"
	# the request ID is the one of the emulator's 200 {"requestId"}
	requests >log
	is "$(jq -c '[.method, .path, .status]' log)" "[\"POST\",\"$DMPATH\",200]"
	is "$(field request_id | sort -u)" "$(jq -c .request_id log)" "request_id"
	[[ -n $(jq -r .request_id log) ]]
	# no hashed identifier, click ID or personal data in a result
	is "$(jq -c 'select(has("gclid") or has("hashed_email") or has("adIdentifiers"))' <<<"$output")" ""
	is "$(grep -c Cj0KCQjw <<<"$output")" 0 "click IDs in results"
	is "$stderr" "ac-upload: 1 request, 3 rows: 3 accepted, 0 validated, 0 rejected, 0 failed, 0 skipped; 0 retries"
	# the emulator holds each event once, as sent
	is "$(admin GET ledger | jq -c '.conversions[] | [.kind, .api, .customer, .action_id, .transaction_id, .click_id_type, .value, .currency, .consent.adUserData, .effect, .request_id]' | paste -sd' ')" \
	    "$(jq -c --arg r "$(jq -r .request_id log)" '.request.events[] | ["event", "datamanager", "1234567890", .destinationReferences[0], .transactionId, "gclid", .conversionValue, .currency, "CONSENT_GRANTED", "created", $r]' req.ndjson | paste -sd' ')" \
	    "ledger"
	is "$(conv_ids | paste -sd' ')" "A-1 A-2 B-1" "conversions"
	checks_pass
}

@test "headers: authorization and content-type only: no developer-token (AC_DEVELOPER_TOKEN, --developer-token-file), no login-customer-id; the login goes in destinations[].loginAccount" {
	gen 2 H >recs.in
	# a login customer on the records: the request line carries it
	jq -c '. + {login_customer_id: "1112223333"}' recs.in >login.in
	ac-batch -q login.in >req.ndjson
	is "$(jq -r .login_customer_id req.ndjson)" 1112223333
	printf '%s\n' "$DEVTOKEN" >token-dev
	chmod 600 token-dev
	up --developer-token-file token-dev req.ndjson
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	AC_DEVELOPER_TOKEN=$DEVTOKEN up req.ndjson
	[[ $status -eq 0 ]] || { echo "$stderr" >&2; return 1; }
	requests >log
	is "$(wc -l <log)" 2 "requests"
	is "$(jq -c --argjson t "$TRANSPORT" '.headers | keys - $t' log | sort -u)" \
	    '["authorization","content-type"]' "headers beyond the transport's"
	is "$(jq -r '.headers.authorization' log | sort -u)" "Bearer <redacted>"
	is "$(jq -r '.headers["content-type"]' log | sort -u)" application/json
	is "$(jq -r '.path' log | sort -u)" "$DMPATH"
	is "$(jq -c '.body.destinations | map(.loginAccount)' log | sort -u)" \
	    '[{"accountType":"GOOGLE_ADS","accountId":"1112223333"}]' \
	    "loginAccount"
	is "$(jq -c '.body.destinations | map(.operatingAccount)' log | sort -u)" \
	    '[{"accountType":"GOOGLE_ADS","accountId":"1234567890"}]' \
	    "operatingAccount"
	# both runs accepted, the second a duplicate in the emulator
	is "$(admin GET ledger | jq -r '.conversions[] | .effect' | paste -sd' ')" \
	    "created created unchanged unchanged"
	is "$(conv_ids | paste -sd' ')" "H-1 H-2"
	checks_pass
}

# Fast-fail refusals turned into per-row results

@test "one bad row in a full batch of 2000, named (bad_event): only that row rejected with datamanager.INVALID_FORMAT and the description; 1999 accepted; 2 requests" {
	reqs 2000 2000 F
	[[ $(wc -l <req.ndjson) -eq 1 ]]
	faults '[{"kind":"bad_event","transaction_ids":["F-777"],"reason":"INVALID_FORMAT","description":"The transaction ID is not valid."}]'
	up req.ndjson
	[[ $status -eq 1 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "${#lines[@]}" 2000 "results"
	is "$(jq -c 'select(.status != "accepted") | [.order_id, .status, .error.code, .error.message, .line]' <<<"$output")" \
	    '["F-777","rejected","datamanager.INVALID_FORMAT","The transaction ID is not valid.",777]'
	is "$(nstatus accepted)" 1999
	requests >log
	is "$(jq -c '[.status, (.body.events | length)]' log | paste -sd' ')" \
	    "[400,2000] [200,1999]" "requests"
	# the rejected row carries the refusal's request ID, the others the 200's
	is "$(jq -r 'select(.status == "rejected") | .request_id' <<<"$output")" \
	    "$(sed -n 1p log | jq -r .request_id)"
	is "$(jq -r 'select(.status == "accepted") | .request_id' <<<"$output" | sort -u)" \
	    "$(sed -n 2p log | jq -r .request_id)"
	grep -qxE 'ac-upload: req.ndjson:1: events\[776\] \(record [^)]*:[0-9]+\): rejected \(datamanager.INVALID_FORMAT\)' <<<"$stderr"
	is "$(conv_ids | grep -c .)" 1999 "conversions"
	if conv_ids | grep -qx F-777; then
		echo "the refused row is in the emulator" >&2
		return 1
	fi
	checks_pass
}

@test "one bad row in 2000, unnamed (name_events false): only that row rejected, 1999 accepted, at most 25 requests" {
	reqs 2000 2000 N
	faults '[{"kind":"bad_event","transaction_ids":["N-1234"],"name_events":false}]'
	up req.ndjson
	[[ $status -eq 1 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "${#lines[@]}" 2000 "results"
	is "$(jq -c 'select(.status != "accepted") | [.order_id, .status, .error.code, .line]' <<<"$output")" \
	    '["N-1234","rejected","datamanager.INVALID_FORMAT",1234]'
	is "$(nstatus accepted)" 1999
	local n
	n=$(nrequests)
	# halves until isolated: 1 + 2 per level, log2(2000) < 11 levels
	[[ $n -le 25 && $n -gt 2 ]] || { echo "$n requests" >&2; return 1; }
	# never two accepted requests holding the same event
	is "$(requests | jq -r 'select(.status == 200) | .body.events[].transactionId' | sort | uniq -d)" "" \
	    "events accepted twice"
	is "$(conv_ids | grep -c .)" 1999 "conversions"
	grep -q "refused requests\? split to find the bad rows" <<<"$stderr"
	checks_pass
}

@test "one bad row unnamed with -j 4: the halves go at once; exactly that row rejected, the rest accepted once" {
	reqs 400 400 J4
	faults '[{"kind":"bad_event","transaction_ids":["J4-201"],"name_events":false}]'
	up -j 4 req.ndjson
	[[ $status -eq 1 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "${#lines[@]}" 400 "results"
	is "$(jq -c 'select(.status != "accepted") | [.order_id, .status]' <<<"$output")" \
	    '["J4-201","rejected"]'
	is "$(jq -r 'select(.status == "accepted") | .order_id' <<<"$output" | sort | uniq -d)" "" \
	    "a row twice in the results"
	is "$(conv_ids | grep -c .)" 399 "conversions"
	is "$(admin GET ledger | jq -r '.conversions[].effect' | sort -u)" created
	checks_pass
}

@test "two bad rows in 2000, unnamed: exactly those two rejected, 1998 accepted, a bounded number of requests" {
	reqs 2000 2000 T
	faults '[{"kind":"bad_event","transaction_ids":["T-3","T-1999"],"name_events":false}]'
	up req.ndjson
	[[ $status -eq 1 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -r 'select(.status != "accepted") | [.order_id, .status, .error.code] | join(" ")' <<<"$output" | sort | paste -sd,)" \
	    "T-1999 rejected datamanager.INVALID_FORMAT,T-3 rejected datamanager.INVALID_FORMAT"
	is "$(nstatus accepted)" 1998
	local n
	n=$(nrequests)
	[[ $n -le 46 ]] || { echo "$n requests" >&2; return 1; }
	is "$(conv_ids | grep -c .)" 1998 "conversions"
	checks_pass
}

@test "field violations in camelCase, without their own reason: the event named rejected with the ErrorInfo's reason, the others sent again" {
	reqs 3 3 V
	faults '[{"kind":"error","endpoint":"datamanager","http":400,"reason":"INVALID_FORMAT","field_violations":[{"field":"events[1].adIdentifiers.gclid","description":"The gclid is not valid."}]}]'
	up req.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.order_id, .status, .error.code, .error.message]' <<<"$output" | sort | paste -sd' ')" \
	    '["V-1","accepted",null,null] ["V-2","rejected","datamanager.INVALID_FORMAT","The gclid is not valid."] ["V-3","accepted",null,null]'
	is "$(requests | jq -c '[.status, [.body.events[].transactionId]]' | paste -sd' ')" \
	    '[400,["V-1","V-2","V-3"]] [200,["V-1","V-3"]]'
}

@test "a destination violation: only the events of the unknown action rejected (INVALID_CONVERSION_ACTION_ID); the rest accepted in a request without that destination" {
	{ gen 3 A 4242; gen 2 X 999; gen 3 C 4243; } >recs.in
	ac-batch -q recs.in >req.ndjson
	is "$(jq -c '[.request.destinations[].reference]' req.ndjson)" \
	    '["4242","999","4243"]' "one request, three destinations"
	up req.ndjson
	[[ $status -eq 1 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -r '[.order_id, .status, .error.code // "-"] | join(" ")' <<<"$output" | sort | paste -sd,)" \
	    "A-1 accepted -,A-2 accepted -,A-3 accepted -,C-1 accepted -,C-2 accepted -,C-3 accepted -,X-1 rejected datamanager.INVALID_CONVERSION_ACTION_ID,X-2 rejected datamanager.INVALID_CONVERSION_ACTION_ID"
	requests >log
	is "$(jq -c '[.status, [.body.destinations[].reference], [.body.events[].transactionId]]' log | paste -sd' ')" \
	    '[400,["4242","999","4243"],["A-1","A-2","A-3","X-1","X-2","C-1","C-2","C-3"]] [200,["4242","4243"],["A-1","A-2","A-3","C-1","C-2","C-3"]]'
	is "$(conv_ids | paste -sd' ')" "A-1 A-2 A-3 C-1 C-2 C-3"
	is "$(admin GET conversions | jq -r '.conversions[].action_id' | sort -u | paste -sd' ')" "4242 4243"
	checks_pass
}

@test "a request-level violation (userData without encoding): every row rejected at once, no splitting" {
	local h
	h=$(printf '%s' 'jane@example.com' | sha256sum | cut -c1-64)
	gen 4 E | jq -c --arg h "$h" 'del(.gclid) | .click_id_type = "none" | .hashed_email = $h' >recs.in
	ac-batch -q recs.in | jq -c 'del(.request.encoding)' >req.ndjson
	is "$(jq -c '[.request | has("encoding"), (.events | length)]' req.ndjson)" "[false,4]"
	up req.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.status, .error.code]' <<<"$output" | sort | uniq -c | awk '{print $1, $2}')" \
	    '4 ["rejected","datamanager.REQUIRED_FIELD_MISSING"]'
	is "$(nrequests)" 1 "requests"
	is "$(conv_ids)" "" "conversions"
	if grep -q "split" <<<"$stderr"; then
		echo "the request was split: $stderr" >&2
		return 1
	fi
	if grep -qF "$h" <<<"$stderr$output"; then
		echo "the hash in a stream" >&2
		return 1
	fi
	checks_pass
}

# Retries

@test "retry: 429 rate_limit with Retry-After 1: waited for, then accepted" {
	expect_retried '{"kind":"rate_limit","retry_delay":1}' \
	    'datamanager\.RESOURCE_EXHAUSTED'
	grep -Eq "retrying in 1s" <<<"$stderr"
	local a b
	read -r a b < <(requests | jq -r '.time' | python3 -c '
import sys, datetime
t = [datetime.datetime.fromisoformat(l.strip()) for l in sys.stdin]
print(t[0].timestamp(), t[1].timestamp())')
	python3 -c "import sys; sys.exit(0 if $b - $a >= 0.9 else 1)" ||
	    { echo "retried after $(python3 -c "print($b - $a)") s" >&2; false; }
}

# Data Manager's 429 carries its delay in a google.rpc.RetryInfo detail
# (retryDelay), which Google's clients wait for; without a Retry-After
# header too (ac-upload retried at once before 54535cd).
@test "retry: 429 with RetryInfo retryDelay 1s and no Retry-After: waited for" {
	expect_retried '{"kind":"rate_limit","retry_delay":1,"retry_after":false}' \
	    'datamanager\.RESOURCE_EXHAUSTED'
	local a b
	read -r a b < <(requests | jq -r '.time' | python3 -c '
import sys, datetime
t = [datetime.datetime.fromisoformat(l.strip()) for l in sys.stdin]
print(t[0].timestamp(), t[1].timestamp())')
	python3 -c "import sys; sys.exit(0 if $b - $a >= 0.9 else 1)" ||
	    { echo "retried after $(python3 -c "print($b - $a)") s, not the 1 s of RetryInfo" >&2; false; }
}

@test "retry: 503 unavailable, then accepted" {
	expect_retried '{"kind":"unavailable"}' 'rpc\.UNAVAILABLE'
	grep -q "HTTP 503" <<<"$stderr"
}

@test "retry: 500 internal, then accepted" {
	expect_retried '{"kind":"internal"}' 'datamanager\.INTERNAL_ERROR'
	grep -q "HTTP 500" <<<"$stderr"
}

@test "retry: 504 deadline_exceeded, then accepted" {
	expect_retried '{"kind":"deadline_exceeded"}' 'datamanager\.DEADLINE_EXCEEDED'
}

@test "retry: connection reset without an answer, then accepted" {
	expect_retried '{"kind":"reset"}' 'curl\.[0-9]+'
	grep -q "no answer" <<<"$stderr"
}

@test "retry: a slow answer past --timeout 1 (curl.28), then accepted; the late first attempt counted once" {
	expect_retried '{"kind":"slow","seconds":1.6}' 'curl\.28' --timeout 1
	# the first attempt was executed after it was given up: a duplicate
	is "$(admin GET ledger | jq -r '.conversions[] | .effect' | sort | uniq -c | awk '{print $1, $2}' | paste -sd,)" \
	    "2 created,2 unchanged"
}

@test "retries used up: exit 75, every row failed, dead-lettered; the stop names the code; the dead letters replay" {
	reqs 4 2 U
	faults '[{"kind":"unavailable","count":3}]'
	up --retries 2 --dead-letter dl req.ndjson
	[[ $status -eq 75 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(nrequests)" 3 "attempts"
	is "$(jq -c '[.order_id, .status, .error.code, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["U-1","failed","rpc.UNAVAILABLE",3] ["U-2","failed","rpc.UNAVAILABLE",3] ["U-3","failed","ac.not_sent",0] ["U-4","failed","ac.not_sent",0]'
	grep -q "^ac-upload: stopping: rpc.UNAVAILABLE: no retries left" <<<"$stderr"
	is "$(grep -c "^ac-upload: POST $DMPATH: HTTP 503 rpc.UNAVAILABLE, retrying" <<<"$stderr")" 2
	is "$(jq -c '[.api, .method, [.request.events[].transactionId]]' dl | paste -sd' ')" \
	    '["datamanager","events:ingest",["U-1","U-2"]] ["datamanager","events:ingest",["U-3","U-4"]]'
	is "$(conv_ids)" "" "conversions"
	up dl
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"accepted"'
	is "$(conv_ids | paste -sd' ')" "U-1 U-2 U-3 U-4"
	checks_pass
}

# Unknown outcome

@test "executed_then_dropped: sent again, accepted, resent true; the emulator counts each conversion once" {
	reqs 2 2 Z
	faults '[{"kind":"executed_then_dropped"}]'
	up --journal j req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -c '[.order_id, .status, .resent, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["Z-1","accepted",true,2] ["Z-2","accepted",true,2]'
	is "$(requests | jq -c '[.fault, .status]' | paste -sd' ')" \
	    '["executed_then_dropped",null] [null,200]'
	is "$(field request_id | sort -u)" "$(requests | jq -c 'select(.status == 200) | .request_id')"
	# the second sending changed nothing
	is "$(admin GET ledger | jq -c '.conversions[] | [.transaction_id, .effect, .processing_error]' | paste -sd' ')" \
	    '["Z-1","created",null] ["Z-2","created",null] ["Z-1","unchanged","DUPLICATE_TRANSACTION_ID"] ["Z-2","unchanged","DUPLICATE_TRANSACTION_ID"]'
	is "$(conv_ids | paste -sd' ')" "Z-1 Z-2"
	# the journal knows them delivered
	up --journal j req.ndjson
	is "$(field status | sort -u)" '"skipped"'
	is "$(nrequests)" 2
	checks_pass
}

@test "a first attempt answered: no row says resent" {
	reqs 3 3 NR
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(field resent | sort -u)" null
}

# Journal

@test "journal: a re-run sends nothing and skips every row; mode 0600" {
	reqs 6 2 J
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(nstatus accepted)" 6
	is "$(stat -c %a j)" 600
	is "$(jq -r .state j | sort | uniq -c | awk '{print $1, $2}' | paste -sd,)" "6 done,6 sent"
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.order_id, .status, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["J-1","skipped",0] ["J-2","skipped",0] ["J-3","skipped",0] ["J-4","skipped",0] ["J-5","skipped",0] ["J-6","skipped",0]'
	is "$(nrequests)" 3 "requests (the first run's only)"
	is "$stderr" "ac-upload: 0 requests, 6 rows: 0 uploaded, 0 validated, 0 rejected, 0 failed, 6 skipped; 0 retries"
	# rows rejected are not "done": they go again, alone
	faults '[{"kind":"bad_event","transaction_ids":["K-2"],"count":1}]'
	reqs 3 3 K
	up --journal j req.ndjson
	[[ $status -eq 1 ]]
	up --journal j req.ndjson
	is "$(jq -r '[.order_id, .status] | join(" ")' <<<"$output" | sort | paste -sd,)" \
	    "K-1 skipped,K-2 accepted,K-3 skipped"
	is "$(requests | jq -c '[.body.events[].transactionId]' | tail -1)" '["K-2"]'
	checks_pass
}

@test "journal: kill -9 in the middle of a multi-request run, then a re-run: every row accepted once or skipped, none lost, each conversion once" {
	reqs 20 2 KL
	[[ $(wc -l <req.ndjson) -eq 10 ]]
	faults '[{"kind":"slow","endpoint":"datamanager","seconds":0.3,"count":10}]'
	ac-upload --journal j req.ndjson >out1 2>err1 3>&- &
	local pid=$!
	# the first request answered and written, the second journaled as
	# sent and on its way: kill
	wait_until 10 at_least_lines out1 2
	wait_until 10 at_least_sent 4
	sleep 0.1
	kill -9 "$pid"
	wait "$pid" || true
	cp j j.kill
	admin DELETE faults >/dev/null
	local before
	before=$(wc -l <out1)
	[[ $before -ge 2 && $before -lt 20 ]] || { echo "$before results before the kill" >&2; return 1; }
	is "$(jq -r .status out1 | sort -u)" accepted "before the kill"
	# the emulator executes the request in flight after the kill
	wait_until 5 at_least_requests 2
	sleep 0.4
	up --journal j req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	# conservation: rows in = accepted + skipped of the re-run
	is "${#lines[@]}" 20 "results of the re-run"
	is "$(($(nstatus accepted) + $(nstatus skipped)))" 20 "accepted + skipped"
	is "$(jq -r 'select(.status == "skipped") | .order_id' <<<"$output" | sort)" \
	    "$(jq -r .order_id out1 | sort)" "skipped = accepted before the kill"
	# the rows of the request in flight at the kill went again: resent
	is "$(jq -r 'select(.resent) | .order_id' <<<"$output" | sort | paste -sd' ')" \
	    "$(jq -rs 'group_by(.key)[] | select(length == 1 and .[0].state == "sent") | .[0].key' j.kill | sed 's/.*|//' | sort | paste -sd' ')" \
	    "resent: the rows sent, not done, at the kill"
	is "$(jq -s 'map(select(.resent)) | length' <<<"$output")" 2 "resent"
	# none lost, none twice
	is "$(jq -r 'select(.status == "accepted" or .status == "skipped") | .order_id' <<<"$output" | sort)" \
	    "$(input_ids req.ndjson)" "every row"
	is "$(conv_ids)" "$(input_ids req.ndjson)" "each conversion once"
	is "$(admin GET ledger | jq -r '.conversions[] | select(.effect == "created") | .transaction_id' | sort)" \
	    "$(input_ids req.ndjson)" "created once each"
	checks_pass
}

# Credentials and setup

@test "scope: a token with adwords only: exit 3, one stopping line naming the datamanager scope and ac-token login; rows failed, not rejected, dead-lettered; replayed with a good token: accepted" {
	admin POST tokens "{\"add\":[{\"token\":\"$ADWORDS_ONLY\",\"scopes\":[\"$ADWORDS_SCOPE\"]}]}" >/dev/null
	reqs 4 2 SC
	AC_ACCESS_TOKEN=$ADWORDS_ONLY up --dead-letter dl req.ndjson
	[[ $status -eq 3 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -c '[.order_id, .status, .error.code]' <<<"$output" | paste -sd' ')" \
	    '["SC-1","failed","rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT"] ["SC-2","failed","rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT"] ["SC-3","failed","ac.not_sent"] ["SC-4","failed","ac.not_sent"]'
	is "$(nstatus rejected)" 0 "rejected"
	is "$(grep -c 'stopping:' <<<"$stderr")" 1 "stopping lines"
	local stop
	stop=$(grep 'stopping:' <<<"$stderr")
	[[ $stop == *"$DM_SCOPE"* && $stop == *"ac-token login"* && $stop == *"$DMPATH"* ]] ||
	    { echo "stopping line: $stop" >&2; return 1; }
	is "$(nrequests)" 1 "no retry of a 403"
	is "$(requests | jq -r .status)" 403
	is "$(jq -s '[.[].request.events[]] | length' dl)" 4 "dead letters"
	is "$(conv_ids)" "" "conversions"
	up --dead-letter dl2 dl
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(field status | sort -u)" '"accepted"'
	is "$(conv_ids | paste -sd' ')" "SC-1 SC-2 SC-3 SC-4"
	[[ ! -s dl2 ]]
	checks_pass
}

@test "setup: 403 PERMISSION_DENIED from Data Manager: exit 3, rows failed, not rejected, dead-lettered, what to do on stderr" {
	reqs 4 2 PD
	faults '[{"kind":"error","endpoint":"datamanager","http":403,"status":"PERMISSION_DENIED","reason":"PERMISSION_DENIED","message":"The caller does not have permission"}]'
	up --dead-letter dl req.ndjson
	[[ $status -eq 3 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -c '[.order_id, .status, .error.code]' <<<"$output" | paste -sd' ')" \
	    '["PD-1","failed","datamanager.PERMISSION_DENIED"] ["PD-2","failed","datamanager.PERMISSION_DENIED"] ["PD-3","failed","ac.not_sent"] ["PD-4","failed","ac.not_sent"]'
	is "$(nstatus rejected)" 0
	is "$(grep -c 'stopping:' <<<"$stderr")" 1
	grep -q "stopping: POST $DMPATH: HTTP 403 datamanager.PERMISSION_DENIED" <<<"$stderr"
	is "$(nrequests)" 1
	is "$(jq -s '[.[].request.events[]] | length' dl)" 4
	up dl
	[[ $status -eq 0 ]]
	is "$(conv_ids | paste -sd' ')" "PD-1 PD-2 PD-3 PD-4"
	checks_pass
}

# --validate-only, --dry-run

@test "--validate-only: rows validated, validateOnly true sent, nothing in the emulator, journal not written" {
	reqs 3 3 VO
	up --validate-only --journal j req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(field status | sort -u)" '"validated"'
	is "$(requests | jq -c '[.path, .status, .body.validateOnly]')" "[\"$DMPATH\",200,true]"
	is "$(admin GET ledger | jq '.conversions | length')" 0 "ledger"
	is "$(conv_ids)" "" "conversions"
	[[ ! -s j ]]
	is "$stderr" "ac-upload: 1 request, 3 rows: 0 uploaded, 3 validated, 0 rejected, 0 failed, 0 skipped; 0 retries"
	checks_pass
}

@test "--dry-run: the URL .../v1/events:ingest, authorization redacted, no developer-token, the body as the line's request; nothing sent" {
	reqs 2 2 DR
	printf '%s\n' "$DEVTOKEN" >token-dev
	chmod 600 token-dev
	unset AC_ACCESS_TOKEN
	AC_DEVELOPER_TOKEN=$DEVTOKEN up --dry-run --developer-token-file token-dev req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -c '[.method, .url, .headers]' <<<"$output")" \
	    "[\"POST\",\"$EMU$DMPATH\",{\"authorization\":\"Bearer <redacted>\",\"content-type\":\"application/json\"}]"
	is "$(jq -S -c .body <<<"$output")" "$(jq -S -c .request req.ndjson)" "body"
	is "$(nrequests)" 0
	is "$stderr" "ac-upload: dry run: 1 request, 2 rows not sent; 0 skipped"
	checks_pass
}

# Both APIs in one input

@test "mixed input: a googleads line and a datamanager line each go to their own API" {
	gen 1 G >g.in
	gen 1 M 4243 >m.in
	{ ac-batch -q --api googleads g.in; ac-batch -q m.in; } >req.ndjson
	is "$(jq -c '[.api, .method]' req.ndjson | paste -sd' ')" \
	    '["googleads","uploadClickConversions"] ["datamanager","events:ingest"]'
	printf '%s\n' "$DEVTOKEN" >token-dev
	chmod 600 token-dev
	up --developer-token-file token-dev req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -c '[.order_id, .status]' <<<"$output" | paste -sd' ')" \
	    '["G-1","uploaded"] ["M-1","accepted"]'
	requests >log
	is "$(jq -r '.path' log | paste -sd' ')" \
	    "/v25/customers/1234567890:uploadClickConversions $DMPATH" "paths"
	# the developer token goes to the Google Ads API only
	is "$(jq -c '.headers | has("developer-token")' log | paste -sd' ')" "true false"
	is "$(admin GET ledger | jq -c '[.conversions[] | [.kind, .order_id // .transaction_id]]')" \
	    '[["click","G-1"],["event","M-1"]]'
	is "$stderr" "ac-upload: 2 requests, 2 rows: 1 accepted, 1 uploaded, 0 validated, 0 rejected, 0 failed, 0 skipped; 0 retries"
	checks_pass
}

# Secrets and personal data

@test "no token, hash or caller's number on stderr or in results; the caller goes out only hashed, in the body of its call" {
	local h
	h=$(printf '%s' 'jane.roe@example.com' | sha256sum | cut -c1-64)
	{
		printf '{"customer_id":"%s","conversion_action":"customers/%s/conversionActions/4343","caller_id":"%s","call_start_date_time":"2026-09-20 08:00:00+00:00","conversion_date_time":"2026-09-20 08:30:00+00:00","conversion_value":120,"currency_code":"USD","click_id_type":"none","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}}\n' \
		    "$CID" "$CID" "$CALLER"
		printf '{"order_id":"PII-1","customer_id":"%s","conversion_action":"customers/%s/conversionActions/4242","conversion_date_time":"2026-09-20 09:00:00+00:00","hashed_email":"%s","click_id_type":"none"}\n' \
		    "$CID" "$CID" "$h"
		printf '{"order_id":"PII-2","customer_id":"%s","conversion_action":"customers/%s/conversionActions/4242","conversion_date_time":"2026-09-20 09:00:00+00:00","hashed_email":"%s","gclid":"Cj0KCQjwPiiSecretGclid","click_id_type":"gclid"}\n' \
		    "$CID" "$CID" "$h"
	} >recs.in
	ac-batch -q recs.in >req.ndjson
	is "$(jq -c '[.rows[].kind]' req.ndjson | paste -sd' ')" '["call"] ["click","click"]'
	# a run that fails a row, retries and succeeds, with every message
	faults '[{"kind":"unavailable"},{"kind":"bad_event","transaction_ids":["PII-2"],"name_events":false}]'
	up -v --journal j --dead-letter dl req.ndjson
	[[ $status -eq 1 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -r '[.kind, .order_id // "-", .status] | join(" ")' <<<"$output" | paste -sd,)" \
	    "call - accepted,click PII-1 accepted,click PII-2 rejected" "results"
	local caller_hash f
	caller_hash=$(printf '%s' "$CALLER" | sha256sum | cut -c1-64)
	# the caller in the body of its call only, hashed
	requests >log
	is "$(jq -r 'select(.body.events[0].eventSource == "PHONE") | .body.events[0].userData.userIdentifiers[0].phoneNumber' log | sort -u)" \
	    "$caller_hash" "the call's phoneNumber"
	for f in log j "$EMU_DIR/log.ndjson" req.ndjson; do
		if grep -qE '2531234|253[^0-9A-Za-z]{1,3}1234' "$f"; then
			echo "the caller's number in $f" >&2
			return 1
		fi
	done
	if grep -qF "$caller_hash" <(jq -c 'select(.body.events[0].eventSource != "PHONE")' log); then
		echo "the caller's hash in a request that is no call" >&2
		return 1
	fi
	# stderr and results: no token, hash (of caller or e-mail), click ID
	# or caller
	for f in "$output" "$stderr"; do
		if grep -qE -e "$h|$caller_hash|${caller_hash:0:32}|Cj0KCQjwPii|2531234" <<<"$f"; then
			echo "a hash, click ID or the caller in a stream" >&2
			return 1
		fi
	done
	# it did tell what happened, by line and event index
	grep -qE 'req.ndjson:2: events\[1\]( \(record [^)]*\))?: rejected' <<<"$stderr"
	checks_pass
}

# Strict bodies

@test "the bodies ac-upload sent parse strictly against Google's IngestEventsRequest (tests/proto/strict.py --log)" {
	if [[ -n $PROTO_SKIP ]]; then
		skip "$PROTO_SKIP"
	fi
	local h
	h=$(printf '%s' 'jane.roe@example.com' | sha256sum | cut -c1-64)
	{
		gen 3 SP 4242
		gen 1 SQ 4243 | jq -c --arg h "$h" '. + {hashed_email: $h, hashed_phone_number: $h, login_customer_id: "1112223333"}'
		printf '{"customer_id":"%s","conversion_action":"customers/%s/conversionActions/4343","caller_id":"%s","call_start_date_time":"2026-09-20 08:00:00+00:00","conversion_date_time":"2026-09-20 08:30:00+00:00","click_id_type":"none"}\n' \
		    "$CID" "$CID" "$CALLER"
		gen 2 SX 999
	} >recs.in
	ac-batch -q recs.in >req.ndjson
	# a retry, a refusal and the rest sent again: every body as sent
	faults '[{"kind":"internal"}]'
	up req.ndjson
	[[ $status -eq 1 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	requests >log.ndjson
	[[ $(wc -l <log.ndjson) -ge 4 ]]
	run --separate-stderr "$AC_ROOT/tests/proto/strict.py" -d "$PROTO_DS" --log log.ndjson
	is "$status" 0 "strict.py exit status"
	is "$output" "" "refused bodies"
	is "$stderr" "strict.py: $(wc -l <log.ndjson) bodies, 0 refused"
	checks_pass
}

#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-upload against tests/mock/gads.py, the loopback emulator of the Google
# Ads REST API: results and their key order, the headers and URL sent,
# partial failure, --validate-only, --dry-run, every fault kind of the
# upload endpoint, delivery proven after a dropped connection, the journal
# (re-runs, torn lines, locking, kill -9), the dead-letter file, TLS,
# input rejects with conservation, secrets never written anywhere, and the
# STYLE.md §10 checks every tool must pass. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-upload.bats

load helper

# The Google Ads API path (the Data Manager path has its own tests).
export AC_API=googleads

F=$BATS_TEST_DIRNAME/fixtures/ac-upload

# Test credentials: no service issues tokens of this shape, and the values
# are distinctive enough that finding them in a file means a leak.
TOKEN=ac-test-access-token-Q7xLm2Zp9
DEVTOKEN=ac-test-developer-token-Vb4Np8
CID=1234567890
ACT=customers/1234567890/conversionActions/4242
UPATH=/v25/customers/1234567890:uploadClickConversions
# The conversion actions that exist in the emulator; 999 does not.
ACTIONS=4242,4243

# start_emu DIR [OPTION...]: start gads.py with its port file, log and
# ledger in DIR; returns once it listens (at most 10 s).
start_emu() {
	local dir=$1
	shift
	emu_start "$dir" --state-dir "$dir/state" --access-token "$TOKEN" \
	    --actions "$ACTIONS" "$@"
}

stop_emu() {
	emu_stop "$1"
}

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu TLS_DIR=$BATS_FILE_TMPDIR/tls
	start_emu "$EMU_DIR" || return 1
	EMU=http://127.0.0.1:$(cat "$EMU_DIR/port")
	export EMU
	# A throw-away certificate for 127.0.0.1 and localhost, made now.
	mkdir -p "$TLS_DIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj /CN=127.0.0.1 \
	    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" \
	    >/dev/null 2>&1 || return 1
	start_emu "$TLS_DIR" --tls "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem" ||
	    return 1
	TLS_EMU=https://127.0.0.1:$(cat "$TLS_DIR/port")
	export TLS_EMU
}

teardown_file() {
	stop_emu "$EMU_DIR"
	stop_emu "$TLS_DIR"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	unset AC_ACCESS_TOKEN_FILE AC_API_VERSION AC_DEVELOPER_TOKEN
	export AC_ACCESS_TOKEN=$TOKEN AC_ENDPOINT=$EMU AC_RETRY_BASE_MS=50
	admin POST reset >/dev/null
}

# Every test: the access and developer tokens appear in no file the test
# made (but the token files themselves), in no stream it captured and not
# in the emulator's logs.
teardown() {
	local f leak=
	for f in "$BATS_TEST_TMPDIR"/* "$EMU_DIR/log.ndjson" \
	    "$TLS_DIR/log.ndjson"; do
		[[ -f $f && ${f##*/} != token* ]] || continue
		if grep -qaF -e "$TOKEN" -e "$DEVTOKEN" "$f"; then
			leak+=" $f"
		fi
	done
	[[ ${output:-} == *"$TOKEN"* || ${output:-} == *"$DEVTOKEN"* ]] &&
	    leak+=' stdout'
	[[ ${stderr:-} == *"$TOKEN"* || ${stderr:-} == *"$DEVTOKEN"* ]] &&
	    leak+=' stderr'
	if [[ -n $leak ]]; then
		echo "a token was written to:$leak" >&2
		return 1
	fi
	if [[ ${FAILS:-0} -ne 0 && -z ${CHECKS_REPORTED:-} ]]; then
		echo "$FAILS check(s) failed (see above)" >&2
		return 1
	fi
}

# admin METHOD WHAT [JSON]: call the emulator's /__admin/WHAT.
admin() {
	curl -sSf -X "$1" ${3:+-H 'content-type: application/json' -d "$3"} \
	    "$EMU/__admin/$2"
}

# tls_admin METHOD WHAT: the same on the TLS emulator.
tls_admin() {
	curl -sSf --cacert "$TLS_DIR/cert.pem" -X "$1" "$TLS_EMU/__admin/$2"
}

# faults JSON: queue faults on the emulator.
faults() {
	admin POST faults "$1" >/dev/null
}

# requests: the emulator's request log, one compact JSON line per request.
requests() {
	admin GET requests | jq -c '.requests[]'
}

# nrequests: how many requests the emulator has logged.
nrequests() {
	admin GET requests | jq '.requests | length'
}

# ledger_ids: order_ids of the rows the emulator recorded, sorted, one per
# line (a row without order_id shows its click ID).
ledger_ids() {
	admin GET ledger | jq -r '.conversions[] | .order_id // .click_id' |
	    sort
}

# input_ids FILE...: the same for the conversions of request lines.
input_ids() {
	jq -r '.request.conversions[] | .orderId // .gclid // .gbraid // .wbraid' \
	    "$@" | sort
}

# nconv FILE: how many conversions the request lines of FILE hold.
nconv() {
	jq -s '[.[].request.conversions | length] | add // 0' "$1"
}

# fixture_reqs CASE [AC-BATCH OPTION...]: request lines made by ac-batch
# from fixtures/ac-upload/CASE.in (copied here), in req.ndjson.
fixture_reqs() {
	local case=$1
	shift
	cp "$F/$case.in" "$case.in"
	ac-batch -q "$@" "$case.in" >req.ndjson
}

# gen N PREFIX [ACTION_ID]: N records as ac-pick-clickid writes them, with
# order_ids PREFIX-1 ... PREFIX-N, in recs.in.
gen() {
	local n=$1 p=$2 a=${3:-4242} i
	for ((i = 1; i <= n; i++)); do
		printf '{"order_id":"%s-%d","customer_id":"%s","conversion_action":"customers/%s/conversionActions/%s","conversion_date_time":"2026-04-23 10:%02d:%02d+02:00","gclid":"Cj0KCQjwGen%s%05d","click_id_type":"gclid","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}\n' \
		    "$p" "$i" "$CID" "$CID" "$a" $((i / 60)) $((i % 60)) "$p" "$i"
	done >recs.in
}

# reqs N SIZE PREFIX [ACTION_ID]: N generated records in request lines of
# SIZE rows, in req.ndjson.
reqs() {
	gen "$1" "$3" "${4:-4242}"
	ac-batch -q -n "$2" recs.in >req.ndjson
}

# up [OPTION...]: run ac-upload; sets $status, $output, $stderr.
up() {
	run --separate-stderr ac-upload "$@"
}

# field KEY: KEY of every result record in $output, one per line (jq -c).
field() {
	jq -c --arg k "$1" '.[$k]' <<<"$output"
}

# nstatus STATUS: how many result records in $output have STATUS.
nstatus() {
	jq -s --arg s "$1" 'map(select(.status == $s)) | length' <<<"$output"
}

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds.
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

# at_least_requests N: the emulator has logged N requests or more.
at_least_requests() {
	[[ $(nrequests) -ge $1 ]]
}

# at_least_lines FILE N: FILE has N whole lines or more.
at_least_lines() {
	[[ -f $1 && $(wc -l <"$1") -ge $2 ]]
}

# at_least_sent N: the journal j has N "sent" entries or more.
at_least_sent() {
	[[ -f j && $(grep -c '"state":"sent"' j) -ge $1 ]]
}

# mode FILE: its permission bits in octal.
mode() {
	stat -c %a "$1"
}

# expect_retried KIND CODE: a fault KIND on the first attempt is retried
# and the rows are then uploaded: exit 0, both requests logged, attempts 2,
# the retry reported on stderr with CODE (a regular expression), each row
# recorded exactly once.
expect_retried() {
	local kind=$1 code=$2
	reqs 2 2 R
	faults "[{\"kind\":\"$kind\"}]"
	up req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(field status | sort -u)" '"uploaded"' "statuses" || return 1
	is "$(field attempts | sort -u)" 2 "attempts" || return 1
	is "$(field delivered_earlier | sort -u)" null "delivered_earlier" || return 1
	is "$(requests | jq -c '[.fault, .status != 200]' | paste -sd' ')" \
	    "[\"$kind\",true] [null,false]" "the emulator's log" || return 1
	if ! grep -Eq "^ac-upload: POST $UPATH: (HTTP [0-9]+|no answer) $code, retrying in [0-9.]+s \(5 retries left\)\$" \
	    <<<"$stderr"; then
		echo "no retry message with $code: $stderr" >&2
		return 1
	fi
	is "${stderr_lines[-1]}" "ac-upload: 1 request, 2 rows: 2 uploaded, 0 validated, 0 rejected, 0 failed, 0 skipped; 1 retry" \
	    "summary" || return 1
	is "$(ledger_ids | paste -sd' ')" "R-1 R-2" "ledger" || return 1
}

# Happy path

@test "upload: every row uploaded, results exactly records.out but request_id and job_id, exit 0" {
	fixture_reqs records
	up req.ndjson
	[[ $status -eq 0 ]]
	diff -u "$F/records.out" <(jq -c 'del(.request_id, .job_id)' \
	    <<<"$output")
	is "$(ledger_ids | paste -sd' ')" \
	    "Cj0KCQjwUpLoAdTest003 UP-1 UP-2 UP-4" "ledger"
}

@test "upload: key order, request_id and job_id of the answer, attempts 1" {
	fixture_reqs records
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(head -1 <<<"$output" | jq -c 'keys_unsorted')" \
	    '["order_id","customer_id","conversion_action","conversion_date_time","click_id_type","kind","google-ads-consent","status","request_id","job_id","attempts","file","line","api","identifiers","sent_at"]' \
	    "key order"
	# A row without order_id has no order_id key; the rest keep the order.
	is "$(sed -n 2p <<<"$output" | jq -c 'keys_unsorted')" \
	    '["customer_id","conversion_action","conversion_date_time","click_id_type","kind","google-ads-consent","status","request_id","job_id","attempts","file","line","api","identifiers","sent_at"]' \
	    "key order without order_id"
	is "$(field attempts | sort -u)" 1 "attempts"
	is "$(field job_id | jq -r type | sort -u)" string "job_id type"
	# Rows 1-3 came from the first request, row 4 from the second.
	local rids
	rids=$(requests | jq -r .request_id | paste -sd' ')
	is "$(field request_id | jq -r . | paste -sd' ')" \
	    "$(awk '{print $1, $1, $1, $2}' <<<"$rids")" "request_id per row"
	# Each (request_id, job_id) pair is what the emulator recorded.
	is "$(jq -c '[.request_id, .job_id]' <<<"$output" | sort -u)" \
	    "$(admin GET ledger | jq -c '.conversions[] | [.request_id, .job_id]' | sort -u)" \
	    "request_id and job_id against the ledger"
}

@test "upload: the summary line on stderr; -q keeps stderr empty on success" {
	fixture_reqs records
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$stderr" "ac-upload: 2 requests, 4 rows: 4 uploaded, 0 validated, 0 rejected, 0 failed, 0 skipped; 0 retries"
	admin POST reset >/dev/null
	up -q req.ndjson
	[[ $status -eq 0 ]]
	is "$stderr" "" "stderr with -q"
	is "$(nstatus uploaded)" 4
}

@test "conservation: one result per conversion read, each recorded once" {
	reqs 25 3 C
	[[ $(wc -l <req.ndjson) -eq 9 ]]
	up req.ndjson
	[[ $status -eq 0 ]]
	is "${#lines[@]}" "$(nconv req.ndjson)" "results"
	is "$(field order_id | jq -r . | sort)" "$(input_ids req.ndjson)" \
	    "results by order_id"
	is "$(ledger_ids)" "$(input_ids req.ndjson)" "ledger"
	is "$(nrequests)" 9 "requests"
}

@test "upload: jobId of the request line is sent and is the job_id" {
	fixture_reqs records --job-id 77
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(requests | jq -c .body.jobId | sort -u)" 77 "jobId sent"
	is "$(field job_id | sort -u)" '"77"' "job_id"
}

# Headers and URL

@test "headers: authorization sent (redacted in the log), content-type, user-agent, login-customer-id only when the line has it" {
	fixture_reqs records
	up req.ndjson
	[[ $status -eq 0 ]]
	requests >log
	is "$(jq -r '.path' log | paste -sd' ')" \
	    "$UPATH /v25/customers/9876543210:uploadClickConversions" "paths"
	is "$(jq -r '.method' log | sort -u)" POST
	is "$(jq -r '.headers.authorization' log | sort -u)" \
	    "Bearer <redacted>" "authorization"
	is "$(jq -r '.status' log | sort -u)" 200 "the token was accepted"
	is "$(jq -r '.headers["content-type"]' log | sort -u)" \
	    application/json "content-type"
	is "$(jq -r '.headers["user-agent"]' log | sort -u)" \
	    "ac-upload/$(ac-upload -V | awk '{print $NF}')" "user-agent"
	is "$(jq -c '.headers["login-customer-id"]' log | paste -sd' ')" \
	    'null "1112223334"' "login-customer-id"
	is "$(jq -c '.headers | has("developer-token")' log | sort -u)" \
	    false "no developer-token unless configured"
	is "$(jq -c '.body.partialFailure' log | sort -u)" true
}

@test "headers: developer-token with --developer-token-file and with AC_DEVELOPER_TOKEN" {
	fixture_reqs records
	printf '%s\n' "$DEVTOKEN" >token-dev
	chmod 600 token-dev
	up --developer-token-file token-dev req.ndjson
	[[ $status -eq 0 ]]
	is "$stderr" "ac-upload: 2 requests, 4 rows: 4 uploaded, 0 validated, 0 rejected, 0 failed, 0 skipped; 0 retries"
	is "$(requests | jq -r '.headers["developer-token"]' | sort -u)" \
	    "<redacted>" "with the option"
	admin POST reset >/dev/null
	AC_DEVELOPER_TOKEN=$DEVTOKEN up req.ndjson
	[[ $status -eq 0 ]]
	is "$(requests | jq -r '.headers["developer-token"]' | sort -u)" \
	    "<redacted>" "with the environment variable"
}

@test "URL: --api-version and AC_API_VERSION choose the path, the option first; not vNN is a usage error" {
	reqs 1 1 V
	up --api-version v24 req.ndjson
	[[ $status -eq 0 ]]
	AC_API_VERSION=v23 up req.ndjson
	[[ $status -eq 1 ]] # already recorded: rejected, but sent
	AC_API_VERSION=v23 up --api-version v22 req.ndjson
	is "$(requests | jq -r .path | paste -sd' ')" \
	    "/v24/customers/$CID:uploadClickConversions /v23/customers/$CID:uploadClickConversions /v22/customers/$CID:uploadClickConversions"
	local bad
	for bad in 25 v V25 v25x v "" v2.5; do
		up --api-version "$bad" req.ndjson
		is "$status" 2 "--api-version '$bad'"
		[[ -n $bad ]] || continue
		AC_API_VERSION=$bad up req.ndjson
		is "$status" 2 "AC_API_VERSION='$bad'"
	done
	is "$(nrequests)" 3 "no request for a bad version"
}

@test "URL: --endpoint and AC_ENDPOINT, the option first; a trailing slash is dropped" {
	reqs 2 1 E
	AC_ENDPOINT=http://127.0.0.1:9 up --endpoint "$EMU/" --retries 0 \
	    <(head -1 req.ndjson)
	[[ $status -eq 0 ]]
	unset AC_ENDPOINT
	AC_ENDPOINT=$EMU up <(tail -1 req.ndjson)
	[[ $status -eq 0 ]]
	is "$(requests | jq -r .path | sort -u)" "$UPATH"
	is "$(nrequests)" 2
}

@test "token: --access-token-file and AC_ACCESS_TOKEN_FILE; a file others can read is used but warned about" {
	reqs 3 1 T
	unset AC_ACCESS_TOKEN
	printf '%s\n' "$TOKEN" >token
	chmod 600 token
	up --access-token-file token <(sed -n 1p req.ndjson)
	[[ $status -eq 0 ]]
	is "$(grep -c readable <<<"$stderr")" 0 "warning for a 0600 file"
	AC_ACCESS_TOKEN_FILE=token up <(sed -n 2p req.ndjson)
	[[ $status -eq 0 ]]
	chmod 644 token
	up --access-token-file token <(sed -n 3p req.ndjson)
	[[ $status -eq 0 ]]
	grep -q "^ac-upload: token: readable by group or others" <<<"$stderr"
	is "$(requests | jq -r .status | paste -sd' ')" "200 200 200"
}

# Partial failure

@test "on a terminal: the progress line is taken off before a per-row message, which names the record, not a value (issue 15)" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	fixture_reqs partial
	# script(1) gives ac-upload a terminal for stderr; stdout to a file.
	script -qec "ac-upload req.ndjson >out.ndjson" /dev/null >tty.txt || true
	grep -q $'\r\033\[Kac-upload: req.ndjson:1: conversions\[1\] (record partial.in:2): rejected' tty.txt ||
		{ echo "tty: $(cat -v tty.txt)" >&2; return 1; }
	! grep -q "PF-2" tty.txt || { echo "an order ID on stderr" >&2; return 1; }
	is "$(jq -r .status out.ndjson | paste -sd' ')" "uploaded rejected uploaded"
}

@test "partial failure: the bad row in the middle is rejected NO_CONVERSION_ACTION_FOUND, the others uploaded, exit 1" {
	fixture_reqs partial
	[[ $(wc -l <req.ndjson) -eq 1 ]]
	up --dead-letter dl req.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.order_id, .status, .error.code]' <<<"$output" | paste -sd' ')" \
	    '["PF-1","uploaded",null] ["PF-2","rejected","conversionUploadError.NO_CONVERSION_ACTION_FOUND"] ["PF-3","uploaded",null]'
	is "$(sed -n 2p <<<"$output" | jq -c '.error')" \
	    '{"code":"conversionUploadError.NO_CONVERSION_ACTION_FOUND","message":"The conversion action cannot be found."}'
	is "$(sed -n 2p <<<"$output" | jq -c 'keys_unsorted')" \
	    '["order_id","customer_id","conversion_action","conversion_date_time","click_id_type","kind","google-ads-consent","status","error","request_id","job_id","attempts","file","line","api","identifiers","sent_at"]'
	is "$(field request_id | sort -u | wc -l)" 1 "one answer"
	is "$(field line | paste -sd' ')" "1 2 3" "lines"
	is "$(ledger_ids | paste -sd' ')" "PF-1 PF-3" "ledger"
	is "${stderr_lines[0]}" "ac-upload: req.ndjson:1: conversions[1] (record partial.in:2): rejected (conversionUploadError.NO_CONVERSION_ACTION_FOUND)"
	is "${stderr_lines[1]}" "ac-upload: 1 request, 3 rows: 2 uploaded, 0 validated, 1 rejected, 0 failed, 0 skipped; 0 retries"
	is "${stderr_lines[2]}" "ac-upload: errors: conversionUploadError.NO_CONVERSION_ACTION_FOUND 1"
	# Rejected is final: nothing to replay.
	[[ ! -s dl ]]
}

@test "partial failure: the first and last rows bad, mapping by index 0 and the last" {
	fixture_reqs partial
	jq -c '.request.conversions |= [.[1], .[0], .[2], .[1]] |
	    .request.conversions[3].orderId = "PF-4" |
	    .rows |= [.[1], .[0], .[2], .[1]] | .rows[3].order_id = "PF-4"' \
	    req.ndjson >req4.ndjson
	up req4.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.order_id, .status]' <<<"$output" | paste -sd' ')" \
	    '["PF-2","rejected"] ["PF-1","uploaded"] ["PF-3","uploaded"] ["PF-4","rejected"]'
}

@test "messages: 10 per-row lines then one 'not shown' line; -v shows all; -q none, but the summary" {
	reqs 12 12 MC 999
	up req.ndjson
	[[ $status -eq 1 ]]
	is "$(nstatus rejected)" 12
	is "$(grep -c ': rejected (conversionUploadError.NO_CONVERSION_ACTION_FOUND)$' <<<"$stderr")" 10
	is "$(grep -c '^ac-upload: further per-row messages not shown (-v shows all)$' <<<"$stderr")" 1
	up -v req.ndjson
	[[ $status -eq 1 ]]
	is "$(grep -c ': rejected (' <<<"$stderr")" 12
	up -q req.ndjson
	[[ $status -eq 1 ]]
	is "$stderr" "ac-upload: 1 request, 12 rows: 0 uploaded, 0 validated, 12 rejected, 0 failed, 0 skipped; 0 retries
ac-upload: errors: conversionUploadError.NO_CONVERSION_ACTION_FOUND 12"
}

# --validate-only and --dry-run

@test "--validate-only: rows validated, validateOnly sent, ledger empty, journal not written" {
	fixture_reqs records
	up --validate-only --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"validated"'
	is "${#lines[@]}" 4
	is "$(requests | jq -c .body.validateOnly | sort -u)" true
	is "$(admin GET ledger | jq '.conversions | length')" 0 "ledger"
	[[ ! -s j ]]
	is "$stderr" "ac-upload: 2 requests, 4 rows: 0 uploaded, 4 validated, 0 rejected, 0 failed, 0 skipped; 0 retries"
	# validateOnly from ac-batch does the same.
	fixture_reqs records --validate-only
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"validated"'
	is "$(admin GET ledger | jq '.conversions | length')" 0 "ledger"
}

@test "--dry-run: no request, authorization redacted, no token needed, body is the input request" {
	fixture_reqs records --job-id 5
	unset AC_ACCESS_TOKEN
	AC_DEVELOPER_TOKEN=$DEVTOKEN up --dry-run req.ndjson
	[[ $status -eq 0 ]]
	is "$(nrequests)" 0 "requests"
	is "${#lines[@]}" 2
	is "$(jq -c 'keys_unsorted' <<<"$output" | sort -u)" \
	    '["method","url","headers","body"]'
	is "$(field url | paste -sd' ')" \
	    "\"$EMU$UPATH\" \"$EMU/v25/customers/9876543210:uploadClickConversions\""
	is "$(field method | sort -u)" '"POST"'
	is "$(sed -n 1p <<<"$output" | jq -c .headers)" \
	    '{"authorization":"Bearer <redacted>","content-type":"application/json","developer-token":"<redacted>"}'
	is "$(sed -n 2p <<<"$output" | jq -c '.headers["login-customer-id"]')" \
	    '"1112223334"'
	is "$(field body)" "$(jq -c .request req.ndjson)" "bodies"
	is "$stderr" "ac-upload: dry run: 2 requests, 4 rows not sent; 0 skipped"
	# Exit 1 when input lines were rejected.
	cp "$F/invalid.in" .
	up --dry-run -R rej invalid.in
	[[ $status -eq 1 ]]
	is "$(wc -l <rej)" 11
	is "${#lines[@]}" 2
}

@test "--dry-run: partialFailure is sent true whatever the line holds" {
	fixture_reqs records
	jq -c '.request.partialFailure = false' req.ndjson >pf.ndjson
	up --dry-run pf.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c .body.partialFailure <<<"$output" | sort -u)" true
	up pf.ndjson
	[[ $status -eq 0 ]]
	is "$(requests | jq -c .body.partialFailure | sort -u)" true
}

@test "--dry-run reads the journal but does not write it" {
	fixture_reqs records
	up --dry-run --journal j req.ndjson
	[[ $status -eq 0 ]]
	[[ ! -e j ]]
	up --journal j <(head -1 req.ndjson)
	[[ $status -eq 0 ]]
	cp j j.before
	up --dry-run --journal j req.ndjson
	[[ $status -eq 0 ]]
	cmp j j.before
	# The rows the journal has as done are not in the request, and no
	# result record is written for them.
	is "$(jq -c '[.method, (.body.conversions | length)]' <<<"$output")" \
	    '["POST",1]'
	is "$stderr" "ac-upload: dry run: 1 request, 1 row not sent; 3 skipped"
	is "$(nrequests)" 1
}

# Faults on the upload endpoint

@test "rate_limit: the server's retryDelay is waited for, then the rows are uploaded" {
	reqs 2 2 R
	faults '[{"kind":"rate_limit","retry_delay":1}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"uploaded"'
	is "$(field attempts | sort -u)" 2
	grep -Eq "^ac-upload: POST $UPATH: HTTP 429 quotaError.RESOURCE_TEMPORARILY_EXHAUSTED, retrying in 1s \(5 retries left\)\$" \
	    <<<"$stderr"
	local a b
	read -r a b < <(requests | jq -r '.time' | python3 -c '
import sys, datetime
t = [datetime.datetime.fromisoformat(l.strip()) for l in sys.stdin]
print(t[0].timestamp(), t[1].timestamp())')
	python3 -c "import sys; sys.exit(0 if $b - $a >= 0.9 else 1)" ||
	    { echo "retried after $(python3 -c "print($b - $a)") s" >&2; false; }
	is "$(ledger_ids | paste -sd' ')" "R-1 R-2"
}

@test "daily_quota: exit 75, rows failed, the request and the rest in the dead-letter file, stopping on stderr" {
	reqs 6 2 D
	faults '[{"kind":"daily_quota"}]'
	up --dead-letter dl req.ndjson
	[[ $status -eq 75 ]]
	is "$(jq -c '[.order_id, .status, .error.code, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["D-1","failed","quotaError.RESOURCE_EXHAUSTED",1] ["D-2","failed","quotaError.RESOURCE_EXHAUSTED",1] ["D-3","failed","ac.not_sent",0] ["D-4","failed","ac.not_sent",0] ["D-5","failed","ac.not_sent",0] ["D-6","failed","ac.not_sent",0]'
	is "$(nrequests)" 1 "requests sent"
	grep -q '^ac-upload: stopping: quotaError.RESOURCE_EXHAUSTED: daily quota' \
	    <<<"$stderr"
	is "$(jq -c '[.request.conversions[].orderId]' dl | paste -sd' ')" \
	    '["D-1","D-2"] ["D-3","D-4"] ["D-5","D-6"]' "dead-letter file"
	is "$(admin GET ledger | jq '.conversions | length')" 0
}

@test "HTTP 408: retried, then uploaded" {
	reqs 2 2 TO
	faults '[{"kind":"error","http":408,"status":"DEADLINE_EXCEEDED","details":false}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"uploaded"'
	is "$(field attempts | sort -u)" 2
	is "$(nrequests)" 2
}

@test "daily_quota with a delay within --max-retry-wait: waited for, then uploaded" {
	reqs 2 2 DQ
	faults '[{"kind":"daily_quota","retry_delay":0}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"uploaded"'
	is "$(nrequests)" 2
}

@test "internal (500 INTERNAL_ERROR): retried, then uploaded" {
	expect_retried internal 'internalError\.INTERNAL_ERROR'
}

@test "internal without GoogleAdsFailure (bare 500 INTERNAL): retried, then uploaded" {
	reqs 2 2 R
	faults '[{"kind":"internal","details":false}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"uploaded"'
	grep -Eq "POST $UPATH: HTTP 500 rpc\.INTERNAL, retrying" <<<"$stderr"
}

@test "transient (500 TRANSIENT_ERROR): retried, then uploaded" {
	expect_retried transient 'internalError\.TRANSIENT_ERROR'
}

@test "concurrent_modification (409): retried, then uploaded" {
	expect_retried concurrent_modification \
	    'databaseError\.CONCURRENT_MODIFICATION'
}

@test "unavailable (503): retried, then uploaded" {
	expect_retried unavailable 'rpc\.UNAVAILABLE'
}

@test "deadline_exceeded (504): retried, then uploaded" {
	expect_retried deadline_exceeded 'rpc\.DEADLINE_EXCEEDED'
}

@test "bad_gateway_html (502, HTML body): retried, then uploaded" {
	expect_retried bad_gateway_html 'http\.502'
}

@test "reset (connection closed without an answer): retried, then uploaded" {
	expect_retried reset 'curl\.(52|55|56)'
}

@test "retry message: the HTTP status is named, as the spec's example says" {
	reqs 1 1 M
	faults '[{"kind":"unavailable"}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	grep -Eq "^ac-upload: POST $UPATH: HTTP 503 rpc\.UNAVAILABLE, retrying in [0-9.]+s \(5 retries left\)\$" \
	    <<<"$stderr"
}

@test "slow answer with --timeout 1: curl.28, retried, uploaded, recorded once" {
	reqs 2 2 S
	faults '[{"kind":"slow","seconds":1.6}]'
	up --timeout 1 req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"uploaded"'
	is "$(field attempts | sort -u)" 2
	grep -Eq "^ac-upload: POST $UPATH: no answer curl\.28, retrying" <<<"$stderr"
	# The first attempt is executed late, after its answer was given up:
	# it must not record the rows a second time.
	wait_until 5 at_least_requests 2
	is "$(ledger_ids | paste -sd' ')" "S-1 S-2"
}

@test "token_expired (401): exit 3, the rest of the input not sent and dead-lettered" {
	reqs 6 2 X
	faults '[{"kind":"token_expired"}]'
	up --dead-letter dl req.ndjson
	[[ $status -eq 3 ]]
	is "$(jq -c '[.status, .error.code]' <<<"$output" | uniq -c | awk '{print $1, $2}' | paste -sd' ')" \
	    '2 ["failed","authenticationError.OAUTH_TOKEN_EXPIRED"] 4 ["failed","ac.not_sent"]'
	is "$(nrequests)" 1 "requests sent"
	grep -q "^ac-upload: stopping: POST $UPATH: HTTP 401 authenticationError.OAUTH_TOKEN_EXPIRED" \
	    <<<"$stderr"
	is "$(wc -l <dl)" 3 "dead-letter lines"
	is "$(input_ids dl)" "$(input_ids req.ndjson)" "dead-letter rows"
}

@test "row_error INTERNAL_ERROR on one row: only that row is sent again, then uploaded" {
	reqs 3 3 W
	faults '[{"kind":"row_error","row":1}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.order_id, .status, .attempts]' <<<"$output" | sort | paste -sd' ')" \
	    '["W-1","uploaded",1] ["W-2","uploaded",2] ["W-3","uploaded",1]'
	is "$(nrequests)" 2
	is "$(requests | sed -n 2p | jq -c '[.body.conversions[].orderId]')" \
	    '["W-2"]' "the second request"
	is "$(ledger_ids | paste -sd' ')" "W-1 W-2 W-3"
	grep -q "internalError.INTERNAL_ERROR, retrying" <<<"$stderr"
}

@test "error 403 USER_PERMISSION_DENIED: the setup, not the rows: stop with 3, what to do, every row failed and replayable" {
	reqs 4 2 P
	faults '[{"kind":"error","http":403,"status":"PERMISSION_DENIED","errorCode":{"authorizationError":"USER_PERMISSION_DENIED"},"message":"User does not have permission."}]'
	up --dead-letter dl req.ndjson
	[[ $status -eq 3 ]]
	is "$(jq -c '[.order_id, .status, .error.code]' <<<"$output" | paste -sd' ')" \
	    '["P-1","failed","authorizationError.USER_PERMISSION_DENIED"] ["P-2","failed","authorizationError.USER_PERMISSION_DENIED"] ["P-3","failed","ac.not_sent"] ["P-4","failed","ac.not_sent"]'
	is "$(sed -n 1p <<<"$output" | jq -r .error.message)" \
	    "User does not have permission."
	is "$(nrequests)" 1 "no retry of a 403, nothing more sent"
	is "$(jq -c '[.request.conversions[].orderId]' dl | paste -sd' ')" '["P-1","P-2"] ["P-3","P-4"]'
	is "$(ledger_ids | paste -sd' ')" ""
	[[ $stderr == *"stopping: POST /v25/customers/1234567890:uploadClickConversions: HTTP 403 authorizationError.USER_PERMISSION_DENIED: User does not have permission; the credentials may not act for this customer: check login_customer_id"* ]] ||
	    { echo "$stderr" >&2; return 1; }
	# Once the access is mended, the dead letters go.
	up dl
	[[ $status -eq 0 ]]
	is "$(ledger_ids | paste -sd' ')" "P-1 P-2 P-3 P-4"
}

@test "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE: stop with 3, one message naming --api datamanager; rows not blamed" {
	reqs 4 2 NA
	admin POST allowlist '{"deny":["1234567890"]}' >/dev/null
	up --dead-letter dl req.ndjson
	[[ $status -eq 3 ]]
	is "$(jq -r '.status' <<<"$output" | sort -u)" failed
	is "$(jq -r '.error.code' <<<"$output" | sort | uniq -c | awk '{print $1, $2}' | paste -sd' ')" \
	    "2 ac.not_sent 2 notAllowlistedError.CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"
	is "$(grep -c 'stopping:' <<<"$stderr")" 1
	[[ $stderr == *"ac-batch --api datamanager"* ]] || { echo "$stderr" >&2; return 1; }
	is "$(jq -s '[.[].request.conversions[]] | length' dl)" 4 "all replayable"
	is "$(nrequests)" 1
}

@test "400 from the front end (no GoogleAdsFailure): rpc.INVALID_ARGUMENT, failed, the run goes on" {
	reqs 2 1 FE
	jq -c 'if .request.conversions[0].orderId == "FE-1" then
	    .request.conversions[0].bogusField = 1 else . end' req.ndjson >fe.ndjson
	up --dead-letter dl fe.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.order_id, .status, .error.code]' <<<"$output" | paste -sd' ')" \
	    '["FE-1","failed","rpc.INVALID_ARGUMENT"] ["FE-2","uploaded",null]'
	is "$(nrequests)" 2 "no retry of a 400"
	is "$(jq -c '[.request.conversions[].orderId]' dl)" '["FE-1"]'
}

@test "a stop with -j 4: the requests in flight finish, the rest is not sent" {
	reqs 16 2 JS
	faults '[{"kind":"token_expired"},{"kind":"slow","seconds":0.3,"count":7}]'
	up -j 4 --dead-letter dl req.ndjson
	[[ $status -eq 3 ]]
	is "${#lines[@]}" 16
	is "$(jq -r '.error.code // .status' <<<"$output" | sort | uniq -c | awk '{print $1, $2}' | paste -sd' ')" \
	    "8 ac.not_sent 2 authenticationError.OAUTH_TOKEN_EXPIRED 6 uploaded"
	is "$(nrequests)" 4
	is "$(admin GET ledger | jq '.conversions | length')" 6
	is "$(wc -l <dl)" 5
	# Every row once: uploaded, or in the dead-letter file.
	is "$( { jq -r 'select(.status == "uploaded") | .order_id' <<<"$output"; jq -r '.request.conversions[].orderId' dl; } | sort)" \
	    "$(input_ids req.ndjson)"
}

@test "failed rows carry the request_id of the answer that decided them" {
	reqs 2 2 Q
	faults '[{"kind":"error","http":400,"status":"INVALID_ARGUMENT","errorCode":{"requestError":"INVALID_INPUT"}}]'
	up req.ndjson
	[[ $status -eq 1 ]]
	is "$(field request_id | sort -u)" "$(requests | jq -c .request_id)" \
	    "400"
	admin POST reset >/dev/null
	faults '[{"kind":"daily_quota"}]'
	up req.ndjson
	[[ $status -eq 75 ]]
	is "$(field request_id | sort -u)" "$(requests | jq -c .request_id)" \
	    "daily quota"
}

@test "retries used up: exit 75 after --retries + 1 attempts" {
	reqs 4 2 U
	faults '[{"kind":"unavailable","count":3}]'
	up --retries 2 --dead-letter dl req.ndjson
	[[ $status -eq 75 ]]
	is "$(nrequests)" 3 "attempts"
	is "$(jq -c '[.order_id, .status, .error.code, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["U-1","failed","rpc.UNAVAILABLE",3] ["U-2","failed","rpc.UNAVAILABLE",3] ["U-3","failed","ac.not_sent",0] ["U-4","failed","ac.not_sent",0]'
	grep -q "^ac-upload: stopping: rpc.UNAVAILABLE: no retries left" \
	    <<<"$stderr"
	grep -q "(1 retry left)" <<<"$stderr"
	is "$(wc -l <dl)" 2
	# --retries 0: the first failure stops.
	admin POST reset >/dev/null
	faults '[{"kind":"unavailable"}]'
	up --retries 0 req.ndjson
	[[ $status -eq 75 ]]
	is "$(nrequests)" 1
}

@test "a retry delay over --max-retry-wait: exit 75 at once, without waiting" {
	reqs 2 2 L
	faults '[{"kind":"rate_limit","retry_delay":30}]'
	local t0=$SECONDS
	up --max-retry-wait 2 --dead-letter dl req.ndjson
	[[ $status -eq 75 ]]
	[[ $((SECONDS - t0)) -lt 5 ]]
	is "$(field error | jq -r .code | sort -u)" \
	    quotaError.RESOURCE_TEMPORARILY_EXHAUSTED
	grep -q "stopping: quotaError.RESOURCE_TEMPORARILY_EXHAUSTED: the API asks to wait 30s, more than --max-retry-wait" \
	    <<<"$stderr"
	is "$(nrequests)" 1
	is "$(wc -l <dl)" 1
	# A delay of 0 s is within --max-retry-wait 0.
	admin POST reset >/dev/null
	faults '[{"kind":"rate_limit","retry_delay":0}]'
	up --max-retry-wait 0 req.ndjson
	[[ $status -eq 0 ]]
	is "$(nrequests)" 2
}

# Delivery proven after a dropped connection

@test "executed_then_dropped on the first request: uploaded, delivered_earlier, recorded once" {
	reqs 2 2 Z
	faults '[{"kind":"executed_then_dropped"}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.order_id, .status, .delivered_earlier, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["Z-1","uploaded",true,2] ["Z-2","uploaded",true,2]'
	is "$(ledger_ids | paste -sd' ')" "Z-1 Z-2" "ledger"
	is "$(requests | jq -c '[.fault, .status]' | paste -sd' ')" \
	    '["executed_then_dropped",null] [null,200]'
}

@test "delivered_earlier is the last key, as the man page orders them" {
	reqs 1 1 DE
	faults '[{"kind":"executed_then_dropped"}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	local keys
	keys=$(jq -c 'keys_unsorted' <<<"$output")
	is "$keys" '["order_id","customer_id","conversion_action","conversion_date_time","click_id_type","kind","google-ads-consent","status","request_id","job_id","attempts","file","line","delivered_earlier","api","identifiers","sent_at"]' \
	    "key order"
}

@test "executed_then_dropped on a reused connection: libcurl's own re-send is detected" {
	reqs 4 2 Y
	# The first request goes normally and leaves the connection open.
	faults '[{"kind":"slow","seconds":0},{"kind":"executed_then_dropped"}]'
	up req.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.order_id, .status, .delivered_earlier]' <<<"$output" | paste -sd' ')" \
	    '["Y-1","uploaded",null] ["Y-2","uploaded",null] ["Y-3","uploaded",true] ["Y-4","uploaded",true]'
	is "$(ledger_ids | paste -sd' ')" "Y-1 Y-2 Y-3 Y-4" "ledger"
	is "$(requests | jq -c '[.fault, .status]' | paste -sd' ')" \
	    '["slow",200] ["executed_then_dropped",null] [null,200]'
}

@test "executed_then_dropped with click-only rows: CLICK_CONVERSION_ALREADY_EXISTS proves delivery" {
	reqs 2 2 K
	jq -c 'del(.request.conversions[].orderId) | del(.rows[].order_id)' \
	    req.ndjson >click.ndjson
	faults '[{"kind":"executed_then_dropped"}]'
	up click.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.status, .delivered_earlier]' <<<"$output" | sort -u)" \
	    '["uploaded",true]'
	is "$(admin GET ledger | jq '.conversions | length')" 2
}

@test "already recorded, no doubt about an earlier attempt: rejected, not delivered_earlier" {
	reqs 2 2 N
	up req.ndjson
	[[ $status -eq 0 ]]
	up req.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.status, .error.code, .delivered_earlier]' <<<"$output" | sort -u)" \
	    '["rejected","conversionUploadError.ORDER_ID_ALREADY_IN_USE",null]'
}

# Journal

@test "journal: a second run skips every row and sends nothing; mode 0600; sent before done" {
	fixture_reqs records
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(mode j)" 600 "journal mode"
	jq -e -s 'all(keys_unsorted == ["state", "key"])' j >/dev/null
	is "$(jq -r .state j | uniq -c | awk '{print $2}' | paste -sd' ')" \
	    "sent done sent done" "journal states"
	is "$(jq -r 'select(.state == "done") | .key' j | sort | paste -sd' ')" \
	    "1234567890|$ACT|order|UP-1 1234567890|$ACT|order|UP-4 1234567890|customers/1234567890/conversionActions/4243|gclid:Cj0KCQjwUpLoAdTest003|2026-04-24 09:15:00+02:00 9876543210|customers/9876543210/conversionActions/4242|order|UP-2" \
	    "journal keys"
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(nrequests)" 2 "requests of both runs"
	is "$(field status | sort -u)" '"skipped"'
	is "${#lines[@]}" 4
	is "$(jq -c 'keys_unsorted' <<<"$output" | head -1)" \
	    '["order_id","customer_id","conversion_action","conversion_date_time","click_id_type","kind","google-ads-consent","status","attempts","file","line","api","identifiers","sent_at"]'
	is "$stderr" "ac-upload: 0 requests, 4 rows: 0 uploaded, 0 validated, 0 rejected, 0 failed, 4 skipped; 0 retries"
}

@test "journal: only the rows not yet done are sent" {
	reqs 4 2 J
	up --journal j <(head -1 req.ndjson)
	[[ $status -eq 0 ]]
	# The same rows again, regrouped with new ones.
	reqs 4 4 J
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.order_id, .status]' <<<"$output" | paste -sd' ')" \
	    '["J-1","skipped"] ["J-2","skipped"] ["J-3","uploaded"] ["J-4","uploaded"]'
	is "$(requests | sed -n 2p | jq -c '[.body.conversions[].orderId]')" \
	    '["J-3","J-4"]'
}

@test "journal: a torn last line is tolerated and later lines are whole" {
	reqs 4 2 G
	up --journal j <(head -1 req.ndjson)
	[[ $status -eq 0 ]]
	printf '{"state":"done","key":"1234567890|%s|ord' "$ACT" >>j
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.order_id, .status]' <<<"$output" | paste -sd' ')" \
	    '["G-1","skipped"] ["G-2","skipped"] ["G-3","uploaded"] ["G-4","uploaded"]'
	# Every line of the journal is an entry again.
	jq -e -s 'all(has("state") and has("key"))' j >/dev/null
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(field status | sort -u)" '"skipped"'
}

@test "journal: a file that is no journal is neither cut nor emptied" {
	reqs 1 1 NJ
	printf 'my notes, no newline' >notes
	up --journal notes req.ndjson
	[[ $status -eq 3 ]]
	is "$(cat notes)" "my notes, no newline"
	is "$(nrequests)" 0
}

@test "journal: rows of an attempt that reached no server are not left 'sent'" {
	reqs 2 2 NS
	# Nothing listens on port 1: the connection is refused, nothing went
	# out, so a later ORDER_ID_ALREADY_IN_USE must not read as delivery.
	AC_ENDPOINT=http://127.0.0.1:1 up --retries 0 --journal j req.ndjson
	[[ $status -eq 75 ]]
	is "$(jq -s -c 'group_by(.key) | map(last.state) | unique' j)" \
	    '["answered"]' "the last state of each key"
}

@test "journal: a line that is not an entry, before the last, exits 3" {
	reqs 2 2 H
	printf 'not json\n{"state":"done","key":"x"}\n' >j
	up --journal j req.ndjson
	[[ $status -eq 3 ]]
	grep -q "^ac-upload: journal j:1: " <<<"$stderr"
	is "$(nrequests)" 0
}

@test "journal: locked by another process: exit 3, nothing sent" {
	reqs 2 2 B
	: >j
	run --separate-stderr flock -x j ac-upload --journal j req.ndjson
	[[ $status -eq 3 ]]
	is "$stderr" "ac-upload: journal j: in use by another process"
	is "$output" ""
	is "$(nrequests)" 0
}

@test "journal: kill -9 in the middle, then a re-run: every row recorded exactly once" {
	reqs 20 2 KL
	[[ $(wc -l <req.ndjson) -eq 10 ]]
	faults '[{"kind":"slow","seconds":0.3,"count":10}]'
	ac-upload --journal j req.ndjson >out1 2>err1 3>&- &
	local pid=$!
	# The first request answered, its results written, the second one
	# journaled as sent and on its way: kill.
	wait_until 10 at_least_lines out1 2
	wait_until 10 at_least_sent 4
	sleep 0.1
	kill -9 "$pid"
	wait "$pid" || true
	is "$(jq -s 'map(select(.state == "sent")) | length' j)" 4 \
	    "sent entries at the kill"
	admin DELETE faults >/dev/null
	# The emulator executes the second request after the kill.
	wait_until 5 at_least_requests 2
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(ledger_ids)" "$(input_ids req.ndjson)" "ledger: each row once"
	is "${#lines[@]}" 20 "results of the re-run"
	is "$(jq -c '[.order_id, .status, .delivered_earlier]' <<<"$output" | head -4 | paste -sd' ')" \
	    '["KL-1","skipped",null] ["KL-2","skipped",null] ["KL-3","uploaded",true] ["KL-4","uploaded",true]'
	is "$(nstatus uploaded)" 18
	is "$(jq -s 'map(select(.delivered_earlier)) | length' <<<"$output")" 2
	is "$(jq -c '[.order_id, .status]' out1 | paste -sd' ')" \
	    '["KL-1","uploaded"] ["KL-2","uploaded"]' "before the kill"
	# Nothing lost, nothing twice: every row ends uploaded or skipped.
	is "$(jq -r 'select(.status == "uploaded" or .status == "skipped") | .order_id' <<<"$output" | sort)" \
	    "$(input_ids req.ndjson)"
}

@test "journal: sent but not done, already recorded: uploaded, delivered_earlier" {
	fixture_reqs records
	up req.ndjson
	[[ $status -eq 0 ]]
	# A run that died after sending, before the answer (keys as the spec
	# gives them).
	{
		printf '{"state":"sent","key":"%s"}\n' \
		    "1234567890|$ACT|order|UP-1" \
		    "1234567890|customers/1234567890/conversionActions/4243|gclid:Cj0KCQjwUpLoAdTest003|2026-04-24 09:15:00+02:00" \
		    "1234567890|$ACT|order|UP-4" \
		    "9876543210|customers/9876543210/conversionActions/4242|order|UP-2"
	} >j
	chmod 600 j
	up --journal j req.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.status, .delivered_earlier]' <<<"$output" | sort -u)" \
	    '["uploaded",true]'
	is "$(admin GET ledger | jq '.conversions | length')" 4
}

# Dead-letter file

@test "dead-letter: mode 0600, request lines as read, replayed once the fault is gone" {
	fixture_reqs records
	faults '[{"kind":"daily_quota"}]'
	up --dead-letter dl req.ndjson
	[[ $status -eq 75 ]]
	is "$(mode dl)" 600
	is "$(wc -l <dl)" 2
	# Each line has the shape of an input line.
	jq -e -s 'all(keys_unsorted - ["login_customer_id"] ==
	    ["api", "customer_id", "method", "request", "rows"] and
	    .api == "googleads" and .method == "uploadClickConversions" and
	    (.request.conversions | length) == (.rows | length))' dl >/dev/null
	is "$(jq -c '.request.conversions' dl)" \
	    "$(jq -c '.request.conversions' req.ndjson)" "conversions"
	is "$(jq -c '.rows' dl)" "$(jq -c '.rows' req.ndjson)" "rows"
	is "$(jq -c '.login_customer_id' dl | paste -sd' ')" 'null "1112223334"'
	up dl
	[[ $status -eq 0 ]]
	diff -u "$F/records.out" <(jq -c 'del(.request_id, .job_id)' \
	    <<<"$output")
	is "$(ledger_ids | paste -sd' ')" \
	    "Cj0KCQjwUpLoAdTest003 UP-1 UP-2 UP-4" "ledger"
}

@test "dead-letter: appended to, never truncated" {
	reqs 2 1 A
	printf '%s\n' '{"customer_id":"1234567890","method":"uploadClickConversions","request":{"conversions":[{"conversionAction":"customers/1234567890/conversionActions/4242","conversionDateTime":"2026-04-23 14:31:09+02:00","orderId":"OLD-1","gclid":"Cj0KCQjwOldLine01"}],"partialFailure":true}}' >dl
	chmod 600 dl
	faults '[{"kind":"error","http":400,"status":"INVALID_ARGUMENT","errorCode":{"requestError":"INVALID_INPUT"}}]'
	up --dead-letter dl req.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.request.conversions[].orderId]' dl | paste -sd' ')" \
	    '["OLD-1"] ["A-1"]'
}

# TLS

@test "TLS: --cacert with the emulator's certificate: uploaded" {
	fixture_reqs records
	tls_admin POST reset >/dev/null
	up --endpoint "$TLS_EMU" --cacert "$TLS_DIR/cert.pem" req.ndjson
	[[ $status -eq 0 ]]
	is "$(nstatus uploaded)" 4
	is "$(tls_admin GET requests | jq '.requests | length')" 2
	is "$(nrequests)" 0 "the plain emulator"
}

@test "TLS: without --cacert the certificate is not trusted: exit 3, nothing sent" {
	fixture_reqs records
	tls_admin POST reset >/dev/null
	up --endpoint "$TLS_EMU" --dead-letter dl req.ndjson
	[[ $status -eq 3 ]]
	is "$(field error | jq -r .code | paste -sd' ')" \
	    "curl.60 curl.60 curl.60 ac.not_sent" "codes"
	grep -qi "certificate" <<<"$stderr"
	grep -q "^ac-upload: stopping: " <<<"$stderr"
	is "$(tls_admin GET requests | jq '.requests | length')" 0
	is "$(wc -l <dl)" 2
}

@test "TLS: http:// to a host that is not loopback is a usage error, without any network" {
	reqs 1 1 H
	local url
	# libcurl honours these: were anything sent, the emulator, standing in
	# as the proxy, would log it.
	export http_proxy=$EMU HTTPS_PROXY=$EMU ALL_PROXY=$EMU
	for url in http://example.com http://example.com:80/ \
	    http://127.0.0.1.example.com http://localhost.example.com \
	    "http://u:p@127.0.0.1:1" ftp://127.0.0.1 127.0.0.1 ""; do
		up --endpoint "$url" req.ndjson
		is "$status" 2 "--endpoint '$url'"
		is "$output" "" "stdout for '$url'"
		[[ -n $url ]] || continue
		AC_ENDPOINT=$url up req.ndjson
		is "$status" 2 "AC_ENDPOINT='$url'"
	done
	up --endpoint http://example.com req.ndjson
	grep -q "^ac-upload: endpoint: http:// is allowed only to a loopback host" \
	    <<<"$stderr"
	is "$(nrequests)" 0
	unset http_proxy HTTPS_PROXY ALL_PROXY
	# Loopback spellings are accepted (nothing listens on port 9).
	for url in http://localhost:9 http://127.1.2.3:9 "http://[::1]:9"; do
		up --endpoint "$url" --retries 0 req.ndjson
		is "$status" 75 "--endpoint '$url'"
	done
}

# Secrets and PII

@test "secrets: the token is in no stream, log, journal or dead-letter file of a failing run" {
	fixture_reqs records
	printf '%s\n' "$DEVTOKEN" >token-dev
	chmod 600 token-dev
	faults '[{"kind":"internal"},{"kind":"token_expired"}]'
	up -v --developer-token-file token-dev --journal j --dead-letter dl \
	    -R rej req.ndjson
	[[ $status -eq 3 ]]
	[[ -s dl && -s j ]]
	local f
	for f in dl j "$EMU_DIR/log.ndjson"; do
		if grep -qaF -e "$TOKEN" -e "$DEVTOKEN" "$f"; then
			echo "a token in $f" >&2
			return 1
		fi
	done
	[[ $output != *"$TOKEN"* && $stderr != *"$TOKEN"* ]]
	[[ $stderr != *"$DEVTOKEN"* ]]
	# A bad token file: named, never shown.
	printf 'ac-test-\001bad\n' >token-bad
	chmod 600 token-bad
	up --access-token-file token-bad req.ndjson
	[[ $status -eq 3 ]]
	is "$stderr" "ac-upload: token-bad: holds control characters"
}

@test "PII: order IDs, click IDs and hashes never reach stderr, whatever fails" {
	fixture_reqs records
	cp "$F/partial.in" .
	ac-batch -q partial.in >>req.ndjson
	faults '[{"kind":"row_error","rows":[0,1,2],"errorCode":{"conversionUploadError":"TOO_RECENT_EVENT"}},{"kind":"internal"}]'
	up -v --dead-letter dl req.ndjson
	[[ $status -eq 1 ]]
	[[ $(nstatus failed) -eq 3 ]]
	local v
	for v in $(jq -r '.request.conversions[] | (.orderId, .gclid, .gbraid, .userIdentifiers[]?.hashedEmail) // empty' req.ndjson); do
		[[ $stderr != *"$v"* ]] || { echo "stderr has $v" >&2; false; }
	done
	# TOO_RECENT_EVENT is "later": failed and kept for a re-run.
	is "$(jq -c '[.request.conversions[] | .orderId // .gclid]' dl)" \
	    '["UP-1","Cj0KCQjwUpLoAdTest003","UP-4"]'
}

# Input lines

@test "input: each reject code goes to -R with its line, the other lines are sent; lines in = requests + rejects" {
	cp "$F/invalid.in" .
	up -R rej invalid.in
	[[ $status -eq 1 ]]
	is "$(jq -c '[.line, .code]' rej | paste -sd' ')" \
	    '[2,"customer_id_invalid"] [3,"login_customer_id_invalid"] [4,"method_unsupported"] [5,"request_invalid"] [6,"rows_invalid"] [8,"customer_id_invalid"] [9,"request_invalid"] [10,"rows_invalid"] [11,"login_customer_id_invalid"] [12,"rows_invalid"] [13,"request_invalid"]'
	jq -e -s 'all(.stage == "ac-upload" and .file == "invalid.in" and
	    (.message | type == "string" and length > 0))' rej >/dev/null
	# The record as read.
	is "$(jq -c .record rej | paste -sd' ')" \
	    "$(sed -n '2,6p;8,13p' invalid.in | jq -c . | paste -sd' ')" "records"
	is "$(requests | jq -c '[.body.conversions[].orderId]' | paste -sd' ')" \
	    '["IV-01"] ["IV-07"]' "sent"
	is "$(field status | sort -u)" '"uploaded"'
	is "$(($(nrequests) + $(wc -l <rej)))" "$(wc -l <invalid.in)" \
	    "conservation"
	grep -q '^ac-upload: invalid.in:2: customer_id: .*(customer_id_invalid)$' \
	    <<<"$stderr"
	grep -q '; 11 input lines rejected$' <<<"$stderr"
}

@test "input: a request of 2001 conversions is request_invalid; 2000 go, in a line over 1 MiB" {
	reqs 2001 2000 BIG
	python3 -c '
import json
a, b = (json.loads(l) for l in open("req.ndjson"))
for c, r in zip(a["request"]["conversions"], a["rows"]):
    c["orderId"] = r["order_id"] = c["orderId"] + "-" + "x" * 80
big = json.loads(json.dumps(a))
big["request"]["conversions"] += b["request"]["conversions"]
big["rows"] += b["rows"]
for line in big, a:
    print(json.dumps(line, separators=(",", ":")))' >big.ndjson
	[[ $(wc -c <big.ndjson) -gt 1048576 ]]
	up -q -R rej big.ndjson
	[[ $status -eq 1 ]]
	is "$(jq -c '[.line, .code]' rej)" '[1,"request_invalid"]'
	is "${#lines[@]}" 2000
	is "$(nstatus uploaded)" 2000
	is "$(nrequests)" 1
}

@test "input: a bad JSON line gives file:line on stderr, the other lines are sent, exit 1" {
	reqs 2 1 BJ
	{ head -1 req.ndjson; echo '{"customer_id": oops'; tail -1 req.ndjson; } >bad.ndjson
	up bad.ndjson
	[[ $status -eq 1 ]]
	grep -q '^ac-upload: bad.ndjson:2: ' <<<"$stderr"
	is "$(field order_id | paste -sd' ')" '"BJ-1" "BJ-2"'
	is "$(nrequests)" 2
	[[ $stderr != *oops* ]]
}

@test "input: a line without rows: results from the conversions, no file or line" {
	fixture_reqs records
	jq -c 'del(.rows)' req.ndjson >norows.ndjson
	up norows.ndjson
	[[ $status -eq 0 ]]
	is "$(jq -c '[.order_id, .conversion_action, .conversion_date_time, .click_id_type, .status, has("file"), has("google-ads-consent")]' <<<"$output" | paste -sd' ')" \
	    '["UP-1","customers/1234567890/conversionActions/4242","2026-04-23 14:31:09+02:00","gclid","uploaded",false,false] [null,"customers/1234567890/conversionActions/4243","2026-04-24 09:15:00+02:00","gclid","uploaded",false,false] ["UP-4","customers/1234567890/conversionActions/4242","2026-04-24 10:00:00+02:00","none","uploaded",false,false] ["UP-2","customers/9876543210/conversionActions/4242","2026-04-23 15:00:00+02:00","gbraid","uploaded",false,false]'
}

@test "input: a request goes out while the input pauses, not at its end" {
	reqs 2 1 ST
	local t0 t1
	run --separate-stderr bash -c \
	    '{ head -1 req.ndjson; sleep 1; tail -1 req.ndjson; } | ac-upload'
	[[ $status -eq 0 ]]
	read -r t0 t1 < <(requests | jq -r .time | python3 -c '
import sys, datetime
print(*(datetime.datetime.fromisoformat(l.strip()).timestamp()
        for l in sys.stdin))')
	python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 0.8 else 1)" ||
	    { echo "the first request waited for the second line" >&2; false; }
}

@test "input: CRLF line ends and blank lines are handled" {
	reqs 2 1 CR
	{ head -1 req.ndjson; echo; tail -1 req.ndjson; echo; } |
	    sed 's/$/\r/' >crlf.ndjson
	up crlf.ndjson
	[[ $status -eq 0 ]]
	is "$(field order_id | paste -sd' ')" '"CR-1" "CR-2"'
}

@test "input: several files and - for standard input" {
	reqs 3 1 MF
	sed -n 1p req.ndjson >a
	sed -n 3p req.ndjson >c
	run --separate-stderr bash -c 'sed -n 2p req.ndjson | ac-upload a - c'
	[[ $status -eq 0 ]]
	is "$(field order_id | paste -sd' ')" '"MF-1" "MF-2" "MF-3"'
}

# STYLE.md §10

@test "usage: -h exits 0 with the spec's usage on stdout; -V prints the version" {
	run --separate-stderr ac-upload -h
	[[ $status -eq 0 ]]
	is "$stderr" ""
	is "$(tr -s ' \n' '  ' <<<"$output" | grep -o 'usage: ac-upload.*\[FILE \.\.\.\]')" \
	    "usage: ac-upload [-hqVv] [-j N] [-R FILE] [--access-token-file FILE] [--api-version VERSION] [--cacert FILE] [--config FILE] [--dead-letter FILE] [--developer-token-file FILE] [--dry-run] [--endpoint URL] [--journal FILE] [--max-retry-wait SECONDS] [--retries N] [--timeout SECONDS] [--token-uri URL] [--validate-only] [FILE ...]"
	run --separate-stderr ac-upload --help
	[[ $status -eq 0 && ${lines[0]} == "usage: ac-upload "* ]]
	run --separate-stderr ac-upload -V
	[[ $status -eq 0 && $output == "ac-upload "[0-9]* ]]
}

@test "usage: unknown options and bad values exit 2 with usage on stderr, before any request" {
	reqs 1 1 O
	local args
	# The input file comes first so that an option lacking its argument
	# cannot take it.
	for args in "--bogus" "-x" "-j 0" "-j 17" "-j x" "--retries -1" \
	    "--retries 101" "--timeout 0" "--timeout 86401" \
	    "--max-retry-wait -1" "--max-retry-wait 86401" "--jobs=" \
	    "--dry-run=1" "--journal" "-R" "--endpoint"; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-upload req.ndjson $args
		is "$status" 2 "ac-upload $args" || FAILS=$((FAILS + 1))
		[[ $stderr == *"usage: ac-upload"* ]] ||
		    { echo "no usage for $args" >&2; FAILS=$((FAILS + 1)); }
	done
	is "$(nrequests)" 0 || FAILS=$((FAILS + 1))
	checks_pass
}

@test "> /dev/full exits 3 with a write error" {
	reqs 2 1 FU
	run --separate-stderr bash -c 'ac-upload req.ndjson >/dev/full'
	[[ $status -eq 3 ]]
	grep -q '^ac-upload: stdout: No space left on device' <<<"$stderr"
}

@test "empty input gives no output and exit 0, and sends nothing" {
	: >empty
	up empty
	[[ $status -eq 0 ]]
	is "$output" ""
	run --separate-stderr bash -c 'ac-upload </dev/null'
	[[ $status -eq 0 ]]
	is "$output" ""
	is "$(nrequests)" 0
}

@test "no token and not --dry-run: exit 3 before any request or output" {
	reqs 1 1 NT
	unset AC_ACCESS_TOKEN
	up req.ndjson
	[[ $status -eq 3 ]]
	is "$output" ""
	is "$stderr" "ac-upload: no access token: set AC_ACCESS_TOKEN, use --access-token-file, or configure credentials as for ac-token (ac-token check shows what is found)"
	AC_ACCESS_TOKEN='' up req.ndjson
	[[ $status -eq 3 ]]
	up --access-token-file missing req.ndjson
	[[ $status -eq 3 ]]
	grep -q '^ac-upload: missing: No such file or directory' <<<"$stderr"
	: >token-empty
	chmod 600 token-empty
	up --access-token-file token-empty req.ndjson
	[[ $status -eq 3 ]]
	is "$(nrequests)" 0
}

@test "an unwritable dead-letter file stops the run: exit 3" {
	reqs 2 1 DF
	faults '[{"kind":"error","http":403,"status":"PERMISSION_DENIED","errorCode":{"authorizationError":"USER_PERMISSION_DENIED"}}]'
	up --dead-letter /dev/full req.ndjson
	[[ $status -eq 3 ]]
	grep -q '^ac-upload: dead-letter file /dev/full: No space left on device' \
	    <<<"$stderr"
	is "$(jq -r '.error.code' <<<"$output" | paste -sd' ')" \
	    "authorizationError.USER_PERMISSION_DENIED ac.not_sent"
	is "$(nrequests)" 1
	up --dead-letter nodir/dl req.ndjson
	[[ $status -eq 3 ]]
	is "$output" ""
}

@test "a journal that is not a regular file or cannot be made exits 3 before any request" {
	reqs 2 1 JF
	up --journal /dev/null req.ndjson
	[[ $status -eq 3 ]]
	is "$stderr" "ac-upload: journal /dev/null: not a regular file"
	up --journal nodir/j req.ndjson
	[[ $status -eq 3 ]]
	is "$output" ""
	is "$(nrequests)" 0
}

@test "a missing input file exits 3" {
	up missing.ndjson
	[[ $status -eq 3 ]]
	grep -q 'missing.ndjson' <<<"$stderr"
	is "$(nrequests)" 0
}

@test "-j 4 with 8 request lines: all uploaded at once, results complete" {
	reqs 16 2 JJ
	[[ $(wc -l <req.ndjson) -eq 8 ]]
	faults '[{"kind":"slow","seconds":0.4,"count":8}]'
	local t0 t1
	t0=$(date +%s%N)
	up -j 4 req.ndjson
	t1=$(date +%s%N)
	[[ $status -eq 0 ]]
	is "${#lines[@]}" 16
	is "$(field order_id | jq -r . | sort)" "$(input_ids req.ndjson)"
	is "$(nstatus uploaded)" 16
	is "$(ledger_ids)" "$(input_ids req.ndjson)" "ledger"
	# Eight answers of 0.4 s one after the other take 3.2 s.
	[[ $(((t1 - t0) / 1000000)) -lt 2400 ]] ||
	    { echo "took $(((t1 - t0) / 1000000)) ms" >&2; false; }
	# Each request's rows come out together.
	is "$(jq -r '.request_id' <<<"$output" | uniq | wc -l)" 8
}

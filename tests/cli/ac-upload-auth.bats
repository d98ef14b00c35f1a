#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-upload's credentials, against tests/mock/gads.py: without a given
# access token it gets one from the credentials ac-token reads
# (google-ads.yaml, GOOGLE_ADS_*, a service account key; --token-uri and
# AC_TOKEN_URI), shares ac-token's cache, renews the token before it
# expires and once on a 401 in the middle of a run, stops with 3 on a
# second 401 and on refused credentials and with 75 when the token
# endpoint is down, before any upload; developer_token, login_customer_id
# and linked_customer_id come from the same file; no secret is written
# anywhere. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-upload-auth.bats

load helper

# The Google Ads API path (the Data Manager path has its own tests).
export AC_API=googleads


# The credentials the emulator accepts; distinctive, so that finding one
# in a file means a leak (see ac-token.bats).
CLIENT_ID=ac-test-client-9Tq4.apps.googleusercontent.com
CLIENT_SECRET=ac-test-client-secret-Hk38WpZ
REFRESH=1//0ac-test-refresh-token-Mz71QdV
DEVTOKEN=ac-test-developer-token-Rw2Lp6
# An access token valid from the emulator's start, given as is.
GIVEN=ac-test-given-access-token-P3vQx8
SA=uploader@ac-test-project.iam.gserviceaccount.com
AT_PREFIX=ya29.mock-
TTL=3599
CID=1234567890
UPATH=/v25/customers/1234567890:uploadClickConversions

start_emu() {
	local dir=$1
	shift
	emu_start "$dir" --state-dir "$dir/state" --client-id "$CLIENT_ID" \
	    --client-secret "$CLIENT_SECRET" --refresh-token "$REFRESH" \
	    --access-token "$GIVEN" --actions 4242,4243 "$@"
}

stop_emu() {
	emu_stop "$1"
}

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu SA_DIR=$BATS_FILE_TMPDIR/sa \
	    EMU2_DIR=$BATS_FILE_TMPDIR/emu2
	mkdir -p "$SA_DIR"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$SA_DIR/key.pem" 2>/dev/null || return 1
	openssl pkey -in "$SA_DIR/key.pem" -pubout -out "$SA_DIR/pub.pem" ||
	    return 1
	start_emu "$EMU_DIR" --service-account "$SA=$SA_DIR/pub.pem" ||
	    return 1
	EMU=http://127.0.0.1:$(cat "$EMU_DIR/port")
	export EMU
	jq -n --rawfile k "$SA_DIR/key.pem" --arg e "$SA" --arg u "$EMU/token" \
	    '{type: "service_account", project_id: "ac-test-project",
	      private_key_id: "0123456789abcdef", private_key: $k,
	      client_email: $e, token_uri: $u}' >"$SA_DIR/key.json"
	chmod 600 "$SA_DIR/key.json"
	KEY_LINE=$(sed -n 2p "$SA_DIR/key.pem")
	export KEY_LINE
}

teardown_file() {
	stop_emu "$EMU_DIR"
	stop_emu "$EMU2_DIR"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	UPID=
	export HOME=$BATS_TEST_TMPDIR/home
	export XDG_CACHE_HOME=$HOME/.cache XDG_CONFIG_HOME=$HOME/.config
	mkdir -p "$HOME" in
	unset AC_ACCESS_TOKEN AC_ACCESS_TOKEN_FILE AC_API_VERSION \
	    AC_DEVELOPER_TOKEN AC_TOKEN_URI AC_REFRESH_TOKEN_FILE
	export AC_ENDPOINT=$EMU AC_RETRY_BASE_MS=50
	admin POST reset >/dev/null
	# JWTs are signed at AC_NOW: the emulator's clock goes there too.
	admin POST clock "{\"offset\": $((AC_NOW - $(date +%s)))}" >/dev/null
}

# Every test: no secret (client secret, refresh token, developer token,
# access tokens, the private key) in any file under the test's directory
# but the inputs (in/) and the token cache, in any stderr (stderr.all), or
# in the emulator's log.
teardown() {
	local f leak=
	if [[ -n ${UPID:-} ]] && kill -0 "$UPID" 2>/dev/null; then
		kill "$UPID" 2>/dev/null
		wait "$UPID" 2>/dev/null || true
	fi
	while IFS= read -r -d '' f; do
		case $f in
		"$BATS_TEST_TMPDIR"/in/* | "$HOME"/google-ads.yaml) continue ;;
		*/ac/token-[0-9a-f]*.json) continue ;;
		esac
		if grep -qaF -e "$CLIENT_SECRET" -e "$REFRESH" -e "$DEVTOKEN" \
		    -e "$GIVEN" -e "$AT_PREFIX" -e "$KEY_LINE" "$f"; then
			leak+=" $f"
		fi
	done < <(find "$BATS_TEST_TMPDIR" -type f -print0)
	for f in "$EMU_DIR/log.ndjson" "$EMU2_DIR/log.ndjson"; do
		[[ -f $f ]] || continue
		if grep -qaF -e "$CLIENT_SECRET" -e "$REFRESH" -e "$DEVTOKEN" \
		    -e "$GIVEN" -e "$AT_PREFIX" -e "$KEY_LINE" "$f"; then
			leak+=" $f"
		fi
	done
	[[ ${output:-} == *"$AT_PREFIX"* || ${output:-} == *"$GIVEN"* ]] &&
	    leak+=' stdout'
	if [[ -n $leak ]]; then
		echo "a secret was written to:$leak" >&2
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

faults() {
	admin POST faults "$1" >/dev/null
}

# reqlog: the emulator's request log, one compact line per request.
reqlog() {
	admin GET requests | jq -c '.requests[]'
}

# ntoken, nupload: how many requests the token and upload endpoints had.
ntoken() {
	reqlog | jq -s '[.[] | select(.path | endswith("token"))] | length'
}
nupload() {
	reqlog | jq -s '[.[] | select(.path | endswith("uploadClickConversions"))] | length'
}

# kinds: the requests in order, "token" or "upload:STATUS", space-separated.
kinds() {
	reqlog | jq -r 'if (.path | endswith("token")) then "token"
	    else "upload:\(.status)" end' | paste -sd' '
}

ledger_ids() {
	admin GET ledger | jq -r '.conversions[] | .order_id // .click_id' |
	    sort
}

input_ids() {
	jq -r '.request.conversions[] | .orderId // .gclid' "$@" | sort
}

# gen N PREFIX: N records as ac-pick-clickid writes them, in recs.in.
gen() {
	local n=$1 p=$2 i
	for ((i = 1; i <= n; i++)); do
		printf '{"order_id":"%s-%d","customer_id":"%s","conversion_action":"customers/%s/conversionActions/4242","conversion_date_time":"2026-04-23 10:%02d:%02d+02:00","gclid":"Cj0KCQjwAuth%s%05d","click_id_type":"gclid","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}\n' \
		    "$p" "$i" "$CID" "$CID" $((i / 60)) $((i % 60)) "$p" "$i"
	done >recs.in
}

# reqs N SIZE PREFIX: N records in request lines of SIZE rows, in
# req.ndjson.
reqs() {
	gen "$1" "$3"
	ac-batch -q -n "$2" recs.in >req.ndjson
}

# up [OPTION...]: run ac-upload; sets $status, $output, $stderr, and keeps
# stderr in stderr.all for the teardown.
up() {
	run --separate-stderr ac-upload "$@"
	printf '%s\n' "$stderr" >>"$BATS_TEST_TMPDIR/stderr.all"
}

# nstatus STATUS: how many result records in $output have STATUS.
nstatus() {
	jq -s --arg s "$1" 'map(select(.status == $s)) | length' <<<"$output"
}

use_env() {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID \
	    GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET \
	    GOOGLE_ADS_REFRESH_TOKEN=$REFRESH
}

# yaml FILE LINE...: a google-ads.yaml of these lines, mode 0600.
yaml() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
	chmod 600 "$f"
}

cache_files() {
	find "$XDG_CACHE_HOME/ac" -type f 2>/dev/null | sort
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

# fault_taken: the queued faults have all been taken (a slow request is
# logged only once answered, so this is how to know it has begun).
fault_taken() {
	[[ $(admin GET faults | jq '.faults | length') -eq 0 ]]
}

SUMMARY3="ac-upload: 3 requests, 3 rows: 3 uploaded, 0 validated, 0 rejected, 0 failed, 0 skipped; 0 retries"

# Where the credentials come from

@test "google-ads.yaml with --config and --token-uri: a token from the refresh-token grant, then every row uploaded with it" {
	yaml in/g.yaml "client_id: $CLIENT_ID" "client_secret: $CLIENT_SECRET" \
	    "refresh_token: $REFRESH"
	reqs 3 1 Y
	up --config in/g.yaml --token-uri "$EMU/token" req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(nstatus uploaded)" 3 "uploaded"
	is "$stderr" "$SUMMARY3" "stderr"
	is "$(kinds)" "token upload:200 upload:200 upload:200" "the requests"
	is "$(reqlog | head -1 | jq -c '[.body.grant_type, .body.client_id, .body.client_secret, .body.refresh_token]')" \
	    "[\"refresh_token\",\"$CLIENT_ID\",\"<redacted>\",\"<redacted>\"]" \
	    "the token request"
	is "$(reqlog | head -1 | jq -r '.headers["user-agent"]')" \
	    "ac-upload/$(ac-upload -V | awk '{print $NF}')" "its user-agent"
	is "$(reqlog | tail -n +2 | jq -r .headers.authorization | sort -u)" \
	    "Bearer <redacted>" "authorization"
	is "$(ledger_ids)" "$(input_ids req.ndjson)" "ledger"
	# The token went to ac-token's cache.
	is "$(cache_files | wc -l)" 1 "cache files"
	is "$(stat -c %a "$(cache_files)")" 600 "cache file mode"
}

@test "GOOGLE_ADS_* variables with AC_TOKEN_URI, GOOGLE_ADS_CONFIGURATION_FILE_PATH, ~/google-ads.yaml: uploaded" {
	reqs 3 1 E
	use_env
	export AC_TOKEN_URI=$EMU/token
	up <(sed -n 1p req.ndjson)
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	unset GOOGLE_ADS_CLIENT_ID GOOGLE_ADS_CLIENT_SECRET GOOGLE_ADS_REFRESH_TOKEN
	yaml in/g.yaml "client_id: $CLIENT_ID" "client_secret: $CLIENT_SECRET" \
	    "refresh_token: $REFRESH"
	rm -r "$XDG_CACHE_HOME"
	GOOGLE_ADS_CONFIGURATION_FILE_PATH=in/g.yaml up <(sed -n 2p req.ndjson)
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	cp in/g.yaml "$HOME/google-ads.yaml"
	rm -r "$XDG_CACHE_HOME"
	up <(sed -n 3p req.ndjson)
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(kinds)" "token upload:200 token upload:200 token upload:200" \
	    "the requests"
	is "$(ledger_ids)" "$(input_ids req.ndjson)" "ledger"
	# --token-uri wins over AC_TOKEN_URI.
	rm -r "$XDG_CACHE_HOME"
	AC_TOKEN_URI=http://127.0.0.1:1/token up --token-uri "$EMU/token" \
	    <(sed -n 1p req.ndjson)
	is "$(ntoken)" 4 "--token-uri over AC_TOKEN_URI"
}

@test "a service account key (GOOGLE_ADS_JSON_KEY_FILE_PATH): the jwt-bearer grant at the key's token_uri, then uploaded" {
	reqs 2 1 S
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	up req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(kinds)" "token upload:200 upload:200" "the requests"
	is "$(reqlog | head -1 | jq -r .body.grant_type)" \
	    urn:ietf:params:oauth:grant-type:jwt-bearer "the grant"
	is "$(nstatus uploaded)" 2
}

@test "a given AC_ACCESS_TOKEN wins over credentials: no token request; its 401 stops the run without a new token" {
	reqs 2 1 G
	use_env
	export AC_TOKEN_URI=$EMU/token
	AC_ACCESS_TOKEN=$GIVEN up req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(kinds)" "upload:200 upload:200" "no token request"
	admin POST reset >/dev/null
	faults '[{"kind":"token_expired"}]'
	AC_ACCESS_TOKEN=$GIVEN up req.ndjson
	is "$status" 3 "a 401 with a given token"
	is "$(ntoken)" 0 "no token request"
	is "$(nupload)" 1 "upload requests"
}

# The cache

@test "ac-token's cache is shared: no token request when it holds one; ac-upload's token is reused by ac-token" {
	reqs 2 1 C
	use_env
	export AC_TOKEN_URI=$EMU/token
	ac-token --raw >/dev/null
	is "$(ntoken)" 1 "ac-token's request"
	up <(sed -n 1p req.ndjson)
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(kinds)" "token upload:200" "no token request by ac-upload"
	# The other way round.
	rm -r "$XDG_CACHE_HOME"
	up <(sed -n 2p req.ndjson)
	[[ $status -eq 0 ]]
	run --separate-stderr ac-token check
	[[ $status -eq 0 ]]
	[[ $(grep '^access token: ' <<<"$output") == *", from the cache" ]] ||
	    { echo "check: $output" >&2; return 1; }
	is "$(kinds)" "token upload:200 token upload:200" "the requests"
}

@test "a cached token with less than five minutes left is not used: a new one first" {
	reqs 1 1 N
	use_env
	export AC_TOKEN_URI=$EMU/token
	ac-token --raw >/dev/null
	AC_NOW=$((AC_NOW + TTL - 299)) up req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(kinds)" "token token upload:200" "the requests"
}

# Renewal during a run

@test "a token expired in the middle of a run: one new token, that request sent again, every row uploaded, exit 0" {
	reqs 3 1 M
	use_env
	export AC_TOKEN_URI=$EMU/token
	# The first upload is slow; while it is under way, the emulator
	# expires every token it issued: that request gets a 401, and so
	# would every later one with the same token.
	faults '[{"kind":"slow","seconds":1}]'
	ac-upload req.ndjson >out.ndjson 2>err 3>&- &
	UPID=$!
	wait_until 10 fault_taken
	admin POST tokens '{"expire_all": true}' >/dev/null
	local rc=0
	wait "$UPID" || rc=$?
	UPID=
	output=$(cat out.ndjson) stderr=$(cat err)
	cat err >>stderr.all
	rm out.ndjson err
	is "$rc" 0 "exit"
	is "$(kinds)" "token upload:401 token upload:200 upload:200 upload:200" \
	    "the requests"
	is "$(reqlog | jq -r 'select(.body.grant_type) | .body.grant_type' | paste -sd' ')" \
	    "refresh_token refresh_token" "both token requests"
	is "$(nstatus uploaded)" 3 "uploaded"
	is "$(jq -c '[.order_id, .attempts]' <<<"$output" | paste -sd' ')" \
	    '["M-1",2] ["M-2",1] ["M-3",1]' "attempts"
	is "$stderr" "ac-upload: POST $UPATH: HTTP 401 authenticationError.OAUTH_TOKEN_EXPIRED, sending again with a new access token
$SUMMARY3" "stderr"
	is "$(ledger_ids)" "$(input_ids req.ndjson)" "ledger"
	# The new token replaced the expired one in the cache: the next run
	# uses it without a token request, and the API accepts it.
	reqs 1 1 M2
	up req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(ntoken)" 2 "token requests after the next run"
}

@test "token_expired on a request: a new token, the request sent again once, exit 0" {
	reqs 2 2 T
	use_env
	export AC_TOKEN_URI=$EMU/token
	faults '[{"kind":"token_expired"}]'
	up req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(kinds)" "token upload:401 token upload:200" "the requests"
	is "$(nstatus uploaded)" 2
	is "$(reqlog | jq -r 'select(.body.grant_type) | .status' | paste -sd' ')" \
	    "200 200" "token requests"
}

@test "a second 401 in a row for the same request: exit 3, one new token only, the rest not sent" {
	reqs 3 1 X
	use_env
	export AC_TOKEN_URI=$EMU/token
	faults '[{"kind":"token_expired","count":2}]'
	up --dead-letter dl req.ndjson
	is "$status" 3 "exit"
	is "$(kinds)" "token upload:401 token upload:401" "the requests"
	is "$(jq -c '[.status, .error.code]' <<<"$output" | paste -sd' ')" \
	    '["failed","authenticationError.OAUTH_TOKEN_EXPIRED"] ["failed","ac.not_sent"] ["failed","ac.not_sent"]' \
	    "results"
	grep -q "^ac-upload: POST $UPATH: HTTP 401 authenticationError.OAUTH_TOKEN_EXPIRED, sending again with a new access token\$" <<<"$stderr"
	grep -q "^ac-upload: stopping: POST $UPATH: HTTP 401 authenticationError.OAUTH_TOKEN_EXPIRED" <<<"$stderr"
	is "$(input_ids dl)" "$(input_ids req.ndjson)" "dead-letter rows"
	is "$(admin GET ledger | jq '.conversions | length')" 0 "ledger"
}

@test "renewed before it expires during a long run (real clock, a token of 302 s, a slow first request)" {
	# A second emulator whose tokens live 302 s; AC_NOW unset, so that
	# ac-upload's clock moves: after the 3 s of the first request, the
	# token has less than five minutes left and is renewed before the
	# second is sent.
	start_emu "$EMU2_DIR" --token-ttl 302
	local emu2
	emu2=http://127.0.0.1:$(cat "$EMU2_DIR/port")
	reqs 2 1 L
	use_env
	curl -sSf -H 'content-type: application/json' \
	    -d '[{"kind":"slow","seconds":3}]' "$emu2/__admin/faults" >/dev/null
	unset AC_NOW
	AC_ENDPOINT=$emu2 up --token-uri "$emu2/token" req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(curl -sSf "$emu2/__admin/requests" | jq -r '.requests[] |
	    if (.path | endswith("token")) then "token" else "upload:\(.status)" end' |
	    paste -sd' ')" "token upload:200 token upload:200" "the requests"
	is "$(nstatus uploaded)" 2
	stop_emu "$EMU2_DIR"
}

# Headers from google-ads.yaml

@test "developer_token, login_customer_id (with dashes) and linked_customer_id from google-ads.yaml are sent as headers" {
	yaml in/g.yaml "client_id: $CLIENT_ID" "client_secret: $CLIENT_SECRET" \
	    "refresh_token: $REFRESH" "developer_token: $DEVTOKEN" \
	    "login_customer_id: 111-222-3334" "linked_customer_id: 5556667778"
	reqs 2 1 H
	up --config in/g.yaml --token-uri "$EMU/token" req.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	reqlog | jq -c 'select(.path | endswith("uploadClickConversions")) | .headers' >h
	is "$(wc -l <h)" 2 "upload requests"
	is "$(jq -r '.["login-customer-id"]' h | sort -u)" 1112223334 \
	    "login-customer-id, dashes removed"
	is "$(jq -r '.["linked-customer-id"]' h | sort -u)" 5556667778 \
	    "linked-customer-id"
	# The emulator logs the developer token redacted: it was sent.
	is "$(jq -r '.["developer-token"]' h | sort -u)" "<redacted>" \
	    "developer-token"
	# The variables win over the file. (The emulator's reset forgets the
	# tokens it issued: the cache goes too.)
	admin POST reset >/dev/null
	rm -r "$XDG_CACHE_HOME"
	GOOGLE_ADS_LOGIN_CUSTOMER_ID=9998887776 up --config in/g.yaml \
	    --token-uri "$EMU/token" <(sed -n 1p req.ndjson)
	is "$(reqlog | jq -r 'select(.path | endswith("uploadClickConversions")) | .headers["login-customer-id"]')" \
	    9998887776 "GOOGLE_ADS_LOGIN_CUSTOMER_ID over the file"
	# Without them in the file: no such headers.
	admin POST reset >/dev/null
	rm -r "$XDG_CACHE_HOME"
	yaml in/plain.yaml "client_id: $CLIENT_ID" \
	    "client_secret: $CLIENT_SECRET" "refresh_token: $REFRESH"
	up --config in/plain.yaml --token-uri "$EMU/token" <(sed -n 1p req.ndjson)
	[[ $status -eq 0 ]] || [[ $status -eq 1 ]]
	is "$(reqlog | jq -c 'select(.path | endswith("uploadClickConversions")) | .headers | [has("developer-token"), has("login-customer-id"), has("linked-customer-id")]')" \
	    "[false,false,false]" "no headers"
	# A login_customer_id that is not 10 digits: exit 3 before any request.
	admin POST reset >/dev/null
	yaml in/bad.yaml "client_id: $CLIENT_ID" "client_secret: $CLIENT_SECRET" \
	    "refresh_token: $REFRESH" "login_customer_id: 123-456"
	up --config in/bad.yaml --token-uri "$EMU/token" req.ndjson
	is "$status" 3 "a bad login_customer_id"
	is "$stderr" "ac-upload: login_customer_id (in/bad.yaml): expected 10 digits"
	is "$(kinds)" "" "no request"
}

# Refusals at the start

@test "invalid_grant at the start: exit 3 with the likely causes, before any upload request and any output" {
	reqs 3 1 I
	use_env
	export AC_TOKEN_URI=$EMU/token
	admin POST tokens '{"revoke_refresh_token": true}' >/dev/null
	up req.ndjson
	is "$status" 3 "exit"
	is "$output" "" "stdout"
	is "$(kinds)" "token" "the requests"
	is "${stderr_lines[0]}" "ac-upload: token endpoint: HTTP 400 invalid_grant (Token has been expired or revoked.)"
	[[ ${stderr_lines[1]} == "ac-upload: the refresh token no longer works. Likely causes: "*'"Testing" publishing status, whose refresh tokens expire after 7 days'* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	is "${#stderr_lines[@]}" 2 "stderr lines"
	# A wrong client secret: the same.
	GOOGLE_ADS_CLIENT_SECRET=ac-test-wrong-secret up req.ndjson
	is "$status" 3 "invalid_client"
	is "$output" ""
	is "$(nupload)" 0 "upload requests"
}

@test "token endpoint down at the start: exit 75 after the retries, before any upload request and any output" {
	reqs 3 1 D
	use_env
	export AC_TOKEN_URI=$EMU/token
	faults '[{"endpoint":"token","kind":"unavailable","count":4}]'
	up req.ndjson
	is "$status" 75 "exit"
	is "$output" "" "stdout"
	is "$(kinds)" "token token token token" "the requests"
	is "${stderr_lines[-1]}" "ac-upload: token endpoint: HTTP 503 internal_failure (The service is currently unavailable.)"
	# Nothing listening at all.
	up --token-uri http://127.0.0.1:1/token req.ndjson
	is "$status" 75 "connection refused"
	is "$output" ""
	is "$(nupload)" 0 "upload requests"
	# Then it comes back: uploaded.
	up req.ndjson
	is "$status" 0
}

@test "usage: a --token-uri or AC_TOKEN_URI that is not https or loopback http exits 2 before any request" {
	reqs 1 1 U
	use_env
	up --token-uri http://example.com/token req.ndjson
	is "$status" 2 "--token-uri"
	grep -q '^ac-upload: token URI: ' <<<"$stderr"
	AC_TOKEN_URI=ftp://127.0.0.1/token up req.ndjson
	is "$status" 2 "AC_TOKEN_URI"
	is "$(kinds)" "" "no request"
}

@test "AC_NOW that is not a number is a usage error (ac.7), before any request" {
	reqs 1 1 Z
	use_env
	export AC_TOKEN_URI=$EMU/token
	AC_NOW=yesterday up req.ndjson
	is "$status" 2 "exit"
	grep -q '^ac-upload: AC_NOW: ' <<<"$stderr"
	is "$(kinds)" "" "no request"
}

# Scopes (issue 10)

@test "a refresh token made for adwords alone: Data Manager lines stop with 3 before any is sent, naming the scope and ac-token login; Google Ads lines go" {
	admin POST tokens '{"refresh_token": {"refresh_token": "'"$REFRESH"'", "scope": "https://www.googleapis.com/auth/adwords"}}' >/dev/null
	use_env
	export AC_TOKEN_URI=$EMU/token
	gen 2 S
	ac-batch -q --api datamanager recs.in >dm.ndjson
	up --dead-letter dl dm.ndjson
	[[ $status -eq 3 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(nstatus failed)" 2 "failed, not rejected"
	is "$(jq -r .error.code <<<"$output" | sort -u)" ac.scope_missing
	[[ $stderr == *"stopping: the access token lacks the scope https://www.googleapis.com/auth/datamanager that the Data Manager API needs: run ac-token login again"* ]] ||
	    { echo "$stderr" >&2; return 1; }
	is "$(kinds)" "token" "no upload request"
	is "$(jq -s '[.[].request.events[]] | length' dl)" 2 "kept for a re-run"
	# The same records on the Google Ads API are fine with that token.
	ac-batch -q --api googleads recs.in >ga.ndjson
	up ga.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(nstatus uploaded)" 2
}

@test "a refresh token with both scopes: Data Manager lines are accepted; no developer-token header goes to Data Manager" {
	use_env
	export AC_TOKEN_URI=$EMU/token AC_DEVELOPER_TOKEN=$DEVTOKEN
	gen 2 B
	ac-batch -q --api datamanager recs.in >dm.ndjson
	up dm.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(nstatus accepted)" 2
	is "$(reqlog | jq -r 'select(.path == "/v1/events:ingest") | .headers | has("developer-token")')" false
}

@test "AC_SCOPES chooses a service account's claim; a bad value is a usage error" {
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	gen 1 C
	ac-batch -q --api datamanager recs.in >dm.ndjson
	AC_SCOPES=adwords up dm.ndjson
	[[ $status -eq 3 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	[[ $stderr == *"lacks the scope https://www.googleapis.com/auth/datamanager"* ]] ||
	    { echo "$stderr" >&2; return 1; }
	AC_SCOPES=datamanager up dm.ndjson
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	AC_SCOPES=bogus up dm.ndjson
	is "$status" 2
}

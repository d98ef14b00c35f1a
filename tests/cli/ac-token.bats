#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-token against tests/mock/gads.py, the loopback emulator of Google's
# OAuth endpoints: the token record and --raw, credentials from
# google-ads.yaml and the GOOGLE_ADS_* variables (the environment winning,
# the deprecated names), the token cache (place, modes, reuse until five
# minutes remain, --no-cache, an untrusted file), invalid_grant and the
# other refusals explained, retries and exit 75, a service account whose
# RS256 JWT the emulator verifies against a key made now (impersonation
# allowed and refused), check with the secrets masked, the installed-app
# login (loopback redirect, PKCE, state, consent refused, --no-browser,
# --output), the scopes (adwords and datamanager by default in login and
# the JWT, --scope and AC_SCOPES, the scopes a token carries in the record,
# the cache and check's API lines), usage errors, and no secret on stderr,
# in argv, in the emulator's log or in any file but the cache and the
# refresh-token file.
# Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-token.bats

load helper

F=$BATS_TEST_DIRNAME/fixtures/ac-token

# The credentials the emulator accepts. No service issues values of these
# shapes, and they are distinctive enough that finding one in a file means
# a leak. fixtures/ac-token/google-ads.yaml holds the same values.
CLIENT_ID=ac-test-client-9Tq4.apps.googleusercontent.com
CLIENT_SECRET=ac-test-client-secret-Hk38WpZ
REFRESH=1//0ac-test-refresh-token-Mz71QdV
DEVTOKEN=ac-test-developer-token-Rw2Lp6
SA=uploader@ac-test-project.iam.gserviceaccount.com
DELEGATE=analyst@example.com
SCOPE=https://www.googleapis.com/auth/adwords
DM_SCOPE=https://www.googleapis.com/auth/datamanager
# What login asks for and service accounts claim unless told otherwise.
BOTH="$SCOPE $DM_SCOPE"
# Tokens the emulator issues start so; so do the refresh tokens of login.
AT_PREFIX=ya29.mock-
RT_PREFIX=1//0mock-
# The emulator's default --token-ttl: a token obtained at AC_NOW expires
# then.
TTL=3599

# keyfile OUT PEM [TOKEN_URI]: a service account key file as Google's
# console writes it (type, project_id, private_key_id, private_key,
# client_email, client_id, token_uri, ...) for $SA with the private key in
# PEM, mode 0600.
keyfile() {
	jq -n --rawfile k "$2" --arg e "$SA" --arg u "${3:-$EMU/token}" '{
	    type: "service_account", project_id: "ac-test-project",
	    private_key_id: "0123456789abcdef0123456789abcdef01234567",
	    private_key: $k, client_email: $e, client_id: "100000000000000000001",
	    auth_uri: "https://accounts.google.com/o/oauth2/auth",
	    token_uri: $u,
	    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
	    universe_domain: "googleapis.com"}' >"$1"
	chmod 600 "$1"
}

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu SA_DIR=$BATS_FILE_TMPDIR/sa
	mkdir -p "$SA_DIR"
	# The service account's key pair, made now; the emulator knows only
	# the public half. A second private key, unknown to it, signs JWTs it
	# must refuse.
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$SA_DIR/key.pem" 2>/dev/null || return 1
	openssl pkey -in "$SA_DIR/key.pem" -pubout -out "$SA_DIR/pub.pem" ||
	    return 1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$SA_DIR/other.pem" 2>/dev/null || return 1
	emu_start "$EMU_DIR" --client-id "$CLIENT_ID" \
	    --client-secret "$CLIENT_SECRET" --refresh-token "$REFRESH" \
	    --service-account "$SA=$SA_DIR/pub.pem" \
	    --impersonate "$DELEGATE" || return 1
	EMU=http://127.0.0.1:$(cat "$EMU_DIR/port")
	export EMU
	keyfile "$SA_DIR/key.json" "$SA_DIR/key.pem"
	# One line of the private key: found anywhere, the key leaked.
	KEY_LINE=$(sed -n 2p "$SA_DIR/key.pem")
	export KEY_LINE
}

teardown_file() {
	emu_stop "$EMU_DIR"
}

# Every test has a home, cache and config of its own: the cache is part of
# what is tested.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	KEEP=()
	LPID=
	export HOME=$BATS_TEST_TMPDIR/home
	export XDG_CACHE_HOME=$HOME/.cache XDG_CONFIG_HOME=$HOME/.config
	mkdir -p "$HOME" in
	unset DISPLAY WAYLAND_DISPLAY AC_REFRESH_TOKEN_FILE AC_AUTH_URI
	export AC_TOKEN_URI=$EMU/token AC_RETRY_BASE_MS=20
	admin POST reset >/dev/null
	# The emulator checks a JWT's iat and exp against its own clock and
	# ac-token signs them at AC_NOW: put the emulator's clock there.
	admin POST clock "{\"offset\": $((AC_NOW - $(date +%s)))}" >/dev/null
}

# Every test: no client secret, refresh token, developer token, access
# token or private key in any file under the test's directory (its home
# included) but the inputs (in/, ~/google-ads.yaml), the cache files, the
# refresh-token files and what a test lists in KEEP; nor in the stderr of
# any run (stderr.all) or in the emulator's log.
teardown() {
	local f k leak=
	if [[ -n ${LPID:-} ]] && kill -0 "$LPID" 2>/dev/null; then
		kill "$LPID" 2>/dev/null
		wait "$LPID" 2>/dev/null || true
	fi
	while IFS= read -r -d '' f; do
		case $f in
		"$BATS_TEST_TMPDIR"/in/* | "$HOME"/google-ads.yaml) continue ;;
		*/ac/token-[0-9a-f]*.json | */ac/refresh-token) continue ;;
		esac
		for k in "${KEEP[@]}"; do
			[[ $f == "$k" ]] && continue 2
		done
		if grep -qaF -e "$CLIENT_SECRET" -e "$REFRESH" -e "$DEVTOKEN" \
		    -e "$AT_PREFIX" -e "$RT_PREFIX" -e "$KEY_LINE" "$f"; then
			leak+=" $f"
		fi
	done < <(find "$BATS_TEST_TMPDIR" -type f -print0)
	for f in "$EMU_DIR/log.ndjson" "$EMU_DIR/emu.out"; do
		if grep -qaF -e "$CLIENT_SECRET" -e "$REFRESH" -e "$DEVTOKEN" \
		    -e "$AT_PREFIX" -e "$RT_PREFIX" -e "$KEY_LINE" "$f"; then
			leak+=" $f"
		fi
	done
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

# faults JSON: queue faults on the emulator.
faults() {
	admin POST faults "$1" >/dev/null
}

# token_reqs: the token endpoint's requests, one compact JSON line each.
token_reqs() {
	admin GET requests | jq -c '.requests[] | select(.path | endswith("token"))'
}

# ntoken: how many requests the token endpoint had.
ntoken() {
	admin GET requests | jq '[.requests[] | select(.path | endswith("token"))] | length'
}

# tok [OPTION...]: run ac-token; sets $status, $output, $stderr, and keeps
# stderr in stderr.all for the teardown's search for secrets.
tok() {
	run --separate-stderr ac-token "$@"
	printf '%s\n' "$stderr" >>"$BATS_TEST_TMPDIR/stderr.all"
}

# use_env: the installed-app credentials in GOOGLE_ADS_* variables.
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

# rfc3339 SECONDS: the UTC time in RFC 3339 form.
rfc3339() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

# cache_files: the cache's files, one per line.
cache_files() {
	find "$XDG_CACHE_HOME/ac" -type f 2>/dev/null | sort
}

# mode FILE: its permission bits in octal.
mode() {
	stat -c %a "$1"
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

# has_url FILE: FILE holds the consent URL line.
has_url() {
	grep -q '^http' "$1" 2>/dev/null
}

# param NAME URL: the raw (still escaped) value of NAME in URL's query.
param() {
	sed -n "s/.*[?&]$1=\([^&]*\).*/\1/p" <<<"$2"
}

# login_start [OPTION...]: start "ac-token login OPTION..." in the
# background against the emulator's authorization endpoint, stdout in
# login.out, stderr in login.err; returns once the consent URL is printed.
# Sets LPID, URL and RPORT (the port of the redirect address).
login_start() {
	export AC_AUTH_URI=$EMU/o/oauth2/v2/auth
	# emptied here, not by the background job: the URL of a login before
	# must not be taken for this one's
	: >login.err
	ac-token login "$@" >login.out 2>>login.err </dev/null 3>&- &
	LPID=$!
	wait_until 10 has_url login.err || { cat login.err >&2; return 1; }
	URL=$(grep -m1 '^http' login.err)
	RPORT=$(param redirect_uri "$URL" | sed -n 's/^http%3A%2F%2F127\.0\.0\.1%3A\([0-9]*\)$/\1/p')
	[[ -n $RPORT ]] || { echo "no loopback redirect in: $URL" >&2; return 1; }
}

# login_wait: wait for the background login; sets LSTATUS.
login_wait() {
	LSTATUS=0
	wait "$LPID" || LSTATUS=$?
	LPID=
	cat login.err >>"$BATS_TEST_TMPDIR/stderr.all"
}

# browse URL: act as the browser: GET URL (the authorization endpoint,
# which consents at once) without following, and print its Location.
browse() {
	curl -sS -o /dev/null -w '%{redirect_url}' "$1"
}

# login_done [OPTION...]: a whole login whose consent is given at once,
# through the loopback redirect; sets LSTATUS.
login_done() {
	login_start "$@" || return 1
	run curl -sS "$(browse "$URL")"
	login_wait
}

# urldecode TEXT: TEXT with %XX and + decoded.
urldecode() {
	local s=${1//+/ }
	printf '%b' "${s//%/\\x}"
}

# url_scope [OPTION...]: the scope parameter (decoded) of the consent URL
# "ac-token login --no-browser OPTION..." prints before it finds nothing
# pasted on its standard input.
url_scope() {
	tok login --no-browser "$@" </dev/null
	urldecode "$(param scope "$(grep -m1 '^http' <<<"$stderr")")"
}

# fake_token JSON: a token endpoint on a free loopback port for one
# request, answering 200 with JSON. It keeps the names of the form's
# fields in form.keys and the claims of a JWT assertion in claims.json
# (no secret: the form's values are not kept). Sets FAKE, its URL, and
# FPID; it gives up after 20 s.
fake_token() {
	rm -f fake.port form.keys claims.json
	python3 -c '
import base64, http.server, json, os, sys, urllib.parse
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("content-length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        with open("form.keys", "w") as fp:
            fp.write(" ".join(sorted(form)) + "\n")
        if "assertion" in form:
            c = form["assertion"][0].split(".")[1]
            with open("claims.json", "wb") as fp:
                fp.write(base64.urlsafe_b64decode(c + "=" * (-len(c) % 4)))
        b = sys.argv[1].encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
s.timeout = 20
with open("fake.port.tmp", "w") as fp:
    fp.write(str(s.server_address[1]))
os.rename("fake.port.tmp", "fake.port")
s.handle_request()
' "$1" 3>&- &
	FPID=$!
	wait_until 10 test -s fake.port || return 1
	FAKE=http://127.0.0.1:$(cat fake.port)/token
}

# Token record and --raw

@test "default: one JSON record access_token, token_type, expires_at (AC_NOW + expires_in, RFC 3339), scope; exit 0, stderr empty" {
	use_env
	tok
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "${#lines[@]}" 1 "lines"
	is "$(jq -c keys_unsorted <<<"$output")" \
	    '["access_token","token_type","expires_at","scope"]' "keys"
	is "$(jq -r .token_type <<<"$output")" Bearer "token_type"
	is "$(jq -r .expires_at <<<"$output")" "$(rfc3339 $((AC_NOW + TTL)))" \
	    "expires_at"
	is "$(jq -r .expires_at <<<"$output")" 2026-09-21T15:13:19Z \
	    "expires_at, spelled out"
	# the refresh token's own scopes, as the token endpoint names them
	is "$(jq -r '.scope | split(" ") | index($s) != null' --arg s "$SCOPE" \
	    <<<"$output")" true "scope"
	[[ $(jq -r .access_token <<<"$output") =~ ^ya29\.mock-[A-Za-z0-9_-]+$ ]]
	is "$stderr" "" "stderr"
	# The refresh-token grant, with the client and refresh token sent
	# (the emulator logs their names, not their values).
	is "$(token_reqs | jq -c '[.method, .path, .status, .body]')" \
	    "[\"POST\",\"/token\",200,{\"grant_type\":\"refresh_token\",\"client_id\":\"$CLIENT_ID\",\"client_secret\":\"<redacted>\",\"refresh_token\":\"<redacted>\"}]" \
	    "the token request (no scope: Google gives the token's own)"
	is "$(token_reqs | jq -r '.headers["user-agent"]')" \
	    "ac-token/$(ac-token -V | awk '{print $NF}')" "user-agent"
	# expires_at follows AC_NOW.
	AC_NOW=$((AC_NOW + 100)) tok --no-cache
	[[ $status -eq 0 ]]
	is "$(jq -r .expires_at <<<"$output")" \
	    "$(rfc3339 $((AC_NOW + 100 + TTL)))" "expires_at at another AC_NOW"
}

@test "--raw: the access token alone on one line, the same token as the record's" {
	use_env
	tok
	[[ $status -eq 0 ]]
	local token
	token=$(jq -r .access_token <<<"$output")
	tok --raw
	[[ $status -eq 0 ]]
	is "$output" "$token" "--raw prints the cached token"
	is "$stderr" ""
	# One line: the token and a newline, nothing else.
	is "$(ac-token --raw | wc -lc | awk '{print $1, $2}')" \
	    "1 $((${#token} + 1))" "lines and bytes"
	is "$(ntoken)" 1 "token requests"
}

@test "> /dev/full: exit 3 with a write error, for the record and --raw" {
	use_env
	tok
	[[ $status -eq 0 ]]
	run --separate-stderr bash -c 'ac-token >/dev/full'
	is "$status" 3 "exit of the record"
	is "$stderr" "ac-token: stdout: No space left on device"
	run --separate-stderr bash -c 'ac-token --raw >/dev/full'
	is "$status" 3 "exit of --raw"
	is "$stderr" "ac-token: stdout: No space left on device"
}

# Credentials

@test "credentials: --config, else GOOGLE_ADS_CONFIGURATION_FILE_PATH, else ~/google-ads.yaml" {
	yaml "$HOME/google-ads.yaml" "client_id: $CLIENT_ID" \
	    "client_secret: $CLIENT_SECRET" "refresh_token: $REFRESH" \
	    "login_customer_id: 1111111111"
	yaml in/env.yaml "client_id: $CLIENT_ID" \
	    "client_secret: $CLIENT_SECRET" "refresh_token: $REFRESH" \
	    "login_customer_id: 2222222222"
	yaml in/opt.yaml "client_id: $CLIENT_ID" \
	    "client_secret: $CLIENT_SECRET" "refresh_token: $REFRESH" \
	    "login_customer_id: 3333333333"
	tok check
	[[ $status -eq 0 ]]
	is "${lines[0]}" "config: $HOME/google-ads.yaml" "~/google-ads.yaml"
	is "$(grep ^login_customer_id <<<"$output")" \
	    "login_customer_id: 1111111111 ($HOME/google-ads.yaml)"
	export GOOGLE_ADS_CONFIGURATION_FILE_PATH=in/env.yaml
	tok check
	[[ $status -eq 0 ]]
	is "${lines[0]}" "config: in/env.yaml" "the variable over ~/google-ads.yaml"
	is "$(grep ^login_customer_id <<<"$output")" \
	    "login_customer_id: 2222222222 (in/env.yaml)"
	tok --config in/opt.yaml check
	[[ $status -eq 0 ]]
	is "${lines[0]}" "config: in/opt.yaml" "--config over the variable"
	is "$(grep ^login_customer_id <<<"$output")" \
	    "login_customer_id: 3333333333 (in/opt.yaml)"
	# A token from each, the same credentials: one request, then cached.
	tok --config in/opt.yaml
	[[ $status -eq 0 ]]
	is "$(ntoken)" 1 "token requests"
	# A file named but missing is an error; ~/google-ads.yaml missing
	# is not.
	GOOGLE_ADS_CONFIGURATION_FILE_PATH=in/missing.yaml tok
	is "$status" 3 "a missing GOOGLE_ADS_CONFIGURATION_FILE_PATH"
	is "$stderr" "ac-token: in/missing.yaml: No such file or directory"
	tok --config in/missing.yaml
	is "$status" 3 "a missing --config"
	is "$output" ""
	unset GOOGLE_ADS_CONFIGURATION_FILE_PATH
	rm "$HOME/google-ads.yaml"
	use_env
	tok check
	[[ $status -eq 0 ]]
	is "${lines[0]}" "config: (none: environment only)"
}

@test "credentials: each GOOGLE_ADS_* variable wins over the same key of the file; an empty one does not" {
	yaml in/g.yaml "client_id: $CLIENT_ID" "client_secret: wrong-secret" \
	    "refresh_token: wrong-refresh-token" "login_customer_id: 1111111111" \
	    "developer_token: wrong-developer-token"
	export GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET \
	    GOOGLE_ADS_REFRESH_TOKEN=$REFRESH \
	    GOOGLE_ADS_LOGIN_CUSTOMER_ID=4444444444 \
	    GOOGLE_ADS_LINKED_CUSTOMER_ID=5555555555 \
	    GOOGLE_ADS_DEVELOPER_TOKEN=$DEVTOKEN GOOGLE_ADS_CLIENT_ID=
	tok --config in/g.yaml check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(sed -n '3,8p' <<<"$output")" "client_id: $CLIENT_ID (in/g.yaml)
client_secret: set, ${#CLIENT_SECRET} characters, masked (GOOGLE_ADS_CLIENT_SECRET)
refresh_token: set, ${#REFRESH} characters, masked (GOOGLE_ADS_REFRESH_TOKEN)
login_customer_id: 4444444444 (GOOGLE_ADS_LOGIN_CUSTOMER_ID)
linked_customer_id: 5555555555 (GOOGLE_ADS_LINKED_CUSTOMER_ID)
developer_token: set, ${#DEVTOKEN} characters, masked (GOOGLE_ADS_DEVELOPER_TOKEN)" \
	    "the fields and their sources"
	# The token came from the variables' secret and refresh token.
	is "$(token_reqs | jq -r .status)" 200 "the token request"
	# Without the variables, the file's wrong secret is used and refused.
	unset GOOGLE_ADS_CLIENT_SECRET
	tok --config in/g.yaml --no-cache
	is "$status" 3 "the file's secret"
}

@test "credentials: google-ads.yaml as Google's template lays it out: libyaml, quoted values, nested blocks, ~, null and empty values" {
	cp "$F/google-ads.yaml" in/google-ads.yaml
	chmod 600 in/google-ads.yaml
	tok --config in/google-ads.yaml check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	# (the scope lines are the scope tests' business)
	output=$(sed '/^scope: /,$d' <<<"$output")
	is "$output" "config: in/google-ads.yaml
flow: refresh token (installed app)
client_id: $CLIENT_ID (in/google-ads.yaml)
client_secret: set, ${#CLIENT_SECRET} characters, masked (in/google-ads.yaml)
refresh_token: set, ${#REFRESH} characters, masked (in/google-ads.yaml)
login_customer_id: 123-456-7890 (in/google-ads.yaml)
developer_token: set, ${#DEVTOKEN} characters, masked (in/google-ads.yaml)
token endpoint: $EMU/token
access token: valid until $(rfc3339 $((AC_NOW + TTL))) (59 min), new" "check"
	# The keys of the template ac does not read are named, not their
	# values; use_proto_plus is the Python client's and passes quietly.
	is "$stderr" "ac-token: in/google-ads.yaml:20: logging is not used by ac: ac logs to stderr; -v shows every message
ac-token: in/google-ads.yaml:36: http_proxy is not used by ac: set https_proxy in the environment (libcurl reads it)" "stderr"
}

@test "credentials: a key ac does not read is named on stderr, never its value; one that is no name is not echoed" {
	yaml in/g.yaml "client_id: $CLIENT_ID" "client_secret: $CLIENT_SECRET" \
	    "refresh_token: $REFRESH" "refresh_tokn: $REFRESH" \
	    "$REFRESH: x" "use_proto_plus: True"
	tok --config in/g.yaml check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$stderr" "ac-token: in/g.yaml:4: refresh_tokn is not a key ac reads; ignored
ac-token: in/g.yaml:5: a key ac does not read; ignored" "stderr"
	[[ $stderr != *"$REFRESH"* ]] || { echo "a secret on stderr" >&2; return 1; }
}

@test "credentials: check names what incomplete credentials lack, and ac-token login for a refresh token" {
	GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET tok check
	is "$status" 3
	[[ $output == *$'\nmissing: refresh_token: run ac-token login to get one\n'* ]] ||
		{ echo "output: $output" >&2; return 1; }
	GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET tok check
	[[ $output == *$'\nmissing: client_id and refresh_token (an OAuth client'* ]] ||
		{ echo "output: $output" >&2; return 1; }
	tok check
	[[ $output == *$'\nmissing: client_id, client_secret and refresh_token (an OAuth client, then ac-token login), or json_key_file_path'* ]] ||
		{ echo "output: $output" >&2; return 1; }
	is "$(ntoken)" 0 "token requests"
}

@test "credentials: deprecated path_to_private_key_file and delegated_account, in the file and the environment; the new names win" {
	cp "$F/deprecated.yaml" in/deprecated.yaml
	cp "$SA_DIR/key.json" in/key.json
	chmod 600 in/deprecated.yaml in/key.json
	tok --config in/deprecated.yaml check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(sed -n '2,4p' <<<"$output")" "flow: service account (jwt-bearer)
json_key_file_path: in/key.json (in/deprecated.yaml)
impersonated_email: $DELEGATE (in/deprecated.yaml)" "from the file"
	is "$(token_reqs | jq -r .body.grant_type)" \
	    urn:ietf:params:oauth:grant-type:jwt-bearer "the grant"
	# The same under the deprecated variable names.
	GOOGLE_ADS_PATH_TO_PRIVATE_KEY_FILE=$SA_DIR/key.json \
	    GOOGLE_ADS_DELEGATED_ACCOUNT=$DELEGATE tok check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(sed -n '2,4p' <<<"$output")" "flow: service account (jwt-bearer)
json_key_file_path: $SA_DIR/key.json (GOOGLE_ADS_PATH_TO_PRIVATE_KEY_FILE)
impersonated_email: $DELEGATE (GOOGLE_ADS_DELEGATED_ACCOUNT)" \
	    "from the deprecated variables"
	# The new names win over the deprecated ones: a delegated_account
	# the emulator does not know is not used.
	GOOGLE_ADS_PATH_TO_PRIVATE_KEY_FILE=in/missing.json \
	    GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json \
	    GOOGLE_ADS_DELEGATED_ACCOUNT=nobody@example.com \
	    GOOGLE_ADS_IMPERSONATED_EMAIL=$DELEGATE tok --no-cache check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(sed -n '3,4p' <<<"$output")" \
	    "json_key_file_path: $SA_DIR/key.json (GOOGLE_ADS_JSON_KEY_FILE_PATH)
impersonated_email: $DELEGATE (GOOGLE_ADS_IMPERSONATED_EMAIL)" \
	    "the new names win"
}

@test "credentials: incomplete ones: exit 3 with what to configure, nothing on stdout, no request" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	tok
	is "$status" 3
	is "$output" ""
	is "$stderr" "ac-token: no credentials: configure client_id, client_secret and refresh_token, or json_key_file_path, in google-ads.yaml or GOOGLE_ADS_* variables (ac-token check shows what is found)"
	is "$(ntoken)" 0 "token requests"
}

@test "credentials: a google-ads.yaml with secrets that others can read is used, with a warning; not one without secrets" {
	yaml in/g.yaml "client_id: $CLIENT_ID" "client_secret: $CLIENT_SECRET" \
	    "refresh_token: $REFRESH"
	tok --config in/g.yaml
	[[ $status -eq 0 ]]
	is "$stderr" "" "0600: no warning"
	chmod 640 in/g.yaml
	tok --config in/g.yaml
	[[ $status -eq 0 ]]
	is "$stderr" "ac-token: in/g.yaml: holds secrets and can be read by group or others; chmod 600 it"
	yaml in/public.yaml "client_id: $CLIENT_ID" "login_customer_id: 1234567890"
	chmod 644 in/public.yaml
	export GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET GOOGLE_ADS_REFRESH_TOKEN=$REFRESH
	tok --config in/public.yaml
	[[ $status -eq 0 ]]
	is "$stderr" "" "no secret in the file: no warning"
}

@test "credentials: the refresh-token file (AC_REFRESH_TOKEN_FILE) when no refresh_token is set; warned about when others can read it" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	printf '%s\n' "$REFRESH" >in/rt
	chmod 600 in/rt
	AC_REFRESH_TOKEN_FILE=in/rt tok check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "${lines[4]}" "refresh_token: set, ${#REFRESH} characters, masked (in/rt)"
	is "$stderr" ""
	chmod 644 in/rt
	AC_REFRESH_TOKEN_FILE=in/rt tok --no-cache
	[[ $status -eq 0 ]]
	is "$stderr" "ac-token: in/rt: readable by group or others; chmod 600 it"
	# A refresh_token set elsewhere wins over the file.
	GOOGLE_ADS_REFRESH_TOKEN=ac-test-other-refresh-token \
	    AC_REFRESH_TOKEN_FILE=in/rt tok --no-cache
	is "$status" 3 "the variable's (unknown) refresh token was used"
	# A missing file: no credentials.
	AC_REFRESH_TOKEN_FILE=in/missing tok
	is "$status" 3
	is "$(ntoken)" 3 "token requests"
}

@test "credentials: a google-ads.yaml that is not YAML or not a mapping: exit 3 with file and line, no request" {
	use_env
	printf 'client_id: [unclosed\nclient_secret: x\n' >in/bad.yaml
	tok --config in/bad.yaml
	is "$status" 3
	is "$output" ""
	[[ $stderr == "ac-token: in/bad.yaml:"[0-9]*": YAML: "* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	printf -- '- client_id\n- client_secret\n' >in/seq.yaml
	tok --config in/seq.yaml
	is "$status" 3
	is "$stderr" "ac-token: in/seq.yaml: expected a mapping of keys to values"
	mkdir in/dir.yaml
	tok --config in/dir.yaml
	is "$status" 3 "a directory"
	is "$(ntoken)" 0 "token requests"
}

# The cache

@test "cache: one file under \$XDG_CACHE_HOME/ac, mode 0600 in a 0700 directory, holding the token printed; no secret in its name" {
	use_env
	tok
	[[ $status -eq 0 ]]
	local f
	f=$(cache_files)
	is "$(wc -l <<<"$f")" 1 "cache files"
	[[ ${f##*/} =~ ^token-[0-9a-f]{32}\.json$ ]] ||
	    { echo "cache file name: $f" >&2; return 1; }
	is "${f%/*}" "$XDG_CACHE_HOME/ac" "cache directory"
	is "$(mode "$f")" 600 "file mode"
	is "$(mode "$XDG_CACHE_HOME/ac")" 700 "directory mode"
	is "$(jq -r .access_token "$f")" "$(jq -r .access_token <<<"$output")" \
	    "the cached token"
	is "$(jq -r .expires_at "$f")" $((AC_NOW + TTL)) "the cached expiry"
	# Nothing but the file: no temporary file left.
	is "$(find "$XDG_CACHE_HOME" -mindepth 1 | sort)" \
	    "$XDG_CACHE_HOME/ac
$f" "the cache directory's content"
	# Without XDG_CACHE_HOME, or with a relative one: ~/.cache/ac.
	rm -r "$XDG_CACHE_HOME"
	XDG_CACHE_HOME=relative tok
	[[ $status -eq 0 ]]
	is "$(find "$HOME/.cache" -name 'token-*.json' | wc -l)" 1 \
	    "~/.cache/ac with a relative XDG_CACHE_HOME"
	[[ ! -e relative ]]
	unset XDG_CACHE_HOME
	tok
	[[ $status -eq 0 ]]
	is "$(ntoken)" 2 "~/.cache/ac shared without XDG_CACHE_HOME"
}

@test "cache: a second call makes no token request and prints the same token; -v says where it came from" {
	use_env
	tok -v
	[[ $status -eq 0 ]]
	is "$stderr" "ac-token: access token from the token endpoint"
	local first=$output
	tok -v
	[[ $status -eq 0 ]]
	is "$stderr" "ac-token: access token from the cache"
	is "$output" "$first" "the same record"
	tok --raw
	is "$output" "$(jq -r .access_token <<<"$first")"
	is "$(ntoken)" 1 "token requests"
}

@test "cache: a directory others may write to, or a symbolic link, is not used" {
	use_env
	mkdir -p "$XDG_CACHE_HOME/ac"
	chmod 777 "$XDG_CACHE_HOME/ac"
	tok
	[[ $status -eq 0 ]]
	is "$stderr" "ac-token: token cache $XDG_CACHE_HOME/ac: not a directory of this user that only it can write to; the cache is not used"
	is "$(cache_files)" "" "no token written there"
	tok
	is "$(ntoken)" 2 "so every call asks the endpoint"
	rmdir "$XDG_CACHE_HOME/ac"
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$XDG_CACHE_HOME/ac"
	tok
	[[ $status -eq 0 ]]
	[[ $stderr == *"not a directory of this user"* ]]
	is "$(find "$BATS_TEST_TMPDIR/elsewhere" -type f)" "" "nothing behind the link"
}

@test "cache: reused while five minutes or more remain; with less, a new token replaces it" {
	use_env
	tok
	[[ $status -eq 0 ]]
	local first
	first=$(jq -r .access_token <<<"$output")
	# 300 s left: still good.
	AC_NOW=$((AC_NOW + TTL - 300)) tok --raw
	[[ $status -eq 0 ]]
	is "$output" "$first" "300 s left: the cached token"
	is "$(ntoken)" 1 "token requests with 300 s left"
	# 299 s left: a new one, which replaces the cached one.
	AC_NOW=$((AC_NOW + TTL - 299)) tok
	[[ $status -eq 0 ]]
	is "$(ntoken)" 2 "token requests with 299 s left"
	local second
	second=$(jq -r .access_token <<<"$output")
	[[ $second != "$first" ]]
	is "$(jq -r .expires_at <<<"$output")" \
	    "$(rfc3339 $((AC_NOW + TTL - 299 + TTL)))" "the new expiry"
	is "$(cache_files | wc -l)" 1 "cache files"
	is "$(jq -r .access_token "$(cache_files)")" "$second" "the cache holds the new token"
	AC_NOW=$((AC_NOW + TTL - 299)) tok --raw
	is "$output" "$second" "then the new one is reused"
	is "$(ntoken)" 2
	# An expired one, of course, is not used.
	AC_NOW=$((AC_NOW + 3 * TTL)) tok --raw
	[[ $output != "$second" ]]
	is "$(ntoken)" 3
}

@test "cache: --no-cache gets a new token, which replaces the cached one" {
	use_env
	tok --raw
	local first=$output
	tok --raw --no-cache
	[[ $status -eq 0 ]]
	local second=$output
	[[ $second != "$first" ]]
	is "$(ntoken)" 2 "token requests"
	is "$(jq -r .access_token "$(cache_files)")" "$second" "the cache"
	is "$(mode "$(cache_files)")" 600
	tok --raw
	is "$output" "$second" "the replacement is reused"
	is "$(ntoken)" 2
}

@test "cache: a file its group or others can read, or that is not JSON, is ignored and replaced by a 0600 one" {
	use_env
	tok --raw
	local first=$output f
	f=$(cache_files)
	chmod 644 "$f"
	tok --raw
	[[ $status -eq 0 ]]
	[[ $output != "$first" ]] || { echo "a 0644 cache file was used" >&2; return 1; }
	is "$(ntoken)" 2 "token requests after chmod 644"
	is "$(mode "$f")" 600 "mode of the replacement"
	is "$(jq -r .access_token "$f")" "$output" "the replacement's token"
	chmod 620 "$f"
	tok --raw
	is "$(ntoken)" 3 "token requests after chmod 620 (group may write)"
	printf 'not json\n' >"$f"
	chmod 600 "$f"
	tok
	[[ $status -eq 0 ]]
	is "$(ntoken)" 4 "token requests after a file that is not JSON"
	is "$(jq -r .access_token "$f")" "$(jq -r .access_token <<<"$output")"
}

@test "cache: one that cannot be written costs a new token next time, nothing more" {
	use_env
	: >in/file
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/in/file
	tok --raw
	is "$status" 0 "exit"
	[[ $output == "$AT_PREFIX"* ]]
	tok --raw
	is "$status" 0
	is "$(ntoken)" 2 "token requests"
}

@test "cache: one file per credential: another refresh token, token endpoint or impersonated user has its own" {
	use_env
	tok --raw
	admin POST tokens '{"refresh_token": "ac-test-second-refresh-token"}' >/dev/null
	GOOGLE_ADS_REFRESH_TOKEN=ac-test-second-refresh-token tok --raw
	[[ $status -eq 0 ]]
	is "$(ntoken)" 2 "another refresh token: a request"
	is "$(cache_files | wc -l)" 2 "cache files"
	# The emulator's other path for the token endpoint.
	tok --raw --token-uri "$EMU/oauth2/v4/token"
	[[ $status -eq 0 ]]
	is "$(ntoken)" 3 "another token endpoint: a request"
	is "$(cache_files | wc -l)" 3
	unset GOOGLE_ADS_CLIENT_ID GOOGLE_ADS_CLIENT_SECRET GOOGLE_ADS_REFRESH_TOKEN
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	tok --raw
	GOOGLE_ADS_IMPERSONATED_EMAIL=$DELEGATE tok --raw
	[[ $status -eq 0 ]]
	is "$(ntoken)" 5 "a service account, then acting for a user"
	is "$(cache_files | wc -l)" 5
	tok --raw
	GOOGLE_ADS_IMPERSONATED_EMAIL=$DELEGATE tok --raw
	is "$(ntoken)" 5 "each reused"
	# No secret in any name.
	is "$(cache_files | grep -cF -e "$REFRESH" -e "$CLIENT_ID" -e "$SA" -e "$DELEGATE")" 0
}

@test "cache: concurrent calls each print a whole record, and the cache file stays whole" {
	use_env
	local i
	for ((i = 0; i < 8; i++)); do
		ac-token >"out$i" 2>>stderr.all 3>&- &
	done
	wait
	for ((i = 0; i < 8; i++)); do
		jq -e '.access_token | startswith("ya29.mock-")' "out$i" >/dev/null ||
		    { echo "out$i: $(wc -c <"out$i") bytes" >&2; return 1; }
		rm "out$i"
	done
	is "$(cache_files | wc -l)" 1 "cache files"
	jq -e .access_token "$(cache_files)" >/dev/null
	is "$(grep -c . stderr.all || true)" 0 "stderr"
}

# Refusals, retries

@test "invalid_grant: exit 3, the likely causes (Testing status, 7 days, ...), nothing on stdout, no cache written" {
	use_env
	admin POST tokens '{"revoke_refresh_token": true}' >/dev/null
	tok
	is "$status" 3 "exit"
	is "$output" "" "stdout"
	is "${#stderr_lines[@]}" 2 "stderr lines"
	is "${stderr_lines[0]}" "ac-token: token endpoint: HTTP 400 invalid_grant (Token has been expired or revoked.)"
	is "${stderr_lines[1]}" 'ac-token: the refresh token no longer works. Likely causes: it was revoked (account security settings, or the user removed the app'"'"'s access); the OAuth app is in "Testing" publishing status, whose refresh tokens expire after 7 days; the password of the account changed; it was not used for six months; it was issued to another client_id; or too many refresh tokens were issued for this client. Get a new one with: ac-token login'
	is "$(cache_files)" "" "cache"
	is "$(ntoken)" 1 "not retried"
	tok check
	is "$status" 3 "check"
	grep -q '^ac-token: token endpoint: HTTP 400 invalid_grant' <<<"$stderr"
	grep -q 'expire after 7 days' <<<"$stderr"
}

@test "invalid_client: a wrong client_secret or an unknown client_id: exit 3 with the causes" {
	use_env
	GOOGLE_ADS_CLIENT_SECRET=ac-test-wrong-secret tok
	is "$status" 3
	is "$output" ""
	is "$stderr" "ac-token: token endpoint: HTTP 401 invalid_client (Unauthorized)
ac-token: client_id or client_secret is wrong, or the OAuth client was deleted"
	GOOGLE_ADS_CLIENT_ID=ac-test-unknown-client tok
	is "$status" 3
	is "$stderr" "ac-token: token endpoint: HTTP 401 invalid_client (The OAuth client was not found.)
ac-token: client_id or client_secret is wrong, or the OAuth client was deleted"
	[[ $stderr != *ac-test-wrong-secret* ]]
	is "$(ntoken)" 2 "not retried"
}

@test "token endpoint: 503 then 500 are retried, with a message each; then the token, exit 0" {
	use_env
	faults '[{"endpoint":"token","kind":"unavailable"},{"endpoint":"token","kind":"internal"}]'
	tok
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	[[ $(jq -r .access_token <<<"$output") == "$AT_PREFIX"* ]]
	is "$stderr" "ac-token: token endpoint: HTTP 503, retrying (3 retries left)
ac-token: token endpoint: HTTP 500, retrying (2 retries left)"
	is "$(token_reqs | jq -c '[.fault, .status]' | paste -sd' ')" \
	    '["unavailable",503] ["internal",500] [null,200]' "the requests"
	# A dropped connection, a 504 and an HTML 502 are retried too.
	faults '[{"endpoint":"token","kind":"reset"},{"endpoint":"token","kind":"deadline_exceeded"},{"endpoint":"token","kind":"bad_gateway_html"}]'
	tok --no-cache
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "${#stderr_lines[@]}" 3 "retry messages"
	is "$(ntoken)" 7
}

@test "token endpoint: still failing after 3 retries: exit 75, nothing on stdout; an unreachable one too" {
	use_env
	faults '[{"endpoint":"token","kind":"unavailable","count":4}]'
	tok
	is "$status" 75 "exit"
	is "$output" ""
	is "$stderr" "ac-token: token endpoint: HTTP 503, retrying (3 retries left)
ac-token: token endpoint: HTTP 503, retrying (2 retries left)
ac-token: token endpoint: HTTP 503, retrying (1 retry left)
ac-token: token endpoint: HTTP 503 internal_failure (The service is currently unavailable.)"
	is "$(ntoken)" 4 "attempts"
	is "$(cache_files)" "" "cache"
	faults '[{"endpoint":"token","kind":"reset","count":4}]'
	tok
	is "$status" 75 "connections reset"
	is "${#stderr_lines[@]}" 4
	is "$(ntoken)" 8
	# Nothing listens on port 1.
	tok --token-uri http://127.0.0.1:1/token
	is "$status" 75 "connection refused"
	is "${#stderr_lines[@]}" 4
	# The fault gone, the same credentials work.
	tok
	is "$status" 0
}

# Service accounts

@test "service account: an RS256 JWT the emulator verifies with the public key; the jwt-bearer grant; key file's token_uri" {
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	tok
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -c keys_unsorted <<<"$output")" \
	    '["access_token","token_type","expires_at","scope"]' "keys"
	is "$(jq -r .expires_at <<<"$output")" "$(rfc3339 $((AC_NOW + TTL)))"
	# The answer names no scope: the token has those the JWT claimed.
	is "$(jq -r .scope <<<"$output")" "$BOTH" "scope"
	is "$stderr" ""
	is "$(token_reqs | jq -c '[.status, .body]')" \
	    '[200,{"grant_type":"urn:ietf:params:oauth:grant-type:jwt-bearer","assertion":"<redacted>"}]' \
	    "the request"
	# Without AC_TOKEN_URI: the key file's token_uri.
	unset AC_TOKEN_URI
	tok --no-cache
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(ntoken)" 2 "the key file's token_uri"
	# A key file wins over a refresh token.
	use_env
	tok --no-cache check
	[[ $status -eq 0 ]]
	is "${lines[1]}" "flow: service account (jwt-bearer)"
	is "$(token_reqs | tail -1 | jq -r .body.grant_type)" \
	    urn:ietf:params:oauth:grant-type:jwt-bearer
}

@test "service account: a JWT signed with another key is refused: exit 3, invalid_grant with the service account's causes" {
	keyfile in/key.json "$SA_DIR/other.pem"
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=in/key.json
	tok
	is "$status" 3
	is "$output" ""
	is "$stderr" "ac-token: token endpoint: HTTP 400 invalid_grant (Invalid JWT Signature.)
ac-token: the service account's signed JWT was refused: check the key file (a deleted or rotated key), the system clock, and impersonated_email"
	# The emulator's clock far from AC_NOW: iat and exp are refused.
	admin POST clock '{"offset": 0}' >/dev/null
	GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json tok
	is "$status" 3 "a JWT of another time"
	grep -q "^ac-token: token endpoint: HTTP 400 invalid_grant (Invalid JWT: Token must be a short-lived token" <<<"$stderr"
}

@test "service account: impersonated_email the account may act for: a token; another: exit 3, unauthorized_client explained" {
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	GOOGLE_ADS_IMPERSONATED_EMAIL=$DELEGATE tok
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	[[ $(jq -r .access_token <<<"$output") == "$AT_PREFIX"* ]]
	yaml in/g.yaml "json_key_file_path: $SA_DIR/key.json" \
	    "impersonated_email: someone.else@example.com"
	tok --config in/g.yaml
	is "$status" 3
	is "$output" ""
	is "$stderr" "ac-token: token endpoint: HTTP 401 unauthorized_client (Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.)
ac-token: the service account may not act for impersonated_email (domain-wide delegation), or not with all the scopes asked for: $BOTH; choose them with --scope or AC_SCOPES (adwords, datamanager)"
}

@test "service account: a key file others can read is used with a warning; a missing or broken one: exit 3" {
	cp "$SA_DIR/key.json" in/key.json
	chmod 600 in/key.json
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=in/key.json
	tok
	[[ $status -eq 0 ]]
	is "$stderr" "" "0600: no warning"
	chmod 644 in/key.json
	tok --no-cache
	[[ $status -eq 0 ]]
	is "$stderr" "ac-token: in/key.json: readable by group or others; chmod 600 it"
	GOOGLE_ADS_JSON_KEY_FILE_PATH=in/missing.json tok
	is "$status" 3 "missing"
	is "$stderr" "ac-token: in/missing.json: No such file or directory"
	printf 'not json\n' >in/bad.json
	chmod 600 in/bad.json
	GOOGLE_ADS_JSON_KEY_FILE_PATH=in/bad.json tok
	is "$status" 3 "not JSON"
	is "$stderr" "ac-token: in/bad.json: not a service account key (a JSON object)"
	jq 'del(.private_key)' "$SA_DIR/key.json" >in/nokey.json
	chmod 600 in/nokey.json
	GOOGLE_ADS_JSON_KEY_FILE_PATH=in/nokey.json tok
	is "$status" 3 "no private_key"
	is "$stderr" "ac-token: in/nokey.json: a service account key needs client_email and private_key"
	jq '.private_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"' \
	    "$SA_DIR/key.json" >in/badkey.json
	chmod 600 in/badkey.json
	# (--no-cache: the cache is per service account, not per key)
	GOOGLE_ADS_JSON_KEY_FILE_PATH=in/badkey.json tok --no-cache
	is "$status" 3 "a private key that is not one"
	grep -q '^ac-token: service account key: cannot sign: ' <<<"$stderr"
	is "$(ntoken)" 2 "token requests"
}

# check

@test "check: the fields with their sources, the secrets masked by length, the flow, the endpoint, the expiry (new, then from the cache)" {
	yaml in/g.yaml "client_id: $CLIENT_ID" "client_secret: $CLIENT_SECRET" \
	    "developer_token: $DEVTOKEN" "login_customer_id: 123-456-7890" \
	    "linked_customer_id: 9876543210"
	export GOOGLE_ADS_REFRESH_TOKEN=$REFRESH
	tok --config in/g.yaml check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	local until
	until=$(rfc3339 $((AC_NOW + TTL)))
	is "$output" "config: in/g.yaml
flow: refresh token (installed app)
client_id: $CLIENT_ID (in/g.yaml)
client_secret: set, ${#CLIENT_SECRET} characters, masked (in/g.yaml)
refresh_token: set, ${#REFRESH} characters, masked (GOOGLE_ADS_REFRESH_TOKEN)
login_customer_id: 123-456-7890 (in/g.yaml)
linked_customer_id: 9876543210 (in/g.yaml)
developer_token: set, ${#DEVTOKEN} characters, masked (in/g.yaml)
token endpoint: $EMU/token
access token: valid until $until (59 min), new
scope: $BOTH
Google Ads API: yes
Data Manager API: yes" "check"
	is "$stderr" "" "stderr"
	[[ $output != *"$AT_PREFIX"* ]]
	AC_NOW=$((AC_NOW + 1800)) tok --config in/g.yaml check
	[[ $status -eq 0 ]]
	is "${lines[9]}" "access token: valid until $until (29 min), from the cache"
	is "$(ntoken)" 1 "token requests"
	tok --config in/g.yaml --token-uri "$EMU/oauth2/v4/token" check
	is "${lines[8]}" "token endpoint: $EMU/oauth2/v4/token" "--token-uri"
	# Incomplete credentials: flow none, exit 3.
	unset GOOGLE_ADS_REFRESH_TOKEN
	tok --config in/g.yaml check
	is "$status" 3 "incomplete"
	is "${lines[1]}" "flow: none: credentials incomplete"
	is "$stderr" "ac-token: no credentials: configure client_id, client_secret and refresh_token, or json_key_file_path, in google-ads.yaml or GOOGLE_ADS_* variables (ac-token check shows what is found)"
}

@test "check: a service account: the key file, the impersonated user, the flow" {
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json \
	    GOOGLE_ADS_IMPERSONATED_EMAIL=$DELEGATE
	tok check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$output" "config: (none: environment only)
flow: service account (jwt-bearer)
json_key_file_path: $SA_DIR/key.json (GOOGLE_ADS_JSON_KEY_FILE_PATH)
impersonated_email: $DELEGATE (GOOGLE_ADS_IMPERSONATED_EMAIL)
token endpoint: $EMU/token
access token: valid until $(rfc3339 $((AC_NOW + TTL))) (59 min), new
scope: $BOTH
Google Ads API: yes
Data Manager API: yes" "check"
	[[ $output != *"$KEY_LINE"* ]]
}

@test "check: a service account without --token-uri names the key file's token_uri as the endpoint in use" {
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	unset AC_TOKEN_URI
	tok check
	[[ $status -eq 0 ]]
	is "$(grep '^token endpoint: ' <<<"$output")" "token endpoint: $EMU/token"
}

@test "check > /dev/full: exit 3 with a write error" {
	use_env
	run --separate-stderr bash -c 'ac-token check >/dev/full'
	is "$status" 3
	is "$stderr" "ac-token: stdout: No space left on device"
}

# login

@test "login: consent URL with PKCE S256, offline, consent and state; the loopback redirect; the refresh token kept 0600 and used next" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	login_start --port 0
	# The consent URL.
	[[ $URL == "$EMU/o/oauth2/v2/auth?"* ]]
	is "$(param client_id "$URL")" "$CLIENT_ID" "client_id"
	is "$(param response_type "$URL")" code "response_type"
	# Both scopes by default, space-separated.
	is "$(param scope "$URL")" "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fadwords%20https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fdatamanager" "scope"
	is "$(param access_type "$URL")" offline "access_type"
	is "$(param prompt "$URL")" consent "prompt"
	is "$(param code_challenge_method "$URL")" S256 "code_challenge_method"
	[[ $(param code_challenge "$URL") =~ ^[A-Za-z0-9_-]{43}$ ]]
	[[ $(param state "$URL") =~ ^[A-Za-z0-9_-]{16,}$ ]]
	# While it waits: no secret in its argv.
	local argv
	argv=$(tr '\0' ' ' <"/proc/$LPID/cmdline")
	is "$argv" "ac-token login --port 0 " "argv"
	# The browser: consent, then the redirect to ac-token's listener.
	local loc
	loc=$(browse "$URL")
	[[ $loc == "http://127.0.0.1:$RPORT/?state=$(param state "$URL")&code="* ]] ||
	    { echo "Location: ${loc%%code=*}" >&2; return 1; }
	run curl -sS "$loc"
	[[ $output == *"ac-token received the answer"* ]]
	login_wait
	is "$LSTATUS" 0 "login's exit"
	is "$(tail -1 login.err)" \
	    "ac-token: refresh token kept in $XDG_CONFIG_HOME/ac/refresh-token (mode 0600)"
	is "$(wc -c <login.out)" 0 "stdout"
	local rt=$XDG_CONFIG_HOME/ac/refresh-token
	is "$(mode "$rt")" 600 "refresh-token file mode"
	is "$(mode "$XDG_CONFIG_HOME/ac")" 700 "its directory's mode"
	is "$(wc -l <"$rt")" 1 "one line"
	grep -q "^1//0mock-[A-Za-z0-9_-]*\$" "$rt"
	# What the emulator saw: the authorization request and the exchange.
	is "$(admin GET consent | jq -c '.authorizations[] | [.client_id, .redirect_uri, .response_type, .scope, .access_type, .prompt, .code_challenge_method, .result]')" \
	    "[\"$CLIENT_ID\",\"http://127.0.0.1:$RPORT\",\"code\",\"$BOTH\",\"offline\",\"consent\",\"S256\",\"code\"]" \
	    "the authorization request"
	# The exchange succeeded: the emulator checked the verifier against
	# the S256 challenge.
	is "$(token_reqs | jq -c '[.status, .body.grant_type, .body.redirect_uri, .body.code_verifier, .body.client_secret]')" \
	    "[200,\"authorization_code\",\"http://127.0.0.1:$RPORT\",\"<redacted>\",\"<redacted>\"]" \
	    "the code exchange"
	# Then ac-token finds the refresh token in that file by itself.
	tok check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "${lines[1]}" "flow: refresh token (installed app)"
	is "${lines[4]}" "refresh_token: set, $(($(wc -c <"$rt") - 1)) characters, masked ($rt)"
	is "$(sed -n '/^scope: /,$p' <<<"$output")" "scope: $BOTH
Google Ads API: yes
Data Manager API: yes" "the new refresh token's scopes"
	is "$(token_reqs | tail -1 | jq -c '[.status, .body.grant_type]')" \
	    '[200,"refresh_token"]' "the refresh-token grant with it"
	tok --raw
	[[ $status -eq 0 ]]
	is "$(ntoken)" 2 "then cached"
}

@test "login --output -: the refresh token on stdout only, no file; --output FILE and AC_REFRESH_TOKEN_FILE" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	KEEP+=("$BATS_TEST_TMPDIR/login.out")	# the captured stdout
	login_start --output -
	run curl -sS "$(browse "$URL")"
	login_wait
	is "$LSTATUS" 0
	grep -q "^1//0mock-[A-Za-z0-9_-]*\$" login.out
	is "$(wc -l <login.out)" 1 "one line on stdout"
	[[ ! -e $XDG_CONFIG_HOME/ac/refresh-token ]]
	is "$(grep -c 'refresh token kept' login.err || true)" 0 "no 'kept' message"
	# --output FILE.
	KEEP+=("$BATS_TEST_TMPDIR/rt")
	login_start --output rt
	run curl -sS "$(browse "$URL")"
	login_wait
	is "$LSTATUS" 0
	is "$(mode rt)" 600 "mode of --output's file"
	is "$(tail -1 login.err)" "ac-token: refresh token kept in rt (mode 0600); point AC_REFRESH_TOKEN_FILE at it"
	[[ ! -e $XDG_CONFIG_HOME/ac/refresh-token ]]
	AC_REFRESH_TOKEN_FILE=rt tok check
	[[ $status -eq 0 ]]
	is "${lines[4]}" "refresh_token: set, $(($(wc -c <rt) - 1)) characters, masked (rt)"
	# AC_REFRESH_TOKEN_FILE as the place login keeps it.
	KEEP+=("$BATS_TEST_TMPDIR/rt2")
	AC_REFRESH_TOKEN_FILE=rt2 login_start
	run curl -sS "$(browse "$URL")"
	login_wait
	is "$LSTATUS" 0
	is "$(mode rt2)" 600 "mode of AC_REFRESH_TOKEN_FILE"
	is "$(tail -1 login.err)" "ac-token: refresh token kept in rt2 (mode 0600)"
}

@test "login: a redirect with another state is refused: exit 3, the code not exchanged, nothing kept; a stray request is ignored" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	login_start
	# A browser's favicon request first: answered 400, still waiting.
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RPORT/favicon.ico"
	is "$output" 400 "favicon"
	kill -0 "$LPID"
	# A redirect crafted by hand, with a state of its own and a code the
	# emulator really issued for this very request.
	local loc forged
	loc=$(browse "$URL")
	forged=$(sed 's/state=[^&]*/state=forged-state-0123456789/' <<<"$loc")
	run curl -sS "$forged"
	login_wait
	is "$LSTATUS" 3 "exit"
	is "$(tail -1 login.err)" "ac-token: login: the redirect's state does not match; start again"
	is "$(ntoken)" 0 "no code exchange"
	[[ ! -e $XDG_CONFIG_HOME/ac/refresh-token ]]
	is "$(wc -c <login.out)" 0 "stdout"
	# Each login has a state and a challenge of its own.
	local first=$URL
	login_start
	[[ $(param state "$URL") != "$(param state "$first")" ]]
	[[ $(param code_challenge "$URL") != "$(param code_challenge "$first")" ]]
	run curl -sS "http://127.0.0.1:$RPORT/?code=4/0Aforged"
	login_wait
	is "$LSTATUS" 3 "no state at all"
	is "$(ntoken)" 0
}

@test "login: consent refused (access_denied): exit 3, nothing kept" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	admin POST consent '{"deny": true}' >/dev/null
	login_start
	local loc
	loc=$(browse "$URL")
	[[ $loc == *error=access_denied* ]]
	run curl -sS "$loc"
	login_wait
	is "$LSTATUS" 3 "exit"
	is "$(tail -1 login.err)" "ac-token: login: authorization refused: access_denied"
	is "$(ntoken)" 0 "no exchange"
	[[ ! -e $XDG_CONFIG_HOME/ac/refresh-token ]]
}

@test "login --no-browser: port 8085 in the URL, the address pasted on stdin, the refresh token kept" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET \
	    AC_AUTH_URI=$EMU/o/oauth2/v2/auth
	mkfifo paste.fifo
	exec 4<>paste.fifo
	ac-token login --no-browser <paste.fifo >login.out 2>login.err 3>&- 4>&- &
	LPID=$!
	wait_until 10 has_url login.err
	URL=$(grep -m1 '^http' login.err)
	is "$(param redirect_uri "$URL")" "http%3A%2F%2F127.0.0.1%3A8085" "redirect_uri"
	head -1 login.err | grep -q 'paste it here:$'
	# The browser ends on http://127.0.0.1:8085/?state=...&code=...,
	# where nothing listens; the user copies that address.
	browse "$URL" >&4
	echo >&4
	exec 4>&-
	login_wait
	is "$LSTATUS" 0 "exit"
	is "$(mode "$XDG_CONFIG_HOME/ac/refresh-token")" 600
	is "$(token_reqs | jq -c '[.status, .body.redirect_uri]')" \
	    '[200,"http://127.0.0.1:8085"]' "the exchange"
	# --port chooses the port; a pasted line without a query, or none.
	export AC_AUTH_URI=$EMU/o/oauth2/v2/auth
	run --separate-stderr ac-token login --no-browser --port 9999 \
	    <<<"http://127.0.0.1:9999/"
	is "$status" 3 "no query"
	grep -q '127.0.0.1%3A9999' <<<"$stderr"
	# (the message follows the "> " prompt, as nothing was echoed)
	[[ ${stderr_lines[-1]} == *"ac-token: login: expected the whole address, with ?code=...&state=..." ]]
	run --separate-stderr ac-token login --no-browser </dev/null
	is "$status" 3 "nothing pasted"
	[[ ${stderr_lines[-1]} == *"ac-token: login: no redirect address on standard input" ]]
	is "$(ntoken)" 1
}

@test "login: a refresh_token set elsewhere is warned about, as it wins over the new file" {
	use_env
	login_start
	run curl -sS "$(browse "$URL")"
	login_wait
	is "$LSTATUS" 0
	is "$(tail -1 login.err)" "ac-token: the refresh_token of GOOGLE_ADS_REFRESH_TOKEN is used before this file; remove it there to use the new one"
}

@test "login: without client_id and client_secret, or with a port in use: exit 3" {
	export AC_AUTH_URI=$EMU/o/oauth2/v2/auth
	GOOGLE_ADS_CLIENT_ID=$CLIENT_ID tok login
	is "$status" 3 "no client_secret"
	is "$stderr" "ac-token: login needs client_id and client_secret (an OAuth client of type Desktop app) in google-ads.yaml or GOOGLE_ADS_CLIENT_ID and GOOGLE_ADS_CLIENT_SECRET"
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	tok login --port "${EMU##*:}"
	is "$status" 3 "the emulator's port"
	is "$stderr" "ac-token: loopback port ${EMU##*:}: Address already in use"
}

# Usage

@test "usage: -h exits 0 with usage on stdout; -V prints the version" {
	tok -h
	is "$status" 0
	is "${lines[0]}" "usage: ac-token [-hqVv] [--cacert FILE] [--config FILE] [--no-browser] [--no-cache] [--output FILE] [--port N] [--raw] [--scope SCOPE] [--token-uri URL] [check | login]"
	is "$stderr" ""
	tok --help
	is "$status" 0
	tok -V
	is "$status" 0
	[[ $output =~ ^ac-token\ [0-9] ]]
}

@test "usage: unknown commands and options, bad --port, --token-uri, AC_TOKEN_URI and AC_NOW exit 2 with usage on stderr, before any request" {
	use_env
	local args
	for args in "bogus" "check login" "check extra" "--bogus" "-x" \
	    "--port 65536 login" "--port -1 login" "--port abc login" \
	    "--port= login" "--token-uri http://example.com/token" \
	    "--token-uri ftp://127.0.0.1/token" "--token-uri nonsense" \
	    "--config"; do
		# shellcheck disable=SC2086
		tok $args
		if [[ $status -ne 2 || $output != "" ||
		    $stderr != *"usage: ac-token "* ]]; then
			printf 'FAIL ac-token %s: exit %s\n  stderr: %s\n' \
			    "$args" "$status" "$stderr" >&2
			FAILS=$((FAILS + 1))
		fi
	done
	AC_TOKEN_URI=http://example.com/token tok
	is "$status" 2 "AC_TOKEN_URI not loopback"
	is "${stderr_lines[0]}" "ac-token: token URI: http:// is allowed only to a loopback host; use https://"
	AC_NOW=yesterday tok
	is "$status" 2 "AC_NOW"
	is "$(ntoken)" 0 "token requests"
	checks_pass
}

@test "usage: an AC_AUTH_URI that is not https or loopback http exits 2, before any request" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	AC_AUTH_URI=http://example.com/auth tok login
	is "$status" 2
	is "${stderr_lines[0]}" "ac-token: AC_AUTH_URI: http:// is allowed only to a loopback host; use https://"
	AC_AUTH_URI=ftp://127.0.0.1/auth tok login
	is "$status" 2
	is "$(admin GET consent | jq '.authorizations | length')" 0
}

@test "usage: a bad AC_AUTH_URI prints the usage too, as EXIT STATUS says of exit 2" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	AC_AUTH_URI=http://example.com/auth tok login
	is "$status" 2
	[[ $stderr == *"usage: ac-token "* ]]
}

# Scopes

@test "scopes: login --scope adwords asks for adwords alone; check of its refresh token: Google Ads API yes, Data Manager API no and what to do; the refresh grant sends no scope" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	login_done --scope adwords
	is "$LSTATUS" 0 "login's exit"
	is "$(param scope "$URL")" "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fadwords" "the URL's scope"
	is "$(admin GET consent | jq -r '.authorizations[-1].scope')" "$SCOPE" \
	    "what the authorization endpoint was asked"
	tok check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(sed -n '/^scope: /,$p' <<<"$output")" "scope: $SCOPE
Google Ads API: yes
Data Manager API: no: the refresh token was made without the datamanager scope; run ac-token login again (it asks for both scopes)" "check"
	is "$stderr" "" "stderr"
	tok
	is "$(jq -r .scope <<<"$output")" "$SCOPE" "the record's scope"
	is "$(token_reqs | jq -c 'select(.body.grant_type == "refresh_token") | .body | has("scope")')" \
	    false "no scope in the refresh-token grant"
	# Login again, as check says: both scopes.
	login_done
	is "$LSTATUS" 0 "second login"
	tok check
	[[ $status -eq 0 ]]
	is "$(sed -n '/^scope: /,$p' <<<"$output")" "scope: $BOTH
Google Ads API: yes
Data Manager API: yes" "check after the second login"
}

@test "scopes: an adwords-only refresh token, as made before Data Manager: its tokens carry adwords alone, and check says to log in again" {
	local old=1//0ac-test-adwords-only-refresh-Vb82
	admin POST tokens "{\"refresh_token\": {\"refresh_token\": \"$old\", \"scope\": \"$SCOPE\"}}" >/dev/null
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET \
	    GOOGLE_ADS_REFRESH_TOKEN=$old
	tok
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -r .scope <<<"$output")" "$SCOPE" "the record's scope"
	tok check
	[[ $status -eq 0 ]]
	is "$(sed -n '/^scope: /,$p' <<<"$output")" "scope: $SCOPE
Google Ads API: yes
Data Manager API: no: the refresh token was made without the datamanager scope; run ac-token login again (it asks for both scopes)" "check"
	[[ $output != *"$old"* ]]
}

@test "scopes: --scope takes short names, URLs, comma- or space-separated lists and repeats, each scope once; AC_SCOPES when there is no --scope" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET \
	    AC_AUTH_URI=$EMU/o/oauth2/v2/auth
	is "$(url_scope)" "$BOTH" "default"
	is "$(url_scope --scope datamanager)" "$DM_SCOPE" "datamanager"
	is "$(url_scope --scope datamanager,adwords)" "$DM_SCOPE $SCOPE" "a list, in its order"
	is "$(url_scope --scope "adwords  datamanager")" "$BOTH" "spaces"
	is "$(url_scope --scope datamanager --scope adwords --scope "$DM_SCOPE")" \
	    "$DM_SCOPE $SCOPE" "repeated, each once"
	is "$(url_scope --scope "$SCOPE")" "$SCOPE" "a URL"
	is "$(url_scope --scope adwords,https://www.googleapis.com/auth/cloud-platform)" \
	    "$SCOPE https://www.googleapis.com/auth/cloud-platform" "another Google scope passed through"
	is "$(AC_SCOPES=datamanager url_scope)" "$DM_SCOPE" "AC_SCOPES"
	is "$(AC_SCOPES="adwords, datamanager" url_scope)" "$BOTH" "AC_SCOPES, a list"
	is "$(AC_SCOPES=datamanager url_scope --scope adwords)" "$SCOPE" "--scope wins"
	is "$(AC_SCOPES= url_scope)" "$BOTH" "an empty AC_SCOPES is unset"
	is "$(admin GET consent | jq '.authorizations | length')" 0 "no consent asked"
}

@test "scopes: a bad --scope or AC_SCOPES exits 2 with usage on stderr, before any request" {
	use_env
	local v want
	for v in bogus ADWORDS openid "adwords openid" "" " , " \
	    http://www.googleapis.com/auth/adwords \
	    https://www.googleapis.com/auth/ \
	    https://www.googleapis.com/auth/ad%20words \
	    "https://www.googleapis.com/auth/a?b" \
	    https://example.com/auth/adwords; do
		want="expected adwords, datamanager or a URL under https://www.googleapis.com/auth/"
		[[ $v == "" || $v == " , " ]] && want="no scope named"
		tok --scope "$v"
		if [[ $status -ne 2 || $output != "" ||
		    ${stderr_lines[0]} != "ac-token: --scope: $want" ||
		    $stderr != *"usage: ac-token "* ]]; then
			printf 'FAIL --scope "%s": exit %s\n  stderr: %s\n' \
			    "$v" "$status" "$stderr" >&2
			FAILS=$((FAILS + 1))
		fi
	done
	AC_SCOPES=ads tok login
	is "$status" 2 "AC_SCOPES"
	is "${stderr_lines[0]}" "ac-token: AC_SCOPES: expected adwords, datamanager or a URL under https://www.googleapis.com/auth/"
	[[ $stderr == *"usage: ac-token "* ]]
	is "$(ntoken)" 0 "token requests"
	is "$(admin GET consent | jq '.authorizations | length')" 0 "authorizations"
	checks_pass
}

@test "scopes: a service account's JWT claims adwords and datamanager by default, what --scope or AC_SCOPES names otherwise" {
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	local answer='{"access_token":"fake-access","expires_in":3599,"token_type":"Bearer"}'
	fake_token "$answer"
	tok --token-uri "$FAKE"
	wait "$FPID"
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(cat form.keys)" "assertion grant_type" "the form"
	is "$(jq -r .scope claims.json)" "$BOTH" "the claim, by default"
	is "$(jq -r '[.iss, .aud] | join(" ")' claims.json)" "$SA $FAKE" "iss and aud"
	is "$(jq -r .scope <<<"$output")" "$BOTH" "the token's scope: the claim"
	fake_token "$answer"
	AC_SCOPES=adwords tok --token-uri "$FAKE"
	wait "$FPID"
	is "$(jq -r .scope claims.json)" "$SCOPE" "AC_SCOPES=adwords"
	is "$(jq -r .scope <<<"$output")" "$SCOPE" "the token's scope"
	fake_token "$answer"
	tok --token-uri "$FAKE" --scope "datamanager https://www.googleapis.com/auth/cloud-platform"
	wait "$FPID"
	is "$(jq -r .scope claims.json)" "$DM_SCOPE https://www.googleapis.com/auth/cloud-platform" "--scope"
	is "$stderr" "" "no warning for a service account"
}

@test "scopes: a service account token per set of scopes in the cache; check says which APIs it serves" {
	export GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json
	tok --scope adwords
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -r .scope <<<"$output")" "$SCOPE" "adwords alone"
	tok
	is "$(jq -r .scope <<<"$output")" "$BOTH" "the default"
	is "$(ntoken)" 2 "two tokens"
	is "$(cache_files | wc -l)" 2 "two cache files"
	AC_SCOPES=adwords tok -v
	is "$(jq -r .scope <<<"$output")" "$SCOPE" "from the cache"
	is "$stderr" "ac-token: access token from the cache"
	is "$(ntoken)" 2 "no new request"
	tok --scope adwords check
	is "$(sed -n '/^scope: /,$p' <<<"$output")" "scope: $SCOPE
Google Ads API: yes
Data Manager API: no: the datamanager scope was not asked for; add it to --scope or AC_SCOPES, or set neither (both by default)" "check"
}

@test "scopes: the cache keeps the token's scopes; a token whose scopes are not known prints scope null, and check says unknown" {
	use_env
	tok
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	local scope f
	scope=$(jq -r .scope <<<"$output")
	f=$(cache_files)
	is "$(jq -r .scope "$f")" "$scope" "the cache file's scope"
	tok -v
	is "$(jq -r .scope <<<"$output")" "$scope" "the cached token's"
	is "$stderr" "ac-token: access token from the cache"
	# A token endpoint that named no scope: unknown, not guessed.
	jq -c 'del(.scope)' "$f" >"$f.new"
	chmod 600 "$f.new"
	mv "$f.new" "$f"
	tok
	is "$(jq -c '[keys_unsorted, .scope]' <<<"$output")" \
	    '[["access_token","token_type","expires_at","scope"],null]' "scope null"
	tok check
	is "$(sed -n '/^scope: /,$p' <<<"$output")" "scope: unknown (the token endpoint did not say)
Google Ads API: unknown
Data Manager API: unknown" "check"
	is "$(ntoken)" 1 "from the cache throughout"
}

@test "scopes: --scope with a refresh token warns that the token keeps its own scopes; AC_SCOPES does not" {
	use_env
	tok --scope adwords
	is "$status" 0
	is "$stderr" "ac-token: --scope: a refresh token carries the scopes it was made with; to change them, run ac-token login --scope"
	[[ $(jq -r .access_token <<<"$output") == "$AT_PREFIX"* ]]
	AC_SCOPES=adwords tok
	is "$status" 0
	is "$stderr" "" "AC_SCOPES: no warning"
}

@test "scopes: invalid_scope names the scopes asked for, from login and from a service account" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	local other=https://www.googleapis.com/auth/cloud-platform loc
	login_start --scope "$other"
	loc=$(browse "$URL")
	[[ $loc == *error=invalid_scope* ]] || { echo "Location: $loc" >&2; return 1; }
	run curl -sS "$loc"
	login_wait
	is "$LSTATUS" 3 "login's exit"
	is "$(tail -2 login.err)" "ac-token: login: authorization refused: invalid_scope
ac-token: the scopes asked for were refused: $other; choose them with --scope or AC_SCOPES (adwords, datamanager)"
	[[ ! -e $XDG_CONFIG_HOME/ac/refresh-token ]]
	GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json tok --scope "$other"
	is "$status" 3 "service account's exit"
	is "$output" ""
	is "$stderr" "ac-token: token endpoint: HTTP 400 invalid_scope (Invalid OAuth scope or ID token audience provided.)
ac-token: the scopes asked for were refused: $other; choose them with --scope or AC_SCOPES (adwords, datamanager)"
}

@test "scopes: login warns about a scope the consent did not grant (unticked), and keeps the refresh token" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	# Google's consent screen lets the user untick a scope; the exchange
	# then names only the others.
	fake_token '{"access_token":"fake-access","expires_in":3599,"refresh_token":"fake-refresh","scope":"https://www.googleapis.com/auth/adwords","token_type":"Bearer"}'
	AC_TOKEN_URI=$FAKE login_start --output -
	run curl -sS "$(browse "$URL")"
	login_wait
	wait "$FPID"
	is "$LSTATUS" 0 "login's exit"
	is "$(cat login.out)" fake-refresh "the refresh token"
	is "$(grep -c 'did not grant' login.err)" 1 "one warning"
	grep -qxF "ac-token: login: the consent did not grant $DM_SCOPE (was it unticked?): the Data Manager API will refuse this refresh token's access tokens; run ac-token login again and allow all" login.err
}

@test "scopes: datamanager alone, from login and from a service account" {
	export GOOGLE_ADS_CLIENT_ID=$CLIENT_ID GOOGLE_ADS_CLIENT_SECRET=$CLIENT_SECRET
	login_done --scope datamanager
	is "$LSTATUS" 0 "login's exit"
	tok check
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(sed -n '/^scope: /,$p' <<<"$output")" "scope: $DM_SCOPE
Google Ads API: no: the refresh token was made without the adwords scope; run ac-token login again (it asks for both scopes)
Data Manager API: yes" "check"
	GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json tok --scope datamanager
	[[ $status -eq 0 ]] || { echo "exit $status: $stderr" >&2; return 1; }
	is "$(jq -r .scope <<<"$output")" "$DM_SCOPE" "service account"
}

# Secrets

@test "secrets: after every flow, no secret on stderr or in any file but the cache and the refresh-token file" {
	# The teardown of every test checks the files, stderr and the log;
	# this one runs every flow in one home and also searches the whole
	# home for the access tokens it printed.
	use_env
	yaml "$HOME/google-ads.yaml" "developer_token: $DEVTOKEN"
	tok
	local t1 t2
	t1=$(jq -r .access_token <<<"$output")
	tok check
	GOOGLE_ADS_JSON_KEY_FILE_PATH=$SA_DIR/key.json tok --raw
	t2=$output
	admin POST tokens '{"revoke_refresh_token": true}' >/dev/null
	tok --no-cache
	is "$status" 3
	unset GOOGLE_ADS_REFRESH_TOKEN
	login_start
	run curl -sS "$(browse "$URL")"
	login_wait
	is "$LSTATUS" 0
	is "$(grep -rlaF -e "$t1" -e "$t2" "$HOME" | sort | paste -sd' ')" \
	    "$(cache_files | paste -sd' ')" "files holding the access tokens"
	is "$(grep -rlaF -e "$RT_PREFIX" "$HOME")" \
	    "$XDG_CONFIG_HOME/ac/refresh-token" "files holding the new refresh token"
	is "$(grep -rlaF -e "$REFRESH" -e "$CLIENT_SECRET" "$HOME/.cache" "$XDG_CONFIG_HOME" || true)" \
	    "" "the refresh token or client secret in the cache or config"
}

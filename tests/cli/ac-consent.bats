#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-consent: reading consent (google-ads-consent and its alias consent, in
# the snake-case, camel-case and Data Manager spellings, as objects or as
# one value for both), writing it back explicitly, --missing, --require-explicit, removing the
# personal identifiers when ad_user_data is DENIED, the summary, the
# rejects file and the STYLE.md §10 checks every tool must pass. Run from
# the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-consent.bats

load helper

F=$BATS_TEST_DIRNAME/fixtures/ac-consent

# The helpers of helper.bash run ac-normalize; these run ac-consent.

# crun LINE [OPTION...]: run ac-consent on the one line LINE, read from the
# file in.ndjson; sets $status, $output, $stderr.
crun() {
	local line=$1
	shift
	printf '%s\n' "$line" >in.ndjson
	run --separate-stderr ac-consent "$@" in.ndjson
}

# gac: google-ads-consent of the (single) output record, compact.
gac() {
	jq -c '.["google-ads-consent"]' <<<"$output"
}

# cwarns: the record's warnings as "stage/field:code" words, in order.
cwarns() {
	jq -r '[(.ac_warnings // [])[] | .stage + "/" + .field + ":" + .code]
	    | join(" ")' <<<"$output"
}

# fail_check WHAT INPUT OPTIONS WANT GOT: report one failed check and count
# it (see checks_pass in helper.bash).
fail_check() {
	printf 'FAIL %s\n  input:    %s\n  options:  %s\n' "$1" "$2" \
	    "${3:-(none)}" >&2
	printf '  expected: %s\n  actual:   %s (exit %s)\n  stderr:   %s\n' \
	    "$4" "$5" "$status" "$stderr" >&2
	FAILS=$((FAILS + 1))
}

# cexpect OBJECT WANT_UD WANT_AP WARNINGS [OPTION...]: ac-consent on the
# record {OBJECT} writes ad_user_data WANT_UD and ad_personalization
# WANT_AP, exits 0, and adds exactly the warnings WARNINGS
# ("field:code ...", "" for none). Counts a failure instead of stopping.
cexpect() {
	local obj=$1 ud=$2 ap=$3 want_w=$4 got w
	shift 4
	crun "{$obj}" "$@"
	got=$(jq -r '.["google-ads-consent"] |
	    "\(.ad_user_data) \(.ad_personalization)"' <<<"$output" 2>&1)
	w=$(jq -r '[(.ac_warnings // [])[] | .field + ":" + .code] |
	    join(" ")' <<<"$output" 2>&1)
	if [[ $status -ne 0 || "$got" != "$ud $ap" || "$w" != "$want_w" ]]; then
		fail_check consent "{$obj}" "$*" "$ud $ap [$want_w]" "$got [$w]"
	fi
	return 0
}

# creject LINE FIELD [OPTION...]: ac-consent -R rej.ndjson rejects the
# record LINE with consent_missing for FIELD: exit 1, nothing on stdout,
# the rejects file holds the reason and the record as read, and stderr has
# the located message.
creject() {
	local line=$1 field=$2 problem=''
	shift 2
	printf '%s\n' "$line" >in.ndjson
	run --separate-stderr ac-consent -R rej.ndjson "$@" in.ndjson
	if [[ $status -ne 1 ]]; then
		problem="exit $status"
	elif [[ -n $output ]]; then
		problem="record written to stdout"
	elif ! jq -e --arg f "$field" --argjson r "$line" '
	    .stage == "ac-consent" and .file == "in.ndjson" and .line == 1 and
	    .code == "consent_missing" and .field == $f and
	    (.message | type == "string" and length > 0) and .record == $r' \
	    rej.ndjson >/dev/null; then
		problem="rejects file: $(cat rej.ndjson)"
	elif ! grep -qF "ac-consent: in.ndjson:1: $field: " <<<"$stderr" ||
	    ! grep -qF "(consent_missing)" <<<"$stderr"; then
		problem="no located message on stderr"
	fi
	if [[ -n $problem ]]; then
		fail_check "reject ($field)" "$line" "$*" "rejected" "$problem"
	fi
	return 0
}

# nonblank FILE: the number of input records (lines with more than blanks).
nonblank() {
	tr -d '\r' <"$1" | grep -c '[^[:blank:]]' || true
}

# nlines FILE: the number of lines of FILE.
nlines() {
	wc -l <"$1" | tr -d ' '
}

# stage_summary IN OUT REJECTED REJECT_COUNTS WARNINGS [WARNING_COUNTS]:
# the stage's end-of-run line (man/ac.7).
stage_summary() {
	printf 'ac-consent: %s in, %s out, %s rejected' "$1" "$2" "$3"
	[[ $3 -gt 0 ]] && printf ' (%s)' "$4"
	printf '; %s warning' "$5"
	[[ $5 -eq 1 ]] || printf 's'
	[[ $5 -gt 0 ]] && printf ' (%s)' "$6"
	echo
}

# consent_summary UD_G UD_D UD_U AP_G AP_D AP_U REMOVED: the consent line.
consent_summary() {
	printf 'ac-consent: ad_user_data %s GRANTED, %s DENIED, %s UNSPECIFIED; ' "$1" "$2" "$3"
	printf 'ad_personalization %s GRANTED, %s DENIED, %s UNSPECIFIED; ' "$4" "$5" "$6"
	printf 'identifiers removed from %s record' "$7"
	[[ $7 -eq 1 ]] || printf 's'
	echo
}

# cfixture CASE OUT [OPTION...]: ac-consent on fixtures CASE.in gives
# exactly OUT.out. Leaves $status, and the streams in out and err.
cfixture() {
	local case=$1 want=$2
	shift 2
	cp "$F/$case.in" "$case.in"
	status=0
	ac-consent "$@" "$case.in" >out 2>err || status=$?
	if ! diff -u "$F/$want.out" out >&2; then
		echo "stdout differs from $want.out (stderr follows)" >&2
		cat err >&2
		return 1
	fi
}

ALL_IDS='"email":"a@example.com","phone":"+491701234567","first_name":"alex","last_name":"quinn","street_address":"1 main st","city":"berlin","region":"be","postal_code":"10115","hashed_email":"aa","hashed_phone_number":"bb","hashed_first_name":"cc","hashed_last_name":"dd","hashed_street_address":"ee","address_info":{"city":"berlin"},"user_ip_address":"192.0.2.1"'
KEEP='"gclid":"Cj0K-g","gbraid":"gb","wbraid":"wb","country_code":"DE","user_agent":"Mozilla/5.0","order_id":"A-1","note":"free text"'
GAC_GG='"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}'

## Golden output

@test "golden: the default rules give exactly golden.out" {
	cfixture golden golden
	is "$status" 0 "exit status"
	is "$(tail -n 2 err)" "$(stage_summary 12 12 0 '' 5 '2 consent_key_unknown, 2 identifiers_removed_no_consent, 1 consent_value_invalid')
$(consent_summary 6 2 4 3 4 5 2)" "summaries"
}

@test "golden: -E EEA gives exactly eea.out" {
	cfixture golden eea -E EEA
	is "$status" 0 "exit status"
	is "$(tail -n 1 err)" "$(consent_summary 6 5 1 3 7 2 5)" "consent summary"
}

@test "golden: -m reject gives exactly reject.out and rejects the rest" {
	cfixture golden reject -m reject -R rej.ndjson
	is "$status" 1 "exit status"
	is "$(jq -c '[.line, .code, .field]' rej.ndjson | tr '\n' ' ')" \
	    '[3,"consent_missing","google-ads-consent.ad_user_data"] [7,"consent_missing","google-ads-consent.ad_user_data"] [9,"consent_missing","google-ads-consent.ad_personalization"] [11,"consent_missing","google-ads-consent.ad_user_data"] [12,"consent_missing","google-ads-consent.ad_user_data"] ' \
	    "rejects"
	# Each rejected record is the input line, unchanged.
	is "$(jq -c .record rej.ndjson)" "$(sed -n '3p;7p;9p;11p;12p' "$F/golden.in")" "records"
	is "$(($(nlines out) + $(nlines rej.ndjson)))" "$(nonblank golden.in)" "conservation"
	is "$(tail -n 2 err)" "$(stage_summary 12 7 5 '5 consent_missing' 3 '2 consent_key_unknown, 1 identifiers_removed_no_consent')
$(consent_summary 6 1 0 3 4 0 1)" "summaries count only the records written"
}

@test "golden: the long options give the same output as the short ones" {
	cfixture golden eea --require-explicit EEA
	cfixture golden eea --require-explicit=eea --missing=unspecified
	cfixture golden reject --missing reject --rejects rej.ndjson
	cfixture golden golden --missing unspecified
}

@test "golden: every fixture .in has its .out" {
	local f
	for f in "$F"/*.in; do
		[[ -f ${f%.in}.out ]] || { echo "no .out for $f" >&2; return 1; }
	done
}

@test "golden: the output is stable, so a second pass changes nothing" {
	cp "$F/golden.out" again.in
	run --separate-stderr ac-consent again.in
	is "$status" 0 "exit status"
	is "$output" "$(cat "$F/golden.out")" "second pass over golden.out"
	cp "$F/eea.out" again.in
	run --separate-stderr ac-consent -E EEA again.in
	is "$status" 0 "exit status"
	is "$output" "$(cat "$F/eea.out")" "second pass over eea.out"
	cp "$F/reject.out" again.in
	run --separate-stderr ac-consent -m reject again.in
	is "$output" "$(cat "$F/reject.out")" "second pass over reject.out"
}

@test "golden: real-world spellings give exactly spellings.out" {
	cfixture spellings spellings
	is "$status" 0 "exit status"
	is "$(tail -n 2 err)" "$(stage_summary 13 13 0 '' 9 '6 identifiers_removed_no_consent, 1 consent_conflict, 1 consent_key_unknown, 1 consent_not_object')
$(consent_summary 4 6 3 6 4 3 6)" "summaries"
	# CONSENT_STATUS_UNSPECIFIED is missing: DENIED in the EEA (S-4, DE).
	ac-consent -E EEA spellings.in >out 2>err
	is "$(jq -c 'select(.order_id == "S-4") | [.["google-ads-consent"], has("email")]' out)" \
	    '[{"ad_user_data":"DENIED","ad_personalization":"GRANTED"},false]' "S-4 with -E EEA"
	is "$(tail -n 1 err)" "$(consent_summary 4 7 2 6 5 2 7)" "consent summary with -E EEA"
	# A second pass changes nothing: no camel case, no single values left,
	# and consent_key_unknown is not added twice. Only the consent that is
	# an array (S-12) is warned about again, on stderr, as the page says;
	# the record already carries that warning.
	cp "$F/spellings.out" again.in
	run --separate-stderr ac-consent again.in
	is "$output" "$(cat "$F/spellings.out")" "second pass over spellings.out"
	is "$(jq -c 'select(.order_id == "S-12") | [.consent, [.ac_warnings[].code]]' <<<"$output")" \
	    '[["DENIED"],["consent_not_object"]]' "S-12 again"
	is "${stderr_lines[-2]}" "$(stage_summary 13 13 0 '' 1 '1 consent_not_object')" "warnings of the second pass"
}

@test "unknown keys and key order pass through" {
	crun '{"z":1,"a":{"y":[1,{"b":null}],"x":"\u00e9"},'"$GAC_GG"',"Email":"Not@Touched.COM","m":"x","n":null,"f":false,"arr":[3,2,1],"num":2.5}'
	is "$status" 0 "exit status"
	is "$output" '{"z":1,"a":{"y":[1,{"b":null}],"x":"é"},"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"Email":"Not@Touched.COM","m":"x","n":null,"f":false,"arr":[3,2,1],"num":2.5}'
}

## Reading consent values

@test "values: GRANTED in every accepted form" {
	local v
	for v in '"GRANTED"' '"granted"' '"Granted"' '" GRANTED "' '"\tgranted\n"' \
	    '"yes"' '"YES"' '"Yes"' '"true"' '"TRUE"' '"1"' '" 1 "' true 1 1.0; do
		cexpect '"google-ads-consent":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' GRANTED GRANTED ''
		cexpect '"consent":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' GRANTED GRANTED ''
	done
	checks_pass
}

@test "values: DENIED in every accepted form" {
	local v
	for v in '"DENIED"' '"denied"' '"Denied"' '"  denied\t"' '"no"' '"NO"' \
	    '"false"' '"False"' '"0"' false 0 -0 0.0; do
		cexpect '"google-ads-consent":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' DENIED DENIED ''
		cexpect '"consent":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' DENIED DENIED ''
	done
	checks_pass
}

@test "values: absent, null, blank, UNSPECIFIED and UNKNOWN are missing without a warning" {
	local v
	for v in null '""' '"  "' '"UNSPECIFIED"' '"unspecified"' '" Unspecified "' \
	    '"UNKNOWN"' '"unknown"'; do
		cexpect '"google-ads-consent":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' UNSPECIFIED UNSPECIFIED ''
		cexpect '"google-ads-consent":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' DENIED DENIED '' -m denied
	done
	cexpect '"google-ads-consent":{}' UNSPECIFIED UNSPECIFIED ''
	cexpect '"consent":{}' UNSPECIFIED UNSPECIFIED ''
	cexpect '"x":1' UNSPECIFIED UNSPECIFIED ''
	cexpect '"google-ads-consent":null,"consent":null' UNSPECIFIED UNSPECIFIED ''
	checks_pass
}

@test "values: anything else is missing, with consent_value_invalid naming the field" {
	local v
	for v in '"maybe"' '"GRANT"' '"y"' '"n"' '"ok"' '"GRANTED!"' '"yesno"' \
	    '"2"' '"01"' '"1.0"' '"grantedgranted"' '"granted\u0000"' \
	    '"GRANTED\u0000x"' '"GR\u00c4NTED"' '"ｇｒａｎｔｅｄ"' 2 -1 0.5 '{}' '[]' \
	    '["GRANTED"]' '{"v":"GRANTED"}'; do
		cexpect '"google-ads-consent":{"ad_user_data":'"$v"',"ad_personalization":"GRANTED"}' \
		    UNSPECIFIED GRANTED 'google-ads-consent.ad_user_data:consent_value_invalid'
		cexpect '"consent":{"ad_user_data":"DENIED","ad_personalization":'"$v"'}' \
		    DENIED UNSPECIFIED 'consent.ad_personalization:consent_value_invalid'
	done
	cexpect '"google-ads-consent":{"ad_user_data":"x","ad_personalization":"y"}' \
	    UNSPECIFIED UNSPECIFIED 'google-ads-consent.ad_user_data:consent_value_invalid google-ads-consent.ad_personalization:consent_value_invalid'
	checks_pass
}

@test "values: -m denied turns an invalid value into DENIED, still with the warning" {
	cexpect '"google-ads-consent":{"ad_user_data":"maybe","ad_personalization":"GRANTED"}' \
	    DENIED GRANTED 'google-ads-consent.ad_user_data:consent_value_invalid' -m denied
	checks_pass
}

@test "precedence: google-ads-consent wins over consent, key by key" {
	cexpect '"consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}' GRANTED GRANTED ''
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED"},"consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}' GRANTED DENIED ''
	cexpect '"google-ads-consent":{"ad_personalization":"no"},"consent":{"ad_user_data":"yes","ad_personalization":"yes"}' GRANTED DENIED ''
	# Not stated in google-ads-consent: the alias speaks.
	cexpect '"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":null},"consent":{"ad_user_data":"DENIED","ad_personalization":true}' DENIED GRANTED ''
	# Unusable in google-ads-consent: warned, and the alias speaks.
	cexpect '"google-ads-consent":{"ad_user_data":"maybe","ad_personalization":"GRANTED"},"consent":{"ad_user_data":"GRANTED"}' GRANTED GRANTED 'google-ads-consent.ad_user_data:consent_value_invalid'
	# Both unusable: two warnings, missing.
	cexpect '"google-ads-consent":{"ad_user_data":"maybe"},"consent":{"ad_user_data":"perhaps"}' UNSPECIFIED UNSPECIFIED 'google-ads-consent.ad_user_data:consent_value_invalid consent.ad_user_data:consent_value_invalid'
	# A valid google-ads-consent value hides an unusable alias value.
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"consent":{"ad_user_data":"perhaps"}' GRANTED GRANTED ''
	checks_pass
}

@test "not an object: consent_not_object, counted as missing" {
	local v
	for v in '"maybe"' '"GRANTED!"' '"yesno"' 2 -1 0.5 '[]' '["DENIED"]' \
	    '[{"ad_user_data":"GRANTED"}]' '"ｇｒａｎｔｅｄ"'; do
		cexpect '"google-ads-consent":'"$v" UNSPECIFIED UNSPECIFIED 'google-ads-consent:consent_not_object'
		cexpect '"consent":'"$v" UNSPECIFIED UNSPECIFIED 'consent:consent_not_object'
		cexpect '"consent":'"$v"',"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"}' DENIED GRANTED 'consent:consent_not_object'
		cexpect '"google-ads-consent":'"$v"',"consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"}' DENIED GRANTED 'google-ads-consent:consent_not_object'
	done
	checks_pass
}

@test "not an object: google-ads-consent is replaced in its place, consent is left as it is" {
	crun '{"a":1,"google-ads-consent":"GRANTED!","consent":["yes"],"b":2}'
	is "$status" 0
	is "$output" '{"a":1,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"consent":["yes"],"b":2,"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent","code":"consent_not_object"},{"stage":"ac-consent","field":"consent","code":"consent_not_object"}]}'
	is "${stderr_lines[0]}" "ac-consent: in.ndjson:1: google-ads-consent: neither an object nor a consent value: counted as missing (consent_not_object)"
	crun '{"a":1,"google-ads-consent":null,"b":2}'
	is "$output" '{"a":1,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"b":2}' "null: replaced in place, no warning"
}

## Real-world spellings: camel case, Data Manager names, single values

@test "camel case: adUserData and adPersonalization are read in both objects" {
	local o
	for o in google-ads-consent consent; do
		cexpect '"'"$o"'":{"adUserData":"GRANTED","adPersonalization":"DENIED"}' GRANTED DENIED ''
		cexpect '"'"$o"'":{"adUserData":"no","adPersonalization":true}' DENIED GRANTED ''
		cexpect '"'"$o"'":{"adUserData":"CONSENT_DENIED"}' DENIED UNSPECIFIED ''
		cexpect '"'"$o"'":{"adPersonalization":"GRANTED"}' UNSPECIFIED GRANTED ''
		cexpect '"'"$o"'":{"adUserData":"UNSPECIFIED","adPersonalization":null}' DENIED DENIED '' -m denied
		cexpect '"'"$o"'":{"adUserData":"maybe","adPersonalization":"GRANTED"}' UNSPECIFIED GRANTED "$o.adUserData:consent_value_invalid"
		# A snake-case member that is missing or unusable lets the
		# camel-case one through.
		cexpect '"'"$o"'":{"ad_user_data":"UNSPECIFIED","adUserData":"DENIED","ad_personalization":null,"adPersonalization":"GRANTED"}' DENIED GRANTED ''
		cexpect '"'"$o"'":{"ad_user_data":"maybe","adUserData":"GRANTED"}' GRANTED UNSPECIFIED "$o.ad_user_data:consent_value_invalid"
	done
	# google-ads-consent still wins over consent, whatever the spelling.
	cexpect '"google-ads-consent":{"adUserData":"GRANTED"},"consent":{"ad_user_data":"DENIED","adPersonalization":"DENIED"}' GRANTED DENIED ''
	cexpect '"consent":{"adUserData":"DENIED"},"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}' GRANTED GRANTED ''
	cexpect '"country_code":"DE","consent":{"adPersonalization":"yes"}' DENIED GRANTED '' -E EEA
	# Near misses are not consent members (see consent_key_unknown).
	cexpect '"consent":{"AdUserData":"DENIED","aduserdata":"DENIED","ad-user-data":"DENIED"}' UNSPECIFIED UNSPECIFIED 'consent:consent_key_unknown'
	checks_pass
}

@test "camel case: both spellings that agree are one value; that disagree are DENIED with consent_conflict" {
	local o
	for o in google-ads-consent consent; do
		cexpect '"'"$o"'":{"ad_user_data":"GRANTED","adUserData":"yes","ad_personalization":"DENIED","adPersonalization":false}' GRANTED DENIED ''
		cexpect '"'"$o"'":{"ad_user_data":"GRANTED","adUserData":"DENIED"}' DENIED UNSPECIFIED "$o.ad_user_data:consent_conflict"
		cexpect '"'"$o"'":{"adUserData":"DENIED","ad_user_data":"GRANTED"}' DENIED UNSPECIFIED "$o.ad_user_data:consent_conflict"
		cexpect '"'"$o"'":{"ad_user_data":false,"adUserData":"CONSENT_GRANTED"}' DENIED UNSPECIFIED "$o.ad_user_data:consent_conflict"
		cexpect '"'"$o"'":{"ad_personalization":"GRANTED","adPersonalization":"DENIED","ad_user_data":"GRANTED"}' GRANTED DENIED "$o.ad_personalization:consent_conflict"
		cexpect '"'"$o"'":{"ad_user_data":"yes","adUserData":"no","ad_personalization":"no","adPersonalization":"yes"}' DENIED DENIED "$o.ad_user_data:consent_conflict $o.ad_personalization:consent_conflict"
		# The snake-case value is usable, the camel-case one is not: the
		# snake-case value counts, and the unusable one is named.
		cexpect '"'"$o"'":{"ad_user_data":"GRANTED","adUserData":"maybe"}' GRANTED UNSPECIFIED "$o.adUserData:consent_value_invalid"
	done
	# A conflict gives DENIED, so the alias is not consulted.
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED","adUserData":"DENIED"},"consent":{"ad_user_data":"GRANTED"}' DENIED UNSPECIFIED 'google-ads-consent.ad_user_data:consent_conflict'
	# A conflict is a stated value: -m reject lets it through.
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED","adUserData":"DENIED","ad_personalization":"GRANTED"}' DENIED GRANTED 'google-ads-consent.ad_user_data:consent_conflict' -m reject
	checks_pass
}

@test "camel case: written back as ad_user_data and ad_personalization only, other members kept" {
	crun '{"a":1,"google-ads-consent":{"x":1,"adUserData":"GRANTED","adPersonalization":"DENIED","y":2},"b":2}'
	is "$status" 0
	is "$output" '{"a":1,"google-ads-consent":{"x":1,"y":2,"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"b":2,"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent","code":"consent_key_unknown"}]}'
	crun '{"google-ads-consent":{"ad_user_data":"GRANTED","adUserData":"GRANTED","ad_personalization":"DENIED"},"a":1}'
	is "$output" '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"a":1}' "canonical values, camel case removed"
	crun '{"google-ads-consent":{"ad_user_data":"GRANTED","adUserData":"DENIED","ad_personalization":"DENIED"},"a":1}'
	is "$output" '{"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"a":1,"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"consent_conflict"}]}' "conflict"
	is "${stderr_lines[0]}" "ac-consent: in.ndjson:1: google-ads-consent.ad_user_data: ad_user_data and adUserData (or ad_personalization and adPersonalization) disagree: counted as DENIED (consent_conflict)"
	crun '{"a":1,"consent":{"adUserData":"GRANTED","adPersonalization":"DENIED"},"b":2}'
	is "$output" '{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}}' "alias with only camel case: removed"
	crun '{"a":1,"consent":{"sms":"no","adUserData":"GRANTED","ad_user_data":"GRANTED"},"b":2}'
	is "$output" '{"a":1,"consent":{"sms":"no"},"b":2,"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"UNSPECIFIED"},"ac_warnings":[{"stage":"ac-consent","field":"consent","code":"consent_key_unknown"}]}' "alias keeps its other members"
	crun '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"consent":{"adUserData":"DENIED"},"a":1}'
	is "$output" '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"a":1}' "alias camel case overridden: still removed"
}

@test "Data Manager names: CONSENT_GRANTED, CONSENT_DENIED in any case; CONSENT_STATUS_UNSPECIFIED is missing" {
	local v o
	for o in google-ads-consent consent; do
		for v in '"CONSENT_GRANTED"' '"consent_granted"' '" Consent_Granted "'; do
			cexpect '"'"$o"'":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' GRANTED GRANTED ''
		done
		for v in '"CONSENT_DENIED"' '"consent_denied"' '"\tConsent_DENIED"'; do
			cexpect '"'"$o"'":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' DENIED DENIED ''
		done
		for v in '"CONSENT_STATUS_UNSPECIFIED"' '"consent_status_unspecified"'; do
			cexpect '"'"$o"'":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' UNSPECIFIED UNSPECIFIED ''
			cexpect '"'"$o"'":{"ad_user_data":'"$v"',"ad_personalization":'"$v"'}' DENIED DENIED '' -m denied
		done
	done
	for v in '"CONSENT_UNSPECIFIED"' '"CONSENT_STATUS_GRANTED"' '"CONSENT_GRANTED_"' '"CONSENT GRANTED"' '"CONSENT_STATUS_UNSPECIFIEDX"'; do
		cexpect '"google-ads-consent":{"ad_user_data":'"$v"',"ad_personalization":"GRANTED"}' \
		    UNSPECIFIED GRANTED 'google-ads-consent.ad_user_data:consent_value_invalid'
	done
	cexpect '"google-ads-consent":{"ad_user_data":"CONSENT_STATUS_UNSPECIFIED"},"consent":{"ad_user_data":"CONSENT_DENIED"}' DENIED UNSPECIFIED ''
	cexpect '"country_code":"DE","google-ads-consent":{"ad_user_data":"CONSENT_STATUS_UNSPECIFIED","ad_personalization":"CONSENT_GRANTED"}' DENIED GRANTED '' -E EEA
	creject '{"google-ads-consent":{"ad_user_data":"CONSENT_STATUS_UNSPECIFIED","ad_personalization":"CONSENT_GRANTED"}}' google-ads-consent.ad_user_data -m reject
	checks_pass
}

@test "single value: consent or google-ads-consent as one flag applies to both" {
	local v o
	for o in google-ads-consent consent; do
		for v in true '"granted"' '"GRANTED"' '" Yes "' '"true"' '"1"' 1 1.0 '"CONSENT_GRANTED"'; do
			cexpect '"'"$o"'":'"$v" GRANTED GRANTED ''
		done
		for v in false '"denied"' '"DENIED"' '"no"' '"FALSE"' '"0"' 0 -0 '"consent_denied"'; do
			cexpect '"'"$o"'":'"$v" DENIED DENIED ''
		done
		for v in '""' '"  "' '"UNSPECIFIED"' '"unknown"' '"CONSENT_STATUS_UNSPECIFIED"'; do
			cexpect '"'"$o"'":'"$v" UNSPECIFIED UNSPECIFIED ''
			cexpect '"'"$o"'":'"$v" DENIED DENIED '' -m denied
			creject '{"'"$o"'":'"$v"'}' google-ads-consent.ad_user_data -m reject
		done
		cexpect '"country_code":"FR","'"$o"'":"yes"' GRANTED GRANTED '' -E EEA
		cexpect '"'"$o"'":"no"' DENIED DENIED '' -m reject
	done
	# Key by key, google-ads-consent still wins; a single value fills in.
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED"},"consent":false' GRANTED DENIED ''
	cexpect '"google-ads-consent":"denied","consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}' DENIED DENIED ''
	cexpect '"google-ads-consent":"UNSPECIFIED","consent":"yes"' GRANTED GRANTED ''
	cexpect '"google-ads-consent":true,"consent":"no"' GRANTED GRANTED ''
	checks_pass
}

@test "single value: google-ads-consent becomes the object in its place; a consent value that was read is removed" {
	crun '{"a":1,"google-ads-consent":"DENIED","b":2}'
	is "$status" 0
	is "$output" '{"a":1,"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"b":2}'
	is "$(tail -n 2 <<<"$stderr")" "$(stage_summary 1 1 0 '' 0)
$(consent_summary 0 1 0 0 1 0 0)" "no warning, counted for both"
	crun '{"a":1,"consent":false,"b":2}'
	is "$output" '{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}}' "consent false"
	crun '{"a":1,"consent":"granted","google-ads-consent":{"ad_user_data":"DENIED"},"b":2}'
	is "$output" '{"a":1,"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"},"b":2}' "consent fills in, then goes"
	crun '{"a":1,"consent":"","b":2}'
	is "$output" '{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"}}' "blank: read as missing, removed"
	crun '{"a":1,"consent":null,"b":2}'
	is "$output" '{"a":1,"consent":null,"b":2,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"}}' "null: left as it is"
	crun '{"a":1,"consent":"maybe","b":2}'
	is "$output" '{"a":1,"consent":"maybe","b":2,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"ac_warnings":[{"stage":"ac-consent","field":"consent","code":"consent_not_object"}]}' "unreadable: left, warned"
}

@test "DENIED in each new spelling removes the personal identifiers" {
	local c out got
	out='{"gclid":"Cj0K-g","gbraid":"gb","wbraid":"wb","country_code":"DE","user_agent":"Mozilla/5.0","order_id":"A-1","note":"free text","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]}'
	for c in '"consent":{"adUserData":"DENIED","adPersonalization":"DENIED"}' \
	    '"google-ads-consent":{"adUserData":"DENIED","adPersonalization":"DENIED"}' \
	    '"consent":{"ad_user_data":"CONSENT_DENIED","ad_personalization":"consent_denied"}' \
	    '"google-ads-consent":{"adUserData":"CONSENT_DENIED","ad_personalization":"Consent_Denied"}' \
	    '"consent":false' '"consent":"denied"' '"consent":"no"' '"consent":0' \
	    '"consent":"CONSENT_DENIED"' '"google-ads-consent":"DENIED"' \
	    '"google-ads-consent":false' \
	    '"consent":{"ad_user_data":"GRANTED","adUserData":"DENIED","ad_personalization":"DENIED"}' \
	    '"google-ads-consent":{"adUserData":"GRANTED","ad_user_data":"DENIED","ad_personalization":"DENIED"}'; do
		crun "{$KEEP,$ALL_IDS,$c}"
		# A conflict adds its own warning first; compare without it.
		got=$(jq -c '.ac_warnings |= map(select(.code != "consent_conflict")) |
		    .["google-ads-consent"] |= {ad_user_data, ad_personalization}' <<<"$output")
		[[ $status -eq 0 && $got == "$out" ]] ||
		    fail_check "identifiers removed" "$c" "" "$out" "$output"
		[[ $stderr == *"identifiers removed from 1 record"* ]] ||
		    fail_check "identifiers removed (summary)" "$c" "" "counted" "$stderr"
	done
	checks_pass
}

@test "unknown members: passed through, one consent_key_unknown per record" {
	cexpect '"consent":{"adUserDat":"DENIED"}' UNSPECIFIED UNSPECIFIED 'consent:consent_key_unknown'
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalisation":"DENIED"}' GRANTED UNSPECIFIED 'google-ads-consent:consent_key_unknown'
	cexpect '"consent":{"marketing":"yes","sms":"no","ad_user_data":"DENIED"}' DENIED UNSPECIFIED 'consent:consent_key_unknown'
	# Both objects with unknown members: one warning, naming the first.
	cexpect '"consent":{"x":1},"google-ads-consent":{"y":1,"ad_user_data":"yes"}' GRANTED UNSPECIFIED 'google-ads-consent:consent_key_unknown'
	# With other warnings, after the value warnings.
	cexpect '"google-ads-consent":{"ad_user_data":"maybe","z":1}' UNSPECIFIED UNSPECIFIED 'google-ads-consent.ad_user_data:consent_value_invalid google-ads-consent:consent_key_unknown'
	cexpect '"google-ads-consent":{"ad_user_data":"no","z":1},"email":"x@example.com"' DENIED UNSPECIFIED 'google-ads-consent:consent_key_unknown google-ads-consent.ad_user_data:identifiers_removed_no_consent'
	checks_pass
	crun '{"a":1,"consent":{"adUserDat":"DENIED","marketing":{"email":true}},"google-ads-consent":{"q":[1],"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}'
	is "$output" '{"a":1,"consent":{"adUserDat":"DENIED","marketing":{"email":true}},"google-ads-consent":{"q":[1],"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent","code":"consent_key_unknown"}]}' "values untouched, in order"
	is "${stderr_lines[0]}" "ac-consent: in.ndjson:1: google-ads-consent: a member that is not a consent status: passed through (consent_key_unknown)"
	# Run again: the record carries the warning, no second one.
	printf '%s\n' "$output" >again.ndjson
	run --separate-stderr ac-consent again.ndjson
	is "$output" "$(cat again.ndjson)" "second pass"
	is "${stderr_lines[0]}" "$(stage_summary 1 1 0 '' 0)" "no second warning"
	# The warning of another stage with that code does not count.
	crun '{"ac_warnings":[{"stage":"ac-other","field":"consent","code":"consent_key_unknown"},"odd"],"consent":{"x":1}}'
	is "$(jq -c .ac_warnings <<<"$output")" '[{"stage":"ac-other","field":"consent","code":"consent_key_unknown"},"odd",{"stage":"ac-consent","field":"consent","code":"consent_key_unknown"}]'
}

@test "alias: {} is left alone, an object emptied of its consent members goes" {
	crun '{"consent":{},"a":1}'
	is "$output" '{"consent":{},"a":1,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"}}' "never had consent members"
	crun '{"consent":{"adUserData":null},"a":1}'
	is "$output" '{"a":1,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"}}' "had one, null"
	crun '{"consent":{"ad_personalization":"maybe"},"a":1}'
	is "$output" '{"a":1,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"ac_warnings":[{"stage":"ac-consent","field":"consent.ad_personalization","code":"consent_value_invalid"}]}' "had one, unusable"
}

## Writing consent

@test "writing: an existing google-ads-consent keeps its place, its other keys and their order" {
	crun '{"a":1,"google-ads-consent":{"x":[1],"ad_personalization":"no","y":null,"ad_user_data":" granted "},"b":2}'
	is "$status" 0
	is "$output" '{"a":1,"google-ads-consent":{"x":[1],"ad_personalization":"DENIED","y":null,"ad_user_data":"GRANTED"},"b":2,"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent","code":"consent_key_unknown"}]}'
	crun '{"a":1,"google-ads-consent":{"x":1},"b":2}'
	is "$output" '{"a":1,"google-ads-consent":{"x":1,"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"b":2,"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent","code":"consent_key_unknown"}]}' "missing members are added inside"
	crun '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"a":1}'
	is "$output" '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"a":1}' "canonical: unchanged"
}

@test "writing: a new google-ads-consent goes at the end, before a new ac_warnings" {
	crun '{"a":1,"b":2}'
	is "$output" '{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"}}'
	crun '{"a":1,"email":"x@example.com","country_code":"AT"}' -E EEA
	is "$output" '{"a":1,"country_code":"AT","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]}'
}

@test "writing: warnings from an earlier stage are kept and appended to, in their place" {
	crun '{"ac_warnings":[{"stage":"ac-normalize","field":"phone","code":"phone_invalid"}],"a":1,"google-ads-consent":{"ad_user_data":"no"},"email":"x@example.com"}'
	is "$status" 0
	is "$output" '{"ac_warnings":[{"stage":"ac-normalize","field":"phone","code":"phone_invalid"},{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}],"a":1,"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"UNSPECIFIED"}}'
}

@test "alias: a consent object that held only the two members is removed" {
	crun '{"a":1,"consent":{"ad_user_data":"yes","ad_personalization":"no"},"b":2}'
	is "$output" '{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}}'
	crun '{"a":1,"consent":{"ad_user_data":"yes"},"b":2}'
	is "$output" '{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"UNSPECIFIED"}}' "one member"
	crun '{"a":1,"consent":{"ad_user_data":"maybe"},"b":2}'
	is "$output" '{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"ac_warnings":[{"stage":"ac-consent","field":"consent.ad_user_data","code":"consent_value_invalid"}]}' "unusable member"
}

@test "alias: a consent object with other members keeps them, in its place" {
	crun '{"a":1,"consent":{"email_opt_in":true,"ad_user_data":"yes","ad_personalization":"no","sms":"no"},"b":2}'
	is "$output" '{"a":1,"consent":{"email_opt_in":true,"sms":"no"},"b":2,"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"},"ac_warnings":[{"stage":"ac-consent","field":"consent","code":"consent_key_unknown"}]}'
	crun '{"consent":{"email_opt_in":true},"a":1}'
	is "$output" '{"consent":{"email_opt_in":true},"a":1,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"},"ac_warnings":[{"stage":"ac-consent","field":"consent","code":"consent_key_unknown"}]}' "without the two: untouched"
	crun '{"consent":{},"a":1}'
	is "$output" '{"consent":{},"a":1,"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNSPECIFIED"}}' "empty: untouched"
}

@test "alias: its members go even when google-ads-consent overrides them" {
	crun '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"consent":{"ad_user_data":"DENIED"},"a":1}'
	is "$output" '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"a":1}'
	crun '{"consent":{"ad_user_data":"DENIED","x":1},"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}'
	is "$output" '{"consent":{"x":1},"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"},"ac_warnings":[{"stage":"ac-consent","field":"consent","code":"consent_key_unknown"}]}'
}

## --missing

@test "--missing: unspecified is the default" {
	cexpect '"a":1' UNSPECIFIED UNSPECIFIED ''
	cexpect '"a":1' UNSPECIFIED UNSPECIFIED '' -m unspecified
	cexpect '"a":1' UNSPECIFIED UNSPECIFIED '' --missing unspecified
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED"}' GRANTED UNSPECIFIED ''
	checks_pass
}

@test "--missing denied: a missing value is DENIED, a given one is kept" {
	cexpect '"a":1' DENIED DENIED '' -m denied
	cexpect '"a":1' DENIED DENIED '' --missing denied
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED"}' GRANTED DENIED '' -m denied
	cexpect '"google-ads-consent":{"ad_personalization":"GRANTED"},"email":"x@example.com"' DENIED GRANTED 'google-ads-consent.ad_user_data:identifiers_removed_no_consent' -m denied
	checks_pass
}

@test "--missing reject: a record without a usable value is rejected" {
	creject '{"a":1,"email":"x@example.com"}' google-ads-consent.ad_user_data -m reject
	creject '{"a":1}' google-ads-consent.ad_user_data --missing reject
	creject '{"google-ads-consent":{"ad_user_data":"GRANTED"}}' google-ads-consent.ad_personalization -m reject
	creject '{"google-ads-consent":{"ad_user_data":"maybe","ad_personalization":"GRANTED"}}' google-ads-consent.ad_user_data -m reject
	creject '{"google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"DENIED"}}' google-ads-consent.ad_user_data -m reject
	creject '{"consent":{"ad_personalization":"DENIED"}}' google-ads-consent.ad_user_data -m reject
	creject '{"google-ads-consent":"maybe"}' google-ads-consent.ad_user_data -m reject
	creject '{"google-ads-consent":"UNSPECIFIED","consent":"CONSENT_STATUS_UNSPECIFIED"}' google-ads-consent.ad_user_data -m reject
	# Even in a region of -E: missing is still rejected.
	creject '{"country_code":"DE","google-ads-consent":{"ad_user_data":"GRANTED"}}' google-ads-consent.ad_personalization -m reject -E EEA
	# Stated consent goes on.
	cexpect '"consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"}' DENIED GRANTED '' -m reject
	cexpect '"google-ads-consent":{"ad_user_data":"maybe"},"consent":{"ad_user_data":"no","ad_personalization":"no"}' DENIED DENIED 'google-ads-consent.ad_user_data:consent_value_invalid' -m reject
	checks_pass
}

@test "--missing reject: the rejected record carries no warnings and is not counted as warned" {
	crun '{"google-ads-consent":{"ad_user_data":"maybe"},"email":"x@example.com"}' -m reject -R rej.ndjson
	is "$status" 1
	is "$output" ""
	is "${#stderr_lines[@]}" 3 "stderr lines"
	is "${stderr_lines[0]}" "ac-consent: in.ndjson:1: google-ads-consent.ad_user_data: no usable consent status in google-ads-consent or consent (consent_missing)"
	is "${stderr_lines[1]}" "$(stage_summary 1 0 1 '1 consent_missing' 0)"
	is "${stderr_lines[2]}" "$(consent_summary 0 0 0 0 0 0 0)"
	is "$(jq -c .record rej.ndjson)" '{"google-ads-consent":{"ad_user_data":"maybe"},"email":"x@example.com"}'
}

## --require-explicit

@test "--require-explicit EEA: missing consent is DENIED in the EEA, the UK and Switzerland" {
	local cc
	for cc in DE AT FR IT ES PL SE IE IS LI NO GB CH AX GF GP MF MQ RE YT; do
		cexpect '"country_code":"'"$cc"'"' DENIED DENIED '' -E EEA
	done
	for cc in US CA BR JP AU TR RU UA RS AD MC SM VA GG JE IM; do
		cexpect '"country_code":"'"$cc"'"' UNSPECIFIED UNSPECIFIED '' -E EEA
	done
	checks_pass
}

@test "--require-explicit: country_code is read as ac-normalize reads it, codes and names" {
	local cc
	for cc in '"de"' '" De "' '"\tdE\t"' '"DEU"' '"Germany"' '"Deutschland"' '"\u00d6sterreich"' '"OSTERREICH"' '"United Kingdom"'; do
		cexpect '"country_code":'"$cc" DENIED DENIED '' -E EEA
	done
	for cc in '"USA"' '"United States"' '"Japan"'; do
		cexpect '"country_code":'"$cc" UNSPECIFIED UNSPECIFIED '' -E EEA
	done
	checks_pass
}

@test "--require-explicit: a record whose country cannot be told is inside, DENIED with region_unknown (fail closed, issue 11)" {
	local cc
	for cc in '"DEX"' '"D"' '""' '"D E"' 276 null '["DE"]' '{"DE":1}' '"\u00c4 E"' '"Zanzibaria"'; do
		cexpect '"country_code":'"$cc" DENIED DENIED 'country_code:region_unknown' -E EEA
		cexpect '"country_code":'"$cc" UNSPECIFIED UNSPECIFIED '' -E EEA --unknown-region outside
	done
	# No country_code at all, as after ac-normalize dropped an unreadable
	# one (country_code_invalid).
	cexpect '"a":1' DENIED DENIED 'country_code:region_unknown' -E EEA
	cexpect '"a":1,"ac_warnings":[{"stage":"ac-normalize","field":"country_code","code":"country_code_invalid"}]' \
	    DENIED DENIED 'country_code:country_code_invalid country_code:region_unknown' -E EEA
	cexpect '"a":1' DENIED DENIED 'country_code:region_unknown' -E EEA -U inside
	cexpect '"a":1' UNSPECIFIED UNSPECIFIED '' -E EEA -U outside
	# Where the region decides nothing, there is no warning: consent
	# given, -m denied, or no -E.
	cexpect '"a":1' DENIED DENIED '' -E EEA -m denied
	cexpect '"a":1,"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}' GRANTED GRANTED '' -E EEA
	cexpect '"a":1,"google-ads-consent":{"ad_user_data":"GRANTED"}' GRANTED DENIED 'country_code:region_unknown' -E EEA
	cexpect '"a":1' UNSPECIFIED UNSPECIFIED ''
	cexpect '"a":1' UNSPECIFIED UNSPECIFIED '' -U inside
	checks_pass
}

@test "--require-explicit: an unknown country loses its identifiers, and the summary counts it (issue 11)" {
	printf '%s\n' '{"email":"x@example.com","phone":"+4930123456","hashed_email":"ab","country_code":"Germany"}' \
	    '{"email":"x@example.com","phone":"+4930123456"}' \
	    '{"email":"x@example.com","country_code":"US"}' >in.ndjson
	run --separate-stderr ac-consent -E EEA in.ndjson
	is "$status" 0
	is "$(jq -c '[has("email"), has("phone"), has("hashed_email"), .["google-ads-consent"].ad_user_data]' <<<"$output" | paste -sd' ')" \
	    '[false,false,false,"DENIED"] [false,false,false,"DENIED"] [true,false,false,"UNSPECIFIED"]'
	is "${stderr_lines[-2]}" "ac-consent: 3 in, 3 out, 0 rejected; 3 warnings (2 identifiers_removed_no_consent, 1 region_unknown)"
	is "${stderr_lines[-1]}" "ac-consent: ad_user_data 0 GRANTED, 2 DENIED, 1 UNSPECIFIED; ad_personalization 0 GRANTED, 2 DENIED, 1 UNSPECIFIED; identifiers removed from 2 records; no known country in 1 record, taken as inside --require-explicit"
	[[ $stderr == *"in.ndjson:2: country_code: no known country: taken as inside --require-explicit, missing consent is DENIED (region_unknown)"* ]]
	[[ $stderr != *x@example.com* && $stderr != *4930123456* ]]
	run --separate-stderr ac-consent -E EEA -U outside in.ndjson
	is "$(jq -c '[has("email"), .["google-ads-consent"].ad_user_data]' <<<"$output" | paste -sd' ')" \
	    '[false,"DENIED"] [true,"UNSPECIFIED"] [true,"UNSPECIFIED"]' "--unknown-region outside: the old rule"
	for bad in '' in yes OUTSIDE; do
		run --separate-stderr ac-consent -E EEA -U "$bad" </dev/null
		is "$status" 2 "-U '$bad' exit status"
		is "${stderr_lines[0]}" "ac-consent: --unknown-region: expected inside or outside"
	done
}

@test "--require-explicit: given consent is kept; only missing values become DENIED" {
	cexpect '"country_code":"DE","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}' GRANTED GRANTED '' -E EEA
	cexpect '"country_code":"DE","google-ads-consent":{"ad_user_data":"GRANTED"}' GRANTED DENIED '' -E EEA
	cexpect '"country_code":"DE","consent":{"ad_personalization":"yes"}' DENIED GRANTED '' -E EEA
	cexpect '"country_code":"DE","google-ads-consent":{"ad_user_data":"UNSPECIFIED","ad_personalization":"UNKNOWN"}' DENIED DENIED '' -E EEA
	cexpect '"country_code":"DE","google-ads-consent":{"ad_user_data":"maybe","ad_personalization":"GRANTED"}' DENIED GRANTED 'google-ads-consent.ad_user_data:consent_value_invalid' -E EEA
	checks_pass
}

@test "--require-explicit: ISO codes, lists, case, spaces and repeated options" {
	cexpect '"country_code":"US"' DENIED DENIED '' -E US
	cexpect '"country_code":"US"' DENIED DENIED '' -E us
	cexpect '"country_code":"DE"' UNSPECIFIED UNSPECIFIED '' -E US
	cexpect '"country_code":"CA"' DENIED DENIED '' -E 'EEA, US ,ca'
	cexpect '"country_code":"DE"' DENIED DENIED '' -E 'EEA, US ,ca'
	cexpect '"country_code":"BR"' UNSPECIFIED UNSPECIFIED '' -E 'EEA, US ,ca'
	cexpect '"country_code":"US"' DENIED DENIED '' -E eea -E US
	cexpect '"country_code":"CH"' DENIED DENIED '' -E US --require-explicit Eea
	cexpect '"country_code":"JP"' DENIED DENIED '' --require-explicit=JP
	checks_pass
}

@test "--require-explicit: a bad list is a usage error (exit 2)" {
	local bad
	for bad in UK XX EU EEA,UK 'DE,' ',DE' 'DE,,FR' '' ' ' DEU D 'EEA FR' 1 'D-'; do
		run --separate-stderr ac-consent -E "$bad" </dev/null
		is "$status" 2 "exit status for -E '$bad'"
		is "$output" "" "stdout for -E '$bad'"
		is "${stderr_lines[0]}" "ac-consent: --require-explicit $bad: expected EEA or ISO 3166-1 alpha-2 codes, separated by commas" "message for -E '$bad'"
		[[ ${stderr_lines[1]} == "usage: ac-consent "* ]] || { echo "no usage for -E '$bad'" >&2; return 1; }
	done
	run --separate-stderr ac-consent -E DE -E UK </dev/null
	is "$status" 2 "a bad second list"
}

## Removing identifiers

@test "ad_user_data DENIED: every personal identifier goes; click ids, country_code and the rest stay" {
	crun "{$KEEP,$ALL_IDS,"'"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"}}'
	is "$status" 0
	is "$output" '{"gclid":"Cj0K-g","gbraid":"gb","wbraid":"wb","country_code":"DE","user_agent":"Mozilla/5.0","order_id":"A-1","note":"free text","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]}'
	is "$stderr" "ac-consent: in.ndjson:1: google-ads-consent.ad_user_data: personal identifiers removed: ad_user_data is DENIED (identifiers_removed_no_consent)
$(stage_summary 1 1 0 '' 1 '1 identifiers_removed_no_consent')
$(consent_summary 0 1 0 1 0 0 1)"
}

@test "ad_user_data DENIED: each identifier alone is removed, with one warning" {
	local kv out
	for kv in '"email":"a@example.com"' '"phone":"+491701234567"' \
	    '"first_name":"alex"' '"last_name":"quinn"' '"street_address":"1 main st"' \
	    '"city":"berlin"' '"region":"be"' '"postal_code":"10115"' \
	    '"hashed_email":"aa"' '"hashed_phone_number":"bb"' '"hashed_first_name":"cc"' \
	    '"hashed_last_name":"dd"' '"hashed_street_address":"ee"' \
	    '"hashed_custom_id":"ff"' '"address_info":{"hashed_first_name":"x"}' \
	    '"user_ip_address":"192.0.2.1"' '"email":123' '"phone":["+1"]'; do
		crun '{"a":1,'"$kv"',"b":2,"google-ads-consent":{"ad_user_data":"DENIED"}}'
		out='{"a":1,"b":2,"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"UNSPECIFIED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]}'
		[[ $status -eq 0 && $output == "$out" ]] ||
		    fail_check "removed" "$kv" "" "$out" "$output"
	done
	checks_pass
}

@test "ad_user_data DENIED by rule removes identifiers too (-m denied, -E)" {
	crun '{"email":"a@example.com","country_code":"FR"}' -E EEA
	is "$output" '{"country_code":"FR","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]}'
	crun '{"email":"a@example.com","country_code":"US"}' -m denied
	is "$output" '{"country_code":"US","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]}'
}

@test "ad_user_data DENIED without identifiers: no warning; null identifiers go silently" {
	crun '{"gclid":"g","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}}'
	is "$output" '{"gclid":"g","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}}'
	is "$(tail -n 1 <<<"$stderr")" "$(consent_summary 0 1 0 0 1 0 0)"
	crun '{"email":null,"hashed_email":null,"gclid":"g","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}}'
	is "$output" '{"gclid":"g","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}}' "nulls"
}

@test "user_ip_address: kept only outside the EEA, the UK and Switzerland; removed for an unknown country (ip_address_eea)" {
	local cc
	for cc in DE GB CH NO; do
		crun '{"gclid":"g","country_code":"'$cc'","user_ip_address":"203.0.113.7","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}'
		is "$(jq -c 'has("user_ip_address")' <<<"$output")" false "$cc: removed"
		is "$(cwarns)" "ac-consent/user_ip_address:ip_address_eea" "$cc: warned"
	done
	crun '{"gclid":"g","user_ip_address":"203.0.113.7","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}'
	is "$(jq -c 'has("user_ip_address")' <<<"$output")" false "no country: removed"
	crun '{"gclid":"g","country_code":"us","user_ip_address":"203.0.113.7","google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}'
	is "$(jq -c .user_ip_address <<<"$output")" '"203.0.113.7"' "US: kept"
	[[ $stderr != *203.0.113.7* ]] || { echo "the address on stderr" >&2; return 1; }
}

@test "ad_user_data GRANTED or UNSPECIFIED, ad_personalization DENIED: nothing is removed" {
	local ud
	# (a country outside the EEA, the UK and Switzerland keeps the IP
	# address too; see the test after)
	for ud in GRANTED UNSPECIFIED; do
		crun "{$ALL_IDS,"'"country_code":"US","google-ads-consent":{"ad_user_data":"'"$ud"'","ad_personalization":"DENIED"}}'
		is "$status" 0
		is "$(jq -c 'del(.["google-ads-consent"])' <<<"$output")" "{$ALL_IDS,\"country_code\":\"US\"}" "identifiers kept ($ud)"
		is "$(gac)" '{"ad_user_data":"'"$ud"'","ad_personalization":"DENIED"}'
		is "$(cwarns)" "" "no warning ($ud)"
	done
}

@test "ad_personalization is never inferred from missing identifiers" {
	cexpect '"google-ads-consent":{"ad_user_data":"GRANTED"}' GRANTED UNSPECIFIED ''
	cexpect '"google-ads-consent":{"ad_user_data":"DENIED"},"email":"x@example.com"' DENIED UNSPECIFIED 'google-ads-consent.ad_user_data:identifiers_removed_no_consent'
	checks_pass
}

@test "identifiers removed: countable downstream with jq" {
	cp "$F/golden.in" g.ndjson
	ac-consent -E EEA g.ndjson >out 2>err
	is "$(jq -c 'select(.ac_warnings[]?.code == "identifiers_removed_no_consent") | .order_id' out | tr '\n' ' ')" \
	    '"G-3" "G-6" "G-7" "G-9" "G-11" '
	is "$(jq -s '[.[].ac_warnings[]? | select(.code == "identifiers_removed_no_consent")] | length' out)" 5
	[[ $(tail -n 1 err) == *"; identifiers removed from 5 records" ]]
}

## Kinds: call conversions and adjustments (man/ac.7)

# The fields of a call and of each adjustment that are no personal
# identifier and must survive DENIED, and those that go.
CALL_KEEP='"caller_id":"+4915112345678","call_start_date_time":"2026-09-01 09:00:00+00:00","conversion_date_time":"2026-09-01 10:00:00+00:00","conversion_value":50,"currency_code":"EUR"'
ENH_KEEP='"adjustment_type":"ENHANCEMENT","order_id":"A-1","adjustment_date_time":"2026-09-10 10:00:00+00:00","gclid":"Cj0K-g","conversion_date_time":"2026-08-01 10:00:00+00:00","country_code":"US","user_agent":"Mozilla/5.0"'
ENH_IDS='"first_name":"alex","last_name":"quinn","street_address":"1800 amphibious blvd","city":"mountain view","region":"ca","postal_code":"94043","hashed_first_name":"cc","hashed_last_name":"dd","hashed_street_address":"ee","hashed_email":"aa","email":"alexz@example.com"'
RES_KEEP='"adjustment_type":"RESTATEMENT","gclid":"Cj0K-g","conversion_date_time":"2026-08-01 10:00:00+00:00","adjustment_date_time":"2026-09-10 10:00:00+00:00","adjusted_value":80,"currency_code":"EUR"'
RW='"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]'

@test "kinds: kinds.in gives exactly kinds.out with -E EEA" {
	cfixture kinds kinds -E EEA
	is "$status" 0
	# K-7, a retraction without country_code, is inside (issue 11).
	is "$(tail -n 1 err)" "$(consent_summary 1 7 0 2 5 1 5); no known country in 1 record, taken as inside --require-explicit"
	# Every caller_id is still there, and nothing else identifies anyone
	# in a DENIED record.
	is "$(jq -r 'select(.caller_id) | .caller_id' out | tr '\n' ' ')" \
	    "+4915112345678 +4915187654321 +18005550100 "
	jq -e -s 'map(select(.["google-ads-consent"].ad_user_data == "DENIED") |
	    keys_unsorted[] | select(test("^(hashed_|email$|phone$|first_name$|last_name$|street_address$|city$|region$|postal_code$)"))) == []' \
	    out >/dev/null
}

@test "calls: caller_id is no identifier: kept with DENIED in every spelling and by every rule" {
	local c
	for c in '"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}' \
	    '"consent":false' '"consent":{"adUserData":"CONSENT_DENIED"}' \
	    '"google-ads-consent":"no"'; do
		crun "{$CALL_KEEP,$c}"
		is "$status" 0 "$c"
		is "$(jq -c 'del(.["google-ads-consent"])' <<<"$output")" "{$CALL_KEEP}" \
		    "the call is untouched ($c)"
		is "$(jq -r '.["google-ads-consent"].ad_user_data' <<<"$output")" DENIED
		is "$(cwarns)" "" "nothing was removed, so no warning ($c)"
	done
	crun "{$CALL_KEEP,\"country_code\":\"DE\"}" -E EEA
	is "$output" "{$CALL_KEEP,\"country_code\":\"DE\",\"google-ads-consent\":{\"ad_user_data\":\"DENIED\",\"ad_personalization\":\"DENIED\"}}" "-E EEA"
	crun "{$CALL_KEEP}" -m denied
	is "$(val caller_id)" '"+4915112345678"' "-m denied"
	is "$(tail -n 1 <<<"$stderr")" "$(consent_summary 0 1 0 0 1 0 0)" \
	    "no record counted as stripped"
}

@test "calls: the identifiers beside caller_id go with DENIED; caller_id stays in its place" {
	crun "{\"phone\":\"+4915112345678\",$CALL_KEEP,\"hashed_phone_number\":\"bb\",\"email\":\"a@example.com\",\"google-ads-consent\":{\"ad_user_data\":\"DENIED\"}}"
	is "$status" 0
	is "$output" "{$CALL_KEEP,\"google-ads-consent\":{\"ad_user_data\":\"DENIED\",\"ad_personalization\":\"UNSPECIFIED\"},$RW}"
	# GRANTED and UNSPECIFIED touch nothing.
	crun "{\"phone\":\"+4915112345678\",$CALL_KEEP,\"consent\":true}"
	is "$(jq -c 'del(.["google-ads-consent"])' <<<"$output")" "{\"phone\":\"+4915112345678\",$CALL_KEEP}"
	crun "{$CALL_KEEP,\"phone\":\"+4915112345678\"}"
	is "$(jq -c 'del(.["google-ads-consent"])' <<<"$output")" "{$CALL_KEEP,\"phone\":\"+4915112345678\"}"
}

@test "enhancements: DENIED removes names, street address and their hashes, and city, region, postal_code" {
	crun "{$ENH_KEEP,$ENH_IDS,\"google-ads-consent\":{\"ad_user_data\":\"DENIED\",\"ad_personalization\":\"GRANTED\"}}"
	is "$status" 0
	is "$output" "{$ENH_KEEP,\"google-ads-consent\":{\"ad_user_data\":\"DENIED\",\"ad_personalization\":\"GRANTED\"},$RW}"
	# Each alone, with its one warning.
	local kv
	for kv in '"first_name":"alex"' '"last_name":"quinn"' \
	    '"street_address":"1800 amphibious blvd"' '"hashed_first_name":"cc"' \
	    '"hashed_last_name":"dd"' '"hashed_street_address":"ee"' \
	    '"city":"mountain view"' '"region":"ca"' '"postal_code":"94043"'; do
		crun "{$ENH_KEEP,$kv,\"consent\":false}"
		[[ $status -eq 0 && $output == "{$ENH_KEEP,\"google-ads-consent\":{\"ad_user_data\":\"DENIED\",\"ad_personalization\":\"DENIED\"},$RW}" ]] ||
		    fail_check "enhancement: removed" "$kv" "" "removed" "$output"
	done
	checks_pass
}

@test "enhancements: GRANTED or UNSPECIFIED keeps the whole address, clear and hashed" {
	local c
	for c in '"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"DENIED"}' '"consent":{"ad_personalization":"DENIED"}'; do
		crun "{$ENH_KEEP,$ENH_IDS,$c}"
		is "$status" 0
		is "$(jq -c 'del(.["google-ads-consent"])' <<<"$output")" "{$ENH_KEEP,$ENH_IDS}" "kept ($c)"
		is "$(cwarns)" ""
	done
}

@test "retractions and restatements: their key and value stay with DENIED, identifiers go" {
	crun "{$RES_KEEP,\"hashed_email\":\"aa\",\"user_ip_address\":\"192.0.2.1\",\"google-ads-consent\":{\"ad_user_data\":\"DENIED\",\"ad_personalization\":\"DENIED\"}}"
	is "$status" 0
	is "$output" "{$RES_KEEP,\"google-ads-consent\":{\"ad_user_data\":\"DENIED\",\"ad_personalization\":\"DENIED\"},$RW}"
	crun '{"adjustment_type":"RETRACTION","order_id":"A-1","adjustment_date_time":"2026-09-10 10:00:00+00:00","consent":"denied"}'
	is "$output" '{"adjustment_type":"RETRACTION","order_id":"A-1","adjustment_date_time":"2026-09-10 10:00:00+00:00","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"}}'
	# --missing reject applies to every kind.
	creject '{"adjustment_type":"RETRACTION","order_id":"A-1"}' google-ads-consent.ad_user_data -m reject
	creject "{$CALL_KEEP}" google-ads-consent.ad_user_data -m reject
	checks_pass
}

@test "kinds: stderr never holds a caller_id or another value of kinds.in" {
	local p
	cp "$F/kinds.in" .
	ac-consent -v -E EEA kinds.in >out 2>err
	for p in 4915112345678 4915187654321 18005550100 alexz quinn amphibious \
	    'mountain view' 94043 Mozilla 4135aa9dc1b8 Cj0KCQjw8tKf; do
		if grep -qiF -- "$p" err; then
			echo "'$p' on stderr" >&2
			return 1
		fi
	done
}

## Pipeline

@test "after ac-normalize: normalized records go through" {
	[[ -x $AC_BIN/ac-normalize ]] || skip "ac-normalize is not built"
	printf '%s\n' '{"conversion_action":"customers/1234567890/conversionActions/987","conversion_date_time":"2026-04-23T12:31:09Z","email":" A@Example.com ","country_code":" de ","consent":{"ad_user_data":"no"}}' >in.ndjson
	run --separate-stderr bash -c 'ac-normalize in.ndjson | ac-consent -E EEA'
	is "$status" 0
	is "$output" '{"conversion_action":"customers/1234567890/conversionActions/987","conversion_date_time":"2026-04-23 12:31:09+00:00","country_code":"DE","customer_id":"1234567890","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}]}'
	# Before ac-normalize the outcome is the same.
	run --separate-stderr bash -c 'ac-consent -E EEA in.ndjson | ac-normalize'
	is "$status" 0
	is "$output" '{"conversion_action":"customers/1234567890/conversionActions/987","conversion_date_time":"2026-04-23 12:31:09+00:00","country_code":"DE","google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"DENIED"},"ac_warnings":[{"stage":"ac-consent","field":"google-ads-consent.ad_user_data","code":"identifiers_removed_no_consent"}],"customer_id":"1234567890"}'
}

## Messages, summary, rejects file

@test "stderr never contains the PII or consent values planted in fixtures" {
	local o
	cp "$F/pii.in" .
	for o in "" "-E EEA" "-m reject" "-m denied" "-E EEA -m reject"; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-consent -v $o -R rej.ndjson pii.in
		is "$status" 1 "exit status ($o)"
		[[ -n $stderr ]] || { echo "no stderr ($o)" >&2; return 1; }
		if grep -iE 'planted|example\.com|4915199|203\.0\.113|PL-4711|0000' <<<"$stderr"; then
			echo "PII on stderr with options '$o'" >&2
			return 1
		fi
	done
	cfixture pii pii -R rej.ndjson
	is "$status" 1
}

@test "bad lines: file:line on stderr, skipped, the others still come out, exit 1" {
	printf '%s\n' "{$GAC_GG,\"n\":1}" '{"a":' '[1,2]' "{$GAC_GG,\"n\":2}" '"x"' >in.ndjson
	printf '{"n":3,\xff}\n' >>in.ndjson
	run --separate-stderr ac-consent -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(jq -r .n <<<"$output" | tr '\n' ' ')" "1 2 " "records out"
	[[ $stderr == *"ac-consent: in.ndjson:2: invalid JSON"*"(bad_json)"* ]] || { echo "$stderr" >&2; return 1; }
	[[ $stderr == *"ac-consent: in.ndjson:3: expected an object, got array (not_object)"* ]]
	[[ $stderr == *"ac-consent: in.ndjson:6: "*"(bad_utf8)"* ]]
	is "$(jq -r '"\(.line) \(.code)"' rej.ndjson | tr '\n' ' ')" "2 bad_json 3 not_object 5 not_object 6 bad_utf8 "
	is "$(($(nlines rej.ndjson) + ${#lines[@]}))" 6 "conservation"
	is "${stderr_lines[-2]}" "$(stage_summary 6 2 4 '1 bad_json, 2 not_object, 1 bad_utf8' 0)"
}

@test "conservation: every reject path, records in = stdout lines + rejects lines" {
	{
		echo '{"google-ads-consent":{"ad_user_data":"GRANTED","ad_personalization":"GRANTED"}}'
		echo '{"a":'
		echo '[]'
		printf '{"x":"\xc3"}\n'
		echo '{"google-ads-consent":{"ad_user_data":"GRANTED"}}'
		echo '{"consent":{"ad_user_data":"no","ad_personalization":"no"},"email":"x@example.com"}'
		echo ''
		echo '{"country_code":"DE"}'
	} >mixed.ndjson
	run --separate-stderr ac-consent -m reject -E EEA -R rej.ndjson mixed.ndjson
	is "$status" 1
	is "$(nonblank mixed.ndjson)" 7
	is "$(($(nlines rej.ndjson) + ${#lines[@]}))" 7 "conservation"
	is "$(jq -r .code rej.ndjson | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" \
	    "bad_json:1 bad_utf8:1 consent_missing:2 not_object:1 " "reject codes"
	is "${stderr_lines[-2]}" "$(stage_summary 7 2 5 '1 bad_json, 1 not_object, 1 bad_utf8, 2 consent_missing' 1 '1 identifiers_removed_no_consent')"
	is "${stderr_lines[-1]}" "$(consent_summary 1 1 0 1 1 0 1)"
}

@test "summary: counts over the records written, singular and plural" {
	printf '%s\n' '{"google-ads-consent":{"ad_user_data":"DENIED","ad_personalization":"GRANTED"},"email":"x@example.com"}' >one.ndjson
	run --separate-stderr ac-consent one.ndjson
	is "${stderr_lines[-1]}" "ac-consent: ad_user_data 0 GRANTED, 1 DENIED, 0 UNSPECIFIED; ad_personalization 1 GRANTED, 0 DENIED, 0 UNSPECIFIED; identifiers removed from 1 record"
	is "${stderr_lines[-2]}" "$(stage_summary 1 1 0 '' 1 '1 identifiers_removed_no_consent')" "after the stage summary"
	cp "$F/golden.in" .
	run --separate-stderr ac-consent -m denied golden.in
	is "${stderr_lines[-1]}" "$(consent_summary 6 6 0 3 9 0 6)"
}

@test "empty input gives empty output and exit 0" {
	: >empty.ndjson
	run --separate-stderr ac-consent empty.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "$(stage_summary 0 0 0 '' 0)
$(consent_summary 0 0 0 0 0 0 0)"
	run --separate-stderr ac-consent </dev/null
	is "$status" 0
	is "$output" ""
	run --separate-stderr ac-consent -q empty.ndjson
	is "$status" 0
	is "$stderr" "" "-q on empty input"
	printf '\n  \n\t\n\r\n' >blank.ndjson
	run --separate-stderr ac-consent -E EEA -m reject blank.ndjson
	is "$status" 0
	is "$output" ""
	is "${stderr_lines[0]}" "$(stage_summary 0 0 0 '' 0)"
}

@test "CRLF and blank lines are handled, line numbers stay right" {
	awk 'BEGIN { printf "\r\n" }
	    { printf "%s\r\n", $0 }
	    NR == 1 { printf "   \r\n" }
	    NR == 2 { printf "\t\r\n" }
	    END { printf "\r\n" }' "$F/golden.in" >crlf.ndjson
	run --separate-stderr ac-consent crlf.ndjson
	is "$status" 0
	is "$output" "$(cat "$F/golden.out")" "same as golden.out"
	# golden.in:6 is line 9 here (one blank line before it, two inside).
	is "$(grep -F 'identifiers_removed_no_consent)' <<<"$stderr" | head -n 1)" "ac-consent: crlf.ndjson:9: google-ads-consent.ad_user_data: personal identifiers removed: ad_user_data is DENIED (identifiers_removed_no_consent)"
	printf '%s\r\n\r\n{"a":\r\n%s' "{$GAC_GG,\"n\":1}" "{$GAC_GG,\"n\":2}" >crlf2.ndjson
	run --separate-stderr ac-consent -R rej.ndjson crlf2.ndjson
	is "$status" 1
	is "$(jq -r .n <<<"$output" | tr '\n' ' ')" "1 2 " "last line without a newline"
	is "$(jq -c '[.line, .raw]' rej.ndjson)" '[3,"{\"a\":"]' "raw without the CR"
}

@test "a line over 1 MiB works" {
	local big
	big=$(head -c 1500000 /dev/zero | tr '\0' a)
	printf '{"note":"%s","email":"big@example.com","consent":{"ad_user_data":"no","x":"%s"}}\n' "$big" "$big" >big.ndjson
	printf '%s\n' '{"bad":' >>big.ndjson
	run --separate-stderr ac-consent big.ndjson
	is "$status" 1
	is "$(jq -c '[(.note | length), (.consent.x | length), has("email"), .["google-ads-consent"].ad_user_data]' <<<"$output")" '[1500000,1500000,false,"DENIED"]'
	is "$(jq -r .note <<<"$output")" "$big" "the long value passes through"
	[[ $stderr == *"big.ndjson:2: invalid JSON"* ]]
}

@test "message cap: 10 per-record lines, then one 'not shown' line; -v shows all" {
	local i
	for i in $(seq 12); do echo '{"google-ads-consent":{"ad_user_data":"no"},"email":"x@example.com"}'; done >w.ndjson
	run --separate-stderr ac-consent w.ndjson
	is "$status" 0
	is "${#stderr_lines[@]}" 13 "stderr lines"
	is "$(grep -c '^ac-consent: w.ndjson:[0-9]*: ' <<<"$stderr")" 10 "located lines"
	is "${stderr_lines[9]}" "ac-consent: w.ndjson:10: google-ads-consent.ad_user_data: personal identifiers removed: ad_user_data is DENIED (identifiers_removed_no_consent)"
	is "${stderr_lines[10]}" "ac-consent: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(stage_summary 12 12 0 '' 12 '12 identifiers_removed_no_consent')"
	is "${stderr_lines[12]}" "$(consent_summary 0 12 0 0 0 12 12)"
	is "$(jq -s '[.[] | select(.ac_warnings | length == 1)] | length' <<<"$output")" 12 "every record carries its warning"
	for v in -v --verbose; do
		run --separate-stderr ac-consent "$v" w.ndjson
		is "${#stderr_lines[@]}" 14 "stderr lines with $v"
		[[ $stderr != *"not shown"* ]]
	done
	for i in $(seq 12); do echo '{}'; done >r.ndjson
	run --separate-stderr ac-consent -m reject r.ndjson
	is "$status" 1
	is "${#stderr_lines[@]}" 13 "rejects count toward the cap"
}

@test "-q: no per-record lines and no summaries, only the rejected count" {
	local q
	printf '%s\n' '{}' '{"google-ads-consent":{"ad_user_data":"no","ad_personalization":"x"},"email":"e"}' >in.ndjson
	for q in -q --quiet; do
		run --separate-stderr ac-consent "$q" -m reject in.ndjson
		is "$status" 1
		is "$stderr" "ac-consent: 2 of 2 records rejected" "stderr with $q"
		run --separate-stderr ac-consent "$q" in.ndjson
		is "$status" 0
		is "$stderr" "" "stderr with $q and no rejects"
		is "$(jq -c '.ac_warnings | length' <<<"${lines[1]}")" 2 "warnings still in the record"
	done
}

## Options and exit status

@test "usage errors exit 2 with usage on stderr; -h exits 0 with usage on stdout" {
	local args
	for args in "-x" "--nope" "-m" "-m maybe" "--missing=DENIED" "-E" "--require-explicit" "-R" "--help=x" "-U" "-U no" "--unknown-region=in"; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-consent $args </dev/null
		is "$status" 2 "exit status for '$args'"
		is "$output" "" "stdout for '$args'"
		[[ $stderr == *"usage: ac-consent [-hqVv] [-E REGIONS] [-m unspecified|denied|reject] [-R FILE] [-S FILE] [-U inside|outside] [FILE ...]"* ]] ||
		    { echo "no usage for '$args': $stderr" >&2; return 1; }
	done
	run --separate-stderr ac-consent -m maybe </dev/null
	is "${stderr_lines[0]}" "ac-consent: --missing: expected unspecified, denied or reject"
	run --separate-stderr ac-consent -x </dev/null
	is "${stderr_lines[0]}" "ac-consent: unknown option: -x"
	for args in -h --help; do
		run --separate-stderr ac-consent "$args"
		is "$status" 0 "exit status for $args"
		is "${lines[0]}" "usage: ac-consent [-hqVv] [-E REGIONS] [-m unspecified|denied|reject] [-R FILE] [-S FILE] [-U inside|outside] [FILE ...]"
		is "$stderr" ""
	done
	run --separate-stderr ac-consent -V
	is "$status" 0
	[[ $output == "ac-consent "[0-9]* ]]
}

@test "a write error on stdout exits 3" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	printf '%s\n' '{}' >one.ndjson
	run --separate-stderr bash -c 'ac-consent one.ndjson >/dev/full'
	is "$status" 3 "a single record"
	[[ $stderr == *"ac-consent: stdout: No space left on device"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	# Also when the error comes mid-run, with more than a buffer of output.
	local i
	for i in $(seq 2000); do echo "{$GAC_GG,\"n\":$i}"; done >in.ndjson
	run --separate-stderr bash -c 'ac-consent -E EEA in.ndjson >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-consent: stdout: No space left on device"* ]]
}

@test "a missing input, an unwritable rejects file or missing data files exit 3 before any output" {
	printf '%s\n' '{}' >in.ndjson
	run --separate-stderr ac-consent -R rej.ndjson in.ndjson missing.ndjson
	is "$status" 3
	is "$output" ""
	is "$stderr" "ac-consent: missing.ndjson: No such file or directory"
	[[ ! -e rej.ndjson ]] || { echo "rejects file created" >&2; return 1; }
	run --separate-stderr ac-consent -R nodir/rej.ndjson in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-consent: rejects file nodir/rej.ndjson: No such file or directory"* ]]
	AC_SHAREDIR=$BATS_TEST_TMPDIR/nothing run --separate-stderr ac-consent -E EEA in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == "ac-consent: data file $BATS_TEST_TMPDIR/nothing/"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
}

@test "the rejects file is created with mode 0600" {
	printf '%s\n' '{}' >in.ndjson
	: >rej.ndjson
	chmod 644 rej.ndjson
	run --separate-stderr ac-consent -m reject -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(stat -c %a rej.ndjson 2>/dev/null || stat -f %Lp rej.ndjson)" 600
	is "$(nlines rej.ndjson)" 1
}

@test "stdin: no operand and - read standard input, named <stdin>" {
	cp "$F/golden.in" g.ndjson
	run --separate-stderr ac-consent <g.ndjson
	is "$output" "$(cat "$F/golden.out")" "no operand"
	[[ $stderr == *"ac-consent: <stdin>:6: google-ads-consent.ad_user_data: "* ]]
	run --separate-stderr ac-consent - <g.ndjson
	is "$output" "$(cat "$F/golden.out")" "-"
	printf '%s\n' '{"order_id":"f"}' >f.ndjson
	run --separate-stderr ac-consent f.ndjson - f.ndjson <g.ndjson
	is "${#lines[@]}" 14
	is "$(jq -r .order_id <<<"${lines[0]}")$(jq -r .order_id <<<"${lines[13]}")" "ff"
}

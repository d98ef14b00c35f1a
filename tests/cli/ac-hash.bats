#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-hash: SHA-256 of the normalized identifiers (normalization.md "Hashing"
# and "Known public vectors"), values already hashed, --strict, the rejects
# file and the STYLE.md §10 checks every tool must pass. Run from the
# project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C prove -e bats tests/cli/ac-hash.bats

load helper

F=$BATS_TEST_DIRNAME/fixtures/ac-hash

# The public vectors of normalization.md, and two more hashes used below.
H_ALEXZ=509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a
H_PHONE=fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30
H_GIVEN=128a07bfe2df877c52076e60d7774cf5baaa046c5a6c48daf30ff43ecca2f814
H_FAMILY=77762c287e61ce065bee5c15464012c6fbe088398b8057627d5577249430d574
H_STREET=ff75e73a0e768cc1fa28a64faebbceccb562d7c05f2ffcdd8d100abad73e4579
H_CLOUDY=223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4
H_NYC=f109a2a632fbcea5fc82049f50beed3d8621bf9034399f437fb622222acccdac
H_EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
H_DE=b4267a2234e2072fa4d2e8d89fbe727c50fc414731d6ecacc2ed3d00f05038d1

# The clear-text identifiers, and the hashed field of each.
IDS="email phone first_name last_name street_address"
declare -gA HKEY=([email]=hashed_email [phone]=hashed_phone_number
    [first_name]=hashed_first_name [last_name]=hashed_last_name
    [street_address]=hashed_street_address)

# sha TEXT: SHA-256 of TEXT in hex, from sha256sum, not from ac.
sha() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}

# upper TEXT: TEXT in upper case.
upper() {
	tr '[:lower:]' '[:upper:]' <<<"$1"
}

# nonblank FILE: the number of input records (lines with more than blanks).
nonblank() {
	tr -d '\r' <"$1" | grep -c '[^[:blank:]]' || true
}

# nlines FILE: the number of lines of FILE.
nlines() {
	wc -l <"$1" | tr -d ' '
}

# mode FILE: the permission bits of FILE in octal, as 600.
mode() {
	stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"
}

# summary IN OUT REJECTED REJECT_COUNTS WARNINGS [WARNING_COUNTS]: the
# stage's end-of-run line, as in man/ac.7.
summary() {
	printf 'ac-hash: %s in, %s out, %s rejected' "$1" "$2" "$3"
	[[ $3 -gt 0 ]] && printf ' (%s)' "$4"
	printf '; %s warning' "$5"
	[[ $5 -eq 1 ]] || printf 's'
	[[ $5 -gt 0 ]] && printf ' (%s)' "$6"
	echo
}

# hrun FRAGMENT [OPTION...]: run ac-hash on the one record {FRAGMENT}
# read from in.ndjson; sets $status, $output, $stderr.
hrun() {
	local frag=$1
	shift
	printf '{%s}\n' "$frag" >in.ndjson
	run --separate-stderr ac-hash "$@" in.ndjson
}

# hashed_keys: the hashed_* keys of the output record, in order.
hashed_keys() {
	jq -r '[keys_unsorted[] | select(startswith("hashed_"))] | join(" ")' \
	    <<<"$output"
}

# fail_check WHAT FRAGMENT OPTIONS PROBLEM: report one failed check.
fail_check() {
	printf 'FAIL %s\n  input:   {%s}\n  options: %s\n  problem: %s\n' \
	    "$1" "$2" "${3:-(none)}" "$4" >&2
	printf '  output:  %s\n  stderr:  %s\n' "$output" "$stderr" >&2
	FAILS=$((FAILS + 1))
}

# hexpect FRAGMENT KEY WANT [OPTION...]: hashing {FRAGMENT} gives KEY the
# value WANT (compact JSON, or "absent"), with exit 0, no clear-text
# identifier left and no warning. Counts a failure instead of stopping.
hexpect() {
	local frag=$1 key=$2 want=$3 got problem='' id
	shift 3
	hrun "$frag" "$@"
	got=$(val "$key")
	[[ $want == absent && $(has "$key") == false ]] && got=absent
	if [[ $status -ne 0 ]]; then
		problem="exit $status"
	elif [[ "$got" != "$want" ]]; then
		problem="$key is $got, want $want"
	elif [[ -n $(warns) ]]; then
		problem="warnings: $(warns)"
	fi
	for id in $IDS; do
		[[ $(has "$id") == false ]] || problem="clear-text $id left"
	done
	[[ -z $problem ]] || fail_check "$key" "$frag" "$*" "$problem"
	return 0
}

# hexpect_drop FRAGMENT FIELD CODE [OPTION...]: hashing {FRAGMENT} removes
# FIELD, hashes nothing (no hashed_* key at all), keeps the record (exit
# 0), adds the warning {stage:"ac-hash", field:FIELD, code:CODE} and says
# so on stderr as "ac-hash: in.ndjson:1: FIELD: ... (CODE)".
hexpect_drop() {
	local frag=$1 key=$2 code=$3 problem=''
	shift 3
	hrun "$frag" "$@"
	if [[ $status -ne 0 ]]; then
		problem="exit $status"
	elif [[ $(has "$key") != false ]]; then
		problem="$key kept as $(val "$key")"
	elif [[ -n $(hashed_keys) ]]; then
		problem="hashed: $(hashed_keys)"
	elif ! jq -e --arg f "$key" --arg c "$code" '.ac_warnings |
	    index([{stage: "ac-hash", field: $f, code: $c}]) != null' \
	    <<<"$output" >/dev/null; then
		problem="no warning $key:$code (warnings: $(warns))"
	elif ! grep -qF "ac-hash: in.ndjson:1: $key: " <<<"$stderr" ||
	    ! grep -qF "($code)" <<<"$stderr"; then
		problem="no message on stderr"
	fi
	[[ -z $problem ]] ||
	    fail_check "$key should be dropped with $code" "$frag" "$*" "$problem"
	return 0
}

# hexpect_reject FRAGMENT CODE FIELD [OPTION...]: hashing {FRAGMENT}
# rejects the record: nothing on stdout, exit 1, a rejects-file line with
# CODE and FIELD and the record as read, a located message on stderr, and
# no warning counted.
hexpect_reject() {
	local frag=$1 code=$2 field=$3 problem=''
	shift 3
	printf '{%s}\n' "$frag" >in.ndjson
	run --separate-stderr ac-hash -R rej.ndjson "$@" in.ndjson
	if [[ $status -ne 1 ]]; then
		problem="exit $status"
	elif [[ -n $output ]]; then
		problem="record written to stdout"
	elif ! jq -e --arg c "$code" --arg f "$field" --argjson r "{$frag}" '
	    .stage == "ac-hash" and .file == "in.ndjson" and .line == 1 and
	    .code == $c and .field == $f and
	    (.message | type == "string" and length > 0) and .record == $r' \
	    rej.ndjson >/dev/null; then
		problem="rejects file: $(cat rej.ndjson)"
	elif ! grep -qF "ac-hash: in.ndjson:1: $field: " <<<"$stderr" ||
	    ! grep -qF "($code)" <<<"$stderr"; then
		problem="no located message on stderr"
	elif [[ $stderr != *"; 0 warnings"* ]]; then
		problem="warnings counted for a rejected record"
	fi
	[[ -z $problem ]] ||
	    fail_check "should reject with $code ($field)" "$frag" "$*" "$problem"
	return 0
}

# fixture CASE [OPTION...]: run ac-hash on fixtures/ac-hash/CASE.in (copied
# here) and compare stdout with CASE.out byte for byte. Leaves $status, and
# the streams in out and err.
hfixture() {
	local case=$1
	shift
	cp "$F/$case.in" "$case.in"
	status=0
	ac-hash "$@" "$case.in" >out 2>err || status=$?
	if ! diff -u "$F/$case.out" out >&2; then
		echo "stdout differs from $case.out (stderr follows)" >&2
		cat err >&2
		return 1
	fi
}

# no_clear FILE: FILE (NDJSON) has no clear-text identifier at the top
# level of any record.
no_clear() {
	jq -e -s 'all(.[]; has("email") or has("phone") or has("first_name")
	    or has("last_name") or has("street_address") | not)' "$1" \
	    >/dev/null || { echo "clear-text identifier in $1" >&2; return 1; }
}

## Golden output

@test "golden: a messy input gives exactly golden.out" {
	hfixture golden
	is "$status" 0 "exit status"
	is "$(tail -n 2 err)" "$(summary 8 8 0 '' 9 '1 phone_no_region, 1 placeholder, 2 hashed_replaced, 1 hashed_invalid, 1 not_string, 1 empty, 1 hashed_empty, 1 email_invalid')
ac-hash: hashed 3 email, 4 phone, 2 first_name, 2 last_name, 1 street_address; already hashed 3 (3 email); dropped 7 (2 email, 2 phone, 1 first_name, 1 last_name, 1 street_address)" \
	    "summary lines"
	no_clear out
}

@test "golden: -d DE -e all gives exactly options.out" {
	hfixture options -d DE -e all
	is "$status" 0 "exit status"
}

@test "golden: the long options give the same output as the short ones" {
	hfixture options --default-region DE --email-rule all
	is "$status" 0
	hfixture options --default-region=de --email-rule=all
	is "$status" 0
	hfixture strict --strict
	is "$status" 1
}

@test "golden: realistic generated records (raw.in) give exactly raw.out" {
	hfixture raw
	is "$status" 0
	no_clear out
}

@test "golden: every fixture .in has its .out" {
	local f
	for f in "$F"/*.in; do
		[[ -f ${f%.in}.out ]] || { echo "no .out for $f" >&2; return 1; }
	done
}

## The public vectors (normalization.md "Known public vectors")

@test "vectors: the table's hashes are SHA-256 of the normalized text" {
	# Checked with sha256sum, so the table and the oracle agree.
	is "$(sha alexz@example.com)" "$H_ALEXZ"
	is "$(sha +18005550100)" "$H_PHONE"
	is "$(sha givenname)" "$H_GIVEN"
	is "$(sha familyname)" "$H_FAMILY"
	is "$(sha '1800 amphibious blvd')" "$H_STREET"
	is "$(sha cloudysanfrancisco@gmail.com)" "$H_CLOUDY"
	is "$(sha user.name+nyc@example.com)" "$H_NYC"
}

@test "vectors: normalized values hash to the table's hashes" {
	hexpect '"email":"alexz@example.com"' hashed_email "\"$H_ALEXZ\""
	hexpect '"phone":"+18005550100"' hashed_phone_number "\"$H_PHONE\""
	hexpect '"first_name":"givenname"' hashed_first_name "\"$H_GIVEN\""
	hexpect '"last_name":"familyname"' hashed_last_name "\"$H_FAMILY\""
	hexpect '"street_address":"1800 amphibious blvd"' hashed_street_address "\"$H_STREET\""
	hexpect '"email":"cloudysanfrancisco@gmail.com"' hashed_email "\"$H_CLOUDY\""
	hexpect '"email":"user.name+nyc@example.com"' hashed_email "\"$H_NYC\""
	checks_pass
}

@test "vectors: raw values are normalized first, then hashed" {
	hexpect '"email":" AlexZ@Example.com "' hashed_email "\"$H_ALEXZ\""
	hexpect '"phone":"+1 800 555 0100"' hashed_phone_number "\"$H_PHONE\""
	hexpect '"phone":"(800) 555-0100","country_code":"US"' hashed_phone_number "\"$H_PHONE\""
	hexpect '"phone":"1-800-555-0100"' hashed_phone_number "\"$H_PHONE\"" -d US
	hexpect '"email":"Cloudy.SanFrancisco+shopping@gmail.com"' hashed_email "\"$H_CLOUDY\""
	hexpect '"email":"user.name+NYC@Example.com"' hashed_email "\"$H_NYC\""
	hexpect '"first_name":" Mr. GivenName "' hashed_first_name "\"$H_GIVEN\""
	hexpect '"last_name":"FamilyName, Jr."' hashed_last_name "\"$H_FAMILY\""
	hexpect '"street_address":" 1800 Amphibious Blvd.  "' hashed_street_address "\"$H_STREET\""
	checks_pass
}

@test "vectors: one record with all five, each hashed field in its clear field's place" {
	hrun '"a":1,"email":" AlexZ@Example.com ","phone":"+1 800 555 0100","first_name":"GivenName","last_name":"FamilyName","street_address":"1800 Amphibious Blvd.","z":2'
	is "$status" 0
	is "$output" "{\"a\":1,\"hashed_email\":\"$H_ALEXZ\",\"hashed_phone_number\":\"$H_PHONE\",\"hashed_first_name\":\"$H_GIVEN\",\"hashed_last_name\":\"$H_FAMILY\",\"hashed_street_address\":\"$H_STREET\",\"z\":2}"
}

@test "vectors: --email-rule all changes the hash only off gmail.com" {
	hexpect '"email":"user.name+NYC@Example.com"' hashed_email "\"$(sha username@example.com)\"" -e all
	hexpect '"email":"user.name+NYC@Example.com"' hashed_email "\"$H_NYC\"" -e gmail
	hexpect '"email":"Cloudy.SanFrancisco+shopping@gmail.com"' hashed_email "\"$H_CLOUDY\"" --email-rule all
	checks_pass
}

@test "vectors: NFC, so a combining diaeresis and a precomposed letter hash the same" {
	hrun '"first_name":"Zoe\u0308","last_name":"Zo\u00eb"'
	is "$status" 0
	is "$(jq -r '.hashed_first_name == .hashed_last_name' <<<"$output")" true
	is "$(val hashed_first_name)" "\"$(sha "$(printf 'zo\303\253')")\""
}

@test "every hash equals sha256sum of what ac-normalize makes of the value" {
	# An oracle outside ac: ac-normalize, then sha256sum of each value.
	command -v ac-normalize >/dev/null || skip "no ac-normalize"
	cp "$F/raw.in" raw.in
	ac-normalize -q -z Europe/Berlin raw.in >norm.ndjson 2>/dev/null || true
	ac-hash norm.ndjson >hashed.ndjson 2>/dev/null
	local n=0 want got id
	while IFS= read -r line; do
		n=$((n + 1))
		for id in $IDS; do
			v=$(jq -r --arg k "$id" '.[$k] // empty' <<<"$line")
			got=$(sed -n "${n}p" hashed.ndjson |
			    jq -r --arg k "${HKEY[$id]}" '.[$k] // empty')
			want=
			[[ -n $v ]] && want=$(sha "$v")
			is "$got" "$want" "line $n: ${HKEY[$id]}" || return 1
		done
	done <norm.ndjson
	[[ $n -gt 100 ]] || { echo "only $n records" >&2; return 1; }
}

## Raw versus normalized input, and idempotence

@test "ac-hash on raw input and on ac-normalize output gives the same hashes" {
	command -v ac-normalize >/dev/null || skip "no ac-normalize"
	cp "$F/raw.in" raw.in
	local opts
	for opts in '' '-d DE -e all' '-d US'; do
		# shellcheck disable=SC2086
		ac-normalize -q -z Europe/Berlin $opts -R rej.ndjson raw.in \
		    >norm.ndjson 2>/dev/null || true
		# The records ac-normalize kept, as they were read.
		jq -r .line rej.ndjson >rejected
		awk 'NR == FNR { skip[$1] = 1; next } !(FNR in skip)' \
		    rejected raw.in >kept.ndjson
		is "$(nlines kept.ndjson)" "$(nlines norm.ndjson)" "kept records"
		# shellcheck disable=SC2086
		ac-hash $opts kept.ndjson >from-raw 2>/dev/null
		# shellcheck disable=SC2086
		ac-hash $opts norm.ndjson >from-norm 2>/dev/null
		local pick='[to_entries[] | select(.key | startswith("hashed_"))]'
		jq -c "$pick" from-raw >a
		jq -c "$pick" from-norm >b
		diff -u a b >&2 || { echo "differ with '$opts'" >&2; return 1; }
		# The same identifiers dropped for the same reasons: by ac-hash
		# alone, or by ac-normalize before it.
		local why='[.ac_warnings[]? | select(.field as $f |
		    ["email", "phone", "first_name", "last_name",
		    "street_address"] | index([$f])) | [.field, .code]]'
		jq -c "$why" from-raw >a
		jq -c "$why" from-norm >b
		diff -u a b >&2 || { echo "warnings differ with '$opts'" >&2; return 1; }
		[[ $(grep -c hashed_email from-raw) -gt 100 ]]
	done
}

@test "idempotence: ac-hash on ac-hash output changes nothing, counts already hashed" {
	local c
	for c in golden pii raw options; do
		cp "$F/$c.out" again.ndjson
		run --separate-stderr ac-hash -d DE -e all again.ndjson
		is "$status" 0 "exit status on $c.out"
		is "$output" "$(cat "$F/$c.out")" "second pass over $c.out"
	done
	cp "$F/golden.out" again.ndjson
	run --separate-stderr ac-hash again.ndjson
	is "$stderr" "$(summary 8 8 0 '' 0)
ac-hash: hashed 0; already hashed 15 (6 email, 4 phone, 2 first_name, 2 last_name, 1 street_address); dropped 0"
}

@test "idempotence: a hash passes through unchanged, in its place" {
	hrun "\"a\":1,\"hashed_email\":\"$H_ALEXZ\",\"b\":2"
	is "$status" 0
	is "$output" "{\"a\":1,\"hashed_email\":\"$H_ALEXZ\",\"b\":2}"
	is "${stderr_lines[-1]}" "ac-hash: hashed 0; already hashed 1 (1 email); dropped 0"
}

## Values already hashed

@test "already hashed: hashed_* fields are lower-cased, kept in place and counted" {
	hexpect "\"hashed_email\":\"$(upper $H_ALEXZ)\"" hashed_email "\"$H_ALEXZ\""
	hexpect "\"hashed_phone_number\":\" $H_PHONE\t\"" hashed_phone_number "\"$H_PHONE\""
	hexpect "\"hashed_first_name\":\"$H_GIVEN\"" hashed_first_name "\"$H_GIVEN\""
	hexpect "\"hashed_last_name\":\"$H_FAMILY\"" hashed_last_name "\"$H_FAMILY\""
	hexpect "\"hashed_street_address\":\"$H_STREET\"" hashed_street_address "\"$H_STREET\""
	hrun "\"x\":0,\"hashed_email\":\"$(upper $H_ALEXZ)\",\"y\":1"
	is "$(jq -c keys_unsorted <<<"$output")" '["x","hashed_email","y"]' "key order"
	is "${stderr_lines[-1]}" "ac-hash: hashed 0; already hashed 1 (1 email); dropped 0"
	checks_pass
}

@test "already hashed: a clear-text field holding 64 hex digits moves to its hashed field" {
	local id
	for id in $IDS; do
		hexpect "\"$id\":\" $(upper $H_ALEXZ) \"" "${HKEY[$id]}" "\"$H_ALEXZ\""
	done
	hrun "\"email\":\"$H_ALEXZ\",\"phone\":\"$H_PHONE\""
	is "${stderr_lines[-1]}" "ac-hash: hashed 0; already hashed 2 (1 email, 1 phone); dropped 0"
	checks_pass
}

@test "already hashed: 63 or 65 hex digits are not a hash" {
	# As a clear-text name they are hashed like any text.
	hexpect "\"first_name\":\"${H_ALEXZ:1}\"" hashed_first_name "\"$(sha "${H_ALEXZ:1}")\""
	hexpect "\"first_name\":\"${H_ALEXZ}0\"" hashed_first_name "\"$(sha "${H_ALEXZ}0")\""
	checks_pass
}

@test "hashed_invalid: a hashed field that is not 64 hex digits is dropped" {
	local v
	for v in '"xyz"' "\"${H_ALEXZ:1}\"" "\"${H_ALEXZ}0\"" \
	    "\"${H_ALEXZ:1}g\"" "\"${H_ALEXZ:0:32} ${H_ALEXZ:32}\"" 42 true \
	    '["a"]' '{"h":1}'; do
		hexpect_drop "\"hashed_email\":$v" hashed_email hashed_invalid
		hexpect_drop "\"hashed_street_address\":$v" hashed_street_address hashed_invalid
	done
	hrun '"hashed_phone_number":"xyz"'
	is "${stderr_lines[-1]}" "ac-hash: hashed 0; already hashed 0; dropped 1 (1 phone)"
	checks_pass
}

@test "hashed_invalid: replaced by the hash of the clear-text field when there is one" {
	hrun '"hashed_email":"xyz","a":1,"email":"AlexZ@Example.com"'
	is "$status" 0
	is "$output" "{\"hashed_email\":\"$H_ALEXZ\",\"a\":1,\"ac_warnings\":[{\"stage\":\"ac-hash\",\"field\":\"hashed_email\",\"code\":\"hashed_invalid\"}]}"
}

@test "hashed_empty: the hash of an empty value is never passed on" {
	hexpect_drop "\"hashed_email\":\"$H_EMPTY\"" hashed_email hashed_empty
	hexpect_drop "\"hashed_last_name\":\"$(upper $H_EMPTY)\"" hashed_last_name hashed_empty
	hexpect_drop "\"email\":\"$H_EMPTY\"" email hashed_empty
	checks_pass
}

@test "a hashed field that is null or blank is removed without a warning" {
	hexpect '"hashed_email":null' hashed_email absent
	hexpect '"hashed_email":""' hashed_email absent
	hexpect '"hashed_phone_number":" \t"' hashed_phone_number absent
	hexpect '"hashed_email":null,"email":"alexz@example.com"' hashed_email "\"$H_ALEXZ\""
	checks_pass
}

@test "hashed_replaced: the clear text wins when the two hashes differ" {
	hrun "\"hashed_email\":\"$H_CLOUDY\",\"x\":1,\"email\":\"AlexZ@Example.com\""
	is "$status" 0
	is "$output" "{\"hashed_email\":\"$H_ALEXZ\",\"x\":1,\"ac_warnings\":[{\"stage\":\"ac-hash\",\"field\":\"hashed_email\",\"code\":\"hashed_replaced\"}]}"
	is "${stderr_lines[0]}" "ac-hash: in.ndjson:1: hashed_email: replaced: differs from the hash of the clear-text field (hashed_replaced)"
	is "${stderr_lines[-1]}" "ac-hash: hashed 1 email; already hashed 0; dropped 0" \
	    "a replaced hash is not a dropped value"
}

@test "hashed_replaced: no warning when the two agree, in any case" {
	hexpect "\"email\":\"AlexZ@Example.com\",\"hashed_email\":\"$H_ALEXZ\"" hashed_email "\"$H_ALEXZ\""
	hexpect "\"email\":\"AlexZ@Example.com\",\"hashed_email\":\"$(upper $H_ALEXZ)\"" hashed_email "\"$H_ALEXZ\""
	hexpect "\"phone\":\"$(upper $H_PHONE)\",\"hashed_phone_number\":\"$H_PHONE\"" hashed_phone_number "\"$H_PHONE\""
	hrun "\"email\":\"AlexZ@Example.com\",\"hashed_email\":\"$H_ALEXZ\""
	is "${stderr_lines[-1]}" "ac-hash: hashed 1 email; already hashed 0; dropped 0"
	checks_pass
}

@test "a valid hash is kept when its clear-text field is dropped" {
	hrun "\"hashed_email\":\"$H_ALEXZ\",\"email\":\"not an address\""
	is "$status" 0
	is "$(val hashed_email)" "\"$H_ALEXZ\""
	is "$(has email)" false
	is "$(warns)" "email:email_invalid"
	is "${stderr_lines[-1]}" "ac-hash: hashed 0; already hashed 1 (1 email); dropped 1 (1 email)"
}

## --strict

@test "--strict rejects a record holding a hash, in either field" {
	local id
	for id in $IDS; do
		hexpect_reject "\"${HKEY[$id]}\":\"$H_ALEXZ\"" already_hashed "${HKEY[$id]}" -s
		hexpect_reject "\"$id\":\" $(upper $H_ALEXZ) \"" already_hashed "$id" --strict
	done
	# Even with a clear-text field beside it, and a warning it would
	# have had.
	hexpect_reject "\"email\":\"bad\",\"hashed_email\":\"$H_ALEXZ\"" already_hashed hashed_email -s
	hexpect_reject "\"email\":\"alexz@example.com\",\"phone\":\"x\",\"hashed_street_address\":\"$H_STREET\"" already_hashed hashed_street_address -s
	checks_pass
}

@test "--strict hashes clear text as without it" {
	hexpect '"email":" AlexZ@Example.com "' hashed_email "\"$H_ALEXZ\"" -s
	hexpect '"hashed_email":null,"email":"alexz@example.com"' hashed_email "\"$H_ALEXZ\"" -s
	hexpect_drop '"hashed_email":"xyz"' hashed_email hashed_invalid -s
	hexpect_drop '"email":"n/a"' email placeholder -s
	checks_pass
}

@test "--strict: strict.out, and every reject in the rejects file" {
	cp "$F/strict.in" .
	run --separate-stderr ac-hash -s -R rej.ndjson strict.in
	is "$status" 1
	is "$output" "$(cat "$F/strict.out")"
	run jq -r '"\(.line) \(.code) \(.field // "-")"' rej.ndjson
	is "$output" "2 already_hashed hashed_email
3 already_hashed phone
5 already_hashed hashed_street_address
6 bad_json -
7 not_object -"
	is "$(jq -c 'select(.line == 3) | .record' rej.ndjson)" "$(sed -n 3p strict.in)" "record as read"
	is "$(jq -r 'select(.line == 2) | .message' rej.ndjson)" "already hashed; --strict takes clear text only"
	is "$(nlines rej.ndjson)" 5
	is "$(($(nlines "$F/strict.out") + 5))" "$(nonblank strict.in)" "conservation"
}

@test "--strict on ac-hash output rejects every record that has a hash" {
	cp "$F/golden.out" g.ndjson
	run --separate-stderr ac-hash -s -R rej.ndjson g.ndjson
	is "$status" 1
	is "$(jq -r .order_id <<<"$output")" "A-1006" "the one record without a hash"
	is "$(nlines rej.ndjson)" 7
}

## Kinds: call conversions and adjustments (man/ac.7)

CALL_T='"call_start_date_time":"2026-09-01 09:00:00+00:00"'

@test "kinds: kinds.in gives exactly kinds.out" {
	hfixture kinds
	is "$status" 0
	is "$(tail -n 2 err)" "$(summary 7 7 0 '' 1 '1 placeholder')
ac-hash: hashed 2 email, 2 phone, 1 first_name, 2 last_name, 1 street_address; already hashed 1 (1 first_name); dropped 1 (1 street_address)"
	no_clear out
	is "$(jq -r 'select(.caller_id) | .caller_id' out | tr '\n' '|')" \
	    "+4915112345678| +49 (151) 876-54321 |509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a|" \
	    "caller_id exactly as read"
}

@test "calls: caller_id is never hashed, normalized, moved or warned about" {
	local v
	for v in '"+4915112345678"' '" +49 (151) 876-54321 "' '"0151 12345678"' \
	    '"not a number"' '""' 'null' '4915112345678' "\"$H_ALEXZ\"" \
	    "\"$(upper "$H_PHONE")\"" "\"$H_EMPTY\""; do
		hrun "\"a\":1,\"caller_id\":$v,$CALL_T,\"z\":2"
		[[ $status -eq 0 && $stderr != *caller_id* &&
		    $output == "{\"a\":1,\"caller_id\":$v,$CALL_T,\"z\":2}" ]] ||
		    fail_check "caller_id untouched" "caller_id:$v" "" "changed"
		hrun "\"caller_id\":$v,\"country_code\":\"DE\"" -d US --strict
		[[ $status -eq 0 && $(val caller_id) == "$v" ]] ||
		    fail_check "caller_id untouched (-d US --strict)" "caller_id:$v" "-d US --strict" "changed"
	done
	checks_pass
	is "$(tail -n 1 <<<"$stderr")" "ac-hash: hashed 0; already hashed 0; dropped 0" "nothing counted"
}

@test "calls: phone beside caller_id is hashed as today; caller_id stays in clear, in its place" {
	hrun "\"caller_id\":\"+18005550100\",$CALL_T,\"phone\":\"+1 800 555 0100\",\"email\":\"alexz@example.com\""
	is "$status" 0
	is "$output" "{\"caller_id\":\"+18005550100\",$CALL_T,\"hashed_phone_number\":\"$H_PHONE\",\"hashed_email\":\"$H_ALEXZ\"}"
	# A bad phone is dropped as ever; the call keeps its caller_id.
	hrun "\"caller_id\":\"+18005550100\",\"phone\":\"12\""
	is "$(val caller_id)" '"+18005550100"'
	[[ $(warns) == phone:* && $(has phone) == false ]] ||
	    { echo "phone not dropped: $output" >&2; return 1; }
	[[ $stderr != *18005550100* ]] || { echo "caller_id on stderr" >&2; return 1; }
}

@test "enhancements: first_name, last_name and street_address are hashed as today; the rest of the address stays clear" {
	hrun '"adjustment_type":"ENHANCEMENT","order_id":"A-1","first_name":" Alex ","last_name":"QUINN","street_address":"1800 Amphibious Blvd.","city":"Mountain View","region":"CA","postal_code":"94043","country_code":"us","user_agent":"Mozilla/5.0"'
	is "$status" 0
	is "$output" "{\"adjustment_type\":\"ENHANCEMENT\",\"order_id\":\"A-1\",\"hashed_first_name\":\"$(sha alex)\",\"hashed_last_name\":\"$(sha quinn)\",\"hashed_street_address\":\"$H_STREET\",\"city\":\"Mountain View\",\"region\":\"CA\",\"postal_code\":\"94043\",\"country_code\":\"us\",\"user_agent\":\"Mozilla/5.0\"}"
	# The same hashes as in a click conversion.
	local click
	click=$(printf '%s\n' '{"first_name":" Alex ","last_name":"QUINN","street_address":"1800 Amphibious Blvd."}' | ac-hash -q)
	is "$(jq -c '[.hashed_first_name, .hashed_last_name, .hashed_street_address]' <<<"$click")" \
	    "$(jq -c '[.hashed_first_name, .hashed_last_name, .hashed_street_address]' <<<"$output")"
	hexpect_drop '"adjustment_type":"ENHANCEMENT","street_address":"n/a"' street_address placeholder
	hexpect_drop '"adjustment_type":"ENHANCEMENT","first_name":42' first_name not_string
	checks_pass
}

@test "retractions and restatements: every field passes through; identifiers are hashed as in any record" {
	local r='"adjustment_type":"RESTATEMENT","gclid":"Cj0K-g","conversion_date_time":"2026-08-01 10:00:00+00:00","adjustment_date_time":"2026-09-10 10:00:00+00:00","adjusted_value":80,"currency_code":"EUR"'
	hrun "$r"
	is "$output" "{$r}"
	hrun "$r,\"email\":\"alexz@example.com\""
	is "$output" "{$r,\"hashed_email\":\"$H_ALEXZ\"}"
}

@test "kinds: stderr never holds a caller_id or another value of kinds.in" {
	local p
	cp "$F/kinds.in" .
	ac-hash -v kinds.in >out 2>err
	for p in 4915112345678 '876-54321' 509e933019bb Caller@ alex quinn amphibious \
	    'mountain view' 94043 Mozilla; do
		if grep -qiF -- "$p" err; then
			echo "'$p' on stderr" >&2
			return 1
		fi
	done
}

## Fields that stay in clear, placement, warnings

@test "city, region, postal_code and country_code are untouched, in their place" {
	hrun '"city":" Mountain View ","email":"a@example.com","region":"CA","postal_code":" 94043 ","country_code":" us ","n":null'
	is "$status" 0
	is "$output" "{\"city\":\" Mountain View \",\"hashed_email\":\"$(sha a@example.com)\",\"region\":\"CA\",\"postal_code\":\" 94043 \",\"country_code\":\" us \",\"n\":null}"
	# Even values ac-normalize would drop pass: they are not hashed.
	hexpect '"country_code":"Zanzibaria","city":"n/a","postal_code":1234' country_code '"Zanzibaria"'
	hexpect '"country_code":"Zanzibaria","city":"n/a","postal_code":1234' postal_code 1234
	checks_pass
}

@test "unknown keys, nested identifiers and key order pass through" {
	hrun '"z":1,"a":{"email":"nested@example.com","y":[1,{"b":null}]},"Email":"Not@Touched.COM","phone":"+1 800 555 0100","m":"x","f":false,"num":2.5'
	is "$status" 0
	is "$(jq -c keys_unsorted <<<"$output")" '["z","a","Email","hashed_phone_number","m","f","num"]'
	is "$(jq -c '[.z,.a,.Email,.m,.f,.num]' <<<"$output")" \
	    '[1,{"email":"nested@example.com","y":[1,{"b":null}]},"Not@Touched.COM","x",false,2.5]'
}

@test "placement: a hashed field given keeps its place; new ones take the clear field's" {
	hrun "\"hashed_last_name\":\"$H_FAMILY\",\"email\":\"alexz@example.com\",\"x\":1,\"first_name\":\"givenname\""
	is "$status" 0
	is "$(jq -c keys_unsorted <<<"$output")" '["hashed_last_name","hashed_email","x","hashed_first_name"]'
	# A hashed field given next to its clear-text one stays where it was.
	hrun "\"email\":\"alexz@example.com\",\"x\":1,\"hashed_email\":\"$H_ALEXZ\",\"y\":2"
	is "$(jq -c keys_unsorted <<<"$output")" '["x","hashed_email","y"]'
}

@test "placement: ac_warnings made here comes after the hashed fields" {
	hrun '"email":"bad","first_name":"Alex","x":1'
	is "$status" 0
	is "$(jq -c keys_unsorted <<<"$output")" '["hashed_first_name","x","ac_warnings"]'
	is "$(jq -c .ac_warnings <<<"$output")" '[{"stage":"ac-hash","field":"email","code":"email_invalid"}]'
}

@test "placement: warnings from an earlier stage are kept and appended to" {
	hrun '"ac_warnings":[{"stage":"ac-normalize","field":"city","code":"placeholder"}],"email":"bad","x":1'
	is "$status" 0
	is "$output" '{"ac_warnings":[{"stage":"ac-normalize","field":"city","code":"placeholder"},{"stage":"ac-hash","field":"email","code":"email_invalid"}],"x":1}'
}

## Normalization before hashing (the rules of ac-normalize)

@test "phone: the region comes from country_code, read on the fly, else -d" {
	hexpect '"phone":"0170 1234567","country_code":"DE"' hashed_phone_number "\"$H_DE\""
	hexpect '"phone":"0170 1234567","country_code":" de "' hashed_phone_number "\"$H_DE\""
	hexpect '"phone":"0170 1234567"' hashed_phone_number "\"$H_DE\"" -d DE
	hexpect '"phone":"0170 1234567"' hashed_phone_number "\"$H_DE\"" --default-region de
	hexpect '"phone":"0170 1234567","country_code":null' hashed_phone_number "\"$H_DE\"" -d DE
	hexpect '"phone":"0170 1234567","country_code":" "' hashed_phone_number "\"$H_DE\"" -d DE
	# One that is there but unreadable is not replaced by -d.
	hexpect_drop '"phone":"0170 1234567","country_code":"XX"' phone phone_no_region -d DE
	# UK is read as GB.
	hexpect '"phone":"020 7946 0958","country_code":"UK"' hashed_phone_number "\"$(sha +442079460958)\"" -d DE
	hexpect '"phone":"0170 1234567","country_code":null' hashed_phone_number "\"$H_DE\"" -d DE
	hexpect '"phone":"(415) 555-0100","country_code":"US"' hashed_phone_number "\"$(sha +14155550100)\"" -d DE
	hexpect '"phone":"0049 170 1234567","country_code":"DE"' hashed_phone_number "\"$H_DE\""
	hexpect '"phone":"+49 (0)170 1234567 ext 12"' hashed_phone_number "\"$H_DE\""
	# country_code is read, never rewritten.
	hrun '"phone":"0170 1234567","country_code":" de "'
	is "$(val country_code)" '" de "'
	checks_pass
}

@test "phone: an integer is read as digits; no region, no hash" {
	hexpect '"phone":4155550100,"country_code":"US"' hashed_phone_number "\"$(sha +14155550100)\""
	hexpect_drop '"phone":"0170 1234567"' phone phone_no_region
	hexpect_drop '"phone":"0170 1234567","country_code":"XX"' phone phone_no_region
	hexpect_drop '"phone":"0170 1234567","country_code":"AQ"' phone phone_no_region -d DE
	hexpect_drop '"phone":"09876543210"' phone phone_no_region
	checks_pass
}

@test "phone: invalid numbers are dropped with ac-normalize's codes" {
	hexpect_drop '"phone":"1-800-FLOWERS","country_code":"US"' phone phone_invalid
	hexpect_drop '"phone":"+999 1234567"' phone phone_bad_calling_code
	hexpect_drop '"phone":"+12"' phone phone_bad_length
	hexpect_drop '"phone":"12","country_code":"DE"' phone phone_bad_length
	hexpect_drop '"phone":1.5' phone not_string
	hexpect_drop '"phone":true' phone not_string
	checks_pass
}

@test "email and names: invalid values are dropped, never hashed" {
	hexpect_drop '"email":"john.example.com"' email email_invalid
	hexpect_drop '"email":"john@localhost"' email email_invalid
	hexpect_drop '"email":"+tag@gmail.com"' email email_invalid
	hexpect_drop '"email":42' email not_string
	hexpect_drop '"email":[42]' email not_string
	hexpect_drop '"first_name":["Quinn"]' first_name not_string
	hexpect_drop '"first_name":42' first_name not_string
	hexpect_drop '"last_name":{"x":"Quinn"}' last_name not_string
	hexpect_drop '"street_address":false' street_address not_string
	checks_pass
}

@test "too long: identifiers longer than any real one are dropped as value_too_long, never hashed (issue 11)" {
	local e254 e255 n513 p65
	e254=$(printf 'e%.0s' {1..248})@x.com
	e255=e$e254
	n513=$(printf 'n%.0s' {1..513})
	p65=$(printf '1%.0s' {1..65})
	hexpect_drop "\"email\":\"$e255\"" email value_too_long
	hexpect_drop "\"phone\":\"+$p65\"" phone value_too_long
	hexpect_drop "\"first_name\":\"$n513\"" first_name value_too_long
	hexpect_drop "\"last_name\":\"$n513\"" last_name value_too_long
	hexpect_drop "\"street_address\":\"$n513\"" street_address value_too_long
	hrun "\"email\":\" $e254 \""
	is "$(jq -r .hashed_email <<<"$output")" "$(sha "$e254")" "254 bytes are hashed"
	checks_pass
}

@test "too long: 1 MB of combining marks in a name is dropped at once, not normalized for half an hour (issue 11)" {
	python3 -c 'import json
print(json.dumps({"street_address": "a" + "\u0301\u0323" * 250000, "first_name": "Ana"}, ensure_ascii=False))' >big.ndjson
	run --separate-stderr timeout 120 ac-hash big.ndjson
	is "$status" 0 "exit status (124: timed out)"
	is "$(jq -c '[has("street_address"), has("hashed_street_address"), [.ac_warnings[] | .field + ":" + .code]]' <<<"$output")" \
	    '[false,false,["street_address:value_too_long"]]'
	is "$(jq -r .hashed_first_name <<<"$output")" "$(sha ana)"
}

@test "placeholders are never hashed" {
	hexpect_drop '"email":"n/a"' email placeholder
	hexpect_drop '"email":"noemail@x.com"' email placeholder
	hexpect_drop '"email":"test@test.com"' email placeholder
	hexpect_drop '"phone":"(999) 999-9999","country_code":"US"' phone placeholder
	hexpect_drop '"phone":"+1 123 456 7890"' phone placeholder
	hexpect_drop '"phone":"N/A"' phone placeholder
	hexpect_drop '"first_name":"Mr."' first_name placeholder
	hexpect_drop '"first_name":"unknown"' first_name placeholder
	hexpect_drop '"last_name":"N/A"' last_name placeholder
	hexpect_drop '"street_address":"n/a"' street_address placeholder
	checks_pass
}

@test "empty values are never hashed" {
	hexpect_drop '"street_address":"---"' street_address empty
	hexpect_drop '"street_address":" . , "' street_address empty
	local v
	for v in '""' '"   "' '"\t"' null; do
		hexpect "\"email\":$v,\"phone\":$v,\"first_name\":$v,\"last_name\":$v,\"street_address\":$v" hashed_email absent
	done
	hrun '"email":"","phone":null,"first_name":" ","last_name":"\t","street_address":"---"'
	is "$(hashed_keys)" "" "nothing hashed"
	is "${stderr_lines[-1]}" "ac-hash: hashed 0; already hashed 0; dropped 1 (1 street_address)"
	# The hash of "" appears nowhere in any output.
	local c
	for c in golden pii raw options strict; do
		! grep -q "$H_EMPTY" "$F/$c.out" ||
		    { echo "hash of empty in $c.out" >&2; return 1; }
	done
	checks_pass
}

@test "no clear-text identifier is left in any output" {
	local c
	for c in golden pii raw options strict; do
		no_clear "$F/$c.out"
	done
	hfixture pii
	no_clear out
	# None of the planted clear values either (city, postal_code and
	# country_code are sent in clear and are allowed).
	local p
	for p in wilhelmina quarrington thistlewick bartholomew okonkwo \
	    thaddeus ignatius persephone vandermeer octavia pemberton \
	    blackwood ezekiel florentyna leopoldine 7946 5550123 5550187 \
	    5550199 555-call '98 76 54 32' 698765432 '@example' marigold; do
		if grep -qiF -- "$p" out; then
			echo "'$p' on stdout" >&2
			return 1
		fi
	done
}

## The rejects file

@test "rejects: bad JSON, bad UTF-8 and non-objects, with the record as read" {
	printf '%s\n' 'not json' '{"email":"a@b.com",' '[1,2]' >in.ndjson
	printf '{"email":"\xff@example.com"}\n' >>in.ndjson
	printf '%s\n' '{"email":"a@example.com"}' >>in.ndjson
	run --separate-stderr ac-hash -R rej.ndjson in.ndjson
	is "$status" 1
	is "$output" "{\"hashed_email\":\"$(sha a@example.com)\"}"
	run jq -c '[.stage, .line, .code, has("field"), has("record"), has("raw"), has("raw_base64")]' rej.ndjson
	is "$output" '["ac-hash",1,"bad_json",false,false,true,false]
["ac-hash",2,"bad_json",false,false,true,false]
["ac-hash",3,"not_object",false,true,false,false]
["ac-hash",4,"bad_utf8",false,false,false,true]'
}

@test "rejects: the file is created, or truncated, with mode 0600" {
	echo '{"email":"a@example.com"}' >in.ndjson
	run --separate-stderr ac-hash -R rej.ndjson in.ndjson
	is "$status" 0
	is "$(mode rej.ndjson)" 600
	is "$(nlines rej.ndjson)" 0
	echo 'old line' >rej.ndjson
	chmod 644 rej.ndjson
	run --separate-stderr ac-hash --rejects rej.ndjson in.ndjson
	is "$(nlines rej.ndjson)" 0 "truncated"
	is "$(mode rej.ndjson)" 600 "an existing file is made 0600"
}

@test "rejects: conservation, records in = stdout lines + rejects lines" {
	cp "$F/strict.in" in.ndjson
	cat "$F/pii.in" "$F/golden.in" >>in.ndjson
	printf '{"x":"\xff"}\r\n{"email":"crlf@example.com"}\r\n\r\n{"a":\r\n' >>in.ndjson
	local s n_in n_out n_rej
	for s in '' -s; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-hash $s -R rej.ndjson in.ndjson
		is "$status" 1
		printf '%s\n' "$output" >out
		n_in=$(nonblank in.ndjson)
		n_out=$(grep -c . out)
		n_rej=$(nlines rej.ndjson)
		is "$n_in" 29 "input records"
		is "$((n_out + n_rej))" "$n_in" "out ($n_out) + rejected ($n_rej) with '$s'"
		is "${stderr_lines[-2]%%(*}" "$(summary "$n_in" "$n_out" "$n_rej" x 0 | sed 's/(.*//')" \
		    "summary counts"
		jq -e -s 'all(type == "object")' out rej.ndjson >/dev/null
		no_clear out
	done
}

## The STYLE.md §10 checks

@test "a bad JSON line gives file:line on stderr, the other records still come out, exit 1" {
	printf '%s\n' '{"order_id":"1"}' '{"order_id":"2",' '{"order_id":"3"}' >in.ndjson
	run --separate-stderr ac-hash in.ndjson
	is "$status" 1
	is "$(jq -r .order_id <<<"$output" | tr '\n' ' ')" "1 3 "
	[[ $stderr == *"ac-hash: in.ndjson:2: invalid JSON: "*"(bad_json)"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	is "${stderr_lines[-2]}" "$(summary 3 2 1 '1 bad_json' 0)"
}

@test "stderr never contains the PII planted in pii.in, nor any hash" {
	local planted=(
	    wilhelmina quarrington thistlewick ashdown 'tw9 4qx' bartholomew
	    okonkwo thaddeus ignatius zanzibaria persephone vandermeer
	    rosalind fairweather zephyrine cordelia evangeline hawthorne
	    octavia pemberton marigold blackwood ezekiel florentyna
	    leopoldine 7946 0321 5550123 5550187 5550199 '555-call'
	    '98 76 54 32' 698765432 '@example' '@gmail' 'example.org' 'x@' )
	local args p i=0 runs=(
	    ''
	    '-v'
	    '-q'
	    '-v -R rej.ndjson'
	    '-v -d DE -e all'
	    '-v -s -R rej2.ndjson' )
	cp "$F/pii.in" .
	# A line that is not UTF-8 still carries an address.
	printf '{"email":"rosalind.fairweather@example.com","x":"\xff"}\n' >>pii.in
	for args in "${runs[@]}"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		ac-hash $args pii.in >out.$i 2>err.$i || true
		[[ -s err.$i ]] || [[ $args == -q* ]] ||
		    { echo "no stderr for '$args'" >&2; return 1; }
		for p in "${planted[@]}"; do
			if grep -qiF -- "$p" err.$i; then
				echo "'$p' on stderr with options '$args':" >&2
				grep -iF -- "$p" err.$i >&2
				return 1
			fi
		done
		# No hash, whole or in part, and none of the hashes made.
		if grep -qiE '[0-9a-f]{12}' err.$i; then
			echo "hex on stderr with options '$args':" >&2
			grep -iE '[0-9a-f]{12}' err.$i >&2
			return 1
		fi
	done
	# The runs did see the data.
	grep -qF zephyrine.cordelia@example.com rej.ndjson
	grep -qF evangeline.hawthorne@example.com rej.ndjson
	grep -qF "$(sha marigold@example.com)" rej2.ndjson
	is "$(grep -c 'pii.in:[0-9]*:' err.2)" 17 "located lines with -v"
}

@test "pii.in: stdout is exactly pii.out" {
	hfixture pii
	is "$status" 1
}

@test "usage errors exit 2 with the usage on stderr and nothing on stdout" {
	echo '{}' >in.ndjson
	local args
	for args in '-x' '--bogus' '-d' '--rejects' '-R' '-e foo' \
	    '--email-rule=GMAIL' '-d DEU in.ndjson' '-d D in.ndjson' \
	    '--help=yes' '--strict=1' '-x in.ndjson' '-z UTC in.ndjson'; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-hash $args </dev/null
		is "$status" 2 "exit status for '$args'"
		is "$output" "" "stdout for '$args'"
		[[ $stderr == *"usage: ac-hash "* ]] ||
		    { echo "no usage for '$args': $stderr" >&2; return 1; }
	done
}

@test "usage errors name the option as it was given" {
	local args want bad=0
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-hash $args </dev/null
		if [[ $status -ne 2 ||
		    ${stderr_lines[0]} != "ac-hash: "*"$want"* ]]; then
			echo "'$args': exit $status, '${stderr_lines[0]}' does not name $want" >&2
			bad=1
		fi
	done <<-'EOF'
	-x|-x
	--bogus|--bogus
	-d|-d
	-R|-R
	-e foo|--email-rule
	--strict=1|--strict
	--verbose=1|--verbose
	EOF
	return $bad
}

@test "a --default-region without numbering data exits 2" {
	echo '{}' >in.ndjson
	run --separate-stderr ac-hash -d XX in.ndjson
	is "$status" 2
	is "$output" ""
	[[ $stderr == *"ac-hash: --default-region"* ]]
}

@test "-h and --help exit 0 with the usage on stdout" {
	local h
	for h in -h --help; do
		run --separate-stderr ac-hash "$h"
		is "$status" 0 "exit status of $h"
		is "$stderr" "" "stderr of $h"
		is "${lines[0]}" "usage: ac-hash [-hqsVv] [-d CC] [-e gmail|all] [-R FILE] [-S FILE] [FILE ...]" "$h"
		[[ $output == *"--default-region"*"--email-rule"*"--help"*"--quiet"*"--rejects"*"--strict"*"--version"*"--verbose"* ]]
	done
}

@test "-V and --version print the version on stdout, exit 0" {
	local v
	for v in -V --version; do
		run --separate-stderr ac-hash "$v"
		is "$status" 0 "exit status of $v"
		is "$stderr" "" "stderr of $v"
		[[ $output =~ ^ac-hash\ [0-9]+\.[0-9]+(\.[0-9]+)?$ ]] ||
		    { echo "version: $output" >&2; return 1; }
	done
}

@test "writing to /dev/full exits 3 with a write-error message" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	cp "$F/golden.in" in.ndjson
	run --separate-stderr bash -c 'ac-hash in.ndjson >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-hash: stdout: No space left on device"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	# Also when the error comes mid-run, with more than a buffer of output.
	for _ in $(seq 2000); do echo '{"email":"many@example.com"}'; done >big.ndjson
	run --separate-stderr bash -c 'ac-hash big.ndjson >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-hash: stdout: No space left on device"* ]]
}

@test "an OpenSSL without SHA-256 exits 3 with OpenSSL's message, before any output" {
	# Only OpenSSL's "null" provider: no algorithm at all.
	cat >null.cnf <<-'EOF'
	openssl_conf = openssl_init
	[openssl_init]
	providers = provider_sect
	[provider_sect]
	null = null_sect
	[null_sect]
	activate = 1
	EOF
	echo '{"email":"a@example.com"}' >in.ndjson
	OPENSSL_CONF=$PWD/null.cnf run --separate-stderr ac-hash -R rej.ndjson in.ndjson
	is "$status" 3
	is "$output" "" "stdout"
	[[ $stderr == "ac-hash: OpenSSL: error:"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	is "${#stderr_lines[@]}" 1 "one line"
	[[ ! -e rej.ndjson ]] || { echo "rejects file created" >&2; return 1; }
}

@test "empty input gives empty output and exit 0" {
	: >empty.ndjson
	run --separate-stderr ac-hash empty.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "$(summary 0 0 0 '' 0)
ac-hash: hashed 0; already hashed 0; dropped 0"
	run --separate-stderr ac-hash </dev/null
	is "$status" 0
	is "$output" ""
	run --separate-stderr ac-hash -q empty.ndjson
	is "$status" 0
	is "$stderr" "" "-q on empty input"
	printf '\n  \n\t\n\r\n' >blank.ndjson
	run --separate-stderr ac-hash blank.ndjson
	is "$status" 0
	is "$output" ""
	is "${stderr_lines[0]}" "$(summary 0 0 0 '' 0)"
}

@test "CRLF and blank lines are handled, line numbers stay right" {
	awk 'BEGIN { printf "\r\n" }
	    { printf "%s\r\n", $0 }
	    NR == 1 { printf "   \r\n" }
	    NR == 2 { printf "\t\r\n" }
	    END { printf "\r\n" }' "$F/golden.in" >crlf.ndjson
	run --separate-stderr ac-hash crlf.ndjson
	is "$status" 0
	is "$output" "$(cat "$F/golden.out")" "same as golden.out"
	# golden.in:3 is line 6 here (one blank line before it, two inside).
	[[ $stderr == *"ac-hash: crlf.ndjson:6: phone: "* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	printf '%s\r\n\r\n\r\n{"a":\r\n%s' '{"email":"x@example.com"}' \
	    '{"email":"no-final-newline@example.com"}' >crlf2.ndjson
	run --separate-stderr ac-hash -R rej.ndjson crlf2.ndjson
	is "$status" 1
	is "$(jq -r .hashed_email <<<"$output" | tr '\n' ' ')" \
	    "$(sha x@example.com) $(sha no-final-newline@example.com) "
	[[ $stderr == *"crlf2.ndjson:4: invalid JSON"* ]]
	is "$(jq -c '[.line, .raw]' rej.ndjson)" '[4,"{\"a\":"]' "raw without the CR"
}

@test "a line over 1 MiB works" {
	local big
	big=$(head -c 1500000 /dev/zero | tr '\0' a)
	printf '{"note":"%s","email":" Big.Line@Example.com ","first_name":"%s"}\n' "$big" "$big" >big.ndjson
	printf '%s\n' '{"bad":' >>big.ndjson
	run --separate-stderr ac-hash big.ndjson
	is "$status" 1
	is "$(jq -c '[(.note | length), .hashed_email]' <<<"$output")" "[1500000,\"$(sha big.line@example.com)\"]"
	# A 1.5 MB name is no name (issue 11): dropped, never hashed.
	is "$(jq -c '[has("hashed_first_name"), [.ac_warnings[] | .field + ":" + .code]]' <<<"$output")" \
	    '[false,["first_name:value_too_long"]]' "a 1.5 MB name"
	is "$(jq -r .note <<<"$output")" "$big" "the long value passes through"
	[[ $stderr == *"big.ndjson:2: invalid JSON"* ]]
}

@test "several input files keep their own line numbers; - is stdin" {
	printf '%s\n\n%s\n' '{"email":"a1@example.com"}' '{"email":"bad"}' >a.ndjson
	printf '%s\n%s\n' '[]' '{"email":"b2@example.com"}' >b.ndjson
	run --separate-stderr ac-hash -R rej.ndjson a.ndjson - b.ndjson <<<'{"email":"in@example.com"}'
	is "$status" 1
	is "$(jq -r '.hashed_email // "-"' <<<"$output" | tr '\n' ' ')" \
	    "$(sha a1@example.com) - $(sha in@example.com) $(sha b2@example.com) "
	is "$(grep -o '^ac-hash: [^:]*:[0-9]*' <<<"$stderr" | tr '\n' ' ')" \
	    "ac-hash: a.ndjson:3 ac-hash: b.ndjson:1 "
	is "$(jq -r '"\(.file):\(.line)"' rej.ndjson)" "b.ndjson:1"
}

@test "a missing or unreadable input exits 3 before any output" {
	echo '{}' >in.ndjson
	run --separate-stderr ac-hash -R rej.ndjson in.ndjson missing.ndjson
	is "$status" 3
	is "$output" ""
	is "$stderr" "ac-hash: missing.ndjson: No such file or directory"
	[[ ! -e rej.ndjson ]] || { echo "rejects file created" >&2; return 1; }
	mkdir dir
	run --separate-stderr ac-hash in.ndjson dir
	is "$status" 3
	is "$output" ""
}

@test "an unwritable rejects file or missing data files exit 3 before any output" {
	echo '{"email":"a@example.com"}' >in.ndjson
	run --separate-stderr ac-hash -R nodir/rej.ndjson in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-hash: rejects file nodir/rej.ndjson: No such file or directory"* ]]
	AC_SHAREDIR=$BATS_TEST_TMPDIR/nothing run --separate-stderr ac-hash in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == ac-hash:* ]]
}

@test "message cap: 10 per-record lines, then one 'not shown' line" {
	local i
	for i in $(seq 12); do echo '{"email":"bad"}'; done >warn.ndjson
	run --separate-stderr ac-hash warn.ndjson
	is "$status" 0
	is "${#stderr_lines[@]}" 13 "stderr lines"
	is "$(grep -c '^ac-hash: warn.ndjson:[0-9]*: ' <<<"$stderr")" 10 "located lines"
	is "${stderr_lines[9]}" "ac-hash: warn.ndjson:10: email: dropped: not an address of the form local@domain.tld (email_invalid)"
	is "${stderr_lines[10]}" "ac-hash: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(summary 12 12 0 '' 12 '12 email_invalid')"
	is "${stderr_lines[12]}" "ac-hash: hashed 0; already hashed 0; dropped 12 (12 email)"
	# Rejects count toward it too.
	for i in $(seq 11); do echo "{\"hashed_email\":\"$H_ALEXZ\"}"; done >rej.ndjson
	run --separate-stderr ac-hash -s rej.ndjson
	is "$status" 1
	is "${stderr_lines[10]}" "ac-hash: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(summary 11 0 11 '11 already_hashed' 0)"
}

@test "-v shows every per-record message" {
	local i v
	for i in $(seq 12); do echo '{"email":"bad"}'; done >warn.ndjson
	for v in -v --verbose; do
		run --separate-stderr ac-hash "$v" warn.ndjson
		is "$status" 0
		is "${#stderr_lines[@]}" 14 "stderr lines with $v"
		is "${stderr_lines[11]}" "ac-hash: warn.ndjson:12: email: dropped: not an address of the form local@domain.tld (email_invalid)"
		[[ $stderr != *"not shown"* ]]
	done
}

@test "-q shows no per-record lines and no summaries, only the rejected count" {
	printf '%s\n' '{"email":"bad"}' "{\"hashed_email\":\"$H_ALEXZ\"}" >in.ndjson
	local q
	for q in -q --quiet; do
		run --separate-stderr ac-hash "$q" in.ndjson
		is "$status" 0
		is "$stderr" "" "stderr with $q"
		is "$(jq -c .ac_warnings <<<"$output" | head -n 1)" '[{"stage":"ac-hash","field":"email","code":"email_invalid"}]' \
		    "warnings still in the record"
		run --separate-stderr ac-hash "$q" -s in.ndjson
		is "$status" 1
		is "$stderr" "ac-hash: 1 of 2 records rejected" "stderr with $q -s"
	done
}

@test "summary: per field hashed, already hashed and dropped" {
	printf '%s\n' '{"email":"a@example.com","phone":"+1 800 555 0100"}' \
	    '{"email":"b@example.com","street_address":"1 Main St"}' \
	    "{\"hashed_email\":\"$H_ALEXZ\",\"phone\":\"$H_PHONE\",\"first_name\":\"n/a\"}" \
	    '{"last_name":42,"phone":"0170 1234567"}' >in.ndjson
	run --separate-stderr ac-hash in.ndjson
	is "$status" 0
	is "${stderr_lines[-1]}" "ac-hash: hashed 2 email, 1 phone, 1 street_address; already hashed 2 (1 email, 1 phone); dropped 3 (1 phone, 1 first_name, 1 last_name)"
	is "${stderr_lines[-2]}" "$(summary 4 4 0 '' 3 '1 placeholder, 1 phone_no_region, 1 not_string')"
}

@test "arrays: email and phone arrays become arrays of hashes, each once (issue 13)" {
	local a b p
	a=$(sha alexz@example.com) b=$(sha jane@example.org) p=$(sha +18005550100)
	hexpect '"email":["AlexZ@example.com","jane@example.org"]' hashed_email "[\"$a\",\"$b\"]"
	hexpect '"email":["alexz@example.com"," ALEXZ@example.com ","'$a'"]' hashed_email "[\"$a\"]"
	hexpect '"phone":["+1 800 555 0100","800-555-0100"],"country_code":"US"' hashed_phone_number "[\"$p\"]"
	# merged with a hashed field already there, string or array
	hexpect '"email":["alexz@example.com"],"hashed_email":"'$b'"' hashed_email "[\"$a\",\"$b\"]"
	hexpect '"email":"alexz@example.com","hashed_email":["'$b'","'$a'"]' hashed_email "[\"$a\",\"$b\"]"
	hexpect '"hashed_email":["'$(upper $b)'","'$b'"]' hashed_email "[\"$b\"]"
	# a string is as it always was
	hexpect '"email":"alexz@example.com"' hashed_email "\"$a\""
	checks_pass
}

@test "arrays: unusable elements are dropped with their codes, the rest hashed" {
	local a
	a=$(sha alexz@example.com)
	hrun '"email":["john@localhost","alexz@example.com",7],"hashed_email":["zz"]'
	is "$status" 0
	is "$(val hashed_email)" "[\"$a\"]"
	is "$(has email)" false
	is "$(warns)" "email:email_invalid email:not_string hashed_email:hashed_invalid"
	hexpect_drop '"email":["john@localhost"]' email email_invalid
	checks_pass
}

@test "arrays: --strict rejects an array holding a hash" {
	hexpect_reject '"email":["alexz@example.com","'$(sha x)'"]' already_hashed email -s
	checks_pass
}

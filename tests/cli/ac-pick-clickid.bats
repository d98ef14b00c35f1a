#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-pick-clickid: the click-ID choice (gclid, else gbraid, else wbraid),
# the click-ID sanity check, the hashed-identifier check, --identifiers,
# click_id_type, the unattributable reject, the closing line, and the
# STYLE.md §10 checks every tool must pass. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-pick-clickid.bats

load helper

F=$BATS_TEST_DIRNAME/fixtures/ac-pick-clickid

# Well-formed click IDs and real SHA-256 hashes (alexz@example.com and
# +18005550100, normalization.md's public vectors).
G1=Cj0KCQjw8tKfBhDkARIsAEk0ExAmPlE_-xyz123
G2=EAIaIQobChMIx5bJ4fTqgQMVExAmPlE
GB=0AAAAAoFxExAmPlEgbraidAbC
WB=ClQKCQjwExAmPlEwbraid-_9
HE=509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a
HP=fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30
HEU=509E933019BB285A134A9334B8BB679DFF79D0CE023D529AF4BD744D47B4FD8A

# The tool's own helpers (helper.bash's rec/run_rec/expect* are
# ac-normalize's).

# prec FRAGMENT: one NDJSON line, {"order_id":"T",FRAGMENT}.
prec() {
	printf '{"order_id":"T"%s%s}\n' "${1:+,}" "$1"
}

# pk FRAGMENT [OPTION...]: run ac-pick-clickid on the one record
# {"order_id":"T",FRAGMENT} read from in.ndjson; sets $status, $output,
# $stderr.
pk() {
	local frag=$1
	shift
	prec "$frag" >in.ndjson
	run --separate-stderr ac-pick-clickid "$@" in.ndjson
}

# clicks: the click ID keys of the output record with their values, as
# compact JSON, then click_id_type: {"gclid":"..."} "gclid".
clicks() {
	jq -c '[with_entries(select(.key == "gclid" or .key == "gbraid" or
	    .key == "wbraid")), .click_id_type] | map(tojson) | join(" ")' \
	    -r <<<"$output"
}

# expect_pick FRAGMENT WANT [OPTION...]: {order_id, FRAGMENT} comes out
# (exit 0) with exactly the click IDs and click_id_type of WANT, in the
# form clicks prints ('{"gclid":"..."} "gclid"', '{} "none"'). Counts a
# failure instead of stopping.
expect_pick() {
	local frag=$1 want=$2 got
	shift 2
	pk "$frag" "$@"
	got=$(clicks 2>/dev/null)
	if [[ $status -ne 0 || "$got" != "$want" ]]; then
		printf 'FAIL pick\n  input:    {%s}\n  options:  %s\n' "$frag" \
		    "${*:-(none)}" >&2
		printf '  expected: %s\n  actual:   %s (exit %s)\n' "$want" \
		    "$got" "$status" >&2
		printf '  stderr:   %s\n' "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# expect_gone FRAGMENT KEY CODE [OPTION...]: the record comes out (exit 0)
# without KEY, with the warning {stage:"ac-pick-clickid", field:KEY,
# code:CODE} and the located message "ac-pick-clickid: in.ndjson:1: KEY:
# dropped: ... (CODE)" on stderr.
expect_gone() {
	local frag=$1 key=$2 code=$3 problem=''
	shift 3
	pk "$frag" "$@"
	if [[ $status -ne 0 ]]; then
		problem="exit $status"
	elif [[ $(has "$key") != false ]]; then
		problem="$key kept as $(val "$key")"
	elif ! jq -e --arg f "$key" --arg c "$code" '.ac_warnings |
	    index([{stage: "ac-pick-clickid", field: $f, code: $c}]) != null' \
	    <<<"$output" >/dev/null; then
		problem="no warning $key:$code (warnings: $(warns))"
	elif ! grep -qF "ac-pick-clickid: in.ndjson:1: $key: dropped: " \
	    <<<"$stderr" || ! grep -qF "($code)" <<<"$stderr"; then
		problem="no message on stderr"
	fi
	if [[ -n $problem ]]; then
		printf 'FAIL %s should be dropped with %s\n  input:   {%s}\n' \
		    "$key" "$code" "$frag" >&2
		printf '  options: %s\n  problem: %s\n  output:  %s\n' \
		    "${*:-(none)}" "$problem" "$output" >&2
		printf '  stderr:  %s\n' "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# expect_unattributable FRAGMENT MESSAGE [OPTION...]: the record is
# rejected: nothing on stdout, exit 1, a rejects-file line with code
# unattributable, no field, exactly MESSAGE and the record as read, and
# "ac-pick-clickid: in.ndjson:1: MESSAGE (unattributable)" on stderr.
expect_unattributable() {
	local frag=$1 msg=$2 problem='' line
	shift 2
	prec "$frag" >in.ndjson
	line=$(prec "$frag")
	run --separate-stderr ac-pick-clickid -R rej.ndjson "$@" in.ndjson
	if [[ $status -ne 1 ]]; then
		problem="exit $status"
	elif [[ -n $output ]]; then
		problem="record written to stdout"
	elif ! jq -e --arg m "$msg" --argjson r "$line" '
	    .stage == "ac-pick-clickid" and .file == "in.ndjson" and
	    .line == 1 and .code == "unattributable" and
	    (has("field") | not) and .message == $m and .record == $r' \
	    rej.ndjson >/dev/null; then
		problem="rejects file: $(cat rej.ndjson)"
	elif [[ ${stderr_lines[0]} != "ac-pick-clickid: in.ndjson:1: $msg (unattributable)" ]]; then
		problem="stderr line: ${stderr_lines[0]}"
	fi
	if [[ -n $problem ]]; then
		printf 'FAIL should be unattributable\n  input:   {%s}\n' \
		    "$frag" >&2
		printf '  options: %s\n  problem: %s\n  stderr:  %s\n' \
		    "${*:-(none)}" "$problem" "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# golden CASE [OPTION...]: run on fixtures CASE.in and compare stdout with
# OUT (default CASE.out; set OUT= for another) byte for byte. Leaves
# $status, and the streams in out and err.
golden() {
	local case=$1 want=${OUT:-$1.out}
	shift
	cp "$F/$case.in" "$case.in"
	status=0
	ac-pick-clickid "$@" "$case.in" >out 2>err || status=$?
	if ! diff -u "$F/$want" out >&2; then
		echo "stdout differs from $want (stderr follows)" >&2
		cat err >&2
		return 1
	fi
}

# summary IN OUT REJECTED REJECT_COUNTS WARNINGS [WARNING_COUNTS]: the
# stage summary line of man/ac.7.
summary() {
	printf 'ac-pick-clickid: %s in, %s out, %s rejected' "$1" "$2" "$3"
	[[ $3 -gt 0 ]] && printf ' (%s)' "$4"
	printf '; %s warning' "$5"
	[[ $5 -eq 1 ]] || printf 's'
	[[ $5 -gt 0 ]] && printf ' (%s)' "$6"
	echo
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

# chars N [C]: N copies of the character C (default a).
chars() {
	head -c "$1" /dev/zero | tr '\0' "${2:-a}"
}

UNATTR='has neither a click ID nor a hashed email or phone'
HINT='in clear text: run ac-hash first'

## Golden output

@test "golden: a messy input gives exactly golden.out" {
	golden golden
	is "$status" 0 "exit status"
	is "$(tail -n 2 err)" "$(summary 10 10 0 '' 5 '2 gclid_malformed, 1 hashed_invalid, 1 not_string, 1 gbraid_malformed')
ac-pick-clickid: gclid 5, gbraid 2, wbraid 1, none 2; 4 extra click IDs removed" \
	    "the two closing lines"
}

@test "golden: -i fallback gives exactly golden-fallback.out" {
	OUT=golden-fallback.out golden golden -i fallback
	is "$status" 0 "exit status"
	is "$(tail -n 1 err)" \
	    "ac-pick-clickid: gclid 5, gbraid 2, wbraid 1, none 2; 4 extra click IDs removed; 7 identifiers removed"
}

@test "golden: the long options give the same output as the short ones" {
	OUT=golden-fallback.out golden golden --identifiers fallback
	OUT=golden-fallback.out golden golden --identifiers=fallback
	OUT=golden.out golden golden --identifiers always
	OUT=golden.out golden golden -i always
}

@test "golden: every fixture .in has its .out" {
	local f
	for f in "$F"/*.in; do
		[[ -f ${f%.in}.out ]] || { echo "no .out for $f" >&2; return 1; }
	done
}

@test "golden: running again over the output changes nothing" {
	cp "$F/golden.out" again.in
	cp "$F/golden-fallback.out" again2.in
	run --separate-stderr ac-pick-clickid again.in
	is "$status" 0
	is "$output" "$(cat "$F/golden.out")" "second pass over golden.out"
	run --separate-stderr ac-pick-clickid -i fallback again2.in
	is "$output" "$(cat "$F/golden-fallback.out")" \
	    "second pass over golden-fallback.out"
}

@test "golden: mixed.in and pii.in give exactly mixed.out and pii.out" {
	golden mixed
	is "$status" 1
	golden pii
	is "$status" 1
}

@test "unknown keys and key order pass through" {
	printf '%s\n' '{"z":1,"gclid":"'$G1'","a":{"y":[1,{"b":null}],"x":"\u00e9"},"Email":"Not@Touched.COM","m":"x","n":null,"f":false,"arr":[3,2,1],"num":2.5,"email":"clear@example.com","phone":"+18005550100"}' >in.ndjson
	run --separate-stderr ac-pick-clickid in.ndjson
	is "$status" 0 "exit status"
	is "$(jq -c 'keys_unsorted' <<<"$output")" \
	    '["z","gclid","a","Email","m","n","f","arr","num","email","phone","click_id_type"]' \
	    "key order"
	is "$(jq -c '[.z,.a,.Email,.m,.n,.f,.arr,.num,.email,.phone]' <<<"$output")" \
	    '[1,{"y":[1,{"b":null}],"x":"é"},"Not@Touched.COM","x",null,false,[3,2,1],2.5,"clear@example.com","+18005550100"]' \
	    "unknown values, and clear email and phone, untouched"
}

@test "golden: every input key keeps its place; added keys go at the end" {
	run jq -n -c --slurpfile i "$F/golden.in" --slurpfile o "$F/golden.out" '
	    [range($i | length) as $n | ($i[$n] | keys_unsorted) as $ik |
	     ($o[$n] | keys_unsorted) as $ok |
	     [$ok[] | select(. as $k | $ik | index([$k]))] ==
	     [$ik[] | select(. as $k | $ok | index([$k]))]] | all'
	is "$output" true "input keys keep their order"
	# click_id_type is last unless the input had it (golden.in:7).
	run jq -r -s 'map(keys_unsorted[-1]) | join(" ")' "$F/golden.out"
	is "$output" "click_id_type click_id_type click_id_type click_id_type click_id_type click_id_type hashed_email click_id_type click_id_type click_id_type"
}

## The choice: gclid, else gbraid, else wbraid

@test "choice: gclid, else gbraid, else wbraid; exactly one leaves" {
	expect_pick '"gclid":"'$G1'","gbraid":"'$GB'","wbraid":"'$WB'"' \
	    '{"gclid":"'$G1'"} "gclid"'
	expect_pick '"wbraid":"'$WB'","gbraid":"'$GB'","gclid":"'$G1'"' \
	    '{"gclid":"'$G1'"} "gclid"'
	expect_pick '"gclid":"'$G1'","wbraid":"'$WB'"' '{"gclid":"'$G1'"} "gclid"'
	expect_pick '"gclid":"'$G1'","gbraid":"'$GB'"' '{"gclid":"'$G1'"} "gclid"'
	expect_pick '"gbraid":"'$GB'","wbraid":"'$WB'"' '{"gbraid":"'$GB'"} "gbraid"'
	expect_pick '"wbraid":"'$WB'","gbraid":"'$GB'"' '{"gbraid":"'$GB'"} "gbraid"'
	expect_pick '"gbraid":"'$GB'"' '{"gbraid":"'$GB'"} "gbraid"'
	expect_pick '"wbraid":"'$WB'"' '{"wbraid":"'$WB'"} "wbraid"'
	expect_pick '"gclid":"'$G2'"' '{"gclid":"'$G2'"} "gclid"'
	expect_pick '"hashed_email":"'$HE'"' '{} "none"'
	checks_pass
}

@test "choice: removing a valid lower-priority click ID is not a warning" {
	pk '"gclid":"'$G1'","gbraid":"'$GB'","wbraid":"'$WB'"'
	is "$status" 0
	is "$(has ac_warnings)" false "no ac_warnings"
	is "${#stderr_lines[@]}" 2 "only the two closing lines on stderr"
	is "${stderr_lines[0]}" "$(summary 1 1 0 '' 0)"
	is "${stderr_lines[1]}" "ac-pick-clickid: gclid 1, gbraid 0, wbraid 0, none 0; 2 extra click IDs removed"
}

@test "choice: a malformed click ID is dropped with a warning and the next one is tried" {
	pk '"gclid":"test","gbraid":"'$GB'","wbraid":"'$WB'","hashed_email":"'$HE'"'
	is "$status" 0
	is "$(clicks)" '{"gbraid":"'$GB'"} "gbraid"'
	is "$(warns)" "gclid:gclid_malformed"
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 0, gbraid 1, wbraid 0, none 0; 1 extra click ID removed"
	pk '"gclid":"bad gclid value","gbraid":"x","wbraid":"'$WB'"'
	is "$status" 0
	is "$(clicks)" '{"wbraid":"'$WB'"} "wbraid"'
	is "$(warns)" "gclid:gclid_malformed gbraid:gbraid_malformed"
	pk '"gclid":"short","gbraid":"a/b","wbraid":"c+d","hashed_phone_number":"'$HP'"'
	is "$status" 0
	is "$(clicks)" '{} "none"'
	is "$(warns)" "gclid:gclid_malformed gbraid:gbraid_malformed wbraid:wbraid_malformed"
	is "$(val hashed_phone_number)" "\"$HP\"" "the hashed phone is kept"
}

@test "choice: a malformed click ID after the kept one is dropped with a warning too" {
	pk '"gclid":"'$G1'","gbraid":"not a gbraid","wbraid":"'$WB'"'
	is "$status" 0
	is "$(clicks)" '{"gclid":"'$G1'"} "gclid"'
	is "$(warns)" "gbraid:gbraid_malformed"
	# The malformed one is a warning, the valid one an extra.
	is "${stderr_lines[-2]}" "$(summary 1 1 0 '' 1 '1 gbraid_malformed')"
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 1, gbraid 0, wbraid 0, none 0; 1 extra click ID removed"
}

@test "choice: null, empty and blank click IDs are absent, removed without a warning" {
	expect_pick '"gclid":null,"gbraid":"'$GB'"' '{"gbraid":"'$GB'"} "gbraid"'
	expect_pick '"gclid":"","gbraid":"   ","wbraid":"'$WB'"' '{"wbraid":"'$WB'"} "wbraid"'
	expect_pick '"gclid":"\t \t","hashed_email":"'$HE'"' '{} "none"'
	checks_pass
	pk '"gclid":null,"gbraid":"","wbraid":" \t ","hashed_email":"'$HE'"'
	is "$status" 0
	is "$(has ac_warnings)" false "no warning"
	is "$(jq -c 'keys_unsorted' <<<"$output")" '["order_id","hashed_email","click_id_type"]'
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 0, gbraid 0, wbraid 0, none 1; 0 extra click IDs removed" \
	    "absent ones are not extras"
}

@test "choice: the kept click ID is written without surrounding spaces and tabs" {
	expect_pick '"gclid":"  '$G1'\t"' '{"gclid":"'$G1'"} "gclid"'
	expect_pick '"gbraid":"\t'$GB'"' '{"gbraid":"'$GB'"} "gbraid"'
	expect_pick '"wbraid":"'$WB' "' '{"wbraid":"'$WB'"} "wbraid"'
	checks_pass
	# In its place, not moved to the end.
	pk '"gclid":" '$G1' ","x":1'
	is "$output" '{"order_id":"T","gclid":"'$G1'","x":1,"click_id_type":"gclid"}'
}

@test "choice: case and every alphabet character are kept as they are" {
	expect_pick '"gclid":"AZaz09_-AZaz09_-"' '{"gclid":"AZaz09_-AZaz09_-"} "gclid"'
	expect_pick '"gclid":"----------"' '{"gclid":"----------"} "gclid"'
	expect_pick '"wbraid":"__________"' '{"wbraid":"__________"} "wbraid"'
	expect_pick '"gbraid":"0123456789"' '{"gbraid":"0123456789"} "gbraid"'
	checks_pass
}

## Malformed click IDs

@test "malformed: 10 to 512 characters; fewer or more is malformed" {
	local h='"hashed_email":"'$HE'"'
	expect_pick '"gclid":"'"$(chars 10)"'"' '{"gclid":"'"$(chars 10)"'"} "gclid"'
	expect_pick '"gclid":"'"$(chars 512)"'"' '{"gclid":"'"$(chars 512)"'"} "gclid"'
	expect_pick '"gclid":"  '"$(chars 512)"'  "' '{"gclid":"'"$(chars 512)"'"} "gclid"'
	expect_gone '"gclid":"'"$(chars 9)"'",'"$h" gclid gclid_malformed
	expect_gone '"gclid":"'"$(chars 513)"'",'"$h" gclid gclid_malformed
	expect_gone '"gbraid":"'"$(chars 9 b)"'",'"$h" gbraid gbraid_malformed
	expect_gone '"wbraid":"'"$(chars 100000 w)"'",'"$h" wbraid wbraid_malformed
	checks_pass
}

@test "malformed: placeholders, URL encoding and characters outside [A-Za-z0-9_-]" {
	local h='"hashed_email":"'$HE'"' v
	for v in test null none undefined 'n/a' '-' '0' \
	    'Cj0KCQjw%3D%3D' 'Cj0KCQjw8tKf%2Bx' 'Cj0KCQjw8tKf==' \
	    'Cj0KCQjw/8tKf' 'Cj0KCQjw+8tKf' 'Cj0KCQjw.8tKf' 'Cj0KCQjw 8tKf' \
	    'Cj0KCQjw\t8tKf' 'gclid=Cj0KCQjw8tKf' 'Cj0KCQjw8tKf&x=1' \
	    'Cj0KCQjwé8tKfaa' 'Cj0KCQjw\u00a08tKf' 'Cj0KCQjw8tKf\n' \
	    '{gclid}ABCDEFGH' 'Cj0KCQjw8tKf"x'; do
		v=${v//\"/\\\"}
		expect_gone '"gclid":"'"$v"'",'"$h" gclid gclid_malformed
		expect_gone '"gbraid":"'"$v"'",'"$h" gbraid gbraid_malformed
		expect_gone '"wbraid":"'"$v"'",'"$h" wbraid wbraid_malformed
	done
	checks_pass
}

@test "malformed: a click ID that is not a string is dropped as not_string" {
	local h='"hashed_email":"'$HE'"' v f
	for v in 12345678901 1.5 true false '[]' '["'$G1'"]' '{}' \
	    '{"gclid":"'$G1'"}'; do
		for f in gclid gbraid wbraid; do
			expect_gone '"'$f'":'"$v,$h" $f not_string
		done
	done
	checks_pass
	pk '"gclid":123,"gbraid":"'$GB'"'
	is "$(clicks)" '{"gbraid":"'$GB'"} "gbraid"' "the next one is tried"
}

@test "malformed: the message names the field and the rule, never the value" {
	pk '"gclid":"wilhelmina%40example.com","hashed_email":"'$HE'"'
	is "${stderr_lines[0]}" "ac-pick-clickid: in.ndjson:1: gclid: dropped: malformed, not 10 to 512 characters of [A-Za-z0-9_-] (gclid_malformed)"
	pk '"wbraid":42,"hashed_email":"'$HE'"'
	is "${stderr_lines[0]}" "ac-pick-clickid: in.ndjson:1: wbraid: dropped: not a string (not_string)"
}

## Never derived from anything else

@test "a click ID is never derived from a landing page URL or any other key" {
	local url='https://shop.example/p?gclid='$G1'&gbraid='$GB'&wbraid='$WB
	pk '"landing_page_url":"'"$url"'","url":"'"$url"'","GCLID":"'$G1'","Gclid":"'$G1'","click_id":"'$G1'","gclid_url":"'$G1'","hashed_email":"'$HE'"'
	is "$status" 0
	is "$(clicks)" '{} "none"'
	is "$(val landing_page_url)" "\"$url\"" "the URL is untouched"
	is "$(jq -c '[.GCLID, .Gclid, .click_id, .gclid_url] | unique' <<<"$output")" "[\"$G1\"]" \
	    "look-alike keys untouched"
	expect_unattributable '"landing_page_url":"'"$url"'","GCLID":"'$G1'","meta":{"gclid":"'$G1'"}' "$UNATTR"
	checks_pass
}

## Hashed identifiers

@test "hashed: 64 hex digits are kept; upper case and surrounding blanks are canonicalized" {
	pk '"hashed_email":"'$HE'","hashed_phone_number":"'$HP'"'
	is "$status" 0
	is "$output" '{"order_id":"T","hashed_email":"'$HE'","hashed_phone_number":"'$HP'","click_id_type":"none"}'
	pk '"hashed_email":" '$HEU'\t","x":1'
	is "$output" '{"order_id":"T","hashed_email":"'$HE'","x":1,"click_id_type":"none"}' \
	    "lower case, trimmed, in place"
	is "$(has ac_warnings)" false "no warning"
	pk '"hashed_phone_number":"FB4f73a6EC5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30"'
	is "$(val hashed_phone_number)" "\"$HP\"" "mixed case"
}

@test "hashed: anything but 64 hex digits is dropped with hashed_invalid" {
	local g='"gclid":"'$G1'"' v f
	for v in "${HE:1}" "${HE}0" "g${HE:1}" "sha256:$HE" "${HE:0:32} ${HE:32}" \
	    alexz@example.com +18005550100 "$HE$HE" 'x' '0x'"${HE:2}" \
	    "$(printf '%s' "$HE" | base64 -w0)"; do
		for f in hashed_email hashed_phone_number; do
			expect_gone "$g,\"$f\":\"$v\"" $f hashed_invalid
		done
	done
	for v in 12345 true '{}' '[12345]'; do
		for f in hashed_email hashed_phone_number; do
			expect_gone "$g,\"$f\":$v" $f not_string
		done
	done
	# An array (issue 13): [] says empty; its elements are checked.
	for f in hashed_email hashed_phone_number; do
		expect_gone "$g,\"$f\":[]" $f empty
		expect_gone "$g,\"$f\":[\"x\"]" $f hashed_invalid
	done
	checks_pass
	pk "$g"',"hashed_email":"nope","hashed_phone_number":"'$HP'"'
	is "$(val hashed_phone_number)" "\"$HP\"" "the other one stays"
	is "${stderr_lines[0]}" "ac-pick-clickid: in.ndjson:1: hashed_email: dropped: not a SHA-256 hash of 64 hex digits (hashed_invalid)"
}

@test "hashed: the hash of an empty value is dropped with hashed_empty" {
	local g='"gclid":"'$G1'"' e=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	expect_gone "$g,\"hashed_email\":\"$e\"" hashed_email hashed_empty
	expect_gone "$g,\"hashed_phone_number\":\"${e^^}\"" hashed_phone_number hashed_empty
	checks_pass
	# It does not make a record attributable.
	pk '"hashed_email":"'$e'"'
	is "$status" 1
}

@test "hashed: null, empty and blank are absent, removed without a warning" {
	pk '"gclid":"'$G1'","hashed_email":null,"hashed_phone_number":"  "'
	is "$status" 0
	is "$output" '{"order_id":"T","gclid":"'$G1'","click_id_type":"gclid"}'
	is "${#stderr_lines[@]}" 2 "only the closing lines"
}

@test "hashed: an invalid hash is dropped before the attribution check" {
	# A bad hashed identifier does not make a record attributable.
	expect_unattributable '"hashed_email":"not-a-hash"' "$UNATTR; unusable: hashed_email"
	expect_unattributable '"hashed_email":"'${HE:1}'","hashed_phone_number":5' \
	    "$UNATTR; unusable: hashed_email, hashed_phone_number"
	checks_pass
	# The rejected record carries no warning: none is counted or shown.
	pk '"hashed_email":"not-a-hash"'
	is "${#stderr_lines[@]}" 3 "reject line and two closing lines"
	is "${stderr_lines[1]}" "$(summary 1 0 1 '1 unattributable' 0)"
}

## --identifiers

@test "-i always (the default) keeps hashed identifiers with the click ID" {
	local r='"gclid":"'$G1'","hashed_email":"'$HE'","hashed_phone_number":"'$HP'"'
	local want='{"order_id":"T","gclid":"'$G1'","hashed_email":"'$HE'","hashed_phone_number":"'$HP'","click_id_type":"gclid"}'
	pk "$r"
	is "$output" "$want" "default"
	pk "$r" -i always
	is "$output" "$want" "-i always"
	pk "$r" --identifiers=always
	is "$output" "$want" "--identifiers=always"
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 1, gbraid 0, wbraid 0, none 0; 0 extra click IDs removed" \
	    "no identifier count without fallback"
}

@test "-i fallback removes hashed identifiers when a click ID was kept, without a warning" {
	pk '"gclid":"'$G1'","hashed_email":"'$HE'","hashed_phone_number":"'$HP'","x":1' -i fallback
	is "$status" 0
	is "$output" '{"order_id":"T","gclid":"'$G1'","x":1,"click_id_type":"gclid"}'
	is "${#stderr_lines[@]}" 2 "no warning lines"
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 1, gbraid 0, wbraid 0, none 0; 0 extra click IDs removed; 2 identifiers removed"
	pk '"wbraid":"'$WB'","hashed_phone_number":"'$HP'"' --identifiers fallback
	is "$output" '{"order_id":"T","wbraid":"'$WB'","click_id_type":"wbraid"}'
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 0, gbraid 0, wbraid 1, none 0; 0 extra click IDs removed; 1 identifier removed"
}

@test "-i fallback keeps hashed identifiers when no click ID survived" {
	pk '"gclid":"junk","hashed_email":"'$HE'","hashed_phone_number":"'$HP'"' -i fallback
	is "$status" 0
	is "$(clicks)" '{} "none"'
	is "$(jq -c '[.hashed_email, .hashed_phone_number]' <<<"$output")" "[\"$HE\",\"$HP\"]"
	is "$(warns)" "gclid:gclid_malformed"
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 0, gbraid 0, wbraid 0, none 1; 0 extra click IDs removed; 0 identifiers removed"
}

@test "-i fallback still reports an invalid hashed identifier" {
	pk '"gclid":"'$G1'","hashed_email":"bad"' -i fallback
	is "$status" 0
	is "$(warns)" "hashed_email:hashed_invalid"
	is "$(has hashed_email)" false
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 1, gbraid 0, wbraid 0, none 0; 0 extra click IDs removed; 0 identifiers removed" \
	    "an invalid one is a warning, not a removed identifier"
}

## click_id_type

@test "click_id_type: added at the end, after ac_warnings" {
	pk '"gclid":"bad","gbraid":"'$GB'"'
	is "$output" '{"order_id":"T","gbraid":"'$GB'","ac_warnings":[{"stage":"ac-pick-clickid","field":"gclid","code":"gclid_malformed"}],"click_id_type":"gbraid"}'
}

@test "click_id_type: an existing value is replaced in its place" {
	local v
	for v in '"gclid"' '"stale"' null 7 '{"a":1}'; do
		pk '"click_id_type":'"$v"',"wbraid":"'$WB'","x":1'
		is "$output" '{"order_id":"T","click_id_type":"wbraid","wbraid":"'$WB'","x":1}' \
		    "existing click_id_type $v"
	done
	pk '"click_id_type":"gclid","hashed_email":"'$HE'"'
	is "$output" '{"order_id":"T","click_id_type":"none","hashed_email":"'$HE'"}'
}

@test "click_id_type: warnings from an earlier stage are kept and appended to" {
	pk '"ac_warnings":[{"stage":"ac-hash","field":"email","code":"placeholder"}],"gclid":"x","hashed_phone_number":"'$HP'"'
	is "$status" 0
	is "$(jq -c '.ac_warnings' <<<"$output")" '[{"stage":"ac-hash","field":"email","code":"placeholder"},{"stage":"ac-pick-clickid","field":"gclid","code":"gclid_malformed"}]'
	is "$(jq -c 'keys_unsorted' <<<"$output")" '["order_id","ac_warnings","hashed_phone_number","click_id_type"]'
}

## unattributable

@test "unattributable: neither a click ID nor a hashed email or phone" {
	expect_unattributable '' "$UNATTR"
	expect_unattributable '"gclid":null,"gbraid":"","hashed_email":null' "$UNATTR"
	expect_unattributable '"gclid":"null"' "$UNATTR; unusable: gclid"
	expect_unattributable '"gclid":"a b","gbraid":true,"wbraid":"%%%%%%%%%%%%"' \
	    "$UNATTR; unusable: gclid, gbraid, wbraid"
	# Only a hashed email or phone counts: names and addresses do not.
	expect_unattributable '"hashed_first_name":"'$HE'","first_name":"alex","street_address":"1 main st","country_code":"US"' "$UNATTR"
	checks_pass
}

@test "unattributable: a clear-text email or phone does not count: run ac-hash first" {
	expect_unattributable '"email":"alexz@example.com"' "$UNATTR; email is $HINT"
	expect_unattributable '"phone":"+18005550100"' "$UNATTR; phone is $HINT"
	expect_unattributable '"email":"alexz@example.com","phone":"+18005550100"' \
	    "$UNATTR; email and phone are $HINT"
	expect_unattributable '"phone":18005550100' "$UNATTR; phone is $HINT"
	expect_unattributable '"gclid":"junk","email":"alexz@example.com","hashed_email":"alexz@example.com"' \
	    "$UNATTR; unusable: gclid, hashed_email; email is $HINT"
	# A null or blank email is no email.
	expect_unattributable '"email":null,"phone":"  "' "$UNATTR"
	checks_pass
}

@test "unattributable: the clear-text values are never printed" {
	pk '"email":"wilhelmina.quarrington@example.com","phone":"+15550123456"' -v
	is "$status" 1
	[[ $stderr != *wilhelmina* && $stderr != *5550123456* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
}

@test "unattributable: a record with a click ID or a hashed identifier is not rejected" {
	expect_pick '"gclid":"'$G1'"' '{"gclid":"'$G1'"} "gclid"'
	expect_pick '"hashed_email":"'$HE'"' '{} "none"'
	expect_pick '"hashed_phone_number":"'$HP'"' '{} "none"'
	expect_pick '"hashed_phone_number":"'$HP'","email":"alexz@example.com"' '{} "none"'
	checks_pass
}

## Rejects file

@test "rejects: stage, file, line, code, message and the record as read" {
	printf '%s\n' "$(prec '"gclid":"'$G1'"')" \
	    '{"order_id":"R-2","gclid":" junk ","email":"a@b.example","n":1.50}' >in.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(nlines rej.ndjson)" 1 "rejects lines"
	is "$(cat rej.ndjson)" '{"stage":"ac-pick-clickid","file":"in.ndjson","line":2,"code":"unattributable","message":"has neither a click ID nor a hashed email or phone; unusable: gclid; email is in clear text: run ac-hash first","record":{"order_id":"R-2","gclid":" junk ","email":"a@b.example","n":1.50}}'
}

@test "rejects: every reject path of mixed.in is in the rejects file" {
	cp "$F/mixed.in" .
	run --separate-stderr ac-pick-clickid -R rej.ndjson mixed.in
	is "$status" 1
	is "$output" "$(cat "$F/mixed.out")" "stdout"
	run jq -r '"\(.line) \(.code) \(.field // "-")"' rej.ndjson
	is "$output" "2 bad_json -
3 not_object -
4 unattributable -
5 unattributable -
6 unattributable -
7 unattributable -
10 unattributable -
11 unattributable -
14 unattributable -"
	local n
	for n in 4 5 6 7 10 11 14; do
		is "$(jq -c --argjson n $n 'select(.line == $n) | .record' rej.ndjson)" \
		    "$(sed -n "${n}p" mixed.in | jq -c .)" "record of line $n"
	done
	is "$(jq -c 'select(.line == 2) | [has("raw"), has("record")]' rej.ndjson)" '[true,false]'
}

@test "rejects: invalid UTF-8 is kept as raw_base64" {
	printf '{"gclid":"\xff"}\n' >in.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(jq -c '[.line, .code, .raw_base64]' rej.ndjson)" '[1,"bad_utf8","eyJnY2xpZCI6Iv8ifQ=="]'
}

@test "rejects: the file is created, or truncated, with mode 0600" {
	prec '"gclid":"'$G1'"' >in.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson in.ndjson
	is "$status" 0
	is "$(mode rej.ndjson)" 600 "mode"
	is "$(nlines rej.ndjson)" 0 "empty when nothing is rejected"
	echo 'old line' >rej.ndjson
	chmod 644 rej.ndjson
	run --separate-stderr ac-pick-clickid --rejects rej.ndjson in.ndjson
	is "$(nlines rej.ndjson)" 0 "truncated"
	is "$(mode rej.ndjson)" 600 "an existing file is made 0600"
}

@test "rejects: conservation, records in = stdout lines + rejects lines" {
	cp "$F/mixed.in" in.ndjson
	printf '{"x":"\xff"}\r\n%s\r\n\r\n{"a":\r\n%s\r\n' \
	    "$(prec '"gclid":"'$G1'"')" "$(prec '"email":"crlf@example.com"')" >>in.ndjson
	cat "$F/pii.in" "$F/golden.in" >>in.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson in.ndjson
	is "$status" 1
	printf '%s\n' "$output" >out
	local n_in n_out n_rej
	n_in=$(nonblank in.ndjson)
	n_out=$(grep -c . out)
	n_rej=$(nlines rej.ndjson)
	is "$n_in" 34 "input records"
	is "$((n_out + n_rej))" "$n_in" "out ($n_out) + rejected ($n_rej)"
	is "${stderr_lines[-2]%%(*}" "$(summary "$n_in" "$n_out" "$n_rej" x 0 | sed 's/(.*//')" \
	    "summary counts"
	# The closing line counts exactly the records written.
	local tl
	tl=$(sed -n 's/^ac-pick-clickid: gclid \([0-9]*\), gbraid \([0-9]*\), wbraid \([0-9]*\), none \([0-9]*\);.*/\1 \2 \3 \4/p' <<<"${stderr_lines[-1]}")
	is "$(tr ' ' '+' <<<"$tl" | bc)" "$n_out" "gclid+gbraid+wbraid+none"
	is "$tl" "$(jq -r -s '[(map(select(.click_id_type == ("gclid","gbraid","wbraid","none"))) | group_by(.click_id_type) | map({(.[0].click_id_type): length}) | add) as $c | $c.gclid // 0, $c.gbraid // 0, $c.wbraid // 0, $c.none // 0] | map(tostring) | join(" ")' out)" \
	    "per-type counts match stdout"
	jq -e -s 'all(type == "object")' out rej.ndjson >/dev/null
}

## The closing line

@test "closing line: counts per click_id_type, extras, after the stage summary" {
	{
		prec '"gclid":"'$G1'","gbraid":"'$GB'"'
		prec '"gclid":"'$G2'","wbraid":"'$WB'"'
		prec '"gbraid":"'$GB'","wbraid":"'$WB'"'
		prec '"wbraid":"'$WB'"'
		prec '"hashed_email":"'$HE'"'
		prec '"hashed_email":"'$HE'","gclid":"x"'
		prec ''
	} >in.ndjson
	run --separate-stderr ac-pick-clickid in.ndjson
	is "$status" 1
	is "${stderr_lines[-2]}" "$(summary 7 6 1 '1 unattributable' 1 '1 gclid_malformed')"
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 2, gbraid 1, wbraid 1, none 2; 3 extra click IDs removed"
}

@test "closing line: not printed with -q" {
	prec '"gclid":"'$G1'","gbraid":"'$GB'"' >in.ndjson
	run --separate-stderr ac-pick-clickid -q in.ndjson
	is "$status" 0
	is "$stderr" "" "-q, nothing rejected"
	prec '' >>in.ndjson
	run --separate-stderr ac-pick-clickid --quiet -i fallback in.ndjson
	is "$status" 1
	is "$stderr" "ac-pick-clickid: 1 of 2 records rejected" "-q with a reject"
}

## Kinds: call conversions and adjustments (man/ac.7)

# A record of another kind, and its parts.
CA='"conversion_action":"customers/1234567890/conversionActions/987"'
CDT='"conversion_date_time":"2026-08-01 10:00:00+00:00"'
ADT='"adjustment_date_time":"2026-09-10 10:00:00+00:00"'
CALL='"caller_id":"+4915112345678","call_start_date_time":"2026-09-01 09:00:00+00:00"'
HF=4135aa9dc1b842a653dea846903ddb95bfb8c5a10c504a7fa16e10bc31d1fdf0
HL=c512ca0c5c1e71be19f3356821e56732b5fb3ac894b0dbc5846d0b6920106fb3
HS=ff75e73a0e768cc1fa28a64faebbceccb562d7c05f2ffcdd8d100abad73e4579
ADDR='"hashed_first_name":"'$HF'","hashed_last_name":"'$HL'","country_code":"US","postal_code":"94043"'

# pr LINE [OPTION...]: run ac-pick-clickid -R rej.ndjson on the one record
# LINE (a whole JSON object) read from in.ndjson.
pr() {
	local line=$1
	shift
	printf '%s\n' "$line" >in.ndjson
	rm -f rej.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson "$@" in.ndjson
}

# expect_out LINE WANT [OPTION...]: LINE comes out exactly as WANT, exit 0.
expect_out() {
	local line=$1 want=$2
	shift 2
	pr "$line" "$@"
	if [[ $status -ne 0 || $output != "$want" ]]; then
		printf 'FAIL\n  input:    %s\n  options:  %s\n' "$line" \
		    "${*:-(none)}" >&2
		printf '  expected: %s\n  actual:   %s (exit %s)\n' "$want" \
		    "$output" "$status" >&2
		printf '  stderr:   %s\n' "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# expect_reject LINE CODE FIELD MESSAGE [OPTION...]: LINE is rejected with
# CODE (FIELD "-" for none) and exactly MESSAGE: nothing on stdout, exit 1,
# the record as read in the rejects file, the located line on stderr, and
# no warning counted.
expect_reject() {
	local line=$1 code=$2 field=$3 msg=$4 problem='' want
	shift 4
	pr "$line" "$@"
	want="ac-pick-clickid: in.ndjson:1: ${field#-}${field:+: }$msg ($code)"
	[[ $field == - ]] && want="ac-pick-clickid: in.ndjson:1: $msg ($code)"
	if [[ $status -ne 1 ]]; then
		problem="exit $status"
	elif [[ -n $output ]]; then
		problem="record written to stdout"
	elif ! jq -e --arg c "$code" --arg f "$field" --arg m "$msg" \
	    --argjson r "$line" '.stage == "ac-pick-clickid" and .line == 1 and
	    .code == $c and .message == $m and .record == $r and
	    (if $f == "-" then has("field") | not else .field == $f end)' \
	    rej.ndjson >/dev/null; then
		problem="rejects file: $(cat rej.ndjson)"
	elif [[ ${stderr_lines[0]} != "$want" ]]; then
		problem="stderr line: ${stderr_lines[0]}"
	elif [[ ${stderr_lines[1]} != *"; 0 warnings" ]]; then
		problem="warnings counted: ${stderr_lines[1]}"
	fi
	if [[ -n $problem ]]; then
		printf 'FAIL should be rejected with %s\n  input:   %s\n' \
		    "$code" "$line" >&2
		printf '  options: %s\n  problem: %s\n  stderr:  %s\n' \
		    "${*:-(none)}" "$problem" "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

NOIDS='has no hashed email or phone and no complete address'
NOKEY='has neither order_id nor gclid with conversion_date_time'

@test "kinds: kinds.in gives exactly kinds.out, the rejects and the closing line" {
	golden kinds -R rej.ndjson
	is "$status" 1
	is "$(jq -r '"\(.line) \(.code)"' rej.ndjson | tr '\n' ' ')" \
	    "6 enhancement_without_identifiers 10 adjustment_key_missing 11 adjustment_type_invalid "
	is "$(tail -n 2 err)" "$(summary 12 9 3 '1 enhancement_without_identifiers, 1 adjustment_key_missing, 1 adjustment_type_invalid' 5 '3 click_id_ignored, 1 hashed_invalid, 1 gclid_malformed')
ac-pick-clickid: gclid 2, gbraid 1, wbraid 0, none 6; 0 extra click IDs removed; 2 calls, 6 adjustments"
	# Conservation, and a second pass changes nothing.
	is "$(($(nlines out) + $(nlines rej.ndjson)))" "$(nonblank kinds.in)"
	cp out again.in
	run --separate-stderr ac-pick-clickid again.in
	is "$status" 0
	is "$output" "$(cat out)" "second pass"
}

@test "kinds: adjustment_type decides first, then caller_id; null or blank ones do not count" {
	# The same record without a click ID or identifier: a click is
	# unattributable, a call is not, an adjustment needs its key.
	expect_out '{'"$CA"','"$CALL"'}' '{'"$CA"','"$CALL"',"click_id_type":"none"}'
	expect_out '{'"$CA"',"adjustment_type":"RETRACTION","order_id":"O","caller_id":"+4915112345678"}' \
	    '{'"$CA"',"adjustment_type":"RETRACTION","order_id":"O","caller_id":"+4915112345678","click_id_type":"none"}'
	checks_pass
	local v
	for v in null '""' '" \t "'; do
		pk '"adjustment_type":'"$v"',"caller_id":'"$v"
		is "$status" 1 "adjustment_type and caller_id $v"
		[[ ${stderr_lines[0]} == *"(unattributable)" ]] ||
		    { echo "not a click with $v: $stderr" >&2; return 1; }
	done
	# A null caller_id with an adjustment_type, and the other way round.
	pr '{"adjustment_type":null,'"$CALL"'}'
	is "$output" '{"adjustment_type":null,'"$CALL"',"click_id_type":"none"}'
	pr '{"adjustment_type":"ENHANCEMENT","order_id":"O","caller_id":null,"hashed_email":"'$HE'"}'
	is "$output" '{"adjustment_type":"ENHANCEMENT","order_id":"O","caller_id":null,"hashed_email":"'$HE'","click_id_type":"none"}'
}

@test "kinds: adjustment_type is read in any case, trimmed; anything else is adjustment_type_invalid" {
	local t
	for t in enhancement ' Enhancement ' ENHANCEMENT; do
		expect_out '{"order_id":"O","adjustment_type":"'"$t"'","hashed_email":"'$HE'"}' \
		    '{"order_id":"O","adjustment_type":"'"$t"'","hashed_email":"'$HE'","click_id_type":"none"}'
	done
	expect_out '{"order_id":"O","adjustment_type":"retraction"}' \
	    '{"order_id":"O","adjustment_type":"retraction","click_id_type":"none"}'
	expect_out '{"order_id":"O","adjustment_type":"Restatement\t"}' \
	    '{"order_id":"O","adjustment_type":"Restatement\t","click_id_type":"none"}'
	for t in '"REFUND"' '"ENHANCE"' '"RETRACTIONS"' '"UNKNOWN"' '2' 'true' '["RETRACTION"]' '{}'; do
		expect_reject '{"order_id":"O","adjustment_type":'"$t"',"hashed_email":"'$HE'","gclid":"'$G1'"}' \
		    adjustment_type_invalid adjustment_type 'not ENHANCEMENT, RETRACTION or RESTATEMENT'
	done
	checks_pass
}

@test "calls: click_id_type none, never unattributable, hashed identifiers untouched" {
	expect_out '{'"$CALL"'}' '{'"$CALL"',"click_id_type":"none"}'
	expect_out '{'"$CALL"',"hashed_email":"not-a-hash","email":"x@example.com"}' \
	    '{'"$CALL"',"hashed_email":"not-a-hash","email":"x@example.com","click_id_type":"none"}'
	expect_out '{'"$CALL"',"hashed_phone_number":"'$HEU'"}' \
	    '{'"$CALL"',"hashed_phone_number":"'$HEU'","click_id_type":"none"}'
	expect_out '{"click_id_type":"gclid",'"$CALL"'}' '{"click_id_type":"none",'"$CALL"'}'
	# -i fallback has nothing to do with calls.
	expect_out '{'"$CALL"',"hashed_email":"'$HE'"}' \
	    '{'"$CALL"',"hashed_email":"'$HE'","click_id_type":"none"}' -i fallback
	checks_pass
	is "${stderr_lines[-1]}" "ac-pick-clickid: gclid 0, gbraid 0, wbraid 0, none 1; 0 extra click IDs removed; 0 identifiers removed; 1 call, 0 adjustments"
}

@test "calls: gclid, gbraid and wbraid are dropped with click_id_ignored; null and blank ones silently" {
	pr '{'"$CALL"',"gclid":"'$G1'","gbraid":"bad","wbraid":42}'
	is "$status" 0
	is "$output" '{'"$CALL"',"ac_warnings":[{"stage":"ac-pick-clickid","field":"gclid","code":"click_id_ignored"},{"stage":"ac-pick-clickid","field":"gbraid","code":"click_id_ignored"},{"stage":"ac-pick-clickid","field":"wbraid","code":"click_id_ignored"}],"click_id_type":"none"}'
	is "${stderr_lines[0]}" "ac-pick-clickid: in.ndjson:1: gclid: dropped: a call conversion takes no click ID (click_id_ignored)"
	is "${stderr_lines[3]}" "$(summary 1 1 0 '' 3 '3 click_id_ignored')"
	pr '{'"$CALL"',"gclid":null,"gbraid":"","wbraid":" "}'
	is "$output" '{'"$CALL"',"click_id_type":"none"}'
	is "${#stderr_lines[@]}" 2 "only the closing lines"
}

@test "adjustments: click_id_type is gclid when gclid and conversion_date_time key it, else none" {
	local k
	for k in RETRACTION RESTATEMENT ENHANCEMENT; do
		expect_out '{"adjustment_type":"'$k'","gclid":" '$G1'\t",'"$CDT"',"hashed_email":"'$HE'"}' \
		    '{"adjustment_type":"'$k'","gclid":"'$G1'",'"$CDT"',"hashed_email":"'$HE'","click_id_type":"gclid"}'
		expect_out '{"adjustment_type":"'$k'","order_id":"O","hashed_email":"'$HE'"}' \
		    '{"adjustment_type":"'$k'","order_id":"O","hashed_email":"'$HE'","click_id_type":"none"}'
		# A gclid without its conversion time keys nothing; it stays.
		expect_out '{"adjustment_type":"'$k'","order_id":"O","gclid":"'$G1'","hashed_email":"'$HE'"}' \
		    '{"adjustment_type":"'$k'","order_id":"O","gclid":"'$G1'","hashed_email":"'$HE'","click_id_type":"none"}'
	done
	# An ENHANCEMENT may carry order_id and the gclid pair together.
	expect_out '{"adjustment_type":"ENHANCEMENT","order_id":"O","gclid":"'$G1'",'"$CDT"',"hashed_email":"'$HE'"}' \
	    '{"adjustment_type":"ENHANCEMENT","order_id":"O","gclid":"'$G1'",'"$CDT"',"hashed_email":"'$HE'","click_id_type":"gclid"}'
	checks_pass
}

@test "adjustments: gbraid and wbraid are dropped with click_id_ignored; a malformed gclid with gclid_malformed" {
	pr '{"adjustment_type":"RETRACTION","order_id":"O","gbraid":"'$GB'","wbraid":"'$WB'","gclid":"n/a",'"$CDT"'}'
	is "$status" 0
	is "$(warns)" "gclid:gclid_malformed gbraid:click_id_ignored wbraid:click_id_ignored"
	is "$(jq -c '[has("gclid"), has("gbraid"), has("wbraid"), .click_id_type]' <<<"$output")" '[false,false,false,"none"]'
	is "${stderr_lines[1]}" "ac-pick-clickid: in.ndjson:1: gbraid: dropped: an adjustment takes no gbraid or wbraid (click_id_ignored)"
	# gbraid never keys an adjustment, even well formed and alone.
	expect_reject '{"adjustment_type":"RESTATEMENT","gbraid":"'$GB'",'"$CDT"'}' \
	    adjustment_key_missing - "$NOKEY"
	checks_pass
}

@test "adjustments: a RETRACTION or RESTATEMENT without a key is adjustment_key_missing, with both adjustment_key_both" {
	local k
	for k in RETRACTION RESTATEMENT; do
		expect_reject '{"adjustment_type":"'$k'",'"$CDT"'}' \
		    adjustment_key_missing - "$NOKEY"
		expect_reject '{"adjustment_type":"'$k'","order_id":"  ","gclid":"'$G1'"}' \
		    adjustment_key_missing - "$NOKEY; gclid without conversion_date_time"
		expect_reject '{"adjustment_type":"'$k'","order_id":null,"gclid":"x y",'"$CDT"'}' \
		    adjustment_key_missing - "$NOKEY; unusable: gclid"
		expect_reject '{"adjustment_type":"'$k'","order_id":"O","gclid":"'$G1'",'"$CDT"'}' \
		    adjustment_key_both - "has both order_id and gclid with conversion_date_time: one key only"
		# A malformed gclid next to order_id leaves one key.
		expect_out '{"adjustment_type":"'$k'","order_id":"O","gclid":"bad",'"$CDT"'}' \
		    '{"adjustment_type":"'$k'","order_id":"O",'"$CDT"',"ac_warnings":[{"stage":"ac-pick-clickid","field":"gclid","code":"gclid_malformed"}],"click_id_type":"none"}'
	done
	checks_pass
}

@test "adjustments: RETRACTION and RESTATEMENT are never rejected for lack of identifiers; theirs are untouched" {
	local k
	for k in RETRACTION RESTATEMENT; do
		expect_out '{"adjustment_type":"'$k'","order_id":"O",'"$ADT"'}' \
		    '{"adjustment_type":"'$k'","order_id":"O",'"$ADT"',"click_id_type":"none"}'
		expect_out '{"adjustment_type":"'$k'","gclid":"'$G1'",'"$CDT"',"email":"x@example.com"}' \
		    '{"adjustment_type":"'$k'","gclid":"'$G1'",'"$CDT"',"email":"x@example.com","click_id_type":"gclid"}'
		# Not sent with these kinds, so not checked either.
		expect_out '{"adjustment_type":"'$k'","order_id":"O","hashed_email":"junk","hashed_first_name":5}' \
		    '{"adjustment_type":"'$k'","order_id":"O","hashed_email":"junk","hashed_first_name":5,"click_id_type":"none"}'
	done
	checks_pass
}

@test "enhancements: a hashed email, a hashed phone or the whole address set is enough" {
	local e='"adjustment_type":"ENHANCEMENT","order_id":"O"'
	expect_out "{$e,\"hashed_email\":\"$HE\"}" "{$e,\"hashed_email\":\"$HE\",\"click_id_type\":\"none\"}"
	expect_out "{$e,\"hashed_phone_number\":\"$HP\"}" "{$e,\"hashed_phone_number\":\"$HP\",\"click_id_type\":\"none\"}"
	expect_out "{$e,$ADDR}" "{$e,$ADDR,\"click_id_type\":\"none\"}"
	expect_out "{$e,$ADDR,\"hashed_street_address\":\"$HS\",\"city\":\"x\",\"region\":\"ca\"}" \
	    "{$e,$ADDR,\"hashed_street_address\":\"$HS\",\"city\":\"x\",\"region\":\"ca\",\"click_id_type\":\"none\"}"
	# Upper-case hex and blanks are canonicalized, as for clicks.
	expect_out "{$e,\"hashed_first_name\":\" ${HF^^}\",\"hashed_last_name\":\"$HL\t\",\"country_code\":\"US\",\"postal_code\":\"94043\",\"hashed_street_address\":\"${HS^^}\"}" \
	    "{$e,$ADDR,\"hashed_street_address\":\"$HS\",\"click_id_type\":\"none\"}"
	# -i fallback never takes an enhancement's identifiers.
	expect_out "{$e,\"gclid\":\"$G1\",$CDT,\"hashed_email\":\"$HE\"}" \
	    "{$e,\"gclid\":\"$G1\",$CDT,\"hashed_email\":\"$HE\",\"click_id_type\":\"gclid\"}" -i fallback
	checks_pass
}

@test "enhancements: without an identifier, enhancement_without_identifiers names what is missing" {
	local e='"adjustment_type":"ENHANCEMENT","order_id":"O"'
	expect_reject "{$e}" enhancement_without_identifiers - "$NOIDS"
	# A click ID is no identifier for an enhancement.
	expect_reject "{$e,\"gclid\":\"$G1\",$CDT}" enhancement_without_identifiers - "$NOIDS"
	expect_reject "{$e,\"hashed_first_name\":\"$HF\",\"hashed_last_name\":\"$HL\",\"country_code\":\"US\"}" \
	    enhancement_without_identifiers - "$NOIDS; the address lacks postal_code"
	expect_reject "{$e,\"hashed_first_name\":\"$HF\",\"country_code\":\" \",\"postal_code\":\"1\"}" \
	    enhancement_without_identifiers - "$NOIDS; the address lacks hashed_last_name and country_code"
	expect_reject "{$e,\"hashed_street_address\":\"$HS\",\"city\":\"x\",\"postal_code\":null}" \
	    enhancement_without_identifiers - "$NOIDS"
	expect_reject "{$e,\"hashed_email\":\"bad\",\"hashed_phone_number\":\"\",\"hashed_first_name\":\"${HE:1}\",\"hashed_last_name\":\"$HL\",\"country_code\":\"US\",\"postal_code\":\"1\",\"hashed_street_address\":7}" \
	    enhancement_without_identifiers - "$NOIDS; unusable: hashed_email, hashed_first_name, hashed_street_address"
	# Everything wrong at once still fits in one message.
	expect_reject "{$e,\"hashed_email\":\"bad\",\"hashed_phone_number\":1,\"hashed_first_name\":\"x\",\"hashed_last_name\":\"y\",\"hashed_street_address\":\"z\",\"email\":\"a@example.com\",\"phone\":\"+1800\",\"first_name\":\"a\",\"last_name\":\"b\",\"street_address\":\"c\"}" \
	    enhancement_without_identifiers - "$NOIDS; the address lacks country_code and postal_code; unusable: hashed_email, hashed_phone_number, hashed_first_name, hashed_last_name, hashed_street_address; clear text: run ac-hash first"
	expect_reject "{$e,\"email\":\"a@example.com\",\"phone\":\"+1800\",\"first_name\":\"a\",\"last_name\":\"b\",\"street_address\":\"c\",\"country_code\":\"US\",\"postal_code\":\"1\"}" \
	    enhancement_without_identifiers - "$NOIDS; the address lacks hashed_first_name and hashed_last_name; email, phone, first_name, last_name and street_address are in clear text: run ac-hash first"
	checks_pass
}

@test "enhancements: a bad hash is dropped with a warning when another identifier is left" {
	local e='"adjustment_type":"ENHANCEMENT","order_id":"O"' f
	for f in hashed_first_name hashed_last_name hashed_street_address; do
		pr "{$e,\"hashed_email\":\"$HE\",\"$f\":\"nope\"}"
		is "$status" 0
		is "$(has $f)" false "$f removed"
		is "$(warns)" "$f:hashed_invalid"
		is "${stderr_lines[0]}" "ac-pick-clickid: in.ndjson:1: $f: dropped: not a SHA-256 hash of 64 hex digits (hashed_invalid)"
	done
	pr "{$e,$ADDR,\"hashed_email\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"hashed_street_address\":[1]}"
	is "$(warns)" "hashed_email:hashed_empty hashed_street_address:not_string"
	is "$(jq -c '[.hashed_first_name == "'$HF'", .postal_code, .click_id_type]' <<<"$output")" '[true,"94043","none"]'
}

@test "kinds: after ac-consent and ac-hash, a DENIED enhancement has nothing left and is rejected; a call goes on" {
	[[ -x $AC_BIN/ac-consent && -x $AC_BIN/ac-hash ]] || skip "ac-consent or ac-hash is not built"
	local e='"adjustment_type":"ENHANCEMENT","order_id":"O","first_name":"Alex","last_name":"Quinn","street_address":"1800 Amphibious Blvd.","postal_code":"94043","country_code":"US"'
	printf '%s\n' "{$e,\"consent\":\"granted\"}" "{$e,\"consent\":\"denied\"}" \
	    '{'"$CALL"',"phone":"+18005550100","consent":"denied"}' >in.ndjson
	run --separate-stderr bash -c 'ac-consent -q in.ndjson | ac-hash -q |
	    ac-pick-clickid -R rej.ndjson'
	is "$status" 1
	is "${#lines[@]}" 2 "two records out"
	is "$(jq -c '[.hashed_first_name == "'$HF'", .hashed_last_name == "'$HL'", .hashed_street_address == "'$HS'", .click_id_type]' <<<"${lines[0]}")" \
	    '[true,true,true,"none"]' "the granted enhancement, hashed"
	is "$(jq -c '[.caller_id, has("hashed_phone_number"), .click_id_type]' <<<"${lines[1]}")" \
	    '["+4915112345678",false,"none"]' "the denied call keeps its caller"
	is "$(jq -c '[.line, .code, .message]' rej.ndjson)" \
	    '[2,"enhancement_without_identifiers","'"$NOIDS"'; the address lacks hashed_first_name, hashed_last_name and postal_code"]'
}

@test "kinds: stderr never holds a caller_id or any other value of kinds.in" {
	local p planted=( 4915112345678 4915187654321 Thaddeus thaddeus 'mountain view'
	    94043 Mozilla 'gclid=test' REFUND "${HF:0:12}" "${HP:0:12}" not-a-hash
	    "1800 amphibious" )
	cp "$F/kinds.in" .
	ac-pick-clickid -v -R rej.ndjson kinds.in >out 2>err || true
	for p in "${planted[@]}"; do
		if grep -qiF -- "$p" err; then
			echo "'$p' on stderr:" >&2
			grep -iF -- "$p" err >&2
			return 1
		fi
	done
	grep -qF 4915112345678 out
}

## The STYLE.md §10 checks

@test "a bad JSON line gives file:line on stderr, the other records still come out, exit 1" {
	printf '%s\n' "$(prec '"gclid":"'$G1'","n":1')" '{"gclid":' \
	    "$(prec '"gclid":"'$G1'","n":3')" >in.ndjson
	run --separate-stderr ac-pick-clickid in.ndjson
	is "$status" 1
	is "$(jq -r .n <<<"$output" | tr '\n' ' ')" "1 3 "
	[[ $stderr == *"ac-pick-clickid: in.ndjson:2: invalid JSON: "*"(bad_json)"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	is "${stderr_lines[-2]}" "$(summary 3 2 1 '1 bad_json' 0)"
}

@test "stderr never contains the PII planted in pii.in" {
	local planted=(
	    wilhelmina quarrington bartholomew okonkwo thaddeus ignatius
	    persephone vandermeer rosalind fairweather zephyrine cordelia
	    blackwood leopoldine augustina evangeline ezekiel hawthorne
	    thistlewick 'tw9 4qx' 5550123 5550187 5550199 '555-01'
	    '@example' 'example.org' '%40' "${HP:0:12}" 7e6421960eef )
	local args p i=0 runs=(
	    ''
	    '-v'
	    '-q'
	    '-v -R rej.ndjson'
	    '-v -i fallback'
	    '-v --identifiers always -R rej2.ndjson' )
	cp "$F/pii.in" .
	# A line that is not UTF-8 still carries an address.
	printf '{"email":"octavia.pemberton@example.com","x":"\xff"}\n' >>pii.in
	planted+=(octavia pemberton)
	for args in "${runs[@]}"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		ac-pick-clickid $args pii.in >out.$i 2>err.$i || true
		[[ -s err.$i ]] || { echo "no stderr for '$args'" >&2; return 1; }
		for p in "${planted[@]}"; do
			if grep -qiF -- "$p" err.$i; then
				echo "'$p' on stderr with options '$args':" >&2
				grep -iF -- "$p" err.$i >&2
				return 1
			fi
		done
	done
	# The run did see the data: the rejects file holds it, as read.
	grep -qF wilhelmina.quarrington@example.com rej.ndjson
	grep -qF Rosalind rej.ndjson
	# With -v every per-record line is there, and names no value.
	is "$(grep -c 'pii.in:[0-9]*:' err.2)" 8 "located lines with -v"
}

@test "usage errors exit 2 with the usage on stderr and nothing on stdout" {
	prec '"gclid":"'$G1'"' >in.ndjson
	local args
	for args in '-x' '--bogus' '-i' '--identifiers' '-i sometimes' \
	    '--identifiers=ALWAYS' '-i fallback -R' '--rejects' \
	    '--help=yes' '-x in.ndjson' '-z UTC in.ndjson' '-d DE in.ndjson'; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-pick-clickid $args </dev/null
		is "$status" 2 "exit status for '$args'"
		is "$output" "" "stdout for '$args'"
		[[ $stderr == *"usage: ac-pick-clickid "* ]] ||
		    { echo "no usage for '$args': $stderr" >&2; return 1; }
	done
}

@test "usage errors name the option as it was given" {
	local args want bad=0
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-pick-clickid $args </dev/null
		if [[ $status -ne 2 ||
		    ${stderr_lines[0]} != "ac-pick-clickid: "*"$want"* ]]; then
			echo "'$args': exit $status, '${stderr_lines[0]}' does not name $want" >&2
			bad=1
		fi
	done <<-'EOF'
	-x|-x
	--bogus|--bogus
	-i|-i
	-R|-R
	-i maybe|--identifiers
	--identifiers=x|--identifiers
	--help=yes|--help
	--quiet=1|--quiet
	EOF
	return $bad
}

@test "-h and --help exit 0 with the usage on stdout" {
	local h
	for h in -h --help; do
		run --separate-stderr ac-pick-clickid "$h"
		is "$status" 0 "exit status of $h"
		is "$stderr" "" "stderr of $h"
		is "${lines[0]}" "usage: ac-pick-clickid [-hqVv] [-i always|fallback] [-R FILE] [-S FILE] [FILE ...]" "$h"
		[[ $output == *"--help"*"--identifiers"*"--quiet"*"--rejects"*"--version"*"--verbose"* ]]
	done
}

@test "-V and --version print the version on stdout, exit 0" {
	local v
	for v in -V --version; do
		run --separate-stderr ac-pick-clickid "$v"
		is "$status" 0 "exit status of $v"
		is "$stderr" "" "stderr of $v"
		[[ $output =~ ^ac-pick-clickid\ [0-9]+\.[0-9]+(\.[0-9]+)?$ ]] ||
		    { echo "version: $output" >&2; return 1; }
	done
}

@test "writing to /dev/full exits 3 with a write-error message" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	cp "$F/golden.in" in.ndjson
	run --separate-stderr bash -c 'ac-pick-clickid in.ndjson >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-pick-clickid: stdout: No space left on device"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	# Also when the error comes mid-run, with more than a buffer of output.
	for _ in $(seq 3000); do prec '"gclid":"'$G1'"'; done >big.ndjson
	run --separate-stderr bash -c 'ac-pick-clickid big.ndjson >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-pick-clickid: stdout: No space left on device"* ]]
	# A rejects file on a full device is an error too.
	prec '' >rej.ndjson.in
	run --separate-stderr ac-pick-clickid -R /dev/full rej.ndjson.in
	is "$status" 3
	[[ $stderr == *"ac-pick-clickid: rejects file: No space left on device"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
}

@test "empty input gives empty output and exit 0" {
	: >empty.ndjson
	run --separate-stderr ac-pick-clickid empty.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "$(summary 0 0 0 '' 0)
ac-pick-clickid: gclid 0, gbraid 0, wbraid 0, none 0; 0 extra click IDs removed"
	run --separate-stderr ac-pick-clickid </dev/null
	is "$status" 0
	is "$output" ""
	run --separate-stderr ac-pick-clickid -q empty.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "" "-q on empty input"
	printf '\n  \n\t\n\r\n' >blank.ndjson
	run --separate-stderr ac-pick-clickid blank.ndjson
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
	run --separate-stderr ac-pick-clickid crlf.ndjson
	is "$status" 0
	is "$output" "$(cat "$F/golden.out")" "same as golden.out"
	# golden.in:3 is line 6 here (one blank line before it, two inside).
	[[ $stderr == *"ac-pick-clickid: crlf.ndjson:6: gclid: "* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	printf '%s\r\n\r\n\r\n%s\r\n%s' "$(prec '"gclid":"'$G1'","n":1')" \
	    "$(prec '"n":4')" "$(prec '"gclid":"'$G1'\r","hashed_email":"'$HE'","n":5')" >crlf2.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson crlf2.ndjson
	is "$status" 1
	is "$(jq -r .n <<<"$output" | tr '\n' ' ')" "1 5 "
	is "$(jq -c '[.line, .code, .record.n]' rej.ndjson)" '[4,"unattributable",4]'
	# A CR inside the value (escaped) is not a line ending: malformed.
	is "$(jq -c '[.gclid, .ac_warnings[0].code]' <<<"${lines[1]}")" '[null,"gclid_malformed"]'
}

@test "a line over 1 MiB works" {
	local big
	big=$(chars 1500000)
	printf '{"note":"%s","gclid":" %s ","gbraid":"%s"}\n' "$big" "$G1" "$GB" >big.ndjson
	printf '{"gclid":"%s","hashed_email":"%s"}\n' "$(chars 1200000 Z)" "$HE" >>big.ndjson
	printf '%s\n' '{"bad":' >>big.ndjson
	run --separate-stderr ac-pick-clickid big.ndjson
	is "$status" 1
	is "$(jq -c '[(.note | length), .gclid, .gbraid, .click_id_type]' <<<"${lines[0]}")" \
	    "[1500000,\"$G1\",null,\"gclid\"]"
	is "$(jq -r .note <<<"${lines[0]}")" "$big" "the long value passes through"
	is "$(jq -c '[.gclid, .click_id_type, .ac_warnings[0].code]' <<<"${lines[1]}")" \
	    '[null,"none","gclid_malformed"]' "a 1.2 MB gclid is malformed"
	[[ $stderr == *"big.ndjson:3: invalid JSON"* ]]
}

@test "several input files keep their own line numbers" {
	printf '%s\n\n%s\n' "$(prec '"gclid":"'$G1'","n":"a1"')" '{"a":1}' >a.ndjson
	printf '%s\n%s\n' '[]' "$(prec '"gclid":"bad","hashed_email":"'$HE'","n":"b2"')" >b.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson a.ndjson b.ndjson
	is "$status" 1
	is "$(jq -r .n <<<"$output" | tr '\n' ' ')" "a1 b2 "
	is "$(grep -o '^ac-pick-clickid: [ab].ndjson:[0-9]*' <<<"$stderr" | tr '\n' ' ')" \
	    "ac-pick-clickid: a.ndjson:3 ac-pick-clickid: b.ndjson:1 ac-pick-clickid: b.ndjson:2 "
	is "$(jq -r '"\(.file):\(.line)"' rej.ndjson | tr '\n' ' ')" "a.ndjson:3 b.ndjson:1 "
}

@test "a missing or unreadable input exits 3 before any output" {
	prec '"gclid":"'$G1'"' >in.ndjson
	run --separate-stderr ac-pick-clickid -R rej.ndjson in.ndjson missing.ndjson
	is "$status" 3
	is "$output" "" "stdout"
	is "$stderr" "ac-pick-clickid: missing.ndjson: No such file or directory"
	[[ ! -e rej.ndjson ]] || { echo "rejects file created" >&2; return 1; }
	mkdir dir
	run --separate-stderr ac-pick-clickid in.ndjson dir
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-pick-clickid: dir: Is a directory"* ]]
}

@test "an unwritable rejects file exits 3 before any output" {
	prec '"gclid":"'$G1'"' >in.ndjson
	run --separate-stderr ac-pick-clickid -R nodir/rej.ndjson in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-pick-clickid: rejects file nodir/rej.ndjson: No such file or directory"* ]]
}

@test "no data files are needed: AC_SHAREDIR does not matter" {
	cp "$F/golden.in" .
	AC_SHAREDIR=$BATS_TEST_TMPDIR/nothing run --separate-stderr ac-pick-clickid golden.in
	is "$status" 0
	is "$output" "$(cat "$F/golden.out")"
}

@test "stdin: no operand and - read standard input, named <stdin>" {
	cp "$F/golden.in" g.ndjson
	run --separate-stderr ac-pick-clickid <g.ndjson
	is "$output" "$(cat "$F/golden.out")" "no operand"
	[[ $stderr == *"ac-pick-clickid: <stdin>:3: gclid: "* ]]
	run --separate-stderr ac-pick-clickid - <g.ndjson
	is "$output" "$(cat "$F/golden.out")" "-"
	prec '"gclid":"'$G1'","n":"f"' >f.ndjson
	run --separate-stderr ac-pick-clickid f.ndjson - f.ndjson <g.ndjson
	is "$(jq -r '.n // .order_id' <<<"$output" | tr '\n' ' ')" "f G-1 G-2 G-3 G-4 G-5 G-6 G-7 G-8 G-9 G-10 f "
}

@test "message cap: 10 per-record lines, then one 'not shown' line" {
	local i
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	run --separate-stderr ac-pick-clickid bad.ndjson
	is "$status" 1
	is "${#stderr_lines[@]}" 13 "stderr lines"
	is "$(grep -c '^ac-pick-clickid: bad.ndjson:[0-9]*: ' <<<"$stderr")" 10 "located lines"
	is "${stderr_lines[9]}" "ac-pick-clickid: bad.ndjson:10: $UNATTR (unattributable)"
	is "${stderr_lines[10]}" "ac-pick-clickid: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(summary 12 0 12 '12 unattributable' 0)"
	is "${stderr_lines[12]}" "ac-pick-clickid: gclid 0, gbraid 0, wbraid 0, none 0; 0 extra click IDs removed"
}

@test "message cap: warnings count toward it too" {
	local i
	for i in $(seq 11); do prec '"gclid":"bad","hashed_email":"'$HE'"'; done >warn.ndjson
	run --separate-stderr ac-pick-clickid warn.ndjson
	is "$status" 0
	is "${#stderr_lines[@]}" 13
	is "${stderr_lines[10]}" "ac-pick-clickid: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(summary 11 11 0 '' 11 '11 gclid_malformed')"
	is "$(grep -c '"gclid_malformed"' <<<"$output")" 11 "every record still has its warning"
}

@test "-v shows every per-record message" {
	local i v
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	for v in -v --verbose; do
		run --separate-stderr ac-pick-clickid "$v" bad.ndjson
		is "$status" 1
		is "${#stderr_lines[@]}" 14 "stderr lines with $v"
		is "${stderr_lines[11]}" "ac-pick-clickid: bad.ndjson:12: $UNATTR (unattributable)"
		[[ $stderr != *"not shown"* ]]
	done
}

@test "-q shows no per-record lines, only the rejected count" {
	local i q
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	prec '"gclid":"bad","hashed_email":"'$HE'"' >>bad.ndjson
	for q in -q --quiet; do
		run --separate-stderr ac-pick-clickid "$q" bad.ndjson
		is "$status" 1
		is "$stderr" "ac-pick-clickid: 12 of 13 records rejected" "stderr with $q"
		is "$(jq -c .ac_warnings <<<"$output")" '[{"stage":"ac-pick-clickid","field":"gclid","code":"gclid_malformed"}]' \
		    "warnings still in the record"
	done
}

@test "exit status: 0 with warnings only, 1 with a reject" {
	pk '"gclid":"bad","wbraid":"bad","hashed_email":"'$HE'"'
	is "$status" 0
	pk '"gclid":"bad"'
	is "$status" 1
}

@test "arrays: an array of valid hashes is an identifier; invalid elements go with the string's codes (issue 13)" {
	pk '"hashed_email":["'$HEU'"," '$HE'","'$HP'"]'
	is "$status" 0
	is "$(jq -c .hashed_email <<<"$output")" "[\"$HE\",\"$HP\"]"
	is "$(jq -r .click_id_type <<<"$output")" none
	pk '"hashed_phone_number":["zz",7,"'$HP'"]'
	is "$status" 0
	is "$(jq -c .hashed_phone_number <<<"$output")" "[\"$HP\"]"
	is "$(jq -r '[.ac_warnings[] | .field + ":" + .code] | join(" ")' <<<"$output")" \
	    "hashed_phone_number:not_string hashed_phone_number:hashed_invalid"
	pk '"hashed_email":["zz"]'
	is "$status" 1
	pk '"hashed_email":["zz"],"gclid":"'$G1'"'
	is "$status" 0
	is "$(jq -c 'has("hashed_email")' <<<"$output")" false
	is "$(jq -r '.ac_warnings[0].code' <<<"$output")" hashed_invalid
}

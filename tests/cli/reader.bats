#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The shared record reader and writer (lib/ndjson.c, lib/stage.c), through
# every filter: a lone surrogate in a \u escape is refused
# (bad_unicode_escape) while a surrogate pair reads as one character; after
# a write error the summary counts only the lines written whole. Run from
# the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C prove -e bats tests/cli/reader.bats

load helper

FILTERS="ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch"

# good ORDER_ID [MEMBERS [GCLID]]: a record every filter takes, with
# order_id ORDER_ID (the text between the quotes, JSON-escaped) and more
# members after it.
good() {
	printf '{"conversion_action":"customers/1234567890/conversionActions/987","conversion_date_time":"2026-04-23 12:31:09+00:00","customer_id":"1234567890","order_id":"%s","gclid":"%s"%s}\n' "$1" "${3:-Cj0KCQjwabc}" "${2:-}"
}

# The lines of in.ndjson: 1 and 7 good (7 with a surrogate pair), 2-6 each
# with a lone surrogate somewhere.
bad_lines() {
	good 'A\ud83d\ude00'
	good 'A\ud800'
	good 'A\udc00'
	good 'A' ',"email":"SECRETPII\udbff@example.com"'
	good 'A' ',"\ud800x":1'
	good '\udc00\ud800'
	good 'B\uD83D\uDE00' '' Cj0KCQjwdef
}

@test "a lone surrogate escape is refused by every filter (bad_unicode_escape)" {
	local t
	bad_lines >in.ndjson
	for t in $FILTERS; do
		run --separate-stderr "$t" -R rej.ndjson in.ndjson
		is "$status" 1 "$t: exit status" || FAILS=$((FAILS + 1))
		# Each bad line is rejected with its line number, the code and
		# the column, and nothing of its text on stderr.
		is "$(jq -r '[.line, .code, (.raw != null)] | @tsv' rej.ndjson |
		    tr '\t' ' ' | paste -sd' ')" \
		    "2 bad_unicode_escape true 3 bad_unicode_escape true 4 bad_unicode_escape true 5 bad_unicode_escape true 6 bad_unicode_escape true" \
		    "$t: rejects" || FAILS=$((FAILS + 1))
		is "$(jq -r .raw rej.ndjson)" "$(sed -n 2,6p in.ndjson)" \
		    "$t: the lines verbatim in the rejects file" ||
		    FAILS=$((FAILS + 1))
		is "$(grep -c '^'"$t"': in.ndjson:[2-6]: lone surrogate in a \\u escape at column [0-9]* (bad_unicode_escape)$' <<<"$stderr")" 5 \
		    "$t: located messages" || FAILS=$((FAILS + 1))
		[[ $stderr != *SECRETPII* ]] ||
		    { echo "$t: PII on stderr" >&2; FAILS=$((FAILS + 1)); }
		[[ $stderr == *"$t: 7 in, 2 out, 5 rejected (5 bad_unicode_escape)"* ]] ||
		    { echo "$t: summary: $stderr" >&2; FAILS=$((FAILS + 1)); }
		# The surrogate pairs read as U+1F600, in both records.
		[[ $output == *$'"A\xf0\x9f\x98\x80"'* &&
		    $output == *$'"B\xf0\x9f\x98\x80"'* ]] ||
		    { echo "$t: no A and B with U+1F600: $output" >&2
		    FAILS=$((FAILS + 1)); }
	done
	checks_pass
}

@test "the two order IDs \"A\\ud800\" and \"A\\udc00\" do not become one" {
	{
		good 'A\ud800'
		good 'A\udc00'
	} >in.ndjson
	run --separate-stderr ac-normalize in.ndjson
	is "$status" 1
	is "$output" ""
	[[ $stderr == *"2 in, 0 out, 2 rejected (2 bad_unicode_escape)"* ]]
}

# After a write error the summary's "out" is the number of lines that
# reached the file whole. The file is limited to 20 KiB with "ulimit -f"
# (SIGXFSZ ignored): the write that reaches the limit is cut short and the
# next one fails with EFBIG, as on a full disk (ENOSPC), so the last line
# in the file is torn.
@test "after a write error the summary counts only the lines written whole" {
	local t i whole
	for ((i = 0; i < 400; i++)); do
		good "ORD-$i" ',"conversion_value":12.5,"currency_code":"EUR","note":"padding padding padding padding padding padding"'
	done >in.ndjson
	for t in ac-normalize ac-consent ac-hash ac-pick-clickid; do
		rm -f out
		run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 20 &&
		    exec "$0" in.ndjson >out' "$t"
		is "$status" 3 "$t: exit status" || FAILS=$((FAILS + 1))
		is "$(stat -c %s out)" 20480 "$t: the file is full" ||
		    FAILS=$((FAILS + 1))
		[[ $(tail -c 1 out | od -An -c) != *'\n'* ]] ||
		    { echo "$t: the last line is not torn" >&2; FAILS=$((FAILS + 1)); }
		whole=$(wc -l <out)
		[[ $stderr == *"$t: stdout: File too large"* ]] ||
		    { echo "$t: no write error: $stderr" >&2; FAILS=$((FAILS + 1)); }
		[[ $stderr == *"$t: "[0-9]*" in, $whole out, 0 rejected"*"; stopped early"* ]] ||
		    { printf '%s: want "%s out": %s\n' "$t" "$whole" \
		    "$stderr" >&2; FAILS=$((FAILS + 1)); }
	done
	checks_pass
}

@test "> /dev/full: 0 out" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	local t
	good A >in.ndjson
	good B >>in.ndjson
	for t in ac-normalize ac-consent ac-hash ac-pick-clickid; do
		run --separate-stderr bash -c 'exec "$0" in.ndjson >/dev/full' "$t"
		is "$status" 3 "$t: exit status" || FAILS=$((FAILS + 1))
		[[ $stderr == *"$t: 2 in, 0 out, 0 rejected"*"; stopped early"* ]] ||
		    { echo "$t: $stderr" >&2; FAILS=$((FAILS + 1)); }
	done
	checks_pass
}

# A JSON document given where NDJSON is read (issue 15): a pretty-printed
# file or an array. Every line is still rejected on its own; one extra line
# on stderr, once per file, says what the input is and what to run.

@test "a pretty-printed array: every line rejected, one hint naming file:1" {
	local t n
	jq . <<<'[{"order_id":"P-1","email":"SECRETPII@example.com"},{"order_id":"P-2","phone":"+15555550123"}]' >orders.json
	n=$(grep -c . orders.json)
	for t in $FILTERS; do
		run --separate-stderr "$t" -R rej.ndjson orders.json
		is "$status" 1 "$t: exit status" || FAILS=$((FAILS + 1))
		is "$output" "" "$t: stdout" || FAILS=$((FAILS + 1))
		is "$(grep -c . rej.ndjson)" "$n" "$t: one reject per line" ||
		    FAILS=$((FAILS + 1))
		is "$(jq -r .code rej.ndjson | sort -u)" bad_json "$t: codes" ||
		    FAILS=$((FAILS + 1))
		is "$(grep -c 'the input is' <<<"$stderr")" 1 "$t: hints" ||
		    FAILS=$((FAILS + 1))
		is "$(grep 'the input is' <<<"$stderr")" \
		    "$t: orders.json:1: the input is a JSON array over several lines (pretty-printed), not one object per line: each of its lines is rejected; run jq -c '.[]' on it first, or the map for its system (ac-maps(7))" \
		    "$t: hint" || FAILS=$((FAILS + 1))
		[[ $stderr != *SECRETPII* && $stderr != *5550123* && $stderr != *P-1* ]] ||
		    { echo "$t: a value on stderr" >&2; FAILS=$((FAILS + 1)); }
		[[ $stderr == *"$t: $n in, 0 out, $n rejected ($n bad_json)"* ]] ||
		    { echo "$t: summary: $stderr" >&2; FAILS=$((FAILS + 1)); }
	done
	checks_pass
}

@test "pretty-printed objects (jq . without -c): hint to run jq -c ." {
	local t
	printf '{"order_id":"P-1"}\n{"order_id":"P-2"}\n' | jq . >in.json
	for t in $FILTERS; do
		run --separate-stderr "$t" -q in.json
		is "$status" 1 "$t: exit status" || FAILS=$((FAILS + 1))
		# shown under -q too: it explains the count that follows
		is "$stderr" "$t: in.json:1: the input is JSON over several lines (pretty-printed), not one object per line: each of its lines is rejected; run jq -c . on it first, or the map for its system (ac-maps(7))
$t: 6 of 6 records rejected" "$t: stderr" || FAILS=$((FAILS + 1))
	done
	checks_pass
}

@test "an envelope opened on the first line ({\"orders\": [) gets the hint" {
	printf '{"orders": [\n  {"id": 1}\n]}\n' >orders.json
	run --separate-stderr ac-normalize -q orders.json
	is "$status" 1
	[[ ${stderr_lines[0]} == "ac-normalize: orders.json:1: the input is JSON over several lines (pretty-printed)"* ]]
}

@test "a JSON array on one line: rejected whole (not_object), hint jq -c '.[]'" {
	local t
	{ echo '[{"order_id":"P-1","email":"SECRETPII@example.com"}]'
	  good G-1; } >in.ndjson
	for t in $FILTERS; do
		run --separate-stderr "$t" -R rej.ndjson in.ndjson
		is "$status" 1 "$t: exit status" || FAILS=$((FAILS + 1))
		is "$(jq -r '"\(.line) \(.code) \(.record | type)"' rej.ndjson)" \
		    "1 not_object array" "$t: rejects" || FAILS=$((FAILS + 1))
		is "$(grep 'the input is' <<<"$stderr")" \
		    "$t: in.ndjson:1: the input is a JSON array, not one object per line: it is rejected whole; run jq -c '.[]' on it first, or the map for its system (ac-maps(7))" \
		    "$t: hint" || FAILS=$((FAILS + 1))
		[[ $stderr != *SECRETPII* ]] ||
		    { echo "$t: PII on stderr" >&2; FAILS=$((FAILS + 1)); }
		[[ $stderr == *"$t: 2 in, 1 out, 1 rejected (1 not_object)"* ]] ||
		    { echo "$t: summary: $stderr" >&2; FAILS=$((FAILS + 1)); }
	done
	checks_pass
}

@test "the hint: only for the first line of each file, once per file" {
	# The first non-blank line counts; a "[" later in a file is a bad
	# line like any other.
	{ echo; echo '  [  '; echo '1'; } >a.json
	{ good G-1; echo '['; echo '{'; } >b.ndjson
	printf '{\n}\n' >c.json
	run --separate-stderr ac-hash a.json b.ndjson c.json
	is "$status" 1
	is "$(grep 'the input is' <<<"$stderr" | cut -d: -f2-3)" " a.json:2
 c.json:1"
	is "$(grep -c '(bad_json)$\|(not_object)$' <<<"$stderr")" 6
}

@test "an empty array on the first line: rejected (not_object), no hint" {
	printf '[ ]\n' >in.ndjson
	run --separate-stderr ac-normalize in.ndjson
	is "$status" 1
	[[ $stderr != *"the input is"* ]]
}

#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --stats FILE of the record filters (lib/stage): the counts of a run as
# one JSON object, the same numbers as the summary on stderr, for
# monitoring without parsing stderr (issue 15).

load helper

F=$BATS_TEST_DIRNAME/fixtures

# summary_of ERR: "IN OUT REJECTED WARNINGS" from a tool's summary line.
summary_of() {
	sed -n 's/^[a-z-]*: \([0-9]*\) in, \([0-9]*\) out, \([0-9]*\) rejected.*; \([0-9]*\) warning.*/\1 \2 \3 \4/p' "$1" | head -n 1
}

# check_stats TOOL STATUS: stats.json agrees with the run and with itself.
check_stats() {
	local tool=$1 status=$2
	jq -e --arg t "$tool" --argjson x "$status" '
	    .stage == $t and .exit == $x and
	    .in == .out + .rejected and
	    .rejected == ([.rejected_by_code[]] | add // 0) and
	    .warnings == ([.warnings_by_code[]] | add // 0) and
	    .stopped_early == false and .files == ["in.ndjson"]' stats.json \
	    >/dev/null || { echo "$tool: $(cat stats.json)" >&2; return 1; }
	is "$(jq -r '"\(.in) \(.out) \(.rejected) \(.warnings)"' stats.json)" \
	    "$(summary_of err)" "$tool: the numbers of the summary"
	is "$(wc -l <stats.json | tr -d ' ')" 1 "$tool: one line"
}

@test "every record filter writes its counts with --stats, matching the summary" {
	local st
	cp "$F/ac-normalize/mixed.in" in.ndjson
	st=0; ac-normalize -S stats.json -R rej.ndjson in.ndjson >out 2>err || st=$?
	is "$st" 1
	check_stats ac-normalize 1
	is "$(jq -c .rejected_by_code.bad_json stats.json)" 2 "bad_json counted"
	# Each later stage on what the one before wrote.
	cp out in.ndjson
	st=0; ac-consent --stats stats.json -E EEA in.ndjson >out 2>err || st=$?
	check_stats ac-consent "$st"
	cp out in.ndjson
	st=0; ac-hash -S stats.json in.ndjson >out 2>err || st=$?
	check_stats ac-hash "$st"
	cp out in.ndjson
	st=0; ac-pick-clickid -S stats.json in.ndjson >out 2>err || st=$?
	check_stats ac-pick-clickid "$st"
	is "$(jq -c .rejected_by_code stats.json)" '{"unattributable":4}' "what was rejected"
}

@test "ac-batch adds the number of requests; out counts rows" {
	cp "$F/ac-batch/golden.in" in.ndjson
	st=0; ac-batch -S stats.json in.ndjson >out 2>err || st=$?
	check_stats ac-batch "$st"
	is "$(jq .requests stats.json)" "$(wc -l <out | tr -d ' ')" "requests"
	is "$(jq .out stats.json)" "$(jq -s 'map(.rows | length) | add' out)" "rows"
}

@test "--stats: a file that cannot be written, or is an input, stops the run before any output" {
	rec '' >in.ndjson
	for t in ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch; do
		run --separate-stderr "$t" -S nodir/stats.json in.ndjson
		is "$status" 3 "$t: exit"
		is "$output" "" "$t: no output"
		[[ $stderr == "$t: stats file nodir/stats.json: No such file or directory" ]] ||
			{ echo "$t: $stderr" >&2; return 1; }
		run --separate-stderr "$t" -S in.ndjson in.ndjson
		is "$status" 3 "$t: exit, an input"
		[[ $stderr == "$t: stats file in.ndjson: it is also an input" ]] ||
			{ echo "$t: $stderr" >&2; return 1; }
	done
}

@test "--stats on stdin names it, and a run with nothing in writes zeros" {
	ac-normalize -S stats.json </dev/null >out 2>err
	is "$(jq -c '[.in, .out, .rejected, .warnings, .files, .exit]' stats.json)" \
	    '[0,0,0,0,["<stdin>"],0]'
}

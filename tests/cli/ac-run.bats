#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-run against tests/mock/gads.py: a good run (layout of the data and run
# directories, stats, status.ndjson), a failed upload then a re-run (dead
# letters sent again and cleared, nothing sent twice thanks to the journal),
# a stage that fails, setup errors (exit 3), usage errors (exit 2), and no
# personal data or token on stderr. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C bats tests/cli/ac-run.bats

load helper

TOKEN=ac-test-access-token-RunN1ght
ACTIONS=987654321,987655321,987656321
# The example orders are from April 2026: "now" is 2026-05-03 12:00:00Z.
NOW=1777809600
# Orders of the examples that every stage keeps and the emulator accepts.
GOOD='ORD-2026-0001|ORD-2026-0002|10003|ORD-2026-0007|ORD-2026-0009'
# A value planted in the example orders, never to be seen on stderr.
PII=Cloudy.SanFrancisco

setup_file() {
	export EMU_DIR=$BATS_FILE_TMPDIR/emu
	emu_start "$EMU_DIR" --access-token "$TOKEN" --actions "$ACTIONS" ||
	    return 1
	EMU=$(emu_url "$EMU_DIR")
	export EMU
}

teardown_file() {
	emu_stop "$EMU_DIR"
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
	unset AC_RUN_DIR AC_ENDPOINT AC_API
	export AC_ACCESS_TOKEN=$TOKEN AC_RETRY_BASE_MS=20 AC_NOW=$NOW
	emu_admin POST reset >/dev/null
	emu_admin POST clock "{\"offset\": $((NOW - $(date +%s)))}" >/dev/null
	grep -E "\"order_id\":\"?($GOOD)\"?," \
	    "$AC_SHAREDIR/examples/orders.ndjson" >good.ndjson
	cp "$AC_SHAREDIR/examples/orders.ndjson" orders.ndjson
}

teardown() {
	if grep -qaF "$TOKEN" "$EMU_DIR/log.ndjson" 2>/dev/null ||
	    [[ ${output:-} == *"$TOKEN"* || ${stderr:-} == *"$TOKEN"* ]]; then
		echo "the access token was written somewhere" >&2
		return 1
	fi
	if [[ ${stderr:-} == *"$PII"* || ${output:-} == *"$PII"* ]]; then
		echo "personal data on stderr" >&2
		return 1
	fi
}

acrun() {
	run --separate-stderr ac-run -d data -z Europe/Berlin -E EEA \
	    --endpoint "$EMU" "$@"
}

# created: the conversions the emulator created, over all runs.
created() {
	emu_admin GET ledger |
	    jq '[.conversions[] | select(.effect == "created")] | length'
}

@test "-h prints usage on stdout and exits 0; usage errors exit 2" {
	run --separate-stderr ac-run -h
	is "$status" 0
	[[ $output == "usage: ac-run "* ]]
	run --separate-stderr ac-run -V
	is "$status" 0
	[[ $output == "ac-run "* ]]
	for args in "" "--bogus x" "-x x" "-d" "--api" "--api other x" \
	    "--doctor=1 x" "-z"; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-run $args
		is "$status" 2 "ac-run $args" || return 1
		[[ $stderr == *"usage: ac-run "* ]]
		[[ -z $output ]]
	done
	[[ ! -e ac-runs ]]
}

@test "a good run: exit 0, the run directory, stats and status.ndjson" {
	acrun good.ndjson
	is "$status" 0 "exit status; stderr: $stderr"
	[[ $stderr == "ac-run: data/runs/"*": 5 records, 0 rejected by the stages, 5 delivered,"*"0 dead letters left; exit 0" ]]
	[[ -z $output ]]
	run_dirs=(data/runs/*)
	is "${#run_dirs[@]}" 1
	r=${run_dirs[0]}
	[[ ${r##*/} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z$ ]]
	for s in ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch; do
		is "$(jq -r .stage "$r/stats.$s.json")" "$s"
		is "$(jq .exit "$r/stats.$s.json")" 0 "$s exit"
		[[ -f $r/rejects.$s.ndjson && ! -s $r/rejects.$s.ndjson ]]
	done
	is "$(jq .in "$r/stats.ac-normalize.json")" 5
	is "$(jq -s 'map(.rows | length) | add' "$r/requests.ndjson")" 5
	is "$(jq -r .status "$r/results.ndjson" | sort | uniq -c | tr -s ' ')" " 5 accepted"
	[[ -f $r/dead-letter.ndjson && ! -s $r/dead-letter.ndjson ]]
	is "$(jq -c '[.delivered, .dead_letters_left, .exit]' "$r/summary.json")" "[5,0,0]"
	[[ -s data/journal.ndjson ]]
	[[ -f data/dead-letter.ndjson && ! -s data/dead-letter.ndjson ]]
	[[ ! -e data/lock ]]
	is "$(wc -l <data/status.ndjson)" 5
	is "$(jq -r .status data/status.ndjson | sort -u)" accepted
	is "$(jq -r .run data/status.ndjson | sort -u)" "${r##*/}"
	is "$(jq -r .key data/status.ndjson | sort -u | wc -l)" 5
	is "$(jq -r 'select(.order_id == "ORD-2026-0001") | .key' data/status.ndjson)" \
	    "1234567890|customers/1234567890/conversionActions/987654321|click||order:ORD-2026-0001||"
	# files of the data directory are the owner's alone
	is "$(stat -c %a "$r/requests.ndjson" data/status.ndjson | sort -u)" 600
	is "$(created)" 5

	# the same input again: nothing sent twice, statuses kept
	acrun good.ndjson
	is "$status" 0
	[[ $stderr == *" 0 delivered,"*" 5 skipped as sent before,"* ]]
	is "$(created)" 5
	is "$(wc -l <data/status.ndjson)" 5
	is "$(jq -r .status data/status.ndjson | sort -u)" accepted
	run_dirs=(data/runs/*)
	is "${#run_dirs[@]}" 2
}

@test "rejected records and refused rows exit 1; the rejects are in the run directory" {
	acrun orders.ndjson
	is "$status" 1
	r=$(echo data/runs/*)
	is "$(jq -r .code "$r/rejects.ac-pick-clickid.ndjson" | sort -u)" unattributable
	is "$(jq -r .code "$r/rejects.ac-batch.ndjson")" duplicate_order_id
	[[ $stderr == *" 7 rejected by the stages,"*" 6 delivered, 1 refused by the API,"*"; exit 1" ]]
	is "$(jq -r 'select(.status == "rejected") | .order_id' data/status.ndjson)" ORD-2026-0013
}

@test "a failed upload leaves dead letters and exits 75; the re-run sends them, clears them and exits 0" {
	emu_admin POST faults '[{"kind":"unavailable","endpoint":"datamanager","count":100}]' >/dev/null
	AC_RUN_UPLOAD_OPTS="--retries 1" acrun good.ndjson
	is "$status" 75 "exit status; stderr: $stderr"
	[[ $stderr == *"ac-run: ac-upload: stopped, to be retried later (exit status 75)"* ]]
	[[ $stderr == *" 0 delivered,"*" 5 failed,"*"; exit 75" ]]
	is "$(jq -s 'map(.rows | length) | add' data/dead-letter.ndjson)" 5
	is "$(jq -r .status data/status.ndjson | sort -u)" failed
	is "$(created)" 0
	emu_admin DELETE faults >/dev/null

	# the next night: no new orders, the dead letters go
	: >empty.ndjson
	acrun empty.ndjson
	is "$status" 0 "exit status; stderr: $stderr"
	[[ $stderr == *": 0 records, 0 rejected by the stages, 5 delivered,"*" 0 dead letters left; exit 0" ]]
	[[ -f data/dead-letter.ndjson && ! -s data/dead-letter.ndjson ]]
	is "$(created)" 5
	is "$(wc -l <data/status.ndjson)" 5
	is "$(jq -r .status data/status.ndjson | sort -u)" accepted

	# and the orders once more: skipped, nothing sent twice
	acrun good.ndjson
	is "$status" 0
	[[ $stderr == *" 5 skipped as sent before,"* ]]
	is "$(created)" 5
}

@test "refused credentials exit 3 and keep the requests for the next run" {
	AC_ACCESS_TOKEN=not-the-token acrun good.ndjson
	is "$status" 3
	[[ $stderr == *"ac-run: ac-upload failed (exit status 3)"* ]]
	is "$(jq -s 'map(.rows | length) | add' data/dead-letter.ndjson)" 5
	acrun empty-is-missing.ndjson
	is "$status" 3
	: >empty.ndjson
	acrun empty.ndjson
	is "$status" 0 "stderr: $stderr"
	is "$(created)" 5
	[[ ! -s data/dead-letter.ndjson ]]
}

@test "a stage that fails stops the run, naming it, before any upload" {
	acrun -z Not/AZone good.ndjson
	is "$status" 3
	[[ $stderr == "ac-run: ac-normalize failed (exit status "* ]]
	[[ ! -e data/results.ndjson ]]
	r=$(echo data/runs/*)
	[[ ! -e $r/results.ndjson ]]
	is "$(created)" 0
	AC_RUN_BATCH_OPTS="--size 0" acrun good.ndjson
	is "$status" 3
	[[ $stderr == "ac-run: ac-batch failed (exit status 2)"* ]]
}

@test "a missing input or a broken data directory exits 3 with nothing sent" {
	acrun missing.ndjson
	is "$status" 3
	is "$stderr" "ac-run: input missing.ndjson: No such file or directory"
	mkdir adir
	acrun adir
	is "$status" 3
	: >data
	acrun good.ndjson
	is "$status" 3
	is "$stderr" "ac-run: data directory data: Not a directory"
	rm data
	mkdir -p data/journal.ndjson
	acrun good.ndjson
	is "$status" 3
	[[ $stderr == *"journal.ndjson is not a readable and writable file" ]]
	rmdir data/journal.ndjson
	echo 'not json' >data/status.ndjson
	acrun good.ndjson
	is "$status" 3
	[[ $stderr == *"status.ndjson is not NDJSON of objects" ]]
	rm data/status.ndjson
	echo garbage >data/journal.ndjson
	acrun good.ndjson
	is "$status" 3
	is "$(created)" 0
	rm data/journal.ndjson
	# a run in progress holds the lock
	mkdir data/lock
	sleep 30 &
	echo $! >data/lock/pid
	acrun good.ndjson
	is "$status" 3
	[[ $stderr == *"in use by process"* ]]
	kill $!
	wait $! 2>/dev/null || true
	# a lock left by a process that is gone is taken over
	acrun good.ndjson
	is "$status" 0
	is "$(created)" 5
}

@test "--doctor and --report: the preflight and the report of the run" {
	acrun --doctor --report good.ndjson
	is "$status" 0 "stderr: $stderr"
	r=$(echo data/runs/*)
	[[ -s $r/doctor.ndjson ]]
	is "$(jq -r 'select(.severity == "error")' "$r/doctor.ndjson")" ""
	[[ -s $r/status.ndjson && -s $r/report.ndjson ]]
	[[ -s data/report.ndjson ]]
	# an action that does not exist: the doctor's error needs a person
	acrun --doctor orders.ndjson
	is "$status" 1
	[[ $stderr == *"ac-run: ac-doctor: exit status 3"* ]]
}

@test "AC_RUN_DIR names the data directory; stage options from the environment" {
	export AC_RUN_DIR=$BATS_TEST_TMPDIR/elsewhere
	AC_RUN_PICK_CLICKID_OPTS="-i fallback" run --separate-stderr ac-run \
	    --endpoint "$EMU" -z Europe/Berlin good.ndjson
	is "$status" 0 "stderr: $stderr"
	[[ -s elsewhere/status.ndjson && ! -e ac-runs && ! -e data ]]
}

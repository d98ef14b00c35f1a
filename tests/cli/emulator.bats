#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-emulator (issue 15, rehearsal): the emulator installed with the tools,
# run under its own name, serving a whole run offline.

load helper

export AC_NOW=1793000000	# 2026-10-26

@test "ac-emulator serves the pipeline: a click uploaded and accepted" {
	ac-emulator --port-file port --access-token rehearsal-token \
	    --actions 4242 </dev/null >emu.out 2>&1 3>&- &
	local pid=$! i
	for ((i = 0; i < 200; i++)); do
		[[ -s port ]] && break
		sleep 0.05
	done
	[[ -s port ]] || { kill "$pid"; cat emu.out >&2; return 1; }
	printf '%s\n' '{"order_id":"R-1","customer_id":"1234567890","conversion_action_id":"4242","conversion_date_time":"2026-10-20T10:00:00Z","gclid":"Cj0KCQjwRehearsal001"}' >in.ndjson
	ac-normalize -q in.ndjson | ac-pick-clickid -q | ac-batch -q |
	    AC_ACCESS_TOKEN=rehearsal-token ac-upload -q \
	    --endpoint "http://127.0.0.1:$(cat port)" >results.ndjson
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	is "$(jq -r .status results.ndjson)" accepted
}

@test "ac-emulator -h: the usage under its own name; a bad option exits 2" {
	run --separate-stderr ac-emulator -h
	is "$status" 0
	[[ ${lines[0]} == "usage: ac-emulator [-h] [--port PORT] "* ]] ||
		{ echo "usage: ${lines[0]}" >&2; return 1; }
	run --separate-stderr ac-emulator --no-such-option
	is "$status" 2
}

@test "make install puts ac-emulator and the emulator under PREFIX, and the installed one runs" {
	[[ -z ${AC_BINDIR:-} ]] || skip "testing an installed tree"
	# The PREFIX the tree was built with (compiled in: another one would
	# rebuild the tree under test), staged under DESTDIR.
	local prefix
	prefix=$(sed -n 's/^#define AC_DATADIR "\(.*\)\/share\/ac"$/\1/p' "$AC_ROOT/lib/datadir.h")
	[[ -n $prefix ]] || skip "lib/datadir.h not found"
	make -C "$AC_ROOT" -s install DESTDIR="$BATS_TEST_TMPDIR/stage" \
	    PREFIX="$prefix" >/dev/null
	local root=$BATS_TEST_TMPDIR/stage$prefix
	[[ -x $root/bin/ac-emulator && -r $root/share/ac/emulator/gads.py &&
	    -r $root/share/ac/emulator/gaql.py ]] ||
		{ echo "not installed: $(find "$BATS_TEST_TMPDIR/stage" | head -20)" >&2; return 1; }
	run --separate-stderr "$root/bin/ac-emulator" -h
	is "$status" 0
	# the installed tools find their data beside them, whatever PREFIX
	env -u AC_SHAREDIR "$root/bin/ac-normalize" -q </dev/null
}

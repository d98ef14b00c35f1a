# SPDX-License-Identifier: MIT
# Shared set-up for the CLI tests (STYLE.md §10). Loaded by every .bats file
# with "load helper".
#
# The tests run against the build tree (bin/) unless AC_BINDIR names a
# directory of installed tools, so the same tests check an installation:
#	AC_BINDIR=/usr/local/bin prove -e bats tests/cli/*.bats

bats_require_minimum_version 1.5.0

AC_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
AC_BIN=${AC_BINDIR:-$AC_ROOT/bin}
PATH=$AC_BIN:$PATH
export PATH

# The process locale must never matter: Unicode case mapping is utf8proc's.
export LC_ALL=C
# The data files (regions, placeholders, ...) of this tree unless told.
export AC_SHAREDIR=${AC_SHAREDIR:-$AC_ROOT/share/ac}
# A fixed clock, 2026-09-21 14:13:20 UTC, so "in the future" never depends
# on today's date (man/ac.7: AC_NOW is for tests only).
export AC_NOW=1790000000
# Times render in UTC unless a test gives --timezone.
unset TZ
# No credentials or token cache of whoever runs the tests: a home of the
# run's own, and none of Google's client-library variables.
export HOME=$BATS_RUN_TMPDIR/home
export XDG_CACHE_HOME=$HOME/.cache XDG_CONFIG_HOME=$HOME/.config
unset AC_REFRESH_TOKEN_FILE AC_TOKEN_URI AC_AUTH_URI
for _v in $(compgen -v GOOGLE_ADS_); do unset "$_v"; done
unset _v

FIXTURES=$BATS_TEST_DIRNAME/fixtures

# Every test runs in its own empty directory, so file names in messages are
# short and predictable ("in.ndjson:3: ...").
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	FAILS=0
}

# Checks made with expect() do not stop at the first failure, so one run
# lists every wrong case; each test that uses them ends with checks_pass.
# A test that forgets it still fails here.
teardown() {
	if [[ ${FAILS:-0} -ne 0 && -z ${CHECKS_REPORTED:-} ]]; then
		echo "$FAILS check(s) failed (see above)" >&2
		return 1
	fi
}

checks_pass() {
	CHECKS_REPORTED=1
	if [[ $FAILS -ne 0 ]]; then
		echo "$FAILS check(s) failed (see above)" >&2
		return 1
	fi
}

# is ACTUAL EXPECTED [WHAT]: string equality with a readable failure.
is() {
	if [[ "$1" != "$2" ]]; then
		printf '%s\n  expected: %s\n  actual:   %s\n' "${3:-mismatch}" \
		    "$2" "$1" >&2
		return 1
	fi
}

# A record the tool accepts: the base fields every conversion needs. A test
# adds the fields it is about after them.
BASE='"conversion_action":"customers/1234567890/conversionActions/987","conversion_date_time":"2026-04-23T12:31:09Z"'

# rec FRAGMENT: print one NDJSON line, {BASE,FRAGMENT}. A test may change
# BASE (even to empty) for the fields it is about.
rec() {
	local sep=
	[[ -n $BASE && -n $1 ]] && sep=,
	printf '{%s%s%s}\n' "$BASE" "$sep" "$1"
}

# run_rec FRAGMENT [OPTION...]: run ac-normalize on the one record {BASE,
# FRAGMENT} read from the file in.ndjson; sets $status, $output, $stderr.
run_rec() {
	local frag=$1
	shift
	rec "$frag" >in.ndjson
	run --separate-stderr ac-normalize "$@" in.ndjson
}

# run_line LINE [OPTION...]: the same for a literal input line.
run_line() {
	local line=$1
	shift
	printf '%s\n' "$line" >in.ndjson
	run --separate-stderr ac-normalize "$@" in.ndjson
}

# val KEY: the value of KEY in the (single) output record, as compact JSON;
# "null" when the key is absent.
val() {
	jq -c --arg k "$1" '.[$k]' <<<"$output"
}

# has KEY: "true" when the output record has KEY.
has() {
	jq -c --arg k "$1" 'has($k)' <<<"$output"
}

# warns: the record's warnings as "field:code" words, in order.
warns() {
	jq -r '[(.ac_warnings // [])[] | .field + ":" + .code] | join(" ")' \
	    <<<"$output"
}

# expect FRAGMENT KEY WANT [OPTION...]: normalizing {BASE,FRAGMENT} gives
# KEY the value WANT (compact JSON, or "absent"), with exit status 0 and
# no warning about KEY. Counts a failure instead of stopping.
expect() {
	local frag=$1 key=$2 want=$3 got
	shift 3
	run_rec "$frag" "$@"
	got=$(val "$key")
	if [[ $want == absent && $(has "$key") == false ]]; then
		got=absent
	fi
	if [[ $status -ne 0 || "$got" != "$want" ]] ||
	    [[ " $(warns) " == *" $key:"* ]]; then
		printf 'FAIL %s\n  input:    {%s}\n  options:  %s\n' "$key" \
		    "$frag" "${*:-(none)}" >&2
		printf '  expected: %s\n  actual:   %s (exit %s)\n' "$want" \
		    "$got" "$status" >&2
		printf '  warnings: %s\n  stderr:   %s\n' "$(warns)" "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# expect_drop FRAGMENT KEY CODE [OPTION...]: normalizing {BASE,FRAGMENT}
# removes KEY, keeps the record (exit 0), adds the warning
# {stage:"ac-normalize", field:KEY, code:CODE} and says so on stderr as
# "ac-normalize: in.ndjson:1: KEY: ... (CODE)".
expect_drop() {
	local frag=$1 key=$2 code=$3 problem=''
	shift 3
	run_rec "$frag" "$@"
	if [[ $status -ne 0 ]]; then
		problem="exit $status"
	elif [[ $(has "$key") != false ]]; then
		problem="$key kept as $(val "$key")"
	elif ! jq -e --arg f "$key" --arg c "$code" '.ac_warnings |
	    index([{stage: "ac-normalize", field: $f, code: $c}]) != null' \
	    <<<"$output" >/dev/null; then
		problem="no warning $key:$code (warnings: $(warns))"
	elif ! grep -qF "ac-normalize: in.ndjson:1: $key: " <<<"$stderr" ||
	    ! grep -qF "($code)" <<<"$stderr"; then
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

# expect_reject FRAGMENT CODE FIELD [OPTION...]: normalizing {BASE,FRAGMENT}
# rejects the record: nothing on stdout, exit 1, a rejects-file line with
# CODE and FIELD and the record as read, and a located message on stderr.
expect_reject() {
	local frag=$1 code=$2 field=$3 problem='' line
	shift 3
	rec "$frag" >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson "$@" in.ndjson
	line=$(rec "$frag")
	if [[ $status -ne 1 ]]; then
		problem="exit $status"
	elif [[ -n $output ]]; then
		problem="record written to stdout"
	elif ! jq -e --arg c "$code" --arg f "$field" --argjson r "$line" '
	    .stage == "ac-normalize" and .file == "in.ndjson" and
	    .line == 1 and .code == $c and .field == $f and
	    (.message | type == "string" and length > 0) and .record == $r' \
	    rej.ndjson >/dev/null; then
		problem="rejects file: $(cat rej.ndjson)"
	elif ! grep -qF "ac-normalize: in.ndjson:1: $field: " <<<"$stderr" ||
	    ! grep -qF "($code)" <<<"$stderr"; then
		problem="no located message on stderr"
	fi
	if [[ -n $problem ]]; then
		printf 'FAIL should reject with %s (%s)\n  input:   {%s}\n' \
		    "$code" "$field" "$frag" >&2
		printf '  options: %s\n  problem: %s\n  output:  %s\n' \
		    "${*:-(none)}" "$problem" "$output" >&2
		printf '  stderr:  %s\n' "$stderr" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# fixture CASE [OPTION...]: run ac-normalize on fixtures/ac-normalize/CASE.in
# (copied here as CASE.in) and compare stdout with CASE.out byte for byte.
# Leaves $status, and the streams in out and err.
fixture() {
	local case=$1
	shift
	cp "$FIXTURES/ac-normalize/$case.in" "$case.in"
	status=0
	ac-normalize "$@" "$case.in" >out 2>err || status=$?
	if ! diff -u "$FIXTURES/ac-normalize/$case.out" out >&2; then
		echo "stdout differs from $case.out (stderr follows)" >&2
		cat err >&2
		return 1
	fi
}

# tools: the ac-* programs under test, one per line.
tools() {
	local f
	for f in "$AC_BIN"/ac-*; do
		[[ -x $f && -f $f ]] && basename "$f"
	done
}

# The emulator of the Google Ads API (tests/mock/gads.py), for the network
# tools' tests. emu_start DIR [OPTION...] starts it on a free loopback port
# with its port file, log (log.ndjson) and output (emu.out) in DIR and
# returns once it listens (at most 10 s); emu_url DIR is its base URL;
# emu_stop DIR stops it (TERM, then KILL after 5 s); emu_admin METHOD PATH
# [JSON] calls the /__admin API of the emulator at $EMU.
emu_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	rm -f "$dir/port"
	python3 "$AC_ROOT/tests/mock/gads.py" --port 0 --port-file "$dir/port" \
	    --log "$dir/log.ndjson" "$@" </dev/null >"$dir/emu.out" 2>&1 3>&- &
	echo $! >"$dir/pid"
	for ((i = 0; i < 200; i++)); do
		[[ -s $dir/port ]] && return 0
		if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
			cat "$dir/emu.out" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "gads.py wrote no port file" >&2
	return 1
}

emu_url() {
	echo "http://127.0.0.1:$(cat "$1/port")"
}

emu_stop() {
	local pid i
	[[ -f $1/pid ]] || return 0
	pid=$(cat "$1/pid")
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
}

emu_admin() {
	curl -sf -X "$1" -H 'content-type: application/json' \
	    ${3:+--data "$3"} "$EMU/__admin/$2"
}

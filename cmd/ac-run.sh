#!/bin/sh
# SPDX-License-Identifier: MIT
# ac-run: one nightly upload, the whole pipeline
#	ac-normalize | ac-consent | ac-hash | ac-pick-clickid | ac-batch
# then ac-upload, with ac-doctor before and ac-status and ac-report after
# when asked.  Reads records (NDJSON) from the FILE operands.  Keeps under
# the data directory DIR a journal (never send twice), the dead letters of
# earlier runs (sent again first, cleared once delivered), status.ndjson
# (the latest status of each conversion across runs) and one directory per
# run with every stage's rejects and counts, the request lines, the results
# and the dead letters.  Exit 0 when everything was delivered, 1 when
# something needs a person, 75 to retry later, 3 on setup errors, 2 usage.
# POSIX sh; needs jq.  Never prints a record's values or a token.

PROG=ac-run
VERSION=@AC_VERSION@

usage() {
	cat <<'EOF'
usage: ac-run [-hqV] [-d DIR] [-E REGIONS] [-z ZONE] [--api API] [--doctor] [--endpoint URL] [--report] FILE ...
  -d, --dir DIR                   keep the journal, dead letters, status and runs
                                  in DIR (default $AC_RUN_DIR, else ./ac-runs)
  -E, --require-explicit REGIONS  ac-consent: missing consent is DENIED in REGIONS
      --api API                   datamanager (default) or googleads
      --doctor                    run ac-doctor before the upload
      --endpoint URL              base URL of both APIs (default $AC_ENDPOINT)
  -h, --help                      show this help
  -q, --quiet                     no summary line when everything was delivered
      --report                    run ac-status and ac-report after the upload
  -V, --version                   show the version
  -z, --timezone ZONE             ac-normalize: render times in ZONE
EOF
}

# die STATUS MESSAGE: a one-line message on stderr, exit STATUS.
die() {
	printf '%s: %s\n' "$PROG" "$2" >&2
	exit "$1"
}

usage_error() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	usage >&2
	exit 2
}

# --- options ---------------------------------------------------------------
dir=${AC_RUN_DIR:-./ac-runs}
regions='' zone='' api='' doctor='' endpoint='' report='' quiet=''
while [ $# -gt 0 ]; do
	opt=$1 arg='' has=''
	case $opt in
	--) shift; break ;;
	--*=*) arg=${opt#*=} opt=${opt%%=*} has=1 ;;
	-[dEz]?*) arg=${opt#-?} opt=${opt%"$arg"} has=1 ;;
	-[hqV][hqV]*)
		# Grouped flags: -qV is -q -V.
		rest=${opt#-?}
		shift
		set -- "${opt%"$rest"}" "-$rest" "$@"
		continue ;;
	-?*) ;;
	*) break ;;
	esac
	case $opt in
	-d|--dir|-E|--require-explicit|-z|--timezone|--api|--endpoint)
		if [ -z "$has" ]; then
			[ $# -ge 2 ] || usage_error "option $opt needs an argument"
			arg=$2
			shift
		fi
		[ -n "$arg" ] || usage_error "option $opt needs a non-empty argument" ;;
	-h|--help|-q|--quiet|-V|--version|--doctor|--report)
		[ -z "$has" ] || usage_error "option $opt takes no argument" ;;
	*) usage_error "unknown option $opt" ;;
	esac
	shift
	case $opt in
	-d|--dir) dir=$arg ;;
	-E|--require-explicit) regions=$arg ;;
	-z|--timezone) zone=$arg ;;
	--api)
		case $arg in
		datamanager|googleads) api=$arg ;;
		*) usage_error "--api: expected datamanager or googleads" ;;
		esac ;;
	--endpoint) endpoint=$arg ;;
	--doctor) doctor=1 ;;
	--report) report=1 ;;
	-q|--quiet) quiet=1 ;;
	-h|--help) usage; exit 0 ;;
	-V|--version) echo "$PROG $VERSION"; exit 0 ;;
	esac
done
[ $# -ge 1 ] || usage_error "no input FILE"

# --- acquire everything before the first stage -----------------------------
# Every file written here may hold personal data or request lines: mode 0600.
umask 077
# The per-stage options of AC_RUN_*_OPTS are split into words, never globbed.
set -f

command -v jq >/dev/null 2>&1 || die 3 "jq not found on PATH"
for t in ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch ac-upload; do
	command -v "$t" >/dev/null 2>&1 || die 3 "$t not found on PATH"
done
[ -z "$doctor" ] || command -v ac-doctor >/dev/null 2>&1 ||
    die 3 "ac-doctor not found on PATH"
[ -z "$report" ] || { command -v ac-status >/dev/null 2>&1 &&
    command -v ac-report >/dev/null 2>&1; } ||
    die 3 "ac-status or ac-report not found on PATH"

for f in "$@"; do
	[ "$f" = - ] && continue
	if [ -d "$f" ]; then
		die 3 "input $f: Is a directory"
	elif [ ! -e "$f" ]; then
		die 3 "input $f: No such file or directory"
	elif [ ! -r "$f" ]; then
		die 3 "input $f: Permission denied"
	fi
done

if [ -e "$dir" ] && [ ! -d "$dir" ]; then
	die 3 "data directory $dir: Not a directory"
fi
mkdir -p "$dir/runs" 2>/dev/null || die 3 "data directory $dir: cannot create $dir/runs"
{ [ -w "$dir" ] && [ -w "$dir/runs" ]; } || die 3 "data directory $dir: Permission denied"
journal=$dir/journal.ndjson
pending=$dir/dead-letter.ndjson
state=$dir/status.ndjson
for f in "$journal" "$pending" "$state"; do
	if [ -e "$f" ] && { [ ! -f "$f" ] || [ ! -r "$f" ] || [ ! -w "$f" ]; }; then
		die 3 "data directory $dir: $f is not a readable and writable file"
	fi
done
for f in "$pending" "$state"; do
	if [ -s "$f" ] && ! jq -e 'type == "object"' "$f" >/dev/null 2>&1; then
		die 3 "data directory $dir: $f is not NDJSON of objects"
	fi
done

# One run at a time: a lock directory holding the process ID, taken over
# when that process is gone.
lock=$dir/lock
if ! mkdir "$lock" 2>/dev/null; then
	other=$(cat "$lock/pid" 2>/dev/null)
	if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
		die 3 "data directory $dir: in use by process $other"
	fi
	rm -rf "$lock"
	mkdir "$lock" 2>/dev/null || die 3 "data directory $dir: cannot lock"
fi
echo $$ >"$lock/pid"
trap 'rm -rf "$lock"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# A directory per run, named after its UTC start time.
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
run=$dir/runs/$stamp
n=1
while ! mkdir "$run" 2>/dev/null; do
	n=$((n + 1))
	[ $n -le 100 ] || die 3 "data directory $dir: cannot create a run directory"
	run=$dir/runs/$stamp-$n
done

# worst STATUS: the exit status of the run so far; 3 wins over 75, 75 over 1.
rc=0
worst() {
	case $1 in
	0) ;;
	3) rc=3 ;;
	75) [ $rc -eq 3 ] || rc=75 ;;
	*) [ $rc -ne 0 ] || rc=1 ;;
	esac
}

# stage_failed STAGE STATUS: say which stage stopped the run, show its
# messages (the tools never print values), and exit 75 when the stage asks
# to retry later, else 3.
stage_failed() {
	printf '%s: %s failed (exit status %s); the run stopped, see %s\n' \
	    "$PROG" "$1" "$2" "$run" >&2
	[ -s "$run/$1.err" ] && sed 's/^/    /' "$run/$1.err" >&2
	[ "$2" = 75 ] && exit 75
	exit 3
}

# --- the record filters, with pipefail by hand ---------------------------
# Each stage writes its exit status to a file of its own; 0 and 1 (records
# rejected) are normal.
# shellcheck disable=SC2086
{
	ac-normalize -q -s ${zone:+-z "$zone"} -R "$run/rejects.ac-normalize.ndjson" \
	    -S "$run/stats.ac-normalize.json" ${AC_RUN_NORMALIZE_OPTS-} -- "$@" \
	    2>"$run/ac-normalize.err"
	echo $? >"$run/exit.ac-normalize"
} | {
	ac-consent -q ${regions:+-E "$regions"} -R "$run/rejects.ac-consent.ndjson" \
	    -S "$run/stats.ac-consent.json" ${AC_RUN_CONSENT_OPTS-} \
	    2>"$run/ac-consent.err"
	echo $? >"$run/exit.ac-consent"
} | {
	ac-hash -q -R "$run/rejects.ac-hash.ndjson" -S "$run/stats.ac-hash.json" \
	    ${AC_RUN_HASH_OPTS-} 2>"$run/ac-hash.err"
	echo $? >"$run/exit.ac-hash"
} | {
	ac-pick-clickid -q -R "$run/rejects.ac-pick-clickid.ndjson" \
	    -S "$run/stats.ac-pick-clickid.json" ${AC_RUN_PICK_CLICKID_OPTS-} \
	    2>"$run/ac-pick-clickid.err"
	echo $? >"$run/exit.ac-pick-clickid"
} | {
	ac-batch -q ${api:+--api "$api"} -R "$run/rejects.ac-batch.ndjson" \
	    -S "$run/stats.ac-batch.json" ${AC_RUN_BATCH_OPTS-} \
	    2>"$run/ac-batch.err"
	echo $? >"$run/exit.ac-batch"
} >"$run/requests.ndjson"

# A stage killed by SIGPIPE (128 + 13) only follows one after it that
# stopped: name that one.
failed='' failst=''
for s in ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch; do
	st=$(cat "$run/exit.$s" 2>/dev/null)
	case $st in
	0|1) worst "$st" ;;
	141) [ -n "$failed" ] || { failed=$s failst=$st; } ;;
	'') [ -n "$failed" ] || { failed=$s failst=unknown; } ;;
	*) { [ -n "$failed" ] && [ "$failst" != 141 ]; } ||
	    { failed=$s failst=$st; } ;;
	esac
done
[ -z "$failed" ] || stage_failed "$failed" "$failst"

# --- the upload ------------------------------------------------------------
# The dead letters of earlier runs go first, then tonight's requests; the
# journal skips whatever an earlier run delivered.
: >"$run/resend.ndjson"
[ -s "$pending" ] && { cp "$pending" "$run/resend.ndjson" ||
    die 3 "cannot copy $pending to $run"; }

if [ -n "$doctor" ]; then
	# shellcheck disable=SC2086
	ac-doctor -q ${api:+--api "$api"} ${endpoint:+--endpoint "$endpoint"} \
	    ${AC_RUN_DOCTOR_OPTS-} -- "$run/resend.ndjson" "$run/requests.ndjson" \
	    >"$run/doctor.ndjson" 2>"$run/ac-doctor.err"
	st=$?
	# 3: a finding is an error; the upload decides what it costs.
	case $st in
	0) ;;
	1|3|75)
		worst 1
		printf '%s: ac-doctor: exit status %s, see %s/doctor.ndjson\n' \
		    "$PROG" "$st" "$run" >&2 ;;
	*) stage_failed ac-doctor "$st" ;;
	esac
fi

# shellcheck disable=SC2086
ac-upload -q ${endpoint:+--endpoint "$endpoint"} --journal "$journal" \
    --dead-letter "$run/dead-letter.ndjson" -R "$run/rejects.ac-upload.ndjson" \
    ${AC_RUN_UPLOAD_OPTS-} -- "$run/resend.ndjson" "$run/requests.ndjson" \
    >"$run/results.ndjson" 2>"$run/ac-upload.err"
up=$?
[ -f "$run/dead-letter.ndjson" ] || : >"$run/dead-letter.ndjson"

# What is left to send next time.  After 0, 1 or 75 ac-upload has written
# every request not delivered to the dead-letter file; after anything else
# (3 may come before any output) all of this run's input stays pending: the
# journal keeps what was delivered from going twice.
if [ $up -le 1 ] || [ $up -eq 75 ]; then
	cp "$run/dead-letter.ndjson" "$pending.tmp"
else
	cat "$run/resend.ndjson" "$run/requests.ndjson" >"$pending.tmp"
fi || die 3 "cannot write $pending.tmp"
mv -f "$pending.tmp" "$pending" || die 3 "cannot replace $pending"

case $up in
0|1) worst $up ;;
75)
	worst 75
	printf '%s: ac-upload: stopped, to be retried later (exit status 75)\n' \
	    "$PROG" >&2
	[ -s "$run/ac-upload.err" ] && sed 's/^/    /' "$run/ac-upload.err" >&2 ;;
*)
	worst 3
	printf '%s: ac-upload failed (exit status %s); see %s\n' "$PROG" "$up" \
	    "$run" >&2
	[ -s "$run/ac-upload.err" ] && sed 's/^/    /' "$run/ac-upload.err" >&2 ;;
esac

# --- status.ndjson: the latest status of each conversion -------------------
# The key is the account, the conversion action, the kind and the order ID
# (else the conversion time), as in the journal; "skipped" never overwrites
# what an earlier run learnt.
[ -f "$state" ] || : >"$state"
jq -n -c --arg run "${run##*/}" --slurpfile old "$state" \
    --slurpfile new "$run/results.ndjson" '
	def key: [.customer_id, .conversion_action, (.kind // "click"),
	    .adjustment_type,
	    (if .order_id then "order:" + .order_id
	     else "time:" + (.conversion_date_time // "") end),
	    .adjustment_date_time, .call_start_date_time]
	    | map(. // "" | tostring) | join("|");
	reduce ($old[], ($new[] | .run = $run)) as $r ({};
	    ($r | key) as $k
	    | if .[$k] != null and $r.status == "skipped" then .
	      else .[$k] = ($r | del(.key) | .key = $k) end)
	| .[]' >"$state.tmp" || die 3 "cannot write $state.tmp"
mv -f "$state.tmp" "$state" || die 3 "cannot replace $state"

# --- after the upload ------------------------------------------------------
if [ -n "$report" ]; then
	# shellcheck disable=SC2086
	ac-status -q ${endpoint:+--endpoint "$endpoint"} ${AC_RUN_STATUS_OPTS-} \
	    -- "$run/results.ndjson" >"$run/status.ndjson" 2>"$run/ac-status.err"
	st=$?
	# 75: not processed yet, as usual right after an upload.
	case $st in
	0|75) ;;
	*)
		worst 1
		printf '%s: ac-status: exit status %s, see %s\n' "$PROG" "$st" \
		    "$run" >&2 ;;
	esac
	# The report of the last run is the baseline of this one.
	base=
	[ -s "$dir/report.ndjson" ] && base=$dir/report.ndjson
	# shellcheck disable=SC2086
	ac-report -q ${base:+--baseline "$base"} ${AC_RUN_REPORT_OPTS-} -- \
	    "$run/results.ndjson" "$run/status.ndjson" >"$run/report.ndjson" \
	    2>"$run/ac-report.err"
	st=$?
	case $st in
	0) ;;
	1)
		worst 1
		printf '%s: ac-report: alerts, see %s/report.ndjson\n' "$PROG" \
		    "$run" >&2 ;;
	*)
		worst 1
		printf '%s: ac-report: exit status %s, see %s\n' "$PROG" "$st" \
		    "$run" >&2 ;;
	esac
	[ $st -le 1 ] && cp "$run/report.ndjson" "$dir/report.ndjson"
fi

# --- summary ---------------------------------------------------------------
count() { jq -r .status "$run/results.ndjson" | grep -c "^$1\$"; }
in=$(jq -r .in "$run/stats.ac-normalize.json" 2>/dev/null)
stages=0
for s in ac-normalize ac-consent ac-hash ac-pick-clickid ac-batch ac-upload; do
	f=$run/rejects.$s.ndjson
	[ -f "$f" ] && stages=$((stages + $(grep -c . "$f")))
	rm -f "$run/exit.$s"
	[ -s "$run/$s.err" ] || rm -f "$run/$s.err"
done
for s in ac-doctor ac-status ac-report; do
	[ -s "$run/$s.err" ] || rm -f "$run/$s.err"
done
delivered=$(($(count accepted) + $(count uploaded) + $(count validated)))
refused=$(count rejected)
failed=$(count failed)
skipped=$(count skipped)
dead=$(grep -c . "$pending")
[ "$dead" -eq 0 ] || worst 1
jq -n -c --argjson in "${in:-0}" --argjson rejected "$stages" \
    --argjson delivered "$delivered" --argjson refused "$refused" \
    --argjson failed "$failed" --argjson skipped "$skipped" \
    --argjson dead "$dead" --argjson upload "$up" --argjson exit "$rc" \
    '{records: $in, rejected_by_stages: $rejected, delivered: $delivered,
      refused_by_api: $refused, failed: $failed, skipped: $skipped,
      dead_letters_left: $dead, upload_exit: $upload, exit: $exit}' \
    >"$run/summary.json"
if [ $rc -ne 0 ] || [ -z "$quiet" ]; then
	printf '%s: %s: %s records, %s rejected by the stages, %s delivered, %s refused by the API, %s failed, %s skipped as sent before, %s dead letters left; exit %s\n' \
	    "$PROG" "$run" "${in:-0}" "$stages" "$delivered" "$refused" \
	    "$failed" "$skipped" "$dead" "$rc" >&2
fi
exit $rc

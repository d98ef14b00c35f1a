#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential test of two builds: the record filters of OLDBIN and NEWBIN
# on the bench orders (tests/bench/data/orders-N.ndjson, made by run.py or
# gen.py) and on every CLI fixture, with several option sets; stdout,
# stderr and the rejects file of each run must be byte-identical.
#
#	git stash; make; cp -r bin /tmp/old-bin; git stash pop; make
#	sh tests/bench/diff.sh /tmp/old-bin bin [ORDERS]
#
# Exit 0 when everything matched, 1 when something differed (each
# difference is named), 2 on a usage error.
set -u
[ $# -ge 2 ] || { echo "usage: diff.sh OLDBIN NEWBIN [ORDERS]" >&2; exit 2; }
old=$1 new=$2
orders=${3:-tests/bench/data/orders-200000.ndjson}
[ -r "$orders" ] || { echo "diff.sh: $orders: not readable" >&2; exit 2; }
export AC_SHAREDIR="${AC_SHAREDIR:-$PWD/share/ac}" LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ac-diff.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# run BIN OUTDIR: every case into OUTDIR. Inputs are named the same way
# for both builds, so that messages naming them are comparable.
run() {
	b=$1 o=$2
	mkdir -p "$o"
	"$b/ac-normalize" -z Europe/Berlin -R "$o/norm.rej" "$orders" \
	    >"$o/norm" 2>"$o/norm.err"
	"$b/ac-hash" -R "$o/hash.rej" "$orders" >"$o/hash" 2>"$o/hash.err"
	"$b/ac-hash" -e all -d DE -v "$orders" >"$o/hash-all" \
	    2>"$o/hash-all.err"
	"$b/ac-hash" -s "$orders" >"$o/hash-strict" 2>"$o/hash-strict.err"
	"$b/ac-consent" --require-explicit EEA <"$o/norm" >"$o/consent" \
	    2>"$o/consent.err"
	"$b/ac-hash" -R "$o/hash2.rej" <"$o/consent" >"$o/hash2" \
	    2>"$o/hash2.err"
	"$b/ac-hash" <"$o/hash2" >"$o/hash3" 2>"$o/hash3.err"
	"$b/ac-pick-clickid" <"$o/hash2" >"$o/pick" 2>"$o/pick.err"
	i=0
	for f in tests/cli/fixtures/*/*.in; do
		i=$((i + 1))
		for t in ac-normalize ac-hash; do
			"$b/$t" "$f" >"$o/$t.$i" 2>"$o/$t.$i.err"
			echo "$?" >>"$o/$t.$i.err"
			"$b/$t" -d US -e all "$f" >"$o/$t.d.$i" \
			    2>"$o/$t.d.$i.err"
		done
	done
}

run "$old" "$tmp/old"
run "$new" "$tmp/new"
status=0
for f in $(cd "$tmp/old" && ls); do
	if ! cmp -s "$tmp/old/$f" "$tmp/new/$f"; then
		echo "diff.sh: $f differs"
		status=1
	fi
done
echo "diff.sh: $(ls "$tmp/old" | wc -l) outputs compared," \
    "$(wc -l <"$orders") orders; $([ $status = 0 ] && echo identical ||
    echo DIFFERENT)"
exit $status

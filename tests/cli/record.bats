#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The record layer (lib/field.c, lib/ndjson.c): a member a stage does not
# change is copied from the line as read, so the output of every filter on
# fixtures/record/record.in must stay byte for byte what it was before that
# (issue 12, "Safety"): stdout and stderr compared, the rejects file by its
# SHA-256 and the exit status, all stored under fixtures/record/ (status:
# "STATUS SHA256 NAME" per line). The input mixes orders from
# tests/bench/gen.py, the same orders after the four record filters, and
# lines with escapes, non-canonical numbers (1.50, 1e2), spaces in nested
# values, Unicode, repeated keys, long keys and bad JSON; make-input.py
# beside it says how it was made. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C prove -e bats tests/cli/record.bats

load helper

R=$BATS_TEST_DIRNAME/fixtures/record

# same NAME TOOL [OPTION...]: run TOOL on the input and compare with NAME's
# stored results.
same() {
	local name=$1 st
	shift
	cp "$R/record.in" in.ndjson
	st=0
	"$@" -R rej.ndjson in.ndjson > out.ndjson 2> err.txt || st=$?
	cmp out.ndjson "$R/$name.out"
	cmp err.txt "$R/$name.err"
	[ "$st $(sha256sum < rej.ndjson | cut -d' ' -f1) $name" = \
	    "$(grep " $name\$" "$R/status")" ]
}

@test "record: ac-normalize output unchanged" {
	same normalize ac-normalize -z Europe/Berlin
}

@test "record: ac-consent output unchanged" {
	same consent ac-consent --require-explicit EEA
}

@test "record: ac-hash output unchanged" {
	same hash ac-hash
}

@test "record: ac-pick-clickid output unchanged" {
	same pick ac-pick-clickid
}

@test "record: ac-batch --api googleads output unchanged" {
	same gads ac-batch --api googleads
}

@test "record: ac-batch --api datamanager output unchanged" {
	same dm ac-batch --api datamanager
}

#!/bin/sh
# SPDX-License-Identifier: MIT
# ac-emulator: the suite's local emulator of the Google Ads REST API, the
# Data Manager API and Google's OAuth endpoints, installed with the tools
# so that a run can be rehearsed end to end offline before pointing at
# Google (see ac-emulator(1)).  It runs the emulator the tests use,
# tests/mock/gads.py (installed as PREFIX/share/ac/emulator/gads.py), with
# Python 3's standard library only.

dir=$(dirname "$0")
for gads in "$dir/../share/ac/emulator/gads.py" "$dir/../tests/mock/gads.py"; do
	[ -r "$gads" ] && break
done
if [ ! -r "$gads" ]; then
	echo "ac-emulator: gads.py not found in $dir/../share/ac/emulator" >&2
	exit 3
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "ac-emulator: python3 not found" >&2
	exit 3
fi
# The usage on one line (the man page's SYNOPSIS), under this name.
COLUMNS=1000 AC_EMULATOR_PROG=ac-emulator exec python3 "$gads" "$@"

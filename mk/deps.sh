#!/bin/sh
# SPDX-License-Identifier: MIT
# Make sure the Debian packages that building and testing ac need are
# installed: install the missing ones with apt-get (as root, or through
# sudo without a password prompt), or print the exact command and fail.
# On a system without dpkg this checks nothing and lets the build speak.

PKGS="gcc make pkg-config libc6-dev libjq-dev libonig-dev libcurl4-openssl-dev gnuplot-nox
libssl-dev libutf8proc-dev libyaml-dev bats mandoc python3 jq perl tzdata openssl curl
util-linux protobuf-compiler python3-protobuf iso-codes time miller groff-base
python3-phonenumbers"

command -v dpkg-query >/dev/null 2>&1 || exit 0

missing=
for p in $PKGS; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo "
else
	echo "ac: missing build dependencies:$missing" >&2
	echo "ac: install them with:" >&2
	echo "    sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "ac: installing build dependencies:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
${sudo}apt-get install -y -q $missing >&2 ||
	{ ${sudo}apt-get update -q >&2 && ${sudo}apt-get install -y -q $missing >&2; } ||
	{ echo "ac: apt-get failed; run: sudo apt-get install -y$missing" >&2; exit 1; }

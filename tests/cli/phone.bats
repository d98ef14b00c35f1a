#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Phone numbers against libphonenumber: every region it knows, its example
# numbers of every type written in every common form, and invalid ones,
# through one ac-normalize run; each answer must be the E.164 form that
# python3-phonenumbers (the oracle, the version share/ac/phone.tsv was made
# from) gives with the record's country as the default region, or a drop
# where it fails to parse the text or calls the number invalid. The cases
# are made here from the oracle (tests/cli/phone-oracle.py), not kept.

load helper

ORACLE=$BATS_TEST_DIRNAME/phone-oracle.py
# Debian's python3-phonenumbers is in /usr/bin/python3's dist-packages; a
# python3 earlier on PATH (pyenv, a venv) may not see it.
PY=/usr/bin/python3

oracle_ok() {
	[[ -x $PY ]] && $PY -c 'import phonenumbers' 2>/dev/null
}

@test "phone: the oracle is the version phone.tsv was made from" {
	oracle_ok || skip "no python3-phonenumbers for $PY (mk/deps.sh installs it)"
	want=$(sed -n 's/^V\t//p' "$AC_SHAREDIR/phone.tsv")
	have=$($PY -c 'import phonenumbers; print(phonenumbers.__version__)')
	is "$have" "$want" "python3-phonenumbers version (make phone-data)"
}

@test "phone: ac-normalize agrees with libphonenumber on every region and form" {
	oracle_ok || skip "no python3-phonenumbers for $PY (mk/deps.sh installs it)"
	$PY "$ORACLE" cases cases.ndjson expect.tsv
	run -0 ac-normalize -q cases.ndjson
	printf '%s\n' "$output" >out.ndjson
	run $PY "$ORACLE" compare expect.tsv out.ndjson
	printf '# %s\n' "${lines[@]}" >&3
	is "$status" 0 "disagreements with libphonenumber (above)"
	# Enough cases that a region or a form missing would show.
	[[ $output =~ phone:\ ([0-9]+)\ cases,\ ([0-9]+)\ regions ]]
	(( BASH_REMATCH[1] > 30000 && BASH_REMATCH[2] >= 245 ))
}

@test "phone: no phone number reaches stderr" {
	oracle_ok || skip "no python3-phonenumbers for $PY (mk/deps.sh installs it)"
	$PY "$ORACLE" cases cases.ndjson expect.tsv
	ac-normalize cases.ndjson >/dev/null 2>err || true
	run grep -E '[0-9]{6}' err
	is "$status" 1 "digits on stderr: $output"
}

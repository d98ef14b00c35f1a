#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ac-normalize: the rules of /work/shared/reference/normalization.md (the
# suite's rule set), the canonical fields, the rejects file and the STYLE.md
# §10 checks every tool must pass. Run from the project root:
#	AC_SHAREDIR=$PWD/share/ac LC_ALL=C prove -e bats tests/cli/*.bats

load helper

F=$BATS_TEST_DIRNAME/fixtures/ac-normalize
CA='"conversion_action":"customers/1234567890/conversionActions/987"'
T='"conversion_date_time":"2026-04-23T12:31:09Z"'

# nonblank FILE: the number of input records (lines with more than blanks).
nonblank() {
	tr -d '\r' <"$1" | grep -c '[^[:blank:]]' || true
}

# mode FILE: the permission bits of FILE in octal, as 600.
mode() {
	stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"
}

# nlines FILE: the number of lines of FILE.
nlines() {
	wc -l <"$1" | tr -d ' '
}

# summary IN OUT REJECTED REJECT_COUNTS WARNINGS [WARNING_COUNTS]: the
# end-of-run line in the form man/ac-normalize.1, man/ac.7 and README.md
# document ("ac-normalize: 3 records in, 2 out, 1 rejected (1 time_future);
# warnings: 2 (1 phone_no_region, 1 email_invalid)"). The one place to
# change if that form changes.
summary() {
	printf 'ac-normalize: %s in, %s out, %s rejected' "$1" "$2" "$3"
	[[ $3 -gt 0 ]] && printf ' (%s)' "$4"
	printf '; %s warning' "$5"
	[[ $5 -eq 1 ]] || printf 's'
	[[ $5 -gt 0 ]] && printf ' (%s)' "$6"
	echo
}

## Golden output

@test "golden: a messy input gives exactly golden.out" {
	fixture golden
	is "$status" 0 "exit status"
	is "$(tail -n 1 err)" \
	    "$(summary 5 5 0 '' 5 '1 click_expired, 1 email_invalid, 1 phone_invalid, 2 placeholder')" \
	    "summary"
}

@test "golden: -z Europe/Berlin -d DE -e all gives exactly options.out" {
	fixture options -z Europe/Berlin -d DE -e all
	is "$status" 0 "exit status"
}

@test "golden: the long options give the same output as the short ones" {
	fixture options --timezone Europe/Berlin --default-region DE \
	    --email-rule all
	is "$status" 0 "exit status"
	fixture options --timezone=Europe/Berlin --default-region=de \
	    --email-rule=all
}

@test "golden: every fixture .in has its .out" {
	local f
	for f in "$F"/*.in; do
		[[ -f ${f%.in}.out ]] || { echo "no .out for $f" >&2; return 1; }
	done
}

@test "golden: the output is canonical, so normalizing it again changes nothing" {
	cp "$F/golden.out" again.in
	cp "$F/options.out" again2.in
	run --separate-stderr ac-normalize again.in
	is "$status" 0 "exit status"
	is "$output" "$(cat "$F/golden.out")" "second pass over golden.out"
	run --separate-stderr ac-normalize -z Europe/Berlin -d DE -e all \
	    again2.in
	is "$output" "$(cat "$F/options.out")" "second pass over options.out"
}

@test "unknown keys and key order pass through" {
	BASE=
	run_rec '"z":1,'"$CA"',"a":{"y":[1,{"b":null}],"x":"\u00e9"},"Email":"Not@Touched.COM",'"$T"',"m":"x","n":null,"f":false,"arr":[3,2,1],"num":2.5'
	is "$status" 0 "exit status"
	is "$(jq -c 'keys_unsorted' <<<"$output")" \
	    '["z","conversion_action","a","Email","conversion_date_time","m","n","f","arr","num","customer_id"]' \
	    "key order"
	is "$(jq -c '[.z,.a,.Email,.m,.n,.f,.arr,.num]' <<<"$output")" \
	    '[1,{"y":[1,{"b":null}],"x":"é"},"Not@Touched.COM","x",null,false,[3,2,1],2.5]' \
	    "unknown values"
}

@test "golden: every input key keeps its place; added keys go at the end" {
	# For each record of golden.in: the output keys, less the added ones,
	# are the input keys less the dropped ones, in the same order.
	run jq -n -c --slurpfile i "$F/golden.in" --slurpfile o "$F/golden.out" '
	    [range($i | length) as $n | ($i[$n] | keys_unsorted) as $ik |
	     ($o[$n] | keys_unsorted) as $ok |
	     [$ok[] | select(. as $k | $ik | index([$k]))] ==
	     [$ik[] | select(. as $k | $ok | index([$k]))]] | all'
	is "$output" true "input keys keep their order"
	# conversion_action, customer_id, ac_warnings: at the end, in that
	# relative order, and only when the input lacked them.
	run jq -c -s 'map([keys_unsorted[] | select(. == "conversion_action"
	    or . == "customer_id" or . == "ac_warnings")])' "$F/golden.out"
	is "$output" '[["customer_id","conversion_action"],["conversion_action","customer_id","ac_warnings"],["customer_id","conversion_action"],["conversion_action","customer_id","ac_warnings"],["conversion_action","customer_id","ac_warnings"]]'
	run jq -c -s 'map(keys_unsorted[-1])' "$F/golden.out"
	is "$output" '["conversion_action","ac_warnings","conversion_action","ac_warnings","ac_warnings"]' \
	    "last key of each record"
}

@test "added keys: conversion_action built from conversion_action_id goes at the end" {
	BASE=
	run_rec '"customer_id":"123-456-7890","conversion_action_id":"987",'"$T"',"other":1'
	is "$status" 0
	is "$output" '{"customer_id":"1234567890","conversion_action_id":"987","conversion_date_time":"2026-04-23 12:31:09+00:00","other":1,"conversion_action":"customers/1234567890/conversionActions/987"}'
}

@test "added keys: customer_id derived from conversion_action goes at the end" {
	BASE=
	run_rec "$CA,$T"',"other":1'
	is "$status" 0
	is "$output" '{"conversion_action":"customers/1234567890/conversionActions/987","conversion_date_time":"2026-04-23 12:31:09+00:00","other":1,"customer_id":"1234567890"}'
}

@test "added keys: ac_warnings goes last, one {stage,field,code} per dropped identifier" {
	run_rec '"email":"broken","x":1,"phone":"0170 1234567"'
	is "$status" 0
	is "$output" '{"conversion_action":"customers/1234567890/conversionActions/987","conversion_date_time":"2026-04-23 12:31:09+00:00","x":1,"customer_id":"1234567890","ac_warnings":[{"stage":"ac-normalize","field":"email","code":"email_invalid"},{"stage":"ac-normalize","field":"phone","code":"phone_no_region"}]}'
}

@test "added keys: warnings from an earlier stage are kept and appended to" {
	BASE=
	run_rec '"ac_warnings":[{"stage":"ac-x","field":"y","code":"z"}],'"$CA,$T"',"email":"broken"'
	is "$status" 0
	is "$(jq -c '.ac_warnings' <<<"$output")" '[{"stage":"ac-x","field":"y","code":"z"},{"stage":"ac-normalize","field":"email","code":"email_invalid"}]'
	is "$(jq -c 'keys_unsorted[0]' <<<"$output")" '"ac_warnings"' "ac_warnings keeps its place"
}

## email (normalization.md "email")

@test "email: gmail.com and googlemail.com lose dots and +tags" {
	expect '"email":"Cloudy.SanFrancisco+shopping@gmail.com"' email '"cloudysanfrancisco@gmail.com"'
	expect '"email":"A.N.N.A@Gmail.com"' email '"anna@gmail.com"'
	expect '"email":"j.doe+a+b@GoogleMail.com"' email '"jdoe@googlemail.com"'
	expect '"email":"anna+@gmail.com"' email '"anna@gmail.com"'
	checks_pass
}

@test "email: other domains keep dots and +tags" {
	expect '"email":"user.name+NYC@Example.com"' email '"user.name+nyc@example.com"'
	expect '"email":"first.last@mail.gmail.com"' email '"first.last@mail.gmail.com"'
	expect '"email":"alexz@example.com"' email '"alexz@example.com"'
	expect '"email":"test@example.com"' email '"test@example.com"'
	checks_pass
}

@test "email: --email-rule all drops dots and +tags on every domain" {
	expect '"email":"user.name+NYC@Example.com"' email '"username@example.com"' -e all
	expect '"email":"user.name+NYC@Example.com"' email '"username@example.com"' --email-rule all
	expect '"email":"Cloudy.SanFrancisco+shopping@gmail.com"' email '"cloudysanfrancisco@gmail.com"' -e all
	expect '"email":"user.name+NYC@Example.com"' email '"user.name+nyc@example.com"' -e gmail
	checks_pass
}

@test "email: whitespace anywhere is removed, case folded, NFC applied" {
	expect '"email":"  jo hn @ exam ple.com  "' email '"john@example.com"'
	expect '"email":"anna\u00a0lee@example.com\t"' email '"annalee@example.com"'
	expect '"email":"MÜLLER@Example.DE"' email '"müller@example.de"'
	expect '"email":"Zoe\u0308@example.com"' email '"zoë@example.com"'
	expect '"email":"Zo\u00eb@example.com"' email '"zoë@example.com"'
	checks_pass
}

@test "email: invalid forms are dropped with email_invalid" {
	expect_drop '"email":"john.example.com"' email email_invalid
	expect_drop '"email":"a@b@example.com"' email email_invalid
	expect_drop '"email":"john@localhost"' email email_invalid
	expect_drop '"email":"john@example..com"' email email_invalid
	expect_drop '"email":"john@.example.com"' email email_invalid
	expect_drop '"email":"john@example.com."' email email_invalid
	expect_drop '"email":"@example.com"' email email_invalid
	expect_drop '"email":"john@"' email email_invalid
	expect_drop '"email":"+tag@gmail.com"' email email_invalid
	checks_pass
}

@test "email: placeholders are dropped, real-looking addresses kept" {
	expect_drop '"email":"noemail@x.com"' email placeholder
	expect_drop '"email":"NoEmail@Whatever.org"' email placeholder
	expect_drop '"email":"test@test.com"' email placeholder
	expect '"email":"test@example.com"' email '"test@example.com"'
	expect '"email":"noemail2@x.com"' email '"noemail2@x.com"'
	checks_pass
}

@test "email: empty is absent (no warning), a non-string is dropped" {
	expect '"email":""' email absent
	expect '"email":"   "' email absent
	expect '"email":null' email absent
	expect_drop '"email":42' email not_string
	expect_drop '"email":[42]' email not_string
	expect_drop '"first_name":["Quinn"]' first_name not_string
	checks_pass
}

## phone (normalization.md "phone")

@test "phone: national numbers take the region of country_code" {
	expect '"phone":"0170 1234567","country_code":"DE"' phone '"+491701234567"'
	expect '"phone":"(415) 555-0100","country_code":"US"' phone '"+14155550100"'
	expect '"phone":"06 12 34 56 78","country_code":"FR"' phone '"+33612345678"'
	expect '"phone":"1 (415) 555-0100","country_code":"US"' phone '"+14155550100"'
	expect '"phone":"06 1234 5678","country_code":"IT"' phone '"+390612345678"'
	expect '"phone":"0170 1234567","country_code":" de "' phone '"+491701234567"'
	checks_pass
}

@test "phone: a national number starting with its own calling code is international" {
	expect '"phone":"441134960987","country_code":"GB"' phone '"+441134960987"'
	checks_pass
}

@test "phone: + and international call prefixes" {
	expect '"phone":"+49 (0)170 1234567"' phone '"+491701234567"'
	expect '"phone":"+44 (0)113 496 0987"' phone '"+441134960987"'
	expect '"phone":"+49 0170 1234567"' phone '"+491701234567"'
	expect '"phone":"0049 170 1234567","country_code":"DE"' phone '"+491701234567"'
	expect '"phone":"0049 (0)170 1234567","country_code":"DE"' phone '"+491701234567"'
	expect '"phone":"011 49 170 1234567","country_code":"US"' phone '"+491701234567"'
	expect '"phone":"+49 170 1234567","country_code":"US"' phone '"+491701234567"'
	expect '"phone":"+491701234567"' phone '"+491701234567"'
	checks_pass
}

@test "phone: separators and extensions are removed" {
	expect '"phone":"  +49-170-123-4567  "' phone '"+491701234567"'
	expect '"phone":"+49.170.123.4567"' phone '"+491701234567"'
	expect '"phone":"+49/170/1234567"' phone '"+491701234567"'
	expect '"phone":"(415) 555-0100 ext. 12","country_code":"US"' phone '"+14155550100"'
	expect '"phone":"(415) 555-0100 x12","country_code":"US"' phone '"+14155550100"'
	expect '"phone":"(415) 555-0100 #12","country_code":"US"' phone '"+14155550100"'
	expect '"phone":"+49 170 1234567 Ext. 99"' phone '"+491701234567"'
	checks_pass
}

@test "phone: an integer is read as digits" {
	expect '"phone":4155550100,"country_code":"US"' phone '"+14155550100"'
	checks_pass
}

@test "phone: letters, unknown calling codes and wrong lengths are dropped" {
	expect_drop '"phone":"1-800-FLOWERS","country_code":"US"' phone phone_invalid
	expect_drop '"phone":"call me"' phone phone_invalid
	expect_drop '"phone":"+999 1234567"' phone phone_bad_calling_code
	expect_drop '"phone":"+0 170 1234567"' phone phone_bad_calling_code
	expect_drop '"phone":"12","country_code":"DE"' phone phone_bad_length
	expect_drop '"phone":"+1234567890123456"' phone phone_bad_length
	expect_drop '"phone":"+12"' phone phone_bad_length
	checks_pass
}

@test "phone: placeholders are caught before the syntax; +1 numbers need 10 digits, or be valid" {
	expect_drop '"phone":"n/a","country_code":"US"' phone placeholder
	expect_drop '"phone":"N/A"' phone placeholder
	expect_drop '"phone":"+1 415 555 010"' phone phone_bad_length
	# libphonenumber 8.12.57 takes CA's 310-xxxx service numbers as
	# valid, with no noInternationalDialling range: kept as it reads them
	expect '"phone":"310-1234","country_code":"CA"' phone '"+13101234"'
	expect '"phone":"+1 416 555 0100"' phone '"+14165550100"'
	checks_pass
}

@test "phone: a national number without a region is dropped, never guessed" {
	expect_drop '"phone":"0170 1234567"' phone phone_no_region
	expect_drop '"phone":"09876543210"' phone phone_no_region
	expect_drop '"phone":"0170 1234567","country_code":"XX"' phone phone_no_region
	# A country_code that is there but unreadable is not replaced by -d.
	expect_drop '"phone":"0170 1234567","country_code":"Zanzibaria"' phone phone_no_region -d DE
	run_rec '"phone":"09876543210"'
	[[ $output != *'+09876543210'* ]]
	checks_pass
}

@test "phone: --default-region applies only when the record has no country_code" {
	expect '"phone":"0170 1234567"' phone '"+491701234567"' -d DE
	expect '"phone":"0170 1234567"' phone '"+491701234567"' -d de
	expect '"phone":"0170 1234567"' phone '"+491701234567"' --default-region DE
	expect '"phone":"(415) 555-0100","country_code":"US"' phone '"+14155550100"' -d DE
	expect '"phone":"06 12 34 56 78","country_code":"FR"' phone '"+33612345678"' -d DE
	checks_pass
}

@test "phone: a country_code without numbering data is not replaced by -d" {
	expect_drop '"phone":"0170 1234567","country_code":"AQ"' phone phone_no_region -d DE
	checks_pass
}

@test "phone: one repeated digit is a placeholder" {
	expect_drop '"phone":"(999) 999-9999","country_code":"US"' phone placeholder
	expect_drop '"phone":"+1 999 999 9999"' phone placeholder
	expect_drop '"phone":"+49 111 1111111"' phone placeholder
	expect_drop '"phone":"0 111 111111","country_code":"DE"' phone placeholder
	checks_pass
}

@test "phone: the NANP trunk prefix 1 is removed only from an 11-digit number" {
	# normalization.md: remove "1 for an 11-digit NANP number". A 10-digit
	# number keeps its first digit: "123-456-7890" in US/CA is
	# +11234567890, the classic fake listed in placeholders.txt, and never
	# the 9-digit "+1234567890".
	expect_drop '"phone":"123-456-7890","country_code":"US"' phone placeholder
	expect_drop '"phone":"123-456-7890","country_code":"CA"' phone placeholder
	expect_drop '"phone":"(111) 111-1111","country_code":"US"' phone placeholder
	expect_drop '"phone":"+1 123 456 7890"' phone placeholder
	checks_pass
}

## first_name, last_name (normalization.md "first_name, last_name")

@test "names: the examples of normalization.md" {
	expect '"first_name":" Mr. Alex "' first_name '"alex"'
	expect '"last_name":" Quinn, Jr. "' last_name '"quinn"'
	expect '"first_name":"Quinn-Alex"' first_name '"quinn-alex"'
	expect '"first_name":"JÖRG"' first_name '"jörg"'
	expect '"first_name":"María  José"' first_name '"maría josé"'
	expect '"last_name":"MÜLLER"' last_name '"müller"'
	expect '"first_name":"ÉMILE"' first_name '"émile"'
	checks_pass
}

@test "names: NFC makes a combining diaeresis equal the precomposed letter" {
	expect '"first_name":"Zoe\u0308"' first_name '"zoë"'
	expect '"first_name":"Zo\u00eb"' first_name '"zoë"'
	expect '"last_name":"Bro\u0308nte"' last_name '"brönte"'
	run_rec '"first_name":"Zoe\u0308","last_name":"Zo\u00eb"'
	is "$(jq -r '.first_name == .last_name' <<<"$output")" true
	# Precomposed U+00EB is the two bytes c3 ab.
	is "$(jq -j .first_name <<<"$output" | od -An -tx1 | tr -d ' \n')" 7a6fc3ab
	checks_pass
}

@test "names: inner hyphens and apostrophes stay" {
	expect '"last_name":"O'"'"'Brien"' last_name "\"o'brien\""
	expect '"last_name":"Smith-Jones"' last_name '"smith-jones"'
	checks_pass
}

@test "names: honorifics and suffixes, with their periods and commas" {
	expect '"first_name":"Dr. Jane"' first_name '"jane"'
	expect '"first_name":"MRS Jane"' first_name '"jane"'
	expect '"first_name":"Prof. Jane"' first_name '"jane"'
	expect '"last_name":"Smith, PhD"' last_name '"smith"'
	expect '"last_name":"Smith III"' last_name '"smith"'
	expect '"last_name":"Smith, M.D."' last_name '"smith"'
	expect '"last_name":"Smith Jr"' last_name '"smith"'
	checks_pass
}

@test "names: several leading honorifics go, so the output is stable" {
	expect '"first_name":"Prof. Dr. Lena"' first_name '"lena"'
	expect '"first_name":"Mr Dr Alex"' first_name '"alex"'
	run_rec '"first_name":"Prof. Dr. Lena"'
	printf '%s\n' "$output" >once.ndjson
	run --separate-stderr ac-normalize once.ndjson
	is "$(val first_name)" '"lena"' "normalizing twice changes nothing"
	checks_pass
}

@test "review fixes: blank cells, old epochs, huge values, a BOM, Unicode separators" {
	BASE=$CA
	expect '"conversion_date_time":1776947469,"login_customer_id":"","currency_code":" "' login_customer_id absent
	expect_reject '"conversion_date_time":0' time_invalid conversion_date_time
	expect_reject '"conversion_date_time":"20260423"' time_invalid conversion_date_time
	expect_reject '"conversion_date_time":1776947469,"conversion_value":1e400,"currency_code":"EUR"' value_invalid conversion_value
	BASE="$CA,$T"
	expect '"phone":"0170\u00a01234567","country_code":"DE"' phone '"+491701234567"'
	expect '"phone":"0170\u20131234567","country_code":"DE"' phone '"+491701234567"'
	expect '"first_name":"A\u200blex\u00ad"' first_name '"alex"'
	expect_drop '"email":"Alex Z <alexz@example.com>"' email email_invalid
	expect_drop '"email":"mailto:alexz@example.com"' email email_invalid
	expect_drop '"email":"alexz@example.com,"' email email_invalid
	printf '\xef\xbb\xbf{%s}\n' "$BASE" >bom.ndjson
	run --separate-stderr ac-normalize bom.ndjson
	is "$status" 0 "a byte order mark before the first record"
	checks_pass
}

@test "phone: possible lengths are sets: a Russian 8 is a trunk prefix" {
	expect '"phone":"8 495 123 45 67","country_code":"RU"' phone '"+74951234567"'
	expect '"phone":"+7 8 495 123 45 67"' phone '"+74951234567"'
	expect '"phone":"+7 495 123 45 67"' phone '"+74951234567"'
	checks_pass
}

@test "an identifier that is already a SHA-256 hash is kept, lower-cased" {
	local h=509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a
	expect "\"email\":\" ${h^^} \"" email "\"$h\""
	expect "\"phone\":\"$h\"" phone "\"$h\""
	expect "\"last_name\":\"$h\"" last_name "\"$h\""
	# 63 digits are not a hash: an invalid address.
	expect_drop "\"email\":\"${h:1}\"" email email_invalid
	checks_pass
}

@test "a value that normalizes to nothing is dropped with the warning empty" {
	expect_drop '"street_address":"---"' street_address empty
	expect_drop '"street_address":" . , "' street_address empty
	checks_pass
}

@test "names: placeholders and non-strings are dropped" {
	expect_drop '"first_name":"n/a"' first_name placeholder
	expect_drop '"first_name":"N/A"' first_name placeholder
	expect_drop '"last_name":"unknown"' last_name placeholder
	expect_drop '"first_name":"Mr"' first_name placeholder
	expect_drop '"first_name":42' first_name not_string
	expect '"first_name":"  "' first_name absent
	checks_pass
}

@test "names: a lone honorific is a placeholder with or without its period" {
	# "Mr" is dropped (placeholders.txt); "Mr." is the same honorific
	# "with its period" (normalization.md) and must not become a name.
	expect_drop '"first_name":"Mr."' first_name placeholder
	expect_drop '"first_name":"Mrs."' first_name placeholder
	checks_pass
}

## street_address, country_code, postal_code, city, region

@test "street_address: lowercase, no punctuation or symbols, trimmed, collapsed" {
	expect '"street_address":" 1800 Amphibious Blvd.  "' street_address '"1800 amphibious blvd"'
	expect '"street_address":"#12 Main St. — Apt 4"' street_address '"12 main st apt 4"'
	expect '"street_address":"Hauptstraße 5, 3. OG"' street_address '"hauptstraße 5 3 og"'
	checks_pass
}

@test "country_code: trimmed, uppercased, ISO 3166-1 alpha-2 only" {
	expect '"country_code":" de "' country_code '"DE"'
	expect '"country_code":"gb"' country_code '"GB"'
	expect_drop '"country_code":"XK"' country_code country_code_invalid
	# UK is the code ISO 3166 reserves for GB.
	expect '"country_code":" uk "' country_code '"GB"'
	expect '"phone":"020 7946 0958","country_code":"UK"' phone '"+442079460958"' 
	expect_drop '"country_code":"XXX"' country_code country_code_invalid
	# An alpha-3 code names a country just as exactly.
	expect '"country_code":"DEU"' country_code '"DE"'
	expect '"country_code":" usa "' country_code '"US"'
	expect_drop '"country_code":"Zanzibaria"' country_code country_code_invalid
	checks_pass
}

@test "country_code: a country name, in English or another language, any case, with or without accents (issue 11)" {
	expect '"country_code":"Germany"' country_code '"DE"'
	expect '"country_code":" germany "' country_code '"DE"'
	expect '"country_code":"Deutschland"' country_code '"DE"'
	expect '"country_code":"United Kingdom"' country_code '"GB"'
	expect '"country_code":"\u00d6sterreich"' country_code '"AT"'
	expect '"country_code":"O\u0308sterreich"' country_code '"AT"'
	expect '"country_code":"OSTERREICH"' country_code '"AT"'
	expect '"country_code":"USA"' country_code '"US"'
	expect '"country_code":"United States"' country_code '"US"'
	expect '"country_code":"Korea, Republic of"' country_code '"KR"'
	expect '"country_code":"Allemagne"' country_code '"DE"'
	expect '"country_code":"C\u00f4te d\u2019Ivoire"' country_code '"CI"'
	expect '"country_code":"\u0413\u0435\u0440\u043c\u0430\u043d\u0438\u044f"' country_code '"DE"'
	# The region of a national phone number comes from the name too.
	expect '"phone":"030 123456","country_code":"Deutschland"' phone '"+4930123456"'
	# English names win over a translation's mistake.
	expect '"country_code":"Mexico"' country_code '"MX"'
	expect_drop '"country_code":"Germany Deutschland"' country_code country_code_invalid
	expect_drop '"country_code":"Ostereich"' country_code country_code_invalid
	# A name that translations give to two countries is no answer.
	expect_drop '"country_code":"Paraguai"' country_code country_code_invalid
	checks_pass
}

@test "country names: share/ac/country-names.tsv is what mk/country-names.py makes of the installed iso-codes" {
	[[ -r /usr/share/iso-codes/json/iso_3166-1.json ]] ||
	    skip "iso-codes is not installed"
	python3 "$AC_ROOT/mk/country-names.py" >now.tsv
	run diff -u "$AC_ROOT/share/ac/country-names.tsv" now.tsv
	is "$status" 0 "out of date: run make country-names ($output)"
}

@test "country names: every name and translation in iso-codes reads as its code, as mk/country-names.py folds it" {
	[[ -r /usr/share/iso-codes/json/iso_3166-1.json ]] ||
	    skip "iso-codes is not installed"
	# Each name of iso_3166-1.json and of its translations, as a record,
	# and the code the data file gives its folded form (null: none).
	python3 - "$AC_ROOT" "$BASE" >names.ndjson 3>want.txt <<'PY'
import gettext, glob, json, os, runpy, sys
root, base = sys.argv[1], json.loads("{" + sys.argv[2] + "}")
m = runpy.run_path(os.path.join(root, "mk", "country-names.py"), run_name="t")
table = {}
for line in open(os.path.join(root, "share", "ac", "country-names.tsv"), encoding="utf-8"):
    if not line.startswith("#"):
        k, cc = line.rstrip("\n").split("\t")
        table[k] = cc
d = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json"))["3166-1"]
eng = [(e[k], e["alpha_2"]) for e in d for k in ("name", "official_name", "common_name") if k in e]
names = {n for n, _ in eng}
for mo in glob.glob("/usr/share/locale/*/LC_MESSAGES/iso_3166-1.mo"):
    t = gettext.GNUTranslations(open(mo, "rb"))
    names.update(t.gettext(n) for n, _ in eng)
codes = {e["alpha_2"] for e in d} | {e["alpha_3"] for e in d} | {"UK"}
with os.fdopen(3, "w") as want:
    for n in sorted(names):
        if n.strip().upper() in codes or len(n.encode()) > 512:
            continue
        print(json.dumps(dict(base, country_code=n), ensure_ascii=False))
        want.write(json.dumps(table.get(m["fold"](n))) + "\n")
PY
	[[ $(wc -l <names.ndjson) -gt 20000 ]]
	ac-normalize -q names.ndjson | jq -c .country_code >got.txt
	run diff want.txt got.txt
	is "$status" 0 "names whose code differs: $(diff want.txt got.txt | head -c 300)"
	[[ $(grep -vc null want.txt) -gt 20000 ]]
}

@test "postal_code: trimmed, whitespace collapsed, case and dashes kept" {
	expect '"postal_code":" 1229-076 "' postal_code '"1229-076"'
	expect '"postal_code":"SW1A  1AA"' postal_code '"SW1A 1AA"'
	expect '"postal_code":"sw1a 1aa"' postal_code '"sw1a 1aa"'
	expect_drop '"postal_code":"N/A"' postal_code placeholder
	checks_pass
}

@test "postal_code: a number is kept as text with a warning" {
	run_rec '"postal_code":1234'
	is "$status" 0
	is "$(val postal_code)" '"1234"'
	is "$(warns)" "postal_code:postal_code_from_number"
}

@test "city and region: NFC, trimmed, lowercased" {
	expect '"city":"  New York "' city '"new york"'
	expect '"city":"MÜNCHEN"' city '"münchen"'
	expect '"city":"Mu\u0308nchen"' city '"münchen"'
	expect '"region":" CA "' region '"ca"'
	expect_drop '"city":"n/a"' city placeholder
	expect_drop '"region":"unknown"' region placeholder
	checks_pass
}

## customer_id, login_customer_id, conversion_action

@test "customer_id: dashes and spaces removed, numbers become strings" {
	expect '"customer_id":"123-456-7890"' customer_id '"1234567890"'
	expect '"customer_id":"123 456 7890"' customer_id '"1234567890"'
	expect '"customer_id":1234567890' customer_id '"1234567890"'
	checks_pass
}

@test "customer_id: anything but 10 digits rejects the record" {
	expect_reject '"customer_id":"123-456-789"' customer_id_invalid customer_id
	expect_reject '"customer_id":"123-456-78901"' customer_id_invalid customer_id
	expect_reject '"customer_id":"123-456-789a"' customer_id_invalid customer_id
	# A blank customer_id is absent (an empty CSV cell): derived again.
	expect '"customer_id":" "' customer_id '"1234567890"'
	expect_reject '"customer_id":123456789' customer_id_invalid customer_id
	expect_reject '"customer_id":1234567890.5' customer_id_invalid customer_id
	expect_reject '"customer_id":true' customer_id_invalid customer_id
	checks_pass
}

@test "login_customer_id: normalized like customer_id, bad ones reject" {
	expect '"login_customer_id":"111-222-3333"' login_customer_id '"1112223333"'
	expect '"login_customer_id":1112223333' login_customer_id '"1112223333"'
	expect_reject '"login_customer_id":"x"' login_customer_id_invalid login_customer_id
	expect_reject '"login_customer_id":"111-222-333"' login_customer_id_invalid login_customer_id
	checks_pass
}

@test "conversion_action: built from customer_id and conversion_action_id" {
	BASE=$T
	expect '"customer_id":"123-456-7890","conversion_action_id":"987"' conversion_action '"customers/1234567890/conversionActions/987"'
	expect '"customer_id":1234567890,"conversion_action_id":987' conversion_action '"customers/1234567890/conversionActions/987"'
	checks_pass
}

@test "conversion_action: a given one is checked and gives customer_id" {
	BASE=$T
	expect "$CA" customer_id '"1234567890"'
	expect "$CA"',"conversion_action_id":987' conversion_action '"customers/1234567890/conversionActions/987"'
	expect "$CA"',"conversion_action_id":"987"' customer_id '"1234567890"'
	checks_pass
}

@test "conversion_action: spaces around it are removed; null counts as absent" {
	BASE=$T
	expect '"conversion_action":" customers/1234567890/conversionActions/987\t"' conversion_action '"customers/1234567890/conversionActions/987"'
	# A null customer_id or login_customer_id is removed (and customer_id
	# then comes from conversion_action).
	expect "$CA"',"customer_id":null' customer_id '"1234567890"'
	expect "$CA"',"login_customer_id":null' login_customer_id absent
	# A null conversion_action_id is no id to check against.
	expect "$CA"',"conversion_action_id":null' conversion_action '"customers/1234567890/conversionActions/987"'
	# A null conversion_action is built from the id.
	expect '"conversion_action":null,"customer_id":"1234567890","conversion_action_id":"987"' conversion_action '"customers/1234567890/conversionActions/987"'
	expect_reject '"conversion_action":null,"conversion_action_id":null' conversion_action_missing conversion_action
	checks_pass
}

@test "conversion_action: bad resource names, mismatched ids and missing ones reject" {
	BASE=$T
	expect_reject '"conversion_action":"customers/123/conversionActions/987"' conversion_action_invalid conversion_action
	expect_reject '"conversion_action":"customers/1234567890/conversionActions/"' conversion_action_invalid conversion_action
	expect_reject '"conversion_action":"customers/1234567890/conversionActions/98x"' conversion_action_invalid conversion_action
	expect_reject '"conversion_action":"conversionActions/987"' conversion_action_invalid conversion_action
	expect_reject '"conversion_action":987' conversion_action_invalid conversion_action
	expect_reject "$CA"',"conversion_action_id":"988"' conversion_action_mismatch conversion_action_id
	expect_reject "$CA"',"conversion_action_id":988' conversion_action_mismatch conversion_action_id
	expect_reject '"customer_id":"1234567890","conversion_action_id":"98x7"' conversion_action_invalid conversion_action_id
	expect_reject '"customer_id":"1234567890"' conversion_action_missing conversion_action
	expect_reject '"conversion_action_id":"987"' customer_id_missing customer_id
	checks_pass
}

@test "conversion_action_id: 1 to 19 digits, not zero" {
	BASE=$T
	expect '"customer_id":"1234567890","conversion_action_id":"1234567890123456789"' conversion_action '"customers/1234567890/conversionActions/1234567890123456789"'
	expect_reject '"customer_id":"1234567890","conversion_action_id":"12345678901234567890"' conversion_action_invalid conversion_action_id
	expect_reject '"customer_id":"1234567890","conversion_action_id":"0"' conversion_action_invalid conversion_action_id
	expect_reject '"customer_id":"1234567890","conversion_action_id":"000"' conversion_action_invalid conversion_action_id
	expect_reject '"customer_id":"1234567890","conversion_action_id":0' conversion_action_invalid conversion_action_id
	expect_reject '"conversion_action":"customers/1234567890/conversionActions/12345678901234567890"' conversion_action_invalid conversion_action
	checks_pass
}

## conversion_date_time

@test "time: RFC 3339 and Google's form become yyyy-mm-dd hh:mm:ss+hh:mm" {
	BASE=$CA
	expect '"conversion_date_time":"2026-04-23T12:31:09Z"' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":"2026-04-23t12:31:09z"' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":"2026-04-23T12:31:09+02:00"' conversion_date_time '"2026-04-23 12:31:09+02:00"'
	expect '"conversion_date_time":"2026-04-23T12:31:09-05:30"' conversion_date_time '"2026-04-23 12:31:09-05:30"'
	expect '"conversion_date_time":"2026-04-23T12:31:09+0200"' conversion_date_time '"2026-04-23 12:31:09+02:00"'
	expect '"conversion_date_time":"2026-04-23 14:31:09+02:00"' conversion_date_time '"2026-04-23 14:31:09+02:00"'
	expect '"conversion_date_time":"2026-04-23 14:31:09 +02:00"' conversion_date_time '"2026-04-23 14:31:09+02:00"'
	expect '"conversion_date_time":" 2026-04-23T12:31:09Z "' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":"2024-02-29T12:00:00Z"' conversion_date_time '"2024-02-29 12:00:00+00:00"'
	checks_pass
}

@test "time: a fraction of a second is truncated, not rounded" {
	BASE=$CA
	expect '"conversion_date_time":"2026-04-23T12:31:09.999Z"' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":"2026-04-23T12:31:59.999999+02:00"' conversion_date_time '"2026-04-23 12:31:59+02:00"'
	expect '"conversion_date_time":"2025-12-31T23:59:59.9Z"' conversion_date_time '"2025-12-31 23:59:59+00:00"'
	expect '"conversion_date_time":"2026-04-23T12:31:09,5Z"' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	checks_pass
}

@test "time: epoch seconds and milliseconds as numbers" {
	BASE=$CA
	expect '"conversion_date_time":1776947469' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":1776947469999' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":1776947469.9' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":1776947469' conversion_date_time '"2026-04-23 14:31:09+02:00"' -z Europe/Berlin
	checks_pass
}

@test "time: epoch seconds and milliseconds as digit strings (CSV exports)" {
	BASE=$CA
	expect '"conversion_date_time":"1776947469"' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":"1776947469123"' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	expect '"conversion_date_time":"1776947469"' conversion_date_time '"2026-04-23 14:31:09+02:00"' -z Europe/Berlin
	expect_reject '"conversion_date_time":"17769474x9"' time_invalid conversion_date_time
	checks_pass
}

@test "time: --timezone renders every time in the zone, summer and winter" {
	BASE=$CA
	expect '"conversion_date_time":"2026-04-23T12:31:09Z"' conversion_date_time '"2026-04-23 14:31:09+02:00"' --timezone Europe/Berlin
	expect '"conversion_date_time":"2026-01-15T12:31:09Z"' conversion_date_time '"2026-01-15 13:31:09+01:00"' -z Europe/Berlin
	expect '"conversion_date_time":"2026-04-23T12:31:09Z"' conversion_date_time '"2026-04-23 08:31:09-04:00"' -z America/New_York
	expect '"conversion_date_time":"2026-01-15T12:31:09Z"' conversion_date_time '"2026-01-15 07:31:09-05:00"' -z America/New_York
	expect '"conversion_date_time":"2026-04-23T12:31:09-04:00"' conversion_date_time '"2026-04-23 18:31:09+02:00"' -z Europe/Berlin
	expect '"conversion_date_time":"2026-04-23T12:31:09Z"' conversion_date_time '"2026-04-23 18:01:09+05:30"' -z Asia/Kolkata
	expect '"conversion_date_time":"2026-04-23T12:31:09Z"' conversion_date_time '"2026-04-23 12:31:09+00:00"' -z UTC
	checks_pass
}

@test "time: without an offset it is rejected, unless --timezone says where" {
	BASE=$CA
	expect_reject '"conversion_date_time":"2026-04-23 14:31:09"' time_no_offset conversion_date_time
	expect_reject '"conversion_date_time":"2026-04-23T14:31:09"' time_no_offset conversion_date_time
	expect '"conversion_date_time":"2026-04-23 14:31:09"' conversion_date_time '"2026-04-23 14:31:09+02:00"' -z Europe/Berlin
	expect '"conversion_date_time":"2026-01-15 13:31:09"' conversion_date_time '"2026-01-15 13:31:09+01:00"' -z Europe/Berlin
	expect '"conversion_date_time":"2026-04-23T08:31:09"' conversion_date_time '"2026-04-23 08:31:09-04:00"' -z America/New_York
	expect '"conversion_date_time":"2026-04-23T14:31"' conversion_date_time '"2026-04-23 14:31:00+02:00"' -z Europe/Berlin
	checks_pass
}

@test "defaults: --customer-id and --conversion-action fill records that lack them, and only those" {
	BASE='"conversion_date_time":"2026-04-23T12:31:09Z"'
	expect '"order_id":"1"' customer_id '"1234567890"' -C 123-456-7890 -a 987
	expect '"order_id":"1"' conversion_action '"customers/1234567890/conversionActions/987"' -C 123-456-7890 -a 987
	expect '"order_id":"1"' conversion_action_id '"987"' --customer-id 1234567890 --conversion-action 987
	expect '"order_id":"1"' conversion_action '"customers/1234567890/conversionActions/987"' -a customers/1234567890/conversionActions/987
	# The name gives the customer too, as in a record.
	expect '"order_id":"1"' customer_id '"1234567890"' -a customers/1234567890/conversionActions/987
	# A record's own values win; blank is absent, so it is filled.
	expect '"order_id":"1","customer_id":"999-999-9999","conversion_action_id":"55"' conversion_action '"customers/9999999999/conversionActions/55"' -C 1234567890 -a 987
	expect '"order_id":"1","customer_id":""' customer_id '"1234567890"' -C 1234567890 -a 987
	expect '"order_id":"1","conversion_action":"customers/9999999999/conversionActions/5"' conversion_action '"customers/9999999999/conversionActions/5"' -a 987
	checks_pass
	run --separate-stderr ac-normalize -a conversions/7 </dev/null
	[[ $status -eq 2 && $stderr == *"--conversion-action conversions/7: expected"* ]] ||
		{ echo "a bad action is a usage error: $status $stderr" >&2; return 1; }
	run --separate-stderr ac-normalize --customer-id 12345 </dev/null
	[[ $status -eq 2 && $stderr == *"--customer-id 12345: expected 10 digits"* ]] ||
		{ echo "a bad customer is a usage error: $status $stderr" >&2; return 1; }
}

@test "customer_type: new, returning or reengaged, any case, upper-cased; anything else dropped" {
	BASE=$CA,$T
	expect '"customer_type":"new"' customer_type '"NEW"'
	expect '"customer_type":" Returning "' customer_type '"RETURNING"'
	expect '"customer_type":"re-engaged"' customer_type '"REENGAGED"'
	expect '"customer_type":"REENGAGED"' customer_type '"REENGAGED"'
	expect_drop '"customer_type":"vip"' customer_type customer_type_invalid
	expect_drop '"customer_type":1' customer_type not_string
	expect '"customer_type":""' customer_type absent
	checks_pass
}

@test "stale clicks: a click ID converted longer ago than --click-window warns, keeps the record" {
	# AC_NOW is 2026-09-21 14:13:20 UTC; 90 days before: 2026-06-23.
	BASE=$CA
	local g='"gclid":"Cj0KCQjw-abc_DEF"'
	run_rec "$g"',"conversion_date_time":"2026-06-20T00:00:00Z"'
	is "$status" 0
	is "$(warns)" "conversion_date_time:click_expired" "older than 90 days"
	is "$(val conversion_date_time)" '"2026-06-20 00:00:00+00:00"' "the time is kept"
	[[ $stderr == *"in.ndjson:1: conversion_date_time: older than the click-through window"*"(click_expired)"* ]] ||
		{ echo "stderr: $stderr" >&2; return 1; }
	run_rec "$g"',"conversion_date_time":"2026-06-25T00:00:00Z"'
	is "$(warns)" "" "within 90 days"
	run_rec "$g"',"conversion_date_time":"2026-06-20T00:00:00Z"' -c 100
	is "$(warns)" "" "within --click-window 100"
	run_rec "$g"',"conversion_date_time":"2026-09-01T00:00:00Z"' --click-window 7
	is "$(warns)" "conversion_date_time:click_expired" "older than --click-window 7"
	run_rec '"gbraid":"0AAAAAoo-bRaId","conversion_date_time":"2026-01-20T00:00:00Z"'
	is "$(warns)" "conversion_date_time:click_expired" "gbraid too"
	# Without a click ID Google refuses nothing: no warning.
	run_rec '"hashed_email":"'"$(printf %064d 1)"'","conversion_date_time":"2026-01-20T00:00:00Z"'
	is "$(warns)" "" "a lead without a click ID"
	# Run again over its own output: the warning is not doubled.
	run_rec "$g"',"conversion_date_time":"2026-06-20T00:00:00Z"'
	printf '%s\n' "$output" >again.ndjson
	run --separate-stderr ac-normalize again.ndjson
	is "$(jq -c '.ac_warnings | length' <<<"$output")" 1 "one warning after two passes"
	run --separate-stderr ac-normalize -c 0 </dev/null
	[[ $status -eq 2 && $stderr == *"--click-window 0: "*"(1 to 365 days)"* ]] ||
		{ echo "a bad window is a usage error: $status $stderr" >&2; return 1; }
}

@test "time: --input-timezone reads times without offset in a zone of their own" {
	BASE=$CA
	# WooCommerce's date_created_gmt: UTC without a Z.
	expect '"conversion_date_time":"2026-04-23T12:31:09"' conversion_date_time '"2026-04-23 14:31:09+02:00"' -z Europe/Berlin --input-timezone UTC
	expect '"conversion_date_time":"2026-04-23T12:31:09"' conversion_date_time '"2026-04-23 12:31:09+00:00"' -Z UTC
	expect '"conversion_date_time":"2026-04-23T08:31:09"' conversion_date_time '"2026-04-23 14:31:09+02:00"' -z Europe/Berlin -Z America/New_York
	expect '"conversion_date_time":"2026-04-23T08:31:09"' conversion_date_time '"2026-04-23 08:31:09-04:00"' -Z America/New_York
	# A time with its offset keeps it; -Z only reads those without.
	expect '"conversion_date_time":"2026-04-23T12:31:09Z"' conversion_date_time '"2026-04-23 14:31:09+02:00"' -z Europe/Berlin -Z America/New_York
	expect_reject '"conversion_date_time":"2026-03-08T02:30:00"' time_nonexistent conversion_date_time -z Europe/Berlin -Z America/New_York
	run --separate-stderr ac-normalize -Z Mars/Olympus </dev/null
	[[ $status -eq 2 && $stderr == *"--input-timezone Mars/Olympus: not a time zone"* ]] ||
		{ echo "a bad zone is a usage error: $status $stderr" >&2; return 1; }
	checks_pass
}

@test "time: a local time in a DST gap is rejected, an ambiguous one is its first occurrence" {
	BASE=$CA
	expect_reject '"conversion_date_time":"2026-03-29 02:30:00"' time_nonexistent conversion_date_time -z Europe/Berlin
	expect_reject '"conversion_date_time":"2026-03-08 02:30:00"' time_nonexistent conversion_date_time -z America/New_York
	expect '"conversion_date_time":"2025-10-26 02:30:00"' conversion_date_time '"2025-10-26 02:30:00+02:00"' -z Europe/Berlin
	expect '"conversion_date_time":"2025-11-02 01:30:00"' conversion_date_time '"2025-11-02 01:30:00-04:00"' -z America/New_York
	checks_pass
}

@test "time: invalid dates and forms are rejected with time_invalid" {
	BASE=$CA
	local t
	for t in '"2026-02-30T12:00:00Z"' '"2026-02-29T12:00:00Z"' \
	    '"2026-04-31T12:00:00Z"' '"2026-13-01T00:00:00Z"' \
	    '"2026-04-23T24:00:00Z"' '"2026-04-23T12:60:00Z"' \
	    '"2026-04-23T12:31:60Z"' '"2026-04-23"' '"yesterday"' \
	    '"2026-04-23T12:31:09+25:00"' '"2026-04-23T12:31:09.Z"' \
	    '"23.04.2026 12:31"' true -5 '{}'; do
		expect_reject '"conversion_date_time":'"$t" time_invalid conversion_date_time
	done
	checks_pass
}

@test "time: a missing time rejects the record" {
	BASE=$CA
	expect_reject '"x":1' time_missing conversion_date_time
	expect_reject '"conversion_date_time":null' time_missing conversion_date_time
	checks_pass
}

@test "time: up to 10 minutes ahead of AC_NOW is accepted, more is time_future" {
	# AC_NOW=1790000000 is 2026-09-21 14:13:20 UTC.
	BASE=$CA
	expect '"conversion_date_time":"2026-09-21T14:23:20Z"' conversion_date_time '"2026-09-21 14:23:20+00:00"'
	expect '"conversion_date_time":"2026-09-21T14:20:00Z"' conversion_date_time '"2026-09-21 14:20:00+00:00"'
	expect '"conversion_date_time":1790000600' conversion_date_time '"2026-09-21 14:23:20+00:00"'
	expect '"conversion_date_time":"2026-09-21 16:23:20"' conversion_date_time '"2026-09-21 16:23:20+02:00"' -z Europe/Berlin
	expect_reject '"conversion_date_time":"2026-09-21T14:23:21Z"' time_future conversion_date_time
	expect_reject '"conversion_date_time":"2026-09-21 16:23:21+02:00"' time_future conversion_date_time
	expect_reject '"conversion_date_time":1790000601' time_future conversion_date_time
	expect_reject '"conversion_date_time":1790000601000' time_future conversion_date_time
	expect_reject '"conversion_date_time":"2099-01-01T00:00:00Z"' time_future conversion_date_time
	expect_reject '"conversion_date_time":"2026-09-21 16:23:21"' time_future conversion_date_time -z Europe/Berlin
	checks_pass
}

@test "time: the clock comes from AC_NOW" {
	BASE=$CA
	run_rec '"conversion_date_time":"2026-09-22T00:00:00Z"'
	is "$status" 1 "future for AC_NOW=$AC_NOW"
	AC_NOW=1800000000 run_rec '"conversion_date_time":"2026-09-22T00:00:00Z"'
	is "$status" 0 "past for AC_NOW=1800000000"
}

@test "time: TZ in the environment is not used" {
	BASE=$CA
	TZ=America/New_York expect '"conversion_date_time":"2026-04-23T12:31:09+02:00"' conversion_date_time '"2026-04-23 12:31:09+02:00"'
	TZ=America/New_York expect '"conversion_date_time":1776947469' conversion_date_time '"2026-04-23 12:31:09+00:00"'
	TZ=America/New_York expect_reject '"conversion_date_time":"2026-04-23 12:31:09"' time_no_offset conversion_date_time
	checks_pass
}

@test "an invalid AC_NOW exits 2" {
	rec '' >in.ndjson
	AC_NOW=abc run --separate-stderr ac-normalize in.ndjson
	is "$status" 2
	is "$output" ""
	[[ $stderr == *"ac-normalize: AC_NOW: "* ]]
}

@test "time: a bad --timezone exits 2 before reading anything" {
	rec '' >in.ndjson
	local z
	for z in Mars/Olympus Europe /etc/passwd ../zoneinfo/UTC ''; do
		run --separate-stderr ac-normalize -z "$z" in.ndjson
		is "$status" 2 "exit status for -z '$z'"
		is "$output" "" "stdout for -z '$z'"
		[[ $stderr == *"ac-normalize: --timezone"* ]] ||
		    { echo "stderr: $stderr" >&2; return 1; }
	done
}

## conversion_value, currency_code, order_id

@test "conversion_value: numbers and numeric strings become numbers" {
	expect '"conversion_value":49.9,"currency_code":"EUR"' conversion_value 49.9
	expect '"conversion_value":"49.90","currency_code":"EUR"' conversion_value 49.9
	expect '"conversion_value":" 120 ","currency_code":"EUR"' conversion_value 120
	expect '"conversion_value":0,"currency_code":"EUR"' conversion_value 0
	expect '"conversion_value":"0.5","currency_code":"EUR"' conversion_value 0.5
	checks_pass
}

@test "conversion_value: thousands separators and decimal commas as shops write them" {
	expect '"conversion_value":"12,000.00","currency_code":"USD"' conversion_value 12000
	expect '"conversion_value":"1.234.567,89","currency_code":"EUR"' conversion_value 1234567.89
	expect '"conversion_value":"12 000,50","currency_code":"EUR"' conversion_value 12000.5
	expect '"conversion_value":"1'"'"'234.50","currency_code":"CHF"' conversion_value 1234.5
	expect '"conversion_value":"1,234,567","currency_code":"USD"' conversion_value 1234567
	expect '"conversion_value":"49,90","currency_code":"EUR"' conversion_value 49.9
	# One dot is a decimal point, as in JSON.
	expect '"conversion_value":"1.234","currency_code":"EUR"' conversion_value 1.234
	checks_pass
}

@test "conversion_value: a lone comma before three digits is ambiguous, and says so" {
	expect_reject '"conversion_value":"1,234","currency_code":"EUR"' value_ambiguous conversion_value
	[[ $stderr == *"thousands separator or a decimal comma"* ]] ||
		{ echo "the message says why: $stderr" >&2; return 1; }
	[[ $stderr != *"1,234"* && $(jq -r .message rej.ndjson) != *1,234* ]] ||
		{ echo "the message names no value: $stderr" >&2; return 1; }
	expect_reject '"conversion_value":"12,34,567","currency_code":"INR"' value_invalid conversion_value
	expect_reject '"conversion_value":"1,234.567,8","currency_code":"EUR"' value_invalid conversion_value
	checks_pass
}

@test "conversion_value: --value-unit minor reads the currency's ISO 4217 minor unit" {
	expect '"conversion_value":1999,"currency_code":"USD"' conversion_value 19.99 --value-unit minor
	expect '"conversion_value":"1999","currency_code":"eur"' conversion_value 19.99 -u minor
	expect '"conversion_value":1999,"currency_code":"JPY"' conversion_value 1999 -u minor
	expect '"conversion_value":1999,"currency_code":"KRW"' conversion_value 1999 -u minor
	expect '"conversion_value":12345,"currency_code":"BHD"' conversion_value 12.345 -u minor
	expect '"conversion_value":0,"currency_code":"USD"' conversion_value 0 -u minor
	expect '"conversion_value":1999,"currency_code":"USD"' conversion_value 1999 -u major
	expect_reject '"conversion_value":19.99,"currency_code":"USD"' value_invalid conversion_value -u minor
	expect_reject '"conversion_value":100,"currency_code":"XDR"' value_unit_unknown currency_code -u minor
	expect_reject '"conversion_value":100' currency_missing currency_code -u minor
	run --separate-stderr ac-normalize --value-unit cents </dev/null
	[[ $status -eq 2 && $stderr == *"--value-unit cents: expected major or minor"* ]] ||
		{ echo "a bad unit is a usage error: $status $stderr" >&2; return 1; }
}

@test "conversion_value: negative and non-numbers reject" {
	expect_reject '"conversion_value":-1,"currency_code":"EUR"' value_negative conversion_value
	expect_reject '"conversion_value":"-0.01","currency_code":"EUR"' value_negative conversion_value
	expect_reject '"conversion_value":"abc","currency_code":"EUR"' value_invalid conversion_value
	# A blank value is absent, as null is (an empty CSV cell).
	expect '"conversion_value":"","currency_code":"EUR"' conversion_value absent
	expect_reject '"conversion_value":"€49","currency_code":"EUR"' value_invalid conversion_value
	expect_reject '"conversion_value":true,"currency_code":"EUR"' value_invalid conversion_value
	checks_pass
}

@test "currency_code: trimmed and uppercased ISO 4217, required with a value" {
	expect '"conversion_value":1,"currency_code":" eur "' currency_code '"EUR"'
	expect '"conversion_value":1,"currency_code":"usd"' currency_code '"USD"'
	expect '"currency_code":"jpy"' currency_code '"JPY"'
	expect_reject '"conversion_value":1,"currency_code":"XYZ"' currency_invalid currency_code
	expect_reject '"conversion_value":1,"currency_code":"EURO"' currency_invalid currency_code
	expect_reject '"conversion_value":1,"currency_code":5' currency_invalid currency_code
	expect_reject '"conversion_value":1' currency_missing currency_code
	expect_reject '"conversion_value":"49.90","currency_code":null' currency_missing currency_code
	checks_pass
}

@test "conversion_value and currency_code: null means absent" {
	run_rec '"conversion_value":null,"currency_code":null'
	is "$status" 0
	is "$(jq -c 'has("conversion_value"), has("currency_code")' <<<"$output" | tr '\n' ' ')" "false false "
}

@test "order_id: strings trimmed, integers become strings" {
	expect '"order_id":"  A-1001 "' order_id '"A-1001"'
	expect '"order_id":1001' order_id '"1001"'
	expect '"order_id":9007199254740991' order_id '"9007199254740991"'
	expect '"order_id":null' order_id absent
	checks_pass
}

@test "order_id: an integer of 2^53 or more rejects, telling to send a string" {
	expect_reject '"order_id":9007199254740992' order_id_imprecise order_id
	expect_reject '"order_id":12345678901234567890' order_id_imprecise order_id
	expect_reject '"order_id":1.5' order_id_imprecise order_id
	expect_reject '"order_id":["a"]' order_id_invalid order_id
	rec '"order_id":12345678901234567890' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	[[ $stderr == *"order_id: "*"send order_id as a string (order_id_imprecise)"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	is "$(jq -r .message rej.ndjson)" "a number that JSON parsers cannot hold exactly; send order_id as a string"
	checks_pass
}

@test "order_id: the rejects file keeps the digits of a 2^53+ order_id as read" {
	# The reason for this reject is that the number cannot be held in a
	# double; the rejects file must still show what was sent, or the
	# order id is lost for the replay.
	rec '"order_id":9007199254740993' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 1
	grep -qF 9007199254740993 rej.ndjson ||
	    { echo "rejects file: $(cat rej.ndjson)" >&2; return 1; }
}

@test "order_id: a blank one is dropped with a warning" {
	run_rec '"order_id":"   "'
	is "$status" 0
	is "$(has order_id)" false
	is "$(warns)" "order_id:order_id_empty"
}

@test "gclid, gbraid, wbraid trimmed; conversion_environment APP or WEB" {
	expect '"gclid":" Cj0KCQjw-abc_DEF "' gclid '"Cj0KCQjw-abc_DEF"'
	expect '"gbraid":" 0AAAAA "' gbraid '"0AAAAA"'
	expect '"wbraid":"w1 "' wbraid '"w1"'
	expect '"conversion_environment":" web "' conversion_environment '"WEB"'
	expect '"conversion_environment":"App"' conversion_environment '"APP"'
	expect_drop '"conversion_environment":"TV"' conversion_environment conversion_environment_invalid
	checks_pass
}

## Record kinds: adjustments and call conversions (issue 6)
# AC_NOW=1790000000 is 2026-09-21 14:13:20 UTC (helper.bash).

ADJ_CV='"conversion_date_time":"2026-09-01T10:00:00Z"'
ADJ_T='"adjustment_date_time":"2026-09-20T10:00:00Z"'
RETR="$CA"',"adjustment_type":"RETRACTION","order_id":"R-1",'"$ADJ_T"
CALL="$CA"',"call_start_date_time":"2026-09-20T10:00:00Z","conversion_date_time":"2026-09-20T11:00:00Z"'

@test "kinds: golden: an enhancement, two retractions, a restatement, two calls give exactly kinds.out" {
	fixture kinds -z Europe/Berlin
	is "$status" 0 "exit status"
	is "$(tail -n 1 err)" \
	    "$(summary 6 6 0 '' 3 '2 click_id_ignored, 1 user_agent_ignored')" \
	    "summary"
	# Normalizing the output again changes nothing.
	cp "$F/kinds.out" again.in
	run --separate-stderr ac-normalize -z Europe/Berlin again.in
	is "$output" "$(cat "$F/kinds.out")" "second pass over kinds.out"
}

@test "kinds: every new reject code, in the rejects file; conservation holds" {
	cp "$F/kinds-rejects.in" .
	run --separate-stderr ac-normalize -v -R rej.ndjson kinds-rejects.in
	is "$status" 1
	is "$output" "$(cat "$F/kinds-rejects.out")" "stdout"
	printf '%s\n' "$output" >out
	local err=$stderr
	run jq -r '"\(.line) \(.code) \(.field)"' rej.ndjson
	is "$output" "1 adjustment_type_invalid adjustment_type
2 adjustment_date_time_missing adjustment_date_time
3 adjustment_date_time_invalid adjustment_date_time
4 adjusted_value_missing adjusted_value
5 order_id_missing order_id
6 adjustment_key_missing order_id
7 adjustment_key_both order_id
8 adjustment_precedes_conversion adjustment_date_time
9 caller_id_invalid caller_id
10 call_start_date_time_missing call_start_date_time
11 call_start_date_time_invalid call_start_date_time
12 conversion_precedes_call conversion_date_time"
	local n
	for n in $(seq 12); do
		is "$(jq -c --argjson n "$n" 'select(.line == $n) | .record' rej.ndjson)" \
		    "$(sed -n "${n}p" kinds-rejects.in | jq -c .)" "record of line $n"
	done
	is "$(nonblank kinds-rejects.in)" \
	    "$(($(grep -c . out) + $(nlines rej.ndjson)))" "conservation"
	# Messages name fields and codes, never the values.
	local p
	for p in wilhelmina quarrington thaddeus bartholomew 5550123 5550187 \
	    5550199 5550100 'call me' R-1 R-2 Cj0KCQ REFUND '20.09.2026'; do
		if grep -qiF -- "$p" <<<"$err"; then
			echo "'$p' on stderr" >&2
			return 1
		fi
	done
	is "$(grep -c 'kinds-rejects.in:[0-9]*:' <<<"$err")" 12 "located lines"
}

@test "kinds: adjustment_type in any case, trimmed, written upper-case; anything else rejects" {
	BASE="$CA,$ADJ_T"',"order_id":"R-1"'
	expect '"adjustment_type":"retraction"' adjustment_type '"RETRACTION"'
	expect '"adjustment_type":" Restatement ","adjusted_value":1,"currency_code":"EUR"' adjustment_type '"RESTATEMENT"'
	expect '"adjustment_type":"\tenhancement"' adjustment_type '"ENHANCEMENT"'
	expect_reject '"adjustment_type":"REFUND"' adjustment_type_invalid adjustment_type
	expect_reject '"adjustment_type":"RETRACTIONS"' adjustment_type_invalid adjustment_type
	expect_reject '"adjustment_type":"ENHANCEMENT_AND_MORE"' adjustment_type_invalid adjustment_type
	expect_reject '"adjustment_type":2' adjustment_type_invalid adjustment_type
	expect_reject '"adjustment_type":["RETRACTION"]' adjustment_type_invalid adjustment_type
	checks_pass
}

@test "kinds: a null or blank adjustment_type or caller_id is absent: a click, unchanged" {
	BASE="$CA,$T"
	expect '"adjustment_type":null' adjustment_type absent
	expect '"adjustment_type":"  "' adjustment_type absent
	expect '"caller_id":""' caller_id absent
	# A click keeps the fields of other kinds as they are, user_agent too.
	run_rec '"user_agent":" UA ","adjustment_date_time":"x","adjusted_value":"y","call_start_date_time":"z"'
	is "$status" 0
	is "$(jq -c '[.user_agent, .adjustment_date_time, .adjusted_value, .call_start_date_time, .ac_warnings]' <<<"$output")" \
	    '[" UA ","x","y","z",null]'
	checks_pass
}

@test "kinds: adjustment_type comes before caller_id" {
	BASE="$RETR"
	run_rec '"caller_id":"+49 30 5550100","call_start_date_time":"2026-09-20T10:00:00Z"'
	is "$status" 0
	is "$(val adjustment_type)" '"RETRACTION"'
	is "$(warns)" "caller_id:caller_id_ignored call_start_date_time:call_start_date_time_ignored"
}

@test "adjustment_date_time: read and written like conversion_date_time" {
	BASE="$CA"',"adjustment_type":"RETRACTION","order_id":"R-1"'
	expect '"adjustment_date_time":"2026-09-20T10:00:00Z"' adjustment_date_time '"2026-09-20 10:00:00+00:00"'
	expect '"adjustment_date_time":"2026-09-20T10:00:00.9+02:00"' adjustment_date_time '"2026-09-20 10:00:00+02:00"'
	expect '"adjustment_date_time":1789898400' adjustment_date_time '"2026-09-20 10:00:00+00:00"'
	expect '"adjustment_date_time":"1789898400000"' adjustment_date_time '"2026-09-20 10:00:00+00:00"'
	expect '"adjustment_date_time":"2026-09-20T10:00:00Z"' adjustment_date_time '"2026-09-20 12:00:00+02:00"' -z Europe/Berlin
	expect '"adjustment_date_time":"2026-09-20 10:00"' adjustment_date_time '"2026-09-20 10:00:00-04:00"' --timezone America/New_York
	checks_pass
}

@test "adjustment_date_time: required for RETRACTION and RESTATEMENT, optional for ENHANCEMENT" {
	BASE="$CA"',"order_id":"R-1"'
	expect_reject '"adjustment_type":"RETRACTION"' adjustment_date_time_missing adjustment_date_time
	expect_reject '"adjustment_type":"RETRACTION","adjustment_date_time":null' adjustment_date_time_missing adjustment_date_time
	expect_reject '"adjustment_type":"RESTATEMENT","adjustment_date_time":" ","adjusted_value":1,"currency_code":"EUR"' adjustment_date_time_missing adjustment_date_time
	expect '"adjustment_type":"ENHANCEMENT"' adjustment_date_time absent
	checks_pass
}

@test "adjustment_date_time: every fault of a time is adjustment_date_time_invalid" {
	BASE="$CA"',"adjustment_type":"RETRACTION","order_id":"R-1"'
	local t
	for t in '"yesterday"' '"2026-02-30T12:00:00Z"' '"2026-09-20 10:00:00"' \
	    '"2026-09-21T14:23:21Z"' 0 true '{}'; do
		expect_reject '"adjustment_date_time":'"$t" adjustment_date_time_invalid adjustment_date_time
	done
	expect_reject '"adjustment_date_time":"2026-03-29 02:30:00"' adjustment_date_time_invalid adjustment_date_time -z Europe/Berlin
	# The message says which fault.
	rec '"adjustment_date_time":"2026-09-20 10:00:00"' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$(jq -r .message rej.ndjson)" "no UTC offset; give --timezone or --input-timezone to read it"
	checks_pass
}

@test "adjustment_date_time: before conversion_date_time rejects the record" {
	BASE="$CA"',"adjustment_type":"RESTATEMENT","order_id":"R-1","adjusted_value":1,"currency_code":"EUR"'
	expect_reject '"conversion_date_time":"2026-09-10T10:00:00Z","adjustment_date_time":"2026-09-10T09:59:59Z"' adjustment_precedes_conversion adjustment_date_time
	# Compared as instants, not as text.
	expect_reject '"conversion_date_time":"2026-09-10T10:00:00Z","adjustment_date_time":"2026-09-10T11:00:00+02:00"' adjustment_precedes_conversion adjustment_date_time
	expect '"conversion_date_time":"2026-09-10T10:00:00Z","adjustment_date_time":"2026-09-10T12:00:00+02:00"' adjustment_date_time '"2026-09-10 12:00:00+02:00"'
	checks_pass
}

@test "adjusted_value: a RESTATEMENT's new value, like conversion_value, with currency_code" {
	BASE="$CA"',"adjustment_type":"RESTATEMENT","order_id":"R-1",'"$ADJ_T"
	expect '"adjusted_value":"12.50","currency_code":" eur "' adjusted_value 12.5
	expect '"adjusted_value":0,"currency_code":"EUR"' adjusted_value 0
	expect '"adjusted_value":" 120 ","currency_code":"usd"' currency_code '"USD"'
	expect_reject '"currency_code":"EUR"' adjusted_value_missing adjusted_value
	expect_reject '"adjusted_value":null,"currency_code":"EUR"' adjusted_value_missing adjusted_value
	expect_reject '"adjusted_value":"","currency_code":"EUR"' adjusted_value_missing adjusted_value
	expect_reject '"adjusted_value":-1,"currency_code":"EUR"' value_negative adjusted_value
	expect_reject '"adjusted_value":"12;50","currency_code":"EUR"' value_invalid adjusted_value
	expect_reject '"adjusted_value":true,"currency_code":"EUR"' value_invalid adjusted_value
	expect_reject '"adjusted_value":5' currency_missing currency_code
	expect_reject '"adjusted_value":5,"currency_code":"EURO"' currency_invalid currency_code
	checks_pass
}

@test "adjusted_value: on a RETRACTION, an ENHANCEMENT or a call it is dropped" {
	BASE=
	expect_drop "$RETR"',"adjusted_value":5' adjusted_value adjusted_value_ignored
	expect_drop "$CA"',"adjustment_type":"ENHANCEMENT","order_id":"E-1","adjusted_value":"x"' adjusted_value adjusted_value_ignored
	expect_drop "$CALL"',"caller_id":"+49 30 5550100","adjusted_value":5' adjusted_value adjusted_value_ignored
	checks_pass
}

@test "user_agent: kept trimmed on an ENHANCEMENT, up to 512 bytes" {
	local ua512 ua513
	ua512=$(head -c 512 /dev/zero | tr '\0' u)
	ua513=${ua512}u
	BASE="$CA"',"adjustment_type":"ENHANCEMENT","order_id":"E-1"'
	expect '"user_agent":"  Mozilla/5.0 (X11)\t"' user_agent '"Mozilla/5.0 (X11)"'
	expect '"user_agent":" '"$ua512"' "' user_agent "\"$ua512\""
	expect_drop '"user_agent":"'"$ua513"'"' user_agent user_agent_invalid
	expect_drop '"user_agent":42' user_agent not_string
	expect '"user_agent":" "' user_agent absent
	checks_pass
}

@test "user_agent: on a RETRACTION, a RESTATEMENT or a call it is dropped" {
	BASE=
	expect_drop "$RETR"',"user_agent":"Mozilla/5.0"' user_agent user_agent_ignored
	expect_drop "$CA"',"adjustment_type":"RESTATEMENT","order_id":"R-1",'"$ADJ_T"',"adjusted_value":1,"currency_code":"EUR","user_agent":"UA"' user_agent user_agent_ignored
	expect_drop "$CALL"',"caller_id":"+49 30 5550100","user_agent":"UA"' user_agent user_agent_ignored
	checks_pass
}

@test "adjustments: ENHANCEMENT needs order_id" {
	BASE="$CA"',"adjustment_type":"ENHANCEMENT"'
	expect_reject '"email":"a@example.com"' order_id_missing order_id
	expect_reject '"order_id":"  "' order_id_missing order_id
	expect_reject '"order_id":null,"gclid":"Cj0KCQjwBpA4r-uhw8jW",'"$ADJ_CV" order_id_missing order_id
	# A gclid with its conversion time may come along.
	expect '"order_id":"E-1","gclid":" Cj0KCQjwBpA4r-uhw8jW ",'"$ADJ_CV" gclid '"Cj0KCQjwBpA4r-uhw8jW"'
	checks_pass
}

@test "adjustments: RETRACTION and RESTATEMENT need order_id or gclid with conversion_date_time, not both" {
	BASE="$CA"',"adjustment_type":"RETRACTION",'"$ADJ_T"
	expect '"order_id":" R-1 "' order_id '"R-1"'
	expect '"order_id":1001' order_id '"1001"'
	expect '"gclid":"Cj0KCQjwBpA4r-uhw8jW",'"$ADJ_CV" gclid '"Cj0KCQjwBpA4r-uhw8jW"'
	expect_reject '"x":1' adjustment_key_missing order_id
	expect_reject '"gclid":"Cj0KCQjwBpA4r-uhw8jW"' adjustment_key_missing order_id
	expect_reject "$ADJ_CV" adjustment_key_missing order_id
	expect_reject '"order_id":"","gclid":" "' adjustment_key_missing order_id
	expect_reject '"order_id":"R-1","gclid":"Cj0KCQjwBpA4r-uhw8jW"' adjustment_key_both order_id
	expect_reject '"order_id":"R-1","gclid":"Cj0KCQjwBpA4r-uhw8jW",'"$ADJ_CV" adjustment_key_both order_id
	BASE="$CA"',"adjustment_type":"RESTATEMENT","adjusted_value":1,"currency_code":"EUR",'"$ADJ_T"
	expect_reject '"x":1' adjustment_key_missing order_id
	expect_reject '"order_id":"R-1","gclid":"Cj0KCQjwBpA4r-uhw8jW"' adjustment_key_both order_id
	checks_pass
}

@test "adjustments: conversion_action is needed, conversion_date_time is not" {
	BASE=
	expect_reject '"adjustment_type":"RETRACTION","order_id":"R-1",'"$ADJ_T" conversion_action_missing conversion_action
	expect "$RETR" conversion_date_time absent
	expect_reject "$RETR"',"conversion_date_time":"x"' time_invalid conversion_date_time
	checks_pass
}

@test "adjustments: gbraid and wbraid are dropped, gclid is kept" {
	BASE=
	expect_drop "$RETR"',"gbraid":"0AAAAAbbbbbb"' gbraid click_id_ignored
	expect_drop "$RETR"',"wbraid":"0AAAAAbbbbbb"' wbraid click_id_ignored
	expect_drop "$CA"',"adjustment_type":"ENHANCEMENT","order_id":"E-1","wbraid":"w"' wbraid click_id_ignored
	expect "$RETR"',"gbraid":""' gbraid absent
	checks_pass
}

@test "adjustments: caller_id and call_start_date_time are dropped" {
	BASE=
	expect_drop "$RETR"',"caller_id":"+49 30 5550100"' caller_id caller_id_ignored
	expect_drop "$RETR"',"call_start_date_time":"2026-09-20T10:00:00Z"' call_start_date_time call_start_date_time_ignored
	checks_pass
}

@test "adjustments: no minimum age (since 2024-09-09), conversion_expired over 54 days (AC_NOW)" {
	BASE="$CA"',"adjustment_type":"ENHANCEMENT","order_id":"E-1"'
	local t w
	while read -r t w; do
		run_rec '"conversion_date_time":"'"$t"'"'
		is "$status" 0 "exit for $t"
		is "$(warns)" "$w" "warnings for $t"
		is "$(val conversion_date_time)" "\"${t/T/ }\"" "kept: $t"
	done <<-'EOF'
	2026-09-21T14:13:20+00:00 
	2026-09-20T14:13:21+00:00 
	2026-09-20T14:13:20+00:00 
	2026-07-29T14:13:20+00:00 
	2026-07-29T14:13:19+00:00 conversion_date_time:conversion_expired
	2026-01-01T00:00:00+00:00 conversion_date_time:conversion_expired
	EOF
	# Retractions and restatements need not wait either: no warning for
	# one an hour after its conversion (there was too_recent_conversion
	# before Google dropped the 24-hour wait).
	BASE="$CA"',"adjustment_type":"RETRACTION","order_id":"R-1","adjustment_date_time":"2026-09-21T14:13:20Z"'
	while read -r t w; do
		run_rec '"conversion_date_time":"'"$t"'"'
		is "$(warns)" "$w" "retraction: warnings for $t"
	done <<-'EOF'
	2026-09-21T14:13:20+00:00 
	2026-09-20T14:13:21+00:00 
	2026-07-29T14:13:19+00:00 conversion_date_time:conversion_expired
	EOF
	BASE="$CA"',"adjustment_type":"RETRACTION","order_id":"R-1","adjustment_date_time":"2026-09-21T11:00:00Z"'
	run_rec '"conversion_date_time":"2026-09-21T10:00:00Z"'
	is "$(warns)" ""
	[[ $stderr != *too_recent* ]] || { echo "stderr: $stderr" >&2; return 1; }
	# The clock is AC_NOW's.
	AC_NOW=1791000000 run_rec '"conversion_date_time":"2026-09-21T10:00:00Z"'
	is "$(warns)" ""
	run_rec '"conversion_date_time":"2026-08-01T00:00:00Z"'
	is "$(warns)" ""
	AC_NOW=1791000000 run_rec '"conversion_date_time":"2026-08-01T00:00:00Z"'
	is "$(warns)" "conversion_date_time:conversion_expired"
	# No conversion_date_time, no timing warning.
	BASE=
	run_rec "$RETR"
	is "$(warns)" ""
}

@test "calls: caller_id in E.164 by the phone rules, never hashed" {
	BASE="$CALL"
	expect '"caller_id":"030 12345678","country_code":"DE"' caller_id '"+493012345678"'
	expect '"caller_id":"030 12345678","country_code":" de "' caller_id '"+493012345678"'
	expect '"caller_id":"020 7946 0958","country_code":"UK"' caller_id '"+442079460958"'
	expect '"caller_id":"(415) 555-0100"' caller_id '"+14155550100"' -d US
	expect '"caller_id":"(415) 555-0100","country_code":"US"' caller_id '"+14155550100"' -d DE
	expect '"caller_id":"+49 (0)30 12345678 ext 9"' caller_id '"+493012345678"'
	expect '"caller_id":4155550100,"country_code":"US"' caller_id '"+14155550100"'
	expect '"caller_id":"0049 30 12345678","country_code":"DE"' caller_id '"+493012345678"'
	checks_pass
}

@test "calls: a caller_id that is not a phone number rejects the record" {
	local h=509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a
	BASE="$CALL"
	expect_reject '"caller_id":"call me"' caller_id_invalid caller_id
	expect_reject '"caller_id":"030 12345678"' caller_id_invalid caller_id
	expect_reject '"caller_id":"030 12345678","country_code":"Zanzibaria"' caller_id_invalid caller_id -d DE
	expect_reject '"caller_id":"030 12345678","country_code":42' caller_id_invalid caller_id -d DE
	expect_reject '"caller_id":"+999 1234567"' caller_id_invalid caller_id
	expect_reject '"caller_id":"+1 999 999 9999"' caller_id_invalid caller_id
	expect_reject '"caller_id":"'"$h"'"' caller_id_invalid caller_id
	expect_reject '"caller_id":true' caller_id_invalid caller_id
	expect_reject '"caller_id":1.5' caller_id_invalid caller_id
	# The message tells why, never what.
	rec '"caller_id":"030 12345678"' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$(jq -r .message rej.ndjson)" "a national number, and no numbering region from country_code or --default-region"
	[[ $stderr != *12345678* ]]
	checks_pass
}

@test "calls: call_start_date_time is required and read like conversion_date_time" {
	BASE="$CA"',"caller_id":"+49 30 5550100","conversion_date_time":"2026-09-20T11:00:00Z"'
	expect '"call_start_date_time":"2026-09-20T10:00:00Z"' call_start_date_time '"2026-09-20 10:00:00+00:00"'
	expect '"call_start_date_time":"2026-09-20 12:00"' call_start_date_time '"2026-09-20 12:00:00+02:00"' -z Europe/Berlin
	expect '"call_start_date_time":1789898400' call_start_date_time '"2026-09-20 10:00:00+00:00"'
	expect_reject '"x":1' call_start_date_time_missing call_start_date_time
	expect_reject '"call_start_date_time":null' call_start_date_time_missing call_start_date_time
	expect_reject '"call_start_date_time":"soon"' call_start_date_time_invalid call_start_date_time
	expect_reject '"call_start_date_time":"2026-09-20 10:00"' call_start_date_time_invalid call_start_date_time
	expect_reject '"call_start_date_time":"2026-09-21T14:23:21Z"' call_start_date_time_invalid call_start_date_time
	checks_pass
}

@test "calls: conversion_action and conversion_date_time are needed, and the conversion follows the call" {
	BASE=
	expect_reject '"caller_id":"+49 30 5550100","call_start_date_time":"2026-09-20T10:00:00Z",'"$T" conversion_action_missing conversion_action
	expect_reject "$CA"',"caller_id":"+49 30 5550100","call_start_date_time":"2026-09-20T10:00:00Z"' time_missing conversion_date_time
	BASE="$CA"',"caller_id":"+49 30 5550100","call_start_date_time":"2026-09-20T10:00:00Z"'
	expect_reject '"conversion_date_time":"2026-09-20T09:59:59Z"' conversion_precedes_call conversion_date_time
	expect_reject '"conversion_date_time":"2026-09-20T11:59:59+02:00"' conversion_precedes_call conversion_date_time
	expect '"conversion_date_time":"2026-09-20T10:00:00Z"' conversion_date_time '"2026-09-20 10:00:00+00:00"'
	checks_pass
}

@test "calls: click identifiers and adjustment fields are dropped" {
	BASE="$CALL"',"caller_id":"+49 30 5550100"'
	expect_drop '"gclid":"Cj0KCQjwBpA4r-uhw8jW"' gclid click_id_ignored
	expect_drop '"gbraid":"0AAAAAbbbbbb"' gbraid click_id_ignored
	expect_drop '"wbraid":"0AAAAAbbbbbb"' wbraid click_id_ignored
	expect_drop '"adjustment_date_time":"2026-09-20T10:00:00Z"' adjustment_date_time adjustment_date_time_ignored
	expect '"gclid":"  "' gclid absent
	checks_pass
}

@test "calls: too_recent_call when the call started less than 6 hours ago (AC_NOW)" {
	BASE="$CA"',"caller_id":"+49 30 5550100"'
	local t w
	while read -r t w; do
		run_rec '"call_start_date_time":"'"$t"'","conversion_date_time":"2026-09-21T14:13:20Z"'
		is "$status" 0 "exit for $t"
		is "$(warns)" "$w" "warnings for $t"
	done <<-'EOF'
	2026-09-21T14:00:00Z call_start_date_time:too_recent_call
	2026-09-21T08:13:21Z call_start_date_time:too_recent_call
	2026-09-21T08:13:20Z 
	2026-09-01T08:00:00Z 
	EOF
	run_rec '"call_start_date_time":"2026-09-21T12:00:00Z","conversion_date_time":"2026-09-21T12:30:00Z"'
	[[ $stderr == *"in.ndjson:1: call_start_date_time: "*"(too_recent_call)"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	AC_NOW=1800000000 run_rec '"call_start_date_time":"2026-09-21T12:00:00Z","conversion_date_time":"2026-09-21T12:30:00Z"'
	is "$(warns)" ""
}

@test "calls: a rejected call carries no warnings and its caller is not on stderr" {
	BASE="$CA"',"caller_id":"+49 30 5550187","gclid":"Cj0KCQjwBpA4r-uhw8jW","email":"bad"'
	rec '"call_start_date_time":"2026-09-21T14:00:00Z","conversion_date_time":"2026-09-21T13:00:00Z"' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(tail -n 1 <<<"$stderr")" "$(summary 1 0 1 '1 conversion_precedes_call' 0)"
	[[ $stderr != *5550187* ]]
}

## The rejects file

@test "rejects: stage, file, line, code, field, message and the record as read" {
	printf '%s\n' "$(rec '"x":1')" \
	    '{"customer_id":"123-456-789","conversion_action_id":"987","conversion_date_time":"2026-04-23T12:31:09.5Z","email":" A@B.com "}' \
	    >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 1
	is "$(nlines rej.ndjson)" 1 "rejects lines"
	is "$(cat rej.ndjson)" '{"stage":"ac-normalize","file":"in.ndjson","line":2,"code":"customer_id_invalid","field":"customer_id","message":"expected 10 digits, as 123-456-7890 or 1234567890","record":{"customer_id":"123-456-789","conversion_action_id":"987","conversion_date_time":"2026-04-23T12:31:09.5Z","email":" A@B.com "}}'
}

@test "rejects: invalid JSON is kept as raw text, without a field" {
	printf '%s\n' 'not json at all' '{"a":' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 1
	run jq -c '[.stage, .file, .line, .code, has("field"), .raw, has("record")]' rej.ndjson
	is "$output" '["ac-normalize","in.ndjson",1,"bad_json",false,"not json at all",false]
["ac-normalize","in.ndjson",2,"bad_json",false,"{\"a\":",false]'
	run jq -r '.message' rej.ndjson
	[[ ${lines[0]} == "invalid JSON: "* && ${lines[1]} == "invalid JSON: "* ]]
}

@test "rejects: invalid UTF-8 is kept as raw_base64" {
	printf '{"x":"\xff"}\n{"y":"\xc3"}\n' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 1
	run jq -c '[.line, .code, .raw_base64, has("raw"), has("record")]' rej.ndjson
	is "$output" '[1,"bad_utf8","eyJ4Ijoi/yJ9",false,false]
[2,"bad_utf8","eyJ5IjoiwyJ9",false,false]'
	# The bytes decode back to the line as read.
	is "$(jq -r 'select(.line == 1) | .raw_base64' rej.ndjson | base64 -d | od -An -tx1 | tr -d ' \n')" \
	    "$(printf '{"x":"\xff"}' | od -An -tx1 | tr -d ' \n')"
}

@test "rejects: a JSON value that is not an object is kept as the record" {
	printf '%s\n' '[1,2,3]' '"text"' '42' 'null' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 1
	run jq -c '[.line, .code, .message, .record]' rej.ndjson
	is "$output" '[1,"not_object","expected an object, got array",[1,2,3]]
[2,"not_object","expected an object, got string","text"]
[3,"not_object","expected an object, got number",42]
[4,"not_object","expected an object, got null",null]'
}

@test "rejects: every reject path of mixed.in is in the rejects file" {
	cp "$F/mixed.in" .
	run --separate-stderr ac-normalize -R rej.ndjson mixed.in
	is "$status" 1
	is "$output" "$(cat "$F/mixed.out")" "stdout"
	run jq -r '"\(.line) \(.code) \(.field // "-")"' rej.ndjson
	is "$output" "4 conversion_action_missing conversion_action
5 bad_json -
6 not_object -
8 time_no_offset conversion_date_time
9 order_id_imprecise order_id
10 value_negative conversion_value
11 value_invalid conversion_value
12 currency_missing currency_code
13 currency_invalid currency_code
15 bad_json -
16 time_future conversion_date_time"
	# Each record is the input line as read.
	local n
	for n in 4 8 10 11 12 13 16; do
		is "$(jq -c --argjson n $n 'select(.line == $n) | .record' rej.ndjson)" \
		    "$(sed -n "${n}p" mixed.in | jq -c .)" "record of line $n"
	done
}

@test "rejects: the file is created, or truncated, with mode 0600" {
	rec '' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 0
	is "$(mode rej.ndjson)" 600 "mode"
	is "$(nlines rej.ndjson)" 0 "empty when nothing is rejected"
	# An existing file is truncated and made 0600: it holds personal
	# data.
	echo 'old line' >rej.ndjson
	chmod 644 rej.ndjson
	run --separate-stderr ac-normalize --rejects rej.ndjson in.ndjson
	is "$(nlines rej.ndjson)" 0 "truncated"
	is "$(mode rej.ndjson)" 600 "an existing file is made 0600"
}

@test "rejects: conservation, records in = stdout lines + rejects lines" {
	cp "$F/mixed.in" in.ndjson
	# Add what a text fixture cannot hold: invalid UTF-8 and CRLF lines.
	printf '{"x":"\xff"}\r\n%s\r\n\r\n{"a":\r\n' "$(rec '"order_id":"crlf"')" >>in.ndjson
	cat "$F/pii.in" >>in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson
	is "$status" 1
	printf '%s\n' "$output" >out
	local n_in n_out n_rej
	n_in=$(nonblank in.ndjson)
	n_out=$(grep -c . out)
	n_rej=$(nlines rej.ndjson)
	is "$n_in" 36 "input records"
	is "$((n_out + n_rej))" "$n_in" "out ($n_out) + rejected ($n_rej)"
	is "${stderr_lines[-1]%%(*}" "$(summary "$n_in" "$n_out" "$n_rej" x 0 | sed 's/(.*//')" \
	    "summary counts"
	# Every output line and every rejects line is one JSON object.
	jq -e -s 'all(type == "object")' out rej.ndjson >/dev/null
}

## The STYLE.md §10 checks

@test "a bad JSON line gives file:line on stderr, the other records still come out, exit 1" {
	printf '%s\n' "$(rec '"order_id":"1"')" '{"order_id":"2",' \
	    "$(rec '"order_id":"3"')" >in.ndjson
	run --separate-stderr ac-normalize in.ndjson
	is "$status" 1
	is "$(jq -r .order_id <<<"$output" | tr '\n' ' ')" "1 3 "
	[[ $stderr == *"ac-normalize: in.ndjson:2: invalid JSON: "*"(bad_json)"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	is "$(tail -n 1 <<<"$stderr")" "$(summary 3 2 1 '1 bad_json' 0)"
}

@test "stderr never contains the PII planted in pii.in" {
	local planted=(
	    wilhelmina quarrington bartholomew okonkwo thaddeus ignatius
	    vandermeer persephone rosalind fairweather zephyrine cordelia
	    blackwood leopoldine augustina evangeline ezekiel hawthorne
	    octavia pemberton florentyna ashdown marigold thistlewick
	    'tw9 4qx' zanzibaria 5550123 5550187 5550199 '555-call'
	    '7946 0321' 79460321 '98 76 54 32' 698765432 '@example'
	    '@gmail' 'example.org' 'x@' )
	local args p i=0 runs=(
	    ''
	    '-v'
	    '-q'
	    '-v -R rej.ndjson'
	    '-v -z Europe/Berlin -d DE -e all'
	    '-v -d US -R rej2.ndjson' )
	cp "$F/pii.in" .
	# A line that is not UTF-8 still carries an address.
	printf '{"email":"octavia.pemberton@example.com","x":"\xff"}\n' >>pii.in
	for args in "${runs[@]}"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		ac-normalize $args pii.in >out.$i 2>err.$i || true
		[[ -s err.$i ]] || [[ $args == -q* ]] ||
		    { echo "no stderr for '$args'" >&2; return 1; }
		for p in "${planted[@]}"; do
			if grep -qiF -- "$p" err.$i; then
				echo "'$p' on stderr with options '$args':" >&2
				grep -iF -- "$p" err.$i >&2
				return 1
			fi
		done
	done
	# The run did see the data: the rejects file holds it, as read.
	grep -qF cordelia.blackwood@example.com rej.ndjson
	grep -qF Leopoldine rej.ndjson
	# With -v every per-record line is there, and names no value.
	is "$(grep -c 'pii.in:[0-9]*:' err.2)" 24 "located lines with -v"
}

@test "pii.in: stdout is exactly pii.out" {
	fixture pii
	is "$status" 1
}

@test "usage errors exit 2 with the usage on stderr and nothing on stdout" {
	rec '' >in.ndjson
	local args
	for args in '-x' '--bogus' '-d' '--rejects' '-z' '-e foo' \
	    '--email-rule=GMAIL' '-d DEU in.ndjson' '-d D in.ndjson' \
	    '--help=yes' '-x in.ndjson'; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-normalize $args </dev/null
		is "$status" 2 "exit status for '$args'"
		is "$output" "" "stdout for '$args'"
		[[ $stderr == *"usage: ac-normalize "* ]] ||
		    { echo "no usage for '$args': $stderr" >&2; return 1; }
	done
}

@test "usage errors name the option as it was given" {
	local args want bad=0
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		run --separate-stderr ac-normalize $args </dev/null
		if [[ $status -ne 2 ||
		    ${stderr_lines[0]} != "ac-normalize: "*"$want"* ]]; then
			echo "'$args': exit $status, '${stderr_lines[0]}' does not name $want" >&2
			bad=1
		fi
	done <<-'EOF'
	-x|-x
	--bogus|--bogus
	-d|-d
	-z|-z
	-e foo|--email-rule
	--help=yes|--help
	--verbose=1|--verbose
	EOF
	return $bad
}

@test "a --default-region without numbering data exits 2" {
	rec '' >in.ndjson
	run --separate-stderr ac-normalize -d XX in.ndjson
	is "$status" 2
	is "$output" ""
	[[ $stderr == *"ac-normalize: --default-region"* ]]
}

@test "-h and --help exit 0 with the usage on stdout" {
	local h
	for h in -h --help; do
		run --separate-stderr ac-normalize "$h"
		is "$status" 0 "exit status of $h"
		is "$stderr" "" "stderr of $h"
		is "${lines[0]}" "usage: ac-normalize [-hqVv] [-a ACTION] [-C ID] [-c DAYS] [-d CC] [-e gmail|all] [-R FILE] [-S FILE] [-s] [-u major|minor] [-Z ZONE] [-z ZONE] [FILE ...]" "$h"
		[[ $output == *"--default-region"*"--email-rule"*"--help"*"--quiet"*"--rejects"*"--version"*"--verbose"*"--timezone"* ]]
	done
}

@test "-V and --version print the version on stdout, exit 0" {
	local v
	for v in -V --version; do
		run --separate-stderr ac-normalize "$v"
		is "$status" 0 "exit status of $v"
		is "$stderr" "" "stderr of $v"
		[[ $output =~ ^ac-normalize\ [0-9]+\.[0-9]+(\.[0-9]+)?$ ]] ||
		    { echo "version: $output" >&2; return 1; }
	done
}

@test "writing to /dev/full exits 3 with a write-error message" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	cp "$F/golden.in" in.ndjson
	run --separate-stderr bash -c 'ac-normalize in.ndjson >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-normalize: stdout: No space left on device"* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	# Also when the error comes mid-run, with more than a buffer of output.
	for _ in $(seq 2000); do rec '"order_id":"many"'; done >big.ndjson
	run --separate-stderr bash -c 'ac-normalize big.ndjson >/dev/full'
	is "$status" 3
	[[ $stderr == *"ac-normalize: stdout: No space left on device"* ]]
}

@test "empty input gives empty output and exit 0" {
	: >empty.ndjson
	run --separate-stderr ac-normalize empty.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "$(summary 0 0 0 '' 0)"
	run --separate-stderr ac-normalize </dev/null
	is "$status" 0
	is "$output" ""
	run --separate-stderr ac-normalize -q empty.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "" "-q on empty input"
	printf '\n  \n\t\n\r\n' >blank.ndjson
	run --separate-stderr ac-normalize blank.ndjson
	is "$status" 0
	is "$output" ""
	is "$stderr" "$(summary 0 0 0 '' 0)"
}

@test "CRLF and blank lines are handled, line numbers stay right" {
	# golden.in with CRLF endings and blank lines of every kind around.
	awk 'BEGIN { printf "\r\n" }
	    { printf "%s\r\n", $0 }
	    NR == 1 { printf "   \r\n" }
	    NR == 2 { printf "\t\r\n" }
	    END { printf "\r\n" }' "$F/golden.in" >crlf.ndjson
	run --separate-stderr ac-normalize crlf.ndjson
	is "$status" 0
	is "$output" "$(cat "$F/golden.out")" "same as golden.out"
	# golden.in:4 is line 7 here (one blank line before it, two inside).
	[[ $stderr == *"ac-normalize: crlf.ndjson:7: email: "* ]] ||
	    { echo "stderr: $stderr" >&2; return 1; }
	printf '%s\r\n\r\n\r\n{"a":\r\n%s' "$(rec '"order_id":"x"')" \
	    "$(rec '"order_id":"no final newline"')" >crlf2.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson crlf2.ndjson
	is "$status" 1
	is "$(jq -r .order_id <<<"$output" | tr '\n' ' ')" "x no final newline "
	[[ $stderr == *"crlf2.ndjson:4: invalid JSON"* ]]
	is "$(jq -c '[.line, .raw]' rej.ndjson)" '[4,"{\"a\":"]' "raw without the CR"
}

@test "a line over 1 MiB works" {
	local big
	big=$(head -c 1500000 /dev/zero | tr '\0' a)
	printf '{%s,"note":"%s","email":" Big.Line@Example.com "}\n' "$BASE" "$big" >big.ndjson
	printf '%s\n' '{"bad":' >>big.ndjson
	run --separate-stderr ac-normalize big.ndjson
	is "$status" 1
	is "$(jq -c '[(.note | length), .email]' <<<"$output")" '[1500000,"big.line@example.com"]'
	is "$(jq -r .note <<<"$output")" "$big" "the long value passes through"
	[[ $stderr == *"big.ndjson:2: invalid JSON"* ]]
}

# marks FILE BYTES FIELD: one record whose FIELD is "a" and then BYTES
# bytes of alternating combining marks (U+0301 U+0323, classes 230 and
# 220), into FILE: the input on which utf8proc's canonical ordering is
# quadratic (issue 11: 80 KB took 4.6 s, 200 KB 68 s; 1 MB would take
# half an hour).
marks() {
	python3 -c 'import json, sys
rec = json.loads("{" + sys.argv[4] + "}")
rec[sys.argv[3]] = "a" + "\u0301\u0323" * (int(sys.argv[2]) // 4)
open(sys.argv[1], "w", encoding="utf-8").write(json.dumps(rec, ensure_ascii=False) + "\n")' \
	    "$1" "$2" "$3" "$BASE"
}

@test "too long: an identifier longer than any real one is dropped as value_too_long (issue 11)" {
	local e254 e255 n513 p65
	e254=$(printf 'e%.0s' {1..248})@x.com
	e255=e$e254
	n513=$(printf 'n%.0s' {1..513})
	p65=$(printf '1%.0s' {1..65})
	expect "\"email\":\" $e254 \"" email "\"$e254\""
	expect_drop "\"email\":\"$e255\"" email value_too_long
	expect_drop "\"phone\":\"+$p65\"" phone value_too_long
	expect_drop "\"first_name\":\"$n513\"" first_name value_too_long
	expect_drop "\"last_name\":\"$n513\"" last_name value_too_long
	expect_drop "\"street_address\":\"$n513\"" street_address value_too_long
	expect_drop "\"city\":\"$n513\"" city value_too_long
	expect_drop "\"region\":\"$n513\"" region value_too_long
	expect_drop "\"postal_code\":\"$p65\"" postal_code value_too_long
	expect_drop "\"country_code\":\"$n513\"" country_code value_too_long
	expect "\"city\":\"${n513:1}\"" city "\"${n513:1}\""
	checks_pass
}

@test "too long: 1 MB of combining marks in city is dropped at once, not normalized for half an hour (issue 11)" {
	marks big.ndjson 1000000 city
	run --separate-stderr timeout 120 ac-normalize big.ndjson
	is "$status" 0 "exit status (124: timed out)"
	is "$(jq -c '[has("city"), [.ac_warnings[] | .field + ":" + .code]]' <<<"$output")" \
	    '[false,["city:value_too_long"]]'
	[[ $stderr == *"in, 1 out"*"1 value_too_long"* ]]
	# Under the limit, the same marks are normalized: NFC, in canonical
	# order (every U+0323 before every U+0301; a + U+0323 is U+1EA1).
	marks small.ndjson 508 city
	run --separate-stderr ac-normalize small.ndjson
	is "$status" 0
	is "$(jq -r .city <<<"$output")" \
	    "$(python3 -c 'print("\u1ea1" + "\u0323" * 126 + "\u0301" * 127)')"
}

@test "several input files keep their own line numbers" {
	printf '%s\n\n%s\n' "$(rec '"order_id":"a1"')" '{"a":1}' >a.ndjson
	printf '%s\n%s\n' '[]' "$(rec '"order_id":"b2","email":"bad"')" >b.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson a.ndjson b.ndjson
	is "$status" 1
	is "$(jq -r .order_id <<<"$output" | tr '\n' ' ')" "a1 b2 "
	is "$(grep -o '^ac-normalize: [ab].ndjson:[0-9]*' <<<"$stderr" | tr '\n' ' ')" \
	    "ac-normalize: a.ndjson:3 ac-normalize: b.ndjson:1 ac-normalize: b.ndjson:2 "
	is "$(jq -r '"\(.file):\(.line)"' rej.ndjson | tr '\n' ' ')" "a.ndjson:3 b.ndjson:1 "
}

@test "a missing or unreadable input exits 3 before any output" {
	rec '' >in.ndjson
	run --separate-stderr ac-normalize -R rej.ndjson in.ndjson missing.ndjson
	is "$status" 3
	is "$output" "" "stdout"
	is "$stderr" "ac-normalize: missing.ndjson: No such file or directory"
	[[ ! -e rej.ndjson ]] || { echo "rejects file created" >&2; return 1; }
	mkdir dir
	run --separate-stderr ac-normalize in.ndjson dir
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-normalize: dir: Is a directory"* ]]
}

@test "an unwritable rejects file exits 3 before any output" {
	rec '' >in.ndjson
	run --separate-stderr ac-normalize -R nodir/rej.ndjson in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == *"ac-normalize: rejects file nodir/rej.ndjson: No such file or directory"* ]]
}

@test "missing data files exit 3 before any output" {
	rec '' >in.ndjson
	AC_SHAREDIR=$BATS_TEST_TMPDIR/nothing run --separate-stderr ac-normalize in.ndjson
	is "$status" 3
	is "$output" ""
	[[ $stderr == ac-normalize:* ]]
}

@test "data files: without AC_SHAREDIR, ../share/ac beside the program" {
	cp "$F/golden.in" g.ndjson
	# From anywhere: the program finds the data next to its directory.
	env -u AC_SHAREDIR "$AC_BIN"/ac-normalize g.ndjson >out 2>err ||
		{ echo "exit $?: $(cat err)" >&2; return 1; }
	cmp out "$F/golden.out"
	# A copy with no share/ac beside it falls back to the directory
	# compiled in, and names the file it could not read.
	mkdir -p elsewhere/bin
	cp "$AC_BIN"/ac-normalize elsewhere/bin/
	if [[ ! -e /usr/local/share/ac/phone.tsv ]]; then
		run --separate-stderr env -u AC_SHAREDIR elsewhere/bin/ac-normalize g.ndjson
		is "$status" 3
		[[ $stderr == *"data file /usr/local/share/ac/phone.tsv: "*"(set AC_SHAREDIR?)"* ]] ||
			{ echo "stderr: $stderr" >&2; return 1; }
	fi
	# And with share/ac beside it, that one.
	mkdir -p elsewhere/share
	cp -r "$AC_ROOT"/share/ac elsewhere/share/ac
	env -u AC_SHAREDIR elsewhere/bin/ac-normalize g.ndjson >out2 2>/dev/null
	cmp out2 "$F/golden.out"
}

@test "stdin: no operand and - read standard input, named <stdin>" {
	cp "$F/golden.in" g.ndjson
	run --separate-stderr ac-normalize <g.ndjson
	is "$output" "$(cat "$F/golden.out")" "no operand"
	[[ $stderr == *"ac-normalize: <stdin>:4: email: "* ]]
	run --separate-stderr ac-normalize - <g.ndjson
	is "$output" "$(cat "$F/golden.out")" "-"
	rec '"order_id":"f"' >f.ndjson
	run --separate-stderr ac-normalize f.ndjson - f.ndjson <g.ndjson
	is "$(jq -r '.order_id // "-"' <<<"$output" | tr '\n' ' ')" "f A-1001 - 1001 - B-7 f "
}

@test "reading a file and reading a pipe give the same output" {
	cp "$F/golden.in" g.ndjson
	ac-normalize g.ndjson >from-file 2>/dev/null
	# shellcheck disable=SC2002
	cat g.ndjson | ac-normalize >from-pipe 2>/dev/null
	ac-normalize - <g.ndjson >from-redirect 2>/dev/null
	cmp from-file from-pipe
	cmp from-file from-redirect
	cmp from-file "$F/golden.out"
}

@test "message cap: 10 per-record lines, then one 'not shown' line" {
	local i
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	run --separate-stderr ac-normalize bad.ndjson
	is "$status" 1
	is "${#stderr_lines[@]}" 12 "stderr lines"
	is "$(grep -c '^ac-normalize: bad.ndjson:[0-9]*: ' <<<"$stderr")" 10 "located lines"
	is "${stderr_lines[9]}" "ac-normalize: bad.ndjson:10: conversion_action: no conversion_action or conversion_action_id (conversion_action_missing)"
	is "${stderr_lines[10]}" "ac-normalize: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(summary 12 0 12 '12 conversion_action_missing' 0)"
}

@test "message cap: warnings count toward it too" {
	local i
	for i in $(seq 11); do rec '"email":"bad"'; done >warn.ndjson
	run --separate-stderr ac-normalize warn.ndjson
	is "$status" 0
	is "${#stderr_lines[@]}" 12
	is "${stderr_lines[10]}" "ac-normalize: further per-record messages not shown (-v shows all)"
	is "${stderr_lines[11]}" "$(summary 11 11 0 '' 11 '11 email_invalid')"
}

@test "-v shows every per-record message" {
	local i
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	for v in -v --verbose; do
		run --separate-stderr ac-normalize "$v" bad.ndjson
		is "$status" 1
		is "${#stderr_lines[@]}" 13 "stderr lines with $v"
		is "${stderr_lines[11]}" "ac-normalize: bad.ndjson:12: conversion_action: no conversion_action or conversion_action_id (conversion_action_missing)"
		[[ $stderr != *"not shown"* ]]
	done
}

@test "-q shows no per-record lines, only the rejected count" {
	local i
	for i in $(seq 12); do echo '{"x":1}'; done >bad.ndjson
	rec '"email":"bad"' >>bad.ndjson
	for q in -q --quiet; do
		run --separate-stderr ac-normalize "$q" bad.ndjson
		is "$status" 1
		is "$stderr" "ac-normalize: 12 of 13 records rejected" "stderr with $q"
		is "$(jq -c .ac_warnings <<<"$output")" '[{"stage":"ac-normalize","field":"email","code":"email_invalid"}]' \
		    "warnings still in the record"
	done
	rec '"email":"bad"' >warn.ndjson
	run --separate-stderr ac-normalize -q warn.ndjson
	is "$status" 0
	is "$stderr" "" "-q with only warnings"
}

@test "summary: records in, out, rejected by code, warnings by code" {
	cp "$F/mixed.in" .
	run --separate-stderr ac-normalize mixed.in
	is "$status" 1
	# Counts by code, in the order the codes first occur.
	is "${stderr_lines[-1]}" "$(summary 15 4 11 '1 conversion_action_missing, 2 bad_json, 1 not_object, 1 time_no_offset, 1 order_id_imprecise, 1 value_negative, 1 value_invalid, 1 currency_missing, 1 currency_invalid, 1 time_future' 2 '1 email_invalid, 1 phone_no_region')"
	rec '' >ok.ndjson
	run --separate-stderr ac-normalize ok.ndjson
	is "$status" 0
	is "$stderr" "$(summary 1 1 0 '' 0)"
}

@test "exit status: 0 with warnings only, 1 with a reject" {
	run_rec '"email":"bad","phone":"x"'
	is "$status" 0
	run_rec '"customer_id":"1"'
	is "$status" 1
}

@test "arrays: email and phone as arrays, each element normalized as a string (issue 13)" {
	expect '"email":["John.Doe@Example.com"," jane@example.org "]' email '["john.doe@example.com","jane@example.org"]'
	expect '"email":["a.b@example.com","A.B@EXAMPLE.COM","a.b@example.com"]' email '["a.b@example.com"]'
	expect '"phone":["(415) 555-0100","+1 415 555 0100","+44 20 7946 0958"],"country_code":"US"' phone '["+14155550100","+442079460958"]'
	expect '"email":["x@example.com",""]' email '["x@example.com"]'
	# A string is as it always was; an array of one stays an array.
	expect '"email":"x@example.com"' email '"x@example.com"'
	expect '"email":["x@example.com"]' email '["x@example.com"]'
	# A hash among them is kept, in lower case.
	expect '"email":["509E933019BB285A134A9334B8BB679DFF79D0CE023D529AF4BD744D47B4FD8A","x@example.com"]' email '["509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a","x@example.com"]'
	checks_pass
}

@test "arrays: an unusable element goes with its warning, an empty array with empty" {
	run_rec '"email":["john@localhost","x@example.com",42]'
	is "$status" 0
	is "$(val email)" '["x@example.com"]'
	is "$(warns)" "email:email_invalid email:not_string"
	run_rec '"phone":["1-800-FLOWERS","+14155550100"],"country_code":"US"'
	is "$(val phone)" '["+14155550100"]'
	is "$(warns)" "phone:phone_invalid"
	expect_drop '"email":[]' email empty
	expect_drop '"email":["john@localhost"]' email email_invalid
	expect_drop '"email":["john@localhost"]' email empty
	expect_drop '"phone":[true,null]' phone not_string
	checks_pass
}

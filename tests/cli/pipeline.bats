#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The whole pipeline on the messy benchmark data:
#   ac-normalize | ac-consent | ac-hash | ac-pick-clickid | ac-batch |
#   ac-upload (against the emulator, tests/mock/gads.py)
# Checks what must hold end to end, whatever the individual rules are.

load helper

# The Google Ads API path (the Data Manager path has its own tests).
export AC_API=googleads

IDS='["email","phone","first_name","last_name","street_address"]'
HASHED='["hashed_email","hashed_phone_number","hashed_first_name","hashed_last_name","hashed_street_address"]'

TOKEN=pipeline-token-7c1d
export TOKEN

setup_file() {
	export DATA=$BATS_FILE_TMPDIR
	python3 "$BATS_TEST_DIRNAME/../bench/gen.py" -n 3000 --seed 7 \
	    >"$DATA/in.ndjson"
	cd "$DATA" || return 1
	set +e
	# Not -q: the messages and summaries are part of what is checked.
	{ ac-normalize -v -z Europe/Berlin -R r1.ndjson in.ndjson |
	    ac-consent -v -E EEA -R r2.ndjson |
	    ac-hash -v -R r3.ndjson |
	    ac-pick-clickid -v -R r4.ndjson >out.ndjson
	  echo "${PIPESTATUS[*]}" >status.txt; } 2>err.txt

	# The emulator knows every action of gen.py but the last one, so
	# that the API refuses some rows.
	emu_start "$DATA/emu" --access-token "$TOKEN" \
	    --actions 987654321,987655321,987656321,987657321,987658321
	EMU=$(emu_url "$DATA/emu")
	export EMU
	{ ac-batch -n 500 -R r5.ndjson out.ndjson >requests.ndjson
	  echo $? >batch.status
	  AC_ACCESS_TOKEN=$TOKEN ac-upload -j 2 -R r6.ndjson \
	    --endpoint "$EMU" --journal journal \
	    --dead-letter dead.ndjson requests.ndjson >results.ndjson
	  echo $? >upload.status
	  curl -s "$EMU/__admin/ledger" >ledger.json
	} 2>err-upload.txt
	set -e
}

teardown_file() {
	emu_stop "$DATA/emu"
}

@test "pipeline: every stage exits 0 or 1 (records rejected), none fails" {
	for s in $(cat "$DATA/status.txt"); do
		[[ $s -eq 0 || $s -eq 1 ]] || {
			echo "statuses: $(cat "$DATA/status.txt")" >&2
			return 1
		}
	done
}

@test "pipeline: conservation: records in = out + rejected by every stage" {
	cd "$DATA"
	local in out rej=0 r
	in=$(grep -c '[^[:space:]]' in.ndjson)
	out=$(wc -l <out.ndjson)
	for r in r1 r2 r3 r4; do
		rej=$((rej + $(wc -l <$r.ndjson)))
	done
	is "$in" "$((out + rej))" "in = out + rejected ($out + $rej)"
	[[ $out -gt 0 ]]
}

@test "pipeline: no clear-text identifier leaves the pipeline" {
	run jq -c --argjson ids "$IDS" \
	    'select(to_entries | map(.key) - ($ids) | length != (to_entries | length))' \
	    "$DATA/out.ndjson"
	is "$output" "" "records with clear-text identifiers"
}

@test "pipeline: every hashed identifier is 64 lower-case hex digits" {
	run jq -r --argjson h "$HASHED" \
	    '. as $r | $h[] | select($r[.] != null) | $r[.] | select(test("^[0-9a-f]{64}$") | not)' \
	    "$DATA/out.ndjson"
	is "$output" "" "malformed hashes"
	# And there are hashes at all: the check above is not vacuous.
	[[ $(jq -c 'select(.hashed_email)' "$DATA/out.ndjson" | wc -l) -gt 0 ]]
}

@test "pipeline: every record has an explicit consent state" {
	run jq -c 'select((.["google-ads-consent"].ad_user_data | IN("GRANTED","DENIED","UNSPECIFIED") | not)
	    or (.["google-ads-consent"].ad_personalization | IN("GRANTED","DENIED","UNSPECIFIED") | not))' \
	    "$DATA/out.ndjson"
	is "$output" "" "records without explicit consent"
}

@test "pipeline: every record with ad_user_data DENIED is without identifiers" {
	run jq -c --argjson h "$HASHED" --argjson ids "$IDS" \
	    'select(.["google-ads-consent"].ad_user_data == "DENIED")
	     | select(. as $r | ($h + $ids + ["city","region","postal_code"]) | any($r[.] != null))' \
	    "$DATA/out.ndjson"
	is "$output" "" "DENIED records that still carry identifiers"
	[[ $(jq -c 'select(.["google-ads-consent"].ad_user_data == "DENIED")' \
	    "$DATA/out.ndjson" | wc -l) -gt 0 ]]
}

@test "pipeline: exactly one click ID or at least one identifier per record" {
	run jq -c '[.gclid, .gbraid, .wbraid | select(. != null)] as $c
	    | select(($c | length) > 1
	        or (($c | length) == 0 and .hashed_email == null and .hashed_phone_number == null)
	        or (($c | length) == 1 and .click_id_type != (if .gclid then "gclid" elif .gbraid then "gbraid" else "wbraid" end))
	        or (($c | length) == 0 and .click_id_type != "none"))' \
	    "$DATA/out.ndjson"
	is "$output" "" "records with no or several click IDs"
}

@test "pipeline: a stage that reads a file writes what it writes from a pipe" {
	cd "$DATA"
	ac-normalize -q -z Europe/Berlin in.ndjson >s1.ndjson || true
	ac-consent -q -E EEA s1.ndjson >s2.ndjson || true
	ac-hash -q s2.ndjson >s3.ndjson || true
	ac-pick-clickid -q s3.ndjson >s4.ndjson || true
	cmp s4.ndjson out.ndjson
}

@test "pipeline: stderr holds no identifier value from the input" {
	cd "$DATA"
	local v
	# A sample of the e-mail addresses and phone numbers in the input.
	while read -r v; do
		[[ ${#v} -ge 6 ]] || continue
		if grep -qF -- "$v" err.txt; then
			echo "found an input value on stderr" >&2
			return 1
		fi
	done < <(jq -r '.email // empty, .phone // empty' in.ndjson | head -300)
}

@test "pipeline: ac-batch and ac-upload finish (0 or 1), the upload is complete" {
	cd "$DATA"
	[[ $(cat batch.status) -le 1 ]]
	is "$(cat upload.status)" 1 "exit status (some rows refused)"
	[[ ! -s r6.ndjson ]]
	# no request was lost or left: no dead letter, nothing failed
	[[ ! -s dead.ndjson ]]
	is "$(jq -r 'select(.status=="failed")' results.ndjson)" "" "failed rows"
}

@test "pipeline: conservation through upload: records in = results + every reject" {
	cd "$DATA"
	local in res rej=0 r
	in=$(grep -c '[^[:space:]]' in.ndjson)
	res=$(wc -l <results.ndjson)
	for r in r1 r2 r3 r4 r5; do
		rej=$((rej + $(wc -l <$r.ndjson)))
	done
	is "$in" "$((res + rej))" "in = results + rejected ($res + $rej)"
	# and one result per conversion sent
	is "$res" "$(jq '.request.conversions | length' requests.ndjson |
	    awk '{ n += $1 } END { print n }')" "results = conversions"
}

@test "pipeline: the ledger holds exactly the uploaded rows, each once" {
	cd "$DATA"
	local up
	up=$(jq -r 'select(.status=="uploaded") | .order_id' results.ndjson | sort)
	[[ -n $up ]]
	is "$(jq -r '.conversions[].order_id' ledger.json | sort)" "$up" \
	    "ledger order IDs"
	is "$(jq -r '.conversions[].order_id' ledger.json | sort | uniq -d)" "" \
	    "order IDs twice in the ledger"
}

@test "pipeline: the refused rows carry the API's code" {
	cd "$DATA"
	local codes
	codes=$(jq -r 'select(.status=="rejected") | .error.code' \
	    results.ndjson | sort -u)
	[[ $codes == *conversionUploadError.NO_CONVERSION_ACTION_FOUND* ]]
	# those rows are exactly the ones with the unknown action
	is "$(jq -r 'select(.error.code ==
	    "conversionUploadError.NO_CONVERSION_ACTION_FOUND") |
	    .conversion_action | split("/") | .[-1]' results.ndjson | sort -u)" \
	    987659321 "refused action"
}

@test "pipeline: a re-run with the journal sends nothing and skips every upload" {
	cd "$DATA"
	local before
	before=$(jq '.conversions | length' ledger.json)
	AC_ACCESS_TOKEN=$TOKEN run ac-upload -q --endpoint \
	    "$EMU" --journal journal requests.ndjson
	is "$(jq -r 'select(.status=="skipped") | .order_id' <<<"$output" |
	    sort)" "$(jq -r 'select(.status=="uploaded") | .order_id' \
	    results.ndjson | sort)" "skipped = uploaded before"
	is "$(curl -s "$EMU/__admin/ledger" |
	    jq '.conversions | length')" "$before" "ledger size"
}

@test "pipeline: results and stderr hold no identifier, click ID or token" {
	cd "$DATA"
	run jq -c 'select(has("hashed_email") or has("hashed_phone_number") or
	    has("gclid") or has("gbraid") or has("wbraid") or has("email"))' \
	    results.ndjson
	is "$output" "" "results with identifiers"
	if grep -qF -- "$TOKEN" err-upload.txt results.ndjson emu/log.ndjson \
	    journal; then
		echo "the token in a file" >&2
		return 1
	fi
	local v
	while read -r v; do
		if grep -qF -- "$v" results.ndjson err-upload.txt; then
			echo "found a click ID in results or on stderr" >&2
			return 1
		fi
	done < <(jq -r '.gclid // empty, .gbraid // empty, .wbraid // empty' \
	    out.ndjson | head -200)
}

# SPDX-License-Identifier: MIT
# What the maps of ac-maps(7) share: URL query parsing, click IDs, name
# splitting, decimal amounts, the options given with --arg, and the last
# step that writes a canonical record of ac(7) or skips an order.
# Each map includes it from its own directory:
#	include "common" {search: "./"};
# jq 1.6 or later; nothing here needs jq 1.7.

# A string's value without the white space around it, or null for a blank
# string and anything that is not a string or a number.
def ac_str:
	if type == "number" then tostring
	elif type == "string" then
		sub("^[ \t\r\n]+"; "") | sub("[ \t\r\n]+$"; "")
		| if . == "" then null else . end
	else null end;

# The first of the values of f that is a non-blank string or a number, as a
# trimmed string; null when none is.
def ac_first(f): first(f | ac_str | select(. != null)) // null;

# Percent-decoding of a URL component (RFC 3986), "+" read as a space (a
# query string of an HTML form). %XX sequences are UTF-8: a sequence that
# is not valid UTF-8 becomes U+FFFD, as a browser shows it.
def ac_pct_decode:
	def hex: ascii_downcase | explode
		| map(if . >= 97 then . - 87 else . - 48 end) | .[0] * 16 + .[1];
	def valid: if (. >= 55296 and . <= 57343) or . > 1114111 then 65533
		else . end;
	# A byte b starts a sequence: [code point or null, bytes still
	# needed, bits so far].
	def lead(b):
		if b < 128 then [b, 0, 0]
		elif b >= 194 and b < 224 then [null, 1, b - 192]
		elif b >= 224 and b < 240 then [null, 2, b - 224]
		elif b >= 240 and b < 245 then [null, 3, b - 240]
		else [65533, 0, 0] end;
	gsub("\\+"; " ")
	| [scan("%[0-9A-Fa-f]{2}|[^%]+|%")
	    | if test("^%[0-9A-Fa-f]{2}$") then [-1 - (.[1:] | hex)]
	      else explode end]
	| add // []
	| reduce .[] as $c ({out: [], need: 0, cp: 0};
		if $c >= 0 then
			# a character as it is; an unfinished sequence before it
			# is U+FFFD
			.out += (if .need > 0 then [65533] else [] end) + [$c]
			| .need = 0
		else
			(-1 - $c) as $b
			| if .need > 0 and $b >= 128 and $b < 192 then
				.cp = .cp * 64 + ($b - 128) | .need -= 1
				| if .need == 0 then .out += [.cp | valid]
				  else . end
			  else
				(if .need > 0 then .out += [65533] else . end)
				| lead($b) as $l
				| if $l[0] != null then .out += [$l[0]] | .need = 0
				  else .need = $l[1] | .cp = $l[2] end
			  end
		end)
	| (.out + (if .need > 0 then [65533] else [] end)) | implode;

# The parameters of a URL, as [name, value] pairs in order: those of the
# query and those of the fragment, which some sites use
# ("/#/checkout?gclid=..."). Names are decoded and lower-cased, values left
# encoded. A URL without "?" or "#" has none.
def ac_url_params:
	if type != "string" then []
	else
		(if test("[?#]") then sub("^[^?#]*[?#]"; "") else "" end)
		| [splits("[&;?#]")
		    | select(test("="))
		    | index("=") as $i
		    | [(.[:$i] | ac_pct_decode | ascii_downcase), .[$i + 1:]]]
	end;

# The value of the first parameter called $name that is not blank, in any
# of the URLs of the array urls, decoded and trimmed; null when none.
def ac_url_param($urls; $name):
	ac_first($urls[]? | ac_url_params[] | select(.[0] == $name)
	    | .[1] | ac_pct_decode);

# {gclid, gbraid, wbraid} from the URLs of urls (the landing page first),
# else from the object kv of name-value pairs the system keeps (order
# attributes, meta data, metadata), whose names are compared in lower
# case, with or without a leading "_".
def ac_click_ids($urls; $kv0):
	($kv0 | if type == "object" then with_entries(.key |= (ascii_downcase
	    | ltrimstr("_"))) else {} end) as $kv
	| reduce ("gclid", "gbraid", "wbraid") as $k ({};
		.[$k] = (ac_url_param($urls; $k) // ($kv[$k] | ac_str)));

# [{name, value}] or [{key, value}] (Shopify, WooCommerce) as an object;
# the first of a repeated name wins.
def ac_pairs:
	if type != "array" then {}
	else reduce .[] as $p ({};
		(($p.name // $p.key) | ac_str) as $n
		| if $n == null or has($n) then . else .[$n] = $p.value end)
	end;

# {first_name, last_name} from one full name: "Quinn, Alex" is last name,
# first name; otherwise the first word is the first name (with any leading
# title such as "Dr." before it, which ac-normalize removes) and the rest
# the last name. One word is a first name alone.
def ac_split_name:
	def title: test("^(mr|mrs|ms|miss|mx|dr|prof)\\.?$"; "i");
	def suffix: test("^(jr|sr|ii|iii|iv|phd|md|esq)\\.?$"; "i");
	ac_str
	| if . == null then {}
	elif test(",") and (.[index(",") + 1:] | ac_str // "" | suffix | not)
	then index(",") as $i
		| {first_name: (.[$i + 1:] | ac_str), last_name: (.[:$i] | ac_str)}
	else [splits("[ \t]+")] as $w
		| ([$w | to_entries[] | select(.value | title | not) | .key]
		    | first // 0) as $n
		| {first_name: ($w[:$n + 1] | join(" ") | ac_str),
		   last_name: ($w[$n + 1:] | join(" ") | ac_str)}
	end;

# A decimal string or number as a string in plain decimal notation, or
# null: "1,234.50" (thousands separated by commas) is "1234.50".
def ac_decimal:
	ac_str
	| if . == null then null
	elif test("^-?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]+)?$") then gsub(","; "")
	elif test("^-?[0-9]+(\\.[0-9]+)?$") then .
	else null end;

# The sum of the decimal strings or numbers of f, computed in their
# smallest unit so that "29.35" and "-10.00" give 19.35, not
# 19.350000000000001; null when one of them is not a decimal.
def ac_decimal_sum(f):
	[f | ac_decimal] as $v
	| if any($v[]; . == null) then null
	else ([$v[] | (split(".") | .[1] // "") | length] | max // 0) as $d
		| pow(10; $d) as $s
		| ([$v[] | tonumber * $s | round] | add // 0) / $s
	end;

# A system's integer amount in minor units as a number of major units:
# $exp digits after the decimal point.
def ac_minor_units($exp):
	if type == "number" then . / pow(10; $exp) else null end;

# The options a map takes with --arg, for the fields the systems have no
# place for (ac(7)): given on every record, before the others.
def ac_args($named):
	$named | with_entries(select(.key | IN("customer_id",
	    "login_customer_id", "conversion_action", "conversion_action_id")))
	| with_entries(.value |= ac_str) | with_entries(select(.value != null));

# google-ads-consent from name-value pairs the system keeps for the order
# (ad_user_data, ad_personalization, in the spellings ac-consent reads),
# when the storefront wrote them there; else null, for ac-consent to decide.
def ac_consent(kv):
	(kv | if type == "object" then with_entries(.key |= ascii_downcase)
	    else {} end) as $kv
	| {ad_user_data: ($kv.ad_user_data // $kv.adUserData | ac_str),
	   ad_personalization: ($kv.ad_personalization // $kv.adPersonalization
	       | ac_str)}
	| with_entries(select(.value != null))
	| if length == 0 then null else . end;

# The end of every map. . is a canonical record whose ac_map_skip is null,
# or the reason the order is not a conversion. Writes the record with the
# --arg options first and without null or blank members; or skips it. With
# --arg skipped show, writes instead {order_id, ac_map_skip} for each
# order skipped, and nothing else, so that what a map leaves out can be
# counted and looked at.
def ac_out($named):
	if ($named.skipped // "") == "show" then
		select(.ac_map_skip != null) | {order_id, ac_map_skip}
	else
		select(.ac_map_skip == null) | del(.ac_map_skip)
		| ac_args($named) + .
		| with_entries(select(.value != null and .value != ""
		    and .value != {}))
	end;

#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The man pages against the tools (STYLE.md §11, curl's test1139 idea):
# every option of "ac-x -h" is a .Fl in man/ac-x.1 and the reverse, the
# SYNOPSIS is the usage line, mandoc -Tlint is clean, and every example
# command line uses only options its tool knows. Generic: every ac-*
# program found in bin/ (or $AC_BINDIR) and every page in man/ is checked,
# so a new tool is covered as soon as it is built.

load helper

# The pages of this tree unless AC_MANDIR names installed ones.
MAN=${AC_MANDIR:-$AC_ROOT/man}

# help_opts TOOL: the options listed in "TOOL -h", one per line, as "-x" or
# "--long", each followed by " ARG" when it takes an argument. Reads the
# option lines of the usage text:
#	  -d, --default-region CC  text
#	  -d CC, --default-region CC  text
#	      --long-only  text
help_opts() {
	"$1" -h | awk '
	/^[ \t]+-/ {
		line = $0
		sub(/^[ \t]+/, "", line)
		# The option part ends at the first run of two spaces.
		i = index(line, "  ")
		if (i > 0)
			line = substr(line, 1, i - 1)
		n = split(line, part, /,[ \t]*/)
		arg = ""
		for (k = 1; k <= n; k++)
			if (part[k] ~ /[ =\[]/)
				arg = " ARG"
		for (k = 1; k <= n; k++) {
			o = part[k]
			sub(/[ =\[].*/, "", o)
			if (o ~ /^--?[[:alnum:]][[:alnum:]-]*$/)
				print o arg
		}
	}'
}

# usage_letters TOOL: the short options in the usage line ("usage: ..."),
# one per line: "[-hqVv]" gives -h -q -V -v, "[-d CC]" gives -d; a
# long-only option ("[--job-id N]") gives nothing.
usage_letters() {
	"$1" -h | sed -n '1s/^usage: //p' | grep -o '\[-[[:alnum:]][[:alnum:]]*' |
	    sed 's/^\[-//' | fold -w1 | sed 's/^/-/'
}

# man_fl PAGE: every option named with .Fl in PAGE, one per line: "-x" for
# each letter of ".Fl xyz", "--long" for ".Fl -long" or ".Fl \-long".
man_fl() {
	awk '
	/^\./ {
		# Split the macro line into words; quoted words stay whole.
		n = 0
		line = substr($0, 2)
		while (length(line) > 0) {
			sub(/^[ \t]+/, "", line)
			if (line == "")
				break
			if (substr(line, 1, 1) == "\"") {
				j = index(substr(line, 2), "\"")
				if (j == 0)
					j = length(line)
				w[++n] = substr(line, 2, j - 1)
				line = substr(line, j + 2)
			} else {
				match(line, /^[^ \t]+/)
				w[++n] = substr(line, 1, RLENGTH)
				line = substr(line, RLENGTH + 1)
			}
		}
		for (i = 1; i <= n; i++) {
			if (w[i] != "Fl")
				continue
			for (j = i + 1; j <= n; j++) {
				a = w[j]
				# Stop at the next macro or at punctuation.
				if (a ~ /^[A-Z][a-z][a-z]?$/ || a ~ /^[][(),.;:|]$/)
					break
				gsub(/\\-/, "-", a)
				gsub(/\\&/, "", a)
				if (a == "")
					continue
				if (a ~ /^-/) {
					print "-" a
				} else {
					for (k = 1; k <= length(a); k++)
						print "-" substr(a, k, 1)
				}
			}
		}
	}' "$1"
}

# example_commands PAGE: the command lines of the EXAMPLES section, one
# per line: ".Dl $ ..." lines and "$ ..." lines of literal displays, with
# their continuation lines (after a trailing "\e" or "|") joined.
example_commands() {
	awk '
	/^\.Sh / { ex = ($0 ~ /^\.Sh[ \t]+EXAMPLES/); next }
	!ex { next }
	/^\.Bd/ { lit = 1; next }
	/^\.Ed/ { lit = 0; if (cmd != "") print cmd; cmd = ""; next }
	{
		line = $0
		if (line ~ /^\.Dl[ \t]/) {
			sub(/^\.Dl[ \t]+/, "", line)
			if (line ~ /^\$ /)
				print substr(line, 3)
			next
		}
		if (!lit)
			next
		if (cmd != "") {
			sub(/^[ \t]+/, "", line)
			cmd = cmd " " line
		} else if (line ~ /^\$ /) {
			cmd = substr(line, 3)
		} else {
			next
		}
		if (cmd ~ /\\e$/) {
			sub(/\\e$/, "", cmd)
		} else if (cmd !~ /\|[ \t]*$/) {
			print cmd
			cmd = ""
		}
	}' "$1" | sed 's/\\-/-/g; s/\\&//g; s/\\e/\\/g'
}

# check_command LINE: every ac-* command of the pipeline LINE whose tool is
# built uses only options of that tool, with their arguments. Prints what
# is wrong; returns 1 then.
check_command() {
	local seg words tool opts w i c rest bad=0 takes
	local IFS_save=$IFS
	IFS='|'
	# shellcheck disable=SC2206
	local segs=($1)
	IFS=$IFS_save
	for seg in "${segs[@]}"; do
		read -r -a words <<<"$seg"
		# "VAR=value ac-x ..." runs ac-x.
		while [[ ${words[0]:-} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
			words=("${words[@]:1}")
		done
		tool=${words[0]:-}
		[[ $tool == ac-* ]] || continue
		[[ -x $AC_BIN/$tool ]] || continue	# a planned tool
		opts=$(help_opts "$AC_BIN/$tool")
		for ((i = 1; i < ${#words[@]}; i++)); do
			w=${words[i]}
			case $w in
			--)
				break
				;;
			--*)
				c=${w%%=*}
				if ! grep -qx -- "$c\( ARG\)\?" <<<"$opts"; then
					echo "'$1': $tool has no option $c" >&2
					bad=1
				elif grep -qx -- "$c ARG" <<<"$opts" &&
				    [[ $w != *=* ]]; then
					i=$((i + 1))
				fi
				;;
			-?*)
				rest=${w#-}
				while [[ -n $rest ]]; do
					c=-${rest:0:1}
					rest=${rest:1}
					if ! grep -qx -- "$c\( ARG\)\?" <<<"$opts"; then
						echo "'$1': $tool has no option $c" >&2
						bad=1
						break
					fi
					takes=$(grep -cx -- "$c ARG" <<<"$opts" || true)
					if [[ $takes -gt 0 ]]; then
						[[ -z $rest ]] && i=$((i + 1))
						break
					fi
				done
				;;
			esac
		done
	done
	return $bad
}

# pages: the man pages, one per line.
pages() {
	local f
	for f in "$MAN"/*.[1-9]; do
		[[ -f $f ]] && echo "$f"
	done
}

@test "there are tools to check" {
	[[ -n $(tools) ]] || { echo "no ac-* program in $AC_BIN" >&2; return 1; }
}

@test "every tool has its man page" {
	local t bad=0
	for t in $(tools); do
		if [[ ! -f $MAN/$t.1 ]]; then
			echo "no $MAN/$t.1 for $t" >&2
			bad=1
		fi
	done
	[[ -f $MAN/ac.7 ]] || { echo "no $MAN/ac.7" >&2; bad=1; }
	return $bad
}

@test "every option of -h is a .Fl in the page, and every .Fl an option" {
	local t page bad=0 want have
	for t in $(tools); do
		page=$MAN/$t.1
		[[ -f $page ]] || continue	# reported by the test above
		want=$(help_opts "$AC_BIN/$t" | cut -d' ' -f1 | sort -u)
		have=$(man_fl "$page" | sort -u)
		[[ -n $want ]] || { echo "$t -h lists no options" >&2; bad=1; }
		while read -r o; do
			[[ -z $o ]] && continue
			echo "$t: option $o of -h is not a .Fl in $page" >&2
			bad=1
		done < <(comm -23 <(echo "$want") <(echo "$have"))
		while read -r o; do
			[[ -z $o ]] && continue
			echo "$t: .Fl $o in $page is not an option of $t -h" >&2
			bad=1
		done < <(comm -13 <(echo "$want") <(echo "$have"))
	done
	return $bad
}

@test "the usage line names the same short options as the option list" {
	local t bad=0 a b
	for t in $(tools); do
		a=$(usage_letters "$AC_BIN/$t" | sort -u)
		b=$(help_opts "$AC_BIN/$t" | cut -d' ' -f1 | grep -x -- '-.' |
		    sort -u)
		if [[ "$a" != "$b" ]]; then
			echo "$t: usage line has $(echo $a), option list has $(echo $b)" >&2
			bad=1
		fi
	done
	return $bad
}

@test "SYNOPSIS is the usage line" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	local t page bad=0 syn use
	for t in $(tools); do
		page=$MAN/$t.1
		[[ -f $page ]] || continue
		syn=$(mandoc -Tascii "$page" | sed 's/.\x08//g' |
		    awk '/^SYNOPSIS/ { s = 1; next } /^[A-Z]/ { s = 0 } s' |
		    tr -s ' \n\t' ' ' | sed 's/^ //; s/ $//; s/ *| */|/g')
		use=$("$AC_BIN/$t" -h | sed -n '1s/^usage: //p' |
		    tr -s ' \t' ' ' | sed 's/ $//; s/ *| */|/g')
		if [[ "$syn" != "$use" ]]; then
			printf '%s:\n  SYNOPSIS: %s\n  usage:    %s\n' "$t" \
			    "$syn" "$use" >&2
			bad=1
		fi
	done
	return $bad
}

@test "the options in DESCRIPTION are in alphabetical order" {
	# style(9): letters in order, an upper-case letter before its
	# lower-case one (-R after -q, -V before -v); a long-only option
	# sorts by its name (--job-id after -h, --validate-only after -v).
	local t page bad=0 got want
	for t in $(tools); do
		page=$MAN/$t.1
		[[ -f $page ]] || continue
		got=$(awk '/^\.Sh DESCRIPTION/ { d = 1; next } /^\.Sh/ { d = 0 }
		    d && /^\.Bl/ { n++ } d && n == 1 && /^\.It Fl / { print $3 }
		    d && /^\.El/ && n == 1 { exit }' "$page")
		want=$(for o in $got; do
			printf '%s %s %s\n' "$(sed 's/^\\\{0,1\}-//' <<<"$o" |
			    tr '[:upper:]' '[:lower:]')" \
			    "$([[ $o == [[:upper:]]* ]] && echo 0 || echo 1)" "$o"
		done | sort -k1,1 -k2,2n | cut -d' ' -f3)
		if [[ -z $got ]]; then
			echo "$t: no .It Fl list in DESCRIPTION of $page" >&2
			bad=1
		elif [[ "$got" != "$want" ]]; then
			echo "$t: options in order $(echo $got), want $(echo $want)" >&2
			bad=1
		fi
	done
	return $bad
}

@test "mandoc -Tlint -Wwarning is clean on every page" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	local p bad=0
	[[ -n $(pages) ]] || skip "no man pages yet"
	for p in $(pages); do
		run mandoc -Tlint -Wwarning "$p"
		if [[ $status -ne 0 || -n $output ]]; then
			echo "mandoc -Tlint $p (exit $status):" >&2
			echo "$output" >&2
			bad=1
		fi
	done
	return $bad
}

@test "man renders every page at 80 columns without overlong lines" {
	# What `man` shows on a terminal: groff warns "can't break line" when
	# a word is wider than its column (issue 15).
	command -v groff >/dev/null || skip "groff is not installed"
	local p bad=0
	[[ -n $(pages) ]] || skip "no man pages yet"
	for p in $(pages); do
		run groff -mandoc -Tutf8 -rLL=78n -z -wbreak "$p"
		if [[ -n $output ]]; then
			echo "groff $p:" >&2
			echo "$output" >&2
			bad=1
		fi
	done
	return $bad
}

@test "every page has a real .Dd date" {
	local p bad=0
	[[ -n $(pages) ]] || skip "no man pages yet"
	for p in $(pages); do
		if ! grep -qE '^\.Dd (January|February|March|April|May|June|July|August|September|October|November|December) [1-9][0-9]?, [0-9]{4}$' "$p"; then
			echo "$p: $(grep '^\.Dd' "$p" || echo 'no .Dd')" >&2
			bad=1
		fi
	done
	return $bad
}

@test "every example command uses only options its tool knows" {
	local p cmd bad=0 n=0
	[[ -n $(pages) ]] || skip "no man pages yet"
	for p in $(pages); do
		while IFS= read -r cmd; do
			n=$((n + 1))
			check_command "$cmd" || bad=1
		done < <(example_commands "$p")
	done
	[[ $n -gt 0 ]] || { echo "no example commands found" >&2; bad=1; }
	return $bad
}

@test "every tool's page has at least one example of the tool itself" {
	local t page
	for t in $(tools); do
		page=$MAN/$t.1
		[[ -f $page ]] || continue
		example_commands "$page" | grep -q "^$t\( \|$\)" ||
		    { echo "no '\$ $t ...' example in $page" >&2; return 1; }
	done
}

@test "the option checker itself catches unknown options" {
	local t
	t=$(tools | head -n 1)
	[[ -n $t ]] || skip "no tool"
	run check_command "$t --no-such-option x"
	is "$status" 1
	run check_command "$t -h"
	is "$status" 0
	run check_command "jq -c . | $t -h | sort -u"
	is "$status" 0
	run check_command "jq -c . | $t -h | $t --no-such-option"
	is "$status" 1
	run check_command "AC_NOW=1 $t --no-such-option"
	is "$status" 1
}

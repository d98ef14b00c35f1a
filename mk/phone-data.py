#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write share/ac/phone.tsv, the phone numbering plan of ac, from the
metadata of libphonenumber as python3-phonenumbers ships it (Debian:
python3-phonenumbers, run with /usr/bin/python3, which sees Debian's
dist-packages).

    /usr/bin/python3 mk/phone-data.py >share/ac/phone.tsv   (make phone-data)

The metadata's version must be the one of the oracle the tests compare
against (tests/cli/phone.bats), so this refuses any other than VERSION
unless given --any-version.

For each region, and each non-geographic calling code ("001" entities),
one R line; per calling code one C line naming its regions in
libphonenumber's order; then the D lines, the automata. The patterns that
must match a whole national number (generalDesc, the number types) and the
leadingDigits patterns (matched as a prefix) are compiled here into
minimal deterministic automata over the digits 0-9, so the C side walks a
table and runs no regular expression for them: a number is valid for a
region when the region's "valid" automaton accepts it, which is
libphonenumber's getNumberType != UNKNOWN (generalDesc with its lengths, and
one of the types with its lengths). The internationalPrefix and
nationalPrefixForParsing patterns are matched as a prefix with captures, so
their leftmost-first (backtracking) semantics matter: they are written out
as regular expressions for lib/phone.c's small backtracking matcher, "\\d"
spelled [0-9].
"""

import sys

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

VERSION = "8.12.57"
TYPES = ("premium_rate", "toll_free", "shared_cost", "voip",
         "personal_number", "pager", "uan", "voicemail", "fixed_line",
         "mobile")
MAXLEN = 17  # libphonenumber's _MAX_LENGTH_FOR_NSN


# A parser for the subset of regular expressions the metadata uses:
# digits, [classes] of digits and ranges, \d, (?:...), (...), |, ? * +
# {n} {n,} {n,m}, and $ (only in nationalPrefixForParsing). Anything else
# is an error, so a new construct in a later metadata is noticed here.
class Parser:
    def __init__(self, s):
        self.s, self.i, self.ngroups = s, 0, 0

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else None

    def take(self):
        c = self.peek()
        self.i += 1
        return c

    def parse(self):
        n = self.alt()
        if self.i != len(self.s):
            raise ValueError("unexpected %r at %d in %r" %
                             (self.peek(), self.i, self.s))
        return n

    def alt(self):
        alts = [self.cat()]
        while self.peek() == "|":
            self.take()
            alts.append(self.cat())
        return alts[0] if len(alts) == 1 else ("alt", alts)

    def cat(self):
        items = []
        while self.peek() not in (None, "|", ")"):
            items.append(self.rep())
        return ("cat", items)

    def rep(self):
        a = self.atom()
        while True:
            c = self.peek()
            if c == "?":
                lo, hi = 0, 1
            elif c == "*":
                lo, hi = 0, None
            elif c == "+":
                lo, hi = 1, None
            elif c == "{":
                j = self.s.index("}", self.i)
                body = self.s[self.i + 1:j]
                if "," in body:
                    a1, a2 = body.split(",")
                    lo, hi = int(a1), (int(a2) if a2 else None)
                else:
                    lo = hi = int(body)
                self.i = j
            else:
                return a
            self.take()
            if self.peek() in ("?", "+"):
                raise ValueError("lazy or possessive quantifier in %r" % self.s)
            a = ("rep", a, lo, hi)

    def atom(self):
        c = self.take()
        if c == "(":
            cap = True
            if self.s.startswith("?:", self.i):
                self.i += 2
                cap = False
            elif self.peek() == "?":
                raise ValueError("group flags in %r" % self.s)
            if cap:
                self.ngroups += 1
                k = self.ngroups
            n = self.alt()
            if self.take() != ")":
                raise ValueError("unbalanced ( in %r" % self.s)
            return ("group", n, k) if cap else n
        if c == "[":
            ds = set()
            neg = self.peek() == "^"
            if neg:
                self.take()
            while self.peek() != "]":
                a = self.take()
                if a == "\\" and self.take() == "d":
                    ds |= set("0123456789")
                    continue
                if a is None or not a.isdigit():
                    raise ValueError("class member %r in %r" % (a, self.s))
                if self.peek() == "-" and self.s[self.i + 1] != "]":
                    self.take()
                    b = self.take()
                    ds |= {chr(x) for x in range(ord(a), ord(b) + 1)}
                else:
                    ds.add(a)
            self.take()
            if neg:
                ds = set("0123456789") - ds
            return ("set", frozenset(ds))
        if c == "\\":
            if self.take() != "d":
                raise ValueError("escape in %r" % self.s)
            return ("set", frozenset("0123456789"))
        if c == "$":
            return ("eol",)
        if c is not None and c.isdigit():
            return ("set", frozenset(c))
        raise ValueError("unexpected %r in %r" % (c, self.s))


def parse(s):
    return Parser(s).parse()


def spell(n):
    """The pattern back as text, for the C matcher: \\d as [0-9]."""
    k = n[0]
    if k == "set":
        ds = sorted(n[1])
        if len(ds) == 1:
            return ds[0]
        out, i = "", 0
        while i < len(ds):
            j = i
            while j + 1 < len(ds) and ord(ds[j + 1]) == ord(ds[j]) + 1:
                j += 1
            out += ds[i] if i == j else ds[i] + "-" + ds[j] if j > i + 1 \
                else ds[i] + ds[j]
            i = j + 1
        return "[" + out + "]"
    if k == "eol":
        return "$"
    if k == "cat":
        return "".join(spell(x) for x in n[1])
    if k == "alt":
        return "(?:" + "|".join(spell(x) for x in n[1]) + ")"
    if k == "group":
        return "(" + spell(n[1]) + ")"
    if k == "rep":
        a, lo, hi = n[1], n[2], n[3]
        t = spell(a)
        if a[0] == "cat" and (len(a[1]) != 1 or a[1][0][0] not in
                              ("set", "group", "alt")):
            t = "(?:" + t + ")"
        if (lo, hi) == (0, 1):
            q = "?"
        elif (lo, hi) == (0, None):
            q = "*"
        elif (lo, hi) == (1, None):
            q = "+"
        elif lo == hi:
            q = "{%d}" % lo
        else:
            q = "{%d,%s}" % (lo, "" if hi is None else hi)
        return t + q
    raise ValueError(k)


# Thompson NFA: states are ints; eps[s] lists epsilon moves, move[s] is
# (digit set, target) or None.
class NFA:
    def __init__(self):
        self.eps, self.move = [], []

    def new(self):
        self.eps.append([])
        self.move.append(None)
        return len(self.eps) - 1

    def build(self, n):
        """Returns (start, end) of a fragment for node n."""
        k = n[0]
        if k == "set":
            a, b = self.new(), self.new()
            self.move[a] = (n[1], b)
            return a, b
        if k == "cat":
            a = b = self.new()
            for x in n[1]:
                s, e = self.build(x)
                self.eps[b].append(s)
                b = e
            return a, b
        if k == "alt":
            a, b = self.new(), self.new()
            for x in n[1]:
                s, e = self.build(x)
                self.eps[a].append(s)
                self.eps[e].append(b)
            return a, b
        if k == "group":
            return self.build(n[1])
        if k == "rep":
            x, lo, hi = n[1], n[2], n[3]
            a = b = self.new()
            for _ in range(lo):
                s, e = self.build(x)
                self.eps[b].append(s)
                b = e
            if hi is None:
                s, e = self.build(x)
                self.eps[b].append(s)
                self.eps[e].append(s)
                end = self.new()
                self.eps[b].append(end)
                self.eps[e].append(end)
                return a, end
            end = self.new()
            for _ in range(hi - lo):
                self.eps[b].append(end)
                s, e = self.build(x)
                self.eps[b].append(s)
                b = e
            self.eps[b].append(end)
            return a, end
        raise ValueError("%s cannot be in a national number pattern" % k)

    def closure(self, states):
        stack, seen = list(states), set(states)
        while stack:
            s = stack.pop()
            for t in self.eps[s]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return frozenset(seen)


def dfa(parts, prefix=False):
    """
    A minimal DFA over the digits. parts is a list of (pattern, lengths,
    group): a number is accepted when, for every group g in 0..G-1 that
    appears, some part of group g matches it whole and its length is in
    that part's lengths (empty: any). With prefix, a pattern matches when
    it matches a prefix of the number (re.match): the DFA accepts every
    extension of an accepted string.
    Returns (accepting, transitions) with state 0 dead, 1 the start.
    """
    nfa = NFA()
    comps = []
    for pat, lengths, group in parts:
        s, e = nfa.build(parse(pat))
        comps.append((s, e, frozenset(lengths), group))
    groups = sorted({c[3] for c in comps})
    start = frozenset((i, x) for i, c in enumerate(comps)
                      for x in nfa.closure([c[0]]))

    def accepts(st, depth):
        ok = set()
        for i, x in st:
            c = comps[i]
            if x == c[1] and (not c[2] or depth in c[2]):
                ok.add(c[3])
        return all(g in ok for g in groups)

    ids = {(frozenset(), 0): 0, (start, 0): 1}
    order = [(frozenset(), 0), (start, 0)]
    acc, trans = [False, False], [[0] * 10, None]
    todo = [1]
    while todo:
        k = todo.pop()
        st, depth = order[k]
        a = accepts(st, depth)
        acc[k] = a
        row = [0] * 10
        if prefix and a:
            row = [k] * 10
        elif depth < MAXLEN:
            for d in range(10):
                dc = str(d)
                # Components keep their identity through the closure.
                ns = set()
                for i, x in st:
                    m = nfa.move[x]
                    if m is not None and dc in m[0]:
                        for y in nfa.closure([m[1]]):
                            ns.add((i, y))
                if not ns:
                    continue
                key = (frozenset(ns), depth + 1)
                if key not in ids:
                    ids[key] = len(order)
                    order.append(key)
                    acc.append(False)
                    trans.append(None)
                    todo.append(ids[key])
                row[d] = ids[key]
        trans[k] = row
    return minimize(acc, trans)


def minimize(acc, trans):
    """Moore's partition refinement; keeps 0 dead and 1 the start."""
    n = len(acc)
    part = [1 if a else 0 for a in acc]
    while True:
        sig = {}
        newp = []
        for s in range(n):
            key = (part[s],) + tuple(part[t] for t in trans[s])
            newp.append(sig.setdefault(key, len(sig)))
        if len(sig) == len(set(part)):
            break
        part = newp
    # Renumber: dead's class 0, start's class 1, the rest in order.
    dead, start = part[0], part[1]
    remap = {dead: 0}
    if start != dead:
        remap[start] = 1
    for s in range(n):
        if part[s] not in remap:
            remap[part[s]] = len(remap)
    m = len(remap)
    macc, mtrans = [False] * m, [None] * m
    for s in range(n):
        c = remap[part[s]]
        macc[c] = acc[s]
        mtrans[c] = [remap[part[t]] for t in trans[s]]
    if m == 1:  # nothing accepted: a dead start
        macc, mtrans = [False, False], [[0] * 10, [0] * 10]
    return macc, mtrans


def lengths(desc):
    return tuple(desc.possible_length) if desc is not None else ()


def field(x):
    return "-" if x is None or x == "" else x


def main():
    if phonenumbers.__version__ != VERSION and "--any-version" not in sys.argv:
        sys.exit("phone-data.py: python3-phonenumbers %s, expected %s" %
                 (phonenumbers.__version__, VERSION))
    metas = [(r, PhoneMetadata.metadata_for_region(r))
             for r in sorted(phonenumbers.SUPPORTED_REGIONS)]
    metas += [("%d" % c, PhoneMetadata.metadata_for_nongeo_region(c))
              for c in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)]
    dfas, rlines = [], []

    def add(a):
        dfas.append(a)
        return len(dfas) - 1

    for r, m in metas:
        g = m.general_desc
        gen = add(dfa([(g.national_number_pattern, (), 0)]))
        parts = [(g.national_number_pattern, lengths(g), 0)]
        for t in TYPES:
            d = getattr(m, t)
            if d is not None and d.national_number_pattern:
                parts.append((d.national_number_pattern, lengths(d), 1))
        valid = add(dfa(parts)) if len(parts) > 1 else add(([False, False],
                                                            [[0] * 10] * 2))
        lead = add(dfa([(m.leading_digits, (), 0)], prefix=True)) \
            if m.leading_digits else -1
        idd = spell(parse(m.international_prefix)) \
            if m.international_prefix else None
        npp = spell(parse(m.national_prefix_for_parsing)) \
            if m.national_prefix_for_parsing else None
        tr = m.national_prefix_transform_rule
        if tr is not None and not all(c.isdigit() or c == "\\" for c in tr):
            raise ValueError("%s: transform rule %r" % (r, tr))
        rlines.append("\t".join((
            "R", r, str(m.country_code), field(idd), field(npp), field(tr),
            field(m.national_prefix),
            ",".join(map(str, lengths(g))) or "-",
            ",".join(map(str, g.possible_length_local_only)) or "-",
            str(gen), str(valid), "-" if lead < 0 else str(lead))))
    out = sys.stdout
    out.write("""\
# ac phone numbering plan, generated by mk/phone-data.py (make phone-data); do not edit.
# Source: libphonenumber metadata %s as python3-phonenumbers %s ships it (Debian
# bookworm), every region of SUPPORTED_REGIONS and every non-geographic calling code.
#
# R region cc idd npp transform national_prefix lengths local_lengths general valid lead
#   region: libphonenumber's region code, or the calling code of a non-geographic
#   entity; idd: internationalPrefix; npp: nationalPrefixForParsing; transform:
#   nationalPrefixTransformRule (\\1 a group); lengths, local_lengths: generalDesc's
#   possible lengths; general, valid, lead: automata (D lines) for a full match of
#   generalDesc's pattern, for getNumberType != UNKNOWN, and for leadingDigits as a
#   prefix ("-": none). "-" is an empty field. The patterns are libphonenumber's,
#   \\d written [0-9].
# C cc regions: libphonenumber's regions of a calling code, main region first.
# D id states accepting transitions: a DFA over the digits; state 0 is dead, 1 the
#   start; accepting lists the accepting states; transitions gives, per state in
#   order, the ten next states for the digits 0 to 9, all separated by commas.
V\t%s
""" % (VERSION, phonenumbers.__version__, phonenumbers.__version__))
    for line in rlines:
        out.write(line + "\n")
    for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        regs = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]
        regs = ["%d" % cc if x == "001" else x for x in regs]
        out.write("C\t%d\t%s\n" % (cc, ",".join(regs)))
    for i, (acc, trans) in enumerate(dfas):
        out.write("D\t%d\t%d\t%s\t%s\n" % (
            i, len(acc), ",".join(str(s) for s in range(len(acc)) if acc[s])
            or "-", ",".join(str(t) for row in trans for t in row)))


if __name__ == "__main__":
    main()

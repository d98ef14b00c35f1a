#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The differential test of phone numbers (tests/cli/phone.bats): ac
against libphonenumber, as python3-phonenumbers (Debian; run with
/usr/bin/python3) reads the same text with the record's country as the
default region.

    phone-oracle.py cases CASES.ndjson EXPECT.tsv
        Write one ac-normalize input record per case (its "case" field is
        its number) and, per case, what libphonenumber makes of it: the
        E.164 form when it parses and isValidNumber() holds, else "drop".
    phone-oracle.py compare EXPECT.tsv OUT.ndjson
        Compare ac-normalize's output with that; print each disagreement
        (case, region, form, input, oracle, ac) and a summary; exit 1 when
        any.

The cases: for every region libphonenumber knows (SUPPORTED_REGIONS; the
non-geographic "001" entities only as numbers written with "+"), its
example number of every type, written in every common form: national with
and without the trunk prefix, international with "+", with "00" and with
the region's own international prefix, with "(0)" after the calling code,
with dashes and with dots, the digits with the calling code but no "+",
and tel: URIs; each read in its own region, and the international forms
also in another region. Then invalid ones: too short, too long, a calling
code that does not exist, libphonenumber's invalid example number, and
garbage; the garbage must be dropped whatever libphonenumber makes of it
(ac reads no letters).
"""

import json
import re
import sys

import phonenumbers as pn
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T
from phonenumbers.phonemetadata import PhoneMetadata

TYPES = (T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE,
         T.SHARED_COST, T.VOIP, T.PERSONAL_NUMBER, T.PAGER, T.UAN,
         T.VOICEMAIL)
TNAME = {T.FIXED_LINE: "fixed", T.MOBILE: "mobile", T.TOLL_FREE: "tollfree",
         T.PREMIUM_RATE: "premium", T.SHARED_COST: "shared", T.VOIP: "voip",
         T.PERSONAL_NUMBER: "personal", T.PAGER: "pager", T.UAN: "uan",
         T.VOICEMAIL: "voicemail"}
BASE = {"conversion_action": "customers/1234567890/conversionActions/987",
        "conversion_date_time": "2026-04-23T12:31:09Z"}


def oracle(text, region):
    try:
        n = pn.parse(text, region)
    except pn.NumberParseException:
        return "drop"
    if not pn.is_valid_number(n):
        return "drop"
    return pn.format_number(n, F.E164)


def literal_idd(m):
    """The region's own international prefix as digits, if it has one."""
    p = m.preferred_international_prefix or m.international_prefix
    if p is None:
        return None
    p = p.replace("~", "")
    return p if re.fullmatch(r"\d+", p) else None


def forms(num, region, m):
    """(form, text) for the common ways of writing num."""
    cc = str(num.country_code)
    nsn = pn.national_significant_number(num)
    natf = pn.format_number(num, F.NATIONAL)
    intl = pn.format_number(num, F.INTERNATIONAL)
    out = [
        ("national", natf),
        ("national-digits", nsn),
        ("intl-plus", intl),
        ("e164", pn.format_number(num, F.E164)),
        ("intl-00", "00 " + intl[1:]),
        ("intl-plus-0", "+%s (0)%s" % (cc, nsn)),
        ("intl-dashes", "+%s-%s-%s" % (cc, nsn[:3], nsn[3:])),
        ("intl-dots", "+%s.%s.%s" % (cc, nsn[:3], nsn[3:])),
        ("national-dashes", re.sub(r"[ ]+", "-", natf)),
        ("national-dots", re.sub(r"[ ()-]+", ".", natf).strip(".")),
        ("cc-no-plus", cc + nsn),
        ("cc-no-plus-spaced", intl[1:]),
        ("tel", pn.format_number(num, F.RFC3966)),
        ("tel-e164", "tel:" + pn.format_number(num, F.E164)),
    ]
    if m.national_prefix:
        out.append(("national-trunk", m.national_prefix + nsn))
        out.append(("national-trunk-spaced", "%s %s %s" % (
            m.national_prefix, nsn[:3], nsn[3:])))
    idd = literal_idd(m)
    if idd and idd != "00":
        out.append(("intl-idd", "%s %s %s" % (idd, cc, nsn)))
        out.append(("intl-idd-0", "%s %s (0)%s" % (idd, cc, nsn)))
    out.append(("intl-00-0", "00%s (0)%s" % (cc, nsn)))
    return out


def examples(region):
    m = PhoneMetadata.metadata_for_region(region)
    seen = set()
    for t in TYPES:
        n = pn.example_number_for_type(region, t)
        if n is None:
            continue
        e = pn.format_number(n, F.E164)
        if e in seen:
            continue
        seen.add(e)
        yield TNAME[t], n, m


def cases():
    regions = sorted(pn.SUPPORTED_REGIONS)
    for i, region in enumerate(regions):
        other = regions[(i * 7 + 3) % len(regions)]
        for tname, num, m in examples(region):
            cc = str(num.country_code)
            nsn = pn.national_significant_number(num)
            for form, text in forms(num, region, m):
                yield region, "%s %s" % (tname, form), text, False
                if form.startswith("intl") or form in ("e164", "tel"):
                    # The same written in a region where it is foreign.
                    om = PhoneMetadata.metadata_for_region(other)
                    if form in ("intl-00", "intl-00-0") or \
                            form.startswith("intl-idd"):
                        idd = literal_idd(om)
                        if idd is None:
                            continue
                        text = re.sub(r"^\d+", idd, text)
                    yield other, "%s %s from %s" % (tname, form, region), \
                        text, False
            # Invalid: too short, too long, a wrong calling code.
            yield region, "%s too-short" % tname, nsn[:3], False
            yield region, "%s too-short-intl" % tname, "+%s%s" % (
                cc, nsn[:2]), False
            yield region, "%s too-long" % tname, nsn + "123456789", False
            yield region, "%s too-long-intl" % tname, "+%s%s99999" % (
                cc, nsn), False
            yield region, "%s bad-cc" % tname, "+999%s" % nsn, False
            yield region, "%s bad-cc-0" % tname, "+0%s" % nsn, False
            yield region, "%s bad-cc-00" % tname, "00 999 %s" % nsn, False
        inv = pn.invalid_example_number(region)
        if inv is not None:
            nsn = pn.national_significant_number(inv)
            yield region, "invalid-example national", nsn, False
            yield region, "invalid-example intl", "+%d %s" % (
                inv.country_code, nsn), False
        for k, g in enumerate(("abc", "12-ab-34", "+1 800 FLOWERS",
                               "call 0171 1234567", "+", "--", "0",
                               "tel:", "+49 170 +1234567", "(0)")):
            yield region, "garbage %d" % k, g, True
    for cc in sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        n = pn.example_number_for_non_geo_entity(cc)
        if n is None:
            continue
        nsn = pn.national_significant_number(n)
        for region in ("DE", "US", "JP"):
            yield region, "nongeo %d e164" % cc, pn.format_number(
                n, F.E164), False
            yield region, "nongeo %d intl" % cc, pn.format_number(
                n, F.INTERNATIONAL), False


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: phone-oracle.py cases CASES EXPECT | "
                 "compare EXPECT OUT")
    if sys.argv[1] == "cases":
        with open(sys.argv[2], "w") as c, open(sys.argv[3], "w") as e:
            for i, (region, form, text, strict) in enumerate(cases()):
                rec = dict(BASE, phone=text, country_code=region, case=i)
                c.write(json.dumps(rec) + "\n")
                want = "drop" if strict else oracle(text, region)
                e.write("%d\t%s\t%s\t%s\t%s\n" % (i, region, form, text,
                                                  want))
        return 0
    want = {}
    with open(sys.argv[2]) as e:
        for line in e:
            i, region, form, text, w = line.rstrip("\n").split("\t")
            want[int(i)] = (region, form, text, w)
    got = {}
    with open(sys.argv[3]) as o:
        for line in o:
            r = json.loads(line)
            got[r["case"]] = r.get("phone", "drop")
    bad = 0
    regions, forms_ = set(), set()
    for i, (region, form, text, w) in sorted(want.items()):
        g = got.get(i, "(no record)")
        regions.add(region)
        forms_.add(form.split(" ")[1] if " " in form else form)
        if g != w:
            bad += 1
            if bad <= 200:
                print("DISAGREE case %d region %s form %s: %r: "
                      "libphonenumber %s, ac %s" % (i, region, form, text,
                                                    w, g))
    print("phone: %d cases, %d regions, %d forms, %d agree, %d disagree "
          "(libphonenumber %s)" % (len(want), len(regions), len(forms_),
                                   len(want) - bad, bad, pn.__version__))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One-process Python reference of ac-normalize | ac-consent | ac-hash | ac-pick-clickid.

Usage:
    python3 tests/bench/reference.py [-z ZONE] [-E REGIONS] < orders.ndjson > out.ndjson

What a careful one-process Python uploader would do with the bench orders, for
make bench to compare the C pipeline with (tests/bench/run.py --tool pipeline).
It does the same work as the four filters run with the bench's options
(-z Europe/Berlin, --require-explicit EEA): parse each line, check and
normalize customer_id, conversion_action(_id), conversion_date_time (to the
zone's offset), conversion_value, currency_code, order_id and country_code;
NFC, case-map and canonicalize email (the Gmail rule), phone (E.164 from
phone.tsv's lengths and prefixes, without its number patterns), the names, street, city, region and postal_code; drop
placeholders; decide consent (EEA needs explicit consent, an unknown country
counts as inside); SHA-256 the five identifiers in place; keep one
well-formed click ID and set click_id_type; reject unattributable records;
write the line.  Rejected records are counted, by reason, on stderr at the end
(the tools run with -q in the bench).

It follows the rules of the man pages closely but is not byte-identical with
the C tools in every corner (it is a benchmark, not an oracle).  Standard
library only; it reads share/ac from AC_SHAREDIR or the source tree.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import sys
import unicodedata
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
SHARE = os.environ.get("AC_SHAREDIR") or os.path.join(HERE, "..", "..", "share", "ac")

IDS = ("email", "phone", "first_name", "last_name", "street_address")
HASHED = {"email": "hashed_email", "phone": "hashed_phone_number",
          "first_name": "hashed_first_name", "last_name": "hashed_last_name",
          "street_address": "hashed_street_address"}
CLICK_RE = re.compile(r"[A-Za-z0-9_-]{10,512}\Z")
HEX_RE = re.compile(r"[0-9a-fA-F]{64}\Z")
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
ACTION_RE = re.compile(r"customers/(\d{10})/conversionActions/(\d{1,19})\Z")
TIME_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(?:[.,]\d+)?"
                     r" ?(Z|[+-]\d\d(?::?\d\d)?)?\Z")
VALUE_RE = re.compile(r"-?\d+(\.\d+)?\Z")
ASCII_PUNCT = re.compile(r"[^A-Za-z0-9 ]")
BAD_EMAIL = set('<>()[],;:"\\')
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "prof"}
SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v", "vi", "2nd", "3rd", "4th", "phd",
            "md", "dds", "dmd", "dvm", "cpa", "jd", "esq", "mba", "rn", "llm"}
GRANTED = {"GRANTED", "CONSENT_GRANTED", "YES", "TRUE", "1"}
DENIED = {"DENIED", "CONSENT_DENIED", "NO", "FALSE", "0"}
UNSPEC = {"", "UNSPECIFIED", "UNKNOWN", "CONSENT_STATUS_UNSPECIFIED"}


class Reject(Exception):
    pass


def rows(name):
    with open(os.path.join(SHARE, name), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


class Data:
    def __init__(self):
        self.iso = {}  # alpha-2 -> True, alpha-3 -> alpha-2
        self.alpha3 = {}
        for r in rows("iso3166.txt"):
            self.iso[r[0]] = True
            self.alpha3[r[1]] = r[0]
        self.currencies = {r[0] for r in rows("iso4217.txt")}
        self.eea = {r[0] for r in rows("eea.txt")}
        self.names = {r[0]: r[1] for r in rows("country-names.tsv")}
        self.placeholders = {}
        for r in rows("placeholders.txt"):
            self.placeholders.setdefault(r[0], set()).add(r[1])
        self.regions = {}
        self.calling = {}
        for r in rows("phone.tsv"):
            if r[0] != "R" or not r[1].isalpha():
                continue
            intl = re.compile(r[3]) if r[3] != "-" else None
            trunk = "" if r[6] == "-" else r[6]
            lengths = {int(x) for x in r[7].split(",")}
            self.regions[r[1]] = (r[2], intl, trunk, lengths)
            c = self.calling.setdefault(r[2], [set(), trunk])
            c[0] |= lengths

    def placeholder(self, field, v):
        return v in self.placeholders.get("*", ()) or v in self.placeholders.get(field, ())

    def country(self, s):
        t = s.strip()
        if not t:
            return None
        if len(t) <= 3:
            u = t.upper()
            u = "GB" if u == "UK" else self.alpha3.get(u, u)
            if u in self.iso:
                return u
        f = unicodedata.normalize("NFKD", t.casefold())
        f = "".join(c for c in f if not "\u0300" <= c <= "\u036f")
        f = " ".join(re.findall(r"[^\W_]+", f))
        return self.names.get(f)


def text(s, lower=False, nospace=False, trim=False, collapse=False, nopunct=False):
    # Printable ASCII, most values, through str methods, as the C tools have
    # their ASCII fast path: NFC changes nothing there, the only white space
    # is " ", and punctuation and symbols are what is not alphanumeric.
    if s.isascii() and s.isprintable():
        if nopunct:
            s = ASCII_PUNCT.sub("", s)
        if lower:
            s = s.lower()
        if nospace:
            return s.replace(" ", "")
        if collapse:
            return " ".join(s.split())
        return s.strip(" ") if trim else s
    s = unicodedata.normalize("NFC", s)
    out = []
    for c in s:
        cat = unicodedata.category(c)
        if c.isspace() or cat in ("Zs", "Zl", "Zp"):
            if nospace:
                continue
            out.append(" " if collapse else c)
            continue
        if cat in ("Cc", "Cf"):
            continue
        if nopunct and cat[0] in "PS":
            continue
        out.append(c.lower() if lower else c)
    t = "".join(out)
    if collapse:
        t = " ".join(t.split(" "))
        t = re.sub(" +", " ", t)
    return t.strip() if trim or collapse else t


def norm_email(s, d):
    if len(s.strip()) > 254:
        return None
    t = text(s, lower=True, nospace=True)
    if not t or d.placeholder("email", t) or BAD_EMAIL & set(t) or t.count("@") != 1:
        return None
    local, dom = t.split("@")
    if not local or "." not in dom or "" in dom.split("."):
        return None
    if dom in ("gmail.com", "googlemail.com"):
        local = local.split("+", 1)[0].replace(".", "")
        if not local:
            return None
    t = local + "@" + dom
    return None if d.placeholder("email", t) else t


def international(digits, d):
    for i in (1, 2, 3):
        code = digits[:i]
        if code in d.calling and digits[0] != "0":
            lengths, trunk = d.calling[code]
            nsn = digits[i:]
            if trunk and nsn.startswith(trunk) and len(nsn) - len(trunk) in lengths:
                nsn = nsn[len(trunk):]
            if len(nsn) not in lengths or len(set(nsn)) == 1:
                return None
            e = "+" + code + nsn
            return e if 9 <= len(e) <= 16 else None
    return None


def norm_phone(s, region, d):
    if isinstance(s, (int, float)):
        s = "%d" % s
    if len(s.strip()) > 64:
        return None
    t = text(s, lower=True, nospace=True)
    if not t or d.placeholder("phone", t):
        return None
    t = re.split(r"x|#|ext", t, 1)[0]
    plus = t.startswith("+")
    t = t.replace("(0)", "") if plus else t
    if re.search(r"[^0-9 \t\-.()/+]", t) or "+" in t[1:]:
        return None
    digits = re.sub(r"\D", "", t)
    if not digits:
        return None
    if plus:
        return international(digits, d)
    if region not in d.regions:
        return None
    cc, intl, trunk, lengths = d.regions[region]
    m = intl.match(digits) if intl else None
    if m:
        return international(digits[m.end():], d)
    if trunk and digits.startswith(trunk) and (trunk == "0" or len(digits) not in lengths):
        digits = digits[len(trunk):]
    if len(digits) not in lengths or len(set(digits)) == 1:
        return None
    e = "+" + cc + digits
    return e if 9 <= len(e) <= 16 and not d.placeholder("phone", e) else None


def norm_name(s, field, d):
    words = text(s, lower=True, trim=True, collapse=True).split(" ")
    while len(words) > 1 and words[0].replace(".", "") in HONORIFICS:
        words.pop(0)
    if len(words) == 1 and words[0].replace(".", "") in HONORIFICS:
        return None
    t = " ".join(words)
    while True:
        m = re.search(r"[ ,]+([^ ,]+)[ ,]*\Z", t)
        if not m or m.group(1).replace(".", "") not in SUFFIXES:
            break
        t = t[:m.start()]
    t = t.rstrip(" ,")
    return t if t and not d.placeholder(field, t) else None


def norm_plain(s, field, d, **kw):
    t = text(s, trim=True, **kw)
    return t if t and not d.placeholder(field, t) else None


def norm_time(v, zone):
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        ts = v / 1000 if v >= 1e11 else v
        t = datetime.datetime.fromtimestamp(int(ts), datetime.timezone.utc)
    elif isinstance(v, str):
        m = TIME_RE.match(v.strip())
        if not m:
            raise Reject("conversion_date_time_invalid")
        y, mo, da, h, mi, se, off = m.groups()
        t = datetime.datetime(int(y), int(mo), int(da), int(h), int(mi), int(se or 0))
        if off is None:
            if zone is None:
                raise Reject("conversion_date_time_no_offset")
            t = t.replace(tzinfo=zone)
        elif off == "Z":
            t = t.replace(tzinfo=datetime.timezone.utc)
        else:
            o = off.replace(":", "")
            mins = int(o[1:3]) * 60 + int(o[3:5] or 0)
            t = t.replace(tzinfo=datetime.timezone(datetime.timedelta(
                minutes=-mins if o[0] == "-" else mins)))
    else:
        raise Reject("conversion_date_time_invalid")
    if t.year < 2000:
        raise Reject("conversion_date_time_invalid")
    if zone is not None:
        t = t.astimezone(zone)
    s = t.strftime("%Y-%m-%d %H:%M:%S%z")
    return s[:-2] + ":" + s[-2:]


def normalize(rec, d, zone, opts):
    cid = rec.get("customer_id")
    if isinstance(cid, int) and not isinstance(cid, bool):
        cid = "%010d" % cid
    if isinstance(cid, str):
        cid = cid.replace("-", "").replace(" ", "")
        if len(cid) != 10 or not cid.isdigit():
            raise Reject("customer_id_invalid")
        rec["customer_id"] = cid
    elif cid is not None:
        raise Reject("customer_id_invalid")
    lcid = rec.get("login_customer_id")
    if isinstance(lcid, str):
        lcid = lcid.replace("-", "").replace(" ", "")
        if len(lcid) != 10 or not lcid.isdigit():
            raise Reject("login_customer_id_invalid")
        rec["login_customer_id"] = lcid
    act, aid = rec.get("conversion_action"), rec.get("conversion_action_id")
    if aid is not None:
        aid = str(aid).strip()
        if not aid.isdigit() or len(aid) > 19:
            raise Reject("conversion_action_id_invalid")
    if act is not None:
        m = ACTION_RE.match(str(act).strip())
        if not m:
            raise Reject("conversion_action_invalid")
        if aid is not None and aid != m.group(2):
            raise Reject("conversion_action_mismatch")
        if cid is None:
            rec["customer_id"] = cid = m.group(1)
    elif aid is not None:
        if cid is None:
            raise Reject("customer_id_missing")
        rec["conversion_action"] = "customers/%s/conversionActions/%s" % (cid, aid)
    else:
        raise Reject("conversion_action_missing")
    if "conversion_date_time" not in rec:
        raise Reject("conversion_date_time_missing")
    rec["conversion_date_time"] = norm_time(rec["conversion_date_time"], zone)
    val = rec.get("conversion_value")
    if isinstance(val, str):
        if not VALUE_RE.match(val.strip()):
            raise Reject("value_invalid")
        val = float(val)
        rec["conversion_value"] = int(val) if val == int(val) else val
    if isinstance(val, (int, float)) and val < 0:
        raise Reject("value_negative")
    cur = rec.get("currency_code")
    if isinstance(cur, str):
        cur = cur.replace(" ", "").replace("\t", "").upper()
        if cur not in d.currencies:
            raise Reject("currency_invalid")
        rec["currency_code"] = cur
    elif val is not None:
        raise Reject("currency_missing")
    oid = rec.get("order_id")
    if isinstance(oid, str):
        rec["order_id"] = oid.strip()
    elif isinstance(oid, int) and not isinstance(oid, bool):
        rec["order_id"] = str(oid)
    country = None
    if isinstance(rec.get("country_code"), str):
        country = d.country(rec["country_code"])
        if country is None:
            del rec["country_code"]
        else:
            rec["country_code"] = country
    fns = {
        "email": lambda s: norm_email(s, d),
        "phone": lambda s: norm_phone(s, country or opts.default_region, d),
        "first_name": lambda s: norm_name(s, "first_name", d),
        "last_name": lambda s: norm_name(s, "last_name", d),
        "street_address": lambda s: norm_plain(s, "street_address", d, lower=True,
                                               nopunct=True, collapse=True),
        "city": lambda s: norm_plain(s, "city", d, lower=True),
        "region": lambda s: norm_plain(s, "region", d, lower=True),
        "postal_code": lambda s: norm_plain(s, "postal_code", d, collapse=True),
    }
    warnings = []
    for f, fn in fns.items():
        v = rec.get(f)
        if v is None:
            continue
        if not isinstance(v, str) and not (f == "phone" and isinstance(v, int)):
            n = None
        else:
            n = fn(v)
        if n is None:
            del rec[f]
            warnings.append({"field": f, "code": "dropped"})
        else:
            rec[f] = n
    if warnings:
        rec["ac_warnings"] = warnings
    return country


def consent_value(v):
    if v is True or v == 1:
        return "GRANTED"
    if v is False or v == 0:
        return "DENIED"
    if isinstance(v, str):
        u = v.strip().upper()
        if u in GRANTED:
            return "GRANTED"
        if u in DENIED:
            return "DENIED"
    return None


def consent(rec, country, regions):
    objs = [rec.get("google-ads-consent"), rec.get("consent")]
    got = {}
    for key, camel in (("ad_user_data", "adUserData"),
                       ("ad_personalization", "adPersonalization")):
        for o in objs:
            if isinstance(o, dict):
                v = consent_value(o.get(key))
                if v is None:
                    v = consent_value(o.get(camel))
            else:
                v = consent_value(o)
            if v is not None:
                got[key] = v
                break
        if key not in got:
            inside = country is None or country in regions
            got[key] = "DENIED" if inside else "UNSPECIFIED"
    gac = rec.get("google-ads-consent")
    if isinstance(gac, dict):
        for camel in ("adUserData", "adPersonalization"):
            gac.pop(camel, None)
        gac.update(got)
    else:
        rec["google-ads-consent"] = got
    if got["ad_user_data"] == "DENIED":
        gone = [f for f in IDS + ("city", "region", "postal_code") if f in rec]
        for f in gone:
            del rec[f]
        if gone:
            rec.setdefault("ac_warnings", []).append({
                "stage": "ac-consent", "field": "google-ads-consent.ad_user_data",
                "code": "identifiers_removed_no_consent"})


def hash_ids(rec):
    # Hashed in place: rebuilding the dict keeps the key order of the C tool.
    if not any(f in rec for f in IDS):
        return rec
    out = {}
    for k, v in rec.items():
        if k in HASHED:
            out[HASHED[k]] = hashlib.sha256(v.encode()).hexdigest()
        else:
            out[k] = v
    return out


def pick_clickid(rec):
    kept = None
    for f in ("gclid", "gbraid", "wbraid"):
        v = rec.get(f)
        if v is None:
            continue
        v = v.strip(" \t") if isinstance(v, str) else v
        if kept is None and isinstance(v, str) and CLICK_RE.match(v):
            rec[f] = v
            kept = f
        else:
            del rec[f]
    for f in ("hashed_email", "hashed_phone_number"):
        v = rec.get(f)
        if v is not None and (not isinstance(v, str) or not HEX_RE.match(v.strip())
                              or v.strip().lower() == EMPTY_HASH):
            del rec[f]
    if kept is None and "hashed_email" not in rec and "hashed_phone_number" not in rec:
        raise Reject("unattributable")
    rec["click_id_type"] = kept or "none"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-z", "--timezone", default="Europe/Berlin")
    ap.add_argument("-E", "--require-explicit", default="EEA")
    ap.add_argument("-d", "--default-region", default=None)
    opts = ap.parse_args(argv)
    d = Data()
    zone = zoneinfo.ZoneInfo(opts.timezone) if opts.timezone else None
    regions = set()
    for r in opts.require_explicit.split(","):
        r = r.strip().upper()
        regions |= d.eea if r == "EEA" else {r}
    out = sys.stdout.buffer
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    rejected = {}
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise Reject("not_object")
            country = normalize(rec, d, zone, opts)
            consent(rec, country, regions)
            rec = hash_ids(rec)
            pick_clickid(rec)
        except ValueError:
            rejected["bad_json"] = rejected.get("bad_json", 0) + 1
            continue
        except Reject as e:
            rejected[str(e)] = rejected.get(str(e), 0) + 1
            continue
        out.write(dumps(rec).encode())
        out.write(b"\n")
    if rejected:
        print("reference.py: %d rejected (%s)" % (sum(rejected.values()), ", ".join(
            "%d %s" % (v, k) for k, v in sorted(rejected.items()))), file=sys.stderr)
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())

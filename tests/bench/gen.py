#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate deterministic, messy NDJSON "shop orders" for benchmarking ac.

Usage:
    python3 tests/bench/gen.py [-n N] [--seed S] > orders.ndjson

Writes N (default 200000) compact JSON objects, one per line, about 500 bytes
each on average.  The output depends only on N and the seed (default 1): the
same arguments always produce byte-identical output.

Records look like what a shop backend would hand to an uploader: the suite's
canonical field names (order_id, customer_id, conversion_date_time, email,
phone, first_name, ...) in many spellings and formats, with case and
whitespace noise, a few invalid values, optional fields left out, and unknown
fields (source, items, meta, ...) that the tools must pass through untouched.
All names, numbers and addresses are fake; domains are example.com-style or
the big webmail providers.

Standard library only.  The script is silent apart from the data on stdout.
"""

import argparse
import json
import random
import sys
import time

# ---------------------------------------------------------------------------
# Fixed pools.  Everything random is drawn from one random.Random(seed), in a
# fixed order per record, so output is reproducible across runs and machines
# (the integer/choice algorithms behind random(), randrange(), choice() and
# choices() have been stable across CPython 3 releases).
# ---------------------------------------------------------------------------

# A handful of advertiser accounts (10 digits each).  Manager accounts are
# used for login_customer_id.
CUSTOMERS = ["1234567890", "9876543210", "5550001234", "3141592653", "2718281828"]
MANAGERS = ["1112223334", "4445556667"]

# Conversion action ids, per customer, so the resource-name form stays
# consistent with customer_id.
ACTIONS = [str(987654321 + 1000 * k) for k in range(6)]

# 2026-01-01T00:00:00Z .. 2026-10-31T23:59:59Z: all in the past, so a
# "conversion time in the future" check rejects none of them.
T_START = 1767225600
T_END = 1793491199
# Europe/Berlin DST in 2026 (UTC instants): used to write naive local times that
# are valid wall-clock times in Berlin (the runner passes --timezone
# Europe/Berlin), so no record falls into the spring-forward gap.
BERLIN_DST_START = 1774746000  # 2026-03-29T01:00:00Z
BERLIN_DST_END = 1792890000  # 2026-10-25T01:00:00Z

OFFSETS = [
    (7200, "+02:00"), (3600, "+01:00"), (0, "+00:00"), (-18000, "-05:00"),
    (-25200, "-07:00"), (19800, "+05:30"), (32400, "+09:00"),
]

CURRENCIES = ["EUR", "eur", "EUR", " usd ", "USD", "GBP", "gbp", "EUR "]

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
GCLID_PREFIXES = ["Cj0KCQjw", "Cj0KCQiA", "CjwKCAjw", "EAIaIQobChMI", "Cj0KCQjwk"]

# Per-country data: country_code spellings, name pools, address pools, email
# domains, and the relative weight of the country in the output.
COUNTRIES = {
    "US": {
        "codes": ["US", "us", " us ", "US", "USA"],
        "first": ["Alex", "Jordan", "Taylor", "Morgan", "Casey", "Jamie", "Riley",
                  "Avery", "Quinn", "Sam", "Chris", "Pat"],
        "last": ["Quinn", "Smith", "Johnson", "Williams", "Brown", "Jones",
                 "Garcia", "Miller", "Davis", "O'Brien", "Rodriguez", "Lee"],
        "streets": ["Amphibious Blvd.", "Main St", "Elm Street", "Oak Ave.",
                    "Sunset Boulevard", "Market St.", "Pine Rd"],
        "cities": ["Mountain View", "San Francisco", "New York", "Austin",
                   "Seattle", "Chicago", " Portland "],
        "regions": ["CA", "ca", "NY", "TX", "WA", "IL", "OR", "California"],
        "domains": ["gmail.com", "GMail.com", "example.com", "yahoo.com",
                    "outlook.com", "example.org"],
        "weight": 40,
    },
    "DE": {
        "codes": ["DE", "de", " DE", "Germany"],
        "first": ["Jörg", "JÖRG", "Anna", "Lukas", "Sophie", "Maximilian",
                  "Lena", "Jürgen", "Katrin", "Stefan", "Björn"],
        "last": ["Müller", "MÜLLER", "Schmidt", "Schneider", "Fischer", "Weber",
                 "Meyer", "Wagner", "Becker", "Groß", "Hoffmann"],
        "streets": ["Hauptstraße", "Bahnhofstr.", "Schillerstraße", "Gartenweg",
                    "Lindenallee", "Marktplatz"],
        "cities": ["Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main",
                   " Stuttgart"],
        "regions": ["BE", "BY", "Bayern", "HH", "NW", "HE", "BW"],
        "domains": ["example.de", "gmx.de", "web.de", "gmail.com", "t-online.de"],
        "weight": 30,
    },
    "GB": {
        "codes": ["GB", "gb", "UK", " GB "],
        "first": ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Noah",
                  "Emily", "Jack", "Siobhan"],
        "last": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans",
                 "Thomas", "O'Connor", "Davies", "Robinson"],
        "streets": ["High Street", "Station Road", "Church Lane", "Victoria Rd.",
                    "Park Avenue", "Baker Street"],
        "cities": ["London", "Manchester", "Birmingham", "Leeds", "Glasgow",
                   "Bristol"],
        "regions": ["England", "ENG", "Scotland", "Greater London", ""],
        "domains": ["example.co.uk", "gmail.com", "hotmail.co.uk", "btinternet.com",
                    "example.com"],
        "weight": 18,
    },
    "FR": {
        "codes": ["FR", "fr", " FR"],
        "first": ["María  José", "Élodie", "François", "Chloé", "Mathieu",
                  "Inès", "Léa", "Hugo", "Camille"],
        "last": ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent",
                 "Girard", "Roux", "Fournier"],
        "streets": ["rue de la Paix", "avenue des Champs-Élysées",
                    "boulevard Saint-Germain", "rue Victor Hugo", "place Bellecour"],
        "cities": ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille"],
        "regions": ["IDF", "Île-de-France", "ARA", "PACA", "Occitanie"],
        "domains": ["example.fr", "orange.fr", "gmail.com", "free.fr", "laposte.net"],
        "weight": 12,
    },
}
COUNTRY_KEYS = list(COUNTRIES)
COUNTRY_WEIGHTS = [COUNTRIES[k]["weight"] for k in COUNTRY_KEYS]

HONORIFICS = {
    "US": ["Mr.", "Mrs.", "Ms.", "Dr.", "MR", "mrs"],
    "DE": ["Herr", "Frau", "Dr.", "Prof. Dr."],
    "GB": ["Mr", "Mrs", "Ms", "Miss", "Sir", "Dr"],
    "FR": ["M.", "Mme", "Mlle", "Dr"],
}
SUFFIXES = ["Jr.", "Sr.", "III", "Jr", "PhD", "II"]

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/139.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/18.4 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/138.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:141.0) Gecko/20100101 Firefox/141.0",
]

SKUS = ["TSHIRT", "MUG", "HOODIE", "CAP", "SOCKS", "POSTER", "STICKER", "BAG"]
CAMPAIGNS = ["spring_sale_2026", "brand_search", "pmax_all", "retargeting_q2",
             "black-friday-early", "newsletter"]
UTM_SOURCES = ["google", "newsletter", "facebook", "bing", "direct"]
UTM_MEDIUMS = ["cpc", "email", "social", "organic"]
SOURCES = ["shop", "shop", "shop", "pos", "app", "marketplace"]


def rand_digits(rng, n):
    """n random decimal digits as a string (leading zeros allowed)."""
    return str(rng.randrange(10 ** n)).zfill(n)


def noisy(rng, s):
    """Add occasional case and whitespace noise to a string."""
    r = rng.random()
    if r < 0.08:
        s = s.upper()
    elif r < 0.12:
        s = s.lower()
    r = rng.random()
    if r < 0.10:
        s = " " + s + " "
    elif r < 0.15:
        s = s + "  "
    elif r < 0.18:
        s = "\t" + s
    return s


def gen_order_id(rng, i):
    r = rng.random()
    if r < 0.85:
        return "ORD-2026-%07d" % (i + 1)
    if r < 0.95:
        # JSON integer, comfortably below 2^53.
        return 2026000000000 + i + 1
    if r < 0.98:
        return " ORD-2026-%07d " % (i + 1)
    return "%d" % (2026000000000 + i + 1)


def dashed(cid):
    return "%s-%s-%s" % (cid[0:3], cid[3:6], cid[6:10])


def gen_datetime(rng):
    """One conversion_date_time in one of several accepted (or not) forms."""
    ts = rng.randrange(T_START, T_END + 1)
    r = rng.random()
    if r < 0.25:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    if r < 0.45:
        off, suffix = OFFSETS[rng.randrange(len(OFFSETS))]
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + off)) + suffix
    if r < 0.55:
        frac = rand_digits(rng, 6) if rng.random() < 0.6 else rand_digits(rng, 3)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + "." + frac + "Z"
    if r < 0.75:
        # Google Ads' own format: space separator, offset with colon.
        off, suffix = OFFSETS[rng.randrange(len(OFFSETS))]
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts + off)) + suffix
    if r < 0.85:
        return ts  # epoch seconds
    if r < 0.95:
        return ts * 1000 + rng.randrange(1000)  # epoch milliseconds
    # ~5%: naive wall-clock time (Berlin), rejected without --timezone.
    off = 7200 if BERLIN_DST_START <= ts < BERLIN_DST_END else 3600
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts + off))


def gen_value(rng):
    """(conversion_value, currency_code); either may be None (= absent)."""
    r = rng.random()
    if r < 0.05:
        return None, None
    cents = rng.choice((99, 90, 95, 0, 50, 49, 0, 25))
    whole = rng.choice((0, 4, 9, 19, 29, 49, 99, 120, 199, 349, 1299))
    if whole == 0 and cents == 0:
        cents = 99
    cur = rng.choice(CURRENCIES) if rng.random() < 0.97 else None
    r = rng.random()
    if r < 0.55:
        if cents == 0:
            return whole, cur  # JSON integer: 120
        # round() keeps the shortest repr (19.95, not 19.950000000000003).
        return round(whole + cents / 100, 2), cur
    if r < 0.85:
        return "%d.%02d" % (whole, cents), cur
    if r < 0.95:
        return " %d " % whole, cur
    return "%d,%02d" % (whole, cents), cur  # European decimal comma: invalid


def gen_click_id(rng, lo, hi):
    n = rng.randrange(lo, hi + 1)
    prefix = rng.choice(GCLID_PREFIXES)
    return prefix + "".join(rng.choices(B64URL, k=n - len(prefix)))


def gen_phone(rng, country):
    r = rng.random()
    if r < 0.03:
        return rng.choice(("n/a", "0000000000", "-", "unknown", "123"))
    if country == "US":
        area = rng.choice(("415", "212", "512", "206", "312", "650"))
        line = "01%02d" % rng.randrange(100)  # 555-0100..0199: reserved fiction
        form = rng.randrange(5)
        if form == 0:
            p = "(%s) 555-%s" % (area, line)
        elif form == 1:
            p = "%s.555.%s" % (area, line)
        elif form == 2:
            p = "+1 %s 555 %s" % (area, line)
        elif form == 3:
            p = "%s-555-%s" % (area, line)
        else:
            p = "1%s555%s" % (area, line)
    elif country == "DE":
        pre = rng.choice(("170", "151", "160", "176", "30", "89"))
        num = rand_digits(rng, 7)
        form = rng.randrange(4)
        if form == 0:
            p = "0%s %s" % (pre, num)
        elif form == 1:
            p = "+49 (0)%s %s" % (pre, num)
        elif form == 2:
            p = "0049 %s %s" % (pre, num)
        else:
            p = "+49%s/%s" % (pre, num)
    elif country == "GB":
        form = rng.randrange(4)
        tail = rand_digits(rng, 3)
        if form == 0:
            p = "020 7946 0%s" % tail
        elif form == 1:
            p = "+44 20 7946 0%s" % tail
        elif form == 2:
            p = "07700 900%s" % tail
        else:
            p = "+44 (0) 7700 900%s" % tail
    else:  # FR
        d = [rand_digits(rng, 2) for _ in range(4)]
        lead = rng.choice(("06", "07", "01"))
        if rng.random() < 0.7:
            p = "%s %s %s %s %s" % (lead, d[0], d[1], d[2], d[3])
        else:
            p = "+33 %s %s %s %s %s" % (lead[1], d[0], d[1], d[2], d[3])
    if rng.random() < 0.04:
        p += rng.choice((" ext. 12", " x204", " ext 7"))
    return noisy(rng, p) if rng.random() < 0.2 else p


def gen_email(rng, first, last, cdata):
    """Email derived from the (clean) name, with noise; None means absent."""
    r = rng.random()
    if r < 0.08:
        return None
    if r < 0.11:
        return rng.choice(("no-at-sign.example.com", "alex@", "@example.com",
                           "a b@example.com", "n/a", ""))
    f = first.split()[0].lower()
    l = last.lower().replace("'", "")
    shape = rng.randrange(5)
    if shape == 0:
        local = "%s.%s" % (f, l)
    elif shape == 1:
        local = "%s%s%d" % (f[0], l, rng.randrange(100))
    elif shape == 2:
        local = "%s.%s+news" % (f, l)
    elif shape == 3:
        local = "%s_%s" % (f, l)
    else:
        local = f + rand_digits(rng, 4)
    domain = rng.choice(cdata["domains"])
    e = local + "@" + domain
    r = rng.random()
    if r < 0.25:
        # Capitalised local part, as typed into a form.
        e = e[0].upper() + e[1:]
    elif r < 0.30:
        e = e.upper()
    if rng.random() < 0.15:
        e = " " + e + " "
    return e


def gen_name(rng, country, cdata):
    first = rng.choice(cdata["first"])
    last = rng.choice(cdata["last"])
    if rng.random() < 0.05:
        last = last + "-" + rng.choice(cdata["last"])
    fn, ln = first, last
    if rng.random() < 0.12:
        fn = rng.choice(HONORIFICS[country]) + " " + fn
    if rng.random() < 0.06:
        ln = ln + rng.choice((", ", " ")) + rng.choice(SUFFIXES)
    return first, last, noisy(rng, fn), noisy(rng, ln)


def gen_postal(rng, country):
    if country == "US":
        p = rand_digits(rng, 5)
        if rng.random() < 0.1:
            p += "-" + rand_digits(rng, 4)
    elif country == "DE" or country == "FR":
        p = rand_digits(rng, 5)
    else:
        p = rng.choice(("SW1A 1AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH",
                        "sw1a1aa", "G2 3WT"))
    if rng.random() < 0.1:
        p = " " + p + " "
    return p


def gen_record(rng, i):
    """Build one record as a dict with a fixed key order."""
    rec = {}
    country = rng.choices(COUNTRY_KEYS, COUNTRY_WEIGHTS)[0]
    cdata = COUNTRIES[country]
    ci = rng.randrange(len(CUSTOMERS))
    cid = CUSTOMERS[ci]

    rec["order_id"] = gen_order_id(rng, i)
    rec["customer_id"] = dashed(cid) if rng.random() < 0.6 else cid
    if rng.random() < 0.2:
        m = rng.choice(MANAGERS)
        rec["login_customer_id"] = dashed(m) if rng.random() < 0.5 else m

    action = ACTIONS[ci + (rng.random() < 0.3)]
    r = rng.random()
    if r < 0.45:
        rec["conversion_action_id"] = action
    elif r < 0.70:
        rec["conversion_action_id"] = int(action)
    else:
        rec["conversion_action"] = "customers/%s/conversionActions/%s" % (cid, action)

    rec["conversion_date_time"] = gen_datetime(rng)
    value, currency = gen_value(rng)
    if value is not None:
        rec["conversion_value"] = value
    if currency is not None:
        rec["currency_code"] = currency

    r = rng.random()
    if r < 0.60:
        rec["gclid"] = gen_click_id(rng, 40, 100)
    elif r < 0.64:
        rec["gbraid"] = gen_click_id(rng, 30, 60)
    elif r < 0.67:
        rec["wbraid"] = gen_click_id(rng, 30, 60)

    first, last, fn, ln = gen_name(rng, country, cdata)
    email = gen_email(rng, first, last, cdata)
    if email is not None:
        rec["email"] = email
    if rng.random() < 0.75:
        rec["phone"] = gen_phone(rng, country)

    if rng.random() < 0.85:
        rec["first_name"] = fn
        rec["last_name"] = ln
        if rng.random() < 0.55:
            street = rng.choice(cdata["streets"])
            num = rng.randrange(1, 2000) if country == "US" else rng.randrange(1, 120)
            if country == "DE":
                addr = "%s %d" % (street, num)  # "Hauptstraße 5"
            else:
                addr = "%d %s" % (num, street)  # "1800 Amphibious Blvd."
            rec["street_address"] = noisy(rng, addr)
            rec["city"] = rng.choice(cdata["cities"])
            rec["region"] = rng.choice(cdata["regions"])
            rec["postal_code"] = gen_postal(rng, country)
        if rng.random() < 0.95:
            rec["country_code"] = rng.choice(cdata["codes"])

    if rng.random() < 0.7:
        consent = {"ad_user_data": "GRANTED" if rng.random() < 0.8 else "DENIED"}
        if rng.random() < 0.9:
            consent["ad_personalization"] = "GRANTED" if rng.random() < 0.7 else "DENIED"
        rec["google-ads-consent"] = consent

    r = rng.random()
    if r < 0.15:
        rec["conversion_environment"] = "WEB"
    elif r < 0.22:
        rec["conversion_environment"] = "APP"
    if rng.random() < 0.08:
        rec["user_agent"] = rng.choice(USER_AGENTS)

    # Unknown pass-through fields.
    if rng.random() < 0.6:
        rec["source"] = rng.choice(SOURCES)
    if rng.random() < 0.35:
        rec["items"] = gen_items(rng)
    if rng.random() < 0.1:
        meta = {"campaign": rng.choice(CAMPAIGNS)}
        if rng.random() < 0.6:
            meta["utm"] = {"source": rng.choice(UTM_SOURCES),
                           "medium": rng.choice(UTM_MEDIUMS),
                           "campaign": rng.choice(CAMPAIGNS)}
        meta["ab_test"] = rng.random() < 0.5
        rec["meta"] = meta
    if rng.random() < 0.15:
        rec["is_test"] = rng.random() < 0.05
    if rng.random() < 0.15:
        rec["coupon"] = None if rng.random() < 0.5 else "SAVE%d" % rng.choice((5, 10, 15))
    return rec


def gen_items(rng):
    items = []
    for _ in range(rng.choice((1, 1, 1, 2))):
        # ac's canonical cart items (man/ac.7), as a shop's map writes them
        item = {"product_id": "%s-%s" % (rng.choice(SKUS), rand_digits(rng, 4)),
                "quantity": rng.choice((1, 1, 1, 2, 3)),
                "unit_price": rng.choice((4.5, 9.99, 19.95, 24.0, 39.9, 59))}
        if rng.random() < 0.1:
            item["discount"] = None
        items.append(item)
    return items


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200000, help="records (default 200000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("-n must be >= 0")

    rng = random.Random(args.seed)
    # ensure_ascii=False: real exports carry raw UTF-8, not \u escapes.
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    out = sys.stdout.buffer
    batch = []
    for i in range(args.n):
        batch.append(dumps(gen_record(rng, i)))
        if len(batch) == 5000:
            out.write(("\n".join(batch) + "\n").encode("utf-8"))
            batch = []
    if batch:
        out.write(("\n".join(batch) + "\n").encode("utf-8"))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

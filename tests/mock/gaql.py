# SPDX-License-Identifier: MIT
"""Google Ads Query Language for the emulator (tests/mock/gads.py): the
resources a preflight reads, a parser strict enough to refuse what Google
refuses, evaluation and the REST JSON of result rows.  Python 3 standard
library only; no HTTP here.

Resources (v25 protos in /work/shared/reference/protos, resources/*.proto):
  customer, conversion_action, offline_conversion_upload_client_summary,
  offline_conversion_upload_conversion_action_summary.  The last three
  have "customer" as attributed resource: customer.* may be selected and
  filtered in their queries.  Every other resource name is unknown here
  (Google knows more: the emulator answers as for an unknown one).

Selectable fields: the scalar (leaf) fields of each resource, dotted
(customer.conversion_tracking_setting.accepted_customer_data_terms), and
whole repeated messages (daily_summaries, job_summaries, alerts), which
may not be filtered or sorted.  Selecting a message that is not repeated
(customer.conversion_tracking_setting) is UNRECOGNIZED_FIELD: only its
leaves exist in GAQL.

Grammar (keywords in any case):
  SELECT field [, field ...] FROM resource
  [WHERE condition [AND condition ...]]
  [ORDER BY field [ASC | DESC] [, ...]] [LIMIT n] [PARAMETERS name = value]
  condition: field = | != | > | >= | < | <= value
           | field [NOT] IN (value [, value ...])
           | field [NOT] LIKE 'string'          (string fields)
           | field [NOT] REGEXP_MATCH 'string'  (string fields)
           | field IS [NOT] NULL
  value: 'string' or "string" (backslash escapes), a number, TRUE/FALSE,
         an enum constant, bare or quoted.
  DURING, BETWEEN and CONTAINS ANY|ALL|NONE are GAQL but fit no field of
  these resources (no date segments, no repeated scalars):
  OPERATOR_FIELD_MISMATCH.  OR does not exist in GAQL: UNEXPECTED_INPUT.

Errors are QueryError(code, message): code a QueryErrorEnum name (v25
errors/query_error.proto), message that enum value's proto comment (the
reference has no captured wording).
"""

import re

PROHIBITED = object()

# -- schema ------------------------------------------------------------------

ENUMS = {
    "CustomerStatus": ["UNSPECIFIED", "UNKNOWN", "ENABLED", "CANCELED",
                       "SUSPENDED", "CLOSED"],
    "ConversionTrackingStatus": [
        "UNSPECIFIED", "UNKNOWN", "NOT_CONVERSION_TRACKED",
        "CONVERSION_TRACKING_MANAGED_BY_SELF",
        "CONVERSION_TRACKING_MANAGED_BY_THIS_MANAGER",
        "CONVERSION_TRACKING_MANAGED_BY_ANOTHER_MANAGER"],
    "ConversionActionStatus": ["UNSPECIFIED", "UNKNOWN", "ENABLED",
                               "REMOVED", "HIDDEN"],
    "ConversionActionType": (
        "UNSPECIFIED UNKNOWN AD_CALL CLICK_TO_CALL GOOGLE_PLAY_DOWNLOAD "
        "GOOGLE_PLAY_IN_APP_PURCHASE UPLOAD_CALLS UPLOAD_CLICKS WEBPAGE "
        "WEBSITE_CALL STORE_SALES_DIRECT_UPLOAD STORE_SALES "
        "FIREBASE_ANDROID_FIRST_OPEN FIREBASE_ANDROID_IN_APP_PURCHASE "
        "FIREBASE_ANDROID_CUSTOM FIREBASE_IOS_FIRST_OPEN "
        "FIREBASE_IOS_IN_APP_PURCHASE FIREBASE_IOS_CUSTOM "
        "THIRD_PARTY_APP_ANALYTICS_ANDROID_FIRST_OPEN "
        "THIRD_PARTY_APP_ANALYTICS_ANDROID_IN_APP_PURCHASE "
        "THIRD_PARTY_APP_ANALYTICS_ANDROID_CUSTOM "
        "THIRD_PARTY_APP_ANALYTICS_IOS_FIRST_OPEN "
        "THIRD_PARTY_APP_ANALYTICS_IOS_IN_APP_PURCHASE "
        "THIRD_PARTY_APP_ANALYTICS_IOS_CUSTOM ANDROID_APP_PRE_REGISTRATION "
        "ANDROID_INSTALLS_ALL_OTHER_APPS FLOODLIGHT_ACTION "
        "FLOODLIGHT_TRANSACTION GOOGLE_HOSTED LEAD_FORM_SUBMIT SALESFORCE "
        "SEARCH_ADS_360 SMART_CAMPAIGN_AD_CLICKS_TO_CALL "
        "SMART_CAMPAIGN_MAP_CLICKS_TO_CALL SMART_CAMPAIGN_MAP_DIRECTIONS "
        "SMART_CAMPAIGN_TRACKED_CALLS STORE_VISITS WEBPAGE_CODELESS "
        "UNIVERSAL_ANALYTICS_GOAL UNIVERSAL_ANALYTICS_TRANSACTION "
        "GOOGLE_ANALYTICS_4_CUSTOM GOOGLE_ANALYTICS_4_PURCHASE "
        "GOOGLE_ANALYTICS_4_GENERATE_LEAD GOOGLE_ANALYTICS_4_QUALIFY_LEAD "
        "GOOGLE_ANALYTICS_4_CLOSE_CONVERT_LEAD FIREBASE_ANDROID_GENERATE_LEAD "
        "FIREBASE_ANDROID_QUALIFY_LEAD FIREBASE_ANDROID_CLOSE_CONVERT_LEAD "
        "FIREBASE_IOS_GENERATE_LEAD FIREBASE_IOS_QUALIFY_LEAD "
        "FIREBASE_IOS_CLOSE_CONVERT_LEAD LOCAL_SERVICES_ADS").split(),
    "ConversionActionCategory": (
        "UNSPECIFIED UNKNOWN DEFAULT PAGE_VIEW PURCHASE SIGNUP DOWNLOAD "
        "ADD_TO_CART BEGIN_CHECKOUT SUBSCRIBE_PAID PHONE_CALL_LEAD "
        "IMPORTED_LEAD SUBMIT_LEAD_FORM BOOK_APPOINTMENT REQUEST_QUOTE "
        "GET_DIRECTIONS OUTBOUND_CLICK CONTACT ENGAGEMENT STORE_VISIT "
        "STORE_SALE QUALIFIED_LEAD CONVERTED_LEAD "
        "YOUTUBE_FOLLOW_ON_VIEWS").split(),
    "ConversionOrigin": ["UNSPECIFIED", "UNKNOWN", "WEBSITE", "GOOGLE_HOSTED",
                         "APP", "CALL_FROM_ADS", "STORE", "YOUTUBE_HOSTED",
                         "LOCAL_SERVICES_ADS"],
    "ConversionActionCountingType": ["UNSPECIFIED", "UNKNOWN",
                                     "ONE_PER_CLICK", "MANY_PER_CLICK"],
    "OfflineEventUploadClient": ["UNSPECIFIED", "UNKNOWN", "GOOGLE_ADS_API",
                                 "GOOGLE_ADS_WEB_CLIENT",
                                 "ADS_DATA_CONNECTOR"],
    "OfflineConversionDiagnosticStatus": ["UNSPECIFIED", "UNKNOWN",
                                          "EXCELLENT", "GOOD",
                                          "NEEDS_ATTENTION",
                                          "NO_RECENT_UPLOAD"],
}


class F:
    """A field: kind is string, int64, bool, double, enum:Name or
    repeated (a repeated message, selectable whole); presence: proto3
    "optional" (emitted when set, even to its default)."""
    __slots__ = ("kind", "presence")

    def __init__(self, kind, presence=False):
        self.kind = kind
        self.presence = presence


def _fields(prefix, spec):
    return {prefix + "." + k: v for k, v in spec.items()}


CUSTOMER = _fields("customer", {
    "resource_name": F("string"),
    "id": F("int64", True),
    "descriptive_name": F("string", True),
    "currency_code": F("string", True),
    "time_zone": F("string", True),
    "auto_tagging_enabled": F("bool", True),
    "manager": F("bool", True),
    "test_account": F("bool", True),
    "status": F("enum:CustomerStatus"),
    "conversion_tracking_setting.conversion_tracking_id": F("int64", True),
    "conversion_tracking_setting.cross_account_conversion_tracking_id":
        F("int64", True),
    "conversion_tracking_setting.accepted_customer_data_terms": F("bool"),
    "conversion_tracking_setting.conversion_tracking_status":
        F("enum:ConversionTrackingStatus"),
    "conversion_tracking_setting.enhanced_conversions_for_leads_enabled":
        F("bool"),
    "conversion_tracking_setting.google_ads_conversion_customer":
        F("string"),
})

CONVERSION_ACTION = _fields("conversion_action", {
    "resource_name": F("string"),
    "id": F("int64", True),
    "name": F("string", True),
    "status": F("enum:ConversionActionStatus"),
    "type": F("enum:ConversionActionType"),
    "origin": F("enum:ConversionOrigin"),
    "primary_for_goal": F("bool", True),
    "category": F("enum:ConversionActionCategory"),
    "owner_customer": F("string", True),
    "include_in_conversions_metric": F("bool", True),
    "click_through_lookback_window_days": F("int64", True),
    "view_through_lookback_window_days": F("int64", True),
    "value_settings.default_value": F("double", True),
    "value_settings.default_currency_code": F("string", True),
    "value_settings.always_use_default_value": F("bool", True),
    "counting_type": F("enum:ConversionActionCountingType"),
    "phone_call_duration_seconds": F("int64", True),
})

_SUMMARY = {
    "resource_name": F("string"),
    "client": F("enum:OfflineEventUploadClient"),
    "status": F("enum:OfflineConversionDiagnosticStatus"),
    "total_event_count": F("int64"),
    "successful_event_count": F("int64"),
    "pending_event_count": F("int64"),
    "last_upload_date_time": F("string"),
    "daily_summaries": F("repeated"),
    "job_summaries": F("repeated"),
    "alerts": F("repeated"),
}
CLIENT_SUMMARY = _fields("offline_conversion_upload_client_summary", dict(
    _SUMMARY, success_rate=F("double"), pending_rate=F("double")))
ACTION_SUMMARY = _fields(
    "offline_conversion_upload_conversion_action_summary", dict(
        _SUMMARY, conversion_action_id=F("int64"),
        conversion_action_name=F("string")))

SCHEMA = {
    "customer": CUSTOMER,
    "conversion_action": CONVERSION_ACTION,
    "offline_conversion_upload_client_summary": CLIENT_SUMMARY,
    "offline_conversion_upload_conversion_action_summary": ACTION_SUMMARY,
}
ATTRIBUTED = {
    "customer": (),
    "conversion_action": ("customer",),
    "offline_conversion_upload_client_summary": ("customer",),
    "offline_conversion_upload_conversion_action_summary": ("customer",),
}

# QueryErrorEnum comments (v25), used as the messages
MESSAGES = {
    "QUERY_ERROR": "Returned if all other query error reasons are not "
                   "applicable.",
    "BAD_ENUM_CONSTANT": "A condition used in the query references an "
                         "invalid enum constant.",
    "BAD_ESCAPE_SEQUENCE": "Query contains an invalid escape sequence.",
    "BAD_FIELD_NAME": "Field name is invalid.",
    "BAD_LIMIT_VALUE": "Limit value is invalid (for example, not a number)",
    "BAD_NUMBER": "Encountered number can not be parsed.",
    "BAD_OPERATOR": "Invalid operator encountered.",
    "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE": "Invalid resource type was "
                                        "specified in the FROM clause.",
    "BAD_SYMBOL": "Non-ASCII symbol encountered outside of strings.",
    "BAD_VALUE": "Value is invalid.",
    "EXPECTED_BY": "Expecting ORDER BY to have BY.",
    "EXPECTED_FROM": "Missing FROM clause.",
    "EXPECTED_LIST": "The operator used in the conditions requires the "
                     "value to be a list.",
    "EXPECTED_SELECT": "SELECT is missing at the beginning of query.",
    "INVALID_STRING_VALUE": "Value passed was not a string when it should "
                            "have been. For example, it was a number or "
                            "unquoted literal.",
    "OPERATOR_FIELD_MISMATCH": "An operator was provided that is "
                               "inapplicable to the field being filtered.",
    "PROHIBITED_EMPTY_LIST_IN_CONDITION": "A Condition was found with an "
                                          "empty list.",
    "PROHIBITED_FIELD_IN_ORDER_BY_CLAUSE": "A field that is not orderable "
                                           "was included in the ORDER BY "
                                           "clause.",
    "PROHIBITED_FIELD_IN_WHERE_CLAUSE": "A field that is not filterable "
                                        "was included in the WHERE clause.",
    "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE":
        "A field that comes from an incompatible resource was included in "
        "the SELECT clause.",
    "PROHIBITED_RESOURCE_TYPE_IN_WHERE_CLAUSE":
        "A field that comes from an incompatible resource was included in "
        "the WHERE clause.",
    "PROHIBITED_RESOURCE_TYPE_IN_FROM_CLAUSE":
        "A resource type that is not compatible with the other fields was "
        "included in the FROM clause.",
    "LIMIT_VALUE_TOO_LOW": "The value passed to the limit clause is too "
                           "low.",
    "PROHIBITED_NEWLINE_IN_STRING": "Query contains a string with a newline "
                                    "character.",
    "STRING_NOT_TERMINATED": "Query contains unterminated string.",
    "UNEXPECTED_END_OF_QUERY": "Query is incomplete and cannot be parsed.",
    "UNRECOGNIZED_FIELD": "Query contains one or more unrecognized fields.",
    "UNEXPECTED_INPUT": "Query has an unexpected extra part.",
    "BAD_PARAMETER_NAME": "Parameter unknown or not supported.",
    "BAD_PARAMETER_VALUE": "Parameter have invalid value.",
}


class QueryError(Exception):
    def __init__(self, code, detail=None):
        super().__init__(code)
        self.code = code
        self.message = MESSAGES[code]
        self.detail = detail      # for the emulator's own debugging


# -- lexer -------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![A-Za-z_])
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|>=|<=|=|>|<|\(|\)|,)
  | (?P<str>['"])
""", re.X)


def _string(q, i, quote):
    out = []
    while i < len(q):
        c = q[i]
        if c == quote:
            return "".join(out), i + 1
        if c == "\n":
            raise QueryError("PROHIBITED_NEWLINE_IN_STRING")
        if c == "\\":
            if i + 1 >= len(q):
                break
            n = q[i + 1]
            if n not in "\\'\"%_":
                raise QueryError("BAD_ESCAPE_SEQUENCE")
            # \% and \_ stay escaped: they matter to LIKE only
            out.append(n if n in "\\'\"" else "\\" + n)
            i += 2
            continue
        out.append(c)
        i += 1
    raise QueryError("STRING_NOT_TERMINATED")


def tokens(q):
    """[(kind, text)]: kind id, num, str, op or end."""
    out = []
    i = 0
    while i < len(q):
        m = _TOKEN.match(q, i)
        if not m:
            raise QueryError("BAD_SYMBOL" if ord(q[i]) > 127 else
                             "UNEXPECTED_INPUT", q[i])
        kind = m.lastgroup
        if kind == "str":
            s, i = _string(q, m.end(), m.group("str"))
            out.append(("str", s))
            continue
        if kind != "ws":
            out.append((kind, m.group(kind)))
        i = m.end()
    out.append(("end", ""))
    return out


# -- parser ------------------------------------------------------------------

class Query:
    def __init__(self):
        self.select = []          # field paths, in order
        self.resource = None
        self.where = []           # (field, op, value)
        self.order = []           # (field, descending)
        self.limit = None


class _Parser:
    def __init__(self, q):
        self.t = tokens(q)
        self.i = 0

    def peek(self, k=0):
        return self.t[min(self.i + k, len(self.t) - 1)]

    def take(self):
        tok = self.t[self.i]
        if tok[0] != "end":
            self.i += 1
        return tok

    def kw(self, word, k=0):
        tok = self.peek(k)
        return tok[0] == "id" and tok[1].upper() == word

    def need_field(self):
        kind, text = self.take()
        if kind == "end":
            raise QueryError("UNEXPECTED_END_OF_QUERY")
        if kind != "id":
            raise QueryError("BAD_FIELD_NAME", text)
        return text

    def parse(self):
        q = Query()
        if not self.kw("SELECT"):
            raise QueryError("EXPECTED_SELECT")
        self.take()
        while True:
            q.select.append(self.need_field())
            if self.peek() == ("op", ","):
                self.take()
                continue
            break
        if not self.kw("FROM"):
            raise QueryError("UNEXPECTED_END_OF_QUERY"
                             if self.peek()[0] == "end" else "EXPECTED_FROM")
        self.take()
        kind, q.resource = self.take()
        if kind == "end":
            raise QueryError("UNEXPECTED_END_OF_QUERY")
        if kind != "id" or q.resource not in SCHEMA:
            raise QueryError("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", q.resource)
        if self.kw("WHERE"):
            self.take()
            q.where.append(self.condition())
            while self.kw("AND"):
                self.take()
                q.where.append(self.condition())
        if self.kw("ORDER"):
            self.take()
            if not self.kw("BY"):
                raise QueryError("EXPECTED_BY")
            self.take()
            while True:
                f = self.need_field()
                desc = False
                if self.kw("ASC") or self.kw("DESC"):
                    desc = self.take()[1].upper() == "DESC"
                q.order.append((f, desc))
                if self.peek() == ("op", ","):
                    self.take()
                    continue
                break
        if self.kw("LIMIT"):
            self.take()
            kind, text = self.take()
            if kind != "num" or not re.fullmatch(r"-?\d+", text):
                raise QueryError("BAD_LIMIT_VALUE", text)
            if int(text) < 1:
                raise QueryError("LIMIT_VALUE_TOO_LOW")
            q.limit = int(text)
        if self.kw("PARAMETERS"):
            self.take()
            while True:
                kind, name = self.take()
                if kind != "id" or name not in ("include_drafts",
                                                "omit_unselected_resource_"
                                                "names"):
                    raise QueryError("BAD_PARAMETER_NAME", name)
                if self.take() != ("op", "="):
                    raise QueryError("BAD_OPERATOR")
                kind, v = self.take()
                if kind != "id" or v.lower() not in ("true", "false"):
                    raise QueryError("BAD_PARAMETER_VALUE", v)
                if self.peek() == ("op", ","):
                    self.take()
                    continue
                break
        if self.peek()[0] != "end":
            raise QueryError("UNEXPECTED_INPUT", self.peek()[1])
        return q

    def value(self):
        kind, text = self.take()
        if kind == "end":
            raise QueryError("UNEXPECTED_END_OF_QUERY")
        if kind == "op":
            raise QueryError("BAD_VALUE", text)
        return (kind, text)

    def condition(self):
        f = self.need_field()
        kind, text = self.take()
        if kind == "end":
            raise QueryError("UNEXPECTED_END_OF_QUERY")
        op = text.upper()
        if kind == "op" and op in ("=", "!=", ">", ">=", "<", "<="):
            return (f, op, self.value())
        if kind != "id":
            raise QueryError("BAD_OPERATOR", text)
        neg = False
        if op == "NOT":
            neg = True
            kind, text = self.take()
            op = text.upper()
            if kind != "id" or op not in ("IN", "LIKE", "REGEXP_MATCH"):
                raise QueryError("BAD_OPERATOR", text)
        if op == "IN":
            if self.peek() != ("op", "("):
                raise QueryError("EXPECTED_LIST")
            self.take()
            vals = []
            if self.peek() == ("op", ")"):
                raise QueryError("PROHIBITED_EMPTY_LIST_IN_CONDITION")
            while True:
                vals.append(self.value())
                nxt = self.take()
                if nxt == ("op", ")"):
                    break
                if nxt != ("op", ","):
                    raise QueryError("UNEXPECTED_END_OF_QUERY"
                                     if nxt[0] == "end" else "BAD_VALUE")
            return (f, "NOT IN" if neg else "IN", vals)
        if op in ("LIKE", "REGEXP_MATCH"):
            return (f, ("NOT " if neg else "") + op, self.value())
        if op == "IS":
            nn = False
            if self.kw("NOT"):
                self.take()
                nn = True
            if not self.kw("NULL"):
                raise QueryError("BAD_VALUE", self.peek()[1])
            self.take()
            return (f, "IS NOT NULL" if nn else "IS NULL", None)
        if op in ("DURING", "BETWEEN", "CONTAINS"):
            raise QueryError("OPERATOR_FIELD_MISMATCH", op)
        raise QueryError("BAD_OPERATOR", text)


def _field(path, resource, clause):
    """The F of path in a query FROM resource, or QueryError."""
    root = path.split(".", 1)[0]
    if root in SCHEMA and path in SCHEMA[root]:
        if root != resource and root not in ATTRIBUTED[resource]:
            raise QueryError("PROHIBITED_RESOURCE_TYPE_IN_%s_CLAUSE" % clause,
                             path)
        return SCHEMA[root][path]
    raise QueryError("UNRECOGNIZED_FIELD", path)


def _literal(f, lit):
    """The Python value of a literal (kind, text) for field f."""
    kind, text = lit
    if f.kind == "string":
        if kind != "str":
            raise QueryError("INVALID_STRING_VALUE", text)
        return text
    if f.kind.startswith("enum:"):
        if kind not in ("id", "str") or text not in ENUMS[f.kind[5:]]:
            raise QueryError("BAD_ENUM_CONSTANT", text)
        return text
    if f.kind == "bool":
        if kind != "id" or text.upper() not in ("TRUE", "FALSE"):
            raise QueryError("BAD_VALUE", text)
        return text.upper() == "TRUE"
    if f.kind == "int64":
        if kind == "str" and re.fullmatch(r"-?\d+", text):
            return int(text)
        if kind != "num" or not re.fullmatch(r"-?\d+", text):
            raise QueryError("BAD_NUMBER" if kind == "num" else "BAD_VALUE",
                             text)
        return int(text)
    if f.kind == "double":
        if kind != "num":
            raise QueryError("BAD_VALUE", text)
        return float(text)
    raise QueryError("PROHIBITED_FIELD_IN_WHERE_CLAUSE")


def parse(q):
    """A Query, checked against the schema; QueryError when Google would
    refuse it."""
    if not isinstance(q, str) or not q.strip():
        raise QueryError("UNEXPECTED_END_OF_QUERY")
    query = _Parser(q).parse()
    for path in query.select:
        _field(path, query.resource, "SELECT")
    conds = []
    for path, op, val in query.where:
        f = _field(path, query.resource, "WHERE")
        if f.kind == "repeated":
            raise QueryError("PROHIBITED_FIELD_IN_WHERE_CLAUSE", path)
        if op in ("LIKE", "NOT LIKE", "REGEXP_MATCH", "NOT REGEXP_MATCH"):
            if f.kind != "string":
                raise QueryError("OPERATOR_FIELD_MISMATCH", op)
            v = _literal(f, val)
        elif op in ("IN", "NOT IN"):
            v = [_literal(f, x) for x in val]
        elif op in ("IS NULL", "IS NOT NULL"):
            v = None
        else:
            if f.kind == "bool" and op not in ("=", "!="):
                raise QueryError("OPERATOR_FIELD_MISMATCH", op)
            v = _literal(f, val)
        conds.append((path, op, v, f))
    query.where = conds
    for path, desc in query.order:
        f = _field(path, query.resource, "WHERE")
        if f.kind == "repeated":
            raise QueryError("PROHIBITED_FIELD_IN_ORDER_BY_CLAUSE", path)
    return query


# -- evaluation --------------------------------------------------------------

def _default(f):
    return {"string": "", "int64": 0, "bool": False, "double": 0.0,
            "repeated": []}.get(f.kind, "UNSPECIFIED")


def _like(pattern, s):
    rx = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            rx.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        rx.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.fullmatch("".join(rx), s, re.S) is not None


def _test(row, cond):
    path, op, v, f = cond
    present = path in row and row[path] is not None
    x = row.get(path) if present else (None if f.presence else _default(f))
    if op == "IS NULL":
        return x is None
    if op == "IS NOT NULL":
        return x is not None
    if x is None:
        return op in ("!=", "NOT IN", "NOT LIKE", "NOT REGEXP_MATCH")
    if op == "=":
        return x == v
    if op == "!=":
        return x != v
    if op == "IN":
        return x in v
    if op == "NOT IN":
        return x not in v
    if op in ("LIKE", "NOT LIKE"):
        return _like(v, x) == (op == "LIKE")
    if op in ("REGEXP_MATCH", "NOT REGEXP_MATCH"):
        try:
            hit = re.fullmatch(v, x) is not None
        except re.error:
            raise QueryError("BAD_VALUE", v)
        return hit == (op == "REGEXP_MATCH")
    if f.kind.startswith("enum:"):
        names = ENUMS[f.kind[5:]]
        x, v = names.index(x), names.index(v)
    return {">": x > v, ">=": x >= v, "<": x < v, "<=": x <= v}[op]


def run(query, rows):
    """The rows (flat dicts: full field path -> Python value; a path absent
    or None is unset) that match, sorted and limited."""
    out = [r for r in rows if all(_test(r, c) for c in query.where)]
    for path, desc in reversed(query.order):
        f = _field(path, query.resource, "WHERE")

        def key(r, path=path, f=f):
            x = r.get(path)
            if x is None:
                return (0, 0)
            if f.kind.startswith("enum:"):
                return (1, ENUMS[f.kind[5:]].index(x))
            return (1, x)
        out.sort(key=key, reverse=desc)
    if query.limit is not None:
        out = out[:query.limit]
    return out


def camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def _json(f, x):
    if f.kind == "int64":
        return str(x)
    if f.kind == "double":
        return float(x)
    if f.kind == "repeated":
        return [_json_msg(e) for e in x]
    return x


def _json_msg(obj):
    """A nested message of a repeated field (snake_case dict) as JSON:
    camelCase keys, int64 counts and job ids as strings."""
    out = {}
    for k, v in obj.items():
        if v is None:
            continue
        if isinstance(v, dict):
            v = _json_msg(v)
        elif isinstance(v, bool) or isinstance(v, float):
            pass
        elif isinstance(v, int):
            v = str(v)
        out[camel(k)] = v
    return out


def field_mask(query):
    return ",".join(camel(p) for p in query.select)


def result(query, row):
    """One GoogleAdsRow as REST JSON.  Selected fields in camelCase; the
    resource_name of every resource a selected field comes from is added
    (Google returns it unselected); fields without presence are left out
    at their default value (proto3 JSON), those with presence when
    unset."""
    paths = list(query.select)
    for p in query.select:
        rn = p.split(".", 1)[0] + ".resource_name"
        if rn not in paths:
            paths.append(rn)
    out = {}
    for p in paths:
        f = SCHEMA[p.split(".", 1)[0]][p]
        x = row.get(p)
        if x is None or (not f.presence and x == _default(f)):
            continue
        d = out
        parts = [camel(s) for s in p.split(".")]
        for s in parts[:-1]:
            d = d.setdefault(s, {})
        d[parts[-1]] = _json(f, x)
    return out

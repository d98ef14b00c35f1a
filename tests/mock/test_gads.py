# SPDX-License-Identifier: MIT
"""Tests of tests/mock/gads.py, the Google Ads / OAuth emulator.

Run from the project root:
    python3 -m unittest tests/mock/test_gads.py -v

Each class starts the emulator as a subprocess on port 0 (plain HTTP, and
HTTPS with a throw-away certificate made by openssl) and talks to it with
urllib only.
"""

import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
GADS = os.path.join(HERE, "gads.py")

CID = "1234567890"
ACTION = "customers/%s/conversionActions/4242" % CID
ACTION2 = "customers/%s/conversionActions/4243" % CID
UNKNOWN_ACTION = "customers/%s/conversionActions/987654321" % CID
TOKEN = "ya29.preloaded-test-token"
CLIENT_ID = "test-client.apps.example"
CLIENT_SECRET = "GOCSPX-test-client-secret"
REFRESH = "1//test-refresh-token"
WHEN = "2026-05-26 14:32:18-05:00"
EMAIL_HASH = "97a24240e3c76dfc0abdb63a3d73468ff8d94b81fd3dc084cc32994ba4fad7fe"
PHONE_HASH = "c5383c2eeada28210d27f011bc127d4f9562cf38ff0c9bba33dd45ae79b9fe7c"
FAILURE_TYPE = ("type.googleapis.com/google.ads.googleads.%s.errors."
                "GoogleAdsFailure")
UNAUTH_MSG = ("Request had invalid authentication credentials. Expected OAuth 2 "
              "access token, login cookie or other valid authentication "
              "credential. See https://developers.google.com/identity/sign-in/"
              "web/devconsole-project.")
RID_RE = re.compile(r"[A-Za-z0-9_-]{22}")
NETWORK_ERRORS = (OSError, http.client.HTTPException)


class Response:
    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data

    @property
    def json(self):
        return json.loads(self.data)

    @property
    def rid(self):
        return self.headers.get("request-id")


class Emulator:
    """One gads.py process in its own temporary directory."""

    def __init__(self, directory, *extra, tls=None):
        self.dir = directory
        self.port_file = os.path.join(directory, "port")
        self.log = os.path.join(directory, "requests.ndjson")
        self.state = os.path.join(directory, "state")
        cmd = [sys.executable, GADS, "--port", "0",
               "--port-file", self.port_file, "--log", self.log,
               "--state-dir", self.state, "--access-token", TOKEN,
               "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
               "--refresh-token", REFRESH] + list(extra)
        self.ctx = None
        scheme = "http"
        if tls:
            cmd += ["--tls", tls[0], tls[1]]
            self.ctx = ssl.create_default_context(cafile=tls[0])
            scheme = "https"
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("gads.py exited: %s" %
                                   self.proc.stderr.read().decode())
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("gads.py wrote no port file")
            time.sleep(0.02)
        with open(self.port_file) as fp:
            self.port = int(fp.read())
        self.base = "%s://127.0.0.1:%d" % (scheme, self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stderr.close()
        return rc

    def request(self, method, path, data=None, headers=None, timeout=10):
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout,
                                        context=self.ctx) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            with e:
                return Response(e.code, e.headers, e.read())

    def post_json(self, path, obj, token=TOKEN, headers=None, raw=None):
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        data = raw if raw is not None else json.dumps(obj).encode()
        return self.request("POST", path, data, h)

    def upload(self, conversions, cid=CID, version="v25", token=TOKEN,
               headers=None, **fields):
        body = {"partialFailure": True}
        body.update(fields)
        body["conversions"] = conversions
        return self.post_json("/%s/customers/%s:uploadClickConversions" %
                              (version, cid), body, token, headers)

    def token(self, fields, headers=None):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", "/token",
                            urllib.parse.urlencode(fields).encode(), h)

    def refresh(self, **over):
        f = {"grant_type": "refresh_token", "client_id": CLIENT_ID,
             "client_secret": CLIENT_SECRET, "refresh_token": REFRESH}
        f.update(over)
        return self.token({k: v for k, v in f.items() if v is not None})

    def admin(self, method, what, obj=None):
        data = json.dumps(obj).encode() if obj is not None else None
        r = self.request(method, "/__admin/" + what, data,
                         {"Content-Type": "application/json"})
        return r.status, r.json

    def faults(self, *faults):
        status, body = self.admin("POST", "faults", list(faults))
        assert status == 200, body

    def ledger(self):
        return self.admin("GET", "ledger")[1]["conversions"]


_seq = [0]


def conv(**kw):
    """A valid ClickConversion with a fresh gclid, overridable."""
    _seq[0] += 1
    c = {"gclid": "Cj0KCQ-test-%d" % _seq[0], "conversionAction": ACTION,
         "conversionDateTime": WHEN, "conversionValue": 75.0,
         "currencyCode": "USD"}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def echo(c):
    r = {}
    for k in ("gclid", "gbraid", "wbraid"):
        if c.get(k):
            r[k] = c[k]
    r["conversionAction"] = c["conversionAction"]
    r["conversionDateTime"] = c["conversionDateTime"]
    return r


def err(code, path, message=None):
    """Expected GoogleAdsError; path like [("conversions", 1), ("x", None)]."""
    (family, name), = code.items()
    e = {"errorCode": code}
    if message:
        e["message"] = message
    if path:
        e["location"] = {"fieldPathElements": [
            dict({"fieldName": n}, **({} if i is None else {"index": i}))
            for n, i in path]}
    return e


def strip_messages(errors):
    return [{k: v for k, v in e.items() if k != "message"} for e in errors]


def ads_error_body(http_code, status, rid, errors, message=None,
                   version="v25"):
    return {"error": {
        "code": http_code,
        "message": message or {
            400: "Request contains an invalid argument.",
            401: UNAUTH_MSG,
            409: "The operation was aborted.",
            429: "Resource has been exhausted (e.g. check quota).",
            500: "Internal error encountered."}[http_code],
        "status": status,
        "details": [{"@type": FAILURE_TYPE % version, "errors": errors,
                     "requestId": rid}]}}


class EmulatorCase(unittest.TestCase):
    tls = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gads-test-")
        cls.emu = Emulator(cls.tmp, tls=cls.tls)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.emu.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.emu.admin("POST", "reset")[0], 200)

    def assertOk(self, r):
        self.assertEqual(r.status, 200, r.data.decode(errors="replace"))
        self.assertRegex(r.rid, RID_RE)
        return r.json

    def partial_errors(self, body, rid):
        pfe = body["partialFailureError"]
        self.assertEqual(pfe["code"], 3)
        self.assertEqual(len(pfe["details"]), 1)
        d = pfe["details"][0]
        self.assertEqual(d["@type"], FAILURE_TYPE % "v25")
        self.assertEqual(d["requestId"], rid)
        return d["errors"]


class TestUpload(EmulatorCase):

    def test_good_row_shape_and_ledger(self):
        c = conv(orderId="ORDER-1001", consent={"adUserData": "GRANTED"},
                 userIdentifiers=[
                     {"userIdentifierSource": "FIRST_PARTY",
                      "hashedEmail": EMAIL_HASH},
                     {"hashedPhoneNumber": PHONE_HASH}])
        r = self.emu.upload([c], jobId=42, validateOnly=False)
        body = self.assertOk(r)
        self.assertTrue(r.headers["Content-Type"].startswith(
            "application/json"))
        self.assertEqual(body, {"results": [echo(c)], "jobId": "42"})
        led = self.emu.ledger()
        self.assertEqual(len(led), 1)
        e = led[0]
        want = {"customer": CID, "action": ACTION, "action_id": "4242",
                "order_id": "ORDER-1001", "click_id": c["gclid"],
                "click_id_type": "gclid", "conversion_date_time": WHEN,
                "value": 75.0, "currency_code": "USD", "user_identifiers": 2,
                "job_id": "42", "request_id": r.rid}
        self.assertEqual({k: e[k] for k in want}, want)
        with open(os.path.join(self.emu.state, "ledger.ndjson")) as fp:
            lines = [json.loads(x) for x in fp]
        self.assertEqual(lines, led)

    def test_generated_job_id(self):
        body = self.assertOk(self.emu.upload([conv()]))
        self.assertIsInstance(body["jobId"], str)
        self.assertTrue(2 ** 31 <= int(body["jobId"]) < 2 ** 63)

    def test_proto_field_names_accepted(self):
        c = {"gbraid": "gb-1", "conversion_action": ACTION,
             "conversion_date_time": WHEN, "conversion_value": "12.5",
             "user_identifiers": [{"hashed_email": EMAIL_HASH}],
             "cart_data": {"merchant_id": "123", "items": [
                 {"product_id": "p", "quantity": 2, "unit_price": 1}]}}
        r = self.emu.post_json(
            "/v25/customers/%s:uploadClickConversions" % CID,
            {"partial_failure": True, "validate_only": False, "job_id": "7",
             "conversions": [c]})
        body = self.assertOk(r)
        self.assertEqual(body, {"results": [{
            "gbraid": "gb-1", "conversionAction": ACTION,
            "conversionDateTime": WHEN}], "jobId": "7"})
        self.assertEqual(self.emu.ledger()[0]["value"], 12.5)
        self.assertEqual(self.emu.ledger()[0]["click_id_type"], "gbraid")

    def test_any_version_names_itself_in_type(self):
        r = self.emu.upload([conv(conversionAction="bad")], version="v19")
        body = self.assertOk(r)
        self.assertEqual(body["partialFailureError"]["details"][0]["@type"],
                         FAILURE_TYPE % "v19")

    def test_developer_token_ignored_login_customer_id_checked(self):
        r = self.emu.upload([conv()], headers={
            "developer-token": "anything", "login-customer-id": "1112223333"})
        self.assertOk(r)
        r = self.emu.upload([conv()], headers={
            "login-customer-id": "111-222-3333"})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json, ads_error_body(400, "INVALID_ARGUMENT", r.rid, [
            err({"headerError": "INVALID_LOGIN_CUSTOMER_ID"}, None,
                "The login customer ID could not be validated.")]))

    def test_customer_id_and_routes(self):
        r = self.emu.upload([conv()], cid="123-456-7890")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json, ads_error_body(400, "INVALID_ARGUMENT", r.rid, [
            err({"requestError": "INVALID_CUSTOMER_ID"}, None,
                "Invalid customer ID '123-456-7890'.")]))
        for method, path in (
                ("POST", "/v25/customers/%s:uploadCallConversions" % CID),
                ("POST", "/v25/customers/%s/x:uploadClickConversions" % CID),
                ("POST", "/customers/%s:uploadClickConversions" % CID),
                ("GET", "/v25/customers/%s:uploadClickConversions" % CID)):
            r = self.emu.request(method, path, b"{}" if method == "POST"
                                 else None,
                                 {"Authorization": "Bearer " + TOKEN,
                                  "Content-Type": "application/json"})
            self.assertEqual(r.status, 404, path)
            self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
            self.assertIn(b"Error 404 (Not Found)", r.data)

    def test_authentication_errors(self):
        def check(r, code, message=None):
            self.assertEqual(r.status, 401)
            self.assertRegex(r.rid, RID_RE)
            self.assertEqual(r.json, ads_error_body(
                401, "UNAUTHENTICATED", r.rid,
                [err({"authenticationError": code}, None, {
                    "AUTHENTICATION_ERROR":
                        "Authentication of the request failed.",
                    "OAUTH_TOKEN_INVALID":
                        "OAuth token in the header is not valid.",
                    "OAUTH_TOKEN_EXPIRED":
                        "OAuth token in the header has expired.",
                    "OAUTH_TOKEN_REVOKED":
                        "OAuth token in the header has been revoked.",
                    "OAUTH_TOKEN_HEADER_INVALID":
                        "OAuth token HTTP header is malformed."}[code])],
                message))

        check(self.emu.upload([conv()], token=None), "AUTHENTICATION_ERROR",
              "Request is missing required authentication credential. "
              "Expected OAuth 2 access token, login cookie or other valid "
              "authentication credential. See https://developers.google.com/"
              "identity/sign-in/web/devconsole-project.")
        check(self.emu.upload([conv()], token="nope"), "OAUTH_TOKEN_INVALID")
        check(self.emu.upload([conv()], headers={"Authorization": "Basic eA=="}),
              "OAUTH_TOKEN_HEADER_INVALID")
        self.emu.admin("POST", "tokens", {"add": ["t-exp", "t-rev"]})
        self.assertOk(self.emu.upload([conv()], token="t-exp"))
        self.emu.admin("POST", "tokens", {"expire": ["t-exp"],
                                          "revoke": ["t-rev"]})
        check(self.emu.upload([conv()], token="t-exp"), "OAUTH_TOKEN_EXPIRED")
        check(self.emu.upload([conv()], token="t-rev"), "OAUTH_TOKEN_REVOKED")
        self.emu.admin("POST", "tokens", {"add": [
            {"token": "t-short", "expires_in": 0.2}]})
        self.assertOk(self.emu.upload([conv()], token="t-short"))
        time.sleep(0.3)
        check(self.emu.upload([conv()], token="t-short"), "OAUTH_TOKEN_EXPIRED")
        self.emu.admin("POST", "tokens", {"expire_all": True})
        check(self.emu.upload([conv()]), "OAUTH_TOKEN_EXPIRED")
        self.assertEqual(len(self.emu.ledger()), 2)

    def test_unknown_fields_rejected_by_front_end(self):
        r = self.emu.upload([conv(), conv(userIdentifiers=[
            {"hashedEmail": EMAIL_HASH, "sha256": "x"}])], debug=True)
        self.assertEqual(r.status, 400)
        self.assertIsNone(r.rid)
        m1 = 'Invalid JSON payload received. Unknown name "debug": Cannot find field.'
        m2 = ("Invalid JSON payload received. Unknown name \"sha256\" at "
              "'conversions[1].user_identifiers[0]': Cannot find field.")
        self.assertEqual(r.json, {"error": {
            "code": 400, "message": m1 + "\n" + m2,
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [
                    {"description": m1},
                    {"field": "conversions[1].user_identifiers[0]",
                     "description": m2}]}]}})
        self.assertEqual(self.emu.ledger(), [])

    def test_debug_enabled_removed_in_v21(self):
        self.assertOk(self.emu.upload([conv()], version="v20",
                                      debugEnabled=True))
        r = self.emu.upload([conv()], version="v21", debugEnabled=True)
        self.assertEqual(r.status, 400)
        self.assertIn('Unknown name "debugEnabled"', r.json["error"]["message"])

    def test_invalid_values_rejected_by_front_end(self):
        cases = [
            ({"conversionValue": "abc"}, "conversions[0].conversion_value",
             "Invalid value at 'conversions[0].conversion_value' "
             "(TYPE_DOUBLE), \"abc\""),
            ({"consent": {"adUserData": "YES"}},
             "conversions[0].consent.ad_user_data",
             "Invalid value at 'conversions[0].consent.ad_user_data' "
             "(type.googleapis.com/google.ads.googleads.v25.enums."
             "ConsentStatusEnum.ConsentStatus), \"YES\""),
            ({"gclid": 123}, "conversions[0].gclid",
             "Invalid value at 'conversions[0].gclid' (TYPE_STRING), 123"),
            ({"userIdentifiers": [{"hashedEmail": EMAIL_HASH,
                                   "hashedPhoneNumber": PHONE_HASH}]},
             "conversions[0].user_identifiers[0]",
             "Invalid JSON payload received. Oneof field 'identifier' is "
             "already set. Cannot set 'hashedPhoneNumber'"),
        ]
        for over, field, msg in cases:
            r = self.emu.upload([conv(**over)])
            self.assertEqual(r.status, 400, over)
            self.assertEqual(r.json["error"]["message"], msg)
            self.assertEqual(r.json["error"]["details"][0]["fieldViolations"],
                             [{"field": field, "description": msg}])
        r = self.emu.upload([conv()], jobId=2 ** 31)
        self.assertEqual(r.json["error"]["message"],
                         "Invalid value at 'job_id' (TYPE_INT32), 2147483648")
        r = self.emu.upload([conv()], partialFailure="true")
        self.assertEqual(r.json["error"]["message"],
                         "Invalid value at 'partial_failure' (TYPE_BOOL), "
                         "\"true\"")
        path = "/v25/customers/%s:uploadClickConversions" % CID
        r = self.emu.post_json(path, None, raw=b'{"partialFailure": tru')
        self.assertEqual((r.status, r.json["error"]["message"]), (
            400, "Invalid JSON payload received. Unexpected token."))
        r = self.emu.post_json(path, None, raw=b"[]")
        self.assertEqual(r.json["error"]["message"],
                         'Invalid JSON payload received. Unknown name "": '
                         'Root element must be a message.')
        r = self.emu.post_json(path, {"partialFailure": True,
                                      "conversions": [conv()]},
                               headers={"Content-Type": "text/plain"})
        self.assertEqual((r.status, r.json["error"]["status"]),
                         (400, "INVALID_ARGUMENT"))
        self.assertEqual(self.emu.ledger(), [])

    def test_partial_failure_required(self):
        for pf in (False, None):
            body = {"conversions": [conv()]}
            if pf is not None:
                body["partialFailure"] = pf
            r = self.emu.post_json(
                "/v25/customers/%s:uploadClickConversions" % CID, body)
            self.assertEqual(r.status, 400)
            self.assertEqual(r.json, ads_error_body(
                400, "INVALID_ARGUMENT", r.rid, [err(
                    {"partialFailureError": "PARTIAL_FAILURE_MODE_REQUIRED"},
                    [("partial_failure", None)],
                    "The partial failure field was false in the request. This "
                    "method requires this field be set to true.")]))
        self.assertEqual(self.emu.ledger(), [])

    def test_request_size_limits(self):
        many = [conv() for _ in range(2001)]
        r = self.emu.upload(many)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json, ads_error_body(400, "INVALID_ARGUMENT", r.rid, [
            err({"conversionUploadError": "TOO_MANY_CONVERSIONS_IN_REQUEST"},
                [("conversions", None)],
                "Upload fewer than 2001 events in a single request.")]))
        body = self.assertOk(self.emu.upload(many[:2000], validateOnly=True))
        self.assertNotIn("partialFailureError", body)
        r = self.emu.upload([])
        self.assertEqual(r.json, ads_error_body(400, "INVALID_ARGUMENT", r.rid, [
            err({"fieldError": "REQUIRED_NONEMPTY_LIST"},
                [("conversions", None)],
                "The required repeated field was empty.")]))
        for job in (0, -1):
            r = self.emu.upload([conv()], jobId=job)
            self.assertEqual(r.status, 400)
            self.assertEqual(strip_messages(
                r.json["error"]["details"][0]["errors"]),
                [err({"conversionUploadError": "INVALID_JOB_ID"},
                     [("job_id", None)])])
        self.assertEqual(self.emu.ledger(), [])

    def test_row_validation_alignment_and_paths(self):
        up = lambda n: [{"hashedEmail": EMAIL_HASH} for _ in range(n)]
        rows = [
            conv(),                                               # 0 ok
            conv(conversionAction=None),                          # 1
            conv(conversionAction="conversionActions/5"),         # 2
            conv(conversionAction=UNKNOWN_ACTION),                # 3
            conv(conversionDateTime="2026-05-26T14:32:18Z"),      # 4
            conv(conversionDateTime="2026-02-30 10:00:00+01:00"),  # 5
            conv(userIdentifiers=up(6)),                          # 6
            conv(userIdentifiers=[{"hashedEmail": EMAIL_HASH},
                                  {"hashedEmail": EMAIL_HASH.upper()}]),  # 7
            conv(gclid=None, gbraid="gb", wbraid="wb"),           # 8
            conv(gclid=None),                                     # 9
            conv(currencyCode="usd"),                             # 10
            conv(userIdentifiers=[{"mobileId": "m"}]),            # 11
            conv(gclid=None, userIdentifiers=up(5)),              # 12 ok
            conv(gclid=None, gbraid="gb-13"),                     # 13 ok
            conv(conversionAction="x", conversionDateTime=None),  # 14
        ]
        r = self.emu.upload(rows)
        body = self.assertOk(r)
        good = {0, 12, 13}
        self.assertEqual(len(body["results"]), len(rows))
        for i, res in enumerate(body["results"]):
            self.assertEqual(res, echo(rows[i]) if i in good else {}, i)
        cu = "conversionUploadError"
        want = [
            err({"fieldError": "REQUIRED"},
                [("conversions", 1), ("conversion_action", None)],
                "The required field was not present."),
            err({"requestError": "RESOURCE_NAME_MALFORMED"},
                [("conversions", 2), ("conversion_action", None)],
                "Resource name provided is malformed."),
            err({cu: "NO_CONVERSION_ACTION_FOUND"},
                [("conversions", 3), ("conversion_action", None)],
                "The conversion action cannot be found."),
            err({"dateError": "INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET"},
                [("conversions", 4), ("conversion_date_time", None)],
                "The string date time's format should be yyyy-mm-dd "
                "hh:mm:ss+|-hh:mm."),
            err({"dateError": "INVALID_FIELD_VALUES_IN_DATE_TIME"},
                [("conversions", 5), ("conversion_date_time", None)],
                "Given field values do not correspond to a valid date time."),
            err({"collectionSizeError": "TOO_MANY"},
                [("conversions", 6), ("user_identifiers", None)]),
            err({cu: "INVALID_USER_IDENTIFIER"},
                [("conversions", 7), ("user_identifiers", 1),
                 ("hashed_email", None)]),
            err({cu: "GBRAID_WBRAID_BOTH_SET"}, [("conversions", 8)]),
            err({"fieldError": "REQUIRED"},
                [("conversions", 9), ("gclid", None)]),
            err({"currencyCodeError": "UNSUPPORTED"},
                [("conversions", 10), ("currency_code", None)]),
            err({cu: "UNSUPPORTED_USER_IDENTIFIER"},
                [("conversions", 11), ("user_identifiers", 0)]),
            err({"requestError": "RESOURCE_NAME_MALFORMED"},
                [("conversions", 14), ("conversion_action", None)]),
            err({"fieldError": "REQUIRED"},
                [("conversions", 14), ("conversion_date_time", None)]),
        ]
        got = self.partial_errors(body, r.rid)
        self.assertEqual(strip_messages(got), strip_messages(want))
        for g, w in zip(got, want):
            if "message" in w:
                self.assertEqual(g["message"], w["message"])
            self.assertTrue(g["message"])
        self.assertEqual(
            body["partialFailureError"]["message"],
            "Multiple errors in 'details'. First error: The required field "
            "was not present., at conversions[1].conversion_action")
        failed_rows = {e["location"]["fieldPathElements"][0]["index"]
                       for e in got}
        self.assertEqual(failed_rows, set(range(len(rows))) - good)
        led = self.emu.ledger()
        self.assertEqual([e["click_id"] for e in led],
                         [rows[0]["gclid"], None, "gb-13"])
        self.assertEqual(led[1]["user_identifiers"], 5)

    def test_single_error_message(self):
        r = self.emu.upload([conv(), conv(conversionAction=UNKNOWN_ACTION)])
        body = self.assertOk(r)
        self.assertEqual(body["partialFailureError"]["message"],
                         "The conversion action cannot be found., at "
                         "conversions[1].conversion_action")
        self.assertEqual(body["results"][1], {})

    def test_duplicates_inside_request(self):
        t2 = "2026-05-26 19:32:18+00:00"   # the same instant as WHEN
        rows = [
            conv(orderId="D1"),                                   # 0 dup
            conv(orderId="D1"),                                   # 1 dup
            conv(gclid="G"),                                      # 2 dup
            conv(gclid="G"),                                      # 3 dup
            conv(gclid="G", conversionAction=ACTION2),            # 4 ok
            conv(gclid="G", conversionDateTime="2026-05-26 15:00:00-05:00"),
            conv(gclid="H"),                                      # 6 dup
            conv(gclid="H", conversionDateTime=t2),               # 7 dup
            conv(orderId="D1", conversionAction=ACTION2),         # 8 ok
        ]
        r = self.emu.upload(rows)
        body = self.assertOk(r)
        good = {4, 5, 8}
        for i, res in enumerate(body["results"]):
            self.assertEqual(res, echo(rows[i]) if i in good else {}, i)
        cu = "conversionUploadError"
        self.assertEqual(strip_messages(self.partial_errors(body, r.rid)), [
            err({cu: "DUPLICATE_ORDER_ID"}, [("conversions", 0), ("order_id", None)]),
            err({cu: "DUPLICATE_ORDER_ID"}, [("conversions", 1), ("order_id", None)]),
            err({cu: "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"}, [("conversions", 2)]),
            err({cu: "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"}, [("conversions", 3)]),
            err({cu: "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"}, [("conversions", 6)]),
            err({cu: "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"}, [("conversions", 7)]),
        ])
        self.assertEqual(len(self.emu.ledger()), 3)

    def test_exactly_once_across_requests(self):
        a = conv(orderId="O1")
        b = conv()
        body = self.assertOk(self.emu.upload([a, b]))
        self.assertEqual(body["results"], [echo(a), echo(b)])
        r = self.emu.upload([a, b])          # a blind retry of the batch
        body = self.assertOk(r)
        self.assertEqual(body["results"], [{}, {}])
        cu = "conversionUploadError"
        self.assertEqual(self.partial_errors(body, r.rid), [
            err({cu: "ORDER_ID_ALREADY_IN_USE"},
                [("conversions", 0), ("order_id", None)],
                "The imported event includes an order ID that was previously "
                "recorded, so the event was not processed."),
            err({cu: "CLICK_CONVERSION_ALREADY_EXISTS"}, [("conversions", 1)],
                "The imported event has the same click and "
                "`conversion_date_time` as an existing conversion. Use a "
                "unique `conversion_date_time` or order ID for each unique "
                "event and try again."),
        ])
        # same order id in another action; same click at the same instant
        # written with another offset; same click at another time
        a2 = dict(a, gclid="other", conversionAction=ACTION2)
        b2 = dict(b, conversionDateTime="2026-05-26 19:32:18+00:00")
        b3 = dict(b, conversionDateTime="2026-05-26 19:32:19+00:00")
        body = self.assertOk(self.emu.upload([a2, b2, b3]))
        self.assertEqual(body["results"], [echo(a2), {}, echo(b3)])
        led = self.emu.ledger()
        self.assertEqual(len(led), 4)
        self.assertEqual(len({e["request_id"] for e in led}), 2)

    def test_concurrent_duplicates_accepted_once(self):
        c = conv(orderId="RACE")
        results = []

        def send():
            results.append(self.emu.upload([c]).json["results"][0])

        threads = [threading.Thread(target=send) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(map(json.dumps, results)),
                         sorted([json.dumps(echo(c))] + ["{}"] * 7))
        self.assertEqual(len(self.emu.ledger()), 1)

    def test_validate_only(self):
        good, bad = conv(orderId="V1"), conv(conversionAction=UNKNOWN_ACTION)
        r = self.emu.upload([good, bad], validateOnly=True, jobId=9)
        body = self.assertOk(r)
        self.assertEqual(set(body), {"partialFailureError", "jobId"})
        self.assertEqual(body["jobId"], "9")
        self.assertEqual(len(self.partial_errors(body, r.rid)), 1)
        body = self.assertOk(self.emu.upload([good], validateOnly=True))
        self.assertEqual(set(body), {"jobId"})
        self.assertEqual(self.emu.ledger(), [])
        body = self.assertOk(self.emu.upload([good]))
        self.assertEqual(body["results"], [echo(good)])
        # validateOnly checks against the ledger without writing to it
        r = self.emu.upload([good], validateOnly=True)
        self.assertEqual(self.partial_errors(r.json, r.rid)[0]["errorCode"],
                         {"conversionUploadError": "ORDER_ID_ALREADY_IN_USE"})
        self.assertEqual(len(self.emu.ledger()), 1)

    def test_conversion_actions_admin(self):
        def ok(action):
            r = self.emu.upload([conv(conversionAction=action)])
            return r.json["results"][0] != {}

        self.assertTrue(ok("customers/%s/conversionActions/999999" % CID))
        self.assertFalse(ok("customers/%s/conversionActions/1000000" % CID))
        # the customer id inside the resource name is not checked (ref §1.6)
        self.assertTrue(ok("customers/1/conversionActions/7"))
        st, body = self.emu.admin("POST", "actions", {"set": [987654321]})
        self.assertEqual(body, {"actions": [987654321], "default_rule": False,
                                "default_limit": 1000000})
        self.assertTrue(ok(UNKNOWN_ACTION))
        self.assertFalse(ok(ACTION))
        self.emu.admin("POST", "actions", {"add": [4242],
                                           "remove": [987654321]})
        self.assertTrue(ok(ACTION))
        self.assertFalse(ok(UNKNOWN_ACTION))
        self.emu.admin("POST", "actions", {"default_rule": True})
        self.assertTrue(ok(ACTION2))
        self.emu.admin("POST", "reset")
        self.assertEqual(self.emu.admin("GET", "actions")[1]["actions"], [])
        self.assertTrue(ok(ACTION2))


class TestToken(EmulatorCase):

    def test_refresh_grant(self):
        r = self.emu.refresh()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Cache-Control"], "no-store")
        body = r.json
        self.assertEqual(set(body), {"access_token", "expires_in", "scope",
                                     "token_type"})
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3599)
        self.assertEqual(body["scope"], "https://www.googleapis.com/auth/adwords")
        self.assertTrue(self.emu.upload([conv()], token=body["access_token"])
                        .json["results"][0])
        # HTTP Basic client authentication works too
        r = self.emu.token({"grant_type": "refresh_token",
                            "refresh_token": REFRESH}, headers={
            "Authorization": "Basic " + __import__("base64").b64encode(
                ("%s:%s" % (CLIENT_ID, CLIENT_SECRET)).encode()).decode()})
        self.assertEqual(r.status, 200)

    def test_refresh_grant_errors(self):
        invalid_grant = {"error": "invalid_grant",
                         "error_description": "Token has been expired or revoked."}
        r = self.emu.refresh(refresh_token="1//revoked")
        self.assertEqual((r.status, r.json), (400, invalid_grant))
        r = self.emu.refresh(client_id="someone-else")
        self.assertEqual((r.status, r.json), (401, {
            "error": "invalid_client",
            "error_description": "The OAuth client was not found."}))
        r = self.emu.refresh(client_secret="wrong")
        self.assertEqual((r.status, r.json), (401, {
            "error": "invalid_client", "error_description": "Unauthorized"}))
        r = self.emu.refresh(refresh_token=None)
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_request"))
        r = self.emu.refresh(grant_type="password")
        self.assertEqual((r.status, r.json), (400, {
            "error": "unsupported_grant_type",
            "error_description": "Invalid grant_type: password"}))
        r = self.emu.token({"grant_type":
                            "urn:ietf:params:oauth:grant-type:jwt-bearer",
                            "assertion": "a.b.c"})
        self.assertEqual((r.status, r.json["error"]),
                         (400, "unsupported_grant_type"))
        r = self.emu.request("POST", "/token", json.dumps(
            {"grant_type": "refresh_token"}).encode(),
            {"Content-Type": "application/json"})
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_request"))
        self.emu.admin("POST", "tokens", {"revoke_refresh_token": True})
        r = self.emu.refresh()
        self.assertEqual((r.status, r.json), (400, invalid_grant))
        self.emu.admin("POST", "tokens", {"refresh_token": "1//new"})
        self.assertEqual(self.emu.refresh(refresh_token="1//new").status, 200)
        self.emu.admin("POST", "reset")
        self.assertEqual(self.emu.refresh().status, 200)


class TestFaults(EmulatorCase):

    def test_rate_limit(self):
        self.emu.faults({"kind": "rate_limit", "retry_delay": 7})
        r = self.emu.upload([conv()])
        self.assertEqual(r.status, 429)
        self.assertEqual(r.headers["Retry-After"], "7")
        self.assertEqual(r.json, ads_error_body(429, "RESOURCE_EXHAUSTED", r.rid, [{
            "errorCode": {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"},
            "message": "Too many requests in a short amount of time. Retry "
                       "in 7 seconds.",
            "details": {"quotaErrorDetails": {
                "rateScope": "ACCOUNT", "rateName": "Requests per account",
                "retryDelay": "7s"}}}]))
        self.assertEqual(self.emu.ledger(), [])
        self.assertOk(self.emu.upload([conv()]))      # the fault is used up

    def test_daily_quota(self):
        self.emu.faults({"kind": "daily_quota"})
        r = self.emu.upload([conv()])
        self.assertEqual(r.status, 429)
        self.assertIsNone(r.headers.get("Retry-After"))
        e = r.json["error"]["details"][0]["errors"][0]
        self.assertEqual(e["errorCode"], {"quotaError": "RESOURCE_EXHAUSTED"})
        delay = e["details"]["quotaErrorDetails"]["retryDelay"]
        self.assertRegex(delay, r"^\d+s$")
        self.assertGreaterEqual(int(delay[:-1]), 3600)

    def test_server_errors(self):
        self.emu.faults(
            {"kind": "internal"}, {"kind": "internal", "details": False},
            {"kind": "transient"}, {"kind": "concurrent_modification"},
            {"kind": "unavailable"}, {"kind": "deadline_exceeded"},
            {"kind": "bad_gateway_html"})
        r = self.emu.upload([conv()])
        self.assertEqual(r.json, ads_error_body(500, "INTERNAL", r.rid, [
            err({"internalError": "INTERNAL_ERROR"}, None,
                "An internal error has occurred.")]))
        r = self.emu.upload([conv()])
        self.assertEqual((r.status, r.json), (500, {"error": {
            "code": 500, "message": "Internal error encountered.",
            "status": "INTERNAL"}}))
        r = self.emu.upload([conv()])
        self.assertEqual(r.status, 500)
        self.assertEqual(strip_messages(r.json["error"]["details"][0]["errors"]),
                         [err({"internalError": "TRANSIENT_ERROR"}, None)])
        r = self.emu.upload([conv()])
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json["error"]["status"], "ABORTED")
        self.assertEqual(r.json["error"]["details"][0]["errors"][0]["errorCode"],
                         {"databaseError": "CONCURRENT_MODIFICATION"})
        r = self.emu.upload([conv()])
        self.assertEqual((r.status, r.json), (503, {"error": {
            "code": 503, "message": "The service is currently unavailable.",
            "status": "UNAVAILABLE"}}))
        r = self.emu.upload([conv()])
        self.assertEqual((r.status, r.json["error"]["status"]),
                         (504, "DEADLINE_EXCEEDED"))
        r = self.emu.upload([conv()])
        self.assertEqual(r.status, 502)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn(b"Bad Gateway", r.data)
        self.assertEqual(self.emu.ledger(), [])
        self.assertOk(self.emu.upload([conv()]))

    def test_generic_error(self):
        self.emu.faults({"kind": "error", "status": "PERMISSION_DENIED",
                         "errorCode": {"authorizationError":
                                       "USER_PERMISSION_DENIED"},
                         "message": "User doesn't have permission."})
        r = self.emu.upload([conv()])
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json["error"]["message"],
                         "The caller does not have permission")
        self.assertEqual(r.json["error"]["details"][0]["errors"], [
            err({"authorizationError": "USER_PERMISSION_DENIED"}, None,
                "User doesn't have permission.")])

    def test_reset_leaves_ledger_untouched(self):
        self.emu.faults({"kind": "reset"})
        with self.assertRaises(NETWORK_ERRORS):
            self.emu.upload([conv(orderId="R1")])
        self.assertEqual(self.emu.ledger(), [])
        self.assertOk(self.emu.upload([conv(orderId="R1")]))

    def test_executed_then_dropped(self):
        c = conv(orderId="X1")
        self.emu.faults({"kind": "executed_then_dropped"})
        with self.assertRaises(NETWORK_ERRORS):
            self.emu.upload([c])
        led = self.emu.ledger()
        self.assertEqual(len(led), 1)
        r = self.emu.upload([c])                     # the client's retry
        self.assertEqual(r.json["results"], [{}])
        self.assertEqual(self.partial_errors(r.json, r.rid)[0]["errorCode"],
                         {"conversionUploadError": "ORDER_ID_ALREADY_IN_USE"})
        self.assertEqual(self.emu.ledger(), led)

    def test_slow(self):
        self.emu.faults({"kind": "slow", "seconds": 0.5})
        t0 = time.monotonic()
        self.assertOk(self.emu.upload([conv()]))
        self.assertGreaterEqual(time.monotonic() - t0, 0.5)
        # a client that gives up early: the request is still executed
        self.emu.faults({"kind": "slow", "seconds": 0.6})
        req = urllib.request.Request(
            self.emu.base + "/v25/customers/%s:uploadClickConversions" % CID,
            json.dumps({"partialFailure": True,
                        "conversions": [conv()]}).encode(),
            {"Authorization": "Bearer " + TOKEN,
             "Content-Type": "application/json"})
        with self.assertRaises(NETWORK_ERRORS):
            urllib.request.urlopen(req, timeout=0.2, context=self.emu.ctx)
        time.sleep(0.6)
        self.assertEqual(len(self.emu.ledger()), 2)

    def test_token_expired(self):
        self.emu.faults({"kind": "token_expired"})
        r = self.emu.upload([conv()])
        self.assertEqual(r.json, ads_error_body(401, "UNAUTHENTICATED", r.rid, [
            err({"authenticationError": "OAUTH_TOKEN_EXPIRED"}, None,
                "OAuth token in the header has expired.")]))
        self.assertOk(self.emu.upload([conv()]))

    def test_row_error(self):
        rows = [conv(), conv(), conv(), conv()]
        self.emu.faults({"kind": "row_error", "row": 1},
                        {"kind": "row_error", "rows": [0, 3],
                         "errorCode": {"databaseError":
                                       "CONCURRENT_MODIFICATION"}})
        r = self.emu.upload(rows)
        body = self.assertOk(r)
        self.assertEqual(body["results"], [echo(rows[0]), {}, echo(rows[2]),
                                           echo(rows[3])])
        self.assertEqual(self.partial_errors(body, r.rid), [
            err({"internalError": "INTERNAL_ERROR"}, [("conversions", 1)],
                "An internal error has occurred.")])
        self.assertEqual(body["partialFailureError"]["message"],
                         "An internal error has occurred., at conversions[1]")
        rows2 = [conv(), rows[1], conv(), conv()]
        r = self.emu.upload(rows2)
        self.assertEqual(r.json["results"], [{}, echo(rows[1]), echo(rows2[2]),
                                             {}])
        self.assertEqual(
            [e["location"]["fieldPathElements"][0]["index"]
             for e in self.partial_errors(r.json, r.rid)], [0, 3])
        self.assertEqual(len(self.emu.ledger()), 5)

    def test_queue_order_count_and_endpoints(self):
        self.emu.faults({"kind": "internal", "endpoint": "token"},
                        {"kind": "unavailable", "count": 2},
                        {"kind": "oauth_error", "endpoint": "token",
                         "http": 400, "error": "invalid_grant",
                         "error_description": "Bad Request"},
                        {"kind": "reset", "endpoint": "any"})
        st, q = self.emu.admin("GET", "faults")
        self.assertEqual([(f["kind"], f["count"]) for f in q["faults"]], [
            ("internal", 1), ("unavailable", 2), ("oauth_error", 1),
            ("reset", 1)])
        self.assertEqual(self.emu.upload([conv()]).status, 503)
        r = self.emu.refresh()
        self.assertEqual((r.status, r.json), (500, {
            "error": "internal_failure", "error_description": "Backend Error"}))
        self.assertEqual(self.emu.upload([conv()]).status, 503)
        with self.assertRaises(NETWORK_ERRORS):   # reset: first match
            self.emu.upload([conv()])
        r = self.emu.refresh()
        self.assertEqual((r.status, r.json["error_description"]),
                         (400, "Bad Request"))
        self.assertEqual(self.emu.admin("GET", "faults")[1], {"faults": []})
        self.assertEqual(self.emu.refresh().status, 200)
        self.assertOk(self.emu.upload([conv()]))
        st, body = self.emu.admin("POST", "faults", [{"kind": "nonsense"}])
        self.assertEqual(st, 400)
        st, body = self.emu.admin("POST", "faults",
                                  [{"kind": "row_error", "endpoint": "token"}])
        self.assertEqual(st, 400)
        self.emu.faults({"kind": "internal"})
        self.assertEqual(self.emu.admin("DELETE", "faults")[1], {"queued": 0})
        self.assertOk(self.emu.upload([conv()]))

    def test_fault_delay(self):
        self.emu.faults({"kind": "internal", "delay": 0.3})
        t0 = time.monotonic()
        self.assertEqual(self.emu.upload([conv()]).status, 500)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)


class TestLog(EmulatorCase):

    def test_log_lines_and_no_secrets(self):
        issued = self.emu.refresh().json["access_token"]
        r1 = self.emu.upload([conv()], token=issued,
                             headers={"developer-token": "DEVTOKEN-secret"})
        self.emu.upload([conv()], token="ya29.not-a-valid-token")
        self.emu.faults({"kind": "reset"})
        with self.assertRaises(NETWORK_ERRORS):
            self.emu.upload([conv()])
        self.emu.refresh(refresh_token="1//wrong-refresh")
        self.emu.request("GET", "/nowhere?access_token=ya29.in-query")
        # The server logs a request after answering it: wait for the
        # last line rather than race it.
        deadline = time.monotonic() + 5
        while True:
            with open(self.emu.log, encoding="utf-8") as fp:
                text = fp.read()
            if '"/nowhere' in text or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for secret in (TOKEN, issued, REFRESH, CLIENT_SECRET,
                       "ya29.not-a-valid-token", "1//wrong-refresh",
                       "DEVTOKEN-secret", "ya29.in-query"):
            self.assertNotIn(secret, text)
        lines = [json.loads(x) for x in text.splitlines()]
        lines = lines[-6:]
        for e in lines:
            self.assertEqual(set(e) - {"fault"}, {
                "time", "method", "path", "headers", "body", "status",
                "request_id"})
        tok, up, bad, reset, badtok, nowhere = lines
        self.assertEqual(tok["path"], "/token")
        self.assertEqual(tok["body"], {
            "grant_type": "refresh_token", "client_id": CLIENT_ID,
            "client_secret": "<redacted>", "refresh_token": "<redacted>"})
        self.assertEqual(tok["status"], 200)
        self.assertEqual(up["headers"]["authorization"], "Bearer <redacted>")
        self.assertEqual(up["headers"]["developer-token"], "<redacted>")
        self.assertEqual(up["request_id"], r1.rid)
        self.assertEqual(up["status"], 200)
        self.assertEqual(up["body"]["partialFailure"], True)
        self.assertEqual(bad["status"], 401)
        self.assertEqual((reset["status"], reset["fault"]), (None, "reset"))
        self.assertEqual(badtok["status"], 400)
        self.assertEqual(nowhere["status"], 404)
        self.assertIn("access_token=%3Credacted%3E", nowhere["path"])
        st, body = self.emu.admin("GET", "requests")
        self.assertEqual(body["requests"][-6:], lines)


class TestProcess(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gads-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_help(self):
        p = subprocess.run([sys.executable, GADS, "--help"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0)
        for opt in ("--port", "--port-file", "--tls", "--state-dir", "--log"):
            self.assertIn(opt, p.stdout)

    def test_port_file_loopback_sigterm_and_restart(self):
        emu = Emulator(self.tmp)
        try:
            with open(emu.port_file) as fp:
                self.assertRegex(fp.read(), r"^\d+\n$")
            self.assertEqual(os.listdir(self.tmp).count("port"), 1)
            self.assertFalse([f for f in os.listdir(self.tmp)
                              if f.endswith(".tmp")])
            if os.path.exists("/proc/net/tcp"):
                with open("/proc/net/tcp") as fp:
                    listen = [ln.split()[1] for ln in fp.readlines()[1:]
                              if ln.split()[3] == "0A"]
                self.assertIn("0100007F:%04X" % emu.port, listen)
            c = conv(orderId="P1")
            self.assertEqual(emu.upload([c]).json["results"], [echo(c)])
        finally:
            self.assertEqual(emu.stop(), 0)
        emu = Emulator(self.tmp)        # the ledger survives a restart
        try:
            self.assertEqual(len(emu.ledger()), 1)
            r = emu.upload([c])
            self.assertEqual(r.json["results"], [{}])
            self.assertEqual(
                r.json["partialFailureError"]["details"][0]["errors"][0]
                ["errorCode"],
                {"conversionUploadError": "ORDER_ID_ALREADY_IN_USE"})
        finally:
            self.assertEqual(emu.stop(), 0)


def make_cert(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-days", "1", "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=30)
    return cert, key


@unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
class TestTLS(EmulatorCase):

    @classmethod
    def setUpClass(cls):
        cls.certdir = tempfile.mkdtemp(prefix="gads-cert-")
        cls.tls = make_cert(cls.certdir)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def test_token_and_upload_over_https(self):
        self.assertTrue(self.emu.base.startswith("https://"))
        tok = self.emu.refresh().json["access_token"]
        c = conv(orderId="TLS1")
        r = self.emu.upload([c], token=tok, jobId=5)
        self.assertEqual(self.assertOk(r), {"results": [echo(c)], "jobId": "5"})
        self.assertEqual(self.emu.upload([c], token=tok).json["results"], [{}])
        self.assertEqual(len(self.emu.ledger()), 1)

    def test_faults_over_https(self):
        self.emu.faults({"kind": "executed_then_dropped"},
                        {"kind": "rate_limit"})
        with self.assertRaises(NETWORK_ERRORS):
            self.emu.upload([conv()])
        self.assertEqual(len(self.emu.ledger()), 1)
        self.assertEqual(self.emu.upload([conv()]).status, 429)

    def test_plain_http_and_bad_handshake_do_not_kill_server(self):
        plain = "http://127.0.0.1:%d/__admin/health" % self.emu.port
        with self.assertRaises(NETWORK_ERRORS):
            urllib.request.urlopen(plain, timeout=5)
        strict = ssl.create_default_context()     # does not trust the cert
        with self.assertRaises(NETWORK_ERRORS):
            urllib.request.urlopen(self.emu.base + "/__admin/health",
                                   timeout=5, context=strict)
        self.assertEqual(self.emu.admin("GET", "health"), (200, {"ok": True}))


if __name__ == "__main__":
    unittest.main()

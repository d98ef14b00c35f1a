# SPDX-License-Identifier: MIT
"""Tests of tests/mock/gads.py, the Google Ads / OAuth emulator.

Run from the project root:
    python3 -m unittest tests/mock/test_gads.py -v

Each class starts the emulator as a subprocess on port 0 (plain HTTP, and
HTTPS with a throw-away certificate made by openssl) and talks to it with
urllib only.
"""

import base64
import datetime
import hashlib
import http.client
import importlib.util
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

    def get_noredirect(self, path):
        """GET without following a redirect: a 302 comes back as is."""
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(
            NoRedirect, urllib.request.HTTPSHandler(context=self.ctx))
        try:
            with opener.open(self.base + path, timeout=10) as r:
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

    def upload_calls(self, calls, cid=CID, version="v25", token=TOKEN,
                     headers=None, **fields):
        body = {"partialFailure": True}
        body.update(fields)
        body["conversions"] = calls
        return self.post_json("/%s/customers/%s:uploadCallConversions" %
                              (version, cid), body, token, headers)

    def upload_adjustments(self, adjustments, cid=CID, version="v25",
                           token=TOKEN, headers=None, **fields):
        body = {"partialFailure": True}
        body.update(fields)
        body["conversionAdjustments"] = adjustments
        return self.post_json("/%s/customers/%s:uploadConversionAdjustments"
                              % (version, cid), body, token, headers)

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
    def emulator_args(cls):
        return ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gads-test-")
        cls.emu = Emulator(cls.tmp, *cls.emulator_args(), tls=cls.tls)

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
                ("POST", "/v25/customers/%s:uploadStoreSales" % CID),
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


def stamp(seconds=0, tz=0):
    """A date time `seconds` from now (the emulator's clock with no
    offset), written with a UTC offset of `tz` hours."""
    zone = datetime.timezone(datetime.timedelta(hours=tz))
    t = datetime.datetime.fromtimestamp(int(time.time()) + seconds, zone)
    return t.strftime("%Y-%m-%d %H:%M:%S") + "%+03d:00" % tz


HOUR = 3600
DAY = 86400
CALLER = "+16502531234"
CALLER_SHA = hashlib.sha256(CALLER.encode()).hexdigest()
NAME_HASH = "a" * 64


# The call starts count back from one instant taken once, so that a
# second ticking while many calls are made never gives two the same start
# (seen under load: stamp() reads the clock each time).
_CALL_BASE = int(time.time())


def call(**kw):
    """A valid CallConversion with a fresh call start, overridable."""
    _seq[0] += 1
    start = datetime.datetime.fromtimestamp(
        _CALL_BASE - DAY - _seq[0], datetime.timezone.utc)
    c = {"callerId": CALLER,
         "callStartDateTime": start.strftime("%Y-%m-%d %H:%M:%S+00:00"),
         "conversionAction": ACTION, "conversionDateTime": stamp(-HOUR),
         "conversionValue": 10.0, "currencyCode": "EUR"}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def call_echo(c):
    return {k: c[k] for k in ("callerId", "callStartDateTime",
                              "conversionAction", "conversionDateTime")}


def adjustment(atype, **kw):
    a = {"conversionAction": ACTION, "adjustmentType": atype,
         "adjustmentDateTime": stamp(-HOUR)}
    if atype == "RESTATEMENT":
        a["restatementValue"] = {"adjustedValue": 50.0, "currencyCode": "USD"}
    a.update(kw)
    return {k: v for k, v in a.items() if v is not None}


def adj_echo(a):
    r = {}
    for k in ("gclidDateTimePair", "orderId", "conversionAction",
              "adjustmentDateTime", "adjustmentType"):
        if a.get(k):
            r[k] = a[k]
    return r


CU = "conversionUploadError"
CA = "conversionAdjustmentUploadError"


class TestCalls(EmulatorCase):
    maxDiff = None

    def test_good_calls_shape_and_ledger(self):
        rows = [call(consent={"adUserData": "GRANTED"}, customVariables=[
                     {"conversionCustomVariable":
                      "customers/%s/conversionCustomVariables/1" % CID,
                      "value": "v"}]),
                call(callerId="+64 3-331 6005", conversionValue=None,
                     currencyCode=None),
                call(callerId="(650) 253-1235")]
        r = self.emu.upload_calls(rows)
        body = self.assertOk(r)
        # no jobId: the call response has none (ref §1.5)
        self.assertEqual(body, {"results": [call_echo(c) for c in rows]})
        led = self.emu.ledger()
        self.assertEqual(led[0], {
            "time": led[0]["time"], "kind": "call", "customer": CID,
            "action": ACTION, "action_id": "4242",
            "caller_id_sha256": CALLER_SHA,
            "call_start_date_time": rows[0]["callStartDateTime"],
            "conversion_date_time": rows[0]["conversionDateTime"],
            "value": 10.0, "currency_code": "EUR", "request_id": r.rid})
        self.assertEqual(
            [e["caller_id_sha256"] for e in led[1:]],
            [hashlib.sha256(b"+6433316005").hexdigest(),
             hashlib.sha256(b"+16502531235").hexdigest()])
        self.assertEqual((led[1]["value"], led[1]["currency_code"]),
                         (None, None))
        # the ledger never holds the number, in memory or on disk
        with open(os.path.join(self.emu.state, "ledger.ndjson")) as fp:
            text = fp.read()
        for shown in (json.dumps(led), text):
            for digits in ("6502531234", "3316005", "253-1235", "3-331"):
                self.assertNotIn(digits, shown)

    def test_row_errors_and_alignment(self):
        start = stamp(-DAY)
        rows = [
            call(),                                               # 0 ok
            call(callerId="call me maybe"),                       # 1
            call(callerId="+0123456789"),                         # 2
            call(callerId="12345"),                               # 3
            call(callerId=None),                                  # 4
            call(callStartDateTime=start,
                 conversionDateTime=stamp(-DAY - 60)),            # 5
            call(callStartDateTime=stamp(-5 * HOUR)),             # 6
            call(callStartDateTime=stamp(HOUR)),                  # 7
            call(conversionAction=UNKNOWN_ACTION),                # 8
            call(callStartDateTime="2026-01-01T00:00:00Z"),       # 9
            call(conversionDateTime=None, currencyCode="eur"),    # 10
            call(callerId="650.253.1299",
                 callStartDateTime=stamp(-7 * HOUR, tz=-5)),      # 11 ok
        ]
        r = self.emu.upload_calls(rows)
        body = self.assertOk(r)
        good = {0, 11}
        self.assertEqual(body["results"], [
            call_echo(c) if i in good else {} for i, c in enumerate(rows)])
        got = self.partial_errors(body, r.rid)
        self.assertEqual(strip_messages(got), [
            err({CU: "UNPARSEABLE_CALLERS_PHONE_NUMBER"},
                [("conversions", 1), ("caller_id", None)]),
            err({CU: "UNPARSEABLE_CALLERS_PHONE_NUMBER"},
                [("conversions", 2), ("caller_id", None)]),
            err({CU: "UNPARSEABLE_CALLERS_PHONE_NUMBER"},
                [("conversions", 3), ("caller_id", None)]),
            err({"fieldError": "REQUIRED"},
                [("conversions", 4), ("caller_id", None)]),
            err({CU: "CONVERSION_PRECEDES_CALL"},
                [("conversions", 5), ("conversion_date_time", None)]),
            err({CU: "TOO_RECENT_CALL"},
                [("conversions", 6), ("call_start_date_time", None)]),
            err({CU: "CONVERSION_PRECEDES_CALL"},
                [("conversions", 7), ("conversion_date_time", None)]),
            err({CU: "TOO_RECENT_CALL"},
                [("conversions", 7), ("call_start_date_time", None)]),
            err({CU: "NO_CONVERSION_ACTION_FOUND"},
                [("conversions", 8), ("conversion_action", None)]),
            err({"dateError": "INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET"},
                [("conversions", 9), ("call_start_date_time", None)]),
            err({"fieldError": "REQUIRED"},
                [("conversions", 10), ("conversion_date_time", None)]),
            err({"currencyCodeError": "UNSUPPORTED"},
                [("conversions", 10), ("currency_code", None)]),
        ])
        msgs = {e["errorCode"][CU]: e["message"] for e in got
                if CU in e["errorCode"]}
        self.assertEqual(msgs["TOO_RECENT_CALL"],
                         "Can't import calls that occurred less than 6 hours "
                         "ago. Try importing again in 6 hours.")
        self.assertIn("E.164", msgs["UNPARSEABLE_CALLERS_PHONE_NUMBER"])
        self.assertEqual(len(self.emu.ledger()), 2)
        # the 6 hours follow the emulator's clock
        self.emu.admin("POST", "clock", {"advance": 2 * HOUR})
        body = self.assertOk(self.emu.upload_calls([rows[6]]))
        self.assertEqual(body["results"], [call_echo(rows[6])])

    def test_duplicates_in_request_and_across_requests(self):
        start = stamp(-2 * DAY)
        same = stamp(-2 * DAY, tz=2)           # the same instant
        rows = [
            call(callStartDateTime=start),                            # 0 dup
            call(callerId="650-253-1234", callStartDateTime=same),    # 1 dup
            call(callStartDateTime=start, conversionAction=ACTION2),  # 2 ok
            call(callerId="+16502531299", callStartDateTime=start),   # 3 ok
        ]
        r = self.emu.upload_calls(rows)
        body = self.assertOk(r)
        self.assertEqual(body["results"], [{}, {}, call_echo(rows[2]),
                                           call_echo(rows[3])])
        got = self.partial_errors(body, r.rid)
        self.assertEqual(strip_messages(got), [
            err({CU: "DUPLICATE_CALL_CONVERSION_IN_REQUEST"},
                [("conversions", 0)]),
            err({CU: "DUPLICATE_CALL_CONVERSION_IN_REQUEST"},
                [("conversions", 1)])])
        self.assertEqual(got[0]["message"],
                         "Multiple events have the same caller and "
                         "`call_start_date_time`. Make sure your "
                         "`call_start_date_time` is correctly configured and "
                         "try again.")
        # a blind retry: each accepted call exists already; another
        # conversion time does not make it a new call
        again = [rows[2], dict(rows[3], conversionDateTime=stamp(-DAY)),
                 rows[0]]
        r = self.emu.upload_calls(again)
        body = self.assertOk(r)
        self.assertEqual(body["results"], [{}, {}, call_echo(rows[0])])
        self.assertEqual(strip_messages(self.partial_errors(body, r.rid)), [
            err({CU: "CALL_CONVERSION_ALREADY_EXISTS"}, [("conversions", 0)]),
            err({CU: "CALL_CONVERSION_ALREADY_EXISTS"}, [("conversions", 1)]),
        ])
        self.assertEqual(len(self.emu.ledger()), 3)

    def test_front_end_and_request_rules(self):
        path = "/v25/customers/%s:uploadCallConversions" % CID
        # no job_id on the call request (ref §1.3): an unknown name
        r = self.emu.upload_calls([call()], jobId=7)
        self.assertEqual(r.status, 400)
        self.assertIsNone(r.rid)
        m = ('Invalid JSON payload received. Unknown name "jobId": Cannot '
             'find field.')
        self.assertEqual(r.json, {"error": {
            "code": 400, "message": m, "status": "INVALID_ARGUMENT",
            "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                         "fieldViolations": [{"description": m}]}]}})
        r = self.emu.upload_calls([call(gclid="G")])
        self.assertEqual(r.json["error"]["message"],
                         'Invalid JSON payload received. Unknown name "gclid" '
                         "at 'conversions[0]': Cannot find field.")
        r = self.emu.upload_calls([call(conversionValue="ten")])
        self.assertEqual(r.json["error"]["details"][0]["fieldViolations"][0][
            "field"], "conversions[0].conversion_value")
        # proto names accepted
        c = call()
        r = self.emu.post_json(path, {"partial_failure": True, "conversions": [
            {"caller_id": c["callerId"],
             "call_start_date_time": c["callStartDateTime"],
             "conversion_action": ACTION,
             "conversion_date_time": c["conversionDateTime"]}]})
        self.assertEqual(self.assertOk(r), {"results": [call_echo(c)]})
        r = self.emu.post_json(path, {"conversions": [call()]})
        self.assertEqual(r.json, ads_error_body(400, "INVALID_ARGUMENT", r.rid, [
            err({"partialFailureError": "PARTIAL_FAILURE_MODE_REQUIRED"},
                [("partial_failure", None)],
                "The partial failure field was false in the request. This "
                "method requires this field be set to true.")]))
        many = [call() for _ in range(2001)]
        r = self.emu.upload_calls(many)
        self.assertEqual(r.json, ads_error_body(400, "INVALID_ARGUMENT", r.rid, [
            err({CU: "TOO_MANY_CONVERSIONS_IN_REQUEST"},
                [("conversions", None)],
                "Upload fewer than 2001 events in a single request.")]))
        r = self.emu.upload_calls([])
        self.assertEqual(strip_messages(r.json["error"]["details"][0][
            "errors"]), [err({"fieldError": "REQUIRED_NONEMPTY_LIST"},
                             [("conversions", None)])])
        r = self.emu.upload_calls([call()], token=None)
        self.assertEqual(r.status, 401)
        r = self.emu.upload_calls([call()], cid="12")
        self.assertEqual(r.status, 400)
        self.assertEqual(len(self.emu.ledger()), 1)
        # validateOnly: errors only, nothing written, no jobId
        body = self.assertOk(self.emu.upload_calls(
            many[:2000], validateOnly=True))
        self.assertEqual(body, {})
        r = self.emu.upload_calls([many[0], call(callerId="x")],
                                  validateOnly=True)
        self.assertEqual(set(r.json), {"partialFailureError"})
        self.assertEqual(len(self.emu.ledger()), 1)


class TestAdjustments(EmulatorCase):

    def clicks(self, *rows):
        """Upload click conversions to adjust; all must be accepted."""
        body = self.assertOk(self.emu.upload(list(rows)))
        self.assertNotIn("partialFailureError", body)
        return rows

    def errors(self, r):
        """The row errors of a 200 answer, without messages."""
        body = self.assertOk(r)
        return strip_messages(self.partial_errors(body, r.rid)) \
            if "partialFailureError" in body else []

    def test_each_type_shape_and_ledger(self):
        t0 = stamp(-3 * DAY, tz=-5)
        a, b = self.clicks(conv(orderId="A-1", conversionDateTime=t0),
                           conv(gclid="G-B", conversionDateTime=t0))
        enh = adjustment(
            "ENHANCEMENT", orderId="A-1", adjustmentDateTime=None,
            gclidDateTimePair={"gclid": a["gclid"], "conversionDateTime": t0},
            userAgent="Mozilla/5.0 (X11; Linux x86_64)",
            userIdentifiers=[
                {"hashedEmail": EMAIL_HASH,
                 "userIdentifierSource": "FIRST_PARTY"},
                {"hashedPhoneNumber": PHONE_HASH},
                {"addressInfo": {"hashedFirstName": NAME_HASH,
                                 "hashedLastName": NAME_HASH,
                                 "hashedStreetAddress": NAME_HASH,
                                 "city": "Mountain View", "state": "CA",
                                 "countryCode": "US", "postalCode": "94043"},
                 "userIdentifierSource": "FIRST_PARTY"}])
        res = adjustment("RESTATEMENT", orderId="A-1",
                         adjustmentDateTime=stamp(-DAY))
        ret = adjustment("RETRACTION", gclidDateTimePair={
            "gclid": "G-B", "conversionDateTime": t0})
        r = self.emu.upload_adjustments([enh, res, ret], jobId=77)
        body = self.assertOk(r)
        self.assertEqual(body, {"results": [adj_echo(enh), adj_echo(res),
                                            adj_echo(ret)], "jobId": "77"})
        self.assertNotIn("adjustmentDateTime", body["results"][0])
        led = self.emu.ledger()
        self.assertEqual([e["kind"] for e in led],
                         ["click", "click", "adjustment", "adjustment",
                          "adjustment"])
        common = {"kind": "adjustment", "customer": CID, "action": ACTION,
                  "action_id": "4242", "job_id": "77", "request_id": r.rid}
        self.assertEqual(led[2], dict(
            common, time=led[2]["time"], adjustment_type="ENHANCEMENT",
            adjustment_date_time=None, order_id="A-1", gclid=a["gclid"],
            conversion_date_time=t0, value=None, currency_code=None,
            user_identifiers=3, user_agent="Mozilla/5.0 (X11; Linux x86_64)"))
        self.assertEqual(led[3], dict(
            common, time=led[3]["time"], adjustment_type="RESTATEMENT",
            adjustment_date_time=res["adjustmentDateTime"], order_id="A-1",
            gclid=None, conversion_date_time=None, value=50.0,
            currency_code="USD", user_identifiers=0, user_agent=None))
        self.assertEqual(led[4], dict(
            common, time=led[4]["time"], adjustment_type="RETRACTION",
            adjustment_date_time=ret["adjustmentDateTime"], order_id=None,
            gclid="G-B", conversion_date_time=t0, value=None,
            currency_code=None, user_identifiers=0, user_agent=None))
        # a generated job id when none is given; proto names and enum
        # numbers accepted
        c = self.clicks(conv(orderId="A-2", conversionDateTime=t0))[0]
        r = self.emu.post_json(
            "/v25/customers/%s:uploadConversionAdjustments" % CID,
            {"partial_failure": True, "conversion_adjustments": [{
                "conversion_action": ACTION, "adjustment_type": 2,
                "adjustment_date_time": stamp(-HOUR), "order_id": "A-2"}]})
        body = self.assertOk(r)
        self.assertEqual(body["results"][0]["adjustmentType"], "RETRACTION")
        self.assertTrue(2 ** 31 <= int(body["jobId"]) < 2 ** 63)

    def test_conversion_not_found_against_ledger(self):
        t0 = stamp(-3 * DAY)
        a, b = self.clicks(conv(orderId="NF-1", conversionDateTime=t0),
                           conv(gclid="G-NF", conversionDateTime=t0))
        self.assertOk(self.emu.upload_calls([call()]))
        rows = [
            adjustment("RETRACTION", orderId="NF-404"),                # 0
            adjustment("RETRACTION", orderId="NF-1",
                       conversionAction=ACTION2),                      # 1
            adjustment("RETRACTION", gclidDateTimePair={
                "gclid": "G-NF", "conversionDateTime": stamp(-2 * DAY)}),
            adjustment("RETRACTION", gclidDateTimePair={
                "gclid": "G-other", "conversionDateTime": t0}),       # 3
            adjustment("ENHANCEMENT", orderId="NF-2",
                       userIdentifiers=[{"hashedEmail": EMAIL_HASH}]),
            adjustment("RESTATEMENT", orderId=CALLER),                 # 5
            # the same instant with another offset is the same conversion
            adjustment("RETRACTION", gclidDateTimePair={
                "gclid": "G-NF",
                "conversionDateTime": stamp(-3 * DAY, tz=9)}),        # 6 ok
        ]
        r = self.emu.upload_adjustments(rows)
        body = self.assertOk(r)
        self.assertEqual(body["results"], [{}] * 6 + [adj_echo(rows[6])])
        got = self.partial_errors(body, r.rid)
        self.assertEqual(strip_messages(got), [
            err({CA: "CONVERSION_NOT_FOUND"},
                [("conversion_adjustments", i)]) for i in range(6)])
        self.assertEqual(got[0]["message"],
                         "The conversion for this conversion action and "
                         "conversion identifier can't be found. Make sure "
                         "your conversion identifiers are associated with the "
                         "correct conversion action and try again.")
        self.assertEqual(
            body["partialFailureError"]["message"],
            "Multiple errors in 'details'. First error: " + got[0]["message"]
            + ", at conversion_adjustments[0]")
        # another customer: not found either
        r = self.emu.upload_adjustments(
            [adjustment("RETRACTION", orderId="NF-1")], cid="1112223333")
        self.assertEqual(self.errors(r), [err({CA: "CONVERSION_NOT_FOUND"},
                                              [("conversion_adjustments", 0)])])
        self.assertEqual(len(self.emu.ledger()), 4)

    def test_retraction_then_anything(self):
        t0 = stamp(-3 * DAY)
        a, b = self.clicks(conv(orderId="R-1", conversionDateTime=t0),
                           conv(orderId="R-2", conversionDateTime=t0))
        self.assertEqual(self.errors(self.emu.upload_adjustments([
            adjustment("RETRACTION", orderId="R-1")])), [])
        after = [
            adjustment("RETRACTION", orderId="R-1"),
            adjustment("RETRACTION", orderId="R-1",
                       adjustmentDateTime=stamp(-60)),
            adjustment("RESTATEMENT", orderId="R-1"),
            adjustment("ENHANCEMENT", orderId="R-1",
                       userIdentifiers=[{"hashedEmail": EMAIL_HASH}]),
            # keyed by its click: the same conversion
            adjustment("RESTATEMENT", gclidDateTimePair={
                "gclid": a["gclid"], "conversionDateTime": t0}),
        ]
        r = self.emu.upload_adjustments(after)
        self.assertEqual(r.json["results"], [{}] * 5)
        got = self.partial_errors(r.json, r.rid)
        self.assertEqual(strip_messages(got), [
            err({CA: "CONVERSION_ALREADY_RETRACTED"},
                [("conversion_adjustments", i)]) for i in range(5)])
        self.assertEqual(got[0]["message"], "The conversion was already "
                         "retracted. This adjustment was not processed.")
        # inside one request: rows apply in order
        rows = [adjustment("RESTATEMENT", orderId="R-2",
                           adjustmentDateTime=stamp(-2 * HOUR)),
                adjustment("RETRACTION", orderId="R-2"),
                adjustment("RESTATEMENT", orderId="R-2",
                           adjustmentDateTime=stamp(-60))]
        r = self.emu.upload_adjustments(rows)
        self.assertEqual(r.json["results"],
                         [adj_echo(rows[0]), adj_echo(rows[1]), {}])
        self.assertEqual(self.errors(r), [err(
            {CA: "CONVERSION_ALREADY_RETRACTED"},
            [("conversion_adjustments", 2)])])
        self.assertEqual(len(self.emu.ledger()), 5)

    def test_restatement_order_and_enhancement_once(self):
        t0 = stamp(-10 * DAY)
        self.clicks(conv(orderId="S-1", conversionDateTime=t0))
        t1, t2 = stamp(-5 * DAY), stamp(-4 * DAY)

        def restate(when, value=60.0, **kw):
            return adjustment("RESTATEMENT", orderId="S-1",
                              adjustmentDateTime=when,
                              restatementValue={"adjustedValue": value}, **kw)

        self.assertEqual(self.errors(self.emu.upload_adjustments(
            [restate(t1)])), [])
        for again in (restate(t1, 70.0),             # same time, other value
                      restate(stamp(-5 * DAY, tz=3))):  # same instant
            r = self.emu.upload_adjustments([again])
            self.assertEqual(self.errors(r), [err(
                {CA: "RESTATEMENT_ALREADY_EXISTS"},
                [("conversion_adjustments", 0)])])
        self.assertEqual(self.partial_errors(r.json, r.rid)[0]["message"],
                         "The conversion has already been restated with the "
                         "same `adjustment_date_time`. Make sure your "
                         "adjustment has the correct and unique "
                         "`adjustment_date_time` and try again.")
        r = self.emu.upload_adjustments([restate(stamp(-6 * DAY))])  # older
        self.assertEqual(self.errors(r), [err(
            {CA: "MORE_RECENT_RESTATEMENT_FOUND"},
            [("conversion_adjustments", 0)])])
        # newer ones in one request: the second is older than the first
        r = self.emu.upload_adjustments([restate(t2), restate(stamp(-4 * DAY
                                                                    - 60))])
        self.assertEqual(self.errors(r), [err(
            {CA: "MORE_RECENT_RESTATEMENT_FOUND"},
            [("conversion_adjustments", 1)])])
        self.assertEqual([e["value"] for e in self.emu.ledger()[1:]],
                         [60.0, 60.0])
        enh = adjustment("ENHANCEMENT", orderId="S-1",
                         userIdentifiers=[{"hashedEmail": EMAIL_HASH}])
        self.assertEqual(self.errors(self.emu.upload_adjustments([enh])), [])
        r = self.emu.upload_adjustments([enh])
        self.assertEqual(self.errors(r), [err(
            {CA: "CONVERSION_ALREADY_ENHANCED"},
            [("conversion_adjustments", 0)])])
        self.assertEqual(self.partial_errors(r.json, r.rid)[0]["message"],
                         "Conversion already has enhancements with the same "
                         "Order ID and conversion action. Make sure your data "
                         "is correctly configured and try again.")
        # restating or retracting an enhanced conversion is fine
        self.assertEqual(self.errors(self.emu.upload_adjustments(
            [restate(stamp(-HOUR)),
             adjustment("RETRACTION", orderId="S-1")])), [])

    def test_enhancement_time_without_gclid(self):
        # Google's web-enhancement examples send order_id and
        # gclid_date_time_pair.conversion_date_time alone: accepted on an
        # ENHANCEMENT; a RETRACTION keyed by the pair still needs a gclid.
        t0 = stamp(-3 * DAY)
        self.clicks(conv(orderId="W-1", conversionDateTime=t0))
        enh = adjustment("ENHANCEMENT", orderId="W-1",
                         gclidDateTimePair={"conversionDateTime": t0},
                         userIdentifiers=[{"hashedEmail": EMAIL_HASH}])
        self.assertEqual(self.errors(self.emu.upload_adjustments([enh])), [])
        self.assertEqual(self.emu.ledger()[-1]["conversion_date_time"], t0)
        ret = adjustment("RETRACTION",
                         gclidDateTimePair={"conversionDateTime": t0})
        self.assertEqual(self.errors(self.emu.upload_adjustments([ret])), [
            err({"fieldError": "REQUIRED"}, [
                ("conversion_adjustments", 0),
                ("gclid_date_time_pair", None), ("gclid", None)])])

    def test_timing_rules_follow_the_clock(self):
        # No TOO_RECENT_CONVERSION: since 2024-09-09 a conversion may be
        # retracted or restated right after it (google-ads-api.md).
        recent, old = stamp(-2 * HOUR), stamp(-60 * DAY)
        edge = stamp(-53 * DAY)
        self.clicks(conv(orderId="T-new", conversionDateTime=recent),
                    conv(orderId="T-new2", conversionDateTime=recent),
                    conv(orderId="T-old", conversionDateTime=old),
                    conv(orderId="T-edge", conversionDateTime=edge),
                    conv(orderId="T-ok", conversionDateTime=stamp(-3 * DAY)))
        rows = [
            adjustment("RESTATEMENT", orderId="T-new",
                       adjustmentDateTime=stamp(-60)),                 # 0 ok
            adjustment("ENHANCEMENT", orderId="T-new",                 # 1 ok
                       userIdentifiers=[{"hashedEmail": EMAIL_HASH}]),
            adjustment("RETRACTION", orderId="T-old"),                 # 2
            adjustment("ENHANCEMENT", orderId="T-old",
                       userIdentifiers=[{"hashedEmail": EMAIL_HASH}]),
            adjustment("RETRACTION", orderId="T-ok",
                       adjustmentDateTime=stamp(-4 * DAY)),            # 4
            adjustment("RESTATEMENT", orderId="T-edge"),               # 5 ok
            adjustment("RETRACTION", orderId="T-new2",
                       adjustmentDateTime=stamp(-60)),                 # 6 ok
        ]
        r = self.emu.upload_adjustments(rows)
        body = self.assertOk(r)
        self.assertEqual([i for i, x in enumerate(body["results"]) if x],
                         [0, 1, 5, 6])
        got = self.partial_errors(body, r.rid)
        self.assertEqual(strip_messages(got), [
            err({CA: "CONVERSION_EXPIRED"}, [("conversion_adjustments", 2)]),
            err({CA: "CONVERSION_EXPIRED"}, [("conversion_adjustments", 3)]),
            err({CA: "ADJUSTMENT_PRECEDES_CONVERSION"},
                [("conversion_adjustments", 4),
                 ("adjustment_date_time", None)]),
        ])
        self.assertEqual(got[0]["message"],
                         "Adjustment can't be made to a conversion that "
                         "occurred more than 54 days ago.")
        # a day later the recent one can still be retracted, the edge one
        # has expired
        self.emu.admin("POST", "clock", {"advance": DAY})
        r = self.emu.upload_adjustments([
            adjustment("RETRACTION", orderId="T-new"),
            adjustment("RETRACTION", orderId="T-edge")])
        self.assertEqual(self.errors(r), [err({CA: "CONVERSION_EXPIRED"},
                                              [("conversion_adjustments", 1)])])

    def test_stateless_row_errors(self):
        t0 = stamp(-3 * DAY)
        a = self.clicks(conv(orderId="V-1", conversionDateTime=t0))[0]
        pair = {"gclid": a["gclid"], "conversionDateTime": t0}
        ids = [{"hashedEmail": EMAIL_HASH}]
        addr = {"hashedFirstName": NAME_HASH, "hashedLastName": NAME_HASH,
                "countryCode": "US", "postalCode": "94043"}
        rows = [
            adjustment("RETRACTION", orderId="V-1",
                       gclidDateTimePair=pair),                          # 0
            adjustment("ENHANCEMENT", gclidDateTimePair=pair,
                       userIdentifiers=ids),                             # 1
            adjustment("ENHANCEMENT", orderId="V-1", userIdentifiers=[
                {"hashedEmail": EMAIL_HASH.upper()},
                {"hashedPhoneNumber": "+16502531234"},
                {"addressInfo": dict(addr, hashedLastName="Doe")},
                {"addressInfo": dict(addr, postalCode=None)},
                {"addressInfo": dict(addr, countryCode="us")}]),         # 2
            adjustment("ENHANCEMENT", orderId="V-1",
                       userIdentifiers=[{"mobileId": "m"}] + ids * 5),  # 3
            adjustment("RETRACTION", orderId="V-1", userIdentifiers=ids,
                       userAgent="UA"),                                  # 4
            adjustment("RESTATEMENT", orderId="V-1",
                       restatementValue=None),                           # 5
            adjustment("RESTATEMENT", orderId="V-1", restatementValue={
                "currencyCode": "usd"}),                                 # 6
            adjustment("RETRACTION", orderId="V-1", restatementValue={
                "adjustedValue": 1}),                                    # 7
            adjustment(None, orderId="V-1"),                             # 8
            adjustment("UNKNOWN", orderId="V-1"),                        # 9
            adjustment("RETRACTION", orderId="V-1",
                       adjustmentDateTime=None),                         # 10
            adjustment("RESTATEMENT"),                                   # 11
            adjustment("RETRACTION", gclidDateTimePair={
                "conversionDateTime": "2026-13-01 00:00:00+00:00"}),     # 12
            adjustment("RETRACTION", orderId="V-1",
                       conversionAction=UNKNOWN_ACTION),                 # 13
        ]
        r = self.emu.upload_adjustments(rows)
        body = self.assertOk(r)
        self.assertEqual(body["results"], [{}] * len(rows))
        got = self.partial_errors(body, r.rid)

        def at(i, *rest):
            return [("conversion_adjustments", i)] + list(rest)

        def ui(j):
            return ("user_identifiers", j)

        self.assertEqual(strip_messages(got), [
            err({CA: "GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET"}, at(0)),
            err({"fieldError": "REQUIRED"}, at(1, ("order_id", None))),
            err({CA: "INVALID_USER_IDENTIFIER"},
                at(2, ui(0), ("hashed_email", None))),
            err({CA: "INVALID_USER_IDENTIFIER"},
                at(2, ui(1), ("hashed_phone_number", None))),
            err({CA: "INVALID_USER_IDENTIFIER"},
                at(2, ui(2), ("address_info", None),
                   ("hashed_last_name", None))),
            err({CA: "INVALID_USER_IDENTIFIER"},
                at(2, ui(3), ("address_info", None))),
            err({CA: "INVALID_USER_IDENTIFIER"},
                at(2, ui(4), ("address_info", None),
                   ("country_code", None))),
            err({"collectionSizeError": "TOO_MANY"},
                at(3, ("user_identifiers", None))),
            err({CA: "UNSUPPORTED_USER_IDENTIFIER"}, at(3, ui(0))),
            err({CA: "UNSUPPORTED_USER_IDENTIFIER"}, at(4, ui(0))),
            err({"fieldError": "VALUE_MUST_BE_UNSET"},
                at(4, ("user_agent", None))),
            err({"fieldError": "REQUIRED"}, at(5, ("restatement_value", None))),
            err({"fieldError": "REQUIRED"}, at(6, ("restatement_value", None),
                                               ("adjusted_value", None))),
            err({"currencyCodeError": "UNSUPPORTED"},
                at(6, ("restatement_value", None), ("currency_code", None))),
            err({"fieldError": "VALUE_MUST_BE_UNSET"},
                at(7, ("restatement_value", None))),
            err({"fieldError": "REQUIRED"}, at(8, ("adjustment_type", None))),
            err({"requestError": "INVALID_ENUM_VALUE"},
                at(9, ("adjustment_type", None))),
            err({"fieldError": "REQUIRED"},
                at(10, ("adjustment_date_time", None))),
            err({"fieldError": "REQUIRED"}, at(11, ("order_id", None))),
            err({"fieldError": "REQUIRED"},
                at(12, ("gclid_date_time_pair", None), ("gclid", None))),
            err({"dateError": "INVALID_FIELD_VALUES_IN_DATE_TIME"},
                at(12, ("gclid_date_time_pair", None),
                   ("conversion_date_time", None))),
            err({CA: "NO_CONVERSION_ACTION_FOUND"},
                at(13, ("conversion_action", None))),
        ])
        self.assertEqual(got[0]["message"],
                         "Can't use both gclid_date_time_pair and order_id. "
                         "Use only 1 type and try again.")
        self.assertEqual(len(self.emu.ledger()), 1)

    def test_duplicates_in_request(self):
        t0 = stamp(-3 * DAY)
        a, b = self.clicks(conv(orderId="D-1", conversionDateTime=t0),
                           conv(orderId="D-2", conversionDateTime=t0))
        when = stamp(-HOUR)
        same = stamp(-HOUR, tz=-8)
        ids = [{"hashedEmail": EMAIL_HASH}]
        rows = [
            adjustment("ENHANCEMENT", orderId="D-1", userIdentifiers=ids),
            adjustment("ENHANCEMENT", orderId="D-1", userIdentifiers=[
                {"hashedPhoneNumber": PHONE_HASH}]),                     # 1
            adjustment("RETRACTION", orderId="D-2", adjustmentDateTime=when),
            adjustment("RETRACTION", orderId="D-2", adjustmentDateTime=same),
            adjustment("RESTATEMENT", gclidDateTimePair={
                "gclid": a["gclid"], "conversionDateTime": t0},
                adjustmentDateTime=when),                                # 4
            adjustment("RESTATEMENT", gclidDateTimePair={
                "gclid": a["gclid"], "conversionDateTime": t0},
                adjustmentDateTime=same),                                # 5
            # same key, other type or time: not duplicates
            adjustment("RESTATEMENT", orderId="D-1",
                       adjustmentDateTime=stamp(-2 * HOUR)),             # 6
            adjustment("RESTATEMENT", orderId="D-1",
                       adjustmentDateTime=stamp(-HOUR + 60)),            # 7
        ]
        r = self.emu.upload_adjustments(rows)
        body = self.assertOk(r)
        self.assertEqual(body["results"], [{}] * 6 + [adj_echo(rows[6]),
                                                      adj_echo(rows[7])])
        got = self.partial_errors(body, r.rid)
        self.assertEqual(strip_messages(got), [
            err({CA: "DUPLICATE_ENHANCEMENT_IN_REQUEST"},
                [("conversion_adjustments", 0)]),
            err({CA: "DUPLICATE_ENHANCEMENT_IN_REQUEST"},
                [("conversion_adjustments", 1)]),
        ] + [err({CA: "DUPLICATE_ADJUSTMENT_IN_REQUEST"},
                 [("conversion_adjustments", i)]) for i in (2, 3, 4, 5)])
        self.assertEqual(got[0]["message"],
                         "Multiple enhancements have the same conversion "
                         "action and Order ID. Make sure your data is "
                         "correctly configured and try again.")
        self.assertEqual(len(self.emu.ledger()), 4)

    def test_front_end_and_request_rules(self):
        path = "/v25/customers/%s:uploadConversionAdjustments" % CID
        self.clicks(conv(orderId="F-1", conversionDateTime=stamp(-3 * DAY)))
        good = adjustment("RETRACTION", orderId="F-1")
        r = self.emu.upload_adjustments([dict(good, gclid="G")],
                                        conversions=[])
        self.assertEqual(r.status, 400)
        self.assertIsNone(r.rid)
        self.assertEqual(
            [v.get("field") for v in
             r.json["error"]["details"][0]["fieldViolations"]],
            [None, "conversion_adjustments[0]"])
        for over, field in (
                ({"adjustmentType": "REFUND"},
                 "conversion_adjustments[0].adjustment_type"),
                ({"restatementValue": {"adjustedValue": "x"}},
                 "conversion_adjustments[0].restatement_value.adjusted_value"),
                ({"gclidDateTimePair": {"gclid": "g", "time": "t"}},
                 "conversion_adjustments[0].gclid_date_time_pair"),
                ({"userIdentifiers": [{"addressInfo": {"city": "X",
                                                       "street": "Y"}}]},
                 "conversion_adjustments[0].user_identifiers[0]"
                 ".address_info")):
            r = self.emu.upload_adjustments([dict(good, **over)])
            self.assertEqual(r.status, 400, over)
            self.assertEqual(r.json["error"]["details"][0][
                "fieldViolations"][0]["field"], field)
        r = self.emu.upload_adjustments([good], partialFailure=False)
        self.assertEqual(strip_messages(r.json["error"]["details"][0][
            "errors"]), [err({"partialFailureError":
                              "PARTIAL_FAILURE_MODE_REQUIRED"},
                             [("partial_failure", None)])])
        r = self.emu.upload_adjustments([good] * 2001)
        self.assertEqual(r.json, ads_error_body(400, "INVALID_ARGUMENT", r.rid, [
            err({CA: "TOO_MANY_ADJUSTMENTS_IN_REQUEST"},
                [("conversion_adjustments", None)],
                "Try uploading fewer than 2001 adjustments in a single API "
                "request.")]))
        r = self.emu.upload_adjustments([])
        self.assertEqual(strip_messages(r.json["error"]["details"][0][
            "errors"]), [err({"fieldError": "REQUIRED_NONEMPTY_LIST"},
                             [("conversion_adjustments", None)])])
        r = self.emu.upload_adjustments([good], jobId=0)
        self.assertEqual(strip_messages(r.json["error"]["details"][0][
            "errors"]), [err({CA: "INVALID_JOB_ID"}, [("job_id", None)])])
        r = self.emu.upload_adjustments([good], token="nope")
        self.assertEqual(r.status, 401)
        r = self.emu.post_json(path, None, raw=json.dumps(
            {"partialFailure": True, "conversionAdjustments": [good]}).encode(),
            headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 400)
        self.assertEqual(len(self.emu.ledger()), 1)
        # validateOnly: checked against the ledger, which stays as it is
        body = self.assertOk(self.emu.upload_adjustments(
            [good], validateOnly=True, jobId=5))
        self.assertEqual(body, {"jobId": "5"})
        self.assertEqual(len(self.emu.ledger()), 1)
        self.assertEqual(self.assertOk(self.emu.upload_adjustments([good])),
                         {"results": [adj_echo(good)],
                          "jobId": self.emu.ledger()[1]["job_id"]})
        r = self.emu.upload_adjustments([good], validateOnly=True)
        self.assertEqual(set(r.json), {"partialFailureError", "jobId"})
        self.assertEqual(self.errors(r), [err(
            {CA: "CONVERSION_ALREADY_RETRACTED"},
            [("conversion_adjustments", 0)])])

    def test_faults_apply(self):
        self.clicks(conv(orderId="Q-1", conversionDateTime=stamp(-3 * DAY)),
                    conv(orderId="Q-2", conversionDateTime=stamp(-3 * DAY)))
        ret = [adjustment("RETRACTION", orderId="Q-1"),
               adjustment("RETRACTION", orderId="Q-2")]
        self.emu.faults({"kind": "rate_limit", "retry_delay": 9})
        r = self.emu.upload_adjustments(ret)
        self.assertEqual(r.status, 429)
        self.assertEqual(r.headers["Retry-After"], "9")
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"})
        self.assertEqual(len(self.emu.ledger()), 2)
        self.emu.faults({"kind": "row_error", "row": 1})
        r = self.emu.upload_adjustments(ret)
        self.assertEqual(r.json["results"], [adj_echo(ret[0]), {}])
        self.assertEqual(self.partial_errors(r.json, r.rid), [
            err({"internalError": "INTERNAL_ERROR"},
                [("conversion_adjustments", 1)],
                "An internal error has occurred.")])
        # executed, answer lost, retried: delivered already
        self.emu.faults({"kind": "executed_then_dropped"})
        with self.assertRaises(NETWORK_ERRORS):
            self.emu.upload_adjustments(ret[1:])
        r = self.emu.upload_adjustments(ret[1:])
        self.assertEqual(self.errors(r), [err(
            {CA: "CONVERSION_ALREADY_RETRACTED"},
            [("conversion_adjustments", 0)])])
        c = call()
        self.emu.faults({"kind": "executed_then_dropped"},
                        {"kind": "unavailable"})
        with self.assertRaises(NETWORK_ERRORS):
            self.emu.upload_calls([c])
        self.assertEqual(self.emu.upload_calls([c]).status, 503)
        r = self.emu.upload_calls([c])
        self.assertEqual(self.errors(r), [err(
            {CU: "CALL_CONVERSION_ALREADY_EXISTS"}, [("conversions", 0)])])
        self.emu.faults({"kind": "token_expired"})
        self.assertEqual(self.emu.upload_calls([call()]).status, 401)
        self.assertEqual([e["kind"] for e in self.emu.ledger()],
                         ["click", "click", "adjustment", "adjustment",
                          "call"])

    def test_state_survives_restart(self):
        tmp = tempfile.mkdtemp(prefix="gads-test-")
        try:
            emu = Emulator(tmp)
            try:
                t0 = stamp(-3 * DAY)
                c = conv(orderId="P-1", conversionDateTime=t0)
                self.assertOk(emu.upload([c]))
                self.assertOk(emu.upload_adjustments([
                    adjustment("RESTATEMENT", gclidDateTimePair={
                        "gclid": c["gclid"], "conversionDateTime": t0},
                        adjustmentDateTime=stamp(-HOUR))]))
                k = call()
                self.assertOk(emu.upload_calls([k]))
            finally:
                emu.stop()
            emu = Emulator(tmp)
            try:
                r = emu.upload_adjustments([
                    adjustment("RESTATEMENT", orderId="P-1",
                               adjustmentDateTime=stamp(-2 * HOUR)),
                    adjustment("RETRACTION", orderId="P-1")])
                self.assertEqual(self.errors(r), [err(
                    {CA: "MORE_RECENT_RESTATEMENT_FOUND"},
                    [("conversion_adjustments", 0)])])
                r = emu.upload_calls([k])
                self.assertEqual(self.errors(r), [err(
                    {CU: "CALL_CONVERSION_ALREADY_EXISTS"},
                    [("conversions", 0)])])
                r = emu.upload_adjustments([
                    adjustment("ENHANCEMENT", orderId="P-1",
                               userIdentifiers=[{"hashedEmail": EMAIL_HASH}])])
                self.assertEqual(self.errors(r), [err(
                    {CA: "CONVERSION_ALREADY_RETRACTED"},
                    [("conversion_adjustments", 0)])])
            finally:
                emu.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


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
        # --refresh-token grants both scopes unless --refresh-token-scope
        self.assertEqual(body["scope"], "https://www.googleapis.com/auth/adwords"
                         " https://www.googleapis.com/auth/datamanager")
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
        r = self.emu.refresh(client_secret=None)
        self.assertEqual((r.status, r.json), (400, {
            "error": "invalid_request",
            "error_description": "client_secret is missing."}))
        r = self.emu.refresh(client_id=None)
        self.assertEqual((r.status, r.json), (400, {
            "error": "invalid_request",
            "error_description": "Could not determine client ID from "
                                 "request."}))
        r = self.emu.refresh(refresh_token=None)
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_request"))
        r = self.emu.refresh(grant_type="password")
        self.assertEqual((r.status, r.json), (400, {
            "error": "unsupported_grant_type",
            "error_description": "Invalid grant_type: password"}))
        r = self.emu.token({"grant_type":
                            "urn:ietf:params:oauth:grant-type:jwt-bearer",
                            "assertion": "a.b.c"})
        self.assertEqual((r.status, r.json), (400, {
            "error": "invalid_grant",
            "error_description": "Invalid JWT Signature."}))
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


ADWORDS = "https://www.googleapis.com/auth/adwords"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
SA = "uploader@ac-test.iam.gserviceaccount.com"
SA2 = "other@ac-test.iam.gserviceaccount.com"
UNKNOWN_SA = "nobody@ac-test.iam.gserviceaccount.com"
USER = "ads-user@example.com"
# RFC 7636 Appendix B
RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
BAD_SIG = {"error": "invalid_grant",
           "error_description": "Invalid JWT Signature."}
BAD_TIME = {"error": "invalid_grant", "error_description": (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
    "reasonable timeframe. Check your iat and exp values in the JWT claim.")}
BAD_CODE = {"error": "invalid_grant", "error_description": "Bad Request"}


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce():
    """A fresh verifier and its S256 challenge."""
    v = b64u(os.urandom(48))                    # 64 characters
    return v, b64u(hashlib.sha256(v.encode()).digest())


def query_of(location):
    """The redirect's base and its query as a dict (values decoded)."""
    base, _, q = location.partition("?")
    return base, dict(urllib.parse.parse_qsl(q, keep_blank_values=True))


def openssl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), input=data, check=True,
                          capture_output=True, timeout=60).stdout


def sign_jwt(key, claims, header=None):
    """An RS256 JWT signed by `openssl dgst -sha256 -sign` (an independent
    signer); header and claims are JSON-encoded as given."""
    if header is None:
        header = {"alg": "RS256", "typ": "JWT", "kid": "0123abcd"}
    signing_input = b64u(json.dumps(header).encode()) + "." + \
        b64u(json.dumps(claims).encode())
    sig = openssl("dgst", "-sha256", "-sign", key,
                  data=signing_input.encode())
    return signing_input + "." + b64u(sig)


class LoginCase(EmulatorCase):
    """Helpers for the installed-app flow."""

    def redirect_uri(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.emu.port + 1, path)

    def auth(self, path="/o/oauth2/v2/auth", **params):
        p = {"client_id": CLIENT_ID, "redirect_uri": self.redirect_uri(),
             "response_type": "code", "scope": ADWORDS,
             "code_challenge_method": "S256", "state": "st-1"}
        p.update(params)
        p = {k: v for k, v in p.items() if v is not None}
        return self.emu.get_noredirect(path + "?" + urllib.parse.urlencode(p))

    def login(self, **params):
        """(code, verifier, query of the redirect) of a consent."""
        verifier, challenge = pkce()
        params.setdefault("code_challenge", challenge)
        r = self.auth(**params)
        self.assertEqual(r.status, 302, r.data)
        _, q = query_of(r.headers["Location"])
        return q["code"], verifier, q

    def exchange(self, code, verifier, **over):
        f = {"grant_type": "authorization_code", "code": code,
             "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
             "redirect_uri": self.redirect_uri(), "code_verifier": verifier}
        f.update(over)
        return self.emu.token({k: v for k, v in f.items() if v is not None})


class TestLogin(LoginCase):

    def test_full_login_flow_offline(self):
        verifier, challenge = pkce()
        state = "a b&c=d/é?"
        r = self.auth(code_challenge=challenge, state=state,
                      access_type="offline", prompt="consent",
                      login_hint="someone@example.com")
        self.assertEqual(r.status, 302)
        loc = r.headers["Location"]
        base, q = query_of(loc)
        self.assertEqual(base, self.redirect_uri())
        self.assertEqual(list(q), ["state", "code", "scope"])
        self.assertEqual(q["state"], state)
        self.assertEqual(q["scope"], ADWORDS)
        self.assertTrue(q["code"].startswith("4/"))
        r = self.exchange(q["code"], verifier)
        self.assertEqual(r.status, 200, r.data)
        self.assertEqual(r.headers["Cache-Control"], "no-store")
        body = r.json
        self.assertEqual(list(body), ["access_token", "expires_in",
                                      "refresh_token", "scope", "token_type"])
        self.assertEqual((body["expires_in"], body["scope"],
                          body["token_type"]), (3599, ADWORDS, "Bearer"))
        self.assertNotEqual(body["refresh_token"], REFRESH)
        self.assertTrue(self.emu.upload(
            [conv()], token=body["access_token"]).json["results"][0])
        # the new refresh token works from now on
        r = self.emu.refresh(refresh_token=body["refresh_token"])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["scope"], ADWORDS)
        self.assertNotIn("refresh_token", r.json)
        self.assertEqual(self.emu.upload([conv()], token=r.json[
            "access_token"]).status, 200)
        # a code is single-use
        self.assertEqual((lambda r: (r.status, r.json))(
            self.exchange(q["code"], verifier)), (400, BAD_CODE))
        st, consent = self.emu.admin("GET", "consent")
        self.assertEqual((consent["deny"], consent["codes"]), (0, 0))
        a, = consent["authorizations"]
        self.assertEqual({k: a[k] for k in (
            "client_id", "redirect_uri", "response_type", "scope", "state",
            "access_type", "prompt", "code_challenge_method", "login_hint",
            "result")}, {
            "client_id": CLIENT_ID, "redirect_uri": self.redirect_uri(),
            "response_type": "code", "scope": ADWORDS, "state": state,
            "access_type": "offline", "prompt": "consent",
            "code_challenge_method": "S256",
            "login_hint": "someone@example.com", "result": "code"})
        # revoking refresh tokens takes issued ones too; reset forgets them
        rt = body["refresh_token"]
        self.emu.admin("POST", "tokens", {"revoke_refresh_token": True})
        self.assertEqual(self.emu.refresh(refresh_token=rt).status, 400)
        code, verifier, _ = self.login(access_type="offline")
        rt = self.exchange(code, verifier).json["refresh_token"]
        self.emu.admin("POST", "reset")
        self.assertEqual(self.emu.refresh(refresh_token=rt).json,
                         {"error": "invalid_grant", "error_description":
                          "Token has been expired or revoked."})

    def test_online_flow_loopback_forms_and_alias(self):
        self.assertEqual(b64u(hashlib.sha256(
            RFC7636_VERIFIER.encode()).digest()), RFC7636_CHALLENGE)
        uris = ["http://[::1]:%d/callback" % (self.emu.port + 2),
                "http://localhost:8085",
                "http://127.0.0.1:65535/a/b?x=1"]
        for uri in uris:
            for path in ("/o/oauth2/v2/auth", "/o/oauth2/auth"):
                r = self.auth(path, redirect_uri=uri,
                              code_challenge=RFC7636_CHALLENGE,
                              scope="openid  %s email" % ADWORDS, state=None)
                self.assertEqual(r.status, 302, (uri, r.data))
                loc = r.headers["Location"]
                sep = "&" if "?" in uri else "?"
                self.assertTrue(loc.startswith(uri + sep + "code="), loc)
                _, q = query_of(loc)
                self.assertNotIn("state", q)
                self.assertEqual(q["scope"], "openid %s email" % ADWORDS)
                r = self.exchange(q["code"], RFC7636_VERIFIER,
                                  redirect_uri=uri)
                self.assertEqual(r.status, 200, r.data)
                # no access_type=offline: no refresh token
                self.assertEqual(list(r.json), ["access_token", "expires_in",
                                                "scope", "token_type"])
        # HTTP Basic client authentication works for the exchange too
        code, verifier, _ = self.login()
        basic = base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET))
                                 .encode()).decode()
        r = self.emu.token({"grant_type": "authorization_code", "code": code,
                            "redirect_uri": self.redirect_uri(),
                            "code_verifier": verifier},
                           headers={"Authorization": "Basic " + basic})
        self.assertEqual(r.status, 200, r.data)

    def test_auth_error_pages_do_not_redirect(self):
        def page(r, code, error):
            self.assertEqual(r.status, 400)
            self.assertIsNone(r.headers.get("Location"))
            self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
            self.assertIn("Error %d: %s" % (code, error), r.data.decode())
        page(self.auth(client_id=None), 400, "invalid_request")
        page(self.auth(client_id="someone-else"), 401, "invalid_client")
        self.assertIn("The OAuth client was not found.",
                      self.auth(client_id="x").data.decode())
        page(self.auth(redirect_uri=None), 400, "invalid_request")
        # the client is checked before the redirect URI
        page(self.auth(client_id="x", redirect_uri="https://evil.example/"),
             401, "invalid_client")
        port = self.emu.port + 1
        for uri in ("https://127.0.0.1:%d/" % port,
                    "http://127.0.0.1/", "http://127.0.0.1:/",
                    "http://127.0.0.1:0/", "http://127.0.0.1:99999/",
                    "http://127.0.0.2:%d/" % port,
                    "http://example.com:%d/" % port,
                    "http://user@127.0.0.1:%d/" % port,
                    "http://127.0.0.1:%d/#frag" % port,
                    "http://[::2]:%d/" % port,
                    "urn:ietf:wg:oauth:2.0:oob", "127.0.0.1:8080", ""):
            r = self.auth(redirect_uri=uri)
            if uri == "":
                page(r, 400, "invalid_request")
            else:
                page(r, 400, "redirect_uri_mismatch")
        # GET only
        r = self.emu.request("POST", "/o/oauth2/v2/auth", b"client_id=x",
                             {"Content-Type":
                              "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 404)
        self.assertEqual(self.emu.admin("GET", "consent")[1]["codes"], 0)

    def test_auth_error_redirects(self):
        _, challenge = pkce()
        cases = [
            ({"response_type": None}, "invalid_request"),
            ({"response_type": "token"}, "unsupported_response_type"),
            ({"response_type": "code id_token"}, "unsupported_response_type"),
            ({"scope": None}, "invalid_scope"),
            ({"scope": ""}, "invalid_scope"),
            ({"scope": "email https://www.googleapis.com/auth/adwords.x"},
             "invalid_scope"),
            ({"code_challenge": None}, "invalid_request"),
            ({"code_challenge_method": None}, "invalid_request"),
            ({"code_challenge_method": "plain"}, "invalid_request"),
            ({"code_challenge_method": "s256"}, "invalid_request"),
            ({"code_challenge": challenge[:42]}, "invalid_request"),
            ({"code_challenge": challenge + "A"}, "invalid_request"),
            ({"code_challenge": challenge[:42] + "="}, "invalid_request"),
        ]
        for over, error in cases:
            params = {"code_challenge": challenge}
            params.update(over)
            r = self.auth(**params)
            self.assertEqual(r.status, 302, (over, r.data))
            self.assertEqual(r.headers["Location"], "%s?error=%s&state=st-1"
                             % (self.redirect_uri(), error), over)
        r = self.auth(response_type="token", state=None,
                      code_challenge=challenge)
        self.assertEqual(r.headers["Location"],
                         self.redirect_uri() + "?error=unsupported_response_type")
        st, consent = self.emu.admin("GET", "consent")
        self.assertEqual(consent["codes"], 0)
        self.assertEqual([a["result"] for a in consent["authorizations"]],
                         [e for _, e in cases] + ["unsupported_response_type"])

    def test_consent_refusal(self):
        _, challenge = pkce()
        self.assertEqual(self.emu.admin("POST", "consent", {"deny": True})[1]
                         ["deny"], 1)
        r = self.auth(code_challenge=challenge, state="s/1")
        self.assertEqual(r.headers["Location"],
                         self.redirect_uri() + "?error=access_denied&state=s/1")
        self.assertEqual(self.auth(code_challenge=challenge).status, 302)
        self.assertIn("code", query_of(self.auth(
            code_challenge=challenge).headers["Location"])[1])
        self.emu.admin("POST", "consent", {"deny": 2})
        for _ in range(2):
            self.assertEqual(query_of(self.auth(code_challenge=challenge)
                                      .headers["Location"])[1]["error"],
                             "access_denied")
        self.assertIn("code", query_of(self.auth(
            code_challenge=challenge).headers["Location"])[1])
        self.emu.admin("POST", "consent", {"deny": 3})
        self.assertEqual(self.emu.admin("POST", "consent", {"deny": False})[1]
                         ["deny"], 0)
        self.assertIn("code", query_of(self.auth(
            code_challenge=challenge).headers["Location"])[1])
        self.assertEqual(self.emu.admin("POST", "consent", {"deny": -1})[0],
                         400)
        self.emu.admin("POST", "consent", {"deny": 1})
        self.emu.admin("POST", "reset")
        self.assertEqual(self.emu.admin("GET", "consent")[1], {
            "deny": 0, "codes": 0, "authorizations": []})

    def test_exchange_errors(self):
        def check(r, status, body):
            self.assertEqual((r.status, r.json), (status, body))
            self.assertEqual(r.headers["Cache-Control"], "no-store")
        code, verifier, _ = self.login()
        # client errors leave the code usable
        check(self.exchange(code, verifier, client_id=None), 400, {
            "error": "invalid_request", "error_description":
            "Could not determine client ID from request."})
        check(self.exchange(code, verifier, client_id="x"), 401, {
            "error": "invalid_client",
            "error_description": "The OAuth client was not found."})
        check(self.exchange(code, verifier, client_secret=None), 400, {
            "error": "invalid_request",
            "error_description": "client_secret is missing."})
        check(self.exchange(code, verifier, client_secret="wrong"), 401, {
            "error": "invalid_client", "error_description": "Unauthorized"})
        check(self.exchange(None, verifier), 400, {
            "error": "invalid_request",
            "error_description": "Missing required parameter: code"})
        check(self.exchange("4/0Aunknown", verifier), 400, BAD_CODE)
        self.assertEqual(self.exchange(code, verifier).status, 200)
        # a different redirect_uri; the code is then used up
        code, verifier, _ = self.login()
        check(self.exchange(code, verifier,
                            redirect_uri=self.redirect_uri("/other")), 400,
              {"error": "redirect_uri_mismatch",
               "error_description": "Bad Request"})
        check(self.exchange(code, verifier), 400, BAD_CODE)
        code, verifier, _ = self.login()
        check(self.exchange(code, verifier, redirect_uri=None), 400, {
            "error": "invalid_request",
            "error_description": "Missing required parameter: redirect_uri"})
        # PKCE
        code, verifier, _ = self.login()
        check(self.exchange(code, None), 400, {
            "error": "invalid_grant",
            "error_description": "Missing code verifier."})
        check(self.exchange(code, verifier), 400, BAD_CODE)
        bad_verifier = {"error": "invalid_grant",
                        "error_description": "Invalid code verifier."}
        other, other_challenge = pkce()
        for wrong in (other, other_challenge, verifier[:-1] + (
                "A" if verifier[-1] != "A" else "B"),
                verifier[:42], verifier + "!", "a" * 129):
            code, verifier, _ = self.login()
            check(self.exchange(code, wrong), 400, bad_verifier)
            check(self.exchange(code, verifier), 400, BAD_CODE)
        # a verifier outside RFC 7636's form is refused even when the
        # challenge is its hash
        for v in ("A" * 42, "a" * 129, "x" * 42 + "+", "x" * 42 + " ",
                  "x" * 42 + "=", "x" * 42 + "/"):
            code, _, _ = self.login(code_challenge=b64u(
                hashlib.sha256(v.encode()).digest()))
            check(self.exchange(code, v), 400, bad_verifier)
        # the shortest and longest verifiers, all of [A-Za-z0-9-._~]
        for v in ("A-._~" * 9)[:43], ("az09-._~" * 16):
            code, _, _ = self.login(code_challenge=b64u(
                hashlib.sha256(v.encode()).digest()))
            self.assertEqual(self.exchange(code, v).status, 200, v)
        # faults of the token endpoint hit this grant too
        code, verifier, _ = self.login()
        self.emu.faults({"endpoint": "token", "kind": "unavailable"})
        self.assertEqual(self.exchange(code, verifier).status, 503)
        self.assertEqual(self.exchange(code, verifier).status, 200)

    def test_code_and_token_expiry(self):
        code, verifier, _ = self.login()
        self.emu.admin("POST", "clock", {"advance": 599})
        self.assertEqual(self.exchange(code, verifier).status, 200)
        code, verifier, _ = self.login()
        st, clock = self.emu.admin("POST", "clock", {"advance": 601})
        self.assertEqual(clock["offset"], 1200)
        self.assertAlmostEqual(clock["now"], time.time() + 1200, delta=5)
        r = self.exchange(code, verifier)
        self.assertEqual((r.status, r.json), (400, BAD_CODE))
        # access tokens of this grant expire with the clock too
        code, verifier, _ = self.login()
        tok = self.exchange(code, verifier).json["access_token"]
        self.assertEqual(self.emu.upload([conv()], token=tok).status, 200)
        self.emu.admin("POST", "clock", {"advance": 3598})
        self.assertEqual(self.emu.upload([conv()], token=tok).status, 200)
        self.emu.admin("POST", "clock", {"advance": 1})
        r = self.emu.upload([conv()], token=tok)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"authenticationError": "OAUTH_TOKEN_EXPIRED"})
        # expire_all takes every issued token
        code, verifier, _ = self.login()
        tok = self.exchange(code, verifier).json["access_token"]
        self.emu.admin("POST", "tokens", {"expire_all": True})
        self.assertEqual(self.emu.upload([conv()], token=tok).status, 401)
        self.assertEqual(self.emu.admin("POST", "clock", {"offset": 0})[1]
                         ["offset"], 0)
        self.emu.admin("POST", "clock", {"offset": 50})
        self.emu.admin("POST", "reset")
        self.assertEqual(self.emu.admin("GET", "clock")[1]["offset"], 0)


@unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
class TestServiceAccount(LoginCase):
    TTL = 120

    @classmethod
    def emulator_args(cls):
        cls.keydir = tempfile.mkdtemp(prefix="gads-keys-")
        cls.key, cls.key2, cls.key3 = (
            os.path.join(cls.keydir, n) for n in ("k1.pem", "k2.pem", "k3.pem"))
        for k in (cls.key, cls.key2, cls.key3):
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", k)
            openssl("pkey", "-in", k, "-pubout", "-out", k + ".pub")
        # the second account's key given in PKCS#1 form
        openssl("rsa", "-in", cls.key2, "-RSAPublicKey_out", "-out",
                cls.key2 + ".rsapub")
        return ("--service-account", "%s=%s.pub" % (SA, cls.key),
                "--service-account", "%s=%s.rsapub" % (SA2, cls.key2),
                "--impersonate", USER, "--token-ttl", str(cls.TTL))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.keydir, ignore_errors=True)

    def claims(self, **over):
        now = int(time.time())
        c = {"iss": SA, "scope": ADWORDS, "aud": GOOGLE_TOKEN_URL,
             "iat": now, "exp": now + 3600}
        c.update(over)
        return {k: v for k, v in c.items() if v is not None}

    def jwt_grant(self, assertion):
        return self.emu.token({"grant_type":
                               "urn:ietf:params:oauth:grant-type:jwt-bearer",
                               "assertion": assertion})

    def assertGrant(self, assertion, status, body=None):
        r = self.jwt_grant(assertion)
        self.assertEqual(r.headers["Cache-Control"], "no-store")
        if body is None:
            self.assertEqual(r.status, status, r.data)
        else:
            self.assertEqual((r.status, r.json), (status, body))
        return r

    def test_jwt_scope_claim_is_the_token_scope(self):
        for scope, ads, dm in ((ADWORDS, 200, 403),
                               ("openid " + DM_SCOPE, 403, 200),
                               (DM_SCOPE + " " + ADWORDS, 200, 200)):
            r = self.assertGrant(sign_jwt(self.key, self.claims(
                scope=scope)), 200)
            self.assertNotIn("scope", r.json)
            tok = r.json["access_token"]
            self.assertEqual(self.emu.upload([conv()], token=tok).status, ads)
            r = self.emu.post_json("/v1/events:ingest",
                                   ingest_body([event()]), tok)
            self.assertEqual(r.status, dm, r.data)

    def test_jwt_grant(self):
        r = self.assertGrant(sign_jwt(self.key, self.claims()), 200)
        body = r.json
        self.assertEqual(list(body), ["access_token", "expires_in",
                                      "token_type"])
        self.assertEqual((body["expires_in"], body["token_type"]),
                         (self.TTL, "Bearer"))
        tok = body["access_token"]
        self.assertEqual(self.emu.upload([conv()], token=tok).status, 200)
        # aud: the emulator's own token URL; header without typ and kid;
        # several scopes; the PKCS#1-registered account; an allowed sub;
        # iat up to 60 s ahead; float times
        now = time.time()
        for key, claims, header in (
                (self.key, self.claims(aud=self.emu.base + "/token"), None),
                (self.key, self.claims(aud="http://127.0.0.1:%d/token"
                                       % self.emu.port), {"alg": "RS256"}),
                (self.key, self.claims(scope="openid %s" % ADWORDS), None),
                (self.key2, self.claims(iss=SA2), None),
                (self.key, self.claims(sub=USER), None),
                (self.key, self.claims(iat=int(now) + 50,
                                       exp=int(now) + 3650), None),
                (self.key, self.claims(iat=now, exp=now + 3600), None)):
            self.assertGrant(sign_jwt(key, claims, header), 200)
        # --token-ttl applies to this grant; the clock expires the token
        self.emu.admin("POST", "clock", {"advance": self.TTL})
        r = self.emu.upload([conv()], token=tok)
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"authenticationError": "OAUTH_TOKEN_EXPIRED"})
        # and --token-ttl applies to the other grants too
        self.assertEqual(self.emu.refresh().json["expires_in"], self.TTL)
        code, verifier, _ = self.login()
        self.assertEqual(self.exchange(code, verifier).json["expires_in"],
                         self.TTL)

    def test_jwt_signature_errors(self):
        good = sign_jwt(self.key, self.claims())
        h, p, sig = good.split(".")
        orig = base64.urlsafe_b64decode(sig + "==")
        raw = bytearray(orig)
        raw[100] ^= 0x01
        tampered_sig = h + "." + p + "." + b64u(bytes(raw))
        other_claims = b64u(json.dumps(self.claims(scope=ADWORDS + " x"))
                            .encode())
        none_alg = b64u(json.dumps({"alg": "none"}).encode())
        cases = [
            tampered_sig,
            h + "." + other_claims + "." + sig,           # claims changed
            sign_jwt(self.key2, self.claims()),           # another key
            sign_jwt(self.key3, self.claims()),           # unregistered key
            h + "." + p + "." + b64u(bytes(raw[:-1])),    # 255 bytes
            # the same integer in 257 bytes (RFC 8017: exactly k octets)
            h + "." + p + "." + b64u(b"\x00" + orig),
            h + "." + p + "." + b64u(b"\xff" * 256),      # >= n
            h + "." + p + "." + sig + "==",               # padded
            h + "=." + p + "." + sig,
            h + "." + p + "." + sig.replace("-", "+").replace("_", "/")
            if ("-" in sig or "_" in sig) else h + "." + p + ".+" + sig[1:],
            h + "." + p,                                  # two segments
            good + ".x",                                  # four
            "a.b.c",
            b64u(b"not json") + "." + p + "." + sig,
            b64u(b"[1]") + "." + p + "." + sig,
            sign_jwt(self.key, self.claims(),
                     {"alg": "RS512", "typ": "JWT"}),
            sign_jwt(self.key, self.claims(), {"alg": "RS256",
                                               "typ": "JOSE+JSON"}),
            none_alg + "." + p + ".",
            sign_jwt(self.key, ["not", "an", "object"]),
        ]
        for i, assertion in enumerate(cases):
            with self.subTest(case=i):
                self.assertGrant(assertion, 400, BAD_SIG)
        self.assertGrant(good, 200)

    def test_jwt_claim_errors(self):
        now = int(time.time())
        self.assertGrant(sign_jwt(self.key, self.claims(iss=UNKNOWN_SA)), 400, {
            "error": "invalid_grant",
            "error_description": "Invalid grant: account not found"})
        self.assertGrant(sign_jwt(self.key, self.claims(iss=None)), 400, {
            "error": "invalid_grant",
            "error_description": "Invalid grant: account not found"})
        bad_aud = {"error": "invalid_grant", "error_description":
                   "Invalid JWT: Failed audience check. The right audience "
                   "is https://oauth2.googleapis.com/token"}
        for aud in ("https://example.com/token", None, [GOOGLE_TOKEN_URL],
                    "http://127.0.0.1:%d/token" % (self.emu.port + 1),
                    "http://127.0.0.1:%d/upload" % self.emu.port):
            self.assertGrant(sign_jwt(self.key, self.claims(aud=aud)), 400,
                             bad_aud)
        for iat, exp in ((now, now + 3601),            # too long
                         (now - 10, now + 3591),       # too long
                         (now + 120, now + 600),       # iat in the future
                         (now - 3600, now - 1),        # expired
                         (now - 3600, now),            # expired
                         (None, now + 600), (now, None),
                         ("%d" % now, now + 600), (True, now + 600)):
            with self.subTest(iat=iat, exp=exp):
                self.assertGrant(sign_jwt(self.key, self.claims(
                    iat=iat, exp=exp)), 400, BAD_TIME)
        # the emulator's clock is the one that counts
        self.emu.admin("POST", "clock", {"offset": -300})
        self.assertGrant(sign_jwt(self.key, self.claims()), 400, BAD_TIME)
        self.assertGrant(sign_jwt(self.key, self.claims(
            iat=now - 300, exp=now + 3000)), 200)
        self.emu.admin("POST", "clock", {"offset": 0})
        bad_scope = {"error": "invalid_scope", "error_description":
                     "Invalid OAuth scope or ID token audience provided."}
        for scope in (None, "", "https://www.googleapis.com/auth/drive",
                      ADWORDS + "x", [ADWORDS]):
            self.assertGrant(sign_jwt(self.key, self.claims(scope=scope)),
                             400, bad_scope)
        self.assertGrant(sign_jwt(self.key, self.claims(
            sub="someone-else@example.com")), 401, {
            "error": "unauthorized_client", "error_description":
            "Client is unauthorized to retrieve access tokens using this "
            "method, or client not authorized for any of the scopes "
            "requested."})
        r = self.jwt_grant("")
        self.assertEqual((r.status, r.json), (400, {
            "error": "invalid_request",
            "error_description": "Missing required parameter: assertion"}))

    def test_key_parsing_matches_openssl(self):
        spec = importlib.util.spec_from_file_location("gads", GADS)
        gads = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gads)
        for pub in (self.key + ".pub", self.key2 + ".rsapub"):
            n, e = gads.load_public_key(pub)
            out = openssl("rsa", "-pubin", "-in", self.key + ".pub",
                          "-modulus", "-noout").decode() \
                if pub.endswith(".pub") else openssl(
                    "rsa", "-in", self.key2, "-modulus", "-noout").decode()
            self.assertEqual(n, int(out.strip().split("=", 1)[1], 16))
            self.assertEqual(e, 65537)
        key = gads.load_public_key(self.key + ".pub")
        data = b"header.payload"
        sig = openssl("dgst", "-sha256", "-sign", self.key, data=data)
        self.assertTrue(gads.rs256_verify(key, data, sig))
        self.assertFalse(gads.rs256_verify(key, data + b"x", sig))
        # s + n is the same signature modulo n: refused (s must be < n)
        n = key[0]
        for i in range(64):
            d = b"message %d" % i
            sig = openssl("dgst", "-sha256", "-sign", self.key, data=d)
            s = int.from_bytes(sig, "big")
            if s + n < 1 << 2048:
                self.assertTrue(gads.rs256_verify(key, d, sig))
                self.assertFalse(gads.rs256_verify(
                    key, d, (s + n).to_bytes(256, "big")))
                break
        # a SHA-1 signature has the right padding but the wrong DigestInfo
        sig1 = openssl("dgst", "-sha1", "-sign", self.key, data=data)
        self.assertFalse(gads.rs256_verify(key, data, sig1))
        # a PSS signature is not PKCS#1 v1.5
        pss = openssl("dgst", "-sha256", "-sign", self.key, "-sigopt",
                      "rsa_padding_mode:pss", data=data)
        self.assertFalse(gads.rs256_verify(key, data, pss))
        # Encodings made by raw RSA (no padding: the whole block is ours).
        # Only the exact EMSA-PKCS1-v1_5 block verifies.
        k = 256
        digest = hashlib.sha256(data).digest()
        info = bytes.fromhex("3031300d060960864801650304020105000420")
        raw = os.path.join(self.keydir, "em.bin")

        def raw_sign(em):
            assert len(em) == k
            with open(raw, "wb") as fp:
                fp.write(em)
            # the raw private-key operation m^d mod n ("decrypt" with no
            # padding: `pkeyutl -sign` wants a digest-sized input)
            return openssl("pkeyutl", "-decrypt", "-inkey", self.key,
                           "-in", raw, "-pkeyopt", "rsa_padding_mode:none")

        def em(t, ps=None, head=b"\x00\x01", tail=b""):
            if ps is None:
                ps = b"\xff" * (k - len(t) - len(tail) - 3)
            return head + ps + b"\x00" + t + tail
        self.assertTrue(gads.rs256_verify(key, data, raw_sign(em(info +
                                                                 digest))))
        for forged in (
                em(digest),                               # no DigestInfo
                em(info + digest, head=b"\x00\x02"),      # block type 2
                em(info + digest, head=b"\x01\x01")[:k],
                em(info + digest, ps=b"\xff" * (k - 54) + b"\xfe"),
                # Bleichenbacher '06: short padding, garbage after the hash
                em(info + digest, ps=b"\xff" * 8,
                   tail=b"\x00" * (k - 3 - 8 - 51)),
                em(info[:-1] + b"\x21" + digest + b"\x00")):
            forged = forged[:k].ljust(k, b"\x00")
            self.assertFalse(gads.rs256_verify(key, data, raw_sign(forged)),
                             forged[:24].hex())
        # and through the endpoint: no DigestInfo is an invalid signature
        h = b64u(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        p = b64u(json.dumps(self.claims()).encode())
        si = (h + "." + p).encode()
        good = raw_sign(em(info + hashlib.sha256(si).digest()))
        bad = raw_sign(em(hashlib.sha256(si).digest()))
        self.assertGrant(h + "." + p + "." + b64u(bad), 400, BAD_SIG)
        self.assertGrant(h + "." + p + "." + b64u(good), 200)

    def test_bad_service_account_options_refused(self):
        priv = self.key
        small = os.path.join(self.keydir, "small.pem")
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
                "rsa_keygen_bits:1024", "-out", small)
        openssl("pkey", "-in", small, "-pubout", "-out", small + ".pub")
        ec = os.path.join(self.keydir, "ec.pem")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", ec)
        openssl("pkey", "-in", ec, "-pubout", "-out", ec + ".pub")
        for arg in ("no-equals-sign", "%s=" % SA, "not-an-email=%s.pub" % priv,
                    "%s=%s" % (SA, priv), "%s=/nonexistent.pem" % SA,
                    "%s=%s.pub" % (SA, small), "%s=%s.pub" % (SA, ec)):
            p = subprocess.run([sys.executable, GADS, "--port", "0",
                                "--service-account", arg],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2, arg)
            self.assertIn("--service-account", p.stderr)

    def test_log_holds_no_secret(self):
        with open(self.emu.log, encoding="utf-8") as fp:
            before = len(fp.read().splitlines())
        verifier, challenge = pkce()
        r = self.auth(code_challenge=challenge, state="state-kept",
                      access_type="offline")
        code = query_of(r.headers["Location"])[1]["code"]
        wrong = self.exchange(code + "x", verifier)
        self.assertEqual(wrong.status, 400)
        body = self.exchange(code, verifier).json
        jwt = sign_jwt(self.key, self.claims())
        self.jwt_grant(jwt[:-4] + "AAAA")
        tok2 = self.jwt_grant(jwt).json["access_token"]
        refreshed = self.emu.refresh(refresh_token=body["refresh_token"]) \
            .json["access_token"]
        self.emu.request("GET", "/o/oauth2/v2/auth?code=4/0Aleaked&"
                         "code_verifier=%s&client_secret=%s&access_token=%s"
                         % (verifier, CLIENT_SECRET, tok2))
        # The server logs a request after answering it: wait for all seven.
        deadline = time.monotonic() + 5
        while True:
            with open(self.emu.log, encoding="utf-8") as fp:
                text = fp.read()
            if len(text.splitlines()) >= before + 7 or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for secret in (code, code.split("/", 1)[1], verifier, CLIENT_SECRET,
                       body["refresh_token"], body["access_token"], tok2,
                       refreshed, jwt.split(".")[2], jwt, "4/0Aleaked",
                       "0Aleaked", REFRESH):
            self.assertNotIn(secret, text)
        lines = [json.loads(x) for x in text.splitlines()][before:]
        self.assertEqual(len(lines), 7)

        def find(pred):
            found = [e for e in lines if pred(e)]
            self.assertEqual(len(found), 1)
            return found[0]

        def grant(e):
            return (e["body"] or {}).get("grant_type")
        auth = find(lambda e: "state=state-kept" in e["path"])
        self.assertEqual(auth["method"], "GET")
        self.assertEqual(auth["status"], 302)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
            auth["path"]).query))
        self.assertEqual((q["code_challenge"], q["state"], q["client_id"],
                          q["access_type"]),
                         (challenge, "state-kept", CLIENT_ID, "offline"))
        self.assertEqual(find(lambda e: grant(e) == "authorization_code" and
                              e["status"] == 200)["body"], {
            "grant_type": "authorization_code", "code": "<redacted>",
            "client_id": CLIENT_ID, "client_secret": "<redacted>",
            "redirect_uri": self.redirect_uri(),
            "code_verifier": "<redacted>"})
        self.assertEqual(find(lambda e: grant(e) == "urn:ietf:params:oauth:"
                              "grant-type:jwt-bearer" and e["status"] == 200)
                         ["body"], {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": "<redacted>"})
        last = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(find(
            lambda e: e["path"].startswith("/o/oauth2/v2/auth?code="))
            ["path"]).query))
        self.assertEqual(last, {"code": "<redacted>",
                                "code_verifier": "<redacted>",
                                "client_secret": "<redacted>",
                                "access_token": "<redacted>"})


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
        for opt in ("--port", "--port-file", "--tls", "--state-dir", "--log",
                    "--service-account", "--impersonate", "--token-ttl"):
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


# ---------------------------------------------------------------------------
# Data Manager API

DM_SCOPE = "https://www.googleapis.com/auth/datamanager"
DM_DOMAIN = "datamanager.googleapis.com"
DM_UNAUTH_MSG = ("Request had invalid authentication credentials. Expected "
                 "OAuth 2 access token, login cookie or other valid "
                 "authentication credential.")
HEX_B = hashlib.sha256(b"b").hexdigest()
B64_A = base64.b64encode(hashlib.sha256(b"a").digest()).decode()


def dm_stamp(seconds=0, tz=0):
    """RFC 3339 time `seconds` from now, with an offset of `tz` hours
    (Z for 0)."""
    zone = datetime.timezone(datetime.timedelta(hours=tz))
    t = datetime.datetime.fromtimestamp(int(time.time()) + seconds, zone)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if tz == 0 else
                                              "%+03d:00" % tz)


def dest(ref="4242", action=None, account=CID, **kw):
    d = {"reference": ref,
         "operatingAccount": {"accountType": "GOOGLE_ADS",
                              "accountId": account},
         "productDestinationId": action or ref}
    d.update(kw)
    return {k: v for k, v in d.items() if v is not None}


def event(**kw):
    """A valid click event with a fresh gclid and transaction id."""
    _seq[0] += 1
    e = {"destinationReferences": ["4242"],
         "transactionId": "DM-%d" % _seq[0],
         "eventTimestamp": dm_stamp(-DAY, tz=2),
         "adIdentifiers": {"gclid": "Cj0-dm-%d" % _seq[0]},
         "conversionValue": 12.5, "currency": "EUR"}
    e.update(kw)
    return {k: v for k, v in e.items() if v is not None}


def ingest_body(events, dests=None, **kw):
    b = {"destinations": dests if dests is not None else [dest()],
         "encoding": "HEX", "events": events}
    b.update(kw)
    return {k: v for k, v in b.items() if v is not None}


def user_data(*ids):
    return {"userIdentifiers": list(ids) or [{"emailAddress": EMAIL_HASH}]}


class DMCase(EmulatorCase):

    def ingest(self, events, dests=None, token=TOKEN, headers=None, **kw):
        return self.emu.post_json("/v1/events:ingest",
                                  ingest_body(events, dests, **kw), token,
                                  headers)

    def status(self, rid, token=TOKEN, query=None):
        q = query if query is not None else "requestId=" + rid
        h = {"Authorization": "Bearer " + token} if token else {}
        return self.emu.request("GET", "/v1/requestStatus:retrieve?" + q,
                                None, h)

    def conversions(self):
        return self.emu.admin("GET", "conversions")[1]["conversions"]

    def dm_ok(self, r):
        self.assertEqual(r.status, 200, r.data.decode(errors="replace"))
        self.assertRegex(r.rid, RID_RE)
        self.assertEqual(r.json, {"requestId": r.rid})
        return r.rid

    def violations(self, r):
        """(reason of ErrorInfo, [(field, reason)]) of a fast-fail 400,
        checking the whole shape."""
        self.assertEqual(r.status, 400, r.data)
        e = r.json["error"]
        self.assertEqual((e["code"], e["message"], e["status"]),
                         (400, "There was a problem with the request.",
                          "INVALID_ARGUMENT"))
        info, bad, req = e["details"]
        self.assertEqual(info["@type"],
                         "type.googleapis.com/google.rpc.ErrorInfo")
        self.assertEqual((info["domain"], info["metadata"]), (DM_DOMAIN, {}))
        self.assertEqual(bad["@type"],
                         "type.googleapis.com/google.rpc.BadRequest")
        self.assertEqual(req, {
            "@type": "type.googleapis.com/google.rpc.RequestInfo",
            "requestId": r.rid})
        self.assertRegex(r.rid, RID_RE)
        fv = bad["fieldViolations"]
        self.assertEqual(info["reason"], fv[0]["reason"])
        for v in fv:
            self.assertEqual(set(v), {"field", "description", "reason"})
            self.assertTrue(v["description"])
        return [(v["field"], v["reason"]) for v in fv]

    def advance(self, seconds):
        self.emu.admin("POST", "clock", {"advance": seconds})


class TestDataManager(DMCase):

    def test_success_shape_ledger_and_log(self):
        ev = event(transactionId="ORD-1", eventSource="WEB",
                   userData=user_data({"emailAddress": EMAIL_HASH},
                                      {"phoneNumber": PHONE_HASH.upper()},
                                      {"address": {
                                          "givenName": NAME_HASH,
                                          "familyName": HEX_B,
                                          "regionCode": "DE",
                                          "postalCode": "10117"}}),
                   consent={"adUserData": "CONSENT_GRANTED",
                            "adPersonalization": "CONSENT_DENIED"},
                   eventDeviceInfo={"userAgent": "Mozilla/5.0"},
                   cartData={"items": [{"merchantProductId": "SKU",
                                        "quantity": "2", "unitPrice": 4}]},
                   userProperties={"customerType": "NEW"})
        login = {"accountType": "GOOGLE_ADS", "accountId": "1112223333"}
        r = self.ingest([ev], [dest(loginAccount=login)])
        rid = self.dm_ok(r)
        self.assertEqual(r.headers["request-id"], rid)
        led = self.emu.ledger()
        self.assertEqual(led, [{
            "time": led[0]["time"], "kind": "event", "api": "datamanager",
            "customer": CID, "action_id": "4242", "transaction_id": "ORD-1",
            "click_id_type": "gclid", "click_id": ev["adIdentifiers"]["gclid"],
            "event_timestamp": ev["eventTimestamp"], "event_source": "WEB",
            "value": 12.5, "currency": "EUR", "user_identifiers": 3,
            "consent": {"adUserData": "CONSENT_GRANTED",
                        "adPersonalization": "CONSENT_DENIED"},
            "effect": "created", "processing_error": None,
            "request_id": rid}])
        # no hash anywhere in the ledger or the state
        text = json.dumps(led) + json.dumps(self.conversions())
        for h in (EMAIL_HASH, PHONE_HASH.upper(), NAME_HASH, HEX_B):
            self.assertNotIn(h, text)
        c, = self.conversions()
        self.assertEqual(c, {
            "customer": CID, "action_id": "4242", "transaction_id": "ORD-1",
            "click_id_type": "gclid", "click_id": ev["adIdentifiers"]["gclid"],
            "event_timestamp": ev["eventTimestamp"], "event_source": "WEB",
            "value": 12.5, "currency": "EUR", "user_identifiers": 3,
            "consent": led[0]["consent"], "enhanced": False,
            "restatements": 0, "request_id": rid,
            "updated_request_id": None})
        log = self.emu.admin("GET", "requests")[1]["requests"]
        e = log[-1]
        self.assertEqual((e["method"], e["path"], e["status"],
                          e["request_id"]),
                         ("POST", "/v1/events:ingest", 200, rid))
        self.assertEqual(e["headers"]["authorization"], "Bearer <redacted>")
        self.assertEqual(e["body"]["events"][0]["transactionId"], "ORD-1")
        # the ledger endpoint keeps both APIs' lines
        self.assertOk(self.emu.upload([conv()]))
        self.assertEqual([x["kind"] for x in self.emu.ledger()],
                         ["event", "click"])

    def test_parse_errors(self):
        def parse_error(r, field, desc):
            self.assertEqual(r.status, 400, r.data)
            self.assertIsNone(r.rid)
            self.assertEqual(r.json, {"error": {
                "code": 400, "message": desc, "status": "INVALID_ARGUMENT",
                "details": [{
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": field,
                                         "description": desc}]}]}})

        r = self.ingest([event(), event(foo=1)])
        parse_error(r, "events[1]", 'Invalid JSON payload received. Unknown '
                    'name "foo" at \'events[1]\': Cannot find field.')
        r = self.ingest([event(userData={"userIdentifiers": [
            {"emailAddress": EMAIL_HASH, "hashedEmail": EMAIL_HASH}]})])
        parse_error(r, "events[0].user_data.user_identifiers[0]",
                    'Invalid JSON payload received. Unknown name '
                    '"hashedEmail" at \'events[0].user_data.user_identifiers'
                    '[0]\': Cannot find field.')
        r = self.ingest([event(eventTimestamp="2026-05-26 19:32:18+02:00")])
        parse_error(r, "events[0].event_timestamp",
                    "Invalid value at 'events[0].event_timestamp' "
                    "(type.googleapis.com/google.protobuf.Timestamp), "
                    '"2026-05-26 19:32:18+02:00"')
        r = self.ingest([event(eventSource="RADIO")])
        parse_error(r, "events[0].event_source",
                    "Invalid value at 'events[0].event_source' "
                    "(type.googleapis.com/google.ads.datamanager.v1."
                    'EventSource), "RADIO"')
        r = self.ingest([event(conversionValue="12,5")])
        self.assertEqual(r.json["error"]["details"][0]["fieldViolations"][0]
                         ["field"], "events[0].conversion_value")
        r = self.ingest([event(userData={"userIdentifiers": [
            {"emailAddress": EMAIL_HASH, "phoneNumber": PHONE_HASH}]})])
        self.assertEqual(r.status, 400)
        self.assertIn("Oneof field 'identifier' is already set",
                      r.json["error"]["message"])
        for bad in ("2026-02-30T00:00:00Z", "2026-05-26T19:32:18",
                    "2026-05-26T19:32:18+2:00", "2026-05-26t19:32:18z"):
            self.assertEqual(self.ingest([event(eventTimestamp=bad)]).status,
                             400, bad)
        r = self.emu.post_json("/v1/events:ingest", None, raw=b"[1]")
        self.assertEqual(r.status, 400)
        r = self.emu.post_json("/v1/events:ingest", None, raw=b"{",
                               headers={"Content-Type": "text/plain"})
        self.assertIn("Unexpected Content-Type", r.json["error"]["message"])
        # proto names, enum numbers, int64 strings, offsets, fractions,
        # NaN strings are all proto3 JSON
        ev = {"destination_references": ["4242"],
              "transaction_id": "PN-1",
              "event_timestamp": dm_stamp(-DAY, tz=-5)[:-6] + ".123456789-05:00",
              "ad_identifiers": {"gclid": "g-proto-names"},
              "conversion_value": "7.5", "currency": "USD",
              "event_source": 4, "cart_data": {"items": [{"quantity": 3}]},
              "consent": {"ad_user_data": 1}}
        body = {"destinations": [{"reference": "4242", "operating_account": {
            "account_type": 1, "account_id": CID},
            "product_destination_id": "4242"}],
            "events": [ev], "validate_only": False}
        r = self.emu.post_json("/v1/events:ingest", body)
        rid = self.dm_ok(r)
        line, = self.emu.ledger()
        self.assertEqual((line["transaction_id"], line["event_source"],
                          line["value"], line["consent"], line["request_id"]),
                         ("PN-1", "PHONE", 7.5,
                          {"adUserData": "CONSENT_GRANTED"}, rid))
        self.assertEqual(self.emu.ledger(), [line])

    def test_each_validation_reason_and_field(self):
        no_ids = event()
        del no_ids["adIdentifiers"]
        cases = [
            # (request, field, reason)
            (ingest_body([event(destinationReferences=None)], []),
             "destinations", "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(destinationReferences=[])],
                         [dest(str(4000 + i)) for i in range(11)]),
             "destinations", "TOO_MANY_DESTINATIONS"),
            (ingest_body([event()], [dest(operatingAccount=None)]),
             "destinations[0].operating_account", "REQUIRED_FIELD_MISSING"),
            (ingest_body([event()], [dest(operatingAccount={
                "accountId": CID})]),
             "destinations[0].operating_account.account_type",
             "REQUIRED_FIELD_MISSING"),
            (ingest_body([event()], [dest(operatingAccount={
                "accountId": CID, "accountType": "DATA_PARTNER"})]),
             "destinations[0].operating_account.account_type",
             "DESTINATION_ACCOUNT_TYPE_MISMATCH"),
            (ingest_body([event()], [dest(account="123-456-7890")]),
             "destinations[0].operating_account.account_id",
             "INVALID_FORMAT"),
            (ingest_body([event()], [dest(operatingAccount={
                "accountType": "GOOGLE_ADS"})]),
             "destinations[0].operating_account.account_id",
             "REQUIRED_FIELD_MISSING"),
            (ingest_body([event()], [dest(loginAccount={
                "accountType": "GOOGLE_ADS", "accountId": "111222333"})]),
             "destinations[0].login_account.account_id", "INVALID_FORMAT"),
            (ingest_body([event()], [dest(loginAccount={
                "accountType": "DATA_PARTNER", "accountId": "1112223333"})]),
             "destinations[0].login_account.account_type",
             "DESTINATION_ACCOUNT_TYPE_MISMATCH"),
            (ingest_body([event()], [dest(linkedAccount={
                "accountType": "GOOGLE_ADS", "accountId": "1112223333"})]),
             "destinations[0].linked_account",
             "LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT"),
            (ingest_body([event()], [dest(productDestinationId=None)]),
             "destinations[0].product_destination_id",
             "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(destinationReferences=["x"])],
                         [dest("x", "987654321")]),
             "destinations[0].product_destination_id",
             "INVALID_CONVERSION_ACTION_ID"),
            (ingest_body([event()], [dest(
                productDestinationId="customers/1/conversionActions/4242")]),
             "destinations[0].product_destination_id",
             "INVALID_CONVERSION_ACTION_ID"),
            (ingest_body([event()], [dest(), dest("4242", "4243")]),
             "destinations[1].reference", "DUPLICATE_DESTINATION_REFERENCE"),
            (ingest_body([]), "events", "REQUIRED_FIELD_MISSING"),
            (ingest_body([event()] * 2001), "events", "TOO_MANY_EVENTS"),
            (ingest_body([event(), event(eventTimestamp=None)]),
             "events[1].event_timestamp", "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(destinationReferences=["4242", "nope"])]),
             "events[0].destination_references[1]", "INVALID_ARGUMENT"),
            (ingest_body([no_ids]), "events[0]", "NO_IDENTIFIERS_PROVIDED"),
            (ingest_body([event(userData=user_data(*[
                {"emailAddress": EMAIL_HASH}] * 11))]),
             "events[0].user_data.user_identifiers",
             "TOO_MANY_USER_IDENTIFIERS"),
            (ingest_body([event(userData={"userIdentifiers": []})]),
             "events[0].user_data.user_identifiers",
             "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(userData=user_data(
                {"emailAddress": EMAIL_HASH}, {"emailAddress": "x@y.z"}))]),
             "events[0].user_data.user_identifiers[1].email_address",
             "INVALID_SHA256_FORMAT"),
            (ingest_body([event(userData=user_data(
                {"phoneNumber": "+4930123456"}))]),
             "events[0].user_data.user_identifiers[0].phone_number",
             "INVALID_SHA256_FORMAT"),
            (ingest_body([event(userData=user_data(
                {"emailAddress": EMAIL_HASH}))], encoding="BASE64"),
             "events[0].user_data.user_identifiers[0].email_address",
             "INVALID_SHA256_FORMAT"),
            (ingest_body([event(userData=user_data(
                {"emailAddress": B64_A}))]),
             "events[0].user_data.user_identifiers[0].email_address",
             "INVALID_SHA256_FORMAT"),
            (ingest_body([event(userData=user_data({"address": {
                "givenName": "john", "familyName": HEX_B,
                "regionCode": "US", "postalCode": "94043"}}))]),
             "events[0].user_data.user_identifiers[0].address.given_name",
             "INVALID_SHA256_FORMAT"),
            (ingest_body([event(userData=user_data({"address": {
                "givenName": NAME_HASH, "regionCode": "US",
                "postalCode": "94043"}}))]),
             "events[0].user_data.user_identifiers[0].address.family_name",
             "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(userData=user_data({"address": {
                "givenName": NAME_HASH, "familyName": HEX_B,
                "regionCode": "USA", "postalCode": "94043"}}))]),
             "events[0].user_data.user_identifiers[0].address.region_code",
             "INVALID_REGION_CODE"),
            (ingest_body([event(userData=user_data({"address": {
                "givenName": NAME_HASH, "familyName": HEX_B,
                "regionCode": "US"}}))]),
             "events[0].user_data.user_identifiers[0].address.postal_code",
             "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(userData=user_data({}))]),
             "events[0].user_data.user_identifiers[0]",
             "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(currency="eur")]), "events[0].currency",
             "INVALID_CURRENCY_CODE"),
            (ingest_body([event(conversionValue=-1)]),
             "events[0].conversion_value", "INVALID_NUMBER_FORMAT"),
            (ingest_body([event(conversionValue="NaN")]),
             "events[0].conversion_value", "INVALID_NUMBER_FORMAT"),
            (ingest_body([event(conversionValue="Infinity")]),
             "events[0].conversion_value", "INVALID_NUMBER_FORMAT"),
            (ingest_body([event(adIdentifiers={"gclid": "a b"})]),
             "events[0].ad_identifiers.gclid", "INVALID_FORMAT"),
            (ingest_body([event(adIdentifiers={"gbraid": ""})]),
             "events[0].ad_identifiers.gbraid", "INVALID_FORMAT"),
            (ingest_body([event(adIdentifiers={"wbraid": "w" * 513})]),
             "events[0].ad_identifiers.wbraid", "INVALID_FORMAT"),
            (ingest_body([event(consent={"adUserData": 7})]),
             "events[0].consent.ad_user_data", "INVALID_ENUM_VALUE"),
            (ingest_body([event()], consent={"adPersonalization": 3}),
             "consent.ad_personalization", "INVALID_ENUM_VALUE"),
            (ingest_body([event(eventSource=9)]), "events[0].event_source",
             "INVALID_ENUM_VALUE"),
            (ingest_body([event(userData=user_data())], encoding=None),
             "encoding", "REQUIRED_FIELD_MISSING"),
            (ingest_body([event(userData=user_data())],
                         encoding="ENCODING_UNSPECIFIED"),
             "encoding", "REQUIRED_FIELD_MISSING"),
            (ingest_body([event()], encryptionInfo={"gcpWrappedKeyInfo": {
                "keyType": "XCHACHA20_POLY1305"}}),
             "encryption_info", "INVALID_ARGUMENT"),
        ]
        for body, field, reason in cases:
            with self.subTest(field=field, reason=reason):
                r = self.emu.post_json("/v1/events:ingest", body)
                self.assertEqual(self.violations(r), [(field, reason)])
        self.assertEqual(self.emu.ledger(), [])
        # accepted: upper- and lower-case hex, base64 with BASE64, no
        # encoding without user data, an event without references going to
        # every destination, 2000 events, 10 destinations
        self.dm_ok(self.ingest([event(userData=user_data(
            {"emailAddress": EMAIL_HASH.upper()}, {"phoneNumber": PHONE_HASH}))
        ]))
        self.dm_ok(self.ingest([event(userData=user_data(
            {"emailAddress": B64_A}, {"emailAddress": B64_A.rstrip("=")}))],
            encoding="BASE64"))
        self.dm_ok(self.ingest([event()], encoding=None))
        self.dm_ok(self.ingest([event(destinationReferences=None)],
                               [dest(str(4000 + i)) for i in range(10)]))
        self.assertEqual(len(self.emu.ledger()), 13)
        self.dm_ok(self.ingest([event() for _ in range(2000)]))

    def test_fast_fail_collects_everything_and_ingests_nothing(self):
        bad = event(currency="euro", userData=user_data(
            {"emailAddress": "not-a-hash"}))
        r = self.ingest([event(), bad, event(eventTimestamp=None)],
                        [dest(), dest("4243", loginAccount={
                            "accountType": "GOOGLE_ADS", "accountId": "1"})],
                        encoding=None)
        self.assertEqual(self.violations(r), [
            ("destinations[1].login_account.account_id", "INVALID_FORMAT"),
            ("events[1].currency", "INVALID_CURRENCY_CODE"),
            ("events[2].event_timestamp", "REQUIRED_FIELD_MISSING"),
            ("encoding", "REQUIRED_FIELD_MISSING")])
        self.assertEqual(r.json["error"]["details"][0]["reason"],
                         "INVALID_FORMAT")
        self.assertEqual(r.headers["request-id"], r.rid)
        r = self.ingest([event(), bad])
        self.assertEqual(self.violations(r), [
            ("events[1].user_data.user_identifiers[0].email_address",
             "INVALID_SHA256_FORMAT"),
            ("events[1].currency", "INVALID_CURRENCY_CODE")])
        self.assertEqual((self.emu.ledger(), self.conversions()), ([], []))
        # the fast-fail answer's id is no request status
        st = self.status(r.rid)
        self.assertEqual(self.violations(st), [("request_id",
                                                "INVALID_REQUEST_ID")])

    def test_validate_only(self):
        r = self.ingest([event(transactionId="V-1")], validateOnly=True)
        self.assertEqual((r.status, r.json), (200, {}))
        self.assertRegex(r.rid, RID_RE)
        self.assertEqual((self.emu.ledger(), self.conversions()), ([], []))
        self.assertEqual(self.violations(self.status(r.rid)),
                         [("request_id", "INVALID_REQUEST_ID")])
        r = self.ingest([event(currency="x")], validateOnly=True)
        self.assertEqual(self.violations(r), [("events[0].currency",
                                               "INVALID_CURRENCY_CODE")])
        # nothing was recorded: the same event is new afterwards
        self.dm_ok(self.ingest([event(transactionId="V-1")]))
        self.assertEqual([l["effect"] for l in self.emu.ledger()],
                         ["created"])

    def test_adjustment_effects(self):
        t = dm_stamp(-2 * DAY, tz=1)
        gclid = {"gclid": "G-adj"}
        first = event(transactionId="A-1", eventTimestamp=t,
                      adIdentifiers=gclid, conversionValue=10.0,
                      currency="EUR")
        ud = user_data({"emailAddress": EMAIL_HASH})
        rids = [self.dm_ok(self.ingest([first]))]
        steps = [
            (dict(first), "unchanged"),                    # identical
            (dict(first, conversionValue=20.0), "restated"),
            (dict(first, conversionValue=20.0, currency="USD"), "restated"),
            (dict(first, conversionValue=20.0, currency="USD",
                  userData=ud), "enhanced"),
            (dict(first, conversionValue=20.0, currency="USD",
                  userData=user_data({"phoneNumber": PHONE_HASH})),
             "unchanged"),                  # user data only if it had none
            (dict(first, conversionValue=20.0, currency="USD",
                  userData=ud), "unchanged"),              # identical
            # a gclid-keyed event (no transaction id) with the same click
            # and time
            (dict(first, transactionId=None), "duplicate"),
        ]
        for ev, effect in steps:
            rids.append(self.dm_ok(self.ingest([ev])))
        led = self.emu.ledger()
        self.assertEqual([l["effect"] for l in led],
                         ["created"] + [e for _, e in steps])
        self.assertEqual([l["processing_error"] for l in led], [
            None, "DUPLICATE_TRANSACTION_ID", None, None, None, None,
            "DUPLICATE_TRANSACTION_ID", "DUPLICATE_GCLID"])
        c, = self.conversions()
        self.assertEqual({k: c[k] for k in (
            "transaction_id", "click_id", "value", "currency",
            "user_identifiers", "enhanced", "restatements", "request_id",
            "updated_request_id", "event_timestamp")}, {
            "transaction_id": "A-1", "click_id": "G-adj", "value": 20.0,
            "currency": "USD", "user_identifiers": 1, "enhanced": True,
            "restatements": 2, "request_id": rids[0],
            "updated_request_id": rids[4], "event_timestamp": t})
        # gclid-keyed events: a new key is created; the same click at the
        # same instant (another offset) is a duplicate; in another action
        # it is a new conversion
        t0 = int(time.time()) - DAY
        z = datetime.datetime.fromtimestamp(t0, datetime.timezone.utc)
        g = event(transactionId=None, adIdentifiers={"gclid": "G-2"},
                  eventTimestamp=z.strftime("%Y-%m-%dT%H:%M:%SZ"))
        same = z.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
        r = self.ingest([g, dict(g, eventTimestamp=same.strftime(
            "%Y-%m-%dT%H:%M:%S+02:00")),
            dict(g, destinationReferences=["4243"])],
            [dest(), dest("4243")])
        self.dm_ok(r)
        self.assertEqual([l["effect"] for l in self.emu.ledger()[-3:]],
                         ["created", "duplicate", "created"])
        # two events of one request: the second adjusts the first
        self.dm_ok(self.ingest([event(transactionId="B-1"),
                                event(transactionId="B-1",
                                      conversionValue=99.0)]))
        self.assertEqual([l["effect"] for l in self.emu.ledger()[-2:]],
                         ["created", "restated"])
        self.assertEqual(len(self.conversions()), 4)

    def test_status_processing_then_final(self):
        old = dm_stamp(-91 * DAY)
        denied = {"adUserData": "CONSENT_DENIED"}
        evs = [
            event(destinationReferences=["a"], transactionId="S-1"),  # ok
            event(destinationReferences=["a"], eventTimestamp=old),   # old
            event(destinationReferences=["a"], adIdentifiers=None,    # denied
                  userData=user_data(), consent=denied),
            event(destinationReferences=["b"], transactionId="S-2"),  # ok
            event(destinationReferences=["c"], eventTimestamp=old),   # old
            event(destinationReferences=["a"], consent=denied),       # ok:
        ]                                                             # gclid
        dests = [dest("a", "4242"), dest("b", "4243"), dest("c", "4244")]
        r = self.ingest(evs, dests, consent=denied)
        rid = self.dm_ok(r)
        # request-level consent applies when the event has none
        r2 = self.ingest([event(destinationReferences=["b"],
                                adIdentifiers=None, userData=user_data(),
                                transactionId="S-3")], dests,
                         consent=denied)
        rid2 = self.dm_ok(r2)
        s = self.status(rid)
        self.assertEqual(s.status, 200, s.data)
        self.assertRegex(s.rid, RID_RE)
        sent = [dest("a", "4242"), dest("b", "4243"), dest("c", "4244")]
        self.assertEqual(s.json, {"requestStatusPerDestination": [
            {"destination": d, "requestStatus": "PROCESSING"}
            for d in sent]})
        self.advance(1799)
        self.assertEqual(self.status(rid).json["requestStatusPerDestination"]
                         [0]["requestStatus"], "PROCESSING")
        self.advance(1)
        self.assertEqual(self.status(rid).json, {
            "requestStatusPerDestination": [
                {"destination": sent[0], "requestStatus": "PARTIAL_SUCCESS",
                 "errorInfo": {"errorCounts": [
                     {"recordCount": "1",
                      "reason": "PROCESSING_ERROR_REASON_EVENT_TOO_OLD"},
                     {"recordCount": "1",
                      "reason": "PROCESSING_ERROR_REASON_DENIED_CONSENT"}]},
                 "eventsIngestionStatus": {"recordCount": "4"}},
                {"destination": sent[1], "requestStatus": "SUCCESS",
                 "eventsIngestionStatus": {"recordCount": "1"}},
                {"destination": sent[2], "requestStatus": "FAILED",
                 "errorInfo": {"errorCounts": [
                     {"recordCount": "1",
                      "reason": "PROCESSING_ERROR_REASON_EVENT_TOO_OLD"}]},
                 "eventsIngestionStatus": {"recordCount": "1"}}]})
        self.assertEqual(self.status(rid2).json[
            "requestStatusPerDestination"], [
            {"destination": sent[0], "requestStatus": "SUCCESS",
             "eventsIngestionStatus": {"recordCount": "0"}},
            {"destination": sent[1], "requestStatus": "FAILED",
             "errorInfo": {"errorCounts": [
                 {"recordCount": "1",
                  "reason": "PROCESSING_ERROR_REASON_DENIED_CONSENT"}]},
             "eventsIngestionStatus": {"recordCount": "1"}},
            {"destination": sent[2], "requestStatus": "SUCCESS",
             "eventsIngestionStatus": {"recordCount": "0"}}])
        led = self.emu.ledger()
        self.assertEqual([(l["effect"], l["processing_error"]) for l in led], [
            ("created", None), ("failed", "EVENT_TOO_OLD"),
            ("failed", "DENIED_CONSENT"), ("created", None),
            ("failed", "EVENT_TOO_OLD"), ("created", None),
            ("failed", "DENIED_CONSENT")])
        self.assertEqual(len(self.conversions()), 3)
        # the log keeps the query
        e = self.emu.admin("GET", "requests")[1]["requests"][-1]
        self.assertEqual((e["method"], e["path"], e["status"]),
                         ("GET", "/v1/requestStatus:retrieve?requestId=" +
                          rid2, 200))
        # duplicates are counted too
        ev = event()
        rid3 = self.dm_ok(self.ingest([ev, ev, dict(ev, transactionId=None)]))
        self.advance(1800)
        self.assertEqual(self.status(rid3).json[
            "requestStatusPerDestination"][0]["errorInfo"], {"errorCounts": [
                {"recordCount": "1", "reason":
                 "PROCESSING_ERROR_REASON_DUPLICATE_GCLID"},
                {"recordCount": "1", "reason":
                 "PROCESSING_ERROR_REASON_DUPLICATE_TRANSACTION_ID"}]})

    def test_invalid_request_id(self):
        for q in ("requestId=nope", "request_id=nope"):
            r = self.status(None, query=q)
            self.assertEqual(self.violations(r), [("request_id",
                                                   "INVALID_REQUEST_ID")])
            self.assertEqual(r.json["error"]["details"][1][
                "fieldViolations"][0]["description"],
                "The request ID used to retrieve the status of a request is "
                "not valid. Status can only be retrieved for requests that "
                "succeed and don't have `validate_only=true`.")
        self.assertEqual(self.violations(self.status(None, query="")),
                         [("request_id", "REQUIRED_FIELD_MISSING")])
        r = self.status(None, query="requestId=x&foo=1")
        self.assertEqual(r.status, 400)
        self.assertIn('Unknown name "foo"', r.json["error"]["message"])
        # a reset forgets request statuses
        rid = self.dm_ok(self.ingest([event()]))
        self.assertEqual(self.status(rid).status, 200)
        self.emu.admin("POST", "reset")
        self.assertEqual(self.status(rid).status, 400)

    def test_auth(self):
        def unauth(r, reason):
            self.assertEqual((r.status, r.json), (401, {"error": {
                "code": 401, "message": DM_UNAUTH_MSG,
                "status": "UNAUTHENTICATED", "details": [{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": reason, "domain": "googleapis.com"}]}}))
        unauth(self.ingest([event()], token=None), "CREDENTIALS_MISSING")
        unauth(self.ingest([event()], token=None,
                           headers={"Authorization": "Basic eDp5"}),
               "CREDENTIALS_MISSING")
        unauth(self.ingest([event()], token="ya29.unknown"),
               "ACCESS_TOKEN_EXPIRED")
        self.emu.admin("POST", "tokens", {"add": [
            {"token": "short", "expires_in": 60}]})
        self.dm_ok(self.ingest([event()], token="short"))
        self.advance(61)
        unauth(self.ingest([event()], token="short"), "ACCESS_TOKEN_EXPIRED")
        unauth(self.status("x", token=None), "CREDENTIALS_MISSING")
        unauth(self.status("x", token="ya29.unknown"), "ACCESS_TOKEN_EXPIRED")
        self.assertEqual(self.emu.ledger()[0]["effect"], "created")
        self.assertEqual(len(self.emu.ledger()), 1)

    def test_scopes_on_both_apis(self):
        def denied(r, service, method):
            self.assertEqual((r.status, r.json), (403, {"error": {
                "code": 403,
                "message": "Request had insufficient authentication scopes.",
                "status": "PERMISSION_DENIED", "details": [{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                    "domain": "googleapis.com",
                    "metadata": {"service": service, "method": method}}]}}))
        self.emu.admin("POST", "tokens", {"add": [
            {"token": "ads-only", "scopes": [ADWORDS]},
            {"token": "dm-only", "scopes": DM_SCOPE},
            {"token": "none", "scopes": ["openid"]},
            "both"]})
        gads = "googleads.googleapis.com"
        pfx = "google.ads.googleads.v25.services."
        dm = "datamanager.googleapis.com"
        dpfx = "google.ads.datamanager.v1.IngestionService."
        for tok in ("dm-only", "none"):
            denied(self.emu.upload([conv()], token=tok), gads,
                   pfx + "ConversionUploadService.UploadClickConversions")
            denied(self.emu.upload_calls([call()], token=tok), gads,
                   pfx + "ConversionUploadService.UploadCallConversions")
            denied(self.emu.upload_adjustments(
                [adjustment("RETRACTION", orderId="x")], token=tok), gads,
                pfx + "ConversionAdjustmentUploadService."
                "UploadConversionAdjustments")
        for tok in ("ads-only", "none"):
            denied(self.ingest([event()], token=tok), dm,
                   dpfx + "IngestEvents")
            denied(self.status("x", token=tok), dm,
                   dpfx + "RetrieveRequestStatus")
        self.assertEqual(self.emu.ledger(), [])
        self.dm_ok(self.ingest([event()], token="dm-only"))
        self.dm_ok(self.ingest([event()], token="both"))
        self.assertOk(self.emu.upload([conv()], token="ads-only"))
        self.assertOk(self.emu.upload([conv()], token="both"))
        self.assertOk(self.emu.upload([conv()]))   # --access-token: both
        self.dm_ok(self.ingest([event()]))


class TestDataManagerFaults(DMCase):

    def dm_error(self, r, code, status, reason, message=None):
        self.assertEqual(r.status, code, r.data)
        self.assertRegex(r.rid, RID_RE)
        e = r.json["error"]
        self.assertEqual((e["code"], e["status"]), (code, status))
        if message:
            self.assertEqual(e["message"], message)
        self.assertEqual(e["details"][0], {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason, "domain": DM_DOMAIN, "metadata": {}})
        self.assertEqual(e["details"][-1], {
            "@type": "type.googleapis.com/google.rpc.RequestInfo",
            "requestId": r.rid})
        self.assertNotIn("GoogleAdsFailure", r.data.decode())
        return e

    def test_server_faults(self):
        self.emu.faults({"kind": "rate_limit", "retry_delay": 7},
                        {"kind": "daily_quota"},
                        {"kind": "internal"},
                        {"kind": "internal", "details": False},
                        {"kind": "transient"},
                        {"kind": "deadline_exceeded"},
                        {"kind": "unavailable"},
                        {"kind": "bad_gateway_html"},
                        {"kind": "token_expired"})
        r = self.ingest([event()])
        e = self.dm_error(r, 429, "RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED",
                          "Resource has been exhausted (e.g. check quota).")
        self.assertEqual(r.headers["Retry-After"], "7")
        self.assertEqual(e["details"][1], {
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": "7s"})
        r = self.ingest([event()])
        self.dm_error(r, 429, "RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED")
        self.assertEqual(r.headers["Retry-After"], "30")
        self.dm_error(self.ingest([event()]), 500, "INTERNAL",
                      "INTERNAL_ERROR", "Internal error encountered.")
        r = self.ingest([event()])
        self.assertEqual((r.status, r.json), (500, {"error": {
            "code": 500, "message": "Internal error encountered.",
            "status": "INTERNAL"}}))
        self.dm_error(self.ingest([event()]), 500, "INTERNAL",
                      "INTERNAL_ERROR")
        self.dm_error(self.ingest([event()]), 504, "DEADLINE_EXCEEDED",
                      "DEADLINE_EXCEEDED")
        r = self.ingest([event()])
        self.assertEqual((r.status, r.json), (503, {"error": {
            "code": 503, "message": "The service is currently unavailable.",
            "status": "UNAVAILABLE"}}))
        r = self.ingest([event()])
        self.assertEqual(r.status, 502)
        self.assertIn(b"Bad Gateway", r.data)
        r = self.ingest([event()])
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json["error"]["details"][0]["reason"],
                         "ACCESS_TOKEN_EXPIRED")
        self.assertEqual(self.emu.ledger(), [])
        self.dm_ok(self.ingest([event()]))
        log = self.emu.admin("GET", "requests")[1]["requests"]
        self.assertEqual([e.get("fault") for e in log], [
            "rate_limit", "daily_quota", "internal", "internal", "transient",
            "deadline_exceeded", "unavailable", "bad_gateway_html",
            "token_expired", None])

    def test_reset_slow_and_executed_then_dropped(self):
        ev = event(transactionId="X-1")
        self.emu.faults({"kind": "reset"})
        with self.assertRaises(NETWORK_ERRORS):
            self.ingest([ev])
        self.assertEqual(self.emu.ledger(), [])
        self.emu.faults({"kind": "executed_then_dropped"})
        with self.assertRaises(NETWORK_ERRORS):
            self.ingest([ev])
        self.assertEqual([l["effect"] for l in self.emu.ledger()],
                         ["created"])
        self.dm_ok(self.ingest([ev]))             # the client's retry
        self.assertEqual([(l["effect"], l["processing_error"])
                          for l in self.emu.ledger()],
                         [("created", None),
                          ("unchanged", "DUPLICATE_TRANSACTION_ID")])
        self.emu.faults({"kind": "slow", "seconds": 0.4})
        t0 = time.monotonic()
        self.dm_ok(self.ingest([event()]))
        self.assertGreaterEqual(time.monotonic() - t0, 0.4)

    def test_generic_error(self):
        self.emu.faults({"kind": "error", "endpoint": "datamanager",
                         "status": "PERMISSION_DENIED",
                         "reason": "PERMISSION_DENIED",
                         "message": "The caller does not have permission"},
                        {"kind": "error", "endpoint": "datamanager",
                         "reason": "INVALID_EVENT", "field_violations": [
                             {"field": "events[0]", "description": "bad",
                              "reason": "INVALID_EVENT"}]})
        self.dm_error(self.ingest([event()]), 403, "PERMISSION_DENIED",
                      "PERMISSION_DENIED",
                      "The caller does not have permission")
        e = self.dm_error(self.ingest([event()]), 400, "INVALID_ARGUMENT",
                          "INVALID_EVENT")
        self.assertEqual(e["details"][1]["fieldViolations"], [
            {"field": "events[0]", "description": "bad",
             "reason": "INVALID_EVENT"}])

    def test_endpoint_targeting(self):
        # "googleads" faults skip Data Manager requests and vice versa;
        # "upload" faults take the next request of either API; row_error
        # and concurrent_modification wait for a Google Ads request
        self.emu.faults({"kind": "internal", "endpoint": "googleads"},
                        {"kind": "row_error", "row": 0},
                        {"kind": "unavailable", "endpoint": "datamanager"},
                        {"kind": "deadline_exceeded"})
        self.assertEqual(self.ingest([event()]).status, 503)
        self.assertEqual(self.ingest([event()]).status, 504)
        self.dm_ok(self.ingest([event()]))
        self.assertEqual(self.emu.upload([conv()]).status, 500)
        r = self.emu.upload([conv()])
        self.assertEqual(r.json["results"], [{}])
        self.assertEqual(self.emu.admin("GET", "faults")[1], {"faults": []})
        # status polls take "status" faults only
        self.emu.faults({"kind": "rate_limit", "endpoint": "status"},
                        {"kind": "internal", "endpoint": "datamanager"})
        r = self.status("x")
        self.assertEqual(r.status, 429)
        self.assertEqual(self.status("x").status, 400)
        self.assertEqual(self.ingest([event()]).status, 500)
        for bad in ({"kind": "row_error", "endpoint": "datamanager"},
                    {"kind": "bad_event", "endpoint": "googleads"},
                    {"kind": "not_allowlisted", "endpoint": "datamanager"},
                    {"kind": "executed_then_dropped", "endpoint": "status"},
                    {"kind": "internal", "endpoint": "nowhere"}):
            self.assertEqual(self.emu.admin("POST", "faults", [bad])[0], 400,
                             bad)

    def test_bad_event_named(self):
        self.emu.faults({"kind": "bad_event", "transaction_ids": ["E-2",
                                                                   "E-9"],
                         "reason": "INVALID_FORMAT",
                         "field": "transaction_id"})
        self.assertEqual(self.emu.admin("GET", "faults")[1]["faults"][0]
                         ["count"], 1000000)
        # requests without such an event pass and use nothing up
        self.dm_ok(self.ingest([event(transactionId="E-1")]))
        evs = [event(transactionId="E-%d" % i) for i in range(1, 10)]
        r = self.ingest(evs)
        self.assertEqual(self.violations(r), [
            ("events[1].transaction_id", "INVALID_FORMAT"),
            ("events[8].transaction_id", "INVALID_FORMAT")])
        self.assertEqual(len(self.emu.ledger()), 1)
        # the client drops them and resends the rest
        self.dm_ok(self.ingest([e for i, e in enumerate(evs)
                                if i not in (1, 8)]))
        self.assertEqual(len(self.emu.ledger()), 8)
        # it goes on failing such events; a real violation comes too
        r = self.ingest([evs[1], event(currency="x")])
        self.assertEqual(self.violations(r), [
            ("events[1].currency", "INVALID_CURRENCY_CODE"),
            ("events[0].transaction_id", "INVALID_FORMAT")])
        self.assertEqual(self.emu.admin("GET", "faults")[1]["faults"][0]
                         ["count"], 1000000 - 2)

    def test_bad_event_unnamed_and_counted(self):
        self.emu.faults({"kind": "bad_event", "transaction_ids": ["U-3"],
                         "reason": "INVALID_EVENT", "name_events": False,
                         "count": 2},
                        {"kind": "bad_event", "transaction_ids": ["U-1"],
                         "field": "user_data.user_identifiers[0]",
                         "reason": "INVALID_SHA256_FORMAT"})
        evs = [event(transactionId="U-%d" % i) for i in range(4)]
        for _ in range(2):
            r = self.ingest(evs)
            self.assertEqual(r.status, 400)
            self.assertEqual(r.json["error"]["details"], [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                 "reason": "INVALID_EVENT", "domain": DM_DOMAIN,
                 "metadata": {}},
                {"@type": "type.googleapis.com/google.rpc.RequestInfo",
                 "requestId": r.rid}])
        # the first fault is used up; the second names its event
        r = self.ingest(evs)
        self.assertEqual(self.violations(r), [
            ("events[1].user_data.user_identifiers[0]",
             "INVALID_SHA256_FORMAT")])
        r = self.ingest([evs[0], evs[2], evs[3]])
        self.dm_ok(r)
        self.assertEqual(len(self.emu.ledger()), 3)


class TestNotAllowlisted(DMCase):

    @classmethod
    def emulator_args(cls):
        return ("--not-allowlisted", "1111111111",
                "--not-allowlisted", "2222222222")

    def assertNotAllowlisted(self, r):
        self.assertEqual(r.json, ads_error_body(
            403, "PERMISSION_DENIED", r.rid, [{
                "errorCode": {"notAllowlistedError":
                              "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"},
                "message": "The customer is not allowlisted for this "
                           "feature."}],
            message="The caller does not have permission"))
        self.assertRegex(r.rid, RID_RE)

    def test_option_admin_and_fault(self):
        def action(cid):
            return "customers/%s/conversionActions/4242" % cid
        for cid in ("1111111111", "2222222222"):
            self.assertNotAllowlisted(self.emu.upload(
                [conv(conversionAction=action(cid))], cid=cid))
        # calls, adjustments and Data Manager are not concerned
        self.assertOk(self.emu.upload_calls(
            [call(conversionAction=action("1111111111"))], cid="1111111111"))
        self.dm_ok(self.ingest([event()], [dest(account="1111111111")]))
        self.assertEqual(self.emu.admin("GET", "allowlist")[1],
                         {"not_allowlisted": ["1111111111", "2222222222"]})
        st, body = self.emu.admin("POST", "allowlist", {
            "allow": ["1111111111"], "deny": [CID]})
        self.assertEqual(body, {"not_allowlisted": ["1234567890",
                                                    "2222222222"]})
        self.assertOk(self.emu.upload([conv(
            conversionAction=action("1111111111"))], cid="1111111111"))
        self.assertNotAllowlisted(self.emu.upload([conv()]))
        self.emu.admin("POST", "reset")
        self.assertOk(self.emu.upload([conv()]))
        # the fault: the next click upload, whoever the customer
        self.emu.faults({"kind": "not_allowlisted", "endpoint": "googleads"})
        self.assertOk(self.emu.upload_calls([call()]))
        self.dm_ok(self.ingest([event()]))
        self.assertNotAllowlisted(self.emu.upload([conv()]))
        self.assertOk(self.emu.upload([conv()]))
        self.assertEqual([l["kind"] for l in self.emu.ledger()],
                         ["click", "call", "event", "click"])


class TestDataManagerOptions(DMCase):

    @classmethod
    def emulator_args(cls):
        return ("--dm-processing-seconds", "0",
                "--refresh-token-scope", DM_SCOPE)

    def test_processing_time_and_refresh_scope(self):
        rid = self.dm_ok(self.ingest([event()]))
        self.assertEqual(self.status(rid).json["requestStatusPerDestination"]
                         [0]["requestStatus"], "SUCCESS")
        r = self.emu.refresh()
        self.assertEqual(r.json["scope"], DM_SCOPE)
        tok = r.json["access_token"]
        self.dm_ok(self.ingest([event()], token=tok))
        self.assertEqual(self.emu.upload([conv()], token=tok).status, 403)
        # a refresh may not widen the grant, may narrow it
        r = self.emu.refresh(scope=ADWORDS)
        self.assertEqual((r.status, r.json["error"]), (400, "invalid_scope"))
        self.emu.admin("POST", "tokens", {"refresh_token": {
            "refresh_token": "1//both", "scope": ADWORDS + "  " + DM_SCOPE}})
        r = self.emu.refresh(refresh_token="1//both", scope=ADWORDS)
        self.assertEqual(r.json["scope"], ADWORDS)
        self.assertOk(self.emu.upload([conv()],
                                      token=r.json["access_token"]))
        self.assertEqual(self.ingest([event()], token=r.json[
            "access_token"]).status, 403)
        r = self.emu.refresh(refresh_token="1//both")
        self.assertEqual(r.json["scope"], ADWORDS + " " + DM_SCOPE)
        self.emu.admin("POST", "tokens", {"refresh_token": "1//plain"})
        self.assertEqual(self.emu.refresh(refresh_token="1//plain").json[
            "scope"], ADWORDS + " " + DM_SCOPE)

    def test_state_survives_restart(self):
        tmp = tempfile.mkdtemp(prefix="gads-test-")
        try:
            emu = Emulator(tmp, "--dm-processing-seconds", "0")
            try:
                self.emu, saved = emu, self.emu
                ev = event(transactionId="R-1")
                g = event(transactionId=None)
                rid = self.dm_ok(self.ingest([ev, g]))
                self.dm_ok(self.ingest([dict(ev, conversionValue=1.0,
                                             userData=user_data())]))
                before = self.conversions()
            finally:
                emu.stop()
            emu = Emulator(tmp, "--dm-processing-seconds", "0")
            try:
                self.emu = emu
                self.assertEqual(self.conversions(), before)
                self.assertEqual(self.status(rid).json[
                    "requestStatusPerDestination"][0]["eventsIngestionStatus"],
                    {"recordCount": "2"})
                self.dm_ok(self.ingest([dict(ev, conversionValue=1.0), g]))
                self.assertEqual([(l["effect"], l["processing_error"])
                                  for l in self.emu.ledger()], [
                    ("created", None), ("created", None),
                    ("restated", None), ("unchanged", None),
                    ("duplicate", "DUPLICATE_GCLID")])
                c = self.conversions()[0]
                self.assertEqual((c["value"], c["enhanced"],
                                  c["restatements"]), (1.0, True, 1))
            finally:
                self.emu = saved
                emu.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class TestScopeGrants(LoginCase):

    def test_consent_scopes(self):
        for scope, ads, dm in ((ADWORDS, 200, 403), (DM_SCOPE, 403, 200),
                               ("openid %s %s" % (DM_SCOPE, ADWORDS), 200,
                                200)):
            code, verifier, q = self.login(scope=scope)
            self.assertEqual(q["scope"], scope)
            r = self.exchange(code, verifier)
            self.assertEqual(r.json["scope"], scope)
            tok = r.json["access_token"]
            self.assertEqual(self.emu.upload([conv()], token=tok).status, ads)
            r = self.emu.post_json("/v1/events:ingest",
                                   ingest_body([event()]), tok)
            self.assertEqual(r.status, dm, r.data)
        r = self.auth(scope="openid email")
        _, q = query_of(r.headers["Location"])
        self.assertEqual(q["error"], "invalid_scope")


if __name__ == "__main__":
    unittest.main()


class TestSearch(EmulatorCase):
    """googleAds:search and searchStream (tests/mock/gaql.py)."""

    def search(self, query=None, cid=CID, stream=False, token=TOKEN,
               headers=None, **fields):
        body = dict(fields)
        if query is not None:
            body["query"] = query
        return self.emu.post_json("/v25/customers/%s/googleAds:%s" % (
            cid, "searchStream" if stream else "search"), body, token,
            headers)

    def rows(self, query, **kw):
        r = self.search(query, **kw)
        body = self.assertOk(r)
        return body.get("results", [])

    def assertQueryError(self, query, code, stream=False):
        r = self.search(query, stream=stream)
        self.assertEqual(r.status, 400, r.data)
        body = r.json[0] if stream else r.json
        self.assertEqual(body["error"]["status"], "INVALID_ARGUMENT")
        errs = body["error"]["details"][0]["errors"]
        self.assertEqual(errs[0]["errorCode"], {"queryError": code}, query)
        self.assertEqual(body["error"]["details"][0]["requestId"], r.rid)

    def test_parser_refusals(self):
        for q, code in [
                ("", None),
                ("customer.id FROM customer", "EXPECTED_SELECT"),
                ("SELECT customer.id", "UNEXPECTED_END_OF_QUERY"),
                ("SELECT customer.id customer", "EXPECTED_FROM"),
                ("SELECT customer.id FROM campaign",
                 "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
                ("SELECT customer.nope FROM customer", "UNRECOGNIZED_FIELD"),
                ("SELECT campaign.id FROM customer", "UNRECOGNIZED_FIELD"),
                ("SELECT customer.conversion_tracking_setting FROM customer",
                 "UNRECOGNIZED_FIELD"),
                ("SELECT conversion_action.id FROM customer",
                 "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE"),
                ("SELECT customer.id FROM customer WHERE "
                 "conversion_action.id = 1",
                 "PROHIBITED_RESOURCE_TYPE_IN_WHERE_CLAUSE"),
                ("SELECT customer.id FROM customer WHERE customer.id IN 1",
                 "EXPECTED_LIST"),
                ("SELECT customer.id FROM customer WHERE customer.id IN ()",
                 "PROHIBITED_EMPTY_LIST_IN_CONDITION"),
                ("SELECT customer.id FROM customer WHERE customer.status = "
                 "OPEN", "BAD_ENUM_CONSTANT"),
                ("SELECT customer.id FROM customer WHERE "
                 "customer.descriptive_name = 5", "INVALID_STRING_VALUE"),
                ("SELECT customer.id FROM customer WHERE customer.id LIKE "
                 "'1%'", "OPERATOR_FIELD_MISMATCH"),
                ("SELECT customer.id FROM customer WHERE customer.id DURING "
                 "LAST_7_DAYS", "OPERATOR_FIELD_MISMATCH"),
                ("SELECT customer.id FROM customer WHERE customer.id = 1 OR "
                 "customer.id = 2", "UNEXPECTED_INPUT"),
                ("SELECT customer.id FROM customer WHERE "
                 "customer.descriptive_name = 'open", "STRING_NOT_TERMINATED"),
                ("SELECT customer.id FROM customer LIMIT x",
                 "BAD_LIMIT_VALUE"),
                ("SELECT customer.id FROM customer LIMIT 0",
                 "LIMIT_VALUE_TOO_LOW"),
                ("SELECT customer.id FROM customer ORDER customer.id",
                 "EXPECTED_BY"),
                ("SELECT customer.id FROM customer WHERE customer.id ~ 1",
                 "UNEXPECTED_INPUT"),
                ("SELECT customer.id FROM customer WHERE customer.id = 1 é",
                 "BAD_SYMBOL"),
                ("SELECT offline_conversion_upload_client_summary.client FROM "
                 "offline_conversion_upload_client_summary WHERE "
                 "offline_conversion_upload_client_summary.alerts = 1",
                 "PROHIBITED_FIELD_IN_WHERE_CLAUSE"),
                ("SELECT offline_conversion_upload_client_summary.client FROM "
                 "offline_conversion_upload_client_summary ORDER BY "
                 "offline_conversion_upload_client_summary.alerts",
                 "PROHIBITED_FIELD_IN_ORDER_BY_CLAUSE")]:
            if code is None:
                r = self.search(q)
                self.assertEqual(r.status, 400)
                self.assertEqual(r.json["error"]["details"][0]["errors"][0][
                    "errorCode"], {"requestError": "REQUIRED_FIELD_MISSING"})
                continue
            self.assertQueryError(q, code)
        # searchStream: the same error, inside a JSON array
        self.assertQueryError("SELECT x FROM y",
                              "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", stream=True)

    def test_request_refusals(self):
        q = "SELECT customer.id FROM customer"
        r = self.search(q, pageSize=100)
        self.assertEqual(r.status, 400)
        e = r.json["error"]["details"][0]["errors"][0]
        self.assertEqual(e["errorCode"],
                         {"requestError": "PAGE_SIZE_NOT_SUPPORTED"})
        # unknown request fields: the front end's BadRequest
        r = self.search(q, pageTokens="x")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["error"]["details"][0]["@type"],
                         "type.googleapis.com/google.rpc.BadRequest")
        # searchStream has no page token
        r = self.search(q, stream=True, pageToken="x")
        self.assertEqual(r.status, 400)
        r = self.search(q, pageToken="nope")
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"requestError": "INVALID_PAGE_TOKEN"})
        r = self.search(q, pageToken="nope", validateOnly=True)
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"requestError":
                           "VALIDATE_ONLY_REQUEST_HAS_PAGE_TOKEN"})
        r = self.search(q, cid="123-456-7890")
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"requestError": "INVALID_CUSTOMER_ID"})

    def test_auth_scope_and_access(self):
        q = "SELECT customer.id FROM customer"
        r = self.search(q, token=None)
        self.assertEqual(r.status, 401)
        r = self.search(q, token="unknown")
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"authenticationError": "OAUTH_TOKEN_INVALID"})
        self.emu.admin("POST", "tokens", {"add": [{
            "token": "dm-only", "scopes": ["https://www.googleapis.com/auth/"
                                           "datamanager"]}]})
        r = self.search(q, token="dm-only")
        self.assertEqual(r.status, 403)
        d = r.json["error"]["details"][0]
        self.assertEqual(d["reason"], "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        self.assertEqual(d["metadata"]["method"],
                         "google.ads.googleads.v25.services.GoogleAdsService."
                         "Search")
        # reachable only through a manager
        self.emu.admin("POST", "customers", {"add": [
            {"id": CID, "login_customers": ["1112223334"]},
            {"id": "5555555555", "denied": True},
            {"id": "6666666666", "status": "CANCELED"}]})
        r = self.search(q)
        self.assertEqual(r.status, 403)
        e = r.json["error"]["details"][0]["errors"][0]
        self.assertEqual(e["errorCode"],
                         {"authorizationError": "USER_PERMISSION_DENIED"})
        self.assertIn("login-customer-id", e["message"])
        self.assertEqual(len(self.rows(q, headers={
            "login-customer-id": "1112223334"})), 1)
        r = self.search(q, cid="5555555555")
        self.assertEqual(r.status, 403)
        r = self.search(q, cid="6666666666")
        self.assertEqual(r.json["error"]["details"][0]["errors"][0][
            "errorCode"], {"authorizationError": "CUSTOMER_NOT_ENABLED"})
        st, body = self.emu.admin("POST", "customers", {"add": [
            {"id": CID, "bogus": 1}]})
        self.assertEqual(st, 400)

    def test_customer(self):
        q = ("SELECT customer.id, customer.descriptive_name, "
             "customer.conversion_tracking_setting.accepted_customer_data_"
             "terms, customer.conversion_tracking_setting.enhanced_"
             "conversions_for_leads_enabled, customer.conversion_tracking_"
             "setting.conversion_tracking_status, customer.conversion_"
             "tracking_setting.google_ads_conversion_customer, customer."
             "conversion_tracking_setting.cross_account_conversion_tracking_"
             "id FROM customer")
        row, = self.rows(q)
        cts = row["customer"]["conversionTrackingSetting"]
        self.assertEqual(row["customer"]["id"], CID)
        self.assertEqual(row["customer"]["resourceName"], "customers/" + CID)
        self.assertEqual(cts, {
            "acceptedCustomerDataTerms": True,
            "enhancedConversionsForLeadsEnabled": True,
            "conversionTrackingStatus": "CONVERSION_TRACKING_MANAGED_BY_SELF",
            "googleAdsConversionCustomer": "customers/" + CID})
        # false booleans without presence are left out (proto3 JSON)
        self.emu.admin("POST", "customers", {"add": [{
            "id": CID, "accepted_customer_data_terms": False,
            "enhanced_conversions_for_leads_enabled": False,
            "descriptive_name": "Shop"}]})
        row, = self.rows(q)
        self.assertEqual(row["customer"]["descriptiveName"], "Shop")
        cts = row["customer"]["conversionTrackingSetting"]
        self.assertNotIn("acceptedCustomerDataTerms", cts)
        self.assertNotIn("enhancedConversionsForLeadsEnabled", cts)
        # cross-account tracking: the manager's id, terms and ECL
        self.emu.admin("POST", "customers", {"add": [
            {"id": CID, "conversion_customer": "1112223334"},
            {"id": "1112223334", "conversion_tracking_id": 777,
             "accepted_customer_data_terms": True}]})
        row, = self.rows(q)
        cts = row["customer"]["conversionTrackingSetting"]
        self.assertEqual(cts["googleAdsConversionCustomer"],
                         "customers/1112223334")
        self.assertEqual(cts["crossAccountConversionTrackingId"], "777")
        self.assertTrue(cts["acceptedCustomerDataTerms"])
        self.assertEqual(cts["conversionTrackingStatus"],
                         "CONVERSION_TRACKING_MANAGED_BY_ANOTHER_MANAGER")
        row, = self.rows(q, headers={"login-customer-id": "1112223334"})
        self.assertEqual(row["customer"]["conversionTrackingSetting"][
            "conversionTrackingStatus"],
            "CONVERSION_TRACKING_MANAGED_BY_THIS_MANAGER")

    def test_conversion_action(self):
        self.emu.admin("POST", "conversion_actions", {
            "customer": CID, "set": [
                {"id": 11, "name": "Leads", "status": "REMOVED"},
                {"id": 12, "type": "UPLOAD_CALLS", "status": "HIDDEN",
                 "counting_type": "ONE_PER_CLICK", "primary_for_goal": False,
                 "click_through_lookback_window_days": 90,
                 "value_settings": {"always_use_default_value": True}},
                {"id": 13, "type": "WEBPAGE",
                 "include_in_conversions_metric": False}]})
        q = ("SELECT conversion_action.id, conversion_action.name, "
             "conversion_action.status, conversion_action.type, "
             "conversion_action.primary_for_goal, conversion_action."
             "include_in_conversions_metric, conversion_action.counting_"
             "type, conversion_action.click_through_lookback_window_days, "
             "conversion_action.value_settings.always_use_default_value "
             "FROM conversion_action")
        got = {r["conversionAction"]["id"]: r["conversionAction"]
               for r in self.rows(q)}
        self.assertEqual(sorted(got), ["11", "12", "13"])
        self.assertEqual(got["11"]["status"], "REMOVED")
        self.assertEqual(got["11"]["name"], "Leads")
        self.assertEqual(got["12"], {
            "id": "12", "name": "Conversion action 12", "status": "HIDDEN",
            "type": "UPLOAD_CALLS", "primaryForGoal": False,
            "includeInConversionsMetric": True,
            "countingType": "ONE_PER_CLICK",
            "clickThroughLookbackWindowDays": "90",
            "valueSettings": {"alwaysUseDefaultValue": True},
            "resourceName": "customers/%s/conversionActions/12" % CID})
        self.assertFalse(got["13"]["includeInConversionsMetric"])
        # filters, ordering, limit; ids of the upload rule when named
        ids = [r["conversionAction"]["id"] for r in self.rows(
            q + " WHERE conversion_action.id IN (13, 12, 4242, 5000000) "
            "ORDER BY conversion_action.id DESC")]
        self.assertEqual(ids, ["4242", "13", "12"])
        ids = [r["conversionAction"]["id"] for r in self.rows(
            q + " WHERE conversion_action.status != 'ENABLED' AND "
            "conversion_action.name LIKE 'Lea%' LIMIT 5")]
        self.assertEqual(ids, ["11"])
        ids = [r["conversionAction"]["id"] for r in self.rows(
            "SELECT conversion_action.id FROM conversion_action WHERE "
            "conversion_action.resource_name = 'customers/%s/"
            "conversionActions/4242'" % CID)]
        self.assertEqual(ids, ["4242"])
        # the attributed customer
        row = self.rows("SELECT conversion_action.id, customer.id FROM "
                        "conversion_action WHERE conversion_action.id = 11")[0]
        self.assertEqual(row["customer"]["id"], CID)
        st, body = self.emu.admin("POST", "conversion_actions", {
            "customer": CID, "add": [{"id": 1, "status": "PAUSED"}]})
        self.assertEqual(st, 400)

    def test_upload_summaries(self):
        self.emu.admin("POST", "upload_summaries", {
            "customer": CID,
            "clients": [{"client": "GOOGLE_ADS_API", "status": "GOOD",
                         "total_event_count": 200,
                         "successful_event_count": 150,
                         "pending_event_count": 10,
                         "last_upload_date_time": "2026-09-20 10:00:00",
                         "job_summaries": [{"job_id": 12, "successful_count":
                                            150, "failed_count": 40}]}],
            "conversion_actions": [
                {"conversion_action_id": 4242, "status": "NEEDS_ATTENTION",
                 "total_event_count": 100, "successful_event_count": 60,
                 "alerts": [{"error": {"conversion_upload_error":
                                       "EXPIRED_EVENT"},
                             "error_percentage": 0.4}]},
                {"conversion_action_id": 4243, "status": "EXCELLENT"}]})
        c = "offline_conversion_upload_client_summary"
        row, = self.rows("SELECT %s.status, %s.success_rate, %s.pending_rate,"
                         " %s.job_summaries, %s.total_event_count FROM %s"
                         % (c, c, c, c, c, c))
        s = row["offlineConversionUploadClientSummary"]
        self.assertEqual(s["status"], "GOOD")
        self.assertEqual(s["successRate"], 0.75)
        self.assertEqual(s["pendingRate"], 0.05)
        self.assertEqual(s["totalEventCount"], "200")
        self.assertEqual(s["jobSummaries"], [{"jobId": "12", "successfulCount":
                                              "150", "failedCount": "40"}])
        self.assertEqual(s["resourceName"], "customers/%s/offlineConversion"
                         "UploadClientSummaries/GOOGLE_ADS_API" % CID)
        a = "offline_conversion_upload_conversion_action_summary"
        rows = self.rows("SELECT %s.conversion_action_id, %s.status, "
                         "%s.alerts FROM %s WHERE %s.status = "
                         "NEEDS_ATTENTION" % (a, a, a, a, a))
        self.assertEqual(len(rows), 1)
        s = rows[0]["offlineConversionUploadConversionActionSummary"]
        self.assertEqual(s["alerts"], [{"error": {
            "conversionUploadError": "EXPIRED_EVENT"},
            "errorPercentage": 0.4}])
        self.assertEqual(s["resourceName"], "customers/%s/offlineConversion"
                         "UploadConversionActionSummaries/4242~GOOGLE_ADS_API"
                         % CID)
        # another customer has none: no results member
        body = self.assertOk(self.search("SELECT %s.status FROM %s" % (a, a),
                                         cid="9999999999"))
        self.assertNotIn("results", body)
        self.assertEqual(body["fieldMask"],
                         "offlineConversionUploadConversionActionSummary."
                         "status")

    def test_upload_summaries_derived(self):
        """Without admin summaries, they follow the uploads: job_summaries
        per job_id, daily_summaries, alerts, counts; validateOnly and other
        customers' uploads do not count; admin summaries replace them."""
        self.assertOk(self.emu.upload([conv(), conv(), conv(
            conversionAction="customers/%s/conversionActions/7777777" % CID)],
            jobId=77))
        self.assertOk(self.emu.upload([conv()], jobId=78))
        self.assertOk(self.emu.upload([conv()], jobId=79, validateOnly=True))
        self.assertOk(self.emu.upload([conv()], cid="9999999999", jobId=80))
        c = "offline_conversion_upload_client_summary"
        row, = self.rows("SELECT %s.total_event_count, %s.successful_event_"
                         "count, %s.success_rate, %s.job_summaries, %s.daily_"
                         "summaries, %s.alerts, %s.status FROM %s"
                         % ((c,) * 8))
        s = row["offlineConversionUploadClientSummary"]
        self.assertEqual(s["totalEventCount"], "4")
        self.assertEqual(s["successfulEventCount"], "3")
        self.assertEqual(s["successRate"], 0.75)
        self.assertEqual(s["status"], "GOOD")
        jobs = {j["jobId"]: j for j in s["jobSummaries"]}
        self.assertEqual(jobs["77"], {"jobId": "77", "successfulCount": "2",
                                      "failedCount": "1"})
        self.assertEqual(jobs["78"], {"jobId": "78", "successfulCount": "1"})
        self.assertEqual(len(s["dailySummaries"]), 1)
        self.assertEqual(s["dailySummaries"][0]["successfulCount"], "3")
        self.assertEqual(s["alerts"], [{"error": {
            "conversionUploadError": "NO_CONVERSION_ACTION_FOUND"},
            "errorPercentage": 0.25}])
        a = "offline_conversion_upload_conversion_action_summary"
        rows = self.rows("SELECT %s.conversion_action_id, %s.total_event_"
                         "count, %s.job_summaries FROM %s" % (a, a, a, a))
        got = {r["offlineConversionUploadConversionActionSummary"][
            "conversionActionId"]: r[
            "offlineConversionUploadConversionActionSummary"]
            for r in rows}
        self.assertEqual(sorted(got), [ACTION.rsplit("/", 1)[1], "7777777"])
        self.assertEqual(got["7777777"]["jobSummaries"], [
            {"jobId": "77", "failedCount": "1"}])
        # admin summaries for the customer replace the derived ones
        self.emu.admin("POST", "upload_summaries", {
            "customer": CID, "clients": [{"total_event_count": 5}]})
        row, = self.rows("SELECT %s.total_event_count FROM %s" % (c, c))
        self.assertEqual(row[
            "offlineConversionUploadClientSummary"]["totalEventCount"], "5")

    def test_paging_and_stream(self):
        self.emu.admin("POST", "conversion_actions", {
            "customer": CID, "set": [{"id": i} for i in range(1, 10006)]})
        q = "SELECT conversion_action.id FROM conversion_action"
        body = self.assertOk(self.search(q, searchSettings={
            "returnTotalResultsCount": True}))
        self.assertEqual(len(body["results"]), 10000)
        self.assertEqual(body["totalResultsCount"], "10005")
        tok = body["nextPageToken"]
        # a token belongs to its query
        r = self.search(q + " LIMIT 20000", pageToken=tok)
        self.assertEqual(r.status, 400)
        body = self.assertOk(self.search(q, pageToken=tok))
        self.assertEqual([x["conversionAction"]["id"]
                          for x in body["results"]],
                         ["10001", "10002", "10003", "10004", "10005"])
        self.assertNotIn("nextPageToken", body)
        r = self.search(q, stream=True)
        self.assertEqual(r.status, 200)
        batches = r.json
        self.assertEqual([len(b["results"]) for b in batches], [10000, 5])
        self.assertTrue(all(b["requestId"] == r.rid for b in batches))
        # no results: one batch, without results
        r = self.search(q + " WHERE conversion_action.id = 99999999",
                        stream=True)
        self.assertEqual(r.json, [{"fieldMask": "conversionAction.id",
                                   "requestId": r.rid,
                                   "queryResourceConsumption": "0"}])

    def test_faults(self):
        q = "SELECT customer.id FROM customer"
        self.emu.faults({"kind": "rate_limit", "endpoint": "search"})
        r = self.search(q, stream=True)
        self.assertEqual(r.status, 429)
        self.assertEqual(r.json[0]["error"]["status"], "RESOURCE_EXHAUSTED")
        # upload faults leave search alone
        self.emu.faults({"kind": "internal", "endpoint": "googleads"})
        self.assertOk(self.search(q))
        st, body = self.emu.admin("POST", "faults", [
            {"kind": "row_error", "endpoint": "search"}])
        self.assertEqual(st, 400)
        logged = [e for e in self.emu.admin("GET", "requests")[1]["requests"]
                  if "googleAds:search" in e["path"]]
        self.assertEqual(logged[-1]["body"], {"query": q})

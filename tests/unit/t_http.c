/* SPDX-License-Identifier: MIT */
/*
 * The Google Ads error model of lib/http: the retry classifier over the
 * answers of the reference (google-ads-api.md §3.2-§3.4) and of the mock
 * (tests/mock/gads.py), partial-failure rows, durations, Retry-After,
 * backoff and endpoint checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jv.h>

#include "diag.h"
#include "gads.h"
#include "http.h"
#include "opt.h"
#include "ndjson.h"
#include "tap.h"

/* The GoogleAdsFailure Any of the mock and of the reference. */
#define FAILURE(errors) \
	"{\"@type\":\"type.googleapis.com/google.ads.googleads.v25.errors." \
	"GoogleAdsFailure\",\"errors\":[" errors "],\"requestId\":" \
	"\"f4J_sjHfhbgNieU4pkBOqg\"}"

/* gads.py rate_limit: retryDelay "30s" (and a Retry-After header). */
#define RATE_LIMIT_BODY \
	"{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted " \
	"(e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":" \
	"[" \
	FAILURE("{\"errorCode\":{\"quotaError\":" \
	"\"RESOURCE_TEMPORARILY_EXHAUSTED\"},\"message\":\"Too many requests " \
	"in a short amount of time. Retry in 30 seconds.\",\"details\":" \
	"{\"quotaErrorDetails\":{\"rateScope\":\"ACCOUNT\",\"rateName\":" \
	"\"Requests per account\",\"retryDelay\":\"30s\"}}}") "]}}"

/* The same without quotaErrorDetails. */
#define RATE_LIMIT_NODELAY \
	"{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted " \
	"(e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":" \
	"[" \
	FAILURE("{\"errorCode\":{\"quotaError\":" \
	"\"RESOURCE_TEMPORARILY_EXHAUSTED\"},\"message\":\"Too many requests " \
	"in a short amount of time.\"}") "]}}"

/* gads.py daily_quota: retryDelay in hours, no Retry-After. */
#define DAILY_BODY \
	"{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted " \
	"(e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":" \
	"[" \
	FAILURE("{\"errorCode\":{\"quotaError\":\"RESOURCE_EXHAUSTED\"}," \
	"\"message\":\"Too many requests. Retry in 43200 seconds.\"," \
	"\"details\":{\"quotaErrorDetails\":{\"rateScope\":\"DEVELOPER\"," \
	"\"rateName\":\"Number of operations for basic access\"," \
	"\"retryDelay\":\"43200s\"}}}") "]}}"

/* The forum's daily quota error: no retry delay at all. */
#define DAILY_NODELAY \
	"{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted " \
	"(e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":" \
	"[" \
	FAILURE("{\"errorCode\":{\"quotaError\":\"RESOURCE_EXHAUSTED\"}," \
	"\"message\":\"Too many requests.\"}") "]}}"

#define INTERNAL_BODY \
	"{\"error\":{\"code\":500,\"message\":" \
	"\"Internal error encountered.\"," \
	"\"status\":\"INTERNAL\",\"details\":[" \
	FAILURE("{\"errorCode\":{\"internalError\":\"INTERNAL_ERROR\"}," \
	"\"message\":\"An internal error has occurred.\"}") "]}}"

#define TRANSIENT_BODY \
	"{\"error\":{\"code\":500,\"message\":" \
	"\"Internal error encountered.\"," \
	"\"status\":\"INTERNAL\",\"details\":[" \
	FAILURE("{\"errorCode\":{\"internalError\":\"TRANSIENT_ERROR\"}," \
	"\"message\":\"Google Ads API encountered an unexpected transient " \
	"error. The user should retry their request in these cases.\"}") "]}}"

/* gads.py internal with "details": false. */
#define INTERNAL_BARE \
	"{\"error\":{\"code\":500,\"message\":" \
	"\"Internal error encountered.\"," \
	"\"status\":\"INTERNAL\"}}"

/* Reference §3.2: 503 with no message and no details. */
#define UNAVAILABLE_BARE "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}"

#define DEADLINE_BARE \
	"{\"error\":{\"code\":504,\"message\":\"The request deadline was " \
	"exceeded.\",\"status\":\"DEADLINE_EXCEEDED\"}}"

#define BAD_GATEWAY_HTML \
	"<html><head><title>502 Bad Gateway</title></head>\n<body><center>" \
	"<h1>502 Bad Gateway</h1></center></body></html>\n"

#define NOT_FOUND_HTML \
	"<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>" \
	"Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That's an " \
	"error.</ins>\n"

#define CONCURRENT_BODY \
	"{\"error\":{\"code\":409,\"message\":\"The operation was aborted.\"," \
	"\"status\":\"ABORTED\",\"details\":[" \
	FAILURE("{\"errorCode\":{\"databaseError\":" \
	"\"CONCURRENT_MODIFICATION\"}," \
	"\"message\":\"Multiple requests were attempting to modify the same " \
	"resource at once. Retry the request.\"}") "]}}"

#define TOKEN_EXPIRED_BODY \
	"{\"error\":{\"code\":401,\"message\":\"Request had invalid " \
	"authentication credentials. Expected OAuth 2 access token, login " \
	"cookie or other valid authentication credential. See https://" \
	"developers.google.com/identity/sign-in/web/devconsole-project.\"," \
	"\"status\":\"UNAUTHENTICATED\",\"details\":[" \
	FAILURE("{\"errorCode\":{\"authenticationError\":" \
	"\"OAUTH_TOKEN_EXPIRED\"},\"message\":\"OAuth token in the header has" \
	" " \
	"expired.\"}") "]}}"

/* A 401 from the front end, before the Google Ads backend. */
#define UNAUTH_BARE \
	"{\"error\":{\"code\":401,\"message\":\"Request is missing required " \
	"authentication credential.\",\"status\":\"UNAUTHENTICATED\"}}"

#define PERMISSION_MSG \
	"User doesn't have permission to access customer. Note: If you're " \
	"accessing a client customer, the manager's customer id must be set " \
	"in the 'login-customer-id' header."

#define PERMISSION_BODY \
	"{\"error\":{\"code\":403,\"message\":\"The caller does not have " \
	"permission\",\"status\":\"PERMISSION_DENIED\",\"details\":[" \
	FAILURE("{\"errorCode\":{\"authorizationError\":" \
	"\"USER_PERMISSION_DENIED\"},\"message\":\"" PERMISSION_MSG "\"}") "]}}"

/* Reference §3.2, verbatim. */
#define NOT_APPROVED_BODY \
	"{\"error\": {\n   \"code\": 403,\n   \"message\": \"The caller does " \
	"not have permission\",\n   \"status\": \"PERMISSION_DENIED\",\n   " \
	"\"details\": [{\n     \"@type\": \"type.googleapis.com/google.ads." \
	"googleads.v25.errors.GoogleAdsFailure\",\n     \"errors\": [{\n     " \
	"  " \
	"\"errorCode\": {\"authorizationError\": \"CLOUD_PROJECT_NOT_APPROVED" \
	"_" \
	"FOR_PRODUCTION\"},\n       \"message\": \"The Google Cloud project i" \
	"s " \
	"only approved for use with test accounts.\"\n     }],\n     " \
	"\"requestId\": \"req-123\"\n   }]\n}}\n"

/* Reference §3.2: the API is not enabled in the Cloud project. */
#define SERVICE_DISABLED_BODY \
	"{\"error\":{\"code\":403,\"message\":\"Google Ads API has not been " \
	"used in project 123 before or it is disabled.\",\"status\":" \
	"\"PERMISSION_DENIED\",\"details\":[{\"@type\":\"type.googleapis.com/" \
	"google.rpc.ErrorInfo\",\"reason\":\"SERVICE_DISABLED\",\"domain\":" \
	"\"googleapis.com\"}]}}"

#define INVALID_CUSTOMER_BODY \
	"{\"error\":{\"code\":400,\"message\":\"Request contains an invalid " \
	"argument.\",\"status\":\"INVALID_ARGUMENT\",\"details\":[" \
	FAILURE("{\"errorCode\":{\"requestError\":\"INVALID_CUSTOMER_ID\"}," \
	"\"message\":\"The customer ID is invalid.\"}") "]}}"

#define UNSUPPORTED_VERSION_BODY \
	"{\"error\":{\"code\":400,\"message\":\"Request contains an invalid " \
	"argument.\",\"status\":\"INVALID_ARGUMENT\",\"details\":[" \
	FAILURE("{\"errorCode\":{\"requestError\":\"UNSUPPORTED_VERSION\"}," \
	"\"message\":\"Version v20 is deprecated. Requests to this version " \
	"will be blocked.\"}") "]}}"

/* The rudderlabs capture of reference §3.4, as a 200 answer. */
#define RUDDER_PFE \
	"{\"code\":3,\"message\":\"Multiple errors in 'details'. First error:" \
	" " \
	"The conversion action cannot be found., at conversions[1]." \
	"conversion_action\",\"details\":[{\"@type\":\"type.googleapis.com/" \
	"google.ads.googleads.v23.errors.GoogleAdsFailure\",\"errors\":[" \
	"{\"errorCode\":{\"conversionUploadError\":\"NO_CONVERSION_ACTION_" \
	"FOUND\"},\"message\":\"The conversion action cannot be found.\"," \
	"\"location\":{\"fieldPathElements\":[{\"fieldName\":\"conversions\"," \
	"\"index\":1},{\"fieldName\":\"conversion_action\"}]}}," \
	"{\"errorCode\":" \
	"{\"internalError\":\"INTERNAL_ERROR\"},\"message\":\"An internal " \
	"error has occurred.\",\"location\":{\"fieldPathElements\":" \
	"[{\"fieldName\":\"conversions\",\"index\":4}]}}],\"requestId\":" \
	"\"f4J_sjHfhbgNieU4pkBOqg\"}]}"

#define UPLOAD_OK \
	"{\"results\":[{\"gclid\":\"Cj0KCQiA-test\",\"conversionAction\":" \
	"\"customers/1234567890/conversionActions/123\"," \
	"\"conversionDateTime\":" \
	"\"2026-01-02 03:04:05+00:00\"}],\"jobId\":\"7\"}"

#define UPLOAD_PARTIAL \
	"{\"partialFailureError\":" RUDDER_PFE ",\"results\":[{},{},{},{},{}]" \
	"," \
	"\"jobId\":\"8\"}"

/*
 * Data Manager answers (data-manager.md §4.3, the emulator's bodies): a
 * google.rpc.Status whose ErrorInfo names the reason, never a
 * GoogleAdsFailure.
 */
#define DM_INFO(reason, domain) \
	"{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":" \
	"\"" reason "\",\"domain\":\"" domain "\",\"metadata\":{}}"
#define DM_REQUEST_INFO \
	"{\"@type\":\"type.googleapis.com/google.rpc.RequestInfo\"," \
	"\"requestId\":\"dm-req-1\"}"

#define DM_FAST_FAIL \
	"{\"error\":{\"code\":400,\"message\":\"There was a problem with the " \
	"request.\",\"status\":\"INVALID_ARGUMENT\",\"details\":[" \
	DM_INFO("INVALID_FORMAT", "datamanager.googleapis.com") "," \
	"{\"@type\":\"type.googleapis.com/google.rpc.BadRequest\"," \
	"\"fieldViolations\":[{\"field\":\"events[3].transaction_id\"," \
	"\"description\":\"The format is invalid.\",\"reason\":" \
	"\"INVALID_FORMAT\"}]}," DM_REQUEST_INFO "]}}"

/* The emulator's rate_limit on events:ingest. */
#define DM_RATE_LIMIT \
	"{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted " \
	"(e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[" \
	DM_INFO("RESOURCE_EXHAUSTED", "datamanager.googleapis.com") "," \
	"{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\"," \
	"\"retryDelay\":\"30s\"}," DM_REQUEST_INFO "]}}"

#define SCOPE_BODY \
	"{\"error\":{\"code\":403,\"message\":\"Request had insufficient " \
	"authentication scopes.\",\"status\":\"PERMISSION_DENIED\",\"details\":" \
	"[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":" \
	"\"ACCESS_TOKEN_SCOPE_INSUFFICIENT\",\"domain\":\"googleapis.com\"," \
	"\"metadata\":{\"service\":\"datamanager.googleapis.com\",\"method\":" \
	"\"google.ads.datamanager.v1.IngestionService.IngestEvents\"}}]}}"

#define DM_UNAUTH_MSG \
	"Request had invalid authentication credentials. Expected OAuth 2 " \
	"access token, login cookie or other valid authentication credential."
#define DM_UNAUTH \
	"{\"error\":{\"code\":401,\"message\":\"" DM_UNAUTH_MSG "\"," \
	"\"status\":\"UNAUTHENTICATED\",\"details\":[" \
	DM_INFO("ACCESS_TOKEN_EXPIRED", "googleapis.com") "]}}"

#define DM_STATUS(code, status, details) \
	"{\"error\":{\"code\":" #code ",\"message\":\"m\",\"status\":\"" \
	status "\",\"details\":[" details "]}}"

/* 2015-10-21 07:28:00 UTC, the IMF-fixdate example of RFC 9110. */
#define T_FIXDATE ((time_t)1445412480)

static const struct {
	const char *name;
	int cc;
	long status;
	const char *body;	/* NULL: none */
	const char *retry_after;
	enum ac_http_class klass;
	int daily, unknown;
	long long retry_ms;
	const char *code;
	const char *message;	/* NULL: not checked */
} cases[] = {
	{ "200 upload answer", CURLE_OK, 200, UPLOAD_OK, NULL,
	    AC_HTTP_OK, 0, 0, -1, "", "" },
	{ "200 with a partial failure is still OK", CURLE_OK, 200,
	    UPLOAD_PARTIAL, NULL, AC_HTTP_OK, 0, 0, -1, "", "" },
	{ "200 empty object", CURLE_OK, 200, "{}", NULL,
	    AC_HTTP_OK, 0, 0, -1, "", "" },
	{ "200 with HTML", CURLE_OK, 200, "<html>OK</html>", NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "http.200",
	    "HTTP 200 answer is not a JSON object" },
	{ "200 with an empty body", CURLE_OK, 200, "", NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "http.200", NULL },
	{ "200 with a JSON array", CURLE_OK, 200, "[{}]", NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "http.200", NULL },
	{ "200 with a cut object", CURLE_OK, 200, "{\"results\":[{}", NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "http.200", NULL },
	{ "200 with invalid UTF-8", CURLE_OK, 200, "{\"jobId\":\"\xff\"}",
	    NULL, AC_HTTP_RETRY, 0, 1, -1, "http.200", NULL },
	{ "204 no content", CURLE_OK, 204, "", NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "http.204", NULL },

	{ "429 rate limit: retryDelay beats Retry-After", CURLE_OK, 429,
	    RATE_LIMIT_BODY, "120", AC_HTTP_RETRY, 0, 0, 30000,
	    "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED",
	    "Too many requests in a short amount of time. Retry in 30 "
	    "seconds." },
	{ "429 rate limit as the mock sends it", CURLE_OK, 429,
	    RATE_LIMIT_BODY, "30", AC_HTTP_RETRY, 0, 0, 30000,
	    "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED", NULL },
	{ "429 rate limit without retryDelay uses Retry-After", CURLE_OK, 429,
	    RATE_LIMIT_NODELAY, "7", AC_HTTP_RETRY, 0, 0, 7000,
	    "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED", NULL },
	{ "429 rate limit without any delay", CURLE_OK, 429,
	    RATE_LIMIT_NODELAY, NULL, AC_HTTP_RETRY, 0, 0, -1,
	    "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED", NULL },
	{ "429 rate limit with a garbage Retry-After", CURLE_OK, 429,
	    RATE_LIMIT_NODELAY, "soon", AC_HTTP_RETRY, 0, 0, -1,
	    "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED", NULL },
	{ "429 daily quota", CURLE_OK, 429, DAILY_BODY, NULL,
	    AC_HTTP_RETRY, 1, 0, 43200000, "quotaError.RESOURCE_EXHAUSTED",
	    "Too many requests. Retry in 43200 seconds." },
	{ "429 daily quota without a delay", CURLE_OK, 429, DAILY_NODELAY,
	    NULL, AC_HTTP_RETRY, 1, 0, -1, "quotaError.RESOURCE_EXHAUSTED",
	    NULL },
	{ "429 HTML from a proxy with Retry-After", CURLE_OK, 429,
	    "<html>Too Many Requests</html>", "5", AC_HTTP_RETRY, 0, 0, 5000,
	    "http.429", "HTTP 429 with an answer that is not JSON" },
	{ "500 INTERNAL_ERROR", CURLE_OK, 500, INTERNAL_BODY, NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "internalError.INTERNAL_ERROR",
	    "An internal error has occurred." },
	{ "500 TRANSIENT_ERROR", CURLE_OK, 500, TRANSIENT_BODY, NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "internalError.TRANSIENT_ERROR", NULL },
	{ "500 bare status without details", CURLE_OK, 500, INTERNAL_BARE,
	    NULL, AC_HTTP_RETRY, 0, 1, -1, "rpc.INTERNAL",
	    "Internal error encountered." },
	{ "503 UNAVAILABLE without message", CURLE_OK, 503, UNAVAILABLE_BARE,
	    NULL, AC_HTTP_RETRY, 0, 1, -1, "rpc.UNAVAILABLE", "HTTP 503" },
	{ "503 with an IMF-fixdate Retry-After", CURLE_OK, 503,
	    UNAVAILABLE_BARE, "Wed, 21 Oct 2015 07:28:00 GMT", AC_HTTP_RETRY,
	    0, 1, 30000, "rpc.UNAVAILABLE", NULL },
	{ "504 DEADLINE_EXCEEDED", CURLE_OK, 504, DEADLINE_BARE, NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "rpc.DEADLINE_EXCEEDED",
	    "The request deadline was exceeded." },
	{ "502 HTML from an intermediary", CURLE_OK, 502, BAD_GATEWAY_HTML,
	    NULL, AC_HTTP_RETRY, 0, 1, -1, "http.502",
	    "HTTP 502 with an answer that is not JSON" },
	{ "502 with an empty body", CURLE_OK, 502, NULL, NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "http.502", NULL },
	{ "409 CONCURRENT_MODIFICATION", CURLE_OK, 409, CONCURRENT_BODY, NULL,
	    AC_HTTP_RETRY, 0, 0, -1, "databaseError.CONCURRENT_MODIFICATION",
	    NULL },
	{ "401 OAUTH_TOKEN_EXPIRED", CURLE_OK, 401, TOKEN_EXPIRED_BODY, NULL,
	    AC_HTTP_AUTH, 0, 0, -1, "authenticationError.OAUTH_TOKEN_EXPIRED",
	    "OAuth token in the header has expired." },
	{ "401 from the front end", CURLE_OK, 401, UNAUTH_BARE, NULL,
	    AC_HTTP_AUTH, 0, 0, -1, "rpc.UNAUTHENTICATED",
	    "Request is missing required authentication credential." },
	{ "403 USER_PERMISSION_DENIED", CURLE_OK, 403, PERMISSION_BODY, NULL,
	    AC_HTTP_FAIL, 0, 0, -1, "authorizationError.USER_PERMISSION_DENIED",
	    PERMISSION_MSG },
	{ "403 reference body (pretty-printed)", CURLE_OK, 403,
	    NOT_APPROVED_BODY, NULL, AC_HTTP_FAIL, 0, 0, -1,
	    "authorizationError.CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION",
	    "The Google Cloud project is only approved for use with test "
	    "accounts." },
	/* The ErrorInfo's reason names it: what ac-upload's advice keys on. */
	{ "403 with only a google.rpc.ErrorInfo", CURLE_OK, 403,
	    SERVICE_DISABLED_BODY, NULL, AC_HTTP_FAIL, 0, 0, -1,
	    "rpc.SERVICE_DISABLED", "Google Ads API has not been used in "
	    "project 123 before or it is disabled." },
	{ "400 INVALID_CUSTOMER_ID", CURLE_OK, 400, INVALID_CUSTOMER_BODY,
	    NULL, AC_HTTP_FAIL, 0, 0, -1, "requestError.INVALID_CUSTOMER_ID",
	    "The customer ID is invalid." },
	{ "400 UNSUPPORTED_VERSION", CURLE_OK, 400, UNSUPPORTED_VERSION_BODY,
	    NULL, AC_HTTP_FAIL, 0, 0, -1, "requestError.UNSUPPORTED_VERSION",
	    "Version v20 is deprecated. Requests to this version will be "
	    "blocked." },
	{ "404 HTML", CURLE_OK, 404, NOT_FOUND_HTML, NULL,
	    AC_HTTP_FAIL, 0, 0, -1, "http.404", NULL },
	{ "408 with no body", CURLE_OK, 408, NULL, NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "http.408", NULL },
	{ "408 with a Retry-After", CURLE_OK, 408, "", "2",
	    AC_HTTP_RETRY, 0, 1, 2000, "http.408", NULL },

	/* Data Manager: the ErrorInfo's reason, "datamanager." for its
	 * domain, "rpc." for Google's front end. */
	{ "DM 400 fast-fail INVALID_FORMAT", CURLE_OK, 400, DM_FAST_FAIL, NULL,
	    AC_HTTP_FAIL, 0, 0, -1, "datamanager.INVALID_FORMAT",
	    "There was a problem with the request." },
	{ "DM 429 RESOURCE_EXHAUSTED with Retry-After", CURLE_OK, 429,
	    DM_RATE_LIMIT, "30", AC_HTTP_RETRY, 0, 0, 30000,
	    "datamanager.RESOURCE_EXHAUSTED",
	    "Resource has been exhausted (e.g. check quota)." },
	/*
	 * BUG? (lib/http.c ac_http_classify): the google.rpc.RetryInfo
	 * retryDelay of a Data Manager 429 is not read; without a
	 * Retry-After header retry_ms is -1, not 30000. The emulator sends
	 * RetryInfo alone with "retry_after": false (see also
	 * tests/cli/ac-upload-dm.bats "429 with RetryInfo").
	 */
	{ "DM 429 RetryInfo without Retry-After", CURLE_OK, 429,
	    DM_RATE_LIMIT, NULL, AC_HTTP_RETRY, 0, 0, 30000,
	    "datamanager.RESOURCE_EXHAUSTED", NULL },
	{ "DM 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT", CURLE_OK, 403, SCOPE_BODY,
	    NULL, AC_HTTP_FAIL, 0, 0, -1, "rpc.ACCESS_TOKEN_SCOPE_INSUFFICIENT",
	    "Request had insufficient authentication scopes." },
	{ "DM 401 ACCESS_TOKEN_EXPIRED", CURLE_OK, 401, DM_UNAUTH, NULL,
	    AC_HTTP_AUTH, 0, 0, -1, "rpc.ACCESS_TOKEN_EXPIRED", DM_UNAUTH_MSG },
	{ "DM 403 PERMISSION_DENIED", CURLE_OK, 403, DM_STATUS(403,
	    "PERMISSION_DENIED", DM_INFO("PERMISSION_DENIED",
	    "datamanager.googleapis.com")), NULL, AC_HTTP_FAIL, 0, 0, -1,
	    "datamanager.PERMISSION_DENIED", "m" },
	{ "DM 500 INTERNAL_ERROR", CURLE_OK, 500, DM_STATUS(500, "INTERNAL",
	    DM_INFO("INTERNAL_ERROR", "datamanager.googleapis.com")), NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "datamanager.INTERNAL_ERROR", NULL },
	{ "DM 504 DEADLINE_EXCEEDED", CURLE_OK, 504, DM_STATUS(504,
	    "DEADLINE_EXCEEDED", DM_INFO("DEADLINE_EXCEEDED",
	    "datamanager.googleapis.com")), NULL, AC_HTTP_RETRY, 0, 1, -1,
	    "datamanager.DEADLINE_EXCEEDED", NULL },
	{ "DM ErrorInfo after other details", CURLE_OK, 400, DM_STATUS(400,
	    "INVALID_ARGUMENT", DM_REQUEST_INFO "," DM_INFO("NOT_ALLOWLISTED",
	    "datamanager.googleapis.com")), NULL, AC_HTTP_FAIL, 0, 0, -1,
	    "datamanager.NOT_ALLOWLISTED", NULL },
	{ "DM lookalike domain is rpc.", CURLE_OK, 400, DM_STATUS(400,
	    "INVALID_ARGUMENT", DM_INFO("INVALID_FORMAT",
	    "datamanager.googleapis.com.example")), NULL, AC_HTTP_FAIL, 0, 0,
	    -1, "rpc.INVALID_FORMAT", NULL },
	{ "DM ErrorInfoX is no ErrorInfo: the status", CURLE_OK, 400,
	    DM_STATUS(400, "INVALID_ARGUMENT", "{\"@type\":\"type.googleapis."
	    "com/google.rpc.ErrorInfoX\",\"reason\":\"R\",\"domain\":"
	    "\"datamanager.googleapis.com\"}"), NULL, AC_HTTP_FAIL, 0, 0, -1,
	    "rpc.INVALID_ARGUMENT", NULL },
	{ "DM details not an array: the status", CURLE_OK, 400,
	    "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\","
	    "\"details\":" DM_INFO("INVALID_FORMAT",
	    "datamanager.googleapis.com") "}}", NULL, AC_HTTP_FAIL, 0, 0, -1,
	    "rpc.INVALID_ARGUMENT", "HTTP 400" },
	{ "DM reason with odd characters", CURLE_OK, 400, DM_STATUS(400,
	    "INVALID_ARGUMENT", DM_INFO("BAD reason\\n\\u001b[1m.x",
	    "datamanager.googleapis.com")), NULL, AC_HTTP_FAIL, 0, 0, -1,
	    "datamanager.BAD??????????1???", NULL },

	{ "CURLE_COULDNT_CONNECT: nothing was sent", CURLE_COULDNT_CONNECT, 0,
	    NULL, NULL, AC_HTTP_RETRY, 0, 0, -1, "curl.7", NULL },
	{ "CURLE_COULDNT_RESOLVE_HOST", CURLE_COULDNT_RESOLVE_HOST, 0, NULL,
	    NULL, AC_HTTP_RETRY, 0, 0, -1, "curl.6", NULL },
	{ "CURLE_OPERATION_TIMEDOUT", CURLE_OPERATION_TIMEDOUT, 0, NULL, NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "curl.28", NULL },
	{ "CURLE_OPERATION_TIMEDOUT ignores a partial answer",
	    CURLE_OPERATION_TIMEDOUT, 200, "{\"results\":[", NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "curl.28", NULL },
	{ "CURLE_RECV_ERROR (connection reset)", CURLE_RECV_ERROR, 0, NULL,
	    NULL, AC_HTTP_RETRY, 0, 1, -1, "curl.56", NULL },
	{ "CURLE_GOT_NOTHING", CURLE_GOT_NOTHING, 0, NULL, NULL,
	    AC_HTTP_RETRY, 0, 1, -1, "curl.52", NULL },
	{ "CURLE_PEER_FAILED_VERIFICATION", CURLE_PEER_FAILED_VERIFICATION, 0,
	    NULL, NULL, AC_HTTP_FATAL, 0, 0, -1, "curl.60", NULL },
	{ "CURLE_SSL_CACERT_BADFILE", CURLE_SSL_CACERT_BADFILE, 0, NULL, NULL,
	    AC_HTTP_FATAL, 0, 0, -1, "curl.77", NULL },
	{ "CURLE_URL_MALFORMAT", CURLE_URL_MALFORMAT, 0, NULL, NULL,
	    AC_HTTP_FATAL, 0, 0, -1, "curl.3", NULL },
};

static const char *const klass_names[] = {
	"OK", "RETRY", "FAIL", "AUTH", "FATAL"
};

static void
classify(void)
{
	struct ac_http_verdict v;
	size_t i;
	jv parsed;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *b = cases[i].body;

		memset(&v, 0x5a, sizeof(v));
		ac_http_classify(cases[i].cc, cases[i].status, b,
		    b != NULL ? strlen(b) : 0, cases[i].retry_after,
		    T_FIXDATE - 30, &parsed, &v);
		is_str(klass_names[v.klass], klass_names[cases[i].klass],
		    "%s: class", cases[i].name);
		is_int(v.daily, cases[i].daily, "%s: daily", cases[i].name);
		is_int(v.unknown, cases[i].unknown, "%s: unknown",
		    cases[i].name);
		is_int(v.retry_ms, cases[i].retry_ms, "%s: retry_ms",
		    cases[i].name);
		is_str(v.code, cases[i].code, "%s: code", cases[i].name);
		if (cases[i].message != NULL)
			is_str(v.message, cases[i].message, "%s: message",
			    cases[i].name);
		else if (cases[i].klass != AC_HTTP_OK)
			ok(v.message[0] != '\0', "%s: a message",
			    cases[i].name);
		if (cases[i].klass == AC_HTTP_OK)
			ok(jv_get_kind(parsed) == JV_KIND_OBJECT,
			    "%s: the object is returned", cases[i].name);
		else
			ok(jv_get_kind(parsed) == JV_KIND_INVALID,
			    "%s: nothing is returned", cases[i].name);
		jv_free(parsed);
	}

	/* The parsed answer is the body. */
	ac_http_classify(CURLE_OK, 200, UPLOAD_OK, strlen(UPLOAD_OK), NULL, 0,
	    &parsed, &v);
	is_json(parsed, UPLOAD_OK, "200: parsed is the answer");

	/* A curl error's message is libcurl's. */
	ac_http_classify(CURLE_OPERATION_TIMEDOUT, 0, NULL, 0, NULL, 0,
	    &parsed, &v);
	is_str(v.message, curl_easy_strerror(CURLE_OPERATION_TIMEDOUT),
	    "curl.28: message from curl_easy_strerror");
	jv_free(parsed);

	/* An IMF-fixdate in the past: retry now. */
	ac_http_classify(CURLE_OK, 503, UNAVAILABLE_BARE,
	    strlen(UNAVAILABLE_BARE), "Wed, 21 Oct 2015 07:28:00 GMT",
	    T_FIXDATE + 3600, &parsed, &v);
	is_int(v.retry_ms, 0, "503: a Retry-After date in the past is 0");
	jv_free(parsed);

	/* The body length is what counts, not a NUL. */
	ac_http_classify(CURLE_OK, 200, "{}garbage", 2, NULL, 0, &parsed, &v);
	is_str(klass_names[v.klass], "OK", "200: only len bytes are read");
	jv_free(parsed);
}

/* A long message is cut to fit, at a character boundary. */
static void
classify_long_message(void)
{
	struct ac_http_verdict v;
	char body[1024], msg[400];
	jv parsed;

	memset(msg, 'x', 254);
	strcpy(msg + 254, "\xc3\xa9 and more");	/* U+00E9 at 254..255 */
	snprintf(body, sizeof(body), "{\"error\":{\"code\":400,\"status\":"
	    "\"INVALID_ARGUMENT\",\"details\":[" FAILURE("{\"errorCode\":"
	    "{\"requestError\":\"UNKNOWN\"},\"message\":\"%s\"}") "]}}", msg);
	ac_http_classify(CURLE_OK, 400, body, strlen(body), NULL, 0, &parsed,
	    &v);
	is_str(v.code, "requestError.UNKNOWN", "long message: code");
	ok(strlen(v.message) <= 255 && strncmp(v.message, msg, 254) == 0,
	    "long message: cut to the buffer");
	ok(ac_utf8_valid(v.message, strlen(v.message)),
	    "long message: still valid UTF-8");
	jv_free(parsed);
}

/* Collects what ac_gads_each_error reports. */
struct seen {
	int n;
	long row[8];
	char code[8][96];
};

static void
collect(void *arg, long row, jv error)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->row[s->n] = row;
		if (ac_gads_error_code(error, s->code[s->n],
		    sizeof(s->code[0])) == -1)
			strcpy(s->code[s->n], "-");
	}
	s->n++;
}

/* One error at path (a fieldPathElements list, or NULL for no location). */
#define ONE(loc) \
	"{\"code\":3,\"message\":\"m\",\"details\":[" FAILURE( \
	"{\"errorCode\":{\"conversionUploadError\":" \
	"\"INVALID_USER_IDENTIFIER\"}," \
	"\"message\":\"m\"" loc "}") "]}"
#define AT(els) ",\"location\":{\"fieldPathElements\":[" els "]}"

static const struct {
	const char *name;
	const char *status;
	const char *list;
	long row;		/* of the only error */
} rows[] = {
	{ "index 0 as a number", ONE(AT("{\"fieldName\":\"conversions\","
	    "\"index\":0}")), "conversions", 0 },
	{ "index as a number", ONE(AT("{\"fieldName\":\"conversions\","
	    "\"index\":17}")), "conversions", 17 },
	{ "index as a string", ONE(AT("{\"fieldName\":\"conversions\","
	    "\"index\":\"12\"}")), "conversions", 12 },
	{ "index as {\"value\": n}", ONE(AT("{\"fieldName\":\"conversions\","
	    "\"index\":{\"value\":3}}")), "conversions", 3 },
	{ "nested user_identifiers index is not the row",
	    ONE(AT("{\"fieldName\":\"conversions\",\"index\":5},"
	    "{\"fieldName\":\"user_identifiers\",\"index\":2},"
	    "{\"fieldName\":\"hashed_email\"}")), "conversions", 5 },
	{ "a user_identifiers index alone is no row",
	    ONE(AT("{\"fieldName\":\"user_identifiers\",\"index\":2}")),
	    "conversions", -1 },
	{ "no location", ONE(""), "conversions", -1 },
	{ "empty fieldPathElements", ONE(AT("")), "conversions", -1 },
	{ "conversions without an index",
	    ONE(AT("{\"fieldName\":\"conversions\"}")), "conversions", -1 },
	{ "the first conversions element counts",
	    ONE(AT("{\"fieldName\":\"conversions\",\"index\":2},"
	    "{\"fieldName\":\"conversions\",\"index\":9}")), "conversions", 2 },
	{ "a negative index", ONE(AT("{\"fieldName\":\"conversions\","
	    "\"index\":-1}")), "conversions", -1 },
	{ "a fractional index", ONE(AT("{\"fieldName\":\"conversions\","
	    "\"index\":1.5}")), "conversions", -1 },
	{ "a string index with garbage", ONE(AT("{\"fieldName\":"
	    "\"conversions\",\"index\":\"1a\"}")), "conversions", -1 },
	{ "a null index", ONE(AT("{\"fieldName\":\"conversions\","
	    "\"index\":null}")), "conversions", -1 },
	{ "conversion_adjustments list",
	    ONE(AT("{\"fieldName\":\"conversion_adjustments\",\"index\":6},"
	    "{\"fieldName\":\"gclid_date_time_pair\"}")),
	    "conversion_adjustments", 6 },
	{ "another list name is no row",
	    ONE(AT("{\"fieldName\":\"conversion_adjustments\",\"index\":6}")),
	    "conversions", -1 },
};

static void
each_error(void)
{
	struct seen s;
	size_t i;
	jv st;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		st = tap_parse(rows[i].status, strlen(rows[i].status));
		if (!ok(jv_is_valid(st), "rows: %s: test JSON", rows[i].name))
			continue;
		memset(&s, 0, sizeof(s));
		ac_gads_each_error(st, rows[i].list, collect, &s);
		is_int(s.n, 1, "rows: %s: one error", rows[i].name);
		is_int(s.row[0], rows[i].row, "rows: %s: row", rows[i].name);
		is_str(s.code[0],
		    "conversionUploadError.INVALID_USER_IDENTIFIER",
		    "rows: %s: code", rows[i].name);
		jv_free(st);
	}

	/* Reference §3.4: rows 1 and 4. */
	st = tap_parse(RUDDER_PFE, strlen(RUDDER_PFE));
	memset(&s, 0, sizeof(s));
	ac_gads_each_error(st, "conversions", collect, &s);
	is_int(s.n, 2, "rudderlabs: two errors");
	is_int(s.row[0], 1, "rudderlabs: first at row 1");
	is_str(s.code[0], "conversionUploadError.NO_CONVERSION_ACTION_FOUND",
	    "rudderlabs: first code");
	is_int(s.row[1], 4, "rudderlabs: second at row 4");
	is_str(s.code[1], "internalError.INTERNAL_ERROR",
	    "rudderlabs: second code");
	jv_free(st);

	/* The same through a whole 200 answer. */
	{
		struct ac_http_verdict v;
		jv parsed, pfe;

		ac_http_classify(CURLE_OK, 200, UPLOAD_PARTIAL,
		    strlen(UPLOAD_PARTIAL), NULL, 0, &parsed, &v);
		pfe = jv_object_get(jv_copy(parsed),
		    jv_string("partialFailureError"));
		memset(&s, 0, sizeof(s));
		ac_gads_each_error(pfe, "conversions", collect, &s);
		jv_free(pfe);
		is_int(s.n, 2, "200 partial failure: two errors");
		is_int(s.row[0] * 10 + s.row[1], 14,
		    "200 partial failure: rows 1 and 4");
		jv_free(parsed);
	}

	/* Only GoogleAdsFailure details count; several are all read. */
	{
		static const char two[] = "{\"code\":3,\"details\":["
		    "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
		    "\"reason\":\"X\",\"errors\":[{\"errorCode\":"
		    "{\"a\":\"B\"}}]},"
		    FAILURE("{\"errorCode\":{\"fieldError\":\"REQUIRED\"},"
		    "\"location\":{\"fieldPathElements\":[{\"fieldName\":"
		    "\"conversions\",\"index\":0}]}}") ","
		    "{\"@type\":\"type.googleapis.com/google.ads.googleads.v24."
		    "errors.GoogleAdsFailure\",\"errors\":[\"not an object\","
		    "{\"errorCode\":{\"dateError\":\"INVALID_FIELD_VALUES_IN_"
		    "DATE_TIME\"},\"location\":{\"fieldPathElements\":"
		    "[{\"fieldName\":\"conversions\",\"index\":3}]}}]}]}";

		st = tap_parse(two, strlen(two));
		memset(&s, 0, sizeof(s));
		ac_gads_each_error(st, "conversions", collect, &s);
		is_int(s.n, 2,
		    "two failures: ErrorInfo and non-objects skipped");
		is_str(s.code[0], "fieldError.REQUIRED", "two failures: first");
		is_int(s.row[0], 0, "two failures: first row");
		is_str(s.code[1], "dateError.INVALID_FIELD_VALUES_IN_DATE_TIME",
		    "two failures: second");
		is_int(s.row[1], 3, "two failures: second row");
		jv_free(st);
	}

	/* Nothing to report. */
	{
		static const char *const none[] = {
			"{\"code\":3,\"message\":\"x\"}",
			"{\"code\":3,\"details\":{}}",
			"{\"code\":3,\"details\":[{\"errors\":[{\"errorCode\":"
			    "{\"a\":\"B\"}}]}]}",
			"null", "[]", "\"error\"",
		};

		for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
			st = tap_parse(none[i], strlen(none[i]));
			memset(&s, 0, sizeof(s));
			ac_gads_each_error(st, "conversions", collect, &s);
			is_int(s.n, 0, "no errors in %s", none[i]);
			jv_free(st);
		}
		memset(&s, 0, sizeof(s));
		ac_gads_each_error(jv_invalid(), "conversions", collect, &s);
		is_int(s.n, 0, "no errors in jv_invalid()");
	}
}

static void
first_error(void)
{
	static const char skip[] = "{\"details\":[" FAILURE(
	    "{\"message\":\"no code\"},"
	    "{\"errorCode\":{\"quotaError\":2},\"message\":\"numeric\"},"
	    "{\"errorCode\":{\"headerError\":\"INVALID_LOGIN_CUSTOMER_ID\"}}")
	    "]}";
	char code[96], msg[256];
	jv st, err;

	st = tap_parse(RUDDER_PFE, strlen(RUDDER_PFE));
	is_int(ac_gads_first_error(st, code, sizeof(code), msg, sizeof(msg)),
	    0, "first_error: found");
	is_str(code, "conversionUploadError.NO_CONVERSION_ACTION_FOUND",
	    "first_error: code");
	is_str(msg, "The conversion action cannot be found.",
	    "first_error: message");
	is_int(ac_gads_first_error(st, code, 11, msg, 8), 0,
	    "first_error: small buffers");
	is_str(code, "conversion", "first_error: code cut to the buffer");
	is_str(msg, "The con", "first_error: message cut to the buffer");
	jv_free(st);

	/* The first error that has a code. */
	st = tap_parse(skip, strlen(skip));
	is_int(ac_gads_first_error(st, code, sizeof(code), msg, sizeof(msg)),
	    0, "first_error: skips errors without a code");
	is_str(code, "headerError.INVALID_LOGIN_CUSTOMER_ID",
	    "first_error: the first with a code");
	is_str(msg, "", "first_error: no message is empty");
	jv_free(st);

	st = tap_parse(INTERNAL_BARE, strlen(INTERNAL_BARE));
	strcpy(code, "old");
	strcpy(msg, "old");
	err = jv_object_get(st, jv_string("error"));
	is_int(ac_gads_first_error(err, code, sizeof(code), msg, sizeof(msg)),
	    -1, "first_error: none in a bare status");
	jv_free(err);
	ok(code[0] == '\0' && msg[0] == '\0', "first_error: none clears both");
	is_int(ac_gads_first_error(jv_null(), code, sizeof(code), msg,
	    sizeof(msg)), -1, "first_error: none in null");
}

static void
error_code(void)
{
	static const struct {
		const char *error, *want;
	} ec[] = {
		{ "{\"errorCode\":{\"quotaError\":\"RESOURCE_EXHAUSTED\"}}",
		    "quotaError.RESOURCE_EXHAUSTED" },
		{ "{\"message\":\"m\",\"errorCode\":{\"conversionUploadError\":"
		    "\"ORDER_ID_ALREADY_IN_USE\"},\"trigger\":{\"stringValue\":"
		    "\"x\"}}",
		    "conversionUploadError.ORDER_ID_ALREADY_IN_USE" },
		{ "{\"message\":\"m\"}", NULL },
		{ "{\"errorCode\":{}}", NULL },
		{ "{\"errorCode\":{\"quotaError\":4}}", NULL },
		{ "{\"errorCode\":\"quotaError.RESOURCE_EXHAUSTED\"}", NULL },
		{ "\"quotaError\"", NULL },
		{ "null", NULL },
	};
	char code[96];
	size_t i;
	int r;
	jv e;

	for (i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
		e = tap_parse(ec[i].error, strlen(ec[i].error));
		strcpy(code, "old");
		r = ac_gads_error_code(e, code, sizeof(code));
		is_int(r, ec[i].want != NULL ? 0 : -1, "error_code: %s: result",
		    ec[i].error);
		is_str(code, ec[i].want != NULL ? ec[i].want : "",
		    "error_code: %s: code", ec[i].error);
		jv_free(e);
	}
	e = tap_parse(ec[0].error, strlen(ec[0].error));
	ac_gads_error_code(e, code, 12);
	is_str(code, "quotaError.", "error_code: cut to the buffer");
	jv_free(e);
}

static void
retryable(void)
{
	static const struct {
		const char *code;
		int want;
	} rc[] = {
		{ "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED", 1 },
		{ "internalError.INTERNAL_ERROR", 1 },
		{ "internalError.TRANSIENT_ERROR", 1 },
		{ "internalError.DEADLINE_EXCEEDED", 1 },
		{ "databaseError.CONCURRENT_MODIFICATION", 1 },
		{ "quotaError.RESOURCE_EXHAUSTED", 0 },
		{ "internalError.ERROR_CODE_NOT_PUBLISHED", 0 },
		{ "conversionUploadError.TOO_RECENT_EVENT", 0 },
		{ "authenticationError.OAUTH_TOKEN_EXPIRED", 0 },
		{ "rpc.UNAVAILABLE", 0 },
		{ "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(rc) / sizeof(rc[0]); i++)
		is_int(ac_gads_code_retryable(rc[i].code), rc[i].want,
		    "retryable: '%s'", rc[i].code);
}

static void
durations(void)
{
	static const struct {
		const char *s;
		long long want;
	} d[] = {
		{ "30s", 30000 }, { "1.5s", 1500 }, { "0s", 0 },
		{ "0.001s", 1 }, { "43200s", 43200000 }, { "0.000000001s", 0 },
		{ "", -1 }, { "30", -1 }, { "-1s", -1 }, { "s", -1 },
		{ " 30s", -1 }, { "30s ", -1 }, { "30 s", -1 }, { "30ms", -1 },
		{ "1m", -1 }, { ".5s", -1 }, { "nans", -1 }, { "infs", -1 },
		{ "10000000000s", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		is_int(ac_duration_ms(d[i].s), d[i].want,
		    "duration_ms('%s')", d[i].s);
	is_int(ac_duration_ms(NULL), -1, "duration_ms(NULL)");
}

static void
retry_after(void)
{
	static const struct {
		const char *s;
		time_t now;
		long long want;
	} ra[] = {
		{ "120", 0, 120000 },
		{ "0", 0, 0 },
		{ "30", T_FIXDATE, 30000 },
		{ " 5", 0, 5000 },
		{ "5\r\n", 0, 5000 },
		{ "-5", 0, -1 },
		{ "5s", 0, -1 },
		{ "1.5", 0, -1 },
		{ "5 6", 0, -1 },
		{ "", 0, -1 },
		{ "soon", 0, -1 },
		{ "99999999999999999999", 0, -1 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT", T_FIXDATE - 90, 90000 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT", T_FIXDATE, 0 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT", T_FIXDATE + 86400, 0 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT\r\n", T_FIXDATE - 1, 1000 },
		{ "Wed, 21 Oct 2015 07:28:00 PST", T_FIXDATE - 90, -1 },
		{ "Wed, 21 Oct 2015 07:28:00", T_FIXDATE - 90, -1 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT garbage", T_FIXDATE - 90, -1 },
		{ "Wed, 32 Oct 2015 07:28:00 GMT", T_FIXDATE - 90, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(ra) / sizeof(ra[0]); i++)
		is_int(ac_http_retry_after_ms(ra[i].s, ra[i].now), ra[i].want,
		    "retry_after_ms('%s', %lld)", ra[i].s,
		    (long long)ra[i].now);
	is_int(ac_http_retry_after_ms(NULL, 0), -1, "retry_after_ms(NULL)");
}

static void
backoff(void)
{
	static const struct {
		int attempt;
		long long base, cap;
		double rnd;
		long long want;
	} b[] = {
		{ 1, 1000, 64000, 1, 1000 }, { 1, 1000, 64000, 0, 500 },
		{ 1, 1000, 64000, 0.5, 750 },
		{ 2, 1000, 64000, 1, 2000 }, { 2, 1000, 64000, 0, 1000 },
		{ 3, 1000, 64000, 1, 4000 }, { 6, 1000, 64000, 1, 32000 },
		{ 7, 1000, 64000, 1, 64000 }, { 8, 1000, 64000, 1, 64000 },
		{ 8, 1000, 64000, 0, 32000 }, { 1000, 1000, 64000, 1, 64000 },
		{ 4, 1000, 5000, 1, 5000 }, { 4, 1000, 5000, 0, 2500 },
		{ 1, 50, 64000, 1, 50 }, { 1, 50, 64000, 0, 25 },
		{ 3, 50, 64000, 1, 200 },
		{ 1, 3, 64000, 1, 3 }, { 1, 3, 64000, 0, 1 },
		{ 1, 1000, 64000, -1, 500 }, { 1, 1000, 64000, 2, 1000 },
		{ 0, 1000, 64000, 1, 1000 },
	};
	size_t i;
	int a, k, inside = 1, mono = 1;
	long long d, w, prev;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		is_int(ac_http_backoff_ms(b[i].attempt, b[i].base, b[i].cap,
		    b[i].rnd), b[i].want, "backoff_ms(%d, %lld, %lld, %g)",
		    b[i].attempt, b[i].base, b[i].cap, b[i].rnd);

	/* Every jitter lies in [d/2, d] and grows with rnd. */
	for (a = 1; a <= 10; a++) {
		d = 1000LL << (a - 1);
		if (d > 64000)
			d = 64000;
		prev = -1;
		for (k = 0; k <= 100; k++) {
			w = ac_http_backoff_ms(a, 1000, 64000, k / 100.0);
			inside &= w >= d / 2 && w <= d;
			mono &= w >= prev;
			prev = w;
		}
	}
	ok(inside, "backoff: jitter within [d/2, d]");
	ok(mono, "backoff: jitter grows with rnd");
}

/* Data Manager's retry policy: 5 s, x1.3, at most 60 s (data-manager.md
 * §4.5, datamanager_grpc_service_config.json). */
static void
backoff_mult(void)
{
	static const long long want[] = { 5000, 6500, 8450, 10985, 14280,
		18564, 24133, 31372, 40783, 53017, 60000, 60000, 60000 };
	int a, k, inside = 1, mono = 1, near = 1;
	long long d, w, prev;
	double grpc;

	for (a = 1; a <= 13; a++)
		is_int(ac_http_backoff_mult_ms(a, 5000, 1.3, 60000, 1),
		    want[a - 1], "backoff_mult_ms(%d, 5000, 1.3, 60000, 1)", a);
	is_int(ac_http_backoff_mult_ms(1, 5000, 1.3, 60000, 0), 2500,
	    "backoff_mult_ms: attempt 1, rnd 0: d/2");
	is_int(ac_http_backoff_mult_ms(11, 5000, 1.3, 60000, 0), 30000,
	    "backoff_mult_ms: the cap, rnd 0: cap/2");
	is_int(ac_http_backoff_mult_ms(0, 5000, 1.3, 60000, 1), 5000,
	    "backoff_mult_ms: attempt 0 is the first");
	is_int(ac_http_backoff_mult_ms(-5, 5000, 1.3, 60000, 1), 5000,
	    "backoff_mult_ms: a negative attempt is the first");
	is_int(ac_http_backoff_mult_ms(3, 5000, 1.3, 60000, -1), 4225,
	    "backoff_mult_ms: rnd below 0 is 0");
	is_int(ac_http_backoff_mult_ms(3, 5000, 1.3, 60000, 7), 8450,
	    "backoff_mult_ms: rnd above 1 is 1");
	is_int(ac_http_backoff_mult_ms(1, 90000, 1.3, 60000, 1), 60000,
	    "backoff_mult_ms: a base above the cap is the cap");
	is_int(ac_http_backoff_mult_ms(4, 1000, 2.0, 64000, 1),
	    ac_http_backoff_ms(4, 1000, 64000, 1),
	    "backoff_mult_ms with 2 is backoff_ms");

	/* The gRPC formula min(5 s * 1.3^(n-1), 60 s), within 0.1 %. */
	for (a = 1, grpc = 5000; a <= 20; a++, grpc *= 1.3) {
		d = ac_http_backoff_mult_ms(a, 5000, 1.3, 60000, 1);
		near &= (grpc >= 60000 && d == 60000) ||
		    (d <= grpc && d >= grpc * 0.999);
	}
	ok(near, "backoff_mult_ms: the gRPC retry policy's delays");

	/* Jitter in [d/2, d], growing with rnd. */
	for (a = 1; a <= 14; a++) {
		d = ac_http_backoff_mult_ms(a, 5000, 1.3, 60000, 1);
		prev = -1;
		for (k = 0; k <= 100; k++) {
			w = ac_http_backoff_mult_ms(a, 5000, 1.3, 60000,
			    k / 100.0);
			inside &= w >= d / 2 && w <= d;
			mono &= w >= prev;
			prev = w;
		}
	}
	ok(inside, "backoff_mult_ms: jitter within [d/2, d]");
	ok(mono, "backoff_mult_ms: jitter grows with rnd");

	/* No overflow: large attempts and caps stay at the cap. */
	is_int(ac_http_backoff_mult_ms(1000000, 5000, 1.3, 60000, 1), 60000,
	    "backoff_mult_ms: attempt 10^6");
	is_int(ac_http_backoff_mult_ms(2147483647, 5000, 1.3, 60000, 1),
	    60000, "backoff_mult_ms: attempt INT_MAX");
	is_int(ac_http_backoff_mult_ms(2147483647, 5000, 1.3, 60000, 0),
	    30000, "backoff_mult_ms: attempt INT_MAX, rnd 0");
	is_int(ac_http_backoff_mult_ms(1000, 5000, 1.3, 9223372036854775807LL,
	    1), 9223372036854775807LL,
	    "backoff_mult_ms: a cap of LLONG_MAX is reached, not passed");
	w = ac_http_backoff_mult_ms(1000, 5000, 1.3, 9223372036854775807LL, 0);
	ok(w == 4611686018427387903LL, "backoff_mult_ms: LLONG_MAX, rnd 0: "
	    "half");
	w = ac_http_backoff_mult_ms(500, 5000, 1.3, 9223372036854775807LL,
	    0.5);
	ok(w > 0, "backoff_mult_ms: LLONG_MAX, rnd 0.5: positive");
	is_int(ac_http_backoff_ms(2147483647, 1000, 64000, 1), 64000,
	    "backoff_ms: attempt INT_MAX");
}

static void
urls(void)
{
	static const char *const good[] = {
		"https://googleads.googleapis.com/v25/customers/1234567890:"
		    "uploadClickConversions",
		"https://googleads.googleapis.com",
		"HTTPS://EXAMPLE.COM/x",
		"https://example.com:8443/v25?x=1",
		"https://203.0.113.7/",
		"http://127.0.0.1",
		"http://127.0.0.1:8080/v25",
		"http://127.1.2.3",
		"http://127.1.2.3:1/x",
		"http://127.255.255.255/",
		"http://localhost",
		"http://localhost:1234/path?q=1#f",
		"http://LOCALHOST/",
		"http://[::1]",
		"http://[::1]:8080/v25/customers/1",
		"http://127.0.0.1?x",
	};
	static const char *const bad[] = {
		"http://example.com",
		"http://example.com:80/",
		"http://googleads.googleapis.com/v25",
		"http://127.0.0.1.evil.com",
		"http://127.0.0.1.evil.com:8080/x",
		"http://localhost.evil.com/",
		"http://evil.com/127.0.0.1",
		"http://evil.com?127.0.0.1",
		"http://user:pw@127.0.0.1",
		"http://user:pw@127.0.0.1:8080/x",
		"http://127.0.0.1@evil.com/",
		"https://user:pw@example.com/",
		"ftp://127.0.0.1/",
		"file:///etc/passwd",
		"127.0.0.1:8080",
		"",
		"http://",
		"https://",
		"http:///path",
		"https:///path",
		"http://:8080/",
		"http:/127.0.0.1/",
		"http://128.0.0.1/",
		"http://10.0.0.1/",
		"http://0.0.0.0/",
		"http://127.0.0.256/",
		"http://127.0.0.1.1/",
		"http://[::2]/",
		"http://[::1/",
		"http://[::ffff:10.0.0.1]/",
	};
	/* No host: refused. */
	static const char *const nohost[] = {
		"https://:443/",
		"https://:443",
	};
	/* libcurl does not connect to a loopback address for these:
	 * "0127" is octal for 87, and "-0" makes a name for DNS. The check
	 * reads the host as libcurl does. */
	static const char *const sneaky[] = {
		"http://0127.0.0.1/",
		"http://0127.0.0.1:8080/v25",
		"http://127.0.0.-0/",
	};
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(ac_http_url_ok(good[i], why, sizeof(why)), "url ok: %s",
		    good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(why, "");
		ok(!ac_http_url_ok(bad[i], why, sizeof(why)) && why[0] != '\0',
		    "url refused with a reason: '%s'", bad[i]);
	}
	for (i = 0; i < sizeof(sneaky) / sizeof(sneaky[0]); i++) {
		char name[160];

		snprintf(name, sizeof(name), "url refused: %s", sneaky[i]);
		ok(!ac_http_url_ok(sneaky[i], why, sizeof(why)), "%s", name);
	}
	for (i = 0; i < sizeof(nohost) / sizeof(nohost[0]); i++) {
		char name[160];

		snprintf(name, sizeof(name), "url refused: %s", nohost[i]);
		ok(!ac_http_url_ok(nohost[i], why, sizeof(why)), "%s", name);
	}
	ac_http_url_ok("http://example.com/", why, sizeof(why));
	is_str(why, "http:// is allowed only to a loopback host; use https://",
	    "url: the reason for http");
	ac_http_url_ok("http://u:p@127.0.0.1/", why, sizeof(why));
	ok(strstr(why, "u:p") == NULL, "url: the reason does not repeat the "
	    "password");
}

int
main(void)
{
	ac_setprogname("t_http");
	classify();
	classify_long_message();
	each_error();
	first_error();
	error_code();
	retryable();
	durations();
	retry_after();
	backoff();
	backoff_mult();
	urls();
	{
		/* a server's words reach a terminal: no control characters */
		char buf[64];

		ac_text_copy(buf, sizeof(buf), "bad\x1b[31m\nline\a");
		is_str(buf, "bad?[31m?line?", "control characters become ?");
	}
	return done_testing();
}

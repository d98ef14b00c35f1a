#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Loopback emulator of the Google Ads REST API, the Google Data Manager
API (events:ingest, requestStatus:retrieve) and Google's OAuth 2.0 endpoints
(authorization and token).  One emulator serves both APIs.

Usage:
    python3 tests/mock/gads.py --port 0 --port-file FILE [--tls CERT KEY]
                               [--state-dir DIR] [--log FILE] [options]

Python 3 standard library only.  Listens on 127.0.0.1 only and writes the
chosen port to FILE (atomically, via rename) once it is listening.  Stops
cleanly (exit 0) on SIGTERM or SIGINT.

Endpoints
  POST /{vNN}/customers/{customer_id}:uploadClickConversions
      ConversionUploadService.UploadClickConversions, REST form.  Follows
      /work/shared/reference/google-ads-api.md (cited below as "ref §x").
  POST /{vNN}/customers/{customer_id}:uploadCallConversions
      ConversionUploadService.UploadCallConversions (ref §1.3, §1.7).
  POST /{vNN}/customers/{customer_id}:uploadConversionAdjustments
      ConversionAdjustmentUploadService.UploadConversionAdjustments (ref
      §1.4, §1.8).
      The three share one front end: authentication, the adwords scope
      (see Scopes), customer id and
      login-customer-id checks, Content-Type application/json, strict
      proto3 JSON parsing of their own request message (an unknown name,
      such as jobId in a call request, is a 400 google.rpc.BadRequest),
      partialFailure required, 1 to 2000 rows, the "upload" faults.
      uploadClickConversions for a customer that is not allowlisted
      (--not-allowlisted, admin "allowlist", fault not_allowlisted): 403
      PERMISSION_DENIED, GoogleAdsFailure with the one error
      {"errorCode": {"notAllowlistedError":
      "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"}, "message": "The
      customer is not allowlisted for this feature."} for the whole
      request (after parsing, before any other check).  Rows
      are validated one by one; a 200 answer carries partialFailureError
      (fieldPathElements "conversions" for clicks and calls,
      "conversion_adjustments" for adjustments, with the row index) and
      "results" aligned with the request, {} for a failed row (no results
      with validateOnly).  jobId in the answer for clicks and adjustments.
      Calls, conversionUploadError (ref §2.2, §3.6):
        caller_id not E.164, international or US national
                            UNPARSEABLE_CALLERS_PHONE_NUMBER
        conversion_date_time before call_start_date_time
                            CONVERSION_PRECEDES_CALL
        call started less than 6 h before the emulator's clock
                            TOO_RECENT_CALL
        same action, caller and call start (as an instant) twice in the
        request (every such row)   DUPLICATE_CALL_CONVERSION_IN_REQUEST
        ... already in the ledger  CALL_CONVERSION_ALREADY_EXISTS
        result: {callerId, callStartDateTime, conversionAction,
        conversionDateTime} as sent.
      Adjustments, conversionAdjustmentUploadError (ref §2.3, §2.4, §3.7):
        RETRACTION/RESTATEMENT with order_id and gclid_date_time_pair
                            GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET
                            (an ENHANCEMENT may have both: order_id wins)
        a hash not 64 lower-case hex digits, an address_info without
        hashed first and last name, country code and postal code
                            INVALID_USER_IDENTIFIER
        mobile_id / third_party_user_id, or any identifier on a
        RETRACTION or RESTATEMENT  UNSUPPORTED_USER_IDENTIFIER
        two ENHANCEMENTs with the same action and order id
                            DUPLICATE_ENHANCEMENT_IN_REQUEST
        two RETRACTIONs or RESTATEMENTs with the same action, key, type
        and adjustment time   DUPLICATE_ADJUSTMENT_IN_REQUEST
      then, row by row in request order (earlier rows of the request
      count), against the ledger, first match only:
        no accepted click conversion with that action (and customer) and
        order_id, or gclid + conversion_date_time  CONVERSION_NOT_FOUND
        the conversion was retracted    CONVERSION_ALREADY_RETRACTED
        ENHANCEMENT of an enhanced one  CONVERSION_ALREADY_ENHANCED
        RESTATEMENT at the time of an earlier one
                                        RESTATEMENT_ALREADY_EXISTS
        RESTATEMENT older than an earlier one
                                        MORE_RECENT_RESTATEMENT_FOUND
        adjustment_date_time before the conversion
                                        ADJUSTMENT_PRECEDES_CONVERSION
        conversion more than 54 days before the emulator's clock
                                        CONVERSION_EXPIRED
      No TOO_RECENT_CONVERSION: since 2024-09-09 a conversion may be
      retracted or restated right after it (ref "Read first").
      Other row errors: fieldError REQUIRED (conversion_action,
      adjustment_type, adjustment_date_time of a RETRACTION/RESTATEMENT,
      order_id of an ENHANCEMENT or when no key is given, gclid and
      conversion_date_time inside gclid_date_time_pair,
      restatement_value(.adjusted_value) of a RESTATEMENT; caller_id,
      call_start_date_time, conversion_date_time of a call),
      fieldError VALUE_MUST_BE_UNSET (restatement_value outside a
      RESTATEMENT, user_agent outside an ENHANCEMENT), requestError
      INVALID_ENUM_VALUE (adjustment_type UNKNOWN or an unknown number),
      dateError, currencyCodeError, collectionSizeError TOO_MANY (more
      than 5 identifiers), NO_CONVERSION_ACTION_FOUND.
      MISSING_ORDER_ID_FOR_WEBPAGE and conversion-action types are not
      modelled.  result: {gclidDateTimePair?, orderId?, conversionAction,
      adjustmentDateTime?, adjustmentType} as sent.
  POST /v1/events:ingest
      Data Manager IngestionService.IngestEvents, REST form.  Follows
      /work/shared/reference/data-manager.md (cited below as "dm §x") and
      the protos beside it.  In order:
      1. the "upload" and "datamanager" faults (below);
      2. authentication: no or a non-Bearer Authorization header, or an
         unknown, expired or revoked token: 401 (no request-id header)
           {"error": {"code": 401, "message": "Request had invalid
            authentication credentials. Expected OAuth 2 access token, login
            cookie or other valid authentication credential.", "status":
            "UNAUTHENTICATED", "details": [{"@type":
            "type.googleapis.com/google.rpc.ErrorInfo", "reason":
            "CREDENTIALS_MISSING" (no usable header) | "ACCESS_TOKEN_EXPIRED"
            (any bad token), "domain": "googleapis.com"}]}}
         then the datamanager scope (see Scopes);
      3. the front end: Content-Type application/json, JSON syntax, strict
         proto3 JSON parsing of google.ads.datamanager.v1.IngestEventsRequest
         (every message it holds: Destination, ProductAccount, Event,
         AdIdentifiers, UserData, UserIdentifier (oneof), AddressInfo,
         Consent, DeviceInfo, CartData, Item, CustomVariable, ...,
         EncryptionInfo); lowerCamelCase and proto names; enums by name or
         number; int64 and double as numbers or strings; Timestamp as RFC
         3339 (upper-case T, Z or +-hh:mm, up to 9 fraction digits).  A parse
         error is the front end's 400 of the Google Ads side: message and
         fieldViolations[].description 'Invalid JSON payload received.
         Unknown name "x" at 'events[0]': Cannot find field.' (field: the
         enclosing element, snake_case, "events[0]") or "Invalid value at
         'events[0].event_timestamp' (type.googleapis.com/
         google.protobuf.Timestamp), "..."" (field: the field itself); a
         google.rpc.BadRequest detail only, no request-id;
      4. validation, fast-fail (dm §4.2): every violation is collected, in
         field order (destinations, events, consent, encoding,
         encryption_info), and one is enough to refuse the whole request --
         nothing is ingested:
           400 {"error": {"code": 400, "message": "There was a problem with
           the request.", "status": "INVALID_ARGUMENT", "details": [
             {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
              "reason": REASON of the first violation,
              "domain": "datamanager.googleapis.com", "metadata": {}},
             {"@type": "type.googleapis.com/google.rpc.BadRequest",
              "fieldViolations": [{"field": PATH, "description": TEXT,
                                   "reason": REASON}, ...]},
             {"@type": "type.googleapis.com/google.rpc.RequestInfo",
              "requestId": ID}]}}      and the request-id header.
         PATH: proto field names (snake_case) with [index], e.g.
         "events[3].user_data.user_identifiers[0].email_address" -- our
         choice for dm open question 2.  TEXT: the ErrorReason's comment in
         error.proto (never a value of the request).  Rules (REASON, PATH):
           no destinations                REQUIRED_FIELD_MISSING destinations
           more than 10                   TOO_MANY_DESTINATIONS  destinations
             (then the destinations are not checked one by one)
           per destinations[i]:
             operating_account missing    REQUIRED_FIELD_MISSING
                                          destinations[i].operating_account
             its account_type missing or UNSPECIFIED  REQUIRED_FIELD_MISSING,
             not GOOGLE_ADS   DESTINATION_ACCOUNT_TYPE_MISMATCH
                              (...operating_account.account_type)
             its account_id missing       REQUIRED_FIELD_MISSING, not ten
             digits INVALID_FORMAT (...operating_account.account_id)
             login_account, if present: the same two rules
                              (...login_account.account_type / .account_id)
             linked_account present
                 LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT
                              (...linked_account)
             product_destination_id missing  REQUIRED_FIELD_MISSING; not
             digits or no such conversion action (see Conversion actions)
                 INVALID_CONVERSION_ACTION_ID (...product_destination_id)
             a reference an earlier destination has
                 DUPLICATE_DESTINATION_REFERENCE (...reference)
           no events                      REQUIRED_FIELD_MISSING events
           more than 2000                 TOO_MANY_EVENTS events  (dm §1.5;
             then the events are not checked one by one)
           per events[i] (PATH below is relative to events[i]):
             a destination_references[j] naming no destination's reference
                 INVALID_ARGUMENT  destination_references[j]
                 (no references: the event goes to every destination)
             event_timestamp missing      REQUIRED_FIELD_MISSING
             ad_identifiers.gclid / gbraid / wbraid present but empty,
             longer than 512 or not [A-Za-z0-9_-]  INVALID_FORMAT
                 ad_identifiers.gclid (...)
             user_data without identifiers  REQUIRED_FIELD_MISSING
                                            user_data.user_identifiers
             more than 10 identifiers     TOO_MANY_USER_IDENTIFIERS
                                          user_data.user_identifiers
             an identifier with nothing set  REQUIRED_FIELD_MISSING
                                          user_data.user_identifiers[j]
             email_address, phone_number, address.given_name,
             address.family_name not a SHA-256 in the request's encoding
             (HEX: 64 hex digits, upper or lower case -- our choice for dm
             open question 7; BASE64: base64 of 32 bytes, standard or
             URL-safe alphabet, "=" optional)  INVALID_SHA256_FORMAT
                 user_data.user_identifiers[j].email_address (...)
                 (not checked while the encoding is missing)
             address.given_name / family_name / region_code / postal_code
             missing  REQUIRED_FIELD_MISSING; region_code not two letters
                 INVALID_REGION_CODE
             neither a click id (gclid, gbraid, wbraid) nor a user
             identifier   NO_IDENTIFIERS_PROVIDED  events[i]
             currency not three upper-case letters  INVALID_CURRENCY_CODE
             conversion_value negative, NaN or infinite
                                          INVALID_NUMBER_FORMAT
             event_source an unknown number  INVALID_ENUM_VALUE
             consent.ad_user_data / ad_personalization not
             CONSENT_STATUS_UNSPECIFIED, CONSENT_GRANTED or CONSENT_DENIED
                                          INVALID_ENUM_VALUE
           the request's consent: the same rule (consent.ad_user_data ...)
           an event with user_data and encoding missing or
           ENCODING_UNSPECIFIED  REQUIRED_FIELD_MISSING encoding (an
           unknown number: INVALID_ENUM_VALUE)
           encryption_info present  INVALID_ARGUMENT encryption_info (not
           modelled)
         A bad_event fault adds its violations here.
      5. validateOnly true: 200 {} (request-id header; the id has no
         status), nothing recorded.
      6. Otherwise 200 {"requestId": ID} (no fieldWarnings), the id also in
         the request-id header.  Each event goes to each of its destinations
         (operating account = customer, product_destination_id = action)
         and is applied in request order (a later event of the request sees
         the earlier ones), against the Data Manager conversions:
           key: (customer, action, transaction_id) when the event has one,
           else (customer, action, click id -- gclid, else gbraid, else
           wbraid, else none -- , event_timestamp as an instant).  A
           conversion created with a transaction id is also found by its
           click key.
           event_timestamp more than 90 days before the emulator's clock
             (our choice for dm open question 10): processing error
             EVENT_TOO_OLD, effect "failed", nothing else happens;
           effective ad_user_data (the event's consent, else the
             request's) CONSENT_DENIED, user data and no click id:
             DENIED_CONSENT, effect "failed";
           key new: a new conversion, effect "created";
           no transaction_id and the key exists: effect "duplicate",
             processing error DUPLICATE_GCLID when keyed by a click id
             (none for an event with neither: de-duplicated silently, as
             Google does call conversions, dm §6);
           transaction_id matches (an adjustment, dm §5): conversion_value
             and currency, when the event has them, overwrite the
             conversion's: effect "restated" if either differs; else user
             data is added if the conversion had none: "enhanced" (a
             restatement adds it too); else "unchanged", and when value,
             currency and user data are all identical to the conversion's,
             processing error DUPLICATE_TRANSACTION_ID (our choice for dm
             open question 6).  Everything else is kept as first sent.
         One ledger line per event and destination (see Ledger).
  GET  /v1/requestStatus:retrieve?requestId=ID  (request_id=ID too)
      IngestionService.RetrieveRequestStatus (dm §4.6).  Faults of endpoint
      "status", authentication and the datamanager scope as above.  A
      query parameter other than requestId, request_id, alt, $alt,
      prettyPrint, fields, key: the front end's 400 'Invalid JSON payload
      received. Unknown name "x": Cannot bind query parameter. ...'.  No
      id: the fast-fail 400 with REQUIRED_FIELD_MISSING request_id; an id
      no ingest answered with (unknown, failed, validateOnly):
      INVALID_REQUEST_ID request_id.  Else 200
        {"requestStatusPerDestination": [one per destination of the
         request, in its order: {"destination": {as sent, camelCase keys,
         enum names}, "requestStatus": S, "errorInfo": {"errorCounts":
         [{"recordCount": "N", "reason": "PROCESSING_ERROR_REASON_R"}, ...
         in enum order]} (FAILED and PARTIAL_SUCCESS only),
         "eventsIngestionStatus": {"recordCount": "N"} (not while
         PROCESSING)}]}
      S is PROCESSING until the emulator's clock reaches the ingest time +
      --dm-processing-seconds (default 1800: "wait 30 minutes", dm §4.6);
      then, per destination, from the processing errors of its events
      (above): SUCCESS (none; also a destination no event went to,
      recordCount "0"), FAILED (every event has one), else PARTIAL_SUCCESS.
      int64 counts are JSON strings.
  POST /{vNN}/customers/{customer_id}/googleAds:search  (and :searchStream)
      GoogleAdsService.Search / SearchStream.  GAQL: tests/mock/gaql.py
      (resources customer, conversion_action,
      offline_conversion_upload_client_summary,
      offline_conversion_upload_conversion_action_summary; grammar and the
      queryError of each refusal there).  Faults of endpoint "search" (or
      "any"), authentication and the adwords scope as for the uploads
      (method GoogleAdsService.Search / .SearchStream), customer id and
      login-customer-id format, strict parsing of SearchGoogleAdsRequest
      (query, pageToken, pageSize, validateOnly, returnTotalResultsCount,
      summaryRowSetting, searchSettings) or SearchGoogleAdsStreamRequest
      (query, summaryRowSetting: no page token).  Then, choices where the
      reference is silent:
        access: admin "customers" "denied" or a "login_customers" list the
        login-customer-id (else the customer itself) is not in: 403
        authorizationError USER_PERMISSION_DENIED; a status other than
        ENABLED: 403 CUSTOMER_NOT_ENABLED (search only: uploads ignore it);
        pageSize present: 400 requestError PAGE_SIZE_NOT_SUPPORTED; no
        query: REQUIRED_FIELD_MISSING; a refused query: 400
        INVALID_ARGUMENT, GoogleAdsFailure [{queryError: CODE, message:
        the QueryErrorEnum comment}]; a page token not handed out for
        this customer and query: INVALID_PAGE_TOKEN (tokens never expire);
        pageToken with validateOnly: VALIDATE_ONLY_REQUEST_HAS_PAGE_TOKEN.
      Answer: {"results": [rows] (left out when none), "nextPageToken"
      (pages of 10000 rows), "totalResultsCount" (when asked), "fieldMask"
      (the selected fields, camelCase), "queryResourceConsumption"};
      validateOnly: {"fieldMask"}.  searchStream: a JSON array of such
      batches of up to 10000 rows, each with "requestId" (one batch
      without results when none); its errors are [{"error": ...}] (ref
      §3.2).  Rows: camelCase, int64 as strings, enums by name; the
      resource_name of each resource a selected field comes from is
      added; fields without presence are left out at their default (a
      false acceptedCustomerDataTerms is absent: proto3 JSON).
      Customers: every ten-digit id exists, with CUSTOMER_DEFAULTS (data
      terms accepted, ECL on, tracked by itself) unless admin "customers"
      says otherwise; "conversion_customer": M makes M the
      google_ads_conversion_customer and gives the customer M's tracking
      id, data terms and ECL setting ("inherited from the manager",
      customer.proto), status MANAGED_BY_THIS_MANAGER when M is the
      login-customer-id, else MANAGED_BY_ANOTHER_MANAGER.
      Conversion actions of a customer: those of admin
      "conversion_actions" (ACTION_DEFAULTS for what they do not say:
      ENABLED, UPLOAD_CLICKS, primary, counted, MANY_PER_CLICK, 30-day
      click-through window), and with the defaults the ids of the upload
      rule (below) that are in the explicit set or named by the query's
      id / resource_name = or IN.  Uploads do not look at these settings.
      Upload summaries: what admin "upload_summaries" sets for a
      customer; else derived from the Google Ads API uploads the emulator
      executed for it (clicks, calls, adjustments; not validateOnly; not
      Data Manager events, whether they count is dm open question 9): one
      client summary (GOOGLE_ADS_API) and one per conversion action, each
      with total/successful/pending event counts, daily_summaries (by
      upload date, UTC, on the emulator's clock), job_summaries (per
      job_id; calls have none), alerts (per error code, its share of the
      events) and a status of our choosing (success rate >= 0.9
      EXCELLENT, >= 0.7 GOOD, else NEEDS_ATTENTION).  A row taken counts
      as pending until --ads-processing-seconds (default 0) have passed
      on the emulator's clock, then as successful; a refused row as
      failed.  Kept in memory only (not in the state dir); admin reset
      clears them.  success_rate and pending_rate of a client summary
      are computed from its counts when not given.
  GET  /o/oauth2/v2/auth  (also /o/oauth2/auth)
      OAuth 2.0 authorization endpoint of the installed-app (loopback) flow
      with PKCE.  The emulated user consents at once.  Query: client_id,
      redirect_uri, response_type=code, scope (with the adwords or the
      datamanager scope, or both),
      code_challenge + code_challenge_method=S256 (required here), state
      (echoed), access_type (offline: the exchange also yields a refresh
      token), prompt, login_hint (recorded, see /__admin/consent).
        success             302 Location: REDIRECT?state=S&code=C&scope=SC
                            (state only when given; "&" if REDIRECT already
                            has a query).  The code is single-use, lives 600
                            s, and is bound to client_id, redirect_uri and
                            the challenge.
        no client_id        400 text/html page "Error 400: invalid_request"
        other client_id     400 text/html page "Error 401: invalid_client"
        no redirect_uri     400 text/html page "Error 400: invalid_request"
        redirect_uri not http://127.0.0.1:PORT[/path], http://[::1]:PORT[/path]
                            or http://localhost:PORT[/path]
                            400 text/html page "Error 400:
                            redirect_uri_mismatch"  (these four: no redirect)
        no response_type    302 REDIRECT?error=invalid_request&state=S
        response_type not code   302 ...?error=unsupported_response_type
        scope with neither adwords nor datamanager
                                 302 ...?error=invalid_scope
        challenge missing, not 43 base64url characters, or method not S256
                            302 ...?error=invalid_request
        admin consent "deny"     302 ...?error=access_denied&state=S
  POST /token  (also /oauth2/v3/token, /oauth2/v4/token, /o/oauth2/token)
      OAuth 2.0 token endpoint, application/x-www-form-urlencoded.  Answers
      (other than injected faults) carry Cache-Control: no-store; errors are
      {"error", "error_description"}.  Access tokens live --token-ttl
      seconds whatever the grant, and carry the scopes of the grant (see
      Scopes); "scope" in the answers is the granted scopes,
      space-separated.
      grant_type=refresh_token (ref §5.2): client_id, client_secret (or HTTP
        Basic), refresh_token -> {access_token, expires_in, scope,
        token_type}.  Accepted refresh tokens: --refresh-token (scopes:
        --refresh-token-scope, default both), admin "refresh_token", and
        those the authorization_code grant issued (the consent's scope).
        400 invalid_grant "Token has been expired or revoked." otherwise.
        A "scope" parameter may narrow the grant (the token carries only
        those scopes) but not widen it: 400 invalid_scope "Invalid OAuth
        scope or ID token audience provided." (RFC 6749 §6).
      grant_type=authorization_code: code, client_id, client_secret,
        redirect_uri, code_verifier -> {access_token, expires_in,
        refresh_token (only if the consent had access_type=offline), scope,
        token_type}.  Errors: 400 invalid_grant "Bad Request" (code unknown,
        used or expired; a code is used up by any exchange that names it
        with good client credentials, even a failed one), 400
        redirect_uri_mismatch "Bad Request", 400 invalid_grant "Missing code
        verifier." / "Invalid code verifier.", 400 invalid_request
        "Missing required parameter: code" / "...: redirect_uri".
      grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer (ref §5.3):
        assertion = RS256 JWT of a --service-account, verified for real ->
        {access_token, expires_in, token_type} (no refresh_token, no scope;
        the token carries the JWT's scope claim).
        Errors (see grant_jwt_bearer): 400 invalid_grant "Invalid JWT
        Signature." (malformed, alg not RS256, bad signature), 400
        invalid_grant "Invalid grant: account not found" (iss), 400
        invalid_grant "Invalid JWT: Failed audience check. ..." (aud not
        https://oauth2.googleapis.com/token nor http(s)://127.0.0.1:PORT/token),
        400 invalid_grant "Invalid JWT: Token must be a short-lived token (60
        minutes) and in a reasonable timeframe. Check your iat and exp values
        in the JWT claim." (iat > now+60, exp <= now, exp-iat > 3600), 400
        invalid_scope "Invalid OAuth scope or ID token audience provided."
        (scope with neither adwords nor datamanager), 401
        unauthorized_client "Client is
        unauthorized to retrieve access tokens using this method, or client
        not authorized for any of the scopes requested." (sub not an
        --impersonate user), 400 invalid_request "Missing required parameter:
        assertion".
      Client errors of the refresh_token and authorization_code grants: 400
        invalid_request "Could not determine client ID from request." (no
        client_id), 401 invalid_client "The OAuth client was not found."
        (other client_id), 400 invalid_request "client_secret is missing.",
        401 invalid_client "Unauthorized" (wrong secret).  Other grants: 400
        unsupported_grant_type "Invalid grant_type: G".
  /__admin/...  test control, no auth, loopback clients only:
      POST /__admin/faults    JSON list of faults (or {"faults": [...]}),
                              appended to the queue; GET lists the queue;
                              DELETE empties it.
      GET  /__admin/ledger    {"conversions": [the ledger lines of both
                              APIs, in order]}
      GET  /__admin/conversions  {"conversions": [the current state of each
                              Data Manager conversion: customer, action_id,
                              transaction_id, click_id_type, click_id,
                              event_timestamp, event_source, value,
                              currency, user_identifiers (a count),
                              consent, enhanced, restatements (count),
                              request_id (that created it),
                              updated_request_id (last adjustment)]}
      POST /__admin/allowlist {"deny": [CID], "allow": [CID]}: customers
                              whose click uploads are refused (not
                              allowlisted) or no longer.  GET (and POST):
                              {"not_allowlisted": [CID, ...]}
      GET  /__admin/requests  {"requests": [the log entries, in order]}
      POST /__admin/reset     ledger (memory and file), Data Manager
                              conversions and request statuses (memory and
                              file), faults, tokens, refresh tokens, codes,
                              consent, clock, actions, the allowlist and the
                              request log back to start-up
      POST /__admin/tokens    {"add": [TOKEN | {"token": T, "expires_in": S,
                                             "scopes": [S1, ...] or "S1 S2"}],
                               "expire": [T], "revoke": [T],
                               "expire_all": true, "revoke_refresh_token": true,
                               "refresh_token": NEW | {"refresh_token": NEW,
                                                       "scope": "S1 S2"}}
                              Added tokens carry both scopes and a plain
                              refresh token grants both, unless said.
                              GET: counts only
      POST /__admin/actions   {"add": [ID], "remove": [ID], "set": [ID],
                               "default_rule": bool}      GET: current set
      POST /__admin/consent   {"deny": true | N | false}: the next (N)
                              consents are refusals (access_denied)
                              GET (and POST): {"deny": N, "codes": number of
                              unused codes, "authorizations": [one object
                              per GET of the authorization endpoint:
                              client_id, redirect_uri, response_type, scope,
                              state, access_type, prompt,
                              code_challenge_method, login_hint, time,
                              result ("code" or the error)]}
      POST /__admin/clock     {"offset": S} sets, {"advance": S} adds to the
                              seconds the emulator adds to its clock; it
                              moves access-token and code expiry, the JWT
                              iat/exp checks, the timing rules of calls
                              and adjustments, EVENT_TOO_OLD and the end of
                              PROCESSING of Data Manager requests (not log
                              or ledger times).
                              GET (and
                              POST): {"offset": S, "now": epoch seconds}
      POST /__admin/customers {"add": [{"id": CID, SETTING: V, ...}]} merges,
                              {"set": [...]} replaces all, "remove": [CID].
                              Settings: descriptive_name, currency_code,
                              time_zone, auto_tagging_enabled, manager,
                              test_account, status, accepted_customer_data_
                              terms, enhanced_conversions_for_leads_enabled,
                              conversion_tracking_id, conversion_customer,
                              conversion_tracking_status, login_customers
                              ([CID]), denied (bool).  GET: the list
      POST /__admin/conversion_actions {"customer": CID, "add" | "set":
                              [{"id": N, FIELD: V, "value_settings": {...}}],
                              "remove": [N]}: fields of conversion_action by
                              proto name, enums by name.  GET: all
      POST /__admin/upload_summaries {"customer": CID, "clients": [...],
                              "conversion_actions": [...]}: the customer's
                              summaries (proto field names, alerts as
                              {"error": {"conversion_upload_error": X},
                              "error_percentage": F}), replaced.  GET: all
      GET  /__admin/health    {"ok": true}

Conversion actions: an action exists if its id is in the explicit set
(--actions, admin "add"/"set") or, while the default rule is on, if its id is
below 1000000.  --actions and admin "set" turn the default rule off.  The
same rule decides Data Manager's product_destination_id.

Scopes: adwords = https://www.googleapis.com/auth/adwords, datamanager =
https://www.googleapis.com/auth/datamanager.  Every access token carries a
set of scopes: --access-token and admin "add" tokens both (unless "scopes"
is given), tokens of the refresh_token grant those of the refresh token,
of the authorization_code grant those of the consent, of the jwt-bearer
grant the JWT's scope claim.  The three Google Ads methods need adwords,
the Data Manager endpoints datamanager.  A valid token without it (checked
after the token itself, before anything else of the request):
  403 {"error": {"code": 403, "message": "Request had insufficient
  authentication scopes.", "status": "PERMISSION_DENIED", "details":
  [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason":
  "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com",
  "metadata": {"service": "googleads.googleapis.com" |
  "datamanager.googleapis.com", "method":
  "google.ads.googleads.vNN.services.ConversionUploadService.
  UploadClickConversions" (.UploadCallConversions,
  ConversionAdjustmentUploadService.UploadConversionAdjustments) |
  "google.ads.datamanager.v1.IngestionService.IngestEvents"
  (.RetrieveRequestStatus)}}]}}      (no request-id header)

Faults: each is an object {"kind": K, ...} with optional "endpoint"
("upload", the default: any of the three Google Ads upload methods and
events:ingest; "googleads": the three Google Ads methods only;
"datamanager": events:ingest only; "status": requestStatus:retrieve;
"token"; or "any": every endpoint but the authorization endpoint), "count"
(how many matching requests it applies to, default 1; bad_event 1000000)
and "delay" (seconds to sleep first).  A request takes the first queued
fault whose endpoint matches it and that applies to it: row_error,
concurrent_modification and not_allowlisted wait for a Google Ads request
(not_allowlisted for uploadClickConversions), bad_event for a Data
Manager request holding one of its transaction ids.  Kinds on the Google
Ads methods (GoogleAdsFailure bodies):
  rate_limit             429 RESOURCE_EXHAUSTED, quotaError
                         RESOURCE_TEMPORARILY_EXHAUSTED, quotaErrorDetails
                         retryDelay "<retry_delay>s" (default 30) and a
                         Retry-After header (omit with "retry_after": false)
  daily_quota            429 RESOURCE_EXHAUSTED, quotaError RESOURCE_EXHAUSTED,
                         retryDelay in hours (default 43200s), no Retry-After
                         unless "retry_after": true
  internal               500 INTERNAL, internalError INTERNAL_ERROR
                         ("details": false for a bare google.rpc.Status)
  transient              500 INTERNAL, internalError TRANSIENT_ERROR
  concurrent_modification 409 ABORTED, databaseError CONCURRENT_MODIFICATION
  deadline_exceeded      504 DEADLINE_EXCEEDED, no details
  unavailable            503 UNAVAILABLE, no details
  bad_gateway_html       502 with a text/html body
  reset                  close the connection (RST) without an answer
  slow                   sleep "seconds" (default 2), then answer normally
  token_expired          401 authenticationError OAUTH_TOKEN_EXPIRED
  row_error              rows "rows" (list) or "row" fail with "errorCode"
                         (default {"internalError": "INTERNAL_ERROR"}) and
                         "message"; the other rows are processed normally
  executed_then_dropped  process the request (ledger updated), then close
                         the connection (RST) before the answer
  error                  any Google Ads error: "http", "status", "errorCode",
                         "message", "details" (false: no GoogleAdsFailure)
  not_allowlisted        the next click upload, whatever its customer, is
                         refused as for a customer not allowlisted (above)
  oauth_error            token endpoint answer {"error", "error_description"}
                         with status "http" (default 400)
On the Data Manager endpoints the bodies are google.rpc.Status with
details [ErrorInfo {"reason": R, "domain": "datamanager.googleapis.com",
"metadata": {}}, (more), RequestInfo {"requestId"}] and a request-id
header, never a GoogleAdsFailure:
  rate_limit, daily_quota  429 RESOURCE_EXHAUSTED, R RESOURCE_EXHAUSTED, a
                         google.rpc.RetryInfo {"retryDelay": "<retry_delay>s"}
                         (default 30) and a Retry-After header (omit with
                         "retry_after": false); daily_quota is the same
                         here (Data Manager quotas are per project)
  internal, transient    500 INTERNAL, R INTERNAL_ERROR ("details": false
                         for a bare google.rpc.Status)
  deadline_exceeded      504 DEADLINE_EXCEEDED, R DEADLINE_EXCEEDED
  unavailable            503 UNAVAILABLE, no details, no request-id
  token_expired          the 401 of a bad token (ACCESS_TOKEN_EXPIRED)
  error                  "http", "status" (default INVALID_ARGUMENT), "reason"
                         (default the status), "message", "field_violations"
                         ([{field, description, reason}]: a BadRequest),
                         "details" (false: none)
  bad_gateway_html, reset, slow, executed_then_dropped  as above
  bad_event              {"transaction_ids": [...], "reason" (default
                         INVALID_FORMAT), "field" (default transaction_id),
                         "name_events" (default true), "description"}: a
                         request holding an event with one of these
                         transaction ids fails fast (the 400 of events:ingest)
                         with, for each such event, the violation
                         (events[i].FIELD, description, reason) added to the
                         real ones; with "name_events": false the answer has
                         the ErrorInfo but no BadRequest at all (the client
                         must bisect).  Requests without such an event are
                         processed normally and do not use up its count.
Kinds per endpoint: "upload" all the above but oauth_error; "googleads" the
Google Ads kinds; "datamanager" rate_limit, daily_quota, internal,
transient, deadline_exceeded, unavailable, bad_gateway_html, reset, slow,
token_expired, executed_then_dropped, error, bad_event; "status" the same
without executed_then_dropped and bad_event; "token" internal, transient,
deadline_exceeded, unavailable, bad_gateway_html, reset, slow and
oauth_error; "any" only the kinds common to all (the token list without
oauth_error); a fault for the wrong endpoint is refused (400) when queued.  On the token endpoint
internal and transient answer 500 {"error": "internal_failure", ...} and
unavailable / deadline_exceeded 503 / 504 in that OAuth shape.
Token faults apply to every grant.  The authorization endpoint takes no
faults; admin "consent" is its one switch.

Service accounts: --service-account EMAIL=PUBKEY.pem (repeatable) registers
EMAIL with its RSA public key (PEM SubjectPublicKeyInfo, as `openssl pkey
-pubout` writes; "RSA PUBLIC KEY" PKCS#1 also read; 2048 bits or more);
--impersonate USER (repeatable) lets every service account act for USER via
the JWT's "sub".

Log (--log): one NDJSON line per request to the upload, Data Manager, token
or authorization endpoint or an unknown path (admin requests are not logged: the
log records what the client under test sent): time, method, path (query
parameters code, code_verifier, client_secret, refresh_token, assertion,
access_token, id_token, password become "<redacted>"; code_challenge and
state are kept, and so is requestStatus:retrieve's requestId), headers
(authorization becomes "Bearer <redacted>",
developer-token, cookie and proxy-authorization "<redacted>"), body (parsed
JSON, every callerId replaced by "sha256:" and the SHA-256 of its text; the
token form as an object with the same parameters redacted; null if
unparsable), status (null when the connection was dropped), request_id,
fault.  No access token, refresh token, code, verifier, assertion or client
secret is ever written (the authorization endpoint's Location is not logged).

Ledger (--state-dir DIR): accepted rows are appended to DIR/ledger.ndjson, one
object per row, with "kind":
  click       time, kind, customer, action, action_id, order_id, click_id,
              click_id_type, conversion_date_time, value, currency_code,
              user_identifiers (a count), job_id, request_id
  call        time, kind, customer, action, action_id, caller_id_sha256,
              call_start_date_time, conversion_date_time, value,
              currency_code, request_id (no job_id: calls have none).
              The caller's number is never stored: caller_id_sha256 is the
              lower-case hex SHA-256 of its E.164 form ("+16502531234"),
              because tests read the ledger and it holds no phone number.
  adjustment  time, kind, customer, action, action_id, adjustment_type,
              adjustment_date_time, order_id, gclid, conversion_date_time
              (the last two from gclid_date_time_pair, else null), value and
              currency_code (from restatement_value, else null),
              user_identifiers (a count), user_agent, job_id, request_id
  event       (Data Manager, one per event and destination of an accepted
              request) time, kind, api ("datamanager"), customer (the
              operating account), action_id (product_destination_id),
              transaction_id, click_id_type, click_id, event_timestamp,
              event_source, value, currency, user_identifiers (a count, never
              a hash), consent (the effective {adUserData,
              adPersonalization}, GRANTED/DENIED only, or null), effect
              ("created" | "restated" | "enhanced" | "unchanged" |
              "duplicate" | "failed"), processing_error (EVENT_TOO_OLD,
              DENIED_CONSENT, DUPLICATE_GCLID, DUPLICATE_TRANSACTION_ID or
              null), request_id
Date times are kept as sent.  An existing ledger.ndjson is loaded at start-up
(an entry without "kind" is a click) so de-duplication and adjustment state
survive a restart; Data Manager conversions are rebuilt from the effects of
the event lines.  The SHA-256 of an event's user data (for
DUPLICATE_TRANSACTION_ID) is kept in memory only: after a restart a
conversion's user data never counts as identical.  Data Manager request
statuses are appended to DIR/dm-requests.ndjson (request_id, time on the
emulator's clock, destinations, per destination counts) and loaded at
start-up.  The request log (--log) keeps request bodies as sent,
but for callerId, logged as its SHA-256 (see Log above).
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import hmac
import html
import http.server
import json
import math
import os
import random
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gaql  # noqa: E402  (tests/mock/gaql.py, beside this file)

ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
DM_SCOPE = "https://www.googleapis.com/auth/datamanager"
# What a token carries unless told otherwise (--access-token, admin "add",
# --refresh-token without --refresh-token-scope)
BOTH_SCOPES = ADWORDS_SCOPE + " " + DM_SCOPE
API_SCOPES = (ADWORDS_SCOPE, DM_SCOPE)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CODE_GRANT = "authorization_code"
# The audience every Google service-account JWT names (ref §5.3: "When making
# an access token request this value is always
# https://oauth2.googleapis.com/token").
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
CODE_TTL = 600                   # seconds an authorization code lives
JWT_MAX_LIFETIME = 3600          # exp - iat at most (ref §5.3)
JWT_SKEW = 60                    # iat may be this far in the future
MAX_ROWS = 2000                  # ref §2.1
MAX_IDENTIFIERS = 5              # ref §1.6 (user_identifiers comment)
DEFAULT_ACTION_LIMIT = 1000000   # ids below this exist by default
MAX_BODY = 64 << 20

# google.rpc.Code name -> HTTP status (ref §3.1) and the canonical message
# Google's front ends put in error.message for each.  The messages are not
# in the reference; they are the strings Google's REST APIs answer with.
STATUS = {
    "INVALID_ARGUMENT": (400, "Request contains an invalid argument."),
    "FAILED_PRECONDITION": (400, "Precondition check failed."),
    "UNAUTHENTICATED": (401, "Request had invalid authentication credentials. "
                        "Expected OAuth 2 access token, login cookie or other "
                        "valid authentication credential. See "
                        "https://developers.google.com/identity/sign-in/web/"
                        "devconsole-project."),
    "PERMISSION_DENIED": (403, "The caller does not have permission"),
    "NOT_FOUND": (404, "Requested entity was not found."),
    "ABORTED": (409, "The operation was aborted."),
    "RESOURCE_EXHAUSTED": (429, "Resource has been exhausted (e.g. check quota)."),
    "INTERNAL": (500, "Internal error encountered."),
    "UNAVAILABLE": (503, "The service is currently unavailable."),
    "DEADLINE_EXCEEDED": (504, "The request deadline was exceeded."),
}
GRPC_CODE = {"INVALID_ARGUMENT": 3, "INTERNAL": 13}
MISSING_CREDENTIAL = (
    "Request is missing required authentication credential. Expected OAuth 2 "
    "access token, login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project.")

# GoogleAdsError.message per error code.  Texts are the v25 proto comments
# (ref §3.6, §3.8 and the errors/*.proto files it cites), except where a
# capture from the live API quoted in ref §3.4 gives the real wording
# (NO_CONVERSION_ACTION_FOUND, INTERNAL_ERROR).
MESSAGES = {
    "conversionUploadError": {
        "TOO_MANY_CONVERSIONS_IN_REQUEST":
            "Upload fewer than 2001 events in a single request.",
        "ORDER_ID_ALREADY_IN_USE":
            "The imported event includes an order ID that was previously "
            "recorded, so the event was not processed.",
        "DUPLICATE_ORDER_ID":
            "Imported events include multiple conversions with the same order "
            "ID and were not processed. Make sure order IDs are unique and try "
            "again.",
        "CLICK_CONVERSION_ALREADY_EXISTS":
            "The imported event has the same click and `conversion_date_time` "
            "as an existing conversion. Use a unique `conversion_date_time` or "
            "order ID for each unique event and try again.",
        "DUPLICATE_CLICK_CONVERSION_IN_REQUEST":
            "Multiple events have the same click and `conversion_date_time`. "
            "Make sure your `conversion_date_time` is correctly configured and "
            "try again.",
        "INVALID_USER_IDENTIFIER":
            "Make sure you hash user provided data using SHA-256 and ensure you "
            "are normalizing according to the guidelines.",
        "UNSUPPORTED_USER_IDENTIFIER":
            "The provided user identifiers are not supported. Use only hashed "
            "email or phone number and try again.",
        "GBRAID_WBRAID_BOTH_SET":
            "Can't use both gbraid and wbraid parameters. Use only 1 and try "
            "again.",
        "INVALID_JOB_ID":
            "The provided job id in the request is not within the allowed "
            "range. A job ID must be a positive integer in the range [1, 2^31).",
        "NO_CONVERSION_ACTION_FOUND": "The conversion action cannot be found.",
        "TOO_RECENT_EVENT":
            "The click associated with the given identifier or iOS URL "
            "parameter occurred less than 6 hours ago. Retry after 6 hours "
            "have passed.",
        "TOO_RECENT_CONVERSION_ACTION":
            "Can't import events to a conversion action that was just created. "
            "Try importing again in 6 hours.",
        "EXPIRED_EVENT":
            "The imported event can't be recorded because its click occurred "
            "before this conversion's click-through window. Make sure you "
            "import the most recent data.",
        "CONVERSION_PRECEDES_EVENT":
            "The imported event has a `conversion_date_time` that precedes the "
            "click. Make sure your `conversion_date_time` is correct and try "
            "again.",
        # calls (ref §3.6)
        "UNPARSEABLE_CALLERS_PHONE_NUMBER":
            "The caller's phone number can't be parsed. It should be "
            "formatted either as E.164 \"+16502531234\", International "
            "\"+64 3-331 6005\" or US national number \"6502531234\".",
        "CONVERSION_PRECEDES_CALL":
            "The imported event has a `conversion_date_time` that precedes "
            "the call. Make sure your `conversion_date_time` is correct and "
            "try again.",
        "TOO_RECENT_CALL":
            "Can't import calls that occurred less than 6 hours ago. Try "
            "importing again in 6 hours.",
        "CALL_CONVERSION_ALREADY_EXISTS":
            "The imported call has the same caller, call start time and "
            "conversion action as an existing call conversion. Use a unique "
            "`call_start_date_time` for each unique call and try again.",
        "DUPLICATE_CALL_CONVERSION_IN_REQUEST":
            "Multiple events have the same caller and "
            "`call_start_date_time`. Make sure your `call_start_date_time` is "
            "correctly configured and try again.",
    },
    # ref §2.3, §2.4, §3.7.  The reference quotes only parts of these
    # comments; the rest is the v25 proto wording as closely as known.
    "conversionAdjustmentUploadError": {
        "TOO_RECENT_CONVERSION_ACTION":
            "Can't import events to a conversion action that was just created. "
            "Try importing again in 6 hours.",
        "CONVERSION_ALREADY_RETRACTED":
            "The conversion was already retracted. This adjustment was not "
            "processed.",
        "CONVERSION_NOT_FOUND":
            "The conversion for this conversion action and conversion "
            "identifier can't be found. Make sure your conversion identifiers "
            "are associated with the correct conversion action and try again.",
        "CONVERSION_EXPIRED":
            "Adjustment can't be made to a conversion that occurred more than "
            "54 days ago.",
        "ADJUSTMENT_PRECEDES_CONVERSION":
            "Adjustment has an `adjustment_date_time` that occurred before the "
            "associated conversion. Make sure your `adjustment_date_time` is "
            "correct and try again.",
        "MORE_RECENT_RESTATEMENT_FOUND":
            "More recent adjustment `adjustment_date_time` has already been "
            "reported for the associated conversion. Make sure your adjustment "
            "`adjustment_date_time` is correct and try again.",
        "TOO_MANY_ADJUSTMENTS_IN_REQUEST":
            "Try uploading fewer than 2001 adjustments in a single API "
            "request.",
        "RESTATEMENT_ALREADY_EXISTS":
            "The conversion has already been restated with the same "
            "`adjustment_date_time`. Make sure your adjustment has the correct "
            "and unique `adjustment_date_time` and try again.",
        "DUPLICATE_ADJUSTMENT_IN_REQUEST":
            "Imported adjustment has a duplicate conversion adjustment with "
            "same `adjustment_date_time`. Make sure your adjustment has the "
            "correct `adjustment_date_time` and try again.",
        "INVALID_USER_IDENTIFIER":
            "Make sure you hash user provided data using SHA-256 and ensure "
            "you are normalizing according to the guidelines.",
        "UNSUPPORTED_USER_IDENTIFIER":
            "The provided user identifiers are not supported. User "
            "identifiers are accepted in enhancements only.",
        "GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET":
            "Can't use both gclid_date_time_pair and order_id. Use only 1 type "
            "and try again.",
        "CONVERSION_ALREADY_ENHANCED":
            "Conversion already has enhancements with the same Order ID and "
            "conversion action. Make sure your data is correctly configured "
            "and try again.",
        "DUPLICATE_ENHANCEMENT_IN_REQUEST":
            "Multiple enhancements have the same conversion action and Order "
            "ID. Make sure your data is correctly configured and try again.",
        "INVALID_JOB_ID":
            "The provided job id in the request is not within the allowed "
            "range. A job ID must be a positive integer in the range [1, 2^31).",
        "NO_CONVERSION_ACTION_FOUND": "The conversion action cannot be found.",
    },
    "dateError": {
        "INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET":
            "The string date time's format should be yyyy-mm-dd "
            "hh:mm:ss+|-hh:mm.",
        "INVALID_FIELD_VALUES_IN_DATE_TIME":
            "Given field values do not correspond to a valid date time.",
    },
    "fieldError": {
        "REQUIRED": "The required field was not present.",
        "REQUIRED_NONEMPTY_LIST": "The required repeated field was empty.",
        "VALUE_MUST_BE_UNSET": "The field's value must be unset.",
    },
    "requestError": {
        "RESOURCE_NAME_MALFORMED": "Resource name provided is malformed.",
        "INVALID_ENUM_VALUE": "The enum value is not permitted.",
    },
    "collectionSizeError": {"TOO_MANY": "Too many."},
    "currencyCodeError": {"UNSUPPORTED": "The currency code is not supported."},
    "headerError": {
        "INVALID_LOGIN_CUSTOMER_ID":
            "The login customer ID could not be validated.",
    },
    "partialFailureError": {
        "PARTIAL_FAILURE_MODE_REQUIRED":
            "The partial failure field was false in the request. This method "
            "requires this field be set to true.",
    },
    "authenticationError": {
        "AUTHENTICATION_ERROR": "Authentication of the request failed.",
        "OAUTH_TOKEN_INVALID": "OAuth token in the header is not valid.",
        "OAUTH_TOKEN_EXPIRED": "OAuth token in the header has expired.",
        "OAUTH_TOKEN_REVOKED": "OAuth token in the header has been revoked.",
        "OAUTH_TOKEN_HEADER_INVALID": "OAuth token HTTP header is malformed.",
    },
    "internalError": {
        "INTERNAL_ERROR": "An internal error has occurred.",
        "TRANSIENT_ERROR":
            "Google Ads API encountered an unexpected transient error. The "
            "user should retry their request in these cases.",
        "DEADLINE_EXCEEDED":
            "The request took longer than a deadline.",
    },
    "notAllowlistedError": {
        "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE":
            "The customer is not allowlisted for this feature.",
    },
    "databaseError": {
        "CONCURRENT_MODIFICATION":
            "Multiple requests were attempting to modify the same resource at "
            "once. Retry the request.",
    },
}


def error_message(code):
    """The message for an errorCode object such as {"quotaError": "X"}."""
    (family, name), = code.items()
    return MESSAGES.get(family, {}).get(name, "%s.%s" % (family, name))


# ---------------------------------------------------------------------------
# Strict proto3 JSON parsing of the request (ref §1.1, §1.2, §1.6, §1.9,
# §1.10, §1.11).  JSON accepts both lowerCamelCase and proto field names;
# null means "not set"; int64 and double also accept strings; enums accept
# names or numbers.  An unknown name, a value of the wrong type or a second
# member of a oneof is rejected by the front end before the Google Ads backend
# sees the request: 400 INVALID_ARGUMENT with a google.rpc.BadRequest detail
# and no GoogleAdsFailure.  The reference has no such body; its shape and the
# wording 'Invalid JSON payload received. Unknown name "x" at 'path': Cannot
# find field.' are those of every googleapis.com REST front end (paths use
# proto field names and [i]).

class Field:
    __slots__ = ("json", "proto", "kind", "repeated", "oneof", "maxver")

    def __init__(self, json_name, kind, repeated=False, oneof=None,
                 maxver=None):
        self.json = json_name
        self.proto = re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(),
                            json_name)
        self.kind = kind
        self.repeated = repeated
        self.oneof = oneof
        self.maxver = maxver      # known only up to this API version


ENUMS = {
    "ConsentStatus": ("enums.ConsentStatusEnum.ConsentStatus",
                      ["UNSPECIFIED", "UNKNOWN", "GRANTED", "DENIED"]),
    "ConversionEnvironment": (
        "enums.ConversionEnvironmentEnum.ConversionEnvironment",
        ["UNSPECIFIED", "UNKNOWN", "APP", "WEB"]),
    "ConversionCustomerType": (
        "enums.ConversionCustomerTypeEnum.ConversionCustomerType",
        ["UNSPECIFIED", "UNKNOWN", "NEW", "RETURNING"]),
    "UserIdentifierSource": (
        "enums.UserIdentifierSourceEnum.UserIdentifierSource",
        ["UNSPECIFIED", "UNKNOWN", "FIRST_PARTY", "THIRD_PARTY"]),
    "ConversionAdjustmentType": (
        "enums.ConversionAdjustmentTypeEnum.ConversionAdjustmentType",
        ["UNSPECIFIED", "UNKNOWN", "RETRACTION", "RESTATEMENT",
         "ENHANCEMENT"]),
}

MESSAGE_TYPES = {
    "UploadClickConversionsRequest": (
        "services.UploadClickConversionsRequest", [
            Field("customerId", "string"),
            Field("conversions", "msg:ClickConversion", repeated=True),
            Field("partialFailure", "bool"),
            Field("validateOnly", "bool"),
            Field("jobId", "int32"),
            # Removed in v21 (ref §1.2): an unknown name from v21 on.
            Field("debugEnabled", "bool", maxver=20),
        ]),
    "ClickConversion": ("services.ClickConversion", [
        Field("gclid", "string"),
        Field("gbraid", "string"),
        Field("wbraid", "string"),
        Field("conversionAction", "string"),
        Field("conversionDateTime", "string"),
        Field("conversionValue", "double"),
        Field("currencyCode", "string"),
        Field("orderId", "string"),
        Field("externalAttributionData", "msg:ExternalAttributionData"),
        Field("customVariables", "msg:CustomVariable", repeated=True),
        Field("cartData", "msg:CartData"),
        Field("userIdentifiers", "msg:UserIdentifier", repeated=True),
        Field("conversionEnvironment", "enum:ConversionEnvironment"),
        Field("consent", "msg:Consent"),
        Field("customerType", "enum:ConversionCustomerType"),
        Field("userIpAddress", "string"),
        Field("sessionAttributesEncoded", "bytes",
              oneof="session_attributes"),
        Field("sessionAttributesKeyValuePairs",
              "msg:SessionAttributesKeyValuePairs",
              oneof="session_attributes"),
    ]),
    # ref §1.3, §1.7: no job_id on the call request
    "UploadCallConversionsRequest": (
        "services.UploadCallConversionsRequest", [
            Field("customerId", "string"),
            Field("conversions", "msg:CallConversion", repeated=True),
            Field("partialFailure", "bool"),
            Field("validateOnly", "bool"),
        ]),
    "CallConversion": ("services.CallConversion", [
        Field("callerId", "string"),
        Field("callStartDateTime", "string"),
        Field("conversionAction", "string"),
        Field("conversionDateTime", "string"),
        Field("conversionValue", "double"),
        Field("currencyCode", "string"),
        Field("customVariables", "msg:CustomVariable", repeated=True),
        Field("consent", "msg:Consent"),
    ]),
    # ref §1.4, §1.8
    "UploadConversionAdjustmentsRequest": (
        "services.UploadConversionAdjustmentsRequest", [
            Field("customerId", "string"),
            Field("conversionAdjustments", "msg:ConversionAdjustment",
                  repeated=True),
            Field("partialFailure", "bool"),
            Field("validateOnly", "bool"),
            Field("jobId", "int32"),
        ]),
    "ConversionAdjustment": ("services.ConversionAdjustment", [
        Field("gclidDateTimePair", "msg:GclidDateTimePair"),
        Field("orderId", "string"),
        Field("conversionAction", "string"),
        Field("adjustmentDateTime", "string"),
        Field("adjustmentType", "enum:ConversionAdjustmentType"),
        Field("restatementValue", "msg:RestatementValue"),
        Field("userIdentifiers", "msg:UserIdentifier", repeated=True),
        Field("userAgent", "string"),
    ]),
    "RestatementValue": ("services.RestatementValue", [
        Field("adjustedValue", "double"),
        Field("currencyCode", "string"),
    ]),
    "GclidDateTimePair": ("services.GclidDateTimePair", [
        Field("gclid", "string"),
        Field("conversionDateTime", "string"),
    ]),
    "ExternalAttributionData": ("services.ExternalAttributionData", [
        Field("externalAttributionCredit", "double"),
        Field("externalAttributionModel", "string"),
    ]),
    "CustomVariable": ("services.CustomVariable", [
        Field("conversionCustomVariable", "string"),
        Field("value", "string"),
    ]),
    "CartData": ("services.CartData", [
        Field("merchantId", "int64"),
        Field("feedCountryCode", "string"),
        Field("feedLanguageCode", "string"),
        Field("localTransactionCost", "double"),
        Field("items", "msg:CartDataItem", repeated=True),
    ]),
    "CartDataItem": ("services.CartData.Item", [
        Field("productId", "string"),
        Field("quantity", "int32"),
        Field("unitPrice", "double"),
    ]),
    "SessionAttributesKeyValuePairs": (
        "services.SessionAttributesKeyValuePairs", [
            Field("keyValuePairs", "msg:SessionAttributeKeyValuePair",
                  repeated=True),
        ]),
    "SessionAttributeKeyValuePair": ("services.SessionAttributeKeyValuePair", [
        Field("sessionAttributeKey", "string"),
        Field("sessionAttributeValue", "string"),
    ]),
    "UserIdentifier": ("common.UserIdentifier", [
        Field("userIdentifierSource", "enum:UserIdentifierSource"),
        Field("hashedEmail", "string", oneof="identifier"),
        Field("hashedPhoneNumber", "string", oneof="identifier"),
        Field("mobileId", "string", oneof="identifier"),
        Field("thirdPartyUserId", "string", oneof="identifier"),
        Field("addressInfo", "msg:OfflineUserAddressInfo", oneof="identifier"),
    ]),
    "OfflineUserAddressInfo": ("common.OfflineUserAddressInfo", [
        Field("hashedFirstName", "string"),
        Field("hashedLastName", "string"),
        Field("city", "string"),
        Field("state", "string"),
        Field("countryCode", "string"),
        Field("postalCode", "string"),
        Field("hashedStreetAddress", "string"),
    ]),
    "Consent": ("common.Consent", [
        Field("adUserData", "enum:ConsentStatus"),
        Field("adPersonalization", "enum:ConsentStatus"),
    ]),
}

# google.ads.datamanager.v1 (data-manager.md §2; the protos under
# /work/shared/reference/protos/google/ads/datamanager/v1/).  Names start
# with "dm." so that they do not clash with the Google Ads messages; full
# names starting with "google." are used as they are in type URLs.  Enum
# values are listed in number order (all are contiguous from 0).
DM = "google.ads.datamanager.v1."
ENUMS.update({
    "dm.Encoding": (DM + "Encoding",
                    ["ENCODING_UNSPECIFIED", "HEX", "BASE64"]),
    "dm.AccountType": (DM + "ProductAccount.AccountType", [
        "ACCOUNT_TYPE_UNSPECIFIED", "GOOGLE_ADS", "DISPLAY_VIDEO_PARTNER",
        "DISPLAY_VIDEO_ADVERTISER", "DATA_PARTNER",
        "GOOGLE_ANALYTICS_PROPERTY", "GOOGLE_AD_MANAGER_AUDIENCE_LINK",
        "FLOODLIGHT_CONFIG"]),
    "dm.Product": (DM + "Product", [
        "PRODUCT_UNSPECIFIED", "GOOGLE_ADS", "DISPLAY_VIDEO_PARTNER",
        "DISPLAY_VIDEO_ADVERTISER", "DATA_PARTNER"]),
    "dm.ConsentStatus": (DM + "ConsentStatus", [
        "CONSENT_STATUS_UNSPECIFIED", "CONSENT_GRANTED", "CONSENT_DENIED"]),
    "dm.EventSource": (DM + "EventSource", [
        "EVENT_SOURCE_UNSPECIFIED", "WEB", "APP", "IN_STORE", "PHONE",
        "OTHER", "MESSAGE"]),
    "dm.CustomerType": (DM + "CustomerType", [
        "CUSTOMER_TYPE_UNSPECIFIED", "NEW", "RETURNING", "REENGAGED"]),
    "dm.CustomerValueBucket": (DM + "CustomerValueBucket", [
        "CUSTOMER_VALUE_BUCKET_UNSPECIFIED", "LOW", "MEDIUM", "HIGH"]),
    "dm.KeyType": (DM + "GcpWrappedKeyInfo.KeyType", [
        "KEY_TYPE_UNSPECIFIED", "XCHACHA20_POLY1305"]),
    "dm.EncryptionEntityType": (
        DM + "EncryptedUserId.EncryptionEntityType", [
            "ENCRYPTION_ENTITY_TYPE_UNSPECIFIED", "CAMPAIGN_MANAGER_ACCOUNT",
            "CAMPAIGN_MANAGER_ADVERTISER", "DISPLAY_VIDEO_PARTNER",
            "DISPLAY_VIDEO_ADVERTISER", "GOOGLE_ADS_CUSTOMER",
            "GOOGLE_AD_MANAGER_NETWORK_CODE"]),
    "dm.EncryptionSource": (DM + "EncryptedUserId.EncryptionSource", [
        "ENCRYPTION_SOURCE_UNSPECIFIED", "AD_SERVING", "DATA_TRANSFER"]),
})
# GoogleAdsService.Search / SearchStream requests (googleads_service.proto
# is not in the reference; the fields are those of the v25 service as the
# client libraries send them).  pageSize parses, and is then refused with
# requestError PAGE_SIZE_NOT_SUPPORTED.
ENUMS["SummaryRowSetting"] = (
    "enums.SummaryRowSettingEnum.SummaryRowSetting",
    ["UNSPECIFIED", "UNKNOWN", "NO_SUMMARY_ROW", "SUMMARY_ROW_WITH_RESULTS",
     "SUMMARY_ROW_ONLY"])
MESSAGE_TYPES.update({
    "SearchGoogleAdsRequest": ("services.SearchGoogleAdsRequest", [
        Field("customerId", "string"),
        Field("query", "string"),
        Field("pageToken", "string"),
        Field("pageSize", "int32"),
        Field("validateOnly", "bool"),
        Field("returnTotalResultsCount", "bool"),
        Field("summaryRowSetting", "enum:SummaryRowSetting"),
        Field("searchSettings", "msg:SearchSettings"),
    ]),
    "SearchSettings": ("services.SearchSettings", [
        Field("omitResults", "bool"),
        Field("returnSummaryRow", "bool"),
        Field("returnTotalResultsCount", "bool"),
    ]),
    "SearchGoogleAdsStreamRequest": (
        "services.SearchGoogleAdsStreamRequest", [
            Field("customerId", "string"),
            Field("query", "string"),
            Field("summaryRowSetting", "enum:SummaryRowSetting"),
        ]),
})
MESSAGE_TYPES.update({
    "dm.IngestEventsRequest": (DM + "IngestEventsRequest", [
        Field("destinations", "msg:dm.Destination", repeated=True),
        Field("events", "msg:dm.Event", repeated=True),
        Field("consent", "msg:dm.Consent"),
        Field("validateOnly", "bool"),
        Field("encoding", "enum:dm.Encoding"),
        Field("encryptionInfo", "msg:dm.EncryptionInfo"),
    ]),
    "dm.Destination": (DM + "Destination", [
        Field("reference", "string"),
        Field("loginAccount", "msg:dm.ProductAccount"),
        Field("linkedAccount", "msg:dm.ProductAccount"),
        Field("operatingAccount", "msg:dm.ProductAccount"),
        Field("productDestinationId", "string"),
    ]),
    "dm.ProductAccount": (DM + "ProductAccount", [
        Field("product", "enum:dm.Product"),
        Field("accountId", "string"),
        Field("accountType", "enum:dm.AccountType"),
    ]),
    "dm.Consent": (DM + "Consent", [
        Field("adUserData", "enum:dm.ConsentStatus"),
        Field("adPersonalization", "enum:dm.ConsentStatus"),
    ]),
    "dm.Event": (DM + "Event", [
        Field("destinationReferences", "string", repeated=True),
        Field("transactionId", "string"),
        Field("eventTimestamp", "timestamp"),
        Field("lastUpdatedTimestamp", "timestamp"),
        Field("userData", "msg:dm.UserData"),
        Field("consent", "msg:dm.Consent"),
        Field("adIdentifiers", "msg:dm.AdIdentifiers"),
        Field("currency", "string"),
        Field("conversionValue", "double"),
        Field("conversionCount", "double"),
        Field("eventSource", "enum:dm.EventSource"),
        Field("eventDeviceInfo", "msg:dm.DeviceInfo"),
        Field("cartData", "msg:dm.CartData"),
        Field("customVariables", "msg:dm.CustomVariable", repeated=True),
        Field("experimentalFields", "msg:dm.ExperimentalField",
              repeated=True),
        Field("userProperties", "msg:dm.UserProperties"),
        Field("eventName", "string"),
        Field("clientId", "string"),
        Field("userId", "string"),
        Field("additionalEventParameters", "msg:dm.EventParameter",
              repeated=True),
        Field("thirdPartyUserData", "msg:dm.UserData"),
        Field("eventLocation", "msg:dm.EventLocation"),
        Field("appInstanceId", "string"),
    ]),
    "dm.AdIdentifiers": (DM + "AdIdentifiers", [
        Field("sessionAttributes", "string"),
        Field("gclid", "string"),
        Field("gbraid", "string"),
        Field("wbraid", "string"),
        Field("landingPageDeviceInfo", "msg:dm.DeviceInfo"),
        Field("mobileDeviceId", "string"),
        Field("dclid", "string"),
        Field("impressionId", "string"),
        Field("matchId", "string"),
        Field("encryptedUserIds", "msg:dm.EncryptedUserId", repeated=True),
    ]),
    "dm.EncryptedUserId": (DM + "EncryptedUserId", [
        Field("encryptedId", "string"),
        Field("entityType", "enum:dm.EncryptionEntityType"),
        Field("entityId", "int64"),
        Field("source", "enum:dm.EncryptionSource"),
    ]),
    "dm.CustomVariable": (DM + "CustomVariable", [
        Field("variable", "string"),
        Field("value", "string"),
        Field("destinationReferences", "string", repeated=True),
    ]),
    "dm.EventParameter": (DM + "EventParameter", [
        Field("parameterName", "string"),
        Field("value", "string"),
    ]),
    "dm.EventLocation": (DM + "EventLocation", [
        Field("storeId", "string"),
        Field("city", "string"),
        Field("subdivisionCode", "string"),
        Field("regionCode", "string"),
        Field("subcontinentCode", "string"),
        Field("continentCode", "string"),
    ]),
    "dm.UserData": (DM + "UserData", [
        Field("userIdentifiers", "msg:dm.UserIdentifier", repeated=True),
    ]),
    "dm.UserIdentifier": (DM + "UserIdentifier", [
        Field("emailAddress", "string", oneof="identifier"),
        Field("phoneNumber", "string", oneof="identifier"),
        Field("address", "msg:dm.AddressInfo", oneof="identifier"),
    ]),
    "dm.AddressInfo": (DM + "AddressInfo", [
        Field("givenName", "string"),
        Field("familyName", "string"),
        Field("regionCode", "string"),
        Field("postalCode", "string"),
        Field("addressLine", "string"),
        Field("city", "string"),
        Field("administrativeArea", "string"),
    ]),
    "dm.DeviceInfo": (DM + "DeviceInfo", [
        Field("userAgent", "string"),
        Field("ipAddress", "string"),
        Field("category", "string"),
        Field("languageCode", "string"),
        Field("screenHeight", "int32"),
        Field("screenWidth", "int32"),
        Field("operatingSystem", "string"),
        Field("operatingSystemVersion", "string"),
        Field("model", "string"),
        Field("brand", "string"),
        Field("browser", "string"),
        Field("browserVersion", "string"),
    ]),
    "dm.CartData": (DM + "CartData", [
        Field("merchantId", "string"),
        Field("merchantFeedLabel", "string"),
        Field("merchantFeedLanguageCode", "string"),
        Field("transactionDiscount", "double"),
        Field("items", "msg:dm.Item", repeated=True),
        Field("couponCodes", "string", repeated=True),
    ]),
    "dm.Item": (DM + "Item", [
        Field("merchantProductId", "string"),
        Field("quantity", "int64"),
        Field("unitPrice", "double"),
        Field("itemId", "string"),
        Field("additionalItemParameters", "msg:dm.ItemParameter",
              repeated=True),
        Field("merchantId", "string"),
        Field("merchantFeedLabel", "string"),
        Field("merchantFeedLanguageCode", "string"),
        Field("conversionValue", "double"),
        Field("customVariables", "msg:dm.ItemCustomVariable", repeated=True),
    ]),
    "dm.ItemParameter": (DM + "ItemParameter", [
        Field("parameterName", "string"),
        Field("value", "string"),
    ]),
    "dm.ItemCustomVariable": (DM + "ItemCustomVariable", [
        Field("variable", "string"),
        Field("value", "string"),
        Field("destinationReferences", "string", repeated=True),
    ]),
    "dm.ExperimentalField": (DM + "ExperimentalField", [
        Field("field", "string"),
        Field("value", "string"),
    ]),
    "dm.UserProperties": (DM + "UserProperties", [
        Field("customerType", "enum:dm.CustomerType"),
        Field("customerValueBucket", "enum:dm.CustomerValueBucket"),
        Field("additionalUserProperties", "msg:dm.UserProperty",
              repeated=True),
    ]),
    "dm.UserProperty": (DM + "UserProperty", [
        Field("propertyName", "string"),
        Field("value", "string"),
    ]),
    "dm.EncryptionInfo": (DM + "EncryptionInfo", [
        Field("gcpWrappedKeyInfo", "msg:dm.GcpWrappedKeyInfo",
              oneof="wrapped_key"),
        Field("awsWrappedKeyInfo", "msg:dm.AwsWrappedKeyInfo",
              oneof="wrapped_key"),
        Field("coordinatorKeyInfo", "msg:dm.CoordinatorKeyInfo",
              oneof="wrapped_key"),
    ]),
    "dm.GcpWrappedKeyInfo": (DM + "GcpWrappedKeyInfo", [
        Field("keyType", "enum:dm.KeyType"),
        Field("wipProvider", "string"),
        Field("kekUri", "string"),
        Field("encryptedDek", "string"),
    ]),
    "dm.AwsWrappedKeyInfo": (DM + "AwsWrappedKeyInfo", [
        Field("keyType", "enum:dm.KeyType"),
        Field("roleArn", "string"),
        Field("kekUri", "string"),
        Field("encryptedDek", "string"),
    ]),
    "dm.CoordinatorKeyInfo": (DM + "CoordinatorKeyInfo", [
        Field("keyId", "string"),
    ]),
})

# name (either spelling) -> Field, per message
FIELD_INDEX = {}
for _name, (_tname, _fields) in MESSAGE_TYPES.items():
    FIELD_INDEX[_name] = {}
    for _f in _fields:
        FIELD_INDEX[_name][_f.json] = _f
        FIELD_INDEX[_name][_f.proto] = _f

SCALAR_TYPE = {"string": "TYPE_STRING", "double": "TYPE_DOUBLE",
               "int32": "TYPE_INT32", "int64": "TYPE_INT64",
               "bool": "TYPE_BOOL", "bytes": "TYPE_BYTES",
               "timestamp": "type.googleapis.com/google.protobuf.Timestamp"}
INT_RANGE = {"int32": (-(1 << 31), (1 << 31) - 1),
             "int64": (-(1 << 63), (1 << 63) - 1)}


class ParseErrors:
    def __init__(self, version):
        self.version = version
        m = re.fullmatch(r"v(\d+)", version)
        self.vernum = int(m.group(1)) if m else 0
        self.violations = []      # (field, description)

    def type_name(self, kind):
        if kind in SCALAR_TYPE:
            return SCALAR_TYPE[kind]
        what, name = kind.split(":", 1)
        full = ENUMS[name][0] if what == "enum" else MESSAGE_TYPES[name][0]
        if full.startswith("google."):
            return "type.googleapis.com/" + full
        return "type.googleapis.com/google.ads.googleads.%s.%s" % (
            self.version, full)

    def unknown(self, key, path):
        if path:
            d = ('Invalid JSON payload received. Unknown name "%s" at \'%s\': '
                 'Cannot find field.' % (key, path))
        else:
            d = ('Invalid JSON payload received. Unknown name "%s": Cannot '
                 'find field.' % key)
        self.violations.append((path, d))

    def invalid(self, path, kind, value):
        if isinstance(value, list):
            shown = "[...]"
        elif isinstance(value, dict):
            shown = "{...}"
        else:
            shown = json.dumps(value)
            if len(shown) > 64:
                shown = shown[:61] + "..."
        self.violations.append((path, "Invalid value at '%s' (%s), %s" % (
            path, self.type_name(kind), shown)))

    def oneof(self, path, group, key):
        self.violations.append((path, (
            "Invalid JSON payload received. Oneof field '%s' is already set. "
            "Cannot set '%s'" % (group, key))))


RFC3339_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:(Z)|([+-])(\d{2}):(\d{2}))")


def rfc3339(s):
    """The aware UTC datetime of an RFC 3339 time as the proto3 JSON
    mapping of Timestamp takes it (upper-case T and Z, or an offset
    +-hh:mm; 0 to 9 fraction digits; years 0001 to 9999), else None."""
    m = RFC3339_RE.fullmatch(s)
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    frac = m.group(7) or ""
    off = datetime.timedelta(0)
    if not m.group(8):
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            return None
        off = datetime.timedelta(hours=oh, minutes=om)
        if m.group(9) == "-":
            off = -off
    try:
        dt = datetime.datetime(y, mo, d, h, mi, sec,
                               int((frac + "000000")[:6]),
                               tzinfo=datetime.timezone(off))
        return dt.astimezone(datetime.timezone.utc)
    except (ValueError, OverflowError):
        return None


def join_path(path, name):
    return "%s.%s" % (path, name) if path else name


def parse_scalar(kind, v):
    """(ok, value) for a proto3 JSON scalar or enum."""
    if kind == "string":
        return isinstance(v, str), v
    if kind == "bool":
        return isinstance(v, bool), v
    if kind == "timestamp":
        # google.protobuf.Timestamp: RFC 3339 (proto3 JSON mapping)
        return isinstance(v, str) and rfc3339(v) is not None, v
    if kind == "double":
        if isinstance(v, bool):
            return False, None
        if isinstance(v, (int, float)):
            return True, float(v)
        if isinstance(v, str):
            if v in ("NaN", "Infinity", "-Infinity"):
                return True, float(v.replace("Infinity", "inf"))
            try:
                f = float(v)
            except ValueError:
                return False, None
            return (v.strip() == v and not math.isnan(f)
                    and not math.isinf(f)), f
        return False, None
    if kind in INT_RANGE:
        lo, hi = INT_RANGE[kind]
        if isinstance(v, bool):
            return False, None
        if isinstance(v, float):
            if not v.is_integer():
                return False, None
            v = int(v)
        elif isinstance(v, str):
            if not re.fullmatch(r"-?\d+", v):
                return False, None
            v = int(v)
        if not isinstance(v, int) or not lo <= v <= hi:
            return False, None
        return True, v
    if kind == "bytes":
        if not isinstance(v, str):
            return False, None
        s = v.replace("-", "+").replace("_", "/")
        s += "=" * (-len(s) % 4)
        try:
            base64.b64decode(s, validate=True)
        except (binascii.Error, ValueError):
            return False, None
        return True, v
    if kind.startswith("enum:"):
        names = ENUMS[kind[5:]][1]
        if isinstance(v, str):
            return v in names, v
        if isinstance(v, int) and not isinstance(v, bool):
            # proto3 enums are open: unknown numbers are kept as numbers
            return INT_RANGE["int32"][0] <= v <= INT_RANGE["int32"][1], (
                names[v] if 0 <= v < len(names) else v)
        return False, None
    raise AssertionError(kind)


def parse_value(f, v, path, errs):
    if f.kind.startswith("msg:"):
        return parse_message(v, f.kind[4:], path, errs)
    ok, out = parse_scalar(f.kind, v)
    if not ok:
        errs.invalid(path, f.kind, v)
        return None
    return out


def parse_message(obj, mname, path, errs):
    """obj parsed against message mname; returns a dict keyed by JSON
    names with null and unknown members dropped.  Problems go to errs."""
    if not isinstance(obj, dict):
        errs.invalid(path, "msg:" + mname, obj)
        return None
    out = {}
    oneofs = {}
    index = FIELD_INDEX[mname]
    for key, val in obj.items():
        f = index.get(key)
        if f is not None and f.maxver is not None and errs.vernum > f.maxver:
            f = None
        if f is None:
            errs.unknown(key, path)
            continue
        if val is None:
            continue
        if f.oneof:
            if f.oneof in oneofs:
                errs.oneof(path, f.oneof, key)
                continue
            oneofs[f.oneof] = f.json
        sub = join_path(path, f.proto)
        if f.repeated:
            if not isinstance(val, list):
                errs.invalid(sub, f.kind, val)
                continue
            out[f.json] = [parse_value(f, v, "%s[%d]" % (sub, i), errs)
                           for i, v in enumerate(val)]
        else:
            out[f.json] = parse_value(f, val, sub, errs)
    return out


# ---------------------------------------------------------------------------
# Error bodies (ref §3.1 - §3.4)

def new_request_id():
    """22 characters, as in the reference's examples (base64url, 16 bytes)."""
    return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


def ads_error(code, path=None, message=None, details=None):
    """One GoogleAdsError.  path: [(field_name, index or None), ...]."""
    e = {"errorCode": code, "message": message or error_message(code)}
    if path:
        elems = []
        for name, idx in path:
            el = {"fieldName": name}
            if idx is not None:
                el["index"] = idx   # optional int32: 0 is present (ref §3.3)
            elems.append(el)
        e["location"] = {"fieldPathElements": elems}
    if details:
        e["details"] = details
    return e


def failure_any(version, errors, request_id):
    return {"@type": "type.googleapis.com/google.ads.googleads.%s.errors."
                     "GoogleAdsFailure" % version,
            "errors": errors, "requestId": request_id}


def status_body(status, message=None, details=None):
    """The REST error envelope of ref §3.2."""
    http_code, canonical = STATUS[status]
    err = {"code": http_code, "message": message or canonical,
           "status": status}
    if details:
        err["details"] = details
    return http_code, {"error": err}


def ads_status_body(status, version, errors, request_id, message=None):
    return status_body(status, message,
                       [failure_any(version, errors, request_id)])


def path_string(path):
    out = []
    for name, idx in path or ():
        out.append(name if idx is None else "%s[%d]" % (name, idx))
    return ".".join(out)


# ---------------------------------------------------------------------------
# Data Manager API (data-manager.md, cited below as "dm §x"): error bodies
# and the fast-fail validation of IngestEventsRequest (dm §2, §4.2 - §4.4)

DM_DOMAIN = "datamanager.googleapis.com"
DM_SERVICE = "google.ads.datamanager.v1.IngestionService"
GADS_DOMAIN = "googleads.googleapis.com"
DM_MAX_DESTINATIONS = 10         # dm §1.5
DM_MAX_EVENTS = 2000             # dm §1.5 (not error.proto's 10,000)
DM_MAX_IDENTIFIERS = 10          # dm §1.5
DM_EVENT_MAX_AGE = datetime.timedelta(days=90)   # open question 10: choice
DM_UNAUTH_MSG = ("Request had invalid authentication credentials. Expected "
                 "OAuth 2 access token, login cookie or other valid "
                 "authentication credential.")
DM_INVALID_MSG = "There was a problem with the request."
SCOPE_MSG = "Request had insufficient authentication scopes."
# ErrorReason texts: the comments of error.proto
DM_REASON_TEXT = {
    "INTERNAL_ERROR": "An internal error has occurred.",
    "DEADLINE_EXCEEDED": "The request took too long to respond.",
    "RESOURCE_EXHAUSTED": "Too many requests.",
    "INVALID_ARGUMENT": "There was a problem with the request.",
    "REQUIRED_FIELD_MISSING": "Required field is missing.",
    "INVALID_FORMAT": "Format is invalid.",
    "INVALID_SHA256_FORMAT": "The SHA256 encoded value is malformed.",
    "INVALID_ENUM_VALUE": "Enum value cannot be used.",
    "TOO_MANY_USER_IDENTIFIERS":
        "Maximum number of user identifiers allowed per event is 10.",
    "TOO_MANY_DESTINATIONS":
        "Maximum number of destinations allowed per request is 10.",
    "INVALID_NUMBER_FORMAT": "Invalid number format.",
    "INVALID_CONVERSION_ACTION_ID": "Conversion action ID is not valid.",
    "INVALID_CURRENCY_CODE": "The currency code is not supported.",
    "TOO_MANY_EVENTS":
        "Maximum number of events allowed per request is 2000.",
    "DUPLICATE_DESTINATION_REFERENCE":
        "Two or more destinations in the request have the same reference.",
    "NO_IDENTIFIERS_PROVIDED":
        "Events data contains no user identifiers or ad identifiers.",
    "LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT":
        "Linked account is only supported when the login account is a "
        "`DATA_PARTNER` account.",
    "DESTINATION_ACCOUNT_TYPE_MISMATCH":
        "The account type is not supported for this destination.",
    "INVALID_REGION_CODE": "The region code is not valid.",
    "INVALID_REQUEST_ID":
        "The request ID used to retrieve the status of a request is not "
        "valid. Status can only be retrieved for requests that succeed and "
        "don't have `validate_only=true`.",
}
# ProcessingErrorReason numbers (processing_errors.proto), for the order
# of errorCounts
PROCESSING_ERRORS = {"EVENT_TOO_OLD": 3, "DENIED_CONSENT": 4,
                     "DUPLICATE_GCLID": 7, "DUPLICATE_TRANSACTION_ID": 8}
DM_CONSENT = ("CONSENT_STATUS_UNSPECIFIED", "CONSENT_GRANTED",
              "CONSENT_DENIED")
HEX64_ANY_CASE = re.compile(r"[0-9a-fA-F]{64}")    # open question 7: choice
B64_32 = re.compile(r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=?|"
                    r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]=?")
CLICK_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,512}")
ACCOUNT_ID_RE = re.compile(r"[0-9]{10}")


def error_info(reason, domain, metadata=None):
    d = {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
         "reason": reason, "domain": domain}
    if metadata is not None:
        d["metadata"] = metadata
    return d


def request_info(rid):
    return {"@type": "type.googleapis.com/google.rpc.RequestInfo",
            "requestId": rid}


def bad_request_detail(violations):
    """google.rpc.BadRequest of (field, description, reason) triples."""
    return {"@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [dict({"field": f, "description": d},
                                     **({"reason": r} if r else {}))
                                for f, d, r in violations]}


def scope_denied_body(service, method):
    """403 for a token without the method's scope (the shared design,
    "Scopes")."""
    return 403, {"error": {
        "code": 403, "message": SCOPE_MSG, "status": "PERMISSION_DENIED",
        "details": [error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                               "googleapis.com",
                               {"service": service, "method": method})]}}


def dm_hash_ok(value, encoding):
    """A SHA-256 digest in the request's encoding: 64 hex digits of either
    case (HEX), or the base64 of 32 bytes, standard or URL-safe alphabet,
    final "=" optional (BASE64)."""
    if encoding == "HEX":
        return bool(HEX64_ANY_CASE.fullmatch(value))
    return bool(B64_32.fullmatch(value))


def dm_check_account(acct, path, required, add):
    """A ProductAccount that must be a Google Ads customer (dm §1.4)."""
    if acct is None:
        if required:
            add(path, "REQUIRED_FIELD_MISSING")
        return
    t = acct.get("accountType")
    if t is None or t == "ACCOUNT_TYPE_UNSPECIFIED":
        add(path + ".account_type", "REQUIRED_FIELD_MISSING")
    elif t != "GOOGLE_ADS":
        add(path + ".account_type", "DESTINATION_ACCOUNT_TYPE_MISMATCH")
    aid = acct.get("accountId")
    if not aid:
        add(path + ".account_id", "REQUIRED_FIELD_MISSING")
    elif not ACCOUNT_ID_RE.fullmatch(aid):
        add(path + ".account_id", "INVALID_FORMAT")


def dm_check_consent(consent, path, add):
    for json_name, proto in (("adUserData", "ad_user_data"),
                             ("adPersonalization", "ad_personalization")):
        v = (consent or {}).get(json_name)
        if v is not None and v not in DM_CONSENT:
            add(path + "." + proto, "INVALID_ENUM_VALUE")


def dm_check_identifiers(p, uids, encoding, add):
    """userData.userIdentifiers of events[i] (dm §2.4)."""
    hashes = encoding in ("HEX", "BASE64")
    for j, u in enumerate(uids):
        q = "%s.user_data.user_identifiers[%d]" % (p, j)
        for json_name, proto in (("emailAddress", "email_address"),
                                 ("phoneNumber", "phone_number")):
            if json_name in u and hashes and \
                    not dm_hash_ok(u[json_name], encoding):
                add(q + "." + proto, "INVALID_SHA256_FORMAT")
        if "address" in u:
            a = u["address"]
            q += ".address"
            for json_name, proto in (("givenName", "given_name"),
                                     ("familyName", "family_name")):
                if not a.get(json_name):
                    add(q + "." + proto, "REQUIRED_FIELD_MISSING")
                elif hashes and not dm_hash_ok(a[json_name], encoding):
                    add(q + "." + proto, "INVALID_SHA256_FORMAT")
            if not a.get("regionCode"):
                add(q + ".region_code", "REQUIRED_FIELD_MISSING")
            elif not re.fullmatch(r"[A-Za-z]{2}", a["regionCode"]):
                add(q + ".region_code", "INVALID_REGION_CODE")
            if not a.get("postalCode"):
                add(q + ".postal_code", "REQUIRED_FIELD_MISSING")
        elif not ("emailAddress" in u or "phoneNumber" in u):
            add(q, "REQUIRED_FIELD_MISSING")


def dm_check_event(i, ev, refs, ndest, encoding, add):
    """events[i] (dm §2.3, §2.4); returns the indices of the destinations
    the event goes to."""
    p = "events[%d]" % i
    route = []
    drefs = ev.get("destinationReferences") or []
    for j, ref in enumerate(drefs):
        if ref in refs:
            if refs[ref] not in route:
                route.append(refs[ref])
        else:
            add("%s.destination_references[%d]" % (p, j), "INVALID_ARGUMENT",
                "The destination reference names no destination of the "
                "request.")
    if not drefs:
        # "empty: all destinations of the request" (dm §2.2)
        route = list(range(ndest))
    if not ev.get("eventTimestamp"):
        add(p + ".event_timestamp", "REQUIRED_FIELD_MISSING")
    ad = ev.get("adIdentifiers") or {}
    has_click = False
    for k in CLICK_KINDS:
        if k in ad:
            has_click = True
            if not CLICK_ID_RE.fullmatch(ad[k]):
                add("%s.ad_identifiers.%s" % (p, k), "INVALID_FORMAT")
    uids = []
    if ev.get("userData") is not None:
        uids = ev["userData"].get("userIdentifiers") or []
        if not uids:
            add(p + ".user_data.user_identifiers", "REQUIRED_FIELD_MISSING")
        elif len(uids) > DM_MAX_IDENTIFIERS:
            add(p + ".user_data.user_identifiers",
                "TOO_MANY_USER_IDENTIFIERS")
        dm_check_identifiers(p, uids, encoding, add)
    if not has_click and not uids:
        add(p, "NO_IDENTIFIERS_PROVIDED")
    cur = ev.get("currency")
    if cur and not re.fullmatch(r"[A-Z]{3}", cur):
        add(p + ".currency", "INVALID_CURRENCY_CODE")
    val = ev.get("conversionValue")
    if val is not None and (math.isnan(val) or math.isinf(val) or val < 0):
        add(p + ".conversion_value", "INVALID_NUMBER_FORMAT")
    if isinstance(ev.get("eventSource"), int):
        add(p + ".event_source", "INVALID_ENUM_VALUE")
    dm_check_consent(ev.get("consent"), p + ".consent", add)
    return route


def dm_validate(req, action_exists):
    """Every violation of an IngestEventsRequest, in field order
    (destinations, events, consent, encoding, encryption_info), as
    (field path, description, ErrorReason) triples, and per event the
    indices of its destinations."""
    out = []

    def add(field, reason, text=None):
        out.append((field, text or DM_REASON_TEXT[reason], reason))

    dests = req.get("destinations") or []
    refs = {}
    if not dests:
        add("destinations", "REQUIRED_FIELD_MISSING")
    elif len(dests) > DM_MAX_DESTINATIONS:
        add("destinations", "TOO_MANY_DESTINATIONS")
    else:
        for i, d in enumerate(dests):
            p = "destinations[%d]" % i
            dm_check_account(d.get("operatingAccount"),
                             p + ".operating_account", True, add)
            dm_check_account(d.get("loginAccount"), p + ".login_account",
                             False, add)
            if d.get("linkedAccount") is not None:
                add(p + ".linked_account",
                    "LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_"
                    "LOGIN_ACCOUNT")
            pid = d.get("productDestinationId")
            if not pid:
                add(p + ".product_destination_id", "REQUIRED_FIELD_MISSING")
            elif not re.fullmatch(r"[0-9]{1,18}", pid) or \
                    not action_exists(int(pid)):
                add(p + ".product_destination_id",
                    "INVALID_CONVERSION_ACTION_ID")
            ref = d.get("reference")
            if ref:
                if ref in refs:
                    add(p + ".reference", "DUPLICATE_DESTINATION_REFERENCE")
                else:
                    refs[ref] = i
    events = req.get("events") or []
    encoding = req.get("encoding")
    routes = []
    if not events:
        add("events", "REQUIRED_FIELD_MISSING")
    elif len(events) > DM_MAX_EVENTS:
        add("events", "TOO_MANY_EVENTS")
    else:
        for i, ev in enumerate(events):
            routes.append(dm_check_event(i, ev, refs, len(dests), encoding,
                                         add))
    dm_check_consent(req.get("consent"), "consent", add)
    if isinstance(encoding, int):
        add("encoding", "INVALID_ENUM_VALUE")
    elif encoding in (None, "ENCODING_UNSPECIFIED") and any(
            ev.get("userData") is not None for ev in events):
        # "Optional. Required for UserData uploads" (dm §2.1)
        add("encoding", "REQUIRED_FIELD_MISSING")
    if req.get("encryptionInfo") is not None:
        add("encryption_info", "INVALID_ARGUMENT",
            "encryption_info is not modelled by this emulator: send hashed "
            "identifiers without encryption.")
    return out, routes


# ---------------------------------------------------------------------------
# Per-row validation (ref §1.6, §1.9, §2.1, §2.4, §2.5, §3.6)

ACTION_RE = re.compile(r"customers/(\d+)/conversionActions/(\d+)")
DATETIME_SHAPE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})")
HEX64 = re.compile(r"[0-9a-f]{64}")
CLICK_KINDS = ("gclid", "gbraid", "wbraid")


def parse_datetime(s):
    """'yyyy-mm-dd hh:mm:ss+|-hh:mm' (ref §2.5) -> (error name or None,
    aware datetime).  The offset is required; fractions of a second are
    not accepted (the reference documents none).  Offsets beyond +-14:00 do
    not exist anywhere and count as invalid field values."""
    m = DATETIME_SHAPE.fullmatch(s)
    if not m:
        return "INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET", None
    y, mo, d, h, mi, sec = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    oh, om = int(m.group(8)), int(m.group(9))
    if om > 59 or oh * 60 + om > 14 * 60:
        return "INVALID_FIELD_VALUES_IN_DATE_TIME", None
    off = datetime.timedelta(hours=oh, minutes=om)
    if m.group(7) == "-":
        off = -off
    try:
        dt = datetime.datetime(y, mo, d, h, mi, sec,
                               tzinfo=datetime.timezone(off))
    except ValueError:
        return "INVALID_FIELD_VALUES_IN_DATE_TIME", None
    return None, dt


def row_path(i, *rest):
    return [("conversions", i)] + list(rest)


def check_row(i, conv, action_exists):
    """Stateless checks of conversions[i].  Returns (errors, info); info is
    None when the row has errors.  Every problem of the row is reported
    (a row may carry several errors, each located)."""
    errs = []
    info = {}
    ca = conv.get("conversionAction")
    if not ca:
        errs.append(ads_error({"fieldError": "REQUIRED"},
                              row_path(i, ("conversion_action", None))))
    else:
        m = ACTION_RE.fullmatch(ca)
        if not m:
            errs.append(ads_error({"requestError": "RESOURCE_NAME_MALFORMED"},
                                  row_path(i, ("conversion_action", None))))
        elif not action_exists(int(m.group(2))):
            errs.append(ads_error(
                {"conversionUploadError": "NO_CONVERSION_ACTION_FOUND"},
                row_path(i, ("conversion_action", None))))
        else:
            # "validation will ignore the customer id and use the conversion
            # action id as the sole identifier" (ref §1.6)
            info["action_id"] = m.group(2)
    cdt = conv.get("conversionDateTime")
    if not cdt:
        errs.append(ads_error({"fieldError": "REQUIRED"},
                              row_path(i, ("conversion_date_time", None))))
    else:
        bad, dt = parse_datetime(cdt)
        if bad:
            errs.append(ads_error({"dateError": bad},
                                  row_path(i, ("conversion_date_time", None))))
        else:
            info["instant"] = dt.astimezone(datetime.timezone.utc)
    clicks = [(k, conv[k]) for k in CLICK_KINDS if conv.get(k)]
    if conv.get("gbraid") and conv.get("wbraid"):
        errs.append(ads_error(
            {"conversionUploadError": "GBRAID_WBRAID_BOTH_SET"}, row_path(i)))
    ids = conv.get("userIdentifiers") or []
    if len(ids) > MAX_IDENTIFIERS:
        errs.append(ads_error({"collectionSizeError": "TOO_MANY"},
                              row_path(i, ("user_identifiers", None))))
    for j, ident in enumerate(ids):
        p = row_path(i, ("user_identifiers", j))
        kinds = [k for k in ("hashedEmail", "hashedPhoneNumber", "mobileId",
                             "thirdPartyUserId", "addressInfo") if k in ident]
        if not kinds:
            errs.append(ads_error(
                {"conversionUploadError": "INVALID_USER_IDENTIFIER"}, p))
        elif kinds[0] in ("hashedEmail", "hashedPhoneNumber"):
            if not HEX64.fullmatch(ident[kinds[0]]):
                proto = "hashed_email" if kinds[0] == "hashedEmail" \
                    else "hashed_phone_number"
                errs.append(ads_error(
                    {"conversionUploadError": "INVALID_USER_IDENTIFIER"},
                    p + [(proto, None)]))
        else:
            # ref §1.9: ConversionUploadService accepts hashed_email and
            # hashed_phone_number only
            errs.append(ads_error(
                {"conversionUploadError": "UNSUPPORTED_USER_IDENTIFIER"}, p))
    if not clicks and not ids:
        # Not in the reference: no click id and no identifier leaves nothing
        # to attribute the event to.  Modelled as the generic "required
        # field" error on gclid.
        errs.append(ads_error({"fieldError": "REQUIRED"},
                              row_path(i, ("gclid", None))))
    cur = conv.get("currencyCode")
    if cur is not None and not re.fullmatch(r"[A-Z]{3}", cur):
        # ISO 4217 codes are three upper-case letters (ref §1.6); the
        # reference names no error code, CurrencyCodeError.UNSUPPORTED is the
        # v25 enum for an unusable currency code.
        errs.append(ads_error({"currencyCodeError": "UNSUPPORTED"},
                              row_path(i, ("currency_code", None))))
    if errs:
        return errs, None
    # gclid first, then gbraid, then wbraid: the one click a row is keyed on
    info["click"] = clicks[0] if clicks else None
    return errs, info


def check_action(ca, path, family, action_exists, errs):
    """The action id of a conversion_action resource name, or None with
    the error appended (ref §1.6)."""
    if not ca:
        errs.append(ads_error({"fieldError": "REQUIRED"},
                              path + [("conversion_action", None)]))
        return None
    m = ACTION_RE.fullmatch(ca)
    if not m:
        errs.append(ads_error({"requestError": "RESOURCE_NAME_MALFORMED"},
                              path + [("conversion_action", None)]))
        return None
    if not action_exists(int(m.group(2))):
        errs.append(ads_error({family: "NO_CONVERSION_ACTION_FOUND"},
                              path + [("conversion_action", None)]))
        return None
    return m.group(2)


def check_time(value, path, name, errs, required=True):
    """UTC instant of a required (or optional) date time field, or None
    with the error appended."""
    if not value:
        if required:
            errs.append(ads_error({"fieldError": "REQUIRED"},
                                  path + [(name, None)]))
        return None
    bad, dt = parse_datetime(value)
    if bad:
        errs.append(ads_error({"dateError": bad}, path + [(name, None)]))
        return None
    return dt.astimezone(datetime.timezone.utc)


def check_currency(cur, path, errs):
    if cur is not None and not re.fullmatch(r"[A-Z]{3}", cur):
        errs.append(ads_error({"currencyCodeError": "UNSUPPORTED"},
                              path + [("currency_code", None)]))


def utc_now(st):
    return datetime.datetime.fromtimestamp(st.now(), datetime.timezone.utc)


# Caller ids (ref §3.6 UNPARSEABLE_CALLERS_PHONE_NUMBER): "E.164
# (+16502531234), International (+64 3-331 6005), or US national number
# (6502531234)".  Separators between digits: space, hyphen, dot,
# parentheses.
CALLER_RE = re.compile(r"(\+?)([0-9(][0-9 ().-]*[0-9])")


def caller_e164(s):
    """The E.164 form of a caller id, or None if it cannot be parsed."""
    m = CALLER_RE.fullmatch(s)
    if not m:
        return None
    digits = re.sub(r"[^0-9]", "", m.group(2))
    if m.group(1):
        # E.164: at most 15 digits, no leading 0; 8 is the shortest number
        # plan in use with its country code
        if digits[0] == "0" or not 8 <= len(digits) <= 15:
            return None
        return "+" + digits
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    # NANP: area code and exchange start with 2-9
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return "+1" + digits


def call_path(i, *rest):
    return [("conversions", i)] + list(rest)


CALL_TOO_RECENT = datetime.timedelta(hours=6)      # ref §2.2 TOO_RECENT_CALL


def check_call_row(i, call, action_exists, now):
    """Stateless checks of a CallConversion (ref §1.7, §2.2, §3.6): every
    problem of the row, located.  info is None when the row has errors."""
    errs = []
    p = call_path(i)
    cu = "conversionUploadError"
    action_id = check_action(call.get("conversionAction"), p, cu,
                             action_exists, errs)
    caller = None
    if not call.get("callerId"):
        errs.append(ads_error({"fieldError": "REQUIRED"},
                              p + [("caller_id", None)]))
    else:
        caller = caller_e164(call["callerId"])
        if caller is None:
            errs.append(ads_error({cu: "UNPARSEABLE_CALLERS_PHONE_NUMBER"},
                                  p + [("caller_id", None)]))
    start = check_time(call.get("callStartDateTime"), p,
                       "call_start_date_time", errs)
    conv_at = check_time(call.get("conversionDateTime"), p,
                         "conversion_date_time", errs)
    if start is not None and conv_at is not None and conv_at < start:
        errs.append(ads_error({cu: "CONVERSION_PRECEDES_CALL"},
                              p + [("conversion_date_time", None)]))
    if start is not None and now - start < CALL_TOO_RECENT:
        # also a call "in the future": it did not occur 6 hours ago
        errs.append(ads_error({cu: "TOO_RECENT_CALL"},
                              p + [("call_start_date_time", None)]))
    check_currency(call.get("currencyCode"), p, errs)
    if errs:
        return errs, None
    return errs, {"action_id": action_id, "caller": caller, "start": start}


def dup_groups(infos, keyf):
    """Groups (lists of row numbers, more than one) of the valid rows
    whose keyf(i, info) is equal and not None."""
    seen = {}
    for i, info in enumerate(infos):
        if info is not None:
            k = keyf(i, info)
            if k is not None:
                seen.setdefault(k, []).append(i)
    return [rows for rows in seen.values() if len(rows) > 1]


ADJUSTMENT_EXPIRY = datetime.timedelta(days=54)       # ref §2.3


def adj_path(i, *rest):
    return [("conversion_adjustments", i)] + list(rest)


ADJUSTMENT_TYPES = ("RETRACTION", "RESTATEMENT", "ENHANCEMENT")
ADDRESS_HASHES = (("hashedFirstName", "hashed_first_name"),
                  ("hashedLastName", "hashed_last_name"),
                  ("hashedStreetAddress", "hashed_street_address"))
ADDRESS_REQUIRED = ("hashedFirstName", "hashedLastName", "countryCode",
                    "postalCode")


def check_adjustment_identifiers(i, ids, errs):
    """user_identifiers of an ENHANCEMENT (ref §1.8, §1.9): hashed_email,
    hashed_phone_number and address_info are accepted; hashes are 64
    lower-case hex digits; an address needs hashed first and last name,
    country code and postal code."""
    ca = "conversionAdjustmentUploadError"
    if len(ids) > MAX_IDENTIFIERS:
        errs.append(ads_error({"collectionSizeError": "TOO_MANY"},
                              adj_path(i, ("user_identifiers", None))))
    for j, ident in enumerate(ids):
        p = adj_path(i, ("user_identifiers", j))
        kinds = [k for k in ("hashedEmail", "hashedPhoneNumber", "mobileId",
                             "thirdPartyUserId", "addressInfo") if k in ident]
        if not kinds:
            errs.append(ads_error({ca: "INVALID_USER_IDENTIFIER"}, p))
        elif kinds[0] in ("hashedEmail", "hashedPhoneNumber"):
            if not HEX64.fullmatch(ident[kinds[0]]):
                proto = "hashed_email" if kinds[0] == "hashedEmail" \
                    else "hashed_phone_number"
                errs.append(ads_error({ca: "INVALID_USER_IDENTIFIER"},
                                      p + [(proto, None)]))
        elif kinds[0] == "addressInfo":
            a = ident["addressInfo"]
            p = p + [("address_info", None)]
            bad = None
            for json_name, proto in ADDRESS_HASHES:
                if a.get(json_name) and not HEX64.fullmatch(a[json_name]):
                    bad = p + [(proto, None)]
                    break
            if bad is None and a.get("countryCode") and \
                    not re.fullmatch(r"[A-Z]{2}", a["countryCode"]):
                bad = p + [("country_code", None)]
            if bad is None and not all(a.get(k) for k in ADDRESS_REQUIRED):
                # Not in the reference: an address Google could not match
                # without these.  Same rule as ac-batch's.
                bad = p
            if bad is not None:
                errs.append(ads_error({ca: "INVALID_USER_IDENTIFIER"}, bad))
        else:
            errs.append(ads_error({ca: "UNSUPPORTED_USER_IDENTIFIER"}, p))


def check_adjustment_row(i, adj, action_exists):
    """Stateless checks of a ConversionAdjustment (ref §1.8, §3.7).
    Returns (errors, info); info is None when the row has errors.  The
    checks that need the ledger or the clock are in
    Handler.check_adjustment_rows."""
    errs = []
    p = adj_path(i)
    ca = "conversionAdjustmentUploadError"
    action_id = check_action(adj.get("conversionAction"), p, ca,
                             action_exists, errs)
    atype = adj.get("adjustmentType")
    if atype is None or atype == "UNSPECIFIED":
        errs.append(ads_error({"fieldError": "REQUIRED"},
                              p + [("adjustment_type", None)]))
        atype = None
    elif atype not in ADJUSTMENT_TYPES:
        # UNKNOWN or a number outside the enum
        errs.append(ads_error({"requestError": "INVALID_ENUM_VALUE"},
                              p + [("adjustment_type", None)]))
        atype = None
    enh = atype == "ENHANCEMENT"
    # Required for retractions and restatements (ref §1.8 "Must be after
    # the conversion_date_time"); optional for enhancements.
    adj_at = check_time(adj.get("adjustmentDateTime"), p,
                        "adjustment_date_time", errs,
                        required=atype is not None and not enh)
    order_id = adj.get("orderId") or None
    pair = adj.get("gclidDateTimePair")
    gclid, conv_at = None, None
    if pair is not None:
        pp = p + [("gclid_date_time_pair", None)]
        gclid = pair.get("gclid") or None
        # An ENHANCEMENT may carry the conversion's time alone: Google's
        # web-enhancement examples (PY/PHP) set order_id and
        # gclid_date_time_pair.conversion_date_time, no gclid (ref §1.8).
        if gclid is None and not enh:
            errs.append(ads_error({"fieldError": "REQUIRED"},
                                  pp + [("gclid", None)]))
        conv_at = check_time(pair.get("conversionDateTime"), pp,
                             "conversion_date_time", errs)
    if enh:
        # "The order ID is required for enhancements" (ref §1.8); the
        # pair may come in addition.  MISSING_ORDER_ID_FOR_WEBPAGE is not
        # modelled: the generic required-field error.
        if order_id is None:
            errs.append(ads_error({"fieldError": "REQUIRED"},
                                  p + [("order_id", None)]))
    elif atype is not None:
        if order_id is not None and pair is not None:
            errs.append(ads_error(
                {ca: "GCLID_DATE_TIME_PAIR_AND_ORDER_ID_BOTH_SET"}, p))
        elif order_id is None and pair is None:
            # Not in the reference: nothing names the conversion.
            errs.append(ads_error({"fieldError": "REQUIRED"},
                                  p + [("order_id", None)]))
    rv = adj.get("restatementValue")
    if atype == "RESTATEMENT":
        if rv is None or rv.get("adjustedValue") is None:
            # "Required for restatements" (ref §1.8)
            errs.append(ads_error({"fieldError": "REQUIRED"}, p + [
                ("restatement_value", None)] + ([("adjusted_value", None)]
                                               if rv is not None else [])))
        if rv is not None:
            check_currency(rv.get("currencyCode"),
                           p + [("restatement_value", None)], errs)
    elif atype is not None and rv is not None:
        # "An error will be returned if provided for a retraction"
        # (ref §1.8); the reference names no code.
        errs.append(ads_error({"fieldError": "VALUE_MUST_BE_UNSET"},
                              p + [("restatement_value", None)]))
    ids = adj.get("userIdentifiers") or []
    if enh:
        check_adjustment_identifiers(i, ids, errs)
    elif atype is not None:
        if ids:
            # "only accepts user identifiers in enhancements" (ref §1.8)
            errs.append(ads_error({ca: "UNSUPPORTED_USER_IDENTIFIER"},
                                  p + [("user_identifiers", 0)]))
        if adj.get("userAgent"):
            # "can only be specified in enhancements" (ref §1.8)
            errs.append(ads_error({"fieldError": "VALUE_MUST_BE_UNSET"},
                                  p + [("user_agent", None)]))
    if errs:
        return errs, None
    return errs, {"action_id": action_id, "type": atype, "at": adj_at,
                  "order_id": order_id, "gclid": gclid, "conv_at": conv_at}


# ---------------------------------------------------------------------------
# Service-account keys and RS256 (ref §5.3).  A small DER reader for the
# public key and RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017
# §8.2.2, RFC 7518 §3.3), so no third-party crypto module is needed.

RSA_OID = bytes.fromhex("2a864886f70d010101")          # 1.2.840.113549.1.1.1
# DER of DigestInfo { AlgorithmIdentifier { sha256, NULL }, OCTET STRING(32) }
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
MIN_RSA_BITS = 2048              # RFC 7518 §3.3: RS256 keys are >= 2048 bits


def der_read(buf, pos, tag):
    """(start, end) of the content of the DER element at pos, which must
    have this tag.  Strict DER: definite, minimal lengths."""
    if pos + 2 > len(buf) or buf[pos] != tag:
        raise ValueError("expected DER tag 0x%02x at offset %d" % (tag, pos))
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7f
        if k == 0 or k > 4 or pos + k > len(buf) or buf[pos] == 0:
            raise ValueError("bad DER length at offset %d" % pos)
        n = int.from_bytes(buf[pos:pos + k], "big")
        if n < 0x80:
            raise ValueError("non-minimal DER length at offset %d" % pos)
        pos += k
    if pos + n > len(buf):
        raise ValueError("DER element runs past the end")
    return pos, pos + n


def der_uint(buf, pos):
    """(value, next position) of a non-negative DER INTEGER at pos."""
    s, e = der_read(buf, pos, 0x02)
    if s == e or buf[s] & 0x80 or (e - s > 1 and buf[s] == 0
                                    and not buf[s + 1] & 0x80):
        raise ValueError("bad or negative DER INTEGER")
    return int.from_bytes(buf[s:e], "big"), e


def rsa_public_numbers(der, pkcs1=False):
    """(n, e) from a SubjectPublicKeyInfo (what `openssl pkey -pubout`
    writes) or, with pkcs1, from a bare RSAPublicKey."""
    if not pkcs1:
        s, e = der_read(der, 0, 0x30)                  # SubjectPublicKeyInfo
        if e != len(der):
            raise ValueError("trailing data after the key")
        a_s, a_e = der_read(der, s, 0x30)              # AlgorithmIdentifier
        o_s, o_e = der_read(der, a_s, 0x06)
        if der[o_s:o_e] != RSA_OID:
            raise ValueError("not an RSA key (algorithm OID %s)"
                             % der[o_s:o_e].hex())
        if o_e != a_e:                                 # parameters: NULL
            n_s, n_e = der_read(der, o_e, 0x05)
            if n_s != n_e or n_e != a_e:
                raise ValueError("bad rsaEncryption parameters")
        b_s, b_e = der_read(der, a_e, 0x03)            # BIT STRING
        if b_e != e or b_s == b_e or der[b_s] != 0:
            raise ValueError("bad subjectPublicKey BIT STRING")
        der = der[b_s + 1:b_e]
    s, e = der_read(der, 0, 0x30)                      # RSAPublicKey
    if e != len(der):
        raise ValueError("trailing data after RSAPublicKey")
    n, pos = der_uint(der, s)
    exp, pos = der_uint(der, pos)
    if pos != e:
        raise ValueError("extra fields in RSAPublicKey")
    if n.bit_length() < MIN_RSA_BITS or exp < 3 or not exp & 1 or not n & 1:
        raise ValueError("unusable RSA key (%d-bit modulus, exponent %d)"
                         % (n.bit_length(), exp))
    return n, exp


def load_public_key(path):
    """(n, e) from a PEM file: "PUBLIC KEY" (SubjectPublicKeyInfo) or
    "RSA PUBLIC KEY" (PKCS#1)."""
    with open(path, encoding="ascii") as fp:
        text = fp.read()
    m = re.search(r"-----BEGIN (RSA |)PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)"
                  r"-----END \1PUBLIC KEY-----", text)
    if not m:
        raise ValueError("no PEM PUBLIC KEY block in %s" % path)
    der = base64.b64decode("".join(m.group(2).split()), validate=True)
    return rsa_public_numbers(der, pkcs1=bool(m.group(1)))


def rs256_verify(key, data, sig):
    """RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2): the
    signature is exactly k bytes, below n, and s^e mod n is exactly
    00 01 FF..FF 00 DigestInfo(SHA-256(data)) -- the whole encoding is
    rebuilt and compared, nothing is parsed out of it."""
    n, e = key
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    t = SHA256_DIGEST_INFO + hashlib.sha256(data).digest()
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(pow(s, e, n).to_bytes(k, "big"), expected)


B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(s):
    """Unpadded base64url (RFC 7515 §2); padding or any other character is
    an error."""
    if not B64URL_RE.fullmatch(s) or len(s) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def s256(verifier):
    """BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2."""
    return base64.urlsafe_b64encode(hashlib.sha256(
        verifier.encode("ascii")).digest()).rstrip(b"=").decode()


# RFC 7636 §4.1 / §4.2: 43-128 characters of [A-Za-z0-9-._~]
PKCE_RE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
# Loopback redirect URIs of the installed-app flow: http, an explicit port,
# any path and query, no fragment, no user info.
LOOPBACK_REDIRECT_RE = re.compile(
    r"http://(?:127\.0\.0\.1|\[::1\]|localhost):([0-9]{1,5})"
    r"(?:/[^?#\s]*)?(?:\?[^#\s]*)?")


def loopback_redirect_ok(uri):
    m = LOOPBACK_REDIRECT_RE.fullmatch(uri)
    return bool(m) and 1 <= int(m.group(1)) <= 65535


# ---------------------------------------------------------------------------
# Shared state

class State:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.RLock()
        self.log_fp = open(opts.log, "a", encoding="utf-8") if opts.log \
            else None
        self.ledger_path = (os.path.join(opts.state_dir, "ledger.ndjson")
                            if opts.state_dir else None)
        self.dm_requests_path = (
            os.path.join(opts.state_dir, "dm-requests.ndjson")
            if opts.state_dir else None)
        self.reset(load=True)

    def reset(self, load=False):
        with self.lock:
            self.faults = []
            self.requests = []
            self.ledger = []
            # click conversions: key -> index in self.ledger
            self.order_keys = {}
            self.click_keys = {}
            self.call_keys = set()
            # adjustment state per click conversion (index in self.ledger)
            self.adjusted = {}
            self.offset = 0.0         # admin clock: seconds added to "now"
            self.tokens = {t: None for t in self.opts.access_token}
            # access token -> the set of scopes it carries
            self.scopes = {t: frozenset(API_SCOPES)
                           for t in self.opts.access_token}
            self.expired = set()
            self.revoked = set()
            # refresh token -> the scope it grants (space-separated)
            self.refresh_tokens = {
                self.opts.refresh_token: self.opts.refresh_token_scope}
            # customers whose click uploads are refused (not allowlisted)
            self.not_allowlisted = set(self.opts.not_allowlisted)
            # Data Manager: conversions (key -> state), the click keys of
            # conversions created with a transaction id (-> their key), and
            # the request statuses (request id -> record)
            self.dm_convs = {}
            self.dm_click_index = {}
            self.dm_requests = {}
            self.codes = {}           # authorization code -> its binding
            self.deny = 0             # consents still to be refused
            self.authorizations = []  # what GET /o/oauth2/v2/auth was asked
            self.actions = set(self.opts.actions or ())
            self.default_rule = self.opts.actions is None
            # googleAds:search state (admin "customers", "conversion_actions",
            # "upload_summaries"): customer settings (id -> dict), the
            # conversion actions defined per customer (id -> {action id ->
            # dict}), the upload summaries per customer, and the page
            # tokens handed out (token -> (customer, query, offset))
            self.customers = {}
            self.conv_actions = {}
            self.summaries = {}
            # Google Ads API upload rows per customer, for the derived
            # upload summaries: (time, action id, job id, error or None)
            self.upload_rows = {}
            self.page_tokens = {}
            if self.ledger_path:
                if load and os.path.exists(self.ledger_path):
                    with open(self.ledger_path, encoding="utf-8") as fp:
                        for line in fp:
                            if line.strip():
                                self._remember(json.loads(line))
                else:
                    open(self.ledger_path, "w").close()
            if self.dm_requests_path:
                if load and os.path.exists(self.dm_requests_path):
                    with open(self.dm_requests_path, encoding="utf-8") as fp:
                        for line in fp:
                            if line.strip():
                                r = json.loads(line)
                                self.dm_requests[r["request_id"]] = r
                else:
                    open(self.dm_requests_path, "w").close()

    # -- conversion actions
    def action_exists(self, action_id):
        return action_id in self.actions or (
            self.default_rule and action_id < DEFAULT_ACTION_LIMIT)

    # -- googleAds:search: the rows of each resource (flat dicts, full
    #    GAQL path -> Python value; see tests/mock/gaql.py)
    def customer_settings(self, cid):
        c = dict(CUSTOMER_DEFAULTS)
        c["descriptive_name"] = "Customer %s" % cid
        c["conversion_tracking_id"] = 100000000 + int(cid) % 800000000
        c.update(self.customers.get(cid, {}))
        return c

    def customer_row(self, cid, login):
        c = self.customer_settings(cid)
        conv = str(c.get("conversion_customer") or cid)
        pre = "customer.conversion_tracking_setting."
        row = {"customer.resource_name": "customers/" + cid,
               "customer.id": int(cid)}
        for k in ("descriptive_name", "currency_code", "time_zone",
                  "auto_tagging_enabled", "manager", "test_account",
                  "status"):
            row["customer." + k] = c.get(k)
        row[pre + "conversion_tracking_id"] = c.get("conversion_tracking_id")
        row[pre + "google_ads_conversion_customer"] = "customers/" + conv
        terms = c.get("accepted_customer_data_terms")
        ecl = c.get("enhanced_conversions_for_leads_enabled")
        status = "CONVERSION_TRACKING_MANAGED_BY_SELF"
        if conv != cid:
            # Cross-account conversion tracking: the manager's tracking id,
            # and the terms and ECL setting are the manager's ("inherited
            # from the manager", customer.proto); the status depends on the
            # login-customer-id of the request.
            m = self.customer_settings(conv)
            row[pre + "cross_account_conversion_tracking_id"] = \
                m.get("conversion_tracking_id")
            terms = m.get("accepted_customer_data_terms")
            ecl = m.get("enhanced_conversions_for_leads_enabled")
            status = ("CONVERSION_TRACKING_MANAGED_BY_THIS_MANAGER"
                      if login == conv else
                      "CONVERSION_TRACKING_MANAGED_BY_ANOTHER_MANAGER")
        row[pre + "accepted_customer_data_terms"] = bool(terms)
        row[pre + "enhanced_conversions_for_leads_enabled"] = bool(ecl)
        row[pre + "conversion_tracking_status"] = c.get(
            "conversion_tracking_status") or status
        return row

    def action_rows(self, cid, named):
        """The conversion actions of customer cid: those defined through
        admin "conversion_actions", and with default settings the ids of
        the upload rule (--actions, admin "actions") that are in the
        explicit set or named by the query (named: ids)."""
        defined = self.conv_actions.get(cid, {})
        ids = set(defined) | set(self.actions) | {
            i for i in named if self.action_exists(i)}
        rows = []
        for i in sorted(ids):
            a = dict(ACTION_DEFAULTS, name="Conversion action %d" % i,
                     owner_customer="customers/" + cid)
            a.update(defined.get(i, {}))
            vs = dict(ACTION_DEFAULTS["value_settings"])
            vs.update(a.pop("value_settings", None) or {})
            pre = "conversion_action."
            row = {pre + "resource_name":
                   "customers/%s/conversionActions/%d" % (cid, i),
                   pre + "id": i}
            for k, v in a.items():
                row[pre + k] = v
            for k, v in vs.items():
                row[pre + "value_settings." + k] = v
            rows.append(row)
        return rows

    def note_upload(self, cid, convs, row_errors, entries, job):
        """Remember each row of an executed Google Ads API upload (not
        validateOnly) for the derived upload summaries: its action, job
        and first error (as OfflineConversionError: family in proto
        case -> code), None when it was taken."""
        t = self.now()
        rows = self.upload_rows.setdefault(cid, [])
        for conv, errs, e in zip(convs, row_errors, entries):
            m = re.fullmatch(r"customers/\d+/conversionActions/(\d+)",
                             str(conv.get("conversionAction") or ""))
            err = None
            if e is None:
                code = (errs[0].get("errorCode") if errs else None) or {
                    "conversionUploadError": "UNSPECIFIED"}
                fam, val = next(iter(code.items()))
                err = (re.sub(r"[A-Z]", lambda x: "_" + x.group(0).lower(),
                              fam), val)
            rows.append((t, int(m.group(1)) if m else 0,
                         None if job is None else int(job), err))

    def derived_summaries(self, cid, resource):
        """Upload summaries that follow what was uploaded (when admin
        "upload_summaries" set none for cid): one per client
        (GOOGLE_ADS_API) or per conversion action, with daily_summaries
        (by upload date on the emulator's clock, UTC), job_summaries (per
        job_id) and alerts (per error, share of all events).  A row taken
        is pending until --ads-processing-seconds have passed on the
        emulator's clock, then successful; a refused row is failed."""
        rows = self.upload_rows.get(cid, ())
        if not rows:
            return []

        def nz(d):
            return {k: v for k, v in d.items() if v}
        now = self.now()
        delay = self.opts.ads_processing_seconds
        by_action = resource != "offline_conversion_upload_client_summary"
        groups = {}
        for r in rows:
            groups.setdefault(r[1] if by_action else None, []).append(r)
        out = []
        for key, rs in sorted(groups.items(), key=lambda x: x[0] or 0):
            daily, jobs, errors = {}, {}, {}
            ok = pend = 0
            for t, _a, job, err in rs:
                day = time.strftime("%Y-%m-%d", time.gmtime(t))
                what = ("failed_count" if err else "pending_count"
                        if now < t + delay else "successful_count")
                ok += what == "successful_count"
                pend += what == "pending_count"
                for d, k in ((daily, day), (jobs, job)):
                    if k is None:
                        continue
                    c = d.setdefault(k, {"successful_count": 0,
                                         "failed_count": 0,
                                         "pending_count": 0})
                    c[what] += 1
                if err:
                    errors[err] = errors.get(err, 0) + 1
            total = len(rs)
            rate = ok / total
            sm = {
                "client": "GOOGLE_ADS_API",
                "status": ("EXCELLENT" if rate >= 0.9 else "GOOD"
                           if rate >= 0.7 else "NEEDS_ATTENTION"),
                "total_event_count": total,
                "successful_event_count": ok,
                "pending_event_count": pend,
                "last_upload_date_time": time.strftime(
                    "%Y-%m-%d %H:%M:%S+00:00", time.gmtime(rs[-1][0])),
                # proto3 JSON leaves out counts of 0
                "daily_summaries": [dict(nz(v), upload_date=k)
                                    for k, v in sorted(daily.items())],
                "job_summaries": [dict(nz(v), job_id=k)
                                  for k, v in jobs.items()],
                "alerts": [{"error": {fam: val},
                            "error_percentage": n / total}
                           for (fam, val), n in sorted(errors.items())],
            }
            if by_action:
                sm["conversion_action_id"] = key
            out.append(sm)
        return out

    def summary_rows(self, cid, resource):
        rows = []
        if cid in self.summaries:
            sms = self.summaries[cid].get(resource, ())
        else:
            sms = self.derived_summaries(cid, resource)
        for sm in sms:
            sm = dict(sm)
            client = sm.setdefault("client", "GOOGLE_ADS_API")
            if resource == "offline_conversion_upload_client_summary":
                rn = "customers/%s/offlineConversionUploadClientSummaries/%s" \
                    % (cid, client)
                total = sm.get("total_event_count", 0)
                if total:
                    sm.setdefault("success_rate", sm.get(
                        "successful_event_count", 0) / total)
                    sm.setdefault("pending_rate", sm.get(
                        "pending_event_count", 0) / total)
            else:
                rn = ("customers/%s/offlineConversionUploadConversionAction"
                      "Summaries/%s~%s" % (cid, sm.get(
                          "conversion_action_id", 0), client))
            row = {resource + ".resource_name": rn}
            for k, v in sm.items():
                row[resource + "." + k] = v
            rows.append(row)
        return rows

    # -- clock (admin "clock" moves both by the same offset)
    def now(self):
        """Wall-clock seconds since the epoch, as the emulator sees them."""
        return time.time() + self.offset

    def mono(self):
        return time.monotonic() + self.offset

    # -- access tokens
    def token_status(self, token):
        """None if valid, else the AuthenticationError name."""
        with self.lock:
            if token in self.revoked:
                return "OAUTH_TOKEN_REVOKED"
            if token in self.expired:
                return "OAUTH_TOKEN_EXPIRED"
            if token not in self.tokens:
                return "OAUTH_TOKEN_INVALID"
            exp = self.tokens[token]
            if exp is not None and self.mono() >= exp:
                self.expired.add(token)
                del self.tokens[token]
                return "OAUTH_TOKEN_EXPIRED"
            return None

    def add_token(self, token, ttl, scopes=API_SCOPES):
        with self.lock:
            self.tokens[token] = (self.mono() + ttl
                                  if ttl is not None else None)
            self.scopes[token] = frozenset(scopes)
            self.expired.discard(token)
            self.revoked.discard(token)

    def has_scope(self, token, scope):
        with self.lock:
            return scope in self.scopes.get(token, ())

    # -- faults
    def take_fault(self, endpoints, accept=None):
        """The first queued fault whose endpoint is one of endpoints (or
        "any") and that accept(fault) takes; its count goes down by one."""
        if isinstance(endpoints, str):
            endpoints = (endpoints,)
        with self.lock:
            for i, f in enumerate(self.faults):
                if f.get("endpoint", "upload") in endpoints + ("any",) and \
                        (accept is None or accept(f)):
                    f["_left"] -= 1
                    if f["_left"] <= 0:
                        del self.faults[i]
                    return {k: v for k, v in f.items() if k != "_left"}
            return None

    # -- ledger
    @staticmethod
    def order_key(e):
        return (e["customer"], e["action_id"], e["order_id"])

    @staticmethod
    def click_key(e):
        return (e["customer"], e["action_id"], e["click_id_type"],
                e["click_id"], e["instant"])

    @staticmethod
    def call_key(customer, action_id, caller_sha256, start):
        return (customer, action_id, caller_sha256, start)

    def find_conversion(self, customer, action_id, order_id, gclid, instant):
        """Index in the ledger of the accepted click conversion an
        adjustment names: by order id when it has one, else by gclid and
        conversion time (ref §1.8); None if there is none."""
        if order_id:
            return self.order_keys.get((customer, action_id, order_id))
        if gclid and instant is not None:
            return self.click_keys.get((customer, action_id, "gclid", gclid,
                                        instant))
        return None

    def adjustment_state(self, idx):
        """A copy of what was done to conversion idx so far."""
        a = self.adjusted.get(idx)
        if a is None:
            return {"retracted": False, "enhanced": False, "restated": set()}
        return dict(a, restated=set(a["restated"]))

    @staticmethod
    def apply_adjustment(state, atype, at):
        if atype == "RETRACTION":
            state["retracted"] = True
        elif atype == "ENHANCEMENT":
            state["enhanced"] = True
        elif atype == "RESTATEMENT":
            state["restated"].add(at)

    # -- Data Manager conversions
    @staticmethod
    def dm_key(customer, action_id, txid, click_type, click_id, instant):
        """The key of a Data Manager conversion: by transaction id when the
        event has one, else by click id (None for none) and time as an
        instant (ISO string, UTC)."""
        if txid:
            return ("tx", customer, action_id, txid)
        return ("click", customer, action_id, click_type, click_id, instant)

    def dm_find(self, key):
        """The conversion a key names (a click key also finds a conversion
        created with a transaction id and the same click and time)."""
        c = self.dm_convs.get(key)
        if c is None and key[0] == "click":
            k = self.dm_click_index.get(key)
            c = self.dm_convs.get(k) if k else None
        return c

    def _remember_event(self, e, digest=None):
        """Apply a Data Manager ledger line to the conversions, by its
        effect (so a reload replays what happened).  digest: SHA-256 of the
        event's userData, kept in memory only (never in the ledger)."""
        effect = e.get("effect")
        inst = rfc3339(e["event_timestamp"]) if e.get("event_timestamp") \
            else None
        inst = inst.isoformat() if inst else None
        key = self.dm_key(e["customer"], e["action_id"], e.get("transaction_id"),
                          e.get("click_id_type"), e.get("click_id"), inst)
        if effect == "created":
            self.dm_convs[key] = {
                "customer": e["customer"], "action_id": e["action_id"],
                "transaction_id": e.get("transaction_id"),
                "click_id_type": e.get("click_id_type"),
                "click_id": e.get("click_id"),
                "event_timestamp": e.get("event_timestamp"),
                "event_source": e.get("event_source"),
                "value": e.get("value"), "currency": e.get("currency"),
                "user_identifiers": e.get("user_identifiers") or 0,
                "consent": e.get("consent"),
                "enhanced": False, "restatements": 0,
                "request_id": e.get("request_id"),
                "updated_request_id": None,
                "_digest": digest if e.get("user_identifiers") else None,
            }
            if e.get("transaction_id") and e.get("click_id"):
                self.dm_click_index.setdefault(self.dm_key(
                    e["customer"], e["action_id"], None, e["click_id_type"],
                    e["click_id"], inst), key)
        elif effect in ("restated", "enhanced"):
            c = self.dm_find(key)
            if c is None:
                return
            if e.get("value") is not None:
                c["value"] = e["value"]
            if e.get("currency") is not None:
                c["currency"] = e["currency"]
            if effect == "restated":
                c["restatements"] += 1
            if e.get("user_identifiers") and not c["user_identifiers"]:
                c["user_identifiers"] = e["user_identifiers"]
                c["enhanced"] = True
                c["_digest"] = digest
            c["updated_request_id"] = e.get("request_id")

    def _remember(self, entry, digest=None):
        kind = entry.get("kind", "click")
        idx = len(self.ledger)
        self.ledger.append(entry)
        if kind == "event":
            self._remember_event(entry, digest)
        elif kind == "click":
            if entry.get("order_id"):
                self.order_keys.setdefault(self.order_key(entry), idx)
            if entry.get("click_id"):
                bad, dt = parse_datetime(entry["conversion_date_time"])
                if not bad:
                    k = dict(entry,
                             instant=dt.astimezone(datetime.timezone.utc))
                    self.click_keys.setdefault(self.click_key(k), idx)
        elif kind == "call":
            bad, dt = parse_datetime(entry["call_start_date_time"])
            if not bad:
                self.call_keys.add(self.call_key(
                    entry["customer"], entry["action_id"],
                    entry["caller_id_sha256"],
                    dt.astimezone(datetime.timezone.utc)))
        elif kind == "adjustment":
            inst = at = None
            if entry.get("conversion_date_time"):
                bad, dt = parse_datetime(entry["conversion_date_time"])
                inst = None if bad else dt.astimezone(datetime.timezone.utc)
            if entry.get("adjustment_date_time"):
                bad, dt = parse_datetime(entry["adjustment_date_time"])
                at = None if bad else dt.astimezone(datetime.timezone.utc)
            target = self.find_conversion(
                entry["customer"], entry["action_id"], entry.get("order_id"),
                entry.get("gclid"), inst)
            if target is not None:
                a = self.adjustment_state(target)
                self.apply_adjustment(a, entry["adjustment_type"], at)
                self.adjusted[target] = a

    def commit(self, entries, remembered=False):
        with self.lock:
            if not remembered:
                for e in entries:
                    self._remember(e)
            if self.ledger_path and entries:
                with open(self.ledger_path, "a", encoding="utf-8") as fp:
                    for e in entries:
                        fp.write(json.dumps(e, separators=(",", ":")) + "\n")
                    fp.flush()
                    os.fsync(fp.fileno())

    def add_dm_request(self, rec):
        with self.lock:
            self.dm_requests[rec["request_id"]] = rec
            if self.dm_requests_path:
                with open(self.dm_requests_path, "a", encoding="utf-8") as fp:
                    fp.write(json.dumps(rec, separators=(",", ":")) + "\n")

    # -- log
    def log(self, entry):
        line = json.dumps(entry, separators=(",", ":"))
        with self.lock:
            self.requests.append(entry)
            if self.log_fp:
                self.log_fp.write(line + "\n")
                self.log_fp.flush()


# ---------------------------------------------------------------------------
# HTTP

UPLOAD_RE = re.compile(r"/(v\d+)/customers/([^/]*):(uploadClickConversions|"
                       r"uploadCallConversions|uploadConversionAdjustments)")
DM_INGEST_PATH = "/v1/events:ingest"
DM_STATUS_PATH = "/v1/requestStatus:retrieve"
# the RPC of each upload method, by ledger kind (ErrorInfo metadata of a
# scope refusal)
UPLOAD_RPC = {
    "click": "ConversionUploadService.UploadClickConversions",
    "call": "ConversionUploadService.UploadCallConversions",
    "adjustment":
        "ConversionAdjustmentUploadService.UploadConversionAdjustments",
}


class Method:
    """What differs between the three upload methods (ref §1.1 - §1.5)."""

    def __init__(self, kind, request, list_json, list_proto, family,
                 too_many, job):
        self.kind = kind              # ledger "kind"
        self.request = request        # request message
        self.list_json = list_json    # the repeated field, JSON name
        self.list_proto = list_proto  # ... and proto name (field paths)
        self.family = family          # errorCode family of its own codes
        self.too_many = too_many      # code for more than MAX_ROWS rows
        self.job = job                # has job_id (request and response)


METHODS = {
    "uploadClickConversions": Method(
        "click", "UploadClickConversionsRequest", "conversions",
        "conversions", "conversionUploadError",
        "TOO_MANY_CONVERSIONS_IN_REQUEST", True),
    "uploadCallConversions": Method(
        "call", "UploadCallConversionsRequest", "conversions",
        "conversions", "conversionUploadError",
        "TOO_MANY_CONVERSIONS_IN_REQUEST", False),
    "uploadConversionAdjustments": Method(
        "adjustment", "UploadConversionAdjustmentsRequest",
        "conversionAdjustments", "conversion_adjustments",
        "conversionAdjustmentUploadError", "TOO_MANY_ADJUSTMENTS_IN_REQUEST",
        True),
}
TOKEN_PATHS = ("/token", "/oauth2/v3/token", "/oauth2/v4/token",
               "/o/oauth2/token")
AUTH_PATHS = ("/o/oauth2/v2/auth", "/o/oauth2/auth")
REDACT_FORM = ("client_secret", "refresh_token", "assertion", "code",
               "code_verifier", "password", "access_token", "id_token")
# fault kinds -> the endpoints they make sense on
COMMON_FAULTS = ("internal", "transient", "deadline_exceeded", "unavailable",
                 "bad_gateway_html", "reset", "slow")
GADS_FAULTS = COMMON_FAULTS + (
    "rate_limit", "daily_quota", "concurrent_modification", "token_expired",
    "row_error", "executed_then_dropped", "error", "not_allowlisted")
DM_FAULTS = COMMON_FAULTS + (
    "rate_limit", "daily_quota", "token_expired", "executed_then_dropped",
    "error", "bad_event")
STATUS_FAULTS = COMMON_FAULTS + (
    "rate_limit", "daily_quota", "token_expired", "error")
TOKEN_FAULTS = COMMON_FAULTS + ("oauth_error",)
SEARCH_FAULTS = COMMON_FAULTS + (
    "rate_limit", "daily_quota", "token_expired", "error")
FAULT_KINDS = {"upload": GADS_FAULTS + ("bad_event",),
               "googleads": GADS_FAULTS, "datamanager": DM_FAULTS,
               "search": SEARCH_FAULTS,
               "status": STATUS_FAULTS, "token": TOKEN_FAULTS,
               "any": COMMON_FAULTS}
# faults that only one API knows (an "upload" fault of such a kind waits
# for a request of its API)
GADS_ONLY_FAULTS = ("row_error", "concurrent_modification", "not_allowlisted")
DEFAULT_FAULT_COUNT = {"bad_event": 1000000}

NOT_FOUND_HTML = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <title>Error 404 (Not Found)!!1</title>
  <p><b>404.</b> <ins>That's an error.</ins>
  <p>The requested URL <code>%s</code> was not found on this server.  <ins>That's all we know.</ins>
"""
# The authorization endpoint's error page, shown in the browser instead of
# a redirect when the client or the redirect URI cannot be trusted.  The
# wording follows Google's consent-screen error pages ("Access blocked: ...",
# "Error 400: redirect_uri_mismatch"); the reference is silent on them.
AUTH_ERROR_HTML = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <title>Error %(code)d: %(error)s</title>
  <h1>%(heading)s</h1>
  <p>%(text)s</p>
  <p><b>Error %(code)d: %(error)s</b></p>
  <p>%(detail)s</p>
"""
BAD_GATEWAY_HTML = """<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center></body></html>
"""


# googleAds:search (and searchStream): settings of a customer and of a
# conversion action that no admin call gave (where the reference is silent:
# see the module docstring, "Search").
CUSTOMER_DEFAULTS = {
    "currency_code": "EUR", "time_zone": "Europe/Berlin",
    "auto_tagging_enabled": True, "manager": False, "test_account": False,
    "status": "ENABLED", "accepted_customer_data_terms": True,
    "enhanced_conversions_for_leads_enabled": True,
}
CUSTOMER_KEYS = set(CUSTOMER_DEFAULTS) | {
    "descriptive_name", "conversion_tracking_id", "conversion_customer",
    "conversion_tracking_status", "login_customers", "denied"}
ACTION_DEFAULTS = {
    "status": "ENABLED", "type": "UPLOAD_CLICKS", "origin": "WEBSITE",
    "category": "DEFAULT", "primary_for_goal": True,
    "include_in_conversions_metric": True, "counting_type": "MANY_PER_CLICK",
    "click_through_lookback_window_days": 30,
    "view_through_lookback_window_days": 1,
    "value_settings": {"default_value": 1.0, "default_currency_code": "EUR",
                       "always_use_default_value": False},
}
SEARCH_PAGE_SIZE = 10000         # rows per page, fixed (ref: not settable)
SEARCH_RE = re.compile(r"/(v\d+)/customers/([^/]*)/googleAds:"
                       r"(search|searchStream)")
SEARCH_RPC = {"search": "GoogleAdsService.Search",
              "searchStream": "GoogleAdsService.SearchStream"}


def check_settings(obj, resource, nested=()):
    """Admin input: obj's keys must be fields of resource (gaql schema,
    without the resource prefix), enums by name.  Raises ValueError."""
    if not isinstance(obj, dict):
        raise ValueError("expected an object, got %r" % (obj,))
    for k, v in obj.items():
        if k in nested:
            check_settings(v, resource + "." + k)
            continue
        f = gaql.SCHEMA[resource.split(".")[0]].get(resource + "." + k)
        if f is None:
            raise ValueError("unknown field %s.%s" % (resource, k))
        if v is not None and f.kind.startswith("enum:") and \
                v not in gaql.ENUMS[f.kind[5:]]:
            raise ValueError("%s.%s: not a %s: %r" % (resource, k,
                                                      f.kind[5:], v))


class Dropped(Exception):
    """The connection was closed on purpose; nothing more to send."""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def version_string(self):
        return "gads-mock"

    # -- plumbing ----------------------------------------------------------
    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            # handshake here, in the connection's own thread, not in accept()
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                           b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n > 0 else b""

    def logged_headers(self):
        out = {}
        for k, v in self.headers.items():
            k = k.lower()
            if k == "authorization":
                v = ("Bearer <redacted>" if v.strip().lower().startswith(
                    "bearer") else "<redacted>")
            elif k in ("developer-token", "cookie", "proxy-authorization"):
                v = "<redacted>"
            out[k] = v if k not in out else out[k] + ", " + v
        return out

    def logged_path(self):
        u = urllib.parse.urlsplit(self.path)
        if not u.query:
            return self.path
        q = [(k, "<redacted>" if k in REDACT_FORM else v)
             for k, v in urllib.parse.parse_qsl(u.query,
                                                keep_blank_values=True)]
        return u.path + "?" + urllib.parse.urlencode(q)

    def send(self, code, body, ctype="application/json; charset=UTF-8",
             headers=()):
        if getattr(self, "stream", False) and isinstance(body, dict) and \
                "error" in body:
            # searchStream: the error object inside a JSON array (ref §3.2)
            body = [body]
        if isinstance(body, (dict, list)):
            data = (json.dumps(body, indent=2) + "\n").encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError,
                    socket.timeout):
                self.close_connection = True
        self.entry["status"] = code

    def drop(self):
        """Close with a TCP RST and no answer (SO_LINGER 0)."""
        self.entry["status"] = None
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True
        raise Dropped()

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    # -- dispatch ----------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def dispatch(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        self.stream = False
        self.entry = {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="milliseconds"),
            "method": self.command, "path": self.logged_path(),
            "headers": self.logged_headers(), "body": None, "status": None,
            "request_id": None,
        }
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(413, "request too large\n", "text/plain")
            return
        if path.startswith("/__admin/"):
            if self.client_address[0] not in ("127.0.0.1", "::1"):
                self.not_found(path)
                return
            self.admin(path, body)
            return
        try:
            m = UPLOAD_RE.fullmatch(path)
            if m and self.command == "POST":
                self.upload(m.group(1), m.group(2), METHODS[m.group(3)],
                            body)
            elif SEARCH_RE.fullmatch(path) and self.command == "POST":
                m = SEARCH_RE.fullmatch(path)
                self.search(m.group(1), m.group(2), m.group(3), body)
            elif path == DM_INGEST_PATH and self.command == "POST":
                self.dm_ingest(body)
            elif path == DM_STATUS_PATH and self.command == "GET":
                self.dm_status()
            elif path in TOKEN_PATHS and self.command == "POST":
                self.token(body)
            elif path in AUTH_PATHS and self.command == "GET":
                self.authorize()
            else:
                # Unknown path or method: googleapis.com answers with its
                # HTML 404 page (the reference is silent).
                self.entry["body"] = self.json_or_none(body)
                self.not_found(path)
        except Dropped:
            pass
        finally:
            self.state.log(self.entry)

    def not_found(self, path):
        self.send(404, NOT_FOUND_HTML % html.escape(path),
                  "text/html; charset=UTF-8")

    @staticmethod
    def json_or_none(body):
        """The body for the log: parsed JSON, with every callerId (a phone
        number, sent in clear as the API wants it) replaced by the SHA-256
        of its text, so that no log holds a phone number."""
        try:
            obj = json.loads(body) if body else None
        except ValueError:
            return None

        def scrub(x):
            if isinstance(x, dict):
                return {k: ("sha256:" + hashlib.sha256(
                    str(v).encode()).hexdigest() if k == "callerId"
                    else scrub(v)) for k, v in x.items()}
            if isinstance(x, list):
                return [scrub(v) for v in x]
            return x
        return scrub(obj)

    # -- faults shared by both endpoints -----------------------------------
    def apply_fault(self, fault, version, rid, oauth=False):
        """Answer for a fault that replaces the normal processing, or
        return False to go on processing."""
        kind = fault["kind"]
        self.entry["fault"] = kind
        if fault.get("delay"):
            time.sleep(float(fault["delay"]))
        if kind == "slow":
            time.sleep(float(fault.get("seconds", 2)))
            return False
        if kind in ("row_error", "executed_then_dropped", "not_allowlisted"):
            return False
        if kind == "reset":
            self.drop()
        if kind == "bad_gateway_html":
            self.send(502, BAD_GATEWAY_HTML, "text/html; charset=UTF-8")
            return True
        if kind in ("unavailable", "deadline_exceeded"):
            # No details: the front end answers, the backend never saw it
            # (ref §3.2: 503 {"code":503,"status":"UNAVAILABLE"}).
            status = "UNAVAILABLE" if kind == "unavailable" \
                else "DEADLINE_EXCEEDED"
            if oauth:
                code, body = STATUS[status][0], {
                    "error": "internal_failure",
                    "error_description": STATUS[status][1]}
            else:
                code, body = status_body(status)
            self.send(code, body)
            return True
        if oauth and kind in ("internal", "transient"):
            # google-auth retries once on "internal_failure" (ref §5.2)
            self.send(500, {"error": "internal_failure",
                            "error_description": "Backend Error"})
            return True
        if kind == "oauth_error":
            self.send(int(fault.get("http", 400)), {
                "error": fault.get("error", "invalid_grant"),
                "error_description": fault.get(
                    "error_description", "Token has been expired or revoked.")})
            return True
        headers = []
        status, errors, with_details = None, None, True
        if kind in ("rate_limit", "daily_quota"):
            daily = kind == "daily_quota"
            delay = int(fault.get("retry_delay", 43200 if daily else 30))
            code = {"quotaError": "RESOURCE_EXHAUSTED" if daily
                    else "RESOURCE_TEMPORARILY_EXHAUSTED"}
            msg = ("Too many requests. Retry in %d seconds." if daily else
                   "Too many requests in a short amount of time. Retry in %d "
                   "seconds.") % delay
            # QuotaErrorDetails (ref §3.3); retryDelay is a Duration string.
            details = {"quotaErrorDetails": {
                "rateScope": "DEVELOPER" if daily else "ACCOUNT",
                "rateName": ("Number of operations for basic access" if daily
                             else "Requests per account"),
                "retryDelay": "%ds" % delay}}
            status = "RESOURCE_EXHAUSTED"
            errors = [ads_error(code, message=msg, details=details)]
            if fault.get("retry_after", not daily):
                # Not documented for Google Ads (ref §3.9: daily-quota errors
                # carry no retry-after); sent so that a client's Retry-After
                # handling can be tested.
                headers.append(("Retry-After", str(delay)))
        elif kind == "internal":
            status = "INTERNAL"
            errors = [ads_error({"internalError": "INTERNAL_ERROR"})]
            with_details = fault.get("details", True)
        elif kind == "transient":
            status = "INTERNAL"
            errors = [ads_error({"internalError": "TRANSIENT_ERROR"})]
        elif kind == "concurrent_modification":
            # Not in the reference: ABORTED (409) is google.rpc's code for
            # concurrency conflicts (ref §3.1).
            status = "ABORTED"
            errors = [ads_error({"databaseError": "CONCURRENT_MODIFICATION"})]
        elif kind == "token_expired":
            status = "UNAUTHENTICATED"
            errors = [ads_error({"authenticationError": "OAUTH_TOKEN_EXPIRED"})]
        elif kind == "error":
            status = fault.get("status", "INVALID_ARGUMENT")
            errors = [ads_error(fault.get("errorCode",
                                          {"requestError": "UNKNOWN"}),
                                message=fault.get("message"))]
            with_details = fault.get("details", True)
        else:
            raise AssertionError(kind)
        http_code, canonical = STATUS.get(status, (500, status))
        http_code = int(fault.get("http", http_code))
        err = {"code": http_code, "message": canonical, "status": status}
        if with_details:
            err["details"] = [failure_any(version, errors, rid)]
        headers.append(("request-id", rid))
        self.entry["request_id"] = rid
        self.send(http_code, {"error": err}, headers=headers)
        return True

    # -- POST /vNN/customers/CID/googleAds:search and :searchStream --------
    def search(self, version, cid, rpc, body):
        st = self.state
        rid = new_request_id()
        self.entry["body"] = self.json_or_none(body)
        self.stream = rpc == "searchStream"
        fault = st.take_fault(("search",))
        if fault and self.apply_fault(fault, version, rid):
            return

        def fail(status, errors, message=None):
            self.entry["request_id"] = rid
            code, obj = ads_status_body(status, version, errors, rid, message)
            self.send(code, obj, headers=[("request-id", rid)])

        # Authentication and scope, as for the upload methods.
        auth = self.headers.get("Authorization")
        if auth is None:
            fail("UNAUTHENTICATED", [ads_error(
                {"authenticationError": "AUTHENTICATION_ERROR"})],
                MISSING_CREDENTIAL)
            return
        parts = auth.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer" or \
                not parts[1].strip():
            fail("UNAUTHENTICATED", [ads_error(
                {"authenticationError": "OAUTH_TOKEN_HEADER_INVALID"})])
            return
        why = st.token_status(parts[1].strip())
        if why:
            fail("UNAUTHENTICATED", [ads_error({"authenticationError": why})])
            return
        if not st.has_scope(parts[1].strip(), ADWORDS_SCOPE):
            self.send(*scope_denied_body(
                GADS_DOMAIN, "google.ads.googleads.%s.services.%s" % (
                    version, SEARCH_RPC[rpc])))
            return
        if not re.fullmatch(r"\d{10}", cid):
            fail("INVALID_ARGUMENT", [ads_error(
                {"requestError": "INVALID_CUSTOMER_ID"},
                message="Invalid customer ID '%s'." % cid)])
            return
        lcid = self.headers.get("login-customer-id")
        if lcid is not None and not re.fullmatch(r"\d{10}", lcid.strip()):
            fail("INVALID_ARGUMENT", [ads_error(
                {"headerError": "INVALID_LOGIN_CUSTOMER_ID"})])
            return
        login = lcid.strip() if lcid is not None else cid

        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            self.bad_request(
                "Invalid JSON payload received. Unexpected Content-Type "
                "'%s', expected application/json." % ctype, "")
            return
        try:
            raw = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            self.bad_request("Invalid JSON payload received. Unexpected "
                             "token.", "")
            return
        if not isinstance(raw, dict):
            self.bad_request('Invalid JSON payload received. Unknown name "": '
                             'Root element must be a message.', "")
            return
        perr = ParseErrors(version)
        req = parse_message(raw, "SearchGoogleAdsStreamRequest"
                            if self.stream else "SearchGoogleAdsRequest",
                            "", perr)
        if perr.violations:
            self.bad_request(None, None, perr.violations)
            return

        # Access to the customer (the shared design: admin "customers").
        with st.lock:
            c = st.customer_settings(cid)
        allowed = c.get("login_customers")
        if c.get("denied") or (allowed is not None and
                               login not in [str(x) for x in allowed]):
            fail("PERMISSION_DENIED", [ads_error(
                {"authorizationError": "USER_PERMISSION_DENIED"},
                message="User doesn't have permission to access customer. "
                        "Note: If you're accessing a client customer, the "
                        "manager's customer id must be set in the "
                        "'login-customer-id' header. See "
                        "https://developers.google.com/google-ads/api/docs/"
                        "concepts/call-structure#cid")])
            return
        if c.get("status", "ENABLED") != "ENABLED":
            fail("PERMISSION_DENIED", [ads_error(
                {"authorizationError": "CUSTOMER_NOT_ENABLED"},
                message="The customer account can't be accessed because it "
                        "is not yet enabled or has been deactivated.")])
            return

        if "pageSize" in req:
            fail("INVALID_ARGUMENT", [ads_error(
                {"requestError": "PAGE_SIZE_NOT_SUPPORTED"}, [("page_size",
                                                              None)],
                message="Setting the page size is not supported, and will "
                        "be unavailable in a future version.")])
            return
        query = req.get("query")
        if not query:
            fail("INVALID_ARGUMENT", [ads_error(
                {"requestError": "REQUIRED_FIELD_MISSING"}, [("query", None)],
                message="Required field is missing.")])
            return
        try:
            q = gaql.parse(query)
        except gaql.QueryError as e:
            fail("INVALID_ARGUMENT", [ads_error({"queryError": e.code},
                                                message=e.message)])
            return
        token = req.get("pageToken")
        if token and req.get("validateOnly"):
            fail("INVALID_ARGUMENT", [ads_error(
                {"requestError": "VALIDATE_ONLY_REQUEST_HAS_PAGE_TOKEN"},
                message="page_token is set in the validate only request")])
            return
        offset = 0
        if token:
            with st.lock:
                held = st.page_tokens.get(token)
            if held is None or held[0] != cid or held[1] != query:
                fail("INVALID_ARGUMENT", [ads_error(
                    {"requestError": "INVALID_PAGE_TOKEN"},
                    [("page_token", None)],
                    message="Next page token specified in user request is "
                            "invalid.")])
                return
            offset = held[2]

        with st.lock:
            rows = self.search_rows(cid, login, q)
            try:
                rows = gaql.run(q, rows)
            except gaql.QueryError as e:
                fail("INVALID_ARGUMENT", [ads_error({"queryError": e.code},
                                                    message=e.message)])
                return
        mask = gaql.field_mask(q)
        self.entry["request_id"] = rid
        hdrs = [("request-id", rid)]
        if self.stream:
            batches = []
            for i in range(0, max(len(rows), 1), SEARCH_PAGE_SIZE):
                b = {}
                page = rows[i:i + SEARCH_PAGE_SIZE]
                if page:
                    b["results"] = [gaql.result(q, r) for r in page]
                b["fieldMask"] = mask
                b["requestId"] = rid
                b["queryResourceConsumption"] = str(len(page))
                batches.append(b)
            self.send(200, batches, headers=hdrs)
            return
        settings = req.get("searchSettings") or {}
        resp = {}
        if req.get("validateOnly"):
            self.send(200, {"fieldMask": mask}, headers=hdrs)
            return
        page = rows[offset:offset + SEARCH_PAGE_SIZE]
        if page and not settings.get("omitResults"):
            resp["results"] = [gaql.result(q, r) for r in page]
        if offset + SEARCH_PAGE_SIZE < len(rows):
            nxt = base64.urlsafe_b64encode(os.urandom(18)).decode()
            with st.lock:
                st.page_tokens[nxt] = (cid, query,
                                       offset + SEARCH_PAGE_SIZE)
            resp["nextPageToken"] = nxt
        if req.get("returnTotalResultsCount") or \
                settings.get("returnTotalResultsCount"):
            resp["totalResultsCount"] = str(len(rows))
        resp["fieldMask"] = mask
        resp["queryResourceConsumption"] = str(len(page))
        self.send(200, resp, headers=hdrs)

    def search_rows(self, cid, login, q):
        """All rows of q's resource for customer cid (before WHERE)."""
        st = self.state
        cust = st.customer_row(cid, login)
        if q.resource == "customer":
            return [cust]
        if q.resource == "conversion_action":
            named = set()
            for path, op, v, f in q.where:
                if path == "conversion_action.id" and op in ("=", "IN"):
                    named |= set(v if isinstance(v, list) else [v])
                if path == "conversion_action.resource_name" and \
                        op in ("=", "IN"):
                    for x in (v if isinstance(v, list) else [v]):
                        m = re.fullmatch(r"customers/%s/conversionActions/"
                                         r"(\d+)" % cid, x)
                        if m:
                            named.add(int(m.group(1)))
            rows = st.action_rows(cid, named)
        else:
            rows = st.summary_rows(cid, q.resource)
        return [dict(r, **cust) for r in rows]

    # -- POST /vNN/customers/CID:uploadClickConversions (and the call and
    #    adjustment methods) -------------------------------------------------
    def upload(self, version, cid, meth, body):
        st = self.state
        rid = new_request_id()
        self.entry["body"] = self.json_or_none(body)

        def accept(f):
            # bad_event is for Data Manager; not_allowlisted for clicks
            return f["kind"] != "bad_event" and (
                f["kind"] != "not_allowlisted" or meth.kind == "click")
        fault = st.take_fault(("upload", "googleads"), accept)
        if fault and self.apply_fault(fault, version, rid):
            return
        fault_kind = fault["kind"] if fault else None

        def reply(code, obj):
            self.entry["request_id"] = rid
            self.send(code, obj, headers=[("request-id", rid)])

        def fail(status, errors, message=None):
            reply(*ads_status_body(status, version, errors, rid, message))

        # Authentication (ref §5.4, §3.8).  Every 401 carries a
        # GoogleAdsFailure with an authenticationError, as the reference's
        # classification (§3.9) expects.
        auth = self.headers.get("Authorization")
        if auth is None:
            fail("UNAUTHENTICATED", [ads_error(
                {"authenticationError": "AUTHENTICATION_ERROR"})],
                MISSING_CREDENTIAL)
            return
        parts = auth.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer" or \
                not parts[1].strip():
            fail("UNAUTHENTICATED", [ads_error(
                {"authenticationError": "OAUTH_TOKEN_HEADER_INVALID"})])
            return
        why = st.token_status(parts[1].strip())
        if why:
            fail("UNAUTHENTICATED", [ads_error({"authenticationError": why})])
            return
        if not st.has_scope(parts[1].strip(), ADWORDS_SCOPE):
            # the front end refuses it: no GoogleAdsFailure, no request-id
            self.send(*scope_denied_body(
                GADS_DOMAIN, "google.ads.googleads.%s.services.%s" % (
                    version, UPLOAD_RPC[meth.kind])))
            return

        # customer id: digits only, ten of them (ref §5.4)
        if not re.fullmatch(r"\d{10}", cid):
            fail("INVALID_ARGUMENT", [ads_error(
                {"requestError": "INVALID_CUSTOMER_ID"},
                message="Invalid customer ID '%s'." % cid)])
            return
        lcid = self.headers.get("login-customer-id")
        if lcid is not None and not re.fullmatch(r"\d{10}", lcid.strip()):
            fail("INVALID_ARGUMENT", [ads_error(
                {"headerError": "INVALID_LOGIN_CUSTOMER_ID"})])
            return
        # developer-token: optional and ignored since the 2026-09-09 sunset
        # (ref §5.4).

        # Front-end parsing: content type, JSON syntax, proto3 JSON mapping.
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            self.bad_request(
                "Invalid JSON payload received. Unexpected Content-Type "
                "'%s', expected application/json." % ctype, "")
            return
        try:
            raw = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            self.bad_request("Invalid JSON payload received. Unexpected "
                             "token.", "")
            return
        if not isinstance(raw, dict):
            self.bad_request('Invalid JSON payload received. Unknown name "": '
                             'Root element must be a message.', "")
            return
        perr = ParseErrors(version)
        req = parse_message(raw, meth.request, "", perr)
        if perr.violations:
            self.bad_request(None, None, perr.violations)
            return
        if meth.kind == "click" and (fault_kind == "not_allowlisted" or
                                     cid in st.not_allowlisted):
            # The shared design: Google Ads takes no new adopters of
            # offline click imports (dm §1.1); the whole request is refused.
            fail("PERMISSION_DENIED", [ads_error({
                "notAllowlistedError":
                    "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"})])
            return

        # Request-level checks (ref §1.2, §2.1)
        if not req.get("partialFailure"):
            fail("INVALID_ARGUMENT", [ads_error(
                {"partialFailureError": "PARTIAL_FAILURE_MODE_REQUIRED"},
                [("partial_failure", None)])])
            return
        convs = req.get(meth.list_json) or []
        if not convs:
            # Not in the reference: an empty required repeated field.
            fail("INVALID_ARGUMENT", [ads_error(
                {"fieldError": "REQUIRED_NONEMPTY_LIST"},
                [(meth.list_proto, None)])])
            return
        if len(convs) > MAX_ROWS:
            fail("INVALID_ARGUMENT", [ads_error(
                {meth.family: meth.too_many}, [(meth.list_proto, None)])])
            return
        job = req.get("jobId")
        if job is not None and job < 1:
            # INVALID_JOB_ID says [1, 2^31) while the field doc says
            # non-negative (ref §2.1, §7.8): the stricter rule, so a client
            # that works here works on both readings.  Values >= 2^31 never
            # get here: they are not int32 and fail parsing above.
            fail("INVALID_ARGUMENT", [ads_error(
                {meth.family: "INVALID_JOB_ID"}, [("job_id", None)])])
            return
        if job is None and meth.job:
            job = random.randrange(1 << 31, 1 << 63)
        validate_only = bool(req.get("validateOnly"))

        row_faults = {}
        if fault_kind == "row_error":
            rows = fault.get("rows")
            if rows is None:
                rows = [fault.get("row", 0)]
            for r in rows:
                row_faults[int(r)] = ads_error(
                    fault.get("errorCode", {"internalError": "INTERNAL_ERROR"}),
                    [(meth.list_proto, int(r))], fault.get("message"))

        check, result = {
            "click": (self.check_rows, self.result),
            "call": (self.check_call_rows, self.call_result),
            "adjustment": (self.check_adjustment_rows,
                           self.adjustment_result)}[meth.kind]
        with st.lock:
            row_errors, entries = check(cid, convs, row_faults, job, rid)
            if not validate_only:
                st.commit([e for e in entries if e is not None])
                st.note_upload(cid, convs, row_errors, entries, job)

        resp = {}
        all_errors = [e for errs in row_errors for e in errs]
        if all_errors:
            first = all_errors[0]
            where = path_string(
                (el["fieldName"], el.get("index"))
                for el in first.get("location", {}).get("fieldPathElements",
                                                        []))
            msg = first["message"] + (", at " + where if where else "")
            if len(all_errors) > 1:
                msg = "Multiple errors in 'details'. First error: " + msg
            # partialFailureError carries the numeric google.rpc code
            # (ref §3.1, §3.4); INVALID_ARGUMENT whatever the row errors are.
            resp["partialFailureError"] = {
                "code": GRPC_CODE["INVALID_ARGUMENT"], "message": msg,
                "details": [failure_any(version, all_errors, rid)]}
        if not validate_only:
            # aligned with the request: {} for a failed row (ref §1.5)
            resp["results"] = [result(c) if e is not None else {}
                               for c, e in zip(convs, entries)]
        # Not in the reference for validateOnly: the job id is returned in
        # both cases.  The call response has none (ref §1.5).
        if meth.job:
            resp["jobId"] = str(job)
        if fault_kind == "executed_then_dropped":
            self.entry["request_id"] = rid
            self.drop()
        reply(200, resp)

    @staticmethod
    def result(conv):
        """ClickConversionResult echo, as in ref §1.12."""
        r = {}
        for k in CLICK_KINDS:
            if conv.get(k):
                r[k] = conv[k]
        r["conversionAction"] = conv["conversionAction"]
        r["conversionDateTime"] = conv["conversionDateTime"]
        return r

    def check_rows(self, cid, convs, row_faults, job, rid):
        """Per-row errors (list per row) and ledger entries (None for a
        failed row).  Caller holds the state lock."""
        st = self.state
        row_errors = [[] for _ in convs]
        infos = []
        for i, conv in enumerate(convs):
            errs, info = check_row(i, conv, st.action_exists)
            row_errors[i].extend(errs)
            if i in row_faults:
                row_errors[i].append(row_faults[i])
                info = None
            infos.append(info)

        # Duplicates inside the request (ref §2.4).  "Imported events include
        # multiple conversions with the same order ID and were not processed":
        # every row sharing the key fails, none is kept.  The click key
        # includes the conversion action (the same click may convert in two
        # actions) and compares instants, not strings.
        def key_rows(keyf):
            seen = {}
            for i, info in enumerate(infos):
                if info is not None:
                    k = keyf(i, info)
                    if k is not None:
                        seen.setdefault(k, []).append(i)
            return [rows for rows in seen.values() if len(rows) > 1]

        dup_order = key_rows(lambda i, info: (info["action_id"],
                                              convs[i]["orderId"])
                             if convs[i].get("orderId") else None)
        dup_click = key_rows(lambda i, info: (info["action_id"],
                                              info["click"], info["instant"])
                             if info["click"] else None)
        bad = set()
        for rows in dup_order:
            for i in rows:
                row_errors[i].append(ads_error(
                    {"conversionUploadError": "DUPLICATE_ORDER_ID"},
                    row_path(i, ("order_id", None))))
                bad.add(i)
        for rows in dup_click:
            for i in rows:
                row_errors[i].append(ads_error(
                    {"conversionUploadError":
                     "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"}, row_path(i)))
                bad.add(i)

        entries = []
        for i, info in enumerate(infos):
            if info is None or i in bad:
                entries.append(None)
                continue
            conv = convs[i]
            click = info["click"]
            e = {
                "time": datetime.datetime.now(datetime.timezone.utc)
                .isoformat(timespec="milliseconds"),
                "kind": "click",
                "customer": cid,
                "action": conv["conversionAction"],
                "action_id": info["action_id"],
                "order_id": conv.get("orderId") or None,
                "click_id": click[1] if click else None,
                "click_id_type": click[0] if click else None,
                "conversion_date_time": conv["conversionDateTime"],
                "value": conv.get("conversionValue"),
                "currency_code": conv.get("currencyCode"),
                "user_identifiers": len(conv.get("userIdentifiers") or []),
                "job_id": str(job),
                "request_id": rid,
            }
            # Against the ledger (ref §2.4): order id per conversion action;
            # click + conversion_date_time per conversion action.
            if e["order_id"] and st.order_key(e) in st.order_keys:
                row_errors[i].append(ads_error(
                    {"conversionUploadError": "ORDER_ID_ALREADY_IN_USE"},
                    row_path(i, ("order_id", None))))
                entries.append(None)
                continue
            if click and st.click_key(dict(e, instant=info["instant"])) \
                    in st.click_keys:
                row_errors[i].append(ads_error(
                    {"conversionUploadError":
                     "CLICK_CONVERSION_ALREADY_EXISTS"}, row_path(i)))
                entries.append(None)
                continue
            entries.append(e)
        return row_errors, entries

    @staticmethod
    def call_result(call):
        """CallConversionResult (ref §1.5): the row's identity, as sent."""
        return {"callerId": call["callerId"],
                "callStartDateTime": call["callStartDateTime"],
                "conversionAction": call["conversionAction"],
                "conversionDateTime": call["conversionDateTime"]}

    @staticmethod
    def adjustment_result(adj):
        """ConversionAdjustmentResult (ref §1.5), fields as sent."""
        r = {}
        if adj.get("gclidDateTimePair"):
            r["gclidDateTimePair"] = adj["gclidDateTimePair"]
        if adj.get("orderId"):
            r["orderId"] = adj["orderId"]
        r["conversionAction"] = adj["conversionAction"]
        if adj.get("adjustmentDateTime"):
            r["adjustmentDateTime"] = adj["adjustmentDateTime"]
        r["adjustmentType"] = adj["adjustmentType"]
        return r

    def check_call_rows(self, cid, calls, row_faults, job, rid):
        """check_rows for uploadCallConversions (ref §1.7, §3.6).  Caller
        holds the state lock."""
        st = self.state
        now = utc_now(st)
        cu = "conversionUploadError"
        row_errors = [[] for _ in calls]
        infos = []
        for i, call in enumerate(calls):
            errs, info = check_call_row(i, call, st.action_exists, now)
            row_errors[i].extend(errs)
            if i in row_faults:
                row_errors[i].append(row_faults[i])
                info = None
            infos.append(info)
        # Same caller, call start (as an instant) and action twice in the
        # request: every such row fails, as for clicks.
        bad = set()
        for rows in dup_groups(infos, lambda i, info: (
                info["action_id"], info["caller"], info["start"])):
            for i in rows:
                row_errors[i].append(ads_error(
                    {cu: "DUPLICATE_CALL_CONVERSION_IN_REQUEST"},
                    call_path(i)))
                bad.add(i)
        entries = []
        for i, info in enumerate(infos):
            if info is None or i in bad:
                entries.append(None)
                continue
            call = calls[i]
            sha = hashlib.sha256(info["caller"].encode()).hexdigest()
            if st.call_key(cid, info["action_id"], sha, info["start"]) in \
                    st.call_keys:
                row_errors[i].append(ads_error(
                    {cu: "CALL_CONVERSION_ALREADY_EXISTS"}, call_path(i)))
                entries.append(None)
                continue
            entries.append({
                "time": datetime.datetime.now(datetime.timezone.utc)
                .isoformat(timespec="milliseconds"),
                "kind": "call",
                "customer": cid,
                "action": call["conversionAction"],
                "action_id": info["action_id"],
                # never the number itself: SHA-256 of its E.164 form
                "caller_id_sha256": sha,
                "call_start_date_time": call["callStartDateTime"],
                "conversion_date_time": call["conversionDateTime"],
                "value": call.get("conversionValue"),
                "currency_code": call.get("currencyCode"),
                "request_id": rid,
            })
        return row_errors, entries

    def check_adjustment_rows(self, cid, adjs, row_faults, job, rid):
        """check_rows for uploadConversionAdjustments (ref §1.8, §2.3,
        §2.4, §3.7).  Rows are applied in order, so a request that
        retracts and then restates one conversion gets
        CONVERSION_ALREADY_RETRACTED on the restatement.  Caller holds the
        state lock."""
        st = self.state
        now = utc_now(st)
        ca = "conversionAdjustmentUploadError"
        row_errors = [[] for _ in adjs]
        infos = []
        for i, adj in enumerate(adjs):
            errs, info = check_adjustment_row(i, adj, st.action_exists)
            row_errors[i].extend(errs)
            if i in row_faults:
                row_errors[i].append(row_faults[i])
                info = None
            infos.append(info)

        def enh_key(i, info):
            if info["type"] != "ENHANCEMENT":
                return None
            return info["action_id"], info["order_id"]

        def adj_key(i, info):
            if info["type"] == "ENHANCEMENT":
                return None
            key = (("order", info["order_id"]) if info["order_id"]
                   else ("gclid", info["gclid"], info["conv_at"]))
            return info["action_id"], key, info["type"], info["at"]

        bad = set()
        for code, keyf in (("DUPLICATE_ENHANCEMENT_IN_REQUEST", enh_key),
                           ("DUPLICATE_ADJUSTMENT_IN_REQUEST", adj_key)):
            for rows in dup_groups(infos, keyf):
                for i in rows:
                    row_errors[i].append(ads_error({ca: code}, adj_path(i)))
                    bad.add(i)

        states = {}               # this request's view: ledger index -> state
        entries = []
        for i, info in enumerate(infos):
            if info is None or i in bad:
                entries.append(None)
                continue
            adj = adjs[i]
            atype, at = info["type"], info["at"]
            target = st.find_conversion(cid, info["action_id"],
                                        info["order_id"], info["gclid"],
                                        info["conv_at"])
            code, where = None, adj_path(i)
            if target is None:
                code = "CONVERSION_NOT_FOUND"
            else:
                state = states.get(target) or st.adjustment_state(target)
                _, dt = parse_datetime(
                    st.ledger[target]["conversion_date_time"])
                conv_at = dt.astimezone(datetime.timezone.utc)
                age = now - conv_at
                if state["retracted"]:
                    code = "CONVERSION_ALREADY_RETRACTED"
                elif atype == "ENHANCEMENT" and state["enhanced"]:
                    code = "CONVERSION_ALREADY_ENHANCED"
                elif atype == "RESTATEMENT" and at in state["restated"]:
                    code = "RESTATEMENT_ALREADY_EXISTS"
                elif atype == "RESTATEMENT" and state["restated"] and \
                        at < max(state["restated"]):
                    code = "MORE_RECENT_RESTATEMENT_FOUND"
                elif at is not None and at < conv_at:
                    code = "ADJUSTMENT_PRECEDES_CONVERSION"
                    where = adj_path(i, ("adjustment_date_time", None))
                elif age > ADJUSTMENT_EXPIRY:
                    code = "CONVERSION_EXPIRED"
                # No TOO_RECENT_CONVERSION: since 2024-09-09 Google takes
                # adjustments right after the conversion (ref "Read
                # first"; they show as pending for up to 24 h).
            if code:
                row_errors[i].append(ads_error({ca: code}, where))
                entries.append(None)
                continue
            st.apply_adjustment(state, atype, at)
            states[target] = state
            rv = adj.get("restatementValue") or {}
            pair = adj.get("gclidDateTimePair") or {}
            entries.append({
                "time": datetime.datetime.now(datetime.timezone.utc)
                .isoformat(timespec="milliseconds"),
                "kind": "adjustment",
                "customer": cid,
                "action": adj["conversionAction"],
                "action_id": info["action_id"],
                "adjustment_type": atype,
                "adjustment_date_time": adj.get("adjustmentDateTime") or None,
                "order_id": info["order_id"],
                "gclid": info["gclid"],
                "conversion_date_time": pair.get("conversionDateTime") or None,
                "value": rv.get("adjustedValue"),
                "currency_code": rv.get("currencyCode"),
                "user_identifiers": len(adj.get("userIdentifiers") or []),
                "user_agent": adj.get("userAgent") or None,
                "job_id": str(job),
                "request_id": rid,
            })
        return row_errors, entries

    # -- Data Manager: POST /v1/events:ingest, GET /v1/requestStatus:retrieve
    def dm_unauthenticated(self, reason):
        """401 of the Data Manager front end (no request-id)."""
        self.send(401, {"error": {
            "code": 401, "message": DM_UNAUTH_MSG, "status": "UNAUTHENTICATED",
            "details": [error_info(reason, "googleapis.com")]}})

    def dm_auth(self, rpc):
        """The bearer token if it is valid and carries the datamanager
        scope; else the 401 or 403 is answered and None returned."""
        st = self.state
        parts = (self.headers.get("Authorization") or "").split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer" or \
                not parts[1].strip():
            self.dm_unauthenticated("CREDENTIALS_MISSING")
            return None
        token = parts[1].strip()
        if st.token_status(token):
            self.dm_unauthenticated("ACCESS_TOKEN_EXPIRED")
            return None
        if not st.has_scope(token, DM_SCOPE):
            self.send(*scope_denied_body(DM_DOMAIN, DM_SERVICE + "." + rpc))
            return None
        return token

    def dm_reply(self, code, body, rid, headers=()):
        self.entry["request_id"] = rid
        self.send(code, body, headers=[("request-id", rid)] + list(headers))

    def dm_invalid(self, violations, rid):
        """The fast-fail answer (dm §4.2, §4.3): 400 INVALID_ARGUMENT,
        ErrorInfo with the first violation's reason, BadRequest with every
        violation (left out when one of them has no field: a bad_event
        fault with "name_events": false), RequestInfo."""
        details = [error_info(violations[0][2], DM_DOMAIN, {})]
        if all(f is not None for f, _, _ in violations):
            details.append(bad_request_detail(violations))
        details.append(request_info(rid))
        self.dm_reply(400, {"error": {
            "code": 400, "message": DM_INVALID_MSG,
            "status": "INVALID_ARGUMENT", "details": details}}, rid)

    def dm_apply_fault(self, fault, rid):
        """apply_fault for the Data Manager endpoints: google.rpc.Status
        bodies with an ErrorInfo of domain datamanager.googleapis.com and
        a RequestInfo, never a GoogleAdsFailure.  False: go on
        processing."""
        kind = fault["kind"]
        self.entry["fault"] = kind
        if fault.get("delay"):
            time.sleep(float(fault["delay"]))
        if kind == "slow":
            time.sleep(float(fault.get("seconds", 2)))
            return False
        if kind in ("executed_then_dropped", "bad_event"):
            return False
        if kind == "reset":
            self.drop()
        if kind == "bad_gateway_html":
            self.send(502, BAD_GATEWAY_HTML, "text/html; charset=UTF-8")
            return True
        if kind == "unavailable":
            self.send(*status_body("UNAVAILABLE"))
            return True
        if kind == "token_expired":
            self.dm_unauthenticated("ACCESS_TOKEN_EXPIRED")
            return True
        headers, extra, message = [], [], fault.get("message")
        if kind in ("rate_limit", "daily_quota"):
            # daily_quota is rate_limit here: Data Manager quotas are per
            # project and per minute or day alike (dm §1.5)
            status = reason = "RESOURCE_EXHAUSTED"
            delay = int(fault.get("retry_delay", 30))
            extra.append({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                          "retryDelay": "%ds" % delay})
            if fault.get("retry_after", True):
                headers.append(("Retry-After", str(delay)))
        elif kind in ("internal", "transient"):
            status, reason = "INTERNAL", "INTERNAL_ERROR"
        elif kind == "deadline_exceeded":
            status = reason = "DEADLINE_EXCEEDED"
        elif kind == "error":
            status = fault.get("status", "INVALID_ARGUMENT")
            reason = fault.get("reason", status)
            if fault.get("field_violations"):
                extra.append(bad_request_detail(
                    (v.get("field"), v.get("description", ""),
                     v.get("reason")) for v in fault["field_violations"]))
        else:
            raise AssertionError(kind)
        http_code, canonical = STATUS.get(status, (500, status))
        http_code = int(fault.get("http", http_code))
        err = {"code": http_code, "message": message or canonical,
               "status": status}
        if fault.get("details", True):
            err["details"] = ([error_info(reason, DM_DOMAIN, {})] + extra +
                              [request_info(rid)])
        self.dm_reply(http_code, {"error": err}, rid, headers)
        return True

    def read_json_request(self, body):
        """The JSON object of a request body after the front end's checks
        (Content-Type, syntax, an object); None once a 400 is answered."""
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            self.bad_request(
                "Invalid JSON payload received. Unexpected Content-Type "
                "'%s', expected application/json." % ctype, "")
            return None
        try:
            raw = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            self.bad_request("Invalid JSON payload received. Unexpected "
                             "token.", "")
            return None
        if not isinstance(raw, dict):
            self.bad_request('Invalid JSON payload received. Unknown name "": '
                             'Root element must be a message.', "")
            return None
        return raw

    @staticmethod
    def transaction_ids(body):
        """The transaction ids of the events of a request body, read
        leniently (for bad_event faults, before any check)."""
        try:
            raw = json.loads(body)
            events = raw.get("events") or []
            return {e.get("transactionId", e.get("transaction_id"))
                    for e in events if isinstance(e, dict)} - {None}
        except (ValueError, AttributeError, TypeError):
            return set()

    def dm_ingest(self, body):
        """IngestionService.IngestEvents (dm §2, §4, §5)."""
        st = self.state
        rid = new_request_id()
        self.entry["body"] = self.json_or_none(body)
        txids = self.transaction_ids(body)

        def accept(f):
            if f["kind"] in GADS_ONLY_FAULTS:
                return False
            if f["kind"] == "bad_event":
                return bool(txids & set(map(str, f.get("transaction_ids",
                                                        ()))))
            return True
        fault = st.take_fault(("upload", "datamanager"), accept)
        if fault and self.dm_apply_fault(fault, rid):
            return
        if self.dm_auth("IngestEvents") is None:
            return
        raw = self.read_json_request(body)
        if raw is None:
            return
        perr = ParseErrors("v1")
        req = parse_message(raw, "dm.IngestEventsRequest", "", perr)
        if perr.violations:
            self.bad_request(None, None, perr.violations)
            return
        with st.lock:
            violations, routes = dm_validate(req, st.action_exists)
            if fault and fault["kind"] == "bad_event":
                reason = fault.get("reason", "INVALID_FORMAT")
                named = fault.get("name_events", True)
                ids = set(map(str, fault.get("transaction_ids", ())))
                for i, ev in enumerate(req.get("events") or ()):
                    if ev.get("transactionId") in ids:
                        violations.append((
                            "events[%d].%s" % (i, fault.get(
                                "field", "transaction_id"))
                            if named else None,
                            fault.get("description",
                                      DM_REASON_TEXT.get(reason, reason)),
                            reason))
            if violations:
                self.dm_invalid(violations, rid)
                return
            if req.get("validateOnly"):
                # "Only errors are returned, not results" (dm §1.6)
                ok = {}
            else:
                lines, rec = self.dm_process(req, routes, rid)
                st.commit(lines, remembered=True)
                st.add_dm_request(rec)
                ok = {"requestId": rid}
        if fault and fault["kind"] == "executed_then_dropped":
            self.entry["request_id"] = rid
            self.drop()
        self.dm_reply(200, ok, rid)

    def dm_process(self, req, routes, rid):
        """Apply the events of a valid request to the conversions (dm §5)
        and count the processing errors per destination (dm §4.6).  One
        ledger line per event and destination.  Caller holds the lock."""
        st = self.state
        now = utc_now(st)
        dests = req["destinations"]
        per = [{"records": 0, "failed": 0, "errors": {}} for _ in dests]
        base = req.get("consent") or {}
        lines = []
        for ev, route in zip(req["events"], routes):
            inst = rfc3339(ev["eventTimestamp"])
            ad = ev.get("adIdentifiers") or {}
            click = next(((k, ad[k]) for k in CLICK_KINDS if ad.get(k)),
                         (None, None))
            uids = (ev.get("userData") or {}).get("userIdentifiers") or []
            digest = hashlib.sha256(json.dumps(
                uids, sort_keys=True).encode()).hexdigest() if uids else None
            consent = {}
            for k in ("adUserData", "adPersonalization"):
                v = (ev.get("consent") or {}).get(k) or base.get(k)
                if v in ("CONSENT_GRANTED", "CONSENT_DENIED"):
                    consent[k] = v
            txid = ev.get("transactionId") or None
            value = ev.get("conversionValue")
            cur = ev.get("currency") or None
            for d in route:
                customer = dests[d]["operatingAccount"]["accountId"]
                action = dests[d]["productDestinationId"]
                per[d]["records"] += 1
                error = None
                if now - inst > DM_EVENT_MAX_AGE:
                    error = "EVENT_TOO_OLD"
                elif consent.get("adUserData") == "CONSENT_DENIED" and \
                        uids and not click[0]:
                    error = "DENIED_CONSENT"
                if error:
                    effect = "failed"
                else:
                    c = st.dm_find(st.dm_key(customer, action, txid, click[0],
                                             click[1], inst.isoformat()))
                    if c is None:
                        effect = "created"
                    elif not txid:
                        effect = "duplicate"
                        if click[0]:
                            error = "DUPLICATE_GCLID"
                    elif (value is not None and value != c["value"]) or \
                            (cur is not None and cur != c["currency"]):
                        effect = "restated"
                    elif uids and not c["user_identifiers"]:
                        effect = "enhanced"
                    else:
                        effect = "unchanged"
                        if value == c["value"] and cur == c["currency"] and \
                                digest == c["_digest"] and \
                                (digest or not c["user_identifiers"]):
                            error = "DUPLICATE_TRANSACTION_ID"
                if error:
                    per[d]["failed"] += 1
                    per[d]["errors"][error] = per[d]["errors"].get(error, 0) + 1
                line = {
                    "time": datetime.datetime.now(datetime.timezone.utc)
                    .isoformat(timespec="milliseconds"),
                    "kind": "event", "api": "datamanager",
                    "customer": customer, "action_id": action,
                    "transaction_id": txid,
                    "click_id_type": click[0], "click_id": click[1],
                    "event_timestamp": ev["eventTimestamp"],
                    "event_source": ev.get("eventSource"),
                    "value": value, "currency": cur,
                    "user_identifiers": len(uids),
                    "consent": consent or None,
                    "effect": effect, "processing_error": error,
                    "request_id": rid,
                }
                st._remember(line, digest)
                lines.append(line)
        rec = {"request_id": rid, "time": st.now(), "destinations": dests,
               "per_destination": per}
        return lines, rec

    def dm_status(self):
        """IngestionService.RetrieveRequestStatus (dm §4.6)."""
        st = self.state
        rid = new_request_id()
        fault = st.take_fault(("status",))
        if fault and self.dm_apply_fault(fault, rid):
            return
        if self.dm_auth("RetrieveRequestStatus") is None:
            return
        q = {}
        for k, v in urllib.parse.parse_qsl(
                urllib.parse.urlsplit(self.path).query, keep_blank_values=True):
            if k not in ("requestId", "request_id", "alt", "$alt",
                         "prettyPrint", "fields", "key"):
                self.bad_request(
                    'Invalid JSON payload received. Unknown name "%s": Cannot '
                    'bind query parameter. Field \'%s\' could not be found in '
                    'request message.' % (k, k), "")
                return
            q.setdefault("request_id" if k == "requestId" else k, v)
        req_id = q.get("request_id")
        if not req_id:
            self.dm_invalid([("request_id",
                              DM_REASON_TEXT["REQUIRED_FIELD_MISSING"],
                              "REQUIRED_FIELD_MISSING")], rid)
            return
        with st.lock:
            rec = st.dm_requests.get(req_id)
            now = st.now()
        if rec is None:
            self.dm_invalid([("request_id",
                              DM_REASON_TEXT["INVALID_REQUEST_ID"],
                              "INVALID_REQUEST_ID")], rid)
            return
        processing = now < rec["time"] + st.opts.dm_processing_seconds
        out = []
        for dest, p in zip(rec["destinations"], rec["per_destination"]):
            item = {"destination": dest}
            if processing:
                # neither errorInfo nor eventsIngestionStatus (dm §4.6)
                item["requestStatus"] = "PROCESSING"
                out.append(item)
                continue
            if not p["failed"]:
                item["requestStatus"] = "SUCCESS"
            else:
                item["requestStatus"] = ("FAILED" if p["failed"] ==
                                         p["records"] else "PARTIAL_SUCCESS")
                item["errorInfo"] = {"errorCounts": [
                    {"recordCount": str(n),
                     "reason": "PROCESSING_ERROR_REASON_" + r}
                    for r, n in sorted(p["errors"].items(),
                                       key=lambda x: PROCESSING_ERRORS[x[0]])]}
            item["eventsIngestionStatus"] = {"recordCount": str(p["records"])}
            out.append(item)
        self.dm_reply(200, {"requestStatusPerDestination": out}, rid)

    def bad_request(self, message, field, violations=None):
        """Front-end rejection: google.rpc.BadRequest, no GoogleAdsFailure,
        no request-id (the Google Ads backend never saw the request)."""
        if violations is None:
            violations = [(field, message)]
        fv = []
        for f, d in violations:
            v = {}
            if f:
                v["field"] = f
            v["description"] = d
            fv.append(v)
        code, body = status_body(
            "INVALID_ARGUMENT", "\n".join(d for _, d in violations),
            [{"@type": "type.googleapis.com/google.rpc.BadRequest",
              "fieldViolations": fv}])
        self.send(code, body)

    # -- POST /token ---------------------------------------------------------
    def token(self, body):
        st = self.state
        ctype = self.headers.get("Content-Type", "")
        form = {}
        if ctype.split(";")[0].strip().lower() == \
                "application/x-www-form-urlencoded":
            try:
                for k, v in urllib.parse.parse_qsl(body.decode("utf-8"),
                                                   keep_blank_values=True):
                    form.setdefault(k, v)
            except UnicodeDecodeError:
                form = None
        else:
            form = None
        if form is not None:
            self.entry["body"] = {k: ("<redacted>" if k in REDACT_FORM else v)
                                  for k, v in form.items()}
        fault = st.take_fault("token")
        if fault and self.apply_fault(fault, None, None, oauth=True):
            return

        def oauth_error(code, error, desc):
            self.send(code, {"error": error, "error_description": desc},
                      headers=[("Cache-Control", "no-store")])

        if form is None:
            oauth_error(400, "invalid_request",
                        "Content-Type must be "
                        "application/x-www-form-urlencoded")
            return
        grant = form.get("grant_type")
        if not grant:
            oauth_error(400, "unsupported_grant_type", "Invalid grant_type: ")
            return
        if grant == "refresh_token":
            self.grant_refresh_token(form, oauth_error)
        elif grant == CODE_GRANT:
            self.grant_authorization_code(form, oauth_error)
        elif grant == JWT_GRANT:
            self.grant_jwt_bearer(form, oauth_error)
        else:
            oauth_error(400, "unsupported_grant_type",
                        "Invalid grant_type: " + grant)

    def client_credentials(self, form):
        """client_id and client_secret from the form or HTTP Basic."""
        cid, secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                u, _, p = base64.b64decode(auth[6:].strip()).decode() \
                    .partition(":")
                cid = cid or urllib.parse.unquote_plus(u)
                secret = secret or urllib.parse.unquote_plus(p)
            except (binascii.Error, UnicodeDecodeError, ValueError):
                pass
        return cid, secret

    def check_client(self, form, oauth_error):
        """Client authentication for the refresh_token and
        authorization_code grants; False once an error is answered.  Not in
        the reference: Google's token endpoint answers 401 invalid_client for
        an unknown client or a wrong secret (RFC 6749 §5.2), 400
        invalid_request "client_secret is missing." when the secret is
        absent (installed-app clients have one and must send it) and
        "Could not determine client ID from request." without a client id."""
        o = self.state.opts
        cid, secret = self.client_credentials(form)
        if not cid:
            oauth_error(400, "invalid_request",
                        "Could not determine client ID from request.")
            return False
        if cid != o.client_id:
            oauth_error(401, "invalid_client", "The OAuth client was not found.")
            return False
        if not secret:
            oauth_error(400, "invalid_request", "client_secret is missing.")
            return False
        if secret != o.client_secret:
            oauth_error(401, "invalid_client", "Unauthorized")
            return False
        return True

    def grant_refresh_token(self, form, oauth_error):
        """ref §5.2.  A missing refresh_token is 400 invalid_request (not in
        the reference; RFC 6749 §5.2)."""
        st = self.state
        if not self.check_client(form, oauth_error):
            return
        rt = form.get("refresh_token")
        if not rt:
            oauth_error(400, "invalid_request",
                        "Missing required parameter: refresh_token")
            return
        with st.lock:
            scope = st.refresh_tokens.get(rt)
        if scope is None:
            oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            return
        if form.get("scope"):
            # A refresh may narrow the grant, never widen it (RFC 6749
            # §6: "MUST NOT include any scope not originally granted").
            want = form["scope"].split()
            if not set(want) <= set(scope.split()):
                oauth_error(400, "invalid_scope",
                            "Invalid OAuth scope or ID token audience "
                            "provided.")
                return
            scope = " ".join(want)
        self.issue_token(scope, scopes=scope.split())

    def grant_authorization_code(self, form, oauth_error):
        """The installed-app flow's code exchange (RFC 6749 §4.1.3 with PKCE,
        RFC 7636 §4.5-4.6).  Google's answers: an unknown, used or expired
        code is 400 {"error": "invalid_grant", "error_description": "Bad
        Request"}; a redirect_uri other than the code's is 400
        {"error": "redirect_uri_mismatch", "error_description": "Bad
        Request"}; a missing verifier is invalid_grant "Missing code
        verifier." and a wrong one invalid_grant "Invalid code verifier."
        (the strings Google's endpoint answers, as quoted in
        googleapis/google-api-php-client#2669 and
        googleapis/google-api-java-client#1479; the reference is silent).
        Choice (the reference and RFC 7636 are silent): a code is used up by
        the first exchange that names it with valid client credentials,
        whether that exchange succeeds or not -- the stricter reading, so a
        client that works here works against either."""
        st = self.state
        if not self.check_client(form, oauth_error):
            return
        code = form.get("code")
        if not code:
            oauth_error(400, "invalid_request",
                        "Missing required parameter: code")
            return
        with st.lock:
            grant = st.codes.pop(code, None)
        cid, _ = self.client_credentials(form)
        if grant is None or st.mono() >= grant["expires"] or \
                grant["client_id"] != cid:
            oauth_error(400, "invalid_grant", "Bad Request")
            return
        redirect_uri = form.get("redirect_uri")
        if not redirect_uri:
            oauth_error(400, "invalid_request",
                        "Missing required parameter: redirect_uri")
            return
        if redirect_uri != grant["redirect_uri"]:
            oauth_error(400, "redirect_uri_mismatch", "Bad Request")
            return
        verifier = form.get("code_verifier")
        if not verifier:
            oauth_error(400, "invalid_grant", "Missing code verifier.")
            return
        if not PKCE_RE.fullmatch(verifier) or not hmac.compare_digest(
                s256(verifier), grant["challenge"]):
            oauth_error(400, "invalid_grant", "Invalid code verifier.")
            return
        refresh = None
        if grant["offline"]:
            # ref §5.2: refresh_token "only present if the access_type
            # parameter was set to offline".  Choice: every offline consent
            # yields a new one (the emulated user consents every time).
            refresh = "1//0mock-" + base64.urlsafe_b64encode(
                os.urandom(30)).rstrip(b"=").decode()
            with st.lock:
                st.refresh_tokens[refresh] = grant["scope"]
        self.issue_token(grant["scope"], refresh=refresh,
                         scopes=grant["scope"].split())

    def accepted_audiences(self):
        """GOOGLE_TOKEN_URL, and this emulator's own token URLs (a client
        that takes aud from the key file's token_uri, as google-auth does,
        names the emulator there)."""
        port = self.server.server_address[1]
        out = {GOOGLE_TOKEN_URL}
        for scheme in ("http", "https"):
            for host in ("127.0.0.1", "localhost"):
                for p in TOKEN_PATHS:
                    out.add("%s://%s:%d%s" % (scheme, host, port, p))
        return out

    def grant_jwt_bearer(self, form, oauth_error):
        """Service-account flow (ref §5.3, RFC 7523): assertion = an RS256
        JWT signed with the key of a --service-account.  Checks, in order,
        and Google's answers (all 400 unless said):
          malformed (not three unpadded base64url segments, header or claims
          not a JSON object), alg other than RS256, typ other than JWT, or a
          bad signature: invalid_grant "Invalid JWT Signature."  (Choice: the
          reference does not say what Google answers for an unparsable JWT;
          kid is not checked -- one key per account here.)
          iss not a registered account: invalid_grant "Invalid grant:
          account not found" (Google's answer for a deleted or unknown
          service account; the reference is silent).  Checked before the
          signature: the key is found by iss.
          aud neither GOOGLE_TOKEN_URL nor this emulator's token URL:
          invalid_grant "Invalid JWT: Failed audience check. The right
          audience is https://oauth2.googleapis.com/token" (Google's wording;
          not in the reference).
          iat or exp missing or not numbers, iat more than 60 s ahead, exp
          not after now, or exp - iat over 3600: invalid_grant "Invalid JWT:
          Token must be a short-lived token (60 minutes) and in a reasonable
          timeframe. Check your iat and exp values in the JWT claim."
          scope missing, empty or with neither the adwords nor the
          datamanager scope: invalid_scope "Invalid OAuth scope or ID token
          audience provided."  (Google's answer for a missing scope; for a
          scope with neither Google would issue a token both APIs then
          refuse -- choice: refused here, at the token endpoint.)
          sub present and not an --impersonate user: 401 unauthorized_client
          "Client is unauthorized to retrieve access tokens using this
          method, or client not authorized for any of the scopes requested."
          (Google's answer when domain-wide delegation does not cover it.)
        Success: access_token, expires_in, token_type -- no refresh_token
        and no scope, as Google answers this grant; the token carries the
        scopes of the claim."""
        st = self.state
        o = st.opts
        bad_sig = "Invalid JWT Signature."
        assertion = form.get("assertion")
        if not assertion:
            oauth_error(400, "invalid_request",
                        "Missing required parameter: assertion")
            return
        try:
            parts = assertion.split(".")
            if len(parts) != 3:
                raise ValueError("not three segments")
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
            if not isinstance(header, dict) or not isinstance(claims, dict):
                raise ValueError("not JSON objects")
        except (ValueError, UnicodeDecodeError):
            oauth_error(400, "invalid_grant", bad_sig)
            return
        if header.get("alg") != "RS256" or \
                header.get("typ", "JWT") != "JWT":
            oauth_error(400, "invalid_grant", bad_sig)
            return
        iss = claims.get("iss")
        key = o.service_accounts.get(iss) if isinstance(iss, str) else None
        if key is None:
            oauth_error(400, "invalid_grant",
                        "Invalid grant: account not found")
            return
        signed = (parts[0] + "." + parts[1]).encode("ascii")
        if not rs256_verify(key, signed, sig):
            oauth_error(400, "invalid_grant", bad_sig)
            return
        aud = claims.get("aud")
        if not isinstance(aud, str) or aud not in self.accepted_audiences():
            oauth_error(400, "invalid_grant",
                        "Invalid JWT: Failed audience check. The right "
                        "audience is " + GOOGLE_TOKEN_URL)
            return
        iat, exp = claims.get("iat"), claims.get("exp")
        now = st.now()
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   for v in (iat, exp)) or iat > now + JWT_SKEW or \
                exp <= now or exp - iat > JWT_MAX_LIFETIME:
            oauth_error(400, "invalid_grant",
                        "Invalid JWT: Token must be a short-lived token (60 "
                        "minutes) and in a reasonable timeframe. Check your "
                        "iat and exp values in the JWT claim.")
            return
        scope = claims.get("scope")
        if not isinstance(scope, str) or \
                not set(scope.split()) & set(API_SCOPES):
            oauth_error(400, "invalid_scope",
                        "Invalid OAuth scope or ID token audience provided.")
            return
        sub = claims.get("sub")
        if sub is not None and sub not in o.impersonate:
            oauth_error(401, "unauthorized_client",
                        "Client is unauthorized to retrieve access tokens "
                        "using this method, or client not authorized for any "
                        "of the scopes requested.")
            return
        self.issue_token(None, scopes=scope.split())

    def issue_token(self, scope, refresh=None, scopes=()):
        """200 with a new access token living --token-ttl seconds and
        carrying scopes; scope None leaves "scope" out (the JWT grant)."""
        st = self.state
        tok = "ya29.mock-" + base64.urlsafe_b64encode(
            os.urandom(24)).rstrip(b"=").decode()
        ttl = st.opts.token_ttl
        st.add_token(tok, ttl, scopes)
        body = {"access_token": tok, "expires_in": ttl}
        if refresh:
            body["refresh_token"] = refresh
        if scope is not None:
            body["scope"] = scope
        body["token_type"] = "Bearer"
        self.send(200, body, headers=[("Cache-Control", "no-store")])

    # -- GET /o/oauth2/v2/auth -------------------------------------------------
    def auth_page(self, code, error, heading, text, detail=""):
        self.send(400, AUTH_ERROR_HTML % {
            "code": code, "error": error, "heading": heading, "text": text,
            "detail": detail}, "text/html; charset=utf-8")

    def authorize(self):
        """The installed-app flow's authorization endpoint (RFC 6749 §4.1.1,
        RFC 7636 §4.3).  The emulated user consents at once: the answer is a
        302 to redirect_uri with code, state and scope, or with error and
        state.  A bad or missing client_id or redirect_uri is never
        redirected (RFC 6749 §4.1.2.1): 400 and an HTML page instead.
        Choices (the reference is silent on this endpoint):
          - PKCE is required here with S256 (Google accepts plain and no PKCE
            at all); a missing, "plain" or malformed challenge redirects with
            error=invalid_request.
          - A missing response_type redirects with invalid_request, another
            value with unsupported_response_type (RFC 6749 §4.1.2.1); a
            scope with neither the adwords nor the datamanager scope with
            invalid_scope (Google would show an error page for some of
            these).
          - Error redirects carry error and state only, as Google's
            access_denied does.
        Parameters repeated take their first value; others (login_hint,
        include_granted_scopes, ...) are accepted and ignored."""
        st = self.state
        o = st.opts
        q = {}
        for k, v in urllib.parse.parse_qsl(
                urllib.parse.urlsplit(self.path).query, keep_blank_values=True):
            q.setdefault(k, v)
        rec = {k: q.get(k) for k in (
            "client_id", "redirect_uri", "response_type", "scope", "state",
            "access_type", "prompt", "code_challenge_method", "login_hint")}
        rec["time"] = self.entry["time"]

        def done(result):
            rec["result"] = result
            with st.lock:
                st.authorizations.append(rec)

        blocked = "Access blocked: Authorization Error"
        cid = q.get("client_id")
        if not cid:
            done("invalid_request")
            self.auth_page(400, "invalid_request", blocked,
                           "Missing required parameter: client_id")
            return
        if cid != o.client_id:
            done("invalid_client")
            self.auth_page(401, "invalid_client", blocked,
                           "The OAuth client was not found.")
            return
        redirect_uri = q.get("redirect_uri")
        if not redirect_uri:
            done("invalid_request")
            self.auth_page(400, "invalid_request", blocked,
                           "Missing required parameter: redirect_uri")
            return
        if not loopback_redirect_ok(redirect_uri):
            done("redirect_uri_mismatch")
            self.auth_page(
                400, "redirect_uri_mismatch",
                "Access blocked: This app's request is invalid",
                "You can't sign in because this app sent an invalid request. "
                "You can try again later, or contact the developer about "
                "this issue.",
                "Request details: redirect_uri=" + html.escape(redirect_uri))
            return
        state = q.get("state")

        def redirect(params):
            params = [(k, v) for k, v in params if v is not None]
            sep = "&" if "?" in redirect_uri else "?"
            loc = redirect_uri + sep + "&".join(
                "%s=%s" % (k, urllib.parse.quote(v, safe="/:"))
                for k, v in params)
            self.send(302, "", "text/html; charset=UTF-8",
                      headers=[("Location", loc)])

        def fail(error):
            done(error)
            redirect([("error", error), ("state", state)])

        rtype = q.get("response_type")
        if not rtype:
            fail("invalid_request")
            return
        if rtype != "code":
            fail("unsupported_response_type")
            return
        scope = " ".join((q.get("scope") or "").split())
        if not set(scope.split()) & set(API_SCOPES):
            fail("invalid_scope")
            return
        challenge = q.get("code_challenge")
        if q.get("code_challenge_method") != "S256" or not challenge or \
                not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge):
            # an S256 challenge is BASE64URL of 32 bytes: 43 characters
            fail("invalid_request")
            return
        with st.lock:
            refuse = st.deny > 0
            if refuse:
                st.deny -= 1
        if refuse:
            fail("access_denied")
            return
        code = "4/0Amock-" + base64.urlsafe_b64encode(
            os.urandom(30)).rstrip(b"=").decode()
        with st.lock:
            st.codes[code] = {
                "client_id": cid, "redirect_uri": redirect_uri,
                "challenge": challenge, "scope": scope,
                "offline": q.get("access_type") == "offline",
                "expires": st.mono() + CODE_TTL}
        done("code")
        # Google's order: state, code, scope (a client reads them by name)
        redirect([("state", state), ("code", code), ("scope", scope)])

    # -- /__admin/ -----------------------------------------------------------
    def admin(self, path, body):
        st = self.state
        self.entry = {}           # admin traffic is not logged
        try:
            arg = json.loads(body) if body.strip() else None
        except ValueError:
            self.send(400, {"error": "body is not JSON"})
            return
        what = path[len("/__admin/"):]
        m = self.command
        try:
            if what == "health" and m == "GET":
                self.send(200, {"ok": True})
            elif what == "faults" and m == "POST":
                faults = arg.get("faults") if isinstance(arg, dict) else arg
                if not isinstance(faults, list):
                    raise ValueError("expected a list of faults")
                checked = []
                for f in faults:
                    if not isinstance(f, dict):
                        raise ValueError("a fault is an object: %r" % (f,))
                    kinds = FAULT_KINDS.get(f.get("endpoint", "upload"))
                    if kinds is None:
                        raise ValueError("unknown endpoint in %r" % (f,))
                    if f.get("kind") not in kinds:
                        raise ValueError("unknown fault kind for endpoint "
                                         "%s: %r" % (f.get("endpoint",
                                                           "upload"), f))
                    checked.append(dict(f, _left=int(f.get(
                        "count", DEFAULT_FAULT_COUNT.get(f["kind"], 1)))))
                with st.lock:
                    st.faults.extend(checked)
                    n = len(st.faults)
                self.send(200, {"queued": n})
            elif what == "faults" and m == "GET":
                with st.lock:
                    self.send(200, {"faults": [
                        dict({k: v for k, v in f.items() if k != "_left"},
                             count=f["_left"]) for f in st.faults]})
            elif what == "faults" and m == "DELETE":
                with st.lock:
                    st.faults.clear()
                self.send(200, {"queued": 0})
            elif what == "ledger" and m == "GET":
                with st.lock:
                    self.send(200, {"conversions": list(st.ledger)})
            elif what == "conversions" and m == "GET":
                with st.lock:
                    self.send(200, {"conversions": [
                        {k: v for k, v in c.items() if not k.startswith("_")}
                        for c in st.dm_convs.values()]})
            elif what == "allowlist" and m == "POST":
                arg = arg or {}
                with st.lock:
                    st.not_allowlisted |= {str(c) for c in arg.get("deny", ())}
                    st.not_allowlisted -= {str(c)
                                           for c in arg.get("allow", ())}
                self.admin_allowlist()
            elif what == "allowlist" and m == "GET":
                self.admin_allowlist()
            elif what == "requests" and m == "GET":
                with st.lock:
                    self.send(200, {"requests": list(st.requests)})
            elif what == "reset" and m == "POST":
                st.reset()
                self.send(200, {"ok": True})
            elif what == "tokens" and m == "POST":
                self.admin_tokens(arg or {})
            elif what == "tokens" and m == "GET":
                with st.lock:
                    self.send(200, {"valid": len(st.tokens),
                                    "expired": len(st.expired),
                                    "revoked": len(st.revoked),
                                    "refresh_tokens": len(st.refresh_tokens)})
            elif what == "actions" and m == "POST":
                arg = arg or {}
                with st.lock:
                    if "set" in arg:
                        st.actions = {int(a) for a in arg["set"]}
                        st.default_rule = False
                    st.actions |= {int(a) for a in arg.get("add", ())}
                    st.actions -= {int(a) for a in arg.get("remove", ())}
                    if "default_rule" in arg:
                        st.default_rule = bool(arg["default_rule"])
                self.admin_actions()
            elif what == "actions" and m == "GET":
                self.admin_actions()
            elif what == "customers" and m == "POST":
                self.admin_customers(arg or {})
            elif what == "customers" and m == "GET":
                self.admin_customers({})
            elif what == "conversion_actions" and m == "POST":
                self.admin_conversion_actions(arg or {})
            elif what == "conversion_actions" and m == "GET":
                self.admin_conversion_actions({})
            elif what == "upload_summaries" and m == "POST":
                self.admin_upload_summaries(arg or {})
            elif what == "upload_summaries" and m == "GET":
                self.admin_upload_summaries({})
            elif what == "clock" and m == "POST":
                arg = arg or {}
                with st.lock:
                    if "offset" in arg:
                        st.offset = float(arg["offset"])
                    st.offset += float(arg.get("advance", 0))
                self.admin_clock()
            elif what == "clock" and m == "GET":
                self.admin_clock()
            elif what == "consent" and m == "POST":
                arg = arg or {}
                if "deny" in arg:
                    # true: the next consent is refused; N: the next N
                    deny = int(arg["deny"])
                    if deny < 0:
                        raise ValueError("deny must be >= 0")
                    with st.lock:
                        st.deny = deny
                self.admin_consent()
            elif what == "consent" and m == "GET":
                self.admin_consent()
            else:
                self.send(404, {"error": "no such admin endpoint"})
        except (ValueError, TypeError, AttributeError) as e:
            self.send(400, {"error": str(e)})

    def admin_allowlist(self):
        st = self.state
        with st.lock:
            self.send(200, {"not_allowlisted": sorted(st.not_allowlisted)})

    def admin_actions(self):
        st = self.state
        with st.lock:
            self.send(200, {"actions": sorted(st.actions),
                            "default_rule": st.default_rule,
                            "default_limit": DEFAULT_ACTION_LIMIT})

    def admin_customers(self, arg):
        st = self.state
        sets = arg.get("set", arg.get("add", []))
        if not isinstance(sets, list):
            raise ValueError("expected a list of customers")
        checked = []
        for c in sets:
            if not isinstance(c, dict) or not re.fullmatch(
                    r"\d{10}", str(c.get("id", ""))):
                raise ValueError("a customer needs an id of ten digits: %r"
                                 % (c,))
            cid = str(c["id"])
            c = {k: v for k, v in c.items() if k != "id"}
            bad = set(c) - CUSTOMER_KEYS
            if bad:
                raise ValueError("unknown customer settings: %s" %
                                 ", ".join(sorted(bad)))
            for k in ("status", "conversion_tracking_status"):
                if c.get(k) is not None:
                    check_settings({k if k == "status" else
                                    "conversion_tracking_setting." + k:
                                    c[k]}, "customer")
            checked.append((cid, c))
        with st.lock:
            if "set" in arg:
                st.customers = {}
            for cid, c in checked:
                st.customers.setdefault(cid, {}).update(c)
            for cid in arg.get("remove", ()):
                st.customers.pop(str(cid), None)
            self.send(200, {"customers": [dict(v, id=k) for k, v in sorted(
                st.customers.items())]})

    def admin_conversion_actions(self, arg):
        st = self.state
        cid = str(arg.get("customer", ""))
        if arg and not re.fullmatch(r"\d{10}", cid):
            raise ValueError("customer: expected ten digits")
        acts = arg.get("set", arg.get("add", []))
        if not isinstance(acts, list):
            raise ValueError("expected a list of conversion actions")
        checked = []
        for a in acts:
            if not isinstance(a, dict) or not isinstance(a.get("id"), int) \
                    or a["id"] < 1:
                raise ValueError("a conversion action needs a positive "
                                 "integer id: %r" % (a,))
            i = a["id"]
            a = {k: v for k, v in a.items() if k != "id"}
            check_settings(a, "conversion_action", ("value_settings",))
            checked.append((i, a))
        with st.lock:
            if cid:
                mine = st.conv_actions.setdefault(cid, {})
                if "set" in arg:
                    mine.clear()
                for i, a in checked:
                    mine[i] = a
                for i in arg.get("remove", ()):
                    mine.pop(int(i), None)
            self.send(200, {"conversion_actions": {
                c: [dict(a, id=i) for i, a in sorted(acts.items())]
                for c, acts in sorted(st.conv_actions.items())}})

    def admin_upload_summaries(self, arg):
        st = self.state
        cid = str(arg.get("customer", ""))
        if arg and not re.fullmatch(r"\d{10}", cid):
            raise ValueError("customer: expected ten digits")
        new = {}
        for key, res in (("clients",
                          "offline_conversion_upload_client_summary"),
                         ("conversion_actions", "offline_conversion_upload_"
                                                "conversion_action_summary")):
            sms = arg.get(key, [])
            if not isinstance(sms, list):
                raise ValueError("%s: expected a list" % key)
            for sm in sms:
                check_settings(sm, res)
            new[res] = [dict(sm) for sm in sms]
        with st.lock:
            if cid:
                st.summaries[cid] = new
            self.send(200, {"upload_summaries": {
                c: {"clients": v.get(
                    "offline_conversion_upload_client_summary", []),
                    "conversion_actions": v.get(
                        "offline_conversion_upload_conversion_action_"
                        "summary", [])}
                for c, v in sorted(st.summaries.items())}})

    def admin_clock(self):
        st = self.state
        with st.lock:
            self.send(200, {"offset": st.offset, "now": st.now()})

    def admin_consent(self):
        st = self.state
        with st.lock:
            self.send(200, {"deny": st.deny, "codes": len(st.codes),
                            "authorizations": list(st.authorizations)})

    def admin_tokens(self, arg):
        st = self.state
        with st.lock:
            for t in arg.get("add", ()):
                if isinstance(t, dict):
                    sc = t.get("scopes", API_SCOPES)
                    st.add_token(t["token"], t.get("expires_in"),
                                 sc.split() if isinstance(sc, str) else sc)
                else:
                    st.add_token(t, None)
            for t in arg.get("expire", ()):
                st.tokens.pop(t, None)
                st.expired.add(t)
            if arg.get("expire_all"):
                st.expired |= set(st.tokens)
                st.tokens.clear()
            for t in arg.get("revoke", ()):
                st.tokens.pop(t, None)
                st.revoked.add(t)
            if arg.get("revoke_refresh_token"):
                st.refresh_tokens.clear()
            rt = arg.get("refresh_token")
            if isinstance(rt, dict):
                st.refresh_tokens[rt["refresh_token"]] = " ".join(
                    rt.get("scope", BOTH_SCOPES).split())
            elif rt:
                st.refresh_tokens[rt] = BOTH_SCOPES
            self.send(200, {"valid": len(st.tokens),
                            "expired": len(st.expired),
                            "revoked": len(st.revoked),
                            "refresh_tokens": len(st.refresh_tokens)})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hangs up, fails the TLS handshake or times out is
        # normal here; say so in one line instead of a traceback.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (OSError, ssl.SSLError, ValueError)):
            super().handle_error(request, client_address)


# ---------------------------------------------------------------------------

def parse_args(argv):
    # ac-emulator (the installed command) runs this file under its own
    # name, with AC_EMULATOR_PROG.
    p = argparse.ArgumentParser(
        prog=os.environ.get("AC_EMULATOR_PROG") or "gads.py",
        description="Loopback emulator of the Google Ads REST API "
                    "(uploadClickConversions, uploadCallConversions, "
                    "uploadConversionAdjustments), the Data Manager API "
                    "(events:ingest, requestStatus:retrieve) and Google's "
                    "OAuth endpoints, "
                    "with an admin API for fault injection.  See the module "
                    "docstring for endpoints, faults, log and ledger formats.")
    p.add_argument("--port", type=int, default=0,
                   help="TCP port on 127.0.0.1 (0: any free port)")
    p.add_argument("--port-file", metavar="FILE",
                   help="write the port here (atomically) once listening")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                   help="serve HTTPS with this PEM certificate and key")
    p.add_argument("--state-dir", metavar="DIR",
                   help="append accepted rows to DIR/ledger.ndjson "
                        "(loaded at start-up)")
    p.add_argument("--log", metavar="FILE",
                   help="append one NDJSON line per request (secrets "
                        "redacted)")
    p.add_argument("--client-id", default="ac-test-client-id",
                   help="OAuth client id accepted by /token "
                        "(default %(default)s)")
    p.add_argument("--client-secret", default="ac-test-client-secret",
                   help="OAuth client secret accepted by /token "
                        "(default %(default)s)")
    p.add_argument("--refresh-token", default="ac-test-refresh-token",
                   help="refresh token accepted by /token "
                        "(default %(default)s)")
    p.add_argument("--refresh-token-scope", default=BOTH_SCOPES,
                   metavar="SCOPES",
                   help="the scopes --refresh-token grants, space-separated "
                        "(default: the adwords and datamanager scopes)")
    p.add_argument("--access-token", action="append", default=[],
                   metavar="TOKEN",
                   help="an access token valid from the start, without "
                        "expiry (repeatable)")
    p.add_argument("--token-ttl", type=int, default=3599, metavar="SECONDS",
                   help="lifetime of issued access tokens "
                        "(default %(default)s)")
    p.add_argument("--service-account", action="append", default=[],
                   type=service_account_arg, metavar="EMAIL=PUBKEY.pem",
                   dest="service_account_list",
                   help="a service account whose JWTs the jwt-bearer grant "
                        "accepts, with its RSA public key (PEM, as `openssl "
                        "pkey -pubout` writes it) (repeatable)")
    p.add_argument("--impersonate", action="append", default=[],
                   metavar="EMAIL",
                   help="a user service accounts may act for through the "
                        "JWT's sub claim (repeatable)")
    p.add_argument("--actions", metavar="IDS",
                   type=lambda s: [int(x) for x in s.split(",") if x.strip()],
                   help="the conversion action ids that exist (default: "
                        "every id below %d)" % DEFAULT_ACTION_LIMIT)
    p.add_argument("--dm-processing-seconds", type=float, default=1800,
                   metavar="SECONDS",
                   help="how long a Data Manager request stays PROCESSING "
                        "on the emulator's clock (default %(default)g)")
    p.add_argument("--ads-processing-seconds", type=float, default=0,
                   metavar="SECONDS",
                   help="how long a Google Ads API upload row counts as "
                        "pending in the derived upload summaries, on the "
                        "emulator's clock (default %(default)g)")
    p.add_argument("--not-allowlisted", action="append", default=[],
                   metavar="CUSTOMER",
                   help="a customer whose uploadClickConversions requests "
                        "are refused, CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_"
                        "FEATURE (repeatable)")
    opts = p.parse_args(argv)
    opts.refresh_token_scope = " ".join(opts.refresh_token_scope.split())
    opts.service_accounts = dict(opts.service_account_list)
    opts.impersonate = set(opts.impersonate)
    return opts


def service_account_arg(s):
    email, eq, path = s.partition("=")
    if not eq or "@" not in email or not path:
        raise argparse.ArgumentTypeError(
            "expected EMAIL=PUBKEY.pem, got %r" % s)
    try:
        return email, load_public_key(path)
    except (OSError, ValueError, binascii.Error) as e:
        raise argparse.ArgumentTypeError("%s: %s" % (path, e))


def write_port_file(path, port):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as fp:
        fp.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    if opts.state_dir:
        os.makedirs(opts.state_dir, exist_ok=True)
    server = Server(("127.0.0.1", opts.port), Handler)
    server.state = State(opts)
    if opts.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls[0], opts.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if opts.port_file:
        write_port_file(opts.port_file, server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        if server.state.log_fp:
            server.state.log_fp.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

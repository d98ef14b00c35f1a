/* SPDX-License-Identifier: MIT */
#ifndef AC_DM_H
#define AC_DM_H

#include <jv.h>

#include "conv.h"
#include "http.h"

/*
 * The Data Manager API (datamanager.googleapis.com), as ac uses it:
 * IngestEvents, the Event JSON of each kind of conversion, what it cannot
 * express, the journal key of an event, and its fast-fail error answers
 * (data-manager.md).
 */

#define AC_DM_ENDPOINT "https://datamanager.googleapis.com"
#define AC_DM_VERSION "v1"
#define AC_DM_METHOD "events:ingest"
#define AC_DM_LIST "events"
#define AC_DM_EVENTS_MAX 2000		/* events per request (§1.5) */
#define AC_DM_DESTINATIONS_MAX 10	/* destinations per request */
#define AC_DM_IDS_MAX 10		/* user identifiers per event */

/*
 * Why c cannot go to Data Manager: a reason code, with the field it is
 * about (or NULL) and a message in *field and *msg; NULL when it can.
 */
const char *ac_dm_refuse(const struct ac_conv *c, const char **field,
    const char **msg);

/* Nonzero when c's event carries userData (the request then needs
 * "encoding"). */
int ac_dm_has_user_data(const struct ac_conv *c);

/* Append c as an Event naming destination reference c->action_id. */
void ac_dm_put_event(struct ac_writer *, const struct ac_conv *c);

/* Append a Destination for conversion action id[0..n) of customer
 * (operating account), with login (NULL or "": none). */
void ac_dm_put_destination(struct ac_writer *, const char *customer,
    const char *login, const char *id, size_t n);

/*
 * The journal key of an event sent for customer cid, from the event and
 * what ac-batch said of its row (info, may be an empty object): the same
 * key as on the Google Ads API where the conversion is the same (an order
 * ID, a click and its time, a call by a hash of the caller). Borrows
 * both. Returns a string to free.
 */
char *ac_dm_row_key(const char *cid, jv event, jv info);

/* What a field violation of a fast-fail answer points at. */
enum ac_dm_target {
	AC_DM_EVENT,		/* events[index] */
	AC_DM_DESTINATION,	/* destinations[index] */
	AC_DM_REQUEST		/* a field of the request itself, or none */
};

/*
 * The reason of an error answer's ErrorInfo ("INVALID_FORMAT") into
 * reason, and whether its domain is Data Manager's. Borrows error (the
 * "error" member). Returns -1 when there is no ErrorInfo.
 */
int ac_dm_error_reason(jv error, char *reason, size_t len, int *dm);

/*
 * Call f for each field violation of the answer's google.rpc.BadRequest:
 * what it points at, the index, its reason (the violation's own, else
 * fallback) and description. Borrows error. Returns how many there were.
 */
int ac_dm_each_violation(jv error, const char *fallback,
    void (*f)(void *arg, enum ac_dm_target, long index, const char *reason,
    const char *description), void *arg);

/*
 * What a fast-fail refusal (its "error" member) says of each of the n
 * events of the request whose other members are base: row[i] when a
 * field violation names events[i], or a destination event i goes to;
 * wide when it names a field of the request itself. Codes are
 * "datamanager.REASON". The ErrorInfo's reason (INVALID_ARGUMENT when
 * none) goes to reason. Borrows all.
 */
void ac_dm_refusal(jv error, jv base, jv events, int n,
    struct ac_rowerr *row, struct ac_rowerr *wide, char *reason,
    size_t len);

/* base with only the destinations the events go to. Consumes base,
 * borrows events. */
jv ac_dm_prune(jv base, jv events);

/* Nonzero when Data Manager error reason means the account or the
 * credentials are not set up for this upload (stop; the rows are not at
 * fault). */
int ac_dm_setup_reason(const char *reason);

/* One line of advice for such a reason ("datamanager." code), or NULL. */
const char *ac_dm_advice(const char *code);

#endif

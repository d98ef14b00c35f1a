/* SPDX-License-Identifier: MIT */
#ifndef AC_CONV_H
#define AC_CONV_H

#include <stddef.h>

#include "ndjson.h"

/*
 * One conversion as ac-batch has checked it, in plain C values: the input
 * of the writers of each API module (gads, dm), which turn it into that
 * API's JSON. Strings borrow the bytes of the record they came from and
 * are valid as long as it is; s is NULL when the field is absent. Times
 * are Google Ads' form, "yyyy-mm-dd hh:mm:ss+hh:mm" (25 bytes).
 */

enum ac_kind { AC_CLICK, AC_CALL, AC_ADJUSTMENT, AC_NKINDS };
enum ac_adj { AC_ENHANCEMENT, AC_RETRACTION, AC_RESTATEMENT, AC_NADJ };
enum ac_clicktype { AC_NOCLICK, AC_GCLID, AC_GBRAID, AC_WBRAID };
enum ac_env { AC_ENV_NONE, AC_ENV_APP, AC_ENV_WEB };
enum ac_consent { AC_UNSPECIFIED, AC_GRANTED, AC_DENIED };
/* customer_type: none, or the names of ac_ctype_names */
enum ac_ctype { AC_CT_NONE, AC_CT_NEW, AC_CT_RETURNING, AC_CT_REENGAGED };
enum { AC_ID_EMAIL = 1, AC_ID_PHONE = 2 };	/* bits of ac_conv.ids */

#define AC_TIME_LEN 25
/* User identifiers per conversion: Data Manager's limit, the larger. */
#define AC_IDS_MAX 10

struct ac_str {
	const char *s;
	size_t n;
};

/* The address identifier: hashed names and street, the rest in clear. */
struct ac_address {
	struct ac_str first, last, street;	/* 64 hex digits */
	struct ac_str city, region, country, postal;
};

/*
 * Cart data of a click (ac-batch has checked it): items borrows the
 * record's array of {product_id, quantity, unit_price} objects.
 */
struct ac_cart {
	int has;			/* items to send */
	jv items;			/* borrowed */
	struct ac_str merchant;		/* merchant_id digits, or s NULL */
	char country[3], lang[3];	/* "" when absent */
	int has_discount;
	double discount;		/* cart_discount */
};

struct ac_conv {
	enum ac_kind kind;
	enum ac_adj adj;		/* adjustments only */
	struct ac_str action;		/* customers/{id}/conversionActions/{id} */
	struct ac_str action_id;	/* the digits at its end */
	const char *time;		/* conversion_date_time, or NULL */
	const char *adj_time;		/* adjustment_date_time, or NULL */
	const char *call_start;		/* calls */
	struct ac_str order;		/* order_id */
	enum ac_clicktype click;
	struct ac_str click_id;
	int has_value, has_currency;
	double value;			/* conversion_value */
	double adjusted;		/* a RESTATEMENT's adjusted_value */
	char currency[3];
	enum ac_env env;
	enum ac_consent udata, perso;
	enum ac_ctype ctype;		/* customer_type of a click */
	struct ac_cart cart;		/* clicks */
	/* custom_variables: a borrowed array of {id, variable, value}
	 * objects ac-batch has checked; invalid when none. */
	jv custom;
	/* A click's landing: user agent and IP address of the device, and
	 * the session attributes (Data Manager only). */
	struct ac_str lp_ua, lp_ip, session;
	int has_ext;			/* external attribution data */
	double ext_credit;		/* external_attribution_credit */
	struct ac_str ext_model;	/* external_attribution_model */
	int ids;			/* AC_ID_EMAIL | AC_ID_PHONE */
	unsigned char hash[2][32];	/* the first hashed email and phone */
	/* Further hashes of a hashed_email or hashed_phone_number array,
	 * sent after those two, none equal to another; ac-batch keeps no
	 * more than the API takes. */
	int nmore;
	unsigned char more_type[AC_IDS_MAX];	/* 0 email, 1 phone */
	unsigned char more[AC_IDS_MAX][32];
	int has_address;
	struct ac_address addr;
	struct ac_str caller;		/* calls: E.164, in clear */
	struct ac_str user_agent;	/* enhancements */
};

extern const char *const ac_kind_names[AC_NKINDS];	/* "click", ... */
extern const char *const ac_adj_names[AC_NADJ];	/* "ENHANCEMENT", ... */
extern const char *const ac_click_names[4];	/* "none", "gclid", ... */
extern const char *const ac_consent_names[3];	/* "UNSPECIFIED", ... */
extern const char *const ac_ctype_names[4];	/* "", "NEW", ... */

/* Append the 32 bytes at p as a JSON string of 64 lower-case hex digits. */
void ac_put_hex(struct ac_writer *, const unsigned char *p);
/*
 * Append the cart's JSON object for api 0 (the Google Ads API: CartData
 * of a ClickConversion) or 1 (Data Manager's CartData), after key.
 */
void ac_put_cart(struct ac_writer *, const struct ac_cart *, int dm);

/*
 * Append ,"customVariables":[...] for the Google Ads API (dm 0: those
 * with an id, as conversionCustomVariable resource names of the
 * conversion's customer) or Data Manager (dm 1: those with a variable
 * name); nothing when none qualifies (ac-batch warns about the others).
 */
void ac_put_custom(struct ac_writer *, const struct ac_conv *, int dm);

/* Append s[0..n), which needs no escaping (checked by form), quoted. */
void ac_put_plain(struct ac_writer *, const char *s, size_t n);

#define AC_PUT(w, lit) ac_write_bytes((w), (lit), sizeof(lit) - 1)

#endif

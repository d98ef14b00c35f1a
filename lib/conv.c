/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "conv.h"

const char *const ac_kind_names[AC_NKINDS] = { "click", "call",
	"adjustment" };
const char *const ac_adj_names[AC_NADJ] = { "ENHANCEMENT", "RETRACTION",
	"RESTATEMENT" };
const char *const ac_click_names[4] = { "none", "gclid", "gbraid",
	"wbraid" };
const char *const ac_ctype_names[4] = { "", "NEW", "RETURNING",
	"REENGAGED" };
const char *const ac_consent_names[3] = { "UNSPECIFIED", "GRANTED",
	"DENIED" };

void
ac_put_hex(struct ac_writer *w, const unsigned char *p)
{
	static const char hex[] = "0123456789abcdef";
	char s[66];
	int i;

	s[0] = s[65] = '"';
	for (i = 0; i < 32; i++) {
		s[1 + 2 * i] = hex[p[i] >> 4];
		s[2 + 2 * i] = hex[p[i] & 15];
	}
	ac_write_bytes(w, s, sizeof(s));
}

void
ac_put_plain(struct ac_writer *w, const char *s, size_t n)
{
	AC_PUT(w, "\"");
	ac_write_bytes(w, s, n);
	AC_PUT(w, "\"");
}

/* SPDX-License-Identifier: MIT */
#ifndef AC_AMOUNT_H
#define AC_AMOUNT_H

#include <stddef.h>

/*
 * Amounts of money as shops and spreadsheets write them.
 *
 * ac_amount_parse reads s[0..n) (spaces and tabs around it are ignored)
 * into *out. Accepted: what strtod reads of [0-9.eE+-] ("12.5", "1e3";
 * one dot is always a decimal point), and digits grouped by thousands
 * with ',', '.', ' ' or '\'' and a decimal point or comma: "12,000.00",
 * "1.234.567,89", "12 000,5", "1'234.50", "1,234,567". Each group after
 * the first has three digits, one separator is used throughout, and the
 * decimal separator comes once, last. A lone comma before exactly three
 * digits ("1,234") is refused as ambiguous: a thousands separator in one
 * convention, a decimal comma in the other.
 *
 * Returns NULL, or a reason code: "value_invalid" (not a number as
 * above) or "value_ambiguous".
 */
const char *ac_amount_parse(const char *s, size_t n, double *out);

/*
 * units minor units of a currency whose minor unit is exp decimal digits
 * (0 to 4), as a number of major units: 1999 cents -> 19.99. Exact for
 * integers below 2^53.
 */
double ac_amount_from_minor(double units, int exp);

#endif

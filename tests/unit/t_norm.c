/* SPDX-License-Identifier: MIT */
/*
 * Identifier normalization: the rules and examples of normalization.md as
 * table tests, over the real data files of $AC_SHAREDIR.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

#include "data.h"
#include "norm.h"
#include "tap.h"

enum kind {
	EMAIL, EMAIL_ALL, PHONE, FIRST, LAST, STREET, CITY, REGION, POSTAL,
	COUNTRY
};

static const char *const kind_name[] = {
	"email", "email (all domains)", "phone", "first_name", "last_name",
	"street", "city", "region", "postal", "country"
};

/*
 * A case: the input, the region for phones, and the expected value, or
 * "!" followed by the expected reason code.
 */
struct tc {
	enum kind k;
	const char *in;
	const char *region;
	const char *want;
};

static const struct tc cases[] = {
	/* email 1: NFC, whitespace removed everywhere, lowercase */
	{ EMAIL, "alexz@example.com", NULL, "alexz@example.com" },
	{ EMAIL, "  AlexZ@Example.COM  ", NULL, "alexz@example.com" },
	{ EMAIL, "\talexz@example.com\r\n", NULL, "alexz@example.com" },
	{ EMAIL, "alex z @ example . com", NULL, "alexz@example.com" },
	{ EMAIL, "alex\tz@exam\nple.com", NULL, "alexz@example.com" },
	{ EMAIL, "alex\xc2\xa0z@example.com", NULL, "alexz@example.com" },
	{ EMAIL, "alex\xe2\x80\x83z@example.com", NULL, "alexz@example.com" },
	{ EMAIL, "J\xc3\x96RG@Example.DE", NULL, "j\xc3\xb6rg@example.de" },
	{ EMAIL, "jo\xcc\x88rg@example.de", NULL, "j\xc3\xb6rg@example.de" },
	{ EMAIL, "\xc3\x89MILE@EXAMPLE.FR", NULL, "\xc3\xa9mile@example.fr" },
	/* email 3: Gmail and Googlemail lose dots and +tags */
	{ EMAIL, "Cloudy.SanFrancisco+shopping@gmail.com", NULL,
	    "cloudysanfrancisco@gmail.com" },
	{ EMAIL, "cloudy.san.francisco@googlemail.com", NULL,
	    "cloudysanfrancisco@googlemail.com" },
	{ EMAIL, "John.Doe@GMAIL.COM", NULL, "johndoe@gmail.com" },
	{ EMAIL, "j.o.h.n+a+b@GoogleMail.com", NULL, "john@googlemail.com" },
	{ EMAIL, " john . doe + x @ gmail . com ", NULL, "johndoe@gmail.com" },
	{ EMAIL, "john+@gmail.com", NULL, "john@gmail.com" },
	{ EMAIL, "+tag@gmail.com", NULL, "!email_invalid" },
	{ EMAIL, "...@gmail.com", NULL, "!email_invalid" },
	/* email 4: other domains keep dots and +tags */
	{ EMAIL, "user.name+NYC@Example.com", NULL,
	    "user.name+nyc@example.com" },
	{ EMAIL, "first.last@example.co.uk", NULL, "first.last@example.co.uk" },
	{ EMAIL, "john.doe@gmail.co.uk", NULL, "john.doe@gmail.co.uk" },
	{ EMAIL, "john.doe@mail.gmail.com", NULL, "john.doe@mail.gmail.com" },
	{ EMAIL, "john.doe@gmail.com.example", NULL,
	    "john.doe@gmail.com.example" },
	/* email 5: the all-domains reading */
	{ EMAIL_ALL, "user.name+NYC@Example.com", NULL, "username@example.com" },
	{ EMAIL_ALL, "Cloudy.SanFrancisco+shopping@gmail.com", NULL,
	    "cloudysanfrancisco@gmail.com" },
	{ EMAIL_ALL, "a.b.c@example.org", NULL, "abc@example.org" },
	{ EMAIL_ALL, "abc@ex.ample.org", NULL, "abc@ex.ample.org" },
	{ EMAIL_ALL, "+x@example.org", NULL, "!email_invalid" },
	/* email 2: local@domain, one "@", a dot, no empty labels */
	{ EMAIL, "", NULL, "!empty" },
	{ EMAIL, "   ", NULL, "!empty" },
	{ EMAIL, "plainaddress", NULL, "!email_invalid" },
	{ EMAIL, "@example.com", NULL, "!email_invalid" },
	{ EMAIL, "user@", NULL, "!email_invalid" },
	{ EMAIL, "user@localhost", NULL, "!email_invalid" },
	{ EMAIL, "user@@example.com", NULL, "!email_invalid" },
	{ EMAIL, "user@example@example.com", NULL, "!email_invalid" },
	{ EMAIL, "user@example..com", NULL, "!email_invalid" },
	{ EMAIL, "user@.example.com", NULL, "!email_invalid" },
	{ EMAIL, "user@example.com.", NULL, "!email_invalid" },
	{ EMAIL, "user@.", NULL, "!email_invalid" },
	{ EMAIL, "n/a", NULL, "!placeholder" },
	/* placeholders: the whole value, or a "local@" rule */
	{ EMAIL, "noemail@x.com", NULL, "!placeholder" },
	{ EMAIL, "NoEmail@Example.COM", NULL, "!placeholder" },
	{ EMAIL, " noemail @ shop.example ", NULL, "!placeholder" },
	{ EMAIL, "no.email@gmail.com", NULL, "!placeholder" },
	{ EMAIL, "none@example.org", NULL, "!placeholder" },
	{ EMAIL, "donotreply@example.org", NULL, "!placeholder" },
	{ EMAIL, "test@test.com", NULL, "!placeholder" },
	{ EMAIL, "TEST@TEST.COM", NULL, "!placeholder" },
	{ EMAIL, "test@example.com", NULL, "test@example.com" },
	{ EMAIL, "noemailx@x.com", NULL, "noemailx@x.com" },
	{ EMAIL, "xnoemail@x.com", NULL, "xnoemail@x.com" },
	{ EMAIL, "noemail@x.com.au", NULL, "!placeholder" },

	/* phone 1-3: E.164 from international and national forms */
	{ PHONE, "+491701234567", NULL, "+491701234567" },
	{ PHONE, "+49 170 1234567", NULL, "+491701234567" },
	{ PHONE, "+49 170 1234567", "US", "+491701234567" },
	{ PHONE, "+49-170-123-45-67", NULL, "+491701234567" },
	{ PHONE, "+49.170.1234567", NULL, "+491701234567" },
	{ PHONE, "+49/170/1234567", NULL, "+491701234567" },
	{ PHONE, " +49 (170) 1234567 ", NULL, "+491701234567" },
	{ PHONE, "+49 (0)170 1234567", NULL, "+491701234567" },
	{ PHONE, "+49 (0) 170 1234567", NULL, "+491701234567" },
	{ PHONE, "+49 0170 1234567", NULL, "+491701234567" },
	{ PHONE, "0170 1234567", "DE", "+491701234567" },
	{ PHONE, "0170/1234567", "DE", "+491701234567" },
	{ PHONE, "0049 170 1234567", "DE", "+491701234567" },
	{ PHONE, "0049 (0)170 1234567", "DE", "+491701234567" },
	{ PHONE, "030 123456", "DE", "+4930123456" },
	{ PHONE, "(415) 555-0100", "US", "+14155550100" },
	{ PHONE, "415.555.0100", "US", "+14155550100" },
	{ PHONE, "415 555 0100", "US", "+14155550100" },
	{ PHONE, "1 415 555 0100", "US", "+14155550100" },
	{ PHONE, "1-415-555-0100", "US", "+14155550100" },
	{ PHONE, "14155550100", "US", "+14155550100" },
	{ PHONE, "+1 (415) 555-0100", NULL, "+14155550100" },
	{ PHONE, "+1 800 555 0100", NULL, "+18005550100" },
	{ PHONE, "(416) 555-0100", "CA", "+14165550100" },
	{ PHONE, "011 49 170 1234567", "US", "+491701234567" },
	{ PHONE, "011 44 20 7946 0018", "US", "+442079460018" },
	{ PHONE, "011 1 415 555 0100", "CA", "+14155550100" },
	{ PHONE, "06 12 34 56 78", "FR", "+33612345678" },
	{ PHONE, "06.12.34.56.78", "FR", "+33612345678" },
	{ PHONE, "+33 6 12 34 56 78", NULL, "+33612345678" },
	{ PHONE, "+33 (0)6 12 34 56 78", NULL, "+33612345678" },
	{ PHONE, "0033 6 12 34 56 78", "FR", "+33612345678" },
	{ PHONE, "020 7946 0018", "GB", "+442079460018" },
	{ PHONE, "07400 123456", "GB", "+447400123456" },
	/* 07700 900xxx is Ofcom's range for drama: no number to
	 * libphonenumber 8.12.57 */
	{ PHONE, "07700 900123", "GB", "!phone_not_in_plan" },
	{ PHONE, "+44 (0)20 7946 0018", NULL, "+442079460018" },
	{ PHONE, "0044 113 496 0987", "GB", "+441134960987" },
	{ PHONE, "441134960987", "GB", "+441134960987" },
	{ PHONE, "+44 113 496 0987", NULL, "+441134960987" },
	/* Italy has no trunk prefix: the leading 0 is part of the number. */
	{ PHONE, "06 1234 5678", "IT", "+390612345678" },
	{ PHONE, "+39 06 1234 5678", NULL, "+390612345678" },
	{ PHONE, "0039 06 1234 5678", "IT", "+390612345678" },
	{ PHONE, "0039 06 1234 5678", "DE", "+390612345678" },
	{ PHONE, "312 345 6789", "IT", "+393123456789" },
	{ PHONE, "+39 312 345 6789", NULL, "+393123456789" },
	/* phone 2: extensions */
	{ PHONE, "+1 415 555 0100 ext 123", NULL, "+14155550100" },
	{ PHONE, "+1 415 555 0100 ext. 123", NULL, "+14155550100" },
	{ PHONE, "+1 415 555 0100 EXT 123", NULL, "+14155550100" },
	{ PHONE, "+1 415 555 0100 x123", NULL, "+14155550100" },
	{ PHONE, "+1 415 555 0100x123", NULL, "+14155550100" },
	{ PHONE, "(415) 555-0100 X 5", "US", "+14155550100" },
	{ PHONE, "(415) 555-0100 #12", "US", "+14155550100" },
	{ PHONE, "0170 1234567 ext 99", "DE", "+491701234567" },
	/* phone 4: letters, no region, calling codes, lengths */
	{ PHONE, "+1 800 FLOWERS", NULL, "!phone_invalid" },
	{ PHONE, "0170 123456a", "DE", "!phone_invalid" },
	{ PHONE, "+49 170 1234567 call me", NULL, "!phone_invalid" },
	{ PHONE, "+49 170 1234567!", NULL, "!phone_invalid" },
	{ PHONE, "+49 170 +1234567", NULL, "!phone_invalid" },
	{ PHONE, "49 170 1234567+", "DE", "!phone_invalid" },
	{ PHONE, "+", NULL, "!phone_invalid" },
	{ PHONE, "()", "US", "!phone_invalid" },
	{ PHONE, "", "US", "!empty" },
	{ PHONE, "  ", "US", "!empty" },
	{ PHONE, "0170 1234567", NULL, "!phone_no_region" },
	{ PHONE, "0170 1234567", "ZZ", "!phone_no_region" },
	{ PHONE, "09876543210", NULL, "!phone_no_region" },
	{ PHONE, "(415) 555-0100", NULL, "!phone_no_region" },
	{ PHONE, "+0 123 456 7890", NULL, "!phone_bad_calling_code" },
	{ PHONE, "+09876543210", NULL, "!phone_bad_calling_code" },
	{ PHONE, "+999 1234 5678", NULL, "!phone_bad_calling_code" },
	{ PHONE, "+999 1234 5678", "DE", "!phone_bad_calling_code" },
	{ PHONE, "00 999 1234 5678", "DE", "!phone_bad_calling_code" },
	{ PHONE, "+49 1", NULL, "!phone_bad_length" },
	{ PHONE, "+49 12", NULL, "!phone_bad_length" },
	{ PHONE, "+49 1234", NULL, "!phone_not_in_plan" },	/* 6 digits */
	{ PHONE, "+1 415 555 010", NULL, "!phone_bad_length" },
	{ PHONE, "+1 415 555 01000", NULL, "!phone_bad_length" },
	{ PHONE, "+33 6 12 34 56 7", NULL, "!phone_bad_length" },
	{ PHONE, "+33 6 12 34 56 789", NULL, "!phone_bad_length" },
	{ PHONE, "+49 1701 2345 6789 0123", NULL, "!phone_bad_length" },
	{ PHONE, "+1234567890123456", NULL, "!phone_bad_length" },
	{ PHONE, "415 555 010", "US", "!phone_bad_length" },
	{ PHONE, "415 555 01000", "US", "!phone_bad_length" },
	{ PHONE, "06 12 34 56", "FR", "!phone_bad_length" },
	{ PHONE, "06 12 34 56 78 9", "FR", "!phone_bad_length" },
	{ PHONE, "12345", "IT", "!phone_bad_length" },
	{ PHONE, "0170 12", "DE", "!phone_not_in_plan" },
	{ PHONE, "01234567890123456789012345678901234567890123456789012345678",
	    "DE", "!phone_bad_length" },
	/* placeholders: one repeated digit, and the listed ones */
	{ PHONE, "+1 999 999 9999", NULL, "!placeholder" },
	{ PHONE, "(999) 999-9999", "US", "!placeholder" },
	{ PHONE, "+19999999999", NULL, "!placeholder" },
	{ PHONE, "+49 1111 111111", NULL, "!placeholder" },
	{ PHONE, "01111 111111", "DE", "!placeholder" },
	{ PHONE, "0 0000 000000", "DE", "!placeholder" },
	{ PHONE, "+33 0 00 00 00 00", NULL, "!placeholder" },
	{ PHONE, "+1 123 456 7890", NULL, "!placeholder" },
	{ PHONE, "(123) 456-7890", "US", "!placeholder" },
	{ PHONE, "+1 415 555 5555", NULL, "+14155555555" },

	/* names: NFC, lowercase, trim, collapse, honorifics and suffixes */
	{ FIRST, " Mr. Alex ", NULL, "alex" },
	{ LAST, " Quinn, Jr. ", NULL, "quinn" },
	{ LAST, "Quinn-Alex", NULL, "quinn-alex" },
	{ FIRST, "JÖRG", NULL, "j\xc3\xb6rg" },
	{ FIRST, "Jo\xcc\x88rg", NULL, "j\xc3\xb6rg" },
	{ FIRST, "María  José", NULL, "mar\xc3\xad""a jos\xc3\xa9" },
	{ FIRST, "Mari\xcc\x81" "a Jose\xcc\x81", NULL,
	    "mar\xc3\xad""a jos\xc3\xa9" },
	{ LAST, "MÜLLER", NULL, "m\xc3\xbcller" },
	{ LAST, "MU\xcc\x88LLER", NULL, "m\xc3\xbcller" },
	{ FIRST, "ÉMILE", NULL, "\xc3\xa9mile" },
	{ FIRST, "E\xcc\x81MILE", NULL, "\xc3\xa9mile" },
	{ FIRST, "ЖАННА", NULL, "жанна" },
	{ FIRST, "Givenname", NULL, "givenname" },
	{ LAST, "FamilyName", NULL, "familyname" },
	{ FIRST, "\t Mary \n Ann \t", NULL, "mary ann" },
	{ FIRST, "Mary\xc2\xa0\xc2\xa0" "Ann", NULL, "mary ann" },
	{ FIRST, "\xe3\x80\x80" "Anna\xe3\x80\x80", NULL, "anna" },
	/* honorifics */
	{ FIRST, "Mr Alex", NULL, "alex" },
	{ FIRST, "MRS. Alex", NULL, "alex" },
	{ FIRST, "Mrs Alex", NULL, "alex" },
	{ FIRST, "Ms. Alex", NULL, "alex" },
	{ FIRST, "Miss Alex", NULL, "alex" },
	{ FIRST, "Dr. Alex", NULL, "alex" },
	{ FIRST, "dr alex", NULL, "alex" },
	{ FIRST, "Prof. Alex", NULL, "alex" },
	{ FIRST, "Drew", NULL, "drew" },
	{ FIRST, "Missy", NULL, "missy" },
	{ FIRST, "Mrs.Alex", NULL, "mrs.alex" },
	{ FIRST, "Mr", NULL, "!placeholder" },
	/* suffixes, with their periods and the comma before them */
	{ LAST, "Smith Jr", NULL, "smith" },
	{ LAST, "Smith Jr.", NULL, "smith" },
	{ LAST, "Smith, Jr.", NULL, "smith" },
	{ LAST, "Smith,Jr.", NULL, "smith" },
	{ LAST, "Smith Sr.", NULL, "smith" },
	{ LAST, "Smith II", NULL, "smith" },
	{ LAST, "Smith III", NULL, "smith" },
	{ LAST, "Smith IV", NULL, "smith" },
	{ LAST, "Smith V", NULL, "smith" },
	{ LAST, "Smith VI", NULL, "smith" },
	{ LAST, "Smith 2nd", NULL, "smith" },
	{ LAST, "Smith 3rd", NULL, "smith" },
	{ LAST, "Smith 4th", NULL, "smith" },
	{ LAST, "Smith, PhD", NULL, "smith" },
	{ LAST, "Smith, Ph.D.", NULL, "smith" },
	{ LAST, "Smith MD", NULL, "smith" },
	{ LAST, "Smith, M.D.", NULL, "smith" },
	{ LAST, "Smith DDS", NULL, "smith" },
	{ LAST, "Smith DMD", NULL, "smith" },
	{ LAST, "Smith DVM", NULL, "smith" },
	{ LAST, "Smith, CPA", NULL, "smith" },
	{ LAST, "Smith J.D.", NULL, "smith" },
	{ LAST, "Smith, Esq.", NULL, "smith" },
	{ LAST, "Smith MBA", NULL, "smith" },
	{ LAST, "Smith RN", NULL, "smith" },
	{ LAST, "Smith LLM", NULL, "smith" },
	{ LAST, "Smith, Jr., MD", NULL, "smith" },
	{ LAST, "Smith III, PhD", NULL, "smith" },
	{ FIRST, "Dr. Jane Smith, PhD", NULL, "jane smith" },
	{ FIRST, "Mr. John Smith, Jr.", NULL, "john smith" },
	{ LAST, "Vi", NULL, "vi" },	/* a name, not a suffix */
	{ LAST, "Smithjr", NULL, "smithjr" },
	{ LAST, "Ivy", NULL, "ivy" },
	/* hyphens and apostrophes stay */
	{ LAST, "O'Brien", NULL, "o'brien" },
	{ LAST, "D\xe2\x80\x99" "Angelo", NULL, "d\xe2\x80\x99" "angelo" },
	{ FIRST, "Jean-Luc", NULL, "jean-luc" },
	{ FIRST, "ANNA-LENA", NULL, "anna-lena" },
	/* empty and placeholders */
	{ FIRST, "", NULL, "!empty" },
	{ FIRST, " \t ", NULL, "!empty" },
	{ FIRST, "n/a", NULL, "!placeholder" },
	{ FIRST, "N/A", NULL, "!placeholder" },
	{ FIRST, "Unknown", NULL, "!placeholder" },
	{ FIRST, " TEST ", NULL, "!placeholder" },
	{ FIRST, "Test  User", NULL, "!placeholder" },
	{ FIRST, "-", NULL, "!placeholder" },
	{ FIRST, "Customer", NULL, "!placeholder" },
	{ LAST, "Lastname", NULL, "!placeholder" },
	{ FIRST, "Na", NULL, "na" },	/* Li Na */
	{ LAST, "No", NULL, "no" },

	/* street: NFC, lowercase, no punctuation or symbols, trim, collapse */
	{ STREET, " 1800 Amphibious Blvd.  ", NULL, "1800 amphibious blvd" },
	{ STREET, "221B Baker St.", NULL, "221b baker st" },
	{ STREET, "Main St., Apt. #5", NULL, "main st apt 5" },
	{ STREET, "1600   Amphitheatre\tPkwy", NULL, "1600 amphitheatre pkwy" },
	{ STREET, "Hauptstra\xc3\x9f" "e 5-7", NULL, "hauptstra\xc3\x9f" "e 57" },
	{ STREET, "Rue de l'\xc3\x89glise", NULL, "rue de l\xc3\xa9glise" },
	{ STREET, "Rue de l\xe2\x80\x99" "E\xcc\x81glise", NULL,
	    "rue de l\xc3\xa9glise" },
	{ STREET, "\"Am Markt\" (Hof) 3/4", NULL, "am markt hof 34" },
	{ STREET, "P.O. Box 12 \xe2\x82\xac $ + = \xc2\xa9 ~", NULL,
	    "po box 12" },
	{ STREET, "Calle Mayor, 3\xc2\xba 2\xc2\xaa", NULL,
	    "calle mayor 3\xc2\xba 2\xc2\xaa" },
	{ STREET, "", NULL, "!empty" },
	{ STREET, "---", NULL, "!empty" },
	{ STREET, "n/a", NULL, "!placeholder" },
	{ STREET, "N/A", NULL, "!placeholder" },
	{ STREET, "No Address!", NULL, "!placeholder" },

	/* city and region: NFC, trim, lowercase */
	{ CITY, "  M\xc3\x9cNCHEN ", NULL, "m\xc3\xbcnchen" },
	{ CITY, "MU\xcc\x88NCHEN", NULL, "m\xc3\xbcnchen" },
	{ CITY, "San Francisco", NULL, "san francisco" },
	{ CITY, "Saint-\xc3\x89tienne", NULL, "saint-\xc3\xa9tienne" },
	{ CITY, "", NULL, "!empty" },
	{ CITY, "N/A", NULL, "!placeholder" },
	{ CITY, "NA", NULL, "!placeholder" },
	{ REGION, " CA ", NULL, "ca" },
	{ REGION, "Bayern", NULL, "bayern" },
	{ REGION, "State", NULL, "!placeholder" },

	/* postal code: trim, collapse, keep case and dashes */
	{ POSTAL, " 1229-076 ", NULL, "1229-076" },
	{ POSTAL, "SW1A  1AA", NULL, "SW1A 1AA" },
	{ POSTAL, "sw1a 1aa", NULL, "sw1a 1aa" },
	{ POSTAL, "\t10115\n", NULL, "10115" },
	{ POSTAL, "", NULL, "!empty" },
	{ POSTAL, "   ", NULL, "!empty" },
	{ POSTAL, "n/a", NULL, "!placeholder" },
	{ POSTAL, "N/A", NULL, "!placeholder" },
	{ POSTAL, "ZIP", NULL, "!placeholder" },
	{ POSTAL, "00000", NULL, "!placeholder" },

	/* country code: trim, uppercase, ISO 3166-1 alpha-2 */
	{ COUNTRY, " de ", NULL, "DE" },
	{ COUNTRY, "us", NULL, "US" },
	{ COUNTRY, "Gb", NULL, "GB" },
	{ COUNTRY, "IT", NULL, "IT" },
	{ COUNTRY, "\tfr\n", NULL, "FR" },
	{ COUNTRY, "", NULL, "!empty" },
	{ COUNTRY, "  ", NULL, "!empty" },
	{ COUNTRY, "XX", NULL, "!country_code_invalid" },
	{ COUNTRY, "EU", NULL, "!country_code_invalid" },
	{ COUNTRY, "UK", NULL, "GB" },	/* ISO 3166 reserves UK for GB */
	{ COUNTRY, "DEU", NULL, "DE" },	/* alpha-3 */
	{ COUNTRY, " usa ", NULL, "US" },
	{ COUNTRY, "XXX", NULL, "!country_code_invalid" },
	{ COUNTRY, "D", NULL, "!country_code_invalid" },
	{ COUNTRY, "D E", NULL, "!country_code_invalid" },
	/* Names, from iso-codes (issue 11): case and accents folded. */
	{ COUNTRY, "Germany", NULL, "DE" },
	{ COUNTRY, " GERMANY ", NULL, "DE" },
	{ COUNTRY, "Deutschland", NULL, "DE" },
	{ COUNTRY, "United Kingdom", NULL, "GB" },
	{ COUNTRY, "\xc3\x96sterreich", NULL, "AT" },
	{ COUNTRY, "O\xcc\x88sterreich", NULL, "AT" },
	{ COUNTRY, "OSTERREICH", NULL, "AT" },
	{ COUNTRY, "osterreich", NULL, "AT" },
	{ COUNTRY, "Korea, Republic of", NULL, "KR" },
	{ COUNTRY, "Korea (Republic of)", NULL, "KR" },
	{ COUNTRY, "Germanyy", NULL, "!country_code_invalid" },
	{ COUNTRY, "Paraguai", NULL, "!country_code_invalid" },
	{ COUNTRY, "\xc3\x9c" "Z", NULL, "!country_code_invalid" },
};

static const char *
run(struct ac_buf *b, const struct ac_data *d, enum kind k, const char *s,
    size_t n, const char *region)
{
	switch (k) {
	case EMAIL:
		return ac_norm_email(b, s, n, 0, d);
	case EMAIL_ALL:
		return ac_norm_email(b, s, n, 1, d);
	case PHONE:
		return ac_norm_phone(b, s, n, region, d);
	case FIRST:
		return ac_norm_name(b, s, n, "first_name", d);
	case LAST:
		return ac_norm_name(b, s, n, "last_name", d);
	case STREET:
		return ac_norm_street(b, s, n, d);
	case CITY:
		return ac_norm_place(b, s, n, "city", d);
	case REGION:
		return ac_norm_place(b, s, n, "region", d);
	case POSTAL:
		return ac_norm_postal(b, s, n, d);
	case COUNTRY:
		return ac_norm_country(b, s, n, d);
	}
	return "no such kind";
}

/* The value, "!code", or a note that out->len is wrong, in res. */
static const char *
result(char *res, size_t len, struct ac_buf *b, const char *rc)
{
	if (rc != NULL)
		snprintf(res, len, "!%s", rc);
	else if (b->p == NULL || strlen(b->p) != b->len)
		snprintf(res, len, "(out->len %zu does not match the string)",
		    b->len);
	else
		snprintf(res, len, "%s", b->p);
	return res;
}

static void
table(const struct ac_data *d)
{
	struct ac_buf b = { 0 };
	char res[512];
	const char *rc;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = run(&b, d, cases[i].k, cases[i].in, strlen(cases[i].in),
		    cases[i].region);
		is_str(result(res, sizeof(res), &b, rc), cases[i].want,
		    "%s \"%s\"%s%s", kind_name[cases[i].k], cases[i].in,
		    cases[i].region ? " in " : "",
		    cases[i].region ? cases[i].region : "");
	}
	ac_buf_free(&b);
}

/* A normalized value normalizes to itself. */
static void
idempotent(const struct ac_data *d)
{
	struct ac_buf b = { 0 }, again = { 0 };
	char res[512];
	const char *rc;
	size_t i, n = 0, bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].want[0] == '!')
			continue;
		if (run(&b, d, cases[i].k, cases[i].in, strlen(cases[i].in),
		    cases[i].region) != NULL)
			continue;	/* reported by table() */
		n++;
		rc = run(&again, d, cases[i].k, b.p, b.len, cases[i].region);
		if (strcmp(result(res, sizeof(res), &again, rc), b.p) != 0) {
			bad++;
			diag("%s \"%s\" -> \"%s\" -> \"%s\"",
			    kind_name[cases[i].k], cases[i].in, b.p, res);
		}
	}
	ok(n > 100 && bad == 0, "normalizing %zu normalized values again "
	    "changes nothing", n);
	ac_buf_free(&b);
	ac_buf_free(&again);
}

/* Combining and precomposed forms give identical bytes, for every kind. */
static void
nfc(const struct ac_data *d)
{
	static const struct {
		enum kind k;
		const char *a, *b;
	} p[] = {
		{ FIRST, "Zo\xc3\xab", "Zoe\xcc\x88" },
		{ LAST, "M\xc3\xbcller", "Mu\xcc\x88ller" },
		{ LAST, "Br\xc3\xabl\xc3\xa9", "Bre\xcc\x88le\xcc\x81" },
		{ EMAIL, "zo\xc3\xab@example.com", "zoe\xcc\x88@example.com" },
		{ STREET, "\xc3\x85sgatan 1", "A\xcc\x8asgatan 1" },
		{ CITY, "Z\xc3\xbcrich", "Zu\xcc\x88rich" },
		{ POSTAL, "\xc3\x85" "1", "A\xcc\x8a" "1" },
	};
	struct ac_buf x = { 0 }, y = { 0 };
	const char *ra, *rb;
	size_t i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		ra = run(&x, d, p[i].k, p[i].a, strlen(p[i].a), NULL);
		rb = run(&y, d, p[i].k, p[i].b, strlen(p[i].b), NULL);
		ok(ra == NULL && rb == NULL && x.len == y.len &&
		    memcmp(x.p, y.p, x.len) == 0,
		    "%s: precomposed and combining \"%s\" are identical",
		    kind_name[p[i].k], p[i].a);
	}
	ac_buf_free(&x);
	ac_buf_free(&y);
}

static void
text(void)
{
	static const struct {
		const char *in;
		int flags;
		const char *want;
	} t[] = {
		{ "", 0, "" },
		{ " A  B ", 0, " A  B " },
		{ "e\xcc\x81", 0, "\xc3\xa9" },
		{ "A\xcc\x8a", 0, "\xc3\x85" },
		{ "\xe2\x84\xab", 0, "\xc3\x85" },	/* U+212B ANGSTROM SIGN */
		{ "a\x01" "b\x1f" "c\x7f" "d", 0, "abcd" },
		{ "a\xc2\x80" "b", 0, "ab" },		/* C1 control */
		{ "\xc3\x80" "BC", AC_TXT_LOWER, "\xc3\xa0" "bc" },
		{ "A\xcc\x8a", AC_TXT_LOWER, "\xc3\xa5" },
		{ "M\xc3\x9cLLER", AC_TXT_LOWER, "m\xc3\xbcller" },
		{ "\xc3\x89MILE", AC_TXT_LOWER, "\xc3\xa9mile" },
		{ "\xd0\x9f\xd0\xa0\xd0\x98", AC_TXT_LOWER,
		    "\xd0\xbf\xd1\x80\xd0\xb8" },
		{ "StraSSE", AC_TXT_LOWER, "strasse" },
		{ " A  B ", AC_TXT_LOWER, " a  b " },
		{ "  a  b  ", AC_TXT_TRIM, "a  b" },
		{ "\t\r\n a\tb \n", AC_TXT_TRIM, "a\tb" },
		{ "\xc2\xa0\xe3\x80\x80" "a\xe2\x80\x83", AC_TXT_TRIM, "a" },
		{ "   ", AC_TXT_TRIM, "" },
		{ "a \t\n b", AC_TXT_COLLAPSE, "a b" },
		{ "a\xc2\xa0\xc2\xa0" "b", AC_TXT_COLLAPSE, "a b" },
		{ "  a  b  ", AC_TXT_TRIM | AC_TXT_COLLAPSE, "a b" },
		{ " a b\tc\n", AC_TXT_NOSPACE, "abc" },
		{ "a\xc2\xa0" "b\xe2\x80\x83" "c", AC_TXT_NOSPACE, "abc" },
		{ "a.b,c!d-e'f\"g(h)", AC_TXT_NOPUNCT, "abcdefgh" },
		{ "$5 + \xe2\x82\xac" "3", AC_TXT_NOPUNCT, "5  3" },
		{ "\xc2\xbf" "Qu\xc3\xa9?", AC_TXT_NOPUNCT, "Qu\xc3\xa9" },
		{ "a_b", AC_TXT_NOPUNCT, "ab" },
		{ " Rue d'Al\xc3\xa9sia,  N\xc2\xb0 5 ",
		    AC_TXT_LOWER | AC_TXT_NOPUNCT | AC_TXT_TRIM |
		    AC_TXT_COLLAPSE, "rue dal\xc3\xa9sia n 5" },
	};
	static const char *const invalid[] = {
		"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82",
		("ok\xfe" "ok"),
	};
	struct ac_buf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!is_int(ac_norm_text(&b, t[i].in, strlen(t[i].in),
		    t[i].flags), 0, "text \"%s\" flags %#x: returns 0", t[i].in,
		    t[i].flags))
			continue;
		ok(b.len == strlen(t[i].want) &&
		    memcmp(b.p, t[i].want, b.len) == 0 && b.p[b.len] == '\0',
		    "text \"%s\" flags %#x -> \"%s\"", t[i].in, t[i].flags,
		    t[i].want);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		is_int(ac_norm_text(&b, invalid[i], strlen(invalid[i]), 0), -1,
		    "text: invalid UTF-8 #%zu gives -1", i);
	/* Only n bytes are read. */
	ac_norm_text(&b, "abcdef", 3, AC_TXT_LOWER);
	ok(b.len == 3 && strcmp(b.p, "abc") == 0, "text reads only n bytes");
	/* The buffer is reused, and grows. */
	{
		char big[5000];

		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ac_norm_text(&b, big, strlen(big), AC_TXT_LOWER);
		ok(b.len == 4999 && b.p[0] == 'a' && b.p[4998] == 'a' &&
		    b.p[4999] == '\0', "text grows the buffer");
	}
	ac_buf_free(&b);
	ok(b.p == NULL && b.len == 0 && b.cap == 0, "ac_buf_free resets");
}

/* Nonzero when ac_norm_text and ac_norm_text_full agree on s[0..n). */
static int
same_text(struct ac_buf *x, struct ac_buf *y, const char *s, size_t n,
    int flags)
{
	int rx = ac_norm_text(x, s, n, flags);
	int ry = ac_norm_text_full(y, s, n, flags);

	return rx == ry && (rx == -1 || (x->len == y->len &&
	    memcmp(x->p, y->p, x->len + 1) == 0));
}

/*
 * The ASCII fast path of ac_norm_text gives what utf8proc gives: every
 * printable ASCII character alone and next to a space, and every string
 * of up to 4 characters over an alphabet of one of each class (space,
 * upper, lower, digit, dash, dot, the other punctuation and symbols,
 * tab, which is not on the fast path), under every combination of flags.
 */
static void
ascii(void)
{
	static const char alpha[] = " Az0-._+@\t";
	const size_t na = sizeof(alpha) - 1;
	struct ac_buf x = { 0 }, y = { 0 };
	char s[8];
	size_t len, i, k, idx, bad = 0, tried = 0;
	int flags, c;

	for (flags = 0; flags < 64; flags++) {
		for (c = 0x20; c < 0x7f; c++) {
			s[0] = ' ', s[1] = (char)c, s[2] = ' ';
			for (i = 0; i < 3; i++)
				for (k = 1; i + k <= 3; k++, tried++)
					bad += !same_text(&x, &y, s + i, k,
					    flags);
		}
		for (len = 0; len <= 4; len++) {
			size_t total = 1;

			for (i = 0; i < len; i++)
				total *= na;
			for (idx = 0; idx < total; idx++, tried++) {
				size_t v = idx;

				for (i = 0; i < len; i++, v /= na)
					s[i] = alpha[v % na];
				bad += !same_text(&x, &y, s, len, flags);
			}
		}
	}
	is_int((int)bad, 0, "ASCII fast path as utf8proc: %zu strings",
	    tried);
	ok(same_text(&x, &y, "  Avery.Quinn+Tag@Example.COM ", 30,
	    AC_TXT_LOWER | AC_TXT_NOSPACE) && strcmp(x.p,
	    "avery.quinn+tag@example.com") == 0, "ASCII fast path: e-mail");
	ok(same_text(&x, &y, " 1351 Elm St.,  Apt #4 ", 23, AC_TXT_LOWER |
	    AC_TXT_NOPUNCT | AC_TXT_TRIM | AC_TXT_COLLAPSE) &&
	    strcmp(x.p, "1351 elm st apt 4") == 0,
	    "ASCII fast path: street");
	ac_buf_free(&x);
	ac_buf_free(&y);
}

/* Invalid UTF-8 gives a reason code, for each kind. */
static void
invalid_utf8(const struct ac_data *d)
{
	struct ac_buf b = { 0 };
	enum kind k;
	const char *rc;

	for (k = EMAIL; k <= COUNTRY; k++) {
		rc = run(&b, d, k, "ab\xff" "cd", 5, "DE");
		ok(rc != NULL && rc[0] != '\0', "%s: invalid UTF-8 is refused "
		    "(%s)", kind_name[k], rc ? rc : "NULL");
	}
	ac_buf_free(&b);
}

/*
 * A warning text for a reason code: some words, never a value. Checks it
 * has no format directive, no quotes (a quoted value), no control bytes,
 * no run of 5 digits (a phone number or a postal code), and follows the
 * message rules of STYLE.md (lower case start, no trailing period).
 */
static const char *
value_like(const char *t)
{
	size_t i, digits = 0, n = strlen(t);

	if (n == 0)
		return "empty";
	if (!islower((unsigned char)t[0]))
		return "does not start in lower case";
	if (t[n - 1] == '.')
		return "ends with a period";
	for (i = 0; i < n; i++) {
		if (t[i] == '%')
			return "has a %";
		if (t[i] == '"' || t[i] == '\'' || t[i] == '`')
			return "has a quote";
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return "has a control byte";
		digits = isdigit((unsigned char)t[i]) ? digits + 1 : 0;
		if (digits >= 5)
			return "has a run of 5 digits";
	}
	return NULL;
}

/* Add code to the set codes[0..*n) unless it is there. */
static void
add_code(const char **codes, size_t *n, size_t max, const char *code)
{
	size_t i;

	if (code == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(codes[i], code) == 0)
			return;
	if (*n < max)
		codes[(*n)++] = code;
}

/*
 * ac_norm_describe: every reason code the ac_norm_* functions return, the
 * documented ones and those seen in the table above, has a text.
 */
static void
describe(const struct ac_data *d)
{
	static const char *const documented[] = {
		AC_NORM_EMPTY, AC_NORM_PLACEHOLDER, "email_invalid",
		"phone_invalid", "phone_no_region", "phone_bad_length",
		"phone_bad_calling_code", "country_code_invalid",
		"name_invalid", "street_address_invalid", "postal_code_invalid",
		"text_invalid", "field_unknown", AC_NORM_TOO_LONG,
	};
	static const char *const unknown[] = {
		"", "nope", "EMAIL_INVALID", "email_invalid ", "email",
		"time_future", "hashed_invalid", "dropped",
	};
	const char *codes[64], *t, *why;
	struct ac_buf b = { 0 };
	size_t i, n = 0;
	enum kind k;

	for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		add_code(codes, &n, 64, documented[i]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].want[0] == '!')
			add_code(codes, &n, 64, cases[i].want + 1);
	for (k = EMAIL; k <= COUNTRY; k++)
		add_code(codes, &n, 64, run(&b, d, k, "ab\xff" "cd", 5, "DE"));
	add_code(codes, &n, 64, ac_norm_identifier(&b, "city", "\xff", 1,
	    NULL, 0, d));
	add_code(codes, &n, 64, ac_norm_identifier(&b, "no_such_field", "x",
	    1, NULL, 0, d));
	ac_buf_free(&b);
	for (i = 0; i < n; i++) {
		t = ac_norm_describe(codes[i]);
		why = t != NULL ? value_like(t) : "NULL";
		ok(why == NULL, "describe \"%s\": words, no value%s%s",
		    codes[i], why ? ": " : "", why ? why : "");
	}
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ok(ac_norm_describe(unknown[i]) == NULL,
		    "describe \"%s\": not a norm code, NULL", unknown[i]);
}

/*
 * What f(arg, out) writes on stderr, in msg (NUL-terminated), with its
 * return value.
 */
static int
stderr_of(int (*f)(const char *, void *), const char *arg, void *out,
    char *msg, size_t len)
{
	FILE *tmp;
	int fd, rc;
	size_t got;

	fflush(stderr);
	if ((tmp = tmpfile()) == NULL || (fd = dup(2)) == -1 ||
	    dup2(fileno(tmp), 2) == -1) {
		printf("Bail out! cannot redirect stderr\n");
		exit(1);
	}
	rc = f(arg, out);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	rewind(tmp);
	got = fread(msg, 1, len - 1, tmp);
	msg[got] = '\0';
	fclose(tmp);
	return rc;
}

static int
call_region(const char *arg, void *out)
{
	return ac_norm_opt_region(arg, out);
}

static int
call_rule(const char *arg, void *out)
{
	return ac_norm_opt_email_rule(arg, out);
}

static void
opts(void)
{
	static const struct {
		const char *arg, *want;	/* want NULL: -1 */
	} reg[] = {
		{ "de", "DE" }, { "DE", "DE" }, { "dE", "DE" }, { "us", "US" },
		{ "DEU", NULL }, { "", NULL }, { "d", NULL }, { "deu", NULL },
		{ "de ", NULL }, { " de", NULL },
	};
	static const struct {
		const char *arg;
		int want;		/* -1: refused */
	} rule[] = {
		{ "gmail", 0 }, { "all", 1 }, { "", -1 }, { "ALL", -1 },
		{ "Gmail", -1 }, { "al", -1 }, { "all ", -1 }, { "gmail,all", -1 },
		{ "none", -1 },
	};
	char region[3], msg[512];
	size_t i;
	int rc, all;

	for (i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
		memset(region, 'X', sizeof(region));
		rc = stderr_of(call_region, reg[i].arg, region, msg,
		    sizeof(msg));
		if (reg[i].want != NULL)
			ok(rc == 0 && memcmp(region, reg[i].want, 3) == 0 &&
			    msg[0] == '\0', "--default-region \"%s\": \"%s\", "
			    "quietly", reg[i].arg, reg[i].want);
		else
			ok(rc == -1 && strstr(msg, "--default-region") != NULL,
			    "--default-region \"%s\": -1 with a message",
			    reg[i].arg);
	}
	for (i = 0; i < sizeof(rule) / sizeof(rule[0]); i++) {
		all = rule[i].want == 1 ? 0 : 1;
		rc = stderr_of(call_rule, rule[i].arg, &all, msg, sizeof(msg));
		if (rule[i].want != -1)
			ok(rc == 0 && all == rule[i].want && msg[0] == '\0',
			    "--email-rule \"%s\": all_domains %d, quietly",
			    rule[i].arg, rule[i].want);
		else
			ok(rc == -1 && strstr(msg, "--email-rule") != NULL,
			    "--email-rule \"%s\": -1 with a message",
			    rule[i].arg);
	}
}

/*
 * ac_norm_text's own NFC (a linear canonical ordering, issue 11) gives
 * what utf8proc_map(STABLE | COMPOSE) gives, on random mixes of starters
 * that compose, combining marks of many classes (runs short and long),
 * Hangul jamo and syllables and characters that decompose to four.
 */
static void
nfc_random(void)
{
	static const int32_t pool[] = {
		'a', 'e', 'o', 'A', 'Z', ' ', 0xe9, 0x1ea5, 0x1f82, 0x1e0b,
		0x300, 0x301, 0x302, 0x308, 0x323, 0x327, 0x328, 0x334, 0x345,
		0x35c, 0x35d, 0x5b0, 0x5bc, 0x5c1, 0x93c, 0x94d, 0x3099,
		0x1100, 0x1161, 0x11a8, 0xac00, 0xd4db, 0x212b, 0x2126, 0xf900,
		0x1d15e, 0x1d165, 0x1d16d, 0x0f73, 0x0f71, 0x0f72,
	};
	struct ac_buf b = { 0 };
	utf8proc_uint8_t *want;
	utf8proc_ssize_t wl;
	char s[4 * 600];
	unsigned seed = 11;
	size_t n, len, i, bad = 0, tried = 0;
	int r;

	for (n = 0; n < 3000; n++) {
		len = 0;
		for (i = 0; i < 1 + n % 500; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Now and then a long run of marks only. */
			len += (size_t)utf8proc_encode_char(
			    pool[(n % 7 == 0 ? 10 + (seed >> 16) % 10 :
			    (seed >> 16)) % (sizeof(pool) / sizeof(pool[0]))],
			    (utf8proc_uint8_t *)s + len);
		}
		wl = utf8proc_map((const utf8proc_uint8_t *)s,
		    (utf8proc_ssize_t)len, &want,
		    UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		r = ac_norm_text(&b, s, len, 0);
		tried++;
		if (wl < 0 || r != 0 || b.len != (size_t)wl ||
		    memcmp(b.p, want, b.len) != 0)
			bad++;
		free(want);
	}
	ok(bad == 0, "linear NFC equals utf8proc_map on %zu random strings "
	    "(%zu differ)", tried, bad);
	ac_buf_free(&b);
}

/*
 * Each rule's length limit: a value at the limit is read, one byte more
 * is value_too_long, white space around it does not count; and a value
 * of 200 KB of alternating combining marks, a minute's work for the
 * quadratic ordering that utf8proc_map does, is dropped at once.
 */
static void
limits(const struct ac_data *d)
{
	static const struct {
		const char *field;
		size_t max;
		char fill;
	} t[] = {
		{ "email", AC_NORM_MAX_EMAIL, 'e' },
		{ "phone", AC_NORM_MAX_PHONE, '1' },
		{ "first_name", AC_NORM_MAX_TEXT, 'n' },
		{ "last_name", AC_NORM_MAX_TEXT, 'n' },
		{ "street_address", AC_NORM_MAX_TEXT, 's' },
		{ "city", AC_NORM_MAX_TEXT, 'c' },
		{ "region", AC_NORM_MAX_TEXT, 'r' },
		{ "postal_code", AC_NORM_MAX_POSTAL, '9' },
		{ "country_code", AC_NORM_MAX_TEXT, 'x' },
	};
	struct ac_buf b = { 0 };
	const char *why;
	char *s;
	size_t i, n, big = 200 * 1024;

	if ((s = malloc(big + 16)) == NULL)
		abort();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = t[i].max;
		memset(s, t[i].fill, n + 1);
		if (strcmp(t[i].field, "email") == 0)
			memcpy(s + n - 6, "@x.com", 6);
		why = ac_norm_identifier(&b, t[i].field, s, n, "DE", 0, d);
		ok(why == NULL || strcmp(why, AC_NORM_TOO_LONG) != 0,
		    "%s: %zu bytes are read (%s)", t[i].field, n,
		    why ? why : "ok");
		s[0] = ' ';
		s[n + 1] = '\t';
		memset(s + 1, t[i].fill, n);
		if (strcmp(t[i].field, "email") == 0)
			memcpy(s + n - 5, "@x.com", 6);
		why = ac_norm_identifier(&b, t[i].field, s, n + 2, "DE", 0, d);
		ok(why == NULL || strcmp(why, AC_NORM_TOO_LONG) != 0,
		    "%s: %zu bytes with white space around are read",
		    t[i].field, n);
		memset(s, t[i].fill, n + 1);
		why = ac_norm_identifier(&b, t[i].field, s, n + 1, "DE", 0, d);
		is_str(why, AC_NORM_TOO_LONG, "%s: %zu bytes are too long",
		    t[i].field, n + 1);
	}
	s[0] = 'a';
	for (n = 1; n + 4 <= big; n += 4)
		memcpy(s + n, "\xcc\x81\xcc\xa3", 4);	/* U+0301 U+0323 */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_str(ac_norm_identifier(&b, t[i].field, s, n, "DE", 0, d),
		    AC_NORM_TOO_LONG, "%s: 200 KB of combining marks: too long",
		    t[i].field);
	/* Under the limit, the same kind of text is normalized. */
	is_str(ac_norm_identifier(&b, "city", s, 509, NULL, 0, d), NULL,
	    "city: 509 bytes of combining marks are read");
	ok(ac_norm_describe(AC_NORM_TOO_LONG) != NULL,
	    "value_too_long has a text");
	free(s);
	ac_buf_free(&b);
}

int
main(void)
{
	struct ac_data d;
	char err[512];
	const char *dir = getenv("AC_SHAREDIR");

	if (dir == NULL || *dir == '\0') {
		printf("1..0 # SKIP AC_SHAREDIR is not set\n");
		return 0;
	}
	if (ac_data_load(&d, err, sizeof(err)) == -1) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	table(&d);
	idempotent(&d);
	nfc(&d);
	nfc_random();
	limits(&d);
	text();
	ascii();
	invalid_utf8(&d);
	describe(&d);
	opts();
	ac_data_free(&d);
	return done_testing();
}

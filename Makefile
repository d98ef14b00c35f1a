# SPDX-License-Identifier: MIT
# ac: carry conversions from your backend to Google Ads. See README.md.
# GNU make >= 4 or a BSD make (for !=).

PREFIX  = /usr/local
BINDIR  = $(PREFIX)/bin
MANDIR  = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/ac
PKG_CONFIG = pkg-config
CC      = cc
CFLAGS  = -O2 -g
WARN    = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wformat=2 -Wwrite-strings -Wcast-qual -Wvla
DEP_CFLAGS != $(PKG_CONFIG) --cflags libutf8proc libcrypto libcurl yaml-0.1 2>/dev/null || true
DEP_LIBS   != $(PKG_CONFIG) --libs libutf8proc libcrypto libcurl yaml-0.1 2>/dev/null || echo -lutf8proc -lcrypto -lcurl -lyaml
JQ_LIBS    != $(PKG_CONFIG) --libs libjq 2>/dev/null || echo -ljq
SAN     = $(SANITIZE:%=-fsanitize=%)
ALL_CFLAGS = $(WARN) $(WERROR) $(SAN) -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 \
             -Ilib $(DEP_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS    = $(JQ_LIBS) $(DEP_LIBS) -lm

TOOLS = ac-batch ac-consent ac-doctor ac-emulator ac-hash ac-normalize ac-pick-clickid ac-report ac-run ac-status ac-token \
        ac-upload
LIBOBJ = lib/access.o lib/amount.o lib/conv.o lib/crypto.o lib/data.o lib/dm.o lib/diag.o lib/dtime.o lib/field.o \
         lib/gads.o lib/http.o lib/journal.o lib/jspan.o lib/ndjson.o lib/norm.o lib/oauth.o \
         lib/opt.o lib/phone.o lib/search.o lib/secret.o lib/stage.o
HDR = lib/access.h lib/amount.h lib/conv.h lib/crypto.h lib/data.h lib/dm.h lib/diag.h lib/dtime.h lib/field.h \
      lib/gads.h lib/http.h lib/journal.h lib/jspan.h lib/ndjson.h lib/norm.h lib/oauth.h \
      lib/opt.h lib/phone.h lib/search.h lib/secret.h lib/stage.h
UNIT = tests/unit/t_amount.t tests/unit/t_crypto.t tests/unit/t_data.t tests/unit/t_dm.t tests/unit/t_field.t tests/unit/t_dtime.t \
       tests/unit/t_gads.t tests/unit/t_jspan.t tests/unit/t_ndjson.t \
       tests/unit/t_norm.t tests/unit/t_opt.t tests/unit/t_http.t \
       tests/unit/t_journal.t tests/unit/t_oauth.t tests/unit/t_secret.t
BIN = $(TOOLS:%=bin/%)
MAN1 = $(TOOLS:%=man/%.1)
DATA = share/ac/phone.tsv share/ac/iso3166.txt share/ac/iso4217.txt \
       share/ac/placeholders.txt share/ac/eea.txt share/ac/country-names.tsv
EXAMPLES = share/ac/examples/orders.ndjson share/ac/examples/adjustments.ndjson
MAPS = share/ac/maps/common.jq share/ac/maps/hubspot-deals.jq \
       share/ac/maps/shopify-graphql.jq share/ac/maps/shopify-rest.jq \
       share/ac/maps/stripe.jq share/ac/maps/woocommerce.jq
MAN7 = man/ac.7 man/ac-maps.7

# Tests run against the build tree unless AC_BINDIR names installed tools.
TEST_ENV = AC_SHAREDIR=$(CURDIR)/share/ac LC_ALL=C \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
           ASAN_OPTIONS=detect_leaks=1 \
           LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp

all: deps $(BIN)

deps:
	@sh mk/deps.sh

.c.o:
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBOBJ) $(BIN) $(UNIT): $(HDR)

# DATADIR is compiled in: rewrite lib/datadir.h when it changes, so that
# "make install PREFIX=/usr" after a plain "make" rebuilds what it must.
lib/datadir.h: FORCE
	@echo '#define AC_DATADIR "$(DATADIR)"' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
lib/data.o: lib/datadir.h
FORCE:

lib/libac.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

# ac-run is a sh script: the version of lib/opt.h goes in.
bin/ac-run: cmd/ac-run.sh lib/opt.h
	@mkdir -p bin
	v=$$(sed -n 's/^#define AC_VERSION "\(.*\)"$$/\1/p' lib/opt.h) && \
	    sed "s/@AC_VERSION@/$$v/" cmd/ac-run.sh > $@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@

# ac-emulator runs tests/mock/gads.py, installed under DATADIR/emulator.
bin/ac-emulator: cmd/ac-emulator.sh
	@mkdir -p bin
	cp cmd/ac-emulator.sh $@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@

bin/%: cmd/%.c lib/libac.a
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< lib/libac.a $(LIBS)

tests/unit/%.t: tests/unit/%.c tests/unit/tap.h lib/libac.a
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< lib/libac.a $(LIBS)

check: all $(UNIT)
	$(TEST_ENV) prove $(UNIT)
	$(TEST_ENV) prove -e bats tests/cli/*.bats
	python3 -B -m unittest tests/mock/test_gads.py

# The phone numbering plan from libphonenumber's metadata as Debian's
# python3-phonenumbers ships it (committed; run after an update, with the
# same version as the oracle of tests/cli/phone.bats).
phone-data:
	/usr/bin/python3 mk/phone-data.py >share/ac/phone.tsv.tmp
	mv share/ac/phone.tsv.tmp share/ac/phone.tsv

# Country names from Debian's iso-codes (committed; run after an update).
country-names:
	python3 mk/country-names.py >share/ac/country-names.tsv.tmp
	mv share/ac/country-names.tsv.tmp share/ac/country-names.tsv

bench: all
	AC_SHAREDIR=$(CURDIR)/share/ac python3 tests/bench/run.py --bin bin

demo: all
	@sh share/ac/examples/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)/examples \
	    $(DESTDIR)$(DATADIR)/maps $(DESTDIR)$(DATADIR)/emulator
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 0644 $(DATA) $(DESTDIR)$(DATADIR)
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DATADIR)/examples
	install -m 0644 $(MAPS) $(DESTDIR)$(DATADIR)/maps
	install -m 0644 tests/mock/gads.py tests/mock/gaql.py \
	    $(DESTDIR)$(DATADIR)/emulator

uninstall:
	cd $(DESTDIR)$(BINDIR) && rm -f $(TOOLS)
	cd $(DESTDIR)$(MANDIR)/man1 && rm -f $(TOOLS:%=%.1)
	cd $(DESTDIR)$(MANDIR)/man7 && rm -f ac.7 ac-maps.7
	rm -rf $(DESTDIR)$(DATADIR)

lint:
	@if command -v mandoc >/dev/null; then \
	    mandoc -Tlint -Wwarning man/*.1 $(MAN7); \
	else \
	    for m in man/*.1 $(MAN7); do groff -mdoc -ww -z $$m || exit 1; done; \
	fi
	sh -n cmd/ac-run.sh
	sh -n cmd/ac-emulator.sh
	@if command -v shellcheck >/dev/null; then \
	    shellcheck -s sh cmd/ac-run.sh cmd/ac-emulator.sh \
	        share/ac/examples/demo.sh; \
	fi
	@if command -v cppcheck >/dev/null; then \
	    cppcheck -q --error-exitcode=1 --enable=warning,portability \
	        --inline-suppr -Ilib cmd lib; \
	fi

clean:
	rm -rf bin lib/*.o lib/libac.a lib/datadir.h tests/unit/*.t

.PHONY: FORCE all deps check country-names phone-data fuzz bench demo install uninstall lint clean

# A libFuzzer run of the reader and writer (clang; not part of check).
FUZZ_SECONDS = 60
fuzz: deps
	@mkdir -p bin tests/fuzz/corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(WARN) -D_DEFAULT_SOURCE \
	    -D_XOPEN_SOURCE=700 -Ilib $(DEP_CFLAGS) -o bin/fuzz_record \
	    tests/fuzz/fuzz_record.c $(LIBOBJ:.o=.c) $(LIBS)
	cp tests/cli/fixtures/ac-normalize/*.in tests/fuzz/corpus/
	split -l 4 tests/cli/fixtures/record/record.in tests/fuzz/corpus/record-
	bin/fuzz_record -max_total_time=$(FUZZ_SECONDS) -max_len=4096 tests/fuzz/corpus

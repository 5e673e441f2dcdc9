# cabinet - top-level, non-recursive Makefile.
#   make            build everything (build/ or, with SAN=1, build-san/)
#   make run        install what is missing, build, start a demo node
#   make test       unit tests (cmocka) + integration tests (real PG, slapd, Kafka)
#   make bench      benchmarks against same-run baselines
#   make lint       clang-format check + cppcheck
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 60)
.DELETE_ON_ERROR:
.SUFFIXES:

SERVICES := identity scheduling documents voting notifications
SAN      ?=
BUILD    := $(if $(SAN),build-san,build)
GEN      := $(BUILD)/gen
OBJ      := $(BUILD)/obj
LIB      := $(BUILD)/lib
BIN      := $(BUILD)/bin
TST      := $(BUILD)/tests

CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Werror
CSTD     := -std=c17 -D_GNU_SOURCE
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
OPT      := $(if $(SAN),-O1 -fno-omit-frame-pointer $(SANFLAGS),-O2)
INCS     := -DSOURCE_DIR=\"$(CURDIR)\" -Ishared -I$(GEN) -I/usr/include/postgresql
CFLAGS   := $(CSTD) -g $(OPT) $(WARN) $(INCS) -MMD -MP
GENFLAGS := $(CSTD) -g $(OPT) -w $(INCS) -MMD -MP
LDFLAGS  := $(if $(SAN),$(SANFLAGS))
LDLIBS   := -lzmq -lprotobuf-c -lpq -lrdkafka -lssl -lcrypto -lldap -llber \
            -lmicrohttpd -ljansson -largon2 -lutf8proc -lpthread -lm

PACED    := $(BUILD)/tools/cab-paced  #  open-loop load of `make bench` (tools/paced.c)
SSEWATCH := $(BUILD)/tools/cab-sse-watch  #  the storm's 500 streams (tools/sse_watch.c)

all: $(BIN)/cabinet-broker $(BIN)/cabinet-gateway $(addprefix $(BIN)/cabinet-,$(SERVICES)) unit-tests $(PACED) $(SSEWATCH)
.PHONY: print-services all deps run test unit-test integration-test bench lint format fuzz clean unit-tests

# ---- generated protobuf-c code ------------------------------------------
PROTOS    := $(wildcard proto/cabinet/v1/*.proto)
PROTO_C   := $(patsubst proto/%.proto,$(GEN)/%.pb-c.c,$(PROTOS))
PROTO_H   := $(PROTO_C:.c=.h)
PROTO_O   := $(patsubst $(GEN)/%.c,$(OBJ)/gen/%.o,$(PROTO_C))

$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: proto/%.proto
	@mkdir -p $(GEN)
	protoc-c --c_out=$(GEN) -Iproto $<

$(OBJ)/gen/%.o: $(GEN)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GENFLAGS) -c $< -o $@

# ---- embedding tool: turns files (SQL migrations, openapi.json) into C ----
EMBED := $(BUILD)/tools/cab-embed
$(EMBED): tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 $(WARN) $< -o $@

# ---- shared library -------------------------------------------------------
SHARED_SRC := $(wildcard shared/*.c)
SHARED_SQL := $(sort $(wildcard shared/sql/*.sql))
SHARED_O   := $(patsubst %.c,$(OBJ)/%.o,$(SHARED_SRC)) $(OBJ)/gen/shared_sql.o $(PROTO_O)

# A list's file changes when the list does (a file removed or renamed), so
# what embeds the files is made again: prerequisites alone notice only
# files newer than the target. $(call FILE_LIST,name,files)
FILE_LIST = @mkdir -p $(GEN); echo '$(2)' | cmp -s - $(GEN)/$(1).list || echo '$(2)' > $(GEN)/$(1).list

$(GEN)/shared_sql.list: FORCE
	$(call FILE_LIST,shared_sql,$(SHARED_SQL))

$(GEN)/shared_sql.c: $(SHARED_SQL) $(GEN)/shared_sql.list $(EMBED)
	$(EMBED) cab_shared_sql $@ $(SHARED_SQL)

$(LIB)/libcab.a: $(SHARED_O)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# every object waits for the generated headers
$(OBJ)/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# ---- one template per part: service or gateway ----------------------------
#   $(1) part name, $(2) source folder, $(3) binary name
define PART
$(1)_SRC  := $$(filter-out $(2)/main.c,$$(wildcard $(2)/*.c))
$(1)_SQL  := $$(sort $$(wildcard $(2)/sql/*.sql))
$(1)_EMB  := $$(wildcard $(2)/openapi.json)
$(1)_O    := $$(patsubst %.c,$(OBJ)/%.o,$$($(1)_SRC)) $(OBJ)/gen/$(1)_embed.o

$(GEN)/$(1)_embed.list: FORCE
	$$(call FILE_LIST,$(1)_embed,$$($(1)_SQL) $$($(1)_EMB))

$(GEN)/$(1)_embed.c: $$($(1)_SQL) $$($(1)_EMB) $(GEN)/$(1)_embed.list $(EMBED)
	$(EMBED) $(1)_embedded $$@ $$($(1)_SQL) $$($(1)_EMB)

$(LIB)/lib$(1).a: $$($(1)_O)
	@mkdir -p $$(dir $$@)
	$$(AR) rcs $$@ $$^

$(BIN)/$(3): $(OBJ)/$(2)/main.o $(LIB)/lib$(1).a $(LIB)/libcab.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@

TESTS += $$(patsubst tests/$(1)/%.c,$(TST)/$(1)/%,$$(wildcard tests/$(1)/test_*.c))
$(OBJ)/tests/$(1)/%.o: CFLAGS += -I$(2)
$(TST)/$(1)/%: $(OBJ)/tests/$(1)/%.o $(LIB)/lib$(1).a $(LIB)/libcab.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -lcmocka -o $$@
endef

$(foreach s,$(SERVICES),$(eval $(call PART,$(s),services/$(s),cabinet-$(s))))

# The documents service alone reads files: libmagic (kind by content), libzip and
# libxml2 (Office Open XML), poppler-glib (PDF pages and text). Its objects, binary
# and tests get their flags; no other part links them. -isystem: their headers are
# not ours to warn about.
DOCS_PKGS   := poppler-glib libzip libxml-2.0 libmagic
DOCS_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(DOCS_PKGS) 2>/dev/null))
DOCS_LDLIBS := $(shell pkg-config --libs $(DOCS_PKGS) 2>/dev/null)
$(OBJ)/services/documents/%.o $(OBJ)/tests/documents/%.o: CFLAGS += $(DOCS_CFLAGS)
$(BIN)/cabinet-documents $(TST)/documents/%: LDLIBS += $(DOCS_LDLIBS)

# The notifications service alone sends mail and SMS (libcurl) and writes
# iCalendar (libical); its templates (one file per kind and language) are
# compiled into it like the migrations.
NOTIFY_PKGS   := libcurl libical
NOTIFY_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(NOTIFY_PKGS) 2>/dev/null))
NOTIFY_LDLIBS := $(shell pkg-config --libs $(NOTIFY_PKGS) 2>/dev/null)
NOTIFY_TMPL   := $(sort $(wildcard services/notifications/templates/*.tmpl))
$(OBJ)/services/notifications/%.o $(OBJ)/tests/notifications/%.o: CFLAGS += $(NOTIFY_CFLAGS)
$(BIN)/cabinet-notifications $(TST)/notifications/%: LDLIBS += $(NOTIFY_LDLIBS)
$(GEN)/notifications_templates.c: $(NOTIFY_TMPL) $(EMBED)
	$(EMBED) notify_templates $@ $(NOTIFY_TMPL)
$(LIB)/libnotifications.a: $(OBJ)/gen/notifications_templates.o

$(eval $(call PART,gateway,gateway,cabinet-gateway))

# The gateway's registry of message types (gateway/schemas.c): every message
# descriptor the generated headers declare, so a payload is turned into JSON
# by its schema name and a new .proto needs no edit anywhere to be known.
$(GEN)/gateway_schemas.c: $(PROTO_H)
	@mkdir -p $(dir $@)
	{ for h in $(PROTO_H:$(GEN)/%=%); do echo "#include \"$$h\""; done; \
	  echo 'const ProtobufCMessageDescriptor *const gw_schema_list[] = {'; \
	  sed -n 's/^extern const ProtobufCMessageDescriptor \([a-z0-9_]*\);$$/    \&\1,/p' $(PROTO_H); \
	  echo '    NULL,'; echo '};'; } >$@
$(LIB)/libgateway.a: $(OBJ)/gen/gateway_schemas.o

# shared library tests
TESTS += $(patsubst tests/shared/%.c,$(TST)/shared/%,$(wildcard tests/shared/test_*.c))
$(TST)/shared/%: $(OBJ)/tests/shared/%.o $(LIB)/libcab.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# development Kafka broker (librdkafka mock cluster)
$(BIN)/cabinet-broker: $(OBJ)/tools/broker.o $(LIB)/libcab.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# open-loop load for `make bench` (libcurl's multi interface)
$(PACED): tools/paced.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NOTIFY_CFLAGS) $< $(shell pkg-config --libs libcurl 2>/dev/null) -lm -o $@

# the storm's live streams, read from one thread (epoll, jansson)
$(SSEWATCH): tools/sse_watch.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -ljansson -o $@

# integration test programs (C), run by integration/test_*.sh with live services
ITESTS := $(patsubst integration/%.c,$(BUILD)/integration/%,$(wildcard integration/*.c))
$(BUILD)/integration/%: $(OBJ)/integration/%.o $(LIB)/libcab.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

unit-tests: $(TESTS) $(ITESTS)

# the services, in start order, for scripts (integration/lib.sh, deploy/run.sh)
print-services:
	@echo $(SERVICES)

# ---- what people type -----------------------------------------------------
deps:
	@deploy/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) deploy/run.sh

test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run-all.sh

unit-test: all
	@BUILD=$(BUILD) tests/run-all.sh unit

integration-test: all
	@BUILD=$(BUILD) tests/run-all.sh integration

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bench/run.sh

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its seed corpus.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined $(INCS) -w
FUZZ_PBJSON  := fuzz/fuzz_pbjson.c shared/cab_pbjson.c shared/cab_utf8.c shared/cab_arena.c \
                $(GEN)/cabinet/v1/identity.pb-c.c $(GEN)/cabinet/v1/rpc.pb-c.c
$(BUILD)/fuzz/fuzz_pbjson: $(FUZZ_PBJSON) | $(PROTO_H)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(FUZZ_PBJSON) -ljansson -lprotobuf-c -lutf8proc -lcrypto -o $@

FUZZ_MULTIPART := fuzz/fuzz_multipart.c gateway/multipart.c shared/cab_utf8.c shared/cab_arena.c
$(BUILD)/fuzz/fuzz_multipart: $(FUZZ_MULTIPART)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Igateway $(FUZZ_MULTIPART) -lutf8proc -lprotobuf-c -o $@
FUZZ_LEGACY  := fuzz/fuzz_legacy.c services/documents/legacy.c shared/cab_utf8.c shared/cab_arena.c
$(BUILD)/fuzz/fuzz_legacy: $(FUZZ_LEGACY)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Iservices/documents $(FUZZ_LEGACY) -lutf8proc -lprotobuf-c -o $@

# The page counters and file analysis of the documents service on untrusted files.
FUZZ_PAGES := fuzz/fuzz_pages.c $(addprefix services/documents/,analyze.c filetype.c ooxml.c \
                pdf.c signature.c rules.c legacy.c) shared/cab_log.c shared/cab_config.c \
              shared/cab_utf8.c shared/cab_arena.c shared/cab_uuid.c shared/cab_crypto.c \
              shared/cab_actor.c \
              $(GEN)/cabinet/v1/documents.pb-c.c
$(BUILD)/fuzz/fuzz_pages: $(FUZZ_PAGES) | $(PROTO_H)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Iservices/documents $(DOCS_CFLAGS) $(FUZZ_PAGES) $(DOCS_LDLIBS) \
	  -lprotobuf-c -lutf8proc -lcrypto -o $@

fuzz: deps $(BUILD)/fuzz/fuzz_pbjson $(BUILD)/fuzz/fuzz_multipart $(BUILD)/fuzz/fuzz_legacy \
      $(BUILD)/fuzz/fuzz_pages
	@mkdir -p $(BUILD)/fuzz/corpus-pbjson $(BUILD)/fuzz/corpus-multipart $(BUILD)/fuzz/corpus-legacy \
	  $(BUILD)/fuzz/corpus-pages
	$(BUILD)/fuzz/fuzz_pbjson -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  $(BUILD)/fuzz/corpus-pbjson fuzz/corpus/pbjson
	$(BUILD)/fuzz/fuzz_multipart -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	  $(BUILD)/fuzz/corpus-multipart fuzz/corpus/multipart
	$(BUILD)/fuzz/fuzz_legacy -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  $(BUILD)/fuzz/corpus-legacy fuzz/corpus/legacy
	$(BUILD)/fuzz/fuzz_pages -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2560 \
	  $(BUILD)/fuzz/corpus-pages fuzz/corpus/pages

C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
lint:
	clang-format --dry-run --Werror $(C_FILES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	  --suppress=missingIncludeSystem --inline-suppr -Ishared -I$(GEN) $(filter %.c,$(C_FILES))

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: FORCE
FORCE:

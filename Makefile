# Native parts: the probe fork server (src/helper/native). `make install` installs the helper alone for
# headless servers, as the seed's Makefile did (see README).
CC ?= cc
CFLAGS ?= -O2 -Wall -Wextra -Werror=implicit-function-declaration
OUT := dist/native
NATIVE_SRC := $(wildcard src/helper/native/*.c)
NATIVE_BIN := $(patsubst src/helper/native/%.c,$(OUT)/%,$(NATIVE_SRC))

.PHONY: native clean
native: $(NATIVE_BIN)

$(OUT)/%: src/helper/native/%.c
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -o $@ $<

clean:
	rm -rf dist

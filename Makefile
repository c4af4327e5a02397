# Native parts: the probe fork server (src/node/native, run by the daemon and the app), the helper's
# peer-credentials addon (src/helper/native, an N-API module: ABI-stable across Node versions) and the
# helper's unmount program (src/helper/native/msm-*.c, plain executables).
# `make install` installs the helper alone for headless servers, as the seed's Makefile did (see docs/admin-guide.md).
CC ?= cc
CFLAGS ?= -O2 -Wall -Wextra -Werror=implicit-function-declaration
OUT := dist/native
NATIVE_SRC := $(wildcard src/node/native/*.c)
NATIVE_BIN := $(patsubst src/node/native/%.c,$(OUT)/%,$(NATIVE_SRC))
HELPER_PROGRAM_SRC := $(wildcard src/helper/native/msm-*.c)
HELPER_PROGRAM_BIN := $(patsubst src/helper/native/%.c,$(OUT)/%,$(HELPER_PROGRAM_SRC))
ADDON_SRC := $(filter-out $(HELPER_PROGRAM_SRC),$(wildcard src/helper/native/*.c))
ADDON_BIN := $(patsubst src/helper/native/%.c,$(OUT)/%.node,$(ADDON_SRC))
# Node's headers (node_api.h) ship with every Node install, beside its bin/. Under npm scripts `node` is
# the Node 24 npm ci installed (node_modules/.bin comes first on their PATH), so these are its headers.
NODE_INCLUDE ?= $(shell node -p "require('path').resolve(process.execPath, '../../include/node')")
ADDON_LDFLAGS := -shared $(if $(filter Darwin,$(shell uname -s)),-undefined dynamic_lookup,)

.PHONY: native clean
native: $(NATIVE_BIN) $(HELPER_PROGRAM_BIN) $(ADDON_BIN)

$(OUT)/%: src/node/native/%.c
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -o $@ $<

# msm-prober is its server (msm-prober.c) and its parts in msm-prober/ (the probe, owners' identities).
PROBER_PARTS := $(wildcard src/node/native/msm-prober/*.c)
$(OUT)/msm-prober: src/node/native/msm-prober.c $(PROBER_PARTS) $(wildcard src/node/native/msm-prober/*.h)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -o $@ src/node/native/msm-prober.c $(PROBER_PARTS)
$(OUT)/%: src/helper/native/%.c
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -o $@ $<

$(OUT)/%.node: src/helper/native/%.c
	@mkdir -p $(OUT)
	@test -f $(NODE_INCLUDE)/node_api.h || { echo "make: no node_api.h in $(NODE_INCLUDE): set NODE_INCLUDE to Node's include/node" >&2; exit 2; }
	$(CC) $(CFLAGS) -fPIC -I$(NODE_INCLUDE) $(ADDON_LDFLAGS) -o $@ $<

clean:
	rm -rf dist

# ---------------------------------------------------------------------------------------------------
# Helper-only install for headless servers (no Electron), after `npm ci` (which builds dist/):
#   sudo make install                       # PREFIX=/usr/local; DESTDIR=/staging for packaging
#   sudo make uninstall
# Installs the compiled helper (dist/src/common, dist/src/node, dist/src/helper, dist/native) with its one runtime
# dependency into $(PREFIX)/lib/mount-status-monitor, links $(PREFIX)/bin/mountstatus, puts the systemd
# unit (ExecStart adjusted to PREFIX) in $(UNITDIR) and the sample config in $(SYSCONFDIR) if absent.
# Needs Node.js >= 24 as `node` on root's PATH (the unit runs `#!/usr/bin/env node`); INSTALL_NODE=/path/to/node
# writes that interpreter into ExecStart instead.
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
UNITDIR ?= $(SYSCONFDIR)/systemd/system
# Not NODE: npm exports NODE (its own node) to every script it runs, and make would take it from the environment.
INSTALL_NODE ?=
LIBDIR := $(PREFIX)/lib/mount-status-monitor
BINDIR := $(PREFIX)/bin
DOCDIR := $(PREFIX)/share/doc/mount-status-monitor
# The helper's bare imports (grep "from '" dist/src/helper dist/src/node dist/src/common); test/build checks the list.
HELPER_DEPS := zod
UNIT := mount-status-monitor.service
EXEC_START := $(if $(INSTALL_NODE),$(INSTALL_NODE) $(LIBDIR)/bin/mountstatus.js,$(BINDIR)/mountstatus) daemon

.PHONY: install uninstall
install: native
	@test -f dist/src/helper/cli/main.js || { echo "make install: the helper is not compiled: run npm ci (or npm run build) first" >&2; exit 2; }
	install -d $(DESTDIR)$(LIBDIR)/bin $(DESTDIR)$(LIBDIR)/dist/native $(DESTDIR)$(LIBDIR)/node_modules $(DESTDIR)$(BINDIR)
	install -m 0644 package.json $(DESTDIR)$(LIBDIR)/package.json
	install -m 0755 bin/mountstatus.js $(DESTDIR)$(LIBDIR)/bin/mountstatus.js
	install -m 0755 $(NATIVE_BIN) $(HELPER_PROGRAM_BIN) $(DESTDIR)$(LIBDIR)/dist/native/
	install -m 0644 $(ADDON_BIN) $(DESTDIR)$(LIBDIR)/dist/native/
	cd dist/src && find common node helper -name '*.js' -exec install -D -m 0644 {} $(DESTDIR)$(LIBDIR)/dist/src/{} \;
	for d in $(HELPER_DEPS); do rm -rf $(DESTDIR)$(LIBDIR)/node_modules/$$d && cp -R node_modules/$$d $(DESTDIR)$(LIBDIR)/node_modules/$$d || exit 1; done
	ln -sfn ../lib/mount-status-monitor/bin/mountstatus.js $(DESTDIR)$(BINDIR)/mountstatus
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/docs docs/*.md
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|^ExecStart=.*|ExecStart=$(EXEC_START)|' \
	    -e 's|file:///usr/share/doc/mount-status-monitor/|file://$(DOCDIR)/|' \
	    build/service/$(UNIT) > $(DESTDIR)$(UNITDIR)/$(UNIT)
	chmod 0644 $(DESTDIR)$(UNITDIR)/$(UNIT)
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/mount-status-monitor.conf ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/mount-status-monitor.conf"; \
	else install -D -m 0644 build/service/mount-status-monitor.conf $(DESTDIR)$(SYSCONFDIR)/mount-status-monitor.conf; fi
	@echo "Installed. Start the service: systemctl daemon-reload && systemctl enable --now mount-status-monitor"

# Talk to the running systemd only for a real install into its own unit directory (sd_booted(3)).
SYSTEMD_LIVE := [ -z "$(DESTDIR)" ] && [ "$(UNITDIR)" = /etc/systemd/system ] && [ -d /run/systemd/system ]

# Removes what install put there. The config goes only if it is still the unchanged sample.
uninstall:
	@if $(SYSTEMD_LIVE); then systemctl disable --now $(UNIT) || true; fi
	rm -f $(DESTDIR)$(UNITDIR)/$(UNIT) $(DESTDIR)$(BINDIR)/mountstatus
	rm -rf $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DOCDIR)
	@if $(SYSTEMD_LIVE); then systemctl daemon-reload || true; fi
	@conf=$(DESTDIR)$(SYSCONFDIR)/mount-status-monitor.conf; \
	if cmp -s build/service/mount-status-monitor.conf $$conf; then rm -f $$conf; \
	elif [ -e $$conf ]; then echo "kept $$conf (changed from the sample)"; fi

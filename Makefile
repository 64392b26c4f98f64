# The two commands a new user needs: `make demo` and `make test`.
# `make install` / `make uninstall` / `make install-check`: see docs/operations.md.
.PHONY: demo test build release install uninstall install-check

# Where things go (DESTDIR is prepended to every path, for staging).
PREFIX ?= $(HOME)/.local
BINDIR ?= $(PREFIX)/bin
CONFIG_HOME ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)
UNITDIR ?= $(CONFIG_HOME)/systemd/user
CONFDIR ?= $(CONFIG_HOME)/clusterd
DESTDIR ?=

# The release build links the Swift runtime statically, so the binaries run on login nodes without a toolchain.
# It gets its own scratch path: switching static <-> dynamic would rebuild every module.
STATIC_SCRATCH ?= .build-static
STATIC_BIN = $(STATIC_SCRATCH)/release
PROGRAMS = clusterd clusterctl pbs-emu
# The unit starts %h/.local/bin/clusterd; another BINDIR is written into the installed copy.
UNIT_BINDIR = $(if $(filter $(HOME)/.local/bin,$(BINDIR)),%h/.local/bin,$(BINDIR))

demo:
	scripts/demo.sh

test:
	scripts/test.sh

build:
	swift build

# --no-export-dynamic undoes the toolchain's -export-dynamic for static builds: nothing looks symbols up at run
# time, and the exported table costs the idle daemon 1.6 MB of RSS. -Osize: the idle daemon's RSS follows the size
# of its code, and nothing it runs is CPU-bound (docs/performance.md, "Daemon idle cost").
release:
	swift build -c release --static-swift-stdlib --scratch-path $(STATIC_SCRATCH) -Xlinker --no-export-dynamic \
	    -Xswiftc -Osize

install: release
	install -d -m 0755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)"
	install -d -m 0700 "$(DESTDIR)$(CONFDIR)"
	for p in $(PROGRAMS); do install -m 0755 "$(STATIC_BIN)/$$p" "$(DESTDIR)$(BINDIR)/$$p" || exit 1; done
	if command -v strip >/dev/null; then \
	    for p in $(PROGRAMS); do strip "$(DESTDIR)$(BINDIR)/$$p" || exit 1; done; fi
	sed 's|%h/\.local/bin/|$(UNIT_BINDIR)/|' systemd/clusterd.service > "$(DESTDIR)$(UNITDIR)/clusterd.service.tmp"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/clusterd.service.tmp"
	mv "$(DESTDIR)$(UNITDIR)/clusterd.service.tmp" "$(DESTDIR)$(UNITDIR)/clusterd.service"
	if [ -e "$(DESTDIR)$(CONFDIR)/clusterd.toml" ]; then \
	    echo "keeping the existing $(DESTDIR)$(CONFDIR)/clusterd.toml"; \
	else \
	    install -m 0600 config/clusterd.example.toml "$(DESTDIR)$(CONFDIR)/clusterd.toml"; \
	    echo "installed the example configuration: edit $(DESTDIR)$(CONFDIR)/clusterd.toml"; \
	fi
	@echo "next: systemctl --user daemon-reload && systemctl --user enable --now clusterd"

# Removes the binaries and the unit; the configuration and the state directory stay.
uninstall:
	@systemctl --user disable --now clusterd 2>/dev/null || true
	for p in $(PROGRAMS); do rm -f "$(DESTDIR)$(BINDIR)/$$p"; done
	rm -f "$(DESTDIR)$(UNITDIR)/clusterd.service"
	@systemctl --user daemon-reload 2>/dev/null || true
	@echo "kept $(DESTDIR)$(CONFDIR) and the state directory (~/.local/state/clusterd)"

# Checks an installation: no Swift toolchain needed at run time, no libswift* linked, the unit verifies.
install-check:
	BINDIR="$(DESTDIR)$(BINDIR)" UNITDIR="$(DESTDIR)$(UNITDIR)" scripts/install-check.sh

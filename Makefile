# Plumb's two set-up commands, `make run` and `make test`, plus the steps they are made of.
# Both install whatever is missing on a fresh Debian machine (apt packages, wasm-bindgen-cli at
# the wasm-bindgen crate's exact version, npm packages), skip what is already there, and stop
# with the reason when something cannot be done.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := rustc-web cargo-web rust-web-src chromium brotli openssl

# Two Rust toolchains, kept apart (shared/notes/wasm-toolchain.md): rustup's builds the server,
# Debian's rustc-web builds the wasm bundle with the standard library compiled from source.
HOST_CARGO := $(shell rustup which cargo 2>/dev/null || command -v cargo)
HOST_RUSTC := $(shell rustup which rustc 2>/dev/null || command -v rustc)
HOST := RUSTC=$(HOST_RUSTC) $(HOST_CARGO)
RUST_LLD := $(shell $(HOST_RUSTC) --print sysroot 2>/dev/null)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld
# The standard library is compiled from source anyway, so it is compiled for size too, and with
# panics that trap at once: no panic messages, formatting or file names in the bundles (a panic
# in the browser had no message to show before either, with panic=abort and no hook).
WASM_RUSTFLAGS := -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none
WASM_CARGO := RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=$(RUST_LLD) \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$(WASM_RUSTFLAGS)" /usr/bin/cargo
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
WASM_BINDGEN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin/wasm-bindgen
WASM_OPT := end2end/node_modules/.bin/wasm-opt

SITE := target/site
WASM_DIR := target/front/wasm32-unknown-unknown/wasm-release

# PostgreSQL for the test suite: the machine's server, started (or installed) when needed.
PLUMB_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export PLUMB_TEST_POSTGRES_URL

.PHONY: help run test deps deps-apt deps-wasm-bindgen deps-npm site server-release postgres \
        server-debug test-rust test-e2e check clean

help:
	@echo "make run    install what is missing, build, and start Plumb on SQLite (http://127.0.0.1:3000)"
	@echo "make test   every test: lints, unit, integration on SQLite and PostgreSQL, browser end-to-end"
	@echo "make check  formatting and lints"
	@echo "make bench  benchmarks on this machine, written to BENCHMARKS.md (takes about 15 minutes)"

run: deps site server-release
	@echo
	@echo "  Plumb is starting at $${PLUMB_PUBLIC_URL:-http://127.0.0.1:3000}"
	@echo "  Dashboard:   $${PLUMB_PUBLIC_URL:-http://127.0.0.1:3000}/dashboard"
	@echo "  API key:     target/release/plumb api-keys create   (same PLUMB_* variables)"
	@echo "  Database:    $${PLUMB_DATABASE_URL:-sqlite://data/plumb.db}"
	@echo
	exec target/release/plumb serve

test: deps postgres site check test-rust test-e2e bench-smoke
	@echo "All tests passed."

# --- set-up -------------------------------------------------------------------------------

deps: deps-apt deps-wasm-bindgen deps-npm

deps-apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	    || { echo "error: could not install$$missing with apt-get" >&2; exit 1; }; \
	fi
	@[ -n "$(HOST_CARGO)" ] || { echo "error: no Rust toolchain: install rustup's stable toolchain" >&2; exit 1; }
	@[ -x "$(RUST_LLD)" ] || { echo "error: rust-lld not found at $(RUST_LLD) (it ships with rustup's toolchain)" >&2; exit 1; }

deps-wasm-bindgen:
	@[ -n "$(WASM_BINDGEN_VERSION)" ] || { echo "error: wasm-bindgen is not in Cargo.lock" >&2; exit 1; }
	@if [ "$$($(WASM_BINDGEN) --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (takes a few minutes once)"; \
	  $(HOST) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; \
	fi

deps-npm: end2end/node_modules/.installed

end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

# --- build --------------------------------------------------------------------------------

# The site the server serves: two hydrate bundles, the dashboard's (`frontend`) and the end-user
# widget's (`frontend/widget`), each through wasm-bindgen and wasm-opt from npm's binaryen
# (Debian's binaryen 108 breaks hydration); the stylesheet; all of them under content-hashed
# names with .br and .gz beside them (frontend/package-site.sh); and public/.
site: deps
	$(WASM_CARGO) build -p frontend -p widget --lib --target wasm32-unknown-unknown \
	  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
	  --profile wasm-release --target-dir target/front
	frontend/package-site.sh $(SITE) $(WASM_DIR) $(WASM_BINDGEN) $(WASM_OPT)
	cp -r public/. $(SITE)/

server-release:
	$(HOST) build --release -p server

# --- tests --------------------------------------------------------------------------------

postgres:
	@if ! command -v pg_ctlcluster >/dev/null 2>&1; then \
	  echo "Installing PostgreSQL"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	  for f in /etc/postgresql/*/main/pg_hba.conf; do \
	    $(SUDO) sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$$f"; \
	  done; \
	fi
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "Starting PostgreSQL"; \
	  for v in $$(ls /etc/postgresql); do \
	    $(SUDO) pg_ctlcluster --skip-systemctl-redirect "$$v" main start || true; \
	  done; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@psql "$(PLUMB_TEST_POSTGRES_URL)" -qtAc "select 1" >/dev/null || { \
	  echo "error: PostgreSQL is not reachable at $(PLUMB_TEST_POSTGRES_URL) (the suite needs trust auth for postgres on 127.0.0.1)" >&2; exit 1; }
	@# Databases left by an interrupted test run.
	@for db in $$(psql "$(PLUMB_TEST_POSTGRES_URL)" -qtAc "select datname from pg_database where datname like 'plumb_test_%'"); do \
	  psql "$(PLUMB_TEST_POSTGRES_URL)" -qc "drop database if exists \"$$db\" with (force)"; \
	done

test-rust:
	$(HOST) test -p server -p app

# The debug server the browser suite and the bench smoke start. Built by `cargo test` rather than
# `cargo build`: with the test suite's dev-dependencies the features of axum, sqlx and others
# differ, and `cargo build` recompiled some twenty crates that `make test-rust` had just built.
server-debug:
	$(HOST) test -p server -p app --no-run

test-e2e: deps site server-debug
	cd end2end && npx playwright test

check:
	$(HOST_CARGO) fmt --all --check
	$(HOST) clippy -p server -p app --all-targets -- -D warnings

clean:
	rm -rf target end2end/node_modules end2end/test-results

# --- benchmarks -----------------------------------------------------------------------------
# `make bench` measures this machine and rewrites BENCHMARKS.md and its plot (see the harness in
# server/benches/load). `make bench-smoke` runs one short iteration of everything on the debug
# build, only so the harness cannot rot; `make test` runs it and asserts no timing.

BENCH_APT_PACKAGES := wrk brotli

.PHONY: bench bench-smoke deps-bench

deps-bench:
	@missing=""; \
	for p in $(BENCH_APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	    || { echo "error: could not install$$missing with apt-get" >&2; exit 1; }; \
	fi

bench: deps deps-bench postgres site server-release
	$(HOST) bench -p server --bench micro
	PLUMB_BIN=target/release/plumb PLUMB_BENCH_POSTGRES_URL=$(PLUMB_TEST_POSTGRES_URL) \
	  $(HOST) bench -p server --bench load

bench-smoke: deps deps-bench postgres site server-debug
	$(HOST) bench -p server --profile dev --bench micro -- --test
	PLUMB_BENCH_SMOKE=1 PLUMB_BIN=target/debug/plumb PLUMB_BENCH_OUT=target/bench-smoke \
	  PLUMB_BENCH_POSTGRES_URL=$(PLUMB_TEST_POSTGRES_URL) $(HOST) bench -p server --profile dev --bench load

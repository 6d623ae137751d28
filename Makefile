# Quick start: `make build` (set up and build content/), then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: speech (espeak-ng), audio encoding (ffmpeg), fast font subsetting
# (libharfbuzz-subset0), PDF text checks (poppler-utils), msgfmt (gettext), fallback fonts
# for scripts Atkinson Hyperlegible lacks (Arabic among them); braille (liblouis, its tables and
# Python binding); Java for EPUBCheck; Chromium for the accessibility checks of the site and the
# EPUB (axe-core, DAISY Ace); zbar-tools to read the leaflet's QR code back; pandoc and po4a
# are the benchmark baselines.
SYSTEM_PACKAGES := espeak-ng ffmpeg libharfbuzz-subset0 poppler-utils gettext \
	fonts-dejavu-core fonts-noto-core pandoc po4a \
	liblouis-bin liblouis-data python3-louis default-jre-headless chromium zbar-tools

.PHONY: build setup system test test-quick fuzz bench lint clean

build: setup
	$(BIN)/publish build

setup: system $(VENV)/.installed node_modules/.installed

system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@# npm may come with another build of Node.js: install Debian's only when there is none.
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

$(VENV)/.installed: pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Test-only checkers from npm (axe-core, puppeteer-core, DAISY Ace). They drive Debian's
# chromium: nothing downloads a browser or Electron.
node_modules/.installed: package.json package-lock.json
	ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts
	touch $@

test: setup
	$(BIN)/pytest -q

test-quick: setup
	$(BIN)/pytest -q -m "not corpus and not slow"

# The property tests with 10,000 examples each (the test suite runs a few dozen).
fuzz: setup
	PUBLISH_FUZZ=long $(BIN)/pytest -q -p no:cacheprovider tests/test_fuzz.py

bench: setup
	$(BIN)/python -m benchmarks

lint: setup
	$(BIN)/ruff check publish tests benchmarks

clean:
	rm -rf dist .publish-cache node_modules

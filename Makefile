# The two commands of the README:
#   make serve   set up, build the site and serve it on http://127.0.0.1:8000/ (PORT=N for another port)
#   make test    set up and run every test (native, in Chromium, and a smoke suite in Firefox and WebKit)
# Setting up means: a virtualenv with the pinned Python packages, the pinned npm runtime (npm ci), and,
# for the tests, Debian's chromium, firefox-esr, webkit2gtk-driver (WebKit, Safari's engine) and xvfb. The dataset and the Pyodide wheels default to ../shared when it
# is beside the repository; elsewhere the build fetches them (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED := $(abspath ../shared)

ifeq ($(TINY_IMAGENET_DIR),)
  ifneq ($(wildcard $(SHARED)/data/tiny-imagenet-10),)
    export TINY_IMAGENET_DIR := $(SHARED)/data/tiny-imagenet-10
  endif
endif
ifeq ($(PYODIDE_WHEELS),)
  ifneq ($(wildcard $(SHARED)/pyodide-0.27.7),)
    export PYODIDE_WHEELS := $(SHARED)/pyodide-0.27.7
  endif
endif
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: serve build test bench setup clean test-browsers

serve: $(VENV)/.run node_modules/.installed
	$(PY) build.py serve $(if $(PORT),--port $(PORT))

build: $(VENV)/.run node_modules/.installed
	$(PY) build.py

test: $(VENV)/.dev node_modules/.installed test-browsers
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev node_modules/.installed /usr/bin/chromium
	$(PY) tests/bench/bench_load.py

setup: $(VENV)/.dev node_modules/.installed

clean:
	rm -rf dist .cache .pytest_cache

# Python: the runtime packages for the build, the test tools (and PyTorch for the parity test) for tests.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.run: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-train.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-train.txt \
	  || echo "make: PyTorch could not be installed; the PyTorch parity test will be skipped"
	touch $(VENV)/.run $@

# The browser runtime: Pyodide and PyScript exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm; }
	npm ci --no-audit --no-fund
	touch $@

/usr/bin/chromium:
	$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium

# The browsers the tests drive (package:file it installs), installed together, and only those missing.
TEST_BROWSERS := chromium:/usr/bin/chromium firefox-esr:/usr/bin/firefox-esr \
  webkit2gtk-driver:/usr/bin/WebKitWebDriver xvfb:/usr/bin/Xvfb
test-browsers:
	@missing=""; for pair in $(TEST_BROWSERS); do [ -e "$${pair#*:}" ] || missing="$$missing $${pair%%:*}"; done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) apt-get install -y $$missing; fi

# DermaFollow developer commands. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed
ARGS ?=

.PHONY: run job test lint typecheck unit functional packaging e2e web-test web-build package bench deps clean prereqs audit restore-drill

# What a fresh machine must have, each missing piece named in one line: Python 3.11+ with venv
# (Debian splits ensurepip into python3-venv) and Node.js 20.19+ or 22.12+ (Vite 8's floor).
prereqs:
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (python3 is $$(python3 --version 2>&1))."; exit 1; }
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { echo "python3 cannot create virtual environments: install Debian's python3-venv (apt-get install python3-venv)."; exit 1; }
	@command -v node >/dev/null 2>&1 || { echo "Node.js is needed: install Node.js 20.19+ or 22.12+ (with npm)."; exit 1; }
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' || { echo "Node.js $$(node --version) is too old for Vite 8: install Node.js 20.19+ or 22.12+."; exit 1; }

$(STAMP): requirements.txt requirements-dev.txt | prereqs
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q -r requirements-dev.txt
	touch $(STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json | prereqs
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

deps: $(STAMP) $(WEB_STAMP)

web/dist/index.html: $(WEB_STAMP) $(shell find web/src web/public web/index.html -type f 2>/dev/null)
	cd web && npm run build

web-build: web/dist/index.html

run: deps web-build
	$(PY) -m local.run $(ARGS)

# Run a scheduled job of the running local stack now: make job NAME=<function name> (no NAME: list them).
job: $(STAMP)
	$(PY) -m local.run job $(NAME) $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

functional: $(STAMP)
	$(PY) -m pytest -q tests/functional

packaging: $(STAMP)
	$(PY) -m pytest -q tests/packaging

e2e: deps web-build
	$(PY) -m pytest -q tests/e2e

web-test: $(WEB_STAMP)
	cd web && npm run typecheck && npm run lint && npm test

# The unit and functional tiers are CPU-bound and independent (each test its own moto state, each worker
# its own moto server): they share both cores (about 9 CPU-minutes in half the time). Packaging builds
# into build/ and the browser tests share one local stack, so those run one at a time.
test: deps web-build lint web-test
	$(PY) -m pytest -q -n 2 --dist worksteal tests/unit tests/functional
	$(PY) -m pytest -q --durations=15 tests/packaging tests/e2e

package: $(STAMP)
	bash infrastructure/package.sh

# Known vulnerabilities in what ships: the Python runtime dependencies and the measuring layer's pins
# (pip-audit), and the web app's dependencies at high severity and above (npm audit). Accepted findings,
# each with its reason, are in infrastructure/allowed-vulnerabilities.txt. Both ask their advisory
# databases over the network, so this runs where those can be reached (not part of `make test`).
ALLOWED_VULNS := $(shell sed -n 's/^\([A-Za-z][A-Za-z0-9-]*\)[[:space:]].*/--ignore-vuln \1/p' infrastructure/allowed-vulnerabilities.txt)
audit: $(STAMP) $(WEB_STAMP)
	$(VENV)/bin/pip-audit --strict --progress-spinner off $(ALLOWED_VULNS) -r requirements.txt -r layers/lesionmetrics/requirements.txt
	cd web && npm audit --audit-level=high --omit=dev

# Backup and restore drill on the local AWS emulation (README, "Backup and restore"); also in make test.
restore-drill: $(STAMP)
	$(PY) -m pytest -q -s tests/functional/test_restore_drill.py

BENCHES := cold_start signaling_cost signaling_latency signaling_load timeline encryption call_setup call_recovery image_pipeline analytics mesh api_load lesion_metrics

# Every benchmark, or one: make bench NAME=call_setup
bench: $(STAMP)
	@set -e; for name in $(if $(NAME),$(NAME),$(BENCHES)); do echo "== bench.$$name"; $(PY) -m bench.$$name; done

clean:
	rm -rf build web/dist

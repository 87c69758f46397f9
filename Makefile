# Cunyue: `make run` serves the app, `make test` runs the whole suite. Nothing else is needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 4
THREADS ?= 2
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := app

.PHONY: run dev test test-sqlite test-postgres lint translations i18n-extract browser bench bench-scan bench-phone clean assets screenshots

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

# The compiled catalogues (.mo) are built, not committed.
translations: $(VENV)/.installed-run
	@$(BIN)/pybabel compile -d app/translations >/dev/null 2>&1 || $(BIN)/pybabel compile -d app/translations

# Browser libraries from npm (package-lock.json pins them), copied with their licence files
# into app/static/vendor/, which is not committed; copied again when this file changes what
# is copied. ECharts' "common" build: the "simple" one has no legend and no tooltip.
VENDOR := app/static/vendor
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(VENDOR)/.copied: node_modules/.package-lock.json Makefile
	mkdir -p $(VENDOR)
	cp node_modules/jsqr/dist/jsQR.js $(VENDOR)/jsQR.js
	cp node_modules/jsqr/LICENSE $(VENDOR)/jsQR.LICENSE.txt
	cp node_modules/echarts/dist/echarts.common.min.js $(VENDOR)/echarts.min.js
	cp node_modules/echarts/LICENSE $(VENDOR)/echarts.LICENSE.txt
	cp node_modules/echarts/NOTICE $(VENDOR)/echarts.NOTICE.txt
	cp node_modules/zrender/LICENSE $(VENDOR)/zrender.LICENSE.txt
	cp node_modules/tslib/LICENSE.txt $(VENDOR)/tslib.LICENSE.txt
	cp node_modules/barcode-detector/dist/iife/ponyfill.js $(VENDOR)/barcode-detector.js
	cp node_modules/barcode-detector/LICENSE $(VENDOR)/barcode-detector.LICENSE.txt
	cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm $(VENDOR)/zxing_reader.wasm
	cp node_modules/zxing-wasm/LICENSE $(VENDOR)/zxing-wasm.LICENSE.txt
	gzip -9 -n -k -f $(VENDOR)/jsQR.js $(VENDOR)/barcode-detector.js $(VENDOR)/zxing_reader.wasm \
		$(VENDOR)/echarts.min.js
	@touch $@

assets: $(VENDOR)/.copied

i18n-extract: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o app/translations/messages.pot app points store templates
	$(BIN)/pybabel update -N --no-fuzzy-matching -i app/translations/messages.pot -d app/translations

run: translations assets
	$(BIN)/flask backup --if-data
	$(BIN)/alembic upgrade head
	@if [ "$${CUNYUE_DEMO:-1}" != "0" ]; then $(BIN)/flask seed-demo --if-empty; fi
	@echo
	@echo "  Cunyue is at http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password cunyue-demo): admin, host, clerk, supervisor, resident"
	@echo
	exec $(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) \
		--logger-class app.logredact.AccessLogger 'app:create_app()'

dev: translations assets
	$(BIN)/flask backup --if-data
	$(BIN)/alembic upgrade head
	@if [ "$${CUNYUE_DEMO:-1}" != "0" ]; then $(BIN)/flask seed-demo --if-empty; fi
	$(BIN)/flask run --debug --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (never a browser download).
browser:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The README's phone screenshots (docs/screenshots/), taken by the browser journeys with
# Debian's Chinese fonts (not needed by `make test`, whose screenshots go to a temp folder).
# test_journeys.py comes after the counter camera test: its counter.png and receipt.png (the
# receipt as printed) are the README's.
SCREENSHOT_TESTS := tests/app/test_browser_counter_camera.py tests/app/test_journeys.py \
	tests/app/test_journeys_office.py
screenshots: $(VENV)/.installed-test translations assets browser
	@{ command -v fc-list >/dev/null && fc-list :lang=zh | grep -q .; } || { \
		echo "installing Debian's fonts-noto-cjk for the screenshots"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; }
	CUNYUE_SCREENSHOTS=docs/screenshots TEST_DATABASE_URL=sqlite $(BIN)/pytest -q \
		$(SCREENSHOT_TESTS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: $(VENV)/.installed-test translations assets browser lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(VENV)/.installed-test translations assets
	@echo "== tests on SQLite"
	TEST_DATABASE_URL=sqlite $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test translations assets
	@if $(BIN)/python -c "import sys, psycopg; u='$(TEST_DATABASE_URL)'.replace('postgresql+psycopg://','postgresql://'); psycopg.connect(u, connect_timeout=3).close()" 2>/dev/null; then \
		echo "== tests on PostgreSQL ($(TEST_DATABASE_URL))"; \
		TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/pytest -q $(PYTEST_ARGS); \
	elif [ "$${CUNYUE_SQLITE_ONLY:-0}" = "1" ]; then \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL); CUNYUE_SQLITE_ONLY=1, so only SQLite was tested"; \
	else \
		echo "ERROR: no PostgreSQL at $(TEST_DATABASE_URL). Start it, set TEST_DATABASE_URL," >&2; \
		echo "       or set CUNYUE_SQLITE_ONLY=1 to test on SQLite alone." >&2; \
		exit 1; \
	fi

# Not part of `make test`. SCALE=village: SQLite only, a few minutes. REUSE=1 keeps the
# county dataset loaded by an earlier run.
bench: $(VENV)/.installed-test translations assets
	@command -v wrk >/dev/null || { echo "installing Debian's wrk for the load runs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -u -m bench $(if $(SCALE),--scale $(SCALE),) $(if $(REUSE),--reuse,)
	$(MAKE) --no-print-directory bench-scan
	$(MAKE) --no-print-directory bench-phone

# Scan latency on a throttled phone in headless Chromium (bench/scan.py): a few minutes.
bench-scan: $(VENV)/.installed-test translations assets browser
	$(BIN)/python -u -m bench.scan

# The phone pages loaded cold over the slow line in headless Chromium (bench/phone.py): a minute.
bench-phone: $(VENV)/.installed-test translations assets browser
	$(BIN)/python -u -m bench.phone

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The single entry point. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Branch coverage of the SQLite run (settings in pyproject.toml's [tool.coverage]); `make test COVERAGE=` skips it.
COVERAGE := --cov --cov-report=term:skip-covered
FLASK := $(BIN)/flask --app wsgi
NHSUK := referral_service/web/static/nhsuk
ASSETS := $(NHSUK)/VERSION

.PHONY: run serve test test-sqlite test-postgres fuzz lint fmt typecheck migrate revision check-providers bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# NHS.UK frontend's compiled CSS, JS and images, from the npm registry, served by the app itself.
$(ASSETS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make: npm (Node.js) is needed to install the portal's NHS.UK frontend assets"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --silent
	rm -rf $(NHSUK) && mkdir -p $(NHSUK)
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js $(NHSUK)/
	# Served from our own origin: images relative to the stylesheet, and no web fonts from assets.nhs.uk
	# (Frutiger is licensed to NHS.UK; the design system's own fallback, Arial, is used instead).
	sed -e 's#url(/assets/#url(assets/#g' -e 's#@font-face{[^}]*}##g' \
		node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css > $(NHSUK)/nhsuk-frontend.min.css
	cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets $(NHSUK)/assets
	node -p "require('nhsuk-frontend/package.json').version" > $@

## run: set up, migrate, load the demo directory, identities and deprivation lookups, serve on http://127.0.0.1:$(PORT)
## and run the scheduler beside the web process (offer expiry, waiting lists, deliveries to referrers)
run: $(STAMP) $(ASSETS)
	REFERRAL_SERVICE_DEMO=1 $(FLASK) db upgrade
	REFERRAL_SERVICE_DEMO=1 $(FLASK) providers load providers/demo
	REFERRAL_SERVICE_DEMO=1 $(FLASK) demo seed
	REFERRAL_SERVICE_DEMO=1 $(FLASK) deprivation load --postcodes deprivation/demo/postcode_lsoa.csv --imd deprivation/demo/lsoa_imd.csv
	REFERRAL_SERVICE_DEMO=1 $(FLASK) pcns load deprivation/demo/practice_pcns.csv
	REFERRAL_SERVICE_DEMO=1 $(FLASK) practices load-list-sizes deprivation/demo/practice_list_sizes.csv
	REFERRAL_SERVICE_DEMO=1 $(FLASK) demo generate --referrals 2000 --settled-days 180 --unless-present
	@echo "== serving http://127.0.0.1:$(PORT)/ with the scheduler beside it (Ctrl-C stops both)"
	@REFERRAL_SERVICE_DEMO=1 $(FLASK) jobs run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	REFERRAL_SERVICE_DEMO=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

## serve: the production shape on DATABASE_URL (PostgreSQL): migrations first, then $(SCHEDULERS) scheduler
## process(es) and gunicorn with gunicorn.conf.py ($(WEB_WORKERS) workers on $(BIND)); see docs/deploy.md
WEB_WORKERS ?= 2
SCHEDULERS ?= 1
BIND ?= 127.0.0.1:8000
serve: $(STAMP) $(ASSETS)
	@test -n "$$DATABASE_URL" || { echo "make serve: set DATABASE_URL (postgresql://user@host/db)"; exit 1; }
	@export REFERRAL_SERVICE_ENV=$${REFERRAL_SERVICE_ENV:-production} REFERRAL_SERVICE_BIND=$(BIND) \
		REFERRAL_SERVICE_WEB_WORKERS=$(WEB_WORKERS); \
	$(FLASK) db upgrade || exit 1; \
	pids=""; for n in $$(seq $(SCHEDULERS)); do $(FLASK) jobs run & pids="$$pids $$!"; done; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM; \
	echo "== serving http://$(BIND)/ (gunicorn, $(WEB_WORKERS) workers) with $(SCHEDULERS) scheduler(s) (Ctrl-C stops all)"; \
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## test: the whole suite on SQLite (with its branch coverage), then on PostgreSQL when TEST_POSTGRES_URL answers
# pytest exits 5 when it collected no test: that is a failure here, never a pass.
test: $(STAMP) $(ASSETS)
	@set -u; ran=""; \
	echo "== tests on SQLite"; \
	$(BIN)/pytest $(COVERAGE) $(PYTEST_ARGS); code=$$?; \
	if [ $$code -eq 5 ]; then echo "make test: no tests were collected"; exit 1; fi; \
	if [ $$code -ne 0 ]; then echo "make test: FAILED on SQLite"; exit $$code; fi; \
	ran="SQLite"; \
	if $(BIN)/python -c "import sys, psycopg; psycopg.connect(sys.argv[1].replace('+psycopg', ''), connect_timeout=3).close()" "$(TEST_POSTGRES_URL)" 2>/dev/null; then \
		echo "== tests on PostgreSQL ($(TEST_POSTGRES_URL))"; \
		TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest $(PYTEST_ARGS); code=$$?; \
		if [ $$code -ne 0 ]; then echo "make test: passed on SQLite, FAILED on PostgreSQL"; exit 1; fi; \
		ran="SQLite and PostgreSQL"; \
	else \
		echo "== PostgreSQL at $(TEST_POSTGRES_URL) does not answer: its run is skipped"; \
	fi; \
	echo "make test: passed on $$ran"

test-sqlite: $(STAMP) $(ASSETS)
	$(BIN)/pytest $(COVERAGE) $(PYTEST_ARGS)

test-postgres: $(STAMP) $(ASSETS)
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest $(PYTEST_ARGS)

## fuzz: the property-based hostile-input tests at depth (thousands of examples each, SQLite unless TEST_DATABASE_URL)
fuzz: $(STAMP) $(ASSETS)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:cacheprovider tests/test_fuzz_endpoints.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/mypy referral_service
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy referral_service

migrate: $(STAMP)
	$(FLASK) db upgrade

## revision m="add offer expiry index": autogenerate a migration, then read and edit it
revision: $(STAMP)
	$(FLASK) db revision -m "$(m)"

## bench: the benchmark table (bench/run.py: PostgreSQL and SQLite, gunicorn.conf.py, baseline in the same run);
## BENCH_ARGS="--million" adds the report at 1M referrals, "--backends sqlite" skips PostgreSQL; see docs/performance.md
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

check-providers: $(STAMP)
	$(FLASK) providers check providers/demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache node_modules $(NHSUK)

# TalentLink: `make demo` serves the platform with demo data, `make test` runs every test.
# Both work on a fresh Debian machine: they create the virtualenv and install what is missing.

PY      := .venv/bin/python
STAMP   := .venv/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
APT     := DEBIAN_FRONTEND=noninteractive apt-get
# The embedded worker reloads with the code in development; runserver does too.
# Rows per city: enough that linkage leaves a few pairs for clerical review (none at 300).
DEMO_SIZE ?= 2000
PORT ?= 8000

.PHONY: demo serve test lint typecheck format messages makemessages system-deps browser-deps bench bench-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	rm -f .venv/.installed-* && touch $@

# Node.js draws the market report's charts for its PDF (ECharts' server-side rendering).
system-deps:  ## gettext compiles the message catalogues; Java runs Spark, linkage's scale-out backend
	@command -v msgfmt >/dev/null || ($(APT) update -qq && $(APT) install -y -qq gettext)
	@command -v java >/dev/null || ($(APT) update -qq && $(APT) install -y -qq default-jre-headless)
	@command -v node >/dev/null || ($(APT) update -qq && $(APT) install -y -qq nodejs)

browser-deps:  ## Debian's chromium for the page tests, CJK fonts for screenshots and PDFs, poppler to read PDFs back
	@test -x /usr/bin/chromium && command -v pdftoppm >/dev/null && fc-list | grep -qi "wqy\|noto sans cjk" || \
		($(APT) update -qq && $(APT) install -y -qq chromium fonts-wqy-zenhei poppler-utils)

messages: $(STAMP) system-deps
	$(PY) manage.py compilemessages --ignore=.venv -v0

APPS_OWN_LOCALE := credentials experts benefits talentcode

makemessages: $(STAMP) system-deps  ## refresh the catalogues after changing any label
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=bench --ignore=var --no-location \
		$(foreach app,$(APPS_OWN_LOCALE),--ignore=talentlink/$(app))
	for app in $(APPS_OWN_LOCALE); do \
		(cd talentlink/$$app && ../../$(PY) ../../manage.py makemessages -l zh_Hans --no-location) || exit 1; \
	done

demo: $(STAMP) messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo_load --size $(DEMO_SIZE)
	$(MAKE) --no-print-directory serve

# Ctrl-C reaches runserver (foreground); the worker, started in the background, ignores it and is
# stopped by the EXIT trap. (`kill 0` signalled make itself, which then died with a bogus
# "Segmentation fault".) INT/TERM are trapped so that the shell runs its EXIT trap before it exits.
serve:
	@echo "TalentLink on http://127.0.0.1:$(PORT) (Ctrl-C stops the server and the worker)"
	@$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 0' INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP) messages system-deps browser-deps
	TALENTLINK_TASKS=immediate TALENTLINK_DB_CONN_MAX_AGE=0 .venv/bin/pytest -n 2 -q

lint: $(STAMP) typecheck
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: $(STAMP)  ## mypy with Django's stubs over the platform's code and tests
	.venv/bin/mypy config talentlink

format: $(STAMP)
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench-deps:  ## wrk loads the online endpoints of bench/talent_code.py
	@command -v wrk >/dev/null || ($(APT) update -qq && $(APT) install -y -qq wrk)

bench: $(STAMP) bench-deps  ## every benchmark, each beside its baseline (long: see bench/README.md)
	$(PY) bench/import.py
	$(PY) bench/linkage.py
	$(PY) bench/assignment.py
	$(PY) bench/talent_code.py --http  # needs PostgreSQL and Redis on 127.0.0.1

clean:
	rm -rf var .venv

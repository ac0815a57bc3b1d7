# The two commands a user needs: `make run` and `make test`. Each sets itself up on first use.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-quick setup browser ingest bench audit lock clean

setup: $(STAMP)

# pip finds torch==2.13.0 (CPU) on this machine's disk; see pyproject.toml. requirements.lock pins
# every package that comes with ours, so a fresh machine gets the set that was tested and audited.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# glibc's malloc with two arenas: the app's memory over a 10-minute soak grew 1.0 MB/min instead of 3.3 (docs/operations.md, memory).
run: setup
	MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} $(PY) app.py

ingest: setup
	$(PY) ingest.py

# The browser test drives Debian's Chromium (and CJK fonts, for readable screenshots).
browser:
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium fonts-noto-cjk; }

test: setup browser
	$(PY) -m ruff check .
	$(PY) -m pytest -q --durations=25

# The quick loop while editing (under 3 minutes): every test but those marked slow in tests/conftest.py.
test-quick: setup
	$(PY) -m pytest -m "not slow" -q

bench: setup
	$(PY) -m rag.ops.bench

# Known advisories for every package of requirements.lock, each explained in rag/data/advisories.tsv.
audit: setup
	$(PY) -m rag.ops.audit

# After changing pyproject.toml: install without the old pins, then pin what was installed.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	{ sed -n '1,2p' requirements.lock; $(PY) -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) .rag

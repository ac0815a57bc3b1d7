# The two commands a user needs: `make run` and `make test`. Each sets itself up on first use.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test setup browser ingest bench clean

setup: $(STAMP)

# pip finds torch==2.13.0 (CPU) on this machine's disk; see pyproject.toml.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# glibc's malloc with two arenas: the app's memory over a 10-minute soak grew 1.0 MB/min instead of 3.3 (README, Load).
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

bench: setup
	$(PY) -m rag.bench

clean:
	rm -rf $(VENV) .rag

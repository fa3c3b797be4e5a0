# Two commands from a fresh clone: `make demo` and `make test`. Each sets itself up.
# The virtualenv is rebuilt when the interpreter changes (or is gone: a .venv left by an
# earlier try with another Python), and reinstalled when pyproject.toml or the lock change.
PYTHON ?= $(firstword $(shell command -v python3.11 python3.12 python3.13 2>/dev/null) python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
INTERP := $(VENV)/.interpreter
LOCK   := requirements-dev.lock

.PHONY: demo test lint typecheck pytest bench lock clean FORCE

# Rewritten only when the interpreter differs, so the install below reruns only then.
$(INTERP): FORCE
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; install Python 3.11, 3.12 or 3.13, or run make PYTHON=/path/to/python3"; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' || { echo "make: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); Podwarden needs 3.11, 3.12 or 3.13: run make PYTHON=/path/to/python3.11"; exit 2; }
	@want="$$($(PYTHON) -c 'import sys; print(sys.version.split()[0], sys.base_prefix)')"; \
	have="$$($(PY) -c 'import sys; print(sys.version.split()[0], sys.base_prefix)' 2>/dev/null)"; \
	if [ "$$want" != "$$have" ]; then \
		echo "make: $(VENV) is missing, broken or for another Python; making it for Python $$want"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) || exit 2; \
	fi; \
	[ "$$(cat $@ 2>/dev/null)" = "$$want" ] || echo "$$want" > $@

$(STAMP): $(INTERP) pyproject.toml $(LOCK)
	@echo "Installing podwarden and its test tools into $(VENV), pinned by $(LOCK) (first run takes a minute)..."
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet --constraint $(LOCK) -e '.[test,postgres]'
	@touch $(STAMP)

FORCE:

demo: $(STAMP)
	@$(VENV)/bin/podwarden demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The suite runs once; when PostgreSQL's initdb/pg_ctl exist, scripts/with_postgres.py starts a
# throwaway cluster around it so the ledger tests also run against PostgreSQL (it says which).
pytest: $(STAMP)
	$(PY) scripts/with_postgres.py -- $(PY) -m pytest -q -p no:cacheprovider

test: lint typecheck pytest

bench: $(STAMP)
	$(PY) -m bench

# Re-pin every dependency after changing pyproject.toml: requirements-dev.lock is what make and
# CI install, requirements.lock (the same versions, runtime only) what the image installs.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet '.[postgres,test]'
	{ echo "# Every package podwarden[postgres,test] installs, pinned: what \`make\` and CI install."; \
	  echo "# Resolved on Python 3.11. Regenerate with \`make lock\` after changing pyproject.toml's dependencies."; \
	  .lock-venv/bin/pip freeze --exclude podwarden; } > requirements-dev.lock
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --constraint requirements-dev.lock '.[postgres]'
	{ echo "# Every package podwarden[postgres] installs, pinned: what the Docker image runs."; \
	  echo "# The same versions as requirements-dev.lock, runtime only. Regenerate with \`make lock\`."; \
	  .lock-venv/bin/pip freeze --exclude podwarden; } > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .lock-venv .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info

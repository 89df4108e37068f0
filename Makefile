# Shipshape — the two commands are `make run` and `make test`; see README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest-xdist workers; 2 on the 2-core CI machine.
TEST_WORKERS ?= auto

.PHONY: run test install install-dev lint format migrate bench image clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# DEBUG is off unless set (tracker/settings.py): the development targets turn it on.
migrate: export DEBUG ?= 1
migrate: install
	$(BIN)/python manage.py migrate --noinput

run: export DEBUG = 1
run: migrate
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Shipshape is starting at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  A Celery worker with beat runs beside it; Ctrl-C stops both."
	@echo ""
	@$(BIN)/celery -A tracker worker --beat --loglevel=info --concurrency=2 & \
	  celery_pid=$$!; \
	  trap 'kill $$celery_pid 2>/dev/null; wait $$celery_pid 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

# --dist loadgroup: the fault-injection tests (tests/reliability/test_faults.py) share one
# throwaway deployment and must run in one worker (xdist_group "faults").
# Two stages: everything in parallel, then on their own the suites that need the machine to
# themselves: the fault suite (it starts, kills and restarts throwaway PostgreSQL, Redis and
# Celery processes shared by its tests) and the benchmark's smoke run (it measures). Exit
# code 5 means PYTEST_ARGS selected none of those, which is fine.
test: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not faults and not bench" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -p no:xdist -m "faults or bench" $(PYTEST_ARGS) || [ $$? -eq 5 ]

# ruff (lint and format), the import contracts of the code map (import-linter) and mypy.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The benchmark (README "Performance"): PostgreSQL at 127.0.0.1:5432 and wrk are needed.
bench: install-dev
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The container image built and run as CI does (.ci/image.py; podman, PostgreSQL and Redis).
image: install-dev
	$(BIN)/python .ci/image.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# Two commands on a fresh machine: `make run` and `make test`. Both set themselves up.
VENV := .venv
PY := $(VENV)/bin/python
NR := $(VENV)/bin/netrosetta

.PHONY: setup run test lint layering bench fuzz clean

setup:
	@bash scripts/setup.sh

run: setup
	$(NR) lab --run

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --no-error-summary netrosetta engine collectors exporter service
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy netrosetta engine collectors exporter service
	$(PY) tests/unit/test_layering.py

# import layering (engine pure, no cycles); `make test` runs it too, as tests/unit/test_layering.py
layering: setup
	$(PY) tests/unit/test_layering.py

bench: setup
	$(PY) -m bench

# a longer fuzzing run; crashes found are kept under tests/fuzz/regressions/ (commit them with the fix)
fuzz: setup
	NETROSETTA_FUZZ_SECONDS=$${NETROSETTA_FUZZ_SECONDS:-120} NETROSETTA_FUZZ_SAVE=1 $(PY) -m pytest -q -p no:cacheprovider tests/fuzz

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

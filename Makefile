# forcemap — the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: demo test bench bench-scale lint lock clean browser java

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (apt-get install python3.11 python3.11-venv)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/forcemap demo --out $(DEMO)

# Browser tests use Debian's chromium (Playwright drives it; nothing is downloaded at run time)
# and pdftoppm checks rendered PDFs. Installed with apt-get when missing (CI runs as root).
browser:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null || { \
	  echo "installing chromium and poppler-utils (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; }

# Spark tests run PySpark in local mode, which needs a Java 17+ runtime (Debian package).
java:
	@command -v java >/dev/null || { \
	  echo "installing openjdk-17-jre-headless (Debian package) for PySpark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

# mypy --strict and the import-cycle check run first (CI runs only `make test`); the tests run
# on two workers (the Spark and the browser tests each on one: see tests/conftest.py).
test: $(STAMP) browser java
	$(BIN)/mypy
	$(BIN)/python scripts/import_cycles.py
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

# pySciSci is a speed baseline for the disruption benchmark only: not locked with the package
# (its dependency tree is large); its disruption module needs only pandas, numpy and tqdm.
bench: $(STAMP) java
	$(BIN)/python -m pip install -q --no-deps pyscisci==0.92 tqdm==4.67.1
	$(BIN)/python benchmarks/run.py

# scaling curve ingest + impact + CD_5 at 1 M / 5 M / 20 M citations, Spark local[2] at 1 M / 5 M
bench-scale: $(STAMP) java
	$(BIN)/python benchmarks/scaling.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python scripts/import_cycles.py

lock:
	uv pip compile pyproject.toml --extra dev --extra bench --extra spark -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache

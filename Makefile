# news-ingest: `make demo` and `make test` set everything up on their own.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test eval bench reliability lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

## Crawl the bundled demo news site (served on 127.0.0.1) into data/demo.db and show it.
demo: $(STAMP)
	$(BIN)/ingest demo --db data/demo.db

## Run the whole test suite (reliability suite and extraction gate included).
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Score the extractor and trafilatura side by side on ../shared/devset (F1, ms/page, ratio).
eval: $(STAMP)
	$(BIN)/python -m ingest.evaluate --worst 20

## Throughput benchmark (scripts/bench.py): ingest crawl vs bare Scrapy vs Scrapy+trafilatura,
## plus storage at a million articles. More: make bench BENCH_ARGS="--articles 100000".
bench: $(STAMP)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

## Fault-injection suite (tests/reliability): every fault injected for real against servers on
## 127.0.0.1, then the report table (fault, expected, observed, articles lost, duplicated).
reliability: $(STAMP)
	RELIABILITY_REPORT=data/reliability-report.md $(BIN)/python -m pytest -q tests/reliability

lint: $(STAMP)
	$(BIN)/ruff check ingest spiders tests scripts
	$(BIN)/ruff format --check ingest spiders tests scripts

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

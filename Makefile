# The README's two commands: `make chat` (set-up + REPL over the seeds) and `make test`.
# Indexes live in the user's data dir, the exported model in the user's cache dir (see README).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup chat test lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	# torch first, from the CPU wheel on this machine; constraints keep it there.
	$(VENV)/bin/python -m pip install -q torch==2.13.0
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
	# the ONNX export of the embedding model (~15 s, once per machine), so no question waits
	$(VENV)/bin/qabot warm
	touch $(STAMP)

setup: $(STAMP)

chat: setup
	$(VENV)/bin/qabot chat --corpus seeds

test: setup
	$(VENV)/bin/python -m pytest -q

lint: setup
	$(VENV)/bin/ruff check qabot tests benchmarks
	$(VENV)/bin/ruff format --check qabot tests benchmarks
	$(VENV)/bin/mypy qabot

clean:
	rm -rf $(VENV) .qabot  # .qabot/: where older versions kept their data

# munflow: `make demo` runs the bundled estimate, `make test` runs every test.
# Both build everything they need from a clean clone: a .venv with the Python
# dependencies (pyproject.toml) and the Rust extension in release mode.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test build venv test-rust test-python lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "maturin>=1.7,<2"
	# The package's runtime and test dependencies, without building it (maturin does).
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
		print('\n'.join(p['dependencies'] + p['optional-dependencies']['test']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	touch $@

venv: $(VENV)/.installed

build: venv
	$(VENV)/bin/maturin develop --release --quiet

demo: build
	$(VENV)/bin/munflow demo

test: build lint test-rust test-python

test-rust:
	cargo test --release

test-python:
	$(PY) -m pytest -q

lint: venv
	cargo fmt --check
	cargo clippy --release --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check python tests benches notebooks
	$(VENV)/bin/ruff format --check python tests benches

bench: build
	cargo bench --bench engine
	$(PY) benches/compare_numpy.py

clean:
	rm -rf $(VENV) target

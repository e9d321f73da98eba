# munflow: `make demo` runs the bundled estimate, `make test` runs every test.
# Both build everything they need from a clean clone: a .venv with the Python
# dependencies (pyproject.toml) and the Rust extension in release mode.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The oldest versions pyproject.toml allows, where the package is tested too.
OLDEST := .venv-oldest
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

# What the oldest dependencies are checked on: everything that touches numpy,
# pandas or matplotlib (not the notebooks, which need Jupyter).
OLDEST_TESTS := tests/python/test_results.py tests/python/test_everyday.py \
	tests/python/test_engine.py tests/python/test_sensitivity.py tests/python/test_scenario.py \
	tests/python/test_scenario_sensitivity.py tests/python/test_hypotheses.py \
	tests/python/test_plots.py tests/python/test_trustworthy.py

.PHONY: bench-evidence browser demo test build wheel docs venv test-rust test-python test-oldest lint bench clean

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

# One release build, the wheel: abi3 (one wheel for CPython >= 3.10, the
# Cargo feature `python` asks pyo3 for the stable ABI), in target/wheels/.
# Cargo's output goes to target/build.log, shown only if the build fails.
WHEELS := target/wheels
wheel: venv
	@mkdir -p $(WHEELS)
	@rm -f $(WHEELS)/munflow-*.whl
	@echo "building the wheel (release, abi3; log in target/build.log)"
	@$(VENV)/bin/maturin build --release --out $(WHEELS) > target/build.log 2>&1 \
		|| (cat target/build.log; exit 1)
	@ls $(WHEELS)/munflow-*.whl

# The .venv uses that same build, installed editable (tools/install_dev.py):
# the extension goes beside the sources in python/munflow/ (which the
# oldest-dependency run reuses with PYTHONPATH=python) and the .venv imports
# python/munflow, so edits to .py files need no rebuild.
build: wheel
	@$(PY) tools/install_dev.py $(WHEELS)/munflow-*.whl

demo: build
	@$(VENV)/bin/munflow demo

test: build lint browser test-rust test-python test-oldest docs

# The report tests open pages in headless Chromium: Debian's package,
# installed when absent (as root, or with sudo). Without it those tests skip,
# except under CI (CI=true), where they fail.
APT := $(if $(filter 0,$(shell id -u)),,sudo -n) env DEBIAN_FRONTEND=noninteractive apt-get
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		echo "installing chromium for the report tests"; \
		$(APT) install -y -qq chromium >/dev/null 2>&1 || \
		{ $(APT) update -qq >/dev/null 2>&1 && $(APT) install -y -qq chromium >/dev/null 2>&1; } || \
		echo "could not install chromium: the report's browser tests will skip"; }

test-rust:
	cargo test --release

# The cluster tests run in a process of their own, after the rest: the
# worker processes they start (and kill) stay out of the other tests' way.
test-python:
	$(PY) -m pytest -q --ignore=tests/python/test_dask.py
	$(PY) -m pytest -q -p no:cacheprovider tests/python/test_dask.py

# The lower bounds of pyproject.toml as pins (numpy>=1.24 -> numpy==1.24.*).
$(OLDEST)/.installed: pyproject.toml
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) -c "import re, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
		wanted = ('numpy', 'pandas', 'matplotlib', 'scipy', 'pytest', 'hypothesis', 'tqdm'); \
		reqs = p['dependencies'] + p['optional-dependencies']['test']; \
		print('\n'.join(re.sub(r'>=([0-9.]+)$$', r'==\1.*', r) for r in reqs if r.split('>')[0] in wanted))" \
		> $(OLDEST)/requirements.txt
	$(OLDEST)/bin/python -m pip install --quiet -r $(OLDEST)/requirements.txt
	touch $@

test-oldest: build $(OLDEST)/.installed
	PYTHONPATH=python $(OLDEST)/bin/python -m pytest -q -p no:cacheprovider $(OLDEST_TESTS)

# The documentation site (mkdocs.yml, docs/, the docstrings) in site/; any
# warning (a broken link, a docstring that does not parse) fails the build.
# It reads the built extension for the docstrings of munflow._core.
docs: build
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

lint: venv
	cargo fmt --check
	cargo clippy --release --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check python tests benches notebooks tools
	$(VENV)/bin/ruff format --check python tests benches tools

bench: build
	cargo bench --bench engine
	$(PY) benches/compare_numpy.py

# The evidence benchmark compares with squigglepy, a benchmark-only dependency.
bench-evidence: build
	$(PY) -m pip install --quiet squigglepy
	$(PY) benches/evidence_compare.py

clean:
	rm -rf $(VENV) $(OLDEST) target site python/munflow/_core*.so

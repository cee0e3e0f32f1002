# `make run` serves the app; `make test` runs the whole suite. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
TORCH := torch==2.13.0
SHARED ?= ../shared

.PHONY: setup setup-dev browser run test lint eval bench clean

setup: $(VENV)/.installed

# torch first, pinned: a bare `torch` requirement would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) $(TORCH)
	$(PIP) -e .
	$(BIN)/python -c "from assistant.embed import exported_onnx; exported_onnx()"  # the model as fp32 ONNX, once
	touch $@

setup-dev: $(VENV)/.installed-dev

# llama-cpp-python compiles (~4 min); the native build crashes on this CPU family (AMX path).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

$(VENV)/.installed-dev: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) -e '.[dev,llm]'
	touch $@

# Browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Chromium from Debian's packages (browser tests)..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: setup
	$(BIN)/python ingest.py --sync || [ $$? -eq 1 ]  # a broken article is reported, not fatal
	$(BIN)/python app.py

# Style, the import contracts in pyproject.toml (layers, no cycles), dead code, dependencies.
lint: setup-dev
	$(BIN)/ruff check assistant tests tools app.py ingest.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/vulture
	$(BIN)/deptry .

GATE := $(BIN)/python -m assistant gate --shared $(SHARED)

# The suite, then the quality gate over the question sets (under a minute).
test: setup-dev browser lint
	$(BIN)/python -m pytest
	$(GATE)

eval: setup-dev
	$(GATE)

bench: setup-dev
	$(BIN)/python -m assistant bench --shared $(SHARED)

clean:
	rm -rf $(VENV) data

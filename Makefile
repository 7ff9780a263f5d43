# make app    install the app and open it on the shipped model
# make test   install everything (app, trainer, test tools) and run the tests
# make bench  print the speed numbers quoted in the README
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch pinned: an unpinned torch pulls the multi-GB CUDA build where a CPU wheel would do
TORCH  ?= torch==2.13.0
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: app test bench train-seed train-strong bundle bundle-gpu bundle-smoke screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q "$(TORCH)" -e ".[train,dev]"
	touch $@ $(VENV)/.app-installed

app: $(VENV)/.app-installed
	$(BIN)/vae-digits

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.dev-installed
	$(BIN)/python -m trainer.bench
	$(BIN)/python -m desktop.bench

# the shipped models, exactly as the README quotes them
train-seed: $(VENV)/.dev-installed
	$(BIN)/vae-train --preset seed --data-dir ../shared/data/mnist --out exported/mnist-seed
train-strong: $(VENV)/.dev-installed
	$(BIN)/vae-train --preset strong --data-dir ../shared/data/mnist --out exported/mnist-strong

bundle:
	PYTHON=$(PYTHON) packaging/build.sh cpu
bundle-gpu:
	PYTHON=$(PYTHON) packaging/build.sh gpu
bundle-smoke:
	PYTHON=$(PYTHON) packaging/smoke.sh

screenshot: $(VENV)/.app-installed
	xvfb-run -a -s "-screen 0 1600x900x24" $(BIN)/python -m desktop.screenshot docs/screenshot.png

clean:
	rm -rf build dist .pytest_cache

# make app    install the app and open it on the shipped model
# make test   install everything (app, trainer, test tools) and run the tests
# make bench  print the speed numbers quoted in the README (make bench-app: the app's, in a real window)
# make bench-reference  the Keras reference and our trainer side by side (own venv: tensorflow-cpu, tf-keras)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch pinned: an unpinned torch pulls the multi-GB CUDA build where a CPU wheel would do
TORCH  ?= torch==2.13.0
# the Keras reference runs in its own runtime-only venv; tf-keras declares a dependency on the full
# `tensorflow` wheel, which would install over tensorflow-cpu, so it goes in with --no-deps
KERAS_VENV ?= .venv-keras
TF_CPU     ?= tensorflow-cpu==2.21.0
TF_KERAS   ?= tf-keras==2.21.0
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

FASHION_DIR ?= /usr/share/datasets/fashion-mnist

.PHONY: app test bench bench-app bench-reference train-seed train-strong train-fashion bundle bundle-gpu bundle-smoke screenshot clean

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

bench: $(VENV)/.dev-installed bench-app
	$(BIN)/python -m trainer.bench --contention

# the app in a real X11 window (Xvfb), input through the X server (xdotool):
#   apt-get install -y xvfb xdotool libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
bench-app: $(VENV)/.dev-installed
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x900x24" $(BIN)/python -m desktop.bench

$(KERAS_VENV)/.installed:
	$(PYTHON) -m venv $(KERAS_VENV)
	$(KERAS_VENV)/bin/python -m pip install -q --upgrade pip
	$(KERAS_VENV)/bin/python -m pip install -q "$(TF_CPU)" numpy
	$(KERAS_VENV)/bin/python -m pip install -q --no-deps "$(TF_KERAS)"
	touch $@

# REFERENCE_ARGS=--jit-compile: the reference compiled with XLA (faster than the example's default)
bench-reference: $(VENV)/.dev-installed $(KERAS_VENV)/.installed
	$(KERAS_VENV)/bin/python -u trainer/reference_keras.py $(REFERENCE_ARGS) | tee $(KERAS_VENV)/reference.log
	secs=$$(sed -n 's/^KERAS_SECONDS_PER_EPOCH=//p' $(KERAS_VENV)/reference.log) && test -n "$$secs" && \
		$(BIN)/python -m trainer.bench --reference-seconds "$$secs"

# the shipped models, exactly as the README quotes them: two fixed threads, because float sums
# split over another number of threads round differently (--threads auto follows the free cores)
train-seed: $(VENV)/.dev-installed
	$(BIN)/vae-train --preset seed --threads 2 --data-dir ../shared/data/mnist --out exported/mnist-seed
train-strong: $(VENV)/.dev-installed
	$(BIN)/vae-train --preset strong --threads 2 --data-dir ../shared/data/mnist --out exported/mnist-strong
# all 60,000 Fashion-MNIST training images, from Debian's dataset-fashion-mnist
train-fashion: $(VENV)/.dev-installed
	@test -f $(FASHION_DIR)/train-images-idx3-ubyte.gz || { echo "Fashion-MNIST not found in $(FASHION_DIR): apt-get install -y dataset-fashion-mnist" >&2; exit 2; }
	$(BIN)/vae-train --preset strong --threads 2 --dataset fashion-mnist --data-dir $(FASHION_DIR) --out exported/fashion-strong

bundle:
	PYTHON=$(PYTHON) packaging/build.sh cpu
bundle-gpu:
	PYTHON=$(PYTHON) packaging/build.sh gpu
bundle-smoke:
	PYTHON=$(PYTHON) packaging/smoke.sh

screenshot: $(VENV)/.app-installed
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x900x24" $(BIN)/python -m desktop.screenshot docs

clean:
	rm -rf build dist .pytest_cache

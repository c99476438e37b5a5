# The two commands a new user needs: `make demo` (the main job) and `make test`.
# Both install what they need from Debian's packages first.

SWIFT ?= swift
# chromium: the report test renders `xgraph report`'s page in a real (headless) browser.
APT_PACKAGES := pkg-config libgit2-dev libopenblas-dev libsqlite3-dev libssl-dev zlib1g-dev dataset-fashion-mnist slurm-wlm munge chromium
XGRAPH := .build/release/xgraph
# The Swift runtime and Foundation linked in: a no-op build of 1,000 nodes is mostly process
# start-up, and resolving symbols across forty shared libraries took a fifth of it.
RELEASE := -c release --static-swift-stdlib
DEMO := experiments/fashion-scaling.yaml

.PHONY: deps build test demo bench fuzz clean-cache

# Installs only the packages that are missing, so a prepared machine needs no root.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(RELEASE) --product xgraph
	$(SWIFT) build $(RELEASE) --product xgraph-train

# As root (CI, many shells), the CLI tests run xgraph as the ordinary user `nobody`, since root
# skips every permission check a user meets; this first pass runs them as root as well.
test: deps
	@if [ "$$(id -u)" -eq 0 ]; then XGRAPH_TEST_AS_ROOT=1 $(SWIFT) test --disable-swift-testing --filter CLITests; fi
	$(SWIFT) test --disable-swift-testing

demo: build
	$(XGRAPH) build $(DEMO)
	@echo
	$(XGRAPH) results $(DEMO) --step pretrain --pivot data,model --metric test_accuracy
	@echo
	$(XGRAPH) results $(DEMO) --step transfer --pivot data,model --metric accuracy
	@echo
	$(XGRAPH) fit $(DEMO) --step transfer --metric accuracy --series model,task,mode --compare model
	@echo
	$(XGRAPH) report $(DEMO) --step transfer --metric accuracy,loss -o report.html
	@echo "open $(CURDIR)/report.html in a browser: the plots, tables, provenance and timeline (docs/report.md)"

bench: deps
	$(SWIFT) build $(RELEASE) --product xgraph
	$(SWIFT) build $(RELEASE) --product xgraph-train
	$(SWIFT) build $(RELEASE) --product xgraph-bench
	.build/release/xgraph-bench

# Mutates the experiment files and test seeds and plans each mutant (never runs a command) for
# FUZZ_SECONDS; crashing, hanging and unlocated inputs land in fuzz-out/. Not part of `make test`.
FUZZ_SECONDS ?= 600
fuzz:
	$(SWIFT) build $(RELEASE) --product xgraph-fuzz
	.build/release/xgraph-fuzz --seconds $(FUZZ_SECONDS) --out fuzz-out experiments Tests/FuzzSeeds

clean-cache:
	rm -rf cache/*/ cache/keys.log cache/results.sqlite*

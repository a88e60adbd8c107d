# clln — two commands on a fresh machine: `make run` (train the four-state preset) and `make test`.
# Missing system packages are installed here (Debian/Ubuntu: apt-get); ngspice through
# scripts/install-ngspice.sh (a KLU-capable release where the distribution has one).

SWIFT   ?= swift
SUDO    := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT     := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
CLLN    := .build/release/clln
OUT     ?= results

.PHONY: deps build run test slurm-test bench netlists clean

deps:
	@sh scripts/install-ngspice.sh  # libngspice0-dev and ngspice (KLU-capable where the distribution has one)
	@missing=""; \
	[ -f /usr/include/suitesparse/klu.h ] || missing="$$missing libsuitesparse-dev"; \
	ls /usr/lib/*/openblas-pthread/libblas.so.3 >/dev/null 2>&1 || missing="$$missing libopenblas0-pthread"; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(APT) update -qq && $(APT) install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product clln

# The main job: the paper's four-state experiment, 10 trials, idealized backend.
run: build
	$(CLLN) train four-state --trials 10 --out $(OUT)/four-state
	@echo "results and plots: $(OUT)/four-state (summary.json, *.csv, *.svg)"

test: deps
	$(SWIFT) build --product clln
	@$$($(SWIFT) build --show-bin-path)/clln --version   # the ngspice library and its linear solver (KLU or Sparse 1.3)
	$(SWIFT) test
	@$(MAKE) --no-print-directory slurm-test

# A real single-node Slurm (installed from the distribution if missing; root): a 4-point sweep
# with the slurm executor must give the local executor's table. ~7 s with the packages present.
slurm-test:
	$(SWIFT) build --product clln
	$(SUDO) sh scripts/slurm-test.sh .build/debug/clln

bench: build
	$(CLLN) bench solve --out $(OUT)/bench
	$(CLLN) bench solve --backend spice --out $(OUT)/bench-spice
	$(CLLN) bench train --out $(OUT)/bench

# Regenerates the example netlists (a test fails when they drift from the compiler).
netlists: build
	for preset in four-state navigation; do \
		for phase in free clamped; do \
			$(CLLN) compile $$preset --phase $$phase --out netlists/$$preset-$$phase.cir; \
		done; \
	done
	for task in xor regression; do \
		$(CLLN) compile --circuit autonomous --task $$task --out netlists/autonomous-$$task.cir; \
	done

clean:
	rm -rf .build

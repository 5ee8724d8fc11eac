# Mixdown: the two commands a fresh Debian machine needs are `make demo` and `make test`.
# Both install whatever is missing first (as root, or with sudo).

SWIFT ?= swift
YTDLP_VERSION ?= 2026.10.26
APT_PACKAGES := ffmpeg libebur128-dev libsqlite3-dev libcurl4-openssl-dev libyaml-dev fonts-dejavu-core python3 python3-pip curl bc procps wrk postgresql util-linux chromium chromium-driver jq sqlite3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build demo dev test bench format clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@Scripts/install-python-tools.sh $(YTDLP_VERSION)

build: deps
	$(SWIFT) build

demo: build
	@Scripts/demo.sh

# Tests start real engines (PostgreSQL, sqld, an S3-protocol server) and worker processes: at most
# three tests at a time keeps a 2-core machine from timing out its own HTTP clients.
test: deps
	$(SWIFT) test --experimental-maximum-parallelization-width 3
	Scripts/api-check.sh
	python3 Tests/Studio/studio_test.py
	python3 Tests/Docs/doc_test.py

dev: build
	.build/debug/mixdown dev

bench: build
	@Benchmarks/run.sh
	@Benchmarks/jobs.sh
	@Benchmarks/api.sh
	@Benchmarks/stores.sh
	@Benchmarks/s3.sh

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

clean:
	rm -rf .build .mixdown demo-out Recipes/media

# cfwatch — make targets. `make test` is the one test entry point (CI runs it).
GO ?= go
DEMO := .demo

.PHONY: test test-arm64 vet demo bench bench-report fuzz clean dist

# go test -race -count=1 ./..., with the pinned MinIO installed first
# (scripts/install-minio.sh); ends with the list of tests skipped for want of
# a tool it cannot install (moto_server, cfn-lint…), and how to install it.
test: vet
	@GO="$(GO)" scripts/test.sh

# The tests of logparse, detectors, dataset and ingest with -tags purego
# (the Go tab scan) and for GOARCH=arm64 under qemu-user (make test runs it).
test-arm64:
	@GO="$(GO)" scripts/test-arm64.sh

# gofmt, go vet and staticcheck (pinned by go.mod's tool directive:
# go tool staticcheck). make test runs it
# first, so CI (.ci/run → make test) does too.
vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Build cfwatch (.demo/bin/cfwatch), generate two days of logs for a
# NextAuth site whose POSTs are refused at the edge for the last two hours,
# then audit the last 24 hours (and write the same audit, compared with the
# same hours the day before, as a page: .demo/report.html; both end at the
# same second), then turn the logs into the Parquet dataset ingest writes
# (.demo/dataset).
CFWATCH := $(DEMO)/bin/cfwatch
demo:
	@rm -rf $(DEMO)/logs
	@$(GO) build -o $(CFWATCH) ./cmd/cfwatch
	$(CFWATCH) loggen --out $(DEMO)/logs --scenario method-rejected --duration 48h
	@until=$$(date -u +%Y-%m-%dT%H:%M:%SZ); \
	  $(CFWATCH) report --source $(DEMO)/logs --since 24h --until $$until --fail-on none && \
	  $(CFWATCH) report --source $(DEMO)/logs --since 24h --until $$until --compare --fail-on none --format html --out $(DEMO)/report.html
	@echo "The same audit as a page: $(DEMO)/report.html"
	@rm -rf $(DEMO)/dataset
	@$(CFWATCH) ingest --local $(DEMO)/logs --out $(DEMO)/dataset >/dev/null
	@echo "The logs as an Athena dataset (Parquet): $(DEMO)/dataset"

# Parser speed against decompression alone, detection overhead, and S3
# (MinIO) against local files, on a 1,000,000-line file; then plain-text
# parsing on one core (GOMAXPROCS=1), and the tab scan alone.
bench:
	$(GO) test ./logparse ./detectors ./source -run '^$$' -bench . -skip TabPositions -benchmem -benchtime 3x
	$(GO) test ./logparse -run '^$$' -bench ParsePlain -benchtime 3x -count 5 -cpu 1
	$(GO) test ./logparse -run '^$$' -bench TabPositions

# report against decompression alone and GoAccess, with peak memory.
bench-report:
	scripts/bench-report.sh

# Fuzz the reader for FUZZTIME (crashers land in logparse/testdata/fuzz).
FUZZTIME ?= 5m
fuzz:
	$(GO) test ./logparse -run '^$$' -fuzz '^FuzzReader$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf $(DEMO) $(DIST)

# Release files in dist/: cfwatch for Linux, macOS and Windows on amd64 and
# arm64, the ingest Lambda's package (a zip holding bootstrap, as Lambda's
# provided.al2023 runtime wants it) for arm64 and x86_64, and SHA256SUMS.
# Reproducible: the same tree gives the same bytes (no paths, no build ID,
# the commit's stamps and time; scripts/check-dist-reproducible.sh checks
# it). VERSION, REVISION, REVISION_TIME and MODIFIED default to git's.
DIST ?= dist
DIST_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
REVISION_TIME ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
MODIFIED ?= $(shell if [ -n "$$(git status --porcelain 2>/dev/null)" ]; then echo true; else echo false; fi)
STAMP := github.com/cfwatch/cfwatch/internal/cli
DIST_LDFLAGS = -s -w -buildid= -X $(STAMP).version=$(VERSION) -X $(STAMP).revision=$(REVISION) -X $(STAMP).revisionTime=$(REVISION_TIME) -X $(STAMP).modified=$(MODIFIED)
DIST_BUILD = CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags='$(DIST_LDFLAGS)'
dist:
	rm -rf $(DIST) && mkdir -p $(DIST)/.lambda
	@for p in $(DIST_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; if [ $$os = windows ]; then ext=.exe; fi; \
	  echo "cfwatch $$os/$$arch"; \
	  GOOS=$$os GOARCH=$$arch $(DIST_BUILD) -o $(DIST)/cfwatch_$${os}_$$arch$$ext ./cmd/cfwatch || exit 1; \
	done
	@for a in arm64:arm64 amd64:x86_64; do \
	  goarch=$${a%:*}; name=$${a#*:}; \
	  echo "ingest Lambda $$name"; \
	  GOOS=linux GOARCH=$$goarch $(DIST_BUILD) -tags lambda.norpc -o $(DIST)/.lambda/$$name/bootstrap ./cmd/ingest || exit 1; \
	  $(GO) run ./scripts/disttool zip -o $(DIST)/cfwatch-ingest-lambda_$$name.zip $(if $(REVISION_TIME),-mtime $(REVISION_TIME)) \
	    $(DIST)/.lambda/$$name/bootstrap=bootstrap || exit 1; \
	done
	rm -rf $(DIST)/.lambda
	$(GO) run ./scripts/disttool sums $(DIST)
	@cat $(DIST)/SHA256SUMS

# AWS deployment (template.yaml, deploy/). sam build (BuildMethod: makefile)
# runs build-IngestFunction with ARTIFACTS_DIR set and nothing about the
# function's architecture, so the package holds cmd/ingest for both Lambda
# architectures and deploy/bootstrap.sh, which runs the one for the machine:
# it works with either Architecture parameter, whatever machine built it.
# LAMBDA_GOARCH=arm64 or amd64 in sam build's environment builds only that
# one, as bootstrap itself.
INGEST_PKG ?= ./cmd/ingest
INGEST_BUILD = CGO_ENABLED=0 GOOS=linux $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'
.PHONY: build-IngestFunction lint-template
build-IngestFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: sam build sets it (or: make $@ ARTIFACTS_DIR=DIR)" >&2; exit 2; }
ifeq ($(LAMBDA_GOARCH),)
	GOARCH=arm64 $(INGEST_BUILD) -o "$(ARTIFACTS_DIR)/bootstrap-arm64" $(INGEST_PKG)
	GOARCH=amd64 $(INGEST_BUILD) -o "$(ARTIFACTS_DIR)/bootstrap-amd64" $(INGEST_PKG)
	cp deploy/bootstrap.sh "$(ARTIFACTS_DIR)/bootstrap" && chmod 0755 "$(ARTIFACTS_DIR)/bootstrap"
else
	GOARCH=$(LAMBDA_GOARCH) $(INGEST_BUILD) -o "$(ARTIFACTS_DIR)/bootstrap" $(INGEST_PKG)
endif

# cfn-lint on template.yaml (go test ./deploy runs it too), and sam validate
# when the SAM CLI is installed.
lint-template:
	cfn-lint template.yaml
	@if command -v sam >/dev/null 2>&1; then sam validate --lint --template template.yaml; else echo "sam not installed: sam validate skipped"; fi

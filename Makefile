# cfwatch — make targets. `make test` is the one test entry point (CI runs it).
GO ?= go
DEMO := .demo

.PHONY: test vet demo bench bench-report fuzz clean

# go test -race -count=1 ./..., with the pinned MinIO installed first
# (scripts/install-minio.sh); ends with the list of tests skipped for want of
# a tool it cannot install (moto_server, cfn-lint…), and how to install it.
test: vet
	@GO="$(GO)" scripts/test.sh

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Generate a day of logs for a NextAuth site whose POSTs are refused at the
# edge for the last two hours, then audit the last 24 hours (and write the
# same audit, compared with the day before, as a page: .demo/report.html),
# then turn the logs into the Parquet dataset ingest writes (.demo/dataset).
demo:
	@rm -rf $(DEMO)/logs
	$(GO) run ./cmd/loggen --out $(DEMO)/logs --scenario method-rejected
	$(GO) run ./cmd/report --source $(DEMO)/logs --since 24h --fail-on none
	@$(GO) run ./cmd/report --source $(DEMO)/logs --since 6h --compare --fail-on none --format html --out $(DEMO)/report.html
	@echo "The same audit as a page: $(DEMO)/report.html"
	@rm -rf $(DEMO)/dataset
	@$(GO) run ./cmd/ingest --local $(DEMO)/logs --out $(DEMO)/dataset >/dev/null
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
	rm -rf $(DEMO)

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

#!/usr/bin/env bash
# Installs the MinIO server the S3 tests run (internal/miniotest), at the
# version internal/miniotest pins (its Module), unless it is installed
# already, and prints the binary's path on stdout (progress on stderr).
# Used by `make test` (scripts/test.sh) and by CI (.ci/run).
#
#   CFWATCH_MINIO="$(scripts/install-minio.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"

module="$(sed -n 's/^const Module = "\(github\.com\/minio\/minio@[^"]*\)"$/\1/p' internal/miniotest/miniotest.go)"
if [ -z "$module" ]; then
  echo "install-minio: no MinIO version (const Module) in internal/miniotest/miniotest.go" >&2
  exit 1
fi
bin_dir="$("$GO" env GOBIN)"
[ -n "$bin_dir" ] || bin_dir="$("$GO" env GOPATH | cut -d: -f1)/bin"
bin="$bin_dir/minio"
if [ -x "$bin" ]; then
  echo "install-minio: using $bin" >&2
else
  echo "install-minio: $bin missing: go install $module (a few minutes)" >&2
  GOFLAGS=-buildvcs=false "$GO" install "$module" >&2
fi
echo "$bin"

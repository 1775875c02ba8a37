#!/usr/bin/env bash
# `make test`: every test, as CI runs them (.ci/run runs `make test` too).
#
# It then runs the tests of the hot-path packages on the Go tab scan and for
# arm64 under qemu-user (scripts/test-arm64.sh).
#
# It installs the pinned MinIO the S3 tests need (scripts/install-minio.sh).
# What it cannot install itself (moto_server and cfn-lint are Python tools,
# DuckDB needs a C compiler, the optional external test corpus of real logs
# is set by CFWATCH_SHARED) is
# checked first: the tests that need a missing one skip (with CI=true they
# fail instead), and the run ends with the list of what was skipped and the
# command that installs it.
set -uo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"

skipped=()
if [ -z "${CFWATCH_MINIO:-}" ]; then
  if minio="$(GO="$GO" scripts/install-minio.sh)"; then
    export CFWATCH_MINIO="$minio"
  else
    skipped+=("MinIO (the S3 tests): scripts/install-minio.sh failed above; run it again")
  fi
fi
if [ -z "${CFWATCH_MOTO_SERVER:-}" ]; then
  if moto="$(command -v moto_server)"; then
    export CFWATCH_MOTO_SERVER="$moto"
  else
    skipped+=("moto_server (the SQS, Secrets Manager, SSM and Athena API tests): pip install 'moto[server]==5.2.*'")
  fi
fi
if ! command -v cfn-lint >/dev/null 2>&1; then
  skipped+=("cfn-lint (the template.yaml lint test): pip install 'cfn-lint==1.51.*'")
fi
if [ "$("$GO" env CGO_ENABLED)" != 1 ] || ! command -v "$("$GO" env CC)" >/dev/null 2>&1; then
  skipped+=("a C/C++ compiler with cgo (the DuckDB tests, and -race): apt-get install gcc g++, and CGO_ENABLED=1")
fi
if command -v npm >/dev/null 2>&1; then
  if ! (cd probe/testdata/authjs-app && npm ci --no-audit --no-fund --silent); then
    skipped+=("the probe's Auth.js test app (the probe tests): npm ci in probe/testdata/authjs-app failed above; run it again")
  fi
else
  skipped+=("Node.js 20+ and npm (the probe tests run a real Auth.js app): apt-get install nodejs npm")
fi
shared="${CFWATCH_SHARED:-../shared}"
if [ ! -d "$shared/real-logs" ]; then
  skipped+=("the external test corpus of real CloudFront logs (the parser's tests on them): set CFWATCH_SHARED to a directory holding real-logs/ (default ../shared; see docs/development.md)")
fi

echo "$GO test -race -count=1 ./..."
"$GO" test -race -count=1 ./...
status=$?

# The Go tab scan (-tags purego), and arm64 (the Lambda's default
# architecture) under qemu-user: scripts/test-arm64.sh.
echo
scripts/test-arm64.sh
case $? in
0) ;;
3)
  if [ "${CI:-}" = true ]; then
    status=1
  fi
  skipped+=("qemu-user (the arm64 tests of logparse, detectors, dataset and ingest): apt-get install qemu-user-static") ;;
*) status=1 ;;
esac

if [ "${#skipped[@]}" -gt 0 ]; then
  echo
  echo "make test: tests were SKIPPED because these are not installed:"
  for s in "${skipped[@]}"; do
    echo "  - $s"
  done
  echo "Install them and run make test again (with CI=true a missing one fails the run instead)."
fi
exit "$status"

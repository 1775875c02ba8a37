#!/usr/bin/env bash
# The tests of the packages on the ingest Lambda's hot path (logparse,
# detectors, dataset, ingest) on the paths the amd64 AVX2 build does not
# take: for GOARCH=arm64, the Lambda's default architecture, run under
# qemu-user (qemu-aarch64-static, Debian's qemu-user-static) unless this
# machine is arm64; and on amd64 with -tags purego, the same Go tab scan.
# Both are held to the same tests as the AVX2 build (make test).
#
# Built with CGO_ENABLED=0, as the Lambda is: the DuckDB tests skip (they
# run in make test's main pass). The servers the tests start (MinIO,
# moto_server) run natively: qemu-user runs only the test binary.
#
# Exit status 0 when both ran and passed, 1 when a test failed, 3 when
# qemu-user is not installed (the amd64 purego pass still ran):
# apt-get install qemu-user-static.
set -uo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
PKGS=(./logparse ./detectors ./dataset ./ingest)
status=0

host="$("$GO" env GOHOSTARCH)"
if [ "$host" = amd64 ]; then
  echo "$GO test -tags purego -count=1 ${PKGS[*]}  (amd64, the Go tab scan)"
  start=$SECONDS
  "$GO" test -tags purego -count=1 "${PKGS[@]}" || status=1
  echo "purego pass: $((SECONDS - start)) s"
fi

exec_flag=()
if [ "$host" != arm64 ]; then
  qemu="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
  if [ -z "$qemu" ]; then
    echo "test-arm64: qemu-aarch64-static not found: the arm64 tests did not run (apt-get install qemu-user-static)" >&2
    [ "$status" = 0 ] && status=3
    exit "$status"
  fi
  exec_flag=(-exec "$qemu")
fi
echo "GOARCH=arm64 CGO_ENABLED=0 $GO test ${exec_flag[*]} -count=1 ${PKGS[*]}"
start=$SECONDS
CGO_ENABLED=0 GOARCH=arm64 "$GO" test "${exec_flag[@]}" -count=1 "${PKGS[@]}" || status=1
echo "arm64 pass: $((SECONDS - start)) s"
exit "$status"

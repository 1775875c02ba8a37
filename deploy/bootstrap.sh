#!/bin/sh
# The Lambda's entry point (provided.al2023 runs /var/task/bootstrap).
# `make build-IngestFunction` puts cmd/ingest beside this script built for
# both Lambda architectures, bootstrap-arm64 and bootstrap-amd64: sam build
# does not tell make which one the function uses (see deploy/doc.go). Exec
# the binary for this machine, so that it is the process Lambda talks to.
case "$(uname -m)" in
aarch64 | arm64) arch=arm64 ;;
x86_64 | amd64) arch=amd64 ;;
*)
	echo "cfwatch bootstrap: no binary for machine $(uname -m)" >&2
	exit 1
	;;
esac
dir=${0%/*}
[ "$dir" = "$0" ] && dir=.
if [ ! -x "$dir/bootstrap-$arch" ]; then
	echo "cfwatch bootstrap: $dir/bootstrap-$arch is missing: the package was built without linux/$arch (LAMBDA_GOARCH?)" >&2
	exit 1
fi
exec "$dir/bootstrap-$arch" "$@"

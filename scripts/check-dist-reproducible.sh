#!/bin/sh
# Checks that `make dist` is reproducible: builds the release files twice,
# the second time from a copy of the tree at another path (and, with
# FRESH_CACHE=1, with an empty Go build cache, so that every package is
# compiled again), and compares the two SHA256SUMS. Exit status 0 when they
# are the same.
#
# Takes 20 to 70 seconds with a warm build cache on 2 shared cores (the 8
# binaries are linked again, the packages come from the cache); with
# FRESH_CACHE=1, or the first time, about 20 minutes (a first `make dist`
# took 18). So it is not part of `make test`.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The stamps of this tree, for both builds (the copy is no git checkout).
VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
REVISION=$(git rev-parse HEAD 2>/dev/null || true)
REVISION_TIME=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || true)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then MODIFIED=true; else MODIFIED=false; fi
stamps="VERSION=$VERSION REVISION=$REVISION REVISION_TIME=$REVISION_TIME MODIFIED=$MODIFIED"

start=$(date +%s)
# shellcheck disable=SC2086 # $stamps is a list of assignments
make -s dist DIST="$tmp/a" $stamps >/dev/null

mkdir "$tmp/src"
git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$tmp/src"
if [ "${FRESH_CACHE:-0}" = 1 ]; then
	GOCACHE="$tmp/gocache"
	export GOCACHE
fi
# shellcheck disable=SC2086
(cd "$tmp/src" && make -s dist DIST="$tmp/b" $stamps >/dev/null)

if ! diff -u "$tmp/a/SHA256SUMS" "$tmp/b/SHA256SUMS"; then
	echo "make dist is not reproducible: the two builds differ (above)" >&2
	exit 1
fi
echo "make dist is reproducible: $(wc -l <"$tmp/a/SHA256SUMS") files, the same SHA256SUMS twice ($(($(date +%s) - start))s)"

#!/bin/sh
# Lists the licenses of the Go modules linked into the release binaries
# (cfwatch on every `make dist` platform, and the ingest Lambda), read from
# each module's license file in the module cache. With --all, every module
# of the build graph (`go list -m all`: also those only tests and tools
# use; a module whose source was never downloaded shows "-").
#
# Exit status 1 when a module in the binaries has a copyleft license (GPL,
# AGPL, LGPL, SSPL) or one this script does not recognise: Apache-2.0,
# cfwatch's license, allows MIT, BSD, ISC, Apache-2.0, CC0-1.0 and MPL-2.0
# (file-level copyleft, unmodified use) dependencies.
set -eu
cd "$(dirname "$0")/.."

# classify FILE prints the SPDX identifier of the license FILE starts with.
classify() {
	text=$(head -c 6000 "$1" | tr -s '[:space:]' ' ')
	case $text in
	*"GNU AFFERO GENERAL PUBLIC LICENSE"*) echo AGPL ;;
	*"GNU LESSER GENERAL PUBLIC LICENSE"*) echo LGPL ;;
	*"GNU GENERAL PUBLIC LICENSE"*) echo GPL ;;
	*"Server Side Public License"*) echo SSPL ;;
	*"Apache License"*"Version 2.0"*) echo Apache-2.0 ;;
	*"CC0 1.0 Universal"*) echo CC0-1.0 ;;
	*"This is free and unencumbered software released into the public domain"*) echo Unlicense ;;
	*"Mozilla Public License"*"2.0"*) echo MPL-2.0 ;;
	*"Permission is hereby granted, free of charge"*) echo MIT ;;
	*"Permission to use, copy, modify, and"*"distribute this software for any purpose"*) echo ISC ;;
	*"Redistribution and use in source and binary forms"*"Neither the name"*) echo BSD-3-Clause ;;
	*"Redistribution and use in source and binary forms"*"names of its contributors may be used"*) echo BSD-3-Clause ;;
	*"Redistribution and use in source and binary forms"*) echo BSD-2-Clause ;;
	*) echo unknown ;;
	esac
}

# licenseFile DIR prints the module's license file.
licenseFile() {
	for f in "$1"/LICENSE "$1"/LICENSE.* "$1"/LICENSE-* "$1"/LICENCE* "$1"/COPYING*; do
		if [ -f "$f" ]; then
			echo "$f"
			return
		fi
	done
}

binaryModules() {
	for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
		GOOS=${p%/*} GOARCH=${p#*/} CGO_ENABLED=0 go list -deps \
			-f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' ./cmd/cfwatch
	done
	GOOS=linux CGO_ENABLED=0 go list -tags lambda.norpc -deps \
		-f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' ./cmd/ingest
}

list=$(mktemp)
trap 'rm -f "$list"' EXIT
binaryModules | sort -u >"$list"
bad=0
printf '%-58s %-30s %s\n' MODULE VERSION LICENSE
while read -r path version dir; do
	f=$(licenseFile "$dir")
	lic=unknown
	if [ -n "$f" ]; then lic=$(classify "$f"); fi
	case $lic in
	GPL | AGPL | LGPL | SSPL | unknown) bad=1 ;;
	esac
	printf '%-58s %-30s %s\n' "$path" "$version" "$lic"
done <"$list"
printf '%-58s %-30s %s\n' "Go standard library" "$(go env GOVERSION)" BSD-3-Clause

if [ "${1:-}" = --all ]; then
	echo
	echo "Modules of the build graph not linked into the binaries (tests, tools):"
	go list -m -f '{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}' all | sort -u | while read -r path version dir; do
		if grep -q "^$path " "$list"; then continue; fi
		lic=-
		if [ -n "${dir:-}" ]; then
			f=$(licenseFile "$dir")
			lic=unknown
			if [ -n "$f" ]; then lic=$(classify "$f"); fi
		fi
		printf '%-58s %-30s %s\n' "$path" "$version" "$lic"
	done
fi
if [ $bad = 1 ]; then
	echo "a module in the binaries has a copyleft or unrecognised license (above)" >&2
	exit 1
fi

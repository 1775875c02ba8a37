// Command archprobe stands in for cmd/ingest in the tests of the Makefile's
// build-IngestFunction target: it prints the architecture it was built for
// and its arguments.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Println(runtime.GOOS, runtime.GOARCH, os.Args[1:])
}

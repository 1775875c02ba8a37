//go:build !cgo

package main

import (
	"fmt"
	"os"
)

// Without cgo there is no DuckDB: the command only says so, and the module
// still builds with CGO_ENABLED=0.
func main() {
	fmt.Fprintln(os.Stderr, "duckconvert: DuckDB needs cgo; build with CGO_ENABLED=1 and a C compiler")
	os.Exit(2)
}

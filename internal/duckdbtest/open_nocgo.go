//go:build !cgo

package duckdbtest

import (
	"database/sql"
	"testing"
)

const available = false

// Open skips the test: DuckDB is a C++ library, linked through cgo, and
// this build has none.
func Open(tb testing.TB) *sql.DB {
	tb.Helper()
	tb.Skip("skipping: DuckDB needs cgo, and this test binary was built with CGO_ENABLED=0 (build with CGO_ENABLED=1 and a C compiler to run it)")
	return nil
}

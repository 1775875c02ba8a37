//go:build cgo

package duckdbtest

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

const available = true

// Open returns a new in-memory DuckDB database, closed when the test ends.
// All of the returned *sql.DB's connections share the one database, so a
// view created on one is seen by the others.
func Open(tb testing.TB) *sql.DB {
	tb.Helper()
	// Extensions DuckDB lacks are never fetched from the network; the
	// Parquet reader is part of the library.
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false")
	if err != nil {
		tb.Fatalf("duckdb: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("duckdb: close: %v", err)
		}
	})
	if err := db.Ping(); err != nil {
		tb.Fatalf("duckdb: %v", err)
	}
	return db
}

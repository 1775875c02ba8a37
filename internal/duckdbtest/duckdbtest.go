// Package duckdbtest gives tests an in-memory DuckDB 1.4 database, to check
// the Parquet dataset with an engine that is not this project's code: the
// SQL AWS publishes for Athena runs on DuckDB with few or no changes.
//
// DuckDB comes from github.com/duckdb/duckdb-go/v2, a cgo binding that links
// a prebuilt static library (about 116 MB of archives for linux-amd64, no
// download at build time; gcc or clang is needed). Without cgo
// (CGO_ENABLED=0) the package still builds: Open skips the test with a
// message saying why.
//
// The database is in memory and private to the test. It never installs an
// extension from the network: the Parquet reader is built into the library,
// and autoinstall is off.
package duckdbtest

import (
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// Available reports whether this build can open DuckDB (it was built with
// cgo).
func Available() bool { return available }

// A Row is one result row, by column name.
type Row map[string]any

// Query runs q and returns every row, with column values as Go values:
// BIGINT and HUGEINT that fit as int64, INTEGER as int32, DOUBLE as
// float64, FLOAT as float32, VARCHAR as string, DATE and TIMESTAMP as
// time.Time, NULL as nil. An error fails the test.
func Query(tb testing.TB, db *sql.DB, q string, args ...any) []Row {
	tb.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		tb.Fatalf("duckdb: %v\nquery: %s", err, q)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatal(err)
	}
	var out []Row
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatalf("duckdb: %v\nquery: %s", err, q)
		}
		r := make(Row, len(cols))
		for i, c := range cols {
			r[c] = normalize(vals[i])
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("duckdb: %v\nquery: %s", err, q)
	}
	return out
}

// normalize turns a HUGEINT (SUM of BIGINT is one) into an int64 when it
// fits, so sums compare with Go counters.
func normalize(v any) any {
	if b, ok := v.(*big.Int); ok && b.IsInt64() {
		return b.Int64()
	}
	return v
}

// Scalar runs q, which must return exactly one row of one column, and
// scans the value into a T (database/sql's conversions apply: a HUGEINT
// scans into an int64, a NULL only into a pointer or sql.Null type).
func Scalar[T any](tb testing.TB, db *sql.DB, q string, args ...any) T {
	tb.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		tb.Fatalf("duckdb: %v\nquery: %s", err, q)
	}
	defer rows.Close()
	var v T
	if cols, _ := rows.Columns(); len(cols) != 1 {
		tb.Fatalf("duckdb: %d columns, want 1\nquery: %s", len(cols), q)
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			tb.Fatalf("duckdb: %v\nquery: %s", err, q)
		}
		tb.Fatalf("duckdb: no row\nquery: %s", q)
	}
	if err := rows.Scan(&v); err != nil {
		tb.Fatalf("duckdb: %v\nquery: %s", err, q)
	}
	if rows.Next() {
		tb.Fatalf("duckdb: more than one row\nquery: %s", q)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("duckdb: %v\nquery: %s", err, q)
	}
	return v
}

// Counts runs q, whose rows are (key, count) pairs, and returns them as a
// map: the key formatted with fmt.Sprint ("NULL" for NULL), the count as an
// int64. A key that comes twice fails the test.
func Counts(tb testing.TB, db *sql.DB, q string, args ...any) map[string]int64 {
	tb.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		tb.Fatalf("duckdb: %v\nquery: %s", err, q)
	}
	defer rows.Close()
	if cols, _ := rows.Columns(); len(cols) != 2 {
		tb.Fatalf("duckdb: %d columns, want (key, count)\nquery: %s", len(cols), q)
	}
	out := map[string]int64{}
	for rows.Next() {
		var k any
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			tb.Fatalf("duckdb: %v\nquery: %s", err, q)
		}
		key := "NULL"
		if k != nil {
			key = fmt.Sprint(normalize(k))
		}
		if _, dup := out[key]; dup {
			tb.Fatalf("duckdb: key %q comes twice\nquery: %s", key, q)
		}
		out[key] = n
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("duckdb: %v\nquery: %s", err, q)
	}
	return out
}

// Exec runs statements that return no rows; an error fails the test.
func Exec(tb testing.TB, db *sql.DB, q string, args ...any) {
	tb.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		tb.Fatalf("duckdb: %v\nstatement: %s", err, q)
	}
}

// Version returns the DuckDB library's version, such as "v1.4.5".
func Version(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	return Scalar[string](tb, db, "SELECT version()")
}

// ParquetView creates (or replaces) a view named name over the Parquet
// files that glob matches, read with Hive partitioning: the key=value
// directories below the glob's root become columns. AWS's Athena queries
// then run against the view under their own table name.
func ParquetView(tb testing.TB, db *sql.DB, name, glob string) {
	tb.Helper()
	Exec(tb, db, "CREATE OR REPLACE VIEW "+Ident(name)+" AS SELECT * FROM read_parquet("+
		String(glob)+", hive_partitioning = true)")
}

// String quotes s as an SQL string literal, for the places DuckDB takes no
// parameter (view definitions, COPY targets).
func String(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Ident quotes s as an SQL identifier.
func Ident(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

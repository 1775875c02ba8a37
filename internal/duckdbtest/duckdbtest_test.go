package duckdbtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/cfwatch/cfwatch/internal/duckdbtest"
)

// TestVersion: the library is DuckDB 1.4, the release line the project's
// Athena checks and benchmarks were made with.
func TestVersion(t *testing.T) {
	db := duckdbtest.Open(t)
	v := duckdbtest.Version(t, db)
	t.Logf("DuckDB %s", v)
	if !strings.HasPrefix(v, "v1.4.") {
		t.Errorf("DuckDB %s, want v1.4.x", v)
	}
	if duckdbtest.Scalar[bool](t, db, "SELECT current_setting('autoinstall_known_extensions')") {
		t.Error("DuckDB may install extensions from the network")
	}
	if !duckdbtest.Available() {
		t.Error("Open worked but Available() is false")
	}
}

type item struct {
	Name  string    `parquet:"name"`
	N     int64     `parquet:"n"`
	Small *int32    `parquet:"small"`
	Day   time.Time `parquet:"day,date"`
}

// TestReadParquet: DuckDB reads a Parquet file written by parquet-go, with
// Hive partitions from the directory names, and the helpers return Go
// values.
func TestReadParquet(t *testing.T) {
	dir := t.TempDir()
	seven := int32(7)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, p := range []struct {
		part  string
		items []item
	}{
		{"day=2026-11-20/hour=14", []item{{"a", 1, &seven, day}, {"b", 2, nil, day}}},
		{"day=2026-11-20/hour=15", []item{{"a", 1 << 40, nil, day}}},
	} {
		path := filepath.Join(dir, filepath.FromSlash(p.part), "f.parquet")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := parquet.WriteFile(path, p.items); err != nil {
			t.Fatal(err)
		}
	}
	db := duckdbtest.Open(t)
	duckdbtest.ParquetView(t, db, "it's", filepath.Join(dir, "**", "*.parquet"))

	if n := duckdbtest.Scalar[int64](t, db, `SELECT count(*) FROM "it's"`); n != 3 {
		t.Errorf("count(*) = %d, want 3", n)
	}
	got := duckdbtest.Counts(t, db, `SELECT name, sum(n) FROM "it's" GROUP BY name`)
	if len(got) != 2 || got["a"] != 1+1<<40 || got["b"] != 2 {
		t.Errorf("sums by name = %v", got)
	}
	rows := duckdbtest.Query(t, db, `SELECT name, n, small, day, hour, sum(n) OVER () AS total FROM "it's" ORDER BY hour, name`)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	r := rows[0]
	if r["name"] != "a" || r["n"] != int64(1) || r["small"] != int32(7) || r["hour"] != int64(14) {
		t.Errorf("first row = %#v", r)
	}
	if d, ok := r["day"].(time.Time); !ok || !d.Equal(day) {
		t.Errorf("day = %#v, want %v", r["day"], day)
	}
	if rows[1]["small"] != nil {
		t.Errorf("NULL read as %#v", rows[1]["small"])
	}
	// sum() of BIGINT is a HUGEINT in DuckDB; Query gives it as an int64.
	if r["total"] != int64(3+1<<40) {
		t.Errorf("total = %#v (%T)", r["total"], r["total"])
	}
}

// TestConnectionsShareDatabase: database/sql may run statements on
// different connections; they all see the same in-memory database.
func TestConnectionsShareDatabase(t *testing.T) {
	db := duckdbtest.Open(t)
	c1, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := db.Conn(t.Context()) // c1 is held: c2 is another connection
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c1.ExecContext(t.Context(), "CREATE TABLE t AS SELECT 42 AS x"); err != nil {
		t.Fatal(err)
	}
	var x int
	if err := c2.QueryRowContext(t.Context(), "SELECT x FROM t").Scan(&x); err != nil || x != 42 {
		t.Errorf("second connection: x = %d, %v", x, err)
	}
}

func TestQuote(t *testing.T) {
	if got := duckdbtest.String("it's"); got != "'it''s'" {
		t.Errorf("String = %s", got)
	}
	if got := duckdbtest.Ident(`a"b`); got != `"a""b"` {
		t.Errorf("Ident = %s", got)
	}
}

package athenatest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cfwatch/cfwatch/internal/duckdbtest"
)

// OpenTable is DuckDB with the view "cloudfront_logs" over the dataset at
// root, as Glue declares the table: the partition columns typed as in the
// DDL (day a string, hour an int), request_time a timestamp without time
// zone (UTC), and Athena's "$path" pseudo-column. DuckDB also gives each
// row's position in its file (file_row_number), which Athena cannot.
func OpenTable(tb testing.TB, root string) *sql.DB {
	tb.Helper()
	db := duckdbtest.Open(tb)
	// One connection: the time zone is a connection setting.
	db.SetMaxOpenConns(1)
	duckdbtest.Exec(tb, db, "SET TimeZone = 'UTC'")
	glob := filepath.Join(root, "**", "*.parquet")
	duckdbtest.Exec(tb, db, `CREATE VIEW cloudfront_logs AS
SELECT * REPLACE (CAST(request_time AS TIMESTAMP) AS request_time), filename AS "$path"
FROM read_parquet(`+duckdbtest.String(glob)+`, hive_partitioning = true, filename = true, file_row_number = true,
  hive_types = {'distribution': VARCHAR, 'day': VARCHAR, 'hour': INTEGER})`)
	return db
}

// Rows runs q on db and hands each row to fn as athena.Query.Rows does:
// values as text, nil for NULL, valid only during the call.
func Rows(ctx context.Context, db *sql.DB, q string, fn func([]*string) error) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, q)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]sql.NullString, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := make([]*string, len(names))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i := range vals {
			row[i] = nil
			if vals[i].Valid {
				row[i] = &vals[i].String
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Record copies a row handed out by Rows, to keep it.
func Record(row []*string) []*string {
	cp := make([]*string, len(row))
	for i, v := range row {
		if v != nil {
			s := *v
			cp[i] = &s
		}
	}
	return cp
}

// Columns names n columns c0, c1, …: the names Seed gives a result whose
// column names do not matter.
func Columns(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("c%d", i)
	}
	return out
}

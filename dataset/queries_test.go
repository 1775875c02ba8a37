package dataset_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/local"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// The dataset is checked with DuckDB 1.4 (internal/duckdbtest), an engine
// that shares no code with this project: AWS's published Athena queries for
// CloudFront logs run over the Parquet files, and their answers must be the
// report's, counted by cfwatch's own reader from the same log files.
//
// AWS publishes these queries for CloudFront standard logs (Amazon Athena
// User Guide):
//
//   - "Create a table for CloudFront standard logs (legacy)", Example queries,
//     https://docs.aws.amazon.com/athena/latest/ug/create-cloudfront-table-standard-logs.html
//
//     SELECT SUM(bytes) AS total_bytes
//     FROM cloudfront_standard_logs
//     WHERE "date" BETWEEN DATE '2018-06-09' AND DATE '2018-06-11'
//     LIMIT 100;
//
//     SELECT DISTINCT *
//     FROM cloudfront_standard_logs
//     LIMIT 10;
//
//   - "Create a table for CloudFront logs in Athena using manual partitioning
//     with Parquet", Example queries,
//     https://docs.aws.amazon.com/athena/latest/ug/create-cloudfront-table-manual-parquet.html
//
//     SELECT sum(cast("sc_bytes" as BIGINT)) as sc
//     FROM cf_logs_manual_partition_parquet
//     WHERE "date"='2025-01-19'
//
// That is all AWS publishes there: byte totals and SELECT DISTINCT. The
// first query does not run on AWS's own table either: the table on that
// page names the column sc_bytes, and "bytes" is a leftover of the older
// cloudfront_logs table (which named its columns bytes, status, uri,
// resulttype). Here it runs with sc_bytes; that and the dates (the data's
// day instead of 2018's) are the only changes. The Parquet query runs with
// its table name replaced and its date changed.
//
// The status mix, top URIs and cache result mix are not AWS queries: they
// are written here, in the same style, over the same AWS column names
// (sc_status, cs_uri_stem, x_edge_result_type, sc_bytes).

const (
	qDist  = "E2QWRUHEXAMPLE"
	qDay   = "2026-11-21" // the day queried: the report's window
	qTopN  = 10
	qTable = "cloudfront_standard_logs" // AWS's table name on the page
)

// The published queries, with the changes stated above.
const (
	awsTotalBytes = `SELECT SUM(sc_bytes) AS total_bytes
FROM cloudfront_standard_logs
WHERE "date" BETWEEN DATE '2026-11-21' AND DATE '2026-11-21'
LIMIT 100;`
	awsDistinct = `SELECT DISTINCT *
FROM cloudfront_standard_logs
LIMIT 10;`
	awsParquetBytes = `SELECT sum(cast("sc_bytes" as BIGINT)) as sc
FROM cloudfront_standard_logs
WHERE "date"='2026-11-21'`
)

// The figures the report shows, asked in the same style.
const (
	qTotals = `SELECT count(*) AS requests, SUM(sc_bytes) AS bytes_sent, SUM(cs_bytes) AS bytes_received,
  min(request_time) AS first, max(request_time) AS last
FROM cloudfront_standard_logs
WHERE "date" BETWEEN DATE '2026-11-21' AND DATE '2026-11-21'`
	qStatus = `SELECT sc_status, count(*) AS requests
FROM cloudfront_standard_logs
WHERE "date" BETWEEN DATE '2026-11-21' AND DATE '2026-11-21'
GROUP BY sc_status
ORDER BY requests DESC`
	qStatusClass = `SELECT CASE WHEN sc_status = 0 THEN '000' ELSE CAST(floor(sc_status / 100) AS INT) || 'xx' END AS class,
  count(*) AS requests
FROM cloudfront_standard_logs
WHERE "date" BETWEEN DATE '2026-11-21' AND DATE '2026-11-21'
GROUP BY 1
ORDER BY requests DESC`
	qTopURIs = `SELECT cs_uri_stem, count(*) AS requests, SUM(sc_bytes) AS bytes_sent,
  count_if(sc_status BETWEEN 400 AND 499) AS errors_4xx,
  count_if(sc_status BETWEEN 500 AND 599) AS errors_5xx
FROM cloudfront_standard_logs
WHERE "date" BETWEEN DATE '2026-11-21' AND DATE '2026-11-21'
GROUP BY cs_uri_stem
ORDER BY requests DESC, cs_uri_stem
LIMIT 10`
	qErrorURIs = `SELECT cs_uri_stem, count(*) AS requests, SUM(sc_bytes) AS bytes_sent,
  count_if(sc_status BETWEEN 400 AND 499) AS errors_4xx,
  count_if(sc_status BETWEEN 500 AND 599) AS errors_5xx
FROM cloudfront_standard_logs
WHERE "date" BETWEEN DATE '2026-11-21' AND DATE '2026-11-21'
GROUP BY cs_uri_stem
HAVING errors_4xx + errors_5xx > 0
ORDER BY errors_4xx + errors_5xx DESC, cs_uri_stem
LIMIT 10`
	qCacheMix = `SELECT x_edge_result_type, count(*) AS requests
FROM cloudfront_standard_logs
WHERE "date" BETWEEN DATE '2026-11-21' AND DATE '2026-11-21'
GROUP BY x_edge_result_type
ORDER BY requests DESC`
)

// qInput generates four hours of logs across midnight (so the day
// filter matters), with cookie logging on and failures after midnight, and
// writes them as the dataset the way ingest does: one Parquet file per log
// file, under its partition.
func qInput(t *testing.T) (logs, root string, recs int) {
	t.Helper()
	dir := t.TempDir()
	logs, root = filepath.Join(dir, "logs"), filepath.Join(dir, "dataset")
	start := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	midnight := start.Add(2 * time.Hour)
	cfg := loggen.Config{
		Seed:            11,
		Start:           start,
		Duration:        4 * time.Hour,
		RequestsPerHour: 6000,
		DistributionID:  qDist,
		CookieLogging:   true,
		Incidents: []loggen.Incident{
			{Kind: loggen.Auth403Callback, From: midnight.Add(30 * time.Minute), Until: midnight.Add(90 * time.Minute), Rate: 0.6},
			{Kind: loggen.Origin5xx, From: midnight.Add(60 * time.Minute), Until: midnight.Add(80 * time.Minute), Rate: 0.5},
			{Kind: loggen.ScannerFlood, From: midnight.Add(10 * time.Minute), Until: midnight.Add(20 * time.Minute), Rate: 0.5},
		},
	}
	files, err := loggen.WriteDir(context.Background(), logs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		recs += qWriteFile(t, f, root)
	}
	return logs, root, recs
}

// qWriteFile converts one log file to <root>/<partition>/<name>.parquet
// with the path ingest uses: logparse.Reader, Writer.Write, Close.
func qWriteFile(t *testing.T, path, root string) int {
	t.Helper()
	name := filepath.Base(path)
	key, ok := logparse.ParseKey(name)
	if !ok {
		t.Fatalf("%s: not a CloudFront log name", name)
	}
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := filepath.Join(dataset.PartitionPath(root, key.DistributionID, key.Hour), strings.TrimSuffix(name, ".gz")+".parquet")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	r := logparse.NewReader(in)
	r.Name = name
	defer r.Close()
	w := dataset.NewWriter(f, dataset.Options{})
	var rec logparse.Record
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Close()
			f.Close()
			t.Fatalf("%s: %v", name, err) // loggen writes no bad line
		}
		if err := w.Write(&rec, key.DistributionID); err != nil {
			w.Close()
			f.Close()
			t.Fatal(err)
		}
	}
	n := int(w.Rows())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

// qOpenDataset opens DuckDB with AWS's table name (and the dataset's DDL
// default, cloudfront_logs) as views over the dataset's files.
func qOpenDataset(t *testing.T, root string) *sql.DB {
	t.Helper()
	db := duckdbtest.Open(t)
	glob := filepath.Join(root, "**", "*.parquet")
	duckdbtest.ParquetView(t, db, qTable, glob)
	duckdbtest.ParquetView(t, db, dataset.DefaultTable, glob)
	return db
}

// TestDuckDBQueries reads the dataset of the same generated logs with DuckDB:
// AWS's queries agree with the report, and no secret is in the files.
func TestDuckDBQueries(t *testing.T) {
	db0 := duckdbtest.Open(t) // skips without cgo before generating anything
	t.Logf("DuckDB %s", duckdbtest.Version(t, db0))
	logs, root, written := qInput(t)
	db := qOpenDataset(t, root)
	t.Run("AWSQueriesAgreeWithReport", func(t *testing.T) { testAWSQueries(t, db, logs, written) })
	t.Run("NoSecrets", func(t *testing.T) { testNoSecrets(t, db, logs) })
}

// testAWSQueries: over the same log files and the same window (the day
// 2026-11-21), AWS's sample queries and the report's figures asked in SQL
// give exactly the report's counts.
func testAWSQueries(t *testing.T, db *sql.DB, logs string, written int) {
	day, _ := time.Parse(time.DateOnly, qDay)
	win := source.Window{From: day, Until: day.Add(24 * time.Hour)}
	objs, skipped, err := source.Local([]string{logs}, win)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := local.Run(context.Background(), source.Listing{Objects: objs, Skipped: skipped}, report.Options{Window: win, TopN: qTopN}, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() || rep.Input.SkippedLines > 0 {
		t.Fatalf("report could not read everything: %+v", rep.Input)
	}
	if rep.Totals.Requests < 5_000 || rep.Input.RecordsOutside == 0 && rep.Input.FilesOutsideWindow == 0 {
		t.Fatalf("not a test: %d requests in the window, %d records and %d files outside it",
			rep.Totals.Requests, rep.Input.RecordsOutside, rep.Input.FilesOutsideWindow)
	}

	t.Logf("%d records written, %d in the window; status %v; result types %v",
		written, rep.Totals.Requests, rep.Status.Classes, rep.Cache.ResultTypes)

	// Every record is in the dataset, and the partitions read back.
	if n := duckdbtest.Scalar[int64](t, db, "SELECT count(*) FROM "+qTable); n != int64(written) {
		t.Errorf("dataset holds %d rows, %d were written", n, written)
	}
	parts := duckdbtest.Counts(t, db, `SELECT distribution || '/' || strftime(day, '%Y-%m-%d') || '/' || hour, count(*) FROM `+
		qTable+` GROUP BY ALL`)
	if len(parts) != 4 {
		t.Errorf("partitions = %v, want the 4 hours of %s", parts, qDist)
	}
	for p := range parts {
		if !strings.HasPrefix(p, qDist+"/") {
			t.Errorf("partition %s: wrong distribution", p)
		}
	}
	if n := duckdbtest.Scalar[int64](t, db, "SELECT count(*) FROM "+dataset.DefaultTable+` WHERE day <> "date" OR hour <> hour(request_time)`); n != 0 {
		t.Errorf("%d rows lie outside their file's partition", n)
	}

	// AWS: SUM(bytes) over a date range.
	if got := duckdbtest.Scalar[int64](t, db, awsTotalBytes); got != rep.Totals.BytesSent {
		t.Errorf("AWS total_bytes = %d, report bytes_sent = %d", got, rep.Totals.BytesSent)
	}
	// AWS (Parquet page): sum(cast("sc_bytes" as BIGINT)) for one date.
	if got := duckdbtest.Scalar[int64](t, db, awsParquetBytes); got != rep.Totals.BytesSent {
		t.Errorf("AWS Parquet sc = %d, report bytes_sent = %d", got, rep.Totals.BytesSent)
	}
	// AWS: SELECT DISTINCT * … LIMIT 10 runs and has AWS's 33 columns first.
	rows := duckdbtest.Query(t, db, awsDistinct)
	if len(rows) != 10 {
		t.Errorf("SELECT DISTINCT * … LIMIT 10 gave %d rows", len(rows))
	}
	for _, c := range dataset.Columns()[:33] {
		if _, ok := rows[0][c.Name]; !ok {
			t.Errorf("SELECT DISTINCT * has no column %s", c.Name)
		}
	}

	// Totals.
	tot := duckdbtest.Query(t, db, qTotals)[0]
	if tot["requests"] != rep.Totals.Requests || tot["bytes_sent"] != rep.Totals.BytesSent || tot["bytes_received"] != rep.Totals.BytesReceived {
		t.Errorf("totals: DuckDB %v, report %+v", tot, rep.Totals)
	}
	if first, ok := tot["first"].(time.Time); !ok || rep.Totals.First == nil || !first.Equal(*rep.Totals.First) {
		t.Errorf("first request: DuckDB %v, report %v", tot["first"], rep.Totals.First)
	}
	if last, ok := tot["last"].(time.Time); !ok || rep.Totals.Last == nil || !last.Equal(*rep.Totals.Last) {
		t.Errorf("last request: DuckDB %v, report %v", tot["last"], rep.Totals.Last)
	}

	// Status codes and classes.
	codes := map[string]int64{}
	for k, n := range duckdbtest.Counts(t, db, qStatus) {
		var code int
		if _, err := fmt.Sscan(k, &code); err != nil {
			t.Fatalf("sc_status %q: %v", k, err)
		}
		codes[fmt.Sprintf("%03d", code)] = n
	}
	qEqualCounts(t, "status codes", codes, rep.Status.Codes)
	qEqualCounts(t, "status classes", duckdbtest.Counts(t, db, qStatusClass), rep.Status.Classes)
	if rep.Status.Classes["4xx"] == 0 || rep.Status.Classes["5xx"] == 0 {
		t.Errorf("not a test: no 4xx or 5xx in %v", rep.Status.Classes)
	}

	// Cache result mix: the report names a missing result type "-", the
	// dataset stores it as NULL.
	mix := duckdbtest.Counts(t, db, qCacheMix)
	if n, ok := mix["NULL"]; ok {
		delete(mix, "NULL")
		mix["-"] = n
	}
	qEqualCounts(t, "x_edge_result_type", mix, rep.Cache.ResultTypes)
	if len(mix) < 3 {
		t.Errorf("not a test: result types %v", mix)
	}

	// Top URIs and the URIs with the most errors, in the report's order.
	top := qPathRows(duckdbtest.Query(t, db, qTopURIs))
	if !slices.Equal(top, qReportRows(rep.Paths)) {
		t.Errorf("top URIs:\nDuckDB %v\nreport %v", top, qReportRows(rep.Paths))
	}
	errs := qPathRows(duckdbtest.Query(t, db, qErrorURIs))
	if !slices.Equal(errs, qReportRows(rep.Errors)) {
		t.Errorf("error URIs:\nDuckDB %v\nreport %v", errs, qReportRows(rep.Errors))
	}
	if len(top) != qTopN || len(errs) < 3 {
		t.Errorf("not a test: %d top URIs, %d error URIs", len(top), len(errs))
	}
}

func qEqualCounts(t *testing.T, what string, duck, rep map[string]int64) {
	t.Helper()
	if !maps.Equal(duck, rep) {
		t.Errorf("%s:\nDuckDB %v\nreport %v", what, duck, rep)
	}
}

// qPathRow is the part of a report.PathRow both sides compute.
type qPathRow struct {
	Path                 string
	Requests, BytesSent  int64
	Errors4xx, Errors5xx int64
}

func qPathRows(rows []duckdbtest.Row) []qPathRow {
	out := make([]qPathRow, len(rows))
	for i, r := range rows {
		out[i] = qPathRow{r["cs_uri_stem"].(string), r["requests"].(int64), r["bytes_sent"].(int64),
			r["errors_4xx"].(int64), r["errors_5xx"].(int64)}
	}
	return out
}

func qReportRows(rows []report.PathRow) []qPathRow {
	out := make([]qPathRow, len(rows))
	for i, r := range rows {
		out[i] = qPathRow{r.Path, r.Requests, r.BytesSent, r.Errors4xx, r.Errors5xx}
	}
	return out
}

// testNoSecrets: read back by DuckDB, cs_cookie holds cookie names with
// every value [redacted], and cs_uri_query and cs_referrer hold no OAuth code
// or state value; none of the values logged reaches any string column.
func testNoSecrets(t *testing.T, db *sql.DB, logs string) {
	// The secrets, from the logs as CloudFront wrote them.
	var recs []logparse.Record
	paths, err := filepath.Glob(filepath.Join(logs, "*.gz"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, parquettest.ParseLog(t, data)...)
	}
	find := secretsOf(t, recs)

	// In SQL: every cookie pair is name=[redacted] or name= (cleared), and
	// every code and state parameter's value is [redacted].
	if n := duckdbtest.Scalar[int64](t, db, `SELECT count(*) FROM `+qTable+` WHERE cs_cookie IS NOT NULL`); n < 1000 {
		t.Fatalf("only %d rows with cookies: not a test", n)
	}
	bad := duckdbtest.Query(t, db, `SELECT DISTINCT pair FROM (
  SELECT unnest(string_split(cs_cookie, ';')) AS pair FROM `+qTable+` WHERE cs_cookie IS NOT NULL)
WHERE NOT (pair LIKE '%=[redacted]' OR pair LIKE '%=' OR trim(replace(pair, '%20', '')) = '[redacted]')
LIMIT 5`)
	for _, r := range bad {
		t.Errorf("cs_cookie pair with a value: %q", r["pair"])
	}
	for _, col := range []string{"cs_uri_query", "cs_referrer"} {
		bad := duckdbtest.Query(t, db, `SELECT DISTINCT v FROM (
  SELECT unnest(regexp_extract_all(`+col+`, '(?:^|[?&;])(?:code|state)=([^&;]*)', 1)) AS v FROM `+qTable+`)
WHERE v <> '[redacted]' AND v <> ''
LIMIT 5`)
		for _, r := range bad {
			t.Errorf("%s holds a code or state value: %q", col, r["v"])
		}
	}
	if n := duckdbtest.Scalar[int64](t, db, `SELECT count(*) FROM `+qTable+` WHERE cs_uri_query LIKE 'code=[redacted]&state=[redacted]%'`); n == 0 {
		t.Error("no OAuth callback keeps the names code and state")
	}
	if n := duckdbtest.Scalar[int64](t, db, `SELECT count(*) FROM `+qTable+` WHERE cs_cookie LIKE '%next-auth.session-token=[redacted]%'`); n == 0 {
		t.Error("no row names the NextAuth session cookie")
	}

	// And none of the logged values, in any string column DuckDB reads.
	var cols []string
	for _, c := range dataset.Columns() {
		if c.Athena == "string" {
			cols = append(cols, duckdbtest.Ident(c.Name))
		}
	}
	leaks := 0
	for _, col := range cols {
		for _, r := range duckdbtest.Query(t, db, `SELECT DISTINCT `+col+` AS v FROM `+qTable+` WHERE `+col+` IS NOT NULL`) {
			if secret, found := find.in(r["v"].(string)); found {
				if leaks++; leaks <= 10 {
					t.Errorf("column %s holds the secret %q: %q", col, secret, r["v"])
				}
			}
		}
	}
}

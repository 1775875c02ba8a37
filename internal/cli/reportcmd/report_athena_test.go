package reportcmd

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/athena"
	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/athenatest"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/internal/mototest"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// recordingDuck runs the engine's statements on DuckDB and keeps their
// rows in start order: the results Athena would return.
type recordingDuck struct {
	db      *sql.DB
	mu      sync.Mutex
	results []*athenatest.Result
}

func (r *recordingDuck) Start(_ context.Context, _, q string) (athena.Query, error) {
	res := &athenatest.Result{}
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
	return duckRows(func(ctx context.Context, fn func([]*string) error) error {
		err := athenatest.Rows(ctx, r.db, q, func(row []*string) error {
			if res.Columns == nil {
				res.Columns = athenatest.Columns(len(row))
			}
			res.Rows = append(res.Rows, athenatest.Record(row))
			return fn(row)
		})
		if err == nil && res.Columns == nil {
			// No row: Athena still gives the column names.
			rows, err := r.db.QueryContext(ctx, q)
			if err != nil {
				return err
			}
			defer rows.Close()
			names, err := rows.Columns()
			if err != nil {
				return err
			}
			res.Columns = athenatest.Columns(len(names))
		}
		return err
	}), nil
}

type duckRows func(ctx context.Context, fn func([]*string) error) error

func (f duckRows) Rows(ctx context.Context, fn func([]*string) error) error { return f(ctx, fn) }

// TestAthenaEngine: report --engine athena runs the audit through the
// Athena API (moto, seeded with the rows DuckDB computes for the same
// statements over the dataset) and writes the report the local engine
// writes over the same dataset; it says what the queries cost on stderr.
func TestAthenaEngine(t *testing.T) {
	logs := callbackDir(t)
	root := filepath.Join(t.TempDir(), "ds")
	datasettest.Write(t, logs, root, dataset.Options{})
	from, until := time.Date(2026, 11, 20, 0, 30, 0, 0, time.UTC), time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

	_, px := serveAthena(t, root, from, until)
	px.ScannedBytes = 42 << 20

	args := []string{"--from", from.Format(time.RFC3339), "--until", until.Format(time.RFC3339), "--format", "json"}
	codeA, outA, errA := runReport(t, append(args, "--engine", "athena", "--athena-workgroup", "primary")...)
	codeL, outL, errL := runReport(t, append(args, "--source", root)...)
	// The callbacks fail: a critical finding, exit 1, either way.
	if codeA != exitFindings || codeL != exitFindings {
		t.Fatalf("exit %d with Athena, %d locally:\n%s\n%s", codeA, codeL, errA, errL)
	}
	if withoutInput(t, outA) != withoutInput(t, outL) {
		t.Errorf("the Athena engine's report differs from the local one:\n%s\n%s", outA, outL)
	}
	if !strings.Contains(outA, `"engine": "athena"`) || !strings.Contains(outA, `"queries": 4`) {
		t.Errorf("the input does not name Athena:\n%s", outA)
	}
	if !strings.Contains(errA, "athena: 4 queries in workgroup primary (us-east-1) scanned 168 MiB: about $0.0008 at $5 per TB scanned (list price in us-east-1") {
		t.Errorf("stderr: %s", errA)
	}

	// A query that fails: the error says why, exit 2.
	px.FailMarker = "grouping("
	code, _, errs := runReport(t, append(args, "--engine", "athena")...)
	if code != exitUsage || !strings.Contains(errs, "figures query") || !strings.Contains(errs, px.FailReason) {
		t.Errorf("failed query: exit %d, stderr %s", code, errs)
	}
	// The table's distributions are injected and none was named: say how.
	px.FailReason = "CONSTRAINT_VIOLATION: For the injected projected partition column distribution, the WHERE clause must contain only static equality conditions, and at least one such condition must be present."
	code, _, errs = runReport(t, append(args, "--engine", "athena")...)
	if code != exitUsage || !strings.Contains(errs, "--athena-distribution") {
		t.Errorf("injected distribution: exit %d, stderr %s", code, errs)
	}
}

func TestAthenaUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--engine", "athena", "--source", "x"}, "--source is not read with --engine athena"},
		{[]string{"--engine", "spark", "--source", "x"}, `--engine "spark": want local or athena`},
		{[]string{"--engine", "athena", "--athena-output", "bucket/x"}, "--athena-output"},
		{[]string{"--engine", "athena", "--athena-table", "a.b.c"}, "a.b.c"},
	} {
		code, _, errs := runReport(t, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %s", c.args, code, errs)
		}
	}
}

// serveAthena runs the statements the athena engine sends for the window
// over the dataset at root on DuckDB (the dialect's differences do not
// change the rows), seeds moto_server's Athena with their results behind a
// proxy, and points the command at it. It returns the statements' results
// and the proxy.
func serveAthena(t *testing.T, root string, from, until time.Time) ([]*athenatest.Result, *athenatest.Proxy) {
	t.Helper()
	cfg := detectors.DefaultConfig()
	opts := report.Options{Window: source.Window{From: from, Until: until}, TopN: 10, Detectors: &cfg}
	rec := &recordingDuck{db: athenatest.OpenTable(t, root)}
	if _, err := athena.Run(context.Background(), rec, opts, athena.Options{Dialect: athena.DuckDB}); err != nil {
		t.Fatal(err)
	}
	srv := mototest.Start(t)
	px := athenatest.NewProxy(t, srv.Endpoint)
	var results []athenatest.Result
	for _, r := range rec.results {
		results = append(results, *r)
	}
	athenatest.Seed(t, srv.Endpoint, results...)
	t.Setenv("AWS_ENDPOINT_URL_ATHENA", px.URL)
	awsEnv(t, "testing", "testing")
	t.Setenv("AWS_REGION", "us-east-1")
	return rec.results, px
}

package athena

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/cfwatch/cfwatch/internal/athenatest"
	"github.com/cfwatch/cfwatch/internal/mototest"
	"github.com/cfwatch/cfwatch/report"
)

// motoClient is a Client of moto_server through the proxy that adds paging
// and failures (internal/athenatest).
func motoClient(t *testing.T) (*Client, *athenatest.Proxy, *mototest.Server) {
	t.Helper()
	srv := mototest.Start(t)
	px := athenatest.NewProxy(t, srv.Endpoint)
	api := sdk.NewFromConfig(srv.Config(), func(o *sdk.Options) { o.BaseEndpoint = aws.String(px.URL) })
	return &Client{API: api, Database: "cfwatch", OutputLocation: "s3://results/cfwatch/",
		PollInterval: 5 * time.Millisecond, MaxPollInterval: 20 * time.Millisecond}, px, srv
}

func sp(s string) *string { return &s }

// TestClientFlow: a query is started, polled until it succeeds (it is
// QUEUED, then RUNNING, for a few polls each), and its rows are read page
// by page, without the column names Athena puts first, NULLs as nil. Its
// cost is accounted for.
func TestClientFlow(t *testing.T) {
	c, px, srv := motoClient(t)
	c.PageSize = 100
	px.ScannedBytes = 123 << 20
	athenatest.SetProgression(t, srv.Endpoint, 3)
	var rows [][]*string
	for i := range 250 {
		r := []*string{sp(fmt.Sprint(i)), sp("path/" + fmt.Sprint(i)), nil}
		if i%7 == 0 {
			r[2] = sp("")
		}
		rows = append(rows, r)
	}
	athenatest.Seed(t, srv.Endpoint, athenatest.Result{Columns: []string{"n", "p", "x"}, Rows: rows})

	var got [][]string
	err := c.Query(context.Background(), "test", "SELECT n, p, x FROM t", func(r []*string) error {
		row := make([]string, len(r))
		for i, v := range r {
			row[i] = "NULL"
			if v != nil {
				row[i] = *v
			}
		}
		got = append(got, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d rows, want 250", len(got))
	}
	for i, r := range got {
		want := []string{fmt.Sprint(i), "path/" + fmt.Sprint(i), "NULL"}
		if i%7 == 0 {
			want[2] = ""
		}
		if strings.Join(r, "|") != strings.Join(want, "|") {
			t.Fatalf("row %d = %q, want %q", i, r, want)
		}
	}
	// 251 rows with the column names: three pages of 100.
	if n := px.Calls("GetQueryResults"); n != 3 {
		t.Errorf("%d GetQueryResults calls, want 3 pages", n)
	}
	if n := px.Calls("GetQueryExecution"); n < 6 {
		t.Errorf("%d GetQueryExecution calls: QUEUED and RUNNING take three polls each", n)
	}
	st := c.Stats()
	if st.Queries != 1 || st.DataScannedBytes != 123<<20 || st.BilledBytes != 123<<20 || st.EngineTime != 1234*time.Millisecond {
		t.Errorf("stats %+v", st)
	}
	if cost := st.CostUSD(); cost < 0.00058 || cost > 0.00059 {
		t.Errorf("cost $%.6f for 123 MiB at $5 per TB", cost)
	}
}

// TestClientFailed: a query Athena fails is an error that says why.
func TestClientFailed(t *testing.T) {
	c, px, _ := motoClient(t)
	err := c.Query(context.Background(), "figures", "SELECT nope /* fail */ FROM t", func([]*string) error {
		t.Error("rows of a failed query")
		return nil
	})
	var qe *QueryError
	if !errors.As(err, &qe) || qe.State != types.QueryExecutionStateFailed || qe.Name != "figures" ||
		!strings.Contains(err.Error(), px.FailReason) || !strings.Contains(err.Error(), "failed") {
		t.Fatalf("err = %v", err)
	}
	if px.Calls("GetQueryResults") != 0 {
		t.Error("results were asked for")
	}
	// A failed query is billed too (10 MB at least).
	if st := c.Stats(); st.Queries != 1 || st.BilledBytes != 10<<20 {
		t.Errorf("stats %+v", st)
	}
}

// TestClientCancel: when the context ends while a query runs, the query is
// stopped (StopQueryExecution), and Athena says it was cancelled.
func TestClientCancel(t *testing.T) {
	c, px, srv := motoClient(t)
	athenatest.SetProgression(t, srv.Endpoint, 1_000_000) // stays QUEUED
	ctx, cancel := context.WithCancel(context.Background())
	q, err := c.Start(ctx, "detect", "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- q.Rows(ctx, func([]*string) error { return nil }) }()
	for px.Calls("GetQueryExecution") < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Rows did not return after cancel")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if px.Calls("StopQueryExecution") != 1 {
		t.Errorf("%d StopQueryExecution calls", px.Calls("StopQueryExecution"))
	}
	id := q.(*execution).id
	out, err := c.API.GetQueryExecution(context.Background(), &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if st := out.QueryExecution.Status.State; st != types.QueryExecutionStateCancelled {
		t.Errorf("state %s after cancel, want CANCELLED", st)
	}
}

// recorder runs the statements on DuckDB and keeps their rows, to seed
// moto with the results Athena would give.
type recorder struct {
	duck    *duck
	mu      sync.Mutex
	order   []string
	results map[string]athenatest.Result
}

func (r *recorder) Start(ctx context.Context, name, sql string) (Query, error) {
	q, err := r.duck.Start(ctx, name, sql)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.order = append(r.order, name)
	r.mu.Unlock()
	return queryFunc(func(ctx context.Context, fn func([]*string) error) error {
		var res athenatest.Result
		err := q.Rows(ctx, func(row []*string) error {
			res.Rows = append(res.Rows, athenatest.Record(row))
			return fn(row)
		})
		if len(res.Rows) > 0 {
			res.Columns = athenatest.Columns(len(res.Rows[0]))
		}
		r.mu.Lock()
		if r.results == nil {
			r.results = map[string]athenatest.Result{}
		}
		r.results[name] = res
		r.mu.Unlock()
		return err
	}), nil
}

type queryFunc func(ctx context.Context, fn func([]*string) error) error

func (f queryFunc) Rows(ctx context.Context, fn func([]*string) error) error { return f(ctx, fn) }

// TestRunThroughAthenaAPI: the whole engine through the Athena API (moto,
// paged by the proxy), fed the rows DuckDB computed, gives the local
// report; its input names Athena and the data scanned.
func TestRunThroughAthenaAPI(t *testing.T) {
	root := testDataset(t)
	db := openTable(t, root)
	w := window(2*time.Hour, 4*time.Hour)
	b := report.Shifted(w, 2*time.Hour)
	opts := report.Options{Window: w, Baseline: &b}
	rec := &recorder{duck: &duck{db: db}}
	if _, err := Run(context.Background(), rec, opts, Options{Dialect: DuckDB}); err != nil {
		t.Fatal(err)
	}
	c, px, srv := motoClient(t)
	c.PageSize = 500
	px.ScannedBytes = 7 << 20
	var results []athenatest.Result
	for _, name := range rec.order {
		results = append(results, rec.results[name])
	}
	athenatest.Seed(t, srv.Endpoint, results...)
	rep, err := Run(context.Background(), c, opts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	local := localReport(t, root, opts)
	if l, a := jsonOf(t, local, false), jsonOf(t, rep, false); l != a {
		t.Errorf("reports differ:\n%s", firstDiff(l, a))
	}
	if rep.Input.Engine != "athena" || rep.Input.Queries != 4 || rep.Input.DataScannedBytes != 4*7<<20 {
		t.Errorf("input %+v", rep.Input)
	}
	if n := len(rec.results["detect"].Rows); px.Calls("GetQueryResults") < n/500 {
		t.Errorf("%d result pages for %d detect rows", px.Calls("GetQueryResults"), n)
	}
}

// TestRunStopsOthers: when one statement fails, the others are stopped.
func TestRunStopsOthers(t *testing.T) {
	c, px, srv := motoClient(t)
	athenatest.SetProgression(t, srv.Endpoint, 4)
	px.FailMarker = "FROM ps JOIN sel" // the paths statement
	_, err := Run(context.Background(), c, report.Options{Window: window(0, time.Hour)}, Options{})
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Name != "paths" || !strings.Contains(err.Error(), "paths query") {
		t.Fatalf("err = %v", err)
	}
	if n := px.Calls("StopQueryExecution"); n != 3 {
		t.Errorf("%d queries stopped, want the other 3", n)
	}
}

// TestRunStartFails: a statement Athena refuses to start (no such
// workgroup) is an error naming the workgroup, and nothing runs.
func TestRunStartFails(t *testing.T) {
	c, px, _ := motoClient(t)
	c.WorkGroup = "no-such-workgroup"
	_, err := Run(context.Background(), c, report.Options{Window: window(0, time.Hour)}, Options{})
	if err == nil || !strings.Contains(err.Error(), "starting the figures query") || !strings.Contains(err.Error(), "no-such-workgroup") {
		t.Fatalf("err = %v", err)
	}
	if px.Calls("StartQueryExecution") != 1 || px.Calls("GetQueryExecution") != 0 {
		t.Errorf("%d starts, %d polls", px.Calls("StartQueryExecution"), px.Calls("GetQueryExecution"))
	}
}

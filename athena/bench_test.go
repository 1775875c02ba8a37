package athena

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/athenatest"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// counting counts each statement's result rows: what Athena would page
// out with GetQueryResults, 1,000 rows a call.
type counting struct {
	duck *duck
	mu   sync.Mutex
	rows map[string]int
}

func (c *counting) Start(ctx context.Context, name, sql string) (Query, error) {
	q, err := c.duck.Start(ctx, name, sql)
	if err != nil {
		return nil, err
	}
	return queryFunc(func(ctx context.Context, fn func([]*string) error) error {
		n := 0
		err := q.Rows(ctx, func(r []*string) error { n++; return fn(r) })
		c.mu.Lock()
		c.rows[name] += n
		c.mu.Unlock()
		return err
	}), nil
}

// BenchmarkMonthSQL runs the engine's statements over a month of hourly
// partitions (internal/datasettest.Month) with DuckDB on this machine, and
// reports the rows each returns: Athena's own time is not measured here,
// but the rows are what the engine pages out of it (1,000 a request) and
// replays.
//
//	go test ./athena -run '^$' -bench MonthSQL -benchtime 1x
func BenchmarkMonthSQL(b *testing.B) {
	_, ds, records := datasettest.Month(b)
	db := athenatest.OpenTable(b, ds)
	month := source.Window{From: datasettest.MonthStart, Until: datasettest.MonthStart.Add(datasettest.MonthDays * 24 * time.Hour)}
	for _, c := range []struct {
		name string
		w    source.Window
	}{
		{"month", month},
		{"day", source.Window{From: month.From.Add(11 * 24 * time.Hour), Until: month.From.Add(12 * 24 * time.Hour)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var q *counting
			var rep *report.Report
			for b.Loop() {
				q = &counting{duck: &duck{db: db}, rows: map[string]int{}}
				var err error
				if rep, err = Run(context.Background(), q, report.Options{Window: c.w}, Options{Dialect: DuckDB}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rep.Totals.Requests), "requests")
			b.ReportMetric(float64(q.rows["figures"]), "figures-rows")
			b.ReportMetric(float64(q.rows["paths"]), "paths-rows")
			b.ReportMetric(float64(q.rows["detect"]), "detect-rows")
			b.ReportMetric(float64(len(rep.Findings)), "findings")
			b.Logf("%d records in the month", records)
		})
	}
}

package local

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/reporttest"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// The golden input (reporttest): four hours of a modest site whose /api/*
// behavior starts forwarding the viewer's Host header to API Gateway at
// 03:00, reported on over 02:00–04:00.
var (
	t0     = reporttest.T0
	window = reporttest.Window
)

func goldenLogs(t *testing.T) string { return reporttest.GoldenLogs(t) }

func logLine(at time.Time, path string, status int) string {
	return reporttest.LogLine(at, path, status)
}

func render(t *testing.T, rep *report.Report, f report.Format, o report.WriteOptions) []byte {
	return reporttest.Render(t, rep, f, o)
}

// run is the report of the objects listed, read with o (at most one).
func run(ctx context.Context, objs []source.Object, skipped int, opts report.Options, o ...Options) (*report.Report, error) {
	var lo Options
	if len(o) > 0 {
		lo = o[0]
	}
	return Run(ctx, source.Listing{Objects: objs, Skipped: skipped}, opts, lo)
}

func TestMain(m *testing.M) {
	code := m.Run()
	reporttest.Cleanup()
	if incidentsDir != "" {
		os.RemoveAll(incidentsDir)
	}
	os.Exit(code)
}

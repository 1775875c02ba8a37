package datasettest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/loggen"
)

// MonthStart is the first hour of Month's data.
var MonthStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// MonthDays is the length of Month's data.
const MonthDays = 30

// MonthRate is Month's traffic per hour: 4,000 requests (a fifth of
// loggen's default site), or $CFWATCH_BENCH_MONTH_RATE.
func MonthRate() int {
	if s := os.Getenv("CFWATCH_BENCH_MONTH_RATE"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 4000
}

// MonthConfig is a month of a NextAuth site's traffic, one log file an
// hour, with a few incidents for the detectors to find (cookie logging
// off, CloudFront's default).
func MonthConfig() loggen.Config {
	at := func(k loggen.Kind, day, hours int) loggen.Incident {
		from := MonthStart.Add(time.Duration(day)*24*time.Hour + 14*time.Hour)
		return loggen.Incident{Kind: k, From: from, Until: from.Add(time.Duration(hours) * time.Hour), Rate: k.DefaultRate()}
	}
	return loggen.Config{Seed: 30, Start: MonthStart, Duration: MonthDays * 24 * time.Hour, RequestsPerHour: MonthRate(), FilesPerHour: 1,
		Incidents: []loggen.Incident{
			at(loggen.MethodRejected, 4, 2), at(loggen.Auth403Callback, 11, 3), at(loggen.Origin5xx, 17, 1),
			at(loggen.AuthCacheHit, 23, 2), at(loggen.ScannerFlood, 26, 24),
		}}
}

// Month returns a month of logs (MonthConfig: 720 hourly gzipped files)
// and the dataset written from them (one Parquet file per hour
// partition), and the number of records, generated once and cached in the
// user cache directory.
func Month(tb testing.TB) (logs, ds string, records int) {
	tb.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "cfwatch-bench", fmt.Sprintf("month-%d-%s", MonthRate(), loggen.Version))
	logs, ds = filepath.Join(dir, "logs"), filepath.Join(dir, "dataset")
	if b, err := os.ReadFile(filepath.Join(dir, ".done")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return logs, ds, n
		}
	}
	os.RemoveAll(dir)
	_, n, err := loggen.WriteDirCount(context.Background(), logs, MonthConfig())
	if err != nil {
		tb.Fatal(err)
	}
	Write(tb, logs, ds, dataset.Options{})
	if err := os.WriteFile(filepath.Join(dir, ".done"), []byte(strconv.Itoa(n)), 0o644); err != nil {
		tb.Fatal(err)
	}
	return logs, ds, n
}

// Package reporttest holds the inputs the tests of package report and of
// its engines (local, athena) share: the golden input, generated once per
// test binary, and a log line of the standard format.
package reporttest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

var (
	// T0 is the start of the golden input: four hours of a modest site
	// whose /api/* behavior starts forwarding the viewer's Host header to
	// API Gateway at 03:00 (IncidentFrom), until 04:00.
	T0                          = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	IncidentFrom, IncidentUntil = T0.Add(3 * time.Hour), T0.Add(4 * time.Hour)
	// Window is the golden report's window, 02:00–04:00.
	Window = source.Window{From: T0.Add(2 * time.Hour), Until: T0.Add(4 * time.Hour)}
)

// golden is the golden input's directory, written once per test binary.
var golden struct {
	once sync.Once
	dir  string
	err  error
}

// GoldenLogs writes the golden input once per test binary and returns the
// directory of its logs. Cleanup removes it.
func GoldenLogs(t testing.TB) string {
	t.Helper()
	golden.once.Do(func() {
		dir, err := os.MkdirTemp("", "cfwatch-report-test")
		if err != nil {
			golden.err = err
			return
		}
		golden.dir = filepath.Join(dir, "logs")
		cfg := loggen.Config{Seed: 7, Start: T0, Duration: 4 * time.Hour, RequestsPerHour: 4000,
			Incidents: []loggen.Incident{{Kind: loggen.APIOrigin403, From: IncidentFrom, Until: IncidentUntil, Rate: 1}}}
		_, golden.err = loggen.WriteDir(context.Background(), golden.dir, cfg)
	})
	if golden.err != nil {
		t.Fatal(golden.err)
	}
	return golden.dir
}

// Cleanup removes the golden input, if it was written (from TestMain).
func Cleanup() {
	if golden.dir != "" {
		os.RemoveAll(filepath.Dir(golden.dir))
	}
}

// LogLine is one line of a standard log: a GET of path at at, answered
// status.
func LogLine(at time.Time, path string, status int) string {
	f := []string{at.Format("2006-01-02"), at.Format("15:04:05"), "IAD89-C1", "500", "192.0.2.1", "GET", "d111111abcdef8.cloudfront.net",
		path, strconv.Itoa(status), "-", "Mozilla/5.0", "-", "-", "Miss", "abc" + strconv.Itoa(status), "app.example.com", "https", "100",
		"0.010", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Miss", "HTTP/2.0", "-", "-", "443", "0.010", "Miss", "text/html", "10", "-", "-"}
	return strings.Join(f, "\t") + "\n"
}

// Render writes rep in format f.
func Render(t testing.TB, rep *report.Report, f report.Format, o report.WriteOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rep.Write(&b, f, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

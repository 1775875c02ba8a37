package reportcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/local"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

var (
	callbackOnce sync.Once
	callbackLogs string
	callbackErr  error
	callbackTmp  string
)

// callbackDir writes, once per test run, two hours of logs whose OAuth
// callbacks start failing with 403 at 01:00 (cookies or query strings no
// longer forwarded).
func callbackDir(t *testing.T) string {
	t.Helper()
	callbackOnce.Do(func() {
		if callbackTmp, callbackErr = os.MkdirTemp("", "cfwatch-report"); callbackErr != nil {
			return
		}
		cfg := loggen.Config{Seed: 5, Start: start, Duration: 2 * time.Hour, RequestsPerHour: 6000,
			Incidents: []loggen.Incident{{Kind: loggen.Auth403Callback, From: start.Add(time.Hour), Until: start.Add(2 * time.Hour), Rate: 0.8}}}
		callbackLogs = filepath.Join(callbackTmp, "logs")
		_, callbackErr = loggen.WriteDir(context.Background(), callbackLogs, cfg)
	})
	if callbackErr != nil {
		t.Fatal(callbackErr)
	}
	return callbackLogs
}

func TestMain(m *testing.M) {
	// A child process of TestOutAtomic: the command itself, with these
	// arguments.
	if args := os.Getenv("CFWATCH_REPORT_TEST_MAIN"); args != "" {
		e := cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
		os.Exit(cli.Execute(context.Background(), New(e), strings.Split(args, "\x1f"), e))
	}
	code := m.Run()
	if callbackTmp != "" {
		os.RemoveAll(callbackTmp)
	}
	os.Exit(code)
}

func TestReportCompare(t *testing.T) {
	dir := callbackDir(t)
	args := []string{"--source", dir, "--from", "2026-11-20T01:00:00Z", "--until", "2026-11-20T02:00:00Z", "--fail-on", "none"}
	code, text, errs := runReport(t, append(args, "--baseline", "1h")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// One line says it: callbacks' 403s went from about none to most.
	var line string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "/api/auth/callback/* failed") {
			line = l
		}
	}
	if !strings.Contains(text, "Compared with 2026-11-20 00:00 → 2026-11-20 01:00 UTC (1h earlier)") ||
		!strings.Contains(line, "403: 0% → ") || !strings.Contains(line, " pts") {
		t.Fatalf("no callback comparison line:\n%s", text)
	}

	code, out, errs := runReport(t, append(args, "--baseline", "1h", "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		Endpoints []report.AuthEndpoint `json:"auth_endpoints"`
		Baseline  *report.Baseline      `json:"baseline"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Baseline == nil || r.Baseline.Offset != "1h" || r.Baseline.OffsetSeconds != 3600 {
		t.Fatalf("baseline %+v", r.Baseline)
	}
	now, then := r.Endpoints[0], r.Baseline.AuthEndpoints[0]
	if now.Endpoint != "callback/*" || then.Codes["403"] != 0 || then.Requests == 0 || float64(now.Codes["403"]) < 0.5*float64(now.Requests) {
		t.Errorf("callback then %+v, now %+v", then, now)
	}
	// --compare with --baseline takes the offset of --baseline.
	if _, same, _ := runReport(t, append(args, "--compare", "--baseline", "1h", "--format", "json")...); same != out {
		t.Error("--compare --baseline 1h differs from --baseline 1h")
	}
	// --compare alone: the same time a day earlier, not the hour before.
	code, out, errs = runReport(t, append(args, "--compare", "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var d struct {
		Baseline *report.Baseline `json:"baseline"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if b := d.Baseline; b == nil || b.Offset != "24h" || b.OffsetSeconds != 86400 ||
		!b.Window.From.Equal(time.Date(2026, 11, 19, 1, 0, 0, 0, time.UTC)) || !b.Window.Until.Equal(time.Date(2026, 11, 19, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("--compare over 01:00–02:00: baseline %+v, want 2026-11-19 01:00–02:00 (24h earlier)", b)
	}
}

func TestReportFormats(t *testing.T) {
	dir := callbackDir(t)
	args := []string{"--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T02:00:00Z", "--fail-on", "none"}
	for _, c := range []struct{ format, want string }{
		{"markdown", "### Findings ("},
		{"md", "| check | status | evidence |"},
		{"html", "<!DOCTYPE html>"},
	} {
		out := filepath.Join(t.TempDir(), "report."+c.format)
		code, stdout, errs := runReport(t, append(args, "--format", c.format, "--out", out)...)
		if code != 0 || stdout != "" || errs != "" {
			t.Fatalf("%s: exit %d, stdout %d bytes, stderr %q", c.format, code, len(stdout), errs)
		}
		data, err := os.ReadFile(out)
		if err != nil || !strings.Contains(string(data), c.want) {
			t.Errorf("%s: %v, output lacks %q", c.format, err, c.want)
		}
	}
	// The time series in JSON, at the interval asked for.
	code, out, errs := runReport(t, append(args, "--format", "json", "--interval", "10m")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		Series report.Series `json:"series"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Series.Interval != "10m" || len(r.Series.Points) != 12 {
		t.Errorf("series %+v, %v", r.Series, err)
	}
	for _, bad := range [][]string{
		{"--baseline", "yesterday"},
		{"--interval", "1s"}, // 7,200 points
		{"--format", "pdf"},
	} {
		code, _, errs := runReport(t, append(args, bad...)...)
		if code != 2 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errs)
		}
	}
}

// TestQuietOffTerminal: no progress line and no colour unless writing to a
// terminal: a file (as in CI, or a pipe) gets neither.
func TestQuietOffTerminal(t *testing.T) {
	dir := callbackDir(t)
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	stdout, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	env := cli.Env{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}
	code := cli.Execute(context.Background(), New(env), []string{"--source", dir, "--since", "2h", "--until", "2026-11-20T02:00:00Z", "--fail-on", "none"}, env)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if info, _ := stderr.Stat(); info.Size() != 0 {
		data, _ := os.ReadFile(stderr.Name())
		t.Errorf("stderr is not a terminal, yet got %q", data)
	}
	data, _ := os.ReadFile(stdout.Name())
	if len(data) == 0 || bytes.Contains(data, []byte("\x1b[")) {
		t.Errorf("stdout is not a terminal: want the report without colour, got %d bytes", len(data))
	}
}

func TestFormatProgress(t *testing.T) {
	for _, c := range []struct {
		p       local.Progress
		elapsed time.Duration
		want    string
	}{
		{local.Progress{FilesDone: 0, FilesTotal: 96}, 0, "reading 0/96 files · 0 B"},
		{local.Progress{FilesDone: 12, FilesTotal: 96, BytesDone: 5 << 20, BytesTotal: 40 << 20}, 0, "reading 12/96 files · 5.0 MiB of 40 MiB (12%)"},
		{local.Progress{FilesDone: 12, FilesTotal: 96, BytesDone: 10 << 20, BytesTotal: 40 << 20}, 2 * time.Second,
			"reading 12/96 files · 10 MiB of 40 MiB (25%) · 5.0 MiB/s · 6s left"},
		{local.Progress{FilesDone: 96, FilesTotal: 96, BytesDone: 40 << 20, BytesTotal: 40 << 20}, 4 * time.Second,
			"reading 96/96 files · 40 MiB of 40 MiB (100%) · 10 MiB/s"},
	} {
		if got := formatProgress(c.p, c.elapsed); got != c.want {
			t.Errorf("formatProgress(%+v, %v) = %q, want %q", c.p, c.elapsed, got, c.want)
		}
	}
}

// TestProgressLine: drawn in place, at most every progressEvery, not at all
// in a run that ends before progressDelay, and cleared at the end.
func TestProgressLine(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var b bytes.Buffer
	pl := newProgressLine(&b, clock)
	p := local.Progress{FilesTotal: 2, BytesTotal: 100}
	pl.update(p)
	now = now.Add(progressDelay / 2)
	pl.update(p)
	if b.Len() != 0 {
		t.Fatalf("drawn before the delay: %q", b.String())
	}
	now = now.Add(progressDelay)
	pl.update(p)
	now = now.Add(progressEvery / 2)
	pl.update(p) // too soon
	now = now.Add(progressEvery)
	p.FilesDone, p.BytesDone = 1, 50
	pl.update(p)
	pl.clear()
	got := b.String()
	if strings.Count(got, "\r") != 3 || !strings.HasPrefix(got, "\rreading 0/2 files") || !strings.Contains(got, "\rreading 1/2 files") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("progress output %q", got)
	}
	var quiet bytes.Buffer
	pl = newProgressLine(&quiet, clock)
	pl.update(p)
	pl.clear()
	if quiet.Len() != 0 {
		t.Errorf("a quick run drew %q", quiet.String())
	}
	(*progressLine)(nil).clear() // no progress line at all: nothing to do
}

package local

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"github.com/cfwatch/cfwatch/report"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/source"
)

// parallelInput is the golden logs plus files that make every kind of
// entry: bad lines and bad values spread over several files (more than
// MaxLineErrors and MaxFieldErrors in all, so which are listed depends on
// the order they are counted in), and a gzip file cut short.
func parallelInput(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	golden := goldenLogs(t)
	ents, err := os.ReadDir(golden)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(golden, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gz := func(name string, body string, cut int) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(body))
		zw.Close()
		out := b.Bytes()
		if cut > 0 {
			out = out[:cut]
		}
		if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for h := range 4 {
		at := t0.Add(time.Duration(h)*time.Hour + 30*time.Minute)
		var b strings.Builder
		b.WriteString("#Version: 1.0\n")
		for i := range 3000 {
			switch {
			case i%300 == 7:
				b.WriteString("not\ta\tlog\tline\n")
			case i%300 == 11:
				b.WriteString(strings.Replace(logLine(at, "/api/auth/session", 200), "\t500\t", "\t5.5\t", 1))
			case i%3 == 0:
				b.WriteString(logLine(at.Add(time.Duration(i)*time.Second), "/api/auth/callback/github", 403))
			default:
				b.WriteString(logLine(at.Add(time.Duration(i)*time.Second), fmt.Sprintf("/p/%d", i%17), 200))
			}
		}
		gz(fmt.Sprintf("E2QWRUHEXAMPLE.2026-11-20-%02d.bad%d.gz", h, h), b.String(), 0)
		if h == 2 {
			gz("E2QWRUHEXAMPLE.2026-11-20-02.cut.gz", b.String(), 4000)
		}
	}
	return dir
}

// TestParallelDeterministic: the report is the same bytes in every format,
// and the log the same lines, whatever the number of workers and however
// small the memory they may use ahead of the file being counted.
func TestParallelDeterministic(t *testing.T) {
	dir := parallelInput(t)
	base := report.Shifted(window, 2*time.Hour)
	run := func(parallel int, budget int64) (map[report.Format][]byte, string, *report.Report) {
		objs, skipped, err := source.Local([]string{dir}, report.Union(window, &base))
		if err != nil {
			t.Fatal(err)
		}
		var logBuf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
		rep, err := run(context.Background(), objs, skipped, report.Options{Window: window, Baseline: &base},
			Options{Logger: log, Parallel: parallel, ParallelBudget: budget})
		if err != nil {
			t.Fatal(err)
		}
		out := map[report.Format][]byte{}
		for _, f := range report.Formats() {
			out[f] = render(t, rep, f, report.WriteOptions{})
		}
		return out, logBuf.String(), rep
	}
	want, wantLog, rep := run(1, 0)
	// The input has what the test is about.
	if len(rep.Findings) == 0 || len(rep.Input.FailedFiles) != 1 || rep.Input.SkippedLines <= report.MaxLineErrors ||
		rep.Input.InvalidValues <= report.MaxFieldErrors || rep.Baseline == nil || rep.Baseline.Totals.Requests == 0 {
		t.Fatalf("input lacks findings, a failed file, line errors, field errors or a baseline: %d findings, %d failed files, %d skipped lines, %d invalid values",
			len(rep.Findings), len(rep.Input.FailedFiles), rep.Input.SkippedLines, rep.Input.InvalidValues)
	}
	if fe := rep.Input.FailedFiles[0]; fe.Records == 0 || !strings.HasSuffix(fe.File, ".cut.gz") {
		t.Fatalf("failed file %+v: want the cut file, with the records read before the cut", fe)
	}
	if len(report.Formats()) != 4 {
		t.Fatalf("formats %v: the test covers text, json, markdown and html", report.Formats())
	}
	for _, c := range []struct {
		parallel int
		budget   int64
	}{{2, 0}, {8, 0}, {2, 1}, {8, 1}, {8, 200 << 10}} {
		got, gotLog, _ := run(c.parallel, c.budget)
		for _, f := range report.Formats() {
			if !bytes.Equal(got[f], want[f]) {
				t.Errorf("%d workers, budget %d: the %s report differs from one worker's", c.parallel, c.budget, f)
			}
		}
		if gotLog != wantLog {
			t.Errorf("%d workers, budget %d: the log differs from one worker's:\n%s\nwant:\n%s", c.parallel, c.budget, gotLog, wantLog)
		}
	}
}

// TestParallelCancel: cancelling the context ends a parallel run with its
// error, and the workers stop.
func TestParallelCancel(t *testing.T) {
	dir := parallelInput(t)
	objs, skipped, err := source.Local([]string{dir}, window)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err = run(ctx, objs, skipped, report.Options{Window: window}, Options{Parallel: 4, ParallelBudget: 1, Progress: func(Progress) {
		if calls++; calls == 3 {
			cancel()
		}
	}})
	if err != context.Canceled {
		t.Fatalf("Run after cancel: %v, want context.Canceled", err)
	}
}

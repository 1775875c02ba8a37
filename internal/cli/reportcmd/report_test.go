package reportcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/loggen"
)

var start = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// genDir writes six hours of generated logs and returns the directory and
// how many records were written.
func genDir(t *testing.T) (string, int) {
	t.Helper()
	dir := t.TempDir()
	cfg := loggen.Config{Seed: 3, Start: start, Duration: 6 * time.Hour, RequestsPerHour: 2000}
	paths, n, err := loggen.WriteDirCount(context.Background(), filepath.Join(dir, "logs"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 24 {
		t.Fatalf("generated %d files", len(paths))
	}
	return filepath.Join(dir, "logs"), n
}

func runReport(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{Stdout: &out, Stderr: &errb, Getenv: os.Getenv}
	code = cli.Execute(context.Background(), New(env), args, env)
	return code, out.String(), errb.String()
}

type reportJSON struct {
	Input struct {
		Files              int   `json:"files"`
		FilesOutsideWindow int   `json:"files_outside_window"`
		Records            int64 `json:"records"`
		RecordsOutside     int64 `json:"records_outside_window"`
		SkippedLines       int64 `json:"skipped_lines"`
		FailedFiles        []struct {
			File    string `json:"file"`
			Records int    `json:"records_read"`
		} `json:"failed_files"`
	} `json:"input"`
	Totals struct {
		Requests int64 `json:"requests"`
	} `json:"totals"`
	Status struct {
		Classes map[string]int64 `json:"classes"`
	} `json:"status"`
	Paths []struct {
		Path     string `json:"path"`
		Requests int64  `json:"requests"`
	} `json:"top_paths"`
}

func decode(t *testing.T, s string) reportJSON {
	t.Helper()
	var r reportJSON
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, s)
	}
	return r
}

func TestReportJSON(t *testing.T) {
	dir, n := genDir(t)
	code, out, errs := runReport(t, "--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T06:00:00Z", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := decode(t, out)
	if r.Input.Files != 24 || r.Input.Records != int64(n) || r.Input.SkippedLines != 0 {
		t.Errorf("input: %+v, want 24 files and %d records", r.Input, n)
	}
	if r.Totals.Requests != int64(n) {
		t.Errorf("totals.requests %d, want %d", r.Totals.Requests, n)
	}
	var sum int64
	for _, v := range r.Status.Classes {
		sum += v
	}
	if sum != r.Totals.Requests {
		t.Errorf("status classes add up to %d, not %d", sum, r.Totals.Requests)
	}
	if len(r.Paths) == 0 || r.Paths[0].Requests == 0 {
		t.Errorf("no top paths: %+v", r.Paths)
	}
}

func TestReportWindow(t *testing.T) {
	dir, n := genDir(t)
	// Two hours of six: the files of hours far from the window are not read,
	// and records outside it are counted as read, not as requests.
	code, out, errs := runReport(t, "--source", dir, "--from", "2026-11-20T02:00:00Z", "--until", "2026-11-20T04:00:00Z", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := decode(t, out)
	if r.Input.FilesOutsideWindow != 8 || r.Input.Files != 16 {
		t.Errorf("files read %d, outside window %d; want 16 (the window's two hours and one on each side, for late records) and 8", r.Input.Files, r.Input.FilesOutsideWindow)
	}
	if r.Totals.Requests == 0 || r.Totals.Requests >= int64(n)/2 || r.Input.RecordsOutside == 0 {
		t.Errorf("requests in window %d of %d, outside %d", r.Totals.Requests, n, r.Input.RecordsOutside)
	}
	if r.Input.Records != r.Totals.Requests+r.Input.RecordsOutside {
		t.Errorf("records %d != in window %d + outside %d", r.Input.Records, r.Totals.Requests, r.Input.RecordsOutside)
	}
}

func TestReportText(t *testing.T) {
	dir, _ := genDir(t)
	code, out, errs := runReport(t, "--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T06:00:00Z")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"cfwatch report", "2026-11-20 00:00 → 2026-11-20 06:00 UTC (6h)", "Requests", "Cache", "hit ratio", "Top paths", "/api/auth/session", "Errors by path"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestReportBadInput(t *testing.T) {
	dir, _ := genDir(t)
	window := []string{"--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T06:00:00Z"}

	t.Run("missing path", func(t *testing.T) {
		code, _, errs := runReport(t, append([]string{"--source", filepath.Join(dir, "nope")}, window...)...)
		if code != 2 || !strings.Contains(errs, "nope") || !strings.Contains(errs, "no such file") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{{}, {"--source", dir, "--format", "xml"}, {"--source", dir, "--since", "yesterday"}, {"--source", dir, "--bogus"}} {
			if code, _, errs := runReport(t, args...); code != 2 || errs == "" {
				t.Errorf("%v: exit %d, stderr %q", args, code, errs)
			}
		}
	})
	t.Run("corrupt file and bad lines", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.gz"))
		data, err := os.ReadFile(files[5])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(files[5], data[:len(data)/2], 0o644); err != nil { // truncated gzip
			t.Fatal(err)
		}
		bad := loggen.Header + "2026-11-20\t25:00:00\tIAD89-C1\n"
		if err := os.WriteFile(filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-01.badlines.log"), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runReport(t, append([]string{"--source", dir, "--format", "json"}, window...)...)
		if code != 2 {
			t.Errorf("exit %d, want 2 for a file that could not be read", code)
		}
		r := decode(t, out)
		if len(r.Input.FailedFiles) != 1 || r.Input.FailedFiles[0].File != files[5] || r.Input.FailedFiles[0].Records == 0 {
			t.Errorf("failed files: %+v", r.Input.FailedFiles)
		}
		if r.Input.SkippedLines != 1 || r.Totals.Requests == 0 {
			t.Errorf("skipped %d, requests %d", r.Input.SkippedLines, r.Totals.Requests)
		}
		if !strings.Contains(errs, filepath.Base(files[5])) || !strings.Contains(errs, "after") {
			t.Errorf("stderr should name the corrupt file and the records read: %q", errs)
		}
	})
}

// TestReportWorkersDeterministic: fetching 1 or 8 files ahead gives the same
// report, byte for byte, in every format.
func TestReportWorkersDeterministic(t *testing.T) {
	dir := scenarioDir(t, "auth-403-callback")
	for _, format := range []string{"json", "text", "markdown", "html"} {
		args := []string{"--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T03:00:00Z", "--compare", "--fail-on", "none", "--format", format}
		_, one, errs := runReport(t, append(args, "--workers", "1")...)
		_, eight, _ := runReport(t, append(args, "--workers", "8")...)
		if one == "" || one != eight {
			t.Errorf("%s: 1 and 8 workers differ (stderr %q)", format, errs)
		}
	}
}

// awsEnv points the AWS SDK at the test's credentials only: no shared
// config or credentials files, no instance metadata.
func awsEnv(t *testing.T, accessKey, secretKey string) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

package reportcmd

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/datasettest"
)

type coverageJSON struct {
	Coverage struct {
		NoData        bool       `json:"no_data"`
		Records       int64      `json:"records"`
		MinRecords    int64      `json:"min_records"`
		NearestBefore *time.Time `json:"nearest_before"`
		NearestAfter  *time.Time `json:"nearest_after"`
	} `json:"coverage"`
	Findings []json.RawMessage `json:"findings"`
}

// TestNoDataExit: a window of another day is no pass: exit 3, said first
// in every format and on stderr, unless --allow-empty.
func TestNoDataExit(t *testing.T) {
	dir, _ := genDir(t) // 2026-11-20 00:00–06:00
	other := []string{"--source", dir, "--from", "2026-11-01T00:00:00Z", "--until", "2026-11-02T00:00:00Z"}
	for _, format := range []string{"text", "markdown", "html", "json"} {
		code, out, errs := runReport(t, append(other, "--format", format)...)
		if code != exitNoData || !strings.Contains(errs, "no data: 0 records in the window") {
			t.Errorf("%s: exit %d, want %d; stderr %s", format, code, exitNoData, errs)
		}
		if format == "json" {
			var r coverageJSON
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if c := r.Coverage; !c.NoData || c.Records != 0 || c.MinRecords != 1 || c.NearestBefore != nil || c.NearestAfter == nil ||
				!c.NearestAfter.Equal(start) || r.Findings == nil {
				t.Errorf("json: %+v", r)
			}
			continue
		}
		i := strings.Index(strings.ToUpper(out), "NO DATA")
		if i < 0 || i > strings.Index(out, "Findings") || !strings.Contains(out, "from 2026-11-20 00:00:00 UTC, after the window") {
			t.Errorf("%s does not say first where the data is:\n%.800s", format, out)
		}
	}
	code, out, _ := runReport(t, append(other, "--allow-empty")...)
	if code != exitOK || !strings.HasPrefix(out, "NO DATA") {
		t.Errorf("--allow-empty: exit %d:\n%.300s", code, out)
	}
	// Data, but fewer records than --min-records.
	code, out, errs := runReport(t, "--source", dir, "--from", "2026-11-20T02:00:00Z", "--until", "2026-11-20T02:01:00Z", "--min-records", "1000")
	if code != exitNoData || !strings.HasPrefix(out, "NO DATA  The window holds only ") || !strings.Contains(errs, "fewer than --min-records 1000") {
		t.Errorf("--min-records: exit %d:\n%.300s\n%s", code, out, errs)
	}
	if code, _, errs := runReport(t, "--source", dir, "--min-records", "0"); code != exitUsage || !strings.Contains(errs, "--min-records 0") {
		t.Errorf("--min-records 0: exit %d, %s", code, errs)
	}
	// A failing finding in too few records is still a failure (exit 1).
	code, _, errs = runReport(t, "--source", callbackDir(t), "--from", "2026-11-20T01:00:00Z", "--until", "2026-11-20T02:00:00Z", "--min-records", "100000000")
	if code != exitFindings {
		t.Errorf("a critical finding in too few records: exit %d, want %d: %s", code, exitFindings, errs)
	}
}

// TestNoDataAthena: the Athena engine says the same of a window without
// data, and finds the nearest data with one more query.
func TestNoDataAthena(t *testing.T) {
	logs := callbackDir(t) // 2026-11-20 00:00–02:00
	root := filepath.Join(t.TempDir(), "ds")
	datasettest.Write(t, logs, root, dataset.Options{})
	from, until := time.Date(2026, 11, 19, 6, 0, 0, 0, time.UTC), time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)
	if results, _ := serveAthena(t, root, from, until); len(results) != 5 {
		t.Fatalf("%d statements, want the four and the nearest one", len(results))
	}

	args := []string{"--from", from.Format(time.RFC3339), "--until", until.Format(time.RFC3339), "--format", "json"}
	codeA, outA, errA := runReport(t, append(args, "--engine", "athena", "--athena-workgroup", "primary")...)
	codeL, outL, errL := runReport(t, append(args, "--source", root)...)
	if codeA != exitNoData || codeL != exitNoData {
		t.Fatalf("exit %d with Athena, %d locally:\n%s\n%s", codeA, codeL, errA, errL)
	}
	var a, l coverageJSON
	if err := json.Unmarshal([]byte(outA), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(outL), &l); err != nil {
		t.Fatal(err)
	}
	// Locally the dataset's day=2026-11-20 partition, not entered, says
	// where the data starts; Athena, its first record.
	if !l.Coverage.NoData || !a.Coverage.NoData || l.Coverage.NearestAfter == nil || a.Coverage.NearestAfter == nil ||
		!l.Coverage.NearestAfter.Equal(start) || a.Coverage.NearestAfter.Before(start) || a.Coverage.NearestAfter.After(start.Add(time.Minute)) {
		t.Errorf("coverage: local %+v, athena %+v", l.Coverage, a.Coverage)
	}
	if !strings.Contains(errA, "athena: 5 queries") {
		t.Errorf("stderr: %s", errA)
	}
}

// TestOutAtomic: --out replaces the file only with a report written in
// full; a write that fails (here the file size limit, as a full disk would)
// leaves the previous report, and no temporary file.
func TestOutAtomic(t *testing.T) {
	dir, _ := genDir(t)
	out := filepath.Join(t.TempDir(), "report.out") // no extension that names a format: --format decides
	args := []string{"--source", dir, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T06:00:00Z", "--format", "html", "--out", out}
	if code, _, errs := runReport(t, args...); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	good, err := os.ReadFile(out)
	if err != nil || len(good) < 64<<10 {
		t.Fatalf("%d bytes (%v)", len(good), err)
	}
	if err := os.Chmod(out, 0o600); err != nil {
		t.Fatal(err)
	}

	// The same run in a child process limited to 16 KiB files.
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash for ulimit")
	}
	cmd := exec.Command("bash", "-c", `ulimit -f 16 && exec "$0"`, os.Args[0])
	cmd.Env = append(os.Environ(), "CFWATCH_REPORT_TEST_MAIN="+strings.Join(args, "\x1f"))
	msg, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || !strings.Contains(string(msg), "writing the report to "+out) {
		t.Fatalf("with a 16 KiB limit: %v:\n%s", err, msg)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != string(good) {
		t.Errorf("the previous report is lost: %d bytes, %v", len(b), err)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode: %v %v", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A second good run replaces it, keeping its mode.
	if code, _, errs := runReport(t, append(args, "--format", "json")...); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 || st.Size() == int64(len(good)) {
		t.Errorf("after a second run: %v %v", st, err)
	}
	// A directory is not overwritten.
	if code, _, errs := runReport(t, append(args[:len(args)-1], filepath.Dir(out))...); code != exitUsage || !strings.Contains(errs, "not a regular file") {
		t.Errorf("--out DIR: exit %d, %s", code, errs)
	}
}

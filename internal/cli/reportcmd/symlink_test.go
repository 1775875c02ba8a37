package reportcmd

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReportSymlink: --source names a link to the log directory, as a
// deploy's "current" link does: its files are read.
func TestReportSymlink(t *testing.T) {
	dir, n := genDir(t)
	link := filepath.Join(t.TempDir(), "current")
	if err := os.Symlink(dir, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	// A loop inside does not hang the walk nor read a file twice.
	if err := os.Symlink("..", filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(filepath.Join(dir, "loop"))
	code, out, errs := runReport(t, "--source", link, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T06:00:00Z", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if r := decode(t, out); r.Input.Files != 24 || r.Input.Records != int64(n) || r.Totals.Requests != int64(n) {
		t.Errorf("input %+v, %d requests: want the 24 files and %d records", r.Input, r.Totals.Requests, n)
	}
}

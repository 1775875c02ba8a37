package ingestcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalSymlink: ingest --local follows a link to the log directory.
func TestLocalSymlink(t *testing.T) {
	logs := logsDir(t)
	link := filepath.Join(t.TempDir(), "current")
	if err := os.Symlink(logs, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, nil, "--local", link, "--out", out)
	if code != exitOK || !strings.Contains(stdout, "12 files (0 failed)") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if parquets, _ := filepath.Glob(filepath.Join(out, "distribution=E2QWRUHEXAMPLE", "day=2026-11-20", "hour=*", "*.parquet")); len(parquets) != 12 {
		t.Errorf("%d Parquet files, want 12", len(parquets))
	}
}

// Package testenv finds the files tests share with the rest of the workplace.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedDir returns the optional external test corpus, a directory holding
// real-logs/ and seeds/: $CFWATCH_SHARED, or "shared" beside the
// repository (docs/development.md). Tests that need it are skipped, with a
// message saying so, when it is absent.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	dir, ok := LookupSharedDir()
	if !ok {
		tb.Skipf("skipping: %s not found (set CFWATCH_SHARED to the external test corpus, a directory holding real-logs/, to run this test; see docs/development.md)", dir)
	}
	return dir
}

// LookupSharedDir returns where the external test corpus is expected and
// whether it is there.
func LookupSharedDir() (string, bool) {
	dir := os.Getenv("CFWATCH_SHARED")
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", false
		}
		dir = filepath.Join(root, "..", "shared")
	}
	_, err := os.Stat(filepath.Join(dir, "real-logs"))
	return dir, err == nil
}

// RealLogsDir returns the directory of real CloudFront logs from public sources.
func RealLogsDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(SharedDir(tb), "real-logs")
}

// RepoRoot returns the directory holding go.mod, found upward from the
// working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

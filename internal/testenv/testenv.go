// Package testenv finds the files tests share with the rest of the workplace.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedDir returns the workplace's shared directory: $CFWATCH_SHARED, or
// "shared" beside the repository. Tests that need it are skipped, with a
// message saying so, when it is absent (a clone outside the workplace).
func SharedDir(tb testing.TB) string {
	tb.Helper()
	dir, ok := LookupSharedDir()
	if !ok {
		tb.Skipf("skipping: %s not found (set CFWATCH_SHARED to the workplace's shared directory to run this test)", dir)
	}
	return dir
}

// LookupSharedDir returns where the shared directory is expected and whether
// it is there.
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

package ingestcmd

import (
	"bytes"
	"context"
	"errors"
	"github.com/cfwatch/cfwatch/internal/cli"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// failingWriter fails every write, as a full disk or a closed pipe does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestStdoutFails: a summary, findings or DDL that cannot be written is a
// failure, said on stderr.
func TestStdoutFails(t *testing.T) {
	logs := logsDir(t)
	for _, args := range [][]string{
		{"--local", logs, "--out", t.TempDir()},
		{"--local", logs, "--out", t.TempDir(), "--format", "json"},
		{"ddl"},
		{"help"},
	} {
		var stderr bytes.Buffer
		code := cli.RunWith(context.Background(), New, args, cli.Env{Stdout: failingWriter{}, Stderr: &stderr, Getenv: func(string) string { return "" }})
		if code == exitOK || !strings.Contains(stderr.String(), "standard output") || !strings.Contains(stderr.String(), "no space left") {
			t.Errorf("%q: exit %d, stderr %q; want a failure and why", args[0], code, stderr.String())
		}
	}
}

// TestStdoutFullBinary: the command itself, its output sent to /dev/full.
func TestStdoutFullBinary(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full:", err)
	}
	bin := filepath.Join(t.TempDir(), "ingest")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cfwatch/cfwatch/cmd/ingest").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	cmd := exec.Command(bin, "--local", logsDir(t), "--out", t.TempDir())
	cmd.Env = append(os.Environ(), "GOMEMLIMIT=off")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = full, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailed || !strings.Contains(stderr.String(), "standard output") {
		t.Errorf("exit %v, stderr %q; want 1 and a message", err, stderr.String())
	}
}

// parquetFiles lists the Parquet files under dir, relative to it.
func parquetFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// TestLocalSameOutputHoweverSpelled: the same logs given as a relative
// path, an absolute one and through a symbolic link write the same
// objects: a rerun replaces them instead of duplicating every row.
func TestLocalSameOutputHoweverSpelled(t *testing.T) {
	parent := t.TempDir()
	logs := filepath.Join(parent, "logs")
	if err := os.Rename(logsDir(t), logs); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(logs, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	gz, _ := filepath.Glob(filepath.Join(logs, "*.gz"))
	out := t.TempDir()
	t.Chdir(parent)
	var first []string
	for _, src := range []string{"logs", logs, "./logs/../logs", filepath.Join(link, filepath.Base(gz[0]))} {
		if code, stdout, stderr := runCmd(t, nil, "--local", src, "--out", out); code != exitOK {
			t.Fatalf("%s: exit %d\n%s%s", src, code, stdout, stderr)
		}
		got := parquetFiles(t, out)
		if first == nil {
			first = got
			if len(first) != 12 {
				t.Fatalf("%d files: %v", len(first), first)
			}
			continue
		}
		if !slices.Equal(got, first) {
			t.Errorf("--local %s added files:\n%v\nwas\n%v", src, got, first)
		}
	}
}

// TestLocalRemovesLeftovers: the hidden temporary files a killed run left
// in the output are removed by the next run into it; other files stay.
func TestLocalRemovesLeftovers(t *testing.T) {
	out := t.TempDir()
	hour := filepath.Join(out, "distribution=E2QWRUHEXAMPLE", "day=2026-11-20", "hour=12")
	stale := []string{
		filepath.Join(hour, ".E2QWRUHEXAMPLE.2026-11-20-12.0001.1a2b3c4d.parquet.999999998-12345.tmp"),
		filepath.Join(out, "distribution=E9", "day=2026-01-01", "hour=00", ".x.parquet.3141592.tmp"),
	}
	other := filepath.Join(hour, ".keep.tmp")
	for _, f := range append(slices.Clone(stale), other) {
		os.MkdirAll(filepath.Dir(f), 0o755)
		if err := os.WriteFile(f, []byte("PAR1"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCmd(t, nil, "--local", logsDir(t), "--out", out)
	if code != exitOK || !strings.Contains(stderr, "interrupted run") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, f := range stale {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s left (%v)", f, err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file not the sink's was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "distribution=E9")); !os.IsNotExist(err) {
		t.Errorf("emptied directories left (%v)", err)
	}
}

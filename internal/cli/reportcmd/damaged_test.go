package reportcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/datasettest"
)

// panics reports whether reading every value of the Parquet file b with
// the Parquet library alone panics.
func panics(b []byte) (p bool) {
	defer func() { p = recover() != nil }()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return false
	}
	vals := make([]parquet.Value, 1024)
	for _, rg := range f.RowGroups() {
		for _, cc := range rg.ColumnChunks() {
			pages := cc.Pages()
			for {
				pg, err := pages.ReadPage()
				if err != nil {
					break
				}
				vr := pg.Values()
				for {
					n, err := vr.ReadValues(vals)
					if err != nil || n == 0 {
						break
					}
				}
				parquet.Release(pg)
			}
			pages.Close()
		}
	}
	return false
}

// TestDamagedDatasetFile: one flipped byte in one dataset file, of the kind
// that makes the Parquet library panic, fails that file only: it is listed
// as failed (exit 2, its name on stderr) and the other files are reported.
func TestDamagedDatasetFile(t *testing.T) {
	logs := callbackDir(t)
	root := filepath.Join(t.TempDir(), "ds")
	files := datasettest.Write(t, logs, root, dataset.Options{})
	if len(files) < 2 {
		t.Fatalf("%d dataset files, want 2 or more", len(files))
	}
	bad := files[len(files)/2]
	b, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	// A byte from the middle on whose flip the library panics (every 13th
	// is tried: such bytes are a few percent of the file's).
	off := -1
	for i := 0; i < len(b)-8; i += 13 {
		o := (len(b)/2 + i) % (len(b) - 8)
		c := bytes.Clone(b)
		c[o] ^= 0xff
		if panics(c) {
			off, b = o, c
			break
		}
	}
	if off < 0 {
		t.Fatal("no byte of the file makes the Parquet library panic: the test needs another file")
	}
	t.Logf("byte %d of %d flipped", off, len(b))
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "text"} {
		code, out, errs := runReport(t, "--source", root, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T02:00:00Z", "--format", format, "--fail-on", "none")
		if code != exitUsage || !strings.Contains(errs, bad) || strings.Contains(errs, "goroutine ") {
			t.Fatalf("%s: exit %d, stderr:\n%s", format, code, errs)
		}
		if format == "text" {
			if !strings.Contains(out, "FAILED") || !strings.Contains(out, bad) {
				t.Errorf("text does not list the damaged file:\n%s", out)
			}
			continue
		}
		r := decode(t, out)
		if len(r.Input.FailedFiles) != 1 || r.Input.FailedFiles[0].File != bad || r.Input.Files != len(files) {
			t.Errorf("input: %+v, want %s failed of %d", r.Input, bad, len(files))
		}
		if r.Totals.Requests == 0 {
			t.Error("the other files are not reported")
		}
	}
}

package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The zip holds the files under their names, in order, with the fixed time
// and modes; the same inputs give the same bytes, whatever the files'
// own times.
func TestZip(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "ingest")
	doc := filepath.Join(dir, "NOTICE")
	os.WriteFile(bin, bytes.Repeat([]byte("\x7fELF binary "), 1000), 0o700)
	os.WriteFile(doc, []byte("notice\n"), 0o600)
	mtime := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	out1, out2 := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	if err := run([]string{"zip", "-o", out1, "-mtime", "2026-11-20T12:00:00Z", bin + "=bootstrap", doc}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(bin, later, later)
	if err := run([]string{"zip", "-o", out2, "-mtime", "2026-11-20T12:00:00Z", bin + "=bootstrap", doc}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out1)
	b, _ := os.ReadFile(out2)
	if !bytes.Equal(a, b) {
		t.Error("two zips of the same files differ")
	}
	zr, err := zip.OpenReader(out1)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	want := []struct {
		name string
		mode os.FileMode
	}{{"bootstrap", 0o755}, {"NOTICE", 0o644}}
	if len(zr.File) != len(want) {
		t.Fatalf("%d entries", len(zr.File))
	}
	for i, f := range zr.File {
		if f.Name != want[i].name || f.Mode() != want[i].mode || !f.Modified.Equal(mtime) {
			t.Errorf("entry %d: %s %v %v, want %s %v %v", i, f.Name, f.Mode(), f.Modified, want[i].name, want[i].mode, mtime)
		}
	}
	if err := run([]string{"zip", "-o", filepath.Join(dir, "c.zip"), filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing file zipped")
	}
	if _, err := os.Stat(filepath.Join(dir, "c.zip")); !os.IsNotExist(err) {
		t.Error("a failed zip left its file")
	}
}

func TestSums(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "b"), []byte("b"), 0o644)
	os.WriteFile(filepath.Join(dir, "a"), []byte(""), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	if err := run([]string{"sums", dir}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	want := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a\n" +
		"3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b\n"
	if string(got) != want {
		t.Errorf("SHA256SUMS:\n%s\nwant\n%s", got, want)
	}
	// Again: SHA256SUMS itself is not summed.
	if err := run([]string{"sums", dir}); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS")); string(again) != want || strings.Contains(string(again), "SHA256SUMS") {
		t.Errorf("second run:\n%s", again)
	}
}

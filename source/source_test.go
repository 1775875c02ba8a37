package source

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestLocal(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"a/E2QWRUHEXAMPLE.2026-11-20-10.aaaa1111.gz", // in the window
		"a/E2QWRUHEXAMPLE.2026-11-20-02.aaaa1111.gz", // far before it
		"b/c/plain.log", // no hour in the name: always read
		".hidden/E2QWRUHEXAMPLE.2026-11-20-10.bbbb2222.gz",
		"a/.partial",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w := Window{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	objs, skipped, err := Local([]string{dir, filepath.Join(dir, "b/c/plain.log")}, w)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		rel, _ := filepath.Rel(dir, o.Name)
		names = append(names, rel)
	}
	want := []string{"a/E2QWRUHEXAMPLE.2026-11-20-10.aaaa1111.gz", "b/c/plain.log"}
	if len(names) != 2 || names[0] != want[0] || names[1] != want[1] || skipped != 1 {
		t.Errorf("listed %v (skipped %d), want %v (skipped 1)", names, skipped, want)
	}
	if _, _, err := Local([]string{filepath.Join(dir, "missing")}, w); err == nil {
		t.Error("a missing path should be an error")
	}
}

// TestLocalSymlinks: links to directories and files are followed, under
// the name they are reached by; a loop ends, a file reached twice is
// listed once, and a dangling link is left out.
func TestLocalSymlinks(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "real", "logs")
	for _, name := range []string{
		"E2QWRUHEXAMPLE.2026-11-20-10.aaaa1111.gz",
		"sub/E2QWRUHEXAMPLE.2026-11-20-11.bbbb2222.gz",
	} {
		p := filepath.Join(logs, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
		return p
	}
	dirLink := link(logs, "current")                                                            // a link to the log directory
	fileLink := link(filepath.Join(logs, "E2QWRUHEXAMPLE.2026-11-20-10.aaaa1111.gz"), "one.gz") // a link to a file
	link("..", "real/logs/sub/up")                                                              // a loop: logs/sub/up -> logs
	link(filepath.Join(dir, "gone"), "real/logs/dangling.gz")                                   // a dangling link
	w := Window{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}

	names := func(objs []Object) []string {
		var out []string
		for _, o := range objs {
			rel, _ := filepath.Rel(dir, o.Name)
			out = append(out, filepath.ToSlash(rel))
		}
		return out
	}
	for _, c := range []struct {
		paths []string
		want  []string
	}{
		{[]string{dirLink}, []string{"current/E2QWRUHEXAMPLE.2026-11-20-10.aaaa1111.gz", "current/sub/E2QWRUHEXAMPLE.2026-11-20-11.bbbb2222.gz"}},
		{[]string{fileLink}, []string{"one.gz"}},
		// The same files by two names: each is listed once, by the first name.
		{[]string{dirLink, logs}, []string{"current/E2QWRUHEXAMPLE.2026-11-20-10.aaaa1111.gz", "current/sub/E2QWRUHEXAMPLE.2026-11-20-11.bbbb2222.gz"}},
		{[]string{fileLink, logs}, []string{"one.gz", "real/logs/sub/E2QWRUHEXAMPLE.2026-11-20-11.bbbb2222.gz"}},
	} {
		objs, skipped, err := Local(c.paths, w)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(objs); !slices.Equal(got, c.want) || skipped != 0 {
			t.Errorf("Local(%v) = %q (skipped %d), want %q", c.paths, got, skipped, c.want)
		}
	}
	// The objects read: the link's target.
	objs, _, err := Local([]string{dirLink}, w)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := objs[0].Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "x" || objs[0].Size != 1 || !objs[0].KeyOK {
		t.Errorf("read %q, object %+v", b, objs[0])
	}
}

// TestLocalNear: files and dataset partitions left out by their names say
// which hours the input holds on each side of the window.
func TestLocalNear(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"E2QWRUHEXAMPLE.2026-11-18-07.aaaa1111.gz",
		"E2QWRUHEXAMPLE.2026-11-19-22.aaaa1111.gz",
		"E2QWRUHEXAMPLE.2026-11-23-05.aaaa1111.gz",
		"dataset/distribution=E2QWRUHEXAMPLE/day=2026-11-22/hour=03/x.parquet",
		"dataset/distribution=E2QWRUHEXAMPLE/day=2026-11-21/hour=01/x.parquet",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w := Window{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	l, err := LocalListing([]string{dir}, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Objects) != 0 || l.Skipped != 3 {
		t.Errorf("%d objects, %d skipped", len(l.Objects), l.Skipped)
	}
	if want := time.Date(2026, 11, 19, 23, 0, 0, 0, time.UTC); !l.Near.Before.Equal(want) {
		t.Errorf("before: %v, want %v", l.Near.Before, want)
	}
	// day=2026-11-21 is not entered: the day is what is known.
	if want := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC); !l.Near.After.Equal(want) {
		t.Errorf("after: %v, want %v", l.Near.After, want)
	}
}

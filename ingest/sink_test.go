package ingest_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
)

// dirs lists every directory under dir (dir itself left out).
func dirs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// TestDirSinkLeftovers: the temporary files of a run killed while writing
// are never read as part of the dataset, and the next run's
// RemoveLeftovers removes them and the directories they leave empty: only
// files of the sink's temporary naming, and not those of a process still
// running or of an object the sink is writing.
func TestDirSinkLeftovers(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	// A run killed while writing: its objects are never committed.
	killed := ingest.NewDirSink(dir)
	for _, key := range []string{
		"distribution=E1/day=2026-11-20/hour=12/a.parquet",
		"distribution=E1/day=2026-11-20/hour=13/b.parquet",
	} {
		obj, err := killed.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		obj.Write([]byte("PAR1 half a file"))
	}
	hour12 := filepath.Join(dir, "distribution=E1", "day=2026-11-20", "hour=12")
	keep := []string{
		// A committed file, and files that are not the sink's.
		"distribution=E1/day=2026-11-20/hour=12/done.parquet",
		"distribution=E1/day=2026-11-20/hour=12/.notes.tmp",
		"distribution=E1/day=2026-11-20/hour=12/.x.parquet.tmp",
		"other/.y.parquet.1-2.tmp",
		// A file of a process that is running (this test's parent).
		"distribution=E1/day=2026-11-20/hour=12/.c.parquet." + strconv.Itoa(os.Getppid()) + "-77.tmp",
	}
	for _, f := range append(slices.Clone(keep),
		// Of an earlier version (no process ID), and of a process gone.
		"distribution=E1/day=2026-11-20/hour=12/.old.parquet.123456.tmp",
		"distribution=E2/day=2026-11-21/hour=00/.gone.parquet.999999999-1.tmp",
	) {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := files(t, dir)
	if n := len(before); n != 9 {
		t.Fatalf("set-up: %d files %v", n, before)
	}

	// Readers never take them for part of the dataset (or for logs).
	objs, _, err := source.Local([]string{dir}, source.Window{Until: time.Unix(1<<40, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if strings.HasSuffix(o.Name, ".tmp") {
			t.Errorf("source lists %s", o.Name)
		}
	}

	// The next run removes them; an object it is writing stays.
	next := ingest.NewDirSink(dir)
	obj, err := next.Create(ctx, "distribution=E1/day=2026-11-20/hour=14/c.parquet")
	if err != nil {
		t.Fatal(err)
	}
	n, err := next.RemoveLeftovers()
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("removed %d files, want 4", n)
	}
	if err := obj.Commit(); err != nil {
		t.Fatal(err)
	}
	got := files(t, dir)
	want := append(slices.Clone(keep), "distribution=E1/day=2026-11-20/hour=14/c.parquet")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files after:\n%v\nwant\n%v", got, want)
	}
	for _, d := range []string{"distribution=E1/day=2026-11-20/hour=13", "distribution=E2"} {
		if _, err := os.Stat(filepath.Join(dir, d)); !os.IsNotExist(err) {
			t.Errorf("%s not removed (%v)", d, err)
		}
	}
	if _, err := os.Stat(hour12); err != nil {
		t.Error(err)
	}
}

// TestProcessFailureLeavesNoDirectories: a file that fails leaves no
// directory it created.
func TestProcessFailureLeavesNoDirectories(t *testing.T) {
	data := testenv.Gzip(t, logText(t))
	bad := slices.Clone(data)
	for i := len(bad) / 2; i < len(bad)/2+64; i++ {
		bad[i] ^= 0x5a
	}
	for _, open := range []int{3, 1} {
		dir := t.TempDir()
		if _, err := process(t, dir, bad, ingest.Options{MaxOpenHours: open, SpoolDir: t.TempDir()}); err == nil {
			t.Fatal("a corrupt file was processed")
		}
		if d := dirs(t, dir); len(d) != 0 {
			t.Errorf("MaxOpenHours %d: a failed file left directories %v", open, d)
		}
	}
}

// TestProcessLongNames: a 235-character log file name and a 300-character
// DistributionId are written, every path segment within 255 bytes (the
// temporary names too); the distribution_id column keeps the whole value.
func TestProcessLongNames(t *testing.T) {
	longDist := strings.Repeat("D", 300)
	header, lines := splitLog(logText(t))
	var in []string
	for _, h := range header {
		if strings.HasPrefix(h, "#Fields:") {
			h = strings.TrimSuffix(h, "\n") + " DistributionId\n"
		}
		in = append(in, h)
	}
	for _, l := range lines[:300] {
		in = append(in, strings.TrimSuffix(l, "\n")+"\t"+longDist+"\n")
	}
	name := strings.Repeat("n", 232) + ".gz" // 235 characters
	for _, key := range []string{"AWSLogs/" + name, "AWSLogs/" + strings.Repeat("é", 120) + ".gz"} {
		dir := t.TempDir()
		sink := &segmentSink{DirSink: ingest.NewDirSink(dir), t: t}
		p := ingest.NewProcessor(sink, ingest.Options{})
		res, err := p.Process(context.Background(), ingest.Input{Name: key, Key: key, Body: bytes.NewReader([]byte(strings.Join(in, "")))})
		if err != nil || res.Status != ingest.StatusOK || len(res.Outputs) == 0 {
			t.Fatalf("%s: %v, %+v", key[:20], err, res)
		}
		for _, o := range res.Outputs {
			rel, _ := filepath.Rel(dir, o.Location)
			for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
				if len(seg) > 255 {
					t.Errorf("segment of %d bytes: %s", len(seg), seg)
				}
			}
			if !strings.HasPrefix(rel, "distribution=DDDDDDDDDD") {
				t.Errorf("output %s", rel)
			}
			f, err := os.Open(o.Location)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := f.Stat()
			rd, err := dataset.NewReader(f, st.Size(), dataset.ReaderOptions{Name: o.Location})
			if err != nil {
				t.Fatal(err)
			}
			var rec logparse.Record
			if err := rd.Read(&rec); err != nil || rec.DistributionID != longDist {
				t.Errorf("distribution_id %q (%v)", rec.DistributionID, err)
			}
			f.Close()
		}
		if sink.longest > 255 {
			t.Errorf("a temporary name of %d bytes", sink.longest)
		}
	}
}

// segmentSink is a DirSink that notes the longest name of the temporary
// files it writes.
type segmentSink struct {
	*ingest.DirSink
	t       *testing.T
	longest int
}

func (s *segmentSink) Create(ctx context.Context, key string) (ingest.Object, error) {
	obj, err := s.DirSink.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	entries, _ := os.ReadDir(filepath.Dir(s.Location(key)))
	for _, e := range entries {
		s.longest = max(s.longest, len(e.Name()))
	}
	return obj, nil
}

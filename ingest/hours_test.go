package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// A log file writes one object per hour its records hold, whatever their
// order, with a bounded number of objects (Parquet writers, descriptors,
// uploads) open at once.

// splitLog returns a log's header lines and its records' lines.
func splitLog(text []byte) (header, lines []string) {
	for _, l := range strings.SplitAfter(string(text), "\n") {
		switch {
		case strings.HasPrefix(l, "#"):
			header = append(header, l)
		case len(l) > 13:
			lines = append(lines, l)
		}
	}
	return header, lines
}

// lineHour is the hour of a log line ("2026-11-20\t12:…").
func lineHour(l string) string { return l[:13] }

// countingSink is a DirSink that counts the objects being written (created,
// neither committed nor aborted) and remembers the most at once. The
// n-th object created (fail, from 1) fails its writes.
type countingSink struct {
	*ingest.DirSink
	fail    int
	mu      sync.Mutex
	created int
	open    int
	maxOpen int
}

func (s *countingSink) Create(ctx context.Context, key string) (ingest.Object, error) {
	obj, err := s.DirSink.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created++
	s.open++
	s.maxOpen = max(s.maxOpen, s.open)
	return &countedObject{Object: obj, s: s, fail: s.created == s.fail}, nil
}

type countedObject struct {
	ingest.Object
	s    *countingSink
	fail bool
	once sync.Once
}

func (o *countedObject) Write(p []byte) (int, error) {
	if o.fail {
		return 0, errors.New("disk full")
	}
	return o.Object.Write(p)
}

func (o *countedObject) done() {
	o.once.Do(func() {
		o.s.mu.Lock()
		o.s.open--
		o.s.mu.Unlock()
	})
}

func (o *countedObject) Commit() error {
	defer o.done()
	return o.Object.Commit()
}

func (o *countedObject) Abort(cause error) {
	defer o.done()
	o.Object.Abort(cause)
}

// run processes data into a fresh directory through a countingSink.
func run(t *testing.T, data []byte, opts ingest.Options, fail int) (dir string, sink *countingSink, res ingest.Result, err error) {
	t.Helper()
	dir = t.TempDir()
	sink = &countingSink{DirSink: ingest.NewDirSink(dir), fail: fail}
	if opts.SpoolDir == "" {
		opts.SpoolDir = t.TempDir()
	}
	p := ingest.NewProcessor(sink, opts)
	res, err = p.Process(context.Background(), ingest.Input{Name: "test/" + logKey, Key: logKey, Body: bytes.NewReader(data)})
	return dir, sink, res, err
}

// checkHours checks that dir holds one file per hour of recs, each with
// that hour's records in input order (read back with Arrow), and returns
// the files' contents by name.
func checkHours(t *testing.T, dir string, res ingest.Result, recs []logparse.Record) map[string][]byte {
	t.Helper()
	byHour := map[string][]logparse.Record{}
	for _, r := range recs {
		h := r.Time.UTC().Format("day=2006-01-02/hour=15")
		byHour[h] = append(byHour[h], r)
	}
	got := files(t, dir)
	if len(got) != len(byHour) || len(res.Outputs) != len(byHour) {
		t.Fatalf("%d files, %d outputs for %d hours", len(got), len(res.Outputs), len(byHour))
	}
	if !slices.IsSortedFunc(res.Outputs, func(a, b ingest.Output) int { return strings.Compare(a.Location, b.Location) }) {
		t.Error("outputs not in key order")
	}
	out := map[string][]byte{}
	for _, f := range got {
		h := f[strings.Index(f, "/day=")+1 : strings.LastIndex(f, "/")]
		want, ok := byHour[h]
		if !ok {
			t.Fatalf("file %s: no records of that hour", f)
		}
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		parquettest.CheckTable(t, parquettest.ReadTable(t, data), want, dist, "")
		out[f] = data
	}
	return out
}

// interleaved returns the hour 13 of logText with stragglers of hours 12
// and 14 (5% of the lines each) spread through it, as a late or early
// edge location's records are.
func interleaved(t *testing.T) []byte {
	header, lines := splitLog(logText(t))
	byHour := map[string][]string{}
	for _, l := range lines {
		byHour[lineHour(l)] = append(byHour[lineHour(l)], l)
	}
	main := byHour["2026-11-20\t13"]
	n := len(main) / 20
	before, after := byHour["2026-11-20\t12"][:n], byHour["2026-11-20\t14"][:n]
	rng := rand.New(rand.NewPCG(1, 2))
	out := slices.Clone(header)
	for len(main)+len(before)+len(after) > 0 {
		switch k := rng.IntN(len(main) + len(before) + len(after)); {
		case k < len(before):
			out, before = append(out, before[0]), before[1:]
		case k < len(before)+len(after):
			out, after = append(out, after[0]), after[1:]
		default:
			out, main = append(out, main[0]), main[1:]
		}
	}
	return []byte(strings.Join(out, ""))
}

// TestProcessInterleavedHours: records of three hours interleaved line by
// line give exactly three objects, the same bytes whether the hours all
// have a writer or one of them goes through the spool.
func TestProcessInterleavedHours(t *testing.T) {
	text := interleaved(t)
	recs := parquettest.ParseLog(t, text)
	switches := 0
	for i := 1; i < len(recs); i++ {
		if recs[i].Time.Hour() != recs[i-1].Time.Hour() {
			switches++
		}
	}
	if switches < 500 {
		t.Fatalf("not a test: the hour switches %d times", switches)
	}
	data := testenv.Gzip(t, text)
	var first map[string][]byte
	for _, open := range []int{0, 2, 1} { // default (3), then spooling one and two hours
		dir, sink, res, err := run(t, data, ingest.Options{MaxOpenHours: open}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if sink.created != 3 || res.Records != int64(len(recs)) {
			t.Fatalf("MaxOpenHours %d: %d objects for %d records (result %+v), want 3", open, sink.created, len(recs), res)
		}
		if limit := max(open, 1); open > 0 && sink.maxOpen > limit {
			t.Errorf("MaxOpenHours %d: %d objects open at once", open, sink.maxOpen)
		}
		got := checkHours(t, dir, res, recs)
		if first == nil {
			first = got
			continue
		}
		for name, b := range got {
			if !bytes.Equal(b, first[name]) {
				t.Errorf("MaxOpenHours %d: %s differs from the file written with every hour open", open, name)
			}
		}
	}
}

// manyHours returns 200 hours of logs with their lines shuffled: every
// line a different hour from the one before, or nearly.
func manyHours(t *testing.T) []byte {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	if _, err := loggen.Stream(&buf, loggen.Config{Seed: 5, Start: start, Duration: 200 * time.Hour, RequestsPerHour: 100, CookieLogging: true}); err != nil {
		t.Fatal(err)
	}
	header, lines := splitLog(buf.Bytes())
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	return []byte(strings.Join(append(header, lines...), ""))
}

// TestProcessManyHours: a file whose records wander over 200 hours writes
// 200 objects, never more than MaxOpenHours at once, every row in its
// hour's file in input order; the same bytes with a spool that stays in
// memory and one that goes to disk in small blocks, and nothing is left in
// the spool's directory.
func TestProcessManyHours(t *testing.T) {
	text := manyHours(t)
	recs := parquettest.ParseLog(t, text)
	hours := map[int64]bool{}
	for _, r := range recs {
		hours[r.Time.Unix()/3600] = true
	}
	if len(hours) != 200 {
		t.Fatalf("test input spans %d hours, want 200", len(hours))
	}
	var first map[string][]byte
	for _, mem := range []int{1 << 30, 64 << 10} { // all in memory; then in many small blocks on disk
		spoolDir := t.TempDir()
		dir, sink, res, err := run(t, text, ingest.Options{MaxOpenHours: 3, SpoolMemory: mem, SpoolDir: spoolDir}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if sink.created != 200 || sink.maxOpen > 3 {
			t.Errorf("%d objects, %d open at once; want 200, at most 3", sink.created, sink.maxOpen)
		}
		if res.Records != int64(len(recs)) {
			t.Errorf("records %d, want %d", res.Records, len(recs))
		}
		got := checkHours(t, dir, res, recs)
		if left, _ := os.ReadDir(spoolDir); len(left) != 0 {
			t.Errorf("spool directory holds %v", left)
		}
		if first == nil {
			first = got
			continue
		}
		for name, b := range got {
			if !bytes.Equal(b, first[name]) {
				t.Errorf("%s differs between spool sizes", name)
			}
		}
	}
}

// TestProcessSpoolFailures: a log that fails to read, or an object that
// fails to write, with hours in the spool, fails the file naming the
// object, and leaves no object that was not complete, no temporary file
// and no spool file. Objects already committed (the writers' hours, when
// a spooled hour fails after the log was read) are complete files.
func TestProcessSpoolFailures(t *testing.T) {
	data := testenv.Gzip(t, logText(t)) // hours 12, 13, 14 in order
	bad := slices.Clone(data)
	for i := len(bad) / 2; i < len(bad)/2+64; i++ {
		bad[i] ^= 0x5a
	}
	opts := func(spool string) ingest.Options {
		return ingest.Options{MaxOpenHours: 1, SpoolMemory: 32 << 10, SpoolDir: spool}
	}
	t.Run("log fails", func(t *testing.T) {
		spool := t.TempDir()
		dir, _, res, err := run(t, bad, opts(spool), 0)
		var se *logparse.StreamError
		if !errors.As(err, &se) || res.Status != ingest.StatusFailed || len(res.Outputs) != 0 {
			t.Fatalf("err = %v, result %+v; want the log's StreamError", err, res)
		}
		if f := files(t, dir); len(f) != 0 {
			t.Errorf("a failed file left %v", f)
		}
		if left, _ := os.ReadDir(spool); len(left) != 0 {
			t.Errorf("spool directory holds %v", left)
		}
	})
	for _, tc := range []struct {
		fail      int
		hour      string
		committed int
	}{{1, "hour=12", 0}, {2, "hour=13", 1}, {3, "hour=14", 2}} {
		t.Run("object "+tc.hour+" fails", func(t *testing.T) {
			spool := t.TempDir()
			dir, sink, res, err := run(t, data, opts(spool), tc.fail)
			if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), tc.hour) {
				t.Fatalf("err = %v, want the failed write of %s's file", err, tc.hour)
			}
			if res.Status != ingest.StatusFailed || len(res.Outputs) != tc.committed || sink.open != 0 {
				t.Errorf("result %+v, %d objects still open", res, sink.open)
			}
			f := files(t, dir)
			if len(f) != tc.committed {
				t.Errorf("files %v, want the %d committed", f, tc.committed)
			}
			for _, name := range f {
				if strings.HasSuffix(name, ".tmp") || strings.Contains(name, tc.hour) {
					t.Errorf("left %s", name)
				}
			}
			if left, _ := os.ReadDir(spool); len(left) != 0 {
				t.Errorf("spool directory holds %v", left)
			}
		})
	}
}

package logparse_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/logparse"
)

// A header that names a field twice would let the last column of that name
// win (a 200 read as a 403): it is refused, naming the file, the line and
// the field.
func TestDuplicateFieldRefused(t *testing.T) {
	for name, header := range map[string]string{
		"same name":       "#Fields: date time sc-status cs-uri-stem sc-status\n",
		"other case":      "#Fields: date time sc-status cs-uri-stem SC-STATUS\n",
		"real-time alias": "#Fields: date time cs(Host) sc-status cs-host\n",
		"unknown field":   "#Fields: date time x-custom sc-status x-custom\n",
	} {
		t.Run(name, func(t *testing.T) {
			r := logparse.NewReader(strings.NewReader("#Version: 1.0\n" + header + "2026-11-20\t21:02:31\t200\t/\t403\n"))
			r.Name = "E2QWRUHEXAMPLE.2026-11-20-21.abcd.gz"
			defer r.Close()
			var rec logparse.Record
			err := r.Read(&rec)
			var fe *logparse.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("want a FormatError, got %v", err)
			}
			msg := err.Error()
			for _, want := range []string{r.Name, "line 2", "twice"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			if r.Read(&rec) == nil {
				t.Error("a record was read after the header was refused")
			}
		})
	}
	// Distinct fields are fine.
	o := readString(t, "#Fields: date time sc-status cs-uri-stem\n2026-11-20\t21:02:31\t200\t/\n")
	if len(o.recs) != 1 || o.end != nil {
		t.Fatalf("records %d end %v", len(o.recs), o.end)
	}
}

// Binary input is refused at once as not a log, plain or gzipped, however
// large.
func TestBinaryRefused(t *testing.T) {
	zeros := make([]byte, 64<<20) // a gzip bomb: 64 MiB of NULs, 64 KiB gzipped
	ctl := bytes.Repeat([]byte("\x01\x02\x03abcdefgh\x1b[0m\n"), 1000)
	for name, in := range map[string][]byte{
		"gzip bomb of NULs":  gz(t, string(zeros)),
		"NUL in a text line": []byte(header33 + strings.Join(line33, "\t") + "\x00\n"),
		"control bytes":      ctl,
		"random-ish binary":  bytes.Repeat([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0xff, 0x10, '\n'}, 1000),
	} {
		t.Run(name, func(t *testing.T) {
			o := readFrom(t, bytes.NewReader(in))
			var fe *logparse.FormatError
			if !errors.As(o.end, &fe) || !errors.Is(o.end, logparse.ErrNotAccessLog) || !strings.Contains(o.end.Error(), "binary") {
				t.Fatalf("want a FormatError saying binary, got %v", o.end)
			}
			if len(o.recs) != 0 || len(o.errs) != 0 {
				t.Errorf("%d records and %d line errors from binary input", len(o.recs), len(o.errs))
			}
		})
	}
}

// genReader serves a header, then line(i) for i = 0, 1, … until n lines,
// without holding the input in memory; served counts the bytes read.
type genReader struct {
	head   string
	line   func(i int) string
	n      int
	i      int
	buf    string
	served int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.buf == "" {
		switch {
		case g.head != "":
			g.buf, g.head = g.head, ""
		case g.i < g.n:
			g.buf = g.line(g.i)
			g.i++
		default:
			return 0, io.EOF
		}
	}
	k := copy(p, g.buf)
	g.buf = g.buf[k:]
	g.served += int64(k)
	return k, nil
}

// allocatedBy returns the bytes allocated while f ran (all goroutines).
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// readCount reads everything and counts records, line errors and the end.
func readCount(r *logparse.Reader) (recs, errs int, end error) {
	var rec logparse.Record
	var pe *logparse.ParseError
	for {
		err := r.Read(&rec)
		switch {
		case err == nil:
			recs++
		case err == io.EOF:
			return recs, errs, nil
		case errors.As(err, &pe):
			errs++
		default:
			return recs, errs, err
		}
	}
}

// Lines near the 1 MiB limit cost about their size in memory, once: 300 of
// them (300 MiB) allocate little more than 300 MiB in all, where growing
// blocks by doubling allocated each about four times over.
func TestLongLinesAllocateOnce(t *testing.T) {
	const lines = 300
	const lineLen = 1<<20 - 2048
	prefix := strings.Join(line33[:10], "\t") + "\t"
	suffix := "\t" + strings.Join(line33[11:], "\t") + "\n"
	ua := strings.Repeat("A", lineLen-len(prefix)-len(suffix))
	line := prefix + ua + suffix
	g := &genReader{head: header33, line: func(int) string { return line }, n: lines}
	var recs, errs int
	var end error
	total := allocatedBy(func() {
		r := logparse.NewReader(g)
		recs, errs, end = readCount(r)
		r.Close()
	})
	if end != nil || recs != lines || errs != 0 {
		t.Fatalf("records %d, line errors %d, end %v", recs, errs, end)
	}
	input := uint64(g.served)
	if limit := input + input/10 + 8<<20; total > limit {
		t.Errorf("reading %d MiB of long lines allocated %d MiB, want at most %d MiB", input>>20, total>>20, limit>>20)
	}
	t.Logf("input %d MiB, allocated %d MiB", input>>20, total>>20)
}

// Lines over the limit are skipped as line errors without being kept:
// reading 300 lines of 2 MiB allocates a few MiB, not 600.
func TestTooLongLinesAreNotCopied(t *testing.T) {
	const lines = 300
	good := strings.Join(line33, "\t") + "\n"
	long := with(10, strings.Repeat("B", 2<<20)) + "\n"
	g := &genReader{head: header33 + good, line: func(i int) string {
		if i%2 == 1 {
			return good
		}
		return long
	}, n: 2 * lines}
	var recs, errs int
	var end error
	total := allocatedBy(func() {
		r := logparse.NewReader(g)
		recs, errs, end = readCount(r)
		r.Close()
	})
	if end != nil || recs != lines+1 || errs != lines {
		t.Fatalf("records %d, line errors %d, end %v", recs, errs, end)
	}
	if limit := uint64(16 << 20); total > limit {
		t.Errorf("reading %d MiB allocated %d MiB, want at most %d MiB", g.served>>20, total>>20, limit>>20)
	}
}

// An input that gives no record in its first thousand lines, or first few
// MiB, is refused without being read to the end: a gzip bomb of junk lines
// or one endless line costs little.
func TestNoRecordRefused(t *testing.T) {
	for name, g := range map[string]*genReader{
		"junk lines":   {head: header33, line: func(int) string { return "junk\tjunk\n" }, n: 1 << 30},
		"empty lines":  {head: header33, line: func(int) string { return "\n" }, n: 1 << 30},
		"endless line": {head: header33, line: func(int) string { return strings.Repeat("A", 64<<10) }, n: 1 << 30},
	} {
		t.Run(name, func(t *testing.T) {
			r := logparse.NewReader(g)
			defer r.Close()
			recs, _, end := readCount(r)
			var fe *logparse.FormatError
			if !errors.As(end, &fe) || !strings.Contains(end.Error(), "no record") || recs != 0 {
				t.Fatalf("want a FormatError saying no record, got %v (%d records)", end, recs)
			}
			if g.served > 16<<20 {
				t.Errorf("read %d MiB before refusing", g.served>>20)
			}
		})
	}
	// After records, an endless line ends reading too.
	good := strings.Join(line33, "\t") + "\n"
	g := &genReader{head: header33 + good, line: func(int) string { return strings.Repeat("A", 64<<10) }, n: 1 << 30}
	r := logparse.NewReader(g)
	defer r.Close()
	recs, _, end := readCount(r)
	if !errors.Is(end, logparse.ErrNotAccessLog) || !strings.Contains(end.Error(), "line 4 runs on") || recs != 1 {
		t.Fatalf("want a FormatError naming line 4, got %v (%d records)", end, recs)
	}
	if g.served > 80<<20 {
		t.Errorf("read %d MiB before refusing", g.served>>20)
	}
	// A file with records further in is read: 990 bad lines, then records.
	in := header33 + strings.Repeat("junk\n", 990) + good + good
	o := readString(t, in)
	if o.end != nil || len(o.recs) != 2 || len(o.errs) != 990 {
		t.Fatalf("records %d, line errors %d, end %v", len(o.recs), len(o.errs), o.end)
	}
}

// Field errors cost nothing when every value is good: reading allocates
// per block of input, not per record.
func TestReadAllocatesPerBlock(t *testing.T) {
	const n = 50000
	in := manyLines(n)
	var ms0, ms1 runtime.MemStats
	var recs int
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	r := logparse.NewReader(strings.NewReader(in))
	recs, _, end := readCount(r)
	runtime.ReadMemStats(&ms1)
	r.Close()
	if end != nil || recs != n {
		t.Fatalf("records %d end %v", recs, end)
	}
	blocks := uint64(len(in)/(256<<10) + 1)
	if mallocs := ms1.Mallocs - ms0.Mallocs; mallocs > 4*blocks+64 {
		t.Errorf("%d allocations for %d records in %d blocks: more than a few per block", mallocs, n, blocks)
	}
}

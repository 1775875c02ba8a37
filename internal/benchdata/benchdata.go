// Package benchdata provides the generated log files benchmarks run on,
// cached between runs in the user cache directory.
package benchdata

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// Lines is how many records the benchmark file holds: 1,000,000, or
// $CFWATCH_BENCH_LINES.
func Lines() int {
	if s := os.Getenv("CFWATCH_BENCH_LINES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// Config is the generator setting benchmark data uses: healthy NextAuth
// traffic, cookie logging off (CloudFront's default).
func Config() loggen.Config {
	return loggen.Config{
		Seed:            1,
		Start:           time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC),
		Duration:        24 * time.Hour,
		RequestsPerHour: 1_000_000 / 24,
	}
}

// GzipFile returns the path of a gzipped log of n records, generating it once.
func GzipFile(tb testing.TB, n int) string {
	tb.Helper()
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "cfwatch-bench")
	path := filepath.Join(dir, fmt.Sprintf("E2QWRUHEXAMPLE.2026-11-19-00.bench%d.%s.gz", n, loggen.Version))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp, err := os.CreateTemp(dir, "gen-*")
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	zw := gzip.NewWriter(bw)
	if _, err := loggen.WriteN(zw, Config(), n); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Gzip returns the bytes of the gzipped benchmark file of Lines() records.
func Gzip(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile(GzipFile(b, Lines()))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// Plain returns gz decompressed.
func Plain(b *testing.B, gz []byte) []byte {
	b.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		b.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return plain
}

// PerRecord runs parse (which returns the records it read) in the benchmark
// loop and reports records/s and allocations per record.
//
// parse runs once before the timer starts. The benchmark holds the whole
// input in memory (476 MB uncompressed), which sets the garbage collector's
// goal so high that the first run takes the blocks it allocates from fresh
// pages of the OS: 86,000 page faults (344 MB), which made that run 45%
// slower than the next (ParsePlain: 421 ms against 291 ms). A reader of a
// file or an S3 object has a small heap and reuses its blocks' memory
// after the first few; the warm-up makes the benchmark measure that.
func PerRecord(b *testing.B, parse func() int) {
	parse()
	var recs int
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	b.ResetTimer()
	for b.Loop() {
		recs = parse()
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/float64(recs*b.N), "allocs/record")
}

// ReadAll reads every record of in (gzipped or plain), calling each (when
// not nil) on every record, and returns how many were read. Any error fails
// the benchmark.
func ReadAll(b testing.TB, in io.Reader, each func(*logparse.Record)) int {
	r := logparse.NewReader(in)
	defer r.Close()
	var rec logparse.Record
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			return r.Records()
		}
		if err != nil {
			b.Fatal(err)
		}
		if each != nil {
			each(&rec)
		}
	}
}

// Decompress decompresses gz to nowhere with klauspost gzip (the baseline
// every reader is measured against) and returns the uncompressed size.
func Decompress(b testing.TB, gz []byte) int64 {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

package logparse_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/cfwatch/cfwatch/internal/benchdata"
	"github.com/cfwatch/cfwatch/logparse"
)

// The benchmarks run on a generated 1,000,000-line gzipped log (see
// internal/benchdata; CFWATCH_BENCH_LINES changes the size). Run them with
//
//	go test ./logparse -run '^$' -bench . -benchmem -benchtime 3x
//
// BenchmarkGzipParseVsDecompress reports the number the parser is held to:
// reading and parsing every field of the gzipped file runs at no less than
// 80% of the speed of decompressing it alone (speed-ratio ≥ 0.8).

func decompressAll(b *testing.B, gz []byte) int64 {
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

func parseAll(b *testing.B, in io.Reader) int {
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
	}
}

// BenchmarkDecompress is klauspost gzip alone: the floor for any reader.
func BenchmarkDecompress(b *testing.B) {
	gz := benchdata.Gzip(b)
	b.SetBytes(decompressAll(b, gz))
	b.ResetTimer()
	for b.Loop() {
		decompressAll(b, gz)
	}
}

// BenchmarkReadGzip reads and parses every field of the gzipped file, with
// decompression overlapped on a second goroutine.
func BenchmarkReadGzip(b *testing.B) {
	gz := benchdata.Gzip(b)
	b.SetBytes(decompressAll(b, gz))
	benchdata.PerRecord(b, func() int { return parseAll(b, bytes.NewReader(gz)) })
}

// BenchmarkParsePlain parses the same data from uncompressed text in memory,
// on one goroutine: the parser's own speed on one core.
func BenchmarkParsePlain(b *testing.B) {
	gz := benchdata.Gzip(b)
	plain := benchdata.Plain(b, gz)
	b.SetBytes(int64(len(plain)))
	benchdata.PerRecord(b, func() int { return parseAll(b, bytes.NewReader(plain)) })
}

// BenchmarkGzipParseVsDecompress times decompression alone and full parsing
// of the same file in the same run, alternating, and reports their speed
// ratio (1.0: parsing costs nothing beyond decompression).
func BenchmarkGzipParseVsDecompress(b *testing.B) {
	gz := benchdata.Gzip(b)
	size := decompressAll(b, gz)
	var dec, parse time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		decompressAll(b, gz)
		t1 := time.Now()
		parseAll(b, bytes.NewReader(gz))
		t2 := time.Now()
		dec += t1.Sub(t0)
		parse += t2.Sub(t1)
	}
	mb := float64(size) * float64(b.N) / 1e6
	b.ReportMetric(mb/dec.Seconds(), "decompress-MB/s")
	b.ReportMetric(mb/parse.Seconds(), "parse-MB/s")
	b.ReportMetric(dec.Seconds()/parse.Seconds(), "speed-ratio")
}

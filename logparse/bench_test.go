package logparse_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/benchdata"
)

// The benchmarks run on a generated 1,000,000-line gzipped log (see
// internal/benchdata; CFWATCH_BENCH_LINES changes the size). Run them with
//
//	go test ./logparse -run '^$' -bench . -benchmem -benchtime 3x
//
// BenchmarkGzipParseVsDecompress reports the number the parser is held to:
// reading and parsing every field of the gzipped file runs at no less than
// 80% of the speed of decompressing it alone (speed-ratio ≥ 0.8).

// BenchmarkDecompress is klauspost gzip alone: the floor for any reader.
func BenchmarkDecompress(b *testing.B) {
	gz := benchdata.Gzip(b)
	b.SetBytes(benchdata.Decompress(b, gz))
	b.ResetTimer()
	for b.Loop() {
		benchdata.Decompress(b, gz)
	}
}

// BenchmarkReadGzip reads and parses every field of the gzipped file, with
// decompression overlapped on a second goroutine.
func BenchmarkReadGzip(b *testing.B) {
	gz := benchdata.Gzip(b)
	b.SetBytes(benchdata.Decompress(b, gz))
	benchdata.PerRecord(b, func() int { return benchdata.ReadAll(b, bytes.NewReader(gz), nil) })
}

// BenchmarkParsePlain parses the same data from uncompressed text in memory,
// on one goroutine: the parser's own speed on one core.
func BenchmarkParsePlain(b *testing.B) {
	gz := benchdata.Gzip(b)
	plain := benchdata.Plain(b, gz)
	b.SetBytes(int64(len(plain)))
	benchdata.PerRecord(b, func() int { return benchdata.ReadAll(b, bytes.NewReader(plain), nil) })
}

// BenchmarkGzipParseVsDecompress times decompression alone and full parsing
// of the same file in the same run, alternating, and reports their speed
// ratio (1.0: parsing costs nothing beyond decompression).
func BenchmarkGzipParseVsDecompress(b *testing.B) {
	gz := benchdata.Gzip(b)
	size := benchdata.Decompress(b, gz)
	var dec, parse time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		benchdata.Decompress(b, gz)
		t1 := time.Now()
		benchdata.ReadAll(b, bytes.NewReader(gz), nil)
		t2 := time.Now()
		dec += t1.Sub(t0)
		parse += t2.Sub(t1)
	}
	mb := float64(size) * float64(b.N) / 1e6
	b.ReportMetric(mb/dec.Seconds(), "decompress-MB/s")
	b.ReportMetric(mb/parse.Seconds(), "parse-MB/s")
	b.ReportMetric(dec.Seconds()/parse.Seconds(), "speed-ratio")
}

package ingest_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/benchdata"
)

// BenchmarkProcess is ingest's whole path on the generated 1,000,000-line
// gzipped log of internal/benchdata (CFWATCH_BENCH_LINES changes it):
// decompress, parse, detect, convert and redact, encode and compress
// Parquet, one file per hour partition (the file spans a day: 25 files),
// to a directory, timed against decompressing the same file alone in the
// same run:
//
//	go test ./ingest -run '^$' -bench Process -benchtime 3x
func BenchmarkProcess(b *testing.B) {
	gz := benchdata.Gzip(b)
	var dec, proc time.Duration
	var records int64
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		benchdata.Decompress(b, gz)
		t1 := time.Now()
		p := ingest.NewProcessor(ingest.NewDirSink(b.TempDir()), ingest.Options{})
		res, err := p.Process(context.Background(), ingest.Input{Name: "bench.gz", Key: "bench.gz", Body: bytes.NewReader(gz)})
		if err != nil {
			b.Fatal(err)
		}
		dec += t1.Sub(t0)
		proc += time.Since(t1)
		records = res.Records
	}
	n := float64(b.N)
	b.ReportMetric(dec.Seconds()/n, "decompress-s")
	b.ReportMetric(proc.Seconds()/n, "ingest-s")
	b.ReportMetric(proc.Seconds()/dec.Seconds(), "ingest/decompress")
	b.ReportMetric(float64(records)*n/proc.Seconds(), "records/s")
}

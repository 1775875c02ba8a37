package detectors_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/benchdata"
	"github.com/cfwatch/cfwatch/logparse"
)

// The benchmarks run on the generated 1,000,000-line gzipped log of
// internal/benchdata (24 hours of healthy traffic, CFWATCH_BENCH_LINES
// changes the size):
//
//	go test ./detectors -run '^$' -bench . -benchtime 3x
//
// BenchmarkDetectOverhead reports the number detection is held to: parsing
// and detecting takes at most 15% longer than parsing alone
// (overhead-% ≤ 15).

// run parses in (gzipped or plain) and, with eng, feeds every record to it.
func run(b *testing.B, in []byte, eng *detectors.Engine) int {
	if eng == nil {
		return benchdata.ReadAll(b, bytes.NewReader(in), nil)
	}
	n := benchdata.ReadAll(b, bytes.NewReader(in), func(rec *logparse.Record) { eng.Observe(rec, "E2QWRUHEXAMPLE") })
	eng.Findings()
	eng.Checks()
	return n
}

func newEngine(b *testing.B) *detectors.Engine {
	eng, err := detectors.New(detectors.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	return eng
}

// BenchmarkParse is the baseline: reading and parsing the gzipped file.
func BenchmarkParse(b *testing.B) {
	gz := benchdata.Gzip(b)
	var recs int
	for b.Loop() {
		recs = run(b, gz, nil)
	}
	b.ReportMetric(float64(recs)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkParseDetect reads, parses and runs every detector, with the
// allocations per record of the whole pipeline.
func BenchmarkParseDetect(b *testing.B) {
	gz := benchdata.Gzip(b)
	benchdata.PerRecord(b, func() int { return run(b, gz, newEngine(b)) })
}

// BenchmarkDetectOverhead times parsing alone and parsing with detection of
// the same gzipped file in the same run, alternating, and reports how much
// longer the second takes (overhead-%), and the same on uncompressed input
// in memory, where parsing is cheapest and the overhead largest
// (plain-overhead-%).
func BenchmarkDetectOverhead(b *testing.B) {
	gz := benchdata.Gzip(b)
	plain := benchdata.Plain(b, gz)
	var parse, detect, pParse, pDetect time.Duration
	timed := func(in []byte, eng *detectors.Engine) time.Duration {
		runtime.GC() // start each run with the same heap
		t0 := time.Now()
		run(b, in, eng)
		return time.Since(t0)
	}
	i := 0
	for b.Loop() {
		// Alternate which goes first, so that neither pays for the other.
		if i%2 == 0 {
			parse += timed(gz, nil)
			detect += timed(gz, newEngine(b))
			pParse += timed(plain, nil)
			pDetect += timed(plain, newEngine(b))
		} else {
			pDetect += timed(plain, newEngine(b))
			pParse += timed(plain, nil)
			detect += timed(gz, newEngine(b))
			parse += timed(gz, nil)
		}
		i++
	}
	b.ReportMetric(parse.Seconds()/float64(b.N), "parse-s/op")
	b.ReportMetric(detect.Seconds()/float64(b.N), "parse+detect-s/op")
	b.ReportMetric((detect.Seconds()/parse.Seconds()-1)*100, "overhead-%")
	b.ReportMetric((pDetect.Seconds()/pParse.Seconds()-1)*100, "plain-overhead-%")
}

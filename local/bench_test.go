package local

import (
	"context"
	"fmt"
	"github.com/cfwatch/cfwatch/report"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/source"
)

// BenchmarkMonth audits a month of hourly partitions (720 of them; 4,000
// requests an hour, $CFWATCH_BENCH_MONTH_RATE, with a few incidents):
// the whole month and one day of it, from the Parquet dataset and from the
// gzipped logs it was written from, on the local disk and from a MinIO
// server on this machine. The data is generated once and cached in the
// user cache directory (a first run takes a minute more).
//
//	go test ./report -run '^$' -bench Month -benchtime 3x
func BenchmarkMonth(b *testing.B) {
	logs, ds, records := datasettest.Month(b)
	month := source.Window{From: datasettest.MonthStart, Until: datasettest.MonthStart.Add(datasettest.MonthDays * 24 * time.Hour)}
	day := source.Window{From: month.From.Add(11 * 24 * time.Hour), Until: month.From.Add(12 * 24 * time.Hour)}
	b.Logf("%d records, %d log files (%s), %d dataset files (%s)", records, fileCount(b, logs), dirSize(b, logs), fileCount(b, ds), dirSize(b, ds))

	// MinIO is started (and the files uploaded) for the first S3 case, and
	// stopped with the whole benchmark.
	var srv *miniotest.Server
	var once sync.Once
	parent := b
	s3 := func() *source.ListOptions {
		once.Do(func() {
			srv = miniotest.Start(parent)
			srv.CreateBucket(parent, "cfw")
			upload(parent, srv, logs, "logs/")
			upload(parent, srv, ds, "dataset/")
		})
		return &source.ListOptions{S3Client: srv.Client()}
	}
	for _, c := range []struct {
		name   string
		src    string
		w      source.Window
		remote bool
	}{
		{"dataset/month", ds, month, false},
		{"logs/month", logs, month, false},
		{"dataset/day", ds, day, false},
		{"logs/day", logs, day, false},
		{"s3-dataset/month", "s3://cfw/dataset/", month, true},
		{"s3-logs/month", "s3://cfw/logs/", month, true},
		{"s3-dataset/day", "s3://cfw/dataset/", day, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			lo := source.ListOptions{}
			if c.remote {
				lo = *s3()
			}
			var rep *report.Report
			var peak uint64
			for b.Loop() {
				stop := sampleHeap(&peak)
				objs, skipped, err := source.List(context.Background(), []string{c.src}, c.w, lo)
				if err != nil {
					b.Fatal(err)
				}
				if rep, err = run(context.Background(), objs, skipped, report.Options{Window: c.w}); err != nil {
					b.Fatal(err)
				}
				stop()
				if len(rep.Input.FailedFiles) > 0 {
					b.Fatalf("failed files: %v", rep.Input.FailedFiles)
				}
			}
			b.ReportMetric(float64(rep.Input.Records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(rep.Input.Files), "files")
			b.ReportMetric(float64(rep.Input.Bytes)/1e6, "MB-read")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(len(rep.Findings)), "findings")
		})
	}
}

// sampleHeap records the largest live heap seen until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				*peak = max(*peak, ms.HeapInuse)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func upload(b *testing.B, srv *miniotest.Server, dir, prefix string) {
	b.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return err
	})
	var wg sync.WaitGroup
	ch := make(chan string)
	for range 8 {
		wg.Go(func() {
			for f := range ch {
				rel, _ := filepath.Rel(dir, f)
				srv.PutFile(b, "cfw", prefix+filepath.ToSlash(rel), f)
			}
		})
	}
	for _, f := range files {
		ch <- f
	}
	close(ch)
	wg.Wait()
}

func fileCount(b *testing.B, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return err
	})
	return n
}

func dirSize(b *testing.B, dir string) string {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := os.Stat(p); err == nil {
				n += info.Size()
			}
		}
		return err
	})
	return fmt.Sprintf("%.0f MB", float64(n)/1e6)
}

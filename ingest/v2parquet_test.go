package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
)

// TestV2ParquetSameDataset: CloudFront's standard logging v2 Parquet output
// of a log writes the dataset rows and findings the W3C log writes, read
// from a stream (spooled, as from S3) and from a local file; the rows are
// read back with arrow-go.
func TestV2ParquetSameDataset(t *testing.T) {
	text := logText(t)
	w3cDir := t.TempDir()
	want, err := process(t, w3cDir, text, ingest.Options{})
	if err != nil || want.Status != ingest.StatusOK {
		t.Fatalf("W3C: %+v %v", want, err)
	}
	wantFiles := files(t, w3cDir)
	if len(wantFiles) != 3 || len(want.Findings) == 0 {
		t.Fatalf("W3C wrote %v with %d findings", wantFiles, len(want.Findings))
	}
	for i, style := range []parquettest.V2Style{{}, {Typed: true, Underscores: true, RowsPerGroup: 1000}} {
		data, err := parquettest.CloudFrontV2(text, style)
		if err != nil {
			t.Fatal(err)
		}
		for _, local := range []bool{false, true} {
			t.Run(fmt.Sprintf("style %d local %v", i, local), func(t *testing.T) {
				dir := t.TempDir()
				spool := t.TempDir()
				var res ingest.Result
				var err error
				opts := ingest.Options{SpoolDir: spool}
				if local {
					path := filepath.Join(t.TempDir(), "log.parquet")
					if err := os.WriteFile(path, data, 0o644); err != nil {
						t.Fatal(err)
					}
					f, err := os.Open(path)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					p := ingest.NewProcessor(ingest.NewDirSink(dir), opts)
					res, err = p.Process(context.Background(), ingest.Input{Name: path, Key: logKey, Body: f})
					if err != nil {
						t.Fatal(err)
					}
				} else if res, err = process(t, dir, data, opts); err != nil {
					t.Fatal(err)
				}
				if res.Status != ingest.StatusOK || res.Records != want.Records || res.SkippedLines != 0 || res.InvalidValues != 0 ||
					res.Bytes != int64(len(data)) {
					t.Fatalf("result %+v, want ok with %d records and %d bytes", res, want.Records, len(data))
				}
				if !reflect.DeepEqual(res.Findings, want.Findings) {
					t.Errorf("findings differ:\n%+v\nW3C:\n%+v", res.Findings, want.Findings)
				}
				if left := files(t, spool); len(left) != 0 {
					t.Errorf("spool files left: %v", left)
				}
				got := files(t, dir)
				if !reflect.DeepEqual(got, wantFiles) {
					t.Fatalf("files %v, W3C wrote %v", got, wantFiles)
				}
				for _, f := range got {
					a, err := os.ReadFile(filepath.Join(w3cDir, f))
					if err != nil {
						t.Fatal(err)
					}
					b, err := os.ReadFile(filepath.Join(dir, f))
					if err != nil {
						t.Fatal(err)
					}
					ta, tb := parquettest.ReadTable(t, a), parquettest.ReadTable(t, b)
					if ta.NumRows() != tb.NumRows() || ta.NumCols() != tb.NumCols() || ta.NumRows() == 0 {
						t.Fatalf("%s: %dx%d, W3C %dx%d", f, tb.NumRows(), tb.NumCols(), ta.NumRows(), ta.NumCols())
					}
					for c := 0; c < int(ta.NumCols()); c++ {
						va, vb := parquettest.ColumnValues(t, ta.Column(c)), parquettest.ColumnValues(t, tb.Column(c))
						if !reflect.DeepEqual(va, vb) {
							t.Errorf("%s: column %s differs", f, ta.Column(c).Name())
						}
					}
					if !bytes.Equal(a, b) {
						t.Logf("%s: same rows, other bytes", f)
					}
				}
			})
		}
	}
	// A spooled Parquet log larger than MaxParquetBytes is refused, and
	// says so.
	data, err := parquettest.CloudFrontV2(text, parquettest.V2Style{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := process(t, t.TempDir(), data, ingest.Options{MaxParquetBytes: int64(len(data)) - 1})
	if err == nil || res.Status != ingest.StatusFailed || !bytes.Contains([]byte(err.Error()), []byte("MaxParquetBytes")) {
		t.Errorf("over the bound: %+v %v", res, err)
	}
}

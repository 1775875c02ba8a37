package local

import (
	"bytes"
	"github.com/cfwatch/cfwatch/report"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/source"
)

// readLog returns a log file's text, gunzipped.
func readLog(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// v2Styles are the shapes CloudFront's v2 Parquet may take, used in turn.
var v2Styles = []parquettest.V2Style{
	{},
	{Underscores: true, RowsPerGroup: 900},
	{Typed: true},
	{Typed: true, Underscores: true, RowsPerGroup: 2000},
}

// writeV2 writes each log in logs as a CloudFront v2 Parquet file into dir,
// under the log's name with ".parquet" for ".gz"; with bare, one file of
// four keeps a name without an extension (its content says Parquet).
func writeV2(t *testing.T, logs []string, dir string, bare bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, p := range logs {
		data, err := parquettest.CloudFrontV2(readLog(t, p), v2Styles[i%len(v2Styles)])
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".gz")
		if !bare || i%4 != 3 {
			name += ".parquet"
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func regularFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestV2ParquetMatchesLogs: a report over CloudFront's standard logging v2
// Parquet output of a day of logs is the report over the W3C logs, byte
// for byte but for the input section; and a directory that mixes W3C logs,
// v2 Parquet logs and cfwatch's dataset files (each hour in one form only)
// gives that report too: each file is routed to its reader.
func TestV2ParquetMatchesLogs(t *testing.T) {
	logs, ds := incidentsInput(t)
	all := regularFiles(t, logs)
	v2 := filepath.Join(t.TempDir(), "v2")
	writeV2(t, all, v2, true)

	// The mix: hours 00-03 as W3C, 04-07 as v2 Parquet, 08-11 as dataset,
	// listed in time order (the detectors read records in order).
	mixed := t.TempDir()
	var w3c, asV2 []string
	for _, p := range all {
		switch h := hourOfName(t, p); {
		case h < 4:
			w3c = append(w3c, p)
		case h < 8:
			asV2 = append(asV2, p)
		}
	}
	for _, p := range w3c {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mixed, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeV2(t, asV2, filepath.Join(mixed, "h04-07-v2"), true)
	for _, p := range regularFiles(t, ds) {
		rel, _ := filepath.Rel(ds, p)
		var h int
		for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
			if v, ok := strings.CutPrefix(seg, "hour="); ok {
				h = int(v[0]-'0')*10 + int(v[1]-'0')
			}
		}
		if h < 8 || h >= 12 {
			continue
		}
		dst := filepath.Join(mixed, "h08-11-dataset", rel)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	opts := report.Options{Window: source.Window{From: incidentsStart, Until: incidentsStart.Add(12 * time.Hour)}}
	fromLogs := runOver(t, logs, opts)
	jl, tl := withoutInput(t, fromLogs)
	if fromLogs.Totals.Requests == 0 || len(fromLogs.Findings) == 0 {
		t.Fatal("no requests or no findings in the window")
	}
	for name, dir := range map[string]string{"v2 parquet": v2, "mixed": mixed} {
		t.Run(name, func(t *testing.T) {
			rep := runOver(t, dir, opts)
			if len(rep.Input.FailedFiles) > 0 || rep.Input.SkippedLines > 0 || rep.Input.InvalidValues > 0 {
				t.Fatalf("failed files %+v, %d skipped lines, %d invalid values", rep.Input.FailedFiles, rep.Input.SkippedLines, rep.Input.InvalidValues)
			}
			if rep.Input.Records != fromLogs.Input.Records {
				t.Errorf("%d records read, the logs give %d", rep.Input.Records, fromLogs.Input.Records)
			}
			j, tx := withoutInput(t, rep)
			if j != jl {
				t.Errorf("JSON differs:\n%s", firstDiff(jl, j))
			}
			if tx != tl {
				t.Errorf("text differs:\n%s", firstDiff(tl, tx))
			}
		})
	}
}

// hourOfName reads the hour of a loggen file name (DIST.YYYY-MM-DD-HH.id.gz).
func hourOfName(t *testing.T, p string) int {
	t.Helper()
	parts := strings.Split(filepath.Base(p), ".")
	if len(parts) < 2 || len(parts[1]) != 13 {
		t.Fatalf("%s: not a loggen name", p)
	}
	return int(parts[1][11]-'0')*10 + int(parts[1][12]-'0')
}

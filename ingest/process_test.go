package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

const dist = "E2QWRUHEXAMPLE"

// logText generates an hour and a half of a NextAuth site's logs that
// starts at 12:40 (so it spans three hour partitions), with cookie logging
// on and OAuth callbacks that carry code and state.
func logText(t testing.TB) []byte {
	t.Helper()
	start := time.Date(2026, 11, 20, 12, 40, 0, 0, time.UTC)
	cfg := loggen.Config{
		Seed: 11, Start: start, Duration: 90 * time.Minute, RequestsPerHour: 6000, CookieLogging: true,
		Incidents: []loggen.Incident{{Kind: loggen.MethodRejected, From: start.Add(30 * time.Minute), Until: start.Add(50 * time.Minute), Rate: 1}},
	}
	var buf bytes.Buffer
	if _, err := loggen.Stream(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const logKey = "AWSLogs/" + dist + ".2026-11-20-12.a1b2c3d4.gz"

func process(t *testing.T, dir string, data []byte, opts ingest.Options) (ingest.Result, error) {
	t.Helper()
	p := ingest.NewProcessor(ingest.NewDirSink(dir), opts)
	return p.Process(context.Background(), ingest.Input{Name: "test/" + logKey, Key: logKey, Body: bytes.NewReader(data)})
}

// files lists every file under dir, temporary ones included.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestProcessWritesEachHour(t *testing.T) {
	text := logText(t)
	recs := parquettest.ParseLog(t, text)
	dir := t.TempDir()
	res, err := process(t, dir, testenv.Gzip(t, text), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != ingest.StatusOK || res.Records != int64(len(recs)) || res.SkippedLines != 0 {
		t.Fatalf("result %+v, want ok with %d records", res, len(recs))
	}
	byHour := map[string][]logparse.Record{}
	for _, r := range recs {
		byHour[r.Time.UTC().Format("2006-01-02/hour=15")] = append(byHour[r.Time.UTC().Format("2006-01-02/hour=15")], r)
	}
	if len(byHour) != 3 {
		t.Fatalf("test input spans %d hours, want 3", len(byHour))
	}
	got := files(t, dir)
	if len(got) != 3 || len(res.Outputs) != 3 {
		t.Fatalf("files %v, outputs %+v: want one per hour", got, res.Outputs)
	}
	var rows int64
	cookies, oauth := parquettest.Secrets(recs)
	for _, o := range res.Outputs {
		rows += o.Rows
		rel, _ := filepath.Rel(dir, o.Location)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "distribution="+dist+"/day=") || !strings.HasSuffix(rel, ".parquet") {
			t.Errorf("output %s: not in a partition", rel)
		}
		hourPart := strings.TrimPrefix(strings.Split(rel, "/day=")[1], "")
		hourPart = hourPart[:strings.LastIndex(hourPart, "/")]
		want := byHour[hourPart]
		data, err := os.ReadFile(o.Location)
		if err != nil {
			t.Fatal(err)
		}
		tbl := parquettest.ReadTable(t, data)
		values := parquettest.CheckTable(t, tbl, want, dist, "")
		for _, col := range []string{"cs_cookie", "cs_uri_query", "cs_referrer"} {
			for _, v := range values[col] {
				s, _ := v.(string)
				for secret := range cookies {
					if strings.Contains(s, secret) {
						t.Fatalf("%s holds a cookie value: %q", col, s)
					}
				}
				for secret := range oauth {
					if strings.Contains(s, secret) {
						t.Fatalf("%s holds an OAuth code or state: %q", col, s)
					}
				}
			}
		}
	}
	if rows != res.Records {
		t.Errorf("rows written %d, records %d", rows, res.Records)
	}
	if len(cookies) == 0 || len(oauth) == 0 {
		t.Fatalf("test input has no secrets to hide (%d cookies, %d oauth)", len(cookies), len(oauth))
	}
	if len(res.Findings) == 0 || res.Findings[0].Rule != "method-rejected" {
		t.Errorf("findings %+v, want method-rejected", res.Findings)
	}
}

func TestProcessDeterministic(t *testing.T) {
	data := testenv.Gzip(t, logText(t))
	a, b := t.TempDir(), t.TempDir()
	if _, err := process(t, a, data, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	// Twice into the same directory: the output is replaced, not added to.
	for range 2 {
		if _, err := process(t, b, data, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	fa, fb := files(t, a), files(t, b)
	if !slices.Equal(fa, fb) {
		t.Fatalf("file lists differ:\n%v\n%v", fa, fb)
	}
	for _, f := range fa {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs", f)
		}
	}
}

func TestProcessCorruptGzipLeavesNothing(t *testing.T) {
	data := testenv.Gzip(t, logText(t))
	// Damage the deflate stream past its first blocks.
	bad := slices.Clone(data)
	for i := len(bad) / 2; i < len(bad)/2+64; i++ {
		bad[i] ^= 0x5a
	}
	for name, in := range map[string][]byte{"corrupt": bad, "truncated": data[:len(data)*2/3]} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := process(t, dir, in, ingest.Options{})
			var se *logparse.StreamError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a StreamError", err)
			}
			if se.Records == 0 || res.Records != int64(se.Records) {
				t.Errorf("records before the failure: error says %d, result %d", se.Records, res.Records)
			}
			if msg := err.Error(); !strings.Contains(msg, logKey) || !strings.Contains(msg, "records") {
				t.Errorf("error %q names neither the key nor the record count", msg)
			}
			if res.Status != ingest.StatusFailed || len(res.Outputs) != 0 {
				t.Errorf("result %+v", res)
			}
			if f := files(t, dir); len(f) != 0 {
				t.Errorf("a failed file left %v behind", f)
			}
		})
	}
}

func TestProcessEmptyAndNotALog(t *testing.T) {
	for name, tc := range map[string]struct {
		data []byte
		want ingest.Status
	}{
		"empty":          {nil, ingest.StatusEmpty},
		"empty gzip":     {testenv.Gzip(t, nil), ingest.StatusEmpty},
		"header only":    {[]byte("#Version: 1.0\n#Fields: date time\n"), ingest.StatusEmpty},
		"html":           {[]byte("<html><body>not a log</body></html>\n"), ingest.StatusNotALog},
		"gzipped binary": {testenv.Gzip(t, bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000)), ingest.StatusNotALog},
		"gzip bomb":      {testenv.Gzip(t, make([]byte, 32<<20)), ingest.StatusNotALog},
		"endless line":   {testenv.Gzip(t, bytes.Repeat([]byte("A"), 32<<20)), ingest.StatusNotALog},
		"junk lines":     {testenv.Gzip(t, append([]byte(loggen.Header), bytes.Repeat([]byte("junk\n"), 2000)...)), ingest.StatusNotALog},
		"duplicate field": {[]byte("#Version: 1.0\n#Fields: date time sc-status cs-uri-stem sc-status\n2026-11-20\t12:00:00\t200\t/\t403\n"),
			ingest.StatusNotALog},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := process(t, dir, tc.data, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.want || res.Reason == "" {
				t.Errorf("status %q (%q), want %q with a reason", res.Status, res.Reason, tc.want)
			}
			if f := files(t, dir); len(f) != 0 {
				t.Errorf("wrote %v", f)
			}
		})
	}
}

func TestProcessSkipsBadLines(t *testing.T) {
	text := logText(t)
	lines := strings.SplitAfter(string(text), "\n")
	// In the middle, a line that cannot be placed in time (skipped) and one
	// with a bad status (kept, the status unknown): the rest is still read.
	bad := strings.Split(lines[100], "\t")
	bad[0] = "2026-13-01"
	badValue := strings.Split(lines[100], "\t")
	badValue[8] = "4x4"
	lines = slices.Insert(lines, 101, strings.Join(bad, "\t"), strings.Join(badValue, "\t"))
	dir := t.TempDir()
	var logged bytes.Buffer
	res, err := process(t, dir, []byte(strings.Join(lines, "")), ingest.Options{Logger: slog.New(slog.NewJSONHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	want := int64(len(parquettest.ParseLog(t, text))) + 1
	if res.SkippedLines != 1 || res.InvalidValues != 1 || res.Records != want {
		t.Fatalf("skipped %d, invalid values %d, records %d; want 1, 1 and %d", res.SkippedLines, res.InvalidValues, res.Records, want)
	}
	var rows int64
	for _, o := range res.Outputs {
		rows += o.Rows
	}
	if rows != want {
		t.Errorf("rows %d, want %d", rows, want)
	}
	for _, w := range []string{`"msg":"line skipped"`, `"msg":"value unknown: written as NULL"`, "sc-status"} {
		if !strings.Contains(logged.String(), w) {
			t.Errorf("log lacks %s:\n%s", w, logged.String())
		}
	}
}

package logparse_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/logparse"
)

// FuzzReader feeds arbitrary input to the Reader: it must never panic, and
// every Read must return a record, a ParseError that lets reading go on, or
// an error that ends it. Seeded with every real log and its lines one by one;
// crashers found are kept in testdata/fuzz/FuzzReader.
func FuzzReader(f *testing.F) {
	f.Add([]byte(header33 + strings.Join(line33, "\t") + "\n"))
	f.Add([]byte(`{"date":"2024-11-14","time":"21:34:06","sc-status":"200"}`))
	f.Add(gz(f, manyLines(3)))
	if shared, ok := testenv.LookupSharedDir(); ok {
		files, _ := filepath.Glob(filepath.Join(shared, "real-logs", "*"))
		for _, p := range files {
			if strings.HasSuffix(p, ".expected") || strings.HasSuffix(p, ".tsv") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			for _, line := range bytes.Split(b, []byte("\n")) {
				f.Add(line)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := logparse.NewReader(bytes.NewReader(data))
		defer r.Close()
		var rec logparse.Record
		for i := 0; i <= len(data)+2; i++ {
			err := r.Read(&rec)
			if err == io.EOF {
				return
			}
			var pe *logparse.ParseError
			if errors.As(err, &pe) {
				if pe.Line < 1 || pe.Error() == "" {
					t.Fatalf("ParseError without a line: %#v", pe)
				}
				continue
			}
			if err != nil {
				if r.Read(&rec) == nil {
					t.Fatal("Read succeeded after an error that ends reading")
				}
				return
			}
			if rec.Line < 1 || rec.Time.IsZero() {
				t.Fatalf("record without line or time: %+v", rec)
			}
			_ = logparse.Decode(rec.UserAgent)
			_ = logparse.Decode(rec.Query)
		}
		t.Fatalf("Read did not finish: more results than input bytes (%d)", len(data))
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"%20", "%2520", "%zz", "%", "a%2", "%E2%9C%93", "%25%25%32%35"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := logparse.Decode(s)
		if len(d) > len(s) {
			t.Fatalf("Decode(%q) = %q grew", s, d)
		}
		if !strings.Contains(s, "%") && d != s {
			t.Fatalf("Decode changed a value with no escape: %q -> %q", s, d)
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Add("prefix/EDFDVBD6EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz")
	f.Add("DistributionId=E2QWRUHEXAMPLE/year=2024/month=11/day=14/hour=21/x.gz")
	f.Add("E2QWRUHEXAMPLE/2024/11/14/21/x.gz")
	f.Fuzz(func(t *testing.T, key string) {
		if k, ok := logparse.ParseKey(key); ok && (k.DistributionID == "" || k.Hour.IsZero()) {
			t.Fatalf("ParseKey(%q) ok with %+v", key, k)
		}
	})
}

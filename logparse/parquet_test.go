package logparse_test

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// v2Log returns loggen's W3C lines for an hour with an incident.
func v2Log(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	cfg := loggen.Config{Seed: 11, Start: start, Duration: time.Hour, RequestsPerHour: n, CookieLogging: true,
		Incidents: []loggen.Incident{{Kind: loggen.MethodRejected, From: start.Add(20 * time.Minute), Until: start.Add(40 * time.Minute), Rate: 1}}}
	if _, err := loggen.Stream(&b, cfg); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readParquet(t *testing.T, data []byte) ([]logparse.Record, *logparse.ParquetReader) {
	t.Helper()
	pr, err := logparse.NewParquetReader(bytes.NewReader(data), int64(len(data)), "v2.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	var recs []logparse.Record
	var rec logparse.Record
	for {
		err := pr.Read(&rec)
		if err == io.EOF {
			return recs, pr
		}
		if err != nil {
			t.Fatalf("row %d: %v", pr.Line(), err)
		}
		recs = append(recs, rec)
	}
}

var lineField = regexp.MustCompile(` Line:\d+`)

// TestParquetMatchesW3C writes the same requests as CloudFront's v2 Parquet
// output in each plausible shape (field names or the Athena guide's
// underscore names; all strings or typed columns; several row groups) and
// wants the records the W3C lines give.
func TestParquetMatchesW3C(t *testing.T) {
	w3c := v2Log(t, 3000)
	want := parquettest.ParseLog(t, w3c)
	if len(want) < 2000 {
		t.Fatalf("only %d records generated", len(want))
	}
	for name, style := range map[string]parquettest.V2Style{
		"strings, field names":         {},
		"strings, underscore names":    {Underscores: true, RowsPerGroup: 700},
		"typed, field names":           {Typed: true, RowsPerGroup: 1000},
		"typed, underscore names":      {Typed: true, Underscores: true},
		"strings, with DistributionId": {DistributionID: "E2EXAMPLE"},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := parquettest.CloudFrontV2(w3c, style)
			if err != nil {
				t.Fatal(err)
			}
			got, pr := readParquet(t, data)
			if len(got) != len(want) || pr.Skipped() != 0 || pr.FieldErrorCount() != 0 {
				t.Fatalf("%d records (%d skipped, %d field errors), want %d", len(got), pr.Skipped(), pr.FieldErrorCount(), len(want))
			}
			for i := range got {
				if got[i].Line != i+1 {
					t.Fatalf("record %d: Line %d, want the row %d", i, got[i].Line, i+1)
				}
				w := want[i]
				if style.DistributionID != "" {
					if got[i].DistributionID != style.DistributionID {
						t.Fatalf("record %d: DistributionID %q", i, got[i].DistributionID)
					}
					w.DistributionID = style.DistributionID
				}
				g, ws := lineField.ReplaceAllString(stripPresence(got[i]), ""), lineField.ReplaceAllString(stripPresence(w), "")
				if g != ws {
					t.Fatalf("record %d differs:\nparquet %s\nw3c     %s", i, g, ws)
				}
				for f := logparse.FieldDate; f <= logparse.FieldCacheBehaviorPathPattern; f++ {
					if f == logparse.FieldTimestampMS && style.Typed || f == logparse.FieldDistributionID && style.DistributionID != "" {
						continue
					}
					if got[i].Has(f) != w.Has(f) {
						t.Fatalf("record %d: Has(%v) %v, W3C %v", i, f, got[i].Has(f), w.Has(f))
					}
				}
			}
		})
	}
}

// TestParquetBadValues: a value that cannot be read is a field error naming
// the file, row and column, and the row is kept; a row without a time is
// skipped with an error and the next is read.
func TestParquetBadValues(t *testing.T) {
	w3c := string(v2Log(t, 200))
	lines := strings.Split(w3c, "\n")
	var bad []string
	n := 0
	for _, l := range lines {
		if l == "" || l[0] == '#' {
			bad = append(bad, l)
			continue
		}
		n++
		f := strings.Split(l, "\t")
		switch n {
		case 3:
			f[8] = "2x0" // sc-status
		case 5:
			f[0] = "yesterday"
		}
		bad = append(bad, strings.Join(f, "\t"))
	}
	data, err := parquettest.CloudFrontV2([]byte(strings.Join(bad, "\n")), parquettest.V2Style{})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := logparse.NewParquetReader(bytes.NewReader(data), int64(len(data)), "bad.parquet")
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	var rec logparse.Record
	var rowErrs, fieldErrs []string
	for {
		err := pr.Read(&rec)
		if err == io.EOF {
			break
		}
		var pe *logparse.ParseError
		if errors.As(err, &pe) {
			rowErrs = append(rowErrs, err.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, fe := range pr.FieldErrors() {
			fieldErrs = append(fieldErrs, fe.Error())
		}
	}
	if pr.Records() != n-1 || len(rowErrs) != 1 || len(fieldErrs) != 1 {
		t.Fatalf("%d records of %d, row errors %q, field errors %q", pr.Records(), n, rowErrs, fieldErrs)
	}
	if want := "bad.parquet:line 3, field 9 (sc-status): invalid number"; !strings.HasPrefix(fieldErrs[0], want) {
		t.Errorf("field error %q, want %q…", fieldErrs[0], want)
	}
	if want := "bad.parquet:line 5, field 1 (date): invalid date or time"; !strings.HasPrefix(rowErrs[0], want) {
		t.Errorf("row error %q, want %q…", rowErrs[0], want)
	}
}

// TestParquetNotCloudFront: a Parquet file whose columns are not log fields,
// and bytes that are not Parquet, are FormatErrors, never a panic.
func TestParquetNotCloudFront(t *testing.T) {
	other, err := parquettest.CloudFrontV2([]byte("#Fields: name value\na\tb\n"), parquettest.V2Style{})
	if err != nil {
		t.Fatal(err)
	}
	good, err := parquettest.CloudFrontV2(v2Log(t, 100), parquettest.V2Style{})
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte(nil), good...)
	for i := 100; i < len(damaged)-200; i += 97 {
		damaged[i] ^= 0x5a
	}
	for name, data := range map[string][]byte{"other columns": other, "not parquet": []byte("PAR1 hello PAR1"), "truncated": good[:len(good)/2]} {
		_, err := logparse.NewParquetReader(bytes.NewReader(data), int64(len(data)), name)
		var fe *logparse.FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want a FormatError naming the file", name, err)
		}
	}
	// Damaged pages: an error naming the file, or records, never a panic.
	pr, err := logparse.NewParquetReader(bytes.NewReader(damaged), int64(len(damaged)), "damaged")
	if err == nil {
		var rec logparse.Record
		for {
			err = pr.Read(&rec)
			var pe *logparse.ParseError
			if err == nil || errors.As(err, &pe) {
				continue
			}
			break
		}
		if err != io.EOF && !strings.Contains(err.Error(), "damaged") {
			t.Errorf("damaged: %v", err)
		}
	}
}

package dataset_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/logparse"
)

// Field positions in loggen's #Fields line (AWS's standard order).
const (
	fURIStem    = 7
	fReferrer   = 9
	fUserAgent  = 10
	fQuery      = 11
	fCookie     = 12
	fRequestID  = 14
	fHostHeader = 15
)

// hostileLog returns the first 2,000 lines of the generated log with
// requests that put bytes that are not UTF-8 in the columns: escaped ones
// that decode to invalid UTF-8 (a scanner's /%FF, the overlong
// /%c0%ae%c0%ae/etc/passwd) and raw ones that only a hostile or damaged
// log file has.
func hostileLog(t *testing.T) []byte {
	t.Helper()
	lines := strings.SplitAfter(string(generated(t)), "\n")
	var out []string
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			out = append(out, l)
			continue
		}
		if n++; n > 2000 {
			break
		}
		f := strings.Split(strings.TrimSuffix(l, "\n"), "\t")
		switch n % 10 {
		case 1:
			f[fURIStem] = "/%FF"
			f[fUserAgent] = "Mozilla/5.0%20%FF%FE%20scanner"
		case 2:
			f[fURIStem] = "/%c0%ae%c0%ae/etc/passwd"
			f[fUserAgent] = "curl/%E2%82" // a truncated sequence
		case 3:
			f[fURIStem] = "/raw/\xff\xfe/x"
			f[fUserAgent] = "Bot\x80\xc0\xae"
			f[fReferrer] = "https://evil.example/\xff?code=\xfesecretvalue"
			f[fQuery] = "a=\xff&state=\xfe123456789"
			f[fCookie] = "name\xff=value\xfe"
			f[fRequestID] = "id\xff"
			f[fHostHeader] = "h\xc3" // a lead byte with nothing after it
		case 4:
			f[fURIStem] = "/caf%C3%A9/\u00e9t\u00e9/%EF%BF%BD" // valid, and U+FFFD itself
		}
		out = append(out, strings.Join(f, "\t")+"\n")
	}
	return []byte(strings.Join(out, ""))
}

// TestWriteValidUTF8: every string column is valid UTF-8 whatever the log
// holds, with the values the rules give (parquettest.Expected: raw bytes
// %XX-escaped, decoded ones U+FFFD), read back by Arrow.
func TestWriteValidUTF8(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, hostileLog(t))
		if len(recs) != 2000 {
			t.Fatalf("%d records, want 2000", len(recs))
		}
		data := writeParquet(t, recs, "E1", dataset.Options{Encoder: enc, PageBytes: 4 << 10})
		tbl := parquettest.ReadTable(t, data)
		values := parquettest.CheckTable(t, tbl, recs, "E1", "")
		for i, c := range dataset.Columns() {
			if c.Athena != "string" {
				continue
			}
			for _, chunk := range tbl.Column(i).Data().Chunks() {
				a := chunk.(*array.String)
				for r := range a.Len() {
					if v := a.Value(r); !utf8.ValidString(v) {
						t.Fatalf("column %s row %d: %q is not UTF-8", c.Name, r, v)
					}
				}
			}
		}
		want := map[string][]string{
			"cs_uri_stem":           {"/%FF", "/raw/%FF%FE/x"},
			"cs_uri_stem_decoded":   {"/\uFFFD", "/\uFFFD\uFFFD\uFFFD\uFFFD/etc/passwd", "/raw/\uFFFD\uFFFD/x", "/café/été/\uFFFD"},
			"cs_user_agent":         {"Bot%80%C0%AE"},
			"cs_user_agent_decoded": {"Mozilla/5.0 \uFFFD\uFFFD scanner", "curl/\uFFFD\uFFFD", "Bot\uFFFD\uFFFD\uFFFD"},
			"x_edge_request_id":     {"id%FF"},
			"x_host_header":         {"h%C3"},
		}
		for col, vals := range want {
			for _, v := range vals {
				if !slices.Contains(values[col], any(v)) {
					t.Errorf("column %s has no %q", col, v)
				}
			}
		}
		for _, col := range []string{"cs_referrer", "cs_uri_query", "cs_cookie"} {
			for _, v := range values[col] {
				if s, _ := v.(string); strings.Contains(s, "secretvalue") || strings.Contains(s, "123456789") || strings.Contains(s, "=value") {
					t.Errorf("%s keeps a secret: %q", col, s)
				}
			}
		}
	})
}

// TestDuckDBInvalidUTF8: DuckDB, which refuses a string column that is not
// UTF-8, groups the decoded columns of such a file.
func TestDuckDBInvalidUTF8(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		db := duckdbtest.Open(t)
		recs := parquettest.ParseLog(t, hostileLog(t))
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "hostile.parquet"), writeParquet(t, recs, "E1", dataset.Options{Encoder: enc}), 0o644); err != nil {
			t.Fatal(err)
		}
		duckdbtest.ParquetView(t, db, "logs", filepath.Join(dir, "*.parquet"))
		paths := duckdbtest.Counts(t, db, "SELECT cs_uri_stem_decoded, count(*) FROM logs GROUP BY cs_uri_stem_decoded")
		if paths["/\uFFFD"] != 200 || paths["/\uFFFD\uFFFD\uFFFD\uFFFD/etc/passwd"] != 200 {
			t.Errorf("paths %v", paths)
		}
		agents := duckdbtest.Counts(t, db, "SELECT cs_user_agent_decoded, count(*) FROM logs GROUP BY 1")
		if agents["Mozilla/5.0 \uFFFD\uFFFD scanner"] != 200 {
			t.Errorf("user agents %v", agents)
		}
		var total int64
		for _, col := range []string{"cs_uri_stem", "cs_user_agent", "cs_referrer", "cs_uri_query", "cs_cookie", "x_edge_request_id", "x_host_header"} {
			for _, n := range duckdbtest.Counts(t, db, "SELECT "+col+", count(*) FROM logs GROUP BY 1") {
				total += n
			}
		}
		if total != 7*2000 {
			t.Errorf("grouped %d rows, want %d", total, 7*2000)
		}
	})
}

// TestWriteRowSameFile: a file written from encoded rows (RowEncoder,
// WriteRow) is byte for byte the one Write makes from the records, hostile
// bytes, redaction and the distribution's fallbacks included.
func TestWriteRowSameFile(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, hostileLog(t))
		recs = append(recs, parquettest.ParseLog(t, generated(t))[:3000]...)
		opts := dataset.Options{Encoder: enc, PageBytes: 8 << 10, DistributionID: "EDEFAULT"}
		for _, dist := range []string{"E1", ""} {
			direct := writeParquet(t, recs, dist, opts)
			enc := dataset.NewRowEncoder()
			var rows [][]byte
			for i := range recs {
				row, err := enc.Append(nil, &recs[i], dist)
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, row)
			}
			var buf bytes.Buffer
			w := dataset.NewWriter(&buf, opts)
			for i, row := range rows {
				if err := w.WriteRow(row); err != nil {
					t.Fatal(err)
				}
				if i == 10 {
					// A damaged row is refused and leaves the file as it was.
					for _, bad := range [][]byte{nil, row[:len(row)/2], append(slices.Clone(row), 0)} {
						if err := w.WriteRow(bad); err == nil {
							t.Fatalf("WriteRow took a damaged row (%d bytes)", len(bad))
						}
					}
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), direct) {
				t.Errorf("dist %q: the file from encoded rows differs from Write's", dist)
			}
		}
		var rec logparse.Record
		if _, err := dataset.NewRowEncoder().Append(nil, &rec, "E1"); err == nil {
			t.Error("a record without a time was encoded")
		}
	})
}

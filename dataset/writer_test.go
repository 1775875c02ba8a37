package dataset_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/parquet-go/parquet-go"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// The files the Writer makes are read back with Apache Arrow's Parquet
// reader (arrow-go), not with parquet-go, so that the tests check the format
// and not one library's agreement with itself (internal/parquettest).

// writeParquet writes recs with a Writer and returns the file.
func writeParquet(t *testing.T, recs []logparse.Record, dist string, opts dataset.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := dataset.NewWriter(&buf, opts)
	for i := range recs {
		if err := w.Write(&recs[i], dist); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.Rows(); got != int64(len(recs)) {
		t.Errorf("Rows() = %d before Close, want %d", got, len(recs))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := w.Rows(); got != int64(len(recs)) {
		t.Errorf("Rows() = %d, want %d", got, len(recs))
	}
	return buf.Bytes()
}

// generated is two hours of a NextAuth site with cookie logging on, OAuth
// sign-ins (callbacks carry code and state) and an auth incident.
func generated(t *testing.T) []byte {
	t.Helper()
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	cfg := loggen.Config{
		Seed:            7,
		Start:           start,
		Duration:        2 * time.Hour,
		RequestsPerHour: 12_000,
		CookieLogging:   true,
		Incidents: []loggen.Incident{
			{Kind: loggen.Auth403Callback, From: start.Add(time.Hour), Until: start.Add(90 * time.Minute), Rate: 0.6},
			{Kind: loggen.MethodRejected, From: start.Add(100 * time.Minute), Until: start.Add(110 * time.Minute), Rate: 1},
		},
	}
	var buf bytes.Buffer
	if _, err := loggen.Stream(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteGenerated(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))
		if len(recs) < 10_000 {
			t.Fatalf("only %d records", len(recs))
		}
		// Referrers carry code and state too: the IdP's authorize URL, or the
		// callback URL itself. loggen's referrers do not, so give the record
		// after each OAuth callback the callback's URL as its referrer, and
		// the one after that an authorize URL with the callback URL encoded in
		// it.
		referred := 0
		for i := range recs[:len(recs)-2] {
			if q := recs[i].Query; strings.HasPrefix(q, "code=") {
				recs[i+1].Referrer = "https://" + recs[i].HostHeader + recs[i].URIStem + "?" + q
				recs[i+2].Referrer = "https://auth.example.com/login?redirect_uri=" +
					strings.NewReplacer("?", "%3F", "=", "%3D", "&", "%26").Replace(recs[i+1].Referrer)
				referred++
			}
		}
		if referred == 0 {
			t.Fatal("no OAuth callback in the generated log")
		}
		data := writeParquet(t, recs, "E2QWRUHEXAMPLE", dataset.Options{Encoder: enc})
		t.Logf("%d records → %d bytes of Parquet (%.1f bytes/record)", len(recs), len(data), float64(len(data))/float64(len(recs)))
		tbl := parquettest.ReadTable(t, data)
		values := parquettest.CheckTable(t, tbl, recs, "E2QWRUHEXAMPLE", "")

		// The privacy rules: no cookie value, no OAuth code or state anywhere,
		// neither in a column nor in the file's bytes (statistics, page index).
		find := secretsOf(t, recs)
		leaks := 0
		for name, vals := range values {
			for r, v := range vals {
				if s, ok := v.(string); ok {
					if secret, found := find.in(s); found {
						if leaks++; leaks <= 10 {
							t.Errorf("row %d column %s holds the secret %q: %q", r, name, secret, s)
						}
					}
				}
			}
		}
		if secret, found := find.in(string(data)); found {
			t.Errorf("the file's bytes hold the secret %q", secret)
		}

		// The evidence survives: cookie names, and code and state as names.
		var named, callbacks int
		for r, v := range values["cs_cookie"] {
			if s, ok := v.(string); ok && strings.Contains(s, "next-auth.session-token=[redacted]") {
				named++
			}
			if q, ok := values["cs_uri_query"][r].(string); ok && strings.HasPrefix(q, "code=[redacted]&state=[redacted]") {
				callbacks++
			}
		}
		if named == 0 || callbacks == 0 {
			t.Errorf("%d rows name the session cookie, %d callbacks keep code and state names", named, callbacks)
		}
	})
}

// TestWriteStatistics: every row group's request_time column chunk has
// min/max statistics, and they are the earliest and latest records'.
func TestWriteStatistics(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))
		const groupRows = 5000
		data := writeParquet(t, recs, "", dataset.Options{Encoder: enc, RowGroupRows: groupRows, DistributionID: "EDEFAULT"})
		rdr, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Close()
		md := rdr.MetaData()
		if md.NumRows != int64(len(recs)) {
			t.Fatalf("footer says %d rows, want %d", md.NumRows, len(recs))
		}
		wantGroups := (len(recs) + groupRows - 1) / groupRows
		if md.NumRowGroups() != wantGroups {
			t.Errorf("%d row groups, want %d", md.NumRowGroups(), wantGroups)
		}
		col := md.Schema.ColumnIndexByName("request_time")
		if col < 0 {
			t.Fatal("no request_time column")
		}
		var fileMin, fileMax int64 = math.MaxInt64, math.MinInt64
		first := 0
		for g := 0; g < md.NumRowGroups(); g++ {
			rg := md.RowGroup(g)
			n := int(rg.NumRows())
			var lo, hi int64 = math.MaxInt64, math.MinInt64
			for _, r := range recs[first : first+n] {
				ms := r.Time.UnixMilli()
				lo, hi = min(lo, ms), max(hi, ms)
			}
			first += n
			cc, err := rg.ColumnChunk(col)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := cc.StatsSet(); !ok {
				t.Fatalf("row group %d: request_time has no statistics", g)
			}
			st, err := cc.Statistics()
			if err != nil {
				t.Fatal(err)
			}
			s, ok := st.(*metadata.Int64Statistics)
			if !ok || !s.HasMinMax() {
				t.Fatalf("row group %d: request_time statistics %T without min/max", g, st)
			}
			if s.Min() != lo || s.Max() != hi {
				t.Errorf("row group %d: request_time min/max %d/%d, want %d/%d", g, s.Min(), s.Max(), lo, hi)
			}
			fileMin, fileMax = min(fileMin, s.Min()), max(fileMax, s.Max())
		}
		if first != len(recs) {
			t.Errorf("row groups hold %d rows, want %d", first, len(recs))
		}
		earliest := slices.MinFunc(recs, func(a, b logparse.Record) int { return a.Time.Compare(b.Time) }).Time
		latest := slices.MaxFunc(recs, func(a, b logparse.Record) int { return a.Time.Compare(b.Time) }).Time
		if fileMin != earliest.UnixMilli() || fileMax != latest.UnixMilli() {
			t.Errorf("request_time spans %d–%d, records %v–%v", fileMin, fileMax, earliest, latest)
		}
		// The file's key/value metadata names the column list.
		if v := md.KeyValueMetadata().FindValue("cfwatch.dataset"); v == nil || *v != dataset.SchemaVersion {
			t.Errorf("cfwatch.dataset metadata = %v", v)
		}
		parquettest.CheckTable(t, parquettest.ReadTable(t, data), recs, "", "EDEFAULT")
	})
}

// TestWriteRowGroupBytes: RowGroupBytes ends row groups by size.
func TestWriteRowGroupBytes(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))
		data := writeParquet(t, recs, "E1", dataset.Options{Encoder: enc, RowGroupBytes: 256 << 10})
		rdr, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Close()
		if n := rdr.MetaData().NumRowGroups(); n < 2 {
			t.Errorf("%d row group(s) with RowGroupBytes 256 KiB and %d bytes of output", n, len(data))
		}
		parquettest.CheckTable(t, parquettest.ReadTable(t, data), recs, "E1", "")
	})
}

// TestWriteFlush: Flush ends a row group, and writing goes on after it.
func TestWriteFlush(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))[:3000]
		var buf bytes.Buffer
		w := dataset.NewWriter(&buf, dataset.Options{Encoder: enc})
		for i := range recs {
			if err := w.Write(&recs[i], "E1"); err != nil {
				t.Fatal(err)
			}
			if i == 999 || i == 1000 {
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&recs[0], "E1"); err == nil {
			t.Error("Write after Close succeeded")
		}
		if err := w.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Close()
		var sizes []int64
		for g := 0; g < rdr.MetaData().NumRowGroups(); g++ {
			sizes = append(sizes, rdr.MetaData().RowGroup(g).NumRows())
		}
		if !slices.Equal(sizes, []int64{1000, 1, 1999}) {
			t.Errorf("row groups of %v rows, want [1000 1 1999]", sizes)
		}
		parquettest.CheckTable(t, parquettest.ReadTable(t, buf.Bytes()), recs, "E1", "")
	})
}

// TestWriteWorkers: any number of column workers writes the same rows.
func TestWriteWorkers(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))[:5000]
		for _, n := range []int{1, 3, 100} {
			data := writeParquet(t, recs, "E1", dataset.Options{Encoder: enc, Workers: n, RowGroupRows: 1500})
			parquettest.CheckTable(t, parquettest.ReadTable(t, data), recs, "E1", "")
		}
	})
}

// TestWriteEmpty: a file with no rows is still a valid file.
func TestWriteEmpty(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		data := writeParquet(t, nil, "E1", dataset.Options{Encoder: enc})
		tbl := parquettest.ReadTable(t, data)
		if tbl.NumRows() != 0 || tbl.NumCols() != int64(len(dataset.Columns())) {
			t.Errorf("empty file: %d rows, %d columns", tbl.NumRows(), tbl.NumCols())
		}
	})
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after -= len(p); f.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestWriteError: an output error comes back from Write, Flush or Close.
func TestWriteError(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))
		w := dataset.NewWriter(&failingWriter{after: 10_000}, dataset.Options{Encoder: enc, RowGroupRows: 2000})
		var err error
		for i := range recs {
			if err = w.Write(&recs[i], "E1"); err != nil {
				break
			}
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("error %v, want disk full", err)
		}
	})
}

// TestWriteNoTime: a record without a time is refused, not written as 1970.
func TestWriteNoTime(t *testing.T) {
	w := dataset.NewWriter(io.Discard, dataset.Options{})
	defer w.Close()
	if err := w.Write(&logparse.Record{}, "E1"); err == nil {
		t.Error("a record with no time was accepted")
	}
}

// realLog is one of the real logs the tests write.
type realLog struct {
	name   string
	fields int // the #Fields count, 0 for JSON
}

// TestWriteRealLogs writes the real logs of ../shared/real-logs and reads
// them back: the 33- and 26-field legacy layouts, older 24- and 12-field
// ones, and standard logging v2 (JSON, with asn, origin latencies and
// millisecond timestamps). For W3C files, every field logged as "-" must be
// NULL in its column.
func TestWriteRealLogs(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		dir := testenv.RealLogsDir(t)
		logs := []realLog{
			{"awsdocs_amazon-cloudfront-developer-guide__doc_source__AccessLogs.md.example", 33},
			{"elastic_integrations__packages__aws__data_stream__cloudfront_logs___dev__test__pipeline__test-cloudfront.log", 33},
			{"kdgm_fluent-plugin-cloudfront-log-optimized__test__plugin__test_in_cloudfrontlog.rb.line", 33},
			{"grafana_loki__tools__lambda-promtail__testdata__cloudfront.log", 33},
			{"aws-samples_amazon-cloudfront-log-analysis__lab1-serveless-cloudfront-log-analysis__sample-logs__raw-logs__sample-cloudfront-access-logs", 26},
			{"matomo-org_matomo-log-analytics__tests__logs__amazon_cloudfront_web.log", 26},
			{"claygregory_node-cloudfront-log-parser__test__fixtures__web-1-0.txt", 24},
			{"rkalla_cloudfront-log-parser__src__test__java__com__thebuzzmedia__cloudfront__samples__example-100", 12},
			{"docs.aws.amazon.com_AmazonCloudFront__latest__DeveloperGuide__standard-logging.html.example-firehose.ndjson", 0},
			{"christ-off_analyze-logs__src__test__resources__E1Z5N5X273TPT1.2026-04-04-12.27178cb4", 0},
		}
		for _, l := range logs {
			t.Run(l.name[:min(len(l.name), 40)], func(t *testing.T) {
				raw, err := os.ReadFile(filepath.Join(dir, l.name))
				if err != nil {
					t.Fatal(err)
				}
				recs := parquettest.ParseLog(t, raw)
				if len(recs) == 0 {
					t.Fatal("no records")
				}
				data := writeParquet(t, recs, "EREALLOG", dataset.Options{Encoder: enc})
				values := parquettest.CheckTable(t, parquettest.ReadTable(t, data), recs, "EREALLOG", "")
				if l.fields > 0 {
					checkDashes(t, raw, l.fields, values)
				}
				if strings.Contains(l.name, "firehose") {
					// v2 extras and the millisecond timestamp.
					if values["asn"][0] != int64(16509) || values["origin_fbl"][0] != float32(0.254) {
						t.Errorf("v2 extras: asn %v origin_fbl %v", values["asn"][0], values["origin_fbl"][0])
					}
					if values["request_time"][0] != arrow.Timestamp(1731699951183) {
						t.Errorf("request_time %v, want the logged milliseconds", values["request_time"][0])
					}
					if values["cs_cookie"][0] != "examplecookie=[redacted]" {
						t.Errorf("cookie %v", values["cs_cookie"][0])
					}
				}
			})
		}
	})
}

// columnOf maps a W3C field name to its column.
func columnOf(field string) string {
	switch field {
	case "cs(Host)":
		return "cs_host"
	case "cs(Referer)":
		return "cs_referrer"
	case "cs(User-Agent)":
		return "cs_user_agent"
	case "cs(Cookie)":
		return "cs_cookie"
	}
	return strings.ReplaceAll(field, "-", "_")
}

// checkDashes checks, from the raw text, that each field logged as "-" is
// NULL in the file.
func checkDashes(t *testing.T, raw []byte, nfields int, values map[string][]any) {
	t.Helper()
	var names []string
	row, dashes := 0, 0
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimRight(line, "\r")
		if f, ok := strings.CutPrefix(line, "#Fields:"); ok {
			names = strings.Fields(f)
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) == 1 {
			fields = strings.Fields(line)
		}
		if len(names) == 0 {
			names = logparse.LegacyFields()
		}
		if len(names) != nfields {
			t.Fatalf("%d fields, want %d", len(names), nfields)
		}
		for i, v := range fields {
			if v != "-" || i >= len(names) {
				continue
			}
			col := columnOf(names[i])
			vals, ok := values[col]
			if !ok {
				t.Fatalf("field %s has no column", names[i])
			}
			dashes++
			if vals[row] != nil {
				t.Errorf("row %d: %s logged as - but stored as %#v", row, col, vals[row])
			}
		}
		row++
	}
	if dashes == 0 {
		t.Errorf("no field logged as -: not a test")
	}
}

// TestWriteNoReferencesAfterClose: once closed, a Writer keeps no record
// memory alive (the reader's blocks), and after a Flush it keeps none of
// the rows written before it either.
func TestWriteNoReferencesAfterClose(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		for _, flush := range []bool{false, true} {
			t.Run(fmt.Sprint("flush=", flush), func(t *testing.T) {
				collected := make(chan struct{})
				recs := func() []logparse.Record {
					block := make([]byte, 1<<20)
					copy(block, strings.Repeat("abcdefghij%20", len(block)/13))
					s := string(block)
					// The cleanup runs once nothing references the block's
					// string any more.
					runtimeAddCleanup(s, func() { close(collected) })
					recs := make([]logparse.Record, 2000)
					for i := range recs {
						recs[i].Time = time.Date(2026, 11, 20, 0, 0, i, 0, time.UTC)
						recs[i].UserAgent = s[i*13 : i*13+26]
						recs[i].URIStem = s[i : i+5]
						recs[i].Referrer = s[i : i+7]
					}
					return recs
				}()
				w := dataset.NewWriter(io.Discard, dataset.Options{Encoder: enc})
				for i := range recs {
					if err := w.Write(&recs[i], "E1"); err != nil {
						t.Fatal(err)
					}
				}
				if flush {
					if err := w.Flush(); err != nil {
						t.Fatal(err)
					}
				} else if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				recs = nil
				if !gcUntil(collected) {
					t.Error("the writer still references the records' memory")
				}
				if flush {
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	})
}

func runtimeAddCleanup(s string, f func()) {
	runtime.AddCleanup(unsafe.StringData(s), func(struct{}) { f() }, struct{}{})
}

// gcUntil collects garbage until ch is closed, or gives up.
func gcUntil(ch chan struct{}) bool {
	for range 50 {
		runtime.GC()
		select {
		case <-ch:
			return true
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// A secretFinder finds any of many secrets (8 bytes or longer) in a text in
// one pass, by their first 8 bytes.
type secretFinder map[string][]string

// secretsOf returns a finder of the values the dataset must not hold in
// recs (parquettest.Secrets), as logged and decoded; it fails t when recs
// hold too few of them to test with.
func secretsOf(t *testing.T, recs []logparse.Record) secretFinder {
	t.Helper()
	cookies, oauth := parquettest.Secrets(recs)
	if len(cookies) < 100 || len(oauth) < 10 {
		t.Fatalf("the generated logs have %d cookie values and %d code/state values: not a test", len(cookies), len(oauth))
	}
	find := secretFinder{}
	for _, set := range []map[string]bool{cookies, oauth} {
		for s := range set {
			find.add(s)
			find.add(logparse.Decode(s))
		}
	}
	return find
}

func (f secretFinder) add(s string) {
	if len(s) >= 8 {
		f[s[:8]] = append(f[s[:8]], s)
	}
}

func (f secretFinder) in(text string) (string, bool) {
	for i := 0; i+8 <= len(text); i++ {
		for _, s := range f[text[i:i+8]] {
			if strings.HasPrefix(text[i:], s) {
				return s, true
			}
		}
	}
	return "", false
}

// TestWriteAllocations: converting and encoding a record allocates nothing
// of its own. A Writer allocates its buffers once (a few thousand
// allocations), and a little per page (its header) and per dictionary
// chunk; the test measures what more records add.
func TestWriteAllocations(t *testing.T) {
	recs := parquettest.ParseLog(t, generated(t))
	allocs := func(times int) float64 {
		return testing.AllocsPerRun(1, func() {
			w := dataset.NewWriter(io.Discard, dataset.Options{})
			for range times {
				for i := range recs {
					if err := w.Write(&recs[i], "E1"); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
	once, thrice := allocs(1), allocs(3)
	perRecord := (thrice - once) / float64(2*len(recs))
	t.Logf("%v allocations for %d records, %v for 3×; %.4f per record", once, len(recs), thrice, perRecord)
	if perRecord > 0.05 {
		t.Errorf("%.4f allocations per record", perRecord)
	}
}

// TestDDLMatchesFile: every column of a written file, as Arrow reads it,
// is in the DDL once, with the Athena type that reads that Parquet type.
func TestDDLMatchesFile(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))[:1000]
		tbl := parquettest.ReadTable(t, writeParquet(t, recs, "E1", dataset.Options{Encoder: enc}))
		ddl := dataset.DDL(dataset.DDLOptions{Location: "s3://bucket/cloudfront/"})
		body, _, ok := strings.Cut(strings.SplitN(ddl, " (\n", 2)[1], "\n)\nPARTITIONED BY")
		if !ok {
			t.Fatalf("no column list in\n%s", ddl)
		}
		athena := map[string]string{}
		for _, line := range strings.Split(body, "\n") {
			name, typ, ok := strings.Cut(strings.TrimSuffix(strings.TrimSpace(line), ","), " ")
			name = strings.Trim(name, "`")
			if !ok || athena[name] != "" {
				t.Fatalf("DDL line %q", line)
			}
			athena[name] = typ
		}
		sch := tbl.Schema()
		if len(athena) != sch.NumFields() {
			t.Errorf("DDL has %d columns, the file %d", len(athena), sch.NumFields())
		}
		for _, f := range sch.Fields() {
			typ, ok := athena[f.Name]
			if !ok {
				t.Errorf("file column %s is not in the DDL", f.Name)
				continue
			}
			if want := parquettest.ArrowType(typ); want == nil || !arrow.TypeEqual(f.Type, want) {
				t.Errorf("column %s: the file has %s, the DDL says %s", f.Name, f.Type, typ)
			}
		}
	})
}

// TestRowReadsBack: Row is the file's schema: parquet-go reads a written
// file into Rows, NULLs as nil pointers and empty strings.
func TestRowReadsBack(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))[:2000]
		data := writeParquet(t, recs, "E1", dataset.Options{Encoder: enc})
		rows, err := parquet.Read[dataset.Row](bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(recs) {
			t.Fatalf("%d rows, want %d", len(rows), len(recs))
		}
		for i, r := range rows {
			rec := &recs[i]
			if !r.RequestTime.Equal(rec.Time) || r.RequestID != rec.RequestID || r.URIStem != rec.URIStem ||
				(r.BytesSent == nil) != !rec.Has(logparse.FieldBytesSent) || (r.BytesSent != nil && *r.BytesSent != rec.BytesSent) ||
				r.Date.Format(time.DateOnly) != rec.Time.UTC().Format(time.DateOnly) || r.Time != rec.Time.UTC().Format(time.TimeOnly) ||
				r.Cookie != dataset.RedactCookie(rec.Cookie) || r.DistributionID != "E1" {
				t.Fatalf("row %d = %+v\nfrom record %+v", i, r, rec)
			}
		}
	})
}

// eachEncoder runs f once per Parquet encoder (Options.Encoder), as a
// subtest named after it: both must pass the same tests.
func eachEncoder(t *testing.T, f func(t *testing.T, enc dataset.Encoder)) {
	t.Helper()
	for _, enc := range dataset.Encoders() {
		t.Run(string(enc), func(t *testing.T) { f(t, enc) })
	}
}

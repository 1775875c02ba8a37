package dataset_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// The native encoder (column.go) keeps parquet-go's writer as its oracle:
// the same rows written through both must read back, with arrow-go and
// with DuckDB, as the same values, the same row groups, the same schema
// and the same column chunk statistics (min, max, null count).

// scenarioLog is an hour of traffic with every failure and noise pattern
// loggen knows, one after another, cookie logging on.
func scenarioLog(t *testing.T) []byte {
	t.Helper()
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	kinds := loggen.Kinds()
	step := time.Hour / time.Duration(len(kinds))
	cfg := loggen.Config{Seed: 15, Start: start, Duration: time.Hour, RequestsPerHour: 8000, CookieLogging: true}
	for i, k := range kinds {
		from := start.Add(time.Duration(i) * step)
		cfg.Incidents = append(cfg.Incidents, loggen.Incident{Kind: k, From: from, Until: from.Add(step), Rate: k.DefaultRate()})
	}
	var buf bytes.Buffer
	if _, err := loggen.Stream(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hostileRecords are records no log parser would make but the Writer must
// take: every field NULL, empty strings, huge values (past the page size,
// the dictionary limit and the column index's 64 bytes), strings of the
// highest code point (whose truncated max cannot round up within 64 bytes
// the simple way), control bytes, invalid UTF-8, numbers at their limits,
// infinities, NaN and negative zero, times before 1970.
func hostileRecords(base logparse.Record) []logparse.Record {
	at := func(i int) time.Time { return base.Time.Add(time.Duration(i) * time.Millisecond) }
	huge := strings.Repeat("A", 200<<10)
	top := strings.Repeat("\U0010FFFF", 40)
	var out []logparse.Record

	out = append(out, logparse.Record{Time: at(1)}) // every field NULL

	r := base // empty strings are NULL; numbers absent
	r.Time = at(2)
	r.EdgeLocation, r.URIStem, r.UserAgent, r.Query, r.Cookie, r.Referrer, r.RequestID = "", "", "", "", "", "", ""
	r.ClientIP = netip.Addr{}
	out = append(out, r)

	r = base // huge values
	r.Time = at(3)
	r.UserAgent = "Mozilla/5.0 " + huge
	r.URIStem = "/" + huge + "%FF"
	r.Query = "code=" + huge + "&page=" + huge[:70<<10]
	r.Referrer = "https://example.com/" + huge[:100<<10] + "?state=" + huge[:1000]
	r.Cookie = "next-auth.session-token=" + huge + "; theme=dark"
	r.RequestID = huge[:65]
	r.ForwardedFor = huge[:5000]
	out = append(out, r)

	r = base // the greatest strings, and bytes that are not UTF-8
	r.Time = at(4)
	r.UserAgent = top
	r.URIStem = "/" + top
	r.HostHeader = top
	r.RequestID = "\xff\xfe" + top
	r.EdgeLocation = "\x00\x01\t\n\x7f"
	r.Method = "G\xc3"
	r.Country = "\xed\xa0\x80" // a UTF-16 surrogate
	r.CacheBehaviorPathPattern = "/api/*"
	r.DistributionID = "EOTHERDIST"
	out = append(out, r)

	r = base // numbers at their limits
	r.Time = at(5)
	r.BytesSent, r.BytesReceived = math.MaxInt64, math.MinInt64
	r.ContentLength, r.RangeStart, r.RangeEnd = 0, -1, math.MaxInt64
	r.Status, r.ClientPort, r.FLEEncryptedFields = 0, 65535, math.MaxInt32
	r.TimeTaken, r.TimeToFirstByte = math.Inf(1), math.Copysign(0, -1)
	r.ASN, r.OriginFBL, r.OriginLBL = 4_294_967_295, math.NaN(), math.NaN() // origin_lbl: NaN its only value
	for _, f := range []logparse.Field{logparse.FieldBytesSent, logparse.FieldBytesReceived, logparse.FieldContentLength,
		logparse.FieldRangeStart, logparse.FieldRangeEnd, logparse.FieldStatus, logparse.FieldClientPort,
		logparse.FieldFLEEncryptedFields, logparse.FieldTimeTaken, logparse.FieldTimeToFirstByte,
		logparse.FieldASN, logparse.FieldOriginFBL, logparse.FieldOriginLBL} {
		r.SetHas(f)
	}
	out = append(out, r)

	r = base // before 1970, and negative time-taken
	r.Time = time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC)
	r.TimeTaken, r.OriginFBL = -1.5, math.MaxFloat32
	r.SetHas(logparse.FieldTimeTaken)
	r.SetHas(logparse.FieldOriginFBL)
	r.ClientIP = netip.MustParseAddr("2001:db8::ffff:1")
	out = append(out, r)
	return out
}

// differentialRecords are the scenario log's records, the hostile log's
// (invalid UTF-8 in escapes and raw), and hostileRecords in between.
func differentialRecords(t *testing.T) []logparse.Record {
	t.Helper()
	recs := parquettest.ParseLog(t, scenarioLog(t))
	hostile := parquettest.ParseLog(t, hostileLog(t))
	mid := len(recs) / 2
	out := append([]logparse.Record(nil), recs[:mid]...)
	out = append(out, hostileRecords(recs[mid])...)
	out = append(out, hostile...)
	out = append(out, hostileRecords(recs[mid+1])...)
	return append(out, recs[mid:]...)
}

// writeFlushed writes recs with opts, ending a row group by Flush after
// row flushAt as well.
func writeFlushed(t *testing.T, recs []logparse.Record, opts dataset.Options, flushAt int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := dataset.NewWriter(&buf, opts)
	for i := range recs {
		if err := w.Write(&recs[i], "E2QWRUHEXAMPLE"); err != nil {
			t.Fatal(err)
		}
		if i == flushAt {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodersAgree(t *testing.T) {
	recs := differentialRecords(t)
	for _, opts := range []dataset.Options{
		{},
		{RowGroupRows: 3000, PageBytes: 8 << 10, DictionaryBytes: 16 << 10, DistributionID: "EDEFAULT"},
		{RowGroupBytes: 512 << 10, Workers: 1},
	} {
		t.Run(fmt.Sprintf("groups=%d,%d/pages=%d/dict=%d", opts.RowGroupRows, opts.RowGroupBytes, opts.PageBytes, opts.DictionaryBytes), func(t *testing.T) {
			files := map[dataset.Encoder][]byte{}
			for _, enc := range dataset.Encoders() {
				o := opts
				o.Encoder = enc
				files[enc] = writeFlushed(t, recs, o, 1234)
				// Each file holds the records by the dataset's rules.
				tbl := parquettest.ReadTable(t, files[enc])
				parquettest.CheckTable(t, tbl, recs, "E2QWRUHEXAMPLE", opts.DistributionID)
				tbl.Release()
			}
			native, pgo := files[dataset.EncoderNative], files[dataset.EncoderParquetGo]
			// A row group ends at RowGroupRows rows, at a Flush, or when
			// the encoder's buffered (compressed) size reaches
			// RowGroupBytes: that last point is the encoder's own.
			sameGroups := opts.RowGroupBytes == 0
			compareArrow(t, native, pgo, sameGroups)
			compareDuckDB(t, native, pgo, sameGroups)
		})
	}
}

// compareArrow holds the two files to each other as arrow-go reads them:
// schema, key/value metadata, row groups, every value, and every column
// chunk's statistics (unless the row groups may differ).
func compareArrow(t *testing.T, native, pgo []byte, sameGroups bool) {
	t.Helper()
	ta, tb := parquettest.ReadTable(t, native), parquettest.ReadTable(t, pgo)
	defer ta.Release()
	defer tb.Release()
	if !ta.Schema().Equal(tb.Schema()) {
		t.Fatalf("schemas differ:\nnative:     %s\nparquet-go: %s", ta.Schema(), tb.Schema())
	}
	if ta.NumRows() != tb.NumRows() {
		t.Fatalf("native has %d rows, parquet-go %d", ta.NumRows(), tb.NumRows())
	}
	for c := range int(ta.NumCols()) {
		name := ta.Schema().Field(c).Name
		va, vb := parquettest.ColumnValues(t, ta.Column(c)), parquettest.ColumnValues(t, tb.Column(c))
		bad := 0
		for r := range va {
			if !sameValue(va[r], vb[r]) {
				if bad++; bad <= 3 {
					t.Errorf("%s row %d: native %s, parquet-go %s", name, r, short(va[r]), short(vb[r]))
				}
			}
		}
	}

	ra, err := file.NewParquetReader(bytes.NewReader(native))
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	rb, err := file.NewParquetReader(bytes.NewReader(pgo))
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	ma, mb := ra.MetaData(), rb.MetaData()
	if !ma.Schema.Equals(mb.Schema) {
		t.Errorf("Parquet schemas differ:\n%s\n%s", ma.Schema, mb.Schema)
	}
	for c := range ma.Schema.NumColumns() {
		ca, cb := ma.Schema.Column(c), mb.Schema.Column(c)
		if ca.PhysicalType() != cb.PhysicalType() || !ca.LogicalType().Equals(cb.LogicalType()) ||
			ca.ConvertedType() != cb.ConvertedType() || ca.MaxDefinitionLevel() != cb.MaxDefinitionLevel() {
			t.Errorf("column %s: native %s %s, parquet-go %s %s", ca.Name(), ca.PhysicalType(), ca.LogicalType(), cb.PhysicalType(), cb.LogicalType())
		}
	}
	for _, key := range []string{"cfwatch.dataset"} {
		a, b := ma.KeyValueMetadata().FindValue(key), mb.KeyValueMetadata().FindValue(key)
		if a == nil || b == nil || *a != *b {
			t.Errorf("key/value metadata %s: native %v, parquet-go %v", key, a, b)
		}
	}
	// The files do come from different encoders.
	if !strings.HasPrefix(ma.GetCreatedBy(), "cfwatch version 1") || mb.GetCreatedBy() != "cfwatch version 1 (build parquet-go)" {
		t.Errorf("created_by: native %q, parquet-go %q", ma.GetCreatedBy(), mb.GetCreatedBy())
	}
	if !sameGroups {
		if ma.NumRowGroups() < 3 || mb.NumRowGroups() < 3 {
			t.Errorf("row groups by size: native %d, parquet-go %d, want several", ma.NumRowGroups(), mb.NumRowGroups())
		}
		return
	}
	if ma.NumRowGroups() != mb.NumRowGroups() {
		t.Fatalf("native has %d row groups, parquet-go %d", ma.NumRowGroups(), mb.NumRowGroups())
	}
	nans := 0
	for g := range ma.NumRowGroups() {
		ga, gb := ma.RowGroup(g), mb.RowGroup(g)
		if ga.NumRows() != gb.NumRows() {
			t.Errorf("row group %d: native %d rows, parquet-go %d", g, ga.NumRows(), gb.NumRows())
		}
		for c := range ga.NumColumns() {
			ka, err := ga.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			kb, err := gb.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			name := ma.Schema.Column(c).Name()
			if ka.NumValues() != kb.NumValues() || ka.Compression() != kb.Compression() {
				t.Errorf("row group %d %s: native %d values %v, parquet-go %d values %v", g, name, ka.NumValues(), ka.Compression(), kb.NumValues(), kb.Compression())
			}
			sa, err := ka.Statistics()
			if err != nil {
				t.Fatal(err)
			}
			sb, err := kb.Statistics()
			if err != nil {
				t.Fatal(err)
			}
			if sa == nil || sb == nil {
				t.Errorf("row group %d %s: statistics native %v, parquet-go %v", g, name, sa, sb)
				continue
			}
			if nanBounds(sb) {
				// parquet-go bounds a float column chunk whose only
				// values are NaN by NaN; parquet-format says NaN must
				// not be written to min or max (parquet.thrift,
				// ColumnOrder), as the native encoder does.
				if sa.HasMinMax() || sa.NullCount() != sb.NullCount() {
					t.Errorf("row group %d %s: NaN only: native %d NULLs %s–%s, want no min/max", g, name, sa.NullCount(), short(sa.EncodeMin()), short(sa.EncodeMax()))
				}
				nans++
				continue
			}
			if sa.NullCount() != sb.NullCount() || sa.HasMinMax() != sb.HasMinMax() ||
				!bytes.Equal(sa.EncodeMin(), sb.EncodeMin()) || !bytes.Equal(sa.EncodeMax(), sb.EncodeMax()) {
				t.Errorf("row group %d %s: native %d NULLs %s–%s, parquet-go %d NULLs %s–%s", g, name,
					sa.NullCount(), short(sa.EncodeMin()), short(sa.EncodeMax()), sb.NullCount(), short(sb.EncodeMin()), short(sb.EncodeMax()))
			}
		}
	}
	if nans == 0 {
		t.Error("no column chunk of NaNs only: the test lost its case")
	}
}

// nanBounds reports whether a float column chunk's min or max is NaN.
func nanBounds(st metadata.TypedStatistics) bool {
	f, ok := st.(*metadata.Float32Statistics)
	return ok && f.HasMinMax() && (f.Min() != f.Min() || f.Max() != f.Max())
}

// sameValue compares two values ColumnValues returned; NaN equals NaN, and
// -0 only -0.
func sameValue(a, b any) bool {
	if fa, ok := a.(float32); ok {
		fb, ok := b.(float32)
		return ok && math.Float32bits(fa) == math.Float32bits(fb) || ok && fa != fa && fb != fb
	}
	return a == b
}

// short is v for an error message, cut to 80 bytes.
func short(v any) string {
	s := fmt.Sprintf("%q", v)
	if len(s) > 80 {
		s = s[:80] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

// compareDuckDB holds the two files to each other as DuckDB reads them:
// row for row (file_row_number), and the footer's schema and column chunk
// metadata (parquet_schema, parquet_metadata; the column chunks only if
// the row groups are the same).
func compareDuckDB(t *testing.T, native, pgo []byte, sameGroups bool) {
	t.Helper()
	db := duckdbtest.Open(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "native.parquet"), filepath.Join(dir, "parquet-go.parquet")
	for path, data := range map[string][]byte{a: native, b: pgo} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rows := duckdbtest.Scalar[int64](t, db, "SELECT count(*) FROM read_parquet("+duckdbtest.String(a)+")")
	if rows == 0 {
		t.Fatal("DuckDB reads no rows")
	}
	for _, q := range []struct{ what, sql string }{
		{"rows", "SELECT * FROM read_parquet(%s, file_row_number = true)"},
		{"schema", "SELECT name, type, type_length, repetition_type, num_children, converted_type, scale, precision, field_id, logical_type FROM parquet_schema(%s)"},
		{"column chunks", "SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type, num_values, stats_min, stats_max, stats_null_count, stats_min_value, stats_max_value, compression FROM parquet_metadata(%s)"},
	} {
		if q.what == "column chunks" && !sameGroups {
			continue
		}
		differ(t, db, q.what, fmt.Sprintf(q.sql, duckdbtest.String(a)), fmt.Sprintf(q.sql, duckdbtest.String(b)))
	}
}

// differ reports the rows one query returns and the other does not, both
// ways.
func differ(t *testing.T, db *sql.DB, what, qa, qb string) {
	t.Helper()
	for _, dir := range []struct{ name, q string }{
		{"native only", "(" + qa + ") EXCEPT ALL (" + qb + ")"},
		{"parquet-go only", "(" + qb + ") EXCEPT ALL (" + qa + ")"},
	} {
		if n := duckdbtest.Scalar[int64](t, db, "SELECT count(*) FROM ("+dir.q+")"); n > 0 {
			rows := duckdbtest.Query(t, db, "SELECT * FROM ("+dir.q+") LIMIT 3")
			var b strings.Builder
			for _, r := range rows {
				fmt.Fprintf(&b, "\n\t%s", short(fmt.Sprint(r)))
			}
			t.Errorf("DuckDB %s: %d rows %s:%s", what, n, dir.name, b.String())
		}
	}
}

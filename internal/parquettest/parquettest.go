// Package parquettest reads the dataset's Parquet files back with Apache
// Arrow's Parquet reader (arrow-go), not with parquet-go, so that tests
// check the file format and not one library's agreement with itself, and
// checks them column by column against the records they were written from.
package parquettest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/logparse"
)

// ParseLog reads every record of a log (plain or gzip).
func ParseLog(t testing.TB, data []byte) []logparse.Record {
	t.Helper()
	r := logparse.NewReader(bytes.NewReader(data))
	defer r.Close()
	var recs []logparse.Record
	var rec logparse.Record
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			return recs
		}
		var pe *logparse.ParseError
		if errors.As(err, &pe) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

// ReadTable reads a whole Parquet file with arrow-go.
func ReadTable(t testing.TB, data []byte) arrow.Table {
	t.Helper()
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(data), nil,
		pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow cannot read the file: %v", err)
	}
	t.Cleanup(tbl.Release)
	return tbl
}

// ArrowType is the Arrow type a column of the given Athena type must read as.
func ArrowType(athena string) arrow.DataType {
	switch athena {
	case "date":
		return arrow.FixedWidthTypes.Date32
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	case "bigint":
		return arrow.PrimitiveTypes.Int64
	case "int":
		return arrow.PrimitiveTypes.Int32
	case "float":
		return arrow.PrimitiveTypes.Float32
	case "string":
		return arrow.BinaryTypes.String
	}
	return nil
}

// Expected returns every column's value for rec, as the dataset's rules say
// (nil for NULL): written from the rules, not from the writer's code.
func Expected(rec *logparse.Record, dist, defaultDist string) map[string]any {
	// Strings from the log keep their valid UTF-8; a byte that is not has
	// its %XX (uppercase) in its place, and U+FFFD once decoded.
	s := func(v string) any {
		if v == "" {
			return nil
		}
		return escapeInvalid(v)
	}
	decoded := func(v string) any {
		if v == "" {
			return nil
		}
		return replaceInvalid(logparse.Decode(escapeInvalid(v)))
	}
	i64 := func(f logparse.Field, v int64) any {
		if !rec.Has(f) {
			return nil
		}
		return v
	}
	i32 := func(f logparse.Field, v int) any {
		if !rec.Has(f) {
			return nil
		}
		return int32(v)
	}
	f32 := func(f logparse.Field, v float64) any {
		if !rec.Has(f) {
			return nil
		}
		return float32(v)
	}
	ip := any(nil)
	if rec.ClientIP.IsValid() {
		ip = rec.ClientIP.String()
	}
	d := rec.DistributionID
	if d == "" {
		d = dist
	}
	if d == "" {
		d = defaultDist
	}
	t := rec.Time.UTC()
	return map[string]any{
		"date":                        arrow.Date32FromTime(t),
		"time":                        t.Format("15:04:05"),
		"x_edge_location":             s(rec.EdgeLocation),
		"sc_bytes":                    i64(logparse.FieldBytesSent, rec.BytesSent),
		"c_ip":                        ip,
		"cs_method":                   s(rec.Method),
		"cs_host":                     s(rec.Host),
		"cs_uri_stem":                 s(rec.URIStem),
		"sc_status":                   i32(logparse.FieldStatus, rec.Status),
		"cs_referrer":                 s(dataset.RedactQuery(rec.Referrer)),
		"cs_user_agent":               s(dataset.RedactUserAgent(rec.UserAgent)),
		"cs_uri_query":                s(dataset.RedactQuery(rec.Query)),
		"cs_cookie":                   s(dataset.RedactCookie(rec.Cookie)),
		"x_edge_result_type":          s(rec.EdgeResultType),
		"x_edge_request_id":           s(rec.RequestID),
		"x_host_header":               s(rec.HostHeader),
		"cs_protocol":                 s(rec.Protocol),
		"cs_bytes":                    i64(logparse.FieldBytesReceived, rec.BytesReceived),
		"time_taken":                  f32(logparse.FieldTimeTaken, rec.TimeTaken),
		"x_forwarded_for":             s(rec.ForwardedFor),
		"ssl_protocol":                s(rec.TLSProtocol),
		"ssl_cipher":                  s(rec.TLSCipher),
		"x_edge_response_result_type": s(rec.EdgeResponseResultType),
		"cs_protocol_version":         s(rec.ProtocolVersion),
		"fle_status":                  s(rec.FLEStatus),
		"fle_encrypted_fields":        i32(logparse.FieldFLEEncryptedFields, rec.FLEEncryptedFields),
		"c_port":                      i32(logparse.FieldClientPort, rec.ClientPort),
		"time_to_first_byte":          f32(logparse.FieldTimeToFirstByte, rec.TimeToFirstByte),
		"x_edge_detailed_result_type": s(rec.EdgeDetailedResultType),
		"sc_content_type":             s(rec.ContentType),
		"sc_content_len":              i64(logparse.FieldContentLength, rec.ContentLength),
		"sc_range_start":              i64(logparse.FieldRangeStart, rec.RangeStart),
		"sc_range_end":                i64(logparse.FieldRangeEnd, rec.RangeEnd),
		"request_time":                arrow.Timestamp(t.UnixMilli()),
		"distribution_id":             s(d),
		"cs_uri_stem_decoded":         decoded(rec.URIStem),
		"cs_user_agent_decoded":       decoded(dataset.RedactUserAgent(rec.UserAgent)),
		"asn":                         i64(logparse.FieldASN, rec.ASN),
		"c_country":                   s(rec.Country),
		"origin_fbl":                  f32(logparse.FieldOriginFBL, rec.OriginFBL),
		"origin_lbl":                  f32(logparse.FieldOriginLBL, rec.OriginLBL),
		"cache_behavior_path_pattern": s(rec.CacheBehaviorPathPattern),
	}
}

// escapeInvalid writes each byte of v that is not part of valid UTF-8 as
// %XX.
func escapeInvalid(v string) string {
	var b strings.Builder
	for len(v) > 0 {
		r, n := utf8.DecodeRuneInString(v)
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, "%%%02X", v[0])
		} else {
			b.WriteString(v[:n])
		}
		v = v[n:]
	}
	return b.String()
}

// replaceInvalid replaces each byte of v that is not part of valid UTF-8
// by U+FFFD.
func replaceInvalid(v string) string {
	var b strings.Builder
	for len(v) > 0 {
		r, n := utf8.DecodeRuneInString(v)
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(v[:n])
		}
		v = v[n:]
	}
	return b.String()
}

// ColumnValues returns a column's values, nil for NULL.
func ColumnValues(t testing.TB, col *arrow.Column) []any {
	t.Helper()
	var out []any
	for _, chunk := range col.Data().Chunks() {
		for i := 0; i < chunk.Len(); i++ {
			if chunk.IsNull(i) {
				out = append(out, nil)
				continue
			}
			switch a := chunk.(type) {
			case *array.String:
				out = append(out, a.Value(i))
			case *array.Int64:
				out = append(out, a.Value(i))
			case *array.Int32:
				out = append(out, a.Value(i))
			case *array.Float32:
				out = append(out, a.Value(i))
			case *array.Date32:
				out = append(out, a.Value(i))
			case *array.Timestamp:
				out = append(out, a.Value(i))
			default:
				t.Fatalf("column %s: unexpected array %T", col.Name(), chunk)
			}
		}
	}
	return out
}

// CheckTable checks that tbl holds recs, row for row, with every column of
// the dataset and the Arrow type its Athena type maps to.
func CheckTable(t testing.TB, tbl arrow.Table, recs []logparse.Record, dist, defaultDist string) map[string][]any {
	t.Helper()
	cols := dataset.Columns()
	sch := tbl.Schema()
	if sch.NumFields() != len(cols) {
		t.Fatalf("file has %d columns, the dataset %d", sch.NumFields(), len(cols))
	}
	if tbl.NumRows() != int64(len(recs)) {
		t.Fatalf("file has %d rows, %d records were written", tbl.NumRows(), len(recs))
	}
	values := map[string][]any{}
	for i, c := range cols {
		f := sch.Field(i)
		if f.Name != c.Name {
			t.Errorf("column %d is %s, want %s", i, f.Name, c.Name)
			continue
		}
		if want := ArrowType(c.Athena); !arrow.TypeEqual(f.Type, want) {
			t.Errorf("column %s reads as %s, want %s (Athena %s)", f.Name, f.Type, want, c.Athena)
		}
		required := c.Name == "date" || c.Name == "time" || c.Name == "request_time"
		if f.Nullable == required {
			t.Errorf("column %s: nullable %v", f.Name, f.Nullable)
		}
		values[c.Name] = ColumnValues(t, tbl.Column(i))
	}
	mismatches := 0
	for r := range recs {
		want := Expected(&recs[r], dist, defaultDist)
		for _, c := range cols {
			got := values[c.Name][r]
			w := want[c.Name]
			if f, ok := w.(float32); ok && got != nil && math.Float32bits(f) == math.Float32bits(got.(float32)) {
				continue
			}
			if got != w {
				if mismatches++; mismatches <= 20 {
					t.Errorf("record %d (line %d) column %s = %#v, want %#v", r, recs[r].Line, c.Name, got, w)
				}
			}
		}
	}
	return values
}

// Secrets returns the values the dataset must never hold: cookie values
// (all but the callback URL, which is the site's own address and appears
// in referrers anyway) and OAuth code and state, as logged and decoded.
func Secrets(recs []logparse.Record) (cookies, oauth map[string]bool) {
	cookies, oauth = map[string]bool{}, map[string]bool{}
	for i := range recs {
		for _, pair := range strings.Split(recs[i].Cookie, ";") {
			name, value, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(pair), "%20"), "=")
			if ok && len(value) >= 8 && !strings.Contains(name, "callback-url") {
				cookies[value] = true
			}
		}
		for _, s := range []string{recs[i].Query, recs[i].Referrer} {
			if _, q, ok := strings.Cut(s, "?"); ok {
				s = q
			}
			for _, p := range strings.Split(s, "&") {
				name, value, _ := strings.Cut(p, "=")
				if (name == "code" || name == "state") && len(value) >= 8 {
					oauth[value] = true
				}
			}
		}
	}
	return cookies, oauth
}

package logparse_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

const header33 = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

// line33 is a valid 33-field record; fields are replaced by position in tests.
var line33 = []string{"2026-11-20", "21:02:31", "IAD89-C1", "1432", "2001:db8::7", "POST",
	"d111111abcdef8.cloudfront.net", "/api/auth/callback/credentials", "403", "https://app.example.com/auth/signin/",
	"Mozilla/5.0%20(X11;%20Linux%20x86_64)", "-", "__Host-next-auth.csrf-token=abc", "Error",
	"WcPCNG0WyL4BbXhEXq4AQulhrqte2TPUHt1Uz-iqcSwtx1L6ORdTOA==", "app.example.com", "https", "812", "0.004", "-",
	"TLSv1.3", "TLS_AES_128_GCM_SHA256", "Error", "HTTP/2.0", "-", "-", "50294", "0.000", "InvalidRequestMethod",
	"text/html", "1053", "-", "-"}

func with(i int, v string) string {
	f := append([]string(nil), line33...)
	f[i] = v
	return strings.Join(f, "\t")
}

type outcome struct {
	recs      []logparse.Record
	errs      []error
	fieldErrs []*logparse.ParseError // of the records, in order
	end       error
}

func readString(t *testing.T, s string) outcome {
	t.Helper()
	return readFrom(t, strings.NewReader(s))
}

func readFrom(t *testing.T, in io.Reader) outcome {
	t.Helper()
	r := logparse.NewReader(in)
	defer r.Close()
	var o outcome
	for {
		var rec logparse.Record
		err := r.Read(&rec)
		if err == io.EOF {
			return o
		}
		var pe *logparse.ParseError
		if errors.As(err, &pe) {
			o.errs = append(o.errs, err)
			continue
		}
		if err != nil {
			o.end = err
			return o
		}
		o.recs = append(o.recs, rec)
		o.fieldErrs = append(o.fieldErrs, r.FieldErrors()...)
	}
}

func TestRead33Fields(t *testing.T) {
	o := readString(t, header33+strings.Join(line33, "\t")+"\n")
	if len(o.recs) != 1 || len(o.errs) != 0 || o.end != nil {
		t.Fatalf("got %d records, errors %v, end %v", len(o.recs), o.errs, o.end)
	}
	r := o.recs[0]
	want := logparse.Record{
		Time: time.Date(2026, 11, 20, 21, 2, 31, 0, time.UTC), EdgeLocation: "IAD89-C1", BytesSent: 1432,
		ClientIP: netip.MustParseAddr("2001:db8::7"), Method: "POST", Host: "d111111abcdef8.cloudfront.net",
		URIStem: "/api/auth/callback/credentials", Status: 403, Referrer: "https://app.example.com/auth/signin/",
		UserAgent: "Mozilla/5.0%20(X11;%20Linux%20x86_64)", Cookie: "__Host-next-auth.csrf-token=abc",
		EdgeResultType: "Error", RequestID: "WcPCNG0WyL4BbXhEXq4AQulhrqte2TPUHt1Uz-iqcSwtx1L6ORdTOA==",
		HostHeader: "app.example.com", Protocol: "https", BytesReceived: 812, TimeTaken: 0.004,
		TLSProtocol: "TLSv1.3", TLSCipher: "TLS_AES_128_GCM_SHA256", EdgeResponseResultType: "Error",
		ProtocolVersion: "HTTP/2.0", ClientPort: 50294, EdgeDetailedResultType: "InvalidRequestMethod",
		ContentType: "text/html", ContentLength: 1053, Line: 3,
	}
	if got, want := stripPresence(r), stripPresence(want); got != want {
		t.Errorf("record:\n got %s\nwant %s", got, want)
	}
	for _, f := range []logparse.Field{logparse.FieldTimeToFirstByte, logparse.FieldContentLength, logparse.FieldStatus} {
		if !r.Has(f) {
			t.Errorf("Has(%v) = false", f)
		}
	}
	for _, f := range []logparse.Field{logparse.FieldRangeStart, logparse.FieldFLEEncryptedFields, logparse.FieldQuery, logparse.FieldASN} {
		if r.Has(f) {
			t.Errorf("Has(%v) = true for '-' or missing", f)
		}
	}
}

// stripPresence prints a record without its unexported presence bits.
func stripPresence(r logparse.Record) string {
	return regexp.MustCompile(` present:\d+`).ReplaceAllString(fmt.Sprintf("%+v", r), "")
}

func TestHeaderVariants(t *testing.T) {
	rec := strings.Join(line33, "\t") + "\n"
	cases := map[string]string{
		"tab-separated header":  "#Version:\t1.0\n#Fields:\t" + strings.Join(logparse.LegacyFields(), "\t") + "\n" + rec,
		"trailing space":        "#Version: 1.0\n#Fields: " + strings.Join(logparse.LegacyFields(), " ") + " \n" + rec,
		"no header":             rec,
		"no version":            "#Fields: " + strings.Join(logparse.LegacyFields(), " ") + "\n" + rec,
		"CRLF":                  strings.ReplaceAll(header33+rec, "\n", "\r\n"),
		"byte order mark":       "\uFEFF" + header33 + rec,
		"no final newline":      header33 + strings.TrimSuffix(rec, "\n"),
		"space-separated":       header33 + strings.Join(line33, " ") + "\n",
		"trailing empty field":  header33 + strings.TrimSuffix(rec, "\n") + "\t\n",
		"blank lines":           header33 + "\n\n" + rec + "\n",
		"repeated header (cat)": header33 + rec + header33 + rec,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			o := readString(t, in)
			if o.end != nil || len(o.errs) != 0 || len(o.recs) == 0 {
				t.Fatalf("records %d, errors %v, end %v", len(o.recs), o.errs, o.end)
			}
			for _, r := range o.recs {
				if r.URIStem != "/api/auth/callback/credentials" || r.ContentLength != 1053 || r.Status != 403 {
					t.Errorf("misread: %+v", r)
				}
			}
		})
	}
}

func TestOldLayouts(t *testing.T) {
	all := logparse.LegacyFields()
	for _, n := range []int{12, 19, 24, 26, 33} {
		in := "#Version: 1.0\n#Fields: " + strings.Join(all[:n], " ") + "\n" + strings.Join(line33[:n], "\t") + "\n"
		o := readString(t, in)
		if len(o.recs) != 1 || len(o.errs) != 0 {
			t.Fatalf("%d fields: records %d errors %v", n, len(o.recs), o.errs)
		}
		r := o.recs[0]
		if r.Status != 403 || r.URIStem != "/api/auth/callback/credentials" {
			t.Errorf("%d fields: %+v", n, r)
		}
		if got := r.Has(logparse.FieldTimeToFirstByte); got != (n > 27) {
			t.Errorf("%d fields: Has(time-to-first-byte)=%v", n, got)
		}
	}
}

func TestFewerFieldsAreEmpty(t *testing.T) {
	o := readString(t, header33+strings.Join(line33[:20], "\t")+"\n")
	if len(o.recs) != 1 {
		t.Fatalf("errors %v", o.errs)
	}
	if o.recs[0].EdgeDetailedResultType != "" || o.recs[0].Has(logparse.FieldContentLength) {
		t.Errorf("trailing fields should be empty: %+v", o.recs[0])
	}
}

func TestStatus000(t *testing.T) {
	o := readString(t, header33+with(8, "000")+"\n")
	if len(o.recs) != 1 || o.recs[0].Status != 0 || !o.recs[0].Has(logparse.FieldStatus) {
		t.Fatalf("000: %+v %v", o.recs, o.errs)
	}
}

func TestBadLinesAreSkippedAndNamed(t *testing.T) {
	good := strings.Join(line33, "\t")
	in := header33 + good + "\n" +
		good + "\tEXTRA\n" + // line 4: too many fields
		with(0, "2026-13-01") + "\n" + // line 5: bad date
		with(1, "25:00:00") + "\n" + // line 6: bad time
		good + "\n"
	o := readString(t, in)
	if o.end != nil {
		t.Fatal(o.end)
	}
	if len(o.recs) != 2 || len(o.fieldErrs) != 0 {
		t.Errorf("good records: %d, field errors %v; want 2 and none", len(o.recs), o.fieldErrs)
	}
	want := []struct {
		line   int
		column int
		field  string
		err    error
	}{
		{4, 34, "", logparse.ErrFieldCount},
		{5, 1, "date", logparse.ErrTime},
		{6, 2, "time", logparse.ErrTime},
	}
	if len(o.errs) != len(want) {
		t.Fatalf("errors: %v", o.errs)
	}
	for i, w := range want {
		var pe *logparse.ParseError
		errors.As(o.errs[i], &pe)
		if pe.Line != w.line || pe.Column != w.column || pe.Field != w.field || !errors.Is(pe, w.err) {
			t.Errorf("error %d: %v (line %d col %d field %q), want line %d col %d field %q %v",
				i, pe, pe.Line, pe.Column, pe.Field, w.line, w.column, w.field, w.err)
		}
	}
}

// A value that cannot be read loses that value, not the request: the record
// is kept with the field unknown, and the problem is a field error that
// names the line, the field and a redacted excerpt.
func TestBadValuesAreFieldErrors(t *testing.T) {
	good := strings.Join(line33, "\t")
	in := header33 + good + "\n" +
		with(8, "4x3") + "\n" + // line 4: bad status
		with(4, "300.1.2.3") + "\n" + // line 5: bad IP
		with(27, "fast") + "\n" + // line 6: bad float
		with(3, "session=SECRETVALUE") + "\n" + // line 7: shifted cookie into a number
		with(30, "570129.7648412298") + "\n" + // line 8: a fraction for a byte count
		with(8, "99999999999") + "\n" + // line 9: status out of range
		with(3, "9223372036854775807") + "\n" + // line 10: max-int64 bytes
		with(3, "99999999999999999999") + "\n" + // line 11: beyond int64
		with(26, "70000") + "\n" + // line 12: port out of range
		with(18, "1e300") + "\n" + // line 13: time-taken out of range
		strings.Join(append(append([]string(nil), line33[:3]...), "x", "y", "GET"), "\t") + "\n" // line 14: two bad values, short record
	o := readString(t, in)
	if o.end != nil || len(o.errs) != 0 {
		t.Fatalf("end %v, line errors %v", o.end, o.errs)
	}
	if len(o.recs) != 12 {
		t.Fatalf("records: %d, want 12 (every line kept)", len(o.recs))
	}
	want := []struct {
		line   int
		column int
		field  string
		f      logparse.Field
		err    error
	}{
		{4, 9, "sc-status", logparse.FieldStatus, logparse.ErrNumber},
		{5, 5, "c-ip", logparse.FieldClientIP, logparse.ErrIP},
		{6, 28, "time-to-first-byte", logparse.FieldTimeToFirstByte, logparse.ErrNumber},
		{7, 4, "sc-bytes", logparse.FieldBytesSent, logparse.ErrNumber},
		{8, 31, "sc-content-len", logparse.FieldContentLength, logparse.ErrNumber},
		{9, 9, "sc-status", logparse.FieldStatus, logparse.ErrRange},
		{10, 4, "sc-bytes", logparse.FieldBytesSent, logparse.ErrRange},
		{11, 4, "sc-bytes", logparse.FieldBytesSent, logparse.ErrNumber},
		{12, 27, "c-port", logparse.FieldClientPort, logparse.ErrRange},
		{13, 19, "time-taken", logparse.FieldTimeTaken, logparse.ErrRange},
		{14, 4, "sc-bytes", logparse.FieldBytesSent, logparse.ErrNumber},
		{14, 5, "c-ip", logparse.FieldClientIP, logparse.ErrIP},
	}
	if len(o.fieldErrs) != len(want) {
		t.Fatalf("field errors: %v", o.fieldErrs)
	}
	recs := map[int]logparse.Record{}
	for _, rec := range o.recs {
		recs[rec.Line] = rec
	}
	for i, w := range want {
		pe := o.fieldErrs[i]
		if pe.Line != w.line || pe.Column != w.column || pe.Field != w.field || !errors.Is(pe, w.err) {
			t.Errorf("field error %d: %v (line %d col %d field %q), want line %d col %d field %q %v",
				i, pe, pe.Line, pe.Column, pe.Field, w.line, w.column, w.field, w.err)
		}
		rec := recs[w.line]
		if !rec.Invalid(w.f) || rec.Has(w.f) {
			t.Errorf("line %d: %v should be unknown (Invalid, not Has)", w.line, w.f)
		}
		// The rest of the record is read.
		if rec.Method == "" || rec.Time.IsZero() {
			t.Errorf("line %d: record not read around the bad value: %+v", w.line, rec)
		}
	}
	for _, line := range []int{4, 9} {
		if r := recs[line]; r.Status != 0 || r.StatusKnown() {
			t.Errorf("line %d: status %d known %v, want unknown", line, r.Status, r.StatusKnown())
		}
	}
	if r := recs[10]; r.BytesSent != 0 || r.URIStem != line33[7] || r.Status != 403 || !r.StatusKnown() {
		t.Errorf("line 10: %+v", r)
	}
	if r := recs[3]; r.Invalid(logparse.FieldStatus) || !r.StatusKnown() {
		t.Errorf("good line: %+v", r)
	}
	if msg := o.fieldErrs[3].Error(); strings.Contains(msg, "SECRET") {
		t.Errorf("error message leaks a cookie value: %s", msg)
	}
	if msg := o.fieldErrs[0].Error(); !strings.Contains(msg, "line 4") || !strings.Contains(msg, "sc-status") ||
		!strings.Contains(msg, "(3 bytes, not shown)") || strings.Contains(msg, "4x3") {
		t.Errorf("error message %q should name line, field and the value's length, not the value", msg)
	}
}

// A time that cannot be a CloudFront time (max-int64 timestamps, year 0)
// cannot place the record: the line is skipped.
func TestTimeOutOfRange(t *testing.T) {
	in := "#Fields: timestamp(ms) sc-status\n" +
		"9223372036854775807\t200\n" +
		"0\t200\n" +
		"1731620046814\t200\n" +
		"#Fields: timestamp sc-status\n" +
		"9223372036\t200\n" +
		"1731620046.5\t200\n" +
		"#Fields: date time sc-status\n" +
		"1999-12-31\t23:59:59\t200\n" +
		"2101-01-01\t00:00:00\t200\n" +
		"2100-12-31\t23:59:59\t200\n"
	o := readString(t, in)
	if o.end != nil || len(o.recs) != 3 {
		t.Fatalf("records %d end %v errors %v", len(o.recs), o.end, o.errs)
	}
	var lines []int
	for _, err := range o.errs {
		var pe *logparse.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, logparse.ErrTime) {
			t.Errorf("want ErrTime, got %v", err)
			continue
		}
		lines = append(lines, pe.Line)
	}
	if fmt.Sprint(lines) != "[2 3 6 9 10]" {
		t.Errorf("skipped lines %v, want [2 3 6 9 10]", lines)
	}
	for _, rec := range o.recs {
		if y := rec.Time.Year(); y < 2000 || y > 2100 {
			t.Errorf("line %d: year %d", rec.Line, y)
		}
	}
}

func TestNoTime(t *testing.T) {
	o := readString(t, "#Fields: c-ip cs-method sc-status\n192.0.2.1\tGET\t200\n")
	if len(o.errs) != 1 || !errors.Is(o.errs[0], logparse.ErrNoTime) {
		t.Fatalf("want ErrNoTime, got %v", o.errs)
	}
}

func TestV2W3CAnyOrder(t *testing.T) {
	in := "#Fields: timestamp(ms) DistributionId c-country asn sc-status cs-uri-stem x-edge-result-type origin-fbl origin-lbl cache-behavior-path-pattern c-ip timestamp\n" +
		"1731620046814\tE2QWRUHEXAMPLE\tJP\t16509\t302\t/api/auth/callback/cognito\tMiss\t0.251\t0.262\t/api/*\t198.51.100.4\t1731620046\n"
	o := readString(t, in)
	if len(o.recs) != 1 {
		t.Fatalf("errors %v end %v", o.errs, o.end)
	}
	r := o.recs[0]
	if !r.Time.Equal(time.UnixMilli(1731620046814)) || r.DistributionID != "E2QWRUHEXAMPLE" || r.Country != "JP" ||
		r.ASN != 16509 || r.Status != 302 || r.OriginFBL != 0.251 || r.OriginLBL != 0.262 ||
		r.CacheBehaviorPathPattern != "/api/*" || r.EdgeResultType != "Miss" {
		t.Errorf("v2 record: %+v", r)
	}
}

func TestV2JSON(t *testing.T) {
	in := `{"timestamp":"1607374321.541","DistributionId":"E2QWRUHEXAMPLE","cs-method":"POST","cs-uri-stem":"/api/auth/signout","sc-status":"200","cs(User-Agent)":"a\"b\\c\u00e9\ud83d\ude00","sc-content-len":"-","asn":16509,"x":null}` + "\n" +
		"  \n" +
		`{"date":"2024-11-14","time":"21:34:06","sc-status":"abc"}` + "\n" +
		`{"date":"2024-11-14","time":"21:34:06",` + "\n" // truncated object at EOF
	o := readString(t, in)
	if len(o.recs) != 2 {
		t.Fatalf("records %d errors %v end %v", len(o.recs), o.errs, o.end)
	}
	r := o.recs[0]
	if !r.Time.Equal(time.Unix(1607374321, 541e6)) || r.Method != "POST" || r.Status != 200 ||
		r.UserAgent != "a\"b\\c\u00e9\U0001F600" || r.ASN != 16509 || r.Has(logparse.FieldContentLength) {
		t.Errorf("json record: %+v", r)
	}
	if len(o.errs) != 1 || !errors.Is(o.errs[0], logparse.ErrJSON) {
		t.Fatalf("errors: %v", o.errs)
	}
	// A bad status loses the status, not the record.
	if len(o.fieldErrs) != 1 {
		t.Fatalf("field errors: %v", o.fieldErrs)
	}
	if pe := o.fieldErrs[0]; pe.Line != 3 || pe.Field != "sc-status" || !errors.Is(pe, logparse.ErrNumber) {
		t.Errorf("json bad status: %v", pe)
	}
	if r := o.recs[1]; r.Line != 3 || r.StatusKnown() || !r.Invalid(logparse.FieldStatus) {
		t.Errorf("json record with a bad status: %+v", r)
	}
}

func TestPrettyPrintedJSON(t *testing.T) {
	in := "{\n  \"date\": \"2024-11-14\",\n  \"time\": \"21:34:06\",\n  \"sc-status\": \"200\"\n}\n{\"date\":\"2024-11-15\",\"time\":\"00:00:01\"}\n"
	o := readString(t, in)
	if len(o.recs) != 2 || len(o.errs) != 0 {
		t.Fatalf("records %d errors %v", len(o.recs), o.errs)
	}
	if o.recs[0].Line != 1 || o.recs[1].Line != 6 || o.recs[0].Status != 200 {
		t.Errorf("lines %d %d", o.recs[0].Line, o.recs[1].Line)
	}
}

func TestNotAccessLog(t *testing.T) {
	for name, in := range map[string]string{
		"html":        "<html><body>hello</body></html>\n",
		"csv":         "a,b,c\n1,2,3\n",
		"rtmp header": "#Version: 1.0\n#Fields: date time x-edge-location c-ip x-event sc-bytes x-cf-status x-sname\n",
		"no fields":   "#Fields: foo bar baz\n1 2 3\n",
	} {
		o := readString(t, in)
		var fe *logparse.FormatError
		if !errors.As(o.end, &fe) || len(o.recs) != 0 {
			t.Errorf("%s: want FormatError, got %v (%d records)", name, o.end, len(o.recs))
		}
	}
}

func TestEmptyInput(t *testing.T) {
	for _, in := range []string{"", "\n\n", header33} {
		o := readString(t, in)
		if o.end != nil || len(o.recs) != 0 || len(o.errs) != 0 {
			t.Errorf("%q: %+v", in, o)
		}
	}
}

func gz(t testing.TB, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func manyLines(n int) string {
	var b strings.Builder
	b.WriteString(header33)
	for i := 0; i < n; i++ {
		b.WriteString(strings.Join(line33, "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestGzip(t *testing.T) {
	const n = 20000 // several blocks
	data := gz(t, manyLines(n))
	o := readFrom(t, bytes.NewReader(data))
	if o.end != nil || len(o.recs) != n || len(o.errs) != 0 {
		t.Fatalf("records %d errors %d end %v", len(o.recs), len(o.errs), o.end)
	}
	if o.recs[n-1].Line != n+2 {
		t.Errorf("last line number %d, want %d", o.recs[n-1].Line, n+2)
	}

	// Concatenated gzip members (cat a.gz b.gz) read as one stream.
	o = readFrom(t, bytes.NewReader(append(gz(t, manyLines(3)), gz(t, manyLines(2))...)))
	if o.end != nil || len(o.recs) != 5 {
		t.Errorf("multistream: %d records, end %v", len(o.recs), o.end)
	}
}

func TestTruncatedAndCorruptGzip(t *testing.T) {
	const n = 20000
	data := gz(t, manyLines(n))
	t.Run("truncated", func(t *testing.T) {
		o := readFrom(t, bytes.NewReader(data[:len(data)/2]))
		var se *logparse.StreamError
		if !errors.As(o.end, &se) {
			t.Fatalf("want StreamError, got %v", o.end)
		}
		if se.Records != len(o.recs) || se.Records == 0 || se.Records >= n {
			t.Errorf("StreamError.Records=%d, records read %d", se.Records, len(o.recs))
		}
		if !strings.Contains(se.Error(), "after") {
			t.Errorf("message %q should say how many records were read", se.Error())
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		bad := append([]byte(nil), data...)
		for i := len(bad) / 3; i < len(bad)/3+64; i++ {
			bad[i] ^= 0x5a
		}
		o := readFrom(t, bytes.NewReader(bad))
		var se *logparse.StreamError
		if !errors.As(o.end, &se) || se.Records != len(o.recs) {
			t.Fatalf("want StreamError with the record count, got %v after %d records", o.end, len(o.recs))
		}
	})
	t.Run("bad header", func(t *testing.T) {
		o := readFrom(t, bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}))
		var se *logparse.StreamError
		if !errors.As(o.end, &se) {
			t.Fatalf("want StreamError, got %v", o.end)
		}
	})
}

func TestLongLine(t *testing.T) {
	huge := with(9, strings.Repeat("x", 3<<20))
	in := header33 + strings.Join(line33, "\t") + "\n" + huge + "\n" + strings.Join(line33, "\t") + "\n"
	o := readString(t, in)
	if len(o.recs) != 2 || len(o.errs) != 1 || !errors.Is(o.errs[0], logparse.ErrLineTooLong) {
		t.Fatalf("records %d errors %v end %v", len(o.recs), o.errs, o.end)
	}
	if o.recs[1].Line != 5 {
		t.Errorf("line after the long one: %d, want 5", o.recs[1].Line)
	}
	// A long line under the limit is read.
	o = readString(t, header33+with(9, strings.Repeat("y", 600<<10))+"\n")
	if len(o.recs) != 1 {
		t.Fatalf("600 KiB line: %v", o.errs)
	}
}

// failingReader returns data, then an error.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorKeepsCompleteLines(t *testing.T) {
	boom := errors.New("connection reset")
	in := header33 + strings.Join(line33, "\t") + "\n" + strings.Join(line33[:10], "\t") // partial line
	o := readFrom(t, &failingReader{data: []byte(in), err: boom})
	var se *logparse.StreamError
	if len(o.recs) != 1 || !errors.As(o.end, &se) || !errors.Is(o.end, boom) || se.Records != 1 {
		t.Fatalf("records %d end %v", len(o.recs), o.end)
	}
}

func TestCloseStopsEarly(t *testing.T) {
	r := logparse.NewReader(bytes.NewReader(gz(t, manyLines(50000))))
	var rec logparse.Record
	if err := r.Read(&rec); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := r.Read(&rec); err == nil {
		t.Error("Read after Close succeeded")
	}
}

// TestFastPathMatchesGeneral reads the same generated lines through the
// 33-field fast path and through the general, header-driven path (a header
// that spells cs(Host) the real-time way, which the fast path does not
// take), and wants identical records and errors.
func TestFastPathMatchesGeneral(t *testing.T) {
	var b strings.Builder
	cfg := loggen.Config{Seed: 7, Start: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Duration: time.Hour,
		RequestsPerHour: 3000, CookieLogging: true,
		Incidents: []loggen.Incident{{Kind: loggen.MethodRejected, From: time.Date(2026, 11, 20, 0, 30, 0, 0, time.UTC),
			Until: time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC), Rate: 1}}}
	if _, err := loggen.Stream(&b, cfg); err != nil {
		t.Fatal(err)
	}
	body := b.String()
	body = body[strings.Index(body, "\n2")+1:] // records only
	body += with(8, "x") + "\n" + with(4, "::zz") + "\n" + with(30, "1.5") + "\n"
	fast := readString(t, header33+body)
	general := readString(t, strings.Replace(header33, "cs(Host)", "cs-host", 1)+body)
	if len(fast.recs) < 1000 || len(fast.recs) != len(general.recs) || len(fast.errs) != 0 || len(general.errs) != 0 ||
		len(fast.fieldErrs) != 3 || len(general.fieldErrs) != 3 {
		t.Fatalf("fast: %d records %d errors %d field errors; general: %d records %d errors %d field errors",
			len(fast.recs), len(fast.errs), len(fast.fieldErrs), len(general.recs), len(general.errs), len(general.fieldErrs))
	}
	for i := range fast.fieldErrs {
		if fast.fieldErrs[i].Error() != general.fieldErrs[i].Error() {
			t.Errorf("field error %d: fast %q, general %q", i, fast.fieldErrs[i], general.fieldErrs[i])
		}
	}
	for i := range fast.recs {
		if got, want := stripPresence(fast.recs[i]), stripPresence(general.recs[i]); got != want {
			t.Fatalf("record %d differs:\nfast    %s\ngeneral %s", i, got, want)
		}
		for f := logparse.FieldDate; f <= logparse.FieldCacheBehaviorPathPattern; f++ {
			if fast.recs[i].Has(f) != general.recs[i].Has(f) {
				t.Fatalf("record %d: Has(%v) differs", i, f)
			}
		}
	}
	for i := range fast.errs {
		if fast.errs[i].Error() != general.errs[i].Error() {
			t.Errorf("error %d: fast %q, general %q", i, fast.errs[i], general.errs[i])
		}
	}
}

package dataset_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// parseAll reads every record of a log.
func rbParse(t testing.TB, data []byte) []logparse.Record {
	t.Helper()
	r := logparse.NewReader(bytes.NewReader(data))
	defer r.Close()
	var recs []logparse.Record
	for {
		var rec logparse.Record
		err := r.Read(&rec)
		if err == io.EOF {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

// writeFile writes recs as one dataset file.
func rbWrite(t testing.TB, recs []logparse.Record, dist string, opts dataset.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := dataset.NewWriter(&buf, opts)
	for i := range recs {
		if err := w.Write(&recs[i], dist); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// expected is what reading rec back must give: the dataset's documented
// changes applied to the record as logged.
func rbExpected(rec logparse.Record, dist string, row int) logparse.Record {
	e := rec
	e.Cookie = dataset.RedactCookie(rec.Cookie)
	e.Query = dataset.RedactQuery(rec.Query)
	e.Referrer = dataset.RedactQuery(rec.Referrer)
	e.Time = time.UnixMilli(rec.Time.UnixMilli()).UTC()
	if e.DistributionID == "" {
		e.DistributionID = dist
	}
	f32 := func(x float64) float64 { return float64(float32(x)) }
	e.TimeTaken, e.TimeToFirstByte = f32(rec.TimeTaken), f32(rec.TimeToFirstByte)
	e.OriginFBL, e.OriginLBL = f32(rec.OriginFBL), f32(rec.OriginLBL)
	e.Line = row + 1
	return e
}

// timeFields are the fields whose presence the dataset does not keep (it
// stores the time, not which fields it came from), and the distribution,
// which it fills from the key.
var rbNotKept = map[logparse.Field]bool{
	logparse.FieldDate: true, logparse.FieldTime: true, logparse.FieldTimestamp: true,
	logparse.FieldTimestampMS: true, logparse.FieldDistributionID: true,
}

// compare checks every exported field and every field's presence.
func rbCompare(t *testing.T, got, want *logparse.Record, only map[string]bool) {
	t.Helper()
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		f := gv.Type().Field(i)
		if !f.IsExported() || (only != nil && !only[f.Name]) {
			continue
		}
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gf, ok := g.(float64); ok && math.IsNaN(gf) && math.IsNaN(w.(float64)) {
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("line %d: %s = %#v, want %#v", want.Line, f.Name, g, w)
		}
	}
	if only != nil {
		return
	}
	for f := logparse.FieldDate; f.String() != ""; f++ {
		if !rbNotKept[f] && got.Has(f) != want.Has(f) {
			t.Errorf("line %d: Has(%s) = %v, want %v", want.Line, f, got.Has(f), want.Has(f))
		}
	}
}

func rbReadAll(t *testing.T, data []byte, opts dataset.ReaderOptions) []logparse.Record {
	t.Helper()
	r, err := dataset.NewReader(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []logparse.Record
	for {
		var rec logparse.Record
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		// Strings point into the reader's pages: clone what is kept.
		out = append(out, rbClone(rec))
	}
	if r.Rows() != r.NumRows() || int(r.Rows()) != len(out) {
		t.Errorf("Rows %d, NumRows %d, read %d", r.Rows(), r.NumRows(), len(out))
	}
	return out
}

func rbClone(rec logparse.Record) logparse.Record {
	v := reflect.ValueOf(&rec).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.String && f.CanSet() {
			f.SetString(strings.Clone(f.String()))
		}
	}
	return rec
}

// TestReadBack: every record of a generated day with cookies and every kind
// of incident reads back as it was logged, field for field and presence
// for presence, across row groups and pages.
func TestReadBack(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		cfg := loggen.Config{Seed: 7, Duration: 3 * time.Hour, RequestsPerHour: 3000, CookieLogging: true}
		from := loggen.DefaultStart.Add(time.Hour)
		for _, k := range loggen.Kinds() {
			cfg.Incidents = append(cfg.Incidents, loggen.Incident{Kind: k, From: from, Until: from.Add(time.Hour), Rate: k.DefaultRate()})
		}
		var buf bytes.Buffer
		if _, err := loggen.Stream(&buf, cfg); err != nil {
			t.Fatal(err)
		}
		recs := rbParse(t, buf.Bytes())
		// Small row groups and pages: batches cross both.
		data := rbWrite(t, recs, "EKEYDIST123", dataset.Options{Encoder: enc, RowGroupRows: 2500, PageBytes: 8 << 10})
		got := rbReadAll(t, data, dataset.ReaderOptions{Name: "test.parquet"})
		if len(got) != len(recs) {
			t.Fatalf("read %d records, wrote %d", len(got), len(recs))
		}
		for i := range recs {
			want := rbExpected(recs[i], "EKEYDIST123", i)
			rbCompare(t, &got[i], &want, nil)
			if t.Failed() {
				t.FailNow()
			}
		}
	})
}

// rbV2Log has the fields of standard logging v2 and absent numbers, a 000
// status and millisecond times.
const rbV2Log = "#Version: 1.0\n" +
	"#Fields: timestamp(ms) DistributionId c-ip cs-method cs(Host) cs-uri-stem sc-status sc-bytes time-to-first-byte x-edge-result-type x-edge-detailed-result-type cs(Cookie) cs-uri-query asn c-country origin-fbl origin-lbl cache-behavior-path-pattern sc-content-len\n" +
	"1763647200123\tEV2DIST0001\t2001:db8::1\tPOST\td1.cloudfront.net\t/api/auth/callback/cognito\t403\t512\t0.000\tError\tInvalidRequestMethod\tnext-auth.csrf-token=abc%7Cdef;%20_ga=GA1\tcode=secret&state=xyz\t16509\tDE\t0.012\t0.020\t/api/*\t0\n" +
	"1763647200456\t-\t192.0.2.9\tGET\td1.cloudfront.net\t/\t000\t-\t-\tMiss\t-\t-\t-\t-\t-\t-\t-\t-\t-\n"

func TestReadBackV2(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := rbParse(t, []byte(rbV2Log))
		if len(recs) != 2 {
			t.Fatalf("%d records", len(recs))
		}
		data := rbWrite(t, recs, "EKEYDIST123", dataset.Options{Encoder: enc})
		got := rbReadAll(t, data, dataset.ReaderOptions{})
		for i := range recs {
			want := rbExpected(recs[i], "EKEYDIST123", i)
			rbCompare(t, &got[i], &want, nil)
		}
		// The absent numbers of the second record stay absent; its 000 status
		// is a status.
		if got[1].Has(logparse.FieldBytesSent) || got[1].Has(logparse.FieldTimeToFirstByte) || !got[1].Has(logparse.FieldStatus) {
			t.Errorf("presence of record 2: bytes %v, ttfb %v, status %v", got[1].Has(logparse.FieldBytesSent),
				got[1].Has(logparse.FieldTimeToFirstByte), got[1].Has(logparse.FieldStatus))
		}
		if !got[0].Has(logparse.FieldTimeToFirstByte) || got[0].TimeToFirstByte != 0 {
			t.Errorf("a logged time-to-first-byte of 0 must read as present 0")
		}
		if got[0].Cookie != "next-auth.csrf-token=[redacted];%20_ga=[redacted]" || got[0].Query != "code=[redacted]&state=[redacted]" {
			t.Errorf("secrets: cookie %q, query %q", got[0].Cookie, got[0].Query)
		}
	})
}

// TestReadColumns: only the columns asked for are read; the other fields
// are zero and absent.
func TestReadColumns(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := rbParse(t, []byte(rbV2Log))
		data := rbWrite(t, recs, "", dataset.Options{Encoder: enc})
		cols := []string{"sc_status", "cs_uri_stem", "cs_cookie"}
		got := rbReadAll(t, data, dataset.ReaderOptions{Columns: cols})
		want := rbExpected(recs[0], "", 0)
		rbCompare(t, &got[0], &want, map[string]bool{"Status": true, "URIStem": true, "Cookie": true, "Time": true, "Line": true})
		if got[0].Method != "" || got[0].Has(logparse.FieldMethod) || got[0].ASN != 0 || got[0].Has(logparse.FieldASN) || got[0].ClientIP.IsValid() {
			t.Errorf("fields not read are set: %+v", got[0])
		}
		if !got[0].Has(logparse.FieldStatus) || !got[0].Has(logparse.FieldURIStem) {
			t.Error("fields read are absent")
		}
		if _, err := dataset.NewReader(bytes.NewReader(data), int64(len(data)), dataset.ReaderOptions{Columns: []string{"nope"}}); err == nil {
			t.Error("an unknown column is accepted")
		}
	})
}

// TestReadNotDataset: other Parquet files, truncated files and other bytes
// are refused with an error naming the file.
func TestReadNotDataset(t *testing.T) {
	type other struct {
		A string `parquet:"a"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []other{{"x"}}); err != nil {
		t.Fatal(err)
	}
	recs := rbParse(t, []byte(rbV2Log))
	good := rbWrite(t, recs, "", dataset.Options{})
	for name, data := range map[string][]byte{
		"other.parquet":     buf.Bytes(),
		"truncated.parquet": good[:len(good)/2],
		"log.parquet":       []byte(rbV2Log),
	} {
		_, err := dataset.NewReader(bytes.NewReader(data), int64(len(data)), dataset.ReaderOptions{Name: name})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A file cut inside its data, footer intact: the error comes from Read.
	r, err := dataset.NewReader(&rbFlaky{data: good, failAt: 8}, int64(len(good)), dataset.ReaderOptions{Name: "flaky.parquet"})
	if err != nil {
		t.Fatal(err)
	}
	var rec logparse.Record
	if err := r.Read(&rec); err == nil || !strings.Contains(err.Error(), "flaky.parquet") || !errors.Is(err, errRBFlaky) {
		t.Errorf("read through a failing ReaderAt: %v", err)
	}
}

var errRBFlaky = errors.New("flaky storage")

// rbFlaky serves the file's footer but fails every read of its data from
// failAt on: storage that breaks after the file was opened.
type rbFlaky struct {
	data   []byte
	failAt int64
}

func (f *rbFlaky) ReadAt(p []byte, off int64) (int, error) {
	if off < int64(len(f.data))-int64(f.footer()) && off >= f.failAt {
		return 0, errRBFlaky
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// footer is the footer's length plus the 8 trailing bytes.
func (f *rbFlaky) footer() int {
	d := f.data
	n := int(d[len(d)-8]) | int(d[len(d)-7])<<8 | int(d[len(d)-6])<<16 | int(d[len(d)-5])<<24
	return n + 8
}

// TestReaderReset: one Reader reads several files in turn, with other
// columns each time, and gives what a new Reader gives.
func TestReaderReset(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		var buf bytes.Buffer
		if _, err := loggen.Stream(&buf, loggen.Config{Seed: 9, Duration: time.Hour, RequestsPerHour: 2500, CookieLogging: true}); err != nil {
			t.Fatal(err)
		}
		recs := rbParse(t, buf.Bytes())
		files := [][]byte{
			rbWrite(t, recs[:1500], "EA1234567", dataset.Options{Encoder: enc}),
			rbWrite(t, recs[1500:], "EB1234567", dataset.Options{Encoder: enc, RowGroupRows: 300}),
			rbWrite(t, recs[:10], "EC1234567", dataset.Options{Encoder: enc}),
		}
		sets := [][]string{nil, {"cs_method", "sc_status"}, {"cs_cookie", "sc_bytes", "x_edge_request_id", "c_ip"}}
		var r *dataset.Reader
		for i, data := range files {
			for _, cols := range sets {
				opts := dataset.ReaderOptions{Columns: cols, Name: "f.parquet"}
				want := rbReadAll(t, data, opts)
				var err error
				if r == nil {
					r, err = dataset.NewReader(bytes.NewReader(data), int64(len(data)), opts)
				} else {
					err = r.Reset(bytes.NewReader(data), int64(len(data)), opts)
				}
				if err != nil {
					t.Fatal(err)
				}
				for j := range want {
					var rec logparse.Record
					if err := r.Read(&rec); err != nil {
						t.Fatalf("file %d, columns %v, row %d: %v", i, cols, j, err)
					}
					rbCompare(t, &rec, &want[j], nil)
				}
				var rec logparse.Record
				if err := r.Read(&rec); err != io.EOF {
					t.Fatalf("file %d: after the last row: %v", i, err)
				}
				if t.Failed() {
					t.FailNow()
				}
			}
		}
		// A failed Reset leaves the Reader failing, and it can be Reset again.
		if err := r.Reset(bytes.NewReader([]byte("nope")), 4, dataset.ReaderOptions{Name: "bad"}); err == nil {
			t.Fatal("Reset on a bad file succeeded")
		}
		var rec logparse.Record
		if err := r.Read(&rec); err == nil {
			t.Error("Read after a failed Reset succeeded")
		}
		if err := r.Reset(bytes.NewReader(files[2]), int64(len(files[2])), dataset.ReaderOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := r.Read(&rec); err != nil {
			t.Error(err)
		}
	})
}

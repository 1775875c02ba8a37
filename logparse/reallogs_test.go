package logparse_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/logparse"
)

// realLog says what reading one file of shared/real-logs must give.
type realLog struct {
	records int
	// malformed lists the lines that are really malformed, with why; each
	// must come back as a ParseError, and no other line may.
	malformed map[int]string
	// fieldErrors lists, by line, the field whose value cannot be read:
	// the record is kept with that field unknown, and the problem must come
	// back as a field error; no other field may.
	fieldErrors map[int]logparse.Field
	// refused: the file is not an access log and reading must end with a
	// FormatError.
	refused bool
}

// realLogs covers every file in shared/real-logs (see PROVENANCE.tsv there).
// A new file there fails TestRealLogs until it is added here.
var realLogs = map[string]realLog{
	"Doist_process-cloudfront-logs__tests__test_log.csv": {records: 2},
	"aws-samples_amazon-cloudfront-log-analysis__lab1-serveless-cloudfront-log-analysis__sample-logs__raw-logs__sample-cloudfront-access-logs": {records: 66},
	// faker-generated: sc-content-len is 570129.7648412298 and
	// 677955.7753429408, fractions where CloudFront logs a byte count.
	"aws-solutions_centralized-logging-with-opensearch__source__constructs__lambda__microbatch__test__data__cloudfront.log": {records: 2,
		fieldErrors: map[int]logparse.Field{3: logparse.FieldContentLength, 4: logparse.FieldContentLength},
	},
	"aws-solutions_centralized-logging-with-opensearch__source__constructs__lambda__pipeline__log-processor__test__datafile__cloudfront.log": {records: 2},
	"awsdocs_amazon-cloudfront-developer-guide__doc_source__AccessLogs.md.example":                                                           {records: 6},
	"awsdocs_amazon-cloudfront-developer-guide__doc_source__AccessLogs.md.example@0fca9755":                                                  {records: 2},
	"awsdocs_amazon-cloudfront-developer-guide__doc_source__AccessLogs.md.example@1a74ec8e":                                                  {records: 6},
	"christ-off_analyze-logs__src__test__resources__E1Z5N5X273TPT1.2026-04-04-12.27178cb4":                                                   {records: 3},
	"claygregory_node-cloudfront-log-parser__test__fixtures__kinesis-1-0.txt":                                                                {records: 1},
	"claygregory_node-cloudfront-log-parser__test__fixtures__web-1-0-2019-12.txt":                                                            {records: 3},
	"claygregory_node-cloudfront-log-parser__test__fixtures__web-1-0.txt":                                                                    {records: 2},
	"docs.aws.amazon.com_AmazonCloudFront__latest__DeveloperGuide__standard-logging.html.example-cloudwatch.json":                            {records: 1},
	"docs.aws.amazon.com_AmazonCloudFront__latest__DeveloperGuide__standard-logging.html.example-firehose.ndjson":                            {records: 2},
	"docs.aws.amazon.com_AmazonCloudFront__latest__DeveloperGuide__standard-logging.html.example-s3-w3c.log": {records: 1,
		malformed: map[int]string{
			3: "the documentation page wrapped the one record onto two lines; this is its tail (the record reads from line 2 with its last two fields empty)",
		}},
	"elastic_integrations__packages__aws__data_stream__cloudfront_logs___dev__test__pipeline__test-cloudfront.log":          {records: 12},
	"elastic_integrations__packages__aws__data_stream__cloudfront_logs___dev__test__pipeline__test-cloudfront.log@0833f502": {records: 7},
	// Not a raw log but a numbered "name: value" dump of one v2 record;
	// TestRealLogV2FieldDump reads it as the W3C line it describes.
	"flenniken_collections__docs__request-logging.md.show-fields-sample":                                 {refused: true},
	"grafana_loki__tools__lambda-promtail__testdata__cloudfront.json":                                    {records: 1},
	"grafana_loki__tools__lambda-promtail__testdata__cloudfront.log":                                     {records: 2},
	"jSherz_cloudfront-logs-to-elasticsearch__src__test__resources__file":                                {records: 2},
	"kdgm_fluent-plugin-cloudfront-log-optimized__test__plugin__test_in_cloudfrontlog.rb.line":           {records: 1},
	"mapbox_cloudfront-log-reader__test__fixtures__AAAAAAAAAAAAAA.2015-10-19-17.e5b6526a":                {records: 9},
	"matomo-org_matomo-log-analytics__tests__logs__amazon_cloudfront_rtmp.log":                           {refused: true},
	"matomo-org_matomo-log-analytics__tests__logs__amazon_cloudfront_web.log":                            {records: 1},
	"rkalla_cloudfront-log-parser__src__test__java__com__thebuzzmedia__cloudfront__samples__example-100": {records: 100},
}

type readResult struct {
	records   []logparse.Record
	parseErr  map[int]*logparse.ParseError
	fieldErrs []*logparse.ParseError
	endErr    error
	format    logparse.Format
}

func readAll(t *testing.T, path string) readResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := logparse.NewReader(f)
	r.Name = filepath.Base(path)
	defer r.Close()
	res := readResult{parseErr: map[int]*logparse.ParseError{}}
	for {
		var rec logparse.Record
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		var pe *logparse.ParseError
		if errors.As(err, &pe) {
			res.parseErr[pe.Line] = pe
			continue
		}
		if err != nil {
			res.endErr = err
			break
		}
		res.records = append(res.records, rec)
		res.fieldErrs = append(res.fieldErrs, r.FieldErrors()...)
	}
	if r.Records() != len(res.records) || r.Skipped() != len(res.parseErr) || r.FieldErrorCount() != len(res.fieldErrs) {
		t.Errorf("counters: Records()=%d Skipped()=%d FieldErrorCount()=%d, read %d records, %d errors and %d field errors",
			r.Records(), r.Skipped(), r.FieldErrorCount(), len(res.records), len(res.parseErr), len(res.fieldErrs))
	}
	res.format = r.Format()
	return res
}

func TestRealLogs(t *testing.T) {
	dir := testenv.RealLogsDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		name := e.Name()
		if name == "PROVENANCE.tsv" || strings.HasSuffix(name, ".expected") {
			continue
		}
		seen++
		want, ok := realLogs[name]
		if !ok {
			t.Errorf("%s: new file in real-logs; add what reading it must give to realLogs", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			res := readAll(t, filepath.Join(dir, name))
			if want.refused {
				if !errors.Is(res.endErr, logparse.ErrNotAccessLog) {
					t.Fatalf("want a FormatError refusing the file, got %v", res.endErr)
				}
				if len(res.records) != 0 {
					t.Errorf("refused file yielded %d records", len(res.records))
				}
				return
			}
			if res.endErr != nil {
				t.Fatalf("reading ended with %v", res.endErr)
			}
			if len(res.records) != want.records {
				t.Errorf("read %d records, want %d", len(res.records), want.records)
			}
			for line, pe := range res.parseErr {
				if _, ok := want.malformed[line]; !ok {
					t.Errorf("unexpected ParseError: %v", pe)
				}
			}
			for line, why := range want.malformed {
				if _, ok := res.parseErr[line]; !ok {
					t.Errorf("line %d should be a ParseError (%s)", line, why)
				}
			}
			for _, rec := range res.records {
				if rec.Time.IsZero() || rec.Time.Location() != time.UTC {
					t.Errorf("line %d: time %v", rec.Line, rec.Time)
				}
				if f, ok := want.fieldErrors[rec.Line]; ok && (!rec.Invalid(f) || rec.Has(f)) {
					t.Errorf("line %d: %v should be unknown", rec.Line, f)
				}
			}
			if len(res.fieldErrs) != len(want.fieldErrors) {
				t.Errorf("field errors %v, want %d", res.fieldErrs, len(want.fieldErrors))
			}
			for _, fe := range res.fieldErrs {
				if f, ok := want.fieldErrors[fe.Line]; !ok || fe.Field != f.String() || fe.Name != name {
					t.Errorf("unexpected field error: %v", fe)
				}
			}
		})
	}
	if seen != len(realLogs) {
		t.Errorf("real-logs has %d log files, the table lists %d", seen, len(realLogs))
	}
}

func TestRealLogRTMPRefusedClearly(t *testing.T) {
	res := readAll(t, filepath.Join(testenv.RealLogsDir(t), "matomo-org_matomo-log-analytics__tests__logs__amazon_cloudfront_rtmp.log"))
	var fe *logparse.FormatError
	if !errors.As(res.endErr, &fe) {
		t.Fatalf("want *FormatError, got %v", res.endErr)
	}
	msg := fe.Error()
	for _, want := range []string{"amazon_cloudfront_rtmp.log", "line 2", "RTMP", "not a CloudFront access log"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

// fieldValue renders a record's field the way a log line or the .expected
// files state it.
func fieldValue(rec *logparse.Record, name string) (string, bool) {
	decoded := strings.HasSuffix(name, "(decoded)")
	name = strings.TrimSuffix(name, "(decoded)")
	f := logparse.LookupField(name)
	var v string
	switch f {
	case logparse.FieldDate:
		v = rec.Time.Format("2006-01-02")
	case logparse.FieldTime:
		v = rec.Time.Format("15:04:05")
	case logparse.FieldTimestamp:
		v = strconv.FormatFloat(float64(rec.Time.UnixMilli())/1000, 'f', -1, 64)
	case logparse.FieldClientIP:
		v = rec.ClientIP.String()
	case logparse.FieldStatus:
		v = strconv.Itoa(rec.Status)
	case logparse.FieldTimeToFirstByte:
		v = strconv.FormatFloat(rec.TimeToFirstByte, 'f', 3, 64)
	case logparse.FieldContentLength:
		v = strconv.FormatInt(rec.ContentLength, 10)
	case logparse.FieldEdgeLocation:
		v = rec.EdgeLocation
	case logparse.FieldURIStem:
		v = rec.URIStem
	case logparse.FieldUserAgent:
		v = rec.UserAgent
	case logparse.FieldEdgeResponseResultType:
		v = rec.EdgeResponseResultType
	case logparse.FieldEdgeDetailedResultType:
		v = rec.EdgeDetailedResultType
	case logparse.FieldContentType:
		v = rec.ContentType
	default:
		return "", false
	}
	if decoded {
		v = logparse.Decode(v)
	}
	return v, true
}

// TestRealLogExpected checks the fields that the source projects' own tests
// assert, transcribed in the .expected files.
func TestRealLogExpected(t *testing.T) {
	dir := testenv.RealLogsDir(t)
	for _, name := range []string{
		"claygregory_node-cloudfront-log-parser__test__fixtures__kinesis-1-0.txt",
		"claygregory_node-cloudfront-log-parser__test__fixtures__web-1-0-2019-12.txt",
		"claygregory_node-cloudfront-log-parser__test__fixtures__web-1-0.txt",
	} {
		t.Run(name, func(t *testing.T) {
			var exp struct {
				RecordCount   int                          `json:"record_count"`
				Records       map[string]map[string]string `json:"records"`
				KeysPerRecord int                          `json:"keys_per_record"`
			}
			readJSON(t, filepath.Join(dir, name+".expected"), &exp)
			res := readAll(t, filepath.Join(dir, name))
			if exp.RecordCount != 0 && len(res.records) != exp.RecordCount {
				t.Errorf("records: got %d, want %d", len(res.records), exp.RecordCount)
			}
			checked := 0
			for idx, fields := range exp.Records {
				i, _ := strconv.Atoi(idx)
				rec := &res.records[i]
				for key, want := range fields {
					got, ok := fieldValue(rec, key)
					if !ok {
						t.Fatalf("test cannot render expected key %q", key)
					}
					if got != want {
						t.Errorf("record %d %s: got %q, want %q", i, key, got, want)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no expected field was checked")
			}
		})
	}

	t.Run("kdgm InvalidRequestMethod", func(t *testing.T) {
		name := "kdgm_fluent-plugin-cloudfront-log-optimized__test__plugin__test_in_cloudfrontlog.rb.line"
		var exp struct {
			Records map[string]map[string]string `json:"records"`
		}
		readJSON(t, filepath.Join(dir, name+".expected"), &exp)
		res := readAll(t, filepath.Join(dir, name))
		rec := res.records[0]
		// The plugin turns the decoded %09 (TAB) into a space; Decode keeps the TAB.
		ua := logparse.Decode(rec.UserAgent)
		if !strings.Contains(ua, "\t") {
			t.Errorf("decoded UA %q should hold the TAB that %%09 encodes", ua)
		}
		if got, want := strings.ReplaceAll(ua, "\t", " "), exp.Records["0"]["cs(User-Agent) as emitted by this plugin"]; got != want {
			t.Errorf("UA: got %q, want %q", got, want)
		}
		if rec.Method != "POST" || rec.Status != 403 || rec.EdgeResultType != "Error" ||
			rec.EdgeDetailedResultType != "InvalidRequestMethod" || rec.TimeToFirstByte != 0 ||
			!rec.Has(logparse.FieldTimeToFirstByte) || rec.ContentType != "text/html" || rec.ContentLength != 1053 {
			t.Errorf("InvalidRequestMethod record read wrong: %+v", rec)
		}
	})

	t.Run("matomo web", func(t *testing.T) {
		name := "matomo-org_matomo-log-analytics__tests__logs__amazon_cloudfront_web.log"
		var exp struct {
			Hits []struct {
				Status      string  `json:"status"`
				Referrer    string  `json:"referrer"`
				GenTimeMs   float64 `json:"generation_time_milli"`
				Date        string  `json:"date"`
				IP          string  `json:"ip"`
				QueryString string  `json:"query_string"`
				Path        string  `json:"path"`
				UserAgent   string  `json:"user_agent"`
			} `json:"hits"`
		}
		readJSON(t, filepath.Join(dir, name+".expected"), &exp)
		res := readAll(t, filepath.Join(dir, name))
		if len(res.records) != len(exp.Hits) {
			t.Fatalf("records %d, want %d", len(res.records), len(exp.Hits))
		}
		h, rec := exp.Hits[0], res.records[0]
		got := []string{strconv.Itoa(rec.Status), rec.Referrer, strconv.FormatFloat(rec.TimeTaken*1000, 'f', 1, 64),
			rec.Time.Format("2006-01-02T15:04:05"), rec.ClientIP.String(), rec.Query, rec.URIStem, logparse.Decode(rec.UserAgent)}
		want := []string{h.Status, h.Referrer, strconv.FormatFloat(h.GenTimeMs, 'f', 1, 64), h.Date, h.IP, h.QueryString, h.Path, h.UserAgent}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("field %d: got %q, want %q", i, got[i], want[i])
			}
		}
	})

	t.Run("elastic @0833f502", func(t *testing.T) {
		name := "elastic_integrations__packages__aws__data_stream__cloudfront_logs___dev__test__pipeline__test-cloudfront.log@0833f502"
		var exp struct {
			Expected []map[string]any `json:"expected"`
		}
		readJSON(t, filepath.Join(dir, name+".expected"), &exp)
		res := readAll(t, filepath.Join(dir, name))
		if len(res.records) != len(exp.Expected) {
			t.Fatalf("records %d, want %d", len(res.records), len(exp.Expected))
		}
		for i, e := range exp.Expected {
			rec := res.records[i]
			cf := e["aws.cloudfront"].(map[string]any)
			checks := map[string][2]any{
				"@timestamp":       {rec.Time.Format("2006-01-02T15:04:05.000Z"), e["@timestamp"]},
				"edge_location":    {rec.EdgeLocation, cf["edge_location"]},
				"result":           {rec.EdgeResultType, cf["edge_result_type"]},
				"response_result":  {rec.EdgeResponseResultType, cf["edge_response_result_type"]},
				"detailed_result":  {rec.EdgeDetailedResultType, cf["edge_detailed_result_type"]},
				"content_type":     {rec.ContentType, cf["content_type"]},
				"domain":           {rec.Host, cf["domain"]},
				"ttfb":             {rec.TimeToFirstByte, cf["time_to_first_byte"]},
				"event.id":         {rec.RequestID, e["event.id"]},
				"request.bytes":    {float64(rec.BytesReceived), e["http.request.bytes"]},
				"method":           {rec.Method, e["http.request.method"]},
				"response.bytes":   {float64(rec.BytesSent), e["http.response.bytes"]},
				"status":           {float64(rec.Status), e["http.response.status_code"]},
				"version":          {strings.TrimPrefix(rec.ProtocolVersion, "HTTP/"), e["http.version"]},
				"protocol":         {rec.Protocol, e["network.protocol"]},
				"source.ip":        {rec.ClientIP.String(), e["source.ip"]},
				"source.port":      {float64(rec.ClientPort), e["source.port"]},
				"url.path":         {rec.URIStem, e["url.path"]},
				"user_agent":       {logparse.Decode(rec.UserAgent), e["user_agent.original"]},
				"destination":      {rec.HostHeader, e["destination.domain"]},
				"network.type":     {map[bool]string{true: "ipv4", false: "ipv6"}[rec.ClientIP.Is4()], e["network.type"]},
				"tls.cipher":       {rec.TLSCipher, orNil(e["tls.cipher"])},
				"url.query":        {rec.Query, orNil(e["url.query"])},
				"referrer":         {rec.Referrer, orNil(e["http.request.referrer"])},
				"body.bytes (has)": {rec.Has(logparse.FieldContentLength), e["http.response.body.bytes"] != nil},
			}
			keys := make([]string, 0, len(checks))
			for k := range checks {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				c := checks[k]
				if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
					t.Errorf("record %d %s: got %v, want %v", i, k, c[0], c[1])
				}
			}
		}
	})
}

// orNil maps a missing expected value to the empty string a Record holds.
func orNil(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestRealLogV2FieldDump reads the one real standard-logging v2 record that
// survives only as a "n name: value" dump, by writing it back as the v2 W3C
// file it came from: header from the names, values tab-separated.
func TestRealLogV2FieldDump(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RealLogsDir(t), "flenniken_collections__docs__request-logging.md.show-fields-sample"))
	if err != nil {
		t.Fatal(err)
	}
	var names, values []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("unexpected dump line %q", line)
		}
		names = append(names, strings.TrimSuffix(fields[1], ":"))
		values = append(values, fields[2])
	}
	w3c := "#Fields: " + strings.Join(names, " ") + "\n" + strings.Join(values, "\t") + "\n"
	r := logparse.NewReader(strings.NewReader(w3c))
	var rec logparse.Record
	if err := r.Read(&rec); err != nil {
		t.Fatal(err)
	}
	if len(names) != 39 {
		t.Fatalf("dump has %d fields, want 39", len(names))
	}
	if rec.DistributionID != "EHLMG1T8SOX48" || rec.ASN != 7922 || rec.OriginFBL != 0.051 || rec.OriginLBL != 0.053 {
		t.Errorf("v2 extras: %+v", rec)
	}
	if want := time.UnixMilli(1738535441041).UTC(); !rec.Time.Equal(want) {
		t.Errorf("time %v, want %v (from timestamp(ms))", rec.Time, want)
	}
	if rec.URIStem != "/pages/image-1.html" || rec.Status != 200 || rec.ClientPort != 53251 || rec.HostHeader != "collections.sflennik.com" {
		t.Errorf("fields: %+v", rec)
	}
	if rec.Has(logparse.FieldContentLength) {
		t.Error("sc-content-len '-' should be absent")
	}
}

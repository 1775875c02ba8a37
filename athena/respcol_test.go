package athena

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// TestResponseTypeSameAsLocal: failures whose Lambda@Edge, CloudFront
// Functions or capacity value is logged only in x-edge-response-result-type
// (Error in the two other result types), field-level encryption refusals
// (fle-status) and 504s after the origin response timeout (a
// time-to-first-byte of about 30 s), on NextAuth's and API paths, with and
// without a time-to-first-byte of an edge refusal: Athena attributes them as
// the local engine does, in every format, failures_by_layer included.
func TestResponseTypeSameAsLocal(t *testing.T) {
	tmp := t.TempDir()
	logs := filepath.Join(tmp, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(16, 22))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	// Every value the layer tables name for the three result types, and
	// later ones their patterns match.
	response := []string{"LambdaExecutionError", "LambdaValidationError", "LambdaLimitExceeded", "LambdaGeneratedResponse",
		"MissGeneratedResponse", "FunctionExecutionError", "FunctionValidationError", "FunctionThrottledError",
		"FunctionGeneratedResponse", "LambdaEventLimitExceeded", "LambdaFutureError", "FunctionFutureThrottled",
		"FunctionFutureError", "LimitExceeded", "CapacityExceeded"}
	fle := []string{"MalformedInputClientError", "MalformedContentTypeClientError", "RejectedByContentType",
		"RejectedByQueryString", "FieldLengthLimitClientError", "RequestLengthLimitClientError", "ProcessedSuccessfully", "-"}
	var b strings.Builder
	b.WriteString(loggen.Header)
	at := t0
	for i := range 8000 {
		at = at.Add(time.Duration(rng.IntN(2000)) * time.Millisecond)
		status, result, resp, detailed, ttfb, fs, method := "200", "Miss", "Miss", "Miss", "0.040", "-", pick("GET", "GET", "POST")
		switch rng.IntN(8) {
		case 0, 1:
			status, result, detailed = pick("401", "403", "404", "500", "502", "503", "504"), "Error", pick("Error", "-")
			resp, ttfb = pick(response...), pick("0.000", "0.001", "0.040", "-")
		case 2:
			status, result, resp, detailed = pick("401", "403", "404"), "Error", "Error", pick("Error", "-")
			fs, ttfb = pick(fle...), pick("0.000", "0.001", "0.040")
		case 3:
			status, result, resp, detailed = "504", "Error", "Error", pick("Error", "-")
			ttfb = pick("26.900", "27.000", "30.001", "60.000", "5.000")
		case 4:
			method = "OPTIONS"
			status, result, detailed, resp, ttfb = pick("401", "404"), "Error", "Error", pick(response...), pick("0.000", "0.040")
		}
		fields := []string{
			at.Format("2006-01-02"), at.Format("15:04:05"), "IAD89-C1", "512", fmt.Sprintf("192.0.2.%d", rng.IntN(60)+1),
			method, "d111111abcdef8.cloudfront.net",
			pick("/api/auth/session", "/api/auth/csrf", "/api/auth/callback/github", "/api/auth/signin", "/api/items", "/api/orders/1", "/"),
			status, "-", "Mozilla/5.0", "-", "next-auth.session-token=abc", result, fmt.Sprintf("rrt%06d==", i),
			"app.example.com", "https", "100", "0.050", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", resp, "HTTP/2.0", fs, "-", "443",
			ttfb, detailed, pick("application/json", "text/html", "text/xml"), "120", "-", "-",
		}
		b.WriteString(strings.Join(fields, "\t") + "\n")
	}
	if err := os.WriteFile(filepath.Join(logs, "E2QWRUHEXAMPLE.2026-11-20-00.0000abcd"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(tmp, "ds")
	datasettest.Write(t, logs, root, dataset.Options{})
	db := openTable(t, root)
	opts := report.Options{Window: window(0, 5*time.Hour)}
	// The local engine over the logs themselves is the reference: over
	// the dataset it must read the same fields.
	raw := localReport(t, logs, opts)
	local := localReport(t, root, opts)
	reasons := map[string]int64{}
	for _, r := range raw.FailuresByLayer {
		for _, c := range r.Reasons {
			reasons[c.Name] += c.Count
		}
	}
	for _, want := range []string{"lambda-edge-error", "lambda-edge-throttled", "lambda-edge-response", "function-error",
		"function-throttled", "function-response", "limit-exceeded", "capacity-exceeded", "field-level-encryption"} {
		if reasons[want] == 0 {
			t.Errorf("failures_by_layer over the logs: no %s: %v", want, reasons)
		}
	}
	rep, err := Run(context.Background(), &duck{db: db}, opts, Options{Dialect: DuckDB})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range report.Formats() {
		if r, l := formatOf(t, raw, f), formatOf(t, local, f); r != l {
			t.Errorf("%s reports over the logs and over the dataset differ:\n%s", f, firstDiff(r, l))
		}
		if l, a := formatOf(t, local, f), formatOf(t, rep, f); l != a {
			t.Errorf("%s reports differ:\n%s", f, firstDiff(l, a))
		}
	}
}

// formatOf is a report in format f without its input section (jsonOf).
func formatOf(t *testing.T, rep *report.Report, f report.Format) string {
	t.Helper()
	c := *rep
	c.Input = report.Input{}
	c.Coverage.NearestBefore, c.Coverage.NearestAfter = nil, nil
	var b bytes.Buffer
	if err := c.Write(&b, f, report.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

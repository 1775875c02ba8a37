package athena

import (
	"math/rand/v2"
	"testing"
	"time"

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
	// Every value the layer tables name for the three result types, and
	// later ones their patterns match.
	response := []string{"LambdaExecutionError", "LambdaValidationError", "LambdaLimitExceeded", "LambdaGeneratedResponse",
		"MissGeneratedResponse", "FunctionExecutionError", "FunctionValidationError", "FunctionThrottledError",
		"FunctionGeneratedResponse", "LambdaEventLimitExceeded", "LambdaFutureError", "FunctionFutureThrottled",
		"FunctionFutureError", "LimitExceeded", "CapacityExceeded"}
	fle := []string{"MalformedInputClientError", "MalformedContentTypeClientError", "RejectedByContentType",
		"RejectedByQueryString", "FieldLengthLimitClientError", "RequestLengthLimitClientError", "ProcessedSuccessfully", "-"}
	logs, root := handLog(t, 16, 8000, 2*time.Second, func(rng *rand.Rand, i int) handLine {
		pick := func(vs ...string) string { return pickOf(rng, vs...) }
		l := handLine{method: pick("GET", "GET", "POST"), status: "200", result: "Miss", response: "Miss", detailed: "Miss", ttfb: "0.040"}
		switch rng.IntN(8) {
		case 0, 1:
			l.status, l.result, l.detailed = pick("401", "403", "404", "500", "502", "503", "504"), "Error", pick("Error", "-")
			l.response, l.ttfb = pick(response...), pick("0.000", "0.001", "0.040", "-")
		case 2:
			l.status, l.result, l.response, l.detailed = pick("401", "403", "404"), "Error", "Error", pick("Error", "-")
			l.fle, l.ttfb = pick(fle...), pick("0.000", "0.001", "0.040")
		case 3:
			l.status, l.result, l.response, l.detailed = "504", "Error", "Error", pick("Error", "-")
			l.ttfb = pick("26.900", "27.000", "30.001", "60.000", "5.000")
		case 4:
			l.method = "OPTIONS"
			l.status, l.result, l.detailed, l.response, l.ttfb = pick("401", "404"), "Error", "Error", pick(response...), pick("0.000", "0.040")
		}
		l.path = pick("/api/auth/session", "/api/auth/csrf", "/api/auth/callback/github", "/api/auth/signin", "/api/items", "/api/orders/1", "/")
		l.cookie, l.ctype = "next-auth.session-token=abc", pick("application/json", "text/html", "text/xml")
		return l
	})
	// The local engine over the logs themselves is the reference: over
	// the dataset it must read the same fields (sameAsLocal).
	local := sameAsLocal(t, logs, root, report.Options{Window: window(0, 5*time.Hour)})
	reasons := map[string]int64{}
	for _, r := range local.FailuresByLayer {
		for _, c := range r.Reasons {
			reasons[c.Name] += c.Count
		}
	}
	for _, want := range []string{"lambda-edge-error", "lambda-edge-throttled", "lambda-edge-response", "function-error",
		"function-throttled", "function-response", "limit-exceeded", "capacity-exceeded", "field-level-encryption"} {
		if reasons[want] == 0 {
			t.Errorf("failures_by_layer: no %s: %v", want, reasons)
		}
	}
}

package athena

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/report"
)

// TestEdgeComputeSameAsLocal: 5xx of the edge-compute layer (Lambda@Edge
// and CloudFront Functions errors, throttles and generated responses,
// capacity values logged before a function's), which origin-errors leaves
// out, beside origin 5xx on the same paths: Athena reports what the local
// engine does. origin-errors' SQL no longer selects the edge-compute 5xx,
// and the replay must still see them as logged.
func TestEdgeComputeSameAsLocal(t *testing.T) {
	logs, root := handLog(t, 16, 6000, 2400*time.Millisecond, func(rng *rand.Rand, i int) handLine {
		pick := func(vs ...string) string { return pickOf(rng, vs...) }
		l := handLine{status: "200", result: "Miss", detailed: "Miss", ttfb: "0.040"}
		switch rng.IntN(6) {
		case 0:
			l.status, l.result, l.detailed = pick("502", "503"), "Error", pick("LambdaGeneratedResponse", "FunctionGeneratedResponse", "MissGeneratedResponse")
		case 1:
			l.status, l.result, l.detailed = pick("502", "503"), pick("Error", "LambdaExecutionError"), pick("LambdaValidationError", "FunctionExecutionError", "Error")
		case 2:
			l.status, l.result, l.detailed = "503", "LambdaExecutionError", pick("LimitExceeded", "CapacityExceeded")
		case 3:
			l.status, l.result, l.detailed, l.ttfb = pick("500", "502", "504"), "Error", pick("Error", "OriginConnectError", "OriginCommError"), "0.300"
		}
		l.method = pick("GET", "POST")
		l.path = pick("/api/auth/session", "/api/auth/callback/github", "/api/items", "/api/orders/1", "/", "/_next/static/a.js")
		l.ctype = "text/html"
		return l
	})
	local := sameAsLocal(t, logs, root, report.Options{Window: window(0, 5*time.Hour)})
	rules := map[string]int{}
	for _, f := range local.Findings {
		rules[f.Rule]++
	}
	if rules[detectors.RuleOriginErrors] == 0 || rules[detectors.RuleEdgeFunctionError] == 0 {
		t.Errorf("findings by rule %v: want origin-errors and edge-function-error", rules)
	}
}

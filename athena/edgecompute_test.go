package athena

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// TestEdgeComputeSameAsLocal: 5xx of the edge-compute layer (Lambda@Edge
// and CloudFront Functions errors, throttles and generated responses,
// capacity values logged before a function's), which origin-errors leaves
// out, beside origin 5xx on the same paths: Athena reports what the local
// engine does. origin-errors' SQL no longer selects the edge-compute 5xx,
// and the replay must still see them as logged.
func TestEdgeComputeSameAsLocal(t *testing.T) {
	tmp := t.TempDir()
	logs := filepath.Join(tmp, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(16, 2))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	var b strings.Builder
	b.WriteString(loggen.Header)
	at := t0
	for i := range 6000 {
		at = at.Add(time.Duration(rng.IntN(2400)) * time.Millisecond)
		status, result, detailed, ttfb := "200", "Miss", "Miss", "0.040"
		switch rng.IntN(6) {
		case 0:
			status, result, detailed = pick("502", "503"), "Error", pick("LambdaGeneratedResponse", "FunctionGeneratedResponse", "MissGeneratedResponse")
		case 1:
			status, result, detailed = pick("502", "503"), pick("Error", "LambdaExecutionError"), pick("LambdaValidationError", "FunctionExecutionError", "Error")
		case 2:
			status, result, detailed = "503", "LambdaExecutionError", pick("LimitExceeded", "CapacityExceeded")
		case 3:
			status, result, detailed, ttfb = pick("500", "502", "504"), "Error", pick("Error", "OriginConnectError", "OriginCommError"), "0.300"
		}
		fields := []string{
			at.Format("2006-01-02"), at.Format("15:04:05"), "IAD89-C1", "512", fmt.Sprintf("192.0.2.%d", rng.IntN(60)+1),
			pick("GET", "POST"), "d111111abcdef8.cloudfront.net",
			pick("/api/auth/session", "/api/auth/callback/github", "/api/items", "/api/orders/1", "/", "/_next/static/a.js"),
			status, "-", "Mozilla/5.0", "-", "-", result, fmt.Sprintf("ec%06d==", i),
			"app.example.com", "https", "100", "0.050", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", result, "HTTP/2.0", "-", "-", "443",
			ttfb, detailed, "text/html", "120", "-", "-",
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
	local := localReport(t, root, opts)
	rules := map[string]int{}
	for _, f := range local.Findings {
		rules[f.Rule]++
	}
	if rules[detectors.RuleOriginErrors] == 0 || rules[detectors.RuleEdgeFunctionError] == 0 {
		t.Fatalf("findings by rule %v: want origin-errors and edge-function-error", rules)
	}
	rep, err := Run(context.Background(), &duck{db: db}, opts, Options{Dialect: DuckDB})
	if err != nil {
		t.Fatal(err)
	}
	if l, a := jsonOf(t, local, false), jsonOf(t, rep, false); l != a {
		t.Errorf("reports differ:\n%s", firstDiff(l, a))
	}
}

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
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// TestConfiguredRefusalsSameAsLocal: geo restriction, WAF-like edge
// refusals (any 4xx, time-to-first-byte 0.000 or 0.001), signed URL and
// InvalidRequestBlocked refusals on NextAuth's endpoints, among answers of
// NextAuth: the checks leave the same requests out with Athena as locally.
func TestConfiguredRefusalsSameAsLocal(t *testing.T) {
	tmp := t.TempDir()
	logs := filepath.Join(tmp, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	var b strings.Builder
	b.WriteString(loggen.Header)
	at := t0
	for i := range 6000 {
		at = at.Add(time.Duration(rng.IntN(2400)) * time.Millisecond)
		status, result, detailed, ttfb, query := "200", "Miss", "Miss", "0.040", "-"
		switch rng.IntN(8) {
		case 0:
			status, result, detailed, ttfb = "403", "Error", "ClientGeoBlocked", "0.000"
		case 1:
			status, result, detailed, ttfb = pick("401", "403", "404", "405"), "Error", pick("Error", "-"), pick("0.000", "0.001", "0.002")
		case 2:
			status, result, detailed, ttfb, query = "403", "Error", pick("Error", "InvalidRequestBlocked"), "0.000", "Expires=1&Signature=s&Key-Pair-Id=K1"
		case 3:
			status, result, detailed, ttfb = pick("401", "403", "404"), "Error", pick("InvalidRequestBlocked", "Error"), pick("0.000", "0.030", "-")
		}
		fields := []string{
			at.Format("2006-01-02"), at.Format("15:04:05"), "IAD89-C1", "512", fmt.Sprintf("192.0.2.%d", rng.IntN(60)+1),
			pick("GET", "GET", "POST"), "d111111abcdef8.cloudfront.net",
			pick("/api/auth/session", "/api/auth/csrf", "/api/auth/callback/github", "/api/auth/signin", "/api/items", "/"),
			status, "-", "Mozilla/5.0", query, "next-auth.session-token=abc", result, fmt.Sprintf("ref%06d==", i),
			"app.example.com", "https", "100", "0.050", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", result, "HTTP/2.0", "-", "-", "443",
			ttfb, detailed, pick("application/json", "text/html"), "120", "-", "-",
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
	left := 0
	for _, c := range local.Checks {
		left += len(c.NotCounted)
	}
	if left == 0 {
		t.Fatalf("no check left a refusal out: %+v", local.Checks)
	}
	rep, err := Run(context.Background(), &duck{db: db}, opts, Options{Dialect: DuckDB})
	if err != nil {
		t.Fatal(err)
	}
	if l, a := jsonOf(t, local, false), jsonOf(t, rep, false); l != a {
		t.Errorf("reports differ:\n%s", firstDiff(l, a))
	}
}

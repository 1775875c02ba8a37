package athena

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/report"
)

// TestConfiguredRefusalsSameAsLocal: geo restriction, WAF-like edge
// refusals (any 4xx, time-to-first-byte 0.000 or 0.001), signed URL and
// InvalidRequestBlocked refusals on NextAuth's endpoints, among answers of
// NextAuth: the checks leave the same requests out with Athena as locally.
func TestConfiguredRefusalsSameAsLocal(t *testing.T) {
	logs, root := handLog(t, 3, 6000, 2400*time.Millisecond, func(rng *rand.Rand, i int) handLine {
		pick := func(vs ...string) string { return pickOf(rng, vs...) }
		l := handLine{status: "200", result: "Miss", detailed: "Miss", ttfb: "0.040"}
		switch rng.IntN(8) {
		case 0:
			l.status, l.result, l.detailed, l.ttfb = "403", "Error", "ClientGeoBlocked", "0.000"
		case 1:
			l.status, l.result, l.detailed, l.ttfb = pick("401", "403", "404", "405"), "Error", pick("Error", "-"), pick("0.000", "0.001", "0.002")
		case 2:
			l.status, l.result, l.detailed, l.ttfb, l.query = "403", "Error", pick("Error", "InvalidRequestBlocked"), "0.000", "Expires=1&Signature=s&Key-Pair-Id=K1"
		case 3:
			l.status, l.result, l.detailed, l.ttfb = pick("401", "403", "404"), "Error", pick("InvalidRequestBlocked", "Error"), pick("0.000", "0.030", "-")
		}
		l.method = pick("GET", "GET", "POST")
		l.path = pick("/api/auth/session", "/api/auth/csrf", "/api/auth/callback/github", "/api/auth/signin", "/api/items", "/")
		l.cookie, l.ctype = "next-auth.session-token=abc", pick("application/json", "text/html")
		return l
	})
	local := sameAsLocal(t, logs, root, report.Options{Window: window(0, 5*time.Hour)})
	left := 0
	for _, c := range local.Checks {
		left += len(c.NotCounted)
	}
	if left == 0 {
		t.Errorf("no check left a refusal out: %+v", local.Checks)
	}
}

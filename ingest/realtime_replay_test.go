package ingest

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
)

// TestRealtimeReplayJudgesAsLogged: the real-time digest keeps what the
// rules read of a request, so replaying it gives the rules the detectors
// give the same requests read directly: origin refusals stay origin
// refusals (time-to-first-byte by class, not "positive" as the edge's
// 1 ms), the auth library's cookies are read by the library's profile,
// a cookie value is not a cookie name, and small JSON bodies keep their
// length.
func TestRealtimeReplayJudgesAsLogged(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	// req is one request every second from t0 on path, answered status.
	type req struct {
		path, cookie, result, ctype, fle string
		status                           int
		ttfb                             float64
		clen                             int64
	}
	traffic := func(n int, burst req) []logparse.Record {
		var out []logparse.Record
		for i := range n {
			r := req{path: "/api/auth/session", status: 200, result: "Miss", ttfb: 0.05, cookie: burst.cookie, ctype: "application/json", clen: 300}
			if i >= n/3 {
				r = burst
			}
			rec := logparse.Record{
				Time: t0.Add(time.Duration(i) * time.Second), Method: "GET", URIStem: r.path, Status: r.status,
				HostHeader: "app.example.com", Host: "d111111abcdef8.cloudfront.net", Protocol: "https",
				EdgeResultType: r.result, EdgeDetailedResultType: r.result, EdgeResponseResultType: r.result,
				ContentType: r.ctype, ContentLength: r.clen, Cookie: r.cookie, FLEStatus: r.fle,
				TimeToFirstByte: r.ttfb, RequestID: fmt.Sprintf("rt%06d==", i),
				ClientIP: netip.AddrFrom4([4]byte{198, 51, 100, byte(i%200 + 1)}),
			}
			rec.SetHas(logparse.FieldStatus)
			rec.SetHas(logparse.FieldTimeToFirstByte)
			out = append(out, rec)
		}
		return out
	}
	cases := []struct {
		name  string
		burst req
		want  string // a rule the direct reading gives
	}{
		{"origin 403s on the session endpoint", req{path: "/api/auth/session", status: 403, result: "Error", ttfb: 0.3,
			cookie: "__Secure-next-auth.session-token=abc", ctype: "text/html", clen: 900}, detectors.RuleAuth403Burst},
		{"Better Auth's cookies", req{path: "/api/auth/session", status: 403, result: "Error", ttfb: 0.2,
			cookie: "__Secure-better-auth.session_token=abc", ctype: "text/html", clen: 900}, detectors.RuleAuth403Burst},
		{"an auth library's name in a cookie's value", req{path: "/api/auth/session", status: 403, result: "Error", ttfb: 0.2,
			cookie: "theme=authjs.dark", ctype: "text/html", clen: 900}, detectors.RuleAuth403Burst},
		{"API Gateway's JSON 403", req{path: "/api/items", status: 403, result: "Error", ttfb: 0.02,
			cookie: "next-auth.session-token=abc", ctype: "application/json", clen: 23}, ""},
		{"field-level encryption refusals", req{path: "/api/auth/callback/credentials", status: 400, result: "Error", ttfb: 0.001,
			cookie: "next-auth.session-token=abc", fle: "RejectedByEncryptionConfig", ctype: "text/html", clen: 900}, ""},
		{"origin read timeouts", req{path: "/api/items", status: 504, result: "Error", ttfb: 29.5,
			cookie: "next-auth.session-token=abc", ctype: "text/html", clen: 900}, detectors.RuleOriginErrors},
	}
	cfg := detectors.DefaultConfig()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs := traffic(900, c.burst)
			eng, err := detectors.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			st := newWindowState()
			for i := range recs {
				eng.Observe(&recs[i], "E2QWRUHEXAMPLE")
				st.add(&recs[i])
			}
			direct := judged(eng.Findings())
			replayed, err := st.findings(&Realtime{Distribution: "E2QWRUHEXAMPLE", Detectors: cfg})
			if err != nil {
				t.Fatal(err)
			}
			if c.want != "" && !slices.ContainsFunc(direct, func(s string) bool { return s[:len(c.want)] == c.want }) {
				t.Fatalf("read directly, the requests give %v; the test wants %s among them", direct, c.want)
			}
			if got := judged(replayed); !slices.Equal(got, direct) {
				t.Errorf("replayed from the digest: %v\nread directly:            %v", got, direct)
			}
		})
	}
}

// judged lists findings by rule, severity, host, group and cause.
func judged(fs []detectors.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %s: %s", f.Rule, f.Severity, f.Host, f.Group, f.Cause))
	}
	slices.Sort(out)
	return out
}
